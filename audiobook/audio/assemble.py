"""Utterances -> one cached MP3 piece per chapter (or part of a long one), and the Timeline.

Each clip is trimmed of the engine's edge silence, brought to a common loudness and
streamed, after its pause, into its piece's ffmpeg encoder, a chunk at a time.
Pieces are encoded side by side (one encoder per core), and each piece's MP3 is
cached under a key made of its clips, pauses and the audio settings: a changed
voice re-encodes only the pieces it speaks in, and a piece already encoded needs
none of its clips. ``mp3_frames.join`` makes one stream of the pieces. The timeline (marks
and cues, in samples) is pure arithmetic (``TimelineBuilder``, ``build_timeline``).
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from audiobook import tools
from audiobook.audio.clips import clip_pcm
from audiobook.audio.mp3_frames import Piece
from audiobook.audio.pieces import PieceStore, Run, plan_runs, whole_frames
from audiobook.audio.timeline import Entry, TimelineBuilder
from audiobook.config import AudioSettings, Pauses
from audiobook.errors import AssemblyError, os_reason
from audiobook.models import Clip, Timeline, Utterance

# --- encoding ------------------------------------------------------------------


class RemoteRuns(Protocol):
    """Makes pieces somewhere else (a cluster): the runs, their chapters' titles, the
    store to keep them in, the settings, and a callback counting the clips placed."""

    def __call__(self, runs: Sequence[Run], chapter_titles: Sequence[str],
                 store: PieceStore, settings: AudioSettings,
                 placed: Callable[[int], None]) -> dict[str, tuple[Piece, tuple[int, ...]]]: ...


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


def _encoder_command(ffmpeg: str, out_path: Path, settings: AudioSettings) -> list[str]:
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
        "-f", "s16le", "-ar", str(settings.sample_rate), "-ac", "1", "-i", "pipe:0",
        "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate_kbps}k",
        # The Info frame carries the encoder delay and padding that mp3_frames.join relies
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
            self.process = tools.start_ffmpeg(
                _encoder_command(ffmpeg, self.tmp, settings),
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.log,
                start_new_session=True,
            )  # fmt: skip
        except AssemblyError:
            self.log.close()
            raise
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
    remote: RemoteRuns | None = None,
) -> BookAudio:
    """Encode ``utterances`` (in book order) as one cached MP3 piece per chapter.

    Only chapters whose piece is not in ``cache_dir`` are encoded, ``encoders`` at a
    time; only their clips are asked of ``source``. The book opens with
    ``pauses.lead_in_ms`` (or the first clip's pause if longer) and closes with
    ``pauses.tail_ms`` of silence. ``progress(done, total)`` counts clips placed.
    ``remote`` makes the missing pieces elsewhere (on a cluster's workers) instead.
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
    if missing and remote is not None:

        def pieces_placed(clips: int) -> None:
            nonlocal done
            done += clips
            if progress is not None:
                progress(done, total)

        made = remote(missing, chapter_titles, store, settings, pieces_placed)
    elif missing:

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


def encode_runs(
    runs: Sequence[Run],
    clips: Iterator[Clip],
    chapter_titles: Sequence[str],
    store: PieceStore,
    settings: AudioSettings,
    placed: Callable[[], None],
) -> dict[str, tuple[Piece, tuple[int, ...]]]:
    """Encode ``runs`` from their ``clips``, one at a time, into ``store``."""
    return _encode(runs, clips, chapter_titles, store, settings, tools.ffmpeg_exe(), 1, placed)


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
    """The timeline of the pieces as ``mp3_frames.join`` lays them end to end."""
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
