from pathlib import Path

import pytest

from audiobook.casting.voices import default_voices_dir, load_profile, load_profiles
from audiobook.errors import VoiceError
from audiobook.models import Gender


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_shipped_profiles_are_a_narrator_and_twelve_distinct_character_voices():
    profiles = load_profiles(default_voices_dir())
    narrators = [p for p in profiles.values() if p.role == "narrator"]
    characters = [p for p in profiles.values() if p.role == "character"]
    assert [p.name for p in narrators] == ["narrator"]
    assert len(characters) >= 12
    assert {p.gender for p in characters} == {Gender.MALE, Gender.FEMALE}
    assert {p.age for p in characters} >= {"child", "young", "adult", "old"}
    settings = [(p.voice, p.rate, p.pitch) for p in profiles.values()]
    assert len(set(settings)) == len(settings)
    assert len({p.voice for p in profiles.values()}) == len(profiles)


def test_profile_fields_are_read(tmp_path):
    path = write(tmp_path, "hero", 'name = "hero"\nvoice = "en-us+m3"\nrate = 190\npitch = 60\n'
                 'volume = 0.8\ngender = "male"\nage = "young"\ndescription = "A hero."\n')
    p = load_profile(path)
    assert (p.name, p.voice, p.rate, p.pitch, p.volume, p.gender, p.age, p.role) == (
        "hero", "en-us+m3", 190, 60, 0.8, Gender.MALE, "young", "character")
    assert p.source == path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('voice = "en-us"\ncolour = "red"\n', "unknown key 'colour'"),
        ('voice = 3\n', "'voice' must be a string"),
        ('voice = "en-us"\nrate = "fast"\n', "'rate' must be a whole number"),
        ('voice = "en-us"\nrate = 100000000000\n', "'rate' is 100000000000; it must be between"),
        ('voice = "en-us"\npitch = -1\n', "'pitch' is -1"),
        ('voice = "en-us"\ngender = "robot"\n', "'gender' is 'robot'"),
        ('name = "../etc"\nvoice = "en-us"\n', "'name' is '../etc'"),
        ('voice = "../../x"\n', "not an engine voice id"),
        ('[voice]\nsapi5 = " "\n', "'sapi5' is empty"),
        ('voice = "en-us"\nrate = true\n', "'rate' must be a whole number"),
        ('voice = \n', "not valid TOML"),
    ],
)
def test_malformed_profiles_name_file_and_key(tmp_path, body, message):
    path = write(tmp_path, "bad", body)
    with pytest.raises(VoiceError) as info:
        load_profile(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_voices_folder_needs_a_narrator(tmp_path):
    write(tmp_path, "a", 'voice = "en-us"\n')
    with pytest.raises(VoiceError, match="no profile has role"):
        load_profiles(tmp_path)


def test_missing_voices_folder(tmp_path):
    with pytest.raises(VoiceError, match="voices folder not found"):
        load_profiles(tmp_path / "nope")


def test_duplicate_profile_names(tmp_path):
    write(tmp_path, "a", 'name = "same"\nvoice = "en-us"\nrole = "narrator"\n')
    write(tmp_path, "b", 'name = "same"\nvoice = "en-us+f3"\n')
    with pytest.raises(VoiceError, match="'same' is also used by"):
        load_profiles(tmp_path)


def test_a_profile_may_name_no_voice_and_describe_one(tmp_path):
    path = write(tmp_path, "any", 'gender = "female"\nage = "old"\nlanguage = "en-GB"\n')
    p = load_profile(path)
    assert (p.voice, p.voices, p.language, p.gender, p.age) == (
        "", (), "en-GB", Gender.FEMALE, "old")


def test_a_profile_names_a_voice_per_driver(tmp_path):
    path = write(tmp_path, "v", '[voice]\nnsss = "com.apple.voice.compact.en-US.Samantha"\n'
                 'espeak = "en-us+f3"\nsapi5 = \'HKEY_LOCAL_MACHINE\\X\\TTS_MS_EN-US_ZIRA_11.0\'\n')
    p = load_profile(path)
    assert p.voice == "en-us+f3"
    assert p.named_voice("nsss") == "com.apple.voice.compact.en-US.Samantha"
    assert p.named_voice("sapi5") == "HKEY_LOCAL_MACHINE\\X\\TTS_MS_EN-US_ZIRA_11.0"
    assert p.named_voice("other") is None
