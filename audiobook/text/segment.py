"""Book -> segments: narration, dialogue, thought, headings and matter, with offsets.

Segments are sorted, never overlap, and leave out only whitespace and the marks that
delimit quotes (quote marks, em-dash dialogue dashes, thought asterisks).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from audiobook.models import Book, Kind, Segment

QUOTE_MARKS = "\"“”„«»'‘’"
DASHES = "—―"
_MARKS = re.compile("[\"“”„«»'‘’]")
_DOUBLE_CLOSERS = {'"': '"”', "“": '”"', "„": '“”"', "«": "»"}
_OPENER_BEFORE = frozenset('([{<—–-/"“„«…:;*_')
# Leading-apostrophe words: 'em, 'tis, 'cause, rock 'n' roll, the '90s.
_ELISION = re.compile(
    r"(?:em|tis|twas|twere|twill|twould|cause|cos|coz|cuz|til|till|n|bout|round|nuff|kay"
    r"|ello|allo|ere|im|scuse|fraid|sup|\d\d|s|re|ve|ll|d|m|t)s?\b(?!['’]\w)",
    re.I,
)
_WEAK_AFTER = re.compile(r"\s+[a-z]")
_THOUGHT_VERBS = r"(?:thought|thinks?|thinking|wondered|wonders|wondering|mused|muses|pondered)"
_THOUGHT_HINT = re.compile("thought|think|wonder|muse|ponder")
_THOUGHT_AFTER = re.compile(rf"[^.!?\"“”'‘’]{{0,40}}?\b{_THOUGHT_VERBS}\b", re.I)
_THOUGHT_BEFORE = re.compile(rf"\b{_THOUGHT_VERBS}\b[^.!?\"“”]{{0,25}}$", re.I)
_SPEECH_VERBS = re.compile(
    r"\b(?:said|says|say|asked|asks|ask|whispered|shouted|yelled|muttered|replied|called|cried"
    r"|told|tell|spoke|answered|murmured|exclaimed|screamed|snapped|added|continued)\b",
    re.I,
)
# Words that introduce or follow reported speech, so a quote beside them is speech even
# when it sits inside a narration sentence ("cries of "Help!"", "she said to herself").
_SPEECH_CUES = re.compile(
    r"\b(?:said|says|say|saying|asked|asks|ask|asking|whispered|whispering|shouted|shouting"
    r"|yelled|muttered|muttering|replied|cried|crying|cries|cry|told|tell|telling"
    r"|spoke|answered|murmured|exclaimed|exclaiming|screamed|snapped|added|adding|continued"
    r"|continuing|sighed|pleaded|began|begun|repeated|returned|observed|remarked|resumed"
    r"|announced|announcing|voice|whisper|shout|exclamation|speech|hesitated"
    r"|(?:call|calls|called|calling|went|go|goes|going|burst|broke)\s+(?:out|on|forth|in))\b",
    re.I,
)
# A bracketed stage direction inside speech: "(smiling)", "(in a low tone,)", "(to Emma)",
# "(she was quite sure of it)".
_DIRECTION = re.compile(r"\([^()]{1,200}\)")
_DIRECTION_WORD = re.compile(
    r"(?!(?:excepting|according|concerning|including|during|regarding|nothing|something"
    r"|anything|everything|morning|evening|being|in\s+(?:short|fact|truth|general))\b)"
    r"(?:[a-z]+ing|[a-z]+ly|in|with|to|aside|then|after|she|he|they|his|her|here|loud|renewed)\b"
    r"|(?:hear|cheers|laughter|applause)\b"
)
# Letters: "MY DEAR SIR," / "Dearest Meg," / "Dear Smith,--I have received yours."
_SALUTATION = re.compile(
    r"(?:my\s+)?(?:(?:very|own|dear|dearest|darling|beloved|sweet)\s+)*"
    r"(?:dear|dearest|darling|beloved)\s[^!?;:,\n]{1,40},(?:$|--|—)",
    re.I,
)
_LETTER_HEAD = re.compile(
    r"(?=[^!?]{1,45}$)(?:.*\d|.*\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed"
    r"|thu|fri|sat|sun)[a-z]*\b|(?:[A-Z][\w'-]*[.,]?\s*)+$)"
)
_LETTER_REACH = 12
_LETTER_OPENS = re.compile(r"\b(?:as\s+follows|to\s+this\s+effect)\b")
_CLOSING = re.compile(
    r"(?:(?:i\s+am|i\s+remain|believe\s+me),?\s+)?(?:[^.!?]{0,20},\s+)?"
    r"(?:(?:ever|very|most|always)\s+)*(?:yours|your's)\b[^!?]{0,40}$"
    r"|your\s+(?:(?:very|most|ever)\s+)?(?:affectionate|obliged|sincere|faithful|loving|devoted"
    r"|anxious|humble|obedient|dutiful|grateful|attached|true)\b[^!?]{0,40}$"
    r"|believe\s+me,?$|(?:i\s+am|i\s+remain),[^!?]{0,30}&c\.?$",
    re.I,
)
_SIGNATURE = re.compile(
    r"(?!(?:YES|NO|OH|OK|AH|SO)\.)(?=(?:.*[A-Z]){2})(?:[A-Z][A-Z'\-]*\.?\s*){1,4}\.$"
    r"|[A-Z][a-z]+(?:\s+[A-Z]\.)+\s*[A-Z][a-z]+\.$"
)
_LETTER_CUE = re.compile(
    r"\b(?:letters?|notes?|telegrams?|wires?|messages?|postscript|post-script|cards?|contents"
    r"|documents?|inscription|inscribed|scrawled|written|wrote|writes|indited|penned|read|reads"
    r"|as\s+follows|to\s+this\s+effect|contained\s+(?:only\s+)?(?:the|these)\s+words)\b",
    re.I,
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
_ITALIC = re.compile(r"(?<![*\w])([*_])(?=\S)([^*_\n]{1,300}?)(?<=\S)\1(?![*\w])")
_CONTEXT = 60
_HEADING_LINES = re.compile(r"\S(?:.|\n(?![ \t]*\n))*")
_MAX_HOLES = 1000
_DASH_RUN = re.compile(f"[{DASHES}]+")
# Texts whose nested quote marks were turned into spaces: "he came up, with  What is
# that?  And now" once read "with 'What is that?' And now". A lost mark leaves one space
# too many where it stood; a run of spaces (or a space beside a line break) is a trace.
_SPACE_RUN = re.compile(r" +\n? *|\n +")
_SENTENCE_SPACES = {n: re.compile(rf"(?<=[a-z])[.!?] {{{n}}}(?=[A-Z])") for n in (1, 2)}
_MIN_LOST_MARKS = 10


@dataclass(frozen=True)
class _Quote:
    """A quote in a paragraph: its marks' outer bounds and its content."""

    outer_start: int
    start: int
    end: int
    outer_end: int
    family: str  # "double", "single", "dash" or "italic"
    open_at_end: bool = False


def _is_single_opener(text: str, i: int, start: int, end: int) -> bool:
    if i + 1 >= end or text[i + 1].isspace():
        return False
    prev = text[i - 1] if i > start else " "
    if not (prev.isspace() or prev in _OPENER_BEFORE or (text[i] == "‘" and not prev.isalnum())):
        return False
    return not _ELISION.match(text, i + 1, end)


def _is_single_closer(text: str, i: int, start: int, end: int) -> bool:
    return i > start and not text[i - 1].isspace() and (i + 1 >= end or not text[i + 1].isalpha())


class _Singles:
    """Single-quote opener and closer candidates of one paragraph, for quick look-ups."""

    def __init__(self, text: str, marks: list[int], start: int, end: int) -> None:
        singles = [i for i in marks if text[i] in "'‘’"]
        self.openers = [
            i for i in singles if text[i] != "’" and _is_single_opener(text, i, start, end)
        ]
        self.closers = [
            i for i in singles if text[i] != "‘" and _is_single_closer(text, i, start, end)
        ]
        # A closer after a letter and before a lowercase word may be a plural possessive
        # ("the dogs' bowls"): weak, passed over when a strong closer follows.
        self.weak = [
            text[i - 1].isalnum() and bool(_WEAK_AFTER.match(text, i + 1, end))
            for i in self.closers
        ]
        self.next_strong = [len(self.closers)] * (len(self.closers) + 1)
        for k in range(len(self.closers) - 1, -1, -1):
            self.next_strong[k] = k if not self.weak[k] else self.next_strong[k + 1]

    def closer_after(self, i: int) -> int | None:
        k = bisect.bisect_right(self.closers, i)
        while k < len(self.closers):
            if not self.weak[k]:
                return self.closers[k]
            n = bisect.bisect_right(self.openers, self.closers[k])
            next_opener = self.openers[n] if n < len(self.openers) else None
            strong = self.next_strong[k]
            if strong == len(self.closers) or (
                next_opener is not None and self.closers[strong] > next_opener
            ):
                return self.closers[k]
            k = strong
        return None


def _quotes(text: str, start: int, end: int, next_opens_single: bool) -> list[_Quote]:
    if text[start] in DASHES:
        return _dash_dialogue(text, start, end)
    marks = [m.start() for m in _MARKS.finditer(text, start, end)]
    singles = _Singles(text, marks, start, end)
    openers = set(singles.openers)
    out: list[_Quote] = []
    open_at: int | None = None
    j = 0
    while j < len(marks):
        i, c = marks[j], text[marks[j]]
        j += 1
        if open_at is not None:
            if c in _DOUBLE_CLOSERS[text[open_at]]:
                out.append(_Quote(open_at, open_at + 1, i, i + 1, "double"))
                open_at = None
            elif c == "“":  # a new opener before a closer: the last quote was left open
                out.append(_Quote(open_at, open_at + 1, i, i, "double"))
                open_at = i
        elif c in _DOUBLE_CLOSERS:
            open_at = i
        elif i in openers:
            close = singles.closer_after(i)
            if close is not None:
                out.append(_Quote(i, i + 1, close, close + 1, "single"))
                j = bisect.bisect_right(marks, close)
            elif next_opens_single:
                out.append(_Quote(i, i + 1, end, end, "single", open_at_end=True))
                break
    if open_at is not None:
        out.append(_Quote(open_at, open_at + 1, end, end, "double", open_at_end=True))
    return out


def _dash_dialogue(text: str, start: int, end: int) -> list[_Quote]:
    """ "—Hola —dijo él—. ¿Y tú?": speech, attribution after a spaced dash, speech again."""
    out: list[_Quote] = []
    outer, speaking = start, True
    for m in _DASH_RUN.finditer(text, start, end):
        if m.start() == start:
            continue
        if speaking and text[m.start() - 1].isspace():
            out.append(_Quote(outer, _after_dashes(text, outer, end), m.start(), m.end(), "dash"))
            speaking = False
        elif not speaking:
            outer, speaking = m.start(), True
    if speaking:
        out.append(_Quote(outer, _after_dashes(text, outer, end), end, end, "dash"))
    return out


def _after_dashes(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos] in DASHES:
        pos += 1
    return pos


def _italic_thoughts(text: str, start: int, end: int) -> list[_Quote]:
    """*I should go,* he thought: emphasis marks around a clause tied to a thought verb."""
    out = []
    for m in _ITALIC.finditer(text, start, end):
        # One emphasised word ("it was _very_ odd, she thought") is not a thought of its
        # own; "*Run,* she thought" ends on punctuation.
        words = m.group(2)
        if " " not in words and words[-1].isalnum():
            continue
        if _near_thought(text, m.start(), m.end(), start, end):
            out.append(_Quote(m.start(), m.start(2), m.end(2), m.end(), "italic"))
    return out


def _near_thought(text: str, outer_start: int, outer_end: int, start: int, end: int) -> bool:
    lo, hi = max(start, outer_start - _CONTEXT), min(end, outer_end + _CONTEXT)
    if not _THOUGHT_HINT.search(text[lo:hi].lower()):
        return False  # most quotes: skip the slower anchored searches
    after = _THOUGHT_AFTER.match(text, outer_end, hi)
    return after is not None or _THOUGHT_BEFORE.search(text, lo, outer_start) is not None


def _near_speech(text: str, outer_start: int, outer_end: int, start: int, end: int) -> bool:
    after = _SPEECH_VERBS.search(text, outer_end, min(end, outer_end + _CONTEXT // 2))
    before = _SPEECH_VERBS.search(text, max(start, outer_start - _CONTEXT // 2), outer_start)
    return after is not None or before is not None


def _is_term(text: str, quote: _Quote, start: int, end: int, resumes: int | None) -> bool:
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
    return not _SPEECH_CUES.search(text, lo, quote.outer_start) and not _SPEECH_CUES.search(
        text, quote.outer_end, hi
    )


def _is_unspoken(text: str, quote: _Quote, start: int, end: int) -> bool:
    """Words a character would have said, longed to say, or only looked: "He felt like
    answering: "Not yet."" Nobody says them aloud, so the narrator reads them."""
    if quote.family not in ("double", "single"):
        return False
    before = text.rfind("\n\n", start, quote.outer_start)
    lo = max(start, before, quote.outer_start - 160)
    if _UNSPOKEN_BEFORE.search(text, lo, quote.outer_start):
        return True
    return _UNSPOKEN_AFTER.match(text, quote.outer_end, min(end, quote.outer_end + 60)) is not None


def _without_terms(text: str, start: int, end: int, quotes: list[_Quote]) -> list[_Quote]:
    """The paragraph's quotes less scare quotes, titles and unspoken words, which stay in
    the narration."""
    out: list[_Quote] = []
    for quote in quotes:
        # Only a quote that is speech can resume after a few words of narration.
        resumes = out[-1].outer_end if out and out[-1].outer_end <= quote.outer_start else None
        if not _is_term(text, quote, start, end, resumes) and not _is_unspoken(
            text, quote, start, end
        ):
            out.append(quote)
    return out


def _kind(text: str, quote: _Quote, start: int, end: int, double_style: bool) -> Kind:
    if quote.family == "italic":
        return Kind.THOUGHT
    if quote.family == "dash":
        return Kind.DIALOGUE
    if _near_thought(text, quote.outer_start, quote.outer_end, start, end):
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
    quotes: list[_Quote],
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
            nested = _nested_lost(text, quote.start, quote.end, quote.open_at_end)
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


def _marks_lost(text: str) -> bool:
    """Whether the text's spare spaces are traces of lost quote marks: its apostrophes
    are spaces too ("don t", "I m"), double spaces are common, yet sentences are parted
    by one space (a text that parts them by two, as typists did, is left alone)."""
    if text.count("  ") < _MIN_LOST_MARKS:
        return False
    spaced = text.count("n t ") + text.count(" I m ")
    kept = sum(text.count(c) for c in ("n't", "n’t", "I'm", "I’m"))
    if spaced < _MIN_LOST_MARKS or spaced < 10 * kept:
        return False
    two = len(_SENTENCE_SPACES[2].findall(text))
    return two * 10 <= len(_SENTENCE_SPACES[1].findall(text))


def _nested_lost(text: str, start: int, end: int, open_end: bool) -> list[tuple[int, int]]:
    """Quotes inside the speech ``text[start:end]`` whose marks were lost to spaces: "I
    said,  Wait!  and he" is "I said, 'Wait!' and he". Each spare space is a mark; they
    open and close in turn. A spare space between two lowercase words is a lost
    apostrophe ("the boys  hats", "o  the"), not a mark. When the marks do not pair up,
    nothing is taken, unless the speech runs on into the next paragraph (``open_end``),
    where the last inner quote may run on too."""
    runs: list[tuple[int, int, int]] = []
    for m in _SPACE_RUN.finditer(text, start, end):
        a, b = m.span()
        before, newline, after = m.group().partition("\n")
        inside = a > start and b < end
        if newline:
            if len(after) > 1:
                continue  # an indented line
            marks = len(before) + len(after)
        else:
            marks = len(before) - (1 if inside else 0)
        if marks and not (inside and text[a - 1].islower() and text[b].islower()):
            runs.append((a, b, marks))
    if sum(k for _, _, k in runs) % 2 and not open_end:
        return []
    out: list[tuple[int, int]] = []
    opened: int | None = None
    for a, b, marks in runs:
        for _ in range(marks):
            if opened is None:
                opened = b
            else:
                if opened < a:
                    out.append((opened, a))
                opened = None
    if opened is not None and opened < end:
        out.append((opened, end))  # a quote in a story runs on into the next paragraph
    return out


def _stage_directions(text: str, quote: _Quote) -> Iterator[tuple[int, int]]:
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
    paragraphs = [
        (p.start, p.end)
        for chapter in book.chapters
        for scene in chapter.scenes
        for p in scene.paragraphs
    ]
    found: list[list[_Quote]] = []
    for n, (start, end) in enumerate(paragraphs):
        nxt = paragraphs[n + 1][0] if n + 1 < len(paragraphs) else None
        opens_single = (
            nxt is not None and text[nxt] in "'‘" and _is_single_opener(text, nxt, nxt, len(text))
        )
        quotes = _quotes(text, start, end, opens_single)
        found.append(_with_italics(text, start, end, quotes))
    letters = _letter_paragraphs(text, paragraphs, found)
    doubles = sum(q.family == "double" for qs in found for q in qs)
    singles = sum(q.family == "single" for qs in found for q in qs)
    double_style = doubles >= 3 and doubles >= 2 * singles
    lost = _marks_lost(text)

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
        quotes = [] if para in letters else _without_terms(text, start, end, found[para])
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


def _whole_quote(text: str, start: int, end: int, quotes: list[_Quote]) -> str | None:
    """The words of a paragraph that is nothing but quotes (marks and spaces aside)."""
    if not quotes or quotes[0].outer_start != start or quotes[0].family == "italic":
        return None
    cursor = start
    for q in quotes:
        if any(c.isalnum() for c in text[cursor : q.outer_start]):
            return None
        cursor = q.outer_end
    if any(c.isalnum() for c in text[cursor:end]):
        return None
    return " ".join(text[q.start : q.end].strip() for q in quotes)


def _letter_paragraphs(
    text: str, paragraphs: list[tuple[int, int]], found: list[list[_Quote]]
) -> set[int]:
    """Paragraphs of a quoted letter, note or telegram, read by the narrator.

    Letters are quoted paragraph by paragraph: place and date lines, a salutation
    ("Dear Sir,", "MY DEAREST LIZZY,"), the body, a closing ("Yours truly,") and a
    signature ("M. J. SCHLEGEL."). Only wholly quoted paragraphs can belong to one,
    and only on strong evidence: a salutation (the letter runs on to its closing or to
    the first paragraph with narration of its own), a closing with its signature, or
    narration announcing a letter ("the following note:"), in which case the letter
    is its first paragraph, or runs on to a closing a few paragraphs on.
    """
    words = [
        _whole_quote(text, a, b, quotes) for (a, b), quotes in zip(paragraphs, found, strict=True)
    ]
    out: set[int] = set()
    n = 0
    while n < len(words):
        if words[n] is None:
            n += 1
            continue
        run_end = n
        while run_end < len(words) and words[run_end] is not None:
            run_end += 1
        announced = _announces_letter(text, paragraphs, found, n)
        lines = [w or "" for w in words[n:run_end]]
        k = 0
        while k < len(lines):
            if _SALUTATION.match(lines[k]):
                first = k
                while first > 0 and first - 1 + n not in out and k - first < 3:
                    if not _LETTER_HEAD.match(lines[first - 1]):
                        break
                    first -= 1
                last = _letter_end(lines, k + 1, len(lines))
            elif k == 0 and announced:
                last = _letter_end(lines, 0, min(len(lines), _LETTER_REACH))
                if last == min(len(lines), _LETTER_REACH) and not _signed(lines, last):
                    last = 1 if announced == ":" else 0
                first = 0
            elif _CLOSING.match(lines[k]) or (_SIGNATURE.match(lines[k]) and k + n - 1 in out):
                first, last = k, _letter_end(lines, k, k + 1)
            else:
                first = last = k
            out.update(range(n + first, n + last))
            k = max(last, k + 1)
        n = run_end
    return out


def _letter_end(lines: list[str], k: int, stop: int) -> int:
    """Where a letter from line ``k`` ends: after its closing and signature lines."""
    for m in range(k, stop):
        if _CLOSING.match(lines[m]) or _SIGNATURE.match(lines[m]):
            m += 1
            while m < len(lines) and (_SIGNATURE.match(lines[m]) or _CLOSING.match(lines[m])):
                m += 1
            return m
    return stop


def _signed(lines: list[str], last: int) -> bool:
    return last > 0 and bool(_CLOSING.match(lines[last - 1]) or _SIGNATURE.match(lines[last - 1]))


def _announces_letter(
    text: str, paragraphs: list[tuple[int, int]], found: list[list[_Quote]], n: int
) -> str | None:
    """How the narration ending the paragraph before ``n`` introduces a letter: ":"
    when the letter follows at once ("These were the contents:"), "." when it only
    speaks of one ("She took out the letter."), None when it does not."""
    if n == 0:
        return None
    a, b = paragraphs[n - 1]
    quotes = found[n - 1]
    if quotes:
        a = max(a, quotes[-1].outer_end)
    tail = text[max(a, b - 200) : b].rstrip(" -—\n")
    if _SALUTATION.match(tail[tail.rfind("\n") + 1 :].strip()):
        return ":"  # an unquoted salutation line: "MY DEAR MADAM,"
    if not tail.endswith((":", ".")):
        return None
    sentence = re.split(r"[.!?;]\s", tail[:-1])[-1]
    if not _LETTER_CUE.search(sentence) or _SPEECH_CUES.search(sentence):
        return None
    if tail.endswith(":"):
        return ":"
    return ":" if _LETTER_OPENS.search(sentence) else "."


def _with_italics(text: str, start: int, end: int, quotes: list[_Quote]) -> list[_Quote]:
    out: list[_Quote] = []
    cursor = start
    for quote in [*quotes, None]:
        stop = quote.outer_start if quote else end
        out.extend(_italic_thoughts(text, cursor, stop))
        if quote:
            out.append(quote)
            cursor = quote.outer_end
    return out


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
