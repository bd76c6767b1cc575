"""Invariants of characters and attribution on generated dialogue: every speaker is a
known character, a given cast's names are the only names, and the result is the same
every time."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.models import Character, Document, Gender, Kind
from audiobook.text.attribute import attribute, attribute_explained
from audiobook.text.characters import find_characters
from audiobook.text.segment import segment
from audiobook.text.structure import structure

NAMES = ("Anna", "Boris", "Mr. Clay", "Dora", "Elias", "Mrs. Fenwick")
VERBS = ("said", "asked", "whispered", "replied", "laughed", "muttered")
LINES = ("Come here.", "Why not?", "I know, I know", "Never again!", "Look at that.")


@st.composite
def dialogue(draw: st.DrawFn) -> str:
    """Paragraphs of quotes attributed in the common ways (or not at all), with some
    narration between them."""
    paragraphs = []
    for _ in range(draw(st.integers(1, 14))):
        name = draw(st.sampled_from(NAMES))
        line = draw(st.sampled_from(LINES))
        verb = draw(st.sampled_from(VERBS))
        form = draw(st.integers(0, 5))
        paragraphs.append((
            f'"{line}" {verb} {name}.',
            f'"{line}" {name} {verb}.',
            f'{name} {verb}, "{line}"',
            f'"{line}"',
            f'"{line}" {"he" if draw(st.booleans()) else "she"} {verb}.',
            f"{name} looked out of the window for a long time.",
        )[form])
    return "\n\n".join(paragraphs) + "\n"


def _prepared(text: str):
    book = structure(Document(text))
    return book, segment(book)


@settings(max_examples=120, deadline=None)
@given(dialogue())
def test_every_speaker_is_a_found_character_and_the_result_is_the_same_each_time(text):
    book, segments = _prepared(text)
    characters = find_characters(book, segments)
    first, rules = attribute_explained(book, segments, characters)
    names = {c.name for c in characters}
    for seg in first:
        if seg.kind in (Kind.DIALOGUE, Kind.THOUGHT):
            assert seg.speaker is None or seg.speaker in names
        else:
            assert seg.speaker is None
    assert [(s.start, s.end, s.kind) for s in first] == [(s.start, s.end, s.kind) for s in segments]
    again, rules_again = attribute_explained(book, segments, find_characters(book, segments))
    assert again == first and rules_again == rules


@settings(max_examples=120, deadline=None)
@given(dialogue(), st.lists(st.sampled_from(NAMES[:4]), min_size=1, max_size=3, unique=True))
def test_a_given_cast_is_the_only_source_of_names(text, cast):
    book, segments = _prepared(text)
    characters = tuple(Character(name, (), Gender.UNKNOWN) for name in cast)
    for seg in attribute(book, segments, characters):
        assert seg.speaker is None or seg.speaker in cast
