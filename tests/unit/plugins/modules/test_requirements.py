# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A missing Python library on the controller is a clear task failure, never a traceback."""

from __future__ import annotations

from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _psrp_runner
from ansible_collections.sriov.hyperv.plugins.module_utils.spec import _pydantic_compat
from ansible_collections.sriov.hyperv.plugins.modules import host_config, host_info


def test_without_pydantic_the_task_names_the_library(run, monkeypatch):
    monkeypatch.setattr(_pydantic_compat, "HAS_PYDANTIC", False)
    monkeypatch.setattr(_pydantic_compat, "PYDANTIC_IMPORT_ERROR", "No module named 'pydantic'")
    result = run(host_info)
    assert result["failed"] is True
    assert "pydantic" in result["msg"] and "Failed to import the required Python library" in result["msg"]
    assert run.connections == []


def test_without_pypsrp_only_runs_that_reach_a_host_fail(run, monkeypatch):
    monkeypatch.setattr(_psrp_runner, "HAS_PYPSRP", False)
    monkeypatch.setattr(_psrp_runner, "PYPSRP_IMPORT_ERROR", "No module named 'pypsrp'")
    rendered = run(host_config, state="rendered", config={"switches": [{"name": "a", "switch_type": "private"}]})
    assert rendered["rendered"] == ["New-VMSwitch -Name 'a' -SwitchType 'Private'"]
    result = run(host_info)
    assert result["failed"] is True and "pypsrp" in result["msg"]
    assert run.connections == []
