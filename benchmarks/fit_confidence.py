"""Fit the attribution confidence model on PDNC novels, end to end, and write it.

    .venv/bin/python benchmarks/fit_confidence.py PDNC_DIR [--novels A,B] [--l2 X] [--dry-run]

Runs the text stages on every novel as ``benchmarks/attribution.py`` does without
``--cast-from-gold`` (characters and quotes found by the tool), takes each gold quote's
confidence features and whether its speaker is right, fits an L2-regularised logistic
regression on all of them and writes it to ``audiobook/text/attribute/confidence.json``.
It first prints the figures of models fitted with each novel held out (leave one novel
out), the ones that measure it: the calibration table, the expected calibration error,
accuracy against coverage and the share of quotes voiced as a named character at a
range of doubt thresholds. ``--dry-run`` prints them without writing.

A gold quote that no segment got, or whose segment has no speaker, counts as a quote
with confidence 0.0 that is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audiobook.text.attribute.confidence import DATA_FILE, Model  # noqa: E402

OUT = ROOT / "audiobook" / "text" / "attribute" / DATA_FILE
L2 = 10.0
"""Ridge penalty on the standardised weights (the log-loss is summed over ~25,000
quotes, so this only reins in features that few quotes have)."""

Rows = list[tuple[dict[str, float] | None, bool]]


def feature_names(novels: Sequence[Rows]) -> list[str]:
    return sorted({k for rows in novels for f, _ in rows if f for k in f})


def matrix(rows: Rows, names: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features of the quotes with a speaker, whether each is right, and which rows
    have a speaker at all."""
    has = np.array([f is not None for f, _ in rows], dtype=bool)
    x = np.array([[f.get(n, 0.0) for n in names] for f, _ in rows if f is not None])
    y = np.array([r for f, r in rows if f is not None], dtype=float)
    return x.reshape(-1, len(names)), y, has


def fit(x: np.ndarray, y: np.ndarray, names: list[str], l2: float = L2) -> Model:
    """L2 logistic regression by Newton's method on standardised features."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    a = np.hstack([z, np.ones((len(z), 1))])
    w = np.zeros(a.shape[1])
    penalty = np.full(a.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ w, -30, 30)))
        grad = a.T @ (p - y) + penalty * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return Model(tuple(names), tuple(mean.tolist()), tuple(scale.tolist()),
                 tuple(w[:-1].tolist()), float(w[-1]))  # fmt: skip


def predict(model: Model, x: np.ndarray) -> np.ndarray:
    z = (x - np.array(model.mean)) / np.array(model.scale) @ np.array(model.weights) + model.bias
    p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
    xs, ys = model.calibration
    return np.interp(p, xs, ys) if xs else p


def held_out(novels: Sequence[Rows], l2: float = L2, only: str = "") -> list[np.ndarray]:
    """Per novel, (confidence, right) of every gold quote, from a model fitted on the
    other novels; ``only`` keeps the features whose names start with it."""
    names = [n for n in feature_names(novels) if n.startswith(only)]
    parts = [matrix(rows, names) for rows in novels]
    out = []
    for k, (x, y, has) in enumerate(parts):
        train_x = np.vstack([p[0] for j, p in enumerate(parts) if j != k])
        train_y = np.concatenate([p[1] for j, p in enumerate(parts) if j != k])
        conf = np.zeros(len(has))
        conf[has] = predict(fit(train_x, train_y, names, l2), x)
        right = np.zeros(len(has))
        right[has] = y
        out.append(np.stack([conf, right], axis=1))
    return out


def calibration(pred: np.ndarray) -> tuple[list[tuple[float, float, int]], float]:
    """Ten bins of confidence over the quotes with a speaker (confidence > 0): mean
    confidence, accuracy and count of each, and the expected calibration error."""
    named = pred[pred[:, 0] > 0]
    bins = np.minimum((named[:, 0] * 10).astype(int), 9)
    table, ece = [], 0.0
    for b in range(10):
        sel = named[bins == b]
        if len(sel):
            conf, acc = float(sel[:, 0].mean()), float(sel[:, 1].mean())
            table.append((conf, acc, len(sel)))
            ece += len(sel) / len(named) * abs(conf - acc)
        else:
            table.append((float("nan"), float("nan"), 0))
    return table, ece


def coverage(pred: np.ndarray, shares: Sequence[float]) -> list[float]:
    """Accuracy of the most confident ``share`` of all quotes, for each share."""
    order = pred[np.argsort(-pred[:, 0], kind="stable")]
    return [float(order[: max(1, round(s * len(order))), 1].mean()) for s in shares]


def voiced(pred: np.ndarray, threshold: float) -> tuple[float, float]:
    """Share of all quotes voiced as a named character at ``threshold`` and the share
    of those that are right."""
    sel = (pred[:, 0] >= threshold) & (pred[:, 0] > 0)
    return float(sel.mean()), float(pred[sel, 1].mean()) if sel.any() else 0.0


def report(novels: Sequence[Rows], threshold: float, l2: float = L2) -> list[str]:
    """The held-out figures, as Markdown lines."""
    per_novel = held_out(novels, l2)
    pred = np.vstack(per_novel)
    table, ece = calibration(pred)
    lines = ["", "Confidence, each novel scored by a model fitted on the others "
             f"({len(novels)} novels, {len(pred)} quotes):", "",
             "| bin | mean confidence | accuracy | quotes |", "|---|---|---|---|"]  # fmt: skip
    for b, (conf, acc, n) in enumerate(table):
        lines.append(f"| {b / 10:.1f}-{(b + 1) / 10:.1f} | {conf:.3f} | {acc:.3f} | {n} |")
    lines.append(f"\nexpected calibration error {ece:.3f} (quotes with a speaker)")
    shares = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    rule_only = coverage(np.vstack(held_out(novels, l2, only="rule=")), shares)
    lines += ["", "| coverage | " + " | ".join(f"{s:.0%}" for s in shares) + " |",
              "|---" * (len(shares) + 1) + "|",
              "| accuracy | " + " | ".join(f"{a:.1%}" for a in coverage(pred, shares)) + " |",
              "| rule only | " + " | ".join(f"{a:.1%}" for a in rule_only) + " |", "",
              "| doubt threshold | voiced as named | of those right |",
              "|---|---|---|"]  # fmt: skip
    for t in sorted({0.3, 0.4, 0.5, 0.6, 0.65, 0.68, 0.7, 0.72, 0.75, 0.8, threshold}):
        share, acc = voiced(pred, t)
        mark = " (default)" if t == threshold else ""
        lines.append(f"| {t:.2f}{mark} | {share:.1%} | {acc:.1%} |")
    each = [voiced(p, threshold) for p in per_novel]
    lines.append(f"\nat {threshold:.2f}, per novel: voiced as named {min(s for s, _ in each):.1%}"
                 f" to {max(s for s, _ in each):.1%}, right {min(a for _, a in each):.1%}"
                 f" to {max(a for _, a in each):.1%}")  # fmt: skip
    return lines


def _collect(pdnc: Path, novels: str, jobs: int) -> list[Rows]:
    import attribution  # benchmarks/attribution.py, beside this file

    folders = sorted(p for p in pdnc.iterdir() if (p / "quotation_info.csv").exists())
    if novels:
        folders = [p for p in folders if p.name in set(novels.split(","))]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        scores = list(pool.map(attribution.score_novel, folders, [False] * len(folders),
                               [False] * len(folders)))  # fmt: skip
    return [s.quotes for s in scores]


def main(argv: list[str] | None = None) -> int:
    from audiobook.config import DEFAULT_DOUBT

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pdnc", type=Path)
    parser.add_argument("--novels", default="")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--l2", type=float, default=L2)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    novels = _collect(args.pdnc, args.novels, args.jobs)
    print("\n".join(report(novels, DEFAULT_DOUBT, args.l2)))
    names = feature_names(novels)
    x = np.vstack([matrix(rows, names)[0] for rows in novels])
    y = np.concatenate([matrix(rows, names)[1] for rows in novels])
    model = fit(x, y, names, args.l2)
    print("\n| feature | weight (standardised) |\n|---|---|")
    for name, w in sorted(zip(model.features, model.weights, strict=True), key=lambda p: -p[1]):
        print(f"| {name} | {w:+.3f} |")
    if not args.dry_run:
        data = {k: _round(v) for k, v in model.to_dict().items()}
        OUT.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {OUT.relative_to(ROOT)}")
    return 0


def _round(value: object) -> object:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, list):
        return [_round(v) for v in value]
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    return value


if __name__ == "__main__":
    sys.exit(main())
