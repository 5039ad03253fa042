# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pypsrp implementation of the runner contract (see ``_runner.py``).

Private to the collection. One RunspacePool per task, opened on the first ``run``; one PowerShell
pipeline per ``run``, every statement bound structurally (``add_cmdlet`` / ``add_parameter``),
never as script text.
"""

from __future__ import annotations

import os
import re
import socket
import traceback
import typing as t
import uuid

from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _clixml, _errors
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._connection import ConnectionOptions
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import (
    SWITCH,
    ErrorRecordData,
    PSObjectData,
    RunResult,
    Statement,
)

try:
    import requests
    from pypsrp import exceptions as psrp_exceptions
    from pypsrp.complex_objects import ComplexObject, GenericComplexObject, PSInvocationState
    from pypsrp.exceptions import FragmentError
    from pypsrp.messages import Message, PipelineOutput
    from pypsrp.powershell import Fragment, Fragmenter, PowerShell, RunspacePool
    from pypsrp.serializer import TaggedValue
    from pypsrp.wsman import WSMan
except ImportError:
    # The subclasses below must still be definable for the import sanity test.
    Fragmenter = Message = object
    HAS_PYPSRP = False
    PYPSRP_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_PYPSRP = True
    PYPSRP_IMPORT_ERROR = None


# System.Management.Automation.ErrorCategory: error records carry the number, the contract the name.
ERROR_CATEGORIES = (
    "NotSpecified", "OpenError", "CloseError", "DeviceError", "DeadlockDetected", "InvalidArgument",
    "InvalidData", "InvalidOperation", "InvalidResult", "InvalidType", "MetadataError",
    "NotImplemented", "NotInstalled", "ObjectNotFound", "OperationStopped", "OperationTimeout",
    "SyntaxError", "ParserError", "PermissionDenied", "ResourceBusy", "ResourceExists",
    "ResourceUnavailable", "ReadError", "WriteError", "FromStdErr", "SecurityError", "ProtocolError",
    "ConnectionError", "AuthenticationError", "LimitsExceeded", "QuotaExceeded", "NotEnabled",
)  # fmt: skip

_DESERIALIZED = "Deserialized."
_INT32 = (-(2**31), 2**31 - 1)
# WSMan fault code of "Access is denied" (the account may not use the endpoint).
_WSMAN_ACCESS_DENIED = 5


def _type_names(types: t.Iterable[str]) -> list[str]:
    return [name[len(_DESERIALIZED):] if name.startswith(_DESERIALIZED) else name for name in types]


def _is_enum(obj: t.Any) -> bool:
    return any(name in ("System.Enum", "Deserialized.System.Enum") for name in obj.types)


def to_plain(value: t.Any) -> t.Any:
    """A deserialized property value as plain data (the rules of ``_runner.py``)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value).lower()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(to_plain(key)): to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    if HAS_PYPSRP and isinstance(value, GenericComplexObject):
        if value.to_string is None and len(value.property_sets) == 1 and isinstance(value.property_sets[0], str):
            # A generic collection of a type pypsrp does not know (a real host's
            # List`1[[Microsoft.HyperV.PowerShell.VMNetworkAdapterAclSetting, ...]]) keeps its <LST>
            # as XML text in property_sets: it is a list, as the collection's own reader says.
            items = _clixml.list_items(value.property_sets[0])
            if items is not None:
                return items
        # Enums and objects nested past the serialization depth both read as their ToString.
        return None if value.to_string is None else str(value.to_string)
    if hasattr(value, "queue"):  # Queue
        return [to_plain(item) for item in list(value.queue)]
    return str(value)


# Notes a host adds to a serialized CIM instance for the client's deserializer, not properties of
# the instance: PowerShell drops them when it rehydrates one (InternalDeserializer in PowerShell's
# src/System.Management.Automation/engine/serialization.cs).
_CIM_METADATA = ("__ClassMetadata", "__InstanceMetadata")


def to_object(value: t.Any) -> PSObjectData:
    """One output object of a pipeline as plain data."""
    if isinstance(value, PSObjectData):  # read by _clixml already
        return value
    if HAS_PYPSRP and isinstance(value, GenericComplexObject) and not _is_enum(value):
        properties: dict[str, t.Any] = {}
        for name, item in value.adapted_properties.items():
            properties[name] = to_plain(item)
        for name, item in value.extended_properties.items():
            if name not in _CIM_METADATA:
                properties.setdefault(name, to_plain(item))
        to_string = None if value.to_string is None else str(value.to_string)
        return PSObjectData(type_names=_type_names(value.types), properties=properties, to_string=to_string)
    # A bare value (string, number, enum) written to the pipeline.
    plain = to_plain(value)
    if HAS_PYPSRP and isinstance(value, GenericComplexObject):
        type_names = _type_names(value.types)
    else:
        type_names = [_CLR_TYPES.get(type(plain), "System.Object")]
    return PSObjectData(type_names=type_names, properties={}, to_string=None if plain is None else str(plain))


_CLR_TYPES = {str: "System.String", bool: "System.Boolean", int: "System.Int32", float: "System.Double"}


def _prop(obj: t.Any, *names: str) -> t.Any:
    """A property of a deserialized object, whichever property set it landed in."""
    for name in names:
        for bag in ("extended_properties", "adapted_properties"):
            props = getattr(obj, bag, None)
            if isinstance(props, dict) and name in props:
                return props[name]
    return None


def _record_message(record: t.Any) -> str:
    details = getattr(record, "details_message", None) or _prop(record, "ErrorDetails_Message")
    if details:
        return str(details)
    exception = getattr(record, "exception", None) or _prop(record, "Exception")
    message = _prop(exception, "Message") if exception is not None else None
    if message:
        return str(message)
    text = str(record) if isinstance(record, ComplexObject) else None
    if text:
        return text
    return str(getattr(record, "message", None) or _prop(record, "ErrorCategory_Message") or "")


def _record_command(record: t.Any) -> str | None:
    name = getattr(record, "command_name", None) or _prop(record, "CommandInfo_Name")
    if name:
        return str(name)
    invocation = getattr(record, "invocation_info", None) or _prop(record, "InvocationInfo")
    my_command = _prop(invocation, "MyCommand") if invocation is not None else None
    if my_command:
        return str(to_plain(my_command))
    # ErrorCategory_Activity is the cmdlet name when the error came from a cmdlet.
    activity = getattr(record, "activity", None) or _prop(record, "ErrorCategory_Activity")
    if activity and "-" in str(activity) and " " not in str(activity):
        return str(activity)
    return None


def to_error(record: t.Any) -> ErrorRecordData:
    """A deserialized ErrorRecord as the contract's plain record."""
    category = getattr(record, "category", None)
    if category is None:
        category = _prop(record, "ErrorCategory_Category")
    if isinstance(category, int) and 0 <= category < len(ERROR_CATEGORIES):
        category_name = ERROR_CATEGORIES[category]
    else:
        category_name = str(category) if category is not None else "NotSpecified"
    exception = getattr(record, "exception", None) or _prop(record, "Exception")
    exception_type = None
    if HAS_PYPSRP and isinstance(exception, GenericComplexObject) and exception.types:
        exception_type = _type_names(exception.types)[0]
    target = getattr(record, "target_object", None)
    if target is None:
        target = _prop(record, "TargetObject")
    return ErrorRecordData(
        message=_record_message(record),
        category=category_name,
        fqid=str(getattr(record, "fq_error", None) or _prop(record, "FullyQualifiedErrorId") or ""),
        target=to_plain(target),
        command=_record_command(record),
        exception_type=exception_type,
    )


def _wire_value(value: t.Any) -> t.Any:
    # pypsrp types every Python int as Int32; larger values (bandwidth in bit/s) need Int64.
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, (list, tuple)):
            return [_wire_value(item) for item in value]
        return value
    if _INT32[0] <= value <= _INT32[1]:
        return value
    return TaggedValue("I64", value)


def build_powershell(pool: t.Any, statements: t.Sequence[Statement]) -> t.Any:
    """One PowerShell holding every statement, parameters bound by name (never script text)."""
    ps = PowerShell(pool)
    for statement in statements:
        for command in statement:
            ps.add_cmdlet(command.name)
            for name, value in command.parameters.items():
                if value is SWITCH:
                    ps.add_parameter(name)
                else:
                    ps.add_parameter(name, _wire_value(value))
        ps.add_statement()
    return ps


# [MS-PSRP] 2.2.1: a message's header is Destination and MessageType (little-endian UInt32 each),
# then the RunspacePool's and the pipeline's GUIDs; its data may open with a UTF-8 byte order mark.
_PIPELINE_OUTPUT = 0x00041004
_MESSAGE_HEADER = 40
_BOM = b"\xef\xbb\xbf"


class _OutputMessage(Message):  # type: ignore[misc,valid-type]
    """A PIPELINE_OUTPUT message as pypsrp's ``Message.unpack`` would give it, its object read by
    ``_clixml``: what ``RunspacePool._parse_responses`` and ``PowerShell.poll_invoke`` use of it
    is ``message_type`` and ``data.data``."""

    def __init__(self, header: bytes, obj: PSObjectData) -> None:  # pylint: disable=super-init-not-called
        # Message.__init__ parses both GUIDs and serializes nothing we need: set the fields it sets.
        self.destination = int.from_bytes(header[0:4], "little")
        self.message_type = _PIPELINE_OUTPUT
        self._ids = header[8:_MESSAGE_HEADER]
        self.data = PipelineOutput(obj)
        self._serializer = None

    @property
    def rpid(self) -> t.Any:
        return uuid.UUID(bytes_le=self._ids[:16])

    @property
    def pid(self) -> t.Any:
        return uuid.UUID(bytes_le=self._ids[16:])


class _OutputFragmenter(Fragmenter):  # type: ignore[misc,valid-type]
    """pypsrp's Fragmenter, with each Receive's PIPELINE_OUTPUT messages read by ``_clixml``.

    ``Fragmenter.defragment`` (pypsrp.powershell, public) joins the fragments into messages as
    pypsrp does; pypsrp's ``Message.unpack`` then costs more than reading the object itself (two
    GUIDs parsed, the data decoded to text for a debug log line formatted whether logging is on
    or not, then encoded again for the XML parser). Here the output messages of one Receive go
    to ``_clixml.parse_outputs`` as the bytes they arrived in, in one XML parse; every other
    message, and an output message outside ``_clixml``'s subset, goes through ``Message.unpack``
    as before, so nothing is lost and the order of messages is kept.
    """

    def defragment(self, data: bytes) -> list[t.Any]:
        whole = self._messages(data)
        outputs = [index for index, message in enumerate(whole) if _is_output(message)]
        read = _clixml.parse_outputs([_output_body(whole[index]) for index in outputs]) if outputs else []
        fast = dict(zip(outputs, read))
        messages = []
        for index, message in enumerate(whole):
            obj = fast.get(index)
            if obj is not None:
                messages.append(_OutputMessage(message[:_MESSAGE_HEADER], obj))
            else:
                messages.append(Message.unpack(message, self.serializer))
        return messages

    def _messages(self, data: bytes) -> list[bytes]:
        """The messages completed by ``data``'s fragments ([MS-PSRP] 2.2.4), as pypsrp's
        ``defragment`` joins them (same buffer, same check of each fragment's sequence number)."""
        complete = []
        rest = memoryview(data)  # slicing a memoryview copies nothing; slicing bytes copied the rest each time
        while rest:
            fragment, rest = Fragment.unpack(rest)
            chunk = bytes(fragment.data)
            incoming = self.incoming_buffer.get(fragment.object_id)
            if incoming is None:
                incoming = self.incoming_buffer[fragment.object_id] = {"data": b"", "id": 0}
            if fragment.fragment_id != incoming["id"]:
                raise FragmentError("Fragment Fragment Id: %d != Expected Fragment Id: %d"
                                    % (fragment.fragment_id, incoming["id"]))
            if fragment.start and fragment.end:
                complete.append(chunk)
                del self.incoming_buffer[fragment.object_id]
            elif fragment.start:
                incoming["data"] = chunk
                incoming["id"] += 1
            elif fragment.end:
                complete.append(incoming["data"] + chunk)
                del self.incoming_buffer[fragment.object_id]
            else:
                incoming["data"] += chunk
                incoming["id"] += 1
        return complete


def _is_output(message: bytes) -> bool:
    return len(message) > _MESSAGE_HEADER and int.from_bytes(message[4:8], "little") == _PIPELINE_OUTPUT


def _output_body(message: bytes) -> bytes:
    body = message[_MESSAGE_HEADER:]
    return body[len(_BOM):] if body.startswith(_BOM) else body


def _fast_decoding(pool: t.Any) -> None:
    """Read the pool's output through ``_OutputFragmenter``. The pool keeps its fragmenter in
    ``_fragmenter`` (pypsrp 0.x); a pypsrp that keeps it elsewhere is left to read as it does."""
    current = getattr(pool, "_fragmenter", None)
    if not isinstance(current, Fragmenter) or isinstance(current, _OutputFragmenter):
        return
    fragmenter = _OutputFragmenter(0, current.serializer)
    fragmenter.max_size = current.max_size  # as the pool set it (it sets it again once open)
    pool._fragmenter = fragmenter


def wsman_kwargs(opts: ConnectionOptions) -> dict[str, t.Any]:
    """pypsrp ``WSMan`` keywords for the options: the same keywords, from the same settings, as
    ansible.builtin.psrp's ``Connection._build_kwargs`` (a unit test compares the two)."""
    cert_validation: t.Any = opts.validate_certs
    if opts.validate_certs and opts.ca_cert:
        cert_validation = opts.ca_cert
    return dict(
        server=opts.hostname,
        port=opts.effective_port,
        username=opts.username,
        password=opts.password,
        ssl=opts.protocol == "https",
        path=opts.path,
        auth=opts.auth,
        cert_validation=cert_validation,
        connection_timeout=opts.connection_timeout,
        operation_timeout=opts.operation_timeout,
        read_timeout=opts.read_timeout,
        encryption=opts.message_encryption,
        proxy=opts.proxy,
        no_proxy=opts.ignore_proxy,
        max_envelope_size=opts.max_envelope_size,
        reconnection_retries=opts.reconnection_retries,
        reconnection_backoff=float(opts.reconnection_backoff),
        certificate_pem=opts.certificate_pem,
        certificate_key_pem=opts.certificate_key_pem,
        # Kerberos: psrp passes these only when set, leaving pypsrp's defaults (service host).
        **{
            name: getattr(opts, name)
            for name in ("negotiate_service", "negotiate_hostname_override", "negotiate_delegate")
            if getattr(opts, name) is not None
        },
    )


class PsrpRunner:
    """Runs statements on one host over WinRM/PSRP. Not thread-safe; one per task."""

    def __init__(self, options: ConnectionOptions) -> None:
        if not HAS_PYPSRP:
            raise _errors.HyperVError(
                "Failed to connect to %s: the pypsrp Python package is not installed on the "
                "controller. Install pypsrp (pip install pypsrp) for the Python that runs Ansible."
                % options.endpoint,
                {"import_error": PYPSRP_IMPORT_ERROR},
            )
        self.options = options
        self.fast_decode = True
        """False: every message is read by pypsrp alone (tests compare the two paths)."""
        self._wsman: t.Any = None
        self._pool: t.Any = None

    # -- lifecycle -------------------------------------------------------------------------
    def open(self) -> None:
        """Open the RunspacePool now (``run`` does it on first use)."""
        if self._pool is not None:
            return
        opts = self.options
        for option in ("ca_cert", "certificate_pem", "certificate_key_pem"):
            path = getattr(opts, option)
            if path and not os.path.isfile(path):
                # requests would report it as a TLS failure of the host's WinRM service.
                raise _errors.InvalidArgumentError(
                    "Failed to connect to %s: %s is %s, which is not a file on the controller. Fix "
                    "%s (or the inventory variable that sets it)." % (opts.endpoint, option, path, option)
                )
        try:
            wsman = WSMan(**wsman_kwargs(opts))
        except ValueError as err:
            raise _errors.InvalidArgumentError(
                self._redact(
                    "Failed to connect to %s: %s. Fix the connection options (auth, protocol, "
                    "message_encryption, certificate_pem)." % (opts.endpoint, _errors._sentence(str(err)))
                )
            ) from None
        pool = RunspacePool(wsman, configuration_name=opts.configuration_name)
        if self.fast_decode:
            _fast_decoding(pool)
        try:
            pool.open()
        except Exception as err:
            wsman.close()
            raise self._transport_error(err, "open a session") from None
        self._wsman, self._pool = wsman, pool

    def close(self) -> None:
        """Close the pool. Best effort: a host that already went away has nothing to close."""
        pool, wsman = self._pool, self._wsman
        self._pool = self._wsman = None
        if pool is not None:
            try:
                pool.close()
            except Exception:  # pylint: disable=broad-except
                pass
        if wsman is not None:
            wsman.close()

    def reopen(self) -> None:
        """Close the pool (its pipelines stop on the host); the next ``run`` opens a new one.

        Used after a lost connection, when a pipeline of this run may still be running on the host."""
        self.close()

    def __enter__(self) -> "PsrpRunner":
        return self

    def __exit__(self, *exc_info: t.Any) -> None:
        self.close()

    # -- the contract ----------------------------------------------------------------------
    def run(self, statements: t.Sequence[Statement]) -> RunResult:
        statements = [list(statement) for statement in statements if statement]
        if not statements:
            return RunResult(output=[], errors=[])
        self.open()
        ps = build_powershell(self._pool, statements)

        # pypsrp files the failed pipeline's own record in the same list as the non-terminating
        # ones; catch it on its way in to tell them apart.
        terminating: dict[str, t.Any] = {}
        process_state = ps._process_pipeline_state

        def _capture_state(message: t.Any) -> t.Any:
            terminating["record"] = getattr(message.data, "error_record", None)
            return process_state(message)

        ps._process_pipeline_state = _capture_state
        try:
            try:
                ps.invoke()
            finally:
                # No Signal per finished pipeline: closing the pool (wxf:Delete) closes it on the
                # host ([MS-PSRP] 3.2.5.3.12), which saves one round trip per pipeline.
                self._pool.pipelines.pop(ps.id, None)
        except _errors.HyperVError:
            raise
        except Exception as err:
            raise self._transport_error(err, "run a pipeline") from None

        failing = terminating.get("record")
        errors = [to_error(record) for record in ps.streams.error if record is not failing]
        terminating_error = to_error(failing) if failing is not None else None
        if terminating_error is None and ps.state in (PSInvocationState.FAILED, PSInvocationState.STOPPED):
            terminating_error = ErrorRecordData(
                message="The pipeline ended in state %s without an error record" % ps.state,
                category="NotSpecified",
                fqid="PipelineFailed",
            )
        return RunResult(
            output=[to_object(obj) for obj in ps.output],
            errors=errors,
            terminating_error=terminating_error,
        )

    # -- errors ----------------------------------------------------------------------------
    def _redact(self, text: str) -> str:
        return _errors.redact(text, [self.options.password])

    def _transport_error(self, err: BaseException, doing: str) -> _errors.HyperVError:
        """The typed exception for a failure of the transport itself."""
        opts = self.options
        where = "Failed to %s on %s" % (doing, opts.endpoint)
        text = _root_text(err)
        details = {"endpoint": opts.endpoint, "error_type": type(err).__name__}
        cls: type[_errors.HyperVError]
        kerberos = _kerberos_problem(err, opts) if opts.auth in ("kerberos", "negotiate") else None
        if kerberos is not None:
            cls = _errors.AuthenticationError
            message = "%s: %s" % (where, kerberos)
        elif _refused(err):
            cls = _errors.AuthenticationError
            message = (
                "%s: the host rejected the credentials of user '%s' (auth %s). Check username and "
                "password, and that the account may use WinRM on the host" % (where, opts.username or "", opts.auth)
            )
        elif isinstance(err, requests.exceptions.SSLError) or _has_cause(err, "SSLError", "SSLCertVerificationError"):
            cls = _errors.TLSError
            message = (
                "%s: the TLS connection failed (%s). Set ca_cert to the CA that signed the host's "
                "certificate, or set validate_certs to false on a network you trust" % (where, text)
            )
        elif isinstance(err, (requests.exceptions.Timeout, socket.timeout, TimeoutError)):
            cls = _errors.HostTimeoutError
            message = (
                "%s: the host did not answer in time (%s). Check that the host is up and WinRM is "
                "listening, or raise read_timeout (ansible_psrp_read_timeout) / connection_timeout / "
                "operation_timeout" % (where, text)
            )
        elif isinstance(err, requests.exceptions.ConnectionError) and _has_cause(
            err, "ConnectionResetError", "RemoteDisconnected", "ConnectionAbortedError", "ProtocolError"
        ):
            cls = _errors.HostUnreachableError
            message = (
                "%s: the connection to the host was lost (%s). Changes sent before the loss may have "
                "been applied: check the host and run the task again" % (where, text)
            )
        elif isinstance(err, requests.exceptions.ConnectionError) and _has_cause(err, "ConnectionRefusedError"):
            cls = _errors.HostUnreachableError
            message = (
                "%s: nothing is listening on %s:%d (connection refused). Check port and protocol "
                "(ansible_port, ansible_psrp_port or ansible_winrm_port; 5986 for https, 5985 for "
                "http) and that the WinRM listener runs" % (where, opts.hostname, opts.effective_port)
            )
        elif isinstance(err, requests.exceptions.ConnectionError):
            cls = _errors.HostUnreachableError
            message = (
                "%s: the host cannot be reached (%s). Check hostname, port and protocol, and that "
                "WinRM listens there (Enable-PSRemoting; firewall)" % (where, text)
            )
        elif isinstance(err, psrp_exceptions.WSManFaultError):
            details.update({"wsman_code": err.code, "wsman_reason": err.reason})
            if err.code == _WSMAN_ACCESS_DENIED:
                cls = _errors.AccessDeniedError
                message = (
                    "%s: access denied (%s). Connect as a member of the host's Administrators or "
                    "Remote Management Users group" % (where, text)
                )
            else:
                cls = _errors.TransportError
                message = "%s: WinRM fault %s (%s). Check the host's WinRM service and event log" % (
                    where,
                    err.code,
                    text,
                )
        elif isinstance(err, UnicodeEncodeError) and opts.auth == "basic":
            # requests writes the HTTP Basic header in Latin-1 (requests.auth._basic_auth_str); the
            # other auths carry the credentials as Unicode (NTLM, Kerberos through SPNEGO).
            cls = _errors.InvalidArgumentError
            which = "user name" if not _latin1(opts.username) else "password"
            message = (
                "%s: auth basic sends the user name and password in Latin-1, and the %s has a character "
                "outside it. Use auth ntlm, negotiate or kerberos (ansible_psrp_auth), or a %s in Latin-1"
                % (where, which, which)
            )
        elif isinstance(err, ValueError):
            # pypsrp checks some combinations only when it builds the HTTP session.
            cls = _errors.InvalidArgumentError
            message = "%s: %s. Fix the connection options (username, password, auth, certificate_pem)" % (where, text)
        elif isinstance(err, ImportError):
            cls = _errors.TransportError
            message = (
                "%s: auth %s needs a Python package that is missing on the controller (%s). Install "
                "pypsrp with the matching extra, e.g. pypsrp[kerberos] or pypsrp[credssp]" % (where, opts.auth, text)
            )
        else:
            cls = _errors.TransportError
            message = "%s: %s. Check the host's WinRM service" % (where, text)
        return cls(self._redact(message + "."), details)


# What MIT Kerberos (and Heimdal) say, through pyspnego, when a domain user's ticket cannot be had
# or is refused; each with its cause and remedy in a domain admin's terms. The texts are the
# krb5 error table's (krb5/src/lib/krb5/error_tables/krb5_err.et) and gssapi's.
_KERBEROS_PROBLEMS: tuple[tuple[str, str], ...] = (
    (r"No Kerberos credentials available|No credentials cache found|Credentials cache .*not found"
     r"|No credentials were supplied",
     "no Kerberos ticket and no password for the user: run kinit %(user_or_principal)s on the "
     "controller (a ticket cache in KRB5CCNAME), or set the password (ansible_password)"),
    (r"Clock skew too great",
     "the clock of the controller and of the domain's KDC differ by more than the KDC's tolerance "
     "(5 minutes by default): synchronise the controller's time with the domain (NTP/chrony)"),
    (r"Client '?[^ ]*'? not found in Kerberos database",
     "the domain has no user %(user)s: check ansible_user, written user@REALM with the realm in "
     "capitals (e.g. admin@CORP.EXAMPLE.COM)"),
    (r"Preauthentication failed|Decrypt integrity check failed|Password incorrect",
     "the domain's KDC refused the password of %(user)s: check ansible_password"),
    (r"Server '?[^ ]*'? not found in Kerberos database",
     "the domain has no service principal %(spn)s, so no ticket for it can be had: connect with "
     "the name the host's SPNs are registered for (not an alias or an IP address), set "
     "negotiate_hostname_override (ansible_psrp_negotiate_hostname_override) to that name, or "
     "register the SPN on the host's account (setspn -S %(spn)s <host account>)"),
    (r"Ticket expired|Ticket not yet valid",
     "the Kerberos ticket in the controller's cache has expired: run kinit %(user_or_principal)s again"),
    (r"Cannot find KDC for realm|Cannot contact any KDC|Cannot resolve network address for KDC"
     r"|Realm not local to KDC",
     "no KDC of the user's realm can be reached: check the realm in ansible_user and the "
     "[realms] / DNS settings of the controller's krb5.conf (KRB5_CONFIG)"),
)


def _refused(err: BaseException) -> bool:
    """Whether the host refused the credentials (pypsrp's AuthenticationError, or HTTP 401)."""
    return isinstance(err, psrp_exceptions.AuthenticationError) or (
        isinstance(err, psrp_exceptions.WinRMTransportError) and err.code == 401
    )


def _kerberos_problem(err: BaseException, opts: ConnectionOptions) -> str | None:
    """The Kerberos cause of ``err`` as a sentence with its remedy, or None when it is not one."""
    if _refused(err):
        if not opts.uses_kerberos:
            return None
        # The ticket was issued, so the domain knows the SPN, but the host could not use it.
        return (
            "the host refused the Kerberos ticket for %s: that service principal belongs to "
            "another account than the host's (a DNS alias or a duplicate SPN), or the host's keys "
            "changed; connect with the host's own name or fix its SPNs (setspn -Q %s)"
            % (opts.service_principal, opts.service_principal)
        )
    texts = []
    types: set[str] = set()
    for current in _chain(err, "base_error"):
        texts.append(str(current))
        types.update(cls.__name__ for cls in type(current).__mro__)
    if not types & {"Krb5Error", "GSSError", "SpnegoError"}:
        return None
    joined = " ".join(texts)
    user = "'%s'" % opts.username if opts.username else "(none given)"
    values = {"user": user, "user_or_principal": opts.username or "user@REALM", "spn": opts.service_principal}
    for pattern, sentence in _KERBEROS_PROBLEMS:
        if re.search(pattern, joined, re.I):
            return sentence % values
    return None


def _latin1(text: str | None) -> bool:
    try:
        (text or "").encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _root_text(err: BaseException) -> str:
    """The innermost reason of a library exception, without urllib3's pool wrapping."""
    current: t.Any = err
    for _depth in range(10):
        inner = getattr(current, "reason", None)
        if not isinstance(inner, BaseException):
            inner = next((arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException)), None)
        if inner is None:
            break
        current = inner
    text = str(current)
    errno_at = text.find("[Errno")
    if errno_at >= 0:
        text = text[errno_at:]
    # urllib3 wraps its reason as "...(Caused by X('...'))": drop the closing marks that no opening
    # one in what is left matches, and keep a reason's own "(...)" such as "range(256)".
    text = text.rstrip("\"' ")
    while text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].rstrip("\"' ")
    return _errors._sentence(text) or type(err).__name__


def _chain(err: BaseException, link: str) -> t.Iterator[t.Any]:
    """``err`` and each exception reachable from it once: its cause, its context, the library's own
    wrapped error (attribute ``link``: urllib3's ``reason``, pyspnego's ``base_error``) and any
    exception among its arguments."""
    seen: set[int] = set()
    todo: list[t.Any] = [err]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseException):
            todo.extend([current.__cause__, current.__context__, getattr(current, link, None)])
            todo.extend(arg for arg in current.args if isinstance(arg, BaseException))


def _has_cause(err: BaseException, *names: str) -> bool:
    """True when ``err`` or an exception in its chain or arguments has one of the class names."""
    return any(type(current).__name__ in names for current in _chain(err, "reason"))
