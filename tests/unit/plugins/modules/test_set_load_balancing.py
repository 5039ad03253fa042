# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Field case: a SET team an admin set to HyperVPort load balancing (LBFO-to-SET conversions;
HyperVDsc issue 138). The algorithm is read, gathered, checked, diffed and set in place."""
from __future__ import annotations

import os

import pytest

from ansible_collections.sriov.hyperv.plugins.modules import host_config, host_info, vm_switch

from hyperv_sriov_emulator.scenario import load_scenario

SCENARIO = os.path.join(os.path.dirname(__file__), "..", "..", "..", "scenarios", "set-hyperv-port.yml")
SET = dict(name="SETswitch", net_adapter_names=["NIC-A", "NIC-B"])


@pytest.fixture
def host():
    return load_scenario(SCENARIO)[0]


def _algorithm(run, name):
    return run.switch(run.state(), name)["load_balancing_algorithm"]


def test_gathered_shows_the_teams_algorithm_and_feeds_back(run):
    info = run(host_info)
    switches = {sw["name"]: sw for sw in info["config"]["switches"]}
    assert switches["SETswitch"]["load_balancing_algorithm"] == "hyper_v_port"
    # A switch that is not a team has no algorithm at all.
    assert "load_balancing_algorithm" not in switches["single"]
    assert info["switches"][0]["load_balancing_algorithm"] == "hyper_v_port"
    for state in ("merged", "replaced", "overridden"):
        fed = run(host_config, check=True, config=info["config"], state=state)
        assert (fed["changed"], fed["commands"]) == (False, []), state


def test_stating_the_current_algorithm_changes_nothing(run):
    result = run(vm_switch, load_balancing_algorithm="hyper_v_port", **SET)
    assert (result["changed"], result["commands"]) == (False, [])
    assert result["after"]["load_balancing_algorithm"] == "hyper_v_port"


def test_changing_it_is_checked_diffed_and_set_in_place(run):
    before = run.state()
    predicted = run(vm_switch, check=True, diff=True, load_balancing_algorithm="dynamic", **SET)
    assert predicted["changed"] is True
    assert predicted["commands"] == ["Set-VMSwitchTeam -Name 'SETswitch' -LoadBalancingAlgorithm 'Dynamic'"]
    assert (predicted["diff"]["before"]["load_balancing_algorithm"],
            predicted["diff"]["after"]["load_balancing_algorithm"]) == ("hyper_v_port", "dynamic")
    assert predicted["recreated_switches"] == []
    assert run.state() == before

    applied = run(vm_switch, load_balancing_algorithm="dynamic", **SET)
    assert applied["commands"] == predicted["commands"] and applied["after"] == predicted["after"]
    after = run.state()
    assert _algorithm(run, "SETswitch") == "Dynamic"
    # Same switch (not recreated), same connections.
    assert run.switch(after, "SETswitch")["id"] == run.switch(before, "SETswitch")["id"]
    assert run.adapter(after, "vm1", "Network Adapter")["switch_id"] == run.switch(before, "SETswitch")["id"]
    assert run(vm_switch, load_balancing_algorithm="dynamic", **SET)["changed"] is False


def test_replaced_resets_it_to_hyperv_default(run):
    result = run(host_config, state="replaced", config={"switches": [dict(SET, allow_management_os=True)]})
    assert result["commands"] == ["Set-VMSwitchTeam -Name 'SETswitch' -LoadBalancingAlgorithm 'Dynamic'"]
    assert _algorithm(run, "SETswitch") == "Dynamic"


def test_a_new_team_gets_it_right_after_creation(run):
    team2 = {"name": "team2", "net_adapter_names": ["NIC-D"], "enable_embedded_teaming": True,
             "load_balancing_algorithm": "hyper_v_port"}
    result = run(host_config, config={"switches": [team2]})
    assert result["commands"] == [
        "New-VMSwitch -Name 'team2' -NetAdapterName 'NIC-D' -EnableEmbeddedTeaming $true",
        "Set-VMSwitchTeam -Name 'team2' -LoadBalancingAlgorithm 'HyperVPort'",
    ]
    assert _algorithm(run, "team2") == "HyperVPort"
    again = run(host_config, config={"switches": [team2]})
    assert (again["changed"], again["commands"]) == (False, [])


@pytest.mark.parametrize("switch, where", [
    (dict(name="single", load_balancing_algorithm="dynamic"), "switches[0].load_balancing_algorithm: switch 'single'"),
    (dict(name="p", switch_type="private", load_balancing_algorithm="dynamic"),
     "switches[0].load_balancing_algorithm: only a Switch Embedded Teaming switch"),
])
def test_a_switch_that_is_no_team_refuses_it(run, switch, where):
    before = run.state()
    result = run(host_config, config={"switches": [switch]})
    assert result["failed"] is True
    assert where in result["msg"] and "Remove load_balancing_algorithm" in result["msg"]
    assert run.state() == before
