"""Split export: one tagged MP3 per chapter, each exactly its span of the Timeline, an
M3U playlist of them, and a folder that appears only when complete."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3

from audiobook.audio.mp3_frames import Piece
from audiobook.errors import AudiobookError
from audiobook.models import BookTags, ChapterMark, Timeline
from audiobook.output.chapters import export_split, playlist, tracks
from audiobook.output.mp3 import export
from tests.conftest import TITLES, decode, png_1x1

NAMES = ["01 - The Lantern.mp3", "02 - Chapter Two_ Morning.mp3", "03 - Épilogue — fin.mp3"]


def test_each_chapter_file_is_its_span_tagged_and_listed(
    tmp_path: Path,
    encoded: tuple[tuple[Piece, ...], Timeline],
) -> None:
    pieces, timeline = encoded
    cover = tmp_path / "cover.png"
    cover.write_bytes(png_1x1())
    folder = tmp_path / "out" / "The Lantern"
    export_split(pieces, timeline, folder, BookTags("The Lantern", "Ann Writer", cover=cover))
    assert sorted(p.name for p in folder.parent.iterdir()) == ["The Lantern"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*NAMES, "The Lantern.m3u", "The Lantern.vtt"]
    )

    whole = tmp_path / "whole.mp3"
    export(pieces, timeline, whole, whole.with_suffix(".vtt"), BookTags("t"))
    book = np.frombuffer(decode(whole), dtype="<i2").astype(np.int32)
    for n, (name, mark) in enumerate(zip(NAMES, timeline.chapters, strict=True), start=1):
        path = folder / name
        tags = ID3(path)
        assert tags.version == (2, 3, 0)
        assert str(tags["TIT2"]) == mark.title == TITLES[n - 1]
        assert str(tags["TALB"]) == "The Lantern"
        assert str(tags["TPE1"]) == "Ann Writer"
        assert str(tags["TRCK"]) == f"{n}/3"
        assert str(tags["TCON"]) == "Audiobook"
        assert tags.getall("APIC")[0].data == png_1x1()
        # Decoded, each file is its chapter's span, sample for sample in length, and
        # sounds like that span of the whole book (a second lossy encode, so close).
        pcm = np.frombuffer(decode(path), dtype="<i2").astype(np.int32)
        assert len(pcm) == mark.end - mark.start, name
        span = book[mark.start : mark.end]
        assert np.sqrt(np.mean((pcm - span) ** 2)) < 0.1 * np.sqrt(np.mean(span**2)) + 1

    seconds = [round((m.end - m.start) / timeline.sample_rate) for m in timeline.chapters]
    assert (folder / "The Lantern.m3u").read_text("utf-8") == (
        "#EXTM3U\n"
        f"#EXTINF:{seconds[0]},The Lantern\n{NAMES[0]}\n"
        f"#EXTINF:{seconds[1]},Chapter Two: Morning\n{NAMES[1]}\n"
        f"#EXTINF:{seconds[2]},Épilogue — fin\n{NAMES[2]}\n"
    )
    assert (folder / "The Lantern.vtt").read_text("utf-8").startswith("WEBVTT")


def test_a_failed_split_leaves_the_earlier_folder_and_nothing_partial(
    tmp_path: Path,
    encoded: tuple[tuple[Piece, ...], Timeline],
) -> None:
    pieces, timeline = encoded
    folder = tmp_path / "out" / "Book"
    export_split(pieces, timeline, folder, BookTags(title="Book"))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    pieces[2].path.unlink()  # a cached piece vanishes mid-join
    with pytest.raises(AudiobookError):
        export_split(pieces, timeline, folder, BookTags(title="Book"))
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in folder.parent.iterdir()] == ["Book"]


def test_a_second_split_replaces_the_first(
    tmp_path: Path,
    encoded: tuple[tuple[Piece, ...], Timeline],
) -> None:
    pieces, timeline = encoded
    folder = tmp_path / "Book"
    folder.mkdir()
    (folder / "stale.mp3").write_bytes(b"old")
    export_split(pieces, timeline, folder, BookTags(title="Book"))
    assert "stale.mp3" not in {p.name for p in folder.iterdir()}
    assert [p.name for p in tmp_path.iterdir() if p.name != "clips" and p.name != "pieces"] == [
        "Book"
    ]


def test_track_names_are_numbered_and_safe() -> None:
    marks = tuple(ChapterMark(f"Part {i}/x", i * 10, i * 10 + 10) for i in range(100))
    timeline = Timeline(10, 1000, marks, ())
    names = [t.filename for t in tracks(timeline)]
    assert names[0] == "001 - Part 0_x.mp3" and names[-1] == "100 - Part 99_x.mp3"
    assert playlist(timeline).splitlines()[1:3] == ["#EXTINF:1,Part 0/x", "001 - Part 0_x.mp3"]


def test_generate_split_chapters_writes_a_folder(tmp_path: Path) -> None:
    from tests.conftest import SEED0, run

    result = run("generate", str(SEED0), "-o", str(tmp_path / "out"), "--engine", "fake",
                 "--cache", str(tmp_path / "cache"), "--split", "chapters")  # fmt: skip
    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "out").iterdir()
    assert folder.is_dir()
    listed = (folder / f"{folder.name}.m3u").read_text("utf-8").splitlines()[2::2]
    mp3s = sorted(p.name for p in folder.glob("*.mp3"))
    assert listed == mp3s and mp3s[0].startswith("01 - ")
    assert str(ID3(folder / mp3s[-1])["TRCK"]) == f"{len(mp3s)}/{len(mp3s)}"
    assert (folder / f"{folder.name}.vtt").exists()
    result = run("generate", str(SEED0), "-o", str(tmp_path / "x"), "--engine", "fake",
                 "--cache", str(tmp_path / "cache"), "--split", "chapters",
                 "--format", "m4b")  # fmt: skip
    assert result.exit_code == 1 and "--split chapters writes MP3 files" in result.output
