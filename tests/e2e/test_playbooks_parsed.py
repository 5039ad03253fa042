"""state: parsed and host_info's running_config through ansible-playbook: no host, no connection.

The export is the CLIXML the emulated host's objects give through psrpcore's serializer (as
Export-Clixml writes it); the playbook runs on localhost with no connection settings at all, so
any attempt to connect would fail the task.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from ansible_collections.sriov.hyperv.tests.unit.plugins.module_utils.export_emulated import export_clixml
from ansible_collections.sriov.hyperv.plugins.module_utils.host._host import read_host
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import config_to_dict

from hyperv_sriov_emulator.inprocess import InProcessRunner
from hyperv_sriov_emulator.scenario import load_scenario

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Parse the export
      sriov.hyperv.host_config:
        state: parsed
        running_config: "{{ lookup('ansible.builtin.file', export) }}"
      register: parsed
    - name: Audit the export
      sriov.hyperv.host_info:
        running_config: "{{ lookup('ansible.builtin.file', export) }}"
      register: audited
    - name: Keep both
      ansible.builtin.copy:
        content: "{{ {'parsed': parsed.parsed, 'audited': audited} | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
"""


def test_parsed_and_audited_from_a_file_without_a_host(tmp_path, ansible_env):
    host = load_scenario("vf-shortage")[0]
    export = tmp_path / "hv-short.xml"
    export.write_text(export_clixml(host), encoding="utf-8")
    playbook = tmp_path / "parse.yml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    out = tmp_path / "out.json"
    env = dict(ansible_env, ANSIBLE_LOCALHOST_WARNING="false")
    for name in [n for n in env if n.startswith("HYPERV_")]:
        del env[name]
    done = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(playbook),
         "-e", "export=%s" % export, "-e", "out=%s" % out],
        capture_output=True, text=True, env=env, check=False, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    live = read_host(InProcessRunner(host))
    assert result["parsed"] == config_to_dict(live.config)
    waiting = [a for a in result["audited"]["vm_adapters"] if a["no_vf_reasons"] and not a["management_os"]]
    # vf-shortage: four VFs, six running VMs asking; the two that lose are the weakest.
    assert sorted(a["vm_name"] for a in waiting) == ["bronze1", "silver3"]
    assert {a["no_vf_reasons"][0]["code"] for a in waiting} == {"no_vf_available"}
