"""Every rule of the reference's §4 checklist, each with its negative case."""

import pytest
from emulator_helpers import SWITCH, adapter, basic_host, cmd, host_from, ok, plain, run, switch

FQID_SET_ADAPTER = "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.SetVMNetworkAdapter"


# -- §4.1 creation-only switch settings and the resolved bandwidth mode -----------------------------
@pytest.mark.parametrize("param", ["EnableIov", "MinimumBandwidthMode", "EnablePacketDirect", "EnableEmbeddedTeaming"])
def test_creation_only_settings_have_no_set_parameter(capable, param):
    result = run(capable, cmd("Set-VMSwitch", "sriov-ext", **{param: True}))
    assert result.terminating.fqid == "NamedParameterNotFound,Microsoft.HyperV.PowerShell.Commands.SetVMSwitch"
    assert result.terminating.message == "A parameter cannot be found that matches parameter name '%s'." % param
    assert switch(capable, "sriov-ext")["IovEnabled"] is True


@pytest.mark.parametrize("version, iov, mode, expected", [
    ("2022", True, None, "None"),
    ("2022", True, "Default", "None"),
    ("2022", True, "None", "None"),
    ("2022", False, None, "Absolute"),
    ("2016", False, "Default", "Absolute"),
    ("2019", False, None, "Absolute"),
    ("2012r2", False, None, "Weight"),
    ("2012r2", True, None, "None"),
    ("2022", False, "Weight", "Weight"),
    ("2012r2", False, "Absolute", "Absolute"),
])
def test_default_bandwidth_mode_resolves_per_version(version, iov, mode, expected):
    host = basic_host(version=version)
    params = {"NetAdapterName": "SLOT 2 Port 1", "EnableIov": iov}
    ok(host, cmd("Remove-VMSwitch", "iov", Force=SWITCH))
    if mode:
        params["MinimumBandwidthMode"] = mode
    [created] = ok(host, cmd("New-VMSwitch", "new", **params))
    assert plain(created)["BandwidthReservationMode"] == expected
    assert plain(created)["IovEnabled"] is iov


@pytest.mark.parametrize("mode", ["Weight", "Absolute"])
def test_explicit_weight_or_absolute_mode_with_iov_is_refused(capable, mode):
    ok(capable, cmd("New-VMSwitch", "lab", SwitchType="Private"))
    ok(capable, cmd("Remove-VMSwitch", "mgmt-ext", Force=SWITCH))
    result = run(capable, cmd("New-VMSwitch", "x", NetAdapterName="Embedded LOM 1 Port 1", EnableIov=True,
                              MinimumBandwidthMode=mode))
    assert result.terminating.category == "InvalidArgument"
    assert not any(sw.name == "x" for sw in capable.switches)


# -- §4.2 where IovSupport comes from ---------------------------------------------------------------
def test_switch_iov_support_comes_from_the_bound_nic(ws2016):
    assert switch(ws2016, "sriov-ext")["IovSupport"] is True
    # A supported external port has an empty reason list (Msvm_ExternalEthernetPortCapabilities,
    # reference §2.9: "empty when IovSupport is True"); only a switch without a port has none.
    assert switch(ws2016, "sriov-ext")["IovSupportReasons"] == []
    classic = switch(ws2016, "classic-ext")
    assert classic["IovSupport"] is False
    assert classic["IovSupportReasons"][0].startswith("SR-IOV cannot be used on this network adapter as the device")
    assert plain(ok(ws2016, cmd("Get-VMHost"))[0])["IovSupport"] is True


@pytest.mark.parametrize("kind", ["inside", "private"])
def test_internal_and_private_switches_have_no_iov_support(kind):
    got = switch(basic_host(), kind)
    assert got["IovSupport"] is False and got["IovSupportReasons"] is None
    assert got["IovVirtualFunctionCount"] == 0 and got["NetAdapterInterfaceDescription"] is None


def test_host_and_switch_can_both_be_false_with_different_reasons(bios):
    host_obj = plain(ok(bios, cmd("Get-VMHost"))[0])
    assert host_obj["IovSupport"] is False
    assert host_obj["IovSupportReasons"] == [
        "To use SR-IOV on this system, the system BIOS must be updated to allow Windows to control PCI Express. "
        "Contact your system manufacturer for an update.",
        "Ensure that the system has chipset support for SR-IOV and that I/O virtualization is enabled in the BIOS.",
    ]
    ok(bios, cmd("Set-NetAdapterSriov", "SLOT 3 Port 1", Enabled=False))
    bios.nics["slot 3 port 1"].sriov_support = "NoVfBarSpace"
    sw = switch(bios, "sriov-ext")
    assert sw["IovSupport"] is False and sw["IovEnabled"] is True
    assert sw["IovSupportReasons"][:2] == host_obj["IovSupportReasons"]
    assert "BAR resources" in sw["IovSupportReasons"][2]


def test_iov_switch_on_a_nic_without_sriov_is_accepted_and_reports_the_truth(capable):
    ok(capable, cmd("Remove-VMSwitch", "mgmt-ext", Force=SWITCH))
    [created] = ok(capable, cmd("New-VMSwitch", "lom-iov", NetAdapterName="Embedded LOM 1 Port 1", EnableIov=True))
    got = plain(created)
    assert (got["IovEnabled"], got["IovSupport"]) == (True, False)
    assert got["IovSupportReasons"] == ["This network adapter does not support SR-IOV."]


# -- §4.3 requested vs active: covered per condition in test_allocation; the objects here ----------
def test_requested_but_not_active_is_a_steady_state(shortage):
    got = adapter(shortage, "bronze1")
    assert (got["IovWeight"], got["IovUsage"], got["IovQueuePairsAssigned"], got["VFDataPathActive"]) == (10, 0, 0, False)
    active = adapter(shortage, "gold1")
    assert (active["IovUsage"], active["IovQueuePairsAssigned"], active["VFDataPathActive"]) == (1, 1, True)
    # The nested VF CIM instance, read as its MMI ToString (class and key).
    assert active["VirtualFunction"].startswith("MSFT_NetAdapterSriovVfSettingData (InstanceID = ")


# -- §4.4 counters count only active adapters; VF count tracks NumVFs ------------------------------
def test_switch_counters(shortage):
    sw = switch(shortage, "sriov-ext")
    assert (sw["IovVirtualFunctionCount"], sw["IovVirtualFunctionsInUse"], sw["IovQueuePairsInUse"]) == (4, 4, 4)
    ok(shortage, cmd("Set-NetAdapterSriov", "SLOT 1 Port 1", NumVFs=16))
    sw = switch(shortage, "sriov-ext")
    assert (sw["IovVirtualFunctionCount"], sw["IovVirtualFunctionsInUse"]) == (16, 6)


def test_non_iov_switch_shows_zero_vfs_on_a_capable_nic():
    got = switch(basic_host(), "plain")
    assert (got["IovEnabled"], got["IovSupport"], got["IovVirtualFunctionCount"], got["IovVirtualFunctionsInUse"]) == (
        False, True, 0, 0)
    assert got["IovQueuePairCount"] > 0


# -- §4.5 per-adapter validation ---------------------------------------------------------------------
VALIDATION = [
    ({"IovWeight": 101}, FQID_SET_ADAPTER),
    ({"IovWeight": 100}, None),
    ({"IovWeight": 0}, None),
    ({"IovQueuePairsRequested": 0}, FQID_SET_ADAPTER),
    ({"IovQueuePairsRequested": 1}, None),
    ({"VrssMaxQueuePairs": 0}, FQID_SET_ADAPTER),
    ({"VrssMaxQueuePairs": 1}, None),
    ({"VrssMinQueuePairs": 0}, FQID_SET_ADAPTER),
    ({"VrssMinQueuePairs": 17}, FQID_SET_ADAPTER),
    ({"VrssMinQueuePairs": 16}, None),
    ({"VrssMinQueuePairs": 8, "VrssMaxQueuePairs": 4}, FQID_SET_ADAPTER),
    ({"VrssVmbusChannelAffinityPolicy": "None"}, FQID_SET_ADAPTER),
    ({"VrssVmbusChannelAffinityPolicy": "Strict"}, None),
    ({"MinimumBandwidthWeight": 101}, FQID_SET_ADAPTER),
    ({"VmqWeight": 250}, None),
    ({"StaticMacAddress": "00155D0000FF", "DynamicMacAddress": SWITCH}, FQID_SET_ADAPTER),
    ({"StaticMacAddress": "nonsense"}, FQID_SET_ADAPTER),
]


@pytest.mark.parametrize("params, fqid", VALIDATION, ids=[str(v[0]) for v in VALIDATION])
def test_set_vmnetworkadapter_validation(capable, params, fqid):
    before = dict(capable.vms[0].adapters[0].settings)
    ok(capable, cmd("Stop-VM", "web01"))
    result = run(capable, cmd("Set-VMNetworkAdapter", VMName="web01", **params))
    if fqid is None:
        assert result.terminating is None and result.errors == []
    else:
        assert result.terminating.fqid == fqid
        assert result.terminating.category == "InvalidArgument"
        assert capable.vms[0].adapters[0].settings == before


def test_minimum_bandwidth_is_rejected_on_a_none_mode_switch(capable):
    result = run(capable, cmd("Set-VMNetworkAdapter", VMName="web01", MinimumBandwidthWeight=10))
    assert result.terminating.fqid == FQID_SET_ADAPTER
    assert "is None" in result.terminating.message


def test_minimum_bandwidth_is_accepted_on_a_weight_mode_switch():
    host = basic_host(version="2012r2", switch="plain")
    ok(host, cmd("Set-VMNetworkAdapter", VMName="vm1", MinimumBandwidthWeight=30))
    assert host.vms[0].adapters[0].settings["MinimumBandwidthWeight"] == 30


def test_management_os_only_rules(capable):
    # The MAC parameters are not in the ManagementOS set (the real module's tables): a binding error.
    result = run(capable, cmd("Set-VMNetworkAdapter", ManagementOS=SWITCH, Name="sriov-ext",
                              StaticMacAddress="00155D000001"))
    assert result.terminating.fqid.startswith("AmbiguousParameterSet,")
    # NumaAwarePlacement binds there, and the cmdlet refuses it for a host vNIC (issue 11, from the
    # cmdlet's code, reference S4).
    result = run(capable, cmd("Set-VMNetworkAdapter", ManagementOS=SWITCH, Name="sriov-ext", NumaAwarePlacement=True))
    assert result.terminating.fqid == FQID_SET_ADAPTER
    # The Iov* parameters are in the ManagementOS set (2022 reference) and accepted.
    ok(capable, cmd("Set-VMNetworkAdapter", ManagementOS=SWITCH, Name="sriov-ext", IovWeight=10))


def test_management_os_accepts_its_own_settings(capable):
    ok(capable, cmd("Set-VMNetworkAdapter", ManagementOS=SWITCH, Name="sriov-ext", VmqWeight=0, VrssEnabled=False))
    got = plain(ok(capable, cmd("Get-VMNetworkAdapter", ManagementOS=SWITCH, Name="sriov-ext"))[0])
    assert (got["VMQWeight"], got["VrssEnabledRequested"]) == (0, False)


# -- §4.6 disable / fewer VFs revoke, and -NoRestart defers ------------------------------------------
def test_fewer_vfs_than_in_use_revokes_the_lowest_ranked(shortage):
    ok(shortage, cmd("Set-NetAdapterSriov", "SLOT 1 Port 1", NumVFs=1))
    holders = [plain(o)["VmFriendlyName"] for o in ok(shortage, cmd("Get-NetAdapterSriovVf"))]
    assert holders == ["gold1"]


def test_disable_with_norestart_keeps_vfs_until_restart(shortage):
    ok(shortage, cmd("Disable-NetAdapterSriov", "SLOT 1 Port 1", NoRestart=SWITCH))
    assert len(ok(shortage, cmd("Get-NetAdapterSriovVf"))) == 4
    ok(shortage, cmd("Restart-NetAdapter", "SLOT 1 Port 1"))
    assert ok(shortage, cmd("Get-NetAdapterSriovVf")) == []
    assert adapter(shortage, "gold1")["Status"] == ["Degraded"]


# -- §4.7 the NIC switch name --------------------------------------------------------------------------
def test_netadaptersriov_switch_name_is_the_nic_switch_not_the_vswitch(capable):
    objects = ok(capable, cmd("Get-NetAdapterSriov"))
    assert [o.get("SwitchName") for o in objects] == ["Default Switch", "Default Switch"]
    vswitch = capable.switch_of_nic(objects[0].get("Name"))
    assert vswitch is not None and vswitch.name != objects[0].get("SwitchName")


def test_a_second_host_from_text_is_independent():
    one = host_from("hosts: [{name: A, physical_adapters: [{name: N, interface_description: D}]}]")
    two = host_from("hosts: [{name: A, physical_adapters: [{name: N, interface_description: D}]}]")
    ok(one, cmd("Set-NetAdapterSriov", "N", NumVFs=3))
    assert plain(ok(two, cmd("Get-NetAdapterSriov", "N"))[0])["NumVFs"] == 32
