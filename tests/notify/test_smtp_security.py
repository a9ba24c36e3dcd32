"""`HUB_SMTP_SECURITY` against a real SMTP server (aiosmtpd) speaking TLS: STARTTLS with authentication,
implicit TLS, a certificate the system does not trust, a server that does not offer STARTTLS, and no password
in clear.

The server's certificate is issued by a test CA that the hub's SMTP client trusts through `SSL_CERT_FILE`, the
standard OpenSSL variable an operator uses for a private CA; nothing in the hub turns verification off.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hub.notify.delivery import Verdict
from hub.notify.mail_channel import Mail
from hub.notify.settings import MailSettings

USER, PASSWORD = "hub-mailer", "a relay password"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _certificate(subject: str, issuer: str, key: Any, signer: Any, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
        builder = builder.add_extension(san, critical=False)
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A test CA (ca.pem) and a server certificate for 127.0.0.1 it issued (server.pem, server.key)."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("hub test CA", "hub test CA", ca_key, ca_key, ca=True)
    server = _certificate("127.0.0.1", "hub test CA", server_key, ca_key, ca=False)
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "server.pem").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    (folder / "server.key").write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return {name: folder / name for name in ("ca.pem", "server.pem", "server.key")}


class _Relay:
    """Records the mails that arrived, whether the session was encrypted, and who logged in."""

    def __init__(self) -> None:
        self.arrived: list[tuple[bytes, bool, str | None]] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's API)
        login = session.auth_data.login.decode() if session.auth_data else None
        # STARTTLS sets session.ssl; an implicit-TLS session shows its cipher on the transport
        encrypted = session.ssl is not None or server.transport.get_extra_info("cipher") is not None
        self.arrived.append((envelope.content, encrypted, login))
        return "250 OK"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, auth_data=data if ok else None)


def _server_context(pki: dict[str, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki["server.pem"], pki["server.key"])
    return context


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def relay_factory(pki: dict[str, Path]) -> Iterator[Any]:
    started: list[Controller] = []

    def start(mode: str) -> _Relay:
        relay, port = _Relay(), _free_port()
        options: dict[str, Any] = {"authenticator": _authenticator, "auth_require_tls": True}
        if mode == "starttls":
            options.update(tls_context=_server_context(pki), require_starttls=True)
        elif mode == "tls":
            # aiosmtpd counts only STARTTLS as TLS for `auth_require_tls`; this session is TLS from the start
            options.update(ssl_context=_server_context(pki), auth_require_tls=False)
        else:  # a plain server that offers no STARTTLS
            options.update(auth_require_tls=False)
        controller = Controller(relay, hostname="127.0.0.1", port=port, **options)
        controller.start()
        started.append(controller)
        relay.port = port
        return relay

    yield start
    for controller in started:
        controller.stop()


def _mail(settings: MailSettings) -> Mail:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.sender, "member@ngo.example", "A test"
    message.set_content("New objects in a channel you follow.")
    return Mail(message, settings)


def _settings(relay: _Relay, security: str, username: str = USER) -> MailSettings:
    return MailSettings(
        host="127.0.0.1",
        port=relay.port,
        security=security,
        username=username,
        password=PASSWORD if username else "",
        sender="hub@hub.example",
        timeout_seconds=10,
    )


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_mail_is_sent_encrypted_and_authenticated_to_a_trusted_server(
    relay_factory: Any, pki: dict[str, Path], monkeypatch: pytest.MonkeyPatch, security: str
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki["ca.pem"]))
    relay = relay_factory(security)
    outcome = _mail(_settings(relay, security)).transmit()
    assert outcome.verdict == Verdict.SENT, outcome.error
    [(content, encrypted, login)] = relay.arrived
    assert encrypted and login == USER
    assert b"New objects in a channel you follow." in content


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_certificate_the_system_does_not_trust_sends_nothing_and_is_retried(
    relay_factory: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, security: str
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-bundle.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    relay = relay_factory(security)
    outcome = _mail(_settings(relay, security)).transmit()
    assert outcome.verdict == Verdict.RETRY and outcome.error and "CERTIFICATE_VERIFY_FAILED" in outcome.error
    assert relay.arrived == []


def test_starttls_is_never_silently_skipped_when_the_server_does_not_offer_it(
    relay_factory: Any, pki: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki["ca.pem"]))
    relay = relay_factory("plain")
    outcome = _mail(_settings(relay, "starttls", username="")).transmit()
    assert outcome.verdict == Verdict.RETRY and outcome.error and "STARTTLS" in outcome.error
    assert relay.arrived == []


def test_a_password_is_never_sent_over_an_unencrypted_session(relay_factory: Any) -> None:
    relay = relay_factory("plain")
    outcome = _mail(_settings(relay, "none")).transmit()
    assert outcome.verdict == Verdict.RETRY
    assert outcome.error and "HUB_SMTP_SECURITY" in outcome.error
    assert relay.arrived == []
    # without credentials a plain local relay is fine (the development and single-host case)
    assert _mail(_settings(relay, "none", username="")).transmit().verdict == Verdict.SENT
    assert len(relay.arrived) == 1 and relay.arrived[0][1:] == (False, None)
