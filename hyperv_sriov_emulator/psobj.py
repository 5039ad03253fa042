"""Typed PowerShell values as the emulator's cmdlets produce them.

The cmdlet layer returns ``PSObj`` instances whose property values carry their .NET type. Two
consumers turn them into something else, and both must agree:
- the WSMan/PSRP server serializes them to CLIXML (``<U32>``, enums as ``<Obj>`` with ``<ToString>``
  and ``<I32>``, arrays as ``<LST>``, nested complex objects as their ToString text, since remoting
  serializes at depth 1);
- ``to_plain`` turns them into the plain data the collection's runners return (see the
  collection's ``plugins/module_utils/_runner.py`` for the rules).
"""

from __future__ import annotations

import dataclasses
import typing as t


class _TypedInt(int):
    clr_type: t.ClassVar[str] = "System.Int32"

    def __repr__(self) -> str:
        return "%s(%d)" % (type(self).__name__, int(self))


class Byte(_TypedInt):
    clr_type = "System.Byte"


class UInt16(_TypedInt):
    clr_type = "System.UInt16"


class Int32(_TypedInt):
    clr_type = "System.Int32"


class UInt32(_TypedInt):
    clr_type = "System.UInt32"


class Int64(_TypedInt):
    clr_type = "System.Int64"


class UInt64(_TypedInt):
    clr_type = "System.UInt64"


class Guid(str):
    """A System.Guid, kept in its canonical lower-case text form."""

    def __new__(cls, value: str) -> "Guid":
        import uuid

        return super().__new__(cls, str(uuid.UUID(str(value))))


@dataclasses.dataclass(frozen=True)
class Enum:
    type_name: str
    name: str
    value: int


@dataclasses.dataclass(frozen=True)
class TypedList:
    """An array with its .NET type, e.g. ``System.String[]``; a bare Python list is ``System.Object[]``."""

    type_name: str
    items: tuple


@dataclasses.dataclass
class PSObj:
    type_names: tuple[str, ...]
    properties: list[tuple[str, t.Any]]
    to_string: str

    def get(self, name: str, default: t.Any = None) -> t.Any:
        lowered = name.lower()
        for key, value in self.properties:
            if key.lower() == lowered:
                return value
        return default


@dataclasses.dataclass
class PSError:
    """An error record as a cmdlet writes it."""

    message: str
    category: str
    fqid: str
    target: t.Any = None
    exception_type: str = "Microsoft.HyperV.PowerShell.VirtualizationException"
    command: str | None = None


def to_plain(value: t.Any) -> t.Any:
    """A typed value as plain data (the collection's runner contract)."""
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, TypedList):
        return [to_plain(item) for item in value.items]
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    if isinstance(value, PSObj):
        return value.to_string
    return str(value)
