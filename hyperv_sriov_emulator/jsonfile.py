"""Writing a JSON file atomically: the one writer for the saved state and the ready file.

Kept free of the model so that the wire layer can use it without importing the engine."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import typing as t
from pathlib import Path


def write_json_atomic(path: str | Path, value: t.Any, mode: int = 0o600) -> None:
    """Write ``value`` to ``path`` with permissions ``mode``: a temp file in the same directory,
    fsync, rename. A crash leaves either the old file or the new one, never half of one; the
    temp file is removed if anything fails. The default mode is owner-only, as both files the
    emulator writes hold secrets or state nobody else should change."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % target.name, suffix=".tmp", dir=str(target.parent))
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value, handle, ensure_ascii=False, indent=1)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(str(target.parent), os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
