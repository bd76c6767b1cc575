"""EPUB 2 or 3 -> Document: the spine's text, chapters from the navigation document
(EPUB 3) or the NCX (EPUB 2) in spine order, and front and back matter labelled.

The archive is only read, member by member, with a cap on what is decompressed; no
file is ever written, so member names (even ``../../x``) are just keys. The package
files are XML parsed with defusedxml (no entity expansion, no external fetches); the
content documents are parsed as HTML, which tolerates the broken XHTML found in the wild.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from audiobook.errors import InputError
from audiobook.models import ChapterHint, Document, Hints, Span
from audiobook.text.formats._markup import (
    Block,
    Walker,
    compose,
    decode_markup,
    matter_spans,
    parse,
    plain_text,
)
from audiobook.text.formats.html import chapter_hints

MAX_MEMBER_BYTES = 64 * 1024 * 1024
"""The most one archive member may decompress to: far beyond any real chapter."""
MAX_TOTAL_BYTES = 256 * 1024 * 1024
"""The most all members read may decompress to together (zip bombs stop here)."""
MAX_FRONT_SHARE = 0.05
"""Unlisted text before the first listed chapter is front matter only while it is this
small a share of the book; more than that, and the navigation is more likely sparse."""
_MIN_FRONT_CHARS = 3000
_CONTAINER = "META-INF/container.xml"
_HTML_TYPES = frozenset({"application/xhtml+xml", "text/html", "application/xml"})
_FONT_OBFUSCATION = frozenset(
    {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
)
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


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: Any, name: str) -> Iterator[Any]:
    return (c for c in el if _local(c.tag) == name)


def _descendants(el: Any, name: str) -> Iterator[Any]:
    return (c for c in el.iter() if _local(c.tag) == name)


def _words(el: Any) -> str:
    return " ".join("".join(el.itertext()).split())


@dataclass(frozen=True)
class _Item:
    path: str
    media_type: str
    properties: tuple[str, ...]


@dataclass(frozen=True)
class _NavEntry:
    title: str
    path: str
    fragment: str


class _Archive:
    """The EPUB's zip archive, read member by member within the size caps."""

    def __init__(self, data: bytes, path: Path | None) -> None:
        self.label = str(path or "The input")
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as err:
            raise InputError(
                f"{self.label} is not a readable EPUB: its zip archive is damaged ({err})."
            ) from None
        self.names = {info.filename: info for info in infos}
        self.folded = {name.lower(): info for name, info in self.names.items()}
        self.total = 0

    def has(self, name: str) -> bool:
        return name in self.names or name.lower() in self.folded

    def read(self, name: str) -> bytes | None:
        info = self.names.get(name) or self.folded.get(name.lower())
        if info is None:
            return None
        if info.flag_bits & 0x1:
            raise InputError(f"{self.label} is encrypted ({name}); audiobook reads EPUBs "
                             "without DRM only.")
        if info.file_size > MAX_MEMBER_BYTES:
            raise self._too_big(name)
        try:
            with self.zip.open(info) as member:
                data = member.read(MAX_MEMBER_BYTES + 1)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError,
                NotImplementedError, ValueError) as err:
            raise InputError(
                f"{self.label} is not a readable EPUB: {name} in it is damaged ({err})."
            ) from None
        if len(data) > MAX_MEMBER_BYTES:
            raise self._too_big(name)
        self.total += len(data)
        if self.total > MAX_TOTAL_BYTES:
            raise InputError(
                f"{self.label} unpacks to more than {_size(MAX_TOTAL_BYTES)} of text; "
                "it is either not a book or a zip bomb, and is not read."
            )
        return data

    def _too_big(self, name: str) -> InputError:
        return InputError(
            f"{self.label}: {name} unpacks to more than {_size(MAX_MEMBER_BYTES)}, "
            "far more than any chapter; it is not read."
        )

    def xml(self, name: str) -> Any | None:
        data = self.read(name)
        if data is None:
            return None
        try:
            return safe_xml.fromstring(data)
        except DefusedXmlException:
            raise InputError(
                f"{self.label}: {name} declares XML entities, which EPUBs do not need and "
                "audiobook does not expand."
            ) from None
        except (ParseError, ValueError) as err:
            raise InputError(f"{self.label}: {name} is not well-formed XML ({err}).") from None


def _size(n: int) -> str:
    return f"{n // 2**20} MB" if n >= 2**20 else f"{n // 1024} KB"


def _join(base: str, href: str) -> tuple[str, str]:
    """A member name and fragment for an href relative to the member ``base``."""
    target, fragment = urldefrag(href.strip())
    if not target:
        return base, unquote(fragment)
    name = posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(target)))
    return name, unquote(fragment)


def _package_path(archive: _Archive) -> str:
    container = archive.xml(_CONTAINER)
    if container is not None:
        for rootfile in _descendants(container, "rootfile"):
            full = rootfile.get("full-path")
            if full and archive.has(full):
                return str(full)
    candidates = sorted(name for name in archive.names if name.lower().endswith(".opf"))
    if candidates:
        return candidates[0]
    raise InputError(
        f"{archive.label} is a zip archive but not an EPUB: it has no {_CONTAINER} "
        "and no package (.opf) file."
    )


@dataclass
class _Package:
    title: str | None
    author: str | None
    summary: str | None
    items: dict[str, _Item]
    spine: list[str]
    ncx: str | None
    guide: dict[str, str]


def _package(archive: _Archive, opf: str) -> _Package:
    root = archive.xml(opf)
    if root is None:  # pragma: no cover - _package_path checked it exists
        raise InputError(f"{archive.label}: {opf} is missing.")
    metadata = next(_descendants(root, "metadata"), root)
    titles = [_words(t) for t in _descendants(metadata, "title") if _words(t)]
    creators = list(_descendants(metadata, "creator"))
    roles: dict[str, str | None] = {str(c.get("id")): None for c in creators if c.get("id")}
    for meta in _descendants(metadata, "meta"):
        if meta.get("property") == "role" and (meta.get("refines") or "").lstrip("#") in roles:
            roles[(meta.get("refines") or "").lstrip("#")] = _words(meta)
    authors = []
    for creator in creators:
        role = next((v for k, v in creator.attrib.items() if _local(k) == "role"), None)
        role = role or roles.get(str(creator.get("id")))
        if role in (None, "aut") and _words(creator):
            authors.append(_words(creator))
    descriptions = [_words(d) for d in _descendants(metadata, "description") if _words(d)]
    items: dict[str, _Item] = {}
    for item in _descendants(root, "item"):
        if item.get("id") and item.get("href"):
            name, _ = _join(opf, str(item.get("href")))
            properties = tuple(str(item.get("properties") or "").split())
            items[str(item.get("id"))] = _Item(name, str(item.get("media-type") or ""), properties)
    spine_el = next(_descendants(root, "spine"), None)
    spine = []
    ncx = None
    if spine_el is not None:
        ncx = spine_el.get("toc")
        for ref in _children(spine_el, "itemref"):
            if ref.get("linear", "yes") != "no" and ref.get("idref") in items:
                spine.append(str(ref.get("idref")))
    guide: dict[str, str] = {}
    for ref in _descendants(root, "reference"):
        if ref.get("href") and ref.get("type"):
            name, _ = _join(opf, str(ref.get("href")))
            guide.setdefault(name, str(ref.get("type")).lower())
    return _Package(
        titles[0] if titles else None,
        ", ".join(dict.fromkeys(authors)) or None,
        plain_text(descriptions[0]) if descriptions else None,
        items,
        spine,
        str(ncx) if ncx else None,
        guide,
    )


def _check_drm(archive: _Archive, content: set[str]) -> None:
    root = archive.xml("META-INF/encryption.xml")
    if root is None:
        return
    for data in _descendants(root, "EncryptedData"):
        method = next(_descendants(data, "EncryptionMethod"), None)
        algorithm = method.get("Algorithm") if method is not None else None
        for ref in _descendants(data, "CipherReference"):
            name = posixpath.normpath(unquote(str(ref.get("URI") or "")))
            if name in content and algorithm not in _FONT_OBFUSCATION:
                raise InputError(
                    f"{archive.label} is protected by DRM ({name} is encrypted); audiobook "
                    "reads EPUBs without DRM only."
                )


def _nav_entries(
    archive: _Archive, package: _Package, path: Path | None
) -> tuple[list[_NavEntry], dict[str, str]]:
    """Table-of-contents entries in document order, and landmark types by member name."""
    landmarks: dict[str, str] = {}
    for item in package.items.values():
        if "nav" not in item.properties:
            continue
        data = archive.read(item.path)
        if data is None:
            continue
        root = parse(decode_markup(data), path, f" ({item.path})")
        entries: list[_NavEntry] = []
        for nav in root.iter("nav"):
            kind = str(nav.get("epub:type") or nav.get("role") or "").lower().split()
            links = [a for a in nav.iter("a") if a.get("href")]
            if "landmarks" in kind:
                for a in links:
                    name, _ = _join(item.path, str(a.get("href")))
                    for word in str(a.get("epub:type") or "").lower().split():
                        landmarks.setdefault(name, word)
            elif ("toc" in kind or "doc-toc" in kind) and not entries:
                for a in links:
                    name, fragment = _join(item.path, str(a.get("href")))
                    entries.append(_NavEntry(" ".join(a.text_content().split()), name, fragment))
        if entries:
            return entries, landmarks
    ncx_item = package.items.get(package.ncx or "") or next(
        (i for i in package.items.values() if i.media_type == "application/x-dtbncx+xml"), None
    )
    if ncx_item is None:
        return [], landmarks
    root = archive.xml(ncx_item.path)
    if root is None:
        return [], landmarks
    entries = []
    for point in _descendants(root, "navPoint"):
        content = next(_children(point, "content"), None)
        label = next(_children(point, "navLabel"), None)
        if content is None or not content.get("src"):
            continue
        name, fragment = _join(ncx_item.path, str(content.get("src")))
        title = _words(next(_descendants(label, "text"), label)) if label is not None else ""
        entries.append(_NavEntry(title, name, fragment))
    return entries, landmarks


def _title_label(title: str) -> str | None:
    words = " ".join(title.lower().replace("’", "'").strip(" .:").split())
    if words.startswith("also by"):
        return "also by"
    return _TITLE_LABELS.get(words)


def read_epub(data: bytes, path: Path | None) -> Document:
    """Extract an EPUB's text and structure."""
    archive = _Archive(data, path)
    opf = _package_path(archive)
    package = _package(archive, opf)
    documents = [package.items[i] for i in package.spine]
    documents = [d for d in documents if d.media_type in _HTML_TYPES
                 or d.path.lower().endswith((".xhtml", ".html", ".htm"))]
    _check_drm(archive, {d.path for d in documents})
    entries, landmarks = _nav_entries(archive, package, path)
    walker = Walker()
    first_block: dict[str, int] = {}
    for k, item in enumerate(documents):
        content = archive.read(item.path)
        if content is None:
            continue
        root = parse(decode_markup(content), path, f" ({item.path})")
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
    hints = Hints(
        "epub",
        title=package.title,
        author=package.author,
        summary=package.summary,
        chapters=chapters,
        matter=matter_spans(blocks, spans),
    )
    return Document(extracted, path=path, encoding="utf-8", hints=hints)


def _target(
    blocks: Sequence[Block], entry: _NavEntry, first_block: dict[str, int]
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
    entries: list[_NavEntry],
    first_block: dict[str, int],
) -> tuple[ChapterHint, ...]:
    """Chapters from the navigation entries, in spine order; entries that name front or
    back matter label their pages instead. Labels are set on ``blocks`` in place."""
    targets: list[tuple[int, _NavEntry]] = []
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

