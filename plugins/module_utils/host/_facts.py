# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_info's facts: capability with Hyper-V's reasons, requested vs effective values, and why
an adapter has no virtual function.

Private to the collection. Pure functions over the records ``_host.read_host`` parses from what
the host reports (``_host_parse``), so that every conclusion can be drawn on a real host too:
nothing here asks the emulator how it decided.
"""

from __future__ import annotations

import typing as t

from ansible_collections.sriov.hyperv.plugins.module_utils.spec._identity import AdapterIdentity, some_labels
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import config_to_dict, name_key

# Reason codes, in the order they are checked. The host's own signals come first (the adapter's
# IsLegacy, the switch's type and IovEnabled, Get-VMHost's and Get-VMSwitch's IovSupport, the
# NIC's SriovSupport / Enabled / NumVFs, IovWeight, the VM's state); the two inferences ("no VF
# left", "the guest took none") come last and only when no signal stands in the way. Within the
# signals the order goes from the cause furthest from the guest to the nearest.
NOT_CONNECTED = "not_connected"
MANAGEMENT_OS = "management_os_adapter"
LEGACY_ADAPTER = "legacy_adapter"
SWITCH_NOT_EXTERNAL = "switch_not_external"
SWITCH_IOV_DISABLED = "switch_iov_disabled"
HOST_IOV_UNSUPPORTED = "host_iov_unsupported"
SWITCH_IOV_UNSUPPORTED = "switch_iov_unsupported"
NIC_SRIOV_UNSUPPORTED = "nic_sriov_unsupported"
NIC_SRIOV_DISABLED = "nic_sriov_disabled"
NIC_NO_VFS = "nic_no_vfs"
IOV_WEIGHT_ZERO = "iov_weight_zero"
VM_NOT_RUNNING = "vm_not_running"
NO_VF_AVAILABLE = "no_vf_available"
GUEST_NO_VF = "guest_no_vf"

REASON_CODES = (
    NOT_CONNECTED,
    MANAGEMENT_OS,
    LEGACY_ADAPTER,
    SWITCH_NOT_EXTERNAL,
    SWITCH_IOV_DISABLED,
    HOST_IOV_UNSUPPORTED,
    SWITCH_IOV_UNSUPPORTED,
    NIC_SRIOV_UNSUPPORTED,
    NIC_SRIOV_DISABLED,
    NIC_NO_VFS,
    IOV_WEIGHT_ZERO,
    VM_NOT_RUNNING,
    NO_VF_AVAILABLE,
    GUEST_NO_VF,
)


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


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith(".") else text + "."


# --- records ------------------------------------------------------------------------------------


def host_record(host: t.Any) -> dict[str, t.Any]:
    return {
        "name": host.name,
        "iov_support": bool(host.iov_support),
        "iov_support_reasons": _strings(host.iov_support_reasons),
    }


def physical_adapter_record(nic: t.Any, switch_name: str | None) -> dict[str, t.Any]:
    """One physical adapter: its support, what is in effect, and what is configured but pending."""
    configured_enabled = nic.configured_sriov_enabled if nic.configured_sriov_enabled is not None else nic.sriov_enabled
    configured_vfs = nic.configured_num_vfs if nic.configured_num_vfs is not None else nic.num_vfs
    return {
        "name": nic.name,
        "interface_description": nic.description,
        "sriov_support": nic.sriov_support,
        "sriov_enabled": bool(nic.sriov_enabled),
        "num_vfs": _int(nic.num_vfs),
        "num_allocated_vfs": _int(nic.num_allocated_vfs),
        "max_vfs": nic.max_vfs,
        "sriov_enabled_configured": bool(configured_enabled),
        "num_vfs_configured": _int(configured_vfs),
        "restart_pending": bool(nic.pending),
        "switch_name": switch_name,
    }


def _sriov_capable(nic: t.Any) -> bool:
    """Get-NetAdapterSriov lists the physical adapter and its SriovSupport says Supported."""
    return bool(nic.sriov_listed) and (nic.sriov_support or "").lower() == "supported"


def _has_vf(adapter: t.Any) -> bool:
    # IovUsage counts the VFs the port uses; VirtualFunction is non-null only when it is > 0
    # (reference/hyperv-sriov.md section 1.6), and the read does not ask for it.
    return _int(adapter.iov_usage) > 0


def _connected(adapter: t.Any) -> bool:
    if not adapter.switch_name:
        return False
    # Host vNICs have no Connected property; their switch name is their connection.
    return True if adapter.connected is None else bool(adapter.connected)


def _holder_label(adapter: t.Any) -> str:
    if adapter.management_os:
        return "management OS/%s" % adapter.name
    return "%s/%s" % (adapter.vm_name, adapter.name)


def _on_switch(adapters: t.Sequence[t.Any], switch_name: str) -> list[t.Any]:
    key = name_key(switch_name)
    return [a for a in adapters if _connected(a) and name_key(a.switch_name) == key]


def switch_record(switch: t.Any, adapters: t.Sequence[t.Any]) -> dict[str, t.Any]:
    on_switch = _on_switch(adapters, switch.name)
    holders = [a for a in on_switch if _has_vf(a)]
    waiting = [a for a in on_switch if not a.management_os and _int(a.iov_weight) > 0 and not _has_vf(a)]
    total = _int(switch.iov_vf_count)
    in_use = _int(switch.iov_vf_in_use)
    return {
        "name": switch.name,
        "id": switch.id,
        "switch_type": switch.switch_type,
        "net_adapter_names": list(switch.nic_names),
        "enable_iov": bool(switch.iov_enabled),
        "iov_support": bool(switch.iov_support),
        "iov_support_reasons": _strings(switch.iov_support_reasons),
        "minimum_bandwidth_mode": switch.bandwidth_mode,
        "enable_embedded_teaming": bool(switch.embedded_teaming_enabled),
        "enable_packet_direct": bool(switch.packet_direct_enabled),
        "load_balancing_algorithm": switch.load_balancing_algorithm,
        "allow_management_os": bool(switch.allow_management_os),
        "virtual_functions": {
            "total": total,
            "in_use": in_use,
            "free": max(total - in_use, 0),
            "holders": [_holder_label(a) for a in holders],
            "requesting_without_vf": [_holder_label(a) for a in waiting],
        },
        "queue_pairs": {
            "total": _int(switch.iov_queue_pair_count),
            "in_use": _int(switch.iov_queue_pairs_in_use),
        },
    }


def no_vf_reasons(
    adapter: t.Any,
    host: t.Any,
    switch: t.Any | None,
    switch_nics: t.Sequence[t.Any],
    vm: t.Any | None,
    holders: t.Sequence[str],
    spare_nics: t.Sequence[str] = (),
) -> list[dict[str, t.Any]]:
    """Why ``adapter`` has no virtual function, most fundamental first; [] when it has one.

    ``holders`` are the labels of the adapters holding a VF on the adapter's switch (``_holders``),
    computed once per switch: per adapter, it made a host of 1,000 waiting adapters quadratic.
    ``spare_nics`` are the host's SR-IOV capable physical adapters bound to no switch
    (``_spare_sriov_nics``): only with one is rebinding a switch a remedy that can work.

    Every reason that holds is listed, except the last two: "no VF left" and "the guest did not
    take one" are conclusions that only make sense when nothing on the host side stands in the way.
    """
    if _has_vf(adapter):
        return []
    if adapter.management_os:
        return [_reason(MANAGEMENT_OS, "Host virtual network adapters of the management OS cannot use a virtual function.")]
    if not _connected(adapter) or switch is None:
        return [_reason(NOT_CONNECTED, "The adapter is not connected to a virtual switch. Connect it to an External "
                                       "switch created with SR-IOV (its switch_name).")]

    reasons: list[dict[str, t.Any]] = []
    capable_nics = [nic for nic in switch_nics if _sriov_capable(nic)]
    external = (switch.switch_type or "external") == "external"
    if adapter.is_legacy:
        # SR-IOV pairs a virtual function with the synthetic adapter (netvsc) in the guest: a legacy
        # (emulated) adapter never gets one (MicrosoftDocs windowsserverdocs, Hyper-V-feature-
        # compatibility-by-generation-and-guest.md; torvalds/linux, Documentation/networking/
        # device_drivers/ethernet/microsoft/netvsc.rst). The new adapter goes on this switch only
        # when this switch can give a VF at all; a Private switch never can.
        where = ("switch '%s'" % switch.name if external and switch.iov_enabled
                 else "an External switch created with SR-IOV")
        reasons.append(_reason(
            LEGACY_ADAPTER,
            "The adapter is a legacy network adapter (IsLegacy): SR-IOV works with synthetic network adapters only. "
            "Add a network adapter (not legacy) to VM '%s' on %s and give it the iov_weight%s."
            % (adapter.vm_name, where, " (the VM must be off to add one)" if vm is not None and
               vm.generation == 1 else ""),
        ))
    if not external:
        reasons.append(_reason(
            SWITCH_NOT_EXTERNAL,
            "Switch '%s' is %s: SR-IOV needs an External switch bound to an SR-IOV capable physical adapter. "
            "Connect the adapter to such a switch." % (switch.name, (switch.switch_type or "").capitalize()),
        ))
    elif not switch.iov_enabled:
        remedy = (
            "Recreate it with enable_iov: true (creation_only_changes: recreate), or connect the adapter to a "
            "switch that has SR-IOV." if capable_nics else
            "Its physical adapters cannot provide SR-IOV either (below): connect the adapter to an SR-IOV switch."
        )
        reasons.append(_reason(
            SWITCH_IOV_DISABLED,
            "Switch '%s' was created without SR-IOV (IovEnabled is false), which can only be chosen when a switch "
            "is created. %s" % (switch.name, remedy),
        ))
    host_reasons = _strings(host.iov_support_reasons) if host is not None else []
    if host is not None and host.iov_support is False:
        reasons.append(_reason(
            HOST_IOV_UNSUPPORTED,
            "The host does not support SR-IOV%s"
            % (": " + " ".join(_sentence(r) for r in host_reasons) if host_reasons else "."),
            hyperv_reasons=host_reasons,
        ))
    if external and switch.iov_enabled and not switch.iov_support:
        # A switch repeats the platform's reasons next to its adapters' (Get-VMSwitch
        # IovSupportReasons mixes both): only what the host's own reasons do not already say.
        hyperv = [r for r in _strings(switch.iov_support_reasons) if r not in host_reasons]
        if hyperv or not host_reasons:
            reasons.append(_reason(
                SWITCH_IOV_UNSUPPORTED,
                "Switch '%s' cannot provide SR-IOV%s"
                % (switch.name, ": " + " ".join(_sentence(r) for r in hyperv) if hyperv else "."),
                hyperv_reasons=hyperv,
            ))
    # SriovSupport names what is missing (MissingAcs, NoIoMmuSupport, MissingPfDriver ...: the
    # NetAdapterSriov enum), fixed in firmware, BIOS or the driver. Binding the switch to another
    # adapter (Set-VMSwitch -NetAdapterName) is offered only when the host has a capable one free.
    rebind = (" Or bind switch '%s' to %s, which supports SR-IOV and is bound to no switch (net_adapter_names)."
              % (switch.name, " or ".join("'%s'" % name for name in spare_nics)) if spare_nics else "")
    for nic in switch_nics if external else []:
        if not nic.sriov_listed:
            reasons.append(_reason(
                NIC_SRIOV_UNSUPPORTED,
                "Physical adapter '%s' has no SR-IOV support (Get-NetAdapterSriov does not list it): it cannot "
                "give virtual functions.%s" % (nic.name, rebind),
                adapter=nic.name,
            ))
        elif nic.sriov_support is not None and nic.sriov_support.lower() != "supported":
            reasons.append(_reason(
                NIC_SRIOV_UNSUPPORTED,
                "Physical adapter '%s' reports SR-IOV support '%s'. Fix what it names (firmware, BIOS or the adapter's "
                "driver).%s" % (nic.name, nic.sriov_support, rebind),
                adapter=nic.name,
            ))
        elif not nic.sriov_enabled:
            pending = (" It is enabled in its configuration and takes effect when the adapter restarts (restart: "
                       "true)." if nic.configured_sriov_enabled else
                       " Set sriov_enabled: true on it (the adapter restarts to apply it).")
            reasons.append(_reason(
                NIC_SRIOV_DISABLED,
                "SR-IOV is disabled on physical adapter '%s'.%s" % (nic.name, pending),
                adapter=nic.name,
            ))
        elif _int(nic.num_vfs) == 0:
            # The NIC's own NumVFs, not the switch's counters: "all 0 VFs in use" would blame other adapters.
            configured = _int(nic.configured_num_vfs)
            remedy = (
                " NumVFs %d is configured and takes effect when the adapter restarts (restart: true)." % configured
                if configured else
                " Set num_vfs on it (up to %s; the adapter restarts to apply it)." % (nic.max_vfs or "its maximum")
            )
            reasons.append(_reason(
                NIC_NO_VFS,
                "Physical adapter '%s' has SR-IOV enabled but NumVFs 0: it offers no virtual function.%s"
                % (nic.name, remedy),
                adapter=nic.name,
            ))
    if _int(adapter.iov_weight) == 0:
        reasons.append(_reason(IOV_WEIGHT_ZERO, "The adapter's iov_weight is 0, which turns SR-IOV off for it. "
                                                "Give it an iov_weight from 1 to 100."))
    if vm is not None and not vm.running:
        reasons.append(_reason(VM_NOT_RUNNING, "VM '%s' is not running (state %s); a VM gets virtual functions "
                                               "while it runs." % (vm.name, vm.state)))
    if reasons:
        return reasons

    total = _int(switch.iov_vf_count)
    in_use = _int(switch.iov_vf_in_use)
    if in_use >= total:
        growable = [nic for nic in capable_nics if nic.max_vfs is not None and _int(nic.num_vfs) < nic.max_vfs]
        # Which adapter gets a freed VF is documented only as IovWeight's "relative importance"
        # (reference 2.7: the arbitration is unconfirmed), so the message states no order. Turning
        # SR-IOV off where it is not needed is Microsoft's own remedy (the BPA rule, reference 2.6).
        remedy = " Set iov_weight 0 on adapters that do not need SR-IOV, which frees their virtual functions"
        if growable:
            remedy += ", or raise num_vfs on %s" % ", ".join(
                "'%s' (%d of at most %d)" % (nic.name, _int(nic.num_vfs), nic.max_vfs) for nic in growable)
        return [_reason(
            NO_VF_AVAILABLE,
            "All %d virtual functions of switch '%s' are in use%s; Hyper-V gives a freed one by iov_weight, the "
            "adapters' relative importance.%s." % (
                total, switch.name,
                " (held by %s)" % some_labels(holders, _LISTED, "see the switch's virtual_functions.holders")
                if holders else "", remedy),
        )]
    described = [text for text in adapter.status_description if text.strip() and text.strip().upper() != "OK"]
    return [_reason(
        GUEST_NO_VF,
        "Virtual functions are free on switch '%s', but the guest did not take one (guest OS without SR-IOV "
        "support or without a VF driver)%s." % (
            switch.name, "; the host reports: %s" % " ".join(_sentence(text) for text in described).rstrip(".")
            if described else ""),
    )]


def _by_switch(adapters: t.Sequence[t.Any]) -> dict[str, list[t.Any]]:
    """The connected adapters of every switch, in the host's order (one pass over the adapters)."""
    grouped: dict[str, list[t.Any]] = {}
    for adapter in adapters:
        if _connected(adapter):
            grouped.setdefault(name_key(adapter.switch_name), []).append(adapter)
    return grouped


# How many names a message lists before "and N more": a switch with 64 VFs would otherwise repeat
# 64 names in the message of every adapter waiting for one. The whole list is the switch's
# ``virtual_functions.holders``, once: a copy in each waiting adapter's reason made the result grow
# with adapters x VFs (60,000 of the 112,755 values of a 1,000-adapter host with 64 VFs).
_LISTED = 8


def _holders(adapters: t.Sequence[t.Any]) -> list[str]:
    """Labels of the adapters among ``adapters`` that hold a virtual function."""
    return [_holder_label(a) for a in adapters if _has_vf(a)]


def _spare_sriov_nics(observed: t.Any) -> list[str]:
    """The host's physical adapters that report SR-IOV support and are bound to no switch."""
    bound = {name_key(name) for switch in observed.switches for name in switch.nic_names}
    return [nic.name for nic in observed.nics if _sriov_capable(nic) and name_key(nic.name) not in bound]


def vm_adapter_record(adapter: t.Any, observed: t.Any, configured: dict[str, t.Any],
                      holders_by_switch: dict[str, list[str]] | None = None,
                      spare_nics: t.Sequence[str] | None = None) -> dict[str, t.Any]:
    """One adapter: identity, requested (its settings) vs effective (what the host granted), reasons.

    ``holders_by_switch`` (switch name key -> ``_holders`` of its connected adapters) and
    ``spare_nics`` (``_spare_sriov_nics``) save a scan per adapter on a big host.
    """
    switch = observed.switch(adapter.switch_name) if adapter.switch_name else None
    vm = None if adapter.management_os else observed.vm(adapter.vm_name or "")
    switch_nics = [nic for nic in (observed.nic(name) for name in (switch.nic_names if switch else [])) if nic]
    requested = {
        "vmq_weight": configured.get("vmq_weight"),
        "ipsec_offload_max_sa": configured.get("ipsec_offload_max_sa"),
        "vrss_enabled": adapter.vrss_enabled_requested,
        "vmmq_enabled": adapter.vmmq_enabled_requested,
        "vmmq_queue_pairs": adapter.vrss_max_queue_pairs_requested,
    }
    effective = {
        "vrss_enabled": adapter.vrss_enabled,
        "vmmq_enabled": adapter.vmmq_enabled,
        "vmmq_queue_pairs": adapter.vrss_max_queue_pairs,
    }
    if not adapter.management_os:
        # Host vNICs have no Iov* properties at all; zeros for them would be invented.
        requested.update(
            iov_weight=_int(adapter.iov_weight),
            iov_queue_pairs_requested=adapter.iov_queue_pairs_requested,
            iov_interrupt_moderation=configured.get("iov_interrupt_moderation"),
        )
        effective.update(
            iov_usage=_int(adapter.iov_usage),
            virtual_function=_has_vf(adapter),
            iov_queue_pairs_assigned=_int(adapter.iov_queue_pairs_assigned),
            vf_data_path_active=bool(adapter.vf_data_path_active),
        )
    return {
        "vm_name": None if adapter.management_os else adapter.vm_name,
        "management_os": bool(adapter.management_os),
        "name": adapter.name,
        "switch_name": adapter.switch_name,
        "connected": _connected(adapter),
        "vm_state": None if vm is None else vm.state,
        "mac_address": adapter.mac_address,
        "status": list(adapter.status),
        "requested": requested,
        "effective": effective,
        "sriov_active": _has_vf(adapter),
        "no_vf_reasons": no_vf_reasons(
            adapter, observed.host, switch, switch_nics, vm,
            _switch_holders(observed, adapter, holders_by_switch),
            _spare_sriov_nics(observed) if spare_nics is None else spare_nics,
        ),
    }


def _switch_holders(observed: t.Any, adapter: t.Any, holders_by_switch: dict[str, list[str]] | None) -> list[str]:
    if not adapter.switch_name:
        return []
    if holders_by_switch is None:
        return _holders(_on_switch(observed.adapters, adapter.switch_name))
    return holders_by_switch.get(name_key(adapter.switch_name), [])


def host_facts(observed: t.Any) -> dict[str, t.Any]:
    """Every fact host_info returns, from one read of the host (``_host.read_host``)."""
    config = config_to_dict(observed.config)
    configured_adapters = {}
    for item in config.get("vm_adapters") or []:
        configured_adapters[AdapterIdentity.of(item).key()] = item
    holders_by_switch = {key: _holders(adapters) for key, adapters in _by_switch(observed.adapters).items()}
    spare = _spare_sriov_nics(observed)
    switch_of_nic: dict[str, str] = {}
    for switch in observed.switches:
        for nic_name in switch.nic_names:
            switch_of_nic.setdefault(name_key(nic_name), switch.name)
    return {
        "host": host_record(observed.host),
        "physical_adapters": [
            physical_adapter_record(nic, switch_of_nic.get(name_key(nic.name)))
            for nic in observed.nics
            if nic.sriov_listed or nic.configured_sriov_enabled is not None
        ],
        "switches": [switch_record(switch, observed.adapters) for switch in observed.switches],
        "vm_adapters": [
            vm_adapter_record(adapter, observed, configured_adapters.get(adapter.key(), {}), holders_by_switch, spare)
            for adapter in observed.adapters
        ],
        "config": config,
    }
