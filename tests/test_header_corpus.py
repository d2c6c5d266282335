"""The labelled header corpus (tests/corpus) and its scorer (benchmarks/header_corpus.py).

The corpus is how the project measures whether header reading generalises, so it must stay
well-formed: every label names a field of the contract, every phrasing says where such wording
is used, the truths are there, dev and holdout share no phrasing, family or publisher, and no
personal data is in it. The scorer's arithmetic is checked on a case small enough to count by
hand. The precision/recall targets are printed by `make bench`, not asserted here.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from metrics.contract import COLUMNS, TABLES

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus"


def _load_scorer() -> Any:
    spec = importlib.util.spec_from_file_location(
        "header_corpus", REPO / "benchmarks" / "header_corpus.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["header_corpus"] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


hc = _load_scorer()
LEDGERS = hc.load_corpus(CORPUS)
SOURCES = hc.load_sources(CORPUS)
CONTRACT_FIELDS = {f"{t}.{c.name}" for t in TABLES for c in COLUMNS[t]}


def by_id(ledger_id: str) -> Any:
    (found,) = [x for x in LEDGERS if x.id == ledger_id]
    return found


# --- well-formed --------------------------------------------------------------------------------


@pytest.mark.parametrize("ledger", LEDGERS, ids=lambda x: f"{x.split}/{x.path.name}")
def test_every_corpus_file_is_well_formed(ledger: Any) -> None:
    assert ledger.kind in (*TABLES, "none")
    assert ledger.case in hc.CASES
    assert ledger.format in hc.FORMATS
    assert ledger.file and "/" not in ledger.file
    assert ledger.family and ledger.source in SOURCES, ledger.source
    expected = {"ledger": {"read"}, "headerless": {"read", "todo"}, "off_family": {"not_a_ledger"}}
    assert ledger.expect in expected[ledger.case]
    assert (ledger.kind == "none") == (ledger.case == "off_family")
    assert ledger.format == "xlsx" or not ledger.extra_cells  # a side cell needs a workbook
    for col in ledger.columns:
        assert col.source in SOURCES, (col.phrasing, col.source)
        for name in col.fields:
            assert name == "" or name in CONTRACT_FIELDS, name
            # a ledger's labels name its own table's fields
            assert name == "" or name.split(".")[0] == ledger.kind, name
        if ledger.case == "headerless":
            assert col.path == ("",)
        else:
            assert col.path and all(p.strip() for p in col.path), col.path
    if ledger.case == "off_family":
        assert all(col.fields == ("",) for col in ledger.columns)
    if ledger.case == "off_family":
        assert 5 <= sum(1 for r in ledger.rows if any(v != "" for v in r)) <= 16
    else:
        assert 5 <= ledger.truth["accepted"] <= 15  # a body of 5–15 records
    assert all(len(r) <= ledger.width for r in ledger.rows)


@pytest.mark.parametrize("ledger", LEDGERS, ids=lambda x: f"{x.split}/{x.path.name}")
def test_every_corpus_file_has_its_truth(ledger: Any) -> None:
    truth = ledger.truth
    assert isinstance(truth.get("accepted"), int)
    if ledger.case == "off_family":
        assert truth == {"accepted": 0}
        return
    assert truth["accepted"] > 0
    labelled = {f for col in ledger.columns for f in col.fields}
    if ledger.kind in ("donations", "purchases"):
        assert isinstance(truth["yuan"], float | int) and truth["yuan"] > 0
    if ledger.kind == "wishes":
        assert 0 <= truth["resolved"] <= truth["accepted"]
    if "volunteering.participants" in labelled:
        assert truth["participants"] > 0
    assert set(truth) <= {"accepted", *hc.TRUTH_KEYS.get(ledger.kind, ())}


def test_every_source_says_who_writes_it_and_where_it_was_seen() -> None:
    for key, source in SOURCES.items():
        assert source["publisher"] and source["what"], key
        assert source.get("url") or (source.get("repo") and source.get("path")), key
    used = {col.source for x in LEDGERS for col in x.columns} | {x.source for x in LEDGERS}
    assert set(SOURCES) == used  # no source without a phrasing, no phrasing without a source


def test_ids_are_unique() -> None:
    ids = [x.id for x in LEDGERS]
    assert len(ids) == len(set(ids))
    assert all(x.id.startswith(x.split + "-") for x in LEDGERS)


# --- how big, and what it covers ----------------------------------------------------------------


def test_corpus_meets_its_minimums() -> None:
    phrasings = {
        hc.normalize(col.phrasing)
        for x in LEDGERS
        for col in x.columns
        if col.phrasing and any(col.fields)
    }
    assert len(phrasings) >= 200
    assert sum(x.case == "ledger" for x in LEDGERS) >= 30
    for kind in TABLES:
        assert sum(x.kind == kind and x.case == "ledger" for x in LEDGERS) >= 5, kind
    dev = sum(x.split == "dev" for x in LEDGERS)
    first = sum(x.split in ("dev", "holdout") for x in LEDGERS)
    assert 0.55 <= dev / first <= 0.75  # about two thirds of the first batch in dev
    assert sum(x.split == "holdout2" for x in LEDGERS) >= 12  # the second unseen batch


def test_corpus_holds_the_whole_sheet_cases() -> None:
    headerless = [x for x in LEDGERS if x.case == "headerless"]
    # a title sentence, then 「name | 206090 元」 rows
    assert any(x.title and any("206090 元" in r for r in x.rows) for x in headerless)
    # date | masked donor | channel | amount with a side cell 总计
    assert any(any(c["value"] == "总计" for c in x.extra_cells) for x in headerless)
    assert {x.expect for x in headerless} == {"read", "todo"}
    off = " ".join(x.file for x in LEDGERS if x.case == "off_family")
    for what in ("收支明细", "花名册", "预算表", "发放"):
        assert what in off, what
    paths = {col.path for x in LEDGERS for col in x.columns}
    assert ("捐赠金额（元）", "现金") in paths and ("捐赠金额（元）", "物资折价") in paths
    assert ("参与人数", "男") in paths and ("参与人数", "女") in paths
    for split in ("dev", "holdout"):  # each has headerless, off-family and multi-row sheets
        mine = [x for x in LEDGERS if x.split == split]
        assert any(x.case == "headerless" for x in mine)
        assert any(x.case == "off_family" for x in mine)
        assert any(x.header_depth > 1 for x in mine)


def test_dev_and_holdout_share_no_phrasing_family_or_publisher() -> None:
    def of(split: str, what: str) -> set[str]:
        mine = [x for x in LEDGERS if x.split == split]
        if what == "phrasing":
            return {hc.normalize(c.phrasing) for x in mine for c in x.columns if c.phrasing}
        if what == "family":
            return {x.family for x in mine}
        return {c.source for x in mine for c in x.columns} | {x.source for x in mine}

    assert of("dev", "phrasing") & of("holdout", "phrasing") <= hc.COMMON_HEADERS
    assert not of("dev", "family") & of("holdout", "family")
    assert not of("dev", "source") & of("holdout", "source")


def test_holdout2_is_new_families_from_new_publishers() -> None:
    """The second holdout shares no family and no source with dev or holdout, and holds the
    awkward things real sheets do (two-row headers, spaced and bilingual headers, units above
    the table, a person-word organiser beside a names column, an off-family sheet)."""
    first = [x for x in LEDGERS if x.split in ("dev", "holdout")]
    second = [x for x in LEDGERS if x.split == "holdout2"]
    assert not {x.family for x in first} & {x.family for x in second}
    sources = {c.source for x in first for c in x.columns} | {x.source for x in first}
    assert not sources & (
        {c.source for x in second for c in x.columns} | {x.source for x in second}
    )
    for kind in TABLES:
        assert sum(x.kind == kind for x in second) >= 3, kind
    assert any(x.case == "off_family" for x in second)
    assert any(x.header_depth > 1 for x in second)
    headers = [c.phrasing for x in second for c in x.columns]
    assert any("  " in h or re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", h) for h in headers)
    assert any(re.search(r"[A-Za-z]", h) and re.search(r"[\u4e00-\u9fff]", h) for h in headers)
    assert any(any("单位：" in str(v) for r in x.title for v in r) for x in second)
    assert {"组织者", "志愿者"} <= set(headers) and "认领部门" in headers


_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_BARE_NAME = re.compile(r"[\u4e00-\u9fff]{2,3}")
#: Short values in a person column that are not a person's name.
_NOT_A_NAME = {"匿名", "爱心人士", "合计", "总计", "小计", "总合计"}
_ORG_ENDINGS = tuple("部室处科队会厂局所站社组司堂院校区县镇村办团")


def _cells(ledger: Any) -> list[tuple[int, Any]]:
    cells = [(i, v) for r in ledger.title + ledger.rows for i, v in enumerate(r)]
    return cells + [(-1, c["value"]) for c in ledger.extra_cells]


@pytest.mark.parametrize("ledger", LEDGERS, ids=lambda x: f"{x.split}/{x.path.name}")
def test_no_personal_data_is_copied(ledger: Any) -> None:
    for _, value in _cells(ledger):
        text = str(value)
        assert not _PHONE.search(text), text  # phone numbers are masked (139****1201)
        assert not _ID_NUMBER.search(text), text
        assert not _EMAIL.search(text), text
    person_columns = {
        i
        for i, col in enumerate(ledger.columns)
        if {"donations.donor", "wishes.leader", "purchases.buyer"} & set(col.fields)
        or (
            re.search(r"人|姓名|对象", col.phrasing)
            and not re.search(r"类型|人数|人次", col.phrasing)
        )
    }
    for i, value in [(i, v) for r in ledger.rows for i, v in enumerate(r)]:
        if i not in person_columns or not isinstance(value, str):
            continue
        if _BARE_NAME.fullmatch(value) and value not in _NOT_A_NAME:
            # a bare two- or three-character name must be invented (张某某) or masked (刘*)
            assert value.endswith(_ORG_ENDINGS) or re.search(r"[某*＊~]", value), value


# --- the scorer's arithmetic, on a case counted by hand -----------------------------------------


def test_scorer_counts_precision_and_recall_by_hand() -> None:
    col = hc.Column
    columns = [
        col(("日期",), ("donations.date",), "s"),
        col(("捐赠人",), ("donations.donor",), "s"),
        col(("电话",), ("",), "s"),
        col(("金额",), ("donations.amount_yuan",), "s"),
        col(("凭证号",), ("donations.ref", ""), "s"),
    ]
    got = {
        0: "donations.date",  # right
        2: "donations.donor",  # a column that should not be used: wrong
        3: "donations.amount_yuan",  # right
        4: "donations.ref",  # one of the accepted readings: right, but not needed for recall
        6: "donations.note",  # a cell beside the table: wrong
    }
    tally, misses = hc.score_columns(columns, got, "t.toml")
    assert (tally.made, tally.correct, tally.labelled, tally.found) == (5, 3, 3, 2)
    assert tally.precision == pytest.approx(3 / 5)
    assert tally.recall == pytest.approx(2 / 3)
    assert [(m.header, m.intended, m.got) for m in misses] == [
        ("捐赠人", "donations.donor", "（未识别）"),
        ("电话", "（不用）", "donations.donor"),
        ("第7列（表外）", "（不用）", "donations.note"),
    ]
    total = hc.Tally()
    total.add(tally)
    total.add(hc.Tally(made=5, correct=5, labelled=7, found=5))
    assert (total.precision, total.recall) == (8 / 10, 7 / 10)
    assert hc.Tally().precision == 1.0 and hc.Tally().recall == 1.0  # nothing made, nothing owed


def test_scorer_judges_a_sheet_by_its_truth() -> None:
    ledger = by_id("dev-don-union-departments")  # truth: 7 rows, 49610 yuan
    right = {"accepted": 7, "yuan": 49610.004}
    outcome = hc.SheetOutcome(ledger, "donations", 3, {}, right, [], False)
    assert outcome.exact and outcome.handled
    for figures, kind in [
        ({"accepted": 7, "yuan": 49610.01}, "donations"),
        ({"accepted": 6, "yuan": 49610.0}, "donations"),
        ({"accepted": 7, "yuan": 49610.0}, "purchases"),
    ]:
        assert not hc.SheetOutcome(ledger, kind, 3, {}, figures, [], False).exact
    off = by_id("holdout-off-staff-roster")
    said = ["info: 「员工姓名」…… 这是人员名单，不是四种台账中的任何一种"]
    assert hc.SheetOutcome(off, None, None, {}, {"accepted": 0}, said, False).handled
    assert not hc.SheetOutcome(
        off, None, None, {}, {"accepted": 0}, ["error: 没有表头"], False
    ).handled
    assert not hc.SheetOutcome(off, "wishes", 2, {}, {"accepted": 3}, said, False).handled
    todo = by_id("holdout-headerless-union-sums-todo")
    assert hc.SheetOutcome(todo, None, None, {}, {"accepted": 0}, [], True).handled
    assert not hc.SheetOutcome(todo, "donations", None, {}, {"accepted": 7}, [], True).handled


def test_header_rows_write_a_spanning_label_once() -> None:
    columns = [
        hc.Column(("序号",), ("",), "s"),
        hc.Column(("金额（元）", "现金"), ("donations.amount_yuan",), "s"),
        hc.Column(("金额（元）", "物资折价"), ("donations.amount_yuan",), "s"),
        hc.Column(("备注",), ("",), "s"),
    ]
    assert hc.header_rows(columns) == [
        ["序号", "金额（元）", "", "备注"],
        ["", "现金", "物资折价", ""],
    ]
    assert sorted(hc._merges(columns, top=3)) == [(3, 1, 4, 1), (3, 2, 3, 3), (3, 4, 4, 4)]


@pytest.mark.parametrize("ledger", LEDGERS, ids=lambda x: f"{x.split}/{x.path.name}")
def test_every_corpus_sheet_is_written_as_the_file_it_claims(ledger: Any, tmp_path: Path) -> None:
    from metrics.cleaning.ingest import read_raw

    path = hc.write_ledger(ledger, tmp_path)
    if ledger.format != "xlsx":
        encoding = hc.FORMATS[ledger.format]
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
        raw.decode(encoding)  # the bytes are in the encoding the file claims
    sheets, notices = read_raw(tmp_path)
    assert not notices
    (sheet,) = sheets
    assert sheet.sheet == ledger.sheet
    rows = list(sheet.iter_rows())
    expected = hc.sheet_rows(ledger)
    assert len(rows) == len(expected)

    def text(v: Any) -> str:
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return v.isoformat() if isinstance(v, dt.date) else str(v)

    for got, want in zip(rows, expected, strict=True):
        assert [text(v) for v in got[: len(want)]] == [text(v) for v in want]


# --- the scorer on the real corpus --------------------------------------------------------------


@pytest.fixture(scope="module")
def results() -> list[Any]:
    return hc.run_corpus(LEDGERS)


def test_scorer_runs_on_the_corpus_and_gives_figures_in_range(results: list[Any]) -> None:
    assert len(results) == len(LEDGERS)
    for split in hc.SPLITS:
        summary = hc.summarize(results, split)
        figures = summary.as_dict()
        for key in ("precision", "recall", "kind_accuracy"):
            assert 0.0 <= figures[key] <= 1.0, (split, key, figures[key])
        assert summary.tally.correct <= summary.tally.made
        assert summary.tally.found <= summary.tally.labelled
        mine = [x for x in LEDGERS if x.split == split]
        assert summary.ledgers == sum(x.case == "ledger" for x in mine)
        assert summary.tally.labelled == sum(
            c.labelled for x in mine if x.case != "headerless" for c in x.columns
        )
        assert 0 <= summary.exact <= summary.kind_right <= summary.ledgers
        assert 0 <= summary.off_family_handled <= summary.off_family
    for r in results:  # every sheet reached shishi: read, or skipped with a reason
        assert r.kind in (*TABLES, None)
        assert r.kind is not None or r.notices, r.ledger.id


def test_the_dev_corpus_meets_its_targets(results: list[Any]) -> None:
    """Issue 18's targets, held on the part of the corpus the header rule was built against:
    precision >= 0.98, recall >= 0.90, every dev ledger read to its hand-counted truth, and
    no off-family sheet counted. The holdout is printed by `make bench`, never asserted, so
    that nobody tunes the rule to it."""
    summary = hc.summarize(results, "dev")
    assert summary.as_dict()["precision"] >= 0.98, hc.report([summary])
    assert summary.as_dict()["recall"] >= 0.90, hc.report([summary])
    assert summary.exact == summary.ledgers, hc.report([summary])
    assert summary.off_family_handled == summary.off_family


def test_scorer_prints_its_figures_and_misses(capsys: pytest.CaptureFixture[str]) -> None:
    assert hc.main(["--split", "holdout", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert set(figures) == {"holdout"}
    assert 0.0 <= figures["holdout"]["precision"] <= 1.0
    assert figures["holdout"]["ledgers"] == sum(
        x.case == "ledger" and x.split == "holdout" for x in LEDGERS
    )
    lines = hc.report([hc.summarize([], "dev")])
    assert lines[1].startswith("header precision") and lines[1].endswith(">= 0.98")
    assert lines[2].startswith("header recall") and lines[2].endswith(">= 0.90")
