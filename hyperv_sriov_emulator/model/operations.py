"""State changes shared by the cmdlets and the scenario loader. They change state only; the
cmdlets validate first and the caller reallocates VFs afterwards."""

from __future__ import annotations

import typing as t

from . import versions
from .entities import ADAPTER_DEFAULTS, NetworkAdapter, PhysicalNic, VirtualMachine, VSwitch
from .host import HostState


def add_nic(host: HostState, name: str, interface_description: str, **fields: t.Any) -> PhysicalNic:
    nic = PhysicalNic(
        name=name,
        interface_description=interface_description,
        interface_guid=fields.pop("interface_guid", None) or host.new_id("nic"),
        if_index=fields.pop("if_index", None) or host.new_if_index(),
        mac_address=fields.pop("mac_address", None) or host.new_mac(),
        **fields,
    )
    host.nics[name.lower()] = nic
    return nic


MAX_TEAM_SIZE = 8

# The rules check_switch can report; each caller words its own error for them.
SEVERAL_NICS_WITHOUT_TEAMING = "several-nics-without-teaming"
TEAMING_WITHOUT_NIC = "teaming-without-nic"
TOO_MANY_NICS = "too-many-nics"
IOV_WITH_BANDWIDTH_WEIGHTS = "iov-with-bandwidth-weights"


def check_switch(nic_count: int, teaming: bool, iov_enabled: bool, bandwidth_mode: str | None) -> str | None:
    """The first rule a new switch of this shape breaks, or None: one place for the rules that
    both New-VMSwitch and the scenario loader enforce."""
    if nic_count > 1 and not teaming:
        return SEVERAL_NICS_WITHOUT_TEAMING
    if teaming and nic_count == 0:
        return TEAMING_WITHOUT_NIC
    if nic_count > MAX_TEAM_SIZE:
        return TOO_MANY_NICS
    # UNCONFIRMED on real hosts; refusing is the conservative choice (docs/emulator.md).
    if iov_enabled and bandwidth_mode in ("Weight", "Absolute"):
        return IOV_WITH_BANDWIDTH_WEIGHTS
    return None


def resolve_bandwidth_mode(host: HostState, requested: str | None, iov_enabled: bool) -> str:
    if requested in (None, "Default"):
        return versions.default_bandwidth_mode(host.os_version, iov_enabled)
    return requested


def create_switch(
    host: HostState,
    name: str,
    *,
    nic_names: t.Sequence[str] = (),
    internal: bool = False,
    iov_enabled: bool = False,
    bandwidth_mode: str | None = None,
    packet_direct: bool = False,
    embedded_teaming: bool = False,
    allow_management_os: bool = True,
    notes: str = "",
    switch_id: str | None = None,
) -> VSwitch:
    sw = VSwitch(
        id=switch_id or host.new_id("switch"),
        name=name,
        net_adapters=[host.nic(n).name for n in nic_names],
        iov_enabled=iov_enabled,
        bandwidth_mode=resolve_bandwidth_mode(host, bandwidth_mode, iov_enabled),
        packet_direct=packet_direct,
        embedded_teaming=embedded_teaming,
        teaming_mode="SwitchIndependent" if embedded_teaming else None,
        # A new SET team balances with Dynamic (the cmdlet's choice, reference §1.1).
        load_balancing_algorithm="Dynamic" if embedded_teaming else None,
        notes=notes,
    )
    host.switches.append(sw)
    if internal or (nic_names and allow_management_os):
        add_host_vnic(host, name, sw)
    return sw


def add_host_vnic(host: HostState, name: str, sw: VSwitch, mac: str | None = None) -> NetworkAdapter:
    adapter = NetworkAdapter(
        id=host.new_id("vnic"),
        name=name,
        mac_address=mac or host.new_mac(),
        switch_id=sw.id,
        dynamic_mac=mac is None,
        settings=dict(ADAPTER_DEFAULTS),
    )
    host.management_adapters.append(adapter)
    return adapter


def remove_switch(host: HostState, sw: VSwitch) -> None:
    """VM adapters stay, disconnected, with every setting kept; host vNICs go with the switch."""
    host.switches = [s for s in host.switches if s is not sw]
    host.management_adapters = [a for a in host.management_adapters if a.switch_id != sw.id]
    for _vm, adapter in host.all_vm_adapters():
        if adapter.switch_id == sw.id:
            adapter.switch_id = None


def add_vm(host: HostState, name: str, **fields: t.Any) -> VirtualMachine:
    vm = VirtualMachine(id=fields.pop("vm_id", None) or host.new_id("vm"), name=name, **fields)
    host.vms.append(vm)
    return vm


# What Get-VMNetworkAdapter shows as the MAC address of a dynamic-MAC adapter until its VM next
# starts: Hyper-V assigns dynamic addresses at power-on, and public tooling reads this value as
# "none assigned" (taliesins/terraform-provider-hyperv api/vm_network_adapter.go; ananace/foreman_hyperv
# issue 2 starts a new VM once to get its MAC).
UNASSIGNED_MAC = "000000000000"


def add_vm_adapter(
    host: HostState,
    vm: VirtualMachine,
    name: str = "Network Adapter",
    sw: VSwitch | None = None,
    *,
    is_legacy: bool = False,
    static_mac: str | None = None,
    assigned: bool = True,
) -> NetworkAdapter:
    """``assigned`` False: a dynamic MAC address is not given before the VM starts (UNASSIGNED_MAC)."""
    adapter = NetworkAdapter(
        id=host.new_id("adapter"),
        name=name,
        mac_address=static_mac or (host.new_mac() if assigned else UNASSIGNED_MAC),
        vm_id=vm.id,
        switch_id=sw.id if sw else None,
        dynamic_mac=static_mac is None,
        is_legacy=is_legacy,
        settings=dict(ADAPTER_DEFAULTS),
    )
    vm.adapters.append(adapter)
    return adapter


def assign_dynamic_macs(host: HostState, vm: VirtualMachine) -> None:
    """At power-on, each dynamic-MAC adapter still without an address gets one."""
    for adapter in vm.adapters:
        if adapter.dynamic_mac and adapter.mac_address == UNASSIGNED_MAC:
            adapter.mac_address = host.new_mac()


def restart_nic(nic: PhysicalNic) -> None:
    """A NIC restart makes the configured SR-IOV values the effective ones."""
    nic.sriov_enabled_effective = nic.sriov_enabled_configured
    nic.num_vfs_effective = nic.num_vfs_configured
