"""Quote marks in a paragraph -> Quote spans: double and single quotes (with
apostrophes and elisions told apart), dash dialogue, italic thoughts, and the
quotes a text lost its marks for."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from audiobook.text.words import CONTEXT, THOUGHT_AFTER, THOUGHT_BEFORE, THOUGHT_HINT

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


_ITALIC = re.compile(r"(?<![*\w])([*_])(?=\S)([^*_\n]{1,300}?)(?<=\S)\1(?![*\w])")


_DASH_RUN = re.compile(f"[{DASHES}]+")


_MIN_LOST_MARKS = 10


@dataclass(frozen=True)
class Quote:
    """A quote in a paragraph: its marks' outer bounds and its content."""

    outer_start: int
    start: int
    end: int
    outer_end: int
    family: str  # "double", "single", "dash" or "italic"
    open_at_end: bool = False


def is_single_opener(text: str, i: int, start: int, end: int) -> bool:
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
            i for i in singles if text[i] != "’" and is_single_opener(text, i, start, end)
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


def find_quotes(text: str, start: int, end: int, next_opens_single: bool) -> list[Quote]:
    if text[start] in DASHES:
        return _dash_dialogue(text, start, end)
    marks = [m.start() for m in _MARKS.finditer(text, start, end)]
    singles = _Singles(text, marks, start, end)
    openers = set(singles.openers)
    out: list[Quote] = []
    open_at: int | None = None
    j = 0
    while j < len(marks):
        i, c = marks[j], text[marks[j]]
        j += 1
        if open_at is not None:
            if c in _DOUBLE_CLOSERS[text[open_at]]:
                out.append(Quote(open_at, open_at + 1, i, i + 1, "double"))
                open_at = None
            elif c == "“":  # a new opener before a closer: the last quote was left open
                out.append(Quote(open_at, open_at + 1, i, i, "double"))
                open_at = i
        elif c in _DOUBLE_CLOSERS:
            open_at = i
        elif i in openers:
            close = singles.closer_after(i)
            if close is not None:
                out.append(Quote(i, i + 1, close, close + 1, "single"))
                j = bisect.bisect_right(marks, close)
            elif next_opens_single:
                out.append(Quote(i, i + 1, end, end, "single", open_at_end=True))
                break
    if open_at is not None:
        out.append(Quote(open_at, open_at + 1, end, end, "double", open_at_end=True))
    return out


def _dash_dialogue(text: str, start: int, end: int) -> list[Quote]:
    """ "—Hola —dijo él—. ¿Y tú?": speech, attribution after a spaced dash, speech again."""
    out: list[Quote] = []
    outer, speaking = start, True
    for m in _DASH_RUN.finditer(text, start, end):
        if m.start() == start:
            continue
        if speaking and text[m.start() - 1].isspace():
            out.append(Quote(outer, _after_dashes(text, outer, end), m.start(), m.end(), "dash"))
            speaking = False
        elif not speaking:
            outer, speaking = m.start(), True
    if speaking:
        out.append(Quote(outer, _after_dashes(text, outer, end), end, end, "dash"))
    return out


def _after_dashes(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos] in DASHES:
        pos += 1
    return pos


def _italic_thoughts(text: str, start: int, end: int) -> list[Quote]:
    """*I should go,* he thought: emphasis marks around a clause tied to a thought verb."""
    out = []
    for m in _ITALIC.finditer(text, start, end):
        # One emphasised word ("it was _very_ odd, she thought") is not a thought of its
        # own; "*Run,* she thought" ends on punctuation.
        words = m.group(2)
        if " " not in words and words[-1].isalnum():
            continue
        if near_thought(text, m.start(), m.end(), start, end):
            out.append(Quote(m.start(), m.start(2), m.end(2), m.end(), "italic"))
    return out


def marks_lost(text: str) -> bool:
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


def nested_lost(text: str, start: int, end: int, open_end: bool) -> list[tuple[int, int]]:
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


def whole_quote(text: str, start: int, end: int, quotes: list[Quote]) -> str | None:
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


def with_italics(text: str, start: int, end: int, quotes: list[Quote]) -> list[Quote]:
    out: list[Quote] = []
    cursor = start
    for quote in [*quotes, None]:
        stop = quote.outer_start if quote else end
        out.extend(_italic_thoughts(text, cursor, stop))
        if quote:
            out.append(quote)
            cursor = quote.outer_end
    return out


# Texts whose nested quote marks were turned into spaces: "he came up, with  What is
# that?  And now" once read "with 'What is that?' And now". A lost mark leaves one space
# too many where it stood; a run of spaces (or a space beside a line break) is a trace.
_SPACE_RUN = re.compile(r" +\n? *|\n +")


_SENTENCE_SPACES = {n: re.compile(rf"(?<=[a-z])[.!?] {{{n}}}(?=[A-Z])") for n in (1, 2)}


def near_thought(text: str, outer_start: int, outer_end: int, start: int, end: int) -> bool:
    lo, hi = max(start, outer_start - CONTEXT), min(end, outer_end + CONTEXT)
    if not THOUGHT_HINT.search(text[lo:hi].lower()):
        return False  # most quotes: skip the slower anchored searches
    after = THOUGHT_AFTER.match(text, outer_end, hi)
    return after is not None or THOUGHT_BEFORE.search(text, lo, outer_start) is not None
