"""The speech engine interface and the engines that implement it.

An engine turns one piece of text, spoken with one voice profile, into one mono
16-bit WAV file. Engines are created by name inside synthesis worker processes,
never in the main process (espeak-ng must not be initialised before a fork, and
a second pyttsx3 engine in one process hangs the first).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from audiobook.models import VoiceProfile


@dataclass(frozen=True)
class EngineVoice:
    id: str
    name: str
    languages: tuple[str, ...] = ()
    gender: str | None = None


class Engine(Protocol):
    name: str

    def voices(self) -> tuple[EngineVoice, ...]: ...

    def synthesize(self, text: str, profile: VoiceProfile, out: Path) -> None:
        """Write ``text`` spoken with ``profile`` to ``out`` as a complete WAV file."""
        ...
