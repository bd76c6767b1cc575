"""What the fake drivers say: a tone per voice, as long as the words take at the rate.

Copied beside the drivers into ``pyttsx3/drivers/`` as ``_audiobook_tone.py``.
"""

from __future__ import annotations

import json
import os
import struct

import numpy as np

LOG_VARIABLE = "AUDIOBOOK_TEST_DRIVER_LOG"

# Rows: (id, name, language, gender, age, tone frequency), as the drivers report them.
TOKENS = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Speech\\Voices\\Tokens\\"
SAPI5_VOICES = (
    (TOKENS + "TTS_MS_EN-US_DAVID_11.0", "Microsoft David Desktop - English (United States)",
     "en-US", "Male", "Adult", 110.0),
    (TOKENS + "TTS_MS_EN-US_ZIRA_11.0", "Microsoft Zira Desktop - English (United States)",
     "en-US", "Female", "Adult", 210.0),
    (TOKENS + "TTS_MS_EN-GB_HAZEL_11.0", "Microsoft Hazel Desktop - English (Great Britain)",
     "en-GB", "Female", "Adult", 230.0),
    (TOKENS + "TTS_MS_EN-GB_GEORGE_11.0", "Microsoft George - English (United Kingdom)",
     "en-GB", "Male", "Adult", 130.0),
    (TOKENS + "TTS_MS_EN-US_MARK_11.0", "Microsoft Mark - English (United States)",
     "en-US", "Male", "Adult", 150.0),
    (TOKENS + "TTS_MS_FR-FR_HORTENSE_11.0", "Microsoft Hortense Desktop - French",
     "fr-FR", "Female", "Adult", 250.0),
)

NSSS_VOICES = (
    ("com.apple.voice.compact.en-US.Samantha", "Samantha", "en_US", "VoiceGenderFemale", "35",
     220.0),
    ("com.apple.voice.compact.en-GB.Daniel", "Daniel", "en_GB", "VoiceGenderMale", "35", 120.0),
    ("com.apple.speech.synthesis.voice.Fred", "Fred", "en_US", "VoiceGenderMale", "30", 140.0),
    ("com.apple.speech.synthesis.voice.Ralph", "Ralph", "en_US", "VoiceGenderMale", "50", 100.0),
    ("com.apple.voice.compact.en-AU.Karen", "Karen", "en_AU", "VoiceGenderFemale", "35", 240.0),
    ("com.apple.speech.synthesis.voice.Junior", "Junior", "en_US", "VoiceGenderMale", "8",
     300.0),
)

def aiff_header(rate: int, frames: int, data_bytes: int) -> bytes:
    """FORM/AIFF with a mono 16-bit COMM chunk and an SSND chunk header."""
    exponent = 16383 + rate.bit_length() - 1
    mantissa = rate << (64 - rate.bit_length())
    comm = struct.pack(">hIhHQ", 1, frames, 16, exponent, mantissa)
    ssnd_size = 8 + data_bytes
    form_size = 4 + (8 + len(comm)) + (8 + ssnd_size)
    return (b"FORM" + struct.pack(">I", form_size) + b"AIFF"
            + b"COMM" + struct.pack(">I", len(comm)) + comm
            + b"SSND" + struct.pack(">III", ssnd_size, 0, 0))




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
