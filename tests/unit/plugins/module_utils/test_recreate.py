# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recreating a switch end to end in process: success, a failure mid-way, a lost connection."""
from __future__ import annotations

import json

import pytest
from ansible_collections.sriov.hyperv.tests.unit.plugins.module_utils.host_emulated import (
    CountingRunner,
    FailAt,
    TaskTimeoutError,
    make_host,
    ops,
    runner_for,
)

from ansible_collections.sriov.hyperv.plugins.module_utils.transport._errors import HostUnreachableError
from ansible_collections.sriov.hyperv.plugins.module_utils.host._host import ApplyError, apply_plan, read_host, run_writes
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_common import RecreateInProgressError
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import PARKING_MARKER
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile import CreationOnlyChangeError, Policy, plan
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import config_to_dict, parse_config

RECREATE = Policy(creation_only_changes="recreate", run_id="run1")
TO_PLAIN = {"switches": [{"name": "sriov", "enable_iov": False}]}
PARKING = "sriov.hyperv parking for sriov #run1"


def adapters_of(observed, switch):
    return sorted((item.vm_name or "host", item.name) for item in observed.adapters
                  if (item.switch_name or "").lower() == switch.lower())


def snapshot(observed):
    return config_to_dict(observed.config)


def test_recreate_reconnects_every_adapter_with_its_settings():
    host = make_host()
    # Settings of every release: a reconnected VM adapter keeps them; a re-added host vNIC gets them back.
    host.vms[0].adapters[0].settings.update({"RscEnabledRequested": False, "VrssQueueSchedulingModeRequested": "Dynamic"})
    host.management_adapters[0].settings.update({"VrssVmbusChannelAffinityPolicyRequested": "Strict",
                                                 "VrssMinQueuePairsRequested": 3})
    runner = CountingRunner(runner_for(host))
    have = read_host(runner)
    result = plan(parse_config(TO_PLAIN), have, "merged", RECREATE)
    after = apply_plan(runner, result, have)
    switch = after.switch("sriov")
    assert switch.iov_enabled is False and switch.bandwidth_mode == "absolute"
    assert adapters_of(after, "sriov") == [("db01", "Network Adapter"), ("host", "sriov"), ("web01", "Network Adapter")]
    assert after.adapter(("vm", "WEB01", "NETWORK ADAPTER")).iov_weight == 50
    vnic = [item for item in after.config.vm_adapters if item.management_os and item.name == "sriov"][0]
    assert vnic.switch_name == "sriov" and vnic.vmq_weight == 40  # restored on the re-added host adapter
    assert (vnic.vrss_vmbus_channel_affinity_policy, vnic.vrss_min_queue_pairs) == ("strict", 3)
    web = after.config.vm_adapters[[item.vm_name for item in after.config.vm_adapters].index("web01")]
    assert (web.rsc_enabled, web.vrss_queue_scheduling_mode) == (False, "dynamic")
    assert after.parking == [] and after.switch(PARKING) is None
    # park, the read that makes sure no other run is at it, swap, confirming read, finish, final
    # read (plus the first read)
    assert len(runner.calls) == 7


def test_parking_switch_records_where_every_adapter_belongs():
    have = read_host(runner_for(make_host()))
    result = plan(parse_config(TO_PLAIN), have, "merged", RECREATE)
    notes = result.operations[0].commands[0].parameters["Notes"]
    record = json.loads(notes[len(PARKING_MARKER):])
    assert record["target"] == "sriov"
    assert record["vm_adapters"] == [{"vm_name": "web01", "name": "Network Adapter"},
                                     {"vm_name": "db01", "name": "Network Adapter"}]
    mac = have.adapter(("management_os", "SRIOV")).mac_address
    assert record["management_os"] == [{"name": "sriov", "settings": {"vmq_weight": 40}, "mac_address": mac}]
    assert record["switch"]["enable_iov"] is False


def test_a_failure_midway_puts_the_original_switch_back():
    host = make_host()
    runner = FailAt(runner_for(host), lambda c: c.name == "New-VMSwitch" and c.parameters.get("Name") == "sriov"
                    and c.parameters.get("EnableIov") is False)
    have = read_host(runner)
    before = snapshot(have)
    result = plan(parse_config(TO_PLAIN), have, "merged", RECREATE)
    with pytest.raises(ApplyError) as caught:
        apply_plan(runner, result, have)
    message = caught.value.message
    assert message.startswith("Failed to recreate switch 'sriov': ")
    assert "Injected failure of New-VMSwitch" in message
    assert "The original switch 'sriov' and its connections were put back." in message
    assert caught.value.details["rolled_back"] is True
    restored = read_host(runner_for(host))
    assert restored.switch("sriov").iov_enabled is True
    assert adapters_of(restored, "sriov") == [("db01", "Network Adapter"), ("host", "sriov"),
                                              ("web01", "Network Adapter")]
    assert restored.parking == [] and restored.switch(PARKING) is None

    # Same configuration as before (the re-added host adapter is listed last, MAC aside).
    def key(item):
        return (item.get("vm_name") or "", item["name"])

    assert sorted(snapshot(restored)["vm_adapters"], key=key) == sorted(before["vm_adapters"], key=key)
    assert sorted(snapshot(restored)["switches"], key=key) == sorted(before["switches"], key=key)
    # The adapters got their VFs back.
    assert restored.adapter(("vm", "WEB01", "NETWORK ADAPTER")).iov_usage == 1


def test_a_refused_new_switch_is_rolled_back_too():
    # A second NIC for teaming: make NIC2 unusable by binding it elsewhere after planning.
    host = make_host()
    runner = runner_for(host)
    have = read_host(runner)
    result = plan(parse_config({"switches": [{"name": "sriov", "net_adapter_names": ["NIC1", "NIC2"]}]}), have,
                  "merged", RECREATE)
    ops.create_switch(host, "thief", nic_names=["NIC2"])
    with pytest.raises(ApplyError) as caught:
        apply_plan(runner, result, have)
    assert "were put back" in caught.value.message
    restored = read_host(runner)
    assert restored.switch("sriov").nic_names == ["NIC1"] and restored.switch("sriov").iov_enabled is True
    assert len(adapters_of(restored, "sriov")) == 3 and restored.parking == []


# The commands a recreate can be interrupted at, one per stage: parking the adapters, after the
# removal, reconnecting them, before the parking switch goes.
MID_RECREATE = [
    pytest.param(lambda c: c.name == "Connect-VMNetworkAdapter" and c.parameters["SwitchName"] == PARKING,
                 id="after-parking"),
    pytest.param(lambda c: c.name == "New-VMSwitch" and c.parameters.get("Name") == "sriov", id="after-removal"),
    pytest.param(lambda c: c.name == "Add-VMNetworkAdapter", id="after-reconnect"),
    pytest.param(lambda c: c.name == "Remove-VMSwitch" and c.parameters["Name"] == PARKING, id="before-cleanup"),
]


def _interrupted(stop_at, mode, error):
    """A recreate stopped at ``stop_at`` (FailAt ``mode``, raising ``error``): the host, the runner
    that was stopped, and what a read finds on the host afterwards (its parking record)."""
    host = make_host()
    runner = FailAt(runner_for(host), stop_at, mode=mode)
    have = read_host(runner)
    with pytest.raises(error):
        apply_plan(runner, plan(parse_config(TO_PLAIN), have, "merged", RECREATE), have)
    interrupted = read_host(runner_for(host))
    assert [record.target for record in interrupted.parking] == ["sriov"]
    return host, runner, interrupted


def _finished(host, interrupted, policy):
    """The next run, under ``policy``, resumes and finishes the recreate: its plan and the host after."""
    follow_up = plan(parse_config(TO_PLAIN), interrupted, "merged", policy)
    assert follow_up.operations[0].action == "resume" and follow_up.changed
    finished = apply_plan(runner_for(host), follow_up, interrupted)
    assert finished.switch("sriov").iov_enabled is False and finished.parking == []
    assert adapters_of(finished, "sriov") == [("db01", "Network Adapter"), ("host", "sriov"),
                                              ("web01", "Network Adapter")]
    return follow_up, finished


@pytest.mark.parametrize("drop_at", MID_RECREATE)
def test_a_lost_connection_is_finished_by_the_next_run(drop_at):
    # The host holds the record: the next run of the same task finishes the job.
    host, _runner, interrupted = _interrupted(drop_at, "drop", HostUnreachableError)
    follow_up, finished = _finished(host, interrupted, RECREATE)
    assert config_to_dict(finished.config) == config_to_dict(follow_up.after)
    assert plan(parse_config(TO_PLAIN), finished, "merged", RECREATE).operations == []


def test_creation_only_change_refused_by_default_writes_nothing():
    host = make_host()
    runner = CountingRunner(runner_for(host))
    have = read_host(runner)
    with pytest.raises(CreationOnlyChangeError):
        plan(parse_config(TO_PLAIN), have, "merged", Policy())
    assert len(runner.calls) == 1
    assert read_host(runner_for(host)).switch("sriov").iov_enabled is True


def test_a_failed_parking_step_changes_nothing():
    host = make_host()
    runner = FailAt(runner_for(host), lambda c: c.name == "New-VMSwitch" and c.parameters.get("Name") == PARKING)
    have = read_host(runner)
    with pytest.raises(ApplyError) as caught:
        apply_plan(runner, plan(parse_config(TO_PLAIN), have, "merged", RECREATE), have)
    assert "could not create the parking switch" in caught.value.message
    assert "Nothing was changed on switch 'sriov'." in caught.value.message
    assert snapshot(read_host(runner_for(host))) == snapshot(have)


def test_when_the_rollback_fails_too_the_parking_record_lets_the_next_run_finish():
    host = make_host()
    # Every New-VMSwitch of the target fails: the new one and the original one put back.
    runner = FailAt(runner_for(host), lambda c: c.name == "New-VMSwitch" and c.parameters.get("Name") == "sriov",
                    once=False)
    have = read_host(runner)
    with pytest.raises(ApplyError) as caught:
        apply_plan(runner, plan(parse_config(TO_PLAIN), have, "merged", RECREATE), have)
    assert "Putting the original switch back also failed" in caught.value.message
    assert "The parking switch '%s' records where every adapter belongs" % PARKING in caught.value.message
    stranded = read_host(runner_for(host))
    assert adapters_of(stranded, PARKING) == [("db01", "Network Adapter"), ("web01", "Network Adapter")]
    assert [record.target for record in stranded.parking] == ["sriov"]
    finished = apply_plan(runner_for(host), plan(parse_config(TO_PLAIN), stranded, "merged", RECREATE), stranded)
    assert finished.switch("sriov").iov_enabled is False and finished.parking == []
    assert adapters_of(finished, "sriov") == [("db01", "Network Adapter"), ("host", "sriov"),
                                              ("web01", "Network Adapter")]


def assert_original_back(host):
    restored = read_host(runner_for(host))
    assert restored.switch("sriov").iov_enabled is True and restored.switch("sriov").nic_names == ["NIC1"]
    assert adapters_of(restored, "sriov") == [("db01", "Network Adapter"), ("host", "sriov"),
                                              ("web01", "Network Adapter")]
    assert restored.parking == [] and restored.switch(PARKING) is None
    assert restored.adapter(("vm", "WEB01", "NETWORK ADAPTER")).iov_weight == 50
    return restored


def test_a_failure_before_the_removal_reconnects_the_moved_adapters():
    # web01 reaches the parking switch, db01 does not: the original switch was never removed.
    host = make_host()
    runner = FailAt(runner_for(host), lambda c: c.name == "Connect-VMNetworkAdapter"
                    and c.parameters["SwitchName"] == PARKING and c.parameters["VMName"] == "db01")
    have = read_host(runner)
    with pytest.raises(ApplyError) as caught:
        apply_plan(runner, plan(parse_config(TO_PLAIN), have, "merged", RECREATE), have)
    assert "Injected failure of Connect-VMNetworkAdapter" in caught.value.message
    assert "were put back" in caught.value.message and caught.value.details["rolled_back"] is True
    assert_original_back(host)
    # The original switch was kept, not removed and created again.
    removals = [command for call in runner.calls for statement in call for command in statement
                if command.name == "Remove-VMSwitch" and command.parameters["Name"] == "sriov"]
    assert len(removals) == 1  # only the one in the failed swap pipeline, which never ran


def test_a_failure_after_the_new_switch_exists_replaces_it_with_the_original():
    host = make_host()
    runner = FailAt(runner_for(host), lambda c: c.name == "Add-VMNetworkAdapter" and c.parameters.get("SwitchName")
                    == "sriov")
    have = read_host(runner)
    with pytest.raises(ApplyError) as caught:
        apply_plan(runner, plan(parse_config(TO_PLAIN), have, "merged", RECREATE), have)
    assert "Injected failure of Add-VMNetworkAdapter" in caught.value.message
    assert caught.value.details["rolled_back"] is True
    restored = assert_original_back(host)
    vnic = [item for item in restored.config.vm_adapters if item.management_os and item.name == "sriov"][0]
    assert vnic.vmq_weight == 40


def test_a_swap_that_reports_success_but_misses_an_adapter_is_rolled_back():
    # db01 stays on the parking switch although the pipeline reports no error: the verifying read finds it.
    host = make_host()
    runner = FailAt(runner_for(host), lambda c: c.name == "Connect-VMNetworkAdapter"
                    and c.parameters["SwitchName"] == "sriov" and c.parameters["VMName"] == "db01", mode="skip")
    have = read_host(runner)
    with pytest.raises(ApplyError) as caught:
        apply_plan(runner, plan(parse_config(TO_PLAIN), have, "merged", RECREATE), have)
    message = caught.value.message
    assert "after the swap, adapter 'Network Adapter' of VM 'db01' is not connected to 'sriov'" in message
    assert "were put back" in message and caught.value.details["rolled_back"] is True
    assert_original_back(host)
    # read, park, the read that makes sure no other run is at it, swap, verifying read, rollback
    # writes, rollback's confirming read, cleanup: the rollback plans from the verifying read
    # instead of reading the unchanged host again.
    assert len(runner.calls) == 8


def test_a_failed_finish_leaves_the_parking_record_for_the_next_run():
    host = make_host()
    runner = FailAt(runner_for(host), lambda c: c.name == "Remove-VMSwitch" and c.parameters["Name"] == PARKING)
    have = read_host(runner)
    with pytest.raises(ApplyError) as caught:
        apply_plan(runner, plan(parse_config(TO_PLAIN), have, "merged", RECREATE), have)
    assert "finishing failed" in caught.value.message
    assert "The parking switch '%s' is removed by the next run of the task." % PARKING in caught.value.message
    assert caught.value.details["rolled_back"] is False
    left = read_host(runner_for(host))
    assert left.switch("sriov").iov_enabled is False
    assert adapters_of(left, "sriov") == [("db01", "Network Adapter"), ("host", "sriov"), ("web01", "Network Adapter")]
    assert [record.target for record in left.parking] == ["sriov"]
    follow_up = plan(parse_config(TO_PLAIN), left, "merged", RECREATE)
    finished = apply_plan(runner_for(host), follow_up, left)
    assert finished.parking == [] and finished.switch(PARKING) is None
    assert plan(parse_config(TO_PLAIN), finished, "merged", RECREATE).operations == []


VNIC_SETTINGS = {"VMQWeight": 0, "IPsecOffloadMaxSA": 32, "VrssEnabledRequested": False,
                 "VrssMinQueuePairsRequested": 2, "VrssQueueSchedulingModeRequested": "Dynamic",
                 "VrssExcludePrimaryProcessorRequested": True, "VrssIndependentHostSpreadingRequested": True,
                 "VrssVmbusChannelAffinityPolicyRequested": "Weak"}
VNIC_VALUES = (0, 32, False, 2, "dynamic", True, True, "weak")


def _vnic_values(item):
    return (item.vmq_weight, item.ipsec_offload_max_sa, item.vrss_enabled, item.vrss_min_queue_pairs,
            item.vrss_queue_scheduling_mode, item.vrss_exclude_primary_processor, item.vrss_independent_host_spreading,
            item.vrss_vmbus_channel_affinity_policy)


def _vnic(observed):
    return [item for item in observed.config.vm_adapters if item.management_os and item.name == "sriov"][0]


@pytest.mark.parametrize("persistent", [False, True], ids=["dropped-after-add", "set-keeps-failing"])
def test_a_readded_vnic_gets_every_recorded_setting_back(persistent):
    # The vNIC is re-added but its settings never reach it (the connection drops right after
    # Add-VMNetworkAdapter ran, or Set-VMNetworkAdapter keeps failing): later runs keep the parking
    # record until the host shows every recorded setting, and then put them back.
    host = make_host()
    host.management_adapters[0].settings.update(VNIC_SETTINGS)

    def vnic_set(command):
        return command.name == "Set-VMNetworkAdapter" and "ManagementOS" in command.parameters

    runner = FailAt(runner_for(host), vnic_set, mode="fail" if persistent else "drop", once=not persistent)
    have = read_host(runner)
    recorded = _vnic(have)
    assert _vnic_values(recorded) == VNIC_VALUES
    with pytest.raises((ApplyError, HostUnreachableError)):
        apply_plan(runner, plan(parse_config(TO_PLAIN), have, "merged", RECREATE), have)
    if persistent:
        # Still failing on the next run: the record stays, nothing is called finished.
        stranded = read_host(runner_for(host))
        with pytest.raises(ApplyError):
            apply_plan(runner, plan(parse_config(TO_PLAIN), stranded, "merged", RECREATE), stranded)
        left = read_host(runner_for(host))
        assert left.parking, "the record must survive until the settings are back"
        runner.once, runner.fired = True, True  # the fault is cleared
    interrupted = read_host(runner_for(host))
    follow_up = plan(parse_config(TO_PLAIN), interrupted, "merged", RECREATE)
    assert follow_up.changed
    finished = apply_plan(runner_for(host), follow_up, interrupted)
    vnic = _vnic(finished)
    assert _vnic_values(vnic) == VNIC_VALUES
    assert finished.parking == [] and finished.switch("sriov").iov_enabled is False
    assert plan(parse_config(TO_PLAIN), finished, "merged", RECREATE).operations == []


@pytest.mark.parametrize("interrupted", [False, True], ids=["in-one-run", "dropped-after-add"])
def test_a_readded_vnic_keeps_its_mac_address_and_priority_tag(interrupted):
    host = make_host()
    vnic = host.management_adapters[0]
    vnic.mac_address = "00155D0A0B0C"
    vnic.dynamic_mac = False
    vnic.settings["IeeePriorityTag"] = "On"
    runner = FailAt(runner_for(host), lambda c: c.name == "Set-VMNetworkAdapter" and "ManagementOS" in c.parameters,
                    mode="drop") if interrupted else runner_for(host)
    have = read_host(runner)
    result = plan(parse_config(TO_PLAIN), have, "merged", RECREATE)
    assert any("not carried over" in warning for warning in result.warnings)
    if interrupted:
        with pytest.raises(HostUnreachableError):
            apply_plan(runner, result, have)
        have = read_host(runner_for(host))
        result = plan(parse_config(TO_PLAIN), have, "merged", RECREATE)
    finished = apply_plan(runner_for(host), result, have)
    readded = finished.adapter(("management_os", "SRIOV"))
    assert readded.mac_address == "00155D0A0B0C"
    assert readded.ieee_priority_tag == "On"
    assert readded.switch_name == "sriov" and finished.parking == []


def test_the_refusal_names_what_a_recreate_would_not_carry_over():
    have = read_host(runner_for(make_host()))
    with pytest.raises(CreationOnlyChangeError) as caught:
        plan(parse_config(TO_PLAIN), have, "merged", Policy())
    assert "not their VLAN, maximum bandwidth, ACL, port-mirroring or isolation settings" in caught.value.message


def _applied_or_rolled_back(runner, result, have, host, fault):
    """The host after applying ``result``: with a fault, after the failed apply and its rollback."""
    if not fault:
        return apply_plan(runner, result, have)
    with pytest.raises(ApplyError):
        apply_plan(runner, result, have)
    return read_host(runner_for(host))


@pytest.mark.parametrize("fault", [None, "rollback"])
def test_a_set_team_keeps_its_load_balancing_algorithm_through_a_recreate(fault):
    # Field case 03: an LBFO team converted to SET and tuned to HyperVPort, then rebuilt for IOV.
    host = make_host()
    ops.add_nic(host, "NIC4", "Contoso 25G Adapter #4")
    team = ops.create_switch(host, "set", nic_names=["NIC2", "NIC4"], embedded_teaming=True)
    team.load_balancing_algorithm = "HyperVPort"
    wanted = {"switches": [{"name": "set", "enable_iov": True, "minimum_bandwidth_mode": "none"}]}
    if fault == "rollback":
        # The new switch cannot be made: the original team is put back, HyperVPort included.
        runner = FailAt(runner_for(host), lambda c: c.name == "New-VMSwitch" and c.parameters.get("Name") == "set")
        wanted = {"switches": [{"name": "set", "enable_iov": False, "enable_packet_direct": True}]}
    else:
        runner = runner_for(host)
    have = read_host(runner)
    assert have.switch("set").load_balancing_algorithm == "hyper_v_port"
    result = plan(parse_config(wanted), have, "merged", RECREATE)
    assert "Set-VMSwitchTeam -Name 'set' -LoadBalancingAlgorithm 'HyperVPort'" in result.commands()
    after = _applied_or_rolled_back(runner, result, have, host, fault)
    if not fault:
        assert after.switch("set").iov_enabled is True
    assert after.switch("set").load_balancing_algorithm == "hyper_v_port"
    assert after.parking == []


@pytest.mark.parametrize("fault", [None, "rollback"])
def test_a_recreate_carries_the_switchs_in_place_settings_over(fault):
    # An Absolute-mode switch tuned in place (default queue, RSC, default-flow reservation), then
    # rebuilt for PacketDirect: the new switch gets every setting back, and so does the original
    # when the new one cannot be made.
    host = make_host()
    tuned = next(sw for sw in host.switches if sw.name == "int")
    tuned.settings.update({"DefaultQueueVrssEnabledRequested": False, "DefaultQueueVmmqEnabledRequested": False,
                           "DefaultQueueVrssMaxQueuePairsRequested": 4, "SoftwareRscEnabled": False})
    tuned.default_flow_minimum_bandwidth_absolute = 3 * 10**8
    # ... and its host vNIC has a minimum bandwidth, which comes back with it (the mode stays Absolute).
    next(a for a in host.management_adapters if a.switch_id == tuned.id).settings["MinimumBandwidthAbsolute"] = 2 * 10**8
    wanted = {"switches": [{"name": "int", "enable_packet_direct": True}]}
    runner = runner_for(host)
    if fault == "rollback":
        runner = FailAt(runner, lambda c: c.name == "New-VMSwitch" and c.parameters.get("Name") == "int")
    have = read_host(runner)
    settings = {"default_queue_vrss_enabled": False, "default_queue_vmmq_enabled": False,
                "default_queue_vmmq_queue_pairs": 4, "software_rsc_enabled": False,
                "default_flow_minimum_bandwidth_absolute": 3 * 10**8}
    before = next(item for item in snapshot(have)["switches"] if item["name"] == "int")
    assert {option: before.get(option) for option in settings} == settings
    result = plan(parse_config(wanted), have, "merged", RECREATE)
    assert ("Set-VMSwitch -Name 'int' -DefaultQueueVrssEnabled $false -DefaultQueueVmmqEnabled $false "
            "-DefaultQueueVmmqQueuePairs 4 -EnableSoftwareRsc $false -DefaultFlowMinimumBandwidthAbsolute 300000000"
            in result.commands())
    after = _applied_or_rolled_back(runner, result, have, host, fault)
    if not fault:
        assert after.switch("int").packet_direct_enabled is True
    rebuilt = next(item for item in snapshot(after)["switches"] if item["name"] == "int")
    assert {option: rebuilt.get(option) for option in settings} == settings
    vnic = next(item for item in snapshot(after)["vm_adapters"] if item.get("management_os") and item["name"] == "int")
    assert vnic["minimum_bandwidth_absolute"] == 2 * 10**8
    assert after.parking == []


def test_a_run_that_parks_after_another_stops_and_takes_its_parking_switch_back():
    host = make_host()
    have = read_host(runner_for(host))
    first = plan(parse_config(TO_PLAIN), have, "merged", RECREATE)
    later = Policy(creation_only_changes="recreate", run_id="run2", now=RECREATE.now + 1)
    second = plan(parse_config(TO_PLAIN), have, "merged", later)
    # Both read the host before either parked; the first one's parking switch exists now.
    runner = runner_for(host)
    assert run_writes(runner, first.operations[0].details["steps"]["park"]).terminating_error is None
    with pytest.raises(RecreateInProgressError) as caught:
        apply_plan(runner, second, have)
    assert "is being recreated by another run (run run1" in caught.value.message
    assert "parking switch '%s'" % PARKING in caught.value.message
    now = read_host(runner_for(host))
    # The second run took its own parking switch back and touched nothing else.
    assert [record.switch_name for record in now.parking] == [PARKING]
    assert now.switch("sriov").iov_enabled is True
    assert adapters_of(now, "sriov") == [("db01", "Network Adapter"), ("host", "sriov"), ("web01", "Network Adapter")]


def test_a_run_that_planned_before_another_finished_stops_when_the_switch_changed():
    host = make_host()
    have = read_host(runner_for(host))
    first = plan(parse_config(TO_PLAIN), have, "merged", RECREATE)
    second = plan(parse_config(TO_PLAIN), have, "merged",
                  Policy(creation_only_changes="recreate", run_id="run2", now=RECREATE.now + 1))
    done = apply_plan(runner_for(host), first, have)
    assert done.switch("sriov").iov_enabled is False
    with pytest.raises(RecreateInProgressError) as caught:
        apply_plan(runner_for(host), second, have)
    assert "changed while this run was about to recreate it (it has another Id)" in caught.value.message
    now = read_host(runner_for(host))
    assert now.parking == [] and now.switch("sriov").id == done.switch("sriov").id


def test_two_runs_that_resume_one_interrupted_recreate_are_sorted_out_by_their_claims():
    host = make_host()
    runner = FailAt(runner_for(host), lambda c: c.name == "New-VMSwitch" and c.parameters.get("Name") == "sriov",
                    mode="drop")
    have = read_host(runner)
    with pytest.raises(HostUnreachableError) as lost:
        apply_plan(runner, plan(parse_config(TO_PLAIN), have, "merged", RECREATE), have)
    # The connection came back within the run: its record was given up for the next run.
    assert lost.value.details["released"] is True
    interrupted = read_host(runner_for(host))
    now = RECREATE.now + 5
    second = plan(parse_config(TO_PLAIN), interrupted, "merged",
                  Policy(creation_only_changes="recreate", run_id="run2", now=now))
    third = plan(parse_config(TO_PLAIN), interrupted, "merged",
                 Policy(creation_only_changes="recreate", run_id="run3", now=now + 1))
    # Both read the interrupted record; the second one's claim is on the host first.
    claim = "sriov.hyperv parking for sriov #run2"
    assert run_writes(runner_for(host), second.operations[0].details["steps"]["claim"]).terminating_error is None
    with pytest.raises(RecreateInProgressError) as caught:
        apply_plan(runner_for(host), third, interrupted)
    assert "parking switch '%s'" % claim in caught.value.message
    left = read_host(runner_for(host))
    assert sorted(record.switch_name for record in left.parking) == [PARKING, claim]
    assert left.switch("sriov") is None  # the third run wrote nothing of the resume
    # A run that reads the host now stops before writing, naming the claim in progress.
    with pytest.raises(RecreateInProgressError, match="run run2"):
        plan(parse_config(TO_PLAIN), left, "merged", Policy(creation_only_changes="recreate", run_id="run4"))


@pytest.mark.parametrize("stop_at", MID_RECREATE)
def test_a_task_timeout_mid_recreate_gives_the_record_up(stop_at):
    # The action runs the module in Ansible's worker, so a task's `timeout:` stops the run between
    # two pipelines. The record stays on the parking switch, given up like after a lost
    # connection: the next run finishes at once instead of refusing until the lease runs out.
    host, runner, interrupted = _interrupted(stop_at, "timeout", TaskTimeoutError)
    assert [record.record["expires"] for record in interrupted.parking] == [0]
    # Giving the record up asks for the parking switch alone: a whole-host read of a large host
    # would outlast what is left of the task's time.
    stopped = next(index for index, call in enumerate(runner.calls)
                   if any(stop_at(command) for statement in call for command in statement))
    after = [command.name for call in runner.calls[stopped + 1:] for statement in call for command in statement]
    assert after and set(after) <= {"Get-VMSwitch", "Set-VMSwitch"}, after
    # Another run (another run id) may take the given-up record at once.
    _finished(host, interrupted, Policy(creation_only_changes="recreate", run_id="run2"))


def test_a_task_timeout_mid_resume_gives_the_record_up():
    host = make_host()
    runner = FailAt(runner_for(host), lambda c: c.name == "New-VMSwitch" and c.parameters.get("Name") == "sriov",
                    mode="drop")
    have = read_host(runner)
    with pytest.raises(HostUnreachableError):
        apply_plan(runner, plan(parse_config(TO_PLAIN), have, "merged", RECREATE), have)
    interrupted = read_host(runner_for(host))
    resume = plan(parse_config(TO_PLAIN), interrupted, "merged", Policy(creation_only_changes="recreate", run_id="run2"))
    assert resume.operations[0].action == "resume"
    stopped = FailAt(runner_for(host), lambda c: c.name == "Remove-VMSwitch" and "parking" in c.parameters["Name"],
                     mode="timeout")
    with pytest.raises(TaskTimeoutError):
        apply_plan(stopped, resume, interrupted)
    left = read_host(runner_for(host))
    assert left.parking and all(record.record["expires"] == 0 for record in left.parking)
    again = plan(parse_config(TO_PLAIN), left, "merged", Policy(creation_only_changes="recreate", run_id="run3"))
    finished = apply_plan(runner_for(host), again, left)
    assert finished.switch("sriov").iov_enabled is False and finished.parking == []


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_recreate_into_another_bandwidth_mode_says_which_reservation_goes_and_predicts_it(check_mode):
    # Field case 03: a SET switch in Absolute mode (Hyper-V's default on 2016 and later) rebuilt for
    # IOV comes back in mode none, where a host vNIC can hold no minimum bandwidth: the run drops
    # it (Set-VMNetworkAdapter would refuse it), so check mode must predict that and say so.
    host = make_host()
    team = ops.create_switch(host, "set", nic_names=["NIC2"], embedded_teaming=True)
    vnic = next(a for a in host.management_adapters if a.switch_id == team.id)
    vnic.settings["MinimumBandwidthAbsolute"] = 10**9
    runner = runner_for(host)
    have = read_host(runner)
    assert have.switch("set").bandwidth_mode == "absolute"
    wanted = {"switches": [{"name": "set", "enable_iov": True}]}
    policy = Policy(creation_only_changes="recreate", run_id="run1", check_mode=check_mode)
    result = plan(parse_config(wanted), have, "merged", policy)
    predicted = next(item for item in snapshot_of(result.after)["vm_adapters"]
                     if item.get("management_os") and item["name"] == "set")
    assert "minimum_bandwidth_absolute" not in predicted
    verb = "would lose" if check_mode else "lose"
    assert [w for w in result.warnings if "host vNICs 'set' (minimum_bandwidth_absolute 1000000000) %s it" % verb in w]
    if check_mode:
        return
    after = apply_plan(runner, result, have)
    assert snapshot(after) == snapshot_of(result.after)
    assert not plan(parse_config(wanted), after, "merged", RECREATE).changed


def snapshot_of(config):
    return config_to_dict(config)
