# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's CLIXML reader, on object shapes that real Windows hosts send.

The shapes follow the exchanges pypsrp's tests recorded with real hosts (strings with escaped
newlines and surrogate pairs, enums whose type names come back as TNRef, note properties beside
adapted ones, hashtables, generic collections, a PSObject wrapping another object) and [MS-PSRP]
2.2.5. Each case is checked twice: against the plain data written out here, and against what
pypsrp's own deserializer plus the runner's conversion make of the same text.
"""
from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _clixml
from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _psrp_runner
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import PSObjectData

pypsrp_serializer = pytest.importorskip("pypsrp.serializer")
from ansible_collections.sriov.hyperv.tests.unit.plugins.module_utils import pool_wire  # noqa: E402  pylint: disable=wrong-import-position

ENUM_TYPES = "<T>System.Enum</T><T>System.ValueType</T><T>System.Object</T>"


def _obj(types, body, ref="0", name=None):
    named = ' N="%s"' % name if name else ""
    return '<Obj%s RefId="%s"><TN RefId="%s">%s</TN>%s</Obj>' % (
        named, ref, ref, "".join("<T>%s</T>" % t for t in types), body)


ADAPTER = (
    '<Obj RefId="0"><TN RefId="0"><T>Deserialized.Microsoft.HyperV.PowerShell.VMNetworkAdapter</T>'
    "<T>Deserialized.System.Object</T></TN>"
    "<ToString>VMNetworkAdapter (Name = 'Network Adapter', VMName = 'web01')</ToString><Props>"
    '<S N="Name">Network Adapter</S><U32 N="IovWeight">80</U32><I64 N="IPsecOffloadMaxSA">512</I64>'
    '<Obj N="IovInterruptModeration" RefId="1"><TN RefId="1">'
    "<T>Microsoft.HyperV.PowerShell.IovInterruptModerationValue</T>" + ENUM_TYPES + "</TN>"
    "<ToString>Adaptive</ToString><I32>1</I32></Obj>"
    '<Obj N="AllowTeaming" RefId="2"><TN RefId="2"><T>Microsoft.HyperV.PowerShell.OnOffState</T>' + ENUM_TYPES
    + "</TN><ToString>Off</ToString><I32>1</I32></Obj>"
    '<Obj N="DhcpGuard" RefId="3"><TNRef RefId="2" /><ToString>On</ToString><I32>0</I32></Obj>'
    '<G N="SwitchId">E5480146-D893-5988-AD71-5426262F612A</G><B N="Connected">True</B><Nil N="VMQueue" />'
    '<Obj N="Status" RefId="4"><TN RefId="3"><T>Microsoft.HyperV.PowerShell.VMNetworkAdapterOperationalStatus[]</T>'
    "<T>System.Array</T><T>System.Object</T></TN><LST>"
    '<Obj RefId="5"><TN RefId="4"><T>Microsoft.HyperV.PowerShell.VMNetworkAdapterOperationalStatus</T>'
    + ENUM_TYPES + "</TN><ToString>Ok</ToString><I32>2</I32></Obj></LST></Obj>"
    '<Obj N="IPAddresses" RefId="6"><TN RefId="5"><T>System.String[]</T><T>System.Array</T><T>System.Object</T></TN>'
    "<LST><S>10.0.0.5</S><S>fe80::1</S></LST></Obj>"
    '<Obj N="StatusDescription" RefId="7"><TNRef RefId="5" /><LST /></Obj>'
    '<Ref N="Mirror" RefId="1" />'
    "</Props>"
    '<MS><S N="ComputerName">HV01</S><S N="Name">note loses to the adapted property</S></MS></Obj>'
)

CASES = {
    "an adapter with enums, arrays, a reference and a note property": (
        ADAPTER,
        PSObjectData(
            type_names=["Microsoft.HyperV.PowerShell.VMNetworkAdapter", "System.Object"],
            properties={
                "Name": "Network Adapter", "IovWeight": 80, "IPsecOffloadMaxSA": 512,
                "IovInterruptModeration": "Adaptive", "AllowTeaming": "Off", "DhcpGuard": "On",
                "SwitchId": "e5480146-d893-5988-ad71-5426262f612a", "Connected": True, "VMQueue": None,
                "Status": ["Ok"], "IPAddresses": ["10.0.0.5", "fe80::1"], "StatusDescription": [],
                "Mirror": "Adaptive", "ComputerName": "HV01",
            },
            to_string="VMNetworkAdapter (Name = 'Network Adapter', VMName = 'web01')",
        ),
    ),
    "a string with escaped control characters, a literal escape and a surrogate pair": (
        "<S>first_x000A_second _x005F_x000A_ kept _xD801__xDC37_ \u3053\u3093</S>",
        PSObjectData(type_names=["System.String"], properties={},
                     to_string="first\nsecond _x000A_ kept \U00010437 \u3053\u3093"),
    ),
    "an integer written to the pipeline": (
        "<I32>2</I32>", PSObjectData(type_names=["System.Int32"], properties={}, to_string="2")),
    "null written to the pipeline": (
        "<Nil />", PSObjectData(type_names=["System.Object"], properties={}, to_string=None)),
    "an enum written to the pipeline": (
        _obj(["Microsoft.HyperV.PowerShell.VMState", "System.Enum", "System.ValueType", "System.Object"],
             "<ToString>Running</ToString><I32>2</I32>"),
        PSObjectData(type_names=["Microsoft.HyperV.PowerShell.VMState", "System.Enum", "System.ValueType",
                                 "System.Object"], properties={}, to_string="Running"),
    ),
    "scalars of every kind": (
        _obj(["Deserialized.Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/MSFT_NetAdapter",
              "Deserialized.System.Object"],
             '<Props><By N="b">7</By><SB N="sb">-7</SB><U16 N="u16">65535</U16><I16 N="i16">-2</I16>'
             '<U64 N="u64">18446744073709551615</U64><Db N="db">1.5</Db><Sg N="sg">0.25</Sg>'
             '<D N="d">10.5</D><DT N="dt">2026-11-01T10:00:00+00:00</DT><TS N="ts">PT5S</TS>'
             '<Version N="v">10.0.17763</Version><BA N="ba">AQID</BA><C N="c">65</C><URI N="u">http://x/</URI>'
             '<B N="f">false</B><S N="empty" /></Props>'),
        PSObjectData(
            type_names=["Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/MSFT_NetAdapter",
                        "System.Object"],
            properties={"b": 7, "sb": -7, "u16": 65535, "i16": -2, "u64": 18446744073709551615, "db": 1.5,
                        "sg": 0.25, "d": "10.5", "dt": "2026-11-01T10:00:00+00:00", "ts": "PT5S",
                        "v": "10.0.17763", "ba": "010203", "c": "A", "u": "http://x/", "f": False, "empty": ""},
        ),
    ),
    "a hashtable, a generic list and a collection of a type pypsrp does not know": (
        _obj(["Selected.System.Management.Automation.CmdletInfo", "System.Management.Automation.PSCustomObject",
              "System.Object"],
             "<MS>"
             + _obj(["Deserialized.System.Collections.Hashtable", "Deserialized.System.Object"],
                    '<DCT><En><S N="Key">a</S><S N="Value">b</S></En><En><I32 N="Key">1</I32><Nil N="Value" /></En>'
                    "</DCT>", ref="1", name="Table")
             + _obj(["System.Collections.Generic.List`1[[System.String, mscorlib, Version=4.0.0.0]]",
                     "System.Object"], "<LST><S>x</S><S>y</S></LST>", ref="2", name="Names")
             + _obj(["System.Management.Automation.PSVariableAttributeCollection",
                     "System.Collections.ObjectModel.Collection`1[[System.Attribute, mscorlib]]", "System.Object"],
                    "<ToString>System.Management.Automation.PSVariableAttributeCollection</ToString><LST />",
                    ref="3", name="Attributes")
             + "</MS>"),
        PSObjectData(
            type_names=["Selected.System.Management.Automation.CmdletInfo",
                        "System.Management.Automation.PSCustomObject", "System.Object"],
            properties={"Table": {"a": "b", "1": None}, "Names": ["x", "y"],
                        "Attributes": "System.Management.Automation.PSVariableAttributeCollection"},
        ),
    ),
    "objects past the serialization depth, inside an object array, read as their ToString": (
        _obj(["Deserialized.Microsoft.HyperV.PowerShell.VirtualMachine", "Deserialized.System.Object"],
             "<ToString>VirtualMachine (Name = 'web01')</ToString><Props>"
             + _obj(["System.Object[]", "System.Array", "System.Object"],
                    "<LST><S>VMNetworkAdapter (Name = 'Network Adapter')</S>"
                    + _obj(["System.String[]", "System.Array", "System.Object"], "<LST><S>inner</S></LST>",
                           ref="2")
                    + "</LST>", ref="1", name="NetworkAdapters")
             + _obj(["Microsoft.HyperV.PowerShell.VMNetworkAdapterIsolationSetting", "System.Object"],
                    '<ToString>VMNetworkAdapterIsolationSetting</ToString><Props><S N="Deep">x</S></Props>',
                    ref="3", name="IsolationSetting")
             + "</Props>"),
        PSObjectData(
            type_names=["Microsoft.HyperV.PowerShell.VirtualMachine", "System.Object"],
            # The inner String[] is read by the outer array's element type (System.Object): an object
            # without ToString whose <LST> is all it has, which both paths read as its items.
            properties={"NetworkAdapters": ["VMNetworkAdapter (Name = 'Network Adapter')", ["inner"]],
                        "IsolationSetting": "VMNetworkAdapterIsolationSetting"},
            to_string="VirtualMachine (Name = 'web01')",
        ),
    ),
}


def _through_pypsrp(text):
    return _psrp_runner.to_object(pypsrp_serializer.Serializer().deserialize(text))


@pytest.mark.parametrize("text, expected", list(CASES.values()), ids=list(CASES))
def test_plain_data_as_written_and_as_pypsrp_reads_it(text, expected):
    assert _clixml.parse_output(text) == expected
    assert _through_pypsrp(text) == expected


UNSUPPORTED = {
    "a hashtable written to the pipeline": _obj(
        ["System.Management.Automation.PSPrimitiveDictionary", "System.Collections.Hashtable", "System.Object"],
        '<DCT><En><S N="Key">k</S><S N="Value">v</S></En></DCT>'),
    "a record pypsrp reads with a class of its own": _obj(
        ["System.Management.Automation.PSObject", "System.Object"],
        "<Props>" + _obj(["System.ConsoleColor", "System.Enum", "System.ValueType", "System.Object"],
                         "<ToString>White</ToString><I32>15</I32>", ref="1", name="Color") + "</Props>"),
    "a reference into an object read as its ToString": _obj(
        ["Microsoft.WSMan.Management.WSManConfigLeafElement", "System.Object"],
        "<Props>" + _obj(["Some.Object", "System.Object"],
                         '<ToString>outer</ToString><Props>' + _obj(["System.String[]", "System.Array"], "<LST />",
                                                                    ref="2", name="Inner") + "</Props>",
                         ref="1", name="Outer") + '<Ref N="Again" RefId="2" /></Props>'),
}


@pytest.mark.parametrize("text", list(UNSUPPORTED.values()), ids=list(UNSUPPORTED))
def test_shapes_outside_the_subset_are_left_to_pypsrp(text):
    with pytest.raises(_clixml.Unsupported):
        _clixml.parse_output(text)
    assert _clixml.parse_outputs([text.encode(), ADAPTER.encode()])[0] is None
    # The runner's pool then hands the message to pypsrp, which still reads it.
    read = pool_wire.read_output(text)
    assert not isinstance(read, PSObjectData)
    assert _psrp_runner.to_object(read) == _through_pypsrp(text)


def test_a_secure_string_is_left_to_pypsrp():
    # Only the pool's session key can decrypt it, and the collection never asks for one.
    with pytest.raises(_clixml.Unsupported):
        _clixml.parse_output("<SS>rTm4n3bxaFOIgdjhDDV5OA==</SS>")


def test_the_runner_pool_reads_output_messages_fast_and_others_as_pypsrp():
    assert pool_wire.read_output(ADAPTER) == CASES["an adapter with enums, arrays, a reference and a note property"][1]
    state = '<Obj RefId="0"><MS><I32 N="PipelineState">4</I32></MS></Obj>'
    data = pool_wire.fragments(pool_wire.message(ADAPTER), pool_wire.message(state, pool_wire.PIPELINE_STATE))
    fast, theirs = pool_wire.fast_pool().defragment(data), pool_wire.pypsrp_pool().defragment(data)
    assert [item.message_type for item in fast] == [item.message_type for item in theirs]
    assert isinstance(fast[0].data.data, PSObjectData)
    assert type(fast[1].data) is type(theirs[1].data) and fast[1].data.state == theirs[1].data.state == 4
    assert (fast[0].rpid, fast[0].pid) == (theirs[0].rpid, theirs[0].pid)


# Every shape above, then again, so that RefIds repeat across messages (each message has its own).
_EVERY_SHAPE = [text for text, _expected in CASES.values()] * 2 + list(UNSUPPORTED.values())


@pytest.mark.parametrize("size", [64, 1000, 32768], ids=["tiny fragments", "some split", "whole messages"])
def test_a_receive_of_many_messages_reads_as_pypsrp_reads_each(size):
    wire = [pool_wire.message(text, bom=index % 2 == 0) for index, text in enumerate(_EVERY_SHAPE)]
    cut = pool_wire.fragment_list(*wire, size=size)
    # Two Receives, the second starting with the last fragment of a message that the first began
    # when messages are cut.
    middle = next((index for index in range(len(cut) // 2, len(cut)) if cut[index][16] == 2), len(cut) // 2)
    receives = (b"".join(cut[:middle]), b"".join(cut[middle:]))
    expected = [_through_pypsrp(text) for text in _EVERY_SHAPE]
    assert pool_wire.outputs(pool_wire.fast_pool(), *receives) == expected
    assert pool_wire.outputs(pool_wire.pypsrp_pool(), *receives) == expected


@pytest.mark.parametrize("texts", [
    ["<S>one</S><S>two</S>", "<S>three</S>"],  # one top-level element too many in the first
    ["<S>one", "</S>"],  # halves of one element
    ['<?xml version="1.0"?><S>one</S>', "<S>two</S>"],  # a declaration, allowed alone only
], ids=["two elements in one message", "an element across two", "a declaration"])
def test_messages_that_only_parse_together_are_read_one_by_one(texts):
    data = pool_wire.fragments(*[pool_wire.message(text) for text in texts])
    try:
        expected: object = pool_wire.outputs(pool_wire.pypsrp_pool(), data)
    except ET.ParseError:
        expected = ET.ParseError
    try:
        read: object = pool_wire.outputs(pool_wire.fast_pool(), data)
    except ET.ParseError:
        read = ET.ParseError
    assert read == expected
    assert _clixml.parse_outputs([text.encode() for text in texts]) == [_alone(text) for text in texts]


def _alone(text):
    try:
        return _clixml.parse_output(text)
    except ET.ParseError:
        return None


@pytest.mark.parametrize("text, expected", [
    ("", ""), ("plain", "plain"), ("a_x0009_b", "a\tb"), ("_x005f_", "_"), ("_xZZZZ_", "_xZZZZ_"),
    ("_xD83D__xDE00_", "\U0001F600"),
])
def test_decode_string(text, expected):
    assert _clixml.decode_string(text) == expected
