"""Engines: the fake engine's exact output, voice checks, text splitting, and the real
pyttsx3 engine (through spawned workers, as the pipeline uses it)."""

from __future__ import annotations

import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from audiobook.audio.clips import trim_bounds
from audiobook.audio.engines import (
    EngineVoice,
    catalog,
    create_engine,
    engine_identity,
    list_voices,
    voice_exists,
)
from audiobook.audio.engines.fake import AMPLITUDE, LEAD_SAMPLES, FakeEngine, tone_samples
from audiobook.audio.synthesize import synthesize
from audiobook.casting.plan import split_text
from audiobook.config import SAMPLE_RATE
from audiobook.errors import EngineError, SynthesisError
from audiobook.models import Utterance, VoiceProfile
from tests.conftest import f0_hz


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, SAMPLE_RATE)
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")


def crossings_hz(samples: np.ndarray) -> float:
    """Frequency of a square or sine wave from its sign changes."""
    signs = np.sign(samples[samples != 0])
    changes = np.count_nonzero(np.diff(signs))
    return changes / 2 / (len(samples) / SAMPLE_RATE)


# --- fake engine ---------------------------------------------------------------


def test_fake_engine_output_has_exact_silence_and_tone_lengths(tmp_path: Path) -> None:
    profile = VoiceProfile("p", "en-us+m3", rate=150, volume=0.5)
    out = tmp_path / "a.wav"
    FakeEngine().synthesize("one two three four five", profile, out)
    samples = read_wav(out)
    tone = 5 * 60 * SAMPLE_RATE // 150  # 44100, an exact division
    assert tone_samples("one two three four five", 150) == tone
    assert len(samples) == LEAD_SAMPLES + tone + LEAD_SAMPLES
    assert LEAD_SAMPLES == 6615  # 300 ms
    assert not samples[:LEAD_SAMPLES].any() and not samples[-LEAD_SAMPLES:].any()
    body = samples[LEAD_SAMPLES:-LEAD_SAMPLES]
    assert set(np.abs(body).tolist()) == {AMPLITUDE // 2}


def test_fake_engine_tone_rounds_half_up_and_counts_at_least_one_word() -> None:
    # 1 word at 7 wpm: 60 * 22050 / 7 = 189000 exactly; at 8 wpm 165375 exactly;
    # 1 word at 200 wpm: 6615; at 176 wpm: 7517.045... -> 7517; at 112: 11812.5 -> 11813.
    assert tone_samples("", 7) == 189000
    assert tone_samples("   ", 8) == 165375
    assert tone_samples("word", 200) == 6615
    assert tone_samples("word", 176) == 7517
    assert tone_samples("word", 112) == 11813


def test_fake_engine_pitch_follows_voice_variant_and_pitch(tmp_path: Path) -> None:
    def hz(voice: str, pitch: int) -> float:
        out = tmp_path / f"{voice}-{pitch}.wav"
        FakeEngine().synthesize("a b c d e f g h", VoiceProfile("p", voice, pitch=pitch), out)
        return crossings_hz(read_wav(out)[LEAD_SAMPLES:-LEAD_SAMPLES])

    assert hz("en-us+m3", 50) == pytest.approx(110, rel=0.01)
    assert hz("en-us+f3", 50) == pytest.approx(220, rel=0.01)
    assert hz("en-us+m3", 100) == pytest.approx(220, rel=0.01)


def test_fake_engine_rejects_unknown_voices(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="no voice 'en-us\\+zz9'"):
        FakeEngine().synthesize("hi", VoiceProfile("p", "en-us+zz9"), tmp_path / "x.wav")


def test_unknown_engine_name_is_an_engine_error() -> None:
    with pytest.raises(EngineError, match="no speech engine called 'festival'"):
        create_engine("festival")
    with pytest.raises(EngineError):
        engine_identity("festival")


# --- voice ids -----------------------------------------------------------------

VOICES = (
    EngineVoice("gmw/en-us", "English (America)", ("en-us",)),
    EngineVoice("gmw/en", "English (Great Britain)", ("en-gb",)),
)
VARIANTS = frozenset({"m3", "f3", "Alex"})


@pytest.mark.parametrize(
    ("voice_id", "exists"),
    [
        ("en-us", True),
        ("en-us+m3", True),
        ("EN-US+f3", True),
        ("gmw/en-us+m3", True),
        ("English (America)+Alex", True),
        ("en-gb+m3", True),  # a language of gmw/en
        ("en-us+alex", False),  # variant file names are case-sensitive
        ("en-us+m9", False),
        ("en-us+", False),
        ("+m3", False),
        ("fr", False),
        ("", False),
    ],
)
def test_voice_exists(voice_id: str, exists: bool) -> None:
    assert voice_exists(voice_id, VOICES, VARIANTS) is exists


def test_the_catalog_knows_which_ids_the_fake_engine_lacks() -> None:
    found = catalog("fake")
    ids = ["en-us+m3", "en+f2", "xx", "en-us+q"]
    assert {i for i in ids if not found.has(i)} == {"xx", "en-us+q"}


# --- text splitting ------------------------------------------------------------


def test_split_text_prefers_sentence_ends_then_clauses_then_spaces() -> None:
    assert split_text("Aaa bbb. Ccc ddd, eee fff", 20) == ["Aaa bbb. Ccc ddd, ", "eee fff"]
    assert split_text("Aaaa bbbb. Cccc dddd eeee", 12) == ["Aaaa bbbb. ", "Cccc dddd ", "eeee"]
    assert split_text("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert split_text("short", 100) == ["short"]
    assert split_text("", 10) == [""]


@given(st.text(alphabet=st.sampled_from("ab .,;!?\n\u2026"), max_size=400), st.integers(1, 60))
def test_split_text_pieces_tile_the_text_and_respect_the_limit(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert "".join(pieces) == text
    assert all(len(piece) <= limit for piece in pieces)
    assert all(pieces[:-1])


# --- real engine ---------------------------------------------------------------

PANGRAM = "The quick brown fox jumps over the lazy dog while the cat watches quietly"


@pytest.fixture(scope="module")
def real_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    """Real espeak-ng clips made by two spawned workers, trimmed of edge silence."""
    profiles = {
        "slow": VoiceProfile("slow", "en-us+m3", rate=120),
        "fast": VoiceProfile("fast", "en-us+m3", rate=240),
        "male": VoiceProfile("male", "en-us+m3", rate=175),
        "female": VoiceProfile("female", "en-us+f3", rate=175),
        "long": VoiceProfile("long", "en-us", rate=450),
    }
    long_text = ("The lantern swayed as they walked, and nobody said a word. " * 430)[:25_000]
    texts = {name: PANGRAM for name in profiles} | {"long": long_text}
    utterances = [Utterance(texts[name], profiles[name], None, 0, 0) for name in profiles]
    cache = tmp_path_factory.mktemp("real-cache")
    clips = list(synthesize(utterances, "pyttsx3", cache, jobs=2))
    out = {}
    for name, clip in zip(profiles, clips, strict=True):
        samples = read_wav(clip.path)
        start, end = trim_bounds(samples, -50.0, 0)
        out[name] = samples[start:end]
    return out


@pytest.mark.engine
@pytest.mark.espeak
def test_real_engine_speaking_rate_scales_duration(real_clips: dict[str, np.ndarray]) -> None:
    ratio = len(real_clips["slow"]) / len(real_clips["fast"])
    assert 2 / 1.15 < ratio < 2 * 1.15, ratio


@pytest.mark.engine
@pytest.mark.espeak
def test_real_engine_female_variant_has_higher_pitch(real_clips: dict[str, np.ndarray]) -> None:
    male, female = f0_hz(real_clips["male"]), f0_hz(real_clips["female"])
    assert female > 1.4 * male, (male, female)


@pytest.mark.engine
@pytest.mark.espeak
def test_real_engine_speaks_25000_characters_in_pieces(real_clips: dict[str, np.ndarray]) -> None:
    # 4,300 words at 450 wpm is about 9.5 minutes; one espeak call of this size would crash.
    seconds = len(real_clips["long"]) / SAMPLE_RATE
    assert seconds > 6 * 60, seconds


@pytest.mark.engine
@pytest.mark.espeak
def test_real_engine_keeps_stdout_clean(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    utterances = [Utterance("Hello there.", VoiceProfile("p", "en-us+m3"), None, 0, 0)]
    clips = list(synthesize(utterances, "pyttsx3", tmp_path, jobs=1))
    assert len(read_wav(clips[0].path)) > SAMPLE_RATE // 4
    assert capfd.readouterr().out == ""


@pytest.mark.engine
@pytest.mark.espeak
def test_real_engine_switching_voices_never_drops_a_clip_or_keeps_a_stale_rate(
    tmp_path: Path,
) -> None:
    # One worker speaks the same line in voice A three times, then alternates A and B.
    # Each A profile differs only in volume (so each is its own cache entry); every A
    # clip must last as long as the others: a rate left over from B would change it,
    # and a message espeak-ng ended before it began would leave no speech at all.
    def a(i: int) -> VoiceProfile:
        return VoiceProfile(f"a{i}", "en-gb-x-rp+m1", rate=165, pitch=45, volume=1 - i / 1000)

    def b(i: int) -> VoiceProfile:
        return VoiceProfile(f"b{i}", "en-us+f3", rate=240, pitch=70, volume=1 - i / 1000)

    order = [a(0), a(1), a(2)] + [p for i in range(3, 40) for p in (b(i), a(i))]
    line = "I love you, dobe."
    utterances = [Utterance(line, profile, None, 0, 0) for profile in order]
    clips = list(synthesize(utterances, "pyttsx3", tmp_path, jobs=1))
    spoken = []
    for profile, clip in zip(order, clips, strict=True):
        samples = read_wav(clip.path)
        start, end = trim_bounds(samples, -50.0, 0)
        spoken.append((profile.name[0], end - start))
    assert all(length > SAMPLE_RATE // 2 for _, length in spoken), spoken
    a_lengths = [length for name, length in spoken if name == "a"]
    assert min(a_lengths) > 0.97 * max(a_lengths), a_lengths


@pytest.mark.engine
@pytest.mark.espeak
def test_real_engine_voices_are_listed_and_checked_without_loading_pyttsx3_here() -> None:
    ids = {voice.id for voice in list_voices("pyttsx3")}
    assert "gmw/en-us" in ids
    found = catalog("pyttsx3")
    ids = ["en-us+m3", "en-us+f3", "en-us+zz", "qq-nope"]
    assert {i for i in ids if not found.has(i)} == {
        "en-us+zz",
        "qq-nope",
    }
    identity = engine_identity("pyttsx3")
    assert identity.startswith("pyttsx3-2.") and "+espeak-ng-1." in identity
    assert identity.endswith("+driver-2")
    # espeak lives only in child processes (pyttsx3 itself may be imported here, to
    # learn its default driver, which loads no driver)
    assert not {"pyttsx3.drivers.espeak", "pyttsx3.drivers._espeak"} & sys.modules.keys()


@pytest.mark.engine
@pytest.mark.espeak
def test_real_engine_failure_names_the_text(tmp_path: Path) -> None:
    profile = VoiceProfile("p", "en-us+zz")  # espeak itself would fall back to English
    utterances = [Utterance("He turned to Gaius and smiled.", profile, None, 0, 0)]
    with pytest.raises(SynthesisError, match=r"'He turned to Gaius and smiled.'.*no voice"):
        list(synthesize(utterances, "pyttsx3", tmp_path, jobs=1))


@pytest.mark.engine
@pytest.mark.espeak
def test_shipped_profiles_voices_exist_in_both_engines() -> None:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    folder = Path(__file__).resolve().parent.parent / "voices"
    files = sorted(folder.glob("*.toml"))
    ids = [tomllib.loads(p.read_text())["voice"]["espeak"] for p in files]
    assert ids
    assert all(catalog("fake").has(i) for i in ids)
    assert all(catalog("pyttsx3").has(i) for i in ids)


# --- tools ---------------------------------------------------------------------


def test_ffmpeg_falls_back_to_the_wheel_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    import imageio_ffmpeg

    from audiobook import tools

    monkeypatch.setattr(tools.shutil, "which", lambda name: None)
    tools.ffmpeg_exe.cache_clear()
    tools.ffprobe_exe.cache_clear()
    try:
        assert tools.ffmpeg_exe() == imageio_ffmpeg.get_ffmpeg_exe()
        assert tools.ffprobe_exe() is None
    finally:
        tools.ffmpeg_exe.cache_clear()
        tools.ffprobe_exe.cache_clear()


def test_pydub_imports_without_warnings_and_uses_our_ffmpeg() -> None:
    import subprocess

    code = (
        "from audiobook import tools; m = tools.pydub(); "
        "assert m.AudioSegment.converter == tools.ffmpeg_exe()"
    )
    env = {"PATH": "/nonexistent", "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr


@pytest.mark.engine
@pytest.mark.espeak
def test_the_espeak_engine_asks_pyttsx3_for_espeak_whatever_its_default() -> None:
    import subprocess

    # pyttsx3's default driver made "dummy" here, as another system's default would be.
    code = (
        "import sys, pyttsx3.engine as e; e._engines_by_sys_platform[sys.platform] = ('dummy',)\n"
        "from audiobook.audio.engines.pyttsx3_engine import Pyttsx3Engine\n"
        "print(Pyttsx3Engine()._tts.proxy._module.__name__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)  # fmt: skip
    assert done.stdout.strip() == "pyttsx3.drivers.espeak"
