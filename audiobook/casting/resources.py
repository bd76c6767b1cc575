"""Where the shipped voice profiles and lexicon are: inside the installed package, or
the checkout's top-level ``voices/`` folder they are built from.

A wheel carries ``voices/`` as ``audiobook/_data/voices`` (see pyproject.toml), found
with importlib.resources; a source checkout or an editable install has no such
folder and reads ``voices/`` beside the package.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from audiobook.errors import VoiceError


def shipped_voices_dir() -> Path:
    """The folder of the voice profiles the project ships."""
    packaged = resources.files("audiobook") / "_data" / "voices"
    if packaged.is_dir():
        if not isinstance(packaged, Path):  # a zipped install: no files to open by path
            raise VoiceError(
                f"the shipped voice profiles are inside {packaged} and cannot be read; "
                "install audiobook unzipped, or pass --voices DIR"
            )
        return packaged
    return Path(__file__).resolve().parents[2] / "voices"


def shipped_lexicon_path() -> Path:
    """The project's own pronunciation lexicon."""
    return shipped_voices_dir() / "lexicon" / "default.toml"
