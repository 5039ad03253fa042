"""Saving and loading the state of every host (JSON, written atomically)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import typing as t
from pathlib import Path

from .model import HostState

FORMAT = 1


def save_state(path: str | Path, hosts: t.Sequence[HostState]) -> None:
    """Write every host's state to ``path``: a temp file in the same directory, fsync, rename.
    A crash leaves either the old file or the new one, never half of one."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    snapshot = []
    for host in hosts:
        with host.lock:
            snapshot.append(host.to_dict())
    document = {"format": FORMAT, "hosts": snapshot}
    fd, tmp = tempfile.mkstemp(prefix=".%s." % target.name, suffix=".tmp", dir=str(target.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False, indent=1, sort_keys=False)
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


def load_state(path: str | Path) -> list[HostState]:
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError("%s: not an emulator state file (format %r)" % (path, FORMAT))
    return [HostState.from_dict(raw) for raw in document["hosts"]]
