"""Synthesis with the fake engine: order, the content-addressed cache, atomic writes,
failures named by their text, and recovery from a dead worker."""

from __future__ import annotations

import threading
import time
import wave
from pathlib import Path

import pytest

from audiobook.audio.engines import engine_identity
from audiobook.audio.engines.fake import total_samples
from audiobook.audio.synthesize import clip_key, clip_path, count_missing, synthesize
from audiobook.audio.workers import SynthesisStats
from audiobook.errors import EngineError, SynthesisError
from audiobook.models import Utterance, VoiceProfile

NARRATOR = VoiceProfile("narrator", "en-us+m3", rate=180)
HEROINE = VoiceProfile("heroine", "en-us+f3", rate=200)


def book(n: int = 12) -> list[Utterance]:
    return [
        Utterance(f"Line {i} of the story.", HEROINE if i % 3 == 0 else NARRATOR, None, 0, 100)
        for i in range(n)
    ]


def frames(path: Path) -> int:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes()


def leftovers(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.is_file() and p.suffix != ".wav"]


def test_clips_come_in_order_from_a_content_addressed_cache(tmp_path: Path) -> None:
    utterances = book()
    progress: list[tuple[int, int]] = []
    clips = list(
        synthesize(
            utterances, "fake", tmp_path, jobs=2, on_clip=lambda d, t: progress.append((d, t))
        )
    )
    assert [clip.utterance for clip in clips] == utterances
    for clip in clips:
        key = clip_key(engine_identity("fake"), clip.utterance.profile, clip.utterance.text)
        assert clip.path == tmp_path / key[:2] / f"{key}.wav" == clip_path(tmp_path, key)
        assert frames(clip.path) == total_samples(clip.utterance.text, clip.utterance.profile.rate)
    assert progress == [(i, 12) for i in range(1, 13)]
    assert leftovers(tmp_path) == []


def test_cache_key_depends_on_engine_settings_and_text_only() -> None:
    key = clip_key("fake-1", NARRATOR, "Hello.")
    renamed = VoiceProfile("other name", "en-us+m3", rate=180, description="same sound")
    assert clip_key("fake-1", renamed, "Hello.") == key
    assert clip_key("fake-2", NARRATOR, "Hello.") != key
    assert clip_key("fake-1", NARRATOR, "Hello!") != key
    assert clip_key("fake-1", VoiceProfile("narrator", "en-us+m3", rate=181), "Hello.") != key
    assert (
        clip_key("fake-1", VoiceProfile("narrator", "en-us+m3", rate=180, volume=0.9), "Hello.")
        != key
    )


def test_second_run_synthesises_nothing_and_counts_hits_in_progress(tmp_path: Path) -> None:
    utterances = book()
    first = SynthesisStats()
    list(synthesize(utterances, "fake", tmp_path, jobs=2, stats=first))
    assert (first.hits, first.misses) == (0, 12)
    assert count_missing(utterances, "fake", tmp_path) == 0
    second = SynthesisStats()
    progress: list[int] = []
    clips = list(
        synthesize(utterances, "fake", tmp_path, 2, lambda d, t: progress.append(d), stats=second)
    )
    assert (second.hits, second.misses) == (12, 0)
    assert progress == list(range(1, 13)) and len(clips) == 12


def test_changing_one_profile_resynthesises_only_its_clips(tmp_path: Path) -> None:
    utterances = book()
    list(synthesize(utterances, "fake", tmp_path, jobs=2))
    slower = VoiceProfile("heroine", "en-us+f3", rate=150)
    changed = [
        Utterance(u.text, slower, u.speaker, u.chapter, u.pause_before_ms)
        if u.profile == HEROINE
        else u
        for u in utterances
    ]
    assert count_missing(changed, "fake", tmp_path) == 4
    stats = SynthesisStats()
    list(synthesize(changed, "fake", tmp_path, jobs=2, stats=stats))
    assert (stats.hits, stats.misses) == (8, 4)


def test_identical_utterances_are_synthesised_once(tmp_path: Path) -> None:
    same = [Utterance("Yes.", NARRATOR, None, 0, 0)] * 5
    stats = SynthesisStats()
    clips = list(synthesize(same, "fake", tmp_path, jobs=2, stats=stats))
    assert (stats.hits, stats.misses) == (4, 1)
    assert len({clip.path for clip in clips}) == 1


def test_two_runs_sharing_a_cache_at_once_both_succeed(tmp_path: Path) -> None:
    utterances = book(30)
    results: list[list[Path]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append([c.path for c in synthesize(utterances, "fake", tmp_path, jobs=2)])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and results[0] == results[1]
    for path, utterance in zip(results[0], utterances, strict=True):
        assert frames(path) == total_samples(utterance.text, utterance.profile.rate)
    assert leftovers(tmp_path) == []


def test_window_bounds_the_work_in_flight(tmp_path: Path) -> None:
    clips = synthesize(book(100), "fake", tmp_path, jobs=1, window=4)
    next(clips)
    clips.close()  # shuts the pool down, cancelling what was not started
    made = list(tmp_path.rglob("*.wav"))
    assert 1 <= len(made) <= 4


def test_a_failing_clip_raises_synthesis_error_naming_its_text(tmp_path: Path) -> None:
    utterances = [
        *book(3),
        Utterance("FAKE-FAIL He turned to Gaius.", NARRATOR, None, 0, 0, 120, 150),
    ]
    with pytest.raises(SynthesisError) as info:
        list(synthesize(utterances, "fake", tmp_path, jobs=2, chapter_titles=["The Storm"]))
    assert str(info.value) == (
        "Could not synthesise chapter 1 (\"The Storm\"), sentence 'FAKE-FAIL He turned to "
        "Gaius.' (text offset 120) with voice profile 'narrator': the fake engine was asked to fail"
    )
    assert leftovers(tmp_path) == []
    assert len(list(tmp_path.rglob("*.wav"))) == 3


def test_a_killed_worker_is_replaced_and_its_clips_retried(tmp_path: Path) -> None:
    marker = tmp_path / "crashed-once"
    utterances = [
        *book(4),
        Utterance(f"FAKE-CRASH-ONCE:{marker} now", NARRATOR, None, 0, 0),
        *book(8)[4:],
    ]
    stats = SynthesisStats()
    clips = list(synthesize(utterances, "fake", tmp_path / "cache", jobs=2, stats=stats))
    assert marker.exists() and stats.restarts == 1
    assert [c.utterance for c in clips] == utterances
    assert all(frames(c.path) > 0 for c in clips)


def test_a_worker_that_always_dies_is_reported(tmp_path: Path) -> None:
    utterances = [*book(3), Utterance("FAKE-CRASH every time", NARRATOR, None, 1, 0, 40, 60)]
    stats = SynthesisStats()
    with pytest.raises(SynthesisError) as info:
        list(synthesize(utterances, "fake", tmp_path, jobs=2, stats=stats))
    assert str(info.value) == (
        "The speech engine crashed 2 times while speaking chapter 2, sentence "
        "'FAKE-CRASH every time' (text offset 40); change or remove that text."
    )
    assert stats.restarts == 2
    assert leftovers(tmp_path) == []


class _PartialEngine:
    """Writes half a file and then fails, as a worker killed mid-write would."""

    name = "partial"

    def __init__(self) -> None:
        self.written: list[Path] = []

    def voices(self) -> tuple[()]:
        return ()

    def synthesize(self, text: str, profile: VoiceProfile, out: Path) -> None:
        self.written.append(out)
        out.write_bytes(b"RIFF\x00\x00")
        if text == "fail":
            raise OSError("disk full")


def test_workers_write_a_temporary_file_and_rename_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from audiobook.audio import workers as module

    engine = _PartialEngine()
    monkeypatch.setattr(module, "_worker_engine", engine)
    target = tmp_path / "ab" / "abcdef.wav"
    with pytest.raises(EngineError, match="disk full"):
        module._synthesize_in_worker("fail", NARRATOR, str(target))
    assert not target.exists() and list(target.parent.iterdir()) == []
    assert engine.written[0].parent == target.parent and engine.written[0] != target

    module._synthesize_in_worker("ok", NARRATOR, str(target))
    assert target.read_bytes() == b"RIFF\x00\x00"
    assert list(target.parent.iterdir()) == [target]


def test_a_hung_clip_is_killed_at_its_timeout_and_retried(tmp_path: Path) -> None:
    marker = tmp_path / "hung-once"
    utterances = [*book(3), Utterance(f"FAKE-HANG-ONCE:{marker} now", NARRATOR, None, 0, 0)]
    stats = SynthesisStats()
    started = time.monotonic()
    clips = list(synthesize(utterances, "fake", tmp_path / "c", jobs=2, stats=stats, timeout_s=1))
    assert time.monotonic() - started < 20
    assert marker.exists() and stats.restarts == 1 and stats.misses == 4
    assert [c.utterance for c in clips] == utterances
    assert leftovers(tmp_path / "c") == []


def test_a_clip_that_always_hangs_is_reported_with_its_chapter_and_sentence(
    tmp_path: Path,
) -> None:
    utterances = [*book(2), Utterance("FAKE-HANG He waited.", NARRATOR, None, 2, 0, 900, 920)]
    started = time.monotonic()
    with pytest.raises(SynthesisError) as info:
        list(synthesize(utterances, "fake", tmp_path, jobs=2, timeout_s=0.5,
                        chapter_titles=["One", "Two", "Chapter Three"]))
    assert 1.0 <= time.monotonic() - started < 20
    assert str(info.value) == (
        "The speech engine hung on chapter 3 (\"Chapter Three\"), sentence 'FAKE-HANG He "
        "waited.' (text offset 900): it did not finish within 0.5 s, 2 times; change or "
        "remove that text."
    )
    assert leftovers(tmp_path) == []


def test_only_the_clip_a_worker_died_on_is_retried(tmp_path: Path) -> None:
    marker = tmp_path / "crashed-once"
    utterances = [Utterance(f"FAKE-CRASH-ONCE:{marker} a", NARRATOR, None, 0, 0), *book(30)]
    stats = SynthesisStats()
    list(synthesize(utterances, "fake", tmp_path / "c", jobs=2, stats=stats))
    # Every other clip was made once: none was blamed for, or redone after, the crash.
    assert (stats.restarts, stats.misses, stats.hits) == (1, 31, 0)


@pytest.mark.posix
def test_a_worker_killed_while_idle_is_replaced(tmp_path: Path) -> None:
    import multiprocessing
    import os
    import signal

    utterances = book(20)
    clips = synthesize(utterances, "fake", tmp_path, jobs=1, window=1)
    first = next(clips)
    for child in multiprocessing.active_children():
        os.kill(child.pid, signal.SIGKILL)
    rest = list(clips)
    assert [c.utterance for c in [first, *rest]] == utterances
