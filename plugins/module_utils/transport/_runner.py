# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one interface between the host layer and whatever carries cmdlets to a host.

Private to the collection. Two implementations exist: the pypsrp runner (real and emulated hosts
over WinRM/PSRP, ``_psrp_runner``) and the emulator's in-process runner (unit tests). Both return
the same plain data, so nothing above this layer can tell which one it talks to.

Plain-data rules (both runners follow them; a test compares them on the same host):
- property names exactly as the host sends them (adapted and note properties merged);
- String -> str, Boolean -> bool, every integer type -> int, Guid -> lower-case str,
  enum -> its name (str), array -> list, null -> None, DateTime -> ISO-8601 str;
- a nested complex object (past serialization depth 1) -> its ToString() text;
- ``type_names`` without the ``Deserialized.`` prefix, most derived first.
"""

from __future__ import annotations

import dataclasses
import typing as t

# A parameter whose value is SWITCH is a switch parameter that is present (``-Force``). pypsrp
# sends a parameter without a value as <Nil/>, which PowerShell binds as a present switch.
SWITCH = None


@dataclasses.dataclass(frozen=True)
class Command:
    """One cmdlet with structurally bound parameters (never script text)."""

    name: str
    parameters: dict[str, t.Any] = dataclasses.field(default_factory=dict)


Statement = t.Sequence[Command]
"""A pipeline: the output of each command flows into the next."""

Step = t.Union[Command, t.Tuple[Command, ...]]
"""One step of a write: a command, or a pipeline (a tuple of commands) run as one statement."""


def statement_of(step: Step) -> tuple[Command, ...]:
    """The commands of a step, as the statement that runs it."""
    return step if isinstance(step, tuple) else (step,)


# The characters PowerShell's WildcardPattern gives a meaning, and its escape character.
_WILDCARD_SPECIAL = "*?[]`"


def wildcard_literal(name: str) -> str:
    """``name`` as a wildcard pattern that matches only itself (``[WildcardPattern]::Escape``).

    For the parameters a host's cmdlets read as wildcard patterns (the names a cmdlet looks up,
    never a name it creates): ``web[1]`` sent as is selects ``web1``, and ``*`` every VM.
    PowerShell/PowerShell ``src/System.Management.Automation/engine/regex.cs`` defines the rule:
    a backtick before ``*``, ``?``, ``[``, ``]`` and the backtick itself."""
    return "".join("`" + char if char in _WILDCARD_SPECIAL else char for char in name)


@dataclasses.dataclass
class PSObjectData:
    type_names: list[str]
    properties: dict[str, t.Any]
    to_string: str | None = None

    def is_a(self, type_name: str) -> bool:
        """True when ``type_name`` is one of the object's type names (case-insensitive)."""
        wanted = type_name.lower()
        return any(name.lower() == wanted for name in self.type_names)


@dataclasses.dataclass
class ErrorRecordData:
    message: str
    category: str
    """ErrorCategory name, e.g. ``ObjectNotFound`` or ``InvalidArgument``."""
    fqid: str
    """FullyQualifiedErrorId, e.g. ``InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMSwitch``."""
    target: t.Any = None
    command: str | None = None
    """The cmdlet that wrote the record (InvocationInfo.MyCommand), when known."""
    exception_type: str | None = None


@dataclasses.dataclass
class RunResult:
    output: list[PSObjectData]
    errors: list[ErrorRecordData]
    """Non-terminating error records, in the order they were written."""
    terminating_error: ErrorRecordData | None = None
    """Set when the pipeline failed; the statements after the failing one did not run."""

    @property
    def failed(self) -> bool:
        return self.terminating_error is not None

    def all_errors(self) -> list[ErrorRecordData]:
        return self.errors + ([self.terminating_error] if self.terminating_error else [])

    def of_type(self, type_name: str) -> list[PSObjectData]:
        return [obj for obj in self.output if obj.is_a(type_name)]


class Runner(t.Protocol):
    """Runs statements on one host. Implementations raise ``_errors`` exceptions for transport
    failures (unreachable, authentication, TLS, timeout); error records come back as data."""

    def run(self, statements: t.Sequence[Statement]) -> RunResult:
        ...

    def close(self) -> None:
        ...


def _ps_literal(value: t.Any) -> str:
    if value is True:
        return "$true"
    if value is False:
        return "$false"
    if value is None:
        return "$null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return ",".join(_ps_literal(item) for item in value) if value else "@()"
    # Single-quoted strings are verbatim in PowerShell; the only escape is a doubled quote.
    # The typographic single quotes are quote characters to PowerShell as well.
    text = str(value)
    for quote in ("'", "\u2018", "\u2019", "\u201a", "\u201b"):
        text = text.replace(quote, quote + quote)
    return "'" + text + "'"


def render_command(command: Command) -> str:
    """The command as a PowerShell line a user could paste into a session on the host."""
    parts = [command.name]
    for name, value in command.parameters.items():
        parts.append("-" + name if value is SWITCH else "-%s %s" % (name, _ps_literal(value)))
    return " ".join(parts)


def render_statement(statement: Statement) -> str:
    return " | ".join(render_command(command) for command in statement)


def render_step(step: Step) -> str:
    """A step as the line a user could paste: a pipeline joined by ``|``."""
    return render_statement(statement_of(step))
