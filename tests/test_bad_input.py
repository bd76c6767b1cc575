"""Bad input, end to end through `audiobook generate` with the fake engine: every case
ends in a correct audiobook, or in one clear line on stderr and exit code 1 with
nothing written; never a traceback, a hang or a partial file. Decoding details are
unit-tested in test_read.py, profile and cast checks in test_voices.py and
test_cast.py; here each reaches the user through the whole pipeline."""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutagen.id3 import ID3
from typer.testing import CliRunner

from audiobook import pipeline
from audiobook.cli import app
from audiobook.errors import AudiobookError
from audiobook.files import safe_filename
from tests.conftest import check, decode

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


def generate(tmp_path: Path, cache: Path, story: Path, *options: str):
    out = tmp_path / "out"
    result = runner.invoke(app, ["generate", str(story), "-o", str(out), "--engine", "fake",
                                 "--cache", str(cache), *options])  # fmt: skip
    return result, out


def audiobook(result, out: Path) -> tuple[Path, str]:
    """Check a run made exactly one good audiobook; its MP3 and its transcript's text."""
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    files = sorted(out.iterdir())
    assert [p.suffix for p in files] == [".mp3", ".vtt"], files
    mp3, vtt = files
    chapters = ID3(mp3).getall("CHAP")
    assert chapters
    decoded_ms = len(decode(mp3)) // 2 * 1000 // 22050
    assert abs(max(c.end_time for c in chapters) - decoded_ms) <= 1
    return mp3, vtt.read_text(encoding="utf-8")


def refused(result, out: Path, *fragments: str) -> str:
    """Check a run ended in one clear line, exit code 1 and no files; the line."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("audiobook: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert not out.exists() or list(out.iterdir()) == []
    return lines[0]


STORY = 'Chapter 1\n\nThe rain fell all night.\n\n"Come in," said Mara.\n\nChapter 2\n\nMorning.\n'


# --- text that cannot be a story ------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "is empty", id="empty"),
        pytest.param(b" \n\t\r\n \xc2\xa0\n", "is empty", id="white-space"),
        pytest.param(bytes(range(256)) * 40, "looks like a binary file", id="binary"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(2000), "looks like a binary file", id="png"),
    ],
)
def test_text_that_is_no_story_is_refused(
    tmp_path: Path, cache: Path, data: bytes, message: str
) -> None:
    story = tmp_path / "story.txt"
    story.write_bytes(data)
    result, out = generate(tmp_path, cache, story)
    refused(result, out, str(story), message)


# --- encodings and line ends ------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        pytest.param(STORY.replace("Mara", "Zoë Café").encode("utf-16"), "Zoë Café",
                     id="utf-16-bom"),
        pytest.param(codecs.BOM_UTF8 + STORY.encode(), "Come in,", id="utf-8-bom"),
        pytest.param(
            "Chapter 1\n\n“Wait—please,” said Mara… ‘fine’ – done.\n".encode("cp1252"),
            "Wait—please,", id="cp1252-curly-quotes-and-dashes",
        ),
        pytest.param("Chapter 1\n\nIl était naïf, à Noël.\n".encode("latin-1"), "était naïf",
                     id="latin-1"),
        pytest.param(STORY.replace("\n", "\r\n").encode(), "Come in,", id="crlf"),
        pytest.param(STORY.replace("\n", "\r").encode(), "Come in,", id="cr"),
    ],
)  # fmt: skip
def test_encodings_and_line_ends_make_the_same_audiobook(
    tmp_path: Path, cache: Path, data: bytes, words: str
) -> None:
    story = tmp_path / "story.txt"
    story.write_bytes(data)
    mp3, transcript = audiobook(*generate(tmp_path, cache, story))
    assert words in transcript
    assert "\r" not in transcript and "\ufffd" not in transcript
    if words == "Come in,":  # the same story: the same chapters as with plain LF
        assert [str(c.sub_frames["TIT2"]) for c in ID3(mp3).getall("CHAP")] == [
            "Chapter 1", "Chapter 2"]


# --- odd but valid stories ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param('"He said \'she told me "no" twice\' and left.\n\n"It runs on.\n\n'
                     "And 'never closed.\n\nThe end of it.\n", "The end of it.",
                     id="unbalanced-and-nested-quotes"),
        pytest.param('"Hello."\n\n"Hi."\n\n"How are you?"\n\n"Fine, thanks."\n', "Fine, thanks.",
                     id="only-dialogue"),
        pytest.param("Chapter 1\n\nHello 👋 world\u200b\u200d. Bell\x07 char.\x0c\n\n"
                     '"Ok 😀," she said. A --> B <i>x</i> & y.\n', "Bell char.",
                     id="emoji-zero-width-and-control-characters"),
        pytest.param("Глава 1\n\n«Привет», — сказала она. Он молчал.\n", "Он молчал.",
                     id="russian"),
        pytest.param("第一章\n\n他说：“你好。”她笑了。\n", "她笑了", id="chinese"),
        pytest.param("الفصل الأول\n\nقالت: «مرحبا». ثم ذهبت.\n", "ثم ذهبت", id="arabic"),
    ],
)  # fmt: skip
def test_odd_stories_make_an_audiobook(
    tmp_path: Path, cache: Path, text: str, words: str
) -> None:
    story = tmp_path / "story.txt"
    story.write_text(text, encoding="utf-8")
    _, transcript = audiobook(*generate(tmp_path, cache, story))
    assert words in transcript
    assert not any(ord(ch) < 32 and ch != "\n" for ch in transcript)
    assert "-->" not in transcript.replace(" --> ", ""), "no cue text reads as a timing line"


def test_a_paragraph_of_200000_characters_without_punctuation(tmp_path: Path, cache: Path) -> None:
    """The whole pipeline: split into clips of at most 1000 characters. The words are
    long (about 50 letters) and read at 450 words a minute, so the fake engine's audio
    stays near 10 minutes."""
    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "narrator.toml").write_text('voice = "en-us"\nrate = 450\nrole = "narrator"\n')
    words = [("abcdefghij" * 7)[: 30 + i % 40] for i in range(4100)]
    paragraph = " ".join(words)
    assert len(paragraph) >= 200_000 and not any(p in paragraph for p in ".,;:!?")
    story = tmp_path / "story.txt"
    story.write_text("Chapter 1\n\n" + paragraph + "\n", encoding="utf-8")
    _, transcript = audiobook(*generate(tmp_path, cache, story, "--voices", str(voices)))
    cues = [line for line in transcript.splitlines() if line.startswith("<v ")]
    assert len(cues) >= 200 and all(len(cue) <= 1000 + 20 for cue in cues)
    assert " ".join(cue.removeprefix("<v Narrator>") for cue in cues[2:]) == paragraph


@pytest.mark.slow
@pytest.mark.posix
def test_a_20_mb_story_goes_through_the_text_stages_in_bounded_memory(tmp_path: Path) -> None:
    """Only the text stages and the plan (synthesising 20 MB, some 300 hours, with the
    fake engine would take too long for a test): in a process of its own, so that its
    peak memory can be measured."""
    story = tmp_path / "big.txt"
    words = "the wind moved over hill and field while she walked under old trees".split()
    with story.open("w", encoding="utf-8") as file:
        for c in range(1, 2001):
            file.write(f"Chapter {c}\n\n")
            for p in range(100):
                sentence = " ".join(words[(c + p + i) % len(words)] for i in range(14))
                if p % 10 == 0:
                    file.write(f'{sentence.capitalize()}. "Walk on," said Ann.\n\n')
                else:
                    file.write(f"{sentence.capitalize()}. {sentence.capitalize()} again.\n\n")
    assert story.stat().st_size > 20_000_000
    code = (
        "import resource, sys; from pathlib import Path\n"
        "from audiobook import pipeline; from audiobook.config import Config\n"
        "from audiobook.casting.plan import plan\n"
        "config = Config(engine='fake')\n"
        "ready = pipeline.prepare(Path(sys.argv[1]), config)\n"
        "script, cast = ready.script, ready.cast\n"
        "said = plan(script, cast, config.pauses)\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024\n"
        "print(len(script.book.chapters), len(said), peak)\n"
    )
    run = subprocess.run([sys.executable, "-c", code, str(story)], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr
    chapters, utterances, peak_mb = map(int, run.stdout.split())
    assert chapters == 2000 and utterances > 2000 * 100 * 2
    assert peak_mb < 800, "text stages hold the text a bounded number of times over"


# --- paths that are not story files ---------------------------------------------


@pytest.mark.posix
def test_paths_that_are_not_story_files(tmp_path: Path, cache: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    refused(*generate(tmp_path, cache, folder), "no story files")
    refused(*generate(tmp_path, cache, tmp_path / "missing.txt"), "missing.txt does not exist")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    refused(*generate(tmp_path, cache, fifo), "is not a regular file")  # not a hang
    refused(*generate(tmp_path, cache, Path("/dev/zero")), "is not a regular file")


@pytest.mark.posix
def test_an_unreadable_story_file(tmp_path: Path, cache: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text(STORY)
    story.chmod(0)
    try:
        if os.access(story, os.R_OK):
            pytest.skip("running as root: permissions do not stop reading")
        refused(*generate(tmp_path, cache, story), "cannot be read: Permission denied")
    finally:
        story.chmod(0o644)


@pytest.mark.posix
def test_an_output_folder_that_cannot_be_written(tmp_path: Path, cache: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text(STORY)
    result = runner.invoke(app, ["generate", str(story), "-o", "/dev/null", "--engine", "fake",
                                 "--cache", str(cache)])  # fmt: skip
    refused(result, tmp_path / "none", "/dev/null: cannot create the output folder")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as root: permissions do not stop writing")
        result = runner.invoke(app, ["generate", str(story), "-o", str(locked), "--engine",
                                     "fake", "--cache", str(cache)])  # fmt: skip
        refused(result, locked, "cannot write to the output folder (Permission denied)")
    finally:
        locked.chmod(0o755)


# --- voice profiles and cast files ----------------------------------------------


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        pytest.param('voice = "en-us"\nrole = "narrator"\nspeed = 3\n', "unknown key 'speed'",
                     id="unknown-key"),
        pytest.param('voice = ["en-us"]\nrole = "narrator"\n', "'voice' must be a string",
                     id="wrong-type"),
        pytest.param('name = "../../etc/passwd"\nvoice = "en-us"\nrole = "narrator"\n',
                     "'name' is '../../etc/passwd'", id="path-in-name"),
        pytest.param('voice = "../../bin/sh"\nrole = "narrator"\n', "not an engine voice id",
                     id="path-in-voice"),
        pytest.param('voice = "en-us"\nrole = "narrator"\nrate = 99999999999\n',
                     "'rate' is 99999999999; it must be between 80 and 450", id="enormous-rate"),
        pytest.param('voice = "en-us"\nrole = "narrator"\nrate = 1e308\n',
                     "'rate' must be a whole number", id="float-rate"),
        pytest.param('voice = "en-us"\nrole = "narrator"\ndescription = "' + "x" * 5000 + '"\n',
                     "'description' is longer than 300", id="enormous-description"),
        pytest.param('voice = "en-zz+m9"\nrole = "narrator"\n', "'en-zz+m9' is not installed",
                     id="voice-the-engine-lacks"),
        pytest.param("voice = \n", "not valid TOML", id="not-toml"),
        pytest.param("\udcff", "not UTF-8", id="not-utf-8"),
    ],
)  # fmt: skip
def test_hostile_voice_profiles_are_refused_naming_file_and_key(
    tmp_path: Path, cache: Path, profile: str, message: str
) -> None:
    story = tmp_path / "story.txt"
    story.write_text(STORY)
    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "narrator.toml").write_bytes(profile.encode("utf-8", "surrogateescape"))
    result, out = generate(tmp_path, cache, story, "--voices", str(voices))
    refused(result, out, str(voices / "narrator.toml"), message)


@pytest.mark.parametrize(
    ("cast", "message"),
    [
        pytest.param('narator = "narrator"\n', "unknown key 'narator'", id="unknown-key"),
        pytest.param('narrator = 7\n', "'narrator' must be a string", id="wrong-type"),
        pytest.param('narrator = "../voices/narrator"\n',
                     "voice '../voices/narrator' is not a voice profile", id="path-as-voice"),
        pytest.param('[[characters]]\nname = "Mara"\nvoice = "/etc/passwd"\n',
                     "voice '/etc/passwd' is not a voice profile", id="path-as-character-voice"),
        pytest.param("".join(f'[[characters]]\nname = "C{i}"\n' for i in range(2001)),
                     "more than 2000 entries", id="enormous-cast"),
        pytest.param('[[characters]]\nname = "Mara"\naliases = ["' + "y" * 500 + '"]\n',
                     "too long", id="enormous-alias"),
        pytest.param('[[characters]]\nname = "Mara"\ngender = 1\n', "'gender' must be a string",
                     id="wrong-type-gender"),
        pytest.param("[pauses]\nchapter_ms = -5\n", "chapter_ms", id="negative-pause"),
        pytest.param("[pauses]\nchapter_ms = 10000000000\n", "chapter_ms", id="enormous-pause"),
    ],
)  # fmt: skip
def test_hostile_cast_files_are_refused_naming_file_and_key(
    tmp_path: Path, cache: Path, cast: str, message: str
) -> None:
    story = tmp_path / "story.txt"
    story.write_text(STORY)
    path = tmp_path / "cast.toml"
    path.write_text(cast, encoding="utf-8")
    result, out = generate(tmp_path, cache, story, "--cast", str(path))
    refused(result, out, str(path), message)


def test_a_character_name_with_path_separators_is_only_a_name(tmp_path: Path, cache: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text('"Come in," said ../Mara/x.\n\nShe waited.\n')
    cast = tmp_path / "cast.toml"
    cast.write_text('[[characters]]\nname = "../Mara/x"\nvoice = "woman"\n')
    mp3, _ = audiobook(*generate(tmp_path, cache, story, "--cast", str(cast)))
    assert mp3.parent == tmp_path / "out"
    assert not (tmp_path / "Mara").exists()


# --- titles ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "AC/DC: Live",
        "../../escape",
        "..",
        "a=b;c#d\\e",
        "Line one\nLine two",
        ";FFMETADATA1\n[CHAPTER]\ntitle=x",
        "-rf",
    ],
)
def test_titles_with_separators_and_specials_stay_in_the_folder_and_the_tag(
    tmp_path: Path, cache: Path, title: str
) -> None:
    story = tmp_path / "story.txt"
    story.write_text(STORY)
    mp3, _ = audiobook(*generate(tmp_path, cache, story, "--title", title))
    assert mp3.parent == tmp_path / "out" and mp3.name == safe_filename(title) + ".mp3"
    assert ID3(mp3)["TIT2"].text == [title]


# --- only AudiobookError leaves the text stages -----------------------------------

PIECES = [
    "Chapter 1\n\n", "CHAPTER IV.\n", "Prologue\n", "* * *\n", '"Hi," said Ann. ', "“Curly,” ",
    "'Single' ", "\"Unclosed ", "Mr. Darcy", "…", "—", "\u200b", "\x00", "\x07", "\r\n", "\r",
    "\ufeff", "👋", "Глава", "A/N: thanks! ", "Disclaimer: ", "The End\n", "\n\n", " ",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=20)), max_size=40),
    st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1"]),
)
def test_only_audiobook_errors_leave_the_text_stages(parts: list[str], encoding: str) -> None:
    import tempfile

    text = "".join(parts)
    with tempfile.TemporaryDirectory() as folder:
        story = Path(folder) / "story.txt"
        story.write_bytes(text.encode(encoding, "replace"))
        try:
            script = pipeline.build_script(story)
        except AudiobookError:
            return
    document = script.book.document
    for segment in script.segments:
        assert 0 <= segment.start <= segment.end <= len(document.text)
    # More than offsets: the segments tile the story as the property tests require,
    # and every speaker is one of the characters found.
    check(script.book, script.segments)
    names = {c.name for c in script.characters}
    assert {s.speaker for s in script.segments if s.speaker is not None} <= names
