# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What users read before writing a playbook: ansible-doc renders every module, fragments merged."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ENV_SH = os.path.join(REPO, "tests", "tools", "env.sh")
# Every module the collection ships: a new one is checked without editing this file.
MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(REPO, "plugins", "modules"))
                 if name.endswith(".py") and not name.startswith("_"))


def _ansible_doc(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
               ANSIBLE_NOCOLOR="1")
    return subprocess.run(["bash", "-c", 'source "$0" && exec ansible-doc "$@"', ENV_SH] + list(args),
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def test_every_module_renders_with_its_fragments():
    assert len(MODULES) >= 5, MODULES
    shown = _ansible_doc("--json", *["sriov.hyperv." + name for name in MODULES])
    assert shown.returncode == 0, shown.stderr
    assert "WARNING" not in shown.stderr, shown.stderr
    docs = json.loads(shown.stdout)
    assert sorted(docs) == ["sriov.hyperv." + name for name in MODULES]
    for name, doc in docs.items():
        documentation = doc["doc"]
        assert documentation["version_added"] == "0.1.0", name
        # The connection fragment's options and the attributes fragment's support levels are merged in.
        assert {"hostname", "password", "validate_certs"} <= set(documentation["options"]), name
        assert documentation["attributes"]["check_mode"]["support"] == "full", name
        assert documentation["attributes"]["platform"]["platforms"] == "windows", name
        assert documentation["attributes"]["action_group"]["membership"] == ["sriov.hyperv.hyperv"], name
        assert any(also["module"] == "sriov.hyperv.host_info" or name.endswith("host_info")
                   for also in documentation["seealso"]), name
        assert doc["examples"].strip(), name
        assert "error" in doc["return"], name


def test_text_rendering_of_one_module():
    shown = _ansible_doc("sriov.hyperv.vm_switch")
    assert shown.returncode == 0, shown.stderr
    assert "creation_only_changes" in shown.stdout
    assert "recreated_switches" in shown.stdout
