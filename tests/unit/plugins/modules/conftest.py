# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drive a module's main() against an emulated host in process.

The modules are run exactly as Ansible runs them (module args through ``patch_module_args``,
the result read from stdout); only the connection factory is replaced, by one that hands out an
in-process runner bound to a fresh copy of a shipped emulator scenario.
"""

from __future__ import annotations

import copy
import json
import typing as t

import pytest

from ansible.module_utils.common import warnings as _warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _connection

from hyperv_sriov_emulator.inprocess import InProcessRunner
from hyperv_sriov_emulator.scenario import load_scenario

PASSWORD = "S3cret-pässword-for-tests"


class ModuleRunner:
    def __init__(self, host: t.Any, capsys: pytest.CaptureFixture) -> None:
        self.host = host
        self.capsys = capsys
        self.connections: list[dict[str, t.Any]] = []
        self.runners: list[t.Any] = []

    def connect(self, params: t.Mapping[str, t.Any]) -> t.Any:
        self.connections.append(dict(params))
        runner = InProcessRunner(self.host)
        self.runners.append(runner)
        return runner

    def __call__(self, module: t.Any, check: bool = False, diff: bool = False, **args: t.Any) -> dict[str, t.Any]:
        """Run ``module.main()`` once; the result dict (``failed`` set when it failed)."""
        args = dict(args)
        args.setdefault("hostname", "hv-capable.example")
        args.setdefault("username", "emulator-admin")
        args.setdefault("password", PASSWORD)
        args["_ansible_check_mode"] = check
        args["_ansible_diff"] = diff
        self.capsys.readouterr()
        # A module process starts with no warnings or deprecations; in one test process Ansible's
        # module-level lists would carry an earlier run's into this run's result.
        _warnings._global_warnings.clear()  # pylint: disable=protected-access
        _warnings._global_deprecations.clear()  # pylint: disable=protected-access
        with patch_module_args(args), pytest.raises(SystemExit) as exited:
            module.main()
        out = self.capsys.readouterr().out
        # The password is never echoed, whatever happened.
        assert PASSWORD not in out
        result = json.loads(out)
        assert (exited.value.code != 0) == bool(result.get("failed")), result
        assert all(runner.closed for runner in self.runners)
        return result

    def state(self) -> dict[str, t.Any]:
        return copy.deepcopy(self.host.to_dict())

    # Lookups in a state document (``state()``) by the names the scenario gives.
    @staticmethod
    def switch(state: dict[str, t.Any], name: str) -> dict[str, t.Any] | None:
        return next((sw for sw in state["switches"] if sw["name"] == name), None)

    @staticmethod
    def adapter(state: dict[str, t.Any], vm_name: str, adapter: str) -> dict[str, t.Any]:
        vm = next(vm for vm in state["vms"] if vm["name"] == vm_name)
        return next(a for a in vm["adapters"] if a["name"] == adapter)

    @staticmethod
    def nic(state: dict[str, t.Any], name: str) -> dict[str, t.Any]:
        return next(nic for nic in state["physical_adapters"] if nic["name"] == name)


@pytest.fixture
def host() -> t.Any:
    return load_scenario("capable")[0]


@pytest.fixture
def run(host: t.Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> ModuleRunner:
    runner = ModuleRunner(host, capsys)
    monkeypatch.setattr(_connection, "connect", runner.connect)
    return runner
