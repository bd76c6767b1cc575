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
from audiobook.text.formats import HTML_SUFFIXES
from audiobook.text.read import Story, archive_page, story_label

STORY_SUFFIXES = frozenset(
    {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml", ".epub"}
)


class Interrupted(AudiobookError):
    """The user stopped the run."""


@dataclass(frozen=True)
class Outcome:
    story: Story
    result: Result | None = None
    error: str | None = None


def collect_stories(paths: Sequence[Path]) -> list[Story]:
    """Files as given, and the story files directly inside any folder given; the
    chapter pages of one archive story are one story."""
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
    return group_pages(stories)


def single_story(path: Path) -> Story:
    """A story file, or a folder that holds the chapter pages of one archive story."""
    if not path.is_dir():
        return path
    found = collect_stories([path])
    if len(found) != 1 or not isinstance(found[0], tuple):
        raise InputError(
            f"{path} is a folder: name a story file in it (a folder is one story only "
            "when it holds the chapter pages of one archive story)."
        )
    return found[0]


def group_pages(paths: Sequence[Path]) -> list[Story]:
    """Chapter pages of one archive story (same archive and story id) as one story, in
    the place of its first page; every other file stays a story of its own."""
    keys: dict[Path, tuple[str, str]] = {}
    parts: set[tuple[str, str, int]] = set()
    repeats: set[Path] = set()
    # A browser saves a page again as "ch2 (1).html": the plain name is kept first.
    for path in sorted(dict.fromkeys(paths), key=lambda p: (len(p.name), p.name)):
        if path.suffix.lower() in HTML_SUFFIXES:
            page = archive_page(path)
            if page is not None and page.info.story_id and page.info.part is not None:
                key = (page.info.archive, page.info.story_id)
                if (*key, page.info.part) in parts:
                    repeats.add(path)  # the same chapter saved twice ("ch2 (1).html")
                    continue
                parts.add((*key, page.info.part))
                keys[path] = key
    groups: dict[tuple[str, str], list[Path]] = {}
    for path, key in keys.items():
        groups.setdefault(key, []).append(path)
    out: list[Story] = []
    placed: set[tuple[str, str]] = set()
    for path in dict.fromkeys(paths):
        found = keys.get(path)
        if path in repeats:
            continue
        if found is None or len(groups[found]) < 2:
            out.append(path)
        elif found not in placed:
            placed.add(found)
            out.append(tuple(groups[found]))
    return out


def generate_many(
    stories: Sequence[Story],
    config: Config,
    *,
    progress_for: Callable[[Story], Progress] | None = None,
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

    def one(story: Story) -> Outcome:
        report = progress_for(story) if progress_for else None

        def tick(done: int, total: int) -> None:
            if cancel.is_set():
                raise Interrupted(f"{story_label(story)}: stopped")
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
