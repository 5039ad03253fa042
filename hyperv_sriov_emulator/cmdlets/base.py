"""The cmdlet registry and what a cmdlet sees while it runs."""

from __future__ import annotations

import dataclasses
import typing as t

from ..binding import Bound, Param, PSErrorException, Signature
from .. import wildcard
from ..model import HostState, versions
from ..psobj import PSError, PSInformational, PSObj
from . import hyperv_tables

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

    @property
    def command_type(self) -> str:
        """``Function`` for the NetAdapter module's commands (CDXML generates functions), else
        ``Cmdlet`` (the Hyper-V module and the core cmdlets are compiled)."""
        return "Function" if self.module == "NetAdapter" else "Cmdlet"


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
        own, default = tuple(params), default_set
        if module == "Hyper-V" and name in hyperv_tables.TABLES:
            own, default = _as_the_module_binds(name, own)
        sig = Signature(name, own, suffix, default, should_process)
        REGISTRY[name.lower()] = CmdletDef(name, module, sig, func, writes, since, end)
        return func

    return decorate


def _as_the_module_binds(name: str, params: tuple[Param, ...]) -> tuple[tuple[Param, ...], str | None]:
    """The cmdlet's parameters with the real module's sets, positions, Mandatory flags, aliases and
    pipeline input (``hyperv_tables``); a parameter newer than those tables keeps its own."""
    default, table = hyperv_tables.TABLES[name]
    own = {param.name for param in params}
    # A set that only a parameter the emulator lacks can complete (Connect-VMNetworkAdapter's
    # *_UseAutomaticConnection) cannot be chosen here; keeping it would let a call that misses a
    # mandatory parameter bind to it.
    unreachable = {s for pname, (_, named) in table.items() if pname not in own
                   for s, (mandatory, _, _) in named.items() if mandatory}
    all_sets = {s for _, (_, named) in table.items() for s in named} - {"__AllParameterSets"} - unreachable
    by_name = hyperv_tables.BY_PROPERTY_NAME.get(name, frozenset())
    bound: list[Param] = []
    for param in params:
        real = table.get(param.name)
        if real is None:
            bound.append(param)
            continue
        param = dataclasses.replace(param, pipeline_by_name=param.name in by_name)
        aliases, sets = real
        every = sets.get("__AllParameterSets")
        if every is not None and len(sets) == 1:
            bound.append(dataclasses.replace(param, aliases=aliases, sets=None, mandatory=every[0],
                                             position=every[1], pipeline=every[2]))
            continue
        per_set = {s: (v[0], v[1]) for s, v in sets.items() if s != "__AllParameterSets" and s not in unreachable}
        if every is not None:
            per_set.update({s: (every[0], every[1]) for s in all_sets if s not in per_set})
        pipeline = any(v[2] for v in sets.values())
        bound.append(dataclasses.replace(param, aliases=aliases, sets=per_set, pipeline=pipeline))
    return tuple(bound), default


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
                 state: dict[str, t.Any] | None = None, informational: list[PSInformational] | None = None) -> None:
        self.host = host
        self.state: dict[str, t.Any] = {} if state is None else state
        """What one command keeps from one input object to the next (and for ``end``)."""
        self.definition = definition
        self.bound = bound
        self.error_action = error_action
        self._errors = errors
        self.output = output
        self.whatif = bool(bound.get("WhatIf"))
        self.verbose = bool(bound.get("Verbose"))
        self._informational = [] if informational is None else informational

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def fqid_command(self) -> str:
        return self.definition.signature.fqid_command

    def write(self, obj: t.Any) -> None:
        self.output.append(obj)

    def should_process(self, target: str, description: str | None = None) -> bool:
        """ShouldProcess without an interactive host: False under -WhatIf; otherwise True, and with
        -Verbose the verbose record PowerShell writes (MshCommandRuntime.ShouldProcess and
        DoShouldProcess in PowerShell/PowerShell): ``description`` itself when the cmdlet passes
        one (the Hyper-V module's operation watcher calls ShouldProcess(description, warning,
        caption) with its own sentence), else ``Performing the operation "<command>" on target
        "<target>".`` (CommandBaseStrings.resx ShouldProcessMessage, the one-argument form)."""
        if self.whatif:
            return False
        if self.verbose:
            text = description if description is not None else (
                'Performing the operation "%s" on target "%s".' % (self.name, target))
            self._informational.append(PSInformational("verbose", text, self.name))
        return True

    def warn(self, message: str) -> None:
        """WriteWarning, subject to -WarningAction (MshCommandRuntime.WriteWarning): dropped under
        SilentlyContinue and Ignore; under Stop written, then the command stops with
        ActionPreferenceStopException (CommandBaseStrings.resx ErrorPreferenceStop wording)."""
        action = str(self.bound.get("WarningAction") or "Continue")
        if action in ("SilentlyContinue", "Ignore"):
            return
        self._informational.append(PSInformational("warning", message, self.name))
        if action == "Stop":
            raise PSErrorException(PSError(
                message='The running command stopped because the preference variable "WarningPreference" or '
                        "common parameter is set to Stop: %s" % message,
                category="OperationStopped", fqid="ActionPreferenceStop", target=None,
                exception_type="System.Management.Automation.ActionPreferenceStopException", command=self.name))

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

    def confirm(self, query: str) -> None:
        """ShouldContinue, as a cmdlet asks before something it cannot undo, unless -Force.

        The emulator's endpoint has no interactive host (a PSRP client such as pypsrp gives none),
        so the question fails as Windows PowerShell's InternalHostUserInterface fails it: a
        terminating HostException, HostFunctionNotImplemented, NotImplemented
        (PowerShell/PowerShell src/System.Management.Automation/engine/hostifaces/
        InternalHostUserInterface.cs ThrowPromptNotInteractive; resources/
        HostInterfaceExceptionsStrings.resx HostFunctionPromptNotImplemented)."""
        if self.bound.get("Force"):
            return
        self.throw("A command that prompts the user failed because the host program or the command type does "
                   "not support user interaction. The host was attempting to request confirmation with the "
                   "following message: %s" % query, "NotImplemented", "HostFunctionNotImplemented",
                   exception_type="System.Management.Automation.Host.HostException")

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
