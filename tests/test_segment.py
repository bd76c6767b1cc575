"""segment.py: narration, dialogue, thought, headings and matter, with exact spans."""

from __future__ import annotations

import ast
import csv
import time
from pathlib import Path

import pytest

from audiobook.models import QUOTE_KINDS, Document, Kind, Segment
from audiobook.text.read import decode, read
from audiobook.text.segment import segment
from audiobook.text.structure import structure

SEEDS = Path(__file__).parent.parent / "seeds"
PDNC = Path("/work/shared/data/pdnc")

N, D, T = Kind.NARRATION, Kind.DIALOGUE, Kind.THOUGHT


def run(text: str, read_notes: bool = False) -> tuple[Document, tuple[Segment, ...]]:
    doc = Document(text)
    return doc, segment(structure(doc), read_notes=read_notes)


def spoken(text: str) -> list[tuple[Kind, str]]:
    doc, segments = run(text)
    return [(s.kind, doc.text[s.start : s.end]) for s in segments]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '"Hello," he said. "How are you?"',
            [(D, "Hello,"), (N, "he said."), (D, "How are you?")],
        ),
        ("“Hello,” she said.", [(D, "Hello,"), (N, "she said.")]),
        ("She said „Guten Tag“ and left.", [(N, "She said"), (D, "Guten Tag"), (N, "and left.")]),
        ("«Bonjour», dit-il.", [(D, "Bonjour"), (N, ", dit-il.")]),
        ('He shouted, " Run! "', [(N, "He shouted,"), (D, "Run!")]),
        (
            "'I didn't see Obito's dog,' he said, 'nor the dogs' bowls.'",
            [(D, "I didn't see Obito's dog,"), (N, "he said,"), (D, "nor the dogs' bowls.")],
        ),
        ("‘Don’t go,’ she said.", [(D, "Don’t go,"), (N, "she said.")]),
        (
            "He liked rock 'n' roll and 'em old songs from the '90s, didn't he?",
            [(N, "He liked rock 'n' roll and 'em old songs from the '90s, didn't he?")],
        ),
        ("The team-mates' plan was Time's idea.", [(N, "The team-mates' plan was Time's idea.")]),
        ("'Tis the season.", [(N, "'Tis the season.")]),
        (
            "'Hi' he said to the boys. 'Bye,' she said.",
            [(D, "Hi"), (N, "he said to the boys."), (D, "Bye,"), (N, "she said.")],
        ),
        ("\"He said 'no' to me,\" she said.", [(D, "He said 'no' to me,"), (N, "she said.")]),
        (
            "'She said \"it's fine\" to me,' he said.",
            [(D, 'She said "it\'s fine" to me,'), (N, "he said.")],
        ),
        ('"Wait, she called.\n\nHe left.', [(D, "Wait, she called."), (N, "He left.")]),
        ('He said, "', [(N, "He said,")]),
        ("He said ''.", [(N, "He said"), (N, ".")]),
    ],
)
def test_quote_conventions(text: str, expected: list[tuple[Kind, str]]) -> None:
    assert spoken(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'He was the authority on "form" in town.',
            [(N, 'He was the authority on "form" in town.')],
        ),
        (
            'She was reading a novel called "Evelina" at the time.',
            [(N, 'She was reading a novel called "Evelina" at the time.')],
        ),
        ("The so-called 'improvement' failed.", [(N, "The so-called 'improvement' failed.")]),
        # A one-word exclamation with a speech verb, a cry, an ask, or speech after a
        # colon or at a sentence start is still dialogue.
        ('"Yes!" said he.', [(D, "Yes!"), (N, "said he.")]),
        (
            'There were cries of "Help" from below.',
            [(N, "There were cries of"), (D, "Help"), (N, "from below.")],
        ),
        ('He gave a sharp "No!" and left.', [(N, "He gave a sharp"), (D, "No!"), (N, "and left.")]),
        (
            'He turned to her and "Come in" was all he said.',
            [(N, "He turned to her and"), (D, "Come in"), (N, "was all he said.")],
        ),
        ('Then she wrote: "Come home."', [(N, "Then she wrote:"), (D, "Come home.")]),
        # Speech resumed after a few words of action in the same sentence.
        (
            '"It is only four" showing his watch "and we are early."',
            [(D, "It is only four"), (N, "showing his watch"), (D, "and we are early.")],
        ),
    ],
)
def test_scare_quotes_and_titles_are_narration(text: str, expected: list[tuple[Kind, str]]) -> None:
    assert spoken(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '"Yes, dear.--But--(in a low tone)--not now."',
            [(D, "Yes, dear.--But--"), (N, "(in a low tone)"), (D, "--not now.")],
        ),
        (
            '"A better letter (returning it,) than I expected."',
            [(D, "A better letter"), (N, "(returning it,)"), (D, "than I expected.")],
        ),
        # The stop closing the sentence before an aside goes with the aside.
        (
            '"I am a cause (loud cheers). I set out alone."',
            [(D, "I am a cause"), (N, "(loud cheers)."), (D, "I set out alone.")],
        ),
        # An aside in the speaker's own words stays in the quote.
        (
            '"He came (which I never allowed) to tea."',
            [(D, "He came (which I never allowed) to tea.")],
        ),
    ],
)
def test_stage_directions_inside_speech_are_narration(
    text: str, expected: list[tuple[Kind, str]]
) -> None:
    assert spoken(text) == expected


def test_spaced_contractions_do_not_open_quotes() -> None:
    text = "\"You 're sure he 's gone?\" she asked."
    assert spoken(text) == [(D, "You 're sure he 's gone?"), (N, "she asked.")]
    assert spoken("Then you 're late, and he 's gone.") == [
        (N, "Then you 're late, and he 's gone.")
    ]


def test_multi_paragraph_quote_continues_with_same_kind() -> None:
    text = '"First part of the speech.\n\n"Second part," he said.\n\nThe end came.'
    assert spoken(text) == [
        (D, "First part of the speech."),
        (D, "Second part,"),
        (N, "he said."),
        (N, "The end came."),
    ]


def test_multi_paragraph_single_quote() -> None:
    text = "'It began at dawn.\n\n'Then it rained,' she said."
    assert spoken(text) == [(D, "It began at dawn."), (D, "Then it rained,"), (N, "she said.")]


def test_unclosed_single_quote_is_an_apostrophe() -> None:
    assert spoken("He went 'round back.\n\nThen home.") == [
        (N, "He went 'round back."),
        (N, "Then home."),
    ]
    assert spoken("The 'hood was quiet.") == [(N, "The 'hood was quiet.")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("—Hola —dijo él.", [(D, "Hola"), (N, "dijo él.")]),
        ("—I can't—I won't go.", [(D, "I can't—I won't go.")]),
        ("― Where? ―she asked― Here?", [(D, "Where?"), (N, "she asked"), (D, "Here?")]),
    ],
)
def test_em_dash_dialogue(text: str, expected: list[tuple[Kind, str]]) -> None:
    assert spoken(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "'I have to go!' The thought made him smile.",
            [(T, "I have to go!"), (N, "The thought made him smile.")],
        ),
        ('"I should leave," she thought.', [(T, "I should leave,"), (N, "she thought.")]),
        ("He wondered, 'Why me?'", [(N, "He wondered,"), (T, "Why me?")]),
        ("*I should leave,* she thought.", [(T, "I should leave,"), (N, "she thought.")]),
        ("It was *very* late.", [(N, "It was *very* late.")]),
        ("It was _very_ odd, she thought.", [(N, "It was _very_ odd, she thought.")]),
        ("*Run,* he thought.", [(T, "Run,"), (N, "he thought.")]),
        ("'Stop,' she said to him.", [(D, "Stop,"), (N, "she said to him.")]),
    ],
)
def test_thoughts(text: str, expected: list[tuple[Kind, str]]) -> None:
    assert spoken(text) == expected


def test_single_quotes_are_thoughts_where_speech_is_double_quoted() -> None:
    text = '"One," he said.\n\n"Two," she said.\n\n"Three."\n\n\'Strange.\' He frowned.'
    assert spoken(text)[-2:] == [(T, "Strange."), (N, "He frowned.")]


def test_headings_matter_and_places() -> None:
    text = (
        'Title: T\n\nChapter 1\n\nA/N: hello\n\nOne said "two" three.\n\n***\n\nFour.\n\n'
        "Chapter 2: End\n\nFive.\n\nReview?"
    )
    doc, segments = run(text)
    got = [
        (s.kind, doc.text[s.start : s.end], s.chapter, s.scene, s.paragraph, s.reason)
        for s in segments
    ]
    assert got == [
        (Kind.FRONT_MATTER, "Title: T", 0, 0, 0, "title line"),
        (Kind.HEADING, "Chapter 1", 0, 0, 1, None),
        (Kind.FRONT_MATTER, "A/N: hello", 0, 0, 2, "author's note"),
        (N, "One said", 0, 0, 3, None),
        (D, "two", 0, 0, 3, None),
        (N, "three.", 0, 0, 3, None),
        (Kind.BACK_MATTER, "***", 0, 0, 4, "scene break"),
        (N, "Four.", 0, 1, 5, None),
        (Kind.HEADING, "Chapter 2: End", 1, 0, 6, None),
        (N, "Five.", 1, 0, 7, None),
        (Kind.BACK_MATTER, "Review?", 1, 0, 8, "review request"),
    ]


def test_read_notes_reads_authors_notes_only() -> None:
    doc, segments = run("A/N: hello\n\nDisclaimer: not mine.\n\nStory.", read_notes=True)
    assert [(s.kind, doc.text[s.start : s.end]) for s in segments] == [
        (N, "A/N: hello"),
        (Kind.FRONT_MATTER, "Disclaimer: not mine."),
        (N, "Story."),
    ]


def test_merged_headings_are_separate_heading_segments() -> None:
    doc, segments = run("BOOK I\n\n\n\n  CHAPTER\n    1\n\nStory.")
    assert [(s.kind, doc.text[s.start : s.end]) for s in segments] == [
        (Kind.HEADING, "BOOK I"),
        (Kind.HEADING, "CHAPTER\n    1"),
        (N, "Story."),
    ]


def test_crlf_offsets_map_back_to_the_source() -> None:
    source = 'Title: T\r\n\r\nHe said, "Hi."\r\nShe said, \u201cBye.\u201d\r\n'
    doc = decode(source.encode("utf-8"))
    segments = segment(structure(doc))
    for s in segments:
        start, end = doc.source_offset(s.start), doc.source_offset(s.end)
        assert source[start:end] == doc.text[s.start : s.end]
    bye = next(s for s in segments if doc.text[s.start : s.end] == "Bye.")
    assert doc.source_offset(bye.start) == source.index("Bye.")


def test_cp1252_curly_quotes_are_dialogue() -> None:
    doc = decode(b"\x93Hi,\x94 she said.")
    segments = segment(structure(doc))
    assert [(s.kind, doc.text[s.start : s.end]) for s in segments] == [(D, "Hi,"), (N, "she said.")]


def quotes_of(doc: Document, segments: tuple[Segment, ...]) -> list[tuple[Kind, str]]:
    return [(s.kind, doc.text[s.start : s.end]) for s in segments if s.kind in QUOTE_KINDS]


def test_seed_000_quotes() -> None:
    doc = read(SEEDS / "000_7375049496938e3a.txt")
    segments = segment(structure(doc))
    assert quotes_of(doc, segments) == [(D, "Why?"), (D, "I love you, dobe.")]
    assert segments[-1].kind == Kind.BACK_MATTER
    assert [s.reason for s in segments[:3]] == ["author's note", "disclaimer", "warnings"]
    assert {s.chapter for s in segments} == {0, 1, 2}


def test_seed_001_quotes() -> None:
    doc = read(SEEDS / "001_e91bbaf8ab298a21.txt")
    segments = segment(structure(doc))
    assert quotes_of(doc, segments) == [
        (T, "I have to get out of the hospital!"),
        (D, "Get me out of here,"),
        (D, "if Naruto were here this would never have happened. We need Naruto,"),
    ]
    narration = " ".join(doc.text[s.start : s.end] for s in segments if s.kind == N)
    for word in ("students' death", "Time's a-wastin'.", "Sakura's", "friend's", "team-mates"):
        assert word in narration
    # "the words 'Wish you were here!' slowly burned": written on a photograph, so the
    # narrator reads them.
    assert "the words 'Wish you were here!' slowly burned" in narration


@pytest.mark.skipif(not PDNC.is_dir(), reason="PDNC novels are not on this machine")
def test_pride_and_prejudice_quotes_fast_and_mostly_exact() -> None:
    folder = PDNC / "PrideAndPrejudice"
    doc = read(folder / "novel_text.txt")
    started = time.perf_counter()
    segments = segment(structure(doc))
    assert time.perf_counter() - started < 5
    found = {(s.start, s.end) for s in segments if s.kind in QUOTE_KINDS}
    with (folder / "quotation_info.csv").open() as f:
        gold = [
            (a, b)
            for row in csv.DictReader(f)
            for a, b in ast.literal_eval(row["quoteByteSpans"])
            if doc.text[a:b] == doc.text[a:b].strip()
        ]
    assert sum(span in found for span in gold) >= 0.95 * len(gold)


LETTER = (
    "A note came for Anne before breakfast.\n\n"
    '"Bath, Tuesday."\n\n'
    '"My dear Anne,"\n\n'
    '"Come at once. The house is quite empty without you."\n\n'
    '"Yours affectionately,"\n\n'
    '"MARY ELLIOT."\n\n'
    '"Well?" said her father.'
)


def test_a_quoted_letter_is_read_by_the_narrator() -> None:
    assert spoken(LETTER) == [
        (N, "A note came for Anne before breakfast."),
        (N, '"Bath, Tuesday."'),
        (N, '"My dear Anne,"'),
        (N, '"Come at once. The house is quite empty without you."'),
        (N, '"Yours affectionately,"'),
        (N, '"MARY ELLIOT."'),
        (D, "Well?"),
        (N, "said her father."),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Narration announcing a note: its first quoted paragraph is the note.
        (
            'He found it contained only these words:\n\n"Meet me at noon."\n\n"Why?" he asked.',
            [
                (N, "He found it contained only these words:"),
                (N, '"Meet me at noon."'),
                (D, "Why?"),
                (N, "he asked."),
            ],
        ),
        # An unquoted salutation line before the quoted body.
        (
            'WINDSOR, JULY.\nMY DEAR MADAM,\n\n"I write in haste."\n\n"Of course," said Emma.',
            [
                (N, "WINDSOR, JULY."),
                (N, "MY DEAR MADAM,"),
                (N, '"I write in haste."'),
                (D, "Of course,"),
                (N, "said Emma."),
            ],
        ),
        # "Dear me!" and a mention of letters are no letter.
        ('"Dear me!" said she.', [(D, "Dear me!"), (N, "said she.")]),
        (
            '"My dear,"\n\n"Yes?"',
            [(D, "My dear,"), (D, "Yes?")],
        ),
        (
            'She had two letters in her hand.\n\n"Any news?"\n\n"None."',
            [(N, "She had two letters in her hand."), (D, "Any news?"), (D, "None.")],
        ),
        (
            'She read the letter and said:\n\n"How odd."',
            [(N, "She read the letter and said:"), (D, "How odd.")],
        ),
    ],
)
def test_letters_need_strong_evidence(text: str, expected: list[tuple[Kind, str]]) -> None:
    assert spoken(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'He felt like answering: "Not yet." But he only smiled.',
            [(N, 'He felt like answering: "Not yet." But he only smiled.')],
        ),
        (
            'She looked round, as much as to say, "Are you all like this?"',
            [(N, 'She looked round, as much as to say, "Are you all like this?"')],
        ),
        (
            '"Too bad," the groom could fancy his uncle saying.',
            [(N, '"Too bad," the groom could fancy his uncle saying.')],
        ),
        # Said aloud, however reluctantly.
        (
            'Emma could not help saying, "How kind."',
            [(N, "Emma could not help saying,"), (D, "How kind.")],
        ),
        (
            'She almost invariably replied: "Not today."',
            [(N, "She almost invariably replied:"), (D, "Not today.")],
        ),
    ],
)
def test_unspoken_words_are_narration(text: str, expected: list[tuple[Kind, str]]) -> None:
    assert spoken(text) == expected


# A text whose apostrophes and inner quote marks were turned into spaces ("didn t"),
# with double spaces where a mark stood and one space between sentences.
LOST = "Ann wasn t sure. She didn t know. It was late. The  boys  names were odd.\n\n" * 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A story over paragraphs: inner quotes alternate with the teller's words.
        (
            '"I went up to the  boys  gate.  Who are you?  said I.  A friend,  said he,'
            ' and off he ran.\n\n"That was all."',
            [
                (D, "I went up to the  boys  gate."),
                (N, "Who are you?"),
                (D, "said I."),
                (N, "A friend,"),
                (D, "said he, and off he ran."),
                (D, "That was all."),
            ],
        ),
        # A story told over paragraphs: an inner quote may run on to the paragraph's end.
        (
            '"We waited all night. At dawn the captain came in.  Pack up, lads.\n\n'
            '"And so we did."',
            [
                (D, "We waited all night. At dawn the captain came in."),
                (N, "Pack up, lads."),
                (D, "And so we did."),
            ],
        ),
        # An inner quote in a one-paragraph speech stays with the speech.
        (
            '"She only said  Not now,  and left."',
            [(D, "She only said  Not now,  and left.")],
        ),
        # Marks that do not pair up take nothing.
        (
            '"We came to the gate.\n\n"I said,  Wait,  said he,  and the rest."',
            [(D, "We came to the gate."), (D, "I said,  Wait,  said he,  and the rest.")],
        ),
    ],
)
def test_lost_inner_quote_marks_are_recovered(text: str, expected: list[tuple[Kind, str]]) -> None:
    got = spoken(LOST + text)
    assert got[-len(expected) :] == expected


@pytest.mark.parametrize(
    "filler",
    [
        "Ann wasn't sure. She didn't know the boys' names.\n\n" * 5,
        # Sentences parted by two spaces, as typists did.
        "Ann wasn t sure.  She didn t know.  It was late.\n\n" * 5,
    ],
)
def test_double_spaces_are_not_lost_marks_in_other_texts(filler: str) -> None:
    text = '"I went up.  Who are you?  said I.  A friend,  said he, and off he ran.\n\n"Yes."'
    assert spoken(filler + text)[-2:] == [(D, text[1:-8]), (D, "Yes.")]


def test_a_single_quoted_thought_beside_an_action_verb_stays_a_thought() -> None:
    # In a story told with double quotes, single quotes mark thoughts; "went" puts
    # Anne beside the quote but says nothing of speaking it aloud.
    text = (
        '"Hello," said Anne. "Good night."\n\n'
        "Anne went back to her chair. 'What a fool I have been.'\n\n"
        '"Yes," said Diana.\n'
    )
    book = structure(Document(text))
    kinds = {text[s.start : s.end]: s.kind for s in segment(book)}
    assert kinds["What a fool I have been."] is Kind.THOUGHT
    assert kinds["Hello,"] is Kind.DIALOGUE
