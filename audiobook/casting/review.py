"""Script -> the review file: the quotes a person should check, as TOML they edit and
pass back with ``--fixes`` (``audiobook/casting/fixes.py`` reads it).

One ``[[quote]]`` table per quote: the doubtful ones (confidence below the doubt
threshold), least sure first, or every quote in story order.
"""

from __future__ import annotations

from audiobook.casting._toml import toml_string
from audiobook.casting.fixes import NARRATOR_FIX, UNKNOWN_FIX
from audiobook.models import QUOTE_KINDS, Kind, Script, Segment

CONTEXT_CHARS = 160
"""The narration shown around a quote is cut to about this many characters."""


def review_quotes(script: Script, doubt: float, everything: bool = False) -> list[Segment]:
    """The quotes to review: below ``doubt``, least sure first; or all, in story order."""
    quotes = [s for s in script.segments if s.id is not None and s.kind in QUOTE_KINDS]
    if everything:
        return quotes
    doubtful = [s for s in quotes if s.confidence is not None and s.confidence < doubt]
    return sorted(doubtful, key=lambda s: (s.confidence or 0.0, s.start))


class Contexts:
    """The narration around each quote: its own paragraph's, else that of the last
    paragraph of narration before it in its chapter."""

    def __init__(self, script: Script) -> None:
        self.text = script.book.document.text
        self.own: dict[int, list[Segment]] = {}
        self.before: dict[int, list[Segment]] = {}
        last: list[Segment] = []
        for seg in script.segments:
            if seg.kind is Kind.NARRATION:
                mine = self.own.setdefault(seg.paragraph, [])
                if not mine:
                    last = mine
                mine.append(seg)
            elif seg.kind in QUOTE_KINDS and seg.paragraph not in self.before:
                previous = [s for s in last if s.chapter == seg.chapter]
                self.before[seg.paragraph] = previous

    def of(self, seg: Segment) -> str:
        near = self.own.get(seg.paragraph) or self.before.get(seg.paragraph) or []
        line = " ".join(" ".join(self.text[s.start : s.end].split()) for s in near)
        if len(line) > CONTEXT_CHARS:
            line = line[: CONTEXT_CHARS - 1].rstrip() + "…"
        return line




def render_review(script: Script, doubt: float, everything: bool = False) -> str:
    """The review file's text."""
    text = script.book.document.text
    quotes = review_quotes(script, doubt, everything)
    contexts = Contexts(script)
    which = "every quote" if everything else f"the quotes less sure than {doubt:g}"
    lines = [
        f"# Review of {toml_string(script.book.title)}: {which} ({len(quotes)}).",
        "# Change a speaker to a name or alias in the cast, a new name, "
        f'"{NARRATOR_FIX}" (the words are narration) or "{UNKNOWN_FIX}",',
        "# then pass this file back with --fixes FILE. Only id and speaker are needed.",
        "# A table left as it is confirms its speaker; delete those you did not check.",
        f"story = {toml_string(script.book.title)}",
    ]
    for seg in quotes:
        speaker = seg.speaker if seg.kind in QUOTE_KINDS else None
        lines += [
            "",
            "[[quote]]",
            f"id = {toml_string(seg.id or '')}",
            f"chapter = {seg.chapter + 1}",
            f"context = {toml_string(contexts.of(seg))}",
            f"text = {toml_string(' '.join(text[seg.start : seg.end].split()))}",
            f"speaker = {toml_string(speaker or UNKNOWN_FIX)}",
            f"confidence = {0.0 if seg.confidence is None else round(seg.confidence, 2)}",
        ]
    return "\n".join(lines) + "\n"
