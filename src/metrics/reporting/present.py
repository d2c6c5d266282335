"""HTML building blocks for report pages: the 简报's 报头 and 版记, KPI cards, tables, headings.

Notebooks call these and ``display`` the result; report.css gives them their look. Every value
is escaped here, so text from a spreadsheet can never inject markup into the PDF.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
from IPython.display import HTML

from metrics.reporting.analyst import Photo
from metrics.reporting.model import Card, Chart, Section, SummaryReport, Table
from metrics.reporting.parts import BRIEF_NAME, issue_number
from metrics.reporting.safe_text import for_cell, for_display
from metrics.reporting.text import format_date


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
    cls = _table_class(len(rows), small)
    return HTML(
        f"<table{cls}>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


#: A table of this many rows or fewer is never split across pages (report.css: table.whole).
WHOLE_ROWS = 12


def _table_class(rows: int, small: bool) -> str:
    names = [n for n, on in (("small", small), ("whole", rows <= WHOLE_ROWS)) if on]
    return f' class="{" ".join(names)}"' if names else ""


def _cls(column: str, numeric: set[str], nowrap: set[str]) -> str:
    if column in nowrap:
        return " class=nw"
    return " class=num" if column in numeric else ""


def note(text: str) -> HTML:
    return HTML(f'<p class="note">{_e(text)}</p>')


# --- the leadership report, from its model (metrics.reporting.model) ----------------------------

PHOTO_MAX_PX = 1400


#: The 简报's name in its red 报头.
def _attr(value: object) -> str:
    return html.escape(str(value), quote=True)


def model_table(t: Table) -> HTML:
    """A model Table as HTML (cells are already worded by metrics.reporting.text)."""
    if not t.rows:
        return HTML(f'<p class="note">{_e(t.empty)}</p>')
    numeric = set(t.numeric)
    cls = lambda i: " class=num" if i in numeric else ""  # noqa: E731
    head = "".join(f"<th{cls(i)}>{_e(h)}</th>" for i, h in enumerate(t.headers))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{_cell(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in t.rows
    )
    cap = f"<caption>{_e(t.caption)}</caption>" if t.caption else ""
    small = _table_class(len(t.rows), t.small)
    return HTML(f"<table{small}>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def _img(data: bytes, mime: str, alt: str, cls: str = "chart", caption: str = "") -> str:
    b64 = base64.b64encode(data).decode("ascii")
    cap = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="{cls}"><img src="data:{mime};base64,{b64}" alt="{_attr(alt)}">'
        f"{cap}</figure>"
    )


def model_chart(c: Chart) -> HTML:
    """A chart drawn by charts.render_all (its PNG is in the model)."""
    if c.svg:  # vector in the PDF: sharp at any zoom, and laid out faster than a 300 dpi PNG
        return HTML(_img(c.svg, "image/svg+xml", c.title))
    if not c.png:
        return HTML(f'<p class="note">{_e(c.title)}：图表未生成。</p>')
    return HTML(_img(c.png, "image/png", c.title))


def _block(b: Table | Chart) -> str:
    return (model_table(b) if isinstance(b, Table) else model_chart(b)).data


def _photo(photo: Photo) -> str:
    """A case photo, scaled down so a camera's 5 MB image does not swell the PDF."""
    from PIL import Image as PILImage

    with PILImage.open(photo.path) as img:
        img.thumbnail((PHOTO_MAX_PX, PHOTO_MAX_PX))
        buf = io.BytesIO()
        img.convert("RGB").save(buf, format="JPEG", quality=85)
    return _img(buf.getvalue(), "image/jpeg", photo.caption, "photo", photo.caption)


def report_head(r: SummaryReport) -> HTML:
    """Title, author and subject for the PDF's metadata (WeasyPrint reads them from the HTML)."""
    m = r.metadata
    return HTML(
        f"<title>{_e(m['title'])}</title>"
        f'<meta name="author" content="{_attr(m["author"])}">'
        f'<meta name="description" content="{_attr(m["subject"])}">'
        f'<meta name="keywords" content="{_attr(m["keywords"])}">'
        f'<meta name="dcterms.created" content="{r.made_on.isoformat()}">'
    )


def report_cover(r: SummaryReport) -> HTML:
    """The 简报 报头 (name, 期数, 文号, 编发单位 and 成文日期 over a red rule), then the title.

    The body follows on the same page, as in a printed 简报. 报送 is the recipient and is said
    in the 版记 (:func:`closing`), never here.
    """
    marks = '<div class="draft-mark">草稿（数据不完整）</div>' if r.draft else ""
    if r.sample:
        marks += '<div class="sample-mark">示例数据（虚构单位，仅供演示）</div>'
    issue = issue_number(r)
    number = r.signature.number
    sig = r.signature
    span = f"（{format_date(r.period.start)}至{format_date(r.period.end)}）"
    return HTML(
        f'<section class="cover baotou">{marks}'
        f'<div class="bt-name">{_e(BRIEF_NAME)}</div>'
        + (f'<div class="bt-issue">{_e(issue)}</div>' if issue else "")
        + (f'<div class="bt-number">{_e(number)}</div>' if number else "")
        + f'<table class="bt-line"><tr><td class="bt-from">{_e(sig.unit)}　编</td>'
        f'<td class="bt-date">{_e(sig.date)}</td></tr></table>'
        '<div class="bt-rule"></div></section>'
        f'<h1 class="doc-title">{_e(r.title)}<br>{_e(r.subtitle)}</h1>'
        f'<p class="doc-span">{_e(span)}</p>'
    )


def _targets(r: SummaryReport) -> str:
    if not r.targets:
        return ""
    rows = "".join(
        f"<tr><td>{_e(t.label)}</td><td class=num>{_e(t.target)}</td><td class=num>{_e(t.done)}</td>"
        f'<td class="bar"><div class="track"><div class="fill" style="width:{min(t.share or 0, 1) * 100:.0f}%">'
        f"</div></div></td><td class=num>{_e(t.progress)}</td></tr>"
        for t in r.targets
    )
    return (
        '<table class="targets"><caption>年度目标完成情况</caption><thead><tr><th>指标</th>'
        f"<th class=num>年度目标</th><th class=num>{_e(r.done_label)}</th><th>进度</th><th class=num>完成</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def summary_page(r: SummaryReport) -> HTML:
    """一、总体情况: the blockers box, cards, the sentences, targets, 环比/同比 and the trend."""
    parts = [f"<h2>{_e(r.summary_title)}</h2>"]
    if r.blockers:
        items = "".join(f"<li>{_e(b)}</li>" for b in r.blockers)
        parts.append(
            '<div class="blockers"><b>草稿 · 数据不完整：以下问题解决前，'
            "本报告中的数字不完整，不能作为正式数字引用。</b>"
            f"<ul>{items}</ul></div>"
        )
    if r.notice:
        parts.append(f'<p class="empty">{_e(r.notice)}</p>')
    parts.append(cards(r.cards).data)
    parts += [f"<p>{_e(s)}</p>" for s in r.sentences]
    parts.append(_targets(r))
    parts.append(model_table(r.comparison).data)
    if r.units is not None:  # a group's report: its units side by side
        parts.append(model_table(r.units).data)
    if r.trend is not None:
        parts.append(model_chart(r.trend).data)
    parts.append(f'<p class="note">{_e(r.precision_note)}</p>')
    return HTML("".join(parts))


def completed_page(r: SummaryReport) -> HTML:
    """本期办结实事: the items by name."""
    return HTML(
        f"<h2>{_e(r.completed_title)}</h2><p>{_e(r.completed_lead)}</p>"
        + model_table(r.completed).data
    )


def section_page(s: Section) -> HTML:
    """One area: its tables and charts, or 数据未能读取 when its ledger could not be read."""
    if s.unreadable:
        return HTML(f'<h2>{_e(s.title)}</h2><p class="empty">{_e(s.unreadable)}</p>')
    lead = "".join(f"<p>{_e(x)}</p>" for x in s.lead)
    return HTML(f"<h2>{_e(s.title)}</h2>{lead}" + "".join(_block(b) for b in s.blocks))


def highlights_page(r: SummaryReport) -> HTML:
    """亮点与典型案例, in the analyst's words; nothing at all when they wrote none."""
    if not r.highlights_title:
        return HTML("")
    parts = [f"<h2>{_e(r.highlights_title)}</h2>"]
    if r.highlights:
        parts.append("<h3>工作亮点</h3>" + bullets(r.highlights).data)
    for case in r.cases:
        parts.append(f'<div class="case"><h3>{_e(case.title)}</h3>')
        parts += [f"<p>{_e(p)}</p>" for p in case.paragraphs]
        parts += [_photo(p) for p in case.photos]
        parts.append("</div>")
    return HTML("".join(parts))


def problems_page(r: SummaryReport) -> HTML:
    """存在问题与下一步工作; nothing when the analyst wrote neither."""
    if not r.problems_title:
        return HTML("")
    parts = [f"<h2>{_e(r.problems_title)}</h2>"]
    if r.problems:
        parts.append("<h3>存在问题</h3>" + bullets(r.problems).data)
    if r.next_steps:
        parts.append("<h3>下一步工作</h3>" + bullets(r.next_steps).data)
    return HTML("".join(parts))


def closing(r: SummaryReport) -> HTML:
    """落款 (unit and 成文日期), the provenance line, and the 版记 (GB/T 9704: 报送, 抄送, then
    印发机关 and 印发日期 between thin rules) at the foot of the last page."""
    sig = r.signature
    parts = [f'<div class="signature"><div>{_e(sig.unit)}</div><div>{_e(sig.date)}</div></div>']
    parts.append(f'<p class="note provenance">{_e(r.provenance)}</p>')
    rows = [f'<div class="bj-row">{k}：{_e(v)}</div>' for k, v in banji_lines(r) if v]
    printer, printed = sig.printing
    rows.append(
        f'<table class="bj-print"><tr><td>{_e(printer)}</td>'
        f'<td class="bj-date">{_e(printed)}</td></tr></table>'
    )
    parts.append(f'<div class="banji">{"".join(rows)}</div>')
    return HTML("".join(parts))


def banji_lines(r: SummaryReport) -> list[tuple[str, str]]:
    """The 版记's 报送 (the recipient) and 抄送 lines, as the text file gives them."""
    return [("报送", r.signature.send_to), ("抄送", r.signature.copy_to)]
