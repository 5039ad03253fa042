"""The in-process runner returns the collection's RunResult with the plain-data rules."""


from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import SWITCH, Command, ErrorRecordData, PSObjectData, RunResult

from hyperv_sriov_emulator.inprocess import InProcessRunner
from hyperv_sriov_emulator.scenario import load_scenario_text

READ_HOST = [
    [Command("Get-VMHost")], [Command("Get-VM")], [Command("Get-VMSwitch")], [Command("Get-VMSwitchTeam")],
    [Command("Get-VMNetworkAdapter", {"All": SWITCH})], [Command("Get-NetAdapter", {"Physical": SWITCH})],
    [Command("Get-NetAdapterSriov")],
    [Command("Get-NetAdapterAdvancedProperty", {"RegistryKeyword": ["*SRIOV", "*NumVFs"]})],
]


def test_runner_returns_the_collections_types(capable):
    runner = InProcessRunner(capable)
    result = runner.run(READ_HOST)
    assert isinstance(result, RunResult) and not result.failed and result.errors == []
    assert all(isinstance(o, PSObjectData) for o in result.output)
    [vmhost] = result.of_type("Microsoft.HyperV.PowerShell.VMHost")
    assert vmhost.properties["IovSupport"] is True and vmhost.properties["IovSupportReasons"] is None
    web01 = next(o for o in result.of_type("Microsoft.HyperV.PowerShell.VMNetworkAdapter")
                 if o.properties["VMName"] == "web01")
    props = web01.properties
    assert props["IovInterruptModeration"] == "Default" and props["IovUsage"] == 1
    assert props["Status"] == ["Ok"] and isinstance(props["VMId"], str) and props["VMId"] == props["VMId"].lower()
    assert isinstance(props["VirtualFunction"], str)
    assert web01.to_string.startswith("VMNetworkAdapter (Name = 'Network Adapter', VMName = 'web01')")
    assert len(result.of_type("Microsoft.HyperV.PowerShell.VMInternalNetworkAdapter")) == 3
    advanced = result.of_type("Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/"
                              "MSFT_NetAdapterAdvancedPropertySettingData")
    assert len(advanced) == 4
    runner.close()


def test_runner_errors_are_error_record_data(capable):
    runner = InProcessRunner(capable)
    result = runner.run([
        [Command("Get-VMSwitch", {"Name": ["nope", "sriov-ext"]})],
        [Command("Set-VMNetworkAdapter", {"VMName": "web01", "IovWeight": 500, "ErrorAction": "Stop"})],
        [Command("Get-VMHost")],
    ])
    assert result.failed
    assert isinstance(result.terminating_error, ErrorRecordData)
    assert result.terminating_error.fqid == "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.SetVMNetworkAdapter"
    assert result.terminating_error.command == "Set-VMNetworkAdapter"
    [error] = result.errors
    assert (error.target, error.category) == ("nope", "InvalidArgument")
    assert not result.of_type("Microsoft.HyperV.PowerShell.VMHost")


def test_pipeline_statements_with_switch_parameters(capable):
    runner = InProcessRunner(capable)
    result = runner.run([[Command("Get-VMNetworkAdapter", {"VMName": "web02"}),
                          Command("Set-VMNetworkAdapter", {"IovWeight": 0, "Passthru": SWITCH, "ErrorAction": "Stop"})]])
    assert not result.failed
    assert result.output[0].properties["IovWeight"] == 0 and result.output[0].properties["IovUsage"] == 0


def test_read_of_an_empty_host_writes_no_errors():
    [host] = load_scenario_text("hosts: [{name: EMPTY}]")
    result = InProcessRunner(host).run(READ_HOST)
    assert not result.failed and result.errors == []
    assert [o.type_names[0] for o in result.output] == ["Microsoft.HyperV.PowerShell.VMHost"]


def test_whole_host_read_of_a_thousand_adapters():
    [host] = load_scenario_text("""
hosts:
  - name: BIG
    physical_adapters:
      - {name: SLOT 1 Port 1, interface_description: D1, num_vfs: 64, max_vfs: 64}
    switches:
      - {name: ext, net_adapters: [SLOT 1 Port 1], enable_iov: true}
    vms:
      - {name: "vm{n}", count: 1000, state: Running, adapters: [{switch: ext, iov_weight: 5}]}
""")
    # Its speed is measured by benchmarks/emulator_bench.py, not asserted here.
    result = InProcessRunner(host).run(READ_HOST)
    assert not result.failed and len(result.of_type("Microsoft.HyperV.PowerShell.VMNetworkAdapter")) == 1000


def test_runner_works_without_the_collection_installed(capable, monkeypatch):
    import importlib
    import sys

    from hyperv_sriov_emulator import inprocess

    # None in sys.modules makes the import fail as if the collection were not installed.
    monkeypatch.setitem(sys.modules, "ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner", None)
    standalone = importlib.reload(inprocess)
    try:
        assert standalone.RunResult is not RunResult
        result = standalone.InProcessRunner(capable).run([[Command("Get-VMSwitch", {"Name": ["sriov-ext", "x"]})]])
        assert [o.properties["Name"] for o in result.of_type("Microsoft.HyperV.PowerShell.VMSwitch")] == ["sriov-ext"]
        assert result.all_errors()[0].target == "x" and not result.failed
    finally:
        monkeypatch.undo()
        importlib.reload(inprocess)
    assert inprocess.RunResult is RunResult
