# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VF headroom over groups of emulated hosts: migrate, fall back, fail, pre-empt, drain.

Each group is a scenario read through the real host layer and host_info's facts, so the
computation sees exactly the shape host_info returns; the expected outcomes are worked out by
hand from the scenario (see each case's comment).
"""

from __future__ import annotations

import pytest

from ansible_collections.sriov.hyperv.tests.unit.plugins.module_utils.host_emulated import emulator, runner_for
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile import _headroom
from ansible_collections.sriov.hyperv.plugins.module_utils.host._facts import host_facts
from ansible_collections.sriov.hyperv.plugins.module_utils.host._host import read_host

from hyperv_sriov_emulator.scenario import load_scenario_text  # noqa: E402  (after the emulator is found)

assert emulator


def nic(name: str, vfs: int, **extra) -> str:
    items = ", ".join("%s: %s" % kv for kv in extra.items())
    return "{name: %s, interface_description: %s NIC, num_vfs: %d, max_vfs: 64%s}" % (
        name, name, vfs, ", " + items if items else "")


def host(name: str, vfs: int = 4, iov: bool = True, switch: str = "sriov-ext", vms: str = "",
         platform: str = "", nic_extra: dict | None = None) -> str:
    return """
  - name: %s
    %s
    physical_adapters: [%s]
    switches:
      - {name: %s, net_adapters: [P1], enable_iov: %s}
    vms: %s
""" % (name, platform, nic("P1", vfs, **(nic_extra or {})), switch, "true" if iov else "false", vms or "[]")


def vm(name: str, weight: int, switch: str = "sriov-ext", state: str = "Running", guest: bool = True) -> str:
    return "\n      - {name: %s, state: %s, guest_sriov: %s, adapters: [{switch: %s, iov_weight: %d}]}" % (
        name, state, "true" if guest else "false", switch, weight)


def group(*hosts: str) -> dict:
    """host_info results of every host of the scenario, keyed by host name."""
    states = load_scenario_text("hosts:" + "".join(hosts))
    return {state.name: host_facts(read_host(runner_for(state))) for state in states}


def migration(result: dict, adapter: str, target: str) -> dict:
    rows = [row for row in result["migrations"] if row["adapter"] == adapter]
    assert len(rows) == 1, result["migrations"]
    return rows[0]["targets"][target]


def drain(result: dict, name: str) -> dict:
    return next(d for d in result["drains"] if d["host"] == name)


# --- one adapter to each other host ------------------------------------------------------------

MIGRATION_CASES = [
    # (id, group, adapter, target, outcome, reason code, pre-empted holder)
    # hv-b has the switch, IOV on a capable NIC and 4 free VFs.
    ("migrate", [host("hv-a", vms=vm("web01", 50)), host("hv-b")],
     "web01/Network Adapter", "hv-b", "vf", None, None),
    # hv-b's switch of that name was created without IOV.
    ("fall back: switch without IOV", [host("hv-a", vms=vm("web01", 50)), host("hv-b", iov=False)],
     "web01/Network Adapter", "hv-b", "synthetic", "switch_iov_disabled", None),
    # hv-b's platform (BIOS) does not do SR-IOV.
    ("fall back: platform", [host("hv-a", vms=vm("web01", 50)),
                             host("hv-b", platform="platform: {iov_support: false, iov_support_reasons: [bios_iov_disabled]}")],
     "web01/Network Adapter", "hv-b", "synthetic", "host_iov_unsupported", None),
    # hv-b's NIC has SR-IOV switched off (its switch still reports IovSupport: the NIC could).
    ("fall back: NIC SR-IOV off", [host("hv-a", vms=vm("web01", 50)),
                                   host("hv-b", vfs=0, nic_extra={"sriov_enabled": "false"})],
     "web01/Network Adapter", "hv-b", "synthetic", "nic_sriov_disabled", None),
    # hv-b's only VF is held by a VM of the same weight: equal weights never pre-empt.
    ("fall back: out of VFs", [host("hv-a", vms=vm("web01", 50)), host("hv-b", vfs=1, vms=vm("db01", 50))],
     "web01/Network Adapter", "hv-b", "synthetic", "no_vf_available", None),
    # The guest did not take a VF at home; it will not elsewhere either.
    ("fall back: guest", [host("hv-a", vms=vm("web01", 50, guest=False)), host("hv-b")],
     "web01/Network Adapter", "hv-b", "synthetic", "guest_no_vf", None),
    # hv-b has no switch named sriov-ext at all.
    ("fail: no switch of that name", [host("hv-a", vms=vm("web01", 50)), host("hv-b", switch="other-ext")],
     "web01/Network Adapter", "hv-b", "fails", "no_switch", None),
    # hv-b's only VF is held by weight 10; web01 with 90 takes it.
    ("pre-empt", [host("hv-a", vms=vm("web01", 90)), host("hv-b", vfs=1, vms=vm("db01", 10))],
     "web01/Network Adapter", "hv-b", "vf", None, "db01/Network Adapter"),
    # Both VFs held, by weights 10 and 30: the lowest goes.
    ("pre-empt the lowest", [host("hv-a", vms=vm("web01", 90)),
                             host("hv-b", vfs=2, vms=vm("db01", 30) + vm("db02", 10))],
     "web01/Network Adapter", "hv-b", "vf", None, "db02/Network Adapter"),
]


@pytest.mark.parametrize("hosts, adapter, target, outcome, code, preempts",
                         [case[1:] for case in MIGRATION_CASES], ids=[case[0] for case in MIGRATION_CASES])
def test_migration(hosts, adapter, target, outcome, code, preempts):
    result = _headroom.vf_headroom(group(*hosts))
    got = migration(result, adapter, target)
    assert got["outcome"] == outcome
    assert (got["reason"] or {}).get("code") == code
    assert got["preempts"] == preempts
    if code:
        assert got["reason"]["message"].endswith(".")


def test_migration_matrix_leaves_the_destination_as_it_is():
    # Two adapters each alone fit the one free VF: each is judged against the host as it is now.
    result = _headroom.vf_headroom(group(host("hv-a", vms=vm("web01", 50) + vm("web02", 50)), host("hv-b", vfs=1)))
    assert migration(result, "web01/Network Adapter", "hv-b")["outcome"] == "vf"
    assert migration(result, "web02/Network Adapter", "hv-b")["outcome"] == "vf"
    assert next(h for h in result["hosts"] if h["name"] == "hv-b")["vfs"]["free"] == 1


def test_vms_that_are_off_are_not_migrated():
    result = _headroom.vf_headroom(group(host("hv-a", vms=vm("web01", 50, state="Off")), host("hv-b")))
    assert result["migrations"] == []
    hv_a = next(h for h in result["hosts"] if h["name"] == "hv-a")
    assert [(s["adapter"], [r["code"] for r in s["reasons"]]) for s in hv_a["synthetic"]] == [
        ("web01/Network Adapter", ["vm_not_running"])]


# --- per host ---------------------------------------------------------------------------------

def test_per_host_switch_counts_and_adapters_without_vf():
    # 2 VFs, three running VMs ask: weights 90 and 50 hold them, 10 waits.
    result = _headroom.vf_headroom(group(host("hv-a", vfs=2, vms=vm("a", 90) + vm("b", 50) + vm("c", 10))))
    (hv_a,) = result["hosts"]
    (switch,) = hv_a["switches"]
    assert (switch["total"], switch["in_use"], switch["free"]) == (2, 2, 0)
    assert sorted(switch["holders"]) == ["a/Network Adapter", "b/Network Adapter"]
    assert hv_a["vfs"] == {"total": 2, "in_use": 2, "free": 0}
    assert [(s["adapter"], s["reasons"][0]["code"]) for s in hv_a["synthetic"]] == [("c/Network Adapter", "no_vf_available")]


def test_switches_without_iov_are_not_counted():
    result = _headroom.vf_headroom(group(host("hv-a", iov=False, vms=vm("a", 50))))
    (hv_a,) = result["hosts"]
    assert hv_a["switches"] == []
    assert hv_a["synthetic"][0]["reasons"][0]["code"] == "switch_iov_disabled"


# --- drains -----------------------------------------------------------------------------------

def test_drain_spreads_by_free_vfs_and_everyone_keeps_a_vf():
    # hv-a's three VMs hold VFs; hv-b has 2 free, hv-c 2 free: the first goes to hv-b (tie: listed
    # first), the second to hv-c (now 2 free against 1), the third to hv-b (1 against 1, listed first).
    result = _headroom.vf_headroom(group(
        host("hv-a", vms=vm("x", 90) + vm("y", 50) + vm("z", 10)),
        host("hv-b", vfs=2), host("hv-c", vfs=2)))
    d = drain(result, "hv-a")
    assert [(p["vm_name"], p["to"]) for p in d["placements"]] == [("x", "hv-b"), ("y", "hv-c"), ("z", "hv-b")]
    assert (d["vms"], d["keep_vf"], d["synthetic"], d["fails"]) == (3, 3, 0, 0)
    assert d["n_plus_one"] is True
    # Draining hv-b or hv-c moves nothing: trivially fine.
    assert drain(result, "hv-b")["vms"] == 0 and drain(result, "hv-b")["n_plus_one"]
    assert result["n_plus_one"] is True


def test_drain_short_of_vfs_falls_back_and_is_not_n_plus_one():
    # hv-a: 3 VFs held; hv-b has a switch with 1 VF; hv-c has no switch of that name.
    result = _headroom.vf_headroom(group(
        host("hv-a", vfs=3, vms=vm("x", 90) + vm("y", 50) + vm("z", 10)),
        host("hv-b", vfs=1), host("hv-c", switch="other-ext")))
    d = drain(result, "hv-a")
    assert [(p["vm_name"], p["to"]) for p in d["placements"]] == [("x", "hv-b"), ("y", "hv-b"), ("z", "hv-b")]
    assert (d["keep_vf"], d["synthetic"], d["fails"]) == (1, 2, 0)
    assert d["falls_back"] == ["y/Network Adapter", "z/Network Adapter"]
    assert d["lose_vf"] == ["y/Network Adapter", "z/Network Adapter"]
    assert d["n_plus_one"] is False
    assert result["n_plus_one"] is False
    # Draining hv-b: its VMs (none) fine; draining hv-c: nothing to move.
    assert drain(result, "hv-b")["n_plus_one"] and drain(result, "hv-c")["n_plus_one"]


def test_drain_fails_when_no_host_has_the_switch():
    result = _headroom.vf_headroom(group(host("hv-a", vms=vm("x", 50)), host("hv-b", switch="other-ext")))
    d = drain(result, "hv-a")
    assert d["placements"][0]["to"] is None
    assert d["failed"] == ["x/Network Adapter"] and d["fails"] == 1
    assert d["placements"][0]["adapters"][0]["reason"]["code"] == "no_switch"
    assert d["n_plus_one"] is False


def test_drain_preempts_a_destination_holder_and_counts_it_as_a_loss():
    # hv-b's only VF is held by weight 10; the drained VM has 90 and takes it.
    result = _headroom.vf_headroom(group(host("hv-a", vms=vm("x", 90)), host("hv-b", vfs=1, vms=vm("low", 10))))
    d = drain(result, "hv-a")
    assert d["keep_vf"] == 1 and d["placements"][0]["adapters"][0]["preempts"] == "low/Network Adapter"
    assert d["displaced"] == [{"host": "hv-b", "adapter": "low/Network Adapter", "iov_weight": 10,
                               "by": "x/Network Adapter"}]
    assert d["n_plus_one"] is False


def test_drain_a_later_heavier_adapter_preempts_an_earlier_placement():
    # VM p has adapters of weights 60 (first placed, highest) ... simpler: two drained VMs whose
    # placements compete for one VF: 90 takes it first, 50 then finds it held by a higher weight.
    result = _headroom.vf_headroom(group(host("hv-a", vms=vm("p", 50) + vm("q", 90)), host("hv-b", vfs=1)))
    d = drain(result, "hv-a")
    outcomes = {row["adapter"]: row["outcome"] for p in d["placements"] for row in p["adapters"]}
    assert outcomes == {"q/Network Adapter": "vf", "p/Network Adapter": "synthetic"}
    assert d["lose_vf"] == ["p/Network Adapter"]


def test_single_host_group_is_not_n_plus_one():
    result = _headroom.vf_headroom(group(host("hv-a", vms=vm("x", 50))))
    assert drain(result, "hv-a")["fails"] == 1
    assert result["n_plus_one"] is False


# --- input ------------------------------------------------------------------------------------

def test_failed_results_are_listed_not_computed():
    results = group(host("hv-a", vms=vm("x", 50)), host("hv-b"))
    results["hv-c"] = {"failed": True, "msg": "Failed to connect to host 'hv-c': timed out."}
    result = _headroom.vf_headroom(results)
    assert result["unavailable"] == [{"host": "hv-c", "reason": "Failed to connect to host 'hv-c': timed out."}]
    assert [h["name"] for h in result["hosts"]] == ["hv-a", "hv-b"]
    assert result["n_plus_one"] is False  # a group with an unknown host cannot be called N+1


def test_a_list_of_results_is_named_by_computer_name():
    results = group(host("hv-a", vms=vm("x", 50)), host("hv-b"))
    result = _headroom.vf_headroom(list(results.values()))
    assert [h["name"] for h in result["hosts"]] == ["hv-a", "hv-b"]


@pytest.mark.parametrize("bad, words", [
    ("text", "got str"),
    ({"hv-a": {"changed": False}}, "'hv-a' is not a host_info result"),
])
def test_wrong_input_names_the_fix(bad, words):
    with pytest.raises(_headroom.HeadroomError, match=words):
        _headroom.vf_headroom(bad)
