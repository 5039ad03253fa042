# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests of the pure planner over hand-built host reads (see reconcile_hostdata)."""
from __future__ import annotations

import pytest
from ansible_collections.sriov.hyperv.tests.unit.plugins.module_utils.reconcile_hostdata import (
    adapter,
    basic_host,
    host,
    nic,
    observed,
    switch,
    team,
    vm,
)

from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_common import RecreateInProgressError
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_recreate import LEASE_SECONDS, utc
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile import (
    CreationOnlyChangeError,
    Policy,
    plan,
    render,
)
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_common import SWITCH_PARAMETERS
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import (
    SpecValidationError,
    config_to_dict,
    parse_config,
)

RECREATE = Policy(creation_only_changes="recreate", run_id="run1")
PARKING = "sriov.hyperv parking for sriov #run1"
WEB = {"vm_name": "web01", "name": "Network Adapter"}
DB = {"vm_name": "db01", "name": "Network Adapter"}


def run(config, state="merged", policy=None, have=None):
    return plan(parse_config(config), have or basic_host(), state, policy or Policy())


def after_adapter(result, vm_name, name="Network Adapter"):
    for item in config_to_dict(result.after)["vm_adapters"]:
        if item.get("vm_name") == vm_name and item["name"] == name:
            return item
    return None


def after_switch(result, name):
    return next((item for item in config_to_dict(result.after)["switches"] if item["name"] == name), None)


# -- states ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "state, config, commands",
    [
        # merged: only the options given, only what differs (vmq_weight 100 is already 100).
        ("merged", {"vm_adapters": [{**WEB, "iov_weight": 80, "vmq_weight": 100}]},
         ["Set-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -IovWeight 80"]),
        # replaced: options left out of a named item go back to Hyper-V's defaults (iov_weight 50 -> 0).
        ("replaced", {"vm_adapters": [{**WEB, "vmq_weight": 40}]},
         ["Set-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -IovWeight 0 -VmqWeight 40"]),
        # replaced does not touch items not named.
        ("replaced", {"vm_adapters": [{**DB, "iov_weight": 10}]},
         ["Set-VMNetworkAdapter -VMName 'db01' -Name 'Network Adapter' -IovWeight 10"]),
        # overridden: items of the section not named are reset too (web01's weight 50).
        ("overridden", {"vm_adapters": [{**DB, "iov_weight": 10}]},
         ["Set-VMNetworkAdapter -VMName 'db01' -Name 'Network Adapter' -IovWeight 10",
          "Set-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -IovWeight 0"]),
        # deleted: a named adapter's options all go back to defaults, its connection stays.
        ("deleted", {"vm_adapters": [WEB]},
         ["Set-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -IovWeight 0"]),
        ("deleted", {"switches": [{"name": "int"}]}, ["Remove-VMSwitch -Name 'int' -Force"]),
        ("deleted", {"switches": [{"name": "absent"}]}, []),
        ("deleted", {}, []),
        # overridden with an empty section removes every switch; a section left out is not managed.
        ("overridden", {"switches": []}, ["Remove-VMSwitch -Name 'sriov' -Force", "Remove-VMSwitch -Name 'int' -Force"]),
        ("overridden", {}, []),
        ("merged", {"switches": [{"name": "int", "notes": "lab é 'x'"}]}, ["Set-VMSwitch -Name 'int' -Notes 'lab é ''x'''"]),
        ("replaced", {"switches": [{"name": "int", "switch_type": "internal"}]}, []),
        ("merged", {"switches": [{"name": "sriov", "allow_management_os": False, "remove_management_os_adapters": ["sriov"]}]},
         ["Set-VMSwitch -Name 'sriov' -AllowManagementOS $false"]),
    ],
)
def test_states(state, config, commands):
    result = run(config, state)
    assert result.commands() == commands
    assert result.changed is bool(commands)


@pytest.mark.parametrize("state", ["merged", "replaced", "overridden"])
@pytest.mark.parametrize("version", ["2022", "2012r2"])
def test_gathered_fed_back_changes_nothing(state, version):
    have = basic_host(version=version)
    result = plan(parse_config(config_to_dict(have.config)), have, state, RECREATE)
    assert result.operations == [] and result.changed is False
    assert config_to_dict(result.after) == config_to_dict(have.config)


def test_deleted_switch_disconnects_and_warns():
    result = run({"switches": [{"name": "sriov"}]}, "deleted")
    assert "Removing switch 'sriov' leaves these adapters disconnected: adapter 'Network Adapter' of VM 'web01'" in (
        result.warnings[0])
    assert "switch_name" not in after_adapter(result, "web01")
    assert after_switch(result, "sriov") is None
    # The host vNIC goes with its switch.
    assert not any(item.get("management_os") and item["name"] == "sriov"
                   for item in config_to_dict(result.after)["vm_adapters"])


def test_names_are_matched_case_insensitively_never_by_position():
    result = run({"vm_adapters": [{"vm_name": "DB01", "name": "network ADAPTER", "iov_weight": 5}]})
    assert result.commands() == ["Set-VMNetworkAdapter -VMName 'db01' -Name 'Network Adapter' -IovWeight 5"]
    assert after_adapter(result, "db01")["iov_weight"] == 5
    assert after_adapter(result, "web01")["iov_weight"] == 50


def test_non_ascii_and_quoted_names():
    have = observed(nic("NIC1"), switch("Süd 'ext'", nics=["NIC1"], iov=True), vm("Ωmega 'vm'"),
                    adapter("Carte réseau", "Ωmega 'vm'", "Süd 'ext'"))
    result = plan(parse_config({"vm_adapters": [{"vm_name": "ωMEGA 'VM'", "name": "carte RÉSEAU", "iov_weight": 1}]}),
                  have, "merged", Policy())
    assert result.commands() == ["Set-VMNetworkAdapter -VMName 'Ωmega ''vm''' -Name 'Carte réseau' -IovWeight 1"]


# -- switches ----------------------------------------------------------------------------------
def test_create_iov_switch_predicts_the_host():
    result = run({"switches": [{"name": "new", "net_adapter_names": ["NIC2"], "enable_iov": True}]})
    assert result.commands() == ["New-VMSwitch -Name 'new' -NetAdapterName 'NIC2' -EnableIov $true"]
    assert after_switch(result, "new") == {
        "name": "new", "switch_type": "external", "net_adapter_names": ["NIC2"], "enable_iov": True,
        "allow_management_os": True, "minimum_bandwidth_mode": "none", "enable_embedded_teaming": False,
        "enable_packet_direct": False, "notes": "", "default_queue_vrss_enabled": True,
        "default_queue_vmmq_enabled": True, "default_queue_vmmq_queue_pairs": 16, "software_rsc_enabled": True}
    vnic = [item for item in config_to_dict(result.after)["vm_adapters"] if item.get("name") == "new"]
    assert vnic and vnic[0]["management_os"] is True and vnic[0]["switch_name"] == "new"


@pytest.mark.parametrize(
    "version, iov, expected",
    [("2022", False, "absolute"), ("2012r2", False, "weight"), ("2022", True, "none")],
)
def test_default_bandwidth_mode_resolves_per_host(version, iov, expected):
    have = observed(nic("NIC1"), nic("NIC2"), switch("old", nics=["NIC1"], version=version))
    nics = ["NIC2"]
    result = plan(parse_config({"switches": [{"name": "n", "net_adapter_names": nics, "enable_iov": iov}]}), have,
                  "merged", Policy())
    assert after_switch(result, "n")["minimum_bandwidth_mode"] == expected
    # Asking for "default" on an existing switch compares the resolved value: never a change.
    again = plan(parse_config({"switches": [{"name": "old", "minimum_bandwidth_mode": "default"}]}), have, "merged",
                 Policy())
    assert again.changed is False


def test_create_internal_and_private_switches():
    result = run({"switches": [{"name": "p", "switch_type": "private"}, {"name": "i", "switch_type": "internal"}]})
    assert result.commands() == ["New-VMSwitch -Name 'p' -SwitchType 'Private'",
                                 "New-VMSwitch -Name 'i' -SwitchType 'Internal'"]
    assert after_switch(result, "p")["allow_management_os"] is False
    assert after_switch(result, "i")["allow_management_os"] is True


def test_set_team_members_of_a_set_switch():
    have = observed(nic("A"), nic("B"), nic("C"), switch("set", nics=["A", "B"], teaming=True), team("set", ["A", "B"]))
    assert config_to_dict(have.config)["switches"][0]["net_adapter_names"] == ["A", "B"]
    result = plan(parse_config({"switches": [{"name": "set", "net_adapter_names": ["A", "C"]}]}), have, "merged", Policy())
    assert result.commands() == ["Set-VMSwitchTeam -Name 'set' -NetAdapterName 'A','C'"]


def test_removal_runs_before_creation_so_a_nic_can_move():
    result = run({"switches": [{"name": "moved", "net_adapter_names": ["NIC1"]}]}, "overridden")
    assert [op.action for op in result.operations] == ["remove", "remove", "create"]


# -- creation-only settings --------------------------------------------------------------------
def test_creation_only_change_is_refused_before_any_write():
    with pytest.raises(CreationOnlyChangeError) as caught:
        run({"switches": [{"name": "sriov", "enable_iov": False}]})
    message = caught.value.message
    assert "Failed to change virtual switch 'sriov'" in message
    assert "enable_iov (true -> false)" in message and "minimum_bandwidth_mode (none -> absolute)" in message
    assert "adapter 'Network Adapter' of VM 'web01'" in message and "management-OS adapter 'sriov'" in message
    assert "creation_only_changes: recreate" in message and "leaving these options out" in message


@pytest.mark.parametrize(
    "config, setting",
    [
        ({"name": "int", "minimum_bandwidth_mode": "weight"}, "minimum_bandwidth_mode (absolute -> weight)"),
        ({"name": "int", "enable_packet_direct": True}, "enable_packet_direct (false -> true)"),
        ({"name": "sriov", "net_adapter_names": ["NIC1", "NIC2"]}, "enable_embedded_teaming (false -> true)"),
    ],
)
def test_each_creation_only_setting_is_detected(config, setting):
    with pytest.raises(CreationOnlyChangeError) as caught:
        run({"switches": [config]})
    assert setting in caught.value.message


def test_recreate_plan_parks_swaps_and_restores():
    result = run({"switches": [{"name": "sriov", "enable_iov": False}]}, policy=RECREATE)
    assert result.recreated_switches == ["sriov"]
    commands = result.commands()
    assert commands[0].startswith("New-VMSwitch -Name '%s' -SwitchType 'Private' -Notes " % PARKING)
    assert commands[1:4] == [
        "Connect-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -SwitchName '%s'" % PARKING,
        "Connect-VMNetworkAdapter -VMName 'db01' -Name 'Network Adapter' -SwitchName '%s'" % PARKING,
        "Remove-VMSwitch -Name 'sriov' -Force",
    ]
    assert commands[4] == ("New-VMSwitch -Name 'sriov' -NetAdapterName 'NIC1' -AllowManagementOS $false -EnableIov "
                           "$false -MinimumBandwidthMode 'Default' -EnableEmbeddedTeaming $false -EnablePacketDirect "
                           "$false -Notes ''")
    # The host vNIC comes back with the MAC address the host showed.
    assert "Add-VMNetworkAdapter -ManagementOS -Name 'sriov' -SwitchName 'sriov' -StaticMacAddress '00155D000001'" in commands
    assert commands[-1] == "Remove-VMSwitch -Name '%s' -Force" % PARKING
    assert any("running VMs are connected to it: db01, web01" in warning for warning in result.warnings)
    assert after_switch(result, "sriov")["enable_iov"] is False
    assert after_switch(result, "sriov")["minimum_bandwidth_mode"] == "absolute"
    assert after_adapter(result, "web01")["switch_name"] == "sriov"


def test_recreate_with_vms_off_has_no_running_warning():
    result = run({"switches": [{"name": "sriov", "enable_iov": False}]}, policy=RECREATE,
                 have=basic_host(vm_state="Off"))
    assert not any("running VMs" in warning for warning in result.warnings)


@pytest.mark.parametrize("state", ["replaced", "overridden"])
@pytest.mark.parametrize("policy", [Policy(), RECREATE])
def test_replaced_never_resets_a_creation_only_setting_the_task_does_not_name(state, policy):
    result = run({"switches": [{"name": "sriov"}]}, state, policy=policy)
    assert result.recreated_switches == []
    assert all(op.action not in ("recreate", "create") for op in result.operations)
    switch = next(sw for sw in config_to_dict(result.after)["switches"] if sw["name"] == "sriov")
    assert (switch["enable_iov"], switch["minimum_bandwidth_mode"]) == (True, "none")
    # Named, it is compared (and refused under the default policy).
    with pytest.raises(CreationOnlyChangeError, match="enable_iov"):
        run({"switches": [{"name": "sriov", "enable_iov": False}]}, state)


def _interrupted(first):
    """The host after ``first``'s connection dropped once the old switch was removed: adapters sit
    on the parking switch."""
    notes = first.operations[0].commands[0].parameters["Notes"]
    return observed(nic("NIC1"), nic("NIC2"), switch(PARKING, kind="Private", notes=notes),
                    vm("web01"), vm("db01"),
                    adapter("Network Adapter", "web01", PARKING, IovWeight=50),
                    adapter("Network Adapter", "db01", PARKING))


def test_resume_an_interrupted_recreate_from_the_parking_record():
    first = run({"switches": [{"name": "sriov", "enable_iov": False}]}, policy=RECREATE)
    have = _interrupted(first)
    assert [record.target for record in have.parking] == ["sriov"]
    assert config_to_dict(have.config)["switches"] == []
    # A run after the lease ran out finishes it, under a record of its own (its claim).
    later = RECREATE.now + LEASE_SECONDS + 1
    result = plan(parse_config({}), have, "merged", Policy(run_id="run2", now=later))
    assert result.operations[0].action == "resume"
    claim = "sriov.hyperv parking for sriov #run2"
    commands = result.commands()
    assert commands[0].startswith("New-VMSwitch -Name '%s' -SwitchType 'Private' -Notes " % claim)
    assert commands[1:] == [
        "New-VMSwitch -Name 'sriov' -NetAdapterName 'NIC1' -AllowManagementOS $false -EnableIov $false "
        "-MinimumBandwidthMode 'Default' -EnableEmbeddedTeaming $false -EnablePacketDirect $false -Notes ''",
        "Connect-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -SwitchName 'sriov'",
        "Connect-VMNetworkAdapter -VMName 'db01' -Name 'Network Adapter' -SwitchName 'sriov'",
        "Add-VMNetworkAdapter -ManagementOS -Name 'sriov' -SwitchName 'sriov' -StaticMacAddress '00155D000001'",
        "Remove-VMSwitch -Name '%s' -Force" % PARKING,
        "Remove-VMSwitch -Name '%s' -Force" % claim,
    ]
    assert after_switch(result, "sriov")["enable_iov"] is False
    # Should creating the recorded switch fail, the original comes back (the record holds it).
    fallback = result.operations[0].details["steps"]["fallback"]
    assert fallback[0].parameters["EnableIov"] is True and fallback[0].parameters["Name"] == "sriov"
    # The same task again plans nothing more for the switch.
    same = plan(parse_config({"switches": [{"name": "sriov", "enable_iov": False}]}), have, "merged",
                Policy(creation_only_changes="recreate", run_id="run2", now=later))
    assert [op.action for op in same.operations] == ["resume"]


def test_a_recreate_in_progress_stops_every_other_run_before_it_writes():
    first = run({"switches": [{"name": "sriov", "enable_iov": False}]}, policy=RECREATE)
    have = _interrupted(first)
    for check_mode in (False, True):
        with pytest.raises(RecreateInProgressError) as caught:
            plan(parse_config({"switches": [{"name": "sriov", "enable_iov": False}]}), have, "merged",
                 Policy(creation_only_changes="recreate", run_id="run2", check_mode=check_mode))
        message = caught.value.message
        assert "Switch 'sriov' is being recreated by another run (run run1" in message
        assert "parking switch '%s'" % PARKING in message and "This run changed nothing" in message
        # When the other run's record may be taken over, and the task that finishes it.
        assert utc(RECREATE.now + LEASE_SECONDS) in message
        assert ('sriov.hyperv.host_config: {state: merged, creation_only_changes: recreate, config: {switches: '
                '[{"enable_embedded_teaming": false, "enable_iov": false, "enable_packet_direct": false, '
                '"minimum_bandwidth_mode": "absolute", "name": "sriov"}]}}') in message
    # The run that wrote it plans on (after its own failure, to tell what is left).
    assert [op.action for op in plan(parse_config({}), have, "merged", RECREATE).operations] == ["resume"]


def test_a_resume_whose_task_changed_puts_the_original_switch_back():
    first = run({"switches": [{"name": "sriov", "enable_iov": False}]}, policy=RECREATE)
    have = _interrupted(first)
    later = Policy(creation_only_changes="fail", run_id="run2", now=RECREATE.now + LEASE_SECONDS + 1)
    # The user gave the change up: the task now asks for IOV as the switch had it.
    result = plan(parse_config({"switches": [{"name": "sriov", "enable_iov": True}]}), have, "merged", later)
    assert [op.action for op in result.operations] == ["resume"]
    assert result.operations[0].details["back"] is True
    assert result.commands()[1].startswith("New-VMSwitch -Name 'sriov' -NetAdapterName 'NIC1' -AllowManagementOS "
                                           "$false -EnableIov $true")
    assert after_switch(result, "sriov")["enable_iov"] is True
    assert any("the original switch would be put back" in warning or "the original switch is put back" in warning
               for warning in result.warnings)


# -- physical adapters -------------------------------------------------------------------------
def test_physical_change_without_restart_is_pending():
    result = run({"physical_adapters": [{"name": "NIC2", "num_vfs": 16, "sriov_enabled": True}]})
    assert result.commands() == ["Set-NetAdapterSriov -Name 'NIC2' -NumVFs 16 -NoRestart"]
    assert result.restart_required == ["NIC2"] and result.wait_for_nics == []


def test_physical_change_with_restart_waits():
    result = run({"physical_adapters": [{"name": "NIC2", "sriov_enabled": False}]},
                 policy=Policy(restart=True))
    assert result.commands() == ["Set-NetAdapterSriov -Name 'NIC2' -Enabled $false"]
    assert result.restart_required == [] and result.wait_for_nics == ["NIC2"]


def test_pending_value_counts_as_converged_and_is_reported():
    have = observed(nic("NIC1", num_vfs=8, configured_vfs=16))
    result = plan(parse_config({"physical_adapters": [{"name": "NIC1", "num_vfs": 16}]}), have, "merged", Policy())
    assert result.changed is False and result.restart_required == ["NIC1"]
    assert have.pending_restarts() == ["NIC1"]
    restart = plan(parse_config({"physical_adapters": [{"name": "NIC1", "num_vfs": 16}]}), have, "merged",
                   Policy(restart=True))
    assert restart.commands() == ["Set-NetAdapterSriov -Name 'NIC1' -Enabled $true -NumVFs 16"]
    assert restart.operations[0].action == "restart" and restart.restart_required == []


def test_physical_replaced_and_deleted_use_the_driver_defaults():
    assert run({"physical_adapters": [{"name": "NIC2"}]}, "replaced").commands() == [
        "Set-NetAdapterSriov -Name 'NIC2' -NumVFs 32 -NoRestart"]
    assert run({"physical_adapters": [{"name": "NIC2", "num_vfs": 4}]}, "deleted").commands() == [
        "Set-NetAdapterSriov -Name 'NIC2' -NumVFs 32 -NoRestart"]


# -- host-level validation ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "config, expected",
    [
        ({"vm_adapters": [{"vm_name": "web1", "name": "Network Adapter"}]},
         "config.vm_adapters[0].vm_name: VM 'web1' was not found on the host. Did you mean 'web01'?"),
        ({"vm_adapters": [{"vm_name": "web01", "name": "Network Adaptr"}]},
         "config.vm_adapters[0].name: VM 'web01' has no network adapter 'Network Adaptr'. Did you mean "
         "'Network Adapter'? Its adapters: 'Network Adapter'."),
        ({"vm_adapters": [{"management_os": True, "name": "nope"}]},
         "config.vm_adapters[0].name: the management OS has no network adapter 'nope'. Existing management-OS "
         "adapters: 'sriov', 'int'."),
        ({"vm_adapters": [{**WEB, "switch_name": "sriv"}]},
         "config.vm_adapters[0].switch_name: switch 'sriv' was not found on the host. Did you mean 'sriov'?"),
        ({"vm_adapters": [{"management_os": True, "name": "sriov", "switch_name": "int"}]},
         "config.vm_adapters[0].switch_name: management-OS adapter 'sriov' is on switch 'sriov'; a management-OS "
         "adapter cannot be moved"),
        ({"switches": [{"name": "x", "net_adapter_names": ["NIC9"]}]},
         "config.switches[0].net_adapter_names[0]: physical adapter 'NIC9' was not found on the host. Did you mean"),
        ({"switches": [{"name": "x", "net_adapter_names": ["NIC1"]}]},
         "config.switches[0].net_adapter_names[0]: physical adapter 'NIC1' is already bound to External switch 'sriov'"),
        ({"switches": [{"name": "x", "switch_type": "external"}]},
         "config.switches[0].net_adapter_names: creating External switch 'x' needs the physical adapter(s)"),
        ({"switches": [{"name": "x"}]},
         "config.switches[0]: switch 'x' does not exist and cannot be created without a type."),
        ({"switches": [{"name": "x", "net_adapter_names": ["NIC3"], "enable_iov": True}]},
         "config.switches[0].enable_iov: physical adapter 'NIC3' cannot use SR-IOV: its SriovSupport is MissingAcs: "
         "SR-IOV cannot be used on this network adapter as the PCI Express hardware does not support Access Control "
         "Services (ACS)."),
        ({"switches": [{"name": "x", "net_adapter_names": ["NIC4"], "enable_iov": True}]},
         "physical adapter 'NIC4' cannot use SR-IOV: Get-NetAdapterSriov does not list it"),
        ({"physical_adapters": [{"name": "NIC3", "sriov_enabled": False}, {"name": "NIC4", "sriov_enabled": True}]},
         "config.physical_adapters[1].sriov_enabled: physical adapter 'NIC4' cannot use SR-IOV"),
        ({"physical_adapters": [{"name": "NIC2", "num_vfs": 65}]},
         "config.physical_adapters[0].num_vfs: 65 is above the maximum of physical adapter 'NIC2' (64 virtual "
         "functions)."),
        ({"physical_adapters": [{"name": "NIC 2"}]},
         "config.physical_adapters[0].name: physical adapter 'NIC 2' was not found on the host. Did you mean"),
        ({"switches": [{"name": "sriov", "switch_type": "internal"}]},
         "config.switches[0].switch_type: switch 'sriov' has SR-IOV enabled"),
        ({"switches": [{"name": "int", "enable_iov": True}]},
         "config.switches[0].enable_iov: SR-IOV needs an External switch; switch 'int' is internal."),
    ],
)
def test_host_validation(config, expected):
    with pytest.raises(SpecValidationError) as caught:
        run(config)
    assert expected in caught.value.message


@pytest.mark.parametrize(
    "config, expected",
    [
        ({"vm_adapters": [{**WEB, "vmmq_enabled": True}]},
         "config.vm_adapters[0].vmmq_enabled: this host does not support vmmq_enabled on adapter 'Network Adapter' of "
         "VM 'web01' (the adapter has no VmmqEnabledRequested property; it needs Windows Server 2016 or later)."),
        ({"vm_adapters": [{**WEB, "vmmq_queue_pairs": 4}]}, "it needs Windows Server 2016 or later"),
        ({"switches": [{"name": "int", "enable_packet_direct": False}]},
         "config.switches[0].enable_packet_direct: this host does not support enable_packet_direct"),
        ({"switches": [{"name": "n", "net_adapter_names": ["NIC2"], "enable_embedded_teaming": True}]},
         "config.switches[0].enable_embedded_teaming: this host does not support enable_embedded_teaming"),
    ],
)
def test_options_the_hosts_windows_version_lacks(config, expected):
    with pytest.raises(SpecValidationError) as caught:
        run(config, have=basic_host(version="2012r2"))
    assert expected in caught.value.message


@pytest.mark.parametrize("version, option, value, host_property", [
    ("2016", "vrss_min_queue_pairs", 2, "VrssMinQueuePairsRequested"),
    ("2016", "vrss_queue_scheduling_mode", "dynamic", "VrssQueueSchedulingModeRequested"),
    ("2016", "vrss_exclude_primary_processor", True, "VrssExcludePrimaryProcessorRequested"),
    ("2016", "vrss_independent_host_spreading", True, "VrssIndependentHostSpreadingRequested"),
    ("2016", "vrss_vmbus_channel_affinity_policy", "strict", "VrssVmbusChannelAffinityPolicyRequested"),
    ("2019", "rsc_enabled", False, "RscEnabledRequested"),
])
def test_adapter_options_newer_than_the_host_are_refused_before_any_write(version, option, value, host_property):
    with pytest.raises(SpecValidationError) as caught:
        run({"vm_adapters": [{**WEB, option: value}]}, have=basic_host(version=version))
    needs = "Windows Server 2022" if option == "rsc_enabled" else "Windows Server 2019"
    assert caught.value.problems == [
        "config.vm_adapters[0].%s: this host does not support %s on adapter 'Network Adapter' of VM 'web01' (the "
        "adapter has no %s property; it needs %s or later). Remove the option." % (option, option, host_property, needs)]
    # One release later the same task plans one Set-VMNetworkAdapter.
    later = "2019" if version == "2016" else "2022"
    assert len(run({"vm_adapters": [{**WEB, option: value}]}, have=basic_host(version=later)).commands()) == 1


@pytest.mark.parametrize("version, option, value, host_property, needs", [
    ("2012r2", "default_queue_vrss_enabled", False, "DefaultQueueVrssEnabledRequested", "Windows Server 2016"),
    ("2012r2", "default_queue_vmmq_enabled", False, "DefaultQueueVmmqEnabledRequested", "Windows Server 2016"),
    ("2012r2", "default_queue_vmmq_queue_pairs", 4, "DefaultQueueVrssMaxQueuePairsRequested", "Windows Server 2016"),
    ("2016", "software_rsc_enabled", False, "SoftwareRscEnabled", "Windows Server 2019"),
])
def test_switch_options_newer_than_the_host_are_refused_before_any_write(version, option, value, host_property, needs):
    with pytest.raises(SpecValidationError) as caught:
        run({"switches": [{"name": "int", option: value}]}, have=basic_host(version=version))
    assert caught.value.problems == [
        "config.switches[0].%s: this host does not support %s (its switches have no %s property; it needs %s or "
        "later). Remove the option." % (option, option, host_property, needs)]
    later = {"2012r2": "2016", "2016": "2019"}[version]
    assert run({"switches": [{"name": "int", option: value}]}, have=basic_host(version=later)).commands() == [
        "Set-VMSwitch -Name 'int' -%s %s" % (SWITCH_PARAMETERS[option], "$false" if value is False else value)]


@pytest.mark.parametrize("switch_entry, expected", [
    ({"name": "int", "default_flow_minimum_bandwidth_weight": 10},
     "config.switches[0].default_flow_minimum_bandwidth_weight: switch 'int' uses absolute minimum bandwidth, and "
     "default_flow_minimum_bandwidth_weight needs minimum_bandwidth_mode: weight. Use "
     "default_flow_minimum_bandwidth_absolute instead (bits per second), or recreate the switch with "
     "minimum_bandwidth_mode: weight (creation_only_changes: recreate)."),
    ({"name": "sriov", "default_flow_minimum_bandwidth_absolute": 10**8},
     "config.switches[0].default_flow_minimum_bandwidth_absolute: switch 'sriov' uses none minimum bandwidth, and "
     "default_flow_minimum_bandwidth_absolute needs minimum_bandwidth_mode: absolute. Remove "
     "default_flow_minimum_bandwidth_absolute (a switch without minimum bandwidth reserves none), or recreate the "
     "switch with minimum_bandwidth_mode: absolute (creation_only_changes: recreate)."),
    ({"name": "new", "switch_type": "private", "default_flow_minimum_bandwidth_weight": 10},
     "config.switches[0].default_flow_minimum_bandwidth_weight: switch 'new' uses absolute minimum bandwidth"),
    ({"name": "new", "switch_type": "private", "minimum_bandwidth_mode": "none",
      "default_flow_minimum_bandwidth_absolute": 10},
     "config.switches[0].default_flow_minimum_bandwidth_absolute: switch 'new' uses none minimum bandwidth"),
    ({"name": "new", "switch_type": "private", "default_flow_minimum_bandwidth_weight": 10,
      "default_flow_minimum_bandwidth_absolute": 10},
     "config.switches[0].default_flow_minimum_bandwidth_absolute: a switch reserves default-flow bandwidth either by "
     "weight or in bits per second, not both"),
])
def test_a_default_flow_reservation_of_the_other_mode_is_refused_naming_the_fix(switch_entry, expected):
    with pytest.raises(SpecValidationError) as caught:
        run({"switches": [switch_entry]})
    assert expected in caught.value.message


def test_default_flow_reservation_of_the_switchs_mode_is_set_in_place_and_created_with_the_switch():
    assert run({"switches": [{"name": "int", "default_flow_minimum_bandwidth_absolute": 5 * 10**8}]}).commands() == [
        "Set-VMSwitch -Name 'int' -DefaultFlowMinimumBandwidthAbsolute 500000000"]
    created = run({"switches": [{"name": "w", "switch_type": "private", "minimum_bandwidth_mode": "weight",
                                 "default_flow_minimum_bandwidth_weight": 20, "software_rsc_enabled": True,
                                 "default_queue_vmmq_queue_pairs": 8}]})
    # New-VMSwitch has none of these parameters; a default (RSC on) is not sent.
    assert created.commands() == [
        "New-VMSwitch -Name 'w' -SwitchType 'Private' -MinimumBandwidthMode 'Weight'",
        "Set-VMSwitch -Name 'w' -DefaultQueueVmmqQueuePairs 8 -DefaultFlowMinimumBandwidthWeight 20"]
    assert after_switch(created, "w")["default_flow_minimum_bandwidth_weight"] == 20


def test_replaced_resets_the_in_place_switch_settings_but_not_the_default_flow():
    have = observed(switch("int", kind="Internal", management=True, default_flow=7 * 10**8,
                           shown={"SoftwareRscEnabled": False, "DefaultQueueVrssMaxQueuePairsRequested": 4}))
    assert config_to_dict(have.config)["switches"][0]["default_flow_minimum_bandwidth_absolute"] == 7 * 10**8
    result = plan(parse_config({"switches": [{"name": "int"}]}), have, "replaced", Policy())
    assert result.commands() == ["Set-VMSwitch -Name 'int' -DefaultQueueVmmqQueuePairs 16 -EnableSoftwareRsc $true"]
    assert after_switch(result, "int")["default_flow_minimum_bandwidth_absolute"] == 7 * 10**8


@pytest.mark.parametrize("entry, expected", [
    ({**WEB, "minimum_bandwidth_weight": 10},
     "config.vm_adapters[0].minimum_bandwidth_weight: switch 'sriov' uses none minimum bandwidth, and "
     "minimum_bandwidth_weight needs minimum_bandwidth_mode: weight. Remove minimum_bandwidth_weight (a switch "
     "without minimum bandwidth reserves none), or recreate the switch with minimum_bandwidth_mode: weight "
     "(creation_only_changes: recreate)."),
    ({**WEB, "switch_name": "int", "minimum_bandwidth_weight": 10},
     "config.vm_adapters[0].minimum_bandwidth_weight: switch 'int' uses absolute minimum bandwidth, and "
     "minimum_bandwidth_weight needs minimum_bandwidth_mode: weight. Use minimum_bandwidth_absolute instead (bits "
     "per second), or recreate the switch with minimum_bandwidth_mode: weight (creation_only_changes: recreate)."),
])
def test_a_minimum_bandwidth_of_the_other_mode_is_refused_naming_the_fix(entry, expected):
    with pytest.raises(SpecValidationError) as caught:
        run({"vm_adapters": [entry]})
    assert caught.value.problems == [expected]


def test_minimum_bandwidth_of_the_switchs_mode_goes_with_the_connect_and_an_unset_one_counts_as_zero():
    result = run({"vm_adapters": [{**WEB, "switch_name": "int", "minimum_bandwidth_absolute": 10**8},
                                  {"management_os": True, "name": "int", "minimum_bandwidth_absolute": 0}]})
    assert result.commands() == [
        "Connect-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -SwitchName 'int'",
        "Set-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -MinimumBandwidthAbsolute 100000000"]
    # replaced resets it to 0, which an adapter without a bandwidth setting already has.
    assert run({"vm_adapters": [{"management_os": True, "name": "int"}]}, "replaced").commands() == []


def test_vrss_minimum_above_the_maximum_is_refused_against_the_hosts_maximum():
    with pytest.raises(SpecValidationError) as caught:
        run({"vm_adapters": [{**WEB, "vrss_min_queue_pairs": 17}]})
    assert caught.value.problems == [
        "config.vm_adapters[0].vrss_min_queue_pairs: 17 is more than the adapter's vmmq_queue_pairs (16); Hyper-V "
        "refuses a minimum above the maximum. Lower vrss_min_queue_pairs, or raise vmmq_queue_pairs."]
    result = run({"vm_adapters": [{**WEB, "vrss_min_queue_pairs": 17, "vmmq_queue_pairs": 32}]})
    assert result.commands() == [
        "Set-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -VmmqQueuePairs 32 -VrssMinQueuePairs 17"]


def test_replaced_on_an_old_host_never_sends_what_it_lacks():
    result = run({"vm_adapters": [{**WEB, "vmq_weight": 10}]}, "replaced", have=basic_host(version="2012r2"))
    assert result.commands() == ["Set-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -IovWeight 0 -VmqWeight 10"]


def test_every_problem_is_reported_at_once():
    with pytest.raises(SpecValidationError) as caught:
        run({"vm_adapters": [{"vm_name": "nope", "name": "x"}], "physical_adapters": [{"name": "nope"}]})
    assert len(caught.value.problems) == 2


# -- warnings ----------------------------------------------------------------------------------
def oversubscribed(states=("Running",) * 4, capacity=2):
    names = ["a", "b", "c", "d"]
    weights = [10, 80, 10, 50]
    return observed(
        nic("NIC1"), switch("iov", nics=["NIC1"], iov=True, vf_count=capacity),
        *[vm(name, state) for name, state in zip(names, states)],
        *[adapter("NA", name, "iov", IovWeight=weight) for name, weight in zip(names, weights)],
    )


def test_oversubscription_names_the_synthetic_adapters_lowest_weight_first():
    result = plan(parse_config({}), oversubscribed(), "merged", Policy())
    assert result.warnings == [
        "Switch 'iov' has 2 virtual function(s) for 4 running adapters asking for SR-IOV; these stay on the synthetic "
        "path (lowest weight first): adapter 'NA' of VM 'c' (weight 10), adapter 'NA' of VM 'a' (weight 10). Lower "
        "iov_weight to 0 on adapters that do not need SR-IOV, or raise num_vfs on the physical adapter."]


def test_oversubscription_counts_running_vms_and_predicted_weights():
    assert plan(parse_config({}), oversubscribed(states=("Running", "Running", "Off", "Running")), "merged",
                Policy()).warnings[0].count("weight 10") == 1
    assert plan(parse_config({}), oversubscribed(capacity=4), "merged", Policy()).warnings == []
    lowered = plan(parse_config({"vm_adapters": [{"vm_name": "a", "name": "NA", "iov_weight": 0},
                                                 {"vm_name": "c", "name": "NA", "iov_weight": 0}]}),
                   oversubscribed(), "merged", Policy())
    assert lowered.warnings == []


def test_iov_weight_on_a_switch_without_iov_warns():
    have = observed(nic("NIC1"), switch("plain", nics=["NIC1"]), vm("v"), adapter("NA", "v", "plain"))
    result = plan(parse_config({"vm_adapters": [{"vm_name": "v", "name": "NA", "iov_weight": 100}]}), have, "merged",
                  Policy())
    assert "does not have SR-IOV enabled: it uses the synthetic path" in result.warnings[0]


# -- rendered and API details ------------------------------------------------------------------
def test_render_needs_no_host():
    commands = render(parse_config({
        "physical_adapters": [{"name": "P1", "sriov_enabled": True, "num_vfs": 8}],
        "switches": [{"name": "s", "net_adapter_names": ["P1"], "enable_iov": True, "minimum_bandwidth_mode": "none"}],
        "vm_adapters": [{**WEB, "switch_name": "s", "iov_weight": 100, "iov_interrupt_moderation": "adaptive",
                         "allow_teaming": True}],
    }))
    assert commands == [
        "Set-NetAdapterSriov -Name 'P1' -Enabled $true -NumVFs 8 -NoRestart",
        "New-VMSwitch -Name 's' -NetAdapterName 'P1' -EnableIov $true -MinimumBandwidthMode 'None'",
        "Connect-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -SwitchName 's'",
        "Set-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -IovWeight 100 -IovInterruptModeration "
        "'Adaptive' -AllowTeaming 'On'",
    ]


def test_policy_and_state_are_checked():
    with pytest.raises(ValueError):
        Policy(creation_only_changes="sometimes")
    with pytest.raises(ValueError):
        plan(parse_config({}), basic_host(), "gathered", Policy())


def test_iov_switch_on_a_host_without_iov_support_warns_with_the_reasons():
    reason = "The chipset on the system does not do DMA remapping, without which SR-IOV cannot be supported."
    have = observed(host(iov=False, reasons=[reason]), nic("NIC1"))
    result = plan(parse_config({"switches": [{"name": "s", "net_adapter_names": ["NIC1"], "enable_iov": True}]}), have,
                  "merged", Policy())
    assert result.warnings == [
        "Switch 's' gets SR-IOV, but the host reports that it cannot use SR-IOV (%s): adapters on it stay on the "
        "synthetic path until that is fixed." % reason]


def test_a_switch_without_virtual_functions_says_why():
    warnings = plan(parse_config({}), oversubscribed(capacity=0), "merged", Policy()).warnings
    assert warnings == [
        "Switch 'iov' has no virtual functions to give (SR-IOV is off or NumVFs is 0 on its physical adapters): "
        "adapter 'NA' of VM 'a', adapter 'NA' of VM 'b', adapter 'NA' of VM 'c', adapter 'NA' of VM 'd' stay on the "
        "synthetic path."]


@pytest.mark.parametrize("config", [
    {"switches": [{"name": "sriov", "allow_management_os": False}]},
    {"switches": [{"name": "sriov", "allow_management_os": False, "remove_management_os_adapters": ["other"]}]},
    {"switches": [{"name": "int", "switch_type": "private"}]},
])
@pytest.mark.parametrize("policy", [Policy(), RECREATE])
def test_host_vnics_the_task_does_not_name_are_never_removed(config, policy):
    with pytest.raises(SpecValidationError) as caught:
        run(config, policy=policy)
    assert "remove_management_os_adapters" in caught.value.message
    assert "which removes its management-OS adapters" in caught.value.message


def test_host_vnics_named_for_removal_go_with_a_warning_that_says_would_in_check_mode():
    config = {"switches": [{"name": "sriov", "allow_management_os": False, "remove_management_os_adapters": ["SRIOV"]}]}
    done = run(config)
    assert done.commands() == ["Set-VMSwitch -Name 'sriov' -AllowManagementOS $false"]
    assert any("are removed" in warning for warning in done.warnings)
    predicted = run(config, policy=Policy(check_mode=True))
    assert any("would be removed" in warning for warning in predicted.warnings)


def test_a_recreate_warning_says_would_in_check_mode():
    config = {"switches": [{"name": "sriov", "enable_iov": False}]}
    done = run(config, policy=RECREATE)
    predicted = run(config, policy=Policy(creation_only_changes="recreate", check_mode=True))
    assert any("'sriov' is recreated while running VMs" in warning for warning in done.warnings)
    assert any("'sriov' would be recreated while running VMs" in warning and "would lose" in warning
               for warning in predicted.warnings)
    assert not any(" is recreated" in warning for warning in predicted.warnings)


def test_an_adapter_whose_vm_and_switch_are_both_unknown_gets_two_lines():
    with pytest.raises(SpecValidationError) as caught:
        run({"vm_adapters": [{"vm_name": "nope", "name": "Network Adapter", "switch_name": "nowhere"}]})
    assert caught.value.problems == [
        "config.vm_adapters[0].vm_name: VM 'nope' was not found on the host. Check the name with Get-VM.",
        "config.vm_adapters[0].switch_name: switch 'nowhere' was not found on the host. Create it under switches, "
        "or use an existing switch.",
    ]


def test_render_adds_host_vnics_instead_of_connecting_them():
    # Connect-VMNetworkAdapter has no -ManagementOS (field case 08 fed gathered to rendered): a
    # host vNIC named after its new switch comes with New-VMSwitch, any other is added to it.
    commands = render(parse_config({
        "switches": [{"name": "backup-int", "switch_type": "internal"},
                     {"name": "ext", "net_adapter_names": ["P1"]},
                     {"name": "ext-no-host", "net_adapter_names": ["P2"], "allow_management_os": False}],
        "vm_adapters": [
            {"management_os": True, "name": "backup-int", "switch_name": "backup-int", "vmq_weight": 50},
            {"management_os": True, "name": "ext", "switch_name": "ext"},
            {"management_os": True, "name": "LiveMigration", "switch_name": "ext", "vmq_weight": 0},
            {"management_os": True, "name": "ext-no-host", "switch_name": "ext-no-host"},
        ],
    }))
    assert not [command for command in commands if command.startswith("Connect-VMNetworkAdapter -ManagementOS")]
    assert commands[3:] == [
        "Set-VMNetworkAdapter -ManagementOS -Name 'backup-int' -VmqWeight 50",
        "Add-VMNetworkAdapter -ManagementOS -Name 'LiveMigration' -SwitchName 'ext'",
        "Set-VMNetworkAdapter -ManagementOS -Name 'LiveMigration' -VmqWeight 0",
        "Add-VMNetworkAdapter -ManagementOS -Name 'ext-no-host' -SwitchName 'ext-no-host'",
    ]
