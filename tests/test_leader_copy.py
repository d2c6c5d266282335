"""The leader copy holds only what a leader reads, and says each thing once (issue 20, items 3
and 6): the sample's 2024Q4, 2024 and 2025Q1 (a quarter with no data: the sparse case) are
rendered through `shishi report` and their PDF text read back with pdftotext."""

from __future__ import annotations

import itertools
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from conftest import report_args
from metrics.periods import Period
from metrics.reporting import loading, model
from metrics.running.cli import main
from test_model import MADE_ON, sample_tables

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw"
PERIODS = ("2024Q4", "2024", "2025Q1")

pytestmark = pytest.mark.e2e

#: Lines every page or the cover repeats by design: page numbers and the draft/sample marks.
FURNITURE = re.compile(
    r"^\s*(—\s*\d+\s*—|草稿\s*·\s*数据不完整|草稿（数据不完整）|示例数据（虚构单位，仅供演示）)\s*$"
)
HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")
#: A line of a table or a chart (cells apart by runs of spaces in pdftotext's layout).
GAPPED = re.compile(r"\S\s{3,}\S")
#: The period a sentence opens with: 本季度没有… and 2024年没有… say the same thing.
OPENING = re.compile(
    r"^(?:\d{4}年(?:第[一二三四]季度|\d+—\d+月)?|本季度|本期|全年|年内|上年|及年内)+"
)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("leader")
    for period in PERIODS:
        # 2025Q1 has no data: a marked draft
        args = report_args(work, SAMPLE, "--only", "quarterly_summary", "--draft", period=period)
        code = main(args)
        assert code in (0, 5), period
    return {p: work / "r" / p / "quarterly_summary.pdf" for p in PERIODS} | {
        "processed": work / "p"
    }


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def sentences(text: str) -> list[str]:
    """The prose of a pdftotext page: wrapped lines joined, cut after 。 and ；."""
    out, buf = [], ""
    for line in text.splitlines():
        body = line.strip()
        if not body or FURNITURE.match(line) or HEADING.match(line) or GAPPED.search(body):
            buf = ""
            continue
        buf += re.sub(r"\s+", "", body)
        *done, buf = re.split(r"(?<=[。；])", buf)
        out += [d for d in done if d]
    return out


def _subsequence(short: str, long: str) -> bool:
    rest = iter(long)
    return all(ch in rest for ch in short)


def repeats(said: list[str]) -> list[object]:
    """Sentences said twice: the same words (the period they open with aside), or one that is
    the other with a few words left out (本季度没有新办结的项目 after …的心愿清单项目)."""
    keys = [OPENING.sub("", s.rstrip("。；")) for s in said]
    keys = [k for k in keys if len(k) >= 6]
    twice: list[object] = [k for k, n in Counter(keys).items() if n > 1]
    twice += [
        (a, b)
        for a, b in itertools.permutations(set(keys), 2)
        if 0.6 * len(b) <= len(a) < len(b) and _subsequence(a, b)
    ]
    return twice


def notes(text: str) -> list[str]:
    """Lines standing alone (a table's 本期无数据, a chart's), said more than once."""
    lines = [line.strip() for line in text.splitlines()]
    counts = Counter(
        line
        for line in lines
        if len(line) >= 4 and not FURNITURE.match(line) and not GAPPED.search(line)
    )
    return [line for line, n in counts.items() if n > 1]


@pytest.mark.parametrize("period", PERIODS)
def test_no_sentence_is_said_twice(reports: dict[str, Path], period: str) -> None:
    text = pdf_text(reports[period])
    assert len(sentences(text)) >= 8  # the reader sees the prose
    assert repeats(sentences(text)) == []
    assert notes(text) == []


@pytest.mark.parametrize("period", PERIODS)
def test_the_leader_copy_points_to_the_data_quality_report_in_one_line(
    reports: dict[str, Path], period: str
) -> None:
    """数据来源：…共使用96行有效记录（数据标识 71869722…） sat between the 落款 and the 版记."""
    text = re.sub(r"\s+", "", pdf_text(reports[period]))
    assert text.count(model.DATA_QUALITY_REFERENCE) == 1
    for machine in ("数据来源", "数据标识", "行有效记录", "sha256"):
        assert machine not in text


def test_finished_items_are_named_once(reports: dict[str, Path]) -> None:
    """Five finished items were named in prose and then tabled again."""
    report = loading.load_summary("2024Q4", "", reports["processed"], SAMPLE)
    titles = [row[1] for row in report.completed.rows]
    assert len(titles) == 5
    text = re.sub(r"\s+", "", pdf_text(reports["2024Q4"]))
    assert {t: text.count(t) for t in titles} == dict.fromkeys(titles, 1)


def test_no_column_of_unregistered_cells(reports: dict[str, Path]) -> None:
    """12 cells of 未登记 / 上年同期未登记 filled the 同比 columns: left out, and said why."""
    for period, why in (("2024Q4", "上年同期没有台账数据"), ("2024", "上年没有台账数据")):
        text = re.sub(r"\s+", "", pdf_text(reports[period]))
        assert "未登记" not in text, period
        assert text.count(why) == 1, period


def test_an_unreported_quarter_is_unreported_not_zero(reports: dict[str, Path]) -> None:
    """2025Q1 was drawn as 0 bars and described as 减少15次 against 2024Q4."""
    text = re.sub(r"\s+", "", pdf_text(reports["2025Q1"]))
    assert "减少15次" not in text and not re.search(r"(?<![\d.])0次", text)
    assert "未报送" in text


@pytest.mark.parametrize("period", ("2024Q4", "2025Q1"))
def test_quarters_are_named_in_chinese(reports: dict[str, Path], period: str) -> None:
    text = re.sub(r"\s+", "", pdf_text(reports[period]))
    assert not re.search(r"Q[1-4]", text)  # 2024年Q1 on the trend's axis
    assert "二季度" in text and "三季度" in text  # (the title says 第四季度 / 第一季度)


def test_the_gifts_left_out_of_the_yuan_are_said_once_in_a_year() -> None:
    """The same goods/USD sentence sat in the summary and again over the tables that list them."""
    from test_kpi import review_donations

    tables = sample_tables() | {"donations": review_donations()}
    r = model.build_summary(tables, Period.parse("2024"), made_on=MADE_ON)
    prose = [*r.sentences, r.completed_lead, *(x for s in r.sections for x in s.lead)]
    said = [part for s in prose for part in re.split(r"(?<=[。；])", s) if part]
    assert any("美元" in s for s in said)
    assert repeats(said) == []
