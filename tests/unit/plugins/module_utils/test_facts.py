# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_info's conclusions, drawn only from what a host reports (parsed records)."""

from __future__ import annotations

import dataclasses

import pytest

from ansible_collections.sriov.hyperv.plugins.module_utils.host import _facts
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._host_parse import (
    AdapterFacts,
    HostFacts,
    NicFacts,
    Observed,
    SwitchFacts,
    VmFacts,
)
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import HostConfig, VmAdapterConfig

BIOS_REASON = (
    "To use SR-IOV on this system, the system BIOS must be updated to allow Windows to control PCI "
    "Express. Contact your system manufacturer for an update."
)


def healthy_host(**adapter_changes) -> Observed:
    """One IOV switch on a supported NIC with 2 VFs, one running VM asking for a VF."""
    adapter = AdapterFacts(
        name="Network Adapter",
        vm_name="web01",
        switch_name="sriov-ext",
        connected=True,
        iov_weight=100,
        iov_usage=0,
        iov_queue_pairs_requested=4,
        iov_queue_pairs_assigned=0,
        vrss_enabled_requested=True,
        vrss_enabled=True,
        vrss_max_queue_pairs_requested=16,
        vrss_max_queue_pairs=4,
    )
    adapter = dataclasses.replace(adapter, **adapter_changes)
    return Observed(
        config=HostConfig(
            vm_adapters=[VmAdapterConfig(vm_name="web01", name="Network Adapter", switch_name="sriov-ext",
                                         iov_weight=100, iov_interrupt_moderation="adaptive", vmq_weight=90)],
        ),
        host=HostFacts(name="HV01", iov_support=True, iov_support_reasons=[]),
        vms=[VmFacts(name="web01", state="Running")],
        switches=[SwitchFacts(name="sriov-ext", switch_type="external", iov_enabled=True, iov_support=True,
                              nic_names=["SLOT 2 Port 1"], iov_vf_count=2, iov_vf_in_use=0,
                              iov_queue_pair_count=16, iov_queue_pairs_in_use=0)],
        adapters=[adapter],
        nics=[NicFacts(name="SLOT 2 Port 1", description="Contoso X1", sriov_listed=True, sriov_support="Supported",
                       sriov_enabled=True, num_vfs=2, num_allocated_vfs=0)],
    )


def codes(observed: Observed, index: int = 0) -> list[str]:
    facts = _facts.host_facts(observed)
    return [reason["code"] for reason in facts["vm_adapters"][index]["no_vf_reasons"]]


def test_everything_in_place_but_no_vf_blames_the_guest():
    assert codes(healthy_host()) == [_facts.GUEST_NO_VF]


def test_an_adapter_with_a_vf_has_no_reasons_and_reports_what_it_got():
    facts = _facts.host_facts(healthy_host(iov_usage=1, iov_queue_pairs_assigned=4,
                                           vf_data_path_active=True))
    adapter = facts["vm_adapters"][0]
    assert adapter["no_vf_reasons"] == []
    assert adapter["sriov_active"] is True
    assert adapter["requested"]["iov_weight"] == 100
    assert adapter["requested"]["iov_queue_pairs_requested"] == 4
    assert adapter["requested"]["iov_interrupt_moderation"] == "adaptive"
    assert adapter["requested"]["vmq_weight"] == 90
    assert adapter["effective"] == {
        "iov_usage": 1, "virtual_function": True, "iov_queue_pairs_assigned": 4, "vf_data_path_active": True,
        "vrss_enabled": True, "vmmq_enabled": None, "vmmq_queue_pairs": 4,
    }
    assert adapter["requested"]["vmmq_queue_pairs"] == 16


def test_not_connected_is_the_only_reason_for_a_disconnected_adapter():
    observed = healthy_host(switch_name=None, connected=False)
    assert codes(observed) == [_facts.NOT_CONNECTED]
    [reason] = _facts.host_facts(observed)["vm_adapters"][0]["no_vf_reasons"]
    assert "Connect it to an External switch created with SR-IOV (its switch_name)" in reason["message"]


@pytest.mark.parametrize("switch_type, iov_enabled, named", [
    ("external", True, True), ("private", False, False), ("internal", False, False), ("external", False, False)])
def test_a_legacy_adapter_is_sent_to_a_switch_that_can_give_a_vf(switch_type, iov_enabled, named):
    # The synthetic adapter that replaces a legacy one goes on this switch only when this switch can
    # give a VF: on a Private, Internal or non-IOV switch it would get none either.
    observed = healthy_host(is_legacy=True)
    observed.switches[0].switch_type = switch_type
    observed.switches[0].iov_enabled = iov_enabled
    legacy = next(r for r in _facts.host_facts(observed)["vm_adapters"][0]["no_vf_reasons"]
                  if r["code"] == _facts.LEGACY_ADAPTER)
    assert ("on switch 'sriov-ext'" in legacy["message"]) is named
    assert ("on an External switch created with SR-IOV" in legacy["message"]) is not named


@pytest.mark.parametrize("listed, support", [(False, None), (True, "MissingAcs")])
@pytest.mark.parametrize("spare", [False, True])
def test_a_nic_without_sriov_support_comes_with_a_remedy_that_can_work(listed, support, spare):
    # Rebinding the switch is offered only when the host has an SR-IOV capable adapter bound to no
    # switch (field case 06: every NIC of that host is taken, and a remedy must be able to work).
    observed = healthy_host()
    observed.nics[0].sriov_listed = listed
    observed.nics[0].sriov_support = support
    if spare:
        observed.nics.append(NicFacts(name="SLOT 3 Port 1", description="Contoso X2", sriov_listed=True,
                                      sriov_support="Supported", sriov_enabled=True, num_vfs=8))
    reason = next(r for r in _facts.host_facts(observed)["vm_adapters"][0]["no_vf_reasons"]
                  if r["code"] == _facts.NIC_SRIOV_UNSUPPORTED)
    assert reason["adapter"] == "SLOT 2 Port 1"
    rebind = "Or bind switch 'sriov-ext' to 'SLOT 3 Port 1', which supports SR-IOV and is bound to no switch"
    assert (rebind in reason["message"]) is spare
    assert ("Fix what it names (firmware, BIOS or the adapter's driver)" in reason["message"]) is listed
    assert ("it cannot give virtual functions" in reason["message"]) is not listed


def test_reasons_are_listed_in_order_from_the_switch_to_the_vm():
    observed = healthy_host(iov_weight=0)
    observed.host.iov_support = False
    observed.host.iov_support_reasons = [BIOS_REASON]
    observed.switches[0].iov_enabled = True
    observed.switches[0].iov_support = False
    observed.switches[0].iov_support_reasons = ["This network adapter does not support SR-IOV."]
    observed.nics[0].sriov_enabled = False
    observed.vms[0].state = "Off"
    assert codes(observed) == [
        _facts.HOST_IOV_UNSUPPORTED,
        _facts.SWITCH_IOV_UNSUPPORTED,
        _facts.NIC_SRIOV_DISABLED,
        _facts.IOV_WEIGHT_ZERO,
        _facts.VM_NOT_RUNNING,
    ]
    reasons = _facts.host_facts(observed)["vm_adapters"][0]["no_vf_reasons"]
    # Hyper-V's own sentences travel verbatim, both in the message and as data.
    assert reasons[0]["hyperv_reasons"] == [BIOS_REASON]
    assert BIOS_REASON in reasons[0]["message"]
    assert reasons[1]["hyperv_reasons"] == ["This network adapter does not support SR-IOV."]
    assert reasons[2]["adapter"] == "SLOT 2 Port 1"
    assert "Off" in reasons[4]["message"]


def test_switch_without_iov_is_named():
    observed = healthy_host()
    observed.switches[0].iov_enabled = False
    assert codes(observed) == [_facts.SWITCH_IOV_DISABLED]
    assert "sriov-ext" in _facts.host_facts(observed)["vm_adapters"][0]["no_vf_reasons"][0]["message"]


@pytest.mark.parametrize("support", ["MissingAcs", "NoIoMmuSupport"])
def test_unsupported_physical_adapter_reports_windows_value(support):
    observed = healthy_host()
    observed.nics[0].sriov_support = support
    reasons = _facts.host_facts(observed)["vm_adapters"][0]["no_vf_reasons"]
    assert [r["code"] for r in reasons] == [_facts.NIC_SRIOV_UNSUPPORTED]
    assert support in reasons[0]["message"]


def test_physical_adapter_without_sriov_settings_is_named():
    observed = healthy_host()
    observed.nics[0] = NicFacts(name="SLOT 2 Port 1", description="Contoso X1")
    reasons = _facts.host_facts(observed)["vm_adapters"][0]["no_vf_reasons"]
    assert [r["code"] for r in reasons] == [_facts.NIC_SRIOV_UNSUPPORTED]
    assert reasons[0]["adapter"] == "SLOT 2 Port 1"


def test_sriov_enabled_but_waiting_for_restart_says_so():
    observed = healthy_host()
    observed.nics[0].sriov_enabled = False
    observed.nics[0].configured_sriov_enabled = True
    facts = _facts.host_facts(observed)
    reason = facts["vm_adapters"][0]["no_vf_reasons"][0]
    assert reason["code"] == _facts.NIC_SRIOV_DISABLED
    assert "restart" in reason["message"]
    nic = facts["physical_adapters"][0]
    assert nic["restart_pending"] is True
    assert (nic["sriov_enabled"], nic["sriov_enabled_configured"]) == (False, True)
    assert nic["switch_name"] == "sriov-ext"


def test_no_vf_left_names_the_holders():
    observed = healthy_host()
    holder = AdapterFacts(name="Network Adapter", vm_name="db01", switch_name="sriov-ext", connected=True,
                          iov_weight=50, iov_usage=1)
    observed.adapters.append(holder)
    observed.vms.append(VmFacts(name="db01", state="Running"))
    observed.switches[0].iov_vf_count = 1
    observed.switches[0].iov_vf_in_use = 1
    facts = _facts.host_facts(observed)
    reason = facts["vm_adapters"][0]["no_vf_reasons"]
    assert [r["code"] for r in reason] == [_facts.NO_VF_AVAILABLE]
    assert "holders" not in reason[0]
    assert "(held by db01/Network Adapter);" in reason[0]["message"]
    # Which adapter gets a freed VF is unconfirmed (reference 2.7): no order is stated as fact, and
    # the remedy is Microsoft's own (turn SR-IOV off where it is not needed, reference 2.6).
    assert "first" not in reason[0]["message"] and "keeps its own" not in reason[0]["message"]
    assert "Set iov_weight 0 on adapters that do not need SR-IOV, which frees their virtual functions" in (
        reason[0]["message"])
    summary = facts["switches"][0]["virtual_functions"]
    assert summary == {"total": 1, "in_use": 1, "free": 0, "holders": ["db01/Network Adapter"],
                       "requesting_without_vf": ["web01/Network Adapter"]}


def test_management_os_adapter_has_no_iov_keys_and_one_reason():
    observed = healthy_host()
    observed.adapters = [AdapterFacts(name="Management", management_os=True, switch_name="sriov-ext",
                                      vrss_enabled_requested=True, vrss_enabled=False)]
    adapter = _facts.host_facts(observed)["vm_adapters"][0]
    assert adapter["management_os"] is True and adapter["vm_name"] is None
    assert [r["code"] for r in adapter["no_vf_reasons"]] == [_facts.MANAGEMENT_OS]
    assert not any(key.startswith("iov_") for key in adapter["requested"])
    assert "virtual_function" not in adapter["effective"]
    assert (adapter["requested"]["vrss_enabled"], adapter["effective"]["vrss_enabled"]) == (True, False)


def test_names_match_without_regard_to_case():
    observed = healthy_host(switch_name="SRIOV-EXT", vm_name="WEB01")
    facts = _facts.host_facts(observed)
    assert facts["vm_adapters"][0]["vm_state"] == "Running"
    assert [r["code"] for r in facts["vm_adapters"][0]["no_vf_reasons"]] == [_facts.GUEST_NO_VF]


def test_host_capability_and_config_shape():
    observed = healthy_host()
    observed.host.iov_support = False
    observed.host.iov_support_reasons = [BIOS_REASON]
    facts = _facts.host_facts(observed)
    assert facts["host"] == {"name": "HV01", "iov_support": False, "iov_support_reasons": [BIOS_REASON]}
    assert facts["config"]["vm_adapters"][0]["iov_weight"] == 100
    assert set(facts) == {"host", "physical_adapters", "switches", "vm_adapters", "config"}


def test_every_reason_code_is_documented():
    import yaml

    from ansible_collections.sriov.hyperv.plugins.modules import host_info

    doc = yaml.safe_load(host_info.RETURN)["vm_adapters"]["contains"]["no_vf_reasons"]["description"]
    text = " ".join(doc)
    for code in _facts.REASON_CODES:
        assert "V(%s)" % code in text


def test_observed_lookups_are_case_insensitive_and_follow_list_changes():
    observed = healthy_host()
    assert observed.vm("WEB01").name == "web01"
    assert observed.adapter(("vm", "WEB01", "NETWORK ADAPTER")).name == "Network Adapter"
    assert observed.vm("db01") is None
    # Looked up once (so indexed), then changed: later lookups see the change.
    observed.vms.append(VmFacts(name="db01", state="Off"))
    assert observed.vm("DB01").state == "Off"
    observed.vms = [VmFacts(name="app01", state="Running")]
    assert observed.vm("web01") is None and observed.vm("app01").state == "Running"
