"""The floor: the same charts and tables as quarterly_summary, drawn straight into a PDF.

No kernel, no notebook, no HTML layout - matplotlib's PdfPages only. `make bench` times this
against `shishi report`; the ratio is what the notebook route costs on top of the drawing.

    python benchmarks/floor_report.py RAW_DIR OUT_PDF [PERIOD]
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages

from metrics.cleaning.store import run_clean
from metrics.periods import Period
from metrics.reporting import charts, kpi, quality
from metrics.reporting.text import format_amounts, format_counts


def table_page(pdf: PdfPages, title: str, frame, columns: dict[str, str]) -> None:
    fig, ax = plt.subplots(figsize=(8.27, 11.69))
    ax.set_axis_off()
    ax.set_title(title, loc="left")
    cols = [c for c in columns if c in frame.columns]
    if len(frame):
        cells = frame[cols].astype(str).values.tolist()
        ax.table(cellText=cells, colLabels=[columns[c] for c in cols], loc="upper center")
    pdf.savefig(fig)
    plt.close(fig)


def main(raw: Path, out: Path, period: str = "2024Q4") -> None:
    charts.apply_style()
    outcome = run_clean(raw, out.parent / "processed")
    tables, manifest = outcome.tables, outcome.manifest
    p = Period.parse(period)
    win = kpi.windows(p, kpi.first_day(tables))
    with PdfPages(out) as pdf:
        status = kpi.status_counts(tables["wishes"], p).set_index("status")["count"].to_dict()
        pdf.savefig(charts.status_chart(status, "心愿清单办理情况"))
        months = kpi.resolved_by_month(tables["wishes"], p)
        pdf.savefig(
            charts.monthly_chart(
                months["month"].tolist(), months["resolved"].tolist(), "每月办结", "项"
            )
        )
        table_page(
            pdf,
            "按类别",
            kpi.wishes_by(tables["wishes"], p, "category"),
            {"category": "类别", "total": "项目数", "resolved": "已办结"},
        )
        table_page(
            pdf,
            "逾期",
            kpi.overdue_items(tables["wishes"], p),
            {"title": "项目", "department": "部门"},
        )
        by_campaign = kpi.donations_by(tables["donations"], win["ytd"], "campaign")
        by_campaign["amount"] = format_amounts(
            by_campaign["amount_yuan"], by_campaign["amount_qualifier"]
        )
        table_page(pdf, "捐款捐物", by_campaign, {"campaign": "项目", "amount": "金额"})
        by_product = kpi.purchases_by(tables["purchases"], win["ytd"], "product")
        labels = format_amounts(by_product["amount_yuan"], by_product["amount_qualifier"])
        pdf.savefig(
            charts.bar_chart(
                by_product["product"].tolist(),
                by_product["amount_yuan"].tolist(),
                "按产品",
                value_labels=labels,
            )
        )
        by_org = kpi.volunteering_by(tables["volunteering"], win["ytd"], "organizer")
        pdf.savefig(
            charts.bar_chart(
                by_org["organizer"].tolist(), by_org["activities"].tolist(), "各支部活动"
            )
        )
        by_org["people"] = format_counts(
            by_org["person_times"], by_org["person_times_qualifier"], "人次"
        )
        table_page(
            pdf,
            "按组织单位",
            by_org,
            {"organizer": "组织单位", "activities": "次数", "people": "人次"},
        )
        table_page(
            pdf,
            "成果",
            kpi.outcome_highlights(tables["volunteering"], win["ytd"]),
            {"organizer": "单位", "outcome": "成果"},
        )
        table_page(
            pdf,
            "核算",
            quality.sheet_accounting(manifest),
            {"file": "文件", "sheet": "工作表", "rows_read": "读取"},
        )
        table_page(
            pdf,
            "合计",
            quality.total_checks(manifest),
            {"file": "文件", "stated": "合计", "computed": "相加"},
        )
        table_page(
            pdf, "校验值", quality.input_hashes(manifest), {"file": "文件", "sha256": "SHA-256"}
        )
    plt.close("all")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), *(sys.argv[3:4] or []))
