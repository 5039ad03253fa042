"""WS-Management SOAP envelopes: parse a request, build responses and faults.

The shapes follow what Windows' WinRM service sends, as pypsrp's recorded exchanges with real
hosts show them (jborean93/pypsrp ``tests/tests_pypsrp/responses/*.yml``): a fault the client
caused has the SOAP code ``s:Sender``, a ``w:FaultDetail`` where WinRM gives one, and the WinRS
wording; a Receive answer carries ``CommandState`` only when the command is done, with its
``ExitCode``; an Identify request is answered without WS-Addressing headers.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
    "cfg": "http://schemas.microsoft.com/wbem/wsman/1/config",
    "pwsh": "http://schemas.microsoft.com/powershell",
}

ACTION_CREATE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
ACTION_DELETE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
ACTION_GET = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
ACTION_COMMAND = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command"
ACTION_SEND = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send"
ACTION_RECEIVE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"
ACTION_SIGNAL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"
ACTION_FAULT = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"

SIGNAL_TERMINATE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/Terminate"
SIGNAL_PS_CTRL_C = "powershell/signal/crtl_c"
SIGNAL_PS_CTRL_C_ALT = "powershell/signal/ctrl_c"

POWERSHELL_URI = "http://schemas.microsoft.com/powershell/Microsoft.PowerShell"
STATE_DONE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"

# Fault codes as Windows reports them (the numeric WSManFault Code pypsrp reads).
FAULT_TIMED_OUT = 2150858793
FAULT_INVALID_SELECTORS = 2150858843
FAULT_ACCESS_DENIED = 5
FAULT_NOT_SUPPORTED = 2150858780
FAULT_SCHEMA = 2150858817
# 0x80338111, ERROR_WSMAN_QUOTA_MAX_ENVELOPE_SIZE: the code clients report when a request exceeds
# the service's MaxEnvelopeSizekb (e.g. dsccommunity/SharePointDsc#670: "HRESULT 0x80338111").
FAULT_ENVELOPE_SIZE = 2150859025
FAULT_DETAIL = "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/"
# The service's MaxEnvelopeSizekb: 500 on every modelled version (WinRM 3.0's default; pypsrp's
# test_wsman_update_envelope_size_500.yml reads it from a real host's config).
MAX_ENVELOPE_KB = 500

INVALID_SELECTORS_TEXT = ("The WS-Management service cannot process the request because the request contained "
                          "invalid selectors for the resource. ")
WINRS_NO_COMMAND_TEXT = ("The Windows Remote Shell received a request to perform an operation on a command "
                         "identifier that does not exist. Either the command has completed execution or the "
                         "client specified an invalid command identifier. ")
IDENTIFY_NS = "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"

_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$")

for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)


class WSManFault(Exception):
    """A request the endpoint answers with a SOAP fault (HTTP 500).

    ``reason`` is the SOAP Reason text; ``message`` the WSManFault Message (the reason when not
    given); ``detail`` the name of a ``w:FaultDetail`` under WS-Man's faultDetail URI; ``provider``
    wraps the message in the ProviderFault of that WinRM plugin. A fault is the receiver's
    (``s:Receiver``) for time-outs and internal errors, else the sender's (``s:Sender``)."""

    def __init__(self, code: int, reason: str, subcode: str = "w:InternalError", message: str | None = None,
                 detail: str | None = None, provider: str | None = None) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.subcode = subcode
        self.message = reason if message is None else message
        self.detail = detail
        self.provider = provider

    @property
    def sender(self) -> bool:
        return self.subcode not in ("w:TimedOut", "w:InternalError")


@dataclasses.dataclass
class Request:
    action: str
    message_id: str
    resource_uri: str
    selectors: dict[str, str]
    options: dict[str, str]
    max_envelope_size: int
    operation_timeout: float
    body: ET.Element | None

    @property
    def shell_id(self) -> str | None:
        value = self.selectors.get("ShellId")
        return value.upper() if value else None


def _duration_seconds(text: str | None, default: float) -> float:
    match = _DURATION.match(text or "")
    if not match:
        return default
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0)


def parse_request(data: bytes, max_envelope_kb: int = MAX_ENVELOPE_KB) -> Request:
    """The request in ``data``; a fault when it is larger than the service's MaxEnvelopeSizekb or
    not a SOAP envelope."""
    if len(data) > max_envelope_kb * 1024:
        raise envelope_too_large(len(data), max_envelope_kb * 1024)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as err:
        raise WSManFault(FAULT_SCHEMA, "The request is not a well-formed SOAP envelope: %s" % err,
                         "w:SchemaValidationError") from None
    header = root.find("s:Header", NS)
    body = root.find("s:Body", NS)
    if header is None:
        raise WSManFault(FAULT_SCHEMA, "The SOAP envelope has no header.", "w:SchemaValidationError")

    def text(path: str) -> str:
        node = header.find(path, NS)
        return (node.text or "").strip() if node is not None else ""

    selectors = {
        node.attrib.get("Name", ""): (node.text or "") for node in header.findall("w:SelectorSet/w:Selector", NS)
    }
    options = {node.attrib.get("Name", ""): (node.text or "") for node in header.findall("w:OptionSet/w:Option", NS)}
    try:
        max_env = int(text("w:MaxEnvelopeSize") or "153600")
    except ValueError:
        max_env = 153600
    return Request(
        action=text("a:Action"),
        message_id=text("a:MessageID"),
        resource_uri=text("w:ResourceURI"),
        selectors=selectors,
        options=options,
        max_envelope_size=max_env,
        operation_timeout=_duration_seconds(text("w:OperationTimeout"), 20.0),
        body=body[0] if body is not None and len(body) else None,
    )


def envelope(action: str, relates_to: str, body: str) -> bytes:
    return (
        '<s:Envelope xmlns:s="%(s)s" xmlns:a="%(a)s" xmlns:w="%(w)s" xmlns:x="%(x)s" xmlns:rsp="%(rsp)s" '
        'xmlns:p="%(p)s" xml:lang="en-US"><s:Header>'
        "<a:Action>%(action)s</a:Action><a:MessageID>uuid:%(mid)s</a:MessageID>"
        "<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>"
        "<a:RelatesTo>%(rel)s</a:RelatesTo></s:Header><s:Body>%(body)s</s:Body></s:Envelope>"
        % dict(NS, action=escape(action), mid=str(uuid.uuid4()).upper(), rel=escape(relates_to), body=body)
    ).encode("utf-8")


def response(request: Request, body: str = "") -> bytes:
    return envelope(request.action + "Response", request.message_id, body)


def fault(relates_to: str, fault_: WSManFault, machine: str) -> bytes:
    detail = "<w:FaultDetail>%s%s</w:FaultDetail>" % (FAULT_DETAIL, fault_.detail) if fault_.detail else ""
    inner = '<f:WSManFault xmlns:f="%s" Code="%d" Machine="%s"><f:Message>%s</f:Message></f:WSManFault>' % (
        NS["f"], fault_.code, escape(machine), escape(fault_.message))
    message = escape(fault_.message)
    if fault_.provider:
        message = '<f:ProviderFault provider="%s" path="%%systemroot%%\\system32\\WsmSvc.dll">%s</f:ProviderFault>' % (
            escape(fault_.provider), inner)
    body = (
        "<s:Fault><s:Code><s:Value>%(code)s</s:Value><s:Subcode><s:Value>%(sub)s</s:Value></s:Subcode>"
        '</s:Code><s:Reason><s:Text xml:lang="en-US">%(reason)s</s:Text></s:Reason><s:Detail>%(detail)s'
        '<f:WSManFault xmlns:f="%(f)s" Code="%(num)d" Machine="%(machine)s"><f:Message>%(message)s</f:Message>'
        "</f:WSManFault></s:Detail></s:Fault>"
        % dict(NS, code="s:Sender" if fault_.sender else "s:Receiver", sub=fault_.subcode,
               reason=escape(fault_.reason), detail=detail, num=fault_.code, machine=escape(machine), message=message)
    )
    return envelope(ACTION_FAULT, relates_to, body)


def timed_out() -> WSManFault:
    return WSManFault(
        FAULT_TIMED_OUT,
        "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  ",
        "w:TimedOut",
    )


def shell_not_found() -> WSManFault:
    """A request for a shell the service does not have (pypsrp test_psrp_is_alive_invalid_selectors.yml)."""
    return WSManFault(FAULT_INVALID_SELECTORS, INVALID_SELECTORS_TEXT, "w:InvalidSelectors",
                      detail="UnexpectedSelectors", provider="Shell provider")


def command_not_found() -> WSManFault:
    """A request for a command the shell does not have (pypsrp test_winrs_bad_cmd_id.yml)."""
    return WSManFault(FAULT_INVALID_SELECTORS, INVALID_SELECTORS_TEXT, "w:InvalidSelectors",
                      message=WINRS_NO_COMMAND_TEXT, detail="UnexpectedSelectors")


def envelope_too_large(size: int, limit: int) -> WSManFault:
    return WSManFault(
        FAULT_ENVELOPE_SIZE,
        "The WS-Management service cannot process the request because the request size (%d bytes) exceeds the "
        "configured MaxEnvelopeSize quota (%d bytes). " % (size, limit),
        "w:EncodingLimit",
        detail="ServiceEnvelopeLimit",
    )


def is_identify(data: bytes) -> bool:
    """Whether the body is a WS-Man Identify request (a cheap test before parsing)."""
    return b"Identify" in data and IDENTIFY_NS.encode("ascii") in data


def identify_response(os_build: str | None) -> bytes:
    """The IdentifyResponse WinRM sends. ``os_build`` is the OS version an authenticated request
    learns (``OS: 10.0.20348 SP: 0.0 Stack: 3.0``); None answers an unauthenticated one, which
    hides it (``OS: 0.0.0``), as Test-WSMan output in Microsoft's PowerShell docs
    (MicrosoftDocs/PowerShell-Docs, ``learn/ps101/07-working-with-wmi.md``) and public
    transcripts show."""
    return (
        '<s:Envelope xmlns:s="%s" xml:lang="en-US"><s:Header/><s:Body>'
        '<wsmid:IdentifyResponse xmlns:wsmid="%s"><wsmid:ProtocolVersion>%s</wsmid:ProtocolVersion>'
        "<wsmid:ProductVendor>Microsoft Corporation</wsmid:ProductVendor>"
        "<wsmid:ProductVersion>OS: %s SP: 0.0 Stack: 3.0</wsmid:ProductVersion>"
        "</wsmid:IdentifyResponse></s:Body></s:Envelope>" % (NS["s"], IDENTIFY_NS, NS["w"], os_build or "0.0.0")
    ).encode("utf-8")


def shell_xml(shell_id: str, owner: str, client_ip: str, resource_uri: str = POWERSHELL_URI) -> str:
    return (
        "<rsp:Shell><rsp:ShellId>%s</rsp:ShellId><rsp:ResourceUri>%s</rsp:ResourceUri><rsp:Owner>%s</rsp:Owner>"
        "<rsp:ClientIP>%s</rsp:ClientIP><rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut>"
        "<rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams>"
        "<rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity>"
        "<rsp:State>Connected</rsp:State></rsp:Shell>"
        % (shell_id, escape(resource_uri), escape(owner), escape(client_ip))
    )


def create_response(request: Request, address: str, shell_id: str, owner: str, client_ip: str) -> bytes:
    body = (
        "<x:ResourceCreated><a:Address>%s</a:Address><a:ReferenceParameters><w:ResourceURI>%s</w:ResourceURI>"
        '<w:SelectorSet><w:Selector Name="ShellId">%s</w:Selector></w:SelectorSet></a:ReferenceParameters>'
        "</x:ResourceCreated>" % (escape(address), escape(request.resource_uri), shell_id)
    ) + shell_xml(shell_id, owner, client_ip, request.resource_uri)
    return response(request, body)


def command_response(request: Request, command_id: str) -> bytes:
    body = "<rsp:CommandResponse><rsp:CommandId>%s</rsp:CommandId></rsp:CommandResponse>" % command_id
    return response(request, body)


def receive_response(request: Request, chunks: list[str], command_id: str | None, done: bool) -> bytes:
    """A Receive answer. A real host sends CommandState only with the last answer of a command:
    Done, with ExitCode 0 (pypsrp test_psrp_long_running_cmdlet.yml, test_psrp_small_msg_size.yml)."""
    cid = ' CommandId="%s"' % command_id if command_id else ""
    streams = "".join('<rsp:Stream Name="stdout"%s>%s</rsp:Stream>' % (cid, chunk) for chunk in chunks)
    state = ""
    if command_id and done:
        state = '<rsp:CommandState CommandId="%s" State="%s"><rsp:ExitCode>0</rsp:ExitCode></rsp:CommandState>' % (
            command_id, STATE_DONE)
    return response(request, "<rsp:ReceiveResponse>%s%s</rsp:ReceiveResponse>" % (streams, state))


def config_response(request: Request, max_envelope_kb: int) -> bytes:
    body = (
        '<cfg:Config xmlns:cfg="%s"><cfg:MaxEnvelopeSizekb>%d</cfg:MaxEnvelopeSizekb>'
        "<cfg:MaxTimeoutms>60000</cfg:MaxTimeoutms><cfg:MaxBatchItems>32000</cfg:MaxBatchItems></cfg:Config>"
        % (NS["cfg"], max_envelope_kb)
    )
    return response(request, body)
