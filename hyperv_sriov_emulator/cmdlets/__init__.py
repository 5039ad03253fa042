"""The emulated cmdlets, one module per family; importing this package registers them all."""

from . import core, netadapter, switch, vm, vmhost, vmnetworkadapter  # noqa: F401  (registration)
from .base import REGISTRY, CmdletDef, Context, lookup

__all__ = ["REGISTRY", "CmdletDef", "Context", "lookup"]
