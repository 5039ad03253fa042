# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors from real error records: the emulator's, over the wire (pypsrp runner) and in
process (the emulator's runner), plus the transport's own failures against a real server."""
from __future__ import annotations

import socket

import pytest

from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _errors
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._psrp_runner import PsrpRunner
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import SWITCH, Command


@pytest.fixture(scope="module")
def host(emulator_factory):
    # A process of its own: outputs are compared with a freshly loaded in-process host, so no
    # other test may have changed this one.
    return emulator_factory(scenario="capable", fresh=True).host()


@pytest.fixture(scope="module", params=["wire", "inprocess"])
def runner(request, host, connection_options, inprocess_runner):
    if request.param == "wire":
        made = PsrpRunner(connection_options(host))
    else:
        made = inprocess_runner("capable", host["name"])
    yield made
    made.close()


@pytest.fixture(scope="module")
def names(host, connection_options):
    """A VM with an adapter and a switch of the scenario, read over the wire."""
    with PsrpRunner(connection_options(host)) as runner:
        result = runner.run([[Command("Get-VMNetworkAdapter", {"All": SWITCH})], [Command("Get-VMSwitch")]])
    adapter = next(o for o in result.output if o.is_a("Microsoft.HyperV.PowerShell.VMNetworkAdapter") and o.properties.get("VMName"))
    switch = next(o for o in result.output if o.is_a("Microsoft.HyperV.PowerShell.VMSwitch"))
    return {"vm": adapter.properties["VMName"], "adapter": adapter.properties["Name"], "switch": switch.properties["Name"]}


def _raised(runner, statements):
    result = runner.run(statements)
    with pytest.raises(_errors.HyperVError) as caught:
        _errors.raise_for_result(result)
    return result, caught.value


def test_missing_switch_is_not_found(runner):
    result, error = _raised(runner, [[Command("Get-VMSwitch", {"Name": "missing"})]])
    assert isinstance(error, _errors.NotFoundError)
    assert error.message.startswith("Failed to read virtual switch 'missing': ")
    assert "missing" in error.details["host_message"]
    assert result.terminating_error is None and len(result.errors) == 1  # non-terminating, kept


def test_out_of_range_weight_is_invalid_argument(runner, names):
    command = Command(
        "Set-VMNetworkAdapter",
        {"VMName": names["vm"], "Name": names["adapter"], "IovWeight": 101, "ErrorAction": "Stop"},
    )
    result, error = _raised(runner, [[command]])
    assert isinstance(error, _errors.InvalidArgumentError)
    assert result.terminating_error is not None
    assert error.message.startswith("Failed to change VM network adapter")


def test_parameter_the_host_lacks_is_not_supported(runner, names):
    command = Command("Set-VMSwitch", {"Name": names["switch"], "EnableIov": True, "ErrorAction": "Stop"})
    _result, error = _raised(runner, [[command]])
    assert isinstance(error, _errors.ParameterNotSupportedError)
    assert "does not support parameter EnableIov of Set-VMSwitch" in error.message
    assert "Remove the option or upgrade" in error.message


def test_unknown_cmdlet(runner):
    _result, error = _raised(runner, [[Command("Get-VMFrobnicator")]])
    assert isinstance(error, _errors.CommandNotFoundError)
    assert "Get-VMFrobnicator" in error.message


def test_non_terminating_errors_survive_next_to_output(runner, names):
    result = runner.run([[Command("Get-VMSwitch", {"Name": [names["switch"], "missing"]})], [Command("Get-VMHost")]])
    assert [o.properties["Name"] for o in result.of_type("Microsoft.HyperV.PowerShell.VMSwitch")] == [names["switch"]]
    assert len(result.of_type("Microsoft.HyperV.PowerShell.VMHost")) == 1
    assert len(result.errors) == 1 and not result.failed
    with pytest.raises(_errors.NotFoundError):
        _errors.raise_for_result(result)


def test_terminating_error_stops_later_statements(runner):
    result = runner.run(
        [[Command("Get-VMSwitch", {"Name": "missing", "ErrorAction": "Stop"})], [Command("Get-VMHost")]]
    )
    assert result.failed and result.errors == []
    assert result.of_type("Microsoft.HyperV.PowerShell.VMHost") == []
    assert isinstance(_errors.error_from_record(result.terminating_error), _errors.NotFoundError)


def test_records_are_the_same_over_the_wire_and_in_process(host, names, connection_options, inprocess_runner):
    runs = [
        [[Command("Get-VMSwitch", {"Name": ["missing", names["switch"], "absent"]})]],
        [[Command("Get-VMSwitch", {"Name": "missing"})], [Command("Get-VMFrobnicator")]],
        [[Command("Set-VMSwitch", {"Name": names["switch"], "EnableIov": True})]],
        [[Command("Set-VMNetworkAdapter", {"VMName": names["vm"], "Name": names["adapter"], "IovWeight": 101})]],
    ]
    local = inprocess_runner("capable", host["name"])
    with PsrpRunner(connection_options(host)) as wire:
        for statements in runs:
            over_wire, in_process = wire.run(statements), local.run(statements)
            assert over_wire.all_errors() == in_process.all_errors()
            assert over_wire.output == in_process.output
            assert over_wire.all_errors()


# -- failures of the transport itself ---------------------------------------------------------
def test_wrong_password_is_authentication_error(host, connection_options):
    wrong = "not-" + host["password"]
    with pytest.raises(_errors.AuthenticationError) as caught:
        PsrpRunner(connection_options(host, password=wrong)).run([[Command("Get-VMHost")]])
    assert "rejected the credentials of user '%s'" % host["username"] in caught.value.message
    assert wrong not in caught.value.message and host["password"] not in caught.value.message


def test_closed_port_is_unreachable(host, connection_options):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(_errors.HostUnreachableError) as caught:
        PsrpRunner(connection_options(host, port=port)).run([[Command("Get-VMHost")]])
    assert "nothing is listening on 127.0.0.1:%d" % port in caught.value.message


def test_untrusted_certificate_is_tls_error(host, connection_options):
    assert host["protocol"] == "https"
    with pytest.raises(_errors.TLSError) as caught:
        PsrpRunner(connection_options(host, ca_cert=None)).run([[Command("Get-VMHost")]])
    assert "Set ca_cert" in caught.value.message and "validate_certs" in caught.value.message


def test_validate_certs_false_accepts_the_same_host(host, connection_options):
    with PsrpRunner(connection_options(host, ca_cert=None, validate_certs=False)) as runner:
        assert len(runner.run([[Command("Get-VMHost")]]).output) == 1


# -- armed faults of the emulator -------------------------------------------------------------
@pytest.fixture(scope="module")
def faulty(emulator_factory):
    """A host of its own, so armed faults never reach another test."""
    ready = emulator_factory(scenario="capable", fresh=True)
    return ready, ready.host()


def _arm(ready, host, *args):
    proc = ready.cli("fault", "--host", host["name"], *args)
    assert proc.returncode == 0, proc.stderr


def test_permission_denied_record_is_access_denied(faulty, names, connection_options):
    ready, host = faulty
    _arm(ready, host, "--cmdlet", "Set-VMSwitch", "--terminating", "--category", "PermissionDenied",
         "--message", "You do not have the required permission to complete this task.")
    with PsrpRunner(connection_options(host)) as runner:
        result = runner.run([[Command("Set-VMSwitch", {"Name": names["switch"], "Notes": "x", "ErrorAction": "Stop"})]])
    error = _errors.error_from_record(result.terminating_error)
    assert isinstance(error, _errors.AccessDeniedError)
    assert error.message.startswith("Failed to change virtual switch")
    assert "Hyper-V Administrators" in error.message


def test_connection_lost_mid_task_is_unreachable(faulty, connection_options):
    ready, host = faulty
    with PsrpRunner(connection_options(host)) as runner:
        runner.open()
        _arm(ready, host, "--drop-at-request", "1")
        with pytest.raises(_errors.HostUnreachableError) as caught:
            runner.run([[Command("Get-VMHost")]])
    assert "connection to the host was lost" in caught.value.message


def test_slow_host_times_out(faulty, connection_options):
    ready, host = faulty
    with PsrpRunner(connection_options(host, operation_timeout=1, read_timeout=2)) as runner:
        runner.open()
        _arm(ready, host, "--delay-ms", "9000", "--count", "1")
        with pytest.raises(_errors.HostTimeoutError) as caught:
            runner.run([[Command("Get-VMHost")]])
    assert "read timeout=2" in caught.value.message and "raise read_timeout" in caught.value.message
