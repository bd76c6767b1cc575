"""The speech engine interface and the engines that implement it.

An engine turns one piece of text, spoken with one voice profile, into one mono
16-bit WAV file. Engines are created by name inside synthesis worker processes,
never in the main process (espeak-ng must not be initialised before a fork, and
a second pyttsx3 engine in one process hangs the first). What the main process
needs to know about an engine (its identity, its voices) it gets without one.
"""

from __future__ import annotations

import functools
import multiprocessing
import sys
from collections.abc import Collection, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Protocol

from audiobook.errors import EngineError
from audiobook.models import VoiceProfile

ENGINE_NAMES = ("pyttsx3", "fake")


@dataclass(frozen=True)
class EngineVoice:
    id: str
    name: str
    languages: tuple[str, ...] = ()
    gender: str | None = None


class Engine(Protocol):
    name: str

    def voices(self) -> tuple[EngineVoice, ...]: ...

    def synthesize(self, text: str, profile: VoiceProfile, out: Path) -> None:
        """Write ``text`` spoken with ``profile`` to ``out`` as a complete WAV file."""
        ...


@dataclass(frozen=True)
class Catalog:
    """An engine's installed voices and voice variants (espeak's ``voices/!v``)."""

    voices: tuple[EngineVoice, ...]
    variants: frozenset[str]


def _check_name(name: str) -> None:
    if name not in ENGINE_NAMES:
        raise EngineError(
            f"There is no speech engine called {name!r}; choose one of {', '.join(ENGINE_NAMES)}."
        )


def create_engine(name: str) -> Engine:
    """The engine called ``name``; for pyttsx3, call only in a worker process."""
    _check_name(name)
    if name == "fake":
        from audiobook.engines.fake import FakeEngine

        return FakeEngine()
    from audiobook.engines.pyttsx3_engine import shared_engine

    return shared_engine()


#: Raised whenever our way of driving pyttsx3 changes what it writes, so clips made
#: the old way are not reused (2: a voice's rate and pitch are read back before
#: each text, where before about one clip in ten after a voice change kept the
#: previous voice's rate).
PYTTSX3_DRIVER_REVISION = 2


@functools.cache
def engine_identity(name: str) -> str:
    """A string that changes whenever the engine's audio may change (for the clip cache).

    Computed without initialising espeak, so it is safe in the main process.
    """
    _check_name(name)
    if name == "fake":
        from audiobook.engines.fake import IDENTITY

        return IDENTITY
    try:
        pyttsx3_version = metadata.version("pyttsx3")
    except metadata.PackageNotFoundError as exc:
        raise EngineError("pyttsx3 is not installed: pip install pyttsx3.") from exc
    if not sys.platform.startswith("linux"):
        return f"pyttsx3-{pyttsx3_version}+{sys.platform}"
    from audiobook import tools

    lib = tools.espeak_library()
    origin = "espeakng-loader" if lib.bundled else "system"
    return (
        f"pyttsx3-{pyttsx3_version}+espeak-ng-{tools.espeak_version()}-{origin}"
        f"+driver-{PYTTSX3_DRIVER_REVISION}"
    )


def _catalog_here(name: str) -> Catalog:
    engine = create_engine(name)
    variants: Iterable[str] = getattr(engine, "variants", lambda: ())()
    return Catalog(engine.voices(), frozenset(variants))


@functools.cache
def catalog(name: str) -> Catalog:
    """The engine's voices and variants; pyttsx3 is asked in a spawned child process."""
    _check_name(name)
    if name == "fake":
        return _catalog_here(name)
    # spawn, not fork: the child must start clean and the parent must stay clean of espeak.
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            return pool.submit(_catalog_here, name).result(timeout=120)
    except EngineError:
        raise
    except (BrokenProcessPool, TimeoutError, OSError, RuntimeError, ValueError) as exc:
        raise EngineError(f"The {name} engine could not list its voices ({exc}).") from exc


def list_voices(name: str) -> tuple[EngineVoice, ...]:
    """The voices the engine has installed."""
    return catalog(name).voices


def voice_exists(voice_id: str, voices: Sequence[EngineVoice], variants: Collection[str]) -> bool:
    """Whether espeak-style ``voice[+variant]`` names an installed voice and variant.

    The voice part matches, ignoring case, a voice's id, the id's last part
    (``en-us`` for ``gmw/en-us``), its name or one of its languages, as espeak-ng's
    SetVoiceByName does; the variant must be a file in ``voices/!v`` (case counts).
    espeak itself accepts unknown names silently, falling back to English, so this
    check is the only place a typo is caught.
    """
    base, plus, variant = voice_id.partition("+")
    if plus and variant not in variants:
        return False
    wanted = base.strip().lower()
    if not wanted:
        return False
    for voice in voices:
        names = {voice.id.lower(), voice.id.rsplit("/", 1)[-1].lower(), voice.name.lower()}
        names.update(language.lower() for language in voice.languages)
        if wanted in names:
            return True
    return False


def check_voices(name: str, ids: Iterable[str]) -> set[str]:
    """The voice ids among ``ids`` the engine lacks (one child process for all)."""
    found = catalog(name)
    return {
        voice_id for voice_id in ids if not voice_exists(voice_id, found.voices, found.variants)
    }
