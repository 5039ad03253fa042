"""Conformance of the wire, the session and the serialization with what real Windows hosts send.

Each test names the public source of the fact it checks. The client is the real pypsrp over real
sockets and TLS; where pypsrp hides a detail (the BOM, a fault's SOAP code), the test reads the
bytes of a real HTTP exchange with the emulator (requests + Basic auth over TLS).
"""

from __future__ import annotations

import base64
import contextlib
import re
import struct
import threading
import uuid

import emulator_helpers
import pytest
import requests
from pypsrp.complex_objects import GenericComplexObject
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

from hyperv_sriov_emulator import engine
from hyperv_sriov_emulator.scenario import load_scenario_text
from hyperv_sriov_emulator.server.client import wsman_kwargs

SCENARIO = """
hosts:
  - name: HV22
    os_version: "2022"
    physical_adapters:
      - {name: SLOT 1 Port 1, interface_description: Mellanox ConnectX-4 Lx, max_vfs: 8, num_vfs: 4}
    switches:
      - {name: sriov, net_adapters: [SLOT 1 Port 1], enable_iov: true}
    vms:
      - name: web1
        state: Running
        guest_sriov: true
        adapters: [{name: Network Adapter, switch: sriov, iov_weight: 100}]
  - name: HV12
    os_version: "2012r2"
  - name: HV16
    os_version: "2016"
"""

PIPELINE_OUTPUT = 0x00041004
ERROR_RECORD = 0x00041005
PIPELINE_STATE = 0x00041006
BOM = b"\xef\xbb\xbf"


@contextlib.contextmanager
def serving(tmp_path_factory):
    """The emulator's server for SCENARIO: its ready-file hosts by name, stopped on exit."""
    with emulator_helpers.serving(load_scenario_text(SCENARIO), tmp_path_factory.mktemp("conformance")) as ready:
        yield {host["name"]: host for host in ready["hosts"]}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with serving(tmp_path_factory) as hosts:
        yield hosts


def _wsman(served, name="HV22", **overrides):
    return WSMan(**wsman_kwargs(served[name], **overrides))


def _within(seconds, func):
    """``func()``'s result, or a test failure if it has not returned in time (pypsrp polls forever
    for an answer that never comes)."""
    box = {}

    def target():
        try:
            box["value"] = func()
        except BaseException as err:  # handed to the test thread
            box["error"] = err

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the client was still waiting after %ss" % seconds
    if "error" in box:
        raise box["error"]
    return box["value"]


# -- raw WS-Management exchanges ---------------------------------------------------------------------
class RawClient:
    """Hand-written SOAP requests over real HTTPS + Basic auth, to read bytes pypsrp hides."""

    def __init__(self, host):
        self.url = "https://%s:%d/wsman" % (host["hostname"], host["port"])
        self.auth = (host["username"], host["password"])
        self.verify = host["ca_cert"]

    def post(self, body, headers=None, auth=True):
        headers = dict({"Content-Type": "application/soap+xml;charset=UTF-8"}, **(headers or {}))
        return requests.post(self.url, data=body, headers=headers, verify=self.verify,
                             auth=self.auth if auth else None, timeout=30)


def _envelope(action, shell_id=None, body="", extra_header=""):
    selector = ('<w:SelectorSet><w:Selector Name="ShellId">%s</w:Selector></w:SelectorSet>' % shell_id
                if shell_id else "")
    return (
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" '
        'xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Header>'
        "<a:Action>%s</a:Action><a:MessageID>uuid:%s</a:MessageID>"
        "<w:ResourceURI>http://schemas.microsoft.com/powershell/Microsoft.PowerShell</w:ResourceURI>"
        "<w:MaxEnvelopeSize>153600</w:MaxEnvelopeSize><w:OperationTimeout>PT5S</w:OperationTimeout>"
        "%s%s</s:Header><s:Body>%s</s:Body></s:Envelope>"
        % (action, str(uuid.uuid4()).upper(), selector, extra_header, body)
    ).encode("utf-8")


def _messages(receive_response_text):
    """The PSRP messages (type, data) in the stdout streams of a Receive response."""
    found = []
    for chunk in re.findall(r'<rsp:Stream Name="stdout"[^>]*>([^<]*)</rsp:Stream>', receive_response_text):
        raw = base64.b64decode(chunk)
        offset = 0
        while offset < len(raw):
            _object_id, fragment_id, _flags, length = struct.unpack(">QQBI", raw[offset:offset + 21])
            piece = raw[offset + 21:offset + 21 + length]
            offset += 21 + length
            if fragment_id == 0:
                found.append((struct.unpack("<I", piece[4:8])[0], piece[40:]))
    return found


# -- 1. messages a client waits for ------------------------------------------------------------------
def test_get_command_metadata_is_answered(served):
    # Source: jborean93/pypsrp tests/tests_pypsrp/responses/test_psrp_get_command_metadata.yml (a
    # real host answers GET_COMMAND_METADATA with a count, one Selected.*CmdletInfo/FunctionInfo
    # per command with Name, Namespace, CommandType and Parameters, then Completed); MS-PSRP 3.2.5.4.
    with _wsman(served) as wsman, RunspacePool(wsman) as pool:
        found = _within(20, lambda: pool.get_command_metadata(["Get-VMSwitch", "Get-NetAdapterSriov"]))
        by_name = {meta.name: meta for meta in found}
        assert set(by_name) == {"Get-VMSwitch", "Get-NetAdapterSriov"}
        switch = by_name["Get-VMSwitch"]
        assert switch.namespace == "Hyper-V"
        assert str(switch.command_type) == "Cmdlet"
        assert "SwitchType" in switch.parameters and "ErrorAction" in switch.parameters
        assert switch.parameters["ErrorAction"].aliases == ["ea"]
        assert switch.parameters["Verbose"].switch_parameter is True
        sriov = by_name["Get-NetAdapterSriov"]
        assert (sriov.namespace, str(sriov.command_type)) == ("NetAdapter", "Function")
        # Wildcards select, and a command type filter (Function = 2) narrows.
        functions = _within(20, lambda: pool.get_command_metadata("*-NetAdapterSriov*", command_types=2))
        assert functions and all(str(meta.command_type) == "Function" for meta in functions)


def _exchange(served, build, name="HV22", wsman_options=None):
    """Run the pipeline ``build(ps)`` adds commands to; return the pypsrp PowerShell and the text
    of every Receive answer the host sent, as it came off the wire."""
    answers = []
    with _wsman(served, name, **(wsman_options or {})) as wsman:
        send = wsman.transport.send

        def spy(*args, **kwargs):
            answer = send(*args, **kwargs)
            answers.append(answer.decode("utf-8") if isinstance(answer, bytes) else str(answer))
            return answer

        wsman.transport.send = spy
        with RunspacePool(wsman) as pool:
            ps = PowerShell(pool)
            build(ps)
            ps.invoke()
    return ps, [text for text in answers if "ReceiveResponse" in text]


def _pipeline_messages(receives):
    return [(kind, data) for text in receives if "CommandId=" in text for kind, data in _messages(text)]


def test_merge_error_puts_records_into_output_in_the_order_written(served):
    # Source: pypsrp tests/tests_pypsrp/responses/test_psrp_merge_commands.yml: with the error
    # stream merged into output, the record arrives as PIPELINE_OUTPUT, an ErrorRecord whose first
    # extended member is writeErrorStream = true, among the objects in the order written.
    def build(ps):
        ps.add_cmdlet("Get-VM").add_parameter("Name", ["web1", "nowhere"])
        ps.merge_error("output")

    ps, receives = _exchange(served, build)
    assert ps.streams.error == [] and len(ps.output) == 2
    kinds = [kind for kind, _data in _pipeline_messages(receives)]
    assert kinds == [PIPELINE_OUTPUT, PIPELINE_OUTPUT, PIPELINE_STATE]
    record = [data for _kind, data in _pipeline_messages(receives) if b"ErrorRecord" in data[:200]]
    assert len(record) == 1
    assert b'<MS><B N="writeErrorStream">true</B>' in record[0]
    assert b"nowhere" in record[0]


def test_errors_and_output_travel_in_the_order_written(served):
    # Source: MS-PSRP 3.2.5.4.1 and pypsrp test_psrp_merge_commands.yml: a host streams each
    # object and each record as the pipeline writes it, not the objects first. The order the
    # cmdlets write in is the engine's (in process, same scenario); the wire must keep it.
    names = ["nowhere", "web1"]

    def build(ps):
        ps.add_cmdlet("Get-VM").add_parameter("Name", names).add_statement()
        ps.add_cmdlet("Get-VMHost").add_statement()
        ps.add_cmdlet("Get-VM").add_parameter("Name", names)

    ps, receives = _exchange(served, build)
    host = load_scenario_text(SCENARIO)[0]
    spec = engine.CommandSpec("Get-VM", [("Name", names)])
    written = engine.invoke(host, [[spec], [engine.CommandSpec("Get-VMHost")], [spec]]).stream
    expected = [PIPELINE_OUTPUT if kind == "output" else ERROR_RECORD for kind, _item in written]
    assert expected.count(ERROR_RECORD) == 2 and expected.count(PIPELINE_OUTPUT) == 3
    kinds = [kind for kind, _data in _pipeline_messages(receives)]
    assert kinds == expected + [PIPELINE_STATE]
    assert len(ps.output) == 3 and len(ps.streams.error) == 2


# -- 2. CIM objects as PowerShell serializes them ---------------------------------------------------------
def _read_one(served, cmdlet, **params):
    with _wsman(served) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet(cmdlet)
        for name, value in params.items():
            ps.add_parameter(name, value)
        output = ps.invoke()
        assert not ps.had_errors, [str(e) for e in ps.streams.error]
        return output


def test_netadapter_is_a_cim_instance_with_raw_props_and_module_members(served):
    # Sources: PowerShell src/System.Management.Automation/engine/serialization.cs (adapted
    # properties in <Props>, extended members in <MS>, __ClassMetadata from
    # PrepareCimInstanceForSerialization); src/.../cimSupport/other/ciminstancetypeadapter.cs
    # (PSComputerName is the last adapted property); an Export-Clixml of Get-NetAdapter quoted in
    # pester/Pester#601 (ifDesc, ifName, DriverVersion, LinkLayerAddress in <MS>); the MMI
    # ToString as Get-NetRoute/Test-NetConnection print it: MSFT_NetAdapter (CreationClassName = ...).
    (nic,) = _read_one(served, "Get-NetAdapter", Name="SLOT 1 Port 1")
    assert nic.types[0] == "Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/MSFT_NetAdapter"
    props, members = nic.adapted_properties, nic.extended_properties
    for raw in ("InterfaceIndex", "InterfaceGuid", "PermanentAddress", "MtuSize", "Speed", "DeviceID",
                "InterfaceDescription", "Name"):
        assert raw in props and raw not in members, raw
    assert list(props)[-1] == "PSComputerName" and props["PSComputerName"] is None
    assert isinstance(props["InterfaceIndex"], int) and props["MtuSize"] == 1500
    assert re.fullmatch(r"[0-9A-F]{12}", props["PermanentAddress"])
    for member in ("ifIndex", "ifDesc", "MacAddress", "LinkSpeed", "Status", "AdminStatus", "MediaConnectionState"):
        assert member in members and member not in props, member
    assert members["ifIndex"] == props["InterfaceIndex"]
    assert members["MacAddress"] == "-".join(re.findall("..", props["PermanentAddress"]))
    assert members["AdminStatus"].to_string == "Up"
    assert members["AdminStatus"].types[0].endswith("NET_IF_ADMIN_STATUS")
    metadata = members["__ClassMetadata"]
    assert [entry.extended_properties["ClassName"] for entry in metadata][-1] == "MSFT_NetAdapter"
    assert metadata[-1].extended_properties["Namespace"] == "ROOT/StandardCimv2"
    assert "MiXml" in metadata[-1].extended_properties
    assert nic.to_string == (
        'MSFT_NetAdapter (CreationClassName = "MSFT_NetAdapter", DeviceID = "%s", '
        'SystemCreationClassName = "CIM_NetworkPort", SystemName = "HV22")' % props["DeviceID"])


def test_class_metadata_declares_a_class_once_per_pipeline(served):
    # Source: serialization.cs PrepareCimInstanceForSerialization: the chain stops at the first
    # class the deserializer already has, and only new classes carry MiXml.
    first, second = _read_one(served, "Get-NetAdapter")[:2]
    chain = first.extended_properties["__ClassMetadata"]
    assert len(chain) == 8 and all("MiXml" in entry.extended_properties for entry in chain)
    again = second.extended_properties["__ClassMetadata"]
    assert [entry.extended_properties["ClassName"] for entry in again] == ["MSFT_NetAdapter"]
    assert "MiXml" not in again[0].extended_properties


def test_sriov_support_is_the_raw_byte_and_capabilities_are_objects(served):
    # Sources: MicrosoftDocs/win32 desktop-src/FWP/wmi/netadaptercimprov/
    # msft-netadaptersriovsettingdata.md (SriovSupport is a uint8; the capabilities are embedded
    # MSFT_NetAdapterSriovCapabilities instances) and serialization.cs GetDepthOfSerialization
    # (a CimInstance is serialized at depth 1 wherever it is).
    (sriov,) = _read_one(served, "Get-NetAdapterSriov", Name="SLOT 1 Port 1")
    props = sriov.adapted_properties
    assert props["SriovSupport"] == 1 and isinstance(props["SriovSupport"], int)
    assert sriov.to_string.startswith('MSFT_NetAdapterSriovSettingData (InstanceID = "{')
    caps = props["HardwareCapabilities"]
    assert isinstance(caps, GenericComplexObject)
    assert caps.types[0].endswith("/MSFT_NetAdapterSriovCapabilities")
    assert caps.adapted_properties["MaxNumVFs"] == 8


def test_nested_virtual_function_is_an_object(served):
    # Source: serialization.cs GetDepthOfSerialization; Hyper-V's VMNetworkAdapter.VirtualFunction
    # is a CimInstance (reference S3), so it travels as an object, not as its text.
    (adapter,) = _read_one(served, "Get-VMNetworkAdapter", VMName="web1")
    vf = adapter.adapted_properties["VirtualFunction"]
    assert isinstance(vf, GenericComplexObject), vf
    assert vf.types[0].endswith("/MSFT_NetAdapterSriovVfSettingData")
    assert vf.adapted_properties["VmFriendlyName"] == "web1"


# -- 3. the PSRP session and the wire --------------------------------------------------------------------
@pytest.mark.parametrize("name, protocol, ps_version, build", [
    ("HV22", "2.3", "5.1.20348", "10.0.20348"),
    ("HV16", "2.3", "5.1.14393", "10.0.14393"),
    ("HV12", "2.2", "2.0", "6.3.9600"),
])
def test_session_reports_the_hosts_version_table(served, name, protocol, ps_version, build):
    # Sources: pypsrp tests/tests_pypsrp/responses/test_psrp_get_command_metadata.yml (5.1 host:
    # PSVersion, PSEdition, PSCompatibleVersions, CLRVersion, BuildVersion, WSManStackVersion,
    # PSRemotingProtocolVersion 2.3, SerializationVersion) and test_psrp_run_protocol_version_2.2.yml
    # (a 6.3.9600 host: protocol 2.2, PSVersion 2.0 to a v2 client, debugger keys, no PSEdition).
    with _wsman(served, name) as wsman, RunspacePool(wsman) as pool:
        assert pool.protocol_version == protocol
        data = pool.application_private_data.data
    table = data["PSVersionTable"]
    assert str(table["PSVersion"]).startswith(ps_version)
    assert str(table["BuildVersion"]).startswith(build + ".")
    assert str(table["CLRVersion"]) == "4.0.30319.42000"
    assert str(table["WSManStackVersion"]) == "3.0"
    assert str(table["PSRemotingProtocolVersion"]) == protocol
    assert str(table["SerializationVersion"]) == "1.1.0.1"
    assert [str(v) for v in table["PSCompatibleVersions"]][:4] == ["1.0", "2.0", "3.0", "4.0"]
    if name == "HV12":
        assert "PSEdition" not in table and data["DebugMode"] == 1
    else:
        assert table["PSEdition"] == "Desktop"
        assert str(table["PSVersion"]).split(".")[3] == str(table["BuildVersion"]).split(".")[3]


def test_every_message_starts_with_a_bom_and_only_the_last_receive_has_a_command_state(served):
    # Source: pypsrp tests/tests_pypsrp/responses/*.yml: every PSRP message a real host sends
    # starts with EF BB BF; intermediate Receive answers carry no CommandState
    # (test_psrp_small_msg_size.yml), the last one carries State Done with ExitCode 0
    # (test_psrp_long_running_cmdlet.yml).
    def build(ps):
        ps.add_cmdlet("Get-NetAdapter").add_statement()
        ps.add_cmdlet("Get-VMSwitch")

    _ps, receives = _exchange(served, build, wsman_options={"max_envelope_size": 8192})
    messages = [message for text in receives for message in _messages(text)]
    assert messages and all(data.startswith(BOM) for _type, data in messages)
    command_receives = [text for text in receives if "CommandId=" in text]
    assert len(command_receives) > 1  # the small envelope splits the answer
    for text in command_receives[:-1]:
        assert "CommandState" not in text
    assert re.search(r'<rsp:CommandState CommandId="[^"]+" State="[^"]+/CommandState/Done">'
                     r"<rsp:ExitCode>0</rsp:ExitCode></rsp:CommandState>", command_receives[-1])


def test_faults_are_the_senders_with_winrs_wording(served):
    # Sources: pypsrp tests/tests_pypsrp/responses/test_winrs_bad_cmd_id.yml (an unknown command:
    # s:Sender, w:InvalidSelectors, FaultDetail UnexpectedSelectors, the WinRS sentence) and
    # test_psrp_is_alive_invalid_selectors.yml (an unknown shell: the Shell provider's fault).
    raw = RawClient(served["HV22"])
    with _wsman(served) as wsman, RunspacePool(wsman) as pool:
        shell_id = str(pool.id).upper()
        receive = _envelope(
            "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive", shell_id,
            '<rsp:Receive><rsp:DesiredStream CommandId="%s">stdout</rsp:DesiredStream></rsp:Receive>'
            % str(uuid.uuid4()).upper())
        answer = raw.post(receive)
    assert answer.status_code == 500
    text = answer.text
    assert "<s:Value>s:Sender</s:Value>" in text and "<s:Value>w:InvalidSelectors</s:Value>" in text
    assert ("<w:FaultDetail>http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors"
            "</w:FaultDetail>") in text
    assert "The Windows Remote Shell received a request to perform an operation on a command identifier " \
           "that does not exist." in text
    gone = raw.post(_envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/Get", str(uuid.uuid4()).upper()))
    assert gone.status_code == 500 and 'provider="Shell provider"' in gone.text
    assert "<s:Value>s:Sender</s:Value>" in gone.text
    # A time-out stays the receiver's.
    with _wsman(served, operation_timeout=1) as wsman, RunspacePool(wsman) as pool:
        shell_id = str(pool.id).upper()
        waiting = raw.post(_envelope("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive", shell_id,
                                     "<rsp:Receive><rsp:DesiredStream>stdout</rsp:DesiredStream></rsp:Receive>")
                           .replace(b"PT5S", b"PT1S"))
    assert waiting.status_code == 500 and "<s:Value>s:Receiver</s:Value>" in waiting.text
    assert "<s:Value>w:TimedOut</s:Value>" in waiting.text


IDENTIFY = (
    b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    b'xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">'
    b"<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>"
)


def test_identify_is_answered(served):
    # Source: Test-WSMan output in MicrosoftDocs/PowerShell-Docs (learn/ps101/07-working-with-wmi.md:
    # ProductVendor Microsoft Corporation, "OS: 0.0.0 SP: 0.0 Stack: 3.0" unauthenticated) and a
    # public transcript of an authenticated Test-WSMan against a 2019 host ("OS: 10.0.17763").
    raw = RawClient(served["HV22"])
    anonymous = raw.post(IDENTIFY, headers={"WSMANIDENTIFY": "unauthenticated"}, auth=False)
    assert anonymous.status_code == 200
    assert "<wsmid:ProductVendor>Microsoft Corporation</wsmid:ProductVendor>" in anonymous.text
    assert "<wsmid:ProductVersion>OS: 0.0.0 SP: 0.0 Stack: 3.0</wsmid:ProductVersion>" in anonymous.text
    assert ("<wsmid:ProtocolVersion>http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd</wsmid:ProtocolVersion>"
            in anonymous.text)
    known = raw.post(IDENTIFY)
    assert known.status_code == 200 and "OS: 10.0.20348 SP: 0.0 Stack: 3.0" in known.text
    assert raw.post(IDENTIFY, auth=False).status_code == 401


def test_envelope_larger_than_max_envelope_size_is_refused(served):
    # Sources: pypsrp test_wsman_update_envelope_size_500.yml (MaxEnvelopeSizekb 500 on a real
    # host); dsccommunity/SharePointDsc#670 (a request over it fails with HRESULT 0x80338111).
    with _wsman(served) as wsman:
        wsman.update_max_payload_size()
        assert wsman.max_envelope_size == 500 * 1024
    raw = RawClient(served["HV22"])
    padding = "<rsp:Stream Name=\"stdin\">%s</rsp:Stream>" % ("A" * (501 * 1024))
    answer = raw.post(_envelope("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send",
                                str(uuid.uuid4()).upper(), "<rsp:Send>%s</rsp:Send>" % padding))
    assert answer.status_code == 500
    assert 'Code="2150859025"' in answer.text and "<s:Value>w:EncodingLimit</s:Value>" in answer.text
    assert "<s:Value>s:Sender</s:Value>" in answer.text
