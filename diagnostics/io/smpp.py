"""SMPP 3.4 (the protocol of operators' SMS centres and State gateways), through smpplib.

One bind as transceiver per batch: each message is split into parts (diagnostics.sms_text:
GSM-7 unpacked, data_coding 0, or UCS-2, data_coding 8; a 6-byte concatenation header per part
when there are several), submitted with a delivery receipt asked on its last part, at most
`rate` submits a second. Delivery receipts and inbound messages (deliver_sm) that arrive while
bound are passed to `on_event` as `GatewayEvent`s; `listen` binds only to read them.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import smpplib.client
import smpplib.consts
import smpplib.exceptions

from diagnostics import sms_text
from diagnostics.notify.gateway import GatewayEvent, SmsMessage, SubmitResult

TRANSIENT = {
    smpplib.consts.SMPP_ESME_RTHROTTLED,
    smpplib.consts.SMPP_ESME_RMSGQFUL,
    smpplib.consts.SMPP_ESME_RSYSERR,
    0x00000014,  # ESME_RMSGQFUL (some SMSCs), message queue full
}
_RECEIPT = re.compile(r"id:(?P<id>\S+).*?stat:(?P<stat>[A-Z]+)", re.S)
DELIVERED_STATES = {"DELIVRD"}
FAILED_STATES = {"UNDELIV", "EXPIRED", "DELETED", "REJECTD", "UNKNOWN"}


@dataclass(frozen=True)
class SmppSettings:
    host: str
    port: int
    system_id: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> SmppSettings:
        parts = urlsplit(url)
        if parts.scheme != "smpp" or not parts.hostname:
            raise ValueError("PSQ_SMS_URL : attendu smpp://system_id:mot_de_passe@hôte:port")
        return cls(parts.hostname, parts.port or 2775, unquote(parts.username or ""), unquote(parts.password or ""))


class SmppGateway:
    def __init__(self, settings: SmppSettings, *, sender: str, rate: int, timeout: float = 5.0):
        self.settings, self.sender, self.rate, self.timeout = settings, sender, rate, timeout

    # --- public ---------------------------------------------------------------------------

    def submit(
        self, messages: list[SmsMessage], on_event: Callable[[GatewayEvent], None], *, linger: float = 1.0
    ) -> list[SubmitResult]:
        """Send each message; results in the same order. A connection failure before a message
        is submitted leaves it to retry; receipts arriving for `linger` seconds are passed on."""
        results: list[SubmitResult] = []
        try:
            client = self._bound(on_event)
        except (OSError, smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError) as exc:
            return [SubmitResult(m.key, None, f"passerelle SMPP injoignable : {exc}", retry=True) for m in messages]
        try:
            interval = 1.0 / self.rate
            last = 0.0
            for index, message in enumerate(messages):
                wait = last + interval - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                last = time.monotonic()
                try:
                    results.append(self._submit_one(client, message))
                except (OSError, smpplib.exceptions.ConnectionError) as exc:
                    results.extend(
                        SubmitResult(m.key, None, f"connexion SMPP perdue : {exc}", retry=True)
                        for m in messages[index:]
                    )
                    return results
            self._read_for(client, linger)
        finally:
            _close(client)
        return results

    def listen(self, seconds: float, on_event: Callable[[GatewayEvent], None]) -> None:
        client = self._bound(on_event)
        try:
            self._read_for(client, seconds)
        finally:
            _close(client)

    # --- protocol -------------------------------------------------------------------------

    def _bound(self, on_event: Callable[[GatewayEvent], None]) -> smpplib.client.Client:
        client = smpplib.client.Client(
            self.settings.host, self.settings.port, timeout=self.timeout, allow_unknown_opt_params=True
        )
        client.set_message_received_handler(lambda pdu, **_: _received(pdu, on_event))
        self._answers: dict[int, object] = {}
        client.set_message_sent_handler(lambda pdu, **_: self._answers.__setitem__(pdu.sequence, pdu))
        client.set_error_pdu_handler(lambda pdu: None)  # a refused submit_sm_resp reaches the handler above
        client.connect()
        try:
            answer = client.bind_transceiver(system_id=self.settings.system_id, password=self.settings.password)
        except BaseException:
            _close(client)
            raise
        if answer is not None and answer.is_error():
            _close(client)
            raise smpplib.exceptions.PDUError(f"connexion refusée (statut {answer.status})")
        return client

    def _submit_one(self, client: smpplib.client.Client, message: SmsMessage) -> SubmitResult:
        encoding, parts = sms_text.split(message.text)
        coding = (
            smpplib.consts.SMPP_ENCODING_DEFAULT if encoding == sms_text.GSM7 else smpplib.consts.SMPP_ENCODING_ISO10646
        )
        reference = random.randint(0, 255)
        message_id = None
        for number, part in enumerate(parts, start=1):
            payload = sms_text.encode_part(part, encoding)
            esm_class = smpplib.consts.SMPP_MSGMODE_DEFAULT
            if len(parts) > 1:
                payload = bytes((0x05, 0x00, 0x03, reference, len(parts), number)) + payload
                esm_class |= smpplib.consts.SMPP_GSMFEAT_UDHI
            pdu = client.send_message(
                source_addr_ton=self._sender_ton(),
                source_addr_npi=0 if self._sender_ton() == smpplib.consts.SMPP_TON_ALNUM else 1,
                source_addr=self.sender.lstrip("+"),
                dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                destination_addr=message.to.lstrip("+"),
                short_message=payload,
                data_coding=coding,
                esm_class=esm_class,
                registered_delivery=number == len(parts),
            )
            answer = self._response_to(client, pdu.sequence)
            if answer.status != smpplib.consts.SMPP_ESME_ROK:
                transient = answer.status in TRANSIENT and number == 1
                return SubmitResult(
                    message.key, None, f"refusé par la passerelle (statut {answer.status:#x})", transient
                )
            message_id = _text(answer.message_id)
        return SubmitResult(message.key, message_id, "", False)

    def _sender_ton(self) -> int:
        plain = self.sender.lstrip("+")
        return smpplib.consts.SMPP_TON_INTL if plain.isdigit() else smpplib.consts.SMPP_TON_ALNUM

    def _response_to(self, client: smpplib.client.Client, sequence: int):
        """Read PDUs until the answer to `sequence` (receipts and inbound messages meanwhile handled)."""
        deadline = time.monotonic() + self.timeout
        while sequence not in self._answers:
            if time.monotonic() > deadline:
                raise smpplib.exceptions.ConnectionError("pas de réponse au submit_sm")
            client.read_once()
        return self._answers.pop(sequence)

    def _read_for(self, client: smpplib.client.Client, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            client.poll()
            time.sleep(0.05)


def _received(pdu, on_event: Callable[[GatewayEvent], None]) -> int:
    raw = pdu.short_message or b""
    if pdu.esm_class & 0x04:  # a delivery receipt
        found = _RECEIPT.search(_text(raw))
        message_id = _text(getattr(pdu, "receipted_message_id", None)) or (found and found["id"]) or ""
        state = found["stat"] if found else ""
        on_event(GatewayEvent("receipt", message_id=message_id, state=state))
    else:
        text = raw.decode("utf-16-be", "replace") if pdu.data_coding == 8 else sms_text.gsm7_decode(raw)
        sender = _text(pdu.source_addr)
        on_event(GatewayEvent("inbound", sender="+" + sender if sender.isdigit() else sender, text=text))
    return smpplib.consts.SMPP_ESME_ROK


def _text(value) -> str:
    if value is None:
        return ""
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _close(client: smpplib.client.Client) -> None:
    try:
        if client.state in (smpplib.consts.SMPP_CLIENT_STATE_BOUND_TRX,):
            client.unbind()
    except (TimeoutError, OSError, smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError):
        pass
    finally:
        client.disconnect()
