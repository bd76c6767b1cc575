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
import re

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
from audiobook.text.blocks import Block, find_blocks, nonblank_lines
from audiobook.text.headings import (
    heading_title,
    tidy,
)
from audiobook.text.matter import (
    MAX_PREFACE_CHARS,
    MAX_TITLE_PAGE_CHARS,
    TITLE_WORDS,
    Meta,
    label_region,
)


def _is_story(block: Block) -> bool:
    return block.kind == "text" and block.label is None


def _regions(blocks: list[Block]) -> list[list[Block]]:
    """Split at headings; a heading region without story joins the next region."""
    regions: list[list[Block]] = [[]]
    for block in blocks:
        if block.kind == "heading" and (len(regions) == 1 or any(map(_is_story, regions[-1]))):
            regions.append([])
        regions[-1].append(block)
    return regions


def _opening_words(text: str, start: int) -> str:
    words: list[str] = []
    for word in text[start : start + 300].split()[:TITLE_WORDS]:
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


def _scenes(blocks: list[Block]) -> list[Scene]:
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
    lines = nonblank_lines(text)
    if not lines:
        raise StructureError(f"{doc.path or doc.name} has no text: there is nothing to read.")
    blocks = find_blocks(text, lines)
    meta = Meta(author=author)
    regions = _regions(blocks)
    meta.headed = len(regions) > 1
    for k, region in enumerate(regions):
        body = [b for b in region if b.kind != "heading"]
        label_region(text, body, meta, top=k == 0)
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


def _is_title_page(text: str, k: int, region: list[Block], story: list[Block]) -> bool:
    """Old editions repeat a title page under each volume heading, and print a year or a
    motto above the first chapter: too short to be story."""
    size = sum(b.end - b.start for b in story)
    if k == 0:
        return size < MAX_PREFACE_CHARS and not any(text[b.end - 1] in ".!?\"”’'" for b in story)
    return all(b.part for b in region if b.kind == "heading") and size < MAX_TITLE_PAGE_CHARS


def _chapters(text: str, regions: list[list[Block]], book_title: str) -> list[Chapter]:
    pieces: list[tuple[str, Span | None, list[Scene]]] = []
    # Headings of a trailing region without story are not a chapter: they become matter.
    while len(regions) > 1 and not any(map(_is_story, regions[-1])):
        for block in regions[-1]:
            block.kind, block.label = "text", block.label or "chapter heading"
        regions[-2].extend(regions.pop())
    pending: list[Block] = []
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


def _matter(text: str, blocks: list[Block], chapters: list[Chapter]) -> list[Matter]:
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
    lines = nonblank_lines(text)
    if not lines:
        raise StructureError(f"{doc.path or doc.name} has no text: there is nothing to read.")
    # Markup puts a blank line between paragraphs; a single newline is a <br>.
    blocks = find_blocks(text, lines, wrapped=False)
    _mark_hinted_matter(blocks, hints.matter)
    hinted = _sorted_hints(hints.chapters, len(text))
    meta = Meta(title=hints.title, author=author or hints.author, summary=hints.summary)
    if hinted:
        _mark_hinted_headings(blocks, hinted)
        regions = _hint_regions(blocks, hinted)
    else:
        regions = _regions(blocks)
    meta.headed = len(regions) > 1
    for k, region in enumerate(regions):
        body = [b for b in region if b.kind != "heading" and not b.hinted]
        label_region(text, body, meta, top=k == 0)
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
    return Book(doc, book_title, meta.author, meta.summary, tuple(chapters), tuple(matter),
                hints.work)


def _mark_hinted_matter(blocks: list[Block], matter: tuple[Matter, ...]) -> None:
    spans = sorted(matter, key=lambda m: m.start)
    starts = [m.start for m in spans]
    for block in blocks:
        k = bisect.bisect_right(starts, block.start) - 1
        for m in spans[max(0, k) : k + 2]:
            if m.start < block.end and block.start < m.end:
                block.kind, block.title, block.label, block.hinted = "text", "", m.label, True
                block.front = m.front
                break


def _hinted_matter(blocks: list[Block]) -> list[Matter]:
    """Runs of hinted blocks with one label as one Matter each, aligned to the blocks."""
    out: list[Matter] = []
    previous: Block | None = None
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


def _mark_hinted_headings(blocks: list[Block], hinted: list[ChapterHint]) -> None:
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


def _hint_regions(blocks: list[Block], hinted: list[ChapterHint]) -> list[list[Block]]:
    """The blocks before the first hinted chapter, then the blocks of each."""
    starts = [h.start for h in hinted]
    regions: list[list[Block]] = [[] for _ in range(len(hinted) + 1)]
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
    text: str, regions: list[list[Block]], hinted: list[ChapterHint], book_title: str
) -> list[Chapter]:
    """One chapter per hinted chapter with story; hinted chapters without story (a part's
    title page) join the next one, and after the last one their headings are matter."""
    pieces: list[tuple[str, int, Span | None, list[Scene]]] = []
    if any(map(_is_story, regions[0])):
        scenes = _scenes(regions[0])
        pieces.append(("", scenes[0].start, None, scenes))
    pending: list[tuple[ChapterHint, list[Block]]] = []
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
