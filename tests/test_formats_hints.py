"""structure.py with Hints: chapters and matter exactly as hinted, plain rules for the rest."""

from __future__ import annotations

from pathlib import Path

from audiobook.models import Book, ChapterHint, Document, Hints, Matter, Span
from audiobook.text.read import decode
from audiobook.text.segment import segment
from audiobook.text.structure import structure
from tests.conftest import check


def spans(text: str, *pieces: str) -> list[Span]:
    out, cursor = [], 0
    for piece in pieces:
        start = text.index(piece, cursor)
        out.append(Span(start, start + len(piece)))
        cursor = start + len(piece)
    return out


def hinted(text: str, hints: Hints, **kwargs: str) -> Book:
    book = structure(Document(text, path=Path("book.epub"), hints=hints), **kwargs)
    check(book, segment(book))
    return book


def matter(book: Book) -> list[tuple[str, str, bool]]:
    return [(m.label, book.document.text[m.start : m.end], m.front) for m in book.matter]


TEXT = (
    "The Book\n\nCopyright 2024.\n\nCHAPTER I.\n\nIt began.\n\nChapter 2 is coming.\n\n"
    "PART TWO\n\nThe Second\n\nIt went on.\n\nA footnote.\n"
)


def test_chapters_matter_and_metadata_come_from_the_hints() -> None:
    title, copyright_, one, part, second, note = spans(
        TEXT, "The Book", "Copyright 2024.", "CHAPTER I.", "PART TWO", "The Second", "A footnote."
    )
    hints = Hints(
        "epub",
        title="The Book",
        author="Ada Vale",
        summary="Things happen.",
        chapters=(
            ChapterHint("CHAPTER I.", one.start, one),
            ChapterHint("PART TWO", part.start, part),
            ChapterHint("The Second", second.start, second),
        ),
        matter=(
            Matter(title.start, copyright_.end, "title page"),
            Matter(note.start, note.end, "footnotes", front=False),
        ),
    )
    book = hinted(TEXT, hints)
    assert (book.title, book.author, book.summary) == ("The Book", "Ada Vale", "Things happen.")
    # Titles are cleaned; a part without story joins the next chapter; "Chapter 2 is
    # coming." looks like a heading to the plain rules but is text here.
    assert [c.title for c in book.chapters] == ["Chapter 1", "Part Two, The Second"]
    assert book.chapters[1].heading == Span(part.start, second.end)
    assert [TEXT[p.start : p.end] for s in book.chapters[0].scenes for p in s.paragraphs] == [
        "It began.", "Chapter 2 is coming."
    ]
    assert matter(book) == [
        ("title page", "The Book\n\nCopyright 2024.", True),
        ("footnotes", "A footnote.", False),
    ]


def test_options_override_hinted_title_and_author() -> None:
    book = hinted("Words.\n", Hints("html", title="T", author="A"), title="X", author="Y")
    assert (book.title, book.author) == ("X", "Y")


def test_without_hinted_chapters_the_plain_rules_find_them() -> None:
    text = "Summary\n\nA tale.\n\nChapter 1\n\nOne.\n\nChapter 2\n\nTwo.\n"
    summary = spans(text, "Summary\n\nA tale.")[0]
    book = hinted(text, Hints("html", matter=(Matter(summary.start, summary.end, "summary"),)))
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]
    assert matter(book) == [("summary", "Summary\n\nA tale.", True)]


def test_plain_rules_still_label_notes_the_markup_left_unmarked() -> None:
    text = "Chapter One\n\nA/N: my first story!\n\nIt began.\n\nReview please!\n"
    one = spans(text, "Chapter One")[0]
    book = hinted(text, Hints("html", chapters=(ChapterHint("Chapter One", 0, one),)))
    assert [label for label, _, _ in matter(book)] == ["author's note", "review request"]


def test_single_line_breaks_are_paragraphs_and_one_blank_line_is_no_scene_break() -> None:
    text = "Line one.\nLine two.\n\nLine three.\n"
    book = hinted(text, Hints("html"))
    assert [len(s.paragraphs) for s in book.chapters[0].scenes] == [3]


def test_story_before_the_first_hinted_chapter_is_a_chapter_of_its_own() -> None:
    text = "An opening that is story, long enough to count.\n\nOne\n\nWords.\n"
    one = spans(text, "One\n")[0]
    heading = Span(one.start, one.end - 1)
    book = hinted(text, Hints("epub", chapters=(ChapterHint("One", one.start, heading),)))
    assert [c.title for c in book.chapters] == ["An opening that is story, long", "One"]


def test_hinted_chapters_without_story_at_the_end_become_matter() -> None:
    text = "One\n\nWords.\n\nAppendix\n"
    one, appendix = spans(text, "One", "Appendix")
    chapters = (ChapterHint("One", 0, one), ChapterHint("Appendix", appendix.start, appendix))
    book = hinted(text, Hints("epub", chapters=chapters))
    assert [c.title for c in book.chapters] == ["One"]
    assert matter(book) == [("chapter heading", "Appendix", False)]


def test_hints_out_of_range_or_doubled_do_not_break_the_book() -> None:
    text = "One\n\nWords.\n"
    chapters = (ChapterHint("Two", 99), ChapterHint("One", 0, Span(0, 3)), ChapterHint("Again", 0))
    hints = Hints("epub", chapters=chapters, matter=(Matter(2, 7, "odd"),))
    book = hinted(text, hints)
    # The odd matter span touches both lines: all is matter, so all is read, as one chapter.
    assert [c.title for c in book.chapters] == ["Book"]


def test_nothing_but_matter_is_read_rather_than_an_empty_book() -> None:
    text = "Just a note.\n"
    book = hinted(text, Hints("html", matter=(Matter(0, 12, "author's note"),)))
    assert book.matter == ()
    paragraphs = [p for c in book.chapters for s in c.scenes for p in s.paragraphs]
    assert [text[p.start : p.end] for p in paragraphs] == ["Just a note."]


def test_plain_text_documents_are_untouched_by_hints() -> None:
    doc = decode(b"Chapter 1\r\n\r\nWords.\r\n")
    assert doc.hints is None
    assert doc.source_text == "Chapter 1\r\n\r\nWords.\r\n"
    assert [c.title for c in structure(doc).chapters] == ["Chapter 1"]


def test_hinted_chapters_at_one_place_share_a_chapter() -> None:
    text = "One\n\nWords.\n"
    chapters = (ChapterHint("Book One", 0), ChapterHint("One", 0, Span(0, 3)))
    book = hinted(text, Hints("epub", chapters=chapters))
    assert [(c.title, c.heading) for c in book.chapters] == [("Book One, One", Span(0, 3))]
