"""The options the commands share, and the consoles they write to: stdout for what a
command shows, stderr for messages and progress."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

out = Console(highlight=False, soft_wrap=True, emoji=False)


err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


CastOpt = Annotated[
    Path | None, typer.Option("--cast", help="Cast file (TOML) choosing voices and characters.")
]


VoicesOpt = Annotated[
    Path | None, typer.Option("--voices", help="Folder of voice profiles (default: voices/).")
]


EncodingOpt = Annotated[
    str | None, typer.Option("--encoding", help="Force the story file's text encoding.")
]


TitleOpt = Annotated[str | None, typer.Option("--title", help="Override the story's title.")]


AuthorOpt = Annotated[str | None, typer.Option("--author", help="Override the story's author.")]


NotesOpt = Annotated[
    bool, typer.Option("--read-notes", help="Read the author's notes aloud too.")
]


LexiconOpt = Annotated[
    list[Path] | None,
    typer.Option("--lexicon", help="Pronunciation lexicon (TOML); repeat for several."),
]


NarratorOpt = Annotated[
    str | None, typer.Option("--narrator", help="Voice profile for the narrator.")
]


EngineOpt = Annotated[
    str,
    typer.Option("--engine", help="Speech engine: pyttsx3 (espeak-ng on Linux), piper (natural "
                 "voices: pip install 'audiobook[piper]'), or fake (tones, for tests)."),
]


PiperVoicesOpt = Annotated[
    list[Path] | None,
    typer.Option("--piper-voices", metavar="DIR",
                 help="Folder of Piper voices (NAME.onnx and NAME.onnx.json); repeat for "
                 "several. $AUDIOBOOK_PIPER_VOICES and the data folder's piper/ come next."),
]


DriverOpt = Annotated[
    str | None,
    typer.Option(
        "--driver",
        help="pyttsx3 driver: espeak, sapi5, nsss, or another under pyttsx3.drivers "
        "(default: pyttsx3's choice for this system).",
    ),
]


StoryArg = Annotated[
    Path, typer.Argument(help="Story file, or a folder of one story's chapter pages.")
]


DoubtOpt = Annotated[
    float | None,
    typer.Option("--doubt", min=0.0, max=1.0, metavar="P",
                 help="Read quotes less sure than P in a shared voice (0: never; "
                      "default: the benchmark's choice)."),
]


FixesOpt = Annotated[
    list[Path] | None,
    typer.Option("--fixes", help="Fixes file from `audiobook review`, edited (repeatable)."),
]


@contextmanager
def closing_clusters() -> Iterator[None]:
    """Cluster clients (and a LocalCluster) live as long as the command."""
    try:
        yield
    finally:
        from audiobook import cluster

        cluster.close_all()
