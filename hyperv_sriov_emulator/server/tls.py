"""Per-run certificate authority, server and client certificates.

Every run of the emulator mints a fresh CA so that nothing long-lived is trusted: clients either
validate against the CA file named in the ready file or are refused, as with a real host whose
certificate they do not trust.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import ipaddress
import os
import ssl
import typing as t

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclasses.dataclass(frozen=True)
class CertFiles:
    ca_cert: str
    server_cert: str
    server_key: str
    client_cert: str | None = None
    client_key: str | None = None


def _write_private(path: str, data: bytes) -> None:
    # Keys and secrets are created 0600 from the start rather than chmod-ed afterwards.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _builder(subject: x509.Name, issuer: x509.Name, public_key: t.Any, days: int) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
    )


def generate(directory: str, client_username: str | None = None, extra_names: t.Sequence[str] = ()) -> CertFiles:
    """Mint a CA, a server certificate (127.0.0.1, ::1, localhost and ``extra_names``) and, when
    ``client_username`` is given, a client certificate that maps to that user."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hyperv-sriov-emulator run CA")])
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key(), 30)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(common_name: str, san: list[x509.GeneralName], usage: x509.ObjectIdentifier) -> tuple[bytes, bytes]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            _builder(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]), ca_name, key.public_key(), 30)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)

    names: list[x509.GeneralName] = [
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
        x509.DNSName("localhost"),
    ]
    for name in extra_names:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            names.append(x509.DNSName(name))
    server_pem, server_key = leaf("localhost", names, ExtendedKeyUsageOID.SERVER_AUTH)

    os.makedirs(directory, mode=0o700, exist_ok=True)
    files = {
        "ca_cert": os.path.join(directory, "ca.pem"),
        "server_cert": os.path.join(directory, "server.pem"),
        "server_key": os.path.join(directory, "server.key"),
    }
    with open(files["ca_cert"], "wb") as handle:
        handle.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    with open(files["server_cert"], "wb") as handle:
        handle.write(server_pem)
    _write_private(files["server_key"], server_key)

    if client_username:
        # WinRM maps a client certificate to a local user through its UPN subject alternative name.
        upn_text = ("%s@localhost" % client_username).encode()
        upn = x509.OtherName(
            x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2.3"), b"\x0c" + bytes([len(upn_text)]) + upn_text
        )
        client_pem, client_key = leaf(client_username, [upn], ExtendedKeyUsageOID.CLIENT_AUTH)
        files["client_cert"] = os.path.join(directory, "client.pem")
        files["client_key"] = os.path.join(directory, "client.key")
        with open(files["client_cert"], "wb") as handle:
            handle.write(client_pem)
        _write_private(files["client_key"], client_key)
    return CertFiles(**files)


def server_context(files: CertFiles, request_client_cert: bool) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(files.server_cert, files.server_key)
    if request_client_cert:
        context.verify_mode = ssl.CERT_OPTIONAL
        context.load_verify_locations(files.ca_cert)
    return context


def channel_binding_data(files: CertFiles) -> bytes:
    """RFC 5929 tls-server-end-point data, which an NTLM client binds its authentication to."""
    with open(files.server_cert, "rb") as handle:
        cert = x509.load_pem_x509_certificate(handle.read())
    der = cert.public_bytes(serialization.Encoding.DER)
    return b"tls-server-end-point:" + hashlib.sha256(der).digest()


def client_cert_user(peer_cert: dict | None) -> str | None:
    """The user a verified client certificate maps to (its common name)."""
    if not peer_cert:
        return None
    for rdn in peer_cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None
