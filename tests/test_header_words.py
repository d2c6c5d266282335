"""Headers read by meaning (issue 18, items 1, 3 and 7): head word, qualifier, unit, contents.

The phrasings here are siblings of the ones the issue names, and none of them is listed in a
vocabulary file (``test_phrasings_are_in_no_vocabulary`` checks that): they pass because of
the rule, not because somebody added them to a list. Sheets are built in code; every expected
figure is worked out by hand from what the test writes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from conftest import assert_reconciled
from metrics.cleaning.header_words import lexicon
from metrics.cleaning.headers import (
    THRESHOLD,
    find_header,
    load_table_specs,
    match_header_cell,
    why_no_table,
)
from metrics.cleaning.parsing import normalize_text
from metrics.cleaning.store import CleanOutcome, run_clean
from metrics.config import parse_config
from metrics.errors import ConfigError
from metrics.paths import DATA_DIR
from test_layouts import workbook

SPECS = load_table_specs()
D = dt.datetime

# (table, header, field, multiplier): by the words alone, no synonym involved
BY_WORDS = [
    ("donations", "汇入日期", "date", 1.0),
    ("donations", "入账时间", "date", 1.0),
    ("donations", "缴款日期", "date", 1.0),
    ("donations", "捐贈時間", "date", 1.0),  # traditional characters
    ("donations", "Donation Date", "date", 1.0),
    ("donations", "捐助金额（元）", "amount_yuan", 1.0),
    ("donations", "善款总额", "amount_yuan", 1.0),
    ("donations", "缴款金额", "amount_yuan", 1.0),
    ("donations", "捐款合计（元）", "amount_yuan", 1.0),
    ("donations", "金额（分）", "amount_yuan", 0.01),  # a platform's fen
    ("donations", "Amount (CNY)", "amount_yuan", 1.0),
    ("donations", "汇款人", "donor", 1.0),
    ("donations", "出资单位", "donor", 1.0),
    ("donations", "捐赠人类别", "donor_type", 1.0),  # the donor's type, not the donor
    ("donations", "捐款方式", "kind", 1.0),
    ("donations", "物资数量（箱）", "quantity", 1.0),
    ("donations", "捐赠凭证号", "ref", 1.0),
    ("wishes", "就业需求", "title", 1.0),  # a need is what a wish list sets out to meet
    ("wishes", "助学需求", "title", 1.0),
    ("purchases", "奖品名称", "product", 1.0),  # 品 ends a word for goods: 奖品, 药品, 日用品
    ("purchases", "日用品", "product", 1.0),
    ("donations", "捐赠药品", "item", 1.0),
    ("purchases", "认购金额（元）", "amount_yuan", 1.0),
    ("purchases", "采购总价", "amount_yuan", 1.0),
    ("purchases", "消费金额（万元）", "amount_yuan", 10000.0),
    ("purchases", "订购单位", "buyer", 1.0),
    ("purchases", "购买方类型", "buyer_type", 1.0),
    ("purchases", "帮扶产品名称", "product", 1.0),
    ("purchases", "货源地", "supplier_region", 1.0),
    ("volunteering", "志愿服务时数", "hours", 1.0),
    ("volunteering", "服务工时（小时）", "hours", 1.0),
    ("volunteering", "活动时长（h）", "hours", 1.0),
    ("volunteering", "服務時數", "hours", 1.0),
    ("volunteering", "Volunteer Hours", "hours", 1.0),
    ("volunteering", "服务时长（分钟）", "hours", 1 / 60),
    ("volunteering", "所属队伍", "organizer", 1.0),
    ("volunteering", "归属组织", "organizer", 1.0),
    ("volunteering", "发起团体", "organizer", 1.0),
    ("volunteering", "服务队名称", "organizer", 1.0),
    ("volunteering", "活动主题", "title", 1.0),
    ("volunteering", "出动人次", "participants", 1.0),
    ("volunteering", "参与志愿者（人）", "participants", 1.0),
    ("volunteering", "受助人数", "beneficiaries", 1.0),
    ("volunteering", "服务对象户数", "beneficiaries", 1.0),
    ("wishes", "征集日期", "raised_on", 1.0),
    ("wishes", "实际办结日期", "resolved_on", 1.0),
    ("wishes", "预计完成日期", "due_on", 1.0),
    ("wishes", "计划解决日期", "due_on", 1.0),  # the plan scopes over 解决
    ("wishes", "推进情况", "status", 1.0),
    ("wishes", "是否兑现", "status", 1.0),
    ("wishes", "牵头科室", "department", 1.0),
    ("wishes", "挂点领导", "leader", 1.0),
    ("wishes", "所需经费（万元）", "cost_yuan", 10000.0),
    ("wishes", "心愿编号", "item_id", 1.0),
    # a person word after a word of leading is the one who led: the organiser
    ("volunteering", "活动发起人", "organizer", 1.0),
    ("volunteering", "召集人", "organizer", 1.0),
    ("volunteering", "组织人姓名", "organizer", 1.0),
    # the thing wished for, the details of a need, of goods
    ("wishes", "心愿物资", "title", 1.0),
    ("wishes", "需求详情", "title", 1.0),
    ("donations", "物品详情", "item", 1.0),
    ("wishes", "认领企业", "department", 1.0),  # the unit that claimed the wish
    ("wishes", "认领志愿者", "leader", 1.0),  # a volunteer, and the one who claimed it
    # a date qualified by a verb statuses.toml reads as resolved is the day it was resolved
    ("wishes", "送达日期", "resolved_on", 1.0),
    ("wishes", "圆梦时间", "resolved_on", 1.0),
]

# (table, header): read as nothing - a place, a contact, the paperwork, a price, the wrong
# ledger's figure, a unit nobody listed, or several fields alike
NOT_A_FIELD = [
    ("volunteering", "服务地区"),
    ("volunteering", "活动地址"),
    ("volunteering", "联系人"),
    ("volunteering", "志愿者姓名"),  # a person, and the organiser is an organisation
    ("donations", "收款人"),
    ("donations", "受赠单位"),
    ("donations", "填报日期"),
    ("donations", "出生日期"),
    ("donations", "意向金额（元）"),
    ("purchases", "单价（元）"),
    ("purchases", "运费（元）"),
    ("purchases", "供货单位"),
    ("donations", "采购总额"),  # another ledger's word: held, not used
    ("donations", "金额（镑）"),  # a one-character unit nobody listed
    ("volunteering", "服务时长（天）"),
    ("wishes", "日期"),  # 提出, 计划完成 or 办结?
    ("purchases", "品牌"),  # 品 ends a word for goods, it does not begin one
    ("volunteering", "决算项目"),  # a budget's item is money planned, not an activity
    ("wishes", "预算事项"),
    ("donations", "捐物需求"),  # a need is no donation's purpose
    ("volunteering", "志愿岗位需求"),
    ("wishes", "就职单位"),  # where the person works, not who answers for the wish
    ("volunteering", "任职部门"),
    # those who took part are never the organiser, and by their words alone no count either
    ("volunteering", "参加者"),
    ("volunteering", "随行志愿者"),
    ("volunteering", "出席人员"),
    ("volunteering", "义工姓名"),
    ("wishes", "认领日期"),  # claimed is not resolved: which of the three dates?
    ("wishes", "帮扶物品"),  # goods are the wish only when the wish's word says so
]


def _listed() -> set[str]:
    """Every synonym in headers.toml and every word in header_words.toml, as compared."""

    def key(text: str) -> str:
        return re.sub(r"\s+", "", normalize_text(text)).lower()

    out: set[str] = set()
    with (DATA_DIR / "headers.toml").open("rb") as fh:
        for table in tomllib.load(fh)["tables"].values():
            for f in table["fields"].values():
                out |= {key(s) for s in f["synonyms"]}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                out.add(key(k))
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str):
            out.add(key(node))

    with (DATA_DIR / "header_words.toml").open("rb") as fh:
        walk(tomllib.load(fh))
    return out


def test_phrasings_are_in_no_vocabulary() -> None:
    listed = _listed()
    phrasings = [h for _, h, _, _ in BY_WORDS] + [h for _, h in NOT_A_FIELD if h != "日期"]
    assert [h for h in phrasings if re.sub(r"\s+", "", normalize_text(h)).lower() in listed] == []


@pytest.mark.parametrize(("table", "header", "field", "multiplier"), BY_WORDS)
def test_a_header_is_read_by_its_words(
    table: str, header: str, field: str, multiplier: float
) -> None:
    got = match_header_cell(header, SPECS[table])
    assert got is not None, header
    assert got[0] == field and got[1] == pytest.approx(multiplier)


@pytest.mark.parametrize(("table", "header"), NOT_A_FIELD)
def test_a_header_whose_words_say_otherwise_names_no_field(table: str, header: str) -> None:
    assert match_header_cell(header, SPECS[table]) is None


def test_the_parts_of_a_header() -> None:
    words = lexicon()
    label = words.read("捐赠方类型")
    assert (label.head, label.roles, label.modifier) == ("类型", ("party_type",), "捐赠方")
    label = words.read("服务时长（小时）")
    assert (label.head, label.roles, label.unit, label.multiplier) == (
        "时长",
        ("hours",),
        "小时",
        1,
    )
    label = words.read("投入资金（万元）")
    assert (label.roles, label.multiplier) == (("amount",), 10000.0)
    label = words.read("服务时间（小时）")  # 时间 is a date or a duration: the unit says which
    assert label.roles == ("hours",)
    assert words.read("联系人").not_event == "联系"
    assert words.read("金额（小时）").conflict  # the unit refutes the head word


# --- contents -----------------------------------------------------------------------------------


def sheet(header: list[Any], *rows: list[Any]) -> list[list[Any]]:
    return [header, *[list(r) for r in rows]]


def mapping(rows: list[list[Any]], **kwargs: Any) -> dict[str, str]:
    match = find_header(rows, SPECS, **kwargs)
    assert match is not None
    return {c.header: c.field for c in match.columns}


def test_contents_decide_a_head_word_of_two_kinds() -> None:
    """服务时间 is a synonym of hours; holding dates, the dates win."""
    rows = sheet(
        ["服务时间", "组织单位", "活动名称", "参与人数"],
        [D(2024, 3, 1), "一支部", "助老", 8],
        [D(2024, 3, 8), "二支部", "助学", 6],
        [D(2024, 3, 15), "三支部", "环保", 9],
    )
    assert mapping(rows)["服务时间"] == "date"


def test_a_person_column_holding_figures_counts_them() -> None:
    rows = sheet(
        ["活动日期", "组织单位", "活动名称", "参与志愿者"],
        [D(2024, 3, 1), "一支部", "助老", "15人"],
        [D(2024, 3, 8), "二支部", "助学", "二十余人"],
        [D(2024, 3, 15), "三支部", "环保", 9],
    )
    assert mapping(rows)["参与志愿者"] == "participants"


def test_a_bare_unit_column_is_who_or_what_by_its_contents() -> None:
    goods = sheet(
        ["日期", "捐赠方", "物资名称", "单位", "数量"],
        [D(2024, 3, 1), "某甲公司", "口罩", "箱", 20],
        [D(2024, 3, 1), "某乙公司", "手套", "副", 300],
        [D(2024, 3, 2), "某丙公司", "酒精", "瓶", 50],
    )
    assert mapping(goods)["单位"] == "item_unit"
    givers = sheet(
        ["日期", "单位", "金额"],
        [D(2024, 3, 1), "某甲公司", 500],
        [D(2024, 3, 1), "第三车间", 300],
        [D(2024, 3, 2), "某丙协会", 50],
    )
    assert mapping(givers, context="捐款登记.xlsx")["单位"] == "donor"


def test_a_column_whose_header_says_nothing_is_read_by_its_contents() -> None:
    """「登记」holds only dates: the one date field of a donation list, with its evidence."""
    rows = sheet(
        ["登记", "捐赠人", "金额"],
        [D(2024, 3, 1), "张某", 100],
        [D(2024, 3, 2), "李某", 200],
        [D(2024, 3, 3), "王某", 300],
    )
    match = find_header(rows, SPECS)
    assert match is not None and match.table == "donations"
    (date,) = [c for c in match.columns if c.field == "date"]
    assert (date.header, date.by_content) == ("登记", True)
    assert date.evidence == ("按内容识别", "内容：3/3 为日期")
    assert THRESHOLD <= date.confidence <= 1.0
    assert match.notices == ["「登记」按内容识别为 日期，请核对"]


def test_contents_alone_never_choose_between_two_fields() -> None:
    """A wish list has three date fields: a column of dates under an unknown header is none of
    them, and is shown as held instead."""
    rows = sheet(
        ["序号", "项目名称", "办理进度", "时点"],
        [1, "修篮球场", "已办结", D(2024, 3, 1)],
        [2, "添置书柜", "推进中", D(2024, 3, 2)],
        [3, "修路灯", "未启动", D(2024, 3, 3)],
    )
    match = find_header(rows, SPECS)
    assert match is not None and match.table == "wishes"
    assert not {"raised_on", "due_on", "resolved_on"} & match.fields
    assert {c.field for c in match.held if c.header == "时点"} == {
        "raised_on",
        "due_on",
        "resolved_on",
    }


# --- precision before recall ----------------------------------------------------------------


def test_each_mapping_carries_evidence_and_a_confidence() -> None:
    rows = sheet(
        ["转账日期", "捐款人", "爱心款金额（万元）"],
        [D(2024, 3, 1), "张某", 1],
        [D(2024, 3, 2), "李某", 0.5],
        [D(2024, 3, 3), "王某", 2],
    )
    match = find_header(rows, SPECS)
    assert match is not None
    by_field = {c.field: c for c in match.columns}
    amount = by_field["amount_yuan"]
    assert amount.multiplier == 10000.0
    assert amount.evidence == (
        "表头词「金额」",
        "单位「万元」",
        "限定词「爱心」",
        "内容：3/3 为数字",
    )
    assert by_field["donor"].evidence == ("已知表头「捐款人」", "内容：3/3 为名称")
    assert by_field["donor"].confidence == 1.0
    assert 0.9 <= amount.confidence <= 1.0


def test_the_better_evidence_wins_and_the_loser_is_held() -> None:
    rows = sheet(
        ["日期", "采购单位", "订单金额", "实付金额"],
        [D(2024, 3, 1), "工会", 100, 90],
        [D(2024, 3, 2), "食堂", 200, 180],
        [D(2024, 3, 3), "办公室", 300, 270],
    )
    match = find_header(rows, SPECS)
    assert match is not None
    assert {c.header: c.field for c in match.columns}["实付金额"] == "amount_yuan"
    assert [(c.header, c.field) for c in match.held] == [("订单金额", "amount_yuan")]


def test_a_tie_on_a_required_field_is_held_not_guessed() -> None:
    """Two columns with equal claims on the amount: neither is used, the sheet waits."""
    rows = sheet(
        ["日期", "捐款人", "线上金额", "线下金额"],
        [D(2024, 3, 1), "张某", 100, 0],
        [D(2024, 3, 2), "李某", 0, 200],
        [D(2024, 3, 3), "王某", 50, 50],
    )
    match = find_header(rows, SPECS)
    assert match is not None and match.undecided
    assert match.held_required == ["amount_yuan"]
    assert "amount_yuan" not in match.fields
    assert sorted(c.header for c in match.held if c.field == "amount_yuan") == [
        "线上金额",
        "线下金额",
    ]


# (table, the other columns, the column saying when it ended, the one saying when it began):
# the end comes first, so that a rule taking the leftmost column would fail
SPANS = [
    ("volunteering", ["活动名称", "组织单位", "参与人数"], "值守结束时间", "值守开始时间"),
    ("purchases", ["采购单位", "产品名称", "金额"], "订货终止日期", "订货起始日期"),
    ("donations", ["捐款人", "金额"], "募集结束日期", "募集开始日期"),
]
_SPAN_CELLS = {
    "活动名称": ["助老", "助学", "护河"],
    "组织单位": ["一支部", "二支部", "三支部"],
    "参与人数": [8, 6, 5],
    "采购单位": ["工会", "食堂", "办公室"],
    "产品名称": ["大米", "茶油", "木耳"],
    "金额": [100, 200, 300],
    "捐款人": ["张某", "李某", "王某"],
}


@pytest.mark.parametrize(("table", "others", "end", "start"), SPANS)
def test_of_two_date_columns_an_events_date_is_its_start(
    table: str, others: list[str], end: str, start: str
) -> None:
    """开始时间 / 结束时间 both hold dates alike: the event happened when it began."""
    assert {end, start} & _listed() == set()
    rows = sheet(
        [others[0], end, start, *others[1:]],
        *[
            [_SPAN_CELLS[others[0]][i], D(2024, 3, i + 2), D(2024, 3, i + 1)]
            + [_SPAN_CELLS[h][i] for h in others[1:]]
            for i in range(3)
        ],
    )
    match = find_header(rows, SPECS)
    assert match is not None and not match.undecided
    assert match.table == table
    assert {c.header: c.field for c in match.columns}[start] == "date"
    assert end not in {c.header for c in match.columns} | {c.header for c in match.held}


def test_two_dates_that_are_no_span_are_still_held() -> None:
    """Without a start and an end word, two date columns alike stay a tie for the analyst."""
    rows = sheet(
        ["活动名称", "组织单位", "值守时间", "巡查时间", "参与人数"],
        ["助老", "一支部", D(2024, 3, 1), D(2024, 3, 2), 8],
        ["助学", "二支部", D(2024, 3, 3), D(2024, 3, 4), 6],
        ["护河", "三支部", D(2024, 3, 5), D(2024, 3, 6), 5],
    )
    match = find_header(rows, SPECS)
    assert match is not None and match.held_required == ["date"]
    assert sorted(c.header for c in match.held if c.field == "date") == ["值守时间", "巡查时间"]


def test_a_hardship_list_headed_with_needs_is_a_wish_list() -> None:
    """The need is the item a wish list sets out to meet; X情况 with a doing verb its status;
    the employer of the person helped is nobody's department."""
    rows = sheet(
        ["帮扶对象", "就职单位", "助学需求", "协调解决情况"],
        ["赵某", "某某机械厂", "子女学费", "已解决"],
        ["钱某", "某某电子公司", "大病医疗费", "解决中"],
        ["孙某", "某某物流公司", "住房修缮", "未解决"],
    )
    match = find_header(rows, SPECS)
    assert match is not None and not match.undecided and match.table == "wishes"
    assert {c.header: c.field for c in match.columns} == {
        "助学需求": "title",
        "协调解决情况": "status",
    }


def test_a_sheet_that_fits_two_ledgers_alike_is_held() -> None:
    rows = sheet(
        ["日期", "单位全称", "金额"],
        [D(2024, 3, 1), "某甲公司", 500],
        [D(2024, 3, 1), "第三车间", 300],
        [D(2024, 3, 2), "某丙协会", 50],
    )
    match = find_header(rows, SPECS, context="2024年台账.xlsx Sheet1")
    assert match is not None and match.undecided
    assert {match.table, *match.rivals} == {"donations", "purchases"}
    # the sheet's own words decide it
    named = find_header(rows, SPECS, context="消费帮扶采购2024.xlsx Sheet1")
    assert named is not None and (named.table, named.rivals) == ("purchases", [])


def test_a_data_row_is_never_read_as_a_header() -> None:
    """The real header names too little; the row below it, full of words, must not stand in."""
    rows = [
        ["某厂捐款捐物登记表"],
        ["日期", "项目/用途", "捐赠方", "类型", "款项情况", "备注"],
        [
            D(2024, 10, 12),
            "白血病救助",
            "卷包车间分工会（全厂职工）",
            "现金",
            "见附表",
            "全厂职工爱心捐款",
        ],
        [D(2024, 10, 15), "孤寡老人帮扶", "后勤四党支部", "物资", "见附表", "被褥"],
    ]
    # nor, under a title saying 捐款捐物, as a wish list whose status is 款项情况
    assert find_header(rows, SPECS) is None
    message, toml = why_no_table(rows, SPECS, "/某处/原始数据/shishi.toml")
    assert message.startswith("第2行看起来像捐款捐物表头，但缺少必需列「金额」")
    assert "/某处/原始数据/shishi.toml" in message and "amount_yuan" not in message
    assert toml == ""  # no column could hold the amounts: nothing to paste


# --- whole ledgers, as the failures ---------------------------------------------------------


def clean(raw: Path) -> CleanOutcome:
    outcome = run_clean(raw, raw.parent / "out")
    for f in outcome.manifest["files"]:
        for s in f["sheets"]:
            if "rows_read" in s:
                assert_reconciled(s, (f["file"], s["sheet"]))
    return outcome


def test_a_foundations_gbk_list_with_donation_time_is_read(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["捐赠时间", "捐赠人", "院系专业", "校友会", "捐赠项目", "捐赠金额"])
    writer.writerow(["2023-09-01", "张某", "计算机2001", "北京校友会", "奖学金", "1000"])
    writer.writerow(["2023-09-03", "李某某", "数学1998", "上海校友会", "图书馆建设", "500"])
    writer.writerow(["2023-10-12", "王某", "物理2010", "", "奖学金", "2000.5"])
    writer.writerow(["2023-11-30", "刘*", "化学2015", "深圳校友会", "校庆基金", "88"])
    (raw / "捐赠名单.csv").write_bytes(buf.getvalue().encode("gb18030"))
    out = clean(raw)
    don = out.tables["donations"]
    assert len(don) == 4 and out.rejects.empty
    assert don["amount_yuan"].sum() == 3588.5  # 1000 + 500 + 2000.5 + 88
    assert [d.strftime("%m-%d") for d in don["date"]] == ["09-01", "09-03", "10-12", "11-30"]
    assert set(don["date_source"]) == {"column"}
    assert list(don["campaign"])[:2] == ["奖学金", "图书馆建设"]


def test_a_volunteer_platforms_organiser_is_its_group_not_its_area(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    workbook(
        raw / "志愿服务记录导出.xlsx",
        [
            ["志愿者姓名", "服务区域", "所属团体", "活动名称", "活动日期", "服务时长（小时）"],
            ["张某", "东城区", "青年志愿队", "助老", D(2024, 3, 1), 2],
            ["李某", "西城区", "青年志愿队", "环保", D(2024, 3, 2), 3.5],
            ["王某", "东城区", "巾帼志愿队", "助学", D(2024, 3, 3), 1.5],
        ],
    )
    vol = clean(raw).tables["volunteering"]
    assert list(vol["organizer"]) == ["青年志愿队", "青年志愿队", "巾帼志愿队"]
    assert list(vol["hours"]) == [2.0, 3.5, 1.5]  # not 0: 小时 is the hours' own unit


def test_a_departments_own_words_are_read(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    workbook(
        raw / "爱心捐款.xlsx",
        [
            ["转账日期", "捐款人", "爱心款金额", "捐赠方类型"],
            [D(2024, 4, 1), "某甲科技有限公司", 5000, "企业"],
            [D(2024, 4, 2), "张某某", 200, "个人"],
            [D(2024, 4, 3), "第三车间分工会", 1200, None],  # blank: derived from the name
        ],
    )
    workbook(
        raw / "志愿活动.xlsx",
        [
            ["活动日期", "组织支部", "活动名称", "服务小时数"],
            [D(2024, 4, 6), "第一党支部", "义诊", 3],
            [D(2024, 4, 13), "第二党支部", "植树", "半天"],
            [D(2024, 4, 20), "第一党支部", "助老", 2],
        ],
    )
    out = clean(raw)
    don = out.tables["donations"]
    assert don["amount_yuan"].sum() == 6400
    assert list(don["donor_type"]) == ["enterprise", "individual", "organization"]
    vol = out.tables["volunteering"]
    assert list(vol["title"]) == ["义诊", "植树", "助老"]
    assert vol["hours"].tolist() == [3.0, 4.0, 2.0]  # 半天 is 4 hours


def test_minutes_are_read_as_hours(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    workbook(
        raw / "志愿活动.xlsx",
        [
            ["活动日期", "组织单位", "活动名称", "志愿时长（分钟）"],
            [D(2024, 4, 6), "第一党支部", "义诊", 90],
            [D(2024, 4, 13), "第二党支部", "植树", "150"],
            [D(2024, 4, 20), "第一党支部", "助老", "2小时"],  # its own unit wins
        ],
    )
    vol = clean(raw).tables["volunteering"]
    assert list(vol["hours"]) == [1.5, 2.5, 2.0]


def test_a_buyer_type_column_is_read_as_written(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    workbook(
        raw / "消费帮扶.xlsx",
        [
            ["采购日期", "采购主体", "采购主体类型", "产品名称", "金额（元）"],
            [D(2024, 5, 1), "某厂工会", "企业", "茶叶", 1000],
            [D(2024, 5, 2), "机关食堂", "企业", "大米", 3000],
            [D(2024, 5, 3), "管理人员", "个人", "蜂蜜", 240],
        ],
    )
    pur = clean(raw).tables["purchases"]
    assert list(pur["buyer_type"]) == ["enterprise", "enterprise", "individual"]
    assert pur["amount_yuan"].sum() == 4240


def test_a_held_required_column_is_a_todo_with_the_line_to_paste(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    workbook(
        raw / "捐款.xlsx",
        [
            ["日期", "捐款人", "线上金额", "线下金额"],
            [D(2024, 3, 1), "张某", 100, 0],
            [D(2024, 3, 2), "李某", 0, 200],
            [D(2024, 3, 3), "王某", 50, 50],
        ],
        "三月",
    )
    out = clean(raw)
    assert out.tables["donations"].empty  # never guessed
    (notice,) = [n for n in out.notices if n.level == "error"]
    assert (notice.file, notice.sheet) == ("捐款.xlsx", "三月")
    assert notice.message.startswith("第1行看起来像捐款捐物表头，但「金额」可能是 「线上金额」")
    assert str(raw / "shishi.toml") in notice.message
    assert notice.toml == (
        '[headers.donations]\namount_yuan = ["线上金额"]  # 金额；也可以是 "线下金额"'
    )
    # pasted as it stands, the line settles it: the sheet is read, from that column
    (raw / "shishi.toml").write_text(notice.toml + "\n", encoding="utf-8")
    don = clean(raw).tables["donations"]
    assert list(don["amount_yuan"]) == [100.0, 0.0, 50.0]  # the 线上金额 column, as written


# --- the analyst's words ------------------------------------------------------------------------


def config(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "shishi.toml"
    return parse_config(text.encode("utf-8"), path)


def test_the_analyst_teaches_a_head_word_a_ledger_word_and_a_unit(tmp_path: Path) -> None:
    settings = config(
        tmp_path,
        '[header_words.heads]\namount = ["额度"]\n'
        '[header_words.ledgers]\ndonations = ["义捐"]\n'
        '[header_words.units.amount]\n"百元" = 100\n',
    )
    specs = load_table_specs(settings.extra_headers, settings.header_words)
    assert match_header_cell("爱心额度", SPECS["donations"]) is None
    assert match_header_cell("爱心额度", specs["donations"]) == ("amount_yuan", 1.0)
    assert match_header_cell("金额（百元）", specs["donations"]) == ("amount_yuan", 100.0)
    assert specs["donations"].words.ledgers_named("义捐登记")["donations"] == "义捐"


def test_the_analyst_names_a_part_and_a_group_word(tmp_path: Path) -> None:
    """[header_words] agents and groups, which header_words.toml has, were refused in
    shishi.toml (an unknown key): the analyst could not teach them."""
    settings = config(
        tmp_path,
        '[header_words]\ngroups = ["概要"]\n[header_words.agents]\nleader = ["督导"]\n',
    )
    specs = load_table_specs(settings.extra_headers, settings.header_words)
    words = specs["volunteering"].words
    assert (
        "督导" in words.agents["leader"]
        and "督导" not in SPECS["volunteering"].words.agents["leader"]
    )
    assert "概要" in words.groups and "概要" not in SPECS["volunteering"].words.groups


def test_the_analyst_names_the_ends_of_a_span(tmp_path: Path) -> None:
    settings = config(tmp_path, '[header_words.span]\nstart = ["上岗"]\nend = ["离岗"]\n')
    specs = load_table_specs(settings.extra_headers, settings.header_words)
    rows = sheet(
        ["活动名称", "组织单位", "离岗时间", "上岗时间", "参与人数"],
        ["助老", "一支部", D(2024, 3, 2), D(2024, 3, 1), 8],
        ["助学", "二支部", D(2024, 3, 4), D(2024, 3, 3), 6],
        ["护河", "三支部", D(2024, 3, 6), D(2024, 3, 5), 5],
    )
    before = find_header(rows, SPECS)
    assert before is not None and before.held_required == ["date"]
    after = find_header(rows, specs)
    assert after is not None and not after.undecided
    assert {c.header: c.field for c in after.columns}["上岗时间"] == "date"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[header_words.heads]\namout = ["额度"]\n',
            "「header_words.heads」：没有「amout」这种表头词；是不是「amount」（金额）？",
        ),
        (
            '[header_words.units.date]\n"天" = 1\n',
            "「header_words.units」：「date」不能写单位；单位只能用于 amount（金额（元））、"
            "hours（时长（小时））、count（人数）",
        ),
        (
            '[header_words.units.amount]\n"百元" = 0\n',
            "「header_words.units」：单位「百元」应为正数（现在是 0.0）",
        ),
        (
            '[header_words.ledgers]\ndonation = ["义捐"]\n',
            "「header_words.ledgers.donation」：没有这个台账；是不是「donations」？",
        ),
        (
            '[header_words.span]\nbegin = ["启"]\n',
            "「header_words.span」：没有「begin」；只能写 start（开始的一端）或 end（结束的一端）",
        ),
        (
            '[header_words.heads]\ndate = [" "]\n',
            "「header_words.heads」：「date」的列表里有空白的词，请删去",
        ),
        (
            '[header_words.agents]\nboss = ["督导"]\n',
            "「header_words.agents」：没有「boss」；只能写 leader（组织、带队的人）或 "
            "participant（参加的人）",
        ),
        (
            '[header_words]\ngroups = [""]\n',
            "「header_words.groups」：「groups」的列表里有空白的词，请删去",
        ),
    ],
)
def test_a_mistake_in_header_words_is_one_chinese_line(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        config(tmp_path, text)
    lines = str(err.value).splitlines()
    assert lines[0].endswith("配置文件有 1 处问题：")
    assert lines[1].strip().endswith(message)
    assert str(tmp_path / "shishi.toml") in str(err.value)


def test_a_payout_list_is_said_plainly_not_a_ledger_to_settle(tmp_path: Path) -> None:
    """Money handed out against a signature fits a donation and a purchase list alike by its
    columns; its words say it is an outflow, so it is named as one, not left as a to-do."""
    raw = tmp_path / "raw"
    raw.mkdir()
    workbook(
        raw / "2024年重阳节慰问金发放表.xlsx",
        [
            ["2024年重阳节慰问金发放表"],
            ["序号", "慰问对象", "所在科室", "慰问标准（元）", "本人签收"],
            [1, "张某", "办公室", 500, ""],
            [2, "李某", "财务科", 500, ""],
            [3, "王某", "机修车间", 800, ""],
        ],
    )
    outcome = clean(raw)
    [notice] = outcome.notices
    assert notice.level == "info"
    assert notice.message == (
        "「Sheet1」有采购主体（所在科室）和金额（慰问标准(元)）列，最像消费帮扶采购；"
        "且有本人签收（文件名「2024年重阳节慰问金发放表.xlsx」），像是发放（领取）名单，不是台账；"
        "未计入报告，也不影响报告的完整性"
    )
    assert all(t.empty for t in outcome.tables.values())


def test_a_budget_of_activities_is_no_volunteering_ledger(tmp_path: Path) -> None:
    """决算项目 names planned money, not an activity: without that title the sheet is no
    volunteering list read by its contents, but a budget said plainly."""
    raw = tmp_path / "raw"
    raw.mkdir()
    workbook(
        raw / "2026年度关爱活动经费预算.xlsx",
        [
            ["2026年度关爱活动经费预算"],
            ["序号", "支出类型", "决算项目", "资金来源", "预算数（元）"],
            [1, "走访慰问", "助老走访", "工会经费", 5000],
            [2, "环境保护", "河道清洁", "行政经费", 3000],
            [3, "健康服务", "义诊", "工会经费", 8000],
        ],
    )
    outcome = clean(raw)
    [notice] = outcome.notices
    assert notice.level == "info"
    assert notice.message.endswith(
        "且有决算项目/预算数，像是预算表，不是台账；未计入报告，也不影响报告的完整性"
    )
    assert all(t.empty for t in outcome.tables.values())


def test_a_ledger_with_a_signature_column_is_still_read(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    workbook(
        raw / "爱心捐款登记.xlsx",
        [
            ["捐赠日期", "捐赠单位", "捐款金额（元）", "经手人签收"],
            [D(2024, 3, 1), "某甲公司", 500, "王"],
            [D(2024, 3, 2), "某乙协会", 300, "李"],
        ],
    )
    outcome = clean(raw)
    assert list(outcome.tables["donations"]["amount_yuan"]) == [500.0, 300.0]


def test_a_sheet_of_either_ledger_is_a_todo_with_its_pin(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    workbook(
        raw / "2024年台账.xlsx",
        [
            ["日期", "单位全称", "金额"],
            [D(2024, 3, 1), "某甲公司", 500],
            [D(2024, 3, 1), "第三车间", 300],
            [D(2024, 3, 2), "某丙协会", 50],
        ],
    )
    out = clean(raw)
    assert all(t.empty for t in out.tables.values())
    (notice,) = [n for n in out.notices if n.level == "error"]
    assert "同样符合捐款捐物、消费帮扶采购" in notice.message
    assert str(raw / "shishi.toml") in notice.message
    assert notice.toml == '[[pin]]\nfile = "2024年台账.xlsx"\nsheet = "Sheet1"\ntable = "donations"'


def test_a_row_of_words_in_the_data_is_no_second_header(tmp_path: Path) -> None:
    """第一党支部 | 关爱行动项目 read as an organiser and a title by their words, but a row met in
    the middle of the data is a header again only by synonyms: it stays a row of data."""
    raw = tmp_path / "raw"
    raw.mkdir()
    workbook(
        raw / "志愿服务.xlsx",
        [
            ["志愿服务活动登记（2024年4月）"],
            ["活动日期", "组织单位", "活动名称", "参与人数"],
            [D(2024, 4, 6), "第一党支部", "义诊", 5],
            [None, "第二党支部", "关爱行动项目", None],  # row 4: no day of its own
            [D(2024, 4, 20), "第三党支部", "植树", 6],
        ],
    )
    out = clean(raw)
    assert not [n for n in out.notices if "又一张表的表头" in n.message]
    vol = out.tables["volunteering"]
    assert list(vol["title"]) == ["义诊", "植树"]
    (entry,) = out.manifest["files"][0]["sheets"]
    assert (entry["accepted"], entry["rejected"], entry["skipped_note"]) == (2, 1, 0)
    assert list(out.rejects["source_row"]) == [4]  # a row of data, refused for its date


@pytest.mark.parametrize(
    "header", ["捐赠\n金额", '捐赠"金额"', "金额\\元", "金额\t（元）", "金\x7f额"]
)
def test_a_settling_line_is_valid_toml_whatever_the_header_holds(header: str) -> None:
    """A header cell may hold a line break, quotes or a backslash: the line offered to paste
    into shishi.toml must still parse, and give back the header exactly."""
    from metrics.cleaning.headers import settling_line

    parsed = tomllib.loads(settling_line("amount_yuan", header))
    assert parsed == {"amount_yuan": [header]}


# --- who led, who took part (组织者 beside 志愿者) ----------------------------------------------


def test_the_one_who_led_is_the_organiser_and_those_who_took_part_are_not() -> None:
    """A person word says who, the word before it which part they played: 发起人 led the
    activity, 参加者 lists those who took part (names, not a count, never the organiser)."""
    rows = sheet(
        ["日期", "服务项目", "参加者", "发起人", "人数"],
        [D(2024, 3, 1), "助老", "张某、李某", "王某某", 2],
        [D(2024, 3, 8), "助学", "赵某、钱某、孙某", "李某某", 3],
        [D(2024, 3, 15), "环保", "周某", "王某某", 1],
    )
    got = mapping(rows)
    assert got.get("发起人") == "organizer"
    assert "参加者" not in got
    assert got.get("人数") == "participants"


def test_a_unit_column_is_the_organiser_before_a_person_who_led() -> None:
    """Beside a unit (志愿小组), the person who led (带队人) is its leader, not the organiser."""
    rows = sheet(
        ["日期", "服务项目", "带队人", "志愿小组", "人数"],
        [D(2024, 3, 1), "助老", "王某某", "敬老小组", 6],
        [D(2024, 3, 8), "助学", "李某某", "助学小组", 4],
        [D(2024, 3, 15), "环保", "王某某", "环保小组", 5],
    )
    got = mapping(rows)
    assert got.get("志愿小组") == "organizer"
    assert "带队人" not in got


def test_people_who_took_part_count_only_when_the_column_holds_figures() -> None:
    names = sheet(
        ["日期", "服务项目", "组织单位", "随行人员"],
        [D(2024, 3, 1), "助老", "一支部", "张某、李某"],
        [D(2024, 3, 8), "助学", "二支部", "赵某"],
        [D(2024, 3, 15), "环保", "三支部", "孙某、周某、吴某"],
    )
    assert "随行人员" not in mapping(names)
    figures = sheet(
        ["日期", "服务项目", "组织单位", "随行人员"],
        [D(2024, 3, 1), "助老", "一支部", 2],
        [D(2024, 3, 8), "助学", "二支部", 1],
        [D(2024, 3, 15), "环保", "三支部", 3],
    )
    assert mapping(figures).get("随行人员") == "participants"


# --- the header around a column -------------------------------------------------------------


def test_a_label_under_a_spanning_label_takes_its_qualifier() -> None:
    """名称 alone says nothing; under 活动信息 it is the activity's name."""
    rows = [
        ["组织单位", "活动信息", "", "人次"],
        ["", "名称", "日期", ""],
        ["一支部", "助老", D(2024, 3, 1), 6],
        ["二支部", "助学", D(2024, 3, 8), 4],
        ["三支部", "环保", D(2024, 3, 15), 5],
    ]
    match = find_header(rows, SPECS)
    assert match is not None and match.table == "volunteering"
    got = {c.header: c.field for c in match.columns}
    assert got["活动信息/名称"] == "title" and got["活动信息/日期"] == "date"
    words = lexicon()
    assert words.under("活动信息", "名称") == "活动名称"  # a group passes its qualifier down
    # a kind of column has parts: the co-organiser's name, not the activity's (协办名称)
    assert words.under("协办单位", "名称") == "协办单位名称"
    assert match_header_cell(words.under("协办单位", "名称"), SPECS["volunteering"]) is None
    parts = [
        ["组织单位", "协办单位", "", "活动信息", "", "人次"],
        ["", "名称", "联系人", "名称", "日期", ""],
        ["一支部", "甲社区", "张某", "助老", D(2024, 3, 1), 6],
        ["二支部", "乙社区", "李某", "助学", D(2024, 3, 8), 4],
        ["三支部", "丙社区", "王某", "环保", D(2024, 3, 15), 5],
    ]
    match = find_header(parts, SPECS)
    assert match is not None
    got = {c.header: c.field for c in match.columns}
    assert got.get("活动信息/名称") == "title" and got.get("组织单位") == "organizer"
    assert "协办单位/名称" not in got


def test_a_unit_written_above_the_table_is_the_unit_of_its_amounts() -> None:
    """单位：万元 on a line above: 认购金额 is in 万元; a header with a unit of its own keeps it."""
    rows = [
        ["某集团消费帮扶明细"],
        ["", "", "", "金额单位：万元"],
        ["认购日期", "认购单位", "认购产品", "认购金额", "运费（元）"],
        [D(2024, 3, 1), "集团本部", "大米", 1.2, 300],
        [D(2024, 4, 1), "集团工会", "苹果", 0.8, 200],
        [D(2024, 5, 1), "一分公司", "木耳", 2.5, 100],
    ]
    match = find_header(rows, SPECS)
    assert match is not None and match.table == "purchases"
    (amount,) = [c for c in match.columns if c.field == "amount_yuan"]
    assert (amount.header, amount.multiplier) == ("认购金额", 10000.0)
    assert "表上方「单位：万元」" in amount.evidence
    own = [*rows[:2], ["认购日期", "认购单位", "认购产品", "认购金额（元）"], *rows[3:]]
    match = find_header(own, SPECS)
    assert match is not None
    assert [c.multiplier for c in match.columns if c.field == "amount_yuan"] == [1.0]
    two = [["单位：元", "", "单位：万元"], *rows[2:]]  # two units above one table: none assumed
    match = find_header(two, SPECS)
    assert match is not None
    assert [c.multiplier for c in match.columns if c.field == "amount_yuan"] == [1.0]


def test_order_words_make_an_order_export_a_purchase_list() -> None:
    """流水号 and 数量 would also fit an in-kind donation list; 下单 and 实付 say who bought."""
    rows = sheet(
        ["交易流水号", "下单科室", "商品", "数量", "实付款"],
        ["T0001", "办公室", "小米", 20, 170.0],
        ["T0002", "工会", "腊肉", 10, 750.0],
        ["T0003", "食堂", "土豆", 300, 720.0],
        ["T0004", "办公室", "茶叶", 5, 400.0],
        ["T0005", "工会", "蜂蜜", 12, 480.0],
    )
    match = find_header(rows, SPECS)
    assert match is not None and match.table == "purchases"
    got = {c.header: c.field for c in match.columns}
    assert got["下单科室"] == "buyer" and got["实付款"] == "amount_yuan"
