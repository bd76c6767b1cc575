"""Loudness of speech clips as ITU-R BS.1770 measures it, and a true-peak limiter.

Every clip is brought to the book's target loudness (K-weighted and gated, in LUFS),
so all voices sound equally loud and the finished book measures the target. Speech
has a crest factor of 15 to 20 dB, so at -19 LUFS some syllables would peak above
full scale: a look-ahead limiter then holds the clip's 4x-oversampled (true) peaks
under a ceiling, lowering the gain for a few milliseconds around each such peak
only. All of it is numpy over one clip at a time; nothing here sees the whole book.
"""

from __future__ import annotations

import functools
import math
import re
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from audiobook import tools
from audiobook.errors import AssemblyError

FULL_SCALE = 32768.0
"""0 dBFS for 16-bit samples."""

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
BLOCK_S = 0.4
"""BS.1770 gating blocks: 400 ms, overlapping by 75%."""
OVERSAMPLING = 4
"""True peak is the peak of the signal resampled to four times its rate."""
LIMITER_WINDOW_S = 0.01
"""How long the limiter's gain takes to glide down before a peak (twice this) and
back up after it: longer than one pitch period of the lowest voice (about 10 ms),
so that it turns whole periods down rather than reshaping single waves."""


INTERPOLATION_TAPS = 16
"""Samples each side of a point that a Kaiser-windowed sinc reads to interpolate it."""


def tunables() -> tuple[float, ...]:
    """Every constant that shapes the audio made here (part of the cache keys)."""
    return (OVERSAMPLING, LIMITER_WINDOW_S, INTERPOLATION_TAPS, BLOCK_S, RELATIVE_GATE_LU)


@functools.cache
def _k_biquads(rate: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """The two K-weighting stages (a high shelf of about +4 dB above 1.5 kHz and a
    high-pass at 38 Hz) as biquad coefficients (b, a) for ``rate``, designed from the
    analogue prototypes by the bilinear transform, as BS.1770 specifies at 48 kHz."""
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = (
        np.array([vh + vb * k / q + k * k, 2 * (k * k - vh), vh - vb * k / q + k * k]) / a0,
        np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]),
    )
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    highpass = (
        np.array([1.0, -2.0, 1.0]),
        np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]),
    )
    return shelf, highpass


def _k_response(size: int, rate: int) -> np.ndarray:
    """The K-weighting filter's complex response at the bins of an rfft of ``size``."""
    z = np.exp(-1j * np.pi * np.arange(size // 2 + 1) / (size // 2))  # z^-1 per bin
    response = np.ones(size // 2 + 1, dtype=np.complex128)
    for b, a in _k_biquads(rate):
        response *= np.polyval(b[::-1], z) / np.polyval(a[::-1], z)
    return response


def _fft_size(n: int) -> int:
    return 1 << max(1, (n - 1).bit_length())


BLOCK = 1 << 15
"""Samples handled by one FFT, so that a long clip needs little memory at a time."""


def _spans(n: int, lead: int) -> Iterator[tuple[int, int, int]]:
    """(lo, at, end) per block: [at, end) is kept, [lo, end) is what is transformed."""
    for at in range(0, n, BLOCK):
        yield max(0, at - lead), at, min(n, at + BLOCK)


def k_weighted(samples: np.ndarray, rate: int) -> np.ndarray:
    """``samples`` (any scale) through the K-weighting filter, as float64.

    The filter is applied in the frequency domain, a block at a time, each block
    with the 250 ms before it (the filter's memory: its impulse response has died
    out by then) and zero padding after, so this equals running the two biquads.
    """
    x = np.asarray(samples, dtype=np.float64)
    out = np.empty(len(x))
    warm = rate // 4
    for lo, at, end in _spans(len(x), warm):
        size = _fft_size(end - lo + warm)
        y = np.fft.irfft(np.fft.rfft(x[lo:end], size) * _k_response(size, rate), size)
        out[at:end] = y[at - lo : end - lo]
    return out


def block_powers(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mean square of the K-weighted signal (full scale = 1) in each 400 ms block,
    one block every 100 ms; a clip shorter than a block is one block."""
    y = k_weighted(samples, rate) / FULL_SCALE
    if not len(y):
        return np.zeros(0)
    block = round(BLOCK_S * rate)
    if len(y) <= block:
        return np.array([float(np.mean(y * y))])
    sums = np.concatenate(([0.0], np.cumsum(y * y)))
    starts = np.arange(0, len(y) - block + 1, block // 4)
    return (sums[starts + block] - sums[starts]) / block


def _lufs(power: float) -> float:
    return -0.691 + 10 * math.log10(power) if power > 0 else -math.inf


def gated_power(powers: np.ndarray) -> float:
    """The mean of the block powers that pass BS.1770's absolute and relative gates."""
    threshold = 10 ** ((ABSOLUTE_GATE_LUFS + 0.691) / 10)
    kept = powers[powers > threshold]
    if not kept.size:
        return 0.0
    relative = float(np.mean(kept)) * 10 ** (RELATIVE_GATE_LU / 10)
    kept = kept[kept > relative]
    return float(np.mean(kept)) if kept.size else 0.0


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """Gated loudness of a mono clip in LUFS (-inf for silence)."""
    return _lufs(gated_power(block_powers(samples, rate)))


@functools.cache
def _phase_taps(factor: int) -> tuple[np.ndarray, ...]:
    """For each fraction p/factor (p = 1 .. factor-1) of a sample period, the FIR that
    interpolates a band-limited signal there from the samples around it."""
    half = INTERPOLATION_TAPS
    offsets = np.arange(-half + 1, half + 1, dtype=np.float64)  # sample k = i + offset
    window = np.kaiser(2 * half, 8.0)
    taps = []
    for p in range(1, factor):
        h = np.sinc(offsets - p / factor) * window
        taps.append(h / h.sum())  # unity gain at 0 Hz
    return tuple(taps)


def upsample(samples: np.ndarray, factor: int) -> np.ndarray:
    """``samples`` at ``factor`` times the rate, band-limited, as float64: sample i
    lands unchanged at ``factor * i`` and the points between are interpolated."""
    x = np.asarray(samples, dtype=np.float64)
    out = np.empty(len(x) * factor)
    out[::factor] = x
    if factor > 1 and len(x):
        half = INTERPOLATION_TAPS
        padded = np.concatenate((np.zeros(half - 1), x, np.zeros(half)))
        for p, taps in enumerate(_phase_taps(factor), start=1):
            out[p::factor] = np.correlate(padded, taps, mode="valid")
    return out


def _peak_envelope(samples: np.ndarray) -> np.ndarray:
    """For each sample, the largest 4x-oversampled magnitude from the point midway to
    the previous sample to the point midway to the next."""
    up = np.abs(upsample(samples, OVERSAMPLING))
    width = OVERSAMPLING // 2
    padded = np.concatenate((np.zeros(width), up, np.zeros(width)))
    window = np.lib.stride_tricks.sliding_window_view(padded, 2 * width + 1)
    return window[::OVERSAMPLING].max(axis=1)[: len(samples)]


def true_peak(samples: np.ndarray) -> float:
    """The largest absolute value of the 4x-oversampled signal, in sample units."""
    return float(_peak_envelope(samples).max()) if len(samples) else 0.0


def _running_min(x: np.ndarray, width: int) -> np.ndarray:
    """Minimum of ``x[i : i + width]`` for each i (van Herk/Gil-Werman, O(n))."""
    n = len(x)
    blocks = -(-(n + width) // width)
    padded = np.full(blocks * width, np.inf)
    padded[:n] = x
    rows = padded.reshape(blocks, width)
    prefix = np.minimum.accumulate(rows, axis=1).ravel()
    suffix = np.minimum.accumulate(rows[:, ::-1], axis=1)[:, ::-1].ravel()
    count = n - width + 1
    return np.minimum(suffix[:count], prefix[width - 1 : width - 1 + count])


def limiter_gain(samples: np.ndarray, ceiling: float, rate: int) -> np.ndarray | None:
    """A smooth gain (<= 1 per sample) that keeps the true peak of ``samples`` under
    ``ceiling`` (in sample units), or None when the clip needs none.

    The gain each sample needs is spread by a running minimum over twice the window
    and then averaged over the window, so the gain glides down before a peak and back
    up after it, and is never above what any sample needs.
    """
    envelope = _peak_envelope(samples)
    if not len(envelope) or float(envelope.max()) <= ceiling:
        return None
    need = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-9))
    half = max(1, int(LIMITER_WINDOW_S * rate))
    padded = np.concatenate((np.ones(2 * half), need, np.ones(2 * half)))
    spread = _running_min(padded, 2 * half + 1)  # spread[j] = min(padded[j : j + 2h + 1])
    sums = np.concatenate(([0.0], np.cumsum(spread)))
    # gain[i] averages spread[i + h .. i + 2h]; each of those windows covers i + 2h
    # of padded, which is need[i], so gain[i] <= need[i].
    width = half + 1
    start = np.arange(len(need)) + half
    return (sums[start + width] - sums[start]) / width


def normalize(
    samples: np.ndarray, rate: int, target_lufs: float, ceiling_dbtp: float
) -> np.ndarray:
    """``samples`` at ``target_lufs`` with true peaks under ``ceiling_dbtp``, as float64
    in 16-bit units (not yet rounded); silence comes back unchanged."""
    x = np.asarray(samples, dtype=np.float64)
    loudness = integrated_loudness(x, rate)
    if not math.isfinite(loudness):
        return x
    y = x * 10 ** ((target_lufs - loudness) / 20)
    ceiling = FULL_SCALE * 10 ** (ceiling_dbtp / 20)
    gain = limiter_gain(y, ceiling, rate)
    return y if gain is None else y * gain


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    """Float samples in 16-bit units, rounded and clipped to little-endian int16."""
    return np.clip(np.round(samples), -FULL_SCALE, FULL_SCALE - 1).astype("<i2")


# --- measuring a finished file ------------------------------------------------

_SUMMARY = re.compile(
    r"Integrated loudness:\s+I:\s+(?P<i>-?[\d.]+|-inf) LUFS.*?"
    r"Loudness range:\s+LRA:\s+(?P<lra>-?[\d.]+) LU.*?"
    r"True peak:\s+Peak:\s+(?P<tp>-?[\d.]+|-inf) dBFS",
    re.S,
)


@dataclass(frozen=True)
class Measured:
    """What ffmpeg's ebur128 filter reports for a whole file or stream."""

    integrated_lufs: float
    range_lu: float
    true_peak_dbtp: float


def ebur128(inputs: Sequence[str], pcm: bytes | None = None) -> Measured:
    """Loudness of an ffmpeg input (``["-i", path]``, or raw-format options and
    ``pcm`` fed on stdin), measured independently of the code above."""
    command = [tools.ffmpeg_exe(), "-hide_banner", "-nostats", "-nostdin" if pcm is None else "",
               *inputs, "-af", "ebur128=peak=true", "-f", "null", "-"]  # fmt: skip
    result = subprocess.run(
        [part for part in command if part], input=pcm, capture_output=True, check=False
    )
    log = result.stderr.decode("utf-8", "replace")
    found = _SUMMARY.search(log[log.rfind("Summary:") :])
    if result.returncode != 0 or not found:
        raise AssemblyError(f"ffmpeg could not measure the loudness of {' '.join(inputs)}.")
    return Measured(float(found["i"]), float(found["lra"]), float(found["tp"]))
