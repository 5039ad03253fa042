"""The server's statement runner, driven directly: what it queues when a stop arrives."""

from __future__ import annotations

import dataclasses
import re
import threading
import typing as t

from psrpcore.types import PSRPMessageType

from hyperv_sriov_emulator import engine
from hyperv_sriov_emulator.faults import FaultBook
from hyperv_sriov_emulator.server import psrp


@dataclasses.dataclass
class _Command:
    command_text: str
    parameters: list[tuple[str | None, t.Any]]
    end_of_statement: bool = True
    is_script: bool = False


class _Outbox:
    def __init__(self) -> None:
        self.finished = False

    def finish(self, dropped: bool = False) -> None:
        self.finished = not dropped


class _Run:
    """What the runner uses of a PipelineRun: its stop flag, send, outbox and CIM class cache."""

    command_id = "00000000-0000-0000-0000-000000000001"
    cim = None

    def __init__(self) -> None:
        self.stop_requested = threading.Event()
        self.outbox = _Outbox()
        self.sent: list[tuple[PSRPMessageType, bytes]] = []

    def send(self, message_type: PSRPMessageType, data: bytes) -> None:
        self.sent.append((message_type, data))


def _new_switch(name: str) -> _Command:
    return _Command("New-VMSwitch", [("Name", name), ("SwitchType", "Private")])


def test_a_stop_between_statements_queues_stopped_and_runs_nothing_more(capable):
    run = _Run()
    ran: list[str] = []

    def invoke(host, statements):
        # The stop arrives while the first statement runs, as a client's Signal would.
        ran.extend(spec.name + ":" + dict(spec.parameters)["Name"] for spec in statements[0])
        run.stop_requested.set()
        return engine.invoke(host, statements)

    endpoint = psrp.HostEndpoint(capable, invoke, engine.CommandSpec, FaultBook())
    endpoint.run_pipeline(run, [_new_switch("first"), _new_switch("second"), _new_switch("third")])

    assert ran == ["New-VMSwitch:first"]
    assert {sw.name for sw in capable.switches} >= {"first"}
    assert not {"second", "third"} & {sw.name for sw in capable.switches}
    states = [data for kind, data in run.sent if kind == PSRPMessageType.PipelineState]
    assert len(states) == 1 and run.sent[-1][0] == PSRPMessageType.PipelineState
    text = states[0].decode("utf-8") if isinstance(states[0], bytes) else states[0]
    state = re.search(r'<I32 N="PipelineState">(\d+)</I32>', text)
    assert state is not None and int(state.group(1)) == psrp.STATE_STOPPED
    assert "PipelineStoppedException" in text
    assert run.outbox.finished


def test_without_a_stop_every_statement_runs_and_the_state_is_completed(capable):
    run = _Run()
    endpoint = psrp.HostEndpoint(capable, engine.invoke, engine.CommandSpec, FaultBook())
    endpoint.run_pipeline(run, [_new_switch("first"), _new_switch("second")])
    assert {"first", "second"} <= {sw.name for sw in capable.switches}
    (state,) = [data for kind, data in run.sent if kind == PSRPMessageType.PipelineState]
    text = state.decode("utf-8") if isinstance(state, bytes) else state
    assert '<I32 N="PipelineState">%d</I32>' % psrp.STATE_COMPLETED in text
