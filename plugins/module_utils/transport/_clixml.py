# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CLIXML of one pipeline output object, straight to the runner contract's plain data.

Private to the collection. The format is [MS-PSRP] 2.2.5 (Serialization): every PIPELINE_OUTPUT
message holds one serialized object. pypsrp builds a generic object graph from it and, on its way,
serializes every element it visits back to text; for a host with a thousand VM adapters that is
seconds of controller time. This module walks the parsed XML once and produces exactly what
``_psrp_runner.to_object`` makes of pypsrp's objects (a test compares the two on every shipped
scenario, and on inputs derived from the exchanges pypsrp's own tests recorded with real hosts):

- primitive elements (MS-PSRP 2.2.5.1): ``S``, ``C``, ``B``, ``DT``, ``TS``, ``By``, ``SB``,
  ``U16``..``I64``, ``Sg``, ``Db``, ``D``, ``BA``, ``G``, ``URI``, ``Version``, ``XD``, ``SBK``,
  ``Nil``; strings decode the ``_xHHHH_`` escapes of UTF-16 code units (2.2.5.1.1);
- complex objects (2.2.5.2): ``TN``/``TNRef`` type names, ``ToString``, adapted (``Props``) and
  extended (``MS``) properties; ``Ref`` repeats an object already read in the same message;
- a nested object is a list when its type names make it one (arrays, ``ArrayList``, generic
  ``List``/``Collection``, ``Queue``, ``Stack``), a dict for ``Hashtable``-like types, and its
  ToString text otherwise (enums, and objects past the serialization depth), as pypsrp decides.

Anything outside that subset (a SecureString, an object whose type pypsrp maps to one of its own
message classes) raises ``Unsupported``; the caller then lets pypsrp decode that message.
"""

from __future__ import annotations

import base64
import gc
import re
import typing as t
import uuid
from xml.etree import ElementTree as ET

from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import PSObjectData

_DESERIALIZED = "Deserialized."
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_INTEGER_TAGS = frozenset(("By", "SB", "U16", "I16", "U32", "I32", "U64", "I64"))
_TEXT_TAGS = frozenset(("DT", "TS", "D", "Version"))
_STRING_TAGS = frozenset(("S", "URI", "XD", "SBK"))
_CLR_TYPES = {str: "System.String", bool: "System.Boolean", int: "System.Int32", float: "System.Double"}

# How pypsrp 0.9 reads an object of each type name (its Serializer's table of known structures):
# a generic object, a list (and from which child element), a dict, or one of its own classes,
# which this module leaves to pypsrp.
GENERIC, DICT, OWN = "generic", "dict", "own"
_LIST, _QUEUE, _STACK = ("list", "LST"), ("list", "QUE"), ("list", "STK")
_STRUCTURES: dict[str, t.Any] = {
    "System.Object": GENERIC,
    "System.Management.Automation.PSObject": GENERIC,
    "System.Array": _LIST,
    "System.Collections.ArrayList": _LIST,
    "System.Collections.Generic.List": _LIST,
    "System.Collections.Queue": _QUEUE,
    "System.Collections.Stack": _STACK,
    "System.Collections.Hashtable": DICT,
    "System.Management.Automation.PSBoundParametersDictionary": DICT,
    "System.Management.Automation.PSPrimitiveDictionary": DICT,
}
_STRUCTURES.update(dict.fromkeys((
    "Selected.Microsoft.PowerShell.Commands.GenericMeasureInfo", "System.ConsoleColor",
    "System.Globalization.CultureInfo", "System.Management.Automation.CommandOrigin",
    "System.Management.Automation.DebugRecord", "System.Management.Automation.ErrorRecord",
    "System.Management.Automation.Host.Coordinates", "System.Management.Automation.Host.KeyInfo",
    "System.Management.Automation.Host.Size", "System.Management.Automation.InformationalRecord",
    "System.Management.Automation.InformationRecord", "System.Management.Automation.ParameterMetadata",
    "System.Management.Automation.ProgressRecordType", "System.Management.Automation.PSCredential",
    "System.Management.Automation.PSTypeName", "System.Management.Automation.Remoting.RemoteHostMethodId",
    "System.Management.Automation.Runspaces.ApartmentState",
    "System.Management.Automation.Runspaces.PipelineResultTypes",
    "System.Management.Automation.Runspaces.PSThreadOptions",
    "System.Management.Automation.Runspaces.RemoteStreamOptions",
    "System.Management.Automation.SessionStateEntryVisibility", "System.Management.Automation.VerboseRecord",
    "System.Management.Automation.WarningRecord", "System.String", "System.Char", "System.Boolean",
    "System.DateTime", "System.Byte", "System.SByte", "System.UInt16", "System.Int16", "System.UInt32",
    "System.Int32", "System.UInt64", "System.Int64", "System.Single", "System.Double", "System.Decimal",
    "System.Guid", "System.Uri", "System.Version", "System.Xml.XmlDocument",
    "System.Management.Automation.ScriptBlock", "System.Security.SecureString",
), OWN))  # fmt: skip
# Generic collections name their element type inside the brackets: ``List`1[[System.String, ...]]``.
_GENERIC_LISTS = (
    "System.Collections.Generic.List`1[[",
    "System.Collections.ObjectModel.Collection`1[[",
    "System.Collections.ObjectModel.ReadOnlyCollection`1[[",
)


class Unsupported(ValueError):
    """The message uses CLIXML outside the subset this module reads."""


def decode_string(text: str | None) -> str:
    """An ``S`` element's text with its ``_xHHHH_`` escapes (UTF-16 code units) resolved."""
    if not text:
        return ""
    if "_x" not in text:
        return text
    decoded = _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)
    # Characters outside the BMP arrive as two escaped surrogates: join them.
    return decoded.encode("utf-16-be", "surrogatepass").decode("utf-16-be")


_READINGS: dict[tuple[str, ...], t.Any] = {}


def structure(types: t.Sequence[str]) -> t.Any:
    """How an object of these type names is read: GENERIC, DICT, OWN or ("list", tag, items).

    ``items`` is how the list's object elements are read (None: each by its own type names).
    """
    key = tuple(types)
    reading = _READINGS.get(key, _READINGS)
    if reading is _READINGS:
        reading = _READINGS[key] = _structure(key)
    return reading


def _structure(types: tuple[str, ...]) -> t.Any:
    for name in types:
        if name.startswith("Deserialized.System."):
            name = name[len(_DESERIALIZED):]
        element = None
        if name.endswith("[]"):
            element = name[:-2]
        elif name.startswith(_GENERIC_LISTS):
            element = name[name.index("[[") + 2:-1].split(",")[0]
        elif name.startswith("System.Collections.Generic.Dictionary`2[["):
            return DICT
        if element is not None:
            items = _STRUCTURES.get(element)
            if items is not None:
                return ("list", "LST", items)
            continue
        found = _STRUCTURES.get(name)
        if found is not None:
            return found + (None,) if isinstance(found, tuple) else found
    return None


def _guid(text: str | None) -> str:
    text = text or ""
    # The canonical form (MS-PSRP 2.2.5.1.18) needs no parsing; any other goes through UUID.
    return text.lower() if len(text) == 36 else str(uuid.UUID(text))


def _text(text: str | None) -> str | None:
    return text


# Primitive elements (MS-PSRP 2.2.5.1) by tag: how each reads its text.
_PRIMITIVES: dict[str, t.Callable[[t.Any], t.Any]] = {
    **dict.fromkeys(_STRING_TAGS, decode_string),
    **dict.fromkeys(_INTEGER_TAGS, int),
    **dict.fromkeys(_TEXT_TAGS, _text),
    "B": lambda text: (text or "").lower() == "true",
    "Nil": lambda text: None,
    "G": _guid,
    "Sg": float,
    "Db": float,
    "ToString": decode_string,
    "C": lambda text: chr(int(text)),
    "BA": lambda text: base64.b64decode(text or "").hex(),
}
_CIM_METADATA = frozenset(("__ClassMetadata", "__InstanceMetadata"))


class _Reader:
    """One message's reference tables (RefId scopes are per message)."""

    __slots__ = ("objects", "type_names")

    def __init__(self) -> None:
        self.objects: dict[str, t.Any] = {}
        self.type_names: dict[str, list[str]] = {}

    def value(self, element: ET.Element, items: t.Any = None) -> t.Any:
        """A property's plain value; ``items`` is the reading of objects a list prescribes."""
        read = _PRIMITIVES.get(element.tag)
        if read is not None:
            return read(element.text)
        tag = element.tag
        if tag == "Obj":
            return self.nested(element, items)
        if tag == "Ref":
            try:
                return self.objects[element.attrib["RefId"]]
            except KeyError:
                # Defined inside an object read as its ToString only: let pypsrp read it all.
                raise Unsupported("a reference into a nested object") from None
        raise Unsupported("element <%s>" % tag)

    def properties(self, bag: ET.Element, into: dict[str, t.Any], skip: frozenset = frozenset()) -> None:
        """The named values of a ``Props`` or ``MS`` element, but those named in ``skip``."""
        for item in bag:
            name = item.attrib["N"]
            if name in skip:
                continue
            # Primitives (most properties) read here, without a call of ``value`` each.
            read = _PRIMITIVES.get(item.tag)
            into[name] = read(item.text) if read is not None else self.value(item)

    def types_of(self, element: ET.Element) -> list[str]:
        for child in element:
            if child.tag == "TN":
                names = [item.text or "" for item in child]
                self.type_names[child.attrib["RefId"]] = names
                return names
            if child.tag == "TNRef":
                try:
                    return self.type_names[child.attrib["RefId"]]
                except KeyError:
                    # Defined inside an object read as its ToString only (a nested CIM instance
                    # a host serializes whole): let pypsrp read it all.
                    raise Unsupported("a type reference into a nested object") from None
        return []

    def nested(self, element: ET.Element, reading: t.Any = None) -> t.Any:
        """A property value that is an object: a list, a dict or its ToString text."""
        types = self.types_of(element)
        if reading is None:
            reading = structure(types or ["System.Object"])
        if isinstance(reading, tuple):
            value: t.Any = []
            for child in element:
                if child.tag == reading[1]:
                    value = [self.value(item, reading[2]) for item in child]
                    break
        elif reading == DICT:
            value = {}
            for child in element:
                if child.tag == "DCT":
                    for entry in child:
                        key = item = None
                        for part in entry:
                            if part.attrib.get("N") == "Key":
                                key = self.value(part)
                            elif part.attrib.get("N") == "Value":
                                item = self.value(part)
                        value[str(key)] = item
                    break
        elif reading == GENERIC:
            # An enum, or an object past the serialization depth: its ToString, as pypsrp's to_string.
            # A generic collection of a type pypsrp does not know (a real host's
            # List`1[[Microsoft.HyperV.PowerShell.VMNetworkAdapterAclSetting, ...]]) has no ToString,
            # only its <LST>: a list, as _psrp_runner.to_plain reads pypsrp's object of it.
            value = None
            items = None
            for child in element:
                if child.tag == "ToString":
                    value = decode_string(child.text)
                    items = None
                    break
                if child.tag == "LST" and items is None:
                    items = [self.value(item) for item in child]
            if items is not None:
                value = items
        else:
            raise Unsupported("objects of type %s" % (types[:1] or ["(none)"])[0])
        self.objects[element.attrib.get("RefId", "")] = value
        return value

    def output(self, element: ET.Element) -> PSObjectData:
        """A top-level pipeline output object."""
        if element.tag != "Obj":
            plain = self.value(element)
            return PSObjectData(
                type_names=[_CLR_TYPES.get(type(plain), "System.Object")],
                properties={},
                to_string=None if plain is None else str(plain),
            )
        names = self.types_of(element)
        if structure(names or ["System.Object"]) != GENERIC:
            raise Unsupported("a collection or a pypsrp class written to the pipeline")
        adapted: dict[str, t.Any] = {}
        extended: dict[str, t.Any] = {}
        to_string = None
        for child in element:  # in document order: a Ref may point back to any earlier object
            tag = child.tag
            if tag == "Props":
                self.properties(child, adapted)
            elif tag == "MS":
                # CIM serialization metadata are notes, not properties (PowerShell drops them too).
                self.properties(child, extended, _CIM_METADATA)
            elif tag == "ToString":
                to_string = decode_string(child.text)
            # An enum's value and any other child are not part of the contract's plain data; a
            # later Ref into them is Unsupported.
        type_names = [name[len(_DESERIALIZED):] if name.startswith(_DESERIALIZED) else name for name in names]
        if "System.Enum" in names or "Deserialized.System.Enum" in names:
            return PSObjectData(type_names=type_names, properties={}, to_string=to_string)
        if not adapted:  # a selected object (Select-Object) has note properties only
            return PSObjectData(type_names=type_names, properties=extended, to_string=to_string)
        for name, item in extended.items():
            adapted.setdefault(name, item)
        return PSObjectData(type_names=type_names, properties=adapted, to_string=to_string)


def list_items(text: str) -> list[t.Any] | None:
    """The plain items of an ``<LST>`` element given as XML text (what pypsrp keeps of a generic
    collection whose element type it does not know); None when the text is anything else."""
    try:
        element = ET.fromstring(text)
        if element.tag != "LST":
            return None
        reader = _Reader()
        return [reader.value(item) for item in element]
    except (ET.ParseError, Unsupported, KeyError, ValueError):
        return None


def parse_output(text: str | bytes) -> PSObjectData:
    """One PIPELINE_OUTPUT message's CLIXML as plain data. Raises Unsupported or ET.ParseError."""
    return _Reader().output(ET.fromstring(text))


# The start tag a message's CLIXML opens with: its one top-level element.
_FIRST_ELEMENT = re.compile(rb"<([A-Za-z_][^\s/>]*)")


def _parse_together(bodies: t.Sequence[bytes]) -> list[ET.Element] | None:
    """Each message's top-level element, all parsed by one XML parser (one parser per message
    costs as much again as the parse itself); None when the messages cannot be told apart that way.

    The messages are fed as the children of one wrapper element. That gives each message's own
    element exactly when every message opens with a start tag and one top-level element comes
    back per message, named as that start tag: otherwise (a message that is not one well-formed
    element, which expat would not see alone) the caller parses each message by itself.
    """
    parser = ET.XMLParser()
    names = []
    try:
        parser.feed(b"<_>")
        for body in bodies:
            first = _FIRST_ELEMENT.match(body)
            if first is None:
                return None
            names.append(first.group(1).decode("utf-8"))
            parser.feed(body)
        parser.feed(b"</_>")
        root = parser.close()
    except (ET.ParseError, UnicodeDecodeError):
        return None
    if len(root) != len(bodies) or any(element.tag != name for element, name in zip(root, names)):
        return None
    return list(root)


def _parse_alone(body: bytes) -> ET.Element | None:
    try:
        return ET.fromstring(body)
    except ET.ParseError:
        return None


def parse_outputs(bodies: t.Sequence[bytes]) -> list[PSObjectData | None]:
    """PIPELINE_OUTPUT messages' CLIXML (UTF-8 bytes without a byte order mark, one object a
    message) as plain data, in their order; None for a message outside the subset or not
    well-formed XML, which the caller leaves to pypsrp (it reads, or rejects, it as before)."""
    # Thousands of elements and values come to life here and none is garbage until all are read:
    # the cyclic collector's passes over them (a tenth of the time) would find nothing to free.
    collecting = gc.isenabled()
    gc.disable()
    try:
        elements = _parse_together(bodies) if len(bodies) > 1 else None
        if elements is None:
            elements = [_parse_alone(body) for body in bodies]
        read: list[PSObjectData | None] = []
        for element in elements:
            try:
                read.append(None if element is None else _Reader().output(element))
            except Unsupported:
                read.append(None)
        return read
    finally:
        if collecting:
            gc.enable()
