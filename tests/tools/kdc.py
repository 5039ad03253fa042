"""A throwaway Kerberos realm on loopback: MIT Kerberos's own KDC, started from Debian's packages.

The tests and the ``kerberos`` molecule scenario connect to emulated hosts with real Kerberos:
a real ``krb5kdc`` issues the tickets, ``kadmin.local`` creates the principals and writes the
host's keytab, and the client and the emulator read a krb5.conf of this realm through
``KRB5_CONFIG``. Nothing runs as a service of the machine; everything lives in one directory.

Principals, as a domain gives them to a member host and a user (Microsoft Learn, "Service
Principal Names": a computer account holds HOST/<name>, which the domain's sPNMappings extend to
HTTP/<name>; WinRM clients ask for one of them):
- ``<user>@<REALM>`` with a generated password;
- ``host/<name>`` and ``HTTP/<name>`` for each host name, their keys in ``host.keytab``.

Used as a library (``start_realm``) or from the shell::

    python tests/tools/kdc.py start DIR [--host NAME ...]   # prints realm.json's path
    python tests/tools/kdc.py stop DIR

Needs: krb5-kdc, krb5-admin-server, krb5-user (Debian). No privileges: the KDC listens on a
free port of 127.0.0.1.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
import typing as t

REALM = "EMULATOR.TEST"
USER = "hyperv-admin"
PACKAGES = "krb5-kdc krb5-admin-server krb5-user"
_TOOLS = ("krb5kdc", "kdb5_util", "kadmin.local", "kinit")
_SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin")


class KdcError(RuntimeError):
    """The realm could not be set up; the message says what is missing."""


def _tool(name: str) -> str:
    found = shutil.which(name) or next(
        (os.path.join(d, name) for d in _SBIN if os.access(os.path.join(d, name), os.X_OK)), None)
    if not found:
        raise KdcError("%s is not installed: apt-get install %s" % (name, PACKAGES))
    return found


def _password(length: int = 20) -> str:
    alphabet = string.ascii_letters + string.digits
    while True:
        value = "".join(secrets.choice(alphabet) for _position in range(length))
        if any(c.isdigit() for c in value) and any(c.isupper() for c in value) and any(c.islower() for c in value):
            return value


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclasses.dataclass
class Realm:
    """A running realm. ``env()`` is what a client or the emulator needs in its environment."""

    directory: str
    realm: str
    port: int
    user: str
    password: str = dataclasses.field(repr=False)
    hostnames: list[str]
    pid: int

    @property
    def krb5_conf(self) -> str:
        return os.path.join(self.directory, "krb5.conf")

    @property
    def kdc_conf(self) -> str:
        return os.path.join(self.directory, "kdc.conf")

    @property
    def keytab(self) -> str:
        return os.path.join(self.directory, "host.keytab")

    @property
    def principal(self) -> str:
        return "%s@%s" % (self.user, self.realm)

    def env(self, ccache: str | None = None) -> dict[str, str]:
        """KRB5_CONFIG (the realm's krb5.conf) and KRB5CCNAME (a ticket cache of this realm)."""
        return {"KRB5_CONFIG": self.krb5_conf,
                "KRB5CCNAME": "FILE:" + (ccache or os.path.join(self.directory, "ccache"))}

    def kadmin(self, *queries: str) -> str:
        """Run kadmin.local queries against the realm's database (no kadmind needed)."""
        env = dict(os.environ, KRB5_CONFIG=self.krb5_conf, KRB5_KDC_PROFILE=self.kdc_conf)
        done = subprocess.run([_tool("kadmin.local")], input="\n".join(queries) + "\n", text=True,
                              capture_output=True, env=env, timeout=30, check=False)
        if done.returncode != 0 or "error" in done.stderr.lower():
            raise KdcError("kadmin.local failed: %s" % (done.stderr.strip() or done.stdout.strip()))
        return done.stdout

    def add_user(self, name: str, password: str) -> None:
        self.kadmin("addprinc -pw %s %s" % (password, name))

    def add_service(self, spn: str, keytab: str | None = None) -> None:
        """A service principal with a random key, its keys written to ``keytab`` when given."""
        queries = ["addprinc -randkey %s" % spn]
        if keytab:
            queries.append("ktadd -k %s %s" % (keytab, spn))
        self.kadmin(*queries)

    def kinit(self, ccache: str, principal: str | None = None, password: str | None = None,
              extra: t.Sequence[str] = ()) -> None:
        """Get a TGT into ``ccache`` as a user does with ``kinit`` (password on stdin)."""
        env = dict(os.environ, **self.env(ccache))
        done = subprocess.run([_tool("kinit"), *extra, principal or self.principal],
                              input=(password or self.password) + "\n", text=True, capture_output=True,
                              env=env, timeout=30, check=False)
        if done.returncode != 0:
            raise KdcError("kinit failed: %s" % done.stderr.strip())

    def stop(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _attempt in range(100):
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return
            try:  # reap it when it is our child
                if os.waitpid(self.pid, os.WNOHANG)[0] == self.pid:
                    return
            except ChildProcessError:
                pass
            time.sleep(0.05)

    def save(self) -> str:
        path = os.path.join(self.directory, "realm.json")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(dataclasses.asdict(self) | {"krb5_conf": self.krb5_conf, "keytab": self.keytab,
                                                  "principal": self.principal}, handle, indent=2)
        return path


def _write_confs(directory: str, realm: str, port: int, clockskew: int) -> None:
    with open(os.path.join(directory, "krb5.conf"), "w", encoding="utf-8") as handle:
        # No DNS: names are used as written, as Windows clients build SPNs from the name they
        # were given (no reverse lookup); TCP only, as AD clients fall back to it anyway.
        handle.write(
            "[libdefaults]\n"
            "  default_realm = %(realm)s\n"
            "  dns_lookup_realm = false\n"
            "  dns_lookup_kdc = false\n"
            "  dns_canonicalize_hostname = false\n"
            "  rdns = false\n"
            "  udp_preference_limit = 1\n"
            "  clockskew = %(skew)d\n"
            "[realms]\n"
            "  %(realm)s = {\n"
            "    kdc = 127.0.0.1:%(port)d\n"
            "  }\n" % {"realm": realm, "port": port, "skew": clockskew}
        )
    with open(os.path.join(directory, "kdc.conf"), "w", encoding="utf-8") as handle:
        handle.write(
            "[kdcdefaults]\n"
            "  kdc_listen = 127.0.0.1:%(port)d\n"
            "  kdc_tcp_listen = 127.0.0.1:%(port)d\n"
            "[realms]\n"
            "  %(realm)s = {\n"
            "    database_name = %(dir)s/principal\n"
            "    key_stash_file = %(dir)s/stash\n"
            "    acl_file = %(dir)s/kadm5.acl\n"
            # As Active Directory: every account needs pre-authentication (a timestamp encrypted
            # with its key), which is also where the KDC checks the client's clock.
            "    default_principal_flags = +preauth\n"
            "    kdc_listen = 127.0.0.1:%(port)d\n"
            "    kdc_tcp_listen = 127.0.0.1:%(port)d\n"
            "  }\n"
            "[logging]\n"
            "  kdc = FILE:%(dir)s/kdc.log\n" % {"realm": realm, "port": port, "dir": directory}
        )


def start_realm(directory: str, hostnames: t.Sequence[str] = ("localhost",), realm: str = REALM,
                user: str = USER, clockskew: int = 300, timeout: float = 20.0) -> Realm:
    """Create the realm's database in ``directory`` (made 0700), start its KDC and return it.

    ``clockskew`` is the tolerance in seconds of the KDC and of every party reading krb5.conf
    (300, five minutes, as in MIT Kerberos and Active Directory). Raises KdcError."""
    directory = os.path.abspath(directory)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    for name in _TOOLS:
        _tool(name)
    env = dict(os.environ, KRB5_CONFIG=os.path.join(directory, "krb5.conf"),
               KRB5_KDC_PROFILE=os.path.join(directory, "kdc.conf"))
    port = _free_port()
    _write_confs(directory, realm, port, clockskew)
    created = subprocess.run([_tool("kdb5_util"), "create", "-s", "-r", realm, "-P", _password(), "-W"],
                             capture_output=True, text=True, env=env, timeout=60, check=False)
    if created.returncode != 0:
        raise KdcError("kdb5_util create failed: %s" % created.stderr.strip())
    password = _password()
    this = Realm(directory, realm, port, user, password, list(hostnames), pid=0)
    queries = ["addprinc -pw %s %s" % (password, user)]
    for name in hostnames:
        queries += ["addprinc -randkey host/%s" % name, "addprinc -randkey HTTP/%s" % name,
                    "ktadd -k %s host/%s HTTP/%s" % (this.keytab, name, name)]
    this.kadmin(*queries)

    log = open(os.path.join(directory, "kdc.stderr"), "w", encoding="utf-8")  # pylint: disable=consider-using-with
    process = subprocess.Popen([_tool("krb5kdc"), "-n"], env=env, stdout=log, stderr=log,
                               start_new_session=True)
    log.close()
    this.pid = process.pid
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            with open(os.path.join(directory, "kdc.stderr"), encoding="utf-8") as handle:
                raise KdcError("krb5kdc exited with %s: %s" % (process.returncode, handle.read().strip()))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise KdcError("krb5kdc did not listen on 127.0.0.1:%d within %ss" % (port, timeout)) from None
            time.sleep(0.05)
    return this


def _main(argv: t.Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="kdc.py", description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start")
    start.add_argument("directory")
    start.add_argument("--host", action="append", dest="hosts")
    stop = sub.add_parser("stop")
    stop.add_argument("directory")
    args = parser.parse_args(argv)
    if args.command == "start":
        try:
            realm = start_realm(args.directory, args.hosts or ("localhost",))
        except KdcError as err:
            print("kdc.py: %s" % err, file=sys.stderr)
            return 1
        print(realm.save())
        return 0
    path = os.path.join(args.directory, "realm.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        Realm(**{field.name: data[field.name] for field in dataclasses.fields(Realm)}).stop()
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
