# -*- coding: utf-8 -*-
# Copyright: sriov.hyperv contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import os
import re

import pytest
import yaml

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.sriov.hyperv.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.sriov.hyperv.plugins.module_utils.transport import _connection
from ansible_collections.sriov.hyperv.plugins.module_utils.transport._connection import (
    CONNECTION_ARGSPEC,
    ConnectionOptions,
)

DOC_OPTIONS = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
ENV_MARKUP = re.compile(r"environment variable E\(([A-Z_]+)\)")


def test_fragment_and_argspec_list_the_same_options():
    assert sorted(DOC_OPTIONS) == sorted(CONNECTION_ARGSPEC)


@pytest.mark.parametrize("name", sorted(CONNECTION_ARGSPEC))
def test_option_matches_its_documentation(name):
    spec, doc = CONNECTION_ARGSPEC[name], DOC_OPTIONS[name]
    assert doc["type"] == spec["type"]
    assert doc.get("default") == spec.get("default")
    assert doc.get("choices") == spec.get("choices")
    assert bool(doc.get("required")) == bool(spec.get("required"))
    # Every option falls back to exactly the HYPERV_* variable its description names.
    fallback, (env_names,) = spec["fallback"][0], spec["fallback"][1:]
    assert fallback is env_fallback
    assert env_names == ["HYPERV_" + name.upper()]
    assert ENV_MARKUP.findall(" ".join(doc["description"])) == env_names


def test_only_the_password_is_secret_and_documented_so():
    secret = {name for name, spec in CONNECTION_ARGSPEC.items() if spec.get("no_log")}
    documented = {name for name, doc in DOC_OPTIONS.items() if "never logged" in " ".join(doc["description"])}
    assert secret == documented == {"password"}


def _validate(params, environ=None, monkeypatch=None):
    for key, value in (environ or {}).items():
        monkeypatch.setenv(key, value)
    result = ArgumentSpecValidator(_connection.connection_argspec()).validate(params)
    assert result.error_messages == []
    return result.validated_parameters


def test_defaults_and_port_by_protocol(monkeypatch):
    for key in [k for k in os.environ if k.startswith("HYPERV_")]:
        monkeypatch.delenv(key)
    params = _validate({"hostname": "hv1"})
    options = ConnectionOptions.from_params(params)
    assert (options.auth, options.protocol, options.validate_certs, options.message_encryption) == (
        "negotiate",
        "https",
        True,
        "auto",
    )
    assert (options.connection_timeout, options.operation_timeout) == (30, 20)
    assert options.effective_port == 5986
    assert ConnectionOptions(hostname="hv1", protocol="http").effective_port == 5985
    assert ConnectionOptions(hostname="hv1", protocol="http", port=15985).effective_port == 15985


def test_environment_fills_what_the_task_leaves_out(monkeypatch):
    params = _validate(
        {"hostname": "task-host"},
        {"HYPERV_HOSTNAME": "env-host", "HYPERV_PORT": "1234", "HYPERV_VALIDATE_CERTS": "false"},
        monkeypatch,
    )
    assert params["hostname"] == "task-host"
    assert params["port"] == 1234
    assert params["validate_certs"] is False


def test_password_never_in_repr_or_endpoint():
    options = ConnectionOptions(hostname="hv1", username="admin", password="hunter2")
    assert "hunter2" not in repr(options)
    assert "hunter2" not in options.endpoint
    assert options.endpoint == "https://hv1:5986/wsman"


def test_from_params_ignores_module_options_and_none():
    options = ConnectionOptions.from_params({"hostname": "hv1", "port": None, "config": {"a": 1}})
    assert options.port is None and options.hostname == "hv1"


def test_argspec_copy_is_independent():
    spec = _connection.connection_argspec()
    spec["hostname"]["required"] = False
    spec["extra"] = {"type": "str"}
    assert CONNECTION_ARGSPEC["hostname"]["required"] is True
    assert "extra" not in CONNECTION_ARGSPEC
