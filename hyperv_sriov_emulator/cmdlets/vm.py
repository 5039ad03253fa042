"""Get-VM, Start-VM, Stop-VM."""

from __future__ import annotations

from ..binding import Bound, Param
from ..model import VirtualMachine, operations
from .base import Context, cmdlet
from .common import REMOTE, T_VM_OBJECT, vm_of, vms_named
from .objects import View, vm_object

# The Hyper-V module's texts (its resource strings, Warning_VMAlreadyInDesiredState and others, as
# nforgeio/neonSDK's port of the module publishes them: Lib/Neon.HyperV/HyperVWmiDriver).
ALREADY_IN_STATE = "The virtual machine is already in the specified state."


@cmdlet(
    "Get-VM",
    (
        Param("Name", "string[]", aliases=("VMName",), sets={"Name": (False, 0)}),
        Param("Id", "guid", sets={"Id": (False, 0)}),
    ) + REMOTE,
    default_set="Name",
)
def get_vm(ctx: Context, b: Bound) -> None:
    view = View(ctx.host)
    if b.has("Id"):
        vm = ctx.host.vm(str(b["Id"]))
        if vm is None:
            ctx.error('Hyper-V was unable to find a virtual machine with id "%s".' % b["Id"],
                      "InvalidArgument", "InvalidParameter", target=str(b["Id"]))
            return
        ctx.write(vm_object(view, vm))
        return
    for vm in vms_named(ctx, b.get("Name")):
        ctx.write(vm_object(view, vm))


def _targets(ctx: Context, b: Bound) -> list[VirtualMachine]:
    if b.has("VM"):
        found = [vm_of(ctx, obj) for obj in b["VM"]]
        return [vm for vm in found if vm is not None]
    return vms_named(ctx, b["Name"])


_VM_SETS = (
    Param("Name", "string[]", aliases=("VMName",), sets={"Name": (True, 0)}, not_null_or_empty=True),
    Param("VM", "object[]" + T_VM_OBJECT[6:], sets={"VMObject": (True, 0)}, pipeline=True),
    Param("Passthru", "switch"),
    Param("AsJob", "switch"),
)


@cmdlet("Start-VM", _VM_SETS + REMOTE, default_set="Name", should_process=True, writes=True)
def start_vm(ctx: Context, b: Bound) -> None:
    for vm in _targets(ctx, b):
        if not ctx.should_process(vm.name, 'Start-VM will start the virtual machine "%s".' % vm.name):
            continue
        # As the module's StartVM and VirtualMachine.ChangeState do: a paused VM is warned about,
        # one already running is only warned about.
        if vm.state == "Paused":
            ctx.warn('The virtual machine "%s" was paused. Use the Resume-VM cmdlet to return a paused virtual '
                     "machine to a running state." % vm.name)
        if vm.state == "Running":
            ctx.warn(ALREADY_IN_STATE)
        else:
            vm.state = "Running"
            operations.assign_dynamic_macs(ctx.host, vm)
        if b.get("Passthru"):
            ctx.write(vm_object(View(ctx.host), vm))


@cmdlet(
    "Stop-VM",
    _VM_SETS + (Param("Force", "switch"), Param("TurnOff", "switch"), Param("Save", "switch")) + REMOTE,
    default_set="Name",
    should_process=True,
    writes=True,
)
def stop_vm(ctx: Context, b: Bound) -> None:
    for vm in _targets(ctx, b):
        action = "save" if b.get("Save") else "turn off" if b.get("TurnOff") else "shut down the"
        if not ctx.should_process(vm.name, 'Stop-VM will %s virtual machine "%s".' % (action, vm.name)):
            continue
        target = "Saved" if b.get("Save") else "Off"
        if vm.state == target:
            # Already there (VirtualMachine.ChangeState; StopVM's shut down of a VM that is off).
            # StopVM.cs writes the VM for -Passthru after every branch, this one too.
            ctx.warn(ALREADY_IN_STATE)
        elif vm.state in ("Running", "Paused"):
            if vm.state == "Running" and not vm.shutdown_service and not b.get("TurnOff") and not b.get("Save"):
                # Without the guest's shutdown service Stop-VM can only turn the VM off, and it
                # asks first unless -Force (Stop-VM help, -Force and -TurnOff).
                ctx.confirm('Hyper-V can\'t shut down virtual machine "%s" because the Shutdown integration service '
                            "is unavailable. You can turn off the virtual machine by selecting [Y]es, but this is "
                            "similar to pulling the power on a physical machine. To avoid potential data loss, "
                            "select [N]o, then pause or save the virtual machine. Do you want to turn off the "
                            "virtual machine?" % vm.name)
            vm.state = target
        if b.get("Passthru"):
            ctx.write(vm_object(View(ctx.host), vm))
