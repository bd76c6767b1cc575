"""The cover image a user gives: read once, JPEG or PNG by content, for every format's tags."""

from __future__ import annotations

from pathlib import Path

from audiobook.errors import ExportError, os_reason


def read_cover(cover: Path) -> tuple[bytes, str]:
    try:
        data = cover.read_bytes()
    except OSError as exc:
        raise ExportError(
            f"The cover image {cover} cannot be read ({os_reason(exc)})."
        ) from exc
    if data.startswith(b"\xff\xd8\xff"):
        return data, "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return data, "image/png"
    raise ExportError(f"The cover image {cover} is not a JPEG or PNG file.")
