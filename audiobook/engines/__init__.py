"""The speech engine interface and the engines that implement it.

An engine turns one piece of text, spoken with one voice profile, into one mono
16-bit WAV file. Engines are created by name inside synthesis worker processes,
never in the main process (espeak-ng must not be initialised before a fork, and
a second pyttsx3 engine in one process hangs the first). What the main process
needs to know about an engine (its identity, its voices) it gets without one.
"""

from __future__ import annotations

import functools
import importlib.util
import multiprocessing
import pkgutil
import re
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

#: Drivers whose voices are espeak-ng's and whose ids name a voice and variant.
ESPEAK = "espeak"


@dataclass(frozen=True)
class EngineSpec:
    """Which engine speaks: its name and, for pyttsx3, the driver module to use."""

    name: str = "pyttsx3"
    driver: str | None = None
    """A module under ``pyttsx3.drivers`` (``espeak``, ``sapi5``, ``nsss``, …);
    None is pyttsx3's own choice for this platform."""

    def __str__(self) -> str:
        return f"{self.name} ({self.driver})" if self.driver else self.name


@dataclass(frozen=True)
class EngineVoice:
    id: str
    name: str
    languages: tuple[str, ...] = ()
    gender: str | None = None
    age: str | None = None
    """As the driver says it: "Adult", "Senior", or an age in years."""


class Engine(Protocol):
    name: str

    def voices(self) -> tuple[EngineVoice, ...]: ...

    def synthesize(self, text: str, profile: VoiceProfile, out: Path) -> None:
        """Write ``text`` spoken with ``profile`` to ``out`` as a complete WAV file."""
        ...


@dataclass(frozen=True)
class Catalog:
    """An engine's installed voices, what its driver can do, and espeak's voice
    variants (``voices/!v``)."""

    voices: tuple[EngineVoice, ...]
    variants: frozenset[str]
    driver: str = ESPEAK
    """The pyttsx3 driver (the fake engine stands in for espeak)."""
    pitch: bool = True
    """Whether the driver can set a voice's pitch."""


def as_spec(engine: str | EngineSpec) -> EngineSpec:
    spec = EngineSpec(engine) if isinstance(engine, str) else engine
    if spec.name not in ENGINE_NAMES:
        raise EngineError(
            f"There is no speech engine called {spec.name!r}; "
            f"choose one of {', '.join(ENGINE_NAMES)}."
        )
    if spec.driver is not None and spec.name != "pyttsx3":
        raise EngineError(f"--driver chooses a pyttsx3 driver; the {spec.name} engine has none.")
    return spec


_DRIVER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


@functools.cache
def driver_name(engine: str | EngineSpec) -> str:
    """The pyttsx3 driver ``engine`` uses, checked to exist (without importing it)."""
    spec = as_spec(engine)
    if spec.name == "fake":
        return ESPEAK
    if spec.driver is None:
        try:
            from pyttsx3.engine import default_engine_by_sys_platform
        except ImportError as exc:
            raise EngineError(f"pyttsx3 is not installed ({exc}): pip install pyttsx3.") from exc
        return default_engine_by_sys_platform()
    name = spec.driver
    found = None
    if _DRIVER_NAME.fullmatch(name):
        try:
            found = importlib.util.find_spec(f"pyttsx3.drivers.{name}")
        except (ImportError, ValueError):
            found = None
    if found is None:
        raise EngineError(
            f"--driver {name!r}: pyttsx3 has no such driver "
            f"(here it has {', '.join(installed_drivers()) or 'none'})."
        )
    return name


def installed_drivers() -> list[str]:
    """The driver modules under ``pyttsx3.drivers``, as names for ``--driver``."""
    try:
        import pyttsx3.drivers as drivers
    except ImportError:
        return []
    return sorted(
        module.name
        for module in pkgutil.iter_modules(drivers.__path__)
        if not module.name.startswith("_")
    )


def create_engine(engine: str | EngineSpec) -> Engine:
    """The engine ``engine`` names; for pyttsx3, call only in a worker process."""
    spec = as_spec(engine)
    if spec.name == "fake":
        from audiobook.engines.fake import FakeEngine

        return FakeEngine()
    driver = driver_name(spec)
    if driver == ESPEAK:
        from audiobook.engines.pyttsx3_engine import shared_engine

        return shared_engine()
    from audiobook.engines.pyttsx3_general import shared_general_engine

    return shared_general_engine(driver)


#: Raised whenever our way of driving pyttsx3 changes what it writes, so clips made
#: the old way are not reused (2: a voice's rate and pitch are read back before
#: each text, where before about one clip in ten after a voice change kept the
#: previous voice's rate).
PYTTSX3_DRIVER_REVISION = 2
#: Likewise for the path every driver but espeak takes (pyttsx3_general).
GENERAL_DRIVER_REVISION = 1


@functools.cache
def engine_identity(engine: str | EngineSpec) -> str:
    """A string that changes whenever the engine's audio may change (for the clip cache).

    It names the driver; the voice actually used is in each clip's settings. Computed
    without initialising espeak, so it is safe in the main process.
    """
    spec = as_spec(engine)
    if spec.name == "fake":
        from audiobook.engines.fake import IDENTITY

        return IDENTITY
    try:
        pyttsx3_version = metadata.version("pyttsx3")
    except metadata.PackageNotFoundError as exc:
        raise EngineError("pyttsx3 is not installed: pip install pyttsx3.") from exc
    driver = driver_name(spec)
    if driver != ESPEAK:
        revision = GENERAL_DRIVER_REVISION
        return f"pyttsx3-{pyttsx3_version}+{driver}+{sys.platform}+general-{revision}"
    if not sys.platform.startswith("linux"):
        return f"pyttsx3-{pyttsx3_version}+{sys.platform}"
    from audiobook import tools

    lib = tools.espeak_library()
    origin = "espeakng-loader" if lib.bundled else "system"
    return (
        f"pyttsx3-{pyttsx3_version}+espeak-ng-{tools.espeak_version()}-{origin}"
        f"+driver-{PYTTSX3_DRIVER_REVISION}"
    )


def _catalog_here(spec: EngineSpec) -> Catalog:
    engine = create_engine(spec)
    variants: Iterable[str] = getattr(engine, "variants", lambda: ())()
    pitch = bool(getattr(engine, "can_set_pitch", True))
    return Catalog(engine.voices(), frozenset(variants), driver_name(spec), pitch)


@functools.cache
def catalog(engine: str | EngineSpec) -> Catalog:
    """The engine's voices and variants; pyttsx3 is asked in a spawned child process."""
    spec = as_spec(engine)
    if spec.name == "fake":
        return _catalog_here(spec)
    driver_name(spec)  # an unknown driver is reported here, before a child is started
    # spawn, not fork: the child must start clean and the parent must stay clean of espeak.
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            return pool.submit(_catalog_here, spec).result(timeout=120)
    except EngineError:
        raise
    except (BrokenProcessPool, TimeoutError, OSError, RuntimeError, ValueError) as exc:
        raise EngineError(f"The {spec} engine could not list its voices ({exc}).") from exc


def list_voices(engine: str | EngineSpec) -> tuple[EngineVoice, ...]:
    """The voices the engine has installed."""
    return catalog(engine).voices


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


def check_voices(engine: str | EngineSpec, ids: Iterable[str]) -> set[str]:
    """The voice ids among ``ids`` the engine lacks (one child process for all)."""
    found = catalog(engine)
    if found.driver != ESPEAK:
        known = {voice.id for voice in found.voices}
        return {voice_id for voice_id in ids if voice_id not in known}
    return {
        voice_id for voice_id in ids if not voice_exists(voice_id, found.voices, found.variants)
    }
