"""The review loop: stable quote ids, the review file, fixes files that win over the
attribution and re-render only what they change, and doubtful quotes read in a
shared voice."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
import tomllib
from conftest import SEED0, SEEDS, run, vtt_cues
from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.casting.cast import make_cast
from audiobook.casting.plan import plan, segment_voice
from audiobook.casting.voices import load_profiles
from audiobook.config import Pauses
from audiobook.models import QUOTE_KINDS, Character, Gender, Kind, Script
from audiobook.pipeline import build_script
from audiobook.text.ids import with_ids

STORY = """The Lanterns

Chapter 1: Harbour

"Is the boat in?" asked Mara.
"Not yet," said Tom. "Soon."
"Soon," Mara said. "Soon."

Chapter 2: Storm

"Hold the rope!" Tom shouted.
"I have it," said Mara.
"Yes." Tom agreed.
"Yes." Mara agreed.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def json_script(path: Path, *options: str) -> dict:
    result = run("script", str(path), "--json", "--engine", "fake", *options)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def quotes(data: dict) -> list[dict]:
    return [s for s in data["segments"] if s["kind"] in ("dialogue", "thought")]


def test_ids_come_from_chapter_words_and_ordinal(tmp_path):
    data = json_script(write(tmp_path, "s.txt", STORY))
    ids = [q["id"] for q in quotes(data)]
    assert len(set(ids)) == len(ids) == 9
    assert all(re.fullmatch(r"\d+-[0-9a-f]{6}(-\d+)?", i) for i in ids)
    assert [i.split("-")[0] for i in ids] == ["1"] * 5 + ["2"] * 4
    # "Soon" three times in chapter 1 and "Yes." twice in chapter 2: ordinals tell them
    # apart (punctuation aside: "Soon," and "Soon." are the same words).
    assert ids[3] == ids[2] + "-2" and ids[4] == ids[2] + "-3" and ids[8] == ids[7] + "-2"
    assert all(0.0 <= q["confidence"] <= 1.0 for q in quotes(data))


def test_editing_an_earlier_chapter_keeps_the_later_ids(tmp_path):
    before = [q["id"] for q in quotes(json_script(write(tmp_path, "a.txt", STORY)))]
    edited = STORY.replace('"Not yet," said Tom.', 'Tom looked out to sea for a long while.\n'
                           '"Not yet, and not tonight," said Tom.')
    after = [q["id"] for q in quotes(json_script(write(tmp_path, "b.txt", edited)))]
    assert after[2:] == before[2:]  # chapter 2's quotes, and chapter 1's after the edit
    assert after[1] != before[1]  # the edited quote's words changed


def test_review_all_lists_every_quote_of_the_seeds_with_ids():
    for seed in sorted(SEEDS.glob("*.txt")):
        data = json_script(seed)
        result = run("review", str(seed), "--all", "--engine", "fake")
        assert result.exit_code == 0, result.output
        review = tomllib.loads(result.stdout)
        listed = review["quote"]
        assert [q["id"] for q in listed] == [q["id"] for q in quotes(data)]
        assert set(listed[0]) == {"id", "chapter", "context", "text", "speaker", "confidence"}
        assert review["story"] == data["title"]


def test_review_lists_doubtful_quotes_least_sure_first(tmp_path):
    story = write(tmp_path, "s.txt", STORY)
    data = json_script(story)
    result = run("review", str(story), "--doubt", "0.99", "--engine", "fake")
    listed = tomllib.loads(result.stdout).get("quote", [])
    expected = sorted((q for q in quotes(data) if q["confidence"] < 0.99),
                      key=lambda q: (q["confidence"], q["start"]))
    assert [q["id"] for q in listed] == [q["id"] for q in expected]
    assert run("review", str(story), "--doubt", "0", "--engine", "fake").stdout.count(
        "[[quote]]") == 0


def test_a_fix_puts_the_speaker_on_the_cue_and_renders_one_clip(tmp_path):
    data = json_script(SEED0)
    why = next(q for q in quotes(data) if SEED0.read_text(encoding="utf-8")[
        q["start"]:q["end"]] == "Why?")
    assert why["speaker"] != "Sasuke"
    fixes = write(tmp_path, "fixes.toml", f'[[quote]]\nid = "{why["id"]}"\nspeaker = "Sasuke"\n')
    common = ("-o", str(tmp_path / "out"), "--engine", "fake", "--cache", str(tmp_path / "c"))
    first = run("generate", str(SEED0), *common)
    assert first.exit_code == 0, first.output
    second = run("generate", str(SEED0), *common, "--fixes", str(fixes))
    assert second.exit_code == 0, second.output
    assert ": 1 made, " in second.stderr.splitlines()[-1]
    cues = vtt_cues(next((tmp_path / "out").glob("*.vtt")))
    assert ("Sasuke", "Why?") in {(c[2], c[3]) for c in cues}
    fixed = json_script(SEED0, "--fixes", str(fixes))
    changed = [(a["id"], a["speaker"], b["speaker"]) for a, b in
               zip(quotes(data), quotes(fixed), strict=True) if a != b]
    assert changed == [(why["id"], why["speaker"], "Sasuke")]


def test_reserved_speakers_new_names_and_aliases(tmp_path):
    story = write(tmp_path, "s.txt", STORY)
    data = json_script(story)
    q = quotes(data)
    fixes = write(tmp_path, "f.toml", "\n".join([
        f'[[quote]]\nid = "{q[0]["id"]}"\nspeaker = "(narrator)"',
        f'[[quote]]\nid = "{q[1]["id"]}"\nspeaker = "(unknown)"',
        f'[[quote]]\nid = "{q[4]["id"]}"\nspeaker = "Old Pell"',
        f'[[quote]]\nid = "{q[5]["id"]}"\nspeaker = "tom"',
    ]) + "\n")
    fixed = json_script(story, "--fixes", str(fixes))
    by_id = {s.get("id"): s for s in fixed["segments"] if s.get("id")}
    words = next(s for s in fixed["segments"] if s["start"] == q[0]["start"])
    assert words["kind"] == "narration" and words["speaker"] is None
    assert by_id[q[1]["id"]]["speaker"] is None
    assert by_id[q[1]["id"]]["voice"] == "unknown_speaker"
    assert by_id[q[4]["id"]]["speaker"] == "Old Pell"
    assert by_id[q[5]["id"]]["speaker"] == "Tom"  # an alias spelled in any case
    names = {c["name"]: c for c in fixed["characters"]}
    assert names["Old Pell"]["origin"] == "fixes file" and names["Old Pell"]["lines"] == 1
    # A new name takes a voice no one had; no one else's voice moved.
    before = {c["name"]: c["voice"] for c in data["characters"]}
    assert {n: names[n]["voice"] for n in before} == before
    assert names["Old Pell"]["voice"] not in {*before.values(), "unknown_speaker"}


@pytest.mark.parametrize(
    ("content", "warning"),
    [
        ('[[quote]]\nid = "9-abcdef"\nspeaker = "Tom"\n', "no quote '9-abcdef'"),
        ('[[quote]]\nid = "{id}"\nspeaker = "../../etc/passwd"\n', "path separator"),
        ('[[quote]]\nid = "{id}"\nspeaker = "' + "x" * 10_000 + '"\n', "longer than 64"),
        ('[[quote]]\nid = "{id}"\nspeaker = "Tom"\ntext = "Something else"\n', "now reads"),
        ('[[quote]]\nspeaker = "Tom"\n', "'id' is required"),
        ('story = "Another Story"\n[[quote]]\nid = "{id}"\nspeaker = "Tom"\n',
         "written for 'Another Story'"),
    ],
)
def test_a_fix_that_no_longer_fits_is_one_warning_and_changes_nothing(tmp_path, content,
                                                                        warning):
    story = write(tmp_path, "s.txt", STORY)
    data = json_script(story)
    first = quotes(data)[0]
    fixes = write(tmp_path, "f.toml", content.replace("{id}", first["id"]))
    result = run("script", str(story), "--json", "--engine", "fake", "--fixes", str(fixes))
    assert result.exit_code == 0, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("audiobook: warning: ")
    assert warning in lines[0] and len(lines[0]) < 400
    assert json.loads(result.stdout)["segments"] == data["segments"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[[quote]\nid = 1\n", "not valid TOML"),
        (b"\x00\x01\x02\xff\xfe binary", "not UTF-8"),
        (b'quote = "everything"\n', "array of tables"),
    ],
)
def test_a_fixes_file_that_cannot_be_read_is_one_line_and_exit_1(tmp_path, content, message):
    story = write(tmp_path, "s.txt", STORY)
    fixes = tmp_path / "f.toml"
    fixes.write_bytes(content)
    for command in ("script", "cast", "review", "generate"):
        result = run(command, str(story), "--engine", "fake", "--fixes", str(fixes),
                     *(["-o", str(tmp_path / "out")] if command == "generate" else []))
        assert result.exit_code == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0] and str(fixes) in lines[0]
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_doubtful_quotes_keep_their_speaker_but_take_a_shared_voice():
    script = build_script(SEED0)
    profiles = load_profiles(None)
    cast = make_cast(script, profiles)
    quote = next(s for s in script.segments if s.kind in QUOTE_KINDS and s.speaker)
    genders = {c.name: c.gender.value for c in script.characters}
    sure = segment_voice(replace(quote, confidence=0.9), cast, genders, 0.5)
    unsure_seg = replace(quote, confidence=0.2)
    unsure = segment_voice(unsure_seg, cast, genders, 0.5)
    assert sure == cast.profile_for(quote.speaker)
    assert unsure == cast.shared_for(genders[quote.speaker]) != sure
    assert unsure.role == "minor" and unsure.gender.value == genders[quote.speaker]
    assert segment_voice(unsure_seg, cast, genders, 0.0) == sure  # --doubt 0: as before
    doubted = Script(script.book, tuple(
        unsure_seg if s is quote else s for s in script.segments), script.characters)
    said = [u for u in plan(doubted, cast, Pauses(), doubt=0.5)
            if quote.start <= u.start < quote.end]
    assert said and all(u.speaker == quote.speaker and u.profile == unsure for u in said)


def test_ids_need_no_offsets():
    book_text = '"Hi," said A.\n\n"Hi," said B.\n'
    from conftest import passage

    book, segments = passage(book_text)
    ids = [s.id for s in with_ids(book.document.text, segments) if s.kind in QUOTE_KINDS]
    assert ids[1] == ids[0] + "-2"
    assert Character("A", (), Gender.UNKNOWN).origin == "text" and Kind.DIALOGUE in QUOTE_KINDS


def test_a_fix_re_encodes_only_its_chapter(tmp_path):
    from audiobook.config import Config
    from audiobook.pipeline import generate

    data = json_script(SEED0)
    last = quotes(data)[-1]
    fixes = write(tmp_path, "f.toml", f'[[quote]]\nid = "{last["id"]}"\nspeaker = "Naruto"\n')
    config = Config(out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", engine="fake",
                    jobs=2, doubt=0.0)
    first = generate(SEED0, config)
    assert first.chapters == 3 and first.encoded == 3
    again = generate(SEED0, config)
    assert (again.synthesized, again.encoded) == (0, 0)
    fixed = generate(SEED0, replace(config, fixes=(fixes,)))
    assert last["speaker"] != "Naruto"
    assert (fixed.synthesized, fixed.encoded, fixed.warnings) == (1, 1, ())


_SCRIPT = build_script(SEED0)
_IDS = [s.id for s in _SCRIPT.segments if s.id]


@settings(max_examples=80, deadline=None)
@given(fixes=st.lists(st.tuples(
    st.one_of(st.sampled_from(_IDS), st.text(max_size=12)),
    st.one_of(st.sampled_from(["(narrator)", "(unknown)", "Sasuke", "naruto"]),
              st.text(max_size=80)),
    st.one_of(st.none(), st.text(max_size=20))), max_size=6))
def test_fixes_change_only_the_quotes_they_name(fixes):
    from audiobook.casting.fixes import Fix, FixesFile, apply_fixes

    file = FixesFile(Path("f.toml"), None, tuple(Fix(i, s, t, "f.toml") for i, s, t in fixes))
    result = apply_fixes(_SCRIPT, [file])
    named = {i for i, _, _ in fixes}
    for before, after in zip(_SCRIPT.segments, result.script.segments, strict=True):
        if before.id not in named:
            assert after == before
    assert result.applied + len(result.warnings) == len({i: 0 for i, _, _ in fixes})
    assert all("\n" not in w for w in result.warnings)


def test_script_and_cast_show_the_doubtful_lines():
    seed = SEEDS / "001_e91bbaf8ab298a21.txt"
    data = json_script(seed)
    unsure = [q for q in quotes(data) if q["speaker"] and q["confidence"] < 0.7]
    assert unsure, "the seed has a doubtful quote with a speaker"
    shown = run("script", str(seed), "--engine", "fake").stdout
    q = unsure[0]
    assert f"{q['speaker']}? (doubtful, {q['confidence']:.2f}) ({q['voice']}):" in shown
    assert q["voice"] in ("minor_man", "minor_woman", "unknown_speaker")
    cast = run("cast", str(seed), "--engine", "fake").stdout
    line = next(ln for ln in cast.splitlines() if ln.startswith(f"{q['speaker']}:"))
    doubtful = sum(1 for u in unsure if u["speaker"] == q["speaker"])
    assert f"({doubtful} doubtful, read in a shared voice)" in line
    calm = run("script", str(seed), "--engine", "fake", "--doubt", "0").stdout
    assert "doubtful" not in calm
