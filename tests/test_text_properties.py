"""Invariants of the text stages on any input: segments tile the text, chapters are
contiguous, and only AudiobookError subclasses escape."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.errors import AudiobookError, InputError
from audiobook.models import Document
from audiobook.text.read import decode
from audiobook.text.segment import segment
from audiobook.text.structure import structure
from tests.conftest import check

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


def run(data: bytes) -> str | None:
    """Check the invariants on ``data``; return None, or the error it was refused with
    (for the tests to say which refusals are right)."""
    try:
        doc = decode(data)
        book = structure(doc)
        segments = segment(book)
        notes = segment(book, read_notes=True)
    except AudiobookError as exc:
        return str(exc)
    check(book, segments)
    check(book, notes)
    return None


def refused_rightly(text: str, error: str | None) -> bool:
    """Only a text with nothing to read, or one with control characters (read as
    binary), is refused."""
    if error is None:
        return True
    controls = any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v" for c in text)
    return ("there is no story text" in error and not text.strip()) or (
        "looks like a binary file" in error and controls
    )


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text(text: str) -> None:
    error = run(text.encode("utf-8"))
    assert refused_rightly(text, error), error


@settings(max_examples=300, deadline=None)
@given(stories)
def test_story_like_text(text: str) -> None:
    error = run(text.encode("utf-8"))
    assert refused_rightly(text, error), error


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab '\"“”‘’«»„—―*_\n\r-#IVX.:"))))
def test_text_dense_with_marks(text: str) -> None:
    error = run(text.encode("utf-8"))
    assert refused_rightly(text, error), error


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
        assert not text.strip(), "only a blank document has no structure"
        return
    check(book, segment(book))
