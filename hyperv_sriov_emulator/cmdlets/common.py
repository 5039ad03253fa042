"""Pieces the Hyper-V cmdlet families share: remote-session parameters, object lookups, errors."""

from __future__ import annotations

import typing as t

from ..binding import Param
from ..model import NetworkAdapter, VirtualMachine, VSwitch
from ..psobj import PSObj
from .base import Context

# Every Hyper-V cmdlet takes these; the emulator is the host itself, so they select nothing.
REMOTE = (
    Param("ComputerName", "string[]", aliases=("PSComputerName",)),
    Param("CimSession", "string[]"),
    Param("Credential", "string[]"),
)
CIM_COMMON = (
    Param("CimSession", "string[]", aliases=("Session",)),
    Param("ThrottleLimit", "int32"),
    Param("AsJob", "switch"),
)

# The module's text for a vRSS minimum below 1 or above the maximum (CmdletErrorMessages
# InvalidParameter_VrssMinQueuePairsCountValue, in nforgeio/neonSDK's port of the module).
VRSS_MIN_TEXT = "The VRSS Min Queue-Pair Count cannot be set to less than 1."

T_VM_OBJECT = "object:Microsoft.HyperV.PowerShell.VirtualMachine"
T_SWITCH_OBJECT = "object:Microsoft.HyperV.PowerShell.VMSwitch"
T_ADAPTER_OBJECT = (
    "object:Microsoft.HyperV.PowerShell.VMNetworkAdapterBase|Microsoft.HyperV.PowerShell.VMNetworkAdapter"
    "|Microsoft.HyperV.PowerShell.VMInternalNetworkAdapter"
)


def vm_not_found(ctx: Context, name: str, category: str = "InvalidArgument") -> None:
    # Get/Start/Stop/Remove name the missing VM as the record's target; the Set-/Connect- cmdlets
    # report ObjectNotFound with no target (reference §6).
    ctx.error('Hyper-V was unable to find a virtual machine with name "%s".' % name,
              category, "InvalidParameter", target=None if category == "ObjectNotFound" else name)


def switch_not_found(ctx: Context, name: str, category: str = "InvalidArgument") -> None:
    ctx.error('Hyper-V was unable to find a virtual switch with name "%s".' % name,
              category, "InvalidParameter", target=None if category == "ObjectNotFound" else name)


def vm_of(ctx: Context, obj: PSObj) -> VirtualMachine | None:
    vm = ctx.host.vm(str(obj.get("Id") or obj.get("VMId") or ""))
    if vm is None:
        ctx.error("The operation cannot be performed because the object '%s' has been deleted." % obj.get("Name"),
                  "ObjectNotFound", "ObjectNotFound", target=obj.get("Name"))
    return vm


def switch_of(ctx: Context, obj: PSObj) -> VSwitch | None:
    sw = ctx.host.switch(str(obj.get("Id") or ""))
    if sw is None:
        ctx.error("The operation cannot be performed because the object '%s' has been deleted." % obj.get("Name"),
                  "ObjectNotFound", "ObjectNotFound", target=obj.get("Name"))
    return sw


def adapter_of(ctx: Context, obj: PSObj) -> tuple[VirtualMachine | None, NetworkAdapter] | None:
    adapter_id = str(obj.get("AdapterId") or "")
    host = ctx.host
    if obj.get("IsManagementOs"):
        for adapter in host.management_adapters:
            if adapter.id == adapter_id:
                return None, adapter
    else:
        vm = host.vm(str(obj.get("VMId") or ""))
        if vm is not None:
            for adapter in vm.adapters:
                if adapter.id == adapter_id:
                    return vm, adapter
    ctx.error("The operation cannot be performed because the object '%s' has been deleted." % obj.get("Name"),
              "ObjectNotFound", "ObjectNotFound", target=obj.get("Name"))
    return None


def vms_named(ctx: Context, names: t.Sequence[str], category: str = "InvalidArgument") -> list[VirtualMachine]:
    from .base import select_by_name

    return select_by_name(ctx, ctx.host.vms, names, lambda vm: vm.name,
                          lambda n: vm_not_found(ctx, n, category))


def switches_named(ctx: Context, names: t.Sequence[str] | None, category: str = "InvalidArgument") -> list[VSwitch]:
    from .base import select_by_name

    return select_by_name(ctx, ctx.host.switches, names, lambda sw: sw.name,
                          lambda n: switch_not_found(ctx, n, category))
