"""HTML building blocks for report pages: cover, KPI cards, tables that fit A4, page breaks.

Notebooks call these and ``display`` the result; report.css gives them their look. Every value
is escaped here, so text from a spreadsheet can never inject markup into the PDF.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from IPython.display import HTML


@dataclass(frozen=True)
class Card:
    """One headline figure: what it is, the figure, and a line of context under it."""

    label: str
    value: str
    sub: str = ""


def _e(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "—"
    return html.escape(str(value))


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
        f'<div class="kpi"><div class="label">{_e(c.label)}</div>'
        f'<div class="value">{_e(c.value)}</div><div class="sub">{_e(c.sub)}</div></div>'
        for c in items
    )
    return HTML(f'<div class="kpis">{body}</div>')


def table(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    *,
    numeric: Iterable[str] = (),
    caption: str = "",
    small: bool = False,
    empty: str = "本期无数据",
) -> HTML:
    """A table with Chinese headers; numeric columns right-aligned; empty tables say so."""
    if frame is None or frame.empty:
        return HTML(f'<p class="note">{_e(empty)}</p>')
    numeric = set(numeric)
    cols = [c for c in columns if c in frame.columns]
    head = "".join(
        f'<th{" class=num" if c in numeric else ""}>{_e(columns[c])}</th>' for c in cols
    )
    rows = []
    for _, row in frame[cols].iterrows():
        cells = "".join(
            f'<td{" class=num" if c in numeric else ""}>{_e(row[c])}</td>' for c in cols
        )
        rows.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    cls = ' class="small"' if small else ""
    return HTML(f"<table{cls}>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def note(text: str) -> HTML:
    return HTML(f'<p class="note">{_e(text)}</p>')
