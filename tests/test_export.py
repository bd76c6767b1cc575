"""Export: ID3v2.3 tags and CTOC/CHAP chapters read back with mutagen and ffmpeg, the
WebVTT transcript parsed back, atomic replacement, and safe file names."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mutagen.id3 import ID3, CTOCFlags

from audiobook import tools
from audiobook.audio.mp3_frames import Piece
from audiobook.errors import AssemblyError, ExportError
from audiobook.files import safe_filename
from audiobook.models import BookTags, ChapterMark, Cue, Timeline
from audiobook.output.mp3 import export
from audiobook.output.vtt import format_vtt, vtt_time
from tests.conftest import TITLES, decode, png_1x1, story


def parse_vtt(text: str) -> list[tuple[int, int, str, str]]:
    """(start ms, end ms, speaker, text) for each cue."""
    blocks = text.strip("\n").split("\n\n")
    assert blocks[0] == "WEBVTT"
    cues = []
    for block in blocks[1:]:
        timing, payload = block.split("\n")
        match = re.fullmatch(
            r"(\d+):(\d\d):(\d\d)\.(\d{3}) --> (\d+):(\d\d):(\d\d)\.(\d{3})", timing
        )
        assert match, timing
        h1, m1, s1, f1, h2, m2, s2, f2 = map(int, match.groups())
        voice = re.fullmatch(r"<v ([^>]*)>(.*)", payload)
        assert voice, payload
        unescape = lambda s: s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")  # noqa: E731
        cues.append(
            (
                ((h1 * 60 + m1) * 60 + s1) * 1000 + f1,
                ((h2 * 60 + m2) * 60 + s2) * 1000 + f2,
                unescape(voice.group(1)),
                unescape(voice.group(2)),
            )
        )
    return cues


def chapters_from_ffmpeg(mp3: Path) -> list[tuple[int, int, str]]:
    """(start ms, end ms, title) as ffprobe, or else ffmpeg's ffmetadata writer, reads them."""
    probe = tools.ffprobe_exe()
    if probe:
        out = subprocess.run(
            [probe, "-v", "error", "-show_chapters", "-of", "json", str(mp3)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        import json

        return [
            (
                round(float(c["start_time"]) * 1000),
                round(float(c["end_time"]) * 1000),
                c["tags"]["title"],
            )
            for c in json.loads(out)["chapters"]
        ]
    # -copyts: otherwise ffmpeg shifts chapters by the stream's start (the encoder delay).
    out = subprocess.run(
        [tools.ffmpeg_exe(), "-v", "error", "-copyts", "-i", str(mp3), "-f", "ffmetadata", "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = []
    for block in out.split("[CHAPTER]")[1:]:
        fields = dict(line.split("=", 1) for line in block.strip().splitlines() if "=" in line)
        assert fields["TIMEBASE"] == "1/1000"
        found.append((int(fields["START"]), int(fields["END"]), fields["title"]))
    return found


def test_export_writes_tags_chapters_and_transcript_that_agree(
    tmp_path: Path, encoded: tuple[tuple[Piece, ...], Timeline]
) -> None:
    pieces, timeline = encoded
    cover = tmp_path / "cover.png"
    cover.write_bytes(png_1x1())
    out_mp3, out_vtt = tmp_path / "out" / "Book.mp3", tmp_path / "out" / "Book.vtt"
    tags = BookTags("The Lantern Book", "A. Writer", comment="A short story about rain.",
                    cover=cover)  # fmt: skip
    export(pieces, timeline, out_mp3, out_vtt, tags)
    assert all(piece.path.exists() for piece in pieces)

    tags = ID3(out_mp3)
    assert tags.version == (2, 3, 0)
    assert tags["TIT2"].text == ["The Lantern Book"]
    assert tags["TPE1"].text == ["A. Writer"]
    assert tags["TALB"].text == ["The Lantern Book"]
    assert tags["TCON"].text == ["Audiobook"]
    assert tags.getall("COMM")[0].text == ["A short story about rain."]
    picture = tags.getall("APIC")[0]
    assert (picture.mime, picture.type, picture.data) == ("image/png", 3, png_1x1())

    toc = tags.getall("CTOC")[0]
    assert toc.flags == CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    assert [i[:6] for i in toc.child_element_ids] == ["chp000", "chp001", "chp002"]
    chaps = {frame.element_id: frame for frame in tags.getall("CHAP")}
    read_back = [
        (chaps[i].sub_frames["TIT2"].text[0], chaps[i].start_time, chaps[i].end_time)
        for i in toc.child_element_ids
    ]
    expected = [(m.title, timeline.ms(m.start), timeline.ms(m.end)) for m in timeline.chapters]
    assert read_back == expected
    assert [title for title, _, _ in read_back] == TITLES

    # ffmpeg reads the same chapters from the finished file, in order (it keeps file order).
    assert chapters_from_ffmpeg(out_mp3) == [(start, end, title) for title, start, end in expected]

    # The transcript has one cue per clip, in order, matching the audio's timeline...
    cues = parse_vtt(out_vtt.read_text(encoding="utf-8"))
    assert [(speaker, text) for _, _, speaker, text in cues] == [
        (u.speaker or "Narrator", u.text) for u in story()
    ]
    assert [(s, e) for s, e, _, _ in cues] == [
        (timeline.ms(c.start), timeline.ms(c.end)) for c in timeline.cues
    ]
    # ...and each chapter starts where the last cue ended, one pause (and, where two
    # separately encoded chapters meet, less than an MP3 frame) before its first cue.
    for (title, start, _), first in zip(expected[1:], (3, 5), strict=True):
        assert abs(start - cues[first - 1][1]) <= 1, title
        assert -1 <= cues[first][0] - story()[first].pause_before_ms - start <= 27, title
        assert cues[first - 1][1] <= start < cues[first][0]
    for cue, utterance in zip(cues, story(), strict=True):
        _, start, end = expected[utterance.chapter]
        assert start <= cue[0] < cue[1] <= end

    # The tagged file still decodes cleanly, as long as the chapters say.
    pcm = np.frombuffer(decode(out_mp3), dtype="<i2")
    assert len(pcm) == timeline.total


def test_export_defaults_leave_out_what_is_not_known(
    tmp_path: Path, encoded: tuple[tuple[Piece, ...], Timeline]
) -> None:
    pieces, timeline = encoded
    out = tmp_path / "b.mp3"
    export(pieces, timeline, out, tmp_path / "b.vtt", BookTags("T", album="Series"))
    tags = ID3(out)
    assert tags["TALB"].text == ["Series"]
    assert "TPE1" not in tags and not tags.getall("COMM") and not tags.getall("APIC")


def test_vtt_format_escapes_names_speakers_and_skips_empty_cues() -> None:
    timeline = Timeline(
        1000,
        4_000_000,
        (ChapterMark("A", 0, 4_000_000),),
        (
            Cue(300, 1250, None, "Fish & <chips>\nfor two"),
            Cue(1500, 1500, "Bo", "(silent)"),
            Cue(3_723_004, 3_723_900, "Dr. <Who>", "--> run"),
        ),
    )
    assert format_vtt(timeline) == (
        "WEBVTT\n\n"
        "00:00:00.300 --> 00:00:01.250\n<v Narrator>Fish &amp; &lt;chips&gt; for two\n\n"
        "01:02:03.004 --> 01:02:03.900\n<v Dr. &lt;Who&gt;>--&gt; run\n"
    )


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "00:00:00.000"),
        (999, "00:00:00.999"),
        (3_723_004, "01:02:03.004"),
        (360_000_000, "100:00:00.000"),
    ],
)
def test_vtt_time(ms: int, text: str) -> None:
    assert vtt_time(ms) == text


def test_failed_export_leaves_the_earlier_file_untouched(
    tmp_path: Path, encoded: tuple[tuple[Piece, ...], Timeline]
) -> None:
    pieces, timeline = encoded
    out_mp3, out_vtt = tmp_path / "out" / "b.mp3", tmp_path / "out" / "b.vtt"
    kwargs = {"title": "T", "author": None, "album": None, "comment": None}
    export(pieces, timeline, out_mp3, out_vtt, BookTags(cover=None, **kwargs))
    before = (out_mp3.read_bytes(), out_vtt.read_bytes())

    not_an_image = tmp_path / "cover.txt"
    not_an_image.write_text("hello")
    with pytest.raises(ExportError, match="not a JPEG or PNG"):
        export(pieces, timeline, out_mp3, out_vtt, BookTags(cover=not_an_image, **kwargs))
    with pytest.raises(ExportError, match="cannot be read"):
        missing = BookTags(cover=tmp_path / "missing.jpg", **kwargs)
        export(pieces, timeline, out_mp3, out_vtt, missing)
    gone = (pieces[0], replace(pieces[1], path=tmp_path / "gone.mp3"), pieces[2])
    with pytest.raises(AssemblyError, match=r"gone\.mp3 disappeared from the cache"):
        export(gone, timeline, out_mp3, out_vtt, BookTags(cover=None, **kwargs))
    with pytest.raises(ExportError, match="Cannot write"):  # after the temporary files exist
        export(pieces, timeline, out_mp3, tmp_path / "out" / "b.mp3" / "b.vtt",
               BookTags(cover=None, **kwargs))  # fmt: skip

    assert (out_mp3.read_bytes(), out_vtt.read_bytes()) == before
    assert sorted(p.name for p in out_mp3.parent.iterdir()) == ["b.mp3", "b.vtt"]


def test_unwritable_destination_is_an_export_error(
    tmp_path: Path, encoded: tuple[tuple[Piece, ...], Timeline]
) -> None:
    pieces, timeline = encoded
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ExportError, match=r"Cannot write .*a-file/b\.mp3"):
        export(pieces, timeline, blocker / "b.mp3", blocker / "b.vtt", BookTags("T"))


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Pride and Prejudice", "Pride and Prejudice"),
        ("AC/DC: Live", "AC_DC_ Live"),
        ("../../etc/passwd", "…_…_etc_passwd"),
        ("..", "…"),
        ("-rf", "rf"),
        ("Wait...\nwhat?", "Wait… what"),
        ("   ", "audiobook"),
        ("\x00\x07", "audiobook"),
        ("CON", "CON_"),
        ("nul.mp3", "nul_.mp3"),
        ("Com1", "Com1_"),
        ("LPT¹", "LPT¹_"),
        ("Lpt1.x.y", "Lpt1_.x.y"),
        ("CONIN$", "CONIN$_"),
        ("AUX .story", "AUX_ .story"),
        ("Console", "Console"),
        ("Dots and spaces . . .", "Dots and spaces"),
        ('Who? "Me" <you> | *all*', "Who_ _Me_ _you_ _ _all"),
        ("a=b;c#d", "a=b;c#d"),
    ],
)
def test_safe_filename(title: str, name: str) -> None:
    assert safe_filename(title) == name


@given(st.text(max_size=300))
def test_safe_filename_is_always_safe(title: str) -> None:
    name = safe_filename(title)
    assert name and len(name) <= 120
    assert "/" not in name and "\\" not in name and ".." not in name and ":" not in name
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
    assert not name.startswith(("-", ".")) and name == name.strip()
    # valid on Windows too: no reserved characters, trailing dot or space, device name
    assert not set(name) & set(':*?"<>|') and not name.endswith((".", " "))
    assert not WINDOWS_DEVICE.fullmatch(name.split(".")[0].rstrip(" "))


WINDOWS_DEVICE = re.compile(r"(?i)CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|(?:COM|LPT)[0-9¹²³]")


@pytest.mark.posix
def test_exported_files_get_the_usual_permissions(
    tmp_path: Path, encoded: tuple[tuple[Piece, ...], Timeline]
) -> None:
    import os

    pieces, timeline = encoded
    old = os.umask(0o022)
    try:
        export(pieces, timeline, tmp_path / "b.mp3", tmp_path / "b.vtt", BookTags("T"))
    finally:
        os.umask(old)
    assert (tmp_path / "b.mp3").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b.vtt").stat().st_mode & 0o777 == 0o644
