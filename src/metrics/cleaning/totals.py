"""A sheet's own totals, wherever they stand, checked against the rows they cover.

Offices write 合计 / 总计 / 小计 / 共计 rows above or below the body, put the figure in any
column - or in an unlabelled column of the last row - or write a footer in words
(「共计48740人次 | 总金额10272810.33」). A 小计 covers the rows since the previous one; any other
total covers its whole table (block). The checks are reported, never enforced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from metrics.cleaning import parsing
from metrics.cleaning.parsing import is_empty, normalize_text
from metrics.contract import Col

#: Name of the "figure" a footer's row count is checked as.
ROWS_FIELD = "rows"


@dataclass
class TotalCheck:
    """A sheet's own total compared with the sum of the valid rows it covers."""

    excel_row: int
    field: str
    stated: float | None
    stated_qualifier: str
    computed: float
    computed_qualifier: str
    status: str  # agree | differ | consistent | unreadable
    covers: str = "all"  # all | group (a 小计: the rows since the previous one) | block N

    @property
    def difference(self) -> float | None:
        return None if self.stated is None else round(self.stated - self.computed, 2)


@dataclass
class TotalRow:
    """A row recognised as a total, before it is checked."""

    excel_row: int
    cells: list[Any]
    block: int
    subtotal: bool = False
    unlabelled: float | None = None  # a bare number in a column the header leaves unnamed


@dataclass(frozen=True)
class Figure:
    """What a block's totals state: a records column, read from a sheet column by a parser."""

    field: str
    index: int
    multiplier: float = 1.0


@cache
def _words() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    vocab = parsing.load_vocab()
    return (
        tuple(w.lower() for w in vocab["subtotal_words"]),
        tuple(vocab["row_count_units"]),
        tuple(sorted(vocab["amount_words"], key=len, reverse=True)),
    )


_NUMBER = r"([0-9][0-9,，]*(?:\.[0-9]+)?)"


def is_subtotal(cells: list[Any]) -> bool:
    subs, _, _ = _words()
    return any(
        normalize_text(c).replace(" ", "").lower().startswith(subs)
        for c in cells
        if isinstance(c, str)
    )


def footer_figures(cells: list[Any]) -> tuple[float | None, int | None]:
    """(amount, row count) a total row states in words: 「共计48740人次」「总金额10272810.33」."""
    _, units, amount_words = _words()
    text = " | ".join(normalize_text(c) for c in cells if isinstance(c, str) and c.strip())
    if not text:
        return None, None
    count = None
    m = re.search(_NUMBER + r"\s*(?:" + "|".join(map(re.escape, units)) + ")", text)
    if m:
        count = int(float(m.group(1).replace(",", "").replace("，", "")))
    amount = None
    pattern = "(?:" + "|".join(map(re.escape, amount_words)) + r")[^0-9|]{0,6}" + _NUMBER
    for m in re.finditer(pattern, text):
        tail = text[m.end() : m.end() + 3]
        if any(tail.lstrip().startswith(u) for u in units):
            continue  # 共计48740人次 is a count, not an amount
        amount = float(m.group(1).replace(",", "").replace("，", ""))
        if "万" in tail[:1]:
            amount *= 10000
    return amount, count


def _lone_number(cells: list[Any]) -> float | None:
    """The only number on a total row, when its figure stands outside the amount column."""
    numbers = [
        float(c)
        for c in cells
        if isinstance(c, (int, float)) and not isinstance(c, bool) and c == c
    ]
    return round(numbers[0], 2) if len(numbers) == 1 else None


def _status(stated: float, computed: float, computed_q: str) -> str:
    if abs(stated - computed) < 0.5:
        return "agree"
    if computed_q == "at_least" and stated >= computed:
        return "consistent"
    return "differ"


def check_totals(
    totals: list[TotalRow],
    records: pd.DataFrame,
    blocks: list[tuple[int, int, int]],
    figures: dict[int, Figure | None],
    qualifier_of: dict[str, str],
    parse: Any,
) -> list[TotalCheck]:
    """Each total against the accepted rows it covers.

    ``blocks`` are (block, first Excel row, last Excel row); ``figures`` say per block which
    column its totals state; ``parse(value, multiplier)`` reads a stated cell.
    """
    checks: list[TotalCheck] = []
    if records is None or not totals:
        return checks
    rows = records[Col.SOURCE_ROW].to_numpy()
    last_sub: dict[int, int] = {}
    many_blocks = len({b for b, _, _ in blocks}) > 1
    for total in sorted(totals, key=lambda t: t.excel_row):
        figure = figures.get(total.block)
        mask = np.zeros(len(rows), dtype=bool)
        for b, a, z in blocks:
            if b == total.block:
                mask |= (rows >= a) & (rows <= z)
        covers = f"block {total.block + 1}" if many_blocks else "all"
        if total.subtotal:
            mask &= (rows > last_sub.get(total.block, 0)) & (rows < total.excel_row)
            last_sub[total.block] = total.excel_row
            covers = "group"
        covered = records[mask]
        text_amount, text_count = footer_figures(total.cells)
        if text_count is not None:
            checks.append(
                TotalCheck(
                    total.excel_row,
                    ROWS_FIELD,
                    float(text_count),
                    "exact",
                    float(len(covered)),
                    "exact",
                    "agree" if text_count == len(covered) else "differ",
                    covers,
                )
            )
        if figure is None:
            continue
        cell = total.cells[figure.index] if figure.index < len(total.cells) else None
        stated = parse(cell, figure.multiplier) if not is_empty(cell) else None
        if stated is None or stated.value is None:
            if total.unlabelled is not None:
                stated = parsing.Parsed(round(total.unlabelled, 2))
            elif text_amount is not None:
                stated = parsing.Parsed(text_amount)
            elif text_count is not None:
                continue  # a footer stating only a count
            elif (lone := _lone_number(total.cells)) is not None:
                stated = parsing.Parsed(lone)  # 合计 | | 1500 one column off
        values = pd.to_numeric(covered[figure.field], errors="coerce") if len(covered) else None
        computed = float(values.fillna(0).sum()) if values is not None else 0.0
        computed_q = "exact"
        qcol = qualifier_of.get(figure.field)
        if qcol and values is not None and qcol in covered:
            computed_q = parsing.combine_qualifiers(covered[qcol][values.notna()].dropna().unique())
        if stated is None or not stated.ok or stated.value is None:
            status, value, qual = "unreadable", None, "exact"
        else:
            value, qual = float(stated.value), stated.qualifier
            status = _status(value, computed, computed_q)
        checks.append(
            TotalCheck(
                total.excel_row,
                figure.field,
                value,
                qual,
                round(computed, 2),
                computed_q,
                status,
                covers,
            )
        )
    return checks
