# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The user's inventory as Ansible means it: one inventory per connection kind, one variable
changed at a time, run with the real ansible-playbook against emulated hosts.

The hosts listen on WinRM's own ports (5986 https + Basic, 5985 http + NTLM) and a third on an
ephemeral port (https + client certificate), inside a network namespace of the test's own, so
the well-known ports never collide with anything else on the machine. Next to each module task,
``ansible.builtin.raw`` runs over core's own psrp or winrm plugin with the same variables: the
emulator runs no scripts and no WinRS shells, so raw can never succeed, but whether core
*reached and logged on to* the host (the emulator's refusal of the script or shell) or failed
before must agree with whether the module connected.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest
import yaml

from conftest import start_emulator

HERE = os.path.dirname(os.path.abspath(__file__))
VENV_BIN = os.path.dirname(sys.executable)
SCENARIO = {
    "hosts": [
        {
            "name": "HVMATRIX",
            "os_version": "2022",
            "physical_adapters": [
                {"name": "NIC1", "interface_description": "Example 10GbE Adapter", "sriov_enabled": True,
                 "num_vfs": 4, "max_vfs": 32},
            ],
        }
    ]
}

PLAY = [
    {
        "name": "each inventory variant",
        "hosts": "all",
        "gather_facts": False,
        "tasks": [
            {"sriov.hyperv.host_info": None, "register": "module", "ignore_errors": True},
            # core's own plugin with the same variables; the emulator refuses the script itself.
            {"ansible.builtin.raw": "Get-VMHost", "register": "core", "ignore_errors": True, "ignore_unreachable": True,
             "when": "ansible_connection in ['psrp', 'winrm']"},
        ],
    },
    {
        "name": "collect",
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {
                "ansible.builtin.copy": {
                    "dest": "{{ results_file }}",
                    "content": "{{ dict(groups['all'] | zip(groups['all'] | map('extract', hostvars) "
                               "| map('dict2items') | map('selectattr', 'key', 'in', ['module', 'core']) "
                               "| map('items2dict'))) | to_json }}",
                    "mode": "0600",
                },
            }
        ],
    },
]


@pytest.fixture(scope="module")
def netns(tmp_path_factory):
    """A network namespace of this test: a process holding it, and the prefix to enter it."""
    if not shutil.which("unshare") or not shutil.which("nsenter") or not shutil.which("ip"):
        pytest.fail("the inventory matrix needs unshare, nsenter (util-linux) and ip (iproute2)")
    holder = subprocess.Popen(["unshare", "-n", "sh", "-c", "ip link set lo up && echo up && exec sleep 900"],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "up", "could not make a network namespace (needs root)"
    yield ["nsenter", "-t", str(holder.pid), "-n"]
    holder.send_signal(signal.SIGTERM)
    holder.wait(timeout=10)


@pytest.fixture(scope="module")
def listeners(tmp_path_factory, netns):
    base = tmp_path_factory.mktemp("matrix")
    scenario = base / "scenario.yml"
    scenario.write_text(yaml.safe_dump(SCENARIO))
    started = {
        "https_basic": start_emulator(str(base / "a"), str(scenario), auth="basic", tls=True, port=5986, prefix=netns),
        "http_ntlm": start_emulator(str(base / "b"), str(scenario), auth="ntlm", tls=False, port=5985, prefix=netns),
        "https_cert": start_emulator(str(base / "c"), str(scenario), auth="certificate", tls=True, prefix=netns),
    }
    yield {name: info.host() for name, info in started.items()}
    for info in started.values():
        assert info.stop() == 0, info.stderr()


def _inventory(listeners, tmp_path):
    basic, ntlm, cert = listeners["https_basic"], listeners["http_ntlm"], listeners["https_cert"]
    assert (basic["port"], ntlm["port"]) == (5986, 5985)
    user = {"ansible_host": "127.0.0.1", "ansible_user": basic["username"], "ansible_password": basic["password"]}
    ntlm_user = {"ansible_host": "127.0.0.1", "ansible_user": ntlm["username"], "ansible_password": ntlm["password"]}
    psrp_basic = dict(user, ansible_connection="psrp", ansible_psrp_auth="basic", ansible_psrp_ca_cert=basic["ca_cert"])
    winrm_basic = dict(user, ansible_connection="winrm", ansible_winrm_ca_trust_path=basic["ca_cert"])
    psrp_cert = {
        "ansible_host": "127.0.0.1", "ansible_port": cert["port"], "ansible_connection": "psrp",
        "ansible_psrp_auth": "certificate", "ansible_psrp_ca_cert": cert["ca_cert"],
        "ansible_psrp_certificate_pem": cert["client_cert"], "ansible_psrp_certificate_key_pem": cert["client_key"],
    }
    winrm_cert = {
        "ansible_host": "127.0.0.1", "ansible_port": cert["port"], "ansible_connection": "winrm",
        "ansible_winrm_transport": "certificate", "ansible_winrm_ca_trust_path": cert["ca_cert"],
        "ansible_winrm_cert_pem": cert["client_cert"], "ansible_winrm_cert_key_pem": cert["client_key"],
    }
    # name -> (variables, whether the module and core must connect)
    return {
        # https + Basic on 5986
        "psrp_basic": (psrp_basic, True),
        "psrp_basic_port_5986": (dict(psrp_basic, ansible_port=5986), True),
        "psrp_port_wins_over_ansible_port": (dict(psrp_basic, ansible_port=5985, ansible_psrp_port=5986), True),
        "psrp_user_wins_over_ansible_user": (dict(psrp_basic, ansible_psrp_user="nobody"), False),
        "psrp_cert_validation_ignore": (dict(psrp_basic, ansible_psrp_cert_validation="ignore",
                                             ansible_psrp_ca_cert=None), True),
        "psrp_no_ca": (dict(psrp_basic, ansible_psrp_ca_cert=None), False),
        "psrp_wrong_path": (dict(psrp_basic, ansible_psrp_path="nowhere"), False),
        "psrp_closed_port": (dict(psrp_basic, ansible_port=5987), False),
        "winrm_basic": (winrm_basic, True),
        "winrm_cert_validation_ignore": (dict(winrm_basic, ansible_winrm_server_cert_validation="ignore",
                                              ansible_winrm_ca_trust_path=None), True),
        "winrm_no_ca": (dict(winrm_basic, ansible_winrm_ca_trust_path=None), False),
        "winrm_scheme_http_on_5986": (dict(winrm_basic, ansible_winrm_scheme="http"), False),
        # http + NTLM on 5985: the port alone means http
        "psrp_ntlm_5985": (dict(ntlm_user, ansible_connection="psrp", ansible_port=5985, ansible_psrp_auth="ntlm"), True),
        "psrp_ntlm_psrp_port_5985": (dict(ntlm_user, ansible_connection="psrp", ansible_psrp_port=5985,
                                          ansible_psrp_auth="ntlm"), True),
        "psrp_ntlm_protocol_https": (dict(ntlm_user, ansible_connection="psrp", ansible_port=5985,
                                          ansible_psrp_auth="ntlm", ansible_psrp_protocol="https"), False),
        "winrm_ntlm_5985": (dict(ntlm_user, ansible_connection="winrm", ansible_port=5985,
                                 ansible_winrm_transport="ntlm"), True),
        "winrm_ntlm_winrm_port_5985": (dict(ntlm_user, ansible_connection="winrm", ansible_winrm_port=5985,
                                            ansible_winrm_transport=["ntlm"]), True),
        "winrm_default_transport_is_basic": (dict(ntlm_user, ansible_connection="winrm", ansible_port=5985), False),
        # https + client certificate
        "psrp_certificate": (psrp_cert, True),
        "winrm_certificate": (winrm_cert, True),
        "psrp_certificate_without_key": (dict(psrp_cert, ansible_psrp_certificate_key_pem=None), False),
        # Field case 12, validating against a private CA: the documented forms work; a path in
        # cert_validation is refused by core's psrp plugin itself (before the action runs).
        "psrp_cert_trust_path": (dict(psrp_basic, ansible_psrp_ca_cert=None, ansible_psrp_cert_trust_path=basic["ca_cert"]), True),
        "psrp_path_in_cert_validation": (dict(psrp_basic, ansible_psrp_ca_cert=None,
                                              ansible_psrp_cert_validation=basic["ca_cert"]), False),
        "psrp_missing_ca_file": (dict(psrp_basic, ansible_psrp_ca_cert=str(tmp_path / "missing-ca.pem")), False),
        # ssh with a PowerShell shell: never a WinRM endpoint
        "ssh_powershell": ({"ansible_host": "127.0.0.1", "ansible_connection": "ssh", "ansible_port": 22,
                            "ansible_shell_type": "powershell"}, False),
    }


def _run(netns, tmp_path, inventory):
    hosts = {name: {key: value for key, value in variables.items() if value is not None}
             for name, (variables, _expected) in inventory.items()}
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    (tmp_path / "play.yml").write_text(yaml.safe_dump(PLAY, sort_keys=False))
    results = tmp_path / "results.json"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HYPERV_", "ANSIBLE_"))}
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": os.path.join(os.path.dirname(os.path.dirname(HERE)), ".ansible", "collections"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORKS": "8",
        "ANSIBLE_HOST_KEY_CHECKING": "0", "PATH": VENV_BIN + os.pathsep + env.get("PATH", ""),
    })
    proc = subprocess.run(
        netns + [os.path.join(VENV_BIN, "ansible-playbook"), "-i", str(tmp_path / "inventory.yml"),
                 str(tmp_path / "play.yml"), "-e", "results_file=%s" % results],
        capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    return json.loads(results.read_text()), proc.stdout + proc.stderr


# What the emulator answers once core has logged on: psrp runs raw's script and the emulator
# refuses it (a non-zero return code); winrm asks for a WinRS shell, which the emulator refuses
# with a WSMan fault (reported as unreachable, but after TLS and authentication succeeded).
CORE_LOGGED_ON = ("non-zero return code", "Only PowerShell remoting shells are supported")


def _core_reached(core):
    return any(text in (core.get("msg") or "") for text in CORE_LOGGED_ON)


@pytest.fixture(scope="module")
def matrix(netns, listeners, tmp_path_factory, ansible_env):
    """One ansible-playbook run over every variant (the variants are hosts of one inventory)."""
    del ansible_env  # links the collection
    tmp_path = tmp_path_factory.mktemp("run")
    inventory = _inventory(listeners, tmp_path)
    results, output = _run(netns, tmp_path, inventory)
    return inventory, results, output, tmp_path


def test_each_inventory_means_what_core_plugins_mean(matrix, listeners):
    inventory, results, output, _tmp_path = matrix
    mismatched = {}
    for name, (_variables, connects) in inventory.items():
        module, core = results[name]["module"], results[name].get("core") or {}
        connected = not module.get("failed")
        if connected != connects:
            mismatched[name] = module.get("msg")
        elif connected:
            assert module["host"]["name"] == "HVMATRIX", name
        if core and not core.get("skipped"):
            if _core_reached(core) != connects:
                mismatched[name + " (core raw)"] = core.get("msg")
    assert mismatched == {}
    for listener in listeners.values():
        if listener.get("password"):
            assert listener["password"] not in output

    def msg(name):
        return results[name]["module"]["msg"]

    # A wrong setting's error names the setting.
    assert "nothing is listening on 127.0.0.1:5987" in msg("psrp_closed_port")
    assert "ansible_connection=ssh" in msg("ssh_powershell") and "ansible.builtin.psrp" in msg("ssh_powershell")
    assert "certificate" in msg("psrp_no_ca").lower() and "ca_cert" in msg("psrp_no_ca")
    assert "rejected the credentials of user 'nobody'" in msg("psrp_user_wins_over_ansible_user")
    # Unverified TLS warns, as the README says.
    warnings = " ".join(results["psrp_cert_validation_ignore"]["module"].get("warnings", []))
    assert "is not verified" in warnings


def test_a_ca_path_in_cert_validation_and_a_missing_ca_file_name_the_variable(matrix):
    _inventory, results, _output, tmp_path = matrix
    refused = results["psrp_path_in_cert_validation"]["module"]["msg"]
    assert "Invalid value" in refused and "'cert_validation'" in refused
    assert "ansible_psrp_ca_cert names %s, which is not a file on the controller" % (tmp_path / "missing-ca.pem") in \
        results["psrp_missing_ca_file"]["module"]["msg"]
