"""Attributed segments -> the same segments with a stable id on every quote.

A quote's id comes from its chapter, its own words and its ordinal among quotes of
the same words in that chapter, never from offsets: editing one chapter leaves the
other chapters' ids as they were, and a review or fixes file written before still
finds its quotes.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import replace

from audiobook.models import QUOTE_KINDS, Segment

_WORD = re.compile(r"\w+")


def words_key(text: str) -> str:
    """The words of a quote, case and punctuation aside: what its id and a fixes file's
    ``text`` check compare."""
    return " ".join(_WORD.findall(text.casefold()))


def with_ids(text: str, segments: tuple[Segment, ...]) -> tuple[Segment, ...]:
    """Every dialogue and thought segment with its id ("3-5f2a9c", chapter 3 counted
    from 1; "3-5f2a9c-2" for the second quote of those words in that chapter)."""
    seen: Counter[tuple[int, str]] = Counter()
    out = []
    for seg in segments:
        if seg.kind in QUOTE_KINDS:
            key = words_key(text[seg.start : seg.end])
            digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:6]
            seen[(seg.chapter, digest)] += 1
            n = seen[(seg.chapter, digest)]
            seg = replace(seg, id=f"{seg.chapter + 1}-{digest}" + (f"-{n}" if n > 1 else ""))
        out.append(seg)
    return tuple(out)
