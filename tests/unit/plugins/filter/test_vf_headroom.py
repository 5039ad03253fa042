# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter's input handling: registered results picked from each host's variables."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.sriov.hyperv.plugins.filter.vf_headroom import FilterModule


def result(name: str, vfs: int) -> dict:
    """The smallest host_info-shaped result: one IOV switch with ``vfs`` free VFs, no adapters."""
    return {
        "host": {"name": name.upper(), "iov_support": True, "iov_support_reasons": []},
        "physical_adapters": [{"name": "P1", "sriov_enabled": True, "num_vfs": vfs, "switch_name": "sriov-ext"}],
        "switches": [{"name": "sriov-ext", "switch_type": "external", "enable_iov": True, "iov_support": True,
                      "virtual_functions": {"total": vfs, "in_use": 0}}],
        "vm_adapters": [],
    }


FILTER = FilterModule().filters()["vf_headroom"]


def test_hostvars_and_key_pick_each_hosts_result_in_the_given_order():
    hostvars = {"hv1": {"info": result("hv1", 4)}, "hv2": {"info": result("hv2", 2)}, "other": {"x": 1}}
    answer = FILTER(hostvars, ["hv2", "hv1"], "info")
    assert [(h["name"], h["vfs"]["free"]) for h in answer["hosts"]] == [("hv2", 2), ("hv1", 4)]
    assert answer["unavailable"] == []


def test_without_hosts_every_host_holding_the_key_counts():
    hostvars = {"hv1": {"info": result("hv1", 4)}, "localhost": {}}
    assert [h["name"] for h in FILTER(hostvars, key="info")["hosts"]] == ["hv1"]


def test_a_named_host_without_the_result_is_unavailable():
    answer = FILTER({"hv1": {"info": result("hv1", 4)}, "hv2": {}}, ["hv1", "hv2"], "info")
    assert answer["unavailable"] == [{"host": "hv2", "reason": "no host_info result"}]
    assert answer["n_plus_one"] is False


def test_a_dictionary_of_results_needs_no_key():
    assert [h["name"] for h in FILTER({"a": result("a", 1), "b": result("b", 1)})["hosts"]] == ["a", "b"]


@pytest.mark.parametrize("data, hosts, key, words", [
    ("text", None, "info", "must be the variables of each host"),
    ({"hv1": {"info": {"changed": False}}}, None, "info", "'hv1' is not a host_info result"),
])
def test_wrong_input_is_a_filter_error(data, hosts, key, words):
    with pytest.raises(AnsibleFilterError, match=words):
        FILTER(data, hosts, key)
