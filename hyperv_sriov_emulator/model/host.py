"""One emulated Hyper-V host: its platform, physical NICs, switches, VMs and host vNICs."""

from __future__ import annotations

import dataclasses
import threading
import typing as t
import uuid
import zlib

from . import versions
from .allocation import reallocate
from .entities import NetworkAdapter, PhysicalNic, VirtualFunction, VirtualMachine, VSwitch
from .reasons import NIC_REASONS

_ID_NAMESPACE = uuid.UUID("5f0c1c8e-7a43-4d55-9a57-1f3c2c6e8a10")

STATE_FORMAT = 1


class HostState:
    """Everything one host knows. Callers hold ``lock`` while reading or changing it."""

    def __init__(
        self,
        name: str,
        os_version: str = versions.DEFAULT_VERSION,
        *,
        port: int | None = None,
        iov_support_reasons: t.Sequence[str] = (),
        logical_processor_count: int = 32,
        memory_capacity_bytes: int = 256 * 1024**3,
    ) -> None:
        if os_version not in versions.VERSIONS:
            raise ValueError("unknown Windows Server version %r" % os_version)
        self.name = name
        self.os_version = os_version
        self.port = port
        self.iov_support_reasons: list[str] = list(iov_support_reasons)
        self.logical_processor_count = logical_processor_count
        self.memory_capacity_bytes = memory_capacity_bytes
        self.nics: dict[str, PhysicalNic] = {}
        self.switches: list[VSwitch] = []
        self.vms: list[VirtualMachine] = []
        self.management_adapters: list[NetworkAdapter] = []
        self.counters: dict[str, int] = {"id": 0, "mac": 0, "if_index": 10, "vf_seq": 0}
        self.lock = threading.RLock()
        self.writes = 0
        """Bumped after every command that changes the host (``engine``): an object built at one
        count, outside a writing command, shows the host as it still is at that count
        (``cmdlets.objects.reusing``)."""
        self.writing = False
        """True while a command that changes the host runs: nothing built before is reused."""

    # -- identity -------------------------------------------------------------------------------
    @property
    def version_index(self) -> int:
        return versions.index(self.os_version)

    def supports(self, since: str | None) -> bool:
        return versions.at_least(self.os_version, since)

    def new_id(self, kind: str) -> str:
        # Deterministic ids make scenario loads reproducible (same ids on every start).
        self.counters["id"] += 1
        return str(uuid.uuid5(_ID_NAMESPACE, "%s/%s/%d" % (self.name, kind, self.counters["id"])))

    def new_mac(self) -> str:
        """The next address of the host's Hyper-V dynamic MAC range (00-15-5D-xx-yy-zz)."""
        self.counters["mac"] += 1
        host_byte = zlib.crc32(self.name.encode("utf-8")) & 0xFF
        return "00155D%02X%04X" % (host_byte, self.counters["mac"] & 0xFFFF)

    def new_if_index(self) -> int:
        self.counters["if_index"] += 1
        return self.counters["if_index"]

    # -- platform -------------------------------------------------------------------------------
    @property
    def iov_supported(self) -> bool:
        return not self.iov_support_reasons

    # -- lookups --------------------------------------------------------------------------------
    def nic(self, name: str) -> PhysicalNic | None:
        return self.nics.get(name.lower())

    def nic_by_description(self, description: str) -> PhysicalNic | None:
        lowered = description.lower()
        for nic in self.nics.values():
            if nic.interface_description.lower() == lowered:
                return nic
        return None

    def switch(self, switch_id: str | None) -> VSwitch | None:
        if switch_id is None:
            return None
        for sw in self.switches:
            if sw.id == switch_id:
                return sw
        return None

    def switch_map(self) -> dict[str, VSwitch]:
        return {sw.id: sw for sw in self.switches}

    def switch_of_nic(self, nic_name: str) -> VSwitch | None:
        lowered = nic_name.lower()
        for sw in self.switches:
            if any(n.lower() == lowered for n in sw.net_adapters):
                return sw
        return None

    def vm(self, vm_id: str | None) -> VirtualMachine | None:
        for vm in self.vms:
            if vm.id == vm_id:
                return vm
        return None

    def vm_map(self) -> dict[str, VirtualMachine]:
        return {vm.id: vm for vm in self.vms}

    def host_vnics_on(self, switch_id: str) -> list[NetworkAdapter]:
        return [a for a in self.management_adapters if a.switch_id == switch_id]

    def all_vm_adapters(self) -> t.Iterator[tuple[VirtualMachine, NetworkAdapter]]:
        for vm in self.vms:
            for adapter in vm.adapters:
                yield vm, adapter

    # -- derived switch facts -------------------------------------------------------------------
    def switch_type(self, sw: VSwitch, host_vnic_switches: t.Container[str] | None = None) -> str:
        """Computed as Hyper-V does: External with a NIC, Internal with a host vNIC, else Private."""
        if sw.net_adapters:
            return "External"
        if host_vnic_switches is not None:
            return "Internal" if sw.id in host_vnic_switches else "Private"
        return "Internal" if self.host_vnics_on(sw.id) else "Private"

    def switch_nics(self, sw: VSwitch) -> list[PhysicalNic]:
        return [nic for nic in (self.nic(n) for n in sw.net_adapters) if nic is not None]

    def switch_iov_reasons(self, sw: VSwitch) -> list[str] | None:
        """IovSupportReasons of a switch: None without an external port; platform reasons first,
        then the bound NICs' own (real hosts mix both, reference §6)."""
        if not sw.net_adapters:
            return None
        found = list(self.iov_support_reasons)
        nics = self.switch_nics(sw)
        if not any(nic.sriov_support == "Supported" for nic in nics):
            for nic in nics:
                text = NIC_REASONS.get(nic.sriov_support, NIC_REASONS[None])
                if text not in found:
                    found.append(text)
        return found

    def switch_vf_capacity(self, sw: VSwitch) -> int:
        """IovVirtualFunctionCount: VFs of the SR-IOV-active NICs behind an IOV switch."""
        if not (sw.iov_enabled and sw.net_adapters and self.iov_supported):
            return 0
        return sum(nic.num_vfs_effective for nic in self.switch_nics(sw) if nic.sriov_active)

    # -- allocation -----------------------------------------------------------------------------
    def reallocate(self) -> None:
        reallocate(self)

    # -- persistence ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, t.Any]:
        return {
            "format": STATE_FORMAT,
            "name": self.name,
            "os_version": self.os_version,
            "port": self.port,
            "iov_support_reasons": list(self.iov_support_reasons),
            "logical_processor_count": self.logical_processor_count,
            "memory_capacity_bytes": self.memory_capacity_bytes,
            "counters": dict(self.counters),
            "physical_adapters": [dataclasses.asdict(nic) for nic in self.nics.values()],
            "switches": [dataclasses.asdict(sw) for sw in self.switches],
            "vms": [dataclasses.asdict(vm) for vm in self.vms],
            "management_adapters": [dataclasses.asdict(a) for a in self.management_adapters],
        }

    @classmethod
    def from_dict(cls, data: dict[str, t.Any]) -> "HostState":
        if data.get("format") != STATE_FORMAT:
            raise ValueError("unsupported host state format %r" % data.get("format"))
        host = cls(
            data["name"],
            data["os_version"],
            port=data.get("port"),
            iov_support_reasons=data.get("iov_support_reasons", ()),
            logical_processor_count=data["logical_processor_count"],
            memory_capacity_bytes=data["memory_capacity_bytes"],
        )
        host.counters = dict(data["counters"])
        for raw in data["physical_adapters"]:
            nic = PhysicalNic(**raw)
            host.nics[nic.name.lower()] = nic
        host.switches = [VSwitch(**raw) for raw in data["switches"]]
        for raw in data["vms"]:
            raw = dict(raw)
            adapters = [_adapter_from_dict(a) for a in raw.pop("adapters")]
            host.vms.append(VirtualMachine(adapters=adapters, **raw))
        host.management_adapters = [_adapter_from_dict(a) for a in data["management_adapters"]]
        return host

    def __repr__(self) -> str:
        return "HostState(%r, %r)" % (self.name, self.os_version)


def _adapter_from_dict(raw: dict[str, t.Any]) -> NetworkAdapter:
    raw = dict(raw)
    vf = raw.pop("vf", None)
    adapter = NetworkAdapter(**raw)
    adapter.vf = VirtualFunction(**vf) if vf else None
    return adapter
