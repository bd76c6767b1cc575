"""A character's likely gender from the text: pronouns near its mentions, titles,
well-known first names and patronymics, weighed against the book's own pronoun mix."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from audiobook.models import Character, Gender
from audiobook.text.mentions import Mention, title_gender
from audiobook.text.words import (
    FEMALE_NAMES,
    FEMALE_PRONOUNS,
    MALE_NAMES,
    PRONOUN,
    SPEECH_VERBS,
)


def guess_genders(
    text: str, characters: tuple[Character, ...], mentions: list[Mention]
) -> tuple[Gender, ...]:
    """Each character's gender: as given, else from a title in any of its names, else
    from the pronouns that follow its mentions, else from a list of first names."""
    base = pronoun_base(text)
    male: defaultdict[int, float] = defaultdict(float)
    female: defaultdict[int, float] = defaultdict(float)
    for m in mentions:
        if characters[m.who].gender is not Gender.UNKNOWN:
            continue
        he, she = pronoun_votes(text, m.end, m.start)
        male[m.who] += he
        female[m.who] += she
    out = []
    for i, c in enumerate(characters):
        gender = c.gender
        if gender is Gender.UNKNOWN:
            titles = {title_gender(n.split()[0]) for n in (c.name, *c.aliases) if n.split()}
            titles.discard(Gender.UNKNOWN)
            first = c.name.split()[0] if c.name.split() else ""
            if len(titles) == 1:
                gender = titles.pop()
            elif patronymic_gender(c.name.split()) is not Gender.UNKNOWN:
                gender = patronymic_gender(c.name.split())
            elif weigh_pronouns(male[i], female[i], base) is not Gender.UNKNOWN:
                gender = weigh_pronouns(male[i], female[i], base)
            elif first in MALE_NAMES:
                gender = Gender.MALE
            elif first in FEMALE_NAMES:
                gender = Gender.FEMALE
        out.append(gender)
    return tuple(out)


_CLAUSE_WORDS = (
    SPEECH_VERBS
    | {"and", "but", "then", "when", "while", "as", "so", "until", "till", "because", "though"}
    | {"if", "that", "where", "whom", "who", "whose"}
)


_VOTE_TOKEN = re.compile(r"[.!?;:\"“”‘’—]+|[A-Za-z]+(?:['’][a-z]+)?")


_NOMINATIVE = {"he": Gender.MALE, "she": Gender.FEMALE}


# "Sakura killing him": an object pronoun in the name's own clause is someone else.
_OBLIQUE = {"his": Gender.MALE, "her": Gender.FEMALE, "hers": Gender.FEMALE}


_REFLEXIVE = {"himself": Gender.MALE, "herself": Gender.FEMALE}


def pronoun_votes(text: str, pos: int, start: int | None = None) -> tuple[float, float]:
    """(male, female) evidence from the pronouns that follow a name ending at ``pos``.

    "Sakura took his avoidance as a sign that she wasn't good enough": the first
    pronoun after a name is often someone else's, so a subject "he"/"she" or a
    reflexive in the same sentence counts fully and stops the count, "his"/"her" count
    a little, and the next sentence counts only when it opens with "He"/"She". Another
    name on the way ends the count: the pronouns may be that person's.
    """
    votes = {Gender.MALE: 0.0, Gender.FEMALE: 0.0}
    weight = 1.0
    if start is not None:
        # "She said nothing to Naruto, but she smiled": after a name that is an object,
        # the next "she" is the subject's.
        before = re.search(r"([a-z]+)\s+$", text[max(0, start - 20) : start])
        if before and before.group(1) not in _CLAUSE_WORDS:
            weight = 0.3
    boundaries = 0
    sentence_start = False
    for token in _VOTE_TOKEN.finditer(text, pos, pos + 160):
        word = token.group(0)
        if not word[0].isalpha():
            if word[0] in ".!?" or word[-1] in ".!?":
                boundaries += 1
                sentence_start = True
                if boundaries > 1:
                    break
            continue
        lower = re.split(r"['’]", word.lower())[0]
        opening, sentence_start = sentence_start, False
        if boundaries == 1 and not (opening and lower in _NOMINATIVE):
            break
        if lower in _NOMINATIVE or lower in _REFLEXIVE:
            votes[_NOMINATIVE.get(lower) or _REFLEXIVE[lower]] += weight
            break
        if lower in _OBLIQUE:
            votes[_OBLIQUE[lower]] += 0.3 * weight
        elif word[0].isupper():
            break
    return votes[Gender.MALE], votes[Gender.FEMALE]


KNOWN_NAME_HINT = 1000
"""A capitalised word is taken for an ordinary word when its lower-case form occurs
more than twice as often as its hint: 0 for most words, this many for a well-known
first name, so that "Will", "Mark" or "Rose" stay names unless the text uses the
word thousands of times (Pride and Prejudice has "will" 403 times, Emma 559)."""


def name_hint(word: str) -> int:
    return KNOWN_NAME_HINT if word in MALE_NAMES or word in FEMALE_NAMES else 0


_MALE_PATRONYMIC = re.compile(r"[a-z](?:ovitch|evitch|ovich|evich|ovic|evic)$")


_FEMALE_PATRONYMIC = re.compile(r"[a-z](?:ovna|evna|ichna)$")


def patronymic_gender(words: Iterable[str]) -> Gender:
    """Russian patronymics say the gender: Alexis Ivanovitch, Polina Alexandrovna."""
    for word in words:
        if _MALE_PATRONYMIC.search(word):
            return Gender.MALE
        if _FEMALE_PATRONYMIC.search(word):
            return Gender.FEMALE
    return Gender.UNKNOWN


NAME_VOTES = 3.0


def pronoun_base(text: str) -> float:
    """How much likelier "she"/"her" is than "he"/"his" anywhere in the text: a story
    told around a man says "he" of him all the time, so a "she" near a name means more."""
    counts = Counter(m.group(1).lower() in FEMALE_PRONOUNS for m in PRONOUN.finditer(text))
    return (counts[True] + 1) / (counts[False] + 1)


def weigh_pronouns(male: float, female: float, base: float) -> Gender:
    """A gender from pronoun votes: a clear majority; failing that, the minority
    pronoun of a text that hardly uses it (``base``, as ``pronoun_base``) decides."""
    for balance in (1.0, min(3.0, max(1 / 3, base))):
        if male + female < 0.6:
            return Gender.UNKNOWN
        ratio = (female + 0.3) / (male + 0.3) / balance
        if ratio >= 2.0 and female >= 0.6:
            return Gender.FEMALE
        if ratio <= 0.5 and male >= 0.6:
            return Gender.MALE
    return Gender.UNKNOWN
