"""CLIXML for what the emulator sends: output objects, error records and pipeline states.

Written by hand rather than through psrpcore's generic serializer: the shapes are few and fixed
(psobj values only), and string building is an order of magnitude faster on a 1,000-adapter read.
The shapes follow what Windows PowerShell writes at remoting depth 1:
- integers keep their .NET type (``<U32>``, ``<I64>`` ...), Guid is ``<G>``;
- an enum is an ``<Obj>`` whose type chain ends in System.Enum, with its name as ``<ToString>``
  and its value as ``<I32>``;
- an array is an ``<Obj>`` with its array type name and an ``<LST>``; a generic ``List<T>`` the same
  with its generic type name and System.Object as its only base;
- a nested complex object is its ToString text (depth 1), except a CIM instance, which PowerShell
  always serializes at depth 1 wherever it sits (``GetDepthOfSerialization`` in PowerShell's
  ``src/System.Management.Automation/engine/serialization.cs``): ``VirtualFunction``, ``VMQueue``
  and the SR-IOV capabilities arrive as objects;
- an object's own properties are adapted properties (``<Props>``); extended members (a module's
  alias and script properties, note properties) are ``<MS>``;
- a CIM instance carries ``__ClassMetadata`` (the class chain: ClassName, Namespace, ServerName,
  Hash, and the class declaration as MiXml the first time a pipeline sends the class), written by
  ``PrepareCimInstanceForSerialization`` in the same file;
- every PSRP message a host sends starts with a UTF-8 byte order mark (pypsrp's recorded exchanges
  with real hosts, ``tests/tests_pypsrp/responses/*.yml`` in jborean93/pypsrp).
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
import typing as t
import uuid
import zlib
from xml.sax.saxutils import escape as _xml_escape

from psrpcore.types import ErrorCategory

from .. import psobj

_ESCAPE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)|\r|\n")

_INT_TAGS: dict[type, str] = {
    psobj.Byte: "By",
    psobj.UInt16: "U16",
    psobj.Int32: "I32",
    psobj.UInt32: "U32",
    psobj.Int64: "I64",
    psobj.UInt64: "U64",
}

BOM = b"\xef\xbb\xbf"
CIM_INSTANCE = "Microsoft.Management.Infrastructure.CimInstance"
ENUM_BASES = ("System.Enum", "System.ValueType", "System.Object")
ARRAY_BASES = ("System.Array", "System.Object")

# CommandTypes: Function 2, Cmdlet 8. Hyper-V's cmdlets are compiled; the NetAdapter ones are CDXML functions.
COMMAND_TYPE_VALUES = {"Function": 2, "Cmdlet": 8}
# PowerShell's own SessionStateEntryVisibility value, used in error records.
_VISIBILITY_PUBLIC = 0
_MSCORLIB = "mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"


# Whether a text needs any escaping at all: most of a read's strings (names, ids, type names) do not.
# Built from _ESCAPE_RE, so the two cannot drift apart; ``&<>`` are the entities ``escape`` writes.
_NEEDS_ESCAPE = re.compile(_ESCAPE_RE.pattern + "|[&<>]")
# Texts that recur in every object of a read (property names, type names, enum names) are written
# once per process, not once per object; the caches are bounded, as a host's names are not.
_CACHE_LIMIT = 4096


def _bounded(cache: dict, key: t.Any, value: t.Any) -> t.Any:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def escape_text(text: str) -> str:
    """Escape a string the way CLIXML does: XML entities plus ``_xHHHH_`` for characters XML 1.0
    cannot carry (and for a literal ``_`` that would read as such an escape)."""
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    text = _ESCAPE_RE.sub(lambda match: "_x%04X_" % ord(match.group(0)), text)
    return _xml_escape(text)


_ATTRS: dict[str, str] = {}


def _attr(name: str | None) -> str:
    if name is None:
        return ""
    done = _ATTRS.get(name)
    if done is None:
        done = _bounded(_ATTRS, name, ' N="%s"' % _xml_escape(name, {'"': "&quot;"}))
    return done


class CimClassCache:
    """The CIM classes a pipeline has already sent with their declaration (MiXml): PowerShell keeps
    this per serialization context, one per command's transport, so each class's declaration
    travels once per pipeline. ``server`` is the ServerName of the classes (the host)."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.sent: set[str] = set()


_CIM_CHAINS: dict[tuple[str, ...], list[tuple[str, str]]] = {}


def _cim_classes(obj: psobj.PSObj) -> list[tuple[str, str]]:
    """(namespace, class) of a CIM instance's class chain, most derived first; [] for other objects."""
    names = obj.type_names if type(obj.type_names) is tuple else tuple(obj.type_names)
    chain = _CIM_CHAINS.get(names)
    if chain is None:
        prefix = CIM_INSTANCE + "#"
        chain = []
        for name in names:
            if name.startswith(prefix) and "/" in name:
                namespace, _, cim_class = name[len(prefix):].rpartition("/")
                chain.append((namespace, cim_class))
        _bounded(_CIM_CHAINS, names, chain)
    return chain


_CIM_TYPES = {"By": "uint8", "U16": "uint16", "I32": "sint32", "U32": "uint32", "I64": "sint64", "U64": "uint64"}


def _mi_type(value: t.Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return _CIM_TYPES.get(_INT_TAGS.get(type(value), "I32"), "sint32")
    if isinstance(value, psobj.PSObj):
        return "instance"
    return "string"


def _mi_xml(cim_class: str, superclass: str | None, obj: psobj.PSObj | None) -> str:
    """A declaration of ``cim_class``: its name, superclass and (on the most derived class, whose
    instance is at hand) the properties with their CIM types. A real host sends MI's full class
    XML, qualifiers included; the emulator does not model qualifiers (docs/emulator.md)."""
    parts = ['<CLASS NAME="%s"%s>' % (cim_class, ' SUPERCLASS="%s"' % superclass if superclass else "")]
    if obj is not None:
        for name, value in obj.properties:
            if name == "PSComputerName":
                continue
            items = value.items if isinstance(value, psobj.TypedList) else None
            if items is not None:
                parts.append('<PROPERTY.ARRAY NAME="%s" TYPE="%s"/>' % (name, _mi_type(items[0]) if items else "string"))
            else:
                parts.append('<PROPERTY NAME="%s" TYPE="%s"/>' % (name, _mi_type(value)))
    parts.append("</CLASS>")
    return "".join(parts)


def _class_hash(namespace: str, cim_class: str) -> int:
    # CimClass.GetHashCode(): any stable Int32 serves, the client only matches it with its cache.
    value = zlib.crc32(("%s:%s" % (namespace, cim_class)).lower().encode("utf-8"))
    return value - (1 << 32) if value >= (1 << 31) else value


_TYPE_NAMES: dict[tuple[str, ...], str] = {}
_ENUM_TAILS: dict[psobj.Enum, str] = {}


@functools.lru_cache(maxsize=1024)
def _enum_type_names(type_name: str) -> tuple[str, ...]:
    return (type_name,) + ENUM_BASES


@functools.lru_cache(maxsize=1024)
def _list_type_names(type_name: str) -> tuple[str, ...]:
    # An array derives from System.Array; a generic List<T> straight from System.Object.
    return (type_name,) + (ARRAY_BASES if type_name.endswith("[]") else ("System.Object",))


class _Writer:
    """Serialises one PSRP message: RefIds and type-name references are per message."""

    def __init__(self, cim: CimClassCache | None = None) -> None:
        self.parts: list[str] = []
        self._ref = 0
        self._tn: dict[tuple[str, ...], int] = {}
        self.cim = cim

    def _next_ref(self) -> int:
        ref = self._ref
        self._ref += 1
        return ref

    def type_names(self, names: t.Sequence[str]) -> None:
        key = names if type(names) is tuple else tuple(names)
        known = self._tn.get(key)
        if known is not None:
            self.parts.append('<TNRef RefId="%d" />' % known)
            return
        ref = len(self._tn)
        self._tn[key] = ref
        body = _TYPE_NAMES.get(key)
        if body is None:
            body = _bounded(_TYPE_NAMES, key, "".join("<T>%s</T>" % escape_text(name) for name in key))
        self.parts.append('<TN RefId="%d">%s</TN>' % (ref, body))

    def value(self, value: t.Any, name: str | None = None) -> None:
        parts = self.parts
        n = _attr(name)
        # The values every object is made of first, by their exact type (no subclass is among them).
        kind = type(value)
        if kind is str:
            parts.append("<S%s>%s</S>" % (n, escape_text(value)))
            return
        tag = _INT_TAGS.get(kind)
        if tag is not None:
            parts.append("<%s%s>%d</%s>" % (tag, n, value, tag))
            return
        if kind is bool:
            parts.append("<B%s>%s</B>" % (n, "true" if value else "false"))
            return
        if kind is psobj.Enum:
            parts.append('<Obj%s RefId="%d">' % (n, self._next_ref()))
            self.type_names(_enum_type_names(value.type_name))
            tail = _ENUM_TAILS.get(value)
            if tail is None:
                tail = _bounded(_ENUM_TAILS, value, "<ToString>%s</ToString><I32>%d</I32></Obj>"
                                % (escape_text(value.name), value.value))
            parts.append(tail)
            return
        # bool cannot be subclassed and psobj.Enum has no subclass: both were written above.
        if value is None:
            parts.append("<Nil%s />" % n)
        elif isinstance(value, int):
            # A plain int (every typed one was written above): Int32 when it fits, as PowerShell.
            tag = "I32" if -(2**31) <= value < 2**31 else "I64"
            parts.append("<%s%s>%d</%s>" % (tag, n, value, tag))
        elif isinstance(value, psobj.Guid):
            parts.append("<G%s>%s</G>" % (n, value))
        elif isinstance(value, uuid.UUID):
            parts.append("<G%s>%s</G>" % (n, value))
        elif isinstance(value, str):
            parts.append("<S%s>%s</S>" % (n, escape_text(value)))
        elif isinstance(value, float):
            parts.append("<Db%s>%r</Db>" % (n, value))
        elif isinstance(value, datetime.datetime):
            parts.append("<DT%s>%s</DT>" % (n, value.isoformat()))
        elif isinstance(value, psobj.TypedList):
            self._list(value.type_name, value.items, n)
        elif isinstance(value, (list, tuple)):
            self._list("System.Object[]", value, n)
        elif isinstance(value, dict):
            parts.append('<Obj%s RefId="%d">' % (n, self._next_ref()))
            self.type_names(("System.Collections.Hashtable", "System.Object"))
            parts.append("<DCT>")
            for key, item in value.items():
                parts.append("<En>")
                self.value(key, "Key")
                self.value(item, "Value")
                parts.append("</En>")
            parts.append("</DCT></Obj>")
        elif isinstance(value, psobj.PSObj):
            if _cim_classes(value):
                # A CIM instance is serialized at depth 1 wherever it sits.
                self.top_object(value, name)
            else:
                # Remoting serialises at depth 1: a complex object inside another travels as its text.
                parts.append("<S%s>%s</S>" % (n, escape_text(value.to_string)))
        else:
            parts.append("<S%s>%s</S>" % (n, escape_text(str(value))))

    def _list(self, type_name: str, items: t.Iterable[t.Any], n: str) -> None:
        self.parts.append('<Obj%s RefId="%d">' % (n, self._next_ref()))
        self.type_names(_list_type_names(type_name))
        self.parts.append("<LST>")
        for item in items:
            self.value(item)
        self.parts.append("</LST></Obj>")

    def top_object(self, obj: psobj.PSObj, name: str | None = None) -> None:
        parts = self.parts
        parts.append('<Obj%s RefId="%d">' % (_attr(name), self._next_ref()))
        self.type_names(obj.type_names)
        parts.append("<ToString>%s</ToString>" % escape_text(obj.to_string))
        classes = _cim_classes(obj)
        # Adapted properties in <Props>; extended ones (a PSCustomObject's notes, a CIM module's
        # members, a CIM instance's __ClassMetadata) in <MS>.
        if obj.properties or not (obj.members or classes):
            parts.append("<Props>")
            for prop_name, prop_value in obj.properties:
                self.value(prop_value, prop_name)
            parts.append("</Props>")
        if obj.members or classes:
            parts.append("<MS>")
            if classes:
                self._class_metadata(obj, classes)
            for prop_name, prop_value in obj.members:
                self.value(prop_value, prop_name)
            parts.append("</MS>")
        parts.append("</Obj>")

    def _class_metadata(self, obj: psobj.PSObj, classes: list[tuple[str, str]]) -> None:
        """``__ClassMetadata``: the class chain as PrepareCimInstanceForSerialization writes it,
        from the derived class up to the first class this pipeline already sent, then reversed."""
        cache = self.cim if self.cim is not None else CimClassCache("localhost")
        entries = []
        for index, (namespace, cim_class) in enumerate(classes):
            key = ("%s/%s" % (namespace, cim_class)).lower()
            known = key in cache.sent
            mi_xml = None
            if not known:
                superclass = classes[index + 1][1] if index + 1 < len(classes) else None
                mi_xml = _mi_xml(cim_class, superclass, obj if index == 0 else None)
            entries.append((namespace, cim_class, mi_xml))
            if known:
                break
        for namespace, cim_class, mi_xml in entries:
            if mi_xml is not None:
                cache.sent.add(("%s/%s" % (namespace, cim_class)).lower())
        parts = self.parts
        parts.append('<Obj N="__ClassMetadata" RefId="%d">' % self._next_ref())
        self.type_names(("System.Collections.ArrayList", "System.Object"))
        parts.append("<LST>")
        for namespace, cim_class, mi_xml in reversed(entries):
            parts.append('<Obj RefId="%d"><MS>' % self._next_ref())
            self.value(cim_class, "ClassName")
            self.value(namespace, "Namespace")
            self.value(cache.server, "ServerName")
            self.value(psobj.Int32(_class_hash(namespace, cim_class)), "Hash")
            if mi_xml is not None:
                self.value(mi_xml, "MiXml")
            parts.append("</MS></Obj>")
        parts.append("</LST></Obj>")

    def text(self) -> bytes:
        return "".join(self.parts).encode("utf-8")


def output_object(value: t.Any, cim: CimClassCache | None = None) -> bytes:
    """One PIPELINE_OUTPUT payload (without the message's BOM: ``message`` adds it)."""
    writer = _Writer(cim)
    if isinstance(value, psobj.PSObj):
        writer.top_object(value)
    else:
        writer.value(value)
    return writer.text()


def category_value(name: str) -> int:
    try:
        return int(ErrorCategory[name])
    except KeyError:
        return int(ErrorCategory.NotSpecified)


def category_name(name: str) -> str:
    try:
        return ErrorCategory[name].name
    except KeyError:
        return ErrorCategory.NotSpecified.name


def _target_type(target: t.Any) -> str:
    if target is None:
        return ""
    if isinstance(target, psobj.PSObj):
        return target.type_names[0].rsplit(".", 1)[-1] if target.type_names else "PSObject"
    if isinstance(target, str):
        return "String"
    if isinstance(target, bool):
        return "Boolean"
    if isinstance(target, int):
        return getattr(type(target), "clr_type", "System.Int32").rsplit(".", 1)[-1]
    return type(target).__name__


def _target_name(target: t.Any) -> str:
    if target is None:
        return ""
    if isinstance(target, psobj.PSObj):
        return target.to_string
    if isinstance(target, psobj.Enum):
        return target.name
    return str(target)


def ellipsize(text: str) -> str:
    """A CategoryInfo field as Windows PowerShell 5.1 shortens it in the category message: longer
    than 40 characters, the first and last 15 around ``...`` (ErrorCategoryInfo.Ellipsize in
    PowerShell's ``engine/ErrorPackage.cs``; the 5.1 widths as pypsrp's recordings show them,
    ``(Transport failu...6a92dcb6f8a3f8f:String)`` in ``test_client_copy_file_failure.yml``)."""
    return text if len(text) <= 40 else "%s...%s" % (text[:15], text[-15:])


@dataclasses.dataclass(frozen=True)
class Invocation:
    """The command a record came from, as the client invoked it: what InvocationInfo says."""

    command: str = ""
    """The command's name (MyCommand, CommandInfo_Name)."""
    name: str | None = None
    """InvocationName: the name as the client spelled it (default: ``command``)."""
    command_type: str = "Cmdlet"
    """Cmdlet (Hyper-V and the core cmdlets) or Function (the NetAdapter module is CDXML)."""
    position: int = 1
    length: int = 1
    bound: tuple[tuple[str, t.Any], ...] = ()
    """The named parameters the client sent, as (name, plain value)."""


# .NET exception classes above the ones the emulator's records name, most derived first, and the
# HResult each family carries. Sources: pypsrp's recordings (RuntimeException and
# CommandNotFoundException chains, HResult -2146233087); PowerShell's source for the classes it
# defines (ParseException, ParameterBindingException, PipelineStoppedException, HostException and
# WildcardPatternException derive from RuntimeException; PSArgumentException from ArgumentException;
# PSInvalidOperationException from InvalidOperationException; CimJobException from SystemException);
# .NET's HResults (COR_E_EXCEPTION, COR_E_SYSTEM, E_INVALIDARG, COR_E_INVALIDOPERATION,
# COR_E_NOTSUPPORTED). VirtualizationException derives from System.Exception (nforgeio/neonSDK's port
# of the module, Microsoft/HyperV/PowerShell/VirtualizationException.cs); CimException as well
# (Microsoft's API reference of Microsoft.Management.Infrastructure).
_SYSTEM = ("System.SystemException", "System.Exception", "System.Object")
_RUNTIME = ("System.Management.Automation.RuntimeException",) + _SYSTEM
_EXCEPTION_BASES: dict[str, tuple[tuple[str, ...], int]] = {
    "System.Management.Automation.RuntimeException": (_SYSTEM, -2146233087),
    "System.Management.Automation.PSArgumentException": (("System.ArgumentException",) + _SYSTEM, -2147024809),
    "System.ArgumentException": (_SYSTEM, -2147024809),
    "System.Management.Automation.PSInvalidOperationException": (("System.InvalidOperationException",) + _SYSTEM,
                                                                 -2146233079),
    "System.InvalidOperationException": (_SYSTEM, -2146233079),
    "System.NotSupportedException": (_SYSTEM, -2146233067),
    "Microsoft.PowerShell.Cmdletization.Cim.CimJobException": (_SYSTEM, -2146233087),
}
_EXCEPTION_BASES.update(dict.fromkeys((
    "System.Management.Automation.CommandNotFoundException", "System.Management.Automation.ParseException",
    "System.Management.Automation.ParameterBindingException", "System.Management.Automation.PipelineStoppedException",
    "System.Management.Automation.Host.HostException", "System.Management.Automation.WildcardPatternException",
    "System.Management.Automation.ActionPreferenceStopException",
), (_RUNTIME, -2146233087)))
_EXCEPTION = (("System.Exception", "System.Object"), -2146233088)
_VIRTUALIZATION_EXCEPTION = "Microsoft.HyperV.PowerShell.VirtualizationException"

_PS_BOUND_PARAMETERS = (
    "System.Management.Automation.PSBoundParametersDictionary",
    "System.Collections.Generic.Dictionary`2[[System.String, %s],[System.Object, %s]]" % (_MSCORLIB, _MSCORLIB),
    "System.Object",
)
_OBJECT_LIST = "System.Collections.Generic.List`1[[System.Object, %s]]" % _MSCORLIB
_INT_COLLECTION = "System.Collections.ObjectModel.ReadOnlyCollection`1[[System.Int32, %s]]" % _MSCORLIB
_COMMAND_ORIGIN = "System.Management.Automation.CommandOrigin"


def _exception(writer: _Writer, error: psobj.PSError) -> None:
    """The record's Exception as a host serializes one that was created, not thrown: type chain,
    ``<type>: <message>`` as its ToString, the public properties of its family, empty Data
    (ListDictionaryInternal), no stack, no source (pypsrp's recordings)."""
    bases, hresult = _EXCEPTION_BASES.get(error.exception_type, _EXCEPTION)
    parts = writer.parts
    parts.append('<Obj N="Exception" RefId="%d">' % writer._next_ref())
    writer.type_names((error.exception_type,) + bases)
    parts.append("<ToString>%s</ToString><Props>" % escape_text("%s: %s" % (error.exception_type, error.message)))
    if error.exception_type == _VIRTUALIZATION_EXCEPTION:
        # Its own members (the module's VirtualizationException as nforgeio/neonSDK's port of the
        # module publishes it): the error identifier (the FQID's head), the category, and the
        # VirtualizationObject it failed on, past the depth its text.
        writer.value(error.fqid.partition(",")[0], "ErrorIdentifier")
        writer.value(psobj.Enum("System.Management.Automation.ErrorCategory", category_name(error.category),
                                category_value(error.category)), "ErrorCategory")
        writer.value(error.target.to_string if isinstance(error.target, psobj.PSObj) else None, "TargetObject")
    runtime = "System.Management.Automation.RuntimeException" in (error.exception_type,) + bases
    if runtime or error.exception_type.startswith("System.Management.Automation.PS"):
        # The ErrorRecord the exception carries, past the serialization depth: its text.
        writer.value(error.message, "ErrorRecord")
    if error.exception_type.endswith(".CommandNotFoundException"):
        writer.value(error.target if isinstance(error.target, str) else None, "CommandName")
    if runtime:
        writer.value(False, "WasThrownFromThrowStatement")
    writer.value(error.message, "Message")
    if "System.ArgumentException" in (error.exception_type,) + bases:
        writer.value(None, "ParamName")
    parts.append('<Obj N="Data" RefId="%d">' % writer._next_ref())
    writer.type_names(("System.Collections.ListDictionaryInternal", "System.Object"))
    parts.append("<DCT /></Obj>")
    for name in ("InnerException", "TargetSite", "StackTrace", "HelpLink", "Source"):
        writer.value(None, name)
    writer.value(psobj.Int32(hresult), "HResult")
    parts.append("</Props></Obj>")


def _invocation_info(writer: _Writer, inv: Invocation) -> None:
    """InvocationInfo as an object (its public properties at depth 1), for a command a client
    added to a pipeline (no script: no line, position or script name; origin Runspace)."""
    parts = writer.parts
    parts.append('<Obj N="InvocationInfo" RefId="%d">' % writer._next_ref())
    writer.type_names(("System.Management.Automation.InvocationInfo", "System.Object"))
    parts.append("<ToString>System.Management.Automation.InvocationInfo</ToString><Props>")
    # MyCommand is a CmdletInfo/FunctionInfo past the depth: its text, the command's name.
    writer.value(inv.command or None, "MyCommand")
    _bound_parameters(writer, inv, "BoundParameters")
    _unbound_arguments(writer, "UnboundArguments")
    writer.value(psobj.Int32(0), "ScriptLineNumber")
    writer.value(psobj.Int32(0), "OffsetInLine")
    writer.value(psobj.Int64(_HISTORY_ID), "HistoryId")
    writer.value("", "ScriptName")
    writer.value("", "Line")
    writer.value("", "PositionMessage")
    writer.value("", "PSScriptRoot")
    writer.value(None, "PSCommandPath")
    writer.value(inv.name or inv.command, "InvocationName")
    writer.value(psobj.Int32(inv.length), "PipelineLength")
    writer.value(psobj.Int32(inv.position), "PipelinePosition")
    writer.value(inv.position > 1, "ExpectingInput")
    writer.value("Runspace", "CommandOrigin")
    writer.value(None, "DisplayScriptPosition")
    parts.append("</Props></Obj>")


def _bound_parameters(writer: _Writer, inv: Invocation, name: str) -> None:
    parts = writer.parts
    parts.append('<Obj N="%s" RefId="%d">' % (name, writer._next_ref()))
    writer.type_names(_PS_BOUND_PARAMETERS)
    parts.append("<DCT>")
    for key, value in inv.bound:
        parts.append("<En>")
        writer.value(key, "Key")
        # Past the serialization depth: primitives stay typed, a switch is its SwitchParameter's text.
        writer.value(value, "Value")
        parts.append("</En>")
    parts.append("</DCT></Obj>")


def _unbound_arguments(writer: _Writer, name: str) -> None:
    writer.parts.append('<Obj N="%s" RefId="%d">' % (name, writer._next_ref()))
    writer.type_names((_OBJECT_LIST, "System.Object"))
    writer.parts.append("<LST /></Obj>")


# A pipeline added to the runspace's history: the id pypsrp's recorded exchanges show.
_HISTORY_ID = 1


def _extended_invocation(writer: _Writer, inv: Invocation) -> None:
    """The notes InvocationInfo.ToPSObjectForRemoting adds when the client asked for invocation
    info (pypsrp does, RemoteStreamOptions AddInvocationInfo), in PowerShell's order
    (``engine/InvocationInfo.cs``; the shape of pypsrp's ``test_client_copy_file_warning.yml``)."""
    _bound_parameters(writer, inv, "InvocationInfo_BoundParameters")
    writer.value(psobj.Enum(_COMMAND_ORIGIN, "Runspace", 0), "InvocationInfo_CommandOrigin")
    writer.value(inv.position > 1, "InvocationInfo_ExpectingInput")
    writer.value(inv.name or inv.command, "InvocationInfo_InvocationName")
    writer.value("", "InvocationInfo_Line")
    writer.value(psobj.Int32(0), "InvocationInfo_OffsetInLine")
    writer.value(psobj.Int64(_HISTORY_ID), "InvocationInfo_HistoryId")
    # One counter per command of the pipeline plus the host's: objects each has seen so far.
    writer.value(psobj.TypedList("System.Int32[]", tuple(psobj.Int32(0) for _ in range(inv.length + 1))),
                 "InvocationInfo_PipelineIterationInfo")
    writer.value(psobj.Int32(inv.length), "InvocationInfo_PipelineLength")
    writer.value(psobj.Int32(inv.position), "InvocationInfo_PipelinePosition")
    writer.value("", "InvocationInfo_PSScriptRoot")
    writer.value(None, "InvocationInfo_PSCommandPath")
    writer.value("", "InvocationInfo_PositionMessage")
    writer.value(psobj.Int32(0), "InvocationInfo_ScriptLineNumber")
    writer.value("", "InvocationInfo_ScriptName")
    _unbound_arguments(writer, "InvocationInfo_UnboundArguments")
    writer.value(False, "SerializeExtent")
    writer.value(psobj.Enum("System.Management.Automation.CommandTypes", inv.command_type,
                            COMMAND_TYPE_VALUES[inv.command_type]), "CommandInfo_CommandType")
    # The real Definition is the cmdlet's syntax (a CDXML function's body); the emulator gives its name.
    writer.value(inv.command, "CommandInfo_Definition")
    writer.value(inv.command, "CommandInfo_Name")
    writer.value(psobj.Enum("System.Management.Automation.SessionStateEntryVisibility", "Public", _VISIBILITY_PUBLIC),
                 "CommandInfo_Visibility")


def _pipeline_iteration(writer: _Writer, inv: Invocation, name: str) -> None:
    writer.parts.append('<Obj N="%s" RefId="%d">' % (name, writer._next_ref()))
    writer.type_names((_INT_COLLECTION, "System.Object"))
    writer.parts.append("<LST>%s</LST></Obj>" % ("<I32>0</I32>" * (inv.length + 1)))


def _error_record(writer: _Writer, error: psobj.PSError, inv: Invocation, name: str | None = None,
                  merged: bool = False, extended: bool = True) -> None:
    """An ErrorRecord as ErrorRecord.ToPSObjectForRemoting writes it (PowerShell
    ``engine/ErrorPackage.cs``): Exception, TargetObject, FullyQualifiedErrorId, InvocationInfo,
    the ErrorCategory_* notes, then ``SerializeExtendedInfo`` and, when true, the InvocationInfo_*
    and CommandInfo_* notes and PipelineIterationInfo. A host sets it for the error stream when
    the client asked for invocation info; a failed pipeline's own record has it false (pypsrp's
    ``test_psrp_error_failed.yml``). No ErrorDetails_ScriptStackTrace: no script ran."""
    parts = writer.parts
    command = error.command or inv.command
    if command != inv.command:
        inv = dataclasses.replace(inv, command=command, name=None)
    category = category_name(error.category)
    reason = error.exception_type.rsplit(".", 1)[-1]
    target_name = _target_name(error.target)
    target_type = _target_type(error.target)
    category_message = "%s: (%s:%s) [%s], %s" % (category, ellipsize(target_name), ellipsize(target_type),
                                                  ellipsize(command), reason)

    parts.append('<Obj%s RefId="%d">' % (_attr(name), writer._next_ref()))
    writer.type_names(("System.Management.Automation.ErrorRecord", "System.Object"))
    parts.append("<ToString>%s</ToString><MS>" % escape_text(error.message))
    if merged:
        # A record redirected into the output stream (2>&1, merge_error) says so first, as
        # ErrorRecord.ToPSObjectForRemoting writes it (pypsrp test_psrp_merge_commands.yml).
        writer.value(True, "writeErrorStream")
    _exception(writer, error)
    if isinstance(error.target, psobj.PSObj):
        writer.top_object(error.target, "TargetObject")
    else:
        writer.value(error.target, "TargetObject")
    writer.value(error.fqid, "FullyQualifiedErrorId")
    _invocation_info(writer, inv)
    writer.value(psobj.Int32(category_value(error.category)), "ErrorCategory_Category")
    writer.value(command, "ErrorCategory_Activity")
    writer.value(reason, "ErrorCategory_Reason")
    writer.value(target_name, "ErrorCategory_TargetName")
    writer.value(target_type, "ErrorCategory_TargetType")
    writer.value(category_message, "ErrorCategory_Message")
    writer.value(extended, "SerializeExtendedInfo")
    if extended:
        _extended_invocation(writer, inv)
        _pipeline_iteration(writer, inv, "PipelineIterationInfo")
    parts.append("</MS></Obj>")


def error_record(error: psobj.PSError, invocation: Invocation | None = None, merged: bool = False,
                 cim: CimClassCache | None = None, extended: bool = True) -> bytes:
    """One ERROR_RECORD payload (a non-terminating error written by a cmdlet), or with ``merged``
    the PIPELINE_OUTPUT payload of a record the command's error stream was merged into output.
    ``extended``: the client asked for invocation info on error records (RemoteStreamOptions)."""
    writer = _Writer(cim)
    _error_record(writer, error, invocation or Invocation(), merged=merged, extended=extended)
    return writer.text()


_INFORMATIONAL_TYPES = {
    "verbose": "System.Management.Automation.VerboseRecord",
    "warning": "System.Management.Automation.WarningRecord",
    "debug": "System.Management.Automation.DebugRecord",
}


def informational_record(record: psobj.PSInformational, invocation: Invocation | None = None,
                         extended: bool = True) -> bytes:
    """One VERBOSE_RECORD, WARNING_RECORD or DEBUG_RECORD payload, as
    InformationalRecord.ToPSObjectForRemoting writes it (PowerShell
    ``engine/hostifaces/InformationalRecord.cs``): the message as ToString and
    ``InformationalRecord_Message``, ``InformationalRecord_SerializeInvocationInfo``, and when
    the client asked for invocation info on this stream the InvocationInfo_* and CommandInfo_*
    notes and ``InformationalRecord_PipelineIterationInfo``. The shape of a real host's
    WarningRecord in pypsrp's ``tests/tests_pypsrp/responses/test_client_copy_file_warning.yml``."""
    writer = _Writer()
    parts = writer.parts
    inv = invocation or Invocation(record.command or "")
    parts.append('<Obj RefId="%d">' % writer._next_ref())
    writer.type_names((_INFORMATIONAL_TYPES[record.kind], "System.Management.Automation.InformationalRecord",
                       "System.Object"))
    parts.append("<ToString>%s</ToString><MS>" % escape_text(record.message))
    writer.value(record.message, "InformationalRecord_Message")
    writer.value(extended, "InformationalRecord_SerializeInvocationInfo")
    if extended:
        _extended_invocation(writer, inv)
        _pipeline_iteration(writer, inv, "InformationalRecord_PipelineIterationInfo")
    parts.append("</MS></Obj>")
    return writer.text()


def pipeline_state(state: int, error: psobj.PSError | None = None, invocation: Invocation | None = None) -> bytes:
    """One PIPELINE_STATE payload; a failed or stopped pipeline carries its error record."""
    writer = _Writer()
    writer.parts.append('<Obj RefId="%d"><MS>' % writer._next_ref())
    writer.value(psobj.Int32(state), "PipelineState")
    if error is not None:
        _error_record(writer, error, invocation or Invocation(), name="ExceptionAsErrorRecord", extended=False)
    writer.parts.append("</MS></Obj>")
    return writer.text()


def to_python(value: t.Any) -> t.Any:
    """A parameter value as psrpcore deserialised it, as plain Python for the cmdlet layer."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {to_python(key): to_python(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_python(item) for item in value]
    enum_name = getattr(value, "name", None)
    if isinstance(enum_name, str) and hasattr(value, "value"):
        return enum_name
    return str(value)


# -- the session ---------------------------------------------------------------------------------------
CLR_VERSION = "4.0.30319.42000"
SERIALIZATION_VERSION = "1.1.0.1"


def protocol_version(os_version: str) -> str:
    """The PSRP protocol a host of that Windows version speaks: 2.2 on 2012 R2 (Windows PowerShell
    4.0), 2.3 from 2016 (5.1). Source: pypsrp's recorded exchanges with real hosts,
    ``tests/tests_pypsrp/responses/test_psrp_run_protocol_version_2.2.yml`` (a 6.3.9600 host)
    and ``test_psrp_get_command_metadata.yml`` (a 10.0.17134 host)."""
    return "2.2" if os_version == "2012r2" else "2.3"


def session_capability(os_version: str) -> bytes:
    """The host's SESSION_CAPABILITY payload."""
    return (
        '<Obj RefId="0"><MS><Version N="protocolversion">%s</Version><Version N="PSVersion">2.0</Version>'
        '<Version N="SerializationVersion">%s</Version></MS></Obj>' % (protocol_version(os_version), SERIALIZATION_VERSION)
    ).encode("utf-8")


def _version_entry(writer: _Writer, key: str, version: str) -> None:
    writer.parts.append('<En><S N="Key">%s</S><Version N="Value">%s</Version></En>' % (key, version))


def application_private_data(os_version: str, build: str, revision: int) -> bytes:
    """The APPLICATION_PRIVATE_DATA payload: the host's $PSVersionTable as a PSPrimitiveDictionary.

    ``build`` is the OS build (``10.0.20348``), ``revision`` its patch level. Windows PowerShell 5.1
    (2016 and later) sends PSVersion 5.1.<build>.<rev>, PSEdition, PSCompatibleVersions up to itself,
    CLRVersion, BuildVersion = the OS build, WSManStackVersion 3.0, PSRemotingProtocolVersion and
    SerializationVersion. A 2012 R2 host (Windows PowerShell 4.0) answers a client that announces
    PSVersion 2.0, as pypsrp does, with the debugger keys around a down-level table: PSVersion 2.0,
    no PSEdition, compatible versions 1.0 to 4.0. Sources: the two recordings named in
    ``protocol_version``."""
    writer = _Writer()
    parts = writer.parts
    parts.append('<Obj RefId="%d"><MS><Obj N="ApplicationPrivateData" RefId="%d">' % (writer._next_ref(), writer._next_ref()))
    dictionary = ("System.Management.Automation.PSPrimitiveDictionary", "System.Collections.Hashtable", "System.Object")
    writer.type_names(dictionary)
    parts.append("<DCT>")
    down_level = os_version == "2012r2"
    full = "%s.%d" % (build, revision)
    if down_level:
        parts.append('<En><S N="Key">DebugMode</S><I32 N="Value">1</I32></En>'
                     '<En><S N="Key">DebugStop</S><B N="Value">false</B></En>')
    parts.append('<En><S N="Key">PSVersionTable</S><Obj N="Value" RefId="%d">' % writer._next_ref())
    writer.type_names(dictionary)
    parts.append("<DCT>")
    if down_level:
        ps_version, compatible = "2.0", ["1.0", "2.0", "3.0", "4.0"]
    else:
        ps_version = "5.1.%s" % full.split(".", 2)[2]
        compatible = ["1.0", "2.0", "3.0", "4.0", "5.0", ps_version]
    _version_entry(writer, "PSVersion", ps_version)
    if not down_level:
        parts.append('<En><S N="Key">PSEdition</S><S N="Value">Desktop</S></En>')
    parts.append('<En><S N="Key">PSCompatibleVersions</S><Obj N="Value" RefId="%d">' % writer._next_ref())
    writer.type_names(("System.Version[]", "System.Array", "System.Object"))
    parts.append("<LST>%s</LST></Obj></En>" % "".join("<Version>%s</Version>" % v for v in compatible))
    if down_level:
        _version_entry(writer, "BuildVersion", full)
        _version_entry(writer, "CLRVersion", CLR_VERSION)
    else:
        _version_entry(writer, "CLRVersion", CLR_VERSION)
        _version_entry(writer, "BuildVersion", full)
    _version_entry(writer, "WSManStackVersion", "3.0")
    _version_entry(writer, "PSRemotingProtocolVersion", protocol_version(os_version))
    _version_entry(writer, "SerializationVersion", SERIALIZATION_VERSION)
    parts.append("</DCT></Obj></En>")
    if down_level:
        parts.append('<En><S N="Key">DebugBreakpointCount</S><I32 N="Value">0</I32></En>')
    parts.append("</DCT></Obj></MS></Obj>")
    return writer.text()


# -- GET_COMMAND_METADATA ------------------------------------------------------------------------------
_ASSEMBLY_SMA = "System.Management.Automation, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35"
_OUTPUT_TYPES = "System.Collections.ObjectModel.ReadOnlyCollection`1[[System.Management.Automation.PSTypeName, %s]]" % _ASSEMBLY_SMA
_PARAMETERS = ("System.Collections.Generic.Dictionary`2[[System.String, %s],[System.Management.Automation.ParameterMetadata, %s]]"
               % (_MSCORLIB, _ASSEMBLY_SMA))
_ALIASES = "System.Collections.ObjectModel.Collection`1[[System.String, %s]]" % _MSCORLIB
_COMMAND_TYPES = "System.Management.Automation.CommandTypes"


def command_metadata_count(count: int) -> bytes:
    """The first answer to GET_COMMAND_METADATA: how many commands follow (MS-PSRP 2.2.3.22, and
    pypsrp's ``test_psrp_get_command_metadata.yml``: a ``Selected.Microsoft.PowerShell.Commands.
    GenericMeasureInfo`` with ``Count``)."""
    return (
        '<Obj RefId="0"><TN RefId="0"><T>Selected.Microsoft.PowerShell.Commands.GenericMeasureInfo</T>'
        '<T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN>'
        '<MS><I32 N="Count">%d</I32></MS></Obj>' % count
    ).encode("utf-8")


def command_metadata(name: str, module: str, command_type: str,
                     parameters: t.Sequence[tuple[str, str, t.Sequence[str], bool]]) -> bytes:
    """One command's metadata as a real host sends it: a ``Selected.<CommandInfo type>`` with Name,
    Namespace (the module), HelpUri, CommandType, ResolvedCommandName, OutputType and Parameters
    (name -> ParameterMetadata: Name, ParameterType, Aliases, IsDynamic, SwitchParameter).
    ``parameters`` holds (name, .NET type, aliases, is a switch)."""
    writer = _Writer()
    parts = writer.parts
    info = "System.Management.Automation.%s" % ("CmdletInfo" if command_type == "Cmdlet" else "FunctionInfo")
    parts.append('<Obj RefId="%d">' % writer._next_ref())
    writer.type_names(("Selected." + info, "System.Management.Automation.PSCustomObject", "System.Object"))
    parts.append("<MS>")
    writer.value(name, "Name")
    writer.value(module, "Namespace")
    writer.value(None, "HelpUri")
    writer.value(psobj.Enum(_COMMAND_TYPES, command_type, COMMAND_TYPE_VALUES[command_type]), "CommandType")
    writer.value(None, "ResolvedCommandName")
    parts.append('<Obj N="OutputType" RefId="%d">' % writer._next_ref())
    writer.type_names((_OUTPUT_TYPES, "System.Object"))
    parts.append('<LST /></Obj><Obj N="Parameters" RefId="%d">' % writer._next_ref())
    writer.type_names((_PARAMETERS, "System.Object"))
    parts.append("<DCT>")
    for param_name, param_type, aliases, switch in parameters:
        parts.append("<En>")
        writer.value(param_name, "Key")
        parts.append('<Obj N="Value" RefId="%d">' % writer._next_ref())
        writer.type_names(("System.Management.Automation.ParameterMetadata", "System.Object"))
        parts.append("<ToString>System.Management.Automation.ParameterMetadata</ToString><Props>")
        writer.value(param_name, "Name")
        writer.value(param_type, "ParameterType")
        parts.append('<Obj N="Aliases" RefId="%d">' % writer._next_ref())
        writer.type_names((_ALIASES, "System.Object"))
        parts.append("<LST>%s</LST></Obj>" % "".join("<S>%s</S>" % escape_text(alias) for alias in aliases))
        writer.value(False, "IsDynamic")
        writer.value(switch, "SwitchParameter")
        parts.append("</Props></Obj></En>")
    parts.append("</DCT></Obj></MS></Obj>")
    return writer.text()
