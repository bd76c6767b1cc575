"""Dask clients for ``generate --cluster ADDRESS``: one per address for the whole run,
``local[:N]`` starting a LocalCluster of N single-threaded worker processes here.

Dask (the ``cluster`` extra) is imported only when a cluster is asked for.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Collection
from typing import Any

from audiobook.audio.remote import APART, RemoteEncoder, RemoteStats
from audiobook.config import Config
from audiobook.errors import ConfigError

CONNECT_TIMEOUT_S = 10
_clients: dict[str, Any] = {}
_lock = threading.Lock()


def _local_workers(address: str) -> int | None:
    """N for "local:N" (the CPU count for "local"), None for a scheduler's address."""
    if address == "local":
        return os.cpu_count() or 1
    if address.startswith("local:"):
        count = address.removeprefix("local:")
        if not count.isdigit() or not 0 < int(count) <= 256:
            raise ConfigError(f"--cluster {address}: write local or local:N, N from 1 to 256")
        return int(count)
    return None


def client(address: str) -> Any:
    """The run's client for ``address``, connected (or started) on first use."""
    with _lock:
        if address in _clients:
            return _clients[address]
        try:
            from distributed import Client
        except ImportError:
            raise ConfigError(
                "--cluster needs Dask: pip install 'audiobook[cluster]'") from None
        workers = _local_workers(address)
        try:
            if workers is not None:
                made = local_client(workers)
            else:
                made = Client(address, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise ConfigError(
                f"--cluster {address}: cannot reach the Dask scheduler ({exc})".replace("\n", " ")
            ) from None
        _clients[address] = made
        return made


def local_client(workers: int) -> Any:
    """A client of a new LocalCluster of ``workers`` single-threaded worker processes."""
    import dask
    from distributed import Client, LocalCluster

    # The workers' statistical profiler samples every thread's stack every 10 ms, a
    # cost each clip pays; a local cluster runs without it. The dashboard takes a free
    # port, not 8787, which another run may hold. Dask's own log lines (a task that
    # failed, with its traceback; the others cancelled) are not for the user: the
    # failure reaches them as one line of ours.
    dask.config.set({"distributed.worker.profile.enabled": False})
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=logging.CRITICAL)
    return Client(cluster)


def remote_for(
    config: Config, stats: RemoteStats, engines: Collection[str] = ()
) -> RemoteEncoder | None:
    """What makes the book's pieces on the cluster ``config`` names, if it names one.
    ``engines`` are the engines the book's profiles speak with: a cluster worker runs
    one of those that embed espeak-ng, so a book may not need two of them."""
    if not config.cluster:
        return None
    apart = sorted(set(engines) & APART)
    if len(apart) > 1:
        raise ConfigError(
            f"--cluster cannot mix the {' and '.join(apart)} engines (a cluster worker runs "
            "only one of them); give every voice profile the same engine, or make this book "
            "without --cluster."
        )
    from audiobook.pipeline import engine_spec

    cache = str(config.cluster_cache) if config.cluster_cache else None
    return RemoteEncoder(client(config.cluster), engine_spec(config), cache, stats)


def close_all() -> None:
    """Close every client (and any LocalCluster started) of this run."""
    with _lock:
        for made in _clients.values():
            cluster = getattr(made, "cluster", None)
            made.close()
            if cluster is not None:
                cluster.close()
        _clients.clear()
