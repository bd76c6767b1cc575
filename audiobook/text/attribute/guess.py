"""The best guess for turns no rule decided, and the second look at turns decided
through "he" or "she": weighed evidence for each candidate speaker (conversation
parity, vocatives, the narration around, recency, the point of view), and runs of
turns given the pair of speakers who, alternating, collect the most of it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from audiobook.models import Gender, Kind
from audiobook.text.attribute.index import QUOTE_EDGE, Decisions, TextIndex, Turns


def features_of(
    ix: TextIndex,
    turns: Turns,
    decided: Decisions,
    t: int,
    prior: dict[int, float],
) -> dict[int, dict[str, float]]:
    """Evidence for each candidate speaker of turn ``t``: who spoke an even or odd
    number of turns away in the same conversation, who was addressed by name just
    before, who the narration leading up to the turn is about, who spoke recently."""
    found: dict[int, dict[str, float]] = {}

    def add(who: int | None, name: str, value: float = 1.0) -> None:
        if who is not None and who >= 0:
            f = found.setdefault(who, {})
            f[name] = f.get(name, 0.0) + value

    for d in range(1, ix.settings.parity_reach + 1):
        for u in (t - d, t + d):
            if not 0 <= u < len(turns) or not turns.same_conversation(u, t):
                continue
            who = decided.speaker.get(turns[u][0].index)
            if turns.tight(u, t):
                name = (
                    ("parity-2" if d == 2 else "parity-4+")
                    if d % 2 == 0
                    else ("parity-1" if d == 1 else "parity-3+")
                )
            elif d <= 2:
                name = "loose-2" if d == 2 else "loose-1"
            else:
                continue
            add(who, name, 1.0 if d <= 2 else 2.0 / d)
    # Whoever is addressed by name in the conversation answers at the other parity.
    for d in range(3, ix.settings.conversation_reach + 1):
        for u in (t - d, t + d):
            if 0 <= u < len(turns) and turns.same_conversation(u, t) and turns.tight(u, t):
                for q in turns[u]:
                    for who in ix.vocatives(q):
                        add(who, "conv-called-odd" if d % 2 else "conv-called-even", 2.0 / d)
    # The people the narration names just before the conversation starts.
    first = t
    reach = ix.settings.conversation_reach
    while first > 0 and turns.same_conversation(first - 1, first) and t - first < reach:
        first -= 1
    if first != t:
        fq = turns[first][0]
        pa = ix.paragraphs[max(0, fq.para - 1)][0]
        for m in ix.mentions_in(pa, fq.seg.start):
            if not ix.inside_quote(m.start):
                add(m.who, "conv-opening-mention")
    if t > 0 and turns.same_conversation(t - 1, t):
        for q in turns[t - 1]:
            for who in ix.vocatives(q):
                add(who, "called-before")
    if t + 1 < len(turns) and turns.same_conversation(t, t + 1):
        for q in turns[t + 1]:
            for who in ix.vocatives(q):
                add(who, "called-after")
    here: set[int] = set()
    for q in turns[t]:
        here |= ix.vocatives(q)
        for m in ix.mentions_in(q.seg.start, q.seg.end):
            if m.who not in here:
                add(m.who, "named-inside")
    for who in here:
        add(who, "called-here")
    q = turns[t][0]
    text = ix.text
    a, b = ix.paragraphs[q.para]
    for m in ix.mentions_in(a, q.seg.start):
        if not ix.inside_quote(m.start):
            add(m.who, "lead-subject" if ix.is_subject(m) else "lead-mention")
    last = turns[t][-1]
    for m in ix.mentions_in(last.seg.end, b):
        if not ix.inside_quote(m.start) and ix.is_subject(m):
            add(m.who, "after-subject")
    lead = text[a : q.seg.start].strip(QUOTE_EDGE)
    if not lead and q.para > 0 and not (t and turns[t - 1][-1].para == q.para - 1):
        pa, pb = ix.paragraphs[q.para - 1]
        named = [m for m in ix.mentions_in(pa, pb) if not ix.inside_quote(m.start)]
        for m in named:
            add(m.who, "prev-subject" if ix.is_subject(m) else "prev-mention")
        if named:
            add(named[-1].who, "prev-last")
    seen: list[int] = []
    for u in range(t - 1, max(-1, t - ix.settings.recent_turns_back), -1):
        who = decided.speaker.get(turns[u][0].index)
        if who is not None and who >= 0 and who not in seen:
            seen.append(who)
            add(
                who, "recent-1" if len(seen) == 1 else "recent-2" if len(seen) == 2 else "recent-3+"
            )
            if len(seen) >= ix.settings.recent_reach:
                break
    # The point-of-view character: whom the chapter's narration is most about. A
    # thought in a third-person story is nearly always theirs.
    pov = ix.pov(q.seg.start)
    if pov is not None:
        add(pov, "thought-pov" if q.seg.kind is Kind.THOUGHT else "pov")
    for who, f in found.items():
        f["prior"] = prior.get(who, 0.0)
        if who == ix.narrator:
            f["narrator"] = 1.0
    return found


def pronoun_features(
    ix: TextIndex,
    turns: Turns,
    decided: Decisions,
    t: int,
    want: Gender,
    prior: dict[int, float],
) -> dict[int, dict[str, float]]:
    """``_features`` for the characters of the pronoun's gender, plus how salient each
    is where the pronoun stands (latest subject or speaker of that gender first)."""
    features = features_of(ix, turns, decided, t, prior)
    for q in turns[t]:
        resolution = decided.pronoun.get(q.index)
        if resolution is not None:
            for rank, who in enumerate(resolution.candidates):
                features.setdefault(who, {})[f"salient-{rank + 1}"] = 1.0
    return {who: f for who, f in features.items() if ix.gender(who) is want}


def scores(features: dict[int, dict[str, float]], weights: Mapping[str, float]) -> dict[int, float]:
    """Each candidate's weighed evidence."""
    return {who: sum(weights.get(k, 0.0) * v for k, v in f.items()) for who, f in features.items()}


def margin(scores: dict[int, float], who: int, no_evidence: float) -> float:
    """How far ``who``'s evidence leads the best other candidate's (a missing
    candidate counts ``no_evidence``)."""
    others = [v for k, v in scores.items() if k != who]
    return scores.get(who, no_evidence) - max(others, default=no_evidence)


def alternate(run: list[dict[int, float]], no_evidence: float) -> list[int | None]:
    """Speakers for consecutive turns: the two candidates who, taking turns, collect
    the most evidence (a single turn simply gets its best candidate)."""
    candidates = sorted({who for scores in run for who in scores})
    if not candidates:
        return [None] * len(run)
    if len(run) == 1 or len(candidates) == 1:
        return [max(s, key=lambda who: s[who]) if s else None for s in run]
    best: tuple[float, int, int] | None = None
    for a in candidates:
        for b in candidates:
            if a == b:
                continue
            total = sum(s.get(a if i % 2 == 0 else b, no_evidence) for i, s in enumerate(run))
            if best is None or total > best[0]:
                best = (total, a, b)
    assert best is not None
    return [best[1] if i % 2 == 0 else best[2] for i in range(len(run))]


def speaker_prior(decided: Decisions, offset: float) -> dict[int, float]:
    """How much of the dialogue attributed so far each character speaks (log share)."""
    counts: dict[int, int] = {}
    for speaker in decided.speaker.values():
        if speaker is not None and speaker >= 0:
            counts[speaker] = counts.get(speaker, 0) + 1
    total = sum(counts.values()) or 1
    return {who: math.log(n / total) + offset for who, n in counts.items()}
