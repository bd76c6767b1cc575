"""Pronunciation lexicons: TOML files -> a Lexicon that respells text before the engine says it.

A lexicon file has two optional tables::

    [patterns]              # regular expressions (Python syntax), applied first
    '(\\d+)\\s*mph' = '\\1 miles per hour'

    [words]                 # whole words; a lower-case key matches any capitalisation,
    sensei = "sen-say"      # a key with capitals matches only that spelling
    "Hermione" = "her-my-oh-nee"

The project's own lexicon (``voices/lexicon/default.toml``) applies first, then the user's
files in order, so a user's entry for the same word wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from audiobook.casting._toml import Fields, load_toml
from audiobook.casting.resources import shipped_lexicon_path
from audiobook.errors import LexiconError

MAX_ENTRIES = 20_000
MAX_PATTERN = 500


@dataclass(frozen=True)
class Lexicon:
    """Regex rules, then word respellings (exact spelling first, then any case)."""

    exact: Mapping[str, str] = field(default_factory=dict)
    folded: Mapping[str, str] = field(default_factory=dict)
    patterns: tuple[tuple[re.Pattern[str], str], ...] = ()
    words: re.Pattern[str] | None = None
    """One alternation of every word key, longest first, matched as whole words."""

    def apply(self, text: str) -> str:
        """``text`` as the engine should say it."""
        for pattern, replacement in self.patterns:
            text = pattern.sub(replacement, text)
        if self.words is not None:
            text = self.words.sub(self._replace_word, text)
        return text

    def _replace_word(self, match: re.Match[str]) -> str:
        word = match.group()
        if word in self.exact:
            return self.exact[word]
        return self.folded.get(word.lower(), word)


def make_lexicon(
    exact: Mapping[str, str],
    folded: Mapping[str, str],
    patterns: tuple[tuple[re.Pattern[str], str], ...] = (),
) -> Lexicon:
    keys = sorted({*exact, *folded}, key=len, reverse=True)
    words = None
    if keys:
        # Hyphens count as word characters so "Naruto-kun" is one word to a lexicon.
        alternation = "|".join(re.escape(k) for k in keys)
        words = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE)
    return Lexicon(dict(exact), dict(folded), patterns, words)


def default_lexicon_path() -> Path:
    return shipped_lexicon_path()


def load_lexicon(paths: Iterable[Path]) -> Lexicon:
    """Merge lexicon files in order; a later file's entry for the same key wins."""
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    patterns: dict[str, tuple[re.Pattern[str], str]] = {}
    for path in paths:
        top = Fields(load_toml(path, LexiconError), str(path), LexiconError)
        top.reject_unknown({"words", "patterns"})
        words = Fields(top.table.get("words", {}), f"{path}: [words]", LexiconError)
        for key in words.table:
            spoken = words.string(key, max_len=500)
            if not key.strip() or len(key) > 200:
                raise words.fail(key, "is not a word")
            if key == key.lower():
                folded[key] = spoken
            else:
                exact[key] = spoken
        rules = Fields(top.table.get("patterns", {}), f"{path}: [patterns]", LexiconError)
        for key in rules.table:
            replacement = rules.string(key, max_len=500)
            if len(key) > MAX_PATTERN:
                raise rules.fail(key[:40], f"is longer than {MAX_PATTERN} characters")
            try:
                compiled = re.compile(key)
                compiled.sub(replacement, "")  # a bad group reference fails here, not mid-book
            except (re.error, IndexError) as exc:
                raise rules.fail(key, f"is not a usable regular expression ({exc})") from exc
            patterns[key] = (compiled, replacement)
        if len(exact) + len(folded) + len(patterns) > MAX_ENTRIES:
            raise LexiconError(f"{path}: more than {MAX_ENTRIES} entries in all")
    return make_lexicon(exact, folded, tuple(patterns.values()))
