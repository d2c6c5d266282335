"""End to end: the sample raw files in, `shishi report` run, the PDFs' text checked.

The expected figures are the reference case's (22 wish items, 19 resolved, 6万余元 raised,
55万余元 and 9100余元 of produce bought), which the sample data in data/raw/ echoes.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from metrics.errors import ExitCode
from metrics.running.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw"

pytestmark = pytest.mark.e2e


def tree_hash(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def pdf_fonts(path: Path) -> str:
    return subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Run the real command once on the shipped sample data (read in place, never written)."""
    work = tmp_path_factory.mktemp("e2e")
    before = tree_hash(SAMPLE)
    code = main(
        [
            "report",
            "--period",
            "2024Q4",
            "--raw",
            str(SAMPLE),
            "--out",
            str(work / "processed"),
            "--reports",
            str(work / "reports"),
        ]
    )
    assert code == 0
    assert tree_hash(SAMPLE) == before, "data/raw must never be modified"
    return {"processed": work / "processed", "reports": work / "reports" / "2024Q4"}


def squeeze(text: str) -> str:
    """pdftotext may break lines or put spaces between CJK glyphs; compare without them."""
    return re.sub(r"\s+", "", text)


def test_report_files_exist(sample_run: dict[str, Path]) -> None:
    out = sample_run["reports"]
    for name in ("quarterly_summary", "data_quality"):
        assert (out / f"{name}.pdf").stat().st_size > 10_000
        assert (out / f"{name}.ipynb").exists()


def test_summary_pdf_has_the_reference_figures(sample_run: dict[str, Path]) -> None:
    text = squeeze(pdf_text(sample_run["reports"] / "quarterly_summary.pdf"))
    assert "22项" in text
    assert "19项" in text
    assert "6万余元" in text
    assert "55万余元" in text
    assert "9100余元" in text
    assert "青江卷烟厂" in text
    assert "2024年第四季度" in text


#: The 季度工作简报's parts (issue 14), with text from the sample's 报告/2024Q4.md.
NEW_SECTIONS = (
    "二、本期办结实事",
    "年度职业健康体检",  # one of the 5 items resolved in 2024Q4, by name
    "年度目标完成情况",
    "92%以上",  # 55万余元 (554,000 at least) of the 60万元 target
    "同比",
    "上年同期没有台账数据，主要指标对比不列上年同期和同比。",  # not 12 cells of 未登记
    "七、亮点与典型案例",
    "后勤五党支部：为山区小学送去“温暖包”",
    "八、存在问题与下一步工作",
    "启动2025年度职工“心愿清单”征集",
    "报送：厂党委",
    "数据核对情况见同期数据质量报告。",  # the provenance is data_quality.pdf's
)


def test_summary_pdf_has_the_new_sections(sample_run: dict[str, Path]) -> None:
    text = squeeze(pdf_text(sample_run["reports"] / "quarterly_summary.pdf"))
    for expected in (*NEW_SECTIONS, "近4个季度主要指标走势"):  # a chart's title: SVG text
        assert squeeze(expected) in text, expected
    # 落款: the sample's 成文日期 (报告文字), and no 2026-11-28 or UTC stamps
    assert "2025年1月10日" in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    # the purchase sentence keeps the quarter's total out of the personal figure's bracket
    assert "干部职工自费采购9100余元；本季度采购8.3万余元" in text  # 83,100余 (issue 20)
    # the summary's sentences are said once, not again at the head of each section
    assert text.count("各党支部年内累计开展志愿服务活动") == 1
    assert text.count("职工心愿清单共梳理实事项目") == 1
    for gone in ("（其中本期", "约591", "SHA-256", "台账第24行", "—无", "Notebook"):
        assert gone not in text, gone


def test_pdf_and_word_follow_the_figures_rule(sample_run: dict[str, Path]) -> None:
    """docs/figures.md in the rendered outputs (issue 20): the chart labels, the sentences and
    the tables of the PDF and the .docx; a deadline written 2024年11月 stays a month."""
    from docx import Document

    pdf = squeeze(pdf_text(sample_run["reports"] / "quarterly_summary.pdf"))
    doc = Document(str(sample_run["reports"] / "quarterly_summary.docx"))
    word = squeeze(
        "\n".join(
            [p.text for p in doc.paragraphs]
            + [c.text for t in doc.tables for row in t.rows for c in row.cells]
        )
    )
    for text in (pdf, word):
        assert "职工书屋升级" in text and "2024年11月" in text
        assert "2024年11月1日" not in text  # the ledger says only the month
        assert "增加约40人次" in text and "约41" not in text  # 约170 against 近130
        assert "8.3万余元" in text and "8万余元" not in text  # 83,100 at least
    assert "99余人次" in pdf and "90余人次" not in pdf  # the chart's label (SVG text)


def test_summary_pdf_metadata(sample_run: dict[str, Path]) -> None:
    info = subprocess.run(
        ["pdfinfo", str(sample_run["reports"] / "quarterly_summary.pdf")],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    assert "青江卷烟厂“我为群众办实事”实践活动2024年第四季度工作简报" in info
    assert re.search(r"Author:\s+青江卷烟厂", info)
    assert re.search(r"Subject:\s+2024年第四季度", info)


def test_word_document_next_to_the_pdf(sample_run: dict[str, Path]) -> None:
    from docx import Document

    doc = Document(str(sample_run["reports"] / "quarterly_summary.docx"))
    text = squeeze(
        "\n".join(
            [p.text for p in doc.paragraphs]
            + [c.text for t in doc.tables for row in t.rows for c in row.cells]
        )
    )
    for expected in ("22项", "19项", "6万余元", "55万余元", "9100余元", "53次", *NEW_SECTIONS):
        assert squeeze(expected) in text, expected
    assert len(doc.inline_shapes) == 4  # 3 charts and the case's photo


def test_charts_saved_as_png_and_svg(sample_run: dict[str, Path]) -> None:
    from PIL import Image

    folder = sample_run["reports"] / "charts"
    names = sorted(p.stem for p in folder.glob("*.png"))
    assert names == ["purchases_by_product", "trend", "volunteering_by_organizer"]
    for name in names:
        with Image.open(folder / f"{name}.png") as img:
            assert round(img.info["dpi"][0]) == 300
        svg = (folder / f"{name}.svg").read_text(encoding="utf-8")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_summary_pdf_hides_code_and_parameters(sample_run: dict[str, Path]) -> None:
    text = pdf_text(sample_run["reports"] / "quarterly_summary.pdf")
    for leak in ("import ", "display(", "processed_dir", "In [", "Parameters", "Traceback"):
        assert leak not in text


def test_pdf_fonts_are_embedded_cjk(sample_run: dict[str, Path]) -> None:
    for name in ("quarterly_summary", "data_quality"):
        fonts = pdf_fonts(sample_run["reports"] / f"{name}.pdf")
        assert "CJK" in fonts, fonts
        rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
        # columns: name type encoding emb sub uni object ID -> 'emb' is 'yes' for every font
        assert all("yes" in r[-5:-3] for r in rows), fonts


def test_pdf_text_has_no_replacement_glyphs(sample_run: dict[str, Path]) -> None:
    for name in ("quarterly_summary", "data_quality"):
        text = pdf_text(sample_run["reports"] / f"{name}.pdf")
        assert "\ufffd" not in text
        assert "□" not in text


def test_data_quality_pdf_reports_the_traps(sample_run: dict[str, Path]) -> None:
    text = squeeze(pdf_text(sample_run["reports"] / "data_quality.pdf"))
    assert "待定" in text  # the rejected amount, with its reason
    assert "不一致" in text  # the Q2 合计 typo
    # the CSV sent twice: one line, its rows beside the rows they repeat (11, hand-counted)
    assert "志愿服务活动_2024Q1(1).csv［志愿服务活动_2024Q1(1)］第" in text
    assert "志愿服务活动_2024Q1.csv［志愿服务活动_2024Q1］第2" in text and "共11行重复" in text
    assert "（共11行" not in text  # 11 rows fit: the table is not cut
    assert "SHA-256" in text and "心愿清单台账2024.xlsx" in text


def test_processed_contract_files(sample_run: dict[str, Path]) -> None:
    processed = sample_run["processed"]
    for name in ("wishes", "donations", "purchases", "volunteering"):
        assert (processed / f"{name}.parquet").exists()
    raw = (processed / "rejects.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "rejects.csv needs a BOM so Excel opens it as UTF-8"
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    listed = [f["file"] for f in manifest["files"]] + [n["file"] for n in manifest["notices"]]
    assert not [f for f in listed if "报告文字" in f or f.endswith(".png")], listed  # text, photo


def test_unchanged_refresh_is_skipped(
    sample_run: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    reports = sample_run["reports"].parent
    pdf = sample_run["reports"] / "quarterly_summary.pdf"
    mtime = pdf.stat().st_mtime_ns
    code = main(
        [
            "report",
            "--period",
            "2024Q4",
            "--raw",
            str(SAMPLE),
            "--out",
            str(sample_run["processed"]),
            "--reports",
            str(reports),
        ]
    )
    assert code == 0
    assert pdf.stat().st_mtime_ns == mtime
    assert "跳过" in capsys.readouterr().out


def test_nbconvert_exporter_entry_point(sample_run: dict[str, Path], tmp_path: Path) -> None:
    """`jupyter nbconvert --to shishi_pdf` works on an executed report notebook."""
    src = sample_run["reports"] / "data_quality.ipynb"
    shutil.copy(src, tmp_path / "dq.ipynb")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "shishi_pdf",
            str(tmp_path / "dq.ipynb"),
        ],
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "dq.pdf").read_bytes().startswith(b"%PDF")


def test_excel_workbook_next_to_the_pdf(sample_run: dict[str, Path]) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(sample_run["reports"] / "quarterly_summary.xlsx", read_only=True)
    assert {"主要指标", "本期办结实事", "心愿清单明细", "捐款捐物明细", "志愿服务明细"} <= set(
        wb.sheetnames
    )
    rows = list(wb["心愿清单明细"].iter_rows(values_only=True))
    assert len(rows) == 1 + 22
    assert sum(r[rows[0].index("办理进度")] == "已办结" for r in rows[1:]) == 19


def test_period_without_data_gives_a_pdf_that_says_so(
    sample_run: dict[str, Path], tmp_path: Path
) -> None:
    code = main(
        [
            "report",
            "--period",
            "2030Q1",
            "--raw",
            str(SAMPLE),
            "--out",
            str(sample_run["processed"]),
            "--reports",
            str(tmp_path),
            "--only",
            "quarterly_summary",
        ]
    )
    # a period without data is incomplete (issue 11): exit 5, and only a marked draft
    assert code == ExitCode.INCOMPLETE
    assert not (tmp_path / "2030Q1" / "quarterly_summary.pdf").exists()
    code = main(
        ["report", "--period", "2030Q1", "--raw", str(SAMPLE), "--out", str(sample_run["processed"]),
         "--reports", str(tmp_path), "--only", "quarterly_summary", "--draft"]
    )  # fmt: skip
    assert code == ExitCode.INCOMPLETE
    text = squeeze(pdf_text(tmp_path / "2030Q1" / "quarterly_summary.pdf"))
    assert "2030年第一季度" in text and "草稿·数据不完整" in text
    assert "没有登记任何" in text
