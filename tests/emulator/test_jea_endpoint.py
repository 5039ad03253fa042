"""The runspace as a restricted (JEA) endpoint: script text refused as NoLanguage mode refuses
it, and the core cmdlets a structural client uses, with Windows PowerShell 5.1's semantics.

Sources (named per test): PowerShell/PowerShell (the cmdlets' source; the 2016 import
60b3b304f2 is the Windows PowerShell 5.1 code base, Full CLR branches), MicrosoftDocs/PowerShell-Docs
(about_Language_Modes, JEA role capabilities, the cmdlet reference for 5.1).
"""

from __future__ import annotations

import json

from emulator_helpers import SWITCH, cmd, ok, run
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

from hyperv_sriov_emulator import engine
from hyperv_sriov_emulator.inprocess import object_data
from hyperv_sriov_emulator.scenario import load_scenario
from hyperv_sriov_emulator.server.client import wsman_kwargs

SELECTED_SWITCH = ("Selected.Microsoft.HyperV.PowerShell.VMSwitch",
                   "System.Management.Automation.PSCustomObject", "System.Object")


def test_script_text_is_a_parse_exception():
    # ParserStrings.ScriptsNotAllowed as Windows PowerShell words it (PowerShell/PowerShell @ 60b3b304f2
    # src/System.Management.Automation/resources/ParserStrings.resx), thrown as a ParseException with
    # the command text as target (engine/Command.cs, CreateCommandProcessor, NoLanguage mode).
    record = engine.script_refused("Get-VM | Stop-VM")
    assert record.fqid == "ScriptsNotAllowed"
    assert record.category == "ParserError"
    assert record.exception_type == "System.Management.Automation.ParseException"
    assert record.target == "Get-VM | Stop-VM"
    assert record.message.startswith("The syntax is not supported by this runspace.")


def test_invoke_expression_is_not_exposed(capable):
    # A JEA role capability exposes only the commands it names; others are unknown commands.
    result = run(capable, cmd("Invoke-Expression", Command="Get-VM"))
    assert result.terminating.fqid == "CommandNotFoundException"
    assert result.terminating.category == "ObjectNotFound"


# -- Select-Object (Select-Object.cs: ProcessParameter, ProcessExpandParameter, SetPSCustomObject) ----

def test_select_object_makes_selected_custom_objects(capable):
    objects = ok(capable, [cmd("Get-VMSwitch"), cmd("Select-Object", Property=["Name", "Iov*Count", "NoSuch"])])
    assert [o.type_names for o in objects] == [SELECTED_SWITCH] * 3
    first = objects[0]
    # A PSCustomObject: every property a note property (<MS> on the wire), none adapted.
    assert first.properties == []
    assert [pair[0] for pair in first.members] == ["Name", "IovQueuePairCount", "IovVirtualFunctionCount", "NoSuch"]
    assert first.get("NoSuch") is None  # a literal name the object lacks: a property holding $null
    assert first.to_string.startswith("@{Name=sriov-ext; IovQueuePairCount=")


def test_select_object_wildcard_matching_nothing_adds_nothing(capable):
    (obj,) = ok(capable, [cmd("Get-VMHost"), cmd("Select-Object", Property=["Name", "Zz*"])])
    assert [pair[0] for pair in obj.members] == ["Name"]
    assert obj.type_names[0] == "Selected.Microsoft.HyperV.PowerShell.VMHost"


def test_select_object_names_cim_input_after_the_cim_class(capable):
    (obj,) = ok(capable, [cmd("Get-NetAdapterSriov"), cmd("Select-Object", "Name", First=1)])
    assert obj.type_names[0] == "Selected.Microsoft.Management.Infrastructure.CimInstance"


def test_select_object_first_last_skip(capable):
    names = [o.get("Name") for o in ok(capable, [cmd("Get-VMSwitch"), cmd("Select-Object", First=2)])]
    assert names == ["sriov-ext", "mgmt-ext"]
    names = [o.get("Name") for o in ok(capable, [cmd("Get-VMSwitch"), cmd("Select-Object", Last=1)])]
    assert names == ["lab-internal"]
    names = [o.get("Name") for o in ok(capable, [cmd("Get-VMSwitch"), cmd("Select-Object", Skip=1, First=1)])]
    assert names == ["mgmt-ext"]
    # Without -Property the input objects pass unchanged.
    (obj,) = ok(capable, [cmd("Get-VMSwitch"), cmd("Select-Object", First=1)])
    assert obj.type_names[0] == "Microsoft.HyperV.PowerShell.VMSwitch"


def test_select_object_expand_property(capable):
    names = ok(capable, [cmd("Get-VMSwitch"), cmd("Select-Object", ExpandProperty="Name")])
    assert names == ["sriov-ext", "mgmt-ext", "lab-internal"]
    # A collection is enumerated; a null value writes nothing.
    descriptions = ok(capable, [cmd("Get-VMSwitch", "sriov-ext"),
                                cmd("Select-Object", ExpandProperty="NetAdapterInterfaceDescriptions")])
    assert len(descriptions) == 2 and all(isinstance(d, str) for d in descriptions)
    assert ok(capable, [cmd("Get-VMSwitch", "lab-internal"),
                        cmd("Select-Object", ExpandProperty="NetAdapterInterfaceDescriptions")]) == []


def test_select_object_expand_property_missing_is_a_per_object_error(capable):
    result = run(capable, [cmd("Get-VMSwitch"), cmd("Select-Object", ExpandProperty="Nope")])
    assert result.terminating is None and result.output == []
    assert len(result.errors) == 3
    record = result.errors[0]
    assert record.fqid == "ExpandPropertyNotFound,Microsoft.PowerShell.Commands.SelectObjectCommand"
    assert record.category == "InvalidArgument"
    assert record.message == 'Property "Nope" cannot be found.'
    assert record.target.get("Name") == "sriov-ext"  # the input object


def test_select_object_calculated_property_by_name(capable):
    (obj,) = ok(capable, [cmd("Get-VMSwitch", "sriov-ext"),
                          cmd("Select-Object", Property=[{"Name": "Switch", "Expression": "Name"}])])
    assert obj.members == [("Switch", "sriov-ext")]


def test_select_object_resolves_each_shape_of_input_on_its_own(capable):
    # Host vNICs (VMInternalNetworkAdapter) lack the Iov* properties VM adapters have: in one
    # pipeline each object gets its own properties, a literal name it lacks as $null, and a
    # wildcard only what it has (Select-Object.cs ProcessParameter, per input object).
    objects = ok(capable, [cmd("Get-VMNetworkAdapter", All=SWITCH),
                           cmd("Select-Object", Property=["Name", "IovWeight", "Iov*Requested"])])
    shapes = {tuple(name for name, _value in o.members) for o in objects}
    assert shapes == {("Name", "IovWeight", "IovQueuePairsRequested"), ("Name", "IovWeight")}
    vm_adapter = next(o for o in objects if len(o.members) == 3)
    host_vnic = next(o for o in objects if len(o.members) == 2)
    assert int(vm_adapter.get("IovWeight")) == 100 and host_vnic.get("IovWeight") is None


def test_select_object_exclude_and_a_taken_name_per_object(capable):
    result = run(capable, [cmd("Get-VMSwitch"),
                           cmd("Select-Object", Property=["Name", "Iov*", {"Name": "Name", "Expression": "Id"}],
                               ExcludeProperty=["*Count", "IovSupport*"])])
    assert result.terminating is None and len(result.output) == 3
    assert [name for name, _value in result.output[0].members] == [
        "Name", "IovEnabled", "IovQueuePairsInUse", "IovVirtualFunctionsInUse"]
    # The calculated "Name" is taken by then: one record per input object, naming it.
    assert [e.fqid for e in result.errors] == [
        "AlreadyExistingUserSpecifiedPropertyNoExpand,Microsoft.PowerShell.Commands.SelectObjectCommand"] * 3
    assert [e.target.get("Name") for e in result.errors] == ["sriov-ext", "mgmt-ext", "lab-internal"]


def test_select_object_invalid_pattern_ends_the_pipeline_after_earlier_records(capable):
    result = run(capable, [cmd("Get-VMSwitch"), cmd("Select-Object", Property=["Name", "IovEnabled"],
                                                    ExcludeProperty=["Iov[*"])])
    assert result.output == [] and result.errors == []
    assert result.terminating.fqid.startswith("WildcardPattern_Invalid")
    result = run(capable, [cmd("Get-VMSwitch"), cmd("Select-Object", Property=["Name", "Name"],
                                                    ExpandProperty="Iov[*")])
    assert result.output == []
    assert [e.fqid.split(",")[0] for e in result.errors] == ["AlreadyExistingUserSpecifiedPropertyNoExpand"]
    assert result.terminating.fqid.startswith("WildcardPattern_Invalid")


# -- Where-Object, simplified syntax (InternalCommands.cs WhereObjectCommand; the operators'
# -- rules: MicrosoftDocs/PowerShell-Docs about_Comparison_Operators) -----------------------------

def _where(host, source, *args, **named):
    return ok(host, [source, cmd("Where-Object", *args, **named)])


def test_where_object_equal_ignores_case_and_converts_to_the_left_type(capable):
    adapters = cmd("Get-VMNetworkAdapter", All=SWITCH)
    hits = _where(capable, adapters, "VMName", "WEB01", EQ=SWITCH)
    assert [a.get("VMName") for a in hits] == ["web01"]
    # The right operand converts to the left one's type: a string to UInt32, a name to the enum.
    weights = _where(capable, adapters, Property="IovWeight", Value="100", EQ=SWITCH)
    assert weights and all(int(a.get("IovWeight")) == 100 for a in weights)
    external = _where(capable, cmd("Get-VMSwitch"), Property="SwitchType", Value="external", EQ=SWITCH)
    assert [s.get("Name") for s in external] == ["sriov-ext", "mgmt-ext"]
    by_number = _where(capable, cmd("Get-VMSwitch"), Property="SwitchType", Value=2, EQ=SWITCH)
    assert by_number == external


def test_where_object_boolean_left_operand_takes_the_truth_of_the_right(capable):
    # [bool]"false" is $true (a non-empty string), so `IsLegacy -eq "false"` matches no synthetic
    # adapter: PowerShell's rule, which a client must not expect otherwise.
    adapters = cmd("Get-VMNetworkAdapter", All=SWITCH)
    assert _where(capable, adapters, Property="IsLegacy", Value="false", EQ=SWITCH) == []
    assert _where(capable, adapters, Property="IsLegacy", Value=False, EQ=SWITCH)


def test_where_object_ne_like_in(capable):
    switches = cmd("Get-VMSwitch")
    assert [s.get("Name") for s in _where(capable, switches, "Name", "SRIOV-EXT", NE=SWITCH)] == [
        "mgmt-ext", "lab-internal"]
    assert [s.get("Name") for s in _where(capable, switches, "Name", "*-EXT", Like=SWITCH)] == [
        "sriov-ext", "mgmt-ext"]
    assert [s.get("Name") for s in _where(capable, switches, "Name", "*-EXT", CLike=SWITCH)] == []
    assert [s.get("Name") for s in _where(capable, switches, "Name", ["LAB-INTERNAL", "x"], In=SWITCH)] == [
        "lab-internal"]
    # A property the object lacks is $null: -ne keeps it, -eq drops it.
    assert len(_where(capable, switches, "NoSuch", "x", NE=SWITCH)) == 3
    assert _where(capable, switches, "NoSuch", "x", EQ=SWITCH) == []


def test_where_object_collection_property_filters(capable):
    # `$collection -eq $x` yields the matching elements; non-empty is true.
    switches = cmd("Get-VMSwitch")
    hits = _where(capable, switches, "NetAdapterInterfaceDescriptions", "*#2", Like=SWITCH)
    assert [s.get("Name") for s in hits] == ["sriov-ext"]
    hits = _where(capable, switches, "NetAdapterInterfaceDescriptions",
                  "Intel(R) Ethernet Controller X710 for 10GbE SFP+", Contains=SWITCH)
    assert [s.get("Name") for s in hits] == ["sriov-ext"]


def test_where_object_property_alone_tests_its_truth(capable):
    hits = _where(capable, cmd("Get-VMSwitch"), "IovEnabled")
    assert [s.get("Name") for s in hits] == ["sriov-ext"]


def test_where_object_operator_and_value_go_together(capable):
    # InternalCommandStrings.OperatorNotSpecified / ValueNotSpecifiedForWhereObject (5.1 resx).
    result = run(capable, [cmd("Get-VMSwitch"), cmd("Where-Object", "Name", "x")])
    assert result.terminating.fqid == "OperatorNotSpecified,Microsoft.PowerShell.Commands.WhereObjectCommand"
    assert result.terminating.message.startswith("An operator is required to compare the two specified values.")
    result = run(capable, [cmd("Get-VMSwitch"), cmd("Where-Object", "Name", Like=SWITCH)])
    assert result.terminating.fqid == (
        "ValueNotSpecifiedForWhereObject,Microsoft.PowerShell.Commands.WhereObjectCommand")


def test_where_object_script_blocks_cannot_arrive(capable):
    # FilterScript is a ScriptBlock; a string does not convert to one (and NoLanguage mode has no
    # way to make one), so the filter-script form is a binding error.
    result = run(capable, [cmd("Get-VMSwitch"), cmd("Where-Object", FilterScript="$_.Name -eq 'x'")])
    assert result.terminating.fqid == (
        "CannotConvertArgumentNoMessage,Microsoft.PowerShell.Commands.WhereObjectCommand")


def test_where_object_ordering_operators(capable):
    adapters = cmd("Get-VMNetworkAdapter", All=SWITCH)
    high = _where(capable, adapters, "IovWeight", "50", GT=SWITCH)
    assert high and all(int(a.get("IovWeight")) > 50 for a in high)
    result = run(capable, [cmd("Get-VMSwitch"), cmd("Where-Object", "SwitchType", "nonsense", GT=SWITCH)])
    assert result.terminating is None and result.output == []
    assert {e.fqid for e in result.errors} == {"OperatorFailed,Microsoft.PowerShell.Commands.WhereObjectCommand"}


# -- ConvertTo-Json (ConvertToJsonCommand.cs as of 60b3b304f2: the Full CLR path, JavaScriptSerializer
# -- and ConvertToPrettyJsonString, is Windows PowerShell 5.1's) -------------------------------------

def test_convertto_json_writes_enums_as_numbers_and_guids_as_text(capable):
    (text,) = ok(capable, [cmd("Get-VMSwitch", "sriov-ext"), cmd("ConvertTo-Json", Depth=1)])
    data = json.loads(text)
    assert data["SwitchType"] == 2 and data["BandwidthReservationMode"] == 3
    assert data["Id"] == capable.switches[0].id
    assert data["IovEnabled"] is True
    # Past -Depth a nested value is its string conversion (the extensions' ToString text).
    assert all(isinstance(e, str) for e in data["Extensions"])


def test_convertto_json_layout_is_windows_powershell_5_1s(capable):
    (text,) = ok(capable, [cmd("Get-VMSwitch", "sriov-ext"),
                           cmd("Select-Object", Property=["Name", "NetAdapterInterfaceGuid"]),
                           cmd("ConvertTo-Json")])
    guid_a, guid_b = json.loads(text)["NetAdapterInterfaceGuid"]
    pad = " " * (4 + len('"NetAdapterInterfaceGuid"') + 3 + 4)
    expected = (
        '{\r\n'
        '    "Name":  "sriov-ext",\r\n'
        '    "NetAdapterInterfaceGuid":  [\r\n'
        + pad + '"%s",\r\n' % guid_a
        + pad + '"%s"\r\n' % guid_b
        + pad[:-4] + ']\r\n'
        '}'
    )
    assert text == expected


def test_convertto_json_compress_escapes_as_javascriptserializer(capable):
    (text,) = ok(capable, cmd("ConvertTo-Json", {"a": "it's <b>&", "n": None}, Compress=SWITCH))
    assert text == '{"a":"it\\u0027s \\u003cb\\u003e\\u0026","n":null}'


def test_convertto_json_of_several_objects_is_an_array_and_of_none_nothing(capable):
    (text,) = ok(capable, [cmd("Get-VMSwitch"), cmd("Select-Object", "Name"), cmd("ConvertTo-Json", Compress=SWITCH)])
    assert text == '[{"Name":"sriov-ext"},{"Name":"mgmt-ext"},{"Name":"lab-internal"}]'
    assert ok(capable, [cmd("Get-VMSwitch", "zz*"), cmd("ConvertTo-Json")]) == []
    (empty,) = ok(capable, cmd("ConvertTo-Json", {}))
    assert empty == "{\r\n\r\n}"


def test_convertto_json_depth_is_validated(capable):
    result = run(capable, cmd("ConvertTo-Json", "x", Depth=0))
    assert result.terminating.fqid == (
        "ParameterArgumentValidationError,Microsoft.PowerShell.Commands.ConvertToJsonCommand")
    result = run(capable, cmd("ConvertTo-Json", "x", Depth=101))
    assert result.terminating.fqid == "ReachedMaximumDepthAllowed,Microsoft.PowerShell.Commands.ConvertToJsonCommand"
    assert result.terminating.message == "The maximum depth allowed for serialization is 100."


# -- Measure-Object (Measure-Object.cs @ 60b3b304f2) ------------------------------------------------

def test_measure_object_counts_and_sums(capable):
    (info,) = ok(capable, [cmd("Get-VMSwitch"), cmd("Measure-Object")])
    assert info.type_names[0] == "Microsoft.PowerShell.Commands.GenericMeasureInfo"
    assert info.get("Count") == 3 and info.get("Sum") is None and info.get("Property") is None
    (info,) = ok(capable, [cmd("Get-VMNetworkAdapter", All=SWITCH),
                           cmd("Measure-Object", "IovWeight", Sum=SWITCH, Maximum=SWITCH)])
    weights = [int(o.get("IovWeight")) for o in ok(capable, cmd("Get-VMNetworkAdapter", All=SWITCH))
               if o.find("IovWeight")[0]]
    assert info.get("Count") == len(weights)  # host vNICs have no IovWeight: not counted
    assert info.get("Sum") == float(sum(weights)) and info.get("Maximum") == float(max(weights))
    assert info.get("Property") == "IovWeight"


def test_measure_object_of_nothing_is_a_zero_count(capable):
    (info,) = ok(capable, [cmd("Get-VMSwitch", "zz*"), cmd("Measure-Object")])
    assert info.get("Count") == 0


def test_measure_object_missing_property(capable):
    result = run(capable, [cmd("Get-VMSwitch"), cmd("Measure-Object", "Nope")])
    assert result.output == []
    (record,) = result.errors
    assert record.fqid == "GenericMeasurePropertyNotFound,Microsoft.PowerShell.Commands.MeasureObjectCommand"
    assert record.message == 'The property "Nope" cannot be found in the input for any objects.'


# -- Get-Command ---------------------------------------------------------------------------------

def test_get_command_lists_what_the_role_exposes(capable):
    names = [o.get("Name") for o in ok(capable, cmd("Get-Command"))]
    for expected in ("Get-VMSwitch", "Set-VMNetworkAdapter", "Get-NetAdapterSriov", "Select-Object",
                     "Where-Object", "ConvertTo-Json", "Measure-Object", "Get-Command"):
        assert expected in names
    assert "Invoke-Expression" not in names
    (info,) = ok(capable, cmd("Get-Command", "Get-NetAdapterSriov"))
    # The NetAdapter module is CDXML: its commands are functions.
    assert info.type_names[0] == "System.Management.Automation.FunctionInfo"
    assert info.get("CommandType").name == "Function"
    (info,) = ok(capable, cmd("Get-Command", "get-vmswitch"))
    assert info.type_names[0] == "System.Management.Automation.CmdletInfo"
    assert info.get("ModuleName") == "Hyper-V"
    result = run(capable, cmd("Get-Command", "Get-Unicorn"))
    assert result.errors[0].fqid == "CommandNotFoundException,Microsoft.PowerShell.Commands.GetCommandCommand"


def test_get_command_knows_the_host_version(ws2016):
    assert ok(ws2016, cmd("Get-Command", "Get-VMSwitchTeam"))
    host = load_scenario("capable")[0]
    host.os_version = "2012r2"
    assert run(host, cmd("Get-Command", "Get-VMSwitchTeam")).errors


# -- over the wire --------------------------------------------------------------------------------

def test_selected_objects_travel_as_custom_objects(capable_served):
    with WSMan(**wsman_kwargs(capable_served["hosts"][0])) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMNetworkAdapter").add_parameter("All")
        ps.add_cmdlet("Where-Object").add_parameter("Property", "VMName").add_parameter("EQ") \
            .add_parameter("Value", "web02")
        ps.add_cmdlet("Select-Object").add_parameter("Property", ["VMName", "MacAddress"])
        (obj,) = ps.invoke()
        assert not ps.had_errors
        assert obj.types == ["Selected.Microsoft.HyperV.PowerShell.VMNetworkAdapter",
                             "System.Management.Automation.PSCustomObject", "System.Object"]
        assert obj.adapted_properties == {}
        assert obj.extended_properties["VMName"] == "web02"


def test_in_process_runner_reads_selected_objects(capable):
    (local,) = ok(capable, [cmd("Get-VMSwitch", "mgmt-ext"), cmd("Select-Object", Property=["Name", "IovSupport*"])])
    data = object_data(local)
    assert data.properties == {"Name": "mgmt-ext", "IovSupport": False,
                               "IovSupportReasons": ["This network adapter does not support SR-IOV."]}
    (name,) = ok(capable, [cmd("Get-VMSwitch", "mgmt-ext"), cmd("Select-Object", ExpandProperty="Name")])
    assert object_data(name).type_names == ["System.String"] and object_data(name).to_string == "mgmt-ext"
