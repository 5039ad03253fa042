# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Field case: a converged SET switch built in Weight bandwidth mode, later listed by name only
under ``state: replaced``. A creation-only setting the task does not name is never reset."""
from __future__ import annotations

import os

import pytest

from ansible_collections.sriov.hyperv.plugins.modules import host_config

from hyperv_sriov_emulator.scenario import load_scenario

SCENARIO = os.path.join(os.path.dirname(__file__), "..", "..", "..", "scenarios", "converged-weight-mode.yml")
BUILD = {"switches": [{"name": "ConvergedSwitch", "net_adapter_names": ["NIC1", "NIC2"],
                       "minimum_bandwidth_mode": "weight"}],
         "vm_adapters": [{"vm_name": "app1", "name": "Network Adapter", "switch_name": "ConvergedSwitch",
                          "vmq_weight": 100}]}
BY_NAME = {"switches": [{"name": "ConvergedSwitch", "net_adapter_names": ["NIC1", "NIC2"]}]}


@pytest.fixture
def host():
    return load_scenario(SCENARIO)[0]


@pytest.fixture
def built(run):
    first = run(host_config, config=BUILD)
    assert first["changed"] is True
    assert first["commands"][0] == "New-VMSwitch -Name 'ConvergedSwitch' -NetAdapterName 'NIC1','NIC2' -MinimumBandwidthMode 'Weight'"
    again = run(host_config, config=BUILD)
    assert (again["changed"], again["commands"]) == (False, [])
    return run


@pytest.mark.parametrize("state", ["replaced", "overridden"])
@pytest.mark.parametrize("policy", ["fail", "recreate"])
def test_replaced_keeps_the_weight_mode_it_was_not_told_about(built, state, policy):
    before = built.state()
    for check in (True, False):
        result = built(host_config, check=check, state=state, creation_only_changes=policy, config=BY_NAME)
        assert result.get("failed") is not True, result.get("msg")
        assert (result["changed"], result["commands"], result["recreated_switches"]) == (False, [], [])
    switch = built.switch(built.state(), "ConvergedSwitch")
    assert switch["bandwidth_mode"] == "Weight"
    assert built.state() == before


def test_naming_another_mode_is_still_refused_with_remedies_that_can_work(built):
    result = built(host_config, state="replaced",
                   config={"switches": [dict(BY_NAME["switches"][0], minimum_bandwidth_mode="absolute")]})
    assert result["failed"] is True
    assert "minimum_bandwidth_mode (weight -> absolute)" in result["msg"]
    assert "creation_only_changes: recreate" in result["msg"]
