"""``serve --latency-profile``: the profiles parse, bad ones are refused with the fix, and a served
host adds each cost where a real host pays it (counted through the sleeps, never timed)."""

from __future__ import annotations

import pytest
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

from hyperv_sriov_emulator import engine, latency
from hyperv_sriov_emulator.cli import main
from hyperv_sriov_emulator.model import HostState
from hyperv_sriov_emulator.server import Engine, EmulatorServer, ServeOptions
from hyperv_sriov_emulator.server.client import wsman_kwargs


def test_shipped_and_custom_profiles():
    assert latency.parse_profile("wan").request_ms == 30
    assert latency.parse_profile("lan").request_ms == 1
    custom = latency.parse_profile(" request_ms=20, object_ms=0.25 ")
    assert (custom.request_ms, custom.open_ms, custom.object_ms) == (20, 0, 0.25)


@pytest.mark.parametrize("text, named", [
    ("fast", "profile name"), ("request_ms", "key=value"), ("delay_ms=3", "key=value"),
    ("open_ms=soon", "open_ms must be a number"), ("object_ms=-1", "0 or more"), (",", "empty"),
])
def test_bad_profiles_name_the_fix(text, named):
    with pytest.raises(ValueError, match=named):
        latency.parse_profile(text)


def test_the_cli_refuses_a_bad_profile_before_serving(tmp_path, capsys):
    code = main(["serve", "--scenario", "capable", "--ready-file", str(tmp_path / "ready.json"),
                 "--latency-profile", "request_ms=x"])
    assert code == 2
    assert "request_ms must be a number" in capsys.readouterr().err
    assert not (tmp_path / "ready.json").exists()


def test_each_cost_lands_where_a_real_host_pays_it(tmp_path, monkeypatch):
    slept = []
    monkeypatch.setattr(latency.time, "sleep", slept.append)
    profile = latency.LatencyProfile(request_ms=7, open_ms=300, object_ms=2)
    server = EmulatorServer([HostState("hv-a")], ServeOptions(work_dir=str(tmp_path), latency=profile),
                            Engine(engine.invoke, engine.CommandSpec, lambda host: host.to_dict()))
    ready = server.start()
    try:
        with WSMan(**wsman_kwargs(ready["hosts"][0])) as wsman, RunspacePool(wsman) as pool:
            opened = list(slept)
            ps = PowerShell(pool)
            ps.add_cmdlet("Get-VMHost").add_statement().add_cmdlet("Get-VM")
            output = ps.invoke()
    finally:
        server.stop()
    # Opening: the Create pays the pool start, and every request its round trip.
    assert opened.count(0.3) == 1 and opened.count(0.007) >= 1
    # The read: one object (the VMHost; the host has no VMs), 2 ms each.
    assert len(output) == 1 and slept.count(0.002) == 1
    assert slept.count(0.3) == 1
