"""Windows Server versions the emulator models, oldest first.

Cmdlet parameters and object properties carry the version that introduced them; a host of an
older version neither accepts the parameter (NamedParameterNotFound) nor shows the property.
The full table is in docs/emulator.md.
"""

from __future__ import annotations

VERSIONS: tuple[str, ...] = ("2012r2", "2016", "2019", "2022", "2025")
DEFAULT_VERSION = "2022"

DISPLAY = {
    "2012r2": "Windows Server 2012 R2",
    "2016": "Windows Server 2016",
    "2019": "Windows Server 2019",
    "2022": "Windows Server 2022",
    "2025": "Windows Server 2025",
}

BUILD = {
    "2012r2": "6.3.9600",
    "2016": "10.0.14393",
    "2019": "10.0.17763",
    "2022": "10.0.20348",
    "2025": "10.0.26100",
}

# The patch level (build revision) the emulator gives each version; real hosts report whatever
# cumulative update they run. 17763.592 is a Windows Server 2019 host's in a public Test-WSMan /
# $PSVersionTable transcript; 9600.18968 a 2012 R2 host's in pypsrp's recorded exchanges
# (jborean93/pypsrp tests/tests_pypsrp/responses/test_psrp_run_protocol_version_2.2.yml).
REVISION = {
    "2012r2": 18968,
    "2016": 5582,
    "2019": 592,
    "2022": 2849,
    "2025": 2314,
}


def index(version: str) -> int:
    return VERSIONS.index(version)


def at_least(host_version: str, since: str | None) -> bool:
    return since is None or index(host_version) >= index(since)


def default_bandwidth_mode(host_version: str, iov_enabled: bool) -> str:
    """How a host resolves ``-MinimumBandwidthMode Default`` (reference §2.3).

    IOV switches get None; otherwise real 2016+ hosts pick Absolute and 2012 R2 picks Weight,
    whatever the cmdlet help says.
    """
    if iov_enabled:
        return "None"
    return "Weight" if host_version == "2012r2" else "Absolute"
