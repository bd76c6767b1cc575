"""Synthesis worker processes: each starts one engine and speaks one clip at a time
into the cache (a temporary file, then a rename); the parent's pool hands out clips,
bounds each by a timeout, replaces a worker that dies or hangs, and stops them all
at once on Ctrl-C."""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
import sys
import time
import wave
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from audiobook.audio.engines import Engine, EngineSpec, create_engine
from audiobook.casting.plan import split_text
from audiobook.config import CLIP_TIMEOUT_S, MAX_CLIP_CHARS
from audiobook.errors import AudiobookError, EngineError, SynthesisError, os_reason
from audiobook.files import write_wav
from audiobook.models import Utterance, VoiceProfile

MAX_ATTEMPTS = 2
"""A clip whose worker dies or hangs is retried once in a fresh worker, then reported."""


START_TIMEOUT_S = 120.0
"""Longest a worker may take to start its engine."""


OTHERS_POLL_S = 0.02
"""While waiting on one engine's clip, how often the other engines' workers are
looked at, so that they are handed more clips as they finish."""


@dataclass
class SynthesisStats:
    """What one ``synthesize`` run did; filled in as clips are yielded."""

    hits: int = 0
    """Clips found in the cache (or already being made for an identical utterance)."""
    misses: int = 0
    """Clips the engine synthesised."""
    restarts: int = 0
    """Workers replaced after one died or hung."""


def clip_timeout(text: str, per_clip_s: float = CLIP_TIMEOUT_S) -> float:
    """How long the engine may take over ``text``: ``per_clip_s`` per started 1000 characters."""
    return per_clip_s * (1 + len(text) // MAX_CLIP_CHARS)


def where(utterance: Utterance, chapter_titles: Sequence[str] = ()) -> str:
    """'chapter 3 ("The Storm"), sentence 'He turned…' (text offset 120)', for messages."""
    number = utterance.chapter + 1
    title = chapter_titles[utterance.chapter] if utterance.chapter < len(chapter_titles) else ""
    chapter = f'chapter {number} ("{_snippet(title, 40)}")' if title else f"chapter {number}"
    return (
        f"{chapter}, sentence '{_snippet(utterance.text, 60)}' (text offset {utterance.start})"
    )


def _snippet(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length].rstrip() + "…"


_worker_engine: Engine | None = None


def _temp_name(target: Path, pid: int) -> Path:
    """Where worker ``pid`` writes ``target`` before renaming it (so a killed one's is known)."""
    return target.with_name(f".{target.name}.{pid}.tmp")


def _synthesize_in_worker(text: str, profile: VoiceProfile, out: str) -> None:
    """Speak ``text`` into the cache file ``out``: a temporary file, then a rename."""
    if _worker_engine is None:
        raise EngineError("the speech engine did not start")
    target = Path(out)
    tmp = _temp_name(target, os.getpid())
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        speak_in_pieces(_worker_engine, text, profile, tmp)
        os.replace(tmp, target)
    except AudiobookError:
        raise
    except OSError as exc:
        raise EngineError(
            f"the clip cannot be written to the cache folder {target.parent.parent} "
            f"({os_reason(exc)})"
        ) from None
    except Exception as exc:
        raise EngineError(f"{type(exc).__name__}: {exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def speak_in_pieces(engine: Engine, text: str, profile: VoiceProfile, out: Path) -> None:
    """Text longer than ``MAX_CLIP_CHARS`` is spoken in pieces (about 20,000 characters
    in one call crash espeak-ng) and their samples joined into one clip. An engine
    may ask for smaller pieces (``piece_chars(profile)``) and for a pause after each
    (``pause_after(piece)``, in samples), as Piper does to bound its memory."""
    limit = min(MAX_CLIP_CHARS, getattr(engine, "piece_chars", lambda _: MAX_CLIP_CHARS)(profile))
    pieces = split_text(text, max(1, limit))
    if len(pieces) == 1:
        engine.synthesize(text, profile, out)
        return
    pause_after = getattr(engine, "pause_after", lambda _: 0)
    piece_path = out.with_name(out.name + ".piece.wav")
    pcm = []
    try:
        for index, piece in enumerate(pieces):
            if index:
                pcm.append(bytes(2 * pause_after(pieces[index - 1])))
            engine.synthesize(piece, profile, piece_path)
            with wave.open(str(piece_path), "rb") as part:
                pcm.append(part.readframes(part.getnframes()))
    finally:
        with contextlib.suppress(FileNotFoundError):
            piece_path.unlink()
    write_wav(out, b"".join(pcm))


def _worker_main(conn: Connection, engine: str | EngineSpec) -> None:
    """A worker: start the engine, then speak one clip per request until told to stop."""
    global _worker_engine
    # Ctrl-C is the parent's to handle: it stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # pyttsx3 prints to stdout; the user's stdout is for the CLI's own output.
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker
    try:
        _worker_engine = create_engine(engine)
    except Exception as exc:
        message = str(exc) if isinstance(exc, AudiobookError) else f"{type(exc).__name__}: {exc}"
        conn.send(("failed", message))
        return
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        try:
            _synthesize_in_worker(*request)
        except Exception as exc:
            conn.send(("error", str(exc)))
        else:
            conn.send(("done", None))


@dataclass
class _Job:
    key: str
    utterance: Utterance
    path: Path
    attempts: int = 0
    error: AudiobookError | None = None
    """Why the clip cannot be made; raised when the clip's turn comes, not before."""


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    ready: bool = False
    job: _Job | None = None
    deadline: float = math.inf


@dataclass
class Pool:
    """Worker processes, started lazily, each speaking one clip at a time."""

    engine: str | EngineSpec
    size: int
    stats: SynthesisStats
    chapter_titles: Sequence[str]
    timeout_s: float
    workers: list[_Worker] = field(default_factory=list)
    queue: deque[_Job] = field(default_factory=deque)
    jobs: dict[str, _Job] = field(default_factory=dict)
    """Jobs queued or being spoken, by cache key."""

    def submit(self, key: str, utterance: Utterance, path: Path) -> None:
        job = _Job(key, utterance, path)
        self.jobs[key] = job
        self.queue.append(job)
        self._dispatch()

    def wait(self, key: str, others: Sequence[Pool] = ()) -> None:
        """Return once the clip ``key`` is in the cache; raise if it cannot be made.
        Meanwhile the ``others`` pools (other engines') collect and hand out clips too."""
        while (job := self.jobs.get(key)) is not None:
            if job.error is not None:
                raise job.error
            self._step(OTHERS_POLL_S if others else math.inf)
            for pool in others:
                pool._step(0.0)

    def _start_worker(self) -> None:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=_worker_main, args=(child, self.engine), daemon=True)
        # The child inherits a blocked SIGINT, so a Ctrl-C that reaches the whole
        # process group cannot interrupt it before it has set SIGINT to be ignored.
        with _sigint_blocked():
            process.start()
        child.close()
        self.workers.append(_Worker(process, parent, deadline=time.monotonic() + START_TIMEOUT_S))

    def _dispatch(self) -> None:
        while len(self.workers) < min(self.size, len(self.queue) + self._busy()):
            self._start_worker()
        for worker in list(self.workers):
            if not self.queue:
                return
            if worker.ready and worker.job is None:
                job = self.queue[0]
                u = job.utterance
                try:
                    worker.conn.send((u.text, u.profile, str(job.path)))
                except OSError:
                    # It died while idle; its replacement takes the clip.
                    _stop(worker)
                    self.workers.remove(worker)
                    continue
                self.queue.popleft()
                job.attempts += 1
                worker.job = job
                worker.deadline = time.monotonic() + clip_timeout(u.text, self.timeout_s)

    def _busy(self) -> int:
        return sum(1 for worker in self.workers if worker.job is not None)

    def _step(self, longest: float = math.inf) -> None:
        """Wait up to ``longest`` seconds for a worker to finish, start, die or hang."""
        waiting = [w for w in self.workers if w.job is not None or not w.ready]
        if not waiting:
            self._dispatch()
            return
        timeout = min(longest, max(0.0, min(w.deadline for w in waiting) - time.monotonic()))
        handles: list[Any] = [w.conn for w in waiting] + [w.process.sentinel for w in waiting]
        ready = set(wait(handles, timeout))
        for worker in waiting:
            if worker.conn in ready or worker.process.sentinel in ready:
                self._collect(worker)
            elif time.monotonic() >= worker.deadline:
                self._lost(worker, hung=True)
        self._dispatch()

    def _collect(self, worker: _Worker) -> None:
        try:
            has_message = worker.conn.poll()
            status, message = worker.conn.recv() if has_message else ("died", None)
        except (EOFError, OSError):
            status, message = "died", None
        if status == "died":
            self._lost(worker, hung=False)
        elif status == "ready":
            worker.ready = True
            worker.deadline = math.inf
        elif status == "failed":
            raise EngineError(f"The {self.engine} speech engine could not start: {message}")
        else:
            job = worker.job
            assert job is not None
            worker.job = None
            worker.deadline = math.inf
            if status == "error":
                u = job.utterance
                job.error = SynthesisError(
                    f"Could not synthesise {where(u, self.chapter_titles)} with voice profile "
                    f"{u.profile.name!r}: {message}"
                )
                return
            del self.jobs[job.key]
            self.stats.misses += 1

    def _lost(self, worker: _Worker, *, hung: bool) -> None:
        """A worker died or hung: replace it and retry its clip, or report the clip."""
        _stop(worker)
        self.workers.remove(worker)
        job = worker.job
        if job is None:
            if not worker.ready:
                what = "did not start" if hung else "stopped while starting"
                raise EngineError(f"The {self.engine} speech engine {what}.")
            return  # an idle worker died; a new one is started when needed
        self.stats.restarts += 1
        if job.attempts >= MAX_ATTEMPTS:
            u = job.utterance
            if hung:
                limit = clip_timeout(u.text, self.timeout_s)
                job.error = SynthesisError(
                    f"The speech engine hung on {where(u, self.chapter_titles)}: it did not "
                    f"finish within {limit:g} s, {MAX_ATTEMPTS} times; change or remove that text."
                )
            else:
                job.error = SynthesisError(
                    f"The speech engine crashed {MAX_ATTEMPTS} times while speaking "
                    f"{where(u, self.chapter_titles)}; change or remove that text."
                )
            return
        self.queue.appendleft(job)

    def close(self, *, kill: bool) -> None:
        """Stop every worker: politely when all went well, at once otherwise."""
        if not kill:
            for worker in self.workers:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
            deadline = time.monotonic() + 5
            for worker in self.workers:
                worker.process.join(max(0.0, deadline - time.monotonic()))
        for worker in self.workers:
            _stop(worker)
        self.workers.clear()


def _stop(worker: _Worker) -> None:
    """Kill ``worker`` if it still runs, and remove the file it was writing."""
    if worker.process.is_alive():
        worker.process.kill()
    worker.process.join()
    worker.conn.close()
    if worker.job is not None:
        pid = worker.process.pid
        if pid is not None:
            tmp = _temp_name(worker.job.path, pid)
            for leftover in tmp.parent.glob(f"{tmp.name}*"):
                with contextlib.suppress(OSError):
                    leftover.unlink()


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not on Linux
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
