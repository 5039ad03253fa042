# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action base end to end: real ansible-playbook runs against an emulated host over the wire.

The inventory describes the Hyper-V host the way ansible.builtin.psrp needs it; the tasks carry
no connection options and no delegate_to. A throwaway collection holds a probe module whose
action plugin is the one-line subclass every module of the collection uses.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from ansible_collections.sriov.hyperv.plugins.module_utils.transport._psrp_runner import PsrpRunner
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import Command

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
VENV_BIN = os.path.dirname(sys.executable)
ACTION_SOURCE = '''from __future__ import annotations

from ansible_collections.sriov.hyperv.plugins.plugin_utils._action import HyperVAction


class ActionModule(HyperVAction):
    pass
'''
COLLECT_PLAY = {
    "name": "collect",
    "hosts": "localhost",
    "gather_facts": False,
    "tasks": [
        {
            "ansible.builtin.copy": {
                "dest": "{{ results_file }}",
                "content": "{{ dict(groups['hyperv'] | zip(groups['hyperv'] | map('extract', hostvars, 'probe'))) | to_json }}",
                "mode": "0600",
            },
            # The results file is written even in a --check run, and not shown as a diff.
            "check_mode": False,
            "diff": False,
        }
    ],
}


def _collections_path(tmp_path):
    base = tmp_path / "collections" / "ansible_collections" / "acme" / "probe"
    (base / "plugins" / "modules").mkdir(parents=True)
    (base / "plugins" / "action").mkdir(parents=True)
    (base / "galaxy.yml").write_text("namespace: acme\nname: probe\nversion: 1.0.0\nreadme: README.md\nauthors: [tests]\n")
    shutil.copy(os.path.join(HERE, "transport", "probe.py"), base / "plugins" / "modules" / "probe.py")
    (base / "plugins" / "action" / "probe.py").write_text(ACTION_SOURCE)
    # The repo root is the sriov.hyperv collection (linked by the ansible_env fixture).
    return "%s:%s" % (tmp_path / "collections", os.path.join(REPO, ".ansible", "collections"))


@pytest.fixture(autouse=True)
def _collection_link(ansible_env):
    """Every playbook here finds sriov.hyperv through the link ansible_env makes."""
    return ansible_env


def _inventory_host(host, drop=()):
    """The psrp variables of a ready-file host, as the emulator's inventory command writes them."""
    variables = {
        "ansible_connection": "psrp",
        "ansible_host": host["hostname"],
        "ansible_port": host["port"],
        "ansible_user": host["username"],
        "ansible_password": host["password"],
        "ansible_psrp_protocol": host["protocol"],
        "ansible_psrp_auth": host["auth"],
    }
    if host.get("ca_cert"):
        variables["ansible_psrp_cert_validation"] = "validate"
        variables["ansible_psrp_ca_cert"] = host["ca_cert"]
    if host["auth"] == "basic" and host["protocol"] == "http":
        variables["ansible_psrp_message_encryption"] = "never"
    for name in drop:
        variables.pop(name, None)
    return variables


def _play(tasks):
    return [{"name": "probe", "hosts": "hyperv", "gather_facts": False, "tasks": tasks}, COLLECT_PLAY]


def _run_playbook(tmp_path, inventory, plays, env=None, args=(), vaulted=None):
    """Run a playbook; ``vaulted`` (name -> ciphertext) replaces inventory values ``VAULTED:<name>``."""
    run_dir = tmp_path / ("run%d" % len(list(tmp_path.glob("run*"))))
    run_dir.mkdir()
    inventory_text = yaml.safe_dump({"all": {"children": {"hyperv": {"hosts": inventory}}}})
    for name, ciphertext in (vaulted or {}).items():
        lines = []
        for line in inventory_text.splitlines():
            if line.endswith(": VAULTED:%s" % name):
                indent = " " * (len(line) - len(line.lstrip()) + 2)
                lines.append(line.split(": VAULTED:")[0] + ": !vault |")
                lines.extend(indent + part for part in ciphertext.splitlines())
            else:
                lines.append(line)
        inventory_text = "\n".join(lines) + "\n"
    (run_dir / "inventory.yml").write_text(inventory_text)
    (run_dir / "playbook.yml").write_text(yaml.safe_dump(plays, sort_keys=False))
    results_file = run_dir / "results.json"
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("HYPERV_", "ANSIBLE_"))}
    environ.update(
        {
            "PATH": VENV_BIN + os.pathsep + environ.get("PATH", ""),
            "ANSIBLE_COLLECTIONS_PATH": _collections_path(run_dir),
            "ANSIBLE_LOCAL_TEMP": str(run_dir / "tmp"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
        }
    )
    environ.update(env or {})
    command = [
        os.path.join(VENV_BIN, "ansible-playbook"),
        "-i",
        str(run_dir / "inventory.yml"),
        str(run_dir / "playbook.yml"),
        "-e",
        "results_file=%s" % results_file,
    ] + list(args)
    proc = subprocess.run(command, capture_output=True, text=True, env=environ, cwd=str(run_dir), timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    with open(results_file, encoding="utf-8") as handle:
        return json.load(handle), proc.stdout + proc.stderr


def _expected_host_name(emulator):
    runner = PsrpRunner(emulator.connection_options())
    with runner:
        return runner.run([[Command("Get-VMHost")]]).output[0].properties["Name"]


@pytest.fixture(scope="module")
def host(emulator):
    return emulator.host()


def test_inventory_host_is_reached_without_delegate_or_task_options(tmp_path, host, emulator):
    results, output = _run_playbook(
        tmp_path,
        {"hv": _inventory_host(host)},
        _play([{"acme.probe.probe": {"read": True}, "register": "probe"}]),
        args=["-vvvv"],
    )
    probe = results["hv"]
    assert probe.get("failed") is not True, probe
    assert probe["host_name"] == _expected_host_name(emulator)
    # The module ran on the controller with the controller's Python, not over psrp.
    assert probe["python"] == sys.executable or os.path.samefile(probe["python"], sys.executable)
    assert probe["options"]["hostname"] == host["hostname"]
    assert probe["options"]["port"] == host["port"]
    assert probe["options"]["auth"] == host["auth"]
    assert probe["password_set"] is True
    assert "ESTABLISH LOCAL CONNECTION" in output
    # -vvvv shows module args and results; the password shows nowhere.
    assert host["password"] not in output


def test_precedence_task_then_inventory_then_environment(tmp_path, host, emulator):
    wrong = "Wrong-" + host["password"][::-1]
    inventory = {
        # Everything from the inventory.
        "full": _inventory_host(host),
        # No port, user or password in the inventory: the environment supplies them.
        "partial": _inventory_host(host, drop=("ansible_port", "ansible_user", "ansible_password")),
    }
    env = {
        "HYPERV_PASSWORD": host["password"],
        "HYPERV_USERNAME": host["username"],
        "HYPERV_PORT": str(host["port"]),
        # Loses to the inventory's value on host "full".
        "HYPERV_AUTH": "kerberos",
    }
    tasks = [
        {"acme.probe.probe": {"read": True}, "register": "probe"},
    ]
    results, output = _run_playbook(tmp_path, inventory, _play(tasks), env=env, args=["-vvvv"])
    assert results["full"]["host_name"] == results["partial"]["host_name"] == _expected_host_name(emulator)
    assert results["full"]["options"]["auth"] == host["auth"]  # inventory beats environment
    assert results["partial"]["options"]["port"] == host["port"]  # environment fills the gap
    assert host["password"] not in output

    # The task's own option beats the inventory: a wrong password in the task fails to log on.
    tasks = [{"acme.probe.probe": {"read": True, "password": wrong}, "register": "probe", "ignore_errors": True}]
    results, output = _run_playbook(tmp_path, {"full": _inventory_host(host)}, _play(tasks), args=["-vvvv"])
    assert results["full"]["failed"] is True
    assert results["full"]["error_type"] == "AuthenticationError"
    assert "rejected the credentials" in results["full"]["msg"]
    assert wrong not in output and host["password"] not in output


def test_check_mode_and_diff_flow_through(tmp_path, host):
    results, output = _run_playbook(
        tmp_path,
        {"hv": _inventory_host(host)},
        _play([{"acme.probe.probe": {}, "register": "probe"}]),
        args=["--check", "--diff"],
    )
    assert results["hv"]["check_mode"] is True
    assert "+iov: on" in output and "-iov: off" in output


def test_collection_module_runs_the_same_way(tmp_path, host, emulator):
    """host_info through its one-line action plugin: inventory connection, run in the worker."""
    results, output = _run_playbook(
        tmp_path,
        {"hv": _inventory_host(host)},
        _play([{"sriov.hyperv.host_info": {}, "register": "probe"}]),
        args=["-vvvv"],
    )
    assert results["hv"].get("failed") is not True, results["hv"]
    assert results["hv"]["changed"] is False
    assert results["hv"]["host"]["name"] == _expected_host_name(emulator)
    # The collection's own module runs inside the worker: no module process, no shell command
    # (the collecting play that follows copies a file on localhost, with both).
    probe_play = output.split("PLAY [collect]")[0]
    assert "EXEC /bin/sh" not in probe_play and "PUT " not in probe_play, probe_play[-3000:]
    assert host["password"] not in output


def _facts_only(result):
    return {key: value for key, value in result.items()
            if key not in ("ansible_job_id", "finished", "started", "results_file", "stdout", "stderr", "stdout_lines",
                           "stderr_lines", "invocation", "_ansible_suppress_tmpdir_delete", "attempts")}


def test_async_and_task_environment_give_the_same_run(tmp_path, host, emulator):
    """An async task runs the module as a module process (Ansible polls its job file); a task's
    environment reaches the in-worker run as it would reach a module process (the HYPERV_*
    fallbacks). All three give the same result."""
    plain, _output = _run_playbook(tmp_path, {"hv": _inventory_host(host)},
                                   _play([{"sriov.hyperv.host_info": {}, "register": "probe"}]))
    task = {"sriov.hyperv.host_info": {}, "async": 60, "poll": 1, "delegate_to": "localhost", "register": "probe"}
    polled, output = _run_playbook(tmp_path, {"hv": _inventory_host(host)}, _play([task]),
                                   args=["-vvv", "-e", "ansible_python_interpreter=%s" % sys.executable])
    assert polled["hv"]["finished"] == 1
    assert "EXEC /bin/sh" in output.split("PLAY [collect]")[0]  # the module process of the async job
    assert _facts_only(polled["hv"]) == _facts_only(plain["hv"])

    task = {"sriov.hyperv.host_info": {}, "register": "probe",
            "environment": {"HYPERV_PASSWORD": host["password"], "HYPERV_USERNAME": host["username"]}}
    from_environment, output = _run_playbook(
        tmp_path, {"hv": _inventory_host(host, drop=("ansible_user", "ansible_password"))}, _play([task]),
        args=["-vvvv"])
    assert _facts_only(from_environment["hv"]) == _facts_only(plain["hv"])
    assert host["password"] not in output


def test_vaulted_inventory_password(tmp_path, host, emulator):
    from ansible.parsing.vault import VaultLib, VaultSecret

    vault_password = "vault-key-for-tests"
    ciphertext = VaultLib([("default", VaultSecret(vault_password.encode()))]).encrypt(host["password"]).decode()
    (tmp_path / "vault-pass").write_text(vault_password)
    inventory = {"hv": dict(_inventory_host(host), ansible_password="VAULTED:pw")}
    results, output = _run_playbook(
        tmp_path,
        inventory,
        _play([{"acme.probe.probe": {"read": True}, "register": "probe"}]),
        args=["-vvvv", "--vault-password-file", str(tmp_path / "vault-pass")],
        vaulted={"pw": ciphertext},
    )
    assert results["hv"]["host_name"] == _expected_host_name(emulator)
    assert host["password"] not in output


def test_async_needs_delegate_to_localhost(tmp_path, host, emulator):
    # Ansible would poll over psrp for a job that runs on the controller: refused with the remedy.
    task = {"acme.probe.probe": {}, "async": 30, "poll": 1, "register": "probe", "ignore_errors": True}
    results, _output = _run_playbook(tmp_path, {"hv": _inventory_host(host)}, _play([task]))
    assert results["hv"]["failed"] is True
    assert "Add delegate_to: localhost to an async task" in results["hv"]["msg"]

    # Delegated to the controller, the poll finds the job; the connection still comes from "hv".
    task = {"acme.probe.probe": {"read": True}, "async": 30, "poll": 1, "delegate_to": "localhost", "register": "probe"}
    results, output = _run_playbook(
        tmp_path,
        {"hv": _inventory_host(host)},
        _play([task]),
        args=["-e", "ansible_python_interpreter=%s" % sys.executable],
    )
    assert results["hv"]["host_name"] == _expected_host_name(emulator)
    assert results["hv"]["finished"] == 1
    assert host["password"] not in output
