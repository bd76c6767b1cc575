"""generate --cluster: a real LocalCluster of two worker processes (fake engine) makes
the same book as a local run, survives a worker killed mid-run, and says in one line
when the scheduler cannot be reached."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from conftest import SEED0, SEED1, decode, run, vtt_cues
from distributed import Client, LocalCluster
from mutagen.id3 import ID3

from audiobook import cluster
from audiobook.config import Config
from audiobook.pipeline import generate

ADDRESS = "test-cluster"


def _start(monkeypatch, delay: str):
    monkeypatch.setenv("AUDIOBOOK_FAKE_DELAY", delay)
    local = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                         dashboard_address=None)
    cluster._clients[ADDRESS] = Client(local)


@pytest.fixture
def dask(monkeypatch):
    """Two single-threaded worker processes."""
    _start(monkeypatch, "0")
    try:
        yield cluster._clients[ADDRESS]
    finally:
        cluster.close_all()


@pytest.fixture
def slow_dask(monkeypatch):
    """The same, the fake engine slowed a little so that a worker can be killed while
    the book is being made."""
    _start(monkeypatch, "0.01")
    try:
        yield cluster._clients[ADDRESS]
    finally:
        cluster.close_all()


def tags(mp3: Path) -> dict[str, object]:
    id3 = ID3(mp3)
    chapters = sorted(id3.getall("CHAP"), key=lambda c: c.start_time)
    return {
        "title": str(id3["TIT2"]), "artist": str(id3["TPE1"]),
        "chapters": [(c.sub_frames["TIT2"].text[0], c.start_time, c.end_time)
                     for c in chapters],
    }


def test_the_cluster_makes_the_same_book_as_a_local_run(dask, tmp_path):
    local = Config(out_dir=tmp_path / "local", cache_dir=tmp_path / "c1", engine="fake",
                   jobs=2)
    remote = replace(local, out_dir=tmp_path / "remote", cache_dir=tmp_path / "c2",
                     cluster=ADDRESS, cluster_cache=tmp_path / "workers")
    for seed in (SEED0, SEED1):
        here = generate(seed, local)
        there = generate(seed, remote)
        assert decode(there.mp3) == decode(here.mp3)
        assert tags(there.mp3) == tags(here.mp3)
        assert vtt_cues(there.vtt) == vtt_cues(here.vtt)
        assert there.clips == here.clips and there.synthesized == here.clips
    # The workers spoke into their own cache, not this side's clip cache.
    assert list((tmp_path / "workers").rglob("*.wav"))
    assert not list((tmp_path / "c2").rglob("*.wav"))
    # A rerun reuses what the workers hold: nothing is spoken again.
    again = generate(SEED1, replace(remote, cache_dir=tmp_path / "c3"))
    assert again.synthesized == 0 and decode(again.mp3) == decode(here.mp3)


def test_a_worker_killed_mid_run_has_its_work_done_elsewhere(slow_dask, tmp_path):
    local = Config(out_dir=tmp_path / "local", cache_dir=tmp_path / "c1", engine="fake",
                   jobs=2)
    here = generate(SEED1, local)
    pids = list(slow_dask.run(os.getpid).values())
    killed = threading.Event()

    def progress(done: int, total: int) -> None:
        if not killed.is_set():
            killed.set()
            os.kill(pids[0], signal.SIGKILL)

    remote = replace(local, out_dir=tmp_path / "remote", cache_dir=tmp_path / "c2",
                     cluster=ADDRESS, cluster_cache=tmp_path / "workers")
    # Kill one worker as soon as the run starts placing clips, before most pieces are done.
    there = generate(SEED1, remote, progress=progress)
    assert killed.is_set()
    assert decode(there.mp3) == decode(here.mp3)
    assert vtt_cues(there.vtt) == vtt_cues(here.vtt)


def test_an_unreachable_scheduler_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 2)
    result = run("generate", str(SEED0), "-o", str(tmp_path / "out"), "--engine", "fake",
                 "--cluster", "tcp://127.0.0.1:9")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("audiobook: error: --cluster tcp://127.0.0.1:9: cannot reach")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("address", ["local:0", "local:x", "local:1000"])
def test_a_bad_local_cluster_size_is_one_line(tmp_path, address):
    result = run("generate", str(SEED0), "-o", str(tmp_path / "out"), "--engine", "fake",
                 "--cluster", address)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"audiobook: error: --cluster {address}: write local or local:N, N from 1 to 256"]


def test_without_cluster_dask_is_not_imported(tmp_path):
    code = ("import sys; from pathlib import Path; from audiobook.config import Config;"
            "from audiobook.pipeline import generate;"
            f"generate(Path({str(SEED0)!r}), Config(out_dir=Path({str(tmp_path / 'o')!r}),"
            f" cache_dir=Path({str(tmp_path / 'c')!r}), engine='fake', jobs=1));"
            "print('distributed' in sys.modules, 'dask' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False False"
