"""Scenario files: a few lines of YAML that describe whole hosts (docs/emulator.md, "Scenarios").

``load_scenario(path)`` accepts a file path or the bare name of a shipped scenario
(``load_scenario("capable")`` reads ``hyperv_sriov_emulator/scenarios/capable.yml``). Every
mistake raises ``ScenarioError`` naming the file and the field path, e.g.
``scenario.yml: hosts[0].vms[2].generation: must be 1 or 2``.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import yaml

from .model import HostState, VirtualMachine, VSwitch, operations, versions
from .model.enums import ENUMS, INTERRUPT_MODERATION, LOAD_BALANCING, ON_OFF, PORT_MIRRORING, SRIOV_SUPPORT, VRSS_AFFINITY, VRSS_SCHEDULING, canonical_name
from .model.reasons import PLATFORM_REASONS

SHIPPED = Path(__file__).parent / "scenarios"


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; the message names the file and the field."""


def shipped_scenarios() -> list[str]:
    return sorted(p.stem for p in SHIPPED.glob("*.yml"))


def load_scenario(path: str | Path) -> list[HostState]:
    candidate = Path(path)
    if not candidate.exists() and candidate.suffix == "" and candidate.name == str(path):
        shipped = SHIPPED / (str(path) + ".yml")
        if shipped.exists():
            candidate = shipped
    try:
        text = candidate.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError("%s: cannot read the scenario: %s" % (path, exc.strerror or exc)) from None
    return load_scenario_text(text, source=candidate.name if candidate.parent == SHIPPED else str(path))


def load_scenario_text(text: str, source: str = "<text>") -> list[HostState]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = " (line %d, column %d)" % (mark.line + 1, mark.column + 1) if mark else ""
        raise ScenarioError("%s: not valid YAML%s: %s" % (source, where, getattr(exc, "problem", exc))) from None
    return _Loader(source).load(data)


# Adapter settings a scenario may give: key -> (settings key, kind, since).
_ADAPTER_KEYS: dict[str, tuple[str, str, str | None]] = {
    "iov_weight": ("IovWeight", "range:0:100", None),
    "iov_queue_pairs_requested": ("IovQueuePairsRequested", "range:1:4294967295", None),
    "iov_interrupt_moderation": ("IovInterruptModeration", "enum:" + INTERRUPT_MODERATION, None),
    "vmq_weight": ("VMQWeight", "range:0:100", None),
    "ipsec_offload_max_sa": ("IPsecOffloadMaxSA", "range:0:4294967295", None),
    "mac_address_spoofing": ("MacAddressSpoofing", "enum:" + ON_OFF, None),
    "dhcp_guard": ("DhcpGuard", "enum:" + ON_OFF, None),
    "router_guard": ("RouterGuard", "enum:" + ON_OFF, None),
    "ieee_priority_tag": ("IeeePriorityTag", "enum:" + ON_OFF, None),
    "allow_teaming": ("AllowTeaming", "enum:" + ON_OFF, None),
    "port_mirroring": ("PortMirroringMode", "enum:" + PORT_MIRRORING, None),
    "minimum_bandwidth_weight": ("MinimumBandwidthWeight", "range:0:100", None),
    "minimum_bandwidth_absolute": ("MinimumBandwidthAbsolute", "range:0:9223372036854775807", None),
    "maximum_bandwidth": ("MaximumBandwidth", "range:0:9223372036854775807", None),
    "vrss_enabled": ("VrssEnabledRequested", "bool", "2016"),
    "vmmq_enabled": ("VmmqEnabledRequested", "bool", "2016"),
    "vrss_max_queue_pairs": ("VrssMaxQueuePairsRequested", "range:1:4294967295", "2016"),
    "device_naming": ("DeviceNaming", "enum:" + ON_OFF, "2016"),
    "vrss_min_queue_pairs": ("VrssMinQueuePairsRequested", "range:1:4294967295", "2019"),
    "vrss_queue_scheduling_mode": ("VrssQueueSchedulingModeRequested", "enum:" + VRSS_SCHEDULING, "2019"),
    "vrss_exclude_primary_processor": ("VrssExcludePrimaryProcessorRequested", "bool", "2019"),
    "vrss_independent_host_spreading": ("VrssIndependentHostSpreadingRequested", "bool", "2019"),
    "vrss_vmbus_channel_affinity_policy": ("VrssVmbusChannelAffinityPolicyRequested", "enum:" + VRSS_AFFINITY, "2019"),
}
_VM_ONLY_KEYS = ("iov_weight", "iov_queue_pairs_requested", "iov_interrupt_moderation")


def _yaml_on_off(value: t.Any) -> t.Any:
    # YAML 1.1 reads a bare On/Off as a boolean; in a scenario they mean the names.
    if value is True:
        return "On"
    if value is False:
        return "Off"
    return value


class _Loader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> t.NoReturn:
        raise ScenarioError("%s: %s: %s" % (self.source, path, message))

    # -- generic checks -------------------------------------------------------------------------
    def mapping(self, value: t.Any, path: str, allowed: t.Iterable[str], required: t.Iterable[str] = ()) -> dict:
        if not isinstance(value, dict):
            self.fail(path, "must be a mapping")
        allowed = set(allowed)
        for key in value:
            if key not in allowed:
                self.fail("%s.%s" % (path, key), "unknown field (allowed: %s)" % ", ".join(sorted(allowed)))
        for key in required:
            if key not in value:
                self.fail("%s.%s" % (path, key), "is required")
        return value

    def list_of(self, value: t.Any, path: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, "must be a list")
        return value

    def string(self, value: t.Any, path: str, allow_empty: bool = False) -> str:
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            self.fail(path, "must be a non-empty string" if not allow_empty else "must be a string")
        return value

    def boolean(self, value: t.Any, path: str) -> bool:
        if not isinstance(value, bool):
            self.fail(path, "must be true or false")
        return value

    def integer(self, value: t.Any, path: str, low: int, high: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, "must be an integer")
        if value < low or (high is not None and value > high):
            self.fail(path, "must be between %d and %d" % (low, high) if high is not None else "must be %d or more" % low)
        return value

    def enum(self, value: t.Any, path: str, type_name: str, exclude: t.Iterable[str] = ()) -> str:
        value = _yaml_on_off(value)
        name = canonical_name(type_name, value) if isinstance(value, str) else None
        allowed = [n for n in ENUMS[type_name] if n not in exclude]
        if name is None or name in exclude:
            self.fail(path, "must be one of %s" % ", ".join(allowed))
        return name

    def typed(self, kind: str, value: t.Any, path: str) -> t.Any:
        if kind == "bool":
            return self.boolean(value, path)
        if kind.startswith("range:"):
            _, low, high = kind.split(":")
            return self.integer(value, path, int(low), int(high))
        if kind.startswith("enum:"):
            exclude = ("None",) if kind.endswith("VrssVmbusChannelAffinityPolicyType") else ()
            return self.enum(value, path, kind[5:], exclude)
        raise AssertionError(kind)

    def mac(self, value: t.Any, path: str) -> str:
        text = self.string(value, path).replace("-", "").replace(":", "").upper()
        if len(text) != 12 or any(c not in "0123456789ABCDEF" for c in text):
            self.fail(path, "must be a MAC address (12 hexadecimal digits)")
        return text

    # -- document -------------------------------------------------------------------------------
    def load(self, data: t.Any) -> list[HostState]:
        if data is None:
            self.fail("hosts", "is required")
        self.mapping(data, "(top)", ("hosts",), ("hosts",))
        hosts_raw = self.list_of(data["hosts"], "hosts")
        if not hosts_raw:
            self.fail("hosts", "must list at least one host")
        hosts: list[HostState] = []
        names: set[str] = set()
        ports: set[int] = set()
        for i, raw in enumerate(hosts_raw):
            host = self.host(raw, "hosts[%d]" % i)
            if host.name.lower() in names:
                self.fail("hosts[%d].name" % i, "duplicate host name %r" % host.name)
            if host.port is not None:
                if host.port in ports:
                    self.fail("hosts[%d].port" % i, "port %d is used by another host" % host.port)
                ports.add(host.port)
            names.add(host.name.lower())
            hosts.append(host)
        return hosts

    def host(self, raw: t.Any, path: str) -> HostState:
        self.mapping(raw, path, ("name", "os_version", "port", "platform", "physical_adapters", "switches",
                                 "management_adapters", "vms"), ("name",))
        name = self.string(raw["name"], path + ".name")
        os_version = str(raw.get("os_version", versions.DEFAULT_VERSION)).lower().replace(" ", "")
        if os_version not in versions.VERSIONS:
            self.fail(path + ".os_version", "must be one of %s" % ", ".join(versions.VERSIONS))
        port = self.integer(raw["port"], path + ".port", 1, 65535) if raw.get("port") is not None else None
        platform = self.mapping(raw.get("platform") or {}, path + ".platform",
                                ("iov_support", "iov_support_reasons", "logical_processors", "memory_gb"))
        iov = self.boolean(platform.get("iov_support", True), path + ".platform.iov_support")
        reasons = []
        for j, reason in enumerate(self.list_of(platform.get("iov_support_reasons"), path + ".platform.iov_support_reasons")):
            text = self.string(reason, "%s.platform.iov_support_reasons[%d]" % (path, j))
            reasons.append(PLATFORM_REASONS.get(text, text))
        if iov and reasons:
            self.fail(path + ".platform.iov_support_reasons", "must be empty when iov_support is true")
        if not iov and not reasons:
            reasons = [PLATFORM_REASONS["bios_iov_disabled"]]
        host = HostState(
            name, os_version, port=port, iov_support_reasons=reasons,
            logical_processor_count=self.integer(platform.get("logical_processors", 32),
                                                 path + ".platform.logical_processors", 1, 2048),
            memory_capacity_bytes=self.integer(platform.get("memory_gb", 256), path + ".platform.memory_gb", 1) * 1024**3,
        )
        for j, nic in enumerate(self.list_of(raw.get("physical_adapters"), path + ".physical_adapters")):
            self.nic(host, nic, "%s.physical_adapters[%d]" % (path, j))
        for j, sw in enumerate(self.list_of(raw.get("switches"), path + ".switches")):
            self.switch(host, sw, "%s.switches[%d]" % (path, j))
        for j, vnic in enumerate(self.list_of(raw.get("management_adapters"), path + ".management_adapters")):
            self.management_adapter(host, vnic, "%s.management_adapters[%d]" % (path, j))
        vm_names: set[str] = set()
        for j, vm in enumerate(self.list_of(raw.get("vms"), path + ".vms")):
            self.vms(host, vm, "%s.vms[%d]" % (path, j), vm_names)
        host.reallocate()
        return host

    def nic(self, host: HostState, raw: t.Any, path: str) -> None:
        self.mapping(raw, path, ("name", "interface_description", "link_speed_gbps", "sriov_support", "sriov_enabled",
                                 "num_vfs", "max_vfs", "pending", "queue_pairs", "max_queue_pairs_per_vf",
                                 "vmq_queues", "connected", "enabled", "mac_address", "friendly_name"), ("name",))
        name = self.string(raw["name"], path + ".name")
        if host.nic(name) is not None:
            self.fail(path + ".name", "duplicate physical adapter name %r" % name)
        description = self.string(raw.get("interface_description") or "Emulated Ethernet Adapter #%d" % (len(host.nics) + 1),
                                  path + ".interface_description")
        if host.nic_by_description(description) is not None:
            self.fail(path + ".interface_description", "duplicate interface description %r" % description)
        support_raw = raw.get("sriov_support", "Supported")
        support = None if support_raw in (None, "none", "None") else self.enum(support_raw, path + ".sriov_support", SRIOV_SUPPORT)
        max_vfs = self.integer(raw.get("max_vfs", 64 if support else 0), path + ".max_vfs", 0, 256)
        enabled = self.boolean(raw.get("sriov_enabled", support is not None), path + ".sriov_enabled")
        num_vfs = self.integer(raw.get("num_vfs", min(max_vfs, 32)), path + ".num_vfs", 0, max_vfs)
        if support is None and (raw.get("sriov_enabled") or raw.get("num_vfs")):
            self.fail(path + ".sriov_support", "is none, so sriov_enabled and num_vfs cannot be set")
        pending = self.mapping(raw.get("pending") or {}, path + ".pending", ("sriov_enabled", "num_vfs"))
        cfg_enabled = self.boolean(pending.get("sriov_enabled", enabled), path + ".pending.sriov_enabled")
        cfg_vfs = self.integer(pending.get("num_vfs", num_vfs), path + ".pending.num_vfs", 0, max_vfs)
        speed = raw.get("link_speed_gbps", 10)
        if isinstance(speed, bool) or not isinstance(speed, (int, float)) or speed <= 0:
            self.fail(path + ".link_speed_gbps", "must be a positive number")
        operations.add_nic(
            host, name, description,
            link_speed_bps=int(speed * 1_000_000_000),
            sriov_support=support,
            max_vfs=max_vfs,
            sriov_enabled_configured=cfg_enabled,
            num_vfs_configured=cfg_vfs,
            sriov_enabled_effective=enabled,
            num_vfs_effective=num_vfs,
            queue_pairs=self.integer(raw.get("queue_pairs", 128), path + ".queue_pairs", 0),
            max_queue_pairs_per_vf=self.integer(raw.get("max_queue_pairs_per_vf", 8), path + ".max_queue_pairs_per_vf", 1),
            vmq_queues=self.integer(raw.get("vmq_queues", 31), path + ".vmq_queues", 0),
            connected=self.boolean(raw.get("connected", True), path + ".connected"),
            admin_enabled=self.boolean(raw.get("enabled", True), path + ".enabled"),
            mac_address=self.mac(raw["mac_address"], path + ".mac_address") if "mac_address" in raw else None,
            friendly_name=self.string(raw["friendly_name"], path + ".friendly_name") if "friendly_name" in raw else None,
        )

    def switch(self, host: HostState, raw: t.Any, path: str) -> None:
        self.mapping(raw, path, ("name", "type", "net_adapters", "enable_iov", "minimum_bandwidth_mode",
                                 "allow_management_os", "embedded_teaming", "load_balancing_algorithm",
                                 "packet_direct", "notes", "default_flow_minimum_bandwidth_weight",
                                 "default_flow_minimum_bandwidth_absolute"), ("name",))
        name = self.string(raw["name"], path + ".name")
        if any(sw.name.lower() == name.lower() for sw in host.switches):
            self.fail(path + ".name", "duplicate switch name %r" % name)
        nic_names = self.list_of(raw.get("net_adapters"), path + ".net_adapters")
        for k, nic_name in enumerate(nic_names):
            npath = "%s.net_adapters[%d]" % (path, k)
            nic = host.nic(self.string(nic_name, npath))
            if nic is None:
                self.fail(npath, "no physical adapter named %r" % nic_name)
            bound = host.switch_of_nic(nic.name)
            if bound is not None:
                self.fail(npath, "%r is already bound to switch %r" % (nic.name, bound.name))
        kind = raw.get("type", "External" if nic_names else "Internal")
        if kind not in ("External", "Internal", "Private"):
            self.fail(path + ".type", "must be External, Internal or Private")
        if (kind == "External") != bool(nic_names):
            self.fail(path + ".net_adapters", "an External switch needs net_adapters; Internal/Private take none")
        teaming = raw.get("embedded_teaming", len(nic_names) > 1)
        teaming = self.boolean(teaming, path + ".embedded_teaming")
        if teaming and not host.supports("2016"):
            self.fail(path + ".embedded_teaming", "Switch Embedded Teaming needs Windows Server 2016 or later")
        iov = self.boolean(raw.get("enable_iov", False), path + ".enable_iov")
        mode = self.enum(raw.get("minimum_bandwidth_mode", "Default"), path + ".minimum_bandwidth_mode",
                         "Microsoft.HyperV.PowerShell.VMSwitchBandwidthMode")
        broken = operations.check_switch(len(nic_names), teaming, iov, mode)
        if broken == operations.SEVERAL_NICS_WITHOUT_TEAMING:
            self.fail(path + ".embedded_teaming", "must be true for a switch with several net_adapters")
        if broken == operations.TEAMING_WITHOUT_NIC:
            self.fail(path + ".embedded_teaming", "embedded teaming needs net_adapters")
        if broken == operations.TOO_MANY_NICS:
            self.fail(path + ".net_adapters", "a team has at most %d adapters" % operations.MAX_TEAM_SIZE)
        if broken == operations.IOV_WITH_BANDWIDTH_WEIGHTS:
            self.fail(path + ".minimum_bandwidth_mode", "an IOV switch takes Default or None")
        packet_direct = self.boolean(raw.get("packet_direct", False), path + ".packet_direct")
        if packet_direct and not host.supports("2016"):
            self.fail(path + ".packet_direct", "PacketDirect needs Windows Server 2016 or later")
        sw = operations.create_switch(
            host, name, nic_names=nic_names, internal=kind == "Internal", iov_enabled=iov, bandwidth_mode=mode,
            packet_direct=packet_direct, embedded_teaming=teaming,
            allow_management_os=self.boolean(raw.get("allow_management_os", True), path + ".allow_management_os"),
            notes=self.string(raw.get("notes", ""), path + ".notes", allow_empty=True),
        )
        if "load_balancing_algorithm" in raw:
            if not teaming:
                self.fail(path + ".load_balancing_algorithm", "applies to embedded teaming switches only")
            sw.load_balancing_algorithm = self.enum(raw["load_balancing_algorithm"], path + ".load_balancing_algorithm",
                                                    LOAD_BALANCING)
        for key, mode_needed in (("default_flow_minimum_bandwidth_weight", "Weight"),
                                 ("default_flow_minimum_bandwidth_absolute", "Absolute")):
            if key in raw:
                if sw.bandwidth_mode != mode_needed:
                    self.fail("%s.%s" % (path, key), "needs bandwidth mode %s (this switch has %s)" % (mode_needed, sw.bandwidth_mode))
                value = self.integer(raw[key], "%s.%s" % (path, key), 0, 100 if mode_needed == "Weight" else None)
                setattr(sw, key, value)

    def _switch_ref(self, host: HostState, value: t.Any, path: str) -> VSwitch | None:
        if value is None:
            return None
        name = self.string(value, path)
        for sw in host.switches:
            if sw.name.lower() == name.lower():
                return sw
        self.fail(path, "no switch named %r" % name)

    def _settings(self, host: HostState, raw: dict, path: str, sw: VSwitch | None, vm_adapter: bool) -> dict:
        settings = {}
        for key, (target, kind, since) in _ADAPTER_KEYS.items():
            if key not in raw:
                continue
            if not vm_adapter and key in _VM_ONLY_KEYS:
                self.fail("%s.%s" % (path, key), "management-OS adapters have no SR-IOV settings")
            if not host.supports(since):
                self.fail("%s.%s" % (path, key), "not available on %s (needs %s or later)"
                          % (versions.DISPLAY[host.os_version], versions.DISPLAY[since]))
            settings[target] = self.typed(kind, raw[key], "%s.%s" % (path, key))
        for key, mode in (("minimum_bandwidth_weight", "Weight"), ("minimum_bandwidth_absolute", "Absolute")):
            if key in raw and sw is not None and sw.bandwidth_mode != mode:
                self.fail("%s.%s" % (path, key), "switch %r has bandwidth mode %s" % (sw.name, sw.bandwidth_mode))
        low = settings.get("VrssMinQueuePairsRequested")
        high = settings.get("VrssMaxQueuePairsRequested", 16)
        if low is not None and low > high:
            self.fail(path + ".vrss_min_queue_pairs", "must not exceed vrss_max_queue_pairs (%d)" % high)
        return settings

    def management_adapter(self, host: HostState, raw: t.Any, path: str) -> None:
        self.mapping(raw, path, ("name", "switch", "mac_address") + tuple(k for k in _ADAPTER_KEYS if k not in _VM_ONLY_KEYS),
                     ("name", "switch"))
        name = self.string(raw["name"], path + ".name")
        sw = self._switch_ref(host, raw["switch"], path + ".switch")
        if any(a.name.lower() == name.lower() for a in host.management_adapters):
            self.fail(path + ".name", "duplicate management adapter name %r (switches with management OS access "
                                      "already have one named after the switch)" % name)
        settings = self._settings(host, raw, path, sw, vm_adapter=False)
        adapter = operations.add_host_vnic(host, name, sw, mac=self.mac(raw["mac_address"], path + ".mac_address")
                                           if "mac_address" in raw else None)
        adapter.settings.update(settings)

    def vms(self, host: HostState, raw: t.Any, path: str, names: set[str]) -> None:
        self.mapping(raw, path, ("name", "count", "generation", "state", "guest_sriov", "processor_count",
                                 "memory_mb", "notes", "adapters", "shutdown_integration_service"), ("name",))
        pattern = self.string(raw["name"], path + ".name")
        count = self.integer(raw.get("count", 1), path + ".count", 1, 5000)
        if count > 1 and "{n}" not in pattern:
            self.fail(path + ".name", "must contain {n} when count is more than 1")
        generation = raw.get("generation", 2)
        if generation not in (1, 2) or isinstance(generation, bool):
            self.fail(path + ".generation", "must be 1 or 2")
        state = _yaml_on_off(raw.get("state", "Off"))
        if state not in ("Running", "Off", "Saved", "Paused"):
            self.fail(path + ".state", "must be Running, Off, Saved or Paused")
        guest = self.boolean(raw.get("guest_sriov", True), path + ".guest_sriov")
        shutdown = self.boolean(raw.get("shutdown_integration_service", True),
                                path + ".shutdown_integration_service")
        cpus = self.integer(raw.get("processor_count", 2), path + ".processor_count", 1, 240)
        memory = self.integer(raw.get("memory_mb", 4096), path + ".memory_mb", 32)
        notes = self.string(raw.get("notes", ""), path + ".notes", allow_empty=True)
        adapters = self.list_of(raw.get("adapters"), path + ".adapters")
        for n in range(1, count + 1):
            name = pattern.replace("{n}", str(n))
            if name.lower() in names:
                self.fail(path + ".name", "duplicate VM name %r" % name)
            names.add(name.lower())
            vm = operations.add_vm(host, name, generation=generation, state=state, guest_sriov=guest,
                                   processor_count=cpus, memory_startup_bytes=memory * 1024**2, notes=notes,
                                   shutdown_service=shutdown)
            for k, adapter in enumerate(adapters):
                self.vm_adapter(host, vm, adapter, "%s.adapters[%d]" % (path, k), count == 1)

    def vm_adapter(self, host: HostState, vm: VirtualMachine, raw: t.Any, path: str, allow_mac: bool) -> None:
        self.mapping(raw, path, ("name", "switch", "legacy", "mac_address") + tuple(_ADAPTER_KEYS))
        legacy = self.boolean(raw.get("legacy", False), path + ".legacy")
        if legacy and vm.generation != 1:
            self.fail(path + ".legacy", "legacy adapters exist on generation 1 VMs only")
        name = self.string(raw.get("name", "Legacy Network Adapter" if legacy else "Network Adapter"), path + ".name")
        sw = self._switch_ref(host, raw.get("switch"), path + ".switch")
        if "mac_address" in raw and not allow_mac:
            self.fail(path + ".mac_address", "cannot be set on VMs created with count")
        mac = self.mac(raw["mac_address"], path + ".mac_address") if "mac_address" in raw else None
        settings = self._settings(host, raw, path, sw, vm_adapter=True)
        adapter = operations.add_vm_adapter(host, vm, name, sw, is_legacy=legacy, static_mac=mac)
        adapter.settings.update(settings)
