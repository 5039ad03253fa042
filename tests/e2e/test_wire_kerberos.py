"""Kerberos into an emulated host, with the real client and a real KDC (tests/tools/kdc.py):
tickets from a password or from kinit's cache, Negotiate and the Kerberos scheme, message
encryption over HTTP, and the refusals a domain member gives."""

from __future__ import annotations

import base64

import pytest
import requests
import spnego
from pypsrp.exceptions import AuthenticationError, WinRMTransportError
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan


def _host_count(ready, **overrides):
    with WSMan(**ready.wsman_kwargs(**overrides)) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMHost")
        return len(ps.invoke())


@pytest.fixture(name="kerberos_host")
def kerberos_host_fixture(emulator_factory, kerberos_realm, kerberos_env):
    def start(tls=False, auth="kerberos"):
        return emulator_factory(auth=auth, tls=tls, keytab=kerberos_realm.keytab)

    return start


@pytest.mark.parametrize("tls", [False, True], ids=["http-encrypted", "https"])
def test_ticket_from_a_password_and_from_the_cache(kerberos_host, kerberos_realm, kerberos_env, tls):
    ready = kerberos_host(tls=tls)
    host = ready.host()
    # Kerberos users are the realm's: the ready file hands out no account.
    assert host["auth"] == "kerberos" and host["username"] is None and host["password"] is None
    assert _host_count(ready, server="localhost", username=kerberos_realm.principal,
                       password=kerberos_realm.password) == 1
    with pytest.raises(Exception, match="No Kerberos credentials"):
        _host_count(ready, server="localhost", username=None, password=None)
    kerberos_realm.kinit(kerberos_env["KRB5CCNAME"][len("FILE:"):])
    assert _host_count(ready, server="localhost", username=None, password=None) == 1


def test_http_refuses_unencrypted_messages(kerberos_host, kerberos_realm, kerberos_env):
    ready = kerberos_host()
    kerberos_realm.kinit(kerberos_env["KRB5CCNAME"][len("FILE:"):])
    with pytest.raises(WinRMTransportError) as err:
        _host_count(ready, server="localhost", username=None, password=None, encryption="never")
    assert err.value.code == 400


def _post(host, authorization=None, body=b""):
    headers = {"Content-Type": "application/soap+xml;charset=UTF-8"}
    if authorization:
        headers["Authorization"] = authorization
    return requests.post("http://localhost:%s/wsman" % host["port"], data=body, headers=headers, timeout=10)


def test_kerberos_scheme_and_negotiate_are_offered_and_the_kerberos_scheme_is_taken(
        kerberos_host, kerberos_realm, kerberos_env):
    host = kerberos_host().host()
    challenge = _post(host).headers["WWW-Authenticate"]
    assert "Negotiate" in challenge and "Kerberos" in challenge and "NTLM" not in challenge
    kerberos_realm.kinit(kerberos_env["KRB5CCNAME"][len("FILE:"):])
    client = spnego.client(hostname="localhost", service="HTTP", protocol="kerberos")
    answer = _post(host, "Kerberos " + base64.b64encode(client.step()).decode())
    assert answer.status_code == 200
    # Mutual authentication: the host proves it holds the service key.
    scheme, token = answer.headers["WWW-Authenticate"].split(" ", 1)
    assert scheme == "Kerberos"
    client.step(base64.b64decode(token))
    assert client.complete


def test_ticket_for_another_hosts_service_principal_is_refused(kerberos_host, kerberos_realm, kerberos_env,
                                                               other_service):
    # The KDC issues the ticket (the SPN exists), but for another account: the host cannot
    # decrypt it and answers 401, as a Windows host does.
    ready = kerberos_host()
    kerberos_realm.kinit(kerberos_env["KRB5CCNAME"][len("FILE:"):])
    service, name = other_service.split("/", 1)
    with pytest.raises(AuthenticationError):
        _host_count(ready, server="localhost", username=None, password=None,
                    negotiate_service=service, negotiate_hostname_override=name)
    assert _host_count(ready, server="localhost", username=None, password=None, negotiate_service="HTTP") == 1


def test_kerberos_only_host_refuses_ntlm_and_negotiate_host_takes_both(kerberos_host, kerberos_realm, kerberos_env):
    kerberos_only = kerberos_host(auth="kerberos")
    both = kerberos_host(auth="negotiate")
    ntlm = both.host()
    assert ntlm["username"] and ntlm["password"]
    with pytest.raises(AuthenticationError):
        _host_count(kerberos_only, auth="ntlm", username=ntlm["username"], password=ntlm["password"])
    assert _host_count(both, auth="ntlm", username=ntlm["username"], password=ntlm["password"]) == 1
    kerberos_realm.kinit(kerberos_env["KRB5CCNAME"][len("FILE:"):])
    assert _host_count(both, server="localhost", auth="negotiate", username=None, password=None) == 1


def test_serve_needs_a_keytab_for_kerberos(emulator_cli, tmp_path):
    done = emulator_cli("serve", "--scenario", "capable", "--ready-file", str(tmp_path / "r.json"),
                        "--auth", "kerberos")
    assert done.returncode == 2
    assert "--keytab" in done.stderr
    done = emulator_cli("serve", "--scenario", "capable", "--ready-file", str(tmp_path / "r.json"),
                        "--auth", "kerberos", "--keytab", str(tmp_path / "missing.keytab"))
    assert done.returncode == 2
    assert "does not exist" in done.stderr


def test_spn_goes_to_the_ready_file_and_the_inventory(emulator_starter, kerberos_realm, tmp_path):
    import yaml

    ready = emulator_starter(str(tmp_path / "emu"), auth="kerberos", keytab=kerberos_realm.keytab,
                             extra_args=["--spn", "HTTP/localhost"])
    assert ready.host()["spn"] == "HTTP/localhost"
    done = ready.cli("inventory")
    assert done.returncode == 0, done.stderr
    entry = next(iter(yaml.safe_load(done.stdout)["all"]["children"]["hyperv"]["hosts"].values()))
    assert entry["ansible_psrp_auth"] == "kerberos"
    assert entry["ansible_psrp_negotiate_service"] == "HTTP"
    assert entry["ansible_psrp_negotiate_hostname_override"] == "localhost"
    assert "ansible_password" not in entry and "ansible_user" not in entry
    bad = emulator_starter
    with pytest.raises(RuntimeError, match="SERVICE/NAME"):
        bad(str(tmp_path / "bad"), auth="kerberos", keytab=kerberos_realm.keytab, extra_args=["--spn", "localhost"])
