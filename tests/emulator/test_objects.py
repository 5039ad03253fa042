"""Output objects: real type names, .NET property names and types, version-dependent properties."""

import pytest
from emulator_helpers import SWITCH, basic_host, cmd, ok, plain

from hyperv_sriov_emulator.psobj import Enum, Guid, Int32, Int64, TypedList, UInt32, UInt64

HV = "Microsoft.HyperV.PowerShell."
CIM = "Microsoft.Management.Infrastructure.CimInstance"


@pytest.mark.parametrize("statement, first_types", [
    (cmd("Get-VMHost"), [HV + "VMHost", HV + "VirtualizationObject", "System.Object"]),
    (cmd("Get-VM", "web01"), [HV + "VirtualMachine", HV + "VirtualizationObject", "System.Object"]),
    (cmd("Get-VMSwitch", "sriov-ext"), [HV + "VMSwitch", HV + "VirtualizationObject", "System.Object"]),
    (cmd("Get-VMSwitchTeam"), [HV + "VMSwitchTeam", HV + "VirtualizationObject", "System.Object"]),
    (cmd("Get-VMNetworkAdapter", "web01"), [
        HV + "VMNetworkAdapter", HV + "VMNetworkAdapterBase", HV + "VMDevice", HV + "VMComponentObject",
        HV + "VirtualizationObject", "System.Object"]),
    (cmd("Get-VMNetworkAdapter", ManagementOS=SWITCH), [
        HV + "VMInternalNetworkAdapter", HV + "VMInternalOrExternalNetworkAdapter", HV + "VMNetworkAdapterBase",
        HV + "VMDevice", HV + "VMComponentObject", HV + "VirtualizationObject", "System.Object"]),
])
def test_hyperv_type_names(capable, statement, first_types):
    assert list(ok(capable, statement)[0].type_names) == first_types


@pytest.mark.parametrize("statement, cim_class", [
    (cmd("Get-NetAdapter", Physical=SWITCH), "MSFT_NetAdapter"),
    (cmd("Get-NetAdapterSriov"), "MSFT_NetAdapterSriovSettingData"),
    (cmd("Get-NetAdapterSriovVf"), "MSFT_NetAdapterSriovVfSettingData"),
    (cmd("Get-NetAdapterAdvancedProperty", RegistryKeyword="*SRIOV"), "MSFT_NetAdapterAdvancedPropertySettingData"),
])
def test_cim_type_names(capable, statement, cim_class):
    types = ok(capable, statement)[0].type_names
    assert types[0] == "%s#ROOT/StandardCimv2/%s" % (CIM, cim_class)
    assert types[-2:] == (CIM, "System.Object")
    assert "%s#%s" % (CIM, cim_class) in types


def test_vm_adapter_property_types(capable):
    obj = ok(capable, cmd("Get-VMNetworkAdapter", "web01"))[0]
    names = [name for name, _value in obj.properties]
    assert "VMQWeight" in names and "VmqWeight" not in names
    expected = {
        "IovWeight": UInt32, "IovQueuePairsRequested": UInt32, "IovQueuePairsAssigned": UInt32, "IovUsage": Int32,
        "VMQWeight": UInt32, "VmqUsage": Int32, "IPsecOffloadMaxSA": Int64, "VrssMaxQueuePairs": UInt32,
        "VMId": Guid, "SwitchId": Guid,
    }
    for name, kind in expected.items():
        assert isinstance(obj.get(name), kind), name
    moderation = obj.get("IovInterruptModeration")
    assert moderation == Enum(HV + "IovInterruptModerationValue", "Default", 0)
    assert obj.get("MacAddressSpoofing") == Enum(HV + "OnOffState", "Off", 1)
    status = obj.get("Status")
    assert isinstance(status, TypedList) and status.items[0].name == "Ok" and status.items[0].value == 2
    assert obj.get("StatusDescription") == TypedList("System.String[]", ("OK",))
    assert obj.get("Connected") is True and obj.get("IsManagementOs") is False
    assert obj.get("Id") == "Microsoft:%s\\%s" % (capable.vms[0].id.upper(), capable.vms[0].adapters[0].id.upper())


def test_host_vnic_lacks_iov_properties_and_connected(capable):
    obj = plain(ok(capable, cmd("Get-VMNetworkAdapter", ManagementOS=SWITCH))[0])
    for missing in ("IovWeight", "IovQueuePairsRequested", "IovInterruptModeration", "IovQueuePairsAssigned",
                    "IovUsage", "VirtualFunction", "Connected"):
        assert missing not in obj
    assert obj["IsManagementOs"] is True and obj["VMQWeight"] == 100 and "DeviceId" in obj
    assert obj["SwitchName"] == "sriov-ext"


def test_switch_property_types(capable):
    obj = ok(capable, cmd("Get-VMSwitch", "sriov-ext"))[0]
    assert obj.get("SwitchType") == Enum(HV + "VMSwitchType", "External", 2)
    assert obj.get("BandwidthReservationMode") == Enum(HV + "VMSwitchBandwidthMode", "None", 3)
    for name in ("IovVirtualFunctionCount", "IovVirtualFunctionsInUse", "IovQueuePairCount", "AvailableVMQueues"):
        assert isinstance(obj.get(name), UInt32)
    assert isinstance(obj.get("DefaultFlowMinimumBandwidthAbsolute"), UInt64)
    assert obj.get("NetAdapterInterfaceDescription") == "Teamed-Interface"
    assert obj.get("NetAdapterInterfaceDescriptions").type_name == "System.String[]"
    assert obj.get("EmbeddedTeamingEnabled") is True


def test_vm_object(capable):
    obj = ok(capable, cmd("Get-VM", "bürohaus-app"))[0]
    assert obj.get("State") == Enum(HV + "VMState", "Running", 2)
    assert isinstance(obj.get("Generation"), Int32)
    assert obj.get("Name") == "bürohaus-app"


def test_netadapter_sriov_object(capable):
    obj = plain(ok(capable, cmd("Get-NetAdapterSriov", "SLOT 2 Port 1"))[0])
    assert (obj["Enabled"], obj["NumVFs"], obj["SriovSupport"], obj["SwitchName"]) == (True, 8, 1, "Default Switch")
    assert obj["NumAllocatedVFs"] == 4
    assert obj["InterfaceDescription"] == "Intel(R) Ethernet Controller X710 for 10GbE SFP+"


def test_advanced_properties_expose_the_hardware_maximum(capable):
    rows = {o.get("RegistryKeyword"): plain(o) for o in ok(
        capable, cmd("Get-NetAdapterAdvancedProperty", "SLOT 2 Port 1", RegistryKeyword=["*SRIOV", "*NumVFs"]))}
    assert rows["*SRIOV"]["RegistryValue"] == ["1"] and rows["*SRIOV"]["DisplayValue"] == "Enabled"
    assert rows["*NumVFs"]["RegistryValue"] == ["8"]
    assert (rows["*NumVFs"]["NumericParameterMaxValue"], rows["*NumVFs"]["NumericParameterMinValue"]) == (64, 0)


def test_get_netadapter_physical_and_virtual(capable):
    physical = [o.get("Name") for o in ok(capable, cmd("Get-NetAdapter", Physical=SWITCH))]
    assert physical == ["SLOT 2 Port 1", "SLOT 2 Port 2", "Embedded LOM 1 Port 1"]
    everything = [o.get("Name") for o in ok(capable, cmd("Get-NetAdapter"))]
    assert "vEthernet (sriov-ext)" in everything and len(everything) == 6
    lom = plain(ok(capable, cmd("Get-NetAdapter", "Embedded LOM 1 Port 1"))[0])
    assert (lom["Status"], lom["LinkSpeed"], lom["MacAddress"].count("-")) == ("Up", "1 Gbps", 5)


# -- version-dependent properties --------------------------------------------------------------------
ADAPTER_PROPS_BY_VERSION = {
    "2012r2": ({"IovWeight", "VMQWeight", "IPsecOffloadMaxSA"},
               {"VrssEnabled", "VmmqEnabled", "VrssMaxQueuePairs", "VFDataPathActive", "PacketDirectNumProcs",
                "VrssMinQueuePairs", "NumaAwarePlacement", "RscEnabled"}),
    "2016": ({"VrssEnabled", "VmmqEnabledRequested", "VrssMaxQueuePairsRequested", "VFDataPathActive", "DeviceNaming"},
             {"VrssMinQueuePairs", "VrssQueueSchedulingMode", "VrssExcludePrimaryProcessor",
              "VrssIndependentHostSpreading", "VrssVmbusChannelAffinityPolicy", "NumaAwarePlacement", "RscEnabled"}),
    "2019": ({"VrssMinQueuePairsRequested", "VrssVmbusChannelAffinityPolicy", "NumaAwarePlacement"},
             {"RscEnabled", "RscEnabledRequested"}),
    "2022": ({"RscEnabled", "RscEnabledRequested", "VrssQueueSchedulingModeRequested"}, set()),
    "2025": ({"RscEnabled", "VrssMinQueuePairs"}, set()),
}


@pytest.mark.parametrize("version", sorted(ADAPTER_PROPS_BY_VERSION))
def test_adapter_properties_follow_the_windows_version(version):
    present, absent = ADAPTER_PROPS_BY_VERSION[version]
    names = set(plain(ok(basic_host(version=version), cmd("Get-VMNetworkAdapter", "vm1"))[0]))
    assert present <= names
    assert not (absent & names)


@pytest.mark.parametrize("version, present, absent", [
    ("2012r2", {"IovEnabled", "BandwidthReservationMode"}, {"EmbeddedTeamingEnabled", "DefaultQueueVrssEnabled", "SoftwareRscEnabled"}),
    ("2016", {"EmbeddedTeamingEnabled", "DefaultQueueVrssEnabled"}, {"SoftwareRscEnabled", "DefaultQueueVrssMinQueuePairs", "AllowNetLbfoTeams"}),
    ("2019", {"SoftwareRscEnabled", "DefaultQueueVrssMinQueuePairs"}, {"AllowNetLbfoTeams", "RscOffloadEnabled"}),
    ("2022", {"AllowNetLbfoTeams", "RscOffloadEnabled"}, set()),
])
def test_switch_properties_follow_the_windows_version(version, present, absent):
    names = set(plain(ok(basic_host(version=version), cmd("Get-VMSwitch", "iov"))[0]))
    assert present <= names and not (absent & names)


@pytest.mark.parametrize("version, param, value", [
    ("2016", "VrssMinQueuePairs", 2),
    ("2016", "VrssQueueSchedulingMode", "Dynamic"),
    ("2016", "VrssExcludePrimaryProcessor", True),
    ("2016", "VrssIndependentHostSpreading", True),
    ("2016", "VrssVmbusChannelAffinityPolicy", "Weak"),
    ("2016", "NumaAwarePlacement", True),
    ("2012r2", "VrssEnabled", True),
    ("2012r2", "VmmqQueuePairs", 4),
    ("2012r2", "DeviceNaming", "On"),
])
def test_newer_adapter_parameters_do_not_exist_on_older_hosts(version, param, value):
    host = basic_host(version=version)
    from emulator_helpers import run

    result = run(host, cmd("Set-VMNetworkAdapter", VMName="vm1", **{param: value}))
    # 2012 R2 names the command class in full (reference §6).
    suffix = "Command" if version == "2012r2" else ""
    assert result.terminating.fqid == (
        "NamedParameterNotFound,Microsoft.HyperV.PowerShell.Commands.SetVMNetworkAdapter" + suffix)
    # the same parameter works on the newest version
    ok(basic_host(version="2025"), cmd("Set-VMNetworkAdapter", VMName="vm1", **{param: value}))


@pytest.mark.parametrize("version, statement, works", [
    ("2016", cmd("Set-VMSwitch", "plain", EnableSoftwareRsc=True), False),
    ("2019", cmd("Set-VMSwitch", "plain", EnableSoftwareRsc=True), True),
    ("2016", cmd("Set-VMSwitch", "plain", DefaultQueueVrssMinQueuePairs=2), False),
    ("2012r2", cmd("Set-VMSwitch", "plain", DefaultQueueVmmqQueuePairs=4), False),
    ("2016", cmd("Set-VMSwitch", "plain", DefaultQueueVmmqQueuePairs=4), True),
    ("2012r2", cmd("New-VMSwitch", "t", SwitchType="Private", EnableEmbeddedTeaming=False), False),
    ("2016", cmd("New-VMSwitch", "t", SwitchType="Private", EnablePacketDirect=False), True),
    ("2019", cmd("New-VMSwitch", "t", SwitchType="Private", AllowNetLbfoTeams=False), False),
    ("2022", cmd("New-VMSwitch", "t", SwitchType="Private", AllowNetLbfoTeams=False), True),
])
def test_switch_parameter_gating(version, statement, works):
    from emulator_helpers import run

    result = run(basic_host(version=version), statement)
    if works:
        assert result.terminating is None, result.terminating
    else:
        assert result.terminating.fqid.startswith("NamedParameterNotFound,")


def test_set_cmdlets_do_not_exist_before_2016():
    from emulator_helpers import run

    host = basic_host(version="2012r2")
    assert run(host, cmd("Get-VMSwitchTeam")).terminating.fqid == "CommandNotFoundException"
    assert run(basic_host(version="2016"), cmd("Get-VMSwitchTeam")).terminating is None


def test_a_pipeline_reuses_adapter_objects_until_something_writes(capable):
    # A whole-host read asks Get-VMNetworkAdapter twice in one pipeline; the second statement takes
    # the first one's objects (engine.reusing_objects) unless a command wrote to the host between
    # them: a later statement of the pipeline, or another client's (here a separate invoke).
    from hyperv_sriov_emulator import engine

    def weights(objects):
        return {plain(obj)["VMName"]: plain(obj)["IovWeight"] for obj in objects if plain(obj).get("VMName")}

    every = cmd("Get-VMNetworkAdapter", All=SWITCH)
    with engine.reusing_objects():
        first = ok(capable, every)
        again = ok(capable, every)
        assert [id(obj) for obj in again] == [id(obj) for obj in first]
        ok(capable, cmd("Set-VMNetworkAdapter", VMName="web01", IovWeight=7))
        changed = ok(capable, every)
        assert not {id(obj) for obj in changed} & {id(obj) for obj in first}
        assert weights(changed)["web01"] == 7 != weights(first)["web01"]
    # Outside a pipeline nothing is kept: a test that edits the model between runs reads the edit.
    web01 = next(vm for vm in capable.vms if vm.name == "web01")
    web01.adapters[0].settings["IovWeight"] = 3
    assert weights(ok(capable, every))["web01"] == 3


@pytest.mark.parametrize("writer, shown", [
    (cmd("Set-VMNetworkAdapter", IovWeight=0, Passthru=SWITCH), {"IovWeight": 0, "IovUsage": 0}),
    (cmd("Disconnect-VMNetworkAdapter", Passthru=SWITCH), {"SwitchName": None, "Connected": False}),
])
def test_a_writer_fed_by_the_pipeline_writes_the_changed_adapter(capable, writer, shown):
    # `Get-VMNetworkAdapter | <writer> -Passthru`: the Get builds the adapter before the change; the
    # writer's -Passthru object must show it after the change, as without any reuse, and so must
    # the next read of the same pipeline.
    from hyperv_sriov_emulator import engine

    reads = cmd("Get-VMNetworkAdapter", VMName="web01")
    with engine.reusing_objects():
        before = ok(capable, reads)
        [written] = ok(capable, [reads, writer])
        [after] = ok(capable, reads)
    assert {name: plain(before[0])[name] for name in shown} != shown
    assert {name: plain(written)[name] for name in shown} == shown
    assert {name: plain(after)[name] for name in shown} == shown


def test_every_version_gated_adapter_property_is_one_the_adapter_has(capable):
    # adapter_object drops the properties an older Windows version lacks by name (_ADAPTER_SINCE):
    # a misspelled name there would silently show the property on every version.
    from hyperv_sriov_emulator.cmdlets import objects

    names = {pair[0] for pair in ok(capable, cmd("Get-VMNetworkAdapter", "web01"))[0].properties}
    assert set(objects._ADAPTER_SINCE) <= names, set(objects._ADAPTER_SINCE) - names
