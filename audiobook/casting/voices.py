"""Voice profiles: TOML files in a folder -> VoiceProfile values, resolved to the engine's voices.

A profile file describes a voice: name, gender, age, language (a BCP 47 tag such as
``en-GB``), rate (words per minute), pitch (0-99), volume (0.0-1.0), role and a
one-line description. It may name an engine voice per pyttsx3 driver in a
``[voice]`` table (``espeak = "en-us+m3"``, ``sapi5 = "HKEY_…_ZIRA_11.0"``,
``nsss = "com.apple.voice.compact.en-US.Samantha"``); a bare ``voice = "en-us+m3"``
is the espeak voice; ``piper = "en_US-joe-medium"`` (or ``"MODEL:N"``, speaker N of a
model with several) names a Piper voice. ``engine`` makes the profile speak with that
engine whatever ``--engine`` says, and ``variation`` (0.0-1.0) sets how much Piper
varies the voice. ``resolve`` gives every profile the engine voice it speaks with,
given the engines' Catalogs (which the pipeline asks the engines for).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from audiobook.casting._toml import Fields, load_toml
from audiobook.casting.resources import shipped_voices_dir
from audiobook.errors import VoiceError
from audiobook.models import (
    DRIVER_NAME,
    ENGINE_NAMES,
    ESPEAK,
    PIPER,
    PIPER_VOICE_ID,
    Catalog,
    EngineVoice,
    Gender,
    VoiceProfile,
)

PROFILE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
"""Profile names are used in cast files and file names: keep them plain."""
ESPEAK_VOICE = re.compile(r"[A-Za-z0-9_+./-]{1,100}")
"""espeak-ng reads a voice id as a file name: no '..', nothing but these."""
LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")

ROLES = ("narrator", "character", "minor")
AGES = ("child", "young", "adult", "old")
KEYS = {"name", "voice", "rate", "pitch", "volume", "gender", "age", "language", "role",
        "description", "engine", "variation"}  # fmt: skip


def default_voices_dir() -> Path:
    """The project's own voice profiles (``voices/``, shipped inside the package)."""
    return shipped_voices_dir()


def _named_voices(fields: Fields) -> tuple[tuple[str, str], ...]:
    """The ``voice`` key: a bare espeak id, or a table of driver = engine voice id."""
    value = fields.table.get("voice")
    if value is None:
        return ()
    if isinstance(value, str):
        value = {ESPEAK: value}
    if not isinstance(value, dict):
        raise fields.fail(
            "voice", "must be a string (an espeak voice) or a table of driver = voice id"
        )
    named = Fields(value, f"{fields.where}: [voice]", fields.error)
    voices = []
    for driver in sorted(value):
        if not DRIVER_NAME.fullmatch(driver):
            raise named.fail(driver, "is not a pyttsx3 driver name (espeak, sapi5, nsss, …)")
        voice = named.string(driver, max_len=200)
        if driver == ESPEAK and (not ESPEAK_VOICE.fullmatch(voice) or ".." in voice):
            raise fields.fail("voice", f"is '{voice}', which is not an engine voice id")
        if driver == PIPER and not PIPER_VOICE_ID.fullmatch(voice):
            raise named.fail(driver, f"is '{voice}'; name a Piper model such as "
                                     "en_US-joe-medium, or MODEL:N for its speaker N")  # fmt: skip
        if not voice.strip():
            raise named.fail(driver, "is empty")
        voices.append((driver, voice))
    return tuple(voices)


def load_profile(path: Path) -> VoiceProfile:
    fields = Fields(load_toml(path, VoiceError), str(path), VoiceError)
    fields.reject_unknown(KEYS)
    name = fields.string("name", path.stem, max_len=64)
    if not PROFILE_NAME.fullmatch(name):
        raise fields.fail("name", f"is '{name}'; use lower-case letters, digits, '-' and '_'")
    language = fields.string("language", "en", max_len=35)
    if not LANGUAGE.fullmatch(language):
        raise fields.fail("language", f"is '{language}'; use a language tag such as en-GB")
    voices = _named_voices(fields)
    return VoiceProfile(
        name=name,
        voice=dict(voices).get(ESPEAK, ""),
        rate=fields.integer("rate", 175, 80, 450),
        pitch=fields.integer("pitch", 50, 0, 99),
        volume=fields.number("volume", 1.0, 0.0, 1.0),
        gender=Gender(fields.choice("gender", "unknown", tuple(g.value for g in Gender))),
        age=fields.choice("age", "adult", AGES),
        role=fields.choice("role", "character", ROLES),
        description=fields.string("description", "", max_len=300),
        language=language,
        voices=voices,
        source=path,
        engine=fields.choice("engine", "", ENGINE_NAMES) if "engine" in fields.table else "",
        variation=fields.number("variation", 0.5, 0.0, 1.0),
    )


def load_profiles(folder: Path | None = None) -> dict[str, VoiceProfile]:
    """Every ``*.toml`` profile in ``folder`` by name; at least one narrator is required."""
    folder = folder or default_voices_dir()
    if not folder.is_dir():
        raise VoiceError(f"{folder}: voices folder not found")
    profiles: dict[str, VoiceProfile] = {}
    for path in sorted(folder.glob("*.toml")):
        profile = load_profile(path)
        if profile.name in profiles:
            other = profiles[profile.name].source
            raise VoiceError(f"{path}: profile name '{profile.name}' is also used by {other}")
        profiles[profile.name] = profile
    if not profiles:
        raise VoiceError(f"{folder}: no voice profiles (*.toml) found")
    if not any(p.role == "narrator" for p in profiles.values()):
        raise VoiceError(f"{folder}: no profile has role = \"narrator\"")
    return profiles


def narrator_profile(profiles: Mapping[str, VoiceProfile]) -> VoiceProfile:
    if "narrator" in profiles:
        return profiles["narrator"]
    return next(p for p in profiles.values() if p.role == "narrator")


def resolve(
    profiles: Mapping[str, VoiceProfile], found: Catalog, others: Sequence[Catalog] = ()
) -> dict[str, VoiceProfile]:
    """Every profile with ``voice`` set to the installed voice it speaks with, and
    ``engine`` to the engine that has it: the one its file names (whose catalog is
    among ``others``), else ``found``'s, the run's engine.

    A voice the profile names for this driver must be installed (that is how a typo
    is caught). The others get an installed voice of their language, then of their
    gender, a child's voice only for a child, spreading over distinct voices before
    any is used twice, then of their accent (the language's region) and age.
    Narrators choose first and keep their voice to themselves wherever another voice
    fits; then characters, then shared voices, each in name order; ties go to the
    driver's own order, so the choice is the same on every run. Where the driver
    cannot set pitch, characters sharing a voice get rates a step apart (and on Piper,
    variations apart). Each engine's voices are shared out among its own profiles.
    """
    catalogs = {c.engine: c for c in (*others, found)}
    groups: dict[str, dict[str, VoiceProfile]] = {}
    for name, profile in profiles.items():
        groups.setdefault(profile.engine or found.engine, {})[name] = profile
    resolved: dict[str, VoiceProfile] = {}
    for engine, group in groups.items():
        if engine not in catalogs:
            raise VoiceError(f"no voices of the {engine} engine were asked for")
        for name, profile in _resolve_with(group, catalogs[engine]).items():
            resolved[name] = replace(profile, engine=engine)
    return {name: resolved[name] for name in profiles}


def _resolve_with(profiles: Mapping[str, VoiceProfile], found: Catalog) -> dict[str, VoiceProfile]:
    driver = found.driver
    order = sorted(profiles, key=lambda name: (ROLES.index(profiles[name].role), name))
    resolved: dict[str, VoiceProfile] = {}
    uses: dict[str, int] = {}

    def use(name: str, voice: str) -> None:
        resolved[name] = replace(profiles[name], voice=voice)
        weight = NARRATOR_USES if profiles[name].role == "narrator" else 1
        uses[voice] = uses.get(voice, 0) + weight

    for name in order:
        named = profiles[name].named_voice(driver)
        if named is None:
            continue
        if not found.has(named):
            where = profiles[name].source or name
            engine = "Piper" if driver == PIPER else f"pyttsx3's {driver} driver"
            listing = "audiobook voices --engine piper" if driver == PIPER else "audiobook voices"
            raise VoiceError(
                f"{where}: voice '{named}' is not installed for {engine} "
                f"(`{listing}` lists the installed ones)"
            )
        use(name, named)
    candidates = _candidates(found)
    for name in order:
        if name in resolved:
            continue
        if not candidates:
            raise VoiceError(f"pyttsx3's {driver} driver has no voices installed")
        profile = profiles[name]
        use(name, min(candidates, key=lambda c: _rank(profile, c, uses)).id)
    if not found.pitch:
        _spread_rates(resolved, vary=driver == PIPER)
    return {name: resolved[name] for name in profiles}


RATE_STEP = 1.12
"""Rates apart for profiles that share a voice where pitch cannot be set: SAPI5 turns
words per minute into whole steps of about 11%, so closer rates would sound the same."""
RATE_SPAN = 1.4
"""No shared profile is moved further than this factor from its group's median rate."""


VARIATIONS = (0.5, 0.2, 0.8, 0.35, 0.65, 0.1, 0.9, 0.0, 1.0, 0.45, 0.55)
"""Piper variations for profiles that share one voice, so that two at the same rate
still differ: the first one free is taken."""


def _spread_rates(resolved: dict[str, VoiceProfile], vary: bool = False) -> None:
    """Give characters that share one voice rates a step apart, around their median,
    slowest profile slowest (and with ``vary``, variations in turn); the narrator
    keeps its own."""
    groups: dict[str, list[str]] = {}
    for name, profile in resolved.items():
        if profile.role != "narrator":
            groups.setdefault(profile.voice, []).append(name)
    for names in groups.values():
        names.sort(key=lambda n: (resolved[n].rate, n))
        middle = sorted(resolved[n].rate for n in names)[len(names) // 2]
        if len(names) > 1:
            for i, name in enumerate(names):
                rate = middle * RATE_STEP ** (i - (len(names) - 1) / 2)
                rate = min(max(rate, middle / RATE_SPAN, 80), middle * RATE_SPAN, 450)
                resolved[name] = replace(resolved[name], rate=round(rate))
        if vary:  # a lone character may still share the narrator's voice and rate
            _spread_variations(resolved, names)


def _spread_variations(resolved: dict[str, VoiceProfile], names: list[str]) -> None:
    """Give profiles that share one voice, in order, their own variation if no other
    profile of that voice and rate has it (the narrator's included), else the first
    of ``VARIATIONS`` that none has."""
    voice = resolved[names[0]].voice
    taken = {
        (p.rate, p.variation) for n, p in resolved.items() if n not in names and p.voice == voice
    }
    for i, name in enumerate(names):
        rate = resolved[name].rate
        free = [v for v in (resolved[name].variation, *VARIATIONS) if (rate, v) not in taken]
        variation = free[0] if free else VARIATIONS[i % len(VARIATIONS)]
        taken.add((rate, variation))
        resolved[name] = replace(resolved[name], variation=variation)


NARRATOR_USES = 1000
"""How much a narrator's voice counts as used: characters take it only when no other
voice of their language and gender is installed, since the narrator speaks most."""


_ESPEAK_VARIANTS = tuple(f"m{i}" for i in range(1, 8)) + tuple(f"f{i}" for i in range(1, 6))
"""espeak-ng's male and female variants, tried in this order for a voice."""


def _candidates(found: Catalog) -> list[EngineVoice]:
    """The voices to choose from; on espeak every voice with each male and female
    variant (the variant gives the gender: espeak's voices themselves have none)."""
    if found.driver != ESPEAK:
        return list(found.voices)
    voices = []
    for voice in found.voices:
        base = voice.id.rsplit("/", 1)[-1]
        for variant in _ESPEAK_VARIANTS:
            if variant in found.variants:
                gender = "female" if variant.startswith("f") else "male"
                voices.append(EngineVoice(f"{base}+{variant}", voice.name, voice.languages,
                                          gender))  # fmt: skip
    return voices


def _rank(
    profile: VoiceProfile, voice: EngineVoice, uses: Mapping[str, int]
) -> tuple[int, int, int, int, int, int]:
    """Smaller is better: language, gender, a child's voice for a child and only
    for a child, fewest uses, accent, age."""
    wanted = _language(profile.language)
    languages = [_language(lang) for lang in voice.languages]
    same_language = any(lang.split("-")[0] == wanted.split("-")[0] for lang in languages)
    accent = max((_accent_match(wanted, lang) for lang in languages), default=0)
    gender = engine_gender(voice.gender)
    if profile.gender is Gender.UNKNOWN or gender is profile.gender:
        gender_fit = 2
    else:
        gender_fit = 1 if gender is Gender.UNKNOWN else 0
    age = engine_age(voice.age)
    child_fit = 1 if (age == "child") == (profile.age == "child") else 0
    age_fit = 1 if age == profile.age else 0
    return (-same_language, -gender_fit, -child_fit, uses.get(voice.id, 0), -accent, -age_fit)


def _language(tag: str) -> str:
    return tag.strip().lower().replace("_", "-")


def _accent_match(wanted: str, tag: str) -> int:
    """2 for the same tag, 1 where one extends the other (en-gb, en-gb-x-rp), else 0."""
    if wanted == tag:
        return 2
    return 1 if tag.startswith(wanted + "-") or wanted.startswith(tag + "-") else 0


def engine_gender(value: str | None) -> Gender:
    """A driver's gender as ours: SAPI5 says "Male", NSSS "VoiceGenderFemale"."""
    text = (value or "").lower()
    if "female" in text:
        return Gender.FEMALE
    return Gender.MALE if "male" in text else Gender.UNKNOWN


def engine_age(value: str | None) -> str:
    """A driver's age as ours: SAPI5 says "Child", "Teen", "Adult" or "Senior"; NSSS
    gives years. Unknown ages count as adult."""
    text = (value or "").strip().lower()
    named = {"child": "child", "teen": "young", "adult": "adult", "senior": "old"}
    if text in named:
        return named[text]
    try:
        years = float(text)
    except ValueError:
        return "adult"
    return "child" if years < 13 else "young" if years < 30 else "adult" if years < 60 else "old"


def describe_voice(voice_id: str, found: Catalog) -> str:
    """An installed voice's name for people (espeak ids are already readable)."""
    for voice in found.voices:
        if voice.id == voice_id and voice.name and voice.name != voice_id:
            return f"{voice.name} ({voice_id})"
    return voice_id
