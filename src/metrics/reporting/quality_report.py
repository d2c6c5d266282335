"""The data-quality report for the analyst, section by section, as HTML the notebook shows.

The notebook (notebooks/data_quality.ipynb) holds its parameters, one :func:`load_quality`
call and one display per section; what each section says and which columns its tables have
lives here, where a test reaches it. The tables themselves come from :mod:`quality`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML

from metrics import version
from metrics.cleaning.duplicates import duplicates_table, near_duplicates_table
from metrics.contract import COUNT_LABELS, SKIPPED_LABEL, TABLES, Col
from metrics.errors import ShishiError
from metrics.files import load_manifest, load_processed, load_side_table
from metrics.paths import data_dirs
from metrics.periods import Period
from metrics.reporting import kpi, personal, present, quality
from metrics.reporting.fonts import font_notice
from metrics.reporting.headlines import data_key
from metrics.reporting.receipts import (
    MATRIX_COLUMNS,
    branch_label,
    cell_notes,
    cell_text,
    receipt_matrix,
)
from metrics.reporting.safe_text import escape_html
from metrics.scope import Scope


@dataclass
class QualityReport:
    """What the data-quality report shows, for one period and scope."""

    period: Period
    unit: str
    made_on: str
    processed_dir: Path
    scope: Scope
    full_manifest: dict[str, Any]
    manifest: dict[str, Any]
    rejects: pd.DataFrame
    warnings_table: pd.DataFrame
    accounting: pd.DataFrame
    totals: dict[str, int]
    blockers: list[Any] = field(default_factory=list)
    #: published leadership reports the data no longer give (running/versions.stale_reports)
    stale: list[dict[str, Any]] = field(default_factory=list)
    #: the receipt matrix (reporting/receipts.py): what each department owed and sent
    receipts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MATRIX_COLUMNS))
    #: the scope's accepted rows (the processed tables)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: where the full lists go that the PDF summarises (the report's own folder, when
    #: ``shishi report`` gives it; else the processed folder)
    out_dir: Path | None = None
    #: whether ``out_dir`` is the PDF's own folder (the report step's), not the processed one
    beside_pdf: bool = False
    #: headlines.data_key of the leadership report's tables and targets (its figures.json "data")
    data_key: str = ""


def load_quality(
    period: str,
    unit: str,
    processed_dir: str | Path,
    made_on: str = "",
    blockers: list[Any] | None = None,
    stale: list[dict[str, Any]] | None = None,
    workdir: str | Path = "",
    receipts: list[dict[str, Any]] | None = None,
    raw_dir: str | Path = "",
    out_dir: str | Path = "",
) -> QualityReport:
    """Everything the report needs, from the processed folder (given, else the working
    folder's 清洗结果/, else the sample's), filtered to the unit.

    ``receipts`` is the receipt matrix ``shishi report`` made (with what the published report
    counted); without it (the notebook run by hand) it is made here from the manifest.
    ``out_dir`` is the folder the PDF goes to: the full lists it summarises are written there.
    """
    processed_dir, raw = data_dirs(workdir, processed_dir, raw_dir)
    scope = Scope(unit or None)
    full_manifest = load_manifest(Path(processed_dir))
    matrix = (
        pd.DataFrame(receipts, columns=MATRIX_COLUMNS)
        if receipts
        else receipt_matrix(full_manifest, Period.parse(period), scope)
    )
    manifest = scope.filter_manifest(full_manifest)
    rejects = scope.filter_by_file(
        load_side_table(Path(processed_dir), "rejects"), quality.file_units(full_manifest)
    )
    everything = load_processed(Path(processed_dir))
    return QualityReport(
        period=Period.parse(period),
        unit=unit,
        made_on=made_on,
        processed_dir=Path(processed_dir),
        scope=scope,
        full_manifest=full_manifest,
        manifest=manifest,
        rejects=rejects,
        warnings_table=scope.filter(load_side_table(Path(processed_dir), "warnings")),
        accounting=quality.sheet_accounting(manifest),
        totals=manifest["totals"],
        blockers=list(blockers or []),
        stale=list(stale or []),
        receipts=matrix,
        tables=scope.filter_tables(everything),
        out_dir=Path(out_dir) if out_dir else Path(processed_dir),
        beside_pdf=bool(out_dir),
        data_key=_data_key(everything, raw, unit),
    )


def _data_key(everything: dict[str, pd.DataFrame], raw: Path, unit: str) -> str:
    """The leadership report's data key (figures.json "data"), from the same tables and
    targets its model uses (loading.load_summary); "" when the raw folder's settings do not load."""
    from metrics.cleaning.units import read_units

    try:
        declared = read_units(Path(raw))
    except ShishiError:  # a broken shishi.toml: the run has said so already
        return ""
    scope = "" if declared.is_whole(unit) else unit
    return data_key(kpi.filter_unit(everything, scope), declared.targets_for(unit))


def spill(q: QualityReport, frame: pd.DataFrame, name: str, limit: int) -> tuple[pd.DataFrame, str]:
    """The first ``limit`` rows of a long list for the PDF, and the sentence saying where the
    whole list is: written to data_quality_<name>.csv beside the PDF (or, run by hand, in the
    processed folder). ("" when the list is short and nothing is written.)"""
    if len(frame) <= limit:
        return frame, ""
    path = (q.out_dir or q.processed_dir) / f"data_quality_{name}.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return frame.head(limit), f"其余 {len(frame) - limit} 条见 {_where(q, path.name)}"


def _where(q: QualityReport, name: str) -> str:
    """How the report names a file it wrote: beside the PDF, or by its full path."""
    if q.beside_pdf:
        return f"本报告同一文件夹中的 {name}"
    return str((q.out_dir or q.processed_dir) / name)


def side_file(q: QualityReport, name: str) -> str:
    """A cleaning side table (rejects.csv, warnings.csv, duplicates.csv ...) by its real path:
    the cleaning run writes them into the processed folder, not beside the PDF."""
    return str(q.processed_dir / name)


def _join(parts: list[Any]) -> HTML:
    return HTML("".join(p.data if hasattr(p, "data") else str(p) for p in parts))


def report_title(q: QualityReport) -> str:
    """The PDF's title (its metadata, not "Notebook"): what, whose, which period."""
    return "数据质量报告" + (f"（{q.unit}）" if q.unit else "") + f" {q.period.label_cn}"


def title_page(q: QualityReport) -> HTML:
    out: list[Any] = [
        HTML(
            f"<title>{escape_html(report_title(q))}</title>"
            f'<meta name="author" content="shishi {escape_html(version())}">'
        )
    ]
    out.append(present.heading("数据质量报告" + (f"（{q.unit}）" if q.unit else ""), level=1))
    out.append(
        present.paragraph(
            f"报告期间：{q.period.label_cn}。生成日期：{q.made_on or dt.date.today().isoformat()}。"
            f"本报告供数据分析员核对原始台账使用。第一页是收表情况（各部门各类台账收到没有）和待办事项，其后列出每个工作表的行数核算、被拒绝的单元格、合计行核对、重复数据和提醒，最后是数据来源（所用行数、输入文件摘要和数据标识）。"
        )
    )
    out.append(present.note(n) if (n := font_notice()) else "")  # 公文 fonts stood in for
    out.append(receipts_html(q))
    todo, busy = todo_section(q)
    out.append(todo)
    out.append(stale_html(q.stale))
    out.append(present.heading("概况", new_page=busy or bool(q.stale)))
    out.append(
        present.cards(
            [
                present.Card(
                    COUNT_LABELS["rows_read"],
                    f"{q.totals['rows_read']:,}",
                    f"{len(q.accounting)} 个工作表",
                ),
                present.Card(COUNT_LABELS["accepted"], f"{q.totals['accepted']:,}", "进入统计"),
                present.Card(
                    COUNT_LABELS["rejected"],
                    f"{q.totals['rejected']:,}",
                    f"{len(q.rejects)} 个单元格有问题",
                ),
                present.Card(
                    "跳过 / 重复",
                    f"{q.totals['skipped_blank'] + q.totals['skipped_total'] + q.totals['skipped_note']:,} / {q.totals['duplicates'] + q.totals.get('replaced', 0):,}",
                    "空行、合计行、注释行 / 重复、旧版本或已被更正版替换",
                ),
            ]
        )
    )
    return _join(out)


def review_items(q: QualityReport) -> pd.DataFrame:
    """请核实: the notices and warnings to confirm, and ledgers quiet this period - each listed
    on the first page only (§五 and §六 leave them out)."""
    return pd.concat(
        [
            quality.review_items(q.manifest, q.warnings_table),
            quality.quiet_ledgers(q.tables, q.period.start, q.period.end, q.period.label_cn),
        ],
        ignore_index=True,
    )


def figure_items(q: QualityReport) -> pd.DataFrame:
    """Rejected rows and 合计 differences that change a figure of the leadership report."""
    return pd.concat(
        [
            quality.rejected_figures(q.rejects, q.tables, q.period, q.manifest),
            quality.total_figures(q.manifest, q.tables, q.period),
        ],
        ignore_index=True,
    )


def todo_section(q: QualityReport) -> tuple[HTML, bool]:
    """待办事项: blockers, the figures rejected cells and 合计 differences change, and what
    to confirm - each list bounded, the rest in a CSV beside the PDF. Also whether any."""
    review, figures = review_items(q), figure_items(q)
    blockers = pd.DataFrame(q.blockers, columns=["file", "sheet", "message", "hint", "toml"])
    more: dict[str, str] = {}
    shown_b, more["blockers"] = spill(q, blockers, "blockers", quality.TODO_SHOWN)
    shown_f, more["figures"] = spill(q, figures, "figures", quality.TODO_SHOWN)
    shown_r, more["review"] = spill(q, review, "checks", quality.TODO_SHOWN)
    if more["review"]:
        more["review"] = f"共 {len(review)} 项，{more['review']}"
    # what to confirm is listed, but only a blocker or a wrong figure is a thing to do
    todo = bool(q.blockers) or not figures.empty
    busy = todo or not review.empty
    out = [present.heading("待办事项" if todo or q.stale else "待办事项：无")]
    blocker_dicts = [q.blockers[i] for i in range(len(shown_b))]
    out.append(HTML(quality.todo_html(blocker_dicts, shown_r, shown_f, more)))
    return _join(out), busy


def stale_html(stale: list[dict[str, Any]]) -> HTML:
    """需重新生成: published leadership reports whose figures the data no longer give."""

    if not stale:
        return HTML("")
    e = escape_html  # the one sanitiser (safe_text)
    items = "".join(
        f"<li><p><b>{e(s['period'])}{' ' + e(s['unit']) if s['unit'] else ''}</b>"
        f"（{e(s['pdf'])}）：{e('；'.join(s['changes']))}</p></li>"
        for s in stale
    )
    periods = " ".join(f"--period {s}" for s in dict.fromkeys(x["period"] for x in stale))
    return HTML(
        '<div class="todo stale"><p><b>需重新生成：以下已报出的领导报告中的数字已与现在的数据不符'
        "（前面期间的数据有更正）。</b>请重新生成，旧版会保存在 versions/ 中，新版标注“修订”并逐项"
        "列出变化：<code style='white-space: nowrap'>"
        f"shishi report {e(periods)}</code>。</p><ol>{items}</ol></div>"
    )


#: How the first page colours a cell: what blocks in red, what to look at in amber, what is
#: not owed in grey.
_RED, _AMBER, _GREY = (
    "color:#b00020;font-weight:bold",
    "color:#b36b00;font-weight:bold",
    "color:#777",
)


def _style(cells: pd.DataFrame) -> str:
    """A grid cell's style from the matrix rows behind it (one per quarter)."""
    statuses = set(cells["status"])
    if cells["blocks"].any():
        return _RED
    if statuses & {"late", "unread", "missing"}:  # missing here: a unit that declares nobody
        return _AMBER
    if statuses <= {"nothing", "exempt", "none"}:
        return _GREY
    return ""


def receipts_html(q: QualityReport) -> HTML:
    """收表情况: the receipt matrix (department x ledger), then the corrections that replaced
    an earlier file - the opening of the first page."""

    e = escape_html  # the one sanitiser (safe_text)
    m = q.receipts
    out = [present.heading(f"收表情况（{q.period.label_cn}）")]
    if m.empty:
        out.append(present.paragraph("没有读到任何单位的台账。"))
        return _join(out)
    several = m["unit"].nunique() > 1
    head = ("<th>单位</th>" if several else "") + "<th>部门</th>"
    head += "".join(f"<th>{e(quality.TABLE_CN[t])}</th>" for t in TABLES)
    body = []
    for (unit, branch), group in m.groupby(["unit", "branch"], sort=False):
        cells = "".join(
            f"<td style='{_style(c)}'>{e(cell_text(c))}</td>"
            for c in (group[group["table"] == t] for t in TABLES)
        )
        first = f"<td>{e(str(unit))}</td>" if several else ""
        body.append(f"<tr>{first}<td>{e(branch_label(str(branch)))}</td>{cells}</tr>")
    table = f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
    out.append(HTML(f"<table class='receipts'>{table}</table>"))
    declared = bool(m["declared"].any())
    legend = (
        "已收到：本期台账已读入；本期无：台账发回时没有填写任何一行；未收到：没有收到这个部门这类台账"
        "（阻止领导报告）；两份：同一部门、同一台账、同一期间有两份文件且都没有注明更正（阻止领导报告）；"
        "迟到：该期报告发布之后才收到；不报送：shishi.toml 中写明该部门不报送这类台账。"
    )
    if not declared:
        legend += (
            "本单位没有在 shishi.toml 的 [unit] branches 中列出报送部门，上表只按单位统计，"
            "“未收到”只作提醒、不阻止报告；列出部门后，缺哪个部门的哪类台账都会阻止报告。"
        )
    out.append(present.note(legend))
    items = cell_notes(m, with_unit=several)
    if items:
        out.append(present.bullets(items))
    return _join(out)


def accounting_section(q: QualityReport) -> HTML:
    out: list[Any] = []
    out.append(present.heading("一、各工作表行数核算"))
    out.append(
        present.paragraph(
            "每个工作表：读取行数 = 接受 + 拒绝 + 跳过（空行、合计行、注释行）+ 重复 + 已替换"
            "（同一部门同期的更正版替换了这份文件，它的行不再计入）。"
            "“核算”一栏为 ✓ 表示没有任何一行被遗漏。"
        )
    )
    accounting = q.accounting.sort_values("balanced", ascending=False, kind="stable")  # ✗ first
    shown, more = spill(q, accounting, "sheets", SHEET_ROWS)
    out.append(
        present.table(
            shown,
            {
                "file": "文件",
                "sheet": "工作表",
                "table": "台账",
                "header_row": "表头行",
                **{k: COUNT_LABELS[k] for k in ("rows_read", "accepted", "rejected")},
                "skipped": SKIPPED_LABEL,
                **{k: COUNT_LABELS[k] for k in ("duplicates", "replaced")},
                "balanced": "核算",
            },
            numeric=[
                "header_row",
                "rows_read",
                "accepted",
                "rejected",
                "skipped",
                "duplicates",
                "replaced",
            ],
            small=True,
        )
    )
    if more:
        out.append(present.note(f"共 {len(accounting)} 个工作表（未核平的排在前面），{more}。"))
    return _join(out)


#: Sheets the accounting table shows; the rest go to a CSV beside the PDF.
SHEET_ROWS = 25
#: Rows of each long table the PDF shows; the rest go to a CSV beside it.
TABLE_ROWS = 15


def rejects_section(q: QualityReport) -> HTML:
    out: list[Any] = []
    out.append(present.heading("二、被拒绝的数据"))
    by_reason = quality.rejects_by_reason(q.rejects)
    if by_reason.empty:
        out.append(present.paragraph("没有被拒绝的数据。"))
        return _join(out)
    grouped = quality.rejects_grouped(q.rejects, max_groups=len(q.rejects) + 1)
    shown, more = spill(q, grouped, "rejects_grouped", TABLE_ROWS)
    out.append(
        present.paragraph(
            f"共 {len(q.rejects)} 个单元格被拒绝，涉及 {by_reason['rows'].sum()} 行。"
            "下表按文件、工作表、列和原因分组，每组列出前 3 个例子；逐个单元格的完整清单见清洗结果"
            f"文件夹中的 {side_file(q, 'rejects.csv')}。"
        )
    )
    out.append(
        present.table(
            by_reason,
            {"reason": "原因", "cells": "单元格数", "rows": "行数"},
            numeric=["cells", "rows"],
        )
    )
    out.append(
        present.table(
            shown,
            {
                "file": "文件",
                "sheet": "工作表",
                "column": "列",
                "reason": "原因及应填写的内容",
                "cells": "单元格数",
                "examples": "例子（Excel 行号与原值）",
            },
            numeric=["cells"],
            small=True,
        )
    )
    if more:
        out.append(present.note(f"共 {len(grouped)} 组，{more}。"))
    return _join(out)


def totals_section(q: QualityReport) -> HTML:
    out: list[Any] = []
    out.append(present.heading("三、合计行核对"))
    checks = quality.total_checks(q.manifest)
    checks = checks.sort_values(
        "status", key=lambda s: s != quality.TOTAL_STATUS_CN["differ"], kind="stable"
    )
    shown, more = spill(q, checks, "totals", TABLE_ROWS)
    out.append(
        present.paragraph(
            "各表自带的“合计”行与本工具逐行相加的结果比较（不一致的排在前面）。"
            "影响领导报告数字的不一致，已列在第一页的待办事项中。"
        )
    )
    out.append(
        present.table(
            shown,
            {
                "file": "文件",
                "sheet": "工作表",
                "excel_row": "Excel行",
                "stated": "表内合计",
                "computed": "逐行相加",
                "difference": "差额",
                "status": "结论",
            },
            numeric=["excel_row", "stated", "computed", "difference"],
            small=True,
            empty="所读表格中没有合计行。",
            formats={"stated": present.yuan, "computed": present.yuan, "difference": present.yuan},
        )
    )
    if more:
        out.append(present.note(f"共 {len(checks)} 个合计行，{more}。"))
    return _join(out)


def duplicates_section(q: QualityReport) -> HTML:
    out: list[Any] = []
    out.append(present.heading("四、重复数据"))
    dups, more = spill(q, quality.duplicate_sources(q.manifest), "duplicate_sheets", TABLE_ROWS)
    out.append(
        present.paragraph(
            "同一部门的同一记录在多个文件或工作表中出现时只统计一次（以先读到的为准）；常见原因是同一文件以不同文件名重复报送。"
            "shishi.toml 中列出的两个部门各自登记的相同记录是两条记录，都计入；只有整个文件或整张表完全相同（转发的副本）才算重复。"
        )
    )
    out.append(
        present.table(
            dups,
            {
                "file": "文件",
                "sheet": "工作表",
                "duplicates": "重复行数",
                "same_as": "与此文件内容完全相同",
            },
            numeric=["duplicates"],
            empty="没有发现重复数据。",
        )
    )
    if more:
        out.append(present.note(more + "。"))
    out.append(_repeats(q))
    out.append(_near_repeats(q))
    out.append(_running(q))
    return _join(out)


def _repeats(q: QualityReport) -> HTML:
    """重复行: one line per sheet and the sheet it repeats, with the rows' span."""
    pairs = quality.duplicate_pairs(
        q.scope.filter_by_file(
            duplicates_table(q.processed_dir), quality.file_units(q.full_manifest)
        )
    )
    if pairs.empty:
        return HTML("")
    shown, more = spill(q, pairs, "duplicate_pairs", TABLE_ROWS)
    said = (
        f"左边每一段行与右边那一段逐行相同，共 {int(pairs['rows'].sum())} 行重复，只统计了右边的；"
        f"逐行对照见清洗结果文件夹中的 {side_file(q, 'duplicates.csv')}。"
    )
    out: list[Any] = [present.heading("重复行与它重复的原行", level=3), present.paragraph(said)]
    out.append(
        present.table(
            shown,
            {"where": "重复的行", "same_as": "与之相同的原行", "rows": "行数"},
            numeric=["rows"],
            small=True,
        )
    )
    if more:
        out.append(present.note(more + "。"))
    return _join(out)


def _near_repeats(q: QualityReport) -> HTML:
    """疑似重复: one line per set of sheets the groups span; the rows of the few small ones."""
    near = q.scope.filter_by_file(
        near_duplicates_table(q.processed_dir), quality.file_units(q.full_manifest)
    )
    if near.empty:
        return HTML("")
    out: list[Any] = [present.heading("疑似重复（请核实）", level=3)]
    out.append(
        present.paragraph(
            "下列各组金额相同、捐赠方相同或相近、日期相近，可能是同一笔捐赠被重复公示。"
            "每组只计入第一行，其余标为“不计入”；请核实后在原台账中删除重复的一行，或保留并说明。"
            f"每一行见清洗结果文件夹中的 {side_file(q, 'near_duplicates.csv')}。"
        )
    )
    pairs = quality.near_duplicate_pairs(near)
    if len(pairs) > 1 or len(near) > TABLE_ROWS:  # many: one line per set of sheets
        shown, more = spill(q, pairs, "near_duplicate_sheets", TABLE_ROWS)
        out.append(
            present.table(
                shown,
                {
                    "sheets": "所在工作表",
                    "groups": "组数",
                    "rows": "行数",
                    "repeat_yuan": "未计入金额（元）",
                },
                numeric=["groups", "rows", "repeat_yuan"],
                small=True,
                formats={"repeat_yuan": present.yuan},
            )
        )
        if more:
            out.append(present.note(more + "。"))
        return _join(out)
    out.append(
        present.table(
            quality.near_duplicate_rows(near),
            {
                "group": "组",
                "where": "位置",
                "date": "日期",
                "who": "捐赠方",
                "amount": "金额（元）",
                "counted": "统计",
            },
            small=True,
        )
    )
    return _join(out)


def _running(q: QualityReport) -> HTML:
    """Rolling ledgers: items a newer file updated, and items whose newer version is unknown."""
    out: list[Any] = [present.heading("较新文件更新的项目（滚动台账）", level=3)]
    out.append(
        present.paragraph(
            "心愿清单每季度整份重报：同一项目（序号＋项目名称）以文件名、工作表名或标题行（填报日期）写明的期间较新的一份为准，旧版本不重复统计。"
        )
    )
    updates, more = spill(q, quality.running_updates(q.manifest), "running_updates", TABLE_ROWS)
    out.append(
        present.table(
            updates,
            {"identity": "项目", "old": "旧版本", "new": "新版本"},
            small=True,
            empty="没有被较新文件更新的项目。",
        )
    )
    if more:
        out.append(present.note(more + "。"))
    conflicts, more = spill(
        q, quality.running_conflicts(q.manifest), "running_conflicts", TABLE_ROWS
    )
    if not conflicts.empty:
        out.append(present.heading("无法判断新旧的项目", level=3))
        out.append(present.table(conflicts, {"identity": "项目", "files": "所在文件"}, small=True))
        if more:
            out.append(present.note(more + "。"))
    return _join(out)


def closing_sections(q: QualityReport) -> HTML:
    out: list[Any] = []
    out.append(present.heading("五、提醒（数据保留，请核实）"))
    warnings = quality.checks_not_on_first_page(q.manifest, q.warnings_table)
    on_first = len(review_items(q))
    if on_first:
        out.append(
            present.paragraph(f"第一页“请核实”的 {on_first} 项不在此重复；以下是其余的提醒。")
        )
    shown, more = spill(q, warnings, "warnings", TABLE_ROWS)
    out.append(
        present.table(
            shown,
            {
                "message": "提醒",
                Col.SOURCE_FILE: "文件",
                Col.SOURCE_SHEET: "工作表",
                Col.SOURCE_ROW: "Excel行",
            },
            numeric=[Col.SOURCE_ROW],
            small=True,
            empty="没有其他提醒。" if on_first else "没有提醒。",
        )
    )
    if more:
        out.append(present.note(f"共 {len(warnings)} 条，{more}。"))
    if held := personal.processed_note(q.processed_dir, q.scope):  # files, columns; no numbers
        out.append(present.note(held))
    out.append(present.heading("六、跳过的文件和工作表", level=2))
    skipped = quality.skipped_only(q.manifest)
    shown, more = spill(q, skipped, "skipped", TABLE_ROWS)
    out.append(
        present.table(
            shown,
            {"file": "文件", "sheet": "工作表", "level": "类型", "message": "原因"},
            small=True,
            empty="所有文件都已读取。",
        )
    )
    if more:
        out.append(present.note(f"共 {len(skipped)} 项，{more}。"))
    out.append(provenance_section(q))
    return _join(out)


def provenance_section(q: QualityReport) -> HTML:
    """七、数据来源: the rows the period's figures come from, the input files' SHA-256, the
    shishi version and the data key the leadership report's figures.json stores."""
    out: list[Any] = [present.heading("七、数据来源", level=2)]
    used = quality.rows_in_period(q.tables, q.period)
    inside, accepted = int(used["in_period"].sum()), int(used["accepted"].sum())
    rest = (
        f"其余 {accepted - inside:,} 行的日期不在本期：此前各期的行只计入年内、活动以来的累计和"
        "与往期的比较，此后的行不计入本报告。"
        if accepted > inside
        else ""
    )
    out.append(
        present.paragraph(
            f"领导报告中{q.period.label_cn}的数字来自下表“本期使用”的行（只计日期在本期内的行；"
            f"心愿清单计本期提出或办结的项目），共 {inside:,} 行。{rest}"
        )
    )
    out.append(
        present.table(
            used,
            {"table": "台账", "in_period": "本期使用", "accepted": "全部已接受"},
            numeric=["in_period", "accepted"],
            small=True,
        )
    )
    out.append(
        present.paragraph(
            "报告中的每个数字都来自下列文件；文件内容的 SHA-256 摘要用于核对所用的正是这一版文件。"
        )
    )
    hashes = quality.input_hashes(q.manifest)
    shown, more = spill(q, hashes, "inputs", TABLE_ROWS)
    out.append(present.table(shown, {"file": "文件", "sha256": "SHA-256"}, small=True))
    if more:
        out.append(present.note(f"共 {len(hashes)} 个文件，{more}。"))
    # the leadership report stores the same key beside its PDF, when it is made at all
    stored = (
        "领导报告生成后存档的数字中的 data"
        if q.blockers
        else "领导报告同一文件夹中 quarterly_summary.figures.json 的 data"
    )
    key = (
        f"数据标识 {q.data_key[:8]}（完整：{q.data_key}；与{stored}一致，"
        "用于核对两份报告出自同一份数据）；"
        if q.data_key
        else ""
    )
    out.append(
        present.note(f"{key}shishi {version()}；数据清洗时间 {q.manifest['generated_at']}。")
    )
    return _join(out)


#: Sheets the appendix shows column by column; the rest are listed in a CSV beside the PDF.
READING_SHEETS = 5

#: What the readings table shows of each column (cleaning/readings.py), in order.
READING_COLUMNS = {
    "letter": "列",
    "header": "表头",
    "label": "读作",
    "how": "方式",
    "evidence": "依据",
    "samples": "例子",
    "toml": "要按此读取，在 shishi.toml 中加",
}


def reading_rows(reading: dict[str, Any]) -> pd.DataFrame:
    """One sheet's columns as the readings table shows them."""
    rows = [
        {
            "letter": c["letter"],
            "header": c["header"] or "—",
            "label": c["label"] or "—",
            "how": c["how"],
            "evidence": "；".join(c["evidence"])
            + (
                f"（把握 {c['confidence']:.0%}）"
                if c.get("confidence") is not None
                and c["evidence"]
                and c["how"] != "按表头"
                and "%" not in "".join(c["evidence"])
                else ""
            ),
            "samples": "、".join(c["samples"]) or "（空）",
            "toml": " ".join(c["toml"].split("\n")),
        }
        for c in reading["columns"]
    ]
    return pd.DataFrame(rows, columns=list(READING_COLUMNS))


def readings_section(q: QualityReport) -> HTML:
    """附：the sheets with problems (not read, columns held back or read by content), column
    by column, as `shishi inspect` shows them, with the shishi.toml lines that settle each."""
    names = {f["file"] for f in q.manifest.get("files", [])}
    names |= {n.get("file") for n in q.manifest.get("notices", [])}
    found = [r for r in q.manifest.get("readings", []) if r["file"] in names]
    out: list[Any] = [present.heading("附：有问题的工作表逐列读法", new_page=bool(found))]
    if not found:
        out.append(present.paragraph("所有工作表都按表头读入，没有按内容识别、存疑或未读入的列。"))
        return _join(out)
    out.append(
        present.paragraph(
            "下列工作表没有读入，或有的列不是按表头、而是按内容识别的，或有认不准而没有使用的列。"
            "每一列写明读作哪一项、怎么判断的和三个例子；认不准的列和没有读入的表，给出 shishi.toml "
            "中要加的设置。在终端运行 shishi inspect 文件名 可以看到同样的内容。"
        )
    )
    listed = pd.DataFrame(
        [
            {
                "file": r["file"],
                "sheet": r["sheet"] or "",
                "status": r["status"],
                "table": r["table_label"] or "",
            }
            for r in found
        ],
        columns=["file", "sheet", "status", "table"],
    )
    _, more = spill(q, listed, "readings", READING_SHEETS)
    if more:
        out.append(
            present.note(
                f"共 {len(found)} 个工作表，此处逐列列出前 {READING_SHEETS} 个；{more}（shishi inspect 可逐个查看）。"
            )
        )
    for r in found[:READING_SHEETS]:
        where = r["file"] + (f"［{r['sheet']}］" if r["sheet"] else "")
        kind = f"{r['status']}：{r['table_label']}" if r["table_label"] else r["status"]
        out.append(present.heading(f"{where}　{kind}", level=3))
        said = [f"依据：{r['why'].rstrip('。')}。"] if r["why"] else []
        if r["header_row"]:
            said.append(f"表头在第 {r['header_row']} 行。")
        elif r["first_row"]:
            said.append(f"没有表头行，数据从第 {r['first_row']} 行起。")
        if said:
            out.append(present.paragraph(*said))
        if r["columns"]:
            rows = reading_rows(r)
            shown = {k: v for k, v in READING_COLUMNS.items() if k != "toml" or rows["toml"].any()}
            out.append(present.table(rows, shown, small=True, nowrap=["letter", "label", "how"]))
        if r["toml"]:
            out.append(
                HTML(
                    "<p>在 shishi.toml 中加入以下几行即可确定：</p>"
                    "<pre class='toml' style='font-family: \"Noto Sans Mono CJK SC\", monospace;"
                    " background: #f4f4f4; border-left: 3pt solid #8b1a1a; padding: 1.5mm 3mm;"
                    f" font-size: 9pt;'>{escape_html(r['toml'])}</pre>"
                )
            )
    return _join(out)
