"""The conversation sieve: rules for the turns the explicit rules left open, in the
order they run (``RULES``), each a function of the reading, the turns, what is
decided so far and a turn; it names a speaker or passes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from audiobook.models import Kind
from audiobook.text.attribute.explicit import action_before, subject_of
from audiobook.text.attribute.index import UNKNOWN, Decisions, Resolver, Turns
from audiobook.text.attribute.settings import AttributionSettings

Rule = Callable[[Resolver, Turns, Decisions, int], "int | None"]


def action(r: Resolver, turns: Turns, d: Decisions, t: int) -> int | None:
    """The subject of the narration just before the quote in its paragraph."""
    q = turns[t][0]
    return action_before(r, q, r.ix.paragraphs[q.para][0])


def vocative(r: Resolver, turns: Turns, d: Decisions, t: int) -> int | None:
    """The one person the previous turn addressed by name answers."""
    if t == 0 or not turns.same_conversation(t - 1, t):
        return None
    prev = turns[t - 1]
    called = set().union(*(r.ix.vocatives(q) for q in prev))
    speaker = d.speaker.get(prev[0].index)
    called.discard(speaker if speaker is not None else UNKNOWN)
    return next(iter(called)) if len(called) == 1 else None


def _alternation(turns: Turns, d: Decisions, t: int, backward: bool) -> int | None:
    a, b = (t - 2, t - 1) if backward else (t + 2, t + 1)
    if 0 <= a < len(turns) and 0 <= b < len(turns) and turns.same_conversation(a, t):
        if not turns.tight(a, t):
            return None
        sa, sb = d.speaker.get(turns[a][0].index), d.speaker.get(turns[b][0].index)
        if sa is not None and sb is not None and sa != sb and sa >= 0 and sb >= 0:
            return sa
    return None


def alternation(r: Resolver, turns: Turns, d: Decisions, t: int) -> int | None:
    """A, B, ?: in a tight exchange the turn two back speaks again."""
    return _alternation(turns, d, t, backward=True)


def alternation_forward(r: Resolver, turns: Turns, d: Decisions, t: int) -> int | None:
    """?, B, A: in a tight exchange the turn two ahead spoke this one too."""
    return _alternation(turns, d, t, backward=False)


def narration_before(r: Resolver, turns: Turns, d: Decisions, t: int) -> int | None:
    """A narration paragraph just before an unattributed turn usually ends on, or is
    about, the one who speaks next ("Emma was convinced of it." / "Why?")."""
    q = turns[t][0]
    if q.para == 0 or (t and turns[t - 1][-1].para == q.para - 1):
        return None
    a, b = r.ix.paragraphs[q.para - 1]
    clause = r.ix.last_clause(a, b)
    subject = subject_of(r, clause, b)
    # "No one but him." names nobody: leave the turn to the best guess.
    return subject[0] if subject and subject[0] >= 0 else None


def only_mention(r: Resolver, turns: Turns, d: Decisions, t: int) -> int | None:
    """The only character the turn's paragraph names outside its quotes."""
    q = turns[t][0]
    a, b = r.ix.paragraphs[q.para]
    named = [m for m in r.ix.mentions_in(a, b) if not r.ix.inside_quote(m.start)]
    who = {m.who for m in named}
    if len(who) != 1:
        return None
    # A thought is its point-of-view character's: "… without Sakura killing him"
    # names whom it is about, unless the name is the subject.
    if q.seg.kind is Kind.THOUGHT and not any(r.ix.is_subject(m) for m in named):
        return None
    return who.pop()


RULES: tuple[tuple[str, Rule], ...] = (
    ("action-before", action),
    ("vocative", vocative),
    ("alternation", alternation),
    ("alternation-forward", alternation_forward),
    ("narration-before", narration_before),
    ("only-mention", only_mention),
)
"""The sieve in order of measured precision. The two alternation rules run as a pair
``AttributionSettings.alternation_passes`` times (``in_order``)."""

_REPEATED = ("alternation", "alternation-forward")


def in_order(settings: AttributionSettings) -> Iterator[tuple[str, Rule]]:
    """``RULES`` as they run, the alternation pair repeated."""
    for name, rule in RULES:
        if name == _REPEATED[0]:
            pair = [(n, f) for n, f in RULES if n in _REPEATED]
            for _ in range(settings.alternation_passes):
                yield from pair
        elif name not in _REPEATED:
            yield name, rule
