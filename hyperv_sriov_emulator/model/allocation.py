"""The emulator's virtual-function allocation policy (docs/emulator.md, "VF allocation").

Real hosts document the arbitration only qualitatively (reference §2.7), so this is the
project's policy, applied to the whole host after every change:

1. An adapter is a candidate when its VM is running, IovWeight > 0, it is synthetic, connected
   to an External switch created with IOV, the platform supports IOV, a NIC behind the switch
   supports SR-IOV and has it in effect with VFs, and the guest can use a VF. Otherwise it gets
   the first failing reason of that list.
2. Candidates of one switch share the VFs of its SR-IOV-active NICs. Higher IovWeight wins; among
   equal weights the adapter that became a candidate first wins (``vf_seq``), so a running VF
   is never taken by an equal-weight newcomer. Adapters that became candidates in the same
   command are ordered by VM order, then adapter order.
3. A winner keeps the VF it already holds when that VF still exists; others take the lowest free
   function id, filling the team's NICs in member order. Losers run on the synthetic path with
   reason NoVirtualFunctionAvailable.

It sorts each switch's candidates once: O(n log n) in the number of adapters.
"""

from __future__ import annotations

import typing as t

from .entities import NetworkAdapter, PhysicalNic, VirtualFunction, VirtualMachine, VSwitch


class AllocationHost(t.Protocol):
    """What the policy reads and writes of a host; ``host.HostState`` provides it.

    Declared here so that this module needs nothing from ``host`` (which calls it): the import
    runs one way, host -> allocation.
    """

    switches: list[VSwitch]
    management_adapters: list[NetworkAdapter]
    counters: dict[str, int]

    @property
    def iov_supported(self) -> bool: ...

    def switch_map(self) -> dict[str, VSwitch]: ...

    def switch_nics(self, sw: VSwitch) -> list[PhysicalNic]: ...

    def all_vm_adapters(self) -> t.Iterator[tuple[VirtualMachine, NetworkAdapter]]: ...


def _reason(
    host: AllocationHost,
    vm: VirtualMachine,
    adapter: NetworkAdapter,
    sw: VSwitch | None,
    active: dict[str, list[PhysicalNic]],
) -> str | None:
    if not vm.running:
        return "VmNotRunning"
    if int(adapter.settings.get("IovWeight") or 0) <= 0:
        return "IovWeightZero"
    if adapter.is_legacy:
        return "LegacyAdapter"
    if sw is None:
        return "NotConnected"
    if not sw.net_adapters:
        return "SwitchNotExternal"
    if not sw.iov_enabled:
        return "SwitchIovDisabled"
    if not host.iov_supported:
        return "HostIovUnsupported"
    nics = host.switch_nics(sw)
    if not any(nic.sriov_support == "Supported" for nic in nics):
        return "NicSriovUnsupported"
    members = active[sw.id]
    if not members:
        return "NicSriovDisabled"
    if sum(nic.num_vfs_effective for nic in members) <= 0:
        return "NicNoVirtualFunctions"
    if not vm.guest_sriov:
        return "GuestUnsupported"
    return None


def reallocate(host: AllocationHost) -> None:
    switches = host.switch_map()
    active = {
        sw.id: [nic for nic in host.switch_nics(sw) if nic.sriov_active] for sw in host.switches
    }
    candidates: dict[str, list[NetworkAdapter]] = {}
    newcomers: list[NetworkAdapter] = []
    for vm, adapter in host.all_vm_adapters():
        sw = switches.get(adapter.switch_id) if adapter.switch_id else None
        if adapter.switch_id and sw is None:
            # A dangling reference can only come from a hand-edited state file: treat it as
            # disconnected rather than failing every read.
            adapter.switch_id = None
        reason = _reason(host, vm, adapter, sw, active)
        if reason is not None:
            adapter.vf = None
            adapter.vf_seq = None
            adapter.no_vf_reason = reason
            continue
        if adapter.vf_seq is None:
            newcomers.append(adapter)
        candidates.setdefault(sw.id, []).append(adapter)
    for adapter in newcomers:
        host.counters["vf_seq"] += 1
        adapter.vf_seq = host.counters["vf_seq"]
    for adapter in host.management_adapters:
        adapter.vf = None
        adapter.vf_seq = None
        adapter.no_vf_reason = None
    for switch_id, adapters in candidates.items():
        _assign(active[switch_id], adapters)


def _assign(nics: list[PhysicalNic], adapters: list[NetworkAdapter]) -> None:
    adapters.sort(key=lambda a: (-int(a.settings["IovWeight"]), a.vf_seq))
    capacity = {nic.name: nic.num_vfs_effective for nic in nics}
    by_name = {nic.name: nic for nic in nics}
    total = sum(capacity.values())
    winners, losers = adapters[:total], adapters[total:]
    taken: set[tuple[str, int]] = set()
    needs_vf: list[NetworkAdapter] = []
    for adapter in winners:
        vf = adapter.vf
        if vf is not None and vf.nic in capacity and vf.function_id < capacity[vf.nic] and (
            vf.nic, vf.function_id
        ) not in taken:
            taken.add((vf.nic, vf.function_id))
            vf.queue_pairs = _queue_pairs(adapter, by_name[vf.nic])
            adapter.no_vf_reason = None
        else:
            needs_vf.append(adapter)
    free = (
        (nic.name, fid)
        for nic in nics
        for fid in range(capacity[nic.name])
        if (nic.name, fid) not in taken
    )
    for adapter in needs_vf:
        nic_name, fid = next(free)
        adapter.vf = VirtualFunction(nic_name, fid, _queue_pairs(adapter, by_name[nic_name]))
        adapter.no_vf_reason = None
    for adapter in losers:
        adapter.vf = None
        adapter.no_vf_reason = "NoVirtualFunctionAvailable"


def _queue_pairs(adapter: NetworkAdapter, nic: PhysicalNic) -> int:
    return max(1, min(int(adapter.settings["IovQueuePairsRequested"]), nic.max_queue_pairs_per_vf))
