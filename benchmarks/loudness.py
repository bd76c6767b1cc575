"""Loudness of finished audiobooks, measured with ffmpeg's ebur128 filter.

    python benchmarks/loudness.py BOOK.mp3 [BOOK.mp3 ...]

Prints, per file, the integrated loudness (LUFS), loudness range (LU) and true peak
(dBTP) of the whole book, and the integrated loudness of each voice: the audio under
that speaker's transcript cues (the `.vtt` beside the file), so that voices can be
compared with each other.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audiobook import tools
from audiobook.audio import loudness

RATE = 22050


def ebur128(source: list[str], pcm: bytes | None = None) -> dict[str, float]:
    """Integrated loudness, range and true peak of an ffmpeg input (or of raw ``pcm``)."""
    measured = loudness.ebur128(source, pcm)
    return {"i": measured.integrated_lufs, "lra": measured.range_lu, "tp": measured.true_peak_dbtp}


def cues(vtt: Path) -> dict[str, list[tuple[float, float]]]:
    """Seconds spoken by each voice, from the transcript's cues."""
    def seconds(stamp: str) -> float:
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for block in vtt.read_text(encoding="utf-8").split("\n\n")[1:]:
        lines = block.strip().splitlines()
        timing = next((line for line in lines if "-->" in line), None)
        voice = re.search(r"<v ([^>]*)>", block)
        if timing and voice:
            start, end = (seconds(t.strip()) for t in timing.split("-->"))
            spans[voice.group(1)].append((start, end))
    return spans


def decode(mp3: Path) -> bytes:
    """The book as mono 16-bit PCM at 22,050 Hz."""
    return subprocess.run(
        [tools.ffmpeg_exe(), "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "1",
         "-ar", str(RATE), "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip


def per_voice(pcm: bytes, spans: list[tuple[float, float]]) -> float:
    """Integrated loudness of the audio under ``spans`` only, joined end to end."""
    joined = b"".join(pcm[2 * int(a * RATE) : 2 * int(b * RATE)] for a, b in spans)
    raw = ["-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0"]
    return ebur128(raw, joined)["i"]


def main(paths: list[str]) -> None:
    print("| book | integrated (LUFS) | range (LU) | true peak (dBTP) | voices (LUFS) |")
    print("|---|---|---|---|---|")
    for name in paths:
        mp3 = Path(name)
        whole = ebur128(["-i", str(mp3)])
        pcm = decode(mp3)
        voices = {
            who: per_voice(pcm, spans)
            for who, spans in cues(mp3.with_suffix(".vtt")).items()
            if sum(b - a for a, b in spans) >= 3.0  # the gating needs a few seconds
        }
        spread = max(voices.values()) - min(voices.values()) if voices else 0.0
        listed = ", ".join(f"{who} {value:.1f}" for who, value in sorted(voices.items()))
        print(
            f"| {mp3.stem} | {whole['i']:.1f} | {whole['lra']:.1f} | {whole['tp']:.1f} | "
            f"{listed} (spread {spread:.1f} LU) |"
        )


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    main(sys.argv[1:])
