# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of every action plugin of the collection.

Private to the collection. host_info's action plugin is ``class ActionModule(HyperVAction):
pass``; the modules that plan changes use ``_planning_action.PlanningAction``, which also imports
the planner before the workers fork. The action takes the connection options a task leaves out
from the inventory host's variables and runs the module on the controller, whatever
``ansible_connection`` says: the modules talk to the Hyper-V host themselves, over PSRP.

The collection's own modules then run in the worker process itself (``_module.run_in_process``:
the same validation, run and result as a module process, without starting one); async tasks and
other collections' modules on this base run as a module process.

The inventory is read the way Ansible's own psrp or winrm connection plugin reads it
(``_connection_vars``). Precedence: task option (and module_defaults), then the inventory, then
the module's ``HYPERV_*`` environment fallback (an option the inventory leaves at the plugin's
default is absent from the module args and falls through to the environment).
"""

from __future__ import annotations

import contextlib
import copy
import os
import sys
import typing as t

from ansible import constants as C
from ansible.module_utils.common.text.converters import to_text
from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

# Imported when Ansible loads the action class, which its linear and free strategies do once in
# the main process (to read BYPASS_HOST_LOOP) before forking a worker per host: every worker then
# starts with pydantic, the models and pypsrp already imported, instead of importing them again in
# a module process per host (about half a second each).
from ansible_collections.sriov.hyperv.plugins.module_utils.edge import _module
from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _psrp_runner  # noqa: F401  pylint: disable=unused-import
from ansible_collections.sriov.hyperv.plugins.plugin_utils import _connection_vars

_CONNECTION_VARIABLE = "ansible_connection"
_LOOPBACK_NAMES = frozenset(("localhost", "127.0.0.1", "::1"))


class HyperVAction(ActionBase):
    """Resolve the connection from the inventory and run the module on the controller."""

    _supports_check_mode = True
    _supports_async = True

    # -- connection resolution --------------------------------------------------------------
    def _connection_name(self, task_vars: dict[str, t.Any]) -> str:
        name = task_vars.get(_CONNECTION_VARIABLE) or self._task.connection or ""
        name = to_text(self._templar.template(name))
        return name.rsplit(".", 1)[-1]

    def _host_defines(self, task_vars: dict[str, t.Any], name: str) -> bool:
        hostvars = task_vars.get("hostvars")
        try:
            raw = hostvars.raw_get(task_vars.get("inventory_hostname"))
        except Exception:  # pylint: disable=broad-except
            return False
        return isinstance(raw, t.Mapping) and name in raw

    def _local_target(self, task_vars: dict[str, t.Any]) -> dict[str, t.Any]:
        """``connection: local`` plays (the older way of running API modules): only the host.

        Ansible fills ansible_host/_port/_user into the task vars from the local connection, so
        only an ansible_host the host itself defines counts. The controller's own entry
        (localhost) is never the Hyper-V host: the task or HYPERV_HOSTNAME names it then.
        """
        if self._host_defines(task_vars, "ansible_host"):
            return {"hostname": self._templar.template(task_vars["ansible_host"])}
        inventory_name = to_text(task_vars.get("inventory_hostname") or "")
        if inventory_name and inventory_name.lower() not in _LOOPBACK_NAMES:
            return {"hostname": inventory_name}
        return {}

    def resolved_connection(self, task_vars: dict[str, t.Any]) -> dict[str, _connection_vars.Resolved]:
        """Module connection options from the inventory, with the variable each came from.

        psrp and winrm hosts are resolved by Ansible's own plugin of that name; local plays give
        the hostname only; any other connection (ssh) cannot reach a WinRM listener.
        """
        connection = self._connection_name(task_vars)
        if connection in _connection_vars.CONNECTIONS:
            try:
                found = _connection_vars.resolve(connection, task_vars, self._templar, self._play_context)
            except _connection_vars.ConnectionSettingError as err:
                raise AnsibleActionFail(to_text(err.message)) from None
            problems = _connection_vars.missing_files(found)
            if problems:
                raise AnsibleActionFail("Fix the inventory: %s." % "; ".join(problems))
            return found
        if connection in _connection_vars.LOCAL_CONNECTIONS or not connection:
            return {
                option: _connection_vars.Resolved(value, "inventory")
                for option, value in self._local_target(task_vars).items()
            }
        if self._task.args.get("hostname") or os.environ.get("HYPERV_HOSTNAME"):
            # The task names the WinRM endpoint itself; the ssh inventory is not read.
            return {}
        raise AnsibleActionFail(
            "Host %s uses ansible_connection=%s, but the sriov.hyperv modules reach the host through "
            "its WinRM listener: set ansible_connection: ansible.builtin.psrp (or winrm) with "
            "ansible_port (5986 https, 5985 http), ansible_user and ansible_password for that "
            "listener, in the inventory or with -e." % (task_vars.get("inventory_hostname"), connection)
        )

    def connection_from_inventory(self, task_vars: dict[str, t.Any]) -> dict[str, t.Any]:
        """The connection options the inventory host defines (absent ones are left out)."""
        return {option: resolved.value for option, resolved in self.resolved_connection(task_vars).items()}

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

    def _in_process_definition(self) -> _module.Definition | None:
        """The collection's own module this task runs, which the action runs in its own process.

        Other modules (a collection building on this action base) and async tasks (Ansible polls a
        job file a module process writes) run as a module process, as before.
        """
        if self._task.async_val:
            return None
        namespace, _sep, name = (self._task.resolved_action or self._task.action or "").rpartition(".")
        if namespace != "sriov.hyperv":
            return None
        return _module.DEFINITIONS.get(name)

    def _run_in_process(self, definition: _module.Definition, module_args: dict[str, t.Any],
                        task_vars: dict[str, t.Any]) -> dict[str, t.Any]:
        """The module's run in this worker process, with the task's environment in effect as a
        module process would have it (the HYPERV_* fallbacks, proxies, KRB5CCNAME)."""
        environment: dict[str, t.Any] = {}
        self._compute_environment_string(environment)
        with _environment(environment):
            return _module.run_in_process(
                definition, self._task.resolved_action or self._task.action, module_args,
                check_mode=bool(self._task.check_mode), diff=bool(self._task.diff),
                inject_invocation=bool(C.config.get_config_value("INJECT_INVOCATION", variables=task_vars)))

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
        definition = self._in_process_definition()
        if definition is not None:
            result.update(self._run_in_process(definition, module_args, task_vars))
            return result
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


@contextlib.contextmanager
def _environment(values: t.Mapping[str, t.Any]) -> t.Iterator[None]:
    """``values`` set in ``os.environ`` for the block, then the environment as it was."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            os.environ[name] = to_text(value)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
