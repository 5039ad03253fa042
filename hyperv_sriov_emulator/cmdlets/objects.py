"""Hyper-V output objects with their real type names, .NET property names, types and order
(reference §1.3, §1.5, §1.6, §3). A property appears only on hosts whose Windows version has it
(docs/emulator.md, "Version table")."""

from __future__ import annotations

import contextlib
import functools
import threading
import typing as t

from ..model import HostState, NetworkAdapter, VirtualMachine, VSwitch, versions
from ..model.enums import (
    BANDWIDTH_MODE, INTERRUPT_MODERATION, LOAD_BALANCING, ON_OFF, OPERATIONAL_STATUS,
    PORT_MIRRORING, TEAMING_MODE, VM_STATE, VM_SWITCH_TYPE, VRSS_AFFINITY, VRSS_SCHEDULING, enum,
)
from ..model.reasons import DEGRADING, NO_VF_REASONS
from ..psobj import Guid, Int32, Int64, PSObj, TypedList, UInt32, UInt64

HV = "Microsoft.HyperV.PowerShell."
_VIRTUALIZATION_OBJECT = (HV + "VirtualizationObject", "System.Object")
T_VMHOST = (HV + "VMHost",) + _VIRTUALIZATION_OBJECT
T_VM = (HV + "VirtualMachine",) + _VIRTUALIZATION_OBJECT
T_SWITCH = (HV + "VMSwitch",) + _VIRTUALIZATION_OBJECT
T_TEAM = (HV + "VMSwitchTeam",) + _VIRTUALIZATION_OBJECT
T_SWITCH_EXTENSION = (HV + "VMSwitchExtension",) + _VIRTUALIZATION_OBJECT
_ADAPTER_BASE = (HV + "VMNetworkAdapterBase", HV + "VMDevice", HV + "VMComponentObject") + _VIRTUALIZATION_OBJECT
T_VM_ADAPTER = (HV + "VMNetworkAdapter",) + _ADAPTER_BASE
T_HOST_ADAPTER = (HV + "VMInternalNetworkAdapter", HV + "VMInternalOrExternalNetworkAdapter") + _ADAPTER_BASE
T_VLAN = (HV + "VMNetworkAdapterVlanSetting",) + _VIRTUALIZATION_OBJECT
# VMNetworkAdapterBandwidthSetting -> VMNetworkAdapterFeatureBase -> VMNetworkingFeatureBase ->
# VirtualizationObject (the cmdlet assembly, reference S4).
T_BANDWIDTH = (HV + "VMNetworkAdapterBandwidthSetting", HV + "VMNetworkAdapterFeatureBase",
               HV + "VMNetworkingFeatureBase") + _VIRTUALIZATION_OBJECT
CIM_SESSION = PSObj(("Microsoft.Management.Infrastructure.CimSession", "System.Object"), [], "CimSession: .")

STRING_ARRAY = "System.String[]"
# The assembly of the Hyper-V module's object types, as Microsoft's own ShieldedVMProvisioning
# module names it (`[Microsoft.HyperV.PowerShell.VirtualMachine, Microsoft.HyperV.PowerShell.Objects,
# Version=10.0.0.0, ...]`); 2012 R2's version number is not public, the emulator uses this one.
_HV_ASSEMBLY = "Microsoft.HyperV.PowerShell.Objects, Version=10.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35"


def strings(items: t.Iterable[str] | None) -> TypedList | None:
    return None if items is None else TypedList(STRING_ARRAY, tuple(items))


def hyperv_list(element: str, items: t.Iterable[t.Any] = ()) -> TypedList:
    """A ``List<Microsoft.HyperV.PowerShell.<element>>`` as PowerShell names it on the wire: the
    generic type with its assembly-qualified argument, then System.Object, no array bases (the
    shape of ``UnboundArguments`` in pypsrp's recorded exchanges with real hosts,
    ``tests/tests_pypsrp/responses/test_psrp_error_failed.yml``). Which properties are lists: the
    stub generated from the real module (dsccommunity/HyperVDsc ``tests/Unit/Stubs/Hyper-V.stubs.psm1``)."""
    return TypedList("System.Collections.Generic.List`1[[%s%s, %s]]" % (HV, element, _HV_ASSEMBLY), tuple(items))


class View:
    """Lookups shared by every object one command builds (keeps -All linear in adapters)."""

    def __init__(self, host: HostState) -> None:
        self.host = host
        self.version = host.os_version
        self.vi = host.version_index
        self.switches = host.switch_map()
        self.vms = host.vm_map()
        self.vnic_switches = {a.switch_id for a in host.management_adapters if a.switch_id}
        self._usage: dict[str, tuple[list[NetworkAdapter], int]] | None = None

    def since(self, version: str | None) -> bool:
        return version is None or self.vi >= versions.index(version)

    def switch_type(self, sw: VSwitch) -> str:
        return self.host.switch_type(sw, self.vnic_switches)

    def switch_usage(self) -> dict[str, tuple[list[NetworkAdapter], int]]:
        """Per switch: the adapters holding a VF, and how many running adapters use a VMQ
        (one pass over the adapters for all switches)."""
        if self._usage is None:
            usage: dict[str, tuple[list[NetworkAdapter], int]] = {}
            for vm in self.host.vms:
                for a in vm.adapters:
                    if a.switch_id is None:
                        continue
                    holders, vmq = usage.get(a.switch_id, ([], 0))
                    if a.vf is not None:
                        holders.append(a)
                    elif vm.running and int(a.settings["VMQWeight"]) > 0:
                        vmq += 1
                    usage[a.switch_id] = (holders, vmq)
            self._usage = usage
        return self._usage

    def effective_queue_pairs_cap(self) -> int:
        # The host spreads a default queue / host vNIC over at most an eighth of its processors
        # (a simplification; real hosts show e.g. 16 requested -> 4 in effect).
        return max(1, self.host.logical_processor_count // 8)


_VERSION_INDEX = {version: i for i, version in enumerate(versions.VERSIONS)}


class _Props:
    __slots__ = ("vi", "items")

    def __init__(self, view: View) -> None:
        self.vi = view.vi
        self.items: list[tuple[str, t.Any]] = []

    def add(self, name: str, value: t.Any, since: str | None = None) -> None:
        if since is None or self.vi >= _VERSION_INDEX[since]:
            self.items.append((name, value))


# Output objects share immutable values: building a thousand adapters stays cheap.
enum = functools.lru_cache(maxsize=None)(enum)
Guid = functools.lru_cache(maxsize=65536)(Guid)  # type: ignore[misc]


# -- VMHost ---------------------------------------------------------------------------------------
def vmhost_object(view: View) -> PSObj:
    host = view.host
    p = _Props(view)
    p.add("ComputerName", host.name)
    p.add("Name", host.name)
    p.add("FullyQualifiedDomainName", host.name.lower())
    p.add("LogicalProcessorCount", Int32(host.logical_processor_count))
    p.add("MemoryCapacity", Int64(host.memory_capacity_bytes))
    p.add("MacAddressMinimum", "00155D%02X0000" % (_mac_host_byte(host)))
    p.add("MacAddressMaximum", "00155D%02XFFFF" % (_mac_host_byte(host)))
    p.add("IovSupport", host.iov_supported)
    p.add("IovSupportReasons", strings(host.iov_support_reasons) if host.iov_support_reasons else None)
    p.add("NumaSpanningEnabled", True)
    p.add("EnableEnhancedSessionMode", False)
    p.add("VirtualHardDiskPath", "C:\\ProgramData\\Microsoft\\Windows\\Virtual Hard Disks")
    p.add("VirtualMachinePath", "C:\\ProgramData\\Microsoft\\Windows\\Hyper-V")
    p.add("VirtualMachineMigrationEnabled", False)
    p.add("MaximumVirtualMachineMigrations", UInt32(2))
    p.add("MaximumStorageMigrations", UInt32(2))
    p.add("IsDeleted", False)
    return PSObj(T_VMHOST, p.items, "VMHost (Name = '%s')" % host.name)


def _mac_host_byte(host: HostState) -> int:
    import zlib

    return zlib.crc32(host.name.encode("utf-8")) & 0xFF


# -- VirtualMachine -------------------------------------------------------------------------------
def vm_object(view: View, vm: VirtualMachine) -> PSObj:
    p = _Props(view)
    p.add("Name", vm.name)
    p.add("Id", Guid(vm.id))
    p.add("VMId", Guid(vm.id))
    p.add("VMName", vm.name)
    p.add("State", enum(VM_STATE, vm.state))
    p.add("Status", "Operating normally")
    p.add("Generation", Int32(vm.generation))
    p.add("Version", vm.version)
    p.add("ProcessorCount", Int64(vm.processor_count))
    p.add("MemoryStartup", Int64(vm.memory_startup_bytes))
    p.add("MemoryAssigned", Int64(vm.memory_startup_bytes if vm.running else 0))
    p.add("DynamicMemoryEnabled", False)
    p.add("CPUUsage", Int32(0))
    p.add("Notes", vm.notes)
    p.add("Path", "C:\\ProgramData\\Microsoft\\Windows\\Hyper-V")
    p.add("IsClustered", False)
    p.add("NetworkAdapters", hyperv_list("VMNetworkAdapter", (
        PSObj(T_VM_ADAPTER, [], _adapter_to_string(a, vm)) for a in vm.adapters
    )))
    p.add("ComputerName", view.host.name)
    p.add("IsDeleted", False)
    return PSObj(T_VM, p.items, "VirtualMachine (Name = '%s') [Id = '%s']" % (vm.name, vm.id))


# -- VMSwitch -------------------------------------------------------------------------------------
def _extensions(view: View) -> TypedList:
    # VMSwitch.Extensions is a VMSwitchExtension[] in the real module's stub.
    names = ["Microsoft Windows Filtering Platform", "Microsoft NDIS Capture"]
    return TypedList(T_SWITCH_EXTENSION[0] + "[]", tuple(
        PSObj(T_SWITCH_EXTENSION, [("Name", n)], "VMSwitchExtension (Name = '%s')" % n) for n in names))


def switch_object(view: View, sw: VSwitch) -> PSObj:
    host = view.host
    switch_type = view.switch_type(sw)
    external = switch_type == "External"
    nics = host.switch_nics(sw)
    reasons = host.switch_iov_reasons(sw)
    vf_adapters, vmq_users = view.switch_usage().get(sw.id, ([], 0)) if external else ([], 0)
    available_vmq = sum(nic.vmq_queues for nic in nics) if external else 0
    s = sw.settings
    cap = view.effective_queue_pairs_cap()
    p = _Props(view)
    p.add("Name", sw.name)
    p.add("Id", Guid(sw.id))
    p.add("Notes", sw.notes)
    p.add("Extensions", _extensions(view))
    p.add("BandwidthReservationMode", enum(BANDWIDTH_MODE, sw.bandwidth_mode))
    p.add("PacketDirectEnabled", sw.packet_direct, "2016")
    p.add("EmbeddedTeamingEnabled", sw.embedded_teaming, "2016")
    p.add("AllowNetLbfoTeams", sw.allow_netlbfo_teams, "2022")
    p.add("IovEnabled", sw.iov_enabled)
    p.add("SwitchType", enum(VM_SWITCH_TYPE, switch_type))
    p.add("AllowManagementOS", sw.id in view.vnic_switches)
    if not external:
        p.add("NetAdapterInterfaceDescription", None)
        p.add("NetAdapterInterfaceDescriptions", None)
        p.add("NetAdapterInterfaceGuid", None)
    else:
        first = "Teamed-Interface" if sw.embedded_teaming else (nics[0].interface_description if nics else "")
        p.add("NetAdapterInterfaceDescription", first)
        # A SET switch lists its members under the names its ports carry (reference §1.3).
        p.add("NetAdapterInterfaceDescriptions", strings(
            (n.team_description if sw.embedded_teaming else n.interface_description) for n in nics))
        p.add("NetAdapterInterfaceGuid", _nic_guids(nics), NIC_GUIDS_SINCE)
    p.add("IovSupport", bool(external and reasons is not None and not reasons))
    # The external port's reasons: an empty String[] when it supports IOV, null without a port.
    p.add("IovSupportReasons", strings(reasons) if external and reasons is not None else None)
    p.add("AvailableIPSecSA", UInt32(sum(n.ipsec_sa_capacity for n in nics) if external else 0))
    p.add("NumberIPSecSAAllocated", UInt32(0))
    p.add("AvailableVMQueues", UInt32(available_vmq))
    p.add("NumberVmqAllocated", UInt32(min(vmq_users, available_vmq)))
    p.add("IovQueuePairCount", UInt32(sum(n.queue_pairs for n in nics) if external else 0))
    p.add("IovQueuePairsInUse", UInt32(sum(a.vf.queue_pairs for a in vf_adapters)))
    p.add("IovVirtualFunctionCount", UInt32(host.switch_vf_capacity(sw)))
    p.add("IovVirtualFunctionsInUse", UInt32(len(vf_adapters)))
    p.add("PacketDirectInUse", False, "2016")
    p.add("DefaultQueueVrssEnabledRequested", s["DefaultQueueVrssEnabledRequested"], "2016")
    p.add("DefaultQueueVrssEnabled", bool(external and s["DefaultQueueVrssEnabledRequested"]), "2016")
    p.add("DefaultQueueVmmqEnabledRequested", s["DefaultQueueVmmqEnabledRequested"], "2016")
    p.add("DefaultQueueVmmqEnabled", bool(external and s["DefaultQueueVmmqEnabledRequested"]), "2016")
    max_req = int(s["DefaultQueueVrssMaxQueuePairsRequested"])
    p.add("DefaultQueueVrssMaxQueuePairsRequested", UInt32(max_req), "2016")
    max_eff = min(max_req, cap) if external else 0
    p.add("DefaultQueueVrssMaxQueuePairs", UInt32(max_eff), "2016")
    min_req = int(s["DefaultQueueVrssMinQueuePairsRequested"])
    p.add("DefaultQueueVrssMinQueuePairsRequested", UInt32(min_req), "2019")
    p.add("DefaultQueueVrssMinQueuePairs", UInt32(min(min_req, max_eff)), "2019")
    mode = s["DefaultQueueVrssQueueSchedulingModeRequested"]
    p.add("DefaultQueueVrssQueueSchedulingModeRequested", enum(VRSS_SCHEDULING, mode), "2019")
    p.add("DefaultQueueVrssQueueSchedulingMode", enum(VRSS_SCHEDULING, mode), "2019")
    excl = s["DefaultQueueVrssExcludePrimaryProcessorRequested"]
    p.add("DefaultQueueVrssExcludePrimaryProcessorRequested", excl, "2019")
    p.add("DefaultQueueVrssExcludePrimaryProcessor", bool(external and excl), "2019")
    p.add("SoftwareRscEnabled", s["SoftwareRscEnabled"], "2019")
    p.add("RscOffloadEnabled", False, "2022")
    p.add("BandwidthPercentage", UInt32(10 if sw.bandwidth_mode != "None" else 0))
    p.add("DefaultFlowMinimumBandwidthAbsolute", UInt64(sw.default_flow_minimum_bandwidth_absolute))
    p.add("DefaultFlowMinimumBandwidthWeight", UInt64(sw.default_flow_minimum_bandwidth_weight))
    p.add("CimSession", CIM_SESSION)
    p.add("ComputerName", host.name)
    p.add("IsDeleted", False)
    p.add("DefaultQueueVmmqQueuePairs", UInt32(max_eff), "2019")
    p.add("DefaultQueueVmmqQueuePairsRequested", UInt32(max_req), "2019")
    return PSObj(T_SWITCH, p.items, "VMSwitch (Name = '%s') [Id = '%s']" % (sw.name, sw.id))


# Microsoft's Get-NetView notes that NetAdapterInterfaceGuid came after Windows Server 2016 RTM
# (RS1) and falls back to descriptions there (microsoft/SDN pull request #337).
NIC_GUIDS_SINCE = "2019"


def _nic_guids(nics: t.Sequence[t.Any]) -> TypedList:
    return TypedList("System.Guid[]", tuple(Guid(n.interface_guid) for n in nics))


def team_object(view: View, sw: VSwitch) -> PSObj:
    nics = view.host.switch_nics(sw)
    p = _Props(view)
    p.add("Name", sw.name)
    p.add("Id", Guid(sw.id))
    p.add("NetAdapterInterfaceDescription", strings(n.team_description for n in nics))
    p.add("NetAdapterInterfaceGuid", _nic_guids(nics), NIC_GUIDS_SINCE)
    p.add("TeamingMode", enum(TEAMING_MODE, sw.teaming_mode or "SwitchIndependent"))
    p.add("LoadBalancingAlgorithm", enum(LOAD_BALANCING, sw.load_balancing_algorithm or "Dynamic"))
    p.add("ComputerName", view.host.name)
    p.add("IsDeleted", False)
    return PSObj(T_TEAM, p.items, "VMSwitchTeam (Name = '%s')" % sw.name)


# -- network adapters -----------------------------------------------------------------------------
# Values every adapter object shares (all immutable).
_NO_ADDRESSES = TypedList(STRING_ARRAY, ())
_NO_STRINGS = TypedList(STRING_ARRAY, ())
GUID_EMPTY = Guid("00000000-0000-0000-0000-000000000000")
# AclList, ExtendedAclList and RoutingDomainList are List<T> on a host (stub), empty without ACLs
# and routing domains (not modelled).
_ACL_LIST = hyperv_list("VMNetworkAdapterAclSetting")
_EXTENDED_ACL_LIST = hyperv_list("VMNetworkAdapterExtendedAclSetting")
_ROUTING_DOMAIN_LIST = hyperv_list("VMNetworkAdapterRoutingDomainSetting")

# The properties of VMInternalNetworkAdapter (a host vNIC), from the stub of the real module
# (dsccommunity/HyperVDsc tests/Unit/Stubs/Hyper-V.stubs.psm1, class VMInternalNetworkAdapter):
# no Iov*, VirtualFunction, Connected, IsLegacy, IsSynthetic, DynamicMacAddressEnabled,
# IPAddresses, DeviceNaming, PacketDirect*, NumaAwarePlacement, ClusterMonitored, MandatoryFeature*,
# PoolName, TestReplica* or AllowPacketDirect.
HOST_VNIC_PROPERTIES = frozenset((
    "IsManagementOs", "MacAddress", "DeviceId", "AdapterId", "Name", "SwitchName", "StatusDescription",
    "Status", "IsExternalAdapter", "Id", "SwitchId", "AclList", "ExtendedAclList", "IsolationSetting",
    "RoutingDomainList", "VlanSetting", "BandwidthSetting", "CurrentIsolationMode", "MacAddressSpoofing",
    "DhcpGuard", "RouterGuard", "PortMirroringMode", "IeeePriorityTag", "VirtualSubnetId",
    "DynamicIPAddressLimit", "StormLimit", "AllowTeaming", "FixSpeed10G", "VMQWeight", "IPsecOffloadMaxSA",
    "VrssEnabled", "VrssEnabledRequested", "VmmqEnabled", "VmmqEnabledRequested", "VrssMaxQueuePairs",
    "VrssMaxQueuePairsRequested", "VrssMinQueuePairs", "VrssMinQueuePairsRequested", "VrssQueueSchedulingMode",
    "VrssQueueSchedulingModeRequested", "VrssExcludePrimaryProcessor", "VrssExcludePrimaryProcessorRequested",
    "VrssIndependentHostSpreading", "VrssIndependentHostSpreadingRequested", "VrssVmbusChannelAffinityPolicy",
    "VrssVmbusChannelAffinityPolicyRequested", "VmqUsage", "IPsecOffloadSAUsage", "VFDataPathActive", "VMQueue",
    "BandwidthPercentage", "IsTemplate", "VMId", "VMName", "VMSnapshotId", "VMSnapshotName", "CimSession",
    "ComputerName", "IsDeleted",
))
_UNTAGGED = PSObj(T_VLAN, [("OperationMode", "Untagged")], "VMNetworkAdapterVlanSetting")
_ISOLATION = PSObj((HV + "VMNetworkAdapterIsolationSetting",) + _VIRTUALIZATION_OBJECT,
                   [("IsolationMode", "None")], "VMNetworkAdapterIsolationSetting")
_VMQ_QUEUE = PSObj(
    ("Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/MSFT_NetAdapterVmqQueueSettingData",
     "Microsoft.Management.Infrastructure.CimInstance", "System.Object"),
    [], "MSFT_NetAdapterVmqQueueSettingData",
)
_STATUS_OK = (
    TypedList(OPERATIONAL_STATUS + "[]", (enum(OPERATIONAL_STATUS, "Ok"),)),
    TypedList(STRING_ARRAY, ("OK",)),
)


def _adapter_to_string(adapter: NetworkAdapter, vm: VirtualMachine | None) -> str:
    if vm is None:
        return "VMInternalNetworkAdapter (Name = '%s', VMName = '')" % adapter.name
    return "VMNetworkAdapter (Name = '%s', VMName = '%s') [VMId = '%s']" % (adapter.name, vm.name, vm.id)


def adapter_status(view: View, adapter: NetworkAdapter, vm: VirtualMachine | None) -> tuple[t.Any, t.Any]:
    """(Status, StatusDescription): null while the VM is off; Degraded with the reason when
    SR-IOV is requested on an IOV switch but not in effect (the texts are the project's own)."""
    if vm is not None and not vm.running:
        return None, None
    if vm is not None and adapter.vf is None and adapter.no_vf_reason in DEGRADING:
        return (
            TypedList(OPERATIONAL_STATUS + "[]", (enum(OPERATIONAL_STATUS, "Degraded"),)),
            strings(["SR-IOV not operational: " + NO_VF_REASONS[adapter.no_vf_reason]]),
        )
    return _STATUS_OK


# The adapter properties a Windows Server version added (the others are on every version).
_ADAPTER_SINCE = {
    "VFDataPathActive": "2016", "VrssEnabled": "2016", "VrssEnabledRequested": "2016", "VmmqEnabled": "2016",
    "VmmqEnabledRequested": "2016", "VrssMaxQueuePairs": "2016", "VrssMaxQueuePairsRequested": "2016",
    "VrssMinQueuePairs": "2019", "VrssMinQueuePairsRequested": "2019", "VrssQueueSchedulingMode": "2019",
    "VrssQueueSchedulingModeRequested": "2019", "VrssExcludePrimaryProcessor": "2019",
    "VrssExcludePrimaryProcessorRequested": "2019", "VrssIndependentHostSpreading": "2019",
    "VrssIndependentHostSpreadingRequested": "2019", "VrssVmbusChannelAffinityPolicy": "2019",
    "VrssVmbusChannelAffinityPolicyRequested": "2019", "RscEnabled": "2022", "RscEnabledRequested": "2022",
    "PacketDirectNumProcs": "2016", "PacketDirectModerationCount": "2016",
    "PacketDirectModerationInterval": "2016", "FixSpeed10G": "2016", "DeviceNaming": "2016",
    "NumaAwarePlacement": "2019", "ClusterMonitored": "2016", "AllowPacketDirect": "2016",
    "ExtendedAclList": "2016",
}
# Per version index: the adapter properties that version lacks. adapter_object appends every
# property and drops these after: a call per property to test its version cost more than the
# property itself, a thousand adapters over.
_ADAPTER_HIDDEN = [frozenset(name for name, since in _ADAPTER_SINCE.items() if index < _VERSION_INDEX[since])
                   for index in range(len(versions.VERSIONS))]


_reuse = threading.local()


@contextlib.contextmanager
def reusing() -> t.Iterator[None]:
    """Within the block, this thread's adapter objects are built once per state of the host.

    A whole-host read asks Get-VMNetworkAdapter twice in one pipeline (the adapters, then their
    BandwidthSetting); between them the host is the same unless a command wrote to it, which bumps
    ``HostState.writes`` when it ends. While a writing command runs (``HostState.writing``) nothing
    is reused, so its -Passthru objects show the change. PSObj values are never changed once built
    (every cmdlet that derives an object builds a new one), so the second statement can take the
    first one's objects. Scoped to one pipeline's thread: state changed outside the engine (a test
    editing the model between runs) is never served from an earlier pipeline.
    """
    previous = getattr(_reuse, "built", None)
    _reuse.built = {}
    try:
        yield
    finally:
        _reuse.built = previous


def adapter_object(view: View, adapter: NetworkAdapter) -> PSObj:
    built = getattr(_reuse, "built", None)
    if built is None or view.host.writing:
        return _adapter_object(view, adapter)
    key = (id(view.host), view.host.writes, id(adapter))
    entry = built.get(key)
    if entry is None or entry[0] is not adapter:
        entry = built[key] = (adapter, _adapter_object(view, adapter))
    return entry[1]


def _adapter_object(view: View, adapter: NetworkAdapter) -> PSObj:
    host = view.host
    vm = view.vms.get(adapter.vm_id) if adapter.vm_id else None
    management = adapter.vm_id is None
    sw = view.switches.get(adapter.switch_id) if adapter.switch_id else None
    external = sw is not None and bool(sw.net_adapters)
    s = adapter.settings
    running = management or (vm is not None and vm.running)
    live = running and sw is not None
    vf = adapter.vf
    items: list[tuple[str, t.Any]] = []
    add = items.append
    if not management:
        add(("IovWeight", UInt32(s["IovWeight"])))
        add(("IovQueuePairsRequested", UInt32(s["IovQueuePairsRequested"])))
        add(("IovInterruptModeration", enum(INTERRUPT_MODERATION, s["IovInterruptModeration"])))
        add(("IovQueuePairsAssigned", UInt32(vf.queue_pairs if vf else 0)))
        add(("IovUsage", Int32(1 if vf else 0)))
        add(("VirtualFunction", vf_reference(host, adapter, vm) if vf else None))
    add(("VFDataPathActive", bool(vf)))
    vmq_usage = 1 if (live and external and vf is None and int(s["VMQWeight"]) > 0) else 0
    add(("VMQueue", _VMQ_QUEUE if vmq_usage else None))
    add(("VMQWeight", UInt32(s["VMQWeight"])))
    add(("VmqUsage", Int32(vmq_usage)))
    add(("IPsecOffloadMaxSA", Int64(s["IPsecOffloadMaxSA"])))
    add(("IPsecOffloadSAUsage", UInt32(0)))
    if management:
        cpu_cap = view.effective_queue_pairs_cap()
    else:
        cpu_cap = vm.processor_count if vm is not None else 1
    vrss_req = s["VrssEnabledRequested"]
    vmmq_req = s["VmmqEnabledRequested"]
    max_req = int(s["VrssMaxQueuePairsRequested"])
    max_eff = min(max_req, cpu_cap) if live else 0
    min_req = int(s["VrssMinQueuePairsRequested"])
    # Without a running port there is no offload status and the getters fall back to their
    # defaults (True for the enabled flags, 0 for counts), as S4 shows.
    add(("VrssEnabled", vrss_req if live else True))
    add(("VrssEnabledRequested", vrss_req))
    add(("VmmqEnabled", (vmmq_req and external) if live else True))
    add(("VmmqEnabledRequested", vmmq_req))
    add(("VrssMaxQueuePairs", UInt32(max_eff)))
    add(("VrssMaxQueuePairsRequested", UInt32(max_req)))
    add(("VrssMinQueuePairs", UInt32(min(min_req, max_eff))))
    add(("VrssMinQueuePairsRequested", UInt32(min_req)))
    mode = s["VrssQueueSchedulingModeRequested"]
    add(("VrssQueueSchedulingMode", enum(VRSS_SCHEDULING, mode if live else "StaticVrss")))
    add(("VrssQueueSchedulingModeRequested", enum(VRSS_SCHEDULING, mode)))
    excl = s["VrssExcludePrimaryProcessorRequested"]
    add(("VrssExcludePrimaryProcessor", bool(excl and live)))
    add(("VrssExcludePrimaryProcessorRequested", excl))
    spread = s["VrssIndependentHostSpreadingRequested"]
    add(("VrssIndependentHostSpreading", bool(spread and live)))
    add(("VrssIndependentHostSpreadingRequested", spread))
    affinity = s["VrssVmbusChannelAffinityPolicyRequested"]
    add(("VrssVmbusChannelAffinityPolicy", enum(VRSS_AFFINITY, affinity if live else "Strong")))
    add(("VrssVmbusChannelAffinityPolicyRequested", enum(VRSS_AFFINITY, affinity)))
    rsc = s["RscEnabledRequested"]
    add(("RscEnabled", bool(rsc and live)))
    add(("RscEnabledRequested", rsc))
    add(("PacketDirectNumProcs", UInt32(s["PacketDirectNumProcs"])))
    add(("PacketDirectModerationCount", UInt32(s["PacketDirectModerationCount"])))
    add(("PacketDirectModerationInterval", UInt32(s["PacketDirectModerationInterval"])))
    add(("BandwidthPercentage", UInt32(0)))
    for name in ("MacAddressSpoofing", "DhcpGuard", "RouterGuard", "IeeePriorityTag", "AllowTeaming"):
        add((name, enum(ON_OFF, s[name])))
    add(("FixSpeed10G", enum(ON_OFF, s["FixSpeed10G"])))
    add(("DeviceNaming", enum(ON_OFF, s["DeviceNaming"])))
    add(("PortMirroringMode", enum(PORT_MIRRORING, s["PortMirroringMode"])))
    add(("VirtualSubnetId", UInt32(s["VirtualSubnetId"])))
    add(("DynamicIPAddressLimit", UInt32(s["DynamicIPAddressLimit"])))
    add(("StormLimit", UInt32(s["StormLimit"])))
    add(("NumaAwarePlacement", bool(s["NumaAwarePlacement"])))
    add(("ClusterMonitored", not management))
    add(("SwitchName", sw.name if sw else None))
    add(("SwitchId", Guid(sw.id) if sw else None))
    if not management:
        add(("Connected", sw is not None))
    add(("AdapterId", adapter.id))
    if management:
        add(("DeviceId", "{%s}" % adapter.id.upper()))
    add(("MacAddress", adapter.mac_address))
    add(("DynamicMacAddressEnabled", adapter.dynamic_mac))
    add(("IsLegacy", adapter.is_legacy))
    add(("IsSynthetic", not adapter.is_legacy))
    add(("IPAddresses", _NO_ADDRESSES))
    status, description = adapter_status(view, adapter, vm)
    add(("Status", status))
    add(("StatusDescription", description))
    add(("MandatoryFeatureId", _NO_STRINGS))
    add(("MandatoryFeatureName", _NO_STRINGS))
    add(("PoolName", ""))
    add(("TestReplicaPoolName", ""))
    add(("TestReplicaSwitchName", ""))
    add(("AllowPacketDirect", False))
    add(("AclList", _ACL_LIST))
    add(("ExtendedAclList", _EXTENDED_ACL_LIST))
    add(("IsolationSetting", _ISOLATION))
    add(("RoutingDomainList", _ROUTING_DOMAIN_LIST))
    add(("BandwidthSetting", _bandwidth_setting(view, adapter, vm)))
    add(("VlanSetting", _UNTAGGED))
    add(("IsManagementOs", management))
    add(("IsExternalAdapter", False))
    add(("Name", adapter.name))
    # VMId and VMSnapshotId are System.Guid, not nullable (stub): Guid.Empty where there is none.
    if management:
        add(("Id", "Microsoft:%s" % adapter.id.upper()))
        add(("VMName", None))
        add(("VMId", GUID_EMPTY))
    else:
        add(("Id", "Microsoft:%s\\%s" % (vm.id.upper(), adapter.id.upper())))
        add(("VMName", vm.name))
        add(("VMId", Guid(vm.id)))
    add(("VMSnapshotId", GUID_EMPTY))
    add(("VMSnapshotName", ""))
    add(("IsTemplate", False))
    add(("CimSession", CIM_SESSION))
    add(("ComputerName", host.name))
    add(("IsDeleted", False))
    hidden = _ADAPTER_HIDDEN[view.vi]
    if hidden:
        items = [(n, v) for n, v in items if n not in hidden]
    if management:
        return PSObj(T_HOST_ADAPTER, [(n, v) for n, v in items if n in HOST_VNIC_PROPERTIES],
                     _adapter_to_string(adapter, vm))
    return PSObj(T_VM_ADAPTER, items, _adapter_to_string(adapter, vm))


def _bandwidth_setting(view: View, adapter: NetworkAdapter, vm: VirtualMachine | None) -> PSObj | None:
    """The adapter's bandwidth feature setting: null until one of its values is set. Its members
    are those of the cmdlet assembly's class (reference S4): Nullable[Int64] values, the parent
    adapter, IsTemplate and VirtualizationObject's members."""
    s = adapter.settings
    if s["MinimumBandwidthWeight"] is None and s["MinimumBandwidthAbsolute"] is None and s["MaximumBandwidth"] is None:
        return None
    props = [
        ("MinimumBandwidthAbsolute", Int64(s["MinimumBandwidthAbsolute"] or 0)),
        ("MinimumBandwidthWeight", Int64(s["MinimumBandwidthWeight"] or 0)),
        ("MaximumBandwidth", Int64(s["MaximumBandwidth"] or 0)),
        ("ParentAdapter", PSObj(T_HOST_ADAPTER if vm is None else T_VM_ADAPTER, [], _adapter_to_string(adapter, vm))),
        ("IsTemplate", False),
        ("CimSession", CIM_SESSION),
        ("ComputerName", view.host.name),
        ("IsDeleted", False),
    ]
    return PSObj(T_BANDWIDTH, props, "VMNetworkAdapterBandwidthSetting")


def vf_reference(host: HostState, adapter: NetworkAdapter, vm: VirtualMachine | None) -> PSObj:
    """VMNetworkAdapter.VirtualFunction: a nested VF CIM instance (ToString past depth 1)."""
    from .cim import vf_object

    return vf_object(host, adapter, vm)
