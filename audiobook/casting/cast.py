"""Speakers -> voice profiles, and the editable cast file that overrides any choice.

The cast file is TOML::

    narrator = "narrator"          # profile name for narration

    [[characters]]
    name = "Kakashi"
    aliases = ["Hatake Kakashi", "Kakashi-sensei"]
    gender = "male"                # male | female | unknown
    voice = "deep_man"             # optional profile name

    [pauses]                       # optional: any field of config.Pauses, in ms
    paragraph_ms = 800

When it lists characters, they are the story's characters exactly as given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

from audiobook import files
from audiobook.casting._toml import Fields, load_toml, toml_string
from audiobook.casting.voices import narrator_profile
from audiobook.config import Pauses
from audiobook.errors import CastError
from audiobook.models import QUOTE_KINDS, Cast, Character, Gender, Script, VoiceProfile

MAX_CHARACTERS = 2000
MAX_PAUSE_MS = 60_000
AGE_ORDER = {"adult": 0, "young": 1, "old": 2, "child": 3}
"""Main characters get adult voices first; old and child voices are used when those run out."""


@dataclass(frozen=True)
class CastEntry:
    character: Character
    voice: str | None = None


@dataclass(frozen=True)
class CastFile:
    path: Path
    narrator: str | None = None
    entries: tuple[CastEntry, ...] = ()
    pauses: tuple[tuple[str, int], ...] = ()
    """Pause lengths (``config.Pauses`` field names, in ms) that override the defaults."""

    def apply_pauses(self, pauses: Pauses) -> Pauses:
        return replace(pauses, **dict(self.pauses))

    @property
    def characters(self) -> tuple[Character, ...]:
        return tuple(e.character for e in self.entries)


def load_cast_file(path: Path) -> CastFile:
    top = Fields(load_toml(path, CastError), str(path), CastError)
    top.reject_unknown({"narrator", "characters", "pauses"})
    narrator = top.optional_string("narrator", max_len=64)
    table = Fields(top.table.get("pauses", {}), f"{path}: [pauses]", CastError)
    names = {f.name for f in fields(Pauses)}
    table.reject_unknown(names)
    pauses = tuple((name, table.integer(name, 0, 0, MAX_PAUSE_MS)) for name in sorted(table.table))
    raw = top.table.get("characters", [])
    if not isinstance(raw, list):
        raise top.fail("characters", "must be an array of tables ([[characters]])")
    if len(raw) > MAX_CHARACTERS:
        raise top.fail("characters", f"has more than {MAX_CHARACTERS} entries")
    entries: list[CastEntry] = []
    seen: set[str] = set()
    for i, table in enumerate(raw):
        entry = Fields(table, f"{path}: characters[{i}]", CastError)
        entry.reject_unknown({"name", "aliases", "gender", "voice"})
        name = entry.string("name").strip()
        if not name:
            raise entry.fail("name", "is empty")
        if name in seen:
            raise entry.fail("name", f"'{name}' is listed twice")
        seen.add(name)
        gender = Gender(entry.choice("gender", "unknown", tuple(g.value for g in Gender)))
        aliases = tuple(a.strip() for a in entry.string_list("aliases") if a.strip() != name)
        character = Character(name=name, aliases=aliases, gender=gender, origin="cast file")
        entries.append(CastEntry(character, entry.optional_string("voice", max_len=64)))
    return CastFile(path=path, narrator=narrator, entries=tuple(entries), pauses=pauses)


def line_counts(script: Script) -> Counter[str]:
    return Counter(
        s.speaker for s in script.segments if s.kind in QUOTE_KINDS and s.speaker is not None
    )


def _profile(profiles: Mapping[str, VoiceProfile], name: str, where: str) -> VoiceProfile:
    if name not in profiles:
        raise CastError(
            f"{where}: voice '{name}' is not a voice profile "
            f"(known: {', '.join(sorted(profiles))})"
        )
    return profiles[name]


def make_cast(
    script: Script,
    profiles: Mapping[str, VoiceProfile],
    cast_file: CastFile | None = None,
    narrator_name: str | None = None,
) -> Cast:
    """A deterministic voice for every character; the cast file's choices win.

    ``narrator_name`` picks the narrator's profile when the cast file does not.

    Characters with the most lines choose first, each taking an unused
    character voice of its gender; when those run out, and for characters of
    unknown gender, voices are shared from the minor profiles.
    """
    narrator = narrator_profile(profiles)
    if narrator_name:
        narrator = _profile(profiles, narrator_name, "--narrator")
    chosen: dict[str, VoiceProfile] = {}
    if cast_file is not None:
        if cast_file.narrator:
            narrator = _profile(profiles, cast_file.narrator, f"{cast_file.path}: narrator")
        for entry in cast_file.entries:
            if entry.voice:
                where = f"{cast_file.path}: character '{entry.character.name}'"
                chosen[entry.character.name] = _profile(profiles, entry.voice, where)

    used = {p.name for p in chosen.values()} | {narrator.name}
    free = sorted(
        (p for p in profiles.values() if p.role == "character" and p.name not in used),
        key=lambda p: (AGE_ORDER.get(p.age, 9), p.name),
    )
    minor = sorted((p for p in profiles.values() if p.role == "minor"), key=lambda p: p.name)
    counts = line_counts(script)
    order = sorted(script.characters, key=lambda c: (-counts[c.name], c.name))
    for character in order:
        if character.name in chosen:
            continue
        profile = None
        if counts[character.name] > 0 and character.gender is not Gender.UNKNOWN:
            profile = next((p for p in free if p.gender is character.gender), None)
        if profile is not None:
            free.remove(profile)
        else:
            profile = _shared(minor, character.gender) or narrator
        chosen[character.name] = profile
    unknown = _shared(minor, Gender.UNKNOWN) or narrator
    shared = tuple((g.value, _shared(minor, g) or unknown) for g in Gender)
    return Cast(narrator=narrator, speakers=tuple(chosen.items()), unknown=unknown,
                shared=shared)


def add_to_cast(cast: Cast, added: Sequence[Character],
                profiles: Mapping[str, VoiceProfile]) -> Cast:
    """The cast with a voice for each character a fix named first: the next character
    voice no one has, else the unknown speaker's; no one else's voice moves."""
    if not added:
        return cast
    used = {p.name for _, p in cast.speakers} | {cast.narrator.name}
    free = sorted(
        (p for p in profiles.values() if p.role == "character" and p.name not in used),
        key=lambda p: (AGE_ORDER.get(p.age, 9), p.name),
    )
    speakers = list(cast.speakers)
    for character in added:
        profile = free.pop(0) if free else cast.unknown or cast.narrator
        speakers.append((character.name, profile))
    return replace(cast, speakers=tuple(speakers))


def _shared(minor: list[VoiceProfile], gender: Gender) -> VoiceProfile | None:
    for profile in minor:
        if profile.gender is gender:
            return profile
    return minor[0] if minor else None


def render_cast_file(script: Script, cast: Cast,
                     characters: Sequence[Character] | None = None,
                     pauses: Sequence[tuple[str, int]] = ()) -> str:
    """An editable cast file for this script and cast, which ``--cast`` reads back;
    ``characters`` (edited) replace the script's own; ``pauses`` are kept as a table."""
    counts = line_counts(script)
    lines = [
        f"# Cast for {toml_string(script.book.title)}: edit the voices, then pass it with --cast.",
        "# Voices are the profile names listed by `audiobook voices`.",
        f"narrator = {toml_string(cast.narrator.name)}",
    ]
    for character in script.characters if characters is None else characters:
        lines += [
            "",
            f"# {counts[character.name]} line(s)",
            "[[characters]]",
            f"name = {toml_string(character.name)}",
            f"aliases = [{', '.join(toml_string(a) for a in character.aliases)}]",
            f"gender = {toml_string(character.gender.value)}",
            f"voice = {toml_string(cast.profile_for(character.name).name)}",
        ]
    if pauses:
        lines += ["", "[pauses]", *(f"{name} = {ms}" for name, ms in pauses)]
    return "\n".join(lines) + "\n"


CAST_EDITS = ("rename", "merge", "gender", "voice")


def edit_cast(script: Script, cast: Cast, profiles: Mapping[str, VoiceProfile],
              edit: str, name: str, value: str,
              pauses: Sequence[tuple[str, int]] = ()) -> tuple[str, Cast]:
    """A cast file's text after one edit, and the cast it gives: ``rename`` (the old
    name stays an alias), ``merge`` (``name`` becomes an alias of ``value``), ``gender``
    or ``voice`` (a profile name)."""
    people = {c.name: c for c in script.characters}
    if name not in people:
        raise CastError(f"no character named {name!r} in the cast")
    who = people[name]
    voices = dict(cast.speakers)
    if edit == "rename":
        new = " ".join(value.split())
        if not new or len(new) > 64 or any(c in "/\\" or not c.isprintable() for c in new):
            raise CastError(f"{value[:64]!r} cannot be a character's name")
        if new in people and new != name:
            raise CastError(f"{new!r} is already in the cast: merge the two instead")
        people = {(new if k == name else k): (replace(c, name=new, aliases=tuple(
            dict.fromkeys((*c.aliases, name)))) if k == name else c) for k, c in people.items()}
        voices[new] = voices.pop(name, cast.profile_for(name))
    elif edit == "merge":
        if value not in people or value == name:
            raise CastError(f"no other character named {value!r} to merge {name!r} into")
        into = people[value]
        people[value] = replace(into, aliases=tuple(dict.fromkeys(
            (*into.aliases, who.name, *who.aliases))))
        del people[name]
    elif edit == "gender":
        if value not in {g.value for g in Gender}:
            raise CastError(f"gender {value!r}: choose male, female or unknown")
        people[name] = replace(who, gender=Gender(value))
    elif edit == "voice":
        voices[name] = _profile(profiles, value, f"character {name!r}")
    else:
        raise CastError(f"{edit!r} is not a cast edit ({', '.join(CAST_EDITS)})")
    edited = replace(cast, speakers=tuple((k, voices[k]) for k in people if k in voices))
    return render_cast_file(script, edited, list(people.values()), pauses), edited




def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it into place."""
    files.write_text_atomic(path, text, CastError)
