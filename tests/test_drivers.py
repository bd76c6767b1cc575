"""pyttsx3's other drivers: profiles resolved to their voices, and whole books made
through the general engine path with drivers that behave like SAPI5 and NSSS."""

from __future__ import annotations

import io
import itertools
import json
import wave
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from typer.testing import CliRunner

from audiobook.audio.engines import Catalog, EngineVoice
from audiobook.audio.engines.pyttsx3_general import audio_format, is_complete, to_pcm
from audiobook.casting.voices import (
    default_voices_dir,
    engine_age,
    engine_gender,
    load_profile,
    load_profiles,
    resolve,
)
from audiobook.cli import app
from audiobook.config import SAMPLE_RATE
from audiobook.errors import VoiceError
from audiobook.models import Gender
from tests.conftest import vtt_cues
from tests.drivers._tone import SAPI5_VOICES, aiff_header

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED0 = SEEDS / "000_7375049496938e3a.txt"
TOKENS = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Speech\\Voices\\Tokens\\"
SAPI5 = Catalog(
    tuple(EngineVoice(v[0], v[1], (v[2],), v[3], v[4]) for v in SAPI5_VOICES),
    frozenset(),
    driver="sapi5",
    pitch=False,
)
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


# --- resolving profiles to installed voices ---------------------------------------


def test_shipped_profiles_resolve_to_installed_voices_of_their_gender_spread_out():
    profiles = load_profiles(default_voices_dir())
    resolved = resolve(profiles, SAPI5)
    by_id = {v.id: v for v in SAPI5.voices}
    assert list(resolved) == list(profiles)
    for name, profile in resolved.items():
        voice = by_id[profile.voice]
        assert "fr-FR" not in voice.languages, name
        if profile.gender is not Gender.UNKNOWN:
            assert engine_gender(voice.gender) is profile.gender, name
        assert profile.voices == profiles[name].voices  # the file's own names are kept
    narrator = resolved["narrator"].voice
    others = [p for p in resolved.values() if p.role != "narrator"]
    assert narrator not in {p.voice for p in others}  # the narrator's voice is its own
    for gender, installed in ((Gender.MALE, 2), (Gender.FEMALE, 2)):
        used = [p.voice for p in others if p.gender is gender]
        # distinct voices before any repeats, over every English voice of the gender
        assert len(set(used)) == min(installed, len(used))
        counts = [used.count(v) for v in set(used)]
        assert max(counts) - min(counts) <= 1
    assert resolve(profiles, SAPI5) == resolved


def test_resolution_prefers_the_accent_once_voices_are_spread():
    profiles = load_profiles(default_voices_dir())
    resolved = resolve(profiles, SAPI5)
    # The narrator chooses first: the British man.
    assert resolved["narrator"].voice.endswith("EN-GB_GEORGE_11.0")
    # Then characters by name: the boy is American; the next man takes the other one.
    assert resolved["boy"].voice.endswith("EN-US_DAVID_11.0")
    assert resolved["city_man"].voice.endswith("EN-US_MARK_11.0")


def test_characters_sharing_a_voice_get_rates_a_step_apart_where_pitch_cannot_be_set():
    import math

    two = Catalog(SAPI5.voices[:2], frozenset(), driver="sapi5", pitch=False)  # David, Zira
    profiles = load_profiles(default_voices_dir())
    resolved = resolve(profiles, two)
    assert resolved["narrator"].rate == profiles["narrator"].rate
    men = [p for p in resolved.values() if p.gender is Gender.MALE and p.role != "narrator"]
    assert len({p.voice for p in men}) == 1 and len(men) == 8

    def sapi5_step(rate: int) -> int:  # how pyttsx3's SAPI5 driver sets a rate
        return int(math.log(rate / 156.63, 1.11))

    # Eight men on one voice: by their own rates (148 to 195 wpm) they fall on three
    # of SAPI5's speed steps; spread, on seven (the span is capped at 1.4 times).
    assert len({sapi5_step(profiles[p.name].rate) for p in men}) == 3
    assert len({sapi5_step(p.rate) for p in men}) == 7
    by_own_rate = sorted(men, key=lambda p: (profiles[p.name].rate, p.name))
    assert [p.rate for p in by_own_rate] == sorted(p.rate for p in men)  # order kept
    # Where pitch can be set, rates stay as the profiles say.
    assert all(p.rate == profiles[n].rate
               for n, p in resolve(profiles, SAPI5.__class__(SAPI5.voices[:2], frozenset(),
                                                             "sapi5", True)).items())


def test_a_voice_named_for_the_driver_is_used_and_counted(tmp_path):
    (tmp_path / "n.toml").write_text(
        'name = "n"\nrole = "narrator"\ngender = "female"\n'
        f'[voice]\nespeak = "en-us+f3"\nsapi5 = \'{TOKENS}TTS_MS_EN-GB_HAZEL_11.0\'\n'
    )
    (tmp_path / "w.toml").write_text('name = "w"\ngender = "female"\nlanguage = "en-GB"\n')
    resolved = resolve(load_profiles(tmp_path), SAPI5)
    assert resolved["n"].voice == TOKENS + "TTS_MS_EN-GB_HAZEL_11.0"
    # Hazel is taken, so the other woman gets Zira though she asks for en-GB.
    assert resolved["w"].voice == TOKENS + "TTS_MS_EN-US_ZIRA_11.0"


def test_a_voice_named_for_the_driver_but_missing_names_the_file(tmp_path):
    path = tmp_path / "n.toml"
    path.write_text('role = "narrator"\n[voice]\nsapi5 = "TTS_MS_EN-US_ZIRRA"\n')
    with pytest.raises(VoiceError) as info:
        resolve(load_profiles(tmp_path), SAPI5)
    assert str(path) in str(info.value) and "TTS_MS_EN-US_ZIRRA" in str(info.value)


def test_old_profiles_name_the_espeak_voice(tmp_path):
    path = tmp_path / "old.toml"
    path.write_text('voice = "en-us+m3"\ngender = "male"\n')
    profile = load_profile(path)
    assert profile.voice == "en-us+m3" and profile.voices == (("espeak", "en-us+m3"),)
    assert resolve({"old": profile}, SAPI5)["old"].voice == TOKENS + "TTS_MS_EN-US_DAVID_11.0"


def test_espeak_profiles_without_an_espeak_voice_get_a_variant_of_their_gender(tmp_path):
    from audiobook.audio.engines import catalog

    path = tmp_path / "p.toml"
    path.write_text('gender = "female"\nlanguage = "en-GB"\n[voice]\nsapi5 = "X"\n')
    found = catalog("fake")
    voice = resolve({"p": load_profile(path)}, found)["p"].voice
    assert voice == "en+f1"  # gmw/en is English (Great Britain); f1 is the first female


@pytest.mark.parametrize(
    ("said", "gender"),
    [("Male", Gender.MALE), ("Female", Gender.FEMALE), ("VoiceGenderMale", Gender.MALE),
     ("VoiceGenderFemale", Gender.FEMALE), ("VoiceGenderNeuter", Gender.UNKNOWN),
     (None, Gender.UNKNOWN), ("male", Gender.MALE)],
)  # fmt: skip
def test_driver_genders(said, gender):
    assert engine_gender(said) is gender


@pytest.mark.parametrize(
    ("said", "age"),
    [("Child", "child"), ("Teen", "young"), ("Adult", "adult"), ("Senior", "old"),
     ("8", "child"), ("21", "young"), ("35", "adult"), ("70", "old"), (None, "adult"),
     ("ageless", "adult")],
)  # fmt: skip
def test_driver_ages(said, age):
    assert engine_age(said) == age


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[voice]\nespeak = "../x"\n', "not an engine voice id"),
        ('[voice]\n"bad driver" = "x"\n', "not a pyttsx3 driver name"),
        ('[voice]\nsapi5 = 3\n', "must be a string"),
        ('voice = 3\n', "a table of driver = voice id"),
        ('language = "English please"\n', "use a language tag"),
    ],
)
def test_malformed_voice_tables_name_file_and_key(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(VoiceError) as info:
        load_profile(path)
    assert message in str(info.value) and str(path) in str(info.value)


# --- what drivers write -------------------------------------------------------------


def _wav(samples: np.ndarray, rate: int, channels: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.repeat(samples, channels).astype("<i2").tobytes())
    return buffer.getvalue()


def _aiff(samples: np.ndarray, rate: int) -> bytes:
    return aiff_header(rate, len(samples), 2 * len(samples)) + samples.astype(">i2").tobytes()


def test_book_rate_mono_wav_passes_through_exactly():
    samples = (np.arange(1000) % 200 - 100).astype(np.int16) * 50
    assert to_pcm(_wav(samples, SAMPLE_RATE, 1), "x.wav") == samples.astype("<i2").tobytes()


def test_16_khz_stereo_wav_becomes_book_rate_mono():
    samples = np.full(16000, 3000, dtype=np.int16)  # one second
    pcm = np.frombuffer(to_pcm(_wav(samples, 16000, 2), "x.wav"), dtype="<i2")
    assert abs(len(pcm) - SAMPLE_RATE) <= 32
    assert abs(int(np.median(pcm)) - 3000) <= 2


def test_aiff_is_recognised_by_content_and_decoded():
    samples = (np.arange(SAMPLE_RATE // 2) % 100).astype(np.int16) * 100
    data = _aiff(samples, SAMPLE_RATE)
    assert audio_format(data[:12]) == "aiff" and is_complete(data)
    assert to_pcm(data, "named.wav") == samples.astype("<i2").tobytes()


def test_files_still_being_written_are_not_complete():
    samples = np.ones(100, dtype=np.int16)
    data = _aiff(samples, SAMPLE_RATE)
    assert not is_complete(data[:-10])
    assert not is_complete(_wav(samples, 16000, 1)[:-2])
    assert is_complete(_wav(samples, 16000, 1))
    assert audio_format(b"ID3\x03 not audio") is None


def test_neither_wav_nor_aiff_is_an_engine_error():
    from audiobook.errors import EngineError

    with pytest.raises(EngineError, match="neither WAV nor AIFF"):
        to_pcm(b"OggS" + bytes(100), "clip.wav")


# --- whole books through drivers like SAPI5 and NSSS -------------------------------


def test_drivers_without_save_to_file_or_unknown_are_refused_in_one_line():
    for driver, message in (("dummy", "cannot write speech to a file"),
                            ("no_such_driver", "pyttsx3 has no such driver"),
                            ("../x", "pyttsx3 has no such driver")):  # fmt: skip
        result = runner.invoke(app, ["voices", "--driver", driver])
        assert result.exit_code == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], result.stderr
    result = runner.invoke(app, ["voices", "--engine", "fake", "--driver", "espeak"])
    assert result.exit_code == 1 and "--driver chooses a pyttsx3 driver" in result.stderr


def test_voices_shows_what_each_profile_speaks_with(test_drivers):
    result = run("voices", "--driver", "sapi5_like")
    lines = result.stdout.splitlines()
    assert lines[0] == "Profiles, as they speak with pyttsx3's sapi5_like driver"
    narrator = lines.index(next(line for line in lines if line.startswith("  narrator ")))
    assert lines[narrator + 1] == (
        "    speaks with Microsoft George - English (United Kingdom) "
        f"({TOKENS}TTS_MS_EN-GB_GEORGE_11.0)  (chosen by language, gender, age)"
    )
    assert (
        "  (sapi5_like cannot set pitch: profiles are told apart by voice and rate; characters"
        " sharing a voice get rates a step apart)"
    ) in lines
    assert "Voices installed for pyttsx3's sapi5_like driver (6)" in lines


def _speaker_voices(driver: str) -> tuple[dict[str, str], dict[str, str]]:
    """Profile -> engine voice (from `voices`), and speaker -> profile (from `cast`)."""
    lines = run("voices", "--driver", driver).stdout.splitlines()
    engine_voice = {}
    for line, following in itertools.pairwise(lines):
        if line.startswith("  ") and following.startswith("    speaks with "):
            voice = following.removeprefix("    speaks with ").split("  (chosen")[0]
            engine_voice[line.split()[0]] = voice.rsplit("(", 1)[-1].rstrip(")")
    cast = run("cast", str(SEED0), "--driver", driver).stdout.splitlines()
    profile_of = {"narrator": cast[0].split()[1]}
    for line in cast[1:]:
        name = line.split(":")[0].split(" (also")[0]
        profile_of[name] = line.split(", voice ")[1].split()[0]
    return engine_voice, profile_of


@pytest.mark.slow
@pytest.mark.parametrize("driver", ["sapi5_like", "nsss_like"])
def test_generate_a_seed_through_another_driver(test_drivers, tmp_path, monkeypatch, driver):
    log = tmp_path / "spoken.jsonl"
    monkeypatch.setenv("AUDIOBOOK_TEST_DRIVER_LOG", str(log))
    engine_voice, profile_of = _speaker_voices(driver)
    result = run("generate", str(SEED0), "--driver", driver, "-o", str(tmp_path / "out"),
                 "--cache", str(tmp_path / "cache"), "--jobs", "2")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    script = json.loads(run("script", str(SEED0), "--json", "--driver", driver).stdout)
    text = run("script", str(SEED0), "--text").stdout

    # Each sentence the driver spoke, matched by its words to the one speaker whose
    # segments hold them, was spoken in that speaker's voice.
    spoken = [json.loads(line) for line in log.read_text().splitlines()]
    assert {entry["driver"] for entry in spoken} == {driver}
    said = []
    for seg in script["segments"]:
        if seg["kind"] in ("dialogue", "narration"):
            speaker = seg["speaker"] if seg["kind"] == "dialogue" else "narrator"
            said.append((speaker, " ".join(text[seg["start"]:seg["end"]].split())))
    voices_of: dict[str, set[str]] = {}
    for entry in spoken:
        voices_of.setdefault(" ".join(entry["text"].split()), set()).add(entry["voice"])
    checked: dict[str, set[str]] = {}
    for speaker, segment in said:  # a segment spoken whole (the same words may be
        if segment in voices_of:    # narration elsewhere, so other voices may say them)
            assert engine_voice[profile_of[speaker]] in voices_of[segment], (speaker, segment)
            checked.setdefault(speaker, set()).add(engine_voice[profile_of[speaker]])
    for words, used in voices_of.items():  # a sentence only one speaker says
        speakers = {speaker for speaker, segment in said if words in segment}
        if len(words) >= 20 and len(speakers) == 1:
            (speaker,) = speakers
            assert used == {engine_voice[profile_of[speaker]]}, (speaker, words)
            checked.setdefault(speaker, set()).update(used)
    speaking = {speaker for speaker, _ in said}
    assert checked.keys() == speaking and len(speaking) >= 3, (checked, speaking)
    voices = {speaker: next(iter(used)) for speaker, used in checked.items()}
    characters = [s for s in voices if s != "narrator"]
    assert all(voices[c] != voices["narrator"] for c in characters)
    assert len({voices[c] for c in characters}) >= 2  # characters in different voices

    mp3 = next((tmp_path / "out").glob("*.mp3"))
    chapters = ID3(mp3).getall("CHAP")
    assert len(chapters) == len(script["chapters"]) >= 1
    vtt = mp3.with_suffix(".vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and "<v Narrator>" in vtt
    # The driver's audio (16 kHz stereo, or AIFF) lasts as long in the book as the
    # driver made it: the words at the rate it was given (trimmed of its padding).
    cue_ms = {text: end - start for start, end, _, text in vtt_cues(mp3.with_suffix(".vtt"))}
    timed = [e for e in spoken if e["text"] in cue_ms and len(e["text"].split()) >= 8]
    assert len(timed) >= 5
    for entry in timed:
        expected = len(entry["text"].split()) * 60_000 / entry["rate"]
        assert abs(cue_ms[entry["text"]] - expected) <= 60, entry


@pytest.mark.engine
@pytest.mark.slow
def test_the_systems_own_driver_makes_a_seed(tmp_path):
    """espeak-ng on Linux, SAPI5 on Windows, NSSS on macOS: the real thing, whatever
    voices this machine has installed."""
    result = run("generate", str(SEED0), "-o", str(tmp_path / "out"),
                 "--cache", str(tmp_path / "cache"), "--jobs", "2")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    mp3 = next((tmp_path / "out").glob("*.mp3"))
    assert len(ID3(mp3).getall("CHAP")) == 3
    cues = mp3.with_suffix(".vtt").read_text(encoding="utf-8")
    assert "<v Sasuke>I love you, dobe." in cues and "<v Narrator>" in cues
    cast = run("cast", str(SEED0)).stdout.splitlines()
    narrator_voice = cast[0].rsplit("(", 1)[1]
    assert all(line.rsplit("(", 1)[1] != narrator_voice for line in cast[1:3]), cast
