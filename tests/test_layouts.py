"""One synthetic ledger per real-world layout, built here in code, cleaned with no shishi.toml.

Each layout was seen in real public ledgers (see issue 13): an unknown donor title, English
headers, a header over three rows, totals above / between / below the body and in an
unlabelled column, a second table in US dollars, in-kind quantities with "same as above"
blanks, a distribution list. Names are invented; every expected figure is worked out by hand
from what the test writes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import Workbook

from conftest import assert_reconciled
from metrics.cleaning.store import CleanOutcome, run_clean


def workbook(path: Path, rows: list[list[Any]], title: str = "Sheet1") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def clean(raw: Path) -> CleanOutcome:
    outcome = run_clean(raw)
    for f in outcome.manifest["files"]:
        for s in f["sheets"]:
            if "rows_read" in s:
                assert_reconciled(s, (f["file"], s["sheet"]))
    return outcome


def sheet_entry(outcome: CleanOutcome, file: str) -> dict[str, Any]:
    (entry,) = [s for f in outcome.manifest["files"] if f["file"] == file for s in f["sheets"]]
    return entry


def messages(outcome: CleanOutcome, level: str | None = None) -> list[str]:
    return [n.message for n in outcome.notices if level is None or n.level == level]


D = dt.datetime


# --- header recognition -----------------------------------------------------------------------


def test_real_donor_title_forms_are_synonyms(tmp_path: Path) -> None:
    """序号 | 捐赠日期 | 捐赠(单位/姓名） | 捐赠金额（元） | 备注 under two title rows, 合计 below."""
    workbook(
        tmp_path / "捐赠名单.xlsx",
        [
            ["某基金会接受捐赠明细"],
            ["（第3期）"],
            ["序号", "捐赠日期", "捐赠(单位/姓名）", "捐赠金额（元）", "备注"],
            [1, D(2024, 3, 1), "某甲科技有限公司", 5000, None],
            [2, D(2024, 3, 2), "李某某", 200.5, "定向"],
            [3, D(2024, 3, 2), "爱心人士", "1,000.00", None],
            ["合计", None, None, 6200.5, None],
        ],
    )
    out = clean(tmp_path)
    don = out.tables["donations"]
    assert list(don["donor"]) == ["某甲科技有限公司", "李某某", "爱心人士"]
    assert don["amount_yuan"].sum() == 6200.5
    entry = sheet_entry(out, "捐赠名单.xlsx")
    assert (entry["header_row"], entry["accepted"], entry["skipped_total"]) == (3, 3, 1)
    assert [c["status"] for c in entry["total_rows"]] == ["agree"]


def test_unknown_title_with_unmistakable_contents_is_mapped_with_a_notice(tmp_path: Path) -> None:
    """「爱心来源」is in no vocabulary, but its cells are names: read as the donor, and said so."""
    workbook(
        tmp_path / "捐款.xlsx",
        [
            ["日期", "爱心来源", "金额（元）"],
            [D(2024, 5, 1), "某乙商贸公司", 300],
            [D(2024, 5, 2), "赵某", 50],
            [D(2024, 5, 3), "第三车间", 120],
            [D(2024, 5, 4), "钱某某", 30],
        ],
    )
    out = clean(tmp_path)
    assert out.tables["donations"]["amount_yuan"].sum() == 500
    assert list(out.tables["donations"]["donor"])[:2] == ["某乙商贸公司", "赵某"]
    assert "第1行表头：「爱心来源」按内容识别为 捐赠方，请核对" in messages(out, "check")
    assert "第1行表头：「爱心来源」按内容识别为 捐赠方，请核对" in [
        n["message"] for n in out.manifest["notices"]
    ]


def test_a_hint_never_offers_a_column_that_cannot_hold_the_field(tmp_path: Path) -> None:
    """No amount column: the names beside it are not offered as the amount."""
    workbook(
        tmp_path / "名单.xlsx",
        [
            ["日期", "捐赠人", "去向"],
            [D(2024, 5, 1), "某乙商贸公司", "助学"],
            [D(2024, 5, 2), "赵某", "助学"],
        ],
    )
    out = clean(tmp_path)
    (error,) = messages(out, "error")
    assert "缺少必需列「金额」，也没有内容像金额的列" in error
    assert "amount_yuan" not in error  # fields are named by their Chinese label only
    assert out.tables["donations"].empty


def test_a_hint_never_offers_a_column_the_field_refuses(tmp_path: Path) -> None:
    """A volunteer sheet without 组织单位 nor a date: 服务对象 (who was served) was offered
    as the organiser, a line the analyst would paste and a wrong column."""
    workbook(
        tmp_path / "志愿活动.xlsx",
        [
            ["活动内容", "服务对象", "参加人数"],
            ["进社区义务维修家电", "滨江社区居民", 12],
            ["学雷锋志愿服务", "敬老院老人", 30],
        ],
    )
    out = clean(tmp_path)
    (error,) = messages(out, "error")
    assert "缺少必需列「组织单位」" in error
    assert "最接近的表头是「服务对象」" not in error
    assert not any("服务对象" in (n.toml or "") for n in out.notices)


VOLUNTEER_ROWS: list[list[Any]] = [
    ["开展日期", "活动内容", "服务对象", "参加人数", "服务小时"],
    [D(2025, 1, 20), "进社区义务维修家电", "滨江社区居民", 12, 4],
    [D(2025, 3, 5), "学雷锋志愿服务", "敬老院老人", 30, 3],
]


@pytest.mark.parametrize(
    ("name", "title", "organizer", "where"),
    [
        ("检修部志愿活动一季度.xlsx", None, "检修部", "文件名"),  # a declared branch's file
        ("一季度志愿活动.xlsx", "检修部2025年一季度志愿服务情况统计", "检修部", "标题"),
        ("一季度志愿活动.xlsx", "2025年一季度志愿服务情况统计", "滨江电厂", "所在单位"),
    ],
)
def test_a_departments_own_volunteer_list_is_its_organisers(
    tmp_path: Path, name: str, title: str | None, organizer: str, where: str
) -> None:
    """A department's list of its own activities names no 组织单位: it was refused as
    unreadable (the run blocked, and the only way out was asking for a new file). Its rows
    are its sender's: the branch its file name or title names, else the unit - said once."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "shishi.toml").write_text(
        '[unit]\nname = "滨江电厂"\nbranches = ["运行部", "检修部"]\n', encoding="utf-8"
    )
    workbook(raw / name, ([[title]] if title else []) + VOLUNTEER_ROWS)
    out = clean(raw)
    frame = out.tables["volunteering"]
    assert frame["organizer"].tolist() == [organizer, organizer]
    assert frame["participants"].tolist() == [12, 30]
    assert any(f"各行的组织单位按{where}记为「{organizer}」" in m for m in messages(out, "check"))


def test_a_volunteer_list_with_its_organiser_column_keeps_it(tmp_path: Path) -> None:
    """The organiser from the context is only for a list without the column."""
    raw = tmp_path / "raw"
    raw.mkdir()
    rows = [[*VOLUNTEER_ROWS[0], "组织单位"]] + [[*r, "团委"] for r in VOLUNTEER_ROWS[1:]]
    workbook(raw / "检修部志愿活动.xlsx", rows)
    out = clean(raw)
    assert out.tables["volunteering"]["organizer"].tolist() == ["团委", "团委"]
    assert not any("各行的组织单位" in m for m in messages(out))


def test_english_headers_are_an_in_kind_list(tmp_path: Path) -> None:
    """`_id,date,name,count`: count is goods donated (a quantity), never yuan."""
    (tmp_path / "masks.csv").write_text(
        "_id,date,name,count\n"
        "a1b2c3d4e5f60718293a4b5c,2020/05/03,Anonymous,9\n"
        "a1b2c3d4e5f60718293a4b5d,2020/05/03,陳某,12\n"
        "a1b2c3d4e5f60718293a4b5e,2020/05/04,Anonymous,3\n",
        encoding="utf-8",
    )
    out = clean(tmp_path)
    don = out.tables["donations"]
    assert list(don["quantity"]) == [9.0, 12.0, 3.0]
    assert don["amount_yuan"].isna().all()
    assert set(don["kind"]) == {"in_kind"}
    assert don["ref"].iloc[0] == "a1b2c3d4e5f60718293a4b5c"
    assert list(don["donor"]) == ["Anonymous", "陳某", "Anonymous"]


def test_a_payment_list_without_donors_is_read_by_its_transaction_numbers(tmp_path: Path) -> None:
    """交易单号 | (empty) | 捐赠金额（元）, and the total alone in a fourth column."""
    workbook(
        tmp_path / "扫码.xlsx",
        [
            ["交易单号", None, "捐赠金额（元）", "交易日期"],
            ["0102202403012357510086906488  ", None, 100, D(2024, 3, 1)],
            ["0303202403012357300086906484  ", None, 0.5, D(2024, 3, 1)],
            ["0303202403012356500086906460  ", None, 20, D(2024, 3, 1)],
            [None, None, None, None, 120.5],
        ],
    )
    out = clean(tmp_path)
    don = out.tables["donations"]
    assert len(don) == 3 and don["donor"].isna().all()
    assert don["amount_yuan"].sum() == 120.5
    entry = sheet_entry(out, "扫码.xlsx")
    assert entry["skipped_total"] == 1
    assert [(c["excel_row"], c["stated"], c["status"]) for c in entry["total_rows"]] == [
        (5, 120.5, "agree")
    ]


def test_a_time_only_column_is_read_with_the_title_date(tmp_path: Path) -> None:
    """姓名 | 金额(元） | 时间 with times only, under a dated title: 姓名 is the donor, the
    times keep their rows, the day comes from the title (not "日期无法识别 07:06:18")."""
    workbook(
        tmp_path / "明细.xlsx",
        [
            ["扫码用户捐赠明细（2024年3月5日）"],
            ["姓名", "金额(元）", "时间"],
            ["*某", 500, "07:06:18"],
            ["*某某", 20, "08:10:00"],
            ["*某", 1, "23:59:59"],
        ],
    )
    out = clean(tmp_path)
    don = out.tables["donations"]
    assert list(don["donor"]) == ["*某", "*某某", "*某"]
    assert set(don["date"]) == {pd.Timestamp(2024, 3, 5)}
    assert list(don["time"]) == ["07:06:18", "08:10:00", "23:59:59"]
    assert sheet_entry(out, "明细.xlsx")["rejected"] == 0


# --- multi-row headers -------------------------------------------------------------------------


def volunteer_rows() -> list[list[Any]]:
    zero = [None, None, None, 0, 0, 0, 0, 0, 0, 0]
    return [
        ["2024年一季度志愿服务活动统计"],
        ["服务中心", "活动日期", "活动名称", "参与人数", "本次活动受益人数统计"],
        [None, None, None, None, "成人", None, None, "儿童"],
        [None, None, None, None, "男性", "女性", "合计", "男性", "女性", "合计"],
        ["总合计", None, None, 35, 10, 8, 18, 4, 2, 6],  # row 5: a total right under the header
        ["东区服务中心", D(2024, 3, 2), "义诊", 12, 4, 3, 7, 1, 1, 2],
        [None, D(2024, 3, 9), "植树", 8, 2, 2, 4, 2, 1, 3],  # same centre as above
        ["西区服务中心", D(2024, 3, 16), "助老", 10, 3, 2, 5, 0, 0, 0],
        [None, D(2024, 3, 23), "读书会", 5, 1, 1, 2, 1, 0, 1],  # same centre as above
        zero,  # rows 10-12: template rows of formulas nobody filled in
        zero,
        zero,
    ]


def test_a_three_level_header_sums_the_split_count_and_keeps_its_parts(tmp_path: Path) -> None:
    workbook(tmp_path / "志愿服务.xlsx", volunteer_rows())
    out = clean(tmp_path)
    vol = out.tables["volunteering"]
    assert list(vol["title"]) == ["义诊", "植树", "助老", "读书会"]
    # the 合计 leaves of 成人 and 儿童, never their 男性/女性 parts on top
    assert list(vol["beneficiaries"]) == [9, 7, 5, 3]
    assert vol["beneficiaries_parts"][0] == (
        "成人/男性 4；成人/女性 3；成人/合计 7；儿童/男性 1；儿童/女性 1；儿童/合计 2"
    )
    assert list(vol["participants"]) == [12, 8, 10, 5]
    assert list(vol["organizer"]) == ["东区服务中心"] * 2 + ["西区服务中心"] * 2
    assert [x if isinstance(x, str) else None for x in vol["filled_down"]] == [
        None,
        "organizer",
        None,
        "organizer",
    ]
    entry = sheet_entry(out, "志愿服务.xlsx")
    assert (entry["table"], entry["header_row"]) == ("volunteering", 4)
    counts = {k: entry[k] for k in ("accepted", "rejected", "skipped_blank", "skipped_total")}
    assert counts == {"accepted": 4, "rejected": 0, "skipped_blank": 3, "skipped_total": 1}
    (check,) = entry["total_rows"]
    assert (check["excel_row"], check["stated"], check["status"]) == (5, 35.0, "agree")
    assert any(
        "「组织单位」列有 2 处空白按“同上”取上一行的值（第7、9行）" in m for m in messages(out)
    )


def test_numbered_template_rows_of_formula_zeros_are_blank(tmp_path: Path) -> None:
    """序号 filled in ahead, the table's cells only formula zeros: empty rows, not rejects."""
    rows: list[list[Any]] = [["序号", "日期", "捐赠方", "金额"]]
    rows += [[1, D(2024, 4, 1), "某壬公司", 800], [2, D(2024, 4, 2), "郑某", 200]]
    rows += [[n, None, None, 0] for n in range(3, 8)]
    workbook(tmp_path / "模板.xlsx", rows)
    out = clean(tmp_path)
    entry = sheet_entry(out, "模板.xlsx")
    assert (entry["accepted"], entry["rejected"], entry["skipped_blank"]) == (2, 0, 5)
    assert out.rejects.empty


def test_split_count_without_a_total_leaf_adds_its_parts() -> None:
    from metrics.cleaning.layout import summed_leaves

    assert summed_leaves({4: ("男",), 5: ("女",)}) == [4, 5]
    assert summed_leaves({4: ("成人", "男"), 5: ("成人", "女"), 6: ("儿童",)}) == [4, 5, 6]
    assert summed_leaves({4: ("男",), 5: ("女",), 6: ("合计",)}) == [6]


# --- totals anywhere ---------------------------------------------------------------------------


def test_totals_above_between_and_below_are_checked_against_what_they_cover(
    tmp_path: Path,
) -> None:
    workbook(
        tmp_path / "分组.xlsx",
        [
            ["日期", "捐赠方", "金额"],
            ["合计", None, 1500],  # row 2: a top total covers the whole body
            [D(2024, 1, 2), "某丙公司", 100],
            [D(2024, 1, 3), "孙某", 200],
            ["小计", None, 300],  # row 5: the rows since the header
            [D(2024, 2, 1), "某丁公司", 500],
            [D(2024, 2, 2), "周某", 700],
            ["小计", None, 1000],  # row 8: wrong on purpose (500 + 700 = 1200)
            ["共计4人次", "总金额1500元"],  # row 9: a footer in words
        ],
    )
    out = clean(tmp_path)
    entry = sheet_entry(out, "分组.xlsx")
    got = [
        (c["excel_row"], c["field"], c["stated"], c["computed"], c["status"])
        for c in entry["total_rows"]
    ]
    assert got == [
        (2, "amount_yuan", 1500.0, 1500.0, "agree"),
        (5, "amount_yuan", 300.0, 300.0, "agree"),
        (8, "amount_yuan", 1000.0, 1200.0, "differ"),
        (9, "rows", 4.0, 4.0, "agree"),
        (9, "amount_yuan", 1500.0, 1500.0, "agree"),
    ]
    assert (entry["accepted"], entry["skipped_total"]) == (4, 4)


def test_a_header_repeated_on_every_page_is_one_table(tmp_path: Path) -> None:
    workbook(
        tmp_path / "分页.xlsx",
        [
            ["日期", "捐赠方", "金额"],
            [D(2024, 1, 2), "某丙公司", 100],
            ["日期", "捐赠方", "金额"],  # row 3: printed again at the top of page 2
            [D(2024, 1, 3), "孙某", 200],
            ["合计", None, 300],
        ],
    )
    out = clean(tmp_path)
    entry = sheet_entry(out, "分页.xlsx")
    assert (entry["accepted"], entry["skipped_note"], entry["skipped_total"]) == (2, 1, 1)
    assert [c["status"] for c in entry["total_rows"]] == ["agree"]
    assert "表头在第3行重复出现（共 1 处），已按注释行跳过" in messages(out, "info")


def test_a_total_one_column_off_is_still_read(tmp_path: Path) -> None:
    workbook(
        tmp_path / "错位.xlsx",
        [
            ["日期", "捐赠方", "金额", "备注"],
            [D(2024, 1, 2), "某丙公司", 100, None],
            [D(2024, 1, 3), "孙某", 200, None],
            ["合计", None, None, 300],  # the figure typed under 备注
        ],
    )
    out = clean(tmp_path)
    (check,) = sheet_entry(out, "错位.xlsx")["total_rows"]
    assert (check["stated"], check["status"]) == (300.0, "agree")


def test_footer_figures() -> None:
    from metrics.cleaning.totals import footer_figures

    assert footer_figures(["共计48740人次", "总金额10272810.33"]) == (10272810.33, 48740)
    assert footer_figures(["合计：1.5万元"]) == (15000.0, None)
    assert footer_figures(["合计"]) == (None, None)


# --- currencies --------------------------------------------------------------------------------


def dollar_sheet(path: Path) -> None:
    workbook(
        path,
        [
            ["接收社会捐赠现金一览表"],
            ["日期", "捐赠单位(个人)", "金额（元）"],
            [D(2020, 2, 2), "某戊集团", "\xa0 \xa0 40,000,000.00\xa0"],
            [D(2020, 2, 2), "某己医院", 1000],
            [D(2020, 2, 2), "吴某", "HK$500"],  # a cell naming its own currency
            [None, None, None],
            ["日期", "捐赠单位及个人", "金额（美元）"],  # row 7: a second table in dollars
            [D(2020, 2, 2), "SOME CONSTRUCTION GROUP CO., LTD", 30133],
            [D(2020, 2, 2), "SOME PERSON", 3000],
        ],
    )


def test_a_second_table_in_dollars_is_never_yuan(tmp_path: Path) -> None:
    dollar_sheet(tmp_path / "现金公示.xlsx")
    out = clean(tmp_path)
    don = out.tables["donations"]
    assert len(don) == 5
    assert don["amount_yuan"].sum() == 40_001_000.0  # only the two yuan rows
    assert list(don["currency"]) == ["CNY", "CNY", "HKD", "USD", "USD"]
    assert list(don["amount_original"])[2:] == [500.0, 30133.0, 3000.0]
    assert don["amount_yuan"].isna().sum() == 3
    entry = sheet_entry(out, "现金公示.xlsx")
    assert (entry["accepted"], entry["skipped_note"], entry["skipped_blank"]) == (5, 1, 1)
    notes = messages(out, "check")
    assert any("第7行是又一张表的表头" in m for m in notes)
    assert any(m.startswith("2 行金额为USD（第8、9行），未计入人民币合计") for m in notes)
    assert any(m.startswith("1 行金额为HKD（第5行）") for m in notes)


def test_a_declared_rate_converts_foreign_amounts(tmp_path: Path) -> None:
    from metrics.cleaning.ingest import read_raw
    from metrics.cleaning.rows import clean_sheets
    from metrics.config import RawConfig

    dollar_sheet(tmp_path / "现金公示.xlsx")
    config = RawConfig(rates={"USD": 7.0})  # shishi.toml [rates] USD = 7.0
    sheets, _ = read_raw(tmp_path, config)
    tables, _, results = clean_sheets(sheets, config)
    don = tables["donations"]
    assert list(don["amount_yuan"])[3:] == [210931.0, 21000.0]
    assert pd.isna(don["amount_yuan"][2])  # no HKD rate: still left out
    assert any(
        "按 shishi.toml [rates] USD = 7.0 折算为人民币" in n.message for n in results[0].notices
    )


def test_a_purchase_in_dollars_is_refused_not_counted_as_yuan(tmp_path: Path) -> None:
    workbook(
        tmp_path / "采购.xlsx",
        [
            ["日期", "采购主体", "产品", "金额（美元）"],
            [D(2024, 5, 1), "工会", "茶叶", 100],
        ],
    )
    out = clean(tmp_path)
    assert out.tables["purchases"].empty
    (reason,) = out.rejects["reason"]
    assert reason.startswith("「金额（美元）」是USD，不是人民币")


# --- in-kind lists, fill-down, distribution lists ------------------------------------------------


def test_in_kind_quantities_are_never_yuan_and_blanks_mean_same_as_above(tmp_path: Path) -> None:
    workbook(
        tmp_path / "物资.xlsx",
        [
            ["接收社会捐赠物资一览表"],
            ["入库日期", "捐赠单位", "入库物资", "规格型号", "计量单位", "数量总计"],
            [D(2020, 1, 30), "某庚制药有限公司", "防护口罩", "KF94", "包", 12500],
            [D(2020, 1, 30), None, "医用口罩", None, "箱", 17],  # same donor as above
            [D(2020, 1, 30), None, "简易喷雾器", None, None, "40台"],  # unit in the cell
            [D(2020, 1, 31), "某辛实业公司", "洗衣液", "6装", "箱", "1.25万"],
            ["某红十字会"],  # signature
            [D(2020, 1, 31)],
        ],
    )
    out = clean(tmp_path)
    don = out.tables["donations"]
    assert list(don["donor"]) == ["某庚制药有限公司"] * 3 + ["某辛实业公司"]
    assert [x if isinstance(x, str) else None for x in don["filled_down"]] == [
        None,
        "donor",
        "donor",
        None,
    ]
    assert list(don["quantity"]) == [12500.0, 17.0, 40.0, 12500.0]
    assert list(don["item_unit"]) == ["包", "箱", "台", "箱"]
    assert don["item"].iloc[0] == "防护口罩"
    assert set(don["kind"]) == {"in_kind"} and don["amount_yuan"].isna().all()
    entry = sheet_entry(out, "物资.xlsx")
    assert (entry["accepted"], entry["rejected"], entry["skipped_note"]) == (4, 0, 2)


def test_goods_units_from_the_header_or_a_column_of_units(tmp_path: Path) -> None:
    """数量（箱） counts boxes; an untitled column of 个/台/包 is the unit, said in a notice."""
    workbook(
        tmp_path / "物资二.xlsx",
        [
            ["日期", "捐赠单位", "物资名称", "数量（箱）"],
            [D(2020, 2, 1), "某癸公司", "酒精", 30],
            [D(2020, 2, 1), "某子公司", "手套", "12"],
        ],
        "箱",
    )
    workbook(
        tmp_path / "物资三.xlsx",
        [
            ["日期", "捐赠单位", "物资名称", "数量", "规格单位"],
            [D(2020, 2, 2), "某丑公司", "口罩", 500, "个"],
            [D(2020, 2, 2), "某寅公司", "体温计", 20, "台"],
            [D(2020, 2, 2), "某卯公司", "防护服", 40, "包"],
        ],
    )
    out = clean(tmp_path)
    don = out.tables["donations"].set_index("item")
    assert don.loc[["酒精", "手套", "口罩", "体温计", "防护服"], "item_unit"].tolist() == [
        "箱",
        "箱",
        "个",
        "台",
        "包",
    ]
    assert don.loc[["酒精", "手套"], "quantity"].tolist() == [30.0, 12.0]
    assert "第1行表头：「规格单位」按内容识别为 计量单位，请核对" in messages(out, "check")


def test_a_distribution_list_is_skipped_with_a_notice(tmp_path: Path) -> None:
    workbook(
        tmp_path / "发放.xlsx",
        [
            ["发放物资一览表"],
            [D(2020, 1, 30)],
            [],
            ["接收单位", "品名", "规格", "计量单位", "数量"],
            ["某医院", "口罩", None, "箱", 15],
            [None, "护目镜", "200个/箱", "箱", 5],
            ["某街道", "手套", None, "件", 1],
        ],
    )
    out = clean(tmp_path)
    assert all(t.empty for t in out.tables.values())
    (notice,) = out.notices
    assert notice.level == "info"
    assert "物资发放（去向）清单" in notice.message and "其下 3 行未计入" in notice.message


@pytest.mark.parametrize("header", ["捐赠单位(个人)", "捐赠单位及个人", "姓名（姓氏隐去)", "name"])
def test_donor_header_forms(header: str) -> None:
    from metrics.cleaning.headers import load_table_specs, match_header_cell

    assert match_header_cell(header, load_table_specs()["donations"]) == ("donor", 1.0)
