"""Story file -> Document: decoding and line-end normalisation, keeping offsets."""

from __future__ import annotations

from pathlib import Path

from audiobook.models import Document


def decode(data: bytes, encoding: str | None = None, path: Path | None = None) -> Document:
    """Decode bytes: UTF-8 with or without BOM, then cp1252, then detection.

    ``encoding`` forces one. Binary data is an InputError.
    """
    raise NotImplementedError


def read(path: Path, encoding: str | None = None) -> Document:
    """Read and decode a story file; missing, unreadable and directory paths are InputErrors."""
    raise NotImplementedError
