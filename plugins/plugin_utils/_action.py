# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of every action plugin of the collection.

Private to the collection. Each module's action plugin is ``class ActionModule(HyperVAction):
pass``. The action takes the connection options a task leaves out from the inventory host's
variables (the ones ansible.builtin.psrp reads) and runs the module on the controller, whatever
``ansible_connection`` says: the modules talk to the Hyper-V host themselves, over PSRP.

Precedence: task option, then inventory variable, then the module's ``HYPERV_*`` environment
fallback (an option absent from the module args falls through to the environment).
"""

from __future__ import annotations

import copy
import sys
import typing as t

from ansible.module_utils.common.text.converters import to_text
from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

# Connection option -> inventory variables, first defined wins (the names ansible.builtin.psrp
# reads, so an inventory written for psrp works unchanged).
INVENTORY_VARIABLES: dict[str, tuple[str, ...]] = {
    "hostname": ("ansible_host", "ansible_psrp_host"),
    "port": ("ansible_port", "ansible_psrp_port"),
    "username": ("ansible_user", "ansible_psrp_user"),
    "password": ("ansible_password", "ansible_psrp_password", "ansible_winrm_password", "ansible_winrm_pass"),
    "auth": ("ansible_psrp_auth",),
    "protocol": ("ansible_psrp_protocol",),
    "ca_cert": ("ansible_psrp_ca_cert", "ansible_psrp_cert_trust_path"),
    "certificate_pem": ("ansible_psrp_certificate_pem",),
    "certificate_key_pem": ("ansible_psrp_certificate_key_pem",),
    "message_encryption": ("ansible_psrp_message_encryption",),
    "connection_timeout": ("ansible_psrp_connection_timeout",),
    "operation_timeout": ("ansible_psrp_operation_timeout",),
}
CERT_VALIDATION_VARIABLE = "ansible_psrp_cert_validation"
_CONNECTION_VARIABLE = "ansible_connection"
_INJECTED_BY_CONNECTION = frozenset(("ansible_host", "ansible_port", "ansible_user"))
_WINRM_CONNECTIONS = frozenset(("psrp", "winrm"))
_LOOPBACK_NAMES = frozenset(("localhost", "127.0.0.1", "::1"))


def _defined(value: t.Any) -> bool:
    return value is not None and not (isinstance(value, str) and value == "")


class HyperVAction(ActionBase):
    """Resolve the connection from the inventory and run the module on the controller."""

    _supports_check_mode = True
    _supports_async = True

    # -- connection resolution --------------------------------------------------------------
    def _connection_name(self, task_vars: dict[str, t.Any]) -> str:
        name = to_text(task_vars.get(_CONNECTION_VARIABLE) or self._task.connection or "")
        return name.rsplit(".", 1)[-1]

    def _host_defines(self, task_vars: dict[str, t.Any], name: str) -> bool:
        hostvars = task_vars.get("hostvars")
        try:
            raw = hostvars.raw_get(task_vars.get("inventory_hostname"))
        except Exception:  # pylint: disable=broad-except
            return False
        return isinstance(raw, t.Mapping) and name in raw

    def _var(self, task_vars: dict[str, t.Any], name: str) -> t.Any:
        if name not in task_vars:
            return None
        # Ansible fills ansible_host/_port/_user into the task vars from the connection plugin's
        # defaults (ssh: port 22 and the local user). Those describe a WinRM endpoint only when
        # the connection is psrp or winrm; otherwise only what the host itself defines counts.
        if (
            name in _INJECTED_BY_CONNECTION
            and self._connection_name(task_vars) not in _WINRM_CONNECTIONS
            and not self._host_defines(task_vars, name)
        ):
            return None
        return self._templar.template(task_vars[name])

    def _first(self, task_vars: dict[str, t.Any], names: t.Iterable[str]) -> t.Any:
        for name in names:
            value = self._var(task_vars, name)
            if _defined(value):
                return value
        return None

    def connection_from_inventory(self, task_vars: dict[str, t.Any]) -> dict[str, t.Any]:
        """The connection options the inventory host defines (absent ones are left out)."""
        found: dict[str, t.Any] = {}
        for option, names in INVENTORY_VARIABLES.items():
            value = self._first(task_vars, names)
            if _defined(value):
                found[option] = value

        if "hostname" not in found:
            # Ansible itself connects to the inventory name when ansible_host is unset. The
            # controller's own entry (localhost) is never the Hyper-V host: leave the hostname to
            # the task or HYPERV_HOSTNAME then.
            inventory_name = to_text(task_vars.get("inventory_hostname") or "")
            if inventory_name and inventory_name.lower() not in _LOOPBACK_NAMES:
                found["hostname"] = inventory_name

        validation = self._var(task_vars, CERT_VALIDATION_VARIABLE)
        if _defined(validation):
            validation = to_text(validation)
            if validation.lower() == "ignore":
                found["validate_certs"] = False
            elif validation.lower() == "validate":
                found["validate_certs"] = True
            else:
                # A path here is a CA bundle, as in ansible.builtin.psrp's older form.
                found.setdefault("ca_cert", validation)
                found["validate_certs"] = True

        for option in ("port", "connection_timeout", "operation_timeout"):
            # Inventory values are often strings; a value that is no number is left for the
            # module's argument validation to report.
            if option in found and isinstance(found[option], str) and found[option].strip().isdigit():
                found[option] = int(found[option])
        return found

    def resolve_module_args(self, task_vars: dict[str, t.Any]) -> dict[str, t.Any]:
        """The task's args with the inventory's connection options filled in where absent."""
        args = dict(self._task.args)
        for option, value in self.connection_from_inventory(task_vars).items():
            if args.get(option) is None:
                args[option] = value
        return args

    # -- running on the controller ----------------------------------------------------------
    def _use_controller(self) -> None:
        """Swap the task's connection for the local one with a POSIX shell and no become."""
        loader = self._shared_loader_obj
        shell = loader.shell_loader.get("sh")
        shell.set_options()
        play_context = copy.copy(self._play_context)
        play_context.become = False
        play_context.executable = "/bin/sh"
        connection = loader.connection_loader.get("local", play_context, new_stdin=None, shell=shell)
        connection.set_options(direct={"pipelining": True})
        connection.set_become_plugin(None)
        self._connection = connection
        self._play_context = play_context

    def _controller_vars(self, task_vars: dict[str, t.Any]) -> dict[str, t.Any]:
        """Task vars as the module build should see them on the controller."""
        local_vars = dict(task_vars)
        local_vars["ansible_python_interpreter"] = sys.executable
        local_vars.pop("ansible_shell_type", None)
        local_vars.pop("ansible_shell_executable", None)
        local_vars.pop("ansible_remote_tmp", None)
        local_vars.pop("ansible_become", None)
        if self._task.delegate_to:
            delegated = dict(local_vars.get("ansible_delegated_vars") or {})
            host_vars = dict(delegated.get(self._task.delegate_to) or {})
            host_vars["ansible_python_interpreter"] = sys.executable
            host_vars.setdefault("ansible_facts", {})
            delegated[self._task.delegate_to] = host_vars
            local_vars["ansible_delegated_vars"] = delegated
        local_vars.setdefault("ansible_facts", {})
        return local_vars

    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        task_vars = task_vars or {}
        if self._task.async_val and self._connection.transport != "local":
            # Ansible polls an async job over the task's own connection (for psrp, with
            # ansible.windows.async_status on the Hyper-V host), which never sees a job that was
            # started here on the controller.
            raise AnsibleActionFail(
                "Failed to start %s asynchronously: the job runs on the controller but Ansible would "
                "poll for it over the host's %s connection. Add delegate_to: localhost to an async "
                "task." % (self._task.action, self._connection.transport)
            )
        self._use_controller()
        result = super().run(tmp, task_vars)
        del tmp

        module_args = self.resolve_module_args(task_vars)
        module_name = self._task.resolved_action or self._task.action
        wrap_async = bool(self._task.async_val)
        module_result = self._execute_module(
            module_name=module_name,
            module_args=module_args,
            task_vars=self._controller_vars(task_vars),
            wrap_async=wrap_async,
        )
        result.update(module_result)
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
