"""Frozen dataclasses passed between the pipeline stages.

Document -> Book -> Script (segments + characters) -> Cast -> clips -> Timeline.
Every text piece keeps ``start``/``end`` character offsets into ``Document.text``
(the decoded text with line ends normalised); ``Document.source_offset`` maps them
back to offsets into the decoded source as the user's file has it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class Gender(str, Enum):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


class Kind(str, Enum):
    """What a segment of text is, and so whether and in which voice it is read."""

    NARRATION = "narration"
    DIALOGUE = "dialogue"
    THOUGHT = "thought"
    HEADING = "heading"
    FRONT_MATTER = "front_matter"
    BACK_MATTER = "back_matter"


SPOKEN_KINDS = frozenset({Kind.NARRATION, Kind.DIALOGUE, Kind.THOUGHT, Kind.HEADING})
QUOTE_KINDS = frozenset({Kind.DIALOGUE, Kind.THOUGHT})


@dataclass(frozen=True)
class Document:
    """A decoded story file.

    ``text`` has every CRLF and lone CR turned into LF. ``removed_cr`` lists, in
    ascending order, the offsets in ``text`` of each LF that replaced a CRLF pair,
    so that offsets can be mapped back to the decoded source.

    For EPUB, HTML and Markdown, ``text`` is the text extracted from the markup
    (paragraphs separated by blank lines, italics marked ``*like this*``) and
    ``hints`` carries the structure the markup shows.
    """

    text: str
    path: Path | None = None
    encoding: str = "utf-8"
    removed_cr: tuple[int, ...] = ()
    hints: Hints | None = None
    """Structure read from markup (EPUB, HTML, Markdown); None for plain text."""

    @property
    def source_text(self) -> str:
        """The text that ``source_offset`` offsets index: ``text`` with its CRLFs restored.

        For EPUB, HTML and Markdown this is ``text`` itself, the text extracted from
        the markup.
        """
        if not self.removed_cr:
            return self.text
        pieces: list[str] = []
        cursor = 0
        for lf in self.removed_cr:
            pieces.append(self.text[cursor:lf])
            pieces.append("\r")
            cursor = lf
        pieces.append(self.text[cursor:])
        return "".join(pieces)

    def source_offset(self, offset: int) -> int:
        """Offset into the decoded source for an offset into ``text``."""
        return offset + bisect.bisect_right(self.removed_cr, offset - 1)

    @property
    def name(self) -> str:
        return self.path.stem if self.path else "story"


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Matter:
    """Text that is not story: an author's note, disclaimer, warnings, summary...

    ``label`` says what it is in words a user reads in ``audiobook script``
    ("author's note", "disclaimer", "warnings", "summary", "review request",
    "end mark", "title line", "author line", "chapter list").
    """

    start: int
    end: int
    label: str
    front: bool = True


@dataclass(frozen=True)
class ChapterHint:
    """A chapter as the markup marks it: a navigation entry or a heading.

    ``start`` is where the chapter begins in ``Document.text``; ``heading`` spans
    the heading text, when the chapter shows one.
    """

    title: str
    start: int
    heading: Span | None = None


@dataclass(frozen=True)
class Hints:
    """What a structured file says about itself, for ``structure`` to prefer.

    ``chapters`` are in text order; ``matter`` spans text that is not story
    (title page, copyright, table of contents, footnotes, summary, notes...).
    Empty ``chapters`` leaves finding chapters to the plain-text rules.
    """

    format: str
    """"epub", "html" or "markdown"."""
    title: str | None = None
    author: str | None = None
    summary: str | None = None
    chapters: tuple[ChapterHint, ...] = ()
    matter: tuple[Matter, ...] = ()


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int


@dataclass(frozen=True)
class Scene:
    start: int
    end: int
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Chapter:
    """A chapter: its heading span (if the text has one) and its scenes.

    ``title`` is what is announced and shown in players. ``start``/``end`` cover
    the heading and all scenes; chapters are contiguous and ordered.
    """

    title: str
    start: int
    end: int
    heading: Span | None
    scenes: tuple[Scene, ...]
    announce: bool = False
    """The title comes from the file's table of contents while the text shows no
    heading, so the narrator reads the title where the chapter begins."""


@dataclass(frozen=True)
class Book:
    document: Document
    title: str
    author: str | None
    summary: str | None
    chapters: tuple[Chapter, ...]
    matter: tuple[Matter, ...] = ()


@dataclass(frozen=True)
class Segment:
    """A run of text read in one voice (or skipped, for front and back matter).

    For dialogue and thought, ``start``/``end`` span the words inside the quote
    marks, not the marks. ``chapter`` indexes ``Book.chapters`` (front matter
    counts as chapter 0, back matter as the last chapter); ``paragraph`` is a
    running paragraph number through the book, used for pauses and turn-taking.
    ``reason`` says why a segment is not read (for front and back matter).
    """

    kind: Kind
    start: int
    end: int
    chapter: int = 0
    scene: int = 0
    paragraph: int = 0
    speaker: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Character:
    name: str
    aliases: tuple[str, ...] = ()
    gender: Gender = Gender.UNKNOWN


@dataclass(frozen=True)
class Script:
    """The segmented, attributed text of a book: what will be spoken, by whom."""

    book: Book
    segments: tuple[Segment, ...]
    characters: tuple[Character, ...] = ()

    def text(self, segment: Segment) -> str:
        return self.book.document.text[segment.start : segment.end]


@dataclass(frozen=True)
class VoiceProfile:
    """A voice: who it sounds like, the engine voice it speaks with, and its settings.

    A profile file describes the voice (gender, age, language, rate, pitch, volume)
    and may name an engine voice per pyttsx3 driver (``voices``). ``voice`` is the
    engine voice id this profile speaks with on the engine in use: the one named for
    its driver, or one chosen from the installed voices by ``voices.resolve``
    (on espeak-ng a voice and variant such as ``en-us+m3``). ``rate`` is words per
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
    """(pyttsx3 driver, engine voice id) pairs the profile file names, by driver."""
    source: Path | None = field(default=None, compare=False)

    def named_voice(self, driver: str) -> str | None:
        """The engine voice the profile file names for ``driver``, if any."""
        return dict(self.voices).get(driver)

    def settings(self) -> dict[str, object]:
        """What reaches the engine: the part of the profile that changes the audio."""
        return {"voice": self.voice, "rate": self.rate, "pitch": self.pitch, "volume": self.volume}


@dataclass(frozen=True)
class Cast:
    """Who reads what: the narrator's profile and one profile per speaker name."""

    narrator: VoiceProfile
    speakers: tuple[tuple[str, VoiceProfile], ...] = ()
    unknown: VoiceProfile | None = None

    def profile_for(self, speaker: str | None) -> VoiceProfile:
        if speaker is not None:
            for name, profile in self.speakers:
                if name == speaker:
                    return profile
        return self.unknown or self.narrator


@dataclass(frozen=True)
class Utterance:
    """One clip to synthesise, and where it sits in the book.

    ``text`` is what the engine says; ``start``/``end`` are the offsets of the
    source text it came from (both 0 for words the tool adds, such as the title
    announcement). ``speaker`` is the character's name, None for the narrator.
    ``pause_before_ms`` is the silence that precedes the clip.
    """

    text: str
    profile: VoiceProfile
    speaker: str | None
    chapter: int
    pause_before_ms: int
    start: int = 0
    end: int = 0
    caption: str = ""
    """The words as written, for the transcript, when ``text`` was respelled."""


@dataclass(frozen=True)
class Clip:
    """A synthesised utterance: a mono 16-bit WAV file in the clip cache."""

    utterance: Utterance
    path: Path


@dataclass(frozen=True)
class Cue:
    """A transcript cue, in samples from the start of the audio."""

    start: int
    end: int
    speaker: str | None
    text: str


@dataclass(frozen=True)
class ChapterMark:
    """A chapter in the finished audio, in samples; marks are contiguous."""

    title: str
    start: int
    end: int


@dataclass(frozen=True)
class Timeline:
    sample_rate: int
    total: int
    chapters: tuple[ChapterMark, ...]
    cues: tuple[Cue, ...]

    def ms(self, samples: int) -> int:
        """Milliseconds for a sample position, rounded once, at the end."""
        return (samples * 1000 + self.sample_rate // 2) // self.sample_rate


# --- speech engines, as the casting and audio sides both see them ---------------

#: Drivers whose voices are espeak-ng's and whose ids name a voice and variant.
ESPEAK = "espeak"


DRIVER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
"""What a pyttsx3 driver module may be called (``--driver``, a profile's [voice] keys)."""


@dataclass(frozen=True)
class EngineSpec:
    """Which engine speaks: its name and, for pyttsx3, the driver module to use."""

    name: str = "pyttsx3"
    driver: str | None = None
    """A module under ``pyttsx3.drivers`` (``espeak``, ``sapi5``, ``nsss``, …);
    None is pyttsx3's own choice for this platform."""

    def __str__(self) -> str:
        return f"{self.name} ({self.driver})" if self.driver else self.name


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
