"""The readable script view of ``audiobook script``: what is spoken, by whom, in which
voice, and what is skipped and why."""

from __future__ import annotations

from rich.markup import escape

from audiobook import pipeline
from audiobook.casting.plan import (
    doubtful,
    genders_of,
    opening,
    segment_voice,
    spoken_text,
    variants,
)
from audiobook.cli.options import out
from audiobook.config import Config
from audiobook.models import PIPER, Kind

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
    for voice, names in variants(cast_):
        out.print(
            f"  [dim](voices {escape(', '.join(names))} are variants of one Piper voice, "
            f"{escape(voice)}: they differ only in speed and noise settings)[/]"
        )
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


def print_piper_models(config: Config) -> None:
    """The Piper voice models found, where they were looked for, and how to get more."""
    from audiobook.audio.engines.piper_voices import data_folder, download_command, find_models

    folders = pipeline.engine_spec(config).piper_voices
    models = find_models(folders)
    out.print(f"[bold]Piper voices found[/] ({sum(1 for m in models if not m.problem)})")
    for m in models:
        if m.problem:
            out.print(f"  {escape(m.name):28} cannot be used: {escape(m.problem)}")
            continue
        speakers = f"{m.speakers} speakers (ids 0-{m.speakers - 1})"
        if m.speakers == 1:
            speakers = "1 speaker"
        about = f"{m.language:6} {m.quality:7} {m.sample_rate} Hz  {speakers}"
        out.print(f"  {escape(m.name):28} {escape(about)}")
        out.print(f"    {escape(str(m.path))}")
    out.print("Looked in: " + escape(", ".join(str(f) for f in folders)))
    out.print(
        "Get more voices with Piper's own downloader into the data folder, which is always "
        "searched (voices differ in licence: read each voice's model card), for example:\n  "
        + escape(download_command(data_folder()))
    )


def print_voices(config: Config) -> None:
    """``audiobook voices``: the profiles as they speak with the engine, then its voices."""
    from audiobook.casting.voices import describe_voice

    if config.engine == PIPER:
        print_piper_models(config)
        out.print()
    profiles, found = pipeline.voices(config)
    where = f"the {config.engine} engine"
    if config.engine == "pyttsx3":
        where = f"pyttsx3's {found.driver} driver"
    out.print(f"[bold]Profiles[/], as they speak with {where}")
    for p in profiles.values():
        named = "" if p.named_voice(found.driver) else "  (chosen by language, gender, age)"
        other = ""
        if p.engine != found.engine:
            named, other = "", f" (its own engine: {p.engine})"
        settings = f"variation {p.variation:.2f}" if p.engine == PIPER else f"pitch {p.pitch:2d}"
        out.print(
            f"  {p.name:16} {p.gender.value:7} {p.age:6} {p.language:6} {p.role:9} "
            f"{p.rate:3d} wpm  {settings}  {escape(p.description)}"
        )
        out.print(f"    speaks with {escape(describe_voice(p.voice, found))}{named}{other}")
    if found.engine == PIPER:
        out.print(
            "  (Piper cannot set pitch: the profiles' pitch is not used. The rate sets Piper's "
            "speed (length_scale), and variation its noise settings; characters sharing a "
            "voice get rates and variations apart)"
        )
    elif not found.pitch:
        out.print(
            f"  ({found.driver} cannot set pitch: profiles are told apart by voice and rate;"
            " characters sharing a voice get rates a step apart)"
        )
    if not found.pitch:
        shared: dict[str, list[str]] = {}
        for p in profiles.values():
            shared.setdefault(p.voice, []).append(p.name)
        for voice_id, names in shared.items():
            if len(names) > 4:
                out.print(
                    f"  ({len(names)} profiles share {escape(describe_voice(voice_id, found))}"
                    "; installing more voices tells them apart better)"
                )
    if found.engine == PIPER:
        return
    installed = found.voices
    out.print(f"\n[bold]Voices installed for {where}[/] ({len(installed)})")
    for v in installed:
        about = ", ".join(x for x in (*v.languages, v.gender or "", v.age or "") if x)
        suffix = "  " + escape(f"[{about}]") if about else ""
        out.print(f"  {escape(v.id):28} {escape(v.name)}{suffix}")
