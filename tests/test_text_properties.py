"""Invariants of the text stages on any input: segments tile the text, chapters are
contiguous, and only AudiobookError subclasses escape."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.errors import AudiobookError, InputError
from audiobook.models import Book, Document, Kind, Segment
from audiobook.text.quotes import DASHES, QUOTE_MARKS
from audiobook.text.read import decode
from audiobook.text.segment import segment
from audiobook.text.structure import structure

PIECES = [
    "Chapter 1",
    "Chapter Two: The Storm",
    "CHAPTER IV.",
    "Prologue",
    "IV.",
    "Part 2",
    "***",
    "* * *",
    "oOo",
    "-x-x-",
    "A/N: thanks!",
    "Disclaimer: not mine.",
    "Summary: things happen.",
    "Review?",
    "The End",
    "Written by Jo",
    '"Hello," he said.',
    "“Curly,” she said.",
    "'Single,' she said.",
    "Obito's dog didn't bark at the dogs' bowls.",
    "rock 'n' roll and 'em",
    "He said 'no' to me.",
    '"Unclosed and',
    "'Unclosed single and",
    "—Hola —dijo él—. ¿Y tú?",
    "*I must go,* he thought.",
    "'I must go.' The thought came.",
    "\u201e\u00ab\u00bb\u2018\u2019",
    "plain words",
    "",
    " ",
    "\n",
    "\n\n",
    "\n\n\n",
    "\r\n",
]

stories = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=30).map(
    lambda parts: "".join(p if p.endswith("\n") else p + " " for p in parts)
)


def check(book: Book, segments: tuple[Segment, ...]) -> None:
    text = book.document.text
    owner = [0] * len(text)
    previous_end = 0
    for s in segments:
        assert previous_end <= s.start < s.end <= len(text), (
            "segments are sorted, disjoint, not empty"
        )
        previous_end = s.end
        for i in range(s.start, s.end):
            owner[i] += 1
    thought_edges = {s.start - 1 for s in segments if s.kind == Kind.THOUGHT}
    thought_edges |= {s.end for s in segments if s.kind == Kind.THOUGHT}
    for i, c in enumerate(text):
        if owner[i] == 0:
            marks = c.isspace() or c in QUOTE_MARKS or c in DASHES
            assert marks or (c in "*_" and i in thought_edges), f"{c!r} at {i} is in no segment"

    chapters = book.chapters
    assert chapters, "a book that structures has at least one chapter"
    for a, b in pairwise(chapters):
        assert a.end == b.start, "chapters are contiguous"
    paragraph_spans = []
    for chapter in chapters:
        assert chapter.start < chapter.end
        assert chapter.scenes
        if chapter.heading:
            assert chapter.start == chapter.heading.start <= chapter.heading.end
        assert chapter.start <= chapter.scenes[0].start and chapter.scenes[-1].end <= chapter.end
        for scene in chapter.scenes:
            assert scene.paragraphs
            assert (scene.start, scene.end) == (scene.paragraphs[0].start, scene.paragraphs[-1].end)
            paragraph_spans.extend((p.start, p.end) for p in scene.paragraphs)
    for (_, end), (start, _) in pairwise(paragraph_spans):
        assert end < start, "paragraphs are ordered and each lies in one scene"
    for m in book.matter:
        assert all(not (m.start < p_end and p_start < m.end) for p_start, p_end in paragraph_spans)
    numbers = [s.paragraph for s in segments]
    assert numbers == sorted(numbers)
    assert all(0 <= s.chapter < len(chapters) for s in segments)


def run(data: bytes) -> None:
    try:
        doc = decode(data)
        book = structure(doc)
        segments = segment(book)
        notes = segment(book, read_notes=True)
    except AudiobookError:
        return
    check(book, segments)
    check(book, notes)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text(text: str) -> None:
    run(text.encode("utf-8"))


@settings(max_examples=300, deadline=None)
@given(stories)
def test_story_like_text(text: str) -> None:
    run(text.encode("utf-8"))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab '\"“”‘’«»„—―*_\n\r-#IVX.:"))))
def test_text_dense_with_marks(text: str) -> None:
    run(text.encode("utf-8"))


@settings(max_examples=200, deadline=None)
@given(stories, st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_encoded_story_like_text(text: str, codec: str) -> None:
    run(text.encode(codec, errors="replace"))


@settings(max_examples=200, deadline=None)
@given(st.binary())
def test_any_bytes_decode_or_raise_input_error(data: bytes) -> None:
    try:
        doc = decode(data)
    except InputError:
        return
    assert doc.text.strip()
    assert "\r" not in doc.text


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_structure_of_any_document(text: str) -> None:
    try:
        book = structure(Document(text.replace("\r", "\n")))
    except AudiobookError:
        return
    check(book, segment(book))
