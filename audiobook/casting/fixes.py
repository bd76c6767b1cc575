"""Fixes files (``--fixes FILE``) -> the script with the user's speakers for the quotes
they name.

A fixes file is the review file (``audiobook review``) with speakers changed: one
``[[quote]]`` table per quote, of which only ``id`` and ``speaker`` are required. A
speaker is a name or alias in the cast, a new name (a new character), ``(narrator)``
(the words are narration) or ``(unknown)``. Fixes win over everything, cast aliases
included, and apply after attribution and casting, so they change no other quote and
move no other character's voice. A file that cannot be read at all is an error; a fix
that no longer fits the story (unknown id, changed words, unusable name) is a warning
and is skipped.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from audiobook.casting._toml import Fields, load_toml, toml_string
from audiobook.errors import FixesError
from audiobook.files import write_text_atomic
from audiobook.models import QUOTE_KINDS, Character, Gender, Kind, Script
from audiobook.text.ids import words_key

NARRATOR_FIX = "(narrator)"
UNKNOWN_FIX = "(unknown)"
MAX_NAME_CHARS = 64
MAX_FIXES = 100_000
FIXED = "fixes file"
"""``Character.origin`` of a character a fix names for the first time."""


@dataclass(frozen=True)
class Fix:
    id: str
    speaker: str
    text: str | None = None
    where: str = ""
    """The file and table, for warnings ("fixes.toml: quote[3]")."""


@dataclass(frozen=True)
class FixesFile:
    path: Path
    story: str | None
    """The title of the story the file was written for; None applies it to any."""
    fixes: tuple[Fix, ...]
    warnings: tuple[str, ...] = ()
    """Tables that are no usable fix (no id, no speaker), one line each."""


def load_fixes(path: Path) -> FixesFile:
    """Read a fixes file; only a file that is no TOML table of quotes is an error."""
    top = Fields(load_toml(path, FixesError), str(path), FixesError)
    raw = top.table.get("quote", [])
    if not isinstance(raw, list):
        raise top.fail("quote", "must be an array of tables ([[quote]])")
    if len(raw) > MAX_FIXES:
        raise top.fail("quote", f"has more than {MAX_FIXES} entries")
    story = top.table.get("story")
    if story is not None and not isinstance(story, str):
        raise top.fail("story", "must be a string (the story's title)")
    fixes: list[Fix] = []
    warnings: list[str] = []
    for i, table in enumerate(raw):
        where = f"{path}: quote[{i}]"
        try:
            entry = Fields(table, where, FixesError)
            fixes.append(Fix(
                entry.string("id", max_len=64),
                entry.string("speaker", max_len=100_000),
                entry.optional_string("text", max_len=100_000),
                where,
            ))  # fmt: skip
        except FixesError as exc:
            warnings.append(f"{exc}; fix skipped")
    return FixesFile(path, story if isinstance(story, str) else None, tuple(fixes),
                     tuple(warnings))


def _usable(name: str) -> str | None:
    """Why a new speaker name cannot be used, or None."""
    if not name.strip():
        return "is empty"
    if len(name) > MAX_NAME_CHARS:
        return f"is longer than {MAX_NAME_CHARS} characters"
    if any(c in name for c in "/\\") or any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "contains a path separator or a control character"
    if name.strip() != name:
        return "begins or ends with spaces"
    return None


@dataclass(frozen=True)
class Fixed:
    """The script with the fixes applied, the characters fixes added, and a warning
    line for each fix skipped."""

    script: Script
    added: tuple[Character, ...] = ()
    warnings: tuple[str, ...] = ()
    applied: int = 0


def apply_fixes(script: Script, files: Sequence[FixesFile]) -> Fixed:
    """Each fix's speaker on its quote; later fixes of the same id win."""
    text = script.book.document.text
    warnings: list[str] = []
    chosen: dict[str, Fix] = {}
    for file in files:
        warnings.extend(file.warnings)
        if file.story is not None and file.story != script.book.title:
            if len(files) == 1:
                warnings.append(f"{file.path}: written for '{file.story}', not "
                                f"'{script.book.title}'; its fixes are skipped")
            continue
        for fix in file.fixes:
            chosen[fix.id] = fix
    names: dict[str, str] = {}
    for c in script.characters:
        for name in (c.name, *c.aliases):
            names.setdefault(name.casefold(), c.name)
    added: dict[str, Character] = {}
    segments = list(script.segments)
    by_id = {s.id: k for k, s in enumerate(segments) if s.id is not None}
    applied = 0
    for fix in chosen.values():
        k = by_id.get(fix.id)
        if k is None:
            warnings.append(f"{fix.where}: no quote {_short(fix.id)!r} in '{script.book.title}' "
                            "(its chapter or words changed?); fix skipped")
            continue
        seg = segments[k]
        said = text[seg.start : seg.end]
        if fix.text is not None and words_key(fix.text) != words_key(said):
            warnings.append(f"{fix.where}: quote {fix.id!r} now reads {_short(said)!r}, not "
                            f"{_short(fix.text)!r}; fix skipped")
            continue
        if fix.speaker == NARRATOR_FIX:
            segments[k] = replace(seg, kind=Kind.NARRATION, speaker=None, confidence=None)
        elif fix.speaker == UNKNOWN_FIX:
            segments[k] = replace(seg, kind=_quote_kind(seg.kind), speaker=None,
                                  confidence=1.0)
        else:
            found = names.get(fix.speaker.casefold())
            if found is None:
                problem = _usable(fix.speaker)
                if problem is not None:
                    warnings.append(f"{fix.where}: speaker {_short(fix.speaker)!r} {problem}; "
                                    "fix skipped")
                    continue
                found = fix.speaker
                added[found] = Character(found, (), Gender.UNKNOWN, FIXED)
                names[found.casefold()] = found
            segments[k] = replace(seg, kind=_quote_kind(seg.kind), speaker=found,
                                  confidence=1.0)
        applied += 1
    fixed = Script(script.book, tuple(segments), (*script.characters, *added.values()))
    return Fixed(fixed, tuple(added.values()), tuple(warnings), applied)


def _quote_kind(kind: Kind) -> Kind:
    return kind if kind in QUOTE_KINDS else Kind.DIALOGUE


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_WRITING = threading.Lock()




def set_fix(path: Path, story: str, quote_id: str, speaker: str, text: str | None = None) -> None:
    """Record one fix in a fixes file, keeping every other quote's fix as the file has
    it now: two editors writing at once lose no edit, the last write winning per quote.
    The file is replaced atomically."""
    problem = None if speaker in (NARRATOR_FIX, UNKNOWN_FIX) else _usable(speaker)
    if problem is not None:
        raise FixesError(f"speaker {_short(speaker)!r} {problem}")
    with _WRITING:
        entries: dict[str, Fix] = {}
        if path.exists():
            for fix in load_fixes(path).fixes:
                entries[fix.id] = fix
        entries[quote_id] = Fix(quote_id, speaker, text)
        lines = [
            "# Fixes made in the studio (the review file's format): one [[quote]] per fix.",
            f"story = {toml_string(story)}",
        ]
        for fix in entries.values():
            lines += ["", "[[quote]]", f"id = {toml_string(fix.id)}",
                      f"speaker = {toml_string(fix.speaker)}"]
            if fix.text is not None:
                lines.append(f"text = {toml_string(fix.text)}")
        write_text_atomic(path, "\n".join(lines) + "\n", FixesError)
