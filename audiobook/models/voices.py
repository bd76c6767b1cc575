"""Voices: a profile (how a character sounds), the cast (who reads what), and the
speech engines as the casting and audio sides both see them (which engine and
driver, its installed voices)."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from audiobook.models.text import Gender


@dataclass(frozen=True)
class VoiceProfile:
    """A voice: who it sounds like, the engine voice it speaks with, and its settings.

    A profile file describes the voice (gender, age, language, rate, pitch, volume)
    and may name an engine voice per pyttsx3 driver (``voices``). ``voice`` is the
    engine voice id this profile speaks with on the engine in use: the one named for
    its driver, or one chosen from the installed voices by ``voices.resolve``
    (on espeak-ng a voice and variant such as ``en-us+m3``; on Piper a model, and a
    speaker of a model with several: ``en_US-libritts_r-medium:12``). ``rate`` is words per
    minute; ``pitch`` is 0-100 (espeak's scale, 50 is the voice's own; drivers that
    cannot set pitch ignore it); ``volume`` is 0.0-1.0.
    """

    name: str
    voice: str
    rate: int = 175
    pitch: int = 50
    volume: float = 1.0
    gender: Gender = Gender.UNKNOWN
    age: str = "adult"
    description: str = ""
    role: str = "character"
    """"narrator", "character" (a voice of its own for a main character) or
    "minor" (shared by minor and unnamed speakers)."""
    language: str = "en"
    """A BCP 47 language tag (``en-GB``): the language and accent to choose a voice by."""
    voices: tuple[tuple[str, str], ...] = ()
    """(pyttsx3 driver or ``piper``, engine voice id) pairs the profile file names."""
    source: Path | None = field(default=None, compare=False)
    engine: str = ""
    """The engine this profile speaks with: the one its file names, else (once
    resolved) the run's; empty in a profile file that names none."""
    variation: float = 0.5
    """0.0-1.0: how much Piper varies the voice (its noise settings); 0.5 is the
    model's own. espeak-ng has no such setting."""

    def named_voice(self, driver: str) -> str | None:
        """The engine voice the profile file names for ``driver``, if any."""
        return dict(self.voices).get(driver)

    def settings(self) -> dict[str, object]:
        """What reaches the engine: the part of the profile that changes the audio.

        Piper cannot set pitch, so a Piper profile's pitch is not part of it; the
        model file's hash is in the engine's identity (``voice_identity``)."""
        if self.engine == PIPER:
            return {"voice": self.voice, "rate": self.rate, "variation": self.variation,
                    "volume": self.volume}  # fmt: skip
        return {"voice": self.voice, "rate": self.rate, "pitch": self.pitch, "volume": self.volume}


@dataclass(frozen=True)
class Cast:
    """Who reads what: the narrator's profile and one profile per speaker name."""

    narrator: VoiceProfile
    speakers: tuple[tuple[str, VoiceProfile], ...] = ()
    unknown: VoiceProfile | None = None
    shared: tuple[tuple[str, VoiceProfile], ...] = ()
    """The shared voice for each gender ("male", "female", "unknown"): what a doubtful
    quote is read in instead of its best guess's own voice."""

    def profile_for(self, speaker: str | None) -> VoiceProfile:
        if speaker is not None:
            for name, profile in self.speakers:
                if name == speaker:
                    return profile
        return self.unknown or self.narrator

    def shared_for(self, gender: str) -> VoiceProfile:
        """The shared voice of a gender, else the unknown speaker's."""
        for name, profile in self.shared:
            if name == gender:
                return profile
        return self.unknown or self.narrator


#: Drivers whose voices are espeak-ng's and whose ids name a voice and variant.
ESPEAK = "espeak"
#: The Piper engine; also its key in a profile's [voice] table.
PIPER = "piper"
#: A Piper voice id: a model's file name without ``.onnx``, and for a model with
#: several speakers ``:N``, the speaker's id (``en_US-libritts_r-medium:12``).
PIPER_VOICE_ID = re.compile(
    r"(?P<model>[A-Za-z0-9][A-Za-z0-9_.+-]{0,150})(?::(?P<speaker>\d{1,6}))?"
)
#: The speech engines ``--engine`` and a profile's ``engine`` may name.
ENGINE_NAMES = ("pyttsx3", PIPER, "fake")


DRIVER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
"""What a pyttsx3 driver module may be called (``--driver``, a profile's [voice] keys)."""


@dataclass(frozen=True)
class EngineSpec:
    """Which engine speaks: its name and, for pyttsx3, the driver module to use."""

    name: str = "pyttsx3"
    driver: str | None = None
    """A module under ``pyttsx3.drivers`` (``espeak``, ``sapi5``, ``nsss``, …);
    None is pyttsx3's own choice for this platform."""
    piper_voices: tuple[Path, ...] = ()
    """The folders searched for Piper voice models, first ones first."""

    def __str__(self) -> str:
        if self.driver and self.name == "pyttsx3":
            return f"{self.name} ({self.driver})"
        return self.name

    def using(self, name: str) -> EngineSpec:
        """The same settings for the engine ``name`` (a profile's own engine)."""
        return self if not name or name == self.name else replace(self, name=name)


@dataclass(frozen=True)
class EngineVoice:
    id: str
    name: str
    languages: tuple[str, ...] = ()
    gender: str | None = None
    age: str | None = None
    """As the driver says it: "Adult", "Senior", or an age in years."""


@dataclass(frozen=True)
class Catalog:
    """An engine's installed voices, what its driver can do, and espeak's voice
    variants (``voices/!v``)."""

    voices: tuple[EngineVoice, ...]
    variants: frozenset[str]
    driver: str = ESPEAK
    """The pyttsx3 driver (the fake engine stands in for espeak)."""
    pitch: bool = True
    """Whether the driver can set a voice's pitch."""
    engine: str = "pyttsx3"
    """The engine whose voices these are."""

    def has(self, voice_id: str) -> bool:
        """Whether ``voice_id`` names an installed voice (on espeak, voice and variant)."""
        if self.driver == ESPEAK:
            return voice_exists(voice_id, self.voices, self.variants)
        return any(voice.id == voice_id for voice in self.voices)


def voice_exists(voice_id: str, voices: Sequence[EngineVoice], variants: Collection[str]) -> bool:
    """Whether espeak-style ``voice[+variant]`` names an installed voice and variant.

    The voice part matches, ignoring case, a voice's id, the id's last part
    (``en-us`` for ``gmw/en-us``), its name or one of its languages, as espeak-ng's
    SetVoiceByName does; the variant must be a file in ``voices/!v`` (case counts).
    espeak itself accepts unknown names silently, falling back to English, so this
    check is the only place a typo is caught.
    """
    base, plus, variant = voice_id.partition("+")
    if plus and variant not in variants:
        return False
    wanted = base.strip().lower()
    if not wanted:
        return False
    for voice in voices:
        names = {voice.id.lower(), voice.id.rsplit("/", 1)[-1].lower(), voice.name.lower()}
        names.update(language.lower() for language in voice.languages)
        if wanted in names:
            return True
    return False
