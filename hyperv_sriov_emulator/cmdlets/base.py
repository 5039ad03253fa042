"""The cmdlet registry and what a cmdlet sees while it runs."""

from __future__ import annotations

import dataclasses
import typing as t

from ..binding import Bound, Param, PSErrorException, Signature
from .. import wildcard
from ..model import HostState, versions
from ..psobj import PSError, PSObj

HYPERV_EXCEPTION = "Microsoft.HyperV.PowerShell.VirtualizationException"
CIM_EXCEPTION = "Microsoft.Management.Infrastructure.CimException"
CIM_JOB_EXCEPTION = "Microsoft.PowerShell.Cmdletization.Cim.CimJobException"


@dataclasses.dataclass
class CmdletDef:
    name: str
    module: str
    signature: Signature
    func: t.Callable[["Context", Bound], None]
    writes: bool
    since: str | None = None
    """The first Windows Server version that has the cmdlet."""
    end: t.Callable[["Context"], None] | None = None
    """What the cmdlet does after its last input (EndProcessing): Measure-Object and
    ConvertTo-Json write their one answer here, even when no input came."""


REGISTRY: dict[str, CmdletDef] = {}


def _hyperv_fqid_command(name: str) -> str:
    return "Microsoft.HyperV.PowerShell.Commands." + name.replace("-", "")


def cmdlet(
    name: str,
    params: t.Sequence[Param] = (),
    *,
    module: str = "Hyper-V",
    default_set: str | None = None,
    should_process: bool = False,
    writes: bool = False,
    since: str | None = None,
    fqid_command: str | None = None,
    end: t.Callable[["Context"], None] | None = None,
) -> t.Callable[[t.Callable[["Context", Bound], None]], t.Callable[["Context", Bound], None]]:
    """Register a cmdlet. Hyper-V cmdlets are compiled classes (FQIDs name the class); the
    NetAdapter ones are CDXML functions (FQIDs name the command); ``fqid_command`` names another
    compiled class (the core cmdlets' ``Microsoft.PowerShell.Commands.SelectObjectCommand``)."""

    def decorate(func: t.Callable[["Context", Bound], None]) -> t.Callable[["Context", Bound], None]:
        suffix = fqid_command or (_hyperv_fqid_command(name) if module == "Hyper-V" else name)
        sig = Signature(name, tuple(params), suffix, default_set, should_process)
        REGISTRY[name.lower()] = CmdletDef(name, module, sig, func, writes, since, end)
        return func

    return decorate


def lookup(name: str, host_version: str | None = None) -> CmdletDef | None:
    """The cmdlet called ``name`` (optionally module-qualified) on a host of that version."""
    key = name.strip().lower()
    module = None
    if "\\" in key:
        module, _, key = key.rpartition("\\")
    found = REGISTRY.get(key)
    if found is None or (module is not None and found.module.lower() != module):
        return None
    if host_version is not None and not versions.at_least(host_version, found.since):
        return None
    return found


class Context:
    """One command's view of the invocation: the host, its output and its error stream."""

    def __init__(self, host: HostState, definition: CmdletDef, bound: Bound,
                 error_action: str, errors: list[PSError], output: list[t.Any],
                 state: dict[str, t.Any] | None = None) -> None:
        self.host = host
        self.state: dict[str, t.Any] = {} if state is None else state
        """What one command keeps from one input object to the next (and for ``end``)."""
        self.definition = definition
        self.bound = bound
        self.error_action = error_action
        self._errors = errors
        self.output = output
        self.whatif = bool(bound.get("WhatIf"))

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def fqid_command(self) -> str:
        return self.definition.signature.fqid_command

    def write(self, obj: t.Any) -> None:
        self.output.append(obj)

    def record(self, message: str, category: str, fqid: str, target: t.Any = None,
               exception_type: str | None = None) -> PSError:
        if exception_type is None:
            exception_type = HYPERV_EXCEPTION if self.definition.module == "Hyper-V" else CIM_EXCEPTION
        return PSError(
            message=message,
            category=category,
            fqid="%s,%s" % (fqid, self.fqid_command),
            target=target,
            exception_type=exception_type,
            command=self.name,
        )

    def write_error(self, record: PSError) -> None:
        """A non-terminating error, subject to -ErrorAction."""
        if self.error_action == "Stop":
            raise PSErrorException(record)
        if self.error_action in ("SilentlyContinue", "Ignore"):
            return
        self._errors.append(record)

    def error(self, message: str, category: str, fqid: str, target: t.Any = None,
              exception_type: str | None = None) -> None:
        self.write_error(self.record(message, category, fqid, target, exception_type))

    def throw(self, message: str, category: str, fqid: str, target: t.Any = None,
              exception_type: str | None = None) -> t.NoReturn:
        raise PSErrorException(self.record(message, category, fqid, target, exception_type))


# -- name matching ------------------------------------------------------------------------------
def has_wildcard(pattern: str) -> bool:
    """Whether a name filter is a pattern rather than a literal name (unescaped ``*?[]``)."""
    return wildcard.contains_wildcard(pattern)


def matches(pattern: str, name: str) -> bool:
    """PowerShell's WildcardPattern rules, ignoring case (``*``, ``?``, ``[a-z]``, backtick escapes).

    An unparsable pattern (an unclosed ``[``) is a terminating error, as on a real host."""
    try:
        return wildcard.is_match(pattern, name)
    except wildcard.InvalidPattern as exc:
        raise PSErrorException(PSError(
            message=str(exc), category="InvalidArgument", fqid="WildcardPattern_Invalid",
            target=pattern, exception_type="System.Management.Automation.WildcardPatternException",
        )) from None


def select_by_name(
    ctx: Context,
    items: t.Sequence[t.Any],
    patterns: t.Sequence[str] | None,
    key: t.Callable[[t.Any], str],
    not_found: t.Callable[[str], None],
) -> list[t.Any]:
    """Items matching any pattern, each once, in item order; ``not_found(pattern)`` for every
    literal name that matched nothing (wildcards that match nothing are silent, as in PowerShell)."""
    if not patterns:
        return list(items)
    chosen: list[t.Any] = []
    seen: set[int] = set()
    for pattern in patterns:
        hit = False
        for item in items:
            if matches(pattern, key(item)):
                hit = True
                if id(item) not in seen:
                    seen.add(id(item))
                    chosen.append(item)
        if not hit and not has_wildcard(pattern):
            not_found(pattern)
    order = {id(item): i for i, item in enumerate(items)}
    chosen.sort(key=lambda item: order[id(item)])
    return chosen
