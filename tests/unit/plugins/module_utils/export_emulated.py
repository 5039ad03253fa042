# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exports of an emulated host, shaped as a real host writes them.

``export_clixml`` serialises the objects the emulator's cmdlets return for the whole-host read
with psrpcore's CLIXML serializer (PowerShell's format, the ``<Objs>`` root Export-Clixml
writes), at Export-Clixml's default depth of 2: typed integers, enums as objects with their
name and number, arrays with their .NET type, nested objects with their own properties one level
down and as text below that.

``export_json`` writes what ``ConvertTo-Json -Depth 2`` does with the same objects: no type
names, enums as numbers, Guids as text, nested objects as dictionaries down to depth 2 and as
their text below, and CIM objects with their ``CimClass`` (whose ``CimClassName`` ConvertTo-Json
shows at that depth). The shapes were checked against public ConvertTo-Json and Export-Clixml
output of these cmdlets (see test_export.py).
"""

from __future__ import annotations

import json
import typing as t
import uuid

from ansible_collections.sriov.hyperv.tests.unit.plugins.module_utils.host_emulated import emulator
from ansible_collections.sriov.hyperv.plugins.module_utils.host._host import READ_STATEMENTS

from hyperv_sriov_emulator import engine, psobj  # noqa: E402
from hyperv_sriov_emulator.inprocess import to_specs  # noqa: E402
from psrpcore import types as ps  # noqa: E402

assert emulator

DEPTH = 2  # Export-Clixml's and our ConvertTo-Json's depth


def read_objects(host) -> list:
    """What the whole-host read returns on the emulated host, as the emulator's typed objects."""
    return list(engine.invoke(host, to_specs(READ_STATEMENTS)).output)


class _Cipher(ps.PSCryptoProvider):
    """No secure strings in these objects; psrpcore asks for a provider all the same."""

    def decrypt(self, value):
        return value

    def encrypt(self, value):
        return value

    def register_key(self, key):
        return None


_ENUM_CLASSES: dict[str, type] = {}
_LIST_CLASSES: dict[str, type] = {}
_INTS = {
    psobj.Byte: ps.PSByte, psobj.UInt16: ps.PSUInt16, psobj.Int32: ps.PSInt, psobj.UInt32: ps.PSUInt,
    psobj.Int64: ps.PSInt64, psobj.UInt64: ps.PSUInt64,
}


def _enum_class(value: psobj.Enum) -> type:
    cls = _ENUM_CLASSES.get(value.type_name)
    if cls is None:
        members = dict(psobj_enum_members(value.type_name))
        cls = ps.PSType([value.type_name])(ps.PSEnumBase(value.type_name.rsplit(".", 1)[-1], members))
        _ENUM_CLASSES[value.type_name] = cls
    return cls


def psobj_enum_members(type_name: str) -> dict[str, int]:
    from hyperv_sriov_emulator.model.enums import ENUMS

    return ENUMS[type_name]


def _list_class(type_name: str) -> type:
    cls = _LIST_CLASSES.get(type_name)
    if cls is None:
        cls = ps.PSType([type_name, "System.Array", "System.Object"], skip_inheritance=True)(
            type("Array_" + str(len(_LIST_CLASSES)), (ps.PSList,), {}))
        _LIST_CLASSES[type_name] = cls
    return cls


def _to_ps(value: t.Any, depth: int) -> t.Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, psobj.Enum):
        return _enum_class(value)(value.value)
    if isinstance(value, int):
        return _INTS.get(type(value), ps.PSInt64 if abs(value) >= 2**31 else ps.PSInt)(value)
    if isinstance(value, psobj.Guid):
        return ps.PSGuid(str(value))
    if isinstance(value, str):
        return ps.PSString(value)
    if isinstance(value, float):
        return ps.PSDouble(value)
    if isinstance(value, psobj.TypedList):
        return _list_class(value.type_name)([_to_ps(item, depth) for item in value.items])
    if isinstance(value, (list, tuple)):
        return _list_class("System.Object[]")([_to_ps(item, depth) for item in value])
    if isinstance(value, psobj.PSObj):
        if depth >= DEPTH:
            return ps.PSString(value.to_string)
        return _object(value, depth + 1)
    return ps.PSString(str(value))


def _object(obj: psobj.PSObj, depth: int) -> ps.PSObject:
    result = ps.PSObject()
    result.PSObject.type_names = list(obj.type_names)
    result.PSObject.to_string = obj.to_string
    for name, value in obj.properties:
        result.PSObject.adapted_properties.append(ps.PSNoteProperty(name, _to_ps(value, depth)))
    for name, value in obj.members:  # a CIM module's members travel as extended properties
        result.PSObject.extended_properties.append(ps.PSNoteProperty(name, _to_ps(value, depth)))
    return result


def export_clixml(host) -> str:
    return ps.serialize_clixml([_object(obj, 0) for obj in read_objects(host)], _Cipher())


def _json_value(value: t.Any, depth: int) -> t.Any:
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, psobj.Enum):
        return value.value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, (psobj.Guid, uuid.UUID)):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, psobj.TypedList):
        return [_json_value(item, depth) for item in value.items]
    if isinstance(value, (list, tuple)):
        return [_json_value(item, depth) for item in value]
    if isinstance(value, psobj.PSObj):
        if depth >= DEPTH:
            return value.to_string
        return _json_object(value, depth + 1)
    return str(value)


def _json_object(obj: psobj.PSObj, depth: int, cim_class: bool = True) -> dict[str, t.Any]:
    # ConvertTo-Json writes adapted and extended properties alike (a CIM module's members too).
    item = {name: _json_value(value, depth) for name, value in obj.properties + obj.members}
    cim = [name for name in obj.type_names if "#" in name]
    if cim and cim_class:
        class_name = cim[0].rsplit("/", 1)[-1]
        item["CimClass"] = {"CimSuperClassName": None, "CimSuperClass": None,
                            "CimClassName": class_name, "CimClassQualifiers": "", "CimClassMethods": "",
                            "CimClassProperties": "", "CimSystemProperties": "Microsoft.Management.Infrastructure.CimSystemProperties"}
    return item


def export_json(host, cim_class: bool = True) -> str:
    return json.dumps([_json_object(obj, 0, cim_class) for obj in read_objects(host)], indent=4)
