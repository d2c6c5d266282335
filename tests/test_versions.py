"""Honest refresh and kept publications (issue 11, cases 2 and 6).

Case 2: after a fix in shishi.toml the next run said "未变化，跳过" and kept the wrong PDF.
Each input that can change a PDF must change the job's fingerprint; a missing output is a
reason to redo. Case 6: a published PDF was overwritten silently; now it is kept under
versions/ and the new one is marked 修订 with what changed and which source rows did it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import openpyxl
import pytest

from conftest import report_args
from metrics.cleaning.store import run_clean
from metrics.running import batch
from metrics.running.cli import main
from metrics.scope import Scope

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw"


def fingerprint(raw: Path, tmp: Path, nbs: Path = batch.NOTEBOOKS_DIR, **kw) -> str:
    outcome = run_clean(raw)
    base = (
        batch.code_fingerprint(nbs)
        + batch.inputs_fingerprint(outcome.manifest, raw)
        + batch.processed_fingerprint(outcome)
    )
    jobs = batch.plan_jobs(
        [kw.get("period", "2024Q4")],
        [kw.get("scope", Scope.whole())],
        tmp / "r",
        tmp / "p",
        raw,
        ["quarterly_summary"],
        base,
        nbs,
    )
    return jobs[0].fingerprint


def test_every_input_changes_the_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    nbs = tmp_path / "nbs"
    shutil.copytree(batch.NOTEBOOKS_DIR, nbs)
    first = fingerprint(raw, tmp_path, nbs)
    assert fingerprint(raw, tmp_path, nbs) == first  # stable when nothing changed
    seen = {first}

    def changed(**kw) -> None:
        fp = fingerprint(raw, tmp_path, nbs, **kw)
        assert fp not in seen
        seen.add(fp)

    # shishi.toml (a new synonym that changes nothing in the sample still counts)
    toml = raw / "shishi.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + '\n[headers.donations]\ndonor = ["捐助人"]\n',
        encoding="utf-8",
    )
    changed()
    # the unit's name on the cover (changes the processed tables' unit column too)
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("青江卷烟厂", "青江卷烟厂（本部）"),
        encoding="utf-8",
    )
    changed()
    # a raw file
    (raw / "志愿服务活动_2024Q2.csv").write_bytes(
        (raw / "志愿服务活动_2024Q2.csv").read_bytes() + b"\n"
    )
    changed()
    # a notebook's code (a JupyterLab save that only adds outputs is not: see below)
    nb = nbs / "quarterly_summary.ipynb"
    book = nbformat.read(nb, as_version=4)
    book.cells[-1].source += "\n# 多一行注释"
    nbformat.write(book, nb)
    changed()
    # the code version
    monkeypatch.setattr(batch, "version", lambda: "99.0")
    changed()
    # parameters
    changed(period="2024Q3")
    changed(scope=Scope("青江卷烟厂（本部）"))


def test_lock_files_and_notebook_saves_do_not_change_the_fingerprint(tmp_path: Path) -> None:
    """8 versions of Q2 in one afternoon came from Excel lock files and JupyterLab saves."""
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    nbs = tmp_path / "nbs"
    shutil.copytree(batch.NOTEBOOKS_DIR, nbs)
    first = fingerprint(raw, tmp_path, nbs)
    (raw / "~$捐款捐物登记.xlsx").write_bytes(b"\x00owner")  # Excel has the workbook open
    (raw / ".DS_Store").write_bytes(b"mac")
    (raw / ".~lock.心愿清单.xlsx#").write_text("LibreOffice", encoding="utf-8")
    # a notebook run and saved in JupyterLab: outputs, execution counts, metadata
    path = nbs / "quarterly_summary.ipynb"
    book = nbformat.read(path, as_version=4)
    for i, cell in enumerate(c for c in book.cells if c.cell_type == "code"):
        cell.execution_count = i + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="运行过\n")]
        cell.metadata["execution"] = {"iopub.status.idle": "2025-04-01T15:00:00Z"}
    book.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    nbformat.write(book, path)
    (nbs / ".ipynb_checkpoints").mkdir()
    (nbs / ".ipynb_checkpoints" / "quarterly_summary-checkpoint.ipynb").write_text("{}")
    assert fingerprint(raw, tmp_path, nbs) == first


def test_processed_tables_are_in_the_fingerprint() -> None:
    outcome = run_clean(SAMPLE)
    before = batch.processed_fingerprint(outcome)
    outcome.tables["donations"].loc[0, "amount_yuan"] += 1
    assert batch.processed_fingerprint(outcome) != before


def test_a_missing_output_is_a_reason_to_redo(tmp_path: Path) -> None:
    [job] = batch.plan_jobs(
        ["2024Q4"], [Scope.whole()], tmp_path, tmp_path, tmp_path, ["quarterly_summary"], "fp"
    )
    for path in job.outputs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    job.stamp.write_text(job.fingerprint)
    assert job.up_to_date()
    (tmp_path / "2024Q4" / "quarterly_summary.xlsx").unlink()
    assert not job.up_to_date()


def tiny_leadership_notebook(folder: Path) -> Path:
    """A quarterly_summary that only shows a heading: the marks are laid on by shishi."""
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(
        'unit = ""\nperiod = "2024Q4"\nprocessed_dir = ""\nraw_dir = ""\nmade_on = ""'
    )
    params.metadata["tags"] = ["parameters"]
    show = nbformat.v4.new_code_cell(
        "from IPython.display import HTML, display\ndisplay(HTML('<h2>一、总体情况</h2><p>正文</p>'))"
    )
    nb.cells = [params, show]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, folder / "quarterly_summary.ipynb")
    return folder


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


@pytest.mark.e2e
def test_published_report_is_kept_and_the_new_one_says_what_changed(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    nbs = tiny_leadership_notebook(tmp_path / "nbs")
    args = report_args(tmp_path, raw, "--notebooks", str(nbs), "--only", "quarterly_summary")
    assert main(args) == 0
    out = tmp_path / "r" / "2024Q4"
    first = (out / "quarterly_summary.pdf").read_bytes()
    stored = json.loads((out / "quarterly_summary.figures.json").read_text(encoding="utf-8"))
    assert stored["figures"]["volunteering_activities"]["text"] == "15次"
    assert main(args) == 0  # unchanged: skipped, nothing moved
    assert not (out / "versions").exists()
    # a late activity row arrives in the Q4 file: 15 -> 16 activities
    path = raw / "志愿服务活动_2024Q4.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    header = next(
        r for r in range(1, 8) if ws.cell(r, 1).value and "日期" in str(ws.cell(r, 1).value)
    )
    last = max(r for r in range(header + 1, ws.max_row + 1) if ws.cell(r, 3).value)
    ws.insert_rows(last + 1)
    for c in range(1, ws.max_column + 1):
        ws.cell(last + 1, c).value = ws.cell(last, c).value
    ws.cell(last + 1, 3).value = "补登的一次活动"
    wb.save(path)
    assert main(args) == 0
    [kept] = list((out / "versions").iterdir())
    assert (kept / "quarterly_summary.pdf").read_bytes() == first
    assert (kept / "quarterly_summary.figures.json").exists()
    text = pdf_text(out / "quarterly_summary.pdf")
    assert "修订" in text and "与上一版相比" in text
    assert "本期志愿服务活动15次16次" in text
    assert f"新增志愿服务活动_2024Q4.xlsx［{ws.title}］第{last + 1}行" in text


def sample_job(tmp_path: Path) -> batch.Job:
    run_clean(SAMPLE, tmp_path / "p")
    [job] = batch.plan_jobs(
        ["2024Q4"],
        [Scope.whole()],
        tmp_path / "r",
        tmp_path / "p",
        SAMPLE,
        ["quarterly_summary"],
        "fp",
    )
    return job


def publish(job: batch.Job, stored: dict) -> None:
    """A published PDF (its bytes do not matter here) and the figures stored beside it."""
    job.out_dir.mkdir(parents=True, exist_ok=True)
    job.pdf.write_bytes(b"%PDF published")
    job.figures.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")


def test_a_draft_is_kept_but_the_final_report_is_not_a_revision(tmp_path: Path) -> None:
    from metrics.running.versions import prepare

    job = sample_job(tmp_path)
    old = {
        "draft": True,
        "figures": {"volunteering_activities": {"label": "x", "text": "1次", "rows": {}}},
    }
    publish(job, old)
    body, marks = prepare(job)
    assert body["figures"]["volunteering_activities"]["text"] == "15次" and marks == {}
    assert job.previous is not None and (job.previous / "quarterly_summary.pdf").exists()
    publish(job, old | {"draft": False})
    _, marks = prepare(job)
    assert marks["page_label"] == "修订" and "1次" in marks["revision_box"]
    assert len(list((job.out_dir / "versions").iterdir())) == 2


def test_no_new_version_when_a_reader_sees_the_same_report(tmp_path: Path) -> None:
    """Same content (only the day it was made differs): redone in place, same 修订 box."""
    from metrics.running.versions import prepare

    job = sample_job(tmp_path)
    body, _ = prepare(job)  # nothing published yet: no version, no marks
    assert job.previous is None and not (job.out_dir / "versions").exists()
    carried = {"previous": "20250101-090000", "changes": [], "parts": ["典型案例"]}
    publish(job, body | {"revision": carried})
    job.parameters["made_on"] = "2031-02-03"  # another day: 成稿日期 is not content
    again, marks = prepare(job)
    assert not (job.out_dir / "versions").exists()
    assert again["revision"] == carried and "有变化的部分：典型案例" in marks["revision_box"]
    # one figure differs from what was published: a new version, the figure in the box
    changed = json.loads(json.dumps(body))
    changed["figures"]["volunteer_activities.ytd"]["text"] = "52次"
    changed["content"]["总体情况"] = "其他内容"
    changed["content"]["_key"] = "其他"
    publish(job, changed)
    _, marks = prepare(job)
    assert len(list((job.out_dir / "versions").iterdir())) == 1
    assert "年内累计志愿服务活动" in marks["revision_box"] and "52次" in marks["revision_box"]
    assert "53次" in marks["revision_box"]


# --- issue 19: a corrected Q1 reaches Q2 and H1; lock files and notebook saves are no version


def donations_ledger(path: Path, sheet: str, rows: list[tuple[str, str, int]]) -> None:
    """A department's donations ledger as sent: title, header, one row per gift."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([f"东山供电公司捐款捐物登记表（{sheet}）"])
    ws.append(["日期", "项目/用途", "捐赠方", "类型", "金额（元）", "备注"])
    for day, donor, amount in rows:
        ws.append([day, "困难职工帮扶", donor, "现金", amount, None])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def restatement_folder(root: Path) -> Path:
    raw = root / "raw"
    raw.mkdir(parents=True)
    (raw / "shishi.toml").write_text(
        '[unit]\nname = "东山供电公司"\n\n[targets]\ndonations_yuan = 100000\n', encoding="utf-8"
    )
    donations_ledger(raw / "捐款捐物_2024Q1.xlsx", "2024Q1", [("2024-02-01", "营销部", 20000)])
    donations_ledger(raw / "捐款捐物_2024Q2.xlsx", "2024Q2", [("2024-05-10", "办公室", 25000)])
    return raw


def run(work: Path, raw: Path, *extra: str, periods: tuple[str, ...]) -> tuple[int, str]:
    """`shishi report` for several periods; the exit code and what it printed."""
    import contextlib
    import io

    args = report_args(work, raw, *extra, period=periods[0])
    for p in periods[1:]:
        args += ["--period", p]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(args)
    return code, out.getvalue()


def docx_text(path: Path) -> str:
    from docx import Document

    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return re.sub(r"\s+", "", "".join([p.text for p in doc.paragraphs] + cells))


def versions_of(folder: Path) -> int:
    return len(list((folder / "versions").iterdir())) if (folder / "versions").is_dir() else 0


@pytest.mark.e2e
def test_a_corrected_first_quarter_marks_q2_and_h1_and_their_reruns_say_what_changed(
    tmp_path: Path,
) -> None:
    raw = restatement_folder(tmp_path)
    nbs = tmp_path / "nbs"
    shutil.copytree(batch.NOTEBOOKS_DIR, nbs)
    only = ("--notebooks", str(nbs), "--only", "quarterly_summary")
    code, _ = run(tmp_path, raw, *only, periods=("2024Q1", "2024Q2", "2024H1"))
    assert code == 0
    reports = tmp_path / "r"
    q2, h1 = reports / "2024Q2", reports / "2024H1"

    # 营销部 re-sends its Q1 ledger corrected (2万 -> 4.25万); the old one goes to 归档/
    (raw / "归档").mkdir()
    shutil.move(raw / "捐款捐物_2024Q1.xlsx", raw / "归档" / "捐款捐物_2024Q1.xlsx")
    donations_ledger(raw / "捐款捐物_2024Q1_更正.xlsx", "2024Q1", [("2024-02-01", "营销部", 42500)])
    code, said = run(tmp_path, raw, "--notebooks", str(nbs), periods=("2024Q1",))
    assert code == 0
    stale = said[said.index("需重新生成") :]
    # Q2: its own 本季度 did not change, its 上季度, 环比, 年内累计 and target progress did
    assert "2024Q2（2024Q2/quarterly_summary.pdf）：上季度捐款捐物金额 2万元 → 4.25万元" in stale
    assert "2024H1（2024H1/quarterly_summary.pdf）：本期捐款捐物 4.5万元 → 6.75万元" in stale
    assert stale.index("2024Q2（") < stale.index("2024H1（")  # in the order they end
    assert "--period 2024Q2 --period 2024H1" in stale
    first_page = subprocess.run(
        ["pdftotext", "-l", "1", str(reports / "2024Q1" / "data_quality.pdf"), "-"],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    page = re.sub(r"\s+", "", first_page)
    assert "需重新生成" in page and "2024Q2（2024Q2/quarterly_summary.pdf）" in page
    assert "2024H1（2024H1/quarterly_summary.pdf）" in page
    assert versions_of(q2) == 0 and versions_of(h1) == 0  # not redone until asked

    code, said = run(tmp_path, raw, *only, periods=("2024Q2", "2024H1"))
    assert code == 0 and "需重新生成" not in said
    assert versions_of(q2) == 1 and versions_of(h1) == 1
    for text in (pdf_text(q2 / "quarterly_summary.pdf"), docx_text(q2 / "quarterly_summary.docx")):
        assert "修订：与上一版相比" in text
        assert "年内累计捐款捐物金额4.5万元6.75万元" in text
        assert "上季度捐款捐物金额2万元4.25万元" in text
        assert "捐款捐物金额环比增加5000元减少1.75万元" in text
        assert "捐款捐物金额年度目标完成进度4.5万元，45.0%6.75万元，67.5%" in text
        assert "改变捐款捐物_2024Q1" not in text  # a row that moved file is removed + added
        assert "新增捐款捐物_2024Q1_更正.xlsx［2024Q1］第3行" in text
        assert "本季度捐款捐物" not in text  # Q2's own quarter did not change
    for text in (pdf_text(h1 / "quarterly_summary.pdf"), docx_text(h1 / "quarterly_summary.docx")):
        assert "本期捐款捐物4.5万元6.75万元" in text

    # Excel opens the Q2 ledger (a lock file), JupyterLab saves a notebook with outputs: the
    # next run skips; even forced, what a reader sees is the same, so no new version
    (raw / "~$捐款捐物_2024Q2.xlsx").write_bytes(b"\x00owner")
    path = nbs / "quarterly_summary.ipynb"
    book = nbformat.read(path, as_version=4)
    for i, cell in enumerate(c for c in book.cells if c.cell_type == "code"):
        cell.execution_count = i + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="已运行\n")]
    nbformat.write(book, path)
    code, said = run(tmp_path, raw, *only, periods=("2024Q2",))
    assert code == 0 and "未变化，跳过" in said
    code, said = run(tmp_path, raw, *only, "--force", periods=("2024Q2",))
    assert code == 0 and "已生成" in said
    assert versions_of(q2) == 1
    assert "年内累计捐款捐物金额4.5万元6.75万元" in pdf_text(q2 / "quarterly_summary.pdf")


def test_out_of_date_reports_are_found_per_unit_and_only_when_published(tmp_path: Path) -> None:
    """Two units published Q2; only 甲厂's Q1 changed. A draft, a kept version, a report this
    run makes again and a unit not in this run are never listed."""
    from metrics.periods import Period
    from metrics.reporting.headlines import headline_figures
    from metrics.running.versions import stale_reports
    from test_kpi import _empty_tables, table

    def tables(q1_amount: int) -> dict:
        rows = [
            {"date": "2024-02-01", "donor": "甲", "amount_yuan": q1_amount, "unit": "甲厂"},
            {"date": "2024-05-01", "donor": "乙", "amount_yuan": 300, "unit": "乙厂"},
        ]
        frame = table("donations", rows)
        frame["kind"], frame["currency"] = "cash", "CNY"
        return _empty_tables() | {"donations": frame}

    def publish_at(folder: Path, unit: str, period: str, **extra: object) -> None:
        scoped = Scope(unit).filter_tables(tables(100))
        body = {"period": period, "unit": unit} | headline_figures(scoped, Period.parse(period))
        folder.mkdir(parents=True)
        (folder / "quarterly_summary.pdf").write_bytes(b"%PDF")
        (folder / "quarterly_summary.figures.json").write_text(
            json.dumps(body | extra, ensure_ascii=False), encoding="utf-8"
        )

    reports = tmp_path / "r"
    publish_at(reports / "2024Q2" / "甲厂", "甲厂", "2024Q2")
    publish_at(reports / "2024Q2" / "乙厂", "乙厂", "2024Q2")
    publish_at(reports / "2024H1" / "甲厂", "甲厂", "2024H1", draft=True)
    publish_at(reports / "2024Q3" / "甲厂", "甲厂", "2024Q3")
    publish_at(reports / "2024Q2" / "甲厂" / "versions" / "20250101-000000", "甲厂", "2024Q2")
    publish_at(reports / "2024Q4" / "丙厂", "丙厂", "2024Q4")
    scopes = [Scope("甲厂"), Scope("乙厂")]

    def processed(q1_amount: int) -> Path:
        folder = tmp_path / f"p{q1_amount}"
        folder.mkdir(exist_ok=True)
        for name, frame in tables(q1_amount).items():
            frame.to_parquet(folder / f"{name}.parquet")
        return folder

    found = stale_reports(reports, scopes, processed(250), tmp_path, remade={("2024Q3", "甲厂")})
    assert [(s["period"], s["unit"], s["pdf"]) for s in found] == [
        ("2024Q2", "甲厂", "2024Q2/甲厂/quarterly_summary.pdf")
    ]
    assert "上季度捐款捐物金额 100元 → 250元" in found[0]["changes"]
    assert stale_reports(reports, scopes, processed(100), tmp_path, remade=set()) == []
    # a report made from the very data and targets there are now is not computed again
    from metrics.files import load_processed
    from metrics.reporting.headlines import data_key
    from metrics.reporting.kpi import filter_unit

    stored = reports / "2024Q2" / "甲厂" / "quarterly_summary.figures.json"
    body = json.loads(stored.read_text(encoding="utf-8"))
    body["data"] = data_key(filter_unit(load_processed(processed(250)), "甲厂"), {})
    stored.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    remade = {("2024Q3", "甲厂")}
    assert stale_reports(reports, scopes, processed(250), tmp_path, remade) == []
