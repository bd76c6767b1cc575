"""audiobook: turn stories into multi-voice audiobooks, offline."""

from audiobook.errors import AudiobookError

__all__ = ["AudiobookError"]
__version__ = "0.1.0"
