"""The core cmdlets a structural client uses on a restricted (JEA) endpoint.

A JEA endpoint runs in NoLanguage mode: no script text, no script blocks, only the commands its
role capability makes visible. The emulator is such an endpoint. Besides the Hyper-V and
NetAdapter commands its role exposes ``Where-Object`` and ``ConvertTo-Json``, and JEA's own
defaults ``Select-Object``, ``Measure-Object`` and ``Get-Command`` (Microsoft's JEA docs,
MicrosoftDocs/PowerShell-Docs ``reference/docs-conceptual/learn/remoting/jea/role-capabilities.md``
and ``session-configurations.md``: a RestrictedRemoteServer session has Get-Command,
Measure-Object, Select-Object ... visible).

Semantics follow Windows PowerShell 5.1's cmdlets (sources in PowerShell/PowerShell:
``src/Microsoft.PowerShell.Commands.Utility/commands/utility/Select-Object.cs``,
``Measure-Object.cs``, ``WebCmdlet/ConvertToJsonCommand.cs`` as first published in 2016 (the
Full CLR branch is 5.1's), and ``src/System.Management.Automation/engine/InternalCommands.cs``
(Where-Object)); the comparison rules are in ``psops``.
"""

from __future__ import annotations

import math
import operator
import re
import typing as t

from ..binding import Bound, Param, PSErrorException
from ..model import enums
from ..psobj import Byte, Enum, Guid, Int32, Int64, PSError, PSObj, TypedList, UInt16, UInt32, UInt64
from .. import psops
from .base import REGISTRY, Context, cmdlet, has_wildcard, matches

UTILITY = "Microsoft.PowerShell.Utility"
CORE = "Microsoft.PowerShell.Core"
COMMANDS = "Microsoft.PowerShell.Commands."
PS_CUSTOM_OBJECT = "System.Management.Automation.PSCustomObject"
ARGUMENT_EXCEPTION = "System.Management.Automation.PSArgumentException"
INVALID_OPERATION_EXCEPTION = "System.Management.Automation.PSInvalidOperationException"


def _base_type(value: t.Any) -> str:
    """The .NET type of the object under a PSObject (what Select-Object names its output after)."""
    if isinstance(value, PSObj):
        if PS_CUSTOM_OBJECT in value.type_names:
            return PS_CUSTOM_OBJECT
        return value.type_names[0].split("#", 1)[0] if value.type_names else "System.Object"
    if isinstance(value, Enum):
        return value.type_name
    if isinstance(value, bool):
        return "System.Boolean"
    if isinstance(value, int):
        return getattr(value, "clr_type", "System.Int32")
    if isinstance(value, float):
        return "System.Double"
    if isinstance(value, Guid):
        return "System.Guid"
    if isinstance(value, TypedList):
        return value.type_name
    if isinstance(value, (list, tuple)):
        return "System.Object[]"
    return "System.String"


_TYPED_INTS = frozenset((Byte, UInt16, Int32, UInt32, Int64, UInt64))


def _custom_text(members: list[tuple[str, t.Any]]) -> str:
    """A PSCustomObject's ToString(): ``@{Name=x; Id=y}``; a collection value shows its type."""
    if not members:
        return ""
    parts = []
    for name, value in members:
        # The usual values by their exact type first (a selected adapter has thirty-odd of them).
        kind = type(value)
        if kind is str or kind is Guid:
            shown = value
        elif value is None:
            shown = ""
        elif kind is bool:
            shown = "True" if value else "False"
        elif kind is Enum:
            shown = value.name
        elif kind in _TYPED_INTS:
            shown = "%d" % value
        elif kind is TypedList:
            shown = value.type_name
        elif kind is PSObj:
            shown = value.to_string
        else:
            shown = _base_type(value) if psops.is_collection(value) else psops.to_text(value)
        parts.append("%s=%s" % (name, shown))
    return "@{%s}" % "; ".join(parts)


def custom_object(members: list[tuple[str, t.Any]], type_name: str | None = None) -> PSObj:
    """A PSCustomObject (all note properties), optionally named ``type_name`` first."""
    names = ((type_name,) if type_name else ()) + (PS_CUSTOM_OBJECT, "System.Object")
    return PSObj(names, [], _custom_text(members), members=list(members))


def _lookup(value: t.Any, name: str) -> tuple[bool, t.Any]:
    """A property of any value: a PSObj's (adapted or extended), a hashtable's key."""
    if isinstance(value, PSObj):
        return value.find(name)
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower() == name.lower():
                return True, item
    if isinstance(value, str) and name.lower() == "length":
        return True, Int32(len(value))
    return False, None


def _names(value: t.Any) -> list[str]:
    if isinstance(value, PSObj):
        return [name for name, _ in value.all_properties()]
    if isinstance(value, dict):
        return [str(key) for key in value]
    if isinstance(value, str):
        return ["Length"]
    return []


def _resolve(value: t.Any, pattern: str) -> list[str]:
    """Property names a (possibly wildcard) name resolves to on ``value``, in the object's order."""
    if has_wildcard(pattern):
        return [name for name in _names(value) if matches(pattern, name)]
    found, _ = _lookup(value, pattern)
    if not found:
        return []
    for name in _names(value):
        if name.lower() == pattern.lower():
            return [name]
    return [pattern]


def _error(ctx: Context, message: str, category: str, fqid: str, target: t.Any = None,
           exception_type: str = ARGUMENT_EXCEPTION) -> PSError:
    return ctx.record(message, category, fqid, target, exception_type)


# -- Select-Object --------------------------------------------------------------------------------

def _property_specs(ctx: Context, raw: t.Sequence[t.Any]) -> list[tuple[str | None, str]]:
    """(new name or None, property name or pattern) for each -Property entry: a name, or a
    hashtable @{Name=...; Expression=<property name>} (script block expressions cannot reach a
    NoLanguage endpoint)."""
    specs: list[tuple[str | None, str]] = []
    for entry in raw:
        if not isinstance(entry, dict):
            specs.append((None, psops.to_text(entry)))
            continue
        label: str | None = None
        expression: str | None = None
        for key, value in entry.items():
            lowered = str(key).lower()
            if lowered and ("name".startswith(lowered) or "label".startswith(lowered)):
                label = psops.to_text(value)
            elif lowered and "expression".startswith(lowered):
                expression = psops.to_text(value)
            else:
                ctx.throw('The "%s" key is not valid.' % key, "InvalidArgument", "IllegalKey",
                          exception_type="System.NotSupportedException")
        if expression is None:
            ctx.throw('The "Expression" key is required.', "InvalidArgument", "MissingExpressionKey",
                      exception_type="System.NotSupportedException")
        specs.append((label, expression))
    return specs


def _properties_of(value: t.Any) -> list[tuple[str, t.Any]]:
    """Every property of a value by name, in order, as ``_names`` and ``_lookup`` see them."""
    if isinstance(value, PSObj):
        return value.all_properties()
    if isinstance(value, dict):
        return [(str(key), item) for key, item in value.items()]
    if isinstance(value, str):
        return [("Length", Int32(len(value)))]
    return []


class _Selection(t.NamedTuple):
    """What Select-Object does with every object of one shape (the same property names in the
    same order). ``steps``: (shown name, position in the object's properties, or -1 for a name
    it lacks; None for a name already taken, whose error is written); ``expand``: the position
    of the -ExpandProperty, or the record's (FQID, message) when it resolves to no property or
    to several. ``failure``: the terminating error (an invalid wildcard) met after the steps."""

    steps: list[tuple[str, int | None]]
    expand: int | tuple[str, str] | None
    failure: PSErrorException | None = None


_NAME = operator.itemgetter(0)


def _plan(ctx: Context, b: Bound, names: list[str]) -> _Selection:
    """Select-Object's resolution of -Property, -ExcludeProperty and -ExpandProperty against an
    object whose properties are ``names``: it depends on the names alone, so objects of one shape
    share it (a thousand adapters resolve their thirty-odd names once, not a thousand times)."""
    specs = ctx.state.get("specs")
    if specs is None:
        specs = ctx.state["specs"] = _property_specs(ctx, b.get("Property") or [])
    excluded = b.get("ExcludeProperty") or []
    # The first of a name wins, as PSObj.find() does.
    index: dict[str, tuple[str, int]] = {}
    for position, name in enumerate(names):
        index.setdefault(name.lower(), (name, position))

    def resolve(pattern: str) -> list[str]:
        if has_wildcard(pattern):
            return [name for name in names if matches(pattern, name)]
        hit = index.get(pattern.lower())
        return [hit[0]] if hit is not None else []

    steps: list[tuple[str, int | None]] = []
    taken: set[str] = set()
    try:
        for label, pattern in specs:
            resolved = resolve(pattern) or ([] if has_wildcard(pattern) else [pattern])
            for name in resolved:
                if any(matches(x, name) for x in excluded):
                    continue
                shown = label or name
                if shown.lower() in taken:
                    steps.append((shown, None))
                    continue
                taken.add(shown.lower())
                hit = index.get(name.lower())
                steps.append((shown, hit[1] if hit is not None else -1))
        expand: int | tuple[str, str] | None = None
        if b.get("ExpandProperty"):
            found = resolve(b["ExpandProperty"])
            if len(found) == 1:
                expand = index[found[0].lower()][1]
            else:
                expand = (("ExpandPropertyNotFound", 'Property "%s" cannot be found.') if not found else
                          ("MutlipleExpandProperties", 'Multiple properties cannot be expanded: "%s".'))
    except PSErrorException as exc:
        # Raised where the resolution met it: after the records of the steps before it.
        return _Selection(steps, None, exc)
    return _Selection(steps, expand)


def _selection(ctx: Context, b: Bound, item: t.Any, properties: list[tuple[str, t.Any]]) -> _Selection:
    if not isinstance(item, PSObj):
        return _plan(ctx, b, [name for name, _ in properties])
    plans = ctx.state.setdefault("plans", {})
    shape = (tuple(map(_NAME, item.members)), tuple(map(_NAME, item.properties)))
    plan = plans.get(shape)
    if plan is None:
        plan = plans[shape] = _plan(ctx, b, [name for name, _ in properties])
    return plan


def _select_one(ctx: Context, b: Bound, item: t.Any) -> None:
    if not b.get("Property") and not b.get("ExpandProperty"):
        ctx.write(item)
        return
    properties = _properties_of(item)
    plan = _selection(ctx, b, item, properties)
    chosen: list[tuple[str, t.Any]] = []
    for shown, position in plan.steps:
        if position is None:
            ctx.error('The property cannot be processed because the property "%s" already exists.'
                      % shown, "InvalidOperation", "AlreadyExistingUserSpecifiedPropertyNoExpand",
                      target=item, exception_type=ARGUMENT_EXCEPTION)
            continue
        chosen.append((shown, properties[position][1] if position >= 0 else None))
    if plan.failure is not None:
        raise plan.failure
    if not b.get("ExpandProperty"):
        ctx.write(custom_object(chosen, "Selected." + _base_type(item)))
        return
    if not isinstance(plan.expand, int):
        fqid, text = plan.expand
        ctx.write_error(_error(ctx, text % b["ExpandProperty"], "InvalidArgument", fqid, target=item))
        return
    value = properties[plan.expand][1]
    if value is None:
        return
    for element in (psops.items_of(value) if psops.is_collection(value) else [value]):
        if element is None:
            continue
        if chosen and isinstance(element, PSObj):
            existing = {n.lower() for n, _ in element.all_properties()}
            extra = [(n, v) for n, v in chosen if n.lower() not in existing]
            for n, _ in chosen:
                if n.lower() in existing:
                    ctx.error('The property cannot be processed because the property "%s" already exists.' % n,
                              "InvalidOperation", "AlreadyExistingUserSpecifiedPropertyExpand",
                              target=item, exception_type=ARGUMENT_EXCEPTION)
            element = PSObj(element.type_names, element.properties, element.to_string,
                            members=element.members + extra)
        ctx.write(element)


def select_object(ctx: Context, b: Bound) -> None:
    item = b.get("InputObject")
    if item is None:
        return
    seen = ctx.state["seen"] = ctx.state.get("seen", 0) + 1
    if b.has("Last"):
        ctx.state.setdefault("buffer", []).append(item)
        return
    skip = b.get("Skip", 0)
    if seen <= skip:
        return
    if b.has("First") and seen > skip + b["First"]:
        return
    _select_one(ctx, b, item)


def _select_end(ctx: Context) -> None:
    b = ctx.bound
    if not b.has("Last"):
        return
    items = ctx.state.get("buffer", [])[b.get("Skip", 0):]
    first = items[:b["First"]] if b.has("First") else []
    last = items[len(items) - b["Last"]:] if b["Last"] else []
    # -First and -Last together: the first N, then the last M not already written.
    for index, item in enumerate(items):
        if (b.has("First") and index < len(first)) or index >= len(items) - len(last):
            _select_one(ctx, b, item)


cmdlet(
    "Select-Object",
    (
        Param("InputObject", "psobject", pipeline=True),
        Param("Property", "value[]", sets={"DefaultParameter": (False, 0), "SkipLastParameter": (False, 0)}),
        Param("ExcludeProperty", "string[]", sets={"DefaultParameter": (False, None),
                                                   "SkipLastParameter": (False, None)}),
        Param("ExpandProperty", "string", sets={"DefaultParameter": (False, None),
                                                "SkipLastParameter": (False, None)}),
        Param("Last", "int32", sets={"DefaultParameter": (False, None)}, validate_range=(0, 2**31 - 1)),
        Param("First", "int32", sets={"DefaultParameter": (False, None)}, validate_range=(0, 2**31 - 1)),
        Param("Skip", "int32", sets={"DefaultParameter": (False, None)}, validate_range=(0, 2**31 - 1)),
    ),
    module=UTILITY, default_set="DefaultParameter", fqid_command=COMMANDS + "SelectObjectCommand",
    end=_select_end,
)(select_object)


# -- Where-Object ---------------------------------------------------------------------------------

# (parameter, its alias, parameter set, operator, case-sensitive) as Windows PowerShell 5.1 has them.
_OPERATORS: tuple[tuple[str, str | None, str, str, bool], ...] = (
    ("EQ", "IEQ", "EqualSet", "eq", False), ("CEQ", None, "CaseSensitiveEqualSet", "eq", True),
    ("NE", "INE", "NotEqualSet", "ne", False), ("CNE", None, "CaseSensitiveNotEqualSet", "ne", True),
    ("GT", "IGT", "GreaterThanSet", "gt", False), ("CGT", None, "CaseSensitiveGreaterThanSet", "gt", True),
    ("LT", "ILT", "LessThanSet", "lt", False), ("CLT", None, "CaseSensitiveLessThanSet", "lt", True),
    ("GE", "IGE", "GreaterOrEqualSet", "ge", False), ("CGE", None, "CaseSensitiveGreaterOrEqualSet", "ge", True),
    ("LE", "ILE", "LessOrEqualSet", "le", False), ("CLE", None, "CaseSensitiveLessOrEqualSet", "le", True),
    ("Like", "ILike", "LikeSet", "like", False), ("CLike", None, "CaseSensitiveLikeSet", "like", True),
    ("NotLike", "INotLike", "NotLikeSet", "notlike", False),
    ("CNotLike", None, "CaseSensitiveNotLikeSet", "notlike", True),
    ("Match", "IMatch", "MatchSet", "match", False), ("CMatch", None, "CaseSensitiveMatchSet", "match", True),
    ("NotMatch", "INotMatch", "NotMatchSet", "notmatch", False),
    ("CNotMatch", None, "CaseSensitiveNotMatchSet", "notmatch", True),
    ("Contains", "IContains", "ContainsSet", "contains", False),
    ("CContains", None, "CaseSensitiveContainsSet", "contains", True),
    ("NotContains", "INotContains", "NotContainsSet", "notcontains", False),
    ("CNotContains", None, "CaseSensitiveNotContainsSet", "notcontains", True),
    ("In", "IIn", "InSet", "in", False), ("CIn", None, "CaseSensitiveInSet", "in", True),
    ("NotIn", "INotIn", "NotInSet", "notin", False), ("CNotIn", None, "CaseSensitiveNotInSet", "notin", True),
    ("Is", None, "IsSet", "is", False), ("IsNot", None, "IsNotSet", "isnot", False),
)
_OPERATOR_SETS = {op_set: (name, op, case) for name, _, op_set, op, case in _OPERATORS}


def _type_test(value: t.Any, wanted: t.Any) -> bool:
    name = psops.to_text(wanted).strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    lowered = name.lower()
    if isinstance(value, PSObj):
        names = value.type_names
    else:
        names = (_base_type(value), "System.Object")
    short = {n.lower() for n in names} | {n.rsplit(".", 1)[-1].lower() for n in names}
    aliases = {"string": "system.string", "int": "system.int32", "bool": "system.boolean",
               "guid": "system.guid", "uint32": "system.uint32", "long": "system.int64"}
    return lowered in short or aliases.get(lowered, "") in short


def _apply(op: str, case: bool, left: t.Any, right: t.Any) -> bool:
    ignore = not case
    if op == "eq":
        return psops.scalar_or_filter(left, lambda x: psops.equals(x, right, ignore))
    if op == "ne":
        return psops.scalar_or_filter(left, lambda x: not psops.equals(x, right, ignore))
    if op in ("gt", "lt", "ge", "le"):
        wanted = {"gt": (1,), "lt": (-1,), "ge": (0, 1), "le": (-1, 0)}[op]
        return psops.scalar_or_filter(left, lambda x: psops.compare(x, right, ignore) in wanted)
    if op in ("like", "notlike"):
        hit = op == "like"
        return psops.scalar_or_filter(left, lambda x: psops.like(x, right, ignore) == hit)
    if op in ("match", "notmatch"):
        hit = op == "match"
        return psops.scalar_or_filter(left, lambda x: psops.match(x, right, ignore) == hit)
    if op == "contains":
        return psops.contains(left, right, ignore)
    if op == "notcontains":
        return not psops.contains(left, right, ignore)
    if op == "in":
        return psops.contains(right, left, ignore)
    if op == "notin":
        return not psops.contains(right, left, ignore)
    if op == "is":
        return _type_test(left, right)
    return not _type_test(left, right)  # isnot


def where_object(ctx: Context, b: Bound) -> None:
    if not b.has("InputObject"):
        return
    item = b["InputObject"]
    operator, op, case = _OPERATOR_SETS[b.set_name]
    explicit = b.has(operator)
    if not b.has("Value") and (explicit or op != "eq"):
        ctx.throw("The specified operator requires both the -Property and -Value parameters. Provide "
                  "values for both parameters, and then try the command again.", "InvalidArgument",
                  "ValueNotSpecifiedForWhereObject", exception_type=ARGUMENT_EXCEPTION)
    if b.has("Value") and not explicit and op == "eq":
        ctx.throw("An operator is required to compare the two specified values. Include a valid operator "
                  "in the command, and then try the command again. For example, Get-Process | "
                  "Where-Object -Property Name -eq Idle", "InvalidArgument", "OperatorNotSpecified",
                  exception_type=ARGUMENT_EXCEPTION)
    name = b["Property"]
    if has_wildcard(name):
        resolved = _resolve(item, name)
        if len(resolved) > 1:
            ctx.error("The specified wildcard pattern is not valid: %s matches more than one property: %s."
                      % (name, " ".join(resolved)), "InvalidArgument", "AmbiguousPropertyName",
                      target=item, exception_type=ARGUMENT_EXCEPTION)
            return
        left = _lookup(item, resolved[0])[1] if resolved else None
    else:
        left = _lookup(item, name)[1]
    if not b.has("Value"):  # `Where-Object Name`: the property's truth
        if psops.to_bool(left):
            ctx.write(item)
        return
    try:
        keep = _apply(op, case, left, b["Value"])
    except psops.CannotCompare as exc:
        ctx.error("The operation '-%s' failed: %s" % (operator.lower(), exc), "InvalidOperation",
                  "OperatorFailed", target=item, exception_type=INVALID_OPERATION_EXCEPTION)
        return
    except re.error as exc:
        ctx.error('The regular expression pattern %s is not valid: %s' % (psops.to_text(b["Value"]), exc),
                  "InvalidArgument", "BadOperatorArgument", target=item, exception_type=ARGUMENT_EXCEPTION)
        return
    if keep:
        ctx.write(item)


_WHERE_OPERATOR_SETS = [op_set for _, _, op_set, _, _ in _OPERATORS]
cmdlet(
    "Where-Object",
    (
        Param("InputObject", "psobject", pipeline=True),
        Param("FilterScript", "object:System.Management.Automation.ScriptBlock",
              sets={"ScriptBlockSet": (True, 0)}),
        Param("Property", "string", sets={s: (True, 0) for s in _WHERE_OPERATOR_SETS}, not_null_or_empty=True),
        Param("Value", "value", sets={s: (False, 1) for s in _WHERE_OPERATOR_SETS}),
    ) + tuple(
        Param(name, "switch", aliases=(alias,) if alias else (), sets={op_set: (name != "EQ", None)})
        for name, alias, op_set, _, _ in _OPERATORS
    ),
    module=CORE, default_set="EqualSet", fqid_command=COMMANDS + "WhereObjectCommand",
)(where_object)


# -- ConvertTo-Json -------------------------------------------------------------------------------

MAX_JSON_DEPTH = 100


def _json_value(value: t.Any, depth: int, limit: int) -> t.Any:
    """A value prepared for the JSON writer as Windows PowerShell 5.1 prepares it: enums as their
    number, a Guid as its text, anything past ``limit`` levels as its string conversion."""
    if value is None or isinstance(value, (bool, str, float)):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, int):
        return int(value)
    if depth > limit:
        return psops.to_text(value)
    if psops.is_collection(value):
        return [_json_value(item, depth + 1, limit) for item in psops.items_of(value)]
    if isinstance(value, dict):
        return {str(k): _json_value(v, depth + 1, limit) for k, v in value.items()}
    if isinstance(value, PSObj):
        # The object's own (adapted) properties first, then its extended members.
        out: dict[str, t.Any] = {}
        for name, item in value.properties + value.members:
            if name not in out:
                out[name] = _json_value(item, depth + 1, limit)
        return out
    return psops.to_text(value)


# JavaScriptSerializer escapes these besides quote, backslash and control characters.
_JS_ESCAPED = {"'", "<", ">", "&", "\u0085", "\u2028", "\u2029"}
_JS_SHORT = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def _js_string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch in _JS_SHORT:
            out.append(_JS_SHORT[ch])
        elif ord(ch) < 0x20 or ch in _JS_ESCAPED:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _compact(value: t.Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value).replace("e+", "E+").replace("e-", "E-")
    if isinstance(value, str):
        return _js_string(value)
    if isinstance(value, list):
        return "[" + ",".join(_compact(item) for item in value) + "]"
    return "{" + ",".join(_js_string(k) + ":" + _compact(v) for k, v in value.items()) + "}"


def _pretty(json: str) -> str:
    """Windows PowerShell 5.1's layout of compact JSON: four spaces per level, two spaces after a
    colon, and a nested value's lines indented to where its opening bracket stood."""
    if not json or json[0] not in "{[":
        return json
    out: list[str] = [json[0]]
    end = _pretty_block(json, 1, out, "", json[0] == "{")
    assert end == len(json) - 1
    return "".join(out)


def _quoted_end(json: str, start: int) -> int:
    """Index of the quote closing the string that opens at ``start``."""
    i = start + 1
    while json[i] != '"':
        i += 2 if json[i] == "\\" else 1
    return i


def _pretty_block(json: str, i: int, out: list[str], pad: str, is_object: bool) -> int:
    """Lay out one object or array whose opening bracket was just written; ``pad`` is the
    indentation of its closing bracket. Returns the index of that closing bracket."""
    out.append("\r\n")
    inner = pad + "    "
    at_line_start = True
    in_key = True  # objects only: before the colon of the current member
    key_width = 0  # objects only: characters of the current member before its value
    while i < len(json):
        ch = json[i]
        if ch in "{[":
            if at_line_start:
                out.append(inner)
            out.append(ch)
            nested_pad = inner + (" " * key_width if is_object else "")
            i = _pretty_block(json, i + 1, out, nested_pad, ch == "{")
            at_line_start = False
        elif ch in "}]":
            out.append("\r\n" + pad + ch)
            return i
        elif ch == '"':
            if at_line_start:
                out.append(inner)
            close = _quoted_end(json, i)
            out.append(json[i:close + 1])
            if is_object and in_key:
                key_width += close - i + 1
            i = close
            at_line_start = False
        elif ch == ":" and is_object:
            out.append(":  ")
            key_width += 3
            in_key = False
            at_line_start = False
        elif ch == ",":
            out.append(",\r\n")
            at_line_start, in_key, key_width = True, True, 0
        else:
            if at_line_start:
                out.append(inner)
            out.append(ch)
            if is_object and in_key:
                key_width += 1
            at_line_start = False
        i += 1
    raise AssertionError("unbalanced JSON")


def convertto_json(ctx: Context, b: Bound) -> None:
    ctx.state.setdefault("items", [])
    if b.get("InputObject") is not None:
        ctx.state["items"].append(b["InputObject"])


def _convertto_json_end(ctx: Context) -> None:
    b = ctx.bound
    depth = b.get("Depth", 2)
    if depth > MAX_JSON_DEPTH:
        ctx.throw("The maximum depth allowed for serialization is %d." % MAX_JSON_DEPTH, "InvalidOperation",
                  "ReachedMaximumDepthAllowed", exception_type="System.InvalidOperationException")
    items = ctx.state.get("items", [])
    if not items:
        return
    subject = items[0] if len(items) == 1 else list(items)
    text = _compact(_json_value(subject, 0, depth))
    ctx.write(text if b.get("Compress") else _pretty(text))


cmdlet(
    "ConvertTo-Json",
    (
        Param("InputObject", "value", mandatory=True, position=0, pipeline=True),
        Param("Depth", "int32", validate_range=(1, 2**31 - 1)),
        Param("Compress", "switch"),
    ),
    module=UTILITY, fqid_command=COMMANDS + "ConvertToJsonCommand", end=_convertto_json_end,
)(convertto_json)


# -- Measure-Object -------------------------------------------------------------------------------

_THIS_OBJECT = object()


def measure_object(ctx: Context, b: Bound) -> None:
    item = b.get("InputObject")
    if item is None:
        return
    stats: dict[t.Any, dict[str, t.Any]] = ctx.state.setdefault("stats", {})
    ctx.state["records"] = ctx.state.get("records", 0) + 1
    if not b.get("Property"):
        _measure(ctx, b, stats, _THIS_OBJECT, item)
        return
    counted: set[str] = set()
    for pattern in b["Property"]:
        resolved = _resolve(item, pattern)
        if not resolved:
            if not has_wildcard(pattern):
                stats.setdefault(pattern, _new_stat())
            continue
        for name in resolved:
            if name.lower() not in counted:
                counted.add(name.lower())
                _measure(ctx, b, stats, name, _lookup(item, name)[1])


def _new_stat() -> dict[str, t.Any]:
    return {"count": 0, "sum": 0.0, "min": None, "max": None, "numeric": True}


def _as_double(value: t.Any) -> float | None:
    if value is None:
        return 0.0
    if isinstance(value, PSObj) or psops.is_collection(value):
        return None
    number = psops._number(value)
    return None if number is psops._NO_VALUE else float(number)


def _measure(ctx: Context, b: Bound, stats: dict[t.Any, dict[str, t.Any]], key: t.Any, value: t.Any) -> None:
    stat = stats.setdefault(key, _new_stat())
    stat["count"] += 1
    if b.get("Sum") or b.get("Average"):
        number = _as_double(value)
        if number is None:
            ctx.state["non_numeric"] = True
            ctx.error('Input object "%s" is not numeric.' % psops.to_text(value), "InvalidType",
                      "NonNumericInputObject", target=value, exception_type=INVALID_OPERATION_EXCEPTION)
            return
        stat["sum"] += number
    for wanted, slot, sign in (("Minimum", "min", -1), ("Maximum", "max", 1)):
        if b.get(wanted) and value is not None:
            current = stat[slot]
            if current is None or _order(value, current) * sign > 0:
                stat[slot] = value


def _order(a: t.Any, b: t.Any) -> int:
    x, y = _as_double(a), _as_double(b)
    if x is not None and y is not None:
        return (x > y) - (x < y)
    sa, sb = psops.to_text(a).lower(), psops.to_text(b).lower()
    return (sa > sb) - (sa < sb)


_MEASURE_TYPES = ("Microsoft.PowerShell.Commands.MeasureInfo", "System.Object")


def _measure_end(ctx: Context) -> None:
    b = ctx.bound
    stats = ctx.state.get("stats", {})
    if not stats and not b.get("Property"):
        stats[_THIS_OBJECT] = _new_stat()
    for key, stat in stats.items():
        if stat["count"] == 0 and b.get("Property"):
            ctx.error('The property "%s" cannot be found in the input for any objects.' % key, "InvalidArgument",
                      "GenericMeasurePropertyNotFound", exception_type=ARGUMENT_EXCEPTION)
            continue
        numeric_ends = all(v is None or _as_double(v) is not None for v in (stat["min"], stat["max"]))
        non_numeric = ctx.state.get("non_numeric", False)
        total = None if non_numeric or not b.get("Sum") else stat["sum"]
        average = (None if non_numeric or not b.get("Average") or not stat["count"]
                   else stat["sum"] / stat["count"])

        def end(v: t.Any) -> t.Any:
            return None if v is None else (_as_double(v) if numeric_ends else v)

        type_name = "GenericMeasureInfo" if numeric_ends else "GenericObjectMeasureInfo"
        ctx.write(PSObj(
            ("Microsoft.PowerShell.Commands." + type_name,) + _MEASURE_TYPES,
            [
                ("Count", Int32(stat["count"])),
                ("Average", average),
                ("Sum", total),
                ("Maximum", end(stat["max"])),
                ("Minimum", end(stat["min"])),
                ("Property", None if key is _THIS_OBJECT else key),
            ],
            "Microsoft.PowerShell.Commands." + type_name,
        ))


cmdlet(
    "Measure-Object",
    (
        Param("InputObject", "psobject", pipeline=True),
        Param("Property", "string[]", position=0),
        Param("Sum", "switch", sets={"GenericMeasure": (False, None)}),
        Param("Average", "switch", sets={"GenericMeasure": (False, None)}),
        Param("Maximum", "switch", sets={"GenericMeasure": (False, None)}),
        Param("Minimum", "switch", sets={"GenericMeasure": (False, None)}),
    ),
    module=UTILITY, default_set="GenericMeasure", fqid_command=COMMANDS + "MeasureObjectCommand",
    end=_measure_end,
)(measure_object)


# -- Get-Command ----------------------------------------------------------------------------------

COMMAND_TYPES = "System.Management.Automation.CommandTypes"
enums.ENUMS.setdefault(COMMAND_TYPES, {
    "Alias": 1, "Function": 2, "Filter": 4, "Cmdlet": 8, "ExternalScript": 16, "Application": 32,
    "Script": 64, "Workflow": 128, "Configuration": 256, "All": 511,
})
VISIBILITY = "System.Management.Automation.SessionStateEntryVisibility"
enums.ENUMS.setdefault(VISIBILITY, {"Public": 0, "Private": 1})

# The NetAdapter commands are CDXML functions; everything else here is a compiled cmdlet.
def command_info(definition: t.Any) -> PSObj:
    """A CommandInfo as Get-Command writes it (CmdletInfo, or FunctionInfo for CDXML commands)."""
    kind = definition.command_type
    verb, _, noun = definition.name.partition("-")
    sig = definition.signature
    return PSObj(
        ("System.Management.Automation.%sInfo" % kind, "System.Management.Automation.CommandInfo", "System.Object"),
        [
            ("Verb", verb),
            ("Noun", noun),
            ("DefaultParameterSet", sig.default_set),
            ("Name", definition.name),
            ("CommandType", enums.enum(COMMAND_TYPES, kind)),
            ("Source", definition.module),
            ("Visibility", enums.enum(VISIBILITY, "Public")),
            ("ModuleName", definition.module),
        ],
        definition.name,
    )


def get_command(ctx: Context, b: Bound) -> None:
    visible = [d for d in sorted(REGISTRY.values(), key=lambda d: d.name.lower())
               if _available(ctx, d)]
    if b.get("Module"):
        visible = [d for d in visible if any(matches(m, d.module) for m in b["Module"])]
    if b.get("CommandType"):
        kinds = {k.lower() for k in b["CommandType"]}
        if "all" not in kinds:
            visible = [d for d in visible
                       if d.command_type.lower() in kinds]
    if b.get("Verb"):
        visible = [d for d in visible if any(matches(v, d.name.partition("-")[0]) for v in b["Verb"])]
    if b.get("Noun"):
        visible = [d for d in visible if any(matches(n, d.name.partition("-")[2]) for n in b["Noun"])]
    chosen = visible
    if b.get("Name"):
        chosen = []
        for pattern in b["Name"]:
            hits = [d for d in visible if matches(pattern.rpartition("\\")[2], d.name)]
            if not hits and not has_wildcard(pattern):
                ctx.error("The term '%s' is not recognized as the name of a cmdlet, function, script file, or "
                          "operable program. Check the spelling of the name, or if a path was included, verify "
                          "that the path is correct and try again." % pattern, "ObjectNotFound",
                          "CommandNotFoundException", target=pattern,
                          exception_type="System.Management.Automation.CommandNotFoundException")
            chosen.extend(d for d in hits if d not in chosen)
    total = b.get("TotalCount", -1)
    for index, definition in enumerate(chosen):
        if 0 <= total <= index:
            break
        ctx.write(command_info(definition))


def _available(ctx: Context, definition: t.Any) -> bool:
    from ..model import versions

    return versions.at_least(ctx.host.os_version, definition.since)


cmdlet(
    "Get-Command",
    (
        # Pipeline input as Windows PowerShell 5.1's reference gives it (test_core_parameter_tables.py).
        Param("Name", "string[]", sets={"AllCommandSet": (False, 0)}, pipeline=True, pipeline_by_name=True),
        Param("Verb", "string[]", sets={"CmdletSet": (False, None)}, pipeline_by_name=True),
        Param("Noun", "string[]", sets={"CmdletSet": (False, None)}, pipeline_by_name=True),
        Param("Module", "string[]", aliases=("PSSnapin",), pipeline_by_name=True),
        Param("CommandType", "enum[]:" + COMMAND_TYPES, aliases=("Type",), sets={"AllCommandSet": (False, None)},
              pipeline_by_name=True),
        Param("TotalCount", "int32", pipeline_by_name=True),
    ),
    module=CORE, default_set="CmdletSet", fqid_command=COMMANDS + "GetCommandCommand",
)(get_command)
