"""The readable script view of ``audiobook script``: what is spoken, by whom, in which
voice, and what is skipped and why."""

from __future__ import annotations

from rich.markup import escape

from audiobook import pipeline
from audiobook.casting.plan import doubtful, genders_of, opening, segment_voice, spoken_text
from audiobook.cli.options import out
from audiobook.models import Kind

STYLES = {
    Kind.NARRATION: "",
    Kind.HEADING: "bold",
    Kind.DIALOGUE: "cyan",
    Kind.THOUGHT: "magenta",
    Kind.FRONT_MATTER: "dim",
    Kind.BACK_MATTER: "dim",
}


def print_script(prepared: pipeline.Prepared) -> None:
    result, cast_, respell = prepared.script, prepared.cast, prepared.lexicon
    genders = genders_of(result)
    book = result.book
    byline = f" by {escape(book.author)}" if book.author else ""
    out.print(f"[bold]{escape(book.title)}[/]{byline}")
    announcement = opening(book)
    if announcement:
        out.print(f"  [dim](announced)[/] {escape(announcement)}")
    chapter = -1
    for seg in result.segments:
        if seg.chapter != chapter and seg.kind not in (Kind.FRONT_MATTER,):
            chapter = seg.chapter
            out.print(f"\n[bold]== {escape(book.chapters[chapter].title)} ==[/]")
            if book.chapters[chapter].announce:
                out.print(f"  [dim](announced)[/] {escape(book.chapters[chapter].title)}")
        written = spoken_text(result.text(seg))
        said = respell.apply(written)
        text = escape(written)
        if said != written:
            text += f"\n    [dim]says: {escape(said)}[/]"
        if seg.kind is Kind.FRONT_MATTER and seg.reason == "summary" and book.summary:
            out.print(f"[dim]  (read after the title: summary)[/] {text}")
        elif seg.kind in (Kind.FRONT_MATTER, Kind.BACK_MATTER):
            out.print(f"[dim]  (skipped: {escape(seg.reason or seg.kind.value)}) {text}[/]")
        elif seg.kind in (Kind.DIALOGUE, Kind.THOUGHT):
            who = escape(seg.speaker or "unknown")
            voice = segment_voice(seg, cast_, genders, prepared.doubt).name
            if doubtful(seg, prepared.doubt):
                who += f"? (doubtful, {seg.confidence:.2f})"
            style = STYLES[seg.kind]
            out.print(f"  [{style}]{seg.kind.value} {who} ({voice}):[/] {text}")
        else:
            out.print(f"  [{STYLES[seg.kind]}]{text}[/]" if STYLES[seg.kind] else f"  {text}")
