"""The certificate a TLS server serves for a name (SNI), read without trusting it: its expiry and the names it
covers. Verification is the check's business (how long it stays valid, whether it covers the name), not the
handshake's, so that an expired or wrong certificate is observed rather than refused."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from cryptography import x509

from orion import evidence
from orion.outcomes import CannotObserve, SubjectDown


@dataclass(frozen=True)
class Served:
    name: str  # the name asked for (SNI)
    not_after: datetime
    dns_names: tuple[str, ...]
    issuer: str

    def days_left(self, now: datetime | None = None) -> float:
        return ((self.not_after - (now or datetime.now(UTC))).total_seconds()) / 86400

    def covers(self, name: str) -> bool:
        """Whether a DNS name of the certificate matches `name` (a wildcard covers one leftmost label)."""
        return any(_matches(pattern.lower(), name.lower()) for pattern in self.dns_names)


def _matches(pattern: str, name: str) -> bool:
    if pattern.startswith("*."):
        head, _, rest = name.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == name


def served(url: str, name: str, timeout: float = 5.0) -> Served:
    """The certificate the server at `url` (https://host[:port]) serves for SNI `name`.

    SubjectDown when the server refuses or drops the connection; CannotObserve on a timeout or no route."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    where = f"TLS {host}:{port} SNI {name}"
    evidence.source(where)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=name) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except ConnectionRefusedError:
        raise SubjectDown(f"TLS {host}:{port}", "connection refused", where) from None
    except (ConnectionResetError, ssl.SSLError) as exc:
        raise SubjectDown(f"TLS {host}:{port}", f"no certificate served ({exc})", where) from None
    except OSError as exc:
        raise CannotObserve(f"{where}: {exc}") from None
    if not der:
        raise SubjectDown(f"TLS {host}:{port}", "no certificate served", where)
    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = tuple(san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        names = ()
    return Served(name, cert.not_valid_after_utc, names, cert.issuer.rfc4514_string())
