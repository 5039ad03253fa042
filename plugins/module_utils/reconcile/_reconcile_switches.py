# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning virtual switches: create, change, remove, or hand over to a recreate.

Private to the collection. Pure: no I/O.
"""

from __future__ import annotations

import typing as t

from ansible_collections.sriov.hyperv.plugins.module_utils.spec._host_parse import SWITCH_PROPERTIES
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_common import (
    STAGE_SWITCHES,
    creates_host_vnic,
    SWITCH_PARAMETERS,
    Context,
    Operation,
    attached_to,
    drop_vnics,
    known,
    new_switch_command,
    new_vnic,
    resolve_mode,
    set_after_creation,
    set_switch_commands,
    switch_command,
    unnamed_removals,
    warn_host_iov,
)
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_physical import nic_not_capable, unknown_nic
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_recreate import build_recreate
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import SWITCH
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import (
    CREATION_ONLY_SWITCH_OPTIONS,
    DEFAULT_FLOW_MODES,
    REQUIRED_WINDOWS,
    SWITCH_DEFAULTS,
    SwitchConfig,
    declared,
    default_flow_problem,
    name_key,
    to_host,
)

# The switch options planned by rules of their own below: the parameter sets (type, adapters,
# the management OS), SR-IOV and the bandwidth mode it resolves, teaming and its algorithm. Every
# other option with a cmdlet parameter is planned from its declaration alone: kept or changed in
# place, or, creation-only, a difference that needs a recreate.
_RULED = ("switch_type", "net_adapter_names", "enable_iov", "allow_management_os", "minimum_bandwidth_mode",
          "enable_embedded_teaming", "load_balancing_algorithm")
PLAIN_OPTIONS = tuple(option for option in SWITCH_PARAMETERS if option not in _RULED)
PLAIN_CREATION_ONLY = tuple(option for option in PLAIN_OPTIONS if option in CREATION_ONLY_SWITCH_OPTIONS)
PLAIN_SETTABLE = tuple(option for option in PLAIN_OPTIONS if option not in CREATION_ONLY_SWITCH_OPTIONS)


def _bound_elsewhere(ctx: Context, nic_name: str, switch_key: str) -> str | None:
    for key, switch in ctx.switches.items():
        if key == switch_key or switch.switch_type != "external":
            continue
        if any(name_key(name) == name_key(nic_name) for name in switch.net_adapter_names or []):
            return switch.name
    return None


def _check_nics(ctx: Context, where: str, nics: list[str], switch_key: str, iov: bool) -> bool:
    ok = True
    for position, nic_name in enumerate(nics):
        nic = ctx.have.nic(nic_name)
        if nic is None:
            unknown_nic(ctx, "%s.net_adapter_names[%d]" % (where, position), nic_name)
            ok = False
            continue
        other = _bound_elsewhere(ctx, nic_name, switch_key)
        if other is not None:
            ctx.problems.append(
                "%s.net_adapter_names[%d]: physical adapter '%s' is already bound to External switch '%s'; an adapter "
                "can serve one External switch only. Use another adapter, or remove or change switch '%s' first."
                % (where, position, nic_name, other, other)
            )
            ok = False
        if iov:
            reason = nic_not_capable(nic)
            if reason:
                ctx.problems.append(
                    "%s.enable_iov: physical adapter '%s' cannot use SR-IOV: %s. Bind the switch to an SR-IOV capable "
                    "adapter, or leave enable_iov off." % (where, nic.name, reason)
                )
                ok = False
    return ok


def _check_switch_options(ctx: Context, where: str, given: dict) -> bool:
    """Whether this host has every option ``given`` (option -> value) names; a problem for each it lacks."""
    ok = True
    for option, prop_name in SWITCH_PROPERTIES.items():
        if option in given and not ctx.have.supports_switch_option(option):
            ctx.problems.append(
                "%s.%s: this host does not support %s (its switches have no %s property; it needs %s or later). "
                "Remove the option." % (where, option, option, prop_name, REQUIRED_WINDOWS[option])
            )
            ok = False
    return ok


def _remove_switch(ctx: Context, switch: SwitchConfig) -> None:
    key = name_key(switch.name)
    attached_vms = [item for item in attached_to(ctx, switch.name) if not item.management_os]
    for item in attached_vms:
        item.switch_name = None
    dropped = drop_vnics(ctx, switch.name)
    del ctx.switches[key]
    ctx.removed_switches.add(key)
    if attached_vms:
        ctx.warnings.append(
            "Removing switch '%s' %s these adapters disconnected: %s."
            % (switch.name, ctx.will("leaves", "would leave"), ", ".join(item.label() for item in attached_vms))
        )
    summary = "remove switch '%s'" % switch.name
    if dropped:
        summary += " (and its management-OS adapters %s)" % ", ".join("'%s'" % name for name in dropped)
    ctx.add(
        Operation(
            stage=STAGE_SWITCHES,
            action="remove",
            target=switch.name,
            commands=[switch_command("Remove-VMSwitch", switch.name, {"Force": SWITCH})],
            summary=summary,
            details={"order": 0},
        )
    )


def _create_switch(ctx: Context, where: str, given: dict) -> None:
    """Create the switch the task item ``given`` (option -> value) describes."""
    name = given["name"]
    key = name_key(name)
    nics = given.get("net_adapter_names")
    switch_type = given.get("switch_type") or ("external" if nics else None)
    if switch_type is None:
        ctx.problems.append(
            "%s: switch '%s' does not exist and cannot be created without a type. Give net_adapter_names for an "
            "External switch, or switch_type: internal or private." % (where, name)
        )
        return
    if switch_type == "external" and not nics:
        ctx.problems.append(
            "%s.net_adapter_names: creating External switch '%s' needs the physical adapter(s) to bind. Give "
            "net_adapter_names." % (where, name)
        )
        return
    ok = _check_switch_options(ctx, where, given)
    if nics:
        ok = _check_nics(ctx, where, nics, key, bool(given.get("enable_iov"))) and ok
    if not ok:
        return
    iov = bool(given.get("enable_iov"))
    warn_host_iov(ctx, name, iov)
    after = SwitchConfig.model_construct(
        name=name,
        switch_type=switch_type,
        net_adapter_names=list(nics) if switch_type == "external" else None,
        enable_iov=iov,
        allow_management_os=creates_host_vnic(switch_type, nics, given.get("allow_management_os")),
        minimum_bandwidth_mode=resolve_mode(ctx, given.get("minimum_bandwidth_mode"), iov),
    )
    if not _default_flow_fits(ctx, where, name, given, after.minimum_bandwidth_mode):
        return
    defaults = _switch_defaults(ctx, switch_type, nics)
    for option in ("enable_embedded_teaming",) + PLAIN_OPTIONS:
        if option in defaults or option in given:
            setattr(after, option, given.get(option, defaults.get(option)))
    if after.enable_embedded_teaming:
        # New-VMSwitch has no load-balancing parameter: a new team gets Dynamic (set_after_creation).
        after.load_balancing_algorithm = given.get("load_balancing_algorithm", "dynamic")
    elif given.get("load_balancing_algorithm") is not None:
        _not_a_team(ctx, where, name)
        return
    commands = [new_switch_command(given)] + set_after_creation(name, after.model_dump(exclude_none=True), defaults)
    ctx.switches[key] = after
    if after.allow_management_os:
        vnic = new_vnic(ctx, name)
        ctx.adapters[vnic.key()] = vnic
    ctx.add(
        Operation(
            stage=STAGE_SWITCHES,
            action="create",
            target=name,
            commands=commands,
            summary="create %s switch '%s'%s" % (switch_type, name, " with SR-IOV" if iov else ""),
            details={"order": 1},
        )
    )


def _default_flow_fits(ctx: Context, where: str, name: str, given: dict, mode: str) -> bool:
    """Refuse a default-flow reservation that the switch's (resolved) bandwidth mode cannot take."""
    problems = [default_flow_problem(where, name, option, mode) for option in DEFAULT_FLOW_MODES if option in given]
    ctx.problems.extend(problem for problem in problems if problem)
    return not any(problems)


def _not_a_team(ctx: Context, where: str, name: str) -> None:
    ctx.problems.append(
        "%s.load_balancing_algorithm: switch '%s' is not a Switch Embedded Teaming switch, and only a team has a "
        "load-balancing algorithm. Remove load_balancing_algorithm, or make it a SET switch (more than one "
        "physical adapter, or enable_embedded_teaming: true)." % (where, name))


def _switch_defaults(ctx: Context, type_after: str, nics_after: list | None) -> dict:
    """What Hyper-V gives a switch for each option it is not given: the fixed defaults this host
    supports, plus those that depend on the switch's adapters and type."""
    defaults: dict[str, t.Any] = {
        option: value for option, value in SWITCH_DEFAULTS.items() if ctx.have.supports_switch_option(option)
    }
    if ctx.have.supports_switch_option("enable_embedded_teaming"):
        defaults["enable_embedded_teaming"] = len(nics_after or []) > 1
    if type_after == "external":
        defaults["allow_management_os"] = True
    return defaults


def _update_switch(ctx: Context, where: str, current: SwitchConfig, given: dict) -> None:
    """Bring the predicted switch ``current`` to the task item ``given`` (option -> value): in place,
    by a recreate, or refused."""
    name = current.name
    key = name_key(name)
    desired = {option: value for option, value in given.items() if option != "name"}
    type_after = desired.get("switch_type") or (
        "external" if desired.get("net_adapter_names") else current.switch_type
    )
    nics_after = (
        desired.get("net_adapter_names", current.net_adapter_names) if type_after == "external" else None
    )
    if ctx.replacing:
        # A creation-only setting the task does not name is kept: resetting it would mean a
        # recreate (or a refusal) the task never asked for (a Weight-mode converged switch listed
        # by name only stays in Weight mode).
        for option, value in _switch_defaults(ctx, type_after, nics_after).items():
            if option not in CREATION_ONLY_SWITCH_OPTIONS:
                desired.setdefault(option, value)
    if not _check_switch_options(ctx, where, given):
        return
    if type_after == "external" and not nics_after:
        ctx.problems.append(
            "%s.net_adapter_names: making switch '%s' External needs the physical adapter(s) to bind. Give "
            "net_adapter_names." % (where, name)
        )
        return
    iov_before = bool(current.enable_iov)
    iov_after = bool(desired.get("enable_iov", iov_before))
    nics_changed = nics_after is not None and sorted(map(name_key, nics_after)) != sorted(
        map(name_key, current.net_adapter_names or [])
    )
    if nics_changed or (iov_after and not iov_before):
        if not _check_nics(ctx, where, list(nics_after or []), key, iov_after):
            return
    if iov_after and not iov_before and type_after != "external":
        ctx.problems.append(
            "%s.enable_iov: SR-IOV needs an External switch; switch '%s' is %s. Set switch_type: external with "
            "net_adapter_names, or remove enable_iov." % (where, name, type_after)
        )
        return
    if iov_before and type_after != "external" and iov_after:
        ctx.problems.append(
            "%s.switch_type: switch '%s' has SR-IOV enabled, and Hyper-V cannot turn an SR-IOV External switch into "
            "a %s one. Also set enable_iov: false (the switch is then recreated), or keep it External."
            % (where, name, type_after)
        )
        return
    # Creation-only settings: compare resolved values so that "default" never drifts.
    diffs: list[tuple[str, t.Any, t.Any]] = []
    if iov_after != iov_before:
        diffs.append(("enable_iov", iov_before, iov_after))
    mode_before = current.minimum_bandwidth_mode
    if "minimum_bandwidth_mode" in desired:
        mode_after = resolve_mode(ctx, desired["minimum_bandwidth_mode"], iov_after)
    elif iov_after != iov_before:
        keeps_default = mode_before == resolve_mode(ctx, "default", iov_before)
        mode_after = resolve_mode(ctx, "default", iov_after) if keeps_default else mode_before
    else:
        mode_after = mode_before
    if mode_after != mode_before:
        diffs.append(("minimum_bandwidth_mode", mode_before, mode_after))
    if not _default_flow_fits(ctx, where, name, given, mode_after):
        return
    for option in PLAIN_CREATION_ONLY:
        if desired.get(option, getattr(current, option)) != getattr(current, option):
            diffs.append((option, getattr(current, option), desired[option]))
    teaming_before = current.enable_embedded_teaming
    teaming_after = desired.get("enable_embedded_teaming", teaming_before)
    if len(nics_after or []) > 1 and not teaming_after:
        if desired.get("enable_embedded_teaming") is False:
            ctx.problems.append(
                "%s.enable_embedded_teaming: %d physical adapters need Switch Embedded Teaming. Set "
                "enable_embedded_teaming: true, or name one adapter." % (where, len(nics_after or []))
            )
            return
        teaming_after = True
    if teaming_after != teaming_before and teaming_before is not None:
        diffs.append(("enable_embedded_teaming", teaming_before, teaming_after))
    allow_before = current.allow_management_os
    allow_after = desired.get("allow_management_os", allow_before) if type_after == "external" else (
        type_after == "internal"
    )
    after = current.model_copy(update={
        "switch_type": type_after,
        "enable_iov": iov_after,
        "minimum_bandwidth_mode": mode_after,
        "allow_management_os": allow_after,
        "net_adapter_names": list(nics_after or []) if type_after == "external" else None,
    })
    for option in PLAIN_OPTIONS:
        setattr(after, option, desired.get(option, getattr(current, option)))
    for option, mode in DEFAULT_FLOW_MODES.items():
        if mode != mode_after:
            # A recreate into another mode leaves the old mode's reservation behind.
            setattr(after, option, None)
    if teaming_after is not None:
        after.enable_embedded_teaming = teaming_after
    if diffs and iov_after and mode_after in ("weight", "absolute"):
        # No source says whether New-VMSwitch accepts -EnableIov with an explicit Weight or Absolute
        # mode (reference 2.3: UNCONFIRMED; Hyper-V's own default for an SR-IOV switch is None, and
        # SR-IOV traffic bypasses the switch's bandwidth management, reference S10). A recreate that
        # the host might refuse would only remove the switch and put it back, so the collection does
        # not try it and says so as an open question, not as Hyper-V's rule.
        ctx.problems.append(
            "%s.minimum_bandwidth_mode: switch '%s' uses %s minimum bandwidth, and this collection does not rebuild "
            "a switch with enable_iov: true in that mode: Hyper-V creates SR-IOV switches in mode none, SR-IOV "
            "traffic bypasses the switch's bandwidth management, and no documentation says Hyper-V accepts the "
            "combination. Also set minimum_bandwidth_mode: none (the switch's minimum-bandwidth reservations go with "
            "it), or leave enable_iov off." % (where, name, mode_after)
        )
        return
    if teaming_after and type_after == "external":
        # Not creation-only: Set-VMSwitchTeam changes it in place. Hyper-V's default is Dynamic.
        # A switch that becomes a team (a recreate) starts with Hyper-V's Dynamic too.
        lb_default = "dynamic" if ctx.replacing or not teaming_before else current.load_balancing_algorithm
        lb_after = desired.get("load_balancing_algorithm", lb_default)
        if lb_after is not None:
            after.load_balancing_algorithm = lb_after
    else:
        if desired.get("load_balancing_algorithm") is not None:
            _not_a_team(ctx, where, name)
            return
        after.load_balancing_algorithm = None
    if diffs:
        attached = attached_to(ctx, name)
        if ctx.policy.creation_only_changes == "fail":
            ctx.refusals.append(
                {"switch": name, "settings": diffs, "attached": [item.label() for item in attached]}
            )
            return
        warn_host_iov(ctx, name, iov_after and not iov_before)
        keeps_vnics = after.allow_management_os or after.switch_type == "internal"
        vnics = [item.name for item in attached if item.management_os]
        if not keeps_vnics and not unnamed_removals(ctx, where, name, vnics,
                                                    desired.get("remove_management_os_adapters")):
            return
        build_recreate(ctx, current, after, diffs)
        return
    if current.allow_management_os and not after.allow_management_os:
        vnics = [item.name for item in attached_to(ctx, name) if item.management_os]
        if not unnamed_removals(ctx, where, name, vnics, desired.get("remove_management_os_adapters")):
            return
    _set_switch(ctx, current, after, desired)


def _set_switch(ctx: Context, current: SwitchConfig, after: SwitchConfig, desired: dict) -> None:
    """Change the switch ``current`` into ``after`` in place (Set-VMSwitch, Set-VMSwitchTeam)."""
    name = current.name
    key = name_key(name)
    parameters: dict[str, t.Any] = {}
    team: dict[str, t.Any] = {}
    changed: list[str] = []
    type_before, type_after = current.switch_type, after.switch_type
    nics_before = current.net_adapter_names or []
    nics_after = after.net_adapter_names or []
    nic_parameter = SWITCH_PARAMETERS["net_adapter_names"]
    if type_after != type_before:
        changed.append("type %s -> %s" % (type_before, type_after))
        if type_after == "external":
            parameters[nic_parameter] = list(nics_after)
        else:
            parameters[SWITCH_PARAMETERS["switch_type"]] = to_host("switch_type", type_after, SwitchConfig)
    elif type_after == "external" and sorted(map(name_key, nics_after)) != sorted(map(name_key, nics_before)):
        changed.append("physical adapters %s" % ", ".join(nics_after))
        if after.enable_embedded_teaming:
            team[nic_parameter] = list(nics_after)
        else:
            parameters[nic_parameter] = list(nics_after)
    if type_after == "external" and "allow_management_os" in desired and after.allow_management_os != bool(
        current.allow_management_os
    ):
        parameters[SWITCH_PARAMETERS["allow_management_os"]] = after.allow_management_os
        changed.append("allow_management_os %s" % after.allow_management_os)
    # The algorithm is left alone when the prediction has none (not a team, or not known).
    settable = ("load_balancing_algorithm",) + PLAIN_SETTABLE
    differing = [option for option in settable if getattr(after, option) is not None
                 and getattr(after, option) != known(getattr(current, option), SWITCH_DEFAULTS.get(option))]
    changed += [_described(option, getattr(after, option)) for option in differing]
    commands = set_switch_commands(name, after.model_dump(exclude_none=True), differing,
                                   {"Set-VMSwitch": parameters, "Set-VMSwitchTeam": team})
    if not commands:
        return
    ctx.switches[key] = after
    had_vnic = bool(current.allow_management_os)
    if had_vnic and not after.allow_management_os:
        dropped = drop_vnics(ctx, name)
        if dropped:
            ctx.warnings.append(
                "Switch '%s' no longer allows the management OS: its management-OS adapters %s %s."
                % (name, ", ".join("'%s'" % item for item in dropped), ctx.will("are removed", "would be removed"))
            )
    elif not had_vnic and after.allow_management_os:
        vnic = new_vnic(ctx, name)
        ctx.adapters.setdefault(vnic.key(), vnic)
    ctx.add(
        Operation(
            stage=STAGE_SWITCHES,
            action="update",
            target=name,
            commands=commands,
            summary="change switch '%s': %s" % (name, "; ".join(changed)),
            details={"order": 2},
        )
    )


def _described(option: str, value: t.Any) -> str:
    """A changed option in a summary: free text (notes) by its name only, anything else with its value."""
    if isinstance(value, str) and not declared(SwitchConfig, option).get("host_values"):
        return option
    return "%s %s" % (option, value)


def plan_switches(ctx: Context) -> None:
    section = ctx.want.switches
    if section is None:
        return
    named = {name_key(item.name) for item in section}
    if ctx.state == "overridden":
        # Removals first: a physical adapter freed here may be bound by a switch created below.
        for key, current in list(ctx.switches.items()):
            if key not in named:
                _remove_switch(ctx, current)
    for index, item in enumerate(section):
        where = "config.switches[%d]" % index
        key = name_key(item.name)
        current = ctx.switches.get(key)
        given = item.model_dump(exclude_none=True)
        if ctx.state == "deleted":
            if current is not None:
                _remove_switch(ctx, current)
            continue
        if current is None:
            _create_switch(ctx, where, given)
        else:
            _update_switch(ctx, where, current, given)
