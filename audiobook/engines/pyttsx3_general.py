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

from audiobook.config import SAMPLE_RATE
from audiobook.engines import EngineVoice
from audiobook.engines._pieces import speak_in_pieces
from audiobook.errors import EngineError
from audiobook.models import VoiceProfile

#: How long a file may take to be complete after the driver's loop has returned.
WRITE_GRACE_S = 10.0


def audio_format(head: bytes) -> str | None:
    """"wav", "aiff" or None, from a file's first twelve bytes."""
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if len(head) >= 12 and head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    return None


def is_complete(data: bytes) -> bool:
    """Whether a WAV or AIFF file's outer chunk size is the file's (drivers that
    stream write the header first and patch the sizes when they finish)."""
    kind = audio_format(data[:12])
    if kind is None:
        return False
    size = struct.unpack("<I" if kind == "wav" else ">I", data[4:8])[0]
    return len(data) - 8 in (size, size + 1)  # a chunk may be padded to even length


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
            found = self._tts.getProperty("voices") or ()
        voices = []
        for voice in found:
            languages = tuple(_text(lang) for lang in (getattr(voice, "languages", None) or ()))
            age = getattr(voice, "age", None)
            voices.append(EngineVoice(
                str(voice.id), _text(voice.name or voice.id), tuple(x for x in languages if x),
                _text(voice.gender) if voice.gender else None,
                _text(age) if age not in (None, "") else None,
            ))  # fmt: skip
        return tuple(voices)

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
        speak_in_pieces(text, out, lambda piece, path: self._speak_piece(piece, profile, path))

    def _speak_piece(self, text: str, profile: VoiceProfile, path: Path) -> bytes:
        if not text.strip():
            return b""
        pcm = self._speak_once(text, profile, path)
        if not pcm:
            pcm = self._speak_once(text, profile, path)
        if not pcm:
            raise EngineError(f"pyttsx3's {self.driver!r} driver returned no audio, twice.")
        return pcm

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
        """The file's bytes once it is complete and has stopped growing."""
        deadline = time.monotonic() + WRITE_GRACE_S
        last = b""
        while True:
            try:
                data = path.read_bytes()
            except OSError:
                data = b""
            if data and is_complete(data) and data == last:
                return data
            if time.monotonic() > deadline:
                if data and data == last:
                    return data  # sizes never patched, or not audio: let the decoder judge
                raise EngineError(
                    f"pyttsx3's {self.driver!r} driver finished without writing "
                    f"a complete {path.name}."
                )
            last = data
            time.sleep(0.01)


def _text(value: object) -> str:
    """A driver's value as text: espeak hands bytes, others str or numbers."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return "".join(ch for ch in str(value) if ch.isprintable()).strip()


_SHARED: dict[str, GeneralPyttsx3Engine] = {}


def shared_general_engine(driver: str) -> GeneralPyttsx3Engine:
    """This process's one engine for ``driver`` (pyttsx3 keeps one per driver)."""
    if driver not in _SHARED:
        _SHARED[driver] = GeneralPyttsx3Engine(driver)
    return _SHARED[driver]
