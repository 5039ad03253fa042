"""Small helpers for the emulator's tests: build commands tersely, run them, read results."""

from __future__ import annotations

import contextlib
import typing as t

from hyperv_sriov_emulator import engine
from hyperv_sriov_emulator.model import HostState
from hyperv_sriov_emulator.psobj import PSObj, to_plain
from hyperv_sriov_emulator.scenario import load_scenario_text
from hyperv_sriov_emulator.server import Engine, EmulatorServer, ServeOptions

SWITCH = None


def cmd(name: str, *positional: t.Any, **named: t.Any) -> engine.CommandSpec:
    """``cmd("Get-VMSwitch", "x", SwitchType="External", Force=SWITCH)``; a trailing ``_`` in a
    keyword is dropped (``cmd("Stop-VM", Force=SWITCH)``)."""
    params: list[tuple[str | None, t.Any]] = [(None, value) for value in positional]
    params += [(key.rstrip("_"), value) for key, value in named.items()]
    return engine.CommandSpec(name, params)


def run(host: HostState, *statements: t.Any) -> engine.InvocationResult:
    """Each argument is a command or a list of commands (a pipeline)."""
    return engine.invoke(host, [s if isinstance(s, list) else [s] for s in statements])


def ok(host: HostState, *statements: t.Any) -> list[PSObj]:
    """Run and insist on no error at all; the output objects."""
    result = run(host, *statements)
    assert result.terminating is None, result.terminating
    assert result.errors == [], result.errors
    return result.output


@contextlib.contextmanager
def serving(hosts: list[HostState], work_dir: t.Any) -> t.Iterator[dict[str, t.Any]]:
    """The emulator's server for HOSTS on real sockets (ephemeral ports, state under WORK_DIR):
    its ready-file data (``ready["hosts"][i]`` for ``wsman_kwargs``), stopped on exit."""
    server = EmulatorServer(
        hosts,
        ServeOptions(work_dir=str(work_dir)),
        Engine(engine.invoke, engine.CommandSpec, lambda host: host.to_dict()),
    )
    ready = server.start()
    try:
        yield ready
    finally:
        server.stop()


def plain(obj: PSObj) -> dict[str, t.Any]:
    return {name: to_plain(value) for name, value in obj.all_properties()}


def adapter(host: HostState, vm_name: str, name: str | None = None) -> dict[str, t.Any]:
    objects = ok(host, cmd("Get-VMNetworkAdapter", VMName=vm_name, **({"Name": name} if name else {})))
    assert len(objects) == 1, objects
    return plain(objects[0])


def switch(host: HostState, name: str) -> dict[str, t.Any]:
    objects = ok(host, cmd("Get-VMSwitch", Name=name))
    assert len(objects) == 1
    return plain(objects[0])


def has_vf(host: HostState, vm_name: str) -> bool:
    return adapter(host, vm_name)["IovUsage"] == 1


def vf_reason(host: HostState, vm_name: str) -> str | None:
    vm = next(v for v in host.vms if v.name == vm_name)
    return vm.adapters[0].no_vf_reason


def host_from(text: str) -> HostState:
    hosts = load_scenario_text(text, source="test.yml")
    assert len(hosts) == 1
    return hosts[0]


BASIC = """
hosts:
  - name: HV
    os_version: "{version}"
    platform: {{iov_support: {platform_iov}}}
    physical_adapters:
      - name: SLOT 2 Port 1
        interface_description: NIC A
        num_vfs: {vfs}
        max_vfs: 16
        sriov_support: {support}
        sriov_enabled: {nic_enabled}
      - name: SLOT 2 Port 2
        interface_description: NIC B
        num_vfs: 4
        max_vfs: 16
    switches:
      - name: iov
        net_adapters: [SLOT 2 Port 1]
        enable_iov: true
      - name: plain
        net_adapters: [SLOT 2 Port 2]
      - name: inside
        type: Internal
      - name: private
        type: Private
    vms:
      - name: vm1
        state: {state}
        guest_sriov: {guest}
        adapters: [{{switch: {switch}, iov_weight: {weight}}}]
"""


def basic_host(version: str = "2022", platform_iov: bool = True, vfs: int = 4, support: str = "Supported",
               nic_enabled: bool = True, state: str = "Running", guest: bool = True, switch: str = "iov",
               weight: int = 100) -> HostState:
    def yaml_bool(value: bool) -> str:
        return "true" if value else "false"

    return host_from(BASIC.format(
        version=version, platform_iov=yaml_bool(platform_iov), vfs=vfs, support=support,
        nic_enabled=yaml_bool(nic_enabled), state=state, guest=yaml_bool(guest), switch=switch, weight=weight,
    ))
