"""The blank ledgers' file names: 捐款捐物登记_{office}_{period}.xlsx, written and read back.

``shishi template`` names each office's ledger with its office and period so files sent back
never share a name; the cleaner reads the office and period back from a name of that form
(provenance.Origin) when a sheet's own 填报单位 / 填报期间 cells are missing.
"""

from __future__ import annotations

import re

from metrics.contract import TABLE_LABELS

#: File name stem per table: 捐款捐物登记_{office}_{period}.xlsx
TEMPLATE_STEMS = {
    "wishes": TABLE_LABELS["wishes"],
    "donations": "捐款捐物登记",
    "purchases": TABLE_LABELS["purchases"],
    "volunteering": "志愿服务活动",
}
#: Characters a file name cannot hold on Windows (where the offices' Excel runs).
_BAD_NAME_CHARS = '/\\:*?"<>|'


def template_name(table: str, office: str = "", period: str = "") -> str:
    """捐款捐物登记_卷包车间_2025Q1.xlsx (parts left out when empty)."""
    parts = [TEMPLATE_STEMS[table], safe_file_part(office), period]
    return "_".join(p for p in parts if p) + ".xlsx"


_PERIOD_PART = r"\d{4}(?:Q[1-4]|H[12]|-\d{2})?"


def template_parts(name: str) -> tuple[str, str, str] | None:
    """(table, office, period) read back from a template's file name, as :func:`template_name`
    writes it; a suffix the office added (_更正, (1)) is allowed. None for any other name."""
    stem = name.rsplit(".", 1)[0]
    for table, word in TEMPLATE_STEMS.items():
        m = re.fullmatch(
            rf"{word}(?:_(.+?))??(?:_({_PERIOD_PART}))(?:[_\-\s(（].*)?", stem
        ) or re.fullmatch(rf"{word}_([^_]+)", stem)
        if m:
            period = m.group(2) if m.lastindex and m.lastindex >= 2 else ""
            return table, (m.group(1) or "").strip(), period or ""
    return None


def safe_file_part(text: str) -> str:
    """An office name as it can appear in a file name (characters Windows refuses removed)."""
    return "".join("-" if c in _BAD_NAME_CHARS else c for c in text).strip(" .")
