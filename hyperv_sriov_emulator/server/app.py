"""One emulator process serving every host of a scenario, each on its own port."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import typing as t

from ..faults import FaultBook
from ..jsonfile import write_json_atomic
from ..latency import LatencyProfile
from . import auth as auth_mod
from . import control, psrp, tls
from .http import HostListener, ListenerConfig, ListenerLimits

log = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclasses.dataclass
class ServeOptions:
    listen: str = "127.0.0.1"
    first_port: int = 0
    """0: each host takes its scenario ``port`` or an ephemeral one. N: hosts get N, N+1, ..."""
    auth: str = "basic"
    tls: bool = True
    work_dir: str = ""
    """Private directory (0700) for certificates, keys and the NTLM user file."""
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    keytab: str | None = None
    """The hosts' Kerberos keys (``--auth kerberos`` / ``negotiate``), as ``ktadd`` writes them."""
    spn: str | None = None
    """SERVICE/NAME: the service principal clients ask a ticket for (ready file and inventory
    only; which tickets are accepted is the keytab's to say)."""
    limits: ListenerLimits = ListenerLimits()
    latency: LatencyProfile = dataclasses.field(default_factory=LatencyProfile)
    """Added to every host's answers (``serve --latency-profile``); nothing by default."""


@dataclasses.dataclass
class Engine:
    """What the server needs from the emulator's engine (injected, so the wire layer has no
    import-time dependency on the model)."""

    invoke: t.Callable[[t.Any, list], t.Any]
    command_spec: t.Callable[[str, list], t.Any]
    state_view: t.Callable[[t.Any], t.Any]
    on_mutation: t.Callable[[t.Any], None] | None = None
    describe: t.Callable[[t.Any, t.Any], tuple[str | None, str]] | None = None
    """A command's canonical cmdlet name and effective -ErrorAction; the engine's own by default."""

    def __post_init__(self) -> None:
        if self.describe is None:
            from .. import engine  # pylint: disable=import-outside-toplevel

            self.describe = engine.describe


class EmulatorServer:
    def __init__(self, hosts: t.Sequence[t.Any], options: ServeOptions, engine: Engine) -> None:
        if options.auth not in auth_mod.AUTH_MODES:
            raise ValueError("auth must be one of %s" % ", ".join(auth_mod.AUTH_MODES))
        if options.auth == "certificate" and not options.tls:
            raise ValueError("certificate authentication needs TLS: drop --no-tls")
        if options.auth in auth_mod.KERBEROS_MODES:
            if not options.keytab:
                raise ValueError("--auth %s needs --keytab: the keytab of the host's service principals"
                                 % options.auth)
            if not os.path.isfile(options.keytab):
                raise ValueError("keytab %s does not exist" % options.keytab)
            missing = auth_mod.kerberos_available()
            if missing:
                raise ValueError(missing)
            if options.spn is not None and not re.fullmatch(r"[^/\s@]+/[^/\s@]+", options.spn):
                raise ValueError("--spn must be SERVICE/NAME, e.g. HTTP/hv01.corp.example.com, not %r" % options.spn)
        elif options.keytab or options.spn:
            raise ValueError("--keytab and --spn go with --auth kerberos or negotiate")
        if not hosts:
            raise ValueError("the scenario has no hosts")
        self.hosts = list(hosts)
        self.options = options
        self.engine = engine
        self.credentials = auth_mod.generate_credentials(options.username, options.password)
        self.control_key = control.new_key()
        self.faults: dict[str, FaultBook] = {host.name: FaultBook() for host in self.hosts}
        self.listeners: dict[str, HostListener] = {}
        self.endpoints: dict[str, psrp.HostEndpoint] = {}
        self.cert_files: tls.CertFiles | None = None

    def start(self) -> dict[str, t.Any]:
        opts = self.options
        os.makedirs(opts.work_dir, mode=0o700, exist_ok=True)
        tls_context = None
        cbt = None
        if opts.tls:
            extra = [] if opts.listen in LOOPBACK or opts.listen in ("0.0.0.0", "::") else [opts.listen]
            self.cert_files = tls.generate(
                os.path.join(opts.work_dir, "pki"),
                client_username=self.credentials.username if opts.auth == "certificate" else None,
                extra_names=extra,
            )
            tls_context = tls.server_context(self.cert_files, request_client_cert=opts.auth == "certificate")
            cbt = tls.channel_binding_data(self.cert_files)
        if opts.auth in ("ntlm", "negotiate"):
            auth_mod.write_ntlm_user_file(os.path.join(opts.work_dir, "ntlm-users"), self.credentials)
        if opts.keytab:
            auth_mod.use_keytab(opts.keytab)

        verifier = control.Verifier(self.control_key)
        try:
            for index, host in enumerate(self.hosts):
                faults = self.faults[host.name]
                endpoint = psrp.HostEndpoint(
                    host, self.engine.invoke, self.engine.command_spec, faults,
                    on_mutation=self.engine.on_mutation, machine=host.name, describe=self.engine.describe,
                )
                endpoint.latency = opts.latency
                actions = self._control_actions(host, faults)
                config = ListenerConfig(opts.auth, self.credentials, tls_context, cbt,
                                        control.handler(verifier, actions), opts.limits)
                if opts.first_port:
                    port = opts.first_port + index
                else:
                    port = int(getattr(host, "port", 0) or 0)
                listener = HostListener((opts.listen, port), config, endpoint)
                listener.start()
                self.listeners[host.name] = listener
                self.endpoints[host.name] = endpoint
        except OSError:
            self.stop()
            raise
        return self.ready_info()

    def _control_actions(self, host: t.Any, faults: FaultBook) -> dict[str, t.Callable[[t.Any], t.Any]]:
        def state(_request: t.Any) -> t.Any:
            return {"name": host.name, "state": self.engine.state_view(host), "faults": faults.describe(),
                    "fired": list(faults.fired)}

        def fault(request: t.Any) -> t.Any:
            if not isinstance(request, dict):
                raise ValueError("a fault request is a JSON object")
            faults.apply(request)
            return {"name": host.name, "faults": faults.describe()}

        def armed(_request: t.Any) -> t.Any:
            return {"name": host.name, "faults": faults.describe(), "fired": list(faults.fired)}

        return {"state": state, "fault": fault, "faults": armed}

    def ready_info(self) -> dict[str, t.Any]:
        hosts = []
        for host in self.hosts:
            listener = self.listeners[host.name]
            hostname = self.options.listen
            if hostname in ("0.0.0.0", ""):
                hostname = "127.0.0.1"
            elif hostname == "::":
                hostname = "::1"
            entry: dict[str, t.Any] = {
                "name": host.name,
                "hostname": hostname,
                "port": listener.port,
                "protocol": "https" if self.options.tls else "http",
                "auth": self.options.auth,
                # Kerberos users are the realm's: a Kerberos-only run hands out no account. A
                # certificate-authenticated run has no use for a password: none is handed out.
                "username": None if self.options.auth == "kerberos" else self.credentials.username,
                "password": None if self.options.auth in ("certificate", "kerberos") else self.credentials.password,
                "ca_cert": self.cert_files.ca_cert if self.cert_files else None,
            }
            if self.options.spn:
                entry["spn"] = self.options.spn
            if self.cert_files is not None and self.cert_files.client_cert:
                entry["client_cert"] = self.cert_files.client_cert
                entry["client_key"] = self.cert_files.client_key
            hosts.append(entry)
        return {"pid": os.getpid(), "control_key": self.control_key, "hosts": hosts}

    def stop(self) -> None:
        for listener in self.listeners.values():
            try:
                listener.stop()
            except OSError:
                pass
        for endpoint in self.endpoints.values():
            endpoint.close()


def write_private_json(path: str, value: t.Any) -> None:
    """Atomically write ``value`` as JSON readable by the owner only (it holds passwords)."""
    write_json_atomic(path, value, mode=0o600)
