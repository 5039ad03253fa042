"""Confirmation: cmdlets that ask before an irreversible step, on an endpoint with no interactive
host (a PSRP client such as pypsrp gives none).

Sources: Remove-VMSwitch and Stop-VM help (MicrosoftDocs/windows-powershell-docs
docset/winserver2022-ps/hyper-v/Remove-VMSwitch.md, Stop-VM.md: -Force runs without asking);
Windows PowerShell's answer to a prompt without a host UI (PowerShell/PowerShell @ 60b3b304f2
src/System.Management.Automation/engine/hostifaces/InternalHostUserInterface.cs,
ThrowPromptNotInteractive; resources/HostInterfaceExceptionsStrings.resx); the record as hosts print
it ("CategoryInfo : NotImplemented: (:) [Write-Host], HostException", "FullyQualifiedErrorId :
HostFunctionNotImplemented,Microsoft.PowerShell.Commands.WriteHostCommand", public build logs).
"""

from __future__ import annotations

from emulator_helpers import SWITCH, cmd, ok, run
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

from hyperv_sriov_emulator.scenario import load_scenario_text
from hyperv_sriov_emulator.server.client import wsman_kwargs

PROMPT_FAILED = ("A command that prompts the user failed because the host program or the command type does not "
                 "support user interaction. The host was attempting to request confirmation with the following "
                 "message: ")


def test_remove_vmswitch_without_force_asks_and_fails_without_a_host(capable):
    result = run(capable, cmd("Remove-VMSwitch", "lab-internal"))
    record = result.terminating
    assert record.fqid == "HostFunctionNotImplemented,Microsoft.HyperV.PowerShell.Commands.RemoveVMSwitch"
    assert record.category == "NotImplemented"
    assert record.exception_type == "System.Management.Automation.Host.HostException"
    assert record.message.startswith(PROMPT_FAILED) and "lab-internal" in record.message
    assert record.target is None
    assert any(sw.name == "lab-internal" for sw in capable.switches)  # nothing removed


def test_confirm_false_does_not_answer_the_question(capable):
    # -Confirm:$false governs ShouldProcess; the question Remove-VMSwitch asks yields only to -Force.
    result = run(capable, cmd("Remove-VMSwitch", "lab-internal", Confirm=False))
    assert result.terminating.fqid.startswith("HostFunctionNotImplemented,")
    ok(capable, cmd("Remove-VMSwitch", "lab-internal", Force=SWITCH))
    assert not any(sw.name == "lab-internal" for sw in capable.switches)


def test_whatif_asks_nothing(capable):
    ok(capable, cmd("Remove-VMSwitch", "lab-internal", WhatIf=SWITCH))
    assert any(sw.name == "lab-internal" for sw in capable.switches)


def test_the_first_refused_switch_ends_the_command(capable):
    result = run(capable, [cmd("Get-VMSwitch"), cmd("Remove-VMSwitch")])
    assert result.terminating.fqid.startswith("HostFunctionNotImplemented,")
    assert len(capable.switches) == 3


HOST_WITHOUT_SHUTDOWN_SERVICE = """
hosts:
  - name: HV-IC
    vms:
      - {name: appliance, state: Running, shutdown_integration_service: false}
      - {name: normal, state: Running}
"""


def test_stop_vm_without_the_shutdown_service_asks_unless_forced():
    host = load_scenario_text(HOST_WITHOUT_SHUTDOWN_SERVICE)[0]
    result = run(host, cmd("Stop-VM", "appliance"))
    assert result.terminating.fqid == "HostFunctionNotImplemented,Microsoft.HyperV.PowerShell.Commands.StopVM"
    assert next(vm for vm in host.vms if vm.name == "appliance").state == "Running"
    ok(host, cmd("Stop-VM", "normal"))  # a guest that can shut down is not asked
    ok(host, cmd("Stop-VM", "appliance", TurnOff=SWITCH))
    assert next(vm for vm in host.vms if vm.name == "appliance").state == "Off"


def test_stop_vm_force_turns_it_off():
    host = load_scenario_text(HOST_WITHOUT_SHUTDOWN_SERVICE)[0]
    ok(host, cmd("Stop-VM", "appliance", Force=SWITCH))
    assert next(vm for vm in host.vms if vm.name == "appliance").state == "Off"


def test_over_psrp_the_prompt_fails_the_pipeline(capable_served):
    with WSMan(**wsman_kwargs(capable_served["hosts"][0])) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Remove-VMSwitch").add_parameter("Name", "lab-internal")
        ps.invoke()
        assert ps.had_errors
        record = ps.streams.error[-1]
        assert record.fq_error == "HostFunctionNotImplemented,Microsoft.HyperV.PowerShell.Commands.RemoveVMSwitch"
        assert record.category == 11  # NotImplemented
        check = PowerShell(pool)
        check.add_cmdlet("Get-VMSwitch").add_parameter("Name", "lab-internal")
        assert len(check.invoke()) == 1
