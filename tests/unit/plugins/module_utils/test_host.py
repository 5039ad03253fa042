# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host layer against the emulator in process: one read, batched apply, prediction = result."""
from __future__ import annotations

import pytest
from ansible_collections.sriov.hyperv.tests.unit.plugins.module_utils.host_emulated import (
    CountingRunner,
    make_host,
    ops,
    runner_for,
)

from ansible_collections.sriov.hyperv.plugins.module_utils.transport._errors import HostTimeoutError
from ansible_collections.sriov.hyperv.plugins.module_utils.host._host import (
    READ_STATEMENTS,
    ApplyError,
    apply_plan,
    read_host,
)
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile import Policy, plan
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import render_statement
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import SpecValidationError, config_to_dict, parse_config

RECREATE = Policy(creation_only_changes="recreate")
WEB = {"vm_name": "web01", "name": "Network Adapter"}
DB = {"vm_name": "db01", "name": "Network Adapter"}


def test_read_is_one_round_trip_and_parses_everything():
    runner = CountingRunner(runner_for(make_host()))
    have = read_host(runner)
    assert len(runner.calls) == 1 and runner.calls[0] == READ_STATEMENTS
    assert [render_statement(statement) for statement in READ_STATEMENTS][-2:] == [
        "Get-NetAdapterAdvancedProperty -RegistryKeyword '*SRIOV','*NumVFs'", "Get-VMSwitchTeam"]
    # What the host answers to the read: the configured SR-IOV values come from the advanced
    # properties (they differ from the effective ones until a restart).
    answer = runner_for(make_host()).run(READ_STATEMENTS)
    assert answer.terminating_error is None and answer.errors == []
    keywords = {str(obj.properties.get("RegistryKeyword")) for obj in answer.output
                if obj.is_a("Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/"
                            "MSFT_NetAdapterAdvancedPropertySettingData")}
    assert keywords == {"*SRIOV", "*NumVFs"}
    gathered = config_to_dict(have.config)
    assert gathered["switches"][0]["net_adapter_names"] == ["NIC1"]  # mapped from the interface description
    assert [nic["name"] for nic in gathered["physical_adapters"]] == ["NIC1", "NIC2"]
    assert have.host.iov_support is True
    assert {vm.name: (vm.state, vm.generation) for vm in have.vms} == {"web01": ("Running", 2), "db01": ("Running", 2)}
    sriov = have.switch("SRIOV")
    assert (sriov.iov_enabled, sriov.iov_support, sriov.bandwidth_mode, sriov.iov_vf_count) == (True, True, "none", 32)
    web = have.adapter(("vm", "WEB01", "NETWORK ADAPTER"))
    assert web.iov_weight == 50 and web.iov_usage == 1 and web.vf_data_path_active is True
    assert web.status == ["Ok"] and web.mac_address
    nic1 = have.nic("nic1")
    assert (nic1.sriov_support, nic1.max_vfs, nic1.num_allocated_vfs, nic1.pending) == ("Supported", 64, 1, False)
    assert have.nic("NIC3").sriov_listed is False


@pytest.mark.parametrize("version", ["2012r2", "2016", "2019", "2022", "2025"])
def test_gathered_round_trips_on_every_windows_version(version):
    have = read_host(runner_for(make_host(version)))
    for state in ("merged", "replaced", "overridden"):
        assert plan(parse_config(config_to_dict(have.config)), have, state, RECREATE).operations == []
    # Each option is gathered exactly on the releases that have it, with Hyper-V's default.
    web = next(item for item in config_to_dict(have.config)["vm_adapters"] if item.get("vm_name") == "web01")
    newer = {"vrss_min_queue_pairs": ("2019", 1), "vrss_queue_scheduling_mode": ("2019", "static_vrss"),
             "vrss_exclude_primary_processor": ("2019", False), "vrss_independent_host_spreading": ("2019", False),
             "vrss_vmbus_channel_affinity_policy": ("2019", "strong"), "rsc_enabled": ("2022", True)}
    releases = ["2012r2", "2016", "2019", "2022", "2025"]
    for option, (since, default) in newer.items():
        expected = default if releases.index(version) >= releases.index(since) else None
        assert web.get(option) == expected, option
    internal = next(item for item in config_to_dict(have.config)["switches"] if item["name"] == "int")
    newer = {"default_queue_vrss_enabled": ("2016", True), "default_queue_vmmq_enabled": ("2016", True),
             "default_queue_vmmq_queue_pairs": ("2016", 16), "software_rsc_enabled": ("2019", True)}
    for option, (since, default) in newer.items():
        expected = default if releases.index(version) >= releases.index(since) else None
        assert internal.get(option) == expected, option
    # No default-flow reservation is set, so none is gathered (it would be a value of the host's choosing).
    assert not any(option.startswith("default_flow") for option in internal)


CASES = [
    ("merged", {"vm_adapters": [{**WEB, "iov_weight": 80, "iov_queue_pairs_requested": 4,
                                 "iov_interrupt_moderation": "high", "vmmq_queue_pairs": 8, "allow_teaming": True}]},
     Policy()),
    ("merged", {"vm_adapters": [{"management_os": True, "name": "sriov", "vmq_weight": 0, "vrss_enabled": False}]},
     Policy()),
    ("merged", {"vm_adapters": [{**WEB, "vrss_min_queue_pairs": 2, "vrss_queue_scheduling_mode": "dynamic",
                                 "vrss_exclude_primary_processor": True, "vrss_independent_host_spreading": True,
                                 "vrss_vmbus_channel_affinity_policy": "strict", "rsc_enabled": False},
                                {"management_os": True, "name": "sriov", "vrss_queue_scheduling_mode": "static_vmq",
                                 "vrss_vmbus_channel_affinity_policy": "weak"}]}, Policy()),
    ("replaced", {"vm_adapters": [{**DB, "vrss_min_queue_pairs": 4, "vmmq_queue_pairs": 4}]}, Policy()),
    ("replaced", {"vm_adapters": [{**WEB, "vmq_weight": 10}]}, Policy()),
    ("overridden", {"vm_adapters": [{**DB, "iov_weight": 5}]}, Policy()),
    ("deleted", {"vm_adapters": [WEB]}, Policy()),
    ("merged", {"switches": [{"name": "new", "net_adapter_names": ["NIC2"], "enable_iov": True}],
                "vm_adapters": [{**DB, "switch_name": "new", "iov_weight": 100}]}, Policy()),
    ("merged", {"switches": [{"name": "p1", "switch_type": "private", "notes": "é"},
                             {"name": "i1", "switch_type": "internal", "minimum_bandwidth_mode": "weight"}]}, Policy()),
    ("merged", {"switches": [{"name": "sriov", "allow_management_os": False, "notes": "x", "remove_management_os_adapters": ["sriov"]}]}, Policy()),
    ("merged", {"switches": [{"name": "int", "switch_type": "private", "remove_management_os_adapters": ["INT"]}]},
     Policy()),
    ("merged", {"switches": [{"name": "int", "net_adapter_names": ["NIC2"]}]}, Policy()),
    ("replaced", {"switches": [{"name": "int", "switch_type": "internal", "notes": "lab"}]}, Policy()),
    ("overridden", {"switches": [{"name": "sriov"}]}, RECREATE),
    ("deleted", {"switches": [{"name": "sriov"}]}, Policy()),
    ("overridden", {"switches": [{"name": "moved", "net_adapter_names": ["NIC1"], "enable_iov": True}]}, Policy()),
    ("merged", {"switches": [{"name": "int", "default_queue_vrss_enabled": False, "default_queue_vmmq_enabled": False,
                              "default_queue_vmmq_queue_pairs": 4, "software_rsc_enabled": False,
                              "default_flow_minimum_bandwidth_absolute": 10**9}]}, Policy()),
    ("merged", {"switches": [{"name": "w1", "switch_type": "internal", "minimum_bandwidth_mode": "weight",
                              "default_flow_minimum_bandwidth_weight": 30, "software_rsc_enabled": False},
                             {"name": "sriov", "default_queue_vmmq_queue_pairs": 8}]}, Policy()),
    ("replaced", {"switches": [{"name": "int", "switch_type": "internal", "software_rsc_enabled": False}]}, Policy()),
    ("merged", {"vm_adapters": [{**DB, "switch_name": "int", "minimum_bandwidth_absolute": 10**8},
                                {"management_os": True, "name": "int", "minimum_bandwidth_absolute": 2 * 10**8}]},
     Policy()),
    ("merged", {"switches": [{"name": "w2", "switch_type": "internal", "minimum_bandwidth_mode": "weight"}],
                "vm_adapters": [{**WEB, "switch_name": "w2", "minimum_bandwidth_weight": 40},
                                {"management_os": True, "name": "w2", "minimum_bandwidth_weight": 10}]}, Policy()),
    ("merged", {"physical_adapters": [{"name": "NIC2", "num_vfs": 16, "sriov_enabled": False}]}, Policy()),
    ("merged", {"physical_adapters": [{"name": "NIC2", "num_vfs": 16}]}, Policy(restart=True)),
    ("replaced", {"physical_adapters": [{"name": "NIC2", "num_vfs": 16}]}, Policy()),
    ("merged", {"switches": [{"name": "sriov", "enable_iov": False}]}, RECREATE),
    ("merged", {"switches": [{"name": "int", "enable_packet_direct": True, "minimum_bandwidth_mode": "weight"}]},
     RECREATE),
    ("merged", {"switches": [{"name": "sriov", "net_adapter_names": ["NIC1", "NIC2"]}]}, RECREATE),
    ("merged", {"switches": [{"name": "sriov", "enable_iov": False, "allow_management_os": False,
                              "remove_management_os_adapters": ["sriov"]}]}, RECREATE),
]


@pytest.mark.parametrize("state, config, policy", CASES)
def test_check_mode_prediction_is_what_apply_gives_and_then_nothing_is_left(state, config, policy):
    host = make_host()
    runner = runner_for(host)
    have = read_host(runner)
    predicted = plan(parse_config(config), have, state, policy)
    assert predicted.changed
    untouched = read_host(runner)  # planning wrote nothing
    assert config_to_dict(untouched.config) == config_to_dict(have.config)
    after = apply_plan(runner, predicted, have)
    assert config_to_dict(after.config) == config_to_dict(predicted.after)
    assert after.pending_restarts() == predicted.restart_required
    assert not after.parking
    again = plan(parse_config(config), after, state, policy)
    assert again.operations == [], again.commands()


def test_writes_are_batched_into_one_pipeline_then_one_read():
    runner = CountingRunner(runner_for(make_host()))
    have = read_host(runner)
    result = plan(parse_config({
        "physical_adapters": [{"name": "NIC2", "num_vfs": 8}],
        "switches": [{"name": "new", "net_adapter_names": ["NIC2"], "enable_iov": True}],
        "vm_adapters": [{**WEB, "iov_weight": 1}, {**DB, "switch_name": "new", "iov_weight": 2}],
    }), have, "merged", Policy())
    apply_plan(runner, result, have)
    assert len(runner.calls) == 3  # read, one write pipeline, confirming read
    writes = runner.calls[1]
    assert [statement[0].name for statement in writes] == [
        "Set-NetAdapterSriov", "New-VMSwitch", "Set-VMNetworkAdapter", "Connect-VMNetworkAdapter",
        "Set-VMNetworkAdapter"]
    assert all(statement[0].parameters["ErrorAction"] == "Stop" for statement in writes)


def test_send_only_what_changes_on_an_old_host():
    runner = CountingRunner(runner_for(make_host("2012r2")))
    have = read_host(runner)
    result = plan(parse_config({"vm_adapters": [{**WEB, "vmq_weight": 30, "iov_weight": 50}]}), have, "replaced",
                  Policy())
    assert result.commands() == ["Set-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -VmqWeight 30"]
    apply_plan(runner, result, have)
    assert read_host(runner).adapter(("vm", "WEB01", "NETWORK ADAPTER")).iov_weight == 50


def test_restart_makes_the_value_effective_and_no_restart_leaves_it_pending():
    runner = runner_for(make_host())
    have = read_host(runner)
    pending = apply_plan(runner, plan(parse_config({"physical_adapters": [{"name": "NIC2", "num_vfs": 4}]}), have,
                                      "merged", Policy()), have)
    assert pending.pending_restarts() == ["NIC2"] and pending.nic("NIC2").num_vfs == 32
    assert config_to_dict(pending.config)["physical_adapters"][1]["num_vfs"] == 4
    converged = plan(parse_config({"physical_adapters": [{"name": "NIC2", "num_vfs": 4}]}), pending, "merged", Policy())
    assert not converged.changed and converged.restart_required == ["NIC2"]
    restart = plan(parse_config({"physical_adapters": [{"name": "NIC2", "num_vfs": 4}]}), pending, "merged",
                   Policy(restart=True))
    effective = apply_plan(runner, restart, pending)
    assert effective.pending_restarts() == [] and effective.nic("NIC2").num_vfs == 4


def test_a_failed_write_names_what_failed_and_what_was_applied():
    host = make_host()
    runner = runner_for(host)
    have = read_host(runner)
    result = plan(parse_config({"vm_adapters": [{**WEB, "iov_weight": 1}, {**DB, "iov_weight": 2}],
                                "switches": [{"name": "int", "notes": "n"}]}), have, "merged", Policy())
    host.vms = [vm for vm in host.vms if vm.name != "db01"]  # the VM vanished between plan and apply
    with pytest.raises(ApplyError) as caught:
        apply_plan(runner, result, have)
    message = caught.value.message
    assert message.startswith("Failed to configure adapter 'Network Adapter' of VM 'db01' (iov_weight=2): ")
    assert "db01" in caught.value.details["failed_command"]
    assert caught.value.details["applied"] == ["change switch 'int': notes",
                                               "configure adapter 'Network Adapter' of VM 'web01' (iov_weight=1)"]
    assert "Not applied: nothing else." in message


def test_a_host_adapter_named_after_nothing_stays_put():
    host = make_host()
    ops.add_host_vnic(host, "Storage 'A'", host.switches[0])
    runner = runner_for(host)
    have = read_host(runner)
    result = plan(parse_config({"vm_adapters": [{"management_os": True, "name": "storage 'a'", "vmq_weight": 7}]}),
                  have, "merged", Policy())
    assert result.commands() == ["Set-VMNetworkAdapter -ManagementOS -Name 'Storage ''A''' -VmqWeight 7"]
    after = apply_plan(runner, result, have)
    assert after.adapter(("management_os", "STORAGE 'A'")) is not None


def test_oversubscription_warning_names_exactly_the_adapters_the_host_leaves_synthetic():
    host = make_host()
    host.nics["nic1"].num_vfs_configured = host.nics["nic1"].num_vfs_effective = 2
    sriov = host.switches[0]
    for name in ("app01", "app02"):
        vm = ops.add_vm(host, name, state="Running")
        ops.add_vm_adapter(host, vm, sw=sriov)
    host.reallocate()
    runner = runner_for(host)
    have = read_host(runner)
    weights = {"web01": 50, "db01": 50, "app01": 90, "app02": 10}
    result = plan(parse_config({"vm_adapters": [{"vm_name": vm, "name": "Network Adapter", "iov_weight": weight}
                                                for vm, weight in weights.items()]}), have, "merged", Policy())
    assert len(result.warnings) == 1
    after = apply_plan(runner, result, have)
    synthetic = [adapter.vm_name for adapter in after.adapters
                 if not adapter.management_os and not adapter.iov_usage and weights.get(adapter.vm_name)]
    # Lowest weight first; web01 held a VF before, so the equal-weight db01 is the one left out.
    assert synthetic and sorted(synthetic) == ["app02", "db01"]
    assert "(lowest weight first): adapter 'Network Adapter' of VM 'app02' (weight 10), adapter 'Network Adapter' " \
           "of VM 'db01' (weight 50)." in result.warnings[0]


def test_non_ascii_and_quoted_names_end_to_end():
    host = make_host()
    sw = ops.create_switch(host, "Süd 'ext' ☃", nic_names=["NIC2"], iov_enabled=True, allow_management_os=False)
    vm = ops.add_vm(host, "Ωmega \u2019vm\u2019", state="Running")
    ops.add_vm_adapter(host, vm, "Carte réseau", sw=sw)
    host.reallocate()
    runner = runner_for(host)
    have = read_host(runner)
    config = {"vm_adapters": [{"vm_name": "ωMEGA \u2019VM\u2019", "name": "CARTE RÉSEAU", "iov_weight": 77,
                               "switch_name": "süd 'EXT' ☃"}],
              "switches": [{"name": "Süd 'ext' ☃", "notes": "Notizen für 'ext'"}]}
    result = plan(parse_config(config), have, "merged", Policy())
    assert result.commands() == [
        "Set-VMSwitch -Name 'Süd ''ext'' ☃' -Notes 'Notizen für ''ext'''",
        "Set-VMNetworkAdapter -VMName 'Ωmega \u2019\u2019vm\u2019\u2019' -Name 'Carte réseau' -IovWeight 77",
    ]
    after = apply_plan(runner, result, have)
    assert after.adapter(("vm", "ΩMEGA \u2019VM\u2019", "CARTE RÉSEAU")).iov_weight == 77
    assert after.switch("SÜD 'EXT' ☃").notes == "Notizen für 'ext'"
    assert plan(parse_config(config), after, "merged", Policy()).operations == []


def test_a_host_value_no_user_may_set_does_not_break_the_read():
    # Set-VMNetworkAdapter does not range-check VmqWeight: a host can hold 200.
    host = make_host()
    host.vms[1].adapters[0].settings["VMQWeight"] = 200
    have = read_host(runner_for(host))
    assert have.adapter(("vm", "DB01", "NETWORK ADAPTER")) is not None
    db = [item for item in config_to_dict(have.config)["vm_adapters"] if item.get("vm_name") == "db01"][0]
    assert db["vmq_weight"] == 200
    result = plan(parse_config({"vm_adapters": [{**DB, "vmq_weight": 100}]}), have, "merged", Policy())
    assert result.commands() == ["Set-VMNetworkAdapter -VMName 'db01' -Name 'Network Adapter' -VmqWeight 100"]


def test_restart_that_does_not_take_effect_times_out_with_the_adapters_named():
    host = make_host()
    host.nics["nic2"].admin_enabled = False  # a disabled adapter does not restart
    runner = runner_for(host)
    have = read_host(runner)
    result = plan(parse_config({"physical_adapters": [{"name": "NIC2", "num_vfs": 4}]}), have, "merged",
                  Policy(restart=True, restart_timeout=0.2))
    with pytest.raises(HostTimeoutError) as caught:
        apply_plan(runner, result, have)
    assert caught.value.message.startswith("Failed to restart physical adapter(s) 'NIC2': the new SR-IOV values were "
                                           "not in effect after 0.2 seconds.")


def _shipped_hosts():
    from hyperv_sriov_emulator import scenario

    for name in scenario.shipped_scenarios():
        for host in scenario.load_scenario(name):
            yield pytest.param(name, host.name, id="%s-%s" % (name, host.name))


@pytest.mark.parametrize("scenario_name, host_name", list(_shipped_hosts()))
def test_every_shipped_scenario_reads_and_round_trips(scenario_name, host_name):
    from hyperv_sriov_emulator import scenario

    host = next(item for item in scenario.load_scenario(scenario_name) if item.name == host_name)
    runner = runner_for(host)
    have = read_host(runner)
    gathered = config_to_dict(have.config)
    for state in ("merged", "replaced", "overridden"):
        assert plan(parse_config(gathered), have, state, RECREATE).operations == []
    # Resetting every VM adapter to Hyper-V's defaults is predicted exactly, on every host.
    reset = plan(parse_config({"vm_adapters": [{key: value for key, value in item.items()
                                                if key in ("vm_name", "management_os", "name", "mac_address")}
                                               for item in gathered.get("vm_adapters", [])]}),
                 have, "deleted", Policy())
    after = apply_plan(runner, reset, have)
    assert config_to_dict(after.config) == config_to_dict(reset.after)


def test_shipped_vf_shortage_and_bios_blocked_warnings_match_the_host():
    from hyperv_sriov_emulator import scenario

    for name, expected in (("vf-shortage", "these stay on the synthetic path (lowest weight first)"),
                           ("bios-blocked", "has no virtual functions to give (the host cannot use SR-IOV: ")):
        host = scenario.load_scenario(name)[0]
        have = read_host(runner_for(host))
        running = {vm.name for vm in have.vms if vm.running}
        synthetic = {adapter.vm_name for adapter in have.adapters
                     if adapter.vm_name in running and (adapter.iov_weight or 0) > 0 and not adapter.iov_usage}
        warnings = plan(parse_config({}), have, "merged", Policy()).warnings
        assert len(warnings) == 1 and expected in warnings[0]
        named = {vm for vm in synthetic if "VM '%s'" % vm in warnings[0]}
        assert synthetic and named == synthetic


def test_a_vf_shortage_on_a_big_host_names_twenty_adapters_and_counts_the_rest():
    from hyperv_sriov_emulator.scenario import load_scenario_text

    from ansible_collections.sriov.hyperv.plugins.module_utils.host._facts import host_facts

    # 100 running VMs asking for SR-IOV on a switch whose NIC gives 4 VFs: 96 stay synthetic.
    host = load_scenario_text('''
hosts:
  - name: hv-big
    physical_adapters: [{name: SLOT 1 Port 1, num_vfs: 4, max_vfs: 4}]
    switches: [{name: sriov-ext, net_adapters: [SLOT 1 Port 1], enable_iov: true}]
    vms:
      - {name: "vm{n}", count: 100, state: Running,
         adapters: [{name: Network Adapter, switch: sriov-ext, iov_weight: 50}]}
''')[0]
    have = read_host(runner_for(host))
    warnings = plan(parse_config({}), have, "merged", Policy()).warnings
    assert len(warnings) == 1
    waiting = host_facts(have)["switches"][0]["virtual_functions"]["requesting_without_vf"]
    assert len(waiting) == 96
    # host_info's labels are "vm/adapter"; the warning's name each adapter in words.
    listed = [label for label in waiting if "of VM '%s' (weight 50)" % label.split("/")[0] in warnings[0]]
    assert len(listed) == 20
    assert "and 76 more (sriov.hyperv.host_info lists them all: switches[].virtual_functions.requesting_without_vf)" \
        in warnings[0]
    assert len(warnings[0]) < 2000


def _shipped(name):
    from hyperv_sriov_emulator.scenario import load_scenario

    return load_scenario(name)[0]


def test_switches_are_tied_to_nics_by_interface_guid_not_description():
    # set-renumbered: the SET switch lists its members as "X" and "X #2" while Get-NetAdapter calls
    # them "X #2" and "X #3", and a third NIC is "X" (dsccommunity/HyperVDsc#217, microsoft/SDN#218).
    # By description the team would be [SLOT 1 Port 1, SLOT 3 Port 1]; by GUID it is right.
    have = read_host(runner_for(_shipped("set-renumbered")))
    assert have.switch("set-iov").nic_names == ["SLOT 3 Port 1", "SLOT 3 Port 2"]
    assert have.switch("set-iov").team_members == ["SLOT 3 Port 1", "SLOT 3 Port 2"]
    assert have.switch("storage-ext").nic_names == ["SLOT 1 Port 1"]
    gathered = config_to_dict(have.config)
    assert {sw["name"]: sw.get("net_adapter_names") for sw in gathered["switches"]} == {
        "set-iov": ["SLOT 3 Port 1", "SLOT 3 Port 2"], "storage-ext": ["SLOT 1 Port 1"]}
    # Fed back it plans nothing: test_every_shipped_scenario_reads_and_round_trips covers this scenario.


def test_without_guids_the_description_is_the_fallback():
    # Windows Server 2016 RTM has no NetAdapterInterfaceGuid on a switch (microsoft/SDN#337).
    host = _shipped("ws2016")
    have = read_host(runner_for(host))
    assert have.switch("sriov-ext").nic_guids == []
    assert have.switch("sriov-ext").nic_names == ["SLOT 4 Port 1"]


def test_minimum_bandwidth_reads_back_and_replaced_resets_it_to_none():
    host = make_host()
    runner = runner_for(host)
    have = read_host(runner)
    vnic = {"management_os": True, "name": "int"}
    set_it = plan(parse_config({"vm_adapters": [{**vnic, "minimum_bandwidth_absolute": 3 * 10**8}]}), have, "merged",
                  Policy())
    after = apply_plan(runner, set_it, have)
    gathered = next(item for item in config_to_dict(after.config)["vm_adapters"] if item.get("name") == "int")
    assert gathered["minimum_bandwidth_absolute"] == 3 * 10**8 and "minimum_bandwidth_weight" not in gathered
    reset = plan(parse_config({"vm_adapters": [vnic]}), after, "replaced", Policy())
    assert reset.commands() == ["Set-VMNetworkAdapter -ManagementOS -Name 'int' -MinimumBandwidthAbsolute 0"]
    again = apply_plan(runner, reset, after)
    assert plan(parse_config({"vm_adapters": [vnic]}), again, "replaced", Policy()).operations == []


@pytest.mark.parametrize("version, section, item", [
    ("2016", "vm_adapters", {**WEB, "vrss_queue_scheduling_mode": "dynamic"}),
    ("2016", "vm_adapters", {**WEB, "vrss_vmbus_channel_affinity_policy": "strict"}),
    ("2019", "vm_adapters", {**WEB, "rsc_enabled": False}),
    ("2012r2", "switches", {"name": "int", "default_queue_vmmq_queue_pairs": 4}),
    ("2016", "switches", {"name": "int", "software_rsc_enabled": False}),
])
def test_an_emulated_older_host_refuses_what_its_release_lacks_before_any_write(version, section, item):
    # What the host shows decides: the emulated release has neither the property nor the parameter.
    runner = CountingRunner(runner_for(make_host(version)))
    have = read_host(runner)
    with pytest.raises(SpecValidationError, match="this host does not support"):
        plan(parse_config({section: [item]}), have, "merged", Policy())
    assert len(runner.calls) == 1  # the read; nothing was written
