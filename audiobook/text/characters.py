"""Book + segments -> characters: canonical names, aliases and gender, from the text alone.

Also the name machinery attribution shares: titles, speech verbs and a mention finder.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from audiobook.models import QUOTE_KINDS, Book, Character, Gender, Kind, Segment
from audiobook.text.genders import guess_genders, name_hint, pronoun_base, pronoun_votes
from audiobook.text.grouping import NameForm, merge_forms
from audiobook.text.mentions import Mention, find_mentions, title_gender
from audiobook.text.names import (
    INTERJECTIONS,
    PLACE_NOUNS,
    Quotes,
    common_roles,
    is_adverb,
    rank_words,
)
from audiobook.text.words import (
    HONORIFICS,
    NOT_NAMES,
    PRONOUN,
    SPEECH_VERB_PATTERN,
    TITLES,
    told_in_first_person,
)

PROMINENT_PER_WORD = 15 / 100_000
"""A name no one answers to and that never speaks is a character when the story names
it this often per word (15 times in a novel of 100,000 words, never fewer than 3)."""

NARRATOR = "Narrator"
"""Name given to a first-person narrator whose own name the text never reveals."""


_VERB_ALTERNATION = SPEECH_VERB_PATTERN
_WORD = r"[A-Z][a-z]+(?:['’][A-Z][a-z]+|[A-Z][a-z]+)?"
_TITLE_RE = "|".join(sorted(TITLES, key=len, reverse=True))
# Lower-case particles between a title and a family name: "Mrs. van der Luyden", "Mlle
# de Cominges". Untitled, "Chateau de Chillon" is as likely a place; after a first name
# ("Mlle Blanche de Cominges") the first name is kept apart, as before.
_PARTICLE = r"(?:van|von|der|den|de|du|da|di|del|della|la|le|ten|ter)"
# Between the words of a name: spaces, or after a title one line break of hard-wrapped
# text ("Mr. Beachfield\nDavis").
_GAP = r"(?:[ \t]+|(?(title)[ \t]*\n[ \t]*|(?!)))"
_CANDIDATE = re.compile(
    rf"(?<![\w.'’-])(?:(?P<title>{_TITLE_RE})\.?\s+(?P<particles>(?:{_PARTICLE}\s+){{0,2}}))?"
    rf"(?P<name>{_WORD}(?:{_GAP}{_WORD})*)"
    rf"(?:-(?:{'|'.join(HONORIFICS)}))?(?![\w'’])"
)
# Where a sentence ends: a stop that is no title's ("Mr."), or a blank line.
_SENTENCE_END = re.compile(
    r"(?<!\bMr)(?<!\bMrs)(?<!\bDr)(?<!\bSt)(?<!\bMs)[.!?…]['\"’”)]*\s+(?=['\"‘“(]?[A-Z])|\n\s*\n"
)
_ABBREVIATION = re.compile(r"\.[ \t]*[A-Z][a-z]")
_LOWER_WORD = re.compile(r"\b[a-z][a-z]+\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?…]['\"’”)]*\s+|[\"“‘'(—]\s*|\n\s*)$")
_SPEECH_NEAR = re.compile(r"^\s+(?:\w+ly\s+)?(" + SPEECH_VERB_PATTERN + r")\b")
_PLACE_PREP = re.compile(r"\b(in|at|to|from|into|near|of|towards?)\s+$")


def find_characters(book: Book, segments: tuple[Segment, ...]) -> tuple[Character, ...]:
    """Characters named in the story, most mentioned first, plus a first-person narrator."""
    text = book.document.text
    lower_counts = Counter(m.group(0) for m in _LOWER_WORD.finditer(text))
    ranks = rank_words(text)
    beside = Quotes.of(text, ((s.start, s.end) for s in segments if s.kind in QUOTE_KINDS))
    entities: dict[tuple[str, tuple[str, ...]], NameForm] = {}
    stops = [m.end() for m in _SENTENCE_END.finditer(text)]
    for match in _CANDIDATE.finditer(text):
        title = match.group("title") or ""
        words = match.group("name").split()
        # Only the few characters before the name decide; searching from 0 is quadratic.
        window = text[max(0, match.start() - 6) : match.start()]
        sentence_start = not title and (match.start() < 6 or bool(_SENTENCE_START.search(window)))
        # Drop leading words that are ordinary words capitalised by position.
        while words and (
            words[0] in NOT_NAMES
            or (len(words) > 1 and words[0] in INTERJECTIONS)
            or (not title and lower_counts[words[0].lower()] > 2 * name_hint(words[0]))
            or (not title and is_adverb(words[0], lower_counts))
            # "Hokage Tsunade": a rank the text also writes "the Hokage" is her title.
            or (not title and len(words) > 1 and ranks[words[0]] > 1)
        ):
            words = words[1:]
            sentence_start = False
        while words and words[0].islower():
            words = words[1:]
        if title and words and len(words) == len(match.group("name").split()):
            words = (match.group("particles") or "").split() + words
        # "St. Eustache", "Monsieur de St. Eustache": an abbreviation is no name.
        if words and len(words[-1]) <= 2 and _ABBREVIATION.match(text, match.end()):
            continue
        # "Hall", "Church": a place word is a family name after a title or as a speaker.
        if (
            not words
            and match.group("name") in PLACE_NOUNS
            and (title or beside.speaks(match.start(), match.end()))
        ):
            words = [match.group("name")]
        if (
            not words
            or any(w in NOT_NAMES - PLACE_NOUNS for w in words)
            or sum(w[0].isupper() for w in words) > 3
        ):
            continue
        if (
            len(words) == 1
            and words[0] in PLACE_NOUNS
            and not title
            and not beside.speaks(match.start(), match.end())
        ):
            continue
        key = (title, tuple(words))
        entity = entities.setdefault(key, NameForm(title, tuple(words), forms=Counter()))
        entity.count += 1
        entity.sentences.add(bisect.bisect_right(stops, match.start()))
        assert entity.forms is not None
        entity.forms[match.group(0)] += 1
        # The subject of a speech verb beside a quote speaks: a character, however
        # seldom the story names it otherwise.
        entity.speaks += beside.speaks(match.start(), match.end())
        entity.beats += beside.beat(match.start(), match.end())
        entity.mid += not sentence_start
        after = text[match.end() : match.end() + 40]
        before = text[max(0, match.start() - 30) : match.start()]
        if _SPEECH_NEAR.match(after) or re.search(r"\b(said|cried|asked|replied)\s+$", before):
            entity.person += 2
        if title:
            entity.person += 2
        # Called by name: "Watson, sit down", "Well, Watson?" — only people are.
        if re.match(r"[,?!]", after) and re.search(r"(?:[\"“‘]|, |[Dd]ear )$", before):
            entity.person += 1
            entity.voc += 1
        if _PLACE_PREP.search(before) and not sentence_start:
            entity.place += 1
        # Any personal pronoun nearby says "person"; which one says little about gender.
        if PRONOUN.search(text, match.end(), match.end() + 120):
            entity.pronouns += 1
        he, she = pronoun_votes(text, match.end(), match.start())
        entity.male += he
        entity.female += she
    prominent = max(3, PROMINENT_PER_WORD * text.count(" "))
    families = set(re.findall(r"\bthe\s+([A-Z][a-z]+s)\b", text))
    dropped: set[str] = set()
    found = tuple(merge_forms(entities, pronoun_base(text), prominent, families, ranks, dropped))
    mentions = find_mentions(text, found)
    genders = guess_genders(text, found, mentions)
    characters = [replace(c, gender=g) for c, g in zip(found, genders, strict=True)]
    if _is_first_person(book, segments):
        quotes = [(s.start, s.end) for s in segments if s.kind in QUOTE_KINDS]
        who = narrator_of(characters, mentions, quotes)
        if who is None:
            characters.append(Character(NARRATOR, ("I",), Gender.UNKNOWN))
        else:
            c = characters[who]
            characters[who] = replace(c, aliases=(*c.aliases, NARRATOR, "I"))
    roles = _roles(text, {c.name for c in characters})
    # "the Crofts", "the Miss Steeles": a family, not a character.
    words = {w for c in characters for n in (c.name, *c.aliases) for w in n.split()}
    roles = [r for r in roles if not (r.name.endswith("s") and r.name.split()[-1][:-1] in words)]
    roles += common_roles(beside, {r.name.lower() for r in roles})
    # "Gryphon" found as a name and "the Gryphon" as a role are one character, the role.
    by_name = {c.name: c for c in characters}
    for k, role in enumerate(roles):
        same = by_name.get(role.name[4:])
        if same is not None:
            characters.remove(same)
            roles[k] = replace(role, aliases=(*role.aliases, same.name, *same.aliases))
        elif role.name[4:] in dropped:  # dropped as a common noun, but this one speaks
            roles[k] = replace(role, aliases=(*role.aliases, role.name[4:]))
    if roles:
        # A role's gender, like a name's, from the pronouns that follow it.
        everyone = tuple(characters + roles)
        genders = guess_genders(text, everyone, find_mentions(text, everyone))
        roles = [
            replace(r, gender=g) for r, g in zip(roles, genders[len(characters) :], strict=True)
        ]
    return tuple(characters + roles)


_ROLE_WORDS = r"([A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)?)"
_ROLE = re.compile(
    rf"\b(?:(?:{_VERB_ALTERNATION})\s+the\s+{_ROLE_WORDS}\b|"
    rf"\bthe\s+{_ROLE_WORDS}\s+(?:\w+ly\s+)?(?:{_VERB_ALTERNATION})\b)"
)


def _roles(text: str, taken: set[str]) -> list[Character]:
    """Unnamed speakers known by a capitalised role: "said the General", "the Baron
    cried". Two such attributions make a character."""
    counts = Counter(" ".join((m.group(1) or m.group(2)).split()) for m in _ROLE.finditer(text))
    kept = [
        word
        for word, n in counts.most_common()
        if n >= 2 and word.split()[0] not in NOT_NAMES - TITLES and f"the {word}" not in taken
    ]
    out = []
    for word in kept:
        if " " not in word and any(w.endswith(" " + word) for w in kept):
            continue  # "the Rabbit" is "the White Rabbit"
        aliases = [f"The {word}"]
        short = word.split()[-1]
        if (
            " " in word
            and short in kept
            and not any(w != word and w.endswith(" " + short) for w in kept)
        ):
            aliases += [f"the {short}", f"The {short}"]
        out.append(Character(f"the {word}", tuple(aliases), title_gender(word.split()[0])))
    return out


def narrator_of(
    characters: Sequence[Character], mentions: list[Mention], quotes: list[tuple[int, int]]
) -> int | None:
    """Which character tells a first-person story: the one others name in their
    speech ("Come, Watson!") but the narration hardly names, since it says "I"."""
    inside = [0] * len(characters)
    outside = [0] * len(characters)
    starts = [a for a, _ in quotes]
    for m in mentions:
        i = bisect.bisect_right(starts, m.start) - 1
        if i >= 0 and quotes[i][0] <= m.start < quotes[i][1]:
            inside[m.who] += 1
        else:
            outside[m.who] += 1
    best = max(
        range(len(characters)),
        key=lambda i: (inside[i] + 1) / (outside[i] + 2) if inside[i] >= 5 else 0.0,
        default=None,
    )
    if best is None or inside[best] < 5 or inside[best] < 2 * outside[best]:
        return None
    return best


def _is_first_person(book: Book, segments: tuple[Segment, ...]) -> bool:
    """Narration that says "I" often enough is told by one of the characters."""
    text = book.document.text
    return told_in_first_person(text[s.start : s.end] for s in segments if s.kind is Kind.NARRATION)


__all__ = ["NARRATOR", "find_characters", "narrator_of"]
