"""Encoded pieces + Timeline -> a folder of per-chapter MP3s, tagged and numbered, with
an M3U playlist and the transcript.

Chapter marks fall where the last clip of a chapter ends, not where a cached piece
(or an MP3 frame) ends, so the pieces cannot be copied or cut as they are: the
joined stream is decoded once, and each chapter's span of it, sample-exact, is
encoded again by its own ffmpeg. The folder is built beside its destination and
renamed into place only when complete; an earlier one is replaced only then.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, cast

from mutagen import MutagenError
from mutagen.id3 import APIC, ID3, TALB, TCON, TIT2, TPE1, TRCK, PictureType

from audiobook import tools
from audiobook.audio.mp3_frames import Piece, join
from audiobook.errors import AssemblyError, ExportError, os_reason
from audiobook.files import as_new_file, safe_filename
from audiobook.models import BookTags, Timeline
from audiobook.output.cover import read_cover
from audiobook.output.vtt import write_vtt

GENRE = "Audiobook"
CHUNK_BYTES = 1 << 17


@dataclass(frozen=True)
class Track:
    """One chapter file: its number (from 1), title, name in the folder and span in samples."""

    number: int
    title: str
    filename: str
    start: int
    end: int


def tracks(timeline: Timeline) -> list[Track]:
    """The chapter files for ``timeline``: "01 - Title.mp3", numbered at least two wide."""
    width = max(2, len(str(len(timeline.chapters))))
    return [
        Track(
            n, mark.title, f"{n:0{width}d} - {safe_filename(mark.title)}.mp3", mark.start, mark.end
        )
        for n, mark in enumerate(timeline.chapters, start=1)
    ]


def playlist(timeline: Timeline) -> str:
    """An extended M3U playlist of the chapter files, by relative name, in order."""
    lines = ["#EXTM3U"]
    for track in tracks(timeline):
        seconds = round((track.end - track.start) / timeline.sample_rate)
        lines += [f"#EXTINF:{seconds},{' '.join(track.title.split())}", track.filename]
    return "\n".join(lines) + "\n"


def _log_line(log: IO[bytes]) -> str:
    log.seek(0)
    lines = log.read().decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no message"


def _encode_span(
    ffmpeg: str, pcm: IO[bytes], samples: int, track: Track, out: Path, rate: int, kbps: int
) -> None:
    """Read ``samples`` samples from ``pcm`` and encode them as ``out``."""
    command = [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
        "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
        "-c:a", "libmp3lame", "-b:a", f"{kbps}k",
        "-write_xing", "1", "-id3v2_version", "0", "-write_id3v1", "0",
        "-f", "mp3", "-y", str(out),
    ]  # fmt: skip

    def feed(stdin: BinaryIO) -> None:
        left = 2 * samples
        while left:
            data = pcm.read(min(left, CHUNK_BYTES))
            if not data:
                raise AssemblyError(
                    f"The book's audio ended before chapter {track.number} "
                    f'("{track.title}") did.'
                )
            left -= len(data)
            # After a broken pipe keep reading, so the decoded stream stays aligned
            # with the next chapter; the exit status reports the failure.
            with contextlib.suppress(BrokenPipeError):
                stdin.write(data)

    code, last = tools.feed_ffmpeg(command, feed)
    if code != 0:
        raise ExportError(
            f'ffmpeg could not encode chapter {track.number} ("{track.title}") '
            f"(exit status {code}): {last}"
        )


def _tags(
    track: Track, count: int, album: str, author: str | None, cover: tuple[bytes, str] | None
) -> ID3:
    tags = ID3()
    tags.add(TIT2(encoding=3, text=[track.title]))
    tags.add(TALB(encoding=3, text=[album]))
    if author:
        tags.add(TPE1(encoding=3, text=[author]))
    tags.add(TRCK(encoding=3, text=[f"{track.number}/{count}"]))
    tags.add(TCON(encoding=3, text=[GENRE]))
    if cover is not None:
        data, mime = cover
        tags.add(APIC(encoding=3, mime=mime, type=PictureType.COVER_FRONT, desc="Cover", data=data))
    return tags


def _write_chapters(
    pieces: Sequence[Piece],
    timeline: Timeline,
    folder: Path,
    album: str,
    author: str | None,
    cover: tuple[bytes, str] | None,
    kbps: int,
) -> None:
    ffmpeg = tools.ffmpeg_exe()
    decoder_command = [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
        "-f", "mp3", "-i", "pipe:0", "-f", "s16le", "-ac", "1", "pipe:1",
    ]  # fmt: skip
    failure: list[BaseException] = []
    with tempfile.TemporaryFile() as log:
        decoder = tools.start_ffmpeg(decoder_command, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=log)  # fmt: skip
        assert decoder.stdin is not None and decoder.stdout is not None
        stdin = decoder.stdin

        def feed() -> None:
            try:
                join(pieces, cast(BinaryIO, stdin))
            except BrokenPipeError:
                pass
            except BaseException as exc:
                failure.append(exc)
            finally:
                with contextlib.suppress(OSError):
                    stdin.close()

        feeder = threading.Thread(target=feed, name="split-feed", daemon=True)
        feeder.start()
        try:
            all_tracks = tracks(timeline)
            for track in all_tracks:
                out = folder / track.filename
                _encode_span(ffmpeg, decoder.stdout, track.end - track.start, track, out,
                             timeline.sample_rate, kbps)  # fmt: skip
                _tags(track, len(all_tracks), album, author, cover).save(out, v1=0, v2_version=3)
            # What follows the total is the last frame's padding, which a decoder
            # reading from a pipe cannot drop.
            decoder.stdout.read()
        except BaseException:
            decoder.kill()
            raise
        finally:
            decoder.stdout.close()
            code = decoder.wait()
            feeder.join()
        if failure:
            raise failure[0]
        if code != 0:
            raise AssemblyError(
                f"ffmpeg could not decode the book's audio (exit status {code}): {_log_line(log)}"
            )


def export_split(
    pieces: Sequence[Piece],
    timeline: Timeline,
    folder: Path,
    tags: BookTags,
    bitrate_kbps: int = 64,
) -> None:
    """Write ``folder``: one tagged MP3 per chapter, "<folder name>.m3u" and
    "<folder name>.vtt". It is built beside ``folder`` and renamed into place; an
    earlier ``folder`` is replaced only once the new one is complete."""
    if not pieces:
        raise AssemblyError("There is no audio to join.")
    picture = read_cover(tags.cover) if tags.cover is not None else None
    album = tags.album or tags.title
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        part = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".part", dir=folder.parent))
    except OSError as exc:
        raise ExportError(f"Cannot write {folder} ({os_reason(exc)}); choose another output "
                          "folder with -o.") from exc  # fmt: skip
    old: Path | None = None
    try:
        as_new_file(part, folder=True)
        _write_chapters(pieces, timeline, part, album, tags.author, picture, bitrate_kbps)
        (part / f"{folder.name}.m3u").write_text(playlist(timeline), encoding="utf-8")
        write_vtt(part / f"{folder.name}.vtt", timeline)
        if folder.exists():
            old = Path(
                tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=folder.parent)
            )
            os.replace(folder, old)
        try:
            os.replace(part, folder)
        except OSError:
            if old is not None:
                os.replace(old, folder)
                old = None
            raise
    except (OSError, MutagenError) as exc:
        reason = os_reason(exc) if isinstance(exc, OSError) else str(exc)
        raise ExportError(
            f"Cannot write {folder} ({reason}); choose another output folder with -o."
        ) from exc
    finally:
        for leftover in (part, old):
            if leftover is not None and leftover != folder:
                shutil.rmtree(leftover, ignore_errors=True)
