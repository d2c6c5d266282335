"""The report model (and the analyst's text file) on small tables worked out by hand."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from metrics.errors import ConfigError
from metrics.paths import PROJECT_ROOT, data_dirs
from metrics.periods import Period
from metrics.reporting import loading, model
from metrics.reporting.analyst import load_analyst_text, parse_analyst_text
from test_kpi import table

Q4 = Period.parse("2024Q4")
MADE_ON = dt.date(2026, 11, 28)


def sample_tables() -> dict[str, pd.DataFrame]:
    wishes = table(
        "wishes",
        [
            {
                "item_id": 1,
                "title": "修缮篮球场",
                "category": "文体活动",
                "department": "工会",
                "raised_on": "2024-01-05",
                "status": "resolved",
                "resolved_on": "2024-10-20",
                "cost_yuan": 35000,
            },
            {
                "item_id": 2,
                "title": "改造门禁系统",
                "category": "安全健康",
                "department": "保卫科",
                "raised_on": "2024-01-05",
                "status": "resolved",
                "resolved_on": "2024-11-03",
            },
            {
                "item_id": 3,
                "title": "升级用餐系统",
                "category": "生活保障",
                "department": "后勤",
                "raised_on": "2024-01-05",
                "status": "resolved",
                "resolved_on": "2024-05-03",
            },
            {
                "item_id": 4,
                "title": "职工书屋升级",
                "category": "文体活动",
                "department": "工会",
                "raised_on": "2024-02-01",
                "due_on": "2024-11-01",
                "status": "in_progress",
            },
        ],
    )
    donations = table(
        "donations",
        [
            {"date": "2024-08-01", "campaign": "防汛", "amount_yuan": 16600},
            {
                "date": "2024-10-09",
                "campaign": "大病救助",
                "amount_yuan": 60000,
                "amount_qualifier": "at_least",
            },
            {
                "date": "2024-12-01",
                "campaign": "温暖包",
                "amount_yuan": 42000,
                "amount_qualifier": "about",
            },
        ],
    )
    purchases = table(
        "purchases",
        [
            {
                "date": "2024-08-02",
                "buyer_type": "enterprise",
                "product": "蜂蜜",
                "supplier_region": "中益乡",
                "amount_yuan": 45000,
            },
            {
                "date": "2024-08-05",
                "buyer_type": "individual",
                "product": "腊肉",
                "supplier_region": "中益乡",
                "amount_yuan": 2750,
            },
            {
                "date": "2024-10-02",
                "buyer_type": "enterprise",
                "product": "大米",
                "supplier_region": "中益乡",
                "amount_yuan": 80000,
            },
            {
                "date": "2024-11-02",
                "buyer_type": "individual",
                "product": "蜂蜜",
                "supplier_region": "中益乡",
                "amount_yuan": 3100,
                "amount_qualifier": "at_least",
            },
        ],
    )
    vol = table(
        "volunteering",
        [
            {
                "date": "2024-10-05",
                "organizer": "后勤五党支部",
                "title": "送温暖",
                "participants": 12,
                "outcome": "送达温暖包120个",
            },
            {
                "date": "2024-11-05",
                "organizer": "制丝车间党支部",
                "title": "搭帐篷",
                "participants": 20,
                "participants_qualifier": "at_least",
            },
        ],
    )
    return {"wishes": wishes, "donations": donations, "purchases": purchases, "volunteering": vol}


def build(**kw: object) -> model.SummaryReport:
    return model.build_summary(sample_tables(), Q4, made_on=MADE_ON, **kw)  # type: ignore[arg-type]


def test_purchase_sentence_keeps_the_part_inside_the_whole() -> None:
    """Not 干部职工自费采购9100余元（其中本期8万余元）: the bracket held the quarter's total."""
    r = build()
    sentence = next(s for s in r.sentences if "消费帮扶" in s)
    # year: enterprise 45000 + 80000 = 12.5万元; individual 2750 + 3100余 = 5850余 -> 5800余元;
    # together 130850 at_least -> 13万余元; the quarter: 80000 + 3100余 = 83100余 -> 8.3万余元 (issue 20)
    assert sentence == (
        "年内消费帮扶采购共13万余元，其中以企业名义采购帮扶地区农副产品12.5万元，"
        "干部职工自费采购5800余元；本季度采购8.3万余元。"
    )


FIGURE = re.compile(r"[约近]?不?足?\d[\d.]*[万亿]?余?(?:元|项|次|人次|%)")


def test_each_figure_appears_once_in_the_summary_sentences() -> None:
    figures = [f for s in build().sentences for f in FIGURE.findall(s)]
    assert len(figures) == len(set(figures)), figures
    assert 4 <= len(build().sentences) <= 6


def test_comparison_computes_bounded_changes_and_explains_the_rest() -> None:
    rows = {row[0]: row for row in build().comparison.rows}
    # donations Q4: 60000余 + 约42000 = 约10.2万元, Q3 1.66万元 -> 增加约8.5万元
    assert rows["捐款捐物金额"][1:4] == ["约10.2万元", "1.66万元", "增加约8.5万元"]
    assert rows["干部职工自费采购"][3] == "增加350余元"
    # volunteering has no row in Q3: 未报送, and no change computed against it
    assert rows["志愿服务活动"][2:4] == [model.UNREPORTED, "—"]
    assert [r[0] for r in rows.values() if "—" in r] == ["志愿服务活动", "志愿服务参与人次"]


def test_columns_no_ledger_was_sent_for_are_left_out_with_one_sentence() -> None:
    """12 cells of 未登记 / 上年同期未登记 filled the 同比 columns (issue 20, no filler)."""
    r = build()  # the ledgers start in 2024: nothing for 2023Q4
    assert r.comparison.headers == ["指标", "本季度", "上季度", "环比", "年内累计"]
    assert not any("未登记" in c for row in r.comparison.rows for c in row)
    assert "上年同期没有台账数据，主要指标对比不列上年同期和同比。" in r.precision_note


def test_a_year_with_nothing_to_compare_has_no_table_of_its_own_figures() -> None:
    """2024 against an unreported 2023: a 指标 | 全年 table repeated the cards."""
    r = model.build_summary(sample_tables(), Period.parse("2024"), made_on=MADE_ON)
    assert (
        r.comparison.rows == [] and r.comparison.empty == "上年没有台账数据，不列主要指标对比表。"
    )
    # the Excel sheet keeps the year's figures, as numbers with their precision
    assert r.comparison.data is not None
    assert list(r.comparison.data.columns) == ["指标", "计量单位", "全年", "全年精度"]
    assert "对比" not in r.precision_note  # said once, where the table would be


def test_an_unreported_quarter_is_not_a_zero_nor_a_decrease() -> None:
    """2025Q1 against 2024Q4: 减少15次 against a quarter no ledger was sent for (issue 20)."""
    q1 = Period.parse("2025Q1")
    r = model.build_summary(sample_tables(), q1, made_on=MADE_ON)
    rows = {row[0]: row for row in r.comparison.rows}
    head = r.comparison.headers
    volunteering = dict(zip(head, rows["志愿服务活动"], strict=True))
    assert volunteering["本季度"] == model.UNREPORTED and volunteering["环比"] == "—"
    assert not any("减少" in c for c in rows["志愿服务活动"] + rows["捐款捐物金额"])
    card = next(c for c in r.cards if "志愿服务" in c.label)
    assert card.value == model.UNREPORTED
    q1_targets = model.build_summary(
        sample_tables(), q1, targets={"volunteer_activities": 4}, made_on=MADE_ON
    )
    assert q1_targets.targets == []  # not a row of 未报送 and a 0.0% bar
    assert q1_targets.sentences[-1] == "年度目标涉及的志愿服务活动台账年内均未报送，完成情况暂缺。"
    assert r.trend is not None
    for series in r.trend.series[1:]:  # the dated ledgers: nothing in 2025Q1
        assert series.value_labels[-1] == model.UNREPORTED and series.values[-1] == 0.0
    volunteering_section = next(s for s in r.sections if s.key == "volunteering")
    assert volunteering_section.blocks == []
    assert volunteering_section.lead == ["2025年第一季度未报送志愿服务台账。"]


def test_completed_items_by_name_and_overdue() -> None:
    r = build()
    assert [row[1] for row in r.completed.rows] == ["修缮篮球场", "改造门禁系统"]
    assert r.completed.rows[0][4:] == ["2024年10月20日", "3.5万元"]
    # named once, in the table (issue 20: five items named in prose, then tabled again)
    assert r.completed_lead == "本季度办结职工心愿清单实事项目2项，明细见下表。"
    overdue = r.sections[0].blocks[1]
    assert isinstance(overdue, model.Table) and overdue.rows[0][0] == "职工书屋升级"


def test_sections_without_text_are_omitted_and_numbering_follows() -> None:
    r = build()
    assert (r.highlights_title, r.problems_title) == ("", "")
    assert [s.title for s in r.sections][-1] == "六、志愿服务"
    text = load_analyst_text(Path("/nonexistent"), Q4)
    assert text.highlights == [] and text.cases == []


def test_analyst_text_fills_highlights_problems_and_signature(tmp_path: Path) -> None:
    path = tmp_path / "2024Q4.md"
    text = parse_analyst_text(
        "---\n编号: 青江办〔2025〕1号\n报送：厂党委\n---\n## 亮点\n- 甲\n- 乙\n## 存在问题\n无\n"
        "## 下一步工作\n1. 丙\n",
        path,
    )
    r = build(text=text)
    assert r.highlights == ["甲", "乙"] and r.problems == [] and r.next_steps == ["丙"]
    assert (r.highlights_title, r.problems_title) == (
        "七、亮点与典型案例",
        "八、存在问题与下一步工作",
    )
    assert r.signature == model.Signature(
        "青江卷烟厂", "2026年11月28日", "青江办〔2025〕1号", "厂党委"
    )
    assert r.cover_meta["编号"] == "青江办〔2025〕1号"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("## 亮 点\n- 甲\n", "不认识的标题“亮 点”"),
        ("甲\n", "文字要写在某个标题之下"),
        ("---\n签发: 某人\n---\n", "不认识的项目“签发”"),
        ("## 典型案例\n### 案例\n![说明](照片/没有.jpg)\n", "找不到照片"),
        ("## 亮点\n![说明](a.jpg)\n", "照片只能放在"),
        ("---\n编号: 1\n", "没有对应的结束"),
    ],
)
def test_analyst_text_mistakes_say_line_and_what_is_allowed(
    tmp_path: Path, content: str, message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        parse_analyst_text(content, tmp_path / "2024Q4.md")
    assert message in str(err.value) and "第" in str(err.value) and "2024Q4.md" in str(err.value)


def test_case_photo_is_found_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "照片").mkdir()
    Image.new("RGB", (4, 3)).save(tmp_path / "照片" / "a.png")  # photos are opened (issue 21)
    text = parse_analyst_text(
        "## 典型案例\n### 标题\n第一行\n第二行\n\n![说明](照片/a.png)\n", tmp_path / "x.md"
    )
    assert text.cases[0].paragraphs == ["第一行第二行"]
    assert text.cases[0].photos[0].path == (tmp_path / "照片" / "a.png").resolve()


def test_blockers_make_a_draft_and_unreadable_sections_say_so() -> None:
    r = build(blockers=[{"table": "donations", "message": "捐款登记.xlsx 无法读取"}, "另一条"])
    assert r.draft and r.blockers == ["捐款登记.xlsx 无法读取", "另一条"]
    donations = next(s for s in r.sections if s.key == "donations")
    assert donations.unreadable.startswith("数据未能读取") and donations.blocks == []
    assert "未登记" not in " ".join(r.sentences[1:2])
    assert next(c for c in r.cards if "捐款" in c.label).value == "数据未能读取"
    row = next(row for row in r.comparison.rows if row[0] == "捐款捐物金额")
    assert set(row[1:]) == {"数据未能读取"}  # no figure and no 未登记 from an unread ledger
    assert r.trend is not None and "捐款捐物" not in [s.title for s in r.trend.series]


def test_targets_show_progress(tmp_path: Path) -> None:
    r = build(targets={"purchases_enterprise_yuan": 200000, "volunteer_activities": 4})
    assert [(t.label, t.target, t.done, t.progress) for t in r.targets] == [
        ("企业消费帮扶采购", "20万元", "12.5万元", "62.5%"),
        ("志愿服务活动", "4次", "2次", "50.0%"),
    ]
    assert "对照年度目标" in r.sentences[-1]
    (tmp_path / "shishi.toml").write_text("[targets]\npurchase_yuan = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="purchase_yuan"):
        loading.load_targets(tmp_path)


def test_metadata_dates_and_provenance() -> None:
    r = build(manifest={"generated_at": "2026-11-28T02:00:00+00:00", "files": []})
    assert r.metadata["author"] == "青江卷烟厂" and r.metadata["subject"] == "2024年第四季度"
    assert r.metadata["title"].endswith("2024年第四季度工作简报")
    assert r.cover_meta["成稿日期"] == "2026年11月28日"
    # the leader copy only points to the data-quality report, which gets the facts
    assert r.provenance == model.DATA_QUALITY_REFERENCE == "数据核对情况见同期数据质量报告。"


def test_trend_needs_four_quarters() -> None:
    r = build()  # data from 2024-01-05: Q1..Q4
    assert r.trend is not None
    assert r.trend.series[1].labels == ["2024年一季度", "二季度", "三季度", "四季度"]
    short = model.build_summary(
        {k: v[v.index < 0] for k, v in sample_tables().items()}, Q4, made_on=MADE_ON
    )
    assert short.trend is None


def test_default_folders_do_not_depend_on_the_cwd() -> None:
    processed, raw = data_dirs()
    assert processed == PROJECT_ROOT / "data" / "processed"
    assert raw == PROJECT_ROOT / "data" / "raw"
    assert data_dirs(processed_dir="x", raw_dir="y") == (Path("x"), Path("y"))


def test_no_chart_repeats_a_table_of_its_section() -> None:
    """The volunteering chart sat above a table of the same figures (issue 14)."""
    for section in build().sections:
        charts = [b for b in section.blocks if isinstance(b, model.Chart)]
        tables = [b for b in section.blocks if isinstance(b, model.Table)]
        for c in charts:
            for t in tables:
                assert c.series[0].labels != [row[0] for row in t.rows], (section.title, t.caption)


def test_text_fingerprint_follows_the_words_and_the_photos(tmp_path: Path) -> None:
    from metrics.reporting.analyst import text_fingerprint

    assert text_fingerprint(tmp_path, Q4) == ""
    folder = tmp_path / "报告文字"
    (folder / "照片").mkdir(parents=True)
    Image.new("RGB", (4, 3), "red").save(folder / "照片" / "a.png")
    (folder / "2024Q4.md").write_text(
        "## 典型案例\n### 甲\n![说明](照片/a.png)\n", encoding="utf-8"
    )
    first = text_fingerprint(tmp_path, Q4)
    Image.new("RGB", (4, 3), "blue").save(folder / "照片" / "a.png")
    assert first and text_fingerprint(tmp_path, Q4) != first


# --- near repeats, foreign currency and goods ---------------------------------------------------


def review_report() -> model.SummaryReport:
    from test_kpi import review_donations

    tables = sample_tables() | {"donations": review_donations()}
    return model.build_summary(tables, Q4, made_on=MADE_ON)


def test_near_repeats_foreign_currency_and_goods_are_said_in_the_summary() -> None:
    r = review_report()
    # Q4: 5000 + 1200 (the repeat of 5000 counted once) = 6200, with the dollars and the masks
    # left out: 6200余元; the year adds Q3's 800: 7000余元
    sentence = next(s for s in r.sentences if "捐款捐物" in s)
    assert sentence == (
        "本季度登记捐款捐物6200余元，其中2笔疑似重复，待核实（已按一笔计入）；"
        "按项目以“救助”最多，为5000元；另有美元捐款3.31万美元（1笔，未折算人民币）、"
        "物资捐赠1笔（只有数量：防护口罩1.25万包），均未计入人民币金额；年内累计7000余元。"
    )
    assert r.cards[1] == model.Card(
        "年内捐款捐物", "7000余元", "本季度 6200余元；另有2笔外币或物资未计入"
    )
    row = next(row for row in r.comparison.rows if row[0] == "捐款捐物金额")
    # 6200余 against Q3's exact 800: the change is at least 5400
    assert row[1:4] == ["6200余元", "800元", "增加5400余元"]
    assert model.LEFT_OUT_NOTE in r.precision_note


def test_donation_section_lists_foreign_currency_and_goods_apart() -> None:
    section = next(s for s in review_report().sections if s.key == "donations")
    # the dollars and the masks are the two tables below, not a line repeating them
    assert section.lead == ["2024年1—12月捐款捐物中有2笔疑似重复，待核实（已按一笔计入）。"]
    by, foreign, goods = section.blocks
    assert isinstance(by, model.Table) and isinstance(foreign, model.Table)
    assert isinstance(goods, model.Table)
    # the repeat is not a row of its own: 救助 1 笔 5000元; 抗疫's two gifts have no yuan
    assert by.rows == [
        ["救助", "5000元", "1"],
        ["慰问", "1200元", "1"],
        ["防汛", "800元", "1"],
        ["抗疫", model.NO_YUAN, "2"],
    ]
    assert foreign.rows == [["美元", "3.31万美元", "1"]]
    assert goods.rows == [["防护口罩", "1.25万包", "1"]]


def test_a_quarter_with_only_goods_has_no_yuan_figure_not_zero() -> None:
    from test_kpi import review_donations

    don = review_donations()
    goods_only = don[don["kind"] == "in_kind"].reset_index(drop=True)
    r = model.build_summary(sample_tables() | {"donations": goods_only}, Q4, made_on=MADE_ON)
    row = next(row for row in r.comparison.rows if row[0] == "捐款捐物金额")
    assert row[1] == model.NO_YUAN and row[-1] == model.NO_YUAN  # 本季度 and 年内累计
    assert r.cards[1].value == model.NO_YUAN
    sentence = next(s for s in r.sentences if "捐款捐物" in s)
    assert sentence.startswith("本季度登记捐款捐物1笔，均无人民币金额；另有物资捐赠1笔")
    assert "0元" not in sentence and "未登记" not in sentence


def test_the_sample_like_tables_say_nothing_about_repeats_or_currencies() -> None:
    r = build()
    assert all(s.lead == [] for s in r.sections)
    assert r.precision_note.startswith(model.PRECISION_NOTE)
    assert model.LEFT_OUT_NOTE not in r.precision_note
    assert not any("疑似重复" in s or "未计入" in s for s in r.sentences)


def test_a_long_list_of_goods_is_cut_in_the_report_and_whole_in_the_excel() -> None:
    don = table(
        "donations",
        [
            {
                "date": "2024-10-01",
                "kind": "in_kind",
                "item": f"物资{i:02d}",
                "item_unit": "箱",
                "quantity": i + 1,
            }
            for i in range(18)
        ],
    )
    don["quantity"] = don["quantity"].astype("float64")
    section = next(
        s
        for s in model.build_summary(sample_tables() | {"donations": don}, Q4).sections
        if s.key == "donations"
    )
    goods = section.blocks[-1]
    assert isinstance(goods, model.Table) and goods.data is not None
    assert len(goods.rows) == model.GOODS_SHOWN + 1 and len(goods.data) == 18
    assert goods.rows[0] == ["物资00", "1箱", "1"]
    assert goods.rows[-1] == ["其余3种物资", "见Excel底表“捐款捐物_物资”", "3"]


def test_the_largest_campaign_is_not_named_when_its_name_is_unfilled() -> None:
    from test_kpi import review_donations

    don = review_donations()
    don.loc[don["campaign"] == "救助", "campaign"] = None  # 5000 unnamed beats 慰问's 1200
    r = model.build_summary(sample_tables() | {"donations": don}, Q4, made_on=MADE_ON)
    sentence = next(s for s in r.sentences if "捐款捐物" in s)
    assert "未填写" not in sentence
    assert sentence.startswith(
        "本季度登记捐款捐物6200余元，其中2笔疑似重复，待核实（已按一笔计入）；另有"
    )


def test_a_near_repeat_of_a_purchase_counts_once_and_the_section_says_so() -> None:
    tables = sample_tables()
    pur = tables["purchases"]
    repeat = pur.iloc[[2]].assign(date=pd.Timestamp("2024-10-04"), source_row=99)
    pur = pd.concat([pur, repeat], ignore_index=True)
    pur["review_group"] = pd.array([None, None, "采购-1", None, "采购-1"], "string")
    pur["review_repeat"] = [False, False, False, False, True]
    r = model.build_summary(tables | {"purchases": pur}, Q4, made_on=MADE_ON)
    row = next(row for row in r.comparison.rows if row[0] == "企业消费帮扶采购")
    assert row[1] == "8万元"  # 80000 once, not 16万元
    assert row[-1] == "12.5万元"  # 年内累计: 45000 + 80000
    section = next(s for s in r.sections if s.key == "purchases")
    assert section.lead == ["2024年1—12月消费帮扶采购中有2笔疑似重复，待核实（已按一笔计入）。"]


def test_a_ledger_never_sent_reads_not_registered_on_its_card_not_zero() -> None:
    """Real donation lists alone: the purchases card said 0元, as if nothing had been bought."""
    tables = sample_tables()
    tables["purchases"] = tables["purchases"].iloc[0:0]
    cards = {c.label: c for c in model.build_summary(tables, Q4, made_on=MADE_ON).cards}
    assert cards["年内消费帮扶采购"].value == "未登记"
    assert "0元" not in cards["年内消费帮扶采购"].value
    assert cards["年内捐款捐物"].value != "未登记"  # a ledger that was sent keeps its figure
