# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recreating a switch without ever losing track of an adapter.

Private to the collection. The planner (``_reconcile_recreate.build_recreate``) prepares three
step groups; this module runs them and guards them:

1. park: create a Private parking switch whose Notes hold the record (target switch, the new
   switch's settings, the VM adapters to reconnect, the host adapters to re-add). From here on,
   the host itself knows where every adapter belongs.
2. swap, in one pipeline so that a dropped client connection does not stop it half-way: VM
   adapters to the parking switch, remove the old switch (a physical adapter serves one External
   switch at a time), create the new one, reconnect the VM adapters, re-add host adapters.
3. verify with a read, restore VM adapter settings that differ, remove the parking switch.

A failed swap or verification puts back the original switch and connections (rollback) and
raises ApplyError. A lost connection leaves the parking switch: the next plan finishes the job
from its record (``_reconcile_recreate.plan_resume``).
"""

from __future__ import annotations

import contextlib
import time
import typing as t

from ansible_collections.sriov.hyperv.plugins.module_utils.transport._errors import HyperVError, error_from_record
from ansible_collections.sriov.hyperv.plugins.module_utils.host._host import ApplyError, read_host, run_writes
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._host_parse import Observed
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._identity import AdapterIdentity
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_common import (
    Operation,
    RecreateInProgressError,
    adapter_commands,
    adapter_statement,
    switch_command,
)
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_recreate import (
    finishing_task,
    in_progress_text,
    parking_notes,
    rebuild_commands,
    reconnect_commands,
    utc,
)
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import SWITCH, Command, RunResult, Runner
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import (
    CREATION_ONLY_SWITCH_OPTIONS,
    SwitchConfig,
    VmAdapterConfig,
    name_key,
)


def _switch_config(observed: Observed, name: str) -> SwitchConfig | None:
    for switch in observed.config.switches or []:
        if name_key(switch.name) == name_key(name):
            return switch
    return None


def _vm_adapter(observed: Observed, item: dict) -> VmAdapterConfig | None:
    """The adapter a record entry names, as the host shows it now (None when it is gone)."""
    identity = AdapterIdentity.of(item)
    for adapter in observed.config.vm_adapters or []:
        if identity.matches(adapter):
            return adapter
    return None


def _switch_name(adapter: VmAdapterConfig | None) -> str:
    """The name_key of the switch ``adapter`` is connected to; empty when none (or no adapter)."""
    return name_key(adapter.switch_name or "") if adapter is not None else ""


def _has_vnic(observed: Observed, name: str) -> bool:
    return bool(observed.adapters_named(AdapterIdentity.management_os_adapter(name)))


def _problems_after_swap(observed: Observed, details: dict) -> list[str]:
    """What is not as the record says after the swap step."""
    record = details["record"]
    target = record["target"]
    problems = []
    switch = _switch_config(observed, target)
    if switch is None:
        return ["switch '%s' does not exist" % target]
    for option in CREATION_ONLY_SWITCH_OPTIONS + ("switch_type",):
        wanted, found = record["after"].get(option), getattr(switch, option)
        if wanted is not None and found is not None and found != wanted:
            problems.append("switch '%s' has %s %s, not %s" % (target, option, found, wanted))
    for item in record["vm_adapters"]:
        adapter = _vm_adapter(observed, item)
        if adapter is not None and _switch_name(adapter) != name_key(target):
            problems.append("%s is not connected to '%s'" % (AdapterIdentity.of(item).label(), target))
    for vnic in record["management_os"]:
        if not _has_vnic(observed, vnic["name"]):
            problems.append("%s is missing" % AdapterIdentity.management_os_adapter(vnic["name"]).label())
    return problems


def _settings_fixes(observed: Observed, details: dict) -> list[Command]:
    """Set-VMNetworkAdapter for VM adapters whose settings did not survive the move."""
    commands: list[Command] = []
    for item in details["record"]["vm_adapters"]:
        adapter = _vm_adapter(observed, item)
        wanted = details["settings"].get(AdapterIdentity.of(item).record_key()) or {}
        if adapter is None:
            continue
        changes = {option: value for option, value in wanted.items() if getattr(adapter, option, None) != value}
        commands.extend(adapter_commands(item, changes, None))
    return commands


def _error(result: RunResult) -> str | None:
    """The message of the error that stopped ``result``'s statements, None if none did."""
    if result.terminating_error is None:
        return None
    return error_from_record(result.terminating_error).message


def _rollback(runner: Runner, details: dict, observed: Observed | None = None) -> list[str]:
    """Put the original switch and every connection back; the problems left, if any.

    ``observed`` is the host as read since the last write, when the caller has it.
    """
    if observed is None:
        observed = read_host(runner)
    record = details["record"]
    target = record["target"]
    parking = details["parking"]
    original = details["original_switch"]
    switch = _switch_config(observed, target)
    is_original = switch is not None and all(
        getattr(switch, option) == original.get(option) for option in CREATION_ONLY_SWITCH_OPTIONS if option in original
    )
    commands: list[Command] = []
    current = {AdapterIdentity.of(item).record_key(): _vm_adapter(observed, item) for item in details["vm_adapters"]}
    vm_adapters = [item for item in details["vm_adapters"] if current[AdapterIdentity.of(item).record_key()] is not None]
    if is_original:
        commands.extend(reconnect_commands(
            target,
            [item for item in vm_adapters
             if _switch_name(current[AdapterIdentity.of(item).record_key()]) != name_key(target)],
            [vnic for vnic in details["original_vnics"] if not _has_vnic(observed, vnic["name"])],
        ))
    else:
        if switch is not None:
            if observed.switch(parking) is None and not any(p.switch_name == parking for p in observed.parking):
                commands.append(Command("New-VMSwitch", {"Name": parking, "SwitchType": "Private"}))
            for item in vm_adapters:
                commands.append(adapter_statement(item, "Connect-VMNetworkAdapter", {"SwitchName": parking}))
            commands.append(switch_command("Remove-VMSwitch", target, {"Force": SWITCH}))
        commands.extend(rebuild_commands(target, details["original"], vm_adapters, details["original_vnics"]))
    if commands:
        error = _error(run_writes(runner, commands))
        if error is not None:
            return [error]
    observed = read_host(runner)
    left = []
    if _switch_config(observed, target) is None:
        left.append("switch '%s' is missing" % target)
    for item in vm_adapters:
        if _switch_name(_vm_adapter(observed, item)) != name_key(target):
            left.append("%s is not back on '%s'" % (AdapterIdentity.of(item).label(), target))
    if left:
        return left
    fixes = _settings_fixes(observed, details)
    error = _error(run_writes(runner, fixes + [switch_command("Remove-VMSwitch", parking, {"Force": SWITCH})]))
    return [] if error is None else [error]


def _outcome(operation: Operation, rollback_left: list[str] | None) -> str:
    name = operation.target
    if rollback_left is None:
        return "Nothing was changed on switch '%s'." % name
    if not rollback_left:
        return "The original switch '%s' and its connections were put back." % name
    return (
        "Putting the original switch back also failed (%s). The parking switch '%s' records where every adapter "
        "belongs: fix the cause and run the task again to finish." % ("; ".join(rollback_left),
                                                                      operation.details["parking"])
    )


def _fail(operation: Operation, reason: str, outcome: str, applied: list[str], rolled_back: bool,
          parking_left: bool = False) -> t.NoReturn:
    raise ApplyError(
        "Failed to recreate switch '%s': %s. %s Already applied: %s." % (
            operation.target, reason.rstrip("."), outcome, "; ".join(applied) if applied else "nothing"),
        {"failed": operation.summary, "applied": list(applied), "rolled_back": rolled_back,
         "parking": operation.details["parking"], "parking_left": parking_left},
    )


# How long a run that parked waits for a rival that parked after it (and will see it, and stop)
# to remove its parking switch; a rival still there after this was already at work: this run stops.
ELECTION_WAIT = 20.0
_POLL = 0.25


def _elect(runner: Runner, operation: Operation, still: t.Callable[[Observed], str | None]) -> None:
    """Go on only if this run's recreate (or resume) of ``operation.target`` is the only one.

    Called right after this run's parking switch (its claim) exists. A rival is another run's
    record for the same target whose lease runs. A rival that started earlier (by start time, then
    run id) wins: this run removes its own parking switch and raises RecreateInProgressError. A
    rival that started later stops by the same rule once it reads this run's record; it is awaited
    up to ELECTION_WAIT. ``still`` says what changed since this run planned (None: nothing), as
    when a rival that never saw this run's record finished first: this run then stops as well.
    """
    details = operation.details
    mine = details["record"]
    own = (float(mine["started"]), mine["run"])
    deadline = time.monotonic() + ELECTION_WAIT
    while True:
        observed = read_host(runner)
        now = time.time()
        rivals = [parking for parking in observed.parking
                  if name_key(parking.target) == name_key(operation.target) and parking.run != mine["run"]
                  and parking.in_progress(now)]
        ahead = [parking for parking in rivals if (parking.started, parking.run) < own]
        changed = still(observed)
        if not ahead and not changed and not rivals:
            return
        if ahead or changed or time.monotonic() >= deadline:
            break
        time.sleep(_POLL)
    error = _error(run_writes(runner, [switch_command("Remove-VMSwitch", details["claim"], {"Force": SWITCH})]))
    left = "" if error is None else (
        " Removing this run's own parking switch '%s' failed (%s): it holds no adapter and goes with the next run."
        % (details["claim"], error))
    if changed and not ahead:
        raise RecreateInProgressError(
            "Switch '%s' changed while this run was about to recreate it (%s): another run was at work. This run "
            "changed nothing. Run the task again to plan from what the host shows now.%s"
            % (operation.target, changed, left), {"in_progress": True, "applied": [], "claim": details["claim"]})
    rival = sorted(ahead or rivals, key=lambda parking: (parking.started, parking.run))[0]
    raise RecreateInProgressError(in_progress_text(rival, time.time()) + left,
                                  {"in_progress": True, "parking": [rival.switch_name], "applied": [],
                                   "claim": details["claim"]})


def _release(runner: Runner, name: str, record: dict) -> bool:
    """Give this run's record on parking switch ``name`` up (expires 0), so that the next run
    finishes the job at once instead of waiting for the lease. Best effort; True when done.

    Called after a failure. After a lost connection a pipeline of this run may still be running
    on the host (a host finishes a pipeline whose client went away: about_Remote_Disconnected_
    Sessions); ``reopen`` closes the runspace pool first, which stops its pipelines ([MS-PSRP]
    3.2.5.3.12), so that the record is not given up while the run's own swap goes on.
    """
    try:
        reopen = getattr(runner, "reopen", None)
        if reopen is not None:
            reopen()
        # Only the parking switch is asked for: this runs after a task timeout too, when a
        # whole-host read of a large host would outlast what is left of the task's time.
        if not runner.run([[switch_command("Get-VMSwitch", name)]]).output:
            return True
        released = dict(record, expires=0)
        result = run_writes(runner, [switch_command("Set-VMSwitch", name, {"Notes": parking_notes(released)})])
        return result.terminating_error is None
    except HyperVError:
        return False


def _unheard(name: str, record: dict, released: bool) -> str:
    """What a run that lost the host says about its parking switch ``name``: which adapters may
    wait there, and which run finishes the job (the host cannot be asked)."""
    vnics = [vnic["name"] for vnic in record.get("management_os") or []]
    text = "Parking switch '%s' (if the host got that far) holds %s%s" % (
        name, ", ".join(AdapterIdentity.of(item).label() for item in record.get("vm_adapters") or []) or "no VM adapter",
        ", and records host vNICs %s to re-add" % ", ".join("'%s'" % vnic for vnic in vnics) if vnics else "")
    if released:
        return text + ". Run this task again, or %s: it finishes that recreate first." % finishing_task(record)
    return text + (". This run could not give its record up: until %s other runs take it for a run still at "
                   "work; the first run after that finishes the recreate, e.g. %s." % (
                       utc(float(record.get("expires") or 0)), finishing_task(record)))


def _lost_host(runner: Runner, error: HyperVError, name: str, record: dict) -> None:
    """The connection went away during a recreate or a resume: the record on parking switch
    ``name`` stays for the next run, given up if the host can still be reached so that the next
    run need not wait for the lease; ``error`` is told what was left and how to finish."""
    released = _release(runner, name, record)
    error.details.update(released=released, parking=name, parked_text=_unheard(name, record, released))


def _switch_still(operation: Operation) -> t.Callable[[Observed], str | None]:
    """For the election of a recreate: has the target switch been replaced since the plan?"""
    wanted_id = operation.details.get("switch_id")

    def still(observed: Observed) -> str | None:
        switch = observed.switch(operation.target)
        if switch is None:
            return "it no longer exists"
        if wanted_id is not None and switch.id is not None and str(switch.id).lower() != str(wanted_id).lower():
            return "it has another Id"
        return None

    return still


@contextlib.contextmanager
def _record_given_up_on_a_stop(runner: Runner, name: str, record: dict) -> t.Iterator[None]:
    """Around a recreate or a resume: when the host is lost (``_lost_host``) or the run is stopped
    by anything else, this run's record on parking switch ``name`` is given up, so that the next
    run finishes the recreate at once instead of waiting out the lease with the VMs' adapters on
    the parking switch. A failure the run reports itself (ApplyError) or another run's election
    passes through.

    "Anything else" is Ansible's task ``timeout`` (raised inside the worker, which runs the module
    in process), an interrupt or a defect: that stop is what the run reports, so the release is
    best effort and nothing it raises replaces the stop."""
    try:
        yield
    except (ApplyError, RecreateInProgressError):
        raise
    except HyperVError as error:
        _lost_host(runner, error, name, record)
        raise
    except BaseException:
        try:
            _release(runner, name, record)
        except Exception:  # pylint: disable=broad-exception-caught
            pass
        raise


def run_recreate(runner: Runner, operation: Operation, applied: list[str]) -> None:
    details = operation.details
    details.setdefault("claim", details["parking"])
    with _record_given_up_on_a_stop(runner, details["parking"], details["record"]):
        try:
            _run_recreate(runner, operation, applied)
        except ApplyError as error:
            if error.details.get("parking_left"):
                error.details["released"] = _release(runner, details["parking"], details["record"])
            raise


def _run_recreate(runner: Runner, operation: Operation, applied: list[str]) -> None:
    details = operation.details
    steps = details["steps"]
    error = _error(run_writes(runner, steps["park"]))
    if error is not None:
        _fail(operation, "could not create the parking switch: %s" % error, _outcome(operation, None), applied, False)
    _elect(runner, operation, _switch_still(operation))
    error = _error(run_writes(runner, steps["swap"]))
    if error is not None:
        left = _rollback(runner, details)
        _fail(operation, error, _outcome(operation, left), applied, not left, parking_left=bool(left))
    observed = read_host(runner)
    problems = _problems_after_swap(observed, details)
    if problems:
        # Nothing was written since that read: the rollback plans from it.
        left = _rollback(runner, details, observed)
        _fail(operation, "after the swap, " + "; ".join(problems), _outcome(operation, left), applied, not left,
              parking_left=bool(left))
    error = _error(run_writes(runner, _settings_fixes(observed, details) + steps["finish"]))
    if error is not None:
        _fail(operation, "the switch was recreated and its adapters reconnected, but finishing failed: %s" % error,
              "The parking switch '%s' is removed by the next run of the task." % details["parking"], applied, False,
              parking_left=True)


def run_resume(runner: Runner, operation: Operation, applied: list[str]) -> None:
    """Finish an interrupted recreate (``_reconcile_recreate.plan_resume``): claim it with this
    run's own record, make sure no other run is at it, then run it forward; should that fail
    with the target switch missing, put the original switch back (the fallback)."""
    details = operation.details
    steps = details["steps"]
    target = operation.target
    names = [name_key(name) for name in details["parking"]]

    def still(observed: Observed) -> str | None:
        if not any(name_key(parking.switch_name) in names for parking in observed.parking):
            return "its parking switch is gone: another run finished the recreate"
        return None

    with _record_given_up_on_a_stop(runner, details["claim"], details["record"]):
        error = _error(run_writes(runner, steps["claim"])) if steps["claim"] else None
        if error is not None:
            raise ApplyError("Failed to %s: could not write this run's record (%s). Nothing was changed." % (
                operation.summary, error), {"failed": operation.summary, "applied": list(applied)})
        _elect(runner, operation, still)
        error = _error(run_writes(runner, steps["forward"]))
        if error is None:
            return
        fallback = steps.get("fallback")
        if fallback and read_host(runner).switch(target) is None:
            cause = error
            error = _error(run_writes(runner, fallback))
            if error is None:
                raise ApplyError(
                    "Failed to %s: %s. The original switch '%s' was put back instead, with every recorded adapter; "
                    "nothing is parked. Fix the cause (or the task) and run it again." % (
                        operation.summary, cause.rstrip("."), target),
                    {"failed": operation.summary, "applied": list(applied), "rolled_back": True})
            error = "%s; putting the original switch back failed too: %s" % (cause.rstrip("."), error)
        released = _release(runner, details["claim"], details["record"])
        raise ApplyError("Failed to %s: %s." % (operation.summary, error.rstrip(".")),
                         {"failed": operation.summary, "applied": list(applied), "parking": details["claim"],
                          "released": released})
