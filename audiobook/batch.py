"""Many stories -> one audiobook each: story discovery, parallel runs, and an outcome per story.

Stories run side by side, as many as there are worker processes to share, each
with its share of the synthesis workers; a failure in one story is recorded and
the others go on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path

from audiobook.config import Config
from audiobook.errors import AudiobookError, InputError
from audiobook.pipeline import Progress, Result, generate

STORY_SUFFIXES = frozenset(
    {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml", ".epub"}
)


class Interrupted(AudiobookError):
    """The user stopped the run."""


@dataclass(frozen=True)
class Outcome:
    story: Path
    result: Result | None = None
    error: str | None = None


def collect_stories(paths: Sequence[Path]) -> list[Path]:
    """Files as given, and the story files directly inside any folder given."""
    stories: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in STORY_SUFFIXES and not p.name.startswith(".")
            )
            if not found:
                suffixes = ", ".join(sorted(STORY_SUFFIXES))
                raise InputError(f"{path}: no story files ({suffixes}) in this folder")
            stories.extend(found)
        else:
            stories.append(path)
    return stories


def generate_many(
    stories: Sequence[Path],
    config: Config,
    *,
    progress_for: Callable[[Path], Progress] | None = None,
    cancel: threading.Event | None = None,
) -> list[Outcome]:
    """Generate every story; an outcome per story, in the order given.

    Setting ``cancel`` stops every story at its next clip, removing its partial
    output, so the caller can stop the batch on Ctrl-C.
    """
    cancel = cancel or threading.Event()
    workers = config.worker_count()
    side_by_side = max(1, min(len(stories), workers))
    share = replace(config, jobs=max(1, workers // side_by_side))
    taken: set[str] = set()

    def one(story: Path) -> Outcome:
        report = progress_for(story) if progress_for else None

        def tick(done: int, total: int) -> None:
            if cancel.is_set():
                raise Interrupted(f"{story}: stopped")
            if report is not None:
                report(done, total)

        try:
            return Outcome(story, result=generate(story, share, progress=tick, taken=taken))
        except AudiobookError as exc:
            return Outcome(story, error=str(exc))

    with ThreadPoolExecutor(max_workers=side_by_side, thread_name_prefix="story") as pool:
        futures = [pool.submit(one, story) for story in stories]
        try:
            wait(futures)
        except KeyboardInterrupt:
            cancel.set()
            wait(futures)
            raise
    return [future.result() for future in futures]
