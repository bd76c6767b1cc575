"""Defaults that shape the audiobook: pauses, audio format, loudness.

Each field carries its unit in its name; ``Config`` gathers what one run needs.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from audiobook.errors import ConfigError

SAMPLE_RATE = 22050
"""Samples per second of every clip (espeak-ng's native rate) and of a compact book."""


@dataclass(frozen=True)
class Pauses:
    """Silence inserted between pieces of speech, in milliseconds.

    The largest boundary crossed decides, never a sum: a scene break that is also
    a paragraph break gets ``scene_ms``; a paragraph whose voice differs from the
    last one heard gets ``turn_ms`` instead of ``paragraph_ms``, so listeners hear
    the hand-over.
    """

    sentence_ms: int = 250
    """Between two sentences of the same segment."""
    segment_ms: int = 120
    """Between narration and a quote in the same paragraph, same voice or not."""
    turn_ms: int = 750
    """Before a paragraph whose first voice differs from the last one heard."""
    paragraph_ms: int = 600
    """Between paragraphs."""
    scene_ms: int = 1500
    """At a scene break."""
    chapter_ms: int = 2500
    """Between chapters (after the previous chapter's last word)."""
    heading_ms: int = 900
    """After a chapter's spoken title."""
    lead_in_ms: int = 300
    """At the very start of the book."""
    tail_ms: int = 1000
    """At the very end of the book."""


@dataclass(frozen=True)
class AudioSettings:
    """Encoding of the finished book (mono, constant bitrate) and its loudness."""

    bitrate_kbps: int = 64
    sample_rate: int = SAMPLE_RATE
    """The book's rate: the clips' rate or a whole multiple of it."""
    loudness_lufs: float = -19.0
    """Integrated loudness (ITU-R BS.1770) every clip is brought to, so that all voices
    sound equally loud and the book measures this."""
    true_peak_dbtp: float = -1.5
    """No true (4x oversampled) peak of the finished book goes above this."""
    silence_threshold_dbfs: float = -50.0
    """Clip edges quieter than this are trimmed (espeak pads about 300 ms)."""
    keep_edge_ms: int = 15
    """Silence kept at each trimmed edge so that consonants are not clipped."""


QUALITIES = {
    "compact": AudioSettings(),
    "high": AudioSettings(bitrate_kbps=192, sample_rate=2 * SAMPLE_RATE),
}
"""``--quality`` presets: compact (22,050 Hz, 64 kbps) is ample for synthetic speech
at about 29 MB an hour; high (44,100 Hz, 192 kbps) is for archiving, at 86 MB an hour."""


LOUDNESS_RANGE_LUFS = (-40.0, -10.0)
TRUE_PEAK_RANGE_DBTP = (-20.0, 0.0)


def audio_settings(
    quality: str = "compact", loudness_lufs: float | None = None,
    true_peak_dbtp: float | None = None,
) -> AudioSettings:  # fmt: skip
    """The ``quality`` preset with the loudness and true-peak ceiling asked for."""
    if quality not in QUALITIES:
        raise ConfigError(f"--quality '{quality}': choose {' or '.join(QUALITIES)}")
    settings = QUALITIES[quality]
    for value, (low, high), option, unit in (
        (loudness_lufs, LOUDNESS_RANGE_LUFS, "--loudness", "LUFS"),
        (true_peak_dbtp, TRUE_PEAK_RANGE_DBTP, "--true-peak", "dBTP"),
    ):
        if value is not None and not (math.isfinite(value) and low <= value <= high):
            raise ConfigError(f"{option} {value:g}: choose from {low:g} to {high:g} {unit}")
    if loudness_lufs is not None:
        settings = replace(settings, loudness_lufs=loudness_lufs)
    if true_peak_dbtp is not None:
        settings = replace(settings, true_peak_dbtp=true_peak_dbtp)
    return settings


MAX_CLIP_CHARS = 1000
"""Text longer than this is split at punctuation or spaces before synthesis."""

CLIP_TIMEOUT_S = 60.0
"""Longest one clip may take in the engine before it is retried."""

DEFAULT_DOUBT: float = 0.70
"""A quote whose attribution confidence (``Segment.confidence``) is below this is in
doubt. Chosen from ``benchmarks/fit_confidence.py`` on the 21 PDNC novels end to end,
each novel scored by a model fitted on the others: at 0.70, 68.7% of all quotes are
voiced as a named character and 89.4% of those are right, which keeps both targets
(at least 65% voiced, at least 88% right) with room to spare; 0.65 voices 73.9% but
only 87.9% right, 0.75 is 91.0% right but voices only 63.1%."""


def default_cache_dir() -> Path:
    """Where the platform keeps caches: ``~/.cache/audiobook/clips`` (or under
    ``$XDG_CACHE_HOME``) on Linux, ``~/Library/Caches/audiobook/clips`` on macOS,
    ``%LOCALAPPDATA%\\audiobook\\Cache\\clips`` on Windows."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("audiobook", appauthor=False)) / "clips"


@dataclass(frozen=True)
class Config:
    """Everything one ``generate`` run needs besides the story files."""

    out_dir: Path = Path("out")
    cache_dir: Path = field(default_factory=default_cache_dir)
    voices_dir: Path | None = None
    cast_file: Path | None = None
    engine: str = "pyttsx3"
    driver: str | None = None
    """The pyttsx3 driver (``espeak``, ``sapi5``, ``nsss``, …); None: pyttsx3's choice."""
    piper_voices: tuple[Path, ...] = ()
    """Folders of Piper voices (``--piper-voices``), searched before
    ``AUDIOBOOK_PIPER_VOICES`` and the platform's data folder."""
    jobs: int = 0
    """Synthesis worker processes; 0 means the CPU count."""
    title: str | None = None
    author: str | None = None
    cover: Path | None = None
    encoding: str | None = None
    read_notes: bool = False
    narrator: str | None = None
    """Profile name for the narrator (a cast file's narrator wins)."""
    chapters: frozenset[int] | None = None
    """Chapter numbers (from 1) to render; None renders the whole story."""
    lexicons: tuple[Path, ...] = ()
    """The user's pronunciation lexicons, applied after the project's own."""
    format: str = "mp3"
    """The book's file: "mp3" (ID3 chapters) or "m4b" (AAC in MP4, for audiobook players)."""
    split: str = "none"
    """"chapters" writes a folder with one MP3 per chapter and a playlist instead."""
    doubt: float | None = None
    """Quotes less sure than this are read in a shared voice of their best guess's
    gender, not the character's own; 0 reads every quote in its best guess's voice;
    None is the default the attribution benchmark chose (``DEFAULT_DOUBT``)."""
    cluster: str | None = None
    """A Dask scheduler's address, or "local[:N]": synthesis and encoding go to its
    workers (``audiobook.cluster``); None makes everything here."""
    cluster_cache: Path | None = None
    """The cache folder on each cluster worker; None is the worker's own platform cache."""
    fixes: tuple[Path, ...] = ()
    """Fixes files (``audiobook review``, edited), applied in order; later fixes win."""
    pauses: Pauses = field(default_factory=Pauses)
    audio: AudioSettings = field(default_factory=AudioSettings)

    def worker_count(self) -> int:
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)
