# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host's objects, as read by ``_host.READ_STATEMENTS``, parsed into typed records.

Private to the collection. Pure: no I/O. Objects are told apart by their type names, as
PowerShell does. ``Observed.config`` is the host in the ``gathered`` shape of ``_spec``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import typing as t

from ansible_collections.sriov.hyperv.plugins.module_utils.spec._identity import AdapterIdentity, normalize_mac
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import PSObjectData
from ansible_collections.sriov.hyperv.plugins.module_utils.spec._spec import (
    ADAPTER_BANDWIDTH_MODES,
    DEFAULT_FLOW_MODES,
    IOV_ADAPTER_OPTIONS,
    PARKING_MARKER,
    PARKING_PREFIX,
    PARKING_RUN_SEPARATOR,
    HostConfig,
    PhysicalAdapterConfig,
    SwitchConfig,
    VmAdapterConfig,
    from_host,
    lenient,
    lenient_config,
    name_key,
    options_with,
)


# Option -> the property whose presence says the host supports it (for adapters also the
# property read), declared with each option in _spec.
ADAPTER_PROPERTIES = options_with(VmAdapterConfig, "host_property")
SWITCH_PROPERTIES = options_with(SwitchConfig, "host_property")
# VMSwitchLoadBalancingAlgorithm (HyperVPort = 4, Dynamic = 5; the Hyper-V module's enum, as the
# stub generated from it in dsccommunity/HyperVDsc tests/Unit/Stubs/Hyper-V.stubs.psm1 shows), by
# name or number as a serializer may give it.
LOAD_BALANCING_NAMES = {"hypervport": "hyper_v_port", "dynamic": "dynamic", "4": "hyper_v_port", "5": "dynamic"}
# What a read asks the host for with Select-Object -Property: the properties parsed below, and each
# option's host_property (ADAPTER_PROPERTIES). Select-Object gives a property the object lacks as
# $null ("Select-Object", Microsoft.PowerShell.Utility docs), so on a selected object an option's
# support is told by a non-null value (_supported).
# An adapter's VirtualFunction is not read: Hyper-V sets it only when IovUsage > 0 (the
# VMNetworkAdapter getters; reference/hyperv-sriov.md section 1.6), so IovUsage alone says whether
# the adapter holds a VF. VirtualFunction is a CIM instance, which remoting always serializes whole
# (about 3.6 KB an adapter): on a host whose adapters all hold a VF it was half of the read.
VM_READ_PROPERTIES = ("Name", "VMName", "Id", "VMId", "State", "Generation")
ADAPTER_READ_PROPERTIES = (
    "Name", "VMName", "VMId", "Id", "IsManagementOs", "SwitchName", "Connected", "MacAddress", "Status",
    "StatusDescription", "IovUsage", "IovQueuePairsAssigned", "VFDataPathActive",
    "VrssEnabled", "VmmqEnabled", "VrssMaxQueuePairs", "IeeePriorityTag", "IsLegacy",
)
SELECTED = "Selected."
SRIOV_SUPPORT_NAMES = {
    0: "Unknown",
    1: "Supported",
    2: "MissingAcs",
    3: "MissingPfDriver",
    4: "NoBusResources",
    5: "NoIoMmuSupport",
    6: "NoVfBarSpace",
    7: "NoOscSupport",
}


def prop(obj: PSObjectData, name: str, default: t.Any = None) -> t.Any:
    """A property by name, case-insensitively (PowerShell's rule)."""
    if name in obj.properties:
        return obj.properties[name]
    lowered = name.lower()
    for key, value in obj.properties.items():
        if key.lower() == lowered:
            return value
    return default


def has_prop(obj: PSObjectData, name: str) -> bool:
    lowered = name.lower()
    return any(key.lower() == lowered for key in obj.properties)


def _as_list(value: t.Any) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _as_int(value: t.Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, (list, tuple)):
        return _as_int(value[0]) if value else None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _cim_class(obj: PSObjectData) -> str:
    for name in obj.type_names:
        if "#" in name:
            return name.rsplit("/", 1)[-1].lower()
    return ""


@dataclasses.dataclass
class HostFacts:
    name: str | None = None
    iov_support: bool | None = None
    iov_support_reasons: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class VmFacts:
    name: str
    id: str | None = None
    state: str | None = None
    generation: int | None = None

    @property
    def running(self) -> bool:
        return (self.state or "").lower() == "running"


@dataclasses.dataclass
class SwitchFacts:
    name: str
    id: str | None = None
    switch_type: str | None = None
    notes: str = ""
    iov_enabled: bool = False
    iov_support: bool | None = None
    iov_support_reasons: list[str] = dataclasses.field(default_factory=list)
    bandwidth_mode: str | None = None
    packet_direct_enabled: bool | None = None
    embedded_teaming_enabled: bool | None = None
    allow_management_os: bool | None = None
    nic_descriptions: list[str] = dataclasses.field(default_factory=list)
    nic_guids: list[str] = dataclasses.field(default_factory=list)
    """NetAdapterInterfaceGuid: the key that ties a switch to its NICs (absent before 2019)."""
    nic_names: list[str] = dataclasses.field(default_factory=list)
    team_members: list[str] = dataclasses.field(default_factory=list)
    load_balancing_algorithm: str | None = None
    """``hyper_v_port`` or ``dynamic`` on a SET switch (Get-VMSwitchTeam), None on any other."""
    iov_vf_count: int | None = None
    iov_vf_in_use: int | None = None
    iov_queue_pair_count: int | None = None
    iov_queue_pairs_in_use: int | None = None
    properties: frozenset = frozenset()
    settings: dict = dataclasses.field(default_factory=dict)
    """Option -> value of the switch options declared with a host_property that the switch shows."""


@dataclasses.dataclass
class AdapterFacts:
    name: str
    vm_name: str | None = None
    vm_id: str | None = None
    id: str | None = None
    management_os: bool = False
    switch_name: str | None = None
    connected: bool | None = None
    mac_address: str | None = None
    status: list[str] = dataclasses.field(default_factory=list)
    status_description: list[str] = dataclasses.field(default_factory=list)
    iov_weight: int | None = None
    iov_usage: int | None = None
    iov_queue_pairs_requested: int | None = None
    iov_queue_pairs_assigned: int | None = None
    vf_data_path_active: bool | None = None
    vrss_enabled_requested: bool | None = None
    vrss_enabled: bool | None = None
    vmmq_enabled_requested: bool | None = None
    vmmq_enabled: bool | None = None
    vrss_max_queue_pairs_requested: int | None = None
    vrss_max_queue_pairs: int | None = None
    ieee_priority_tag: str | None = None
    """``On`` or ``Off``: not managed, but carried over when a recreate re-adds a host vNIC."""
    is_legacy: bool | None = None
    supported_options: frozenset = frozenset()
    """Adapter options whose host property exists on this adapter (what the host supports), and
    the minimum bandwidth of its switch's mode."""
    minimum_bandwidth: dict = dataclasses.field(default_factory=dict)
    """``minimum_bandwidth_weight`` / ``_absolute`` of the adapter's bandwidth setting, if it has one."""
    name_unique: bool = True
    """False when another adapter of the same VM (or of the management OS) has this name."""

    def _identity_with(self, mac_address: str | None) -> AdapterIdentity:
        # AdapterIdentity.of this adapter's fields, built directly: planning and host_info ask a
        # thousand adapters for it several times each.
        management_os = bool(self.management_os) and not self.vm_name
        return AdapterIdentity(name=str(self.name or ""), vm_name=None if management_os else self.vm_name,
                               management_os=management_os, mac_address=mac_address)

    def full_identity(self) -> AdapterIdentity:
        """VM + name + this adapter's own MAC address (left out when the host shows none usable)."""
        try:
            mac = normalize_mac(self.mac_address) if self.mac_address else None
        except ValueError:
            mac = None
        return self._identity_with(mac)

    def identity(self) -> AdapterIdentity:
        """VM + name, narrowed by the MAC address exactly where the name is not unique."""
        return self._identity_with(None) if self.name_unique else self.full_identity()

    def key(self) -> tuple:
        return self.identity().key()

    def label(self) -> str:
        return self.identity().label()


@dataclasses.dataclass
class NicFacts:
    name: str
    description: str | None = None
    interface_guid: str | None = None
    """InterfaceGuid, lower case without braces: the key a switch names its NICs by."""
    sriov_listed: bool = False
    """True when Get-NetAdapterSriov returned the adapter (its driver speaks SR-IOV)."""
    sriov_support: str | None = None
    sriov_enabled: bool | None = None
    num_vfs: int | None = None
    num_allocated_vfs: int | None = None
    configured_sriov_enabled: bool | None = None
    configured_num_vfs: int | None = None
    default_sriov_enabled: bool | None = None
    default_num_vfs: int | None = None
    max_vfs: int | None = None

    @property
    def pending(self) -> bool:
        """A configured value that the adapter has not taken yet (it needs a restart)."""
        return self.differs_from(self.configured_sriov_enabled, self.configured_num_vfs)

    def differs_from(self, sriov_enabled: bool | None, num_vfs: int | None) -> bool:
        """Whether configured values (None: not configured) differ from the effective ones."""
        enabled_differs = sriov_enabled is not None and self.sriov_enabled is not None and sriov_enabled != self.sriov_enabled
        vfs_differ = num_vfs is not None and self.num_vfs is not None and num_vfs != self.num_vfs
        return enabled_differs or vfs_differ


@dataclasses.dataclass
class ParkingRecord:
    """A parking switch of a recreate (in progress or interrupted), and what it records.

    ``record`` is the JSON that ``_reconcile_recreate.build_recreate`` writes. Records of this
    release also carry ``run`` (the run's id, also the end of the switch's name), ``started`` and
    ``expires`` (seconds since the epoch, UTC, by the controller's clock): until ``expires`` the
    run that wrote it is taken to be still at work; ``expires`` 0 means that run gave it up.
    """

    switch_name: str
    target: str
    record: dict
    switch_id: str | None = None

    @property
    def run(self) -> str:
        return str(self.record.get("run") or "")

    @property
    def started(self) -> float:
        return float(self.record.get("started") or 0)

    @property
    def expires(self) -> float:
        return float(self.record.get("expires") or 0)

    def in_progress(self, now: float) -> bool:
        """Whether the run that wrote the record may still be at work at ``now``."""
        return self.expires > now


@dataclasses.dataclass
class Observed:
    config: HostConfig
    host: HostFacts
    vms: list[VmFacts]
    switches: list[SwitchFacts]
    adapters: list[AdapterFacts]
    nics: list[NicFacts]
    parking: list[ParkingRecord] = dataclasses.field(default_factory=list)

    _indexes: dict = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    def _index(self, kind: str, name: str, key_of: t.Callable[[t.Any], t.Any]) -> dict:
        # The planner looks items up once per desired item and inside sort keys: a scan each time
        # made planning quadratic in the host's size. Each key maps to its items in the host's
        # order; the index is rebuilt when its list changes.
        items = getattr(self, kind)
        signature = (id(items), len(items))
        cached = self._indexes.get(name)
        if cached is None or cached[0] != signature:
            index: dict = {}
            for item in items:
                index.setdefault(key_of(item), []).append(item)
            cached = self._indexes[name] = (signature, index)
        return cached[1]

    def _lookup(self, kind: str, key: t.Any, key_of: t.Callable[[t.Any], t.Any]) -> t.Any:
        found = self._index(kind, kind, key_of).get(key)
        return found[0] if found else None  # the first wins, as a scan would find it

    def vm(self, name: str) -> VmFacts | None:
        return self._lookup("vms", name_key(name), lambda vm: name_key(vm.name))

    def switch(self, name: str) -> SwitchFacts | None:
        return self._lookup("switches", name_key(name), lambda sw: name_key(sw.name))

    def nic(self, name: str) -> NicFacts | None:
        return self._lookup("nics", name_key(name), lambda nic: name_key(nic.name))

    def adapter(self, key: tuple) -> AdapterFacts | None:
        return self._lookup("adapters", key, lambda adapter: adapter.key())

    def adapters_named(self, identity: AdapterIdentity) -> list[AdapterFacts]:
        """The adapters with ``identity``'s VM and name, narrowed by its MAC address when it has one."""
        index = self._index("adapters", "adapters_named", lambda adapter: adapter.identity().name_key())
        found = list(index.get(identity.name_key(), ()))
        if identity.mac_address is None:
            return found
        return [adapter for adapter in found if adapter.full_identity() == identity]

    def indistinguishable_adapters(self) -> list[list[AdapterFacts]]:
        """Groups of two or more adapters that share VM, name and MAC address (``UNASSIGNED_MAC``
        on a VM never started): no identity means one of them, so gathered output lists the same
        identity once per adapter."""
        groups: dict[AdapterIdentity, list[AdapterFacts]] = {}
        for adapter in self.adapters:
            if not adapter.name_unique:
                groups.setdefault(adapter.full_identity(), []).append(adapter)
        return [group for group in groups.values() if len(group) > 1]

    def pending_restarts(self) -> list[str]:
        return [nic.name for nic in self.nics if nic.pending]

    @property
    def new_switch_bandwidth_default(self) -> str:
        """What ``-MinimumBandwidthMode Default`` becomes on a switch without IOV on this host."""
        # Windows Server 2012/2012 R2 resolve it to Weight, 2016 and later to Absolute. The
        # switch properties added in 2016 tell the two apart without a version query.
        if self.switches and all(not sw.properties & {"EmbeddedTeamingEnabled"} for sw in self.switches):
            return "weight"
        return "absolute"

    def supports_switch_option(self, option: str) -> bool:
        prop_name = SWITCH_PROPERTIES.get(option)
        if prop_name is None or not self.switches:
            return True
        return any(prop_name in sw.properties for sw in self.switches)

    def new_adapter_options(self, management_os: bool) -> frozenset:
        """The options a newly created adapter of that kind will have on this host."""
        pool = [adapter for adapter in self.adapters if adapter.management_os == management_os] or self.adapters
        if not pool:
            options = set(ADAPTER_PROPERTIES)
        else:
            options = set().union(*(adapter.supported_options for adapter in pool))
        if management_os:
            options -= set(IOV_ADAPTER_OPTIONS)
        # A new adapter has no bandwidth setting; which minimum bandwidth it can take is its switch's.
        return frozenset(options - set(ADAPTER_BANDWIDTH_MODES))

    def options_of(self, key: tuple, management_os: bool) -> frozenset:
        """The options the adapter ``key`` supports, or a new adapter of that kind if it does not exist yet."""
        facts = self.adapter(key)
        return facts.supported_options if facts is not None else self.new_adapter_options(management_os)


def _lower(value: t.Any) -> str | None:
    return str(value).lower() if value is not None else None


def _parse_host(obj: PSObjectData) -> HostFacts:
    return HostFacts(
        name=prop(obj, "Name") or prop(obj, "ComputerName"),
        iov_support=prop(obj, "IovSupport"),
        iov_support_reasons=[str(reason) for reason in _as_list(prop(obj, "IovSupportReasons"))],
    )


def _parse_vm(obj: PSObjectData) -> VmFacts:
    return VmFacts(
        name=str(prop(obj, "Name") or prop(obj, "VMName")),
        id=prop(obj, "Id") or prop(obj, "VMId"),
        state=prop(obj, "State"),
        generation=_as_int(prop(obj, "Generation")),
    )


def _parse_switch(obj: PSObjectData) -> SwitchFacts:
    descriptions = [str(item) for item in _as_list(prop(obj, "NetAdapterInterfaceDescriptions"))]
    if not descriptions and prop(obj, "NetAdapterInterfaceDescription"):
        descriptions = [str(prop(obj, "NetAdapterInterfaceDescription"))]
    return SwitchFacts(
        name=str(prop(obj, "Name")),
        id=prop(obj, "Id"),
        switch_type=_lower(prop(obj, "SwitchType")),
        notes=prop(obj, "Notes") or "",
        iov_enabled=bool(prop(obj, "IovEnabled")),
        iov_support=prop(obj, "IovSupport"),
        iov_support_reasons=[str(reason) for reason in _as_list(prop(obj, "IovSupportReasons"))],
        bandwidth_mode=_lower(prop(obj, "BandwidthReservationMode")),
        packet_direct_enabled=prop(obj, "PacketDirectEnabled"),
        embedded_teaming_enabled=prop(obj, "EmbeddedTeamingEnabled"),
        allow_management_os=prop(obj, "AllowManagementOS"),
        nic_descriptions=descriptions,
        nic_guids=_guids(prop(obj, "NetAdapterInterfaceGuid")),
        iov_vf_count=_as_int(prop(obj, "IovVirtualFunctionCount")),
        iov_vf_in_use=_as_int(prop(obj, "IovVirtualFunctionsInUse")),
        iov_queue_pair_count=_as_int(prop(obj, "IovQueuePairCount")),
        iov_queue_pairs_in_use=_as_int(prop(obj, "IovQueuePairsInUse")),
        properties=frozenset(obj.properties),
        settings=_switch_settings(obj),
    )


def _switch_settings(obj: PSObjectData) -> dict:
    """The switch options the switch shows; a default-flow reservation only of the switch's own
    bandwidth mode (the other mode's value is none of its settings, and cannot be set on it)."""
    mode = _lower(prop(obj, "BandwidthReservationMode"))
    return {option: from_host(option, prop(obj, name), SwitchConfig)
            for option, name in SWITCH_PROPERTIES.items()
            if has_prop(obj, name) and DEFAULT_FLOW_MODES.get(option, mode) == mode}


def type_names_of(obj: PSObjectData) -> frozenset:
    """The object's type names in lower case, as ``PSObjectData.is_a`` compares them. A host sends
    a few kinds of object, a thousand of each: each kind's set is made once."""
    return _lowered(tuple(obj.type_names))


@functools.lru_cache(maxsize=1024)
def _lowered(type_names: tuple) -> frozenset:
    return frozenset(name.lower() for name in type_names)


def is_of(obj: PSObjectData, type_name: str) -> bool:
    """``obj`` is a ``type_name``, or Select-Object's projection of one (``Selected.<type>``)."""
    names = type_names_of(obj)
    wanted = type_name.lower()
    return wanted in names or SELECTED.lower() + wanted in names


def _supported(obj: PSObjectData, properties: t.Mapping[str, str]) -> frozenset:
    """The options (of ``properties``: option -> host property) that ``obj``'s host supports: a
    property it has; on a selected object, a property with a value (see VM_READ_PROPERTIES)."""
    if obj.type_names and obj.type_names[0].startswith(SELECTED):
        return frozenset(option for option, name in properties.items() if prop(obj, name) is not None)
    return frozenset(option for option, name in properties.items() if has_prop(obj, name))


def _parse_adapter(obj: PSObjectData) -> AdapterFacts:
    management_os = bool(prop(obj, "IsManagementOs")) or is_of(obj, "Microsoft.HyperV.PowerShell.VMInternalNetworkAdapter")
    supported = _supported(obj, ADAPTER_PROPERTIES)
    return AdapterFacts(
        name=str(prop(obj, "Name")),
        vm_name=None if management_os else prop(obj, "VMName"),
        vm_id=prop(obj, "VMId"),
        id=prop(obj, "Id"),
        management_os=management_os,
        switch_name=prop(obj, "SwitchName") or None,
        connected=prop(obj, "Connected"),
        mac_address=prop(obj, "MacAddress"),
        status=[str(item) for item in _as_list(prop(obj, "Status"))],
        status_description=[str(item) for item in _as_list(prop(obj, "StatusDescription"))],
        iov_weight=_as_int(prop(obj, "IovWeight")),
        iov_usage=_as_int(prop(obj, "IovUsage")),
        iov_queue_pairs_requested=_as_int(prop(obj, "IovQueuePairsRequested")),
        iov_queue_pairs_assigned=_as_int(prop(obj, "IovQueuePairsAssigned")),
        vf_data_path_active=prop(obj, "VFDataPathActive"),
        vrss_enabled_requested=prop(obj, "VrssEnabledRequested"),
        vrss_enabled=prop(obj, "VrssEnabled"),
        vmmq_enabled_requested=prop(obj, "VmmqEnabledRequested"),
        vmmq_enabled=prop(obj, "VmmqEnabled"),
        vrss_max_queue_pairs_requested=_as_int(prop(obj, "VrssMaxQueuePairsRequested")),
        vrss_max_queue_pairs=_as_int(prop(obj, "VrssMaxQueuePairs")),
        ieee_priority_tag=None if prop(obj, "IeeePriorityTag") is None else str(prop(obj, "IeeePriorityTag")),
        is_legacy=prop(obj, "IsLegacy"),
        supported_options=supported,
    )


def _adapter_config(obj: PSObjectData, facts: AdapterFacts) -> VmAdapterConfig:
    values: dict[str, t.Any] = {}
    for option, name in ADAPTER_PROPERTIES.items():
        if option in facts.supported_options:
            values[option] = from_host(option, prop(obj, name))
    values.update({option: value for option, value in facts.minimum_bandwidth.items()
                   if option in facts.supported_options})
    # The identity carries the MAC address exactly where the name is not unique, so that the
    # gathered config feeds back as it is.
    return lenient(VmAdapterConfig, dict(facts.identity().fields(), switch_name=facts.switch_name, **values))


def _bandwidth_settings(objects: list[PSObjectData]) -> dict[str, dict]:
    """Adapter Id -> its minimum bandwidth, from the bandwidth settings _host.BANDWIDTH_READ expands
    (each carries its adapter's Id). VMNetworkAdapterBandwidthSetting has MinimumBandwidthWeight
    and MinimumBandwidthAbsolute (Nullable Int64; the stub generated from the Hyper-V module)."""
    found: dict[str, dict] = {}
    for obj in objects:
        if is_of(obj, "Microsoft.HyperV.PowerShell.VMNetworkAdapterBandwidthSetting") and prop(obj, "Id"):
            found[str(prop(obj, "Id")).lower()] = {
                "minimum_bandwidth_weight": _as_int(prop(obj, "MinimumBandwidthWeight")) or 0,
                "minimum_bandwidth_absolute": _as_int(prop(obj, "MinimumBandwidthAbsolute")) or 0,
            }
    return found


def _with_bandwidth(facts: AdapterFacts, mode: str | None, settings: dict[str, dict]) -> None:
    """The adapter supports the minimum bandwidth of its switch's mode; its value is its setting's."""
    own = {option for option, kind in ADAPTER_BANDWIDTH_MODES.items() if kind == mode}
    facts.supported_options = (facts.supported_options - set(ADAPTER_BANDWIDTH_MODES)) | own
    setting = settings.get(str(facts.id or "").lower())
    facts.minimum_bandwidth = {option: setting[option] for option in own} if setting else {}


def _sriov_support_name(value: t.Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return SRIOV_SUPPORT_NAMES.get(value, str(value))
    return str(value)


def _parse_nics(objects: list[PSObjectData]) -> list[NicFacts]:
    nics: dict[str, NicFacts] = {}
    by_description: dict[str, NicFacts] = {}

    def nic_for(obj: PSObjectData) -> NicFacts | None:
        name = prop(obj, "Name")
        if name is not None and name_key(str(name)) in nics:
            return nics[name_key(str(name))]
        description = prop(obj, "InterfaceDescription")
        if description is not None and name_key(str(description)) in by_description:
            return by_description[name_key(str(description))]
        return None

    for obj in objects:
        if _cim_class(obj) == "msft_netadapter":
            guid = _guids(prop(obj, "InterfaceGuid"))
            nic = NicFacts(name=str(prop(obj, "Name")), description=prop(obj, "InterfaceDescription"),
                           interface_guid=guid[0] if guid else None)
            nics[name_key(nic.name)] = nic
            if nic.description:
                by_description[name_key(nic.description)] = nic
    for obj in objects:
        cim = _cim_class(obj)
        if cim == "msft_netadaptersriovsettingdata":
            nic = nic_for(obj)
            if nic is None:
                continue
            nic.sriov_listed = True
            nic.sriov_support = _sriov_support_name(prop(obj, "SriovSupport"))
            nic.sriov_enabled = prop(obj, "Enabled")
            nic.num_vfs = _as_int(prop(obj, "NumVFs"))
            nic.num_allocated_vfs = _as_int(prop(obj, "NumAllocatedVFs"))
        elif cim == "msft_netadapteradvancedpropertysettingdata":
            nic = nic_for(obj)
            if nic is None:
                continue
            keyword = str(prop(obj, "RegistryKeyword") or "").lower()
            value = _as_int(prop(obj, "RegistryValue"))
            default = _as_int(prop(obj, "DefaultRegistryValue"))
            if keyword == "*sriov":
                nic.configured_sriov_enabled = None if value is None else value != 0
                nic.default_sriov_enabled = None if default is None else default != 0
            elif keyword == "*numvfs":
                nic.configured_num_vfs = value
                nic.default_num_vfs = default
                nic.max_vfs = _as_int(prop(obj, "NumericParameterMaxValue"))
    return list(nics.values())


def _nic_config(nic: NicFacts) -> PhysicalAdapterConfig:
    enabled = nic.configured_sriov_enabled if nic.configured_sriov_enabled is not None else nic.sriov_enabled
    num_vfs = nic.configured_num_vfs if nic.configured_num_vfs is not None else nic.num_vfs
    return lenient(PhysicalAdapterConfig, dict(name=nic.name, sriov_enabled=enabled, num_vfs=num_vfs))


def _guids(value: t.Any) -> list[str]:
    """GUIDs as one spelling (lower case, no braces): CIM writes ``{UPPER}``, Hyper-V ``lower``."""
    return [str(item).strip("{}").lower() for item in _as_list(value) if item]


def _nic_names(descriptions: list[str], guids: list[str], nics: list[NicFacts]) -> list[str]:
    """The NICs a switch (or SET team) is bound to, by NetAdapterInterfaceGuid <-> InterfaceGuid.
    Descriptions are no key: a SET switch lists its members under the names its ports carry, which
    real hosts number anew ("X", "X #2") while Get-NetAdapter says "X #39" (HyperVDsc#217,
    microsoft/SDN#218). A host that gives no GUIDs (2016 RTM) leaves only the description."""
    by_guid = {nic.interface_guid: nic.name for nic in nics if nic.interface_guid}
    if guids:
        return [by_guid.get(guid) or (_nic_name(descriptions[i], nics) if i < len(descriptions) else guid)
                for i, guid in enumerate(guids)]
    return [_nic_name(item, nics) for item in descriptions]


def _nic_name(entry: str, nics: list[NicFacts]) -> str:
    for nic in nics:
        if nic.description and name_key(nic.description) == name_key(entry):
            return nic.name
    for nic in nics:
        if name_key(nic.name) == name_key(entry):
            return nic.name
    return entry


def _is_named_list(value: t.Any, extra: tuple = ()) -> bool:
    """A list of mappings, each with a string ``name`` (and the ``extra`` string keys)."""
    return isinstance(value, list) and all(
        isinstance(item, dict) and all(isinstance(item.get(key), str) for key in ("name",) + extra) for item in value
    )


def parse_parking(switch: SwitchFacts) -> ParkingRecord | None:
    """The recreate record of a real parking switch, or None for any other switch.

    A parking switch is Private, carries the reserved name of its target, and its Notes hold a
    record of the shape ``_reconcile_recreate.build_recreate`` writes. Anything less is an
    ordinary switch whatever its Notes say, so that Notes alone can never make a run hide or
    remove a switch (users cannot write the marker: ``_spec`` refuses it).
    """
    if switch.switch_type != "private" or not switch.notes.startswith(PARKING_MARKER):
        return None
    try:
        record = json.loads(switch.notes[len(PARKING_MARKER):])
    except ValueError:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("target"), str) or not record["target"]:
        return None
    run = record.get("run")
    if run is not None and not (isinstance(run, str) and run.isalnum()):
        return None
    # A run's own parking switch ends with its id (Hyper-V allows switches of one name, so a
    # shared name could not tell runs apart); records of earlier releases have no id.
    name = PARKING_PREFIX + record["target"] + (PARKING_RUN_SEPARATOR + run if run else "")
    if name_key(switch.name) != name_key(name):
        return None
    if not all(isinstance(record.get(key, 0), (int, float)) and not isinstance(record.get(key, 0), bool)
               for key in ("started", "expires")):
        return None
    if not all(isinstance(record.get(key, {}), dict) for key in ("original", "before")):
        return None
    if not (isinstance(record.get("switch"), dict) and isinstance(record.get("after"), dict)
            and _is_named_list(record.get("vm_adapters"), ("vm_name",))
            and _is_named_list(record.get("management_os"))
            and all(isinstance(item.get("settings", {}), dict) for item in record["management_os"])):
        return None
    return ParkingRecord(switch_name=switch.name, target=record["target"], record=record, switch_id=switch.id)


def _kinds(*type_names: str) -> frozenset:
    """The type names and their Select-Object projections, in lower case (see ``is_of``)."""
    return frozenset(name.lower() for type_name in type_names for name in (type_name, SELECTED + type_name))


_HV = "Microsoft.HyperV.PowerShell."
_VMHOST, _TEAM, _SWITCH = (name.lower() for name in (_HV + "VMHost", _HV + "VMSwitchTeam", _HV + "VMSwitch"))
_VM_TYPES = _kinds(_HV + "VirtualMachine")
_ADAPTER_TYPES = _kinds(_HV + "VMNetworkAdapterBase", _HV + "VMNetworkAdapter", _HV + "VMInternalNetworkAdapter")


def parse_observed(objects: list[PSObjectData]) -> Observed:
    """Everything the read returned, as typed records plus the gathered-shape config."""
    host = HostFacts()
    vms: list[VmFacts] = []
    switches: list[SwitchFacts] = []
    adapters: list[tuple[PSObjectData, AdapterFacts]] = []
    teams: dict[str, tuple[list[str], list[str], t.Any]] = {}
    for obj in objects:
        names = type_names_of(obj)
        if _VMHOST in names:
            host = _parse_host(obj)
        elif not names.isdisjoint(_VM_TYPES):
            vms.append(_parse_vm(obj))
        elif _TEAM in names:
            teams[name_key(str(prop(obj, "Name")))] = (
                [str(item) for item in _as_list(prop(obj, "NetAdapterInterfaceDescription"))],
                _guids(prop(obj, "NetAdapterInterfaceGuid")),
                prop(obj, "LoadBalancingAlgorithm"),
            )
        elif _SWITCH in names:
            switches.append(_parse_switch(obj))
        elif not names.isdisjoint(_ADAPTER_TYPES):
            adapters.append((obj, _parse_adapter(obj)))
    nics = _parse_nics(objects)
    named: dict[tuple, int] = {}
    for _obj, facts in adapters:
        key = facts.identity().name_key()
        named[key] = named.get(key, 0) + 1
    for _obj, facts in adapters:
        facts.name_unique = named[facts.identity().name_key()] == 1
    parking: list[ParkingRecord] = []
    live_switches: list[SwitchFacts] = []
    for switch in switches:
        members, member_guids, algorithm = teams.get(name_key(switch.name), ([], [], None))
        if name_key(switch.name) in teams:
            switch.load_balancing_algorithm = LOAD_BALANCING_NAMES.get(str(algorithm).lower(), _lower(algorithm))
        if members or member_guids:
            switch.team_members = _nic_names(members, member_guids or switch.nic_guids, nics)
            switch.nic_names = list(switch.team_members)
        elif switch.switch_type == "external":
            switch.nic_names = _nic_names(switch.nic_descriptions, switch.nic_guids, nics)
        record = parse_parking(switch)
        if record is not None:
            parking.append(record)
        else:
            live_switches.append(switch)
    bandwidth = _bandwidth_settings(objects)
    modes = {name_key(switch.name): switch.bandwidth_mode for switch in switches}
    for _obj, facts in adapters:
        _with_bandwidth(facts, modes.get(name_key(facts.switch_name or "")) if facts.switch_name else None, bandwidth)
    switch_configs = [
        lenient(SwitchConfig, dict(
            name=switch.name,
            switch_type=switch.switch_type,
            net_adapter_names=list(switch.nic_names) if switch.switch_type == "external" else None,
            enable_iov=switch.iov_enabled,
            allow_management_os=switch.allow_management_os,
            minimum_bandwidth_mode=switch.bandwidth_mode,
            load_balancing_algorithm=switch.load_balancing_algorithm,
            notes=switch.notes,
            **switch.settings,
        ))
        for switch in live_switches
    ]
    config = lenient_config({
        "physical_adapters": [
            _nic_config(nic) for nic in nics if nic.sriov_listed or nic.configured_sriov_enabled is not None
        ],
        "switches": switch_configs,
        "vm_adapters": [_adapter_config(obj, facts) for obj, facts in adapters],
    })
    return Observed(
        config=config,
        host=host,
        vms=vms,
        switches=live_switches,
        adapters=[facts for _obj, facts in adapters],
        nics=nics,
        parking=parking,
    )
