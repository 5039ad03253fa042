"""What a stranger can cost an emulated host's listener: nothing unauthenticated is read, bodies are
bounded, idle and slow clients are cut off, and threads are bounded. Real sockets on loopback only,
every loop bounded in count and time."""

from __future__ import annotations

import base64
import socket
import ssl
import threading
import time

import pytest
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

from hyperv_sriov_emulator import engine
from hyperv_sriov_emulator.model import HostState
from hyperv_sriov_emulator.server import Engine, EmulatorServer, ServeOptions
from hyperv_sriov_emulator.server.client import wsman_kwargs
from hyperv_sriov_emulator.server.http import MAX_BODY, ListenerLimits

LIMITS = ListenerLimits(idle_timeout=1.5, body_timeout=1.5, max_connections=8)


def _serve(tmp_path, auth="basic", tls=True):
    server = EmulatorServer(
        [HostState("hv-limits")],
        ServeOptions(work_dir=str(tmp_path), auth=auth, tls=tls, limits=LIMITS),
        Engine(engine.invoke, engine.CommandSpec, lambda host: host.to_dict()),
    )
    return server, server.start()["hosts"][0]


@pytest.fixture(name="served", params=[("basic", True), ("ntlm", False)], ids=["basic-https", "ntlm-http"])
def served_fixture(request, tmp_path):
    server, host = _serve(tmp_path, *request.param)
    yield host
    server.stop()


def _connect(host):
    sock = socket.create_connection((host["hostname"], host["port"]), timeout=10)
    if host["protocol"] == "https":
        context = ssl.create_default_context(cafile=host["ca_cert"])
        sock = context.wrap_socket(sock, server_hostname=host["hostname"])
    return sock


def _status(sock, timeout=5.0):
    """The status code of the answer on ``sock``, or None when the server closed it silently."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return None
        data += chunk
    return int(data.split(b" ", 2)[1])


def _headers(host, length, authorization=None):
    lines = ["POST /wsman HTTP/1.1", "Host: %s:%s" % (host["hostname"], host["port"]),
             "Content-Type: application/soap+xml;charset=UTF-8", "Content-Length: %d" % length]
    if authorization:
        lines.append("Authorization: " + authorization)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _works(host):
    with WSMan(**wsman_kwargs(host)) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-VMHost")
        return len(ps.invoke()) == 1


def test_unauthenticated_body_is_refused_before_it_is_sent(served):
    # Headers announcing a body of the envelope size and no credentials: the 401 comes back while
    # not one byte of the body has been sent, so the server cannot have waited for it.
    with _connect(served) as sock:
        sock.sendall(_headers(served, MAX_BODY))
        assert _status(sock) == 401


def test_wrong_basic_password_is_refused_before_the_body(tmp_path):
    server, host = _serve(tmp_path)
    try:
        wrong = base64.b64encode(("%s:not-it" % host["username"]).encode()).decode()
        with _connect(host) as sock:
            sock.sendall(_headers(host, 300_000, "Basic " + wrong))
            assert _status(sock) == 401
    finally:
        server.stop()


def test_body_past_the_envelope_size_is_refused_unread(served):
    # Even from an authenticated client nothing past MaxEnvelopeSizekb (plus encryption room) is
    # read: 413 before the body, where the old listener buffered up to 64 MiB per request.
    good = base64.b64encode(("%s:%s" % (served["username"], served["password"])).encode()).decode()
    with _connect(served) as sock:
        sock.sendall(_headers(served, 64 * 1024 * 1024, "Basic " + good))
        assert _status(sock) == 413
    assert _works(served)


def test_idle_client_is_cut_off(served):
    with _connect(served) as sock:
        started = time.monotonic()
        assert _status(sock, timeout=10) is None  # closed without a word
        assert time.monotonic() - started < 8
    assert _works(served)


def test_slow_client_is_cut_off_however_steadily_it_trickles(served):
    # One byte every 0.2 s never lets a read time out; the request as a whole must still end.
    request = _headers(served, 0)
    with _connect(served) as sock:
        started = time.monotonic()
        closed = False
        for byte in request[:60]:  # 12 s at most, far past the 1.5 s idle limit
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            time.sleep(0.2)
            if time.monotonic() - started > 4:
                try:
                    closed = _status(sock, timeout=0.5) is None
                except (OSError, socket.timeout):
                    closed = False
                if closed:
                    break
        assert closed
        assert time.monotonic() - started < 8


def test_slow_body_is_cut_off(tmp_path):
    server, host = _serve(tmp_path)
    try:
        good = base64.b64encode(("%s:%s" % (host["username"], host["password"])).encode()).decode()
        with _connect(host) as sock:
            sock.sendall(_headers(host, 1000, "Basic " + good) + b"<s:Envelope")
            started = time.monotonic()
            assert _status(sock, timeout=10) is None
            assert time.monotonic() - started < 8
    finally:
        server.stop()


def test_threads_stay_bounded_under_many_connections(served):
    before = threading.active_count()
    sockets = []
    refused = 0
    try:
        for _attempt in range(40):  # five times the limit
            sock = socket.create_connection((served["hostname"], served["port"]), timeout=5)
            sockets.append(sock)
        time.sleep(0.5)
        peak = threading.active_count() - before
        for sock in sockets:
            sock.settimeout(0.2)
            try:
                if sock.recv(64).startswith(b"HTTP/1.1 503"):
                    refused += 1
            except (socket.timeout, OSError):
                pass
    finally:
        for sock in sockets:
            sock.close()
    assert peak <= LIMITS.max_connections
    assert refused >= 40 - LIMITS.max_connections
    # The idle ones are reaped and the host serves again.
    deadline = time.monotonic() + 10
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert threading.active_count() <= before
    assert _works(served)
