"""One cached clip -> the samples that go into the book: decoded, trimmed of the
engine's edge silence, resampled to the book's rate and brought to its loudness."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from audiobook.audio.loudness import FULL_SCALE, normalize, to_pcm16, upsample
from audiobook.audio.timeline import ms_to_samples
from audiobook.config import SAMPLE_RATE, AudioSettings
from audiobook.errors import AssemblyError

LOUDNESS_OFFSET_LU = 1.5
"""Clips are measured and brought this much above the book's target, because the
book measures lower than its clips: the 400 ms blocks that straddle the pauses
between clips are quieter, and the limiter turns peaks down (measured with the
default pauses: 1.3 to 1.6 LU on the seeds and on a novel)."""


ENCODER_HEADROOM_DB = 1.6
"""Clips are limited this far below the book's true-peak ceiling, because lossy
encoding raises true peaks (measured on the seeds and a novel: 0.6 to 1.1 dB)."""


CHUNK = 1 << 16
"""Samples handled at a time: a clip of any length needs only a few chunks of memory."""


def _first_loud(samples: np.ndarray, threshold: float, backwards: bool = False) -> int | None:
    starts = range(0, len(samples), CHUNK)
    for at in reversed(starts) if backwards else starts:
        loud = np.flatnonzero(np.abs(samples[at : at + CHUNK].astype(np.int32)) > threshold)
        if loud.size:
            return at + int(loud[-1] if backwards else loud[0])
    return None


def trim_bounds(samples: np.ndarray, threshold_dbfs: float, keep: int) -> tuple[int, int]:
    """[start, end) of ``samples`` without edge silence, keeping ``keep`` samples each side.

    A clip with nothing above the threshold trims to nothing.
    """
    threshold = FULL_SCALE * 10 ** (threshold_dbfs / 20)
    first = _first_loud(samples, threshold)
    if first is None:
        return 0, 0
    last = _first_loud(samples, threshold, backwards=True)
    assert last is not None
    return max(0, first - keep), min(len(samples), last + 1 + keep)


def _wav_layout(path: Path) -> tuple[tuple[int, int, int], int, int]:
    """((channels, bytes per sample, rate), data offset, frames) from a WAV's RIFF chunks."""
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        head = file.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:] != b"WAVE":
            raise ValueError("not a RIFF WAVE file")
        params = None
        while True:
            chunk = file.read(8)
            if len(chunk) < 8:
                raise ValueError("no data chunk")
            name, length = chunk[:4], int.from_bytes(chunk[4:], "little")
            if name == b"fmt ":
                fmt = file.read(length)
                channels = int.from_bytes(fmt[2:4], "little")
                rate = int.from_bytes(fmt[4:8], "little")
                params = (channels, int.from_bytes(fmt[14:16], "little") // 8, rate)
                file.seek(length & 1, 1)
            elif name == b"data":
                if params is None:
                    raise ValueError("data chunk before fmt chunk")
                offset = file.tell()
                frame = max(1, params[0] * params[1])
                return params, offset, min(length, size - offset) // frame
            else:
                file.seek(length + (length & 1), 1)


def load_clip(path: Path, sample_rate: int) -> np.ndarray:
    """The samples of a clip's mono 16-bit WAV, mapped from the file, not read into memory."""
    try:
        params, offset, frames = _wav_layout(path)
        if params != (1, 2, sample_rate):
            raise AssemblyError(
                f"The clip {path} is {params[0]}-channel {8 * params[1]}-bit {params[2]} Hz "
                f"audio, not mono 16-bit {sample_rate} Hz."
            )
        if frames == 0:
            return np.zeros(0, dtype="<i2")
        return np.memmap(path, dtype="<i2", mode="r", offset=offset, shape=(frames,))
    except (OSError, ValueError) as exc:
        raise AssemblyError(
            f"The clip {path} cannot be read ({exc}); delete it to redo it."
        ) from exc


def clip_pcm(path: Path, settings: AudioSettings) -> tuple[int, Iterator[bytes]]:
    """A clip as it goes into the book: trimmed of edge silence, brought to the book's
    loudness with its true peaks limited, resampled to the book's rate. Its length in
    samples and its PCM, chunk by chunk."""
    samples = load_clip(path, SAMPLE_RATE)
    keep = ms_to_samples(settings.keep_edge_ms, SAMPLE_RATE)
    start, end = trim_bounds(samples, settings.silence_threshold_dbfs, keep)
    ceiling = settings.true_peak_dbtp - ENCODER_HEADROOM_DB
    target = settings.loudness_lufs + LOUDNESS_OFFSET_LU
    body = normalize(samples[start:end], SAMPLE_RATE, target, ceiling)
    pcm = to_pcm16(upsample(body, settings.sample_rate // SAMPLE_RATE))
    return len(pcm), (pcm[at : at + CHUNK].tobytes() for at in range(0, len(pcm), CHUNK))


def prepare_clip(path: Path, settings: AudioSettings) -> np.ndarray:
    """A clip as it goes into the book, in one array."""
    _, chunks = clip_pcm(path, settings)
    return np.frombuffer(b"".join(chunks), dtype="<i2")
