"""The HTTP(S) listener of one emulated host: TLS, authentication, encryption, faults, dispatch.

One thread per TCP connection (NTLM authenticates connections, and a Receive may wait for a
pipeline), up to ``ListenerLimits.max_connections``; the TLS handshake runs in that thread so a
slow client never stalls the accept loop.

What a stranger can cost the listener is bounded, as on a real host: credentials are checked from
the headers before any body is read, a body may not exceed the host's MaxEnvelopeSizekb (500 KB
on Windows Server, ``winrm get winrm/config``) plus the room message encryption takes, a client
that is idle or slow to send a request is cut off, and connections past the limit are answered
503 (WinRM's own MaxConnections, 300 by default, is the host's equivalent).
"""

from __future__ import annotations

import http.server
import logging
import socket
import socketserver
import ssl
import threading
import time
import typing as t

from . import auth as auth_mod
from . import psrp, wsman

log = logging.getLogger(__name__)

CONTROL_PREFIX = "/emulator/"
# The host's MaxEnvelopeSizekb (500, as wsman.config_response reports it) plus room for the
# multipart framing and signature of an encrypted message.
MAX_BODY = 500 * 1024 + 16 * 1024
# What is read and thrown away after refusing an unauthenticated request, so that closing the
# socket does not reset the connection before the client has read the 401.
_DRAIN_LIMIT = 64 * 1024
_DRAIN_TIMEOUT = 1.0


class ListenerLimits(t.NamedTuple):
    """Bounds on what clients may cost one listener (seconds; connections)."""

    idle_timeout: float = 120.0
    """A connection that sends no complete request line and headers for this long is closed
    (HTTP.sys's IdleConnectionTimeout and HeaderWaitTimeout are 120 s on Windows)."""
    body_timeout: float = 60.0
    """Time allowed to send a request body once the headers are in."""
    max_connections: int = 64
    """Connections served at once; one more is answered 503 and closed."""


class ListenerConfig(t.NamedTuple):
    auth: str
    credentials: auth_mod.Credentials
    tls_context: ssl.SSLContext | None
    channel_bindings: bytes | None
    control: t.Callable[[str, bytes, t.Mapping[str, str]], tuple[int, bytes]] | None
    limits: ListenerLimits = ListenerLimits()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-HTTPAPI/2.0"
    sys_version = ""
    server: "HostListener"

    def setup(self) -> None:
        self.timeout = self.server.config.limits.idle_timeout  # a blocked read ends at the latest then
        super().setup()
        self.ntlm = auth_mod.NtlmConnection(self.server.config.channel_bindings, self.server.config.auth)

    def handle_one_request(self) -> None:
        # The request line and headers must arrive within the idle timeout, however slowly they
        # trickle in; the deadline is lifted while the request is processed.
        self.server.deadlines.arm(self.connection, self.server.config.limits.idle_timeout)
        try:
            super().handle_one_request()
        finally:
            self.server.deadlines.disarm(self.connection)

    def log_message(self, format: str, *args: t.Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s %s", self.address_string(), format % args)

    # -- plumbing ---------------------------------------------------------------------------------
    def _length(self) -> int:
        """The declared body length; ValueError when it is malformed or past MAX_BODY."""
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError("request body too large")
        return length

    def _body(self) -> bytes:
        length = self._length()
        if not length:
            return b""
        self.server.deadlines.arm(self.connection, self.server.config.limits.body_timeout)
        try:
            body = self.rfile.read(length)
        finally:
            self.server.deadlines.disarm(self.connection)
        if len(body) != length:
            raise ConnectionError("the client closed the connection before sending the body")
        return body

    def _refuse_unread(self, status: int, challenges: t.Sequence[str] = ()) -> None:
        """Answer without reading the body, then close. What was already sent is discarded in
        chunks (never held) for a moment, so the client can read the answer before the close."""
        self.close_connection = True
        headers = [("WWW-Authenticate", challenge) for challenge in challenges]
        headers.append(("Connection", "close"))
        self._reply(status, headers=headers)
        try:
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(_DRAIN_TIMEOUT)
            left = _DRAIN_LIMIT
            while left > 0:
                chunk = self.connection.recv(min(left, 16384))
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:
            pass

    def _reply(self, status: int, body: bytes = b"", content_type: str | None = None,
               headers: t.Sequence[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if body:
            self.send_header("Content-Type", content_type or "application/soap+xml;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        self.wfile.flush()

    def _drop(self) -> None:
        # An abortive close (RST), like a host or network that vanished mid-request.
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _unauthorized(self, challenges: list[str]) -> None:
        headers = [("WWW-Authenticate", challenge) for challenge in challenges]
        self._reply(401, headers=headers)

    # -- requests ---------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._refuse_unread(405)

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        try:
            self._length()
        except ValueError:
            self._refuse_unread(413)
            return
        config = self.server.config
        path = self.path.split("?", 1)[0]
        if path.startswith(CONTROL_PREFIX):
            self._control(path, self._body())
            return
        if path.rstrip("/").lower() != "/wsman":
            self._refuse_unread(404)
            return
        if self.headers.get("WSMANIDENTIFY", "").lower() == "unauthenticated":
            # Test-WSMan's unauthenticated Identify is answered without credentials, the OS hidden;
            # nothing else is (the body is bounded by MAX_BODY like any other).
            if wsman.is_identify(self._body()):
                self._reply(200, wsman.identify_response(None))
            else:
                self.close_connection = True
                self._reply(400, b"Only Identify is answered without authentication.", "text/plain")
            return

        user: str | None = None
        server_token: str | None = None
        encrypted = False
        content_type = self.headers.get("Content-Type", "")
        try:
            # Everything that authenticates is in the headers: nothing of the body is read before.
            if config.auth == "basic":
                user = auth_mod.check_basic(self.headers.get("Authorization", ""), config.credentials)
            elif config.auth == "certificate":
                user = self._certificate_user()
            else:
                header = self.headers.get("Authorization")
                if header:
                    server_token = self.ntlm.step(header)
                    if not self.ntlm.complete:
                        # A leg of the handshake: the client goes on on this connection.
                        self._body()
                        self._unauthorized(["%s %s" % (self.ntlm.scheme, server_token or "")])
                        return
                elif not self.ntlm.complete:
                    raise auth_mod.AuthFailed(self.ntlm.challenges, "no credentials")
                user = self.ntlm.user or config.credentials.username
        except auth_mod.AuthFailed as err:
            self._refuse_unread(401, err.challenge)
            return
        body = self._body()
        if config.auth not in ("basic", "certificate"):
            if content_type.startswith("multipart/encrypted"):
                try:
                    body = self.ntlm.unwrap(body, content_type)
                except ValueError:
                    self._reply(400, b"The encrypted message could not be decrypted.", "text/plain")
                    return
                encrypted = True
            elif body and config.tls_context is None:
                self.close_connection = True
                self._reply(400, b"Unencrypted traffic is refused: use message encryption.", "text/plain")
                return

        extra = [("WWW-Authenticate", "%s %s" % (self.ntlm.scheme, server_token))] if server_token else []
        if not body:
            # The empty POST a client sends to set up NTLM before encrypting anything.
            self._reply(200, headers=extra)
            return

        drop, delay = self.server.endpoint.faults.take_request()
        if drop:
            self._drop()
            return
        if delay:
            time.sleep(delay)
        self.server.endpoint.latency.on_request()

        relates_to = ""
        try:
            request = wsman.parse_request(body)
            relates_to = request.message_id
            payload = self.server.endpoint.handle(request, user or "", self.client_address[0], self.server.address)
            status = 200
        except psrp.DroppedConnection:
            self._drop()
            return
        except wsman.WSManFault as fault:
            payload = wsman.fault(relates_to, fault, self.server.endpoint.machine)
            status = 500
        except Exception:  # a fault answer, never a silently dropped connection
            log.exception("request failed inside the emulator")
            payload = wsman.fault(
                relates_to,
                wsman.WSManFault(2147500037, "The emulator failed to process the request."),
                self.server.endpoint.machine,
            )
            status = 500

        if encrypted:
            wrapped_type, wrapped = self.ntlm.wrap(payload)
            self._reply(status, wrapped, wrapped_type, extra)
        else:
            self._reply(status, payload, None, extra)

    def _certificate_user(self) -> str:
        config = self.server.config
        challenge = ["http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual"]
        if self.headers.get("Authorization", "").strip() != auth_mod.MUTUAL_CERT_HEADER:
            raise auth_mod.AuthFailed(challenge, "certificate authentication not requested")
        peer = self.connection.getpeercert() if isinstance(self.connection, ssl.SSLSocket) else None
        from .tls import client_cert_user

        user = client_cert_user(peer)
        if user is None or user.lower() != config.credentials.username.lower():
            raise auth_mod.AuthFailed(challenge, "no valid client certificate")
        return config.credentials.username

    def _control(self, path: str, body: bytes) -> None:
        control = self.server.config.control
        if control is None:
            self._reply(404)
            return
        status, payload = control(path[len(CONTROL_PREFIX):], body, dict(self.headers.items()))
        self._reply(status, payload, "application/json")


class Deadlines:
    """Closes the connections that overrun their deadline: one watcher thread per listener,
    however many connections are open (a blocked read returns once its socket is shut down)."""

    def __init__(self, name: str) -> None:
        self._due: dict[socket.socket, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True, name=name)
        self._thread.start()

    def arm(self, sock: socket.socket, seconds: float) -> None:
        with self._lock:
            self._due[sock] = time.monotonic() + seconds

    def disarm(self, sock: socket.socket) -> None:
        with self._lock:
            self._due.pop(sock, None)

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            now = time.monotonic()
            with self._lock:
                late = [sock for sock, due in self._due.items() if due <= now]
                for sock in late:
                    del self._due[sock]
            for sock in late:
                log.debug("closing a connection that overran its deadline")
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nServer: Microsoft-HTTPAPI/2.0\r\nContent-Length: 0\r\n"
         b"Connection: close\r\n\r\n")


class HostListener(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], config: ListenerConfig, endpoint: psrp.HostEndpoint) -> None:
        self.config = config
        self.endpoint = endpoint
        self._slots = threading.BoundedSemaphore(config.limits.max_connections)
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        host, port = self.server_address[:2]
        scheme = "https" if config.tls_context is not None else "http"
        self.address = "%s://%s:%d/wsman" % (scheme, "[%s]" % host if ":" in host else host, port)
        self.thread: threading.Thread | None = None
        self.deadlines = Deadlines("deadlines-%d" % self.port)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def process_request(self, request: t.Any, client_address: t.Any) -> None:
        # A thread per connection, but never more than max_connections of them.
        if not self._slots.acquire(blocking=False):
            try:
                request.settimeout(1.0)
                request.sendall(_BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: t.Any, client_address: t.Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def finish_request(self, request: t.Any, client_address: t.Any) -> None:
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.config.tls_context is not None:
            try:
                request.settimeout(30)
                request = self.config.tls_context.wrap_socket(request, server_side=True)
                request.settimeout(None)
            except (ssl.SSLError, OSError) as err:
                log.debug("TLS handshake with %s failed: %s", client_address, err)
                return
        try:
            super().finish_request(request, client_address)
        finally:
            if request is not None and isinstance(request, ssl.SSLSocket):
                try:
                    request.close()
                except OSError:
                    pass

    def handle_error(self, request: t.Any, client_address: t.Any) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)

    def start(self) -> None:
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                                       name="listener-%d" % self.port)
        self.thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.deadlines.stop()
