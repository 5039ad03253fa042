# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Field case: the "SR-IOV not operational" walk-through, one adapter per reason.

host_info reads what any host reports (IsLegacy, the switch type, IovEnabled, IovSupport and
its reasons, the NIC's SriovSupport / Enabled / NumVFs, IovWeight, the VM state, Status) and
never asks the emulator why; the emulator's own reason for each adapter is only used here to
prove that every reason it can produce is covered and diagnosed as the host shows it.
"""
from __future__ import annotations

import os

import pytest

from ansible_collections.sriov.hyperv.plugins.modules import host_info

from hyperv_sriov_emulator.model.reasons import NO_VF_REASONS
from hyperv_sriov_emulator.scenario import load_scenario

SCENARIO = os.path.join(os.path.dirname(__file__), "..", "..", "..", "scenarios", "why-no-vf.yml")

# VM -> (the emulator's reason, host_info's codes, a part of the first message that must be there).
EXPECTED = {
    "v-bios": ("HostIovUnsupported", ["host_iov_unsupported"],
               "The host does not support SR-IOV: Ensure that the system has chipset support for SR-IOV"),
    "winner": (None, [], None),
    "loser": ("NoVirtualFunctionAvailable", ["no_vf_available"],
              "All 1 virtual functions of switch 'iov-short' are in use (held by winner/nic)"),
    "stopped": ("VmNotRunning", ["vm_not_running"], "VM 'stopped' is not running (state Off)"),
    "weight0": ("IovWeightZero", ["iov_weight_zero"], "iov_weight is 0"),
    "nicoff": ("NicSriovDisabled", ["nic_sriov_disabled"],
               "SR-IOV is disabled on physical adapter 'P2'. Set sriov_enabled: true on it"),
    "noacs": ("NicSriovUnsupported", ["switch_iov_unsupported", "nic_sriov_unsupported"],
              "Switch 'iov-noacs' cannot provide SR-IOV: SR-IOV cannot be used on this network adapter"),
    "zerovfs": ("NicNoVirtualFunctions", ["nic_no_vfs"],
                "Physical adapter 'P4' has SR-IOV enabled but NumVFs 0: it offers no virtual function. Set num_vfs "
                "on it (up to 32"),
    "plainswitch": ("SwitchIovDisabled", ["switch_iov_disabled"],
                    "Switch 'noiov' was created without SR-IOV (IovEnabled is false), which can only be chosen when "
                    "a switch is created. Recreate it with enable_iov: true"),
    "unplugged": ("NotConnected", ["not_connected"], "not connected to a virtual switch"),
    "gen1": ("LegacyAdapter", ["legacy_adapter"],
             "The adapter is a legacy network adapter (IsLegacy): SR-IOV works with synthetic network adapters only"),
    "internal": ("SwitchNotExternal", ["switch_not_external"],
                 "Switch 'lab' is Internal: SR-IOV needs an External switch"),
    "noguest": ("GuestUnsupported", ["guest_no_vf"],
                "Virtual functions are free on switch 'iov-free', but the guest did not take one"),
}


@pytest.fixture(params=["HVBIOS", "HVMIX"])
def host(request):
    return next(host for host in load_scenario(SCENARIO) if host.name == request.param)


def test_each_adapter_gets_the_reason_its_host_shows(run, host):
    info = run(host_info)
    emulator_reason = {vm.name: vm.adapters[0].no_vf_reason for vm in host.vms}
    for record in info["vm_adapters"]:
        if record["management_os"]:
            continue
        reason, codes, message = EXPECTED[record["vm_name"]]
        assert emulator_reason[record["vm_name"]] == reason, record["vm_name"]
        assert [item["code"] for item in record["no_vf_reasons"]] == codes, record
        assert record["sriov_active"] is (reason is None)
        if message:
            assert message in record["no_vf_reasons"][0]["message"], record["no_vf_reasons"]


def test_no_reason_blames_other_adapters_or_offers_a_remedy_that_cannot_work(run, host):
    info = run(host_info)
    for record in info["vm_adapters"]:
        for item in record["no_vf_reasons"]:
            # "All 0 virtual functions are in use": the NIC has none, nobody holds one.
            assert not item["message"].startswith("All 0 ")
            if item["code"] == "switch_not_external":
                assert "enable_iov" not in item["message"]
            if item["code"] == "nic_sriov_unsupported":
                # Every physical adapter of these hosts is bound to a switch: no rebinding to offer.
                assert "bind switch" not in item["message"]
            if item["code"] == "no_vf_available":
                # P1 can go up to 32 VFs: raising num_vfs can work there.
                assert "raise num_vfs on 'P1' (1 of at most 32)" in item["message"]
    if host.name == "HVBIOS":
        # The switch repeats the platform's reasons; they are said once.
        record = next(r for r in info["vm_adapters"] if r["vm_name"] == "v-bios")
        assert len(record["no_vf_reasons"]) == 1
        assert record["no_vf_reasons"][0]["hyperv_reasons"] == info["host"]["iov_support_reasons"]


def test_every_reason_the_emulator_can_produce_has_a_case():
    covered = {reason for reason, _codes, _message in EXPECTED.values() if reason}
    assert covered == set(NO_VF_REASONS)
