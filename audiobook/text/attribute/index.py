"""Book + segments + characters -> a frozen TextIndex that attribution reads: the
paragraphs, the quotes and their turns, every mention of a character, who is the
subject of the narration where, each character's gender and the narrator.

What changes while attribution runs (who has been found to speak where, for "he"
and "she" to refer to) is a separate ``Speakers`` record that the driver grows
between decisions; ``Resolver`` reads both, for one decision.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property

from audiobook.models import QUOTE_KINDS, Book, Character, Gender, Segment
from audiobook.text.attribute.settings import DEFAULT, AttributionSettings
from audiobook.text.characters import NARRATOR, narrator_of
from audiobook.text.genders import guess_genders
from audiobook.text.mentions import Mention, find_mentions
from audiobook.text.quotes import QUOTE_MARKS
from audiobook.text.words import told_in_first_person

UNKNOWN = -1
"""A rule's answer meaning "someone, but none of the characters" (``someone said``)."""

QUOTE_EDGE = QUOTE_MARKS + " \t\n"
"""What is stripped between a quote and the narration around it."""

_CLAUSE_SUBJECT = re.compile(
    r"(?:^|[,;:]\s+|\b(?:and|but|then|when|while|as|so|until|till|before|after|because|though)"
    r"\s+)$",
    re.IGNORECASE,
)
# A full stop after a title ("Mr. Bennet") does not end a sentence.
SENTENCE_END = re.compile(
    r"(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)[.!?…]+['\"’”)]*(?:\s+|--|—)|\n\s*\n"
)


@dataclass(frozen=True)
class Quote:
    """A dialogue or thought segment: its index among the segments, and its paragraph."""

    index: int
    seg: Segment
    para: int


@dataclass(frozen=True)
class TextIndex:
    """What attribution reads of the text, computed once."""

    book: Book
    text: str
    characters: tuple[Character, ...]
    mentions: tuple[Mention, ...]
    mention_starts: tuple[int, ...]
    paragraphs: tuple[tuple[int, int], ...]
    quotes: tuple[Quote, ...]
    quote_spans: tuple[tuple[int, int], ...]
    genders: tuple[Gender, ...]
    subjects: tuple[tuple[int, int], ...] = ()
    """(position, character) of each character named as the subject of narration."""
    subject_starts: tuple[int, ...] = ()
    chapter_starts: tuple[int, ...] = ()
    povs: tuple[int | None, ...] = ()
    """Per chapter, the character most often the subject of its narration."""
    narrator: int | None = None
    settings: AttributionSettings = DEFAULT

    def gender(self, who: int) -> Gender:
        return self.genders[who]

    def pov(self, pos: int) -> int | None:
        """The point-of-view character of the chapter at ``pos``."""
        i = bisect.bisect_right(self.chapter_starts, pos) - 1
        if i < 0 or pos >= self.book.chapters[i].end:
            return None
        return self.povs[i]

    def mention_at(self, pos: int) -> Mention | None:
        i = bisect.bisect_left(self.mention_starts, pos)
        if i < len(self.mentions) and self.mentions[i].start == pos:
            return self.mentions[i]
        return None

    def mentions_in(self, start: int, end: int) -> list[Mention]:
        lo = bisect.bisect_left(self.mention_starts, start)
        hi = bisect.bisect_left(self.mention_starts, end)
        return [m for m in self.mentions[lo:hi] if m.end <= end]

    def inside_quote(self, pos: int) -> bool:
        i = bisect.bisect_right(self.quote_spans, (pos, 1 << 60)) - 1
        return i >= 0 and self.quote_spans[i][0] <= pos < self.quote_spans[i][1]

    def is_subject(self, m: Mention) -> bool:
        """A name that opens a sentence or clause and is followed by a verb or ``'s``."""
        text = self.text
        after = text[m.end : m.end + 3]
        verb_follows = after[:1] in (" ", "\n") and after[1:2].islower()
        if not (verb_follows or after[:2] in ("'s", "’s")):
            return False
        before = text[max(0, m.start - 40) : m.start]
        stripped = before.rstrip(" \t")
        if not stripped or stripped.endswith("\n"):
            return True
        if re.search(r"[.!?…]['\"’”)]*$", stripped):
            return True
        # "for Naruto and Sasuke's lives": a name joined by "and" to another is the
        # subject only if that other one is.
        joined = re.search(r"\s+and\s+$", before)
        if joined:
            and_at = m.start - len(joined.group(0))
            for other in self.mentions_in(max(0, and_at - 60), and_at):
                if other.end == and_at:
                    return self.opens_clause(other)
        return bool(_CLAUSE_SUBJECT.search(before))

    def opens_clause(self, m: Mention) -> bool:
        before = self.text[max(0, m.start - 40) : m.start]
        stripped = before.rstrip(" \t")
        if not stripped or stripped.endswith("\n") or re.search(r"[.!?…]['\"’”)]*$", stripped):
            return True
        return bool(_CLAUSE_SUBJECT.search(before)) and not before.endswith("and ")

    def last_clause(self, start: int, end: int) -> int:
        """Start of the sentence that ends at ``end`` (narration before a quote)."""
        last = start
        for match in SENTENCE_END.finditer(self.text, start, end):
            if match.end() < end:
                last = match.end()
        return last

    def vocatives(self, q: Quote) -> set[int]:
        """Characters addressed by name in a quote: ``"Lizzy, …"``, ``"…, Mr. Bennet?"``."""
        found = set()
        text = self.text
        for m in self.mentions_in(q.seg.start, q.seg.end):
            before = text[max(q.seg.start, m.start - 12) : m.start]
            after = text[m.end : m.end + 2]
            opens = m.start == q.seg.start or re.search(
                r"(?:[,;!?]\s+|\b(?:[Oo]h|[Dd]ear|[Mm]y)\s+)$", before
            )
            closes = m.end == q.seg.end or re.match(r"\s*[,.!?;—–-]", after)
            if opens and closes:
                found.add(m.who)
        return found


def build_index(
    book: Book,
    segments: tuple[Segment, ...],
    characters: tuple[Character, ...],
    settings: AttributionSettings = DEFAULT,
) -> TextIndex:
    text = book.document.text
    paragraphs = _paragraph_spans(book)
    starts = [a for a, _ in paragraphs]
    quotes = tuple(
        Quote(i, seg, max(0, bisect.bisect_right(starts, seg.start) - 1))
        for i, seg in enumerate(segments)
        if seg.kind in QUOTE_KINDS
    )
    mentions = tuple(find_mentions(text, characters))
    index = TextIndex(
        book=book,
        text=text,
        characters=characters,
        mentions=mentions,
        mention_starts=tuple(m.start for m in mentions),
        paragraphs=tuple(paragraphs),
        quotes=quotes,
        quote_spans=tuple((q.seg.start, q.seg.end) for q in quotes),
        genders=guess_genders(text, characters, list(mentions)),
        settings=settings,
    )
    subjects = tuple(
        (m.start, m.who)
        for m in mentions
        if not index.inside_quote(m.start) and index.is_subject(m)
    )
    subject_starts = tuple(s for s, _ in subjects)
    povs = []
    for chapter in book.chapters:
        lo = bisect.bisect_left(subject_starts, chapter.start)
        hi = bisect.bisect_left(subject_starts, chapter.end)
        top = Counter(who for _, who in subjects[lo:hi]).most_common(1)
        povs.append(top[0][0] if top else None)
    chapter_starts = tuple(c.start for c in book.chapters)
    index = replace(index, subjects=subjects, subject_starts=subject_starts,
                    chapter_starts=chapter_starts, povs=tuple(povs))  # fmt: skip
    return replace(index, narrator=_find_narrator(index))


def _paragraph_spans(book: Book) -> list[tuple[int, int]]:
    spans = book.paragraph_spans()
    if spans:
        return sorted(spans)
    text = book.document.text
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*", text)]


def _find_narrator(index: TextIndex) -> int | None:
    """In first-person narration, the character the narrator is: called "Narrator" or
    "I", else the one named mostly inside other people's quotes, hardly in narration."""
    for i, c in enumerate(index.characters):
        if c.name == NARRATOR or "I" in c.aliases:
            return i
    text = index.text
    pieces, last = [], 0
    for a, b in index.quote_spans:
        pieces.append((last, a))
        last = b
    pieces.append((last, len(text)))
    if not told_in_first_person(text[a:b] for a, b in pieces):
        return None
    return narrator_of(index.characters, list(index.mentions), list(index.quote_spans))


@dataclass
class Speakers:
    """Who has been found to speak where so far: the driver adds each decision, and
    pronouns refer to the latest subjects and speakers of their gender."""

    starts: list[int] = field(default_factory=list)
    who: list[int] = field(default_factory=list)

    def add(self, pos: int, speaker: int) -> None:
        k = bisect.bisect_left(self.starts, pos)
        self.starts.insert(k, pos)
        self.who.insert(k, speaker)


@dataclass(frozen=True)
class Resolution:
    """What a "he" or "she" was taken to mean: its gender and the candidates of that
    gender, likeliest first (the first is the answer)."""

    gender: Gender
    candidates: tuple[int, ...]


class Resolver:
    """Pronoun resolution for one decision: reads the index and the speakers so far,
    and keeps the last resolution it made, for the driver to record with the answer."""

    def __init__(self, index: TextIndex, speakers: Speakers) -> None:
        self.ix = index
        self.speakers = speakers
        self.last: Resolution | None = None

    def resolve(self, pronoun: str, pos: int) -> int | None:
        """The character a subject pronoun at ``pos`` stands for.

        Salience, not mere recency: the latest character of that gender seen as a
        subject in narration or as a quote's speaker; else the latest one named at all.
        (Preferring someone other than the previous turn's speaker was measured and
        lowered precision, so recency among subjects and speakers it is.)
        """
        ix = self.ix
        pronoun = pronoun.lower()
        if pronoun == "i":
            return ix.narrator
        if pronoun in ("they", "we"):
            return UNKNOWN
        want = Gender.MALE if pronoun == "he" else Gender.FEMALE
        found: list[int] = []
        for who in self._salient(pos):
            if ix.gender(who) is want and who not in found:
                found.append(who)
                if len(found) == ix.settings.salient_referents:
                    break
        if not found:
            lo = bisect.bisect_left(ix.mention_starts, pos - ix.settings.pronoun_window_chars)
            hi = bisect.bisect_left(ix.mention_starts, pos)
            for i in range(hi - 1, lo - 1, -1):
                m = ix.mentions[i]
                if ix.gender(m.who) is want and not ix.inside_quote(m.start):
                    found.append(m.who)
                    break
        self.last = Resolution(want, tuple(found))
        return found[0] if found else None

    def _salient(self, pos: int) -> Iterator[int]:
        """Subjects and speakers before ``pos``, latest first, within the window."""
        ix, spoken = self.ix, self.speakers
        window = ix.settings.pronoun_window_chars
        i = bisect.bisect_left(ix.subject_starts, pos) - 1
        j = bisect.bisect_left(spoken.starts, pos) - 1
        while i >= 0 or j >= 0:
            si = ix.subject_starts[i] if i >= 0 else -1
            sj = spoken.starts[j] if j >= 0 else -1
            if max(si, sj) < pos - window:
                return
            if si >= sj:
                yield ix.subjects[i][1]
                i -= 1
            else:
                yield spoken.who[j]
                j -= 1


@dataclass(frozen=True)
class Turns:
    """The quotes grouped by paragraph, one group a turn, and which turns belong to one
    conversation (no scene break and no long narration between them)."""

    ix: TextIndex
    groups: tuple[tuple[Quote, ...], ...]

    @classmethod
    def of(cls, ix: TextIndex) -> Turns:
        by_para: dict[int, list[Quote]] = {}
        for q in ix.quotes:
            by_para.setdefault(q.para, []).append(q)
        return cls(ix, tuple(tuple(by_para[p]) for p in sorted(by_para)))

    def __len__(self) -> int:
        return len(self.groups)

    def __getitem__(self, t: int) -> tuple[Quote, ...]:
        return self.groups[t]

    @cached_property
    def _breaks(self) -> tuple[int, ...]:
        """How many conversation breaks come before each turn (a running count)."""
        paragraphs, gap = self.ix.paragraphs, self.ix.settings.conversation_gap_chars
        count, found = 0, [0]
        for x in range(len(self.groups) - 1):
            after, before = self.groups[x + 1][0], self.groups[x][-1]
            between = paragraphs[after.para][0] - paragraphs[before.para][1]
            if between > gap or self.groups[x + 1][0].seg.scene != self.groups[x][0].seg.scene:
                count += 1
            found.append(count)
        return tuple(found)

    def same_conversation(self, a: int, b: int) -> bool:
        return self._breaks[a] == self._breaks[b]

    def tight(self, a: int, b: int) -> bool:
        """Whether the turns between ``a`` and ``b`` follow paragraph after paragraph."""
        lo, hi = min(a, b), max(a, b)
        return self.groups[hi][0].para - self.groups[lo][0].para == hi - lo


@dataclass
class Decisions:
    """What attribution has decided so far, by segment index: the speaker (a character's
    index, or UNKNOWN), the rule that decided, for a "he"/"she" the resolution, and
    where weighed evidence decided, how far the choice led the runner-up."""

    speaker: dict[int, int | None] = field(default_factory=dict)
    rule: dict[int, str] = field(default_factory=dict)
    pronoun: dict[int, Resolution] = field(default_factory=dict)
    margin: dict[int, float] = field(default_factory=dict)
    changed: set[int] = field(default_factory=set)
    """Turns whose "he"/"she" answer the second look replaced with another character."""

    def decide(self, q: Quote, who: int | None, rule: str) -> None:
        self.speaker[q.index] = who
        self.rule[q.index] = rule
