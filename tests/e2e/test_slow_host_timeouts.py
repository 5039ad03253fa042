# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Field case 11: psrp users raise the timeouts for a slow host in the inventory.

``ansible_psrp_operation_timeout`` and ``ansible_psrp_read_timeout`` must mean what they mean to
ansible.builtin.psrp: the read timeout is how long one HTTP answer may take, whatever the
operation timeout is. The host answers its first request 5 seconds late (an armed fault).
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

VENV_BIN = os.path.dirname(sys.executable)
SCENARIO = {
    "hosts": [
        {
            "name": "HVSLOW",
            "os_version": "2022",
            "physical_adapters": [
                {"name": "NIC1", "interface_description": "Example 10GbE Adapter", "sriov_enabled": True,
                 "num_vfs": 4, "max_vfs": 32},
            ],
            "switches": [{"name": "ext", "net_adapters": ["NIC1"], "enable_iov": True}],
            "vms": [{"name": "web1", "state": "Running", "adapters": [{"name": "Network Adapter", "switch": "ext"}]}],
        }
    ]
}
PLAY = [
    {
        "hosts": "hyperv",
        "gather_facts": False,
        "tasks": [
            {
                "name": "Change an adapter on a slow host",
                "sriov.hyperv.vm_network_adapter": {"vm_name": "web1", "name": "Network Adapter", "iov_weight": 100},
                "register": "r",
                "ignore_errors": True,
            },
            {"ansible.builtin.copy": {"dest": "{{ results_file }}", "content": "{{ r | to_json }}", "mode": "0600"},
             "delegate_to": "localhost"},
        ],
    }
]


@pytest.fixture(scope="module")
def slow_host(tmp_path_factory):
    from conftest import start_emulator

    base = tmp_path_factory.mktemp("slow")
    (base / "scenario.yml").write_text(yaml.safe_dump(SCENARIO))
    info = start_emulator(str(base / "emu"), str(base / "scenario.yml"), auth="basic", tls=True)
    yield info
    assert info.stop() == 0, info.stderr()


def _run_slow(slow_host, tmp_path, read_timeout):
    host = slow_host.host("HVSLOW")
    armed = slow_host.cli("fault", "--host", "HVSLOW", "--delay-ms", "5000", "--count", "1")
    assert armed.returncode == 0, armed.stderr
    inventory = {"all": {"children": {"hyperv": {"hosts": {"hvslow": {
        "ansible_connection": "psrp", "ansible_host": host["hostname"], "ansible_port": host["port"],
        "ansible_user": host["username"], "ansible_password": host["password"], "ansible_psrp_auth": "basic",
        "ansible_psrp_ca_cert": host["ca_cert"],
        "ansible_psrp_operation_timeout": 3, "ansible_psrp_read_timeout": read_timeout,
    }}}}}}
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))
    (tmp_path / "play.yml").write_text(yaml.safe_dump(PLAY, sort_keys=False))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HYPERV_", "ANSIBLE_"))}
    env.update({"ANSIBLE_COLLECTIONS_PATH": os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), ".ansible", "collections"), "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"),
        "PATH": VENV_BIN + os.pathsep + env.get("PATH", "")})
    proc = subprocess.run([os.path.join(VENV_BIN, "ansible-playbook"), "-i", str(tmp_path / "inventory.yml"),
                           str(tmp_path / "play.yml"), "-e", "results_file=%s" % (tmp_path / "r.json")],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return yaml.safe_load((tmp_path / "r.json").read_text())


def test_a_raised_read_timeout_outlasts_a_slow_answer(slow_host, tmp_path, ansible_env):
    del ansible_env
    result = _run_slow(slow_host, tmp_path, read_timeout=60)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert any("Set-VMNetworkAdapter" in command and "100" in command for command in result["commands"])


def test_a_short_read_timeout_is_the_one_reported(slow_host, tmp_path, ansible_env):
    del ansible_env
    result = _run_slow(slow_host, tmp_path, read_timeout=2)
    assert result["failed"] is True
    assert "read timeout=2" in result["msg"]
