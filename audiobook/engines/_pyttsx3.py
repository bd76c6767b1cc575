"""Speaking a clip in pieces: long text split where the engines cope, one file per
piece through the driver, the PCM joined into the clip's WAV."""

from __future__ import annotations

import contextlib
import wave
from collections.abc import Callable
from pathlib import Path

from audiobook.config import SAMPLE_RATE
from audiobook.plan import split_text


def speak_in_pieces(text: str, out: Path, speak_piece: Callable[[str, Path], bytes]) -> None:
    """Write ``text`` to ``out`` as mono 16-bit WAV at ``SAMPLE_RATE``; ``speak_piece``
    speaks one piece into the given scratch file and returns its PCM."""
    piece_path = out.with_name(out.name + ".piece.wav")
    try:
        pcm = b"".join(speak_piece(piece, piece_path) for piece in split_text(text))
    finally:
        with contextlib.suppress(FileNotFoundError):
            piece_path.unlink()
    with wave.open(str(out), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(pcm)
