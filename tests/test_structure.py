"""structure.py: metadata, matter, chapters, scenes and paragraphs."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from audiobook.errors import StructureError
from audiobook.models import Book, Document
from audiobook.text.read import read
from audiobook.text.structure import structure

SEEDS = Path(__file__).parent.parent / "seeds"
PDNC = Path("/work/shared/data/pdnc")
needs_pdnc = pytest.mark.skipif(not PDNC.is_dir(), reason="PDNC novels are not on this machine")


def book_of(text: str, name: str = "story") -> Book:
    return structure(Document(text, path=Path(f"{name}.txt")))


def texts(book: Book, spans: object) -> list[str]:
    return [book.document.text[s.start : s.end] for s in spans]  # type: ignore[attr-defined]


def matter(book: Book) -> list[tuple[str, str, bool]]:
    return [(m.label, book.document.text[m.start : m.end], m.front) for m in book.matter]


def paragraphs(book: Book) -> list[str]:
    return [
        book.document.text[p.start : p.end]
        for c in book.chapters
        for s in c.scenes
        for p in s.paragraphs
    ]


def test_seed_000_matter_scenes_and_chapters() -> None:
    book = structure(read(SEEDS / "000_7375049496938e3a.txt"))
    labels = [(label, text[:20], front) for label, text, front in matter(book)]
    assert labels == [
        ("author's note", "A/N: I've had this i", True),
        ("disclaimer", "Disclaimer: Naruto b", True),
        ("warnings", "Warnings: Very sligh", True),
        ("review request", "Review?", False),
    ]
    assert [c.title for c in book.chapters] == [
        "Kakashi stared down at Obito's grave",
        "Jiraiya opened the album carefully, making",
        "Sasuke fought for another breath, trying",
    ]
    assert all(len(c.scenes) == 1 and c.heading is None for c in book.chapters)
    assert paragraphs(book)[0] == "Kakashi stared down at Obito's grave."
    assert paragraphs(book)[-1].startswith("He didn't witness Naruto's reaction")
    assert book.title == "000 7375049496938e3a"
    assert book.author is None


def test_seed_001_summary_author_and_closing_note() -> None:
    book = structure(read(SEEDS / "001_e91bbaf8ab298a21.txt"))
    assert book.author == "Hanane EL Mokkadem"
    assert book.summary == (
        "In the end Kakashi could only conclude that history was doomed to repeat itself. "
        "People leave"
    )
    found = matter(book)
    assert found[:2] == [
        ("summary", book.document.text.split("\n")[0], True),
        ("author line", "Written by Hanane EL Mokkadem", True),
    ]
    back = [(label, text) for label, text, front in found if not front]
    assert [text[:30] for _, text in back] == [
        "A/N: I hope you'll let me know",
        "What did you think of Kakashi?",
        "Any constructive criticism you",
        "Hanane EL Mokkadem",
        "The End",
    ]
    assert back[0][0] == "author's note"
    assert back[-2:] == [("author line", "Hanane EL Mokkadem"), ("end mark", "The End")]
    assert len(book.chapters) == 1
    assert len(book.chapters[0].scenes) == 1
    assert book.chapters[0].title == book.title
    assert paragraphs(book)[-1].startswith("Time's a-wastin'.")


def test_title_and_author_arguments_override() -> None:
    book = structure(
        Document("Title: Old\n\nAuthor: Someone\n\nStory text.", path=Path("x.txt")),
        title="New",
        author="Me",
    )
    assert (book.title, book.author) == ("New", "Me")


def test_title_from_file_name_is_made_readable() -> None:
    assert book_of("Text.", name="my_great-story").title == "My Great Story"
    assert book_of("Text.", name="Kakashi_and_ME").title == "Kakashi and ME"


@pytest.mark.parametrize(
    ("top", "title", "author"),
    [
        ("Title: The Storm\nAuthor: Jo Smith", "The Storm", "Jo Smith"),
        ("The Storm\n\nby Jo Smith", "The Storm", "Jo Smith"),
        ("THE STORM\n\nby\n\nJO SMITH", "The Storm", "Jo Smith"),
        ("Title: The Storm\n\nWritten by xXdarkfoxXx", "The Storm", "xXdarkfoxXx"),
    ],
)
def test_title_and_author_lines(top: str, title: str, author: str) -> None:
    book = book_of(f"{top}\n\nIt was a dark night.\n\nThe rain fell.")
    assert (book.title, book.author) == (title, author)
    assert paragraphs(book) == ["It was a dark night.", "The rain fell."]
    assert all(front for _, _, front in matter(book))


def test_story_opening_with_by_is_not_an_author_line() -> None:
    book = book_of("By morning he was gone.\n\nShe wept.")
    assert book.author is None
    assert paragraphs(book) == ["By morning he was gone.", "She wept."]


HEADINGS = [
    ("Chapter 3", "Chapter 3"),
    ("Chapter 3: The Storm", "Chapter 3: The Storm"),
    ("Chapter 3 - The Storm", "Chapter 3: The Storm"),
    ("CHAPTER IV.", "Chapter 4"),
    ("CHAPTER IV. THE STORM", "Chapter 4: The Storm"),
    ("Chapter One", "Chapter One"),
    ("chapter twenty-one", "Chapter Twenty-One"),
    ("Prologue", "Prologue"),
    ("Epilogue: Years Later", "Epilogue: Years Later"),
    ("Interlude", "Interlude"),
    ("Part 2", "Part 2"),
    ("IV.", "Chapter 4"),
    ("XII", "Chapter 12"),
]


@pytest.mark.parametrize(("line", "title"), HEADINGS)
def test_heading_formats(line: str, title: str) -> None:
    book = book_of(f"Opening text here.\n\n{line}\n\nMore story.")
    assert [c.title for c in book.chapters] == ["Opening text here", title]
    second = book.chapters[1]
    assert second.heading is not None
    assert book.document.text[second.heading.start : second.heading.end] == line


@pytest.mark.parametrize(
    "line", ["Chapter 3 was the best.", "Part of me wanted to go.", "Chapter mild", "II!"]
)
def test_prose_is_not_a_heading(line: str) -> None:
    book = book_of(f"{line}\n\nMore story.")
    assert len(book.chapters) == 1
    assert paragraphs(book) == [line, "More story."]


def test_chapters_are_contiguous_and_cover_headings_and_scenes() -> None:
    text = "Title: T\n\nChapter 1\n\nA/N: hi!\n\nOne.\n\nChapter 2: Two\n\nTwo.\n\nThe End"
    book = book_of(text)
    one, two = book.chapters
    assert (one.title, two.title) == ("Chapter 1", "Chapter 2: Two")
    assert one.start == text.index("Chapter 1")
    assert one.end == two.start == text.index("Chapter 2")
    assert two.end == text.index("Two.") + 4
    assert matter(book) == [
        ("title line", "Title: T", True),
        ("author's note", "A/N: hi!", True),
        ("end mark", "The End", False),
    ]


def test_part_and_chapter_headings_merge() -> None:
    text = "PART ONE\n\n\n\nChapter I: The Bertolini\n\nStory.\n\nChapter II\n\nMore."
    book = book_of(text)
    assert [c.title for c in book.chapters] == ["Part One, Chapter 1: The Bertolini", "Chapter 2"]
    heading = book.chapters[0].heading
    assert heading is not None
    assert text[heading.start : heading.end] == "PART ONE\n\n\n\nChapter I: The Bertolini"


def test_centred_two_line_heading() -> None:
    text = "Start.\n\n          CHAPTER\n             2\n\n\nStory."
    assert [c.title for c in book_of(text).chapters] == ["Start", "Chapter 2"]


def test_roman_numeral_with_capital_title_line() -> None:
    text = "I\n\nTHE HAMILTONS\n\n\nFiction has said so much.\n\nII\n\nA FAREWELL\n\nMore."
    book = book_of(text)
    assert [c.title for c in book.chapters] == ["Chapter 1: The Hamiltons", "Chapter 2: A Farewell"]


def test_table_of_contents_is_matter() -> None:
    contents = "Chapter 1: A\nChapter 2: B\nChapter 3: C"
    text = f"{contents}\n\nChapter 1: A\n\nStory.\n\nChapter 2: B\n\nMore."
    book = book_of(text)
    assert [c.title for c in book.chapters] == ["Chapter 1: A", "Chapter 2: B"]
    assert [label for label, _, _ in matter(book)] == ["chapter list"] * 3


@pytest.mark.parametrize(
    "separator", ["***", "* * *", "~~~", "-x-x-", "oOo", "xXx", "---", "___", "###", "+++", "o0o"]
)
def test_scene_separators(separator: str) -> None:
    text = f"Chapter 1\n\nOne.\n\nTwo.\n\n      {separator}\n\nThree.\n\nChapter 2\n\nFour."
    book = book_of(text)
    first = book.chapters[0]
    assert [[text[p.start : p.end] for p in s.paragraphs] for s in first.scenes] == [
        ["One.", "Two."],
        ["Three."],
    ]
    assert matter(book) == [("scene break", separator, False)]


def test_two_blank_lines_break_scenes_not_one() -> None:
    book = book_of("Title: T\n\nChapter 1\n\nA.\n\nB.\n\n\nC.")
    assert [len(s.paragraphs) for s in book.chapters[0].scenes] == [2, 1]


def test_scenes_without_headings_become_chapters() -> None:
    book = book_of("A quiet morning came at last.\n\nMore.\n\n***\n\nNight fell over the hills.")
    assert [c.title for c in book.chapters] == [
        "A quiet morning came at last",
        "Night fell over the hills",
    ]


def test_single_newline_paragraphs() -> None:
    text = 'He came in.\n"Hello," he said.\nShe looked up from a long book about boats.\nNo.'
    assert paragraphs(book_of(text)) == text.split("\n")


def test_hard_wrapped_paragraphs_are_joined() -> None:
    line = "word " * 13 + "end"
    para = "\n".join([line, line, line, "short last line."])
    book = book_of(f"{para}\n\n{para}\n\n{para}")
    assert paragraphs(book) == [para, para, para]


def test_chapter_notes_and_back_matter() -> None:
    text = (
        "Chapter 1\n\nAuthor's Note: thanks!\n\nDisclaimer: not mine.\n\nStory one.\n\n"
        "A/N: next time, more.\n\nChapter 2\n\nStory two.\n\nA/N: that's all.\n"
        "Thanks to everyone.\n\nPlease review!\n\n~Jo~"
    )
    book = structure(Document(text), author="Jo")
    assert matter(book) == [
        ("author's note", "Author's Note: thanks!", True),
        ("disclaimer", "Disclaimer: not mine.", True),
        ("author's note", "A/N: next time, more.", False),
        ("author's note", "A/N: that's all.", False),
        ("author's note", "Thanks to everyone.", False),
        ("review request", "Please review!", False),
        ("author line", "~Jo~", False),
    ]
    assert paragraphs(book) == ["Story one.", "Story two."]
    assert book.chapters[0].end == book.chapters[1].start


@pytest.mark.parametrize(
    "request_line", ["Review?", "R&R", "Reviews are love!", "Please review :)"]
)
def test_review_requests(request_line: str) -> None:
    assert matter(book_of(f"Story.\n\n{request_line}")) == [("review request", request_line, False)]


def test_only_notes_is_read_as_story() -> None:
    book = book_of("A/N: nothing here yet")
    assert paragraphs(book) == ["A/N: nothing here yet"]
    assert book.matter == ()


def test_whitespace_document_is_a_structure_error() -> None:
    with pytest.raises(StructureError, match="has no text"):
        structure(Document(" \n\t\n"))


@needs_pdnc
def test_pride_and_prejudice_has_61_chapters() -> None:
    book = structure(read(PDNC / "PrideAndPrejudice" / "novel_text.txt"))
    titles = [c.title for c in book.chapters]
    assert len(titles) == 61
    assert titles[:2] == ["Chapter 1", "Chapter 2"]
    assert titles[23] == "Volume 2, Chapter 1"
    assert book.chapters[0].start == 0


@needs_pdnc
def test_emma_volumes_and_chapters() -> None:
    book = structure(read(PDNC / "Emma" / "novel_text.txt"))
    assert (book.title, book.author) == ("Emma", "Jane Austen")
    assert len(book.chapters) == 55
    assert book.chapters[0].title == "Volume 1, Chapter 1"


@pytest.mark.slow
def test_twenty_megabytes_structure_into_every_chapter() -> None:
    # How fast is for benchmarks/speed.py to say; here, that nothing is lost at size.
    seed = (SEEDS / "000_7375049496938e3a.txt").read_text()
    text = (seed + "\n\nChapter 9\n\n") * 4500
    book = structure(Document(text))
    assert len(book.chapters) == 4500
    assert all(a.end <= b.start for a, b in itertools.pairwise(book.chapters))
