# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The glue's own contracts: argument specs equal the docs, requests map onto the core's states,
validation messages name the options a user wrote."""

from __future__ import annotations

import importlib

import pytest
import yaml

from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _connection
from ansible_collections.sriov.hyperv.plugins.module_utils.edge import _module
from ansible_collections.sriov.hyperv.plugins.module_utils.spec import _spec

DEFINITIONS = {
    "host_config": _module.HOST_CONFIG,
    "host_info": _module.HOST_INFO,
    "vm_switch": _module.VM_SWITCH,
    "vm_network_adapter": _module.VM_NETWORK_ADAPTER,
    "net_adapter_sriov": _module.NET_ADAPTER_SRIOV,
}


def _doc_options(name: str) -> dict:
    module = importlib.import_module("ansible_collections.sriov.hyperv.plugins.modules." + name)
    return yaml.safe_load(module.DOCUMENTATION).get("options") or {}


def _normalise_doc(options: dict) -> dict:
    result = {}
    for name, doc in options.items():
        entry = {"type": doc.get("type", "str")}
        for key in ("required", "default", "choices", "elements"):
            if doc.get(key) not in (None, False):
                entry[key] = doc[key]
        if "suboptions" in doc:
            entry["options"] = _normalise_doc(doc["suboptions"])
        result[name] = entry
    return result


def _normalise_spec(options: dict) -> dict:
    result = {}
    for name, spec in options.items():
        entry = {"type": spec.get("type", "str")}
        for key in ("required", "default", "choices", "elements"):
            if spec.get(key) not in (None, False):
                entry[key] = spec[key]
        if "options" in spec:
            entry["options"] = _normalise_spec(spec["options"])
        result[name] = entry
    return result


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_argument_spec_matches_documentation(name):
    documented = _doc_options(name)
    spec = DEFINITIONS[name].argument_spec()
    # A module may narrow a connection option in its own documentation (host_config and host_info
    # need no hostname when they read running_config): those compare with the full spec.
    narrowed = [option for option in documented if option in _connection.CONNECTION_ARGSPEC]
    expected = dict(DEFINITIONS[name].options, **{option: spec[option] for option in narrowed})
    assert _normalise_spec(expected) == _normalise_doc(documented)


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_argument_spec_includes_connection_options_once(name):
    spec = DEFINITIONS[name].argument_spec()
    assert set(_connection.CONNECTION_ARGSPEC) <= set(spec)
    assert spec["password"]["no_log"] is True
    # A module's own options never shadow a connection option.
    assert not set(DEFINITIONS[name].options) & set(_connection.CONNECTION_ARGSPEC)


def test_host_config_suboptions_are_the_single_item_modules_options():
    config = _module.HOST_CONFIG.options["config"]["options"]
    assert config["switches"]["options"] == _module.SWITCH_OPTIONS
    assert config["vm_adapters"]["options"] == _module.VM_ADAPTER_OPTIONS
    assert config["physical_adapters"]["options"] == _module.PHYSICAL_ADAPTER_OPTIONS
    # The comparison above holds by construction; the documentation is written separately in
    # each module, so it is what shows an item of host_config takes the single-item module's
    # options (its own state and policy options aside).
    documented = _normalise_doc(_doc_options("host_config"))["config"]["options"]
    for section, module, module_only in (("switches", "vm_switch", {"state", "creation_only_changes"}),
                                         ("vm_adapters", "vm_network_adapter", set()),
                                         ("physical_adapters", "net_adapter_sriov", {"restart"})):
        single = {name: spec for name, spec in _normalise_doc(_doc_options(module)).items() if name not in module_only}
        assert documented[section]["options"] == single, section


def test_no_managed_option_has_a_default():
    for options in (_module.SWITCH_OPTIONS, _module.VM_ADAPTER_OPTIONS, _module.PHYSICAL_ADAPTER_OPTIONS):
        assert all("default" not in spec for spec in options.values())


def _switch_params(**changes):
    params = {name: None for name in _module.SWITCH_OPTIONS}
    params.update(name="sw", state="present", creation_only_changes="fail")
    params.update(changes)
    return params


def test_vm_switch_present_is_merged_of_one_switch():
    request = _module.VM_SWITCH.build(_switch_params(enable_iov=True))
    assert request.state == "merged"
    assert request.section == "switches"
    assert request.config["switches"][0]["enable_iov"] is True
    assert request.config["switches"][0]["notes"] is None


def test_vm_switch_absent_is_deleted_by_name_only():
    request = _module.VM_SWITCH.build(_switch_params(state="absent", enable_iov=True))
    assert (request.state, request.config) == ("deleted", {"switches": [{"name": "sw"}]})


def test_single_item_validation_names_the_module_option():
    params = {name: None for name in _module.VM_ADAPTER_OPTIONS}
    params.update(vm_name="web01", name="Network Adapter", iov_weight=101)
    request = _module.VM_NETWORK_ADAPTER.build(params)
    with pytest.raises(_spec.SpecValidationError) as caught:
        _module._parse(request)
    assert "config.vm_adapters[0].iov_weight" in str(caught.value)
    renamed = _module._in_option_terms(request, caught.value)
    assert str(renamed).startswith("Invalid configuration: iov_weight: 101 is out of range 0-100")
    assert "config." not in str(renamed)
    assert renamed.problems == ["iov_weight: 101 is out of range 0-100. Give a whole number from 0 to 100."]


def test_host_config_errors_keep_their_paths():
    request = _module.HOST_CONFIG.build({"config": {"switches": [{"enable_iov": True}]}, "state": "merged",
                                         "creation_only_changes": "fail", "restart": False})
    with pytest.raises(_spec.SpecValidationError) as caught:
        _module._parse(request)
    error = caught.value
    assert "config.switches[0].name: is required." in str(error)
    # host_config's users write the config option: its path is already in their terms.
    assert _module._in_option_terms(request, error) is error


def test_host_config_validation_keeps_the_config_path():
    request = _module.Request(config={"vm_adapters": [{"vm_name": "a", "name": "b", "iov_weight": -1}]}, state="merged")
    with pytest.raises(_spec.SpecValidationError) as caught:
        _module._parse(request)
    assert "config.vm_adapters[0].iov_weight" in str(caught.value)


@pytest.mark.parametrize(
    ("section", "wanted", "expected_index"),
    [
        ("switches", {"name": "SRIOV-ext"}, 0),
        ("vm_adapters", {"vm_name": "WEB01", "name": "network adapter"}, 0),
        ("vm_adapters", {"management_os": True, "name": "network adapter"}, 1),
        ("vm_adapters", {"vm_name": "other", "name": "Network Adapter"}, None),
    ],
)
def test_one_item_is_found_by_identity_without_regard_to_case(section, wanted, expected_index):
    config = {
        "switches": [{"name": "sriov-ext"}],
        "vm_adapters": [
            {"vm_name": "web01", "name": "Network Adapter", "iov_weight": 1},
            {"management_os": True, "name": "Network Adapter", "vmq_weight": 2},
        ],
    }
    found = _module._one_item(config, section, wanted)
    assert found == ({} if expected_index is None else config[section][expected_index])


@pytest.mark.parametrize(
    ("secret", "shown"),
    [
        # A capital sigma lowercases by its context (final or not): alone at the secret's end it
        # would fold to a final sigma, inside a longer name to an ordinary one.
        ("ΚΩΔΙΚΟΣ", "lab-ΚΩΔΙΚΟΣA"),
        ("ΚΩΔΙΚΟΣ", "ΚΩΔΙΚΟΣ"),
        ("Straße", "vm-Straße-01"),
        ("İstanbul", "İstanbul-sw"),
        ("ext", "sriov-ext"),
        ('pa"ss\\', 'x-pa"ss\\-y'),
        ("true", True),
        ("True", True),
        ("50", 50),
    ],
)
def test_secrets_are_removed_as_ansible_module_removes_them(secret, shown):
    # What AnsibleModule's exit_json does with the same result and no_log value
    # (ansible.module_utils.basic.AnsibleModule._return_formatted).
    result = {"changed": False, "after": {"name": shown, "items": [shown]}, "msg": "done"}
    expected = _module.remove_values(result, {secret})
    got = _module.as_module_result(result, [secret])
    assert got == expected
    if isinstance(shown, str):
        assert secret not in repr(got)


def test_a_defect_in_process_says_how_to_see_its_traceback_and_hides_the_password():
    secret = "Defect-Pa55"

    def broken_build(params):
        raise KeyError("lookup of %s" % params["password"])

    definition = _module.Definition(options=dict(_module.HOST_INFO.options), build=broken_build,
                                    rules=_module.HOST_INFO.rules, info=True)
    result = _module.run_in_process(definition, "sriov.hyperv.host_info",
                                    {"hostname": "hv1", "password": secret})
    assert result["failed"] is True
    assert "unexpected KeyError" in result["msg"]
    # ansible-core 2.19+ prints a result's traceback only with DISPLAY_TRACEBACK, whatever -v says.
    assert "ANSIBLE_DISPLAY_TRACEBACK=error" in result["msg"] and "-vvv" not in result["msg"]
    assert "Traceback (most recent call last)" in result["exception"] and "broken_build" in result["exception"]
    assert secret not in repr(result)
