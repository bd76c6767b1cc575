"""Shared fixtures: voice profiles, and fake-engine clips and clip sources written
in-process (no worker pool)."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator, Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from audiobook import tools
from audiobook.audio.assemble import assemble
from audiobook.audio.engines.fake import FakeEngine
from audiobook.audio.mp3_frames import Piece
from audiobook.audio.synthesize import clip_key, clip_path
from audiobook.cli import app
from audiobook.config import SAMPLE_RATE, AudioSettings, Pauses
from audiobook.models import (
    Book,
    Chapter,
    Clip,
    Document,
    Kind,
    Paragraph,
    Scene,
    Segment,
    Timeline,
    Utterance,
    VoiceProfile,
)
from audiobook.text.quotes import DASHES, QUOTE_MARKS

NARRATOR = VoiceProfile("narrator", "en-us+m3", rate=180)
HEROINE = VoiceProfile("heroine", "en-us+f3", rate=200, pitch=60)


class FakeSource:
    """A clip source for assembly: fake-engine clips made in this process, cached in
    ``folder``; ``asked`` records the utterances it was asked for."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.asked: list[Utterance] = []

    def key(self, utterance: Utterance) -> str:
        return clip_key("fake-1", utterance.profile, utterance.text)

    def clips(self, utterances: Sequence[Utterance]) -> Iterator[Clip]:
        engine = FakeEngine()
        for utterance in utterances:
            self.asked.append(utterance)
            path = clip_path(self.folder, self.key(utterance))
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                engine.synthesize(utterance.text, utterance.profile, path)
            yield Clip(utterance, path)


@pytest.fixture
def fake_source(tmp_path: Path) -> FakeSource:
    return FakeSource(tmp_path / "clips")


def decode(mp3: Path) -> bytes:
    """The MP3 decoded by ffmpeg to mono 16-bit PCM; fails the test on any decoder message."""
    result = subprocess.run(
        [tools.ffmpeg_exe(), "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "1", "-"],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0 and not result.stderr, result.stderr.decode(errors="replace")
    return result.stdout


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of espeak-ng itself run where it is pyttsx3's driver (Linux); on Windows
    and macOS the ``engine`` tests exercise SAPI5 and NSSS instead. Tests of POSIX
    processes, permissions and device files do not run on Windows."""

    from audiobook.audio.engines import driver_name

    skips = {}
    if driver_name("pyttsx3") != "espeak":
        skips["espeak"] = pytest.mark.skip(reason="pyttsx3's driver here is not espeak")
    if sys.platform == "win32":
        skips["posix"] = pytest.mark.skip(reason="POSIX only")
    for item in items:
        for marker, skip in skips.items():
            if item.get_closest_marker(marker):
                item.add_marker(skip)


DRIVERS = Path(__file__).resolve().parent / "drivers"
TEST_DRIVERS = {"sapi5_like.py": "sapi5_like.py", "nsss_like.py": "nsss_like.py",
                "_tone.py": "_audiobook_tone.py"}  # fmt: skip


@pytest.fixture(scope="session")
def test_drivers() -> Iterator[Path]:
    """The SAPI5-like and NSSS-like drivers, copied into this environment's
    ``pyttsx3/drivers/`` so pyttsx3 imports them by name, in spawned workers too."""
    import shutil

    import pyttsx3

    folder = Path(pyttsx3.__file__).resolve().parent / "drivers"
    placed = []
    for source, name in TEST_DRIVERS.items():
        target = folder / name
        shutil.copyfile(DRIVERS / source, target)
        placed.append(target)
    try:
        yield folder
    finally:
        for target in placed:
            target.unlink(missing_ok=True)


def png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


TITLES = ["The Lantern", "Chapter Two: Morning", "Épilogue — fin"]


@pytest.fixture
def encoded(tmp_path: Path, fake_source: FakeSource) -> tuple[tuple[Piece, ...], Timeline]:
    audio = assemble(story(), TITLES, fake_source, tmp_path / "pieces", AudioSettings(), Pauses())
    return audio.pieces, audio.timeline


SEEDS = Path(__file__).resolve().parent.parent / "seeds"


SEED0 = SEEDS / "000_7375049496938e3a.txt"


SEED1 = SEEDS / "001_e91bbaf8ab298a21.txt"


runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def vtt_cues(path: Path) -> list[tuple[int, int, str, str]]:
    """(start ms, end ms, speaker, text) of each cue."""
    def ms(stamp: str) -> int:
        h, m, s = stamp.split(":")
        sec, milli = s.split(".")
        return ((int(h) * 60 + int(m)) * 60 + int(sec)) * 1000 + int(milli)

    text = path.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT")
    cues = []
    for block in text.split("\n\n")[1:]:
        lines = [line for line in block.strip().splitlines() if line]
        timing = next(i for i, line in enumerate(lines) if "-->" in line)
        start, end = (ms(t.strip()) for t in lines[timing].split("-->"))
        body = " ".join(lines[timing + 1 :])
        voice = re.match(r"<v ([^>]*)>(.*)", body)
        assert voice, body
        cues.append((start, end, voice.group(1), voice.group(2)))
    return cues


def decoded_ms(path: Path) -> int:
    """Decode the whole file with ffmpeg, failing on any decoding error."""
    proc = subprocess.run(
        [tools.ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"],
        capture_output=True, check=True,
    )
    assert proc.stderr == b"", proc.stderr.decode()
    return len(proc.stdout) // 2 * 1000 // 22050


_QUOTE = re.compile(r"\"([^\"]*)\"|(?<!\w)'([^']*?)'(?!\w)|“([^”]*)”")


def passage(text: str) -> tuple[Book, tuple[Segment, ...]]:
    """A one-scene book whose quotes (straight, curly or single) are dialogue segments."""
    paragraphs = tuple(
        Paragraph(m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]*)*", text)
    )
    segments: list[Segment] = []
    for number, p in enumerate(paragraphs):
        last = p.start
        for m in _QUOTE.finditer(text, p.start, p.end):
            group = next(g for g in (1, 2, 3) if m.group(g) is not None)
            a, b = m.start(group), m.end(group)
            if a > last:
                segments.append(Segment(Kind.NARRATION, last, a, paragraph=number))
            segments.append(Segment(Kind.DIALOGUE, a, b, paragraph=number))
            last = b
        if p.end > last:
            segments.append(Segment(Kind.NARRATION, last, p.end, paragraph=number))
    scene = Scene(0, len(text), paragraphs)
    book = Book(Document(text), "t", None, None, (Chapter("c", 0, len(text), None, (scene,)),))
    return book, tuple(segments)


def check(book: Book, segments: tuple[Segment, ...]) -> None:
    text = book.document.text
    owner = [0] * len(text)
    previous_end = 0
    for s in segments:
        assert previous_end <= s.start < s.end <= len(text), (
            "segments are sorted, disjoint, not empty"
        )
        previous_end = s.end
        for i in range(s.start, s.end):
            owner[i] += 1
    thought_edges = {s.start - 1 for s in segments if s.kind == Kind.THOUGHT}
    thought_edges |= {s.end for s in segments if s.kind == Kind.THOUGHT}
    for i, c in enumerate(text):
        if owner[i] == 0:
            marks = c.isspace() or c in QUOTE_MARKS or c in DASHES
            assert marks or (c in "*_" and i in thought_edges), f"{c!r} at {i} is in no segment"

    chapters = book.chapters
    assert chapters, "a book that structures has at least one chapter"
    for a, b in pairwise(chapters):
        assert a.end == b.start, "chapters are contiguous"
    paragraph_spans = []
    for chapter in chapters:
        assert chapter.start < chapter.end
        assert chapter.scenes
        if chapter.heading:
            assert chapter.start == chapter.heading.start <= chapter.heading.end
        assert chapter.start <= chapter.scenes[0].start and chapter.scenes[-1].end <= chapter.end
        for scene in chapter.scenes:
            assert scene.paragraphs
            assert (scene.start, scene.end) == (scene.paragraphs[0].start, scene.paragraphs[-1].end)
            paragraph_spans.extend((p.start, p.end) for p in scene.paragraphs)
    for (_, end), (start, _) in pairwise(paragraph_spans):
        assert end < start, "paragraphs are ordered and each lies in one scene"
    for m in book.matter:
        assert all(not (m.start < p_end and p_start < m.end) for p_start, p_end in paragraph_spans)
    numbers = [s.paragraph for s in segments]
    assert numbers == sorted(numbers)
    assert all(0 <= s.chapter < len(chapters) for s in segments)


def f0_hz(samples: np.ndarray) -> float:
    """Median fundamental frequency of the voiced frames, by autocorrelation."""
    frame, hop = 1024, 512
    low, high = SAMPLE_RATE // 400, SAMPLE_RATE // 60
    values = samples.astype(np.float64)
    energy = max(float(np.sqrt(np.mean(values**2))), 1.0)
    estimates = []
    for start in range(0, len(values) - frame, hop):
        x = values[start : start + frame]
        x = x - x.mean()
        if np.sqrt(np.mean(x**2)) < energy:
            continue
        corr = np.correlate(x, x, mode="full")[frame - 1 :]
        lag = low + int(np.argmax(corr[low:high]))
        if corr[lag] > 0.5 * corr[0]:
            estimates.append(SAMPLE_RATE / lag)
    assert len(estimates) >= 5, "too few voiced frames"
    return float(np.median(estimates))


def story() -> list[Utterance]:
    return [
        Utterance("The Lantern.", NARRATOR, None, 0, 0),
        Utterance("Rain fell on the <old> roof & the barn.", NARRATOR, None, 0, 250),
        Utterance("Is anyone there?", HEROINE, "Ann", 0, 450),
        Utterance("Chapter Two: Morning.", NARRATOR, None, 1, 2500),
        Utterance("The sun rose.", NARRATOR, None, 1, 900),
        Utterance("Épilogue — fin.", NARRATOR, None, 2, 2500),
    ]
