"""A fast, deterministic stand-in for a speech engine: text + profile -> exact-length WAV.

The output is exactly computable, so tests can assert sizes and timings:

* ``LEAD_SAMPLES`` (300 ms, like espeak's padding) of digital silence, then
* a square wave of ``tone_samples(text, rate)`` =
  ``round(max(1, words) * 60 * SAMPLE_RATE / rate)`` samples (half rounds up),
  where ``words = len(text.split())``: the tone lasts as long as reading the words
  at ``rate`` words per minute;
* ``LEAD_SAMPLES`` of silence again.

The tone's frequency is ``frequency(voice, pitch)`` = 110 Hz, or 220 Hz when the
voice has a female variant (``+f…``), times ``2 ** ((pitch - 50) / 50)``; its
amplitude is ``round(volume * AMPLITUDE)``. Every tone sample is ±amplitude (a
square wave has no near-zero samples), so silence trimming finds its edges exactly.

For testing failures: text starting ``FAKE-FAIL`` raises EngineError;
``FAKE-CRASH`` kills the process; ``FAKE-HANG`` never returns; ``FAKE-CRASH-ONCE:<path>``
and ``FAKE-HANG-ONCE:<path>`` do so unless ``<path>`` exists, creating it first (so
a retry succeeds). The environment variable ``AUDIOBOOK_FAKE_DELAY`` (seconds)
makes every clip take that long, so that tests can interrupt a run midway.
"""

from __future__ import annotations

import os
import time
import wave
from pathlib import Path

import numpy as np

from audiobook.config import SAMPLE_RATE
from audiobook.errors import EngineError
from audiobook.models import EngineVoice, VoiceProfile, voice_exists

IDENTITY = "fake-2"
"""Raised when the fake engine's audio changes (2: text over 1,000 characters is
spoken in pieces by the synthesis worker)."""
LEAD_SAMPLES = SAMPLE_RATE * 300 // 1000
AMPLITUDE = 16384

# The English voices and the variants of espeak-ng 1.52, so that the shipped voice
# profiles validate against the fake engine as they do against the real one.
VOICES = (
    EngineVoice("gmw/en", "English (Great Britain)", ("en-gb",), "Male"),
    EngineVoice("gmw/en-029", "English (Caribbean)", ("en-029",), "Male"),
    EngineVoice("gmw/en-gb-scotland", "English (Scotland)", ("en-gb-scotland",), "Male"),
    EngineVoice("gmw/en-gb-x-gbclan", "English (Lancaster)", ("en-gb-x-gbclan",), "Male"),
    EngineVoice("gmw/en-gb-x-gbcwmd", "English (West Midlands)", ("en-gb-x-gbcwmd",), "Male"),
    EngineVoice("gmw/en-gb-x-rp", "English (Received Pronunciation)", ("en-gb-x-rp",), "Male"),
    EngineVoice("gmw/en-us", "English (America)", ("en-us",), "Male"),
    EngineVoice("gmw/en-us-nyc", "English (America, New York City)", ("en-us-nyc",), "Male"),
    EngineVoice("roa/fr", "French (France)", ("fr-fr",), "Male"),
)
VARIANTS = frozenset(
    [f"m{i}" for i in range(1, 9)]
    + [f"f{i}" for i in range(1, 6)]
    + "croak grandma grandpa klatt whisper whisperf Alex Annie Andy".split()
)


def tone_samples(text: str, rate: int) -> int:
    words = max(1, len(text.split()))
    numerator = words * 60 * SAMPLE_RATE
    return (2 * numerator + rate) // (2 * rate)


def total_samples(text: str, rate: int) -> int:
    return 2 * LEAD_SAMPLES + tone_samples(text, rate)


def frequency(voice: str, pitch: int) -> float:
    base = 220.0 if "+f" in voice else 110.0
    return base * 2 ** ((pitch - 50) / 50)


def render(text: str, profile: VoiceProfile) -> np.ndarray:
    """The int16 samples the fake engine writes for ``text``."""
    n = tone_samples(text, profile.rate)
    half_periods = np.floor(
        np.arange(n) * 2 * frequency(profile.voice, profile.pitch) / SAMPLE_RATE
    )
    sign = np.where(half_periods.astype(np.int64) % 2 == 0, 1, -1)
    tone = sign * round(profile.volume * AMPLITUDE)
    silence = np.zeros(LEAD_SAMPLES, dtype=np.int16)
    return np.concatenate([silence, tone.astype(np.int16), silence])


DELAY_VARIABLE = "AUDIOBOOK_FAKE_DELAY"


def _first_time(text: str) -> bool:
    """For ``…-ONCE:<path>`` hooks: true (and ``<path>`` created) unless it exists."""
    marker = Path(text.split(":", 1)[1].split()[0])
    if marker.exists():
        return False
    marker.touch()
    return True


def _failure_hooks(text: str) -> None:
    if text.startswith("FAKE-FAIL"):
        raise EngineError("the fake engine was asked to fail")
    if text.startswith("FAKE-CRASH-ONCE:"):
        if _first_time(text):
            os._exit(70)
    elif text.startswith("FAKE-CRASH"):
        os._exit(70)
    if text.startswith("FAKE-HANG-ONCE:"):
        if _first_time(text):
            time.sleep(3600)
    elif text.startswith("FAKE-HANG"):
        time.sleep(3600)
    delay = os.environ.get(DELAY_VARIABLE)
    if delay:
        time.sleep(float(delay))


class FakeEngine:
    name = "fake"

    def voices(self) -> tuple[EngineVoice, ...]:
        return VOICES

    def variants(self) -> frozenset[str]:
        return VARIANTS

    def synthesize(self, text: str, profile: VoiceProfile, out: Path) -> None:
        if not voice_exists(profile.voice, VOICES, VARIANTS):
            raise EngineError(f"The fake engine has no voice {profile.voice!r}.")
        if profile.rate <= 0:
            raise EngineError(f"Speaking rate must be positive, not {profile.rate}.")
        _failure_hooks(text)
        with wave.open(str(out), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(SAMPLE_RATE)
            wav.writeframes(render(text, profile).tobytes())
