"""Text values: the decoded Document, the Book's structure, the Script's segments and
characters.

Every text piece keeps ``start``/``end`` character offsets into ``Document.text``
(the decoded text with line ends normalised); ``Document.source_offset`` maps them
back to offsets into the decoded source as the user's file has it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from enum import Enum
from pathlib import Path


class Gender(str, Enum):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


class Kind(str, Enum):
    """What a segment of text is, and so whether and in which voice it is read."""

    NARRATION = "narration"
    DIALOGUE = "dialogue"
    THOUGHT = "thought"
    HEADING = "heading"
    FRONT_MATTER = "front_matter"
    BACK_MATTER = "back_matter"


SPOKEN_KINDS = frozenset({Kind.NARRATION, Kind.DIALOGUE, Kind.THOUGHT, Kind.HEADING})
QUOTE_KINDS = frozenset({Kind.DIALOGUE, Kind.THOUGHT})


@dataclass(frozen=True)
class Document:
    """A decoded story file.

    ``text`` has every CRLF and lone CR turned into LF. ``removed_cr`` lists, in
    ascending order, the offsets in ``text`` of each LF that replaced a CRLF pair,
    so that offsets can be mapped back to the decoded source.

    For EPUB, HTML and Markdown, ``text`` is the text extracted from the markup
    (paragraphs separated by blank lines, italics marked ``*like this*``) and
    ``hints`` carries the structure the markup shows.
    """

    text: str
    path: Path | None = None
    encoding: str = "utf-8"
    removed_cr: tuple[int, ...] = ()
    hints: Hints | None = None
    """Structure read from markup (EPUB, HTML, Markdown); None for plain text."""

    @property
    def source_text(self) -> str:
        """The text that ``source_offset`` offsets index: ``text`` with its CRLFs restored.

        For EPUB, HTML and Markdown this is ``text`` itself, the text extracted from
        the markup.
        """
        if not self.removed_cr:
            return self.text
        pieces: list[str] = []
        cursor = 0
        for lf in self.removed_cr:
            pieces.append(self.text[cursor:lf])
            pieces.append("\r")
            cursor = lf
        pieces.append(self.text[cursor:])
        return "".join(pieces)

    def source_offset(self, offset: int) -> int:
        """Offset into the decoded source for an offset into ``text``."""
        return offset + bisect.bisect_right(self.removed_cr, offset - 1)

    @property
    def name(self) -> str:
        return self.path.stem if self.path else "story"


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Matter:
    """Text that is not story: an author's note, disclaimer, warnings, summary...

    ``label`` says what it is in words a user reads in ``audiobook script``
    ("author's note", "disclaimer", "warnings", "summary", "review request",
    "end mark", "title line", "author line", "chapter list").
    """

    start: int
    end: int
    label: str
    front: bool = True


@dataclass(frozen=True)
class ChapterHint:
    """A chapter as the markup marks it: a navigation entry or a heading.

    ``start`` is where the chapter begins in ``Document.text``; ``heading`` spans
    the heading text, when the chapter shows one.
    """

    title: str
    start: int
    heading: Span | None = None


@dataclass(frozen=True)
class WorkInfo:
    """What a fan-fiction archive's page says about a work besides its text.

    Tags are kept as the archive writes them; none of it is spoken. ``characters``
    seeds the cast; rating, warnings and fandom go into the audiobook's comment tag.
    """

    archive: str
    """Where the page comes from, in words: "Archive of Our Own", "FanFiction.net",
    "FanFicFare"."""
    story_id: str | None = None
    """The archive's id of the work: pages with the same id are one story."""
    part: int | None = None
    """Which chapter of the work this page holds, for a page of one chapter."""
    fandoms: tuple[str, ...] = ()
    rating: str | None = None
    warnings: tuple[str, ...] = ()
    characters: tuple[str, ...] = ()
    relationships: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    """Other tags: genres, categories, additional tags."""
    language: str | None = None

    def describe(self) -> str:
        """The tags as lines for the comment tag ("Fandom: ...", "Rating: ...")."""
        lines = [
            ("Fandom", ", ".join(self.fandoms)),
            ("Rating", self.rating or ""),
            ("Warnings", ", ".join(self.warnings)),
            ("Relationships", ", ".join(self.relationships)),
            ("Characters", ", ".join(self.characters)),
            ("Tags", ", ".join(self.tags)),
        ]
        return "\n".join(f"{name}: {value}" for name, value in lines if value)


@dataclass(frozen=True)
class Hints:
    """What a structured file says about itself, for ``structure`` to prefer.

    ``chapters`` are in text order; ``matter`` spans text that is not story
    (title page, copyright, table of contents, footnotes, summary, notes...).
    Empty ``chapters`` leaves finding chapters to the plain-text rules.
    """

    format: str
    """"epub", "html" or "markdown"."""
    title: str | None = None
    author: str | None = None
    summary: str | None = None
    chapters: tuple[ChapterHint, ...] = ()
    matter: tuple[Matter, ...] = ()
    work: WorkInfo | None = None


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int


@dataclass(frozen=True)
class Scene:
    start: int
    end: int
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Chapter:
    """A chapter: its heading span (if the text has one) and its scenes.

    ``title`` is what is announced and shown in players. ``start``/``end`` cover
    the heading and all scenes; chapters are contiguous and ordered.
    """

    title: str
    start: int
    end: int
    heading: Span | None
    scenes: tuple[Scene, ...]
    announce: bool = False
    """The title comes from the file's table of contents while the text shows no
    heading, so the narrator reads the title where the chapter begins."""


@dataclass(frozen=True)
class Book:
    document: Document
    title: str
    author: str | None
    summary: str | None
    chapters: tuple[Chapter, ...]
    matter: tuple[Matter, ...] = ()
    work: WorkInfo | None = None
    """An archive's tags for the work, when the file came from one."""

    def paragraph_spans(self) -> list[tuple[int, int]]:
        """(start, end) of every paragraph of the story, in order."""
        return [
            (p.start, p.end)
            for chapter in self.chapters
            for scene in chapter.scenes
            for p in scene.paragraphs
        ]


@dataclass(frozen=True)
class Segment:
    """A run of text read in one voice (or skipped, for front and back matter).

    For dialogue and thought, ``start``/``end`` span the words inside the quote
    marks, not the marks. ``chapter`` indexes ``Book.chapters`` (front matter
    counts as chapter 0, back matter as the last chapter); ``paragraph`` is a
    running paragraph number through the book, used for pauses and turn-taking.
    ``reason`` says why a segment is not read (for front and back matter).
    """

    kind: Kind
    start: int
    end: int
    chapter: int = 0
    scene: int = 0
    paragraph: int = 0
    speaker: str | None = None
    reason: str | None = None
    confidence: float | None = None
    """For dialogue and thought: how likely ``speaker`` is right, calibrated (of the
    quotes given about p, about p are right); None for other segments."""
    id: str | None = None
    """For dialogue and thought: a stable id ("3-5f2a9c" for chapter 3, "3-5f2a9c-2"
    for the second quote of the same words there) that review and fixes files use."""


@dataclass(frozen=True)
class Character:
    name: str
    aliases: tuple[str, ...] = ()
    gender: Gender = Gender.UNKNOWN
    origin: str = "text"
    """Where the character came from: "text", "archive tags" or "cast file"."""


@dataclass(frozen=True)
class Script:
    """The segmented, attributed text of a book: what will be spoken, by whom."""

    book: Book
    segments: tuple[Segment, ...]
    characters: tuple[Character, ...] = ()

    def text(self, segment: Segment) -> str:
        return self.book.document.text[segment.start : segment.end]


# --- speech engines, as the casting and audio sides both see them ---------------


