"""PowerShell's value rules for the core cmdlets: conversion to text and to Boolean, and the
comparison operators Where-Object's simplified syntax uses.

The rules, as PowerShell's language reference and its source (``LanguagePrimitives``,
``ParserOps``; repository PowerShell/PowerShell, ``src/System.Management.Automation/engine/``)
define them:
- a comparison converts the right operand to the type of the left one; a conversion that fails
  makes ``-eq`` false (never an error);
- string comparisons ignore case unless the operator is a ``-c...`` one;
- when the left operand is a collection, ``-eq``/``-ne``/``-like``/... return the elements that
  match, and that result is true when it is not empty (one element: that element's truth);
- ``-contains`` / ``-in`` compare each element of the collection (on the left) with the scalar;
- ``-like`` patterns use ``*``, ``?`` and ``[a-z]``; ``-match`` is a regular expression.
"""

from __future__ import annotations

import fnmatch
import math
import re
import typing as t
import uuid

from .model import enums
from .psobj import Enum, Guid, PSObj, TypedList


class CannotCompare(Exception):
    """Two values that an ordering operator cannot compare (PowerShell: PSInvalidCastException)."""


def is_collection(value: t.Any) -> bool:
    return isinstance(value, (list, tuple, TypedList))


def items_of(value: t.Any) -> list[t.Any]:
    if isinstance(value, TypedList):
        return list(value.items)
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def to_text(value: t.Any) -> str:
    """``[string]$value``: True/False, an enum's name, numbers invariant, a Guid in its D form,
    an object's ToString(), a collection's elements joined by a space ($OFS)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, float):
        return repr(value) if value != int(value) else str(int(value))
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, PSObj):
        return value.to_string
    if is_collection(value):
        return " ".join(to_text(item) for item in items_of(value))
    return str(value)


def to_bool(value: t.Any) -> bool:
    """``[bool]$value`` (LanguagePrimitives.IsTrue)."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return value.value != 0
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value != ""
    if is_collection(value):
        items = items_of(value)
        if not items:
            return False
        return to_bool(items[0]) if len(items) == 1 else True
    return True


_NO_VALUE = object()


def _number(value: t.Any) -> t.Any:
    """A value as a number the way PowerShell converts it, or _NO_VALUE."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0
        try:
            return int(text, 16) if text.lower().startswith("0x") else int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return _NO_VALUE
        return number if math.isfinite(number) else _NO_VALUE
    return _NO_VALUE


def convert_like(left: t.Any, right: t.Any) -> t.Any:
    """``right`` converted to the type of ``left``, or _NO_VALUE when PowerShell could not."""
    if isinstance(left, bool):
        return to_bool(right)
    if isinstance(left, Enum):
        if isinstance(right, Enum):
            return right.value if right.type_name == left.type_name else _NO_VALUE
        name = enums.canonical_name(left.type_name, right) if left.type_name in enums.ENUMS else None
        if name is None:
            return _NO_VALUE
        return enums.ENUMS[left.type_name][name]
    if isinstance(left, Guid) or isinstance(left, uuid.UUID):
        try:
            return str(uuid.UUID(to_text(right)))
        except ValueError:
            return _NO_VALUE
    if isinstance(left, (int, float)):
        return _number(right)
    if isinstance(left, str):
        return to_text(right)
    return right


def equals(left: t.Any, right: t.Any, ignore_case: bool = True) -> bool:
    """``$left -eq $right`` for a scalar left operand (LanguagePrimitives.Equals)."""
    if left is None:
        return right is None
    if right is None:
        return False
    if isinstance(left, PSObj):
        return left is right
    converted = convert_like(left, right)
    if converted is _NO_VALUE:
        return False
    if isinstance(left, Enum):
        return left.value == converted
    if isinstance(left, bool):
        return left == converted
    if isinstance(left, (Guid, uuid.UUID)):
        return str(left).lower() == converted
    if isinstance(left, str):
        return left.lower() == converted.lower() if ignore_case else left == converted
    return left == converted


def compare(left: t.Any, right: t.Any, ignore_case: bool = True) -> int:
    """-1, 0 or 1 as ``$left`` orders against ``$right`` (LanguagePrimitives.Compare); raises
    CannotCompare when the right operand does not convert to the left one's type."""
    if left is None and right is None:
        return 0
    if left is None:
        return -1
    if right is None:
        return 1
    converted = convert_like(left, right)
    if converted is _NO_VALUE or isinstance(left, PSObj):
        raise CannotCompare("Cannot compare \"%s\" to \"%s\"." % (to_text(left), to_text(right)))
    if isinstance(left, Enum):
        a, b = left.value, converted
    elif isinstance(left, str):
        a, b = (left.lower(), converted.lower()) if ignore_case else (left, converted)
    elif isinstance(left, (Guid, uuid.UUID)):
        a, b = str(left).lower(), converted
    else:
        a, b = left, converted
    return (a > b) - (a < b)


def like(left: t.Any, pattern: t.Any, ignore_case: bool = True) -> bool:
    """``$left -like $pattern`` for a scalar (both sides as text; WildcardPattern rules)."""
    text, wanted = to_text(left), to_text(pattern)
    if ignore_case:
        text, wanted = text.lower(), wanted.lower()
    # fnmatch's [!...] is PowerShell's [^...] only in spirit; PowerShell has no negated sets,
    # so a literal "!" inside brackets stays literal.
    regex = fnmatch.translate(wanted.replace("[!", "[\\!"))
    return re.match(regex, text, re.DOTALL) is not None


def match(left: t.Any, pattern: t.Any, ignore_case: bool = True) -> bool:
    return re.search(to_text(pattern), to_text(left), re.IGNORECASE if ignore_case else 0) is not None


def contains(collection: t.Any, value: t.Any, ignore_case: bool = True) -> bool:
    """``$collection -contains $value``: each element is the left operand of -eq."""
    return any(equals(item, value, ignore_case) for item in items_of(collection))


def scalar_or_filter(left: t.Any, test: t.Callable[[t.Any], bool]) -> bool:
    """An operator applied to a left operand: a scalar gives the test's answer, a collection the
    truth of the elements that pass (PowerShell's operators filter collections)."""
    if is_collection(left):
        return to_bool([item for item in items_of(left) if test(item)])
    return test(left)
