"""SMS length and segments: the limits of GSM-7 and UCS-2, and the extension table counting 2."""

from __future__ import annotations

import pytest

from diagnostics import sms_text
from diagnostics.sms_text import GSM7, UCS2, measure, split


def test_gsm7_table_has_128_codes():
    assert len(sms_text.GSM7_BASIC) == 128


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", GSM7, 0, 0),
        ("a" * 160, GSM7, 160, 1),
        ("a" * 161, GSM7, 161, 2),
        ("a" * 306, GSM7, 306, 2),  # 2 × 153
        ("a" * 307, GSM7, 307, 3),
        ("€" * 80, GSM7, 160, 1),  # the extension table counts 2
        ("a" * 159 + "€", GSM7, 161, 2),
        ("é" * 160, GSM7, 160, 1),  # é is in the basic table
        ("ç" * 70, UCS2, 70, 1),  # ç is not: UCS-2
        ("ç" * 71, UCS2, 71, 2),
        ("ç" * 134, UCS2, 134, 2),  # 2 × 67
        ("ç" * 135, UCS2, 135, 3),
        ("🚨" * 35, UCS2, 70, 1),  # a surrogate pair counts 2
        ("🚨" * 36, UCS2, 72, 2),
    ],
)
def test_measure(text, encoding, units, segments):
    length = measure(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)


def test_an_escape_pair_is_not_split_across_parts():
    text = "a" * 152 + "€" + "b" * 10  # 164 septets: two parts; the € would take septets 153 and 154
    encoding, parts = split(text)
    assert encoding == GSM7
    assert parts == ["a" * 152, "€" + "b" * 10]
    assert measure(text).segments == 2
    assert all(len(sms_text.gsm7_encode(part)) <= 153 for part in parts)


def test_a_surrogate_pair_is_not_split():
    text = "ç" * 66 + "🚨" + "ç" * 10
    _, parts = split(text)
    assert parts[0] == "ç" * 66 and parts[1].startswith("🚨")
    assert all(len(part.encode("utf-16-be")) <= 134 for part in parts)


def test_limits_and_remaining():
    assert measure("a" * 160).per_segment == 160
    assert measure("a" * 161).per_segment == 153
    assert measure("ç" * 71).per_segment == 67
    assert measure("a" * 150).remaining == 10
    assert "2 SMS" in measure("a" * 200).label


def test_encoding_round_trip():
    assert sms_text.gsm7_encode("@€a") == bytes((0x00, 0x1B, 0x65, 0x61))
    assert sms_text.encode_part("ç", UCS2) == "ç".encode("utf-16-be")
