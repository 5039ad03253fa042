"""Get/New/Set/Remove-VMSwitch and the SET team cmdlets."""

from __future__ import annotations

from ..binding import Bound, Param
from ..model import PhysicalNic, VSwitch, operations
from ..model.enums import BANDWIDTH_MODE, LOAD_BALANCING, TEAMING_MODE, VM_SWITCH_TYPE, VRSS_SCHEDULING
from ..psobj import Guid
from .base import Context, cmdlet, has_wildcard
from .common import REMOTE, T_SWITCH_OBJECT, VRSS_MIN_TEXT, switch_not_found, switch_of, switches_named
from .objects import View, switch_object, team_object

_NIC_NOT_FOUND = "No MSFT_NetAdapter objects found with property '%s' equal to '%s'.  Verify the value of the property and retry."


@cmdlet(
    "Get-VMSwitch",
    (
        Param("Name", "string[]", aliases=("SwitchName",), sets={"Name": (False, 0)}),
        Param("Id", "guid[]", sets={"Id": (False, 0)}),
        Param("ResourcePoolName", "string[]", sets={"Name": (False, 1), "Id": (False, 1)}),
        Param("SwitchType", "enum[]:" + VM_SWITCH_TYPE),
    ) + REMOTE,
    default_set="Name",
)
def get_vmswitch(ctx: Context, b: Bound) -> None:
    view = View(ctx.host)
    if b.has("Id"):
        found = []
        for wanted in b["Id"]:
            sw = ctx.host.switch(str(wanted))
            if sw is None:
                ctx.error("No Ethernet switch could be found matching the specified criteria.",
                          "ObjectNotFound", "ObjectNotFound", target=str(wanted))
            else:
                found.append(sw)
    else:
        found = switches_named(ctx, b.get("Name"))
    types = b.get("SwitchType")
    for sw in found:
        if types and view.switch_type(sw) not in types:
            continue
        ctx.write(switch_object(view, sw))


def resolve_nics(ctx: Context, b: Bound, for_switch: VSwitch | None) -> list[PhysicalNic] | None:
    """The NICs named by -NetAdapterName / -NetAdapterInterfaceDescription, each free or already
    bound to ``for_switch``; None when neither parameter was given."""
    if b.has("NetAdapterName"):
        names, prop = b["NetAdapterName"], "Name"
        finder = ctx.host.nic
    elif b.has("NetAdapterInterfaceDescription"):
        names, prop = b["NetAdapterInterfaceDescription"], "InterfaceDescription"
        finder = ctx.host.nic_by_description
    else:
        return None
    if isinstance(names, str):
        names = [names]
    nics: list[PhysicalNic] = []
    for name in names:
        nic = finder(name)
        if nic is None:
            ctx.throw(_NIC_NOT_FOUND % (prop, name), "ObjectNotFound", "NetAdapterNotFound", target=name)
        if any(n is nic for n in nics):
            continue
        bound = ctx.host.switch_of_nic(nic.name)
        if bound is not None and bound is not for_switch:
            ctx.throw(
                'The network adapter "%s" is already bound to the virtual switch "%s". A physical '
                "network adapter can be bound to one external virtual switch only." % (nic.name, bound.name),
                "InvalidOperation" if for_switch is not None else "NotSpecified",
                "NetAdapterAlreadyBound",
                target=nic.name,
            )
        nics.append(nic)
    return nics


@cmdlet(
    "New-VMSwitch",
    (
        Param("Name", "string", aliases=("SwitchName",), mandatory=True, position=0, not_null_or_empty=True),
        Param("Id", "string", aliases=("SwitchId",)),
        Param("NetAdapterName", "string[]", aliases=("InterfaceAlias",), sets={"NetAdapterName": (True, None)}),
        Param("NetAdapterInterfaceDescription", "string[]", aliases=("InterfaceDescription",),
              sets={"NetAdapterInterfaceDescription": (True, None)}),
        Param("SwitchType", "enum:" + VM_SWITCH_TYPE, sets={"SwitchType": (True, None)},
              validate_set=("Internal", "Private")),
        Param("AllowManagementOS", "bool",
              sets={"NetAdapterName": (False, None), "NetAdapterInterfaceDescription": (False, None)}),
        Param("Notes", "string"),
        Param("MinimumBandwidthMode", "enum:" + BANDWIDTH_MODE),
        Param("EnableIov", "bool"),
        Param("EnablePacketDirect", "bool", since="2016"),
        Param("EnableEmbeddedTeaming", "bool", since="2016"),
        Param("AllowNetLbfoTeams", "bool", since="2022"),
    ) + REMOTE,
    default_set="NetAdapterName",
    should_process=True,
    writes=True,
)
def new_vmswitch(ctx: Context, b: Bound) -> None:
    nics = resolve_nics(ctx, b, None) or []
    iov = bool(b.get("EnableIov", False))
    mode = b.get("MinimumBandwidthMode")
    teaming = b.get("EnableEmbeddedTeaming")
    if len(nics) > 1 and teaming is None:
        # Several NICs imply Switch Embedded Teaming (reference §1.1).
        teaming = ctx.host.supports("2016")
    teaming = bool(teaming)
    broken = operations.check_switch(len(nics), teaming, iov, mode)
    if broken == operations.SEVERAL_NICS_WITHOUT_TEAMING:
        ctx.throw(
            "Cannot create a virtual switch with more than one network adapter unless embedded "
            "teaming is enabled. Specify -EnableEmbeddedTeaming $true.",
            "InvalidArgument", "NonTeamingWithMultipleAdapters",
        )
    if broken == operations.TEAMING_WITHOUT_NIC:
        ctx.throw("Embedded teaming requires at least one network adapter (-NetAdapterName).",
                  "InvalidArgument", "InvalidParameter")
    if broken == operations.TOO_MANY_NICS:
        ctx.throw("A switch embedded team can have at most %d network adapters." % operations.MAX_TEAM_SIZE,
                  "InvalidArgument", "InvalidParameter")
    if broken == operations.IOV_WITH_BANDWIDTH_WEIGHTS:
        ctx.throw(
            "Minimum bandwidth mode %s cannot be used on a virtual switch with SR-IOV enabled. Use "
            "-MinimumBandwidthMode None (or omit it)." % mode,
            "InvalidArgument", "InvalidParameter",
        )
    switch_id = None
    if b.has("Id"):
        try:
            switch_id = str(Guid(b["Id"]))
        except ValueError:
            ctx.throw("The switch identifier '%s' is not a valid GUID." % b["Id"], "InvalidArgument", "InvalidParameter")
        if ctx.host.switch(switch_id) is not None:
            ctx.throw("A virtual switch with identifier '%s' already exists." % switch_id,
                      "InvalidArgument", "InvalidParameter")
    if not ctx.should_process(b["Name"], 'New-VMSwitch will create a new virtual switch "%s".' % b["Name"]):
        return
    internal = b.set_name == "SwitchType" and b["SwitchType"] == "Internal"
    sw = operations.create_switch(
        ctx.host,
        b["Name"],
        nic_names=[n.name for n in nics],
        internal=internal,
        iov_enabled=iov,
        bandwidth_mode=mode,
        packet_direct=bool(b.get("EnablePacketDirect", False)),
        embedded_teaming=teaming,
        allow_management_os=bool(b.get("AllowManagementOS", True)),
        notes=b.get("Notes") or "",
        switch_id=switch_id,
    )
    sw.allow_netlbfo_teams = bool(b.get("AllowNetLbfoTeams", False))
    ctx.host.reallocate()
    ctx.write(switch_object(View(ctx.host), sw))


def _switch_targets(ctx: Context, b: Bound, category: str = "InvalidArgument") -> list[VSwitch]:
    if b.has("VMSwitch"):
        found = [switch_of(ctx, obj) for obj in b["VMSwitch"]]
        return [sw for sw in found if sw is not None]
    return switches_named(ctx, b["Name"], category)


_SWITCH_SETS = (
    Param("Name", "string[]", aliases=("SwitchName",), sets={"SwitchName": (True, 0)}, not_null_or_empty=True),
    Param("VMSwitch", "object[]" + T_SWITCH_OBJECT[6:], sets={"SwitchObject": (True, 0)}, pipeline=True),
)


@cmdlet(
    "Set-VMSwitch",
    _SWITCH_SETS + (
        Param("NetAdapterName", "string", aliases=("InterfaceAlias",)),
        Param("NetAdapterInterfaceDescription", "string", aliases=("InterfaceDescription",)),
        Param("SwitchType", "enum:" + VM_SWITCH_TYPE),
        Param("AllowManagementOS", "bool"),
        Param("DefaultFlowMinimumBandwidthAbsolute", "int64"),
        Param("DefaultFlowMinimumBandwidthWeight", "int64"),
        Param("DefaultQueueVrssEnabled", "bool", since="2016"),
        Param("DefaultQueueVmmqEnabled", "bool", since="2016"),
        Param("DefaultQueueVrssMaxQueuePairs", "uint32", aliases=("DefaultQueueVmmqQueuePairs",), since="2016"),
        Param("DefaultQueueVrssMinQueuePairs", "uint32", since="2019"),
        Param("DefaultQueueVrssQueueSchedulingMode", "enum:" + VRSS_SCHEDULING, since="2019"),
        Param("DefaultQueueVrssExcludePrimaryProcessor", "bool", since="2019"),
        Param("EnableSoftwareRsc", "bool", since="2019"),
        Param("Notes", "string"),
        Param("Passthru", "switch"),
    ) + REMOTE,
    default_set="SwitchName",
    should_process=True,
    writes=True,
)
def set_vmswitch(ctx: Context, b: Bound) -> None:
    done: list[VSwitch] = []
    try:
        for sw in _switch_targets(ctx, b, "ObjectNotFound"):
            _set_one_switch(ctx, b, sw)
            done.append(sw)
    finally:
        # One reallocation and one View for all the switches (per switch, -Passthru over many
        # would be quadratic); from finally, so switches set before a terminating error still
        # come out, as PowerShell would already have written them.
        if b.get("Passthru") and done:
            ctx.host.reallocate()
            view = View(ctx.host)
            for sw in done:
                ctx.write(switch_object(view, sw))


def _set_one_switch(ctx: Context, b: Bound, sw: VSwitch) -> None:
    host = ctx.host
    current_type = host.switch_type(sw)
    nic_given = b.has("NetAdapterName") or b.has("NetAdapterInterfaceDescription")
    new_type = b.get("SwitchType") or ("External" if nic_given else None)
    if sw.embedded_teaming and (nic_given or (new_type and new_type != current_type)):
        ctx.throw(
            "The network adapters or the type of a virtual switch with embedded teaming cannot be "
            "changed with Set-VMSwitch. Use Set-VMSwitchTeam, Add-VMSwitchTeamMember or "
            "Remove-VMSwitchTeamMember to change the team members.",
            "InvalidArgument", "InvalidParameter", target=sw.name,
        )
    if sw.iov_enabled and current_type == "External" and new_type in ("Internal", "Private"):
        ctx.throw(
            "The switch type of the SR-IOV enabled virtual switch \"%s\" cannot be changed. Remove "
            "the switch and create it again to change its type." % sw.name,
            "InvalidOperation", "InvalidOperation", target=sw.name,
        )
    if new_type == "External" and not nic_given and current_type != "External":
        ctx.throw("A network adapter must be specified (-NetAdapterName or -NetAdapterInterfaceDescription) "
                  "to make a virtual switch external.", "InvalidArgument", "InvalidParameter", target=sw.name)
    effective_type = new_type or current_type
    if b.get("AllowManagementOS") is True and effective_type != "External":
        ctx.throw("AllowManagementOS can be set only on an external virtual switch.",
                  "InvalidArgument", "InvalidParameter", target=sw.name)
    has_abs = b.has("DefaultFlowMinimumBandwidthAbsolute")
    has_weight = b.has("DefaultFlowMinimumBandwidthWeight")
    if has_abs and has_weight:
        ctx.throw("DefaultFlowMinimumBandwidthAbsolute and DefaultFlowMinimumBandwidthWeight cannot be "
                  "specified together.", "InvalidArgument", "InvalidParameter", target=sw.name)
    # The module's texts (SetVMSwitch.ValidateParameters, CmdletErrorMessages; nforgeio/neonSDK's port).
    if has_weight and not 0 <= b["DefaultFlowMinimumBandwidthWeight"] <= 100:
        ctx.throw("The range specified for the input bandwidth reservation is not valid.",
                  "InvalidArgument", "InvalidParameter")
    for given, needed in ((has_abs, "Absolute"), (has_weight, "Weight")):
        if given and sw.bandwidth_mode != needed:
            ctx.throw(
                "The default flow minimum bandwidth %s cannot be set: the bandwidth reservation mode of "
                "virtual switch \"%s\" is %s." % (needed.lower(), sw.name, sw.bandwidth_mode),
                "InvalidArgument", "InvalidParameter", target=sw.name,
            )
    min_qp = b.get("DefaultQueueVrssMinQueuePairs")
    max_qp = b.get("DefaultQueueVrssMaxQueuePairs", sw.settings["DefaultQueueVrssMaxQueuePairsRequested"])
    if b.has("DefaultQueueVrssMaxQueuePairs") and max_qp < 1:
        ctx.throw("The VRSS Max Queue-Pair Count cannot be set to less than 1.", "InvalidArgument", "InvalidParameter")
    if min_qp is not None and not 1 <= min_qp <= max_qp:
        ctx.throw(VRSS_MIN_TEXT, "InvalidArgument", "InvalidParameter")
    nics = resolve_nics(ctx, _single_nic(b), sw) if nic_given else None
    if not ctx.should_process(sw.name, 'Set-VMSwitch will configure the properties of the virtual switch "%s".'
                              % sw.name):
        return
    if nics is not None:
        sw.net_adapters = [n.name for n in nics]
        if not host.host_vnics_on(sw.id) and b.get("AllowManagementOS", True):
            operations.add_host_vnic(host, sw.name, sw)
    elif new_type in ("Internal", "Private"):
        sw.net_adapters = []
        vnics = host.host_vnics_on(sw.id)
        if new_type == "Private":
            host.management_adapters = [a for a in host.management_adapters if a.switch_id != sw.id]
        elif not vnics:
            operations.add_host_vnic(host, sw.name, sw)
    if b.has("AllowManagementOS") and effective_type == "External":
        if b["AllowManagementOS"] and not host.host_vnics_on(sw.id):
            operations.add_host_vnic(host, sw.name, sw)
        elif not b["AllowManagementOS"]:
            host.management_adapters = [a for a in host.management_adapters if a.switch_id != sw.id]
    if has_abs:
        sw.default_flow_minimum_bandwidth_absolute = int(b["DefaultFlowMinimumBandwidthAbsolute"])
    if has_weight:
        sw.default_flow_minimum_bandwidth_weight = int(b["DefaultFlowMinimumBandwidthWeight"])
    mapping = {
        "DefaultQueueVrssEnabled": "DefaultQueueVrssEnabledRequested",
        "DefaultQueueVmmqEnabled": "DefaultQueueVmmqEnabledRequested",
        "DefaultQueueVrssMaxQueuePairs": "DefaultQueueVrssMaxQueuePairsRequested",
        "DefaultQueueVrssMinQueuePairs": "DefaultQueueVrssMinQueuePairsRequested",
        "DefaultQueueVrssQueueSchedulingMode": "DefaultQueueVrssQueueSchedulingModeRequested",
        "DefaultQueueVrssExcludePrimaryProcessor": "DefaultQueueVrssExcludePrimaryProcessorRequested",
        "EnableSoftwareRsc": "SoftwareRscEnabled",
    }
    for param, key in mapping.items():
        if b.has(param):
            sw.settings[key] = b[param]
    if b.has("Notes"):
        sw.notes = b["Notes"] or ""


class _single_nic(Bound):
    """Set-VMSwitch takes one NIC (String), resolve_nics a list."""

    def __init__(self, b: Bound) -> None:
        values = dict(b.values)
        for key in ("NetAdapterName", "NetAdapterInterfaceDescription"):
            if key in values:
                values[key] = [values[key]]
        super().__init__(values, b.set_name)


@cmdlet(
    "Remove-VMSwitch",
    _SWITCH_SETS + (
        Param("ResourcePoolName", "string[]", sets={"SwitchName": (False, 1)}),
        Param("Force", "switch"),
    ) + REMOTE,
    default_set="SwitchName",
    should_process=True,
    writes=True,
)
def remove_vmswitch(ctx: Context, b: Bound) -> None:
    for sw in _switch_targets(ctx, b):
        if ctx.should_process(sw.name, 'Remove-VMSwitch will remove the virtual Ethernet switch "%s".' % sw.name):
            # Remove-VMSwitch asks before it removes a switch unless -Force (its help: "-Force
            # Forces the command to run without asking for user confirmation").
            ctx.confirm('Are you sure you want to remove the virtual switch "%s"?' % sw.name)
            operations.remove_switch(ctx.host, sw)


# -- Switch Embedded Teaming ---------------------------------------------------------------------
def _team_targets(ctx: Context, b: Bound, names_param: str = "Name") -> list[VSwitch]:
    if b.has("VMSwitch"):
        found = [switch_of(ctx, obj) for obj in b["VMSwitch"]]
        switches = [sw for sw in found if sw is not None]
    else:
        from .base import select_by_name

        names = b.get(names_param)
        pool = ctx.host.switches if names else [sw for sw in ctx.host.switches if sw.embedded_teaming]
        switches = select_by_name(ctx, pool, names, lambda sw: sw.name, lambda n: switch_not_found(ctx, n))
        if names and any(has_wildcard(n) for n in names):
            # a wildcard selects among teams only; a literal non-team name is an error below
            switches = [sw for sw in switches if sw.embedded_teaming or any(
                not has_wildcard(n) and n.lower() == sw.name.lower() for n in names)]
    result = []
    for sw in switches:
        if not sw.embedded_teaming:
            ctx.error('The virtual switch "%s" is not a switch embedded team.' % sw.name,
                      "InvalidArgument", "InvalidParameter", target=sw.name)
        else:
            result.append(sw)
    return result


@cmdlet(
    "Get-VMSwitchTeam",
    (
        Param("Name", "string[]", aliases=("SwitchName",), sets={"Name": (False, 0)}),
        Param("VMSwitch", "object[]" + T_SWITCH_OBJECT[6:], sets={"SwitchObject": (True, 0)}, pipeline=True),
    ) + REMOTE,
    default_set="Name",
    since="2016",
)
def get_vmswitchteam(ctx: Context, b: Bound) -> None:
    view = View(ctx.host)
    for sw in _team_targets(ctx, b):
        ctx.write(team_object(view, sw))


def _validate_members(ctx: Context, sw: VSwitch, nics: list[PhysicalNic]) -> None:
    if not 1 <= len(nics) <= 8:
        ctx.throw("A switch embedded team must have between 1 and 8 network adapters.",
                  "InvalidArgument", "InvalidParameter", target=sw.name)


@cmdlet(
    "Set-VMSwitchTeam",
    (
        Param("Name", "string[]", aliases=("SwitchName",), sets={"Name": (True, 0)}),
        Param("VMSwitch", "object[]" + T_SWITCH_OBJECT[6:], sets={"SwitchObject": (True, 0)}, pipeline=True),
        Param("NetAdapterName", "string[]", aliases=("InterfaceAlias",)),
        Param("NetAdapterInterfaceDescription", "string[]", aliases=("InterfaceDescription",)),
        Param("TeamingMode", "enum:" + TEAMING_MODE),
        Param("LoadBalancingAlgorithm", "enum:" + LOAD_BALANCING),
        Param("Passthru", "switch"),
    ) + REMOTE,
    default_set="Name",
    should_process=True,
    writes=True,
    since="2016",
)
def set_vmswitchteam(ctx: Context, b: Bound) -> None:
    if b.has("NetAdapterName") and b.has("NetAdapterInterfaceDescription"):
        ctx.throw("Specify either -NetAdapterName or -NetAdapterInterfaceDescription, not both.",
                  "InvalidArgument", "InvalidParameter")
    for sw in _team_targets(ctx, b):
        nics = resolve_nics(ctx, b, sw)
        if nics is not None:
            _validate_members(ctx, sw, nics)
        if not ctx.should_process(sw.name, _TEAM_DESCRIPTION % sw.name):
            continue
        if nics is not None:
            sw.net_adapters = [n.name for n in nics]
        if b.has("TeamingMode"):
            sw.teaming_mode = b["TeamingMode"]
        if b.has("LoadBalancingAlgorithm"):
            sw.load_balancing_algorithm = b["LoadBalancingAlgorithm"]
        if b.get("Passthru"):
            ctx.write(team_object(View(ctx.host), sw))


_TEAM_DESCRIPTION = 'Set-VMSwitchTeam will configure the teaming properties of the virtual switch "%s".'


def _member_change(ctx: Context, b: Bound, add: bool) -> None:
    for sw in _team_targets(ctx, b, "VMSwitchName"):
        nics = resolve_nics(ctx, b, sw) or []
        current = [ctx.host.nic(n) for n in sw.net_adapters]
        if add:
            wanted = current + [n for n in nics if all(n is not c for c in current)]
        else:
            for nic in nics:
                if all(nic is not c for c in current):
                    ctx.throw('The network adapter "%s" is not a member of the team "%s".' % (nic.name, sw.name),
                              "InvalidArgument", "InvalidParameter", target=nic.name)
            wanted = [c for c in current if all(c is not n for n in nics)]
        _validate_members(ctx, sw, wanted)
        # The member cmdlets call the one-argument ShouldProcess with the team sentence as target.
        if ctx.should_process(_TEAM_DESCRIPTION % sw.name):
            sw.net_adapters = [n.name for n in wanted]


_MEMBER_PARAMS = (
    Param("VMSwitchName", "string[]", aliases=("SwitchName",), sets={"Name": (True, 0)}),
    Param("VMSwitch", "object[]" + T_SWITCH_OBJECT[6:], sets={"SwitchObject": (True, 0)}, pipeline=True),
    Param("NetAdapterName", "string[]", aliases=("InterfaceAlias",)),
    Param("NetAdapterInterfaceDescription", "string[]", aliases=("InterfaceDescription",)),
    Param("Passthru", "switch"),
) + REMOTE


@cmdlet("Add-VMSwitchTeamMember", _MEMBER_PARAMS, default_set="Name", should_process=True, writes=True, since="2016")
def add_vmswitchteammember(ctx: Context, b: Bound) -> None:
    _member_change(ctx, b, add=True)


@cmdlet("Remove-VMSwitchTeamMember", _MEMBER_PARAMS, default_set="Name", should_process=True, writes=True, since="2016")
def remove_vmswitchteammember(ctx: Context, b: Bound) -> None:
    _member_change(ctx, b, add=False)
