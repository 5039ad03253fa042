"""NetAdapter module cmdlets (CDXML over root/StandardCimv2): physical NICs, their SR-IOV
settings, VFs and advanced properties.

Pending changes (the project's model, docs/emulator.md): Set-/Enable-/Disable-NetAdapterSriov
write the *configured* values at once (the ``*SRIOV`` / ``*NumVFs`` advanced properties show them);
the *effective* ones (Get-NetAdapterSriov Enabled/NumVFs, VF allocation, switch counters) change
when the NIC restarts: at once without -NoRestart, else at Restart-NetAdapter or
Disable-/Enable-NetAdapter.
"""

from __future__ import annotations

import typing as t

from ..binding import Bound, Param
from ..model import PhysicalNic, operations
from .base import CIM_JOB_EXCEPTION, Context, cmdlet, has_wildcard, matches
from .cim import T_NETADAPTER, T_SRIOV, advanced_properties, netadapter_object, sriov_object, vf_object, vnic_netadapter_object
from .common import CIM_COMMON

_NOT_FOUND = "No %s objects found with property '%s' equal to '%s'.  Verify the value of the property and retry."


def _not_found(ctx: Context, cim_class: str, prop: str, value: t.Any) -> None:
    ctx.error(_NOT_FOUND % (cim_class, prop, value), "ObjectNotFound", "CmdletizationQuery_NotFound_" + prop,
              target=value, exception_type=CIM_JOB_EXCEPTION)


def _selector_params(input_type: tuple[str, ...] | None, mandatory: bool, name_by_property: bool = True,
                     description_aliases: tuple[str, ...] = ("ifDesc", "InstanceID")) -> tuple[Param, ...]:
    """-Name (ByName, position 0), -InterfaceDescription (ByInstanceID), -InputObject (CIM instances
    by value) and -IncludeHidden, as Microsoft's Windows Server 2022 reference of each command gives
    them (tests/emulator/test_netadapter_parameter_tables.py compares them): -Name and
    -InterfaceDescription take pipeline input by property name; -IncludeHidden is not in the
    InputObject set."""
    params = [
        Param("Name", "string[]", aliases=("ifAlias", "InterfaceAlias"), sets={"ByName": (mandatory, 0)},
              pipeline_by_name=name_by_property),
        Param("InterfaceDescription", "string[]", aliases=description_aliases, sets={"ByInstanceID": (True, None)},
              pipeline_by_name=True),
    ]
    hidden_sets = None
    if input_type is not None:
        params.append(Param("InputObject", "object[]:" + input_type[0], sets={"InputObject (cdxml)": (True, None)},
                            pipeline=True))
        hidden_sets = {"ByName": (False, None), "ByInstanceID": (False, None)}
    return tuple(params) + (Param("IncludeHidden", "switch", sets=hidden_sets),) + CIM_COMMON


def _select(ctx: Context, b: Bound, candidates: t.Sequence[PhysicalNic], cim_class: str) -> list[PhysicalNic]:
    """NICs picked by -Name / -InterfaceDescription / -InputObject, errors for literal misses."""
    if b.has("InputObject"):
        chosen = []
        for obj in b["InputObject"]:
            nic = ctx.host.nic(str(obj.get("Name") or ""))
            if nic is None or all(nic is not c for c in candidates):
                _not_found(ctx, cim_class, "Name", obj.get("Name"))
            elif all(nic is not c for c in chosen):
                chosen.append(nic)
        return chosen
    if b.has("InterfaceDescription"):
        patterns, prop, key = b["InterfaceDescription"], "InterfaceDescription", (lambda n: n.interface_description)
    elif b.has("Name"):
        patterns, prop, key = b["Name"], "Name", (lambda n: n.name)
    else:
        return list(candidates)
    chosen = []
    for pattern in patterns:
        hits = [n for n in candidates if matches(pattern, key(n))]
        if not hits and not has_wildcard(pattern):
            _not_found(ctx, cim_class, prop, pattern)
        chosen.extend(n for n in hits if all(n is not c for c in chosen))
    order = {id(n): i for i, n in enumerate(candidates)}
    return sorted(chosen, key=lambda n: order[id(n)])


def _sriov_nics(ctx: Context) -> list[PhysicalNic]:
    return [nic for nic in ctx.host.nics.values() if nic.sriov_capable]


def _allocated(ctx: Context) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _vm, adapter in ctx.host.all_vm_adapters():
        if adapter.vf is not None:
            counts[adapter.vf.nic] = counts.get(adapter.vf.nic, 0) + 1
    return counts


# -- NetAdapter -----------------------------------------------------------------------------------
@cmdlet(
    "Get-NetAdapter",
    _selector_params(None, False, name_by_property=False, description_aliases=("ifDesc",)) + (
        Param("InterfaceIndex", "uint32[]", aliases=("ifIndex",), sets={"ByIfIndex": (True, None)},
              pipeline_by_name=True),
        Param("Physical", "switch"),
    ),
    module="NetAdapter",
    default_set="ByName",
)
def get_netadapter(ctx: Context, b: Bound) -> None:
    host = ctx.host
    nics = list(host.nics.values())
    if b.has("InterfaceIndex"):
        for index in b["InterfaceIndex"]:
            hits = [n for n in nics if n.if_index == index]
            if not hits:
                _not_found(ctx, "MSFT_NetAdapter", "InterfaceIndex", index)
            for nic in hits:
                ctx.write(netadapter_object(host, nic))
        return
    objects = [(nic.name, nic.interface_description, netadapter_object(host, nic)) for nic in nics]
    if not b.get("Physical"):
        base = max([n.if_index for n in nics] + [10])
        for ordinal, adapter in enumerate(host.management_adapters, start=1):
            obj = vnic_netadapter_object(host, adapter, base + ordinal, ordinal)
            objects.append((obj.get("Name"), obj.get("InterfaceDescription"), obj))
    if b.has("InterfaceDescription"):
        patterns, prop, position = b["InterfaceDescription"], "InterfaceDescription", 1
    elif b.has("Name"):
        patterns, prop, position = b["Name"], "Name", 0
    else:
        patterns, prop, position = None, "Name", 0
    for entry in objects:
        if patterns is None or any(matches(p, entry[position]) for p in patterns):
            ctx.write(entry[2])
    for pattern in patterns or ():
        if not has_wildcard(pattern) and not any(matches(pattern, e[position]) for e in objects):
            _not_found(ctx, "MSFT_NetAdapter", prop, pattern)


_RESTART_PARAMS = _selector_params(T_NETADAPTER, True, name_by_property=False, description_aliases=("ifDesc",)) + (
    Param("PassThru", "switch"),)


def _restart(ctx: Context, b: Bound, admin: bool | None) -> None:
    for nic in _select(ctx, b, list(ctx.host.nics.values()), "MSFT_NetAdapter"):
        if not ctx.should_process(nic.name):
            continue
        if admin is not None:
            nic.admin_enabled = admin
        if nic.admin_enabled:
            operations.restart_nic(nic)
        if b.get("PassThru"):
            ctx.write(netadapter_object(ctx.host, nic))


@cmdlet("Restart-NetAdapter", _RESTART_PARAMS, module="NetAdapter", default_set="ByName",
        should_process=True, writes=True)
def restart_netadapter(ctx: Context, b: Bound) -> None:
    _restart(ctx, b, None)


@cmdlet("Disable-NetAdapter", _RESTART_PARAMS, module="NetAdapter", default_set="ByName",
        should_process=True, writes=True)
def disable_netadapter(ctx: Context, b: Bound) -> None:
    _restart(ctx, b, False)


@cmdlet("Enable-NetAdapter", _RESTART_PARAMS, module="NetAdapter", default_set="ByName",
        should_process=True, writes=True)
def enable_netadapter(ctx: Context, b: Bound) -> None:
    _restart(ctx, b, True)


# -- SR-IOV ---------------------------------------------------------------------------------------
@cmdlet("Get-NetAdapterSriov", _selector_params(None, False), module="NetAdapter", default_set="ByName")
def get_netadaptersriov(ctx: Context, b: Bound) -> None:
    counts = _allocated(ctx)
    for nic in _select(ctx, b, _sriov_nics(ctx), "MSFT_NetAdapterSriovSettingData"):
        ctx.write(sriov_object(ctx.host, nic, counts.get(nic.name, 0)))


_SRIOV_WRITE = _selector_params(T_SRIOV, True) + (Param("NoRestart", "switch"), Param("PassThru", "switch"))


def _apply_sriov(ctx: Context, b: Bound, enabled: bool | None, num_vfs: int | None) -> None:
    nics = _select(ctx, b, _sriov_nics(ctx), "MSFT_NetAdapterSriovSettingData")
    if num_vfs is not None:
        refused = [nic for nic in nics if num_vfs > nic.max_vfs]
        counts = _allocated(ctx) if refused else {}
        for nic in refused:
            # The provider refuses the instance: a non-terminating CimException per NIC whose target
            # is the CIM instance (CDXML cmdlets write one record per failed instance); the other
            # NICs are still set.
            ctx.error(
                "The value %d for NumVFs is out of range for network adapter \"%s\": it supports at most %d "
                "virtual functions." % (num_vfs, nic.name, nic.max_vfs),
                "InvalidArgument", "Windows System Error 87",
                target=sriov_object(ctx.host, nic, counts.get(nic.name, 0)),
            )
        nics = [nic for nic in nics if nic not in refused]
    for nic in nics:
        if not ctx.should_process(nic.name):
            continue
        if enabled is not None:
            nic.sriov_enabled_configured = enabled
        if num_vfs is not None:
            nic.num_vfs_configured = num_vfs
        if not b.get("NoRestart") and nic.admin_enabled:
            operations.restart_nic(nic)
    if b.get("PassThru"):
        ctx.host.reallocate()
        counts = _allocated(ctx)
        for nic in nics:
            ctx.write(sriov_object(ctx.host, nic, counts.get(nic.name, 0)))


@cmdlet(
    "Set-NetAdapterSriov",
    _SRIOV_WRITE + (Param("NumVFs", "uint32", aliases=("Vf",)), Param("Enabled", "bool")),
    module="NetAdapter", default_set="ByName", should_process=True, writes=True,
)
def set_netadaptersriov(ctx: Context, b: Bound) -> None:
    _apply_sriov(ctx, b, b.get("Enabled"), b.get("NumVFs"))


@cmdlet("Enable-NetAdapterSriov", _SRIOV_WRITE, module="NetAdapter", default_set="ByName",
        should_process=True, writes=True)
def enable_netadaptersriov(ctx: Context, b: Bound) -> None:
    _apply_sriov(ctx, b, True, None)


@cmdlet("Disable-NetAdapterSriov", _SRIOV_WRITE, module="NetAdapter", default_set="ByName",
        should_process=True, writes=True)
def disable_netadaptersriov(ctx: Context, b: Bound) -> None:
    _apply_sriov(ctx, b, False, None)


@cmdlet(
    "Get-NetAdapterSriovVf",
    _selector_params(None, False) + (
        Param("SwitchID", "uint32[]"),
        Param("FunctionID", "uint16[]", aliases=("VfID", "Id")),
    ),
    module="NetAdapter", default_set="ByName",
)
def get_netadaptersriovvf(ctx: Context, b: Bound) -> None:
    host = ctx.host
    vfs: list[tuple[PhysicalNic, t.Any, t.Any]] = []
    nics = list(host.nics.values())
    for vm, adapter in host.all_vm_adapters():
        if adapter.vf is not None:
            nic = host.nic(adapter.vf.nic)
            if nic is not None:
                vfs.append((nic, vm, adapter))
    vfs.sort(key=lambda e: ([n.name for n in nics].index(e[0].name), e[2].vf.function_id))
    if b.has("InterfaceDescription"):
        patterns, prop, key = b["InterfaceDescription"], "InterfaceDescription", (lambda n: n.interface_description)
    else:
        patterns, prop, key = b.get("Name"), "Name", (lambda n: n.name)
    functions = b.get("FunctionID")
    switch_ids = b.get("SwitchID")
    for nic, vm, adapter in vfs:
        if patterns and not any(matches(p, key(nic)) for p in patterns):
            continue
        if functions is not None and adapter.vf.function_id not in functions:
            continue
        if switch_ids is not None and 0 not in switch_ids:
            continue
        ctx.write(vf_object(host, adapter, vm))
    for pattern in patterns or ():
        if not has_wildcard(pattern) and not any(matches(pattern, key(nic)) for nic, _v, _a in vfs):
            _not_found(ctx, "MSFT_NetAdapterSriovVfSettingData", prop, pattern)


@cmdlet(
    "Get-NetAdapterAdvancedProperty",
    (
        Param("Name", "string[]", aliases=("ifAlias", "InterfaceAlias"), pipeline_by_name=True,
              sets=dict.fromkeys(("ByName", "ByNameRegistryKeyword", "ByNameDisplayName"), (False, 0))),
        Param("InterfaceDescription", "string[]", aliases=("ifDesc", "InstanceID"),
              sets=dict.fromkeys(("ByInstanceIDKeyword", "ByInstanceIDDisplayName", "ByInstanceID"), (True, None))),
        # -DisplayName and -RegistryKeyword select different sets: never both at once.
        Param("DisplayName", "string[]", aliases=("DispN",), pipeline_by_name=True,
              sets=dict.fromkeys(("ByNameDisplayName", "ByInstanceIDDisplayName"), (True, None))),
        Param("RegistryKeyword", "string[]", aliases=("RegKey",), pipeline_by_name=True,
              sets=dict.fromkeys(("ByNameRegistryKeyword", "ByInstanceIDKeyword"), (True, None))),
        Param("IncludeHidden", "switch"),
        Param("AllProperties", "switch"),
    ) + CIM_COMMON,
    module="NetAdapter", default_set="ByName",
)
def get_netadapteradvancedproperty(ctx: Context, b: Bound) -> None:
    nics = _select(ctx, b, list(ctx.host.nics.values()), "MSFT_NetAdapterAdvancedPropertySettingData")
    keywords = b.get("RegistryKeyword")
    displays = b.get("DisplayName")
    seen: set[str] = set()
    for nic in nics:
        for obj in advanced_properties(ctx.host, nic, bool(b.get("AllProperties"))):
            if keywords and not any(matches(k, obj.get("RegistryKeyword")) for k in keywords):
                continue
            if displays and not any(matches(d, obj.get("DisplayName")) for d in displays):
                continue
            seen.add(obj.get("RegistryKeyword").lower())
            seen.add("display:" + obj.get("DisplayName").lower())
            ctx.write(obj)
    for keyword in keywords or ():
        if not has_wildcard(keyword) and keyword.lower() not in seen:
            _not_found(ctx, "MSFT_NetAdapterAdvancedPropertySettingData", "RegistryKeyword", keyword)
    for display in displays or ():
        if not has_wildcard(display) and "display:" + display.lower() not in seen:
            _not_found(ctx, "MSFT_NetAdapterAdvancedPropertySettingData", "DisplayName", display)
