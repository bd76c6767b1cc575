"""Book + segments -> characters: names, aliases, gender."""

from __future__ import annotations

from audiobook.models import Book, Character, Segment


def find_characters(book: Book, segments: tuple[Segment, ...]) -> tuple[Character, ...]:
    raise NotImplementedError
