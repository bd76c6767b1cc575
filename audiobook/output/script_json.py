"""Script + Cast -> the script as JSON, in the documented shape other tools read
(``audiobook script --json``)."""

from __future__ import annotations

from typing import Any

from audiobook.casting.cast import line_counts
from audiobook.models import Cast, Kind, Script, WorkInfo


def script_json(script: Script, cast: Cast) -> dict[str, Any]:
    """The script in the documented JSON shape that other tools read.

    Offsets are into the decoded source text (before line-end normalisation).
    """
    doc = script.book.document
    counts = line_counts(script)
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
        "segments": [
            {
                "kind": s.kind.value,
                "start": doc.source_offset(s.start),
                "end": doc.source_offset(s.end),
                "speaker": s.speaker,
                "voice": _segment_voice(s.kind, s.speaker, cast) if s.kind in voiced else None,
            }
            for s in script.segments
        ],
    }


def _segment_voice(kind: Kind, speaker: str | None, cast: Cast) -> str:
    if kind in (Kind.DIALOGUE, Kind.THOUGHT):
        return cast.profile_for(speaker).name
    return cast.narrator.name


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
