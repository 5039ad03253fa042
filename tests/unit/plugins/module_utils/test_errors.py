# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import dataclasses

import pytest

from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _errors
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import ErrorRecordData, RunResult

# Records as real hosts write them (texts from the Hyper-V reference notes).
SWITCH_NOT_FOUND = ErrorRecordData(
    message='Hyper-V was unable to find a virtual switch with name "missing".',
    category="InvalidArgument",
    fqid="InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMSwitch",
    target="missing",
    command="Get-VMSwitch",
    exception_type="Microsoft.HyperV.PowerShell.VirtualizationException",
)
UNKNOWN_PARAMETER = ErrorRecordData(
    message="A parameter cannot be found that matches parameter name 'EnableIov'.",
    category="InvalidArgument",
    fqid="NamedParameterNotFound,Microsoft.HyperV.PowerShell.Commands.SetVMSwitchCommand",
    exception_type="System.Management.Automation.ParameterBindingException",
)
BAD_WEIGHT = ErrorRecordData(
    message="The value 101 is out of range for IovWeight: it must be between 0 and 100.",
    category="InvalidArgument",
    fqid="InvalidParameter,Microsoft.HyperV.PowerShell.Commands.SetVMNetworkAdapter",
    target="web01",
    command="Set-VMNetworkAdapter",
)
NO_CMDLET = ErrorRecordData(
    message="The term 'Get-VMFoo' is not recognized as the name of a cmdlet, function, script file, or operable program.",
    category="ObjectNotFound",
    fqid="CommandNotFoundException",
    target="Get-VMFoo",
    exception_type="System.Management.Automation.CommandNotFoundException",
)
DENIED = ErrorRecordData(
    message="You do not have the required permission to complete this task.",
    category="PermissionDenied",
    fqid="AccessDenied,Microsoft.HyperV.PowerShell.Commands.SetVMSwitch",
    target="sriov-ext",
    command="Set-VMSwitch",
)


@pytest.mark.parametrize(
    "record, cls",
    [
        (SWITCH_NOT_FOUND, _errors.NotFoundError),
        (UNKNOWN_PARAMETER, _errors.ParameterNotSupportedError),
        (BAD_WEIGHT, _errors.InvalidArgumentError),
        (NO_CMDLET, _errors.CommandNotFoundError),
        (DENIED, _errors.AccessDeniedError),
        (
            ErrorRecordData(message="No network adapter was found with the given criteria.", category="ObjectNotFound", fqid="x"),
            _errors.NotFoundError,
        ),
        (ErrorRecordData(message="Something broke.", category="NotSpecified", fqid="Unspecified,X"), _errors.CommandFailedError),
    ],
)
def test_record_maps_to_class(record, cls):
    error = _errors.error_from_record(record)
    assert error.__class__ is cls
    assert isinstance(error, _errors.HyperVError)
    assert error.details["fqid"] == record.fqid


def test_not_found_message_names_object_and_remedy():
    error = _errors.error_from_record(SWITCH_NOT_FOUND)
    assert error.message.startswith("Failed to read virtual switch 'missing': ")
    assert 'unable to find a virtual switch with name "missing"' in error.message
    assert error.message.endswith("Check the name, or create the object first.")


def test_parameter_not_supported_names_parameter_and_cmdlet_from_fqid():
    error = _errors.error_from_record(UNKNOWN_PARAMETER)
    assert "does not support parameter EnableIov of Set-VMSwitch" in error.message
    assert "Remove the option or upgrade" in error.message
    assert error.details["command"] == "Set-VMSwitch"


def test_command_not_found_is_not_an_object_not_found():
    error = _errors.error_from_record(NO_CMDLET)
    assert not isinstance(error, _errors.NotFoundError)
    assert isinstance(error, _errors.CommandFailedError)
    assert "Hyper-V PowerShell module" in error.message


def test_a_rejected_value_is_not_taken_for_the_object_name():
    error = _errors.error_from_record(dataclasses.replace(BAD_WEIGHT, target=101))
    assert error.message.startswith("Failed to change VM network adapter: The value 101 is out of range")
    assert error.message.endswith("Correct the option's value.")


def test_missing_cmdlet_message_names_the_cmdlet_once():
    error = _errors.error_from_record(NO_CMDLET)
    assert error.message.startswith("Failed to run Get-VMFoo: the host has no cmdlet Get-VMFoo (host said: The term")


def test_explicit_target_wins_over_record():
    error = _errors.error_from_record(BAD_WEIGHT, target="web01/Network Adapter")
    assert error.message.startswith("Failed to change VM network adapter 'web01/Network Adapter': The value 101")


def test_raise_for_result_clean_returns_result():
    result = RunResult(output=[], errors=[])
    assert _errors.raise_for_result(result) is result


def test_raise_for_result_never_drops_non_terminating():
    result = RunResult(output=[], errors=[SWITCH_NOT_FOUND])
    with pytest.raises(_errors.NotFoundError):
        _errors.raise_for_result(result)


def test_raise_for_result_prefers_terminating_and_keeps_the_rest():
    result = RunResult(output=[], errors=[SWITCH_NOT_FOUND], terminating_error=BAD_WEIGHT)
    with pytest.raises(_errors.InvalidArgumentError) as caught:
        _errors.raise_for_result(result)
    assert len(caught.value.details["other_errors"]) == 1
    assert "missing" in caught.value.details["other_errors"][0]


def test_redact_replaces_every_secret():
    assert _errors.redact("user admin pw hunter2 hunter2", ["hunter2", None, ""]) == "user admin pw ******** ********"


def test_base_is_simple_for_subclasses_elsewhere():
    class SpecValidationError(_errors.HyperVError):
        pass

    error = SpecValidationError("Failed to validate config: bad.")
    assert str(error) == error.message == "Failed to validate config: bad."
    assert error.details == {}
