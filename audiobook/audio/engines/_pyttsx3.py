"""What both pyttsx3 engines do alike: a piece that came back empty spoken once more,
the clip written as WAV, and the driver's voices as EngineVoice values."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from audiobook.errors import EngineError
from audiobook.files import write_wav
from audiobook.models import EngineVoice


def speak_clip(out: Path, speak: Callable[[Path], bytes]) -> None:
    """Write to ``out``, as mono 16-bit WAV at ``SAMPLE_RATE``, what ``speak`` returns
    having spoken into a scratch file beside it (removed afterwards)."""
    scratch = out.with_name(out.name + ".piece.wav")
    try:
        pcm = speak(scratch)
    finally:
        with contextlib.suppress(FileNotFoundError):
            scratch.unlink()
    write_wav(out, pcm)


def spoken_twice(speak: Callable[[Path], bytes], path: Path, who: str) -> bytes:
    """``speak(path)``'s PCM, spoken once more into a fresh file if it came back empty
    (a late writer of the first file cannot then spoil the second)."""
    pcm = speak(path)
    if pcm:
        return pcm
    again = path.with_name(path.stem + "-again" + path.suffix)
    try:
        pcm = speak(again)
    finally:
        with contextlib.suppress(FileNotFoundError):
            again.unlink()
    if not pcm:
        raise EngineError(f"{who} returned no audio for this text, twice.")
    return pcm


def pyttsx3_voices(found: Any) -> tuple[EngineVoice, ...]:
    """pyttsx3's Voice objects as EngineVoice values (espeak hands some fields as bytes)."""
    voices = []
    for voice in found or ():
        languages = tuple(_text(lang) for lang in (getattr(voice, "languages", None) or ()))
        age = getattr(voice, "age", None)
        voices.append(EngineVoice(
            str(voice.id), _text(voice.name or voice.id), tuple(x for x in languages if x),
            _text(voice.gender) if voice.gender else None,
            _text(age) if age not in (None, "") else None,
        ))  # fmt: skip
    return tuple(voices)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return "".join(ch for ch in str(value) if ch.isprintable()).strip()
