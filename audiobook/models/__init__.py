"""Frozen dataclasses passed between the pipeline stages.

Document -> Book -> Script (segments + characters) -> Cast -> utterances -> clips ->
Timeline. ``text`` holds the text side's values, ``voices`` the profiles, the cast
and the engines as both sides see them, ``audio`` the utterances, clips and Timeline.
"""

from audiobook.models.audio import (
    BookTags,
    ChapterMark,
    Clip,
    Cue,
    Timeline,
    Utterance,
)
from audiobook.models.text import (
    QUOTE_KINDS,
    SPOKEN_KINDS,
    Book,
    Chapter,
    ChapterHint,
    Character,
    Document,
    Gender,
    Hints,
    Kind,
    Matter,
    Paragraph,
    Scene,
    Script,
    Segment,
    Span,
    WorkInfo,
)
from audiobook.models.voices import (
    DRIVER_NAME,
    ENGINE_NAMES,
    ESPEAK,
    PIPER,
    PIPER_VOICE_ID,
    Cast,
    Catalog,
    EngineSpec,
    EngineVoice,
    VoiceProfile,
    voice_exists,
)

__all__ = [
    "DRIVER_NAME",
    "ENGINE_NAMES",
    "ESPEAK",
    "PIPER",
    "PIPER_VOICE_ID",
    "QUOTE_KINDS",
    "SPOKEN_KINDS",
    "Book",
    "BookTags",
    "Cast",
    "Catalog",
    "Chapter",
    "ChapterHint",
    "ChapterMark",
    "Character",
    "Clip",
    "Cue",
    "Document",
    "EngineSpec",
    "EngineVoice",
    "Gender",
    "Hints",
    "Kind",
    "Matter",
    "Paragraph",
    "Scene",
    "Script",
    "Segment",
    "Span",
    "Timeline",
    "Utterance",
    "VoiceProfile",
    "WorkInfo",
    "voice_exists",
]
