"""Progress and results on stderr: a live bar per story on a terminal (clips done,
total, time left), plain lines otherwise, and one line for each book made."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.markup import escape

from audiobook import pipeline
from audiobook.cli.options import (
    err,
)


def made_line(story: pipeline.Story, result: pipeline.Result) -> str:
    return (
        f"{escape(pipeline.story_label(story))}: wrote {escape(str(result.mp3))} "
        f"({escape(result.summary())}) and {escape(str(result.vtt))}"
    )


@contextmanager
def progress_bars() -> Iterator[Callable[[pipeline.Story], Callable[[int, int], None]]]:
    """Per story, a live bar with clips done, total and ETA on a terminal; else plain lines."""
    if err.is_terminal:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("clips"), TimeRemainingColumn())
        with Progress(*columns, console=err, transient=True) as bar:

            def bar_for(story: pipeline.Story) -> Callable[[int, int], None]:
                task = bar.add_task(escape(pipeline.story_label(story)), total=None)

                def update(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                return update

            yield bar_for
        return

    def lines_for(story: pipeline.Story) -> Callable[[int, int], None]:
        state = {"step": -1}

        def plain(done: int, total: int) -> None:
            step = 10 * done // max(total, 1)
            if step != state["step"]:
                state["step"] = step
                err.print(f"{escape(pipeline.story_label(story))}: {done}/{total} clips")

        return plain

    yield lines_for
