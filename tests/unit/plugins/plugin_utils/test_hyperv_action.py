# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection resolution of the action base, against Ansible's own psrp and winrm plugins.

Each inventory is resolved twice: by the action (then validated as module args and turned into
pypsrp ``WSMan`` keywords) and by ansible-core's own connection plugin (its ``_build_kwargs`` /
``_build_winrm_kwargs``, the last step before it connects). One variable is changed at a time
and the two must reach the same endpoint, account, auth, TLS and timeout settings. Running a
module on the controller is proven end to end by tests/e2e/test_action*.py and
tests/e2e/test_inventory_matrix.py.
"""
from __future__ import annotations

import os

import pytest

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.plugins.loader import connection_loader
from ansible.template import Templar, trust_as_template

from ansible_collections.sriov.hyperv.plugins.module_utils.transport._connection import CONNECTION_ARGSPEC, ConnectionOptions
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._psrp_runner import wsman_kwargs
from ansible_collections.sriov.hyperv.plugins.plugin_utils import _connection_vars
from ansible_collections.sriov.hyperv.plugins.plugin_utils._action import HyperVAction


class _HostVars:
    """The shape of Ansible's HostVars that the action reads: raw vars per host."""

    def __init__(self, hosts):
        self._hosts = hosts

    def raw_get(self, name):
        return self._hosts[name]


@pytest.fixture(autouse=True)
def _no_hyperv_environment(monkeypatch):
    for key in [key for key in os.environ if key.startswith("HYPERV_")]:
        monkeypatch.delenv(key)


@pytest.fixture(scope="module")
def pem_files(tmp_path_factory):
    base = tmp_path_factory.mktemp("pem")
    paths = {}
    for name in ("ca.pem", "other-ca.pem", "client.pem", "client.key"):
        (base / name).write_text("not read by the resolution\n")
        paths[name] = str(base / name)
    return paths


def _action(args=None, task_vars=None):
    loader = DataLoader()
    task = Task.load({"action": {"module": "sriov.hyperv.host_info", "args": dict(args or {})}}, loader=loader)
    templar = Templar(loader=loader, variables=task_vars or {})
    return HyperVAction(task, None, PlayContext(), loader, templar, None)


def _vars(connection="psrp", host_defined=None, **variables):
    """Task vars as Ansible hands them over: the host's vars plus ansible_host, which Ansible
    always adds (the host's address)."""
    raw = dict(variables if host_defined is None else host_defined)
    task_vars = {"ansible_host": "hv01"}
    task_vars.update(variables)
    task_vars.update({"inventory_hostname": "hv01", "ansible_connection": connection})
    task_vars["hostvars"] = _HostVars({"hv01": raw})
    return task_vars


def _module_options(task_vars, args=None):
    """What the module would connect with: the action's args, validated by the argspec."""
    module_args = _action(args, task_vars).resolve_module_args(task_vars)
    result = ArgumentSpecValidator(CONNECTION_ARGSPEC).validate(module_args)
    assert result.error_messages == []
    return ConnectionOptions.from_params(result.validated_parameters)


def _core_psrp(task_vars):
    """ansible.builtin.psrp's WSMan and RunspacePool keywords for these vars."""
    plugin = connection_loader.get("psrp", PlayContext())
    templar = Templar(loader=DataLoader(), variables=task_vars)
    plugin.set_options(var_options=plugin._resolve_option_variables(task_vars, templar))
    plugin._build_kwargs()
    return plugin._psrp_conn_kwargs, plugin._psrp_runspace_kwargs


# The WSMan keywords both build (the collection does not use the Kerberos/CredSSP ones yet).
COMPARED = (
    "server", "port", "username", "password", "ssl", "path", "auth", "cert_validation",
    "connection_timeout", "encryption", "proxy", "no_proxy", "max_envelope_size",
    "operation_timeout", "read_timeout", "reconnection_retries", "reconnection_backoff",
    "certificate_key_pem", "certificate_pem",
)  # fmt: skip

BASE = {"ansible_user": "HV01\\admin", "ansible_password": "secret"}

PSRP_VARIANTS = [
    {},
    {"ansible_host": "10.0.0.5"},
    {"ansible_psrp_host": "10.0.0.6", "ansible_host": "10.0.0.5"},
    {"ansible_port": 5985},
    {"ansible_port": "5985"},
    {"ansible_port": 15986},
    {"ansible_psrp_port": 5985, "ansible_port": 5986},
    {"ansible_psrp_user": "HV01\\psrp", "ansible_user": "HV01\\ansible"},
    {"ansible_winrm_password": "other-secret", "ansible_password": None},
    {"ansible_psrp_protocol": "http"},
    {"ansible_psrp_protocol": "http", "ansible_port": 8080},
    {"ansible_psrp_path": "custom/wsman"},
    {"ansible_psrp_auth": "ntlm"},
    {"ansible_psrp_auth": "basic"},
    {"ansible_psrp_cert_validation": "ignore"},
    {"ansible_psrp_cert_validation": "validate"},
    {"ansible_psrp_ca_cert": "ca.pem"},
    {"ansible_psrp_cert_trust_path": "ca.pem"},
    {"ansible_psrp_cert_trust_path": "other-ca.pem", "ansible_psrp_ca_cert": "ca.pem"},
    {"ansible_psrp_ca_cert": "ca.pem", "ansible_psrp_cert_validation": "ignore"},
    {"ansible_psrp_certificate_pem": "client.pem", "ansible_psrp_certificate_key_pem": "client.key"},
    {"ansible_psrp_message_encryption": "never"},
    {"ansible_psrp_message_encryption": "always"},
    {"ansible_psrp_connection_timeout": 7},
    {"ansible_psrp_read_timeout": "60"},
    {"ansible_psrp_operation_timeout": 3},
    {"ansible_psrp_proxy": "http://proxy.example:3128"},
    {"ansible_psrp_ignore_proxy": "yes"},
    {"ansible_psrp_max_envelope_size": 512000},
    {"ansible_psrp_reconnection_retries": 3},
    {"ansible_psrp_reconnection_backoff": "3"},
    {"ansible_psrp_connection_backoff": 4},
    {"ansible_psrp_configuration_name": "Hyper-V.Admins"},
]


def _with_files(variables, pem_files):
    return {name: pem_files.get(value, value) if isinstance(value, str) else value for name, value in variables.items()}


@pytest.mark.parametrize("variant", PSRP_VARIANTS, ids=lambda variant: ",".join(sorted(variant)) or "base")
def test_psrp_inventory_resolves_as_core_psrp(variant, pem_files):
    variables = dict(BASE, **_with_files(variant, pem_files))
    variables = {name: value for name, value in variables.items() if value is not None}
    task_vars = _vars(**variables)
    ours = wsman_kwargs(_module_options(task_vars))
    core, runspace = _core_psrp(task_vars)
    assert {key: ours[key] for key in COMPARED} == {key: core[key] for key in COMPARED}
    assert _module_options(task_vars).configuration_name == runspace["configuration_name"]


def _core_winrm(task_vars):
    """What ansible.builtin.winrm would hand pywinrm's Protocol for these vars."""
    from urllib.parse import urlsplit

    plugin = connection_loader.get("winrm", PlayContext())
    templar = Templar(loader=DataLoader(), variables=task_vars)
    plugin.set_options(var_options=plugin._resolve_option_variables(task_vars, templar))
    plugin._build_winrm_kwargs()
    kwargs = dict(plugin._winrm_kwargs)
    if plugin._winrm_connection_timeout:  # as Connection._winrm_connect does
        kwargs["operation_timeout_sec"] = plugin._winrm_connection_timeout
        kwargs["read_timeout_sec"] = plugin._winrm_connection_timeout + 10
    endpoint = urlsplit("%s://%s:%d%s" % (plugin._winrm_scheme, plugin._winrm_host, plugin._winrm_port, plugin._winrm_path))
    return {
        "scheme": endpoint.scheme,
        "host": endpoint.hostname,
        "port": endpoint.port,
        "path": endpoint.path.lstrip("/"),
        "auth": _connection_vars.WINRM_TRANSPORTS[plugin._winrm_transport[0]],
        "username": kwargs.get("username"),
        "password": kwargs.get("password"),
        # pywinrm Protocol's own defaults where the inventory sets nothing.
        "validate": kwargs.get("server_cert_validation", "validate") != "ignore",
        "ca": kwargs.get("ca_trust_path"),
        "cert_pem": kwargs.get("cert_pem"),
        "cert_key_pem": kwargs.get("cert_key_pem"),
        "encryption": kwargs.get("message_encryption", "auto"),
        "read_timeout": int(kwargs.get("read_timeout_sec", 30)),
        "operation_timeout": int(kwargs.get("operation_timeout_sec", 20)),
        "proxy": kwargs.get("proxy"),
    }


def _ours_winrm(options):
    return {
        "scheme": options.protocol,
        "host": options.hostname,
        "port": options.effective_port,
        "path": options.path.lstrip("/"),
        "auth": options.auth,
        "username": options.username,
        "password": options.password,
        "validate": options.validate_certs,
        "ca": options.ca_cert,
        "cert_pem": options.certificate_pem,
        "cert_key_pem": options.certificate_key_pem,
        "encryption": options.message_encryption,
        "read_timeout": options.read_timeout,
        "operation_timeout": options.operation_timeout,
        "proxy": options.proxy,
    }


WINRM_VARIANTS = [
    {},
    {"ansible_port": 5985},
    {"ansible_winrm_port": 5985, "ansible_port": 5986},
    {"ansible_port": 5985, "ansible_winrm_scheme": "https"},
    {"ansible_winrm_scheme": "http"},
    {"ansible_winrm_host": "10.0.0.7", "ansible_host": "10.0.0.5"},
    {"ansible_winrm_user": "HV01\\winrm", "ansible_user": "HV01\\ansible"},
    {"ansible_user": "ansible@EXAMPLE.COM"},
    {"ansible_winrm_pass": "other"},
    {"ansible_winrm_path": "/custom/wsman"},
    {"ansible_winrm_transport": "ntlm"},
    {"ansible_winrm_transport": ["certificate"], "ansible_winrm_cert_pem": "client.pem",
     "ansible_winrm_cert_key_pem": "client.key"},
    {"ansible_winrm_transport": "ssl"},
    {"ansible_winrm_transport": "plaintext", "ansible_port": 5985},
    {"ansible_winrm_transport": "basic,ntlm"},
    {"ansible_winrm_server_cert_validation": "ignore"},
    {"ansible_winrm_ca_trust_path": "ca.pem"},
    {"ansible_winrm_message_encryption": "always"},
    {"ansible_winrm_read_timeout_sec": 70, "ansible_winrm_operation_timeout_sec": 60},
    {"ansible_winrm_connection_timeout": 45, "ansible_winrm_operation_timeout_sec": 60},
    {"ansible_winrm_proxy": "http://proxy.example:3128"},
]


@pytest.mark.parametrize("variant", WINRM_VARIANTS, ids=lambda variant: ",".join(sorted(variant)) or "base")
def test_winrm_inventory_resolves_as_core_winrm(variant, pem_files):
    pytest.importorskip("winrm", reason="ansible.builtin.winrm needs pywinrm to build its arguments")
    task_vars = _vars(connection="winrm", **dict(BASE, **_with_files(variant, pem_files)))
    assert _ours_winrm(_module_options(task_vars)) == _core_winrm(task_vars)


def test_every_setting_is_a_module_option_and_a_core_option():
    assert {setting.option for setting in _connection_vars.SETTINGS} <= set(CONNECTION_ARGSPEC)
    for connection in _connection_vars.CONNECTIONS:
        plugin = connection_loader.get(connection, class_only=True)
        del plugin
        from ansible import constants as C

        defined = C.config.get_configuration_definitions("connection", connection)
        for setting in _connection_vars.SETTINGS:
            key = getattr(setting, connection)
            if key and not key.startswith("extra:"):
                assert key in defined, (connection, key)


def test_task_options_win_over_inventory():
    task_vars = _vars(ansible_host="10.0.0.5", ansible_user="inv-user", ansible_password="inv-pw")
    action = _action({"username": "task-user", "config": {"switches": []}}, task_vars)
    args = action.resolve_module_args(task_vars)
    assert args["username"] == "task-user"
    assert args["password"] == "inv-pw"
    assert args["hostname"] == "10.0.0.5"
    assert args["config"] == {"switches": []}


def test_options_left_at_the_plugin_default_fall_through_to_the_environment():
    task_vars = _vars(ansible_host="10.0.0.5")
    args = _action(task_vars=task_vars).resolve_module_args(task_vars)
    assert set(args) == {"hostname"}


def test_inventory_templates_are_rendered():
    task_vars = _vars(ansible_password=trust_as_template("{{ vault_password }}"), vault_password="from-vault")
    assert _action(task_vars=task_vars).connection_from_inventory(task_vars)["password"] == "from-vault"


def test_a_ca_path_in_cert_validation_names_the_variables_that_work():
    # Field case 12: core's psrp plugin refuses a path there, so the action says what works.
    task_vars = _vars(ansible_psrp_cert_validation="/etc/pki/hv-ca.pem")
    with pytest.raises(AnsibleActionFail) as failure:
        _action(task_vars=task_vars).connection_from_inventory(task_vars)
    message = str(failure.value.message)
    assert "'/etc/pki/hv-ca.pem'" in message and "cert_validation" in message
    assert "ansible_psrp_ca_cert" in message


def test_a_missing_ca_file_names_the_variable(tmp_path):
    missing = str(tmp_path / "nope.pem")
    task_vars = _vars(ansible_psrp_ca_cert=missing)
    with pytest.raises(AnsibleActionFail) as failure:
        _action(task_vars=task_vars).connection_from_inventory(task_vars)
    assert "ansible_psrp_ca_cert names %s, which is not a file on the controller" % missing in str(failure.value.message)


def test_controller_itself_leaves_hostname_to_task_or_environment():
    task_vars = _vars(connection="local", host_defined={}, ansible_host="localhost", ansible_user="root")
    task_vars["inventory_hostname"] = "localhost"
    task_vars["hostvars"] = _HostVars({"localhost": {}})
    assert _action(task_vars=task_vars).connection_from_inventory(task_vars) == {}


def test_local_connection_play_still_targets_the_inventory_host():
    # hosts: hyperv + connection: local, the older way of running API modules.
    task_vars = _vars(connection="local", host_defined={}, ansible_user="root")
    assert _action(task_vars=task_vars).connection_from_inventory(task_vars) == {"hostname": "hv01"}


def test_ssh_inventory_fails_before_connecting_with_what_to_add():
    # Ansible adds ssh's port 22 and the local user; neither may become the WinRM endpoint.
    task_vars = _vars(connection="ssh", host_defined={}, ansible_port=22, ansible_user="root", ansible_shell_type="powershell")
    with pytest.raises(AnsibleActionFail) as failure:
        _action(task_vars=task_vars).connection_from_inventory(task_vars)
    message = str(failure.value.message)
    assert message.count(". ") == 0 and message.endswith(".")
    assert "ansible_connection=ssh" in message and "ansible.builtin.psrp" in message and "ansible_port" in message


def test_ssh_inventory_with_the_endpoint_in_the_task_is_not_read():
    task_vars = _vars(connection="ssh", host_defined={}, ansible_port=22)
    assert _action({"hostname": "hv01.example.com"}, task_vars).connection_from_inventory(task_vars) == {}


def test_readme_lists_every_variable_honoured():
    readme = open(os.path.join(os.path.dirname(__file__), *[".."] * 4, "README.md"), encoding="utf-8").read()
    for connection in _connection_vars.CONNECTIONS:
        for option, names in _connection_vars.honoured_variables(connection).items():
            for name in names:
                if name != "inventory_hostname":  # the table says "inventory name"
                    assert "`%s`" % name in readme, (connection, option, name)
