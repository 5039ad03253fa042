# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Emulated hosts for the host-layer tests: the emulator's in-process runner, plus wrappers that
count round trips or fail / drop the connection at a chosen command."""

from __future__ import annotations

import pathlib
import sys
import typing as t

import pytest
# What Ansible raises inside the worker when a task's ``timeout`` runs out (a BaseException, so
# that no ``except Exception`` of the code it interrupts takes it).
from ansible._internal._errors._task_timeout import TaskTimeoutError

from ansible_collections.sriov.hyperv.plugins.module_utils.transport._errors import HostUnreachableError
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import (
    Command,
    ErrorRecordData,
    RunResult,
)


def _find_emulator() -> None:
    """Make the emulator importable when it is not installed: it ships beside the collection, and
    ansible-test runs a copy of the collection made inside the repository (.cache/...)."""
    try:
        import hyperv_sriov_emulator  # noqa: F401
        return
    except ImportError:
        pass
    for parent in pathlib.Path(__file__).resolve().parents:
        if (parent / "hyperv_sriov_emulator" / "__init__.py").is_file():
            sys.path.append(str(parent))
            return


_find_emulator()
emulator = pytest.importorskip("hyperv_sriov_emulator", reason="the emulator package is not importable here")
from hyperv_sriov_emulator.model import HostState  # noqa: E402
from hyperv_sriov_emulator.model import operations as ops  # noqa: E402

from hyperv_sriov_emulator.inprocess import InProcessRunner  # noqa: E402


def runner_for(host: HostState) -> InProcessRunner:
    return InProcessRunner(host)


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
    would (``fail``), drops the connection (``drop``) or is stopped by Ansible's task ``timeout``
    (``timeout``: the exception Ansible raises in the worker running the module in process), the
    statements after it not run; or it silently does not run that statement and goes on
    (``skip``), like a host whose command had no effect."""

    def __init__(self, inner, match: t.Callable[[Command], bool], mode: str = "fail", once: bool = True) -> None:
        super().__init__(inner)
        self.match = match
        self.mode = mode
        self.once = once
        self.fired = False

    def run(self, statements):
        self.calls.append([list(statement) for statement in statements])
        if (self.fired and self.once) or not any(self.match(command) for statement in statements for command in statement):
            return self.inner.run(statements)
        output, errors = [], []
        for statement in statements:
            if any(self.match(command) for command in statement):
                self.fired = True
                if self.mode == "skip":
                    continue
                if self.mode == "drop":
                    raise HostUnreachableError("Failed to reach host 'HV1': the connection was reset.")
                if self.mode == "timeout":
                    raise TaskTimeoutError(5)
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
