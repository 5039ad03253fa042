# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_info's facts: capability with Hyper-V's reasons, requested vs effective values, and why
an adapter has no virtual function.

Private to the collection. Pure functions over what the host reports (Hyper-V's property names,
as the runner returns them), so that every conclusion can be drawn on a real host too: nothing
here asks the emulator how it decided.
"""

from __future__ import annotations

import typing as t

from ansible_collections.sriov.hyperv.plugins.module_utils._spec import name_key

Props = t.Mapping[str, t.Any]

# Reason codes, in the order they are checked. The order goes from the cause furthest from the
# guest to the nearest, so the first reason is the one to fix first.
NOT_CONNECTED = "not_connected"
MANAGEMENT_OS = "management_os_adapter"
SWITCH_IOV_DISABLED = "switch_iov_disabled"
HOST_IOV_UNSUPPORTED = "host_iov_unsupported"
SWITCH_IOV_UNSUPPORTED = "switch_iov_unsupported"
NIC_SRIOV_UNSUPPORTED = "nic_sriov_unsupported"
NIC_SRIOV_DISABLED = "nic_sriov_disabled"
IOV_WEIGHT_ZERO = "iov_weight_zero"
VM_NOT_RUNNING = "vm_not_running"
NO_VF_AVAILABLE = "no_vf_available"
GUEST_NO_VF = "guest_no_vf"

REASON_CODES = (
    NOT_CONNECTED,
    MANAGEMENT_OS,
    SWITCH_IOV_DISABLED,
    HOST_IOV_UNSUPPORTED,
    SWITCH_IOV_UNSUPPORTED,
    NIC_SRIOV_UNSUPPORTED,
    NIC_SRIOV_DISABLED,
    IOV_WEIGHT_ZERO,
    VM_NOT_RUNNING,
    NO_VF_AVAILABLE,
    GUEST_NO_VF,
)


def _get(props: Props | None, name: str, default: t.Any = None) -> t.Any:
    """A property by name, without regard to case (PowerShell's rule; e.g. ``VMQWeight``)."""
    if not props:
        return default
    if name in props:
        value = props[name]
        return default if value is None else value
    lowered = name.lower()
    for key, value in props.items():
        if key.lower() == lowered:
            return default if value is None else value
    return default


def _int(value: t.Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _strings(value: t.Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value if item is not None and str(item).strip()]
    return [str(value)] if str(value).strip() else []


def _reason(code: str, message: str, **extra: t.Any) -> dict[str, t.Any]:
    reason: dict[str, t.Any] = {"code": code, "message": message}
    reason.update(extra)
    return reason


def _enum_text(value: t.Any) -> str | None:
    return None if value is None else str(value).lower()


# --- records ------------------------------------------------------------------------------------


def host_record(host: Props | None) -> dict[str, t.Any]:
    reasons = _strings(_get(host, "IovSupportReasons"))
    return {
        "name": _get(host, "ComputerName") or _get(host, "Name"),
        "iov_support": bool(_get(host, "IovSupport", False)),
        "iov_support_reasons": reasons,
    }


def physical_adapter_record(nic: Props) -> dict[str, t.Any]:
    """One physical adapter: support, the effective values, and what is configured but pending."""
    enabled = bool(_get(nic, "Enabled", False))
    num_vfs = _int(_get(nic, "NumVFs"))
    configured_enabled = _get(nic, "EnabledConfigured", enabled)
    configured_vfs = _get(nic, "NumVFsConfigured", num_vfs)
    support = _get(nic, "SriovSupport")
    return {
        "name": _get(nic, "Name"),
        "interface_description": _get(nic, "InterfaceDescription"),
        "sriov_support": None if support is None else str(support),
        "sriov_enabled": enabled,
        "num_vfs": num_vfs,
        "num_allocated_vfs": _int(_get(nic, "NumAllocatedVFs")),
        "sriov_enabled_configured": bool(configured_enabled),
        "num_vfs_configured": _int(configured_vfs),
        "restart_pending": bool(configured_enabled) != enabled or _int(configured_vfs) != num_vfs,
    }


def _switch_nics(switch: Props, nics_by_key: dict[str, dict[str, t.Any]]) -> list[dict[str, t.Any]]:
    """The physical adapters behind an external switch, matched by name or interface description
    (a SET switch lists member names, a plain one the interface description)."""
    found = []
    wanted = _strings(_get(switch, "NetAdapterInterfaceDescriptions")) or _strings(
        _get(switch, "NetAdapterInterfaceDescription")
    )
    for label in wanted:
        nic = nics_by_key.get(name_key(label))
        if nic is not None and nic not in found:
            found.append(nic)
    return found


def _adapter_has_vf(adapter: Props) -> bool:
    return _int(_get(adapter, "IovUsage")) > 0 or _get(adapter, "VirtualFunction") not in (None, "")


def _adapter_identity(adapter: Props) -> dict[str, t.Any]:
    management_os = bool(_get(adapter, "IsManagementOs", False))
    return {
        "vm_name": None if management_os else _get(adapter, "VMName"),
        "management_os": management_os,
        "name": _get(adapter, "Name"),
    }


def _holder_label(adapter: Props) -> str:
    identity = _adapter_identity(adapter)
    if identity["management_os"]:
        return "management OS/%s" % identity["name"]
    return "%s/%s" % (identity["vm_name"], identity["name"])


def switch_record(
    switch: Props,
    nics_by_key: dict[str, dict[str, t.Any]],
    adapters: t.Sequence[Props],
) -> dict[str, t.Any]:
    name = _get(switch, "Name")
    on_switch = [a for a in adapters if _connected_to(a) and name_key(str(_get(a, "SwitchName"))) == name_key(name)]
    holders = [a for a in on_switch if _adapter_has_vf(a)]
    waiting = [
        a
        for a in on_switch
        if not _get(a, "IsManagementOs", False) and _int(_get(a, "IovWeight")) > 0 and not _adapter_has_vf(a)
    ]
    total = _int(_get(switch, "IovVirtualFunctionCount"))
    in_use = _int(_get(switch, "IovVirtualFunctionsInUse"))
    return {
        "name": name,
        "id": _get(switch, "Id"),
        "switch_type": _enum_text(_get(switch, "SwitchType")),
        "net_adapter_names": [nic["name"] for nic in _switch_nics(switch, nics_by_key)],
        "enable_iov": bool(_get(switch, "IovEnabled", False)),
        "iov_support": bool(_get(switch, "IovSupport", False)),
        "iov_support_reasons": _strings(_get(switch, "IovSupportReasons")),
        "minimum_bandwidth_mode": _enum_text(_get(switch, "BandwidthReservationMode")),
        "enable_embedded_teaming": bool(_get(switch, "EmbeddedTeamingEnabled", False)),
        "enable_packet_direct": bool(_get(switch, "PacketDirectEnabled", False)),
        "allow_management_os": bool(_get(switch, "AllowManagementOS", False)),
        "virtual_functions": {
            "total": total,
            "in_use": in_use,
            "free": max(total - in_use, 0),
            "holders": [_holder_label(a) for a in holders],
            "requesting_without_vf": [_holder_label(a) for a in waiting],
        },
        "queue_pairs": {
            "total": _int(_get(switch, "IovQueuePairCount")),
            "in_use": _int(_get(switch, "IovQueuePairsInUse")),
        },
    }


def _connected_to(adapter: Props) -> bool:
    switch_name = _get(adapter, "SwitchName")
    if not switch_name:
        return False
    # Host vNICs have no Connected property; their switch name is their connection.
    connected = _get(adapter, "Connected")
    return True if connected is None else bool(connected)


def no_vf_reasons(
    adapter: Props,
    host: Props | None,
    switch: Props | None,
    switch_nics: t.Sequence[dict[str, t.Any]],
    vm: Props | None,
    switch_adapters: t.Sequence[Props],
) -> list[dict[str, t.Any]]:
    """Why ``adapter`` has no virtual function, most fundamental first; [] when it has one."""
    if _adapter_has_vf(adapter):
        return []
    if _get(adapter, "IsManagementOs", False):
        return [_reason(MANAGEMENT_OS, "Host virtual network adapters of the management OS cannot use a virtual function.")]
    if not _connected_to(adapter) or switch is None:
        return [_reason(NOT_CONNECTED, "The adapter is not connected to a virtual switch.")]

    reasons: list[dict[str, t.Any]] = []
    switch_name = _get(switch, "Name")
    if not _get(switch, "IovEnabled", False):
        reasons.append(
            _reason(
                SWITCH_IOV_DISABLED,
                "Switch '%s' was created without SR-IOV (IovEnabled is false); IOV can only be chosen when "
                "a switch is created." % switch_name,
            )
        )
    if host is not None and not _get(host, "IovSupport", False):
        host_reasons = _strings(_get(host, "IovSupportReasons"))
        reasons.append(
            _reason(
                HOST_IOV_UNSUPPORTED,
                "The host does not support SR-IOV%s" % (": " + " ".join(host_reasons) if host_reasons else "."),
                hyperv_reasons=host_reasons,
            )
        )
    if _get(switch, "IovEnabled", False) and not _get(switch, "IovSupport", False):
        switch_reasons = _strings(_get(switch, "IovSupportReasons"))
        reasons.append(
            _reason(
                SWITCH_IOV_UNSUPPORTED,
                "Switch '%s' cannot provide SR-IOV%s"
                % (switch_name, ": " + " ".join(switch_reasons) if switch_reasons else "."),
                hyperv_reasons=switch_reasons,
            )
        )
    for nic in switch_nics:
        support = nic.get("sriov_support")
        if support is not None and support.lower() != "supported":
            reasons.append(
                _reason(
                    NIC_SRIOV_UNSUPPORTED,
                    "Physical adapter '%s' reports SR-IOV support '%s'." % (nic["name"], support),
                    adapter=nic["name"],
                )
            )
        if not nic.get("sriov_enabled"):
            pending = " (enabled, waiting for an adapter restart)" if nic.get("sriov_enabled_configured") else ""
            reasons.append(
                _reason(
                    NIC_SRIOV_DISABLED,
                    "SR-IOV is disabled on physical adapter '%s'%s." % (nic["name"], pending),
                    adapter=nic["name"],
                )
            )
    if _int(_get(adapter, "IovWeight")) == 0:
        reasons.append(_reason(IOV_WEIGHT_ZERO, "The adapter's iov_weight is 0, which turns SR-IOV off for it."))
    vm_state = _get(vm, "State")
    if vm is not None and str(vm_state).lower() != "running":
        reasons.append(_reason(VM_NOT_RUNNING, "VM '%s' is not running (state %s)." % (_get(vm, "Name"), vm_state)))
    if reasons:
        return reasons

    total = _int(_get(switch, "IovVirtualFunctionCount"))
    in_use = _int(_get(switch, "IovVirtualFunctionsInUse"))
    if in_use >= total:
        holders = [_holder_label(a) for a in switch_adapters if _adapter_has_vf(a)]
        return [
            _reason(
                NO_VF_AVAILABLE,
                "All %d virtual functions of switch '%s' are in use%s." % (
                    total, switch_name, " (held by %s)" % ", ".join(holders) if holders else ""),
                holders=holders,
            )
        ]
    return [
        _reason(
            GUEST_NO_VF,
            "The guest did not take a virtual function (guest OS without SR-IOV support or without a VF driver).",
        )
    ]


def vm_adapter_record(
    adapter: Props,
    host: Props | None,
    switches_by_key: dict[str, Props],
    switch_nics_by_key: dict[str, list[dict[str, t.Any]]],
    vms_by_key: dict[str, Props],
    adapters: t.Sequence[Props],
) -> dict[str, t.Any]:
    identity = _adapter_identity(adapter)
    switch_name = _get(adapter, "SwitchName")
    switch_key = name_key(switch_name) if switch_name else None
    switch = switches_by_key.get(switch_key) if switch_key else None
    vm = None if identity["management_os"] else vms_by_key.get(name_key(identity["vm_name"] or ""))
    switch_adapters = [a for a in adapters if switch_key and _connected_to(a) and name_key(str(_get(a, "SwitchName"))) == switch_key]
    management_os = identity["management_os"]
    requested = {
        "vmq_weight": _get(adapter, "VMQWeight"),
        "ipsec_offload_max_sa": _get(adapter, "IPsecOffloadMaxSA"),
        "vrss_enabled": _get(adapter, "VrssEnabledRequested"),
        "vmmq_enabled": _get(adapter, "VmmqEnabledRequested"),
        "vmmq_queue_pairs": _get(adapter, "VrssMaxQueuePairsRequested"),
    }
    effective = {
        "vmq_usage": _get(adapter, "VmqUsage"),
        "ipsec_offload_sa_usage": _get(adapter, "IPsecOffloadSAUsage"),
        "vrss_enabled": _get(adapter, "VrssEnabled"),
        "vmmq_enabled": _get(adapter, "VmmqEnabled"),
        "vmmq_queue_pairs": _get(adapter, "VrssMaxQueuePairs"),
    }
    if not management_os:
        # Host vNICs have no Iov* properties at all; reporting zeros for them would be invented.
        requested.update(
            iov_weight=_int(_get(adapter, "IovWeight")),
            iov_queue_pairs_requested=_get(adapter, "IovQueuePairsRequested"),
            iov_interrupt_moderation=_enum_text(_get(adapter, "IovInterruptModeration")),
        )
        effective.update(
            iov_usage=_int(_get(adapter, "IovUsage")),
            virtual_function=_adapter_has_vf(adapter),
            iov_queue_pairs_assigned=_int(_get(adapter, "IovQueuePairsAssigned")),
            vf_data_path_active=bool(_get(adapter, "VFDataPathActive", False)),
        )
    record = dict(identity)
    record.update(
        switch_name=switch_name,
        connected=_connected_to(adapter),
        vm_state=None if vm is None else str(_get(vm, "State")),
        mac_address=_get(adapter, "MacAddress"),
        status=_strings(_get(adapter, "Status")),
        requested=requested,
        effective=effective,
        sriov_active=_adapter_has_vf(adapter),
        no_vf_reasons=no_vf_reasons(
            adapter, host, switch, switch_nics_by_key.get(switch_key or "", []), vm, switch_adapters
        ),
    )
    return record


def build_facts(
    host: Props | None,
    switches: t.Sequence[Props],
    adapters: t.Sequence[Props],
    physical_adapters: t.Sequence[Props],
    vms: t.Sequence[Props],
    config: dict[str, t.Any] | None = None,
) -> dict[str, t.Any]:
    """Every fact host_info returns, from the host's objects as Hyper-V names their properties."""
    nics = [physical_adapter_record(nic) for nic in physical_adapters]
    nics_by_key: dict[str, dict[str, t.Any]] = {}
    for nic in nics:
        for label in (nic["name"], nic["interface_description"]):
            if label:
                nics_by_key.setdefault(name_key(label), nic)
    switches_by_key = {name_key(_get(s, "Name")): s for s in switches if _get(s, "Name")}
    switch_nics_by_key = {key: _switch_nics(s, nics_by_key) for key, s in switches_by_key.items()}
    vms_by_key = {name_key(_get(vm, "Name")): vm for vm in vms if _get(vm, "Name")}
    # Which switch uses each physical adapter helps read the SR-IOV settings in context.
    for key, switch_nics in switch_nics_by_key.items():
        for nic in switch_nics:
            nic.setdefault("switch_name", _get(switches_by_key[key], "Name"))
    for nic in nics:
        nic.setdefault("switch_name", None)
    return {
        "host": host_record(host),
        "physical_adapters": nics,
        "switches": [switch_record(s, nics_by_key, adapters) for s in switches],
        "vm_adapters": [
            vm_adapter_record(a, host, switches_by_key, switch_nics_by_key, vms_by_key, adapters) for a in adapters
        ],
        "config": config if config is not None else {},
    }
