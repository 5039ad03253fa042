# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

from ansible_collections.sriov.hyperv.plugins.module_utils.transport._errors import HyperVError
from ansible_collections.sriov.hyperv.plugins.module_utils.spec import _identity
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._identity import AdapterIdentity
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import (
    HostConfig,
    SpecValidationError,
    config_to_dict,
    name_key,
    parse_config,
)

FULL = {
    "physical_adapters": [{"name": "SLOT 2 Port 1", "sriov_enabled": True, "num_vfs": 32}],
    "switches": [
        {"name": "sriov-ext", "switch_type": "external", "net_adapter_names": ["SLOT 2 Port 1"], "enable_iov": True,
         "allow_management_os": False, "minimum_bandwidth_mode": "none", "enable_embedded_teaming": False,
         "enable_packet_direct": False, "notes": "n"},
    ],
    "vm_adapters": [
        {"vm_name": "web01", "name": "Network Adapter", "switch_name": "sriov-ext", "iov_weight": 80,
         "iov_queue_pairs_requested": 4, "iov_interrupt_moderation": "adaptive", "vmq_weight": 0,
         "ipsec_offload_max_sa": 0, "vrss_enabled": True, "vmmq_enabled": False, "vmmq_queue_pairs": 8,
         "vrss_min_queue_pairs": 2, "vrss_queue_scheduling_mode": "dynamic", "vrss_exclude_primary_processor": True,
         "vrss_independent_host_spreading": True, "vrss_vmbus_channel_affinity_policy": "strict",
         "rsc_enabled": False, "allow_teaming": True},
        {"management_os": True, "name": "mgmt", "vmq_weight": 50},
    ],
}


def test_round_trip_keeps_every_option_and_drops_unset_ones():
    cfg = parse_config(FULL)
    assert config_to_dict(cfg) == FULL
    assert config_to_dict(parse_config({"switches": [{"name": "s", "switch_type": "private"}]})) == {
        "switches": [{"name": "s", "switch_type": "private"}]
    }


def test_none_and_empty_mean_nothing_managed():
    assert parse_config(None) == HostConfig()
    assert config_to_dict(parse_config({})) == {}
    assert parse_config({"vm_adapters": []}).vm_adapters == []


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"vm_adapters": [{"vm_name": "a", "name": "b"}, {"vm_name": "a", "name": "c"},
                          {"vm_name": "a", "name": "d", "iov_weight": 120}]},
         "config.vm_adapters[2].iov_weight: 120 is out of range 0-100."),
        ({"vm_adapters": [{"vm_name": "a", "name": "b", "vmq_weight": -1}]},
         "config.vm_adapters[0].vmq_weight: -1 is out of range 0-100."),
        ({"vm_adapters": [{"vm_name": "a", "name": "b", "iov_queue_pairs_requested": 0}]},
         "config.vm_adapters[0].iov_queue_pairs_requested: 0 is out of range 1-4294967295."),
        ({"vm_adapters": [{"vm_name": "a", "name": "b", "vmmq_queue_pairs": 0}]},
         "config.vm_adapters[0].vmmq_queue_pairs: 0 is out of range 1-4294967295."),
        ({"vm_adapters": [{"vm_name": "a", "name": "b", "minimum_bandwidth_weight": 101}]},
         "config.vm_adapters[0].minimum_bandwidth_weight: 101 is out of range 0-100."),
        ({"vm_adapters": [{"vm_name": "a", "name": "b", "minimum_bandwidth_absolute": 100000003}]},
         "config.vm_adapters[0].minimum_bandwidth_absolute: 100000003 is not a multiple of 8; Hyper-V rounds it to "
         "one. Give 100000000 or 100000008 bits per second."),
        ({"vm_adapters": [{"vm_name": "a", "name": "b", "vrss_min_queue_pairs": 0}]},
         "config.vm_adapters[0].vrss_min_queue_pairs: 0 is out of range 1-4294967295."),
        ({"vm_adapters": [{"vm_name": "a", "name": "b", "vrss_min_queue_pairs": 9, "vmmq_queue_pairs": 8}]},
         "config.vm_adapters[0].vrss_min_queue_pairs: 9 is more than the adapter's vmmq_queue_pairs (8); Hyper-V "
         "refuses a minimum above the maximum. Lower vrss_min_queue_pairs, or raise vmmq_queue_pairs."),
        ({"vm_adapters": [{"vm_name": "a", "name": "b", "vrss_queue_scheduling_mode": "StandardVrss"}]},
         "config.vm_adapters[0].vrss_queue_scheduling_mode: 'StandardVrss' is not a valid choice. Use one of dynamic, "
         "static_vmq or static_vrss."),
        ({"vm_adapters": [{"vm_name": "a", "name": "b", "vrss_vmbus_channel_affinity_policy": "none"}]},
         "config.vm_adapters[0].vrss_vmbus_channel_affinity_policy: 'none' is not a valid choice. Use one of weak, "
         "strong or strict."),
        ({"physical_adapters": [{"name": "n", "num_vfs": -2}]},
         "config.physical_adapters[0].num_vfs: -2 is out of range 0-4294967295."),
        ({"vm_adapters": [{"vm_name": "a", "name": "b", "iov_wieght": 1}]},
         "config.vm_adapters[0].iov_wieght: unknown option. Did you mean 'iov_weight'?"),
        ({"switchs": []}, "config.switchs: unknown option. Did you mean 'switches'?"),
        ({"switches": [{"name": "s", "switch_type": "Externa"}]},
         "config.switches[0].switch_type: 'Externa' is not a valid choice. Use one of external, internal or private."),
        ({"vm_adapters": [{"vm_name": "a", "name": "b", "iov_interrupt_moderation": "fast"}]},
         "config.vm_adapters[0].iov_interrupt_moderation: 'fast' is not a valid choice."),
        ({"switches": [{"name": "s", "minimum_bandwidth_mode": "Weighted"}]},
         "config.switches[0].minimum_bandwidth_mode: 'Weighted' is not a valid choice."),
        ({"switches": [{"name": "s", "enable_iov": "maybe"}]},
         "config.switches[0].enable_iov: 'maybe' is not a boolean. Use true or false."),
        ({"vm_adapters": [{"vm_name": "a", "name": "b", "iov_weight": "high"}]},
         "config.vm_adapters[0].iov_weight: 'high' is not a whole number."),
        ({"switches": [{"switch_type": "private"}]}, "config.switches[0].name: is required."),
        ({"switches": [{"name": ""}]}, "config.switches[0].name: must not be empty."),
        ({"switches": {"name": "s"}}, "config.switches: must be a list."),
        ({"vm_adapters": [{"vm_name": "a", "management_os": True, "name": "b"}]},
         "config.vm_adapters[0]: give either vm_name (a VM's adapter) or management_os: true (a host vNIC), not both."),
        ({"vm_adapters": [{"name": "b"}]},
         "config.vm_adapters[0]: which adapter? Give vm_name for a VM's adapter, or management_os: true for a host vNIC."),
        ({"vm_adapters": [{"management_os": True, "name": "m", "iov_weight": 10}]},
         "config.vm_adapters[0].iov_weight: IOV properties do not exist on management-OS adapters"),
        ({"vm_adapters": [{"management_os": True, "name": "m", "iov_interrupt_moderation": "off"}]},
         "config.vm_adapters[0].iov_interrupt_moderation: IOV properties do not exist on management-OS adapters"),
        ({"switches": [{"name": "s", "switch_type": "internal", "enable_iov": True}]},
         "config.switches[0].enable_iov: SR-IOV needs an External switch; switch 's' is internal."),
        ({"switches": [{"name": "s", "switch_type": "private", "net_adapter_names": ["n"]}]},
         "config.switches[0].net_adapter_names: a private switch has no physical adapter."),
        ({"switches": [{"name": "s", "switch_type": "private", "allow_management_os": True}]},
         "config.switches[0].allow_management_os: a private switch has no management-OS adapter."),
        ({"switches": [{"name": "s", "net_adapter_names": []}]},
         "config.switches[0].net_adapter_names: is empty. Name at least one physical adapter."),
        ({"switches": [{"name": "s", "net_adapter_names": ["a", "b"], "enable_embedded_teaming": False}]},
         "config.switches[0].enable_embedded_teaming: 2 physical adapters need Switch Embedded Teaming."),
        ({"switches": [{"name": "s", "net_adapter_names": ["a", "A"]}]},
         "config.switches[0].net_adapter_names[1]: duplicate physical adapter name"),
        ({"switches": [{"name": "s", "net_adapter_names": ["a"], "enable_iov": True,
                        "minimum_bandwidth_mode": "weight"}]},
         "config.switches[0].minimum_bandwidth_mode: weight cannot be combined with enable_iov"),
        ({"switches": [{"name": "Sw", "switch_type": "private"}, {"name": "sW", "switch_type": "private"}]},
         "config.switches[1]: duplicate switch name, already given as config.switches[0]"),
        ({"physical_adapters": [{"name": "NIC"}, {"name": "nic"}]},
         "config.physical_adapters[1]: duplicate physical adapter name, already given as config.physical_adapters[0]"),
        ({"vm_adapters": [{"vm_name": "Web", "name": "NA"}, {"vm_name": "web", "name": "na"}]},
         "config.vm_adapters[1]: duplicate adapter identity, already given as config.vm_adapters[0]"),
        ({"vm_adapters": [{"management_os": True, "name": "m"}, {"management_os": True, "name": "M"}]},
         "config.vm_adapters[1]: duplicate adapter identity"),
        ({"vm_adapters": [{"vm_name": "w", "name": "n", "mac_address": "00-15-5D-0A-0B"}]},
         "config.vm_adapters[0].mac_address: '00-15-5D-0A-0B' is not a MAC address. Give 12 hexadecimal digits"),
        ({"vm_adapters": [{"vm_name": "w", "name": "n", "mac_address": "00:15-5D:0A:0B:0C"}]},
         "config.vm_adapters[0].mac_address: '00:15-5D:0A:0B:0C' is not a MAC address."),
        ({"vm_adapters": [{"vm_name": "w", "name": "n", "mac_address": "00155D0A0B01"},
                          {"vm_name": "W", "name": "N", "mac_address": "00:15:5d:0a:0b:01"}]},
         "config.vm_adapters[1]: duplicate adapter identity, already given as config.vm_adapters[0]"),
    ],
)
def test_every_rule_names_the_path_and_the_fix(data, expected):
    with pytest.raises(SpecValidationError) as caught:
        parse_config(data)
    assert expected in caught.value.message
    assert isinstance(caught.value, HyperVError)


@pytest.mark.parametrize("written", ["00155D0A0B0C", "00-15-5D-0A-0B-0C", "00:15:5d:0a:0b:0c", "00155d0a0b0c"])
def test_mac_address_is_accepted_in_three_spellings_and_kept_as_hyperv_writes_it(written):
    cfg = parse_config({"vm_adapters": [{"vm_name": "fileserver", "name": "Network Adapter", "mac_address": written}]})
    assert cfg.vm_adapters[0].mac_address == "00155D0A0B0C"
    assert cfg.vm_adapters[0].key() == ("vm", "FILESERVER", "NETWORK ADAPTER", "00155D0A0B0C")
    assert cfg.vm_adapters[0].label() == "adapter 'Network Adapter' (MAC 00155D0A0B0C) of VM 'fileserver'"


def test_names_with_wildcard_characters_are_accepted():
    cfg = parse_config({"switches": [{"name": "lab[1]*", "switch_type": "private"}],
                        "vm_adapters": [{"vm_name": "web`1?", "name": "n[a]", "switch_name": "lab[1]*"}]})
    assert cfg.switches[0].name == "lab[1]*" and cfg.vm_adapters[0].vm_name == "web`1?"


def test_same_name_with_two_mac_addresses_is_two_adapters():
    cfg = parse_config({"vm_adapters": [{"vm_name": "a", "name": "n", "mac_address": "00155D000001"},
                                        {"vm_name": "a", "name": "n", "mac_address": "00155D000002"}]})
    assert len({adapter.key() for adapter in cfg.vm_adapters}) == 2


def test_same_adapter_name_on_two_vms_is_not_a_duplicate():
    cfg = parse_config({"vm_adapters": [{"vm_name": "a", "name": "n"}, {"vm_name": "b", "name": "n"},
                                        {"management_os": True, "name": "n"}]})
    assert len({adapter.key() for adapter in cfg.vm_adapters}) == 3


def test_all_problems_come_in_one_message():
    with pytest.raises(SpecValidationError) as caught:
        parse_config({"vm_adapters": [{"vm_name": "a", "name": "b", "iov_weight": 101, "vmq_weight": 101}]})
    assert len(caught.value.problems) == 2
    assert caught.value.message.startswith("Invalid configuration (2 problems): ")
    assert "iov_weight: 101" in caught.value.message and "vmq_weight: 101" in caught.value.message


def test_path_prefix_and_non_mapping_input():
    with pytest.raises(SpecValidationError) as caught:
        parse_config({"switches": [{"name": "s", "enable_iov": "x"}]}, path="want")
    assert caught.value.message.startswith("Invalid configuration: want.switches[0].enable_iov")
    with pytest.raises(SpecValidationError, match="config: must be a mapping"):
        parse_config(["not", "a", "mapping"])


def test_names_compare_like_hyper_v():
    assert name_key("Network Adapter") == name_key("NETWORK adapter")
    assert name_key("Über") == name_key("über")
    # One character stays one character: "ß" is not "SS" to Hyper-V.
    assert name_key("straße") != name_key("STRASSE")


@pytest.mark.parametrize("name", ["vm1", "Network Adapter", "web[1]_x0009_`*", "", "Über", "straße", "ŉ-ǰ", "ﬀ"])
def test_name_keys_of_ascii_and_other_names_follow_one_rule(name):
    # ASCII names take a shortcut; every name must come out as the per-character rule says. The
    # models and the identities use the one function.
    rule = "".join(char.upper() if len(char.upper()) == 1 else char for char in name)
    assert name_key(name) == rule
    assert name_key is _identity.name_key


def test_module_utils_import_without_pydantic():
    # ansible-test's sanity import test runs module_utils with only ansible-core installed.
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), *([os.pardir] * 4)))
    collections = os.path.join(root, ".ansible", "collections")
    code = textwrap.dedent(
        """
        import sys
        sys.modules["pydantic"] = None
        from ansible_collections.sriov.hyperv.plugins.module_utils.spec import _pydantic_compat
        from ansible_collections.sriov.hyperv.plugins.module_utils.spec import _spec
        from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile import _reconcile
        from ansible_collections.sriov.hyperv.plugins.module_utils.host import _host, _recreate
        assert _pydantic_compat.HAS_PYDANTIC is False
        assert "pydantic" in _pydantic_compat.PYDANTIC_IMPORT_ERROR
        try:
            _spec.HostConfig()
        except ImportError as exc:
            print("refused:", exc)
        """
    )
    paths = [path for path in (collections, os.environ.get("PYTHONPATH")) if path] + sys.path
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)}, check=False)
    assert result.returncode == 0, result.stderr
    assert "refused: pydantic is required" in result.stdout


def test_a_host_vnic_has_one_identity_key_record_key_and_label():
    vnic = AdapterIdentity.management_os_adapter("vEthernet (SMB)")
    assert vnic == AdapterIdentity.of({"management_os": True, "name": "vEthernet (SMB)"})
    assert vnic.key() == ("management_os", "VETHERNET (SMB)")
    assert vnic.record_key() == "management_os/VETHERNET (SMB)"
    assert vnic.label() == "management-OS adapter 'vEthernet (SMB)'"
    narrowed = AdapterIdentity.of({"vm_name": "web01", "name": "n", "mac_address": "00-15-5D-00-00-01"})
    assert narrowed.record_key() == "vm/WEB01/N/00155D000001"


def test_adapter_identity_is_spelled_in_one_module():
    """Keys and labels of an adapter come from AdapterIdentity (spec/_identity.py) alone: no other
    module builds an identity tuple or words an adapter's label itself."""
    root = pathlib.Path(_identity.__file__).resolve().parent.parent
    spelled = re.compile(r"""\(\s*["'](?:management_os|vm)["']\s*,|of VM '%s'|management-OS adapter '%s'""")
    found = [
        "%s:%d" % (path.relative_to(root), number)
        for path in sorted(root.rglob("*.py")) if path.name != "_identity.py"
        for number, line in enumerate(path.read_text().splitlines(), 1) if spelled.search(line)
    ]
    assert found == []


@pytest.mark.parametrize("fields", [
    {"name": "Network Adapter", "vm_name": "web01", "mac_address": "00155D0A0B0C"},
    {"name": "Network Adapter", "vm_name": "web01", "mac_address": "00-15-5d-0a-0b-0c"},
    {"name": "Network Adapter", "vm_name": "web01", "mac_address": "not a mac"},
    {"name": "Network Adapter", "vm_name": "web01", "mac_address": ""},
    {"name": "vEthernet", "vm_name": None, "management_os": True, "mac_address": "00155D0A0B0D"},
    {"name": "odd", "vm_name": "web01", "management_os": True},
    {"name": None, "vm_name": None},
])
@pytest.mark.parametrize("unique", [True, False])
def test_an_observed_adapter_identity_is_that_of_its_fields(fields, unique):
    from ansible_collections.sriov.hyperv.plugins.module_utils.spec._host_parse import AdapterFacts

    facts = AdapterFacts(**fields, name_unique=unique)
    # The rule in words: VM + name as AdapterIdentity.of reads them, narrowed by the adapter's MAC
    # address when it is a usable one, and only where the name is not unique.
    plain = _identity.AdapterIdentity.of({key: fields.get(key) for key in ("name", "vm_name", "management_os")})
    try:
        full = plain.narrowed(fields.get("mac_address"))
    except ValueError:
        full = plain
    assert facts.full_identity() == full
    assert facts.identity() == (plain if unique else full)
