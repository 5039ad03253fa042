# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Targeted reads: a merged/replaced task that names adapters reads only those VMs' adapters,
and what it reads is exactly the whole-host read's view of them, on every shipped scenario."""
from __future__ import annotations

import pytest
from ansible_collections.sriov.hyperv.tests.unit.plugins.module_utils.host_emulated import (
    CountingRunner,
    runner_for,
)

from ansible_collections.sriov.hyperv.plugins.module_utils.host._host import (
    READ_STATEMENTS,
    ReadScope,
    read_host,
    read_statements,
    targeted_scope,
)
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import render_statement
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import config_to_dict, name_key

from hyperv_sriov_emulator.scenario import load_scenario, load_scenario_text, shipped_scenarios

ADAPTER = {"vm_name": "web01", "name": "Network Adapter", "iov_weight": 80}


@pytest.mark.parametrize("state, config, expected", [
    ("merged", {"vm_adapters": [ADAPTER]}, ReadScope(("web01",))),
    ("replaced", {"vm_adapters": [ADAPTER, dict(ADAPTER, vm_name="WEB01"), dict(ADAPTER, vm_name="db01")]},
     ReadScope(("web01", "db01"))),
    ("merged", {"vm_adapters": [{"management_os": True, "name": "mgmt"}]}, ReadScope((), True)),
    # Everything else reads the whole host.
    ("overridden", {"vm_adapters": [ADAPTER]}, None),
    ("deleted", {"vm_adapters": [ADAPTER]}, None),
    ("gathered", {}, None),
    ("merged", {"vm_adapters": [ADAPTER], "switches": [{"name": "sriov-ext"}]}, None),
    ("merged", {"vm_adapters": [ADAPTER], "physical_adapters": [{"name": "NIC1"}]}, None),
    ("merged", {"vm_adapters": [{"name": "no vm_name"}]}, None),
])
def test_which_tasks_read_only_their_adapters(state, config, expected):
    assert targeted_scope(state, config) == expected


def test_the_targeted_read_asks_only_for_the_named_vms():
    host = load_scenario("capable")[0]
    runner = CountingRunner(runner_for(host))
    have = read_host(runner, ReadScope(("web01", "db01")))
    (statements,) = runner.calls
    # The cmdlets that choose the objects (each is piped to Select-Object, tested below).
    rendered = [render_statement(statement[:1]) for statement in statements]
    assert "Get-VM -Name 'web01','db01'" in rendered
    assert "Get-VMNetworkAdapter -VMName 'web01','db01'" in rendered
    assert not any("-All" in line or "ManagementOS" in line for line in rendered)
    assert {adapter.vm_name for adapter in have.adapters} == {"web01", "db01"}
    assert {vm.name for vm in have.vms} == {"web01", "db01"}
    assert len(host.vms) > 2  # the host has more than what was read


def test_a_vm_name_with_wildcard_characters_is_read_literally():
    [host] = load_scenario_text("""
hosts:
  - name: HV1
    switches: [{name: int, type: Internal}]
    vms:
      - {name: "web[1]", adapters: [{switch: int}]}
      - {name: "web1", adapters: [{switch: int}]}
      - {name: "web*", adapters: [{switch: int}]}
      - {name: "webX", adapters: [{switch: int}]}
""")
    have = read_host(runner_for(host), ReadScope(("web[1]", "web*")))
    assert sorted(adapter.vm_name for adapter in have.adapters) == ["web*", "web[1]"]


def test_a_named_vm_that_does_not_exist_reads_as_absent():
    host = load_scenario("capable")[0]
    have = read_host(runner_for(host), ReadScope(("web01", "no-such-vm")))
    assert {vm.name for vm in have.vms} == {"web01"}


def _pick(observed, names):
    keys = {name_key(name) for name in names}
    return [adapter for adapter in observed.adapters if not adapter.management_os and name_key(adapter.vm_name or "") in keys]


@pytest.mark.parametrize("scenario", shipped_scenarios())
def test_targeted_read_is_the_whole_read_of_those_vms(scenario):
    for host in load_scenario(scenario):
        runner = runner_for(host)
        whole = read_host(runner)
        names = [vm.name for vm in whole.vms][:2]
        targeted = read_host(runner, ReadScope(tuple(names), management_os=True))
        assert targeted.adapters == _pick(whole, names) + [a for a in whole.adapters if a.management_os]
        assert targeted.vms == [vm for vm in whole.vms if vm.name in names]
        assert (targeted.host, targeted.switches, targeted.nics, targeted.parking) == (
            whole.host, whole.switches, whole.nics, whole.parking)
        gathered = config_to_dict(whole.config)
        narrowed = config_to_dict(targeted.config)
        assert narrowed["vm_adapters"] == [item for item in gathered["vm_adapters"]
                                           if item.get("management_os") or item.get("vm_name") in names]
        assert {k: v for k, v in narrowed.items() if k != "vm_adapters"} == {
            k: v for k, v in gathered.items() if k != "vm_adapters"}


def test_whole_host_read_is_unchanged():
    assert read_statements(None) is READ_STATEMENTS


def _observed_fields(observed):
    return (observed.host, observed.vms, observed.switches, observed.adapters, observed.nics, observed.parking,
            config_to_dict(observed.config))


@pytest.mark.parametrize("scenario", shipped_scenarios())
def test_the_projected_read_parses_into_the_same_observed(scenario):
    for host in load_scenario(scenario):
        runner = runner_for(host)
        full = read_host(runner, project=False)
        assert _observed_fields(read_host(runner)) == _observed_fields(full)
        names = tuple(vm.name for vm in full.vms[:2])
        scope = ReadScope(names, management_os=True)
        assert _observed_fields(read_host(runner, scope)) == _observed_fields(read_host(runner, scope, project=False))


def test_vms_and_adapters_are_read_through_select_object():
    host = load_scenario("capable")[0]
    runner = CountingRunner(runner_for(host))
    read_host(runner, ReadScope(("web01",)))
    (statements,) = runner.calls
    selected = {statement[0].name: statement[-1].parameters["Property"]
                for statement in statements
                if statement[-1].name == "Select-Object" and "ExpandProperty" not in statement[-1].parameters}
    assert set(selected) == {"Get-VM", "Get-VMNetworkAdapter"}
    assert {"Name", "State"} <= set(selected["Get-VM"])
    assert {"IovWeight", "VrssEnabledRequested", "SwitchName", "Status"} <= set(selected["Get-VMNetworkAdapter"])
    full = runner_for(host).run(read_statements(ReadScope(("web01",)), project=False))
    adapter = next(obj for obj in full.output if obj.is_a("Microsoft.HyperV.PowerShell.VMNetworkAdapter"))
    assert len(selected["Get-VMNetworkAdapter"]) * 2 < len(adapter.properties)


@pytest.mark.parametrize("scenario", shipped_scenarios())
def test_iov_usage_alone_tells_a_vf_holder(scenario):
    # The read leaves out VirtualFunction (a CIM instance of about 3.6 KB an adapter): Hyper-V sets
    # it only when IovUsage > 0 (reference/hyperv-sriov.md 1.6), which the facts rely on.
    for host in load_scenario(scenario):
        full = runner_for(host).run(read_statements(None, project=False))
        adapters = [obj for obj in full.output if obj.is_a("Microsoft.HyperV.PowerShell.VMNetworkAdapter")]
        assert adapters
        for adapter in adapters:
            assert (adapter.properties.get("VirtualFunction") is not None) == (adapter.properties["IovUsage"] > 0)
    for statement in READ_STATEMENTS:
        assert "VirtualFunction" not in statement[-1].parameters.get("Property", [])


def test_options_a_2012_r2_host_lacks_stay_unsupported_through_the_projection():
    # Select-Object gives a property the object lacks as $null: that must not read as support.
    [host] = load_scenario_text("""
hosts:
  - name: HV12
    os_version: 2012R2
    switches: [{name: int, type: Internal}]
    vms: [{name: old01, adapters: [{switch: int}]}]
""")
    whole = read_host(runner_for(host), project=False)
    projected = read_host(runner_for(host))
    [adapter] = [a for a in whole.adapters if not a.management_os]
    assert "vrss_enabled" not in adapter.supported_options and "iov_weight" in adapter.supported_options
    assert [a.supported_options for a in projected.adapters] == [a.supported_options for a in whole.adapters]
