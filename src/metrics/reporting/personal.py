"""Personal identifiers masked in everything that leaves the analyst's desk.

A 备注 cell of a list of 困难职工 or patients may read "张伟 电话13812345678
身份证110101199003071234"; PIPL treats ID, medical and financial details as sensitive. The
processed tables keep the text (they stay on the analyst's machine); the PDFs, the .docx and
the .xlsx show a shape that says something was there, never the number:

- 身份证号 (18 digits, the last may be X; or the old 15): first 6 and last 4 kept,
  ``110101********1234``;
- mobile numbers (1[3-9] and 9 more digits, +86 or 86 before them allowed): ``138****5678``;
- landlines (0 and a 2–3 digit area code, a dash, 7–8 digits): ``010-****5678``;
- bank card numbers (16–19 digits, also in groups of four): first 4 and last 4 kept.

A number is one only when no letter or digit touches it, so a SHA-256 in hex, an amount with
separators or a date is never taken for one. Reference columns (:data:`REFERENCE_COLUMNS`:
交易单号, 序号) are numbers of the ledger itself and are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from metrics import contract
from metrics.contract import Col

#: Processed columns that hold the ledger's own reference numbers, never a person's, and
#: their Chinese headers (as the Excel detail sheets show them).
REFERENCE_COLUMNS = frozenset(
    {"ref", Col.ITEM_ID}
    | {
        c.label
        for t in contract.TABLES
        for c in contract.columns(t)
        if c.name in {"ref", Col.ITEM_ID}
    }
)

_EDGE_BEFORE = r"(?<![0-9A-Za-z])"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
_ID18 = re.compile(_EDGE_BEFORE + r"(\d{6})\d{8}(\d{3}[\dXx])" + _EDGE_AFTER)
_ID15 = re.compile(_EDGE_BEFORE + r"(\d{6})\d{5}(\d{4})" + _EDGE_AFTER)
_CARD = re.compile(
    _EDGE_BEFORE + r"(\d{4})((?:[ -]?\d){8,11})([ -]?\d{4})" + _EDGE_AFTER  # 16-19 digits
)
_MOBILE = re.compile(_EDGE_BEFORE + r"((?:\+?86[- ]?)?1[3-9]\d)(\d{4})(\d{4})" + _EDGE_AFTER)
_LANDLINE = re.compile(_EDGE_BEFORE + r"(0\d{2,3}[- ])(\d{3,4})(\d{4})" + _EDGE_AFTER)


def _keep_ends(m: re.Match[str]) -> str:
    head, middle, tail = m.groups()
    return head + re.sub(r"\d", "*", middle) + tail


def mask(text: str) -> str:
    """The text with every ID, mobile, landline and bank card number masked."""
    if sum(ch.isdigit() for ch in text) < 11:  # the shortest: a mobile number
        return text
    text = _ID18.sub(lambda m: f"{m[1]}{'*' * 8}{m[2]}", text)
    text = _CARD.sub(_keep_ends, text)
    text = _ID15.sub(lambda m: f"{m[1]}{'*' * 5}{m[2]}", text)
    text = _MOBILE.sub(_keep_ends, text)
    return _LANDLINE.sub(_keep_ends, text)


def holds_identifier(text: object) -> bool:
    """Whether masking would change the text."""
    return isinstance(text, str) and mask(text) != text


def where_found(
    tables: Mapping[str, pd.DataFrame], labels: Mapping[str, Mapping[str, str]] | None = None
) -> list[tuple[str, str]]:
    """(file, column) pairs whose cells hold an identifier, each once, in file order.

    ``labels`` maps a table to its column labels (the contract's Chinese headers).
    """
    found: dict[tuple[str, str], None] = {}
    for table, frame in tables.items():
        if Col.SOURCE_FILE not in frame.columns:
            continue
        names = (labels or {}).get(table, {})
        for col in frame.columns:
            if col in REFERENCE_COLUMNS or not (
                frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col])
            ):
                continue
            hits = frame[col].map(holds_identifier)
            for file in frame.loc[hits.fillna(False).astype(bool), Col.SOURCE_FILE].unique():
                found[(str(file), names.get(col, col))] = None
    return sorted(found, key=lambda fc: (fc[0], fc[1]))


def found_sentence(places: list[tuple[str, Any]]) -> str:
    """One sentence naming the files and columns that held identifiers (never the numbers)."""
    if not places:
        return ""
    by_file: dict[str, list[str]] = {}
    for file, col in places:
        by_file.setdefault(file, []).append(str(col))
    named = "；".join(f"{f}（{'、'.join(cols)}）" for f, cols in by_file.items())
    return (
        f"个人信息：以下文件的列中有身份证号、手机号、固定电话或银行卡号，"
        f"领导报告、Word、Excel 和本报告中已遮蔽（如 138****5678），清洗结果中仍保留原文：{named}。"
    )


def processed_note(processed_dir: Path | str, scope: Any) -> str:
    """The data-quality report's sentence on identifiers in the scope's processed tables."""
    from metrics.files import load_processed

    tables = {t: scope.filter(f) for t, f in load_processed(Path(processed_dir)).items()}
    return found_sentence(where_found(tables, {t: contract.column_labels(t) for t in tables}))
