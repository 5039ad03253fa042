# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from ansible_collections.sriov.hyperv.plugins.modules import vm_switch

ODD_NAME = "Lab 'Ost' \u2013 Büro"


def test_create_then_rerun_is_unchanged(run):
    first = run(vm_switch, name=ODD_NAME, switch_type="private", notes="Test \u201enotes\u201c")
    assert first["changed"] is True
    assert first["commands"] == ["New-VMSwitch -Name 'Lab ''Ost'' \u2013 Büro' -SwitchType 'Private' -Notes 'Test \u201enotes\u201c'"]
    assert first["before"] == {}
    assert first["after"]["name"] == ODD_NAME and first["after"]["switch_type"] == "private"
    created = run.switch(run.state(), ODD_NAME)
    assert created is not None and created["notes"] == "Test \u201enotes\u201c"

    second = run(vm_switch, name=ODD_NAME, switch_type="private", notes="Test \u201enotes\u201c")
    assert second["changed"] is False
    assert second["commands"] == []
    assert second["before"] == second["after"] == first["after"]


def test_check_mode_predicts_and_changes_nothing(run):
    before = run.state()
    predicted = run(vm_switch, check=True, name="new-private", switch_type="private")
    assert predicted["changed"] is True
    assert predicted["commands"] == ["New-VMSwitch -Name 'new-private' -SwitchType 'Private'"]
    assert predicted["after"]["name"] == "new-private"
    assert run.state() == before

    real = run(vm_switch, name="new-private", switch_type="private")
    assert real["commands"] == predicted["commands"]
    assert real["after"] == predicted["after"]


def test_diff_only_in_diff_mode(run):
    without = run(vm_switch, name="mgmt-ext", notes="one")
    assert "diff" not in without
    with_diff = run(vm_switch, diff=True, name="mgmt-ext", notes="two")
    assert with_diff["diff"] == {"before": with_diff["before"], "after": with_diff["after"]}
    assert (with_diff["diff"]["before"]["notes"], with_diff["diff"]["after"]["notes"]) == ("one", "two")


def test_absent_removes_and_leaves_adapters_disconnected(run):
    result = run(vm_switch, name="MGMT-EXT", state="absent")
    assert result["changed"] is True
    assert result["commands"] == ["Remove-VMSwitch -Name 'mgmt-ext' -Force"]
    assert result["after"] == {}
    assert run.switch(run.state(), "mgmt-ext") is None
    assert run.adapter(run.state(), "db01", "Backup")["switch_id"] is None
    assert run(vm_switch, name="mgmt-ext", state="absent")["changed"] is False


def test_creation_only_change_refused_by_default_and_nothing_changes(run):
    before = run.state()
    result = run(vm_switch, name="sriov-ext", enable_iov=False)
    assert result["failed"] is True
    assert "sriov-ext" in result["msg"] and "enable_iov" in result["msg"]
    assert "recreate" in result["msg"]
    assert run.state() == before


def test_recreate_reconnects_every_adapter_with_its_settings(run):
    before = run.state()
    old = run.switch(before, "sriov-ext")
    attached = {(vm["name"], a["name"]): a["settings"] for vm in before["vms"] for a in vm["adapters"]
                if a["switch_id"] == old["id"]}
    assert attached  # the scenario has VMs on this switch

    result = run(vm_switch, name="sriov-ext", enable_iov=False, creation_only_changes="recreate")
    assert result["changed"] is True
    assert result["recreated_switches"] == ["sriov-ext"]
    assert any(line.startswith("New-VMSwitch -Name 'sriov-ext'") for line in result["commands"])
    assert result["after"]["enable_iov"] is False

    after = run.state()
    new = run.switch(after, "sriov-ext")
    assert new["iov_enabled"] is False
    for (vm_name, adapter_name), settings in attached.items():
        adapter = run.adapter(after, vm_name, adapter_name)
        assert adapter["switch_id"] == new["id"], (vm_name, adapter_name)
        assert adapter["settings"]["IovWeight"] == settings["IovWeight"]
        assert adapter["settings"]["IovQueuePairsRequested"] == settings["IovQueuePairsRequested"]

    assert run(vm_switch, name="sriov-ext", enable_iov=False, creation_only_changes="recreate")["changed"] is False


def test_bad_input_fails_naming_the_option(run):
    before = run.state()
    result = run(vm_switch, name="x", switch_type="private", enable_iov=True)
    assert result["failed"] is True
    assert result["msg"].startswith("Invalid configuration: enable_iov:")
    assert run.state() == before

    result = run(vm_switch, name="x", minimum_bandwidth_mode="sometimes")
    assert result["failed"] is True
    assert "minimum_bandwidth_mode" in result["msg"]


def test_connection_options_reach_the_factory_without_the_password_in_results(run):
    result = run(vm_switch, name="mgmt-ext", notes="n")
    assert run.connections[0]["hostname"] == "hv-capable.example"
    assert run.connections[0]["password"]  # handed to the transport, and nowhere else
    assert "password" not in result


def test_check_mode_predicts_a_recreate_without_touching_the_host(run):
    before = run.state()
    predicted = run(vm_switch, check=True, diff=True, name="sriov-ext", enable_iov=False,
                    creation_only_changes="recreate")
    assert predicted["changed"] is True
    assert predicted["recreated_switches"] == ["sriov-ext"]
    assert (predicted["diff"]["before"]["enable_iov"], predicted["diff"]["after"]["enable_iov"]) == (True, False)
    assert any(line.startswith("Remove-VMSwitch -Name 'sriov-ext'") for line in predicted["commands"])
    assert run.state() == before
