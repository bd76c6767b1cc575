"""Time of the text stages (read, structure, segment, characters, attribute) on whole
novels, against the same stages at a baseline commit, in the same run.

    python benchmarks/text_stages.py [PDNC_DIR] --baseline REV [--novels A,B] [--repeat N]

The baseline is checked out into a temporary git worktree. Each novel runs in a fresh
process, alternating current and baseline, N times each; the median counts. It prints
the seconds of each and the ratio current / baseline per novel and over all.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_STAGES = (
    "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
    "from audiobook.pipeline import build_script;"
    "build_script(Path(sys.argv[2]))"
)


def _seconds(tree: Path, novel: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", _STAGES, str(tree), str(novel)], check=True,
                   cwd=tree)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pdnc", nargs="?", type=Path, default=ROOT.parent / "shared/data/pdnc")
    parser.add_argument("--baseline", required=True, help="the commit to compare with")
    parser.add_argument("--novels", default="PrideAndPrejudice,Emma,NightAndDay")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    novels = [args.pdnc / name / "novel_text.txt" for name in args.novels.split(",")]
    with tempfile.TemporaryDirectory() as work:
        base = Path(work) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach",
                        str(base), args.baseline], check=True)
        try:
            print(f"| novel | current (s) | baseline {args.baseline} (s) | ratio |")
            print("|---|---|---|---|")
            totals = [0.0, 0.0]
            for novel in novels:
                now, then = [], []
                for _ in range(args.repeat):
                    now.append(_seconds(ROOT, novel))
                    then.append(_seconds(base, novel))
                a, b = statistics.median(now), statistics.median(then)
                totals[0] += a
                totals[1] += b
                print(f"| {novel.parent.name} | {a:.2f} | {b:.2f} | {a / b:.2f} |")
            print(f"| all | {totals[0]:.2f} | {totals[1]:.2f} | {totals[0] / totals[1]:.2f} |")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                           check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
