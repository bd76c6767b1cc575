"""Clips -> one MP3 file and its Timeline (chapter marks and transcript cues, in samples).

Each clip is trimmed of the engine's edge silence, brought to a common loudness and
streamed, after its pause, into one ffmpeg encoder; only one clip is in memory at a
time. The timeline arithmetic is pure (``TimelineBuilder``, ``build_timeline``).
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
import wave
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audiobook import tools
from audiobook.config import AudioSettings, Pauses
from audiobook.errors import AssemblyError
from audiobook.models import ChapterMark, Clip, Cue, Timeline

FULL_SCALE = 32768.0
"""0 dBFS for 16-bit samples (pydub's convention too)."""


def ms_to_samples(ms: int, sample_rate: int) -> int:
    """Whole samples in ``ms`` milliseconds, rounded down (300 ms at 22050 Hz is 6615)."""
    return ms * sample_rate // 1000


@dataclass(frozen=True)
class Entry:
    """One clip's place in the book: its chapter, the pause before it, its length."""

    chapter: int
    pause: int
    length: int
    speaker: str | None = None
    text: str = ""


class TimelineBuilder:
    """Lays clips end to end, as the encoder receives them, and records marks and cues.

    The very first pause is at least ``lead_in``. A chapter starts at the first
    sample of the pause before its first clip (0 for the first chapter heard) and
    ends where the next starts; the last ends at the total, after ``tail``.
    Chapters without clips get no mark.
    """

    def __init__(self, chapter_titles: Sequence[str], sample_rate: int, lead_in: int = 0) -> None:
        self.titles = list(chapter_titles)
        self.sample_rate = sample_rate
        self.lead_in = lead_in
        self.position = 0
        self.cues: list[Cue] = []
        self.chapters: list[ChapterMark] = []
        self._chapter = -1
        self._chapter_start = 0

    def add(self, entry: Entry) -> int:
        """Place ``entry``; return the pause to write before it, in samples."""
        if not 0 <= entry.chapter < len(self.titles):
            raise AssemblyError(
                f"A clip belongs to chapter {entry.chapter + 1}, but the book has "
                f"{len(self.titles)} chapters."
            )
        if entry.pause < 0 or entry.length < 0:
            raise AssemblyError("A clip has a negative pause or length.")
        pause = max(self.lead_in, entry.pause) if self._chapter < 0 else entry.pause
        if entry.chapter != self._chapter:
            if entry.chapter < self._chapter:
                raise AssemblyError(
                    f"A clip of chapter {entry.chapter + 1} came after chapter {self._chapter + 1}."
                )
            self._close_chapter()
            self._chapter = entry.chapter
        self.position += pause
        self.cues.append(
            Cue(self.position, self.position + entry.length, entry.speaker, entry.text)
        )
        self.position += entry.length
        return pause

    def _close_chapter(self) -> None:
        if self._chapter >= 0:
            start = self._chapter_start
            self.chapters.append(ChapterMark(self.titles[self._chapter], start, self.position))
            self._chapter_start = self.position

    def finish(self, tail: int) -> Timeline:
        if self._chapter < 0:
            raise AssemblyError("There is nothing to read aloud: no clips were given.")
        self.position += tail
        self._close_chapter()
        return Timeline(self.sample_rate, self.position, tuple(self.chapters), tuple(self.cues))


def build_timeline(
    entries: Iterable[Entry],
    chapter_titles: Sequence[str],
    sample_rate: int,
    lead_in: int = 0,
    tail: int = 0,
) -> Timeline:
    """The Timeline for clips of given lengths, without any audio (pure)."""
    builder = TimelineBuilder(chapter_titles, sample_rate, lead_in)
    for entry in entries:
        builder.add(entry)
    return builder.finish(tail)


def trim_bounds(samples: np.ndarray, threshold_dbfs: float, keep: int) -> tuple[int, int]:
    """[start, end) of ``samples`` without edge silence, keeping ``keep`` samples each side.

    A clip with nothing above the threshold trims to nothing.
    """
    threshold = FULL_SCALE * 10 ** (threshold_dbfs / 20)
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > threshold)
    if loud.size == 0:
        return 0, 0
    return max(0, int(loud[0]) - keep), min(len(samples), int(loud[-1]) + 1 + keep)


def level(samples: np.ndarray, target_dbfs: float, peak_dbfs: float) -> np.ndarray:
    """``samples`` scaled to an RMS of ``target_dbfs`` but with no peak above ``peak_dbfs``."""
    if samples.size == 0:
        return samples.astype(np.int16)
    values = samples.astype(np.float64)
    rms = float(np.sqrt(np.mean(values**2)))
    peak = float(np.max(np.abs(values)))
    if rms == 0.0:
        return samples.astype(np.int16)
    gain_db = target_dbfs - 20 * np.log10(rms / FULL_SCALE)
    gain_db = min(gain_db, peak_dbfs - 20 * np.log10(peak / FULL_SCALE))
    scaled = np.round(values * 10 ** (gain_db / 20))
    return np.clip(scaled, -FULL_SCALE, FULL_SCALE - 1).astype(np.int16)


def load_clip(path: Path, sample_rate: int) -> np.ndarray:
    """The samples of a clip's mono 16-bit WAV."""
    try:
        with wave.open(str(path), "rb") as wav:
            params = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
            data = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise AssemblyError(
            f"The clip {path} cannot be read ({exc}); delete it to redo it."
        ) from exc
    if params != (1, 2, sample_rate):
        raise AssemblyError(
            f"The clip {path} is {params[0]}-channel {8 * params[1]}-bit {params[2]} Hz audio, "
            f"not mono 16-bit {sample_rate} Hz."
        )
    return np.frombuffer(data, dtype="<i2")


def prepare_clip(path: Path, settings: AudioSettings) -> np.ndarray:
    """A clip trimmed and levelled as it goes into the book."""
    samples = load_clip(path, settings.sample_rate)
    keep = ms_to_samples(settings.keep_edge_ms, settings.sample_rate)
    start, end = trim_bounds(samples, settings.silence_threshold_dbfs, keep)
    return level(samples[start:end], settings.target_dbfs, settings.peak_dbfs)


def _encoder_command(ffmpeg: str, out_path: Path, settings: AudioSettings) -> list[str]:
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
        "-f", "s16le", "-ar", str(settings.sample_rate), "-ac", "1", "-i", "pipe:0",
        "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate_kbps}k",
        # The Xing/LAME frame lets players seek and decoders drop the encoder padding;
        # tags are written by export, so ffmpeg must write none.
        "-write_xing", "1", "-id3v2_version", "0", "-write_id3v1", "0",
        "-f", "mp3", "-y", str(out_path),
    ]  # fmt: skip


def _last_line(log: Path) -> str:
    try:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    except OSError:
        return "no message"
    lines = [line for line in lines if line]
    return lines[-1] if lines else "no message"


def assemble(
    clips: Iterable[Clip],
    chapter_titles: Sequence[str],
    out_path: Path,
    settings: AudioSettings,
    pauses: Pauses,
    *,
    ffmpeg: str | None = None,
) -> Timeline:
    """Encode ``clips`` (in book order) into the MP3 ``out_path``; return its Timeline.

    ``out_path`` is overwritten (the caller passes a temporary file). The book opens
    with ``pauses.lead_in_ms`` (or the first clip's pause if longer) and closes with
    ``pauses.tail_ms`` of silence.
    """
    rate = settings.sample_rate
    builder = TimelineBuilder(chapter_titles, rate, ms_to_samples(pauses.lead_in_ms, rate))
    command = _encoder_command(ffmpeg or tools.ffmpeg_exe(), out_path, settings)
    with tempfile.TemporaryDirectory(prefix="audiobook-ffmpeg-") as scratch:
        # stderr goes to a file, not a pipe nobody reads, so ffmpeg can never block on it.
        log = Path(scratch) / "stderr.txt"
        with log.open("wb") as stderr:
            try:
                process = subprocess.Popen(
                    command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=stderr
                )
            except OSError as exc:
                raise AssemblyError(f"ffmpeg could not be started ({exc}).") from exc
        assert process.stdin is not None
        try:
            for clip in clips:
                samples = prepare_clip(clip.path, settings)
                utterance = clip.utterance
                entry = Entry(
                    utterance.chapter,
                    ms_to_samples(utterance.pause_before_ms, rate),
                    len(samples),
                    utterance.speaker,
                    utterance.text,
                )
                pause = builder.add(entry)
                process.stdin.write(np.zeros(pause, dtype="<i2").tobytes())
                process.stdin.write(samples.astype("<i2").tobytes())
            tail = ms_to_samples(pauses.tail_ms, rate)
            timeline = builder.finish(tail)
            process.stdin.write(np.zeros(tail, dtype="<i2").tobytes())
            process.stdin.close()
        except BrokenPipeError:
            process.wait()
            raise AssemblyError(
                f"ffmpeg stopped while encoding {out_path.name}: {_last_line(log)}"
            ) from None
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            with contextlib.suppress(BrokenPipeError, OSError):
                process.stdin.close()
        if process.wait() != 0:
            raise AssemblyError(f"ffmpeg could not encode {out_path.name}: {_last_line(log)}")
    return timeline
