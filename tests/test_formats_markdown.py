"""formats/markdown.py: headings become chapters, *italics* and _italics_ are emphasis."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.errors import AudiobookError
from audiobook.models import Book, Kind
from audiobook.text.read import load, read
from audiobook.text.segment import segment
from audiobook.text.structure import structure
from tests.conftest import check

STORY = """# The Lighthouse

by Ada Vale

## Chapter 1: Dusk

The lamp was *lit* at dusk. She read [the log](https://example.org/log) and `nothing`.

_I should go home,_ Mara thought.

* * *

"Come in," said **Tom**.

## Chapter 2: Dawn

Morning came.
The boats
came in.
"""


def book_of(markdown: str, name: str = "story.md") -> Book:
    return structure(load(markdown.encode("utf-8"), path=Path(name)))


def spoken(book: Book) -> list[tuple[str, str]]:
    text = book.document.text
    return [
        (s.kind.value, text[s.start : s.end])
        for s in segment(book)
        if s.kind not in (Kind.FRONT_MATTER, Kind.BACK_MATTER)
    ]


def test_headings_chapters_title_and_emphasis() -> None:
    book = book_of(STORY)
    assert book.document.text == (
        "The Lighthouse\n\nby Ada Vale\n\nChapter 1: Dusk\n\n"
        "The lamp was *lit* at dusk. She read the log and nothing.\n\n"
        "*I should go home,* Mara thought.\n\n* * *\n\n"
        '"Come in," said Tom.\n\nChapter 2: Dawn\n\nMorning came. The boats came in.\n'
    )
    assert (book.title, book.author) == ("The Lighthouse", "Ada Vale")
    assert [c.title for c in book.chapters] == ["Chapter 1: Dusk", "Chapter 2: Dawn"]
    assert [len(c.scenes) for c in book.chapters] == [2, 1]
    assert spoken(book) == [
        ("heading", "Chapter 1: Dusk"),
        ("narration", "The lamp was *lit* at dusk. She read the log and nothing."),
        ("thought", "I should go home,"),
        ("narration", "Mara thought."),
        ("dialogue", "Come in,"),
        ("narration", "said Tom."),
        ("heading", "Chapter 2: Dawn"),
        ("narration", "Morning came. The boats came in."),
    ]


def test_front_matter_block_gives_title_author_and_summary() -> None:
    markdown = (
        "---\ntitle: \"Sea Glass\"\nauthor: Jo March\nsummary: Two sisters, one summer.\n---\n\n"
        "# One\n\nWaves.\n\n# Two\n\nShells.\n"
    )
    book = book_of(markdown)
    assert (book.title, book.author, book.summary) == (
        "Sea Glass", "Jo March", "Two sisters, one summer."
    )
    assert [c.title for c in book.chapters] == ["One", "Two"]
    assert book.document.text.startswith("One\n\nWaves.")


def test_a_rule_at_the_top_is_not_front_matter() -> None:
    book = book_of("---\n\nSome words here.\n\n---\n\nMore words.\n")
    assert book.document.text == "* * *\n\nSome words here.\n\n* * *\n\nMore words.\n"


def test_setext_headings_and_a_lone_chapter_heading() -> None:
    book = book_of("Chapter 1\n=========\n\nOnly one chapter.\n", name="tale.md")
    assert [c.title for c in book.chapters] == ["Chapter 1"]
    assert book.title == "Tale"


def test_without_headings_the_plain_text_rules_find_chapters() -> None:
    book = book_of("Chapter 1\n\nA.\n\nChapter 2\n\nB.\n")
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]


def test_raw_html_in_markdown_is_read_as_html() -> None:
    book = book_of("Words <i>here</i>.\n\n<script>alert(1)</script>\n\n<div>Block.</div>\n")
    assert book.document.text == "Words *here*.\n\nBlock.\n"


def test_read_picks_markdown_by_suffix(tmp_path: Path) -> None:
    for name in ("a.md", "b.markdown"):
        (tmp_path / name).write_text("# Title\n\n## One\n\n_x_ y\n", "utf-8")
        doc = read(tmp_path / name)
        assert doc.hints is not None and doc.hints.format == "markdown"
        assert doc.text == "Title\n\nOne\n\n*x* y\n"
    (tmp_path / "c.txt").write_text("# Not markdown\n", "utf-8")
    assert read(tmp_path / "c.txt").hints is None


def test_crlf_and_bom_markdown() -> None:
    doc = load(b"\xef\xbb\xbf# T\r\n\r\n## One\r\n\r\nHi.\r\n", path=Path("s.md"))
    assert doc.text == "T\n\nOne\n\nHi.\n"


PIECES = ["# ", "## ", "### ", "*", "_", "**", "\n", "\n\n", "---", "* * *", "> ", "- ",
          "1. ", "`", "```", "[a](b)", "<i>", "</i>", "Chapter 1", '"Hi," he said.', "words"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=40))
def test_any_markdown_gives_a_valid_book_or_an_input_error(parts: list[str]) -> None:
    try:
        book = book_of("".join(parts))
    except AudiobookError:
        return
    check(book, segment(book))
