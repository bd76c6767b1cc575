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

NARRATOR = "Narrator"
"""Name given to a first-person narrator whose own name the text never reveals."""

MALE_TITLES = frozenset(
    "Mr Sir Lord Monsieur Captain Colonel General Major Father Brother Uncle Count Baron "
    "Duke Prince King Master Signor Herr Don".split()
)
FEMALE_TITLES = frozenset(
    "Mrs Miss Ms Mme Mlle Madame Mademoiselle Lady Mother Sister Aunt Countess Baroness "
    "Duchess Princess Queen Dame Mistress Signora Frau Donna".split()
)
NEUTRAL_TITLES = frozenset("Dr Doctor Professor Prof Inspector Sergeant Rev Reverend Judge".split())
TITLES = MALE_TITLES | FEMALE_TITLES | NEUTRAL_TITLES
# Ranks that stand alone for a person ("said the Colonel", "Mademoiselle laughed");
# Mr, Mrs, Miss, Sir, Lady and kin words do not.
_BARE_TITLES = frozenset(
    "Monsieur Captain Colonel General Major Count Baron Duke Prince King Signor Herr "
    "Madame Mademoiselle Mme Mlle Countess Baroness Duchess Princess Queen Signora Frau "
    "Doctor Professor Inspector Sergeant Judge".split()
)

# Japanese honorifics in fan fiction ("Kakashi-sensei", "Naruto-kun") are part of how a
# character is addressed, not a different person.
HONORIFICS = ("sensei", "kun", "chan", "sama", "san", "senpai", "sempai", "dono", "nii", "nee")

SPEECH_VERBS = frozenset(
    """say says said saying ask asks asked asking reply replies replied cry cries cried
    exclaim exclaims exclaimed answer answers answered continue continues continued add adds
    added whisper whispers whispered mutter mutters muttered murmur murmurs murmured shout
    shouts shouted call calls called begin begins began return returns returned observe
    observes observed remark remarks remarked rejoin rejoined repeat repeats repeated
    interrupt interrupts interrupted order orders ordered demand demands demanded inquire
    inquires inquired enquire enquired explain explains explained declare declares declared
    protest protested retort retorted respond responded suggest suggested admit admitted
    insist insisted agree agreed went resume resumed pursue pursued persist persisted urge
    urged mumble mumbled groan groaned sigh sighed laugh laughed gasp gasped scream
    screamed yell yelled snap snapped growl growled hiss hissed breathe breathed stammer
    stammered sob sobbed plead pleaded beg begged tell tells told think thinks thought
    wonder wondered announce announced conclude concluded cry interpose interposed
    exclaim object objected assent assented reason reasoned confess confessed shriek
    shrieked roar roared bark barked whimper whimpered chuckle chuckled grumble grumbled
    sneer sneered snarl snarled drawl drawled lament lamented note noted comment
    commented point pointed warn warned write wrote read echo echoed venture ventured
    correct corrected counter countered chime chimed put shouting crying calling exclaiming
    whispering murmuring muttering remarking answering replying asking observing
    interrupting demanding inquiring declaring screaming""".split()
)

MALE_PRONOUNS = frozenset({"he", "him", "his", "himself"})
FEMALE_PRONOUNS = frozenset({"she", "her", "hers", "herself"})

# Capitalised words that are never a character: calendar words, pronouns and the
# words that most often open a sentence or a line of dialogue.
NOT_NAMES = frozenset(
    """Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April
    May June July August September October November December Christmas Easter God Heaven
    Lord Lady Sir Madam Madame Mister Miss Mrs Mr Dr I I'm I'll I've I'd Oh Ah Yes No Well
    Why What Who How When Where The A An And But Or If Then So Not Do Does Did Is Are Was
    Were Have Has Had Will Would Shall Should Can Could May Might Must He She It They We You
    His Her Its Their Our Your My Me Him Them Us This That These Those There Here Chapter
    Book Part Volume Mamma Mama Papa Mother Father Aunt Uncle Sister Brother Dear Good
    Thank Thanks Please Hello Goodbye Come Go Let Look Say Tell English French German
    Italian Spanish Russian American British Christian Indian Street Road Square Park Hall
    House Church Court Hotel Lane Hill Place Abbey Castle Bridge River Station Mount Lake
    Sunday Monsieur Mademoiselle Captain Colonel General Major Professor Doctor Inspector
    Sergeant Prince Princess King Queen Count Countess Baron Duke Duchess Miss Mme Mlle
    Ms Yeah Okay OK Hey Hi Hmm Huh Sure Sorry Nothing Everything Everyone Someone Nobody
    Somebody Everybody Anyone Anybody One Two Three First Second Last Next Now Just Even
    Still Yet After Before Because Although Though While Until Since As At In On Of To For
    With Without From By Into About Over Under Perhaps Maybe Only All Some Any Each Every
    Both Neither Either Such Very Much Many Most More Less Ah Alas Dear Indeed Certainly
    Really Of Course Nonetheless However Meanwhile Besides Otherwise Instead Suddenly
    Sensei Kun Chan Sama San Hokage Ninja""".split()
)

MONTH_NAMES = frozenset("April May June July August".split())
"""Months that are also first names."""
# "in May", "May 5th", "the first of June", "May I come?": the month or the verb.
_MONTH_FOLLOWS = re.compile(
    r"\s+(?:\d|I\b|we\b|you\b|he\b|she\b|it\b|they\b|not\b|be\b|have\b|the\s+\d)"
)

# A short list of common first names for gender when the text gives no pronoun.
MALE_NAMES = frozenset(
    """James John Robert Michael William David Richard Joseph Thomas Charles Christopher
    Daniel Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George
    Edward Ronald Timothy Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry
    Justin Scott Brandon Benjamin Samuel Frank Gregory Raymond Alexander Patrick Jack Dennis
    Jerry Tyler Aaron Henry Douglas Peter Adam Nathan Zachary Walter Kyle Harold Carl Arthur
    Gerald Roger Keith Jeremy Lawrence Sean Christian Albert Joe Ethan Austin Jesse Willie
    Billy Bryan Bruce Ralph Roy Louis Eugene Philip Harry Fred Frederick Alfred Herbert
    Hugh Ned Tom Tim Bob Bill Will Dick Jim Jimmy Ted Charlie Sam Ben Dan Max Leo Oliver
    Harry Edmund Edgar Francis Lewis Gilbert Matthew Jake Robin Ronnie Dorian Basil Alan
    Jonas Ivan Alexei Sergei Nikolai Pierre Jean Jacques Antoine Hans Karl Carlo Giovanni
    Luke Mike Nick Steve Tony Victor Vincent Wallace Wilfred Percy Reginald Cecil Cyril
    Lucas Noah Liam Mason Logan Elijah Owen Caleb Dylan Isaac Gabriel Connor Evan Hunter
    Ron Neville""".split()
)
FEMALE_NAMES = frozenset(
    """Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Nancy Lisa
    Betty Margaret Sandra Ashley Kimberly Emily Donna Michelle Dorothy Carol Amanda Melissa
    Deborah Stephanie Rebecca Sharon Laura Cynthia Kathleen Amy Shirley Angela Helen Anna
    Brenda Pamela Nicole Emma Samantha Katherine Christine Debra Rachel Catherine Carolyn
    Janet Ruth Maria Heather Diane Virginia Julie Joyce Victoria Olivia Kelly Christina
    Lauren Joan Evelyn Judith Megan Cheryl Andrea Hannah Martha Jacqueline Frances Gloria
    Ann Anne Teresa Kathryn Sara Janice Jean Alice Madison Doris Abigail Julia Judy Grace
    Denise Amber Marilyn Beverly Danielle Theresa Sophia Marie Diana Brittany Natalie
    Isabella Charlotte Rose Alexis Kayla Lucy Lucie Jane Eliza Lizzy Kitty Lydia Jenny Jenny
    Harriet Fanny Marianne Elinor Eleanor Louisa Isabel Isabelle Caroline Georgiana
    Sophie Sophy Cecily Cecilia Matilda Edith Ethel Florence Mabel Maud Agnes Beatrice
    Clara Clarissa Daisy Lily Lilian Lillian Ellen Ella Nora Polly Molly Meg Bella
    Kate Katie Betsy Bessy Maggie Peggy Sally Susie Nelly Dolly Annie Amelia Adela
    Adele Harriett Henrietta Lavinia Olga Natasha Tatiana Paulina Polina Anastasia
    Hermione Ginny Luna""".split()
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
            if titled and words[0].rstrip(".") in _BARE_TITLES:
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


_NAME_BETWEEN = re.compile(r"[.!?;\"“”]|\b[A-Z][a-z]+\b")

_VERB_ALTERNATION = "|".join(sorted(SPEECH_VERBS, key=len, reverse=True))
_WORD = r"[A-Z][a-z]+(?:['’][A-Z][a-z]+|[A-Z][a-z]+)?"
_TITLE_RE = "|".join(sorted(TITLES, key=len, reverse=True))
_CANDIDATE = re.compile(
    rf"(?<![\w.'’-])(?:(?P<title>{_TITLE_RE})\.?\s+)?"
    rf"(?P<name>{_WORD}(?:[ \t]+{_WORD})*)(?:-(?:{'|'.join(HONORIFICS)}))?(?![\w'’])"
)
_LOWER_WORD = re.compile(r"\b[a-z][a-z]+\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?…]['\"’”)]*\s+|[\"“‘'(—]\s*|\n\s*)$")
_PRONOUN = re.compile(r"\b(he|him|his|himself|she|her|hers|herself)\b", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(I|me|my|myself)\b")
_SPEECH_NEAR = re.compile(
    r"^\s+(?:\w+ly\s+)?(" + "|".join(sorted(SPEECH_VERBS, key=len, reverse=True)) + r")\b"
)
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
    forms: Counter[str] | None = None


def _narration_text(book: Book, segments: tuple[Segment, ...]) -> str:
    # Name discovery reads narration only where possible: dialogue is full of
    # exclamations and capitalised common words that are not people.
    parts = [book.document.text[s.start : s.end] for s in segments if s.kind == Kind.NARRATION]
    return "\n".join(parts) if parts else book.document.text


def find_characters(book: Book, segments: tuple[Segment, ...]) -> tuple[Character, ...]:
    """Characters named in the story, most mentioned first, plus a first-person narrator."""
    text = book.document.text
    lower_counts = Counter(m.group(0) for m in _LOWER_WORD.finditer(text))
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
            or (not title and lower_counts[words[0].lower()] > 2 * _name_hint(words[0]))
        ):
            words = words[1:]
            sentence_start = False
        if not words or any(w in NOT_NAMES for w in words) or len(words) > 3:
            continue
        key = (title, tuple(words))
        entity = entities.setdefault(key, _Entity(title, tuple(words), forms=Counter()))
        entity.count += 1
        assert entity.forms is not None
        entity.forms[match.group(0)] += 1
        after = text[match.end() : match.end() + 40]
        before = text[max(0, match.start() - 30) : match.start()]
        if _SPEECH_NEAR.match(after) or re.search(r"\b(said|cried|asked|replied)\s+$", before):
            entity.person += 2
        if title:
            entity.person += 2
        # Called by name: "Watson, sit down", "Well, Watson?" — only people are.
        if re.match(r"[,?!]", after) and re.search(r"(?:[\"“‘]|, |[Dd]ear )$", before):
            entity.person += 1
        if _PLACE_PREP.search(before) and not sentence_start:
            entity.place += 1
        # Any personal pronoun nearby says "person"; which one says little about gender.
        if _PRONOUN.search(text, match.end(), match.end() + 120):
            entity.pronouns += 1
        he, she = pronoun_votes(text, match.end(), match.start())
        entity.male += he
        entity.female += she
    found = tuple(_merge(entities, lower_counts, pronoun_base(text)))
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


def _name_hint(word: str) -> int:
    return 1000 if word in MALE_NAMES or word in FEMALE_NAMES else 0


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
        male += _NAME_VOTES
    elif entity.words[0] in FEMALE_NAMES:
        female += _NAME_VOTES
    return weigh_pronouns(male, female, base)


_NAME_VOTES = 3.0


def pronoun_base(text: str) -> float:
    """How much likelier "she"/"her" is than "he"/"his" anywhere in the text: a story
    told around a man says "he" of him all the time, so a "she" near a name means more."""
    counts = Counter(m.group(1).lower() in FEMALE_PRONOUNS for m in _PRONOUN.finditer(text))
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


def _merge(
    entities: dict[tuple[str, tuple[str, ...]], _Entity], lower: Counter[str], base: float
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
        if total < 3 or not (
            person >= 2
            or _name_hint(grp[0].words[0])
            or (pronouns >= total * 0.6 and place * 3 <= total)
        ):
            continue
        # "the Churchills", "Jews": a plural of a name or a people is not a character.
        last = grp[0].words[-1]
        if len(grp[0].words) == 1 and (
            (last.endswith("s") and (last[:-1] in entities_words or last[:-2] in entities_words))
            or last.endswith(("ish", "ese", "ian", "ans"))
        ):
            continue
        best = max(grp, key=lambda e: (e.count + 3 * len(e.words), len(e.words)))
        name = _display(best)
        aliases = sorted({_display(e) for e in grp} - {name})
        characters.append((total, Character(name, tuple(aliases), _gender_of(best, grp, base))))
    characters.sort(key=lambda pair: -pair[0])
    return [c for _, c in characters]


def _group_title_gender(group: list[_Entity]) -> Gender:
    for e in group:
        g = title_gender(e.title)
        if g is not Gender.UNKNOWN:
            return g
    return Gender.UNKNOWN


def _display(e: _Entity) -> str:
    title = e.title
    if title in {"Mr", "Mrs", "Ms", "Dr", "St"}:
        title += "."
    return " ".join(([title] if title else []) + list(e.words))


def _is_first_person(book: Book, segments: tuple[Segment, ...]) -> bool:
    """Narration that says "I" often enough is told by one of the characters."""
    text = book.document.text
    words = first = 0
    for s in segments:
        if s.kind is Kind.NARRATION:
            piece = text[s.start : s.end]
            words += piece.count(" ") + 1
            first += len(_FIRST_PERSON.findall(piece))
    return words > 0 and first / words > 0.01


__all__ = ["NARRATOR", "QUOTE_KINDS", "Mention", "alias_forms", "find_characters", "find_mentions"]
