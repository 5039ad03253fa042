# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection resolution of the action base, with Ansible's own Task, Templar and PlayContext.
Running a module on the controller is proven end to end by tests/e2e/test_action*.py."""
from __future__ import annotations

import pytest

from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.template import Templar, trust_as_template

from ansible_collections.sriov.hyperv.plugins.module_utils.transport._connection import CONNECTION_ARGSPEC
from ansible_collections.sriov.hyperv.plugins.plugin_utils._action import INVENTORY_VARIABLES, HyperVAction


class _HostVars:
    """The shape of Ansible's HostVars that the action reads: raw vars per host."""

    def __init__(self, hosts):
        self._hosts = hosts

    def raw_get(self, name):
        return self._hosts[name]


def _action(args=None, task_vars=None):
    loader = DataLoader()
    task = Task.load({"action": {"module": "sriov.hyperv.host_info", "args": dict(args or {})}}, loader=loader)
    templar = Templar(loader=loader, variables=task_vars or {})
    return HyperVAction(task, None, PlayContext(), loader, templar, None)


def _vars(connection="psrp", host_defined=None, **variables):
    """Task vars as Ansible hands them over: the host's vars plus what the connection injected."""
    raw = dict(variables if host_defined is None else host_defined)
    task_vars = dict(variables)
    task_vars.update({"inventory_hostname": "hv01", "ansible_connection": connection})
    task_vars["hostvars"] = _HostVars({"hv01": raw})
    return task_vars


def test_every_mapped_option_is_a_connection_option():
    assert set(INVENTORY_VARIABLES) <= set(CONNECTION_ARGSPEC)


def test_psrp_inventory_fills_every_option():
    task_vars = _vars(
        ansible_host="10.0.0.5",
        ansible_port=15986,
        ansible_user="HV01\\admin",
        # Inventory sources mark their strings as trusted templates; the action renders them.
        ansible_password=trust_as_template("{{ vault_password }}"),
        vault_password="from-vault",
        ansible_psrp_auth="ntlm",
        ansible_psrp_protocol="http",
        ansible_psrp_message_encryption="always",
        ansible_psrp_connection_timeout="7",
        ansible_psrp_operation_timeout=9,
        ansible_psrp_ca_cert="/etc/ca.pem",
    )
    found = _action(task_vars=task_vars).connection_from_inventory(task_vars)
    assert found == {
        "hostname": "10.0.0.5",
        "port": 15986,
        "username": "HV01\\admin",
        "password": "from-vault",
        "auth": "ntlm",
        "protocol": "http",
        "message_encryption": "always",
        "connection_timeout": 7,
        "operation_timeout": 9,
        "ca_cert": "/etc/ca.pem",
    }


@pytest.mark.parametrize(
    "value, expected",
    [
        ("ignore", {"validate_certs": False}),
        ("validate", {"validate_certs": True}),
        ("/etc/pki/hv-ca.pem", {"validate_certs": True, "ca_cert": "/etc/pki/hv-ca.pem"}),
    ],
)
def test_cert_validation_variable(value, expected):
    task_vars = _vars(ansible_psrp_cert_validation=value)
    found = _action(task_vars=task_vars).connection_from_inventory(task_vars)
    found.pop("hostname")
    assert found == expected


def test_task_options_win_over_inventory():
    task_vars = _vars(ansible_host="10.0.0.5", ansible_user="inv-user", ansible_password="inv-pw")
    action = _action({"username": "task-user", "config": {"switches": []}}, task_vars)
    args = action.resolve_module_args(task_vars)
    assert args["username"] == "task-user"
    assert args["password"] == "inv-pw"
    assert args["hostname"] == "10.0.0.5"
    assert args["config"] == {"switches": []}


def test_absent_options_stay_absent_for_the_environment_fallback():
    task_vars = _vars(ansible_host="10.0.0.5")
    args = _action(task_vars=task_vars).resolve_module_args(task_vars)
    assert set(args) == {"hostname"}


def test_inventory_name_when_no_ansible_host():
    task_vars = _vars()
    assert _action(task_vars=task_vars).connection_from_inventory(task_vars) == {"hostname": "hv01"}


def test_controller_itself_leaves_hostname_to_task_or_environment():
    task_vars = _vars(connection="local", host_defined={}, ansible_host="localhost", ansible_user="root")
    task_vars["inventory_hostname"] = "localhost"
    task_vars["hostvars"] = _HostVars({"localhost": {}})
    assert _action(task_vars=task_vars).connection_from_inventory(task_vars) == {}


def test_local_connection_play_still_targets_the_inventory_host():
    # hosts: hyperv + connection: local, the older way of running API modules.
    task_vars = _vars(connection="local", host_defined={}, ansible_host="hv01", ansible_user="root")
    assert _action(task_vars=task_vars).connection_from_inventory(task_vars) == {"hostname": "hv01"}


def test_non_numeric_port_is_left_for_argument_validation():
    task_vars = _vars(ansible_port="five")
    assert _action(task_vars=task_vars).connection_from_inventory(task_vars)["port"] == "five"


def test_ssh_defaults_injected_by_ansible_are_not_inventory():
    # Ansible adds ssh's port 22 and the local user to the task vars; the host set neither.
    task_vars = _vars(connection="ssh", host_defined={}, ansible_port=22, ansible_user="root", ansible_host="hv01")
    assert _action(task_vars=task_vars).connection_from_inventory(task_vars) == {"hostname": "hv01"}
    task_vars = _vars(connection="ssh", host_defined={"ansible_port": 5985}, ansible_port=5985)
    assert _action(task_vars=task_vars).connection_from_inventory(task_vars)["port"] == 5985


def test_empty_values_do_not_count():
    task_vars = _vars(ansible_password="", ansible_psrp_password="second-choice")
    assert _action(task_vars=task_vars).connection_from_inventory(task_vars)["password"] == "second-choice"
