# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host shapes from public reports, run as users run them: ansible-playbook against the emulator
over WinRM/PSRP, the emulator's state compared before and after, and a second run that changes
nothing. The scenarios are in tests/scenarios (and the shipped ``same-names``)."""

from __future__ import annotations

import os
import typing as t

from test_playbooks import Lab

SCENARIOS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scenarios")


def _lab(emulator_factory: t.Callable[..., t.Any], tmp_path: t.Any, scenario: str, host: str) -> Lab:
    return Lab(emulator_factory(scenario, fresh=True), str(tmp_path), host=host)


def _keyed(items: list, keys: tuple = ("mac_address", "name")) -> dict:
    out = {}
    for item in items:
        key = next((item[k] for k in keys if isinstance(item, dict) and item.get(k)), None)
        out[key] = item
    return out


def changes(before: t.Any, after: t.Any, path: str = "") -> set[str]:
    """The paths where two emulator states differ; lists of objects keyed by MAC address or name."""
    if isinstance(before, dict) and isinstance(after, dict):
        found: set[str] = set()
        for key in set(before) | set(after):
            found |= changes(before.get(key), after.get(key), "%s.%s" % (path, key) if path else key)
        return found
    if (isinstance(before, list) and isinstance(after, list) and before and after
            and all(isinstance(item, dict) for item in before + after)):
        return changes(_keyed(before), _keyed(after), path)
    return set() if before == after else {path}


def _fileserver(state: dict) -> dict:
    names = {sw["id"]: sw["name"] for sw in state["switches"]}
    vm = next(vm for vm in state["vms"] if vm["name"] == "fileserver")
    return {a["mac_address"]: (names.get(a["switch_id"]), a["settings"]["IovWeight"]) for a in vm["adapters"]}


def test_duplicate_adapter_names_reach_exactly_the_adapter_picked(emulator_factory, tmp_path):
    lab = _lab(emulator_factory, tmp_path, os.path.join(SCENARIOS, "duplicate-adapter-names.yml"), "HVE")
    task = {"vm_name": "fileserver", "name": "Network Adapter", "switch_name": "iov-ext", "iov_weight": 100}
    before = lab.state()

    refused = lab.play("field_case.yml", adapter=task, expect_failure=True)
    result = refused.results["adapter_result"]
    assert result["failed"] is True
    assert "has 2 network adapters named 'Network Adapter'" in result["msg"]
    assert "00155D0A0B01 (switch 'iov-ext', IovWeight 0), 00155D0A0B02 (switch 'backup-int', IovWeight 0)" in result["msg"]
    assert "Add mac_address" in result["msg"]
    assert lab.state() == before

    picked = dict(task, mac_address="00:15:5d:0a:0b:02")
    predicted = lab.play("field_case.yml", check=True, diff=True, adapter=picked)
    assert predicted.rc == 0, predicted.output
    assert predicted.results["adapter_result"]["changed"] is True
    assert lab.state() == before

    applied = lab.play("field_case.yml", adapter=picked)
    assert applied.rc == 0 and applied.recap["changed"] == 1, applied.output
    assert applied.results["adapter_result"]["commands"] == predicted.results["adapter_result"]["commands"]
    assert applied.results["adapter_result"]["after"] == predicted.results["adapter_result"]["after"]
    after = lab.state()
    assert _fileserver(after) == {"00155D0A0B01": ("iov-ext", 0), "00155D0A0B02": ("iov-ext", 100)}
    backup = "vms.fileserver.adapters.00155D0A0B02"
    assert {path for path in changes(before, after) if not path.startswith("counters")} <= {
        backup + ".switch_id", backup + ".settings.IovWeight", backup + ".vf", backup + ".vf_seq",
        backup + ".no_vf_reason"}
    lab.play("field_case.yml", adapter=picked).assert_unchanged()

    # host_info's config names each adapter by MAC and feeds back unchanged.
    config = applied.results["info"]["config"]
    assert sorted(a.get("mac_address") for a in config["vm_adapters"] if a.get("vm_name") == "fileserver") == [
        "00155D0A0B01", "00155D0A0B02"]
    for state in ("merged", "replaced", "overridden"):
        fed = lab.play("field_case.yml", check=True, desired_config=config, desired_state=state)
        assert fed.results["config_result"]["changed"] is False, (state, fed.output)
        assert fed.results["config_result"]["commands"] == []
    assert lab.state() == after


def test_set_load_balancing_is_stated_and_set_in_place(emulator_factory, tmp_path):
    lab = _lab(emulator_factory, tmp_path, os.path.join(SCENARIOS, "set-hyperv-port.yml"), "HVB")
    before = lab.state()
    stated = {"name": "SETswitch", "net_adapter_names": ["NIC-A", "NIC-B"], "load_balancing_algorithm": "hyper_v_port"}
    same = lab.play("field_case.yml", vswitch=stated)
    same.assert_unchanged()
    assert lab.state() == before

    dynamic = {"name": "SETswitch", "net_adapter_names": ["NIC-A", "NIC-B"], "load_balancing_algorithm": "dynamic"}
    predicted = lab.play("field_case.yml", check=True, diff=True, vswitch=dynamic)
    assert predicted.results["switch_result"]["commands"] == [
        "Set-VMSwitchTeam -Name 'SETswitch' -LoadBalancingAlgorithm 'Dynamic'"]
    assert lab.state() == before
    applied = lab.play("field_case.yml", vswitch=dynamic)
    assert applied.rc == 0 and applied.recap["changed"] == 1, applied.output
    after = lab.state()
    assert changes(before, after) == {"switches.SETswitch.load_balancing_algorithm"}
    assert after["switches"][0]["load_balancing_algorithm"] == "Dynamic"
    lab.play("field_case.yml", vswitch=dynamic).assert_unchanged()


# VM -> host_info's codes, for every adapter of the walk-through (tests/scenarios/why-no-vf.yml).
WHY_NO_VF = {
    "HVBIOS": {"v-bios": ["host_iov_unsupported"]},
    "HVMIX": {
        "winner": [], "loser": ["no_vf_available"], "stopped": ["vm_not_running"], "weight0": ["iov_weight_zero"],
        "nicoff": ["nic_sriov_disabled"], "noacs": ["switch_iov_unsupported", "nic_sriov_unsupported"],
        "zerovfs": ["nic_no_vfs"], "plainswitch": ["switch_iov_disabled"], "unplugged": ["not_connected"],
        "gen1": ["legacy_adapter"], "internal": ["switch_not_external"], "noguest": ["guest_no_vf"],
    },
}


def test_why_no_vf_over_the_wire(emulator_factory, tmp_path):
    ready = emulator_factory(os.path.join(SCENARIOS, "why-no-vf.yml"), fresh=True)
    for host, expected in WHY_NO_VF.items():
        (tmp_path / host).mkdir()
        lab = Lab(ready, str(tmp_path / host), host=host)
        before = lab.state_text()
        played = lab.play("field_case.yml", collect_host=host)
        assert played.rc == 0, played.output
        played.assert_unchanged()
        codes = {record["vm_name"]: [reason["code"] for reason in record["no_vf_reasons"]]
                 for record in played.results["info"]["vm_adapters"] if not record["management_os"]}
        assert codes == expected
        assert lab.state_text() == before


def test_converged_weight_mode_survives_replaced(emulator_factory, tmp_path):
    lab = _lab(emulator_factory, tmp_path, os.path.join(SCENARIOS, "converged-weight-mode.yml"), "HVQ")
    build = {"switches": [{"name": "ConvergedSwitch", "net_adapter_names": ["NIC1", "NIC2"],
                           "minimum_bandwidth_mode": "weight"}],
             "vm_adapters": [{"vm_name": "app1", "name": "Network Adapter", "switch_name": "ConvergedSwitch",
                              "vmq_weight": 100}]}
    built = lab.play("field_case.yml", desired_config=build)
    assert built.rc == 0 and built.recap["changed"] == 1, built.output
    lab.play("field_case.yml", desired_config=build).assert_unchanged()
    before = lab.state()
    assert before["switches"][0]["bandwidth_mode"] == "Weight"
    by_name = {"switches": [{"name": "ConvergedSwitch", "net_adapter_names": ["NIC1", "NIC2"]}]}
    for policy in ("fail", "recreate"):
        for check in (True, False):
            played = lab.play("field_case.yml", check=check, desired_config=by_name, desired_state="replaced",
                              creation_only_changes=policy)
            played.assert_unchanged()
            result = played.results["config_result"]
            assert (result["commands"], result["recreated_switches"]) == ([], [])
    assert lab.state() == before


def test_names_with_wildcard_characters_reach_only_themselves(emulator_factory, tmp_path):
    lab = _lab(emulator_factory, tmp_path, "same-names", "HV-SAMENAMES")
    before = lab.state()
    played = lab.play("field_case.yml", adapter={"vm_name": "web[1]", "name": "nic?", "iov_weight": 0},
                      vswitch={"name": "backup*int", "notes": "backups"})
    assert played.rc == 0 and played.recap["changed"] == 2, played.output
    assert played.results["adapter_result"]["commands"] == [
        "Set-VMNetworkAdapter -VMName 'web`[1`]' -Name 'nic`?' -IovWeight 0"]
    assert played.results["switch_result"]["commands"] == ["Set-VMSwitch -Name 'backup`*int' -Notes 'backups'"]
    changed = {path for path in changes(before, lab.state()) if not path.startswith("counters")}
    assert "switches.backup*int.notes" in changed
    for path in changed - {"switches.backup*int.notes"}:
        assert path.startswith("vms.web[1].adapters.") and path.rsplit(".", 1)[-1] in (
            "IovWeight", "vf", "vf_seq", "no_vf_reason"), path
    again = lab.play("field_case.yml", adapter={"vm_name": "web[1]", "name": "nic?", "iov_weight": 0},
                     vswitch={"name": "backup*int", "notes": "backups"})
    again.assert_unchanged()
    # The whole host, gathered, feeds back unchanged (same-named adapters and odd names included).
    config = again.results["info"]["config"]
    for state in ("merged", "replaced", "overridden"):
        fed = lab.play("field_case.yml", check=True, desired_config=config, desired_state=state)
        assert (fed.results["config_result"]["changed"], fed.results["config_result"]["commands"]) == (False, []), state
