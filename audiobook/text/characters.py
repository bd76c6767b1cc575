"""Book + segments -> characters: canonical names, aliases and gender, from the text alone.

Also the name machinery attribution shares: titles, speech verbs and a mention finder.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from audiobook.models import QUOTE_KINDS, Book, Character, Gender, Kind, Segment
from audiobook.text.genders import (
    NAME_VOTES,
    guess_genders,
    name_hint,
    patronymic_gender,
    pronoun_base,
    pronoun_votes,
    weigh_pronouns,
)
from audiobook.text.mentions import Mention, find_mentions, title_gender
from audiobook.text.names import (
    INTERJECTIONS,
    NEVER_ALONE,
    PLACE_NOUNS,
    Quotes,
    common_roles,
    is_adverb,
)
from audiobook.text.words import (
    FEMALE_NAMES,
    HONORIFICS,
    MALE_NAMES,
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
_CANDIDATE = re.compile(
    rf"(?<![\w.'’-])(?:(?P<title>{_TITLE_RE})\.?\s+)?"
    rf"(?P<name>{_WORD}(?:[ \t]+{_WORD})*)(?:-(?:{'|'.join(HONORIFICS)}))?(?![\w'’])"
)
_LOWER_WORD = re.compile(r"\b[a-z][a-z]+\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?…]['\"’”)]*\s+|[\"“‘'(—]\s*|\n\s*)$")
_SPEECH_NEAR = re.compile(r"^\s+(?:\w+ly\s+)?(" + SPEECH_VERB_PATTERN + r")\b")
_PLACE_PREP = re.compile(r"\b(in|at|to|from|into|near|of|towards?)\s+$")


@dataclass
class _Entity:
    title: str
    words: tuple[str, ...]
    count: int = 0
    person: int = 0
    place: int = 0
    male: float = 0.0
    female: float = 0.0
    pronouns: int = 0
    speaks: int = 0
    mid: int = 0
    voc: int = 0
    forms: Counter[str] | None = None


def find_characters(book: Book, segments: tuple[Segment, ...]) -> tuple[Character, ...]:
    """Characters named in the story, most mentioned first, plus a first-person narrator."""
    text = book.document.text
    lower_counts = Counter(m.group(0) for m in _LOWER_WORD.finditer(text))
    beside = Quotes.of(text, ((s.start, s.end) for s in segments if s.kind in QUOTE_KINDS))
    entities: dict[tuple[str, tuple[str, ...]], _Entity] = {}
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
        ):
            words = words[1:]
            sentence_start = False
        # "Hall", "Church": a place word is a family name after a title or as a speaker.
        if (
            not words
            and match.group("name") in PLACE_NOUNS
            and (title or beside.speaks(match.start(), match.end()))
        ):
            words = [match.group("name")]
        if not words or any(w in NOT_NAMES - PLACE_NOUNS for w in words) or len(words) > 3:
            continue
        if (
            len(words) == 1
            and words[0] in PLACE_NOUNS
            and not title
            and not beside.speaks(match.start(), match.end())
        ):
            continue
        key = (title, tuple(words))
        entity = entities.setdefault(key, _Entity(title, tuple(words), forms=Counter()))
        entity.count += 1
        assert entity.forms is not None
        entity.forms[match.group(0)] += 1
        # The subject of a speech verb beside a quote speaks: a character, however
        # seldom the story names it otherwise.
        entity.speaks += beside.speaks(match.start(), match.end())
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
    found = tuple(_merge(entities, pronoun_base(text), prominent, families))
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


def _gender_of(entity: _Entity, extra: Iterable[_Entity], base: float) -> Gender:
    votes = title_gender(entity.title)
    if votes is not Gender.UNKNOWN:
        return votes
    group = (entity, *extra)
    titles = Counter(title_gender(e.title) for e in group)
    titles.pop(Gender.UNKNOWN, None)
    if titles:
        return titles.most_common(1)[0][0]
    patronymic = {patronymic_gender(e.words) for e in group} - {Gender.UNKNOWN}
    if len(patronymic) == 1:
        return patronymic.pop()
    male = sum(e.male for e in group)
    female = sum(e.female for e in group)
    # A common first name counts as a few pronouns' worth.
    if entity.words[0] in MALE_NAMES:
        male += NAME_VOTES
    elif entity.words[0] in FEMALE_NAMES:
        female += NAME_VOTES
    return weigh_pronouns(male, female, base)


def _merge(
    entities: dict[tuple[str, tuple[str, ...]], _Entity],
    base: float,
    prominent: float,
    families: set[str],
) -> list[Character]:
    """Group name forms into characters: full names absorb their first names, and
    titled surnames join the one full name of matching gender that carries them."""
    people = [e for e in entities.values() if e.place * 2 < e.count + e.person]
    entities_words = {w for e in entities.values() for w in e.words}
    people.sort(key=lambda e: (-len(e.words), -e.count))
    groups: list[list[_Entity]] = []
    by_word: dict[str, list[int]] = defaultdict(list)
    for e in people:
        target: int | None = None
        g = title_gender(e.title)
        if len(e.words) >= 2:
            # "Mrs. John Knightley" is John Knightley's wife, not John Knightley.
            full = [
                i
                for i, grp in enumerate(groups)
                if grp[0].words == e.words
                and (
                    g is Gender.UNKNOWN or _gender_of(grp[0], grp[1:], base) in (Gender.UNKNOWN, g)
                )
            ]
            target = full[0] if full else None
        else:
            word = e.words[0]
            # A married title names the wife of the family, seldom a daughter whose full
            # name is in the text; other titles join the one member of their gender.
            options = [
                i
                for i in by_word.get(word, [])
                if e.title not in ("Mrs", "Lady", "Madame", "Mme")
                and (
                    g is Gender.UNKNOWN
                    or _gender_of(groups[i][0], groups[i][1:], base) in (Gender.UNKNOWN, g)
                )
            ]
            # A surname shared by a family stays apart unless a title picks one member.
            options = sorted(set(options))
            if len(options) == 1:
                target = options[0]
        if target is None:
            groups.append([e])
            target = len(groups) - 1
        else:
            groups[target].append(e)
        for word in e.words:
            if target not in by_word[word]:
                by_word[word].append(target)
    characters = []
    for grp in groups:
        total = sum(e.count for e in grp)
        person = sum(e.person for e in grp)
        pronouns = sum(e.pronouns for e in grp)
        place = sum(e.place for e in grp)
        speaks = sum(e.speaks for e in grp)
        mid = sum(e.mid for e in grp)
        voc = sum(e.voc for e in grp)
        titled = any(e.title for e in grp)
        # "the Churchills", "Jews": a plural of a name or a people is not a character.
        last = grp[0].words[-1]
        # ... unless a singular title or a speech verb makes it one person ("Mrs.
        # Braddocks", "Braddocks said") and the text never says "the Braddocks".
        one = (speaks or any(e.title in _SINGULAR for e in grp)) and last not in families
        if (
            len(grp[0].words) == 1
            and not one
            and (
                (
                    last.endswith("s")
                    and (last[:-1] in entities_words or last[:-2] in entities_words)
                )
                or last.endswith(("ish", "ese", "ian", "ans"))
            )
        ):
            continue
        if not titled and len(grp[0].words) == 1 and last in NEVER_ALONE:
            continue  # "Hullo", "Kami", "Boss"
        # One word, capitalised only because a sentence starts with it, no "he" after.
        positional = not (mid or titled or len(grp[0].words) > 1 or name_hint(last))
        if not speaks and positional and pronouns * 2 < total:
            continue
        # Who speaks beside a quote, or is spoken to by name, takes part in the story;
        # anyone else must be named often and look like a person.
        if not (
            speaks
            or voc >= 2
            or (
                total >= prominent
                and (
                    person >= 2
                    or name_hint(grp[0].words[0])
                    or (pronouns >= total * 0.6 and place * 3 <= total)
                )
            )
        ):
            continue
        best = max(grp, key=lambda e: (e.count + 3 * len(e.words), len(e.words)))
        name = _display(best)
        aliases = sorted({_display(e) for e in grp} - {name})
        characters.append((total, Character(name, tuple(aliases), _gender_of(best, grp, base))))
    characters.sort(key=lambda pair: -pair[0])
    return [c for _, c in characters]


_SINGULAR = frozenset({"Mr", "Mrs", "Ms", "Dr", "Sir", "Lady", "Madame", "Monsieur"})


def _display(e: _Entity) -> str:
    title = e.title
    if title in {"Mr", "Mrs", "Ms", "Dr", "St"}:
        title += "."
    return " ".join(([title] if title else []) + list(e.words))


def _is_first_person(book: Book, segments: tuple[Segment, ...]) -> bool:
    """Narration that says "I" often enough is told by one of the characters."""
    text = book.document.text
    return told_in_first_person(text[s.start : s.end] for s in segments if s.kind is Kind.NARRATION)


__all__ = ["NARRATOR", "find_characters", "narrator_of"]
