"""Archive character tags seed the cast: full names, given and family names as aliases."""

from __future__ import annotations

import pytest

from audiobook.models import Character, Gender
from audiobook.text.tagged import TAGS, tag_names, with_tags


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("Uzumaki Naruto", ("Uzumaki Naruto", ("Uzumaki", "Naruto", "Naruto Uzumaki"))),
        ("Harry Potter", ("Harry Potter", ("Harry", "Potter", "Potter Harry"))),
        ("Naruto U.", ("Naruto", ())),
        ("Hatake Kakashi (Naruto)", ("Hatake Kakashi", ("Hatake", "Kakashi", "Kakashi Hatake"))),
        ("Sirius Orion Black", ("Sirius Orion Black", ("Sirius", "Orion", "Black"))),
        ("Original Female Character(s)", None),
        ("Original Characters", None),
        ("Reader", None),
        ("Harry Potter/Draco Malfoy", None),
        ("", None),
    ],
)
def test_tag_names(tag, expected):
    assert tag_names(tag) == expected


TEXT = (
    '"Yes." Arashi agreed. He nodded. "Move," said Mori Kaede. She ran. '
    "Tanabe Jirou watched her go. He sighed. Jirou waited."
)


def test_tags_take_over_the_characters_the_text_names():
    found = (Character("Arashi", (), Gender.MALE), Character("Kaede", (), Gender.FEMALE),
             Character("Tanabe Jirou", ("Jirou",), Gender.MALE))
    cast = with_tags(TEXT, found, ("Hoshino Arashi", "Mori Kaede", "Arashi H."))
    assert [c.name for c in cast] == ["Hoshino Arashi", "Mori Kaede", "Tanabe Jirou"]
    arashi, kaede, jirou = cast
    assert arashi.origin == kaede.origin == TAGS and jirou.origin == "text"
    assert "Arashi" in arashi.aliases and "Hoshino" in arashi.aliases
    assert (arashi.gender, kaede.gender) == (Gender.MALE, Gender.FEMALE)


def test_a_tag_the_text_never_matched_is_kept_with_its_gender_from_the_text():
    cast = with_tags(TEXT, (), ("Tanabe Jirou",))
    assert cast == (Character("Tanabe Jirou", ("Tanabe", "Jirou", "Jirou Tanabe"),
                              Gender.MALE, TAGS),)
