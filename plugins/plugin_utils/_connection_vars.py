# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory's connection settings, resolved by Ansible's own psrp and winrm plugins.

Private to the collection. The variables, their precedence and defaults are not kept here: the
connection plugin named by ``ansible_connection`` (``ansible.builtin.psrp`` or
``ansible.builtin.winrm``) is loaded and its configuration resolves the host's variables exactly
as it would before connecting (``ConnectionBase._resolve_option_variables`` then
``set_options``). What is kept here is only how each resolved plugin option maps onto a module
connection option, and the few rules the plugins apply in code rather than in configuration
(the 5985/5986 rule, winrm's transport default), each named after the plugin method it follows.

A new option is one more ``Setting`` (for example the Kerberos ``negotiate_*`` options).
"""

from __future__ import annotations

import dataclasses
import os
import typing as t

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean


@dataclasses.dataclass(frozen=True)
class Setting:
    """One module connection option and where each core connection plugin keeps it.

    ``psrp`` is an option of ansible.builtin.psrp. ``winrm`` is an option of
    ansible.builtin.winrm, or, prefixed ``extra:``, a pywinrm ``Protocol`` keyword that the winrm
    plugin passes through from an ``ansible_winrm_<keyword>`` variable (its ``_extras``).
    ``convert`` maps the plugin's value onto the module option's value (per connection).
    """

    option: str
    psrp: str | None = None
    winrm: str | None = None
    convert: t.Callable[[str, t.Any], t.Any] | None = None


def _validate_certs(connection: str, value: t.Any) -> bool:
    # psrp: cert_validation validate|ignore (Connection._build_kwargs); winrm: pywinrm's
    # server_cert_validation validate|ignore (winrm.transport.Transport).
    return to_text(value).lower() != "ignore"


# winrm transports (pywinrm FEATURE_SUPPORTED_AUTHTYPES) -> pypsrp auth. ssl and plaintext are
# pywinrm's names for Basic over https and http.
WINRM_TRANSPORTS = {
    "ssl": "basic",
    "plaintext": "basic",
    "basic": "basic",
    "ntlm": "ntlm",
    "kerberos": "kerberos",
    "credssp": "credssp",
    "certificate": "certificate",
}


def _winrm_auth(connection: str, value: t.Any) -> t.Any:
    if connection != "winrm":
        return value
    first = value[0] if isinstance(value, (list, tuple)) and value else value
    return WINRM_TRANSPORTS.get(to_text(first).strip().lower(), first)


def _integer(connection: str, value: t.Any) -> t.Any:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _seconds(connection: str, value: t.Any) -> t.Any:
    if isinstance(value, str):
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            return value
    return value


def _winrm_proxy(connection: str, value: t.Any) -> t.Any:
    # pywinrm's default "legacy_requests" means the environment's proxy, as pypsrp's default does.
    return None if to_text(value) == "legacy_requests" else value


def _ca_path(connection: str, value: t.Any) -> t.Any:
    return None if to_text(value) == "legacy_requests" else value


SETTINGS: tuple[Setting, ...] = (
    Setting("hostname", psrp="remote_addr", winrm="remote_addr"),
    Setting("port", psrp="port", winrm="port", convert=_integer),
    Setting("username", psrp="remote_user", winrm="remote_user"),
    Setting("password", psrp="remote_password", winrm="remote_password"),
    Setting("auth", psrp="auth", winrm="transport", convert=_winrm_auth),
    Setting("protocol", psrp="protocol", winrm="scheme"),
    Setting("path", psrp="path", winrm="path"),
    Setting("validate_certs", psrp="cert_validation", winrm="extra:server_cert_validation", convert=_validate_certs),
    Setting("ca_cert", psrp="ca_cert", winrm="extra:ca_trust_path", convert=_ca_path),
    Setting("certificate_pem", psrp="certificate_pem", winrm="extra:cert_pem"),
    Setting("certificate_key_pem", psrp="certificate_key_pem", winrm="extra:cert_key_pem"),
    Setting("message_encryption", psrp="message_encryption", winrm="extra:message_encryption"),
    # Kerberos: pywinrm's Protocol takes service, kerberos_hostname_override, kerberos_delegation.
    Setting("negotiate_service", psrp="negotiate_service", winrm="extra:service"),
    Setting("negotiate_hostname_override", psrp="negotiate_hostname_override",
            winrm="extra:kerberos_hostname_override"),
    Setting("negotiate_delegate", psrp="negotiate_delegate", winrm="extra:kerberos_delegation",
            convert=lambda connection, value: boolean(value, strict=False)),
    Setting("connection_timeout", psrp="connection_timeout", convert=_seconds),
    Setting("read_timeout", psrp="read_timeout", winrm="extra:read_timeout_sec", convert=_seconds),
    Setting("operation_timeout", psrp="operation_timeout", winrm="extra:operation_timeout_sec", convert=_seconds),
    Setting("proxy", psrp="proxy", winrm="extra:proxy", convert=_winrm_proxy),
    Setting("ignore_proxy", psrp="ignore_proxy", convert=lambda connection, value: boolean(value, strict=False)),
    Setting("max_envelope_size", psrp="max_envelope_size", convert=_integer),
    Setting("configuration_name", psrp="configuration_name"),
    Setting("reconnection_retries", psrp="reconnection_retries", convert=_integer),
    Setting("reconnection_backoff", psrp="reconnection_backoff", convert=_seconds),
)
"""Every module connection option an inventory can set, in the order the README lists them."""

CONNECTIONS = ("psrp", "winrm")
"""The core connection plugins whose variables the modules read."""

LOCAL_CONNECTIONS = frozenset(("local",))
"""Connections that describe the controller itself: the task or HYPERV_* names the Hyper-V host."""

_WINRM_PORTS = {"http": 5985, "https": 5986}
_EXTRA = "extra:"


class ConnectionSettingError(AnsibleError):
    """An inventory setting that cannot be used; the message names the variable."""


@dataclasses.dataclass(frozen=True)
class Resolved:
    """A module option resolved from the inventory, and the variable (or rule) it came from."""

    value: t.Any
    source: str


def _plugin(name: str, play_context: t.Any) -> t.Any:
    """The core connection plugin, loaded so that its option definitions are registered."""
    from ansible.plugins.loader import connection_loader

    # The short name finds the builtin plugin also where the collection loader is not set up
    # (outside ansible-playbook); the full name is tried first.
    plugin = connection_loader.get("ansible.builtin.%s" % name, play_context) or connection_loader.get(name, play_context)
    if plugin is None:  # pragma: no cover - core always ships both
        raise ConnectionSettingError("ansible-core does not provide the %s connection plugin" % name)
    return plugin


def _origin_variable(origin: t.Any) -> str | None:
    """'var: ansible_port' -> 'ansible_port' (the config manager's origin of a value)."""
    text = to_text(origin or "")
    return text[len("var: "):] if text.startswith("var: ") else None


def core_options(name: str, task_vars: t.Mapping[str, t.Any], templar: t.Any, play_context: t.Any) -> dict[str, Resolved]:
    """The options of ansible.builtin.<name> for this host, as the plugin resolves them.

    Keys are plugin option names (and ``extra:<keyword>`` for winrm's pass-through variables);
    ``source`` is the variable that set the value, or ``default``.
    Raises ConnectionSettingError naming the variable when the plugin rejects a value.
    """
    plugin = _plugin(name, play_context)
    var_options = plugin._resolve_option_variables(task_vars, templar)
    try:
        plugin.set_options(var_options=var_options)
    except AnsibleError as err:
        raise ConnectionSettingError(_rejected(name, err)) from None
    found: dict[str, Resolved] = {}
    for option in C.config.get_configuration_definitions("connection", plugin._load_name):
        if option.startswith("_"):
            continue
        value, origin = plugin.get_option_and_origin(option)
        found[option] = Resolved(value, _origin_variable(origin) or "default")
    if getattr(plugin, "allow_extras", False):
        prefix = "ansible_%s_" % plugin.extras_prefix
        for variable, value in (plugin.get_option("_extras") or {}).items():
            found[_EXTRA + variable[len(prefix):]] = Resolved(value, variable)
    return found


def _rejected(name: str, err: AnsibleError) -> str:
    text = to_text(err.message if hasattr(err, "message") else err)
    hint = ""
    if name == "psrp" and "cert_validation" in text:
        # Field case 12: a CA path in cert_validation, which psrp's choices refuse.
        hint = (
            " ansible_psrp_cert_validation takes validate or ignore; name a CA file in "
            "ansible_psrp_ca_cert (or ansible_psrp_cert_trust_path)."
        )
    return "The inventory's %s connection settings are invalid: %s%s" % (name, text.rstrip("."), "." + hint if hint else ".")


def resolve(
    connection: str, task_vars: t.Mapping[str, t.Any], templar: t.Any, play_context: t.Any
) -> dict[str, Resolved]:
    """Module connection options for a psrp or winrm host; options left at the default are absent.

    An option left out falls back to the module's HYPERV_* environment variable and its default,
    which equal psrp's defaults; winrm's differing defaults (auth, the scheme from the port) are
    filled in by the rules of ansible.builtin.winrm's ``_build_winrm_kwargs``.
    """
    options = core_options(connection, task_vars, templar, play_context)
    found: dict[str, Resolved] = {}
    for setting in SETTINGS:
        key = getattr(setting, connection)
        resolved = options.get(key) if key else None
        if resolved is None or resolved.source == "default" or resolved.value in (None, ""):
            continue
        value = setting.convert(connection, resolved.value) if setting.convert else resolved.value
        if value is not None:
            found[setting.option] = Resolved(value, resolved.source)

    if "hostname" not in found:
        # psrp's remote_addr defaults to the inventory name (winrm lists inventory_hostname).
        name = to_text(task_vars.get("inventory_hostname") or "")
        if name:
            found["hostname"] = Resolved(name, "inventory_hostname")
    _port_rule(connection, found, options)
    if connection == "winrm":
        _winrm_rules(found, options)
    return found


def _port_rule(connection: str, found: dict[str, Resolved], options: dict[str, Resolved]) -> None:
    """The 5985/5986 rule: a port without a protocol picks it (psrp ``_build_kwargs``, winrm
    ``_build_winrm_kwargs``: 5985 means http, any other port https)."""
    if "protocol" in found or "port" not in found:
        return
    try:
        port = int(found["port"].value)
    except (TypeError, ValueError):
        return
    found["protocol"] = Resolved("http" if port == _WINRM_PORTS["http"] else "https", "%s (port rule)" % found["port"].source)


def _winrm_rules(found: dict[str, Resolved], options: dict[str, Resolved]) -> None:
    """winrm's defaults that differ from psrp's (``_build_winrm_kwargs`` and ``_winrm_connect``)."""
    if "auth" not in found:
        # No transport: Kerberos for a UPN user, else Basic (pywinrm's ssl/plaintext).
        user = to_text(found["username"].value) if "username" in found else ""
        found["auth"] = Resolved("kerberos" if "@" in user else "basic", "ansible_winrm_transport (default)")
    port = options.get("port")
    if "port" not in found and port is not None:
        # winrm's port defaults to 5986 whatever the scheme, unlike psrp.
        found["port"] = Resolved(int(port.value), "ansible_winrm_port (default)")
    timeout = options.get("connection_timeout")
    if timeout is not None and timeout.source != "default" and timeout.value:
        # winrm's connection_timeout replaces pywinrm's operation and read timeouts (read = +10),
        # whatever ansible_winrm_*_timeout_sec say.
        seconds = int(timeout.value)
        found["operation_timeout"] = Resolved(seconds, timeout.source)
        found["read_timeout"] = Resolved(seconds + 10, timeout.source)


def honoured_variables(connection: str) -> dict[str, list[str]]:
    """Module option -> the variables of ``connection`` that set it (for the README table).

    The plugin's own definitions list the variables; winrm's pass-through keywords are read
    from ``ansible_winrm_<keyword>``.
    """
    from ansible.playbook.play_context import PlayContext

    plugin = _plugin(connection, PlayContext())
    definitions = C.config.get_configuration_definitions("connection", plugin._load_name)
    table: dict[str, list[str]] = {}
    for setting in SETTINGS:
        key = getattr(setting, connection)
        if not key:
            continue
        if key.startswith(_EXTRA):
            table[setting.option] = ["ansible_winrm_" + key[len(_EXTRA):]]
        else:
            table[setting.option] = [entry["name"] for entry in definitions[key].get("vars", [])]
    return table


def missing_files(found: t.Mapping[str, Resolved]) -> list[str]:
    """Sentences for controller files the inventory names that do not exist."""
    problems = []
    for option in ("ca_cert", "certificate_pem", "certificate_key_pem"):
        resolved = found.get(option)
        if resolved is None:
            continue
        path = os.path.expanduser(to_text(resolved.value))
        if not os.path.isfile(path):
            problems.append("%s names %s, which is not a file on the controller" % (resolved.source, path))
    return problems
