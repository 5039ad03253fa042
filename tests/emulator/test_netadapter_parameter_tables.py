"""Parameter binding as the real NetAdapter cmdlets bind: every emulated NetAdapter command's
parameter sets, default set, positions, Required flags, aliases and pipeline parameters compared,
mechanically, with the module's definition.

The NetAdapter module is CDXML: its cmdlets are generated from the module's .cdxml files, which
ship with Windows and are not published. The facts are Microsoft's Windows Server 2022 reference of
the module, which is generated from the same definition: data/netadapter_module_parameters.json,
extracted from MicrosoftDocs/windows-powershell-docs docset/winserver2022-ps/NetAdapter/<cmdlet>.md
(SYNTAX and PARAMETERS).
"""

from __future__ import annotations

import json
import pathlib

import pytest
from binding_facts import binding_problems
from emulator_helpers import SWITCH, cmd, ok, run

from hyperv_sriov_emulator.cmdlets import REGISTRY

FACTS = json.loads((pathlib.Path(__file__).parent / "data" / "netadapter_module_parameters.json").read_text())
NETADAPTER = sorted(d.name for d in REGISTRY.values() if d.module == "NetAdapter")


def test_every_emulated_netadapter_command_is_in_the_facts():
    assert set(NETADAPTER) == set(FACTS["cmdlets"])


@pytest.mark.parametrize("name", NETADAPTER)
def test_parameter_sets_and_default(name):
    sig = REGISTRY[name.lower()].signature
    facts = FACTS["cmdlets"][name]
    assert set(sig.set_names()) == set(facts["sets"])
    assert sig.default_set == facts["default_set"]


@pytest.mark.parametrize("name", NETADAPTER)
def test_each_parameter_binds_as_on_a_host(name):
    sig = REGISTRY[name.lower()].signature
    facts = FACTS["cmdlets"][name]
    problems = binding_problems(sig, facts, facts["sets"])
    assert problems == []


# -- what the differences meant for a client (behaviour, on a host as here) ----------------------

def test_get_netadapter_output_pipes_into_get_netadaptersriov_by_property_name(capable):
    # -Name takes pipeline input ByPropertyName (Get-NetAdapterSriov.md): a NetAdapter object's
    # Name binds it, as `Get-NetAdapter -Physical | Get-NetAdapterSriov` does on a host.
    # A NIC without SR-IOV has no setting data: its name misses, as -Name would.
    result = run(capable, [cmd("Get-NetAdapter", Physical=SWITCH), cmd("Get-NetAdapterSriov")])
    assert result.terminating is None
    assert [o.get("Name") for o in result.output] == [o.get("Name") for o in ok(capable, cmd("Get-NetAdapterSriov"))]
    without = {n.name for n in capable.nics.values() if not n.sriov_capable}
    assert without and {e.target for e in result.errors} == without
    assert all(e.fqid == "CmdletizationQuery_NotFound_Name,Get-NetAdapterSriov" for e in result.errors)


def test_registry_keyword_and_display_name_are_other_sets(capable):
    # Get-NetAdapterAdvancedProperty has ByNameRegistryKeyword and ByNameDisplayName sets: both at
    # once select no set, as on a host.
    result = run(capable, cmd("Get-NetAdapterAdvancedProperty", RegistryKeyword="*SRIOV", DisplayName="SR-IOV"))
    assert result.terminating is not None and result.terminating.fqid.startswith("AmbiguousParameterSet,")


def test_include_hidden_is_not_in_the_input_object_set(capable):
    nics = ok(capable, cmd("Get-NetAdapterSriov"))
    result = run(capable, cmd("Set-NetAdapterSriov", InputObject=nics[:1], IncludeHidden=SWITCH, NumVFs=4))
    assert result.terminating is not None and result.terminating.fqid.startswith("AmbiguousParameterSet,")


def test_numvfs_answers_to_its_alias_vf(capable):
    name = ok(capable, cmd("Get-NetAdapterSriov"))[0].get("Name")
    ok(capable, cmd("Set-NetAdapterSriov", Name=name, Vf=2, NoRestart=SWITCH))
    configured = ok(capable, cmd("Get-NetAdapterAdvancedProperty", Name=name, RegKey="*NumVFs"))
    assert configured[0].get("RegistryValue").items == ("2",)
