"""SMS length and segments (GSM 03.38 7-bit or UCS-2), and the split into parts. Pure functions.

GSM-7: one septet per character of the basic table, two for the extension table (an escape
then the character); 160 septets in one SMS, 153 per part once a concatenation header (UDH,
6 bytes) is needed. An escape pair is never split across two parts.
UCS-2: 16-bit units (a character outside the BMP, such as most emoji, takes two, a surrogate
pair, never split); 70 in one SMS, 67 per part.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D, "]": 0x3E}
GSM7_EXTENSION.update({"|": 0x40, "€": 0x65})
_BASIC_CODE = {char: code for code, char in enumerate(GSM7_BASIC) if char != "\x1b"}

GSM7, UCS2 = "GSM-7", "UCS-2"
SINGLE = {GSM7: 160, UCS2: 70}
PART = {GSM7: 153, UCS2: 67}
MAX_PARTS = 10  # what the alert page accepts; operators concatenate up to 255


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # GSM7 or UCS2
    units: int  # septets (GSM-7) or 16-bit units (UCS-2)
    segments: int
    per_segment: int  # the limit that applies: 160/153 or 70/67
    remaining: int  # units still free in the last segment

    @property
    def label(self) -> str:
        """French, for the compose form."""
        parts = "1 SMS" if self.segments <= 1 else f"{self.segments} SMS"
        return f"{self.units} caractère(s) {self.encoding} — {parts} ({self.remaining} restant(s) dans le dernier)"


def is_gsm7(text: str) -> bool:
    return all(char in _BASIC_CODE or char in GSM7_EXTENSION for char in text)


def _units(text: str, encoding: str) -> list[int]:
    """The size of each character in its encoding's units."""
    if encoding == GSM7:
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def split(text: str) -> tuple[str, list[str]]:
    """The encoding and the text of each part (one part when it fits in a single SMS)."""
    encoding = GSM7 if is_gsm7(text) else UCS2
    sizes = _units(text, encoding)
    if sum(sizes) <= SINGLE[encoding]:
        return encoding, [text]
    parts, current, used = [], [], 0
    for char, size in zip(text, sizes, strict=True):
        if used + size > PART[encoding]:  # a two-unit character goes whole to the next part
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += size
    parts.append("".join(current))
    return encoding, parts


def measure(text: str) -> SmsLength:
    encoding, parts = split(text)
    units = sum(_units(text, encoding))
    if len(parts) == 1:
        return SmsLength(encoding, units, 1 if text else 0, SINGLE[encoding], SINGLE[encoding] - units)
    last = sum(_units(parts[-1], encoding))
    return SmsLength(encoding, units, len(parts), PART[encoding], PART[encoding] - last)


def gsm7_encode(text: str) -> bytes:
    """One byte per septet (unpacked, as SMPP data_coding 0 carries it)."""
    out = bytearray()
    for char in text:
        if char in GSM7_EXTENSION:
            out += bytes((0x1B, GSM7_EXTENSION[char]))
        else:
            out.append(_BASIC_CODE[char])
    return bytes(out)


def gsm7_decode(data: bytes) -> str:
    """Unpacked GSM-7 septets back to text (what an SMSC delivers with data_coding 0)."""
    extension = {code: char for char, code in GSM7_EXTENSION.items()}
    out, escaped = [], False
    for byte in data:
        if escaped:
            out.append(extension.get(byte, " "))
            escaped = False
        elif byte == 0x1B:
            escaped = True
        else:
            out.append(GSM7_BASIC[byte & 0x7F])
    return "".join(out)


def encode_part(text: str, encoding: str) -> bytes:
    return gsm7_encode(text) if encoding == GSM7 else text.encode("utf-16-be")
