"""Encoded pieces + Timeline -> an M4B audiobook: AAC in MP4 with chapters and iTunes tags.

The joined MP3 stream (``mp3_frames.join``) is piped through one ffmpeg that decodes it and
encodes AAC, taking its chapters from an ffmetadata file; ffmpeg's ipod muxer writes
them both as Nero ``chpl`` and as a QuickTime chapter track. mutagen then writes the
tags (``stik`` = 2 marks it an audiobook). Everything happens in a temporary file
beside the destination, renamed into place at the end, as ``export`` does.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from mutagen import MutagenError
from mutagen.mp4 import MP4, MP4Cover

from audiobook import tools
from audiobook.audio.mp3_frames import Piece, join
from audiobook.errors import AssemblyError, ExportError
from audiobook.files import write_beside
from audiobook.models import BookTags, Timeline
from audiobook.output.cover import read_cover
from audiobook.output.vtt import write_vtt

GENRE = "Audiobook"
AUDIOBOOK_STIK = 2
"""iTunes media kind "Audiobook"."""


def ffmetadata(timeline: Timeline) -> str:
    """The chapters as an ffmetadata file, in milliseconds, as the MP3's CHAP frames."""

    def escape(text: str) -> str:
        for ch in "\\=;#\n":
            text = text.replace(ch, "\\" + ch)
        return text

    lines = [";FFMETADATA1"]
    for mark in timeline.chapters:
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={timeline.ms(mark.start)}",
            f"END={timeline.ms(mark.end)}",
            f"title={escape(' '.join(mark.title.split()))}",
        ]
    return "\n".join(lines) + "\n"


def _encode_command(ffmpeg: str, meta: Path, out: Path, total: int, bitrate_kbps: int) -> list[str]:
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
        "-f", "mp3", "-i", "pipe:0", "-f", "ffmetadata", "-i", str(meta),
        "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1",
        # Read from a pipe, the MP3 demuxer drops the encoder delay but cannot drop the
        # last frame's padding; cutting at the timeline's total makes the length exact.
        "-af", f"atrim=end_sample={total}",
        "-c:a", "aac", "-b:a", f"{bitrate_kbps}k",
        "-f", "ipod", "-brand", "M4B ", "-movflags", "+faststart", "-y", str(out),
    ]  # fmt: skip


def _transcode(pieces: Sequence[Piece], timeline: Timeline, out: Path, bitrate_kbps: int) -> None:
    with tempfile.TemporaryDirectory(prefix=".m4b-", dir=out.parent) as work:
        meta = Path(work) / "chapters.txt"
        meta.write_text(ffmetadata(timeline), encoding="utf-8")
        command = _encode_command(tools.ffmpeg_exe(), meta, out, timeline.total, bitrate_kbps)
        code, last = tools.feed_ffmpeg(command, lambda stdin: join(pieces, stdin))
        if code != 0:
            raise ExportError(
                f"ffmpeg could not write the M4B {out.name} (exit status {code}): {last}"
            )


def _tag(
    path: Path,
    *,
    title: str,
    author: str | None,
    album: str | None,
    comment: str | None,
    cover: tuple[bytes, str] | None,
) -> None:
    try:
        audio = MP4(path)
        tags = audio.tags
        if tags is None:
            audio.add_tags()
            tags = audio.tags
        assert tags is not None
        tags["\xa9nam"] = [title]
        if author:
            tags["\xa9ART"] = [author]
        if album:
            tags["\xa9alb"] = [album]
        tags["\xa9gen"] = [GENRE]
        if comment:
            tags["\xa9cmt"] = [comment]
            tags["desc"] = [comment]
        tags["stik"] = [AUDIOBOOK_STIK]
        if cover is not None:
            data, mime = cover
            kind = MP4Cover.FORMAT_PNG if mime == "image/png" else MP4Cover.FORMAT_JPEG
            tags["covr"] = [MP4Cover(data, imageformat=kind)]
        audio.save()
    except MutagenError as exc:
        raise ExportError(f"Cannot write the tags of {path.name} ({exc}).") from exc


def export_m4b(
    pieces: Sequence[Piece],
    timeline: Timeline,
    out_m4b: Path,
    out_vtt: Path,
    tags: BookTags,
    bitrate_kbps: int = 64,
) -> None:
    """Write ``pieces`` as a tagged, chaptered ``out_m4b`` and the transcript as
    ``out_vtt``; a failure leaves neither file half-written and earlier ones untouched."""
    picture = read_cover(tags.cover) if tags.cover is not None else None
    if not pieces:
        raise AssemblyError("There is no audio to join.")

    def write_m4b(part: Path) -> None:
        _transcode(pieces, timeline, part, bitrate_kbps)
        _tag(part, title=tags.title, author=tags.author, album=tags.album,
             comment=tags.comment, cover=picture)  # fmt: skip

    write_beside([(out_m4b, write_m4b), (out_vtt, lambda part: write_vtt(part, timeline))])
