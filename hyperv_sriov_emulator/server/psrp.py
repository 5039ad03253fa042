"""PSRP sessions of one emulated host: runspace pools (WinRS shells) and their pipelines.

psrpcore does the protocol bookkeeping of a pool: capability exchange, pool state, and decoding
what the client sends (including CREATE_PIPELINE fragments spread over Command and Send). What
the emulator sends back for a pipeline (output objects, error records, pipeline state) is built
here, queued per pipeline and fragmented per Receive, so that one pipeline's output never waits
behind another's and each Receive fits the client's MaxEnvelopeSize.

A pipeline runs in its own thread, statement by statement, so that a client can stop it, faults
can delay or cut it, and several clients can work at once; the engine serialises access to the
host's model with the host's own lock.
"""

from __future__ import annotations

import base64
import collections
import itertools
import logging
import struct
import threading
import time
import typing as t
import uuid

from psrpcore import ServerPipeline, ServerRunspacePool
from psrpcore._payload import PSRPPayload, StreamType
from psrpcore.types import ApplicationPrivateData, PSRPMessageType, SessionCapability, add_note_property

from .. import engine, psobj
from ..faults import FaultBook
from ..latency import LatencyProfile
from ..model import versions
from . import clixml, wsman

log = logging.getLogger(__name__)

# Largest PSRP fragment the emulator sends; Windows uses up to 32 KiB as well.
MAX_FRAGMENT = 32 * 1024
# How long a Receive that already has data waits for more before answering.
BATCH_WAIT = 0.05
# Room kept in a Receive envelope for the SOAP header and body around the base64 streams.
ENVELOPE_OVERHEAD = 2048

STATE_COMPLETED = 4
STATE_FAILED = 5
STATE_STOPPED = 3

# A shell nobody used for this long is gone, as on Windows (the IdleTimeOut Create reports):
# clients that died without closing their pool do not pile up.
IDLE_TIMEOUT = 7200.0

# Our own object-id range, far from the one psrpcore uses for pool messages, so that fragments
# of pool and pipeline messages can never be confused by the client's defragmenter.
_object_ids = itertools.count(1 << 40)


class DroppedConnection(Exception):
    """The request's TCP connection must be closed without an answer (an armed fault)."""


# The first 40 bytes of a PSRP message: destination, type, runspace pool id, pipeline id.
_HEADER = 40
# PipelineResultTypes.Output: a command whose error stream is merged into output (2>&1).
_RESULT_OUTPUT = 1
_RESULT_ERROR = 2
# RemoteStreamOptions (MS-PSRP 2.2.3.8): invocation info on error, warning, debug, verbose records.
_INFO_ERROR, _INFO_WARNING, _INFO_DEBUG, _INFO_VERBOSE = 1, 2, 4, 8
_INFORMATIONAL = {
    "verbose": (PSRPMessageType.VerboseRecord, _INFO_VERBOSE),
    "warning": (PSRPMessageType.WarningRecord, _INFO_WARNING),
    "debug": (PSRPMessageType.DebugRecord, _INFO_DEBUG),
}


def _message(message_type: PSRPMessageType, data: bytes, rpid: uuid.UUID, pid: uuid.UUID | None) -> bytes:
    # Every message a host sends starts its data with a UTF-8 BOM (pypsrp's recordings).
    return b"".join(
        (
            struct.pack("<iI", 1, message_type.value),
            rpid.bytes_le,
            (pid or uuid.UUID(int=0)).bytes_le,
            clixml.BOM,
            data,
        )
    )


class Outbox:
    """Messages waiting for a Receive, fragmented on the way out."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self._queue: collections.deque[list] = collections.deque()
        self.queued = 0
        """Bytes waiting (before fragment headers)."""
        self.finished = False
        self.dropped = False
        self._batching: list[int] = []
        """The budgets of the Receives waiting for a fuller answer (``wait_batch``)."""

    def put_message(self, message: bytes) -> None:
        with self.cond:
            self._put([next(_object_ids), message, 0, 0], len(message))

    def put_fragments(self, data: bytes) -> None:
        """Already fragmented bytes (what psrpcore produces for pool messages)."""
        with self.cond:
            self._put([None, data, 0, 0], len(data))

    def _put(self, entry: list, size: int) -> None:
        was_empty = not self._queue
        self._queue.append(entry)
        self.queued += size
        # Wake a waiting Receive only when what it waits for may have come: something after
        # nothing, or a full answer. Waking it for every message of a thousand-object read
        # switched threads a thousand times for nothing.
        if was_empty or (self._batching and self.queued >= min(self._batching)):
            self.cond.notify_all()

    def wait_batch(self, budget: int, timeout: float) -> bool:
        """Wait (holding ``cond``) until ``budget`` bytes are queued or the output is finished."""
        self._batching.append(budget)
        try:
            return self.cond.wait_for(lambda: self.finished or self.queued >= budget, timeout=timeout)
        finally:
            self._batching.remove(budget)

    def finish(self, dropped: bool = False) -> None:
        with self.cond:
            self.finished = True
            if dropped:
                # The connection is lost: nothing queued before the drop reaches the client.
                self.dropped = True
                self._queue.clear()
                self.queued = 0
            self.cond.notify_all()

    def ready(self) -> bool:
        return bool(self._queue) or self.finished

    def empty(self) -> bool:
        return not self._queue

    def take(self, budget: int) -> list[bytes]:
        """Fragments (each a separate chunk) totalling at most ``budget`` bytes; at least one
        fragment whenever anything is queued."""
        chunks: list[bytes] = []
        used = 0
        while self._queue:
            entry = self._queue[0]
            object_id, data, offset, fragment_id = entry
            if object_id is None:
                if chunks and used + len(data) > budget:
                    break
                chunks.append(data)
                used += len(data)
                self.queued -= len(data)
                self._queue.popleft()
                continue
            room = min(MAX_FRAGMENT, budget - used - 21)
            if room <= 0 and chunks:
                break
            room = max(room, 512)
            piece = data[offset : offset + room]
            end = offset + len(piece) >= len(data)
            flags = (1 if fragment_id == 0 else 0) | (2 if end else 0)
            chunks.append(struct.pack(">QQBI", object_id, fragment_id, flags, len(piece)) + piece)
            used += 21 + len(piece)
            self.queued -= len(piece)
            if end:
                self._queue.popleft()
            else:
                entry[2] = offset + len(piece)
                entry[3] = fragment_id + 1
        return chunks


def _os_version(host: t.Any) -> str:
    """The Windows release the endpoint's host models (the newest for a host object without one)."""
    return getattr(host, "os_version", versions.DEFAULT_VERSION)


# How long closing a shell waits for each of its pipelines to stop (seconds).
PIPELINE_STOP_WAIT = 10.0


class PipelineRun:
    def __init__(self, shell: "Shell", command_id: str) -> None:
        self.shell = shell
        self.command_id = command_id
        self.uuid = uuid.UUID(command_id)
        self.outbox = Outbox()
        self.stop_requested = threading.Event()
        self.thread: threading.Thread | None = None
        self.server_pipeline = ServerPipeline(shell.pool, self.uuid)
        # CIM class declarations travel once per pipeline, as on a host.
        self.cim = clixml.CimClassCache(shell.endpoint.machine)
        self._heads: dict[PSRPMessageType, bytes] = {}
        """Each message type's 40-byte header and BOM: the same for every message of the pipeline."""
        self.stream_options = 0
        """The client's RemoteStreamOptions (MS-PSRP 2.2.3.8): which records carry invocation info."""

    def send(self, message_type: PSRPMessageType, data: bytes) -> None:
        head = self._heads.get(message_type)
        if head is None:
            head = self._heads[message_type] = _message(message_type, b"", self.shell.pool.runspace_pool_id, self.uuid)
        self.outbox.put_message(head + data)

    def start(self, commands: list[t.Any]) -> None:
        self.thread = threading.Thread(
            target=self.shell.endpoint.run_pipeline, args=(self, commands), daemon=True,
            name="pipeline-%s" % self.command_id[:8],
        )
        self.thread.start()

    def answer_metadata(self, request: t.Any) -> None:
        """Answer GET_COMMAND_METADATA: the count, one object per command, then Completed."""
        endpoint = self.shell.endpoint
        names = [str(name) for name in (request.name or [])]
        namespaces = [str(item) for item in (request.namespace or [])] or None
        found = endpoint.command_metadata(endpoint.host, names, int(request.command_type), namespaces)
        self.send(PSRPMessageType.PipelineOutput, clixml.command_metadata_count(len(found)))
        for name, module, kind, parameters in found:
            self.send(PSRPMessageType.PipelineOutput, clixml.command_metadata(name, module, kind, parameters))
        self.send(PSRPMessageType.PipelineState, clixml.pipeline_state(STATE_COMPLETED))
        self.outbox.finish()


class _Pool(ServerRunspacePool):
    """psrpcore's pool, reading the call id under the name pypsrp gives it (``CI``, not ``ci``),
    answering as a host of ``os_version`` does (protocol version, $PSVersionTable), and starting
    every message with the BOM a host sends."""

    def __init__(self, os_version: str, build: str, revision: int) -> None:
        super().__init__()
        self._capability = clixml.session_capability(os_version)
        self._private_data = clixml.application_private_data(os_version, build, revision)

    def prepare_message(self, message: t.Any, message_type: t.Any = None, pipeline_id: t.Any = None,
                        stream_type: StreamType = StreamType.default) -> None:
        super().prepare_message(message, message_type, pipeline_id, stream_type)
        queued = self._send_buffer[-1]
        data = bytes(queued._data)
        if isinstance(message, SessionCapability):
            payload = self._capability
        elif isinstance(message, ApplicationPrivateData):
            payload = self._private_data
        else:
            payload = data[_HEADER:]
        queued._data = bytearray(data[:_HEADER] + clixml.BOM + payload)

    @staticmethod
    def _alias_ci(event: t.Any) -> None:
        obj = event._ps_object
        names = {prop.name for prop in obj.PSObject.extended_properties + obj.PSObject.adapted_properties}
        if "ci" not in names and "CI" in names:
            add_note_property(obj, "ci", obj.CI)

    def _process_SetMaxRunspaces(self, event: t.Any) -> None:  # noqa: N802 - psrpcore naming
        self._alias_ci(event)
        super()._process_SetMaxRunspaces(event)

    def _process_SetMinRunspaces(self, event: t.Any) -> None:  # noqa: N802
        self._alias_ci(event)
        super()._process_SetMinRunspaces(event)

    def _process_GetAvailableRunspaces(self, event: t.Any) -> None:  # noqa: N802
        self._alias_ci(event)
        super()._process_GetAvailableRunspaces(event)

    def _process_ResetRunspaceState(self, event: t.Any) -> None:  # noqa: N802
        self._alias_ci(event)
        super()._process_ResetRunspaceState(event)


class Shell:
    """One runspace pool."""

    def __init__(self, endpoint: "HostEndpoint", shell_id: str, owner: str) -> None:
        self.endpoint = endpoint
        self.id = shell_id
        self.owner = owner
        self.lock = threading.Lock()
        version = _os_version(endpoint.host)
        self.pool = _Pool(version, versions.BUILD[version], versions.REVISION[version])
        self.outbox = Outbox()
        self.pipelines: dict[str, PipelineRun] = {}
        self.last_used = time.monotonic()

    def feed(self, data: bytes, pipeline: PipelineRun | None) -> None:
        """Give the client's bytes to psrpcore and act on the events they complete."""
        with self.lock:
            self.pool.receive_data(PSRPPayload(data, StreamType.default, pipeline.uuid if pipeline else None))
            while True:
                event = self.pool.next_event()
                if event is None:
                    break
                self._on_event(event)
            self._drain_pool()

    def _drain_pool(self) -> None:
        while True:
            payload = self.pool.data_to_send(MAX_FRAGMENT)
            if payload is None:
                break
            self.outbox.put_fragments(payload.data)

    def _on_event(self, event: t.Any) -> None:
        name = type(event).__name__
        if name == "CreatePipelineEvent":
            run = self.pipelines.get(str(event.pipeline_id).upper())
            if run is not None:
                # ``event.pipeline`` rebuilds the pipeline from the message's objects at every use;
                # psrpcore's pool has already built it once, as the pipeline's metadata.
                pipeline = run.server_pipeline.metadata or event.pipeline
                run.stream_options = int(getattr(pipeline, "remote_stream_options", 0) or 0)
                run.start(list(pipeline.commands))
        elif name == "GetCommandMetadataEvent":
            run = self.pipelines.get(str(event.pipeline_id).upper())
            if run is not None:
                run.answer_metadata(event.pipeline)
        elif name in ("SetMaxRunspacesEvent", "SetMinRunspacesEvent", "ResetRunspaceStateEvent"):
            self.pool.runspace_availability_response(self._ci(event), True)
        elif name == "GetAvailableRunspacesEvent":
            self.pool.runspace_availability_response(self._ci(event), 1)

    @staticmethod
    def _ci(event: t.Any) -> int:
        return int(event.ci)

    def close(self) -> None:
        runs = list(self.pipelines.values())
        for run in runs:
            run.stop_requested.set()
            run.outbox.finish()
        self.pipelines.clear()
        self.outbox.finish()
        # A closed runspace pool has no pipeline left running ([MS-PSRP] 3.2.5.3.12): a client
        # that deletes its shell after a lost connection may rely on that, so the pool's
        # pipelines stop (between statements) before the Delete is answered.
        for run in runs:
            if run.thread is not None and run.thread is not threading.current_thread():
                run.thread.join(timeout=PIPELINE_STOP_WAIT)


class HostEndpoint:
    """Everything one emulated host serves over PSRP."""

    def __init__(
        self,
        host: t.Any,
        invoke: t.Callable[[t.Any, list], t.Any],
        command_spec: t.Callable[[str, list], t.Any],
        faults: FaultBook,
        on_mutation: t.Callable[[t.Any], None] | None = None,
        machine: str = "localhost",
        describe: t.Callable[[t.Any, t.Any], tuple[str | None, str]] | None = None,
    ) -> None:
        self.describe = describe if describe is not None else engine.describe
        self.command_metadata = engine.command_metadata
        self.host = host
        self.invoke = invoke
        self.command_spec = command_spec
        self.faults = faults
        self.on_mutation = on_mutation
        self.machine = machine
        self.lock = threading.Lock()
        self.shells: dict[str, Shell] = {}
        self.latency = LatencyProfile()
        """What a real host's answers cost on top (``serve --latency-profile``); none by default."""

    # -- WSMan actions --------------------------------------------------------------------------
    def handle(self, request: wsman.Request, user: str, client_ip: str, address: str) -> bytes:
        action = request.action
        if request.body is not None and request.body.tag == "{%s}Identify" % wsman.IDENTIFY_NS:
            return wsman.identify_response(self._os_build())
        if action == wsman.ACTION_CREATE:
            return self._create(request, user, client_ip, address)
        if action == wsman.ACTION_GET:
            return self._get(request, client_ip)
        shell = self._shell(request)
        shell.last_used = time.monotonic()
        if action == wsman.ACTION_COMMAND:
            return self._command(request, shell)
        if action == wsman.ACTION_SEND:
            return self._send(request, shell)
        if action == wsman.ACTION_RECEIVE:
            return self._receive(request, shell)
        if action == wsman.ACTION_SIGNAL:
            return self._signal(request, shell)
        if action == wsman.ACTION_DELETE:
            with self.lock:
                self.shells.pop(shell.id, None)
            shell.close()
            return wsman.response(request)
        raise wsman.WSManFault(wsman.FAULT_NOT_SUPPORTED, "The action %s is not supported." % action,
                               "w:ActionNotSupported")

    def _shell(self, request: wsman.Request) -> Shell:
        shell_id = request.shell_id
        with self.lock:
            shell = self.shells.get(shell_id or "")
        if shell is None:
            raise wsman.shell_not_found()
        return shell

    def _os_build(self) -> str:
        return versions.BUILD[_os_version(self.host)]

    def _create(self, request: wsman.Request, user: str, client_ip: str, address: str) -> bytes:
        body = request.body
        if body is None or not request.resource_uri.startswith("http://schemas.microsoft.com/powershell/"):
            raise wsman.WSManFault(wsman.FAULT_NOT_SUPPORTED, "Only PowerShell remoting shells are supported.",
                                   "w:ActionNotSupported")
        shell_id = (body.attrib.get("ShellId") or str(uuid.uuid4())).upper()
        creation = body.find("pwsh:creationXml", wsman.NS)
        if creation is None or not (creation.text or "").strip():
            raise wsman.WSManFault(wsman.FAULT_SCHEMA, "The shell has no creationXml.", "w:SchemaValidationError")
        self._expire_idle()
        self.latency.on_open()
        shell = Shell(self, shell_id, user)
        # The pool's answers (capability, private data, Opened) must be queued before Create
        # returns: pypsrp reads them with Receives that do not tolerate a timeout fault.
        shell.feed(base64.b64decode(creation.text), None)
        with self.lock:
            self.shells[shell_id] = shell
        return wsman.create_response(request, address, shell_id, user, client_ip)

    def _expire_idle(self) -> None:
        now = time.monotonic()
        with self.lock:
            idle = [shell for shell in self.shells.values() if now - shell.last_used > IDLE_TIMEOUT]
            for shell in idle:
                del self.shells[shell.id]
        for shell in idle:
            shell.close()

    def _get(self, request: wsman.Request, client_ip: str) -> bytes:
        if request.resource_uri.endswith("/config"):
            return wsman.config_response(request, wsman.MAX_ENVELOPE_KB)
        shell = self._shell(request)
        return wsman.response(request, wsman.shell_xml(shell.id, shell.owner, client_ip))

    def _command(self, request: wsman.Request, shell: Shell) -> bytes:
        body = request.body
        command_id = ((body.attrib.get("CommandId") if body is not None else None) or str(uuid.uuid4())).upper()
        arguments = body.find("rsp:Arguments", wsman.NS) if body is not None else None
        run = PipelineRun(shell, command_id)
        with shell.lock:
            shell.pipelines[command_id] = run
        if arguments is not None and arguments.text:
            shell.feed(base64.b64decode(arguments.text), run)
        return wsman.command_response(request, command_id)

    def _send(self, request: wsman.Request, shell: Shell) -> bytes:
        body = request.body
        for stream in body.findall("rsp:Stream", wsman.NS) if body is not None else ():
            command_id = (stream.attrib.get("CommandId") or "").upper()
            run = None
            if command_id:
                run = shell.pipelines.get(command_id)
                if run is None:
                    raise wsman.command_not_found()
            shell.feed(base64.b64decode(stream.text or ""), run)
        return wsman.response(request, "<rsp:SendResponse/>")

    def _receive(self, request: wsman.Request, shell: Shell) -> bytes:
        desired = request.body.find("rsp:DesiredStream", wsman.NS) if request.body is not None else None
        command_id = (desired.attrib.get("CommandId") or "").upper() if desired is not None else ""
        if command_id:
            run = shell.pipelines.get(command_id)
            if run is None:
                raise wsman.command_not_found()
            outbox = run.outbox
        else:
            run = None
            outbox = shell.outbox
        budget = max(4096, (request.max_envelope_size - ENVELOPE_OVERHEAD) * 3 // 4)
        # Answer a little before the client's OperationTimeout so its HTTP read never times out.
        wait = max(0.05, min(request.operation_timeout - 0.5, 60.0))
        with outbox.cond:
            if outbox.cond.wait_for(outbox.ready, timeout=wait) and run is not None:
                # Batch: a pipeline's statements usually finish within milliseconds, and one
                # full answer costs the client far less than a Receive per statement.
                outbox.wait_batch(budget, BATCH_WAIT)
            chunks = outbox.take(budget)
            if not chunks:
                if outbox.dropped:
                    raise DroppedConnection()
                raise wsman.timed_out()
            done = run is not None and outbox.finished and outbox.empty()
        encoded = [base64.b64encode(chunk).decode("ascii") for chunk in chunks]
        return wsman.receive_response(request, encoded, command_id or None, done)

    def _signal(self, request: wsman.Request, shell: Shell) -> bytes:
        body = request.body
        command_id = ((body.attrib.get("CommandId") if body is not None else None) or "").upper()
        code_node = body.find("rsp:Code", wsman.NS) if body is not None else None
        code = (code_node.text or "").strip() if code_node is not None else ""
        run = shell.pipelines.get(command_id)
        if run is not None:
            # Every signal stops the pipeline; any but Ctrl+C also forgets it, as a terminate does.
            run.stop_requested.set()
            if not (code in (wsman.SIGNAL_PS_CTRL_C, wsman.SIGNAL_PS_CTRL_C_ALT) or code.endswith("/ctrl_c")):
                with shell.lock:
                    shell.pipelines.pop(command_id, None)
                    shell.pool.pipeline_table.pop(run.uuid, None)
        return wsman.response(request, "<rsp:SignalResponse/>")

    # -- running a pipeline ---------------------------------------------------------------------
    def run_pipeline(self, run: PipelineRun, commands: list[t.Any]) -> None:
        try:
            # A pipeline's statements share the adapter objects built while nothing wrote to the
            # host: a whole-host read's second Get-VMNetworkAdapter (BandwidthSetting) costs no
            # second build of a thousand adapters.
            with engine.reusing_objects():
                self._run_statements(run, commands)
        except Exception as err:  # never leave a client polling forever
            log.exception("pipeline %s failed inside the emulator", run.command_id)
            run.send(PSRPMessageType.PipelineState, clixml.pipeline_state(
                STATE_FAILED,
                psobj.PSError(
                    message="The emulator failed to run the pipeline: %s" % type(err).__name__,
                    category="NotSpecified",
                    fqid="EmulatorInternalError",
                    exception_type="System.Management.Automation.RuntimeException",
                ),
            ))
            run.outbox.finish()

    @staticmethod
    def _split_statements(commands: list[t.Any]) -> list[list[t.Any]]:
        statements: list[list[t.Any]] = [[]]
        for command in commands:
            statements[-1].append(command)
            if getattr(command, "end_of_statement", False):
                statements.append([])
        return [statement for statement in statements if statement]

    @staticmethod
    def _refusal(command: t.Any) -> psobj.PSError | None:
        # A JEA endpoint runs no script text (engine.script_refused); commands it does not expose,
        # Invoke-Expression among them, are unknown to it (CommandNotFoundException, from the engine).
        if command.is_script:
            return engine.script_refused(str(command.command_text))
        return None

    def _run_statements(self, run: PipelineRun, commands: list[t.Any]) -> None:
        mutated = False
        final_state = STATE_COMPLETED
        final_error: tuple[psobj.PSError, clixml.Invocation] | None = None
        dropped = False
        for statement in self._split_statements(commands):
            if run.stop_requested.is_set():
                final_state = STATE_STOPPED
                break
            length = len(statement)
            refusals = [(refusal, position) for position, refusal in
                        enumerate((self._refusal(command) for command in statement), 1) if refusal is not None]
            if refusals:
                final_state = STATE_FAILED
                error, position = refusals[0]
                # Script text is no command name: the record names the scripting engine instead.
                final_error = (error, clixml.Invocation(error.command or "<ScriptBlock>", position=position,
                                                        length=length))
                break

            specs = [
                self.command_spec(
                    str(command.command_text),
                    [(str(name) if name is not None else None, clixml.to_python(value))
                     for name, value in command.parameters],
                )
                for command in statement
            ]
            # Injected cmdlet faults fire before the engine runs the statement, like a cmdlet that
            # failed on its input; a non-terminating one obeys the command's -ErrorAction. The
            # engine resolves the name and binds -ErrorAction, so `Hyper-V\New-VMSwitch` or
            # `-ErrorAct 1` meet the same fault and action as the plain spelling.
            described = [self.describe(self.host, spec) for spec in specs]
            fault_hit = None
            for position, (name, action) in enumerate(described, 1):
                fault = self.faults.take_cmdlet_fault(name) if name is not None else None
                if fault is not None:
                    fault_hit = (fault, action, position)
                    break
            if fault_hit is not None:
                fault, action, position = fault_hit
                error = fault.error()
                invocation = self._invocation(error, statement, specs, described, position)
                if fault.terminating or action == "Stop":
                    final_state = STATE_FAILED
                    final_error = (error, invocation)
                    break
                if action not in ("SilentlyContinue", "Ignore"):
                    run.send(PSRPMessageType.ErrorRecord,
                             clixml.error_record(error, invocation, extended=bool(run.stream_options & _INFO_ERROR)))
                continue

            result = self.invoke(self.host, [specs])
            mutated = mutated or result.mutated
            drop = None
            for name, _action in described:
                if name is not None and drop is None:
                    drop = self.faults.take_drop_on_cmdlet(name)
            if drop is not None:
                # The statement's changes are made; its answer is lost with the connection. The
                # pipeline stops here, or (runs-on) goes on to its end unheard.
                dropped = True
                if drop == "stop":
                    break
            if dropped:
                if result.terminating is not None:
                    break
                continue
            self.latency.on_objects(len(result.output))
            merges = self._merges(statement, described)
            # One InvocationInfo per command of the statement, not per record: building it binds
            # the command's parameters again, and a statement may write a record per object.
            invocations: dict[str, clixml.Invocation] = {}
            stream = getattr(result, "stream", None) or (
                [("output", value) for value in result.output] + [("error", error) for error in result.errors])
            # Objects and records go out in the order they were written, as a host streams them.
            for kind, item in stream:
                if kind == "output":
                    run.send(PSRPMessageType.PipelineOutput, clixml.output_object(item, run.cim))
                    continue
                if kind in _INFORMATIONAL:
                    message_type, option = _INFORMATIONAL[kind]
                    run.send(message_type, clixml.informational_record(
                        item, self._invocation(item, statement, specs, described, cache=invocations),
                        extended=bool(run.stream_options & option)))
                    continue
                command = self._command_of(item, statement)
                invocation = self._invocation(item, statement, specs, described, cache=invocations)
                extended = bool(run.stream_options & _INFO_ERROR)
                if merges.get(command.lower(), merges[None]):
                    run.send(PSRPMessageType.PipelineOutput,
                             clixml.error_record(item, invocation, merged=True, cim=run.cim, extended=extended))
                else:
                    run.send(PSRPMessageType.ErrorRecord,
                             clixml.error_record(item, invocation, cim=run.cim, extended=extended))
            if result.terminating is not None:
                final_state = STATE_FAILED
                error = result.terminating
                final_error = (error, self._invocation(error, statement, specs, described))
                break

        try:
            self._finish(run, final_state, final_error, dropped)
        finally:
            # Saved after the client has its answer: a write pipeline does not wait for fsync.
            if mutated and self.on_mutation is not None:
                try:
                    self.on_mutation(self.host)
                except Exception:
                    log.exception("saving the state of %s failed", getattr(self.host, "name", "?"))

    def _finish(self, run: PipelineRun, final_state: int,
                final_error: tuple[psobj.PSError, clixml.Invocation] | None, dropped: bool) -> None:
        if dropped:
            run.outbox.finish(dropped=True)
            return
        if final_state == STATE_STOPPED:
            run.send(PSRPMessageType.PipelineState, clixml.pipeline_state(
                STATE_STOPPED,
                psobj.PSError(
                    message="The pipeline has been stopped.",
                    category="OperationStopped",
                    fqid="PipelineStopped",
                    exception_type="System.Management.Automation.PipelineStoppedException",
                ),
            ))
        elif final_error is not None:
            error, invocation = final_error
            state = clixml.pipeline_state(STATE_FAILED, error, invocation)
            run.send(PSRPMessageType.PipelineState, state)
        else:
            run.send(PSRPMessageType.PipelineState, clixml.pipeline_state(STATE_COMPLETED))
        run.outbox.finish()

    @staticmethod
    def _merges(statement: list[t.Any], described: list[tuple[str | None, str]]) -> dict[str | None, bool]:
        """Per command of the statement (by canonical name; None: the last command, for records
        no command claims): whether its error stream is merged into output (``2>&1``,
        pypsrp's ``merge_error``/``merge_previous``: MergeError, or the v2 MergeMyResult Error +
        MergeToResult Output of MS-PSRP 2.2.3.12)."""
        merges: dict[str | None, bool] = {}
        flag = False
        for command, (name, _action) in zip(statement, described):
            merge_error = int(getattr(command, "merge_error", 0) or 0)
            merge_my = int(getattr(command, "merge_my", 0) or 0)
            merge_to = int(getattr(command, "merge_to", 0) or 0)
            flag = merge_error == _RESULT_OUTPUT or (merge_my & _RESULT_ERROR and merge_to == _RESULT_OUTPUT)
            for key in {str(name or ""), str(command.command_text)}:
                merges[key.lower()] = bool(flag)
        merges[None] = bool(flag)
        return merges

    def _invocation(self, error: psobj.PSError | psobj.PSInformational, statement: list[t.Any],
                    specs: list[t.Any], described: list[tuple[str | None, str]], position: int | None = None,
                    cache: dict[str, clixml.Invocation] | None = None) -> clixml.Invocation:
        """The InvocationInfo of the statement's command that wrote ``error``: found by its
        canonical name (else ``position``, else the first), named as the client spelled it, with
        the named parameters the client sent (``specs``: the statement's commands as the engine
        got them). ``cache`` keeps them by command for one statement."""
        command = self._command_of(error, statement)
        if cache is not None and command.lower() in cache:
            return cache[command.lower()]
        index = next((i for i, (name, _action) in enumerate(described)
                      if name is not None and name.lower() == command.lower()), None)
        if index is None:
            index = position - 1 if position is not None else 0
        sent = statement[index] if index < len(statement) else None
        spec = specs[index] if index < len(specs) else None
        command_type = engine.command_type(self.host, command)
        canonical = engine.bound_parameters(self.host, spec) if spec is not None else None
        # BoundParameters by canonical name; as the client named them when they do not bind.
        bound = tuple(canonical) if canonical is not None else tuple(
            (name, "True" if value is None else value) for name, value in (spec.parameters if spec else ())
            if name is not None)
        invocation = clixml.Invocation(command, str(sent.command_text) if sent is not None else None, command_type,
                                       index + 1, len(statement), bound)
        if cache is not None:
            cache[command.lower()] = invocation
        return invocation

    @staticmethod
    def _command_of(error: psobj.PSError | psobj.PSInformational, statement: list[t.Any]) -> str:
        if error.command:
            return error.command
        return str(statement[0].command_text) if statement else ""

    def close(self) -> None:
        with self.lock:
            shells = list(self.shells.values())
            self.shells.clear()
        for shell in shells:
            shell.close()
