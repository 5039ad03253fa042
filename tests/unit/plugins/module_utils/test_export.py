# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exports read without a connection: the same config and facts as a live read of the host.

The exports are produced from the emulator's objects by psrpcore's CLIXML serializer and by a
ConvertTo-Json equivalent (export_emulated.py). Their shapes follow public output of real hosts:
Export-Clixml's ``<Objs Version="1.1.0.1" xmlns=...>`` root with ``<TN>``/``<TNRef>`` type
names shared across objects and enums as ``<Obj>`` with ``<ToString>`` and ``<I32>``
(PowerShell's serialization, the format pypsrp's recorded exchanges with real hosts carry);
ConvertTo-Json writing enums as numbers (``"SwitchType": 2``, ``"BandwidthReservationMode": 2``
in published ConvertTo-Json output of Get-VMSwitch, used as test data by a Terraform Hyper-V
provider).
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.sriov.hyperv.tests.unit.plugins.module_utils.export_emulated import (
    export_clixml,
    export_json,
)
from ansible_collections.sriov.hyperv.tests.unit.plugins.module_utils.host_emulated import runner_for
from ansible_collections.sriov.hyperv.plugins.module_utils.host import _export
from ansible_collections.sriov.hyperv.plugins.module_utils.host._facts import host_facts
from ansible_collections.sriov.hyperv.plugins.module_utils.host._host import READ_STATEMENTS, WHOLE_HOST_STATEMENTS, read_host
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import Command
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import config_to_dict

from hyperv_sriov_emulator.scenario import load_scenario, load_scenario_text  # noqa: E402

# Shipped scenarios cover SR-IOV on and off, a VF shortage, a platform without SR-IOV and
# Windows Server 2016; the text adds a SET team, a host vNIC, an internal switch and odd names.
EXTRA = """
hosts:
  - name: HV-SET
    os_version: "2019"
    physical_adapters:
      - {name: "SLOT 1 Port 1", interface_description: "Mellanox ConnectX-5 #1", num_vfs: 8, max_vfs: 64}
      - {name: "SLOT 1 Port 2", interface_description: "Mellanox ConnectX-5 #2", num_vfs: 8, max_vfs: 64}
      - {name: LOM, interface_description: Broadcom LOM, sriov_support: none}
    switches:
      - {name: "set <&> ext", net_adapters: ["SLOT 1 Port 1", "SLOT 1 Port 2"], enable_iov: true}
      - {name: internal, type: Internal}
    management_adapters:
      - {name: SMB1, switch: "set <&> ext", vmq_weight: 0}
    vms:
      - name: "web_x0041_01"
        state: Running
        adapters: [{switch: "set <&> ext", iov_weight: 80, iov_interrupt_moderation: High}]
      - name: db01
        state: Saved
        adapters: [{switch: internal, allow_teaming: "On"}]
"""


def hosts():
    states = []
    for name in ("capable", "vf-shortage", "bios-blocked", "ws2016"):
        states.extend(load_scenario(name))
    states.extend(load_scenario_text(EXTRA))
    return states


HOSTS = hosts()
EXPORTS = {
    "clixml": export_clixml,
    "json": export_json,
    "json without CimClass": lambda host: export_json(host, cim_class=False),
}


@pytest.mark.parametrize("kind", sorted(EXPORTS))
@pytest.mark.parametrize("host", HOSTS, ids=[h.name for h in HOSTS])
def test_an_export_reads_as_the_live_host(host, kind):
    live = read_host(runner_for(host))
    parsed = read_host(_export.ExportRunner(EXPORTS[kind](host)))
    assert config_to_dict(parsed.config) == config_to_dict(live.config)
    assert host_facts(parsed) == host_facts(live)


def test_the_clixml_is_powershells_format():
    text = export_clixml(HOSTS[0])
    assert text.startswith('<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">')
    assert "<T>Microsoft.HyperV.PowerShell.VMSwitch</T>" in text and "<TNRef RefId=" in text
    assert "<T>Microsoft.HyperV.PowerShell.VMState</T>" in text  # an enum as an object


def test_the_json_has_no_type_names_and_numbers_for_enums():
    items = json.loads(export_json(HOSTS[0]))
    switch = next(item for item in items if "SwitchType" in item)
    assert switch["SwitchType"] == 2 and isinstance(switch["BandwidthReservationMode"], int)
    assert not any("PSTypeNames" in item or "pstypenames" in item for item in items)


def test_a_remote_export_with_deserialized_type_names_reads_the_same():
    # Invoke-Command -ComputerName hv01 { ... } | Export-Clixml keeps the objects' type names with
    # "Deserialized." in front.
    host = HOSTS[0]
    text = export_clixml(host).replace("<T>Microsoft.", "<T>Deserialized.Microsoft.")
    assert config_to_dict(read_host(_export.ExportRunner(text)).config) == config_to_dict(read_host(runner_for(host)).config)


def test_the_documented_commands_are_the_live_read():
    # The live read is the export's statements with VMs and adapters narrowed by Select-Object.
    unprojected = [[command for command in statement
                    if command.name != "Select-Object" or "ExpandProperty" in command.parameters]
                   for statement in READ_STATEMENTS]
    assert unprojected == WHOLE_HOST_STATEMENTS
    # The one Select-Object of an export expands the adapters' bandwidth settings; nothing is projected.
    assert _export.EXPORT_COMMANDS.count("Select-Object") == 1 and "-ExpandProperty 'BandwidthSetting'" in _export.EXPORT_COMMANDS
    for statement in WHOLE_HOST_STATEMENTS:
        for command in statement:
            assert command.name in _export.EXPORT_COMMANDS
    assert _export.EXPORT_CLIXML.endswith("| Export-Clixml -Path C:\\hv01-sriov.xml")
    assert "ConvertTo-Json -Depth 2" in _export.EXPORT_JSON


@pytest.mark.parametrize("text, words", [
    ("", "it is empty"),
    ("Name : sriov-ext", "neither CLIXML"),
    ("<Objs><Obj", "not well-formed XML"),
    ("<html></html>", "not the <Objs> of Export-Clixml"),
    ("[1, 2]", "item 0 of the JSON export is not an object"),
    ('[{"Name": "x"}]', "no Get-VMHost or Get-VMSwitch output"),
    ("{not json", "not valid JSON"),
])
def test_bad_text_names_running_config_and_the_commands(text, words):
    with pytest.raises(_export.ExportError) as caught:
        _export.ExportRunner(text)
    message = str(caught.value)
    assert message.startswith("running_config: ") and words in message
    assert "Export-Clixml" in message and "ConvertTo-Json -Depth 2" in message


def test_an_export_is_never_written_to():
    runner = _export.ExportRunner(export_clixml(HOSTS[0]))
    with pytest.raises(_export.ExportError, match="can only be read"):
        runner.run([[Command("Set-VMSwitch", {"Name": "x"})]])


def test_the_module_documents_the_exact_commands():
    import yaml

    from ansible_collections.sriov.hyperv.plugins.modules import host_config

    option = yaml.safe_load(host_config.DOCUMENTATION)["options"]["running_config"]
    text = " ".join(" ".join(option["description"]).split())
    assert " ".join(_export.EXPORT_COMMANDS.split()) in text
