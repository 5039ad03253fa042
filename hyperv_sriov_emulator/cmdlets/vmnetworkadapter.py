"""Get/Set/Add/Remove/Connect/Disconnect-VMNetworkAdapter."""

from __future__ import annotations

import re
import typing as t

from ..binding import Bound, Param
from ..model import NetworkAdapter, VirtualMachine, VSwitch, operations
from ..model.enums import INTERRUPT_MODERATION, ON_OFF, PORT_MIRRORING, VRSS_AFFINITY, VRSS_SCHEDULING
from .base import Context, cmdlet, has_wildcard, matches
from .common import (
    REMOTE, T_ADAPTER_OBJECT, T_SWITCH_OBJECT, T_VM_OBJECT, VRSS_MIN_TEXT, adapter_of, switch_not_found, switch_of, vm_of,
    vms_named,
)
from .objects import View, adapter_object

_VM_ADAPTER_OBJECT = "object[]:Microsoft.HyperV.PowerShell.VMNetworkAdapter"
_ADAPTER_OBJECTS = "object[]" + T_ADAPTER_OBJECT[6:]
_VM_OBJECTS = "object[]" + T_VM_OBJECT[6:]
Pair = tuple[t.Optional[VirtualMachine], NetworkAdapter]


def _no_adapter(ctx: Context) -> None:
    # ObjectNotFound with no target object, as the Set-/Connect- cmdlets write it (reference §6).
    ctx.error("No network adapter was found with the given criteria.", "ObjectNotFound", "ObjectNotFound")


def _filter(adapters: t.Iterable[NetworkAdapter], name: str | None) -> list[NetworkAdapter]:
    return [a for a in adapters if name is None or matches(name, a.name)]


def _filter_any(adapters: t.Iterable[NetworkAdapter], names: t.Sequence[str] | None) -> list[NetworkAdapter]:
    return [a for a in adapters if not names or any(matches(n, a.name) for n in names)]


@cmdlet(
    "Get-VMNetworkAdapter",
    (
        Param("VMName", "string[]", sets={"VMName": (True, 0)}),
        Param("Name", "string", aliases=("VMNetworkAdapterName",),
              sets={"VMName": (False, 1), "ManagementOS": (False, 0), "VMObject": (False, 1)}),
        Param("ManagementOS", "switch", sets={"ManagementOS": (True, None)}),
        Param("SwitchName", "string", sets={"ManagementOS": (False, None)}),
        Param("All", "switch", sets={"All": (True, None)}),
        Param("VM", _VM_OBJECTS, sets={"VMObject": (True, 0)}, pipeline=True),
        Param("IsLegacy", "bool", sets={"VMName": (False, None), "VMObject": (False, None), "All": (False, None)}),
    ) + REMOTE,
    default_set="VMName",
)
def get_vmnetworkadapter(ctx: Context, b: Bound) -> None:
    view = View(ctx.host)
    host = ctx.host
    name = b.get("Name")
    legacy = b.get("IsLegacy")
    chosen: list[NetworkAdapter] = []
    if b.set_name == "ManagementOS":
        chosen = _filter(host.management_adapters, name)
        if b.has("SwitchName"):
            chosen = [a for a in chosen if a.switch_id and any(
                sw.id == a.switch_id and matches(b["SwitchName"], sw.name) for sw in host.switches)]
    elif b.set_name == "All":
        # -Name is in every set, -All's too (the real module's tables).
        chosen = _filter([a for vm in host.vms for a in vm.adapters] + list(host.management_adapters), name)
    else:
        vms = [vm_of(ctx, o) for o in b["VM"]] if b.has("VM") else vms_named(ctx, b["VMName"])
        for vm in vms:
            if vm is not None:
                chosen.extend(_filter(vm.adapters, name))
    for adapter in chosen:
        if legacy is not None and not adapter.management_os and adapter.is_legacy != legacy:
            continue
        ctx.write(adapter_object(view, adapter))


# -- Set-VMNetworkAdapter -----------------------------------------------------------------------
# parameter -> settings key; values are stored as the binder converted them (enums by name).
_SETTINGS = {
    "IovWeight": "IovWeight",
    "IovQueuePairsRequested": "IovQueuePairsRequested",
    "IovInterruptModeration": "IovInterruptModeration",
    "VmqWeight": "VMQWeight",
    "IPsecOffloadMaximumSecurityAssociation": "IPsecOffloadMaxSA",
    "VrssEnabled": "VrssEnabledRequested",
    "VmmqEnabled": "VmmqEnabledRequested",
    "VrssMaxQueuePairs": "VrssMaxQueuePairsRequested",
    "VrssMinQueuePairs": "VrssMinQueuePairsRequested",
    "VrssQueueSchedulingMode": "VrssQueueSchedulingModeRequested",
    "VrssExcludePrimaryProcessor": "VrssExcludePrimaryProcessorRequested",
    "VrssIndependentHostSpreading": "VrssIndependentHostSpreadingRequested",
    "VrssVmbusChannelAffinityPolicy": "VrssVmbusChannelAffinityPolicyRequested",
    "PacketDirectNumProcs": "PacketDirectNumProcs",
    "PacketDirectModerationCount": "PacketDirectModerationCount",
    "PacketDirectModerationInterval": "PacketDirectModerationInterval",
    "MacAddressSpoofing": "MacAddressSpoofing",
    "DhcpGuard": "DhcpGuard",
    "RouterGuard": "RouterGuard",
    "IeeePriorityTag": "IeeePriorityTag",
    "AllowTeaming": "AllowTeaming",
    "FixSpeed10G": "FixSpeed10G",
    "DeviceNaming": "DeviceNaming",
    "PortMirroring": "PortMirroringMode",
    "VirtualSubnetId": "VirtualSubnetId",
    "DynamicIPAddressLimit": "DynamicIPAddressLimit",
    "StormLimit": "StormLimit",
    "NumaAwarePlacement": "NumaAwarePlacement",
    "MinimumBandwidthWeight": "MinimumBandwidthWeight",
    "MinimumBandwidthAbsolute": "MinimumBandwidthAbsolute",
    "MaximumBandwidth": "MaximumBandwidth",
    "RscEnabled": "RscEnabledRequested",
}
# Refused for a host vNIC by the cmdlet itself (SetVMNetworkAdapter_ParameterInvalidForManagementOS,
# reference §1.7); the Iov* parameters are in the ManagementOS set and accepted (2022 reference).
_NOT_FOR_MANAGEMENT_OS = ("StaticMacAddress", "DynamicMacAddress", "NumaAwarePlacement")
_MAC = re.compile(r"^[0-9A-Fa-f]{12}$")

_TARGET_PARAMS = (
    Param("VMName", "string", sets={"VMName": (True, 0)}, not_null_or_empty=True),
    Param("Name", "string", aliases=("VMNetworkAdapterName",),
          sets={"VMName": (False, 1), "ManagementOS": (False, 0), "VMObject": (False, 1)}),
    Param("ManagementOS", "switch", sets={"ManagementOS": (True, None)}),
    Param("VMNetworkAdapter", _ADAPTER_OBJECTS, sets={"ResourceObject": (True, 0)}, pipeline=True),
    Param("VM", _VM_OBJECTS, sets={"VMObject": (True, 0)}, pipeline=True),
)


@cmdlet(
    "Set-VMNetworkAdapter",
    _TARGET_PARAMS + (
        Param("IovWeight", "uint32"),
        Param("IovQueuePairsRequested", "uint32"),
        Param("IovInterruptModeration", "enum:" + INTERRUPT_MODERATION),
        Param("VmqWeight", "uint32"),
        Param("IPsecOffloadMaximumSecurityAssociation", "uint32"),
        Param("MacAddressSpoofing", "enum:" + ON_OFF),
        Param("DhcpGuard", "enum:" + ON_OFF),
        Param("RouterGuard", "enum:" + ON_OFF),
        Param("IeeePriorityTag", "enum:" + ON_OFF),
        Param("AllowTeaming", "enum:" + ON_OFF),
        Param("PortMirroring", "enum:" + PORT_MIRRORING),
        Param("MinimumBandwidthWeight", "uint32"),
        Param("MinimumBandwidthAbsolute", "int64"),
        Param("MaximumBandwidth", "int64"),
        Param("VirtualSubnetId", "uint32"),
        Param("DynamicIPAddressLimit", "uint32"),
        Param("StormLimit", "uint32"),
        Param("StaticMacAddress", "string"),
        Param("DynamicMacAddress", "switch"),
        Param("VrssEnabled", "bool", since="2016"),
        Param("VmmqEnabled", "bool", since="2016"),
        Param("VrssMaxQueuePairs", "uint32", aliases=("VmmqQueuePairs",), since="2016"),
        Param("PacketDirectNumProcs", "uint32", since="2016"),
        Param("PacketDirectModerationCount", "uint32", since="2016"),
        Param("PacketDirectModerationInterval", "uint32", since="2016"),
        Param("DeviceNaming", "enum:" + ON_OFF, since="2016"),
        Param("FixSpeed10G", "enum:" + ON_OFF, since="2016"),
        Param("VrssMinQueuePairs", "uint32", since="2019"),
        Param("VrssQueueSchedulingMode", "enum:" + VRSS_SCHEDULING, since="2019"),
        Param("VrssExcludePrimaryProcessor", "bool", since="2019"),
        Param("VrssIndependentHostSpreading", "bool", since="2019"),
        Param("VrssVmbusChannelAffinityPolicy", "enum:" + VRSS_AFFINITY, since="2019"),
        Param("NumaAwarePlacement", "bool", since="2019"),
        # In every parameter set of the Windows Server 2022 reference, not in the 2016/2019 ones
        # (MicrosoftDocs windows-powershell-docs, docset/winserver2022-ps/hyper-v/Set-VMNetworkAdapter.md).
        Param("RscEnabled", "bool", since="2022"),
        Param("Passthru", "switch"),
    ) + REMOTE,
    default_set="VMName",
    should_process=True,
    writes=True,
)
def set_vmnetworkadapter(ctx: Context, b: Bound) -> None:
    _validate_settings(ctx, b)
    targets = _targets(ctx, b, single_vm_name=True)
    switches = ctx.host.switch_map()
    for vm, adapter in targets:
        _validate_for_adapter(ctx, b, vm, adapter, switches.get(adapter.switch_id) if adapter.switch_id else None)
    # One ShouldProcess per adapter, each asked (and, with -Verbose, reported) before any is set.
    approved = [ctx.should_process(adapter.name, 'Set-VMNetworkAdapter will configure the network adapter "%s".'
                                   % adapter.name) for _vm, adapter in targets]
    if not all(approved):
        return
    for vm, adapter in targets:
        for param, key in _SETTINGS.items():
            if b.has(param):
                adapter.settings[key] = b[param]
        for key in ("MinimumBandwidthAbsolute", "MaximumBandwidth"):
            if b.has(key):
                # "The specified value is rounded to the nearest multiple of eight." (Set-VMNetworkAdapter help)
                adapter.settings[key] = int(round(b[key] / 8.0)) * 8
        if b.has("StaticMacAddress"):
            adapter.mac_address = b["StaticMacAddress"].upper()
            adapter.dynamic_mac = False
        if b.get("DynamicMacAddress"):
            adapter.dynamic_mac = True
    if b.get("Passthru"):
        ctx.host.reallocate()
        view = View(ctx.host)
        for _vm, adapter in targets:
            ctx.write(adapter_object(view, adapter))


def _invalid(ctx: Context, message: str, target: t.Any = None) -> t.NoReturn:
    ctx.throw(message, "InvalidArgument", "InvalidParameter", target=target)


# The module's own validation texts (ValidateParameters of SetVMNetworkAdapter.cs and its
# CmdletErrorMessages resources, in nforgeio/neonSDK's port of the module): InvalidArgument,
# InvalidParameter, no target object (ExceptionHelper.CreateInvalidArgumentException).


def _validate_settings(ctx: Context, b: Bound) -> None:
    """The cmdlet's own checks, before any adapter is looked at (reference §1.7)."""
    if b.get("StaticMacAddress") is not None and b.get("DynamicMacAddress"):
        _invalid(ctx, "The network adapter cannot use both a static and dynamic MAC address.")
    if b.get("IovWeight", 0) > 100:
        _invalid(ctx, "The range of the input SR-IOV weight is not valid.")
    if b.get("MinimumBandwidthWeight", 0) > 100:
        _invalid(ctx, "The range specified for the input bandwidth reservation is not valid.")
    if b.has("IovQueuePairsRequested") and b["IovQueuePairsRequested"] < 1:
        _invalid(ctx, "The IOV Queue-Pair Count cannot be set to less than 1.")
    if b.has("VrssMaxQueuePairs") and b["VrssMaxQueuePairs"] < 1:
        _invalid(ctx, "The VRSS Max Queue-Pair Count cannot be set to less than 1.")
    if b.has("VrssMinQueuePairs") and (b["VrssMinQueuePairs"] < 1 or b["VrssMinQueuePairs"] > b.get(
            "VrssMaxQueuePairs", b["VrssMinQueuePairs"])):
        _invalid(ctx, VRSS_MIN_TEXT)
    if b.get("VrssVmbusChannelAffinityPolicy") == "None":
        _invalid(ctx, "The VRSS vmbus channel affinity policy is not valid. Affinity policy can be either Weak, "
                      "Strong, or Strict.")
    if b.has("StaticMacAddress") and not _MAC.match(b["StaticMacAddress"]):
        _invalid(ctx, "The MAC address '%s' is not valid. Specify 12 hexadecimal digits." % b["StaticMacAddress"],
                 b["StaticMacAddress"])
    if b.set_name == "ManagementOS":
        for name in _NOT_FOR_MANAGEMENT_OS:
            if b.has(name):
                _invalid(ctx, "The parameter %s cannot be used for a network adapter of the management "
                              "operating system." % name, name)


def _validate_for_adapter(ctx: Context, b: Bound, vm: VirtualMachine | None, adapter: NetworkAdapter,
                          sw: VSwitch | None) -> None:
    if vm is None and any(b.has(n) for n in _NOT_FOR_MANAGEMENT_OS):
        _invalid(ctx, "The parameter %s cannot be used for a network adapter of the management operating "
                      "system." % next(n for n in _NOT_FOR_MANAGEMENT_OS if b.has(n)), adapter.name)
    max_qp = b.get("VrssMaxQueuePairs", adapter.settings["VrssMaxQueuePairsRequested"])
    if b.has("VrssMinQueuePairs") and b["VrssMinQueuePairs"] > max_qp:
        _invalid(ctx, "VrssMinQueuePairs (%d) cannot be greater than VrssMaxQueuePairs (%d)."
                 % (b["VrssMinQueuePairs"], max_qp), adapter.name)
    for param, mode in (("MinimumBandwidthWeight", "Weight"), ("MinimumBandwidthAbsolute", "Absolute")):
        if b.has(param) and sw is not None and sw.bandwidth_mode != mode:
            ctx.throw(
                "%s cannot be set on network adapter \"%s\": the bandwidth reservation mode of virtual switch "
                "\"%s\" is %s." % (param, adapter.name, sw.name, sw.bandwidth_mode),
                "InvalidArgument", "InvalidParameter", target=adapter.name,
            )
    if b.has("StaticMacAddress") and vm is not None and vm.running and \
            b["StaticMacAddress"].upper() != adapter.mac_address:
        ctx.throw("The MAC address of a network adapter cannot be changed while the virtual machine \"%s\" "
                  "is running." % vm.name, "InvalidOperation", "InvalidOperation", target=adapter.name)


def _targets(ctx: Context, b: Bound, single_vm_name: bool = False) -> list[Pair]:
    host = ctx.host
    name = b.get("Name")
    names = [name] if isinstance(name, str) else name
    found: list[Pair] = []
    if b.set_name == "ManagementOS":
        found = [(None, a) for a in _filter_any(host.management_adapters, names)]
        if not found and names and not any(has_wildcard(n) for n in names):
            _no_adapter(ctx)
        return found
    if b.has("VMNetworkAdapter"):  # the object sets (ResourceObject, Obj, Object_*)
        objects = b["VMNetworkAdapter"]
        for obj in objects if isinstance(objects, list) else [objects]:
            pair = adapter_of(ctx, obj)
            if pair is not None:
                found.append(pair)
        return found
    if b.has("VM"):
        objects = b["VM"] if isinstance(b["VM"], list) else [b["VM"]]
        vms = [vm for vm in (vm_of(ctx, o) for o in objects) if vm is not None]
    else:
        vm_names = b["VMName"]
        vms = vms_named(ctx, [vm_names] if isinstance(vm_names, str) else vm_names, "ObjectNotFound")
    for vm in vms:
        chosen = _filter_any(vm.adapters, names)
        if not chosen and names and not any(has_wildcard(n) for n in names):
            _no_adapter(ctx)
        found.extend((vm, a) for a in chosen)
    return found


# -- Add / Remove ---------------------------------------------------------------------------------
def _hot_plug_check(ctx: Context, vm: VirtualMachine, verb: str) -> bool:
    if vm.running and vm.generation == 1:
        ctx.error(
            "Cannot %s a network adapter while the virtual machine \"%s\" is running: hot %s of network "
            "adapters is supported on generation 2 virtual machines only. Turn the virtual machine off "
            "and try again." % (verb, vm.name, "add" if verb == "add" else "removal"),
            "InvalidOperation", "InvalidOperation", target=vm.name,
        )
        return False
    return True


def _switch_named(ctx: Context, name: str) -> VSwitch | None:
    for sw in ctx.host.switches:
        if sw.name.lower() == name.lower():
            return sw
    switch_not_found(ctx, name)
    return None


@cmdlet(
    "Add-VMNetworkAdapter",
    (
        Param("VMName", "string[]", sets={"VMName": (True, 0)}, not_null_or_empty=True),
        Param("VM", _VM_OBJECTS, sets={"VMObject": (True, 0)}, pipeline=True),
        Param("ManagementOS", "switch", sets={"ManagementOS": (True, None)}),
        Param("Name", "string", aliases=("VMNetworkAdapterName",)),
        Param("SwitchName", "string",
              sets={"VMName": (False, None), "VMObject": (False, None), "ManagementOS": (True, None)}),
        Param("IsLegacy", "bool", sets={"VMName": (False, None), "VMObject": (False, None)}),
        Param("DynamicMacAddress", "switch"),
        Param("StaticMacAddress", "string"),
        Param("DeviceNaming", "enum:" + ON_OFF, since="2016"),
        Param("Passthru", "switch"),
    ) + REMOTE,
    default_set="VMName",
    should_process=True,
    writes=True,
)
def add_vmnetworkadapter(ctx: Context, b: Bound) -> None:
    host = ctx.host
    if b.has("StaticMacAddress") and not _MAC.match(b["StaticMacAddress"]):
        _invalid(ctx, "The MAC address '%s' is not valid. Specify 12 hexadecimal digits." % b["StaticMacAddress"])
    sw = None
    if b.has("SwitchName"):
        sw = _switch_named(ctx, b["SwitchName"])
        if sw is None:
            return
    static = b["StaticMacAddress"].upper() if b.has("StaticMacAddress") else None
    if b.set_name == "ManagementOS":
        if sw is None:
            # -SwitchName is optional in the real module's tables; a host vNIC still needs a switch
            # (the wording is the project's).
            _invalid(ctx, "A network adapter of the management operating system needs a virtual switch: "
                          "specify -SwitchName.")
        if not ctx.should_process(sw.name, 'Add-VMNetworkAdapter will add a network adapter to virtual switch "%s".'
                                  % sw.name):
            return
        adapter = operations.add_host_vnic(host, b.get("Name") or "Network Adapter", sw, mac=static)
        if b.get("Passthru"):
            ctx.write(adapter_object(View(host), adapter))
        return
    vms = [vm_of(ctx, o) for o in b["VM"]] if b.set_name == "VMObject" else vms_named(ctx, b["VMName"])
    legacy = bool(b.get("IsLegacy", False))
    added: list[t.Any] = []
    try:
        _add_to_vms(ctx, b, vms, name_of=b.get("Name"), legacy=legacy, switch=sw, static=static, added=added)
    finally:
        if b.get("Passthru"):
            _write_adapters(ctx, added)


def _write_adapters(ctx: Context, adapters: t.Sequence[t.Any]) -> None:
    """Write -Passthru objects for adapters changed by one call: one reallocation and one View
    for them all (per adapter, both would make a call over many adapters quadratic). Callers
    write from ``finally`` so the objects of the items done before a terminating error are kept,
    as PowerShell would already have emitted them."""
    if not adapters:
        return
    ctx.host.reallocate()
    view = View(ctx.host)
    for adapter in adapters:
        ctx.write(adapter_object(view, adapter))


def _add_to_vms(ctx: Context, b: Bound, vms: t.Sequence[t.Any], name_of: str | None, legacy: bool,
                switch: t.Any, static: str | None, added: list[t.Any]) -> None:
    host = ctx.host
    for vm in vms:
        if vm is None or not _hot_plug_check(ctx, vm, "add"):
            continue
        if legacy and vm.generation != 1:
            ctx.error("Legacy network adapters are supported on generation 1 virtual machines only (\"%s\" is "
                      "generation %d)." % (vm.name, vm.generation), "InvalidArgument", "InvalidParameter",
                      target=vm.name)
            continue
        if not ctx.should_process(vm.name, 'Add-VMNetworkAdapter will add a network adapter to virtual machine "%s".'
                                  % vm.name):
            continue
        name = name_of or ("Legacy Network Adapter" if legacy else "Network Adapter")
        # A VM that is not running gets its new adapter's dynamic MAC address when it starts.
        adapter = operations.add_vm_adapter(host, vm, name, switch, is_legacy=legacy, static_mac=static,
                                            assigned=vm.state in ("Running", "Paused"))
        if b.has("DeviceNaming"):
            adapter.settings["DeviceNaming"] = b["DeviceNaming"]
        added.append(adapter)


@cmdlet(
    "Remove-VMNetworkAdapter",
    (
        Param("VMName", "string[]", sets={"VMName": (True, 0)}, not_null_or_empty=True),
        Param("Name", "string", aliases=("VMNetworkAdapterName",),
              sets={"VMName": (True, 1), "ManagementOS": (True, 0)}),
        Param("ManagementOS", "switch", sets={"ManagementOS": (True, None)}),
        Param("SwitchName", "string", sets={"ManagementOS": (False, None)}),
        Param("VMNetworkAdapter", _ADAPTER_OBJECTS, sets={"Object": (True, 0)}, pipeline=True),
        Param("Passthru", "switch"),
    ) + REMOTE,
    default_set="VMName",
    should_process=True,
    writes=True,
)
def remove_vmnetworkadapter(ctx: Context, b: Bound) -> None:
    host = ctx.host
    targets = _targets(ctx, b)
    if b.set_name == "ManagementOS" and b.has("SwitchName"):
        on_switch = {sw.id for sw in host.switches if matches(b["SwitchName"], sw.name)}
        targets = [(vm, a) for vm, a in targets if a.switch_id in on_switch]
    for vm, adapter in targets:
        if vm is not None and not _hot_plug_check(ctx, vm, "remove"):
            continue
        if not ctx.should_process(adapter.name, 'Remove-VMNetworkAdapter will remove the network adapter "%s".'
                                  % adapter.name):
            continue
        if b.get("Passthru"):
            ctx.write(adapter_object(View(host), adapter))
        if vm is None:
            host.management_adapters = [a for a in host.management_adapters if a is not adapter]
        else:
            vm.adapters = [a for a in vm.adapters if a is not adapter]


# -- Connect / Disconnect ------------------------------------------------------------------------
@cmdlet(
    "Connect-VMNetworkAdapter",
    (
        Param("VMName", "string[]", sets={"Name_SwitchName": (True, 0), "Name_SwitchObject": (True, 0)},
              not_null_or_empty=True),
        Param("Name", "string[]", aliases=("VMNetworkAdapterName",),
              sets={"Name_SwitchName": (False, 1), "Name_SwitchObject": (False, 1)}),
        Param("VMNetworkAdapter", _VM_ADAPTER_OBJECT,
              sets={"Object_SwitchName": (True, 0), "Object_SwitchObject": (True, 0)}, pipeline=True),
        Param("SwitchName", "string", sets={"Name_SwitchName": (True, 2), "Object_SwitchName": (True, 1)},
              not_null_or_empty=True),
        Param("VMSwitch", "object" + T_SWITCH_OBJECT[6:],
              sets={"Name_SwitchObject": (True, 2), "Object_SwitchObject": (True, 1)}),
        Param("Passthru", "switch"),
    ) + REMOTE,
    default_set="Name_SwitchName",
    should_process=True,
    writes=True,
)
def connect_vmnetworkadapter(ctx: Context, b: Bound) -> None:
    sw = switch_of(ctx, b["VMSwitch"]) if b.has("VMSwitch") else _switch_named(ctx, b["SwitchName"])
    if sw is None:
        return
    connected: list[t.Any] = []
    try:
        for _vm, adapter in _targets(ctx, b):
            if not ctx.should_process(adapter.name, 'Connect-VMNetworkAdapter will connect network adapter "%s" to '
                                      'switch "%s".' % (adapter.name, sw.name)):
                continue
            adapter.switch_id = sw.id
            connected.append(adapter)
    finally:
        if b.get("Passthru"):
            _write_adapters(ctx, connected)


@cmdlet(
    "Disconnect-VMNetworkAdapter",
    (
        Param("VMName", "string[]", sets={"Name": (True, 0)}, not_null_or_empty=True),
        Param("Name", "string[]", aliases=("VMNetworkAdapterName",), sets={"Name": (False, 1)}),
        Param("VMNetworkAdapter", _VM_ADAPTER_OBJECT, sets={"Object": (True, 0)}, pipeline=True),
        Param("Passthru", "switch"),
    ) + REMOTE,
    default_set="Name",
    should_process=True,
    writes=True,
)
def disconnect_vmnetworkadapter(ctx: Context, b: Bound) -> None:
    disconnected: list[t.Any] = []
    try:
        for _vm, adapter in _targets(ctx, b):
            if not ctx.should_process(adapter.name, 'Disconnect-VMNetworkAdapter will disconnect network adapter '
                                      '"%s".' % adapter.name):
                continue
            # Offload settings (IovWeight ...) stay on the adapter (reference §6: they survive).
            adapter.switch_id = None
            disconnected.append(adapter)
    finally:
        if b.get("Passthru"):
            _write_adapters(ctx, disconnected)
