"""The emulator-private control endpoint (``POST /emulator/<action>`` on each host's port).

It serves what WinRM cannot: reading a host's whole state as JSON and arming faults. Requests are
signed with HMAC-SHA256 under the run's control key (from the ready file), over the method, path,
a timestamp, a nonce and the body, so the key never travels and a captured request cannot be
replayed. Bodies carry no secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
import typing as t

SIGNATURE_HEADER = "X-Emulator-Signature"
MAX_SKEW = 300.0


def new_key() -> str:
    return secrets.token_hex(32)


def _mac(key: str, path: str, stamp: str, nonce: str, body: bytes) -> str:
    message = ("POST\n%s\n%s\n%s\n" % (path, stamp, nonce)).encode("utf-8") + body
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(key: str, path: str, body: bytes) -> str:
    stamp = "%.3f" % time.time()
    nonce = secrets.token_hex(12)
    return "%s:%s:%s" % (stamp, nonce, _mac(key, path, stamp, nonce, body))


class Verifier:
    def __init__(self, key: str) -> None:
        self._key = key
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def verify(self, path: str, body: bytes, header: str | None) -> bool:
        try:
            stamp, nonce, mac = (header or "").split(":", 2)
            when = float(stamp)
        except ValueError:
            return False
        now = time.time()
        if abs(now - when) > MAX_SKEW:
            return False
        if not hmac.compare_digest(mac, _mac(self._key, path, stamp, nonce, body)):
            return False
        with self._lock:
            for old, seen_at in list(self._seen.items()):
                if now - seen_at > 2 * MAX_SKEW:
                    del self._seen[old]
            if nonce in self._seen:
                return False
            self._seen[nonce] = now
        return True


def handler(
    verifier: Verifier,
    actions: t.Mapping[str, t.Callable[[t.Any], t.Any]],
) -> t.Callable[[str, bytes, t.Mapping[str, str]], tuple[int, bytes]]:
    """A control handler for one host: ``actions`` maps an action name to a function of the
    request's JSON body returning a JSON-able answer (or raising ValueError for a bad request)."""

    def handle(action: str, body: bytes, headers: t.Mapping[str, str]) -> tuple[int, bytes]:
        signature = next((value for name, value in headers.items() if name.lower() == SIGNATURE_HEADER.lower()), None)
        if not verifier.verify("/emulator/" + action, body, signature):
            return 401, json.dumps({"error": "missing or invalid control signature"}).encode()
        function = actions.get(action)
        if function is None:
            return 404, json.dumps({"error": "unknown control action %r" % action}).encode()
        try:
            request = json.loads(body or b"{}")
            return 200, json.dumps(function(request)).encode("utf-8")
        except ValueError as err:
            return 400, json.dumps({"error": str(err)}).encode("utf-8")

    return handle
