"""The real pypsrp client against the emulator over HTTPS + Basic and over HTTP + encrypted NTLM."""

from __future__ import annotations

import threading
import uuid

import pytest
from pypsrp.complex_objects import GenericComplexObject, PSInvocationState
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

TRANSPORTS = [
    pytest.param(("basic", True), id="https-basic"),
    pytest.param(("ntlm", False), id="http-ntlm-encrypted"),
]

VMSWITCH = "Microsoft.HyperV.PowerShell.VMSwitch"


@pytest.fixture(params=TRANSPORTS)
def ready(request, emulator_factory):
    auth, tls = request.param
    return emulator_factory(auth=auth, tls=tls)


def _pool(ready, name=None, **overrides):
    return WSMan(**ready.wsman_kwargs(name, **overrides))


def _unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def _new_internal_switch(pool, name):
    ps = PowerShell(pool)
    ps.add_cmdlet("New-VMSwitch").add_parameter("Name", name).add_parameter("SwitchType", "Internal")
    ps.add_parameter("ErrorAction", "Stop")
    out = ps.invoke()
    assert not ps.had_errors, [str(e) for e in ps.streams.error]
    return out


def test_switch_properties_have_the_reference_names_and_types(ready):
    name = _unique("types")
    with _pool(ready) as wsman, RunspacePool(wsman) as pool:
        created = _new_internal_switch(pool, name)
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMSwitch").add_parameter("Name", name)
        (switch,) = ps.invoke()
    assert created and created[0].adapted_properties["Name"] == name
    assert isinstance(switch, GenericComplexObject)
    assert switch.types[0] == VMSWITCH
    assert switch.types[-1] == "System.Object"
    assert "Name = '%s'" % name in switch.to_string
    props = switch.adapted_properties
    for prop in ("Name", "Id", "SwitchType", "IovEnabled", "IovSupport", "IovSupportReasons",
                 "BandwidthReservationMode", "EmbeddedTeamingEnabled", "IovQueuePairCount"):
        assert prop in props, prop
    assert props["Name"] == name
    assert isinstance(props["Id"], uuid.UUID)
    assert props["IovEnabled"] is False
    # An internal switch has no external port: IovSupport is False.
    assert props["IovSupport"] is False
    assert isinstance(props["IovQueuePairCount"], int)
    switch_type = props["SwitchType"]
    assert switch_type.types[:2] == ["Microsoft.HyperV.PowerShell.VMSwitchType", "System.Enum"]
    assert (switch_type.to_string, switch_type.property_sets) == ("Internal", [1])
    mode = props["BandwidthReservationMode"]
    assert mode.types[0] == "Microsoft.HyperV.PowerShell.VMSwitchBandwidthMode"
    assert {"Default": 0, "Weight": 1, "Absolute": 2, "None": 3}[mode.to_string] == mode.property_sets[0]


def test_several_statements_travel_in_one_pipeline(ready):
    with _pool(ready) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMHost").add_statement()
        ps.add_cmdlet("Get-VMSwitch").add_statement()
        ps.add_cmdlet("Get-VMNetworkAdapter").add_parameter("All").add_statement()
        ps.add_cmdlet("Get-NetAdapterSriov")
        output = ps.invoke()
    assert not ps.had_errors and not ps.streams.error
    kinds = [obj.types[0] for obj in output]
    assert kinds[0] == "Microsoft.HyperV.PowerShell.VMHost"
    assert VMSWITCH in kinds
    # Statement order is kept: the host, then switches, then adapters, then physical NICs.
    first_sriov = next(i for i, kind in enumerate(kinds) if "NetAdapterSriov" in kind)
    assert all("NetAdapterSriov" in kind for kind in kinds[first_sriov:])
    assert max(i for i, kind in enumerate(kinds) if kind == VMSWITCH) < first_sriov


def test_arrays_arrive_as_lists(ready):
    with _pool(ready) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMHost")
        (host,) = ps.invoke()
    reasons = host.adapted_properties["IovSupportReasons"]
    assert reasons is None or isinstance(reasons, list)
    assert isinstance(host.adapted_properties["IovSupport"], bool)


def test_arrays_arrive_as_lists_of_their_items(ready):
    # A VM adapter's Status is always an array (of status enums), and IPAddresses an empty one:
    # both must arrive as lists, not as a scalar or None, whatever the transport.
    with _pool(ready) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMNetworkAdapter").add_parameter("VMName", "web01")
        (adapter,) = ps.invoke()
    status = adapter.adapted_properties["Status"]
    assert isinstance(status, list) and len(status) >= 1
    assert adapter.adapted_properties["IPAddresses"] == []


def test_iov_support_reasons_arrive_as_a_list_of_strings(emulator_factory):
    # bios-blocked is a scenario whose host has reasons, so the array is really on the wire.
    blocked = emulator_factory(scenario="bios-blocked")
    with WSMan(**blocked.wsman_kwargs()) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMHost")
        (host,) = ps.invoke()
    reasons = host.adapted_properties["IovSupportReasons"]
    assert isinstance(reasons, list) and reasons and all(isinstance(item, str) for item in reasons)
    assert host.adapted_properties["IovSupport"] is False


def test_per_item_errors_keep_the_good_items(ready):
    name = _unique("peritem")
    with _pool(ready) as wsman, RunspacePool(wsman) as pool:
        _new_internal_switch(pool, name)
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMSwitch").add_parameter("Name", [name, "missing-switch"])
        output = ps.invoke()
    assert [obj.adapted_properties["Name"] for obj in output] == [name]
    assert ps.had_errors is False
    assert ps.state == PSInvocationState.COMPLETED
    (error,) = ps.streams.error
    assert str(error) == 'Hyper-V was unable to find a virtual switch with name "missing-switch".'
    assert error.category == 5  # InvalidArgument
    assert error.fq_error == "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMSwitch"
    assert error.target_object == "missing-switch"
    assert error.command_name == "Get-VMSwitch"


def test_terminating_error_fails_the_pipeline_and_skips_later_statements(ready):
    name = _unique("never")
    with _pool(ready) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMSwitch").add_parameter("Name", "missing-switch").add_parameter("ErrorAction", "Stop")
        ps.add_statement()
        ps.add_cmdlet("New-VMSwitch").add_parameter("Name", name).add_parameter("SwitchType", "Internal")
        output = ps.invoke()
        assert output == []
        assert ps.had_errors is True
        assert ps.state == PSInvocationState.FAILED
        assert ps.streams.error[-1].fq_error == "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMSwitch"

        check = PowerShell(pool)
        check.add_cmdlet("Get-VMSwitch").add_parameter("Name", name).add_parameter("ErrorAction", "SilentlyContinue")
        assert check.invoke() == []
        assert check.streams.error == []


def test_scripts_are_refused_as_a_jea_endpoint_refuses_them(ready):
    # A JEA endpoint runs in NoLanguage mode: script text fails with ParserStrings.ScriptsNotAllowed
    # (PowerShell/PowerShell src/System.Management.Automation/engine/Command.cs; the record as a
    # host prints it: MicrosoftDocs/PowerShell-Docs about_Language_Modes, "ParserError: ... [],
    # ParseException", "FullyQualifiedErrorId : ScriptsNotAllowed"). Nothing of the script runs.
    with _pool(ready) as wsman, RunspacePool(wsman) as pool:
        before = PowerShell(pool)
        before.add_cmdlet("Get-VMSwitch")
        switches = len(before.invoke())
        assert switches > 0
        ps = PowerShell(pool)
        ps.add_script("Get-VMSwitch | Remove-VMSwitch -Force")
        ps.invoke()
        assert ps.had_errors and ps.state == PSInvocationState.FAILED
        record = ps.streams.error[-1]
        assert record.category == 17  # ParserError
        assert record.fq_error == "ScriptsNotAllowed"
        assert record.target_object == "Get-VMSwitch | Remove-VMSwitch -Force"
        assert "no-language mode" in str(record)

        check = PowerShell(pool)
        check.add_cmdlet("Get-VMSwitch")
        assert len(check.invoke()) == switches  # the script removed nothing

        # Invoke-Expression is not among the commands a JEA role exposes: unknown, as any other.
        iex = PowerShell(pool)
        iex.add_cmdlet("Invoke-Expression").add_parameter("Command", "Get-VMSwitch")
        iex.invoke()
        assert iex.had_errors
        assert iex.streams.error[-1].fq_error == "CommandNotFoundException"


def test_unknown_cmdlet_is_a_terminating_error(ready):
    with _pool(ready) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-Unicorn")
        ps.invoke()
    assert ps.had_errors
    record = ps.streams.error[-1]
    assert record.fq_error == "CommandNotFoundException"
    assert record.category == 13  # ObjectNotFound
    assert "Get-Unicorn" in str(record)


def test_pipeline_stop_and_pool_stays_usable(ready):
    with _pool(ready) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMSwitch")
        ps.begin_invoke()
        ps.stop()
        assert ps.state == PSInvocationState.STOPPED
        again = PowerShell(pool)
        again.add_cmdlet("Get-VMHost")
        assert len(again.invoke()) == 1
        assert pool.is_alive()


def test_five_concurrent_clients_keep_the_model_consistent(ready):
    prefix = _unique("conc")
    failures: list[str] = []
    seen: dict[int, set[str]] = {}

    def client(index: int) -> None:
        try:
            with _pool(ready) as wsman, RunspacePool(wsman) as pool:
                mine = {"%s-%d-%d" % (prefix, index, n) for n in range(4)}
                for name in sorted(mine):
                    _new_internal_switch(pool, name)
                ps = PowerShell(pool)
                ps.add_cmdlet("Get-VMSwitch")
                seen[index] = {obj.adapted_properties["Name"] for obj in ps.invoke()}
                if not mine <= seen[index]:
                    failures.append("client %d misses its own switches" % index)
        except Exception as err:  # collected, asserted below
            failures.append("client %d: %r" % (index, err))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures

    with _pool(ready) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMSwitch")
        switches = [obj for obj in ps.invoke() if obj.adapted_properties["Name"].startswith(prefix)]
    names = [obj.adapted_properties["Name"] for obj in switches]
    assert sorted(names) == sorted("%s-%d-%d" % (prefix, i, n) for i in range(5) for n in range(4))
    ids = [obj.adapted_properties["Id"] for obj in switches]
    assert len(set(ids)) == len(ids)
