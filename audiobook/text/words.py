"""Word lists and patterns the text stages share: speech and thought verbs, and the
cues that introduce what someone says. One copy of each."""

from __future__ import annotations

import re
from collections.abc import Iterable

CONTEXT = 60
"""Characters either side of a quote searched for a speech or thought verb."""

THOUGHT_VERBS = r"(?:thought|thinks?|thinking|wondered|wonders|wondering|mused|muses|pondered)"

THOUGHT_HINT = re.compile("thought|think|wonder|muse|ponder")

THOUGHT_AFTER = re.compile(rf"[^.!?\"“”'‘’]{{0,40}}?\b{THOUGHT_VERBS}\b", re.I)

THOUGHT_BEFORE = re.compile(rf"\b{THOUGHT_VERBS}\b[^.!?\"“”]{{0,25}}$", re.I)

SPEECH_CUES = re.compile(
    r"\b(?:said|says|say|saying|asked|asks|ask|asking|whispered|whispering|shouted|shouting"
    r"|yelled|muttered|muttering|replied|cried|crying|cries|cry|told|tell|telling"
    r"|spoke|answered|murmured|exclaimed|exclaiming|screamed|snapped|added|adding|continued"
    r"|continuing|sighed|pleaded|began|begun|repeated|returned|observed|remarked|resumed"
    r"|announced|announcing|voice|whisper|shout|exclamation|speech|hesitated"
    r"|(?:call|calls|called|calling|went|go|goes|going|burst|broke)\s+(?:out|on|forth|in))\b",
    re.I,
)


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
BARE_TITLES = frozenset(
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
    interrupting demanding inquiring declaring screaming assured ejaculated faltered
    questioned queried moaned hazarded asserted interjected implored stated quavered
    commanded confided complained entreated blurted conceded proclaimed wailed chanted
    sang crooned""".split()
)


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
    Sensei Kun Chan Sama San""".split()
)


MONTH_NAMES = frozenset("April May June July August".split())
"""Months that are also first names."""


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


PRONOUN = re.compile(r"\b(he|him|his|himself|she|her|hers|herself)\b", re.IGNORECASE)

FIRST_PERSON = re.compile(r"\b(I|me|my|myself)\b")
FIRST_PERSON_SHARE = 0.01
"""Narration saying "I", "me", "my" or "myself" more often than this per word is told
by one of the characters."""


def told_in_first_person(pieces: Iterable[str]) -> bool:
    """Whether the narration ``pieces`` are told by one of the characters."""
    words = first = 0
    for piece in pieces:
        words += piece.count(" ") + 1
        first += len(FIRST_PERSON.findall(piece))
    return words > 0 and first / words > FIRST_PERSON_SHARE


SPEECH_VERB_PATTERN = "|".join(sorted(SPEECH_VERBS, key=len, reverse=True))
"""The one speech-verb list as a regular expression alternation, longest first."""
SAID_NEARBY = re.compile(
    r"\b(?:said|says|say|asked|asks|ask|whispered|shouted|yelled|muttered|replied|called|cried"
    r"|told|tell|spoke|answered|murmured|exclaimed|screamed|snapped|added|continued)\b",
    re.I,
)
"""Verbs that say a quote beside them was spoken aloud, for segmentation to tell speech
from a thought. Deliberately not SPEECH_VERBS: that list also holds verbs that only
put a person next to a quote ("went", "laughed", "thought"), and a single-quoted
thought beside "Anne went back to her chair." must stay a thought."""
"""A speech verb from the one list, as segmentation looks for one right beside a quote."""
