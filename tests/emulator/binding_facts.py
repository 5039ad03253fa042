"""Comparing an emulated cmdlet's binding with a reference's facts (parameter-table tests)."""

from __future__ import annotations

import typing as t

from hyperv_sriov_emulator.binding import Signature


def pipeline_kind(param: t.Any) -> t.Any:
    """``ByValue``, ``ByPropertyName``, both as the references write them, or False."""
    kinds = [kind for kind, flag in (("ByValue", param.pipeline), ("ByPropertyName", param.pipeline_by_name)) if flag]
    return ", ".join(kinds) or False


def binding_problems(sig: Signature, facts: dict[str, t.Any], sets: t.Sequence[str],
                     not_modelled: t.AbstractSet[str] = frozenset()) -> list[str]:
    """Where ``sig`` binds otherwise than ``facts`` say (``{"parameters": [{"name", "aliases",
    "sets": {set: [required, position, pipeline]}}]}``), over the parameter sets ``sets``
    (``__AllParameterSets``: a cmdlet without named sets); [] when they agree."""
    real = {p["name"].lower(): p for p in facts["parameters"]}
    problems = []
    for param in sig.params:
        fact = real.get(param.name.lower())
        if fact is None:
            problems.append("%s: not a parameter of the real command" % param.name)
            continue
        if sorted(a.lower() for a in param.aliases) != sorted(a.lower() for a in fact["aliases"]):
            problems.append("%s: aliases %s, real %s" % (param.name, list(param.aliases), fact["aliases"]))
        for set_name in sets:
            real_in = fact["sets"].get(set_name)
            in_set = param.in_set(set_name) or set_name == "__AllParameterSets"
            ours = (param.mandatory_in(set_name), param.position_in(set_name)) if in_set else None
            theirs = (real_in[0], real_in[1]) if real_in else None
            if ours != theirs:
                problems.append("%s in %s: (mandatory, position) %s, real %s" % (param.name, set_name, ours, theirs))
            if real_in and in_set and pipeline_kind(param) != real_in[2]:
                problems.append("%s in %s: pipeline input %s, real %s" % (
                    param.name, set_name, pipeline_kind(param), real_in[2]))
    missing = {p["name"] for p in facts["parameters"]} - {p.name for p in sig.params}
    if missing != set(not_modelled):
        problems.append("real parameters not emulated: %s (listed: %s)" % (sorted(missing), sorted(not_modelled)))
    return problems
