"""The command line end to end, in-process, with the fake engine (exact, fast)."""

from __future__ import annotations

import itertools
import json

import pytest
from mutagen.id3 import ID3

from audiobook.cli import app
from tests.conftest import SEED0, SEED1, SEEDS, decoded_ms, run, vtt_cues


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    cache = tmp_path_factory.mktemp("cache")
    result = run("generate", str(SEED0), str(SEED1), "-o", str(out), "--engine", "fake",
                 "--cache", str(cache), "--jobs", "2")
    assert result.exit_code == 0, result.output
    return out


def test_generate_writes_one_mp3_and_vtt_per_seed(books):
    assert sorted(p.suffix for p in books.iterdir()) == [".mp3", ".mp3", ".vtt", ".vtt"]
    assert not list(books.glob(".*")), "no temporary files are left behind"


def test_scene_story_has_three_chapters_read_back_with_vtt_times(books):
    mp3 = next(p for p in books.glob("*.mp3") if "Mokkadem" not in str(ID3(p).get("TPE1")))
    tags = ID3(mp3)
    assert tags.version[:2] == (2, 3)
    assert str(tags["TCON"]) == "Audiobook"
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    tocs = tags.getall("CTOC")
    assert len(chaps) == 3
    assert len(tocs) == 1 and list(tocs[0].child_element_ids) == [c.element_id for c in chaps]
    titles = [str(c.sub_frames["TIT2"]) for c in chaps]
    assert titles[0].startswith("Kakashi stared down")
    assert titles[1].startswith("Jiraiya opened the album")
    assert titles[2].startswith("Sasuke fought for another breath")
    cues = vtt_cues(mp3.with_suffix(".vtt"))
    total = decoded_ms(mp3)
    assert chaps[0].start_time == 0
    assert abs(chaps[-1].end_time - total) <= 60
    for before, chap in itertools.pairwise(chaps):
        assert before.end_time == chap.start_time
        first = next(c for c in cues if c[0] >= chap.start_time)
        last = [c for c in cues if c[1] <= chap.start_time][-1]
        assert first[3].startswith(str(chap.sub_frames["TIT2"]).split()[0])
        assert abs(chap.start_time - last[1]) <= 1, "a chapter starts where the last cue ended"
        # then the chapter pause, and less than an MP3 frame where two chapters' pieces meet
        assert -1 <= first[0] - chap.start_time - 2500 <= 27, "then the chapter pause"


def test_tags_title_author_and_summary(books):
    by_author = {str(ID3(p).get("TPE1")): ID3(p) for p in books.glob("*.mp3")}
    assert set(by_author) == {"Hanane EL Mokkadem", "Unknown author"}
    assert str(by_author["Unknown author"]["TIT2"]) == "000 7375049496938e3a"
    tags = by_author["Hanane EL Mokkadem"]
    assert str(tags["TIT2"]) and str(tags["TALB"]) == str(tags["TIT2"])
    assert str(tags.getall("COMM")[0]).startswith("In the end Kakashi could only conclude")


def test_skipped_matter_is_not_spoken(books):
    spoken = " ".join(c[3] for p in books.glob("*.vtt") for c in vtt_cues(p))
    for never in ("Disclaimer", "belongs to Masashi Kishimoto", "Review?", "A/N",
                  "constructive criticism", "The End", "Warnings"):
        assert never not in spoken
    assert "Why?" in spoken and "I love you, dobe." in spoken


def test_script_json_shape_and_matter(tmp_path):
    result = run("script", str(SEED0), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert list(data) == ["title", "author", "summary", "work", "characters", "chapters",
                          "segments"]
    assert data["work"] is None  # a plain-text story has no archive tags
    assert all(c["origin"] == "text" for c in data["characters"])
    text = SEED0.read_text(encoding="utf-8")
    for seg in data["segments"]:
        extra = ["id", "confidence"] if seg["kind"] in ("dialogue", "thought") else []
        assert list(seg) == ["kind", "start", "end", "speaker", "voice", *extra]
    kinds = {text[s["start"]:s["end"]]: s["kind"] for s in data["segments"]}
    assert kinds["Why?"] == "dialogue"
    assert kinds["Review?"] == "back_matter"
    assert [c["title"].split()[0] for c in data["chapters"]] == ["Kakashi", "Jiraiya", "Sasuke"]
    names = {c["name"] for c in data["characters"]}
    for seg in data["segments"]:
        assert seg["speaker"] is None or seg["speaker"] in names
        if seg["kind"] in ("front_matter", "back_matter"):
            assert seg["voice"] is None


def test_script_readable_view_shows_skipped_matter_with_reason():
    result = run("script", str(SEED1))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "001 e91bbaf8ab298a21 by Hanane EL Mokkadem"  # an id: not announced
    assert lines[1].startswith("  (read after the title: summary) Summary: In the end Kakashi")
    assert lines[2] == "  (skipped: author line) Written by Hanane EL Mokkadem"
    assert "(skipped: " in result.stdout and "The End" in result.stdout


def test_script_readable_view_shows_what_is_announced(tmp_path):
    story = tmp_path / "story.md"
    story.write_text("# The Long Way\n\nBy A. Writer\n\n## Chapter 1\n\nIt rained.\n",
                     encoding="utf-8")
    result = run("script", str(story))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:2] == [
        "The Long Way by A. Writer",
        "  (announced) The Long Way. By A. Writer.",
    ]


def test_cast_write_then_generate_with_it(tmp_path):
    cast = tmp_path / "cast.toml"
    result = run("cast", str(SEED0), "--write", str(cast))
    assert result.exit_code == 0
    assert result.stdout.startswith("narrator: narrator")
    text = cast.read_text(encoding="utf-8").replace('narrator = "narrator"', 'narrator = "old_man"')
    cast.write_text(text, encoding="utf-8")
    data = json.loads(run("script", str(SEED0), "--json", "--cast", str(cast)).stdout)
    voices = {s["voice"] for s in data["segments"] if s["kind"] == "narration"}
    assert voices == {"old_man"}


@pytest.mark.parametrize("mask", [0o022, 0o077])
@pytest.mark.posix
def test_written_files_get_the_users_usual_permissions(tmp_path, mask):
    import os
    import stat

    old = os.umask(mask)
    try:
        cast = tmp_path / "cast.toml"
        assert run("cast", str(SEED0), "--write", str(cast)).exit_code == 0
        out = tmp_path / "out"
        result = run("generate", str(SEED0), "-o", str(out), "--engine", "fake",
                     "--cache", str(tmp_path / "c"), "--chapters", "1")
        assert result.exit_code == 0, result.output
    finally:
        os.umask(old)
    for path in [cast, *out.iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask, path


def test_voices_lists_profiles_and_engine_voices():
    result = run("voices", "--engine", "fake")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Profiles, as they speak with the fake engine"
    narrator = next(i for i, line in enumerate(lines) if line.startswith("  narrator "))
    assert lines[narrator].split()[1:5] == ["male", "adult", "en-GB", "narrator"]
    assert lines[narrator + 1] == "    speaks with en-gb-x-rp+m1"
    assert "young_woman" in result.stdout
    assert "Voices installed for the fake engine (9)" in lines


def test_preview_writes_an_mp3(tmp_path):
    out = tmp_path / "p.mp3"
    result = run("preview", "girl", "Hello there, friend.", "-o", str(out), "--engine", "fake",
                 "--cache", str(tmp_path / "c"))
    assert result.exit_code == 0, result.output
    assert decoded_ms(out) > 500


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["script", "no-such-story.txt"], "no-such-story.txt"),
        (["script", "."], "."),
        (["preview", "nobody", "--engine", "fake"], "no voice profile named 'nobody'"),
        (["script", str(SEED0), "--cast", "missing-cast.toml"], "missing-cast.toml"),
        (["script", str(SEED0), "--voices", "no-voices-here"], "voices folder not found"),
    ],
)
def test_user_errors_are_one_line_and_exit_1(args, message):
    result = run(*args)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("audiobook: error: ")
    assert message in lines[0]
    assert "Traceback" not in result.output


def test_unwritable_output_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("generate", str(SEED0), "-o", str(blocker / "sub"), "--engine", "fake",
                 "--cache", str(tmp_path / "c"))
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("audiobook: error: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_profile_with_a_voice_the_engine_lacks_names_the_file(tmp_path):
    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "narrator.toml").write_text('voice = "en-zz+m3"\nrole = "narrator"\n')
    result = run("generate", str(SEED0), "-o", str(tmp_path / "out"), "--voices", str(voices),
                 "--engine", "fake", "--cache", str(tmp_path / "c"))
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert str(voices / "narrator.toml") in line and "'en-zz+m3' is not installed" in line
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_every_command_has_help_and_a_readme_section():
    readme = (SEEDS.parent / "README.md").read_text(encoding="utf-8")
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert sorted(names) == ["cast", "generate", "preview", "review", "script", "studio",
                            "voices"]
    for name in names:
        result = run(name, "--help")
        assert result.exit_code == 0
        assert f"audiobook {name}" in readme or f"### {name}" in readme
    for command in app.registered_commands:
        assert command.callback is not None and command.callback.__doc__, "no help text"


def test_every_option_of_every_command_is_in_the_readme():
    import typer.main

    readme = (SEEDS.parent / "README.md").read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    missing = [
        f"{name} {option}"
        for name, command in group.commands.items()  # type: ignore[attr-defined]
        for param in command.params
        for option in param.opts
        if option.startswith("--") and option != "--help" and f"`{option}" not in readme
    ]
    assert missing == []


def test_cast_file_pauses_reach_the_audio(tmp_path):
    cast = tmp_path / "cast.toml"
    cast.write_text("[pauses]\nchapter_ms = 4000\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("generate", str(SEED0), "-o", str(out), "--cast", str(cast), "--engine", "fake",
                 "--cache", str(tmp_path / "c"))
    assert result.exit_code == 0, result.output
    mp3 = next(out.glob("*.mp3"))
    chaps = sorted(ID3(mp3).getall("CHAP"), key=lambda c: c.start_time)
    cues = vtt_cues(mp3.with_suffix(".vtt"))
    first = next(c for c in cues if c[0] >= chaps[1].start_time)
    assert -1 <= first[0] - chaps[1].start_time - 4000 <= 27  # < 1 MP3 frame where pieces meet


def test_chapters_option_renders_part_of_a_story_under_its_own_name(tmp_path):
    out = tmp_path / "out"
    result = run("generate", str(SEED0), "-o", str(out), "--chapters", "2-3", "--narrator",
                 "old_man", "--engine", "fake", "--cache", str(tmp_path / "c"))
    assert result.exit_code == 0, result.output
    mp3 = next(out.glob("*.mp3"))
    assert mp3.name == "000 7375049496938e3a (chapters 2-3).mp3"
    titles = [str(c.sub_frames["TIT2"]) for c in
              sorted(ID3(mp3).getall("CHAP"), key=lambda c: c.start_time)]
    assert [t.split()[0] for t in titles] == ["Jiraiya", "Sasuke"]
    cues = vtt_cues(mp3.with_suffix(".vtt"))
    assert cues[0][3].startswith("Jiraiya opened the album")


@pytest.mark.parametrize("spec", ["0", "2-1", "x", "1-", "9"])
def test_bad_chapter_specs_are_one_line_errors(tmp_path, spec):
    result = run("generate", str(SEED0), "-o", str(tmp_path), "--chapters", spec,
                 "--engine", "fake", "--cache", str(tmp_path / "c"))
    assert result.exit_code == 1
    assert result.stderr.startswith("audiobook: error: --chapters")


def test_narrator_option_picks_the_profile():
    data = json.loads(run("script", str(SEED0), "--json", "--narrator", "woman").stdout)
    assert {s["voice"] for s in data["segments"] if s["kind"] == "narration"} == {"woman"}
    result = run("script", str(SEED0), "--narrator", "nobody")
    assert result.exit_code == 1 and "--narrator: voice 'nobody'" in result.stderr


def test_generate_a_folder_makes_each_story_and_reports_failures(tmp_path):
    folder = tmp_path / "stories"
    folder.mkdir()
    (folder / "a.txt").write_text('Title: Alpha\n\n"Hello," said Ann.\n', encoding="utf-8")
    (folder / "b.md").write_text("# Beta\n\nShe walked home.\n", encoding="utf-8")
    (folder / "c.txt").write_text("   \n", encoding="utf-8")
    (folder / "notes.json").write_text("{}", encoding="utf-8")
    out = tmp_path / "out"
    result = run("generate", str(folder), "-o", str(out), "--engine", "fake",
                 "--cache", str(tmp_path / "cache"), "--jobs", "2")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == "made 2 of 3 audiobooks"
    assert any(line.startswith("c.txt: failed: ") for line in lines)
    made = sorted(p.name for p in out.iterdir())
    assert made == ["Alpha.mp3", "Alpha.vtt", "Beta.mp3", "Beta.vtt"]


def test_a_folder_without_stories_is_an_error(tmp_path):
    result = run("generate", str(tmp_path), "--engine", "fake")
    assert result.exit_code == 1 and "no story files" in result.stderr
