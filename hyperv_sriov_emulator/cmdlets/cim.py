"""NetAdapter CIM instances (root/StandardCimv2) as the NetAdapter module returns them."""

from __future__ import annotations

import typing as t

from ..model import HostState, NetworkAdapter, PhysicalNic, VirtualMachine
from ..model.enums import SRIOV_SUPPORT, enum
from ..psobj import Int32, PSObj, TypedList, UInt16, UInt32, UInt64

CIM = "Microsoft.Management.Infrastructure.CimInstance"
NS = "ROOT/StandardCimv2/"


def cim_types(*classes: str) -> tuple[str, ...]:
    """PowerShell's type names for a CIM instance: namespaced chain, bare chain, CimInstance."""
    return (
        tuple("%s#%s%s" % (CIM, NS, c) for c in classes)
        + tuple("%s#%s" % (CIM, c) for c in classes)
        + (CIM, "System.Object")
    )


T_NETADAPTER = cim_types(
    "MSFT_NetAdapter", "CIM_NetworkPort", "CIM_LogicalPort", "CIM_LogicalDevice",
    "CIM_EnabledLogicalElement", "CIM_LogicalElement", "CIM_ManagedSystemElement", "CIM_ManagedElement",
)
T_SRIOV = cim_types("MSFT_NetAdapterSriovSettingData", "MSFT_NetAdapterSettingData", "CIM_SettingData", "CIM_ManagedElement")
T_SRIOV_VF = cim_types("MSFT_NetAdapterSriovVfSettingData", "MSFT_NetAdapterSettingData", "CIM_SettingData", "CIM_ManagedElement")
T_ADVANCED = cim_types(
    "MSFT_NetAdapterAdvancedPropertySettingData", "MSFT_NetAdapterSettingData", "CIM_SettingData", "CIM_ManagedElement",
)
T_SRIOV_CAPS = cim_types("MSFT_NetAdapterSriovCapabilities")


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


def netadapter_object(host: HostState, nic: PhysicalNic) -> PSObj:
    status = nic.status
    props: list[tuple[str, t.Any]] = [
        ("Name", nic.name),
        ("InterfaceDescription", nic.interface_description),
        ("ifIndex", UInt32(nic.if_index)),
        ("Status", status),
        ("MacAddress", dashed_mac(nic.mac_address)),
        ("LinkSpeed", link_speed_text(nic.link_speed_bps) if status == "Up" else "0 bps"),
        ("MediaType", "802.3"),
        ("PhysicalMediaType", "802.3"),
        ("AdminStatus", "Up" if nic.admin_enabled else "Down"),
        ("MediaConnectionState", "Connected" if status == "Up" else ("Disconnected" if nic.admin_enabled else "Unknown")),
        ("DriverInformation", "Driver Date 2024-01-15 Version 1.0.0.0 NDIS 6.85"),
        ("DriverFileName", "netdrv.sys"),
        ("DriverDescription", nic.driver_description or nic.interface_description),
        ("NdisVersion", "6.85"),
        ("ifAlias", nic.name),
        ("InterfaceAlias", nic.name),
        ("InterfaceName", "ethernet_%d" % nic.if_index),
        ("InterfaceGuid", "{%s}" % nic.interface_guid.upper()),
        ("DeviceID", "{%s}" % nic.interface_guid.upper()),
        ("Virtual", False),
        ("HardwareInterface", True),
        ("ConnectorPresent", True),
        ("Speed", UInt64(nic.link_speed_bps if status == "Up" else 0)),
        ("ReceiveLinkSpeed", UInt64(nic.link_speed_bps if status == "Up" else 0)),
        ("TransmitLinkSpeed", UInt64(nic.link_speed_bps if status == "Up" else 0)),
        ("SystemName", host.name),
    ]
    return PSObj(T_NETADAPTER, props, nic.name)


def vnic_netadapter_object(host: HostState, adapter: NetworkAdapter, if_index: int, ordinal: int) -> PSObj:
    name = "vEthernet (%s)" % adapter.name
    description = "Hyper-V Virtual Ethernet Adapter" + (" #%d" % ordinal if ordinal > 1 else "")
    props: list[tuple[str, t.Any]] = [
        ("Name", name),
        ("InterfaceDescription", description),
        ("ifIndex", UInt32(if_index)),
        ("Status", "Up"),
        ("MacAddress", dashed_mac(adapter.mac_address)),
        ("LinkSpeed", "10 Gbps"),
        ("MediaType", "802.3"),
        ("PhysicalMediaType", "Unspecified"),
        ("AdminStatus", "Up"),
        ("MediaConnectionState", "Connected"),
        ("DriverInformation", "Driver Date 2006-06-21 Version 10.0.20348.1 NDIS 6.85"),
        ("DriverFileName", "vmswitch.sys"),
        ("DriverDescription", "Hyper-V Virtual Ethernet Adapter"),
        ("NdisVersion", "6.85"),
        ("ifAlias", name),
        ("InterfaceAlias", name),
        ("InterfaceName", "ethernet_%d" % if_index),
        ("InterfaceGuid", "{%s}" % adapter.id.upper()),
        ("DeviceID", "{%s}" % adapter.id.upper()),
        ("Virtual", True),
        ("HardwareInterface", False),
        ("ConnectorPresent", False),
        ("Speed", UInt64(10_000_000_000)),
        ("ReceiveLinkSpeed", UInt64(10_000_000_000)),
        ("TransmitLinkSpeed", UInt64(10_000_000_000)),
        ("SystemName", host.name),
    ]
    return PSObj(T_NETADAPTER, props, name)


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
    return PSObj(T_SRIOV_CAPS, props, "MSFT_NetAdapterSriovCapabilities")


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
        ("SriovSupport", enum(SRIOV_SUPPORT, nic.sriov_support or "Unknown")),
        ("SwitchName", "Default Switch"),
        ("SwitchType", UInt16(1)),
    ]
    return PSObj(T_SRIOV, props, nic.name)


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
    return PSObj(T_SRIOV_VF, props, "%s VF %d" % (vf.nic, vf.function_id))


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
        objects.append(PSObj(T_ADVANCED, props, row["display"] or row["keyword"]))
    return objects
