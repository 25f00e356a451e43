"""The temporary folders of imports: a lock while one runs, and removal of those a killed import left."""

from __future__ import annotations

import os
import shutil
import stat
import time
from pathlib import Path

from fercourse.data.importer.limits import human
from fercourse.data.loaders import LOADERS

__all__: list[str] = []

# ------------------------------------------------------ staging folders

LOCK = ".lock"
_FRESH_SECONDS = 60.0  # a staging folder younger than this may not have its lock file yet


def import_lock(handle) -> bool:
    """Lock an open file for this process without waiting; False if another process holds it."""
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _staging_prefixes() -> tuple[str, ...]:
    return tuple(f".{key}-import-" for key in LOADERS)


def remove_stale_staging(parent: Path) -> list[str]:
    """Remove the temporary folders of imports that were killed before they could clean up.

    Each import holds a lock on ``<staging>/.lock`` while it runs (the system releases
    it when the process dies, however it dies), so a folder whose lock is free is
    stale; one without a lock file is stale once older than a minute.
    """
    removed = []
    if not parent.is_dir():
        return removed
    for folder in sorted(parent.iterdir()):
        if not folder.name.startswith(_staging_prefixes()):
            continue
        try:
            info = os.lstat(folder)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode):
            continue
        lock = folder / LOCK
        if os.path.lexists(lock):
            if not stat.S_ISREG(os.lstat(lock).st_mode):
                continue
            with open(lock, "a") as handle:
                if not import_lock(handle):
                    continue  # an import still running
        elif time.time() - info.st_mtime < _FRESH_SECONDS:
            continue
        size = sum(os.lstat(Path(p) / f).st_size for p, _, names in os.walk(folder) for f in names)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(f"removed {folder.name} ({human(size)}), left by an import that was stopped before it "
                       "could clean up")
    return removed
