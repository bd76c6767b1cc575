"""HTML page -> Document: the page's text, and its title, author, summary, notes and
chapter headings taken from its structure.

Works for single pages and for the one-page downloads of fan-fiction archives, by
what the markup means (headings, ``rel="author"``, class words such as summary,
notes, chapter, byline) rather than by site. Markdown comes here rendered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from email.message import Message
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from audiobook.errors import InputError
from audiobook.models import ChapterHint, Document, Hints, Span, WorkInfo
from audiobook.text.formats import archives
from audiobook.text.formats._elements import Element, dropped, is_chapter_box, label_lines
from audiobook.text.formats._markup import (
    Block,
    Walker,
    compose,
    matter_spans,
    parse,
    summary_of,
)
from audiobook.text.headings import heading_title

CHAPTER_LEVELS = (1, 2, 3)
"""Heading levels that start chapters; h4-h6 are read as ordinary paragraphs."""
_MAX_BYLINE_CHARS = 200
_TITLE_META = ("og:title", "dc.title", "dcterms.title", "title")
_AUTHOR_META = ("author", "dc.creator", "dcterms.creator", "article:author")


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in ``<meta charset>`` or ``http-equiv``, if any."""
    head = data[:4096]
    try:
        root = lxml_html.document_fromstring(
            head, parser=lxml_html.HTMLParser(encoding="iso-8859-1", no_network=True)
        )
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    for meta in root.iter("meta"):
        if meta.get("charset"):
            return str(meta.get("charset")).strip() or None
        if str(meta.get("http-equiv") or "").lower() == "content-type":
            message = Message()
            message["content-type"] = str(meta.get("content") or "")
            charset = message.get_param("charset")
            if isinstance(charset, str):
                return charset
    return None


def _visible(el: Element) -> bool:
    """Whether an element would be read: no ancestor is dropped or page furniture."""
    node = el
    in_article = False
    chain = []
    while node is not None:
        chain.append(node)
        node = node.getparent()
    for node in reversed(chain):
        if node.tag in ("article", "main") or str(node.get("role") or "") in ("main", "article"):
            in_article = True
        if node.tag in ("html", "body"):
            continue
        if dropped(node) or (node.tag in ("header", "footer") and not in_article):
            return False
    return True


def _in_chapter_box(el: Element) -> bool:
    return any(is_chapter_box(a) for a in el.iterancestors())


def _words(el: Element) -> str:
    return " ".join(el.text_content().split())


def _title_element(body: Element) -> Element | None:
    for el in body.iter("h1", "h2", "h3"):
        classes = str(el.get("class") or "").lower().split()
        if "title" in classes and _visible(el) and not _in_chapter_box(el) and _words(el):
            return el
    ones = [el for el in body.iter("h1") if _words(el) and _visible(el)]
    if not ones or _in_chapter_box(ones[0]) or heading_title(_words(ones[0])):
        return None
    if len(ones) == 1 or heading_title(_words(ones[1])):
        return ones[0]
    return None


def _meta(root: Element, names: Sequence[str]) -> str | None:
    for meta in root.iter("meta"):
        name = str(meta.get("name") or meta.get("property") or "").lower()
        if name in names and str(meta.get("content") or "").strip():
            return " ".join(str(meta.get("content")).split())
    return None


def _page_title(root: Element) -> str | None:
    found = _meta(root, _TITLE_META)
    if found:
        return found
    el = root.find(".//title")
    if el is None or not _words(el):
        return None
    # "Story | Site" and "Story [Archive]": the story's part comes first.
    title = _words(el).split(" | ")[0]
    if title.endswith("]") and "[" in title:
        title = title[: title.rindex("[")].strip()
    return title or None


def _byline(body: Element) -> tuple[str | None, Element | None]:
    """The author from ``rel="author"`` links (or a byline), and the block that shows it."""
    links = [a for a in body.iter("a") if "author" in str(a.get("rel") or "").lower().split()]
    links = [a for a in links if _visible(a) and _words(a)]
    if links:
        box = links[0].getparent()
        while box is not None and box.tag not in ("p", "div", "h1", "h2", "h3", "h4", "h5",
                                                  "h6", "li", "dd", "span", "address"):
            box = box.getparent()
        names = [_words(a) for a in links if box is not None and box in a.iterancestors()]
        names = list(dict.fromkeys(names or [_words(links[0])]))
        if box is not None and len(_words(box)) > _MAX_BYLINE_CHARS:
            box = None
        return ", ".join(names), box
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        classes = str(el.get("class") or "").lower().split()
        if ("byline" in classes or "author" in classes) and _visible(el):
            words = _words(el)
            if 0 < len(words) <= _MAX_BYLINE_CHARS:
                if words.lower().startswith("by "):
                    words = words[3:].strip()
                return words or None, el
    return None, None


def chapter_hints(blocks: Sequence[Block], spans: Sequence[Span]) -> tuple[ChapterHint, ...]:
    """One chapter per chapter-level heading that is story, not matter."""
    out = []
    for block, span in zip(blocks, spans, strict=True):
        if block.heading in CHAPTER_LEVELS and block.label is None and block.plain:
            out.append(ChapterHint(block.plain, span.start, span))
    return tuple(out)


def read_html(
    text: str,
    path: Path | None,
    encoding: str = "utf-8",
    *,
    format: str = "html",
    title: str | None = None,
    author: str | None = None,
    summary: str | None = None,
) -> Document:
    """Extract an HTML page's text and structure; ``title``/``author``/``summary`` win
    over what the page shows (Markdown front matter passes them). An archive's own
    page is read for its story alone."""
    root = parse(text, path)
    page = archives.recognise(root)
    if page is not None:
        return read_pages([page], path, encoding)
    refusal = archives.not_the_story(root)
    if refusal is not None:
        raise InputError(f"{path or 'The input'} {refusal}.")
    return read_tree(root, path, encoding, format=format, title=title, author=author,
                     summary=summary)


def read_pages(pages: Sequence[archives.WorkPage], path: Path | None,
               encoding: str = "utf-8") -> Document:
    """One Document from the pages of one archive work, chapters in order."""
    first = sorted(pages, key=lambda p: p.info.part or 0)[0]
    info = replace(first.info, part=None) if len(pages) > 1 else first.info
    return read_tree(archives.compose(pages), path, encoding, title=first.title,
                     author=first.author, summary=first.summary_text, work=info)


def read_tree(
    root: Element,
    path: Path | None,
    encoding: str = "utf-8",
    *,
    format: str = "html",
    title: str | None = None,
    author: str | None = None,
    summary: str | None = None,
    work: WorkInfo | None = None,
) -> Document:
    """A Document from a parsed page."""
    body = root.find("body")
    if body is None:
        body = root
    marks = label_lines(body)
    title_el = _title_element(body)
    if title_el is not None:
        marks[title_el] = ("title line", True)
        title = title or _words(title_el)
    page_author, byline = _byline(body)
    if byline is not None:
        marks.setdefault(byline, ("author line", True))
    walker = Walker(marks)
    walker.walk(body)
    blocks = walker.blocks
    if not blocks:
        raise InputError(f"{path or 'The input'} has no story text in it.")
    extracted, spans = compose(blocks)
    hints = Hints(
        format,
        title=title or _page_title(root),
        author=author or page_author or _meta(root, _AUTHOR_META),
        summary=summary or summary_of(blocks),
        chapters=chapter_hints(blocks, spans),
        matter=matter_spans(blocks, spans),
        work=work,
    )
    return Document(extracted, path=path, encoding=encoding, hints=hints)
