# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drive a module's main() against an emulated host in process.

The modules are run exactly as Ansible runs them (module args through ``patch_module_args``,
the result read from stdout); only the connection factory is replaced, by one that hands out an
in-process runner bound to a fresh copy of a shipped emulator scenario.

Every run is made twice, from the same host state: once as a module process runs it (``main()``,
AnsibleModule) and once as the action plugin runs it (``run_in_process``). The two results and
the two hosts afterwards must be the same, so every test here holds for both paths.
"""

from __future__ import annotations

import copy
import json
import os
import re
import typing as t

import pytest

from ansible.module_utils import _internal
from ansible.module_utils.common import warnings as _warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sriov.hyperv.plugins.module_utils.edge import _module
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
        self._twin: t.Any = None
        self._twin_runners: list[t.Any] = []

    def connect(self, params: t.Mapping[str, t.Any]) -> t.Any:
        if self._twin is not None:
            runner = InProcessRunner(self._twin)
            self._twin_runners.append(runner)
            return runner
        self.connections.append(dict(params))
        runner = InProcessRunner(self.host)
        self.runners.append(runner)
        return runner

    def _in_process(self, module: t.Any, args: dict[str, t.Any], twin: t.Any) -> dict[str, t.Any]:
        """The same run as the action plugin makes it, on ``twin`` (the host as it was before)."""
        name = module.__name__.rsplit(".", 1)[-1]
        plain = {key: value for key, value in args.items() if not key.startswith("_ansible_")}
        self._twin, self._twin_runners = twin, []
        try:
            result = _module.run_in_process(_module.DEFINITIONS[name], "sriov.hyperv." + name, plain,
                                            check_mode=args["_ansible_check_mode"], diff=args["_ansible_diff"])
        finally:
            self._twin = None
        assert all(runner.closed for runner in self._twin_runners)
        return result

    def __call__(self, module: t.Any, check: bool = False, diff: bool = False, **args: t.Any) -> dict[str, t.Any]:
        """Run ``module.main()`` once; the result dict (``failed`` set when it failed)."""
        args = dict(args)
        args.setdefault("hostname", "hv-capable.example")
        args.setdefault("username", "emulator-admin")
        args.setdefault("password", PASSWORD)
        args["_ansible_check_mode"] = check
        args["_ansible_diff"] = diff
        self.capsys.readouterr()
        # The twin run needs the host as it is now and this runner's connect: a test that wires its
        # own connection (a fault injected once) is run once, as a module process.
        twin = None
        if _connection.connect == self.connect and os.environ.get("SRIOV_HYPERV_UNIT_ONE_PATH") != "1":  # pylint: disable=comparison-with-callable
            twin = type(self.host).from_dict(self.host.to_dict())
        # A module process starts with no warnings or deprecations; in one test process Ansible's
        # module-level lists would carry an earlier run's into this run's result.
        _warnings._global_warnings.clear()  # pylint: disable=protected-access
        _warnings._global_deprecations.clear()  # pylint: disable=protected-access
        # Nor does it hold Ansible's controller code, which another test in this process may have
        # imported: with it, AnsibleModule.warn() shows a warning instead of returning it.
        controller, _internal.is_controller = _internal.is_controller, False
        try:
            with patch_module_args(args), pytest.raises(SystemExit) as exited:
                module.main()
        finally:
            _internal.is_controller = controller
        out = self.capsys.readouterr().out
        # The password is never echoed, whatever happened.
        assert PASSWORD not in out
        result = json.loads(out)
        assert (exited.value.code != 0) == bool(result.get("failed")), result
        assert all(runner.closed for runner in self.runners)
        if twin is not None:
            in_process = self._in_process(module, args, twin)
            assert PASSWORD not in json.dumps(in_process, ensure_ascii=False)
            assert _comparable(in_process) == _comparable(result)
            assert twin.to_dict() == self.host.to_dict()
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


def _comparable(result: dict[str, t.Any]) -> dict[str, t.Any]:
    """A result without what differs by path only: the traceback of a defect, run ids and times of
    a recreate, and the form of a warning (a module process writes Ansible's WarningSummary, the action plugin the text
    that Ansible turns into one)."""
    result = dict(result)
    if "warnings" in result:
        result["warnings"] = [w["event"]["msg"] if isinstance(w, dict) else w for w in result["warnings"]]
    # AnsibleModule writes a traceback only when the controller asked for tracebacks; the action
    # plugin hands it to Ansible, which shows it on the same condition.
    result.pop("exception", None)
    # A recreate names its parking switch after its own run id, and its record holds its start time.
    text = re.sub(r"#[0-9a-f]{12}\b", "#<run id>", json.dumps(result, sort_keys=True))
    text = re.sub(r"(\\\"(?:started|expires)\\\": )[0-9.]+", r"\1<time>", text)
    return json.loads(re.sub(r"(\\\"run\\\": \\\")[0-9a-f]{12}", r"\1<run id>", text))


@pytest.fixture
def host() -> t.Any:
    return load_scenario("capable")[0]


@pytest.fixture
def run(host: t.Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> ModuleRunner:
    runner = ModuleRunner(host, capsys)
    monkeypatch.setattr(_connection, "connect", runner.connect)
    return runner
