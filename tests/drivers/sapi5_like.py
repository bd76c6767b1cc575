"""A pyttsx3 driver that behaves like pyttsx3's SAPI5 driver on Windows.

Registry-style voice ids, gender and age set, no pitch (asking prints a message and
gives None, as SAPI5 does), ``save_to_file`` writing 16 kHz stereo 16-bit WAV
synchronously, and the loop ended by a stream-end event pumped in ``startLoop``.
"""

from __future__ import annotations

import time
import wave

import numpy as np
from pyttsx3.drivers._audiobook_tone import SAPI5_VOICES, FakeDriver, log, tone

SAMPLE_RATE = 16000


def buildDriver(proxy):
    return SAPI5LikeDriver(proxy)


class SAPI5LikeDriver(FakeDriver):
    VOICES = SAPI5_VOICES
    PITCH_MESSAGE = "Pitch adjustment not supported when using SAPI5"

    def __init__(self, proxy) -> None:
        super().__init__(proxy)
        self._stream_ended = False

    def save_to_file(self, text, filename) -> None:
        # SAPI5 speaks into a file stream synchronously; its end-of-stream event
        # arrives later, when the loop pumps messages.
        samples = tone(text, self._rate, self._voice[5], SAMPLE_RATE) * self._volume
        stereo = np.repeat(samples.astype(np.int16), 2)
        with wave.open(filename, "wb") as out:
            out.setnchannels(2)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE)
            out.writeframes(stereo.tobytes())
        log("sapi5_like", self._voice[0], self._rate, text)
        self._stream_ended = True

    def startLoop(self) -> None:
        first = True
        self._looping = True
        while self._looping:
            if first:
                self._proxy.setBusy(False)
                first = False
            if self._stream_ended:  # the EndStream event
                self._stream_ended = False
                self._proxy.setBusy(False)
                self.endLoop()
            time.sleep(0.005)
