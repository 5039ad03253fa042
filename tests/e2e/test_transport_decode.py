# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's CLIXML reader gives exactly what pypsrp's own deserializer gives.

Every shipped scenario's hosts are read over the wire twice, once with the fast path and once with
pypsrp alone; the plain data must be equal object for object.
"""
from __future__ import annotations

import pytest

from ansible_collections.sriov.hyperv.plugins.module_utils.host import _host
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import config_to_dict
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._psrp_runner import PsrpRunner
from hyperv_sriov_emulator.scenario import shipped_scenarios


def _read(options, fast, statements=None):
    runner = PsrpRunner(options)
    runner.fast_decode = fast
    with runner:
        return runner.run(_host.READ_STATEMENTS if statements is None else statements)


@pytest.mark.parametrize("statements", [_host.READ_STATEMENTS, _host.WHOLE_HOST_STATEMENTS],
                         ids=["projected", "every-property"])
@pytest.mark.parametrize("scenario", shipped_scenarios())
def test_fast_decoding_equals_pypsrp_on_every_host(emulator_factory, connection_options, scenario, statements):
    ready = emulator_factory(scenario=scenario)
    for host in ready.hosts:
        fast = _read(connection_options(host), True, statements)
        reference = _read(connection_options(host), False, statements)
        assert len(fast.output) == len(reference.output) > 0
        for mine, theirs in zip(fast.output, reference.output):
            assert mine == theirs, (host["name"], theirs.type_names[:1], theirs.properties.get("Name"))
        assert fast.all_errors() == reference.all_errors()


def _observed(options, fast, scope=None):
    runner = PsrpRunner(options)
    runner.fast_decode = fast
    with runner:
        observed = _host.read_host(runner, scope)
    return (observed.host, observed.vms, observed.switches, observed.adapters, observed.nics, observed.parking,
            config_to_dict(observed.config))


@pytest.mark.parametrize("scenario", shipped_scenarios())
def test_fast_decoding_parses_into_the_same_observed(emulator_factory, connection_options, scenario):
    """The whole-host read and a targeted one (two VMs and the host vNICs), as read_host sends them."""
    ready = emulator_factory(scenario=scenario)
    for host in ready.hosts:
        options = connection_options(host)
        whole = _observed(options, True)
        assert whole == _observed(options, False)
        scope = _host.ReadScope(tuple(vm.name for vm in whole[1][:2]), management_os=True)
        assert _observed(options, True, scope) == _observed(options, False, scope)


def test_fast_path_really_reads_the_output(emulator_factory, connection_options, monkeypatch):
    """The comparison above is only worth something if the fast path is the one taken."""
    from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _clixml

    read = []
    parse = _clixml.parse_outputs
    monkeypatch.setattr(_clixml, "parse_outputs", lambda bodies: read.extend(parse(bodies)) or read[-len(bodies):])
    result = _read(connection_options(emulator_factory().host()), True)
    assert read == result.output and len(read) > 0
