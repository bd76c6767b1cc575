"""Loudness of speech clips as ITU-R BS.1770 measures it, and a true-peak limiter.

Every clip is brought to the book's target loudness (K-weighted and gated, in LUFS),
so all voices sound equally loud and the finished book measures the target. espeak-ng's
speech has a crest factor of about 21 dB, so at -19 LUFS some syllables would peak
above full scale: a look-ahead limiter then holds the clip's 4x-oversampled (true)
peaks under a ceiling, lowering the gain for some 30 ms around each such peak only.
All of it is numpy over one clip at a time; nothing here sees the whole book.
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
KAISER_BETA = 8.0


REVISION = 2
"""Raised whenever the arithmetic here changes what comes out (part of the cache keys)."""


def tunables() -> tuple[float, ...]:
    """Every constant that shapes the audio made here (part of the cache keys)."""
    return (REVISION, OVERSAMPLING, TRUE_PEAK_TAPS, LIMITER_WINDOW_S, INTERPOLATION_TAPS,
            KAISER_BETA, BLOCK_S, RELATIVE_GATE_LU, ABSOLUTE_GATE_LUFS, FILTER_FRAME,
            FILTER_MEMORY_S)


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


@functools.lru_cache(maxsize=64)
def _k_response(size: int, rate: int) -> np.ndarray:
    """The K-weighting filter's complex response at the bins of an rfft of ``size``
    (read-only: it is cached)."""
    z = np.exp(-2j * np.pi * np.fft.rfftfreq(size))  # z^-1 at each bin
    response = np.ones(len(z), dtype=np.complex128)
    for b, a in _k_biquads(rate):
        response *= np.polyval(b[::-1], z) / np.polyval(a[::-1], z)
    response.flags.writeable = False
    return response


def _fft_size(n: int) -> int:
    """The power of two at or above ``n``: few sizes, so the filter's response at
    each is computed once."""
    return 1 << max(1, (n - 1).bit_length())


FILTER_FRAME = 8192
"""Samples per FFT frame of the K-weighting (small frames stay in the CPU's cache)."""
FILTER_MEMORY_S = 0.04
"""How much input before a frame's output the filter needs: the high-pass's time
constant is about 4 ms, so 40 ms leaves less than -80 dB of its response out."""


def k_weighted(samples: np.ndarray, rate: int) -> np.ndarray:
    """``samples`` (any scale) through the K-weighting filter, as float32.

    Overlap-save: the clip is cut into frames that each begin with the previous
    ``FILTER_MEMORY_S`` of input, all transformed in one batch; the part of each
    frame after that memory is the filter's output. Within 0.01% of running the two
    biquads; single precision (ample for 16-bit audio) makes it a third faster.
    """
    x = np.asarray(samples, dtype=np.float32)
    n = len(x)
    if not n:
        return x
    memory = max(1, round(FILTER_MEMORY_S * rate))
    size = max(FILTER_FRAME, _fft_size(2 * memory))
    step = size - memory
    frames = -(-n // step)
    padded = np.zeros(memory + frames * step + memory, dtype=np.float32)
    padded[memory : memory + n] = x
    view = np.lib.stride_tricks.sliding_window_view(padded, size)[::step][:frames]
    spectra = np.fft.rfft(view, axis=1)
    spectra *= _k_response(size, rate).astype(spectra.dtype)
    out = np.fft.irfft(spectra, size, axis=1)[:, memory:].ravel()[:n]
    return out.astype(np.float32, copy=False)


def _blocks_of_hops(energy: np.ndarray, hop: int) -> np.ndarray:
    """Mean squares (full scale = 1) of 400 ms blocks from the energies of 100 ms hops."""
    blocks = energy[:-3] + energy[1:-2] + energy[2:-1] + energy[3:]
    return blocks / (4 * hop * FULL_SCALE**2)


def block_powers(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mean square of the K-weighted signal (full scale = 1) in each 400 ms block,
    one block every 100 ms; a clip shorter than a block is one block."""
    y = k_weighted(samples, rate)
    if not len(y):
        return np.zeros(0)
    np.square(y, out=y)
    hop = round(BLOCK_S * rate / 4)
    if len(y) <= 4 * hop:
        return np.array([float(np.mean(y, dtype=np.float64))]) / FULL_SCALE**2
    hops = len(y) // hop
    sums = y[: hops * hop].reshape(hops, hop).sum(axis=1, dtype=np.float64)
    return _blocks_of_hops(sums, hop)


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
def _phase_taps(factor: int, half: int) -> tuple[np.ndarray, ...]:
    """For each fraction p/factor (p = 1 .. factor-1) of a sample period, the FIR that
    interpolates a band-limited signal there from ``half`` samples each side."""
    offsets = np.arange(-half + 1, half + 1, dtype=np.float64)  # sample k = i + offset
    window = np.kaiser(2 * half, KAISER_BETA)
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
        for p, between in enumerate(_interpolated(x, factor, INTERPOLATION_TAPS), start=1):
            out[p::factor] = between
    return out


TRUE_PEAK_TAPS = 8
"""Samples each side that the true-peak interpolation reads (BS.1770 uses 12 taps per
phase; 16 keep it within 0.1 dB on speech)."""


def _interpolated(x: np.ndarray, factor: int, half: int) -> Iterator[np.ndarray]:
    """For p = 1 .. factor-1, the signal interpolated at ``i + p/factor`` for each i."""
    padded = np.concatenate((np.zeros(half - 1), x, np.zeros(half)))
    for taps in _phase_taps(factor, half):
        yield np.correlate(padded, taps, mode="valid")


HOT_JOIN = 256
"""Stretches of loud samples closer than this are interpolated as one (a call costs
more than this much arithmetic)."""


def _peak_envelope(samples: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """For each sample i, the largest 4x-oversampled magnitude from i - 1 to before
    i + 1: exact wherever it could reach ``floor``, and elsewhere at least the sample
    magnitudes (and below ``floor``).

    A point between samples is interpolated from the 16 samples around it, so it
    cannot exceed their largest magnitude times the taps' absolute sum: only the
    stretches around samples louder than ``floor`` over that sum are interpolated
    (on speech at the default level, about one sample in ten).
    """
    x = np.asarray(samples)
    if x.dtype != np.float32:
        x = x.astype(np.float64)
    near = np.abs(x)  # the largest magnitude in [i, i + 1)
    n, half = len(x), TRUE_PEAK_TAPS
    taps = [t.astype(x.dtype) for t in _phase_taps(OVERSAMPLING, half)]
    bound = max(float(np.abs(t).sum()) for t in _phase_taps(OVERSAMPLING, half))
    loud = np.flatnonzero(near >= floor / bound)
    if loud.size:
        breaks = np.flatnonzero(np.diff(loud) > 2 * half + HOT_JOIN)
        firsts = np.maximum(0, loud[np.concatenate(([0], breaks + 1))] - half)
        lasts = np.minimum(n, loud[np.concatenate((breaks, [loud.size - 1]))] + half + 1)
        padded = np.concatenate((np.zeros(half - 1, x.dtype), x, np.zeros(half, x.dtype)))
        for a, b in zip(firsts.tolist(), lasts.tolist(), strict=True):
            stretch = padded[a : b + 2 * half - 1]  # padded[a + k] is x[a + k - half + 1]
            for t in taps:
                between = np.correlate(stretch, t, mode="valid")
                np.maximum(near[a:b], np.abs(between), out=near[a:b])
    envelope = near.copy()
    np.maximum(envelope[1:], near[:-1], out=envelope[1:])
    return envelope


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


def _smooth_gain(need: np.ndarray, half: int) -> np.ndarray:
    """The gain for ``need`` (ones beyond its ends): the minimum over the 2h + 1
    samples centred on each sample, then the mean of that over i .. i + h, so the gain
    glides down before a peak and back up after it. Each of the minima averaged for
    gain[i] covers need[i], so gain[i] <= need[i]."""
    n = len(need)
    ones = np.ones(half)
    # spread[k] = min(need[k - h .. k + h]), with ones beyond the ends
    spread = _running_min(np.concatenate((ones, need, ones, ones)), 2 * half + 1)
    sums = np.concatenate(([0.0], np.cumsum(spread)))
    gain = (sums[half + 1 : half + 1 + n] - sums[:n]) / (half + 1)
    return np.minimum(gain, need, out=gain)  # the running sums round by up to 1e-13


def _limiter_spans(
    samples: np.ndarray, ceiling: float, rate: int
) -> Iterator[tuple[int, int, np.ndarray]]:
    """(lo, hi, gain) for each stretch of ``samples`` the limiter turns down; the gain
    is 1 everywhere else.

    gain[i] depends on what samples i - h to i + 2h need (h: the window), so it is
    worked out only around the samples over the ceiling, one cluster of them at a
    time. Stretches may overlap; where they do, the smaller gain holds.
    """
    envelope = _peak_envelope(samples, floor=ceiling)
    over = np.flatnonzero(envelope > ceiling)
    if not over.size:
        return
    half = max(1, int(LIMITER_WINDOW_S * rate))
    breaks = np.flatnonzero(np.diff(over) > 3 * half + 1)
    for cluster in np.split(over, breaks + 1):
        lo = max(0, int(cluster[0]) - 3 * half)
        hi = min(len(envelope), int(cluster[-1]) + 3 * half + 1)
        need = np.ones(hi - lo)
        need[cluster - lo] = ceiling / envelope[cluster]
        yield lo, hi, _smooth_gain(need, half)


def limiter_gain(samples: np.ndarray, ceiling: float, rate: int) -> np.ndarray | None:
    """A smooth gain (<= 1 per sample) that keeps the true peak of ``samples`` under
    ``ceiling`` (in sample units), or None when the clip needs none."""
    gain = None
    for lo, hi, part in _limiter_spans(samples, ceiling, rate):
        if gain is None:
            gain = np.ones(len(samples))
        np.minimum(gain[lo:hi], part, out=gain[lo:hi])
    return gain


def normalize(
    samples: np.ndarray, rate: int, target_lufs: float, ceiling_dbtp: float
) -> np.ndarray:
    """``samples`` at ``target_lufs`` with true peaks under ``ceiling_dbtp``, as float32
    in 16-bit units (not yet rounded); silence comes back unchanged."""
    loudness = integrated_loudness(samples, rate)
    y = np.array(samples, dtype=np.float32)  # single precision is ample for 16-bit audio
    if not math.isfinite(loudness):
        return y
    y *= 10 ** ((target_lufs - loudness) / 20)
    ceiling = FULL_SCALE * 10 ** (ceiling_dbtp / 20)
    spans = list(_limiter_spans(y, ceiling, rate))  # measured before any is applied
    for lo, hi, gain in spans:
        y[lo:hi] *= gain
    return y


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    """Float samples in 16-bit units, rounded and clipped to little-endian int16."""
    rounded = np.rint(samples)
    np.clip(rounded, -FULL_SCALE, FULL_SCALE - 1, out=rounded)
    return rounded.astype("<i2")


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


def ebur128(inputs: Sequence[str], pcm: bytes | None = None, timeout_s: float = 600) -> Measured:
    """Loudness of an ffmpeg input (``["-i", path]``, or raw-format options and
    ``pcm`` fed on stdin), measured independently of the code above."""
    command = [tools.ffmpeg_exe(), "-hide_banner", "-nostats", "-nostdin" if pcm is None else "",
               *inputs, "-af", "ebur128=peak=true", "-f", "null", "-"]  # fmt: skip
    try:
        result = subprocess.run(
            [part for part in command if part], input=pcm, capture_output=True, check=False,
            timeout=timeout_s,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AssemblyError(f"ffmpeg could not measure {' '.join(inputs)} ({exc}).") from exc
    log = result.stderr.decode("utf-8", "replace")
    summary = log.rfind("Summary:")
    found = _SUMMARY.search(log[summary:]) if summary >= 0 else None
    if result.returncode != 0 or not found:
        last = log.strip().splitlines()[-1] if log.strip() else "no output"
        raise AssemblyError(f"ffmpeg could not measure {' '.join(inputs)} ({last}).")
    return Measured(float(found["i"]), float(found["lra"]), float(found["tp"]))
