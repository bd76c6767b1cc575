"""Utterances -> clips: each utterance's WAV, made by spawned engine workers or found in the cache.

Clips are yielded in book order as soon as each is ready, with a bounded window of
work in flight, so assembly overlaps synthesis and memory stays flat however long
the book. The cache is content-addressed (engine identity, voice settings, text)
and shared safely between runs: workers write a temporary file and rename it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from audiobook.config import CLIP_TIMEOUT_S, MAX_CLIP_CHARS
from audiobook.engines import Engine, create_engine, engine_identity
from audiobook.errors import AudiobookError, EngineError, SynthesisError
from audiobook.models import Clip, Utterance, VoiceProfile

MAX_ATTEMPTS = 2
"""A clip whose worker dies is retried once in a fresh pool, then reported."""


@dataclass
class SynthesisStats:
    """What one ``synthesize`` run did; filled in as clips are yielded."""

    hits: int = 0
    """Clips found in the cache (or already being made for an identical utterance)."""
    misses: int = 0
    """Clips the engine synthesised."""
    restarts: int = 0
    """Times the worker pool was recreated after a worker died."""


def clip_key(identity: str, profile: VoiceProfile, text: str) -> str:
    """The cache key: sha256 of the engine identity, the audible settings and the text."""
    payload = json.dumps([identity, profile.settings(), text], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def clip_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / f"{key}.wav"


def count_missing(utterances: Sequence[Utterance], engine: str, cache_dir: Path) -> int:
    """How many distinct clips a ``synthesize`` run would have to synthesise now."""
    identity = engine_identity(engine)
    keys = {clip_key(identity, u.profile, u.text) for u in utterances}
    return sum(1 for key in keys if not clip_path(cache_dir, key).exists())


def _snippet(text: str, length: int = 16) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length] + "…"


# --- worker process side -------------------------------------------------------

_worker_engine: Engine | None = None
_worker_error: str | None = None


def _init_worker(engine: str) -> None:
    global _worker_engine, _worker_error
    # pyttsx3 prints to stdout; the user's stdout is for the CLI's own output.
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker
    try:
        _worker_engine = create_engine(engine)
    except Exception as exc:
        # An initializer that raises breaks the pool with no message; report it per clip.
        _worker_error = (
            str(exc) if isinstance(exc, AudiobookError) else f"{type(exc).__name__}: {exc}"
        )


def _synthesize_in_worker(text: str, profile: VoiceProfile, out: str) -> None:
    if _worker_engine is None:
        raise EngineError(_worker_error or "the speech engine did not start")
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem[:12]}-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    # A hung engine would hang the run; dying instead lets the parent retry in a new pool.
    limit = CLIP_TIMEOUT_S * (1 + len(text) // MAX_CLIP_CHARS)
    watchdog = threading.Timer(limit, os._exit, args=(75,))
    watchdog.daemon = True
    watchdog.start()
    try:
        _worker_engine.synthesize(text, profile, Path(tmp))
        os.replace(tmp, target)
    except AudiobookError:
        raise
    except Exception as exc:
        raise EngineError(f"{type(exc).__name__}: {exc}") from None
    finally:
        watchdog.cancel()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


# --- main process side ---------------------------------------------------------


class _Pool:
    """A lazily started spawn pool plus the clips in flight, keyed by cache key."""

    def __init__(self, engine: str, jobs: int, stats: SynthesisStats) -> None:
        self.engine = engine
        self.jobs = jobs
        self.stats = stats
        self.executor: ProcessPoolExecutor | None = None
        self.inflight: dict[str, tuple[Future[None], Utterance, Path]] = {}
        self.attempts: dict[str, int] = {}

    def _executor(self) -> ProcessPoolExecutor:
        if self.executor is None:
            self.executor = ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.engine,),
            )
        return self.executor

    def submit(self, key: str, utterance: Utterance, path: Path) -> None:
        self.attempts[key] = self.attempts.get(key, 0) + 1
        future = self._executor().submit(
            _synthesize_in_worker, utterance.text, utterance.profile, str(path)
        )
        self.inflight[key] = (future, utterance, path)

    def restart(self) -> None:
        """Replace a broken pool and resubmit what was in flight, once per clip."""
        self.close()
        self.stats.restarts += 1
        for key, (_, utterance, path) in list(self.inflight.items()):
            if self.attempts[key] >= MAX_ATTEMPTS:
                raise SynthesisError(
                    f"The speech engine crashed twice while speaking '{_snippet(utterance.text)}' "
                    f"(or a clip just before it, at text offset {utterance.start})."
                )
            self.submit(key, utterance, path)

    def wait(self, key: str) -> None:
        while key in self.inflight:
            future, utterance, _ = self.inflight[key]
            try:
                future.result()
            except BrokenProcessPool:
                self.restart()
                continue
            except Exception as exc:
                raise SynthesisError(
                    f"Could not synthesise the clip at text offset {utterance.start} with voice "
                    f"profile {utterance.profile.name!r} while speaking "
                    f"'{_snippet(utterance.text)}': {exc}"
                ) from exc
            del self.inflight[key]
            del self.attempts[key]
            self.stats.misses += 1

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None


def synthesize(
    utterances: Sequence[Utterance],
    engine: str,
    cache_dir: Path,
    jobs: int,
    on_clip: Callable[[int, int], None] | None = None,
    *,
    stats: SynthesisStats | None = None,
    window: int = 0,
) -> Iterator[Clip]:
    """Yield one clip per utterance, in order, synthesising what the cache lacks.

    ``jobs`` worker processes (spawned, each with its own engine) work at most
    ``window`` clips ahead of the one being yielded (default ``8 * jobs``).
    ``on_clip(done, total)`` is called before each clip is yielded, cache hits
    included. Worker failures raise SynthesisError naming the text; a worker
    that dies is replaced and its clips retried once.
    """
    identity = engine_identity(engine)
    jobs = max(1, jobs)
    window = window if window > 0 else 8 * jobs
    stats = stats if stats is not None else SynthesisStats()
    pool = _Pool(engine, jobs, stats)
    ahead: deque[tuple[Utterance, str, Path]] = deque()
    total = len(utterances)
    upcoming = iter(utterances)
    try:
        for done in range(1, total + 1):
            while len(ahead) < window:
                utterance = next(upcoming, None)
                if utterance is None:
                    break
                key = clip_key(identity, utterance.profile, utterance.text)
                path = clip_path(cache_dir, key)
                if key not in pool.inflight and not path.exists():
                    pool.submit(key, utterance, path)
                else:
                    stats.hits += 1
                ahead.append((utterance, key, path))
            utterance, key, path = ahead.popleft()
            pool.wait(key)
            if on_clip is not None:
                on_clip(done, total)
            yield Clip(utterance, path)
    finally:
        pool.close()
