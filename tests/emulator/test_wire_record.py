"""What the server sends for a read, byte for byte, against a recording.

Speed work on the emulator (object building, Select-Object, CLIXML writing) must not change one
byte of what a client receives for the same host state. Each case below runs a fixed set of read
pipelines over real sockets through pypsrp and compares the digest of every PSRP message payload
the server queued (message type and CLIXML) with ``data/wire_record.json``.

The reads are the collection's own read pipelines (the whole-host read, projected and not, and a
targeted read naming a VM that exists, one that does not, and the host's adapters), frozen here so
that a change of the collection's reads does not move the recording, plus every other read
cmdlet of the emulator. The hosts are the shipped scenarios and a generated host with what they
lack (off VMs, a VF shortage, bandwidth settings, host vNICs, names that need escaping).

A deliberate change of what the emulator sends (a fidelity fix) changes the recording: rewrite it
with ``WIRE_RECORD=1 python -m pytest tests/emulator/test_wire_record.py`` and say in the commit
why the bytes changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import threading

import pytest
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

from emulator_helpers import serving
from hyperv_sriov_emulator.scenario import SHIPPED, load_scenario, load_scenario_text
from hyperv_sriov_emulator.server import psrp
from hyperv_sriov_emulator.server.client import wsman_kwargs

RECORD = pathlib.Path(__file__).parent / "data" / "wire_record.json"

VM_PROPERTIES = ["Name", "VMName", "Id", "VMId", "State", "Generation"]
ADAPTER_PROPERTIES = [
    "Name", "VMName", "VMId", "Id", "IsManagementOs", "SwitchName", "Connected", "MacAddress", "Status",
    "StatusDescription", "IovUsage", "IovQueuePairsAssigned", "VirtualFunction", "VFDataPathActive", "VrssEnabled",
    "VmmqEnabled", "VrssMaxQueuePairs", "IeeePriorityTag", "IsLegacy", "IovWeight", "IovQueuePairsRequested",
    "IovInterruptModeration", "VMQWeight", "IPsecOffloadMaxSA", "VrssEnabledRequested", "VmmqEnabledRequested",
    "VrssMaxQueuePairsRequested", "VrssMinQueuePairsRequested", "VrssQueueSchedulingModeRequested",
    "VrssExcludePrimaryProcessorRequested", "VrssIndependentHostSpreadingRequested",
    "VrssVmbusChannelAffinityPolicyRequested", "RscEnabledRequested", "AllowTeaming",
]
BANDWIDTH = {"Property": ["Id"], "ExpandProperty": "BandwidthSetting"}
SWITCH = None
PHYSICAL = [
    [("Get-NetAdapter", {"Physical": SWITCH})],
    [("Get-NetAdapterSriov", {})],
    [("Get-NetAdapterAdvancedProperty", {"RegistryKeyword": ["*SRIOV", "*NumVFs"]})],
    [("Get-VMSwitchTeam", {})],
]
WHOLE = [
    [("Get-VMHost", {})],
    [("Get-VM", {})],
    [("Get-VMSwitch", {})],
    [("Get-VMNetworkAdapter", {"All": SWITCH})],
    [("Get-VMNetworkAdapter", {"All": SWITCH}), ("Select-Object", BANDWIDTH)],
] + PHYSICAL


def _projected(statements):
    wanted = {"Get-VM": VM_PROPERTIES, "Get-VMNetworkAdapter": ADAPTER_PROPERTIES}
    return [statement + [("Select-Object", {"Property": wanted[statement[-1][0]]})]
            if statement[-1][0] in wanted else statement for statement in statements]


def _targeted(names):
    adapters = ("Get-VMNetworkAdapter", {"VMName": names})
    host = ("Get-VMNetworkAdapter", {"ManagementOS": SWITCH})
    return [
        [("Get-VMHost", {})],
        [("Get-VM", {"Name": names}), ("Select-Object", {"Property": VM_PROPERTIES})],
        [("Get-VMSwitch", {})],
        [adapters, ("Select-Object", {"Property": ADAPTER_PROPERTIES})],
        [host, ("Select-Object", {"Property": ADAPTER_PROPERTIES})],
        [adapters, ("Select-Object", BANDWIDTH)],
        [host, ("Select-Object", BANDWIDTH)],
    ] + PHYSICAL


READS = {
    "whole-host": WHOLE,
    "whole-host-projected": _projected(WHOLE),
    "other-reads": [
        [("Get-VMNetworkAdapter", {"ManagementOS": SWITCH})],
        [("Get-NetAdapter", {})],
        [("Get-NetAdapterSriovVf", {})],
        [("Get-NetAdapterAdvancedProperty", {"AllProperties": SWITCH})],
        [("Get-VMSwitch", {}), ("Select-Object", {"Property": ["Name", "Iov*", "NoSuch"]})],
        [("Get-VM", {}), ("Select-Object", {"ExpandProperty": "NetworkAdapters"})],
        [("Get-VMNetworkAdapter", {"All": SWITCH}), ("Where-Object", {"Property": "IovUsage", "GT": SWITCH,
                                                                      "Value": 0})],
        [("Get-VMNetworkAdapter", {"All": SWITCH}), ("Measure-Object", {"Property": "IovWeight", "Sum": SWITCH})],
        [("Get-VMSwitch", {}), ("ConvertTo-Json", {"Depth": 1})],
    ],
}


def _hosts_of_scenarios():
    cases = []
    for path in sorted(SHIPPED.glob("*.yml")):
        cases.append((path.stem, load_scenario(path.stem)))
    return cases


# What the shipped scenarios lack: off and saved VMs holding SR-IOV requests, more requests than
# VFs, bandwidth settings, host vNICs, a legacy adapter, names that CLIXML must escape; and a
# Windows Server 2012 R2 host (other error wording, no Get-VMSwitchTeam).
MIXED = """
hosts:
  - name: HV-MIXED
    os_version: "2019"
    physical_adapters:
      - {name: SLOT 1 Port 1, interface_description: "Mellanox <ConnectX-5> & co", num_vfs: 4, max_vfs: 8}
      - {name: LOM 1, interface_description: Broadcom, sriov_support: none}
    switches:
      - {name: "iov_x0041_", net_adapters: [SLOT 1 Port 1], enable_iov: true}
      - {name: lom, net_adapters: [LOM 1], allow_management_os: true, minimum_bandwidth_mode: Weight}
    management_adapters:
      - {name: Mgmt, switch: lom, minimum_bandwidth_weight: 20}
      - {name: "Live Migration", switch: iov_x0041_, vrss_enabled: false, maximum_bandwidth: 800000000}
    vms:
      - name: "vm{n}"
        count: 6
        state: Running
        adapters: [{switch: iov_x0041_, iov_weight: 50, maximum_bandwidth: 100000000}]
      - name: "off & <quoted>"
        generation: 1
        state: Off
        adapters:
          - {switch: iov_x0041_, iov_weight: 100, iov_queue_pairs_requested: 2}
          - {name: Legacy, switch: lom, legacy: true, minimum_bandwidth_weight: 10}
      - name: saved
        state: Saved
        adapters: [{switch: lom, vmq_weight: 0}]
      - name: unplugged
        state: Running
        adapters: [{name: Spare}]
  - name: HV-2012R2
    os_version: "2012r2"
    physical_adapters:
      - {name: NIC1, interface_description: Intel X540, num_vfs: 2, max_vfs: 32}
    switches:
      - {name: ext, net_adapters: [NIC1], enable_iov: true}
    vms:
      - {name: "old{n}", count: 3, state: Running, adapters: [{switch: ext, iov_weight: 1}]}
"""


def _cases():
    cases = [("scenario-%s" % name, hosts) for name, hosts in _hosts_of_scenarios()]
    cases.append(("mixed", load_scenario_text(MIXED)))
    return cases


class _Capture:
    """Every PSRP message the server's pipelines queue, as (message type, payload)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.lock = threading.Lock()
        self.messages: list[tuple[str, bytes]] = []
        send = psrp.PipelineRun.send
        capture = self

        def recording(run, message_type, data):
            with capture.lock:
                capture.messages.append((message_type.name, bytes(data)))
            return send(run, message_type, data)

        monkeypatch.setattr(psrp.PipelineRun, "send", recording)

    def take(self) -> list[tuple[str, bytes]]:
        with self.lock:
            taken, self.messages = self.messages, []
        return taken


def _run(pool: RunspacePool, statements) -> None:
    ps = PowerShell(pool)
    for statement in statements:
        for name, parameters in statement:
            ps.add_cmdlet(name)
            for key, value in parameters.items():
                if value is SWITCH:
                    ps.add_parameter(key)
                else:
                    ps.add_parameter(key, value)
        ps.add_statement()
    ps.invoke()


def _digests(messages: list[tuple[str, bytes]]) -> list[str]:
    return ["%s %s" % (kind, hashlib.sha256(data).hexdigest()[:16]) for kind, data in messages]


def _record_all(monkeypatch, tmp_path) -> dict[str, list[str]]:
    capture = _Capture(monkeypatch)
    recorded: dict[str, list[str]] = {}
    for case, hosts in _cases():
        with serving(hosts, tmp_path / case) as ready:
            for served in ready["hosts"]:
                with WSMan(**wsman_kwargs(served)) as wsman, RunspacePool(wsman) as pool:
                    names = sorted({vm.name for host in hosts if host.name == served["name"] for vm in host.vms})
                    reads = dict(READS, targeted=_targeted((names[:1] or ["none"]) + ["no-such-vm"]))
                    for read, statements in reads.items():
                        capture.take()
                        _run(pool, statements)
                        recorded["%s/%s/%s" % (case, served["name"], read)] = _digests(capture.take())
    return recorded


def test_reads_send_the_recorded_bytes(monkeypatch, tmp_path):
    recorded = _record_all(monkeypatch, tmp_path)
    if os.environ.get("WIRE_RECORD") == "1":
        RECORD.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(RECORD.read_text(encoding="utf-8"))
    assert sorted(recorded) == sorted(expected)
    # Every read sent something, and the records differ between hosts: the digests see the data.
    assert all(recorded.values())
    assert len({tuple(v) for v in recorded.values()}) > len(recorded) // 2
    for key in sorted(expected):
        assert recorded[key] == expected[key], key
