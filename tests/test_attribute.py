"""Attribution rules, each on a short passage shaped like the case it is for."""

from __future__ import annotations

import pytest

from audiobook.models import (
    Character,
    Gender,
    Kind,
    Segment,
)
from audiobook.text.attribute import attribute, attribute_explained
from tests.conftest import passage

KAKASHI = Character("Kakashi", ("Hatake Kakashi", "Kakashi-sensei"), Gender.MALE)
GAI = Character("Gai", (), Gender.MALE)
SASUKE = Character("Sasuke", ("Uchiha Sasuke",), Gender.MALE)
ITACHI = Character("Itachi", (), Gender.MALE)
NARUTO = Character("Naruto", ("Naruto-kun",), Gender.MALE)
SAKURA = Character("Sakura", (), Gender.FEMALE)
ELIZABETH = Character("Elizabeth", ("Lizzy", "Elizabeth Bennet"), Gender.FEMALE)
MR_BENNET = Character("Mr. Bennet", (), Gender.MALE)
MRS_BENNET = Character("Mrs. Bennet", (), Gender.FEMALE)


def speakers(text: str, *characters: Character) -> list[str | None]:
    book, segments = passage(text)
    return [s.speaker for s in attribute(book, segments, characters) if s.kind is Kind.DIALOGUE]


@pytest.mark.parametrize(
    "text",
    [
        '"Get me out of here," Kakashi said.',
        '"Get me out of here," said Kakashi.',
        '"Get me out of here," Kakashi muttered.',
        'Kakashi said, "Get me out of here."',
        'Kakashi muttered "Get me out of here."',
        '"Get me out of here," said Kakashi-sensei quietly.',
        '"Get me out of here," Hatake Kakashi said.',
        '"Get me out," Kakashi, with a sigh, said.',
    ],
)
def test_named_speaker_with_speech_verb_either_side(text: str) -> None:
    assert speakers(text, KAKASHI, GAI) == ["Kakashi"]


def test_name_inside_quote_is_not_its_speaker() -> None:
    text = '"Gai is late again," said Kakashi.'
    assert speakers(text, KAKASHI, GAI) == ["Kakashi"]


def test_pronoun_resolves_to_salient_subject_not_object() -> None:
    # Seed: Gai is named in the sentence, but as the object; Kakashi is the subject.
    text = (
        "Kakashi knew that with Sakura out of the way there was no one left.\n\n"
        'He turned to Gai with a serious look. "Get me out of here," he ordered'
    )
    assert speakers(text, KAKASHI, GAI, SAKURA) == ["Kakashi"]


def test_pronoun_before_quote_resolves_past_a_later_object_name() -> None:
    # Seed: Itachi is named after Sasuke, but Sasuke is the scene's subject.
    text = (
        "Why? Sasuke didn't know why.\n\n"
        "So much for avenging Itachi.\n\n"
        "That's what he should say, again.\n\n"
        'Instead, he gathered the necessary air and muttered "I love you, dobe."'
    )
    assert speakers(text, SASUKE, ITACHI, NARUTO) == ["Sasuke"]


def test_possessive_subject_makes_the_owner_salient() -> None:
    # Seed: "Naruto's reddening eyes" is the subject, so "he" is Naruto.
    text = (
        "Sasuke fought for another breath, holding him above Naruto.\n\n"
        "Naruto's reddening eyes were panicked. A thousand inquiries were at the tip of his "
        'tongue…but all he could manage was "Why?"'
    )
    assert speakers(text, SASUKE, NARUTO) == ["Naruto"]


def test_indefinite_speaker_is_unknown_even_with_a_name_inside() -> None:
    # Seed: "someone would say" — nobody we know; Naruto is named inside, Kakashi after.
    text = (
        "Kakashi could practically feel the discontent. It was often that someone would say; "
        "'if Naruto were here this would never have happened. We need Naruto,' to his "
        "friends, speaking especially loud so that Kakashi would hear it."
    )
    assert speakers(text, KAKASHI, NARUTO) == [None]


def test_unattributed_quotes_are_none() -> None:
    assert speakers('"Nobody knows who says this."', KAKASHI) == [None]


def test_other_quotes_of_a_paragraph_share_its_speaker() -> None:
    text = '"Well," said Elizabeth, "I never."'
    assert speakers(text, ELIZABETH, MR_BENNET) == ["Elizabeth", "Elizabeth"]


def test_vocative_names_the_next_speaker() -> None:
    text = (
        '"Mr. Bennet, have you heard that Netherfield is let at last?" said Mrs. Bennet.\n\n'
        '"I have not."'
    )
    assert speakers(text, MR_BENNET, MRS_BENNET) == ["Mrs. Bennet", "Mr. Bennet"]


def test_two_speakers_alternate_through_a_conversation() -> None:
    text = (
        '"Is it far?" asked Elizabeth.\n\n'
        '"Three miles," said Mr. Bennet.\n\n'
        '"Then I shall walk."\n\n'
        '"In this weather?"\n\n'
        '"Certainly."'
    )
    assert speakers(text, ELIZABETH, MR_BENNET) == [
        "Elizabeth",
        "Mr. Bennet",
        "Elizabeth",
        "Mr. Bennet",
        "Elizabeth",
    ]


def test_subject_of_action_before_quote() -> None:
    text = 'Elizabeth smiled at Mr. Bennet. "You are too kind."'
    assert speakers(text, ELIZABETH, MR_BENNET) == ["Elizabeth"]


def test_only_character_in_paragraph() -> None:
    text = 'With a glance at the window, and a laugh for Elizabeth: "Not yet."'
    assert speakers(text, ELIZABETH, MR_BENNET) == ["Elizabeth"]


def test_single_quoted_thought_takes_the_point_of_view_character() -> None:
    text = "Kakashi woke in a hospital bed.\n\n'I have to get out,' he thought."
    assert speakers(text, KAKASHI, SAKURA) == ["Kakashi"]


def test_first_person_narrator() -> None:
    narrator = Character("Narrator", ("I",))
    text = '"Where are we going?" I asked. I looked at Gai and my heart sank.'
    assert speakers(text, narrator, GAI) == ["Narrator"]


def test_works_with_no_characters_and_leaves_other_segments_alone() -> None:
    book, segments = passage('Rain fell. "Who is there?" said a voice.')
    out = attribute(book, segments, ())
    assert [s.speaker for s in out] == [None, None, None]
    assert [s for s in out if s.kind is Kind.NARRATION] == [
        s for s in segments if s.kind is Kind.NARRATION
    ]


def test_every_attributed_segment_names_its_rule() -> None:
    book, segments = passage('"Yes," said Elizabeth.')
    out, rules = attribute_explained(book, segments, (ELIZABETH,))
    (quote,) = (i for i, s in enumerate(out) if s.kind is Kind.DIALOGUE)
    assert rules == {quote: "explicit-after-inverted"}
    assert out[quote].speaker == "Elizabeth"


def test_person_named_just_before_the_verb_speaks() -> None:
    text = 'Emma was silent, till she heard Harriet say in a low voice, "I shall never marry."'
    emma = Character("Emma", (), Gender.FEMALE)
    harriet = Character("Harriet", (), Gender.FEMALE)
    assert speakers(text, emma, harriet) == ["Harriet"]


def test_ambiguous_first_name_goes_to_the_one_named_last() -> None:
    hayter = Character("Charles Hayter", (), Gender.MALE)
    musgrove = Character("Charles Musgrove", (), Gender.MALE)
    text = 'Charles Musgrove came in late.\n\n"We must go," said Charles.'
    assert speakers(text, hayter, musgrove) == ["Charles Musgrove"]


def test_narration_paragraph_before_an_unattributed_turn_names_the_speaker() -> None:
    text = (
        '"You came at last," said Elizabeth.\n\n'
        "Mr. Bennet laughed and took off his hat.\n\n"
        '"I always do."'
    )
    assert speakers(text, ELIZABETH, MR_BENNET) == ["Elizabeth", "Mr. Bennet"]


def test_alternation_stops_at_a_long_narration_break() -> None:
    # Past the break only the weaker best guess (the latest speaker) is left.
    long_break = "The rain went on. " * 40
    text = (
        '"Is it far?" asked Elizabeth.\n\n'
        '"Three miles," said Mr. Bennet.\n\n'
        f"{long_break}\n\n"
        '"Then I shall walk."'
    )
    book, segments = passage(text)
    out, rules = attribute_explained(book, segments, (ELIZABETH, MR_BENNET))
    last = max(i for i, s in enumerate(out) if s.kind is Kind.DIALOGUE)
    assert (out[last].speaker, rules[last]) == ("Mr. Bennet", "best-guess")


def rules_of(text: str, *characters: Character) -> list[tuple[str | None, str | None]]:
    book, segments = passage(text)
    out, rules = attribute_explained(book, segments, characters)
    return [(s.speaker, rules.get(i)) for i, s in enumerate(out) if s.kind is Kind.DIALOGUE]


def test_speaker_after_the_and_an_adjective() -> None:
    hare = Character("Hare", ("March Hare",), Gender.MALE)
    thorpe = Character("Mrs. Thorpe", (), Gender.FEMALE)
    text = '"I deny it!" said the March Hare.\n\n"Indeed," said the gentle Mrs. Thorpe.'
    assert speakers(text, hare, thorpe, ELIZABETH) == ["Hare", "Mrs. Thorpe"]


def test_unlisted_past_tense_verb_next_to_a_name() -> None:
    text = (
        '"I would rather not pass at all," flashed Elizabeth.\n\n'
        '"I am sorry," Mr. Bennet apologized.\n\n'
        '"Yes." Mr. Bennet tittered.'
    )
    assert rules_of(text, ELIZABETH, MR_BENNET)[:2] == [
        ("Elizabeth", "explicit-after-inverted"),
        ("Mr. Bennet", "explicit-after-name"),
    ]
    # After a quote that ends its sentence, an unlisted verb starts a new one: the
    # turn is left to the conversation (Elizabeth and Mr. Bennet alternate).
    assert rules_of(text, ELIZABETH, MR_BENNET)[2] == ("Elizabeth", "alternation")


def test_role_of_known_gender_is_found_in_lower_case() -> None:
    cook = Character("The Cook", (), Gender.FEMALE)
    painter = Character("The Painter", ())
    text = '"Pepper, mostly," said the cook.\n\n"Not at all," said the painter.'
    assert speakers(text, cook, painter)[0] == "The Cook"
    # A role of unknown gender may describe a named character: no lower-case match,
    # so no rule decides the second line and it is only a best guess.
    assert rules_of(text, cook, painter)[1][1] == "best-guess"


def test_narration_paragraph_ending_in_said_leads_into_the_quote() -> None:
    text = (
        "Mr. Bennet looked up from his book, and Elizabeth, after a pause, said,--\n\n"
        '"I shall walk to Meryton."'
    )
    assert rules_of(text, ELIZABETH, MR_BENNET) == [("Elizabeth", "lead-in")]


def test_best_guess_follows_conversation_parity() -> None:
    text = (
        '"Is it far?" asked Elizabeth.\n\n'
        '"Three miles."\n\n'
        '"Then I shall walk."\n\n'
        '"In this weather?"\n\n'
        '"Certainly."'
    )
    got = rules_of(text, ELIZABETH, MR_BENNET)
    assert [who for who, _ in got][::2] == ["Elizabeth", "Elizabeth", "Elizabeth"]


def test_pronoun_after_quote_prefers_recent_speaker_of_that_gender() -> None:
    text = (
        '"Where is the book?" said Mr. Bennet.\n\n'
        '"On the table," said Elizabeth.\n\n'
        '"Then fetch it," he said.'
    )
    assert speakers(text, ELIZABETH, MR_BENNET) == ["Mr. Bennet", "Elizabeth", "Mr. Bennet"]


def test_pronoun_speaker_is_the_conversation_partner_of_that_gender() -> None:
    # The latest male subject is Mr. Darcy (his letter), but the conversation is
    # Elizabeth's and Mr. Bennet's, and "he" answers her when she addresses him.
    darcy = Character("Mr. Darcy", (), Gender.MALE)
    text = (
        '"Is it far?" asked Elizabeth.\n\n'
        '"Three miles," said Mr. Bennet.\n\n'
        '"Then I shall walk, Mr. Bennet," said Elizabeth. '
        "Mr. Darcy's letter lay on the table.\n\n"
        '"In this weather?" he asked.'
    )
    assert speakers(text, ELIZABETH, MR_BENNET, darcy)[-1] == "Mr. Bennet"


def test_name_joined_by_and_is_not_a_subject_on_its_own() -> None:
    # "for Naruto and Sasuke's lives" does not make Sasuke the one "he" stands for.
    text = (
        "Kakashi knew that there was no one left to fight for Naruto and Sasuke's lives.\n\n"
        'He turned to Gai with a serious look. "Get me out of here," he ordered.'
    )
    assert speakers(text, KAKASHI, GAI, NARUTO, SASUKE) == ["Kakashi"]


def test_thought_goes_to_the_point_of_view_character() -> None:
    text = (
        "Kakashi woke in a hospital bed. Kakashi looked at the ceiling. Kakashi sighed.\n\n"
        "*I have to get out of here.* It was his usual thought, how to leave without "
        "Sakura killing him."
    )
    book, segments = passage(text)
    start = text.index("I have")
    thought = Segment(Kind.THOUGHT, start, text.index(".*") + 1, paragraph=1)
    kept = [s for s in segments if s.end <= thought.start or s.start >= thought.end]
    segments = tuple(sorted([*kept, thought], key=lambda s: s.start))
    out = attribute(book, segments, (KAKASHI, SAKURA))
    assert [s.speaker for s in out if s.kind is Kind.THOUGHT] == ["Kakashi"]


def test_name_before_the_verb_after_then_and_the() -> None:
    # A clause opened by a capitalised "Then"/"And", a role written "the White Rabbit".
    rabbit = Character("The White Rabbit", ("The Rabbit",), Gender.MALE)
    alice = Character("Alice", (), Gender.FEMALE)
    text = (
        'Then Elizabeth said "So what is to be done?"\n\n'
        'And Mr. Bennet clenched his fist and cried, "The idiot!"\n\n'
        'Alice heard the Rabbit say, "A barrowful will do."'
    )
    assert speakers(text, ELIZABETH, MR_BENNET, rabbit, alice) == [
        "Elizabeth",
        "Mr. Bennet",
        "The White Rabbit",
    ]


def test_what_someone_said_is_no_attribution() -> None:
    text = (
        '"Of course it is," said Elizabeth, who agreed to everything that Mr. Bennet '
        'said; "there is a mine near here."'
    )
    assert speakers(text, ELIZABETH, MR_BENNET) == ["Elizabeth", "Elizabeth"]


def test_the_one_told_or_asked_is_not_the_speaker() -> None:
    text = '"It is lovely," Elizabeth told Mr. Bennet. "You must see it."'
    assert speakers(text, ELIZABETH, MR_BENNET) == ["Elizabeth", "Elizabeth"]


def test_second_quote_goes_on_in_the_first_voice_unless_led_into() -> None:
    text = (
        '"I did put it back," said Elizabeth quickly--pertly, Mr. Bennet thought. '
        '"I am certain."\n\n'
        '"Come," said Mr. Bennet; and Elizabeth answered, "I shall."'
    )
    assert speakers(text, ELIZABETH, MR_BENNET) == [
        "Elizabeth",
        "Elizabeth",
        "Mr. Bennet",
        "Elizabeth",
    ]


def test_put_in_and_participles_are_speech_verbs() -> None:
    text = (
        '"I am sure it is all right," put in Elizabeth.\n\n'
        'Mr. Bennet ran into the street, shouting, "Do stop!"'
    )
    assert speakers(text, ELIZABETH, MR_BENNET) == ["Elizabeth", "Mr. Bennet"]


def test_quote_named_as_someones_words() -> None:
    text = (
        '"You did it thoroughly," was Elizabeth\'s comment.\n\n'
        '"What is to be done?" was Mr. Bennet s first exclamation.\n\n'
        '"M--m--m!" from Elizabeth, who thought it amusing.'
    )
    assert rules_of(text, ELIZABETH, MR_BENNET) == [
        ("Elizabeth", "explicit-after-possessive"),
        ("Mr. Bennet", "explicit-after-possessive"),
        ("Elizabeth", "explicit-after-possessive"),
    ]


def test_the_antecedent_of_who_speaks() -> None:
    text = (
        "The silence was broken by Elizabeth, who in great spirits exclaimed, "
        '"At last!"\n\n'
        'Elizabeth looked at Mr. Bennet, who blushed, and said, "Well?"'
    )
    got = rules_of(text, ELIZABETH, MR_BENNET)
    assert got[0] == ("Elizabeth", "explicit-before-relative")
    assert got[1][0] == "Elizabeth"


def test_speech_nouns_name_the_speaker() -> None:
    text = (
        'Mr. Bennet\'s declaration was, "I hate sending them."\n\n'
        'Then came the voice of Elizabeth: "Dinner is served."\n\n'
        '"Good Lord!" burst from Mr. Bennet.\n\n'
        '"There is a later will." It was Elizabeth who spoke.'
    )
    assert speakers(text, ELIZABETH, MR_BENNET) == [
        "Mr. Bennet",
        "Elizabeth",
        "Mr. Bennet",
        "Elizabeth",
    ]


def test_speech_verb_after_an_auxiliary_and_a_longer_phrase() -> None:
    text = (
        '"Promise not to rush the door," Elizabeth was saying.\n\n'
        'Then Mr. Bennet heard Elizabeth say, in a low voice to her sister, "Hush."'
    )
    assert speakers(text, ELIZABETH, MR_BENNET) == ["Elizabeth", "Elizabeth"]


def test_a_clause_after_the_attribution_does_not_lead_into_the_next_part() -> None:
    # "as he finished," ends on a comma but is about the listener: the quote goes on.
    text = (
        "Mr. Bennet read the letter aloud.\n\n"
        '"Oh, Mr. Bennet," exclaimed Mrs. Bennet, as he finished, "how shocking!"'
    )
    assert speakers(text, MR_BENNET, MRS_BENNET) == ["Mrs. Bennet", "Mrs. Bennet"]
    # A new clause with its own speaker does lead in.
    text = '"Well," said Mrs. Bennet; and Mr. Bennet\'s reply was, "Very well."'
    assert speakers(text, MR_BENNET, MRS_BENNET) == ["Mrs. Bennet", "Mr. Bennet"]


def test_broke_in_names_the_speaker_after_the_quote() -> None:
    text = '"Lizzy," said Mrs. Bennet.\n\n"Not now, my dear," broke in Mr. Bennet, smiling.'
    assert speakers(text, ELIZABETH, MR_BENNET, MRS_BENNET)[1] == "Mr. Bennet"


def test_narration_after_a_quote_in_the_same_paragraph_opens_with_its_subject() -> None:
    text = (
        'Elizabeth cried, "He was here." Mrs. Bennet, rejoiced to be assured of his being '
        'in London, now ventured to say, "He will call again."'
    )
    assert speakers(text, ELIZABETH, MRS_BENNET) == ["Elizabeth", "Mrs. Bennet"]


def test_an_adjective_may_stand_between_the_verb_and_the_name() -> None:
    text = '"Lizzy," said Mrs. Bennet.\n\n"Oh, certainly," stammered unhappy Mr. Bennet.'
    assert speakers(text, ELIZABETH, MR_BENNET, MRS_BENNET)[1] == "Mr. Bennet"
    # "told her Mr. Bennet…" is no adjective.
    text = '"Lizzy," said Mrs. Bennet.\n\n"Yes," said to Mr. Bennet his wife.'
    assert rules_of(text, ELIZABETH, MR_BENNET, MRS_BENNET)[1] == ("Elizabeth", "vocative")


def test_so_that_before_the_speaker_is_a_result_not_a_relative() -> None:
    text = (
        '"A song, please," Elizabeth replied, so eagerly that Mr. Bennet said, in a '
        'rather offended tone, "No accounting for tastes!"'
    )
    assert speakers(text, ELIZABETH, MR_BENNET) == ["Elizabeth", "Mr. Bennet"]
