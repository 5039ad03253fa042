"""Parameter binding as the real Hyper-V cmdlets bind: every emulated Hyper-V cmdlet's parameter
sets, default set, positions, Mandatory flags, aliases and pipeline parameters compared, mechanically,
with the real module's.

The facts are in data/hyperv_module_parameters.json, extracted from the stub generated from the real
Hyper-V module 2.0.0.0 (dsccommunity/HyperVDsc @ 17e8eb77, tests/Unit/Stubs/Hyper-V.stubs.psm1).
Parameters newer than that module come from Microsoft's Windows Server 2022 cmdlet reference
(MicrosoftDocs/windows-powershell-docs docset/winserver2022-ps/hyper-v/<cmdlet>.md).
"""

from __future__ import annotations

import json
import pathlib

import pytest
from emulator_helpers import SWITCH, cmd, host_from, ok, run

from hyperv_sriov_emulator.binding import ALL_SETS
from hyperv_sriov_emulator.cmdlets import REGISTRY
from hyperv_sriov_emulator.model import versions

FACTS = json.loads((pathlib.Path(__file__).parent / "data" / "hyperv_module_parameters.json").read_text())
HYPERV = sorted(d.name for d in REGISTRY.values() if d.module == "Hyper-V")

# Parameters the emulator has that the 2020 module lacks (every set, named, optional). Neither is in
# Microsoft's published reference (data/reference_parameters_by_version.json): a 2022 host's own
# error text names -AllowNetLbfoTeams ("To override this block, use the AllowNetLbfoTeams option in
# New-VMSwitch.", eryph-org/eryph#139); -RscEnabled is the project's reading of the 2022 adapter
# properties RscEnabled/RscEnabledRequested (reference §6).
NEWER_THAN_THE_STUB = {
    ("New-VMSwitch", "AllowNetLbfoTeams"): "eryph-org/eryph#139",
    ("Set-VMNetworkAdapter", "RscEnabled"): "reference §6 (containers/libhvee pkg/hypervctl/summary.go)",
}

# Real parameters the emulator does not model (docs/emulator.md, "What is not modelled"): a host
# accepts them, the emulator answers NamedParameterNotFound.
NOT_MODELLED = {
    "Add-VMNetworkAdapter": {"ResourcePoolName", "NumaAwarePlacement"},
    "Connect-VMNetworkAdapter": {"UseAutomaticConnection"},
    "Get-VM": {"ClusterObject"},
    "Get-VMNetworkAdapter": {"VMSnapshot"},
    "Get-VMSwitch": set(),
    "Remove-VMNetworkAdapter": {"VM"},
    "Set-VMNetworkAdapter": {"MediaType", "InterruptModeration", "MandatoryFeatureId", "ResourcePoolName",
                             "TestReplicaPoolName", "TestReplicaSwitchName", "NotMonitoredInCluster"},
    "Set-VMSwitch": {"Extensions"},
}


def _facts(name):
    return FACTS["cmdlets"][name]


def _stub_sets(facts, name):
    """The real parameter sets, less those only a parameter the emulator lacks can select."""
    names = {s for p in facts["parameters"] for s in p["sets"]} - {"__AllParameterSets"}
    lacking = NOT_MODELLED.get(name, set())
    names -= {s for p in facts["parameters"] if p["name"] in lacking
              for s, facts_of_set in p["sets"].items() if facts_of_set[0]}
    return names or {ALL_SETS}


def test_every_emulated_hyperv_cmdlet_is_in_the_facts():
    assert set(HYPERV) <= set(FACTS["cmdlets"])


@pytest.mark.parametrize("name", HYPERV)
def test_parameter_sets_and_default(name):
    sig = REGISTRY[name.lower()].signature
    facts = _facts(name)
    assert set(sig.set_names()) == _stub_sets(facts, name)
    assert sig.default_set == facts["default_set"]


@pytest.mark.parametrize("name", HYPERV)
def test_each_parameter_binds_as_on_a_host(name):
    sig = REGISTRY[name.lower()].signature
    facts = _facts(name)
    sets = _stub_sets(facts, name)
    real = {p["name"].lower(): p for p in facts["parameters"]}
    problems = []
    for param in sig.params:
        fact = real.get(param.name.lower())
        if fact is None:
            if (name, param.name) not in NEWER_THAN_THE_STUB:
                problems.append("%s: not a parameter of the real cmdlet" % param.name)
            continue
        if sorted(a.lower() for a in param.aliases) != sorted(a.lower() for a in fact["aliases"]):
            problems.append("%s: aliases %s, real %s" % (param.name, param.aliases, fact["aliases"]))
        for set_name in sorted(sets):
            real_in = fact["sets"].get(set_name) or fact["sets"].get("__AllParameterSets")
            ours = (param.mandatory_in(set_name), param.position_in(set_name)) if param.in_set(set_name) else None
            theirs = (real_in[0], real_in[1]) if real_in else None
            if ours != theirs:
                problems.append("%s in %s: (mandatory, position) %s, real %s" % (param.name, set_name, ours, theirs))
            if real_in and real_in[2] and not param.pipeline:
                problems.append("%s in %s: takes pipeline input on a host" % (param.name, set_name))
        if param.pipeline_by_name != (param.name in facts.get("by_property_name", ())):
            problems.append("%s: takes pipeline input by property name: %s, real %s" % (
                param.name, param.pipeline_by_name, not param.pipeline_by_name))
    missing = {p["name"] for p in facts["parameters"]} - {p.name for p in sig.params}
    listed = NOT_MODELLED.get(name, set())
    if missing != listed:
        problems.append("real parameters not emulated: %s (listed: %s)" % (sorted(missing), sorted(listed)))
    assert problems == []


# -- what the differences meant for a client (behaviour, on a host as here) ----------------------

def test_get_vmnetworkadapter_all_takes_a_name(capable):
    # -Name is in every set of Get-VMNetworkAdapter, -All included (position 1).
    found = ok(capable, cmd("Get-VMNetworkAdapter", All=SWITCH, Name="Network Adapter"))
    names = {(o.get("VMName"), o.get("Name")) for o in found}
    assert names and all(pair[1] == "Network Adapter" for pair in names)


def test_a_netadapter_pipes_into_new_vmswitch_by_property_name():
    # New-VMSwitch's -NetAdapterName (alias InterfaceAlias) and -NetAdapterInterfaceDescription (alias
    # InterfaceDescription) take pipeline input by property name: a NIC object binds them.
    host = host_from("""
hosts:
  - name: HV
    physical_adapters: [{name: SLOT 3, interface_description: Example 25GbE Adapter}]
""")
    made = ok(host, [cmd("Get-NetAdapter", Name="SLOT 3"), cmd("New-VMSwitch", Name="piped", AllowManagementOS=False)])
    assert [o.get("Name") for o in made] == ["piped"]
    assert ok(host, cmd("Get-VMSwitch", Name="piped"))[0].get("NetAdapterInterfaceDescription") == "Example 25GbE Adapter"


def test_set_vmnetworkadapter_name_is_named_only(capable):
    result = run(capable, cmd("Set-VMNetworkAdapter", "web01", "Network Adapter", IovWeight=1))
    assert result.terminating.fqid.startswith("PositionalParameterNotFound,")


def test_set_vmnetworkadapter_management_os_takes_iov_parameters(capable):
    # The ManagementOS set has the Iov* parameters (2022 reference, ManagementOS syntax).
    result = run(capable, cmd("Set-VMNetworkAdapter", ManagementOS=SWITCH, Name="sriov-ext", IovWeight=0))
    assert result.terminating is None or not result.terminating.fqid.startswith("NamedParameterNotFound")


# -- parameters per Windows version ---------------------------------------------------------------
# Microsoft's reference for each Windows Server version that has one (2016, 2019, 2022, 2025):
# data/reference_parameters_by_version.json, from MicrosoftDocs/windows-powershell-docs
# docset/winserver<version>-ps/{Hyper-V,NetAdapter}/<cmdlet>.md.
BY_VERSION = json.loads((pathlib.Path(__file__).parent / "data" / "reference_parameters_by_version.json").read_text())

# Parameters the real module has (its stub, above) that the references do not list: the emulator
# keeps them, from the version the project's reference gives.
REFERENCE_OMITS = {
    "New-VMSwitch": {"Id"},
    "Set-VMNetworkAdapter": {"NumaAwarePlacement", "VrssExcludePrimaryProcessor", "VrssIndependentHostSpreading",
                             "VrssMinQueuePairs", "VrssQueueSchedulingMode", "VrssVmbusChannelAffinityPolicy"},
    "Set-VMSwitch": {"DefaultQueueVrssExcludePrimaryProcessor", "DefaultQueueVrssMinQueuePairs",
                     "DefaultQueueVrssQueueSchedulingMode", "EnableSoftwareRsc"},
}


def _names(param):
    return {param.name.lower()} | {alias.lower() for alias in param.aliases}


@pytest.mark.parametrize("version", sorted(BY_VERSION["versions"]))
def test_each_versions_reference_parameters_exist_on_that_version(version):
    problems = []
    for name, documented in BY_VERSION["versions"][version].items():
        definition = REGISTRY[name.lower()]
        available = definition.signature.available(version)
        known = set().union(*(_names(p) for p in available))
        for param in documented:
            if param.lower() not in known and param not in NOT_MODELLED.get(name, set()):
                problems.append("%s %s -%s: in the reference, not on the emulated host" % (version, name, param))
    assert problems == []


@pytest.mark.parametrize("version", sorted(BY_VERSION["versions"]))
def test_each_parameter_of_a_version_is_in_its_reference_or_the_module(version):
    problems = []
    for name, documented in BY_VERSION["versions"][version].items():
        documented_lower = {p.lower() for p in documented}
        for param in REGISTRY[name.lower()].signature.params:
            if not versions.at_least(version, param.since):
                continue
            if _names(param) & documented_lower:
                continue
            if param.name in REFERENCE_OMITS.get(name, set()) or (name, param.name) in NEWER_THAN_THE_STUB:
                continue
            problems.append("%s %s -%s: on the emulated host, in neither the reference nor the list of "
                            "parameters it omits" % (version, name, param.name))
    assert problems == []


def test_the_parameters_the_references_omit_are_the_real_modules():
    for name, params in REFERENCE_OMITS.items():
        assert params <= {p["name"] for p in _facts(name)["parameters"]}
