from pathlib import Path

import pytest

from audiobook.casting.cast import load_cast_file, make_cast, render_cast_file
from audiobook.casting.voices import default_voices_dir, load_profiles
from audiobook.errors import CastError
from audiobook.models import (
    Book,
    Chapter,
    Character,
    Document,
    Gender,
    Kind,
    Paragraph,
    Scene,
    Script,
    Segment,
)

PROFILES = load_profiles(default_voices_dir())


def script_with(lines: dict[str, int], genders: dict[str, Gender]) -> Script:
    text = "x" * 10
    doc = Document(text)
    chapter = Chapter("One", 0, 10, None, (Scene(0, 10, (Paragraph(0, 10),)),))
    book = Book(doc, "Test", None, None, (chapter,))
    segments = []
    for name, count in lines.items():
        segments += [Segment(Kind.DIALOGUE, 0, 1, speaker=name)] * count
    characters = tuple(Character(n, (), genders.get(n, Gender.UNKNOWN)) for n in genders)
    return Script(book, tuple(segments), characters)


def test_main_characters_get_distinct_voices_of_their_gender():
    men = {f"M{i}": Gender.MALE for i in range(4)}
    women = {f"W{i}": Gender.FEMALE for i in range(4)}
    script = script_with({n: 10 - i for i, n in enumerate([*men, *women])}, {**men, **women})
    cast = make_cast(script, PROFILES)
    voices = [cast.profile_for(n) for n in [*men, *women]]
    assert len({v.name for v in voices}) == 8
    assert all(cast.profile_for(n).gender is Gender.MALE for n in men)
    assert all(cast.profile_for(n).gender is Gender.FEMALE for n in women)
    assert cast.narrator.name == "narrator"
    assert all(v.name != "narrator" for v in voices)
    assert all(v.role == "character" and v.age in ("adult", "young") for v in voices[:2])


def test_overflow_and_unknown_gender_share_minor_voices():
    men = {f"M{i:02d}": Gender.MALE for i in range(20)}
    script = script_with({n: 30 - i for i, n in enumerate(men)} | {"Who": 5},
                         {**men, "Who": Gender.UNKNOWN})
    cast = make_cast(script, PROFILES)
    assert cast.profile_for("M19").name == "minor_man"
    assert cast.profile_for("Who").name == "unknown_speaker"
    assert cast.profile_for(None).name == "unknown_speaker"


def test_casting_is_deterministic():
    genders = {"A": Gender.FEMALE, "B": Gender.MALE, "C": Gender.FEMALE}
    script = script_with({"A": 3, "B": 3, "C": 1}, genders)
    assert make_cast(script, PROFILES) == make_cast(script, PROFILES)


def test_cast_file_round_trips_and_wins(tmp_path: Path):
    genders = {"Kakashi": Gender.MALE, "Sakura": Gender.FEMALE}
    script = script_with({"Kakashi": 4, "Sakura": 2}, genders)
    text = render_cast_file(script, make_cast(script, PROFILES))
    text = text.replace('narrator = "narrator"', 'narrator = "old_man"')
    text = text.replace(
        'name = "Sakura"\naliases = []', 'name = "Sakura"\naliases = ["Haruno Sakura"]'
    )
    path = tmp_path / "cast.toml"
    given = make_cast(script, PROFILES).profile_for("Sakura").name
    assert given != "girl"
    path.write_text(text.replace(f'voice = "{given}"', 'voice = "girl"'), encoding="utf-8")
    cast_file = load_cast_file(path)
    assert [c.name for c in cast_file.characters] == ["Kakashi", "Sakura"]
    assert cast_file.characters[1].aliases == ("Haruno Sakura",)
    assert cast_file.characters[1].gender is Gender.FEMALE
    cast = make_cast(script, PROFILES, cast_file)
    assert cast.narrator.name == "old_man"
    assert cast.profile_for("Sakura").name == "girl"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('narator = "x"\n', "unknown key 'narator'"),
        ('[[characters]]\nname = "A"\nvoice = "nobody"\n', "voice 'nobody' is not a voice profile"),
        ('narrator = "ghost"\n', "voice 'ghost' is not a voice profile"),
        ('[[characters]]\nname = 5\n', "'name' must be a string"),
        ('[[characters]]\nname = "A"\n[[characters]]\nname = "A"\n', "listed twice"),
        ('[[characters]]\nname = "A"\ngender = "x"\n', "'gender' is 'x'"),
        ('[[characters]]\nname = "A"\naliases = "B"\n', "'aliases' must be a list"),
        ('characters = 3\n', "must be an array of tables"),
        ('[[characters]]\nname = "A"\nspeed = 3\n', "unknown key 'speed'"),
    ],
)
def test_bad_cast_files_name_file_and_key(tmp_path, body, message):
    path = tmp_path / "cast.toml"
    path.write_text(body, encoding="utf-8")
    script = script_with({"A": 1}, {"A": Gender.MALE})
    with pytest.raises(CastError) as info:
        make_cast(script, PROFILES, load_cast_file(path))
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_missing_cast_file(tmp_path):
    with pytest.raises(CastError, match="cannot read the file"):
        load_cast_file(tmp_path / "none.toml")


def test_cast_file_pauses_override_defaults(tmp_path):
    from audiobook.config import Pauses

    path = tmp_path / "cast.toml"
    path.write_text("[pauses]\nparagraph_ms = 800\nchapter_ms = 4000\n", encoding="utf-8")
    pauses = load_cast_file(path).apply_pauses(Pauses())
    assert (pauses.paragraph_ms, pauses.chapter_ms, pauses.sentence_ms) == (800, 4000, 250)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[pauses]\nparagraf_ms = 3\n", "unknown key 'paragraf_ms'"),
        ("[pauses]\nscene_ms = -5\n", "'scene_ms' is -5"),
        ("[pauses]\nscene_ms = 1e9\n", "'scene_ms' must be a whole number"),
    ],
)
def test_bad_pauses(tmp_path, body, message):
    path = tmp_path / "cast.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CastError, match=message):
        load_cast_file(path)
