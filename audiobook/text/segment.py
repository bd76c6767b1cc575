"""Book -> segments: narration, dialogue, thought, headings and matter, with offsets.

Segments are sorted, never overlap, and leave out only whitespace and the marks that
delimit quotes (quote marks, em-dash dialogue dashes, thought asterisks).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from audiobook.models import Book, Kind, Segment
from audiobook.text.citations import cited_paragraphs, is_inscription
from audiobook.text.letters import letter_paragraphs
from audiobook.text.quotes import (
    QUOTE_MARKS,
    Quote,
    find_quotes,
    is_single_opener,
    marks_lost,
    near_thought,
    nested_lost,
    with_italics,
)
from audiobook.text.words import CONTEXT, SAID_NEARBY, SPEECH_CUES

# A bracketed stage direction inside speech: "(smiling)", "(in a low tone,)", "(to Emma)",
# "(she was quite sure of it)".
_DIRECTION = re.compile(r"\([^()]{1,200}\)")
_DIRECTION_WORD = re.compile(
    r"(?!(?:excepting|according|concerning|including|during|regarding|nothing|something"
    r"|anything|everything|morning|evening|being|in\s+(?:short|fact|truth|general))\b)"
    r"(?:[a-z]+ing|[a-z]+ly|in|with|to|aside|then|after|she|he|they|his|her|here|loud|renewed)\b"
    r"|(?:hear|cheers|laughter|applause)\b"
)
# Words said only in a character's head or in another world: "He felt like answering:",
# "It was on the tip of her tongue to ask:", "a look that seemed to say,", "Helen would
# have exclaimed,". Read by the narrator.
_SPOKEN_VERB = (
    r"(?:say|said|saying|ask|asked|asking|exclaim|exclaimed|exclaiming|answer|answered|answering"
    r"|cry|cried|crying|reply|replied|replying|add|added|adding|retort|retorted|retorting"
    r"|remark|remarked|remarking|quote|quoted|call|called)"
)
_UNSPOKEN_BEFORE = re.compile(
    r"(?:\b(?:would|could|might|should|must)\s+(?:not\s+)?have\s+(?:\w+\s+)?"
    + _SPOKEN_VERB
    + r"|\b(?:almost|nearly)\s+(?:(?:\w+ing|\w+ed)\s+(?:\w+\s+){0,2})?(?:ready\s+to\s+)?"
    + _SPOKEN_VERB
    + r"|\b(?:ready|about|tempted|longing|wanted|wishing|wished|inclined|tongue|lips)\s+to\s+"
    + _SPOKEN_VERB
    + r"|\b(?:on\s+the\s+point\s+of|felt\s+like|feel\s+like|capable\s+of)\s+"
    + _SPOKEN_VERB
    + r"|\b(?:as\s+much\s+as\s+to|as\s+who\s+should|as\s+if\s+to|seemed\s+to|seeming\s+to)\s+say"
    + r"|\b(?:look|looks|eyes|face|smile|glance|glances|tone|gesture)\s+(?:that\s+|which\s+)?"
    r"(?:said|meant|implied|signified|expressed)|\b(?:signified|implied)"
    r"|\b(?:why\s+did\s+(?:he|she|I|they|you)\s+not|how\s+could\s+(?:he|she|I|they))\s+"
    r"(?:say|ask|answer|reply))\b[^.!?\"“”]{0,25}$",
    re.I,
)
_UNSPOKEN_AFTER = re.compile(
    r"[ \t]*\n?[ \t]*(?:the\s+\w+|he|she|I|they|one)\s+(?:could|would)\s+(?:fancy|imagine)\b"
    r"|[ \t]*\n?[ \t]*(?:he|she|I)\s+felt\s+like\s+\w+ing\b",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?;]")
_HEADING_LINES = re.compile(r"\S(?:.|\n(?![ \t]*\n))*")
_MAX_HOLES = 1000


def _near_speech(text: str, outer_start: int, outer_end: int, start: int, end: int) -> bool:
    after = SAID_NEARBY.search(text, outer_end, min(end, outer_end + CONTEXT // 2))
    before = SAID_NEARBY.search(text, max(start, outer_start - CONTEXT // 2), outer_start)
    return after is not None or before is not None


def _is_term(text: str, quote: Quote, start: int, end: int, resumes: int | None) -> bool:
    """A scare quote, title or quoted word inside a narration sentence: the so-called
    "improvement", a book called "Evelina". Read by the narrator, not a character.

    The opening mark follows a lowercase word directly, the words cry or ask nothing,
    and no speech verb stands beside the quote. A quote resumed after a few words of
    narration in the same sentence ("Wait" looking round "for me.") is still speech.
    """
    if quote.family not in ("double", "single") or quote.open_at_end:
        return False
    before = quote.outer_start - 1
    while before > start and text[before] in " \t\n":
        before -= 1
    if before < start or not text[before].isalpha() or not text[before].islower():
        return False
    if resumes is not None and not _SENTENCE_END.search(text, resumes, quote.outer_start):
        return False
    words = text[quote.start : quote.end]
    if "!" in words or "?" in words:
        return False
    lo, hi = max(start, quote.outer_start - 25), min(end, quote.outer_end + 30)
    return not SPEECH_CUES.search(text, lo, quote.outer_start) and not SPEECH_CUES.search(
        text, quote.outer_end, hi
    )


def _is_unspoken(text: str, quote: Quote, start: int, end: int) -> bool:
    """Words a character would have said, longed to say, or only looked: "He felt like
    answering: "Not yet."" Nobody says them aloud, so the narrator reads them."""
    if quote.family not in ("double", "single"):
        return False
    before = text.rfind("\n\n", start, quote.outer_start)
    lo = max(start, before, quote.outer_start - 160)
    if _UNSPOKEN_BEFORE.search(text, lo, quote.outer_start):
        return True
    return _UNSPOKEN_AFTER.match(text, quote.outer_end, min(end, quote.outer_end + 60)) is not None


def _without_terms(text: str, start: int, end: int, quotes: list[Quote]) -> list[Quote]:
    """The paragraph's quotes less scare quotes, titles, unspoken words and inscriptions,
    which stay in the narration."""
    out: list[Quote] = []
    for quote in quotes:
        # Only a quote that is speech can resume after a few words of narration.
        resumes = out[-1].outer_end if out and out[-1].outer_end <= quote.outer_start else None
        if not (
            _is_term(text, quote, start, end, resumes)
            or _is_unspoken(text, quote, start, end)
            or is_inscription(text, quote, start, end)
        ):
            out.append(quote)
    return out


def _kind(text: str, quote: Quote, start: int, end: int, double_style: bool) -> Kind:
    if quote.family == "italic":
        return Kind.THOUGHT
    if quote.family == "dash":
        return Kind.DIALOGUE
    if near_thought(text, quote.outer_start, quote.outer_end, start, end):
        return Kind.THOUGHT
    if quote.family == "double" or _near_speech(
        text, quote.outer_start, quote.outer_end, start, end
    ):
        return Kind.DIALOGUE
    # Where speech is double-quoted, single quotes mark thoughts.
    return Kind.THOUGHT if double_style else Kind.DIALOGUE


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end or all(c in QUOTE_MARKS for c in text[start:end]):
        return None
    return start, end


def _pieces(
    text: str,
    start: int,
    end: int,
    quotes: list[Quote],
    kinds: list[Kind],
    lost: bool = False,
    story: bool = False,
) -> Iterator[tuple[int, int, Kind]]:
    """(start, end, kind) of narration and quotes, marks left out.

    In a text that ``lost`` its inner quote marks, the quotes a speaker quotes while
    telling a story over several paragraphs (``story``) are read by the narrator, as
    PDNC marks them. (In a one-paragraph speech an inner quote stays with the speech:
    PDNC novels disagree there.)
    """
    cursor = start
    for quote, kind in zip(quotes, kinds, strict=True):
        yield cursor, quote.outer_start, Kind.NARRATION
        inner = quote.start
        holes = list(_stage_directions(text, quote))
        if lost and story and quote.family == "double":
            nested = nested_lost(text, quote.start, quote.end, quote.open_at_end)
            holes = _merged(holes + nested)
        for a, b in holes:
            yield inner, a, _worded(text, inner, a, kind)
            yield a, b, Kind.NARRATION
            inner = b
        yield inner, quote.end, _worded(text, inner, quote.end, kind)
        cursor = quote.outer_end
    yield cursor, end, Kind.NARRATION


def _worded(text: str, start: int, end: int, kind: Kind) -> Kind:
    return kind if any(c.isalnum() for c in text[start:end]) else Kind.NARRATION


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _stage_directions(text: str, quote: Quote) -> Iterator[tuple[int, int]]:
    """Bracketed narration inside speech, "But--(in a low tone)--no.": read by the narrator."""
    if quote.family in ("double", "single"):
        for m in _DIRECTION.finditer(text, quote.start, quote.end):
            if _DIRECTION_WORD.match(text, m.start() + 1):
                # "I am a cause (cheers). I set": the stop after the aside ends the
                # sentence before it, so it goes with the aside, not the next sentence.
                stop = m.end()
                while stop < quote.end and text[stop] in ".,;:":
                    stop += 1
                after = text[stop : stop + 1]
                yield (
                    m.start(),
                    stop if stop > m.end() and (not after or after.isspace()) else m.end(),
                )


def segment(book: Book, read_notes: bool = False) -> tuple[Segment, ...]:
    """Split a book into segments: headings, matter, and per paragraph narration and quotes."""
    text = book.document.text
    paragraphs = book.paragraph_spans()
    found: list[list[Quote]] = []
    for n, (start, end) in enumerate(paragraphs):
        nxt = paragraphs[n + 1][0] if n + 1 < len(paragraphs) else None
        opens_single = (
            nxt is not None and text[nxt] in "'‘" and is_single_opener(text, nxt, nxt, len(text))
        )
        quotes = find_quotes(text, start, end, opens_single)
        found.append(with_italics(text, start, end, quotes))
    # Letters, cited passages and epigraphs are read by the narrator.
    unspoken = letter_paragraphs(text, paragraphs, found) | cited_paragraphs(text, paragraphs)
    doubles = sum(q.family == "double" for qs in found for q in qs)
    singles = sum(q.family == "single" for qs in found for q in qs)
    double_style = doubles >= 3 and doubles >= 2 * singles
    lost = marks_lost(text)

    units: list[tuple[int, int, Kind, str | None, int | None]] = []
    for m in book.matter:
        if read_notes and m.label == "author's note":
            units.append((m.start, m.end, Kind.NARRATION, None, None))
        else:
            kind = Kind.FRONT_MATTER if m.front else Kind.BACK_MATTER
            units.append((m.start, m.end, kind, m.label, None))
    holes = sorted((m.start, m.end) for m in book.matter)
    for ch in book.chapters:
        if ch.heading is not None:
            pieces = _heading_pieces(text, ch.heading.start, ch.heading.end, holes)
            units.extend((s, e, Kind.HEADING, None, None) for s, e in pieces)
    units.extend((s, e, Kind.NARRATION, None, n) for n, (s, e) in enumerate(paragraphs))
    units.sort(key=lambda u: u[0])

    starts = [c.start for c in book.chapters]
    scene_starts = [[s.start for s in c.scenes] for c in book.chapters]
    out: list[Segment] = []
    carried: tuple[str, Kind] | None = None  # family and kind of a quote left open
    for number, (start, end, kind, reason, para) in enumerate(units):
        chapter = max(0, bisect.bisect_right(starts, start) - 1) if starts else 0
        scene = _scene_at(scene_starts, chapter, start)
        if para is None:
            if (span := _trimmed(text, start, end)) is not None:
                out.append(Segment(kind, *span, chapter, scene, number, reason=reason))
            continue
        quotes = [] if para in unspoken else _without_terms(text, start, end, found[para])
        kinds = [_kind(text, q, start, end, double_style) for q in quotes]
        story = False
        if carried and quotes and (quotes[0].outer_start, quotes[0].family) == (start, carried[0]):
            kinds[0] = carried[1]  # a quote running on from the previous paragraph keeps its kind
            story = True
        carried = (quotes[-1].family, kinds[-1]) if quotes and quotes[-1].open_at_end else None
        story = story or carried is not None
        for s, e, k in _pieces(text, start, end, quotes, kinds, lost, story):
            if (span := _trimmed(text, s, e)) is not None:
                out.append(Segment(k, *span, chapter, scene, number))
    return tuple(out)


def _heading_pieces(
    text: str, start: int, end: int, holes: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The heading's lines, minus any matter (sorted ``holes``) lying between merged headings."""
    first = bisect.bisect_left(holes, (start, start))
    inside = [h for h in holes[first : first + _MAX_HOLES] if h[0] < end]
    pieces, cursor = [], start
    for s, e in [*inside, (end, end)]:
        for m in _HEADING_LINES.finditer(text, cursor, s):
            pieces.append((m.start(), m.end()))
        cursor = max(cursor, e)
    return pieces


def _scene_at(scene_starts: list[list[int]], chapter: int, offset: int) -> int:
    if not scene_starts:
        return 0
    return max(0, bisect.bisect_right(scene_starts[chapter], offset) - 1)
