# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Field case: a VM whose two adapters are both called "Network Adapter" (Hyper-V's default name).

One adapter is on an IOV switch, the other on a backup switch. A task that names "Network
Adapter" without saying which must not reach both; with mac_address it reaches exactly one.
"""
from __future__ import annotations

import os

import pytest

from ansible_collections.sriov.hyperv.plugins.modules import host_config, host_info, vm_network_adapter

from hyperv_sriov_emulator.scenario import load_scenario

SCENARIO = os.path.join(os.path.dirname(__file__), "..", "..", "..", "scenarios", "duplicate-adapter-names.yml")
FRONT, BACKUP = "00155D0A0B01", "00155D0A0B02"
TASK = dict(vm_name="fileserver", name="Network Adapter", switch_name="iov-ext", iov_weight=100)


@pytest.fixture
def host():
    return load_scenario(SCENARIO)[0]


def _adapters(state):
    vm = next(vm for vm in state["vms"] if vm["name"] == "fileserver")
    switches = {sw["id"]: sw["name"] for sw in state["switches"]}
    return {a["mac_address"]: (switches.get(a["switch_id"]), a["settings"]["IovWeight"]) for a in vm["adapters"]}


def test_an_ambiguous_name_is_refused_before_any_write_listing_every_candidate(run):
    before = run.state()
    for check in (True, False):
        result = run(vm_network_adapter, check=check, **TASK)
        assert result["failed"] is True
        assert result["msg"] == (
            "Invalid configuration: name: VM 'fileserver' has 2 network adapters named 'Network Adapter', and this "
            "entry would match all of them: 00155D0A0B01 (switch 'iov-ext', IovWeight 0), 00155D0A0B02 (switch "
            "'backup-int', IovWeight 0). Add mac_address to this entry to pick one.")
        assert "commands" not in result or result["commands"] == []
    assert run.state() == before


def test_host_config_refuses_the_ambiguous_name_too(run):
    # The same entry through host_config's list: refused before any write, in check mode and not.
    before = run.state()
    entry = dict(TASK)
    for check in (True, False):
        result = run(host_config, check=check, config={"vm_adapters": [entry]})
        assert result["failed"] is True
        assert "has 2 network adapters named 'Network Adapter'" in result["msg"]
        assert "00155D0A0B01 (switch 'iov-ext', IovWeight 0), 00155D0A0B02 (switch 'backup-int'" in result["msg"]
        assert "Add mac_address to this entry to pick one." in result["msg"]
        assert "commands" not in result or result["commands"] == []
    assert run.state() == before


def test_mac_address_picks_one_in_check_mode_diff_and_the_run_alike(run):
    before = run.state()
    task = dict(TASK, mac_address="00-15-5d-0a-0b-02")
    predicted = run(vm_network_adapter, check=True, diff=True, **task)
    assert predicted["changed"] is True
    pipeline = ("Get-VMNetworkAdapter -VMName 'fileserver' -Name 'Network Adapter' | Where-Object -Property "
                "'MacAddress' -EQ -Value '%s' | " % BACKUP)
    assert predicted["commands"] == [
        pipeline + "Connect-VMNetworkAdapter -SwitchName 'iov-ext'",
        pipeline + "Set-VMNetworkAdapter -IovWeight 100",
    ]
    assert predicted["diff"]["before"]["mac_address"] == BACKUP
    assert (predicted["before"]["switch_name"], predicted["after"]["switch_name"]) == ("backup-int", "iov-ext")
    assert run.state() == before

    applied = run(vm_network_adapter, **task)
    assert applied["changed"] is True
    assert applied["commands"] == predicted["commands"]
    assert applied["after"] == predicted["after"]
    # The other adapter of that name is exactly as it was.
    assert _adapters(run.state()) == {FRONT: ("iov-ext", 0), BACKUP: ("iov-ext", 100)}

    again = run(vm_network_adapter, **task)
    assert (again["changed"], again["commands"]) == (False, [])


def test_a_mac_address_the_vm_does_not_have_lists_the_ones_it_has(run):
    result = run(vm_network_adapter, mac_address="00155D0A0B09", **TASK)
    assert result["failed"] is True
    assert result["msg"] == (
        "Invalid configuration: mac_address: VM 'fileserver' has no network adapter 'Network Adapter' with MAC "
        "address 00155D0A0B09. Its adapters of that name: 00155D0A0B01 (switch 'iov-ext', IovWeight 0), "
        "00155D0A0B02 (switch 'backup-int', IovWeight 0). Give one of these MAC addresses.")


def test_host_info_config_names_each_adapter_by_mac_and_feeds_back_unchanged(run):
    info = run(host_info)
    adapters = info["config"]["vm_adapters"]
    assert [(a["name"], a.get("mac_address"), a["switch_name"]) for a in adapters if a.get("vm_name")] == [
        ("Network Adapter", FRONT, "iov-ext"), ("Network Adapter", BACKUP, "backup-int")]
    # Where a name is unique, no MAC address: the host vNIC of the internal switch.
    assert [a for a in adapters if a.get("management_os")][0].get("mac_address") is None
    for state in ("merged", "replaced", "overridden"):
        fed = run(host_config, check=True, config=info["config"], state=state)
        assert (fed["changed"], fed["commands"]) == (False, []), (state, fed)


def test_host_config_sets_both_adapters_each_by_its_mac(run):
    config = {"vm_adapters": [
        {"vm_name": "fileserver", "name": "Network Adapter", "mac_address": FRONT, "iov_weight": 90},
        {"vm_name": "fileserver", "name": "Network Adapter", "mac_address": BACKUP, "vmq_weight": 10},
    ]}
    first = run(host_config, config=config)
    assert first["changed"] is True
    assert _adapters(run.state()) == {FRONT: ("iov-ext", 90), BACKUP: ("backup-int", 0)}
    vm = next(vm for vm in run.state()["vms"] if vm["name"] == "fileserver")
    assert [a["settings"]["VMQWeight"] for a in vm["adapters"]] == [100, 10]
    assert run(host_config, config=config)["changed"] is False


def test_two_entries_for_one_adapter_are_refused(run):
    config = {"vm_adapters": [
        {"vm_name": "fileserver", "name": "Network Adapter", "mac_address": FRONT, "iov_weight": 90},
        {"vm_name": "FileServer", "name": "network adapter", "mac_address": "00:15:5D:0A:0B:01", "iov_weight": 1},
    ]}
    result = run(host_config, config=config)
    assert result["failed"] is True
    assert "config.vm_adapters[1]: duplicate adapter identity, already given as config.vm_adapters[0]" in result["msg"]


def _warnings(result):
    # A module process writes Ansible's WarningSummary; the text is its event's msg.
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]


NEVER_STARTED = """
hosts:
  - name: HVNEW
    os_version: "2022"
    physical_adapters:
      - {name: NIC1, interface_description: Example 25GbE Adapter, sriov_enabled: true, num_vfs: 8, max_vfs: 64}
    switches:
      - {name: iov-ext, net_adapters: [NIC1], enable_iov: true, allow_management_os: false}
    vms:
      - name: newvm
        state: "Off"
        adapters:
          - {name: Network Adapter, switch: iov-ext, mac_address: "000000000000"}
          - {name: Network Adapter, switch: iov-ext, mac_address: "000000000000"}
"""


def test_adapters_the_host_cannot_tell_apart_say_how_to_tell_them_apart(run):
    # A VM never started shows every dynamic MAC address as 000000000000 (UNASSIGNED_MAC): its two
    # "Network Adapter"s share VM, name and MAC. Gathered output lists each, and says up front that
    # it cannot be given back; giving it back, or naming the adapter, refuses with the same remedy.
    from hyperv_sriov_emulator.scenario import load_scenario_text

    run.host = load_scenario_text(NEVER_STARTED)[0]
    remedy = ("rename one on the host (Rename-VMNetworkAdapter), or start the VM once, which gives each adapter "
              "its own dynamic MAC address")
    info = run(host_info)
    assert [(a["name"], a["mac_address"]) for a in info["config"]["vm_adapters"]] == [
        ("Network Adapter", "000000000000")] * 2
    warning = ("VM 'newvm' has 2 network adapters named 'Network Adapter' that share MAC address 000000000000: the "
               "config lists each, but no entry can mean just one of them, so it cannot be given back as it is. To "
               "manage them, %s." % remedy)
    assert warning in _warnings(info)
    assert warning in _warnings(run(host_config, state="gathered"))

    before = run.state()
    fed = run(host_config, check=True, config=info["config"], state="merged")
    assert fed["failed"] is True
    assert "config.vm_adapters[1]: duplicate adapter identity, already given as config.vm_adapters[0]" in fed["msg"]
    assert "share name and MAC address 000000000000 (as gathered lists them)" in fed["msg"]
    assert remedy in fed["msg"]
    named = run(vm_network_adapter, vm_name="newvm", name="Network Adapter", iov_weight=100)
    assert named["failed"] is True
    assert "Their MAC addresses do not tell them apart either: to manage one, %s." % remedy in named["msg"]
    assert run.state() == before


def test_a_host_whose_adapters_differ_in_mac_gathers_without_that_warning(run):
    info = run(host_info)
    assert not [w for w in _warnings(info) if "share MAC address" in w]
