# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning physical adapters and virtual switches, including the recreate of a switch.

Private to the collection. Pure: no I/O.
"""

from __future__ import annotations

import json
import typing as t

from ansible_collections.sriov.hyperv.plugins.module_utils._host_parse import (
    ADAPTER_PROPERTIES,
    PARKING_MARKER,
    PARKING_PREFIX,
    REQUIRED_WINDOWS,
    SWITCH_PROPERTIES,
    NicFacts,
)
from ansible_collections.sriov.hyperv.plugins.module_utils._reconcile_common import (
    STAGE_PHYSICAL,
    STAGE_RECREATE,
    STAGE_SWITCHES,
    SWITCH_TYPE_VALUES,
    Context,
    Operation,
    adapter_commands,
    adapter_key,
    adapter_label,
    new_switch_command,
    physical_command,
)
from ansible_collections.sriov.hyperv.plugins.module_utils._runner import SWITCH, Command
from ansible_collections.sriov.hyperv.plugins.module_utils._spec import (
    ADAPTER_DEFAULTS,
    IOV_ADAPTER_OPTIONS,
    close_matches,
    name_key,
)

# Hyper-V's explanation of each SriovSupport value (Get-NetAdapterSriov help), quoted in errors.
SRIOV_SUPPORT_REASONS = {
    "MissingAcs": "SR-IOV cannot be used on this network adapter as the PCI Express hardware does not support "
    "Access Control Services (ACS). This device may work in an alternate PCI Express slot. Contact your hardware "
    "vendor for further information.",
    "MissingPfDriver": "SR-IOV cannot be used on this network adapter as the device or device driver does not "
    "support SR-IOV. If the network adapter supports SR-IOV, contact the hardware vendor for an updated driver.",
    "NoBusResources": "SR-IOV cannot be used on this network adapter as there are not enough PCI Express bus "
    "numbers available.",
    "NoVfBarSpace": "SR-IOV cannot be used on this network adapter as there are not enough PCI Express BAR "
    "resources available.",
    "NoOscSupport": "To use SR-IOV on this computer, the computer BIOS must be updated to allow Windows Server 2012 "
    "and later to control PCI Express using _OSC HandOff.",
    "NoIoMmuSupport": "SR-IOV cannot be used on this computer because it lacks I/O remapping support "
    "(interrupt or DMA remapping).",
    "Unknown": "Windows cannot tell whether this network adapter supports SR-IOV.",
}


def _nic_not_capable(nic: NicFacts) -> str | None:
    """Why ``nic`` cannot do SR-IOV, or None when it can."""
    if not nic.sriov_listed and nic.configured_sriov_enabled is None:
        return "Get-NetAdapterSriov does not list it: the adapter or its driver has no SR-IOV support"
    if nic.sriov_support and nic.sriov_support != "Supported":
        return "its SriovSupport is %s: %s" % (
            nic.sriov_support,
            SRIOV_SUPPORT_REASONS.get(nic.sriov_support, "").rstrip("."),
        )
    return None


def _unknown_nic(ctx: Context, where: str, name: str) -> None:
    matches = close_matches(name, [nic.name for nic in ctx.have.nics])
    hint = " Did you mean %s?" % " or ".join("'%s'" % match for match in matches) if matches else ""
    ctx.problems.append(
        "%s: physical adapter '%s' was not found on the host.%s Use a name from Get-NetAdapter -Physical."
        % (where, name, hint)
    )


# ---------------------------------------------------------------------------------------------
# Physical adapters


def _nic_defaults(nic: NicFacts) -> dict:
    defaults = {"sriov_enabled": nic.default_sriov_enabled, "num_vfs": nic.default_num_vfs}
    return {option: value for option, value in defaults.items() if value is not None}


def plan_physical(ctx: Context) -> None:
    section = ctx.want.physical_adapters
    if section is None:
        return
    named = set()
    for index, item in enumerate(section):
        where = "config.physical_adapters[%d]" % index
        nic = ctx.have.nic(item.name)
        if nic is None:
            _unknown_nic(ctx, where + ".name", item.name)
            continue
        named.add(name_key(nic.name))
        given = {option: getattr(item, option) for option in ("sriov_enabled", "num_vfs") if getattr(item, option) is not None}
        if ctx.state == "deleted":
            desired = _nic_defaults(nic)
        else:
            desired = dict(given)
            if ctx.replacing:
                for option, value in _nic_defaults(nic).items():
                    desired.setdefault(option, value)
        current = ctx.phys.get(name_key(nic.name), {})
        asked = {option: value for option, value in given.items() if current.get(option) != value}
        if asked.get("sriov_enabled") or asked.get("num_vfs"):
            reason = _nic_not_capable(nic)
            if reason:
                ctx.problems.append(
                    "%s.%s: physical adapter '%s' cannot use SR-IOV: %s. Use another adapter, or leave SR-IOV off."
                    % (where, "sriov_enabled" if asked.get("sriov_enabled") else "num_vfs", nic.name, reason)
                )
                continue
        if "num_vfs" in asked and nic.max_vfs is not None and asked["num_vfs"] > nic.max_vfs:
            ctx.problems.append(
                "%s.num_vfs: %d is above the maximum of physical adapter '%s' (%d virtual functions). Give a value "
                "from 0 to %d." % (where, asked["num_vfs"], nic.name, nic.max_vfs, nic.max_vfs)
            )
            continue
        _apply_physical(ctx, nic, desired, named_in_task=True)
    if ctx.state == "overridden":
        for nic in ctx.have.nics:
            if name_key(nic.name) in ctx.phys and name_key(nic.name) not in named:
                _apply_physical(ctx, nic, _nic_defaults(nic), named_in_task=False)


def _apply_physical(ctx: Context, nic: NicFacts, desired: dict, named_in_task: bool) -> None:
    key = name_key(nic.name)
    current = ctx.phys.setdefault(key, {"name": nic.name})
    changes = {option: value for option, value in desired.items() if current.get(option) != value}
    restart = ctx.policy.restart
    # With restart opted in, a value that is configured but not yet effective is made effective.
    restart_pending = restart and named_in_task and nic.pending and not changes
    if not changes and not restart_pending:
        return
    values = changes if changes else {
        option: current[option] for option in ("sriov_enabled", "num_vfs") if current.get(option) is not None
    }
    current.update(changes)
    if restart:
        ctx.restarted.add(key)
        ctx.wait_for_nics.append(nic.name)
    described = ", ".join("%s=%s" % (option, value) for option, value in values.items())
    ctx.add(
        Operation(
            stage=STAGE_PHYSICAL,
            action="restart" if restart_pending else "update",
            target=nic.name,
            commands=[physical_command(nic.name, values, restart=restart)],
            summary="%s SR-IOV on physical adapter '%s' (%s)%s"
            % ("restart" if restart_pending else "set", nic.name, described,
               " and restart it" if restart else ", effective at the adapter's next restart"),
        )
    )


# ---------------------------------------------------------------------------------------------
# Switches


def resolve_mode(ctx: Context, mode: str | None, iov: bool) -> str:
    """The BandwidthReservationMode a switch ends up with for a requested mode."""
    if mode in (None, "default"):
        return "none" if iov else ctx.have.new_switch_bandwidth_default
    return mode


def _new_vnic(ctx: Context, switch_name: str) -> dict:
    """The management-OS adapter Hyper-V creates with a switch, as the next read will show it."""
    item: dict[str, t.Any] = {"management_os": True, "name": switch_name, "switch_name": switch_name}
    for option in ctx.have.new_adapter_options(True):
        item[option] = ADAPTER_DEFAULTS[option]
    return item


def _drop_vnics(ctx: Context, switch_name: str) -> list[str]:
    dropped = []
    for key, item in list(ctx.adapters.items()):
        if item.get("management_os") and name_key(item.get("switch_name") or "") == name_key(switch_name):
            dropped.append(item["name"])
            del ctx.adapters[key]
    return dropped


def _attached(ctx: Context, switch_name: str) -> list[dict]:
    return [
        item
        for item in ctx.adapters.values()
        if item.get("switch_name") is not None and name_key(item["switch_name"]) == name_key(switch_name)
    ]


def _bound_elsewhere(ctx: Context, nic_name: str, switch_key: str) -> str | None:
    for key, switch in ctx.switches.items():
        if key == switch_key or switch.get("switch_type") != "external":
            continue
        if any(name_key(name) == name_key(nic_name) for name in switch.get("net_adapter_names") or []):
            return switch["name"]
    return None


def _check_nics(ctx: Context, where: str, nics: list[str], switch_key: str, iov: bool) -> bool:
    ok = True
    for position, nic_name in enumerate(nics):
        nic = ctx.have.nic(nic_name)
        if nic is None:
            _unknown_nic(ctx, "%s.net_adapter_names[%d]" % (where, position), nic_name)
            ok = False
            continue
        other = _bound_elsewhere(ctx, nic_name, switch_key)
        if other is not None:
            ctx.problems.append(
                "%s.net_adapter_names[%d]: physical adapter '%s' is already bound to External switch '%s'; an adapter "
                "can serve one External switch only. Use another adapter, or remove or change switch '%s' first."
                % (where, position, nic_name, other, other)
            )
            ok = False
        if iov:
            reason = _nic_not_capable(nic)
            if reason:
                ctx.problems.append(
                    "%s.enable_iov: physical adapter '%s' cannot use SR-IOV: %s. Bind the switch to an SR-IOV capable "
                    "adapter, or leave enable_iov off." % (where, nic.name, reason)
                )
                ok = False
    return ok


def _check_switch_options(ctx: Context, where: str, given: dict) -> bool:
    ok = True
    for option, prop_name in SWITCH_PROPERTIES.items():
        if option in given and not ctx.have.supports_switch_option(option):
            ctx.problems.append(
                "%s.%s: this host does not support %s (its switches have no %s property; it needs %s or later). "
                "Remove the option." % (where, option, option, prop_name, REQUIRED_WINDOWS[option])
            )
            ok = False
    return ok


def _remove_switch(ctx: Context, switch: dict) -> None:
    key = name_key(switch["name"])
    attached_vms = [item for item in _attached(ctx, switch["name"]) if not item.get("management_os")]
    for item in attached_vms:
        item.pop("switch_name", None)
    dropped = _drop_vnics(ctx, switch["name"])
    del ctx.switches[key]
    ctx.removed_switches.add(key)
    if attached_vms:
        ctx.warnings.append(
            "Removing switch '%s' leaves these adapters disconnected: %s."
            % (switch["name"], ", ".join(adapter_label(item) for item in attached_vms))
        )
    summary = "remove switch '%s'" % switch["name"]
    if dropped:
        summary += " (and its management-OS adapters %s)" % ", ".join("'%s'" % name for name in dropped)
    ctx.add(
        Operation(
            stage=STAGE_SWITCHES,
            action="remove",
            target=switch["name"],
            commands=[Command("Remove-VMSwitch", {"Name": switch["name"], "Force": SWITCH})],
            summary=summary,
            details={"order": 0},
        )
    )


def _create_switch(ctx: Context, where: str, given: dict) -> None:
    name = given["name"]
    key = name_key(name)
    nics = given.get("net_adapter_names")
    switch_type = given.get("switch_type") or ("external" if nics else None)
    if switch_type is None:
        ctx.problems.append(
            "%s: switch '%s' does not exist and cannot be created without a type. Give net_adapter_names for an "
            "External switch, or switch_type: internal or private." % (where, name)
        )
        return
    if switch_type == "external" and not nics:
        ctx.problems.append(
            "%s.net_adapter_names: creating External switch '%s' needs the physical adapter(s) to bind. Give "
            "net_adapter_names." % (where, name)
        )
        return
    ok = _check_switch_options(ctx, where, given)
    if nics:
        ok = _check_nics(ctx, where, nics, key, bool(given.get("enable_iov"))) and ok
    if not ok:
        return
    iov = bool(given.get("enable_iov"))
    _warn_host_iov(ctx, name, iov)
    after: dict[str, t.Any] = {"name": name, "switch_type": switch_type}
    if switch_type == "external":
        after["net_adapter_names"] = list(nics)
    after["enable_iov"] = iov
    after["allow_management_os"] = (
        given.get("allow_management_os", True) if switch_type == "external" else switch_type == "internal"
    )
    after["minimum_bandwidth_mode"] = resolve_mode(ctx, given.get("minimum_bandwidth_mode"), iov)
    if ctx.have.supports_switch_option("enable_embedded_teaming"):
        after["enable_embedded_teaming"] = given.get("enable_embedded_teaming", len(nics or []) > 1)
    if ctx.have.supports_switch_option("enable_packet_direct"):
        after["enable_packet_direct"] = given.get("enable_packet_direct", False)
    after["notes"] = given.get("notes", "")
    ctx.switches[key] = after
    if after["allow_management_os"]:
        vnic = _new_vnic(ctx, name)
        ctx.adapters[adapter_key(vnic)] = vnic
    ctx.add(
        Operation(
            stage=STAGE_SWITCHES,
            action="create",
            target=name,
            commands=[new_switch_command(given)],
            summary="create %s switch '%s'%s" % (switch_type, name, " with SR-IOV" if iov else ""),
            details={"order": 1},
        )
    )


def _warn_host_iov(ctx: Context, name: str, iov: bool) -> None:
    host = ctx.have.host
    if iov and host.iov_support is False:
        reasons = " ".join(host.iov_support_reasons) or "no reason given"
        ctx.warnings.append(
            "Switch '%s' gets SR-IOV, but the host reports that it cannot use SR-IOV (%s): adapters on it stay on "
            "the synthetic path until that is fixed." % (name, reasons)
        )


def _switch_defaults(ctx: Context, type_after: str, nics_after: list | None) -> dict:
    defaults: dict[str, t.Any] = {"enable_iov": False, "minimum_bandwidth_mode": "default", "notes": ""}
    if ctx.have.supports_switch_option("enable_packet_direct"):
        defaults["enable_packet_direct"] = False
    if ctx.have.supports_switch_option("enable_embedded_teaming"):
        defaults["enable_embedded_teaming"] = len(nics_after or []) > 1
    if type_after == "external":
        defaults["allow_management_os"] = True
    return defaults


def _update_switch(ctx: Context, where: str, current: dict, given: dict) -> None:
    name = current["name"]
    key = name_key(name)
    desired = {option: value for option, value in given.items() if option != "name"}
    type_after = desired.get("switch_type") or (
        "external" if desired.get("net_adapter_names") else current.get("switch_type")
    )
    nics_after = (
        desired.get("net_adapter_names", current.get("net_adapter_names")) if type_after == "external" else None
    )
    if ctx.replacing:
        for option, value in _switch_defaults(ctx, type_after, nics_after).items():
            desired.setdefault(option, value)
    if not _check_switch_options(ctx, where, given):
        return
    if type_after == "external" and not nics_after:
        ctx.problems.append(
            "%s.net_adapter_names: making switch '%s' External needs the physical adapter(s) to bind. Give "
            "net_adapter_names." % (where, name)
        )
        return
    iov_before = bool(current.get("enable_iov"))
    iov_after = bool(desired.get("enable_iov", iov_before))
    nics_changed = nics_after is not None and sorted(map(name_key, nics_after)) != sorted(
        map(name_key, current.get("net_adapter_names") or [])
    )
    if nics_changed or (iov_after and not iov_before):
        if not _check_nics(ctx, where, list(nics_after or []), key, iov_after):
            return
    if iov_after and not iov_before and type_after != "external":
        ctx.problems.append(
            "%s.enable_iov: SR-IOV needs an External switch; switch '%s' is %s. Set switch_type: external with "
            "net_adapter_names, or remove enable_iov." % (where, name, type_after)
        )
        return
    if iov_before and type_after != "external" and iov_after:
        ctx.problems.append(
            "%s.switch_type: switch '%s' has SR-IOV enabled, and Hyper-V cannot turn an SR-IOV External switch into "
            "a %s one. Also set enable_iov: false (the switch is then recreated), or keep it External."
            % (where, name, type_after)
        )
        return
    # Creation-only settings: compare resolved values so that "default" never drifts.
    diffs: list[tuple[str, t.Any, t.Any]] = []
    if iov_after != iov_before:
        diffs.append(("enable_iov", iov_before, iov_after))
    mode_before = current.get("minimum_bandwidth_mode")
    if "minimum_bandwidth_mode" in desired:
        mode_after = resolve_mode(ctx, desired["minimum_bandwidth_mode"], iov_after)
    elif iov_after != iov_before:
        keeps_default = mode_before == resolve_mode(ctx, "default", iov_before)
        mode_after = resolve_mode(ctx, "default", iov_after) if keeps_default else mode_before
    else:
        mode_after = mode_before
    if mode_after != mode_before:
        diffs.append(("minimum_bandwidth_mode", mode_before, mode_after))
    packet_before = current.get("enable_packet_direct")
    packet_after = desired.get("enable_packet_direct", packet_before)
    if packet_after != packet_before:
        diffs.append(("enable_packet_direct", packet_before, packet_after))
    teaming_before = current.get("enable_embedded_teaming")
    teaming_after = desired.get("enable_embedded_teaming", teaming_before)
    if len(nics_after or []) > 1 and not teaming_after:
        if desired.get("enable_embedded_teaming") is False:
            ctx.problems.append(
                "%s.enable_embedded_teaming: %d physical adapters need Switch Embedded Teaming. Set "
                "enable_embedded_teaming: true, or name one adapter." % (where, len(nics_after or []))
            )
            return
        teaming_after = True
    if teaming_after != teaming_before and teaming_before is not None:
        diffs.append(("enable_embedded_teaming", teaming_before, teaming_after))
    allow_before = current.get("allow_management_os")
    allow_after = desired.get("allow_management_os", allow_before) if type_after == "external" else (
        type_after == "internal"
    )
    notes_after = desired.get("notes", current.get("notes", ""))
    after = dict(current)
    after.update(
        {
            "switch_type": type_after,
            "enable_iov": iov_after,
            "minimum_bandwidth_mode": mode_after,
            "allow_management_os": allow_after,
            "notes": notes_after,
        }
    )
    if type_after == "external":
        after["net_adapter_names"] = list(nics_after or [])
    else:
        after.pop("net_adapter_names", None)
    if packet_after is not None:
        after["enable_packet_direct"] = packet_after
    if teaming_after is not None:
        after["enable_embedded_teaming"] = teaming_after
    if diffs:
        attached = _attached(ctx, name)
        if ctx.policy.creation_only_changes == "fail":
            ctx.refusals.append(
                {"switch": name, "settings": diffs, "attached": [adapter_label(item) for item in attached]}
            )
            return
        _warn_host_iov(ctx, name, iov_after and not iov_before)
        build_recreate(ctx, current, after, diffs)
        return
    _set_switch(ctx, current, after, desired)


def _set_switch(ctx: Context, current: dict, after: dict, desired: dict) -> None:
    name = current["name"]
    key = name_key(name)
    parameters: dict[str, t.Any] = {}
    commands: list[Command] = []
    changed: list[str] = []
    type_before, type_after = current.get("switch_type"), after["switch_type"]
    nics_before = current.get("net_adapter_names") or []
    nics_after = after.get("net_adapter_names") or []
    if type_after != type_before:
        changed.append("type %s -> %s" % (type_before, type_after))
        if type_after == "external":
            parameters["NetAdapterName"] = list(nics_after)
        else:
            parameters["SwitchType"] = SWITCH_TYPE_VALUES[type_after]
    elif type_after == "external" and sorted(map(name_key, nics_after)) != sorted(map(name_key, nics_before)):
        changed.append("physical adapters %s" % ", ".join(nics_after))
        if after.get("enable_embedded_teaming"):
            commands.append(Command("Set-VMSwitchTeam", {"Name": name, "NetAdapterName": list(nics_after)}))
        else:
            parameters["NetAdapterName"] = list(nics_after)
    if type_after == "external" and "allow_management_os" in desired and after["allow_management_os"] != bool(
        current.get("allow_management_os")
    ):
        parameters["AllowManagementOS"] = after["allow_management_os"]
        changed.append("allow_management_os %s" % after["allow_management_os"])
    if after.get("notes", "") != current.get("notes", ""):
        parameters["Notes"] = after["notes"]
        changed.append("notes")
    if not parameters and not commands:
        return
    if parameters:
        commands.insert(0, Command("Set-VMSwitch", {"Name": name, **parameters}))
    ctx.switches[key] = after
    had_vnic = bool(current.get("allow_management_os"))
    if had_vnic and not after["allow_management_os"]:
        dropped = _drop_vnics(ctx, name)
        if dropped:
            ctx.warnings.append(
                "Switch '%s' no longer allows the management OS: its management-OS adapters %s are removed."
                % (name, ", ".join("'%s'" % item for item in dropped))
            )
    elif not had_vnic and after["allow_management_os"]:
        vnic = _new_vnic(ctx, name)
        ctx.adapters.setdefault(adapter_key(vnic), vnic)
    ctx.add(
        Operation(
            stage=STAGE_SWITCHES,
            action="update",
            target=name,
            commands=commands,
            summary="change switch '%s': %s" % (name, "; ".join(changed)),
            details={"order": 2},
        )
    )


def plan_switches(ctx: Context) -> None:
    section = ctx.want.switches
    if section is None:
        return
    named = {name_key(item.name) for item in section}
    if ctx.state == "overridden":
        # Removals first: a physical adapter freed here may be bound by a switch created below.
        for key, current in list(ctx.switches.items()):
            if key not in named:
                _remove_switch(ctx, current)
    for index, item in enumerate(section):
        where = "config.switches[%d]" % index
        key = name_key(item.name)
        current = ctx.switches.get(key)
        given = item.model_dump(exclude_none=True)
        if ctx.state == "deleted":
            if current is not None:
                _remove_switch(ctx, current)
            continue
        if current is None:
            _create_switch(ctx, where, given)
        else:
            _update_switch(ctx, where, current, given)


# ---------------------------------------------------------------------------------------------
# Recreate


def _vnic_settings(ctx: Context, item: dict) -> dict:
    """The settings of a management-OS adapter worth restoring after it is re-added."""
    facts = ctx.have.adapter(adapter_key(item))
    supported = facts.supported_options if facts is not None else ctx.have.new_adapter_options(True)
    # A re-added adapter starts from Hyper-V's defaults: only the settings that differ need sending.
    return {
        option: item[option]
        for option in ADAPTER_PROPERTIES
        if option in item and option in supported and option not in IOV_ADAPTER_OPTIONS
        and item[option] != ADAPTER_DEFAULTS.get(option)
    }


def _creation_values(ctx: Context, switch: dict) -> dict:
    """New-VMSwitch option values that rebuild ``switch`` as predicted (mode left to Hyper-V when default)."""
    values = dict(switch)
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
    commands = [new_switch_command(values)]
    for item in vm_adapters:
        commands.append(
            Command("Connect-VMNetworkAdapter", {"VMName": item["vm_name"], "Name": item["name"], "SwitchName": target})
        )
    for vnic in vnics:
        if not (values.get("switch_type") == "internal" and name_key(vnic["name"]) == name_key(target)):
            commands.append(
                Command("Add-VMNetworkAdapter", {"ManagementOS": SWITCH, "Name": vnic["name"], "SwitchName": target})
            )
        commands.extend(adapter_commands({"management_os": True, "name": vnic["name"]}, vnic["settings"], None))
    return commands


def build_recreate(ctx: Context, current: dict, after: dict, diffs: list) -> None:
    name = current["name"]
    key = name_key(name)
    parking = PARKING_PREFIX + name
    attached = _attached(ctx, name)
    vm_adapters = [
        {"vm_name": item["vm_name"], "name": item["name"]} for item in attached if not item.get("management_os")
    ]
    vnics_before = [
        {"name": item["name"], "settings": _vnic_settings(ctx, item)} for item in attached if item.get("management_os")
    ]
    keep_vnics = after.get("allow_management_os") or after.get("switch_type") == "internal"
    vnics_after = vnics_before if keep_vnics else []
    creation = _creation_values(ctx, after)
    original = _creation_values(ctx, current)
    record = {
        "target": name,
        "switch": creation,
        "after": after,
        "vm_adapters": vm_adapters,
        "management_os": vnics_after,
    }
    park = [
        Command(
            "New-VMSwitch",
            {"Name": parking, "SwitchType": "Private", "Notes": PARKING_MARKER + json.dumps(record, sort_keys=True)},
        )
    ]
    swap = [
        Command("Connect-VMNetworkAdapter", {"VMName": item["vm_name"], "Name": item["name"], "SwitchName": parking})
        for item in vm_adapters
    ]
    swap.append(Command("Remove-VMSwitch", {"Name": name, "Force": SWITCH}))
    swap.extend(rebuild_commands(name, creation, vm_adapters, vnics_after))
    finish = [Command("Remove-VMSwitch", {"Name": parking, "Force": SWITCH})]
    running = sorted(
        {item["vm_name"] for item in vm_adapters if (ctx.have.vm(item["vm_name"]) or _Off).running}, key=name_key
    )
    if running:
        ctx.warnings.append(
            "Switch '%s' is recreated while running VMs are connected to it: %s. They lose network connectivity "
            "until their adapters are reconnected a moment later." % (name, ", ".join(running))
        )
    if vnics_before and not vnics_after:
        ctx.warnings.append(
            "Switch '%s' is recreated without the management OS: its management-OS adapters %s are not re-added."
            % (name, ", ".join("'%s'" % item["name"] for item in vnics_before))
        )
    # The predicted host: the new switch, the same VM adapters on it, the host adapters re-added.
    # New objects are listed last by the host, so they move to the end here too.
    del ctx.switches[key]
    ctx.switches[key] = after
    for item in attached:
        if item.get("management_os"):
            del ctx.adapters[adapter_key(item)]
            if vnics_after:
                ctx.adapters[adapter_key(item)] = item
    if after.get("allow_management_os") and not vnics_before and after.get("switch_type") == "external":
        vnic = _new_vnic(ctx, name)
        ctx.adapters.setdefault(adapter_key(vnic), vnic)
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
                ", ".join(adapter_label(item) for item in attached) or "no adapters",
            ),
            details={
                "order": 2,
                "parking": parking,
                "record": record,
                "steps": {"park": park, "swap": swap, "finish": finish},
                "original": original,
                "original_switch": dict(current),
                "original_vnics": vnics_before,
                "vm_adapters": vm_adapters,
                "settings": {
                    "%s/%s" % (item["vm_name"], item["name"]): {
                        option: value for option, value in item.items() if option in ADAPTER_PROPERTIES
                    }
                    for item in attached
                    if not item.get("management_os")
                },
            },
        )
    )


class _OffVm:
    running = False


_Off = _OffVm()


def plan_resume(ctx: Context) -> None:
    """Finish recreates that a lost connection interrupted, from the record on the parking switch."""
    for parking in ctx.have.parking:
        record = parking.record
        target = parking.target
        key = name_key(target)
        commands: list[Command] = []
        if key not in ctx.switches:
            creation = dict(record.get("switch") or {})
            vnics = list(record.get("management_os") or [])
            missing_vnics = [vnic for vnic in vnics if ("management_os", name_key(vnic["name"])) not in ctx.adapters]
            adapters_to_connect = []
            for item in record.get("vm_adapters") or []:
                current = ctx.adapters.get(("vm", name_key(item["vm_name"]), name_key(item["name"])))
                if current is not None:
                    adapters_to_connect.append(item)
            commands.extend(rebuild_commands(target, creation, adapters_to_connect, missing_vnics))
            ctx.switches[key] = dict(record.get("after") or {"name": target})
        else:
            for item in record.get("vm_adapters") or []:
                current = ctx.adapters.get(("vm", name_key(item["vm_name"]), name_key(item["name"])))
                if current is not None and name_key(current.get("switch_name") or "") != key:
                    commands.append(
                        Command(
                            "Connect-VMNetworkAdapter",
                            {"VMName": item["vm_name"], "Name": item["name"], "SwitchName": target},
                        )
                    )
            for vnic in record.get("management_os") or []:
                if ("management_os", name_key(vnic["name"])) not in ctx.adapters:
                    commands.append(
                        Command("Add-VMNetworkAdapter", {"ManagementOS": SWITCH, "Name": vnic["name"], "SwitchName": target})
                    )
                    commands.extend(adapter_commands({"management_os": True, "name": vnic["name"]}, vnic["settings"], None))
        for item in record.get("vm_adapters") or []:
            current = ctx.adapters.get(("vm", name_key(item["vm_name"]), name_key(item["name"])))
            if current is not None:
                current["switch_name"] = target
        for vnic in record.get("management_os") or []:
            vnic_key = ("management_os", name_key(vnic["name"]))
            if vnic_key not in ctx.adapters:
                item = _new_vnic(ctx, vnic["name"])
                item.update(vnic["settings"], switch_name=target)
                ctx.adapters[vnic_key] = item
        if record.get("management_os"):
            # Host adapters on a switch are what makes it allow the management OS (and Internal).
            ctx.switches[key]["allow_management_os"] = True
            if ctx.switches[key].get("switch_type") == "private":
                ctx.switches[key]["switch_type"] = "internal"
        commands.append(Command("Remove-VMSwitch", {"Name": parking.switch_name, "Force": SWITCH}))
        ctx.recreated.append(target)
        ctx.warnings.append(
            "Finishing the interrupted recreate of switch '%s' recorded on parking switch '%s'."
            % (target, parking.switch_name)
        )
        ctx.add(
            Operation(
                stage=STAGE_RECREATE,
                action="resume",
                target=target,
                commands=commands,
                summary="finish recreating switch '%s' and remove parking switch '%s'" % (target, parking.switch_name),
                details={"parking": parking.switch_name},
            )
        )
