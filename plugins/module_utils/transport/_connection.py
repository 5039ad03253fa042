# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options of every module, written once, and the factory of runners.

Private to the collection. ``plugins/doc_fragments/connection.py`` documents exactly these
options; a unit test keeps the two in step.
"""

from __future__ import annotations

import copy
import dataclasses
import typing as t

from ansible.module_utils.basic import env_fallback

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import Runner


def _env(name: str) -> tuple:
    return (env_fallback, ["HYPERV_" + name.upper()])


AUTH_CHOICES = ["negotiate", "ntlm", "kerberos", "credssp", "basic", "certificate"]
PROTOCOL_CHOICES = ["https", "http"]
ENCRYPTION_CHOICES = ["auto", "always", "never"]
DEFAULT_PORTS = {"https": 5986, "http": 5985}

CONNECTION_ARGSPEC: dict[str, dict[str, t.Any]] = {
    "hostname": {"type": "str", "required": True, "fallback": _env("hostname")},
    "port": {"type": "int", "fallback": _env("port")},
    "username": {"type": "str", "fallback": _env("username")},
    "password": {"type": "str", "no_log": True, "fallback": _env("password")},
    "auth": {"type": "str", "default": "negotiate", "choices": AUTH_CHOICES, "fallback": _env("auth")},
    "protocol": {"type": "str", "default": "https", "choices": PROTOCOL_CHOICES, "fallback": _env("protocol")},
    "validate_certs": {"type": "bool", "default": True, "fallback": _env("validate_certs")},
    "ca_cert": {"type": "path", "fallback": _env("ca_cert")},
    "certificate_pem": {"type": "path", "fallback": _env("certificate_pem")},
    "certificate_key_pem": {"type": "path", "no_log": False, "fallback": _env("certificate_key_pem")},
    "negotiate_service": {"type": "str", "fallback": _env("negotiate_service")},
    "negotiate_hostname_override": {"type": "str", "fallback": _env("negotiate_hostname_override")},
    "negotiate_delegate": {"type": "bool", "fallback": _env("negotiate_delegate")},
    "message_encryption": {
        "type": "str",
        "default": "auto",
        "choices": ENCRYPTION_CHOICES,
        "fallback": _env("message_encryption"),
    },
    "connection_timeout": {"type": "int", "default": 30, "fallback": _env("connection_timeout")},
    "read_timeout": {"type": "int", "default": 30, "fallback": _env("read_timeout")},
    "operation_timeout": {"type": "int", "default": 20, "fallback": _env("operation_timeout")},
    "path": {"type": "str", "default": "wsman", "fallback": _env("path")},
    "proxy": {"type": "str", "fallback": _env("proxy")},
    "ignore_proxy": {"type": "bool", "default": False, "fallback": _env("ignore_proxy")},
    "configuration_name": {"type": "str", "default": "Microsoft.PowerShell", "fallback": _env("configuration_name")},
    "max_envelope_size": {"type": "int", "default": 153600, "fallback": _env("max_envelope_size")},
    "reconnection_retries": {"type": "int", "default": 0, "fallback": _env("reconnection_retries")},
    "reconnection_backoff": {"type": "float", "default": 2.0, "fallback": _env("reconnection_backoff")},
}
"""Merge into a module's argument_spec with ``argument_spec.update(connection_argspec())``."""


def connection_argspec() -> dict[str, dict[str, t.Any]]:
    """A copy of the connection argspec that a module may extend without touching the original."""
    return copy.deepcopy(CONNECTION_ARGSPEC)


@dataclasses.dataclass(frozen=True)
class ConnectionOptions:
    hostname: str
    port: int | None = None
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    auth: str = "negotiate"
    protocol: str = "https"
    validate_certs: bool = True
    ca_cert: str | None = None
    certificate_pem: str | None = None
    certificate_key_pem: str | None = None
    negotiate_service: str | None = None
    negotiate_hostname_override: str | None = None
    negotiate_delegate: bool | None = None
    message_encryption: str = "auto"
    connection_timeout: int = 30
    read_timeout: int = 30
    operation_timeout: int = 20
    path: str = "wsman"
    proxy: str | None = None
    ignore_proxy: bool = False
    configuration_name: str = "Microsoft.PowerShell"
    max_envelope_size: int = 153600
    reconnection_retries: int = 0
    reconnection_backoff: float = 2.0

    @classmethod
    def from_params(cls, params: t.Mapping[str, t.Any]) -> "ConnectionOptions":
        """From validated module params (extra keys are ignored, None means default)."""
        values = {}
        for field in dataclasses.fields(cls):
            value = params.get(field.name)
            if value is not None:
                values[field.name] = value
        return cls(**values)

    @property
    def effective_port(self) -> int:
        return self.port if self.port else DEFAULT_PORTS[self.protocol]

    @property
    def uses_kerberos(self) -> bool:
        """Whether only Kerberos can authenticate: auth kerberos, or negotiate with no password
        (a ticket from the credential cache; NTLM needs a password)."""
        return self.auth == "kerberos" or (self.auth == "negotiate" and not self.password)

    @property
    def service_principal(self) -> str:
        """The service principal Kerberos asks a ticket for (pypsrp's and core's default service
        is ``host``; the host part is the name connected to unless overridden)."""
        return "%s/%s" % (self.negotiate_service or "host", self.negotiate_hostname_override or self.hostname)

    @property
    def endpoint(self) -> str:
        """Where the options point, for messages (never contains credentials)."""
        return "%s://%s:%d/%s" % (self.protocol, self.hostname, self.effective_port, self.path.lstrip("/"))

    def transport_warnings(self) -> list[str]:
        """What this connection exposes, in the words a psrp/winrm user knows (never a secret)."""
        warnings = []
        if self.auth == "basic" and self.protocol == "http":
            warnings.append(
                "Basic authentication to %s sends the password of '%s' in clear text over HTTP "
                "(message_encryption=never): use protocol https (ansible_psrp_protocol / "
                "ansible_winrm_scheme) or NTLM/Kerberos outside test labs." % (self.endpoint, self.username or "")
            )
        if self.protocol == "https" and not self.validate_certs:
            warnings.append(
                "The TLS certificate of %s is not verified (validate_certs=false, "
                "ansible_psrp_cert_validation=ignore or ansible_winrm_server_cert_validation=ignore): "
                "anyone on the path can pose as the host and read the credentials. Set ca_cert "
                "(ansible_psrp_ca_cert / ansible_winrm_ca_trust_path) to the CA that signed it." % self.endpoint
            )
        return warnings


def connect(params: t.Mapping[str, t.Any]) -> "Runner":
    """A runner for the host the params name. The pool opens on the first ``run``.

    Callers look this function up on the module at call time, so a test may replace it.
    """
    from ansible_collections.sriov.hyperv.plugins.module_utils.transport._psrp_runner import PsrpRunner

    return PsrpRunner(ConnectionOptions.from_params(params))
