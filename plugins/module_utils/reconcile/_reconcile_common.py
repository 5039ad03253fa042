# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the planner's parts share: policy, operations, the planning context, command builders.

Private to the collection. Pure: no I/O. The planner speaks the model: a host object (a physical
adapter, a switch, an adapter, as observed and as predicted after the plan) is the model of
``_spec`` that declares its options, an option that is None being unknown or not there. What a
task asks of one object is a dict of option name -> value (``given``, ``desired``, ``changes``),
in the order the options are documented, then any defaults a reset adds. Recreate records stay
plain JSON-ready dicts: the host keeps them in a switch's Notes.
"""

from __future__ import annotations

import dataclasses
import time
import typing as t
import uuid

from ansible_collections.sriov.hyperv.plugins.module_utils.transport._errors import HyperVError
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._host_parse import Observed
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._identity import AdapterIdentity, some_labels
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import SWITCH, Command, Step, wildcard_literal
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import (
    ADAPTER_DEFAULTS,
    HostConfig,
    PhysicalAdapterConfig,
    SwitchConfig,
    VmAdapterConfig,
    declared,
    name_key,
    options_with,
    to_host,
)

STAGE_RECREATE = "recreate"
STAGE_PHYSICAL = "physical_adapters"
STAGE_SWITCHES = "switches"
STAGE_ADAPTERS = "vm_adapters"
# An interrupted recreate is finished before anything else; then the order.
STAGES = (STAGE_RECREATE, STAGE_PHYSICAL, STAGE_SWITCHES, STAGE_ADAPTERS)

# The cmdlet parameter of each option, declared with the option in _spec: Set-VMNetworkAdapter's,
# Set-NetAdapterSriov's, and New-VMSwitch's / Set-VMSwitch's (or the cmdlet an option is set_by).
ADAPTER_PARAMETERS = options_with(VmAdapterConfig, "parameter")
PHYSICAL_PARAMETERS = options_with(PhysicalAdapterConfig, "parameter")
SWITCH_PARAMETERS = options_with(SwitchConfig, "parameter")
# The switch options each cmdlet sets on an existing switch (Set-VMSwitch unless declared set_by).
SWITCH_SETTERS = {
    option: declared(SwitchConfig, option).get("set_by", "Set-VMSwitch")
    for option in SWITCH_PARAMETERS
    if not declared(SwitchConfig, option).get("creation_only")
}


@dataclasses.dataclass(frozen=True)
class Policy:
    creation_only_changes: str = "fail"
    """``fail`` refuses a change of a creation-only switch setting; ``recreate`` rebuilds the switch."""
    restart: bool = False
    """Restart physical adapters so that SR-IOV changes take effect now."""
    restart_timeout: float = 300.0
    """Seconds to wait for a restarted adapter to show its new values."""
    check_mode: bool = False
    """The plan is a prediction only (check mode, an audit): warnings say what *would* happen."""
    run_id: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex[:12])
    """This run's id: it ends the name of the parking switch of a recreate this run makes."""
    now: float = dataclasses.field(default_factory=time.time)
    """When the run planned (seconds since the epoch): the start of a recreate's lease."""

    def __post_init__(self) -> None:
        if self.creation_only_changes not in ("fail", "recreate"):
            raise ValueError("creation_only_changes must be fail or recreate")


@dataclasses.dataclass
class Operation:
    stage: str
    action: str
    target: str
    commands: list[Step]
    summary: str
    details: dict = dataclasses.field(default_factory=dict)
    """For a recreate: the step groups, the parking record and the original switch (see _recreate)."""


class RecreateInProgressError(HyperVError):
    """Another run is recreating a switch on this host right now: this run writes nothing."""


class CreationOnlyChangeError(HyperVError):
    """A switch setting that Hyper-V fixes at creation differs, and the policy is ``fail``."""

    def __init__(self, refusals: list[dict]) -> None:
        parts = []
        for refusal in refusals:
            settings = ", ".join(
                "%s (%s -> %s)" % (option, _show(old), _show(new)) for option, old, new in refusal["settings"]
            )
            attached = refusal["attached"]
            attached_text = (
                "Adapters connected to it: %s." % ", ".join(attached)
                if attached
                else "No adapters are connected to it."
            )
            parts.append(
                "Failed to change virtual switch '%s': %s can only be set when a switch is created. %s "
                "Either set creation_only_changes: recreate to remove and re-create the switch (every connected "
                "adapter is reconnected with its settings; connected VMs lose network for a moment), or keep the "
                "switch's current values by leaving these options out of the task (or setting them to the "
                "current values). A recreate re-adds host vNICs with their MAC address, offload settings and "
                "IEEE priority tag, but not their VLAN, maximum bandwidth, ACL, port-mirroring or isolation settings."
                % (refusal["switch"], settings, attached_text)
            )
        super().__init__(" ".join(parts), {"refusals": refusals})
        self.refusals = refusals


def known(value: t.Any, otherwise: t.Any) -> t.Any:
    """``value``, or ``otherwise`` where it is None (a setting not known, or not managed)."""
    return otherwise if value is None else value


def settings_of(item: t.Any, options: t.Iterable[str]) -> dict[str, t.Any]:
    """Option -> value of the ``options`` that ``item`` (a model) has set, in the order given."""
    return {option: getattr(item, option) for option in options if getattr(item, option) is not None}


def _show(value: t.Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[%s]" % ", ".join(str(item) for item in value)
    return str(value)


def physical_command(name: str, values: dict, restart: bool) -> Command:
    """Set-NetAdapterSriov on the physical adapter ``name`` with the option ``values`` that are not None."""
    parameters: dict[str, t.Any] = {"Name": wildcard_literal(name)}
    parameters.update(_parameters(PhysicalAdapterConfig, PHYSICAL_PARAMETERS, values))
    if not restart:
        parameters["NoRestart"] = SWITCH
    return Command("Set-NetAdapterSriov", parameters)


def _parameters(model: t.Any, parameters: dict, values: dict) -> dict:
    """Parameter -> value, for each option of ``parameters`` (option -> parameter, in that order)
    whose value is given and has a spelling for its parameter."""
    found = {}
    for option, parameter in parameters.items():
        value = None if values.get(option) is None else to_host(option, values[option], model)
        if value is not None:
            found[parameter] = value
    return found


def switch_command(cmdlet: str, name: str, parameters: dict | None = None) -> Command:
    """A command on the existing switch ``name`` (-Name is a wildcard pattern to these cmdlets)."""
    return Command(cmdlet, {"Name": wildcard_literal(name), **(parameters or {})})


def creates_host_vnic(switch_type: str | None, net_adapter_names: t.Any, allow_management_os: bool | None) -> bool:
    """Whether New-VMSwitch with these values also gives the management OS a vNIC named after the
    switch: an Internal switch always, an External one (a type given, or adapters named) unless
    -AllowManagementOS $false (New-VMSwitch docs; reference section 1)."""
    resolved = switch_type or ("external" if net_adapter_names else None)
    if resolved == "internal":
        return True
    return resolved == "external" and allow_management_os is not False


def new_switch_command(values: dict) -> Command:
    """New-VMSwitch for a switch described by option values (``name`` included).

    The options of the parameter set the values choose (NetAdapterName when they name adapters,
    else SwitchType) come first, then every other option New-VMSwitch takes, in declared order."""
    chosen = "NetAdapterName" if values.get("net_adapter_names") else "SwitchType"
    in_set = {option: parameter for option, parameter in SWITCH_PARAMETERS.items()
              if declared(SwitchConfig, option).get("parameter_set") == chosen}
    others = {option: parameter for option, parameter in SWITCH_PARAMETERS.items()
              if not {"parameter_set", "set_by"} & set(declared(SwitchConfig, option))}
    parameters: dict[str, t.Any] = {"Name": values["name"]}
    parameters.update(_parameters(SwitchConfig, in_set, values))
    parameters.update(_parameters(SwitchConfig, others, values))
    return Command("New-VMSwitch", parameters)


def set_switch_commands(name: str, values: dict, options: t.Iterable[str], first: dict | None = None) -> list[Command]:
    """The commands that set ``options`` of the existing switch ``name`` to ``values``: one per cmdlet
    (Set-VMSwitch first), each after the parameters ``first`` gives it (cmdlet -> parameters)."""
    by_cmdlet: dict[str, dict] = {cmdlet: dict(parameters) for cmdlet, parameters in (first or {}).items()}
    for option in options:
        setter = SWITCH_SETTERS[option]
        by_cmdlet.setdefault(setter, {}).update(
            _parameters(SwitchConfig, {option: SWITCH_PARAMETERS[option]}, values))
    ordered = sorted(by_cmdlet, key=lambda cmdlet: cmdlet != "Set-VMSwitch")
    return [switch_command(cmdlet, name, by_cmdlet[cmdlet]) for cmdlet in ordered if by_cmdlet[cmdlet]]


def set_after_creation(name: str, values: dict, defaults: dict) -> list[Command]:
    """What New-VMSwitch cannot set, set right after it: the ``set_by`` options of ``values`` that
    differ from what the new switch has (``defaults``; a team's algorithm is Dynamic, New-VMSwitch
    always makes a Dynamic team: MicrosoftDocs windows-powershell-docs, Set-VMSwitchTeam.md)."""
    created = {**defaults, "load_balancing_algorithm": "dynamic"}
    if not values.get("enable_embedded_teaming"):
        values = {**values, "load_balancing_algorithm": None}
    return set_switch_commands(name, values, [
        option for option in SWITCH_SETTERS
        if "set_by" in declared(SwitchConfig, option)
        and values.get(option) is not None and values[option] != created.get(option)
    ])


def adapter_statement(adapter: t.Any, cmdlet: str, parameters: dict) -> Step:
    """``cmdlet`` with ``parameters`` on exactly the adapter ``adapter`` (an item or an identity) names.

    -VMName and -Name select every adapter of that name (and read their values as wildcard
    patterns, hence the escaping). An identity narrowed by MAC address is reached by piping
    the adapter itself: ``Get-VMNetworkAdapter -VMName v -Name n | Where-Object -Property MacAddress
    -EQ -Value m | <cmdlet>``, which the Set-/Connect- cmdlets take as their -VMNetworkAdapter input
    (Set-VMNetworkAdapter's ResourceObject and Connect-VMNetworkAdapter's Object_* parameter sets,
    MicrosoftDocs windows-powershell-docs, docset/winserver2022-ps/hyper-v)."""
    identity = adapter if isinstance(adapter, AdapterIdentity) else AdapterIdentity.of(adapter)
    if identity.management_os:
        target: dict[str, t.Any] = {"ManagementOS": SWITCH, "Name": wildcard_literal(identity.name)}
    else:
        target = {"VMName": wildcard_literal(identity.vm_name or ""), "Name": wildcard_literal(identity.name)}
    if identity.mac_address is None:
        return Command(cmdlet, {**target, **parameters})
    return (
        Command("Get-VMNetworkAdapter", target),
        Command("Where-Object", {"Property": "MacAddress", "EQ": SWITCH, "Value": identity.mac_address}),
        Command(cmdlet, dict(parameters)),
    )


def adapter_commands(adapter: t.Any, values: dict, connect: str | None) -> list[Step]:
    """Connect (when ``connect``) and one Set-VMNetworkAdapter carrying only ``values``."""
    commands: list[Step] = []
    if connect:
        commands.append(adapter_statement(adapter, "Connect-VMNetworkAdapter", {"SwitchName": connect}))
    # Documented option order, whatever order the values were collected in: stable commands.
    settings = {
        parameter: to_host(option, values[option])
        for option, parameter in ADAPTER_PARAMETERS.items()
        if values.get(option) is not None
    }
    if settings:
        commands.append(adapter_statement(adapter, "Set-VMNetworkAdapter", settings))
    return commands


@dataclasses.dataclass
class Context:
    """The planning state: what the host will look like, and what was found on the way."""

    want: HostConfig
    have: Observed
    state: str
    policy: Policy
    problems: list[str] = dataclasses.field(default_factory=list)
    refusals: list[dict] = dataclasses.field(default_factory=list)
    operations: list[Operation] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    recreated: list[str] = dataclasses.field(default_factory=list)
    wait_for_nics: list[str] = dataclasses.field(default_factory=list)
    restarted: set = dataclasses.field(default_factory=set)
    removed_switches: set = dataclasses.field(default_factory=set)
    recreating: set = dataclasses.field(default_factory=set)
    phys: dict[str, PhysicalAdapterConfig] = dataclasses.field(default_factory=dict)
    """The predicted physical adapters by name_key; an option that is None is not known (or not there)."""
    switches: dict[str, SwitchConfig] = dataclasses.field(default_factory=dict)
    """The predicted switches by name_key."""
    adapters: dict[tuple, VmAdapterConfig] = dataclasses.field(default_factory=dict)
    """The predicted VM and management-OS adapters by AdapterIdentity key."""

    def __post_init__(self) -> None:
        # The predicted host starts as the observed one (copies: each stage edits them as its
        # operations would).
        config = self.have.config
        self.phys = {name_key(item.name): item.model_copy(deep=True) for item in config.physical_adapters or []}
        self.switches = {name_key(item.name): item.model_copy(deep=True) for item in config.switches or []}
        self.adapters = {item.key(): item.model_copy(deep=True) for item in config.vm_adapters or []}

    @property
    def replacing(self) -> bool:
        return self.state in ("replaced", "overridden")

    def will(self, present: str, conditional: str) -> str:
        """The verb of a warning: what the run does, or in check mode what it would do."""
        return conditional if self.policy.check_mode else present

    def add(self, operation: Operation) -> None:
        self.operations.append(operation)

    def after_config(self) -> HostConfig:
        return HostConfig.model_construct(
            physical_adapters=list(self.phys.values()),
            switches=list(self.switches.values()),
            vm_adapters=list(self.adapters.values()),
        )

    def restart_required(self) -> list[str]:
        """Physical adapters whose configured SR-IOV values will differ from the effective ones."""
        pending = []
        for nic in self.have.nics:
            key = name_key(nic.name)
            if key in self.restarted or key not in self.phys:
                continue
            configured = self.phys[key]
            if nic.differs_from(configured.sriov_enabled, configured.num_vfs):
                pending.append(nic.name)
        return pending

    def vf_capacity(self, switch: SwitchConfig) -> int | None:
        """VFs an IOV switch can hand out after the plan: the switch's count, else its NICs' NumVFs."""
        key = name_key(switch.name)
        facts = self.have.switch(switch.name)
        nic_keys = [name_key(nic) for nic in switch.net_adapter_names or []]
        nics_changed = any(
            key_ in self.restarted for key_ in nic_keys
        )
        if facts is not None and key not in self.recreating and not nics_changed and facts.iov_vf_count is not None:
            return facts.iov_vf_count
        total = 0
        found = False
        for nic_key in nic_keys:
            nic = self.have.nic(nic_key)
            if nic is None:
                continue
            enabled = nic.sriov_enabled
            num_vfs = nic.num_vfs
            if nic_key in self.restarted and nic_key in self.phys:
                enabled = known(self.phys[nic_key].sriov_enabled, enabled)
                num_vfs = known(self.phys[nic_key].num_vfs, num_vfs)
            if num_vfs is None:
                continue
            found = True
            total += num_vfs if enabled is not False else 0
        return total if found else None

    def _why_no_vfs(self, switch: SwitchConfig) -> str:
        host = self.have.host
        if host.iov_support is False:
            return "the host cannot use SR-IOV: %s" % (" ".join(host.iov_support_reasons) or "no reason given")
        facts = self.have.switch(switch.name)
        if facts is not None and name_key(switch.name) not in self.recreating and facts.iov_support is False:
            return "its physical adapter cannot use SR-IOV: %s" % (" ".join(facts.iov_support_reasons) or "no reason given")
        return "SR-IOV is off or NumVFs is 0 on its physical adapters"

    def warn_oversubscription(self) -> None:
        running = {name_key(vm.name) for vm in self.have.vms if vm.running}
        for switch in self.switches.values():
            if not switch.enable_iov:
                continue
            capacity = self.vf_capacity(switch)
            if capacity is None:
                continue
            asking = [
                item
                for item in self.adapters.values()
                if not item.management_os
                and name_key(item.vm_name or "") in running
                and item.switch_name is not None
                and name_key(item.switch_name) == name_key(switch.name)
                and (item.iov_weight or 0) > 0
            ]
            if len(asking) <= capacity:
                continue
            if capacity == 0:
                self.warnings.append(
                    "Switch '%s' has no virtual functions to give (%s): %s stay on the synthetic path."
                    % (switch.name, self._why_no_vfs(switch), some_labels([item.label() for item in asking], _LISTED, _ALL_WAITING))
                )
                continue
            # The emulator's policy (docs/emulator.md, "VF allocation"): higher weight wins; among
            # equal weights an adapter that holds a VF keeps it, then host VM order, adapter order.
            order = {adapter.key(): index for index, adapter in enumerate(self.have.adapters)}
            vm_order = {name_key(vm.name): index for index, vm in enumerate(self.have.vms)}

            def rank(item: VmAdapterConfig) -> tuple:
                facts = self.have.adapter(item.key())
                holds_vf = bool(facts is not None and (facts.iov_usage or 0) > 0)
                return (-item.iov_weight, not holds_vf, vm_order.get(name_key(item.vm_name), 0),
                        order.get(item.key(), 0))

            ranked = sorted(asking, key=rank)
            synthetic = ranked[capacity:][::-1]
            self.warnings.append(
                "Switch '%s' has %d virtual function(s) for %d running adapters asking for SR-IOV; these stay on the "
                "synthetic path (lowest weight first): %s. Lower iov_weight to 0 on adapters that do not need SR-IOV, "
                "or raise num_vfs on the physical adapter."
                % (
                    switch.name,
                    capacity,
                    len(asking),
                    some_labels(["%s (weight %d)" % (item.label(), item.iov_weight) for item in synthetic], _LISTED,
                                _ALL_WAITING),
                )
            )


# How many adapters a VF warning names before "and N more": a 1,000-adapter host with 64 VFs would
# otherwise give a warning of 936 names (about 50 KB) on every run.
_LISTED = 20
_ALL_WAITING = "sriov.hyperv.host_info lists them all: switches[].virtual_functions.requesting_without_vf"


# Switch helpers shared by the switch and recreate planners.


def resolve_mode(ctx: Context, mode: str | None, iov: bool) -> str:
    """The BandwidthReservationMode a switch ends up with for a requested mode."""
    if mode in (None, "default"):
        return "none" if iov else ctx.have.new_switch_bandwidth_default
    return mode


def new_vnic(ctx: Context, name: str, switch_name: str | None = None) -> VmAdapterConfig:
    """A management-OS adapter named ``name`` as Hyper-V creates it (with a switch of that name,
    or added to ``switch_name``), as the next read will show it."""
    defaults = {option: ADAPTER_DEFAULTS[option] for option in ctx.have.new_adapter_options(True)}
    return VmAdapterConfig.model_construct(management_os=True, name=name, switch_name=switch_name or name, **defaults)


def find_adapter(ctx: Context, item: t.Any) -> VmAdapterConfig | None:
    """The predicted adapter ``item`` (an item or a recreate record entry) names, or None."""
    identity = AdapterIdentity.of(item)
    return next((current for current in ctx.adapters.values() if identity.matches(current)), None)


def unnamed_removals(ctx: Context, where: str, switch_name: str, vnics: list[str], allowed: list | None) -> bool:
    """Refuse to remove host vNICs the task does not name; True when every one of ``vnics`` may go.

    Turning allow_management_os off removes every management-OS adapter of the switch, which can
    carry live migration or storage traffic: only those listed in remove_management_os_adapters go."""
    named = {name_key(name) for name in allowed or []}
    unnamed = [name for name in vnics if name_key(name) not in named]
    if unnamed:
        ctx.problems.append(
            "%s: this change of switch '%s' leaves it without the management OS, which removes its management-OS "
            "adapters %s; this task does not name them. List them in remove_management_os_adapters to let them "
            "go, or keep allow_management_os: true (and the switch Internal or External)."
            % (where, switch_name, ", ".join("'%s'" % name for name in unnamed)))
    return not unnamed


def drop_vnics(ctx: Context, switch_name: str) -> list[str]:
    dropped = []
    for key, item in list(ctx.adapters.items()):
        if item.management_os and name_key(item.switch_name or "") == name_key(switch_name):
            dropped.append(item.name)
            del ctx.adapters[key]
    return dropped


def attached_to(ctx: Context, switch_name: str) -> list[VmAdapterConfig]:
    return [
        item
        for item in ctx.adapters.values()
        if item.switch_name is not None and name_key(item.switch_name) == name_key(switch_name)
    ]


def warn_host_iov(ctx: Context, name: str, iov: bool) -> None:
    host = ctx.have.host
    if iov and host.iov_support is False:
        reasons = " ".join(host.iov_support_reasons) or "no reason given"
        ctx.warnings.append(
            "Switch '%s' gets SR-IOV, but the host reports that it cannot use SR-IOV (%s): adapters on it stay on "
            "the synthetic path until that is fixed." % (name, reasons)
        )
