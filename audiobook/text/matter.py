"""Blocks that are not story: the title page, author's notes, disclaimers, warnings,
summaries, review requests and end marks get a label (front or back matter), and
the title and author found on the way."""

from __future__ import annotations

import re
from dataclasses import dataclass

from audiobook.text.blocks import Block
from audiobook.text.headings import (
    tidy,
)

_NOTE = re.compile(
    r"[\s(\[{*~_]*(?:a\s?/\s?n\b|a\.\s?n\.|an\s*[:\-–—]|authors?['’]?s?\s+notes?\b)", re.I
)


_LOOSE_NOTE = re.compile(r"\W*(?:end\s+)?notes?\s*[:\-–—]", re.I)


_DISCLAIMER = re.compile(r"\W*(?:disclaimer\b|(?:i\s+)?(?:do\s+not|don['’]?t)\s+own\b)", re.I)


_WARNINGS = re.compile(r"\W*(?:content\s+|trigger\s+)?warnings?\s*[:\-–—]", re.I)


_SUMMARY = re.compile(r"\W*(?:summary|synopsis)\s*[:\-–—]\s*", re.I)


_DETAILS = re.compile(
    r"\W*(?:rating|rated|pairings?|genres?|characters?|fandoms?|word\s*count|words|spoilers?"
    r"|beta(?:['’]?d)?(?:\s+by)?|dedicat(?:ion|ed\s+to)|status|categor(?:y|ies)|timeline"
    r"|setting|prompt|language|series|chapters?)\s*[:\-–—]",
    re.I,
)


_TITLE_LINE = re.compile(r"\W*title\s*[:\-–—]\s*(?P<value>\S.*)", re.I)


_AUTHOR_LINE = re.compile(
    r"\W*(?:author|writer|written\s+by|penned\s+by)\s*[:\-–—]?\s*(?P<value>\S.*)", re.I
)


_BY_LINE = re.compile(r"by\s*[:\-–—]?\s*(?P<value>\S.*)", re.I)


_CREDIT_LINE = re.compile(r"\W*(?:translated|illustrated|edited|beta(?:['’]?d)?)\s+by\b", re.I)


_NAME = re.compile(r"[\w.'’\- ]{1,60}")


_NAME_PARTICLES = frozenset(
    {"de", "van", "von", "el", "la", "le", "da", "di", "du", "del", "bin", "al"}
)


_END_MARK = re.compile(r"\W*(?:the\s+end|fin|end|finis|owari|to\s+be\s+continued)\W*", re.I)


_REVIEW = re.compile(
    r"\W*(?:please\s+)?(?:r\s?&\s?r|read\s+(?:and|&)\s+review|reviews?)\b"
    r"|.*\b(?:please\s+review|review\s+please|reviews\s+(?:are|make)|leave\s+(?:a\s+)?(?:review|comment)"
    r"|drop\s+(?:me\s+)?a\s+review|let\s+me\s+know\s+what\s+you|what\s+did\s+you\s+think"
    r"|constructive\s+criticism|thanks?\s+(?:you\s+)?for\s+reading|comments?\s+(?:are|is)\s+(?:love|appreciated|welcome))",
    re.I,
)


_ILLUSTRATION = re.compile(r"\[(?:illustration|image|picture)\b[^\]]{0,300}\]", re.I)


_MAX_BACK_NOTE_BLOCKS = 6


_MAX_BACK_NOTE_CHARS = 1500


TITLE_WORDS = 6


MAX_TITLE_PAGE_CHARS = 400


MAX_PREFACE_CHARS = 100


def _looks_like_name(value: str) -> bool:
    if not _NAME.fullmatch(value) or len(value.split()) > 6 or value.endswith("."):
        return False
    return all(
        w[:1].isupper() or w.lower() in _NAME_PARTICLES or any(c.isdigit() or c == "_" for c in w)
        for w in value.split()
    )


@dataclass
class Meta:
    title: str | None = None
    author: str | None = None
    summary: str | None = None
    headed: bool = False


def _front_label(text: str, blocks: list[Block], i: int, meta: Meta, top: bool) -> str | None:
    words = " ".join(text[blocks[i].start : blocks[i].end].split())
    first_line = text[blocks[i].start : blocks[i].end].split("\n")[0]
    if _NOTE.match(words) or _LOOSE_NOTE.match(words):
        return "author's note"
    if (summary := _SUMMARY.match(words)) is not None:
        meta.summary = meta.summary or words[summary.end() :] or None
        return "summary"
    if _WARNINGS.match(words):
        return "warnings"
    if _DISCLAIMER.match(words):
        return "disclaimer"
    if (match := _TITLE_LINE.fullmatch(first_line)) is not None:
        meta.title = meta.title or match["value"].strip()
        return "title line"
    if _CREDIT_LINE.match(first_line):
        return "author line"
    by = _BY_LINE.fullmatch(first_line)
    author = _AUTHOR_LINE.fullmatch(first_line)
    if author and len(author["value"]) <= 80:
        meta.author = meta.author or author["value"].strip()
        return "author line"
    if by and _looks_like_name(by["value"].strip()):
        meta.author = meta.author or by["value"].strip()
        return "author line"
    if top and first_line.lower() == "by" and i + 1 < len(blocks):
        return "author line"
    after_by = top and i > 0 and blocks[i - 1].label == "author line" and meta.author is None
    if after_by and (_looks_like_name(words) or (words.isupper() and len(words) <= 60)):
        meta.author = tidy(words)
        return "author line"
    if _DETAILS.match(words):
        return "story details"
    if top and i == 0 and len(words) <= 80 and "\n" not in text[blocks[0].start : blocks[0].end]:
        nxt = blocks[1] if len(blocks) > 1 else None
        if nxt is None and meta.headed and words[-1] not in ".!?,;":  # above the first heading
            meta.title = meta.title or tidy(words)
            return "title line"
        if nxt is not None and nxt.kind == "text":
            next_line = text[nxt.start : nxt.end].split("\n")[0]
            if (
                _AUTHOR_LINE.fullmatch(next_line)
                or next_line.lower() == "by"
                or ((m := _BY_LINE.fullmatch(next_line)) and _looks_like_name(m["value"].strip()))
            ):
                meta.title = meta.title or tidy(words)
                return "title line"
    return None


def _back_label(text: str, block: Block, author: str | None) -> str | None:
    words = " ".join(text[block.start : block.end].split())
    if _END_MARK.fullmatch(words):
        return "end mark"
    if _NOTE.match(words) or _LOOSE_NOTE.match(words):
        return "author's note"
    if len(words) <= 300 and _REVIEW.match(words):
        return "review request"
    if author and words.strip("-~–—*_ ").lower() == author.lower():
        return "author line"
    if _DISCLAIMER.match(words):
        return "disclaimer"
    return None


def label_region(text: str, blocks: list[Block], meta: Meta, top: bool) -> None:
    """Label matter at a region's start, end and (author's notes) in between."""
    lo = 0
    while lo < len(blocks):
        block = blocks[lo]
        if block.kind == "separator":
            block.label = "scene break"
        elif block.kind == "text":
            block.label = _front_label(text, blocks, lo, meta, top)
            if block.label is None:
                break
        lo += 1
    hi = len(blocks) - 1
    while hi >= lo:
        block = blocks[hi]
        if block.kind == "separator":
            block.label = "scene break"
        elif block.kind == "text":
            block.label = _back_label(text, block, meta.author)
            if block.label is None:
                break
        hi -= 1
    # An author's note near the end takes the short paragraphs after it along.
    chars, k = 0, hi
    while k >= lo and hi - k < _MAX_BACK_NOTE_BLOCKS and chars <= _MAX_BACK_NOTE_CHARS:
        chars += blocks[k].end - blocks[k].start
        if (
            blocks[k].kind == "text"
            and _NOTE.match(text, blocks[k].start)
            and chars <= _MAX_BACK_NOTE_CHARS
        ):
            for block in blocks[k : hi + 1]:
                block.label = "author's note" if block.kind == "text" else "scene break"
            hi = k - 1
            break
        k -= 1
    for block in blocks[lo : hi + 1]:
        if block.kind == "separator":
            block.label = "scene break"
        elif block.kind == "text" and _NOTE.match(text, block.start):
            block.label = "author's note"
        elif block.kind == "text" and _ILLUSTRATION.fullmatch(text, block.start, block.end):
            block.label = "illustration"
