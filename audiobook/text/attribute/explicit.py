"""The explicit rules: the narration around a quote names its speaker, by name, by
pronoun or by a relative clause (``"…," said Emma``, ``he muttered, "…"``,
``Mary's declaration was, "…"``), or the paragraph before leads into it.

Each rule is a function of a Resolver (the frozen TextIndex, and pronouns resolved
against the speakers so far) and a quote; it returns the speaker's index (or
UNKNOWN, or None) and the rule's name.
"""

from __future__ import annotations

import bisect
import re

from audiobook.text.attribute.index import (
    QUOTE_EDGE,
    SENTENCE_END,
    UNKNOWN,
    Quote,
    Resolver,
)
from audiobook.text.mentions import Mention
from audiobook.text.words import SPEECH_VERB_PATTERN

_VERB = SPEECH_VERB_PATTERN
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
_SUBJECT_OPENER = re.compile(
    r"(?:^|[,;:]\s+|\b(?:and|but|then|when|while|as|so|till|until)\s+)$", re.IGNORECASE
)


def subject_of(r: Resolver, start: int, end: int) -> tuple[int, int] | None:
    """The first subject (character or resolved pronoun) in text[start:end], with its
    position; UNKNOWN for an indefinite subject such as ``someone``."""
    text = r.ix.text
    for match in re.finditer(r"[A-Za-z][\w'’.-]*", text[start:end]):
        pos = start + match.start()
        word = match.group(0)
        m = r.ix.mention_at(pos)
        if m is not None:
            if r.ix.is_subject(m) or pos == start:
                return m.who, pos
            continue
        lower = word.lower()
        if lower in ("he", "she", "i") and (word != "i"):
            who = r.resolve(lower, pos)
            return (who, pos) if who is not None else None
        if _INDEFINITE.match(text, pos) and lower not in ("they", "we"):
            return UNKNOWN, pos
    return None


def explicit_after(r: Resolver, q: Quote, limit: int) -> tuple[int | None, str]:
    """``"…," said Emma`` / ``"…," Emma said`` / ``"…," he said`` after the quote."""
    text = r.ix.text
    pos = _OPENING.match(text, q.seg.end, limit).end()  # type: ignore[union-attr]
    if pos >= limit:
        return None, ""
    # '"…" was Marilla's comment', '"M--m!" from Mr. Wilcox': the speaker's words named.
    words_of = _WORDS_OF.match(text, pos, limit)
    if words_of:
        m = mention_after_determiner(r, words_of.end(), limit)
        if m is not None and (
            words_of.group(1) == "from"
            or re.match(r"(?:['’]| )s\b|\s+who\b", text[m.end : m.end + 5])
        ):
            return m.who, "explicit-after-possessive"
    verb = _VERB_AT.match(text, pos, limit) or _ANY_VERB_AT.match(text, pos, limit)
    if verb:
        who = name_or_pronoun(r, verb.end(), limit, any_verb=verb.re is _ANY_VERB_AT)
        if who is not None:
            return who, "explicit-after-inverted"
        if verb.re is _VERB_AT:
            return None, ""
    who = name_or_pronoun(r, pos, limit)
    if who is None:
        return None, ""
    m = mention_after_determiner(r, pos, limit)
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


def mention_after_determiner(r: Resolver, pos: int, limit: int) -> Mention | None:
    """The character named at ``pos``, or after "the" and an adjective or two there
    ("said the March Hare", "said the gentle Mrs. Thorpe")."""
    m = r.ix.mention_at(pos)
    if m is None:
        det = _DETERMINER.match(r.ix.text, pos, limit)
        if det:
            m = r.ix.mention_at(det.end())
    return m if m is not None and m.end <= limit else None


def name_or_pronoun(r: Resolver, pos: int, limit: int, any_verb: bool = False) -> int | None:
    m = mention_after_determiner(r, pos, limit)
    if m is not None:
        return m.who
    if not any_verb:
        # "stammered unhappy Matthew", "remarked skeptical Anne": one adjective first.
        adjective = _ADJECTIVE.match(r.ix.text, pos, limit)
        m = r.ix.mention_at(adjective.end()) if adjective else None
        if m is not None and m.end <= limit:
            return m.who
    if any_verb:
        # An unlisted verb ("flashed Anne") counts only before a name or pronoun.
        pronoun = re.compile(r"(he|she)\b").match(r.ix.text, pos, limit)
        return r.resolve(pronoun.group(1), pos) if pronoun else None
    pronoun = _SUBJECT_PRONOUN.match(r.ix.text, pos, limit)
    if pronoun:
        return r.resolve(pronoun.group(1), pos)
    if _INDEFINITE.match(r.ix.text, pos, limit):
        return UNKNOWN
    return None


def explicit_before(r: Resolver, start: int, end: int) -> tuple[int | None, str]:
    """``Emma said, "…"`` / ``he muttered "…"`` / ``someone would say; '…'``: the
    narration text[start:end] that leads into a quote at ``end``."""
    text = r.ix.text
    while end > start and text[end - 1] in QUOTE_EDGE:
        end -= 1
    # '"…" Elinor, rejoiced …, said': the narration opens after the closing mark.
    while start < end and text[start] in QUOTE_EDGE:
        start += 1
    if end <= start:
        return None, ""
    clause = r.ix.last_clause(start, end)
    reach = r.ix.settings.verb_reach_words
    verbs = [
        v
        for v in re.finditer(rf"\b(?:{_VERB})\b", text[clause:end])
        if len(re.findall(r"[A-Za-z'’]+", text[clause + v.end() : end])) <= reach
    ]
    if not verbs:
        who = words_of_before(r, clause, end)
        return (who, "explicit-before-possessive") if who is not None else (None, "")
    v_start, v_end = clause + verbs[-1].start(), clause + verbs[-1].end()
    # Inverted: "said Elizabeth:" right before the quote; in "Anne told Marilla." and
    # "she asked Emma," the name after the verb is the one spoken to.
    after = re.compile(r"\s+").match(text, v_end, end)
    if after and verbs[-1].group(0) not in _TO_WHOM_VERBS:
        m = r.ix.mention_at(after.end())
        if m is not None and re.match(r"\s*[,:;.—–-]*\s*$", text[m.end : end]):
            return m.who, "explicit-before-inverted"
    # "she heard Harriet say", "heard the White Rabbit say", "heard him say": the name
    # just before the verb ("everything that Alice said" is no attribution).
    near = re.search(r"([\w'’]+)\s+(?:\w+ly\s+|then\s+|now\s+|next\s+)?$", text[clause:v_start])
    if near:
        pos = clause + near.start(1)
        ending = [m for m in r.ix.mentions_in(clause, v_start) if m.end == clause + near.end(1)]
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
            who = r.resolve(pronoun, pos)
            if who is not None:
                return who, "explicit-before-pronoun"
    # "broken by Isabella, who in great spirits exclaimed": the relative clause's
    # antecedent speaks (not in "Emma looked at Harriet, who blushed, and said").
    relatives = list(re.finditer(r",?\s+who\b", text[clause:v_start]))
    if relatives and not re.search(r"\band\s+$", text[clause:v_start]):
        at = clause + relatives[-1].start()
        named = [m for m in r.ix.mentions_in(clause, at) if m.end == at]
        if named:
            return named[0].who, "explicit-before-relative"
    who = nearest_subject(r, clause, v_start)
    if who is not None:
        return who, "explicit-before"
    subject = subject_of(r, clause, end)
    if subject is None:
        return None, ""
    return subject[0], "explicit-before"


def words_of_before(r: Resolver, clause: int, end: int) -> int | None:
    """``Mary's declaration was, "…"`` / ``the voice of Mr. Heelas bellowing. "…"``."""
    text = r.ix.text
    for m in reversed(r.ix.mentions_in(clause, end)):
        if r.ix.inside_quote(m.start):
            continue
        after = text[m.end : min(end, m.end + 40)]
        if re.match(rf"(?:['’]| )s\s+(?:[a-z]+\s+){{0,2}}{_SPEECH_NOUNS}\b", after):
            return m.who
        if re.search(rf"\b{_SPEECH_NOUNS}\s+of\s+(?:the\s+)?$", text[clause : m.start]):
            return m.who
    return None


def continues(r: Resolver, prev: Quote, q: Quote) -> bool:
    """``"A," said Anne, as Marilla thought. "B"``: where the narration between two
    quotes attributes the first (an explicit-after rule decided it), the second goes on
    in the same voice, unless that narration leads into it ("… and Emma cried, "B"")."""
    between = r.ix.text[prev.seg.end : q.seg.start].strip(QUOTE_EDGE)
    if re.search(rf"\b(?:{_VERB})$", between):
        return False
    # "exclaimed Mrs. Hilbery, as he finished, "…"": a clause after the attribution
    # leads nowhere new; a second speech verb ("… and Emma cried, "…"") or a new
    # sentence or clause ("; and Elizabeth's reply was, "…"") may.
    if not _LEAD_IN_END.search(between):
        return True
    single = len(re.findall(rf"\b(?:{_VERB})\b", between)) <= 1
    return single and not (re.search(r"[;:]|\band\b", between) or SENTENCE_END.search(between))


def nearest_subject(r: Resolver, start: int, end: int) -> int | None:
    """The clause subject nearest before a speech verb at ``end``: in "Mr. Knightley
    looked up, and Emma, after a pause, said" it is Emma, not Mr. Knightley."""
    text = r.ix.text
    pronouns = [p.start() for p in re.finditer(r"\b(?:he|she)\b", text[start:end], re.I)]
    for m in reversed(r.ix.mentions_in(start, end)):
        if r.ix.inside_quote(m.start):
            continue
        before = text[max(start, m.start - 12) : m.start]
        after = text[m.end : m.end + 2]
        opens = m.start == start or bool(_SUBJECT_OPENER.search(before))
        if opens and (after[:1] == "," or (after[:1] == " " and after[1:2].islower())):
            later = [start + p for p in pronouns if start + p > m.end]
            if later and _SUBJECT_OPENER.search(text[max(start, later[-1] - 12) : later[-1]]):
                return r.resolve(text[later[-1] : later[-1] + 3].strip().lower(), later[-1])
            return m.who
    return None


_LEAD_IN_END = re.compile(r"(?:[:,]|--|—|-)\s*$")


def lead_in(r: Resolver, q: Quote) -> tuple[int | None, str]:
    """A narration paragraph ending ``… Mrs. Croft said,--`` or ``… exclaimed:`` that
    leads into a paragraph opening with the quote."""
    text = r.ix.text
    p_start, _ = r.ix.paragraphs[q.para]
    if q.para == 0 or text[p_start : q.seg.start].strip(QUOTE_EDGE):
        return None, ""
    a, b = r.ix.paragraphs[q.para - 1]
    i = bisect.bisect_left(r.ix.quote_spans, (b, 0)) - 1
    if i >= 0 and r.ix.quote_spans[i][1] > a:
        a = r.ix.quote_spans[i][1] + 1
    if not _LEAD_IN_END.search(text, a, b):
        return None, ""
    who = explicit_before(r, a, b)[0]
    return (who, "lead-in") if who is not None else (None, "")


def action_before(r: Resolver, q: Quote, start: int) -> int | None:
    """The subject of the narration sentence just before the quote in its paragraph."""
    end = q.seg.start
    text = r.ix.text
    while end > start and text[end - 1] in QUOTE_EDGE:
        end -= 1
    if end <= start:
        return None
    clause = r.ix.last_clause(start, end)
    subject = subject_of(r, clause, end)
    return subject[0] if subject else None


