# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pypsrp runner's conversions, fed through pypsrp's own deserializer (CLIXML shaped as a
Windows host writes it at remoting depth 1), and its transport errors against real sockets."""
from __future__ import annotations

import socket
import threading

import pytest

from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _errors
from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _psrp_runner
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._connection import ConnectionOptions
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import SWITCH, Command

pypsrp_serializer = pytest.importorskip("pypsrp.serializer")
from ansible_collections.sriov.hyperv.tests.unit.plugins.module_utils import pool_wire  # noqa: E402  pylint: disable=wrong-import-position

SWITCH_XML = """<Obj RefId="0">
<TN RefId="0"><T>Deserialized.Microsoft.HyperV.PowerShell.VMSwitch</T>
<T>Deserialized.Microsoft.HyperV.PowerShell.VirtualizationObject</T><T>Deserialized.System.Object</T></TN>
<ToString>VMSwitch (Name = 'sriov-ext') [Id = 'f8b1...']</ToString>
<Props>
<S N="Name">sriov-ext</S>
<G N="Id">F8B1E2C0-0D1A-4B5C-9E3F-0123456789AB</G>
<Obj N="SwitchType" RefId="1"><TN RefId="1"><T>Microsoft.HyperV.PowerShell.VMSwitchType</T><T>System.Enum</T>
<T>System.ValueType</T><T>System.Object</T></TN><ToString>External</ToString><I32>2</I32></Obj>
<B N="IovEnabled">true</B>
<U32 N="IovVirtualFunctionCount">64</U32>
<U64 N="BandwidthPercentage">0</U64>
<Obj N="IovSupportReasons" RefId="2"><TN RefId="2"><T>System.String[]</T><T>System.Array</T><T>System.Object</T></TN>
<LST><S>First reason.</S><S>Second reason.</S></LST></Obj>
<Nil N="Notes" />
<S N="Extensions">Microsoft Windows Filtering Platform</S>
<DT N="CreationTime">2026-11-01T10:00:00.0000000+00:00</DT>
<Obj N="Tags" RefId="3"><TN RefId="3"><T>System.Collections.Hashtable</T><T>System.Object</T></TN>
<DCT><En><S N="Key">a</S><I32 N="Value">1</I32></En></DCT></Obj>
</Props>
<MS><S N="ComputerName">HV01</S></MS>
</Obj>"""

ERROR_XML = """<Obj RefId="0">
<TN RefId="0"><T>System.Management.Automation.ErrorRecord</T><T>System.Object</T></TN>
<ToString>Hyper-V was unable to find a virtual switch with name "missing".</ToString>
<MS>
<Obj N="Exception" RefId="1">
<TN RefId="1"><T>Microsoft.HyperV.PowerShell.VirtualizationException</T><T>System.Exception</T><T>System.Object</T></TN>
<ToString>Hyper-V was unable to find a virtual switch with name "missing".</ToString>
<Props><S N="Message">Hyper-V was unable to find a virtual switch with name "missing".</S></Props></Obj>
<S N="TargetObject">missing</S>
<S N="FullyQualifiedErrorId">InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMSwitch</S>
<I32 N="ErrorCategory_Category">5</I32>
<S N="ErrorCategory_Activity">Get-VMSwitch</S>
<S N="ErrorCategory_Reason">VirtualizationException</S>
<S N="ErrorCategory_Message">InvalidArgument: (missing:String) [Get-VMSwitch], VirtualizationException</S>
<B N="SerializeExtendedInfo">false</B>
</MS>
</Obj>"""


def _deserialize(xml):
    """As the runner's pool reads a PIPELINE_OUTPUT message."""
    return pool_wire.read_output(xml)


def test_fast_path_decodes_exactly_like_pypsrp():
    plain = pypsrp_serializer.Serializer().deserialize(SWITCH_XML)
    assert _psrp_runner.to_object(_deserialize(SWITCH_XML)) == _psrp_runner.to_object(plain)


def test_output_object_follows_the_plain_data_rules():
    obj = _psrp_runner.to_object(_deserialize(SWITCH_XML))
    assert obj.type_names == [
        "Microsoft.HyperV.PowerShell.VMSwitch",
        "Microsoft.HyperV.PowerShell.VirtualizationObject",
        "System.Object",
    ]
    assert obj.is_a("microsoft.hyperv.powershell.vmswitch")
    props = obj.properties
    assert props["Name"] == "sriov-ext"
    assert props["Id"] == "f8b1e2c0-0d1a-4b5c-9e3f-0123456789ab"
    assert props["SwitchType"] == "External"
    assert props["IovEnabled"] is True
    assert props["IovVirtualFunctionCount"] == 64 and props["IovVirtualFunctionCount"].__class__ is int
    assert props["IovSupportReasons"] == ["First reason.", "Second reason."]
    assert props["Notes"] is None
    assert props["Extensions"] == "Microsoft Windows Filtering Platform"
    assert props["CreationTime"] == "2026-11-01T10:00:00.0000000+00:00"
    assert props["Tags"] == {"a": 1}
    # Note properties are merged with the adapted ones.
    assert props["ComputerName"] == "HV01"
    assert obj.to_string.startswith("VMSwitch (Name = 'sriov-ext')")


def test_bare_values_become_objects_with_their_text():
    assert _psrp_runner.to_object("hello").to_string == "hello"
    assert _psrp_runner.to_object("hello").type_names == ["System.String"]
    enum = _psrp_runner.to_object(
        _deserialize(
            '<Obj RefId="0"><TN RefId="0"><T>Microsoft.HyperV.PowerShell.OnOffState</T><T>System.Enum</T>'
            "<T>System.ValueType</T><T>System.Object</T></TN><ToString>Off</ToString><I32>1</I32></Obj>"
        )
    )
    assert enum.to_string == "Off" and enum.type_names[0] == "Microsoft.HyperV.PowerShell.OnOffState"


def test_error_record_becomes_plain_record():
    # Error records reach the serializer with their metadata: pypsrp reads them.
    record = _psrp_runner.to_error(pypsrp_serializer.Serializer().deserialize(ERROR_XML))
    assert record.message == 'Hyper-V was unable to find a virtual switch with name "missing".'
    assert record.category == "InvalidArgument"
    assert record.fqid == "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMSwitch"
    assert record.target == "missing"
    assert record.command == "Get-VMSwitch"
    assert record.exception_type == "Microsoft.HyperV.PowerShell.VirtualizationException"
    assert isinstance(_errors.error_from_record(record), _errors.NotFoundError)


def test_statements_are_bound_structurally():
    wsman = _psrp_runner.WSMan("hv1", username="u", password="p", auth="basic")
    pool = _psrp_runner.RunspacePool(wsman)
    pool.protocol_version = "2.3"  # what the host announces when the pool opens
    ps = _psrp_runner.build_powershell(
        pool,
        [
            [Command("Get-VMSwitch", {"Name": "it's; Remove-VM *"})],
            [Command("Get-VMNetworkAdapter", {"All": SWITCH}), Command("Where-Object", {"Property": "Name"})],
            [Command("Set-VMSwitch", {"MinimumBandwidthAbsolute": 10_000_000_000, "Name": ["a", "b"]})],
        ],
    )
    commands = ps.commands
    assert [c.cmd for c in commands] == ["Get-VMSwitch", "Get-VMNetworkAdapter", "Where-Object", "Set-VMSwitch"]
    assert all(not c.is_script for c in commands)
    assert [c.end_of_statement for c in commands] == [True, False, True, True]
    # The hostile-looking name travels as one string value, not as text to parse.
    assert (commands[0].args[0].name, commands[0].args[0].value) == ("Name", "it's; Remove-VM *")
    assert (commands[1].args[0].name, commands[1].args[0].value) == ("All", None)
    big = commands[3].args[0].value
    assert isinstance(big, _psrp_runner.TaggedValue) and (big.tag, big.value) == ("I64", 10_000_000_000)
    assert commands[3].args[1].value == ["a", "b"]


def test_empty_run_needs_no_host():
    runner = _psrp_runner.PsrpRunner(ConnectionOptions(hostname="127.0.0.1", port=1))
    result = runner.run([])
    assert result.output == [] and result.errors == [] and not result.failed


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_refused_port_is_unreachable_and_hides_the_password():
    port = _closed_port()
    options = ConnectionOptions(hostname="127.0.0.1", port=port, username="admin", password="Pw-123456")
    with pytest.raises(_errors.HostUnreachableError) as caught:
        _psrp_runner.PsrpRunner(options).run([[Command("Get-VMHost")]])
    # The port is the setting at fault, not the host's WinRM service.
    assert "nothing is listening on 127.0.0.1:%d" % port in caught.value.message
    assert "ansible_psrp_port" in caught.value.message and "WinRM service" not in caught.value.message
    assert "Pw-123456" not in caught.value.message + repr(caught.value.details)


def test_silent_host_times_out():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
    thread.start()
    options = ConnectionOptions(
        hostname="127.0.0.1",
        port=listener.getsockname()[1],
        protocol="http",
        auth="basic",
        message_encryption="never",
        username="u",
        password="p",
        connection_timeout=1,
        operation_timeout=1,
    )
    try:
        with pytest.raises(_errors.HostTimeoutError) as caught:
            _psrp_runner.PsrpRunner(options).run([[Command("Get-VMHost")]])
        assert "did not answer in time" in caught.value.message
    finally:
        listener.close()
        for conn, _address in accepted:
            conn.close()


def test_impossible_option_combination_is_reported_before_connecting():
    options = ConnectionOptions(hostname="127.0.0.1", port=_closed_port(), protocol="http", auth="basic")
    with pytest.raises(_errors.InvalidArgumentError) as caught:
        _psrp_runner.PsrpRunner(options).run([[Command("Get-VMHost")]])
    assert "Fix the connection options" in caught.value.message


def test_missing_password_for_basic_is_an_option_error():
    options = ConnectionOptions(hostname="127.0.0.1", port=_closed_port(), auth="basic", username="admin")
    with pytest.raises(_errors.InvalidArgumentError) as caught:
        _psrp_runner.PsrpRunner(options).run([[Command("Get-VMHost")]])
    assert "password must be specified" in caught.value.message
    assert "Fix the connection options" in caught.value.message


@pytest.mark.parametrize("username, password, which", [
    ("admin", "pässwörd€", "password"),
    ("администратор", "Pw-123456", "user name"),
])
def test_basic_auth_outside_latin1_names_the_setting_and_the_auths_that_carry_it(username, password, which):
    options = ConnectionOptions(hostname="127.0.0.1", port=_closed_port(), auth="basic", username=username,
                                password=password)
    with pytest.raises(_errors.InvalidArgumentError) as caught:
        _psrp_runner.PsrpRunner(options).run([[Command("Get-VMHost")]])
    assert "the %s has a character outside it" % which in caught.value.message
    assert "Use auth ntlm, negotiate or kerberos" in caught.value.message
    assert password not in caught.value.message + repr(caught.value.details)


def test_missing_ca_file_names_the_option(tmp_path):
    missing = str(tmp_path / "ca.pem")
    options = ConnectionOptions(hostname="127.0.0.1", port=_closed_port(), ca_cert=missing)
    with pytest.raises(_errors.InvalidArgumentError) as caught:
        _psrp_runner.PsrpRunner(options).run([[Command("Get-VMHost")]])
    assert "ca_cert is %s, which is not a file on the controller" % missing in caught.value.message


@pytest.mark.parametrize(
    "options, expected",
    [
        ({"protocol": "http", "auth": "basic", "message_encryption": "never"}, ["in clear text over HTTP"]),
        ({"validate_certs": False}, ["is not verified"]),
        ({"protocol": "http", "auth": "ntlm"}, []),
        ({"auth": "basic", "ca_cert": "/etc/ca.pem"}, []),
    ],
)
def test_transport_warnings(options, expected):
    warnings = ConnectionOptions(hostname="hv01", username="admin", password="Pw-123456", **options).transport_warnings()
    assert len(warnings) == len(expected)
    for warning, text in zip(warnings, expected):
        assert text in warning and "Pw-123456" not in warning


def test_fast_decoding_takes_over_pypsrps_fragmenter_only():
    from pypsrp.powershell import Fragmenter

    class Pool:  # what _fast_decoding uses of a RunspacePool
        _fragmenter = Fragmenter(153600, pypsrp_serializer.Serializer())

    pool = Pool()
    original = pool._fragmenter
    _psrp_runner._fast_decoding(pool)
    assert isinstance(pool._fragmenter, _psrp_runner._OutputFragmenter)
    assert (pool._fragmenter.max_size, pool._fragmenter.serializer) == (original.max_size, original.serializer)
    taken = pool._fragmenter
    _psrp_runner._fast_decoding(pool)
    assert pool._fragmenter is taken

    class Elsewhere:  # a pypsrp that keeps its fragmenter under another name reads as it does
        pass

    elsewhere = Elsewhere()
    _psrp_runner._fast_decoding(elsewhere)
    assert not hasattr(elsewhere, "_fragmenter")


def test_a_reason_keeps_its_own_brackets_and_loses_urllib3s_wrapping():
    import urllib3.exceptions

    # What requests raises for a basic-auth password outside Latin-1, as the run reports it.
    with pytest.raises(UnicodeEncodeError) as encode_error:
        "pässwörd€".encode("latin-1")
    assert _psrp_runner._root_text(encode_error.value).endswith("ordinal not in range(256)")
    wrapped = urllib3.exceptions.MaxRetryError(None, "/wsman", reason=urllib3.exceptions.NewConnectionError(
        None, "Failed to establish a new connection: [Errno 111] Connection refused"))
    assert _psrp_runner._root_text(wrapped) == "[Errno 111] Connection refused"
