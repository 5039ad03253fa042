# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning VM and management-OS network adapters.

Private to the collection. Pure: no I/O. A Set-VMNetworkAdapter carries only the parameters
whose desired value differs from the requested value the host reports, so a host that lacks an
unmanaged feature is never sent its parameter.
"""

from __future__ import annotations

import typing as t

from ansible_collections.sriov.hyperv.plugins.module_utils.spec._host_parse import ADAPTER_PROPERTIES
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._identity import apart_remedy
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_common import (
    STAGE_ADAPTERS,
    Context,
    Operation,
    adapter_commands,
    find_adapter,
    known,
    settings_of,
)
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import (
    ADAPTER_BANDWIDTH_MODES,
    ADAPTER_DEFAULTS,
    ADAPTER_OPTIONS,
    IOV_ADAPTER_OPTIONS,
    REQUIRED_WINDOWS,
    VmAdapterConfig,
    default_flow_problem,
    did_you_mean,
    min_queue_pairs_problem,
    name_key,
)


def _show_candidates(adapters: t.Iterable[t.Any]) -> str:
    return ", ".join(
        "%s (switch %s, IovWeight %s)" % (
            adapter.mac_address or "no MAC address",
            "'%s'" % adapter.switch_name if adapter.switch_name else "none",
            "none" if adapter.iov_weight is None else adapter.iov_weight)
        for adapter in adapters)


def _resolve(ctx: Context, where: str, item: t.Any) -> tuple | None:
    """The key of the one adapter the entry names, or None after recording why there is none.

    A name several adapters share, without mac_address, names none of them: the task is refused
    before any write, listing each candidate, rather than writing to an adapter it did not mean."""
    identity = item.identity()
    found = ctx.have.adapters_named(identity)
    if len(found) == 1:
        return found[0].key()
    if not found:
        # A host adapter this plan creates (with its switch) can be configured in the same run.
        predicted = find_adapter(ctx, item)
        if predicted is not None:
            return predicted.key()
    if not found and identity.mac_address is not None:
        same_name = ctx.have.adapters_named(identity.narrowed(None))
        if same_name:
            ctx.problems.append(
                "%s.mac_address: %s has no network adapter '%s' with MAC address %s. Its adapters of that name: "
                "%s. Give one of these MAC addresses." % (
                    where, "the management OS" if identity.management_os else "VM '%s'" % item.vm_name,
                    item.name, identity.mac_address, _show_candidates(same_name)))
            return None
    if not found:
        _unknown_adapter(ctx, where, item)
        return None
    owner = "The management OS" if identity.management_os else "VM '%s'" % found[0].vm_name
    macs = {adapter.mac_address for adapter in found}
    how = ("Add mac_address to this entry to pick one." if len(macs) == len(found) and None not in macs else
           "Their MAC addresses do not tell them apart either: to manage one, %s."
           % apart_remedy(found[0].full_identity().mac_address if len(macs) == 1 else None))
    ctx.problems.append(
        "%s.name: %s has %d network adapters named '%s', and this entry would match all of them: %s. %s" % (
            where, owner, len(found), item.name, _show_candidates(found), how))
    return None


def _unknown_adapter(ctx: Context, where: str, item: t.Any) -> None:
    have = ctx.have
    if item.is_management_os:
        names = [adapter.name for adapter in have.adapters if adapter.management_os]
        ctx.problems.append(
            "%s.name: the management OS has no network adapter '%s'. Existing management-OS adapters: %s. Use one "
            "of these names (a host adapter is created with its switch, not by this option)."
            % (where, item.name, ", ".join("'%s'" % name for name in names) or "none")
        )
        return
    vm = have.vm(item.vm_name)
    if vm is None:
        hint = did_you_mean(item.vm_name, [vm.name for vm in have.vms])
        ctx.problems.append(
            "%s.vm_name: VM '%s' was not found on the host.%s Check the name with Get-VM." % (where, item.vm_name, hint)
        )
        return
    names = [
        adapter.name for adapter in have.adapters if not adapter.management_os and name_key(adapter.vm_name or "") == name_key(vm.name)
    ]
    hint = did_you_mean(item.name, names)
    ctx.problems.append(
        "%s.name: VM '%s' has no network adapter '%s'.%s Its adapters: %s."
        % (where, vm.name, item.name, hint, ", ".join("'%s'" % name for name in names) or "none")
    )


def _unknown_switch(ctx: Context, where: str | None, wanted_switch: str) -> None:
    hint = did_you_mean(wanted_switch, [switch.name for switch in ctx.switches.values()])
    removed = " (this task removes it)" if name_key(wanted_switch) in ctx.removed_switches else ""
    ctx.problems.append(
        "%s.switch_name: switch '%s' was not found on the host%s.%s Create it under switches, or use an "
        "existing switch." % (where, wanted_switch, removed, hint)
    )


def _defaults(supported: t.Iterable[str], management_os: bool) -> dict:
    return {
        option: ADAPTER_DEFAULTS[option]
        for option in supported
        if option in ADAPTER_DEFAULTS and not (management_os and option in IOV_ADAPTER_OPTIONS)
    }


def plan_adapters(ctx: Context) -> None:
    section = ctx.want.vm_adapters
    if section is None:
        return
    named: dict[tuple, int] = {}
    for index, item in enumerate(section):
        where = "config.vm_adapters[%d]" % index
        key = _resolve(ctx, where, item)
        if key is None:
            # Every problem at once: the switch is checked even when the adapter is not found.
            if item.switch_name is not None and name_key(item.switch_name) not in ctx.switches:
                _unknown_switch(ctx, where, item.switch_name)
            continue
        if key in named:
            ctx.problems.append(
                "%s: names the same adapter as config.vm_adapters[%d]. Merge the two entries into one."
                % (where, named[key]))
            continue
        current = ctx.adapters.get(key)
        if current is None:
            ctx.problems.append(
                "%s: %s is removed by this task's switch changes, so it cannot be configured. Keep "
                "allow_management_os on its switch, or leave this entry out." % (where, item.label())
            )
            continue
        named[key] = index
        given = settings_of(item, ADAPTER_OPTIONS)
        supported, mode_fits = _with_bandwidth_of(ctx, where, item, current, given,
                                                  ctx.have.options_of(key, item.is_management_os))
        if not mode_fits:
            continue
        unsupported = [option for option in given if option != "switch_name" and option not in supported]
        for option in unsupported:
            ctx.problems.append(
                "%s.%s: this host does not support %s on %s (the adapter has no %s property; it needs %s or later). "
                "Remove the option." % (where, option, option, item.label(), ADAPTER_PROPERTIES[option],
                                        REQUIRED_WINDOWS[option])
            )
        if unsupported:
            continue
        if ctx.state == "deleted":
            desired = _defaults(supported, item.is_management_os)
        else:
            desired = dict(given)
            if ctx.replacing:
                for option, value in _defaults(supported, item.is_management_os).items():
                    desired.setdefault(option, value)
        minimum, maximum = desired.get("vrss_min_queue_pairs"), desired.get("vmmq_queue_pairs", current.vmmq_queue_pairs)
        if minimum is not None and maximum is not None and minimum > maximum:
            ctx.problems.append(min_queue_pairs_problem(where, minimum, maximum))
            continue
        _reconcile_adapter(ctx, where, current, desired, explicit=given)
    if ctx.state == "overridden":
        for key, current in list(ctx.adapters.items()):
            if key in named:
                continue
            management_os = bool(current.management_os)
            supported = ctx.have.options_of(key, management_os)
            _reconcile_adapter(ctx, None, current, _defaults(supported, management_os), explicit={})


def _with_bandwidth_of(ctx: Context, where: str, item: t.Any, current: VmAdapterConfig, given: dict,
                       supported: frozenset) -> tuple[frozenset, bool]:
    """The options the adapter supports with the minimum bandwidth of the mode of the switch it will
    be on, and whether a minimum bandwidth the entry gives fits that mode (else the problem is noted)."""
    switch_name = given.get("switch_name") or current.switch_name
    switch = ctx.switches.get(name_key(switch_name or ""))
    mode = switch.minimum_bandwidth_mode if switch else None
    own = {option for option, kind in ADAPTER_BANDWIDTH_MODES.items() if kind == mode}
    fits = True
    for option in ADAPTER_BANDWIDTH_MODES:
        if option not in given or option in own:
            continue
        fits = False
        if switch is None:
            ctx.problems.append(
                "%s.%s: %s is not connected to a switch, and minimum bandwidth is a switch port's. Give "
                "switch_name too, or remove %s." % (where, option, item.label(), option))
        else:
            ctx.problems.append(default_flow_problem(where, switch.name, option, mode))
    return frozenset((set(supported) - set(ADAPTER_BANDWIDTH_MODES)) | own), fits


def _reconcile_adapter(ctx: Context, where: str | None, current: VmAdapterConfig, desired: dict,
                       explicit: dict) -> None:
    """Bring the predicted adapter ``current`` to ``desired`` (option -> value); ``explicit`` is
    what the task itself gives (without the defaults of a reset)."""
    label = current.label()
    connect = None
    wanted_switch = desired.get("switch_name")
    if wanted_switch is not None and name_key(wanted_switch) != name_key(current.switch_name or ""):
        target = ctx.switches.get(name_key(wanted_switch))
        if target is None:
            _unknown_switch(ctx, where, wanted_switch)
            return
        if current.management_os:
            ctx.problems.append(
                "%s.switch_name: %s is on switch '%s'; a management-OS adapter cannot be moved to another switch. "
                "Leave switch_name out, or set it to '%s'." % (where, label, current.switch_name,
                                                               current.switch_name)
            )
            return
        connect = target.name
    changes = {
        option: value
        for option, value in desired.items()
        # An adapter without a bandwidth setting has no minimum bandwidth: 0.
        if option != "switch_name"
        and known(getattr(current, option), 0 if option in ADAPTER_BANDWIDTH_MODES else None) != value
    }
    switch_after = ctx.switches.get(name_key(connect or current.switch_name or ""))
    if explicit.get("iov_weight") and switch_after is not None and not switch_after.enable_iov:
        ctx.warnings.append(
            "%s asks for SR-IOV (iov_weight %d) but its switch '%s' does not have SR-IOV enabled: it uses the "
            "synthetic path." % (label[0].upper() + label[1:], explicit["iov_weight"], switch_after.name)
        )
    if not changes and not connect:
        return
    commands = adapter_commands(current, changes, connect)
    if connect:
        current.switch_name = connect
    for option, value in changes.items():
        setattr(current, option, value)
    parts = (["connect to switch '%s'" % connect] if connect else []) + [
        "%s=%s" % (option, value) for option, value in changes.items()
    ]
    ctx.add(
        Operation(
            stage=STAGE_ADAPTERS,
            action="update",
            target=label,
            commands=commands,
            summary="configure %s (%s)" % (label, ", ".join(parts)),
        )
    )
