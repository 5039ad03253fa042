"""Typed PowerShell values as the emulator's cmdlets produce them.

The cmdlet layer returns ``PSObj`` instances whose property values carry their .NET type. Two
consumers turn them into something else, and both must agree:
- the WSMan/PSRP server serializes them to CLIXML (``<U32>``, enums as ``<Obj>`` with ``<ToString>``
  and ``<I32>``, arrays as ``<LST>``, nested complex objects as their ToString text, since remoting
  serializes at depth 1, except CIM instances, which PowerShell always serializes as objects);
- ``to_plain`` turns them into the plain data the collection's runners return (see the
  collection's ``plugins/module_utils/transport/_runner.py`` for the rules).
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
    """An object as PowerShell writes it: ``properties`` are the adapted (.NET or CIM) properties,
    ``members`` the extended ones (note, alias and script properties: everything of a
    PSCustomObject, a CIM module's display members)."""

    type_names: tuple[str, ...]
    properties: list[tuple[str, t.Any]]
    to_string: str
    members: list[tuple[str, t.Any]] = dataclasses.field(default_factory=list)

    def all_properties(self) -> list[tuple[str, t.Any]]:
        """Every property, as PowerShell lists them (extended first, then adapted ones whose name
        no extended member takes)."""
        if not self.members:
            return list(self.properties)
        taken = {name.lower() for name, _ in self.members}
        return list(self.members) + [(n, v) for n, v in self.properties if n.lower() not in taken]

    def find(self, name: str) -> tuple[bool, t.Any]:
        """(found, value) of a property by name, case-insensitive, extended members first."""
        lowered = name.lower()
        for key, value in self.members:
            if key.lower() == lowered:
                return True, value
        for key, value in self.properties:
            if key.lower() == lowered:
                return True, value
        return False, None

    def get(self, name: str, default: t.Any = None) -> t.Any:
        found, value = self.find(name)
        return value if found else default


@dataclasses.dataclass
class PSError:
    """An error record as a cmdlet writes it."""

    message: str
    category: str
    fqid: str
    target: t.Any = None
    exception_type: str = "Microsoft.HyperV.PowerShell.VirtualizationException"
    command: str | None = None


@dataclasses.dataclass
class PSInformational:
    """A record of one of the informational streams, as a cmdlet writes it (WriteVerbose ...)."""

    kind: str
    """``verbose``, ``warning``, ``debug`` or ``information``."""
    message: str
    command: str | None = None


def to_plain(value: t.Any) -> t.Any:
    """A typed value as plain data (the collection's runner contract)."""
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, (bool, float)) or value is None:
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
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    return str(value)
