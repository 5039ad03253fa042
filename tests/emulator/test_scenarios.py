"""Scenario files: the shipped ones load, mistakes name the file and the field."""

import textwrap

import pytest
from emulator_helpers import SWITCH, cmd, ok, plain

from hyperv_sriov_emulator.scenario import ScenarioError, load_scenario, load_scenario_text, shipped_scenarios


def test_the_required_scenarios_ship():
    assert {"capable", "bios-blocked", "vf-shortage", "ws2016"} <= set(shipped_scenarios())


@pytest.mark.parametrize("name", shipped_scenarios())
def test_every_shipped_scenario_loads_and_reads_cleanly(name):
    for host in load_scenario(name):
        objects = ok(host, cmd("Get-VMHost"), cmd("Get-VM"), cmd("Get-VMSwitch"), cmd("Get-VMNetworkAdapter", All=SWITCH),
                     cmd("Get-NetAdapter", Physical=SWITCH), cmd("Get-NetAdapterSriov"),
                     cmd("Get-NetAdapterAdvancedProperty", RegistryKeyword=["*SRIOV", "*NumVFs"]))
        assert objects


def test_load_by_path_and_by_name_agree(tmp_path):
    from hyperv_sriov_emulator.scenario import SHIPPED

    by_name = load_scenario("capable")[0].to_dict()
    by_path = load_scenario(SHIPPED / "capable.yml")[0].to_dict()
    assert by_name == by_path


def test_capable_has_what_the_brief_promises():
    host = load_scenario("capable")[0]
    sriov_nics = [n for n in host.nics.values() if n.sriov_support == "Supported" and n.num_vfs_effective >= 8]
    assert len(sriov_nics) == 2 and " " in sriov_nics[0].name
    assert any(sw.iov_enabled and sw.net_adapters for sw in host.switches)
    assert any(not sw.iov_enabled for sw in host.switches)
    assert sum(vm.running for vm in host.vms) >= 3
    assert host.management_adapters
    assert any(not vm.name.isascii() for vm in host.vms)


def test_shortage_has_fewer_vfs_than_sriov_vms():
    host = load_scenario("vf-shortage")[0]
    wanting = sum(1 for vm in host.vms for a in vm.adapters if vm.running and a.settings["IovWeight"] > 0)
    assert wanting > sum(n.num_vfs_effective for n in host.nics.values())


def test_ws2016_is_older():
    assert load_scenario("ws2016")[0].os_version == "2016"


def test_count_expands_names():
    [host] = load_scenario_text(textwrap.dedent("""
        hosts:
          - name: H
            port: 5999
            vms:
              - {name: "node-{n}", count: 3, state: Running}
    """))
    assert [vm.name for vm in host.vms] == ["node-1", "node-2", "node-3"]
    assert host.port == 5999


BASE = """
hosts:
  - name: H
    platform: {iov_support: true}
    physical_adapters:
      - {name: P1, interface_description: D1, num_vfs: 4, max_vfs: 8}
    switches:
      - {name: S, net_adapters: [P1], enable_iov: true}
    vms:
      - {name: a, state: Running, adapters: [{switch: S}]}
      - {name: b}
"""

BAD = [
    ("vms[1].generation: 3", "hosts[0].vms[1].generation: must be 1 or 2"),
    ("vms[1].state: Flying", "hosts[0].vms[1].state: must be Running, Off, Saved or Paused"),
    ("vms[1].colour: blue", "hosts[0].vms[1].colour: unknown field"),
    ("vms[0].adapters[0].switch: nowhere", "hosts[0].vms[0].adapters[0].switch: no switch named 'nowhere'"),
    ("vms[0].adapters[0].iov_weight: 101", "hosts[0].vms[0].adapters[0].iov_weight: must be between 0 and 100"),
    ("vms[0].adapters[0].iov_interrupt_moderation: Turbo",
     "hosts[0].vms[0].adapters[0].iov_interrupt_moderation: must be one of Default, Adaptive"),
    ("vms[1].name: a", "hosts[0].vms[1].name: duplicate VM name 'a'"),
    ("physical_adapters[0].num_vfs: 9", "hosts[0].physical_adapters[0].num_vfs: must be between 0 and 8"),
    ("physical_adapters[0].sriov_support: Magic", "hosts[0].physical_adapters[0].sriov_support: must be one of"),
    ("switches[0].net_adapters: [P9]", "hosts[0].switches[0].net_adapters[0]: no physical adapter named 'P9'"),
    ("switches[0].minimum_bandwidth_mode: Weight", "hosts[0].switches[0].minimum_bandwidth_mode: an IOV switch takes"),
    ("os_version: '2008'", "hosts[0].os_version: must be one of 2012r2, 2016, 2019, 2022, 2025"),
    ("platform.iov_support_reasons: [x]", "hosts[0].platform.iov_support_reasons: must be empty when iov_support is true"),
    ("vms[1].count: 2", "hosts[0].vms[1].name: must contain {n} when count is more than 1"),
    ("port: 0", "hosts[0].port: must be between 1 and 65535"),
]


def _patched(path: str, value: str) -> str:
    import yaml

    data = yaml.safe_load(BASE)
    node = data["hosts"][0]
    *parents, last = path.replace("]", "").replace("[", ".").split(".")
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    node[int(last) if last.isdigit() else last] = yaml.safe_load(value)
    return yaml.safe_dump(data, allow_unicode=True)


@pytest.mark.parametrize("change, message", BAD, ids=[b[0] for b in BAD])
def test_bad_scenarios_name_the_file_and_field(change, message):
    path, _sep, value = change.partition(": ")
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(_patched(path, value), source="scenario.yml")
    assert str(caught.value).startswith("scenario.yml: " + message)
    assert isinstance(caught.value, ValueError)


def test_the_unpatched_base_is_valid():
    [host] = load_scenario_text(BASE)
    assert plain(ok(host, cmd("Get-VMNetworkAdapter", "a"))[0])["SwitchName"] == "S"


@pytest.mark.parametrize("text, message", [
    ("hosts: [", "scenario.yml: not valid YAML"),
    ("{}", "scenario.yml: (top).hosts: is required"),
    ("hosts: []", "scenario.yml: hosts: must list at least one host"),
    ("hosts: [{name: H, os_version: '2012r2', physical_adapters: [{name: A, interface_description: A}, "
     "{name: B, interface_description: B}], switches: [{name: S, net_adapters: [A, B]}]}]",
     "scenario.yml: hosts[0].switches[0].embedded_teaming: Switch Embedded Teaming needs Windows Server 2016"),
    ("hosts: [{name: H, os_version: '2016', vms: [{name: v, adapters: [{vrss_min_queue_pairs: 2}]}]}]",
     "scenario.yml: hosts[0].vms[0].adapters[0].vrss_min_queue_pairs: not available on Windows Server 2016"),
    ("hosts: [{name: H, vms: [{name: v, generation: 2, adapters: [{legacy: true}]}]}]",
     "scenario.yml: hosts[0].vms[0].adapters[0].legacy: legacy adapters exist on generation 1 VMs only"),
    ("hosts: [{name: H}, {name: h}]", "scenario.yml: hosts[1].name: duplicate host name 'h'"),
    # The rule New-VMSwitch enforces too: a SET team needs a member.
    ("hosts: [{name: H, switches: [{name: S, type: Internal, embedded_teaming: true}]}]",
     "scenario.yml: hosts[0].switches[0].embedded_teaming: embedded teaming needs net_adapters"),
])
def test_document_level_errors(text, message):
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text, source="scenario.yml")
    assert str(caught.value).startswith(message)


def test_missing_file_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError, match="nothere.yml: cannot read"):
        load_scenario(tmp_path / "nothere.yml")


def test_yaml_on_off_values_mean_the_names():
    [host] = load_scenario_text("hosts: [{name: H, vms: [{name: v, state: Off, adapters: [{mac_address_spoofing: On}]}]}]")
    assert host.vms[0].state == "Off" and host.vms[0].adapters[0].settings["MacAddressSpoofing"] == "On"
