"""A prepared script as the studio's script view shows it: chapters of paragraphs of
pieces, each quote with its speaker, colour, confidence and voice."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from audiobook.casting.cast import line_counts
from audiobook.casting.plan import doubtful, genders_of, segment_voice
from audiobook.models import QUOTE_KINDS, Kind
from audiobook.pipeline import Prepared


def hue(name: str | None) -> int:
    """A stable colour (hue in degrees) for a speaker's name."""
    if not name:
        return 0
    return int(hashlib.sha1(name.encode("utf-8")).hexdigest()[:4], 16) % 360


@dataclass
class Piece:
    kind: str
    text: str
    speaker: str | None = None
    id: str | None = None
    confidence: float | None = None
    doubtful: bool = False
    voice: str = ""
    hue: int = 0


@dataclass
class ChapterView:
    title: str
    paragraphs: list[list[Piece]] = field(default_factory=list)


@dataclass
class CastRow:
    name: str
    aliases: tuple[str, ...]
    gender: str
    lines: int
    doubtful: int
    voice: str
    origin: str
    hue: int


@dataclass
class ScriptView:
    chapters: list[ChapterView]
    cast: list[CastRow]
    narrator: str
    doubt: float
    doubtful: int
    quotes: dict[str, tuple[str, str]]
    """Each quote's words and the voice it is read in, by id."""

    def quote(self, quote_id: str) -> tuple[str, str] | None:
        return self.quotes.get(quote_id)


def script_view(prepared: Prepared) -> ScriptView:
    script, cast, doubt = prepared.script, prepared.cast, prepared.doubt
    genders = genders_of(script)
    chapters = [ChapterView(c.title) for c in script.book.chapters]
    paragraph = None
    quotes: dict[str, tuple[str, str]] = {}
    unsure: Counter[str | None] = Counter()
    for seg in script.segments:
        if seg.kind in (Kind.FRONT_MATTER, Kind.BACK_MATTER, Kind.HEADING):
            continue
        chapter = chapters[seg.chapter]
        if paragraph != (seg.chapter, seg.paragraph) or not chapter.paragraphs:
            chapter.paragraphs.append([])
            paragraph = (seg.chapter, seg.paragraph)
        text = script.text(seg)
        voice = segment_voice(seg, cast, genders, doubt).name
        piece = Piece(seg.kind.value, text, voice=voice)
        if seg.kind in QUOTE_KINDS:
            piece.speaker, piece.id, piece.confidence = seg.speaker, seg.id, seg.confidence
            piece.doubtful = doubtful(seg, doubt)
            piece.hue = hue(seg.speaker)
            if piece.doubtful:
                unsure[seg.speaker] += 1
            if seg.id:
                quotes[seg.id] = (" ".join(text.split()), voice)
        chapter.paragraphs[-1].append(piece)
    counts = line_counts(script)
    rows = [CastRow(c.name, c.aliases, c.gender.value, counts[c.name], unsure[c.name],
                    cast.profile_for(c.name).name, c.origin, hue(c.name))
            for c in sorted(script.characters, key=lambda c: (-counts[c.name], c.name))]
    return ScriptView(chapters, rows, cast.narrator.name, doubt, sum(unsure.values()), quotes)
