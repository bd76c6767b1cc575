"""The pyttsx3 engine (espeak-ng on Linux): text + voice profile -> mono 16-bit WAV.

Create it only inside a worker process, once per process (``shared_engine``).
It works around the Linux driver's defects, each reproduced on pyttsx3 2.99:

* of several ``save_to_file`` calls before one ``runAndWait`` only the last is
  written, so each piece gets its own ``runAndWait``;
* ``runAndWait`` can return before the file exists, so we wait (bounded) until it
  is a complete WAV;
* rate and pitch changes can be lost, so voice, rate, pitch and volume are set
  before every piece;
* about 20,000 characters in one call crash espeak and the driver's buffer grows
  quadratically, so the synthesis worker speaks text in pieces of ``MAX_CLIP_CHARS``;
* the driver prints "Audio saved to …", so stdout is redirected around it;
* espeak-ng runs asynchronously, on its own thread, and the driver writes the
  file from that thread before it has finished with the message; changing the
  voice in that moment can make espeak-ng end the next message at once with no
  audio (up to one clip in 50), and a rate or pitch set just before a text can
  be lost, so the text is spoken with the previous voice's (one clip in 10 when
  voices alternate). So before each piece we wait until espeak-ng's queue is
  empty and the driver is idle, set the voice and read its values back from
  espeak-ng, and a piece that comes back without a single sample is spoken
  once more;
* a second engine in one process steals the first's callback, hence one shared engine.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import time
import wave
from pathlib import Path
from typing import Any

from audiobook.audio.engines._pyttsx3 import pyttsx3_voices, speak_clip, spoken_twice
from audiobook.config import SAMPLE_RATE
from audiobook.errors import EngineError
from audiobook.models import EngineVoice, VoiceProfile, voice_exists


def _read_complete_wav(path: Path) -> bytes | None:
    """The PCM of ``path`` if it is a complete mono 16-bit WAV, else None (not yet)."""
    try:
        with wave.open(str(path), "rb") as wav:
            frames = wav.getnframes()
            data = wav.readframes(frames)
            params = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
    except (OSError, EOFError, wave.Error):
        return None
    if len(data) != frames * 2:
        return None
    if params != (1, 2, SAMPLE_RATE):
        raise EngineError(
            f"espeak-ng wrote {params} audio to {path}, not mono 16-bit {SAMPLE_RATE} Hz."
        )
    return data


#: How long to wait for espeak-ng and the driver to become idle between pieces.
SETTLE_TIMEOUT_S = 10.0
#: How long after espeak-ng's queue has emptied the driver may take to write the file.
WRITE_GRACE_S = 5.0


class Pyttsx3Engine:
    name = "pyttsx3"

    def __init__(self) -> None:
        from audiobook import tools

        self._library = tools.espeak_setup()
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                import pyttsx3

                self._tts: Any = pyttsx3.init(driverName="espeak")
        except (ImportError, RuntimeError, OSError) as exc:
            raise EngineError(f"pyttsx3 could not start espeak-ng ({exc}).") from exc
        self._known: set[str] = set()
        self._synchronize, self._get_parameter = self._bind_espeak()
        try:
            self._driver: Any = self._tts.proxy._driver  # its setters and "speaking" flag
        except AttributeError as exc:
            raise EngineError(f"pyttsx3's driver is not where it is expected ({exc}).") from exc
        self._catalog: tuple[tuple[EngineVoice, ...], frozenset[str]] | None = None

    @staticmethod
    def _bind_espeak() -> tuple[Any, Any]:
        """espeak-ng's ``espeak_Synchronize`` (returns once its queue is empty) and
        ``espeak_GetParameter``, from the library pyttsx3 loaded."""
        try:
            from pyttsx3.drivers import _espeak

            synchronize = _espeak.dll.espeak_Synchronize
            get_parameter = _espeak.dll.espeak_GetParameter
        except (ImportError, AttributeError, OSError) as exc:
            raise EngineError(f"espeak-ng lacks a function pyttsx3 needs ({exc}).") from exc
        synchronize.restype = ctypes.c_int
        synchronize.argtypes = []
        get_parameter.restype = ctypes.c_int
        get_parameter.argtypes = [ctypes.c_int, ctypes.c_int]
        return synchronize, get_parameter

    def _settle(self) -> None:
        """Wait until espeak-ng has finished every queued message and the driver's
        callback has let go of the last one (the GIL is released while we wait)."""
        self._synchronize()
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while getattr(self._driver, "_speaking", False):
            if time.monotonic() > deadline:
                raise EngineError(
                    f"espeak-ng stayed busy for more than {SETTLE_TIMEOUT_S:.0f} s after a clip."
                )
            time.sleep(0.001)

    def voices(self) -> tuple[EngineVoice, ...]:
        return pyttsx3_voices(self._tts.getProperty("voices"))

    def data_path(self) -> Path | None:
        """espeak-ng's data folder, as the initialised library reports it."""
        if self._library.data_path:
            return Path(self._library.data_path)
        try:
            from pyttsx3.drivers import _espeak

            info = _espeak.dll.espeak_Info
            info.restype = ctypes.c_char_p
            path = ctypes.c_char_p()
            info(ctypes.byref(path))
        except (ImportError, AttributeError, OSError):
            return None
        return Path(path.value.decode()) if path.value else None

    def variants(self) -> frozenset[str]:
        data = self.data_path()
        folder = data / "voices" / "!v" if data else None
        if folder is None or not folder.is_dir():
            return frozenset()
        return frozenset(entry.name for entry in folder.iterdir() if entry.is_file())

    def _check_voice(self, voice: str) -> None:
        # espeak-ng silently falls back to English for a voice it lacks; say so instead.
        if voice not in self._known:
            if self._catalog is None:
                self._catalog = (self.voices(), self.variants())
            if not voice_exists(voice, *self._catalog):
                raise EngineError(f"espeak-ng has no voice {voice!r} (voice and variant).")
            self._known.add(voice)

    def _configure(self, profile: VoiceProfile) -> None:
        """Set the profile's voice, rate, pitch and volume and make sure espeak-ng
        holds them before the text is queued.

        The driver's setters are called directly rather than through pyttsx3's
        command queue (which holds them back while it thinks it is busy); then we
        wait for espeak-ng's queue and read the values back. A rate or pitch that
        espeak-ng dropped is set again; one it still refuses is an error.
        """
        self._check_voice(profile.voice)
        driver = self._driver
        # the driver sets volume as int(round(volume * 100, 2))
        wanted = (int(profile.rate), int(profile.pitch), int(round(float(profile.volume) * 100, 2)))
        held: tuple[int, ...] = ()
        for _ in range(3):
            try:
                driver.setProperty("voice", profile.voice)
                driver.setProperty("rate", int(profile.rate))
                driver.setProperty("pitch", int(profile.pitch))
                driver.setProperty("volume", float(profile.volume))
            except (ValueError, KeyError, TypeError) as exc:
                raise EngineError(
                    f"espeak-ng rejected voice profile {profile.name!r} ({exc})."
                ) from exc
            self._synchronize()
            held = self._held()
            if held == wanted:
                return
        raise EngineError(
            f"espeak-ng holds rate, pitch, volume {held} instead of {wanted} "
            f"for voice profile {profile.name!r}."
        )

    def _held(self) -> tuple[int, int, int]:
        """The rate, pitch and volume espeak-ng will use for the next text."""
        from pyttsx3.drivers import _espeak

        return (
            self._get_parameter(_espeak.RATE, 1),
            self._get_parameter(_espeak.PITCH, 1),
            self._get_parameter(_espeak.VOLUME, 1),
        )

    def _speak_piece(self, text: str, profile: VoiceProfile, path: Path) -> bytes:
        if not text.strip():
            return b""
        # espeak-ng may end a message before it begins; never seen twice running
        return spoken_twice(lambda into: self._speak_once(text, profile, into), path,
                            "espeak-ng")  # fmt: skip

    def _speak_once(self, text: str, profile: VoiceProfile, path: Path) -> bytes:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        self._settle()
        self._configure(profile)
        # The driver's "Audio saved" line comes from espeak-ng's thread, so stdout
        # stays redirected until that thread has finished with the message.
        with contextlib.redirect_stdout(io.StringIO()):
            self._tts.save_to_file(text, str(path))
            self._tts.runAndWait()
            data = self._wait_for(path)
            self._settle()
        return data

    def _wait_for(self, path: Path) -> bytes:
        """The piece's PCM once the driver has written it. espeak-ng's queue is waited
        for first; once it is empty the file is due at once, so a file that still
        has not come (a driver callback that failed) is an error within seconds, not
        at the clip's deadline."""
        self._synchronize()
        deadline = time.monotonic() + WRITE_GRACE_S
        while True:
            data = _read_complete_wav(path)
            if data is not None:
                return data
            if time.monotonic() > deadline:
                self._driver._speaking = False  # the message is over; let the next one start
                raise EngineError(f"espeak-ng finished without writing {path.name}.")
            time.sleep(0.005)

    def synthesize(self, text: str, profile: VoiceProfile, out: Path) -> None:
        speak_clip(out, lambda scratch: self._speak_piece(text, profile, scratch))


_SHARED: Pyttsx3Engine | None = None
_SHARED_PID = 0


def shared_engine() -> Pyttsx3Engine:
    """This process's one pyttsx3 engine: a second would hang the first."""
    global _SHARED, _SHARED_PID
    if _SHARED is not None and os.getpid() != _SHARED_PID:
        # A forked copy of an initialised espeak hangs; refuse rather than hang.
        raise EngineError(
            "pyttsx3 was started before this process was forked; use spawned workers."
        )
    if _SHARED is None:
        _SHARED = Pyttsx3Engine()
        _SHARED_PID = os.getpid()
    return _SHARED
