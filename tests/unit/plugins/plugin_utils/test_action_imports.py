# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each action plugin imports when Ansible loads it (in its main process, before forking)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

import ansible_collections

PLANNER = "ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile"


def _loaded_after_import(action: str) -> list[str]:
    # A fresh interpreter: this process has imported everything already.
    code = textwrap.dedent("""
        import json, sys
        import ansible_collections.sriov.hyperv.plugins.action.%s
        print(json.dumps(sorted(name for name in sys.modules if ".reconcile" in name)))
    """ % action)
    paths = [os.path.dirname(path) for path in ansible_collections.__path__]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths + [os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_host_info_action_does_not_load_the_planner():
    assert _loaded_after_import("host_info") == []


@pytest.mark.parametrize("action", ["host_config", "vm_switch", "vm_network_adapter", "net_adapter_sriov"])
def test_planning_actions_load_the_planner_before_the_fork(action):
    assert PLANNER in _loaded_after_import(action)
