"""The data directory and its files, readable by the account that runs the server only.

They hold answers, notes, password hashes and the key that signs every token.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600

log = logging.getLogger(__name__)


def private_dir(path: Path) -> None:
    """Create `path` 0700 if missing; warn when an existing one is open to others."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=DIR_MODE)
        os.chmod(path, DIR_MODE)  # mkdir's mode is narrowed by the umask, never widened
        return
    # Left as it is: the operator chose this directory, and it may be shared on purpose.
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        log.warning("the data directory %s is open to other users; chmod 700 it", path)


def private_file(path: Path) -> None:
    """Create `path` empty and 0600 if missing, or take away others' access to it."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, FILE_MODE)
        return
    os.close(descriptor)
