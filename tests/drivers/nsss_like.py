"""A pyttsx3 driver that behaves like pyttsx3's NSSS driver on macOS.

``com.apple.voice.*`` ids, VoiceGender… genders and ages in years, no pitch, and
``save_to_file`` writing AIFF at 22,050 Hz (whatever the file is called) from
another thread: the finish is reported first and the header's size patched a
little later, so a reader must wait for a complete file.
"""

from __future__ import annotations

import threading
import time

from pyttsx3.drivers._audiobook_tone import NSSS_VOICES, FakeDriver, aiff_header, log, tone

SAMPLE_RATE = 22050


def buildDriver(proxy):
    return NSSSLikeDriver(proxy)


class NSSSLikeDriver(FakeDriver):
    VOICES = NSSS_VOICES
    PITCH_MESSAGE = "Pitch adjustment not supported when using NSSS"
    UNKNOWN_VOICE_IS_AN_ERROR = False

    def __init__(self, proxy) -> None:
        super().__init__(proxy)
        self._finished = threading.Event()

    def save_to_file(self, text, filename) -> None:
        self._proxy.setBusy(True)
        samples = (tone(text, self._rate, self._voice[5], SAMPLE_RATE) * self._volume)
        data = samples.astype(">i2").tobytes()
        log("nsss_like", self._voice[0], self._rate, text)
        threading.Thread(target=self._write, args=(filename, data), daemon=True).start()

    def _write(self, filename: str, data: bytes) -> None:
        with open(filename, "wb") as out:
            # the sizes are not known until the end, as with a stream writer
            out.write(aiff_header(SAMPLE_RATE, 0, 0))
            out.flush()
            for start in range(0, len(data), 8192):
                out.write(data[start:start + 8192])
                out.flush()
                time.sleep(0.001)
            self._finished.set()  # didFinishSpeaking comes before the file is final
            time.sleep(0.05)
            out.seek(0)
            out.write(aiff_header(SAMPLE_RATE, len(data) // 2, len(data)))

    def startLoop(self) -> None:
        self._looping = True
        self._proxy.setBusy(False)  # the first timer of NSSS's run loop
        while self._looping:
            if self._finished.is_set():  # the delegate's didFinishSpeaking
                self._finished.clear()
                self._proxy.notify("finished-utterance", completed=True)
                self._proxy.setBusy(False)
            time.sleep(0.005)
