"""Audio values: what is said in which voice (Utterance), the clip made of it, and the
Timeline placing every clip, cue and chapter in the book, in samples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audiobook.models.voices import VoiceProfile


@dataclass(frozen=True)
class Utterance:
    """One clip to synthesise, and where it sits in the book.

    ``text`` is what the engine says; ``start``/``end`` are the offsets of the
    source text it came from (both 0 for words the tool adds, such as the title
    announcement). ``speaker`` is the character's name, None for the narrator.
    ``pause_before_ms`` is the silence that precedes the clip.
    """

    text: str
    profile: VoiceProfile
    speaker: str | None
    chapter: int
    pause_before_ms: int
    start: int = 0
    end: int = 0
    caption: str = ""
    """The words as written, for the transcript, when ``text`` was respelled."""


@dataclass(frozen=True)
class Clip:
    """A synthesised utterance: a mono 16-bit WAV file in the clip cache."""

    utterance: Utterance
    path: Path


@dataclass(frozen=True)
class Cue:
    """A transcript cue, in samples from the start of the audio."""

    start: int
    end: int
    speaker: str | None
    text: str


@dataclass(frozen=True)
class ChapterMark:
    """A chapter in the finished audio, in samples; marks are contiguous."""

    title: str
    start: int
    end: int


@dataclass(frozen=True)
class Timeline:
    sample_rate: int
    total: int
    chapters: tuple[ChapterMark, ...]
    cues: tuple[Cue, ...]

    def ms(self, samples: int) -> int:
        """Milliseconds for a sample position, rounded once, at the end."""
        return (samples * 1000 + self.sample_rate // 2) // self.sample_rate


@dataclass(frozen=True)
class BookTags:
    """What a finished book is tagged with, whatever its format."""

    title: str
    author: str | None = None
    album: str | None = None
    """The album tag; the title when None."""
    comment: str | None = None
    """The summary."""
    cover: Path | None = None
    """A JPEG or PNG image."""
