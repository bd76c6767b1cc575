"""Document -> Book: title, author, summary, front/back matter, chapters, scenes, paragraphs.

Lines are grouped into blocks (paragraphs, headings, separators); blocks that are not
story become ``Matter``; the rest is split into chapters at headings and into scenes
at separators and runs of blank lines. A document read from markup carries ``Hints``:
then its chapters, matter, title, author and summary come from the hints, and the
plain-text rules only fill in what the markup does not say.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
from dataclasses import dataclass

from audiobook.errors import StructureError
from audiobook.models import (
    Book,
    Chapter,
    ChapterHint,
    Document,
    Hints,
    Matter,
    Paragraph,
    Scene,
    Span,
)
from audiobook.text.headings import (
    LONE_KEYWORD,
    LONE_NUMBER,
    heading_title,
    is_separator,
    tidy,
)
from audiobook.text.headings import heading as read_heading

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
_TITLE_WORDS = 6
_MAX_TITLE_PAGE_CHARS = 400
_MAX_PREFACE_CHARS = 100


@dataclass
class _Block:
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


def _lines(text: str) -> list[tuple[int, int, int]]:
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


def _blocks(
    text: str, lines: list[tuple[int, int, int]], wrapped: bool | None = None
) -> list[_Block]:
    if wrapped is None:
        wrapped = _hard_wrapped(lines)
    blocks: list[_Block] = []
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
            blocks.append(_Block(start, end, gap, "heading", heading[0], heading[1]))
        elif is_separator(line):
            blocks.append(_Block(start, end, gap, "separator"))
        elif wrapped and not first and blocks and blocks[-1].kind == "text":
            blocks[-1].end = end
        else:
            blocks.append(_Block(start, end, gap))
        i += 1
    _absorb_heading_titles(text, blocks)
    return blocks


def _absorb_heading_titles(text: str, blocks: list[_Block]) -> None:
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


def _looks_like_name(value: str) -> bool:
    if not _NAME.fullmatch(value) or len(value.split()) > 6 or value.endswith("."):
        return False
    return all(
        w[:1].isupper() or w.lower() in _NAME_PARTICLES or any(c.isdigit() or c == "_" for c in w)
        for w in value.split()
    )


@dataclass
class _Meta:
    title: str | None = None
    author: str | None = None
    summary: str | None = None
    headed: bool = False


def _front_label(text: str, blocks: list[_Block], i: int, meta: _Meta, top: bool) -> str | None:
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


def _back_label(text: str, block: _Block, author: str | None) -> str | None:
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


def _label_region(text: str, blocks: list[_Block], meta: _Meta, top: bool) -> None:
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


def _is_story(block: _Block) -> bool:
    return block.kind == "text" and block.label is None


def _regions(blocks: list[_Block]) -> list[list[_Block]]:
    """Split at headings; a heading region without story joins the next region."""
    regions: list[list[_Block]] = [[]]
    for block in blocks:
        if block.kind == "heading" and (len(regions) == 1 or any(map(_is_story, regions[-1]))):
            regions.append([])
        regions[-1].append(block)
    return regions


def _opening_words(text: str, start: int) -> str:
    words: list[str] = []
    for word in text[start : start + 300].split()[:_TITLE_WORDS]:
        words.append(word)
        if word[-1] in ".!?…":
            break
    title = " ".join(words).replace('"', "").replace("“", "").replace("”", "")
    return title.strip("'‘’.,;:!?…—–- ")


def _readable_name(name: str) -> str:
    words = re.sub(r"[_\-]+", " ", name).split() or ["story"]
    if all(w.islower() or not w.isalpha() for w in words):
        words = [w.capitalize() if w.isalpha() else w for w in words]
    return " ".join(words)


def _scenes(blocks: list[_Block]) -> list[Scene]:
    scenes: list[list[Paragraph]] = [[]]
    pending_break = False
    for block in blocks:
        pending_break = pending_break or block.gap >= 2 or block.kind == "separator"
        if _is_story(block):
            if pending_break and scenes[-1]:
                scenes.append([])
            scenes[-1].append(Paragraph(block.start, block.end))
            pending_break = False
    return [Scene(ps[0].start, ps[-1].end, tuple(ps)) for ps in scenes if ps]


def structure(doc: Document, title: str | None = None, author: str | None = None) -> Book:
    """Work out a story's metadata, matter, chapters, scenes and paragraphs."""
    if doc.hints is not None:
        return _hinted(doc, doc.hints, title, author)
    text = doc.text
    lines = _lines(text)
    if not lines:
        raise StructureError(f"{doc.path or doc.name} has no text: there is nothing to read.")
    blocks = _blocks(text, lines)
    meta = _Meta(author=author)
    regions = _regions(blocks)
    meta.headed = len(regions) > 1
    for k, region in enumerate(regions):
        body = [b for b in region if b.kind != "heading"]
        _label_region(text, body, meta, top=k == 0)
        story = [b for b in body if _is_story(b)]
        if k + 1 < len(regions) and _is_title_page(text, k, region, story):
            for block in story:
                block.label = "title page"
    if not any(map(_is_story, blocks)):
        # Nothing but notes and headings: read it all rather than produce an empty book.
        for block in blocks:
            block.kind, block.label = "text", None
        regions = [blocks]
    book_title = title or meta.title or _readable_name(doc.name)
    chapters = _chapters(text, regions, book_title)
    matter = _matter(text, blocks, chapters)
    return Book(doc, book_title, meta.author, meta.summary, tuple(chapters), tuple(matter))


def _is_title_page(text: str, k: int, region: list[_Block], story: list[_Block]) -> bool:
    """Old editions repeat a title page under each volume heading, and print a year or a
    motto above the first chapter: too short to be story."""
    size = sum(b.end - b.start for b in story)
    if k == 0:
        return size < _MAX_PREFACE_CHARS and not any(text[b.end - 1] in ".!?\"”’'" for b in story)
    return all(b.part for b in region if b.kind == "heading") and size < _MAX_TITLE_PAGE_CHARS


def _chapters(text: str, regions: list[list[_Block]], book_title: str) -> list[Chapter]:
    pieces: list[tuple[str, Span | None, list[Scene]]] = []
    # Headings of a trailing region without story are not a chapter: they become matter.
    while len(regions) > 1 and not any(map(_is_story, regions[-1])):
        for block in regions[-1]:
            block.kind, block.label = "text", block.label or "chapter heading"
        regions[-2].extend(regions.pop())
    pending: list[_Block] = []
    for region in regions:
        if not any(map(_is_story, region)):
            pending.extend(region)
            continue
        region, pending = pending + region, []
        headings = [b for b in region if b.kind == "heading"]
        chapter_headings = [b for b in headings[:-1] if not b.part and b.title]
        if len(chapter_headings) >= 2:
            # A run of chapter headings with no story between them is a table of contents.
            for b in headings[:-1]:
                b.kind, b.label = "text", "chapter list"
            headings = headings[-1:]
        scenes = _scenes(region)
        if headings:
            name = ", ".join(b.title for b in headings if b.title)
            pieces.append((name, Span(headings[0].start, headings[-1].end), scenes))
        elif len(regions) == 1 and len(scenes) > 1:
            pieces.extend((_opening_words(text, s.start), None, [s]) for s in scenes)
        else:
            pieces.append(("", None, scenes))
    chapters: list[Chapter] = []
    for n, (name, span, scenes) in enumerate(pieces):
        start = span.start if span else scenes[0].start
        if not name:
            name = book_title if len(pieces) == 1 else _opening_words(text, scenes[0].start)
        chapters.append(
            Chapter(name or f"Chapter {n + 1}", start, scenes[-1].end, span, tuple(scenes))
        )
    for n in range(len(chapters) - 1):
        c = chapters[n]
        chapters[n] = Chapter(c.title, c.start, chapters[n + 1].start, c.heading, c.scenes)
    return chapters


def _matter(text: str, blocks: list[_Block], chapters: list[Chapter]) -> list[Matter]:
    out: list[Matter] = []
    starts = [c.start for c in chapters]
    for block in blocks:
        if block.label is None or block.kind == "heading":
            continue
        if block.start < chapters[0].start:
            front = True
        elif block.start >= chapters[-1].end:
            front = False
        else:
            chapter = chapters[max(0, bisect.bisect_right(starts, block.start) - 1)]
            front = block.start < chapter.scenes[0].start
        out.append(Matter(block.start, block.end, block.label, front))
    return out


def _hinted(doc: Document, hints: Hints, title: str | None, author: str | None) -> Book:
    """Structure from a document's hints: their chapters and matter exactly, the
    plain-text rules for notes and details the markup leaves unmarked."""
    text = doc.text
    lines = _lines(text)
    if not lines:
        raise StructureError(f"{doc.path or doc.name} has no text: there is nothing to read.")
    # Markup puts a blank line between paragraphs; a single newline is a <br>.
    blocks = _blocks(text, lines, wrapped=False)
    _mark_hinted_matter(blocks, hints.matter)
    hinted = _sorted_hints(hints.chapters, len(text))
    meta = _Meta(title=hints.title, author=author or hints.author, summary=hints.summary)
    if hinted:
        _mark_hinted_headings(blocks, hinted)
        regions = _hint_regions(blocks, hinted)
    else:
        regions = _regions(blocks)
    meta.headed = len(regions) > 1
    for k, region in enumerate(regions):
        body = [b for b in region if b.kind != "heading" and not b.hinted]
        _label_region(text, body, meta, top=k == 0)
        story = [b for b in body if _is_story(b)]
        if k == 0 and len(regions) > 1 and _is_title_page(text, k, region, story):
            for block in story:
                block.label = "title page"
    if not any(map(_is_story, blocks)):
        # Nothing but matter: read it all rather than produce an empty book.
        for block in blocks:
            block.kind, block.label, block.hinted = "text", None, False
        regions, hinted = [blocks], []
    book_title = title or meta.title or _readable_name(doc.name)
    if hinted:
        chapters = _hinted_chapters(text, regions, hinted, book_title)
    else:
        chapters = _chapters(text, regions, book_title)
    matter = _matter(text, [b for b in blocks if not b.hinted], chapters)
    matter.extend(_hinted_matter(blocks))
    matter.sort(key=lambda m: m.start)
    return Book(doc, book_title, meta.author, meta.summary, tuple(chapters), tuple(matter))


def _mark_hinted_matter(blocks: list[_Block], matter: tuple[Matter, ...]) -> None:
    spans = sorted(matter, key=lambda m: m.start)
    starts = [m.start for m in spans]
    for block in blocks:
        k = bisect.bisect_right(starts, block.start) - 1
        for m in spans[max(0, k) : k + 2]:
            if m.start < block.end and block.start < m.end:
                block.kind, block.title, block.label, block.hinted = "text", "", m.label, True
                block.front = m.front
                break


def _hinted_matter(blocks: list[_Block]) -> list[Matter]:
    """Runs of hinted blocks with one label as one Matter each, aligned to the blocks."""
    out: list[Matter] = []
    previous: _Block | None = None
    for block in blocks:
        if block.hinted and block.label is not None:
            last = out[-1] if out else None
            if (
                last is not None
                and previous is not None
                and previous.hinted
                and (last.label, last.front) == (block.label, block.front)
            ):
                out[-1] = Matter(last.start, block.end, last.label, last.front)
            else:
                out.append(Matter(block.start, block.end, block.label, block.front))
        previous = block
    return out


def _clean_title(title: str) -> str:
    return heading_title(title) or tidy(" ".join(title.split()))


def _sorted_hints(chapters: tuple[ChapterHint, ...], size: int) -> list[ChapterHint]:
    """Hinted chapters in text order, one per start, titles cleaned."""
    out: list[ChapterHint] = []
    for hint in sorted(chapters, key=lambda c: c.start):
        if not 0 <= hint.start < size:
            continue
        hint = ChapterHint(_clean_title(hint.title), hint.start, hint.heading)
        if out and out[-1].start == hint.start:
            last = out[-1]
            out[-1] = ChapterHint(_join_titles([last.title, hint.title]), last.start,
                                  last.heading or hint.heading)
        else:
            out.append(hint)
    return out


def _mark_hinted_headings(blocks: list[_Block], hinted: list[ChapterHint]) -> None:
    """Headings are exactly the hinted ones; a line that merely looks like one is text."""
    spans = [(h.heading.start, h.heading.end) for h in hinted if h.heading is not None]
    starts = [start for start, _ in spans]
    for block in blocks:
        if block.kind == "heading":
            block.kind, block.title, block.part = "text", "", False
        if block.hinted:
            continue
        k = bisect.bisect_right(starts, block.start) - 1
        if k >= 0 and block.start >= spans[k][0] and block.end <= spans[k][1]:
            block.kind = "heading"


def _hint_regions(blocks: list[_Block], hinted: list[ChapterHint]) -> list[list[_Block]]:
    """The blocks before the first hinted chapter, then the blocks of each."""
    starts = [h.start for h in hinted]
    regions: list[list[_Block]] = [[] for _ in range(len(hinted) + 1)]
    for block in blocks:
        regions[bisect.bisect_right(starts, block.start)].append(block)
    return regions


def _join_titles(titles: list[str]) -> str:
    """ "Chapter 1" and "The Storm" make "Chapter 1: The Storm"; "Part One" and
    "Chapter 1" make "Part One, Chapter 1"."""
    out = ""
    bare = False
    for title in filter(None, titles):
        if not out:
            out = title
        elif bare and heading_title(title) is None:
            out += f": {title}"
        else:
            out += f", {title}"
        found = heading_title(title)
        bare = found is not None and ":" not in found and found.startswith("Chapter")
    return out


def _hinted_chapters(
    text: str, regions: list[list[_Block]], hinted: list[ChapterHint], book_title: str
) -> list[Chapter]:
    """One chapter per hinted chapter with story; hinted chapters without story (a part's
    title page) join the next one, and after the last one their headings are matter."""
    pieces: list[tuple[str, int, Span | None, list[Scene]]] = []
    if any(map(_is_story, regions[0])):
        scenes = _scenes(regions[0])
        pieces.append(("", scenes[0].start, None, scenes))
    pending: list[tuple[ChapterHint, list[_Block]]] = []
    for hint, region in zip(hinted, regions[1:], strict=True):
        heads = [b for b in region if b.kind == "heading"]
        pending.append((hint, heads))
        if not any(map(_is_story, region)):
            continue
        scenes = _scenes(region)
        all_heads = [b for _, hs in pending for b in hs]
        span = Span(all_heads[0].start, all_heads[-1].end) if all_heads else None
        start = min(pending[0][0].start, span.start if span else scenes[0].start)
        title = _join_titles([h.title for h, _ in pending])
        pieces.append((title, min(start, scenes[0].start), span, scenes))
        pending = []
    for _, heads in pending:
        for block in heads:
            block.kind, block.label = "text", "chapter heading"
    chapters: list[Chapter] = []
    for n, (name, start, span, scenes) in enumerate(pieces):
        announce = bool(name) and span is None  # titled by the navigation alone
        if not name:
            name = book_title if len(pieces) == 1 else _opening_words(text, scenes[0].start)
        chapters.append(Chapter(name or f"Chapter {n + 1}", start, scenes[-1].end, span,
                                tuple(scenes), announce))  # fmt: skip
    for n in range(len(chapters) - 1):
        chapters[n] = dataclasses.replace(chapters[n], end=chapters[n + 1].start)
    return chapters
