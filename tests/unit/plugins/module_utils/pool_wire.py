# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PSRP messages as a host sends them in a Receive ([MS-PSRP] 2.2.1 messages in 2.2.4 fragments),
and what the runner's pool and pypsrp's own make of them.
"""
from __future__ import annotations

import typing as t
import uuid

from pypsrp import messages, powershell, serializer

from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _psrp_runner

PIPELINE_OUTPUT = messages.MessageType.PIPELINE_OUTPUT
PIPELINE_STATE = messages.MessageType.PIPELINE_STATE
ERROR_RECORD = messages.MessageType.ERROR_RECORD
_POOL, _PIPELINE = uuid.UUID(int=1), uuid.UUID(int=2)
_MAX = 32768


def message(text: str | bytes, message_type: int = PIPELINE_OUTPUT, bom: bool = True) -> bytes:
    """One message from the host to the client: header, then its CLIXML as UTF-8 (with a BOM, as
    Windows writes it)."""
    body = text.encode("utf-8") if isinstance(text, str) else text
    return (
        (1).to_bytes(4, "little") + message_type.to_bytes(4, "little") + _POOL.bytes_le + _PIPELINE.bytes_le
        + (b"\xef\xbb\xbf" if bom else b"") + body
    )


def fragment_list(*whole: bytes, size: int = _MAX) -> list[bytes]:
    """The messages cut into fragments of at most ``size`` bytes, one object id each, in order."""
    cut = []
    for object_id, data_of in enumerate(whole, 1):
        parts = [data_of[at:at + size] for at in range(0, len(data_of), size)] or [b""]
        for number, part in enumerate(parts):
            cut.append(powershell.Fragment(object_id, number, part, number == 0, number == len(parts) - 1).pack())
    return cut


def fragments(*whole: bytes, size: int = _MAX) -> bytes:
    """The messages as one Receive's data."""
    return b"".join(fragment_list(*whole, size=size))


def fast_pool() -> t.Any:
    """The fragmenter a fast-decoding pool reads Receives with."""
    return _psrp_runner._OutputFragmenter(_MAX, serializer.Serializer())


def pypsrp_pool() -> t.Any:
    """pypsrp's own fragmenter and serializer."""
    return powershell.Fragmenter(_MAX, serializer.Serializer())


def outputs(pool: t.Any, *receives: bytes) -> list[t.Any]:
    """The plain output objects the pool makes of the Receives' messages, in order."""
    read = []
    for data in receives:
        read += [_psrp_runner.to_object(item.data.data) for item in pool.defragment(data)
                 if item.message_type == PIPELINE_OUTPUT]
    return read


def read_output(text: str) -> t.Any:
    """One PIPELINE_OUTPUT message as a fast-decoding pool reads it (the pypsrp object when the
    message is left to pypsrp)."""
    (item,) = fast_pool().defragment(fragments(message(text)))
    return item.data.data
