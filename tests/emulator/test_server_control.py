"""The control endpoint's request signing: right key only, no replay, no tampering."""

from __future__ import annotations

import json

from hyperv_sriov_emulator.server import control


def _handler(key="k" * 64):
    calls = []

    def state(request):
        calls.append(request)
        return {"ok": True}

    return control.handler(control.Verifier(key), {"state": state}), calls


def test_signed_request_is_served():
    handle, calls = _handler()
    body = json.dumps({"x": 1}).encode()
    status, payload = handle("state", body, {control.SIGNATURE_HEADER: control.sign("k" * 64, "/emulator/state", body)})
    assert status == 200
    assert json.loads(payload) == {"ok": True}
    assert calls == [{"x": 1}]


def test_wrong_key_missing_signature_and_tampering_are_refused():
    handle, calls = _handler()
    body = b"{}"
    assert handle("state", body, {control.SIGNATURE_HEADER: control.sign("other", "/emulator/state", body)})[0] == 401
    assert handle("state", body, {})[0] == 401
    signature = control.sign("k" * 64, "/emulator/state", body)
    assert handle("state", b'{"a": 1}', {control.SIGNATURE_HEADER: signature})[0] == 401
    assert handle("fault", body, {control.SIGNATURE_HEADER: signature})[0] == 401
    assert calls == []


def test_replayed_request_is_refused():
    handle, calls = _handler()
    body = b"{}"
    headers = {control.SIGNATURE_HEADER: control.sign("k" * 64, "/emulator/state", body)}
    assert handle("state", body, headers)[0] == 200
    assert handle("state", body, headers)[0] == 401
    assert len(calls) == 1


def test_stale_signature_is_refused():
    handle = _handler()[0]
    body = b"{}"
    stamp = "1000.000"
    mac = control._mac("k" * 64, "/emulator/state", stamp, "n1", body)
    assert handle("state", body, {control.SIGNATURE_HEADER: "%s:n1:%s" % (stamp, mac)})[0] == 401


def test_unknown_action_and_bad_json():
    handle = _handler()[0]
    assert handle("nope", b"{}", {control.SIGNATURE_HEADER: control.sign("k" * 64, "/emulator/nope", b"{}")})[0] == 404
    status, payload = handle("state", b"{", {control.SIGNATURE_HEADER: control.sign("k" * 64, "/emulator/state", b"{")})
    assert status == 400
    assert "error" in json.loads(payload)
