# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from ansible_collections.sriov.hyperv.plugins.modules import net_adapter_sriov


def test_change_is_pending_without_restart_and_converged_on_rerun(run):
    first = run(net_adapter_sriov, name="SLOT 2 Port 2", num_vfs=16)
    assert first["changed"] is True
    assert first["commands"] == ["Set-NetAdapterSriov -Name 'SLOT 2 Port 2' -NumVFs 16 -NoRestart"]
    assert first["restart_required"] is True
    assert first["restart_required_adapters"] == ["SLOT 2 Port 2"]
    assert (first["before"]["num_vfs"], first["after"]["num_vfs"]) == (8, 16)
    nic = run.nic(run.state(), "SLOT 2 Port 2")
    assert (nic["num_vfs_configured"], nic["num_vfs_effective"]) == (16, 8)

    second = run(net_adapter_sriov, name="SLOT 2 Port 2", num_vfs=16)
    assert (second["changed"], second["commands"]) == (False, [])
    # Still pending: the module never restarts on its own, and says so.
    assert second["restart_required"] is True
    assert second["restart_required_adapters"] == ["SLOT 2 Port 2"]


def test_restart_makes_the_change_effective(run):
    result = run(net_adapter_sriov, name="SLOT 2 Port 2", num_vfs=4, restart=True)
    assert result["changed"] is True
    assert result["restart_required"] is False
    assert result["restart_required_adapters"] == []
    assert all("-NoRestart" not in line for line in result["commands"])
    nic = run.nic(run.state(), "SLOT 2 Port 2")
    assert (nic["num_vfs_configured"], nic["num_vfs_effective"]) == (4, 4)
    assert run(net_adapter_sriov, name="SLOT 2 Port 2", num_vfs=4, restart=True)["changed"] is False


def test_check_mode_and_diff(run):
    before = run.state()
    result = run(net_adapter_sriov, check=True, diff=True, name="slot 2 port 1", sriov_enabled=False)
    assert result["changed"] is True
    assert result["diff"]["before"]["sriov_enabled"] is True
    assert result["diff"]["after"]["sriov_enabled"] is False
    assert result["commands"] == ["Set-NetAdapterSriov -Name 'SLOT 2 Port 1' -Enabled $false -NoRestart"]
    assert run.state() == before


def test_adapter_without_sriov_is_refused(run):
    before = run.state()
    result = run(net_adapter_sriov, name="Embedded LOM 1 Port 1", sriov_enabled=True)
    assert result["failed"] is True
    assert result["msg"].startswith("Invalid configuration: sriov_enabled:")
    assert "Embedded LOM 1 Port 1" in result["msg"]
    assert run.state() == before


def test_more_vfs_than_the_hardware_has(run):
    result = run(net_adapter_sriov, name="SLOT 2 Port 1", num_vfs=65)
    assert result["failed"] is True
    assert "num_vfs" in result["msg"] and "64" in result["msg"]
