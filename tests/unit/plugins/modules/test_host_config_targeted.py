# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_config reads only the named VMs' adapters where its state allows it, and the result does
not depend on it: gathered output still feeds back unchanged, a converge is confirmed."""
from __future__ import annotations

import pytest

from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _connection
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import render_statement
from ansible_collections.sriov.hyperv.plugins.modules import host_config

from hyperv_sriov_emulator.inprocess import InProcessRunner


class Recording(InProcessRunner):
    """The in-process runner, keeping every pipeline it ran as rendered lines."""

    def __init__(self, host, log):
        super().__init__(host)
        self.log = log

    def run(self, statements):
        self.log.append([render_statement(statement) for statement in statements])
        return super().run(statements)


@pytest.fixture
def pipelines(run, monkeypatch):
    log: list[list[str]] = []

    def connect(params):
        runner = Recording(run.host, log)
        run.runners.append(runner)
        return runner

    monkeypatch.setattr(_connection, "connect", connect)
    return log


def _adapter_reads(pipeline):
    """The adapter reads of a pipeline, without the Select-Object that projects them (and without
    the reads of their bandwidth settings, which follow each one)."""
    return [line.split(" | ")[0] for line in pipeline
            if line.startswith("Get-VMNetworkAdapter") and "-ExpandProperty" not in line]


def _bandwidth_reads(pipeline):
    return [line.split(" | ")[0] for line in pipeline if "-ExpandProperty 'BandwidthSetting'" in line]


def test_a_task_naming_adapters_reads_only_their_vms(run, pipelines):
    named = [{"vm_name": "web01", "name": "Network Adapter", "iov_weight": 37},
             {"vm_name": "db01", "name": "Data"}]
    first = run(host_config, state="merged", config={"vm_adapters": named})
    assert first["changed"] is True, first
    read, write, confirm = pipelines
    assert _adapter_reads(read) == _adapter_reads(confirm) == ["Get-VMNetworkAdapter -VMName 'web01','db01'"]
    assert _bandwidth_reads(read) == _adapter_reads(read)
    assert write == ["Set-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -IovWeight 37 -ErrorAction 'Stop'"]
    assert {item["vm_name"] for item in first["before"]["vm_adapters"]} == {"web01", "db01"}
    assert run.adapter(run.state(), "web01", "Network Adapter")["settings"]["IovWeight"] == 37

    # The no-op: open, one read pipeline, close.
    pipelines.clear()
    again = run(host_config, state="merged", config={"vm_adapters": [dict(named[0])]})
    assert len(pipelines) == 1 and _adapter_reads(pipelines[0]) == ["Get-VMNetworkAdapter -VMName 'web01'"]
    assert again["changed"] is False

    pipelines.clear()
    run(host_config, state="replaced", config={"vm_adapters": [dict(named[0])]})
    assert {line for pipeline in pipelines for line in _adapter_reads(pipeline)} == {
        "Get-VMNetworkAdapter -VMName 'web01'"}


def test_whole_host_states_read_every_adapter(run, pipelines):
    gathered = run(host_config, state="gathered")["gathered"]
    overridden = run(host_config, state="overridden", config=gathered)
    merged_with_switches = run(host_config, state="merged", config={
        "switches": gathered["switches"][:1], "vm_adapters": gathered["vm_adapters"][:1]})
    assert [_adapter_reads(pipeline) for pipeline in pipelines] == [["Get-VMNetworkAdapter -All"]] * 3
    assert overridden["changed"] is merged_with_switches["changed"] is False


def test_gathered_adapters_feed_back_unchanged_through_the_targeted_read(run, pipelines):
    gathered = run(host_config, state="gathered")["gathered"]
    adapters = gathered["vm_adapters"]
    assert any(item.get("management_os") for item in adapters) and any(item.get("vm_name") for item in adapters)
    for state in ("merged", "replaced"):
        again = run(host_config, state=state, config={"vm_adapters": adapters})
        assert (again["changed"], again["commands"]) == (False, []), state
    assert _adapter_reads(pipelines[-1])[-1] == "Get-VMNetworkAdapter -ManagementOS"


def test_a_missing_vm_is_reported_as_after_a_whole_host_read(run):
    result = run(host_config, state="merged", config={"vm_adapters": [{"vm_name": "nope", "name": "Network Adapter"}]})
    assert result["failed"] is True
    assert "nope" in result["msg"]
