"""Get-VMHost."""

from __future__ import annotations

from ..binding import Bound
from .base import Context, cmdlet
from .common import REMOTE
from .objects import View, vmhost_object


@cmdlet("Get-VMHost", REMOTE)
def get_vmhost(ctx: Context, b: Bound) -> None:
    ctx.write(vmhost_object(View(ctx.host)))
