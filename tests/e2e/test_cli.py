"""The CLI contract, end to end: real processes, real sockets, real TLS."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
import yaml


def _one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hyperv-sriov-emulator: error: ")
    return lines[0]


@pytest.mark.parametrize(
    "args, expected",
    [
        (["serve", "--ready-file", "x.json"], "--scenario"),
        (["serve", "--scenario", "capable", "--ready-file", "r.json", "--auth", "kerberos"], "kerberos"),
        (["serve", "--scenario", "capable", "--ready-file", "r.json", "--auth", "certificate", "--no-tls"], "TLS"),
        (["serve", "--scenario", "capable", "--ready-file", "r.json", "--port", "70000"], "--port"),
        (["serve", "--scenario", "/nonexistent/scenario.yml", "--ready-file", "r.json"], "cannot read"),
        (["frobnicate"], "frobnicate"),
        (["state", "--ready-file", "/nonexistent/ready.json"], "does not exist"),
        ([], "required"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(args, expected, emulator_cli):
    line = _one_line_error(emulator_cli(*args))
    assert expected in line


@pytest.mark.parametrize(
    "content",
    [
        "hosts: [unclosed\n",
        "hosts:\n  - name: hv1\n    os_version: Windows NT 3.51\n",
        "hosts:\n  - {}\n",
        "42\n",
    ],
)
def test_bad_scenario_files_are_one_line_and_exit_2(content, tmp_path, emulator_cli):
    scenario = tmp_path / "bad.yml"
    scenario.write_text(content)
    line = _one_line_error(emulator_cli("serve", "--scenario", str(scenario), "--ready-file", str(tmp_path / "r.json")))
    assert "bad.yml" in line
    assert not (tmp_path / "r.json").exists()


def test_ready_file_is_private_complete_and_nothing_secret_is_printed(emulator_factory):
    ready = emulator_factory(fresh=True)
    assert stat.S_IMODE(os.stat(ready.path).st_mode) == 0o600
    assert set(ready.data) >= {"pid", "state_dir", "control_key", "hosts"}
    assert ready.data["pid"] == ready.process.pid
    for host in ready.hosts:
        assert set(host) >= {"name", "hostname", "port", "protocol", "auth", "username", "password", "ca_cert"}
        assert host["hostname"] == "127.0.0.1"
        assert host["protocol"] == "https" and host["auth"] == "basic"
        assert os.path.isfile(host["ca_cert"])
    assert len({host["port"] for host in ready.hosts}) == len(ready.hosts)
    password = ready.host()["password"]
    assert password not in ready.stderr()
    assert ready.stop() == 0
    assert password not in ready.stderr()


def test_port_option_assigns_consecutive_ports(tmp_path, emulator_starter):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        base = probe.getsockname()[1]
    info = emulator_starter(str(tmp_path), port=base)
    try:
        assert [host["port"] for host in info.hosts] == list(range(base, base + len(info.hosts)))
    finally:
        assert info.stop() == 0


def test_inventory_is_valid_ansible_inventory_with_psrp_variables(emulator_factory, tmp_path):
    ready = emulator_factory()
    result = ready.cli("inventory")
    assert result.returncode == 0, result.stderr
    inventory = yaml.safe_load(result.stdout)
    hosts = inventory["all"]["children"]["hyperv"]["hosts"]
    assert set(hosts) == {host["name"] for host in ready.hosts}
    first = ready.host()
    entry = hosts[first["name"]]
    assert entry["ansible_host"] == first["hostname"] and entry["ansible_port"] == first["port"]
    assert entry["ansible_connection"] == "psrp"
    assert entry["ansible_user"] == first["username"] and entry["ansible_password"] == first["password"]
    assert entry["ansible_psrp_protocol"] == "https" and entry["ansible_psrp_auth"] == "basic"
    assert entry["ansible_psrp_cert_validation"] == "validate" and entry["ansible_psrp_ca_cert"] == first["ca_cert"]

    path = tmp_path / "inventory.yml"
    path.write_text(result.stdout)
    ansible_inventory = os.path.join(os.path.dirname(sys.executable), "ansible-inventory")
    listed = subprocess.run([ansible_inventory, "-i", str(path), "--list"], capture_output=True, text=True,
                            timeout=120, check=False)
    assert listed.returncode == 0, listed.stderr
    hostvars = json.loads(listed.stdout)["_meta"]["hostvars"]
    assert hostvars[first["name"]]["ansible_port"] == first["port"]


def test_invoke_state_and_errors(emulator_factory):
    ready = emulator_factory(fresh=True)
    name = ready.host()["name"]
    created = ready.cli("invoke", "--host", name, "New-VMSwitch", "-p", "Name=cli-made", "-p", "SwitchType=Internal")
    assert created.returncode == 0, created.stderr
    (obj,) = json.loads(created.stdout)
    assert obj["type_names"][0] == "Microsoft.HyperV.PowerShell.VMSwitch"
    assert obj["properties"]["Name"] == "cli-made"
    assert obj["properties"]["SwitchType"] == "Internal"  # enum -> name (plain data)
    assert obj["properties"]["Id"] == obj["properties"]["Id"].lower()

    state = ready.cli("state", "--host", name)
    assert state.returncode == 0, state.stderr
    assert "cli-made" in {switch["name"] for switch in json.loads(state.stdout)["switches"]}
    everything = json.loads(ready.cli("state").stdout)
    assert set(everything) == {host["name"] for host in ready.hosts}

    missing = ready.cli("invoke", "--host", name, "Get-VMSwitch", "-p", 'Name=["cli-made","nope"]')
    assert missing.returncode == 1
    assert [o["properties"]["Name"] for o in json.loads(missing.stdout)] == ["cli-made"]
    (line,) = missing.stderr.strip().splitlines()
    assert "[InvalidArgument]" in line and '"nope"' in line

    switch_param = ready.cli("invoke", "--host", name, "Get-VMNetworkAdapter", "-p", "All")
    assert switch_param.returncode == 0, switch_param.stderr
    assert isinstance(json.loads(switch_param.stdout), list)

    unknown_host = ready.cli("invoke", "--host", "no-such-host", "Get-VMHost")
    assert "no host named no-such-host" in _one_line_error(unknown_host)


def test_fault_argument_errors_exit_2(emulator_factory):
    ready = emulator_factory()
    name = ready.host()["name"]
    assert "exactly one" in _one_line_error(ready.cli("fault", "--host", name))
    assert "exactly one" in _one_line_error(ready.cli("fault", "--host", name, "--clear", "--delay-ms", "5"))
    assert "--count" in _one_line_error(ready.cli("fault", "--host", name, "--cmdlet", "New-VMSwitch", "--count", "0"))
    assert "--terminating" in _one_line_error(ready.cli("fault", "--host", name, "--clear", "--terminating"))
    assert "cmdlet name" in _one_line_error(ready.cli("fault", "--host", name, "--cmdlet", "rm -rf /"))
    # Values are checked by the host; its refusal is still a usage error.
    assert "--skip" in _one_line_error(ready.cli("fault", "--host", name, "--cmdlet", "New-VMSwitch", "--skip", "-1"))
    assert "--drop-at-request" in _one_line_error(ready.cli("fault", "--host", name, "--drop-at-request", "0"))
    assert "--delay-ms" in _one_line_error(ready.cli("fault", "--host", name, "--delay-ms", "-5"))
    assert "--count" in _one_line_error(ready.cli("fault", "--host", name, "--delay-ms", "5", "--count", "0"))


def test_state_is_saved_on_sigterm_and_reloaded_on_restart(tmp_path, emulator_starter):
    state_dir = tmp_path / "state"
    first = emulator_starter(str(tmp_path / "one"), state_dir=str(state_dir))
    name = first.host()["name"]
    try:
        made = first.cli("invoke", "--host", name, "New-VMSwitch", "-p", "Name=survivor", "-p", "SwitchType=Private")
        assert made.returncode == 0, made.stderr
    finally:
        assert first.stop() == 0
    assert first.data["state_dir"] == str(state_dir)
    assert any(entry.endswith(".json") for entry in os.listdir(state_dir))

    second = emulator_starter(str(tmp_path / "two"), state_dir=str(state_dir))
    try:
        state = json.loads(second.cli("state", "--host", name).stdout)
        assert "survivor" in {switch["name"] for switch in state["switches"]}
        assert second.host()["password"] != first.host()["password"]
    finally:
        assert second.stop() == 0


def test_credentials_can_be_given_through_the_environment(tmp_path, emulator_starter, monkeypatch):
    monkeypatch.setenv("HYPERV_SRIOV_EMULATOR_USERNAME", "lab-admin")
    monkeypatch.setenv("HYPERV_SRIOV_EMULATOR_PASSWORD", "Given-Password-123")
    info = emulator_starter(str(tmp_path))
    host = info.host()
    assert (host["username"], host["password"]) == ("lab-admin", "Given-Password-123")
    result = info.cli("invoke", "--host", host["name"], "Get-VMHost")
    assert result.returncode == 0, result.stderr
    assert "Given-Password-123" not in info.stderr()
    assert info.stop() == 0
