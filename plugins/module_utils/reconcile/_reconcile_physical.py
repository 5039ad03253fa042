# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning physical adapters (SR-IOV on/off, NumVFs, restarts).

Private to the collection. Pure: no I/O.
"""

from __future__ import annotations

from ansible_collections.sriov.hyperv.plugins.module_utils.spec._host_parse import NicFacts
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_common import (
    PHYSICAL_PARAMETERS,
    STAGE_PHYSICAL,
    Context,
    Operation,
    physical_command,
    settings_of,
)
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import PhysicalAdapterConfig, did_you_mean, name_key

# Hyper-V's explanation of each SriovSupport value (Get-NetAdapterSriov help), quoted in errors.
SRIOV_SUPPORT_REASONS = {
    "MissingAcs": "SR-IOV cannot be used on this network adapter as the PCI Express hardware does not support "
    "Access Control Services (ACS). This device may work in an alternate PCI Express slot. Contact your hardware "
    "vendor for further information.",
    "MissingPfDriver": "SR-IOV cannot be used on this network adapter as the device or device driver does not "
    "support SR-IOV. If the network adapter supports SR-IOV, contact the hardware vendor for an updated driver.",
    "NoBusResources": "SR-IOV cannot be used on this network adapter as there are not enough PCI Express bus "
    "numbers available.",
    "NoVfBarSpace": "SR-IOV cannot be used on this network adapter as there are not enough PCI Express BAR "
    "resources available.",
    "NoOscSupport": "To use SR-IOV on this computer, the computer BIOS must be updated to allow Windows Server 2012 "
    "and later to control PCI Express using _OSC HandOff.",
    "NoIoMmuSupport": "SR-IOV cannot be used on this computer because it lacks I/O remapping support "
    "(interrupt or DMA remapping).",
    "Unknown": "Windows cannot tell whether this network adapter supports SR-IOV.",
}


def nic_not_capable(nic: NicFacts) -> str | None:
    """Why ``nic`` cannot do SR-IOV, or None when it can."""
    if not nic.sriov_listed and nic.configured_sriov_enabled is None:
        return "Get-NetAdapterSriov does not list it: the adapter or its driver has no SR-IOV support"
    if nic.sriov_support and nic.sriov_support != "Supported":
        return "its SriovSupport is %s: %s" % (
            nic.sriov_support,
            SRIOV_SUPPORT_REASONS.get(nic.sriov_support, "").rstrip("."),
        )
    return None


def unknown_nic(ctx: Context, where: str, name: str) -> None:
    hint = did_you_mean(name, [nic.name for nic in ctx.have.nics])
    ctx.problems.append(
        "%s: physical adapter '%s' was not found on the host.%s Use a name from Get-NetAdapter -Physical."
        % (where, name, hint)
    )


def _nic_defaults(nic: NicFacts) -> dict:
    defaults = {"sriov_enabled": nic.default_sriov_enabled, "num_vfs": nic.default_num_vfs}
    return {option: value for option, value in defaults.items() if value is not None}


def plan_physical(ctx: Context) -> None:
    section = ctx.want.physical_adapters
    if section is None:
        return
    named = set()
    for index, item in enumerate(section):
        where = "config.physical_adapters[%d]" % index
        nic = ctx.have.nic(item.name)
        if nic is None:
            unknown_nic(ctx, where + ".name", item.name)
            continue
        named.add(name_key(nic.name))
        given = settings_of(item, PHYSICAL_PARAMETERS)
        if ctx.state == "deleted":
            desired = _nic_defaults(nic)
        else:
            desired = dict(given)
            if ctx.replacing:
                for option, value in _nic_defaults(nic).items():
                    desired.setdefault(option, value)
        current = ctx.phys.get(name_key(nic.name))
        asked = {option: value for option, value in given.items() if getattr(current, option, None) != value}
        if asked.get("sriov_enabled") or asked.get("num_vfs"):
            reason = nic_not_capable(nic)
            if reason:
                ctx.problems.append(
                    "%s.%s: physical adapter '%s' cannot use SR-IOV: %s. Use another adapter, or leave SR-IOV off."
                    % (where, "sriov_enabled" if asked.get("sriov_enabled") else "num_vfs", nic.name, reason)
                )
                continue
        if "num_vfs" in asked and nic.max_vfs is not None and asked["num_vfs"] > nic.max_vfs:
            ctx.problems.append(
                "%s.num_vfs: %d is above the maximum of physical adapter '%s' (%d virtual functions). Give a value "
                "from 0 to %d." % (where, asked["num_vfs"], nic.name, nic.max_vfs, nic.max_vfs)
            )
            continue
        _apply_physical(ctx, nic, desired, named_in_task=True)
    if ctx.state == "overridden":
        for nic in ctx.have.nics:
            if name_key(nic.name) in ctx.phys and name_key(nic.name) not in named:
                _apply_physical(ctx, nic, _nic_defaults(nic), named_in_task=False)


def _apply_physical(ctx: Context, nic: NicFacts, desired: dict, named_in_task: bool) -> None:
    """Bring the predicted adapter to ``desired`` (option -> value) with one Set-NetAdapterSriov."""
    key = name_key(nic.name)
    current = ctx.phys.setdefault(key, PhysicalAdapterConfig.model_construct(name=nic.name))
    changes = {option: value for option, value in desired.items() if getattr(current, option) != value}
    restart = ctx.policy.restart
    # With restart opted in, a value that is configured but not yet effective is made effective.
    restart_pending = restart and named_in_task and nic.pending and not changes
    if not changes and not restart_pending:
        return
    values = changes if changes else settings_of(current, PHYSICAL_PARAMETERS)
    for option, value in changes.items():
        setattr(current, option, value)
    if restart:
        ctx.restarted.add(key)
        ctx.wait_for_nics.append(nic.name)
    described = ", ".join("%s=%s" % (option, value) for option, value in values.items())
    ctx.add(
        Operation(
            stage=STAGE_PHYSICAL,
            action="restart" if restart_pending else "update",
            target=nic.name,
            commands=[physical_command(nic.name, values, restart=restart)],
            summary="%s SR-IOV on physical adapter '%s' (%s)%s"
            % ("restart" if restart_pending else "set", nic.name, described,
               " and restart it" if restart else ", effective at the adapter's next restart"),
        )
    )
