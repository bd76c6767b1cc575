"""Utterances -> one cached MP3 piece per chapter (or part of a long one), and the Timeline.

Each clip is trimmed of the engine's edge silence, brought to a common loudness and
streamed, after its pause, into its piece's ffmpeg encoder, a chunk at a time.
Pieces are encoded side by side (one encoder per core), and each piece's MP3 is
cached under a key made of its clips, pauses and the audio settings: a changed
voice re-encodes only the pieces it speaks in, and a piece already encoded needs
none of its clips. ``mp3.join`` makes one stream of the pieces. The timeline (marks
and cues, in samples) is pure arithmetic (``TimelineBuilder``, ``build_timeline``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import queue
import signal
import subprocess
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

import numpy as np

from audiobook import tools
from audiobook.audio import loudness
from audiobook.audio.loudness import FULL_SCALE, normalize, to_pcm16, upsample
from audiobook.audio.mp3_frames import JOIN_GAP, Piece, frame_samples, read_piece
from audiobook.config import SAMPLE_RATE, AudioSettings, Pauses
from audiobook.errors import AssemblyError, os_reason
from audiobook.models import ChapterMark, Clip, Cue, Timeline, Utterance

LOUDNESS_OFFSET_LU = 1.5
"""Clips are measured and brought this much above the book's target, because the
book measures lower than its clips: the 400 ms blocks that straddle the pauses
between clips are quieter, and the limiter turns peaks down (measured with the
default pauses: 1.3 to 1.6 LU on the seeds and on a novel)."""

ENCODER_HEADROOM_DB = 1.6
"""Clips are limited this far below the book's true-peak ceiling, because lossy
encoding raises true peaks (measured on the seeds and a novel: 0.6 to 1.1 dB)."""


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
    """Lays clips end to end, as the decoder plays them, and records marks and cues.

    The very first pause is at least ``lead_in``. A ``gap`` (where two encoded
    pieces meet) lengthens the pause after it. A chapter starts at the first
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
        self._gap = 0

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
        self.position += self._gap + pause
        self._gap = 0
        self.cues.append(
            Cue(self.position, self.position + entry.length, entry.speaker, entry.text)
        )
        self.position += entry.length
        return pause

    def gap(self, samples: int) -> None:
        """Silence where one encoded piece ends and the next begins; it is part of
        the pause before the next clip, so the next chapter starts where it starts."""
        if samples < 0:
            raise AssemblyError("A gap between pieces cannot be negative.")
        self._gap += samples

    def _close_chapter(self) -> None:
        if self._chapter >= 0:
            start = self._chapter_start
            self.chapters.append(ChapterMark(self.titles[self._chapter], start, self.position))
            self._chapter_start = self.position

    def finish(self, tail: int) -> Timeline:
        if self._chapter < 0:
            raise AssemblyError("There is nothing to read aloud: no clips were given.")
        self.position += self._gap + tail
        self._gap = 0
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


CHUNK = 1 << 16
"""Samples handled at a time: a clip of any length needs only a few chunks of memory."""


def _first_loud(samples: np.ndarray, threshold: float, backwards: bool = False) -> int | None:
    starts = range(0, len(samples), CHUNK)
    for at in reversed(starts) if backwards else starts:
        loud = np.flatnonzero(np.abs(samples[at : at + CHUNK].astype(np.int32)) > threshold)
        if loud.size:
            return at + int(loud[-1] if backwards else loud[0])
    return None


def trim_bounds(samples: np.ndarray, threshold_dbfs: float, keep: int) -> tuple[int, int]:
    """[start, end) of ``samples`` without edge silence, keeping ``keep`` samples each side.

    A clip with nothing above the threshold trims to nothing.
    """
    threshold = FULL_SCALE * 10 ** (threshold_dbfs / 20)
    first = _first_loud(samples, threshold)
    if first is None:
        return 0, 0
    last = _first_loud(samples, threshold, backwards=True)
    assert last is not None
    return max(0, first - keep), min(len(samples), last + 1 + keep)


def _wav_layout(path: Path) -> tuple[tuple[int, int, int], int, int]:
    """((channels, bytes per sample, rate), data offset, frames) from a WAV's RIFF chunks."""
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        head = file.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:] != b"WAVE":
            raise ValueError("not a RIFF WAVE file")
        params = None
        while True:
            chunk = file.read(8)
            if len(chunk) < 8:
                raise ValueError("no data chunk")
            name, length = chunk[:4], int.from_bytes(chunk[4:], "little")
            if name == b"fmt ":
                fmt = file.read(length)
                channels = int.from_bytes(fmt[2:4], "little")
                rate = int.from_bytes(fmt[4:8], "little")
                params = (channels, int.from_bytes(fmt[14:16], "little") // 8, rate)
                file.seek(length & 1, 1)
            elif name == b"data":
                if params is None:
                    raise ValueError("data chunk before fmt chunk")
                offset = file.tell()
                frame = max(1, params[0] * params[1])
                return params, offset, min(length, size - offset) // frame
            else:
                file.seek(length + (length & 1), 1)


def load_clip(path: Path, sample_rate: int) -> np.ndarray:
    """The samples of a clip's mono 16-bit WAV, mapped from the file, not read into memory."""
    try:
        params, offset, frames = _wav_layout(path)
        if params != (1, 2, sample_rate):
            raise AssemblyError(
                f"The clip {path} is {params[0]}-channel {8 * params[1]}-bit {params[2]} Hz "
                f"audio, not mono 16-bit {sample_rate} Hz."
            )
        if frames == 0:
            return np.zeros(0, dtype="<i2")
        return np.memmap(path, dtype="<i2", mode="r", offset=offset, shape=(frames,))
    except (OSError, ValueError) as exc:
        raise AssemblyError(
            f"The clip {path} cannot be read ({exc}); delete it to redo it."
        ) from exc


def clip_pcm(path: Path, settings: AudioSettings) -> tuple[int, Iterator[bytes]]:
    """A clip as it goes into the book: trimmed of edge silence, brought to the book's
    loudness with its true peaks limited, resampled to the book's rate. Its length in
    samples and its PCM, chunk by chunk."""
    samples = load_clip(path, SAMPLE_RATE)
    keep = ms_to_samples(settings.keep_edge_ms, SAMPLE_RATE)
    start, end = trim_bounds(samples, settings.silence_threshold_dbfs, keep)
    ceiling = settings.true_peak_dbtp - ENCODER_HEADROOM_DB
    target = settings.loudness_lufs + LOUDNESS_OFFSET_LU
    body = normalize(samples[start:end], SAMPLE_RATE, target, ceiling)
    pcm = to_pcm16(upsample(body, settings.sample_rate // SAMPLE_RATE))
    return len(pcm), (pcm[at : at + CHUNK].tobytes() for at in range(0, len(pcm), CHUNK))


def prepare_clip(path: Path, settings: AudioSettings) -> np.ndarray:
    """A clip as it goes into the book, in one array."""
    _, chunks = clip_pcm(path, settings)
    return np.frombuffer(b"".join(chunks), dtype="<i2")


# --- encoding ------------------------------------------------------------------

PIECE_FORMAT = 3
"""Part of every piece key: raise it when the way pieces are made changes."""


class ClipSource(Protocol):
    """Where assembly gets clips: their cache keys, and the clips themselves in order."""

    def key(self, utterance: Utterance) -> str: ...

    def clips(self, utterances: Sequence[Utterance]) -> Iterator[Clip]: ...


@dataclass(frozen=True)
class BookAudio:
    """The encoded book: its pieces, to be joined in order, and its timeline."""

    pieces: tuple[Piece, ...]
    timeline: Timeline
    encoded: int = 0
    """Pieces encoded in this run; the others came from the cache."""


@dataclass(frozen=True)
class Run:
    """The utterances of one chapter, or of a part of one, which become one piece."""

    chapter: int
    utterances: tuple[Utterance, ...]
    pauses: tuple[int, ...]
    """Samples of silence before each clip (the book's lead-in included)."""
    tail: int
    """Samples of silence after the last clip (the book's tail, in the last run)."""
    key: str


def piece_key(
    clip_keys: Sequence[str], pauses: Sequence[int], tail: int, settings: AudioSettings
) -> str:
    """What a piece sounds like: its clips, its silences and the audio settings."""
    levelling = [LOUDNESS_OFFSET_LU, ENCODER_HEADROOM_DB, *loudness.tunables()]
    payload = json.dumps(
        [PIECE_FORMAT, levelling, dataclasses.asdict(settings), list(clip_keys), list(pauses), tail]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def plan_runs(
    utterances: Sequence[Utterance],
    clip_key: Callable[[Utterance], str],
    settings: AudioSettings,
    pauses: Pauses,
) -> list[Run]:
    """Split the book into runs, each encoded as one piece, with every silence in samples.

    A run is a chapter, or a part of a long chapter (see ``PIECE_CHARS``).
    """
    rate = settings.sample_rate
    chapters: list[list[Utterance]] = []
    for utterance in utterances:
        if chapters and chapters[-1][0].chapter == utterance.chapter:
            chapters[-1].append(utterance)
        else:
            chapters.append([utterance])
    paragraph = min(pauses.turn_ms, pauses.paragraph_ms)
    groups = [part for chapter in chapters for part in _parts(chapter, paragraph)]
    runs = []
    for index, group in enumerate(groups):
        silences = [ms_to_samples(u.pause_before_ms, rate) for u in group]
        if index == 0:
            silences[0] = max(silences[0], ms_to_samples(pauses.lead_in_ms, rate))
        else:
            # Where two pieces meet, the encoder's delay and padding already add at
            # least JOIN_GAP samples of silence (at most a frame more).
            silences[0] = max(0, silences[0] - JOIN_GAP)
        tail = ms_to_samples(pauses.tail_ms, rate) if index == len(groups) - 1 else 0
        key = piece_key([clip_key(u) for u in group], silences, tail, settings)
        runs.append(Run(group[0].chapter, tuple(group), tuple(silences), tail, key))
    return runs


PIECE_CHARS = 10_000
"""A chapter with more text than this (some ten minutes of speech) is encoded in parts,
split where a paragraph begins: the encoders share the work more evenly, a book
without chapters still uses every core, and a change re-encodes only its part."""


def _parts(chapter: list[Utterance], paragraph_ms: int) -> list[list[Utterance]]:
    """``chapter`` in parts of about ``PIECE_CHARS``, each starting at a paragraph (or,
    in a paragraph twice that long, at a sentence). A part depends only on the text
    before it in the chapter, so a changed voice moves no boundary."""
    parts: list[list[Utterance]] = [[]]
    size = 0
    for utterance in chapter:
        pause = utterance.pause_before_ms
        if parts[-1] and (
            (size >= PIECE_CHARS and pause >= paragraph_ms)
            or (size >= 2 * PIECE_CHARS and pause * SAMPLE_RATE >= 1000 * JOIN_GAP)
        ):
            parts.append([])
            size = 0
        parts[-1].append(utterance)
        size += len(utterance.text)
    return parts


class PieceStore:
    """Encoded pieces in the cache: ``<key>.mp3`` and ``<key>.json`` (clip lengths).

    The JSON is renamed into place before the MP3, and a piece counts as present
    only when both are there and agree, so a run stopped at any point, or two runs
    writing the same piece at once, never leave a piece that is wrong.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.mp3"

    def load(self, run: Run) -> tuple[Piece, tuple[int, ...]] | None:
        mp3 = self.path(run.key)
        try:
            lengths = tuple(json.loads(mp3.with_suffix(".json").read_text("utf-8"))["lengths"])
            piece = read_piece(mp3)
        except (OSError, ValueError, KeyError, TypeError, AssemblyError):
            return None
        if len(lengths) != len(run.pauses) or not all(isinstance(n, int) for n in lengths):
            return None
        written = sum(run.pauses) + sum(lengths) + run.tail
        if piece.pcm_samples != whole_frames(written, piece.header.sample_rate):
            return None
        return piece, lengths

    def save(self, key: str, encoded: Path, lengths: Sequence[int]) -> Piece:
        """Move the freshly encoded ``encoded`` (beside its place) into the store."""
        mp3 = self.path(key)
        meta = mp3.with_suffix(".json")
        meta_tmp = meta.with_name(f".{meta.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            meta_tmp.write_text(json.dumps({"lengths": list(lengths)}), encoding="utf-8")
            os.replace(meta_tmp, meta)
            os.replace(encoded, mp3)
        except OSError as exc:
            raise AssemblyError(
                f"Cannot write to the cache folder {self.folder} ({os_reason(exc)})."
            ) from exc
        finally:
            with contextlib.suppress(OSError):
                meta_tmp.unlink()
        return dataclasses.replace(read_piece(mp3), path=mp3)


def whole_frames(samples: int, sample_rate: int) -> int:
    """``samples`` rounded up to whole MP3 frames (at least one), as pieces are padded."""
    size = frame_samples(sample_rate)
    return max(size, -(-samples // size) * size)


def _encoder_command(ffmpeg: str, out_path: Path, settings: AudioSettings) -> list[str]:
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
        "-f", "s16le", "-ar", str(settings.sample_rate), "-ac", "1", "-i", "pipe:0",
        "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate_kbps}k",
        # The Info frame carries the encoder delay and padding that mp3.join relies
        # on; tags are written by export, so ffmpeg must write none.
        "-write_xing", "1", "-id3v2_version", "0", "-write_id3v1", "0",
        "-f", "mp3", "-y", str(out_path),
    ]  # fmt: skip


def _last_line(log: IO[bytes]) -> str:
    try:
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
    except OSError:
        return "no message"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def _exit_reason(code: int) -> str:
    if code >= 0:
        return f"exit status {code}"
    if -code == getattr(signal, "SIGXFSZ", None):
        return "it was stopped because a file size limit was reached"
    try:
        return f"it was stopped by {signal.Signals(-code).name}"
    except ValueError:
        return f"it was stopped by signal {-code}"


_DONE = object()


class _Encoder:
    """One chapter's ffmpeg, fed clips by a thread of its own, into a new cache piece."""

    def __init__(
        self, run: Run, title: str, store: PieceStore, settings: AudioSettings, ffmpeg: str
    ) -> None:
        self.run = run
        number = run.chapter + 1
        self.label = f'chapter {number} ("{title}")' if title else f"chapter {number}"
        self.store = store
        self.settings = settings
        self.lengths: list[int] = []
        self.result: Piece | None = None
        self.error: BaseException | None = None
        self.clips: queue.SimpleQueue[object] = queue.SimpleQueue()
        target = store.path(run.key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AssemblyError(
                f"Cannot write to the cache folder {store.folder} ({os_reason(exc)})."
            ) from exc
        self.tmp = target.with_name(f".{target.name}.{os.getpid()}.{id(self)}.tmp")
        # stderr goes to a file, not a pipe nobody reads, so ffmpeg can never block on it.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed when the piece is done
        try:
            # A session of its own: Ctrl-C reaches us, and we stop ffmpeg ourselves.
            self.process = subprocess.Popen(
                _encoder_command(ffmpeg, self.tmp, settings),
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.log,
                start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            self.log.close()
            raise AssemblyError(f"ffmpeg could not be started ({exc}).") from exc
        self.thread = threading.Thread(target=self._feed, name=f"encode-{run.chapter}", daemon=True)
        self.thread.start()

    def put(self, clip: Clip) -> None:
        if self.error is not None:
            raise self.error
        self.clips.put(clip)

    def close(self) -> None:
        """No more clips: finish the piece."""
        self.clips.put(_DONE)

    def _feed(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        try:
            for pause in self.run.pauses:
                clip = self.clips.get()
                if not isinstance(clip, Clip):
                    return  # cancelled
                length, pcm = clip_pcm(clip.path, self.settings)
                stdin.write(bytes(2 * pause))
                for data in pcm:
                    stdin.write(data)
                self.lengths.append(length)
            if self.clips.get() is not _DONE:
                return
            written = sum(self.run.pauses) + sum(self.lengths) + self.run.tail
            padded = whole_frames(written, self.settings.sample_rate)
            stdin.write(bytes(2 * (self.run.tail + padded - written)))
            stdin.close()
            code = self.process.wait()
            if code != 0:
                raise AssemblyError(
                    f"ffmpeg could not encode {self.label} ({_exit_reason(code)}): "
                    f"{_last_line(self.log)}"
                )
            self.result = self.store.save(self.run.key, self.tmp, self.lengths)
        except BrokenPipeError:
            code = self.process.wait()
            self.error = AssemblyError(
                f"ffmpeg stopped while encoding {self.label} ({_exit_reason(code)}): "
                f"{_last_line(self.log)}"
            )
        except BaseException as exc:
            self.error = exc
        finally:
            with contextlib.suppress(OSError):
                stdin.close()
            if self.result is None:
                self._stop()

    def _stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        with contextlib.suppress(OSError):
            self.tmp.unlink()
        self.log.close()

    def finish(self) -> tuple[Piece, tuple[int, ...]]:
        """Wait for the piece; raise what went wrong."""
        self.thread.join()
        if self.error is not None:
            raise self.error
        if self.result is None:
            raise AssemblyError(f"The encoding of {self.label} was cancelled.")
        self.log.close()
        return self.result, tuple(self.lengths)

    def cancel(self) -> None:
        """Stop at once (on an error elsewhere, or Ctrl-C) and leave nothing behind."""
        if self.process.poll() is None:
            self.process.kill()
        self.clips.put(None)
        self.thread.join(timeout=5)


def assemble(
    utterances: Sequence[Utterance],
    chapter_titles: Sequence[str],
    source: ClipSource,
    cache_dir: Path,
    settings: AudioSettings,
    pauses: Pauses,
    *,
    encoders: int = 1,
    progress: Callable[[int, int], None] | None = None,
    ffmpeg: str | None = None,
) -> BookAudio:
    """Encode ``utterances`` (in book order) as one cached MP3 piece per chapter.

    Only chapters whose piece is not in ``cache_dir`` are encoded, ``encoders`` at a
    time; only their clips are asked of ``source``. The book opens with
    ``pauses.lead_in_ms`` (or the first clip's pause if longer) and closes with
    ``pauses.tail_ms`` of silence. ``progress(done, total)`` counts clips placed.
    """
    if not utterances:
        raise AssemblyError("There is nothing to read aloud: no clips were given.")
    runs = plan_runs(utterances, source.key, settings, pauses)
    store = PieceStore(cache_dir)
    found = [store.load(run) for run in runs]
    total = len(utterances)
    done = sum(len(run.utterances) for run, hit in zip(runs, found, strict=True) if hit)
    if progress is not None and done:
        progress(done, total)
    missing = [run for run, hit in zip(runs, found, strict=True) if hit is None]
    made: dict[str, tuple[Piece, tuple[int, ...]]] = {}
    if missing:

        def placed() -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(done, total)

        clips = source.clips([u for run in missing for u in run.utterances])
        try:
            made = _encode(missing, clips, chapter_titles, store, settings,
                           ffmpeg or tools.ffmpeg_exe(), encoders, placed)
        finally:
            close = getattr(clips, "close", None)
            if close is not None:
                close()
    return _book_audio(runs, found, made, chapter_titles, settings)


def _encode(
    runs: Sequence[Run],
    clips: Iterator[Clip],
    chapter_titles: Sequence[str],
    store: PieceStore,
    settings: AudioSettings,
    ffmpeg: str,
    encoders: int,
    placed: Callable[[], None],
) -> dict[str, tuple[Piece, tuple[int, ...]]]:
    """Encode ``runs`` from ``clips`` (theirs, in order), ``encoders`` chapters at a time."""
    made: dict[str, tuple[Piece, tuple[int, ...]]] = {}
    active: deque[_Encoder] = deque()
    try:
        for run in runs:
            while len(active) >= max(1, encoders):
                oldest = active.popleft()
                made[oldest.run.key] = oldest.finish()
            title = chapter_titles[run.chapter] if run.chapter < len(chapter_titles) else ""
            encoder = _Encoder(run, title, store, settings, ffmpeg)
            active.append(encoder)
            for _ in run.utterances:
                clip = next(clips, None)
                if clip is None:
                    raise AssemblyError("Fewer clips came from synthesis than were asked for.")
                encoder.put(clip)
                placed()
            encoder.close()
        if next(clips, None) is not None:  # lets the source finish cleanly
            raise AssemblyError("More clips came from synthesis than were asked for.")
        while active:
            oldest = active.popleft()
            made[oldest.run.key] = oldest.finish()
    except BaseException:
        for encoder in active:
            encoder.cancel()
        raise
    return made


def _book_audio(
    runs: Sequence[Run],
    found: Sequence[tuple[Piece, tuple[int, ...]] | None],
    made: dict[str, tuple[Piece, tuple[int, ...]]],
    chapter_titles: Sequence[str],
    settings: AudioSettings,
) -> BookAudio:
    """The timeline of the pieces as ``mp3.join`` lays them end to end."""
    rate = settings.sample_rate
    builder = TimelineBuilder(chapter_titles, rate)
    pieces = []
    for run, hit in zip(runs, found, strict=True):
        piece, lengths = hit if hit is not None else made[run.key]
        pieces.append(piece)
        for utterance, pause, length in zip(run.utterances, run.pauses, lengths, strict=True):
            words = utterance.caption or utterance.text  # as written, not as respelled
            builder.add(Entry(run.chapter, pause, length, utterance.speaker, words))
        # What the piece holds after its clips: the padding to whole frames and its
        # frames' delay and padding, which the next piece follows, or for the last
        # piece the tail and the padding the decoder keeps.
        heard = piece.samples if run is not runs[-1] else piece.pcm_samples
        builder.gap(heard - sum(run.pauses) - sum(lengths))
    return BookAudio(tuple(pieces), builder.finish(0), len(made))
