"""Name filters follow PowerShell's WildcardPattern, escapes included (PowerShell/PowerShell,
``src/System.Management.Automation/engine/regex.cs``): a client that escapes a name reaches
exactly that object, and one that does not reaches every object the pattern matches."""

from __future__ import annotations

import pytest
from emulator_helpers import cmd, ok, run

from hyperv_sriov_emulator import wildcard
from hyperv_sriov_emulator.scenario import load_scenario_text

ODD = """
hosts:
  - name: HVW
    switches:
      - {name: "lab[1]", type: Internal}
      - {name: "lab1", type: Internal}
      - {name: "lab*", type: Private}
    vms:
      - {name: "web[1]", state: Running, adapters: [{name: "nic?", switch: "lab[1]"}, {name: nicA, switch: lab1}]}
      - {name: "web1", state: Running, adapters: [{name: "nic?", switch: lab1}]}
      - {name: "tick`s", adapters: [{name: Network Adapter}]}
"""


@pytest.mark.parametrize("pattern, text, expected", [
    ("web*", "WEB01", True),
    ("web?", "web1", True),
    ("web[0-9]", "web7", True),
    ("web[0-9]", "webx", False),
    ("web[1]", "web1", True),
    ("web[1]", "web[1]", False),
    ("web`[1`]", "web[1]", True),
    ("web`[1`]", "web1", False),
    ("a`*", "a*", True),
    ("a`*", "ab", False),
    ("tick``s", "tick`s", True),
    ("x`", "x`", True),
    ("`", "", True),
    ("[]]", "]", True),
    ("[a-]", "-", True),
])
def test_pattern_rules(pattern, text, expected):
    assert wildcard.is_match(pattern, text) is expected


@pytest.mark.parametrize("name", ["web[1]", "lab*", "a?b", "tick`s", "plain", "x]y", "`", "[*?]`"])
def test_escape_matches_exactly_the_name(name):
    escaped = wildcard.escape(name)
    assert wildcard.is_match(escaped, name)
    assert not wildcard.contains_wildcard(escaped)
    assert not wildcard.is_match(escaped, name + "x")


def test_invalid_patterns():
    for pattern in ("web[1", "a[z-a]"):
        with pytest.raises(wildcard.InvalidPattern):
            wildcard.is_match(pattern, "web1")
    assert wildcard.contains_wildcard("a]") and not wildcard.contains_wildcard("a`]")


@pytest.fixture
def odd():
    return load_scenario_text(ODD)[0]


def _names(objects):
    return sorted(str(dict(obj.properties).get("Name")) for obj in objects)


def test_unescaped_names_select_other_objects(odd):
    assert _names(ok(odd, cmd("Get-VM", Name="web[1]"))) == ["web1"]
    assert _names(ok(odd, cmd("Get-VMSwitch", Name="lab*"))) == ["lab*", "lab1", "lab[1]"]


def test_escaped_names_select_exactly_one_object(odd):
    assert _names(ok(odd, cmd("Get-VM", Name=wildcard.escape("web[1]")))) == ["web[1]"]
    assert _names(ok(odd, cmd("Get-VMSwitch", Name=wildcard.escape("lab*")))) == ["lab*"]
    adapters = ok(odd, cmd("Get-VMNetworkAdapter", VMName=wildcard.escape("web[1]"), Name=wildcard.escape("nic?")))
    assert [(dict(a.properties)["VMName"], dict(a.properties)["SwitchName"]) for a in adapters] == [("web[1]", "lab[1]")]
    assert _names(ok(odd, cmd("Get-VM", Name=wildcard.escape("tick`s")))) == ["tick`s"]


def test_a_write_by_escaped_name_reaches_only_that_adapter(odd):
    ok(odd, cmd("Set-VMNetworkAdapter", VMName=wildcard.escape("web[1]"), Name=wildcard.escape("nic?"), VmqWeight=7))
    weights = {(vm.name, a.name): a.settings["VMQWeight"] for vm in odd.vms for a in vm.adapters}
    assert weights[("web[1]", "nic?")] == 7
    assert weights[("web[1]", "nicA")] == 100 and weights[("web1", "nic?")] == 100


def test_an_unescaped_write_reaches_every_match(odd):
    ok(odd, cmd("Set-VMNetworkAdapter", VMName="web[1]", Name="nic?", VmqWeight=9))
    weights = {(vm.name, a.name): a.settings["VMQWeight"] for vm in odd.vms for a in vm.adapters}
    assert weights[("web1", "nic?")] == 9 and weights[("web[1]", "nic?")] == 100


def test_an_unclosed_bracket_is_a_terminating_error(odd):
    result = run(odd, cmd("Get-VM", Name="web[1"))
    assert result.terminating is not None
    assert result.terminating.category == "InvalidArgument"
    assert "wildcard character pattern is not valid" in result.terminating.message
