# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning the recreate of a switch, and finishing one that a lost connection interrupted.

Private to the collection. Pure: no I/O. ``_recreate`` runs what is planned here; docs/states.md
describes the sequence.
"""

from __future__ import annotations

import datetime
import json

from ansible_collections.sriov.hyperv.plugins.module_utils.spec._host_parse import ADAPTER_PROPERTIES
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_common import (
    STAGE_RECREATE,
    STAGE_SWITCHES,
    Context,
    Operation,
    RecreateInProgressError,
    adapter_commands,
    adapter_statement,
    attached_to,
    find_adapter,
    new_switch_command,
    new_vnic,
    resolve_mode,
    set_after_creation,
    settings_of,
    switch_command,
)
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._identity import AdapterIdentity
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import SWITCH, Command, Step
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import (
    ADAPTER_BANDWIDTH_MODES,
    bandwidth_options_refused,
    ADAPTER_DEFAULTS,
    IOV_ADAPTER_OPTIONS,
    CREATION_ONLY_SWITCH_OPTIONS,
    PARKING_MARKER,
    PARKING_PREFIX,
    PARKING_RUN_SEPARATOR,
    SWITCH_DEFAULTS,
    SwitchConfig,
    VmAdapterConfig,
    lenient,
    name_key,
)

# How long a recreate's record counts as the work of a run still in progress: other runs stop
# before writing until then, and an interrupted run's record is finished by the first run after.
# A run that fails while it can still reach the host gives its record up at once (expires 0). Ten
# minutes outlast the slowest swap (New-VMSwitch on an External NIC takes seconds to a minute).
LEASE_SECONDS = 600.0


def parking_name(target: str, run: str) -> str:
    """The parking switch of ``run``'s recreate of ``target``: one per run, since Hyper-V allows
    several switches of one name and a shared name could not tell two runs apart."""
    return PARKING_PREFIX + target + PARKING_RUN_SEPARATOR + run


def parking_notes(record: dict) -> str:
    return PARKING_MARKER + json.dumps(record, sort_keys=True)


def utc(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def finishing_task(record: dict) -> str:
    """The task that finishes the recreate ``record`` describes, as a one-line YAML mapping."""
    after = record.get("after") or {}
    switch = {"name": record["target"]}
    switch.update((option, after[option]) for option in CREATION_ONLY_SWITCH_OPTIONS if after.get(option) is not None)
    return "sriov.hyperv.host_config: {state: merged, creation_only_changes: recreate, config: {switches: [%s]}}" % (
        json.dumps(switch, sort_keys=True))


def in_progress_text(parking, now: float) -> str:
    """What a run says when another run's recreate is in progress (``parking``: its ParkingRecord)."""
    return (
        "Switch '%s' is being recreated by another run (run %s, started %s): its parking switch '%s' holds "
        "the record. This run changed nothing. Wait for that run to finish, then run this task again. If "
        "that run was interrupted, the first run after %s finishes its recreate from the record (%s; "
        "any task of this collection that plans against this host does it)."
        % (parking.target, parking.run or "of an earlier release", utc(parking.started), parking.switch_name,
           utc(parking.expires), finishing_task(parking.record))
    )


def _vnic_settings(ctx: Context, item: VmAdapterConfig) -> dict:
    """The settings (option -> value) of a management-OS adapter worth restoring after it is re-added."""
    supported = ctx.have.options_of(item.key(), True)
    # A re-added adapter starts from Hyper-V's defaults: only the settings that differ need sending.
    return {
        option: value
        for option, value in settings_of(item, (*ADAPTER_PROPERTIES, *ADAPTER_BANDWIDTH_MODES)).items()
        if option in supported and option not in IOV_ADAPTER_OPTIONS and value != ADAPTER_DEFAULTS.get(option)
    }


# What a re-added host vNIC cannot get back, because this collection does not read it: named in
# the refusal of a creation-only change and in the warning of a recreate.
NOT_CARRIED_OVER = "VLAN, maximum bandwidth, ACL, port-mirroring and isolation settings of host vNICs"


def _vnic_record(ctx: Context, item: VmAdapterConfig) -> dict:
    """A host vNIC as the recreate record keeps it: name, settings, and what the host shows that
    a plain Add-VMNetworkAdapter would lose (its MAC address, an IEEE priority tag)."""
    record = {"name": item.name, "settings": _vnic_settings(ctx, item)}
    facts = ctx.have.adapter(item.key())
    if facts is not None and facts.mac_address:
        record["mac_address"] = str(facts.mac_address).replace("-", "").replace(":", "").upper()
    if facts is not None and (facts.ieee_priority_tag or "").lower() == "on":
        record["ieee_priority_tag"] = "On"
    return record


def _for_mode(vnic: dict, refused: frozenset[str]) -> dict:
    """A host vNIC record without the minimum bandwidth the rebuilt switch's mode cannot take
    (``refused``, from bandwidth_options_refused; a recreate into another mode leaves it behind)."""
    return {**vnic, "settings": {option: value for option, value in vnic["settings"].items() if option not in refused}}


def _creation_values(ctx: Context, switch: SwitchConfig) -> dict:
    """New-VMSwitch option values (as the recreate record keeps them) that rebuild ``switch`` as
    predicted (mode left to Hyper-V when default)."""
    values = switch.model_dump(exclude_none=True)
    if values.get("minimum_bandwidth_mode") == resolve_mode(ctx, "default", bool(values.get("enable_iov"))):
        values["minimum_bandwidth_mode"] = "default"
    if values.get("switch_type") != "external":
        values.pop("allow_management_os", None)
        values.pop("net_adapter_names", None)
    return values


def rebuild_commands(target: str, creation: dict, vm_adapters: list[dict], vnics: list[dict]) -> list:
    """New-VMSwitch, then every adapter back on it: used forward and for the rollback."""
    values = dict(creation)
    if vnics and values.get("switch_type") == "external":
        # Host adapters come back by name with Add-VMNetworkAdapter; letting New-VMSwitch add its
        # default one as well would leave an extra adapter.
        values["allow_management_os"] = False
    commands = [new_switch_command(values)] + set_after_creation(target, values, SWITCH_DEFAULTS)
    # A new Internal switch brings its own host adapter named after it: only its settings are needed.
    return commands + reconnect_commands(
        target, vm_adapters, vnics, created_internal=values.get("switch_type") == "internal"
    )


def reconnect_commands(target: str, vm_adapters: list[dict], vnics: list[dict], created_internal: bool = False) -> list:
    """Connect ``vm_adapters`` to ``target`` and add ``vnics`` (with their settings) back on it."""
    commands = [adapter_statement(item, "Connect-VMNetworkAdapter", {"SwitchName": target}) for item in vm_adapters]
    for vnic in vnics:
        if not (created_internal and name_key(vnic["name"]) == name_key(target)):
            parameters = {"ManagementOS": SWITCH, "Name": vnic["name"], "SwitchName": target}
            if vnic.get("mac_address"):
                # The host does not show whether a vNIC's MAC was static; keeping the address
                # keeps DHCP reservations and firewall rules that name it.
                parameters["StaticMacAddress"] = vnic["mac_address"]
            commands.append(Command("Add-VMNetworkAdapter", parameters))
        commands.extend(adapter_commands(_vnic_identity(vnic), vnic.get("settings") or {}, None))
        if vnic.get("ieee_priority_tag"):
            commands.append(_priority_tag_command(vnic))
    return commands


def _vnic_identity(vnic: dict) -> AdapterIdentity:
    """The host vNIC a recreate record entry names."""
    return AdapterIdentity.management_os_adapter(vnic["name"])


def _priority_tag_command(vnic: dict) -> Step:
    """The recorded IEEE priority tag back on a re-added host vNIC (not a managed option: carried over)."""
    return adapter_statement(_vnic_identity(vnic), "Set-VMNetworkAdapter", {"IeeePriorityTag": vnic["ieee_priority_tag"]})


def build_recreate(ctx: Context, current: SwitchConfig, after: SwitchConfig, diffs: list) -> None:
    """Rebuild the switch ``current`` as ``after`` (``diffs``: the creation-only changes that need it)."""
    name = current.name
    key = name_key(name)
    run = ctx.policy.run_id
    parking = parking_name(name, run)
    attached = attached_to(ctx, name)
    # Each with its MAC address where its name is not unique, so that every reconnect reaches it alone.
    vm_adapters = [AdapterIdentity.of(item).fields() for item in attached if not item.management_os]
    vnics_before = [_vnic_record(ctx, item) for item in attached if item.management_os]
    keep_vnics = after.allow_management_os or after.switch_type == "internal"
    # One rule for what the rebuilt switch's mode drops: the record (so the commands), the warning
    # and the predicted host all use it, so check mode and the run agree (field case 03).
    refused = bandwidth_options_refused(after.minimum_bandwidth_mode)
    vnics_after = [_for_mode(vnic, refused) for vnic in vnics_before] if keep_vnics else []
    creation = _creation_values(ctx, after)
    original = _creation_values(ctx, current)
    record = {
        "target": name,
        "switch": creation,
        "after": after.model_dump(exclude_none=True),
        "vm_adapters": vm_adapters,
        "management_os": vnics_after,
        # Who is at work, since when and until when (see LEASE_SECONDS).
        "run": run,
        "started": ctx.policy.now,
        "expires": ctx.policy.now + LEASE_SECONDS,
        # The original switch, so that a resume that cannot finish can put it back.
        "original": original,
        "before": current.model_dump(exclude_none=True),
        "original_vnics": vnics_before,
    }
    park = [Command("New-VMSwitch", {"Name": parking, "SwitchType": "Private", "Notes": parking_notes(record)})]
    swap = [adapter_statement(item, "Connect-VMNetworkAdapter", {"SwitchName": parking}) for item in vm_adapters]
    swap.append(switch_command("Remove-VMSwitch", name, {"Force": SWITCH}))
    swap.extend(rebuild_commands(name, creation, vm_adapters, vnics_after))
    finish = [switch_command("Remove-VMSwitch", parking, {"Force": SWITCH})]
    running = sorted({item["vm_name"] for item in vm_adapters if _running(ctx, item["vm_name"])}, key=name_key)
    if running:
        ctx.warnings.append(
            "Switch '%s' %s while running VMs are connected to it: %s. They %s network connectivity "
            "until their adapters are reconnected a moment later." % (
                name, ctx.will("is recreated", "would be recreated"), ", ".join(running), ctx.will("lose", "would lose"))
        )
    if vnics_after:
        ctx.warnings.append(
            "Switch '%s' %s: its host vNICs %s %s with their MAC address, offload settings and "
            "IEEE priority tag; %s %s carried over (check them after the recreate)."
            % (name, ctx.will("is recreated", "would be recreated"), ", ".join("'%s'" % item["name"] for item in vnics_after),
               ctx.will("are re-added", "would be re-added"), NOT_CARRIED_OVER, ctx.will("are not", "would not be"))
        )
    lost = [
        "'%s' (%s)" % (vnic["name"], ", ".join("%s %s" % (option, value) for option, value in sorted(vnic["settings"].items())
                                               if option in refused))
        for vnic in (vnics_before if vnics_after else []) if refused & set(vnic["settings"])
    ]
    if lost:
        ctx.warnings.append(
            "Switch '%s' %s with minimum_bandwidth_mode %s, which takes no such reservation: host vNICs %s %s it."
            % (name, ctx.will("is recreated", "would be recreated"), after.minimum_bandwidth_mode, ", ".join(lost),
               ctx.will("lose", "would lose"))
        )
    if vnics_before and not vnics_after:
        ctx.warnings.append(
            "Switch '%s' %s without the management OS: its management-OS adapters %s %s."
            % (name, ctx.will("is recreated", "would be recreated"), ", ".join("'%s'" % item["name"] for item in vnics_before),
               ctx.will("are not re-added", "would not be re-added"))
        )
    # The predicted host: the new switch, the same VM adapters on it, the host adapters re-added.
    # New objects are listed last by the host, so they move to the end here too.
    del ctx.switches[key]
    ctx.switches[key] = after
    for item in attached:
        if item.management_os:
            del ctx.adapters[item.key()]
            if vnics_after:
                # Re-added without the minimum bandwidth the new mode cannot take (refused).
                ctx.adapters[item.key()] = item.model_copy(update=dict.fromkeys(refused))
    if after.allow_management_os and not vnics_before and after.switch_type == "external":
        vnic = new_vnic(ctx, name)
        ctx.adapters.setdefault(vnic.key(), vnic)
    ctx.recreating.add(key)
    ctx.recreated.append(name)
    ctx.add(
        Operation(
            stage=STAGE_SWITCHES,
            action="recreate",
            target=name,
            commands=park + swap + finish,
            summary="recreate switch '%s' (%s), reconnecting %s"
            % (
                name,
                ", ".join("%s %s -> %s" % (option, old, new) for option, old, new in diffs),
                ", ".join(item.label() for item in attached) or "no adapters",
            ),
            details={
                "order": 2,
                "parking": parking,
                "switch_id": getattr(ctx.have.switch(name), "id", None),
                "record": record,
                "steps": {"park": park, "swap": swap, "finish": finish},
                "original": original,
                "original_switch": current.model_dump(exclude_none=True),
                "original_vnics": vnics_before,
                "vm_adapters": vm_adapters,
                "settings": {
                    item.identity().record_key(): settings_of(item, ADAPTER_PROPERTIES)
                    for item in attached
                    if not item.management_os
                },
            },
        )
    )


def _running(ctx: Context, vm_name: str) -> bool:
    vm = ctx.have.vm(vm_name)
    return vm is not None and vm.running


def _recorded_settings(vnic: dict) -> dict:
    """The settings a recreate record keeps for a host vNIC, of the options this collection knows
    (a record written by another version may name others: no command could carry them)."""
    return {option: value for option, value in (vnic.get("settings") or {}).items()
            if option in VmAdapterConfig.model_fields}


def _vnic_fixes(ctx: Context, vnics: list[dict]) -> list[Step]:
    """Set-VMNetworkAdapter for recorded host vNICs that exist but do not show their recorded
    settings: the record holds every setting until the host shows it back."""
    commands: list[Step] = []
    for vnic in vnics:
        current = ctx.adapters.get(_vnic_identity(vnic).key())
        if current is None:
            continue
        changes = {option: value for option, value in _recorded_settings(vnic).items()
                   if getattr(current, option) != value}
        if changes:
            commands.extend(adapter_commands(_vnic_identity(vnic), changes, None))
            for option, value in changes.items():
                setattr(current, option, value)
        facts = ctx.have.adapter(_vnic_identity(vnic).key())
        if vnic.get("ieee_priority_tag") and facts is not None and (facts.ieee_priority_tag or "").lower() != "on":
            commands.append(_priority_tag_command(vnic))
    return commands


def _task_changed(ctx: Context, record: dict) -> bool:
    """Whether the task asks the recorded target for creation-only values other than the record's."""
    if ctx.state == "deleted":
        return False
    after = record.get("after") or {}
    for switch in ctx.want.switches or []:
        if name_key(switch.name) != name_key(record["target"]):
            continue
        wanted = switch.model_dump(exclude_none=True)
        return any(
            option in wanted and after.get(option) is not None and wanted[option] != after[option]
            and not (option == "minimum_bandwidth_mode" and wanted[option] == "default")
            for option in CREATION_ONLY_SWITCH_OPTIONS)
    return False


def plan_resume(ctx: Context) -> None:
    """Finish recreates that a lost connection interrupted, from the records on their parking
    switches; stop before writing when another run's recreate is still in progress.

    Raises RecreateInProgressError for a record whose lease (LEASE_SECONDS) has not run out and
    that another run wrote.
    """
    now = ctx.policy.now
    live = [parking for parking in ctx.have.parking
            if parking.in_progress(now) and parking.run != ctx.policy.run_id]
    if live:
        raise RecreateInProgressError(
            " ".join(in_progress_text(parking, now) for parking in live),
            {"in_progress": True, "parking": [parking.switch_name for parking in live]})
    groups: dict = {}
    for parking in ctx.have.parking:
        groups.setdefault(name_key(parking.target), []).append(parking)
    for records in groups.values():
        _plan_resume(ctx, sorted(records, key=lambda parking: (parking.started, parking.run)))


def _plan_resume(ctx: Context, records: list) -> None:
    """One target's resume, from its records (an interrupted recreate, and claims of interrupted
    resumes of it: all hold the same record; the newest is used)."""
    parking = records[-1]
    record = parking.record
    target = parking.target
    key = name_key(target)
    now = ctx.policy.now
    original = record.get("original")
    # A task that now wants other creation-only values than the record (a corrected task, or one
    # that gave the change up) gets the original switch back first; the plan goes on from there.
    back = original is not None and key not in ctx.switches and _task_changed(ctx, record)
    if back:
        creation = dict(original)
        vnics = list(record.get("original_vnics") or [])
        predicted = lenient(SwitchConfig, dict(record.get("before") or {"name": target}))
    else:
        creation = dict(record.get("switch") or {"name": target})
        vnics = list(record.get("management_os") or [])
        predicted = lenient(SwitchConfig, dict(record.get("after") or {"name": target}))
    missing_vnics = [vnic for vnic in vnics if _vnic_identity(vnic).key() not in ctx.adapters]
    # Settings of vNICs that exist are checked before any is re-added (a re-added one gets its
    # settings with its Add-VMNetworkAdapter).
    fixes = _vnic_fixes(ctx, vnics)
    recorded_adapters = [item for item in record.get("vm_adapters") or [] if find_adapter(ctx, item) is not None]
    fallback = None
    if key not in ctx.switches:
        commands = rebuild_commands(target, creation, recorded_adapters, missing_vnics)
        if original is not None and not back:
            # Should the recorded switch keep failing to be created, the original one comes back.
            fallback = rebuild_commands(target, dict(original), recorded_adapters, [
                vnic for vnic in record.get("original_vnics") or []
                if _vnic_identity(vnic).key() not in ctx.adapters])
        ctx.switches[key] = predicted
    else:
        moved = [item for item in recorded_adapters if name_key(find_adapter(ctx, item).switch_name or "") != key]
        commands = reconnect_commands(target, moved, missing_vnics)
    removals = [switch_command("Remove-VMSwitch", item.switch_name, {"Force": SWITCH}) for item in records]
    own = [item for item in records if item.run and item.run == ctx.policy.run_id]
    if own:
        # This run's own record (planned again after its own failure): it is the claim already.
        claim, claim_record, claiming = own[0].switch_name, own[0].record, []
    else:
        claim = parking_name(target, ctx.policy.run_id)
        claim_record = dict(record, run=ctx.policy.run_id, started=now, expires=now + LEASE_SECONDS,
                            resumes=[item.switch_name for item in records])
        claiming = [Command("New-VMSwitch", {"Name": claim, "SwitchType": "Private",
                                             "Notes": parking_notes(claim_record)})]
        removals.append(switch_command("Remove-VMSwitch", claim, {"Force": SWITCH}))
    steps = {
        "claim": claiming,
        "forward": fixes + commands + removals,
        "fallback": fallback + removals if fallback is not None else None,
    }
    for item in recorded_adapters:
        find_adapter(ctx, item).switch_name = target
    for vnic in missing_vnics:
        item = new_vnic(ctx, vnic["name"], target)
        for option, value in _recorded_settings(vnic).items():
            setattr(item, option, value)
        ctx.adapters[_vnic_identity(vnic).key()] = item
    if vnics:
        # Host adapters on a switch are what makes it allow the management OS (and Internal).
        switch = ctx.switches[key]
        switch.allow_management_os = True
        if switch.switch_type == "private":
            switch.switch_type = "internal"
    names = ", ".join("'%s'" % item.switch_name for item in records)
    ctx.recreated.append(target)
    if back:
        ctx.warnings.append(
            "The interrupted recreate of switch '%s' (recorded on parking switch %s) asked for other settings "
            "than this task: the original switch %s first, with every recorded adapter."
            % (target, names, ctx.will("is put back", "would be put back")))
    else:
        ctx.warnings.append(
            "Finishing the interrupted recreate of switch '%s' recorded on parking switch %s." % (target, names))
    ctx.add(
        Operation(
            stage=STAGE_RECREATE,
            action="resume",
            target=target,
            commands=steps["claim"] + steps["forward"],
            summary="%s switch '%s' and remove parking switch %s" % (
                "put back the original" if back else "finish recreating", target, names),
            details={"parking": [item.switch_name for item in records], "claim": claim, "record": claim_record,
                     "steps": steps, "back": back, "vm_adapters": recorded_adapters},
        )
    )
