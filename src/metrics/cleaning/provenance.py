"""Who filled a ledger and who checked it: the 填报 lines above its header, kept in the manifest.

Offices (and ``shishi template``) write 填报单位 / 填报期间 / 填报人 / 审核人 / 填报日期 above the
header row, as "填报人：" with the name in the same cell or in the next one. The cleaner skips
those rows as it always did; this module reads them so manifest.json can say, per sheet, who
stands behind its figures. The labels live in ``data/vocab.toml`` ([provenance]).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from metrics.cleaning.parsing import load_vocab, normalize_text

#: How many rows from the top are searched (the header itself is at most this far down).
PROVENANCE_ROWS = 20

_SEPARATORS = re.compile(r"[:：\s]+")


@cache
def _labels() -> dict[str, str]:
    """Normalized label -> provenance key (填报人 -> filled_by)."""
    return {
        _SEPARATORS.sub("", normalize_text(word)): key
        for key, words in load_vocab().get("provenance", {}).items()
        for word in words
    }


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalize_text(value)


def read_provenance(rows: Iterable[list[Any]], before_row: int | None = None) -> dict[str, str]:
    """The 填报 fields found in ``rows`` above Excel row ``before_row`` (the header).

    A cell that is a label ("填报人" / "填报人：") takes the next non-empty cell to its right;
    a cell "填报人：张三" holds both. Empty fields are left out; the first value of a key wins.
    """
    labels = _labels()
    found: dict[str, str] = {}
    for r, row in enumerate(rows):
        if r >= PROVENANCE_ROWS or (before_row is not None and r + 1 >= before_row):
            break
        cells = list(row)
        for i, cell in enumerate(cells):
            if not isinstance(cell, str) or not cell.strip():
                continue
            head, sep, rest = normalize_text(cell).partition("：")
            if not sep:
                head, sep, rest = head.partition(":")
            key = labels.get(_SEPARATORS.sub("", head))
            if key is None or key in found:
                continue
            value = rest.strip()
            if not value:
                value = next((_text(c) for c in cells[i + 1 :] if _text(c)), "")
                if _SEPARATORS.sub("", value) in labels:  # the next cell is another label
                    value = ""
            if value:
                found[key] = value
    return found


def sheet_heads(sheets: Iterable[Any]) -> dict[tuple[str, str], list[list[Any]]]:
    """The first rows of each raw sheet, read before cleaning releases them."""
    return {(s.file, s.sheet): s.head(PROVENANCE_ROWS) for s in sheets}


def attach_provenance(
    manifest: dict[str, Any], heads: dict[tuple[str, str], list[list[Any]]]
) -> None:
    """Add ``provenance`` to each sheet entry of the manifest that has 填报 lines above its header."""
    for f in manifest.get("files", []):
        for sheet in f.get("sheets", []):
            rows = heads.get((f["file"], sheet.get("sheet")))
            header_row = sheet.get("header_row")
            if not rows or not header_row:
                continue
            found = read_provenance(rows, before_row=header_row)
            if found:
                sheet["provenance"] = found
