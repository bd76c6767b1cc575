from audiobook.casting.plan import plan, sentences, spoken_text
from audiobook.config import Pauses
from audiobook.models import (
    Book,
    Cast,
    Chapter,
    Document,
    Kind,
    Paragraph,
    Scene,
    Script,
    Segment,
    Span,
    VoiceProfile,
)

NARRATOR = VoiceProfile("narrator", "en+m1")
HERO = VoiceProfile("hero", "en-us+m3")
CAST = Cast(NARRATOR, (("Hero", HERO),), VoiceProfile("unknown", "en-us+m2"))


def split(text):
    return [text[a:b] for a, b in sentences(text)]


def test_identifier_titles_are_not_announced():
    from audiobook.casting.plan import _announceable

    assert not _announceable("000 7375049496938e3a")
    assert not _announceable("12345")
    assert _announceable("Team 7")
    assert _announceable("The Long Way")


def test_sentences_respect_abbreviations_initials_and_quotes():
    assert split("Mr. Darcy came. He sat down! Did he? J. Smith left.") == [
        "Mr. Darcy came.", "He sat down!", "Did he?", "J. Smith left."]
    assert split("It was late…he thought. Then") == ["It was late…he thought.", "Then"]
    assert split('"Go." She went.') == ['"Go."', "She went."]
    assert split("") == []


def test_sentence_offsets_are_shifted():
    assert list(sentences("A b. C d.", 10)) == [(10, 14), (15, 19)]


def test_spoken_text_drops_emphasis_and_folds_space():
    assert spoken_text("*I  know*\n_that_") == "I know that"


def test_plan_voices_pauses_and_skips_matter():
    #        0         1         2         3         4         5
    #        0123456789012345678901234567890123456789012345678901234567
    text = "A/N: hi\n\nChapter 1\n\nHe came. He sat.\n\nGo now\n\nNext bit"
    doc = Document(text)
    p1, p2, p3 = Paragraph(20, 36), Paragraph(38, 44), Paragraph(46, 54)
    ch = Chapter("Chapter One", 9, 54, Span(9, 18), (Scene(20, 44, (p1, p2)), Scene(46, 54, (p3,))))
    book = Book(doc, "Tale", "Ann", None, (ch,))
    segs = (
        Segment(Kind.FRONT_MATTER, 0, 7, reason="author's note"),
        Segment(Kind.HEADING, 9, 18),
        Segment(Kind.NARRATION, 20, 36, paragraph=0),
        Segment(Kind.DIALOGUE, 38, 44, paragraph=1, speaker="Hero"),
        Segment(Kind.DIALOGUE, 46, 54, scene=1, paragraph=2, speaker=None),
    )
    pauses = Pauses()
    got = [(u.text, u.profile.name, u.speaker, u.pause_before_ms, u.start, u.end)
           for u in plan(Script(book, segs), CAST, pauses)]
    assert got == [
        ("Tale. By Ann.", "narrator", None, pauses.lead_in_ms, 0, 0),
        ("Chapter One", "narrator", None, pauses.scene_ms, 9, 18),
        ("He came.", "narrator", None, pauses.heading_ms, 20, 28),
        ("He sat.", "narrator", None, pauses.sentence_ms, 29, 36),
        ("Go now", "hero", "Hero", pauses.turn_ms, 38, 44),
        ("Next bit", "unknown", None, pauses.scene_ms, 46, 54),
    ]


def test_a_sentence_longer_than_a_clip_is_spoken_in_pieces():
    from audiobook.config import MAX_CLIP_CHARS

    words = " ".join(f"word{i}" for i in range(40_000))  # 200,000+ characters, no punctuation
    text = "Chapter 1\n\n" + words
    doc = Document(text)
    para = Paragraph(11, len(text))
    ch = Chapter("Chapter 1", 0, len(text), Span(0, 9), (Scene(11, len(text), (para,)),))
    segs = (Segment(Kind.HEADING, 0, 9), Segment(Kind.NARRATION, 11, len(text)))
    pauses = Pauses()
    said = plan(Script(Book(doc, "1", None, None, (ch,)), segs), CAST, pauses)[1:]
    assert len(said) > 200 and all(len(u.text) <= MAX_CLIP_CHARS for u in said)
    assert " ".join(u.text for u in said) == words
    assert [u.pause_before_ms for u in said[:3]] == [pauses.heading_ms, pauses.segment_ms,
                                                     pauses.segment_ms]
    assert all((u.start, u.end) == (11, len(text)) for u in said)


def test_a_change_of_voice_between_paragraphs_pauses_longer_than_a_paragraph():
    pauses = Pauses()
    assert pauses.turn_ms > pauses.paragraph_ms > pauses.sentence_ms > pauses.segment_ms
    assert pauses.chapter_ms > pauses.scene_ms > pauses.turn_ms
