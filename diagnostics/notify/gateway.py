"""What every SMS gateway takes and gives back, and the choice of gateway from PSQ_SMS_URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from diagnostics import config


@dataclass(frozen=True)
class SmsMessage:
    key: int  # the outbox row
    to: str  # E.164
    text: str


@dataclass(frozen=True)
class SubmitResult:
    key: int
    message_id: str | None  # None: not accepted
    error: str
    retry: bool  # not accepted, but may be tried again (throttled, gateway unreachable)


@dataclass(frozen=True)
class GatewayEvent:
    """A delivery receipt (`message_id`, `state` such as DELIVRD) or an inbound message (`sender`, `text`)."""

    kind: str  # "receipt" | "inbound"
    message_id: str = ""
    state: str = ""
    sender: str = ""
    text: str = ""


def gateway_from_url(url: str | None = None):
    """The gateway PSQ_SMS_URL names (ValueError in French when it names none)."""
    url = (url if url is not None else config.get("PSQ_SMS_URL")).strip()
    sender, rate = config.get("PSQ_SMS_SENDER"), config.sms_rate()
    scheme = urlsplit(url).scheme
    if scheme == "smpp":
        from diagnostics.io.smpp import SmppGateway, SmppSettings

        return SmppGateway(SmppSettings.from_url(url), sender=sender, rate=rate)
    if scheme in ("http", "https"):
        from diagnostics.io.sms_http import HttpGateway

        return HttpGateway(url, sender=sender, rate=rate)
    if scheme == "file":
        from diagnostics.io.sms_file import FileGateway

        return FileGateway(Path(unquote(urlsplit(url).path)), sender=sender)
    if not url:
        raise ValueError("Aucune passerelle SMS n'est configurée (PSQ_SMS_URL) : les SMS ne peuvent pas partir.")
    raise ValueError(f"PSQ_SMS_URL : schéma inconnu « {scheme} » (smpp://, https:// ou file:///)")
