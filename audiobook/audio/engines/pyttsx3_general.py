"""pyttsx3 through any driver but espeak (SAPI5, NSSS, others): text + profile -> mono WAV.

Create it only inside a worker process, once per process (``shared_general_engine``).
What we rely on is only what every pyttsx3 driver promises:

* one ``save_to_file`` per ``runAndWait``, as with espeak, since several before one
  loop may leave only the last;
* the file may still be being written when ``runAndWait`` returns (NSSS writes it
  from its own thread), so we wait, bounded, until its header's sizes match the
  file; ``runAndWait`` itself may never return, so the synthesis pool bounds every
  clip and replaces a worker that hangs;
* what the driver writes is recognised by its content, not its name: WAV at any
  rate, width and channel count, or AIFF (NSSS writes AIFF even to a ``.wav``
  name). Anything but mono 16-bit WAV at the book's rate is converted by ffmpeg
  (Python 3.13 has no ``aifc``);
* pitch is set only where the driver can set it (SAPI5 and NSSS cannot: they say
  so on stdout and return None when asked for it), so characters there are told
  apart by voice and rate;
* drivers print, so stdout is redirected around every call.
"""

from __future__ import annotations

import contextlib
import io
import struct
import subprocess
import time
import wave
from pathlib import Path
from typing import Any

from audiobook.audio.engines._pyttsx3 import pyttsx3_voices, speak_clip, spoken_twice
from audiobook.config import SAMPLE_RATE
from audiobook.errors import EngineError
from audiobook.models import EngineVoice, VoiceProfile

#: How long a file may take to be complete after the driver's loop has returned.
WRITE_GRACE_S = 10.0
#: How long a complete file must stay unchanged before it is read (a driver that
#: patches its header as it goes looks complete between two writes).
QUIET_S = 0.05


def audio_format(head: bytes) -> str | None:
    """"wav", "aiff" or None, from a file's first twelve bytes."""
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if len(head) >= 12 and head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    return None


def is_complete(data: bytes) -> bool:
    """Whether a WAV or AIFF file holds all it says it holds: its outer size is the
    file's, and its audio chunk is there and not empty (drivers that stream write
    the header first and patch the sizes when they finish)."""
    kind = audio_format(data[:12])
    if kind is None:
        return False
    order, audio = ("<", b"data") if kind == "wav" else (">", b"SSND")
    size = struct.unpack(order + "I", data[4:8])[0]
    if len(data) - 8 not in (size, size + 1):  # a chunk may be padded to even length
        return False
    at = 12
    while at + 8 <= len(data):
        name, length = data[at:at + 4], struct.unpack(order + "I", data[at + 4:at + 8])[0]
        if name == audio:
            header = 8 if kind == "aiff" else 0  # SSND's offset and block size
            return header < length and at + 8 + length <= len(data)
        at += 8 + length + (length & 1)
    return False


def to_pcm(data: bytes, name: str) -> bytes:
    """Mono 16-bit PCM at ``SAMPLE_RATE`` from a WAV or AIFF file's bytes."""
    kind = audio_format(data[:12])
    if kind is None:
        raise EngineError(f"the speech driver wrote {name} as neither WAV nor AIFF audio.")
    if kind == "wav":
        with contextlib.suppress(wave.Error, EOFError), wave.open(io.BytesIO(data), "rb") as wav:
            params = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
            if params == (1, 2, SAMPLE_RATE):
                return wav.readframes(wav.getnframes())
    return _convert(data, name)


def _convert(data: bytes, name: str) -> bytes:
    from audiobook import tools

    command = [tools.ffmpeg_exe(), "-v", "error", "-nostdin", "-i", "pipe:0",
               "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1", "-ar", str(SAMPLE_RATE),
               "pipe:1"]  # fmt: skip
    try:
        done = subprocess.run(command, input=data, capture_output=True, check=False, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineError(f"ffmpeg could not convert {name} ({exc}).") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise EngineError(
            f"ffmpeg could not read the audio the speech driver wrote to {name} "
            f"({message[-1] if message else 'no message'})."
        )
    return done.stdout


class GeneralPyttsx3Engine:
    name = "pyttsx3"

    def __init__(self, driver: str) -> None:
        self.driver = driver
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                import pyttsx3

                self._tts: Any = pyttsx3.init(driverName=driver)
        except Exception as exc:  # a driver may fail in any way on import or start
            raise EngineError(
                f"pyttsx3 could not start its {driver!r} driver "
                f"({type(exc).__name__}: {exc})."
            ) from exc
        try:
            backend = self._tts.proxy._driver
        except AttributeError as exc:
            raise EngineError(f"pyttsx3's driver is not where it is expected ({exc}).") from exc
        if not callable(getattr(backend, "save_to_file", None)):
            raise EngineError(
                f"pyttsx3's {driver!r} driver cannot write speech to a file; "
                "choose another with --driver."
            )
        self.can_set_pitch = self._probe_pitch()
        self._ids: frozenset[str] | None = None

    def _probe_pitch(self) -> bool:
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                pitch = self._tts.getProperty("pitch")
            except Exception:
                return False
        return isinstance(pitch, (int, float)) and not isinstance(pitch, bool)

    def voices(self) -> tuple[EngineVoice, ...]:
        with contextlib.redirect_stdout(io.StringIO()):
            return pyttsx3_voices(self._tts.getProperty("voices"))

    def _check_voice(self, profile: VoiceProfile) -> None:
        if self._ids is None:
            self._ids = frozenset(voice.id for voice in self.voices())
        if profile.voice not in self._ids:
            raise EngineError(
                f"pyttsx3's {self.driver!r} driver has no voice {profile.voice!r} "
                f"(voice profile {profile.name!r})."
            )

    def synthesize(self, text: str, profile: VoiceProfile, out: Path) -> None:
        self._check_voice(profile)
        speak_clip(out, lambda scratch: self._speak_piece(text, profile, scratch))

    def _speak_piece(self, text: str, profile: VoiceProfile, path: Path) -> bytes:
        if not text.strip():
            return b""
        return spoken_twice(lambda into: self._speak_once(text, profile, into), path,
                            f"pyttsx3's {self.driver!r} driver")  # fmt: skip

    def _speak_once(self, text: str, profile: VoiceProfile, path: Path) -> bytes:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                # Queued, so they take effect in order before the text, inside the loop.
                self._tts.setProperty("voice", profile.voice)
                self._tts.setProperty("rate", int(profile.rate))
                self._tts.setProperty("volume", float(profile.volume))
                if self.can_set_pitch:
                    self._tts.setProperty("pitch", int(profile.pitch))
                self._tts.save_to_file(text, str(path))
                self._tts.runAndWait()
            except Exception as exc:
                raise EngineError(
                    f"pyttsx3's {self.driver!r} driver failed ({type(exc).__name__}: {exc})."
                ) from exc
        return to_pcm(self._wait_for(path), path.name)

    def _wait_for(self, path: Path) -> bytes:
        """The file's bytes once it is complete and has not changed for ``QUIET_S``."""
        deadline = time.monotonic() + WRITE_GRACE_S
        last, since = b"", time.monotonic()
        while True:
            try:
                data = path.read_bytes()
            except OSError:
                data = b""
            now = time.monotonic()
            if data != last:
                last, since = data, now
            elif data and is_complete(data) and now - since >= QUIET_S:
                return data
            if now > deadline:
                if data:
                    return data  # sizes never patched, or not audio: let the decoder judge
                raise EngineError(
                    f"pyttsx3's {self.driver!r} driver finished without writing {path.name}."
                )
            time.sleep(0.005)


_SHARED: dict[str, GeneralPyttsx3Engine] = {}


def shared_general_engine(driver: str) -> GeneralPyttsx3Engine:
    """This process's one engine for ``driver`` (pyttsx3 keeps one per driver)."""
    if driver not in _SHARED:
        _SHARED[driver] = GeneralPyttsx3Engine(driver)
    return _SHARED[driver]
