"""Saving and loading host state: a round trip loses nothing, writes are atomic."""

import json
import os

import pytest
from emulator_helpers import SWITCH, cmd, ok, plain

from hyperv_sriov_emulator.persistence import load_state, save_state
from hyperv_sriov_emulator.scenario import load_scenario, shipped_scenarios

READ_ALL = [cmd("Get-VMHost"), cmd("Get-VM"), cmd("Get-VMSwitch"), cmd("Get-VMNetworkAdapter", All=SWITCH),
            cmd("Get-NetAdapter"), cmd("Get-NetAdapterSriov"), cmd("Get-NetAdapterSriovVf"),
            cmd("Get-NetAdapterAdvancedProperty", AllProperties=SWITCH)]


def _read(host):
    return [(o.type_names, plain(o)) for o in ok(host, *READ_ALL)]


@pytest.mark.parametrize("name", shipped_scenarios())
def test_round_trip_is_identical(tmp_path, name):
    hosts = load_scenario(name)
    host = hosts[0]
    # leave some state that only the model knows: a pending NIC change and a reshuffled VF pool
    first_nic = next(iter(host.nics.values())).name
    ok(host, cmd("Set-NetAdapterSriov", first_nic, NumVFs=1, NoRestart=SWITCH, ErrorAction="SilentlyContinue"))
    path = tmp_path / "state.json"
    save_state(path, hosts)
    loaded = load_state(path)
    assert [h.to_dict() for h in loaded] == [h.to_dict() for h in hosts]
    assert _read(loaded[0]) == _read(host)
    # the allocation recomputed on the loaded state is the saved one
    before = [a.vf for vm in loaded[0].vms for a in vm.adapters]
    loaded[0].reallocate()
    assert [a.vf for vm in loaded[0].vms for a in vm.adapters] == before


def test_state_survives_changes_and_reload(tmp_path, shortage):
    ok(shortage, cmd("Stop-VM", "gold1"), cmd("Start-VM", "gold1"))
    path = tmp_path / "s.json"
    save_state(path, [shortage])
    [loaded] = load_state(path)
    holders = sorted(plain(o)["VmFriendlyName"] for o in ok(loaded, cmd("Get-NetAdapterSriovVf")))
    assert holders == ["gold1", "gold2", "silver1", "silver2"]
    # tie-break order (when each adapter asked) survived: silver3 is still behind silver2
    ok(loaded, cmd("Stop-VM", "silver1"))
    assert "silver2" in [plain(o)["VmFriendlyName"] for o in ok(loaded, cmd("Get-NetAdapterSriovVf"))]


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path, capable):
    path = tmp_path / "state.json"
    save_state(path, [capable])
    original = path.read_text(encoding="utf-8")

    class Boom:
        name = "x"
        lock = capable.lock

        def to_dict(self):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        save_state(path, [capable, Boom()])
    assert path.read_text(encoding="utf-8") == original
    assert os.listdir(tmp_path) == ["state.json"]
    assert "bürohaus-app" in original  # non-ASCII text is kept as text
    assert json.loads(original)["format"] == 1


@pytest.mark.parametrize("broken", ["replace", "dump"])
def test_a_failure_after_the_temp_file_exists_keeps_the_old_file(tmp_path, capable, monkeypatch, broken):
    # The temp file is created, (partly) written, then the write or the rename fails: the old
    # file must be intact and the temp file gone.
    from hyperv_sriov_emulator import jsonfile

    path = tmp_path / "state.json"
    save_state(path, [capable])
    original = path.read_text(encoding="utf-8")
    ok(capable, cmd("New-VMSwitch", "after-save", SwitchType="Private"))
    seen = []

    def fail_replace(source, target):
        seen.append(sorted(os.listdir(tmp_path)))
        raise OSError("rename failed")

    def fail_dump(document, handle, **kwargs):
        handle.write('{"format": 1, "hosts": [')
        handle.flush()
        seen.append(sorted(os.listdir(tmp_path)))
        raise OSError("disk full")

    if broken == "replace":
        monkeypatch.setattr(jsonfile.os, "replace", fail_replace)
    else:
        monkeypatch.setattr(jsonfile.json, "dump", fail_dump)
    with pytest.raises(OSError):
        save_state(path, [capable])
    monkeypatch.undo()
    assert len(seen) == 1 and len(seen[0]) == 2  # the failure came with the temp file in place
    assert path.read_text(encoding="utf-8") == original
    assert os.listdir(tmp_path) == ["state.json"]


def test_load_rejects_foreign_files(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(ValueError, match="not an emulator state file"):
        load_state(path)


def test_state_and_ready_files_are_owner_only(tmp_path, capable):
    from hyperv_sriov_emulator.server import write_private_json

    save_state(tmp_path / "state.json", [capable])
    write_private_json(str(tmp_path / "ready.json"), {"password": "secret"})
    assert oct(os.stat(tmp_path / "state.json").st_mode & 0o777) == oct(0o600)
    assert oct(os.stat(tmp_path / "ready.json").st_mode & 0o777) == oct(0o600)
    assert json.loads((tmp_path / "ready.json").read_text(encoding="utf-8")) == {"password": "secret"}
