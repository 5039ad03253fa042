"""Every fault kind, armed through the CLI and observed with the real client.

Each test takes a fresh emulator: faults are per host and must not leak into other tests."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests
from pypsrp.complex_objects import PSInvocationState
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan


@pytest.fixture
def ready(emulator_factory):
    return emulator_factory(fresh=True)


def _arm(ready, *args):
    result = ready.cli("fault", "--host", ready.host()["name"], *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _switch_names(ready):
    result = ready.cli("state", "--host", ready.host()["name"])
    assert result.returncode == 0, result.stderr
    return {switch["name"] for switch in json.loads(result.stdout)["switches"]}


def _new_switch(ps, name, stop=False):
    ps.add_cmdlet("New-VMSwitch").add_parameter("Name", name).add_parameter("SwitchType", "Internal")
    if stop:
        ps.add_parameter("ErrorAction", "Stop")
    return ps


def _two_switches_cut_off(ready, before, after):
    """Create switch BEFORE then AFTER in one pipeline whose connection the armed fault drops;
    the switch names the host has afterwards."""
    with WSMan(**ready.wsman_kwargs()) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        _new_switch(ps, before).add_statement()
        _new_switch(ps, after)
        with pytest.raises(requests.exceptions.ConnectionError):
            ps.invoke()
    return _switch_names(ready)


def test_non_terminating_cmdlet_fault_writes_an_error_and_the_pipeline_goes_on(ready):
    armed = _arm(ready, "--cmdlet", "New-VMSwitch", "--message", "Not enough VMQ resources",
                 "--category", "ResourceUnavailable")
    assert armed["faults"][0]["cmdlet"] == "New-VMSwitch"
    first, second = "f-%s" % uuid.uuid4().hex[:6], "s-%s" % uuid.uuid4().hex[:6]
    with WSMan(**ready.wsman_kwargs()) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        _new_switch(ps, first).add_statement()
        _new_switch(ps, second)
        output = ps.invoke()
    assert ps.state == PSInvocationState.COMPLETED and not ps.had_errors
    assert [obj.adapted_properties["Name"] for obj in output] == [second]
    (error,) = ps.streams.error
    assert str(error) == "Not enough VMQ resources"
    assert error.category == 21  # ResourceUnavailable
    assert error.fq_error == "InjectedFault,Microsoft.HyperV.PowerShell.Commands.NewVMSwitch"
    assert error.command_name == "New-VMSwitch"
    names = _switch_names(ready)
    assert second in names and first not in names


def test_cmdlet_fault_with_error_action_stop_fails_the_pipeline(ready):
    _arm(ready, "--cmdlet", "New-VMSwitch", "--count", "2")
    with WSMan(**ready.wsman_kwargs()) as wsman, RunspacePool(wsman) as pool:
        for dummy in range(2):
            ps = _new_switch(PowerShell(pool), "x-%s" % uuid.uuid4().hex[:6], stop=True)
            ps.invoke()
            assert ps.had_errors and ps.state == PSInvocationState.FAILED
        ps = _new_switch(PowerShell(pool), "ok-%s" % uuid.uuid4().hex[:6], stop=True)
        assert len(ps.invoke()) == 1 and not ps.had_errors
    listed = json.loads(ready.cli("fault", "--host", ready.host()["name"], "--list").stdout)
    assert listed["faults"] == []
    assert listed["fired"] == ["cmdlet:New-VMSwitch", "cmdlet:New-VMSwitch"]


def test_cmdlet_fault_meets_the_module_qualified_name_and_an_abbreviated_error_action(ready):
    # The fault is matched on the cmdlet the engine resolves, and -ErrorAct 1 binds as Stop, as
    # PowerShell's binder would; a fault keyed on the spelling would let both slip past.
    _arm(ready, "--cmdlet", "New-VMSwitch")
    name = "q-%s" % uuid.uuid4().hex[:6]
    with WSMan(**ready.wsman_kwargs()) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Hyper-V\\New-VMSwitch").add_parameter("Name", name).add_parameter("SwitchType", "Internal")
        ps.add_parameter("ErrorAct", 1)
        ps.invoke()
        assert ps.had_errors and ps.state == PSInvocationState.FAILED
    listed = json.loads(ready.cli("fault", "--host", ready.host()["name"], "--list").stdout)
    assert listed["fired"] == ["cmdlet:New-VMSwitch"]
    assert name not in _switch_names(ready)


def test_terminating_cmdlet_fault_fails_whatever_error_action_says(ready):
    _arm(ready, "--cmdlet", "Get-VMSwitch", "--terminating")
    with WSMan(**ready.wsman_kwargs()) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMSwitch").add_parameter("ErrorAction", "SilentlyContinue")
        assert ps.invoke() == []
        assert ps.had_errors and ps.state == PSInvocationState.FAILED
        assert ps.streams.error[-1].fq_error.startswith("InjectedFault,")


def test_drop_at_request_closes_the_connection_without_an_answer(ready):
    with WSMan(**ready.wsman_kwargs()) as wsman, RunspacePool(wsman) as pool:
        _arm(ready, "--drop-at-request", "1")
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMHost")
        with pytest.raises(requests.exceptions.ConnectionError):
            ps.invoke()
    # One request only: a new client works again.
    with WSMan(**ready.wsman_kwargs()) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMHost")
        assert len(ps.invoke()) == 1


def test_drop_on_cmdlet_happens_after_the_write_and_stops_the_rest(ready):
    before, after = "b-%s" % uuid.uuid4().hex[:6], "a-%s" % uuid.uuid4().hex[:6]
    _arm(ready, "--drop-on-cmdlet", "New-VMSwitch")
    names = _two_switches_cut_off(ready, before, after)
    assert before in names
    assert after not in names


def test_drop_on_cmdlet_runs_on_finishes_the_pipeline_and_only_the_answer_is_lost(ready):
    # A real host keeps running a pipeline whose client went away: every statement runs.
    before, after = "b-%s" % uuid.uuid4().hex[:6], "a-%s" % uuid.uuid4().hex[:6]
    armed = _arm(ready, "--drop-on-cmdlet", "New-VMSwitch", "--runs-on")
    assert armed["faults"] == [{"kind": "drop-on-cmdlet", "cmdlet": "New-VMSwitch", "runs_on": True}]
    names = _two_switches_cut_off(ready, before, after)
    assert before in names and after in names


def test_runs_on_goes_with_drop_on_cmdlet_only(ready):
    refused = ready.cli("fault", "--host", ready.host()["name"], "--drop-at-request", "2", "--runs-on")
    assert refused.returncode == 2 and "--runs-on goes with --drop-on-cmdlet" in refused.stderr


def test_delay_slows_answers_for_count_requests(ready):
    with WSMan(**ready.wsman_kwargs()) as wsman, RunspacePool(wsman) as pool:
        _arm(ready, "--delay-ms", "400", "--count", "2")
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMHost")
        started = time.monotonic()
        ps.invoke()  # Command + Receive: two requests, both delayed
        slow = time.monotonic() - started
        again = PowerShell(pool)
        again.add_cmdlet("Get-VMHost")
        started = time.monotonic()
        again.invoke()
        fast = time.monotonic() - started
    # Compared with each other, not with a clock budget: only the first two requests waited.
    assert slow >= 0.8
    assert slow - fast >= 0.6


def test_clear_disarms_everything(ready):
    _arm(ready, "--cmdlet", "Get-VMHost", "--terminating")
    _arm(ready, "--drop-at-request", "5")
    _arm(ready, "--delay-ms", "1000")
    assert len(_arm(ready, "--list")["faults"]) == 3
    assert _arm(ready, "--clear")["faults"] == []
    with WSMan(**ready.wsman_kwargs()) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMHost")
        started = time.monotonic()
        assert len(ps.invoke()) == 1 and not ps.had_errors
        # The cleared 1000 ms delay would hold Command and Receive for at least 2 s together.
        assert time.monotonic() - started < 2.0
