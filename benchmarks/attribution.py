"""Quote detection and speaker attribution measured on PDNC novels.

    python benchmarks/attribution.py PDNC_DIR [--novels A,B] [--cast-from-gold] [--gold-quotes]
        [--errors TYPE] [--characters]

Prints one row per novel and the micro average: detection precision/recall/F1 on exact
sub-quote spans, attribution accuracy overall and per quote type, speaker-gender accuracy,
the character list's precision and speaker recall, and the precision of each attribution
rule.

Character list (``chr P``, ``spk R``), scored on the list the tool uses (its own, or the
gold one with ``--cast-from-gold``):

- Two names are the same when they are equal after lower-casing, dropping punctuation
  (apostrophes vanish, other marks become spaces) and dropping one leading title ("Mr.",
  "Mrs.", "Miss", "Lady", "Sir", "Colonel", ... as ``words.TITLES``, plus "Mister",
  "Madam" and "M." for Monsieur) when a word remains after it. A bare title stays
  itself, so "Captain" matches only an annotated alias "Captain". A listed character
  matches an annotated one when one of its names (display name or an alias) is the same
  as one of the annotated character's names (main name or an alias).
- A first-person narrator: PDNC marks the annotated character who narrates with the
  alias ``_narr`` (or ``Narr``); a listed character named or aliased "Narrator" matches
  that character. In a first-person novel whose narrator is not annotated (Daisy Miller's
  frame narrator), a listed character called only "Narrator" is left out of both counts;
  one that also has a real name is scored on that name. The "Narrator" and "I" aliases
  never match anything else.
- Character precision: listed characters that match any annotated character (minor ones
  included), over all listed characters.
- Speaker recall: annotated characters with five or more gold quotes that are listed,
  over all such characters. Each listed character vouches for at most one annotated one
  (a maximum one-to-one matching), so a single "Bennet" cannot account for both Mr. and
  Mrs. Bennet and a character with many aliases cannot cover a whole family.
- ``dup``: listed characters that match an annotated character only another listed
  character already stands for in a one-to-one matching (one person listed twice);
  counted right by the precision above, shown so that splitting is visible.

``--characters`` prints, per novel, the listed characters that match nothing and the
speakers with five or more quotes that are not listed (with their quote counts).
``--cast-from-gold`` hands the annotated character list in as a cast file; without it
the tool finds characters itself.
``--gold-quotes`` (development only) attributes segments built from the gold spans.

End to end (neither of those two options), it then prints how well the quotes'
confidence is calibrated, from models fitted with each novel held out (leave one novel
out, ``fit_confidence.report``): ten bins of mean confidence, accuracy and count, the
expected calibration error, accuracy against coverage (next to a model of the rule
alone), and, at a range of doubt thresholds and ``config.DEFAULT_DOUBT``, the share of
all quotes voiced as a named character and how many of those are right.
``--errors Explicit`` (or Anaphoric, Implicit, all) prints every wrong quote of that type
with its paragraph, the gold and predicted speakers and the rule that decided it.
"""

from __future__ import annotations

import argparse
import ast
import bisect
import csv
import json
import re
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audiobook.models import (
    QUOTE_KINDS,
    Book,
    Chapter,
    Character,
    Document,
    Gender,
    Kind,
    Paragraph,
    Scene,
    Segment,
)
from audiobook.text.attribute import attribute_with_evidence
from audiobook.text.characters import NARRATOR, find_characters
from audiobook.text.words import TITLES

TYPES = ("Explicit", "Anaphoric", "Implicit")
_GENDERS = {"M": Gender.MALE, "F": Gender.FEMALE}


@dataclass
class GoldQuote:
    spans: list[tuple[int, int]]
    speaker: frozenset[str]
    gender: Gender
    kind: str


@dataclass
class Score:
    novel: str
    seconds: float = 0.0
    true_spans: int = 0
    predicted_spans: int = 0
    gold_spans: int = 0
    right: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    gender_right: int = 0
    gender_total: int = 0
    rule_right: Counter[str] = field(default_factory=Counter)
    rule_total: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    listed: int = 0
    listed_right: int = 0
    duplicates: int = 0
    speakers: int = 0
    speakers_listed: int = 0
    cast_report: list[str] = field(default_factory=list)
    quotes: list[tuple[dict[str, float] | None, bool]] = field(default_factory=list)
    """Per gold quote, the confidence features of the segment that got it (None when no
    segment did or it has no speaker) and whether its speaker is right."""

    def add(self, other: Score) -> None:
        for name in (
            "seconds",
            "true_spans",
            "predicted_spans",
            "gold_spans",
            "listed",
            "listed_right",
            "duplicates",
            "speakers",
            "speakers_listed",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.gender_right += other.gender_right
        self.gender_total += other.gender_total
        for name in ("right", "total", "rule_right", "rule_total"):
            getattr(self, name).update(getattr(other, name))
        self.errors += other.errors
        self.cast_report += other.cast_report


def _norm(name: str) -> str:
    # PDNC writes the first-person narrator as "_narr"; the tool names one it cannot
    # name otherwise "Narrator".
    name = " ".join(name.replace(".", "").split()).lower()
    return "narrator" if name in ("_narr", "narr") else name


def load_gold(
    folder: Path,
) -> tuple[str, list[Character], dict[str, frozenset[str]], list[GoldQuote]]:
    text = (folder / "novel_text.txt").read_text(encoding="utf-8")
    characters: list[Character] = []
    aliases_of: dict[str, frozenset[str]] = {}
    genders: dict[str, Gender] = {}
    with open(folder / "character_info.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            main = row["Main Name"].strip()
            aliases = {a.strip() for a in ast.literal_eval(row["Aliases"]) if a.strip()} | {main}
            gender = _GENDERS.get(row["Gender"].strip(), Gender.UNKNOWN)
            characters.append(Character(main, tuple(sorted(aliases - {main})), gender))
            names = frozenset(_norm(a) for a in aliases)
            for a in aliases:
                aliases_of[_norm(a)] = names
                genders[_norm(a)] = gender
    quotes = []
    with open(folder / "quotation_info.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            spans = [tuple(s) for s in json.loads(row["quoteByteSpans"])]
            speaker = _norm(row["speaker"])
            quotes.append(
                GoldQuote(
                    [(a, b) for a, b in spans],
                    aliases_of.get(speaker, frozenset({speaker})),
                    genders.get(speaker, Gender.UNKNOWN),
                    row["quoteType"],
                )
            )
    return text, characters, aliases_of, quotes


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _gold_segments(book: Book, quotes: list[GoldQuote]) -> tuple[Segment, ...]:
    """Development stand-in for segment.py: dialogue at the gold spans, narration between."""
    spans = sorted({s for q in quotes for s in q.spans})
    paragraphs = book.chapters[0].scenes[0].paragraphs
    starts = [p.start for p in paragraphs]
    out: list[Segment] = []
    last = 0
    for a, b in spans:
        if a < last:
            continue
        if a > last:
            out.append(
                Segment(Kind.NARRATION, last, a, paragraph=bisect.bisect_right(starts, last))
            )
        out.append(Segment(Kind.DIALOGUE, a, b, paragraph=bisect.bisect_right(starts, a)))
        last = b
    out.append(Segment(Kind.NARRATION, last, len(book.document.text)))
    return tuple(out)


def _plain_book(text: str) -> Book:
    paragraphs = tuple(
        Paragraph(m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*", text)
    )
    scene = Scene(0, len(text), paragraphs)
    chapter = Chapter("", 0, len(text), None, (scene,))
    return Book(Document(text), "", None, None, (chapter,))


def _stages(path: Path, cast: list[Character] | None, gold_quotes: list[GoldQuote] | None):
    """Run the text stages; through the pipeline once it exists, else stage by stage."""
    if gold_quotes is not None:
        book = _plain_book(path.read_text(encoding="utf-8"))
        segments = _gold_segments(book, gold_quotes)
    else:
        from audiobook.text import read, segment, structure

        book = structure.structure(read.read(path))
        segments = segment.segment(book)
    characters = tuple(cast) if cast is not None else find_characters(book, segments)
    found = attribute_with_evidence(book, segments, characters)
    return book, found, characters


_MATCH_TITLES = frozenset(t.lower() for t in TITLES | {"Mister", "Madam", "M"})


def name_key(name: str) -> str:
    """A name as character matching compares it: lower case, no punctuation, no
    leading title unless the title is all there is."""
    name = re.sub(r"['’]", "", name.lower())
    words = re.sub(r"[^\w]+|_", " ", name).split()
    if len(words) >= 2 and words[0] in _MATCH_TITLES:
        words = words[1:]
    return " ".join(words)


def _names(names: tuple[str, ...]) -> tuple[set[str], bool]:
    """The match keys of a character's names, and whether one marks the narrator."""
    keys, narrator = set(), False
    for n in names:
        if _norm(n) == "narrator" or n.strip() == NARRATOR:
            narrator = True
        elif n.strip() != "I" and name_key(n):
            keys.add(name_key(n))
    return keys, narrator


def _matching(edges: list[set[int]]) -> dict[int, int]:
    """Maximum one-to-one matching, right side -> left side (Kuhn's augmenting paths)."""
    owner: dict[int, int] = {}

    def augment(left: int, seen: set[int]) -> bool:
        for right in edges[left]:
            if right not in seen:
                seen.add(right)
                if right not in owner or augment(owner[right], seen):
                    owner[right] = left
                    return True
        return False

    for left in range(len(edges)):
        augment(left, set())
    return owner


def score_cast(
    score: Score, listed: tuple[Character, ...], gold: list[Character], quotes: list[GoldQuote]
) -> None:
    """Character precision and speaker recall (see the module docstring)."""
    gold_keys = [_names((c.name, *c.aliases)) for c in gold]
    has_narrator = any(narr for _, narr in gold_keys)
    said: Counter[int] = Counter()
    for q in quotes:
        for i, c in enumerate(gold):
            if frozenset(_norm(x) for x in (c.name, *c.aliases)) == q.speaker:
                said[i] += 1
                break
    edges: list[set[int]] = []
    scored: list[Character] = []
    for c in listed:
        keys, narr = _names((c.name, *c.aliases))
        if not keys and not has_narrator:
            continue  # an unnamed narrator the annotations do not say who is
        scored.append(c)
        edges.append(
            {i for i, (gk, gnarr) in enumerate(gold_keys) if keys & gk or (narr and gnarr)}
        )
    score.listed = len(scored)
    score.listed_right = sum(bool(e) for e in edges)
    score.duplicates = score.listed_right - len(_matching(edges))
    speakers = {i for i in range(len(gold)) if said[i] >= 5}
    found = _matching([e & speakers for e in edges])
    score.speakers = len(speakers)
    score.speakers_listed = len(found)
    wrong = [c.name for c, e in zip(scored, edges, strict=True) if not e]
    missed = [f"{gold[i].name} ({said[i]})" for i in sorted(speakers - set(found))]
    score.cast_report.append(
        f"## {score.novel}: {score.listed} listed, {score.listed - score.listed_right} match "
        f"nothing, {score.duplicates} duplicate; {len(missed)} of {len(speakers)} speakers "
        f"missing\n  not annotated: {', '.join(wrong) or '-'}"
        f"\n  missing: {', '.join(missed) or '-'}"
    )


def score_novel(folder: Path, cast_from_gold: bool, gold_quotes: bool, errors: str = "") -> Score:
    started = time.perf_counter()
    text, gold_chars, _, quotes = load_gold(folder)
    _ = text
    path = folder / "novel_text.txt"
    cast = _cast_via_file(gold_chars) if cast_from_gold else None
    book, found, characters = _stages(path, cast, quotes if gold_quotes else None)
    segments, rules = found.segments, found.rules
    text = book.document.text
    score = Score(folder.name)
    predicted = {}
    for i, s in enumerate(segments):
        if s.kind in QUOTE_KINDS:
            a, b = _strip(text, s.start, s.end)
            if a < b:
                predicted[(a, b)] = i
    gold_spans = {_strip(text, a, b) for q in quotes for a, b in q.spans}
    score.true_spans = len(gold_spans & set(predicted))
    score.predicted_spans = len(predicted)
    score.gold_spans = len(gold_spans)

    names = {c.name: frozenset(_norm(x) for x in (c.name, *c.aliases)) for c in characters}
    gender = {c.name: c.gender for c in characters}
    quote_segs = sorted(
        (s.start, s.end, i) for i, s in enumerate(segments) if s.kind in QUOTE_KINDS
    )
    starts = [a for a, _, _ in quote_segs]
    for q in quotes:
        overlap: Counter[int] = Counter()
        for a, b in q.spans:
            k = max(0, bisect.bisect_right(starts, a) - 1)
            while k < len(quote_segs) and quote_segs[k][0] < b:
                sa, sb, i = quote_segs[k]
                if min(b, sb) > max(a, sa):
                    overlap[i] += min(b, sb) - max(a, sa)
                k += 1
        best = overlap.most_common(1)[0][0] if overlap else None
        speaker = segments[best].speaker if best is not None else None
        right = speaker is not None and bool(names[speaker] & q.speaker)
        score.quotes.append((found.evidence.get(best) if best is not None else None, right))
        score.total[q.kind] += 1
        score.right[q.kind] += right
        if not right and errors in (q.kind, "all"):
            score.errors.append(_error(folder.name, text, q, speaker, rules.get(best or -1)))
        if best is not None and best in rules:
            score.rule_total[rules[best]] += 1
            score.rule_right[rules[best]] += right
        if q.gender in (Gender.MALE, Gender.FEMALE):
            score.gender_total += 1
            score.gender_right += speaker is not None and gender[speaker] is q.gender
    score_cast(score, tuple(characters), gold_chars, quotes)
    score.seconds = time.perf_counter() - started
    return score


def _error(novel: str, text: str, q: GoldQuote, speaker: str | None, rule: str | None) -> str:
    """One wrong quote for ``--errors``: where it is, who said it, what the tool said,
    and its paragraph (the quote itself in [brackets])."""
    a, b = q.spans[0][0], q.spans[-1][1]
    start = max(text.rfind("\n\n", 0, a) + 2, a - 600)
    end = text.find("\n\n", b)
    end = min(end if end >= 0 else len(text), b + 600)
    para = text[start:a] + "[" + text[a:b] + "]" + text[b:end]
    gold = "/".join(sorted(q.speaker))
    head = f"## {novel} @{a} {q.kind}: gold {gold!r}, got {speaker!r} by {rule}"
    return head + "\n" + " ".join(para.split())


def _cast_via_file(characters: list[Character]) -> list[Character]:
    """The gold list, through the cast-file loader when it exists (the published setting)."""
    try:
        from audiobook.casting.cast import load_cast_file  # type: ignore[attr-defined]
    except ImportError:
        return characters
    lines = ['narrator = "narrator"', ""]
    for c in characters:
        lines += [
            "[[characters]]",
            f"name = {json.dumps(c.name)}",
            f"aliases = {json.dumps(list(c.aliases))}",
            f'gender = "{c.gender.value}"',
            "",
        ]
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write("\n".join(lines))
    try:
        loaded = load_cast_file(Path(f.name))
    finally:
        Path(f.name).unlink()
    found = getattr(loaded, "characters", loaded)
    return list(found)


def _pct(a: float, b: float) -> str:
    return f"{100 * a / b:5.1f}" if b else "   - "


def _row(s: Score) -> str:
    p = s.true_spans / s.predicted_spans if s.predicted_spans else 0.0
    r = s.true_spans / s.gold_spans if s.gold_spans else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    cells = [f"{100 * p:5.1f}", f"{100 * r:5.1f}", f"{100 * f1:5.1f}"]
    cells.append(_pct(sum(s.right.values()), sum(s.total.values())))
    cells += [_pct(s.right[t], s.total[t]) for t in TYPES]
    cells.append(_pct(s.gender_right, s.gender_total))
    cells.append(_pct(s.listed_right, s.listed))
    cells.append(_pct(s.speakers_listed, s.speakers))
    cells.append(f"{s.duplicates:5d}")
    cells.append(f"{s.seconds:5.1f}")
    return f"| {s.novel:<28} | " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pdnc", type=Path)
    parser.add_argument("--novels", default="")
    parser.add_argument("--cast-from-gold", action="store_true")
    parser.add_argument("--gold-quotes", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--errors", default="", help="print wrong quotes of this type")
    parser.add_argument(
        "--characters", action="store_true", help="print unmatched listed and missed speakers"
    )
    args = parser.parse_args(argv)
    folders = sorted(p for p in args.pdnc.iterdir() if (p / "quotation_info.csv").exists())
    if args.novels:
        wanted = set(args.novels.split(","))
        folders = [p for p in folders if p.name in wanted]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        scores = list(
            pool.map(
                score_novel,
                folders,
                [args.cast_from_gold] * len(folders),
                [args.gold_quotes] * len(folders),
                [args.errors] * len(folders),
            )
        )
    total = Score("micro average")
    head = ["det P", "det R", "det F1", "attr", "expl", "anap", "impl", "gender"]
    head += ["chr P", "spk R", "dup", "secs"]
    print(f"| {'novel':<28} | " + " | ".join(f"{h:>5}" for h in head) + " |")
    print("|" + "---|" * (len(head) + 1))
    for s in scores:
        print(_row(s))
        total.add(s)
    print(_row(total))
    for error in total.errors:
        print("\n" + error)
    if args.characters:
        for report in total.cast_report:
            print("\n" + report)
    print(f"\nwall time {time.perf_counter() - started:.1f} s")
    print("\n| rule | quotes | precision |")
    print("|---|---|---|")
    for rule, n in total.rule_total.most_common():
        print(f"| {rule} | {n} | {_pct(total.rule_right[rule], n)} |")
    unattributed = sum(total.total.values()) - sum(total.rule_total.values())
    print(f"| (none) | {unattributed} | - |")
    if not (args.cast_from_gold or args.gold_quotes) and len(scores) > 1:
        from fit_confidence import report  # beside this file

        from audiobook.config import DEFAULT_DOUBT

        print("\n".join(report([s.quotes for s in scores], DEFAULT_DOUBT)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
