"""Segments + characters -> segments with a speaker for each quote."""

from __future__ import annotations

from audiobook.models import Book, Character, Segment


def attribute(
    book: Book, segments: tuple[Segment, ...], characters: tuple[Character, ...]
) -> tuple[Segment, ...]:
    raise NotImplementedError
