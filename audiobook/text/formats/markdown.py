"""Markdown -> Document: rendered by markdown-it-py (CommonMark), then read as HTML, so
headings become chapters and ``*italics*``/``_italics_`` become emphasis.

A YAML-style front matter block (``---`` lines around ``title:``, ``author:`` and
``summary:``) gives the title, author and summary; it is not part of the text.
"""

from __future__ import annotations

from pathlib import Path

from audiobook.models import Document
from audiobook.text.formats.html import read_html

_FRONT_KEYS = {
    "title": "title",
    "author": "author",
    "authors": "author",
    "summary": "summary",
    "description": "summary",
}


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """Simple ``key: value`` front matter, and the text after it."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, min(len(lines), 200)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return {}, text
    found: dict[str, str] = {}
    for line in lines[1:end]:
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        value = value.strip().strip("\"'").strip()
        if sep and key in _FRONT_KEYS and value:
            found.setdefault(_FRONT_KEYS[key], value)
    if not found and any(":" not in line for line in lines[1:end] if line.strip()):
        return {}, text  # a thematic break, not front matter
    return found, "\n".join(lines[end + 1 :])


def read_markdown(text: str, path: Path | None, encoding: str = "utf-8") -> Document:
    """Extract a Markdown story's text and structure; ``text`` is the decoded file."""
    from markdown_it import MarkdownIt  # lazily: only Markdown needs it

    meta, body = _front_matter(text)
    renderer = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    page = renderer.render(body)
    return read_html(
        f"<html><body>{page}</body></html>",
        path,
        encoding,
        format="markdown",
        title=meta.get("title"),
        author=meta.get("author"),
        summary=meta.get("summary"),
    )
