"""io/mail: STARTTLS with authentication, TLS from the start, certificates checked, nothing sent in
clear to a server that offers no STARTTLS; against real aiosmtpd servers on loopback."""

from __future__ import annotations

import ssl
import subprocess

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from diagnostics.io.mail import MailError, SmtpTransport, build_message, parse_smtp_url
from tests.smtp_server import SmtpServer


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return cert, context


class Logins:
    def __init__(self):
        self.seen = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"psq@x", b"s:cret")
        self.seen.append((auth_data.login, ok))
        return AuthResult(success=ok)


def message():
    return build_message("psq@interieur.test", "cdt@gendarmerie.test", "[PSQ] Essai é", "Corps du message é\n",
                         attachments=(("carte.pdf", "application/pdf", b"%PDF-1.4 test"),))  # fmt: skip


def serve(**options) -> SmtpServer:
    return SmtpServer(**options).start()


def test_starttls_with_a_password(certificate):
    cert, context = certificate
    logins = Logins()
    server = serve(tls_context=context, require_starttls=True, authenticator=logins, auth_require_tls=True)
    try:
        settings = parse_smtp_url(f"smtp://psq%40x:s%3Acret@127.0.0.1:{server.port}", str(cert))
        with SmtpTransport(settings) as transport:
            transport.send(message())
        [received] = server.wait_for(1)
        assert logins.seen == [(b"psq@x", True)]
        assert received.subject == "[PSQ] Essai é" and received.text.strip() == "Corps du message é"
        assert received.attachments() == [("carte.pdf", "application/pdf", b"%PDF-1.4 test")]

        untrusted = parse_smtp_url(f"smtp://psq%40x:s%3Acret@127.0.0.1:{server.port}")
        failure = pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed")
        with failure, SmtpTransport(untrusted) as transport:
            transport.send(message())
    finally:
        server.stop()


def test_tls_from_the_start(certificate):
    cert, context = certificate
    server = serve(ssl_context=context)
    try:
        with SmtpTransport(parse_smtp_url(f"smtps://127.0.0.1:{server.port}", str(cert))) as transport:
            transport.send(message())
        assert len(server.wait_for(1)) == 1
    finally:
        server.stop()


def test_no_password_goes_in_clear_to_a_server_without_starttls():
    server = serve()
    try:
        settings = parse_smtp_url(f"smtp://psq:secret@127.0.0.1:{server.port}")
        with pytest.raises(MailError, match="STARTTLS") as refused, SmtpTransport(settings) as transport:
            transport.send(message())
        assert not refused.value.permanent and server.received == []
    finally:
        server.stop()
