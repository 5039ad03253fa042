# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Transport failures through the real connection factory end as task failures with a message."""

from __future__ import annotations

import json
import socket

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.sriov.hyperv.plugins.modules import host_info, vm_switch

PASSWORD = "unreachable-s3cret"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("module", [host_info, vm_switch])
def test_unreachable_host_fails_cleanly(module, capsys):
    args = {"hostname": "127.0.0.1", "port": _closed_port(), "protocol": "http", "auth": "basic",
            "message_encryption": "never", "username": "admin", "password": PASSWORD,
            "connection_timeout": 5, "operation_timeout": 5}
    if module is vm_switch:
        args.update(name="sw", switch_type="private")
    with patch_module_args(args), pytest.raises(SystemExit) as exited:
        module.main()
    out = capsys.readouterr().out
    assert exited.value.code == 1
    result = json.loads(out)
    assert result["failed"] is True
    assert "127.0.0.1" in result["msg"]
    assert "Traceback" not in out and "exception" not in result
    assert PASSWORD not in out
