# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix: every write step of a recreate and of an ordinary converge, failed once, failed
every time in that run, or with the connection dropped before or right after the step ran.

After each faulted run: no adapter or host vNIC is lost, every setting and MAC is as before or as
desired (or parked, with the parking record saying so), and the result tells the truth (``changed``
equals whether the host changed, unless it says the state is unknown). Then an unfaulted rerun
converges and a third run changes nothing.
"""
from __future__ import annotations

import json

import pytest
from ansible_collections.sriov.hyperv.tests.unit.plugins.module_utils.host_emulated import make_host, ops

from ansible_collections.sriov.hyperv.plugins.modules import host_config
from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _connection
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._errors import HostUnreachableError
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import ErrorRecordData, RunResult
from hyperv_sriov_emulator.inprocess import InProcessRunner

PARKING = "sriov.hyperv parking for "
PARKING_MARKER = "sriov.hyperv recreate record:"
VNIC_SETTINGS = {"VMQWeight": 0, "IPsecOffloadMaxSA": 32, "VrssEnabledRequested": False}
ADAPTER_KEYS = ("IovWeight", "IovQueuePairsRequested", "VMQWeight", "IPsecOffloadMaxSA", "VrssEnabledRequested")


def recreate_host():
    host = make_host()
    host.management_adapters[0].settings.update(VNIC_SETTINGS)
    return host


def converge_host():
    host = make_host()
    # A second adapter of the same name on web01, on another switch: writes must reach exactly one.
    vm = host.vms[0]
    ops.add_vm_adapter(host, vm, sw=[sw for sw in host.switches if sw.name == "int"][0])
    host.reallocate()
    return host


SCENARIOS = {
    "recreate": (recreate_host, {"creation_only_changes": "recreate",
                                 "config": {"switches": [{"name": "sriov", "enable_iov": False}]}}),
    "converge": (converge_host, {"config": {
        "physical_adapters": [{"name": "NIC2", "sriov_enabled": True, "num_vfs": 8}],
        "switches": [{"name": "lab", "switch_type": "private", "notes": "lab"},
                     {"name": "int", "notes": "internal"}],
        "vm_adapters": [{"vm_name": "db01", "name": "Network Adapter", "iov_weight": 80, "vmq_weight": 10},
                        {"management_os": True, "name": "sriov", "vmq_weight": 70}]}}),
}


class Faulty:
    """An in-process runner that faults the ``step``-th write command (0-based, counted over the
    run's write pipelines) and, with ``persistent``, every later command equal to it in this run."""

    def __init__(self, host, step: int, mode: str, persistent: bool) -> None:
        self.inner = InProcessRunner(host)
        self.step, self.mode, self.persistent = step, mode, persistent
        self.seen = 0
        self.target = None
        self.dropped = False
        self.writes: list = []

    @property
    def closed(self):
        return self.inner.closed

    def close(self):
        self.inner.close()

    def _hit(self, command) -> bool:
        if command.parameters.get("ErrorAction") != "Stop":
            return False
        self.writes.append(command)
        index, self.seen = self.seen, self.seen + 1
        if index == self.step and self.target is None:
            self.target = command
            return True
        return self.persistent and self.mode == "fail" and command == self.target

    def run(self, statements):
        if self.dropped:
            raise HostUnreachableError("Failed to reach host 'HV1': the connection was reset.")
        output, errors = [], []
        for statement in statements:
            hit = any(self._hit(command) for command in statement)
            if hit and self.mode == "fail":
                return RunResult(output, errors, ErrorRecordData(
                    message="Injected failure of %s." % statement[0].name, category="NotSpecified",
                    fqid="Injected", command=statement[0].name))
            if hit and self.mode == "drop-before":
                self.dropped = True
                raise HostUnreachableError("Failed to reach host 'HV1': the connection was reset.")
            result = self.inner.run([statement])
            if hit:  # drop-after: the step is made, its answer is lost with the connection
                self.dropped = True
                raise HostUnreachableError("Failed to reach host 'HV1': the connection was reset.")
            output += result.output
            errors += result.errors
            if result.terminating_error is not None:
                return RunResult(output, errors, result.terminating_error)
        return RunResult(output, errors, None)


def expire_leases(host):
    """The host as it is once every recreate record's lease ran out (LEASE_SECONDS later)."""
    for switch in host.switches:
        if switch.notes.startswith(PARKING_MARKER):
            record = json.loads(switch.notes[len(PARKING_MARKER):])
            switch.notes = PARKING_MARKER + json.dumps(dict(record, expires=0), sort_keys=True)


def _adapters(state):
    """Every adapter as (owner, name, MAC) -> (switch name, settings): what must never be lost."""
    switch_names = {sw["id"]: sw["name"] for sw in state["switches"]}
    found = {}
    for vm in state["vms"]:
        for adapter in vm["adapters"]:
            found[(vm["name"], adapter["name"], adapter["mac_address"])] = (
                switch_names.get(adapter.get("switch_id")), adapter["settings"])
    for vnic in state["management_adapters"]:
        found[("host", vnic["name"])] = (switch_names.get(vnic.get("switch_id")), vnic["settings"])
    return found


def _config(state):
    """What a run may change, without the emulator's bookkeeping (request counters, VF order)."""
    view = {key: value for key, value in state.items() if key not in ("counters",)}
    for vm in view["vms"]:
        for adapter in vm["adapters"]:
            for key in ("vf", "vf_seq", "no_vf_reason"):
                adapter.pop(key, None)
    return view


def _without_web01(config):
    return dict(config, vm_adapters=[item for item in config["vm_adapters"] if item.get("vm_name") != "web01"])


def _sorted(config):
    return {section: sorted(items, key=json.dumps) for section, items in config.items()}


def _count_writes(run, name):
    host_factory, args = SCENARIOS[name]
    host = host_factory()
    recorder = Faulty(host, step=-1, mode="fail", persistent=False)
    run.host = host
    original = _connection.connect
    _connection.connect = lambda params: recorder
    try:
        result = run(host_config, **args)
    finally:
        _connection.connect = original
    assert result["changed"] is True and not result.get("failed"), result
    return len(recorder.writes)


CASES = []
for _name, _steps in (("recreate", 10), ("converge", 5)):
    for _step in range(_steps):
        for _mode, _persistent in (("fail", False), ("fail", True), ("drop-before", False), ("drop-after", False)):
            CASES.append(pytest.param(_name, _step, _mode, _persistent,
                                      id="%s-step%d-%s%s" % (_name, _step, _mode, "-persistent" if _persistent else "")))


def test_the_matrix_covers_every_write_step(run):
    # The step counts above are the scenarios' real write counts: a new write step joins the matrix.
    assert _count_writes(run, "recreate") == 10
    assert _count_writes(run, "converge") == 5


@pytest.mark.parametrize("name, step, mode, persistent", CASES)
def test_fault_at_every_write_step(run, monkeypatch, name, step, mode, persistent):
    host_factory, args = SCENARIOS[name]
    host = host_factory()
    run.host = host
    before = run.state()
    desired = run(host_config, check=True, **args)["after"]

    faulty = Faulty(host, step, mode, persistent)
    monkeypatch.setattr(_connection, "connect", lambda params: faulty)
    faulted = run(host_config, **args)
    assert faulted["failed"] is True, faulted
    assert faulty.target is not None
    check_after_fault(before, desired, faulted, run.state())

    # An unfaulted rerun converges without losing anything, and a third run changes nothing.
    monkeypatch.setattr(_connection, "connect", run.connect)
    check_reruns(run, name, args, before, desired, faulted)


def check_after_fault(before, desired, faulted, after_fault):
    """After a faulted run: nothing lost, every setting as before, as desired or parked with a
    record, and a result that tells the truth."""
    before_adapters = _adapters(before)
    now = _adapters(after_fault)
    # Nothing lost: every adapter and host vNIC is still there (VM adapters by MAC).
    parked = [sw["name"] for sw in after_fault["switches"] if sw["name"].startswith(PARKING)]
    error = faulted.get("error") or {}
    for key, (switch, settings) in before_adapters.items():
        assert key in now or (key[0] == "host" and parked), ("lost", key, faulted.get("msg"))
        if key not in now:
            continue
        now_switch, now_settings = now[key]
        assert now_switch is not None, ("disconnected", key)
        # As before, as desired, or waiting on the parking switch that records it.
        assert now_switch == switch or now_switch in parked or now_switch in (
            item.get("switch_name") for item in desired["vm_adapters"]), (key, now_switch)
        for option in ADAPTER_KEYS:
            if option in settings and option in now_settings and now_settings[option] != settings[option]:
                assert parked or error.get("applied") or error.get("state_unknown") or not faulted.get("failed"), (
                    key, option, settings[option], now_settings[option])

    # The result tells the truth.
    if error.get("state_unknown"):
        assert "unknown" in faulted["msg"]
        for name in parked:
            # Which adapters may wait where, and the exact task that finishes the job.
            assert name in faulted["msg"] and "sriov.hyperv.host_config: {state: merged" in faulted["msg"], (
                faulted["msg"])
    else:
        assert faulted["changed"] is (_config(after_fault) != _config(before)), (
            faulted["changed"], faulted.get("msg"), _config(after_fault), _config(before))
        if parked:
            assert parked[0] in faulted["msg"]


def check_reruns(run, name, args, before, desired, faulted):
    """An unfaulted rerun converges without losing anything, and a third run changes nothing."""
    before_adapters = _adapters(before)
    after_fault = run.state()
    parked = [sw["name"] for sw in after_fault["switches"] if sw["name"].startswith(PARKING)]
    error = faulted.get("error") or {}
    if parked and not error.get("released"):
        # The run could not give its record up (the host was gone for the rest of it): until its
        # lease runs out, another run takes it for a run still at work and writes nothing.
        waiting = run(host_config, **args)
        assert waiting["failed"] is True and "is being recreated by another run" in waiting["msg"], waiting["msg"]
        assert _config(run.state()) == _config(after_fault)
        expire_leases(run.host)
    rerun = run(host_config, **args)
    assert not rerun.get("failed"), rerun["msg"]
    final = run.state()
    assert not [sw for sw in final["switches"] if sw["name"].startswith(PARKING)]
    final_adapters = _adapters(final)
    for key, (switch, settings) in before_adapters.items():
        if key[0] == "host":
            assert key in final_adapters, ("vNIC lost", key)
            # A re-added vNIC has every recorded setting back.
            for option, value in VNIC_SETTINGS.items():
                if name == "recreate" and key == ("host", "sriov"):
                    assert final_adapters[key][1][option] == value, (key, option)
        else:
            assert key in final_adapters, ("adapter lost", key)
    if name == "converge":
        # web01's two same-named adapters aside (identity by MAC is another matter), as predicted.
        assert _sorted(_without_web01(rerun["after"])) == _sorted(_without_web01(desired))
    third = run(host_config, **args)
    assert third["changed"] is False, third["commands"]
