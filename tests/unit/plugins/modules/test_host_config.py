# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.sriov.hyperv.plugins.modules import host_config

CONFIG = {
    "physical_adapters": [{"name": "SLOT 2 Port 2", "num_vfs": 12}],
    "switches": [{"name": "Tenant \u201eA\u201c 'blue'", "switch_type": "private", "notes": "tenant"}],
    "vm_adapters": [
        {"vm_name": "web02", "name": "Network Adapter", "iov_weight": 75, "vmmq_queue_pairs": 8},
        {"vm_name": "legacy-gen1", "name": "Network Adapter", "switch_name": "Tenant \u201eA\u201c 'blue'"},
    ],
}


def test_merged_applies_in_stage_order_then_rerun_is_unchanged(run):
    first = run(host_config, config=CONFIG)
    assert first["changed"] is True
    assert first["commands"] == [
        "Set-NetAdapterSriov -Name 'SLOT 2 Port 2' -NumVFs 12 -NoRestart",
        "New-VMSwitch -Name 'Tenant \u201eA\u201c ''blue''' -SwitchType 'Private' -Notes 'tenant'",
        "Set-VMNetworkAdapter -VMName 'web02' -Name 'Network Adapter' -IovWeight 75 -VmmqQueuePairs 8",
        "Connect-VMNetworkAdapter -VMName 'legacy-gen1' -Name 'Network Adapter' -SwitchName 'Tenant \u201eA\u201c ''blue'''",
    ]
    assert first["restart_required"] is True
    assert first["recreated_switches"] == []
    # before/after are whole configurations in the shape of the config option.
    assert set(first["before"]) == set(first["after"]) == {"physical_adapters", "switches", "vm_adapters"}
    state = run.state()
    tenant = run.switch(state, "Tenant \u201eA\u201c 'blue'")
    assert tenant is not None
    assert run.adapter(state, "legacy-gen1", "Network Adapter")["switch_id"] == tenant["id"]
    assert run.adapter(state, "web02", "Network Adapter")["settings"]["IovWeight"] == 75

    second = run(host_config, config=CONFIG)
    assert (second["changed"], second["commands"]) == (False, [])
    assert second["before"] == second["after"] == first["after"]


def test_check_mode_prediction_equals_the_real_run(run):
    before = run.state()
    predicted = run(host_config, check=True, config=CONFIG)
    assert predicted["changed"] is True
    assert run.state() == before
    real = run(host_config, config=CONFIG)
    assert real["commands"] == predicted["commands"]
    assert real["after"] == predicted["after"]


def test_diff_only_in_diff_mode(run):
    assert "diff" not in run(host_config, check=True, config=CONFIG)
    result = run(host_config, check=True, diff=True, config=CONFIG)
    assert result["diff"] == {"before": result["before"], "after": result["after"]}


def test_gathered_feeds_back_unchanged(run):
    before = run.state()
    gathered = run(host_config, state="gathered")
    assert gathered["changed"] is False
    assert {sw["name"] for sw in gathered["gathered"]["switches"]} == {"sriov-ext", "mgmt-ext", "lab-internal"}
    assert run.state() == before
    for state in ("merged", "replaced", "overridden"):
        again = run(host_config, state=state, config=gathered["gathered"])
        assert (state, again["changed"], again["commands"]) == (state, False, [])


def test_rendered_never_connects(run):
    result = run(host_config, state="rendered", config={"switches": [{"name": "a b", "switch_type": "internal"}]})
    result.pop("invocation", None)
    assert result == {"changed": False, "rendered": ["New-VMSwitch -Name 'a b' -SwitchType 'Internal'"]}
    assert run.connections == []


def test_deleted_removes_named_switch_only(run):
    result = run(host_config, state="deleted", config={"switches": [{"name": "lab-internal"}]})
    assert result["commands"] == ["Remove-VMSwitch -Name 'lab-internal' -Force"]
    names = {sw["name"] for sw in run.state()["switches"]}
    assert names == {"sriov-ext", "mgmt-ext"}


def test_iov_flip_with_running_vms_under_recreate(run):
    before = run.state()
    old = run.switch(before, "mgmt-ext")
    result = run(host_config, creation_only_changes="recreate",
                 config={"switches": [{"name": "sriov-ext", "enable_iov": False}]})
    assert result["recreated_switches"] == ["sriov-ext"]
    after = run.state()
    new = run.switch(after, "sriov-ext")
    for vm in before["vms"]:
        for adapter in vm["adapters"]:
            now = run.adapter(after, vm["name"], adapter["name"])
            if adapter["switch_id"] == old["id"]:
                assert now["switch_id"] == old["id"]
            elif adapter["switch_id"] is not None and adapter["switch_id"] != old["id"]:
                assert now["switch_id"] == new["id"]
                assert now["settings"]["IovWeight"] == adapter["settings"]["IovWeight"]


def test_refusal_changes_nothing_and_names_the_remedies(run):
    before = run.state()
    result = run(host_config, config={
        "physical_adapters": [{"name": "SLOT 2 Port 2", "num_vfs": 12}],
        "switches": [{"name": "sriov-ext", "enable_iov": False}],
    })
    assert result["failed"] is True
    assert "creation_only_changes" in result["msg"] or "recreate" in result["msg"]
    assert run.state() == before


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"vm_adapters": [{"vm_name": "web01", "name": "Network Adapter", "iov_weight": 101}]},
         "config.vm_adapters[0].iov_weight"),
        ({"switches": [{"name": "x", "minimum_bandwidth_mode": "sometimes"}]}, "minimum_bandwidth_mode"),
        ({"switches": [{"switch_type": "private"}]}, "name"),
        ({"vm_adapters": [{"vm_name": "web01", "name": "Network Adapter", "switch_name": "nope"}]},
         "config.vm_adapters[0].switch_name"),
    ],
)
def test_bad_input_fails_naming_the_field_and_changes_nothing(run, config, field):
    before = run.state()
    result = run(host_config, config=config)
    assert result["failed"] is True
    assert field in result["msg"]
    assert run.state() == before


def test_config_is_required_except_for_gathered(run):
    result = run(host_config, state="overridden")
    assert result["failed"] is True and "config" in result["msg"]
    assert run.connections == []


def test_overridden_removes_unlisted_switches_only_in_the_given_section(run):
    gathered = run(host_config, state="gathered")["gathered"]
    keep = [sw for sw in gathered["switches"] if sw["name"] != "lab-internal"]
    result = run(host_config, state="overridden", config={"switches": keep})
    assert result["commands"] == ["Remove-VMSwitch -Name 'lab-internal' -Force"]
    assert {sw["name"] for sw in result["after"]["switches"]} == {"sriov-ext", "mgmt-ext"}
    # Sections left out are untouched (the internal switch's own host adapter goes with it).

    def vm_adapters(config):
        return [a for a in config["vm_adapters"] if not a.get("management_os")]

    assert vm_adapters(result["after"]) == vm_adapters(result["before"])
    host_adapters_before = [a["name"] for a in result["before"]["vm_adapters"] if a.get("management_os")]
    host_adapters_after = [a["name"] for a in result["after"]["vm_adapters"] if a.get("management_os")]
    assert host_adapters_after == [name for name in host_adapters_before if name != "lab-internal"]
    assert run(host_config, state="overridden", config={"switches": keep})["changed"] is False


def test_replaced_resets_unset_options_of_the_named_adapter(run):
    result = run(host_config, state="replaced",
                 config={"vm_adapters": [{"vm_name": "db01", "name": "Data", "iov_weight": 80}]})
    assert result["changed"] is True
    after = next(a for a in result["after"]["vm_adapters"] if a.get("vm_name") == "db01" and a["name"] == "Data")
    assert after["iov_interrupt_moderation"] == "default"
    assert after["iov_weight"] == 80
    assert run.adapter(run.state(), "db01", "Data")["settings"]["IovInterruptModeration"] == "Default"


@pytest.mark.parametrize("export", ["clixml", "json"])
def test_parsed_reads_an_export_without_connecting_and_equals_gathered(run, host, export):
    from ansible_collections.sriov.hyperv.tests.unit.plugins.module_utils.export_emulated import export_clixml, export_json

    text = (export_clixml if export == "clixml" else export_json)(host)
    gathered = run(host_config, state="gathered")["gathered"]
    run.connections.clear()
    for attempt in ("first", "second"):
        result = run(host_config, state="parsed", running_config=text)
        assert attempt and result["changed"] is False
        assert result["changed"] is False and result["parsed"] == gathered
    assert run.connections == []
    # What parsed returns feeds straight back to the host it came from.
    again = run(host_config, state="merged", config=result["parsed"])
    assert (again["changed"], again["commands"]) == (False, [])


def test_parsed_needs_running_config_and_only_parsed_takes_it(run):
    missing = run(host_config, state="parsed")
    assert missing["failed"] is True and "running_config" in missing["msg"]
    wrong_state = run(host_config, state="merged", running_config="<Objs />", config={"switches": []})
    assert wrong_state["failed"] is True and "mutually exclusive" in wrong_state["msg"]
    no_config = run(host_config, state="gathered", running_config="<Objs />")
    assert no_config["failed"] is True and "Remove running_config or set state: parsed" in no_config["msg"]
    bad = run(host_config, state="parsed", running_config="Name : sriov-ext")
    assert bad["failed"] is True and bad["msg"].startswith("running_config: ") and "Export-Clixml" in bad["msg"]
    assert run.connections == []
