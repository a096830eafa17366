"""A CSV's cells are the same whichever reader takes it: Arrow's (the fast path, for a plain
UTF-8 file) or pandas' (every file Arrow could read differently)."""

from __future__ import annotations

import pandas as pd
import pytest

from diagnostics.io import csvfile

HEADER = "categorie;gravite;date;latitude;longitude;constat\r\n"


def by_pandas(content: bytes) -> pd.DataFrame:
    encoding = csvfile._encoding(content)
    delimiter = csvfile._delimiter(content[: 1 << 16].decode(encoding, errors="ignore"))
    frame = csvfile._read_with_pandas(content, encoding, delimiter)
    frame.columns = [str(c).strip() for c in frame.columns]
    return csvfile._unquote_formulas(frame)


FAST = {
    "plain": HEADER + "eclairage;3;01/12/2026;47.44;5.59;Rue du Moulin\r\n",
    "quotes and separators": HEADER + 'tags;1;01/12/2026;47,44;5,59;"Tag ""ACAB"" ; rue; pont"\r\n',
    "a newline in a cell": HEADER + 'autre;2;01/12/2026;47.44;5.59;"deux\nlignes"\n',
    "blank cells and lines": HEADER + ";;;;;\r\n\r\nautre;;;47.44;5.59;\r\n",
    "accents and a BOM": "\ufeff" + HEADER + "éclairage;Forte;01/12/2026;47.44;5.59;Église à l'île\r\n",
    "commas": "nom,latitude,longitude\nGare,47.62,6.15\n",
    "a formula quoted by our export": HEADER + "autre;1;01/12/2026;47.44;5.59;'=SOMME(A1)\r\n",
    "header only": HEADER,
    "trailing spaces": HEADER + "autre ;1 ;01/12/2026;47.44;5.59;fin   \r\n",
}
SLOW = {
    "spaces after a separator": HEADER + 'autre; 1; 01/12/2026;47.44;5.59; "a; b"\r\n',
    "a short row": HEADER + "autre;1\r\n",
    "a long row": HEADER + "autre;1;01/12/2026;47.44;5.59;x;y\r\n",
    "a repeated name": "nom;nom;latitude;longitude\nA;B;47.4;5.5\n",
    "a blank name": "nom;;latitude;longitude\nA;B;47.4;5.5\n",
    "Windows-1252": None,
}


@pytest.mark.parametrize("content", FAST.values(), ids=FAST.keys())
def test_arrow_reads_a_plain_utf8_file_as_pandas_does(content):
    raw = content.encode("utf-8")
    assert csvfile._read_with_arrow(raw, csvfile._encoding(raw), csvfile._delimiter(content)) is not None
    pd.testing.assert_frame_equal(csvfile._read_table(raw), by_pandas(raw))


@pytest.mark.parametrize("content", SLOW.values(), ids=SLOW.keys())
def test_a_file_arrow_could_read_otherwise_is_read_by_pandas(content):
    raw = (HEADER + "éclairage;1;01/12/2026;47.44;5.59;Église\r\n").encode("cp1252") if content is None else None
    raw = raw or content.encode("utf-8")
    delimiter = csvfile._delimiter(raw.decode("utf-8", errors="ignore"))
    assert csvfile._read_with_arrow(raw, csvfile._encoding(raw), delimiter) is None
    pd.testing.assert_frame_equal(csvfile._read_table(raw), by_pandas(raw))
