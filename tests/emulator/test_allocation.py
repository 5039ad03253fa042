"""The VF allocation policy: eligibility (each condition with its negative case), weight order,
the stable tie-break, and reallocation on every kind of change."""

import pytest
from emulator_helpers import SWITCH, adapter, basic_host, cmd, has_vf, ok, plain, switch, vf_reason

# Every eligibility condition: the host that breaks it, and the reason the model gives.
ELIGIBILITY = [
    ("all conditions met", {}, None),
    ("VM not running", {"state": "Off"}, "VmNotRunning"),
    ("VM saved", {"state": "Saved"}, "VmNotRunning"),
    ("IovWeight 0", {"weight": 0}, "IovWeightZero"),
    ("internal switch", {"switch": "inside"}, "SwitchNotExternal"),
    ("private switch", {"switch": "private"}, "SwitchNotExternal"),
    ("switch without IOV", {"switch": "plain"}, "SwitchIovDisabled"),
    ("platform without IOV", {"platform_iov": False}, "HostIovUnsupported"),
    ("NIC cannot do SR-IOV", {"support": "MissingAcs"}, "NicSriovUnsupported"),
    ("NIC SR-IOV disabled", {"nic_enabled": False}, "NicSriovDisabled"),
    ("NIC with zero VFs", {"vfs": 0}, "NicNoVirtualFunctions"),
    ("guest cannot use a VF", {"guest": False}, "GuestUnsupported"),
]


@pytest.mark.parametrize("label, change, reason", ELIGIBILITY, ids=[e[0] for e in ELIGIBILITY])
def test_eligibility(label, change, reason):
    host = basic_host(**change)
    assert has_vf(host, "vm1") == (reason is None)
    assert vf_reason(host, "vm1") == reason
    got = adapter(host, "vm1")
    if reason is None:
        assert got["VFDataPathActive"] is True and got["IovQueuePairsAssigned"] == 1
        assert got["VirtualFunction"] is not None
    else:
        assert got["VFDataPathActive"] is False and got["IovQueuePairsAssigned"] == 0
        assert got["VirtualFunction"] is None


def test_disconnected_adapter_has_no_vf(capable):
    ok(capable, cmd("Disconnect-VMNetworkAdapter", VMName="web01"))
    assert not has_vf(capable, "web01")
    assert vf_reason(capable, "web01") == "NotConnected"


def test_legacy_adapter_never_gets_a_vf():
    host = basic_host()
    vm = host.vms[0]
    vm.generation = 1
    vm.adapters[0].is_legacy = True
    host.reallocate()
    assert vf_reason(host, "vm1") == "LegacyAdapter"


def _vf_holders(host):
    return sorted(o.get("VMName") for o in ok(host, cmd("Get-VMNetworkAdapter", All=SWITCH)) if o.get("IovUsage") == 1)


def test_higher_weight_wins_when_vfs_run_short(shortage):
    assert _vf_holders(shortage) == ["gold1", "gold2", "silver1", "silver2"]
    assert switch(shortage, "sriov-ext")["IovVirtualFunctionsInUse"] == 4
    ok(shortage, cmd("Set-VMNetworkAdapter", VMName="bronze1", IovWeight=95))
    assert "bronze1" in _vf_holders(shortage)
    # the newest holder of the lowest weight lost its VF, the earlier equal-weight one kept it
    assert _vf_holders(shortage) == ["bronze1", "gold1", "gold2", "silver1"]
    assert vf_reason(shortage, "silver2") == "NoVirtualFunctionAvailable"


def test_equal_weights_first_come_first_served(shortage):
    ok(shortage, cmd("Stop-VM", "silver1"))
    assert "silver3" in _vf_holders(shortage)
    ok(shortage, cmd("Start-VM", "silver1"))
    # silver1 asked again later than silver3: it waits, silver3 keeps its VF
    assert "silver3" in _vf_holders(shortage) and "silver1" not in _vf_holders(shortage)
    assert vf_reason(shortage, "silver1") == "NoVirtualFunctionAvailable"


def test_reallocation_is_stable_when_nothing_changes(shortage):
    before = [(a.vf and (a.vf.nic, a.vf.function_id)) for vm in shortage.vms for a in vm.adapters]
    for _attempt in range(3):
        shortage.reallocate()
    after = [(a.vf and (a.vf.nic, a.vf.function_id)) for vm in shortage.vms for a in vm.adapters]
    assert before == after


def test_holder_keeps_its_function_id(shortage):
    vf_before = plain(ok(shortage, cmd("Get-NetAdapterSriovVf", FunctionID=3))[0])["VmFriendlyName"]
    ok(shortage, cmd("Stop-VM", "gold1"))
    holders = {plain(o)["VmFriendlyName"]: plain(o)["FunctionID"] for o in ok(shortage, cmd("Get-NetAdapterSriovVf"))}
    assert holders[vf_before] == 3
    assert holders["silver3"] == 0  # the freed VF goes to the next in line


# Each change that must trigger reallocation: (statement, VM whose VF state flips, has VF after).
CHANGES = [
    ("stop VM", cmd("Stop-VM", "web01", TurnOff=SWITCH), "web01", False),
    ("save VM", cmd("Stop-VM", "web01", Save=SWITCH), "web01", False),
    ("weight to 0", cmd("Set-VMNetworkAdapter", VMName="web01", IovWeight=0), "web01", False),
    ("disconnect", cmd("Disconnect-VMNetworkAdapter", "web01"), "web01", False),
    ("connect to non-IOV", cmd("Connect-VMNetworkAdapter", "web01", SwitchName="mgmt-ext"), "web01", False),
    ("remove switch", cmd("Remove-VMSwitch", "sriov-ext", Force=SWITCH), "web01", False),
    ("disable SR-IOV", cmd("Disable-NetAdapterSriov", Name=["SLOT 2 Port 1", "SLOT 2 Port 2"]), "web01", False),
    ("remove adapter", cmd("Remove-VMNetworkAdapter", "web01", Name="Network Adapter"), None, None),
]


@pytest.mark.parametrize("label, statement, vm, after", CHANGES, ids=[c[0] for c in CHANGES])
def test_changes_reallocate(capable, label, statement, vm, after):
    in_use = switch(capable, "sriov-ext")["IovVirtualFunctionsInUse"]
    assert has_vf(capable, "web01")
    ok(capable, statement)
    if vm is not None:
        assert has_vf(capable, vm) is after
    if label != "remove switch":
        assert switch(capable, "sriov-ext")["IovVirtualFunctionsInUse"] == (0 if "SR-IOV" in label else in_use - 1)


def test_start_and_reconnect_give_the_vf_back(capable):
    ok(capable, cmd("Stop-VM", "web01"), cmd("Disconnect-VMNetworkAdapter", "web01"))
    assert not has_vf(capable, "web01")
    ok(capable, cmd("Start-VM", "web01"))
    assert not has_vf(capable, "web01")
    ok(capable, cmd("Connect-VMNetworkAdapter", "web01", "Network Adapter", "sriov-ext"))
    assert has_vf(capable, "web01")
    # IovWeight survived the switch change (reference §6)
    assert adapter(capable, "web01")["IovWeight"] == 100


def test_num_vfs_change_reallocates(shortage):
    ok(shortage, cmd("Set-NetAdapterSriov", Name="SLOT 1 Port 1", NumVFs=2))
    assert _vf_holders(shortage) == ["gold1", "gold2"]
    assert switch(shortage, "sriov-ext")["IovVirtualFunctionCount"] == 2
    ok(shortage, cmd("Set-NetAdapterSriov", Name="SLOT 1 Port 1", NumVFs=8))
    assert len(_vf_holders(shortage)) == 6


def test_sriov_re_enable_brings_vfs_back(capable):
    nics = ["SLOT 2 Port 1", "SLOT 2 Port 2"]
    ok(capable, cmd("Disable-NetAdapterSriov", Name=nics))
    assert _vf_holders(capable) == []
    ok(capable, cmd("Enable-NetAdapterSriov", Name=nics))
    assert _vf_holders(capable) == ["bürohaus-app", "db01", "web01", "web02"]


def test_team_vfs_fill_members_in_order():
    from emulator_helpers import host_from

    host = host_from("""
hosts:
  - name: T
    physical_adapters:
      - {name: P1, interface_description: D1, num_vfs: 2}
      - {name: P2, interface_description: D2, num_vfs: 2}
    switches:
      - {name: set, net_adapters: [P1, P2], enable_iov: true}
    vms:
      - {name: "v{n}", count: 3, state: Running, adapters: [{switch: set, iov_weight: 1}]}
""")
    vfs = [(plain(o)["Name"], plain(o)["FunctionID"], plain(o)["VmFriendlyName"]) for o in ok(host, cmd("Get-NetAdapterSriovVf"))]
    assert vfs == [("P1", 0, "v1"), ("P1", 1, "v2"), ("P2", 0, "v3")]
    assert switch(host, "set")["IovVirtualFunctionCount"] == 4
    # removing a member revokes its VFs; the pool shrinks to P1's two
    ok(host, cmd("Set-VMSwitchTeam", "set", NetAdapterName="P1"))
    assert [plain(o)["VmFriendlyName"] for o in ok(host, cmd("Get-NetAdapterSriovVf"))] == ["v1", "v2"]


def test_queue_pairs_assigned_capped_by_the_nic(capable):
    ok(capable, cmd("Set-VMNetworkAdapter", VMName="web01", IovQueuePairsRequested=64))
    got = adapter(capable, "web01")
    assert (got["IovQueuePairsRequested"], got["IovQueuePairsAssigned"]) == (64, 8)
    assert switch(capable, "sriov-ext")["IovQueuePairsInUse"] == 8 + 1 + 1 + 1


def test_status_reflects_requested_but_not_active(shortage):
    got = adapter(shortage, "bronze1")
    assert got["Status"] == ["Degraded"]
    assert got["StatusDescription"][0].startswith("SR-IOV not operational: No virtual function is free")
    assert adapter(shortage, "gold1")["Status"] == ["Ok"]
    ok(shortage, cmd("Stop-VM", "bronze1"))
    off = adapter(shortage, "bronze1")
    assert off["Status"] is None and off["StatusDescription"] is None


def test_allocation_at_scale_hands_out_every_vf_and_takes_them_back():
    from emulator_helpers import host_from

    host = host_from("""
hosts:
  - name: BIG
    physical_adapters:
      - {name: P1, interface_description: D1, num_vfs: 64, max_vfs: 64}
      - {name: P2, interface_description: D2, num_vfs: 64, max_vfs: 64}
    switches:
      - {name: set, net_adapters: [P1, P2], enable_iov: true}
    vms:
      - name: "vm{n}"
        count: 500
        state: Running
        adapters: [{switch: set, iov_weight: 50}, {name: second, switch: set, iov_weight: 60}]
""")
    # Speed at this scale is measured by benchmarks/emulator_bench.py, not asserted here.
    objects = ok(host, cmd("Get-VMNetworkAdapter", All=SWITCH))
    assert len(objects) == 1001
    assert sum(1 for o in objects if o.get("IovUsage") == 1) == 128
    ok(host, [cmd("Get-VM"), cmd("Stop-VM", TurnOff=SWITCH)])
    assert not any(a.vf for vm in host.vms for a in vm.adapters)
    ok(host, [cmd("Get-VM"), cmd("Start-VM")])
    assert sum(1 for vm in host.vms for a in vm.adapters if a.vf) == 128
