"""What the server writes must read back through pypsrp's own deserializer as a real host's
objects do: the client is the judge of the CLIXML."""

from __future__ import annotations

import uuid

import pytest
from pypsrp.complex_objects import GenericComplexObject
from pypsrp.messages import ErrorRecordMessage, PipelineState
from pypsrp.complex_objects import ObjectMeta
from pypsrp.serializer import Serializer

from hyperv_sriov_emulator import psobj
from hyperv_sriov_emulator.server import clixml

SWITCH_TYPES = (
    "Microsoft.HyperV.PowerShell.VMSwitch",
    "Microsoft.HyperV.PowerShell.VirtualizationObject",
    "System.Object",
)


def _read(data: bytes):
    return Serializer().deserialize(data.decode("utf-8"))


def _switch(**extra):
    props = [
        ("Name", "sriov-ext"),
        ("Id", psobj.Guid("6F1A0F4E-1111-4000-8000-000000000001")),
        ("SwitchType", psobj.Enum("Microsoft.HyperV.PowerShell.VMSwitchType", "External", 2)),
        ("IovEnabled", True),
        ("IovQueuePairCount", psobj.UInt32(127)),
        ("IovSupportReasons", psobj.TypedList("System.String[]", ())),
        ("NetAdapterInterfaceGuid", psobj.TypedList("System.Guid[]", (psobj.Guid(str(uuid.UUID(int=7))),))),
        ("Notes", None),
        ("Extensions", [psobj.PSObj(("Microsoft.HyperV.PowerShell.VMSwitchExtension",), [], "Microsoft NDIS Capture")]),
    ]
    props.extend(extra.items())
    return psobj.PSObj(SWITCH_TYPES, props, "sriov-ext")


def test_object_keeps_type_names_tostring_and_adapted_properties():
    obj = _read(clixml.output_object(_switch()))
    assert isinstance(obj, GenericComplexObject)
    assert obj.types == list(SWITCH_TYPES)
    assert obj.to_string == "sriov-ext"
    assert list(obj.adapted_properties) == [
        "Name", "Id", "SwitchType", "IovEnabled", "IovQueuePairCount", "IovSupportReasons",
        "NetAdapterInterfaceGuid", "Notes", "Extensions",
    ]
    assert obj.extended_properties == {}


def test_typed_values_arrive_with_their_types():
    props = _read(clixml.output_object(_switch())).adapted_properties
    assert props["Id"] == uuid.UUID("6f1a0f4e-1111-4000-8000-000000000001")
    assert props["IovEnabled"] is True
    assert props["IovQueuePairCount"] == 127
    assert props["IovSupportReasons"] == []
    assert props["NetAdapterInterfaceGuid"] == [uuid.UUID(int=7)]
    assert props["Notes"] is None
    # Depth 1: the nested extension object travels as its text.
    assert props["Extensions"] == ["Microsoft NDIS Capture"]


@pytest.mark.parametrize(
    "value, tag",
    [
        (psobj.Byte(7), "<By"),
        (psobj.UInt16(65535), "<U16"),
        (psobj.Int32(-5), "<I32"),
        (psobj.UInt32(4294967295), "<U32"),
        (psobj.Int64(-(2**40)), "<I64"),
        (psobj.UInt64(2**64 - 1), "<U64"),
        (5, "<I32"),
        (2**40, "<I64"),
    ],
)
def test_integers_keep_their_clr_type(value, tag):
    data = clixml.output_object(_switch(Value=value))
    assert (tag + ' N="Value">%d<' % int(value)).encode() in data
    assert _read(data).adapted_properties["Value"] == int(value)


def test_enum_is_an_object_with_name_value_and_enum_type_chain():
    data = clixml.output_object(_switch())
    enum = _read(data).adapted_properties["SwitchType"]
    assert enum.types == ["Microsoft.HyperV.PowerShell.VMSwitchType", "System.Enum", "System.ValueType", "System.Object"]
    assert enum.to_string == "External"
    assert enum.property_sets == [2]


def test_repeated_type_chains_use_references():
    on_off = psobj.Enum("Microsoft.HyperV.PowerShell.OnOffState", "Off", 1)
    data = clixml.output_object(_switch(A=on_off, B=on_off))
    assert data.count(b"<T>Microsoft.HyperV.PowerShell.OnOffState</T>") == 1
    assert b"<TNRef" in data
    props = _read(data).adapted_properties
    assert props["A"].to_string == props["B"].to_string == "Off"
    assert props["B"].types[0] == "Microsoft.HyperV.PowerShell.OnOffState"


def test_text_is_escaped_and_round_trips():
    nasty = 'a<b>&"c"\r\nd\x01 _x0041_ über'
    props = _read(clixml.output_object(_switch(Notes=nasty))).adapted_properties
    assert props["Notes"] == nasty


@pytest.mark.parametrize("odd", ["<", ">", "&", "\r", "\n", "\x01", "\x1f", "\ufffe", "_x0041_"])
def test_each_character_that_needs_escaping_is_escaped_alone(odd):
    # One such character in otherwise plain text: escape_text's "nothing to escape" shortcut
    # must not pass it through raw.
    text = "plain %s text" % odd
    assert clixml.escape_text(text) != text
    props = _read(clixml.output_object(_switch(Notes=text))).adapted_properties
    assert props["Notes"] == text


def test_typed_array_of_enums_reads_as_a_list():
    status = psobj.TypedList(
        "Microsoft.HyperV.PowerShell.VMNetworkAdapterOperationalStatus[]",
        (psobj.Enum("Microsoft.HyperV.PowerShell.VMNetworkAdapterOperationalStatus", "Ok", 2),),
    )
    value = _read(clixml.output_object(_switch(Status=status))).adapted_properties["Status"]
    assert [item.to_string for item in value] == ["Ok"]


def test_error_record_exposes_what_the_runner_needs():
    error = psobj.PSError(
        message='Hyper-V was unable to find a virtual switch with name "missing".',
        category="InvalidArgument",
        fqid="InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMSwitch",
        target="missing",
        command="Get-VMSwitch",
    )
    record = _read(clixml.error_record(error))
    assert isinstance(record, ErrorRecordMessage)
    assert str(record) == error.message
    assert record.fq_error == error.fqid
    assert record.category == 5  # InvalidArgument
    assert record.target_object == "missing"
    assert record.command_name == "Get-VMSwitch"
    assert record.invocation_name == "Get-VMSwitch"
    assert record.reason == "VirtualizationException"
    assert record.message == 'InvalidArgument: (missing:String) [Get-VMSwitch], VirtualizationException'
    assert record.exception.types[0] == "Microsoft.HyperV.PowerShell.VirtualizationException"
    assert record.exception.adapted_properties["Message"] == error.message
    assert record.invocation_info.adapted_properties["MyCommand"] == "Get-VMSwitch"


def test_failed_pipeline_state_carries_the_error_record():
    error = psobj.PSError("boom", "ObjectNotFound", "X,Y", target=None, command="Set-VMNetworkAdapter")
    state = Serializer().deserialize(clixml.pipeline_state(5, error).decode(), ObjectMeta("Obj", object=PipelineState))
    assert state.state == 5
    assert isinstance(state.error_record, ErrorRecordMessage)
    assert state.error_record.fq_error == "X,Y"
    assert state.error_record.category == 13  # ObjectNotFound
    # A failed pipeline's record has no extended invocation notes (SerializeExtendedInfo false, as
    # in pypsrp's test_psrp_error_failed.yml): the command is in its InvocationInfo.
    assert state.error_record.command_name is None
    assert state.error_record.invocation_info.adapted_properties["MyCommand"] == "Set-VMNetworkAdapter"


def test_completed_pipeline_state_has_no_error():
    state = Serializer().deserialize(clixml.pipeline_state(4).decode(), ObjectMeta("Obj", object=PipelineState))
    assert state.state == 4
    assert state.error_record is None


def test_unknown_category_falls_back_to_not_specified():
    record = _read(clixml.error_record(psobj.PSError("x", "Unspecified", "A,B")))
    assert record.category == 0


def test_parameter_values_become_plain_python():
    from psrpcore.types import PSInt, PSList, PSString

    values = PSList([PSString("a"), PSString("b")])
    assert clixml.to_python(values) == ["a", "b"]
    plain = clixml.to_python(PSInt(4))
    assert isinstance(plain, int) and not isinstance(plain, PSInt)
    assert clixml.to_python(True) is True
    assert clixml.to_python(None) is None
    assert clixml.to_python(uuid.UUID(int=1)) == str(uuid.UUID(int=1))


def test_every_typed_int_has_its_tag():
    # The writer takes a typed int by its exact type; one missing from the table would be written
    # as a plain Int32/Int64 and lose its .NET type.
    assert set(psobj._TypedInt.__subclasses__()) == set(clixml._INT_TAGS)
