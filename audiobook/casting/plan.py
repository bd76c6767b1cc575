"""Script + Cast -> utterances: sentence-sized pieces of text, each with its voice and pause.

The narrator opens with the title and author (and the summary, when the story has
one); chapter headings are read by the narrator; front and back matter are not
read. Pauses follow the largest boundary crossed (see ``config.Pauses``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass

from audiobook.casting.lexicon import Lexicon
from audiobook.config import MAX_CLIP_CHARS, Pauses
from audiobook.models import (
    PIPER,
    QUOTE_KINDS,
    SPOKEN_KINDS,
    Book,
    Cast,
    Kind,
    Script,
    Segment,
    Utterance,
    VoiceProfile,
)

ABBREVIATIONS = frozenset(
    "mr mrs ms dr st sr jr mt capt col gen lt sgt prof rev hon vs etc no vol fig ft esq messrs"
    .split()
)
"""Words whose trailing full stop does not end a sentence."""

_BREAKS = (
    re.compile(r"[.!?…][\"'”’)\]]*\s+"),
    re.compile(r"[,;:—–][\"'”’)\]]*\s+"),
)
_SPACE = re.compile(r"\s+")


def split_text(text: str, limit: int = MAX_CLIP_CHARS) -> list[str]:
    """Pieces of at most ``limit`` characters that join back to ``text``.

    Cuts after the last sentence end in the window if it lies in its second half,
    else after the last clause mark there, else after the last space, else hard.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = 0
        for pattern in _BREAKS:
            ends = [m.end() for m in pattern.finditer(window)]
            if ends and ends[-1] >= limit // 2:
                cut = ends[-1]
                break
        if not cut:
            spaces = [m.end() for m in _SPACE.finditer(window)]
            cut = spaces[-1] if spaces else limit
        pieces.append(rest[:cut])
        rest = rest[cut:]
    pieces.append(rest)
    return pieces


SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]*[A-Z0-9])")
EMPHASIS = re.compile(r"[*_~]+")
CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
"""Control characters (other than white space): nothing to say, and not for a transcript."""
SPACE = re.compile(r"\s+")
SPEAKABLE = re.compile(r"\w")


def spoken_text(text: str) -> str:
    """Text as the engine should say it: emphasis markers and control characters dropped,
    white space folded."""
    return SPACE.sub(" ", EMPHASIS.sub(" ", CONTROL.sub(" ", text))).strip()


def sentences(text: str, offset: int = 0) -> Iterator[tuple[int, int]]:
    """(start, end) offsets of the sentences in ``text``, shifted by ``offset``."""
    start = 0
    for match in SENTENCE_END.finditer(text):
        word = re.search(r"(\w+)\W*$", text[start : match.start()])
        if match.group().startswith(".") and word and word.group(1).lower() in ABBREVIATIONS:
            continue
        if word and len(word.group(1)) == 1 and word.group(1).isupper() and match.group() == ".":
            continue  # an initial, as in "J. Smith"
        end = match.end()
        if text[start:end].strip():
            yield offset + start, offset + end
        start = end
        while start < len(text) and text[start].isspace():
            start += 1
    if text[start:].strip():
        yield offset + start, offset + len(text)


@dataclass(frozen=True)
class _Place:
    chapter: int
    scene: int
    paragraph: int
    segment: int
    heading: bool
    profile: VoiceProfile


def _pause(prev: _Place | None, cur: _Place, pauses: Pauses) -> int:
    if prev is None:
        return pauses.lead_in_ms
    if cur.chapter != prev.chapter:
        return pauses.chapter_ms
    if prev.heading and not cur.heading:
        return pauses.heading_ms
    if cur.scene != prev.scene:
        return pauses.scene_ms
    if cur.paragraph != prev.paragraph:
        return pauses.turn_ms if cur.profile != prev.profile else pauses.paragraph_ms
    if cur.segment != prev.segment:
        return pauses.segment_ms
    return pauses.sentence_ms


def plan(
    script: Script, cast: Cast, pauses: Pauses, lexicon: Lexicon | None = None,
    doubt: float = 0.0,
) -> tuple[Utterance, ...]:
    """The utterances to say, in order: the opening, the summary, then each spoken
    segment's sentences in its voice (``doubt``: see ``segment_voice``)."""
    book = script.book
    genders = genders_of(script)
    text = book.document.text
    out: list[Utterance] = []
    prev: _Place | None = None

    def add(words: str, place: _Place, speaker: str | None, start: int, end: int) -> None:
        nonlocal prev
        # A sentence longer than MAX_CLIP_CHARS (a paragraph without punctuation) is
        # spoken in pieces, so that no clip outgrows the engine or memory.
        for index, piece in enumerate(split_text(spoken_text(words))):
            caption = piece.strip()
            said = lexicon.apply(caption) if lexicon else caption
            if not SPEAKABLE.search(said):
                continue  # nothing to say ("…", "***"); the script still shows the segment
            pause = _pause(prev, place, pauses) if index == 0 else pauses.segment_ms
            out.append(
                Utterance(said, place.profile, speaker, place.chapter, pause, start, end, caption)
            )
            prev = place

    announcement = opening(book)
    if announcement:
        add(announcement, _Place(0, -2, -2, -2, True, cast.narrator), None, 0, 0)
    if book.summary:
        add(book.summary, _Place(0, -1, -1, -1, True, cast.narrator), None, 0, 0)

    announced: set[int] = set()
    for index, seg in enumerate(script.segments):
        if seg.kind not in SPOKEN_KINDS:
            continue
        profile = segment_voice(seg, cast, genders, doubt)
        speaker = seg.speaker if seg.kind in (Kind.DIALOGUE, Kind.THOUGHT) else None
        place = _Place(seg.chapter, seg.scene, seg.paragraph, index,
                       seg.kind is Kind.HEADING, profile)
        chapter = book.chapters[seg.chapter]
        if chapter.announce and seg.chapter not in announced:
            # The title is only in the table of contents: say it before the chapter.
            announced.add(seg.chapter)
            title_place = dataclasses.replace(place, heading=True, profile=cast.narrator)
            add(chapter.title, title_place, None, chapter.start, chapter.start)
        if seg.kind is Kind.HEADING:
            # A chapter's title is announced once, cleaned ("CHAPTER IV." -> "Chapter 4"),
            # even when its heading spans several lines.
            if seg.chapter not in announced:
                announced.add(seg.chapter)
                add(book.chapters[seg.chapter].title, place, None, seg.start, seg.end)
            continue
        for start, end in sentences(text[seg.start : seg.end], seg.start):
            add(text[start:end], place, speaker, start, end)
    return tuple(out)


def opening(book: Book) -> str | None:
    """What the narrator says first: the title and author, unless the title is an id."""
    if not _announceable(book.title):
        return None
    return book.title.rstrip(".") + "." + (f" By {book.author}." if book.author else "")


def _announceable(title: str) -> bool:
    """Whether a title is words, not an identifier such as "000 7375049496938e3a".

    Titles taken from file names are often download ids; reading their digits
    aloud helps nobody, though they still name the file and tag the MP3.
    """
    return any(len(word) >= 2 and word.isalpha() for word in re.findall(r"[^\W_]+", title))


def doubtful(seg: Segment, doubt: float) -> bool:
    """Whether a quote is less sure than ``doubt`` (never, for ``doubt`` 0)."""
    return seg.kind in QUOTE_KINDS and seg.confidence is not None and seg.confidence < doubt


def genders_of(script: Script) -> dict[str, str]:
    return {c.name: c.gender.value for c in script.characters}


def segment_voice(seg: Segment, cast: Cast, genders: dict[str, str], doubt: float = 0.0
                  ) -> VoiceProfile:
    """The voice a segment is read in: the narrator's, the speaker's own, or, for a
    doubtful quote, the shared voice of its best guess's gender."""
    if seg.kind not in QUOTE_KINDS:
        return cast.narrator
    if doubtful(seg, doubt):
        return cast.shared_for(genders.get(seg.speaker or "", "unknown"))
    return cast.profile_for(seg.speaker)


def variants(cast: Cast) -> list[tuple[str, list[str]]]:
    """Piper voices that several of the cast's profiles speak with, and those profiles:
    they differ only in speed and noise settings, being one voice."""
    used = [cast.narrator, *(p for _, p in cast.speakers), *(p for _, p in cast.shared)]
    if cast.unknown is not None:
        used.append(cast.unknown)
    by_voice: dict[str, list[str]] = {}
    for profile in used:
        if profile.engine == PIPER:
            names = by_voice.setdefault(profile.voice, [])
            if profile.name not in names:
                names.append(profile.name)
    return [(voice, names) for voice, names in by_voice.items() if len(names) > 1]
