# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A test-only module, copied into a throwaway collection by tests/e2e/test_action_e2e.py.

It reports the connection options it received (never the password) and where it ran, and with
``read: true`` reads Get-VMHost over the wire, which proves the credentials arrived intact.
"""

from __future__ import annotations

DOCUMENTATION = r"""
module: probe
short_description: Probe of the connection resolution of sriov.hyperv action plugins
description: Test only.
options:
  read:
    type: bool
    default: false
    description: Read Get-VMHost through the runner.
extends_documentation_fragment: [sriov.hyperv.connection]
author: sriov.hyperv contributors
"""

import os
import sys

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _connection, _errors
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._runner import Command


def main():
    spec = _connection.connection_argspec()
    spec["read"] = {"type": "bool", "default": False}
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = dict(module.params)
    result = {
        "changed": True,
        "check_mode": module.check_mode,
        "options": dict((k, v) for k, v in params.items() if k not in ("password", "read")),
        "password_set": params.get("password") is not None,
        "python": sys.executable,
        "pid": os.getpid(),
    }
    if module._diff:
        result["diff"] = {"before": "iov: off\n", "after": "iov: on\n"}
    if params["read"]:
        runner = _connection.connect(params)
        try:
            run = runner.run([[Command("Get-VMHost")]])
            _errors.raise_for_result(run)
            result["host_name"] = run.output[0].properties.get("Name")
        except _errors.HyperVError as err:
            module.fail_json(msg=err.message, error_type=type(err).__name__)
        finally:
            runner.close()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
