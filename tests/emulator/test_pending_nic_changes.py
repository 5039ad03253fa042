"""Configured vs effective NIC SR-IOV settings: what shows at once and what waits for a restart."""

import pytest
from emulator_helpers import SWITCH, cmd, ok, plain, run, switch


def _sriov(host, name):
    return plain(ok(host, cmd("Get-NetAdapterSriov", name))[0])


def _advanced(host, name):
    return {o.get("RegistryKeyword"): plain(o)["RegistryValue"][0] for o in ok(
        host, cmd("Get-NetAdapterAdvancedProperty", name, RegistryKeyword=["*SRIOV", "*NumVFs"]))}


@pytest.mark.parametrize("statement, advanced, effective_after_restart", [
    (cmd("Set-NetAdapterSriov", "SLOT 2 Port 1", NumVFs=2, NoRestart=SWITCH), {"*NumVFs": "2"}, (True, 2)),
    (cmd("Disable-NetAdapterSriov", "SLOT 2 Port 1", NoRestart=SWITCH), {"*SRIOV": "0"}, (False, 8)),
    (cmd("Set-NetAdapterSriov", "SLOT 2 Port 1", Enabled=False, NoRestart=SWITCH), {"*SRIOV": "0"}, (False, 8)),
])
def test_norestart_changes_wait_for_the_nic_restart(capable, statement, advanced, effective_after_restart):
    ok(capable, statement)
    assert _advanced(capable, "SLOT 2 Port 1").items() >= advanced.items()
    before = _sriov(capable, "SLOT 2 Port 1")
    assert (before["Enabled"], before["NumVFs"]) == (True, 8)
    assert switch(capable, "sriov-ext")["IovVirtualFunctionCount"] == 16
    assert capable.nic("SLOT 2 Port 1").pending_restart
    ok(capable, cmd("Restart-NetAdapter", "SLOT 2 Port 1"))
    after = _sriov(capable, "SLOT 2 Port 1")
    assert (after["Enabled"], after["NumVFs"]) == effective_after_restart
    assert not capable.nic("SLOT 2 Port 1").pending_restart


def test_without_norestart_the_change_is_effective_at_once(capable):
    ok(capable, cmd("Set-NetAdapterSriov", "SLOT 2 Port 2", NumVFs=1))
    assert _sriov(capable, "SLOT 2 Port 2")["NumVFs"] == 1
    assert _advanced(capable, "SLOT 2 Port 2")["*NumVFs"] == "1"
    assert switch(capable, "sriov-ext")["IovVirtualFunctionCount"] == 9


def test_disable_enable_netadapter_also_restarts(capable):
    ok(capable, cmd("Set-NetAdapterSriov", "SLOT 2 Port 1", NumVFs=3, NoRestart=SWITCH))
    ok(capable, cmd("Disable-NetAdapter", "SLOT 2 Port 1", Confirm=False))
    assert plain(ok(capable, cmd("Get-NetAdapter", "SLOT 2 Port 1"))[0])["Status"] == "Disabled"
    assert _sriov(capable, "SLOT 2 Port 1")["Enabled"] is False
    ok(capable, cmd("Enable-NetAdapter", "SLOT 2 Port 1"))
    got = _sriov(capable, "SLOT 2 Port 1")
    assert (got["Enabled"], got["NumVFs"]) == (True, 3)


def test_num_vfs_above_the_hardware_maximum_fails(capable):
    # The provider's refusal: a non-terminating CimException whose target is the CIM instance.
    result = run(capable, cmd("Set-NetAdapterSriov", "SLOT 2 Port 1", NumVFs=65))
    assert result.terminating is None
    (record,) = result.errors
    assert record.category == "InvalidArgument"
    assert record.fqid == "Windows System Error 87,Set-NetAdapterSriov"
    assert record.exception_type == "Microsoft.Management.Infrastructure.CimException"
    assert record.target.type_names[0].endswith("MSFT_NetAdapterSriovSettingData")
    assert record.target.get("Name") == "SLOT 2 Port 1"
    assert _advanced(capable, "SLOT 2 Port 1")["*NumVFs"] == "8"
    ok(capable, cmd("Set-NetAdapterSriov", "SLOT 2 Port 1", NumVFs=64))


def test_unsupported_nic_can_be_enabled_but_never_becomes_effective(ws2016):
    ok(ws2016, cmd("Enable-NetAdapterSriov", "NIC 2"))
    assert _advanced(ws2016, "NIC 2")["*SRIOV"] == "1"
    got = _sriov(ws2016, "NIC 2")
    assert got["Enabled"] is False and got["SriovSupport"] == 3  # MissingPfDriver, as a raw uint8


def test_nic_without_sriov_has_no_sriov_objects(capable):
    result = run(capable, cmd("Get-NetAdapterSriov", "Embedded LOM 1 Port 1"))
    [error] = result.errors
    assert error.message == ("No MSFT_NetAdapterSriovSettingData objects found with property 'Name' equal to "
                             "'Embedded LOM 1 Port 1'.  Verify the value of the property and retry.")
    assert error.category == "ObjectNotFound"
    assert error.fqid == "CmdletizationQuery_NotFound_Name,Get-NetAdapterSriov"
    keywords = [o.get("RegistryKeyword") for o in ok(capable, cmd("Get-NetAdapterAdvancedProperty", "Embedded LOM 1 Port 1"))]
    assert "*SRIOV" not in keywords and "*VMQ" in keywords


def test_pipeline_from_get_to_set_netadaptersriov(capable):
    ok(capable, [cmd("Get-NetAdapterSriov"), cmd("Set-NetAdapterSriov", NumVFs=4)])
    assert [plain(o)["NumVFs"] for o in ok(capable, cmd("Get-NetAdapterSriov"))] == [4, 4]


def test_hidden_advanced_properties_need_allproperties(capable):
    plain_list = [o.get("RegistryKeyword") for o in ok(capable, cmd("Get-NetAdapterAdvancedProperty", "SLOT 2 Port 1"))]
    every_statement = cmd("Get-NetAdapterAdvancedProperty", "SLOT 2 Port 1", AllProperties=SWITCH)
    every = [o.get("RegistryKeyword") for o in ok(capable, every_statement)]
    assert "*SriovPreferred" not in plain_list and "*SriovPreferred" in every
    result = run(capable, cmd("Get-NetAdapterAdvancedProperty", RegistryKeyword="NoSuchKeyword"))
    assert result.errors and result.errors[0].category == "ObjectNotFound"
