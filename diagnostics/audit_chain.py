"""The audit log's hash chain: how a row's hash is computed, and how purged text stays provable.

Each row's hash covers the previous row's hash, its position (`seq`), when, who, what, and a
*sealed* form of its payload (before, after, detail). Sealing replaces every free-text value that
retention may erase (participants, descriptions, comments…) by a salted digest of it
(`scellé:` + SHA-256 of the row's random nonce, the key and the text). Purging such a text
writes that seal in place of the text and forgets the nonce: the chain still verifies (the sealed
form is unchanged), the fact of the change stays, and nobody can test a guess against the seal.

Pure functions only: no database here (diagnostics.services.audit_log uses them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets

GENESIS = "0" * 64
SEAL_PREFIX = "scellé:"
# Keys whose values are free text or names, anywhere in a payload (nested dicts and lists too);
# a row's `detail` (a reopening's reason…) is sealed too.
# Every row's hash depends on this set: a key added later must come with a migration that
# re-chains (or leaves sealed) the rows already there.
PURGEABLE_KEYS = frozenset(
    {"participants", "context", "summary", "description", "author", "comment", "caption", "name", "phone", "email"}
)


def new_nonce() -> str:
    return secrets.token_hex(16)


def seal(nonce: str, key: str, text: str) -> str:
    return SEAL_PREFIX + hashlib.sha256(f"{nonce}\x1f{key}\x1f{text}".encode()).hexdigest()


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(SEAL_PREFIX)


def sealed(value: object, nonce: str | None, key: str = "") -> object:
    """`value` with every purgeable text replaced by its seal (texts already sealed stay)."""
    if isinstance(value, dict):
        return {name: sealed(item, nonce, name) for name, item in value.items()}
    if isinstance(value, list):
        return [sealed(item, nonce, key) for item in value]
    if key in PURGEABLE_KEYS and isinstance(value, str):
        return _sealed_text(value, nonce, key)
    return value


def _sealed_text(text: str, nonce: str | None, key: str) -> str:
    if not text or is_sealed(text):
        return text
    # A purged row (nonce forgotten) still holding a plain text was changed: it cannot verify.
    return seal(nonce, key, text) if nonce else SEAL_PREFIX + "?"


def payload_digest(before: str | None, after: str | None, detail: str, nonce: str | None) -> str:
    """The digest of a row's payload in its sealed form (the stored JSON strings, parsed)."""
    payload = {
        "before": sealed(_parsed(before), nonce),
        "after": sealed(_parsed(after), nonce),
        "detail": _sealed_text(detail or "", nonce, "detail"),
    }
    return _sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str))


def row_hash(
    prev_hash: str, seq: int, at: dt.datetime, actor: str, action: str, entity: str, entity_id: str, digest: str
) -> str:
    fields = [prev_hash, str(seq), at_text(at), actor, action, entity, entity_id, digest]
    return _sha256("\x1e".join(fields))


def at_text(at: dt.datetime) -> str:
    return at.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def purged_payload(text: str | None, nonce: str | None) -> str | None:
    """A stored JSON payload with its purgeable texts replaced by their seals."""
    if text is None:
        return None
    return json.dumps(sealed(_parsed(text), nonce), ensure_ascii=False, sort_keys=True, default=str)


def purged_detail(detail: str, nonce: str | None) -> str:
    return _sealed_text(detail or "", nonce, "detail")


def checkpoint_signature(key: str, seq: int, last_hash: str) -> str:
    """HMAC-SHA256 of the last purged row's position and hash, with PSQ_AUDIT_KEY."""
    return hmac.new(key.encode(), f"{seq}:{last_hash}".encode(), hashlib.sha256).hexdigest()


def signature_valid(key: str, seq: int, last_hash: str, signature: str) -> bool:
    return hmac.compare_digest(checkpoint_signature(key, seq, last_hash), signature or "")


def _parsed(text: str | None) -> object:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
