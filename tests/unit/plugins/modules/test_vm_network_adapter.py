# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from ansible_collections.sriov.hyperv.plugins.modules import vm_network_adapter


def test_sets_iov_settings_then_rerun_is_unchanged(run):
    args = dict(vm_name="web02", name="Network Adapter", iov_weight=90, iov_queue_pairs_requested=2,
                iov_interrupt_moderation="adaptive")
    first = run(vm_network_adapter, **args)
    assert first["changed"] is True
    assert first["commands"] == [
        "Set-VMNetworkAdapter -VMName 'web02' -Name 'Network Adapter' -IovWeight 90 -IovQueuePairsRequested 2 "
        "-IovInterruptModeration 'Adaptive'"
    ]
    assert (first["before"]["iov_weight"], first["after"]["iov_weight"]) == (50, 90)
    settings = run.adapter(run.state(), "web02", "Network Adapter")["settings"]
    assert (settings["IovWeight"], settings["IovQueuePairsRequested"], settings["IovInterruptModeration"]) == (
        90, 2, "Adaptive")

    second = run(vm_network_adapter, **args)
    assert (second["changed"], second["commands"]) == (False, [])
    assert second["after"] == first["after"]


def test_unset_options_are_not_managed(run):
    result = run(vm_network_adapter, vm_name="db01", name="Data", vmq_weight=50)
    assert result["commands"] == ["Set-VMNetworkAdapter -VMName 'db01' -Name 'Data' -VmqWeight 50"]
    # iov_interrupt_moderation was Adaptive in the scenario and stays so.
    assert run.adapter(run.state(), "db01", "Data")["settings"]["IovInterruptModeration"] == "Adaptive"


def test_check_mode_predicts_and_changes_nothing(run):
    before = run.state()
    predicted = run(vm_network_adapter, check=True, diff=True, vm_name="web01", name="Network Adapter",
                    switch_name="mgmt-ext")
    assert predicted["changed"] is True
    assert predicted["commands"] == [
        "Connect-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -SwitchName 'mgmt-ext'"]
    assert predicted["diff"]["after"]["switch_name"] == "mgmt-ext"
    assert predicted["diff"]["before"]["switch_name"] == "sriov-ext"
    assert run.state() == before


def test_non_ascii_vm_name(run):
    result = run(vm_network_adapter, vm_name="BÜROHAUS-APP", name="network adapter", iov_weight=0)
    assert result["changed"] is True
    assert result["commands"] == ["Set-VMNetworkAdapter -VMName 'bürohaus-app' -Name 'Network Adapter' -IovWeight 0"]
    assert run.adapter(run.state(), "bürohaus-app", "Network Adapter")["settings"]["IovWeight"] == 0
    assert run(vm_network_adapter, vm_name="bürohaus-app", name="Network Adapter", iov_weight=0)["changed"] is False


def test_management_os_adapter_refuses_iov_options(run):
    before = run.state()
    result = run(vm_network_adapter, management_os=True, name="mgmt-ext", iov_weight=10)
    assert result["failed"] is True
    assert result["msg"].startswith("Invalid configuration: iov_weight:")
    assert run.state() == before


def test_out_of_range_and_missing_identity_fail_before_connecting(run):
    result = run(vm_network_adapter, vm_name="web01", name="Network Adapter", iov_weight=101)
    assert result["failed"] is True
    assert "iov_weight: 101 is out of range 0-100" in result["msg"]
    result = run(vm_network_adapter, name="Network Adapter", iov_weight=1)
    assert result["failed"] is True
    assert "vm_name" in result["msg"] and "management_os" in result["msg"]
    result = run(vm_network_adapter, vm_name="web01", management_os=True, name="Network Adapter")
    assert result["failed"] is True and "not both" in result["msg"]
    assert run.connections == []


def test_explicit_management_os_false_names_a_vm_adapter(run):
    result = run(vm_network_adapter, vm_name="web01", management_os=False, name="Network Adapter", iov_weight=100)
    assert (result["changed"], result["commands"]) == (False, [])
    assert result["after"]["vm_name"] == "web01"


def test_unknown_switch_is_named(run):
    before = run.state()
    result = run(vm_network_adapter, vm_name="web01", name="Network Adapter", switch_name="sriov-ex")
    assert result["failed"] is True
    assert "switch_name" in result["msg"] and "sriov-ex" in result["msg"]
    assert run.state() == before
