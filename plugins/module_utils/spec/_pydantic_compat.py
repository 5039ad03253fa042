# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pydantic, or inert stand-ins when it is not installed.

ansible-test's sanity ``import`` test loads every module_utils file in a virtualenv that holds
only ansible-core. The model classes must still be definable there, so that the module can load
and report ``missing_required_lib("pydantic")`` instead of a traceback. The module's argument
spec is derived from the models before that report, so the stand-ins keep what the derivation
reads: ``model_fields`` with each field's annotation, description, constraints and extra data.
"""

from __future__ import annotations

import os
import typing as t

# pydantic looks for plugins in the metadata of every installed distribution when the first model
# is built: a quarter of the module's import time on a controller with a full Python environment.
# The collection's models are private and no plugin has business with them; a user's explicit
# setting still wins. (pydantic documents PYDANTIC_DISABLE_PLUGINS under "Plugins".)
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

try:
    from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
except ImportError as exc:  # pragma: no cover - exercised by a test that hides pydantic
    HAS_PYDANTIC = False
    PYDANTIC_IMPORT_ERROR: "str | None" = str(exc)

    class _FieldInfo:
        """The part of pydantic's FieldInfo that the argument spec derivation reads."""

        def __init__(self, default: t.Any = ..., description: t.Any = None, json_schema_extra: t.Any = None,
                     **constraints: t.Any) -> None:
            self.default = default
            self.description = description
            self.json_schema_extra = json_schema_extra
            self.annotation: t.Any = None
            # pydantic keeps ge / le / min_length as metadata objects with those attributes.
            self.metadata = [type("Constraint", (), {name: value})() for name, value in constraints.items()]

        def is_required(self) -> bool:
            return self.default is ...

    class BaseModel:  # type: ignore[no-redef]
        """Enough of pydantic's BaseModel for class bodies to execute; never instantiated."""

        model_config: t.ClassVar[dict] = {}
        model_fields: t.ClassVar[dict] = {}

        def __init_subclass__(cls, **kwargs: t.Any) -> None:
            hints = t.get_type_hints(cls)
            fields = {}
            for name in cls.__dict__.get("__annotations__", {}):
                if name.startswith("model_"):
                    continue
                value = cls.__dict__.get(name, ...)
                info = value if isinstance(value, _FieldInfo) else _FieldInfo(default=value)
                info.annotation = hints[name]
                fields[name] = info
            cls.model_fields = fields

        def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
            raise ImportError("pydantic is required: " + str(PYDANTIC_IMPORT_ERROR))

    class ValidationError(Exception):  # type: ignore[no-redef]
        pass

    def ConfigDict(**kwargs: t.Any) -> dict:  # type: ignore[no-redef]  # noqa: N802
        return dict(kwargs)

    def Field(default: t.Any = ..., **kwargs: t.Any) -> t.Any:  # type: ignore[no-redef]  # noqa: N802
        return _FieldInfo(default, **kwargs)

    def _passthrough_decorator(*args: t.Any, **kwargs: t.Any) -> t.Callable[[t.Any], t.Any]:
        def decorate(func: t.Any) -> t.Any:
            return func

        return decorate

    field_validator = _passthrough_decorator  # type: ignore[assignment]
    model_validator = _passthrough_decorator  # type: ignore[assignment]
else:
    HAS_PYDANTIC = True
    PYDANTIC_IMPORT_ERROR = None

__all__ = [
    "HAS_PYDANTIC",
    "PYDANTIC_IMPORT_ERROR",
    "BaseModel",
    "ConfigDict",
    "Field",
    "ValidationError",
    "field_validator",
    "model_validator",
]
