"""Hyper-V objects as the real classes have them.

Sources: the stub generated from the real Hyper-V module (dsccommunity/HyperVDsc @ 17e8eb77,
tests/Unit/Stubs/Hyper-V.stubs.psm1: class property lists and .NET types); the external port's
IOV reasons (MicrosoftDocs/win32 msvm-externalethernetportcapabilities.md: empty when supported);
SET member names (dsccommunity/HyperVDsc issue 217, microsoft/SDN issue 218); NetAdapterInterfaceGuid
after Windows Server 2016 RTM (microsoft/SDN pull request 337).
"""

from __future__ import annotations

from emulator_helpers import SWITCH, cmd, ok, run

from hyperv_sriov_emulator.cmdlets.objects import HOST_VNIC_PROPERTIES
from hyperv_sriov_emulator.psobj import Guid, TypedList
from hyperv_sriov_emulator.scenario import load_scenario

GUID_EMPTY = "00000000-0000-0000-0000-000000000000"


def test_host_vnics_have_only_the_properties_of_vminternalnetworkadapter(capable):
    vnics = ok(capable, cmd("Get-VMNetworkAdapter", ManagementOS=SWITCH))
    assert vnics
    for vnic in vnics:
        names = {pair[0] for pair in vnic.properties}
        assert names <= HOST_VNIC_PROPERTIES
        for absent in ("IsLegacy", "IsSynthetic", "DynamicMacAddressEnabled", "IPAddresses", "DeviceNaming",
                       "IovWeight", "VirtualFunction", "Connected", "PacketDirectNumProcs", "ClusterMonitored",
                       "MandatoryFeatureId", "PoolName", "NumaAwarePlacement"):
            assert absent not in names
        # VMId and VMSnapshotId are System.Guid (not nullable): Guid.Empty on a host vNIC.
        assert vnic.get("VMId") == GUID_EMPTY and isinstance(vnic.get("VMId"), Guid)
        assert vnic.get("VMSnapshotId") == GUID_EMPTY


def test_vm_adapters_keep_their_class_properties(capable):
    adapter = ok(capable, cmd("Get-VMNetworkAdapter", VMName="web01"))[0]
    names = {pair[0] for pair in adapter.properties}
    assert {"IsLegacy", "IsSynthetic", "DynamicMacAddressEnabled", "IPAddresses", "IovWeight", "Connected"} <= names
    assert adapter.get("VMSnapshotId") == GUID_EMPTY


def test_supported_switch_reasons_are_an_empty_string_array(capable):
    sriov, internal = ok(capable, cmd("Get-VMSwitch", ["sriov-ext", "lab-internal"]))
    assert sriov.get("IovSupport") is True
    reasons = sriov.get("IovSupportReasons")
    assert isinstance(reasons, TypedList) and reasons.type_name == "System.String[]" and reasons.items == ()
    # No external port, no reasons at all.
    assert internal.get("IovSupportReasons") is None


def test_set_switch_lists_members_under_their_port_names():
    host = load_scenario("set-renumbered")[0]
    (sw,) = ok(host, cmd("Get-VMSwitch", "set-iov"))
    assert sw.get("NetAdapterInterfaceDescription") == "Teamed-Interface"
    assert list(sw.get("NetAdapterInterfaceDescriptions").items) == [
        "Mellanox ConnectX-4 Lx Ethernet Adapter", "Mellanox ConnectX-4 Lx Ethernet Adapter #2"]
    nics = {o.get("Name"): o for o in ok(host, cmd("Get-NetAdapter", Physical=SWITCH))}
    assert nics["SLOT 3 Port 1"].get("InterfaceDescription") == "Mellanox ConnectX-4 Lx Ethernet Adapter #2"
    assert nics["SLOT 1 Port 1"].get("InterfaceDescription") == "Mellanox ConnectX-4 Lx Ethernet Adapter"
    # The GUIDs are what ties them: the switch's NetAdapterInterfaceGuid is the NICs' InterfaceGuid.
    guids = [str(g) for g in sw.get("NetAdapterInterfaceGuid").items]
    assert guids == [nics[n].get("InterfaceGuid").strip("{}").lower() for n in ("SLOT 3 Port 1", "SLOT 3 Port 2")]
    (team,) = ok(host, cmd("Get-VMSwitchTeam", "set-iov"))
    assert list(team.get("NetAdapterInterfaceDescription").items) == list(
        sw.get("NetAdapterInterfaceDescriptions").items)


def test_switch_nic_guids_exist_from_2019(ws2016, capable):
    sw = ok(ws2016, cmd("Get-VMSwitch"))[0]
    assert sw.find("NetAdapterInterfaceGuid") == (False, None)
    sw = ok(capable, cmd("Get-VMSwitch"))[0]
    assert sw.find("NetAdapterInterfaceGuid")[0]


# -- error records (reference §6: real not-found records; windowsserverdocs issue 3457 for the
# -- 2012 R2 FQIDs; CDXML cmdlets write one non-terminating record per failed CIM instance) ------

def test_set_and_connect_not_found_records_have_no_target(capable):
    result = run(capable, cmd("Set-VMNetworkAdapter", VMName="ghost", IovWeight=1))
    (record,) = result.errors
    assert (record.category, record.target) == ("ObjectNotFound", None)
    result = run(capable, cmd("Connect-VMNetworkAdapter", VMName="web01", Name="nope", SwitchName="sriov-ext"))
    (record,) = result.errors
    assert record.message == "No network adapter was found with the given criteria."
    assert (record.category, record.target) == ("ObjectNotFound", None)
    # Get-* name the missing object.
    (record,) = run(capable, cmd("Get-VM", "ghost")).errors
    assert (record.category, record.target) == ("InvalidArgument", "ghost")


def test_2012r2_fqids_name_the_command_class_in_full():
    host = load_scenario("capable")[0]
    host.os_version = "2012r2"
    (record,) = run(host, cmd("Get-VMSwitch", "ghost")).errors
    assert record.fqid == "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMSwitchCommand"
    (record,) = run(load_scenario("capable")[0], cmd("Get-VMSwitch", "ghost")).errors
    assert record.fqid == "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMSwitch"


def test_2012r2_fqids_reach_the_stream_the_wire_sends():
    # The PSRP server sends result.stream (objects and records in the order written), so the
    # 2012 R2 wording must be in it, not only in result.errors.
    host = load_scenario("capable")[0]
    host.os_version = "2012r2"
    result = run(host, cmd("Get-VMSwitch", "ghost"))
    (record,) = [item for kind, item in result.stream if kind == "error"]
    assert record.fqid == "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMSwitchCommand"
    assert list(result.errors) == [record]
