"""Segments + characters -> the same segments with a speaker for each quote.

The stages, in order:
1. explicit rules around each quote in its paragraph (``explicit``), in text order so
   that "he" and "she" refer to the speakers found so far; a paragraph's other
   quotes take the nearest attributed one's speaker;
2. turns decided through "he" or "she" are looked at again among the characters of
   that gender, by weighed evidence (``guess``);
3. the conversation sieve (``rules.RULES``) for turns still open;
4. the best guess for the rest (``guess``);
5. a calibrated confidence for each quote's speaker (``confidence``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from audiobook.models import Book, Character, Segment
from audiobook.text.attribute import confidence, explicit, guess
from audiobook.text.attribute.index import (
    Decisions,
    Quote,
    Resolver,
    Speakers,
    TextIndex,
    Turns,
    build_index,
)
from audiobook.text.attribute.rules import RULES, in_order
from audiobook.text.attribute.settings import DEFAULT, AttributionSettings


def decide_explicitly(ix: TextIndex, turns: Turns) -> tuple[Decisions, Speakers]:
    """Stage 1: what the narration around each quote says."""
    d, speakers = Decisions(), Speakers()
    for group in turns.groups:
        p_start, p_end = ix.paragraphs[group[0].para]
        for k, q in enumerate(group):
            limit = group[k + 1].seg.start if k + 1 < len(group) else max(p_end, q.seg.end)
            start = group[k - 1].seg.end if k > 0 else min(p_start, q.seg.start)
            r = Resolver(ix, speakers)
            who, rule = explicit.explicit_after(r, q, limit)
            if who is None and not (k > 0 and _continues(r, d, group[k - 1], q)):
                who, rule = explicit.explicit_before(r, start, q.seg.start)
            if who is None and k == 0:
                who, rule = explicit.lead_in(r, q)
            if who is not None:
                d.decide(q, who, rule)
                if r.last is not None and r.last.candidates[:1] == (who,):
                    d.pronoun[q.index] = r.last
                if who >= 0:
                    speakers.add(q.seg.start, who)
        _spread_in_paragraph(d, group, "paragraph")
    return d, speakers


def _continues(r: Resolver, d: Decisions, prev: Quote, q: Quote) -> bool:
    rule = d.rule.get(prev.index)
    return rule is not None and rule.startswith("explicit-after") and explicit.continues(r, prev, q)


def _spread_in_paragraph(d: Decisions, group: tuple[Quote, ...], rule: str) -> None:
    """Quotes of one paragraph without their own attribution take the nearest one's."""
    known = [q for q in group if q.index in d.rule]
    if not known:
        return
    for q in group:
        if q.index not in d.rule:
            before = [k for k in known if k.seg.start < q.seg.start]
            source = before[-1] if before else known[0]
            d.decide(q, d.speaker[source.index], rule)


def reconsider_pronouns(ix: TextIndex, turns: Turns, d: Decisions, prior: dict[int, float]) -> None:
    """Stage 2: a turn decided through "he"/"she" goes to the character of that gender
    the conversation and the narration point to, salience included."""
    for t, group in enumerate(turns.groups):
        decided = [q for q in group if q.index in d.rule and d.rule[q.index] != "paragraph"]
        if not decided or any(q.index not in d.pronoun for q in decided):
            continue
        genders = {d.pronoun[q.index].gender for q in decided}
        if len(genders) != 1:
            continue
        features = guess.pronoun_features(ix, turns, d, t, genders.pop(), prior)
        scores = guess.scores(features, ix.settings.pronoun_weights)
        if scores:
            best = max(scores, key=lambda who: scores[who])
            lead = guess.margin(scores, best, ix.settings.no_evidence)
            for q in group:
                if d.speaker.get(q.index) != best:
                    d.changed.add(q.index)
                d.speaker[q.index] = best
                d.margin[q.index] = lead


def sieve(r: Resolver, turns: Turns, d: Decisions) -> None:
    """Stage 3: the conversation rules, in order, for the turns still open."""
    for name, rule in in_order(r.ix.settings):
        for t, group in enumerate(turns.groups):
            if group[0].index not in d.rule:
                who = rule(r, turns, d, t)
                if who is not None:
                    for q in group:
                        d.decide(q, who, name)


def best_guess(ix: TextIndex, turns: Turns, d: Decisions, prior: dict[int, float]) -> None:
    """Stage 4: consecutive open turns of one conversation alternate between the pair
    the evidence favours most; a lone open turn gets its best candidate."""
    t = 0
    while t < len(turns):
        if turns[t][0].index in d.rule:
            t += 1
            continue
        end = t + 1
        while (
            end < len(turns)
            and turns[end][0].index not in d.rule
            and turns.same_conversation(end - 1, end)
            and turns.tight(end - 1, end)
        ):
            end += 1
        run = [
            guess.scores(guess.features_of(ix, turns, d, u, prior), ix.settings.guess_weights)
            for u in range(t, end)
        ]
        no_evidence = ix.settings.no_evidence
        for u, who, scores in zip(range(t, end), guess.alternate(run, no_evidence), run,
                                  strict=True):  # fmt: skip
            if who is not None:
                for q in turns[u]:
                    d.decide(q, who, "best-guess")
                    d.margin[q.index] = guess.margin(scores, who, no_evidence)
        t = end


@dataclass(frozen=True)
class Attribution:
    """The attributed segments, which rule decided each attributed one and the
    evidence its confidence was computed from (both by segment index)."""

    segments: tuple[Segment, ...]
    rules: dict[int, str]
    evidence: dict[int, dict[str, float]]


def attribute_with_evidence(
    book: Book,
    segments: tuple[Segment, ...],
    characters: tuple[Character, ...],
    settings: AttributionSettings = DEFAULT,
) -> Attribution:
    """Like ``attribute``, with the rules and the confidence features (for benchmarks)."""
    ix = build_index(book, segments, characters, settings)
    turns = Turns.of(ix)
    d, speakers = decide_explicitly(ix, turns)
    prior = guess.speaker_prior(d, settings.prior_offset)
    reconsider_pronouns(ix, turns, d, prior)
    sieve(Resolver(ix, speakers), turns, d)
    best_guess(ix, turns, d, prior)
    sure, features = confidence.confidences(ix, turns, d)
    result = list(segments)
    for q in ix.quotes:
        who = d.speaker.get(q.index)
        name = characters[who].name if who is not None and who >= 0 else None
        result[q.index] = replace(q.seg, speaker=name, confidence=sure[q.index])
    return Attribution(tuple(result), dict(d.rule), features)


def attribute_explained(
    book: Book,
    segments: tuple[Segment, ...],
    characters: tuple[Character, ...],
    settings: AttributionSettings = DEFAULT,
) -> tuple[tuple[Segment, ...], dict[int, str]]:
    """Like ``attribute``, and also which rule decided each attributed segment (by index)."""
    found = attribute_with_evidence(book, segments, characters, settings)
    return found.segments, found.rules


def attribute(
    book: Book, segments: tuple[Segment, ...], characters: tuple[Character, ...]
) -> tuple[Segment, ...]:
    """Set ``speaker`` on every dialogue and thought segment to a character's name, or
    None when no rule can tell, and ``confidence`` to how likely that speaker is right
    (0.0 for None); other segments are returned unchanged."""
    return attribute_explained(book, segments, characters)[0]


__all__ = [
    "RULES",
    "Attribution",
    "AttributionSettings",
    "attribute",
    "attribute_explained",
    "attribute_with_evidence",
]
