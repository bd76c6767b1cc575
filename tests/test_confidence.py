"""The confidence attribution puts on each quote: a probability, set on every quote,
higher for an explicit attribution than for a guess, from the shipped model."""

from __future__ import annotations

from audiobook.models import QUOTE_KINDS, Character, Gender, Kind
from audiobook.text.attribute import attribute, attribute_explained
from audiobook.text.attribute.confidence import EXPLICIT_RULES, model
from tests.conftest import passage

ANNA = Character("Anna", (), Gender.FEMALE)
BORIS = Character("Boris", (), Gender.MALE)

SETTING = (
    "The evening drew on. Anna and Boris walked along the river for a long while, past "
    "the mills and the old bridge, past the houses where the lamps were being lit one "
    "by one, and neither of them said anything for a long time. The water was dark and "
    "slow. Boris thought about the letter in his pocket and about the train in the "
    "morning, and Anna thought about her mother, who would be waiting up for them, as "
    "she always did, with the kettle on and the door unlocked. At the end of the path "
    "they stopped by the railing and looked down at the water for some minutes.\n\n"
)
EXCHANGE = ["Why?", "Because it is late.", "It is not so late.", "It is late enough.",
            "Then go.", "I will not go alone.", "Then stay.", "I cannot stay either."]  # fmt: skip
TEXT = '"Go," said Anna.\n\n' + SETTING + "\n\n".join(f'"{line}"' for line in EXCHANGE)


def test_every_quote_gets_a_confidence_between_0_and_1() -> None:
    book, segments = passage(TEXT)
    out = attribute(book, segments, (ANNA, BORIS))
    quotes = [s for s in out if s.kind in QUOTE_KINDS]
    assert len(quotes) == 1 + len(EXCHANGE)
    assert all(s.confidence is not None and 0.0 <= s.confidence <= 1.0 for s in quotes)
    assert all(s.confidence is None for s in out if s.kind not in QUOTE_KINDS)
    assert all(s.confidence == 0.0 for s in quotes if s.speaker is None)


def test_an_explicit_attribution_is_surer_than_a_guess_in_a_long_exchange() -> None:
    book, segments = passage(TEXT)
    out, rules = attribute_explained(book, segments, (ANNA, BORIS))
    quotes = [(i, s) for i, s in enumerate(out) if s.kind is Kind.DIALOGUE]
    (first, said), *exchange = quotes
    assert said.speaker == "Anna" and rules[first].startswith("explicit")
    assert said.confidence is not None and said.confidence > 0.9
    guessed = [s.confidence for i, s in exchange if rules.get(i) not in EXPLICIT_RULES]
    assert guessed and max(c or 0.0 for c in guessed) < said.confidence


def test_a_quote_nobody_can_be_given_has_confidence_zero() -> None:
    book, segments = passage('"Nobody knows who says this."')
    (quote,) = [s for s in attribute(book, segments, (ANNA,)) if s.kind is Kind.DIALOGUE]
    assert quote.speaker is None and quote.confidence == 0.0


def test_the_shipped_model_loads_and_names_its_features() -> None:
    fitted = model()
    assert fitted.features and len(fitted.features) == len(fitted.weights)
    assert len(fitted.mean) == len(fitted.scale) == len(fitted.features)
    assert any(name.startswith("rule=") for name in fitted.features)
    assert 0.0 < fitted.probability({}) < 1.0
