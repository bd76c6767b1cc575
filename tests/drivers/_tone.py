"""What the fake drivers say: a tone per voice, as long as the words take at the rate.

Copied beside the drivers into ``pyttsx3/drivers/`` as ``_audiobook_tone.py``.
"""

from __future__ import annotations

import json
import os

import numpy as np

LOG_VARIABLE = "AUDIOBOOK_TEST_DRIVER_LOG"


def tone(text: str, rate: float, frequency: float, sample_rate: int) -> np.ndarray:
    """int16 samples: 100 ms of silence, a sine for the words at ``rate`` wpm, 100 ms."""
    words = max(1, len(text.split()))
    n = round(words * 60 * sample_rate / max(rate, 1))
    t = np.arange(n) / sample_rate
    wave = (np.sin(2 * np.pi * frequency * t) * 9000).astype(np.int16)
    pad = np.zeros(sample_rate // 10, dtype=np.int16)
    return np.concatenate([pad, wave, pad])


def log(driver: str, voice: str, rate: float, text: str) -> None:
    """Record what was spoken with which voice, for the tests to read back."""
    path = os.environ.get(LOG_VARIABLE)
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(json.dumps({"driver": driver, "voice": voice, "rate": rate,
                                   "text": text}) + "\n")


class FakeDriver:
    """What the SAPI5-like and NSSS-like drivers share: voices, properties, the loop's end.

    ``VOICES`` rows are (id, name, language, gender, age, tone frequency).
    """

    VOICES: tuple[tuple[str, str, str, str, str, float], ...] = ()
    PITCH_MESSAGE = ""
    UNKNOWN_VOICE_IS_AN_ERROR = True
    """SAPI5 raises for a voice it lacks; NSSS quietly keeps the one it has."""

    def __init__(self, proxy) -> None:
        self._proxy = proxy
        self._looping = False
        self._voice = self.VOICES[0]
        self._rate = 200
        self._volume = 1.0

    def destroy(self) -> None:
        pass

    def say(self, text) -> None:
        raise NotImplementedError("the tests only save to files")

    def stop(self) -> None:
        pass

    def getProperty(self, name):
        if name == "voices":
            from pyttsx3.voice import Voice

            return [Voice(v[0], v[1], [v[2]], v[3], v[4]) for v in self.VOICES]
        if name == "voice":
            return self._voice[0]
        if name == "rate":
            return self._rate
        if name == "volume":
            return self._volume
        if name == "pitch":
            print(self.PITCH_MESSAGE)
            return None
        raise KeyError(f"unknown property {name}")

    def setProperty(self, name, value) -> None:
        if name == "voice":
            matches = [v for v in self.VOICES if v[0] == value]
            if not matches and self.UNKNOWN_VOICE_IS_AN_ERROR:
                raise ValueError("unknown voice id %s", value)
            self._voice = matches[0] if matches else self._voice
        elif name == "rate":
            self._rate = value
        elif name == "volume":
            self._volume = value
        elif name == "pitch":
            print(self.PITCH_MESSAGE)
        else:
            raise KeyError(f"unknown property {name}")

    def endLoop(self) -> None:
        self._looping = False

    def iterate(self):
        self._proxy.setBusy(False)
        yield
