"""Segments + characters -> the same segments with a speaker for each quote (the sieve).

Rules run in order of measured precision; each quote keeps the first answer it gets.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from audiobook.models import QUOTE_KINDS, Book, Character, Gender, Kind, Segment
from audiobook.text.characters import NARRATOR, narrator_of
from audiobook.text.genders import guess_genders
from audiobook.text.mentions import Mention, find_mentions
from audiobook.text.words import SPEECH_VERBS

UNKNOWN = -1
"""A rule's answer meaning "someone, but none of the characters" (``someone said``)."""

_VERB = "|".join(sorted(SPEECH_VERBS, key=len, reverse=True))
_ADVERB = r"(?:\w+ly\s+|again\s+|then\s+|now\s+|at\s+last\s+|at\s+once\s+)?"
_OPENING = re.compile(r"[\s\"'“”‘’,.!?;:—–\-…]*")
_VERB_AT = re.compile(
    rf"{_ADVERB}(?:(?:put|broke|struck|cut|chimed)\s+in|{_VERB})\b(?:\s+(?:out|on|up|back))?\s*"
)
# Verbs the list lacks ("flashed Anne", "Mrs. Seal apologized"): a past tense right
# after a quote and next to a name is as good as "said".
_ANY_VERB_AT = re.compile(rf"{_ADVERB}[a-z]{{3,}}ed\b\s*")
_DETERMINER = re.compile(
    r"(?:the|a|an)\s+(?:(?!(?:to|at|of|in|on|with|for|from|by|and|but|who|that)\b)[a-z-]+\s+){0,2}"
)
_ADJECTIVE = re.compile(
    r"(?!(?:to|at|of|in|on|with|for|from|by|and|but|who|that|his|her|their|my|your|our|its|"
    r"him|them|me|us|you|not|so|as|then|now|again|once|it|this|these|those|nothing)\b)"
    r"[a-z]{3,}\s+(?=[A-Z])"
)
_WORDS_OF = re.compile(
    r"(?:(?:was|were|had\s+been)|(?:(?:broke|burst|came)\s+(?:\w+ly\s+)?)?(from)|"
    r"[Ii]t\s+was\s+(?:then\s+)?(?=\S+(?:\s+\S+){0,3}?\s+who\b))\s+"
)
# "Mary's declaration was, '…'", "May's eager voice broke out: '…'", "the voice of X".
_SPEECH_NOUNS = (
    r"(?:voice|reply|answer|words?|exclamation|remark|comment|question|cry|declaration|"
    r"reproach|language|observation|retort|response|greeting|whisper)"
)
_TO_WHOM_VERBS = frozenset({"tell", "tells", "told", "ask", "asks", "asked"})
_SUBJECT_PRONOUN = re.compile(r"(he|she|I|they|we)\b")
_INDEFINITE = re.compile(
    r"\b(someone|somebody|anyone|anybody|everyone|everybody|nobody|no one|a voice|voices|"
    r"people|one of them|some one|they|we|a man|a woman|a girl|a boy|the crowd)\b",
    re.IGNORECASE,
)
_CLAUSE_SUBJECT = re.compile(
    r"(?:^|[,;:]\s+|\b(?:and|but|then|when|while|as|so|until|till|before|after|because|though)"
    r"\s+)$",
    re.IGNORECASE,
)
# A full stop after a title ("Mr. Bennet") does not end a sentence.
_SENTENCE_END = re.compile(
    r"(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)[.!?…]+['\"’”)]*(?:\s+|--|—)|\n\s*\n"
)
_SUBJECT_OPENER = re.compile(
    r"(?:^|[,;:]\s+|\b(?:and|but|then|when|while|as|so|till|until)\s+)$", re.IGNORECASE
)
_QUOTE_MARKS = "\"'“”‘’"
_FIRST_PERSON_NARRATION = re.compile(r"\b(I|me|my)\b")
_VERB_REACH = 7
"""How many words may stand between a speech verb and the quote it leads into."""
_WINDOW = 4000
"""How far back (in characters) a pronoun looks for the character it stands for."""


@dataclass
class _Quote:
    index: int
    seg: Segment
    para: int
    speaker: int | None = None
    rule: str | None = None
    pronoun: tuple[Gender, tuple[int, ...]] | None = None
    """For a quote attributed through "he"/"she": the gender and the salient
    characters of that gender, most salient first."""


@dataclass
class _Context:
    book: Book
    text: str
    characters: tuple[Character, ...]
    mentions: list[Mention]
    mention_starts: list[int]
    paragraphs: list[tuple[int, int]]
    quotes: list[_Quote]
    quote_spans: list[tuple[int, int]]
    narrator: int | None
    subjects: list[tuple[int, int]] = field(default_factory=list)
    subject_starts: list[int] = field(default_factory=list)
    speakers: list[tuple[int, int]] = field(default_factory=list)
    speaker_starts: list[int] = field(default_factory=list)
    genders: tuple[Gender, ...] = ()
    _pov: dict[int, int | None] = field(default_factory=dict)
    last_pronoun: tuple[Gender, tuple[int, ...]] | None = None
    """What the latest ``resolve`` of "he"/"she" weighed, for ``_Quote.pronoun``."""

    def pov(self, pos: int) -> int | None:
        """The character most often the subject of the narration in the chapter at ``pos``."""
        for chapter in self.book.chapters:
            if chapter.start <= pos < chapter.end:
                if chapter.start not in self._pov:
                    lo = bisect.bisect_left(self.subject_starts, chapter.start)
                    hi = bisect.bisect_left(self.subject_starts, chapter.end)
                    counts = Counter(who for _, who in self.subjects[lo:hi])
                    top = counts.most_common(1)
                    self._pov[chapter.start] = top[0][0] if top else None
                return self._pov[chapter.start]
        return None

    def gender(self, who: int) -> Gender:
        return self.genders[who]

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

    def resolve(self, pronoun: str, pos: int) -> int | None:
        """The character a subject pronoun at ``pos`` stands for.

        Salience, not mere recency: the latest character of that gender seen as a
        subject in narration or as a quote's speaker; else the latest one named at all.
        (Preferring someone other than the previous turn's speaker was measured and
        lowered precision, so recency among subjects and speakers it is.)
        """
        pronoun = pronoun.lower()
        if pronoun == "i":
            return self.narrator
        if pronoun in ("they", "we"):
            return UNKNOWN
        want = Gender.MALE if pronoun == "he" else Gender.FEMALE
        found: list[int] = []
        for who in self._salient(pos):
            if self.gender(who) is want and who not in found:
                found.append(who)
                if len(found) == 3:
                    break
        if not found:
            lo = bisect.bisect_left(self.mention_starts, pos - _WINDOW)
            hi = bisect.bisect_left(self.mention_starts, pos)
            for i in range(hi - 1, lo - 1, -1):
                m = self.mentions[i]
                if self.gender(m.who) is want and not self.inside_quote(m.start):
                    found.append(m.who)
                    break
        self.last_pronoun = (want, tuple(found))
        return found[0] if found else None

    def _salient(self, pos: int) -> Iterator[int]:
        """Subjects and speakers before ``pos``, latest first, within the window."""
        i = bisect.bisect_left(self.subject_starts, pos) - 1
        j = bisect.bisect_left(self.speaker_starts, pos) - 1
        while i >= 0 or j >= 0:
            si = self.subject_starts[i] if i >= 0 else -1
            sj = self.speaker_starts[j] if j >= 0 else -1
            if max(si, sj) < pos - _WINDOW:
                return
            if si >= sj:
                yield self.subjects[i][1]
                i -= 1
            else:
                yield self.speakers[j][1]
                j -= 1

    def spoke(self, q: _Quote) -> None:
        if q.speaker is not None and q.speaker >= 0:
            k = bisect.bisect_left(self.speaker_starts, q.seg.start)
            self.speaker_starts.insert(k, q.seg.start)
            self.speakers.insert(k, (q.seg.start, q.speaker))


def _paragraph_spans(book: Book) -> list[tuple[int, int]]:
    spans = [
        (p.start, p.end)
        for chapter in book.chapters
        for scene in chapter.scenes
        for p in scene.paragraphs
    ]
    if spans:
        return sorted(spans)
    text = book.document.text
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*", text)]


def _is_subject(ctx: _Context, m: Mention) -> bool:
    """A name that opens a sentence or clause and is followed by a verb or ``'s``."""
    text = ctx.text
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
        for other in ctx.mentions_in(max(0, and_at - 60), and_at):
            if other.end == and_at:
                return _opens_clause(ctx, other)
    return bool(_CLAUSE_SUBJECT.search(before))


def _opens_clause(ctx: _Context, m: Mention) -> bool:
    before = ctx.text[max(0, m.start - 40) : m.start]
    stripped = before.rstrip(" \t")
    if not stripped or stripped.endswith("\n") or re.search(r"[.!?…]['\"’”)]*$", stripped):
        return True
    return bool(_CLAUSE_SUBJECT.search(before)) and not before.endswith("and ")


def _subject_of(ctx: _Context, start: int, end: int) -> tuple[int, int] | None:
    """The first subject (character or resolved pronoun) in text[start:end], with its
    position; UNKNOWN for an indefinite subject such as ``someone``."""
    text = ctx.text
    for match in re.finditer(r"[A-Za-z][\w'’.-]*", text[start:end]):
        pos = start + match.start()
        word = match.group(0)
        m = ctx.mention_at(pos)
        if m is not None:
            if _is_subject(ctx, m) or pos == start:
                return m.who, pos
            continue
        lower = word.lower()
        if lower in ("he", "she", "i") and (word != "i"):
            who = ctx.resolve(lower, pos)
            return (who, pos) if who is not None else None
        if _INDEFINITE.match(text, pos) and lower not in ("they", "we"):
            return UNKNOWN, pos
    return None


def _explicit_after(ctx: _Context, q: _Quote, limit: int) -> tuple[int | None, str]:
    """``"…," said Emma`` / ``"…," Emma said`` / ``"…," he said`` after the quote."""
    text = ctx.text
    pos = _OPENING.match(text, q.seg.end, limit).end()  # type: ignore[union-attr]
    if pos >= limit:
        return None, ""
    # '"…" was Marilla's comment', '"M--m!" from Mr. Wilcox': the speaker's words named.
    words_of = _WORDS_OF.match(text, pos, limit)
    if words_of:
        m = _mention_after_determiner(ctx, words_of.end(), limit)
        if m is not None and (
            words_of.group(1) == "from"
            or re.match(r"(?:['’]| )s\b|\s+who\b", text[m.end : m.end + 5])
        ):
            return m.who, "explicit-after-possessive"
    verb = _VERB_AT.match(text, pos, limit) or _ANY_VERB_AT.match(text, pos, limit)
    if verb:
        who = _name_or_pronoun(ctx, verb.end(), limit, any_verb=verb.re is _ANY_VERB_AT)
        if who is not None:
            return who, "explicit-after-inverted"
        if verb.re is _VERB_AT:
            return None, ""
    who = _name_or_pronoun(ctx, pos, limit)
    if who is None:
        return None, ""
    m = _mention_after_determiner(ctx, pos, limit)
    end = m.end if m else re.compile(r"\w+").match(text, pos).end()  # type: ignore[union-attr]
    # "Emma, with a sigh, said" and "Mr. Knightley then said" are both common.
    rest = re.compile(r"(?:,[^,\"“”]{0,40},)?\s+(?:had\s+|was\s+(?=\w+ing\b))?").match(
        text, end, limit
    )
    # After a quote that ends its sentence ("Yes." Evie tittered), only a listed verb
    # says the name is the speaker's.
    open_end = text[max(q.seg.start, q.seg.end - 2) : q.seg.end].rstrip()[-1:] in (",", "-", "—")
    if rest and (
        _VERB_AT.match(text, rest.end(), limit)
        or (open_end and _ANY_VERB_AT.match(text, rest.end(), limit))
    ):
        return who, "explicit-after-name" if m else "explicit-after-pronoun"
    return None, ""


def _mention_after_determiner(ctx: _Context, pos: int, limit: int) -> Mention | None:
    """The character named at ``pos``, or after "the" and an adjective or two there
    ("said the March Hare", "said the gentle Mrs. Thorpe")."""
    m = ctx.mention_at(pos)
    if m is None:
        det = _DETERMINER.match(ctx.text, pos, limit)
        if det:
            m = ctx.mention_at(det.end())
    return m if m is not None and m.end <= limit else None


def _name_or_pronoun(ctx: _Context, pos: int, limit: int, any_verb: bool = False) -> int | None:
    m = _mention_after_determiner(ctx, pos, limit)
    if m is not None:
        return m.who
    if not any_verb:
        # "stammered unhappy Matthew", "remarked skeptical Anne": one adjective first.
        adjective = _ADJECTIVE.match(ctx.text, pos, limit)
        m = ctx.mention_at(adjective.end()) if adjective else None
        if m is not None and m.end <= limit:
            return m.who
    if any_verb:
        # An unlisted verb ("flashed Anne") counts only before a name or pronoun.
        pronoun = re.compile(r"(he|she)\b").match(ctx.text, pos, limit)
        return ctx.resolve(pronoun.group(1), pos) if pronoun else None
    pronoun = _SUBJECT_PRONOUN.match(ctx.text, pos, limit)
    if pronoun:
        return ctx.resolve(pronoun.group(1), pos)
    if _INDEFINITE.match(ctx.text, pos, limit):
        return UNKNOWN
    return None


def _last_clause(ctx: _Context, start: int, end: int) -> int:
    """Start of the sentence that ends at ``end`` (narration before a quote)."""
    last = start
    for match in _SENTENCE_END.finditer(ctx.text, start, end):
        if match.end() < end:
            last = match.end()
    return last


def _explicit_before(ctx: _Context, start: int, end: int) -> tuple[int | None, str]:
    """``Emma said, "…"`` / ``he muttered "…"`` / ``someone would say; '…'``: the
    narration text[start:end] that leads into a quote at ``end``."""
    text = ctx.text
    while end > start and text[end - 1] in _QUOTE_MARKS + " \t\n":
        end -= 1
    # '"…" Elinor, rejoiced …, said': the narration opens after the closing mark.
    while start < end and text[start] in _QUOTE_MARKS + " \t\n":
        start += 1
    if end <= start:
        return None, ""
    clause = _last_clause(ctx, start, end)
    verbs = [
        v
        for v in re.finditer(rf"\b(?:{_VERB})\b", text[clause:end])
        if len(re.findall(r"[A-Za-z'’]+", text[clause + v.end() : end])) <= _VERB_REACH
    ]
    if not verbs:
        who = _words_of_before(ctx, clause, end)
        return (who, "explicit-before-possessive") if who is not None else (None, "")
    v_start, v_end = clause + verbs[-1].start(), clause + verbs[-1].end()
    # Inverted: "said Elizabeth:" right before the quote; in "Anne told Marilla." and
    # "she asked Emma," the name after the verb is the one spoken to.
    after = re.compile(r"\s+").match(text, v_end, end)
    if after and verbs[-1].group(0) not in _TO_WHOM_VERBS:
        m = ctx.mention_at(after.end())
        if m is not None and re.match(r"\s*[,:;.—–-]*\s*$", text[m.end : end]):
            return m.who, "explicit-before-inverted"
    # "she heard Harriet say", "heard the White Rabbit say", "heard him say": the name
    # just before the verb ("everything that Alice said" is no attribution).
    near = re.search(r"([\w'’]+)\s+(?:\w+ly\s+|then\s+|now\s+|next\s+)?$", text[clause:v_start])
    if near:
        pos = clause + near.start(1)
        ending = [m for m in ctx.mentions_in(clause, v_start) if m.end == clause + near.end(1)]
        if ending:
            relative = re.search(
                r"\b(that|which|what|whatever)\s+(?:the\s+)?$", text[clause : ending[0].start]
            )
            # "so eagerly that the Gryphon said" is a result, not "all that Alice said".
            if relative and not re.search(
                r"\b(?:so|such)\b(?:\s+[\w-]+){0,3}\s+that\s+(?:the\s+)?$",
                text[clause : ending[0].start],
            ):
                return None, ""
            return ending[0].who, "explicit-before-adjacent"
        word = near.group(1).lower()
        if word in ("he", "him", "she", "her", "i", "me"):
            pronoun = {"him": "he", "her": "she", "me": "i"}.get(word, word)
            who = ctx.resolve(pronoun, pos)
            if who is not None:
                return who, "explicit-before-pronoun"
    # "broken by Isabella, who in great spirits exclaimed": the relative clause's
    # antecedent speaks (not in "Emma looked at Harriet, who blushed, and said").
    relatives = list(re.finditer(r",?\s+who\b", text[clause:v_start]))
    if relatives and not re.search(r"\band\s+$", text[clause:v_start]):
        at = clause + relatives[-1].start()
        named = [m for m in ctx.mentions_in(clause, at) if m.end == at]
        if named:
            return named[0].who, "explicit-before-relative"
    who = _nearest_subject(ctx, clause, v_start)
    if who is not None:
        return who, "explicit-before"
    subject = _subject_of(ctx, clause, end)
    if subject is None:
        return None, ""
    return subject[0], "explicit-before"


def _words_of_before(ctx: _Context, clause: int, end: int) -> int | None:
    """``Mary's declaration was, "…"`` / ``the voice of Mr. Heelas bellowing. "…"``."""
    text = ctx.text
    for m in reversed(ctx.mentions_in(clause, end)):
        if ctx.inside_quote(m.start):
            continue
        after = text[m.end : min(end, m.end + 40)]
        if re.match(rf"(?:['’]| )s\s+(?:[a-z]+\s+){{0,2}}{_SPEECH_NOUNS}\b", after):
            return m.who
        if re.search(rf"\b{_SPEECH_NOUNS}\s+of\s+(?:the\s+)?$", text[clause : m.start]):
            return m.who
    return None


def _continues(ctx: _Context, prev: _Quote, q: _Quote) -> bool:
    """``"A," said Anne, as Marilla thought. "B"``: the narration between two quotes
    attributes the first; unless it leads into the second ("… and Emma cried, "B""),
    the second goes on in the same voice."""
    if prev.rule is None or not prev.rule.startswith("explicit-after"):
        return False
    between = ctx.text[prev.seg.end : q.seg.start].strip(_QUOTE_MARKS + " \t\n")
    if re.search(rf"\b(?:{_VERB})$", between):
        return False
    # "exclaimed Mrs. Hilbery, as he finished, "…"": a clause after the attribution
    # leads nowhere new; a second speech verb ("… and Emma cried, "…"") or a new
    # sentence or clause ("; and Elizabeth's reply was, "…"") may.
    if not _LEAD_IN_END.search(between):
        return True
    single = len(re.findall(rf"\b(?:{_VERB})\b", between)) <= 1
    return single and not (re.search(r"[;:]|\band\b", between) or _SENTENCE_END.search(between))


def _nearest_subject(ctx: _Context, start: int, end: int) -> int | None:
    """The clause subject nearest before a speech verb at ``end``: in "Mr. Knightley
    looked up, and Emma, after a pause, said" it is Emma, not Mr. Knightley."""
    text = ctx.text
    pronouns = [p.start() for p in re.finditer(r"\b(?:he|she)\b", text[start:end], re.I)]
    for m in reversed(ctx.mentions_in(start, end)):
        if ctx.inside_quote(m.start):
            continue
        before = text[max(start, m.start - 12) : m.start]
        after = text[m.end : m.end + 2]
        opens = m.start == start or bool(_SUBJECT_OPENER.search(before))
        if opens and (after[:1] == "," or (after[:1] == " " and after[1:2].islower())):
            later = [start + p for p in pronouns if start + p > m.end]
            if later and _SUBJECT_OPENER.search(text[max(start, later[-1] - 12) : later[-1]]):
                return ctx.resolve(text[later[-1] : later[-1] + 3].strip().lower(), later[-1])
            return m.who
    return None


_LEAD_IN_END = re.compile(r"(?:[:,]|--|—|-)\s*$")


def _lead_in(ctx: _Context, q: _Quote) -> tuple[int | None, str]:
    """A narration paragraph ending ``… Mrs. Croft said,--`` or ``… exclaimed:`` that
    leads into a paragraph opening with the quote."""
    text = ctx.text
    p_start, _ = ctx.paragraphs[q.para]
    if q.para == 0 or text[p_start : q.seg.start].strip(_QUOTE_MARKS + " \t\n"):
        return None, ""
    a, b = ctx.paragraphs[q.para - 1]
    i = bisect.bisect_left(ctx.quote_spans, (b, 0)) - 1
    if i >= 0 and ctx.quote_spans[i][1] > a:
        a = ctx.quote_spans[i][1] + 1
    if not _LEAD_IN_END.search(text, a, b):
        return None, ""
    who = _explicit_before(ctx, a, b)[0]
    return (who, "lead-in") if who is not None else (None, "")


def _action_before(ctx: _Context, q: _Quote, start: int) -> int | None:
    """The subject of the narration sentence just before the quote in its paragraph."""
    end = q.seg.start
    text = ctx.text
    while end > start and text[end - 1] in _QUOTE_MARKS + " \t\n":
        end -= 1
    if end <= start:
        return None
    clause = _last_clause(ctx, start, end)
    subject = _subject_of(ctx, clause, end)
    return subject[0] if subject else None


def _vocatives(ctx: _Context, q: _Quote) -> set[int]:
    """Characters addressed by name in a quote: ``"Lizzy, …"``, ``"…, Mr. Bennet?"``."""
    found = set()
    text = ctx.text
    for m in ctx.mentions_in(q.seg.start, q.seg.end):
        before = text[max(q.seg.start, m.start - 12) : m.start]
        after = text[m.end : m.end + 2]
        opens = m.start == q.seg.start or re.search(
            r"(?:[,;!?]\s+|\b(?:[Oo]h|[Dd]ear|[Mm]y)\s+)$", before
        )
        closes = m.end == q.seg.end or re.match(r"\s*[,.!?;—–-]", after)
        if opens and closes:
            found.add(m.who)
    return found


def _find_narrator(ctx: _Context) -> int | None:
    """In first-person narration, the character the narrator is: called "Narrator" or
    "I", else the one named mostly inside other people's quotes, hardly in narration."""
    for i, c in enumerate(ctx.characters):
        if c.name == NARRATOR or "I" in c.aliases:
            return i
    text = ctx.text
    narration = "".join(text[a:b] for a, b in _narration_pieces(ctx))
    words = max(1, narration.count(" "))
    if len(_FIRST_PERSON_NARRATION.findall(narration)) / words < 0.01:
        return None
    return narrator_of(ctx.characters, ctx.mentions, ctx.quote_spans)


def _narration_pieces(ctx: _Context) -> list[tuple[int, int]]:
    pieces = []
    last = 0
    for a, b in ctx.quote_spans:
        pieces.append((last, a))
        last = b
    pieces.append((last, len(ctx.text)))
    return pieces


def _build_context(
    book: Book, segments: tuple[Segment, ...], characters: tuple[Character, ...]
) -> _Context:
    text = book.document.text
    paragraphs = _paragraph_spans(book)
    starts = [a for a, _ in paragraphs]
    quotes = []
    for i, seg in enumerate(segments):
        if seg.kind in QUOTE_KINDS:
            para = max(0, bisect.bisect_right(starts, seg.start) - 1)
            quotes.append(_Quote(i, seg, para))
    mentions = [m for m in find_mentions(text, characters)]
    ctx = _Context(
        book=book,
        text=text,
        characters=characters,
        mentions=mentions,
        mention_starts=[m.start for m in mentions],
        paragraphs=paragraphs,
        quotes=quotes,
        quote_spans=[(q.seg.start, q.seg.end) for q in quotes],
        narrator=None,
    )
    ctx.genders = guess_genders(text, characters, mentions)
    ctx.subjects = [
        (m.start, m.who) for m in mentions if not ctx.inside_quote(m.start) and _is_subject(ctx, m)
    ]
    ctx.subject_starts = [s for s, _ in ctx.subjects]
    ctx.narrator = _find_narrator(ctx)
    return ctx


def attribute_explained(
    book: Book, segments: tuple[Segment, ...], characters: tuple[Character, ...]
) -> tuple[tuple[Segment, ...], dict[int, str]]:
    """Like ``attribute``, and also which rule decided each attributed segment (by index)."""
    ctx = _build_context(book, segments, characters)
    quotes = ctx.quotes
    by_para: dict[int, list[_Quote]] = {}
    for q in quotes:
        by_para.setdefault(q.para, []).append(q)

    turns = [by_para[p] for p in sorted(by_para)]

    def same_conversation(a: int, b: int) -> bool:
        lo, hi = min(a, b), max(a, b)
        for x in range(lo, hi):
            gap = ctx.paragraphs[turns[x + 1][0].para][0] - ctx.paragraphs[turns[x][-1].para][1]
            if gap > 400 or turns[x + 1][0].seg.scene != turns[x][0].seg.scene:
                return False
        return True

    def tight(a: int, b: int) -> bool:
        lo, hi = min(a, b), max(a, b)
        return turns[hi][0].para - turns[lo][0].para == hi - lo

    # 1. Explicit attribution around each quote, within its paragraph, in text order so
    # that pronouns are resolved against the speakers attributed so far.
    for group in turns:
        p_start, p_end = ctx.paragraphs[group[0].para]
        for k, q in enumerate(group):
            limit = group[k + 1].seg.start if k + 1 < len(group) else max(p_end, q.seg.end)
            start = group[k - 1].seg.end if k > 0 else min(p_start, q.seg.start)
            ctx.last_pronoun = None
            who, rule = _explicit_after(ctx, q, limit)
            if who is None and not (k > 0 and _continues(ctx, group[k - 1], q)):
                who, rule = _explicit_before(ctx, start, q.seg.start)
            if who is None and k == 0:
                who, rule = _lead_in(ctx, q)
            if who is not None:
                q.speaker, q.rule = who, rule
                if ctx.last_pronoun is not None and ctx.last_pronoun[1][:1] == (who,):
                    q.pronoun = ctx.last_pronoun
                ctx.spoke(q)
        _spread_in_paragraph(group, "paragraph")

    # 2. "He said" again, now that the named speakers around are known: the character
    # of that gender the conversation and the narration point to, salience included.
    prior = _speaker_prior(ctx, quotes)
    for t, group in enumerate(turns):
        decided = [q for q in group if q.rule is not None and q.rule != "paragraph"]
        if not decided or any(q.pronoun is None for q in decided):
            continue
        genders = {q.pronoun[0] for q in decided if q.pronoun is not None}
        if len(genders) != 1:
            continue
        features = _pronoun_features(ctx, turns, t, genders.pop(), same_conversation, tight, prior)
        scores = _scores(features, _PRONOUN_WEIGHTS)
        if scores:
            best = max(scores, key=lambda who: scores[who])
            for q in group:
                q.speaker = best

    def sieve(name: str, rule: Callable[[int], int | None]) -> None:
        for t, group in enumerate(turns):
            if group[0].rule is None:
                who = rule(t)
                if who is not None:
                    for q in group:
                        q.speaker, q.rule = who, name

    def action(t: int) -> int | None:
        q = turns[t][0]
        return _action_before(ctx, q, ctx.paragraphs[q.para][0])

    def vocative(t: int) -> int | None:
        if t == 0 or not same_conversation(t - 1, t):
            return None
        prev = turns[t - 1]
        called = set().union(*(_vocatives(ctx, q) for q in prev))
        called.discard(prev[0].speaker if prev[0].speaker is not None else UNKNOWN)
        return next(iter(called)) if len(called) == 1 else None

    def alternation_rule(want_tight: bool, backward: bool) -> Callable[[int], int | None]:
        def alternation(t: int) -> int | None:
            a, b = (t - 2, t - 1) if backward else (t + 2, t + 1)
            if 0 <= a < len(turns) and 0 <= b < len(turns) and same_conversation(a, t):
                if tight(a, t) != want_tight:
                    return None
                sa, sb = turns[a][0].speaker, turns[b][0].speaker
                if sa is not None and sb is not None and sa != sb and sa >= 0 and sb >= 0:
                    return sa
            return None

        return alternation

    def only_mention(t: int) -> int | None:
        q = turns[t][0]
        a, b = ctx.paragraphs[q.para]
        named = [m for m in ctx.mentions_in(a, b) if not ctx.inside_quote(m.start)]
        who = {m.who for m in named}
        if len(who) != 1:
            return None
        # A thought is its point-of-view character's: "… without Sakura killing him"
        # names whom it is about, unless the name is the subject.
        if q.seg.kind is Kind.THOUGHT and not any(_is_subject(ctx, m) for m in named):
            return None
        return who.pop()

    def narration_before(t: int) -> int | None:
        # A narration paragraph just before an unattributed turn usually ends on, or is
        # about, the one who speaks next ("Emma was convinced of it." / "Why?").
        q = turns[t][0]
        if q.para == 0 or (t and turns[t - 1][-1].para == q.para - 1):
            return None
        a, b = ctx.paragraphs[q.para - 1]
        clause = _last_clause(ctx, a, b)
        subject = _subject_of(ctx, clause, b)
        # "No one but him." names nobody: leave the turn to the best guess.
        return subject[0] if subject and subject[0] >= 0 else None

    sieve("action-before", action)
    sieve("vocative", vocative)
    for _ in range(3):
        sieve("alternation", alternation_rule(True, True))
        sieve("alternation-forward", alternation_rule(True, False))
    sieve("narration-before", narration_before)
    sieve("only-mention", only_mention)
    # 3. What no rule decides gets the best guess, run by run: consecutive unattributed
    # turns of one conversation alternate between the pair the evidence favours most.
    t = 0
    while t < len(turns):
        if turns[t][0].rule is not None:
            t += 1
            continue
        end = t + 1
        while (
            end < len(turns)
            and turns[end][0].rule is None
            and same_conversation(end - 1, end)
            and tight(end - 1, end)
        ):
            end += 1
        run = [
            _scores(_features(ctx, turns, u, same_conversation, tight, prior))
            for u in range(t, end)
        ]
        for u, who in zip(range(t, end), _alternate(run), strict=True):
            if who is not None:
                for q in turns[u]:
                    q.speaker, q.rule = who, "best-guess"
        t = end

    result = list(segments)
    rules: dict[int, str] = {}
    for q in quotes:
        speaker = q.speaker if q.speaker is not None and q.speaker >= 0 else None
        name = characters[speaker].name if speaker is not None else None
        result[q.index] = replace(q.seg, speaker=name)
        if q.rule is not None:
            rules[q.index] = q.rule
    return tuple(result), rules


# Weights of the evidence ``_best_guess`` adds up for each candidate speaker, fitted
# (conditional logistic regression) on the PDNC development novels' fallback turns.
_WEIGHTS: dict[str, float] = {
    "parity-2": 0.97,
    "parity-4+": 0.90,
    "parity-1": -1.25,
    "parity-3+": -0.50,
    "loose-2": 0.52,
    "loose-1": 0.23,
    "called-before": 0.21,
    "called-here": -0.69,
    "called-after": 0.54,
    "conv-called-odd": 0.73,
    "conv-called-even": -0.27,
    "conv-opening-mention": 0.38,
    "lead-subject": -0.04,
    "lead-mention": 0.22,
    "prev-subject": 0.14,
    "prev-mention": 0.38,
    "prev-last": 0.50,
    "after-subject": 0.01,
    "recent-1": 0.51,
    "recent-2": 0.40,
    "recent-3+": -0.53,
    "named-inside": -0.92,
    "prior": 0.28,
    "thought-pov": 2.0,
    "narrator": 0.18,
}
_PRONOUN_WEIGHTS: dict[str, float] = {
    "parity-2": 0.49,
    "parity-4+": 0.36,
    "parity-1": -0.72,
    "parity-3+": -0.15,
    "loose-2": 0.12,
    "loose-1": -0.07,
    "called-before": 1.01,
    "called-here": -1.03,
    "called-after": 0.76,
    "conv-called-odd": 0.58,
    "conv-called-even": 0.06,
    "conv-opening-mention": 0.41,
    "lead-subject": 0.91,
    "lead-mention": 0.50,
    "prev-subject": 0.75,
    "prev-mention": 0.63,
    "prev-last": 0.72,
    "after-subject": -0.01,
    "recent-1": -0.09,
    "recent-2": -0.08,
    "recent-3+": -0.60,
    "named-inside": -0.87,
    "prior": 0.29,
    "narrator": -0.93,
    "salient-1": 1.08,
    "salient-2": 0.32,
    "salient-3": -0.08,
}
_PARITY_REACH = 6
_CONVERSATION_REACH = 12
_RECENT_REACH = 6


def _features(
    ctx: _Context,
    turns: list[list[_Quote]],
    t: int,
    same_conversation: Callable[[int, int], bool],
    tight: Callable[[int, int], bool],
    prior: dict[int, float],
) -> dict[int, dict[str, float]]:
    """Evidence for each candidate speaker of turn ``t``: who spoke an even or odd
    number of turns away in the same conversation, who was addressed by name just
    before, who the narration leading up to the turn is about, who spoke recently."""
    found: dict[int, dict[str, float]] = {}

    def add(who: int | None, name: str, value: float = 1.0) -> None:
        if who is not None and who >= 0:
            f = found.setdefault(who, {})
            f[name] = f.get(name, 0.0) + value

    for d in range(1, _PARITY_REACH + 1):
        for u in (t - d, t + d):
            if not 0 <= u < len(turns) or not same_conversation(u, t):
                continue
            who = turns[u][0].speaker
            if tight(u, t):
                name = (
                    ("parity-2" if d == 2 else "parity-4+")
                    if d % 2 == 0
                    else ("parity-1" if d == 1 else "parity-3+")
                )
            elif d <= 2:
                name = "loose-2" if d == 2 else "loose-1"
            else:
                continue
            add(who, name, 1.0 if d <= 2 else 2.0 / d)
    # Whoever is addressed by name in the conversation answers at the other parity.
    for d in range(3, _CONVERSATION_REACH + 1):
        for u in (t - d, t + d):
            if 0 <= u < len(turns) and same_conversation(u, t) and tight(u, t):
                for q in turns[u]:
                    for who in _vocatives(ctx, q):
                        add(who, "conv-called-odd" if d % 2 else "conv-called-even", 2.0 / d)
    # The people the narration names just before the conversation starts.
    first = t
    while first > 0 and same_conversation(first - 1, first) and t - first < _CONVERSATION_REACH:
        first -= 1
    if first != t:
        fq = turns[first][0]
        pa = ctx.paragraphs[max(0, fq.para - 1)][0]
        for m in ctx.mentions_in(pa, fq.seg.start):
            if not ctx.inside_quote(m.start):
                add(m.who, "conv-opening-mention")
    if t > 0 and same_conversation(t - 1, t):
        for q in turns[t - 1]:
            for who in _vocatives(ctx, q):
                add(who, "called-before")
    if t + 1 < len(turns) and same_conversation(t, t + 1):
        for q in turns[t + 1]:
            for who in _vocatives(ctx, q):
                add(who, "called-after")
    here: set[int] = set()
    for q in turns[t]:
        here |= _vocatives(ctx, q)
        for m in ctx.mentions_in(q.seg.start, q.seg.end):
            if m.who not in here:
                add(m.who, "named-inside")
    for who in here:
        add(who, "called-here")
    q = turns[t][0]
    text = ctx.text
    a, b = ctx.paragraphs[q.para]
    for m in ctx.mentions_in(a, q.seg.start):
        if not ctx.inside_quote(m.start):
            add(m.who, "lead-subject" if _is_subject(ctx, m) else "lead-mention")
    last = turns[t][-1]
    for m in ctx.mentions_in(last.seg.end, b):
        if not ctx.inside_quote(m.start) and _is_subject(ctx, m):
            add(m.who, "after-subject")
    lead = text[a : q.seg.start].strip(_QUOTE_MARKS + " \t\n")
    if not lead and q.para > 0 and not (t and turns[t - 1][-1].para == q.para - 1):
        pa, pb = ctx.paragraphs[q.para - 1]
        named = [m for m in ctx.mentions_in(pa, pb) if not ctx.inside_quote(m.start)]
        for m in named:
            add(m.who, "prev-subject" if _is_subject(ctx, m) else "prev-mention")
        if named:
            add(named[-1].who, "prev-last")
    seen: list[int] = []
    for u in range(t - 1, max(-1, t - 40), -1):
        who = turns[u][0].speaker
        if who is not None and who >= 0 and who not in seen:
            seen.append(who)
            add(
                who, "recent-1" if len(seen) == 1 else "recent-2" if len(seen) == 2 else "recent-3+"
            )
            if len(seen) >= _RECENT_REACH:
                break
    # The point-of-view character: whom the chapter's narration is most about. A
    # thought in a third-person story is nearly always theirs.
    pov = ctx.pov(q.seg.start)
    if pov is not None:
        add(pov, "thought-pov" if q.seg.kind is Kind.THOUGHT else "pov")
    for who, f in found.items():
        f["prior"] = prior.get(who, 0.0)
        if who == ctx.narrator:
            f["narrator"] = 1.0
    return found


def _pronoun_features(
    ctx: _Context,
    turns: list[list[_Quote]],
    t: int,
    want: Gender,
    same_conversation: Callable[[int, int], bool],
    tight: Callable[[int, int], bool],
    prior: dict[int, float],
) -> dict[int, dict[str, float]]:
    """``_features`` for the characters of the pronoun's gender, plus how salient each
    is where the pronoun stands (latest subject or speaker of that gender first)."""
    features = _features(ctx, turns, t, same_conversation, tight, prior)
    for q in turns[t]:
        if q.pronoun is not None:
            for rank, who in enumerate(q.pronoun[1]):
                features.setdefault(who, {})[f"salient-{rank + 1}"] = 1.0
    return {who: f for who, f in features.items() if ctx.gender(who) is want}


def _scores(
    features: dict[int, dict[str, float]], weights: dict[str, float] | None = None
) -> dict[int, float]:
    """Each candidate's weighed evidence."""
    weights = _WEIGHTS if weights is None else weights
    return {who: sum(weights.get(k, 0.0) * v for k, v in f.items()) for who, f in features.items()}


_NO_EVIDENCE = -1.0
"""What a turn adds for a candidate nothing points to, when turns are decided jointly."""


def _alternate(run: list[dict[int, float]]) -> list[int | None]:
    """Speakers for consecutive turns: the two candidates who, taking turns, collect
    the most evidence (a single turn simply gets its best candidate)."""
    candidates = sorted({who for scores in run for who in scores})
    if not candidates:
        return [None] * len(run)
    if len(run) == 1 or len(candidates) == 1:
        return [max(s, key=lambda who: s[who]) if s else None for s in run]
    best: tuple[float, int, int] | None = None
    for a in candidates:
        for b in candidates:
            if a == b:
                continue
            total = sum(s.get(a if i % 2 == 0 else b, _NO_EVIDENCE) for i, s in enumerate(run))
            if best is None or total > best[0]:
                best = (total, a, b)
    assert best is not None
    return [best[1] if i % 2 == 0 else best[2] for i in range(len(run))]


def _speaker_prior(ctx: _Context, quotes: list[_Quote]) -> dict[int, float]:
    """How much of the dialogue attributed so far each character speaks (log share)."""
    counts: dict[int, int] = {}
    for q in quotes:
        if q.speaker is not None and q.speaker >= 0:
            counts[q.speaker] = counts.get(q.speaker, 0) + 1
    total = sum(counts.values()) or 1
    return {who: math.log(n / total) + 5.0 for who, n in counts.items()}


def _spread_in_paragraph(group: list[_Quote], rule: str) -> None:
    """Quotes of one paragraph without their own attribution take the nearest one's."""
    known = [q for q in group if q.rule is not None]
    if not known:
        return
    for q in group:
        if q.rule is None:
            before = [k for k in known if k.seg.start < q.seg.start]
            source = before[-1] if before else known[0]
            q.speaker, q.rule = source.speaker, rule


def attribute(
    book: Book, segments: tuple[Segment, ...], characters: tuple[Character, ...]
) -> tuple[Segment, ...]:
    """Set ``speaker`` on every dialogue and thought segment to a character's name, or
    None when no rule can tell; other segments are returned unchanged."""
    return attribute_explained(book, segments, characters)[0]


__all__ = ["attribute", "attribute_explained"]
