"""Saving and loading the state of every host (JSON, written atomically)."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

from .jsonfile import write_json_atomic
from .model import HostState
from .model.host import STATE_FORMAT

# One number for the file and for each host in it: both layouts change together.
FORMAT = STATE_FORMAT


def save_state(path: str | Path, hosts: t.Sequence[HostState]) -> None:
    """Write every host's state to ``path``: a temp file in the same directory, fsync, rename.
    A crash leaves either the old file or the new one, never half of one."""
    target = Path(path)
    snapshot = []
    for host in hosts:
        with host.lock:
            snapshot.append(host.to_dict())
    write_json_atomic(target, {"format": FORMAT, "hosts": snapshot})


def load_state(path: str | Path) -> list[HostState]:
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError("%s: not an emulator state file (format %r)" % (path, FORMAT))
    return [HostState.from_dict(raw) for raw in document["hosts"]]
