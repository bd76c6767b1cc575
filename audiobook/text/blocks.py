"""A document's text -> blocks: paragraphs (hard-wrapped lines joined), headings and
scene separators, each with its offsets and the blank lines before it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from audiobook.text.headings import (
    LONE_KEYWORD,
    LONE_NUMBER,
    is_separator,
    tidy,
)
from audiobook.text.headings import heading as read_heading


@dataclass
class Block:
    """A paragraph, heading or separator line: stripped offsets and blank lines before."""

    start: int
    end: int
    gap: int
    kind: str = "text"  # "text", "heading" or "separator"
    title: str = ""
    part: bool = False
    label: str | None = None  # matter label, for blocks that are not story
    hinted: bool = False  # labelled by the document's hints, not by the rules here
    front: bool = True  # for hinted matter: whether the hints put it in front


def nonblank_lines(text: str) -> list[tuple[int, int, int]]:
    """Non-blank lines as (start, end, blank lines before), stripped of edge whitespace."""
    out: list[tuple[int, int, int]] = []
    pos = gap = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + len(line) - len(line.lstrip())
            out.append((start, start + len(stripped), gap))
            gap = 0
        else:
            gap += 1
        pos += len(line) + 1
    return out


def _hard_wrapped(lines: list[tuple[int, int, int]]) -> bool:
    """Whether single newlines are wraps inside paragraphs (Gutenberg style)."""
    lengths = sorted(end - start for start, end, _ in lines)
    if len(lengths) < 4:
        return False
    width = lengths[int(0.95 * (len(lengths) - 1))]
    if not 30 <= width <= 120:
        return False
    inner = [end - start for (start, end, _), nxt in itertools.pairwise(lines) if nxt[2] == 0]
    if len(inner) < 3:
        return False
    return sum(length >= 0.6 * width for length in inner) >= 0.75 * len(inner)


def find_blocks(
    text: str, lines: list[tuple[int, int, int]], wrapped: bool | None = None
) -> list[Block]:
    if wrapped is None:
        wrapped = _hard_wrapped(lines)
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        start, end, gap = lines[i]
        line = text[start:end]
        first = gap > 0 or i == 0
        heading = read_heading(line, first) if first or not wrapped else None
        if heading is None and LONE_KEYWORD.fullmatch(line) and i + 1 < len(lines):
            # "CHAPTER" on one line and its number, centred, on the next.
            n_start, n_end, n_gap = lines[i + 1]
            number = text[n_start:n_end]
            if n_gap == 0 and LONE_NUMBER.fullmatch(number):
                heading = read_heading(f"{line} {number}", first)
                if heading:
                    end = n_end
                    i += 1
        if heading:
            blocks.append(Block(start, end, gap, "heading", heading[0], heading[1]))
        elif is_separator(line):
            blocks.append(Block(start, end, gap, "separator"))
        elif wrapped and not first and blocks and blocks[-1].kind == "text":
            blocks[-1].end = end
        else:
            blocks.append(Block(start, end, gap))
        i += 1
    _absorb_heading_titles(text, blocks)
    return blocks


def _absorb_heading_titles(text: str, blocks: list[Block]) -> None:
    """A bare "I" followed by a short all-capitals line: that line is the chapter's title."""
    for block, nxt in itertools.pairwise(blocks):
        words = text[nxt.start : nxt.end]
        if (
            block.kind == "heading"
            and block.title
            and ":" not in block.title
            and sum(c.isalpha() for c in words) >= 3
            and nxt.kind == "text"
            and len(words) <= 60
            and "\n" not in words
            and words.isupper()
            and not any(c in words for c in '!?"“”')
        ):
            nxt.kind, nxt.title, nxt.part = "heading", "", block.part
            block.title += f": {tidy(words.rstrip('.'))}"
