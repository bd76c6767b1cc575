"""citations.py: cited passages, epigraphs, notices and inscriptions are narration."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiobook.models import Document, Kind
from audiobook.text.citations import is_source
from audiobook.text.read import load
from audiobook.text.segment import segment
from audiobook.text.structure import structure

N, D = Kind.NARRATION, Kind.DIALOGUE

# A commonplace-book page of cited passages, numbered and not, with their sources after
# the closing mark, on the next line or as a paragraph of their own; then a chapter
# under an epigraph, with a shop sign and an ordinary conversation.
COMMONPLACE = (
    "SAYINGS ABOUT RIVERS\n\n"
    "Gathered by a Retired Lock-Keeper.\n\n"
    '1. "The river keeps no account of the mills it has turned." —Hollin\'s Almanack.\n\n'
    '2. "Who fords the stream in spring shall find it deeper than he thought."\n'
    "—GRAVESEND'S BOOK OF WEATHER.\n\n"
    '"Reeds bend, and so the bank remains."\n\n'
    "— The Ferryman's Song, Verse II\n\n"
    '"And the waters ran clear from the hills to the sea." (Tobias 4:12)\n\n'
    '"A lock is but a patient door."\n'
    "*Sir A. Pennick.*\n\n"
    '"Let the miller grumble; the river has other business." -- Mrs. Orley\'s '
    "_Letters from the Fens_.\n\n"
    "CHAPTER I\n\n"
    '"The tide waits for the tired as for the quick."\n\n'
    "—Old Wharf Proverb\n\n"
    "Martha opened the shutters of the bakery on Lock Street. "
    'Above the door the sign read: "FRESH BREAD DAILY."\n\n'
    "A gust rattled the window.\n\n"
    '"You are early," said Tom, stamping the snow from his boots.\n\n'
    '"The bread is not," Martha answered. "Come back at nine."\n\n'
    '"I will," he said.'
)


def spoken(text: str) -> list[tuple[Kind, str]]:
    doc = Document(text)
    return [(s.kind, doc.text[s.start : s.end]) for s in segment(structure(doc))]


def test_cited_passages_epigraph_and_sign_are_narration_and_talk_is_dialogue() -> None:
    got = spoken(COMMONPLACE)
    assert [words for kind, words in got if kind is D] == [
        "You are early,",
        "The bread is not,",
        "Come back at nine.",
        "I will,",
    ]
    narrated = " ".join(words for kind, words in got if kind is N)
    for words in (
        "The river keeps no account",
        "deeper than he thought",
        "Reeds bend",
        "The Ferryman's Song",
        "the waters ran clear",
        "a patient door",
        "other business",
        "The tide waits",
        "—Old Wharf Proverb",
        '"FRESH BREAD DAILY."',
    ):
        assert words in narrated


@pytest.mark.parametrize(
    "text",
    [
        # A verse epigraph in two quoted paragraphs, the first left open.
        '"Slow the barges, slow the years,\n\n"Slow the water at the weir."\n\n—J. Marrow',
        # Verse set one line to a paragraph, as pages give it, the source on its own line.
        '"Oh, the long grey river,\nAnd the slow grey sea."\n—BARGEMAN\'S SONG.',
        # A source in italics after the dash.
        '"All rivers are one river." —*The Boatman\'s Primer*.',
        # Brackets with a title and an act.
        '"Hark, the sluice." (Weirside, Act III)',
    ],
)
def test_a_quote_with_a_source_is_narration(text: str) -> None:
    assert all(kind is N for kind, _ in spoken(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'On the gate were carved the words "WORK AND HOPE".',
            [(N, 'On the gate were carved the words "WORK AND HOPE".')],
        ),
        (
            'The card bore the legend: "Mr. Fenwick, Surveyor."',
            [(N, 'The card bore the legend: "Mr. Fenwick, Surveyor."')],
        ),
        (
            'The notice on the door said: "Closed until Monday."',
            [(N, 'The notice on the door said: "Closed until Monday."')],
        ),
        (
            '"NO ENTRY," ran the notice on the gate.',
            [(N, '"NO ENTRY," ran the notice on the gate.')],
        ),
        (
            'The headline was plain enough: "FLOOD AT MARLOW."',
            [(N, 'The headline was plain enough: "FLOOD AT MARLOW."')],
        ),
        (
            '"Beware of the dog" was painted on the fence.',
            [(N, '"Beware of the dog" was painted on the fence.')],
        ),
        # Spoken words stay speech, even beside a written object.
        (
            'She held up the card and said, "Look at this."',
            [(N, "She held up the card and said,"), (D, "Look at this.")],
        ),
        (
            'He whispered the words: "I am sorry."',
            [(N, "He whispered the words:"), (D, "I am sorry.")],
        ),
        (
            'He had read the notice. "We leave tonight," he said.',
            [(N, "He had read the notice."), (D, "We leave tonight,"), (N, "he said.")],
        ),
    ],
)
def test_notices_and_inscriptions(text: str, expected: list[tuple[Kind, str]]) -> None:
    assert spoken(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # A dash after a quote that the story goes on from.
        '"I only meant--" --Mary turned away.',
        '"Wait!"—Then he was gone.',
        '"But I meant—" —Yes, she had.',
        # A bracketed aside is no reference.
        '"Order, order." (Laughter.)',
    ],
)
def test_dashes_and_asides_after_speech_are_no_source(text: str) -> None:
    assert spoken(text)[0][0] is D


def test_a_dash_line_after_narration_stays_dash_dialogue() -> None:
    assert spoken("Juan entró.\n\n—Hola.") == [(N, "Juan entró."), (D, "Hola.")]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("WEBSTER'S DICTIONARY", True),
        ("Milton's Paradise Lost.", True),
        ("_Job_.", True),
        ("Hamlet, Act III", True),
        ("Sir T. Browne.", True),
        ("Thomas Hale's Memorial to the Admiralty in 1791.", True),
        ("Mary turned away.", False),
        ("Then he left.", False),
        ("Yes.", False),
        ("Why not?", False),
    ],
)
def test_is_source(words: str, expected: bool) -> None:
    assert is_source(words) is expected


@pytest.mark.parametrize(
    "text",
    [
        'She could just catch the words, "far too late for that!"',
        '"Well," she thought, gazing at a notice printed on the wall, "he is right."',
        'She had written: "Come home."',
    ],
)
def test_words_heard_thought_or_written_by_a_character_are_no_inscription(text: str) -> None:
    assert any(kind is not N for kind, _ in spoken(text))


# A page as an EPUB gives it: a blockquote with a source paragraph, verse broken by
# <br/>, a source after the closing mark; then a chapter of talk.
PAGE = """<html><head><title>Sayings</title></head><body>
<h1>Sayings About Rivers</h1>
<p>Gathered by a retired lock-keeper, who vouches for none of them.</p>
<blockquote><p>&#8220;The river keeps no account of the mills it has turned.&#8221;</p>
<p class="source">&#8212;<i>Hollin&#8217;s Almanack</i>.</p></blockquote>
<p>&#8220;Oh, the long grey river,<br/>And the slow grey sea.&#8221;<br/>
&#8212;BARGEMAN&#8217;S SONG.</p>
<p>&#8220;A lock is but a patient door.&#8221; &#8212;SIR A. PENNICK.</p>
<h1>Chapter 1. Morning</h1>
<p>&#8220;You are early,&#8221; said Tom.</p>
</body></html>"""


def test_cited_passages_on_a_page_are_narration() -> None:
    doc = load(PAGE.encode(), path=Path("sayings.html"))
    got = [(s.kind, doc.text[s.start : s.end]) for s in segment(structure(doc))]
    assert [words for kind, words in got if kind is D] == ["You are early,"]
    assert (N, "—BARGEMAN’S SONG.") in got
