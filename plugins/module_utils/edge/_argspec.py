# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible argument specs derived from the desired-state models.

Private to the collection. The models in ``spec._spec`` are the one place an option is declared;
this turns a model into the argspec of one item (``argspec_of``) and is used for every module's
options, host_config's ``config`` suboptions and the sriov_host role's argument spec. Only what
Ansible needs to convert a value is carried over (type, elements, choices, required): ranges and
the cross-field rules are the model's to check, once, with messages that name the field path.
No option gets a default: an option the user leaves unset is not managed.
"""

from __future__ import annotations

import typing as t

_NONE_TYPE = type(None)
_SCALARS = {bool: "bool", int: "int", str: "str"}


def _unwrap_optional(annotation: t.Any) -> t.Any:
    args = [arg for arg in t.get_args(annotation) if arg is not _NONE_TYPE]
    if t.get_origin(annotation) is t.Union and len(args) == 1:
        return args[0]
    return annotation


def _is_model(annotation: t.Any) -> bool:
    return isinstance(annotation, type) and hasattr(annotation, "model_fields")


def nested_model(annotation: t.Any) -> t.Any:
    """The model inside Optional[List[Model]] or Optional[Model]; None for a plain option."""
    annotation = _unwrap_optional(annotation)
    if t.get_origin(annotation) in (list, t.List):
        (annotation,) = t.get_args(annotation)
    return annotation if _is_model(annotation) else None


def option_spec(annotation: t.Any) -> dict[str, t.Any]:
    """The argspec entry of one annotation: Optional[X] -> X; Literal -> str with choices;
    List[X] -> list with elements; a model -> dict with its options. Raises TypeError for a type
    Ansible cannot express, so a new option of such a type is noticed at import."""
    annotation = _unwrap_optional(annotation)
    if t.get_origin(annotation) is t.Literal:
        return {"type": "str", "choices": list(t.get_args(annotation))}
    if t.get_origin(annotation) in (list, t.List):
        (element,) = t.get_args(annotation)
        if _is_model(element):
            return {"type": "list", "elements": "dict", "options": argspec_of(element)}
        return {"type": "list", "elements": option_spec(element)["type"]}
    if _is_model(annotation):
        return {"type": "dict", "options": argspec_of(annotation)}
    if annotation in _SCALARS:
        return {"type": _SCALARS[annotation]}
    raise TypeError("no Ansible argument type for %r" % (annotation,))


def argspec_of(model: t.Any) -> dict[str, dict[str, t.Any]]:
    """Option name -> argspec entry for every field of ``model``, in field order."""
    spec = {}
    for name, field in model.model_fields.items():
        entry = option_spec(field.annotation)
        if field.is_required():
            entry["required"] = True
        spec[name] = entry
    return spec
