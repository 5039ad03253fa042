# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection over Kerberos as a domain admin runs it: ansible-playbook, an inventory of psrp
variables, a real MIT KDC (tests/tools/kdc.py) and an emulated host that accepts tickets with its
keytab. Each failure a domain admin meets is asserted by the message that names its cause."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import typing as t

import pytest
import yaml


HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK = os.path.join(HERE, "playbooks", "kerberos.yml")
HOST = "HV-CAPABLE"
RECAP = re.compile(r"^%s\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)" % HOST, re.M)


class Run(t.NamedTuple):
    rc: int
    output: str

    @property
    def ok(self) -> bool:
        match = RECAP.search(self.output)
        return self.rc == 0 and match is not None and match.group(4) == "0" and "kerberos-read-ok" in self.output


@pytest.fixture(name="kerberos_lab")
def kerberos_lab_fixture(emulator_factory, kerberos_realm, kerberos_env, ansible_env, tmp_path):
    def run(tls: bool = False, verbosity: int = 0, prefix: t.Sequence[str] = (), extra_env: dict | None = None,
            **variables: t.Any) -> Run:
        ready = emulator_factory(auth="kerberos", tls=tls, keytab=kerberos_realm.keytab)
        host = ready.host()
        entry: dict[str, t.Any] = {
            "ansible_connection": "psrp",
            "ansible_host": "localhost",
            "ansible_port": host["port"],
            "ansible_psrp_protocol": host["protocol"],
            "ansible_psrp_auth": "kerberos",
        }
        if tls:
            entry.update(ansible_psrp_cert_validation="validate", ansible_psrp_ca_cert=host["ca_cert"])
        entry.update(variables)
        entry = {name: value for name, value in entry.items() if value is not None}
        inventory = tmp_path / "inventory.yml"
        inventory.write_text(yaml.safe_dump({"all": {"children": {"hyperv": {"hosts": {HOST: entry}}}}}))
        env = dict(ansible_env, **kerberos_env, ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
        env.update(extra_env or {})
        command = [*prefix, "ansible-playbook", "-i", str(inventory), PLAYBOOK]
        if verbosity:
            command.append("-" + "v" * verbosity)
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)
        return Run(done.returncode, done.stdout + done.stderr)

    return run


def _kinit(realm: t.Any, env: dict[str, str], *extra: str) -> str:
    ccache = env["KRB5CCNAME"][len("FILE:"):]
    realm.kinit(ccache, extra=extra)
    return ccache


def _tickets(realm: t.Any, ccache: str) -> str:
    return subprocess.run(["klist", ccache], capture_output=True, text=True, check=True,
                          env=dict(os.environ, KRB5_CONFIG=realm.krb5_conf)).stdout


def test_user_with_realm_and_password_over_http_with_encryption(kerberos_lab, kerberos_realm):
    run = kerberos_lab(ansible_user=kerberos_realm.principal, ansible_password=kerberos_realm.password)
    assert run.ok, run.output


def test_ticket_from_kinit_over_https_without_a_password(kerberos_lab, kerberos_realm, kerberos_env):
    _kinit(kerberos_realm, kerberos_env)
    run = kerberos_lab(tls=True)
    assert run.ok, run.output


def test_negotiate_service_and_hostname_override_are_honoured(kerberos_lab, kerberos_realm, kerberos_env):
    ccache = _kinit(kerberos_realm, kerberos_env)
    # Connected by IP address, authenticated by the name the host's SPNs carry.
    run = kerberos_lab(ansible_host="127.0.0.1", ansible_psrp_auth="negotiate",
                       ansible_psrp_negotiate_service="HTTP", ansible_psrp_negotiate_hostname_override="localhost")
    assert run.ok, run.output
    tickets = _tickets(kerberos_realm, ccache)
    assert "HTTP/localhost@%s" % kerberos_realm.realm in tickets
    assert "host/localhost@" not in tickets


def _forwarded_tgt_requests(realm: t.Any) -> int:
    # The KDC logs each ticket it issues; a delegating client asks for a forwarded TGT (a second
    # ticket for krbtgt) besides the service ticket.
    with open(os.path.join(realm.directory, "kdc.log"), encoding="utf-8", errors="replace") as handle:
        return sum(1 for line in handle if "TGS_REQ" in line and "ISSUE" in line
                   and line.rstrip().endswith("for krbtgt/%s@%s" % (realm.realm, realm.realm)))


def test_negotiate_delegate_forwards_the_ticket(kerberos_lab, kerberos_realm, kerberos_env):
    _kinit(kerberos_realm, kerberos_env, "-f")
    before = _forwarded_tgt_requests(kerberos_realm)
    assert kerberos_lab().ok
    assert _forwarded_tgt_requests(kerberos_realm) == before
    run = kerberos_lab(ansible_psrp_negotiate_delegate=True)
    assert run.ok, run.output
    assert _forwarded_tgt_requests(kerberos_realm) > before


def _failure(run: Run) -> str:
    assert not run.ok and RECAP.search(run.output) and RECAP.search(run.output).group(4) == "1", run.output
    return " ".join(run.output.split())


def test_no_ticket_and_no_password(kerberos_lab):
    message = _failure(kerberos_lab())
    assert "no Kerberos ticket and no password" in message and "run kinit" in message


def test_wrong_password(kerberos_lab, kerberos_realm):
    message = _failure(kerberos_lab(ansible_user=kerberos_realm.principal, ansible_password="Not-the-password-1"))
    assert "refused the password of '%s'" % kerberos_realm.principal in message


def test_unknown_principal(kerberos_lab, kerberos_realm):
    message = _failure(kerberos_lab(ansible_user="nobody@" + kerberos_realm.realm, ansible_password="Whatever-1"))
    assert "the domain has no user 'nobody@%s'" % kerberos_realm.realm in message


def test_service_principal_missing_for_an_alias(kerberos_lab, kerberos_realm, kerberos_env):
    # 127.0.0.1 reaches the same host as localhost, but the domain has SPNs for localhost only.
    _kinit(kerberos_realm, kerberos_env)
    message = _failure(kerberos_lab(ansible_host="127.0.0.1"))
    assert "the domain has no service principal host/127.0.0.1" in message
    assert "negotiate_hostname_override" in message


def test_ticket_for_another_hosts_service_principal(kerberos_lab, kerberos_realm, kerberos_env, other_service):
    _kinit(kerberos_realm, kerberos_env)
    service, name = other_service.split("/", 1)
    message = _failure(kerberos_lab(ansible_psrp_negotiate_service=service,
                                    ansible_psrp_negotiate_hostname_override=name))
    assert "the host refused the Kerberos ticket for %s" % other_service in message


def test_clock_skew_beyond_the_kdc_tolerance(kerberos_lab, kerberos_realm, tmp_path):
    # The controller's clock runs ten minutes ahead (libfaketime), twice the KDC's five minutes.
    # MIT's client quietly adopts the KDC's time when kdc_timesync is on (its default); with it
    # off, as in the krb5.conf of controllers that must not trust the network's time, the KDC's
    # refusal reaches the user.
    faketime = shutil.which("faketime")
    assert faketime, "faketime is not installed: apt-get install faketime"
    conf = tmp_path / "krb5-no-timesync.conf"
    with open(kerberos_realm.krb5_conf, encoding="utf-8") as handle:
        conf.write_text(handle.read().replace("[libdefaults]\n", "[libdefaults]\n  kdc_timesync = 0\n", 1))
    message = _failure(kerberos_lab(prefix=[faketime, "-f", "+10m"], extra_env={"KRB5_CONFIG": str(conf)},
                                    ansible_user=kerberos_realm.principal, ansible_password=kerberos_realm.password))
    assert "differ by more than the KDC's tolerance" in message
    # The same controller with the right time gets in.
    assert kerberos_lab(extra_env={"KRB5_CONFIG": str(conf)}, ansible_user=kerberos_realm.principal,
                        ansible_password=kerberos_realm.password).ok


def test_kerberos_library_missing(kerberos_lab, kerberos_realm, tmp_path):
    # A Python path where gssapi and krb5 cannot be imported, as on a controller without the
    # kerberos extra: the shims fail the import exactly as a missing package does.
    shim = tmp_path / "without-kerberos"
    for name in ("gssapi", "krb5"):
        (shim / name).mkdir(parents=True)
        (shim / name / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named '%s'\")\n" % name)
    pythonpath = os.pathsep.join(filter(None, [str(shim), os.environ.get("PYTHONPATH")]))
    message = _failure(kerberos_lab(extra_env={"PYTHONPATH": pythonpath}, ansible_user=kerberos_realm.principal,
                                    ansible_password=kerberos_realm.password))
    assert "Failed to import the required Python library (pypsrp[kerberos])" in message
    assert "pip install 'pypsrp[kerberos]'" in message


def test_secrets_never_appear_at_debug_verbosity(kerberos_lab, kerberos_realm):
    with open(kerberos_realm.keytab, "rb") as handle:
        keytab = handle.read()
    secrets = [kerberos_realm.password, base64.b64encode(keytab).decode(), keytab.hex()]
    good = kerberos_lab(verbosity=4, ansible_user=kerberos_realm.principal, ansible_password=kerberos_realm.password)
    assert good.ok, good.output
    bad_password = "Wrong-" + kerberos_realm.password[::-1]
    bad = kerberos_lab(verbosity=4, ansible_user=kerberos_realm.principal, ansible_password=bad_password)
    assert not bad.ok
    for output in (good.output, bad.output):
        for secret in secrets + [bad_password]:
            assert secret not in output
