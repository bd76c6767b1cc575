"""Piper voices on disk: where they are looked for, what each model file's settings
say, and the catalog of voices casting chooses from.

A Piper voice is a model file ``NAME.onnx`` with its settings beside it in
``NAME.onnx.json``. Users keep them in folders of their own; ``search_path`` gives
the folders looked in (``--piper-voices`` first, then ``AUDIOBOOK_PIPER_VOICES``,
then ``piper/`` in the platform's data folder) and ``find_models`` what is there.
Nothing here ever downloads, and nothing imports piper or onnxruntime: the main
process reads only the models' JSON files (and hashes a model for the clip cache).

A voice id is the model's name (``en_US-joe-medium``), or for a model with several
speakers the name and a speaker id (``en_US-libritts_r-medium:12``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audiobook.errors import EngineError
from audiobook.models import PIPER, PIPER_VOICE_ID, Catalog, EngineVoice

ENV_VARIABLE = "AUDIOBOOK_PIPER_VOICES"
"""Folders of Piper voices, separated as PATH is (``:`` on Linux and macOS)."""

NEEDS_EXTRA = (
    "The piper engine needs Piper and onnxruntime, which are not installed: "
    "pip install 'audiobook[piper]'."
)


SUPPORTED_PHONEMES = ("espeak", "text")
"""Phoneme types Piper handles with what it installs. Its Chinese voices fetch a
further model on first use, which this tool never lets happen."""

MAX_CONFIG_BYTES = 16 << 20
"""A voice's JSON settings are a few kilobytes; anything far larger is not one."""

EXAMPLE_VOICE = "en_US-lessac-medium"


@dataclass(frozen=True)
class PiperModel:
    """One Piper voice model found on disk, as its JSON settings describe it."""

    name: str
    path: Path
    language: str = ""
    """A BCP 47 tag (``en-US``)."""
    quality: str = ""
    """Piper's quality name: x_low, low, medium or high."""
    sample_rate: int = 0
    speakers: int = 1
    speaker_names: tuple[str, ...] = ()
    """Speaker names by id, where the model names them."""
    length_scale: float = 1.0
    noise_scale: float = 0.667
    noise_w: float = 0.8
    problem: str = ""
    """Why the model cannot be used here; empty for a usable one."""

    @property
    def config_path(self) -> Path:
        return self.path.with_name(self.path.name + ".json")

    def voice_ids(self) -> tuple[str, ...]:
        if self.speakers == 1:
            return (self.name,)
        return tuple(f"{self.name}:{i}" for i in range(self.speakers))


def download_command(folder: Path | str = "DIR", voice: str = EXAMPLE_VOICE) -> str:
    """The command that fetches ``voice`` into ``folder`` with Piper's own downloader."""
    python = shlex.quote(sys.executable or "python3")
    return f"{python} -m piper.download_voices {voice} --download-dir {shlex.quote(str(folder))}"


def data_folder() -> Path:
    """``piper/`` in the platform's data folder (``~/.local/share/audiobook/piper``)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("audiobook", appauthor=False)) / PIPER


def search_path(given: tuple[Path, ...] = ()) -> tuple[Path, ...]:
    """The folders to look for Piper voices in, first ones first: ``given``
    (``--piper-voices``, each of which must exist), ``AUDIOBOOK_PIPER_VOICES``, then
    the platform's data folder."""
    for folder in given:
        if not _is_folder(folder):
            raise EngineError(f"--piper-voices {folder}: no such folder.")
    listed = os.environ.get(ENV_VARIABLE, "")
    found = [*given, *(Path(p) for p in listed.split(os.pathsep) if p.strip()), data_folder()]
    return tuple(dict.fromkeys(_absolute(path) for path in found))


def _absolute(path: Path) -> Path:
    try:
        return path.expanduser().absolute()
    except RuntimeError:  # "~user" of no such user, or no home folder
        return path.absolute()


def _is_folder(path: Path) -> bool:
    """Whether ``path`` is a folder this process can look into."""
    try:
        return path.is_dir() and os.access(path, os.R_OK | os.X_OK)
    except OSError:
        return False


def _language(settings: dict[str, Any], name: str) -> str:
    language = settings.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    if not isinstance(code, str) or not code:
        espeak = settings.get("espeak")
        code = espeak.get("voice") if isinstance(espeak, dict) else None
    if not isinstance(code, str) or not code:
        code = name.split("-", 1)[0]
    return code.replace("_", "-")


def _count(value: object, low: int, high: int) -> int | None:
    """``value`` if it is a whole number from ``low`` to ``high``, else None."""
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    return None


def _number(value: object, default: float) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 10:
        return float(value)
    return default


def read_model(path: Path) -> PiperModel:
    """The model at ``path`` (``NAME.onnx``) as its JSON settings describe it; a model
    that cannot be used says why in ``problem``."""
    name = path.name[: -len(".onnx")]
    model = PiperModel(name, path)
    if not PIPER_VOICE_ID.fullmatch(name) or ":" in name:
        problem = "its name is not a Piper voice's (letters, digits, '_', '.', '-' and '+')"
        return PiperModel(name, path, problem=problem)
    config = model.config_path
    try:
        if config.stat().st_size > MAX_CONFIG_BYTES:
            return PiperModel(name, path, problem=f"{config.name} is too large to be its settings")
        settings = json.loads(config.read_bytes())
    except FileNotFoundError:
        return PiperModel(name, path, problem=f"no {config.name} beside it")
    except (OSError, ValueError, RecursionError) as exc:
        return PiperModel(name, path, problem=f"{config.name} cannot be read ({exc})")
    if not isinstance(settings, dict):
        return PiperModel(name, path, problem=f"{config.name} is not a Piper voice's settings")
    audio = settings.get("audio")
    rate = _count(audio.get("sample_rate") if isinstance(audio, dict) else None, 8000, 192000)
    quality = audio.get("quality") if isinstance(audio, dict) else None
    speakers = _count(settings.get("num_speakers", 1), 1, 100000)
    phonemes = settings.get("phoneme_type", "espeak")
    if rate is None:
        return PiperModel(name, path, problem=f"{config.name} gives no usable sample rate")
    if speakers is None:
        return PiperModel(name, path, problem=f"{config.name} gives no usable speaker count")
    if not isinstance(settings.get("phoneme_id_map"), dict):
        return PiperModel(name, path, problem=f"{config.name} has no phoneme map")
    if phonemes not in SUPPORTED_PHONEMES:
        problem = f"its phoneme type {str(phonemes)[:20]!r} is not supported here"
        return PiperModel(name, path, problem=problem)
    ids = settings.get("speaker_id_map")
    names = [""] * speakers
    if isinstance(ids, dict):
        for speaker, number in ids.items():
            if isinstance(number, int) and 0 <= number < speakers:
                names[number] = str(speaker)[:60]
    inference = settings.get("inference")
    inference = inference if isinstance(inference, dict) else {}
    return PiperModel(
        name, path, _language(settings, name), str(quality or name.rsplit("-", 1)[-1])[:20],
        rate, speakers, tuple(names) if any(names) else (),
        _number(inference.get("length_scale"), 1.0), _number(inference.get("noise_scale"), 0.667),
        _number(inference.get("noise_w"), 0.8),
    )  # fmt: skip


def find_models(folders: tuple[Path, ...]) -> tuple[PiperModel, ...]:
    """Every ``*.onnx`` model in ``folders`` and their subfolders (symbolic links to
    folders are not followed), by name; where two share a name, the first folder's."""
    found: dict[str, PiperModel] = {}
    for folder in folders:
        if not _is_folder(folder):
            continue
        for root, dirs, files in os.walk(folder):  # unreadable subfolders are skipped
            dirs.sort()
            for file in sorted(files):
                if file.endswith(".onnx") and len(file) > len(".onnx"):
                    model = read_model(Path(root) / file)
                    found.setdefault(model.name, model)
    return tuple(sorted(found.values(), key=lambda m: m.name))


def installed() -> bool:
    """Whether Piper and onnxruntime can be imported (checked without importing them)."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("piper", "onnxruntime"))


def piper_catalog(folders: tuple[Path, ...]) -> Catalog:
    """The Piper voices in ``folders``: one per model, or per speaker of a model with
    several. Piper says nothing of a speaker's gender or age."""
    if not installed():
        raise EngineError(NEEDS_EXTRA)
    models = [m for m in find_models(folders) if not m.problem]
    if not models:
        where = ", ".join(str(f) for f in folders)
        raise EngineError(
            f"No Piper voices found in {where}. Get one with Piper's downloader: "
            f"{download_command(folders[-1] if folders else data_folder())}"
        )
    voices = []
    for model in models:
        for number, voice_id in enumerate(model.voice_ids()):
            speaker = model.speaker_names[number] if model.speaker_names else ""
            label = model.name
            if model.speakers > 1:
                label = f"{model.name}, speaker {speaker or number}"
            voices.append(EngineVoice(voice_id, label, (model.language,)))
    return Catalog(tuple(voices), frozenset(), driver=PIPER, pitch=False, engine=PIPER)


def parse_voice(voice_id: str) -> tuple[str, int | None]:
    """(model name, speaker id or None) of a Piper voice id."""
    match = PIPER_VOICE_ID.fullmatch(voice_id)
    if match is None:
        raise EngineError(f"{voice_id!r} is not a Piper voice (such as {EXAMPLE_VOICE}).")
    speaker = match["speaker"]
    return match["model"], None if speaker is None else int(speaker)


def find_voice(
    folders: tuple[Path, ...], voice_id: str, models: tuple[PiperModel, ...] | None = None
) -> tuple[PiperModel, int | None]:
    """The model and speaker ``voice_id`` names, found in ``folders`` (whose ``models``
    may be given, found already)."""
    name, speaker = parse_voice(voice_id)
    for model in find_models(folders) if models is None else models:
        if model.name == name:
            if model.problem:
                raise EngineError(f"The Piper voice {model.path} cannot be used: {model.problem}.")
            if model.speakers > 1 and (speaker is None or speaker >= model.speakers):
                raise EngineError(
                    f"The Piper voice {name} has speakers 0 to {model.speakers - 1}; "
                    f"name one as {name}:N."
                )
            return model, speaker if model.speakers > 1 else None
    raise EngineError(
        f"The Piper voice {name} is not in {', '.join(str(f) for f in folders)}; "
        f"`audiobook voices --engine piper` lists the voices found."
    )


def model_hash(path: Path) -> str:
    """The sha256 of a model file and of its settings beside it (``NAME.onnx.json``,
    which also shape the audio), read once per process while the files are unchanged."""
    config = path.with_name(path.name + ".json")
    try:
        found = [(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in (path, config)]
    except OSError as exc:
        raise EngineError(f"The Piper voice {path} cannot be read ({exc.strerror}).") from None
    return hashlib.sha256("".join(_hash(*f) for f in found).encode()).hexdigest()


@functools.lru_cache(maxsize=64)
def _hash(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as file:
            while block := file.read(1 << 20):
                digest.update(block)
    except OSError as exc:
        raise EngineError(f"The Piper voice {path} cannot be read ({exc.strerror}).") from None
    return digest.hexdigest()
