# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules as users run them: ansible-playbook against an emulated host over WinRM/PSRP.

Each test gets its own emulator process (the ``capable`` scenario), an inventory written by
``hyperv-sriov-emulator inventory`` and the playbooks of tests/e2e/playbooks. Out-of-band changes
and faults go through the emulator's CLI, as an administrator at the host would make them; the
host's state is read with ``hyperv-sriov-emulator state``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import typing as t
from concurrent.futures import ThreadPoolExecutor

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PLAYBOOKS = os.path.join(HERE, "playbooks")
ENV_SH = os.path.join(REPO, "tests", "tools", "env.sh")
HOST = "HV-CAPABLE"
BIOS_HOST = "HV-BIOS"
BIOS_REASONS = [
    "To use SR-IOV on this system, the system BIOS must be updated to allow Windows to control PCI Express. "
    "Contact your system manufacturer for an update.",
    "Ensure that the system has chipset support for SR-IOV and that I/O virtualization is enabled in the BIOS.",
]
RECAP = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+"
    r"failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.MULTILINE,
)

DESIRED = {
    "physical_adapters": [{"name": "SLOT 2 Port 2", "num_vfs": 12}],
    "switches": [
        {"name": "lab-internal", "notes": "Lab \u00e9quipe 'n\u00b02'"},
        {"name": "Tenant \u00d6st", "switch_type": "private"},
    ],
    "vm_adapters": [
        {"vm_name": "web02", "name": "Network Adapter", "iov_weight": 75, "iov_queue_pairs_requested": 2},
        {"vm_name": "b\u00fcrohaus-app", "name": "Network Adapter", "vmq_weight": 60},
        {"vm_name": "legacy-gen1", "name": "Network Adapter", "switch_name": "Tenant \u00d6st"},
    ],
}


class Play(t.NamedTuple):
    rc: int
    recap: dict[str, int]
    results: dict[str, t.Any]
    output: str

    def assert_unchanged(self) -> None:
        """A rerun that succeeded and changed nothing: a failed run reports no changes either."""
        assert self.rc == 0 and self.recap["failed"] == 0 and self.recap["changed"] == 0, self.output


class Lab:
    """One emulated host and the means to run playbooks and CLI commands against it."""

    def __init__(self, ready: t.Any, workdir: str, host: str = HOST) -> None:
        self.ready = ready
        self.host = host
        self.workdir = workdir
        self.inventory = os.path.join(workdir, "inventory.yml")
        made = ready.cli("inventory")
        assert made.returncode == 0, made.stderr
        # The inventory holds the password: private to the owner.
        with open(os.open(self.inventory, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            handle.write(made.stdout)
        self.password = ready.host(host)["password"]
        self.runs = 0
        self.lock = threading.Lock()

    def plays(self, count: int, playbook: str, **extra_vars: t.Any) -> list[Play]:
        """``count`` runs of one playbook started at once (separate ansible-playbook processes)."""
        with ThreadPoolExecutor(max_workers=count) as pool:
            return list(pool.map(lambda _index: self.play(playbook, **extra_vars), range(count)))

    def play(self, playbook: str, check: bool = False, diff: bool = False, **extra_vars: t.Any) -> Play:
        with self.lock:
            self.runs += 1
            number = self.runs
        results_file = os.path.join(self.workdir, "results-%d.json" % number)
        vars_file = os.path.join(self.workdir, "vars-%d.json" % number)
        with open(vars_file, "w", encoding="utf-8") as handle:
            json.dump(dict(extra_vars, results_file=results_file), handle, ensure_ascii=False)
        command = ["ansible-playbook", "-i", self.inventory, os.path.join(PLAYBOOKS, playbook), "-e", "@" + vars_file]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        env = dict(os.environ)
        env.update(
            PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_LOCALHOST_WARNING="0",
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        )
        # The environment users get from tests/tools/env.sh, applied the way they apply it.
        process = subprocess.run(
            ["bash", "-c", 'source "$0" && exec "$@"', ENV_SH] + command,
            capture_output=True, text=True, env=env, cwd=self.workdir, timeout=300, check=False,
        )
        output = process.stdout + process.stderr
        assert self.password not in output
        recaps = {match.group("host"): {k: int(v) for k, v in match.groupdict().items() if k != "host"}
                  for match in RECAP.finditer(process.stdout)}
        results: dict[str, t.Any] = {}
        if os.path.exists(results_file):
            with open(results_file, encoding="utf-8") as handle:
                results = json.load(handle)
            assert self.password not in json.dumps(results)
        return Play(process.returncode, recaps.get(self.host, {}), results, output)

    def state_text(self) -> str:
        shown = self.ready.cli("state", "--host", self.host)
        assert shown.returncode == 0, shown.stderr
        return shown.stdout

    def state(self) -> dict[str, t.Any]:
        return json.loads(self.state_text())

    def invoke(self, cmdlet: str, *parameters: str) -> None:
        done = self.ready.cli("invoke", "--host", self.host, cmdlet, *[arg for p in parameters for arg in ("-p", p)])
        assert done.returncode == 0, done.stderr

    def fault(self, *args: str) -> None:
        armed = self.ready.cli("fault", "--host", self.host, *args)
        assert armed.returncode == 0, armed.stderr


@pytest.fixture
def lab(emulator_factory: t.Callable[..., t.Any], tmp_path: t.Any) -> Lab:
    """A host of its own, for a test that changes it."""
    return Lab(emulator_factory("capable", fresh=True), str(tmp_path))


def _switch(state: dict[str, t.Any], name: str) -> dict[str, t.Any] | None:
    return next((sw for sw in state["switches"] if sw["name"] == name), None)


def _connections(state: dict[str, t.Any]) -> dict[tuple[str, str], tuple[str | None, dict[str, t.Any]]]:
    """(VM, adapter) -> (switch name, settings)."""
    names = {sw["id"]: sw["name"] for sw in state["switches"]}
    return {
        (vm["name"], adapter["name"]): (names.get(adapter["switch_id"]), adapter["settings"])
        for vm in state["vms"]
        for adapter in vm["adapters"]
    }


def test_converge_rerun_and_fix_exactly_the_drift(lab):
    untouched = lab.state_text()
    predicted = lab.play("converge.yml", check=True, diff=True, desired_config=DESIRED)
    assert predicted.rc == 0, predicted.output
    assert predicted.results["converge"]["changed"] is True
    assert "diff" in predicted.results["converge"]
    assert lab.state_text() == untouched

    first = lab.play("converge.yml", desired_config=DESIRED)
    assert first.rc == 0, first.output
    assert first.recap["changed"] == 1 and first.recap["failed"] == 0
    converge = first.results["converge"]
    assert converge["commands"] == predicted.results["converge"]["commands"]
    assert converge["after"] == predicted.results["converge"]["after"]
    assert "diff" not in converge
    assert converge["restart_required"] is True
    state = lab.state()
    connections = _connections(state)
    assert connections[("legacy-gen1", "Network Adapter")][0] == "Tenant \u00d6st"
    assert connections[("web02", "Network Adapter")][1]["IovWeight"] == 75
    assert _switch(state, "lab-internal")["notes"] == "Lab \u00e9quipe 'n\u00b02'"
    web02 = next(a for a in first.results["info"]["vm_adapters"] if a["vm_name"] == "web02")
    assert web02["requested"]["iov_weight"] == 75

    second = lab.play("converge.yml", desired_config=DESIRED)
    assert second.rc == 0 and second.recap["changed"] == 0, second.output
    second.assert_unchanged()
    assert second.results["converge"]["commands"] == []

    # Drift made at the host, out of band.
    lab.invoke("Set-VMNetworkAdapter", "VMName=web02", "Name=Network Adapter", "IovWeight=5")
    lab.invoke("Set-VMSwitch", "Name=lab-internal", "Notes=changed by hand")
    fixed = lab.play("converge.yml", desired_config=DESIRED)
    assert fixed.rc == 0 and fixed.recap["changed"] == 1, fixed.output
    assert fixed.results["converge"]["commands"] == [
        "Set-VMSwitch -Name 'lab-internal' -Notes 'Lab \u00e9quipe ''n\u00b02'''",
        "Set-VMNetworkAdapter -VMName 'web02' -Name 'Network Adapter' -IovWeight 75",
    ]
    assert _connections(lab.state()) == connections

    third = lab.play("converge.yml", desired_config=DESIRED)
    assert third.recap["changed"] == 0, third.output
    third.assert_unchanged()


def test_single_item_modules_with_odd_names(lab):
    played = lab.play("single_items.yml")
    assert played.rc == 0, played.output
    assert played.recap["failed"] == 0
    create = played.results["switch_create"]
    assert create["commands"] == [
        "New-VMSwitch -Name 'Tenant ''Ost'' \u2013 B\u00fcro' -SwitchType 'Private' "
        "-Notes 'Mandant \u201a\u201aOst\u201b\u201b \u201eA\u201f'"
    ]
    state = lab.state()
    tenant = _switch(state, "Tenant 'Ost' \u2013 B\u00fcro")
    assert tenant is not None and tenant["notes"] == "Mandant \u201aOst\u201b \u201eA\u201f"
    assert _connections(state)[("b\u00fcrohaus-app", "Network Adapter")][0] == tenant["name"]
    nic = next(n for n in state["physical_adapters"] if n["name"] == "SLOT 2 Port 2")
    assert (nic["num_vfs_configured"], nic["num_vfs_effective"]) == (16, 8)


def test_iov_flip_with_running_vms_reconnects_every_adapter(lab):
    before = lab.state()
    on_switch = {key: settings for key, (switch, settings) in _connections(before).items() if switch == "sriov-ext"}
    assert len(on_switch) >= 3
    running = {vm["name"] for vm in before["vms"] if vm["state"] == "Running"}
    assert {key[0] for key in on_switch} <= running

    for enable_iov in (False, True):
        flipped = lab.play("switch.yml", switch_name="sriov-ext", enable_iov=enable_iov,
                           creation_only_changes="recreate")
        assert flipped.rc == 0, flipped.output
        result = flipped.results["switch"]
        assert result["changed"] is True and result["recreated_switches"] == ["sriov-ext"]
        # Recreating under running VMs interrupts them: the task says so.
        assert any("'sriov-ext'" in warning for warning in result.get("warnings", [])), result
        state = lab.state()
        switch = _switch(state, "sriov-ext")
        assert switch["iov_enabled"] is enable_iov
        assert [sw["name"] for sw in state["switches"] if sw["name"].startswith("sriov.hyperv")] == []
        now = _connections(state)
        for key, settings in on_switch.items():
            assert now[key][0] == "sriov-ext", key
            for name in ("IovWeight", "IovQueuePairsRequested", "IovInterruptModeration", "VMQWeight"):
                assert now[key][1][name] == settings[name], (key, name)

    again = lab.play("switch.yml", switch_name="sriov-ext", enable_iov=True, creation_only_changes="recreate")
    assert again.recap["changed"] == 0, again.output
    again.assert_unchanged()


def test_fault_on_new_vmswitch_during_recreate_keeps_the_original(lab):
    before = lab.state_text()
    lab.fault("--cmdlet", "New-VMSwitch")
    failed = lab.play("switch.yml", switch_name="sriov-ext", enable_iov=False, creation_only_changes="recreate",
                      expect_failure=True)
    result = failed.results["switch"]
    assert result["failed"] is True
    assert result["msg"].startswith("Failed to recreate switch 'sriov-ext': ")
    assert "injected fault made New-VMSwitch fail" in result["msg"]
    # The original switch and every connection are exactly as they were.
    assert lab.state_text() == before


def test_fault_on_the_new_switch_of_a_recreate_puts_back_the_original_and_its_connections(lab):
    before = lab.state()
    original = _switch(before, "sriov-ext")
    on_switch = {key: settings for key, (switch, settings) in _connections(before).items() if switch == "sriov-ext"}
    assert len(on_switch) >= 3
    # The first New-VMSwitch of a recreate makes the parking switch; the second, the new switch,
    # runs after the original is gone: that is the one that fails here.
    lab.fault("--cmdlet", "New-VMSwitch", "--skip", "1")
    failed = lab.play("switch.yml", switch_name="sriov-ext", enable_iov=False, creation_only_changes="recreate",
                      expect_failure=True)
    result = failed.results["switch"]
    assert result["failed"] is True
    assert result["msg"].startswith("Failed to recreate switch 'sriov-ext': ")
    assert "injected fault made New-VMSwitch fail" in result["msg"]
    state = lab.state()
    restored = _switch(state, "sriov-ext")
    assert restored is not None and restored["id"] != original["id"]  # really removed and made again
    for field in ("iov_enabled", "net_adapters", "bandwidth_mode", "packet_direct", "embedded_teaming", "notes"):
        assert restored[field] == original[field], field
    assert [sw["name"] for sw in state["switches"] if sw["name"].startswith("sriov.hyperv")] == []
    now = _connections(state)
    for key, settings in on_switch.items():
        assert now[key][0] == "sriov-ext", key
        for name in ("IovWeight", "IovQueuePairsRequested", "IovInterruptModeration", "VMQWeight"):
            assert now[key][1][name] == settings[name], (key, name)
    # Nothing is left to finish: the same task with the original setting changes nothing.
    again = lab.play("switch.yml", switch_name="sriov-ext", enable_iov=True, creation_only_changes="recreate")
    assert again.rc == 0 and again.recap["changed"] == 0, again.output
    again.assert_unchanged()


def test_connection_lost_midway_through_a_recreate_is_finished_by_the_next_run(lab):
    before = lab.state()
    on_switch = {key: settings for key, (switch, settings) in _connections(before).items() if switch == "sriov-ext"}
    lab.fault("--drop-on-cmdlet", "Remove-VMSwitch")
    lost = lab.play("switch.yml", switch_name="sriov-ext", enable_iov=False, creation_only_changes="recreate",
                    expect_failure=True)
    assert lost.results["switch"]["failed"] is True
    # Left half done: the adapters wait on the parking switch, which the next run must clear away.
    half_done = lab.state()
    assert [sw["name"] for sw in half_done["switches"] if sw["name"].startswith("sriov.hyperv")] != []

    finished = lab.play("switch.yml", switch_name="sriov-ext", enable_iov=False, creation_only_changes="recreate")
    assert finished.rc == 0, finished.output
    state = lab.state()
    assert _switch(state, "sriov-ext")["iov_enabled"] is False
    assert [sw["name"] for sw in state["switches"] if sw["name"].startswith("sriov.hyperv")] == []
    now = _connections(state)
    for key, settings in on_switch.items():
        assert now[key][0] == "sriov-ext", key
        assert now[key][1]["IovWeight"] == settings["IovWeight"], key


def test_concurrent_runs_of_one_recreate_recreate_it_once_and_the_others_say_so(lab):
    before = lab.state()
    original = _switch(before, "sriov-ext")
    adapters = _connections(before)
    on_switch = {key: settings for key, (switch, settings) in adapters.items() if switch == "sriov-ext"}
    # A host a little further away, so that the five runs overlap on it.
    lab.fault("--delay-ms", "60")
    plays = lab.plays(5, "switch.yml", switch_name="sriov-ext", enable_iov=False, creation_only_changes="recreate",
                      expect_failure=True)
    results = [play.results["switch"] for play in plays]
    recreated = [result for result in results if result.get("changed") and not result.get("failed")]
    stopped = [result for result in results if result.get("failed")]
    assert len(recreated) == 1, [result.get("msg") for result in results]
    # The others stopped before writing and said why, or came after it and found nothing to do.
    for result in results:
        if result.get("failed"):
            assert result["changed"] is False, result
            assert ("is being recreated by another run" in result["msg"]
                    or "changed while this run was about to recreate it" in result["msg"]), result["msg"]
            assert "This run changed nothing" in result["msg"]
        elif result is not recreated[0]:
            assert result["changed"] is False, result
    assert stopped, [result.get("msg") for result in results]
    state = lab.state()
    assert [sw["name"] for sw in state["switches"] if sw["name"].startswith("sriov.hyperv")] == []
    switch = _switch(state, "sriov-ext")
    assert switch["iov_enabled"] is False and switch["id"] != original["id"]
    assert [sw["name"] for sw in state["switches"]].count("sriov-ext") == 1
    now = _connections(state)
    assert set(now) == set(adapters)  # nothing lost
    for key, settings in on_switch.items():
        assert now[key][0] == "sriov-ext", key
        for name in ("IovWeight", "IovQueuePairsRequested", "VMQWeight"):
            assert now[key][1][name] == settings[name], (key, name)
    lab.fault("--clear")
    lab.play("switch.yml", switch_name="sriov-ext", enable_iov=False,
             creation_only_changes="recreate").assert_unchanged()


INVALID = [
    ({"vm_adapters": [{"vm_name": "web01", "name": "Network Adapter", "iov_weight": 101}]},
     "config.vm_adapters[0].iov_weight: 101 is out of range 0-100"),
    ({"switches": [{"name": "new", "switch_type": "private", "enable_iov": True}]},
     "config.switches[0].enable_iov: SR-IOV needs an External switch"),
    ({"vm_adapters": [{"vm_name": "web01", "name": "Network Adapter", "switch_name": "sriov-ex"}]},
     "config.vm_adapters[0].switch_name: switch 'sriov-ex' was not found"),
    ({"switches": [{"name": "x", "minimum_bandwidth_mode": "fast"}]}, "minimum_bandwidth_mode"),
    ({"physical_adapters": [{"name": "SLOT 2 Port 1", "num_vfs": 65}]}, "config.physical_adapters[0].num_vfs"),
]


def test_refusals_and_bad_input_name_the_field_and_leave_the_host_byte_identical(lab):
    before = lab.state_text()
    played = lab.play("refusals.yml", invalid_configs=[case[0] for case in INVALID])
    assert played.recap["ignored"] == 2, played.output

    refused = played.results["refused"]
    assert refused["failed"] is True
    assert "sriov-ext" in refused["msg"] and "enable_iov" in refused["msg"]
    assert "creation_only_changes" in refused["msg"]

    results = played.results["invalid"]["results"]
    assert len(results) == len(INVALID)
    for result, (_config, expected) in zip(results, INVALID):
        assert result["failed"] is True
        assert expected in result["msg"]
    assert "Traceback" not in played.output
    assert lab.state_text() == before


def test_host_info_over_the_wire_carries_hyperv_reasons(emulator_factory, tmp_path):
    lab = Lab(emulator_factory("bios-blocked", fresh=True), str(tmp_path), host=BIOS_HOST)
    before = lab.state_text()
    played = lab.play("info.yml", check=True)
    assert played.rc == 0, played.output
    info = played.results["info"]
    assert info["changed"] is False
    assert info["host"] == {"name": BIOS_HOST, "iov_support": False, "iov_support_reasons": BIOS_REASONS}
    app01 = next(a for a in info["vm_adapters"] if a["vm_name"] == "app01")
    # The platform's reasons reach the switch too (its IovSupportReasons mix both).
    # The switch's reasons repeat the host's, so they are given once, as the host's.
    assert [r["code"] for r in app01["no_vf_reasons"]] == ["host_iov_unsupported"]
    assert app01["no_vf_reasons"][0]["hyperv_reasons"] == BIOS_REASONS
    assert BIOS_REASONS[0] in app01["no_vf_reasons"][0]["message"]
    app02 = next(a for a in info["vm_adapters"] if a["vm_name"] == "app02")
    assert [r["code"] for r in app02["no_vf_reasons"]] == ["host_iov_unsupported", "vm_not_running"]
    switch = info["switches"][0]
    assert switch["virtual_functions"]["in_use"] == 0
    assert switch["virtual_functions"]["requesting_without_vf"] == ["app01/Network Adapter", "app02/Network Adapter"]
    assert info["config"]["switches"][0]["enable_iov"] is True
    assert lab.state_text() == before


def test_set_members_named_anew_by_the_switch_are_found_by_guid(emulator_factory, tmp_path):
    # set-renumbered: the switch lists its SET members as "X" and "X #2", Get-NetAdapter calls them
    # "X #2" and "X #3", and another NIC is "X" (dsccommunity/HyperVDsc#217, microsoft/SDN#218).
    lab = Lab(emulator_factory("set-renumbered", fresh=True), str(tmp_path), host="HV-SET")
    before = lab.state_text()
    played = lab.play("feed_back.yml")
    assert played.rc == 0, played.output
    switches = {sw["name"]: sw for sw in played.results["gathered"]["gathered"]["switches"]}
    assert switches["set-iov"]["net_adapter_names"] == ["SLOT 3 Port 1", "SLOT 3 Port 2"]
    assert switches["storage-ext"]["net_adapter_names"] == ["SLOT 1 Port 1"]
    for result in played.results["fed_back"]["results"]:
        assert (result["item"], result["changed"], result["commands"]) == (result["item"], False, [])
    assert lab.state_text() == before
