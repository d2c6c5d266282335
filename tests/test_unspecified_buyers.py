"""A purchase whose buyer says neither enterprise nor individual (issue 18, item 8).

办公室, 机关食堂, 张某 with no buyer-type column were refused, so their money left the total. They
are accepted now: in every purchases total, shown as 未注明 in the enterprise / individual split,
and left out of the enterprise and individual targets - which say so.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook

from conftest import run_report
from metrics.cleaning.store import run_clean
from metrics.errors import ConfigError, ExitCode
from metrics.reporting import kpi, loading, model
from test_kpi import table
from test_model import MADE_ON, Q4, sample_tables


def _with_unspecified() -> dict:
    tables = sample_tables()
    extra = table(
        "purchases",
        [
            {"date": "2024-06-01", "buyer": "张某", "buyer_type": "unknown", "amount_yuan": 800},
            {"date": "2024-10-15", "buyer": "办公室", "buyer_type": "unknown", "amount_yuan": 5000},
            {
                "date": "2024-11-03",
                "buyer": "机关食堂",
                "buyer_type": "unknown",
                "amount_yuan": 12000,
            },
        ],
    )
    tables["purchases"] = table(
        "purchases", [*tables["purchases"].to_dict("records"), *extra.to_dict("records")]
    )
    return tables


def _build(**kw: object) -> model.SummaryReport:
    return model.build_summary(_with_unspecified(), Q4, made_on=MADE_ON, **kw)  # type: ignore[arg-type]


def test_headline_keeps_unspecified_apart_from_both_parts() -> None:
    h = kpi.headline(_with_unspecified(), Q4)
    assert h["purchases_enterprise_yuan"].value == 80000
    assert h["purchases_individual_yuan"].value == 3100
    assert h["purchases_unspecified_yuan"] == kpi.Quantity(17000.0, "exact", 2)


def test_sentence_and_card_count_it_in_the_total_and_name_it_apart() -> None:
    r = _build()
    sentence = next(s for s in r.sentences if "消费帮扶" in s)
    # year: 企业 45000 + 80000 = 12.5万; 自费 2750 + 3100余 = 5850余 -> 5800余; 未注明 800 + 5000 +
    # 12000 = 17800 -> 1.78万; together 148650余 -> 14万余; the quarter 80000 + 3100余 + 17000
    # = 100100余 -> 10万余
    assert sentence == (
        "年内消费帮扶采购共14万余元，其中以企业名义采购帮扶地区农副产品12.5万元，"
        "干部职工自费采购5800余元，未注明采购主体类型的1.78万元；本季度采购10万余元。"
    )
    card = next(c for c in r.cards if "消费帮扶" in c.label)
    assert (card.value, card.sub) == ("14万余元", "本季度 10万余元")


def test_comparison_shows_the_unspecified_row_only_when_there_is_one() -> None:
    rows = {row[0]: row for row in _build().comparison.rows}
    row = rows["未注明主体类型的采购"]
    assert (row[1], row[-1]) == ("1.7万元", "1.78万元")  # Q4: 5000 + 12000; year: + 800
    plain = model.build_summary(sample_tables(), Q4, made_on=MADE_ON)
    assert "未注明主体类型的采购" not in [r[0] for r in plain.comparison.rows]


def test_purchases_table_lists_unspecified_as_its_own_buyer_type() -> None:
    purchases = next(s for s in _build().sections if s.key == "purchases")
    by_buyer = next(
        b for b in purchases.blocks if getattr(b, "caption", "").endswith("按采购主体）")
    )
    assert [row[:2] for row in by_buyer.rows] == [
        ["企业", "12.5万元"],
        ["未注明", "1.78万元"],
        ["个人", "5800余元"],
    ]


def test_targets_count_only_known_buyers_and_say_what_they_leave_out(tmp_path: Path) -> None:
    r = _build(targets={"purchases_enterprise_yuan": 200000, "volunteer_activities": 4})
    assert [(t.label, t.done, t.progress, t.note) for t in r.targets] == [
        ("企业消费帮扶采购", "12.5万元", "62.5%", "（另有1.78万元未注明采购主体类型，未计入）"),
        ("志愿服务活动", "2次", "50.0%", ""),
    ]
    assert r.sentences[-1] == (
        "对照年度目标，企业消费帮扶采购完成62.5%（另有1.78万元未注明采购主体类型，未计入），"
        "志愿服务活动完成50.0%。"
    )
    (tmp_path / "shishi.toml").write_text(
        "[targets]\npurchases_unspecified_yuan = 1\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="purchases_unspecified_yuan"):
        loading.load_targets(tmp_path)


def _purchases(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "2024Q4"
    ws.append(["消费帮扶采购台账"])
    ws.append(["日期", "采购主体", "供应地区", "产品", "金额（元）"])
    for row in [
        ["2024-10-08", "企业", "巫山县", "脆李", 30000],
        ["2024-10-15", "办公室", "奉节县", "脐橙", 5000],
        ["2024-11-03", "机关食堂", "石柱县", "蜂蜜", 12000],
        ["2024-11-20", "张某", "巫溪县", "土豆", 800],
        ["2024-12-01", "管理人员自费", "城口县", "腊肉", 1500],
    ]:
        ws.append(row)
    wb.save(path)


def test_clean_accepts_every_row_and_says_which_buyers_are_unspecified(tmp_path: Path) -> None:
    _purchases(tmp_path / "消费帮扶采购.xlsx")
    outcome = run_clean(tmp_path)
    assert outcome.rejects.empty
    bought = outcome.tables["purchases"]
    assert bought["buyer_type"].tolist() == [
        "enterprise",
        "unknown",
        "unknown",
        "unknown",
        "individual",
    ]
    assert bought["amount_yuan"].sum() == 49300
    [notice] = [n.message for n in outcome.notices if "未注明" in n.message]
    assert notice.startswith(
        "3 行的采购主体（办公室、机关食堂、张某）看不出是以企业名义采购还是个人自费"
    )


def _pdf(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


@pytest.mark.e2e
def test_report_counts_unspecified_buyers_and_shows_them_as_such(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    _purchases(raw / "消费帮扶采购2024.xlsx")
    (raw / "shishi.toml").write_text(
        '[unit]\nname = "东山供电公司"\n\n[targets]\npurchases_enterprise_yuan = 100000\n',
        encoding="utf-8",
    )
    assert run_report(tmp_path, raw) == ExitCode.OK
    folder = tmp_path / "r" / "2024Q4"
    text = _pdf(folder / "quarterly_summary.pdf")
    # 30000 + 5000 + 12000 + 800 + 1500 = 49300; 未注明 5000 + 12000 + 800 = 17800
    assert "年内消费帮扶采购共4.93万元" in text
    assert (
        "其中以企业名义采购帮扶地区农副产品3万元，干部职工自费采购1500元，未注明采购主体类型的1.78万元"
        in text
    )
    # 30000 of 100000: the unspecified 17800 is not the enterprise's
    assert "企业消费帮扶采购完成30.0%（另有1.78万元未注明采购主体类型，未计入）" in text
    # its row in 主要指标对比: in the PDF's 3号 公文 type the label cell wraps, and pdftotext
    # reads its second line after the rest of the row, so the row is checked in the Word copy
    assert "未注明主体类型" in text
    word = Document(str(folder / "quarterly_summary.docx"))
    rows = [[c.text for c in row.cells] for t in word.tables for row in t.rows]
    assert ["未注明主体类型的采购", "1.78万元"] in [r[:2] for r in rows]
    quality = _pdf(folder / "data_quality.pdf")
    assert "办公室、机关食堂、张某" in quality
    doc = " ".join(c.text for t in word.tables for c in t._cells)
    assert "未注明 1.78万元" in doc  # the buyer type by contract.BUYER_TYPE_LABELS
    export = load_workbook(next(folder.glob("*.xlsx")), read_only=True)
    cells = [c for ws in export.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert "未注明" in cells and 17800 in cells
