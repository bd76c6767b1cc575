"""Books being made in the background for the studio: one at a time per story, with
clips done and in all, the time left, a cancel switch and the error, if any, in the
one-line words the command line uses."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from audiobook import pipeline
from audiobook.errors import AudiobookError
from audiobook.shelf import Shelf, ShelfStory


class Cancelled(AudiobookError):
    """The user cancelled the book."""


@dataclass
class Job:
    story: str
    state: str = "running"
    """"running", "done", "failed" or "cancelled"."""
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.monotonic)
    error: str | None = None
    made: str | None = None
    """The one line the command line prints for a finished book."""
    cancel: threading.Event = field(default_factory=threading.Event)

    def snapshot(self) -> dict[str, object]:
        left = None
        if self.state == "running" and self.done and self.total:
            spent = time.monotonic() - self.started
            left = round(spent / self.done * (self.total - self.done))
        return {"state": self.state, "done": self.done, "total": self.total,
                "seconds_left": left, "error": self.error, "made": self.made}


class Jobs:
    """The studio's background books."""

    def __init__(self, shelf: Shelf) -> None:
        self.shelf = shelf
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, story_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(story_id)

    def start(self, story: ShelfStory) -> Job | None:
        """The story's book being made (a new one unless one runs); None while a
        cancelled one is still stopping."""
        with self._lock:
            running = self._jobs.get(story.id)
            if running is not None and running.state == "running":
                return None if running.cancel.is_set() else running
            job = Job(story.id)
            self._jobs[story.id] = job
        threading.Thread(target=self._run, args=(story, job), daemon=True,
                         name=f"studio-generate-{story.id}").start()
        return job

    def cancel(self, story_id: str) -> Job | None:
        job = self.get(story_id)
        if job is not None:
            job.cancel.set()
        return job

    def _run(self, story: ShelfStory, job: Job) -> None:
        def tick(done: int, total: int) -> None:
            if job.cancel.is_set():
                raise Cancelled("cancelled")
            job.done, job.total = done, total

        try:
            result = pipeline.generate(story.story, self.shelf.story_config(story),
                                       progress=tick)
        except Cancelled:
            job.state = "cancelled"
        except AudiobookError as exc:
            job.error, job.state = str(exc), "failed"
        except Exception as exc:  # the page must hear of any failure, whatever it is
            job.error, job.state = f"unexpected error: {exc}", "failed"
        else:
            job.done = job.total = result.clips
            job.made = f"{result.mp3.name} ({result.summary()})"
            job.state = "done"
