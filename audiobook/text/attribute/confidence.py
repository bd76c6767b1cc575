"""Decisions -> a calibrated confidence for each attributed quote: how likely its
speaker is right (of the quotes given about p, about p are right).

Each quote with a speaker is described by general evidence: the rule that decided it,
how far the weighed evidence led the runner-up, how far away the nearest explicit
attribution of its conversation is, how big the conversation is, whether the
conversation's evidence agrees with the answer, how many characters of the speaker's
gender are about. A logistic regression fitted on the PDNC novels (end to end:
characters and quotes as the tool finds them) turns that into a probability. The
fitted numbers live in ``confidence.json`` beside this module; refit them with

    .venv/bin/python benchmarks/fit_confidence.py PDNC_DIR

which also prints the held-out (leave-one-novel-out) calibration figures. A quote
without a speaker gets 0.0.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from audiobook.models import Gender, Kind
from audiobook.text.attribute import guess
from audiobook.text.attribute.index import Decisions, Quote, TextIndex, Turns
from audiobook.text.attribute.rules import RULES

EXPLICIT_RULES = (
    "explicit-after-inverted",
    "explicit-after-name",
    "explicit-after-pronoun",
    "explicit-after-possessive",
    "explicit-before",
    "explicit-before-pronoun",
    "explicit-before-adjacent",
    "explicit-before-inverted",
    "explicit-before-relative",
    "explicit-before-possessive",
    "lead-in",
)
"""The rules of the first stage, which read an attribution in the narration."""

RULE_NAMES = (*EXPLICIT_RULES, *(name for name, _ in RULES), "best-guess")
"""Every rule a turn can be decided by, for the one-hot ``rule=`` features."""

NEARBY_CHARS = 2000
"""How far back (characters) the narration is searched for characters who might be
speaking: about two paragraphs of a conversation's setting."""

MARGIN_CAP = 4.0
"""Evidence margins are clipped to this either way: past it, more makes no difference."""

STAGE_SPECIFIC = (
    "consensus-margin",
    "speaker-nearby",
    "speaker-in-paragraph",
    "same-as-previous",
    "same-as-two-back",
    "conversation-speakers",
    "speaker-share",
)
"""Features whose weight differs by the stage that decided (explicit, sieve, guess):
each also enters once per stage, zero outside it."""

DATA_FILE = "confidence.json"


@dataclass(frozen=True)
class Model:
    """A fitted logistic regression over named features, standardised, with an
    optional piecewise-linear calibration map from its probability to the final one."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    calibration: tuple[tuple[float, ...], tuple[float, ...]] = ((), ())

    @classmethod
    def from_dict(cls, data: dict) -> Model:  # type: ignore[type-arg]
        cal = data.get("calibration") or {"x": [], "y": []}
        return cls(
            tuple(data["features"]),
            tuple(float(v) for v in data["mean"]),
            tuple(float(v) for v in data["scale"]),
            tuple(float(v) for v in data["weights"]),
            float(data["bias"]),
            (tuple(cal["x"]), tuple(cal["y"])),
        )

    def to_dict(self) -> dict:  # type: ignore[type-arg]
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "weights": list(self.weights),
            "bias": self.bias,
            "calibration": {"x": list(self.calibration[0]), "y": list(self.calibration[1])},
        }

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias
        for name, mean, scale, w in zip(
            self.features, self.mean, self.scale, self.weights, strict=True
        ):
            z += w * (features.get(name, 0.0) - mean) / scale
        p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        return _interpolate(p, *self.calibration)


def _interpolate(p: float, xs: tuple[float, ...], ys: tuple[float, ...]) -> float:
    if not xs:
        return p
    if p <= xs[0]:
        return ys[0]
    for k in range(1, len(xs)):
        if p <= xs[k]:
            x0, x1, y0, y1 = xs[k - 1], xs[k], ys[k - 1], ys[k]
            return y0 + (y1 - y0) * (p - x0) / (x1 - x0) if x1 > x0 else y1
    return ys[-1]


@lru_cache(maxsize=1)
def model() -> Model:
    """The fitted model shipped with the package, read once."""
    text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return Model.from_dict(json.loads(text))


def _clip(x: float) -> float:
    return max(-MARGIN_CAP, min(MARGIN_CAP, x))


def _conversations(turns: Turns) -> list[int]:
    """A conversation number per turn."""
    conv = [0] * len(turns)
    for t in range(1, len(turns)):
        conv[t] = conv[t - 1] + (0 if turns.same_conversation(t - 1, t) else 1)
    return conv


def _explicit_distances(turns: Turns, d: Decisions, conv: list[int]) -> list[tuple[int, int]]:
    """Per turn, how many turns back and ahead the nearest explicitly attributed turn
    of the same conversation is (-1 when there is none)."""
    explicit = [any(d.rule.get(q.index) in EXPLICIT_RULES for q in g) for g in turns.groups]
    back, ahead = [-1] * len(turns), [-1] * len(turns)
    last = -1
    for t in range(len(turns)):
        if t and conv[t] != conv[t - 1]:
            last = -1
        if explicit[t]:
            last = t
        back[t] = t - last if last >= 0 else -1
    last = -1
    for t in range(len(turns) - 1, -1, -1):
        if t + 1 < len(turns) and conv[t] != conv[t + 1]:
            last = -1
        if explicit[t]:
            last = t
        ahead[t] = last - t if last >= 0 else -1
    return list(zip(back, ahead, strict=True))


def _turn_rule(group: tuple[Quote, ...], d: Decisions) -> str:
    """The rule that decided a turn: a paragraph's own rule, not the "paragraph" spread."""
    rules = [d.rule[q.index] for q in group if q.index in d.rule]
    own = [r for r in rules if r != "paragraph"]
    return own[0] if own else (rules[0] if rules else "none")


def evidence(ix: TextIndex, turns: Turns, d: Decisions) -> dict[int, dict[str, float]]:
    """The features of every quote with a speaker, by segment index."""
    conv = _conversations(turns)
    distances = _explicit_distances(turns, d, conv)
    speaker_of = [d.speaker.get(g[0].index) for g in turns.groups]
    conv_turns = Counter(conv)
    conv_speakers: dict[int, set[int]] = {}
    for t, who in enumerate(speaker_of):
        if who is not None and who >= 0:
            conv_speakers.setdefault(conv[t], set()).add(who)
    prior = guess.speaker_prior(d, 0.0)
    explicit_turns = [t for t, back_ahead in enumerate(distances) if back_ahead[0] == 0]
    said_explicitly = Counter(speaker_of[t] for t in explicit_turns)
    conv_explicit = Counter(conv[t] for t in explicit_turns)
    book_explicit = len(explicit_turns) / max(1, len(turns))
    no_evidence = ix.settings.no_evidence
    found: dict[int, dict[str, float]] = {}
    for t, group in enumerate(turns.groups):
        candidates = guess.scores(
            guess.features_of(ix, turns, d, t, prior), ix.settings.guess_weights
        )
        rule = _turn_rule(group, d)
        back, ahead = distances[t]
        distance = math.log1p(min(x for x in (back, ahead, 99) if x >= 0))
        stage = "guess" if rule == "best-guess" else "sieve"
        stage = "explicit" if rule in EXPLICIT_RULES else stage
        turn = {
            f"{stage}-distance": distance,
            "conversation-explicit": conv_explicit[conv[t]] / conv_turns[conv[t]],
            "book-explicit": book_explicit,
            f"rule={rule if rule in RULE_NAMES else 'other'}": 1.0,
            "explicit-back-near": 1.0 / back if back > 0 else 0.0,
            "explicit-ahead-near": 1.0 / ahead if ahead > 0 else 0.0,
            "no-explicit-in-conversation": float(back < 0 and ahead < 0),
            "explicit-distance": distance,
            "conversation-turns": math.log1p(conv_turns[conv[t]]),
            "conversation-speakers": float(min(6, len(conv_speakers.get(conv[t], ())))),
            "turn-quotes": math.log(len(group)),
            "cast-size": math.log1p(len(ix.characters)),
            "first-person": float(ix.narrator is not None),
        }
        pronouns = [d.pronoun[q.index] for q in group if q.index in d.pronoun]
        if pronouns:
            turn["pronoun"] = 1.0
            turn["pronoun-candidates"] = float(len(pronouns[0].candidates))
            turn["pronoun-changed"] = float(any(q.index in d.changed for q in group))
        for q in group:
            who = d.speaker.get(q.index)
            if who is None or who < 0:
                continue
            f = dict(turn)
            f["paragraph"] = float(d.rule.get(q.index) == "paragraph")
            if q.index in d.margin:
                kind = "pronoun-margin" if rule in EXPLICIT_RULES else "guess-margin"
                f[kind] = _clip(d.margin[q.index])
            f["consensus-margin"] = _clip(guess.margin(candidates, who, no_evidence))
            f["consensus-candidate"] = float(who in candidates)
            f.update(_neighbours(turns, speaker_of, t, who))
            f.update(_speaker(ix, q, who, prior))
            f["speaker-explicit"] = math.log1p(said_explicitly[who])
            for name in STAGE_SPECIFIC:
                f[f"{stage}:{name}"] = f.get(name, 0.0)
            found[q.index] = f
    return found


def _neighbours(turns: Turns, speaker_of: list[int | None], t: int, who: int) -> dict[str, float]:
    """Whether the speaker fits the exchange: the same as one, two turns away."""
    f = {}
    around = (("previous", -1), ("two-back", -2), ("next", 1), ("two-ahead", 2))
    for name, u in ((name, t + step) for name, step in around):
        if 0 <= u < len(turns) and turns.same_conversation(u, t) and turns.tight(u, t):
            f[f"same-as-{name}"] = float(speaker_of[u] == who)
    return f


def _speaker(ix: TextIndex, q: Quote, who: int, prior: dict[int, float]) -> dict[str, float]:
    """What the speaker is and who else is about."""
    gender = ix.gender(who)
    a, b = ix.paragraphs[q.para]
    nearby = {
        m.who
        for m in ix.mentions_in(max(0, q.seg.start - NEARBY_CHARS), q.seg.start)
        if not ix.inside_quote(m.start)
    }
    inside = {m.who for m in ix.mentions_in(q.seg.start, q.seg.end)}
    here = {m.who for m in ix.mentions_in(a, b) if not ix.inside_quote(m.start)}
    same = [c for c in nearby if ix.gender(c) is gender] if gender is not Gender.UNKNOWN else []
    return {
        "speaker-share": prior.get(who, -10.0),
        "speaker-narrator": float(who == ix.narrator),
        "speaker-gender-unknown": float(gender is Gender.UNKNOWN),
        "speaker-nearby": float(who in nearby),
        "speaker-in-paragraph": float(who in here),
        "speaker-named-inside": float(who in inside),
        "speaker-called-inside": float(who in ix.vocatives(q)),
        "characters-nearby": math.log1p(len(nearby)),
        "same-gender-nearby": math.log1p(len(same)),
        "others-in-paragraph": float(len(here - {who})),
        "thought": float(q.seg.kind is Kind.THOUGHT),
        "quote-length": math.log1p(q.seg.end - q.seg.start),
    }


def confidences(
    ix: TextIndex, turns: Turns, d: Decisions
) -> tuple[dict[int, float], dict[int, dict[str, float]]]:
    """The confidence of every quote (0.0 without a speaker) and the features behind it."""
    features = evidence(ix, turns, d)
    fitted = model()
    return {
        q.index: fitted.probability(features[q.index]) if q.index in features else 0.0
        for q in ix.quotes
    }, features
