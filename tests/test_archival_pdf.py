"""Both PDFs are archival: PDF/A-3u, tagged, in Chinese, with a real title (issue 20 item 11).

Checked offline with page-validation (a Rust checker that passes the veraPDF and Isartor
corpora): zero failed PDF/A-3u rules, on a small page laid out here and on the sample's two
reports made by the real command (test_e2e's run is its own module's; this one makes its own).
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import page
import pytest
from PIL import Image
from pypdf import PdfReader

from metrics.reporting.render import html_to_pdf, titled
from metrics.running.cli import main

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "raw"

#: A heading, a table and a figure with its alt text: what the reports are made of.
PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>body {{ font-family: "Noto Serif CJK SC", serif; }}</style></head><body>
<h1>青江卷烟厂工作简报</h1><h2>一、捐款捐物</h2><p>本季度共募集善款6万余元。</p>
<table><thead><tr><th>部门</th><th>金额</th></tr></thead>
<tbody><tr><td>制丝车间</td><td>12500元</td></tr></tbody></table>
<figure><img alt="各部门捐款金额柱状图" src="data:image/png;base64,{png}">
<figcaption>图1 各部门捐款</figcaption></figure></body></html>"""


def _png() -> str:
    """A small chart-like PNG, base64 (RGBA, as matplotlib writes them)."""
    out = io.BytesIO()
    Image.new("RGBA", (40, 20), (200, 30, 30, 255)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


PNG = _png()


def failed_rules(pdf: bytes | Path) -> list[str]:
    """PDF/A-3u rules the PDF fails, as ``RULE: message`` lines (empty: conformant)."""
    report = (
        page.validate_pdf(pdf, profile="3u")
        if isinstance(pdf, Path)
        else page.validate_pdf_bytes(pdf, profile="3u")
    )
    return [f"{f.rule_id}: {f.message}" for f in report.failures]


def test_a_laid_out_page_is_pdfa_3u_tagged_and_chinese() -> None:
    pdf = html_to_pdf(PAGE.format(title="工作简报", png=PNG))
    assert failed_rules(pdf) == []
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "zh-CN"
    assert root["/MarkInfo"]["/Marked"]
    tags = _tags(root["/StructTreeRoot"])
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/Figure"} <= tags
    assert reader.metadata.title == "工作简报"


def test_figures_travel_inside_the_pdf() -> None:
    figures = json.dumps({"donations": 60500}, ensure_ascii=False).encode()
    pdf = html_to_pdf(
        PAGE.format(title="工作简报", png=PNG), attachments={"x.figures.json": figures}
    )
    assert failed_rules(pdf) == []  # an associated file keeps PDF/A-3 conformance
    assert PdfReader(io.BytesIO(pdf)).attachments["x.figures.json"] == [figures]


def test_a_notebook_without_a_name_takes_its_first_heading_as_title() -> None:
    html = PAGE.format(title="Notebook", png=PNG)
    assert "<title>青江卷烟厂工作简报</title>" in titled(html)
    assert titled(PAGE.format(title="数据质量报告", png=PNG)).count("数据质量报告") == 1


def _tags(node: object, seen: set[str] | None = None) -> set[str]:
    """Every structure type under a structure element (/S), depth first."""
    seen = set() if seen is None else seen
    obj = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(obj, dict):
        if "/S" in obj:
            seen.add(str(obj["/S"]))
        kids = obj.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            _tags(kid, seen)
    return seen


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("archival")
    args = ["report", "--period", "2024Q4", "--raw", str(SAMPLE)]
    assert main([*args, "--out", str(work / "p"), "--reports", str(work / "r")]) == 0
    return work / "r" / "2024Q4"


@pytest.mark.parametrize("name", ["quarterly_summary", "data_quality"])
def test_the_sample_reports_are_pdfa_3u(reports: Path, name: str) -> None:
    pdf = reports / f"{name}.pdf"
    assert failed_rules(pdf) == []
    reader = PdfReader(pdf)
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
    assert reader.metadata.title not in (None, "", "Notebook")
    assert {"/H1", "/Table"} <= _tags(reader.trailer["/Root"]["/StructTreeRoot"]) or {
        "/H2",
        "/Table",
    } <= _tags(reader.trailer["/Root"]["/StructTreeRoot"])


def test_the_leadership_pdf_carries_its_figures(reports: Path) -> None:
    attached = PdfReader(reports / "quarterly_summary.pdf").attachments
    stored = (reports / "quarterly_summary.figures.json").read_bytes()
    assert attached["quarterly_summary.figures.json"] == [stored]
