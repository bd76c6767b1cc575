"""What an element of a page is: a block, a heading, a scene break, italic text, a
note marker, navigation or other furniture never read, or front or back matter
(by its semantic role, class or opening words)."""

from __future__ import annotations

import re
from typing import Any

SCENE_BREAK = "* * *"
"""What a ``<hr>`` or an empty scene-break element becomes in the extracted text."""


Element = Any
"""An lxml element (``lxml.html.HtmlElement``); lxml ships no type information."""


BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt "
    "fieldset figcaption figure footer h1 h2 h3 h4 h5 h6 header hgroup html legend li main "
    "ol p pre section summary table tbody td tfoot th thead tr ul".split()
)


HEADING_TAGS = {f"h{n}": n for n in range(1, 7)}


_ITALIC_TAGS = frozenset({"i", "em", "cite", "dfn", "var"})


_ITALIC_CLASSES = frozenset({"italic", "italics", "ital", "emph", "emphasis"})


# Never read: code, page furniture and what only screen readers or browsers use.
_DROP_TAGS = frozenset(
    "script style noscript template nav form button input select option textarea iframe "
    "svg math canvas object embed audio video map head title meta link rt rp datalist".split()
)


_DROP_ROLES = frozenset(
    "navigation banner contentinfo search menu menubar toolbar tablist doc-noteref "
    "doc-backlink doc-pagebreak doc-toc".split()
)


_DROP_TYPES = frozenset("noteref backlink pagebreak landmarks page-list toc annoref".split())


_DROP_WORDS = frozenset(
    "nav navigation navbar menu breadcrumb breadcrumbs skiplinks skip-links pagination pager "
    "toolbar sidebar landmark sr-only visually-hidden screen-reader-text hidden comments "
    "comment feedback kudos share sharing social actions advertisement ads cookie-banner "
    "noteref footnote-ref footnoteref".split()
)


# Semantic types (epub:type, role) of text that is not story, with where it sits.
_SEMANTIC_LABELS = {
    "footnote": ("footnotes", False),
    "footnotes": ("footnotes", False),
    "doc-footnote": ("footnotes", False),
    "endnote": ("endnotes", False),
    "endnotes": ("endnotes", False),
    "rearnote": ("endnotes", False),
    "rearnotes": ("endnotes", False),
    "doc-endnote": ("endnotes", False),
    "doc-endnotes": ("endnotes", False),
    "titlepage": ("title page", True),
    "halftitlepage": ("title page", True),
    "copyright-page": ("copyright page", True),
    "dedication": ("dedication", True),
    "doc-dedication": ("dedication", True),
    "acknowledgments": ("acknowledgements", False),
    "doc-acknowledgments": ("acknowledgements", False),
    "colophon": ("colophon", False),
    "doc-colophon": ("colophon", False),
    "index": ("index", False),
    "doc-index": ("index", False),
    "cover": ("cover", True),
    "doc-cover": ("cover", True),
    "imprint": ("imprint", True),
}


# Class and id words of fan-fiction archive pages and converters, by meaning, not by site.
_CLASS_LABELS = {
    "summary": "summary",
    "synopsis": "summary",
    "blurb": "summary",
    "notes": "author's note",
    "note": "author's note",
    "endnotes": "author's note",
    "endnote": "author's note",
    "authornote": "author's note",
    "authorsnote": "author's note",
    "byline": "author line",
    "tags": "story details",
    "stats": "story details",
    "preface": "story details",
    "afterword": "afterword",
    "footnote": "footnotes",
    "footnotes": "footnotes",
}


_SCENE_BREAK_WORDS = frozenset(
    "scenebreak scene-break scene_break sectionbreak section-break section_break spacebreak "
    "space-break break ornament separator divider dinkus".split()
)


# Short paragraphs that introduce the block after them ("Summary", then a blockquote).
LABEL_LINES = {
    "summary": ("summary", True),
    "chapter summary": ("summary", True),
    "notes": ("author's note", True),
    "chapter notes": ("author's note", True),
    "author's note": ("author's note", True),
    "author's notes": ("author's note", True),
    "authors note": ("author's note", True),
    "end notes": ("author's note", False),
    "chapter end notes": ("author's note", False),
}


_NOTE_LINK_TEXT = re.compile(r"[\[(]?(?:\d{1,4}|[ivxlc]{1,6}|[a-z]|[*†‡§¶#]+)[\])]?", re.I)


def normalise_label_line(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").strip().rstrip(":").split())


def tokens(el: Element) -> list[str]:
    """Class, id, epub:type and role words of an element, lowercased."""
    words = []
    for name in ("class", "id", "epub:type", "role"):
        words.extend(str(el.get(name) or "").lower().split())
    return words


def _semantic(el: Element) -> list[str]:
    return f"{el.get('epub:type') or ''} {el.get('role') or ''}".lower().split()


def _style(el: Element) -> dict[str, str]:
    out = {}
    for decl in str(el.get("style") or "").split(";"):
        name, _, value = decl.partition(":")
        out[name.strip().lower()] = value.strip().lower()
    return out


def matter_label(el: Element) -> tuple[str, bool] | None:
    """The matter label an element's semantics or class words give it, and whether it
    belongs in front (False for notes that come at the end)."""
    for word in _semantic(el):
        if word in _SEMANTIC_LABELS:
            return _SEMANTIC_LABELS[word]
    words = tokens(el)
    if is_chapter_box(el):
        return None
    for word in words:
        parts = re.split(r"[-_]", word)
        for part in (word, word.rstrip("0123456789"), *parts):
            if part in _CLASS_LABELS:
                label = _CLASS_LABELS[part]
                at_end = label in ("afterword", "footnotes") or any(
                    w == "end" or (w.startswith("end") and w != "endnote-link") for w in words
                )
                return label, not at_end
    if el.tag == "dl" and "meta" in words:
        return "story details", True
    return None


def is_chapter_box(el: Element) -> bool:
    """An element holding one chapter (or all of them): ``class="chapter"``, ``id="chapter-3"``."""
    return any(
        w.rstrip("0123456789").rstrip("-_") in ("chapter", "chapters") for w in tokens(el)
    )


def is_scene_break(el: Element) -> bool:
    return any(w in _SCENE_BREAK_WORDS for w in tokens(el))


def _is_note_link(el: Element) -> bool:
    href = str(el.get("href") or "")
    if "#" not in href:
        return False
    words = " ".join(el.text_content().split())
    return bool(words) and _NOTE_LINK_TEXT.fullmatch(words) is not None


def dropped(el: Element) -> bool:
    """Whether an element is never read: scripts, styles, navigation, hidden text, note marks."""
    tag = el.tag
    if tag in _DROP_TAGS:
        return True
    if el.get("hidden") is not None or str(el.get("aria-hidden") or "").lower() == "true":
        return True
    style = _style(el)
    if style.get("display") == "none" or style.get("visibility") == "hidden":
        return True
    if any(w in _DROP_ROLES for w in str(el.get("role") or "").lower().split()):
        return True
    if any(w in _DROP_TYPES for w in str(el.get("epub:type") or "").lower().split()):
        return True
    if any(w in _DROP_WORDS for w in tokens(el)):
        return True
    return tag == "a" and _is_note_link(el)


def is_italic(el: Element, inherited: bool) -> bool:
    style = _style(el).get("font-style")
    if style in ("italic", "oblique"):
        return True
    if style == "normal":
        return False
    if el.tag in _ITALIC_TAGS or any(w in _ITALIC_CLASSES for w in tokens(el)):
        return True
    return inherited


def label_lines(root: Element) -> dict[Element, tuple[str, bool]]:
    """A short "Summary" or "Notes" line labels itself and the block that follows it."""
    marks: dict[Element, tuple[str, bool]] = {}
    for el in root.iter("p", "div", "dt", "h2", "h3", "h4", "h5", "h6", "b", "strong"):
        if len(el) > 2:
            continue
        words = el.text_content()
        if len(words) > 40:
            continue
        found = LABEL_LINES.get(normalise_label_line(words))
        if found is None:
            continue
        marks[el] = found
        nxt = el.getnext()
        if nxt is not None and isinstance(nxt.tag, str) and nxt.tag in BLOCK_TAGS:
            marks[nxt] = found
    return marks

