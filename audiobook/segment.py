"""Book -> segments: narration, dialogue, thought, headings and matter, with offsets."""

from __future__ import annotations

from audiobook.models import Book, Segment


def segment(book: Book, read_notes: bool = False) -> tuple[Segment, ...]:
    raise NotImplementedError
