"""Finds the external programs and libraries the audio stages use.

ffmpeg/ffprobe paths and a way to feed ffmpeg, a quietly imported pydub, and the
espeak-ng library for pyttsx3: the system's copy when installed, else the wheels' (imageio-ffmpeg,
espeakng-loader), so that a newcomer with only ``pip install`` can run everything.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, BinaryIO, cast

from audiobook.errors import AssemblyError, EngineError, os_reason

SYSTEM_ESPEAK = "libespeak-ng.so.1"
"""The name pyttsx3's espeak driver loads first on Linux."""


def start_ffmpeg(command: list[str], **popen: Any) -> subprocess.Popen[bytes]:
    """Start ``command`` (ffmpeg and its arguments); the one place ffmpeg is launched,
    and where failing to start it becomes a sentence a user can act on."""
    try:
        return subprocess.Popen(command, **popen)
    except OSError as exc:
        raise AssemblyError(f"ffmpeg could not be started ({os_reason(exc)}).") from exc


def feed_ffmpeg(command: list[str], feed: Callable[[BinaryIO], None]) -> tuple[int, str]:
    """Run ffmpeg with ``feed`` writing its stdin; return its exit status and last log line.

    A broken pipe means ffmpeg stopped early: its exit status says why. Any error
    raised by ``feed`` (or Ctrl-C) kills ffmpeg before it propagates.
    """
    with tempfile.TemporaryFile() as log:
        process = start_ffmpeg(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=log)  # fmt: skip
        assert process.stdin is not None
        try:
            with contextlib.suppress(BrokenPipeError):
                feed(cast(BinaryIO, process.stdin))
            with contextlib.suppress(OSError):
                process.stdin.close()
        except BaseException:
            process.kill()
            process.wait()
            raise
        code = process.wait()
        log.seek(0)
        lines = log.read().decode("utf-8", "replace").strip().splitlines()
        return code, lines[-1] if lines else "no message"


@functools.cache
def ffmpeg_exe() -> str:
    """The system ``ffmpeg`` on PATH, else the binary bundled with imageio-ffmpeg."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as exc:
        raise AssemblyError(
            "ffmpeg was not found: install it (e.g. apt install ffmpeg) "
            f"or the imageio-ffmpeg package ({exc})."
        ) from exc


@functools.cache
def ffprobe_exe() -> str | None:
    """The system ``ffprobe``, or None: imageio-ffmpeg ships no ffprobe."""
    return shutil.which("ffprobe")


@functools.cache
def pydub() -> ModuleType:
    """``pydub`` with its converter set to our ffmpeg.

    pydub warns "Couldn't find ffmpeg" at import when none is on PATH, although we
    hand it one straight after, and on Python 3.11-3.12 its audioop import warns of a
    deprecation we cannot act on; both would only confuse users.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Couldn't find ff", category=RuntimeWarning)
        warnings.filterwarnings("ignore", message=".*audioop", category=DeprecationWarning)
        import pydub as module
    module.AudioSegment.converter = ffmpeg_exe()
    return module


@dataclass(frozen=True)
class EspeakLibrary:
    """Where the espeak-ng shared library comes from.

    ``data_path`` is the espeak-ng-data folder for a bundled library (None means
    the library's compiled-in default, right for a system install).
    """

    path: str
    data_path: str | None
    bundled: bool


@functools.cache
def espeak_library() -> EspeakLibrary:
    """Locate espeak-ng without initialising it (safe in the main process)."""
    if not sys.platform.startswith("linux"):
        # pyttsx3's espeak driver finds an installed espeak-ng itself there (--driver
        # espeak); the espeakng-loader wheel is for Linux only.
        from ctypes.util import find_library

        found = find_library("espeak-ng") or "libespeak-ng"
        return EspeakLibrary(found, None, bundled=False)
    try:
        ctypes.CDLL(SYSTEM_ESPEAK)
        return EspeakLibrary(SYSTEM_ESPEAK, None, bundled=False)
    except OSError:
        pass
    try:
        import espeakng_loader

        return EspeakLibrary(
            espeakng_loader.get_library_path(), espeakng_loader.get_data_path(), bundled=True
        )
    except (ImportError, RuntimeError) as exc:
        raise EngineError(
            "espeak-ng was not found: install it (e.g. apt install espeak-ng) "
            f"or the espeakng-loader package ({exc})."
        ) from exc


@functools.cache
def espeak_version() -> str:
    """espeak-ng's version string, read with ``espeak_Info`` (which does not initialise it)."""
    lib = espeak_library()
    try:
        handle = ctypes.CDLL(lib.path)
        handle.espeak_Info.restype = ctypes.c_char_p
        version = handle.espeak_Info(None)
    except (OSError, AttributeError) as exc:
        raise EngineError(f"espeak-ng at {lib.path} could not be loaded ({exc}).") from exc
    return (version or b"unknown").decode("ascii", "replace")


def espeak_setup() -> EspeakLibrary:
    """Make pyttsx3 find espeak-ng; call in a worker before importing pyttsx3.

    pyttsx3 loads ``libespeak-ng.so.1`` by name; loading the bundled copy (whose
    soname is that) globally first makes the dynamic linker hand it that copy, and
    ESPEAK_DATA_PATH tells the library where its voices are.
    """
    lib = espeak_library()
    if lib.bundled:
        try:
            ctypes.CDLL(lib.path, mode=ctypes.RTLD_GLOBAL)
        except OSError as exc:
            raise EngineError(f"espeak-ng at {lib.path} could not be loaded ({exc}).") from exc
        if lib.data_path:
            os.environ["ESPEAK_DATA_PATH"] = lib.data_path
    return lib
