"""PowerShell-like parameter binding for the emulated cmdlets.

What it does as PowerShell does: parameter names and aliases are case-insensitive and may be
shortened to an unambiguous prefix; parameter sets (with a default) decide which parameters are
mandatory and which take positional arguments; values convert to the parameter's .NET type
(enums by name in any case or by value; a one-element array to a scalar; a scalar to an array);
switch parameters take no value; binding failures are ParameterBindingException records with
PowerShell's wording and FullyQualifiedErrorIds. Parameters newer than the host's Windows version
do not exist on that host.
"""

from __future__ import annotations

import dataclasses
import typing as t

from .model import enums, versions
from .psobj import Enum, Guid, PSError, PSObj

BINDING_EXCEPTION = "System.Management.Automation.ParameterBindingException"

INT_RANGES = {
    "byte": ("System.Byte", 0, 2**8 - 1),
    "uint16": ("System.UInt16", 0, 2**16 - 1),
    "int32": ("System.Int32", -(2**31), 2**31 - 1),
    "uint32": ("System.UInt32", 0, 2**32 - 1),
    "int64": ("System.Int64", -(2**63), 2**63 - 1),
    "uint64": ("System.UInt64", 0, 2**64 - 1),
}


class PSErrorException(Exception):
    """Carries an error record out of binding or a cmdlet; ``terminating`` as PowerShell means it."""

    def __init__(self, record: PSError, terminating: bool = True) -> None:
        super().__init__(record.message)
        self.record = record
        self.terminating = terminating


@dataclasses.dataclass(frozen=True)
class Param:
    """One cmdlet parameter.

    ``type``: string, string[], bool, switch, byte/uint16/int32/uint32/int64/uint64 (and ``[]``),
    guid, guid[], ``enum:<type>``, ``enum[]:<type>``, ``object:<type>|<type>`` or
    ``object[]:...`` (objects of those type names, as pipeline input delivers them), ``psobject``
    / ``value`` / ``value[]`` (any value, null included: PSObject and Object parameters).
    ``sets``: {set name: (mandatory, position)}; None = every set, with ``mandatory``/``position``.
    """

    name: str
    type: str = "string"
    aliases: tuple[str, ...] = ()
    sets: dict[str, tuple[bool, int | None]] | None = None
    mandatory: bool = False
    position: int | None = None
    pipeline: bool = False
    """Takes pipeline input ByValue: the object itself, converted to the parameter's type."""
    pipeline_by_name: bool = False
    """Takes pipeline input ByPropertyName: the object's property of the parameter's name (or alias)."""
    since: str | None = None
    validate_set: tuple[str, ...] | None = None
    not_null_or_empty: bool = False
    validate_range: tuple[int, int] | None = None

    def in_set(self, set_name: str) -> bool:
        return self.sets is None or set_name in self.sets

    def mandatory_in(self, set_name: str) -> bool:
        if self.sets is None:
            return self.mandatory
        return self.sets.get(set_name, (False, None))[0]

    def position_in(self, set_name: str) -> int | None:
        if self.sets is None:
            return self.position
        return self.sets.get(set_name, (False, None))[1]

    @property
    def dotnet_type(self) -> str:
        base, _, arg = self.type.partition(":")
        array = base.endswith("[]")
        base = base.rstrip("[]")
        name = {
            "string": "System.String",
            "bool": "System.Boolean",
            "switch": "System.Management.Automation.SwitchParameter",
            "guid": "System.Guid",
            "psobject": "System.Management.Automation.PSObject",
            "value": "System.Object",
            "scriptblock": "System.Management.Automation.ScriptBlock",
        }.get(base)
        if name is None and base in INT_RANGES:
            name = INT_RANGES[base][0]
        if name is None:
            name = arg.split("|")[0]
        return name + ("[]" if array else "")


COMMON_PARAMETERS: tuple[Param, ...] = (
    Param("ErrorAction", "enum:" + enums.ACTION_PREFERENCE, aliases=("ea",)),
    Param("WarningAction", "enum:" + enums.ACTION_PREFERENCE, aliases=("wa",)),
    Param("InformationAction", "enum:" + enums.ACTION_PREFERENCE, aliases=("infa",)),
    Param("Verbose", "switch", aliases=("vb",)),
    Param("Debug", "switch", aliases=("db",)),
    Param("ErrorVariable", "string", aliases=("ev",)),
    Param("WarningVariable", "string", aliases=("wv",)),
    Param("InformationVariable", "string", aliases=("iv",)),
    Param("OutVariable", "string", aliases=("ov",)),
    Param("OutBuffer", "int32", aliases=("ob",)),
    Param("PipelineVariable", "string", aliases=("pv",)),
)
SHOULD_PROCESS_PARAMETERS: tuple[Param, ...] = (
    Param("WhatIf", "switch", aliases=("wi",)),
    Param("Confirm", "switch", aliases=("cf",)),
)
ALL_SETS = "__AllParameterSets"


@dataclasses.dataclass
class Signature:
    name: str
    params: tuple[Param, ...]
    fqid_command: str
    """The second half of binding FQIDs, e.g. ``Microsoft.HyperV.PowerShell.Commands.GetVMSwitch``."""
    default_set: str | None = None
    should_process: bool = False
    tables: dict[str, "_Tables"] = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)
    """``finish``'s tables per Windows version, filled on first use (``_tables``)."""

    def available(self, host_version: str) -> list[Param]:
        own = [p for p in self.params if versions.at_least(host_version, p.since)]
        extra = SHOULD_PROCESS_PARAMETERS if self.should_process else ()
        return own + list(COMMON_PARAMETERS) + list(extra)

    def set_names(self) -> list[str]:
        names: list[str] = []
        if self.default_set:
            names.append(self.default_set)
        for p in self.params:
            for s in p.sets or ():
                if s not in names:
                    names.append(s)
        return names or [ALL_SETS]


@dataclasses.dataclass
class Prebound:
    """Named and positional arguments bound before any pipeline input arrives."""

    values: dict[str, t.Any]
    candidates: list[str]
    params: dict[str, Param]


@dataclasses.dataclass
class Bound:
    values: dict[str, t.Any]
    set_name: str

    def has(self, name: str) -> bool:
        return name in self.values

    def get(self, name: str, default: t.Any = None) -> t.Any:
        return self.values.get(name, default)

    def __getitem__(self, name: str) -> t.Any:
        return self.values[name]


def _error(sig: Signature, fqid: str, message: str, category: str = "InvalidArgument",
           target: t.Any = None) -> PSErrorException:
    return PSErrorException(
        PSError(
            message=message,
            category=category,
            fqid="%s,%s" % (fqid, sig.fqid_command),
            target=target,
            exception_type=BINDING_EXCEPTION,
            command=sig.name,
        )
    )


def _resolve_name(sig: Signature, available: list[Param], given: str) -> Param:
    key = given.lstrip("-").rstrip(":").lower()
    for p in available:
        if p.name.lower() == key or key in (a.lower() for a in p.aliases):
            return p
    matches = [p for p in available if p.name.lower().startswith(key)] if key else []
    if not matches:
        matches = [p for p in available if any(a.lower().startswith(key) for a in p.aliases)]
    unique = list(dict.fromkeys(p.name for p in matches))
    if len(unique) == 1:
        return matches[0]
    if len(unique) > 1:
        raise _error(
            sig,
            "AmbiguousParameter",
            "Parameter cannot be processed because the parameter name '%s' is ambiguous. "
            "Possible matches include: %s." % (given.lstrip("-"), " ".join("-" + n for n in unique)),
            target=given,
        )
    raise _error(
        sig,
        "NamedParameterNotFound",
        "A parameter cannot be found that matches parameter name '%s'." % given.lstrip("-"),
        target=given.lstrip("-"),
    )


def _display(value: t.Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, PSObj):
        return value.to_string
    return str(value)


def _clr_of(value: t.Any) -> str:
    if isinstance(value, bool):
        return "System.Boolean"
    if isinstance(value, int):
        return getattr(value, "clr_type", "System.Int32")
    if isinstance(value, (list, tuple)):
        return "System.Object[]"
    if isinstance(value, PSObj):
        return value.type_names[0]
    return "System.String"


def convert(sig: Signature, p: Param, value: t.Any) -> t.Any:
    """``value`` converted to ``p``'s type, or a binding error as PowerShell words it."""
    base, _, arg = p.type.partition(":")
    if base == "switch":
        if value is None:
            return True
        if isinstance(value, (bool, int)):
            return bool(value)
        raise _error(
            sig,
            "ParameterArgumentTransformationError",
            "Cannot process argument transformation on parameter '%s'. Cannot convert value "
            '"%s" to type "System.Management.Automation.SwitchParameter". Boolean parameters '
            "accept only Boolean values and numbers, such as $True, $False, 1 or 0."
            % (p.name, _clr_of(value)),
            category="InvalidData",
        )
    if base in ("psobject", "value"):
        return value
    if base == "value[]":
        return list(value) if isinstance(value, (list, tuple)) else [value]
    if value is None:
        raise _error(
            sig,
            "MissingArgument",
            "Missing an argument for parameter '%s'. Specify a parameter of type '%s' and try "
            "again." % (p.name, p.dotnet_type),
        )
    if base.endswith("[]"):
        items = list(value) if isinstance(value, (list, tuple)) else [value]
        element = dataclasses.replace(p, type=base[:-2] + (":" + arg if arg else ""))
        converted = [convert(sig, element, item) for item in items]
        if p.not_null_or_empty and not converted:
            raise _not_null_or_empty(sig, p)
        return converted
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            return convert(sig, p, value[0])
        raise _error(
            sig,
            "CannotConvertArgument",
            "Cannot convert 'System.Object[]' to the type '%s' required by parameter '%s'. "
            "Specified method is not supported." % (p.dotnet_type, p.name),
        )
    if base == "string":
        if isinstance(value, PSObj):
            text = value.to_string
        else:
            text = _display(value)
        if p.not_null_or_empty and text == "":
            raise _not_null_or_empty(sig, p)
        if p.validate_set is not None:
            for allowed in p.validate_set:
                if allowed.lower() == text.lower():
                    return allowed
            raise _not_in_set(sig, p, text)
        return text
    if base == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and not isinstance(value, Enum):
            return bool(value)
        raise _error(
            sig,
            "ParameterArgumentTransformationError",
            "Cannot process argument transformation on parameter '%s'. Cannot convert value "
            '"%s" to type "System.Boolean". Boolean parameters accept only Boolean values and '
            "numbers, such as $True, $False, 1 or 0." % (p.name, _clr_of(value)),
            category="InvalidData",
        )
    if base in INT_RANGES:
        clr, low, high = INT_RANGES[base]
        number: int | None
        if isinstance(value, bool):
            number = int(value)
        elif isinstance(value, int):
            number = int(value)
        else:
            text = _display(value).strip()
            try:
                number = int(text, 16) if text.lower().startswith("0x") else int(text)
            except ValueError:
                number = None
            if number is None:
                raise _cannot_convert(sig, p, value, clr, "Input string was not in a correct format.")
        if not low <= number <= high:
            raise _cannot_convert(
                sig, p, value, clr, "Value was either too large or too small for a %s." % clr.split(".")[1]
            )
        if p.validate_range is not None:
            _check_range(sig, p, number)
        return number
    if base == "guid":
        try:
            return Guid(str(value))
        except ValueError:
            raise _cannot_convert(
                sig, p, value, "System.Guid",
                "Guid should contain 32 digits with 4 dashes (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).",
            ) from None
    if base == "enum":
        name = enums.canonical_name(arg, value)
        if name is None:
            raise _cannot_convert(
                sig, p, value, arg,
                "Unable to match the identifier name %s to a valid enumerator name. Specify one "
                "of the following enumerator names and try again:\r\n%s"
                % (_display(value), ", ".join(enums.ENUMS[arg])),
            )
        if p.validate_set is not None and name not in p.validate_set:
            raise _not_in_set(sig, p, name)
        return name
    if base == "object":
        wanted = {name.lower() for name in arg.split("|")}
        if isinstance(value, PSObj) and wanted & {n.lower() for n in value.type_names}:
            return value
        raise _error(
            sig,
            "CannotConvertArgumentNoMessage",
            'Cannot bind parameter \'%s\'. Cannot convert the "%s" value of type "%s" to type '
            '"%s".' % (p.name, _display(value), _clr_of(value), arg.split("|")[0]),
        )
    raise AssertionError("unknown parameter type %r" % p.type)


def _not_in_set(sig: Signature, p: Param, given: str) -> PSErrorException:
    """PowerShell's ValidateSet failure, for string and enum parameters alike."""
    return _error(
        sig,
        "ParameterArgumentValidationError",
        'Cannot validate argument on parameter \'%s\'. The argument "%s" does not belong '
        'to the set "%s" specified by the ValidateSet attribute. Supply an argument that '
        "is in the set and then try the command again."
        % (p.name, given, ",".join(p.validate_set)),
        category="InvalidData",
    )


def _check_range(sig: Signature, p: Param, number: int) -> None:
    """PowerShell's ValidateRange failure."""
    assert p.validate_range is not None
    low, high = p.validate_range
    if number < low:
        why = ("The %d argument is less than the minimum allowed range of %d. Supply an argument that is "
               "greater than or equal to %d and then try the command again." % (number, low, low))
    elif number > high:
        why = ("The %d argument is greater than the maximum allowed range of %d. Supply an argument that is "
               "less than or equal to %d and then try the command again." % (number, high, high))
    else:
        return
    raise _error(sig, "ParameterArgumentValidationError",
                 "Cannot validate argument on parameter '%s'. %s" % (p.name, why), category="InvalidData")


def _not_null_or_empty(sig: Signature, p: Param) -> PSErrorException:
    return _error(
        sig,
        "ParameterArgumentValidationError",
        "Cannot validate argument on parameter '%s'. The argument is null or empty. Provide an "
        "argument that is not null or empty, and then try the command again." % p.name,
        category="InvalidData",
    )


def _cannot_convert(sig: Signature, p: Param, value: t.Any, clr: str, why: str) -> PSErrorException:
    return _error(
        sig,
        "CannotConvertArgumentNoMessage",
        'Cannot bind parameter \'%s\'. Cannot convert value "%s" to type "%s". Error: "%s"'
        % (p.name, _display(value), clr, why),
    )


def prebind(sig: Signature, host_version: str, args: t.Sequence[tuple[str | None, t.Any]]) -> Prebound:
    """Bind named and positional arguments (everything but pipeline input)."""
    available = sig.available(host_version)
    values: dict[str, t.Any] = {}
    params: dict[str, Param] = {}
    positional: list[t.Any] = []
    for name, value in args:
        if name is None:
            positional.append(value)
            continue
        p = _resolve_name(sig, available, str(name))
        if p.name in values:
            raise _error(
                sig,
                "ParameterAlreadyBound",
                "Cannot bind parameter because parameter '%s' is specified more than once. To "
                "provide multiple values to parameters that can accept multiple values, use the "
                "array syntax. For example, \"-parameter value1,value2,value3\"." % p.name,
            )
        values[p.name] = convert(sig, p, value)
        params[p.name] = p
    own = {p.name for p in sig.params}
    candidates = [
        s for s in sig.set_names()
        if all(params[n].in_set(s) for n in values if n in own)
    ]
    if not candidates:
        raise _error(
            sig, "AmbiguousParameterSet",
            "Parameter set cannot be resolved using the specified named parameters.",
        )
    if positional:
        by_name = {p.name: p for p in available}
        for set_name in candidates:
            slots = sorted(
                (p for p in sig.params if p.name in by_name and p.name not in values
                 and p.position_in(set_name) is not None),
                key=lambda p: p.position_in(set_name),
            )
            if len(slots) >= len(positional):
                for p, value in zip(slots, positional):
                    values[p.name] = convert(sig, p, value)
                    params[p.name] = p
                candidates = [
                    s for s in candidates if all(params[n].in_set(s) for n in values if n in own)
                ]
                break
        else:
            extra = positional[-1]
            raise _error(
                sig,
                "PositionalParameterNotFound",
                "A positional parameter cannot be found that accepts argument '%s'." % _display(extra),
                target=_display(extra),
            )
    return Prebound(values, candidates, params)


class _Tables(t.NamedTuple):
    """What ``finish`` needs of a signature on one Windows version, worked out once: a pipeline of
    a thousand objects binds a thousand times."""

    available: dict[str, Param]
    by_value: list[Param]
    """The ByValue pipeline parameters the version has, a parameter of the object's own type
    before one the object would be converted to (a VM object binds -VM, not -VMName as text)."""
    mandatory: dict[str, list[str]]
    """Per parameter set, the mandatory parameters the version has, in the signature's order: every
    set ``set_names`` gives, so every candidate ``prebind`` leaves (the default set among them)."""


def _tables(sig: Signature, host_version: str) -> _Tables:
    cache = sig.tables
    tables = cache.get(host_version)
    if tables is None:
        available = {p.name: p for p in sig.available(host_version)}
        ordered = sorted(sig.params, key=lambda p: not p.type.startswith(("object", "psobject")))
        present = [p for p in sig.params if versions.at_least(host_version, p.since)]
        mandatory = {s: [p.name for p in present if p.mandatory_in(s)] for s in sig.set_names()}
        tables = cache[host_version] = _Tables(
            available, [p for p in ordered if p.pipeline and p.name in available], mandatory)
    return tables


def finish(sig: Signature, host_version: str, pre: Prebound, pipeline_object: t.Any = None,
           has_pipeline_object: bool = False) -> Bound:
    """Bind one pipeline object (if any), then pick the parameter set and check mandatory ones."""
    values = dict(pre.values)
    candidates = list(pre.candidates)
    tables = _tables(sig, host_version)
    if has_pipeline_object:
        available = tables.available
        bound_to = None
        for p in tables.by_value:
            if p.name in values:
                continue
            if not any(p.in_set(s) for s in candidates):
                continue
            try:
                values[p.name] = convert(sig, p, pipeline_object)
            except PSErrorException:
                continue
            bound_to = p
            break
        if bound_to is None and isinstance(pipeline_object, PSObj):
            by_name = _bind_by_property_name(sig, available, values, candidates, pipeline_object)
            if by_name:
                candidates = [s for s in candidates if all(p.in_set(s) for p in by_name)]
                bound_to = by_name[0]
        if bound_to is None:
            exc = _error(
                sig,
                "InputObjectNotBound",
                "The input object cannot be bound to any parameters for the command either "
                "because the command does not take pipeline input or the input and its "
                "properties do not match any of the parameters that take pipeline input.",
                target=pipeline_object,
            )
            exc.terminating = False
            raise exc
        candidates = [s for s in candidates if bound_to.in_set(s)]
    complete = [s for s in candidates if all(name in values for name in tables.mandatory[s])]
    if complete:
        chosen = sig.default_set if sig.default_set in complete else complete[0]
        return Bound(values, chosen)
    chosen = sig.default_set if sig.default_set in candidates else candidates[0]
    missing = [name for name in tables.mandatory[chosen] if name not in values]
    raise _error(
        sig,
        "MissingMandatoryParameter",
        "Cannot process command because of one or more missing mandatory parameters: %s."
        % " ".join(missing),
    )


def _bind_by_property_name(sig: Signature, available: dict[str, Param], values: dict[str, t.Any],
                           candidates: list[str], item: PSObj) -> list[Param]:
    """ValueFromPipelineByPropertyName, after ByValue found nothing (PowerShell's order): the
    parameters of one candidate set, the default first, whose name or alias the object has as a
    property, bound to that property's value. [] when no set's parameters match."""
    ordered = sorted(candidates, key=lambda s: s != sig.default_set)
    for set_name in ordered:
        bound: list[Param] = []
        for p in sig.params:
            if not p.pipeline_by_name or p.name in values or p.name not in available or not p.in_set(set_name):
                continue
            for key in (p.name,) + tuple(p.aliases):
                found, value = item.find(key)
                if found and value is not None:
                    try:
                        values[p.name] = convert(sig, p, value)
                    except PSErrorException:
                        continue
                    bound.append(p)
                    break
        if bound:
            return bound
    return []


def takes_pipeline_input(sig: Signature) -> bool:
    return any(p.pipeline or p.pipeline_by_name for p in sig.params)
