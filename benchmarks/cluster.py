"""`generate` on a LocalCluster of two workers against `generate` here (issue 13).

    python benchmarks/cluster.py [PDNC_DIR] [--novel PrideAndPrejudice] [--repeat N]

The first quarter of the novel (cut at a chapter heading, as ``benchmarks/speed.py``
cuts it) is made with the default engine (pyttsx3 and espeak-ng) twice:

(i)  here: ``pipeline.generate(story, Config(jobs=2, cache_dir=EMPTY))``;
(ii) on a ``distributed.LocalCluster`` of two single-threaded worker processes:
     ``Config(cluster="bench", cluster_cache=EMPTY, cache_dir=EMPTY, jobs=2)``, the
     cluster's client put into ``audiobook.cluster._clients["bench"]`` so ``generate``
     uses it. A fresh cluster is started for each (ii) and closed after it; starting it
     is not timed, and no cluster is running during (i).

Each run's CPU seconds by kind of process are printed too (sampled as speed.py does).
With ``--repeat N`` (i) and (ii) alternate N times, each from fresh empty caches, and
the medians count. It prints the seconds of (i) and (ii), the ratio (ii)/(i) (target:
at most 1.15), the audio's duration, and the bytes the workers sent back per hour of
audio. That figure is the pipeline's own count (``RemoteStats.bytes``: the encoded MP3
pieces' bytes, the only sizeable thing a task returns), caught by wrapping
``audiobook.cluster.remote_for`` for the run; it is checked against the sizes of the
``*.mp3`` pieces this side kept in ``cache_dir/"chapters"``. Dask's own messages
(task specs, pickling, heartbeats) are not counted. It also says whether the two
books are identical byte for byte, and if not, whether their decoded PCM is. They
are not expected to be: espeak-ng's samples vary from call to call in a process, so two local runs
from empty caches differ too. So (iii), untimed, runs the cluster once more with the
workers' cache holding a copy of the last (i)'s clips (not its pieces), and compares
that book with (i)'s: the same clips must make the same book.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audiobook import cluster, tools  # noqa: E402
from audiobook.audio.remote import RemoteEncoder, RemoteStats  # noqa: E402
from audiobook.config import Config  # noqa: E402
from audiobook.pipeline import Result, generate  # noqa: E402
from benchmarks.speed import (  # noqa: E402
    Sampler,
    _descendants,
    _stat,
    hms,
    novel_and_work,
    texts,
)

NAME = "bench"
"""The cluster name ``generate`` is given; its client is put in ``cluster._clients``."""


class CpuMeter:
    """CPU seconds of this process and its descendants while the block runs, by kind
    (main; workers: synthesis pool or Dask nannies and workers; encoders: ffmpeg),
    sampled every 50 ms as ``benchmarks/speed.py`` samples them."""

    def __enter__(self) -> CpuMeter:
        root = os.getpid()
        self.base = {pid: found[1] for pid in _descendants(root) if (found := _stat(pid))}
        self.sampler = Sampler(root)
        self.sampler.start()
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(0.06)  # one more sample
        self.sampler.stop()
        self.kinds: dict[str, float] = {}
        for pid, (kind, seconds) in self.sampler.cpu.items():
            self.kinds[kind] = self.kinds.get(kind, 0.0) + seconds - self.base.get(pid, 0.0)

    def __str__(self) -> str:
        parts = ", ".join(f"{k} {v:.1f}" for k, v in sorted(self.kinds.items()))
        return f"CPU {sum(self.kinds.values()):.1f} s ({parts})"


def run_local(story: Path, folder: Path) -> tuple[float, Result, CpuMeter]:
    config = Config(out_dir=folder / "out", cache_dir=folder / "cache", jobs=2)
    with CpuMeter() as cpu:
        started = time.perf_counter()
        result = generate(story, config)
        seconds = time.perf_counter() - started
    return seconds, result, cpu


def run_cluster(story: Path, folder: Path) -> tuple[float, Result, RemoteStats, int, CpuMeter]:
    """(ii): seconds, result, the run's remote stats and the bytes of the pieces kept."""
    # The LocalCluster `generate --cluster local:2` would start.
    client = cluster.local_client(2)
    client.wait_for_workers(2)
    cluster._clients[NAME] = client
    caught: list[RemoteStats] = []
    remote_for = cluster.remote_for

    def catching(config: Config, stats: RemoteStats) -> RemoteEncoder | None:
        caught.append(stats)
        return remote_for(config, stats)

    config = Config(out_dir=folder / "out", cache_dir=folder / "cache",
                    cluster=NAME, cluster_cache=folder / "worker-cache", jobs=2)
    cluster.remote_for = catching
    try:
        with CpuMeter() as cpu:
            started = time.perf_counter()
            result = generate(story, config)
            seconds = time.perf_counter() - started
    finally:
        cluster.remote_for = remote_for
        cluster.close_all()  # the client and, through client.cluster, the LocalCluster
    kept = sum(p.stat().st_size for p in (folder / "cache" / "chapters").rglob("*.mp3"))
    return seconds, result, caught[0], kept, cpu


def pcm_digest(mp3: Path) -> str:
    """SHA-256 of the decoded 16-bit PCM."""
    decoded = subprocess.run([tools.ffmpeg_exe(), "-v", "error", "-i", str(mp3), "-f", "s16le",
                              "-"], capture_output=True, check=True).stdout
    return hashlib.sha256(decoded).hexdigest()


def same_audio(a: Path, b: Path) -> str:
    if a.read_bytes() == b.read_bytes():
        return "identical, byte for byte"
    if pcm_digest(a) == pcm_digest(b):
        return "files differ, decoded PCM identical"
    return "DIFFERENT (files and decoded PCM)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pdnc", nargs="?", type=Path, default=ROOT.parent / "shared/data/pdnc")
    parser.add_argument("--novel", default="PrideAndPrejudice")
    parser.add_argument("--work", type=Path, help="Working folder (default: a temporary one).")
    parser.add_argument("--repeat", type=int, default=1,
                        help="Alternate (i) and (ii) this many times; the medians count.")
    args = parser.parse_args()
    novel, work = novel_and_work(args, "audiobook-cluster-")
    story = texts(novel, work)["quarter"]
    words = len(story.read_text(encoding="utf-8").split())

    local_s: list[float] = []
    cluster_s: list[float] = []
    sent: list[int] = []
    checks: list[str] = []
    audio = 0.0
    for attempt in range(1, args.repeat + 1):
        here, there = work / f"local-{attempt}", work / f"cluster-{attempt}"
        for folder in (here, there):
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir()
        print(f"(i) generate here, jobs 2, empty cache ({attempt}/{args.repeat}) ...",
              flush=True)
        seconds, local, cpu = run_local(story, here)
        local_s.append(seconds)
        print(f"    {seconds:.1f} s; {cpu}", flush=True)
        print(f"(ii) generate on a LocalCluster of 2 workers, empty caches "
              f"({attempt}/{args.repeat}) ...", flush=True)
        seconds, remote, stats, kept, cpu = run_cluster(story, there)
        cluster_s.append(seconds)
        print(f"    {seconds:.1f} s; {cpu}", flush=True)
        print(f"    {stats.pieces} pieces, {stats.spoken} clips spoken on "
              f"the workers, {stats.bytes:,} bytes sent back ({kept:,} bytes of pieces kept)",
              flush=True)
        if stats.bytes != kept:
            print(f"    note: RemoteStats.bytes {stats.bytes:,} != pieces kept {kept:,}")
        sent.append(stats.bytes)
        audio = remote.seconds
        if abs(remote.seconds - local.seconds) > 0.001:
            print(f"    note: audio {local.seconds:.3f} s here, {remote.seconds:.3f} s on the "
                  "cluster")
        checks.append(same_audio(local.mp3, remote.mp3))
        print(f"    books: {checks[-1]}", flush=True)

    # espeak-ng's output varies a little from call to call within a process (the same
    # text spoken twice gives different samples), so books made from empty caches differ
    # even between two local runs. What the cluster must keep is the rest: the same clips
    # make the same book. So the workers get a copy of the last (i)'s clips (no pieces)
    # and the book they make is compared with that (i)'s. Not timed.
    check = work / "same-clips"
    if check.exists():
        shutil.rmtree(check)
    shutil.copytree(here / "cache", check / "worker-cache",
                    ignore=shutil.ignore_patterns("chapters"))
    print("(iii) generate on a LocalCluster from (i)'s clips, for the comparison ...", flush=True)
    _, copied, stats, _, _ = run_cluster(story, check)
    same_clips = same_audio(local.mp3, copied.mp3)
    print(f"    {stats.spoken} clips spoken, {stats.pieces} pieces encoded on the workers; "
          f"book against (i)'s: {same_clips}", flush=True)

    a, b = statistics.median(local_s), statistics.median(cluster_s)
    per_hour = statistics.median(sent) / (audio / 3600)
    print()
    print(f"cores: {os.cpu_count()}, load average at the end: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"text: {story.name}, {words:,} words; audio {hms(audio)} ({audio:.1f} s)")
    print(f"(i) here, jobs 2:           {a:.1f} s  (every run: "
          f"{', '.join(f'{x:.1f}' for x in local_s)})")
    print(f"(ii) LocalCluster, 2 x 1:   {b:.1f} s  (every run: "
          f"{', '.join(f'{x:.1f}' for x in cluster_s)})")
    print(f"(ii)/(i): {b / a:.2f}  (target <= 1.15: {'met' if b / a <= 1.15 else 'NOT met'})")
    print(f"sent back by the workers: {statistics.median(sent) / 1e6:.1f} MB, "
          f"{per_hour / 1e6:.1f} MB per hour of audio")
    print(f"books (i) and (ii), each from empty caches: {'; '.join(checks)}")
    print(f"book of (iii), the workers given (i)'s clips, against (i)'s: {same_clips}")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
