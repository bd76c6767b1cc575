"""Utterances with their clip lengths -> the Timeline: where every clip, pause, cue and
chapter falls, in samples. Pure arithmetic, tested without audio."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from audiobook.errors import AssemblyError
from audiobook.models import ChapterMark, Cue, Timeline


def ms_to_samples(ms: int, sample_rate: int) -> int:
    """Whole samples in ``ms`` milliseconds, rounded down (300 ms at 22050 Hz is 6615)."""
    return ms * sample_rate // 1000


@dataclass(frozen=True)
class Entry:
    """One clip's place in the book: its chapter, the pause before it, its length."""

    chapter: int
    pause: int
    length: int
    speaker: str | None = None
    text: str = ""


class TimelineBuilder:
    """Lays clips end to end, as the decoder plays them, and records marks and cues.

    The very first pause is at least ``lead_in``. A ``gap`` (where two encoded
    pieces meet) lengthens the pause after it. A chapter starts at the first
    sample of the pause before its first clip (0 for the first chapter heard) and
    ends where the next starts; the last ends at the total, after ``tail``.
    Chapters without clips get no mark.
    """

    def __init__(self, chapter_titles: Sequence[str], sample_rate: int, lead_in: int = 0) -> None:
        self.titles = list(chapter_titles)
        self.sample_rate = sample_rate
        self.lead_in = lead_in
        self.position = 0
        self.cues: list[Cue] = []
        self.chapters: list[ChapterMark] = []
        self._chapter = -1
        self._chapter_start = 0
        self._gap = 0

    def add(self, entry: Entry) -> int:
        """Place ``entry``; return the pause to write before it, in samples."""
        if not 0 <= entry.chapter < len(self.titles):
            raise AssemblyError(
                f"A clip belongs to chapter {entry.chapter + 1}, but the book has "
                f"{len(self.titles)} chapters."
            )
        if entry.pause < 0 or entry.length < 0:
            raise AssemblyError("A clip has a negative pause or length.")
        pause = max(self.lead_in, entry.pause) if self._chapter < 0 else entry.pause
        if entry.chapter != self._chapter:
            if entry.chapter < self._chapter:
                raise AssemblyError(
                    f"A clip of chapter {entry.chapter + 1} came after chapter {self._chapter + 1}."
                )
            self._close_chapter()
            self._chapter = entry.chapter
        self.position += self._gap + pause
        self._gap = 0
        self.cues.append(
            Cue(self.position, self.position + entry.length, entry.speaker, entry.text)
        )
        self.position += entry.length
        return pause

    def gap(self, samples: int) -> None:
        """Silence where one encoded piece ends and the next begins; it is part of
        the pause before the next clip, so the next chapter starts where it starts."""
        if samples < 0:
            raise AssemblyError("A gap between pieces cannot be negative.")
        self._gap += samples

    def _close_chapter(self) -> None:
        if self._chapter >= 0:
            start = self._chapter_start
            self.chapters.append(ChapterMark(self.titles[self._chapter], start, self.position))
            self._chapter_start = self.position

    def finish(self, tail: int) -> Timeline:
        if self._chapter < 0:
            raise AssemblyError("There is nothing to read aloud: no clips were given.")
        self.position += self._gap + tail
        self._gap = 0
        self._close_chapter()
        return Timeline(self.sample_rate, self.position, tuple(self.chapters), tuple(self.cues))


def build_timeline(
    entries: Iterable[Entry],
    chapter_titles: Sequence[str],
    sample_rate: int,
    lead_in: int = 0,
    tail: int = 0,
) -> Timeline:
    """The Timeline for clips of given lengths, without any audio (pure)."""
    builder = TimelineBuilder(chapter_titles, sample_rate, lead_in)
    for entry in entries:
        builder.add(entry)
    return builder.finish(tail)
