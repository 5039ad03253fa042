"""Run statements (pipelines of cmdlets) against one host, as a PowerShell runspace would.

``invoke`` never raises for PowerShell-level failures: they come back as error records. A
terminating error (parameter binding, an unknown command, a cmdlet's own terminating error, or
``-ErrorAction Stop`` on a non-terminating one) ends the invocation: the statements after it do
not run, and the objects written before it are kept.
"""

from __future__ import annotations

import dataclasses
import logging
import typing as t

from . import binding, wildcard
from .binding import PSErrorException
from .cmdlets import REGISTRY, lookup
from .cmdlets.base import CmdletDef, Context
from .cmdlets.objects import reusing as reusing_objects  # noqa: F401  (the server's pipelines use it)
from .model import HostState, versions
from .psobj import PSError, PSInformational, PSObj, TypedList

log = logging.getLogger(__name__)


@dataclasses.dataclass
class CommandSpec:
    name: str
    parameters: list[tuple[str | None, t.Any]] = dataclasses.field(default_factory=list)


class _Stream(list):
    """A list that also notes each item it receives in a journal shared with its sibling, so the
    output objects and error records of an invocation keep the order they were written in.
    ``kind`` None: each item names its own stream (informational records)."""

    def __init__(self, kind: str | None, journal: list[tuple[str, t.Any]], items: t.Iterable[t.Any] = ()) -> None:
        super().__init__()
        self.kind = kind
        self.journal = journal
        self.extend(items)

    def append(self, item: t.Any) -> None:
        super().append(item)
        self.journal.append((self.kind or item.kind, item))

    def extend(self, items: t.Iterable[t.Any]) -> None:
        for item in items:
            self.append(item)


@dataclasses.dataclass
class InvocationResult:
    output: list[PSObj]
    errors: list[PSError]
    terminating: PSError | None = None
    mutated: bool = False
    """Whether a command that changes the host (``CmdletDef.writes``) started running, so a
    caller knows when the state needs saving without guessing from command names."""
    stream: list[tuple[str, t.Any]] = dataclasses.field(default_factory=list)
    """``("output", object)``, ``("error", record)`` and ``("verbose", record)`` ... in the order
    they were written, as a host's pipeline streams them (a real host interleaves them)."""
    informational: list[PSInformational] = dataclasses.field(default_factory=list)
    """Verbose, warning, debug and information records (``PSInformational``)."""

    def __post_init__(self) -> None:
        self.output = _Stream("output", self.stream, self.output)
        self.errors = _Stream("error", self.stream, self.errors)
        self.informational = _Stream(None, self.stream, self.informational)


def command_not_found(name: str) -> PSError:
    return PSError(
        message=(
            "The term '%s' is not recognized as the name of a cmdlet, function, script file, or "
            "operable program. Check the spelling of the name, or if a path was included, verify "
            "that the path is correct and try again." % name
        ),
        category="ObjectNotFound",
        fqid="CommandNotFoundException",
        target=name,
        exception_type="System.Management.Automation.CommandNotFoundException",
        command=name,
    )


SCRIPTS_NOT_ALLOWED = (
    "The syntax is not supported by this runspace. This can occur if the runspace is in no-language mode."
)


def script_refused(text: str) -> PSError:
    """What a JEA endpoint (NoLanguage mode) answers to script text: a ParseException before
    anything runs. The wording and FQID are Windows PowerShell's (ParserStrings.ScriptsNotAllowed,
    thrown by Command.CreateCommandProcessor; PowerShell/PowerShell
    ``src/System.Management.Automation/engine/Command.cs``; the record as a host prints it is in
    MicrosoftDocs/PowerShell-Docs ``about_Language_Modes``: ``ParserError: (...:String) [],
    ParseException``, ``FullyQualifiedErrorId : ScriptsNotAllowed``)."""
    return PSError(
        message=SCRIPTS_NOT_ALLOWED,
        category="ParserError",
        fqid="ScriptsNotAllowed",
        target=text,
        exception_type="System.Management.Automation.ParseException",
    )


def describe(host: HostState, spec: CommandSpec) -> tuple[str | None, str]:
    """The canonical name of the cmdlet ``spec`` calls on this host (None when there is none)
    and its effective -ErrorAction, resolved and bound exactly as ``invoke`` would, so that a
    caller acting before the engine (an injected fault) treats the command the same way."""
    definition = lookup(spec.name, host.os_version)
    if definition is None:
        return None, "Continue"
    try:
        pre = binding.prebind(definition.signature, host.os_version, list(spec.parameters))
    except PSErrorException:
        return definition.name, "Continue"
    return definition.name, str(pre.values.get("ErrorAction", "Continue"))


def bound_parameters(host: HostState, spec: CommandSpec) -> list[tuple[str, t.Any]] | None:
    """The parameters ``spec`` binds before pipeline input, by their canonical names, as
    InvocationInfo.BoundParameters lists them (a switch as the text of its SwitchParameter);
    None when the command is unknown or does not bind."""
    definition = lookup(spec.name, host.os_version)
    if definition is None:
        return None
    try:
        pre = binding.prebind(definition.signature, host.os_version, list(spec.parameters))
    except PSErrorException:
        return None
    params = {p.name: p for p in definition.signature.available(host.os_version)}

    def typed(name: str, value: t.Any) -> t.Any:
        param = params.get(name)
        if param is not None and param.type == "switch":
            return "True" if value else "False"
        if param is not None and isinstance(value, list) and param.dotnet_type.endswith("[]"):
            return TypedList(param.dotnet_type, tuple(value))  # a String[] stays a String[]
        return value

    return [(name, typed(name, value)) for name, value in pre.values.items()]


def command_type(host: HostState, name: str) -> str:
    """``Cmdlet`` or ``Function``: what the command called ``name`` is on this host (error records
    name it in CommandInfo_CommandType)."""
    definition = lookup(name, host.os_version)
    return definition.command_type if definition is not None else "Cmdlet"


HYPERV_COMMANDS = "Microsoft.HyperV.PowerShell.Commands."


def _as_2012r2_words_it(record: PSError) -> PSError:
    """Windows Server 2012 R2's Hyper-V module names the command class in full in its
    FullyQualifiedErrorIds (``...Commands.SetVMSwitchCommand``); later ones drop ``Command``
    (reference §6, windowsserverdocs issue 3457)."""
    head, _, suffix = record.fqid.partition(",")
    if suffix.startswith(HYPERV_COMMANDS) and not suffix.endswith("Command"):
        return dataclasses.replace(record, fqid="%s,%sCommand" % (head, suffix))
    return record


def invoke(host: HostState, statements: t.Sequence[t.Sequence[CommandSpec]]) -> InvocationResult:
    result = _invoke(host, statements)
    if host.os_version == "2012r2":
        # The wire sends ``stream``; rewriting only ``errors`` would leave the old wording there.
        # Slice assignment keeps both lists the journalled ones and journals nothing twice.
        result.stream[:] = [(kind, _as_2012r2_words_it(item) if kind == "error" else item)
                            for kind, item in result.stream]
        result.errors[:] = [item for kind, item in result.stream if kind == "error"]
        if result.terminating is not None:
            result.terminating = _as_2012r2_words_it(result.terminating)
    return result


def _invoke(host: HostState, statements: t.Sequence[t.Sequence[CommandSpec]]) -> InvocationResult:
    result = InvocationResult([], [])
    with host.lock:
        for statement in statements:
            try:
                _run_pipeline(host, statement, result)
            except PSErrorException as exc:
                result.terminating = exc.record
                return result
            except Exception as exc:  # a defect in the emulator, never a PowerShell error
                log.exception("emulator defect while running %r", statement)
                record = PSError(
                    message="The emulator failed: %s: %s" % (type(exc).__name__, exc),
                    category="NotSpecified",
                    fqid="EmulatorDefect",
                    exception_type="System.Management.Automation.RuntimeException",
                )
                result.terminating = record
                return result
    return result


def _run_pipeline(host: HostState, statement: t.Sequence[CommandSpec], result: InvocationResult) -> None:
    """Run one statement; the last command writes straight into ``output``, so what it wrote
    before a terminating error is kept, as a streaming pipeline would have delivered it."""
    # Resolve and bind every command first, as PowerShell does before the pipeline starts.
    prepared: list[tuple[CmdletDef, binding.Prebound]] = []
    for spec in statement:
        definition = lookup(spec.name, host.os_version)
        if definition is None:
            raise PSErrorException(command_not_found(spec.name))
        prepared.append((definition, binding.prebind(definition.signature, host.os_version, list(spec.parameters))))
    if any(definition.writes for definition, _ in prepared):
        result.mutated = True
    errors, output, informational = result.errors, result.output, result.informational
    flowing: list[PSObj] | None = None
    for position, (definition, pre) in enumerate(prepared):
        produced: list[t.Any] = output if position == len(prepared) - 1 else []
        state: dict[str, t.Any] = {}
        # While a command changes the host, no adapter object is taken from those built before
        # (`Get-VMNetworkAdapter | Set-VMNetworkAdapter -Passthru` writes the changed adapters).
        host.writing = definition.writes
        try:
            sinks = (errors, produced, informational)
            if flowing is None:
                _process(host, definition, pre, None, False, sinks, state)
            elif flowing or not binding.takes_pipeline_input(definition.signature):
                if not flowing:
                    _process(host, definition, pre, None, False, sinks, state)
                for item in flowing:
                    _process(host, definition, pre, item, True, sinks, state)
            if definition.end is not None:
                _end(host, definition, pre, sinks, state)
        finally:
            # Once per command, not per pipeline item: `Get-VM | Start-VM` over a thousand VMs
            # stays linear. Cmdlets that emit objects after a change reallocate before building them.
            if definition.writes:
                host.reallocate()
                host.writes += 1
                host.writing = False
        flowing = produced


def _process(host: HostState, definition: CmdletDef, pre: binding.Prebound, item: t.Any, has_item: bool,
             sinks: tuple[list[PSError], list[t.Any], list[PSInformational]], state: dict[str, t.Any]) -> None:
    errors, produced, informational = sinks
    error_action = pre.values.get("ErrorAction", "Continue")
    try:
        bound = binding.finish(definition.signature, host.os_version, pre, item, has_item)
    except PSErrorException as exc:
        if exc.terminating:
            raise
        _non_terminating(exc.record, error_action, errors)
        return
    state["bound"] = bound
    definition.func(Context(host, definition, bound, error_action, errors, produced, state, informational), bound)


def _end(host: HostState, definition: CmdletDef, pre: binding.Prebound,
         sinks: tuple[list[PSError], list[t.Any], list[PSInformational]], state: dict[str, t.Any]) -> None:
    """EndProcessing: runs once after the last input, also when none came (then only the
    parameters bound before the pipeline started are known)."""
    bound = state.get("bound") or binding.Bound(dict(pre.values), pre.candidates[0])
    error_action = pre.values.get("ErrorAction", "Continue")
    assert definition.end is not None
    errors, produced, informational = sinks
    definition.end(Context(host, definition, bound, error_action, errors, produced, state, informational))


def _non_terminating(record: PSError, error_action: str, errors: list[PSError]) -> None:
    if error_action == "Stop":
        raise PSErrorException(record)
    if error_action not in ("SilentlyContinue", "Ignore"):
        errors.append(record)


# Common parameters in the order a host lists them in command metadata (pypsrp's recorded
# test_psrp_get_command_metadata.yml), then the ShouldProcess pair.
_COMMON_ORDER = ("Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ErrorVariable",
                 "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable")


def command_metadata(host: HostState, names: t.Sequence[str], command_type: int,
                     namespaces: t.Sequence[str] | None) -> list[tuple[str, str, str, list[tuple[str, str, tuple[str, ...], bool]]]]:
    """The commands a GET_COMMAND_METADATA request selects on this host: name patterns
    (wildcards, any case), a CommandTypes mask (Function 2, Cmdlet 8) and module patterns.
    Each as (name, module, "Cmdlet" | "Function", [(parameter, .NET type, aliases, is a switch)]).
    Hyper-V's and the core cmdlets are compiled cmdlets; the NetAdapter module's are CDXML functions."""
    def hit(patterns: t.Sequence[str], value: str) -> bool:
        # PowerShell's WildcardPattern (backtick escapes, no ``[!...]`` negation), not fnmatch's;
        # a pattern it cannot parse selects nothing rather than failing the whole request.
        try:
            return any(wildcard.is_match(str(p), value) for p in patterns)
        except wildcard.InvalidPattern:
            return False

    found = []
    for definition in sorted(REGISTRY.values(), key=lambda d: d.name.lower()):
        if not versions.at_least(host.os_version, definition.since):
            continue
        kind = definition.command_type
        if not command_type & (8 if kind == "Cmdlet" else 2):
            continue
        if not hit(names or ["*"], definition.name) or (namespaces and not hit(namespaces, definition.module)):
            continue
        sig = definition.signature
        own = [p for p in sig.params if versions.at_least(host.os_version, p.since)]
        common = sorted(binding.COMMON_PARAMETERS, key=lambda p: _COMMON_ORDER.index(p.name)
                        if p.name in _COMMON_ORDER else len(_COMMON_ORDER))
        every = own + common + (list(binding.SHOULD_PROCESS_PARAMETERS) if sig.should_process else [])
        found.append((definition.name, definition.module, kind,
                      [(p.name, p.dotnet_type, tuple(p.aliases), p.type == "switch") for p in every]))
    return found
