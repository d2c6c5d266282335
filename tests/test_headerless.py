"""Tables with no header row (issue 18, item 5): found by content, read when their names say
which ledger they are, otherwise a to-do item with the guess and a [[pin]] that reads them.

Look-alikes of two real cases, built here with invented names: a reader-donation ledger kept
as bare rows (date | masked donor | channel | amount) with a 总计 =SUM cell beside it, and a
charity federation's list of twelve donors and "N 元" amounts under a title sentence. Every
expected figure was added up by hand from the rows written below.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import assert_reconciled
from metrics.cleaning import headerless
from metrics.cleaning.headers import load_table_specs
from metrics.cleaning.store import run_clean
from metrics.periods import Period
from metrics.running import gate
from metrics.scope import Scope

#: date | masked donor | channel | amount: twelve gifts in 2024Q4.
READER_ROWS = [
    (dt.date(2024, 10, 5), "张**", "微信", 200),
    (dt.date(2024, 10, 5), "李**", "银行", 1000),
    (dt.date(2024, 10, 8), "王**", "微信", 50),
    (dt.date(2024, 10, 12), "张**", "微信", 100),
    (dt.date(2024, 10, 20), "刘**", "银行", 500),
    (dt.date(2024, 11, 2), "陈**", "微信", 88.8),
    (dt.date(2024, 11, 9), "杨**", "微信", 66),
    (dt.date(2024, 11, 15), "赵**", "银行", 2000),
    (dt.date(2024, 11, 30), "黄**", "微信", 30),
    (dt.date(2024, 12, 6), "周**", "微信", 120),
    (dt.date(2024, 12, 18), "吴**", "银行", 300),
    (dt.date(2024, 12, 25), "徐**", "微信", 45.5),
]
#: 200 + 1000 + 50 + 100 + 500 + 88.8 + 66 + 2000 + 30 + 120 + 300 + 45.5, added by hand
READER_TOTAL = 4500.3

#: A federation's published list: twelve donors, amounts written "N 元", under a title sentence.
FEDERATION_TITLE = "截至2024年5月28日，全市“慈心一日捐”活动各慈善会接受捐款数额如下："
FEDERATION_ROWS = [
    ("市慈善总会", "12030000 元"),
    ("东城区", "1746070 元"),
    ("西城区", "2930000 元"),
    ("南湖区", "500000 元"),
    ("北塘区", "3600000 元"),
    ("江口区", "8477210 元"),
    ("青山市", "10105260 元"),
    ("长林区", "600000 元"),
    ("平川县", "2140154 元"),
    ("河阳县", "9050760.99 元"),
    ("商丘县", "719270 元"),
    ("高新区", "206090 元"),
]
#: the twelve amounts above, added by hand
FEDERATION_TOTAL = 52104814.99


def cache_formula(path: Path, formula: str, value: float) -> None:
    """Give a formula cell the value Excel would have saved with it (openpyxl saves none)."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    text = parts[sheet].decode("utf-8")
    cell = f"<f>{formula}</f><v></v>"
    assert cell in text
    parts[sheet] = text.replace(cell, f"<f>{formula}</f><v>{value}</v>").encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def reader_ledger(path: Path, title: str | None = None, stated_total: float = READER_TOTAL) -> None:
    """The bare rows, a 总计 cell and its =SUM beside them (F/G of the first data row)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    if title:
        ws.append([title])
    first = ws.max_row + 1 if title else 1
    for row in READER_ROWS:
        ws.append(list(row))
    last = first + len(READER_ROWS) - 1
    ws[f"F{first}"] = "总计"
    ws[f"G{first}"] = f"=SUM(D{first}:D{last})"
    wb.save(path)
    cache_formula(path, f"SUM(D{first}:D{last})", stated_total)


def federation_list(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = FEDERATION_TITLE
    ws.merge_cells("A1:B1")
    for row in FEDERATION_ROWS:
        ws.append(list(row))
    wb.save(path)


def blockers(outcome, period: str = "2024Q4") -> list[gate.Blocker]:
    return gate.check(outcome.manifest, outcome.tables, Scope.whole(), Period.parse(period))


def only_sheet(outcome) -> dict:
    [f] = outcome.manifest["files"]
    [s] = f["sheets"]
    return s


# --- the reader-donation ledger ------------------------------------------------------------


def test_reader_ledger_named_for_donations_is_read_exactly(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    reader_ledger(raw / "读者捐款.xlsx")
    outcome = run_clean(raw)
    donations = outcome.tables["donations"]
    assert len(donations) == 12
    assert donations["amount_yuan"].sum() == pytest.approx(READER_TOTAL)
    assert donations["donor"].tolist() == [r[1] for r in READER_ROWS]
    assert donations["date"].dt.date.tolist() == [r[0] for r in READER_ROWS]
    assert set(donations["date_source"]) == {"column"}
    assert donations["source_row"].tolist() == list(range(1, 13))
    sheet = only_sheet(outcome)
    assert sheet["table"] == "donations" and sheet["header_row"] is None
    assert_reconciled(sheet, "读者捐款.xlsx")
    # the 总计 beside the table is checked, not counted
    [total] = sheet["total_rows"]
    assert (total["excel_row"], total["stated"], total["computed"], total["status"]) == (
        1,
        READER_TOTAL,
        READER_TOTAL,
        "agree",
    )
    [note] = [n for n in outcome.notices if n.level == "check"]
    assert "第1行起按内容读作捐款捐物——日期 A 列、捐赠方 B 列、金额 D 列" in note.message
    assert "C 列“微信、银行”未读取" in note.message
    assert "文件名「读者捐款.xlsx」中的“捐款”" in note.message
    assert blockers(outcome) == []


def test_a_side_total_that_disagrees_is_reported_and_never_counted(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    reader_ledger(raw / "读者捐款.xlsx", stated_total=5000)
    outcome = run_clean(raw)
    assert outcome.tables["donations"]["amount_yuan"].sum() == pytest.approx(READER_TOTAL)
    [total] = only_sheet(outcome)["total_rows"]
    assert (total["stated"], total["difference"], total["status"]) == (5000, 499.7, "differ")


PIN = """\
[[pin]]
file = "名单.xlsx"
sheet = "Sheet1"
table = "donations"
first_row = 2
columns = { A = "日期", B = "捐赠方", D = "金额" }"""


def test_the_same_rows_under_a_neutral_name_are_a_todo_with_the_guess(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    reader_ledger(raw / "名单.xlsx", title="2024年第四季度名单")
    outcome = run_clean(raw)
    assert outcome.tables["donations"].empty  # never counted silently
    [notice] = [n for n in outcome.notices if n.level == "error"]
    assert (notice.file, notice.sheet) == ("名单.xlsx", "Sheet1")
    assert notice.message.startswith(
        "没有表头，看起来是捐款捐物名单：日期 A 列、捐赠方 B 列、金额 D 列（C 列“微信、银行”未读取），"
        "共 12 行（第2–13行）；但文件名、工作表名和标题都没有说明是哪类台账，没有读入"
    )
    assert notice.toml == PIN
    assert '把 table 改为 "purchases"、「捐赠方」改为「采购主体」' in notice.hint
    found = blockers(outcome)
    assert [(b.kind, b.file, b.sheet, b.table, b.toml) for b in found[:1]] == [
        ("unreadable", "名单.xlsx", "Sheet1", "donations", PIN)
    ]
    # the period is not blamed while a sheet is left out: the sheet is named
    [period] = [b for b in found if b.kind == "no_period_data"]
    assert (
        "名单.xlsx［Sheet1］" in period.message and "没有任何一张台账有数据" not in period.message
    )
    assert gate.unreadable_tables(found) == ["donations"]


def test_pasting_the_pin_reads_the_sheet_exactly(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    reader_ledger(raw / "名单.xlsx", title="2024年第四季度名单")
    (raw / "shishi.toml").write_text(PIN + "\n", encoding="utf-8")
    outcome = run_clean(raw)
    donations = outcome.tables["donations"]
    assert donations["amount_yuan"].sum() == pytest.approx(READER_TOTAL)
    assert donations["donor"].tolist() == [r[1] for r in READER_ROWS]
    assert donations["date"].dt.date.tolist() == [r[0] for r in READER_ROWS]
    assert donations["source_row"].tolist() == list(range(2, 14))  # the title row is not data
    sheet = only_sheet(outcome)
    assert_reconciled(sheet, "名单.xlsx")
    assert sheet["rows_read"] == 12 and sheet["header_row"] is None
    [total] = sheet["total_rows"]
    assert (total["excel_row"], total["status"]) == (2, "agree")
    assert [n for n in outcome.notices if n.level == "error"] == []
    assert blockers(outcome) == []


# --- the federation's list -----------------------------------------------------------------


def test_a_federation_list_under_a_title_sentence(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    federation_list(raw / "一日捐.xlsx")
    outcome = run_clean(raw)
    donations = outcome.tables["donations"]
    assert donations["donor"].tolist() == [d for d, _ in FEDERATION_ROWS]
    assert donations["amount_yuan"].sum() == pytest.approx(FEDERATION_TOTAL)
    assert donations.loc[donations["donor"] == "高新区", "amount_yuan"].item() == 206090
    # no date column: the date the title states (截至2024年5月28日)
    assert set(donations["date"].dt.date) == {dt.date(2024, 5, 28)}
    assert donations["source_row"].tolist() == list(range(2, 14))
    assert_reconciled(only_sheet(outcome), "一日捐.xlsx")
    [note] = [n for n in outcome.notices if n.level == "check" and "按内容" in n.message]
    assert "第2行起按内容读作捐款捐物——捐赠方 A 列、金额 B 列" in note.message
    assert "标题「" in note.message and "中的“捐款”" in note.message
    assert blockers(outcome, "2024Q2") == []


# --- what is, and is not, a headerless block -----------------------------------------------


def test_a_row_of_labels_above_means_a_header_not_a_headerless_block() -> None:
    head = [["时间", "姓名", "途径", "数额"], *[list(r) for r in READER_ROWS]]
    assert headerless.find_block(head) is None
    # a unit line or a blank row between the header and the rows changes nothing
    assert headerless.find_block([head[0], ["（单位：元）"], [], *head[1:]]) is None
    block = headerless.find_block([list(r) for r in READER_ROWS])
    assert block is not None
    assert (block.first, block.date, block.text, block.channel, block.amount) == (0, 0, 1, 2, 3)
    assert block.doubts == ()


def test_a_serial_number_column_is_not_money() -> None:
    rows = [[i + 1, name, amount] for i, (_, name, _, amount) in enumerate(READER_ROWS)]
    block = headerless.find_block(rows)
    assert block is not None and (block.text, block.amount, block.doubts) == (1, 2, ())


def test_two_money_columns_are_never_read_without_a_pin(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    for day, name, _, amount in READER_ROWS:
        ws.append([day, name, amount, amount * 2])
    wb.save(raw / "捐款.xlsx")
    outcome = run_clean(raw)
    assert outcome.tables["donations"].empty
    [notice] = [n for n in outcome.notices if n.level == "error"]
    assert "C、D 列都是数字，不能确定哪一列是金额" in notice.message
    assert 'D = "金额"' in notice.toml  # the guess: the rightmost


def test_words_name_the_ledger_only_when_they_name_one_kind() -> None:
    assert headerless.tables_named("读者捐款.xlsx", "Sheet1") == ["donations"]
    assert headerless.tables_named("名单.xlsx", "Sheet1", "2024年第四季度名单") == []
    assert headerless.tables_named("捐款采购.xlsx") == ["donations", "purchases"]
    assert headerless.tables_named("捐贈名單.xlsx") == ["donations"]  # traditional characters
    specs = load_table_specs()
    assert headerless.payment_fields(specs["donations"]) == ("donor", "amount_yuan")
    assert headerless.payment_fields(specs["purchases"]) == ("buyer", "amount_yuan")
    assert headerless.payment_fields(specs["wishes"]) is None
    assert headerless.payment_fields(specs["volunteering"]) is None


def test_a_list_whose_names_say_two_ledgers_is_a_todo(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    reader_ledger(raw / "捐款及采购.xlsx")
    outcome = run_clean(raw)
    assert all(frame.empty for frame in outcome.tables.values())
    [notice] = [n for n in outcome.notices if n.level == "error"]
    assert "同时提到捐款捐物和消费帮扶采购，不能确定是哪一类" in notice.message
    assert notice.toml.splitlines()[1:3] == ['file = "捐款及采购.xlsx"', 'sheet = "Sheet1"']


def test_a_pin_table_names_the_ledger_of_a_headerless_block(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    reader_ledger(raw / "名单.xlsx")
    (raw / "shishi.toml").write_text(
        '[[pin]]\nfile = "名单.xlsx"\ntable = "purchases"\n', encoding="utf-8"
    )
    outcome = run_clean(raw)
    purchases = outcome.tables["purchases"]
    # read as purchases: the names are buyers (whose type the masked names do not give)
    assert outcome.tables["donations"].empty
    sheet = only_sheet(outcome)
    assert sheet["table"] == "purchases" and sheet["rows_read"] == 12
    assert_reconciled(sheet, "名单.xlsx")
    assert len(purchases) + sheet["rejected"] == 12


def test_a_file_name_with_glob_characters_is_pinned_exactly(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    reader_ledger(raw / "名单[1].xlsx")
    outcome = run_clean(raw)
    [notice] = [n for n in outcome.notices if n.level == "error"]
    assert 'file = "名单[[]1].xlsx"' in notice.toml
    (raw / "shishi.toml").write_text(notice.toml + "\n", encoding="utf-8")
    (raw / "名单1.xlsx").write_bytes((raw / "名单[1].xlsx").read_bytes())
    again = run_clean(raw)
    read = {f["file"]: f["sheets"][0].get("table") for f in again.manifest["files"]}
    assert read == {"名单[1].xlsx": "donations", "名单1.xlsx": None}


def test_the_period_message_is_unchanged_when_every_sheet_was_read() -> None:
    manifest = {"files": [{"file": "a.csv", "sheets": []}], "notices": []}
    from metrics import contract

    empty = {t: pd.DataFrame(columns=[c.name for c in contract.columns(t)]) for t in gate.TABLES}
    [b] = [
        b
        for b in gate.check(manifest, empty, Scope.whole(), Period.parse("2024Q4"))
        if b.kind == "no_period_data"
    ]
    assert b.message == "2024年第四季度没有任何一张台账有数据"


def test_a_summary_without_a_header_row_is_never_read_on_its_own(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.append(["各部门捐款汇总"])
    for office, amount in [("卷包车间", 5000), ("制丝车间", 3000), ("机关", 1200)]:
        ws.append([office, amount])
    wb.save(raw / "捐款2024.xlsx")
    outcome = run_clean(raw)
    assert outcome.tables["donations"].empty  # its figures would be counted twice
    [notice] = [n for n in outcome.notices if n.level == "error"]
    assert "名称中有“汇总”，可能是其他表的汇总，读入会重复计数" in notice.message


def test_a_pin_names_the_columns_under_a_header_nobody_knows(tmp_path: Path) -> None:
    """[[pin]] columns with header_row: the header's own units still apply (数额（万元））."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "登记.csv").write_text(
        "时间,姓名,途径,数额（万元）\n2024-10-05,张三,微信,0.5\n2024-11-02,李四,银行,1.2\n",
        encoding="utf-8",
    )
    (raw / "shishi.toml").write_text(
        '[[pin]]\nfile = "登记.csv"\ntable = "donations"\nheader_row = 1\n'
        'columns = { A = "日期", B = "捐赠方", D = "金额" }\n',
        encoding="utf-8",
    )
    outcome = run_clean(raw)
    donations = outcome.tables["donations"]
    assert donations["amount_yuan"].tolist() == [5000, 12000]
    assert donations["donor"].tolist() == ["张三", "李四"]
    sheet = only_sheet(outcome)
    assert (sheet["header_row"], sheet["rows_read"]) == (1, 2)


def test_clean_prints_the_pin_beside_the_sheet_it_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from metrics.running.cli import main

    raw = tmp_path / "raw"
    reader_ledger(raw / "名单.xlsx", title="2024年第四季度名单")
    main(["clean", "--raw", str(raw), "--out", str(tmp_path / "p")])
    out = capsys.readouterr().out
    assert "无法读取：名单.xlsx [Sheet1]：没有表头，看起来是捐款捐物名单" in out
    assert '      columns = { A = "日期", B = "捐赠方", D = "金额" }' in out.splitlines()


@pytest.mark.parametrize(
    ("file", "tail", "source"),
    [
        ("一日捐.xlsx", [[], [None, "市慈善总会"], [None, "2024年5月28日"]], "signature"),
        ("一日捐2024年5月28日.xlsx", [], "file"),
    ],
)
def test_a_headerless_list_is_dated_by_its_signature_or_file_name(
    tmp_path: Path, file: str, tail: list[list[object]], source: str
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "全市“慈心一日捐”活动各慈善会接受捐款数额"  # a title stating no date
    for row in [*FEDERATION_ROWS, *tail]:
        ws.append(list(row))
    wb.save(raw / file)
    outcome = run_clean(raw)
    donations = outcome.tables["donations"]
    assert donations["amount_yuan"].sum() == pytest.approx(FEDERATION_TOTAL)
    assert set(donations["date"].dt.date) == {dt.date(2024, 5, 28)}
    assert set(donations["date_source"]) == {source}
    sheet = only_sheet(outcome)
    assert_reconciled(sheet, file)
    assert sheet["skipped_note"] == (2 if tail else 0)  # the signature is no donor
