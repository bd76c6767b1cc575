"""EPUB 2 or 3 -> Document: the spine's text, chapters from the navigation document
(EPUB 3) or the NCX (EPUB 2) in spine order, and front and back matter labelled.

The archive is only read, member by member, with a cap on what is decompressed; no
file is ever written, so member names (even ``../../x``) are just keys. The package
files are XML parsed with defusedxml (no entity expansion, no external fetches); the
content documents are parsed as HTML, which tolerates the broken XHTML found in the wild.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from audiobook.errors import InputError
from audiobook.models import ChapterHint, Document, Hints, Span, WorkInfo
from audiobook.text.formats import archives
from audiobook.text.formats._epub_package import (
    HTML_TYPES,
    Archive,
    NavEntry,
    check_drm,
    nav_entries,
    package_path,
    read_package,
)
from audiobook.text.formats._markup import (
    Block,
    Walker,
    compose,
    decode_markup,
    matter_spans,
    parse,
)
from audiobook.text.formats._work import numbered_titles
from audiobook.text.formats.html import chapter_hints

MAX_FRONT_SHARE = 0.05
"""Unlisted text before the first listed chapter is front matter only while it is this
small a share of the book; more than that, and the navigation is more likely sparse."""
_MIN_FRONT_CHARS = 3000
# Landmark and guide types, and navigation titles, of pages that are not story.
_TYPE_LABELS = {
    "cover": "cover",
    "title-page": "title page",
    "titlepage": "title page",
    "halftitlepage": "title page",
    "copyright-page": "copyright page",
    "toc": "table of contents",
    "dedication": "dedication",
    "acknowledgements": "acknowledgements",
    "acknowledgments": "acknowledgements",
    "colophon": "colophon",
    "index": "index",
    "notes": "endnotes",
    "footnotes": "footnotes",
    "endnotes": "endnotes",
    "rearnotes": "endnotes",
    "loi": "list of illustrations",
    "lot": "list of tables",
    "imprint": "imprint",
}
_TITLE_LABELS = {
    "cover": "cover",
    "title page": "title page",
    "titlepage": "title page",
    "half title": "title page",
    "copyright": "copyright page",
    "copyright page": "copyright page",
    "contents": "table of contents",
    "table of contents": "table of contents",
    "dedication": "dedication",
    "acknowledgements": "acknowledgements",
    "acknowledgments": "acknowledgements",
    "about the author": "about the author",
    "about the authors": "about the author",
    "about the publisher": "about the publisher",
    "notes": "endnotes",
    "endnotes": "endnotes",
    "footnotes": "footnotes",
    "index": "index",
    "colophon": "colophon",
    "imprint": "imprint",
}


def _title_label(title: str) -> str | None:
    words = " ".join(title.lower().replace("’", "'").strip(" .:").split())
    if words.startswith("also by"):
        return "also by"
    return _TITLE_LABELS.get(words)


def read_epub(data: bytes, path: Path | None) -> Document:
    """Extract an EPUB's text and structure."""
    archive = Archive(data, path)
    opf = package_path(archive)
    package = read_package(archive, opf)
    documents = [package.items[i] for i in package.spine]
    documents = [d for d in documents if d.media_type in HTML_TYPES
                 or d.path.lower().endswith((".xhtml", ".html", ".htm"))]
    check_drm(archive, {d.path for d in documents})
    entries, landmarks = nav_entries(archive, package, path)
    walker = Walker()
    pages: list[archives.WorkPage] = []
    first_block: dict[str, int] = {}
    for k, item in enumerate(documents):
        content = archive.read(item.path)
        if content is None:
            continue
        root = parse(decode_markup(content), path, f" ({item.path})")
        page = archives.recognise(root, whole=False)
        if page is not None:
            pages.append(page)
            root = archives.compose([page], headings=True)
            for heading in root.iter("h1"):
                walker.marks[heading] = ("title line", True)
        body = root.find("body")
        body = root if body is None else body
        kind = landmarks.get(item.path) or package.guide.get(item.path)
        if "nav" in item.properties:
            walker.marks[body] = ("table of contents", True)
        elif kind in _TYPE_LABELS:
            walker.marks[body] = (_TYPE_LABELS[kind], True)
        first_block.setdefault(item.path, len(walker.blocks))
        walker.walk(body, source=k)
    blocks = walker.blocks
    if not blocks:
        raise InputError(f"{archive.label} has no text in its reading order (spine).")
    extracted, spans = compose(blocks)
    chapters = _nav_chapters(blocks, spans, entries, first_block)
    if not chapters:
        chapters = chapter_hints(blocks, spans)
    work = _work(pages)
    if work is not None and work.archive == archives.FANFICFARE:
        titles = numbered_titles([c.title for c in chapters])
        chapters = tuple(replace(c, title=t) for c, t in zip(chapters, titles, strict=True))
    preface = next((p for p in pages if p.title), None)
    hints = Hints(
        "epub",
        title=package.title or (preface.title if preface else None),
        author=package.author or (preface.author if preface else None),
        summary=(preface.summary_text if preface else None) or package.summary,
        chapters=chapters,
        matter=matter_spans(blocks, spans),
        work=work,
    )
    return Document(extracted, path=path, encoding="utf-8", hints=hints)


def _work(pages: Sequence[archives.WorkPage]) -> WorkInfo | None:
    """The archive's tags for the work, from whichever page of the book shows them."""
    if not pages:
        return None
    best = max(pages, key=lambda p: (bool(p.info.characters or p.info.fandoms), bool(p.title)))
    return best.info


def _target(
    blocks: Sequence[Block], entry: NavEntry, first_block: dict[str, int]
) -> int | None:
    start = first_block.get(entry.path)
    if start is None:
        return None
    if entry.fragment:
        end = next((first_block[p] for p in first_block if first_block[p] > start), len(blocks))
        for n in range(start, min(end + 1, len(blocks))):
            if entry.fragment in blocks[n].anchors:
                return n
    return start if start < len(blocks) else None


def _nav_chapters(
    blocks: list[Block],
    spans: Sequence[Span],
    entries: list[NavEntry],
    first_block: dict[str, int],
) -> tuple[ChapterHint, ...]:
    """Chapters from the navigation entries, in spine order; entries that name front or
    back matter label their pages instead. Labels are set on ``blocks`` in place."""
    targets: list[tuple[int, NavEntry]] = []
    for entry in entries:
        n = _target(blocks, entry, first_block)
        if n is not None:
            targets.append((n, entry))
    targets.sort(key=lambda t: t[0])
    if not targets:
        return ()
    bounds = [n for n, _ in targets] + [len(blocks)]
    first_chapter: int | None = None
    chapters: list[ChapterHint] = []
    for (n, entry), end in zip(targets, bounds[1:], strict=True):
        label = _title_label(entry.title)
        if label is None and all(b.label for b in blocks[n:max(end, n + 1)]):
            continue  # a page the markup already marks as matter
        if label is not None:
            front = first_chapter is None
            for block in blocks[n:end]:
                if block.label is None:
                    block.label, block.front = label, front
            continue
        if first_chapter is None:
            first_chapter = n
        heading = _heading_span(blocks, spans, n)
        title = entry.title or (
            " ".join(blocks[n].plain.split()) if heading is not None else ""
        )
        chapters.append(ChapterHint(title, spans[n].start, heading))
    if first_chapter is not None:
        _label_front(blocks, first_chapter)
    return tuple(chapters)


def _heading_span(blocks: Sequence[Block], spans: Sequence[Span], n: int) -> Span | None:
    """The heading lines a chapter opens with, if it opens with any."""
    end = n
    while (
        end < len(blocks)
        and blocks[end].heading
        and blocks[end].label is None
        and blocks[end].source == blocks[n].source
    ):
        end += 1
    return Span(spans[n].start, spans[end - 1].end) if end > n else None


def _label_front(blocks: list[Block], first_chapter: int) -> None:
    """Unlisted pages before the first chapter (title page, copyright, dedication...)."""
    unlabelled = [b for b in blocks[:first_chapter] if b.label is None]
    size = sum(len(b.text) for b in unlabelled)
    total = sum(len(b.text) for b in blocks)
    if size <= max(_MIN_FRONT_CHARS, MAX_FRONT_SHARE * total):
        for block in unlabelled:
            block.label, block.front = "front matter", True

