"""Character discovery: names, aliases, gender, non-persons and the first-person narrator."""

from __future__ import annotations

from audiobook.models import Character, Gender, Kind
from audiobook.text.characters import NARRATOR, find_characters
from audiobook.text.mentions import alias_forms, find_mentions
from tests.conftest import passage


def characters(text: str) -> dict[str, Character]:
    book, segments = passage(text)
    return {c.name: c for c in find_characters(book, segments)}


STORY = """Hatake Kakashi stood at the gate. Kakashi looked at the road; he was tired.

"Late again," said Kakashi-sensei. Naruto laughed, and he waved at Sakura.

Sakura frowned. She said nothing to Naruto, but she smiled at Kakashi.

"Naruto-kun!" cried Sakura. Naruto ran to Konoha, and he ran fast.

On Monday they walked to Konoha. In Konoha it rained. Naruto said he was hungry.

"Kakashi," said Sakura, "where is Naruto?" She looked around; Konoha was quiet.
"""


def test_names_merge_with_family_names_and_honorifics() -> None:
    found = characters(STORY)
    assert "Kakashi" not in found  # one character, named by the full name
    kakashi = found["Hatake Kakashi"]
    assert {"Kakashi", "Hatake Kakashi"} <= {kakashi.name, *kakashi.aliases}
    assert "Naruto" in found and "Sakura" in found


def test_places_days_and_sentence_openers_are_dropped() -> None:
    found = characters(STORY)
    assert not {"Konoha", "Monday", "On", "In", "Late"} & set(found)


def test_gender_from_pronouns_near_mentions() -> None:
    found = characters(STORY)
    assert found["Naruto"].gender is Gender.MALE
    assert found["Sakura"].gender is Gender.FEMALE


def test_titles_give_gender_and_keep_families_apart() -> None:
    text = (
        "Mr. Bennet read. Mrs. Bennet talked. Mr. Bennet said nothing. "
        "Mrs. Bennet said a great deal. Mr. Bennet sighed, and Mrs. Bennet wept. "
        "Elizabeth Bennet laughed. Elizabeth said she would walk. Elizabeth walked."
    )
    found = characters(text)
    assert found["Mr. Bennet"].gender is Gender.MALE
    assert found["Mrs. Bennet"].gender is Gender.FEMALE
    assert "Elizabeth Bennet" in found
    assert "Elizabeth" in found["Elizabeth Bennet"].aliases


def test_first_person_narrator_is_a_character() -> None:
    text = (
        "I walked to the station. I was early, and my train was late. I sat down.\n\n"
        '"Are you waiting?" asked Gai. Gai sat down by me, and he smiled. Gai was kind.'
    )
    found = characters(text)
    assert NARRATOR in found


def test_third_person_story_has_no_narrator() -> None:
    assert NARRATOR not in characters(STORY)


def test_mentions_use_derived_first_and_last_names_only_when_unambiguous() -> None:
    cast = (
        Character("Emma Woodhouse", ("Miss Woodhouse",)),
        Character("Mr. Woodhouse"),
        Character("Frank Churchill"),
    )
    forms = alias_forms(cast)
    assert forms["Emma"] == (0,) and forms["Frank"] == (2,) and forms["Churchill"] == (2,)
    assert forms["Woodhouse"] == (0, 1)  # two Woodhouses: a bare surname could be either
    assert forms["Mr Woodhouse"] == (1,)
    text = "Emma met Mr. Woodhouse and Frank. Woodhouse smiled."
    assert [(text[m.start : m.end], m.who) for m in find_mentions(text, cast)] == [
        ("Emma", 0),
        ("Mr. Woodhouse", 1),
        ("Frank", 2),
        ("Woodhouse", 1),  # the Woodhouse named last
    ]


def test_title_cased_cast_aliases_match_running_text() -> None:
    cast = (Character("The King Of Hearts", ("The King",)), Character("Alice"))
    text = "said the King of Hearts to Alice, and the King smiled."
    assert [(text[m.start : m.end], m.who) for m in find_mentions(text, cast)] == [
        ("the King of Hearts", 0),
        ("Alice", 1),
        ("the King", 0),
    ]


def test_no_text_no_characters() -> None:
    book, segments = passage("")
    assert find_characters(book, segments) == ()
    assert all(s.kind is Kind.NARRATION for s in segments)


def test_first_person_narrator_takes_the_name_others_call_them() -> None:
    lines = [
        "I went down to the hall. Holmes was there, and he smiled at me.",
        '"Watson, sit down," said Holmes.',
        "I sat down. Holmes lit his pipe and looked at me.",
        '"Well, Watson?" said Holmes.',
        "I said nothing. I waited. Holmes smoked.",
        '"Come, Watson, you must have a theory," said Holmes.',
        "I shook my head and laughed.",
        '"No, Watson? Then I shall tell you," said Holmes.',
        '"Please do," I said.',
        '"Watson, my dear Watson," said Holmes.',
    ]
    found = characters("\n\n".join(lines))
    assert "Watson" in found and "I" in found["Watson"].aliases
    assert NARRATOR in found["Watson"].aliases
    assert found["Holmes"].gender is Gender.MALE


def test_unnamed_role_speakers_and_plurals() -> None:
    text = (
        '"Stop!" said the General. The Smiths came in. "Go," the General ordered.\n\n'
        "Mr. Smith sat down. Mr. Smith said he was tired. The Smiths left."
    )
    found = characters(text)
    assert found["the General"].gender is Gender.MALE
    assert "Smiths" not in found


def test_gender_from_the_subject_pronoun_not_the_first_pronoun() -> None:
    # A story told around a man: "his"/"him" near her name are his, "she" is hers.
    text = (
        "Kakashi woke. He was tired, and he wanted to go home. He looked at the door.\n\n"
        "Sakura took his hand as a sign that she was there. Sakura killing him was a "
        "joke he liked. Sakura was probably at home, or she was asleep.\n\n"
        "Rin was quiet, and he missed her. Rin, she'd always been kind.\n\n"
        "Kakashi missed Rin. Kakashi missed Sakura. He smiled; he was alone."
    )
    found = characters(text)
    assert found["Sakura"].gender is Gender.FEMALE
    assert found["Rin"].gender is Gender.FEMALE
    assert found["Kakashi"].gender is Gender.MALE


def test_a_person_often_named_after_prepositions_is_still_a_person() -> None:
    # Short stories name people after "to" and "next to" often ("he'd come to
    # Jiraiya"); with pronouns around them they are people, not places.
    from pathlib import Path

    from audiobook.text.read import read
    from audiobook.text.segment import segment
    from audiobook.text.structure import structure

    seed = Path(__file__).resolve().parent.parent / "seeds" / "000_7375049496938e3a.txt"
    book = structure(read(seed))
    found = {c.name: c for c in find_characters(book, segment(book))}
    assert {"Jiraiya", "Orochimaru", "Naruto", "Sasuke"} <= set(found)
    assert found["Jiraiya"].gender is Gender.MALE


def test_a_month_that_is_a_listed_first_name_is_a_name_except_as_a_date() -> None:
    cast = (Character("May Welland", (), Gender.FEMALE), Character("Newland Archer"))
    text = (
        "May smiled at Archer. They married in May. On May 5th it rained. "
        '"May I come?" said Newland. He thought of May, and of the first of May.'
    )
    found = [text[m.start : m.end] for m in find_mentions(text, cast) if m.who == 0]
    assert found == ["May", "May"]
    assert [m.start for m in find_mentions(text, cast) if m.who == 0] == [
        0,
        text.index("of May,") + 3,
    ]


def test_a_rank_alone_names_its_only_holder() -> None:
    cast = (
        Character("Mademoiselle Reisz", (), Gender.FEMALE),
        Character("Colonel Brandon", (), Gender.MALE),
        Character("Colonel Ducroix", (), Gender.MALE),
    )
    text = '"So," said Mademoiselle. The Colonel nodded.'
    assert [(text[m.start : m.end], m.who) for m in find_mentions(text, cast)] == [
        ("Mademoiselle", 0)
    ]


def test_roles_of_two_words_take_gender_from_pronouns_and_absorb_bare_names() -> None:
    text = (
        '"Late!" said the White Rabbit. He ran off.\n\n'
        '"Too late," the White Rabbit cried, and he hid.\n\n'
        '"Tea?" said the Hatter. He poured it. "More?" said the Hatter, and he smiled.\n\n'
        "Gryphon sat up. Gryphon yawned. Gryphon slept, and he snored.\n\n"
        '"Hm!" said the Gryphon. "Come on!" the Gryphon said.\n\n'
        "The Rabbit ran. Alice followed the Rabbit, and she ran."
    )
    found = characters(text)
    assert found["the White Rabbit"].gender is Gender.MALE
    assert not {"Rabbit", "the Rabbit", "White Rabbit"} & set(found)  # one rabbit
    assert found["the Hatter"].gender is Gender.MALE
    assert "Gryphon" in found["the Gryphon"].aliases and "Gryphon" not in found


def test_a_patronymic_gives_the_gender() -> None:
    text = (
        "Alexis Ivanovitch came in. Her book lay open. Alexis Ivanovitch sat by it.\n\n"
        '"Alexis Ivanovitch!" called Polina Alexandrovna. Polina Alexandrovna waited, '
        "and his answer came. Polina Alexandrovna smiled."
    )
    found = characters(text)
    assert found["Alexis Ivanovitch"].gender is Gender.MALE
    assert found["Polina Alexandrovna"].gender is Gender.FEMALE


def test_shared_first_name_is_the_one_without_a_short_name_of_their_own() -> None:
    # Charles Hayter is "Hayter" when short; a bare "Charles" is Charles Musgrove even
    # right after Charles Hayter was named.
    cast = (Character("Charles Hayter", ("Hayter",)), Character("Charles Musgrove"))
    text = (
        "Charles Musgrove went out. Hayter stayed. Charles Hayter read, and Hayter "
        'smiled. "No," said Charles.'
    )
    found = [(text[m.start : m.end], m.who) for m in find_mentions(text, cast)]
    assert found[-1] == ("Charles", 1)


def test_shared_first_name_of_someone_hardly_named_goes_by_recency() -> None:
    # Robert Prentiss, named once, is not the "Robert" of a story about Robert Cohn.
    cast = (Character("Robert Cohn", ("Cohn",)), Character("Robert Prentiss"))
    text = "Cohn sat. " * 12 + 'Robert Cohn rose. Robert Prentiss came. "Hello," said Robert.'
    found = [(text[m.start : m.end], m.who) for m in find_mentions(text, cast)]
    assert found[-1] == ("Robert", 1)
    text = "Cohn sat. " * 12 + 'Robert Prentiss came. Robert Cohn rose. "Hello," said Robert.'
    found = [(text[m.start : m.end], m.who) for m in find_mentions(text, cast)]
    assert found[-1] == ("Robert", 0)


def test_roles_match_at_a_sentence_start_and_through_a_possessive() -> None:
    cast = (
        Character("The Drummer", (), Gender.MALE),
        Character("His Valet", (), Gender.MALE),
        Character("The Painter"),  # unknown gender: may describe someone named
    )
    text = 'The drummer shouted. "Sir," said the valet, and his valet bowed to the painter.'
    assert [(text[m.start : m.end], m.who) for m in find_mentions(text, cast)] == [
        ("The drummer", 0),
        ("the valet", 1),
        ("his valet", 1),
    ]


def test_title_and_family_name_of_a_titled_full_name() -> None:
    cast = (
        Character("Miss Lucilla Harris"),
        Character("John Cavendish", ("Cavendish",)),
        Character("Mr. Lawrence Cavendish"),
    )
    forms = alias_forms(cast)
    assert forms["Miss Harris"] == (0,)
    # The family name alone is John's, so "Mr. Cavendish" is not Lawrence's.
    assert "Mr. Cavendish" not in forms and forms["Cavendish"] == (1,)


def test_interjections_sentence_adverbs_gods_and_bare_ranks_are_not_characters() -> None:
    text = (
        '"Thankfully, it stopped," said Arashi. Thankfully, the rain was gone.\n\n'
        '"Um, Kami help us," Arashi muttered. Kami knows. "Boss!" he called. Boss looked up.\n\n'
        '"Kami!" cried Arashi. Um, he thought. Arashi ran, and he ran fast. '
        "Thankfully he was quick. Arashi stopped. Boss waved, and he smiled at Arashi."
    )
    found = characters(text)
    assert "Arashi" in found
    assert not {"Thankfully", "Um", "Kami", "Boss"} & set(found)


def test_a_speaker_named_only_beside_a_quote_is_a_character() -> None:
    text = (
        "Naruto walked to the gate. Naruto was tired, and he sat down. Naruto waited.\n\n"
        '"Yes." Arashi agreed.\n\n'
        '"Good," said Naruto.'
    )
    assert "Arashi" in characters(text)


def test_an_unnamed_speaker_known_by_a_common_noun() -> None:
    text = (
        'Hall came in. "Rum," said Hall. "No," said the barman. Hall sat, and he drank.\n\n'
        '"Why not?" Hall asked. "Closed," the barman said. Hall left.'
    )
    found = characters(text)
    assert "the barman" in found and "Hall" in found


def test_a_name_wrapped_after_its_title_and_a_particle_after_a_title() -> None:
    text = (
        '"No," broke in Mr. Beachfield\nDavis. Mr. Beachfield Davis sat, and he smiled.\n\n'
        '"Yes," said Mrs. van der Luyden. "Well," said Mr. van der Luyden, and he bowed.\n\n'
        "Monsieur de St. Eustache waved, and he left."
    )
    found = characters(text)
    assert "Mr. Beachfield Davis" in found and "Beachfield" not in found
    assert found["Mrs. van der Luyden"].gender is Gender.FEMALE
    assert found["Mr. van der Luyden"].gender is Gender.MALE
    assert not any(name.endswith("St") for name in found)  # an abbreviation


def test_a_known_first_name_or_his_pronouns_keep_a_man_out_of_mrs_x() -> None:
    text = (
        '"Come," said Mrs. John Dashwood. "Go," said John Dashwood, and he went.\n\n'
        '"Hm," said Mrs. Robert Ferrars. "So," said Mr. Robert Ferrars. "Ha," said Robert.\n\n'
        '"Dance!" Mrs. Braddocks put in. "Of course," Braddocks said, and he laughed. '
        '"Yes," said Mrs. Braddocks, and she smiled. "No," said Braddocks; he sat.'
    )
    found = characters(text)
    assert "John Dashwood" not in found["Mrs. John Dashwood"].aliases
    robert = next(c for c in found.values() if "Mr. Robert Ferrars" in (c.name, *c.aliases))
    assert "Robert" in (robert.name, *robert.aliases)
    assert "Braddocks" in found and "Braddocks" not in found["Mrs. Braddocks"].aliases


def test_father_and_son_named_together_are_two_people() -> None:
    text = (
        'George Emerson came in. "Hullo," said George. Mr. Emerson and George sat down. '
        '"Sit," said Mr. Emerson. Mr. Emerson looked at George, and George laughed.'
    )
    found = characters(text)
    george = next(c for c in found.values() if "George Emerson" in (c.name, *c.aliases))
    assert "Mr. Emerson" not in (george.name, *george.aliases)
    assert "Mr. Emerson" in found
    # Named apart, the titled surname is the full name's.
    text = (
        'George Emerson came in. "Hullo," said George. George sat down. '
        '"Sit," said Mr. Emerson. Mr. Emerson looked up.'
    )
    george = next(c for c in characters(text).values() if c.name.startswith("George"))
    assert "Mr. Emerson" in george.aliases


def test_a_married_and_an_unmarried_title_are_two_women() -> None:
    text = (
        '"Oui," said Mlle de Cominges. Mlle de Cominges smiled, and she sat. '
        '"Non," said Madame de Cominges, and she frowned.'
    )
    found = characters(text)
    assert "Madame de Cominges" not in found["Mlle de Cominges"].aliases


def test_unnamed_speakers_at_a_paragraph_start_before_a_quote_and_by_ordinal() -> None:
    text = (
        '"Hello!"\n\nThe drummer shouted: "Great!"\n\n"Fine," the drummer chanted.\n\n'
        'The maid said at once: "She is out." "Out?" said Denham. "Yes," said the maid.\n\n'
        '"Stop!" said the officer. "Why?" Berry asked. "The law," said the officer.\n\n'
        '"Halt!" said the first policeman. "Now!" cried the first policeman. '
        '"Here," said the policeman. "There," said the policeman.'
    )
    found = characters(text)
    assert {"the drummer", "the maid", "the officer"} <= set(found)
    assert "the first policeman" in found and "the policeman" in found


def test_a_name_that_opens_the_narration_of_quoted_paragraphs_speaks() -> None:
    text = (
        "Archer sat in the garden. Archer waited, and he read.\n\n"
        'Miss Blenker looked at him with surprise. "Madame Olenska has gone."\n\n'
        '"Gone?" said Archer.\n\n'
        'Miss Blenker took the parasol. "Oh, yes. Yesterday."'
    )
    assert "Miss Blenker" in characters(text)


def test_a_rarer_speech_verb_makes_a_speaker() -> None:
    text = (
        "Archer sat down. Archer waited, and he read.\n\n"
        '"Perhaps," young Thorley hazarded, "she is unhappy."'
    )
    assert "Thorley" in characters(text)


def test_ranks_and_common_nouns_of_any_setting_are_not_characters() -> None:
    text = (
        "The Jounin stood at the gate. Naruto ran to the Jounin, and a Jounin waved. "
        "Every Hokage had walked here; the Hokage was old. Hokage Tsunade sighed. "
        "Two Aurors came in. Auror said nothing. Naruto grinned, and he ran.\n\n"
        '"Late again," said Naruto. "Always," said Tsunade, and she laughed.\n\n'
        '"Move," Zabuza said. Zabuza waited, and he moved. Naruto waved.'
    )
    found = characters(text)
    assert not {"Jounin", "Hokage", "Auror", "Aurors", "Hokage Tsunade"} & set(found)
    assert {"Naruto", "Tsunade", "Zabuza"} <= set(found)


def test_a_family_name_is_no_rank_and_a_speaker_never_written_with_an_article_stays() -> None:
    text = (
        "The Bennets came. Mr. Bennet read, and he sighed. Mr. Bennet smiled.\n\n"
        '"Well," said Bennet. The two Aurors left.\n\n'
        '"Hold," said Auror. "Now," Auror said, and he went.'
    )
    found = characters(text)
    assert any("Bennet" in (c.name, *c.aliases) for c in found.values())
    assert "Auror" in found  # only the plural after an article, and it speaks
