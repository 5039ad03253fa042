# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a whole host is one pipeline round trip, and both runners return the same plain data.

Round trips are counted at the HTTP boundary of pypsrp's transport (a spy around its ``send``);
the server is the real emulator process.
"""
from __future__ import annotations

import re

import pytest

from ansible_collections.sriov.hyperv.plugins.module_utils.host import _host
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._psrp_runner import PsrpRunner

ACTION = re.compile(rb"<wsa:Action[^>]*>([^<]+)</wsa:Action>")
SHELL_ACTIONS = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/"
WHOLE_HOST = [
    "Get-VMHost",
    "Get-VM",
    "Get-VMSwitch",
    "Get-VMNetworkAdapter",
    "Get-NetAdapterSriov",
    "Get-NetAdapterAdvancedProperty",
]


class RequestSpy:
    """Records the WS-Management action of every HTTP request pypsrp sends."""

    def __init__(self, transport):
        self.actions = []
        self._send = transport.send
        transport.send = self

    def __call__(self, message, *args, **kwargs):
        match = ACTION.search(message)
        action = match.group(1).decode() if match else "?"
        self.actions.append(action.rsplit("/", 1)[-1])
        return self._send(message, *args, **kwargs)


@pytest.fixture(scope="module")
def fresh_host(emulator_factory):
    # A process of its own: no other test has changed this host since the scenario loaded it.
    return emulator_factory(scenario="capable", fresh=True).host()


def test_read_statements_cover_the_whole_host():
    names = [command.name for statement in _host.READ_STATEMENTS for command in statement]
    assert set(WHOLE_HOST) <= set(names)
    adapters = next(c for s in _host.READ_STATEMENTS for c in s if c.name == "Get-VMNetworkAdapter")
    assert "All" in adapters.parameters
    advanced = next(c for s in _host.READ_STATEMENTS for c in s if c.name == "Get-NetAdapterAdvancedProperty")
    assert set(advanced.parameters["RegistryKeyword"]) == {"*SRIOV", "*NumVFs"}


def test_whole_host_read_is_one_pipeline_round_trip(fresh_host, connection_options):
    with PsrpRunner(connection_options(fresh_host)) as runner:
        runner.open()
        spy = RequestSpy(runner._wsman.transport)
        result = runner.run(_host.READ_STATEMENTS)
        actions = list(spy.actions)
    assert result.all_errors() == []
    # One Command carries every statement and Receive collects the answer. No Signal: closing the
    # pool closes its pipelines on the host ([MS-PSRP] 3.2.5.3.12), one round trip fewer each.
    assert actions.count("Command") == 1
    assert actions[0] == "Command" and set(actions[1:]) == {"Receive"}
    print("requests of one whole-host read:", actions)
    # VMs and adapters come through Select-Object (only the properties the collection parses).
    for type_name in (
        "Microsoft.HyperV.PowerShell.VMHost",
        "Selected.Microsoft.HyperV.PowerShell.VirtualMachine",
        "Microsoft.HyperV.PowerShell.VMSwitch",
        "Selected.Microsoft.HyperV.PowerShell.VMNetworkAdapter",
    ):
        assert result.of_type(type_name), type_name
    assert any("MSFT_NetAdapterSriovSettingData" in o.type_names[0] for o in result.output)
    assert any("MSFT_NetAdapterAdvancedPropertySettingData" in o.type_names[0] for o in result.output)


def test_pool_is_opened_once_per_runner(fresh_host, connection_options):
    with PsrpRunner(connection_options(fresh_host)) as runner:
        runner.run(_host.READ_STATEMENTS)
        spy = RequestSpy(runner._wsman.transport)
        runner.run(_host.READ_STATEMENTS)
        actions = list(spy.actions)
    assert "Create" not in actions and actions.count("Command") == 1
    assert spy.actions[-1] == "Delete"  # closing the runner closes its pool


def test_wire_and_in_process_give_the_same_plain_data(fresh_host, connection_options, inprocess_runner):
    with PsrpRunner(connection_options(fresh_host)) as runner:
        over_wire = runner.run(_host.READ_STATEMENTS)
    in_process = inprocess_runner("capable", fresh_host["name"]).run(_host.READ_STATEMENTS)
    assert len(over_wire.output) == len(in_process.output) > 0
    for wire_obj, local_obj in zip(over_wire.output, in_process.output):
        assert wire_obj == local_obj, (wire_obj.type_names[0], wire_obj.properties.get("Name"))
    assert over_wire.all_errors() == in_process.all_errors()


@pytest.mark.parametrize(
    "auth, tls",
    [("ntlm", False), ("ntlm", True), ("certificate", True), ("basic", False)],
    ids=["ntlm-http-encrypted", "ntlm-https", "client-certificate", "basic-http-unencrypted"],
)
def test_every_auth_the_emulator_speaks(emulator_factory, auth, tls, connection_options):
    # Certificate auth sends no user or password; basic over http cannot encrypt.
    host = emulator_factory(scenario="capable", auth=auth, tls=tls).host()
    options = connection_options(host)
    with PsrpRunner(options) as runner:
        result = runner.run(_host.READ_STATEMENTS)
    assert result.all_errors() == []
    assert len(result.of_type("Microsoft.HyperV.PowerShell.VMHost")) == 1


def test_an_adapters_minimum_bandwidth_crosses_the_wire_with_its_adapters_id(emulator_factory, connection_options):
    # The bandwidth setting travels as an object of its own, expanded from the adapter with the
    # adapter's Id added as a note property (an extended member in CLIXML): read by real pypsrp.
    from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import config_to_dict
    from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import SWITCH, Command

    host = emulator_factory(scenario="capable", fresh=True).host()
    with PsrpRunner(connection_options(host)) as runner:
        set_bandwidth = Command("Set-VMNetworkAdapter", {"ManagementOS": SWITCH, "Name": "mgmt-ext",
                                                         "MinimumBandwidthAbsolute": 250000000})
        written = runner.run([[set_bandwidth]])
        assert written.all_errors() == []
        observed = _host.read_host(runner)
    vnic = next(item for item in config_to_dict(observed.config)["vm_adapters"]
                if item.get("management_os") and item["name"] == "mgmt-ext")
    assert vnic["minimum_bandwidth_absolute"] == 250000000
