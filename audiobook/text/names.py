"""Evidence that a capitalised word names a person, for character discovery: where
quotes are, whether a name is the subject of a speech verb right beside one
(``"Yes." Arashi agreed.``, ``said Arashi``, ``Arashi said, "…"``), and the closed
classes of capitalised words that never name a character on their own."""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from audiobook.models import Character, Gender
from audiobook.text.genders import name_hint
from audiobook.text.words import HONORIFICS, SPEECH_VERB_PATTERN, TITLES

_MARKS = r"[\s\"'“”‘’,.!?;:—–…-]*"
_ADVERB = r"(?:\w+ly\s+|again\s+|then\s+|now\s+|at\s+last\s+|at\s+once\s+|only\s+)?"
_VERB = rf"(?:{SPEECH_VERB_PATTERN}|(?:put|broke|struck|cut|chimed)\s+in)"
# Between a quote's end and the name: '," said ', '!" cried '.
_INVERTED_GAP = re.compile(rf"{_MARKS}{_ADVERB}{_VERB}\s+{_ADVERB}\Z")
# Between a quote's end and the name that opens the attribution: '," ', '." '.
_BARE_GAP = re.compile(rf"{_MARKS}\Z")
_HONORIFIC = rf"(?:-(?:{'|'.join(HONORIFICS)}))?"
# After the name: ' said', ' agreed'; up to the next quote: ' said, "', ' asked: "'.
_VERB_AFTER = re.compile(rf"{_HONORIFIC}\s+{_ADVERB}{_VERB}\b")
_VERB_TO_QUOTE = re.compile(rf"{_HONORIFIC}\s+{_ADVERB}{_VERB}\b[^.!?\"“”]{{0,30}}?[,:]?{_MARKS}\Z")
_NEAR = 40


@dataclass(frozen=True)
class Quotes:
    """Where a text's quotes are, to tell whether a name stands beside one."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, text: str, spans: Iterable[tuple[int, int]]) -> Quotes:
        ordered = sorted(spans)
        return cls(text, tuple(a for a, _ in ordered), tuple(b for _, b in ordered))

    def inside(self, pos: int) -> bool:
        k = bisect.bisect_right(self.starts, pos) - 1
        return k >= 0 and pos < self.ends[k]

    def speaks(self, start: int, end: int) -> bool:
        """Whether the name at text[start:end] is the subject of a speech verb that
        attributes the quote just before or just after it."""
        text = self.text
        if self.inside(start):
            return False
        k = bisect.bisect_right(self.ends, start) - 1
        if k >= 0 and start - self.ends[k] <= _NEAR:
            gap = text[self.ends[k] : start]
            if _INVERTED_GAP.match(gap) or (
                _BARE_GAP.match(gap) and _VERB_AFTER.match(text, end, end + _NEAR)
            ):
                return True
        j = bisect.bisect_left(self.starts, end)
        if j < len(self.starts) and self.starts[j] - end <= 2 * _NEAR:
            return bool(_VERB_TO_QUOTE.match(text[end : self.starts[j]]))
        return False

    def beat(self, start: int, end: int) -> bool:
        """Whether the name at text[start:end] opens a sentence of narration, followed
        by a lower-case word, in a paragraph that also holds a quote: the action
        beat of a speaker (``Miss Blenker looked at him. "…"``)."""
        text = self.text
        if self.inside(start) or not _BEAT_VERB.match(text, end):
            return False
        if not _OPENS.search(text, max(0, start - 4), start):
            return False
        para_start = text.rfind("\n\n", 0, start)
        para_end = text.find("\n\n", end)
        para_end = len(text) if para_end < 0 else para_end
        k = bisect.bisect_left(self.starts, para_start)
        return k < len(self.starts) and self.starts[k] < para_end


# What opens a sentence of narration: a paragraph start, or the end of a quote or
# sentence before it.
_OPENS = re.compile(r"(?:\A|\n|[.!?][\"'”’]?[ \t]+|[\"”’][ \t]+)\Z")
# A verb after the name, roughly: a word in -ed or -s, or a common irregular past.
_BEAT_VERB = re.compile(
    r"[ \t\n]+(?:[a-z]+(?:ed|s)|took|gave|came|went|stood|sat|rose|saw|made|held|kept|knew"
    r"|felt|got|ran|put|shook|drew|threw|broke|caught|led|left|let|bent|sprang)\b"
)


# "the mariner", "the first policeman": an unnamed speaker known by what they are.
_ROLE_PHRASE = r"[Tt]he\s+(?:[a-z]+\s+){0,2}?[a-z]+(?<!ly)(?:-[a-z]+)?"
_ROLE_INVERTED = re.compile(
    rf"{_MARKS}{_ADVERB}{_VERB}\s+{_ADVERB}(?P<role>{_ROLE_PHRASE})(?:\s+\w+ly)?"
    r"(?=\s*[,.;:!?—–\"“”]|\s+(?:who|with|and|as|in|at|to|from|of|after|before|again)\b)"
)
_ROLE_FIRST = re.compile(rf"{_MARKS}(?P<role>{_ROLE_PHRASE})\s+{_ADVERB}{_VERB}\b")
_ROLE_BEFORE = re.compile(
    rf"\b(?P<role>{_ROLE_PHRASE})\s+{_ADVERB}{_VERB}\b[^.!?\"“”]{{0,30}}?[,:]{_MARKS}\Z"
)

# Words for a person that a story uses for whoever is at hand ("the girl", "the
# other", "the young man"): no one character's name.
GENERIC_PERSONS = frozenset(
    """man men woman women girl girls boy boys lady ladies gentleman gentlemen person
    people child children other others latter former one two three stranger fellow
    youth visitor visitors guest guests creature figure voice voices elder younger
    couple pair crowd company party group friend friends companion companions
    speaker listener newcomer host hostess lad lass maiden individual being thing
    soul whole rest chairman""".split()
)


def role_speakers(quotes: Quotes) -> Counter[str]:
    """How often each role phrase ("the mariner") is the subject of a speech verb
    right after a quote (``"…," said the mariner``, ``"…" the barman said``) or right
    before the one it introduces (``the maid said at once: "…"``)."""
    found: Counter[str] = Counter()
    text = quotes.text
    ends = iter(quotes.ends)
    for start in quotes.starts:
        end = next(ends)
        after = _ROLE_INVERTED.match(text, end, end + 2 * _NEAR) or _ROLE_FIRST.match(
            text, end, end + 2 * _NEAR
        )
        # ... or right before the quote it introduces: ``the maid said at once: "…"``.
        before = _ROLE_BEFORE.search(text, max(0, start - 2 * _NEAR), start)
        for m in (after, before):
            if m is not None:
                _count_role(m.group("role"), found)
    return found


def _count_role(role: str, found: Counter[str]) -> None:
    words = role.lower().split()
    stops = _ROLE_STOP if words[-1] in _ROLE_STOP else _ROLE_STOP - _ORDINALS
    if words[-1] not in GENERIC_PERSONS and not set(words[1:]) & stops:
        found[" ".join(words)] += 1


def common_roles(beside: Quotes, taken: set[str]) -> list[Character]:
    """Unnamed speakers known by a common noun ("said the mariner"): two attributions
    make one; phrases with one head noun ("the new policeman") are one character.
    A rank alone ("the general") is no character: it stands for whoever holds it."""
    by_head: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for phrase, n in role_speakers(beside).items():
        words = phrase.split()
        head = words[-1]
        # ... but "the first policeman" is not "the second policeman".
        if head.capitalize() not in TITLES and phrase not in taken:
            key = (head, *sorted(set(words) & _ORDINALS))
            by_head[key][phrase] += n
    out = []
    for phrases in by_head.values():
        if phrases.total() >= 2:
            name = phrases.most_common(1)[0][0]
            forms = {name.capitalize()} | {p.capitalize() for p in phrases} | set(phrases)
            out.append(Character(name, tuple(sorted(forms - {name})), Gender.UNKNOWN))
    return out


# Words that end a role phrase early or show it is no role ("the man who", "the
# other one", "the next").
_ROLE_STOP = frozenset(
    """who which that whom whose and but or not was were is had has said and then
    next same last first other another rest of to by as for in on at into with from
    upon he she his her its their all will""".split()
)
_ORDINALS = frozenset("first second third fourth fifth".split())


# Words that make what follows a common noun: articles, determiners and numbers, in
# lower case ("the Jounin", "a Jounin", "every Hokage", "two Aurors").
_DETERMINED = re.compile(
    r"\b(?:the|a|an|every|each|any|no|some|another|this|that|these|those|several|many|few"
    r"|all|both|other|most|one|two|three|four|five|six|seven|eight|nine|ten)"
    r"[ \t\n]+([A-Z][a-z]+)\b(?![ \t]+[A-Z]|['’-])"
)
_CAPITALISED = re.compile(r"(?<![\w'’-])[A-Z][a-z]+\b(?!['’-])")
# Titles that only ever stand before a person's name (not "Lady" or "Sir": "Lady
# Hokage", "Sir Knight").
_PERSONAL_TITLE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Dr|Madame|Mme|Mademoiselle|Mlle|Monsieur|Signor|Signora|Herr|Frau)"
    r"\.?\s+([A-Z][a-z]+)"
)
RANK_SHARE = 0.2
"""Share of a capitalised word's uses after an article or a number ("the Hokage", "two
Aurors") that makes it a rank or a common noun rather than someone's name."""


def rank_words(text: str) -> Counter[str]:
    """Capitalised words the text uses as ranks or common nouns, of any fandom: often
    after an article, a determiner or a number, in the singular or the plural ("the
    Jounin", "a Jounin", "every Hokage", "two Aurors"), and never after a personal
    title (which would make it a family name: "Mr. Bennet", "the Bennets"). Maps each
    to how often its singular follows an article (a speaker never so written may still
    be a character: see ``is_rank``)."""
    determined = Counter(m.group(1) for m in _DETERMINED.finditer(text))
    if not determined:
        return Counter()
    titled = {m.group(1) for m in _PERSONAL_TITLE.finditer(text)}
    capitalised = Counter(m.group(0) for m in _CAPITALISED.finditer(text))
    ranks: Counter[str] = Counter()
    for word, n in capitalised.items():
        singular = determined[word]
        plural = determined[word + "s"] + determined[word + "es"]
        if word not in titled and singular + plural >= max(1.0, RANK_SHARE * n):
            ranks[word] = singular + 1  # + 1: present even when only the plural was seen
    return ranks


def is_rank(word: str, ranks: Counter[str], speaks: bool) -> bool:
    """Whether a one-word name is a rank or common noun by ``rank_words``, unless it
    speaks beside a quote and is never written after an article itself."""
    return word in ranks and not (speaks and ranks[word] == 1)


def is_adverb(word: str, lower: Counter[str]) -> bool:
    """Whether a capitalised word ("Instantly", "Thankfully") is an adverb in -ly
    whose stem the text, as lower-case word counts, writes in lower case."""
    return (
        word.endswith("ly")
        and len(word) > 5
        and not name_hint(word)
        and (lower[word[:-2].lower()] > 0 or lower[word[:-3].lower() + "y"] > 0)
    )


# Capitalised words that never name a character on their own: interjections and
# sentence adverbs that open a line, words for a god, and ranks or roles used as a
# form of address. Closed classes; anything else must show it is a name in the text.
INTERJECTIONS = frozenset(
    """Aha Ahem Ahh Alas Argh Aw Aww Aye Bah Behold Blast Bother Bravo Damn Darn Dear Eh
    Eek Egad Elp Er Erm Gah Gawd Gee Gosh Ha Hah Haha Hallo Halloa Hark Heh Hello Hey Hi
    Hm Hmm Hmph Ho Hoo Hooray Hulloa Hullo Humph Hurrah Hurray Hush Jeez Lo Meh Mm Mmm
    Nah Nay Nope Oi Ooh Oops Ow Ouch Oy Phew Pish Pooh Pray Psst Pshaw Shh Shush Tch Tsk
    Tut Ugh Uh Um Umm Welcome Whoa Whew Wow Yay Yeah Yep Yes Yikes Yo Yup Zounds
    Anyway Anyways Apparently Besides Clearly Finally Fortunately Hopefully Luckily
    Naturally Obviously Oddly Perhaps Possibly Probably Sadly Seriously Surely
    Thankfully Thence Unfortunately Whatever Meanwhile Nevertheless Honestly Frankly
    Actually Basically Definitely Absolutely Exactly Right Alright Okay Fine Goodbye
    Goodnight Bye Cheers Congratulations Sorry Thanks Please Wait Stop Look Listen
    Quick Quiet Silence Enough Again Never Always Damnation Heavens Blimey Crikey""".split()
)

DEITIES = frozenset(
    """God Gods Goddess Lord Heaven Heavens Kami Kami-sama Allah Jesus Christ Jehovah
    Providence Satan Devil Lucifer Hell Almighty Creator Buddha""".split()
)

# Forms of address and kin words that address a person without naming one ("Boss",
# "Sensei", "Mom", "Okaasan"): alone they are no character, before a name they are a
# title. A closed class; ranks and common nouns of any setting ("the Jounin", "every
# Hokage", "two Aurors") are found from the text by ``rank_words`` instead.
BARE_ROLES = frozenset(
    """Boss Chief Captain Commander Lieutenant Sergeant Colonel General Major Admiral
    Officer Sir Madam Ma'am Miss Master Mistress Lady Lord Sire Majesty Highness
    Excellency Doctor Professor Teacher Nurse Sensei Senpai Sempai Sama Dono Kun Chan
    San Nii Nee Aniki Oniisan Oneesan Okaasan Otousan Kaasan Tousan Obaasan Ojiisan Baa
    Jii Mom Mum Mommy Mummy Dad Daddy Papa Mama Mamma Pa Ma Grandma Grandpa Granny Gran
    Uncle Aunt Auntie Cousin Brother Sister Son Daughter Baby Darling Honey Sweetheart
    Love Dearest King Queen Prince Princess Emperor Empress Duke Duchess Baron Count
    Countess Father Mother Reverend Pastor Priest Bishop Pope Monk Nun Comrade
    Mister""".split()
)

PLACE_NOUNS = frozenset(
    "Street Road Square Park Hall House Church Court Lane Hill Bridge Castle Mount".split()
)
"""Words for a place that are also family names ("Mr. Hall", "said Church")."""

NEVER_ALONE = INTERJECTIONS | DEITIES | BARE_ROLES
"""Capitalised words that are never a character's whole name."""


__all__ = [
    "BARE_ROLES",
    "DEITIES",
    "GENERIC_PERSONS",
    "INTERJECTIONS",
    "NEVER_ALONE",
    "PLACE_NOUNS",
    "Quotes",
    "common_roles",
    "is_adverb",
    "is_rank",
    "rank_words",
    "role_speakers",
]
