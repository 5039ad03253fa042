# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host layer: read a whole host in one round trip, apply a plan, confirm with one read.

Private to the collection. Everything goes through a ``_runner.Runner``; parameters are bound
structurally, never as script text.
"""

from __future__ import annotations

import dataclasses
import time
import typing as t

from ansible_collections.sriov.hyperv.plugins.module_utils.transport._errors import (
    CommandNotFoundError,
    HostTimeoutError,
    HyperVError,
    NotFoundError,
    error_from_record,
)
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._host_parse import (
    ADAPTER_PROPERTIES,
    ADAPTER_READ_PROPERTIES,
    VM_READ_PROPERTIES,
    Observed,
    parse_observed,
)
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import (
    SWITCH,
    Command,
    ErrorRecordData,
    Runner,
    Statement,
    Step,
    render_step,
    statement_of,
    wildcard_literal,
)
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._identity import AdapterIdentity
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import name_key

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile import Operation, Plan

# VMs and their adapters are most of a host (a thousand of each on a big one, eighty-odd
# properties an adapter): they come through Select-Object -Property with just what the parser
# reads, so the host serializes and sends a fraction. JEA endpoints allow Select-Object too.
_SELECT = {
    "get-vm": list(VM_READ_PROPERTIES),
    "get-vmnetworkadapter": list(dict.fromkeys(ADAPTER_READ_PROPERTIES + tuple(ADAPTER_PROPERTIES.values()))),
}


def _projected(statements: list[list[Command]]) -> list[list[Command]]:
    """The statements with each VM and adapter read piped through Select-Object -Property."""
    projected = []
    for statement in statements:
        wanted = _SELECT.get(statement[-1].name.lower())
        projected.append(statement + [Command("Select-Object", {"Property": wanted})] if wanted else statement)
    return projected


# An adapter's minimum bandwidth is in its BandwidthSetting, a nested object that crosses the wire
# as its ToString text (remoting depth 1): read apart, each setting carrying its adapter's Id
# (Select-Object -ExpandProperty with -Property adds the named properties to each expanded object,
# Select-Object help; a null setting gives nothing). No property of the setting is named Id
# (VMNetworkAdapterBandwidthSetting: MinimumBandwidthAbsolute/Weight, MaximumBandwidth,
# ParentAdapter, IsTemplate and VirtualizationObject's members).
BANDWIDTH_SELECT = Command("Select-Object", {"Property": ["Id"], "ExpandProperty": "BandwidthSetting"})


def bandwidth_read(adapters: Command) -> list[Command]:
    """The bandwidth settings of the adapters ``adapters`` (a Get-VMNetworkAdapter) reads."""
    return [adapters, BANDWIDTH_SELECT]


# The physical adapters and teams, read whole by every read, targeted or not. Get-VMSwitchTeam
# comes last: Windows Server 2012 R2 has no such cmdlet, and a missing command ends the pipeline,
# so everything else must already have been read when it fails.
_PHYSICAL_STATEMENTS: list[list[Command]] = [
    [Command("Get-NetAdapter", {"Physical": SWITCH})],
    [Command("Get-NetAdapterSriov")],
    [Command("Get-NetAdapterAdvancedProperty", {"RegistryKeyword": ["*SRIOV", "*NumVFs"]})],
    [Command("Get-VMSwitchTeam")],
]
WHOLE_HOST_STATEMENTS: list[list[Command]] = [
    [Command("Get-VMHost")],
    [Command("Get-VM")],
    [Command("Get-VMSwitch")],
    [Command("Get-VMNetworkAdapter", {"All": SWITCH})],
    bandwidth_read(Command("Get-VMNetworkAdapter", {"All": SWITCH})),
    *_PHYSICAL_STATEMENTS,
]
"""Every object the collection reads, with all its properties (see READ_STATEMENTS)."""
READ_STATEMENTS: list[list[Command]] = _projected(WHOLE_HOST_STATEMENTS)
"""The whole-host read as sent: WHOLE_HOST_STATEMENTS with VMs and adapters projected."""

# Read commands whose "nothing found" records mean an empty answer, not a failed read.
_EMPTY_IS_FINE = ("get-netadaptersriov", "get-netadapteradvancedproperty", "get-netadapter", "get-vmswitchteam")
# In a targeted read, a named VM that does not exist is an empty answer too: the planner then
# reports it as it does after a whole-host read.
_NAMED_VM_READERS = ("get-vm", "get-vmnetworkadapter")


@dataclasses.dataclass(frozen=True)
class ReadScope:
    """The VMs whose adapters a targeted read asks for (all other host state is read as usual)."""

    vm_names: tuple[str, ...] = ()
    management_os: bool = False
    """Also read the management OS's (host) adapters."""


def targeted_scope(state: str, config: t.Mapping[str, t.Any]) -> "ReadScope | None":
    """The read a task needs: only the named VMs' adapters, or None for the whole host.

    Only ``merged`` and ``replaced`` of a config that names VM or host adapters and nothing else
    are targeted: they change nothing outside the named adapters. ``overridden`` and ``deleted``
    judge every item, and switch or physical adapter changes reach every adapter on them.
    """
    if state not in ("merged", "replaced"):
        return None
    if config.get("switches") or config.get("physical_adapters") or not config.get("vm_adapters"):
        return None
    names: dict[str, str] = {}
    management_os = False
    for item in config["vm_adapters"]:
        if item.get("vm_name"):
            names.setdefault(name_key(item["vm_name"]), item["vm_name"])
        elif item.get("management_os"):
            management_os = True
        else:
            return None  # the model reports the missing vm_name; read as before
    return ReadScope(vm_names=tuple(names.values()), management_os=management_os)


def read_statements(scope: "ReadScope | None" = None, project: bool = True) -> list[list[Command]]:
    """The statements of a whole-host read, or of one narrowed to ``scope``'s adapters; with
    ``project`` (always, but in tests) VMs and adapters come with only the properties parsed."""
    if scope is None:
        return READ_STATEMENTS if project else WHOLE_HOST_STATEMENTS
    names = [wildcard_literal(name) for name in scope.vm_names]
    statements: list[list[Command]] = [[Command("Get-VMHost")]]
    if names:
        statements.append([Command("Get-VM", {"Name": names})])
    statements.append([Command("Get-VMSwitch")])
    readers = ([Command("Get-VMNetworkAdapter", {"VMName": names})] if names else []) + (
        [Command("Get-VMNetworkAdapter", {"ManagementOS": SWITCH})] if scope.management_os else [])
    statements += [[reader] for reader in readers] + [bandwidth_read(reader) for reader in readers]
    statements += _PHYSICAL_STATEMENTS
    return _projected(statements) if project else statements


class ApplyError(HyperVError):
    """A write failed. The message names the failing operation, what was applied before it, and
    what was not; ``details`` carries the same as lists."""


def _is_empty_answer(record: ErrorRecordData) -> bool:
    command = (record.command or "").lower()
    fqid = (record.fqid or "").lower()
    from_reader = command in _EMPTY_IS_FINE or any(name.replace("-", "") in fqid for name in _EMPTY_IS_FINE)
    return from_reader and record.category == "ObjectNotFound"


def read_host(runner: Runner, scope: "ReadScope | None" = None, project: bool = True) -> Observed:
    """The whole host, or with ``scope`` only the named VMs' adapters, in exactly one ``runner.run``."""
    result = runner.run(read_statements(scope, project))
    terminating = result.terminating_error
    if terminating is not None:
        error = error_from_record(terminating)
        # Only the last statement may be missing (2012 R2 has no Get-VMSwitchTeam).
        about = "%s %s %s" % (terminating.fqid, terminating.target, terminating.command)
        if not (isinstance(error, CommandNotFoundError) and "vmswitchteam" in about.lower()):
            raise error
    for record in result.errors:
        if _is_empty_answer(record):
            continue
        error = error_from_record(record)
        if scope is not None and isinstance(error, NotFoundError) and (record.command or "").lower() in _NAMED_VM_READERS:
            continue
        raise error
    observed = parse_observed(result.output)
    if scope is not None and observed.parking:
        # An interrupted recreate is resumed with every adapter the parking switch holds: only a
        # whole-host read knows them all.
        return read_host(runner, None, project)
    return observed


def with_stop(command: Command) -> Command:
    """The command with -ErrorAction Stop: its first failure ends the pipeline."""
    return Command(command.name, {**command.parameters, "ErrorAction": "Stop"})


def run_writes(runner: Runner, steps: t.Sequence[Step]):
    """One PSRP pipeline with one statement per step (a step that is a pipeline stays one); the RunResult."""
    return runner.run([[with_stop(command) for command in statement_of(step)] for step in steps])


def _failed_index(steps: t.Sequence[Step], record: ErrorRecordData, cause_details: dict) -> int:
    """Which step of a pipeline failed, from the record's command name and target."""
    failed_command = (cause_details.get("command") or "").lower()
    text = "%s %s" % (record.target, record.message)
    candidates = [index for index, step in enumerate(steps)
                  if any(command.name.lower() == failed_command for command in statement_of(step))]
    for index in candidates:
        values = [str(value) for command in statement_of(steps[index])
                  for value in command.parameters.values() if isinstance(value, str)]
        if any(value and value in text for value in values):
            return index
    if candidates:
        return candidates[0]
    return len(steps) - 1


def _raise_apply_error(operations: list["Operation"], commands_of: list[int], commands: list[Step],
                       record: ErrorRecordData, applied: list[str]) -> t.NoReturn:
    cause = error_from_record(record)
    index = _failed_index(commands, record, cause.details)
    failed_op = operations[commands_of[index]]
    done = applied + [op.summary for position, op in enumerate(operations) if position < commands_of[index]]
    not_done = [op.summary for position, op in enumerate(operations) if position > commands_of[index]]
    message = "Failed to %s: %s Already applied: %s. Not applied: %s." % (
        failed_op.summary,
        cause.message,
        "; ".join(done) if done else "nothing",
        "; ".join(not_done) if not_done else "nothing else",
    )
    raise ApplyError(
        message,
        {
            "failed": failed_op.summary,
            "failed_command": render_step(commands[index]),
            "applied": done,
            "not_applied": not_done,
            "cause": cause.details,
        },
    )


def _run_batch(runner: Runner, batch: list["Operation"], applied: list[str]) -> None:
    commands: list[Step] = []
    commands_of: list[int] = []
    for position, operation in enumerate(batch):
        for command in operation.commands:
            commands.append(command)
            commands_of.append(position)
    if not commands:
        return
    result = run_writes(runner, commands)
    if result.terminating_error is not None:
        _raise_apply_error(batch, commands_of, commands, result.terminating_error, applied)
    applied.extend(operation.summary for operation in batch)


def apply_plan(runner: Runner, plan: "Plan", observed: Observed, scope: "ReadScope | None" = None) -> Observed:
    """Run ``plan`` in as few pipelines as its stages allow, then read the host once to confirm
    (as much of it as ``scope`` names).

    Consecutive ordinary operations share one pipeline (the stage order is the statement order);
    a switch recreate runs its own guarded sequence (``_recreate``). Raises ApplyError on a
    failed write, naming what was and was not applied.
    """
    from ansible_collections.sriov.hyperv.plugins.module_utils.host._recreate import run_recreate, run_resume

    applied: list[str] = []
    batch: list["Operation"] = []
    for operation in plan.operations:
        if operation.action in ("recreate", "resume"):
            _run_batch(runner, batch, applied)
            batch = []
            (run_recreate if operation.action == "recreate" else run_resume)(runner, operation, applied)
            applied.append(operation.summary)
        else:
            batch.append(operation)
    _run_batch(runner, batch, applied)
    after = read_host(runner, scope)
    if plan.wait_for_nics:
        after = _wait_for_nics(runner, after, plan.wait_for_nics, plan.restart_timeout)
    return after


def _family(operation: "Operation") -> tuple:
    # A recreate and the resume that finishes it act on the same switch.
    stage = "switches" if operation.stage == "recreate" else operation.stage
    return (stage, name_key(operation.target))


def _host_snapshot(observed: Observed) -> tuple:
    """What a run can change, for telling whether it did: the configuration and parking switches."""
    return (observed.config.model_dump(exclude_none=True), sorted(record.switch_name for record in observed.parking))


def _parked_text(observed: Observed, record: t.Any) -> str:
    """Which adapters wait on a parking switch, where, and which run finishes the job."""
    parked = sorted(
        adapter.label()
        for adapter in observed.adapters
        if not adapter.management_os and name_key(adapter.switch_name or "") == name_key(record.switch_name)
    )
    vnics = [
        item["name"] for item in record.record.get("management_os") or []
        if observed.adapter(AdapterIdentity.management_os_adapter(item["name"]).key()) is None
    ]
    text = "The recreate of switch '%s' is not finished: parking switch '%s' holds %s" % (
        record.target, record.switch_name, ", ".join(parked) if parked else "no VM adapter")
    if vnics:
        text += ", and records host vNICs %s to re-add" % ", ".join("'%s'" % name for name in vnics)
    from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_recreate import (  # pylint: disable=import-outside-toplevel
        finishing_task,
        utc,
    )

    task = finishing_task(record.record)
    if record.in_progress(time.time()):
        return text + (". Its record is held by the run that wrote it until %s (that run could not give it up): "
                       "the first run after that finishes the recreate, e.g. %s." % (utc(record.expires), task))
    return text + (". Run this task again, or %s (any task of this collection that plans against this host "
                   "does it): it finishes that recreate from the record before anything else." % task)


def explain_failure(error: HyperVError, runner: Runner, plan: "Plan", before: Observed,
                    replan: t.Callable[[Observed], "Plan"], scope: "ReadScope | None" = None) -> HyperVError:
    """The failure of ``apply_plan`` as the host shows it afterwards.

    Reads the host back once. ``details`` then says whether the host changed (``changed``), which
    operations the host shows done (``applied``) and still to do (``not_applied``: what a new plan
    from the host's state still contains), the first of those (``failed``), and the host's
    configuration (``after``). When the host cannot be read, ``state_unknown`` is True and the
    message says so. ``replan`` plans again from an Observed (a refusal there leaves the lists
    empty); the error returned replaces ``error``. ``scope`` is the read ``before`` came from, so
    that the two compare like with like.
    """
    details = dict(error.details or {})
    if details.get("in_progress"):
        # Another run's recreate: this run wrote nothing of its own (or took it back); the host is
        # read back for a truthful ``changed`` and ``after`` only.
        try:
            after = read_host(runner, scope)
        except HyperVError:
            details.update(changed=False, state_unknown=True)
            return type(error)(error.message, details)
        claim = details.get("claim")
        details.update(changed=bool(claim) and any(record.switch_name == claim for record in after.parking),
                       state_unknown=False, after=after.config.model_dump(exclude_none=True))
        return type(error)(error.message, details)
    cause = error.message.split(" Already applied: ")[0].rstrip(".") + "."
    parking = details.get("parking")
    finish = details.pop("parked_text", None) or (
        ("The parking switch '%s' records where every adapter belongs: run the task again to finish."
         % parking) if parking else "Run the task again to apply the rest.")
    try:
        after = read_host(runner, scope)
    except HyperVError as unreachable:
        details.update(changed=bool(details.get("applied")), state_unknown=True)
        return ApplyError(
            "%s The host could not be read back afterwards (%s): what it shows now is unknown. %s"
            % (cause, unreachable.message.rstrip("."), finish), details)
    try:
        remaining = {_family(operation) for operation in replan(after).operations}
    except HyperVError:
        remaining = {_family(operation) for operation in plan.operations}
    if after.parking:
        finish = " ".join(_parked_text(after, record) for record in after.parking)
    applied = [op.summary for op in plan.operations if _family(op) not in remaining]
    not_applied = [op.summary for op in plan.operations if _family(op) in remaining]
    changed = _host_snapshot(after) != _host_snapshot(before)
    details.update(
        changed=changed,
        state_unknown=False,
        applied=applied,
        not_applied=not_applied,
        after=after.config.model_dump(exclude_none=True),
        parking=[record.switch_name for record in after.parking] or None,
    )
    if not_applied:
        details["failed"] = not_applied[0]
    message = "%s The host now shows applied: %s; not applied: %s.%s" % (
        cause,
        "; ".join(applied) if applied else "nothing",
        "; ".join(not_applied) if not_applied else "nothing",
        " " + finish if not_applied or after.parking else "",
    )
    return ApplyError(message, details)


def _wait_for_nics(runner: Runner, observed: Observed, names: list[str], timeout: float) -> Observed:
    """Read until the restarted adapters show their configured values, or time out."""
    deadline = time.monotonic() + timeout
    delay = 1.0
    while True:
        still_pending = {name_key(name) for name in observed.pending_restarts()}
        pending = [name for name in names if name_key(name) in still_pending]
        if not pending:
            return observed
        if time.monotonic() >= deadline:
            raise HostTimeoutError(
                "Failed to restart physical adapter(s) %s: the new SR-IOV values were not in effect after %g "
                "seconds. Check the adapters on the host; the values are configured and take effect at their "
                "next restart." % (", ".join("'%s'" % name for name in pending), timeout)
            )
        time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 2, 10.0)
        observed = read_host(runner)


__all__ = [
    "READ_STATEMENTS",
    "WHOLE_HOST_STATEMENTS",
    "ReadScope",
    "targeted_scope",
    "read_statements",
    "ApplyError",
    "Observed",
    "read_host",
    "apply_plan",
    "explain_failure",
    "run_writes",
    "with_stop",
    "Statement",
]
