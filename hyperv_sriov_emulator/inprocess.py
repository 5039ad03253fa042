"""The collection's runner contract served in process: the fast path for unit tests.

``InProcessRunner(host).run(statements)`` hands each statement (a sequence of the collection's
``Command(name, parameters)``) to ``engine.invoke`` and returns the collection's ``RunResult``,
built with the same plain-data rules as the PSRP runner (``psobj.to_plain``).
"""

from __future__ import annotations

import dataclasses
import typing as t

from . import engine
from .model import HostState
from .psobj import Enum, PSError, PSObj, to_plain

try:
    from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import (  # type: ignore[import-not-found]
        ErrorRecordData,
        PSObjectData,
        RunResult,
    )
except ImportError:  # the collection is not importable: same shapes, locally

    @dataclasses.dataclass
    class PSObjectData:  # type: ignore[no-redef]
        type_names: list[str]
        properties: dict[str, t.Any]
        to_string: str | None = None

        def is_a(self, type_name: str) -> bool:
            wanted = type_name.lower()
            return any(name.lower() == wanted for name in self.type_names)

    @dataclasses.dataclass
    class ErrorRecordData:  # type: ignore[no-redef]
        message: str
        category: str
        fqid: str
        target: t.Any = None
        command: str | None = None
        exception_type: str | None = None

    @dataclasses.dataclass
    class RunResult:  # type: ignore[no-redef]
        output: list[PSObjectData]
        errors: list[ErrorRecordData]
        terminating_error: ErrorRecordData | None = None

        @property
        def failed(self) -> bool:
            return self.terminating_error is not None

        def all_errors(self) -> list[ErrorRecordData]:
            return self.errors + ([self.terminating_error] if self.terminating_error else [])

        def of_type(self, type_name: str) -> list[PSObjectData]:
            return [obj for obj in self.output if obj.is_a(type_name)]


_CLR_TYPES = {str: "System.String", bool: "System.Boolean", int: "System.Int32", float: "System.Double"}


def object_data(obj: t.Any) -> PSObjectData:
    """One output object as the PSRP runner reads it: adapted properties, then extended ones; a
    bare value (a string, a number, an enum) as an object without properties."""
    if isinstance(obj, PSObj):
        properties = {name: to_plain(value) for name, value in obj.properties}
        for name, value in obj.members:
            properties.setdefault(name, to_plain(value))
        return PSObjectData(type_names=list(obj.type_names), properties=properties, to_string=obj.to_string)
    plain = to_plain(obj)
    if isinstance(obj, Enum):
        type_names = [obj.type_name, "System.Enum", "System.ValueType", "System.Object"]
    else:  # as the PSRP runner names a bare value
        type_names = [_CLR_TYPES.get(type(plain), "System.Object")]
    return PSObjectData(type_names=type_names, properties={}, to_string=None if plain is None else str(plain))


def error_data(record: PSError) -> ErrorRecordData:
    return ErrorRecordData(
        message=record.message,
        category=record.category,
        fqid=record.fqid,
        target=to_plain(record.target),
        command=record.command,
        exception_type=record.exception_type,
    )


def to_specs(statements: t.Sequence[t.Sequence[t.Any]]) -> list[list[engine.CommandSpec]]:
    specs = []
    for statement in statements:
        pipeline = []
        for command in statement:
            parameters = command.parameters
            items = list(parameters.items()) if isinstance(parameters, dict) else list(parameters)
            pipeline.append(engine.CommandSpec(command.name, items))
        specs.append(pipeline)
    return specs


class InProcessRunner:
    """A ``Runner`` bound to one emulated host, without a network in between."""

    def __init__(self, host: HostState) -> None:
        self.host = host
        self.closed = False

    def run(self, statements: t.Sequence[t.Sequence[t.Any]]) -> RunResult:
        if self.closed:
            raise RuntimeError("the in-process runner is closed")
        result = engine.invoke(self.host, to_specs(statements))
        return RunResult(
            output=[object_data(obj) for obj in result.output],
            errors=[error_data(record) for record in result.errors],
            terminating_error=error_data(result.terminating) if result.terminating else None,
        )

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> "InProcessRunner":
        return self

    def __exit__(self, *exc: t.Any) -> None:
        self.close()
