"""The CLI in process: argument handling and the inventory it derives from a ready file."""

from __future__ import annotations

import json

import pytest
import yaml

from hyperv_sriov_emulator import cli


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Name=sriov-ext", ("Name", "sriov-ext")),
        ("Count=3", ("Count", 3)),
        ("EnableIov=true", ("EnableIov", True)),
        ('Name=["a","b"]', ("Name", ["a", "b"])),
        ("Notes=", ("Notes", "")),
        ("Notes=a=b", ("Notes", "a=b")),
        ("-Force", ("Force", None)),
        ("All", ("All", None)),
    ],
)
def test_parameter_values(text, expected):
    assert cli._parse_parameter(text) == expected


def test_parameter_without_a_name_is_a_usage_error():
    with pytest.raises(cli.UsageError):
        cli._parse_parameter("=5")


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["serve"],
        ["serve", "--scenario", "x", "--ready-file", "r", "--auth", "digest"],
        ["invoke", "--ready-file", "r"],
        ["fault", "--ready-file", "r", "--host", "h", "--count", "x"],
    ],
)
def test_usage_errors_are_one_line_exit_2(argv, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hyperv-sriov-emulator: error: ")


def _ready(tmp_path, **host):
    entry = {"name": "hv1", "hostname": "127.0.0.1", "port": 5986, "protocol": "https", "auth": "basic",
             "username": "admin", "password": "pw", "ca_cert": "/x/ca.pem"}
    entry.update(host)
    path = tmp_path / "ready.json"
    path.write_text(json.dumps({"pid": 1, "state_dir": None, "control_key": "k", "hosts": [entry]}))
    return str(path)


def test_inventory_for_ntlm_over_http(tmp_path, capsys):
    path = _ready(tmp_path, protocol="http", auth="ntlm", ca_cert=None, port=5985)
    assert cli.main(["inventory", "--ready-file", path, "--group", "lab"]) == 0
    host = yaml.safe_load(capsys.readouterr().out)["all"]["children"]["lab"]["hosts"]["hv1"]
    assert host["ansible_psrp_protocol"] == "http" and host["ansible_psrp_auth"] == "ntlm"
    assert "ansible_psrp_ca_cert" not in host and "ansible_psrp_message_encryption" not in host
    assert host["ansible_user"] == "admin" and host["ansible_password"] == "pw"


def test_inventory_for_basic_over_http_turns_encryption_off(tmp_path, capsys):
    path = _ready(tmp_path, protocol="http", ca_cert=None)
    assert cli.main(["inventory", "--ready-file", path]) == 0
    host = yaml.safe_load(capsys.readouterr().out)["all"]["children"]["hyperv"]["hosts"]["hv1"]
    assert host["ansible_psrp_message_encryption"] == "never"


def test_inventory_for_certificate_auth(tmp_path, capsys):
    path = _ready(tmp_path, auth="certificate", password=None, client_cert="/x/c.pem", client_key="/x/c.key")
    assert cli.main(["inventory", "--ready-file", path]) == 0
    host = yaml.safe_load(capsys.readouterr().out)["all"]["children"]["hyperv"]["hosts"]["hv1"]
    assert host["ansible_psrp_certificate_pem"] == "/x/c.pem"
    assert host["ansible_psrp_certificate_key_pem"] == "/x/c.key"
    assert "ansible_password" not in host
    assert host["ansible_psrp_cert_validation"] == "validate"


def test_broken_ready_files(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert cli.main(["inventory", "--ready-file", str(bad)]) == 2
    assert "not readable JSON" in capsys.readouterr().err
    empty = tmp_path / "empty.json"
    empty.write_text("{}")
    assert cli.main(["state", "--ready-file", str(empty)]) == 2
    assert "no hosts list" in capsys.readouterr().err
