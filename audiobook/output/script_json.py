"""Script + Cast -> the script as JSON, in the documented shape other tools read
(``audiobook script --json``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from audiobook.casting.cast import line_counts
from audiobook.casting.plan import genders_of, segment_voice
from audiobook.models import QUOTE_KINDS, Cast, Kind, Script, Segment, WorkInfo


def script_json(script: Script, cast: Cast, doubt: float = 0.0) -> dict[str, Any]:
    """The script in the documented JSON shape that other tools read.

    Offsets are into the decoded source text (before line-end normalisation). Each
    dialogue and thought segment also has its ``id`` and ``confidence``; its ``voice``
    is the one it is read in (a shared voice when it is less sure than ``doubt``).
    """
    doc = script.book.document
    counts = line_counts(script)
    genders = genders_of(script)
    voiced = {Kind.NARRATION, Kind.HEADING, Kind.DIALOGUE, Kind.THOUGHT}
    return {
        "title": script.book.title,
        "author": script.book.author,
        "summary": script.book.summary,
        "work": _work(script.book.work),
        "characters": [
            {
                "name": c.name,
                "aliases": list(c.aliases),
                "gender": c.gender.value,
                "voice": cast.profile_for(c.name).name,
                "lines": counts[c.name],
                "origin": c.origin,
            }
            for c in script.characters
        ],
        "chapters": [
            {
                "title": ch.title,
                "start": doc.source_offset(ch.start),
                "end": doc.source_offset(ch.end),
            }
            for ch in script.book.chapters
        ],
        "segments": [_segment(s, doc.source_offset, cast, genders, doubt, s.kind in voiced)
                     for s in script.segments],
    }


def _segment(s: Segment, offset: Callable[[int], int], cast: Cast, genders: dict[str, str],
             doubt: float, voiced: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": s.kind.value,
        "start": offset(s.start),
        "end": offset(s.end),
        "speaker": s.speaker,
        "voice": segment_voice(s, cast, genders, doubt).name if voiced else None,
    }
    if s.kind in QUOTE_KINDS:
        out["id"] = s.id
        out["confidence"] = None if s.confidence is None else round(s.confidence, 4)
    return out


def _work(work: WorkInfo | None) -> dict[str, Any] | None:
    """An archive's tags for the work, as the page gives them."""
    if work is None:
        return None
    return {
        "archive": work.archive,
        "story_id": work.story_id,
        "fandoms": list(work.fandoms),
        "rating": work.rating,
        "warnings": list(work.warnings),
        "relationships": list(work.relationships),
        "characters": list(work.characters),
        "tags": list(work.tags),
        "language": work.language,
    }
