"""Latency profiles: what a real host's round trips cost, added to the emulator's answers.

On loopback every WSMan request costs a millisecond or two, so saving round trips barely shows.
``serve --latency-profile`` makes the emulator answer as a host further away would:

- ``request_ms``: added to every authenticated WSMan request (the network round trip);
- ``open_ms``: added to the Create that opens a RunspacePool (Windows starts a ``wsmprovhost.exe``
  PowerShell host process for each new pool);
- ``object_ms``: added per pipeline output object (PowerShell serializing it to CLIXML).

The shipped profiles (``lan``, ``wan``) and the public source of each number are documented in
docs/emulator-cli.md ("Latency profiles"); two of the numbers are assumptions and say so there.

A custom profile is written ``request_ms=20,open_ms=800,object_ms=0.2`` (any key may be left out,
and then is 0).
"""

from __future__ import annotations

import dataclasses
import time


@dataclasses.dataclass(frozen=True)
class LatencyProfile:
    """Milliseconds added to the emulator's answers (see the module docstring)."""

    request_ms: float = 0.0
    open_ms: float = 0.0
    object_ms: float = 0.0

    def on_request(self) -> None:
        if self.request_ms:
            time.sleep(self.request_ms / 1000.0)

    def on_open(self) -> None:
        if self.open_ms:
            time.sleep(self.open_ms / 1000.0)

    def on_objects(self, count: int) -> None:
        if self.object_ms and count:
            time.sleep(self.object_ms * count / 1000.0)


PROFILES = {
    "lan": LatencyProfile(request_ms=1.0, open_ms=1000.0, object_ms=0.5),
    "wan": LatencyProfile(request_ms=30.0, open_ms=1000.0, object_ms=0.5),
}


def parse_profile(text: str) -> LatencyProfile:
    """A shipped profile by name, or ``key=value`` pairs. Raises ValueError naming the fix."""
    text = text.strip()
    if text in PROFILES:
        return PROFILES[text]
    values: dict[str, float] = {}
    fields = {field.name for field in dataclasses.fields(LatencyProfile)}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in fields:
            raise ValueError(
                "--latency-profile %r: use a profile name (%s) or key=value pairs of %s"
                % (text, ", ".join(sorted(PROFILES)), ", ".join(sorted(fields))))
        try:
            number = float(value)
        except ValueError:
            raise ValueError("--latency-profile: %s must be a number of milliseconds, not %r" % (key, value)) from None
        if number < 0 or number != number:
            raise ValueError("--latency-profile: %s must be 0 or more milliseconds" % key)
        values[key] = number
    if not values:
        raise ValueError("--latency-profile is empty: use %s or key=value pairs" % " or ".join(sorted(PROFILES)))
    return LatencyProfile(**values)
