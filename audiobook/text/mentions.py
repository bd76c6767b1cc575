"""Characters and the text -> where each is mentioned, by any of its names' forms
(titles, honorifics, first names that are not shared), for attribution to read."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from audiobook.models import Character, Gender
from audiobook.text.words import (
    BARE_TITLES,
    FEMALE_TITLES,
    HONORIFICS,
    MALE_TITLES,
    MONTH_NAMES,
    NOT_NAMES,
    TITLES,
)

# "in May", "May 5th", "the first of June", "May I come?": the month or the verb.
_MONTH_FOLLOWS = re.compile(
    r"\s+(?:\d|I\b|we\b|you\b|he\b|she\b|it\b|they\b|not\b|be\b|have\b|the\s+\d)"
)


@dataclass(frozen=True)
class Mention:
    """A character named in the text: offsets of the name and the character's index."""

    start: int
    end: int
    who: int


def title_gender(title: str) -> Gender:
    title = title.rstrip(".")
    if title in MALE_TITLES:
        return Gender.MALE
    if title in FEMALE_TITLES:
        return Gender.FEMALE
    return Gender.UNKNOWN


def _strip_honorific(name: str) -> str:
    for suffix in HONORIFICS:
        if name.endswith("-" + suffix):
            return name[: -len(suffix) - 1]
    return name


_SMALL_WORDS = frozenset(
    {"The", "A", "An", "Of", "And", "De", "Van", "Von", "Der", "La", "Le", "Du"}
)


def _variants(alias: str, role: bool = False) -> set[str]:
    """How a listed alias may be written in running text: cast lists often title-case
    every word ("The King Of Hearts") where the text has "the King of Hearts".
    With ``role``, "The Cook" is also written "the cook"."""
    words = alias.split()
    lowered = [w.lower() if w in _SMALL_WORDS else w for w in words]
    out = {alias, " ".join(lowered)}
    if lowered and lowered[0] != words[0]:
        out.add(" ".join([words[0], *lowered[1:]]))
    out = {v for v in out if any(c.isupper() for c in v)}
    if role and len(words) >= 2 and words[0] in ("The", "A", "An", "His", "Her"):
        # "The drummer" opening a sentence; "His Valet" is "the valet" in the text.
        rest = " ".join(words[1:]).lower()
        heads = {words[0]} | ({"The"} if words[0] in ("His", "Her") else set())
        for head in heads:
            out |= {f"{head} {rest}", f"{head.lower()} {rest}"}
    return out


def alias_forms(characters: tuple[Character, ...]) -> dict[str, tuple[int, ...]]:
    """Every written form of a name -> the characters (indexes) it may stand for.

    Besides the given names and aliases, a first or last name taken from a longer or
    titled alias is added, and a title + last name ("Mr. Weston") is written with and
    without the full stop. A form listed for one character never also stands for
    another through such a derived name.
    """
    forms: dict[str, set[int]] = defaultdict(set)
    given: dict[str, set[int]] = defaultdict(set)
    bare: dict[str, set[int]] = defaultdict(set)
    titled_last: dict[tuple[str, str], set[int]] = defaultdict(set)
    for i, character in enumerate(characters):
        for alias in (character.name, *character.aliases):
            alias = " ".join(alias.split())
            if not alias:
                continue
            base = _strip_honorific(alias)
            # "The Cook", "The Station-Master": a role the text writes in lower case. A
            # role of unknown gender is as often a description of a named character
            # ("the painter" for Basil) as a person of its own, so it keeps its capitals.
            role = character.gender is not Gender.UNKNOWN
            for form in _variants(alias, role) | _variants(base, role):
                given[form].add(i)
            words = base.replace(".", ". ").split()
            titled = bool(words) and words[0].rstrip(".") in TITLES
            if titled and words[0].rstrip(".") in BARE_TITLES:
                bare[words[0].rstrip(".")].add(i)
            if titled:
                given[base.replace(".", "")].add(i)
                given[re.sub(r"\b(Mr|Mrs|Ms|Dr|St)\b(?!\.)", r"\1.", base)].add(i)
                if len(words) >= 3 and words[-1][:1].isupper():
                    # "Miss Lucilla Harris" is also "Miss Harris".
                    short = f"{words[0]} {words[-1]}"
                    titled_last[short, words[-1]].add(i)
                    titled_last[short.replace(".", ""), words[-1]].add(i)
                words = words[1:]
            if len(words) >= 2 or (titled and words):
                for word in {words[0], words[-1]} if len(words) >= 2 else {words[-1]}:
                    # "May Welland" is called May: a month as a listed first name is a
                    # name (find_mentions skips it where the text means the month).
                    common = word in NOT_NAMES and not (word in MONTH_NAMES and word == words[0])
                    if word[:1].isupper() and not common and len(word) > 1:
                        forms[word].add(i)
    # "said Mademoiselle", "the Colonel": a rank alone names the one character who has it.
    for title, who in bare.items():
        if len(who) == 1:
            forms[title] |= who
    result = {form: tuple(sorted(who)) for form, who in given.items()}
    for form, who in forms.items():
        if form not in given:
            result[form] = tuple(sorted(who))
    # ... unless the family name alone is someone else's ("Mr. Cavendish" is John
    # Cavendish's when he is "Cavendish", not Mr. Lawrence Cavendish's).
    for (form, last), who in titled_last.items():
        if form not in result and result.get(last, tuple(who)) == tuple(sorted(who)):
            result[form] = tuple(sorted(who))
    return result


def find_mentions(text: str, characters: tuple[Character, ...]) -> list[Mention]:
    """Every place a character is named, longest form first, honorifics included.

    A form that may name several characters ("Charles" with two Charleses) goes to
    the one of them named most recently by an unambiguous form, else the most named.
    """
    forms = alias_forms(characters)
    if not forms:
        return []
    ordered = sorted(forms, key=len, reverse=True)
    suffix = "|".join(HONORIFICS)
    # Hard-wrapped text breaks a name across lines ("Mrs.\nJennings").
    alternatives = "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in ordered)
    pattern = re.compile(rf"(?<![\w-])({alternatives})(?:-(?:{suffix}))?(?![\w])")
    matches = [
        (m.start(), m.end(), forms[" ".join(m.group(1).split())])
        for m in pattern.finditer(text)
        if m.group(1) not in MONTH_NAMES or not _month_at(text, m.start(), m.end())
    ]
    counts = Counter(who[0] for _, _, who in matches if len(who) == 1)
    # A character the text also calls by a short name of their own ("Hayter" for
    # Charles Hayter, "Sir John") is written in full when meant; a first name shared
    # with one who has no such name ("Charles" for Charles Musgrove) is that other one's.
    own_word = {who[0] for s, e, who in matches if len(who) == 1 and _is_short(text[s:e])}
    first_names = _first_names(characters)
    mentions = []
    last_seen: dict[int, int] = {}
    for start, end, who in matches:
        if len(who) == 1:
            chosen = who[0]
        else:
            form = " ".join(text[start:end].split())
            firsts = [c for c in who if form in first_names[c]]
            # ... unless that one is hardly in the book (Robert Prentiss, named once,
            # is not the "Robert" of a novel about Robert Cohn).
            most = max((counts[c] for c in firsts), default=0)
            default = (
                {c for c in firsts if c not in own_word and counts[c] * 10 >= most}
                if len(firsts) >= 2
                else set()
            )
            chosen = max(who, key=lambda c: (c in default, last_seen.get(c, -1), counts[c]))
        last_seen[chosen] = start
        mentions.append(Mention(start, end, chosen))
    return mentions


def _is_short(form: str) -> bool:
    """One word, after any title: "Hayter", "Sir John", "Mr. Dashwood"."""
    words = form.replace(".", ". ").split()
    if words and words[0].rstrip(".") in TITLES:
        words = words[1:]
    return len(words) == 1


def _first_names(characters: tuple[Character, ...]) -> list[set[str]]:
    """Each character's first names: the first word of a name of two words or more,
    after any title ("Charles" of "Charles Musgrove", "John" of "Sir John Middleton")."""
    out: list[set[str]] = []
    for c in characters:
        names = set()
        for alias in (c.name, *c.aliases):
            words = _strip_honorific(" ".join(alias.split())).replace(".", ". ").split()
            if words and words[0].rstrip(".") in TITLES:
                words = words[1:]
            if len(words) >= 2:
                names.add(words[0])
        out.append(names)
    return out


def _month_at(text: str, start: int, end: int) -> bool:
    """Whether a month-like name at text[start:end] is the month ("in May", "May 5th",
    "the 3rd May") or the verb ("May I?") rather than a person."""
    before = text[max(0, start - 12) : start]
    if re.search(
        r"(?:\b(?:in|since|until|till|during|early|late|last|next|this|every)|\d(?:st|nd|rd|th)?"
        r"|\b(?:first|second|third|[a-z]+th)\s+of)\s+$",
        before,
        re.IGNORECASE,
    ):
        return True
    return bool(_MONTH_FOLLOWS.match(text, end))
