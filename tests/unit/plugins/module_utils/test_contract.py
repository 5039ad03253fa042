# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The model is the contract: an option is declared once, in spec/_spec.py.

The modules' argspecs, host_config's ``config`` suboptions, the sriov_host role's spec, the
planner's tables (defaults, host properties, cmdlet parameters, Windows versions, ranges) are
derived from the declaration; the hand-written DOCUMENTATION must say what the model says. The
last test adds an option to a copy of the collection and follows it from the model to a command.
"""

from __future__ import annotations

import importlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap

import pytest
import yaml

from ansible_collections.sriov.hyperv.plugins.module_utils.edge import _argspec, _module
from ansible_collections.sriov.hyperv.plugins.module_utils.spec import _spec

# Not resolved: a checkout reaches itself through a link named ansible_collections/sriov/hyperv.
COLLECTION = pathlib.Path(_spec.__file__).parents[3]
IMPORT_ROOT = COLLECTION.parents[2]
ITEM_MODELS = (_spec.PhysicalAdapterConfig, _spec.SwitchConfig, _spec.VmAdapterConfig)


def _documented(module: str) -> dict:
    loaded = importlib.import_module("ansible_collections.sriov.hyperv.plugins.modules." + module)
    return yaml.safe_load(loaded.DOCUMENTATION)["options"]


def _disagreements(model, documented: dict, path: str) -> list[str]:
    """Where the documentation of ``model``'s options differs from the model, in any respect."""
    found = []
    if set(documented) != set(model.model_fields):
        found.append("%s: documented %s, model %s" % (path, sorted(documented), sorted(model.model_fields)))
    for name, field in model.model_fields.items():
        doc = documented.get(name, {})
        where = "%s.%s" % (path, name)
        description = " ".join(" ".join(doc.get("description", [])).split())
        if description != " ".join(field.description.split()):
            found.append("%s: documentation says %r, the model %r" % (where, description, field.description))
        spec = _argspec.option_spec(field.annotation)
        for key in ("type", "elements", "choices"):
            if doc.get(key) != spec.get(key):
                found.append("%s: %s is %r in the documentation, %r in the model" % (where, key, doc.get(key),
                                                                                     spec.get(key)))
        if bool(doc.get("required")) != field.is_required():
            found.append("%s: required differs" % where)
        if "default" in doc:
            found.append("%s: documents a default; an unset option is not managed" % where)
        nested = _argspec.nested_model(field.annotation)
        if nested is not None:
            found += _disagreements(nested, doc.get("suboptions", {}), where)
    return found


def test_host_config_documentation_says_what_the_model_says():
    assert _disagreements(_spec.HostConfig, _documented("host_config")["config"]["suboptions"], "config") == []


def test_a_documentation_that_drifts_is_caught():
    documented = _documented("host_config")["config"]["suboptions"]
    documented["vm_adapters"]["suboptions"]["vmq_weight"]["type"] = "str"
    documented["switches"]["suboptions"]["notes"]["description"] = ["Something else."]
    del documented["physical_adapters"]["suboptions"]["num_vfs"]
    found = _disagreements(_spec.HostConfig, documented, "config")
    assert any("config.vm_adapters.vmq_weight: type" in line for line in found)
    assert any("config.switches.notes: documentation says" in line for line in found)
    assert any(line.startswith("config.physical_adapters: documented") for line in found)


@pytest.mark.parametrize("module, model, own", [
    ("vm_switch", _spec.SwitchConfig, {"state", "creation_only_changes"}),
    ("vm_network_adapter", _spec.VmAdapterConfig, set()),
    ("net_adapter_sriov", _spec.PhysicalAdapterConfig, {"restart"}),
])
def test_single_item_modules_take_the_model_options(module, model, own):
    # Their descriptions are longer than the model's one paragraph; everything else agrees.
    options = {name: doc for name, doc in _documented(module).items() if name not in own}
    found = [line for line in _disagreements(model, options, module) if "documentation says" not in line]
    assert found == []


def test_argspecs_are_derived_and_carry_no_range():
    assert _module.VM_ADAPTER_OPTIONS == _argspec.argspec_of(_spec.VmAdapterConfig)
    assert _module.HOST_CONFIG.options["config"]["options"]["vm_adapters"]["options"] == _module.VM_ADAPTER_OPTIONS
    # Each rule is checked once: ranges and lengths by the model, never again by Ansible.
    for model in ITEM_MODELS:
        for entry in _argspec.argspec_of(model).values():
            assert set(entry) <= {"type", "elements", "choices", "required", "options"}, entry
    with pytest.raises(_spec.SpecValidationError, match=r"config.vm_adapters\[0\].iov_weight: 101 is out of range 0-100"):
        _spec.parse_config({"vm_adapters": [{"vm_name": "web01", "name": "a", "iov_weight": 101}]})


def test_every_option_declares_its_windows_version_and_description():
    for model in ITEM_MODELS + (_spec.HostConfig,):
        for name, field in model.model_fields.items():
            assert field.description, "%s.%s has no description" % (model.__name__, name)
            assert _spec.declared(model, name)["windows"].startswith("Windows Server 20"), name
    assert _spec.REQUIRED_WINDOWS["vmmq_queue_pairs"] == "Windows Server 2016"


def test_an_unexpressible_type_is_refused():
    with pytest.raises(TypeError, match="no Ansible argument type"):
        _argspec.option_spec(float)


# The option the next test adds: DHCP guard, which Set-VMNetworkAdapter writes with -DhcpGuard
# On/Off and Get-VMNetworkAdapter shows as DhcpGuard (Microsoft's Hyper-V cmdlet reference).
FAKE_OPTION = '''
    dhcp_guard: t.Optional[bool] = option(
        "Whether DHCP server messages from the VM are dropped.",
        windows=WS2012, host_property="DhcpGuard", parameter="DhcpGuard", host_default=False,
        host_values={True: "On", False: "Off"})
'''

FOLLOW_THE_OPTION = textwrap.dedent('''
    import json, sys
    from ansible_collections.sriov.hyperv.plugins.module_utils.edge import _module
    from ansible_collections.sriov.hyperv.plugins.module_utils.host import _host
    from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile import _reconcile
    from ansible_collections.sriov.hyperv.plugins.module_utils.spec import _spec
    from hyperv_sriov_emulator.inprocess import InProcessRunner
    from hyperv_sriov_emulator.scenario import load_scenario
    import role_specs

    runner = InProcessRunner(load_scenario("capable")[0])
    observed = _host.read_host(runner)
    want = _spec.parse_config({"vm_adapters": [{"vm_name": "web01", "name": "Network Adapter", "dhcp_guard": True}]})
    plan = _reconcile.plan(want, observed, "merged", _reconcile.Policy())
    after = _host.apply_plan(runner, plan, observed)
    reset = _reconcile.plan(_spec.parse_config({"vm_adapters": [{"vm_name": "web01", "name": "Network Adapter"}]}),
                            after, "replaced", _reconcile.Policy())
    gathered = [item for item in _spec.config_to_dict(after.config)["vm_adapters"] if item.get("vm_name") == "web01"]
    print(json.dumps({
        "model_file": _spec.__file__,
        "module": _module.VM_NETWORK_ADAPTER.argument_spec().get("dhcp_guard"),
        "host_config": _module.HOST_CONFIG.options["config"]["options"]["vm_adapters"]["options"].get("dhcp_guard"),
        "role": role_specs.config_spec()["options"]["vm_adapters"]["options"].get("dhcp_guard"),
        "commands": plan.commands(),
        "gathered": gathered[0].get("dhcp_guard"),
        "again": _reconcile.plan(want, after, "merged", _reconcile.Policy()).changed,
        "reset": reset.commands(),
    }))
''')


def _follow_in_a_copy(tmp_path, anchor: str, insert: str, script: str) -> dict:
    """Insert ``insert`` before ``anchor`` in the model of a copy of the collection (the one edit),
    run ``script`` against the copy and the emulator, and return what it printed (JSON)."""
    copy = tmp_path / "ansible_collections" / "sriov" / "hyperv"
    for part in ("plugins", "roles", "tests/tools"):
        shutil.copytree(COLLECTION / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    model = copy / "plugins" / "module_utils" / "spec" / "_spec.py"
    text = model.read_text()
    assert text.count(anchor) == 1, "the anchor %r must appear once in the model" % anchor
    model.write_text(text.replace(anchor, insert + anchor))  # the one edit

    emulator = next((str(parent) for parent in COLLECTION.resolve().parents
                     if (parent / "hyperv_sriov_emulator").is_dir()), "")
    path = [str(tmp_path), str(copy / "tests" / "tools"), emulator] + [p for p in sys.path if "ansible_collections" not in p]
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in path if p)})
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["model_file"].startswith(str(copy)), "the copy, not the original, was imported"
    return seen


def test_an_option_added_to_the_model_reaches_argspec_role_spec_planner_and_commands(tmp_path):
    # At the end of VmAdapterConfig's fields.
    seen = _follow_in_a_copy(tmp_path, "\n    @property\n    def is_management_os", FAKE_OPTION, FOLLOW_THE_OPTION)
    assert seen["module"] == {"type": "bool"}
    assert seen["host_config"] == {"type": "bool"}
    assert seen["role"] == {"description": ["Whether DHCP server messages from the VM are dropped."], "type": "bool"}
    assert seen["commands"] == ["Set-VMNetworkAdapter -VMName 'web01' -Name 'Network Adapter' -DhcpGuard 'On'"]
    assert seen["gathered"] is True and seen["again"] is False
    # replaced resets it to its declared host default, like every other option.
    assert any("-DhcpGuard 'Off'" in command for command in seen["reset"]), seen["reset"]


# The switch options the next test adds: DefaultQueueVrssExcludePrimaryProcessor, which only
# Set-VMSwitch takes (Windows Server 2019) and Get-VMSwitch shows with a Requested suffix, and
# AllowNetLbfoTeams, which New-VMSwitch takes (Windows Server 2022) and no cmdlet changes later
# (Microsoft's Hyper-V cmdlet reference for New-VMSwitch and Set-VMSwitch).
FAKE_SWITCH_OPTIONS = '''
    default_queue_vrss_exclude_primary_processor: t.Optional[bool] = option(
        "Whether the default queue's vRSS leaves the primary processor out.",
        windows="Windows Server 2019", host_property="DefaultQueueVrssExcludePrimaryProcessorRequested",
        parameter="DefaultQueueVrssExcludePrimaryProcessor", set_by="Set-VMSwitch", host_default=False)
    allow_net_lbfo_teams: t.Optional[bool] = option(
        "Whether the switch may be bound to an LBFO team. Creation-only.",
        windows="Windows Server 2022", host_property="AllowNetLbfoTeams", parameter="AllowNetLbfoTeams",
        creation_only=True, host_default=False)
'''

FOLLOW_THE_SWITCH_OPTIONS = textwrap.dedent('''
    import json
    from ansible_collections.sriov.hyperv.plugins.module_utils.edge import _module
    from ansible_collections.sriov.hyperv.plugins.module_utils.host import _host
    from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile import _reconcile
    from ansible_collections.sriov.hyperv.plugins.module_utils.spec import _spec
    from hyperv_sriov_emulator.inprocess import InProcessRunner
    from hyperv_sriov_emulator.scenario import load_scenario
    import role_specs

    EXCLUDE, LBFO = "default_queue_vrss_exclude_primary_processor", "allow_net_lbfo_teams"
    runner = InProcessRunner(load_scenario("capable")[0])
    observed = _host.read_host(runner)

    def plan(switches, have, state="merged", policy=_reconcile.Policy()):
        return _reconcile.plan(_spec.parse_config({"switches": switches}), have, state, policy)

    def gathered(have):
        return {item["name"]: item for item in _spec.config_to_dict(have.config)["switches"]}

    want = [{"name": "lab-internal", EXCLUDE: True},
            {"name": "new-int", "switch_type": "internal", EXCLUDE: True, LBFO: True}]
    first = plan(want, observed)
    after = _host.apply_plan(runner, first, observed)
    try:
        plan([{"name": "lab-internal", LBFO: True}], after)
        refused = ""
    except _reconcile.CreationOnlyChangeError as exc:
        refused = str(exc)
    recreate = plan([{"name": "lab-internal", LBFO: True}], after, policy=_reconcile.Policy(creation_only_changes="recreate"))
    recreated = _host.apply_plan(runner, recreate, after)
    try:
        plan([{"name": "classic-ext", EXCLUDE: True}], _host.read_host(InProcessRunner(load_scenario("ws2016")[0])))
        too_old = ""
    except _spec.SpecValidationError as exc:
        too_old = str(exc)
    print(json.dumps({
        "model_file": _spec.__file__,
        "module": [_module.VM_SWITCH.argument_spec().get(name) for name in (EXCLUDE, LBFO)],
        "host_config": [_module.HOST_CONFIG.options["config"]["options"]["switches"]["options"].get(name)
                        for name in (EXCLUDE, LBFO)],
        "role": [role_specs.config_spec()["options"]["switches"]["options"].get(name) for name in (EXCLUDE, LBFO)],
        "creation_only": list(_spec.CREATION_ONLY_SWITCH_OPTIONS),
        "commands": first.commands(),
        "gathered": {name: [item.get(EXCLUDE), item.get(LBFO)] for name, item in gathered(after).items()},
        "again": plan(want, after).changed,
        "refused": refused,
        "recreate": recreate.commands(),
        "recreated": [gathered(recreated)["lab-internal"].get(option) for option in (EXCLUDE, LBFO)],
        "reset": plan([{"name": "lab-internal"}], recreated, "replaced").commands(),
        "too_old": too_old,
    }))
''')


def test_switch_options_added_to_the_model_reach_argspec_role_spec_planner_and_commands(tmp_path):
    # At the start of SwitchConfig's fields.
    seen = _follow_in_a_copy(tmp_path, '    name: str = option("Name of the virtual switch."',
                             FAKE_SWITCH_OPTIONS.lstrip("\n"), FOLLOW_THE_SWITCH_OPTIONS)
    assert seen["module"] == [{"type": "bool"}, {"type": "bool"}]
    assert seen["host_config"] == [{"type": "bool"}, {"type": "bool"}]
    assert seen["role"] == [
        {"description": ["Whether the default queue's vRSS leaves the primary processor out."], "type": "bool"},
        {"description": ["Whether the switch may be bound to an LBFO team. Creation-only."], "type": "bool"},
    ]
    assert "allow_net_lbfo_teams" in seen["creation_only"]
    # Set in place on an existing switch; on a new one, New-VMSwitch takes the creation-only option
    # and the other is set right after it, since New-VMSwitch has no such parameter.
    assert seen["commands"] == [
        "New-VMSwitch -Name 'new-int' -SwitchType 'Internal' -AllowNetLbfoTeams $true",
        "Set-VMSwitch -Name 'new-int' -DefaultQueueVrssExcludePrimaryProcessor $true",
        "Set-VMSwitch -Name 'lab-internal' -DefaultQueueVrssExcludePrimaryProcessor $true",
    ]
    assert seen["gathered"]["lab-internal"] == [True, False]
    assert seen["gathered"]["new-int"] == [True, True]
    assert seen["again"] is False
    assert "allow_net_lbfo_teams (false -> true) can only be set when a switch is created" in seen["refused"]
    # The recreate builds the switch with the creation-only option and carries the other one over.
    assert any(command.startswith("New-VMSwitch -Name 'lab-internal' -SwitchType 'Internal' -AllowNetLbfoTeams $true ")
               for command in seen["recreate"]), seen["recreate"]
    assert "Set-VMSwitch -Name 'lab-internal' -DefaultQueueVrssExcludePrimaryProcessor $true" in seen["recreate"]
    assert seen["recreated"] == [True, True]
    # replaced resets the settable option to its declared host default and keeps the creation-only one.
    assert seen["reset"] == ["Set-VMSwitch -Name 'lab-internal' -DefaultQueueVrssExcludePrimaryProcessor $false"]
    # A host whose switches lack the declared property refuses the option, naming the release.
    assert ("config.switches[0].default_queue_vrss_exclude_primary_processor: this host does not support"
            in seen["too_old"]) and "Windows Server 2019 or later" in seen["too_old"], seen["too_old"]


def test_the_original_collection_has_no_such_option():
    """The option above exists only in the copy: this collection does not manage DHCP guard."""
    assert "dhcp_guard" not in _spec.VmAdapterConfig.model_fields
    assert "dhcp_guard" not in _module.VM_ADAPTER_OPTIONS
    for name in ("default_queue_vrss_exclude_primary_processor", "allow_net_lbfo_teams"):
        assert name not in _spec.SwitchConfig.model_fields


def test_the_argspec_is_the_same_without_pydantic():
    """The module must load and report the missing library (sanity's import test runs without
    pydantic), so the derivation also works on the stand-ins of _pydantic_compat, to the letter."""
    code = ("import json, sys; sys.modules['pydantic'] = None\n"
            "from ansible_collections.sriov.hyperv.plugins.module_utils.edge import _module\n"
            "from ansible_collections.sriov.hyperv.plugins.module_utils.spec import _pydantic_compat\n"
            "assert not _pydantic_compat.HAS_PYDANTIC\n"
            "print(json.dumps(_module.HOST_CONFIG.options))")
    path = [str(IMPORT_ROOT)] + sys.path
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(path)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == _module.HOST_CONFIG.options
