"""Structured story files -> Document with extracted text and ``Hints``.

One module per format: ``epub`` (EPUB 2 and 3), ``html`` (pages and fan-fiction archive
downloads) and ``markdown``; ``_markup`` is the HTML walk they share. ``sniff`` tells
which format a file is in; plain text is left to ``read.decode``.
"""

from __future__ import annotations

from pathlib import Path

EPUB, HTML, MARKDOWN = "epub", "html", "markdown"
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd"})
_ZIP = b"PK\x03\x04"
_EPUB_MIMETYPE = b"mimetypeapplication/epub+zip"
_HTML_STARTS = (b"<!doctype html", b"<html")


def _head(data: bytes) -> bytes:
    """The first bytes as lowercase ASCII-ish text, whatever the Unicode encoding."""
    head = data[:1024]
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                       (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            text = head[len(bom):].decode(codec, errors="ignore")
            return text.encode("ascii", errors="ignore").lower()
    return head.lower()


def sniff(data: bytes, path: Path | None) -> str | None:
    """"epub", "html", "markdown", or None for plain text, from the content first and
    the file name second."""
    suffix = path.suffix.lower() if path is not None else ""
    if data.startswith(_ZIP) and (suffix == ".epub" or _EPUB_MIMETYPE in data[:100]):
        return EPUB
    if suffix == ".epub":
        return EPUB  # not a zip archive: the EPUB reader says so
    head = _head(data).lstrip()
    if head.startswith(b"<?xml") and b"<html" in head:
        return HTML
    if head.startswith(_HTML_STARTS) or suffix in HTML_SUFFIXES:
        return HTML
    if suffix in MARKDOWN_SUFFIXES:
        return MARKDOWN
    return None
