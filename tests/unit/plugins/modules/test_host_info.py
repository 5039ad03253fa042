# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _connection
from ansible_collections.sriov.hyperv.plugins.modules import host_config, host_info, vm_network_adapter

from hyperv_sriov_emulator.scenario import load_scenario, load_scenario_text


def by_name(items, **identity):
    return next(item for item in items if all(item.get(k) == v for k, v in identity.items()))


def test_read_only_in_both_modes(run):
    before = run.state()
    normal = run(host_info)
    checked = run(host_info, check=True)
    assert normal["changed"] is False and checked["changed"] is False
    assert run.state() == before
    normal.pop("invocation", None)
    checked.pop("invocation", None)
    assert normal == checked


def test_capable_host_facts(run):
    facts = run(host_info)
    assert facts["host"]["iov_support"] is True
    sriov = by_name(facts["switches"], name="sriov-ext")
    assert sriov["enable_iov"] is True
    vfs = sriov["virtual_functions"]
    assert vfs["total"] == 16 and vfs["free"] == vfs["total"] - vfs["in_use"]
    assert "web01/Network Adapter" in vfs["holders"]
    web01 = by_name(facts["vm_adapters"], vm_name="web01")
    assert web01["sriov_active"] is True and web01["no_vf_reasons"] == []
    assert web01["requested"]["iov_queue_pairs_requested"] == 4
    assert web01["effective"]["iov_queue_pairs_assigned"] >= 1
    backup = by_name(facts["vm_adapters"], vm_name="db01", name="Backup")
    assert [r["code"] for r in backup["no_vf_reasons"]][0] == "switch_iov_disabled"


def test_config_feeds_host_config_without_change(run):
    facts = run(host_info)
    result = run(host_config, config=facts["config"])
    assert (result["changed"], result["commands"]) == (False, [])


def test_weight_zero_and_vm_off_reasons_follow_changes(run):
    run(vm_network_adapter, vm_name="web02", name="Network Adapter", iov_weight=0)
    facts = run(host_info)
    web02 = by_name(facts["vm_adapters"], vm_name="web02")
    assert [r["code"] for r in web02["no_vf_reasons"]] == ["iov_weight_zero"]
    gen1 = by_name(facts["vm_adapters"], vm_name="legacy-gen1")
    assert [r["code"] for r in gen1["no_vf_reasons"]] == [
        "switch_iov_disabled", "nic_sriov_unsupported", "iov_weight_zero", "vm_not_running"]
    assert "Embedded LOM 1 Port 1" in gen1["no_vf_reasons"][1]["message"]


@pytest.fixture
def scenario_run(run, monkeypatch):
    def use(name):
        run.host = load_scenario(name)[0]
        monkeypatch.setattr(_connection, "connect", run.connect)
        return run
    return use


def test_bios_blocked_host_reports_hyperv_reasons(scenario_run):
    run = scenario_run("bios-blocked")
    facts = run(host_info)
    assert facts["host"]["iov_support"] is False
    assert facts["host"]["iov_support_reasons"]
    asking = [a for a in facts["vm_adapters"] if a["requested"].get("iov_weight")]
    assert asking
    for adapter in asking:
        codes = [r["code"] for r in adapter["no_vf_reasons"]]
        assert "host_iov_unsupported" in codes
        reason = by_name(adapter["no_vf_reasons"], code="host_iov_unsupported")
        assert reason["hyperv_reasons"] == facts["host"]["iov_support_reasons"]


def test_vf_shortage_names_the_holders(scenario_run):
    run = scenario_run("vf-shortage")
    facts = run(host_info)
    short = [a for a in facts["vm_adapters"]
             if [r["code"] for r in a["no_vf_reasons"]] == ["no_vf_available"]]
    assert short
    switch = by_name(facts["switches"], name=short[0]["switch_name"])
    holders = switch["virtual_functions"]["holders"]
    assert holders and all(holder in short[0]["no_vf_reasons"][0]["message"] for holder in holders)
    assert switch["virtual_functions"]["free"] == 0
    assert set(switch["virtual_functions"]["requesting_without_vf"]) >= {
        "%s/%s" % (a["vm_name"], a["name"]) for a in short}


def test_many_holders_are_counted_in_the_message_and_listed_once_on_the_switch(run, monkeypatch):
    # 12 VFs for 20 running VMs that all ask: each of the 8 waiting adapters' message names 8
    # holders and counts the rest; the switch's ``holders`` keeps all 12, and no reason repeats them
    # (a copy per waiting adapter made the result grow with adapters x VFs).
    run.host = load_scenario_text("""
hosts:
  - name: HVMANY
    physical_adapters: [{name: P1, num_vfs: 12, max_vfs: 12}]
    switches: [{name: iov, net_adapters: [P1], enable_iov: true}]
    vms:
      - {name: "vm{n}", count: 20, state: Running,
         adapters: [{name: Network Adapter, switch: iov, iov_weight: 50}]}
""")[0]
    monkeypatch.setattr(_connection, "connect", run.connect)
    facts = run(host_info)
    short = [a for a in facts["vm_adapters"] if [r["code"] for r in a["no_vf_reasons"]] == ["no_vf_available"]]
    assert len(short) == 8
    reason = short[0]["no_vf_reasons"][0]
    holders = by_name(facts["switches"], name="iov")["virtual_functions"]["holders"]
    assert len(holders) == 12
    assert set(reason) == {"code", "message"}
    assert (", ".join(holders[:8]) + " and 4 more (see the switch's virtual_functions.holders)"
            in reason["message"])
    assert holders[8] not in reason["message"]


def test_ws2016_host_gathers_and_reads_its_unsupported_nic(scenario_run):
    run = scenario_run("ws2016")
    facts = run(host_info)
    nic2 = by_name(facts["physical_adapters"], name="NIC 2")
    assert nic2["sriov_support"] == "MissingPfDriver"
    file01 = by_name(facts["vm_adapters"], vm_name="file01")
    codes = [r["code"] for r in file01["no_vf_reasons"]]
    assert codes[:2] == ["switch_iov_disabled", "nic_sriov_unsupported"]
    assert "MissingPfDriver" in file01["no_vf_reasons"][1]["message"]
    # The gathered configuration of an older host feeds back as it is.
    again = run(host_config, config=facts["config"])
    assert (again["changed"], again["commands"]) == (False, [])


def test_every_returned_key_is_documented(run):
    import yaml

    documented = yaml.safe_load(host_info.RETURN)
    facts = run(host_info)
    facts.pop("invocation", None)
    assert set(facts) - {"changed"} == set(documented) - {"error"}
    for section in ("host", "physical_adapters", "switches", "vm_adapters"):
        item = facts[section] if section == "host" else facts[section][0]
        assert set(item) == set(documented[section]["contains"]), section
    switch = facts["switches"][0]
    contains = documented["switches"]["contains"]
    assert set(switch["virtual_functions"]) == set(contains["virtual_functions"]["contains"])
    assert set(switch["queue_pairs"]) == set(contains["queue_pairs"]["contains"])


@pytest.mark.parametrize("scenario", ["capable", "vf-shortage", "bios-blocked"])
def test_an_export_is_audited_like_the_live_host(monkeypatch, capsys, scenario):
    from ansible_collections.sriov.hyperv.tests.unit.plugins.module_utils.export_emulated import export_clixml
    from ansible_collections.sriov.hyperv.tests.unit.plugins.modules.conftest import ModuleRunner

    run = ModuleRunner(load_scenario(scenario)[0], capsys)
    monkeypatch.setattr(_connection, "connect", run.connect)
    live = run(host_info)
    text = export_clixml(run.host)
    run.connections.clear()
    audited = run(host_info, running_config=text)
    assert run.connections == []
    for result in (live, audited):
        result.pop("invocation", None)
    assert audited == live
