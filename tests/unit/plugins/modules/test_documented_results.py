# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every key a module returns is in its RETURN documentation, and the other way round."""

from __future__ import annotations

import pytest
from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import get_docstring

from ansible_collections.sriov.hyperv.plugins.modules import host_config, net_adapter_sriov, vm_network_adapter, vm_switch
from ansible_collections.sriov.hyperv.tests.unit.plugins.module_utils.export_emulated import export_clixml

STANDARD = {"changed", "invocation", "warnings", "failed", "msg"}


def documented_keys(module) -> set[str]:
    """The RETURN keys as ansible-doc shows them: with the shared doc fragments merged in."""
    returndocs = get_docstring(module.__file__, fragment_loader, collection_name="sriov.hyperv", is_module=True)[2]
    return set(returndocs)


CASES = [
    (vm_switch, {"name": "sw", "switch_type": "private"}),
    (vm_network_adapter, {"vm_name": "web01", "name": "Network Adapter", "iov_weight": 1}),
    (net_adapter_sriov, {"name": "SLOT 2 Port 1", "num_vfs": 4}),
    (host_config, {"config": {"switches": [{"name": "sw", "switch_type": "private"}]}}),
]


@pytest.mark.parametrize(("module", "args"), CASES, ids=lambda case: getattr(case, "__name__", "args"))
def test_returned_keys_are_documented(run, module, args):
    documented = documented_keys(module)
    result = run(module, diff=True, **args)
    assert set(result) - STANDARD == documented - {"error", "gathered", "rendered", "parsed"}
    failed = run(module, **dict(args, name="")) if module is not host_config else run(
        module, config={"switches": [{"name": ""}]})
    assert failed["failed"] is True
    assert set(failed) - STANDARD <= documented


def test_host_config_gathered_rendered_and_parsed_are_documented(run):
    documented = documented_keys(host_config)
    assert set(run(host_config, state="gathered")) - STANDARD == {"gathered"} <= documented
    rendered = run(host_config, state="rendered", config={"switches": [{"name": "a", "switch_type": "private"}]})
    assert set(rendered) - STANDARD == {"rendered"} <= documented
    parsed = run(host_config, state="parsed", running_config=export_clixml(run.host))
    assert set(parsed) - STANDARD == {"parsed"} <= documented
