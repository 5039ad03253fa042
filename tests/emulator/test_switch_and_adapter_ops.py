"""Switch and adapter life cycle: creation, removal, SET teams, hot add/remove, connections."""

import pytest
from emulator_helpers import SWITCH, adapter, basic_host, cmd, ok, plain, run, switch

FQ = "Microsoft.HyperV.PowerShell.Commands."


def test_new_external_switch_creates_a_host_vnic_named_after_it(capable):
    ok(capable, cmd("Remove-VMSwitch", "mgmt-ext", Force=SWITCH))
    [created] = ok(capable, cmd("New-VMSwitch", "lom", NetAdapterName="Embedded LOM 1 Port 1"))
    got = plain(created)
    assert (got["SwitchType"], got["AllowManagementOS"], got["IovEnabled"]) == ("External", True, False)
    vnics = [o.get("Name") for o in ok(capable, cmd("Get-VMNetworkAdapter", ManagementOS=SWITCH, SwitchName="lom"))]
    assert vnics == ["lom"]


def test_new_external_switch_without_management_os(capable):
    ok(capable, cmd("Remove-VMSwitch", "mgmt-ext", Force=SWITCH))
    [created] = ok(capable, cmd("New-VMSwitch", "lom", NetAdapterName="Embedded LOM 1 Port 1", AllowManagementOS=False))
    assert plain(created)["AllowManagementOS"] is False
    assert ok(capable, cmd("Get-VMNetworkAdapter", ManagementOS=SWITCH, SwitchName="lom")) == []


@pytest.mark.parametrize("kind, vnics, expected_type", [("Internal", 1, "Internal"), ("Private", 0, "Private")])
def test_new_internal_and_private_switches(capable, kind, vnics, expected_type):
    [created] = ok(capable, cmd("New-VMSwitch", "x", SwitchType=kind))
    assert plain(created)["SwitchType"] == expected_type
    assert len(ok(capable, cmd("Get-VMNetworkAdapter", ManagementOS=SWITCH, SwitchName="x"))) == vnics


def test_switch_type_external_is_not_accepted_by_new_vmswitch(capable):
    result = run(capable, cmd("New-VMSwitch", "x", SwitchType="External"))
    assert result.terminating.fqid == "ParameterArgumentValidationError," + FQ + "NewVMSwitch"


def test_a_nic_cannot_be_bound_to_two_switches(capable):
    result = run(capable, cmd("New-VMSwitch", "again", NetAdapterName="SLOT 2 Port 1"))
    assert "already bound" in result.terminating.message
    assert result.terminating.fqid == "NetAdapterAlreadyBound," + FQ + "NewVMSwitch"
    assert len(capable.switches) == 3


def test_unknown_nic(capable):
    result = run(capable, cmd("New-VMSwitch", "x", NetAdapterName="No Such NIC"))
    assert result.terminating.category == "ObjectNotFound"


def test_several_nics_imply_embedded_teaming_and_false_is_refused():
    host = basic_host()
    ok(host, cmd("Remove-VMSwitch", ["iov", "plain"], Force=SWITCH))
    refused = run(host, cmd("New-VMSwitch", "t", NetAdapterName=["SLOT 2 Port 1", "SLOT 2 Port 2"],
                            EnableEmbeddedTeaming=False))
    assert refused.terminating.fqid == "NonTeamingWithMultipleAdapters," + FQ + "NewVMSwitch"
    [team] = ok(host, cmd("New-VMSwitch", "t", NetAdapterName=["SLOT 2 Port 1", "SLOT 2 Port 2"], EnableIov=True))
    got = plain(team)
    assert got["EmbeddedTeamingEnabled"] is True and got["NetAdapterInterfaceDescription"] == "Teamed-Interface"
    assert got["NetAdapterInterfaceDescriptions"] == ["NIC A", "NIC B"]
    team_obj = plain(ok(host, cmd("Get-VMSwitchTeam", "t"))[0])
    assert (team_obj["TeamingMode"], team_obj["LoadBalancingAlgorithm"]) == ("SwitchIndependent", "Dynamic")


def test_remove_switch_keeps_vm_adapters_disconnected_with_settings(capable):
    ok(capable, cmd("Set-VMNetworkAdapter", VMName="web01", IovQueuePairsRequested=4, VmqWeight=0))
    ok(capable, cmd("Remove-VMSwitch", "sriov-ext", Force=SWITCH))
    got = adapter(capable, "web01")
    assert (got["SwitchName"], got["SwitchId"], got["Connected"]) == (None, None, False)
    assert (got["IovWeight"], got["IovQueuePairsRequested"], got["VMQWeight"]) == (100, 4, 0)
    assert ok(capable, cmd("Get-VMNetworkAdapter", ManagementOS=SWITCH, Name="sriov-ext")) == []
    # the NICs are free again
    ok(capable, cmd("New-VMSwitch", "again", NetAdapterName="SLOT 2 Port 1", EnableIov=True))


def test_remove_missing_switch(capable):
    result = run(capable, cmd("Remove-VMSwitch", "ghost"))
    assert result.errors[0].fqid == "InvalidParameter," + FQ + "RemoveVMSwitch"


def test_get_vmswitch_by_id_and_type(capable):
    sw_id = next(sw.id for sw in capable.switches if sw.name == "mgmt-ext")
    assert [o.get("Name") for o in ok(capable, cmd("Get-VMSwitch", Id=sw_id))] == ["mgmt-ext"]
    internal = [o.get("Name") for o in ok(capable, cmd("Get-VMSwitch", SwitchType="Internal"))]
    assert internal == ["lab-internal"]
    missing = run(capable, cmd("Get-VMSwitch", Id="00000000-0000-0000-0000-000000000001"))
    assert missing.errors[0].message == "No Ethernet switch could be found matching the specified criteria."
    assert missing.errors[0].category == "ObjectNotFound"


def test_iov_switch_type_cannot_change(capable):
    result = run(capable, cmd("Set-VMSwitch", "sriov-ext", SwitchType="Internal"))
    assert result.terminating.category in ("InvalidOperation", "InvalidArgument")
    assert switch(capable, "sriov-ext")["SwitchType"] == "External"


def test_set_switch_nic_changes_are_refused_on_teams(capable):
    result = run(capable, cmd("Set-VMSwitch", "sriov-ext", NetAdapterName="Embedded LOM 1 Port 1"))
    assert "Set-VMSwitchTeam" in result.terminating.message


def test_set_vmswitch_internal_to_external_and_back():
    host = basic_host()
    ok(host, cmd("Remove-VMSwitch", "plain", Force=SWITCH))
    ok(host, cmd("Set-VMSwitch", "inside", NetAdapterName="SLOT 2 Port 2"))
    got = switch(host, "inside")
    assert (got["SwitchType"], got["AllowManagementOS"]) == ("External", True)
    ok(host, cmd("Set-VMSwitch", "inside", AllowManagementOS=False))
    assert switch(host, "inside")["AllowManagementOS"] is False
    ok(host, cmd("Set-VMSwitch", "inside", SwitchType="Private"))
    assert switch(host, "inside")["SwitchType"] == "Private"
    assert host.switch_of_nic("SLOT 2 Port 2") is None


def test_set_vmswitch_rules():
    host = basic_host()
    cases = [
        (cmd("Set-VMSwitch", "inside", SwitchType="External"), "InvalidParameter"),
        (cmd("Set-VMSwitch", "private", AllowManagementOS=True), "InvalidParameter"),
        (cmd("Set-VMSwitch", "plain", DefaultFlowMinimumBandwidthAbsolute=1, DefaultFlowMinimumBandwidthWeight=1),
         "InvalidParameter"),
        (cmd("Set-VMSwitch", "plain", DefaultFlowMinimumBandwidthWeight=5), "InvalidParameter"),
        (cmd("Set-VMSwitch", "plain", DefaultQueueVrssMinQueuePairs=17), "InvalidParameter"),
    ]
    for statement, fqid in cases:
        result = run(host, statement)
        assert result.terminating is not None and result.terminating.fqid.startswith(fqid + ","), statement
    ok(host, cmd("Set-VMSwitch", "plain", DefaultFlowMinimumBandwidthAbsolute=100_000_000, Notes="é"))
    got = switch(host, "plain")
    assert (got["DefaultFlowMinimumBandwidthAbsolute"], got["Notes"]) == (100_000_000, "é")
    ok(host, cmd("Set-VMSwitch", "plain", DefaultQueueVrssMaxQueuePairs=8, DefaultQueueVrssMinQueuePairs=2,
                 EnableSoftwareRsc=False))
    got = switch(host, "plain")
    assert (got["DefaultQueueVrssMaxQueuePairsRequested"], got["DefaultQueueVrssMinQueuePairsRequested"],
            got["SoftwareRscEnabled"]) == (8, 2, False)


def test_set_vmswitchteam_members_and_algorithm(capable):
    ok(capable, cmd("Set-VMSwitchTeam", Name="sriov-ext", NetAdapterName="SLOT 2 Port 1",
                    LoadBalancingAlgorithm="HyperVPort"))
    team = plain(ok(capable, cmd("Get-VMSwitchTeam", "sriov-ext"))[0])
    assert team["NetAdapterInterfaceDescription"] == ["Intel(R) Ethernet Controller X710 for 10GbE SFP+"]
    assert team["LoadBalancingAlgorithm"] == "HyperVPort"
    assert switch(capable, "sriov-ext")["IovVirtualFunctionCount"] == 8
    bound = run(capable, cmd("Set-VMSwitchTeam", "sriov-ext", NetAdapterName=["SLOT 2 Port 1", "Embedded LOM 1 Port 1"]))
    assert "already bound" in bound.terminating.message
    ok(capable, cmd("Add-VMSwitchTeamMember", VMSwitchName="sriov-ext", NetAdapterName="SLOT 2 Port 2"))
    assert switch(capable, "sriov-ext")["IovVirtualFunctionCount"] == 16
    not_a_team = run(capable, cmd("Set-VMSwitchTeam", "mgmt-ext", LoadBalancingAlgorithm="Dynamic"))
    assert not_a_team.errors and "not a switch embedded team" in not_a_team.errors[0].message


def test_add_adapter_rules(capable):
    added = ok(capable, cmd("Add-VMNetworkAdapter", "web01", Name="Second", SwitchName="sriov-ext", Passthru=SWITCH))
    assert plain(added[0])["Name"] == "Second" and plain(added[0])["IovWeight"] == 0
    gen1_running = run(capable, cmd("Start-VM", "legacy-gen1"), cmd("Add-VMNetworkAdapter", "legacy-gen1"))
    assert gen1_running.errors[0].category == "InvalidOperation"
    ok(capable, cmd("Stop-VM", "legacy-gen1"))
    ok(capable, cmd("Add-VMNetworkAdapter", "legacy-gen1", IsLegacy=True))
    assert [a.name for a in capable.vms[4].adapters] == ["Network Adapter", "Legacy Network Adapter"]
    legacy_gen2 = run(capable, cmd("Add-VMNetworkAdapter", "web02", IsLegacy=True))
    assert legacy_gen2.errors[0].category == "InvalidArgument"
    missing_switch = run(capable, cmd("Add-VMNetworkAdapter", "web02", SwitchName="ghost"))
    assert missing_switch.errors[0].message == 'Hyper-V was unable to find a virtual switch with name "ghost".'


def test_a_dynamic_mac_address_is_assigned_when_the_vm_starts(capable):
    # Hyper-V gives a dynamic MAC address at power-on: an adapter added to a VM that is off shows
    # 000000000000 until the VM starts (operations.UNASSIGNED_MAC names the sources); one added to
    # a running VM, or given -StaticMacAddress, has its address at once.
    def macs(vm):
        return {plain(a)["Name"]: plain(a)["MacAddress"] for a in ok(capable, cmd("Get-VMNetworkAdapter", vm))}

    ok(capable, cmd("Stop-VM", "web02", Force=SWITCH))
    ok(capable, cmd("Add-VMNetworkAdapter", "web02", Name="Off1"))
    ok(capable, cmd("Add-VMNetworkAdapter", "web02", Name="Off2"))
    ok(capable, cmd("Add-VMNetworkAdapter", "web02", Name="Fixed", StaticMacAddress="00155D0A0B0C"))
    before = macs("web02")
    assert (before["Off1"], before["Off2"], before["Fixed"]) == ("000000000000", "000000000000", "00155D0A0B0C")
    assert before["Network Adapter"] != "000000000000"  # it had its address from an earlier start
    ok(capable, cmd("Start-VM", "web02"))
    after = macs("web02")
    assert "000000000000" not in after.values() and after["Off1"] != after["Off2"]
    assert (after["Fixed"], after["Network Adapter"]) == ("00155D0A0B0C", before["Network Adapter"])
    ok(capable, cmd("Add-VMNetworkAdapter", "web02", Name="Hot"))
    assert macs("web02")["Hot"] != "000000000000"


def test_add_and_remove_management_os_adapters(capable):
    ok(capable, cmd("Add-VMNetworkAdapter", ManagementOS=SWITCH, Name="SMB1", SwitchName="sriov-ext"))
    names = [o.get("Name") for o in ok(capable, cmd("Get-VMNetworkAdapter", ManagementOS=SWITCH))]
    assert "SMB1" in names
    # -SwitchName is optional in every set of the real module; the cmdlet itself needs it here.
    missing = run(capable, cmd("Add-VMNetworkAdapter", ManagementOS=SWITCH, Name="x"))
    assert missing.terminating.fqid == "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.AddVMNetworkAdapter"
    ok(capable, cmd("Remove-VMNetworkAdapter", ManagementOS=SWITCH, Name="SMB1"))
    assert "SMB1" not in [o.get("Name") for o in ok(capable, cmd("Get-VMNetworkAdapter", ManagementOS=SWITCH))]


def test_remove_vm_adapter_hot_on_gen2_only(capable):
    ok(capable, cmd("Remove-VMNetworkAdapter", "web02", Name="Network Adapter"))
    assert ok(capable, cmd("Get-VMNetworkAdapter", "web02")) == []
    ok(capable, cmd("Start-VM", "legacy-gen1"))
    result = run(capable, cmd("Remove-VMNetworkAdapter", "legacy-gen1", Name="Network Adapter"))
    assert result.errors[0].category == "InvalidOperation"


def test_connect_errors(capable):
    no_switch = run(capable, cmd("Connect-VMNetworkAdapter", "web01", SwitchName="ghost"))
    assert no_switch.errors[0].fqid == "InvalidParameter," + FQ + "ConnectVMNetworkAdapter"
    no_adapter = run(capable, cmd("Connect-VMNetworkAdapter", "web01", "Nope", "mgmt-ext"))
    assert no_adapter.errors[0].message == "No network adapter was found with the given criteria."
    assert no_adapter.errors[0].category == "ObjectNotFound"


def test_connect_by_pipeline_and_switch_object(capable):
    sw_obj = ok(capable, cmd("Get-VMSwitch", "mgmt-ext"))[0]
    ok(capable, [cmd("Get-VMNetworkAdapter", "web01"), cmd("Connect-VMNetworkAdapter", VMSwitch=sw_obj)])
    assert adapter(capable, "web01")["SwitchName"] == "mgmt-ext"


def test_set_vmnetworkadapter_targets(capable):
    missing_vm = run(capable, cmd("Set-VMNetworkAdapter", VMName="ghost", IovWeight=1))
    assert missing_vm.errors[0].category == "ObjectNotFound"
    missing_adapter = run(capable, cmd("Set-VMNetworkAdapter", VMName="db01", Name="Nope", IovWeight=1))
    assert missing_adapter.errors[0].category == "ObjectNotFound"
    ok(capable, cmd("Set-VMNetworkAdapter", VMName="db01", IovWeight=1))
    assert [a.settings["IovWeight"] for a in capable.vms[2].adapters] == [1, 1]


def test_static_mac_needs_the_vm_off(capable):
    running = run(capable, cmd("Set-VMNetworkAdapter", VMName="web01", StaticMacAddress="00155DAA0001"))
    assert running.terminating.category == "InvalidOperation"
    ok(capable, cmd("Stop-VM", "web01"), cmd("Set-VMNetworkAdapter", VMName="web01", StaticMacAddress="00155daa0001"))
    got = adapter(capable, "web01")
    assert (got["MacAddress"], got["DynamicMacAddressEnabled"]) == ("00155DAA0001", False)


def test_get_vm_errors_and_state_changes(capable):
    result = run(capable, cmd("Start-VM", ["legacy-gen1", "ghost"]))
    assert result.errors[0].fqid == "InvalidParameter," + FQ + "StartVM"
    assert plain(ok(capable, cmd("Get-VM", "legacy-gen1"))[0])["State"] == "Running"
    ok(capable, cmd("Stop-VM", "legacy-gen1", Save=SWITCH))
    assert plain(ok(capable, cmd("Get-VM", "legacy-gen1"))[0])["State"] == "Saved"
    ok(capable, cmd("Start-VM", "legacy-gen1"), cmd("Start-VM", "legacy-gen1"))
    assert plain(ok(capable, cmd("Get-VM", "legacy-gen1"))[0])["State"] == "Running"


@pytest.mark.parametrize("shape,rule", [
    ((1, False, True, "None"), None),
    ((2, True, True, "Default"), None),
    ((2, False, False, None), "several-nics-without-teaming"),
    ((0, True, False, None), "teaming-without-nic"),
    ((9, True, False, None), "too-many-nics"),
    ((1, False, True, "Weight"), "iov-with-bandwidth-weights"),
    ((1, False, False, "Weight"), None),
])
def test_check_switch_names_the_rule_a_new_switch_breaks(shape, rule):
    from hyperv_sriov_emulator.model import operations

    assert operations.check_switch(*shape) == rule


def test_minimum_bandwidth_is_rounded_and_read_from_the_expanded_bandwidth_setting(capable):
    # "The specified value is rounded to the nearest multiple of eight." (Set-VMNetworkAdapter help);
    # the setting is null until a value is set, and expands with its adapter's Id added.
    reader = [cmd("Get-VMNetworkAdapter", All=SWITCH),
              cmd("Select-Object", Property=["Id"], ExpandProperty="BandwidthSetting")]
    assert ok(capable, reader) == []
    ok(capable, cmd("Set-VMNetworkAdapter", ManagementOS=SWITCH, Name="mgmt-ext", MinimumBandwidthAbsolute=100000003))
    (setting,) = ok(capable, reader)
    shown = plain(setting)
    assert setting.type_names[0] == "Microsoft.HyperV.PowerShell.VMNetworkAdapterBandwidthSetting"
    assert (shown["MinimumBandwidthAbsolute"], shown["MinimumBandwidthWeight"]) == (100000000, 0)
    host_vnic = plain(ok(capable, cmd("Get-VMNetworkAdapter", ManagementOS=SWITCH, Name="mgmt-ext"))[0])
    assert shown["Id"] == host_vnic["Id"]
