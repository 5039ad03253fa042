# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix over the wire: host_config against an emulated host over real sockets, with
the emulator's own faults (the ones ``hyperv-sriov-emulator fault`` arms, sent to the same control
endpoint) at every request of a switch recreate and of an ordinary converge, reads included.

Faults: the connection dropped at each WSMan request (``--drop-at-request N``); the connection
dropped while a write cmdlet runs, the pipeline going on to its end unheard as a real host's does
(``--drop-on-cmdlet X --runs-on``); each write cmdlet failing at each of its occurrences, once
(``--cmdlet X --skip N``) or at every later call in that run (``--count``).

After each faulted run: no adapter or host vNIC lost, every setting and MAC as before, as desired
or parked with its record, and a result that tells the truth. Then an unfaulted rerun converges
and a third run changes nothing (``test_fault_matrix.check_reruns``). The module runs in this
process (as Ansible runs it: args in, JSON out) so that a case costs about a second, not a
playbook.
"""

from __future__ import annotations

import json
import typing as t

import pytest

from ansible_collections.sriov.hyperv.plugins.modules import host_config
from ansible_collections.sriov.hyperv.tests.unit.plugins.modules.conftest import ModuleRunner
from ansible_collections.sriov.hyperv.tests.unit.plugins.modules.test_fault_matrix import (
    SCENARIOS,
    check_after_fault,
    check_reruns,
)
from hyperv_sriov_emulator import engine
from hyperv_sriov_emulator.server.app import EmulatorServer, Engine, ServeOptions, write_private_json
from hyperv_sriov_emulator.server.client import call_control

WRITES = ("New-VMSwitch", "Remove-VMSwitch", "Set-VMSwitch", "Connect-VMNetworkAdapter", "Add-VMNetworkAdapter",
          "Set-VMNetworkAdapter", "Set-NetAdapterSriov", "Set-NetAdapterAdvancedProperty")
# What each scenario sends, measured by the test below that keeps these honest: WSMan requests of
# one unfaulted run (at most: the server batches a pipeline's answer when it is ready within 50 ms,
# so a run may need one Receive less), and how often it calls each write cmdlet.
REQUESTS = {"recreate": 18, "converge": 10}
# Reads fail too: every Get-VMSwitch of a run (each read of the host has one), once.
READS = {"recreate": 4, "converge": 2}
CALLS = {
    "recreate": {"New-VMSwitch": 2, "Connect-VMNetworkAdapter": 4, "Remove-VMSwitch": 2, "Add-VMNetworkAdapter": 1,
                 "Set-VMNetworkAdapter": 1},
    "converge": {"Set-NetAdapterSriov": 1, "New-VMSwitch": 1, "Set-VMSwitch": 1, "Set-VMNetworkAdapter": 2},
}


class WireHost:
    """One emulated host served in this process over HTTP (Basic), and the module driven at it."""

    def __init__(self, name: str, tmp_path: t.Any, capsys: pytest.CaptureFixture) -> None:
        host_factory, self.args = SCENARIOS[name]
        self.host = host_factory()
        self.server = EmulatorServer(
            [self.host],
            ServeOptions(tls=False, work_dir=str(tmp_path / "emulator"), username="emulator-admin", password="wire-Matrix-0ne"),
            Engine(engine.invoke, engine.CommandSpec, lambda host: host.to_dict()),
        )
        self.ready = self.server.start()
        self.entry = self.ready["hosts"][0]
        self.requests = 0
        faults = self.server.faults[self.host.name]
        take_request = faults.take_request

        def counted() -> tuple[bool, float]:
            self.requests += 1
            return take_request()

        faults.take_request = counted  # type: ignore[method-assign]
        self.run = ModuleRunner(self.host, capsys)
        self.connection = {"hostname": self.entry["hostname"], "port": self.entry["port"], "protocol": "http",
                           "auth": "basic", "message_encryption": "never", "username": self.entry["username"],
                           "password": self.entry["password"], "operation_timeout": 5, "read_timeout": 10}

    def module(self, check: bool = False) -> dict[str, t.Any]:
        return self.run(host_config, check=check, **dict(self.args, **self.connection))

    def fault(self, request: dict[str, t.Any]) -> None:
        # The request ``hyperv-sriov-emulator fault`` sends, to the same signed endpoint.
        call_control(self.ready, self.entry, "fault", request)

    def fired(self) -> list[str]:
        return list(call_control(self.ready, self.entry, "faults", {})["fired"])

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture
def wire(tmp_path: t.Any, capsys: pytest.CaptureFixture) -> t.Iterator[t.Callable[[str], WireHost]]:
    made: list[WireHost] = []

    def make(name: str) -> WireHost:
        made.append(WireHost(name, tmp_path / str(len(made)), capsys))
        return made[-1]

    yield make
    for host in made:
        host.stop()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_matrix_covers_every_request_and_write_call(wire, name):
    host = wire(name)
    before = host.requests
    # Lets 1000 calls through, fires never: what is left of the 1000 counts the run's reads.
    host.fault({"kind": "cmdlet", "cmdlet": "Get-VMSwitch", "skip": 1000})
    result = host.module()
    assert result["changed"] is True and not result.get("failed"), result
    assert REQUESTS[name] - 2 <= host.requests - before <= REQUESTS[name]
    calls: dict[str, int] = {}
    assert reads(host) == READS[name]
    for command in result["commands"]:
        cmdlet = command.split(" ", 1)[0]
        if cmdlet in WRITES:
            calls[cmdlet] = calls.get(cmdlet, 0) + 1
    assert calls == CALLS[name]


def reads(host: WireHost) -> int:
    armed = call_control(host.ready, host.entry, "faults", {})["faults"]
    return 1000 - next(fault["skip"] for fault in armed if fault.get("cmdlet") == "Get-VMSwitch")


def _cases() -> list[t.Any]:
    cases = []
    for name in sorted(SCENARIOS):
        for number in range(1, REQUESTS[name] + 1):
            cases.append(pytest.param(name, {"kind": "drop-at-request", "request": number},
                                      id="%s-drop-at-request-%d" % (name, number)))
        for skip in range(READS[name]):
            cases.append(pytest.param(name, {"kind": "cmdlet", "cmdlet": "Get-VMSwitch", "skip": skip},
                                      id="%s-Get-VMSwitch-%d" % (name, skip + 1)))
        for cmdlet, count in sorted(CALLS[name].items()):
            # As a real host does (the pipeline runs on unheard), and as when the session closed
            # right then (it stops after that statement).
            for runs_on in (True, False):
                cases.append(pytest.param(name, {"kind": "drop-on-cmdlet", "cmdlet": cmdlet, "runs_on": runs_on},
                                          id="%s-drop-on-%s%s" % (name, cmdlet, "-runs-on" if runs_on else "")))
            for skip in range(count):
                for persistent in (False, True):
                    cases.append(pytest.param(
                        name, {"kind": "cmdlet", "cmdlet": cmdlet, "skip": skip, "count": 100 if persistent else 1},
                        id="%s-%s-%d%s" % (name, cmdlet, skip + 1, "-persistent" if persistent else "")))
    return cases


@pytest.mark.parametrize("name, fault", _cases())
def test_fault_over_the_wire(wire, name, fault):
    host = wire(name)
    run = host.run
    before = run.state()
    desired = host.module(check=True)["after"]
    host.fault(fault)
    faulted = host.module()
    if not host.fired():
        # Only a drop past the run's last request (it took a Receive less this time) never fires.
        assert fault["kind"] == "drop-at-request" and fault["request"] >= REQUESTS[name] - 2, fault
        assert faulted["changed"] is True and not faulted.get("failed"), faulted
    elif not faulted.get("failed"):
        # A drop on the session's close leaves nothing undone: the run succeeds.
        assert faulted["changed"] is True
    check_after_fault(before, desired, faulted, run.state())
    host.fault({"kind": "clear"})
    # The reruns go over the wire too.
    check_reruns(_OverTheWire(host), name, host.args, before, desired, faulted)


class _OverTheWire:
    """What ``check_reruns`` needs of a runner (call a module, read the state, the host), with
    every module call going to ``host`` over the wire."""

    def __init__(self, host: WireHost) -> None:
        self.wire = host
        self.host = host.host

    def __call__(self, module: t.Any, check: bool = False, diff: bool = False, **args: t.Any) -> dict[str, t.Any]:
        return self.wire.run(module, check=check, diff=diff, **dict(args, **self.wire.connection))

    def state(self) -> dict[str, t.Any]:
        return self.wire.run.state()


def test_the_cli_arms_the_same_drop(wire, tmp_path, emulator_cli):
    # The matrix arms faults through the control endpoint; the CLI is a client of the same one.
    host = wire("converge")
    ready_file = str(tmp_path / "ready.json")
    write_private_json(ready_file, host.ready)
    done = emulator_cli("fault", "--ready-file", ready_file, "--host", host.host.name,
                        "--drop-on-cmdlet", "Set-VMNetworkAdapter", "--runs-on")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["faults"] == [
        {"kind": "drop-on-cmdlet", "cmdlet": "Set-VMNetworkAdapter", "runs_on": True}]
    faulted = host.module()
    assert faulted["failed"] is True
    # The pipeline ran on to its end: every write of the converge is on the host, although the
    # client never heard; the result says so from the host's own read-back.
    assert faulted["changed"] is True and faulted["error"]["not_applied"] == [], faulted["msg"]
    again = host.module()
    assert again["changed"] is False and not again.get("failed"), again
