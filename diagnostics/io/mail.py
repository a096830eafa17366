"""E-mail over SMTP: the PSQ_SMTP_URL format, MIME messages with attachments, one connection per batch.

`smtp://user:password@host:587` says STARTTLS and refuses to go on without it (a password is
never sent in clear); `smtps://…:465` is TLS from the first byte; `smtp+plain://host:25` is an
unencrypted relay without authentication (localhost, a LAN relay); `none` sends nothing.
Certificates are checked (system authorities, or PSQ_SMTP_CA_FILE).

Errors become `MailError` with `permanent` set when the server answered 5xx (the message itself
is refused: retrying will not help), unset for everything else (network, 4xx, TLS handshake).
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

SCHEMES = {"smtp": ("starttls", 587), "smtps": ("tls", 465), "smtp+plain": ("plain", 25)}
TIMEOUT_SECONDS = 60


class MailError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class SmtpSettings:
    security: str  # starttls | tls | plain
    host: str
    port: int
    user: str = ""
    password: str = ""
    ca_file: str = ""

    def describe(self) -> str:
        who = f"{self.user}@" if self.user else ""
        return f"{self.security} {who}{self.host}:{self.port}"


def parse_smtp_url(url: str, ca_file: str = "") -> SmtpSettings | None:
    """The settings of a PSQ_SMTP_URL; None for `none` (or empty). ValueError with the accepted forms."""
    url = (url or "").strip()
    if url.lower() in ("", "none"):
        return None
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ValueError(
            f"PSQ_SMTP_URL {_hide_password(url)!r} n'est pas reconnue : attendu smtp://utilisateur:motdepasse@hôte:587 "
            "(STARTTLS), smtps://…@hôte:465 (TLS), smtp+plain://hôte:25 (relais sans chiffrement) ou none"
        )
    security, default_port = SCHEMES[parts.scheme]
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    if security == "plain" and (user or password):
        raise ValueError(
            "PSQ_SMTP_URL : smtp+plain:// n'envoie pas de mot de passe en clair ; utilisez smtp:// ou smtps://"
        )
    return SmtpSettings(security, parts.hostname, parts.port or default_port, user, password, ca_file)


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def build_message(
    sender: str,
    recipient: str,
    subject: str,
    body: str,
    *,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
    message_id: str | None = None,
) -> EmailMessage:
    """A MIME message: UTF-8 text, then each (file name, content type, bytes) attachment.

    A stable `message_id` (one per outbox row) lets mail clients recognise a copy sent twice.
    """
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id or make_msgid(domain="psq-diagnostics")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    message.set_content(body)
    for file_name, content_type, content in attachments:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream", filename=file_name)
    return message


class SmtpTransport:
    """One SMTP connection, opened lazily, for a batch of messages: `with SmtpTransport(s) as t: t.send(m)`."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._client: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        """Returns once the server accepted the message for its recipient; MailError otherwise."""
        client = self._client or self._connect()
        try:
            refused = client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            codes = [code for code, _ in exc.recipients.values()]
            raise MailError(f"destinataire refusé : {exc.recipients}", permanent=all(c >= 500 for c in codes)) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
            raise MailError(f"{exc.smtp_code} {text}", permanent=500 <= exc.smtp_code < 600) from exc
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            self.close()
            raise MailError(f"{type(exc).__name__}: {exc}") from exc
        if refused:
            raise MailError(f"destinataire refusé : {refused}", permanent=True)

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()

    def _connect(self) -> smtplib.SMTP:
        """Connected and authenticated; any failure here is the server's or the setting's, never the
        message's: MailError, not permanent (the messages wait for the fix)."""
        try:
            return self._open()
        except MailError:
            raise
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise MailError(f"connexion à {self.settings.describe()} : {type(exc).__name__}: {exc}") from exc

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context(cafile=s.ca_file or None)
        local_name = socket.getfqdn()
        if s.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, local_hostname=local_name, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            client = smtplib.SMTP(s.host, s.port, local_hostname=local_name, timeout=TIMEOUT_SECONDS)
        try:
            client.ehlo()
            if s.security == "starttls":
                if not client.has_extn("starttls"):
                    raise MailError(
                        f"le serveur {s.host}:{s.port} ne propose pas STARTTLS : rien n'est envoyé en clair"
                    )
                client.starttls(context=context)
                client.ehlo()
            if s.user:
                client.login(s.user, s.password)
        except BaseException:
            client.close()
            raise
        self._client = client
        return client
