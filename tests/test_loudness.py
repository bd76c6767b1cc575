"""Loudness: BS.1770 measurement checked against reference values and against
ffmpeg's ebur128 filter, the true-peak limiter's guarantee, and resampling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.audio.loudness import (
    FULL_SCALE,
    ebur128,
    integrated_loudness,
    limiter_gain,
    normalize,
    to_pcm16,
    true_peak,
    upsample,
)
from audiobook.config import SAMPLE_RATE

RAW = ["-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0"]


def sine(freq: float, dbfs: float, seconds: float, rate: int = SAMPLE_RATE,
         phase: float = 0.0) -> np.ndarray:  # fmt: skip
    t = np.arange(int(seconds * rate)) / rate
    return FULL_SCALE * 10 ** (dbfs / 20) * np.sin(2 * np.pi * freq * t + phase)


def db(value: float) -> float:
    return 20 * math.log10(value / FULL_SCALE)


@pytest.mark.parametrize("rate", [SAMPLE_RATE, 2 * SAMPLE_RATE, 48000])
def test_a_997_hz_sine_measures_as_bs1770_specifies(rate: int) -> None:
    # BS.1770: a 0 dBFS 997 Hz sine in one channel reads -3.01 LKFS.
    assert integrated_loudness(sine(997, -20.0, 3.0, rate), rate) == pytest.approx(-23.01, abs=0.05)


def test_the_k_weighting_lifts_treble_and_cuts_rumble() -> None:
    ref = integrated_loudness(sine(997, -20.0, 3.0), SAMPLE_RATE)
    treble = integrated_loudness(sine(4000, -20.0, 3.0), SAMPLE_RATE)
    assert treble - ref == pytest.approx(3.2, abs=0.3)
    assert integrated_loudness(sine(30, -20.0, 3.0), SAMPLE_RATE) - ref < -3


def speechlike(seed: int, seconds: float = 8.0) -> np.ndarray:
    """Noise bursts of varying level and colour with gaps, like syllables and pauses."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SAMPLE_RATE))
    at = 0
    while at < len(out):
        length = int(rng.uniform(0.05, 0.4) * SAMPLE_RATE)
        burst = rng.standard_normal(length) * 10 ** (rng.uniform(-35, -15) / 20) * FULL_SCALE
        if rng.random() < 0.5:
            burst = np.cumsum(burst) * 0.05  # darker
        out[at : at + length] = burst[: len(out) - at]
        at += length + int(rng.uniform(0.0, 0.5) * SAMPLE_RATE)
    return np.clip(out, -FULL_SCALE, FULL_SCALE - 1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_integrated_loudness_and_true_peak_agree_with_ffmpeg(seed: int) -> None:
    pcm = to_pcm16(speechlike(seed))
    theirs = ebur128(RAW, pcm.tobytes())
    assert integrated_loudness(pcm, SAMPLE_RATE) == pytest.approx(theirs.integrated_lufs, abs=0.1)
    assert db(true_peak(pcm)) == pytest.approx(theirs.true_peak_dbtp, abs=0.3)


def test_true_peak_finds_the_peak_between_samples() -> None:
    # A quarter-rate sine sampled 45 degrees off its crests: every sample is 3 dB low.
    # It fades in and out, as a sine cut off abruptly has overshoot at its edges.
    wave = sine(SAMPLE_RATE / 4, -6.0, 0.5, phase=math.pi / 4) * np.hanning(SAMPLE_RATE // 2)
    assert db(float(np.max(np.abs(wave)))) == pytest.approx(-9.0, abs=0.1)
    assert db(true_peak(wave)) == pytest.approx(-6.0, abs=0.1)


def test_normalize_reaches_the_target_exactly_when_no_peak_needs_limiting() -> None:
    quiet = sine(440, -40.0, 2.0)
    out = normalize(quiet, SAMPLE_RATE, -19.0, -1.0)
    assert integrated_loudness(out, SAMPLE_RATE) == pytest.approx(-19.0, abs=0.01)
    assert np.allclose(out / quiet.max(), quiet / quiet.max() * (out.max() / quiet.max()))


def test_normalize_limits_spiky_speech_under_the_ceiling_and_keeps_it_loud() -> None:
    clicks = speechlike(4)
    clicks[:: SAMPLE_RATE // 5] = FULL_SCALE - 1  # isolated full-scale spikes
    out = normalize(clicks, SAMPLE_RATE, -16.0, -3.0)
    assert db(true_peak(out)) <= -3.0 + 0.05
    # One gain for the whole clip that kept the spikes under the ceiling would leave
    # it far quieter; the limiter turns down only the 30 ms around each spike.
    at_target = clicks * 10 ** ((-16.0 - integrated_loudness(clicks, SAMPLE_RATE)) / 20)
    one_gain = -16.0 - (db(true_peak(at_target)) + 3.0)
    assert one_gain < -24.0
    assert integrated_loudness(out, SAMPLE_RATE) > -17.5


def test_silence_is_left_alone() -> None:
    assert not normalize(np.zeros(1000), SAMPLE_RATE, -19.0, -1.5).any()
    assert len(normalize(np.zeros(0), SAMPLE_RATE, -19.0, -1.5)) == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-32768, 32767), min_size=1, max_size=3000),
    st.floats(-30.0, -0.5),
)
def test_the_limited_signal_never_peaks_above_the_ceiling(
    values: list[int], ceiling_db: float
) -> None:
    samples = np.array(values, dtype=np.float64) * 4  # far over full scale
    gain = limiter_gain(samples, FULL_SCALE * 10 ** (ceiling_db / 20), SAMPLE_RATE)
    if gain is None:
        assert db(max(true_peak(samples), 1e-3)) <= ceiling_db + 1e-9
        return
    assert gain.shape == samples.shape and float(gain.max()) <= 1.0
    # The gain is smooth, so the peak between samples follows the samples' peak.
    assert db(max(true_peak(samples * gain), 1e-3)) <= ceiling_db + 0.5
    assert db(max(float(np.max(np.abs(samples * gain))), 1e-3)) <= ceiling_db + 1e-6


def test_upsampling_keeps_every_sample_and_interpolates_a_tone_cleanly() -> None:
    tone = sine(1000, -6.0, 1.0)
    up = upsample(tone, 2)
    assert len(up) == 2 * len(tone)
    assert np.array_equal(up[::2], tone)
    exact = sine(1000, -6.0, 1.0, rate=2 * SAMPLE_RATE)
    middle = slice(2000, -2000)  # away from the edges, where the tone starts and stops
    error = np.max(np.abs(up[middle] - exact[middle]))
    assert db(error) < -6.0 - 60
