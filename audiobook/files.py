"""File permissions for what we write through temporary files.

``tempfile.mkstemp`` and ``mkdtemp`` make private files (0600) and folders (0700);
an audiobook, playlist or cast file renamed from one should instead get the
permissions any new file of the user's gets, so that a media server or another
account can read it as usual.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def umask() -> int:
    """The process's umask (reading it means setting it, so it is set back at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def as_new_file(path: Path | str, *, folder: bool = False) -> None:
    """Give ``path`` the mode a new file (or folder) of the user's would have."""
    with contextlib.suppress(OSError):
        os.chmod(path, (0o777 if folder else 0o666) & ~umask())
