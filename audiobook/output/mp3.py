"""Encoded pieces + Timeline -> the finished files: a tagged, chaptered MP3 and a WebVTT transcript.

Tags are ID3v2.3 (title, artist, album, genre, comment, cover, CTOC/CHAP chapters),
written ahead of the joined pieces in one pass. Both files are written beside
their destination, flushed to disk and renamed into place, so a failure (a full
disk, a file size limit, Ctrl-C) leaves any earlier good file untouched.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TIT2, TPE1, CTOCFlags, PictureType

from audiobook.audio.mp3_frames import Piece, join
from audiobook.errors import ExportError
from audiobook.files import write_beside
from audiobook.models import BookTags, Timeline
from audiobook.output.cover import read_cover
from audiobook.output.vtt import write_vtt

NO_OFFSET = 0xFFFFFFFF
"""CHAP byte offsets meaning "use the times" (ID3v2 chapter addendum)."""


def _chapter_ids(titles: list[str]) -> list[str]:
    """CHAP element ids that make mutagen write the chapters in order.

    mutagen orders frames by size, then by key; ffmpeg (and players built on it)
    list chapters in file order. Zero-padded ids sort in order, and padding each id
    by its title's shortfall in UTF-16 bytes (the encoding of the title sub-frame)
    makes every CHAP frame the same size.
    """
    sizes = [len(title.encode("utf-16-le")) for title in titles]
    widest = max(sizes, default=0)
    width = max(3, len(str(len(titles))))
    return [f"chp{i:0{width}d}" + "_" * (widest - size) for i, size in enumerate(sizes)]


def build_tags(
    timeline: Timeline,
    *,
    title: str,
    author: str | None = None,
    album: str | None = None,
    comment: str | None = None,
    cover: tuple[bytes, str] | None = None,
) -> ID3:
    """The ID3 tag for the book, chapters included."""
    tags = ID3()
    tags.add(TIT2(encoding=3, text=[title]))
    if author:
        tags.add(TPE1(encoding=3, text=[author]))
    tags.add(TALB(encoding=3, text=[album or title]))
    tags.add(TCON(encoding=3, text=["Audiobook"]))
    if comment:
        tags.add(COMM(encoding=3, lang="eng", desc="", text=[comment]))
    if cover is not None:
        data, mime = cover
        tags.add(APIC(encoding=3, mime=mime, type=PictureType.COVER_FRONT, desc="Cover", data=data))
    ids = _chapter_ids([mark.title for mark in timeline.chapters])
    tags.add(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[TIT2(encoding=3, text=[title])],
        )
    )
    for element_id, mark in zip(ids, timeline.chapters, strict=True):
        tags.add(
            CHAP(
                element_id=element_id,
                start_time=timeline.ms(mark.start),
                end_time=timeline.ms(mark.end),
                start_offset=NO_OFFSET,
                end_offset=NO_OFFSET,
                sub_frames=[TIT2(encoding=1, text=[mark.title])],
            )
        )
    return tags


def export(
    pieces: Sequence[Piece], timeline: Timeline, out_mp3: Path, out_vtt: Path, tags: BookTags
) -> None:
    """Write the tags and the joined ``pieces`` as ``out_mp3``, and the transcript as
    ``out_vtt``: each to a temporary file beside it, then renamed into place."""
    picture = read_cover(tags.cover) if tags.cover is not None else None
    id3 = build_tags(
        timeline, title=tags.title, author=tags.author, album=tags.album, comment=tags.comment,
        cover=picture,
    )  # fmt: skip
    try:
        header = io.BytesIO()
        id3.save(header, v1=0, v2_version=3)
    except MutagenError as exc:
        raise ExportError(f"Cannot write the tags of {out_mp3} ({exc}).") from exc

    def write_mp3(part: Path) -> None:
        with part.open("wb") as file:
            file.write(header.getvalue())
            join(pieces, file)

    write_beside([(out_mp3, write_mp3), (out_vtt, lambda part: write_vtt(part, timeline))])


def read_chapters(path: Path) -> list[tuple[str, float]]:
    """The chapters an MP3 of ours carries (CHAP frames): (title, start in seconds), in
    order; empty for a file without them or that cannot be read."""
    try:
        tags = ID3(path)
    except (MutagenError, OSError):
        return []
    marks = []
    for frame in tags.getall("CHAP"):
        title = frame.sub_frames.get("TIT2")
        marks.append((str(title.text[0]) if title else frame.element_id, frame.start_time / 1000))
    return sorted(marks, key=lambda m: m[1])
