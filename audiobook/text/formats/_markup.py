"""HTML element tree -> blocks of text: the walk the HTML, EPUB and Markdown readers share.

A block is a paragraph, a heading or a scene break, with the label the markup gives it
when it is not story (summary, notes, footnotes...). ``compose`` joins blocks into the
extracted text: paragraphs separated by blank lines, ``<br>`` as a line end, italics
marked ``*like this*`` so that the segmenter's emphasis rules apply.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from audiobook.errors import InputError
from audiobook.models import Matter, Span
from audiobook.text.formats._elements import (
    BLOCK_TAGS,
    HEADING_TAGS,
    LABEL_LINES,
    SCENE_BREAK,
    Element,
    dropped,
    is_chapter_box,
    is_italic,
    is_scene_break,
    matter_label,
    normalise_label_line,
)

_SPACE = re.compile(r"\s+")
_MAX_DEPTH_ERROR = "ERR_RESOURCE_LIMIT"


@dataclass
class Block:
    """A paragraph, heading or scene break of the extracted text."""

    lines: list[str]
    plain: str
    """The words without italic marks, on one line (for titles and summaries)."""
    heading: int = 0
    """1-6 for text inside ``<h1>``-``<h6>``, else 0."""
    label: str | None = None
    front: bool = True
    separator: bool = False
    in_chapter_box: bool = False
    owner: Element = None
    """The innermost element with a mark or a heading tag the block's text lies in."""
    anchors: list[str] = field(default_factory=list)
    """ids of elements that begin just before this block."""
    source: int = 0
    """Which document the block came from (an EPUB's spine item)."""

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class _Frame:
    element: Element
    italic: bool
    label: tuple[str, bool] | None
    heading: int
    in_chapter_box: bool
    in_article: bool
    pre: bool
    owner: Element


def _render(runs: Sequence[tuple[str, bool]]) -> tuple[str, str]:
    """One line from (text, italic) runs: white space folded, italics marked *so*."""
    merged: list[list[Any]] = []
    for text, italic in runs:
        if merged and merged[-1][1] == italic:
            merged[-1][0] += text
        else:
            merged.append([text, italic])
    pieces, plain = [], []
    for text, italic in merged:
        text = _SPACE.sub(" ", text)
        plain.append(text)
        core = text.strip(" ")
        # Marks hug the words: the segmenter takes "*I must go,*" as emphasis, not "* I *".
        if italic and any(c.isalnum() for c in core) and "*" not in core:
            lead = " " if text.startswith(" ") else ""
            trail = " " if text.endswith(" ") else ""
            pieces.append(f"{lead}*{core}*{trail}")
        else:
            pieces.append(text)
    return _SPACE.sub(" ", "".join(pieces)).strip(), _SPACE.sub(" ", "".join(plain)).strip()


class Walker:
    """Walks element trees in document order and collects their blocks.

    ``marks`` gives chosen elements a matter label (the page's title heading, its
    byline, a blockquote after a "Summary" line); everything else is labelled from
    its own semantics and class words.
    """

    def __init__(self, marks: dict[Element, tuple[str, bool]] | None = None) -> None:
        self.marks = marks or {}
        self.blocks: list[Block] = []
        self.source = 0
        self._lines: list[tuple[str, str]] = []
        self._runs: list[tuple[str, bool]] = []
        self._frame: _Frame | None = None  # the context of the block being built
        self._anchors: list[str] = []

    def walk(self, root: Element, source: int = 0) -> None:
        self.source = source
        stack = [_Frame(root, False, None, 0, False, False, False, None)]
        walker = etree.iterwalk(root, events=("start", "end"))
        for event, el in walker:
            if not isinstance(el.tag, str):
                if event == "end":
                    self._text(el.tail, stack[-1])
                continue
            if event == "start":
                top = stack[-1]
                if (el is not root and dropped(el)) or (
                    el.tag in ("header", "footer") and not top.in_article
                ):
                    walker.skip_subtree()
                    continue
                ident = el.get("id") or (el.get("name") if el.tag == "a" else None)
                if ident:
                    self._anchors.append(str(ident))
                if el.tag in BLOCK_TAGS or el.tag == "hr":
                    self._flush()
                frame = self._enter(el, top)
                stack.append(frame)
                if el.tag == "br":
                    self._line_break()
                elif el.tag == "hr" or (is_scene_break(el) and not el.text_content().strip()):
                    self._separator(frame)
                else:
                    self._text(el.text, frame)
            else:
                if stack[-1].element is el:
                    stack.pop()
                    if el.tag in BLOCK_TAGS:
                        self._flush()
                self._text(el.tail, stack[-1])
        self._flush()

    def _enter(self, el: Element, top: _Frame) -> _Frame:
        label = top.label
        owner = top.owner
        if is_chapter_box(el):
            label = None
        own = self.marks.get(el) or matter_label(el)
        if own is not None and (label is None or own[0] != label[0]):
            label, owner = own, el  # a "Notes:" line inside end notes keeps them at the end
        heading = HEADING_TAGS.get(el.tag, top.heading)
        if el.tag in HEADING_TAGS:
            owner = el
        role = str(el.get("role") or "").lower()
        return _Frame(
            el,
            is_italic(el, top.italic),
            label,
            heading,
            top.in_chapter_box or is_chapter_box(el),
            top.in_article or el.tag in ("article", "main") or role in ("main", "article"),
            top.pre or el.tag == "pre",
            owner,
        )

    def _text(self, text: str | None, frame: _Frame) -> None:
        if not text:
            return
        if frame.pre and "\n" in text:
            for k, part in enumerate(text.split("\n")):
                if k:
                    self._line_break()
                self._text(part, replace(frame, pre=False))
            return
        if self._frame is None:
            if not text.strip():
                return
            self._frame = frame
        self._runs.append((text, frame.italic))

    def _line_break(self) -> None:
        line = _render(self._runs)
        self._runs = []
        if line[0]:
            self._lines.append(line)
        elif self._lines:
            self._flush()  # <br><br>: a paragraph break

    def _flush(self) -> None:
        line = _render(self._runs)
        self._runs = []
        if line[0]:
            self._lines.append(line)
        frame, self._frame = self._frame, None
        if not self._lines or frame is None:
            self._lines = []
            return
        label = frame.label
        self.blocks.append(
            Block(
                [rendered for rendered, _ in self._lines],
                " ".join(plain for _, plain in self._lines),
                frame.heading,
                label[0] if label else None,
                label[1] if label else True,
                in_chapter_box=frame.in_chapter_box,
                owner=frame.owner,
                anchors=self._anchors,
                source=self.source,
            )
        )
        self._lines, self._anchors = [], []

    def _separator(self, frame: _Frame) -> None:
        if self.blocks and self.blocks[-1].separator and not self._anchors:
            return
        label = frame.label
        self.blocks.append(
            Block(
                [SCENE_BREAK], "", 0, label[0] if label else None, label[1] if label else True,
                separator=True, in_chapter_box=frame.in_chapter_box, anchors=self._anchors,
                source=self.source,
            )
        )
        self._anchors = []


def compose(blocks: Sequence[Block]) -> tuple[str, list[Span]]:
    """The extracted text and each block's span in it."""
    spans: list[Span] = []
    pieces: list[str] = []
    pos = 0
    for block in blocks:
        if pieces:
            pieces.append("\n\n")
            pos += 2
        text = block.text
        spans.append(Span(pos, pos + len(text)))
        pieces.append(text)
        pos += len(text)
    return "".join(pieces) + "\n", spans


def matter_spans(blocks: Sequence[Block], spans: Sequence[Span]) -> tuple[Matter, ...]:
    """Runs of blocks with the same label as one Matter each."""
    out: list[Matter] = []
    for block, span in zip(blocks, spans, strict=True):
        if block.label is None:
            continue
        last = out[-1] if out else None
        if last and (last.label, last.front) == (block.label, block.front) and _adjacent(
            last, span
        ):
            out[-1] = Matter(last.start, span.end, last.label, last.front)
        else:
            out.append(Matter(span.start, span.end, block.label, block.front))
    return tuple(out)


def _adjacent(matter: Matter, span: Span) -> bool:
    return span.start == matter.end + 2


def summary_of(blocks: Iterable[Block]) -> str | None:
    """The words of the first run of summary blocks, without its "Summary" line."""
    words: list[str] = []
    for block in blocks:
        if block.label == "summary":
            line = block.plain
            if normalise_label_line(line) in LABEL_LINES:
                continue
            if line.lower().startswith("summary:"):
                line = line[len("summary:") :].strip()
            if line:
                words.append(line)
        elif words:
            break
    return " ".join(words) or None


def decode_markup(data: bytes) -> str:
    """An EPUB content document's text: UTF-8 or UTF-16 as the standard requires, with a
    lenient fallback rather than a refusal for the odd cp1252 file."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    if data[:2] in (b"<\x00", b"\x00<"):
        return data.decode("utf-16-le" if data[0] else "utf-16-be", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse(text: str, path: Path | None, what: str = "") -> Element:
    """Parse HTML or XHTML leniently; only a document too deep to parse is an error."""
    parser = lxml_html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, huge_tree=True
    )
    name = f"{path or 'The input'}{what}"
    data = text.encode("utf-8", errors="replace")
    try:
        root = lxml_html.document_fromstring(data, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        raise InputError(f"{name} has no HTML content to read.") from None
    for error in parser.error_log:
        if error.type_name == _MAX_DEPTH_ERROR:
            raise InputError(
                f"{name} nests its markup too deeply to read ({error.message}); "
                "save the page again or convert it to plain text."
            )
    return root


def plain_text(fragment: str) -> str:
    """The words of a snippet of HTML (an EPUB description), white space folded."""
    if "<" not in fragment:
        return " ".join(fragment.split())
    try:
        root = lxml_html.document_fromstring(
            fragment.encode("utf-8"), parser=lxml_html.HTMLParser(encoding="utf-8")
        )
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return " ".join(fragment.split())
    return " ".join(root.text_content().split())
