"""Who may talk to an emulated host, and the NTLM message encryption real hosts use over HTTP.

Modes (one per run, as a host's WinRM listener is configured):
- ``basic``: HTTP Basic; over TLS unless the run was started with ``--no-tls``.
- ``ntlm``: Negotiate/NTLM through pyspnego's acceptor. Over HTTP every SOAP body must be
  wrapped (``multipart/encrypted``), as a Windows host with AllowUnencrypted=false demands.
- ``kerberos``: Negotiate (and the ``Kerberos`` scheme) with Kerberos only, as a domain member
  where NTLM is turned off. pyspnego accepts with the keys of the host's keytab (``KRB5_KTNAME``),
  so a ticket for a service principal the keytab does not hold is refused, as a host refuses a
  ticket for another account's SPN. Message encryption over HTTP as with NTLM.
- ``negotiate``: Kerberos or NTLM, whichever the client negotiates, as a default domain member.
- ``certificate``: a client certificate issued by the run's CA, mapped to the run's user.
"""

from __future__ import annotations

import base64
import dataclasses
import hmac
import os
import re
import secrets
import string
import struct
import threading
import typing as t

AUTH_MODES = ("basic", "ntlm", "negotiate", "kerberos", "certificate")
KERBEROS_MODES = ("negotiate", "kerberos")
# The mechanisms each mode accepts, and the schemes it offers in WWW-Authenticate (a Windows host
# offers "Negotiate" and, when Kerberos is possible, "Kerberos").
_MECHANISMS = {"ntlm": ("ntlm",), "kerberos": ("kerberos",), "negotiate": ("kerberos", "ntlm")}
_CHALLENGES = {"ntlm": ["Negotiate", "NTLM"], "kerberos": ["Negotiate", "Kerberos"],
               "negotiate": ["Negotiate", "Kerberos", "NTLM"]}
MUTUAL_CERT_HEADER = "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual"
SPNEGO_ENCRYPTED = "application/HTTP-SPNEGO-session-encrypted"
_BOUNDARY = b"--Encrypted Boundary"

_ntlm_env_lock = threading.Lock()


class AuthFailed(Exception):
    """The request is not authenticated; ``challenge`` goes into WWW-Authenticate."""

    def __init__(self, challenge: list[str], reason: str) -> None:
        super().__init__(reason)
        self.challenge = challenge


@dataclasses.dataclass(frozen=True)
class Credentials:
    username: str
    password: str = dataclasses.field(repr=False)


def generate_password(length: int = 24) -> str:
    # Letters, digits and a few punctuation marks that survive YAML, JSON and shells unquoted in
    # most places; at least one of each class so it passes any complexity rule a test may mimic.
    alphabet = string.ascii_letters + string.digits + "-_.+"
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if (any(c.islower() for c in password) and any(c.isupper() for c in password)
                and any(c.isdigit() for c in password)):
            return password


def generate_credentials(username: str | None = None, password: str | None = None) -> Credentials:
    return Credentials(username or "emulator-admin", password or generate_password())


def write_ntlm_user_file(path: str, credentials: Credentials) -> None:
    """pyspnego's NTLM acceptor reads its users from this file (``DOMAIN:user:password``)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(":%s:%s\n" % (credentials.username, credentials.password))
    with _ntlm_env_lock:
        os.environ["NTLM_USER_FILE"] = path


def use_keytab(path: str) -> None:
    """Accept Kerberos with the keys in ``path``: MIT Kerberos reads the acceptor's keytab from
    KRB5_KTNAME, which is the process's (one keytab per emulator process)."""
    if not os.path.isfile(path):
        raise ValueError("keytab %s does not exist" % path)
    with _ntlm_env_lock:
        os.environ["KRB5_KTNAME"] = "FILE:" + os.path.abspath(path)


def kerberos_available() -> str | None:
    """None when pyspnego can accept Kerberos here, else why not (for a usage error)."""
    try:
        import gssapi  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
    except ImportError as err:
        return "Kerberos needs the gssapi Python package (pip install 'pyspnego[kerberos]'): %s" % err
    return None


def _ansi(raw: bytes) -> str:
    """Basic credentials read as Windows reads them: in the system's ANSI code page, here 1252
    (Western European and US systems). chef/knife-windows issue 424: a Russian host read them in
    1251. Clients send Latin-1 (requests) or UTF-8; five bytes 1252 leaves undefined read as Latin-1."""
    return "".join(chr(byte) if byte in _UNDEFINED_IN_1252 else bytes((byte,)).decode("cp1252") for byte in raw)


_UNDEFINED_IN_1252 = frozenset(b"\x81\x8d\x8f\x90\x9d")


def check_basic(header: str, credentials: Credentials) -> str:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        raise AuthFailed(['Basic realm="WSMAN"'], "wrong scheme")
    try:
        user, _, password = _ansi(base64.b64decode(value.strip(), validate=True)).partition(":")
    except ValueError:
        raise AuthFailed(['Basic realm="WSMAN"'], "malformed Basic header") from None
    user_ok = hmac.compare_digest(user.split("\\")[-1].lower().encode(), credentials.username.lower().encode())
    password_ok = hmac.compare_digest(password.encode(), credentials.password.encode())
    if not (user_ok and password_ok):
        raise AuthFailed(['Basic realm="WSMAN"'], "wrong user name or password")
    return credentials.username


class NtlmConnection:
    """The Negotiate state of one TCP connection (NTLM and Kerberos authenticate connections):
    NTLM, Kerberos or both, as ``mode`` says."""

    _HEADER = re.compile(r"^\s*(Negotiate|NTLM|Kerberos)\s+(\S+)", re.I)

    def __init__(self, channel_bindings: bytes | None, mode: str = "ntlm") -> None:
        self.context: t.Any = None
        self.complete = False
        self.scheme = "Negotiate"
        self.user: str | None = None
        """The client's Kerberos principal once a Kerberos context is complete."""
        self.mechanisms = _MECHANISMS.get(mode, _MECHANISMS["ntlm"])
        self.challenges = list(_CHALLENGES.get(mode, _CHALLENGES["ntlm"]))
        self._cbt = channel_bindings

    def step(self, header: str) -> str | None:
        """Consume the client's token; return the server token (None when there is none).
        Raises AuthFailed on bad credentials or a malformed token."""
        import spnego
        import spnego.channel_bindings

        match = self._HEADER.match(header or "")
        if not match:
            raise AuthFailed(self.challenges, "no Negotiate token")
        scheme = match.group(1)
        if scheme.lower() not in [challenge.lower() for challenge in self.challenges]:
            raise AuthFailed(self.challenges, "scheme %s is not offered" % scheme)
        self.scheme = scheme
        try:
            token = base64.b64decode(match.group(2))
        except ValueError:
            raise AuthFailed(self.challenges, "malformed token") from None
        if self.context is None or self.complete:
            bindings = None
            if self._cbt is not None:
                bindings = spnego.channel_bindings.GssChannelBindings(application_data=self._cbt)
            self.complete = False
            self.user = None
            # The "Kerberos" scheme carries a bare Kerberos token; "Negotiate" SPNEGO or a bare
            # NTLM or Kerberos token, which pyspnego's Negotiate acceptor tells apart.
            protocol = "kerberos" if scheme.lower() == "kerberos" else "negotiate"
            self.context = spnego.server(protocol=protocol, channel_bindings=bindings)
        try:
            out = self.context.step(token)
            mechanism = self.context.negotiated_protocol
        except Exception as err:  # pylint: disable=broad-except
            # Whatever the token does to the acceptor (gssapi raises AttributeError for a ticket
            # it has no key for), the client gets a 401 and never a dropped connection.
            self.context = None
            raise AuthFailed(self.challenges, "authentication failed: %s" % type(err).__name__) from None
        if mechanism and mechanism not in self.mechanisms:
            # A host with NTLM turned off (or Kerberos impossible) refuses the other mechanism.
            self.context = None
            raise AuthFailed(self.challenges, "%s is not accepted here" % mechanism)
        self.complete = bool(self.context.complete)
        if self.complete and mechanism == "kerberos":
            self.user = self.context.client_principal
        return base64.b64encode(out).decode("ascii") if out else None

    # -- message encryption (MS-WSMV 2.2.9.1) ---------------------------------------------------
    def unwrap(self, body: bytes, content_type: str) -> bytes:
        match = re.search(r'boundary="?([^";]+)"?', content_type)
        boundary = ("--" + match.group(1)).encode() if match else _BOUNDARY
        parts = [part for part in re.split(re.escape(boundary) + rb"\r\n", body) if part]
        if len(parts) < 2:
            raise ValueError("encrypted body has no payload part")
        header, payload = parts[0], parts[1]
        length_match = re.search(rb"Length=(\d+)", header)
        expected = int(length_match.group(1)) if length_match else None
        payload = re.sub(re.escape(boundary) + rb"--\r\n$", b"", payload)
        payload = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"", 1)
        header_length = struct.unpack("<i", payload[:4])[0]
        signature = payload[4 : 4 + header_length]
        data = self.context.unwrap_winrm(signature, payload[4 + header_length :])
        if expected is not None and len(data) != expected:
            raise ValueError("decrypted length does not match the declared length")
        return data

    def wrap(self, data: bytes) -> tuple[str, bytes]:
        signature, wrapped, padding = self.context.wrap_winrm(data)
        body = b"\r\n".join(
            [
                _BOUNDARY,
                b"\tContent-Type: " + SPNEGO_ENCRYPTED.encode(),
                b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=%d" % (len(data) + padding),
                _BOUNDARY,
                b"\tContent-Type: application/octet-stream",
                struct.pack("<i", len(signature)) + signature + wrapped + _BOUNDARY + b"--\r\n",
            ]
        )
        content_type = 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % SPNEGO_ENCRYPTED
        return content_type, body
