# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input refused before anything is written, a parking record that cannot be forged, a
creation the host would refuse caught in the plan, and failures reported as the host shows them."""
from __future__ import annotations

import json

import pytest
from ansible_collections.sriov.hyperv.tests.unit.plugins.module_utils.host_emulated import (
    FailAt,
    make_host,
    ops,
)

from ansible_collections.sriov.hyperv.plugins.modules import host_config, host_info, vm_network_adapter, vm_switch
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import PARKING_MARKER, PARKING_PREFIX
from hyperv_sriov_emulator.inprocess import InProcessRunner


@pytest.fixture
def emulated(run):
    """The module runner on make_host(): an IOV switch 'sriov' with web01, db01 and a host vNIC."""
    run.host = make_host()
    return run


@pytest.mark.parametrize("module, args, where", [
    (vm_network_adapter, {"vm_name": "web01", "name": "Network Adapter", "iov_weight": True}, "iov_weight"),
    (vm_switch, {"name": {"a": 1}, "switch_type": "private"}, "name"),
    (host_config, {"config": {"vm_adapters": [{"vm_name": "web01", "name": "Network Adapter",
                                               "vmq_weight": False}]}}, "config.vm_adapters[0].vmq_weight"),
    (host_config, {"config": {"switches": [{"name": "x", "net_adapter_names": [{"n": 1}]}]}},
     "config.switches[0].net_adapter_names[0]"),
])
def test_a_value_ansible_would_convert_is_refused_naming_the_field(emulated, module, args, where):
    before = emulated.state()
    result = emulated(module, **args)
    assert result["failed"] is True
    assert result["msg"].startswith("Invalid configuration: %s: " % where), result["msg"]
    assert "was given" in result["msg"]
    assert emulated.runners == [] and emulated.state() == before


@pytest.mark.parametrize("state", ["merged", "replaced", "overridden", "deleted"])
def test_config_null_is_refused(emulated, state):
    result = emulated(host_config, state=state, config=None)
    assert result["failed"] is True
    assert "config: is required with state: %s" % state in result["msg"]
    assert emulated.runners == []


def test_reserved_notes_and_names_are_refused(emulated):
    result = emulated(host_config, config={"switches": [
        {"name": "plain", "switch_type": "private", "notes": PARKING_MARKER + '{"target": "sriov"}'},
        {"name": PARKING_PREFIX + "sriov", "switch_type": "private"}]})
    assert result["failed"] is True
    assert "config.switches[0].notes: notes starting with" in result["msg"]
    assert "config.switches[1].name: names starting with" in result["msg"]
    assert emulated.runners == []


def _forge(host, name, notes, internal=False):
    switch = ops.create_switch(host, name, internal=internal)
    switch.notes = notes
    return switch


@pytest.mark.parametrize("name, notes", [
    # An ordinary switch whose notes only look like a record.
    ("lab", PARKING_MARKER + json.dumps({"target": "sriov"})),
    # The reserved name and a record naming a switch that does not exist, missing every other key.
    (PARKING_PREFIX + "ghost", PARKING_MARKER + json.dumps({"target": "ghost"})),
    # A record that is not JSON.
    (PARKING_PREFIX + "sriov", PARKING_MARKER + "{not json"),
])
def test_a_forged_record_is_an_ordinary_switch(emulated, name, notes):
    _forge(emulated.host, name, notes)
    gathered = emulated(host_config, state="gathered")
    assert name in [switch["name"] for switch in gathered["gathered"]["switches"]]
    info = emulated(host_info)
    assert name in [switch["name"] for switch in info["switches"]]
    # An unrelated run neither removes it nor fails.
    result = emulated(host_config, config={"vm_adapters": [{"vm_name": "web01", "name": "Network Adapter",
                                                            "iov_weight": 60}]})
    assert result.get("failed") is not True, result
    assert emulated.switch(emulated.state(), name) is not None
    assert all("Remove-VMSwitch" not in command for command in result["commands"])


def test_an_iov_flip_of_a_weight_mode_switch_is_refused_before_any_write(emulated):
    ops.create_switch(emulated.host, "conv", nic_names=["NIC2"], bandwidth_mode="Weight")
    before = emulated.state()
    for check in (True, False):
        result = emulated(host_config, check=check, creation_only_changes="recreate",
                          config={"switches": [{"name": "conv", "enable_iov": True}]})
        assert result["failed"] is True
        assert "config.switches[0].minimum_bandwidth_mode: switch 'conv' uses weight minimum bandwidth" in result["msg"]
        assert "minimum_bandwidth_mode: none" in result["msg"]
        assert emulated.state() == before
    # The remedy the message gives works, and a rerun has nothing left to do.
    fixed = {"switches": [{"name": "conv", "enable_iov": True, "minimum_bandwidth_mode": "none"}]}
    assert emulated(host_config, creation_only_changes="recreate", config=fixed)["changed"] is True
    assert emulated(host_config, creation_only_changes="recreate", config=fixed)["changed"] is False


def _failing(emulated, monkeypatch, match, mode="fail", once=True):
    from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _connection

    def connect(params):
        runner = FailAt(InProcessRunner(emulated.host), match, mode, once=once)
        emulated.runners.append(runner.inner)
        return runner

    monkeypatch.setattr(_connection, "connect", connect)


def test_a_failed_write_names_the_adapter_the_host_did_not_get(emulated, monkeypatch):
    # Every VM's adapter has the same name: the failure is on db01's, web01's went through.
    _failing(emulated, monkeypatch,
             lambda c: c.name == "Set-VMNetworkAdapter" and c.parameters.get("VMName") == "db01")
    config = {"vm_adapters": [{"vm_name": "web01", "name": "Network Adapter", "iov_weight": 90},
                              {"vm_name": "db01", "name": "Network Adapter", "iov_weight": 80}]}
    result = emulated(host_config, config=config)
    assert result["failed"] is True
    assert result["changed"] is True
    error = result["error"]
    assert error["state_unknown"] is False
    assert [item for item in error["applied"] if "web01" in item] and not [
        item for item in error["applied"] if "db01" in item]
    assert "db01" in error["failed"] and "web01" not in error["failed"]
    web01 = [item for item in result["after"]["vm_adapters"] if item.get("vm_name") == "web01"][0]
    assert web01["iov_weight"] == 90
    assert emulated.adapter(emulated.state(), "web01", "Network Adapter")["settings"]["IovWeight"] == 90


def test_a_failure_that_changed_nothing_says_changed_false(emulated, monkeypatch):
    _failing(emulated, monkeypatch, lambda c: c.name == "Set-VMNetworkAdapter")
    before = emulated.state()
    result = emulated(host_config, config={"vm_adapters": [
        {"vm_name": "web01", "name": "Network Adapter", "iov_weight": 90}]})
    assert result["failed"] is True and result["changed"] is False
    assert result["error"]["applied"] == [] and len(result["error"]["not_applied"]) == 1
    assert emulated.state() == before


def test_a_dropped_connection_says_the_state_is_unknown(emulated, monkeypatch):
    _failing(emulated, monkeypatch, lambda c: c.name == "Set-VMNetworkAdapter", mode="drop")
    from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _connection
    inner = _connection.connect

    class DeadAfterDrop:
        def __init__(self):
            self.runner = inner({})
            self.inner = self.runner.inner

        def run(self, statements):
            if self.runner.fired:
                from ansible_collections.sriov.hyperv.plugins.module_utils.transport._errors import (
                    HostUnreachableError,
                )
                raise HostUnreachableError("Failed to reach host 'HV1': the connection was reset.")
            return self.runner.run(statements)

        def close(self):
            self.runner.close()

        @property
        def closed(self):
            return self.inner.closed

    monkeypatch.setattr(_connection, "connect", lambda params: DeadAfterDrop())
    result = emulated(host_config, config={"vm_adapters": [
        {"vm_name": "web01", "name": "Network Adapter", "iov_weight": 90}]})
    assert result["failed"] is True
    assert result["error"]["state_unknown"] is True
    assert "what it shows now is unknown" in result["msg"]
    assert "run the task again" in result["msg"].lower()


def test_adapters_left_parked_are_named_with_the_run_that_finishes_them(emulated, monkeypatch):
    # Every New-VMSwitch of the target fails in this run: the new switch, and the original put back.
    _failing(emulated, monkeypatch, lambda c: c.name == "New-VMSwitch" and c.parameters.get("Name") == "sriov",
             once=False)
    args = {"creation_only_changes": "recreate", "config": {"switches": [{"name": "sriov", "enable_iov": False}]}}
    result = emulated(host_config, **args)
    assert result["failed"] is True and result["changed"] is True
    (parking,) = result["error"]["parking"]
    assert parking.startswith("sriov.hyperv parking for sriov #")
    assert ("parking switch '%s' holds adapter 'Network Adapter' of VM 'db01', "
            "adapter 'Network Adapter' of VM 'web01', and records host vNICs 'sriov' to re-add" % parking) in result["msg"]
    # The run could still reach the host: it gave its record up, so the next run need not wait.
    assert result["error"]["released"] is True
    assert "Run this task again, or sriov.hyperv.host_config: {state: merged, creation_only_changes: recreate" in result["msg"]
    # The run it names does finish the job.
    monkeypatch.setattr(_connection_module(), "connect", emulated.connect)
    finished = emulated(host_config, **args)
    assert finished["changed"] is True and not finished.get("failed")
    assert emulated(host_config, **args)["changed"] is False


def _connection_module():
    from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _connection
    return _connection


RECREATE_ARGS = {"creation_only_changes": "recreate", "config": {"switches": [{"name": "sriov", "enable_iov": False}]}}


def _interrupt_after_removal(emulated, monkeypatch):
    """A recreate whose connection drops once the old switch is gone: the adapters wait on the
    parking switch, the target does not exist. The host state and the parking switch's name."""
    _failing(emulated, monkeypatch, lambda c: c.name == "New-VMSwitch" and c.parameters.get("Name") == "sriov",
             mode="drop")
    lost = emulated(host_config, **RECREATE_ARGS)
    assert lost["failed"] is True
    state = emulated.state()
    assert emulated.switch(state, "sriov") is None
    (parking,) = [sw["name"] for sw in state["switches"] if sw["name"].startswith("sriov.hyperv parking for sriov #")]
    # The connection came back within the run: it gave its record up for the next run.
    assert lost["error"]["released"] is True
    return state, parking


def _assert_original_back(emulated, before):
    state = emulated.state()
    switch = emulated.switch(state, "sriov")
    assert switch is not None and switch["iov_enabled"] is True
    assert not [sw for sw in state["switches"] if sw["name"].startswith("sriov.hyperv")]
    for vm in ("web01", "db01"):
        assert emulated.adapter(state, vm, "Network Adapter")["switch_id"] == switch["id"]
        assert (emulated.adapter(state, vm, "Network Adapter")["settings"]
                == emulated.adapter(before, vm, "Network Adapter")["settings"])
    (vnic,) = [item for item in state["management_adapters"] if item["name"] == "sriov"]
    (was,) = [item for item in before["management_adapters"] if item["name"] == "sriov"]
    assert vnic["switch_id"] == switch["id"] and vnic["mac_address"] == was["mac_address"]
    assert vnic["settings"]["VMQWeight"] == was["settings"]["VMQWeight"]


def test_a_resume_whose_switch_creation_keeps_failing_puts_the_original_switch_back(emulated, monkeypatch):
    before = emulated.state()
    _interrupt_after_removal(emulated, monkeypatch)
    # Creating the recorded (IOV off) switch keeps failing on the next run.
    _failing(emulated, monkeypatch, lambda c: c.name == "New-VMSwitch" and c.parameters.get("Name") == "sriov"
             and c.parameters.get("EnableIov") is False, once=False)
    resumed = emulated(host_config, **RECREATE_ARGS)
    assert resumed["failed"] is True and resumed["changed"] is True
    assert "Injected failure of New-VMSwitch" in resumed["msg"]
    assert "The original switch 'sriov' was put back instead, with every recorded adapter; nothing is parked" in (
        resumed["msg"])
    _assert_original_back(emulated, before)
    # With the cause gone, the task recreates the switch as asked; then it is converged.
    monkeypatch.setattr(_connection_module(), "connect", emulated.connect)
    assert emulated(host_config, **RECREATE_ARGS)["changed"] is True
    assert emulated.switch(emulated.state(), "sriov")["iov_enabled"] is False
    assert emulated(host_config, **RECREATE_ARGS)["changed"] is False


def test_a_resume_whose_task_changed_puts_the_original_switch_back(emulated, monkeypatch):
    before = emulated.state()
    _interrupt_after_removal(emulated, monkeypatch)
    monkeypatch.setattr(_connection_module(), "connect", emulated.connect)
    # The user gave the change up: the task now asks for the switch as it was.
    args = {"config": {"switches": [{"name": "sriov", "enable_iov": True}]}}
    back = emulated(host_config, **args)
    assert not back.get("failed") and back["changed"] is True
    assert "-EnableIov $true" in back["commands"][1] and back["commands"][1].startswith("New-VMSwitch -Name 'sriov'")
    _assert_original_back(emulated, before)
    assert emulated(host_config, **args)["changed"] is False


def test_a_resume_that_cannot_put_anything_back_names_the_parked_adapters_and_the_task(emulated, monkeypatch):
    _state, parking = _interrupt_after_removal(emulated, monkeypatch)
    # Neither the recorded switch nor the original one can be created in this run.
    _failing(emulated, monkeypatch, lambda c: c.name == "New-VMSwitch" and c.parameters.get("Name") == "sriov",
             once=False)
    failed = emulated(host_config, **RECREATE_ARGS)
    assert failed["failed"] is True
    assert "putting the original switch back failed too" in failed["msg"]
    # Which adapters, where, and the exact task that finishes the job.
    assert "holds adapter 'Network Adapter' of VM 'db01', adapter 'Network Adapter' of VM 'web01'" in failed["msg"]
    assert parking in failed["msg"]
    assert ('sriov.hyperv.host_config: {state: merged, creation_only_changes: recreate, config: {switches: '
            '[{"enable_embedded_teaming": false, "enable_iov": false') in failed["msg"]
    monkeypatch.setattr(_connection_module(), "connect", emulated.connect)
    assert emulated(host_config, **RECREATE_ARGS)["changed"] is True
    state = emulated.state()
    assert emulated.switch(state, "sriov")["iov_enabled"] is False
    assert not [sw for sw in state["switches"] if sw["name"].startswith("sriov.hyperv")]
    assert emulated(host_config, **RECREATE_ARGS)["changed"] is False


@pytest.mark.parametrize("value", [True, False])
def test_an_unquoted_boolean_password_is_refused_before_connecting(emulated, value):
    result = emulated(host_info, password=value)
    assert result["failed"] is True
    assert result["msg"].startswith("Invalid configuration: password: a boolean was given"), result["msg"]
    assert "Quote the value" in result["msg"]
    assert emulated.runners == []
