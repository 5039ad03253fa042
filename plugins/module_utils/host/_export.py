# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host's state exported to a file on the host, read back without a connection.

Private to the collection. ``ExportRunner`` is a ``_runner.Runner`` whose only answer is the
whole-host read (``_host.READ_STATEMENTS``, or unprojected ``WHOLE_HOST_STATEMENTS``), taken from the text of an export instead of a live
host, so ``state: parsed`` and host_info's audit of an export go through exactly the parsing a
live read does. It never writes.

Two export formats are read (the commands are in ``EXPORT_CLIXML`` and ``EXPORT_JSON``, and in
host_config's documentation):

* ``Export-Clixml``: PowerShell's serialization, with type names. Parsed with pypsrp's CLIXML
  deserializer (the one the live transport uses), then turned into plain data the same way.
* ``ConvertTo-Json -Depth 2``: no type names, and enums as their numbers (Windows PowerShell
  5.1 and PowerShell 7 both write numbers unless ``-EnumsAsStrings``). Each object's kind is
  told from the properties only that cmdlet's objects have (for CIM objects, ``CimClass``), and
  the enum numbers of the properties the parser reads are turned back into names.
"""

from __future__ import annotations

import json
import typing as t
import xml.etree.ElementTree as ET

from ansible_collections.sriov.hyperv.plugins.module_utils.transport._errors import HyperVError
from ansible_collections.sriov.hyperv.plugins.module_utils.host._host import READ_STATEMENTS, WHOLE_HOST_STATEMENTS
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import PSObjectData, RunResult, render_statement

# The live read's own statements, so an export holds what a connection would read; every property
# of the objects (the live read's Select-Object projection would only shorten the commands). On
# a host without SR-IOV adapters Get-NetAdapterSriov prints "No MSFT_NetAdapterSriovSettingData
# objects found", and Windows Server 2012 R2 has no Get-VMSwitchTeam: both only print an error,
# the export is still complete.
EXPORT_COMMANDS = "; ".join(render_statement(statement) for statement in WHOLE_HOST_STATEMENTS)
EXPORT_CLIXML = "& { %s } | Export-Clixml -Path C:\\hv01-sriov.xml" % EXPORT_COMMANDS
EXPORT_JSON = "& { %s } | ConvertTo-Json -Depth 2 | Set-Content -Path C:\\hv01-sriov.json -Encoding UTF8" % EXPORT_COMMANDS

HV = "Microsoft.HyperV.PowerShell."
CIM = "Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/"
_CLIXML_NAMESPACE = "{http://schemas.microsoft.com/powershell/2004/04}"

# Enum numbers -> names, for the properties the parser reads. Values of the Hyper-V module's
# enums (Microsoft.HyperV.PowerShell.VMState, VMSwitchType, VMSwitchBandwidthMode,
# IovInterruptModerationValue, OnOffState, VMNetworkAdapterOperationalStatus, VMSwitchTeamingMode,
# VMSwitchLoadBalancingAlgorithm, VrssQueueSchedulingModeType, VrssVmbusChannelAffinityPolicyType),
# reference hyperv-sriov.md section 3; the emulator uses the same.
_ENUM_NAMES: dict[str, dict[int, str]] = {
    "State": {1: "Other", 2: "Running", 3: "Off", 4: "Stopping", 6: "Saved", 9: "Paused", 10: "Starting",
              11: "Reset", 32773: "Saving", 32776: "Pausing", 32777: "Resuming", 32779: "FastSaved",
              32780: "FastSaving"},
    "SwitchType": {0: "Private", 1: "Internal", 2: "External"},
    "BandwidthReservationMode": {0: "Default", 1: "Weight", 2: "Absolute", 3: "None"},
    "IovInterruptModeration": {0: "Default", 1: "Adaptive", 2: "Off", 100: "Low", 200: "Medium", 300: "High"},
    "AllowTeaming": {0: "On", 1: "Off"},
    "Status": {0: "Unknown", 1: "Other", 2: "Ok", 3: "Degraded", 6: "Error", 10: "Stopped", 12: "NoContact",
               13: "LostCommunication"},
    "TeamingMode": {1: "SwitchIndependent"},
    "LoadBalancingAlgorithm": {4: "HyperVPort", 5: "Dynamic"},
    "VrssQueueSchedulingModeRequested": {0: "Dynamic", 1: "StaticVmq", 2: "StaticVrss"},
    "VrssVmbusChannelAffinityPolicyRequested": {1: "None", 2: "Weak", 3: "Strong", 4: "Strict"},
}

# JSON objects have no type names: each kind is known by properties only its objects carry,
# checked in this order (a VMSwitchTeam also has NetAdapterInterfaceDescription, a VM adapter
# also has MacAddress and Status ...). Property names from the cmdlets' output types (reference
# sections 1.3 to 1.8).
_KINDS: list[tuple[tuple[str, ...], list[str]]] = [
    (("RegistryKeyword", "RegistryValue"), [CIM + "MSFT_NetAdapterAdvancedPropertySettingData"]),
    (("SriovSupport", "NumVFs"), [CIM + "MSFT_NetAdapterSriovSettingData"]),
    (("InterfaceGuid", "ifIndex"), [CIM + "MSFT_NetAdapter"]),
    (("TeamingMode", "LoadBalancingAlgorithm"), [HV + "VMSwitchTeam"]),
    (("MinimumBandwidthWeight", "MinimumBandwidthAbsolute", "ParentAdapter"), [HV + "VMNetworkAdapterBandwidthSetting"]),
    (("SwitchType", "IovEnabled"), [HV + "VMSwitch"]),
    (("IsManagementOs", "MacAddress", "SwitchName"), [HV + "VMNetworkAdapter", HV + "VMNetworkAdapterBase"]),
    (("IovSupport", "LogicalProcessorCount"), [HV + "VMHost"]),
    (("VMId", "State", "Generation"), [HV + "VirtualMachine"]),
]
_CIM_CLASSES = {
    "msft_netadapter": [CIM + "MSFT_NetAdapter"],
    "msft_netadaptersriovsettingdata": [CIM + "MSFT_NetAdapterSriovSettingData"],
    "msft_netadapteradvancedpropertysettingdata": [CIM + "MSFT_NetAdapterAdvancedPropertySettingData"],
}


class ExportError(HyperVError):
    """The text given as ``running_config`` is not an export this collection reads."""


def _fix(what: str) -> str:
    return (
        "running_config: %s. Give the text of an export made on the host with one of:\n  %s\n  %s"
        % (what, EXPORT_CLIXML, EXPORT_JSON)
    )


# --- CLIXML --------------------------------------------------------------------------------------


def _strip_namespace(element: ET.Element) -> None:
    for node in element.iter():
        if isinstance(node.tag, str) and node.tag.startswith(_CLIXML_NAMESPACE):
            node.tag = node.tag[len(_CLIXML_NAMESPACE):]


def objects_from_clixml(text: str) -> list[PSObjectData]:
    # Imported here: parsing an export needs pypsrp like a live read does, and _module reports
    # a missing pypsrp before anything gets here.
    from pypsrp.serializer import Serializer
    from ansible_collections.sriov.hyperv.plugins.module_utils.transport._psrp_runner import to_object

    try:
        root = ET.fromstring(text.lstrip("\ufeff").strip())
    except ET.ParseError as exc:
        raise ExportError(_fix("the text is not well-formed XML (%s)" % exc)) from None
    _strip_namespace(root)
    if root.tag != "Objs":
        raise ExportError(_fix("the XML root is <%s>, not the <Objs> of Export-Clixml" % root.tag))
    serializer = Serializer()
    objects = []
    for index, element in enumerate(root):
        if element.tag in ("Obj", "Ref"):
            # clear=False: type-name and object references (TNRef, Ref) point across the file.
            objects.append(to_object(serializer.deserialize(element, clear=False)))
        else:
            raise ExportError(_fix("item %d of the export is <%s>, not an object" % (index, element.tag)))
    return objects


# --- JSON -------------------------------------------------------------------------------------


def _enum_name(name: str, value: t.Any) -> t.Any:
    names = _ENUM_NAMES.get(name)
    if names is None:
        return value
    if isinstance(value, list):
        return [names.get(item, item) if isinstance(item, int) and not isinstance(item, bool) else item for item in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return names.get(value, str(value))
    return value


def _plain(value: t.Any) -> t.Any:
    # Nested objects: at -Depth 2 the serializer has already cut them to text or to a dictionary;
    # the parser reads nested values only as text.
    if isinstance(value, dict):
        return None if not value else json.dumps(value, sort_keys=True)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _type_names_of(item: dict[str, t.Any]) -> list[str] | None:
    cim = item.get("CimClass")
    cim_name = cim.get("CimClassName") if isinstance(cim, dict) else (str(cim).rsplit(":", 1)[-1] if cim else None)
    if cim_name and cim_name.lower() in _CIM_CLASSES:
        return list(_CIM_CLASSES[cim_name.lower()])
    for keys, names in _KINDS:
        if all(key in item for key in keys):
            return list(names)
    return None


def objects_from_json(text: str) -> list[PSObjectData]:
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except ValueError as exc:
        raise ExportError(_fix("the text is not valid JSON (%s)" % exc)) from None
    items = data if isinstance(data, list) else [data]
    objects = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ExportError(_fix("item %d of the JSON export is not an object" % index))
        type_names = _type_names_of(item)
        if type_names is None:
            # Something else in the stream (a string, an unrelated object): the live read never
            # sees it either; say nothing of it.
            continue
        properties = {name: _plain(_enum_name(name, value)) for name, value in item.items()}
        objects.append(PSObjectData(type_names=type_names, properties=properties, to_string=None))
    return objects


def objects_from_export(text: t.Any) -> list[PSObjectData]:
    """The objects of an export, told apart by its first character: ``<`` CLIXML, ``[``/``{`` JSON.

    Raises ``ExportError`` naming ``running_config`` and the export commands when the text is
    neither, or when no Hyper-V host object is in it.
    """
    if not isinstance(text, str) or not text.strip():
        raise ExportError(_fix("it is empty"))
    body = text.lstrip("\ufeff").lstrip()
    if body.startswith("<"):
        objects = objects_from_clixml(body)
    elif body.startswith(("[", "{")):
        objects = objects_from_json(body)
    else:
        raise ExportError(_fix("the text is neither CLIXML (starting with '<') nor JSON (starting with '[' or '{')"))
    if not any(obj.is_a(HV + "VMHost") or obj.is_a(HV + "VMSwitch") for obj in objects):
        raise ExportError(_fix("it holds no Get-VMHost or Get-VMSwitch output"))
    return objects


class ExportRunner:
    """A Runner over an export: answers the whole-host read, refuses everything else."""

    def __init__(self, text: t.Any) -> None:
        self.objects = objects_from_export(text)

    def run(self, statements: t.Sequence[t.Any]) -> RunResult:
        asked = [list(statement) for statement in statements]
        if all(asked != [list(statement) for statement in read] for read in (READ_STATEMENTS, WHOLE_HOST_STATEMENTS)):
            raise ExportError("An export can only be read; nothing is ever written to it.")
        return RunResult(output=list(self.objects), errors=[], terminating_error=None)

    def close(self) -> None:
        """Nothing to close: no connection was opened."""
