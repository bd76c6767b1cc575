"""Voice profiles: TOML files in a folder -> VoiceProfile values, checked against the engine.

A profile file holds name, voice (the engine's voice id, on espeak-ng a voice and
variant such as ``en-us+m3``), rate (words per minute), pitch (0-99), volume
(0.0-1.0), gender, age, role and a one-line description.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from audiobook._toml import Fields, load_toml
from audiobook.errors import VoiceError
from audiobook.models import Gender, VoiceProfile

PROFILE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
"""Profile names are used in cast files and file names: keep them plain."""

ROLES = ("narrator", "character", "minor")
AGES = ("child", "young", "adult", "old")
KEYS = {"name", "voice", "rate", "pitch", "volume", "gender", "age", "role", "description"}


def default_voices_dir() -> Path:
    """The project's own ``voices/`` folder, beside the package."""
    return Path(__file__).resolve().parent.parent / "voices"


def load_profile(path: Path) -> VoiceProfile:
    fields = Fields(load_toml(path, VoiceError), str(path), VoiceError)
    fields.reject_unknown(KEYS)
    name = fields.string("name", path.stem, max_len=64)
    if not PROFILE_NAME.fullmatch(name):
        raise fields.fail("name", f"is '{name}'; use lower-case letters, digits, '-' and '_'")
    voice = fields.string("voice", max_len=100)
    if not re.fullmatch(r"[A-Za-z0-9_+./-]{1,100}", voice) or ".." in voice:
        raise fields.fail("voice", f"is '{voice}', which is not an engine voice id")
    return VoiceProfile(
        name=name,
        voice=voice,
        rate=fields.integer("rate", 175, 80, 450),
        pitch=fields.integer("pitch", 50, 0, 99),
        volume=fields.number("volume", 1.0, 0.0, 1.0),
        gender=Gender(fields.choice("gender", "unknown", tuple(g.value for g in Gender))),
        age=fields.choice("age", "adult", AGES),
        role=fields.choice("role", "character", ROLES),
        description=fields.string("description", "", max_len=300),
        source=path,
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


def check_engine_voices(profiles: Iterable[VoiceProfile], engine: str) -> None:
    """Raise VoiceError naming the profile file whose engine voice is not installed."""
    from audiobook.engines import check_voices

    profiles = list(profiles)
    missing = check_voices(engine, sorted({p.voice for p in profiles}))
    for profile in profiles:
        if profile.voice in missing:
            where = profile.source or profile.name
            raise VoiceError(
                f"{where}: voice '{profile.voice}' is not installed in the {engine} engine "
                "(`audiobook voices` lists the installed ones)"
            )


def narrator_profile(profiles: Mapping[str, VoiceProfile]) -> VoiceProfile:
    if "narrator" in profiles:
        return profiles["narrator"]
    return next(p for p in profiles.values() if p.role == "narrator")
