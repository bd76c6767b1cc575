"""Document -> Book: title, author, summary, front/back matter, chapters, scenes, paragraphs."""

from __future__ import annotations

from audiobook.models import Book, Document


def structure(doc: Document, title: str | None = None, author: str | None = None) -> Book:
    raise NotImplementedError
