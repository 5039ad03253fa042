"""Faults armed on an emulated host: failing cmdlets, dropped connections, slow responses.

The server consults a host's ``FaultBook`` around every statement it hands to the engine and
around every WSMan request; the engine itself knows nothing about faults. Everything here is
thread-safe: several clients may hit the same host while a test arms or clears faults.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import typing as t

from .psobj import PSError


class FaultError(ValueError):
    """An invalid fault request (bad count, unknown kind ...)."""


@dataclasses.dataclass
class CmdletFault:
    cmdlet: str
    remaining: int
    terminating: bool = False
    """True: the pipeline fails whatever -ErrorAction says (a thrown error). False: the command
    writes an error record, which -ErrorAction Stop turns into a failed pipeline."""
    message: str | None = None
    category: str = "NotSpecified"
    skip: int = 0
    """Calls let through before the fault fires: a multi-step operation (a switch recreate calls
    New-VMSwitch more than once) can be made to fail at a chosen step."""

    def error(self) -> PSError:
        noun = re.sub(r"[^A-Za-z0-9]", "", self.cmdlet)
        return PSError(
            message=self.message or "The operation failed: an injected fault made %s fail." % self.cmdlet,
            category=self.category,
            fqid="InjectedFault,Microsoft.HyperV.PowerShell.Commands.%s" % noun,
            target=None,
            exception_type="Microsoft.HyperV.PowerShell.VirtualizationException",
            command=self.cmdlet,
        )

    def describe(self) -> dict[str, t.Any]:
        return {
            "kind": "cmdlet",
            "cmdlet": self.cmdlet,
            "remaining": self.remaining,
            "terminating": self.terminating,
            "message": self.message,
            "category": self.category,
            "skip": self.skip,
        }


class FaultBook:
    """The faults armed on one host."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cmdlets: list[CmdletFault] = []
        self._drop_at_request: int | None = None
        self._drop_on_cmdlet: str | None = None
        self._drop_runs_on = False
        self._delay_ms = 0
        self._delay_remaining: int | None = None
        self.fired: list[str] = []
        """What fired, in order (``cmdlet:New-VMSwitch``, ``drop-request``, ...), for the state view."""

    # -- arming ---------------------------------------------------------------------------------
    def arm_cmdlet(self, cmdlet: str, count: int = 1, terminating: bool = False, message: str | None = None,
                   category: str = "NotSpecified", skip: int = 0) -> CmdletFault:
        if not cmdlet or not re.match(r"^[A-Za-z]+-[A-Za-z0-9]+$", cmdlet):
            raise FaultError("--cmdlet must be a cmdlet name such as New-VMSwitch, not %r" % cmdlet)
        if count < 1:
            raise FaultError("--count must be 1 or more")
        if skip < 0:
            raise FaultError("--skip must be 0 or more")
        fault = CmdletFault(cmdlet, count, terminating, message, category, skip)
        with self._lock:
            self._cmdlets.append(fault)
        return fault

    def arm_drop_at_request(self, number: int) -> None:
        if number < 1:
            raise FaultError("--drop-at-request must be 1 or more (1 = the next request)")
        with self._lock:
            self._drop_at_request = number

    def arm_drop_on_cmdlet(self, cmdlet: str, runs_on: bool = False) -> None:
        """``runs_on``: the pipeline goes on to its end after the drop, as a host does when only
        the client's connection went away (about_Remote_Disconnected_Sessions: commands go on
        running in a session whose client is gone); without it, it stops after that statement,
        as when the client closed the session at that moment."""
        if not cmdlet or not re.match(r"^[A-Za-z]+-[A-Za-z0-9]+$", cmdlet):
            raise FaultError("--drop-on-cmdlet must be a cmdlet name such as Remove-VMSwitch, not %r" % cmdlet)
        with self._lock:
            self._drop_on_cmdlet = cmdlet
            self._drop_runs_on = bool(runs_on)

    def arm_delay(self, delay_ms: int, count: int | None = None) -> None:
        if delay_ms < 0:
            raise FaultError("--delay-ms must be 0 or more")
        if count is not None and count < 1:
            raise FaultError("--count must be 1 or more")
        with self._lock:
            self._delay_ms = delay_ms
            self._delay_remaining = count

    def clear(self) -> None:
        with self._lock:
            self._cmdlets.clear()
            self._drop_at_request = None
            self._drop_on_cmdlet = None
            self._drop_runs_on = False
            self._delay_ms = 0
            self._delay_remaining = None

    # -- consulted by the server ------------------------------------------------------------------
    def take_cmdlet_fault(self, cmdlet: str) -> CmdletFault | None:
        wanted = cmdlet.lower()
        with self._lock:
            for fault in self._cmdlets:
                if fault.cmdlet.lower() == wanted:
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._cmdlets.remove(fault)
                    self.fired.append("cmdlet:%s" % fault.cmdlet)
                    return fault
        return None

    def take_drop_on_cmdlet(self, cmdlet: str) -> str | None:
        """None, or how the pipeline that met the armed cmdlet goes on: ``stop`` or ``run-on``."""
        with self._lock:
            if self._drop_on_cmdlet is not None and self._drop_on_cmdlet.lower() == cmdlet.lower():
                self._drop_on_cmdlet = None
                self.fired.append("drop-on-cmdlet:%s" % cmdlet)
                return "run-on" if self._drop_runs_on else "stop"
        return None

    def take_request(self) -> tuple[bool, float]:
        """Called once per authenticated WSMan request: (drop it?, seconds to delay the answer)."""
        with self._lock:
            drop = False
            if self._drop_at_request is not None:
                self._drop_at_request -= 1
                if self._drop_at_request <= 0:
                    self._drop_at_request = None
                    self.fired.append("drop-at-request")
                    drop = True
            delay = 0.0
            if self._delay_ms and not drop:
                delay = self._delay_ms / 1000.0
                if self._delay_remaining is not None:
                    self._delay_remaining -= 1
                    if self._delay_remaining <= 0:
                        self._delay_ms = 0
                        self._delay_remaining = None
                self.fired.append("delay")
            return drop, delay

    def describe(self) -> list[dict[str, t.Any]]:
        with self._lock:
            armed: list[dict[str, t.Any]] = [fault.describe() for fault in self._cmdlets]
            if self._drop_at_request is not None:
                armed.append({"kind": "drop-at-request", "remaining": self._drop_at_request})
            if self._drop_on_cmdlet is not None:
                armed.append({"kind": "drop-on-cmdlet", "cmdlet": self._drop_on_cmdlet, "runs_on": self._drop_runs_on})
            if self._delay_ms:
                armed.append({"kind": "delay", "delay_ms": self._delay_ms, "remaining": self._delay_remaining})
            return armed

    def apply(self, spec: t.Mapping[str, t.Any]) -> None:
        """Arm from a control request (the CLI's ``fault`` subcommand sends one of these)."""
        kind = spec.get("kind")
        try:
            if kind == "clear":
                self.clear()
            elif kind == "cmdlet":
                self.arm_cmdlet(str(spec.get("cmdlet", "")), int(spec.get("count", 1)),
                                bool(spec.get("terminating", False)), spec.get("message"),
                                str(spec.get("category") or "NotSpecified"), int(spec.get("skip", 0)))
            elif kind == "drop-at-request":
                self.arm_drop_at_request(int(spec.get("request", 0)))
            elif kind == "drop-on-cmdlet":
                self.arm_drop_on_cmdlet(str(spec.get("cmdlet", "")), bool(spec.get("runs_on", False)))
            elif kind == "delay":
                count = spec.get("count")
                self.arm_delay(int(spec.get("delay_ms", 0)), None if count is None else int(count))
            else:
                raise FaultError("unknown fault kind %r" % kind)
        except (TypeError, ValueError) as err:
            if isinstance(err, FaultError):
                raise
            raise FaultError("invalid fault request: %s" % err) from None
