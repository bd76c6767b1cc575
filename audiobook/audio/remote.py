"""Pieces made on Dask workers: each missing run (a chapter, or part of a long one) is
one task that speaks its clips and encodes its MP3 piece on a worker, and sends back
the piece's bytes; the caller keeps them in its own piece cache and joins them as
local pieces are joined.

Workers are Dask's daemonic processes, which may not start children, so a worker
speaks in its own process with its engine, made once. A call that hangs ends the
worker process (the nanny starts a new one and Dask runs the task again elsewhere),
which bounds a hung engine call as the local pool's timeout does. Each worker keeps
its own clip and piece caches; piece keys are the same as locally.

Only this module (and ``audiobook.cluster``) import Dask, and only when a cluster is
asked for.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audiobook.audio.assemble import encode_runs
from audiobook.audio.engines import Engine, EngineSpec, create_engine, voice_identity
from audiobook.audio.mp3_frames import Piece
from audiobook.audio.pieces import PieceStore, Run
from audiobook.audio.synthesize import clip_key, clip_path
from audiobook.audio.workers import clip_timeout, speak_in_pieces
from audiobook.config import AudioSettings, default_cache_dir
from audiobook.errors import AssemblyError, EngineError
from audiobook.models import Clip

HUNG_EXIT = 70
"""The exit status of a worker process ended because its engine hung."""

_engines: dict[EngineSpec, Engine] = {}
_engine_lock = threading.Lock()
APART = frozenset({"pyttsx3", "piper"})
"""Engines that each embed espeak-ng: one process can run only one of them."""


def _worker_engine(spec: EngineSpec) -> Engine:
    """The worker process's engine for ``spec``, made on its first task."""
    with _engine_lock:
        if spec not in _engines:
            running = {s.name for s in _engines} & APART
            if spec.name in APART and running - {spec.name}:
                raise EngineError(
                    f"This cluster worker already runs the {running.pop()} engine, and the "
                    f"{spec.name} engine cannot share its process; restart the workers, and "
                    "give every profile the same engine when using --cluster."
                )
            _engines[spec] = create_engine(spec)
        return _engines[spec]


def _speak(engine: Engine, utterance: Any, path: Path) -> None:
    """One clip into the worker's cache, ending the process if the engine hangs."""
    watchdog = threading.Timer(clip_timeout(utterance.text), os._exit, args=(HUNG_EXIT,))
    watchdog.daemon = True
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    watchdog.start()
    try:
        speak_in_pieces(engine, utterance.text, utterance.profile, tmp)
        os.replace(tmp, path)
    finally:
        watchdog.cancel()
        tmp.unlink(missing_ok=True)


def make_piece(run: Run, title: str, spec: EngineSpec, cache_dir: str | None,
               settings: AudioSettings) -> tuple[bytes, tuple[int, ...], int]:
    """On a worker: the run's piece (from the worker's cache, or spoken and encoded
    now), its clips' lengths, and how many clips the engine spoke."""
    clips_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    store = PieceStore(clips_dir / "chapters")
    found = store.load(run)
    if found is not None:
        piece, lengths = found
        return Path(piece.path).read_bytes(), lengths, 0
    spoken = 0

    def clips() -> Iterator[Clip]:
        # Spoken as the encoder asks for them, so that speaking and encoding overlap.
        nonlocal spoken
        for utterance in run.utterances:
            profile = utterance.profile
            path = clip_path(clips_dir, clip_key(voice_identity(spec, profile), profile,
                                                 utterance.text))  # fmt: skip
            if not path.exists():
                _speak(_worker_engine(spec.using(profile.engine)), utterance, path)
                spoken += 1
            yield Clip(utterance, path)

    made = encode_runs([run], clips(), [title], store, settings, lambda: None)
    piece, lengths = made[run.key]
    return Path(piece.path).read_bytes(), lengths, spoken


@dataclass
class RemoteStats:
    pieces: int = 0
    spoken: int = 0
    bytes: int = 0


@dataclass
class RemoteEncoder:
    """Sends runs to a Dask client's workers and keeps what comes back."""

    client: Any
    engine: EngineSpec
    cache_dir: str | None
    """The cache folder on each worker; None is the worker's own platform cache."""
    stats: RemoteStats

    def __call__(self, runs: Sequence[Run], chapter_titles: Sequence[str],
                 store: PieceStore, settings: AudioSettings,
                 placed: Callable[[int], None]) -> dict[str, tuple[Piece, tuple[int, ...]]]:
        from distributed import as_completed

        futures = {}
        for run in runs:
            title = chapter_titles[run.chapter] if run.chapter < len(chapter_titles) else ""
            future = self.client.submit(make_piece, run, title, self.engine, self.cache_dir,
                                        settings, key=f"audiobook-piece-{run.key}",
                                        retries=1)
            futures[future.key] = (future, run)
        made: dict[str, tuple[Piece, tuple[int, ...]]] = {}
        try:
            for future in as_completed([f for f, _ in futures.values()]):
                run = futures[future.key][1]
                data, lengths, spoken = _result(future)
                made[run.key] = (_keep(store, run.key, data, lengths), tuple(lengths))
                self.stats.pieces += 1
                self.stats.spoken += spoken
                self.stats.bytes += len(data)
                placed(len(run.utterances))
        except BaseException:
            self.client.cancel([f for f, _ in futures.values()])
            raise
        return made


def _result(future: Any) -> tuple[bytes, tuple[int, ...], int]:
    try:
        result: tuple[bytes, tuple[int, ...], int] = future.result()
    except (EngineError, AssemblyError):
        raise
    except Exception as exc:
        raise AssemblyError(f"A cluster worker could not make a piece ({type(exc).__name__}: "
                            f"{exc}).") from None
    return result


def _keep(store: PieceStore, key: str, data: bytes, lengths: Sequence[int]) -> Piece:
    """A piece sent back by a worker, into this side's piece cache."""
    target = store.path(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return store.save(key, Path(name), lengths)

