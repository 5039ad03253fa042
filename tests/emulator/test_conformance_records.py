"""Conformance of collections, error records and the informational streams with real hosts.

Each test names the public source of the fact it checks. The client is the real pypsrp over real
sockets and TLS (the emulator's server); where pypsrp hides a detail, the test reads the CLIXML
of the message as it came off the wire.
"""

from __future__ import annotations

import pytest
from pypsrp.complex_objects import GenericComplexObject
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

from ansible_collections.sriov.hyperv.plugins.module_utils.transport._connection import ConnectionOptions
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._psrp_runner import PsrpRunner
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import Command
from emulator_helpers import SWITCH, cmd, host_from, run
from hyperv_sriov_emulator.server.client import wsman_kwargs
from test_conformance_wire import ERROR_RECORD, PIPELINE_OUTPUT, PIPELINE_STATE, _exchange, _pipeline_messages, serving

VERBOSE_RECORD = 0x00041008

HYPERV_OBJECTS = "Microsoft.HyperV.PowerShell.Objects, Version=10.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with serving(tmp_path_factory) as hosts:
        yield hosts


def _invoke(served, build, name="HV22"):
    """The pypsrp PowerShell after running what ``build(ps)`` adds, and the pipeline's messages."""
    ps, receives = _exchange(served, build, name)
    return ps, _pipeline_messages(receives)


# -- collections -------------------------------------------------------------------------------------
def test_hyperv_lists_travel_as_generic_lists(served):
    # Sources: the stub generated from the real module (dsccommunity/HyperVDsc
    # tests/Unit/Stubs/Hyper-V.stubs.psm1: AclList, ExtendedAclList, RoutingDomainList are
    # List<VMNetworkAdapter*Setting>, VirtualMachine.NetworkAdapters List<VMNetworkAdapter>,
    # VMSwitch.Extensions VMSwitchExtension[]); a List<T> on the wire is its generic type name and
    # System.Object, then <LST> (pypsrp tests/tests_pypsrp/responses/test_psrp_error_failed.yml,
    # UnboundArguments); the assembly as Microsoft's ShieldedVMProvisioning module names it.
    ps, messages = _invoke(served, lambda ps: (ps.add_cmdlet("Get-VMNetworkAdapter").add_parameter("VMName", "web1"),
                                               ps.add_statement().add_cmdlet("Get-VM"),
                                               ps.add_statement().add_cmdlet("Get-VMSwitch")))
    text = b"".join(data for kind, data in messages if kind == PIPELINE_OUTPUT).decode("utf-8")
    for element in ("VMNetworkAdapterAclSetting", "VMNetworkAdapterExtendedAclSetting",
                    "VMNetworkAdapterRoutingDomainSetting", "VMNetworkAdapter"):
        assert ("<T>System.Collections.Generic.List`1[[Microsoft.HyperV.PowerShell.%s, %s]]</T><T>System.Object</T></TN>"
                % (element, HYPERV_OBJECTS)) in text
    assert "<T>Microsoft.HyperV.PowerShell.VMSwitchExtension[]</T><T>System.Array</T>" in text
    adapter, vm, switch = ps.output
    # pypsrp has no table entry for a Hyper-V element type: it reads such a list as an object
    # without a value that keeps the <LST> as XML text, as it would from a real host.
    acl = adapter.adapted_properties["AclList"]
    assert isinstance(acl, GenericComplexObject) and acl.property_sets == ["<LST />"] and acl.to_string is None
    (adapters,) = vm.adapted_properties["NetworkAdapters"].property_sets
    assert adapters.startswith("<LST><S>VMNetworkAdapter (Name = 'Network Adapter'")
    assert [str(item) for item in switch.adapted_properties["Extensions"]] == [
        "VMSwitchExtension (Name = 'Microsoft Windows Filtering Platform')",
        "VMSwitchExtension (Name = 'Microsoft NDIS Capture')"]


def _collection_runner(served, fast):
    host = served["HV22"]
    runner = PsrpRunner(ConnectionOptions(hostname=host["hostname"], port=host["port"], username=host["username"],
                                          password=host["password"], auth=host["auth"], protocol=host["protocol"],
                                          ca_cert=host["ca_cert"]))
    runner.fast_decode = fast
    return runner


@pytest.mark.parametrize("fast", [True, False])
def test_the_collection_runs_through_warning_and_verbose_records(served, fast):
    # A real host interleaves WARNING_RECORD and VERBOSE_RECORD messages with output (see the stream
    # tests below); the collection's runner, on both decoding paths, reads the output and errors
    # around them and takes none of them for an error.
    with _collection_runner(served, fast) as runner:
        result = runner.run([[Command("Start-VM", {"Name": "web1", "Verbose": None, "Passthru": None})],
                             [Command("Get-VM", {"Name": "web1"})]])
    assert result.terminating_error is None and result.errors == []
    assert [o.properties["Name"] for o in result.output] == ["web1", "web1"]


@pytest.mark.parametrize("fast", [True, False])
def test_the_collection_reads_a_generic_list_as_a_list(served, fast):
    # The collection's runner, on both decoding paths (its own reader and pypsrp's objects), reads
    # a real host's List<T> as a list, not as a valueless object.
    with _collection_runner(served, fast) as runner:
        result = runner.run([[Command("Get-VMNetworkAdapter", {"VMName": "web1"})], [Command("Get-VM")]])
    adapter, vm = result.output
    assert adapter.properties["AclList"] == [] and adapter.properties["RoutingDomainList"] == []
    assert len(vm.properties["NetworkAdapters"]) == 1
    assert vm.properties["NetworkAdapters"][0].startswith("VMNetworkAdapter (Name = 'Network Adapter'")


# -- error records -----------------------------------------------------------------------------------
def _raw_records(messages, kind):
    return [data.decode("utf-8") for message_kind, data in messages if message_kind == kind]


def test_a_cmdlets_error_record_carries_the_exception_and_invocation_as_a_host_writes_them(served):
    # Sources: PowerShell src/System.Management.Automation/engine/ErrorPackage.cs
    # (ErrorRecord.ToPSObjectForRemoting: SerializeExtendedInfo and the InvocationInfo_* notes when
    # the client asks for invocation info, which pypsrp does by default) and engine/InvocationInfo.cs
    # (their order); the shapes of pypsrp's recordings with real hosts:
    # tests/tests_pypsrp/responses/test_psrp_error_failed.yml (the exception's ToString
    # "<type>: <message>", Data a ListDictionaryInternal, InvocationInfo's properties) and
    # test_client_copy_file_warning.yml (InvocationInfo_* notes, PSBoundParametersDictionary).
    ps, messages = _invoke(served, lambda ps: ps.add_cmdlet("Get-VMSwitch").add_parameter("Name", "missing"))
    (record,) = ps.streams.error
    exception = record.exception
    assert exception.types == ["Microsoft.HyperV.PowerShell.VirtualizationException", "System.Exception", "System.Object"]
    assert exception.to_string == ('Microsoft.HyperV.PowerShell.VirtualizationException: Hyper-V was unable to find '
                                   'a virtual switch with name "missing".')
    assert exception.adapted_properties["HResult"] == -2146233088
    # VirtualizationException's own members (nforgeio/neonSDK's port of the module,
    # Lib/Neon.HyperV/HyperVWmiDriver/Microsoft/HyperV/PowerShell/VirtualizationException.cs).
    assert list(exception.adapted_properties)[:4] == ["ErrorIdentifier", "ErrorCategory", "TargetObject", "Message"]
    assert exception.adapted_properties["ErrorIdentifier"] == "InvalidParameter"
    assert str(exception.adapted_properties["ErrorCategory"]) == "InvalidArgument"
    assert exception.adapted_properties["TargetObject"] is None
    assert exception.adapted_properties["Source"] is None and exception.adapted_properties["StackTrace"] is None
    (raw,) = _raw_records(messages, ERROR_RECORD)
    assert '<Obj N="Data" RefId="' in raw and "<T>System.Collections.ListDictionaryInternal</T>" in raw
    # The InvocationInfo object, as its public properties at depth 1.
    info = record.invocation_info.adapted_properties
    assert list(info) == ["MyCommand", "BoundParameters", "UnboundArguments", "ScriptLineNumber", "OffsetInLine",
                          "HistoryId", "ScriptName", "Line", "PositionMessage", "PSScriptRoot", "PSCommandPath",
                          "InvocationName", "PipelineLength", "PipelinePosition", "ExpectingInput", "CommandOrigin",
                          "DisplayScriptPosition"]
    assert (info["MyCommand"], info["InvocationName"], info["CommandOrigin"]) == ("Get-VMSwitch", "Get-VMSwitch", "Runspace")
    # BoundParameters by canonical name with the bound value's type (-Name is a String[]).
    assert info["BoundParameters"] == {"Name": ["missing"]} and info["PositionMessage"] == ""
    # The extended notes pypsrp reads into its ErrorRecord.
    assert record.extended_info_present is True
    assert record.invocation_name == "Get-VMSwitch"
    assert record.invocation_bound_parameters == {"Name": ["missing"]}
    assert "<T>System.String[]</T>" in raw
    assert str(record.invocation_command_origin) == "Runspace"
    assert (record.invocation_pipeline_length, record.invocation_pipeline_position) == (1, 1)
    assert record.invocation_pipeline_iteration_info == [0, 0] and record.pipeline_iteration_info == [0, 0]
    assert (str(record.command_type), record.command_name) == ("Cmdlet", "Get-VMSwitch")
    assert record.script_stacktrace is None  # no script ran


def test_records_without_invocation_info_when_the_client_does_not_ask(served):
    # Source: ServerRemotingProtocol2.cs sets SerializeExtendedInfo from the pipeline's
    # RemoteStreamOptions (MS-PSRP 2.2.3.8); pypsrp lets a caller send none.
    with WSMan(**wsman_kwargs(served["HV22"])) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMSwitch").add_parameter("Name", "missing")
        ps.invoke(remote_stream_options=0)
    (record,) = ps.streams.error
    assert record.extended_info_present is False
    assert record.invocation_name is None and record.command_name is None
    assert record.invocation_info.adapted_properties["MyCommand"] == "Get-VMSwitch"


def test_a_failed_pipelines_record_has_no_extended_info(served):
    # Source: pypsrp test_psrp_error_failed.yml: the record in the failed PIPELINE_STATE has
    # SerializeExtendedInfo false; a RuntimeException's chain and members (ErrorRecord,
    # WasThrownFromThrowStatement, HResult -2146233087) as in test_client_copy_file_failure.yml.
    ps, messages = _invoke(served, lambda ps: ps.add_cmdlet("Get-VMSwitch").add_parameter("NoSuchParameter", 1))
    (state,) = _raw_records(messages, PIPELINE_STATE)
    assert '<B N="SerializeExtendedInfo">false</B>' in state and "InvocationInfo_" not in state
    assert ("<T>System.Management.Automation.ParameterBindingException</T>"
            "<T>System.Management.Automation.RuntimeException</T><T>System.SystemException</T>"
            "<T>System.Exception</T><T>System.Object</T>") in state
    assert '<B N="WasThrownFromThrowStatement">false</B>' in state and '<I32 N="HResult">-2146233087</I32>' in state
    assert "<ToString>System.Management.Automation.ParameterBindingException: A parameter cannot be found" in state
    assert '<S N="MyCommand">Get-VMSwitch</S>' in state


def test_a_netadapter_records_command_is_a_function_and_long_names_are_shortened(served):
    # Sources: CDXML modules export functions (Get-Command shows CommandType Function for the
    # NetAdapter cmdlets); ErrorCategoryInfo.Ellipsize (PowerShell engine/ErrorPackage.cs) with
    # Windows PowerShell 5.1's 15 + "..." + 15 (pypsrp test_client_copy_file_failure.yml).
    long_name = "an adapter whose name is longer than forty characters"
    ps, _messages = _invoke(served, lambda ps: ps.add_cmdlet("Get-NetAdapterSriov").add_parameter("Name", long_name))
    (record,) = ps.streams.error
    assert (str(record.command_type), record.command_name) == ("Function", "Get-NetAdapterSriov")
    assert record.exception.types == ["Microsoft.PowerShell.Cmdletization.Cim.CimJobException", "System.SystemException",
                                      "System.Exception", "System.Object"]
    assert record.target_name == long_name
    assert record.message == ("ObjectNotFound: (an adapter whos...orty characters:String) [Get-NetAdapterSriov], "
                              "CimJobException")


def test_the_core_cmdlets_are_cmdlets_in_command_metadata(served):
    # Source: Select-Object and Where-Object are compiled cmdlets of Microsoft.PowerShell.Utility /
    # .Core (MicrosoftDocs/PowerShell-Docs reference/5.1, "CommandType Cmdlet" in Get-Command's
    # examples); only the CDXML NetAdapter commands are functions.
    with WSMan(**wsman_kwargs(served["HV22"])) as wsman, RunspacePool(wsman) as pool:
        found = {meta.name: str(meta.command_type)
                 for meta in pool.get_command_metadata(["Select-Object", "Where-Object", "Get-NetAdapter"])}
    assert found == {"Select-Object": "Cmdlet", "Where-Object": "Cmdlet", "Get-NetAdapter": "Function"}


# -- the informational streams -----------------------------------------------------------------------
# The Hyper-V module's own texts (ShouldProcess descriptions, warnings): its resource strings as
# nforgeio/neonSDK's port of the module publishes them (Lib/Neon.HyperV/HyperVWmiDriver/
# Microsoft.HyperV.PowerShell.Cmdlets.Resources.CmdletResources.resx, ...Objects.Common.ErrorMessages.resx;
# Commands/StartVM.cs, StopVM.cs, VirtualizationCmdletBase.cs).
WARNING_RECORD = 0x00041009


def test_verbose_records_of_should_process_travel_as_a_host_sends_them(served):
    # Sources: the module's operation watcher calls ShouldProcess(description, warning, caption), so
    # with -Verbose PowerShell writes the description itself (PowerShell MshCommandRuntime.cs
    # DoShouldProcess); a record of the informational streams is an InformationalRecord with its
    # message, SerializeInvocationInfo and the invocation notes the client asked for
    # (engine/hostifaces/InformationalRecord.cs; a real host's WarningRecord in pypsrp
    # tests/tests_pypsrp/responses/test_client_copy_file_warning.yml).
    def build(ps):
        ps.add_cmdlet("Set-VMNetworkAdapter").add_parameter("VMName", "web1").add_parameter("IovWeight", 50)
        ps.add_parameter("Verbose")
        ps.add_statement().add_cmdlet("Set-VMNetworkAdapter").add_parameter("VMName", "web1")
        ps.add_parameter("IovWeight", 100)

    ps, messages = _invoke(served, build)
    (record,) = ps.streams.verbose  # only the command given -Verbose writes one
    assert record.message == 'Set-VMNetworkAdapter will configure the network adapter "Network Adapter".'
    assert record.invocation is True and record.command_name == "Set-VMNetworkAdapter"
    assert record.invocation_bound_parameters == {"VMName": "web1", "IovWeight": 50, "Verbose": "True"}
    assert record.pipeline_iteration_info == [0, 0]
    (raw,) = _raw_records(messages, VERBOSE_RECORD)
    assert raw.startswith('\ufeff<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.VerboseRecord</T>'
                          "<T>System.Management.Automation.InformationalRecord</T><T>System.Object</T></TN>")
    assert ps.streams.warning == [] and ps.streams.debug == []


def test_the_netadapter_commands_verbose_record_is_powershells_sentence(served):
    # Source: CDXML commands ShouldProcess(target, action): PowerShell's `Performing the operation
    # "<action>" on target "<target>".` (cimChildJobBase.cs, CommandBaseStrings.resx).
    def build(ps):
        ps.add_cmdlet("Enable-NetAdapterSriov").add_parameter("Name", "SLOT 1 Port 1").add_parameter("NoRestart")
        ps.add_parameter("Verbose")

    ps, _messages = _invoke(served, build)
    (record,) = ps.streams.verbose
    assert record.message == 'Performing the operation "Enable-NetAdapterSriov" on target "SLOT 1 Port 1".'


def test_a_warning_travels_as_a_host_sends_it_and_obeys_warning_action(served):
    # Sources: Start-VM of a running VM warns "The virtual machine is already in the specified
    # state." (the module's VirtualMachine.ChangeState, Warning_VMAlreadyInDesiredState); a
    # WarningRecord's shape (pypsrp test_client_copy_file_warning.yml); -WarningAction: dropped by
    # SilentlyContinue, Stop ends the command with ActionPreferenceStopException (PowerShell
    # MshCommandRuntime.WriteWarning/WriteHelper, CommandBaseStrings.resx ErrorPreferenceStop).
    ps, messages = _invoke(served, lambda ps: ps.add_cmdlet("Start-VM").add_parameter("Name", "web1"))
    (warning,) = ps.streams.warning
    assert warning.message == "The virtual machine is already in the specified state."
    assert warning.invocation is True and warning.command_name == "Start-VM"
    (raw,) = _raw_records(messages, WARNING_RECORD)
    assert ("<T>System.Management.Automation.WarningRecord</T><T>System.Management.Automation.InformationalRecord</T>"
            in raw) and '<S N="InformationalRecord_Message">The virtual machine is already' in raw

    ps, _messages = _invoke(served, lambda ps: ps.add_cmdlet("Start-VM").add_parameter("Name", "web1")
                            .add_parameter("WarningAction", "SilentlyContinue"))
    assert ps.streams.warning == [] and ps.had_errors is False

    ps, messages = _invoke(served, lambda ps: ps.add_cmdlet("Start-VM").add_parameter("Name", "web1")
                           .add_parameter("WarningAction", "Stop"))
    assert len(ps.streams.warning) == 1
    (state,) = _raw_records(messages, PIPELINE_STATE)
    assert '<S N="FullyQualifiedErrorId">ActionPreferenceStop</S>' in state
    assert ('The running command stopped because the preference variable "WarningPreference" or common parameter '
            "is set to Stop: The virtual machine is already in the specified state.") in state


def test_verbose_and_warning_without_invocation_info_and_none_under_whatif(served):
    # Sources as above; -WhatIf makes ShouldProcess answer no: no verbose record and no warning.
    with WSMan(**wsman_kwargs(served["HV22"])) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Start-VM").add_parameter("Name", "web1").add_parameter("Verbose")
        ps.add_statement().add_cmdlet("Stop-VM").add_parameter("Name", "web1").add_parameter("Verbose")
        ps.add_parameter("WhatIf")
        ps.invoke(remote_stream_options=0)
    (record,) = ps.streams.verbose
    assert record.message == 'Start-VM will start the virtual machine "web1".'
    assert record.invocation is False and record.command_name is None
    (warning,) = ps.streams.warning
    assert warning.invocation is False


def test_the_vm_state_warnings_and_the_turn_off_question():
    # Sources: the module's StartVM.cs (StartPausedVMWarning), StopVM.cs and VirtualMachine.ChangeState
    # (Warning_VMAlreadyInDesiredState), and ShouldContinue_StopVM_TurnOffOnShutDown as the question
    # a host without an interactive user fails on (CmdletResources.resx).
    host = host_from("""
hosts:
  - name: HV
    vms:
      - {name: paused, state: Paused}
      - {name: stopped, state: "Off"}
      - {name: bare, state: Running, shutdown_integration_service: false}
""")
    result = run(host, cmd("Start-VM", Name="paused"))
    assert [(r.kind, r.message) for r in result.informational] == [
        ("warning", 'The virtual machine "paused" was paused. Use the Resume-VM cmdlet to return a paused virtual '
                    "machine to a running state.")]
    result = run(host, cmd("Stop-VM", Name="stopped", TurnOff=SWITCH))
    assert [r.message for r in result.informational] == ["The virtual machine is already in the specified state."]
    # StopVM.cs writes the VM for -Passthru whichever branch ran, the already-off one included.
    result = run(host, cmd("Stop-VM", Name="stopped", Passthru=SWITCH))
    assert [r.message for r in result.informational] == ["The virtual machine is already in the specified state."]
    assert [(o.get("Name"), o.get("State").name) for o in result.output] == [("stopped", "Off")]
    result = run(host, cmd("Stop-VM", Name="bare"))
    assert result.terminating.message.endswith(
        'Hyper-V can\'t shut down virtual machine "bare" because the Shutdown integration service is '
        "unavailable. You can turn off the virtual machine by selecting [Y]es, but this is similar to pulling "
        "the power on a physical machine. To avoid potential data loss, select [N]o, then pause or save the "
        "virtual machine. Do you want to turn off the virtual machine?")
    assert [vm.state for vm in host.vms] == ["Running", "Off", "Running"]


def test_the_cmdlets_own_validation_texts_are_the_modules():
    # Source: SetVMNetworkAdapter.ValidateParameters / SetVMSwitch.ValidateParameters and their
    # CmdletErrorMessages (nforgeio/neonSDK's port of the module): InvalidArgument,
    # InvalidParameter, no target object.
    host = host_from("""
hosts:
  - name: HV
    switches: [{name: private}]
    vms: [{name: vm1, adapters: [{name: nic, switch: private}]}]
""")
    cases = [
        (cmd("Set-VMNetworkAdapter", VMName="vm1", IovWeight=101), "The range of the input SR-IOV weight is not valid."),
        (cmd("Set-VMNetworkAdapter", VMName="vm1", IovQueuePairsRequested=0),
         "The IOV Queue-Pair Count cannot be set to less than 1."),
        (cmd("Set-VMNetworkAdapter", VMName="vm1", VrssMaxQueuePairs=0),
         "The VRSS Max Queue-Pair Count cannot be set to less than 1."),
        (cmd("Set-VMNetworkAdapter", VMName="vm1", VrssMinQueuePairs=4, VrssMaxQueuePairs=2),
         "The VRSS Min Queue-Pair Count cannot be set to less than 1."),
        (cmd("Set-VMNetworkAdapter", VMName="vm1", MinimumBandwidthWeight=101),
         "The range specified for the input bandwidth reservation is not valid."),
        (cmd("Set-VMSwitch", Name="private", DefaultQueueVrssMaxQueuePairs=0),
         "The VRSS Max Queue-Pair Count cannot be set to less than 1."),
    ]
    for spec, text in cases:
        failure = run(host, spec).terminating
        assert (failure.message, failure.category, failure.target) == (text, "InvalidArgument", None), spec
        assert failure.fqid.startswith("InvalidParameter,Microsoft.HyperV.PowerShell.Commands.")
