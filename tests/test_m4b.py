"""M4B export: AAC in MP4 with chapters (read back by mutagen and ffmpeg) equal to the
Timeline's, iTunes tags, exact decoded length, and atomic replacement."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from mutagen.mp4 import MP4, MP4Cover

from audiobook import tools
from audiobook.audio.mp3_frames import Piece
from audiobook.errors import AudiobookError, ExportError
from audiobook.models import BookTags, ChapterMark, Timeline
from audiobook.output.m4b import export_m4b, ffmetadata
from tests.conftest import TITLES, decode, png_1x1


def chapters_from_ffmpeg(path: Path) -> list[tuple[int, int, str]]:
    """(start ms, end ms, title) as ffmpeg's ffmetadata writer reads them."""
    out = subprocess.run(
        [tools.ffmpeg_exe(), "-v", "error", "-copyts", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = []
    for block in out.split("[CHAPTER]")[1:]:
        fields = dict(line.split("=", 1) for line in block.strip().splitlines() if "=" in line)
        num, den = map(int, fields["TIMEBASE"].split("/"))
        start, end = (int(fields[k]) * num * 1000 for k in ("START", "END"))
        found.append(((start + den // 2) // den, (end + den // 2) // den, fields["title"]))
    return found


def write(tmp_path: Path, pieces: tuple[Piece, ...], timeline: Timeline, **kw: object) -> Path:
    out = tmp_path / "out" / "Book.m4b"
    tags = BookTags(str(kw.get("title", "The Lantern")), "Ann Writer", "The Lantern", "A story.",
                    kw.get("cover"))  # type: ignore[arg-type]  # fmt: skip
    export_m4b(pieces, timeline, out, out.with_suffix(".vtt"), tags)
    return out


def test_m4b_has_the_timelines_chapters_tags_and_length(
    tmp_path: Path,
    encoded: tuple[tuple[Piece, ...], Timeline],
) -> None:
    pieces, timeline = encoded
    cover = tmp_path / "cover.png"
    cover.write_bytes(png_1x1())
    out = write(tmp_path, pieces, timeline, cover=cover)
    expected = [(timeline.ms(c.start), timeline.ms(c.end), c.title) for c in timeline.chapters]
    assert [c[2] for c in expected] == TITLES

    assert chapters_from_ffmpeg(out) == expected

    audio = MP4(out)
    assert audio.chapters is not None
    assert [(round(c.start * 1000), c.title) for c in audio.chapters] == [
        (start, title) for start, _, title in expected
    ]
    tags = audio.tags
    assert tags is not None
    assert tags["\xa9nam"] == ["The Lantern"]
    assert tags["\xa9ART"] == ["Ann Writer"]
    assert tags["\xa9alb"] == ["The Lantern"]
    assert tags["\xa9gen"] == ["Audiobook"]
    assert tags["\xa9cmt"] == ["A story."] and tags["desc"] == ["A story."]
    assert tags["stik"] == [2]
    assert tags["covr"] == [MP4Cover(png_1x1(), imageformat=MP4Cover.FORMAT_PNG)]
    assert out.read_bytes()[4:12] == b"ftypM4B "
    assert audio.info.codec.startswith("mp4a")

    # Decoded, the AAC (its priming hidden by the edit list) is exactly the book's length.
    assert len(decode(out)) // 2 == timeline.total
    assert out.with_suffix(".vtt").read_text("utf-8").startswith("WEBVTT")
    assert sorted(p.name for p in out.parent.iterdir()) == ["Book.m4b", "Book.vtt"]


def test_a_failed_m4b_leaves_the_earlier_one_and_nothing_partial(
    tmp_path: Path,
    encoded: tuple[tuple[Piece, ...], Timeline],
) -> None:
    pieces, timeline = encoded
    out = write(tmp_path, pieces, timeline)
    before = out.read_bytes()
    gone = pieces[1].path
    gone.unlink()  # a cached piece vanishes mid-join
    with pytest.raises(AudiobookError):
        write(tmp_path, pieces, timeline, title="Second")
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["Book.m4b", "Book.vtt"]


def test_a_bad_cover_fails_before_anything_is_written(
    tmp_path: Path,
    encoded: tuple[tuple[Piece, ...], Timeline],
) -> None:
    pieces, timeline = encoded
    cover = tmp_path / "cover.gif"
    cover.write_bytes(b"GIF89a")
    with pytest.raises(ExportError, match="not a JPEG or PNG"):
        write(tmp_path, pieces, timeline, cover=cover)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_ffmetadata_escapes_titles() -> None:
    timeline = Timeline(1000, 2000, (ChapterMark("A=b; #c\\d", 0, 2000),), ())
    assert ffmetadata(timeline).splitlines()[-1] == "title=A\\=b\\; \\#c\\\\d"


def test_generate_format_m4b_matches_the_mp3s_chapters(tmp_path: Path) -> None:
    from mutagen.id3 import ID3

    from tests.conftest import SEED0, run

    cache = str(tmp_path / "cache")
    for fmt in ("mp3", "m4b"):
        result = run("generate", str(SEED0), "-o", str(tmp_path / fmt), "--engine", "fake",
                     "--cache", cache, "--format", fmt)  # fmt: skip
        assert result.exit_code == 0, result.output
    (mp3,) = (tmp_path / "mp3").glob("*.mp3")
    (m4b,) = (tmp_path / "m4b").glob("*.m4b")
    assert m4b.stem == mp3.stem and m4b.with_suffix(".vtt").exists()
    chaps = sorted(ID3(mp3).getall("CHAP"), key=lambda c: c.start_time)
    assert chapters_from_ffmpeg(m4b) == [(c.start_time, c.end_time, str(c.sub_frames["TIT2"]))
                                         for c in chaps]  # fmt: skip
    assert m4b.with_suffix(".vtt").read_text() == mp3.with_suffix(".vtt").read_text()
    result = run("generate", str(SEED0), "-o", str(tmp_path / "x"), "--engine", "fake",
                 "--cache", cache, "--format", "ogg")  # fmt: skip
    assert result.exit_code == 1 and "--format 'ogg': choose mp3 or m4b" in result.output
