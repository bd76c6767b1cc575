"""Name forms -> characters: which written forms of a name ("Mr. Emerson", "George",
"George Emerson") are one person, and which of the groups are characters at all."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from audiobook.models import Character, Gender
from audiobook.text.genders import NAME_VOTES, name_hint, patronymic_gender, weigh_pronouns
from audiobook.text.mentions import title_gender
from audiobook.text.names import NEVER_ALONE, is_rank
from audiobook.text.words import FEMALE_NAMES, MALE_NAMES, MALE_TITLES

BEATS = 2
"""Times a name must open the narration of a paragraph with a quote in it ("Miss Blenker
looked at him. "…"") to count as a speaker the text never attributes by a verb."""


@dataclass
class NameForm:
    """One written form of a name (title + words) and the evidence gathered where the
    text uses it."""

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
    beats: int = 0
    forms: Counter[str] | None = None
    sentences: set[int] = field(default_factory=set)


def _gender_of(entity: NameForm, extra: Iterable[NameForm], base: float) -> Gender:
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


def merge_forms(
    entities: dict[tuple[str, tuple[str, ...]], NameForm],
    base: float,
    prominent: float,
    families: set[str],
    ranks: Counter[str] | None = None,
    dropped: set[str] | None = None,
) -> list[Character]:
    """Group name forms into characters: full names absorb their first names, and
    titled surnames join the one full name of matching gender that carries them."""
    people = [e for e in entities.values() if e.place * 2 < e.count + e.person]
    entities_words = {w for e in entities.values() for w in e.words}
    people.sort(key=lambda e: (-len(e.words), -e.count))
    groups: list[list[NameForm]] = []
    by_word: dict[str, list[int]] = defaultdict(list)
    for e in people:
        target: int | None = None
        g = title_gender(e.title)
        # Untitled, a known first name says the gender: "John Dashwood" is not "Mrs.
        # John Dashwood", nor "Robert" "Mrs. Robert Ferrars".
        own = g if g is not Gender.UNKNOWN or e.title else _name_gender(e.words)
        if len(e.words) >= 2:
            # "Mrs. John Knightley" is John Knightley's wife, not John Knightley.
            full = [
                i
                for i, grp in enumerate(groups)
                if grp[0].words == e.words
                and (
                    own is Gender.UNKNOWN
                    or _gender_of(grp[0], grp[1:], base) in (Gender.UNKNOWN, own)
                )
                and not _mother_and_daughter(e, grp)
            ]
            target = full[0] if full else None
        else:
            word = e.words[0]
            # A married title names the wife of the family, seldom a daughter whose full
            # name is in the text; other titles join the one member of their gender.
            options = [
                i
                for i in by_word.get(word, [])
                if e.title not in _MARRIED
                and (
                    own is Gender.UNKNOWN
                    or _gender_of(groups[i][0], groups[i][1:], base) in (Gender.UNKNOWN, own)
                )
                # A bare family name that "he" follows is the husband, not "Mrs. X".
                and not (
                    not e.title
                    and {m.title for m in groups[i]} <= _MARRIED
                    and weigh_pronouns(e.male, e.female, base) is Gender.MALE
                )
            ]
            # A surname shared by a family stays apart unless a title picks one member.
            options = sorted(set(options))
            if len(options) == 1 and not _kin(e, groups[options[0]], entities):
                target = options[0]
        if target is None:
            groups.append([e])
            target = len(groups) - 1
        else:
            groups[target].append(e)
        for word in e.words:
            if word[0].isupper() and target not in by_word[word]:
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
        beats = sum(e.beats for e in grp)
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
        # "the Jounin", "every Hokage", "two Aurors": a rank or a common noun.
        if not titled and len(grp[0].words) == 1 and is_rank(last, ranks or Counter(), speaks > 0):
            if dropped is not None:
                dropped.add(last)
            continue
        # One word, capitalised only because a sentence starts with it, no "he" after.
        positional = not (mid or titled or len(grp[0].words) > 1 or name_hint(last))
        if not speaks and positional and pronouns * 2 < total:
            continue
        # Who speaks beside a quote, or is spoken to by name, takes part in the story;
        # anyone else must be named often and look like a person.
        if not (
            speaks
            or voc >= 2
            or beats >= BEATS
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


KIN_SENTENCES = 2
"""Sentences naming both "Mr. Emerson" and "George" (of "George Emerson") that make
them father and son rather than one man."""


def _kin(
    e: NameForm, group: list[NameForm], entities: dict[tuple[str, tuple[str, ...]], NameForm]
) -> bool:
    """Whether a titled family name ("Mr. Emerson") is another man of the family than
    the one full name that carries it ("George Emerson"): the text names him and
    that man's bare first name in the same sentence more than once. Only a man's
    title: "Miss Woodhouse" is as often Emma's in a sentence that also says "Emma"."""
    lead = group[0].words
    if e.title not in MALE_TITLES or len(lead) < 2 or lead[-1] != e.words[0]:
        return False
    first = entities.get(("", (lead[0],)))
    return first is not None and len(e.sentences & first.sentences) >= KIN_SENTENCES


def _name_gender(words: tuple[str, ...]) -> Gender:
    """The gender an untitled name says by itself: a known first name or a patronymic."""
    if words[0] in MALE_NAMES:
        return Gender.MALE
    if words[0] in FEMALE_NAMES:
        return Gender.FEMALE
    return patronymic_gender(words)


_MARRIED = frozenset({"Mrs", "Lady", "Madame", "Mme"})
_UNMARRIED = frozenset({"Miss", "Mlle", "Mademoiselle"})


def _mother_and_daughter(e: NameForm, group: list[NameForm]) -> bool:
    """Whether a married and an unmarried title of one name ("Madame de Cominges",
    "Mlle de Cominges") would meet in one character: two women."""
    titles = {m.title for m in group}
    return bool(
        (e.title in _MARRIED and titles & _UNMARRIED)
        or (e.title in _UNMARRIED and titles & _MARRIED)
    )


_SINGULAR = frozenset({"Mr", "Mrs", "Ms", "Dr", "Sir", "Lady", "Madame", "Monsieur"})


def _display(e: NameForm) -> str:
    title = e.title
    if title in {"Mr", "Mrs", "Ms", "Dr", "St"}:
        title += "."
    return " ".join(([title] if title else []) + list(e.words))


__all__ = ["KIN_SENTENCES", "NameForm", "merge_forms"]
