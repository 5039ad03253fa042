"""-Passthru over many items: every changed object comes out, built after one reallocation."""

from __future__ import annotations

import pytest
from emulator_helpers import SWITCH, cmd, ok, plain


@pytest.fixture
def counted(capable, monkeypatch):
    # Reallocation walks the whole host; once per item would make these cmdlets quadratic.
    calls = []
    original = type(capable).reallocate

    def reallocate(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(type(capable), "reallocate", reallocate)
    return capable, calls


@pytest.mark.parametrize("statement,expected", [
    (cmd("Connect-VMNetworkAdapter", VMName="*", SwitchName="mgmt-ext", Passthru=SWITCH), "mgmt-ext"),
    (cmd("Disconnect-VMNetworkAdapter", VMName="*", Passthru=SWITCH), None),
])
def test_connect_and_disconnect_passthru_every_adapter_after_one_reallocation(counted, statement, expected):
    host, calls = counted
    every = sorted(vm.name for vm in host.vms for dummy in vm.adapters)
    assert len(every) > 2
    output = ok(host, statement)
    assert sorted(o.get("VMName") for o in output) == every
    assert all(plain(o)["SwitchName"] == expected for o in output)
    # One in the cmdlet for its objects, one in the engine after the command.
    assert len(calls) <= 2


def test_add_passthru_writes_one_adapter_per_vm_after_one_reallocation(counted):
    host, calls = counted
    names = [vm.name for vm in host.vms]
    output = ok(host, cmd("Add-VMNetworkAdapter", VMName="*", Name="Extra", SwitchName="sriov-ext", Passthru=SWITCH))
    assert sorted(o.get("VMName") for o in output) == sorted(names)
    assert all(o.get("Name") == "Extra" for o in output)
    assert len(calls) <= 2


def test_set_vmswitch_passthru_writes_every_switch_after_one_reallocation(counted):
    host, calls = counted
    output = ok(host, cmd("Set-VMSwitch", "*", Notes="batch", Passthru=SWITCH))
    assert sorted(o.get("Name") for o in output) == sorted(sw.name for sw in host.switches)
    assert all(o.get("Notes") == "batch" for o in output)
    assert len(calls) <= 2
