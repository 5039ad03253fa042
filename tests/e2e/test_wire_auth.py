"""Who gets in: credentials, certificates and message encryption, with the real client."""

from __future__ import annotations

import pytest
import requests
from pypsrp.exceptions import AuthenticationError, WinRMTransportError
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan


def _host_count(ready, **overrides):
    with WSMan(**ready.wsman_kwargs(**overrides)) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMHost")
        return len(ps.invoke())


@pytest.mark.parametrize("auth, tls", [("basic", True), ("ntlm", False), ("ntlm", True)])
def test_right_password_gets_in_and_wrong_password_is_refused(emulator_factory, auth, tls):
    ready = emulator_factory(auth=auth, tls=tls)
    assert _host_count(ready) == 1
    with pytest.raises(AuthenticationError):
        _host_count(ready, password="not-the-password")
    with pytest.raises(AuthenticationError):
        _host_count(ready, username="someone-else")


def test_negotiate_client_works_against_ntlm_host(emulator_factory):
    ready = emulator_factory(auth="ntlm", tls=False)
    assert _host_count(ready, auth="negotiate") == 1


def test_missing_credentials_are_refused(emulator_factory):
    ready = emulator_factory()
    host = ready.host()
    url = "https://%s:%s/wsman" % (host["hostname"], host["port"])
    response = requests.post(url, data=b"<s:Envelope/>", verify=host["ca_cert"], timeout=10,
                             headers={"Content-Type": "application/soap+xml;charset=UTF-8"})
    assert response.status_code == 401
    assert "Basic" in response.headers["WWW-Authenticate"]

    ntlm = emulator_factory(auth="ntlm", tls=False).host()
    response = requests.post("http://%s:%s/wsman" % (ntlm["hostname"], ntlm["port"]), data=b"x", timeout=10)
    assert response.status_code == 401
    assert "Negotiate" in response.headers["WWW-Authenticate"]


def test_ntlm_over_http_refuses_unencrypted_messages(emulator_factory):
    ready = emulator_factory(auth="ntlm", tls=False)
    with pytest.raises(WinRMTransportError) as err:
        _host_count(ready, encryption="never")
    assert err.value.code == 400


def test_untrusted_certificate_is_refused_and_the_run_ca_is_accepted(emulator_factory, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    ready = emulator_factory()
    with pytest.raises(requests.exceptions.SSLError):
        _host_count(ready, cert_validation=True)
    assert _host_count(ready) == 1  # cert_validation=<the run's CA file>


def test_client_certificate_auth(emulator_factory):
    ready = emulator_factory(auth="certificate")
    host = ready.host()
    assert host["client_cert"] and host["client_key"]
    assert _host_count(ready) == 1
    # The same host does not take a password instead of the certificate.
    with pytest.raises(AuthenticationError):
        _host_count(ready, auth="basic", username=host["username"], password=host["password"] or "x")


def test_every_run_has_its_own_password_and_ca(emulator_factory):
    first = emulator_factory(fresh=True)
    second = emulator_factory(fresh=True)
    assert len(first.host()["password"]) >= 20
    assert first.host()["password"] != second.host()["password"]
    with open(first.host()["ca_cert"]) as a, open(second.host()["ca_cert"]) as b:
        assert a.read() != b.read()
    # A client that trusts only the first run's CA does not trust the second run's server.
    with pytest.raises(requests.exceptions.SSLError):
        _host_count(second, cert_validation=first.host()["ca_cert"])
