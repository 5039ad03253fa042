"""The endpoint served in process (real engine, real sockets, real TLS, real pypsrp client):
protocol corners that the end-to-end tests through the CLI do not reach."""

from __future__ import annotations

import json

import pytest
import requests
from pypsrp.exceptions import WSManFaultError
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.shell import WinRS
from pypsrp.wsman import WSMan

from hyperv_sriov_emulator import engine
from hyperv_sriov_emulator.model import HostState
from hyperv_sriov_emulator.server import Engine, EmulatorServer, ServeOptions
from hyperv_sriov_emulator.server.client import call_control, ControlError, wsman_kwargs


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    hosts = [HostState("hv-a"), HostState("hv-b")]
    server = EmulatorServer(
        hosts,
        ServeOptions(work_dir=str(tmp_path_factory.mktemp("endpoint"))),
        Engine(engine.invoke, engine.CommandSpec, lambda host: host.to_dict()),
    )
    ready = server.start()
    yield ready
    server.stop()


def _kwargs(ready, index=0, **overrides):
    return wsman_kwargs(ready["hosts"][index], **overrides)


@pytest.mark.parametrize("password", ["Pässwörd-1", "naïve-€-Passw0rd"])
def test_basic_credentials_outside_ascii_are_read_as_windows_reads_them(tmp_path, password):
    # requests (under pypsrp) sends Basic credentials in Latin-1; Windows reads them in the system's
    # ANSI code page (1252 on Western-European and US systems; chef/knife-windows issue 424 shows a
    # Russian host reading them in 1251), so "ä" gets in and "€" (not in Latin-1) cannot be sent.
    server = EmulatorServer([HostState("hv-a")], ServeOptions(work_dir=str(tmp_path), password=password),
                            Engine(engine.invoke, engine.CommandSpec, lambda host: host.to_dict()))
    ready = server.start()
    try:
        host = ready["hosts"][0]
        if "€" in password:
            with pytest.raises(UnicodeEncodeError):
                _count_hosts(host)
        else:
            assert _count_hosts(host) == 1
    finally:
        server.stop()


def _count_hosts(host):
    with RunspacePool(WSMan(**wsman_kwargs(host))) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMHost")
        return len(ps.invoke())


def test_each_host_has_its_own_port_and_model(served):
    first, second = served["hosts"]
    assert first["port"] != second["port"]
    with WSMan(**_kwargs(served, 0)) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("New-VMSwitch").add_parameter("Name", "only-on-a").add_parameter("SwitchType", "Private")
        ps.invoke()
        assert not ps.had_errors
    with WSMan(**_kwargs(served, 1)) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMHost")
        (host,) = ps.invoke()
        assert host.adapted_properties["Name"] == "hv-b"
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMSwitch")
        assert [obj.adapted_properties["Name"] for obj in ps.invoke()] == []


def test_pool_level_messages_and_config(served):
    with WSMan(**_kwargs(served)) as wsman:
        wsman.update_max_payload_size()
        assert wsman.max_envelope_size == 500 * 1024
        with RunspacePool(wsman) as pool:
            assert pool.is_alive()
            assert pool.get_available_runspaces() == 1
            pool.max_runspaces = 4
            pool.min_runspaces = 1
            assert (pool.min_runspaces, pool.max_runspaces) == (1, 4)
            pool.exchange_keys()
            pool.reset_runspace_state()


def test_large_output_is_fragmented_within_a_small_envelope(served):
    with WSMan(**_kwargs(served, 0, max_envelope_size=24_576)) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        for index in range(60):
            ps.add_cmdlet("New-VMSwitch").add_parameter("Name", "frag-%02d" % index)
            ps.add_parameter("SwitchType", "Private").add_statement()
        ps.add_cmdlet("Get-VMSwitch").add_parameter("Name", "frag-*")
        output = ps.invoke()
    assert not ps.had_errors, [str(e) for e in ps.streams.error]
    read_back = [obj.adapted_properties["Name"] for obj in output[60:]]
    assert sorted(read_back) == ["frag-%02d" % i for i in range(60)]


def test_unknown_shell_is_a_wsman_fault(served):
    with WSMan(**_kwargs(served)) as wsman:
        shell = WinRS(wsman, resource_uri="http://schemas.microsoft.com/powershell/Microsoft.PowerShell")
        from pypsrp.wsman import SelectorSet

        shell._selector_set = SelectorSet()
        shell._selector_set.add_option("ShellId", "00000000-0000-0000-0000-00000000BEEF")
        with pytest.raises(WSManFaultError) as err:
            shell.receive("stdout")
        assert err.value.code == 2150858843


def test_non_soap_requests(served):
    host = served["hosts"][0]
    base = "https://%s:%s" % (host["hostname"], host["port"])
    auth = (host["username"], host["password"])
    assert requests.get(base + "/wsman", verify=host["ca_cert"], auth=auth, timeout=10).status_code == 405
    assert requests.post(base + "/other", data=b"x", verify=host["ca_cert"], auth=auth, timeout=10).status_code == 404
    garbage = requests.post(base + "/wsman", data=b"<not xml", verify=host["ca_cert"], auth=auth, timeout=10,
                            headers={"Content-Type": "application/soap+xml;charset=UTF-8"})
    assert garbage.status_code == 500
    assert b"WSManFault" in garbage.content


def test_control_endpoint_needs_the_run_key(served):
    host = served["hosts"][0]
    answer = call_control(served, host, "state", {})
    assert answer["name"] == "hv-a"
    assert answer["state"]["name"] == "hv-a"
    with pytest.raises(ControlError):
        call_control(dict(served, control_key="0" * 64), host, "state", {})
    unsigned = requests.post("https://%s:%s/emulator/state" % (host["hostname"], host["port"]), data=b"{}",
                             verify=host["ca_cert"], timeout=10)
    assert unsigned.status_code == 401
    assert "signature" in json.loads(unsigned.content)["error"]


def test_idle_shells_expire_when_a_new_one_is_created(served, monkeypatch):
    from hyperv_sriov_emulator.server import psrp

    with WSMan(**_kwargs(served)) as first_wsman:
        abandoned = RunspacePool(first_wsman)
        abandoned.open()
        monkeypatch.setattr(psrp, "IDLE_TIMEOUT", 0.0)
        with WSMan(**_kwargs(served)) as wsman, RunspacePool(wsman) as pool:
            monkeypatch.setattr(psrp, "IDLE_TIMEOUT", 7200.0)
            assert pool.is_alive()
            assert not abandoned.is_alive()


def test_stop_ends_a_running_pipeline_between_statements(tmp_path):
    import threading

    entered, release = threading.Event(), threading.Event()

    def gated_invoke(host, statements):
        # The real engine, held at its first statement until the client has sent its stop.
        if not entered.is_set():
            entered.set()
            release.wait(10)
        return engine.invoke(host, statements)

    server = EmulatorServer([HostState("hv-stop")], ServeOptions(work_dir=str(tmp_path)),
                            Engine(gated_invoke, engine.CommandSpec, lambda host: host.to_dict()))
    ready = server.start()
    try:
        with WSMan(**_kwargs(ready)) as wsman, RunspacePool(wsman) as pool:
            ps = PowerShell(pool)
            ps.add_cmdlet("New-VMSwitch").add_parameter("Name", "first").add_parameter("SwitchType", "Private")
            ps.add_statement()
            ps.add_cmdlet("New-VMSwitch").add_parameter("Name", "second").add_parameter("SwitchType", "Private")
            ps.begin_invoke()
            assert entered.wait(10)
            ps.stop()
            release.set()
            endpoint = server.endpoints["hv-stop"]
            (shell,) = endpoint.shells.values()
            (run,) = shell.pipelines.values()
            run.thread.join(10)
            check = PowerShell(pool)
            check.add_cmdlet("Get-VMSwitch")
            assert [obj.adapted_properties["Name"] for obj in check.invoke()] == ["first"]
    finally:
        release.set()
        server.stop()
