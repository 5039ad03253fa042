"""Parameter binding as PowerShell does it: names, aliases, sets, types, errors."""

import pytest
from emulator_helpers import SWITCH, adapter, cmd, ok, plain, run

BINDING = "System.Management.Automation.ParameterBindingException"


def test_parameter_names_are_case_insensitive_and_aliases_work(capable):
    by_alias = ok(capable, cmd("get-vmswitch", switchname="SRIOV-EXT"))
    assert [o.get("Name") for o in by_alias] == ["sriov-ext"]
    ok(capable, cmd("Set-VMNetworkAdapter", VMName="web01", VMNetworkAdapterName="Network Adapter", IovWeight=7))
    assert adapter(capable, "web01")["IovWeight"] == 7


def test_unambiguous_prefix_binds_and_ambiguous_prefix_fails(capable):
    ok(capable, cmd("Set-VMNetworkAdapter", VMName="web01", IovW=9))
    assert adapter(capable, "web01")["IovWeight"] == 9
    result = run(capable, cmd("Set-VMNetworkAdapter", VMName="web01", Iov=9))
    assert result.terminating.fqid == "AmbiguousParameter,Microsoft.HyperV.PowerShell.Commands.SetVMNetworkAdapter"
    assert "-IovWeight" in result.terminating.message


def test_positional_name(capable):
    assert [o.get("Name") for o in ok(capable, cmd("Get-VMSwitch", "mgmt-ext"))] == ["mgmt-ext"]
    assert [o.get("Name") for o in ok(capable, cmd("Get-VM", "web02"))] == ["web02"]
    # Get-VMSwitchTeam has one positional parameter (-Name, position 0): a second argument has none.
    result = run(capable, cmd("Get-VMSwitchTeam", "sriov-ext", "extra"))
    assert result.terminating.fqid.startswith("PositionalParameterNotFound,")


@pytest.mark.parametrize("value, expected", [
    ("adaptive", "Adaptive"), ("HIGH", "High"), (300, "High"), ("200", "Medium"), ("Off", "Off"),
])
def test_enum_values_bind_by_name_in_any_case_or_by_number(capable, value, expected):
    ok(capable, cmd("Set-VMNetworkAdapter", VMName="web01", IovInterruptModeration=value))
    assert adapter(capable, "web01")["IovInterruptModeration"] == expected


@pytest.mark.parametrize("param, value, fqid, fragment", [
    ("IovInterruptModeration", "Turbo", "CannotConvertArgumentNoMessage", "Unable to match the identifier name Turbo"),
    ("IovWeight", "lots", "CannotConvertArgumentNoMessage", "Input string was not in a correct format."),
    ("IovWeight", -1, "CannotConvertArgumentNoMessage", "Value was either too large or too small for a UInt32."),
    ("IovWeight", 2**32, "CannotConvertArgumentNoMessage", "too large or too small"),
    ("VrssEnabled", "yes", "ParameterArgumentTransformationError", "Boolean parameters accept only Boolean values"),
    ("VMName", ["web01", "web02"], "CannotConvertArgument", "Cannot convert 'System.Object[]'"),
    ("IovWeight", SWITCH, "MissingArgument", "Missing an argument for parameter 'IovWeight'"),
])
def test_type_conversion_failures_are_binding_errors(capable, param, value, fqid, fragment):
    result = run(capable, cmd("Set-VMNetworkAdapter", **{"VMName": "web01", param: value}))
    error = result.terminating
    assert error.fqid == fqid + ",Microsoft.HyperV.PowerShell.Commands.SetVMNetworkAdapter"
    assert fragment in error.message
    assert error.exception_type == BINDING
    assert error.command == "Set-VMNetworkAdapter"


def test_numbers_in_strings_and_one_element_lists_convert(capable):
    ok(capable, cmd("Set-VMNetworkAdapter", VMName=["web01"], IovWeight="42", VrssEnabled=0))
    got = adapter(capable, "web01")
    assert (got["IovWeight"], got["VrssEnabledRequested"]) == (42, False)


def test_missing_mandatory_parameter(capable):
    result = run(capable, cmd("Get-VMNetworkAdapter"))
    assert result.terminating.fqid == "MissingMandatoryParameter,Microsoft.HyperV.PowerShell.Commands.GetVMNetworkAdapter"
    assert result.terminating.message == (
        "Cannot process command because of one or more missing mandatory parameters: VMName.")
    assert result.terminating.exception_type == BINDING


def test_parameter_sets_that_cannot_combine(capable):
    result = run(capable, cmd("Get-VMNetworkAdapter", All=SWITCH, ManagementOS=SWITCH))
    assert result.terminating.fqid.startswith("AmbiguousParameterSet,")


def test_switch_parameters_take_no_value_or_a_boolean(capable):
    assert len(ok(capable, cmd("Get-VMNetworkAdapter", All=SWITCH))) == 9
    assert len(ok(capable, cmd("Get-VMNetworkAdapter", ManagementOS=True))) == 3
    result = run(capable, cmd("Get-VMNetworkAdapter", All="please"))
    assert result.terminating.fqid.startswith("ParameterArgumentTransformationError,")


def test_unknown_parameter_fails_like_powershell(capable):
    result = run(capable, cmd("Set-VMSwitch", "sriov-ext", EnableIov=False))
    error = result.terminating
    assert error.message == "A parameter cannot be found that matches parameter name 'EnableIov'."
    assert error.category == "InvalidArgument"
    assert error.fqid == "NamedParameterNotFound,Microsoft.HyperV.PowerShell.Commands.SetVMSwitch"
    assert error.exception_type == BINDING


def test_parameters_that_do_not_exist_on_netadapter_cmdlets(capable):
    result = run(capable, cmd("Set-NetAdapterSriov", Name="SLOT 2 Port 1", NumQueuePairsForDefaultVPort=4))
    assert result.terminating.fqid == "NamedParameterNotFound,Set-NetAdapterSriov"


def test_unknown_cmdlet(capable):
    result = run(capable, cmd("Get-VMSwitch"), cmd("Get-Foo"), cmd("Get-VMHost"))
    error = result.terminating
    assert error.category == "ObjectNotFound"
    assert error.fqid == "CommandNotFoundException"
    assert error.exception_type == "System.Management.Automation.CommandNotFoundException"
    assert error.message.startswith("The term 'Get-Foo' is not recognized as the name of a cmdlet")
    # the statement before it ran, the one after did not
    assert [o.type_names[0].rsplit(".", 1)[1] for o in result.output] == ["VMSwitch"] * 3


def test_module_qualified_names(capable):
    assert ok(capable, cmd("Hyper-V\\Get-VMHost"))
    assert run(capable, cmd("NetAdapter\\Get-VMHost")).terminating.fqid == "CommandNotFoundException"


def test_per_item_errors_do_not_lose_the_batch(capable):
    result = run(capable, cmd("Get-VMSwitch", Name=["sriov-ext", "missing", "mgmt-ext"]))
    assert [o.get("Name") for o in result.output] == ["sriov-ext", "mgmt-ext"]
    assert result.terminating is None
    [error] = result.errors
    assert error.message == 'Hyper-V was unable to find a virtual switch with name "missing".'
    assert error.category == "InvalidArgument"
    assert error.fqid == "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMSwitch"
    assert error.target == "missing"
    assert error.command == "Get-VMSwitch"


def test_wildcards_that_match_nothing_are_silent(capable):
    result = run(capable, cmd("Get-VMSwitch", Name="nothing*"), cmd("Get-VM", Name="web*"))
    assert result.errors == [] and result.terminating is None
    assert [o.get("Name") for o in result.output] == ["web01", "web02"]


@pytest.mark.parametrize("action, errors, terminating, later_runs", [
    ("Continue", 1, False, True),
    (None, 1, False, True),
    ("SilentlyContinue", 0, False, True),
    ("Ignore", 0, False, True),
    ("Stop", 0, True, False),
    ("stop", 0, True, False),
    (1, 0, True, False),
])
def test_error_action(capable, action, errors, terminating, later_runs):
    params = {"Name": ["missing", "sriov-ext"]}
    if action is not None:
        params["ErrorAction"] = action
    result = run(capable, cmd("Get-VMSwitch", **params), cmd("Get-VMHost"))
    assert len(result.errors) == errors
    assert (result.terminating is not None) == terminating
    assert any(o.type_names[0].endswith("VMHost") for o in result.output) == later_runs
    if terminating:
        assert result.terminating.fqid == "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMSwitch"


def test_common_parameter_alias_ea(capable):
    result = run(capable, cmd("Get-VM", "ghost", ea="Stop"))
    assert result.terminating.message == 'Hyper-V was unable to find a virtual machine with name "ghost".'


def test_binding_errors_are_terminating_whatever_error_action(capable):
    result = run(capable, cmd("Set-VMSwitch", "sriov-ext", Bogus=1, ErrorAction="SilentlyContinue"), cmd("Get-VMHost"))
    assert result.terminating.fqid.startswith("NamedParameterNotFound,")
    assert result.output == []


def test_pipeline_input_binds_objects(capable):
    ok(capable, [cmd("Get-VMNetworkAdapter", VMName="web*"), cmd("Set-VMNetworkAdapter", IovWeight=0)])
    assert adapter(capable, "web01")["IovWeight"] == 0 and adapter(capable, "web02")["IovWeight"] == 0
    ok(capable, [cmd("Get-VM", "web01"), cmd("Stop-VM", Force=SWITCH)])
    assert plain(ok(capable, cmd("Get-VM", "web01"))[0])["State"] == "Off"


def test_pipeline_input_no_parameter_takes_it(capable):
    # Get-VMSwitchTeam takes only VMSwitch objects from the pipeline (-Name is not ValueFromPipeline).
    result = run(capable, [cmd("Get-VMHost"), cmd("Get-VMSwitchTeam")])
    assert result.errors[0].fqid.startswith("InputObjectNotBound,")


def test_whatif_changes_nothing(capable):
    ok(capable, cmd("Remove-VMSwitch", "mgmt-ext", WhatIf=SWITCH))
    assert ok(capable, cmd("Get-VMSwitch", "mgmt-ext"))


def test_duplicate_parameter(capable):
    result = run(capable, cmd("Get-VMSwitch", Name="a", SwitchName="b"))
    assert result.terminating.fqid.startswith("ParameterAlreadyBound,")


@pytest.mark.parametrize("switch_type", ["External", "external"])
def test_validate_set_refuses_a_value_outside_the_set(capable, switch_type):
    # New-VMSwitch's SwitchType set is Internal/Private: External comes only from naming a NIC.
    result = run(capable, cmd("New-VMSwitch", Name="x", SwitchType=switch_type))
    error = result.terminating
    assert error.fqid == "ParameterArgumentValidationError,Microsoft.HyperV.PowerShell.Commands.NewVMSwitch"
    assert error.category == "InvalidData"
    assert 'does not belong to the set "Internal,Private"' in error.message
    assert "x" not in [o.get("Name") for o in ok(capable, cmd("Get-VMSwitch"))]


def test_validate_set_accepts_a_member_in_any_case(capable):
    ok(capable, cmd("New-VMSwitch", Name="lab-private", SwitchType="private"))
    [created] = ok(capable, cmd("Get-VMSwitch", Name="lab-private"))
    assert plain(created)["SwitchType"] == "Private"


# Parameters that came with a later release than the host's are not there at all, as on a real
# host (the error of windowsserverdocs#3457, reference section 6); from that release on they bind
# and the property that reports them shows the value. The releases are those of Microsoft's
# cmdlet reference per docset (Set-VMSwitch, Set-VMNetworkAdapter).
@pytest.mark.parametrize("cmdlet, target, parameter, value, since, prop, shown", [
    ("Set-VMNetworkAdapter", {"VMName": "web01"}, "VrssMinQueuePairs", 2, "2019", "VrssMinQueuePairsRequested", 2),
    ("Set-VMNetworkAdapter", {"VMName": "web01"}, "VrssQueueSchedulingMode", "Dynamic", "2019",
     "VrssQueueSchedulingModeRequested", "Dynamic"),
    ("Set-VMNetworkAdapter", {"VMName": "web01"}, "VrssExcludePrimaryProcessor", True, "2019",
     "VrssExcludePrimaryProcessorRequested", True),
    ("Set-VMNetworkAdapter", {"VMName": "web01"}, "VrssIndependentHostSpreading", True, "2019",
     "VrssIndependentHostSpreadingRequested", True),
    ("Set-VMNetworkAdapter", {"VMName": "web01"}, "VrssVmbusChannelAffinityPolicy", "Strict", "2019",
     "VrssVmbusChannelAffinityPolicyRequested", "Strict"),
    ("Set-VMNetworkAdapter", {"VMName": "web01"}, "RscEnabled", False, "2022", "RscEnabledRequested", False),
    ("Set-VMSwitch", {"Name": "sriov-ext"}, "EnableSoftwareRsc", False, "2019", "SoftwareRscEnabled", False),
    ("Set-VMSwitch", {"Name": "sriov-ext"}, "DefaultQueueVmmqQueuePairs", 4, "2016",
     "DefaultQueueVrssMaxQueuePairsRequested", 4),
    ("Set-VMSwitch", {"Name": "sriov-ext"}, "DefaultQueueVrssEnabled", False, "2016",
     "DefaultQueueVrssEnabledRequested", False),
    ("Set-VMSwitch", {"Name": "sriov-ext"}, "DefaultQueueVmmqEnabled", False, "2016",
     "DefaultQueueVmmqEnabledRequested", False),
])
def test_a_parameter_newer_than_the_host_is_not_found(capable, cmdlet, target, parameter, value, since, prop, shown):
    from hyperv_sriov_emulator.model import versions

    capable.os_version = versions.VERSIONS[versions.index(since) - 1]
    result = run(capable, cmd(cmdlet, **target, **{parameter: value}))
    assert result.terminating.message == "A parameter cannot be found that matches parameter name '%s'." % parameter
    assert result.terminating.fqid.startswith("NamedParameterNotFound,")
    capable.os_version = since
    ok(capable, cmd(cmdlet, **target, **{parameter: value}))
    reader = cmd("Get-VMNetworkAdapter", VMName="web01") if cmdlet == "Set-VMNetworkAdapter" else cmd("Get-VMSwitch", "sriov-ext")
    assert plain(ok(capable, reader)[0])[prop] == shown
