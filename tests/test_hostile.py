"""Hostile and broken input: nothing crashes, nothing is lost, nothing escapes.

Each test here fails without the protection it names (parameter quoting, safe file names,
atomic writes, formula neutralization, container checks, one-line notebook errors).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from openpyxl import Workbook

from conftest import run_report
from metrics.cleaning.ingest import read_raw
from metrics.cleaning.store import run_clean
from metrics.config import RawConfig
from metrics.errors import ExitCode, OutputError
from metrics.files import neutralize_formula
from metrics.reporting.render import ReportFailed, render_report, safe_name
from metrics.running.batch import REPORTS, plan_jobs, run_jobs
from metrics.running.cli import main

HOSTILE_UNITS = [
    'x"); import os; os.system("id") #',
    "../../etc",
    "..",
    "/etc/passwd",
    "a/../../b",
    "报告\x00.pdf",
]


@pytest.mark.parametrize("unit", HOSTILE_UNITS)
def test_safe_name_cannot_climb_out(unit: str) -> None:
    name = safe_name(unit)
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert name not in {"", ".", ".."} and not name.startswith(".")


@pytest.mark.parametrize("unit", HOSTILE_UNITS)
def test_report_folders_stay_inside_reports(unit: str, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    jobs = plan_jobs(["2024Q4"], [unit], reports, tmp_path, tmp_path, None, "fp")
    assert len(jobs) == len(REPORTS)
    for job in jobs:
        assert job.pdf.resolve().is_relative_to(reports.resolve())
        assert job.parameters["unit"] == unit  # the value itself reaches the notebook unchanged


def echo_notebook(folder: Path, source: str, name: str = "probe") -> Path:
    """A tiny report notebook with a parameters cell and one cell of `source`."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(
        'unit = ""\nperiod = "2024Q4"\nprocessed_dir = ""\nraw_dir = ""\nmade_on = ""'
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


@pytest.mark.e2e
def test_hostile_parameter_is_data_not_code(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    unit = f'x"); open({str(marker)!r}, "w").write("1"); ("'
    nbs = echo_notebook(
        tmp_path / "nbs",
        "from IPython.display import HTML, display\nimport html\n"
        "display(HTML('<p>' + html.escape(unit) + '</p>'))",
    )
    pdf = render_report("probe", tmp_path / "out", {"unit": unit}, nbs)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert not marker.exists(), "a parameter value was executed as code"


@pytest.mark.e2e
def test_failing_cell_keeps_previous_pdf_and_says_where(tmp_path: Path) -> None:
    nbs = echo_notebook(tmp_path / "nbs", "1 / 0")
    out = tmp_path / "out"
    out.mkdir()
    previous = b"%PDF-1.7 previous good report"
    (out / "probe.pdf").write_bytes(previous)
    with pytest.raises(ReportFailed) as info:
        render_report("probe", out, {}, nbs)
    err = info.value
    message = str(err)
    assert "probe.ipynb" in message and "ZeroDivisionError" in message
    assert err.cell == 2 and "\n" not in message  # position in the executed notebook (the log)
    assert err.log_path.exists() and "probe.failed.ipynb" in message
    assert (out / "probe.pdf").read_bytes() == previous


@pytest.mark.e2e
def test_failing_report_gives_nonzero_exit_and_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nbs = echo_notebook(tmp_path / "nbs", "raise RuntimeError('boom')", name="quarterly_summary")
    raw = Path(__file__).resolve().parents[1] / "data" / "raw"  # complete data: the gate passes
    code = run_report(tmp_path, raw, "--notebooks", str(nbs), "--only", "quarterly_summary")
    assert code == ExitCode.REPORT
    out, err = capsys.readouterr()
    assert "完成" not in out
    line = next(x for x in err.splitlines() if "RuntimeError" in x)
    assert "quarterly_summary.ipynb" in line and "boom" in line and "failed.ipynb" in line


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", '=HYPERLINK("http://x")'])
def test_formulas_neutralized(text: str) -> None:
    assert neutralize_formula(text) == "'" + text
    assert neutralize_formula("普通") == "普通" and neutralize_formula(-5) == -5


def test_rejects_csv_neutralizes_formula_values(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "捐款2024.csv").write_text(
        "日期,捐赠方,金额\n2024-10-01,=cmd|' /C calc'!A0,=1+1\n2024-10-02,张三,100\n",
        encoding="utf-8",
    )
    run_clean(raw, tmp_path / "out")
    text = (tmp_path / "out" / "rejects.csv").read_text(encoding="utf-8-sig")
    assert "'=1+1" in text
    assert ",=1+1" not in text


def big_zip_bomb(path: Path, mb: int) -> None:
    """An .xlsx-looking zip whose one member unpacks to `mb` MB of zeros (a few KB on disk)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(mb):
                fh.write(chunk)


def good_workbook(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["日期", "捐赠方", "金额"])
    ws.append(["2024-10-01", "张三", 100])
    wb.save(path)


def test_broken_files_reported_in_one_line_and_others_processed(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    good_workbook(raw / "good.xlsx")
    (raw / "empty.xlsx").write_bytes(b"")
    (raw / "empty.csv").write_bytes(b"")
    (raw / "damaged.xlsx").write_bytes(b"PK\x03\x04" + b"\x13" * 200)
    (raw / "encrypted.xlsx").write_bytes(  # Excel's encrypted .xlsx: an OLE file, two streams
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 512
        + "EncryptionInfo".encode("utf-16-le")
        + "EncryptedPackage".encode("utf-16-le")
    )
    (raw / "really_csv.xlsx").write_text("日期,捐赠方,金额\n", encoding="utf-8")
    (raw / "binary.csv").write_bytes(b"\x00\x01\x02\xff" * 100)
    big_zip_bomb(raw / "bomb.xlsx", 40)
    (raw / "huge.csv").write_bytes(b"a,b\n" * (300 * 1024))  # 1.2 MB, over the limit set below
    config = RawConfig(max_file_mb=1, max_unpacked_mb=20)
    sheets, notices = read_raw(raw, config)
    by_file = {n.file: n.message for n in notices}
    assert [s.file for s in sheets] == ["good.xlsx"]
    expected = {
        "empty.xlsx": "空的",
        "empty.csv": "空的",
        "damaged.xlsx": "损坏",
        "encrypted.xlsx": "密码",
        "really_csv.xlsx": "不是 Excel",
        "binary.csv": "二进制",
        "bomb.xlsx": "压缩炸弹",
        "huge.csv": "过大",
    }
    for file, word in expected.items():
        assert word in by_file[file], (file, by_file.get(file))
        assert "\n" not in by_file[file]


def test_clean_command_survives_broken_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    good_workbook(raw / "good.xlsx")
    (raw / "damaged.xlsx").write_bytes(b"PK\x03\x04garbage")
    assert main(["clean", "--raw", str(raw), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "damaged.xlsx" in out
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["totals"]["accepted"] == 1


def test_processed_tables_written_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash while writing leaves the previous processed table intact and no temp file."""
    raw = tmp_path / "raw"
    raw.mkdir()
    good_workbook(raw / "good.xlsx")
    out = tmp_path / "out"
    run_clean(raw, out)
    before = (out / "donations.parquet").read_bytes()

    def explode(self, path, *args, **kwargs):
        Path(path).write_bytes(b"half a table")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", explode)
    with pytest.raises(OutputError) as info:
        run_clean(raw, out)
    assert info.value.exit_code == ExitCode.OUTPUT and "staging" not in str(info.value)
    assert (out / "donations.parquet").read_bytes() == before
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_bad_period_is_a_message_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--period", "2024Q5"]) == 2
    err = capsys.readouterr().err
    assert "2024Q5" in err and "Traceback" not in err


def test_missing_raw_folder_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["clean", "--raw", str(tmp_path / "nope")]) == ExitCode.INPUT
    err = capsys.readouterr().err
    assert "原始数据文件夹不存在" in err and "--raw" in err and "Traceback" not in err


def test_csv_encodings_detected(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    text = "日期,捐赠方,金额\n2024-10-01,卷包车间分工会,6万余元\n"
    (raw / "utf8.csv").write_text(text, encoding="utf-8")
    (raw / "bom.csv").write_text(text.replace("卷包", "制丝"), encoding="utf-8-sig")
    (raw / "gb.csv").write_bytes(text.replace("卷包", "动力").encode("gb18030"))
    outcome = run_clean(raw, None)
    donors = sorted(outcome.tables["donations"]["donor"])
    assert donors == ["制丝车间分工会", "动力车间分工会", "卷包车间分工会"]
    assert outcome.rejects.empty


def test_runs_jobs_even_when_one_fails(tmp_path: Path) -> None:
    nbs = echo_notebook(tmp_path / "nbs", "1 / 0", name="quarterly_summary")
    echo_notebook(nbs, "x = 1", name="data_quality")
    jobs = plan_jobs(["2024Q4"], [""], tmp_path / "r", tmp_path, tmp_path, None, "fp", nbs)
    result = run_jobs(jobs, workers=1)
    assert [j.name for j in result.made] == ["data_quality"]
    assert [j.name for j, _ in result.failed] == ["quarterly_summary"]
