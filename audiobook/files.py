"""Files we write: names valid everywhere, temporary files beside their place, and
their permissions.

``tempfile.mkstemp`` and ``mkdtemp`` make private files (0600) and folders (0700);
an audiobook, playlist or cast file renamed from one should instead get the
permissions any new file of the user's gets, so that a media server or another
account can read it as usual.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from audiobook.errors import ExportError, os_reason

MAX_FILENAME_CHARS = 120


def umask() -> int:
    """The process's umask (reading it means setting it, so it is set back at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def as_new_file(path: Path | str, *, folder: bool = False) -> None:
    """Give ``path`` the mode a new file (or folder) of the user's would have."""
    with contextlib.suppress(OSError):
        os.chmod(path, (0o777 if folder else 0o666) & ~umask())


def safe_filename(title: str) -> str:
    """A file name stem from ``title``: no path separators, ``..``, control characters
    or characters that other systems or ffmpeg treat specially; never empty."""
    text = unicodedata.normalize("NFC", title)
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    # ':' makes ffmpeg read "a:b.mp3" as a protocol; the rest are reserved on Windows.
    text = re.sub(r'[/\\:*?"<>|]', "_", text)
    text = re.sub(r"\.{2,}", "…", text)
    text = " ".join(text.split())
    # A leading '-' reads as an option, a leading '.' hides the file.
    text = text.strip(" .-_")[:MAX_FILENAME_CHARS].rstrip(" .")
    # Windows reserves device names before any extension ("nul.mp3", "AUX .x"):
    # "nul_.mp3" is a file.
    text = WINDOWS_RESERVED.sub(r"\1_", text, count=1)
    return text or "audiobook"


WINDOWS_RESERVED = re.compile(
    r"(?i)^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|(?:COM|LPT)[0-9¹²³])(?= *(?:\.|$))"
)


def temp_beside(target: Path) -> Path:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise ExportError(unwritable(target, exc)) from exc
    os.close(fd)
    as_new_file(name)
    return Path(name)


def unwritable(target: Path, exc: OSError) -> str:
    return f"Cannot write {target} ({os_reason(exc)}); choose another output folder with -o."


def write_beside(writers: Sequence[tuple[Path, Callable[[Path], None]]]) -> None:
    """Write several files so that each appears whole or not at all: for each
    ``(target, write)``, ``write`` fills a temporary file beside ``target``; once all
    are written and on disk, each is renamed onto its target, in order. An OSError
    becomes an ExportError naming the target concerned; whatever fails, no temporary
    file is left behind and earlier files stay as they were until replaced."""
    made: list[Path] = []
    try:
        for target, _ in writers:
            made.append(temp_beside(target))
        for (target, write), part in zip(writers, made, strict=True):
            try:
                write(part)
                with part.open("rb+") as file:
                    os.fsync(file.fileno())
            except OSError as exc:
                raise ExportError(unwritable(target, exc)) from exc
        for (target, _), part in zip(writers, made, strict=True):
            try:
                os.replace(part, target)
            except OSError as exc:
                raise ExportError(unwritable(target, exc)) from exc
    finally:
        for part in made:
            with contextlib.suppress(OSError):
                part.unlink()


def write_wav(path: Path, pcm: bytes) -> None:
    """``pcm`` (16-bit samples) as a mono WAV file at the clips' rate."""
    import wave

    from audiobook.config import SAMPLE_RATE

    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(pcm)


def write_text_atomic(path: Path, text: str, error: type[Exception] = ExportError) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it into place; an
    OSError becomes ``error`` naming the file."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise error(f"{path}: cannot write here ({os_reason(exc)})") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        as_new_file(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise error(f"{path}: cannot write here ({os_reason(exc)})") from exc
