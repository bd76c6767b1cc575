"""The one exception root of the library and a subclass per stage.

Every message is a sentence a user can act on, naming the file, chapter or line
concerned. Errors from pyttsx3, ffmpeg, TOML parsing and the OS are translated into
these at the module that calls them; nothing else should leave the library.
"""

from __future__ import annotations


class AudiobookError(Exception):
    """Root of every error the library raises on purpose."""


class ConfigError(AudiobookError):
    """An option or setting is out of range or malformed."""


class InputError(AudiobookError):
    """The story file cannot be read or decoded."""


class StructureError(AudiobookError):
    """The story's structure cannot be worked out."""


class VoiceError(AudiobookError):
    """A voice profile is malformed or names a voice the engine lacks."""


class CastError(AudiobookError):
    """A cast file is malformed."""


class FixesError(AudiobookError):
    """A fixes file cannot be read at all (not TOML, not a table of quotes)."""


class LexiconError(AudiobookError):
    """A pronunciation lexicon is malformed."""


class EngineError(AudiobookError):
    """The speech engine failed, hung or is missing."""


class SynthesisError(AudiobookError):
    """A clip could not be synthesised."""


class AssemblyError(AudiobookError):
    """The clips could not be assembled or encoded."""


class ExportError(AudiobookError):
    """The audiobook could not be written where the user asked."""


def os_reason(exc: OSError) -> str:
    """Why an OS call failed, in words a user acts on ("the disk is full")."""
    import errno

    return {
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only",
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EFBIG: "a file size limit was reached",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
    }.get(exc.errno or 0, exc.strerror or str(exc))
