"""A folder of stories, as the studio shows it: each story's title, size and book, and
the fixes and cast files kept beside its book.

Stories are known by an id (their path inside the folder, with ``/``); a request
naming anything else is refused, so nothing outside the folder is ever read. Files
reached through a link that leaves the folder are not stories of it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path

from audiobook import batch, pipeline
from audiobook.casting.cast import edit_cast, load_cast_file, write_text_atomic
from audiobook.casting.fixes import set_fix
from audiobook.config import Config
from audiobook.errors import InputError
from audiobook.files import safe_filename
from audiobook.models import Book
from audiobook.text.read import Story, read
from audiobook.text.structure import structure


@dataclass(frozen=True)
class ShelfStory:
    id: str
    """The story's path inside the folder ("a/b.txt"); a folder of chapter pages is
    known by its first page."""
    story: Story


@dataclass(frozen=True)
class StoryInfo:
    id: str
    title: str
    author: str | None
    chapters: int
    words: int
    book: Path | None
    """The finished MP3, when there is one."""
    current: bool
    """Whether the book is newer than the story, its fixes and its cast file."""


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):
        return False


class Shelf:
    """The stories of one folder (or one story file) and where their books go."""

    def __init__(self, path: Path, out_dir: Path | None = None, config: Config | None = None):
        path = Path(path)
        if not path.exists():
            raise InputError(f"{path} does not exist.")
        self.single = path if path.is_file() else None
        self.root = (path.parent if path.is_file() else path).resolve()
        self.out_dir = (out_dir or self.root / "out").resolve()
        self.config = replace(config or Config(), out_dir=self.out_dir)
        self._lock = threading.Lock()
        self._editing = threading.Lock()
        self._books: dict[tuple[str, float], Book] = {}

    # --- which stories --------------------------------------------------------------

    def stories(self) -> list[ShelfStory]:
        try:
            found = batch.collect_stories([self.single or self.root])
        except InputError:
            return []  # an empty library: the page says how to fill it
        out = []
        for story in found:
            paths = story if isinstance(story, tuple) else (story,)
            if not all(_inside(p, self.root) for p in paths):
                continue  # a link out of the folder
            if any(_inside(p, self.out_dir) for p in paths):
                continue
            first = paths[0].resolve().relative_to(self.root).as_posix()
            out.append(ShelfStory(first, story))
        return out

    def get(self, story_id: str) -> ShelfStory:
        for story in self.stories():
            if story.id == story_id:
                return story
        raise InputError(f"no story {story_id[:200]!r} in {self.root}")

    # --- what a story is ------------------------------------------------------------

    def book(self, story: ShelfStory) -> Book:
        """The story's structure (title, chapters), read once per change of the file."""
        paths = story.story if isinstance(story.story, tuple) else (story.story,)
        key = (story.id, max(p.stat().st_mtime for p in paths))
        with self._lock:
            if key not in self._books:
                self._books[key] = structure(read(story.story, self.config.encoding))
            return self._books[key]

    def files_for(self, title: str) -> tuple[Path, Path, Path]:
        """The book's MP3, and the fixes and cast files kept beside it."""
        stem = safe_filename(title)
        return (self.out_dir / f"{stem}.mp3", self.out_dir / f"{stem}.fixes.toml",
                self.out_dir / f"{stem}.cast.toml")

    def info(self, story: ShelfStory) -> StoryInfo:
        book = self.book(story)
        mp3, fixes, cast = self.files_for(book.title)
        paths = story.story if isinstance(story.story, tuple) else (story.story,)
        inputs = [p.stat().st_mtime for p in (*paths, fixes, cast) if p.exists()]
        made = mp3.stat().st_mtime if mp3.exists() else None
        words = sum(len(book.document.text[c.start : c.end].split()) for c in book.chapters)
        return StoryInfo(story.id, book.title, book.author, len(book.chapters), words,
                         mp3 if made is not None else None,
                         made is not None and made >= max(inputs))

    def story_config(self, story: ShelfStory) -> Config:
        """The settings ``generate`` uses for this story: its cast and fixes files."""
        _, fixes, cast = self.files_for(self.book(story).title)
        config = self.config
        if cast.exists():
            config = replace(config, cast_file=cast)
        if fixes.exists():
            config = replace(config, fixes=(*config.fixes, fixes))
        return config

    def prepare(self, story: ShelfStory) -> pipeline.Prepared:
        return pipeline.prepare(story.story, self.story_config(story))

    # --- edits ------------------------------------------------------------------------

    def fix(self, story: ShelfStory, quote_id: str, speaker: str) -> None:
        """Give one quote a speaker in the story's fixes file (other quotes' fixes stay)."""
        prepared = self.prepare(story)
        seg = next((s for s in prepared.script.segments if s.id == quote_id), None)
        if seg is None:
            raise InputError(f"no quote {quote_id[:64]!r} in '{prepared.script.book.title}'")
        self.out_dir.mkdir(parents=True, exist_ok=True)
        _, fixes, _ = self.files_for(prepared.script.book.title)
        set_fix(fixes, prepared.script.book.title, quote_id, speaker,
                prepared.script.text(seg))

    def edit_cast(self, story: ShelfStory, edit: str, name: str, value: str) -> None:
        """One cast edit (rename, merge, gender, voice), saved in the story's cast file."""
        with self._editing:
            prepared = self.prepare(story)
            _, _, cast = self.files_for(prepared.script.book.title)
            pauses = load_cast_file(cast).pauses if cast.exists() else ()
            text, _ = edit_cast(prepared.script, prepared.cast, prepared.profiles, edit, name,
                                value, pauses)
            self.out_dir.mkdir(parents=True, exist_ok=True)
            write_text_atomic(cast, text)
