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
import os
import pkgutil
import sys
import threading
from collections.abc import Iterable
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Protocol

from audiobook.errors import AudiobookError, EngineError
from audiobook.models import (
    DRIVER_NAME,
    ENGINE_NAMES,
    ESPEAK,
    PIPER,
    Catalog,
    EngineSpec,
    EngineVoice,
    VoiceProfile,
    voice_exists,
)


class Engine(Protocol):
    name: str

    def voices(self) -> tuple[EngineVoice, ...]: ...

    def synthesize(self, text: str, profile: VoiceProfile, out: Path) -> None:
        """Write ``text`` spoken with ``profile`` to ``out`` as a complete WAV file."""
        ...


def as_spec(engine: str | EngineSpec) -> EngineSpec:
    spec = EngineSpec(engine) if isinstance(engine, str) else engine
    if spec.name not in ENGINE_NAMES:
        raise EngineError(
            f"There is no speech engine called {spec.name!r}; "
            f"choose one of {', '.join(ENGINE_NAMES)}."
        )
    if spec.driver is not None and spec.name == "fake":
        raise EngineError("--driver chooses a pyttsx3 driver; the fake engine has none.")
    return spec


@functools.cache
def driver_name(engine: str | EngineSpec) -> str:
    """The pyttsx3 driver ``engine`` uses, checked to exist (without importing it)."""
    spec = as_spec(engine)
    if spec.name == "fake":
        return ESPEAK
    if spec.name == PIPER:
        return PIPER
    if spec.driver is None:
        try:
            from pyttsx3.engine import default_engine_by_sys_platform
        except ImportError as exc:
            raise EngineError(f"pyttsx3 is not installed ({exc}): pip install pyttsx3.") from exc
        return default_engine_by_sys_platform()
    name = spec.driver
    found = None
    if DRIVER_NAME.fullmatch(name):
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
        from audiobook.audio.engines.fake import FakeEngine

        return FakeEngine()
    if spec.name == PIPER:
        from audiobook.audio.engines.piper import PiperEngine

        return PiperEngine(spec.piper_voices)
    driver = driver_name(spec)
    if driver == ESPEAK:
        from audiobook.audio.engines.pyttsx3_engine import shared_engine

        return shared_engine()
    from audiobook.audio.engines.pyttsx3_general import shared_general_engine

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
        from audiobook.audio.engines.fake import IDENTITY

        return IDENTITY
    if spec.name == PIPER:
        from audiobook.audio.engines.piper import REVISION
        from audiobook.audio.engines.piper_voices import NEEDS_EXTRA

        try:
            piper, onnx, soxr = (metadata.version(name) for name in ("piper-tts", "onnxruntime",
                                                                      "soxr"))  # fmt: skip
        except metadata.PackageNotFoundError:
            raise EngineError(NEEDS_EXTRA) from None
        return f"piper-tts-{piper}+onnxruntime-{onnx}+soxr-{soxr}+audiobook-{REVISION}"
    try:
        pyttsx3_version = metadata.version("pyttsx3")
    except metadata.PackageNotFoundError as exc:
        raise EngineError("pyttsx3 is not installed: pip install pyttsx3.") from exc
    driver = driver_name(spec)
    if driver != ESPEAK:
        revision = GENERAL_DRIVER_REVISION
        return f"pyttsx3-{pyttsx3_version}+{driver}+{sys.platform}+general-{revision}"
    from audiobook import tools

    lib = tools.espeak_library()
    origin = "espeakng-loader" if lib.bundled else "system"
    where = "" if sys.platform.startswith("linux") else f"-{sys.platform}"
    return (
        f"pyttsx3-{pyttsx3_version}+espeak-ng-{tools.espeak_version()}-{origin}{where}"
        f"+driver-{PYTTSX3_DRIVER_REVISION}"
    )


def voice_identity(engine: str | EngineSpec, profile: VoiceProfile) -> str:
    """The identity of the engine ``profile`` speaks with (its own, else ``engine``):
    for Piper, with the hash of the voice's model file, so a changed model is new audio."""
    spec = as_spec(engine).using(profile.engine)
    identity = engine_identity(spec)
    if spec.name == PIPER:
        from audiobook.audio.engines.piper_voices import model_hash

        identity += f"+model-{model_hash(_piper_model(spec.piper_voices, profile.voice))}"
    return identity


def _piper_model(folders: tuple[Path, ...], voice_id: str) -> Path:
    """The model file of a Piper voice, looked for once while it stays where it was."""
    path = _find_piper_model(folders, voice_id)
    if not path.is_file():  # moved or deleted since: look again
        _find_piper_model.cache_clear()
        path = _find_piper_model(folders, voice_id)
    return path


@functools.lru_cache(maxsize=256)
def _find_piper_model(folders: tuple[Path, ...], voice_id: str) -> Path:
    from audiobook.audio.engines.piper_voices import find_voice

    return find_voice(folders, voice_id)[0].path


def _catalog_here(spec: EngineSpec) -> Catalog:
    engine = create_engine(spec)
    variants: Iterable[str] = getattr(engine, "variants", lambda: ())()
    pitch = bool(getattr(engine, "can_set_pitch", True))
    return Catalog(engine.voices(), frozenset(variants), driver_name(spec), pitch, spec.name)


def _catalog_child(conn: Connection, spec: EngineSpec) -> None:
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - drivers print; lives with the child
    try:
        conn.send(("ok", _catalog_here(spec)))
    except AudiobookError as exc:
        conn.send(("error", str(exc)))
    except Exception as exc:  # a driver may fail in any way on start
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))


CATALOG_TIMEOUT_S = 120.0
_CATALOG_LOCK = threading.Lock()


def catalog(engine: str | EngineSpec) -> Catalog:
    """The engine's voices and variants; pyttsx3 is asked in a spawned child process
    (once per process: stories made side by side share the answer)."""
    spec = as_spec(engine)
    if spec.name == PIPER:  # read from the models' files, anew: no engine needs starting
        from audiobook.audio.engines.piper_voices import piper_catalog

        return piper_catalog(spec.piper_voices)
    with _CATALOG_LOCK:
        return _catalog(spec)


@functools.cache
def _catalog(spec: EngineSpec) -> Catalog:
    if spec.name == "fake":
        return _catalog_here(spec)
    driver_name(spec)  # an unknown driver is reported here, before a child is started
    # spawn, not fork: the child must start clean and the parent must stay clean of espeak.
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_catalog_child, args=(send, spec), daemon=True)
    try:
        child.start()
        send.close()
        if not receive.poll(CATALOG_TIMEOUT_S):
            raise EngineError(
                f"The {spec} engine did not list its voices within {CATALOG_TIMEOUT_S:.0f} s."
            )
        status, value = receive.recv()
    except (EOFError, OSError) as exc:
        raise EngineError(
            f"The {spec} engine stopped while listing its voices (exit code {child.exitcode})."
        ) from exc
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    if status == "error":
        raise EngineError(value)
    if status != "ok":
        raise EngineError(f"The {spec} engine could not list its voices ({value}).")
    return value


def list_voices(engine: str | EngineSpec) -> tuple[EngineVoice, ...]:
    """The voices the engine has installed."""
    return catalog(engine).voices


__all__ = [
    "DRIVER_NAME", "ENGINE_NAMES", "ESPEAK", "Catalog", "Engine", "EngineSpec", "EngineVoice",
    "as_spec", "catalog", "create_engine", "driver_name", "engine_identity", "installed_drivers",
    "list_voices", "voice_exists", "voice_identity",
]
