"""A group of units (issue 19 item 11): the group's report is the whole group's, under its name.

The fixture is 江城中烟工业集团 built here: the group's own 机关 ledgers at the top of the raw
folder and three factories whose names sort wrongly by code point (卷烟三厂 < 卷烟二厂 <
卷烟十厂), each declaring itself in its own shishi.toml. Worked out by hand, 2024Q3:

===========  ========  ==========  =================  ===========================
unit         捐款捐物   企业采购     志愿服务 活动/人次    own target
===========  ========  ==========  =================  ===========================
机关本部      5000      1000        2 / 20             none
卷烟二厂      3000      20000       4 / 40             企业采购 4万元 (50.0%)
卷烟三厂      2000      5000        Q2: 8 / 80, Q3: —  none
卷烟十厂      1000      3000        2 / 10             志愿服务 10次 (Q2 1 + Q3 2)
group        11000     29000       8 / 70 (+三厂)     企业采购 10万元, 志愿服务 30次
===========  ========  ==========  =================  ===========================

卷烟三厂 sent no Q3 volunteering ledger: 未收到, a blocker, never "0次". Once it sends its
Q3 ledger (5 activities, 50 人次) the group has 13 activities / 120 人次 in Q3; with Q2
(2+3+8+1 = 14... see ``VOLUNTEERING``) the year to date is worked out in each test.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest

from conftest import run_report
from metrics.cleaning.store import run_clean
from metrics.cleaning.units import read_units
from metrics.config import load_config
from metrics.errors import ConfigError, ExitCode
from metrics.periods import Period
from metrics.reporting import group, kpi, loading, model
from metrics.running import gate
from metrics.scope import Scope, UnitRequest, natural_key, ordered_units

GROUP = "江城中烟工业集团"
HQ = "江城中烟工业集团机关本部"
Q2, Q3 = Period.parse("2024Q2"), Period.parse("2024Q3")

#: folder -> quarter -> (organizer, participants) per activity
VOLUNTEERING = {
    "": {"2024Q3": [("机关党支部", 10), ("机关党支部", 10)]},
    "二厂": {
        "2024Q2": [("卷包车间党支部", 10)] * 3,
        "2024Q3": [("卷包车间党支部", 10)] * 3 + [("制丝车间党支部", 10)],
    },
    "三厂": {"2024Q2": [("卷包车间党支部", 10)] * 8},
    "十厂": {"2024Q2": [("卷包车间党支部", 5)], "2024Q3": [("卷包车间党支部", 5)] * 2},
}
#: folder -> quarter -> donation amounts
DONATIONS = {
    "": {"2024Q2": [10000], "2024Q3": [5000]},
    "二厂": {"2024Q3": [3000]},
    "三厂": {"2024Q2": [500], "2024Q3": [2000]},
    "十厂": {"2024Q2": [800], "2024Q3": [1000]},
}
#: folder -> Q3 enterprise purchases
PURCHASES = {"": 1000, "二厂": 20000, "三厂": 5000, "十厂": 3000}
#: folder -> (unit name, its own shishi.toml beyond [unit] name)
FACTORIES = {
    "二厂": ("卷烟二厂", "[targets]\npurchases_enterprise_yuan = 40000\n"),
    "三厂": ("卷烟三厂", ""),
    "十厂": ("卷烟十厂", "[targets]\nvolunteer_activities = 10\n"),
}


def _csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def build_group(raw: Path, *, sanchang_q3: bool = False) -> Path:
    """The group's raw folder; ``sanchang_q3``: 卷烟三厂 has sent its Q3 volunteering ledger."""
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "shishi.toml").write_text(
        f'[unit]\nname = "{GROUP}"\n\n[targets]\n'
        "purchases_enterprise_yuan = 100000\nvolunteer_activities = 30\n",
        encoding="utf-8",
    )
    for folder, (name, extra) in FACTORIES.items():
        (raw / folder).mkdir(parents=True, exist_ok=True)
        (raw / folder / "shishi.toml").write_text(
            f'[unit]\nname = "{name}"\n\n{extra}', encoding="utf-8"
        )
    vol = {k: dict(v) for k, v in VOLUNTEERING.items()}
    if sanchang_q3:
        vol["三厂"]["2024Q3"] = [("卷包车间党支部", 10)] * 5
    for folder, quarters in vol.items():
        for label, acts in quarters.items():
            start = Period.parse(label).start
            _csv(
                raw / folder / f"志愿服务活动_{label}.csv",
                ["活动日期", "组织单位", "活动名称", "类别", "参与人数", "服务时长", "服务成果"],
                [
                    [
                        (start + dt.timedelta(days=i)).isoformat(),
                        org,
                        f"活动{i + 1}",
                        "其他",
                        n,
                        2,
                        "",
                    ]
                    for i, (org, n) in enumerate(acts)
                ],
            )
    for folder, quarters in DONATIONS.items():
        for label, amounts in quarters.items():
            start = Period.parse(label).start
            _csv(
                raw / folder / f"捐款捐物登记_{label}.csv",
                ["日期", "项目/用途", "捐赠方", "类型", "金额"],
                [
                    [
                        (start + dt.timedelta(days=3 + i)).isoformat(),
                        "金秋助学",
                        f"捐赠人{i}",
                        "现金",
                        a,
                    ]
                    for i, a in enumerate(amounts)
                ],
            )
    for folder, amount in PURCHASES.items():
        _csv(
            raw / folder / "消费帮扶采购_2024Q3.csv",
            ["日期", "采购主体", "供应地区", "产品", "金额"],
            [["2024-07-20", "企业", "湖北恩施", "茶叶", amount]],
        )
    # wish lists: 机关 and 二厂, one item each resolved in Q3
    for folder, title in (("", "机关食堂改造"), ("二厂", "二厂浴室改造")):
        _csv(
            raw / folder / "心愿清单_2024Q3.csv",
            ["序号", "项目名称", "责任部门", "提出时间", "办理进度", "办结时间"],
            [
                [1, title, "综合办公室", "2024-04-01", "已办结", "2024-08-15"],
                [2, f"{title}二期", "综合办公室", "2024-04-01", "推进中", ""],
            ],
        )
    return raw


def add_q4(raw: Path) -> Path:
    """Every unit's Q4 ledgers: one activity of 10 人次, 1000元 given, 1000元 bought."""
    for folder in ("", *FACTORIES):
        _csv(
            raw / folder / "志愿服务活动_2024Q4.csv",
            ["活动日期", "组织单位", "活动名称", "类别", "参与人数", "服务时长", "服务成果"],
            [["2024-11-05", "卷包车间党支部", "冬季慰问", "其他", 10, 2, ""]],
        )
        _csv(
            raw / folder / "捐款捐物登记_2024Q4.csv",
            ["日期", "项目/用途", "捐赠方", "类型", "金额"],
            [["2024-11-06", "冬季送温暖", "捐赠人", "现金", 1000]],
        )
        _csv(
            raw / folder / "消费帮扶采购_2024Q4.csv",
            ["日期", "采购主体", "供应地区", "产品", "金额"],
            [["2024-11-07", "企业", "湖北恩施", "大米", 1000]],
        )
    return raw


# --- natural order --------------------------------------------------------------------------


def test_units_sort_in_natural_order() -> None:
    names = ["第10分厂", "第1分厂", "第2分厂"]
    assert sorted(names) == ["第10分厂", "第1分厂", "第2分厂"]  # code point: wrong
    assert ordered_units(names) == ["第1分厂", "第2分厂", "第10分厂"]
    factories = ["卷烟十厂", "卷烟三厂", "卷烟二厂", "卷烟一厂", "卷烟十二厂"]
    assert ordered_units(factories) == [
        "卷烟一厂",
        "卷烟二厂",
        "卷烟三厂",
        "卷烟十厂",
        "卷烟十二厂",
    ]
    assert natural_key("第二十一车间") > natural_key("第十九车间")
    # as declared when declared; the rest after, in natural order
    assert ordered_units(factories, ["卷烟十厂", "卷烟二厂"]) == [
        "卷烟十厂",
        "卷烟二厂",
        "卷烟一厂",
        "卷烟三厂",
        "卷烟十二厂",
    ]


# --- declaring units and targets ------------------------------------------------------------


def test_top_ledgers_are_the_groups_own_unit_and_targets_are_each_units_own(
    tmp_path: Path,
) -> None:
    raw = build_group(tmp_path / "raw")
    declared = read_units(raw)
    assert declared.group == GROUP and declared.top == HQ
    assert [u.name for u in declared.units] == [HQ, "卷烟二厂", "卷烟三厂", "卷烟十厂"]
    assert declared.targets_for("") == {
        "purchases_enterprise_yuan": 100000,
        "volunteer_activities": 30,
    }
    assert declared.targets_for(GROUP) == declared.targets_for("")
    assert declared.targets_for("卷烟二厂") == {"purchases_enterprise_yuan": 40000}
    assert declared.targets_for("卷烟三厂") == {}  # never the group's
    assert declared.targets_for(HQ) == {}
    outcome = run_clean(raw)
    files = {f["file"]: f["unit"] for f in outcome.manifest["files"]}
    assert files["志愿服务活动_2024Q3.csv"] == HQ
    assert files["三厂/志愿服务活动_2024Q2.csv"] == "卷烟三厂"
    # --unit <group> is the whole group; --unit all is the group first, then each unit
    known = ["卷烟十厂", HQ, "卷烟三厂", "卷烟二厂"]
    assert UnitRequest.parse(GROUP).resolve(known, GROUP) == [Scope.whole()]
    assert UnitRequest.parse("all").resolve(known, GROUP, [HQ]) == [
        Scope.whole(),
        Scope(HQ),
        Scope("卷烟二厂"),
        Scope("卷烟三厂"),
        Scope("卷烟十厂"),
    ]


def test_a_named_top_unit_and_inline_targets(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "shishi.toml").write_text(
        f'[unit]\nname = "{GROUP}"\n\n'
        '[[units]]\nfolder = "."\nname = "集团机关"\ntargets = { volunteer_activities = 12 }\n\n'
        '[[units]]\nfolder = "十厂"\nname = "卷烟十厂"\n\n'
        '[[units]]\nfolder = "二厂"\nname = "卷烟二厂"\ntargets = { donations_yuan = 5000 }\n',
        encoding="utf-8",
    )
    declared = read_units(raw)
    assert declared.top == "集团机关"
    assert [u.name for u in declared.units] == ["集团机关", "卷烟十厂", "卷烟二厂"]  # as declared
    assert declared.targets_for("集团机关") == {"volunteer_activities": 12}
    assert declared.targets_for("卷烟二厂") == {"donations_yuan": 5000}
    assert declared.targets_for("卷烟十厂") == {} and declared.targets_for("") == {}


@pytest.mark.parametrize(
    ("toml", "said"),
    [
        (  # a unit under the group's own name would hide the group behind it
            f'[unit]\nname = "{GROUP}"\n[[units]]\nfolder = "一厂"\nname = "{GROUP}"\n',
            ["第 5 行", "与 [unit] name（整个集团）同名"],
        ),
        (
            '[[units]]\nfolder = "一厂"\nname = "卷烟一厂"\n[[units]]\nfolder = "二厂"\nname = "卷烟一厂"\n',
            ["第 6 行", "同名", "合在一起"],
        ),
        (
            '[[units]]\nfolder = "一厂"\nname = "卷烟一厂"\ntargets = { volunteer_activites = 3 }\n',
            ["第 4 行", "volunteer_activites", "是不是「volunteer_activities」"],
        ),
        (
            "[targets]\ndonations_yuan = 0\npurchase_yuan = 5\n",
            ["第 2 行", "应为正数", "第 3 行", "purchase_yuan"],
        ),
    ],
)
def test_unit_and_target_mistakes_are_one_chinese_line_each(
    tmp_path: Path, toml: str, said: list[str]
) -> None:
    (tmp_path / "shishi.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    for words in said:
        assert words in info.value.message, info.value.message


def test_every_headline_figure_can_have_a_target() -> None:
    """config.py validates [targets] keys before any report runs; the report's own list of
    headline figures must be the same list, or a valid target would be refused (or lost)."""
    from metrics.config import TARGET_KEYS

    assert list(TARGET_KEYS) == list(kpi.TARGET_KEYS)


def test_targets_in_two_places_for_one_unit_are_refused(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "二厂").mkdir(parents=True)
    (raw / "shishi.toml").write_text(
        '[[units]]\nfolder = "二厂"\nname = "卷烟二厂"\ntargets = { donations_yuan = 5 }\n',
        encoding="utf-8",
    )
    (raw / "二厂" / "shishi.toml").write_text("[targets]\ndonations_yuan = 6\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="写了两处"):
        read_units(raw)


# --- the group's figures ----------------------------------------------------------------------


def test_a_unit_that_sent_nothing_this_quarter_is_owed_never_zero(tmp_path: Path) -> None:
    outcome = run_clean(build_group(tmp_path / "raw"))
    units = kpi.units(outcome.tables, [HQ])
    assert units == [HQ, "卷烟二厂", "卷烟三厂", "卷烟十厂"]
    receipts = group.unit_receipts(outcome.tables, outcome.manifest, Q3, units)
    owed = group.missing(receipts)
    assert owed[["unit", "table", "period"]].values.tolist() == [
        ["卷烟三厂", "volunteering", "2024Q3"]
    ]
    # 二厂 never sent donations before Q3, and sent them in Q3: received; 机关 has no Q2
    # volunteering and Q3 rows: received
    status = receipts.set_index(["unit", "table"])["status"]
    assert status[("卷烟二厂", "donations")] == group.RECEIVED
    assert status[(HQ, "volunteering")] == group.RECEIVED
    # the gate blocks the group's Q3 and 三厂's, never the other units'
    for scope, blocked in (
        (Scope.whole(), True),
        (Scope("卷烟三厂"), True),
        (Scope("卷烟二厂"), False),
    ):
        found = [
            b
            for b in gate.check(outcome.manifest, outcome.tables, scope, Q3)
            if b.kind == "unit_missing"
        ]
        assert bool(found) is blocked, scope
        if blocked:
            assert "卷烟三厂" in found[0].message and "2024年第三季度" in found[0].message
            assert "不能当作 0" in found[0].message and found[0].table == "volunteering"
    assert not [b for b in gate.check(outcome.manifest, outcome.tables, Scope.whole(), Q2)
                if b.kind == "unit_missing"]  # fmt: skip
    # the group's table says 未收到 where 三厂's volunteering would be, and so does 合计
    rows, _data = group.unit_rows(outcome.tables, receipts, Q3, units)
    by_unit = {r[0]: r for r in rows}
    assert by_unit["卷烟三厂"][4] == "未收到" and "未收到：志愿服务" in by_unit["卷烟三厂"][5]
    assert by_unit["合计"][4] == "未收到"
    assert by_unit["卷烟二厂"][4] == "4次/40人次"


def test_a_months_report_owes_nothing(tmp_path: Path) -> None:
    """Ledgers come quarterly: a month without an activity is no unsent ledger."""
    outcome = run_clean(build_group(tmp_path / "raw"))
    august = Period.parse("2024-08")
    receipts = group.unit_receipts(outcome.tables, outcome.manifest, august, ["卷烟三厂"])
    assert receipts.empty
    rows, _ = group.unit_rows(outcome.tables, receipts, august, ["卷烟三厂"])
    assert rows[0][4] == "0次/0人次" and rows[0][5] == "—"


def test_a_template_sent_back_blank_is_nothing_this_quarter(tmp_path: Path) -> None:
    raw = build_group(tmp_path / "raw")
    _csv(
        raw / "三厂" / "志愿服务活动_2024Q3.csv",
        ["活动日期", "组织单位", "活动名称", "类别", "参与人数", "服务时长", "服务成果"],
        [],
    )
    outcome = run_clean(raw)
    receipts = group.unit_receipts(outcome.tables, outcome.manifest, Q3, ["卷烟三厂"])
    cell = receipts[receipts["table"] == "volunteering"].iloc[0]
    assert cell["status"] == group.EMPTY and "三厂/志愿服务活动_2024Q3.csv" in cell["sheets"]
    assert not [b for b in gate.check(outcome.manifest, outcome.tables, Scope.whole(), Q3)
                if b.kind == "unit_missing"]  # fmt: skip


def test_same_name_branches_in_two_units_stay_two(tmp_path: Path) -> None:
    outcome = run_clean(build_group(tmp_path / "raw"))
    by = kpi.volunteering_by(outcome.tables["volunteering"], Q3, "organizer", per_unit=True)
    pairs = {
        (u, o): a for u, o, a in zip(by["unit"], by["organizer"], by["activities"], strict=True)
    }
    # 二厂 3 + 十厂 2 卷包车间党支部 activities are two branches, never one of 5
    assert pairs[("卷烟二厂", "卷包车间党支部")] == 3
    assert pairs[("卷烟十厂", "卷包车间党支部")] == 2
    offices = kpi.wishes_by(outcome.tables["wishes"], Q3, "department", per_unit=True)
    assert sorted(offices[["unit", "department", "total"]].values.tolist()) == [
        ["卷烟二厂", "综合办公室", 2],
        [HQ, "综合办公室", 2],
    ]
    merged = kpi.volunteering_by(outcome.tables["volunteering"], Q3, "organizer")
    assert (
        merged.set_index("organizer").loc["卷包车间党支部", "activities"] == 5
    )  # one unit: as before
    r = model.build_summary(
        outcome.tables, Q3, name=GROUP, declared=[HQ], manifest=outcome.manifest
    )
    chart = next(c for c in r.charts if c.name == "volunteering_by_organizer")
    labels = dict(zip(chart.series[0].labels, chart.series[0].values, strict=True))
    # the chart is the year to date: 二厂 3+3, 三厂 8 (Q2), 十厂 1+2 - three branches, not 17
    assert labels["卷烟二厂卷包车间党支部"] == 6 and labels["卷烟十厂卷包车间党支部"] == 3
    assert labels["卷烟三厂卷包车间党支部"] == 8
    assert "卷包车间党支部" not in labels
    assert r.completed.headers[:2] == ["序号", "单位"]
    assert [row[1] for row in r.completed.rows] == [HQ, "卷烟二厂"]
    assert "机关本部1项、卷烟二厂1项" in r.completed_lead


def test_a_unit_report_is_that_units_only_against_its_own_target(tmp_path: Path) -> None:
    raw = build_group(tmp_path / "raw", sanchang_q3=True)
    processed = tmp_path / "p"
    run_clean(raw, processed)
    whole = loading.load_summary("2024Q3", GROUP, processed, raw, "2024-10-08")
    assert whole.unit_name == GROUP and whole.title.startswith(GROUP)
    assert [t.target for t in whole.targets] == ["10万元", "30次"]
    er = loading.load_summary("2024Q3", "卷烟二厂", processed, raw, "2024-10-08")
    assert [(t.label, t.target, t.done, t.progress) for t in er.targets] == [
        ("企业消费帮扶采购", "4万元", "2万元", "50.0%")
    ]
    assert er.units is None  # one unit: no table of units
    san = loading.load_summary("2024Q3", "卷烟三厂", processed, raw, "2024-10-08")
    assert san.targets == []  # no target of its own: none, never the group's


# --- the running ledger's period --------------------------------------------------------------


def _wish_copy(path: Path, period: str | None, filled_on: str, status: str) -> None:
    """A wish list the way `shishi template` lays it out: title, 填报 line, header on row 4."""
    from metrics.cleaning.ledger_templates import build_template

    wb = build_template(
        "wishes", office="卷包车间", period=Period.parse(period) if period else None
    )
    ws = wb["台账"]
    if period is None:
        ws["A1"] = "卷包车间 心愿清单台账"
        ws["D2"] = None
    ws["J2"] = filled_on  # 填报日期, one day for every copy
    header = [c.value for c in ws[4]]
    values = {"序号": 1, "项目名称": "职工书屋升级", "提出时间": "2024-01-10", "办理进度": status}
    for col, name in enumerate(header, start=1):
        if name in values:
            ws.cell(5, col).value = values[name]
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def test_the_templates_own_period_cell_orders_a_running_ledger(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    statuses = {"2024Q1": "未启动", "2024Q2": "推进中", "2024Q3": "推进中", "2024Q4": "已办结"}
    for label, status in statuses.items():
        _wish_copy(
            raw / f"心愿{label[-2:]}.xlsx", label, "2024年12月20日", status
        )  # no period in the name
    outcome = run_clean(raw)
    assert outcome.manifest["running_ledgers"]["conflicts"] == []
    [row] = outcome.tables["wishes"].itertuples()
    assert row.status == "resolved" and row.source_file == "心愿Q4.xlsx"


def test_one_filing_date_is_settled_by_the_periods_the_file_names_state(tmp_path: Path) -> None:
    """No 填报期间 cell, one 填报日期 for both copies: the file names' 2024Q1 / 2024Q2 decide."""
    raw = tmp_path / "raw"
    _wish_copy(raw / "心愿清单_卷包车间_2024Q2.xlsx", None, "2024年7月3日", "已办结")
    _wish_copy(raw / "心愿清单_卷包车间_2024Q1.xlsx", None, "2024年7月3日", "推进中")
    outcome = run_clean(raw)
    assert outcome.manifest["running_ledgers"]["conflicts"] == []
    [row] = outcome.tables["wishes"].itertuples()
    assert row.status == "resolved" and row.source_file == "心愿清单_卷包车间_2024Q2.xlsx"


def test_the_tie_message_names_what_each_file_states(tmp_path: Path) -> None:
    """One copy states 2024Q3 (ends 30 September), the other only 填报日期 30 September: the
    sources cannot order them, and the message says what each one states."""
    raw = tmp_path / "raw"
    _wish_copy(raw / "心愿清单_卷包车间_2024Q3.xlsx", "2024Q3", "2024年10月8日", "推进中")
    _wish_copy(raw / "心愿清单甲.xlsx", None, "2024年9月30日", "已办结")
    outcome = run_clean(raw)
    [c] = outcome.manifest["running_ledgers"]["conflicts"]
    assert c["identity"] == "1 职工书屋升级"
    [b] = [
        b
        for b in gate.check(outcome.manifest, outcome.tables, Scope.whole(), Q3)
        if b.kind == "conflict"
    ]
    # what was actually found, file by file - never "no period written anywhere"
    assert (
        "填报期间「2024Q3」" in b.message and "文件名「心愿清单_卷包车间_2024Q3.xlsx」" in b.message
    )
    assert "标题「卷包车间 心愿清单台账(2024年第三季度)」" in b.message
    assert "心愿清单甲.xlsx：填报日期「2024年9月30日」" in b.message
    assert "都没有写明" not in b.message
    # the pin lines carry the period a file states; one that states none is left to fill
    assert 'file = "心愿清单_卷包车间_2024Q3.xlsx"\nperiod = "2024Q3"' in b.toml
    assert 'file = "心愿清单甲.xlsx"\nperiod = ""  # 填写' in b.toml
    assert "2025Q1" not in b.toml


def test_two_copies_of_one_quarter_are_moved_not_pinned(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    _wish_copy(raw / "心愿清单_卷包车间_2024Q3.xlsx", "2024Q3", "2024年10月8日", "推进中")
    _wish_copy(raw / "心愿清单_卷包车间_2024Q3(1).xlsx", "2024Q3", "2024年10月8日", "已办结")
    outcome = run_clean(raw)
    [b] = [
        b
        for b in gate.check(outcome.manifest, outcome.tables, Scope.whole(), Q3)
        if b.kind == "conflict"
    ]
    assert "同一期间（2024年第三季度）" in b.hint and "归档" in b.hint and b.toml == ""


# --- the reports, end to end ------------------------------------------------------------------


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"[ \t]+", " ", out.stdout.decode("utf-8"))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.e2e
def test_the_group_report_is_the_whole_groups_under_its_name(tmp_path: Path) -> None:
    raw = build_group(tmp_path / "raw")
    # 三厂's Q3 volunteering has not arrived: blocked, and both reports say so
    code = run_report(tmp_path, raw, "--unit", GROUP, "--draft", period="2024Q3")
    assert code == ExitCode.INCOMPLETE
    quality = squeeze(pdf_text(tmp_path / "r" / "2024Q3" / "data_quality.pdf"))
    assert "卷烟三厂的志愿服务台账：2024年第三季度没有收到" in quality
    draft = squeeze(pdf_text(tmp_path / "r" / "2024Q3" / "quarterly_summary.pdf"))
    assert "各单位完成情况" in draft and "未收到：志愿服务" in draft
    assert "0次，减少8次" not in draft

    # it arrives: the group's report goes out, titled with the group's name, whole-group figures
    build_group(raw, sanchang_q3=True)
    code = run_report(
        tmp_path, raw, "--unit", "all", "--only", "quarterly_summary", period="2024Q3"
    )
    assert code == ExitCode.OK
    text = pdf_text(tmp_path / "r" / "2024Q3" / "quarterly_summary.pdf")
    flat = squeeze(text)
    assert f"{GROUP}“我为群众办实事”实践活动" in flat
    # by hand: donations 5000+3000+2000+1000 = 1.1万元; enterprise purchases 1000+20000+5000
    # +3000 = 2.9万元 (29.0% of the group's 10万元); volunteering 2+4+5+2 = 13次 in Q3 and
    # 3+8+1 = 12 in Q2: 25次 this year, 83.3% of the group's 30次
    assert "本季度1.1万元" in flat
    assert "2.9万元" in flat and "29.0%" in flat
    assert "本季度13次" in flat and "83.3%" in flat
    # 各单位完成情况: the units in natural order (never 三厂 before 二厂), each with its figures
    # (the PDF's 公文 type wraps a long name in its cell, so the PDF is checked by the names'
    # first characters and the rows whole in the Word copy, which holds the same table)
    table = flat[flat.index("各单位完成情况") :]
    order = [table.index(n) for n in (HQ[:6], "卷烟二厂", "卷烟三厂", "卷烟十厂", "合计")]
    assert order == sorted(order)
    from docx import Document

    word = Document(str(tmp_path / "r" / "2024Q3" / "quarterly_summary.docx"))
    rows = ["".join(c.text for c in row.cells) for t in word.tables for row in t.rows]
    units_at = next(i for i, r in enumerate(rows) if r.startswith("单位心愿清单办结率"))
    assert [r[:4] for r in rows[units_at + 1 : units_at + 5]] + [rows[units_at + 5][:2]] == [
        HQ[:4],
        "卷烟二厂",
        "卷烟三厂",
        "卷烟十厂",
        "合计",
    ]
    assert "卷烟二厂50.0%（1/2项）3000元2万元4次/40人次已收齐" in rows
    assert "卷烟三厂暂无项目2000元5000元5次/50人次已收齐" in rows
    assert "合计50.0%（2/4项）1.1万元2.9万元13次/120人次各单位均已收齐" in rows
    # same-name branches stay apart, and items carry their unit
    assert "卷烟二厂卷包车间党支部" in flat and "卷烟十厂卷包车间党支部" in flat
    assert "序号单位实事项目" in flat  # the finished items carry their unit

    # each unit's own report: its figures only, against its own target or none
    er = squeeze(pdf_text(tmp_path / "r" / "2024Q3" / "卷烟二厂" / "quarterly_summary.pdf"))
    assert "卷烟二厂“我为群众办实事”实践活动" in er and "50.0%" in er and "10万元" not in er
    san = squeeze(pdf_text(tmp_path / "r" / "2024Q3" / "卷烟三厂" / "quarterly_summary.pdf"))
    assert "年度目标完成情况" not in san and "各单位完成情况" not in san
    hq = squeeze(pdf_text(tmp_path / "r" / "2024Q3" / HQ / "quarterly_summary.pdf"))
    assert "本季度5000元" in hq and "1.1万元" not in hq

    # the year (every unit's Q4 in): 全年, and no column that repeats another
    add_q4(raw)
    code = run_report(tmp_path, raw, "--unit", GROUP, "--only", "quarterly_summary", period="2024")
    year = squeeze(pdf_text(tmp_path / "r" / "2024" / "quarterly_summary.pdf"))
    assert code == ExitCode.OK
    assert "全年办结实事" in year and "全年捐款捐物" in year
    # nothing was sent for 2023: no 上年 and 同比 columns, and no table of 全年 alone (the
    # cards say it); said once
    assert "指标全年上年同比" not in year and "主要指标对比指标" not in year
    assert year.count("上年没有台账数据，不列主要指标对比表。") == 1
    assert "上年同期" not in year and "年内累计" not in year and "本期" not in year
    assert "年内完成" not in year and "全年完成" in year


def test_an_annual_report_checks_every_quarter(tmp_path: Path) -> None:
    """A year checks each of its quarters: 三厂's missing Q3 is still 未收到 in the 2024
    report, though it sent Q4; a quarter nobody has sent yet is owed by everyone."""
    raw = add_q4(build_group(tmp_path / "raw"))
    outcome = run_clean(raw)
    year = Period.parse("2024")
    receipts = group.unit_receipts(outcome.tables, outcome.manifest, year, ["卷烟三厂"])
    assert group.missing(receipts)[["table", "period"]].values.tolist() == [
        ["volunteering", "2024Q3"]
    ]
    assert group.status_text(receipts, "卷烟三厂", single=False) == "未收到：志愿服务（第三季度）"
    early = run_clean(build_group(tmp_path / "early"))  # no Q4 ledger from anyone yet
    receipts = group.unit_receipts(early.tables, early.manifest, year, ["卷烟二厂"])
    # 二厂 sent donations and purchases in Q3 and volunteering since Q2: each is owed for Q4
    assert group.missing(receipts)[["table", "period"]].values.tolist() == [
        ["donations", "2024Q4"],
        ["purchases", "2024Q4"],
        ["volunteering", "2024Q4"],
    ]
