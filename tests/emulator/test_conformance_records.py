"""Conformance of collections, error records and the informational streams with real hosts.

Each test names the public source of the fact it checks. The client is the real pypsrp over real
sockets and TLS (the emulator's server); where pypsrp hides a detail, the test reads the CLIXML
of the message as it came off the wire.
"""

from __future__ import annotations

import pytest
from pypsrp.complex_objects import GenericComplexObject

from ansible_collections.sriov.hyperv.plugins.module_utils.transport._connection import ConnectionOptions
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._psrp_runner import PsrpRunner
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import Command
from test_conformance_wire import PIPELINE_OUTPUT, _exchange, _pipeline_messages, served  # noqa: F401 (fixture)

HYPERV_OBJECTS = "Microsoft.HyperV.PowerShell.Objects, Version=10.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35"


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


@pytest.mark.parametrize("fast", [True, False])
def test_the_collection_reads_a_generic_list_as_a_list(served, fast):
    # The collection's runner, on both decoding paths (its own reader and pypsrp's objects), reads
    # a real host's List<T> as a list, not as a valueless object.
    host = served["HV22"]
    runner = PsrpRunner(ConnectionOptions(hostname=host["hostname"], port=host["port"], username=host["username"],
                                          password=host["password"], auth=host["auth"], protocol=host["protocol"],
                                          ca_cert=host["ca_cert"]))
    runner.fast_decode = fast
    with runner:
        result = runner.run([[Command("Get-VMNetworkAdapter", {"VMName": "web1"})], [Command("Get-VM")]])
    adapter, vm = result.output
    assert adapter.properties["AclList"] == [] and adapter.properties["RoutingDomainList"] == []
    assert len(vm.properties["NetworkAdapters"]) == 1
    assert vm.properties["NetworkAdapters"][0].startswith("VMNetworkAdapter (Name = 'Network Adapter'")
