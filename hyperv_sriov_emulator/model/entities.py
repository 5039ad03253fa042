"""The things a host holds. Plain dataclasses of JSON-able values: enum members are kept by name,
typed .NET values are produced only when a cmdlet builds an output object."""

from __future__ import annotations

import dataclasses
import typing as t

# Requested (configured) offload and security settings of a fresh network adapter, keyed by the
# .NET property that reports them. Sources: the WMI class defaults and real output (reference
# §1.6, §1.10). VmmqEnabledRequested follows real WS2016 output (True), not the WMI default.
ADAPTER_DEFAULTS: dict[str, t.Any] = {
    "IovWeight": 0,
    "IovQueuePairsRequested": 1,
    "IovInterruptModeration": "Default",
    "VMQWeight": 100,
    "IPsecOffloadMaxSA": 512,
    "VrssEnabledRequested": True,
    "VmmqEnabledRequested": True,
    "VrssMaxQueuePairsRequested": 16,
    "VrssMinQueuePairsRequested": 1,
    "VrssQueueSchedulingModeRequested": "StaticVrss",
    "VrssExcludePrimaryProcessorRequested": False,
    "VrssIndependentHostSpreadingRequested": False,
    "VrssVmbusChannelAffinityPolicyRequested": "Strong",
    "RscEnabledRequested": True,
    "PacketDirectNumProcs": 0,
    "PacketDirectModerationCount": 0,
    "PacketDirectModerationInterval": 0,
    "MacAddressSpoofing": "Off",
    "DhcpGuard": "Off",
    "RouterGuard": "Off",
    "IeeePriorityTag": "Off",
    "AllowTeaming": "Off",
    "FixSpeed10G": "Off",
    "DeviceNaming": "Off",
    "PortMirroringMode": "None",
    "VirtualSubnetId": 0,
    "DynamicIPAddressLimit": 0,
    "StormLimit": 0,
    "NumaAwarePlacement": False,
    "MinimumBandwidthWeight": None,
    "MinimumBandwidthAbsolute": None,
    "MaximumBandwidth": None,
}

# Per-switch default-queue settings (requested), WMI class defaults except VMMQ (real output).
SWITCH_DEFAULTS: dict[str, t.Any] = {
    "DefaultQueueVrssEnabledRequested": True,
    "DefaultQueueVmmqEnabledRequested": True,
    "DefaultQueueVrssMaxQueuePairsRequested": 16,
    "DefaultQueueVrssMinQueuePairsRequested": 1,
    "DefaultQueueVrssQueueSchedulingModeRequested": "StaticVrss",
    "DefaultQueueVrssExcludePrimaryProcessorRequested": False,
    "SoftwareRscEnabled": True,
}


@dataclasses.dataclass
class PhysicalNic:
    name: str
    interface_description: str
    interface_guid: str
    if_index: int
    mac_address: str
    """12 upper-case hex digits; NetAdapter objects show it with dashes."""
    link_speed_bps: int = 10_000_000_000
    connected: bool = True
    """Media state: False is a pulled cable (Status Disconnected)."""
    admin_enabled: bool = True
    """False after Disable-NetAdapter (Status Disabled)."""
    driver_description: str = ""
    sriov_support: str | None = "Supported"
    """SriovSupport name, or None: the driver has no SR-IOV at all (no SR-IOV objects)."""
    max_vfs: int = 64
    """Hardware maximum (capabilities MaxNumVFs; *NumVFs NumericParameterMaxValue)."""
    sriov_enabled_configured: bool = True
    num_vfs_configured: int = 32
    sriov_enabled_effective: bool = True
    num_vfs_effective: int = 32
    queue_pairs: int = 128
    max_queue_pairs_per_vf: int = 8
    vmq_queues: int = 31
    ipsec_sa_capacity: int = 0
    friendly_name: str | None = None
    """The name a SET switch lists the NIC under (NetAdapterInterfaceDescriptions), when it differs
    from the InterfaceDescription: real hosts number identical NICs anew there ("X", "X #2") while
    Get-NetAdapter shows "X #39", "X #40" (dsccommunity/HyperVDsc#217, microsoft/SDN#218)."""

    @property
    def team_description(self) -> str:
        return self.friendly_name or self.interface_description

    @property
    def sriov_capable(self) -> bool:
        return self.sriov_support is not None

    @property
    def pending_restart(self) -> bool:
        return self.sriov_capable and (
            self.sriov_enabled_configured != self.sriov_enabled_effective
            or self.num_vfs_configured != self.num_vfs_effective
        )

    @property
    def sriov_active(self) -> bool:
        """SR-IOV is in effect: supported, enabled at the last restart and the NIC is enabled."""
        return (
            self.sriov_support == "Supported"
            and self.sriov_enabled_effective
            and self.admin_enabled
        )

    @property
    def status(self) -> str:
        if not self.admin_enabled:
            return "Disabled"
        return "Up" if self.connected else "Disconnected"


@dataclasses.dataclass
class VSwitch:
    id: str
    name: str
    net_adapters: list[str] = dataclasses.field(default_factory=list)
    """Bound physical NIC names, in team order; empty for Internal/Private."""
    iov_enabled: bool = False
    bandwidth_mode: str = "Absolute"
    """Resolved mode (never Default)."""
    packet_direct: bool = False
    embedded_teaming: bool = False
    teaming_mode: str | None = None
    load_balancing_algorithm: str | None = None
    notes: str = ""
    default_flow_minimum_bandwidth_absolute: int = 0
    default_flow_minimum_bandwidth_weight: int = 0
    allow_netlbfo_teams: bool = False
    settings: dict[str, t.Any] = dataclasses.field(default_factory=lambda: dict(SWITCH_DEFAULTS))


@dataclasses.dataclass
class VirtualFunction:
    nic: str
    function_id: int
    queue_pairs: int


@dataclasses.dataclass
class NetworkAdapter:
    """A VM network adapter (vm_id set) or a management-OS (host) vNIC (vm_id None)."""

    id: str
    name: str
    mac_address: str
    vm_id: str | None = None
    switch_id: str | None = None
    dynamic_mac: bool = True
    is_legacy: bool = False
    settings: dict[str, t.Any] = dataclasses.field(default_factory=lambda: dict(ADAPTER_DEFAULTS))
    # Allocation results (recomputed by allocation.reallocate, persisted as they are).
    vf: VirtualFunction | None = None
    vf_seq: int | None = None
    """When the adapter became a VF candidate (lower = earlier); the tie-break among equal weights."""
    no_vf_reason: str | None = None

    @property
    def management_os(self) -> bool:
        return self.vm_id is None


@dataclasses.dataclass
class VirtualMachine:
    id: str
    name: str
    generation: int = 2
    state: str = "Off"
    guest_sriov: bool = True
    """Whether the guest OS can use a VF (real hosts don't expose it; a scenario fact)."""
    shutdown_service: bool = True
    """Whether the guest runs the shutdown integration service; without it Stop-VM must ask
    before turning the VM off (Stop-VM help: -Force)."""
    processor_count: int = 2
    memory_startup_bytes: int = 4 * 1024**3
    version: str = "10.0"
    notes: str = ""
    adapters: list[NetworkAdapter] = dataclasses.field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.state == "Running"
