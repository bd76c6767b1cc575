"""The `audiobook` command: parses options, calls the library, turns its errors into one line."""

from __future__ import annotations

import json
import signal
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from audiobook import batch, pipeline
from audiobook.casting.cast import line_counts, render_cast_file, write_text_atomic
from audiobook.casting.plan import doubtful
from audiobook.casting.review import render_review
from audiobook.cli.options import (
    AuthorOpt,
    CastOpt,
    DoubtOpt,
    DriverOpt,
    EncodingOpt,
    EngineOpt,
    FixesOpt,
    LexiconOpt,
    NarratorOpt,
    NotesOpt,
    PiperVoicesOpt,
    StoryArg,
    TitleOpt,
    VoicesOpt,
    closing_clusters,
    err,
    out,
)
from audiobook.cli.progress import made_line, progress_bars
from audiobook.cli.serve import serve_studio
from audiobook.cli.views import print_script, print_voices
from audiobook.config import Config, audio_settings
from audiobook.errors import AudiobookError
from audiobook.output.script_json import script_json

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Turn stories into multi-voice audiobooks: one chaptered MP3 and transcript per story.",
)


@contextmanager
def user_errors() -> Iterator[None]:
    """Library errors become one line on stderr and exit code 1; Ctrl-C exits 130."""
    try:
        yield
    except AudiobookError as exc:
        err.print(f"audiobook: error: {escape(str(exc))}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print("audiobook: interrupted; finished clips are cached and the next run resumes")
        raise typer.Exit(130) from None


def _warn(warnings: tuple[str, ...]) -> None:
    for line in warnings:
        err.print(f"audiobook: warning: {escape(line)}")


def _config(**kwargs: Any) -> Config:
    if kwargs.get("piper_voices"):
        kwargs["piper_voices"] = tuple(kwargs["piper_voices"])
    return replace(Config(), **{k: v for k, v in kwargs.items() if v is not None})


@app.command()
def generate(
    stories: Annotated[
        list[Path],
        typer.Argument(help="Story files (text, Markdown, HTML, EPUB) or folders of them."),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output folder.")] = Path("out"),
    cast: CastOpt = None,
    voices: VoicesOpt = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=0, help="Synthesis processes (0: CPU count).")
    ] = 0,
    title: TitleOpt = None,
    author: AuthorOpt = None,
    cover: Annotated[
        Path | None, typer.Option("--cover", help="Front cover image (JPEG or PNG).")
    ] = None,
    encoding: EncodingOpt = None,
    read_notes: NotesOpt = False,
    cache: Annotated[
        Path | None, typer.Option("--cache", help="Cache folder (clips and encoded chapters).")
    ] = None,
    lexicon: LexiconOpt = None,
    narrator: NarratorOpt = None,
    chapters: Annotated[
        str | None, typer.Option("--chapters", help="Render only these chapters, e.g. 1-3,7.")
    ] = None,
    engine: EngineOpt = "pyttsx3",
    driver: DriverOpt = None,
    piper_voices: PiperVoicesOpt = None,
    format: Annotated[
        str, typer.Option("--format", help="mp3, or m4b (AAC with chapters, for audiobook apps).")
    ] = "mp3",
    split: Annotated[
        str, typer.Option("--split", help="none, or chapters: one MP3 per chapter and a playlist.")
    ] = "none",
    quality: Annotated[
        str,
        typer.Option(
            "--quality",
            help="compact (22,050 Hz, 64 kbps, for listening) or high (44,100 Hz, 192 kbps).",
        ),
    ] = "compact",
    loudness: Annotated[
        float | None,
        typer.Option("--loudness", help="Integrated loudness in LUFS (default -19).",
                     metavar="LUFS"),
    ] = None,
    true_peak: Annotated[
        float | None,
        typer.Option("--true-peak", help="Highest true peak in dBTP (default -1.5).",
                     metavar="DBTP"),
    ] = None,
    doubt: DoubtOpt = None,
    fixes: FixesOpt = None,
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", metavar="ADDRESS",
                     help="Synthesise and encode on a Dask cluster (tcp://host:8786, or "
                          "local[:N]); --cache is then the folder on each worker."),
    ] = None,
) -> None:
    """Make one MP3 (with chapters and tags) and one .vtt transcript per story."""
    config = _config(
        out_dir=output, cast_file=cast, voices_dir=voices, jobs=jobs, title=title, author=author,
        cover=cover, encoding=encoding, read_notes=read_notes, cache_dir=cache, engine=engine,
        driver=driver, piper_voices=piper_voices, lexicons=tuple(lexicon) if lexicon else None,
        narrator=narrator,
        format=format, split=split, doubt=doubt, fixes=tuple(fixes) if fixes else None,
        cluster=cluster, cluster_cache=cache if cluster else None,
    )
    with user_errors(), closing_clusters():
        config = replace(config, audio=audio_settings(quality, loudness, true_peak))
        if chapters is not None:
            config = replace(config, chapters=pipeline.parse_chapters(chapters))
        paths = batch.collect_stories(stories)
        if len(paths) == 1 and (paths == stories or isinstance(paths[0], tuple)):
            with progress_bars() as progress_for:
                result = pipeline.generate(paths[0], config, progress=progress_for(paths[0]))
            _warn(result.warnings)
            err.print(made_line(paths[0], result))
            return
        with progress_bars() as progress_for:
            outcomes = batch.generate_many(paths, config, progress_for=progress_for)
    failed = [o for o in outcomes if o.result is None]
    for outcome in outcomes:
        if outcome.result is not None:
            _warn(outcome.result.warnings)
            err.print(made_line(outcome.story, outcome.result))
        else:
            label = escape(pipeline.story_label(outcome.story))
            err.print(f"{label}: failed: {escape(outcome.error or '')}")
    err.print(f"made {len(outcomes) - len(failed)} of {len(outcomes)} audiobooks")
    if failed:
        raise typer.Exit(1)




@app.command()
def script(
    story: StoryArg,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable JSON.")] = False,
    as_text: Annotated[
        bool, typer.Option("--text", help="The story's text, as the JSON offsets count it.")
    ] = False,
    cast: CastOpt = None,
    voices: VoicesOpt = None,
    encoding: EncodingOpt = None,
    title: TitleOpt = None,
    author: AuthorOpt = None,
    read_notes: NotesOpt = False,
    lexicon: LexiconOpt = None,
    narrator: NarratorOpt = None,
    engine: EngineOpt = "pyttsx3",
    driver: DriverOpt = None,
    piper_voices: PiperVoicesOpt = None,
    doubt: DoubtOpt = None,
    fixes: FixesOpt = None,
) -> None:
    """Show the segmented, attributed script, without synthesis."""
    config = _config(cast_file=cast, voices_dir=voices, encoding=encoding, title=title,
                     author=author, read_notes=read_notes, narrator=narrator, engine=engine,
                     driver=driver, piper_voices=piper_voices,
                     lexicons=tuple(lexicon) if lexicon else None,
                     doubt=doubt, fixes=tuple(fixes) if fixes else None)
    with user_errors():
        if as_text:
            out.file.write(pipeline.source_text(batch.single_story(story), config))
            return
        prepared = pipeline.prepare(batch.single_story(story), config)
        _warn(prepared.warnings)
        result, cast_ = prepared.script, prepared.cast
        if as_json:
            out.file.write(json.dumps(script_json(result, cast_, prepared.doubt),
                                      ensure_ascii=False, indent=1) + "\n")
            return
        print_script(prepared)


@app.command(name="cast")
def cast_command(
    story: StoryArg,
    write: Annotated[
        Path | None, typer.Option("--write", help="Save an editable cast file here.")
    ] = None,
    cast: CastOpt = None,
    voices: VoicesOpt = None,
    encoding: EncodingOpt = None,
    narrator: NarratorOpt = None,
    engine: EngineOpt = "pyttsx3",
    driver: DriverOpt = None,
    piper_voices: PiperVoicesOpt = None,
    doubt: DoubtOpt = None,
    fixes: FixesOpt = None,
) -> None:
    """List the characters found, their gender, line counts and voices."""
    config = _config(cast_file=cast, voices_dir=voices, encoding=encoding, narrator=narrator,
                     engine=engine, driver=driver, piper_voices=piper_voices, doubt=doubt,
                     fixes=tuple(fixes) if fixes else None)
    with user_errors():
        prepared = pipeline.prepare(batch.single_story(story), config)
        _warn(prepared.warnings)
        result, cast_ = prepared.script, prepared.cast
        counts = line_counts(result)
        unsure = Counter(s.speaker for s in result.segments if doubtful(s, prepared.doubt))
        narrator_ = cast_.narrator
        out.print(f"narrator: {narrator_.name} ({escape(narrator_.voice)})")
        for c in sorted(result.characters, key=lambda c: (-counts[c.name], c.name)):
            aliases = f" (also {', '.join(c.aliases)})" if c.aliases else ""
            profile = cast_.profile_for(c.name)
            lines = f"{counts[c.name]} lines"
            if unsure[c.name]:
                lines += f" ({unsure[c.name]} doubtful, read in a shared voice)"
            out.print(
                f"{escape(c.name)}{escape(aliases)}: {c.gender.value}, {lines}, "
                f"voice {profile.name} ({escape(profile.voice)}), from {c.origin}"
            )
        if write is not None:
            write_text_atomic(write, render_cast_file(result, cast_))
            err.print(f"wrote {escape(str(write))}")


@app.command()
def review(
    story: StoryArg,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the review file here.")
    ] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Every quote in story order, not only doubtful ones.")
    ] = False,
    doubt: DoubtOpt = None,
    fixes: FixesOpt = None,
    cast: CastOpt = None,
    voices: VoicesOpt = None,
    encoding: EncodingOpt = None,
    read_notes: NotesOpt = False,
    engine: EngineOpt = "pyttsx3",
    driver: DriverOpt = None,
    piper_voices: PiperVoicesOpt = None,
) -> None:
    """Write the quotes to check (least sure first) as a TOML file to edit and pass
    back with --fixes."""
    config = _config(cast_file=cast, voices_dir=voices, encoding=encoding,
                     read_notes=read_notes, engine=engine, driver=driver,
                     piper_voices=piper_voices, doubt=doubt,
                     fixes=tuple(fixes) if fixes else None)
    with user_errors():
        prepared = pipeline.prepare(batch.single_story(story), config)
        _warn(prepared.warnings)
        text = render_review(prepared.script, prepared.doubt, everything)
        if output is None:
            out.file.write(text)
            return
        write_text_atomic(output, text)
        err.print(f"wrote {escape(str(output))}")


@app.command()
def studio(
    path: Annotated[
        Path, typer.Argument(help="A folder of stories (the library) or one story file.")
    ] = Path("."),
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Where books go (default: out/).")
    ] = None,
    engine: EngineOpt = "pyttsx3",
    driver: DriverOpt = None,
    piper_voices: PiperVoicesOpt = None,
    cache: Annotated[
        Path | None, typer.Option("--cache", help="Cache folder (clips and encoded chapters).")
    ] = None,
    voices: VoicesOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port.")] = 8765,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the studio in the web browser.")
    ] = False,
) -> None:
    """Serve the studio, a local web page to review, fix, generate and listen."""
    config = _config(engine=engine, driver=driver, piper_voices=piper_voices, cache_dir=cache,
                     voices_dir=voices)
    with user_errors():
        serve_studio(path, output, config, host, port, open_browser)


@app.command(name="voices")
def voices_command(
    voices: VoicesOpt = None,
    engine: EngineOpt = "pyttsx3",
    driver: DriverOpt = None,
    piper_voices: PiperVoicesOpt = None,
) -> None:
    """List the voice profiles, the installed voice each speaks with here, and the
    voices the engine has installed (with Piper, the voice models found)."""
    config = _config(voices_dir=voices, engine=engine, driver=driver, piper_voices=piper_voices)
    with user_errors():
        print_voices(config)


@app.command()
def preview(
    profile: Annotated[str, typer.Argument(help="Voice profile name.")],
    text: Annotated[str | None, typer.Argument(help="What to say.")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="MP3 file.")] = None,
    voices: VoicesOpt = None,
    engine: EngineOpt = "pyttsx3",
    driver: DriverOpt = None,
    piper_voices: PiperVoicesOpt = None,
    cache: Annotated[
        Path | None, typer.Option("--cache", help="Cache folder (clips and encoded chapters).")
    ] = None,
) -> None:
    """Speak a short sample with one profile, to audition it."""
    config = _config(voices_dir=voices, engine=engine, driver=driver, piper_voices=piper_voices,
                     cache_dir=cache)
    with user_errors():
        path = pipeline.preview(profile, text, output, config)
        err.print(f"wrote {escape(str(path))}")


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # `kill` and service managers stop a run as Ctrl-C does: workers and encoders are
    # stopped, temporary files removed, and the next run resumes from the cache.
    signal.signal(signal.SIGTERM, _stop)
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - outside any command
        sys.stderr.write("audiobook: interrupted\n")
        sys.exit(130)
