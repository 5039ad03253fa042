"""The .NET enums the emulated cmdlets bind and emit (names and values from the reference, §3)."""

from __future__ import annotations

from ..psobj import Enum

HV = "Microsoft.HyperV.PowerShell."

ENUMS: dict[str, dict[str, int]] = {
    HV + "VMSwitchType": {"Private": 0, "Internal": 1, "External": 2},
    HV + "VMSwitchBandwidthMode": {"Default": 0, "Weight": 1, "Absolute": 2, "None": 3},
    HV + "IovInterruptModerationValue": {
        "Default": 0, "Adaptive": 1, "Off": 2, "Low": 100, "Medium": 200, "High": 300,
    },
    HV + "OnOffState": {"On": 0, "Off": 1},
    HV + "VMNetworkAdapterPortMirroringMode": {"None": 0, "Destination": 1, "Source": 2},
    HV + "VMNetworkAdapterOperationalStatus": {
        "Unknown": 0, "Other": 1, "Ok": 2, "Degraded": 3, "Stressed": 4, "PredictiveFailure": 5,
        "Error": 6, "NonRecoverableError": 7, "Starting": 8, "Stopping": 9, "Stopped": 10,
        "InService": 11, "NoContact": 12, "LostCommunication": 13, "Aborted": 14, "Dormant": 15,
        "SupportingEntity": 16, "Completed": 17, "PowerMode": 18, "ProtocolVersion": 32775,
    },
    HV + "VrssQueueSchedulingModeType": {"Dynamic": 0, "StaticVmq": 1, "StaticVrss": 2},
    HV + "VrssVmbusChannelAffinityPolicyType": {"None": 1, "Weak": 2, "Strong": 3, "Strict": 4},
    HV + "VMSwitchTeamingMode": {"SwitchIndependent": 1},
    HV + "VMSwitchLoadBalancingAlgorithm": {"HyperVPort": 4, "Dynamic": 5},
    HV + "VMState": {
        "Other": 1, "Running": 2, "Off": 3, "Stopping": 4, "Saved": 6, "Paused": 9,
        "Starting": 10, "Reset": 11, "Saving": 32773, "Pausing": 32776, "Resuming": 32777,
        "FastSaved": 32779, "FastSaving": 32780,
    },
    "System.Management.Automation.ActionPreference": {
        "SilentlyContinue": 0, "Stop": 1, "Continue": 2, "Inquire": 3, "Ignore": 4,
        "Suspend": 5, "Break": 6,
    },
    # The PowerShell enum type behind SriovSupport is UNCONFIRMED (the CIM property is a uint8);
    # the names are those Get-NetAdapterSriov prints.
    # NET_IF_ADMIN_STATUS, NET_IF_MEDIA_CONNECT_STATE and IF_OPER_STATUS (ifdef.h / ipifcons.h): the
    # enums of the NetAdapter module's AdminStatus, MediaConnectionState and ifOperStatus members.
    "Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetAdapter.NET_IF_ADMIN_STATUS": {"Up": 1, "Down": 2, "Testing": 3},
    "Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetAdapter.NET_IF_MEDIA_CONNECT_STATE": {
        "Unknown": 0, "Connected": 1, "Disconnected": 2,
    },
    "Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetAdapter.IF_OPER_STATUS": {
        "Up": 1, "Down": 2, "Testing": 3, "Unknown": 4, "Dormant": 5, "NotPresent": 6, "LowerLayerDown": 7,
    },
    "Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetAdapterSriov.SriovSupport": {
        "Unknown": 0, "Supported": 1, "MissingAcs": 2, "MissingPfDriver": 3, "NoBusResources": 4,
        "NoIoMmuSupport": 5, "NoVfBarSpace": 6, "NoOscSupport": 7,
    },
}

VM_SWITCH_TYPE = HV + "VMSwitchType"
BANDWIDTH_MODE = HV + "VMSwitchBandwidthMode"
INTERRUPT_MODERATION = HV + "IovInterruptModerationValue"
ON_OFF = HV + "OnOffState"
PORT_MIRRORING = HV + "VMNetworkAdapterPortMirroringMode"
OPERATIONAL_STATUS = HV + "VMNetworkAdapterOperationalStatus"
VRSS_SCHEDULING = HV + "VrssQueueSchedulingModeType"
VRSS_AFFINITY = HV + "VrssVmbusChannelAffinityPolicyType"
TEAMING_MODE = HV + "VMSwitchTeamingMode"
LOAD_BALANCING = HV + "VMSwitchLoadBalancingAlgorithm"
VM_STATE = HV + "VMState"
ACTION_PREFERENCE = "System.Management.Automation.ActionPreference"
SRIOV_SUPPORT = "Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetAdapterSriov.SriovSupport"


def enum(type_name: str, name: str) -> Enum:
    """The typed enum value for a (canonically cased) member name."""
    return Enum(type_name, name, ENUMS[type_name][name])


def canonical_name(type_name: str, value: object) -> str | None:
    """The member name matching ``value`` (a name in any case, or a number), or None."""
    members = ENUMS[type_name]
    if isinstance(value, Enum):
        value = value.name
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        for name, number in members.items():
            if number == int(value):
                return name
        return None
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return canonical_name(type_name, int(text))
    lowered = text.lower()
    for name in members:
        if name.lower() == lowered:
            return name
    return None
