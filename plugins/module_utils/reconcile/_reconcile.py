# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The planner: (want, have, state, policy) -> Plan. Pure: no I/O, nothing written.

Private to the collection. The plan lists operations in the order they must run (an
interrupted recreate first, then physical adapters, switches, VM adapters), predicts the host
after the apply in the gathered shape, and carries warnings and pending restarts. Every
validation against the host happens here, so that a refusal always comes before the first write.
docs/states.md is the user-facing description of what each state does.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.sriov.hyperv.plugins.module_utils.spec._host_parse import Observed
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_adapters import plan_adapters
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_common import (
    STAGE_ADAPTERS,
    creates_host_vnic,
    STAGE_PHYSICAL,
    STAGE_RECREATE,
    STAGE_SWITCHES,
    STAGES,
    Context,
    CreationOnlyChangeError,
    Operation,
    PHYSICAL_PARAMETERS,
    Policy,
    adapter_commands,
    new_switch_command,
    physical_command,
    settings_of,
)
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_physical import plan_physical
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_recreate import plan_resume
from ansible_collections.sriov.hyperv.plugins.module_utils.reconcile._reconcile_switches import plan_switches
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import SWITCH, Command, render_step
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import (
    ADAPTER_OPTIONS,
    HostConfig,
    SpecValidationError,
    name_key,
)

STATES = ("merged", "replaced", "overridden", "deleted")

__all__ = [
    "STATES",
    "STAGES",
    "STAGE_PHYSICAL",
    "STAGE_SWITCHES",
    "STAGE_ADAPTERS",
    "STAGE_RECREATE",
    "Policy",
    "Operation",
    "Plan",
    "CreationOnlyChangeError",
    "plan",
    "render",
]


@dataclasses.dataclass
class Plan:
    operations: list[Operation]
    after: HostConfig
    warnings: list[str] = dataclasses.field(default_factory=list)
    restart_required: list[str] = dataclasses.field(default_factory=list)
    recreated_switches: list[str] = dataclasses.field(default_factory=list)
    wait_for_nics: list[str] = dataclasses.field(default_factory=list)
    """Physical adapters restarted by this plan whose new values the apply waits for."""
    restart_timeout: float = 300.0

    @property
    def changed(self) -> bool:
        return bool(self.operations)

    def commands(self) -> list[str]:
        return [render_step(step) for operation in self.operations for step in operation.commands]


def plan(want: HostConfig, have: Observed, state: str, policy: Policy | None = None) -> Plan:
    """The plan that takes ``have`` to ``want`` under ``state``.

    Raises SpecValidationError when the host cannot take the desired state, and
    CreationOnlyChangeError when a switch would need recreating under policy ``fail``.
    """
    if state not in STATES:
        raise ValueError("plan() handles %s; got %r" % (", ".join(STATES), state))
    ctx = Context(want=want, have=have, state=state, policy=policy or Policy())
    plan_resume(ctx)
    plan_physical(ctx)
    plan_switches(ctx)
    plan_adapters(ctx)
    if ctx.problems:
        raise SpecValidationError(ctx.problems)
    if ctx.refusals:
        raise CreationOnlyChangeError(ctx.refusals)
    ctx.warn_oversubscription()
    operations = sorted(ctx.operations, key=lambda op: (STAGES.index(op.stage), op.details.get("order", 0)))
    return Plan(
        operations=operations,
        after=ctx.after_config(),
        warnings=ctx.warnings,
        restart_required=ctx.restart_required(),
        recreated_switches=ctx.recreated,
        wait_for_nics=ctx.wait_for_nics,
        restart_timeout=ctx.policy.restart_timeout,
    )


def render(want: HostConfig) -> list[str]:
    """Commands for ``rendered``: as if applied to a host that has none of the named items."""
    commands = []
    for nic in want.physical_adapters or []:
        values = settings_of(nic, PHYSICAL_PARAMETERS)
        if values:
            commands.append(physical_command(nic.name, values, restart=False))
    for switch in want.switches or []:
        commands.append(new_switch_command(switch.model_dump(exclude_none=True)))
    switches = {name_key(switch.name): switch for switch in want.switches or []}
    for adapter in want.vm_adapters or []:
        values = settings_of(adapter, ADAPTER_OPTIONS)
        if not adapter.management_os:
            commands.extend(adapter_commands(adapter, values, connect=values.get("switch_name")))
            continue
        # A host vNIC is not connected (Connect-VMNetworkAdapter has no -ManagementOS): New-VMSwitch
        # adds the one named after the switch (an Internal switch always, an External one unless
        # -AllowManagementOS $false); any other is added to its switch (Add-VMNetworkAdapter
        # -ManagementOS; New-VMSwitch and Add-VMNetworkAdapter docs, hyperv-sriov.md §1).
        switch_name = values.pop("switch_name", None)
        if switch_name and not _adds_host_vnic(switches.get(name_key(switch_name)), adapter.name):
            commands.append(Command("Add-VMNetworkAdapter", {"ManagementOS": SWITCH, "Name": adapter.name,
                                                             "SwitchName": switch_name}))
        commands.extend(adapter_commands(adapter, values, connect=None))
    return [render_step(command) for command in commands]


def _adds_host_vnic(switch: t.Any, vnic_name: str) -> bool:
    """Whether rendering ``switch`` (a SwitchConfig, or None) creates the host vNIC ``vnic_name``."""
    return (switch is not None and name_key(switch.name) == name_key(vnic_name)
            and creates_host_vnic(switch.switch_type, switch.net_adapter_names, switch.allow_management_os))
