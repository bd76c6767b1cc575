"""The stages in order: story file -> Script -> Cast -> utterances -> clips -> MP3 + VTT.

``build_script`` runs the text stages (read, structure, segment, characters,
attribute); ``generate`` runs them and the audio stages (plan, synthesize,
assemble, export) for one story.
"""

from __future__ import annotations

import functools
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from audiobook import cluster
from audiobook.audio.assemble import BookAudio, assemble
from audiobook.audio.engines import catalog
from audiobook.audio.remote import RemoteStats
from audiobook.audio.synthesize import Synthesizer
from audiobook.casting.cast import CastFile, add_to_cast, load_cast_file, make_cast
from audiobook.casting.fixes import apply_fixes, load_fixes
from audiobook.casting.lexicon import Lexicon, default_lexicon_path, load_lexicon
from audiobook.casting.plan import plan, spoken_text
from audiobook.casting.voices import load_profiles, resolve
from audiobook.config import DEFAULT_DOUBT, Config, Pauses
from audiobook.errors import ConfigError, ExportError, os_reason
from audiobook.files import safe_filename
from audiobook.models import (
    Book,
    BookTags,
    Cast,
    Catalog,
    EngineSpec,
    Script,
    Utterance,
    VoiceProfile,
)
from audiobook.output.chapters import export_split
from audiobook.output.m4b import export_m4b
from audiobook.output.mp3 import export
from audiobook.text.attribute import attribute
from audiobook.text.characters import find_characters
from audiobook.text.ids import with_ids
from audiobook.text.read import Story, read, story_label
from audiobook.text.segment import segment
from audiobook.text.structure import structure
from audiobook.text.tagged import with_tags

__all__ = ["Story", "story_label"]  # the CLI names stories through the pipeline

UNKNOWN_AUTHOR = "Unknown author"
"""The artist tag when the story names no author, so players still group it sensibly."""

Progress = Callable[[int, int], None]
"""Called with (clips done, clips in all) as synthesis and assembly go."""


@dataclass(frozen=True)
class Result:
    story: Story
    mp3: Path
    vtt: Path
    seconds: float
    chapters: int
    clips: int
    synthesized: int = 0
    """Clips the engine spoke in this run (the rest came from the cache)."""
    encoded: int = 0
    """Chapters encoded in this run (the rest came from the cache)."""
    warnings: tuple[str, ...] = ()
    """Fixes that could not be applied, one line each."""

    def summary(self) -> str:
        """"4:08, 3 chapters, 54 clips: 1 made, 53 reused": what the book is and what
        this run had to make of it."""
        minutes, seconds = divmod(round(self.seconds), 60)
        chapters = "1 chapter" if self.chapters == 1 else f"{self.chapters} chapters"
        return (f"{minutes}:{seconds:02d}, {chapters}, {self.clips} clips: "
                f"{self.synthesized} made, {self.clips - self.synthesized} reused")


def build_script(
    path: Story,
    *,
    encoding: str | None = None,
    title: str | None = None,
    author: str | None = None,
    read_notes: bool = False,
    cast_file: CastFile | None = None,
) -> Script:
    """The text stages: what will be spoken, and by whom."""
    book = structure(read(path, encoding), title=title, author=author)
    segments = segment(book, read_notes=read_notes)
    if cast_file is not None and cast_file.entries:
        characters = cast_file.characters
    else:
        characters = find_characters(book, segments)
        if book.work is not None and book.work.characters:
            characters = with_tags(book.document.text, characters, book.work.characters)
    attributed = with_ids(book.document.text, attribute(book, segments, characters))
    return Script(book, attributed, characters)


def engine_spec(config: Config) -> EngineSpec:
    """The engine, pyttsx3 driver and Piper voice folders ``config`` asks for."""
    from audiobook.audio.engines.piper_voices import search_path

    return EngineSpec(config.engine, config.driver, search_path(config.piper_voices))


def voices(config: Config) -> tuple[dict[str, VoiceProfile], Catalog]:
    """The voice profiles, each resolved to the installed voice it speaks with, and
    the run's engine's catalog of voices (pyttsx3 is asked in a child process).
    Profiles that name another engine speak with one of its voices."""
    profiles = load_profiles(config.voices_dir)  # a bad folder is said before the engine starts
    spec = engine_spec(config)
    found = catalog(spec)
    engines = sorted({p.engine for p in profiles.values() if p.engine} - {spec.name})
    others = [catalog(spec.using(name)) for name in engines]
    return resolve(profiles, found, others), found


@dataclass(frozen=True)
class Prepared:
    """One story made ready to speak: the script, who reads what (every profile
    resolved to the installed voice it speaks with), the pauses and the lexicon."""

    script: Script
    cast: Cast
    profiles: dict[str, VoiceProfile]
    pauses: Pauses
    lexicon_paths: tuple[Path, ...] = ()
    doubt: float = 0.0
    """Quotes less sure than this are read in a shared voice (``plan.segment_voice``)."""
    warnings: tuple[str, ...] = ()
    """One line for each fix that could not be applied."""

    @functools.cached_property
    def lexicon(self) -> Lexicon:
        """The lexicons, read when something is to be said (not for ``script --json``
        or ``cast``, which say nothing)."""
        return load_lexicon(self.lexicon_paths)


def prepare(path: Story, config: Config) -> Prepared:
    """What ``generate`` speaks for one story: the engine's voices first (a profile
    naming a missing voice fails before any text work), then the cast and fixes files,
    read once, then the text stages, the cast, the fixes, the pauses and the lexicon.

    Voices are cast before the fixes apply, so a fix moves no other character's voice;
    a name a fix adds takes the next free voice."""
    profiles, _ = voices(config)
    cast_file = load_cast_file(config.cast_file) if config.cast_file else None
    fixes = [load_fixes(p) for p in config.fixes]
    script = build_script(
        path,
        encoding=config.encoding,
        title=config.title,
        author=config.author,
        read_notes=config.read_notes,
        cast_file=cast_file,
    )
    cast = make_cast(script, profiles, cast_file, config.narrator)
    warnings: tuple[str, ...] = ()
    if fixes:
        fixed = apply_fixes(script, fixes)
        script, warnings = fixed.script, fixed.warnings
        cast = add_to_cast(cast, fixed.added, profiles)
    return Prepared(
        script,
        cast,
        profiles,
        cast_file.apply_pauses(config.pauses) if cast_file else config.pauses,
        tuple(lexicon_paths(config)),
        doubt_of(config),
        warnings,
    )


def doubt_of(config: Config) -> float:
    """The doubt threshold: the user's, else the default the benchmark chose."""
    return DEFAULT_DOUBT if config.doubt is None else config.doubt


def source_text(path: Story, config: Config) -> str:
    """The story's text as read, which ``script --json`` offsets count."""
    return read(path, config.encoding).source_text


def parse_chapters(spec: str) -> frozenset[int]:
    """Chapter numbers from a spec such as "1-3,7" (numbered from 1)."""
    chosen: set[int] = set()
    for part in spec.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            low = int(first)
            high = int(last) if dash else low
        except ValueError:
            raise ConfigError(
                f"--chapters '{spec}': use numbers and ranges such as 1-3,7"
            ) from None
        if low < 1 or high < low or high - low > 100_000:
            raise ConfigError(f"--chapters '{spec}': '{part.strip()}' is not a range of chapters")
        chosen.update(range(low, high + 1))
    return frozenset(chosen)


def select_chapters(
    utterances: tuple[Utterance, ...], chosen: frozenset[int] | None, count: int
) -> tuple[Utterance, ...]:
    """Only the utterances of the chosen chapters; the opening goes with chapter 1."""
    if chosen is None:
        return utterances
    missing = sorted(n for n in chosen if n > count)
    if missing:
        raise ConfigError(f"--chapters: the story has {count} chapters, not {missing[0]}")
    picked = tuple(u for u in utterances if u.chapter + 1 in chosen)
    if picked and picked[0].pause_before_ms != utterances[0].pause_before_ms:
        picked = (replace(picked[0], pause_before_ms=utterances[0].pause_before_ms), *picked[1:])
    return picked


def _chapters_label(chosen: frozenset[int]) -> str:
    """The label "1-3,7" for {1, 2, 3, 7}, naming a partial book's files apart from the whole."""
    runs: list[str] = []
    for n in sorted(chosen):
        if runs and runs[-1].split("-")[-1] == str(n - 1):
            runs[-1] = f"{runs[-1].split('-')[0]}-{n}"
        else:
            runs.append(str(n))
    return ",".join(runs)


def lexicon_paths(config: Config) -> list[Path]:
    """The project's lexicon (when present), then the user's, in order."""
    own = default_lexicon_path()
    return ([own] if own.is_file() else []) + list(config.lexicons)


_NAMES = threading.Lock()


def output_paths(script: Script, out_dir: Path, taken: set[str] | None = None) -> tuple[Path, Path]:
    """MP3 and VTT paths named from the title, made unique within one run."""
    stem = safe_filename(script.book.title)
    if taken is not None:
        with _NAMES:  # stories of one batch may be named at the same time
            base, n = stem, 2
            while stem.lower() in taken:
                stem, n = f"{base} ({n})", n + 1
            taken.add(stem.lower())
    return out_dir / f"{stem}.mp3", out_dir / f"{stem}.vtt"


def generate(
    path: Story,
    config: Config,
    *,
    progress: Progress | None = None,
    taken: set[str] | None = None,
) -> Result:
    """One story file -> one chaptered, tagged MP3 and its WebVTT transcript."""
    _check_output_format(config)
    prepared = prepare(path, config)
    script, cast = prepared.script, prepared.cast
    config = replace(config, pauses=prepared.pauses)
    utterances = plan(script, cast, config.pauses, prepared.lexicon, prepared.doubt)
    utterances = select_chapters(utterances, config.chapters, len(script.book.chapters))
    mp3, vtt = output_paths(script, config.out_dir, taken)
    if config.chapters is not None:
        label = f" (chapters {_chapters_label(config.chapters)})"
        mp3, vtt = (p.with_name(p.stem + label + p.suffix) for p in (mp3, vtt))
    _check_writable(config.out_dir, mp3.name)
    titles = [chapter.title for chapter in script.book.chapters]
    source = Synthesizer(engine_spec(config), config.cache_dir, config.worker_count(), titles)
    remote_stats = RemoteStats()
    audio = assemble(
        utterances, titles, source, _pieces_dir(config), config.audio, config.pauses,
        encoders=config.worker_count(), progress=progress,
        remote=cluster.remote_for(config, remote_stats, {u.profile.engine for u in utterances}),
    )  # fmt: skip
    mp3, vtt = _export(audio, script, config, mp3, vtt)
    timeline = audio.timeline
    return Result(
        story=path,
        mp3=mp3,
        vtt=vtt,
        seconds=timeline.total / timeline.sample_rate,
        chapters=len(timeline.chapters),
        clips=len(utterances),
        synthesized=source.stats.misses + remote_stats.spoken,
        encoded=audio.encoded,
        warnings=prepared.warnings,
    )


def _check_output_format(config: Config) -> None:
    if config.format not in ("mp3", "m4b"):
        raise ConfigError(f"--format '{config.format}': choose mp3 or m4b")
    if config.split not in ("none", "chapters"):
        raise ConfigError(f"--split '{config.split}': choose none or chapters")
    if config.split == "chapters" and config.format != "mp3":
        raise ConfigError("--split chapters writes MP3 files; leave out --format m4b")


def comment(book: Book) -> str | None:
    """The comment tag: the summary, then an archive's fandom, rating, warnings and
    tags (kept in the file for players and libraries, never spoken)."""
    parts = [book.summary or "", book.work.describe() if book.work else ""]
    return "\n\n".join(p for p in parts if p) or None


def _export(
    audio: BookAudio, script: Script, config: Config, mp3: Path, vtt: Path
) -> tuple[Path, Path]:
    """Write the book as ``config.format`` and ``config.split`` ask; return what was
    written in place of the MP3 (an M4B, or the chapters' folder) and the transcript."""
    book = script.book
    tags = BookTags(book.title, book.author or UNKNOWN_AUTHOR, book.title, comment(book),
                    config.cover)  # fmt: skip
    kbps = config.audio.bitrate_kbps
    if config.split == "chapters":
        folder = mp3.with_suffix("")
        export_split(audio.pieces, audio.timeline, folder, tags, kbps)
        return folder, folder / f"{folder.name}.vtt"
    if config.format == "m4b":
        m4b = mp3.with_suffix(".m4b")
        export_m4b(audio.pieces, audio.timeline, m4b, vtt, tags, kbps)
        return m4b, vtt
    export(audio.pieces, audio.timeline, mp3, vtt, tags)
    return mp3, vtt


PREVIEW_TEXT = (
    "The lamps were lit along the harbour as the last boat came in. "
    '"We made it," she said, and laughed. "I told you we would."'
)


def preview(profile_name: str, text: str | None, output: Path | None, config: Config) -> Path:
    """A short MP3 of one voice profile saying ``text`` (or a stock passage)."""
    from audiobook.errors import VoiceError
    from audiobook.models import Utterance

    profiles, _ = voices(config)
    if profile_name not in profiles:
        raise VoiceError(
            f"no voice profile named '{profile_name}' (known: {', '.join(sorted(profiles))})"
        )
    profile = profiles[profile_name]
    written = spoken_text((text or PREVIEW_TEXT).strip() or PREVIEW_TEXT)
    # Said as generate would say it: the lexicons respell it, and it is spoken in
    # pieces if long; the transcript keeps the words as written.
    said = load_lexicon(lexicon_paths(config)).apply(written)
    utterance = Utterance(said, profile, profile_name, 0, config.pauses.lead_in_ms,
                          caption=written)
    output = output or config.out_dir / f"preview-{profile_name}.mp3"
    _check_writable(output.parent, output.name)
    source = Synthesizer(engine_spec(config), config.cache_dir, 1)
    audio = assemble([utterance], [profile_name], source, _pieces_dir(config), config.audio,
                     config.pauses)
    export(audio.pieces, audio.timeline, output, output.with_suffix(".vtt"),
           BookTags(f"Preview: {profile_name}", comment=profile.description))
    return output


def _pieces_dir(config: Config) -> Path:
    """Encoded chapters are cached beside the clips they are made of."""
    return config.cache_dir / "chapters"


def _check_writable(directory: Path, name: str) -> None:
    """Fail before hours of synthesis, not after, when the output cannot be written."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(
            f"{directory}: cannot create the output folder ({os_reason(exc)})"
        ) from exc
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=directory)
    except OSError as exc:
        raise ExportError(
            f"{directory}: cannot write to the output folder ({os_reason(exc)})"
        ) from exc
    os.close(fd)
    os.unlink(probe)
