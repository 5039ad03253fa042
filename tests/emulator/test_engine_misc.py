"""Engine behaviour across statements and threads, and the remaining lookup paths."""

import threading

import pytest
from emulator_helpers import SWITCH, cmd, ok, plain, run

from hyperv_sriov_emulator import engine


def test_vm_objects_pipe_into_get_vmnetworkadapter(capable):
    names = [(o.get("VMName"), o.get("Name")) for o in ok(capable, [cmd("Get-VM", "db01"), cmd("Get-VMNetworkAdapter")])]
    assert names == [("db01", "Data"), ("db01", "Backup")]


def test_switch_objects_pipe_into_remove_vmswitch(capable):
    ok(capable, [cmd("Get-VMSwitch", "lab-*"), cmd("Remove-VMSwitch", Force=SWITCH)])
    assert [sw.name for sw in capable.switches] == ["sriov-ext", "mgmt-ext"]


def test_an_empty_upstream_runs_nothing_downstream(capable):
    result = run(capable, [cmd("Get-VMSwitch", "none*"), cmd("Remove-VMSwitch")])
    assert result.terminating is None and result.errors == [] and len(capable.switches) == 3


def test_output_before_a_terminating_error_is_kept(capable):
    # VM adapters come first and take the setting; the first host vNIC refuses it and stops all
    pipeline = [cmd("Get-VMNetworkAdapter", All=SWITCH),
                cmd("Set-VMNetworkAdapter", NumaAwarePlacement=True, Passthru=SWITCH, ErrorAction="Stop")]
    result = run(capable, cmd("Get-VMHost"), pipeline, cmd("Get-VMHost"))
    kinds = [o.type_names[0].rsplit(".", 1)[1] for o in result.output]
    assert kinds == ["VMHost"] + ["VMNetworkAdapter"] * 6
    assert result.terminating.fqid == "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.SetVMNetworkAdapter"
    assert all(a.settings["NumaAwarePlacement"] for vm in capable.vms for a in vm.adapters)


def test_errors_of_a_name_list_come_before_its_objects(capable):
    # Hyper-V cmdlets resolve every name first, so -ErrorAction Stop stops before any output
    result = run(capable, cmd("Get-VMSwitch", ["sriov-ext", "ghost", "mgmt-ext"], ErrorAction="Stop"))
    assert result.output == [] and result.terminating.target == "ghost"


def test_parameters_as_name_value_pairs(capable):
    result = engine.invoke(capable, [[engine.CommandSpec("Get-VMSwitch", [("Name", "mgmt-ext")])]])
    assert [o.get("Name") for o in result.output] == ["mgmt-ext"]


def test_concurrent_invocations_on_one_host(capable):
    failures = []

    def writer(weight_base):
        for i in range(40):
            result = run(capable, cmd("Set-VMNetworkAdapter", VMName="web0*", IovWeight=(weight_base + i) % 100),
                         cmd("Get-VMNetworkAdapter", All=SWITCH))
            if result.terminating or result.errors:
                failures.append(result)

    threads = [threading.Thread(target=writer, args=(n * 7,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sum(1 for vm in capable.vms for a in vm.adapters if a.vf) == 4


@pytest.mark.parametrize("params, names", [
    ({"InterfaceDescription": "Broadcom*"}, ["Embedded LOM 1 Port 1"]),
    ({"Name": "SLOT*", "Physical": SWITCH}, ["SLOT 2 Port 1", "SLOT 2 Port 2"]),
    ({"Name": "vEthernet (mgmt-ext)"}, ["vEthernet (mgmt-ext)"]),
])
def test_get_netadapter_filters(capable, params, names):
    assert [o.get("Name") for o in ok(capable, cmd("Get-NetAdapter", **params))] == names


def test_get_netadapter_by_index_and_not_found(capable):
    index = capable.nic("SLOT 2 Port 2").if_index
    assert [o.get("Name") for o in ok(capable, cmd("Get-NetAdapter", InterfaceIndex=index))] == ["SLOT 2 Port 2"]
    result = run(capable, cmd("Get-NetAdapter", "Ethernet 9"))
    [error] = result.errors
    assert error.fqid == "CmdletizationQuery_NotFound_Name,Get-NetAdapter"
    assert error.exception_type == "Microsoft.PowerShell.Cmdletization.Cim.CimJobException"


def test_get_netadaptersriovvf_filters(capable):
    vfs = ok(capable, cmd("Get-NetAdapterSriovVf", "SLOT 2 Port 1", FunctionID=[0, 1]))
    assert [plain(o)["FunctionID"] for o in vfs] == [0, 1]
    none_on_port2 = run(capable, cmd("Get-NetAdapterSriovVf", "SLOT 2 Port 2"))
    assert none_on_port2.errors[0].fqid == "CmdletizationQuery_NotFound_Name,Get-NetAdapterSriovVf"
    by_description = ok(capable, cmd("Get-NetAdapterSriov", InterfaceDescription="*X710*#2"))
    assert [o.get("Name") for o in by_description] == ["SLOT 2 Port 2"]


def test_error_records_of_hyperv_cmdlets(capable):
    result = run(capable, cmd("Get-VM", "nobody"))
    [error] = result.errors
    assert (error.category, error.fqid, error.target, error.exception_type) == (
        "InvalidArgument", "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM", "nobody",
        "Microsoft.HyperV.PowerShell.VirtualizationException")


def test_values_as_psrpcore_deserializes_them(capable):
    from psrpcore import types as ps

    vm_id = capable.vms[0].id
    result = engine.invoke(capable, [
        [engine.CommandSpec("Get-VMSwitch", [("Name", ps.PSList([ps.PSString("sriov-ext"), ps.PSString("mgmt-ext")]))])],
        [engine.CommandSpec("Set-VMNetworkAdapter", [("VMName", ps.PSString("web01")), ("IovWeight", ps.PSUInt(3)),
                                                     ("IovInterruptModeration", ps.PSInt(100)), ("Passthru", None)])],
        [engine.CommandSpec("Get-VM", [("Id", ps.PSGuid(vm_id))])],
    ])
    assert result.terminating is None and result.errors == []
    assert [o.get("Name") for o in result.output] == ["sriov-ext", "mgmt-ext", "Network Adapter", "web01"]
    assert (result.output[2].get("IovWeight"), result.output[2].get("IovInterruptModeration").name) == (3, "Low")


@pytest.mark.parametrize("name,parameters,expected", [
    ("Hyper-V\\New-VMSwitch", [], ("New-VMSwitch", "Continue")),
    ("new-vmswitch", [("ErrorAct", "Stop")], ("New-VMSwitch", "Stop")),
    ("New-VMSwitch", [("ErrorAction", 1)], ("New-VMSwitch", "Stop")),
    ("New-VMSwitch", [("ea", "SilentlyContinue")], ("New-VMSwitch", "SilentlyContinue")),
    ("No-SuchCmdlet", [("ErrorAction", "Stop")], (None, "Continue")),
])
def test_describe_resolves_and_binds_as_invoke_does(capable, name, parameters, expected):
    assert engine.describe(capable, engine.CommandSpec(name, parameters)) == expected


def test_only_commands_that_write_report_a_mutation(capable):
    assert not engine.invoke(capable, [[engine.CommandSpec("Hyper-V\\Get-VMSwitch")]]).mutated
    created = engine.invoke(capable, [[engine.CommandSpec("New-VMSwitch", [("Name", "m"), ("SwitchType", "Private")])]])
    assert created.terminating is None and created.mutated


def test_command_metadata_selects_by_powershell_wildcards(capable):
    # WildcardPattern has no negation: [!G] is the set of "!" and "G" (wildcard.py's source).
    found = engine.command_metadata(capable, ["[!G]et-VMSwitch"], 8, None)
    assert [entry[0] for entry in found] == ["Get-VMSwitch"]
    # A backtick escapes: `* is a literal star, which no command name has.
    assert engine.command_metadata(capable, ["Get-VMSwitch`*"], 8, None) == []
    # An unparsable pattern selects nothing.
    assert engine.command_metadata(capable, ["Get-VMSwitch["], 8, None) == []
