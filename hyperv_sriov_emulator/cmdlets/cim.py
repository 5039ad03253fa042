"""NetAdapter CIM instances (root/StandardCimv2) as the NetAdapter module returns them."""

from __future__ import annotations

import typing as t

from ..model import HostState, NetworkAdapter, PhysicalNic, VirtualMachine
from ..model.enums import ENUMS, SRIOV_SUPPORT
from ..psobj import Byte, Enum, Int32, PSObj, TypedList, UInt16, UInt32, UInt64

CIM = "Microsoft.Management.Infrastructure.CimInstance"
NS = "ROOT/StandardCimv2/"


def cim_types(*classes: str) -> tuple[str, ...]:
    """PowerShell's type names for a CIM instance: namespaced chain, bare chain, CimInstance."""
    return (
        tuple("%s#%s%s" % (CIM, NS, c) for c in classes)
        + tuple("%s#%s" % (CIM, c) for c in classes)
        + (CIM, "System.Object")
    )


_SETTING_DATA = ("MSFT_NetAdapterSettingData", "CIM_SettingData", "CIM_ManagedElement")
C_NETADAPTER = (
    "MSFT_NetAdapter", "CIM_NetworkPort", "CIM_LogicalPort", "CIM_LogicalDevice",
    "CIM_EnabledLogicalElement", "CIM_LogicalElement", "CIM_ManagedSystemElement", "CIM_ManagedElement",
)
C_SRIOV = ("MSFT_NetAdapterSriovSettingData",) + _SETTING_DATA
C_SRIOV_VF = ("MSFT_NetAdapterSriovVfSettingData",) + _SETTING_DATA
C_ADVANCED = ("MSFT_NetAdapterAdvancedPropertySettingData",) + _SETTING_DATA
C_SRIOV_CAPS = ("MSFT_NetAdapterSriovCapabilities",)
T_NETADAPTER = cim_types(*C_NETADAPTER)
T_SRIOV = cim_types(*C_SRIOV)
T_SRIOV_VF = cim_types(*C_SRIOV_VF)
T_ADVANCED = cim_types(*C_ADVANCED)
# CIM_SettingData's key: MMI's ToString of a setting data instance names it.
_SETTING_KEYS = ("InstanceID",)


def dashed_mac(mac: str) -> str:
    return "-".join(mac[i:i + 2] for i in range(0, 12, 2))


def link_speed_text(bps: int) -> str:
    if bps >= 1_000_000_000:
        value, unit = bps / 1_000_000_000, "Gbps"
    else:
        value, unit = bps / 1_000_000, "Mbps"
    return ("%d %s" % (value, unit)) if value == int(value) else ("%.1f %s" % (value, unit))


def _setting_base(host: HostState, nic_name: str, description: str, instance: str) -> list[tuple[str, t.Any]]:
    return [
        ("Caption", None),
        ("Description", None),
        ("ElementName", None),
        ("InstanceID", instance),
        ("InterfaceDescription", description),
        ("Name", nic_name),
        ("Source", UInt32(3)),
        ("SystemName", host.name),
    ]


_GENERATED = "Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetAdapter."
_ADMIN_STATUS = ENUMS[_GENERATED + "NET_IF_ADMIN_STATUS"]
_MEDIA_STATE = ENUMS[_GENERATED + "NET_IF_MEDIA_CONNECT_STATE"]
_OPER_STATUS = ENUMS[_GENERATED + "IF_OPER_STATUS"]
# NDIS_PHYSICAL_MEDIUM 14 is NdisPhysicalMedium802_3 (ntddndis.h); the module shows it as "802.3".
_PHYSICAL_MEDIUM_802_3 = 14


def cim_object(classes: t.Sequence[str], cim_props: list[tuple[str, t.Any]],
               members: list[tuple[str, t.Any]] = (), keys: t.Sequence[str] = ()) -> PSObj:
    """A CIM instance as PowerShell shows it: the class's own properties plus ``PSComputerName``
    (the CimInstance adapter adds it; null for the local CIM session a cmdlet on the host uses)
    as adapted properties, then the module's members (``members``: alias and script properties,
    serialized with the extended members). Its ToString is MMI's: the class name and its key
    properties, ``MSFT_NetAdapter (CreationClassName = "MSFT_NetAdapter", DeviceID = ...)``, or the
    bare class name for a keyless (embedded) instance.

    Sources: PowerShell ``src/System.Management.Automation/cimSupport/other/ciminstancetypeadapter.cs``
    (GetProperties adds PSComputerName last; the type name chain), and outputs of Get-NetRoute /
    Test-NetConnection quoting ``MSFT_NetAdapter (CreationClassName = ...)`` in public scripts."""
    values = dict(cim_props)
    if keys:
        text = "%s (%s)" % (classes[0], ", ".join('%s = "%s"' % (key, values.get(key) or "") for key in keys))
    else:
        text = classes[0]
    return PSObj(cim_types(*classes), list(cim_props) + [("PSComputerName", None)], text, members=list(members))


_NETADAPTER_KEYS = ("CreationClassName", "DeviceID", "SystemCreationClassName", "SystemName")


def _netadapter(host: HostState, name: str, description: str, if_index: int, guid: str, mac: str, status: str,
                admin_up: bool, media: str, speed: int, physical: bool, driver: tuple[str, str, str, str]) -> PSObj:
    """One MSFT_NetAdapter. ``mac`` is 12 hex digits; ``driver`` is (file name, version, date,
    description). The raw CIM properties (InterfaceIndex, PermanentAddress, MtuSize ...) are the
    adapted properties; ifIndex, MacAddress, LinkSpeed, Status, AdminStatus ... are the NetAdapter
    module's alias and script properties over them (its types.ps1xml), extended members on the wire."""
    guid_text = "{%s}" % guid.upper()
    up = status == "Up"
    oper = "Up" if up else ("NotPresent" if status == "Not Present" else "Down")
    file_name, version, date, driver_description = driver
    cim_props: list[tuple[str, t.Any]] = [
        ("Caption", None),
        ("Description", None),
        ("ElementName", None),
        ("InstanceID", guid_text),
        ("CommunicationStatus", None),
        ("DetailedStatus", None),
        ("HealthState", None),
        ("InstallDate", None),
        ("Name", name),
        ("OperatingStatus", None),
        ("OperationalStatus", None),
        ("PrimaryStatus", None),
        # The Status CIM property (CIM_ManagedSystemElement, null here) is left out: the module's
        # Status member shadows it, one name with the member's value.
        ("StatusDescriptions", None),
        ("AvailableRequestedStates", None),
        ("EnabledDefault", UInt16(2)),
        ("EnabledState", UInt16(5)),
        ("OtherEnabledState", None),
        ("RequestedState", UInt16(12)),
        ("TimeOfLastStateChange", None),
        ("TransitioningToState", UInt16(12)),
        ("CreationClassName", "MSFT_NetAdapter"),
        ("DeviceID", guid_text),
        ("SystemCreationClassName", "CIM_NetworkPort"),
        ("SystemName", host.name),
        ("ActiveMaximumTransmissionUnit", UInt64(1500)),
        ("NetworkAddresses", TypedList("System.String[]", (mac.upper(),))),
        ("PermanentAddress", mac.upper()),
        ("Speed", UInt64(speed)),
        ("InterfaceIndex", UInt32(if_index)),
        ("InterfaceGuid", guid_text),
        ("InterfaceName", "ethernet_%d" % (32768 + if_index)),
        ("InterfaceAlias", name),
        ("InterfaceDescription", description),
        ("InterfaceAdminStatus", UInt32(_ADMIN_STATUS["Up" if admin_up else "Down"])),
        ("InterfaceOperationalStatus", UInt32(_OPER_STATUS[oper])),
        ("MediaConnectState", UInt32(_MEDIA_STATE[media])),
        ("MtuSize", UInt32(1500)),
        ("NdisMedium", UInt32(0)),
        ("NdisPhysicalMedium", UInt32(_PHYSICAL_MEDIUM_802_3 if physical else 0)),
        ("ReceiveLinkSpeed", UInt64(speed)),
        ("TransmitLinkSpeed", UInt64(speed)),
        ("DriverDate", date),
        ("DriverDescription", driver_description),
        ("DriverName", "\\SystemRoot\\System32\\drivers\\" + file_name),
        ("DriverVersionString", version),
        ("DriverMajorNdisVersion", Byte(6)),
        ("DriverMinorNdisVersion", Byte(85)),
        ("ConnectorPresent", physical),
        ("HardwareInterface", physical),
        ("Hidden", False),
        ("NotUserRemovable", not physical),
        ("Virtual", not physical),
    ]
    members: list[tuple[str, t.Any]] = [
        ("ifAlias", name),
        ("ifIndex", UInt32(if_index)),
        ("ifDesc", description),
        ("ifName", "ethernet_%d" % (32768 + if_index)),
        ("DriverVersion", version),
        ("LinkLayerAddress", dashed_mac(mac)),
        ("MacAddress", dashed_mac(mac)),
        ("Status", status),
        ("LinkSpeed", link_speed_text(speed) if up else "0 bps"),
        ("MediaType", "802.3"),
        ("PhysicalMediaType", "802.3" if physical else "Unspecified"),
        ("AdminStatus", Enum(_GENERATED + "NET_IF_ADMIN_STATUS", "Up" if admin_up else "Down",
                             _ADMIN_STATUS["Up" if admin_up else "Down"])),
        ("MediaConnectionState", Enum(_GENERATED + "NET_IF_MEDIA_CONNECT_STATE", media, _MEDIA_STATE[media])),
        ("DriverInformation", "Driver Date %s Version %s NDIS 6.85" % (date, version)),
        ("DriverFileName", file_name),
        ("NdisVersion", "6.85"),
        ("ifOperStatus", Enum(_GENERATED + "IF_OPER_STATUS", oper, _OPER_STATUS[oper])),
    ]
    return cim_object(C_NETADAPTER, cim_props, members, _NETADAPTER_KEYS)


def netadapter_object(host: HostState, nic: PhysicalNic) -> PSObj:
    status = nic.status
    media = "Connected" if status == "Up" else ("Disconnected" if nic.admin_enabled else "Unknown")
    return _netadapter(host, nic.name, nic.interface_description, nic.if_index, nic.interface_guid, nic.mac_address,
                       status, nic.admin_enabled, media, nic.link_speed_bps if status == "Up" else 0, True,
                       ("netdrv.sys", "1.0.0.0", "2024-01-15", nic.driver_description or nic.interface_description))


def vnic_netadapter_object(host: HostState, adapter: NetworkAdapter, if_index: int, ordinal: int) -> PSObj:
    description = "Hyper-V Virtual Ethernet Adapter" + (" #%d" % ordinal if ordinal > 1 else "")
    return _netadapter(host, "vEthernet (%s)" % adapter.name, description, if_index, adapter.id, adapter.mac_address,
                       "Up", True, "Connected", 10_000_000_000, False,
                       ("VmsProxyHNic.sys", "10.0.20348.1", "2006-06-21", "Hyper-V Virtual Ethernet Adapter"))


def _capabilities(max_vfs: int, queue_pairs: int, per_vf: int) -> PSObj:
    props = [
        ("AsymmetricQueuePairsForNonDefaultVPortsSupported", False),
        ("MaxNumMacAddresses", UInt32(max_vfs * 4 + 1 if max_vfs else 0)),
        ("MaxNumQueuePairs", UInt32(queue_pairs)),
        ("MaxNumQueuePairsPerNonDefaultVPort", UInt32(per_vf)),
        ("MaxNumSwitches", UInt32(1)),
        ("MaxNumVFs", UInt32(max_vfs)),
        ("MaxNumVPorts", UInt32(max_vfs + 1 if max_vfs else 0)),
        ("PerVportInterruptModerationSupported", True),
        ("SingleVportPoolSupported", True),
        ("VfRssSupported", True),
        ("VlanSupported", True),
    ]
    return cim_object(C_SRIOV_CAPS, props)


def sriov_object(host: HostState, nic: PhysicalNic, allocated: int) -> PSObj:
    supported = nic.sriov_support == "Supported"
    enabled = nic.sriov_active
    bound = host.switch_of_nic(nic.name) is not None
    props = _setting_base(host, nic.name, nic.interface_description, "{%s}" % nic.interface_guid.upper())
    props += [
        ("CurrentCapabilities", _capabilities(nic.num_vfs_effective if enabled else 0,
                                              nic.queue_pairs if enabled else 0, nic.max_queue_pairs_per_vf)),
        ("Enabled", enabled),
        ("HardwareCapabilities", _capabilities(nic.max_vfs if supported else 0, nic.queue_pairs,
                                               nic.max_queue_pairs_per_vf)),
        ("NumActiveDefaultVPortMacAddresses", UInt32(1 if enabled and bound else 0)),
        ("NumActiveDefaultVPortVlanIds", UInt32(0)),
        ("NumActiveNonDefaultVPortMacAddresses", UInt32(allocated)),
        ("NumActiveNonDefaultVPortVlanIds", UInt32(0)),
        ("NumActiveVPorts", UInt32(allocated + (1 if enabled and bound else 0))),
        ("NumAllocatedVFs", UInt32(allocated)),
        ("NumQueuePairsForDefaultVPort", UInt32(1 if enabled else 0)),
        ("NumQueuePairsForNonDefaultVPorts", UInt32(1 if enabled else 0)),
        ("NumVFs", UInt32(nic.num_vfs_effective)),
        ("NumVPorts", UInt32(nic.num_vfs_effective + 1 if enabled else 0)),
        # A uint8 in CIM (S6); the names Get-NetAdapterSriov prints come from its format view.
        ("SriovSupport", Byte(ENUMS[SRIOV_SUPPORT][nic.sriov_support or "Unknown"])),
        ("SwitchName", "Default Switch"),
        ("SwitchType", UInt16(1)),
    ]
    return cim_object(C_SRIOV, props, keys=_SETTING_KEYS)


def vf_object(host: HostState, adapter: NetworkAdapter, vm: VirtualMachine | None) -> PSObj:
    vf = adapter.vf
    assert vf is not None
    nic = host.nic(vf.nic)
    description = nic.interface_description if nic else ""
    props = _setting_base(host, vf.nic, description, "{%s}::%d" % ((nic.interface_guid if nic else "").upper(), vf.function_id))
    props += [
        ("CurrentMacAddress", dashed_mac(adapter.mac_address)),
        ("FunctionID", UInt16(vf.function_id)),
        ("PermanentMacAddress", dashed_mac(adapter.mac_address)),
        ("SwitchID", UInt32(0)),
        ("VmFriendlyName", vm.name if vm else None),
        ("VmID", vm.id.upper() if vm else None),
        ("VmNicID", adapter.id.upper()),
        ("VPortID", TypedList("System.UInt32[]", (UInt32(vf.function_id + 1),))),
    ]
    return cim_object(C_SRIOV_VF, props, keys=_SETTING_KEYS)


def advanced_properties(host: HostState, nic: PhysicalNic, include_hidden: bool) -> list[PSObj]:
    """The advanced properties of one NIC. ``*SRIOV``/``*NumVFs`` show the *configured* values
    (what Set-NetAdapterSriov wrote), which take effect at the next NIC restart."""
    rows: list[dict[str, t.Any]] = [
        dict(keyword="*VMQ", display="Virtual Machine Queues", value="1", default="1",
             enum_values={"0": "Disabled", "1": "Enabled"}),
        dict(keyword="*RSS", display="Receive Side Scaling", value="1", default="1",
             enum_values={"0": "Disabled", "1": "Enabled"}),
        dict(keyword="*JumboPacket", display="Jumbo Packet", value="1514", default="1514",
             enum_values={"1514": "Disabled", "4088": "4088 Bytes", "9014": "9014 Bytes"}),
    ]
    if nic.sriov_capable:
        rows.append(dict(keyword="*SRIOV", display="SR-IOV", value="1" if nic.sriov_enabled_configured else "0",
                         default="1", enum_values={"0": "Disabled", "1": "Enabled"}))
        rows.append(dict(keyword="*NumVFs", display="Maximum Number of SR-IOV Virtual Functions",
                         value=str(nic.num_vfs_configured), default=str(min(nic.max_vfs, 32)),
                         numeric=(0, nic.max_vfs)))
        if include_hidden:
            rows.append(dict(keyword="*SriovPreferred", display="", value="0", default="0",
                             enum_values={"0": "VMQ/RSS", "1": "SR-IOV"}, hidden=True))
    objects = []
    for row in rows:
        if row.get("hidden") and not include_hidden:
            continue
        props = _setting_base(host, nic.name, nic.interface_description,
                              "{%s}::%s" % (nic.interface_guid.upper(), row["keyword"]))
        numeric = row.get("numeric")
        enum_values = row.get("enum_values")
        display_value = enum_values[row["value"]] if enum_values else row["value"]
        props += [
            ("DefaultDisplayValue", enum_values[row["default"]] if enum_values else row["default"]),
            ("DefaultRegistryValue", row["default"]),
            ("DisplayName", row["display"]),
            ("DisplayParameterType", UInt32(5 if enum_values else 1)),
            ("DisplayValue", display_value),
            ("NumericParameterBaseValue", Int32(10) if numeric else None),
            ("NumericParameterMaxValue", Int32(numeric[1]) if numeric else None),
            ("NumericParameterMinValue", Int32(numeric[0]) if numeric else None),
            ("NumericParameterStepValue", Int32(1) if numeric else None),
            ("Optional", False),
            ("RegistryDataType", UInt16(1)),
            ("RegistryKeyword", row["keyword"]),
            ("RegistryValue", TypedList("System.String[]", (row["value"],))),
            ("ValidDisplayValues", TypedList("System.String[]", tuple(enum_values.values())) if enum_values else None),
            ("ValidRegistryValues", TypedList("System.String[]", tuple(enum_values)) if enum_values else None),
        ]
        objects.append(cim_object(C_ADVANCED, props, keys=_SETTING_KEYS))
    return objects
