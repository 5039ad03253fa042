# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Emulated hosts and runners for the host-layer tests: the emulator's real cmdlet layer, in
process, plus wrappers that fail or drop the connection at a chosen command."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.sriov.hyperv.plugins.module_utils._errors import HostUnreachableError
from ansible_collections.sriov.hyperv.plugins.module_utils._runner import (
    Command,
    ErrorRecordData,
    PSObjectData,
    RunResult,
)

# The emulator ships beside the collection, not inside it (ansible-test copies the collection only).
emulator = pytest.importorskip("hyperv_sriov_emulator", reason="the emulator package is not importable here")
from hyperv_sriov_emulator import engine  # noqa: E402
from hyperv_sriov_emulator.model import HostState  # noqa: E402
from hyperv_sriov_emulator.model import operations as ops  # noqa: E402
from hyperv_sriov_emulator.psobj import to_plain  # noqa: E402

try:
    from hyperv_sriov_emulator.inprocess import InProcessRunner
except ImportError:  # the emulator's own runner landed later than these tests
    InProcessRunner = None


def _record(error: t.Any) -> ErrorRecordData | None:
    if error is None:
        return None
    return ErrorRecordData(message=error.message, category=error.category, fqid=error.fqid,
                           target=to_plain(error.target), command=error.command, exception_type=error.exception_type)


class EngineRunner:
    """The Runner contract over ``engine.invoke`` (what the emulator's InProcessRunner does)."""

    def __init__(self, host: HostState) -> None:
        self.host = host

    def run(self, statements: t.Sequence[t.Sequence[Command]]) -> RunResult:
        specs = [[engine.CommandSpec(command.name, list(command.parameters.items())) for command in statement]
                 for statement in statements]
        result = engine.invoke(self.host, specs)
        output = [PSObjectData(list(obj.type_names), {name: to_plain(value) for name, value in obj.properties},
                               obj.to_string) for obj in result.output]
        return RunResult(output, [_record(error) for error in result.errors], _record(result.terminating))

    def close(self) -> None:
        pass


def runner_for(host: HostState):
    return InProcessRunner(host) if InProcessRunner is not None else EngineRunner(host)


class CountingRunner:
    def __init__(self, inner) -> None:
        self.inner = inner
        self.calls: list[list[list[Command]]] = []

    def run(self, statements):
        self.calls.append([list(statement) for statement in statements])
        return self.inner.run(statements)

    def close(self) -> None:
        self.inner.close()


class FailAt(CountingRunner):
    """Runs statements one by one; at the first command matching ``match`` it fails like the host
    would (``fail``) or drops the connection (``drop``), the statements after it not run."""

    def __init__(self, inner, match: t.Callable[[Command], bool], mode: str = "fail") -> None:
        super().__init__(inner)
        self.match = match
        self.mode = mode
        self.fired = False

    def run(self, statements):
        self.calls.append([list(statement) for statement in statements])
        if self.fired or not any(self.match(command) for statement in statements for command in statement):
            return self.inner.run(statements)
        output, errors = [], []
        for statement in statements:
            if any(self.match(command) for command in statement):
                self.fired = True
                if self.mode == "drop":
                    raise HostUnreachableError("Failed to reach host 'HV1': the connection was reset.")
                return RunResult(output, errors, ErrorRecordData(
                    message="Injected failure of %s." % statement[0].name, category="NotSpecified",
                    fqid="Injected,Microsoft.HyperV.PowerShell.Commands.NewVMSwitch", command=statement[0].name))
            result = self.inner.run([statement])
            output += result.output
            errors += result.errors
            if result.terminating_error is not None:
                return RunResult(output, errors, result.terminating_error)
        return RunResult(output, errors, None)


def make_host(version: str = "2022", running: bool = True) -> HostState:
    """Two SR-IOV NICs and a plain one; an IOV switch with a host vNIC and two VMs on it; an internal switch."""
    host = HostState("HV1", version)
    ops.add_nic(host, "NIC1", "Contoso 25G Adapter #1")
    ops.add_nic(host, "NIC2", "Contoso 25G Adapter #2")
    ops.add_nic(host, "NIC3", "Plain 1G Adapter", sriov_support=None)
    sriov = ops.create_switch(host, "sriov", nic_names=["NIC1"], iov_enabled=True)
    ops.create_switch(host, "int", internal=True)
    for name in ("web01", "db01"):
        vm = ops.add_vm(host, name, state="Running" if running else "Off")
        ops.add_vm_adapter(host, vm, sw=sriov)
    host.vms[0].adapters[0].settings["IovWeight"] = 50
    host.management_adapters[0].settings["VMQWeight"] = 40
    host.reallocate()
    return host
