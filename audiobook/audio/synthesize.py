"""Utterances -> clips: each utterance's WAV, made by spawned engine workers or found in the cache.

Clips are yielded in book order as soon as each is ready, with a bounded window of
work in flight, so assembly overlaps synthesis and memory stays flat however long
the book. The cache is content-addressed (engine identity, with a Piper model's hash;
voice settings; text) and shared safely between runs: workers write a temporary file
and rename it.

The worker pool is our own rather than ``concurrent.futures``: the parent hands
each worker one clip at a time, so it knows which clip a dead worker was speaking
(only that clip is retried), can bound each clip by a timeout (a hung engine is
killed, not waited for), and can stop every worker at once on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from audiobook.audio.engines import EngineSpec, as_spec, voice_identity
from audiobook.audio.workers import Pool, SynthesisStats
from audiobook.config import CLIP_TIMEOUT_S
from audiobook.models import Clip, Utterance, VoiceProfile


def clip_key(identity: str, profile: VoiceProfile, text: str) -> str:
    """The cache key: sha256 of the engine identity, the audible settings and the text."""
    payload = json.dumps([identity, profile.settings(), text], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def clip_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / f"{key}.wav"


def count_missing(
    utterances: Sequence[Utterance], engine: str | EngineSpec, cache_dir: Path
) -> int:
    """How many distinct clips a ``synthesize`` run would have to synthesise now."""
    keys = {clip_key(voice_identity(engine, u.profile), u.profile, u.text) for u in utterances}
    return sum(1 for key in keys if not clip_path(cache_dir, key).exists())


# --- worker process side -------------------------------------------------------


# --- main process side ---------------------------------------------------------


def synthesize(
    utterances: Sequence[Utterance],
    engine: str | EngineSpec,
    cache_dir: Path,
    jobs: int,
    on_clip: Callable[[int, int], None] | None = None,
    *,
    stats: SynthesisStats | None = None,
    window: int = 0,
    chapter_titles: Sequence[str] = (),
    timeout_s: float | None = None,
) -> Iterator[Clip]:
    """Yield one clip per utterance, in order, synthesising what the cache lacks.

    ``jobs`` worker processes (spawned, each with its own engine) work at most
    ``window`` clips ahead of the one being yielded (default ``8 * jobs``). A profile
    that names its own engine is spoken by workers of that engine (up to ``jobs``
    more): engines never share a process, as Piper's and pyttsx3's espeak-ng cannot.
    ``on_clip(done, total)`` is called before each clip is yielded, cache hits
    included. A clip may take ``timeout_s`` (default ``CLIP_TIMEOUT_S``) per
    started 1000 characters. A worker that dies or hangs is replaced and its clip
    retried once; failures raise SynthesisError naming the chapter (by
    ``chapter_titles``) and the sentence. Closing the generator early, or an
    exception such as KeyboardInterrupt, kills the workers at once.
    """
    spec = as_spec(engine)
    jobs = max(1, jobs)
    window = window if window > 0 else 8 * jobs
    stats = stats if stats is not None else SynthesisStats()
    per_clip = CLIP_TIMEOUT_S if timeout_s is None else timeout_s
    pools: dict[EngineSpec, Pool] = {}
    closing = contextlib.ExitStack()  # every pool is closed, even if closing one fails

    def pool_for(utterance: Utterance) -> Pool:
        own = spec.using(utterance.profile.engine)
        if own not in pools:
            pools[own] = pool = Pool(own, jobs, stats, chapter_titles, per_clip)
            closing.callback(lambda: pool.close(kill=not finished))
        return pools[own]

    ahead: deque[tuple[Utterance, str, Path, Pool]] = deque()
    total = len(utterances)
    upcoming = iter(utterances)
    finished = False
    try:
        for done in range(1, total + 1):
            while len(ahead) < window:
                utterance = next(upcoming, None)
                if utterance is None:
                    break
                key = clip_key(voice_identity(spec, utterance.profile), utterance.profile,
                               utterance.text)  # fmt: skip
                path = clip_path(cache_dir, key)
                pool = pool_for(utterance)
                if key not in pool.jobs and not path.exists():
                    pool.submit(key, utterance, path)
                else:
                    stats.hits += 1
                ahead.append((utterance, key, path, pool))
            utterance, key, path, pool = ahead.popleft()
            pool.wait(key, [other for other in pools.values() if other is not pool])
            if on_clip is not None:
                on_clip(done, total)
            yield Clip(utterance, path)
        finished = True
    finally:
        closing.close()


@dataclass
class Synthesizer:
    """The clip source assembly asks: cache keys, and clips made or found by ``synthesize``."""

    engine: str | EngineSpec
    cache_dir: Path
    jobs: int
    chapter_titles: Sequence[str] = ()
    timeout_s: float | None = None
    stats: SynthesisStats = field(default_factory=SynthesisStats)

    def key(self, utterance: Utterance) -> str:
        return clip_key(voice_identity(self.engine, utterance.profile), utterance.profile,
                        utterance.text)  # fmt: skip

    def clips(self, utterances: Sequence[Utterance]) -> Iterator[Clip]:
        return synthesize(
            utterances, self.engine, self.cache_dir, self.jobs, stats=self.stats,
            chapter_titles=self.chapter_titles, timeout_s=self.timeout_s,
        )  # fmt: skip
