"""An archive's character tags + the characters found in the text -> one cast list.

The tags name the work's characters in full ("Uzumaki Naruto", "Harry Potter",
FanFiction.net's "Naruto U."); the text says how they are called. A tagged character
takes the text's character it names (its gender and aliases with it); a tag the text
never matches is kept, its gender from the pronouns after its mentions.
"""

from __future__ import annotations

import re
from dataclasses import replace

from audiobook.models import Character, Gender
from audiobook.text.genders import guess_genders
from audiobook.text.mentions import find_mentions

TAGS = "archive tags"
"""``Character.origin`` of a character the archive's tags name."""

# Tags that name no one character: AO3's placeholders for readers and original characters.
_NOT_ONE = re.compile(
    r"^(?:original\s+(?:\w+\s+)?characters?(?:\(s\))?|ocs?|reader|you|"
    r"everyone|ensemble|other characters?|various|(?:\w+\s+)?characters?|none)$",
    re.I,
)
_DISAMBIGUATION = re.compile(r"\s*\([^)]*\)\s*$")
_INITIAL = re.compile(r"^[A-Z]\.?$")
_NAME_WORD = re.compile(r"^[^\W\d_][\w'’.-]*$")


def tag_names(tag: str) -> tuple[str, tuple[str, ...]] | None:
    """A tag's display name and aliases: "Uzumaki Naruto" -> ("Uzumaki Naruto",
    ("Naruto", "Uzumaki", "Naruto Uzumaki")); "Naruto U." -> ("Naruto", ()); None for a
    tag that names no one character."""
    name = _DISAMBIGUATION.sub("", " ".join(tag.split())).strip(" ,;")
    if not name or _NOT_ONE.match(name) or "/" in name or "&" in name:
        return None
    words = [w for w in name.split() if not _INITIAL.match(w)]
    if not words or not all(_NAME_WORD.match(w) for w in words):
        return None
    if len(words) == 1:
        return words[0], ()
    full = " ".join(words)
    aliases = [w for w in words if len(w) > 1]
    if len(words) == 2:
        aliases.append(f"{words[1]} {words[0]}")
    return full, tuple(dict.fromkeys(a for a in aliases if a != full))


def _forms(c: Character) -> set[str]:
    return {n.lower() for n in (c.name, *c.aliases)}


def with_tags(
    text: str, found: tuple[Character, ...], tags: tuple[str, ...]
) -> tuple[Character, ...]:
    """The text's characters with the tagged ones first: each tag takes over the text
    characters it names; tags no text character matches are added."""
    seeded: list[Character] = []
    rest = list(found)
    for tag in tags:
        names = tag_names(tag)
        if names is None:
            continue
        name, aliases = names
        own = {name.lower(), *(a.lower() for a in aliases)}
        if any(own & _forms(c) for c in seeded):
            continue  # a second tag for someone already seeded ("Naruto U." and "Naruto")
        taken = [c for c in rest if _forms(c) & own]
        # "Raiden T." names "Tachibana Raiden" when the text calls him that.
        initials = {w[0] for w in tag.split() if _INITIAL.match(w)}
        full = next((n for c in taken for n in (c.name, *c.aliases)
                     if initials and len(n.split()) > 1 and name in n.split()
                     and {w[0] for w in n.split() if w != name} & initials), None)
        if full is not None:
            name, aliases = full, (name, *aliases)
        gender = next((c.gender for c in taken if c.gender is not Gender.UNKNOWN),
                      Gender.UNKNOWN)
        extra = [n for c in taken for n in (c.name, *c.aliases)]
        merged = tuple(dict.fromkeys(a for a in (*aliases, *extra) if a.lower() != name.lower()))
        seeded.append(Character(name, merged, gender, TAGS))
        rest = [c for c in rest if c not in taken]
    unknown = [i for i, c in enumerate(seeded) if c.gender is Gender.UNKNOWN]
    if unknown:
        everyone = (*seeded, *rest)
        genders = guess_genders(text, everyone, find_mentions(text, everyone))
        for i in unknown:
            seeded[i] = replace(seeded[i], gender=genders[i])
    return (*seeded, *rest)
