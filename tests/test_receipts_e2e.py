"""Two quarters of a four-department unit, as a new analyst runs them (issue 19).

东山供电公司 is made with `shishi init`, its blank ledgers with `shishi template`, and each
department fills its copies with openpyxl the way a clerk does (填报人, 审核人, 填报日期 on row 2,
one record a row under the header) and sends them back into 原始数据/. Every figure below is
worked out by hand from the rows written here:

2025Q1 (every ledger back; 运检部's and 安监部's wish lists and 安监部's donations and purchases
come back blank):
- donations: 办公室 15,000 + 营销部 10,000 + 运检部's 食用油 worth 1,500 (its 折合金额, under
  困难职工慰问) = 26,500元, and 运检部's 大米 20箱 with no value: listed as goods, never as 0元,
  so the total is 2.6万余元 (a sum with a row of unknown value is 余, floored to two figures);
- purchases: 办公室 20,000 + 营销部 500 + 运检部 500 = 21,000元 (2.1万元): 营销部 and 运检部 each
  bought 500元 of honey from 青山村 on 2025-03-10, and both count.

2025Q2:
- 营销部 sends no donations at first: blocked (exit 5), naming 营销部 and 捐款捐物;
- 办公室 sends its donations (30,000 + 20,000), then a corrected copy named _更正 with a later
  填报日期 (30,000 + 14,500): the correction counts, once: 44,500;
- 运检部 sends its purchases twice, with different rows and the same 填报日期: blocked, naming
  both files; moving one into 原始数据/归档/ settles it;
- 运检部 gives 10,000, 安监部 nothing (a blank template: 本期无, not a blocker);
- once 营销部's 5,000 arrives: Q2 donations 44,500 + 10,000 + 5,000 = 59,500元 (5.95万元),
  the year so far 26,500 + 59,500 = 86,000元 and the rice: 8.6万余元 (both copies of 办公室's
  would have made it 13万余元).

After Q2, 安监部 sends a corrected Q1 donations ledger (2,000 for 助学) in place of its blank:
it is 迟到 (Q1 went out without it) and the re-made Q1 report counts it: 助学 1.7万元.

Then the half year goes out, and 营销部 corrects its Q1 purchases (1,500元 of honey, not 500元):
Q1 is restated (2.1万元 → 2.2万元), the re-run lists the published Q2 and H1 as 需重新生成, and
their re-runs' 修订 tables show the year's purchases 2.18万元 → 2.28万元 (PDF and Word). An
Excel lock file left beside the correction then makes no new version.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from metrics.cleaning.headers import load_table_specs
from metrics.cleaning.ledger_templates import HEADER_ROW
from metrics.errors import ExitCode
from metrics.files import load_manifest
from metrics.running.cli import main
from metrics.running.init import Workdir

pytestmark = pytest.mark.e2e

D = dt.date
UNIT = "东山供电公司"
BRANCHES = ["办公室", "营销部", "运检部", "安监部"]
STEMS = {
    "wishes": "心愿清单",
    "donations": "捐款捐物登记",
    "purchases": "消费帮扶采购",
    "volunteering": "志愿服务活动",
}
HONEY = {"date": D(2025, 3, 10), "buyer": "企业", "supplier_region": "青山村", "product": "蜂蜜",
         "amount_yuan": 500}  # fmt: skip


def gift(day: dt.date, campaign: str, donor: str, amount: float) -> dict[str, Any]:
    return {
        "date": day,
        "campaign": campaign,
        "donor": donor,
        "kind": "现金",
        "amount_yuan": amount,
    }


def activity(day: dt.date, organizer: str, title: str) -> dict[str, Any]:
    return {"date": day, "organizer": organizer, "title": title, "theme": "关爱老人",
            "participants": 6, "hours": 2}  # fmt: skip


#: (table, department) -> rows each department writes into its 2025Q1 template ([] = sent back
#: blank). Every one of the 16 ledgers comes back.
Q1: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("wishes", "办公室"): [{"item_id": "1", "title": "更衣室加装热水器", "category": "生活保障",
                          "department": "办公室", "raised_on": D(2025, 1, 6), "status": "已办结",
                          "resolved_on": D(2025, 3, 20)}],
    ("wishes", "营销部"): [{"item_id": "1", "title": "营业厅增设母婴室", "category": "生活保障",
                          "department": "营销部", "raised_on": D(2025, 2, 3), "status": "推进中"}],
    ("wishes", "运检部"): [],
    ("wishes", "安监部"): [],
    ("donations", "办公室"): [gift(D(2025, 1, 10), "助学", "办公室职工", 15000)],
    ("donations", "营销部"): [gift(D(2025, 2, 14), "大病救助", "营销部职工", 10000)],
    ("donations", "运检部"): [
        {"date": D(2025, 3, 5), "campaign": "冬季送温暖", "donor": "运检部", "kind": "物资",
         "item": "大米", "item_unit": "箱", "quantity": 20},
        {"date": D(2025, 3, 5), "campaign": "困难职工慰问", "donor": "运检部", "kind": "物资",
         "amount_yuan": 1500, "item": "食用油", "item_unit": "桶", "quantity": 10},
    ],
    ("donations", "安监部"): [],
    ("purchases", "办公室"): [{"date": D(2025, 2, 1), "buyer": "企业", "supplier_region": "某县",
                             "product": "大米", "amount_yuan": 20000}],
    ("purchases", "营销部"): [HONEY],
    ("purchases", "运检部"): [HONEY],
    ("purchases", "安监部"): [],
    **{("volunteering", b): [activity(D(2025, 3, 1 + i), b, f"{b}敬老院探访")]
       for i, b in enumerate(BRANCHES)},
}  # fmt: skip

#: 2025Q2, as first sent: 营销部's donations and 运检部's wish list are missing until later.
Q2: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("wishes", "办公室"): [{"item_id": "1", "title": "更衣室加装热水器", "category": "生活保障",
                          "department": "办公室", "raised_on": D(2025, 1, 6), "status": "已办结",
                          "resolved_on": D(2025, 3, 20)}],
    ("wishes", "营销部"): [{"item_id": "1", "title": "营业厅增设母婴室", "category": "生活保障",
                          "department": "营销部", "raised_on": D(2025, 2, 3), "status": "已办结",
                          "resolved_on": D(2025, 5, 30)}],
    ("wishes", "运检部"): [],
    ("wishes", "安监部"): [],
    ("donations", "办公室"): [gift(D(2025, 5, 10), "助学", "办公室职工", 30000),
                             gift(D(2025, 6, 1), "大病救助", "办公室职工", 20000)],
    ("donations", "运检部"): [gift(D(2025, 4, 20), "大病救助", "运检部职工", 10000)],
    ("donations", "安监部"): [],
    ("purchases", "办公室"): [],
    ("purchases", "营销部"): [],
    ("purchases", "运检部"): [{**HONEY, "date": D(2025, 5, 8), "amount_yuan": 800}],
    ("purchases", "安监部"): [],
    **{("volunteering", b): [activity(D(2025, 5, 1 + i), b, f"{b}社区义诊")]
       for i, b in enumerate(BRANCHES)},
}  # fmt: skip


def send(
    wd: Workdir,
    table: str,
    branch: str,
    period: str,
    rows: list[dict[str, Any]],
    filled_on: dt.date,
    name: str = "",
) -> Path:
    """A department fills its blank ledger and sends it back into 原始数据/ (as ``name``)."""
    fields = [n for n, f in load_table_specs()[table].fields.items() if f.in_template]
    template = wd.templates / f"{STEMS[table]}_{branch}_{period}.xlsx"
    wb = load_workbook(template)
    ws = wb["台账"]
    ws["F2"], ws["H2"], ws["J2"] = f"{branch}统计员", f"{branch}负责人", filled_on
    for r, row in enumerate(rows, start=HEADER_ROW + 1):
        for c, field in enumerate(fields, start=1):
            ws.cell(row=r, column=c, value=row.get(field))
    path = wd.raw / (name or template.name)
    wb.save(path)
    return path


def pdf_text(path: Path) -> str:
    """The PDF's text without the spaces and line breaks pdftotext puts between glyphs."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


def first_page(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, check=True
    )
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


@pytest.fixture(scope="module")
def unit(tmp_path_factory: pytest.TempPathFactory) -> Workdir:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    root = tmp_path_factory.mktemp("receipts") / "实事报告"
    branches = [a for b in BRANCHES for a in ("--branch", b)]
    assert main(["init", str(root), "--name", UNIT, *branches]) == 0
    wd = Workdir(root)
    for period in ("2025Q1", "2025Q2"):
        assert main(["template", "--workdir", str(root), "--period", period]) == 0
    return wd


def versions_of(folder: Path) -> int:
    """Earlier versions kept of a period's reports (报告/<期间>/versions/<when>/)."""
    kept = folder / "versions"
    return len(list(kept.iterdir())) if kept.is_dir() else 0


def report(wd: Workdir, period: str, *extra: str) -> int:
    return main(["report", "--workdir", str(wd.root), "--period", period, *extra])


def test_two_quarters_of_a_four_department_unit(
    unit: Workdir, capsys: pytest.CaptureFixture[str]
) -> None:
    wd = unit
    for (table, branch), rows in Q1.items():
        send(wd, table, branch, "2025Q1", rows, D(2025, 4, 3))
    capsys.readouterr()

    # --- 2025Q1: everything back, some blank: the report goes out ----------------------------
    assert report(wd, "2025Q1") == ExitCode.OK
    out = capsys.readouterr()
    assert "数据不完整" not in out.out + out.err
    q1 = wd.reports / "2025Q1"
    text = pdf_text(q1 / "quarterly_summary.pdf")
    assert "本季度登记捐款捐物2.6万余元" in text  # 26,500 and rice of unknown value (2 figures)
    assert "困难职工慰问1500元" in text  # the oil's 折合金额 counts as yuan, as written
    assert "物资捐赠1笔（只有数量：大米20箱）" in text  # goods from the template, as goods
    assert "年内消费帮扶采购共2.1万元" in text  # both 500元 of honey: 20,000 + 500 + 500
    quality = first_page(q1 / "data_quality.pdf")
    assert "收表情况" in quality and "待办事项：无" in quality
    assert (
        quality.count("本期无") >= 5
    )  # 运检部/安监部 wishes, 安监部 donations and purchases (+legend)
    assert "未收到" not in quality.replace("未收到：没有收到", "")  # only the legend says it
    manifest = load_manifest(wd.processed)
    honey = [
        s["duplicates"]
        for f in manifest["files"]
        if f["file"].startswith("消费帮扶采购_")
        for s in f["sheets"]
        if s.get("table") == "purchases"
    ]
    assert honey == [0, 0, 0, 0]  # no row taken for another department's repeat

    # --- 2025Q2, as first sent: a ledger missing, two plain copies, a correction ------------
    for (table, branch), rows in Q2.items():
        send(wd, table, branch, "2025Q2", rows, D(2025, 7, 1))
    copy = send(
        wd,
        "purchases",
        "运检部",
        "2025Q2",
        [{**HONEY, "date": D(2025, 5, 8), "amount_yuan": 900}],
        D(2025, 7, 1),
        name="消费帮扶采购_运检部_2025Q2(1).xlsx",
    )
    send(
        wd,
        "donations",
        "办公室",
        "2025Q2",
        [
            gift(D(2025, 5, 10), "助学", "办公室职工", 30000),
            gift(D(2025, 6, 1), "大病救助", "办公室职工", 14500),
        ],
        D(2025, 7, 8),
        name="捐款捐物登记_办公室_2025Q2_更正.xlsx",
    )
    capsys.readouterr()
    assert report(wd, "2025Q2") == ExitCode.INCOMPLETE
    err = re.sub(r"\s+", "", capsys.readouterr().err)
    assert "未收到营销部的台账：捐款捐物（2025年第二季度）" in err
    assert "捐款捐物登记_营销部_2025Q2.xlsx" in err  # the blank to chase them with
    assert "「消费帮扶采购_运检部_2025Q2(1).xlsx」" in err
    assert "「消费帮扶采购_运检部_2025Q2.xlsx」" in err and "归档" in err
    assert "安监部" not in err  # its blank templates are 本期无, not a problem
    assert "办公室" not in err  # its correction settles itself
    q2 = wd.reports / "2025Q2"
    assert not (q2 / "quarterly_summary.pdf").exists()
    quality = first_page(q2 / "data_quality.pdf")
    assert "未收到" in quality and "两份" in quality
    assert "按更正版捐款捐物登记_办公室_2025Q2_更正.xlsx计" in quality
    manifest = load_manifest(wd.processed)
    [original] = [
        s
        for f in manifest["files"]
        if f["file"] == "捐款捐物登记_办公室_2025Q2.xlsx"
        for s in f["sheets"]
        if s.get("table")
    ]
    assert (original["replaced"], original["accepted"]) == (2, 0)
    assert original["replaced_by"] == "捐款捐物登记_办公室_2025Q2_更正.xlsx"
    assert original["reconciled"]
    [correction] = [c for c in manifest["receipts"]["copies"] if c["verdict"] == "replaced"]
    assert (correction["kept"], correction["replaced"], correction["rows_replaced"]) == (
        "捐款捐物登记_办公室_2025Q2_更正.xlsx",
        ["捐款捐物登记_办公室_2025Q2.xlsx"],
        2,
    )

    # --- the analyst chases 营销部 and moves 运检部's extra copy into 归档/ --------------------
    (wd.raw / "归档").mkdir()
    copy.rename(wd.raw / "归档" / copy.name)
    send(
        wd,
        "donations",
        "营销部",
        "2025Q2",
        [gift(D(2025, 6, 15), "大病救助", "营销部职工", 5000)],
        D(2025, 7, 10),
    )
    capsys.readouterr()
    assert report(wd, "2025Q2") == ExitCode.OK
    out = capsys.readouterr()
    assert "数据不完整" not in out.out + out.err
    text = pdf_text(q2 / "quarterly_summary.pdf")
    assert "本季度登记捐款捐物5.95万元" in text  # 44,500 (the correction, once) + 10,000 + 5,000
    assert "年内累计8.6万余元" in text  # 26,500 + 59,500 and the rice
    quality = first_page(q2 / "data_quality.pdf")
    assert "待办事项：无" in quality
    assert "按更正版捐款捐物登记_办公室_2025Q2_更正.xlsx计" in quality  # still listed

    # --- 安监部 finds a Q1 gift after Q1 went out: a late correction of its blank ------------
    send(
        wd,
        "donations",
        "安监部",
        "2025Q1",
        [gift(D(2025, 3, 28), "助学", "安监部职工", 2000)],
        D(2025, 7, 15),
        name="捐款捐物登记_安监部_2025Q1_更正.xlsx",
    )
    capsys.readouterr()
    assert report(wd, "2025Q1") == ExitCode.OK  # late does not block: the new version counts it
    said = capsys.readouterr().out
    # what to do on a line of its own (the sanitiser once wrote the line break as "\\n")
    assert "\n    处理办法：" in said and "\\n" not in said
    out = re.sub(r"\s+", "", said)
    assert "收表情况需要处理（2025Q1）" in out
    assert "安监部的捐款捐物台账（2025年第一季度）迟到" in out
    assert "之后才收到" in out
    quality = first_page(q1 / "data_quality.pdf")
    assert "迟到" in quality
    text = pdf_text(q1 / "quarterly_summary.pdf")
    assert "修订" in text  # the re-made Q1 report says it replaces the one given out
    assert "本季度登记捐款捐物2.8万余元" in text  # 28,500 and the rice
    assert "“助学”1.7万元" in text  # 15,000 + 安监部's 2,000

    # --- the half year goes out; then 营销部 corrects its Q1 purchases (1,500元 of honey, not
    # 500元): Q1 is restated, and every published report that contains or follows it says so -
    assert report(wd, "2025H1") == ExitCode.OK
    h1 = wd.reports / "2025H1"
    # Q1 purchases 20,000 + 500 + 500 = 2.1万元; the half year adds 运检部's 800 = 2.18万元
    assert "年内消费帮扶采购共2.18万元" in pdf_text(h1 / "quarterly_summary.pdf")
    send(
        wd,
        "purchases",
        "营销部",
        "2025Q1",
        [{**HONEY, "amount_yuan": 1500}],
        D(2025, 7, 20),
        name="消费帮扶采购_营销部_2025Q1_更正.xlsx",
    )
    capsys.readouterr()
    assert report(wd, "2025Q1") == ExitCode.OK
    said = re.sub(r"\s+", "", capsys.readouterr().out)
    stale = said[said.index("需重新生成") :]
    assert "2025Q2（2025Q2/quarterly_summary.pdf）" in stale
    assert "2025H1（2025H1/quarterly_summary.pdf）" in stale
    quality = first_page(q1 / "data_quality.pdf")
    assert "需重新生成" in quality
    # 营销部's Q1 wish list came on time; the published Q1 counted its newer Q2 version
    assert "营销部心愿清单（2025年第一季度）迟到" not in quality
    # their re-runs: 20,000 + 1,500 + 500 = 2.2万元 for Q1, 2.28万元 for the year so far
    for folder, period in ((q2, "2025Q2"), (h1, "2025H1")):
        versions = versions_of(folder)
        assert report(wd, period) == ExitCode.OK
        assert versions_of(folder) == versions + 1  # the one given out is kept
        text = pdf_text(folder / "quarterly_summary.pdf")
        assert "修订：与上一版相比" in text and "2.28万元" in text
        # the 修订 table, whole rows in the Word copy (in the PDF a row may cross a page):
        # 年内 (or the half year's own) enterprise purchases, old → new
        word = Document(str(folder / "quarterly_summary.docx"))
        rows = [[c.text for c in row.cells] for t in word.tables for row in t.rows]
        assert any(
            "企业消费帮扶采购" in r[0] and r[1:3] == ["2.18万元", "2.28万元"] for r in rows
        ), rows
    assert "上季度" in pdf_text(q2 / "quarterly_summary.pdf")

    # --- Excel left a lock file beside the correction: nothing a reader sees changed --------
    (wd.raw / "~$消费帮扶采购_营销部_2025Q1_更正.xlsx").write_bytes(b"\x00" * 165)
    versions = versions_of(q2)
    capsys.readouterr()
    assert report(wd, "2025Q2") == ExitCode.OK
    assert "未变化，跳过" in capsys.readouterr().out
    assert versions_of(q2) == versions
