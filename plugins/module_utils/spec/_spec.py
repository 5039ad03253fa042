# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The desired-state model of a host's SR-IOV configuration.

Private to the collection. Desired and observed state share these models: an option that is
None is not managed. ``parse_config`` is the one entry point for user input; it runs pydantic's
field checks and then the cross-field rules, and reports every problem in one message whose
lines start with the field path as the user wrote it (``config.vm_adapters[2].iov_weight``).
"""

from __future__ import annotations

import difflib
import functools
import typing as t

from ansible_collections.sriov.hyperv.plugins.module_utils.transport._errors import HyperVError
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._identity import (
    AdapterIdentity,
    apart_remedy,
    name_key,
    normalize_mac,
)
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._pydantic_compat import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

UINT32_MAX = 4294967295
INT64_MAX = 9223372036854775807

# A switch recreate parks adapters on a Private switch of this name (+ the target's name) whose
# Notes start with the marker, followed by the recreate record (JSON). Both are reserved: a task
# may not create such a switch or write such Notes (see _host_parse.parse_parking).
PARKING_MARKER = "sriov.hyperv recreate record:"
PARKING_PREFIX = "sriov.hyperv parking for "
# Between the target's name and the run's id in a parking switch's name.
PARKING_RUN_SEPARATOR = " #"
_NONE_TYPE = type(None)

SwitchType = t.Literal["external", "internal", "private"]
BandwidthMode = t.Literal["default", "weight", "absolute", "none"]
LoadBalancingAlgorithm = t.Literal["hyper_v_port", "dynamic"]
InterruptModeration = t.Literal["default", "adaptive", "off", "low", "medium", "high"]
# VrssQueueSchedulingModeType (Dynamic, StaticVmq, StaticVrss) and VrssVmbusChannelAffinityPolicyType
# (None, Weak, Strong, Strict) of the Hyper-V module, as the stub generated from it shows
# (dsccommunity/HyperVDsc tests/Unit/Stubs/Hyper-V.stubs.psm1). The cmdlet refuses the affinity
# policy None (InvalidParameter_VrssVmbusChannelAffinityPolicyValue), so it is no choice here.
VrssQueueSchedulingMode = t.Literal["dynamic", "static_vmq", "static_vrss"]
VrssAffinityPolicy = t.Literal["weak", "strong", "strict"]


class SpecValidationError(HyperVError):
    """The desired state is invalid; nothing was written. ``problems`` lists every finding."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        if len(self.problems) == 1:
            message = "Invalid configuration: %s" % self.problems[0]
        else:
            message = "Invalid configuration (%d problems): %s" % (len(self.problems), " | ".join(self.problems))
        super().__init__(message, {"problems": self.problems})


class _Model(BaseModel):
    # extra="forbid" makes a typo'd key an error that names it, instead of an ignored option.
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


# Where the Windows Server version of an option comes from: Microsoft's cmdlet reference for
# Set-VMNetworkAdapter, New-VMSwitch and Set-NetAdapterSriov (Hyper-V and NetAdapter modules),
# which lists the parameters each release added; SR-IOV itself arrived with Windows Server 2012.
WS2012 = "Windows Server 2012"
WS2016 = "Windows Server 2016"
WS2019 = "Windows Server 2019"
WS2022 = "Windows Server 2022"


def option(description: str, *, required: bool = False, windows: str, identity: bool = False,
           host_property: str | None = None, parameter: str | None = None, host_default: t.Any = None,
           host_values: dict | None = None, vm_only: bool = False, creation_only: bool = False,
           set_by: str | None = None, parameter_set: str | None = None, **constraints: t.Any) -> t.Any:
    """One option, declared once: everything else about it is derived from this declaration.

    ``description`` is the option's documentation (one paragraph, Ansible markup; the module
    DOCUMENTATION and the role spec repeat it and a test keeps them equal). ``constraints`` are
    pydantic's (``ge``, ``le``, ``min_length``): the model checks them, the argspec does not.
    ``windows`` is the Windows Server release that introduced it. For an adapter option,
    ``host_property`` is the property Get-VMNetworkAdapter shows it as (its absence means the
    host lacks the option), ``parameter`` the Set-VMNetworkAdapter parameter that writes it,
    ``host_values`` how its values are spelled on the host when they differ, ``host_default`` the
    value Hyper-V gives it when nothing set it (what ``replaced`` resets it to), ``vm_only`` that
    management-OS adapters do not have it. ``identity`` marks the fields that say which item is
    meant rather than how it is set.

    A physical adapter option's ``parameter`` is its Set-NetAdapterSriov parameter. A switch
    option's ``parameter`` is the one New-VMSwitch and Set-VMSwitch both take it by, unless it is
    ``creation_only`` (New-VMSwitch only: a change means a recreate) or ``set_by`` another cmdlet
    (New-VMSwitch does not take it; that cmdlet sets it on an existing switch, and right after the
    switch is created). ``parameter_set`` names the New-VMSwitch parameter set it belongs to, when
    it is sent only in that set.
    """
    declared = {"windows": windows, "identity": identity, "host_property": host_property, "parameter": parameter,
                "host_values": host_values, "vm_only": vm_only, "creation_only": creation_only, "set_by": set_by,
                "parameter_set": parameter_set}
    extra = {key: value for key, value in declared.items() if value not in (None, False)}
    if host_default is not None:
        extra["host_default"] = host_default
    if required:
        return Field(description=description, json_schema_extra=extra, **constraints)
    return Field(default=None, description=description, json_schema_extra=extra, **constraints)


def declared(model: t.Any, name: str) -> dict:
    """What ``option`` declared of a model's field beyond pydantic's own: windows, host_property..."""
    return dict(model.model_fields[name].json_schema_extra or {})


def options_with(model: t.Any, key: str) -> dict[str, t.Any]:
    """Field name -> the declared ``key`` of every field of ``model`` that declares it, in field order."""
    return {name: declared(model, name)[key] for name in model.model_fields if key in declared(model, name)}


def bounds(model: t.Any, name: str) -> tuple[t.Any, t.Any]:
    """The (ge, le) constraints of a field; None where it has none."""
    low = high = None
    for constraint in model.model_fields[name].metadata:
        low = getattr(constraint, "ge", low)
        high = getattr(constraint, "le", high)
    return low, high


# The cmdlet parameters of physical adapter and switch options are those of Set-NetAdapterSriov,
# New-VMSwitch, Set-VMSwitch and Set-VMSwitchTeam in Microsoft's cmdlet reference (MicrosoftDocs
# windows-powershell-docs, docset/winserver2022-ps/netadapter and hyper-v).
class PhysicalAdapterConfig(_Model):
    name: str = option("Name of the physical network adapter, as shown by C(Get-NetAdapter).",
                       required=True, identity=True, windows=WS2012, min_length=1)
    sriov_enabled: t.Optional[bool] = option("Whether SR-IOV is enabled on the adapter.", windows=WS2012,
                                             parameter="Enabled")
    num_vfs: t.Optional[int] = option(
        "Number of virtual functions the adapter offers, from V(0) up to what its driver accepts.",
        windows=WS2012, parameter="NumVFs", ge=0, le=UINT32_MAX)


# New-VMSwitch makes an External switch from the adapters it names (the NetAdapterName parameter
# set, with AllowManagementOS), an Internal or Private one from -SwitchType, which takes only those
# two values: External has no spelling for it.
class SwitchConfig(_Model):
    name: str = option("Name of the virtual switch.", required=True, identity=True, windows=WS2012, min_length=1)
    switch_type: t.Optional[SwitchType] = option(
        "The kind of switch; external when O(config.switches[].net_adapter_names) is set.", windows=WS2012,
        parameter="SwitchType", parameter_set="SwitchType", host_values={"internal": "Internal", "private": "Private"})
    net_adapter_names: t.Optional[t.List[str]] = option(
        "Physical adapters an external switch is bound to; more than one makes a SET switch.", windows=WS2012,
        parameter="NetAdapterName", parameter_set="NetAdapterName")
    enable_iov: t.Optional[bool] = option(
        "Whether SR-IOV is enabled on the switch. Creation-only.", windows=WS2012, host_default=False,
        parameter="EnableIov", creation_only=True)
    allow_management_os: t.Optional[bool] = option(
        "Whether the management OS shares the external switch's adapter.", windows=WS2012,
        parameter="AllowManagementOS", parameter_set="NetAdapterName")
    minimum_bandwidth_mode: t.Optional[BandwidthMode] = option(
        "How minimum bandwidth is expressed on the switch's ports. Creation-only. V(default) is compared as the "
        "value Hyper-V resolves it to.", windows=WS2012, host_default="default",
        parameter="MinimumBandwidthMode", creation_only=True,
        host_values={"default": "Default", "weight": "Weight", "absolute": "Absolute", "none": "None"})
    enable_embedded_teaming: t.Optional[bool] = option(
        "Whether the switch is a Switch Embedded Teaming switch. Creation-only.",
        windows=WS2016, host_property="EmbeddedTeamingEnabled", parameter="EnableEmbeddedTeaming", creation_only=True)
    enable_packet_direct: t.Optional[bool] = option(
        "Whether PacketDirect is enabled on the switch. Creation-only.",
        windows=WS2016, host_property="PacketDirectEnabled", host_default=False,
        parameter="EnablePacketDirect", creation_only=True)
    load_balancing_algorithm: t.Optional[LoadBalancingAlgorithm] = option(
        "Load balancing of a Switch Embedded Teaming (SET) switch, V(hyper_v_port) or V(dynamic) (Hyper-V's "
        "default). Set in place with C(Set-VMSwitchTeam). SET switches only.", windows=WS2016,
        parameter="LoadBalancingAlgorithm", set_by="Set-VMSwitchTeam",
        host_values={"hyper_v_port": "HyperVPort", "dynamic": "Dynamic"})
    # Set in place with Set-VMSwitch (New-VMSwitch has none of them). The default queue's vRSS / VMMQ
    # settings came with Windows Server 2016, -EnableSoftwareRsc with 2019 (Microsoft's Set-VMSwitch
    # reference per docset; "RSC in the vSwitch", Windows Server networking docs: "By default, on
    # external vSwitches, RSC is enabled"). Defaults: Msvm_EthernetSwitchHardwareOffloadSettingData
    # (DefaultQueueVrssEnabled TRUE, DefaultQueueVmmqQueuePairs 16); VMMQ as real hosts report it
    # requested (True), not the class's FALSE, as for adapters.
    default_queue_vrss_enabled: t.Optional[bool] = option(
        "Whether vRSS is requested for the switch's default queue (the host's own traffic on it).",
        windows=WS2016, host_property="DefaultQueueVrssEnabledRequested", parameter="DefaultQueueVrssEnabled",
        set_by="Set-VMSwitch", host_default=True)
    default_queue_vmmq_enabled: t.Optional[bool] = option(
        "Whether VMMQ is requested for the switch's default queue.",
        windows=WS2016, host_property="DefaultQueueVmmqEnabledRequested", parameter="DefaultQueueVmmqEnabled",
        set_by="Set-VMSwitch", host_default=True)
    default_queue_vmmq_queue_pairs: t.Optional[int] = option(
        "VMMQ / vRSS queue pairs requested for the switch's default queue, at least V(1).",
        windows=WS2016, host_property="DefaultQueueVrssMaxQueuePairsRequested", parameter="DefaultQueueVmmqQueuePairs",
        set_by="Set-VMSwitch", host_default=16, ge=1, le=UINT32_MAX)
    software_rsc_enabled: t.Optional[bool] = option(
        "Whether receive segment coalescing (RSC) in the virtual switch is on.",
        windows=WS2019, host_property="SoftwareRscEnabled", parameter="EnableSoftwareRsc", set_by="Set-VMSwitch",
        host_default=True)
    # The switch shows the default-flow reservation in effect (the VMSwitch getter reads the bandwidth
    # status, Msvm_EthernetSwitchBandwidthData, which reserves 10 percent when nothing is set), not a
    # setting: these have no reset value. Weights are 1 to 100 (New-VMSwitch -MinimumBandwidthMode
    # help); each is refused on a switch of the other mode (Set-VMSwitch, reference 1.2).
    default_flow_minimum_bandwidth_weight: t.Optional[int] = option(
        "Minimum bandwidth weight, V(1) to V(100), of the traffic on the switch that no adapter setting covers. "
        "Weight mode switches only. Never reset.",
        windows=WS2012, host_property="DefaultFlowMinimumBandwidthWeight",
        parameter="DefaultFlowMinimumBandwidthWeight", set_by="Set-VMSwitch", ge=1, le=100)
    default_flow_minimum_bandwidth_absolute: t.Optional[int] = option(
        "Minimum bandwidth in bits per second of the traffic on the switch that no adapter setting covers. "
        "Absolute mode switches only. Never reset.",
        windows=WS2012, host_property="DefaultFlowMinimumBandwidthAbsolute",
        parameter="DefaultFlowMinimumBandwidthAbsolute", set_by="Set-VMSwitch", ge=1, le=INT64_MAX)
    notes: t.Optional[str] = option("Free-text notes stored on the switch.", windows=WS2012, host_default="",
                                    parameter="Notes")
    # Not a setting of the switch: the host vNICs the task lets a switch's loss of the management
    # OS remove. Never gathered.
    remove_management_os_adapters: t.Optional[t.List[str]] = option(
        "Host virtual network adapters of this switch that the task lets go when the switch loses the management "
        "OS (O(config.switches[].allow_management_os=false), O(config.switches[].switch_type=private), or a "
        "recreate without it). Without every one of them listed, the task is refused. Not a setting; never "
        "gathered.", windows=WS2012)


# The host_default of the adapter options are Hyper-V's own values for a port offload setting that
# was never written (Msvm_EthernetSwitchPortOffloadSettingData class defaults). VMMQ is the
# exception: the WMI class says off, but real Windows Server 2016+ adapters report it requested
# on, so a fresh adapter's value is used. switch_name has no default: an adapter is never
# disconnected by a reset.
class VmAdapterConfig(_Model):
    vm_name: t.Optional[str] = option(
        "Name of the VM that owns the adapter. Exactly one of this and O(config.vm_adapters[].management_os) is "
        "required.", identity=True, windows=WS2012, min_length=1)
    management_os: t.Optional[bool] = option(
        "V(true) for a host virtual network adapter of the management OS.", identity=True, windows=WS2012)
    name: str = option("Name of the network adapter.", required=True, identity=True, windows=WS2012, min_length=1)
    mac_address: t.Optional[str] = option(
        "MAC address of the adapter (V(00155D0A0B0C), V(00-15-5D-0A-0B-0C) or V(00:15:5d:0a:0b:0c)), to pick one of "
        "several adapters of the VM that share the name. An entry whose name several adapters share and that has "
        "no MAC address is refused before any write. The output of state V(gathered) carries it exactly where a name "
        "is not unique, so it feeds back as it is.", identity=True, windows=WS2012)
    switch_name: t.Optional[str] = option(
        "The virtual switch the adapter is connected to.", windows=WS2012, min_length=1)
    iov_weight: t.Optional[int] = option(
        "SR-IOV weight, V(0) (SR-IOV off) to V(100). Not for management-OS adapters.",
        windows=WS2012, host_property="IovWeight", parameter="IovWeight", host_default=0, vm_only=True,
        ge=0, le=100)
    iov_queue_pairs_requested: t.Optional[int] = option(
        "Hardware queue pairs requested for the virtual function, at least V(1). Not for management-OS adapters.",
        windows=WS2012, host_property="IovQueuePairsRequested", parameter="IovQueuePairsRequested", host_default=1,
        vm_only=True, ge=1, le=UINT32_MAX)
    iov_interrupt_moderation: t.Optional[InterruptModeration] = option(
        "Interrupt moderation of the virtual function. Not for management-OS adapters.",
        windows=WS2012, host_property="IovInterruptModeration", parameter="IovInterruptModeration",
        host_default="default", vm_only=True,
        host_values={"default": "Default", "adaptive": "Adaptive", "off": "Off", "low": "Low", "medium": "Medium",
                     "high": "High"})
    vmq_weight: t.Optional[int] = option(
        "VMQ weight, V(0) (VMQ off) to V(100).",
        windows=WS2012, host_property="VMQWeight", parameter="VmqWeight", host_default=100, ge=0, le=100)
    ipsec_offload_max_sa: t.Optional[int] = option(
        "Maximum offloaded IPsec security associations; V(0) turns IPsec task offload off.",
        windows=WS2012, host_property="IPsecOffloadMaxSA", parameter="IPsecOffloadMaximumSecurityAssociation",
        host_default=512, ge=0, le=UINT32_MAX)
    vrss_enabled: t.Optional[bool] = option(
        "Whether vRSS is requested.",
        windows=WS2016, host_property="VrssEnabledRequested", parameter="VrssEnabled", host_default=True)
    vmmq_enabled: t.Optional[bool] = option(
        "Whether VMMQ is requested.",
        windows=WS2016, host_property="VmmqEnabledRequested", parameter="VmmqEnabled", host_default=True)
    vmmq_queue_pairs: t.Optional[int] = option(
        "VMMQ / vRSS queue pairs requested, at least V(1).",
        windows=WS2016, host_property="VrssMaxQueuePairsRequested", parameter="VmmqQueuePairs", host_default=16,
        ge=1, le=UINT32_MAX)
    # The vRSS settings below came with Windows Server 2019, -RscEnabled with 2022 (Microsoft's
    # Set-VMNetworkAdapter reference, docset winserver2022-ps; absent from the 2016 docset). Their
    # defaults are the Msvm_EthernetSwitchPortOffloadSettingData class defaults (VrssMinQueuePairs
    # 1, VrssQueueSchedulingMode 2 = StaticVrss, VrssVmbusChannelAffinityPolicy 3 = Strong, both
    # flags FALSE); RSC in the vSwitch is on unless turned off (Microsoft's "RSC in the vSwitch").
    vrss_min_queue_pairs: t.Optional[int] = option(
        "Fewest vRSS queue pairs the adapter is given, at least V(1) and no more than its vmmq_queue_pairs.",
        windows=WS2019, host_property="VrssMinQueuePairsRequested", parameter="VrssMinQueuePairs", host_default=1,
        ge=1, le=UINT32_MAX)
    vrss_queue_scheduling_mode: t.Optional[VrssQueueSchedulingMode] = option(
        "How vRSS queues are placed on processors, V(dynamic) (moved with the load), V(static_vmq) or "
        "V(static_vrss) (Hyper-V's default).",
        windows=WS2019, host_property="VrssQueueSchedulingModeRequested", parameter="VrssQueueSchedulingMode",
        host_default="static_vrss",
        host_values={"dynamic": "Dynamic", "static_vmq": "StaticVmq", "static_vrss": "StaticVrss"})
    vrss_exclude_primary_processor: t.Optional[bool] = option(
        "Whether vRSS leaves the adapter's primary processor out of the spread.",
        windows=WS2019, host_property="VrssExcludePrimaryProcessorRequested", parameter="VrssExcludePrimaryProcessor",
        host_default=False)
    vrss_independent_host_spreading: t.Optional[bool] = option(
        "Whether vRSS spreads the adapter's traffic on the host independently of the guest.",
        windows=WS2019, host_property="VrssIndependentHostSpreadingRequested",
        parameter="VrssIndependentHostSpreading", host_default=False)
    vrss_vmbus_channel_affinity_policy: t.Optional[VrssAffinityPolicy] = option(
        "How tightly the adapter's VMBus channels stay on their vRSS processors, V(weak), V(strong) (Hyper-V's "
        "default) or V(strict).",
        windows=WS2019, host_property="VrssVmbusChannelAffinityPolicyRequested",
        parameter="VrssVmbusChannelAffinityPolicy", host_default="strong",
        host_values={"weak": "Weak", "strong": "Strong", "strict": "Strict"})
    rsc_enabled: t.Optional[bool] = option(
        "Whether receive segment coalescing (RSC) in the virtual switch is requested for the adapter.",
        windows=WS2022, host_property="RscEnabledRequested", parameter="RscEnabled", host_default=True)
    # Set-VMNetworkAdapter -MinimumBandwidthWeight (0 to 100, 0 turns it off) and
    # -MinimumBandwidthAbsolute (bits per second, "rounded to the nearest multiple of eight"), per
    # Microsoft's Set-VMNetworkAdapter reference; each only on a switch of its bandwidth mode (the
    # cmdlet refuses the other, reference 1.7). The host shows them in the adapter's nested
    # BandwidthSetting, read apart (_host.BANDWIDTH_READ); no host property says they exist, the
    # switch's mode does. An adapter without a bandwidth setting has none: 0.
    minimum_bandwidth_weight: t.Optional[int] = option(
        "Minimum bandwidth weight of the adapter relative to the others on its switch, V(0) (none) to V(100). Only "
        "on a switch whose minimum bandwidth mode is weight.",
        windows=WS2012, parameter="MinimumBandwidthWeight", host_default=0, ge=0, le=100)
    minimum_bandwidth_absolute: t.Optional[int] = option(
        "Minimum bandwidth of the adapter in bits per second, a multiple of 8, V(0) for none. Only on a switch whose "
        "minimum bandwidth mode is absolute.",
        windows=WS2012, parameter="MinimumBandwidthAbsolute", host_default=0, ge=0, le=INT64_MAX)
    allow_teaming: t.Optional[bool] = option(
        "Whether the guest may team this adapter.",
        windows=WS2012, host_property="AllowTeaming", parameter="AllowTeaming", host_default=False,
        host_values={True: "On", False: "Off"})

    @field_validator("minimum_bandwidth_absolute")
    @classmethod
    def _whole_bytes(cls, value: t.Any) -> t.Any:
        # Hyper-V rounds the value to a multiple of 8: anything else would never read back as given.
        if value is not None and value % 8:
            raise ValueError("%d is not a multiple of 8; Hyper-V rounds it to one. Give %d or %d bits per second."
                             % (value, value - value % 8, value - value % 8 + 8))
        return value

    @field_validator("mac_address", mode="before")
    @classmethod
    def _mac(cls, value: t.Any) -> t.Any:
        # Three spellings are accepted; the model keeps the one Hyper-V writes (00155D0A0B0C).
        return None if value is None else normalize_mac(value)

    @property
    def is_management_os(self) -> bool:
        return bool(self.management_os) and not self.vm_name

    def identity(self) -> AdapterIdentity:
        """VM + name (or the management OS + name), narrowed by mac_address; never position."""
        return AdapterIdentity.of(self)

    def key(self) -> tuple:
        return self.identity().key()

    def label(self) -> str:
        return self.identity().label()


class HostConfig(_Model):
    physical_adapters: t.Optional[t.List[PhysicalAdapterConfig]] = option(
        "SR-IOV settings of physical network adapters, identified by name.", windows=WS2012)
    switches: t.Optional[t.List[SwitchConfig]] = option(
        "Virtual switches, identified by name. See M(sriov.hyperv.vm_switch) for each option in detail.",
        windows=WS2012)
    vm_adapters: t.Optional[t.List[VmAdapterConfig]] = option(
        "Network adapters of VMs (identified by VM name and adapter name) and of the management OS (identified by "
        "adapter name). The adapters must exist. See M(sriov.hyperv.vm_network_adapter) for each option in detail.",
        windows=WS2012)


# Derived from the declarations above; nothing below names an option again.
# The settable options of a VM adapter (identity fields excluded), in the order they are documented.
ADAPTER_OPTIONS = tuple(name for name in VmAdapterConfig.model_fields if "identity" not in declared(VmAdapterConfig, name))
IOV_ADAPTER_OPTIONS = tuple(options_with(VmAdapterConfig, "vm_only"))
CREATION_ONLY_SWITCH_OPTIONS = tuple(options_with(SwitchConfig, "creation_only"))
ADAPTER_DEFAULTS: dict[str, t.Any] = options_with(VmAdapterConfig, "host_default")
SWITCH_DEFAULTS: dict[str, t.Any] = options_with(SwitchConfig, "host_default")
# The minimum bandwidth mode a switch needs for each default-flow reservation, and for each
# adapter's minimum bandwidth.
DEFAULT_FLOW_MODES = {"default_flow_minimum_bandwidth_weight": "weight",
                      "default_flow_minimum_bandwidth_absolute": "absolute"}
ADAPTER_BANDWIDTH_MODES = {"minimum_bandwidth_weight": "weight", "minimum_bandwidth_absolute": "absolute"}


def bandwidth_options_refused(mode: str | None) -> frozenset[str]:
    """The adapter minimum-bandwidth options a switch in minimum_bandwidth_mode ``mode`` does not
    take: each belongs to one mode, and a switch in mode none takes neither (Set-VMNetworkAdapter
    refuses them: reference 2.3, InvalidBandwidthReservationMode)."""
    return frozenset(option for option, kind in ADAPTER_BANDWIDTH_MODES.items() if kind != mode)


# The Windows Server version that introduced each option (for validation messages).
REQUIRED_WINDOWS = {
    **options_with(PhysicalAdapterConfig, "windows"),
    **options_with(SwitchConfig, "windows"),
    **options_with(VmAdapterConfig, "windows"),
}
_RANGES = {
    name: bounds(model, name)
    for model in (PhysicalAdapterConfig, SwitchConfig, VmAdapterConfig)
    for name in model.model_fields
    if None not in bounds(model, name)
}


def from_host(name: str, value: t.Any, model: t.Any = VmAdapterConfig) -> t.Any:
    """An option's value (of an adapter unless ``model`` says otherwise) as the host shows it -> the model's value.

    Spelled as declared in ``host_values`` (compared without regard to case; an unknown spelling
    is kept, lower-cased); whole numbers as int, and a number below the option's minimum (an
    offload setting never written reads 0 where 0 cannot be set) as None, so gathered output can
    be given back as it is.
    """
    if value is None:
        return None
    by_text, low = _host_reading(model, name)
    if by_text:
        return by_text.get(str(value).lower(), str(value).lower())
    if low is None:
        return value
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= low else None


@functools.lru_cache(maxsize=None)
def _host_reading(model: t.Any, name: str) -> tuple[dict, t.Any]:
    """How ``from_host`` reads an option: its host spellings (lower case -> the model's value), and
    the least number it takes. Fields are declared once: a thousand adapters need not rebuild it."""
    spelled = declared(model, name).get("host_values")
    by_text = {str(theirs).lower(): mine for mine, theirs in spelled.items()} if spelled else {}
    return by_text, None if by_text else bounds(model, name)[0]


def to_host(name: str, value: t.Any, model: t.Any = VmAdapterConfig) -> t.Any:
    """An option's value (of an adapter unless ``model`` says otherwise) -> how its cmdlet parameter
    takes it; None for a value the parameter has no spelling for (it is then not sent)."""
    spelled = declared(model, name).get("host_values")
    return spelled.get(value) if spelled else value


def close_matches(name: str, candidates: t.Iterable[str]) -> list[str]:
    candidates = list(candidates)
    by_key = {name_key(candidate): candidate for candidate in candidates}
    keys = difflib.get_close_matches(name_key(name), list(by_key), n=3, cutoff=0.6)
    return [by_key[key] for key in keys]


def did_you_mean(name: str, candidates: t.Iterable[str]) -> str:
    """" Did you mean 'a' or 'b'?" for the candidates close to ``name``; empty when none is."""
    matches = close_matches(name, candidates)
    return " Did you mean %s?" % " or ".join("'%s'" % match for match in matches) if matches else ""


def format_path(path: str, loc: t.Iterable[t.Any]) -> str:
    text = path
    for part in loc:
        text += "[%d]" % part if isinstance(part, int) else ".%s" % part
    return text


def _fields_of(loc: tuple, root: type) -> list[str]:
    """The option names valid at the model that ``loc`` points into (for "did you mean")."""
    model = root
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            break
        annotation = fields[part].annotation
        inner = [arg for arg in t.get_args(annotation) if arg is not _NONE_TYPE]
        nested = inner[0] if inner else annotation
        list_args = t.get_args(nested)
        model = list_args[0] if list_args else nested
    return list(getattr(model, "model_fields", {}))


def _problem(error: dict, path: str, root: type) -> str:
    loc = tuple(error.get("loc", ()))
    where = format_path(path, loc)
    kind = error.get("type", "")
    value = error.get("input")
    field = next((part for part in reversed(loc) if isinstance(part, str)), "")
    if kind == "extra_forbidden":
        valid = _fields_of(loc[:-1], root)
        hint = difflib.get_close_matches(str(loc[-1]), valid, n=1)
        fix = "Did you mean '%s'?" % hint[0] if hint else "Valid options: %s." % ", ".join(valid)
        return "%s: unknown option. %s" % (where, fix)
    if kind == "missing":
        if field == "name":
            return "%s: is required. Give the item's name." % where
        return "%s: is required." % where
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        low, high = _RANGES.get(field, (None, None))
        if low is not None:
            return "%s: %s is out of range %d-%d. Give a whole number from %d to %d." % (
                where, value, low, high, low, high)
    if kind == "literal_error":
        expected = (error.get("ctx") or {}).get("expected", "")
        return "%s: %r is not a valid choice. Use one of %s." % (where, value, expected.replace("'", ""))
    if kind.startswith("bool_"):
        return "%s: %r is not a boolean. Use true or false." % (where, value)
    if kind.startswith("int_"):
        return "%s: %r is not a whole number. Give an integer." % (where, value)
    if kind == "string_type":
        return "%s: %r is not a string. Quote the value." % (where, value)
    if kind == "value_error":
        # A validator's own message already says what to give.
        return "%s: %s" % (where, str(error.get("msg", "")).replace("Value error, ", "", 1))
    if kind == "string_too_short":
        return "%s: must not be empty. Give a name." % where
    if kind == "list_type":
        return "%s: must be a list. Write it as a YAML list." % where
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "%s: must be a mapping of options. Write it as a YAML dictionary." % where
    return "%s: %s." % (where, str(error.get("msg", "invalid value")).rstrip("."))


def _duplicates(items: list, key: t.Callable[[t.Any], t.Any], path: str, section: str, what: str,
                remedy: t.Callable[[t.Any], str] | None = None) -> list[str]:
    """``remedy(item)``, when given, adds what to do beyond merging the entries."""
    problems = []
    first_seen: dict[t.Any, int] = {}
    for index, item in enumerate(items):
        item_key = key(item)
        if item_key in first_seen:
            problems.append(
                "%s.%s[%d]: duplicate %s, already given as %s.%s[%d] (names are compared "
                "case-insensitively). Merge the two entries into one.%s"
                % (path, section, index, what, path, section, first_seen[item_key], remedy(item) if remedy else "")
            )
        else:
            first_seen[item_key] = index
    return problems


def default_flow_problem(where: str, name: str, option: str, mode: str | None) -> str | None:
    """Why ``option`` (a switch's default flow, or an adapter's minimum bandwidth) cannot be set on
    switch ``name`` whose minimum bandwidth mode is ``mode``, or None when it can (Set-VMSwitch and
    Set-VMNetworkAdapter refuse a value of the other mode, reference 1.2 and 1.7)."""
    modes = DEFAULT_FLOW_MODES if option in DEFAULT_FLOW_MODES else ADAPTER_BANDWIDTH_MODES
    needed = modes[option]
    if mode == needed:
        return None
    other = next(item for item, kind in modes.items() if kind != needed)
    if mode in ("weight", "absolute"):
        fix = "Use %s instead (%s)" % (other, "bits per second" if mode == "absolute" else "a weight from 1 to 100")
    else:
        fix = "Remove %s (a switch without minimum bandwidth reserves none)" % option
    return ("%s.%s: switch '%s' uses %s minimum bandwidth, and %s needs minimum_bandwidth_mode: %s. %s, or "
            "recreate the switch with minimum_bandwidth_mode: %s (creation_only_changes: recreate)."
            % (where, option, name, mode, option, needed, fix, needed))


def min_queue_pairs_problem(where: str, minimum: int, maximum: int) -> str:
    """Set-VMNetworkAdapter refuses a VrssMinQueuePairs above VrssMaxQueuePairs (reference 1.7)."""
    return ("%s.vrss_min_queue_pairs: %d is more than the adapter's vmmq_queue_pairs (%d); Hyper-V refuses a minimum "
            "above the maximum. Lower vrss_min_queue_pairs, or raise vmmq_queue_pairs." % (where, minimum, maximum))


def _same_mac_remedy(item: t.Any) -> str:
    """For two entries that also name one MAC address: gathered output of adapters the host cannot
    tell apart (one VM, one name, one MAC), which no entry can mean one at a time."""
    mac = item.identity().mac_address
    if mac is None:
        return ""
    return (" If they are two adapters of one VM that share name and MAC address %s (as gathered lists them), "
            "no entry can mean just one of them: %s." % (mac, apart_remedy(mac)))


def model_rule_problems(cfg: HostConfig, path: str = "config") -> list[str]:
    """The cross-field rules that need no host: every violation, with its path and fix."""
    # Names with wildcard characters (* ? [ ] `) are fine: the commands escape them (_runner.wildcard_literal).
    problems: list[str] = []
    physical = cfg.physical_adapters or []
    switches = cfg.switches or []
    adapters = cfg.vm_adapters or []
    problems += _duplicates(physical, lambda item: name_key(item.name), path, "physical_adapters",
                            "physical adapter name")
    problems += _duplicates(switches, lambda item: name_key(item.name), path, "switches", "switch name")
    problems += _duplicates(adapters, lambda item: item.key(), path, "vm_adapters", "adapter identity",
                            _same_mac_remedy)
    for index, switch in enumerate(switches):
        where = "%s.switches[%d]" % (path, index)
        nics = switch.net_adapter_names
        if name_key(switch.name).startswith(name_key(PARKING_PREFIX)):
            problems.append(
                "%s.name: names starting with '%s' are reserved for the parking switch of a recreate. Choose "
                "another name." % (where, PARKING_PREFIX))
        if switch.notes and switch.notes.startswith(PARKING_MARKER):
            problems.append(
                "%s.notes: notes starting with '%s' are reserved for the record of a recreate in progress. "
                "Write other notes." % (where, PARKING_MARKER))
        if switch.switch_type in ("internal", "private"):
            if switch.enable_iov:
                problems.append(
                    "%s.enable_iov: SR-IOV needs an External switch; switch '%s' is %s. Set switch_type: "
                    "external with net_adapter_names, or remove enable_iov." % (where, switch.name, switch.switch_type))
            if nics:
                problems.append(
                    "%s.net_adapter_names: a %s switch has no physical adapter. Remove net_adapter_names, or set "
                    "switch_type: external." % (where, switch.switch_type))
            if switch.allow_management_os is not None and switch.switch_type == "private" and switch.allow_management_os:
                problems.append(
                    "%s.allow_management_os: a private switch has no management-OS adapter. Use switch_type: "
                    "internal for host connectivity, or remove allow_management_os." % where)
        if nics is not None and len(nics) == 0:
            problems.append("%s.net_adapter_names: is empty. Name at least one physical adapter." % where)
        if nics and len(nics) > 1 and switch.enable_embedded_teaming is False:
            problems.append(
                "%s.enable_embedded_teaming: %d physical adapters need Switch Embedded Teaming. Set "
                "enable_embedded_teaming: true, or name one adapter." % (where, len(nics)))
        if nics:
            problems += _duplicates([{"n": nic} for nic in nics], lambda item: name_key(item["n"]), where,
                                    "net_adapter_names", "physical adapter name")
        if switch.load_balancing_algorithm is not None and (
                switch.enable_embedded_teaming is False or switch.switch_type in ("internal", "private")):
            problems.append(
                "%s.load_balancing_algorithm: only a Switch Embedded Teaming switch has a load-balancing "
                "algorithm. Remove load_balancing_algorithm, or make the switch an External SET switch "
                "(enable_embedded_teaming: true)." % where)
        if (switch.minimum_bandwidth_mode in ("weight", "absolute") and switch.enable_iov):
            problems.append(
                "%s.minimum_bandwidth_mode: %s cannot be combined with enable_iov: SR-IOV traffic bypasses the "
                "switch's bandwidth management. Use minimum_bandwidth_mode: none (or default)."
                % (where, switch.minimum_bandwidth_mode))
        flows = [option for option in DEFAULT_FLOW_MODES if getattr(switch, option) is not None]
        if len(flows) > 1:
            problems.append(
                "%s.%s: a switch reserves default-flow bandwidth either by weight or in bits per second, not both "
                "(Set-VMSwitch takes one of the two). Keep the one of the switch's minimum_bandwidth_mode."
                % (where, flows[1]))
        elif flows and switch.minimum_bandwidth_mode not in (None, "default"):
            problem = default_flow_problem(where, switch.name, flows[0], switch.minimum_bandwidth_mode)
            problems += [problem] if problem else []
    for index, adapter in enumerate(adapters):
        where = "%s.vm_adapters[%d]" % (path, index)
        if adapter.vm_name and adapter.management_os:
            problems.append(
                "%s: give either vm_name (a VM's adapter) or management_os: true (a host vNIC), not both."
                % where)
        elif not adapter.vm_name and not adapter.management_os:
            problems.append(
                "%s: which adapter? Give vm_name for a VM's adapter, or management_os: true for a host vNIC."
                % where)
        if (adapter.vrss_min_queue_pairs is not None and adapter.vmmq_queue_pairs is not None
                and adapter.vrss_min_queue_pairs > adapter.vmmq_queue_pairs):
            problems.append(min_queue_pairs_problem(where, adapter.vrss_min_queue_pairs, adapter.vmmq_queue_pairs))
        if adapter.management_os and not adapter.vm_name:
            for option in IOV_ADAPTER_OPTIONS:
                if getattr(adapter, option) is not None:
                    problems.append(
                        "%s.%s: IOV properties do not exist on management-OS adapters (host vNICs cannot use a "
                        "virtual function). Remove %s from this entry." % (where, option, option))
    return problems


def parse_config(data: t.Any, *, path: str = "config") -> HostConfig:
    """User input (the ``config`` option) as a HostConfig, or SpecValidationError naming every problem."""
    if data is None:
        data = {}
    if isinstance(data, HostConfig):
        data = config_to_dict(data)
    if not isinstance(data, dict):
        raise SpecValidationError(["%s: must be a mapping with physical_adapters, switches and vm_adapters." % path])
    try:
        cfg = HostConfig.model_validate(data)
    except ValidationError as exc:
        raise SpecValidationError([_problem(error, path, HostConfig) for error in exc.errors()]) from None
    problems = model_rule_problems(cfg, path)
    if problems:
        raise SpecValidationError(problems)
    return cfg


def lenient(cls: t.Any, values: dict) -> t.Any:
    """A model of what a host reports, even when a value is outside what a user may set (a host
    can hold values its cmdlets never range-check): reading must not fail on them."""
    try:
        return cls.model_validate(values)
    except ValidationError:
        return cls.model_construct(**values)


def lenient_config(data: dict) -> HostConfig:
    sections = {
        "physical_adapters": PhysicalAdapterConfig,
        "switches": SwitchConfig,
        "vm_adapters": VmAdapterConfig,
    }
    return HostConfig.model_construct(
        **{
            section: [item if isinstance(item, cls) else lenient(cls, item) for item in data.get(section) or []]
            for section, cls in sections.items()
        }
    )


def config_to_dict(cfg: HostConfig) -> dict:
    """The ``gathered`` shape: None options and sections dropped; feedable back as ``config``."""
    return cfg.model_dump(exclude_none=True)
