"""Parameter binding of the core cmdlets the endpoint exposes (Select-Object, Where-Object,
ConvertTo-Json, Measure-Object, Get-Command) as Windows PowerShell 5.1 binds them: parameter sets,
default set, positions, Required flags, aliases and pipeline input compared, mechanically, with
Windows PowerShell 5.1's reference (data/core_cmdlet_parameters.json, extracted from
MicrosoftDocs/PowerShell-Docs reference/5.1/<module>/<cmdlet>.md, SYNTAX and PARAMETERS).
"""

from __future__ import annotations

import json
import pathlib

import pytest
from binding_facts import binding_problems
from emulator_helpers import cmd, ok

from hyperv_sriov_emulator.binding import ALL_SETS
from hyperv_sriov_emulator.cmdlets import REGISTRY

FACTS = json.loads((pathlib.Path(__file__).parent / "data" / "core_cmdlet_parameters.json").read_text())

# Real parameters the emulator does not model (docs/emulator.md, the JEA endpoint), and the
# parameter sets only they select.
NOT_MODELLED = {
    "Select-Object": {"Index", "SkipLast", "Unique", "Wait"},
    "Where-Object": set(),
    "ConvertTo-Json": set(),
    "Measure-Object": {"Line", "Word", "Character", "IgnoreWhiteSpace"},
    "Get-Command": {"All", "ArgumentList", "FullyQualifiedModule", "ListImported", "ParameterName",
                    "ParameterType", "ShowCommandInfo", "Syntax"},
}
SETS_NOT_MODELLED = {"Select-Object": {"IndexParameter"}, "Measure-Object": {"TextMeasure"}}


@pytest.mark.parametrize("name", sorted(FACTS["cmdlets"]))
def test_parameter_sets_and_default(name):
    sig = REGISTRY[name.lower()].signature
    facts = FACTS["cmdlets"][name]
    real = set(facts["sets"]) - SETS_NOT_MODELLED.get(name, set())
    assert set(sig.set_names()) == ({ALL_SETS} if real == {"__AllParameterSets"} else real)
    assert sig.default_set == facts["default_set"]


@pytest.mark.parametrize("name", sorted(FACTS["cmdlets"]))
def test_each_parameter_binds_as_in_windows_powershell(name):
    sig = REGISTRY[name.lower()].signature
    facts = FACTS["cmdlets"][name]
    sets = [s for s in facts["sets"] if s not in SETS_NOT_MODELLED.get(name, set())]
    problems = binding_problems(sig, facts, sets, NOT_MODELLED[name])
    assert problems == []


def test_names_pipe_into_get_command(capable):
    # Get-Command -Name takes pipeline input by value (the 5.1 reference): names piped in are
    # looked up, as `Get-Command -Module Hyper-V | Select-Object -ExpandProperty Name | Get-Command`
    # does on a host.
    found = ok(capable, [cmd("Get-Command", Module="Hyper-V", TotalCount=2), cmd("Select-Object", ExpandProperty="Name"),
                         cmd("Get-Command")])
    direct = ok(capable, cmd("Get-Command", Module="Hyper-V", TotalCount=2))
    assert len(found) == 2 and [o.get("Name") for o in found] == [o.get("Name") for o in direct]
