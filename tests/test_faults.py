"""Faults during a run, end to end with the fake engine: a worker killed mid-run, an engine
call that hangs, Ctrl-C, a full disk or a file size limit, and two runs sharing one cache.
Each must end in the same audiobook, or one clear line with nothing half-written."""

from __future__ import annotations

import errno
import multiprocessing
import os
import signal
import subprocess
import sys
import time
import wave
from dataclasses import replace
from pathlib import Path

import pytest

if sys.platform == "win32":  # process groups, /proc, rlimits and SIGKILL are POSIX
    pytest.skip("POSIX processes and signals", allow_module_level=True)

import resource

from typer.testing import CliRunner

from audiobook import pipeline
from audiobook.audio.engines.fake import DELAY_VARIABLE
from audiobook.audio.mp3_frames import read_piece
from audiobook.audio.synthesize import Synthesizer, count_missing
from audiobook.casting.plan import plan
from audiobook.cli import app
from audiobook.config import Config
from audiobook.errors import ExportError

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def write_story(path: Path, chapters: int = 3, paragraphs: int = 4, extra: str = "") -> Path:
    """A story whose every sentence is different, so that every clip is its own."""
    parts = ["The Long Walk\n\nby Jo Marsh\n\n"]
    for c in range(1, chapters + 1):
        parts.append(f"Chapter {c}\n\n")
        for p in range(1, paragraphs + 1):
            parts.append(
                f"The wind moved over hill {c} and field {p}, and the grass bent low. "
                f'"Stay close," said Anna. "We are nearly at stone {c * 10 + p}."\n\n'
            )
        if c == 2 and extra:
            parts.append(extra + "\n\n")
    path.write_text("".join(parts), encoding="utf-8")
    return path


def config(tmp_path: Path, name: str = "run", jobs: int = 2) -> Config:
    return Config(out_dir=tmp_path / f"{name}-out", cache_dir=tmp_path / f"{name}-cache",
                  engine="fake", jobs=jobs)  # fmt: skip


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def cache_leftovers(cache: Path) -> list[Path]:
    """Anything in a cache but finished clips and pieces (temporary files, logs)."""
    finished = (".wav", ".mp3", ".json")
    return [p for p in cache.rglob("*") if p.is_file() and p.suffix not in finished]


def cli(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.Popen:
    """The real command in a process of its own (as a user would run it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "audiobook", *args], cwd=ROOT,
        env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, **kwargs,
    )  # fmt: skip


def children(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --- a worker killed mid-run ---------------------------------------------------


def test_a_worker_killed_mid_run_is_replaced_and_the_audiobook_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    story = write_story(tmp_path / "story.txt")
    reference = pipeline.generate(story, config(tmp_path, "reference"))

    monkeypatch.setenv(DELAY_VARIABLE, "0.03")  # workers are busy most of the time
    killed: list[int] = []
    seen: set[int] = set()

    def kill_one_at_clip_8(done: int, total: int) -> None:
        workers = {p.pid for p in multiprocessing.active_children() if p.pid}
        seen.update(workers)
        if done == 8:
            victim = min(workers)
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    faulty = pipeline.generate(story, config(tmp_path, "faulty"), progress=kill_one_at_clip_8)
    assert killed and len(seen) >= 3, "the killed worker was replaced"
    assert outputs(faulty.mp3.parent) == outputs(reference.mp3.parent)
    assert faulty.synthesized == reference.synthesized  # every distinct clip, once
    assert cache_leftovers(tmp_path / "faulty-cache") == []


# --- an engine call that hangs -------------------------------------------------


def test_a_hanging_engine_call_is_timed_out_retried_then_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import audiobook.audio.synthesize

    monkeypatch.setattr(audiobook.audio.synthesize, "CLIP_TIMEOUT_S", 0.5)
    story = write_story(tmp_path / "story.txt", extra="FAKE-HANG and the night came down.")
    out = tmp_path / "out"
    started = time.monotonic()
    result = runner.invoke(app, ["generate", str(story), "-o", str(out), "--engine", "fake",
                                 "--cache", str(tmp_path / "cache")])  # fmt: skip
    assert time.monotonic() - started < 30
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "audiobook: error: The speech engine hung on chapter 2 (\"Chapter 2\"), sentence "
        "'FAKE-HANG and the night came down.' (text offset "
        f"{story.read_text().index('FAKE-HANG')}): it did not finish within 0.5 s, 2 times; "
        "change or remove that text."
    )
    assert "Traceback" not in result.output
    assert not out.exists() or list(out.iterdir()) == []
    assert cache_leftovers(tmp_path / "cache") == []


# --- Ctrl-C --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stop", "sent_to"),
    [pytest.param(signal.SIGINT, "group", id="ctrl-c"), pytest.param(signal.SIGTERM, "process",
                                                                     id="kill")],
)
def test_ctrl_c_stops_within_2_s_leaves_nothing_and_the_next_run_resumes(
    tmp_path: Path, stop: signal.Signals, sent_to: str
) -> None:
    story = write_story(tmp_path / "story.txt", chapters=1, paragraphs=40)
    out, cache = tmp_path / "out", tmp_path / "cache"
    # As from a terminal: a test run started in the background (`pytest &`) ignores
    # SIGINT, and its children would inherit that.
    run = cli("generate", str(story), "-o", str(out), "--engine", "fake", "--cache", str(cache),
              "-j", "2", env={DELAY_VARIABLE: "0.05"}, start_new_session=True,
              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
    deadline = time.monotonic() + 60
    while len(list(cache.rglob("*.wav"))) < 20:
        assert run.poll() is None and time.monotonic() < deadline, run.communicate()
        time.sleep(0.05)
    workers = children(run.pid)
    assert workers

    if sent_to == "group":
        os.killpg(run.pid, stop)  # what Ctrl-C in a terminal does
    else:
        os.kill(run.pid, stop)  # what `kill` and service managers do
    sent = time.monotonic()
    _, stderr = run.communicate(timeout=30)
    assert time.monotonic() - sent <= 2.0
    assert run.returncode == 130
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].startswith("audiobook: interrupted")
    assert list(out.iterdir()) == [], "no partial output"
    assert cache_leftovers(cache) == [] and not list(cache.rglob("*.mp3"))
    time.sleep(0.2)
    assert not any(alive(pid) for pid in workers), "no worker outlives the run"

    finished = len(list(cache.rglob("*.wav")))
    settings = replace(config(tmp_path), out_dir=out, cache_dir=cache)
    ready = pipeline.prepare(story, settings)
    script, cast = ready.script, ready.cast
    utterances = plan(script, cast, settings.pauses)
    distinct = len({Synthesizer("fake", cache, 1).key(u) for u in utterances})
    missing = count_missing(utterances, "fake", cache)
    assert 20 <= finished < distinct and missing == distinct - finished

    result = pipeline.generate(story, settings)
    assert result.synthesized == missing, "only the clips not finished before are synthesised"
    assert result.clips == len(utterances)


# --- a full disk or a file size limit ------------------------------------------


def limited(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        pytest.param("clip", "the clip cannot be written to the cache folder {cache} (a file "
                     "size limit was reached)", id="clip"),
        pytest.param("chapter", "(it was stopped because a file size limit was reached)",
                     id="chapter"),
        pytest.param("book", "Cannot write {out}/The Long Walk.mp3 (a file size limit was "
                     "reached); choose another output folder with -o.", id="book"),
    ],
)  # fmt: skip
def test_a_file_size_limit_is_a_clear_error_and_the_earlier_audiobook_is_untouched(
    tmp_path: Path, stage: str, message: str
) -> None:
    story = write_story(tmp_path / "story.txt", paragraphs=6)
    out, good_cache = tmp_path / "out", tmp_path / "good-cache"
    good = cli("generate", str(story), "-o", str(out), "--engine", "fake", "--cache",
               str(good_cache))  # fmt: skip
    assert good.wait(timeout=120) == 0, good.communicate()
    before = outputs(out)

    # A limit that the first file of the stage exceeds, but no file of the stages before.
    clips = sorted(p.stat().st_size for p in good_cache.rglob("*.wav"))
    pieces = sorted(p.stat().st_size for p in good_cache.rglob("*.mp3"))
    book = len(before["The Long Walk.mp3"])
    assert clips[-1] < pieces[0] and 1.5 * pieces[-1] < 0.8 * book
    limit = {"clip": clips[0] // 2, "chapter": (clips[-1] + pieces[0]) // 2,
             "book": int(0.8 * book)}[stage]  # fmt: skip

    write_story(story, paragraphs=7)  # a longer edition, to be written over the first
    cache = tmp_path / "cache"
    run = cli("generate", str(story), "-o", str(out), "--engine", "fake", "--cache", str(cache),
              preexec_fn=limited(limit))  # fmt: skip
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 1
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("audiobook:")]
    assert errors == [stderr.splitlines()[-1]] and errors[0].startswith("audiobook: error: ")
    assert message.format(cache=cache, out=out) in errors[0]
    assert outputs(out) == before, "the earlier audiobook is untouched, nothing half-written"
    assert cache_leftovers(cache) == []


def test_a_full_disk_while_writing_the_book_keeps_the_earlier_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import audiobook.output.mp3

    story = write_story(tmp_path / "story.txt")
    settings = config(tmp_path)
    first = pipeline.generate(story, settings)
    before = outputs(first.mp3.parent)

    def disk_fills_up(pieces, file) -> None:
        file.write(b"\xff" * 5000)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(audiobook.output.mp3, "join", disk_fills_up)
    write_story(story, paragraphs=5)
    with pytest.raises(ExportError, match=r"Cannot write .*Walk\.mp3 \(the disk is full\)"):
        pipeline.generate(story, settings)
    assert outputs(first.mp3.parent) == before


# --- two runs sharing one cache ------------------------------------------------


def test_two_runs_sharing_one_cache_at_once_corrupt_nothing(tmp_path: Path) -> None:
    story = write_story(tmp_path / "story.txt", paragraphs=6)
    cache = tmp_path / "cache"
    runs = [
        cli("generate", str(story), "-o", str(tmp_path / f"out{i}"), "--engine", "fake",
            "--cache", str(cache), env={DELAY_VARIABLE: "0.005"})
        for i in (1, 2)
    ]  # fmt: skip
    for run in runs:
        assert run.wait(timeout=120) == 0, run.communicate()
    assert outputs(tmp_path / "out1") == outputs(tmp_path / "out2")
    assert cache_leftovers(cache) == []
    clips = list(cache.rglob("*.wav"))
    assert clips
    for clip in clips:
        with wave.open(str(clip), "rb") as wav:
            assert len(wav.readframes(wav.getnframes())) == 2 * wav.getnframes() > 0
    pieces = list((cache / "chapters").rglob("*.mp3"))
    assert len(pieces) == 3
    for piece in pieces:
        read_piece(piece)  # complete, and as its Info frame says
