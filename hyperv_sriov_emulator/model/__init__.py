"""Host state: platform, physical NICs, switches, VMs, adapters and the VF allocation."""

from .entities import (
    ADAPTER_DEFAULTS,
    SWITCH_DEFAULTS,
    NetworkAdapter,
    PhysicalNic,
    VirtualFunction,
    VirtualMachine,
    VSwitch,
)
from .host import HostState

__all__ = [
    "ADAPTER_DEFAULTS",
    "SWITCH_DEFAULTS",
    "HostState",
    "NetworkAdapter",
    "PhysicalNic",
    "VSwitch",
    "VirtualFunction",
    "VirtualMachine",
]
