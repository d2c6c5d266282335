"""HTML building blocks for report pages: cover, KPI cards, tables that fit A4, page breaks.

Notebooks call these and ``display`` the result; report.css gives them their look. Every value
is escaped here, so text from a spreadsheet can never inject markup into the PDF.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from IPython.display import HTML

from metrics.reporting.safe_text import for_cell, for_display


@dataclass(frozen=True)
class Card:
    """One headline figure: what it is, the figure, and a line of context under it."""

    label: str
    value: str
    sub: str = ""


def _missing(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and pd.isna(value))
    )


def _e(value: object) -> str:
    return "—" if _missing(value) else html.escape(for_display(value))


def _cell(value: object) -> str:
    """A table cell: escaped, and long text cut with "…" (the Excel export keeps it whole)."""
    return "—" if _missing(value) else html.escape(for_cell(value))


def yuan(value: float) -> str:
    """A plain yuan figure for check tables: 412,000 or 412,000.50."""
    return f"{float(value):,.2f}".removesuffix(".00")


def cover(title: str, subtitle: str, meta: Mapping[str, str]) -> HTML:
    """The first page: title, period, unit and when it was made."""
    lines = "".join(f"<div>{_e(k)}：{_e(v)}</div>" for k, v in meta.items())
    return HTML(
        f'<section class="cover"><div class="title">{_e(title)}</div>'
        f'<div class="subtitle">{_e(subtitle)}</div><div class="meta">{lines}</div></section>'
    )


def heading(text: str, level: int = 2, new_page: bool = False) -> HTML:
    cls = ' class="page-break"' if new_page else ""
    return HTML(f"<h{level}{cls}>{_e(text)}</h{level}>")


def paragraph(*sentences: str, cls: str = "") -> HTML:
    attr = f' class="{cls}"' if cls else ""
    return HTML(f"<p{attr}>{''.join(_e(s) for s in sentences)}</p>")


def bullets(items: Iterable[str]) -> HTML:
    return HTML("<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>")


def cards(items: Sequence[Card]) -> HTML:
    body = "".join(
        f'<td class="kpi"><div class="label">{_e(c.label)}</div>'
        f'<div class="value">{_e(c.value)}</div><div class="sub">{_e(c.sub)}</div></td>'
        for c in items
    )
    return HTML(f'<table class="kpis"><tr>{body}</tr></table>')


def table(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    *,
    numeric: Iterable[str] = (),
    caption: str = "",
    small: bool = False,
    empty: str = "本期无数据",
    formats: Mapping[str, Callable[[Any], str]] | None = None,
    nowrap: Iterable[str] = (),
) -> HTML:
    """A table with Chinese headers; numeric columns right-aligned; empty tables say so.

    ``formats`` maps a column to a function that writes its cells (e.g. yuan with separators).
    """
    if frame is None or frame.empty:
        return HTML(f'<p class="note">{_e(empty)}</p>')
    numeric, nowrap = set(numeric), set(nowrap)
    cols = [c for c in columns if c in frame.columns]
    head = "".join(f"<th{_cls(c, numeric, nowrap)}>{_e(columns[c])}</th>" for c in cols)
    formats = dict(formats or {})
    rows = []
    for _, row in frame[cols].iterrows():
        cells = "".join(
            f"<td{_cls(c, numeric, nowrap)}>"
            f"{_cell(formats[c](row[c]) if c in formats and not _missing(row[c]) else row[c])}</td>"
            for c in cols
        )
        rows.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    cls = ' class="small"' if small else ""
    return HTML(
        f"<table{cls}>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _cls(column: str, numeric: set[str], nowrap: set[str]) -> str:
    if column in nowrap:
        return " class=nw"
    return " class=num" if column in numeric else ""


def note(text: str) -> HTML:
    return HTML(f'<p class="note">{_e(text)}</p>')
