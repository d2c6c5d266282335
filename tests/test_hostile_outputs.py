"""Faults and hostile text on the way out: no mixed outputs, no traceback, nothing left running,
nothing fetched, nothing unreadable to the team.

Grouped by the promise each test guards; the numbers are the cases of issue 12.
"""

from __future__ import annotations

import errno
import html
import io
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import warnings
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from openpyxl import Workbook

from metrics.cleaning.store import run_clean
from metrics.errors import BusyError, ExitCode, OutputError
from metrics.files import COMMIT_MARK, clear_stale, load_processed, neutralize_formula, staged
from metrics.paths import PROJECT_ROOT, TEMPLATES_DIR
from metrics.reporting import safe_text
from metrics.reporting.render import ShishiPDFExporter, _allowed_url, unit_folders
from metrics.running import lock
from metrics.running.batch import COMPANIONS, Job, cap_jobs, plan_jobs
from metrics.running.cli import main

HEADER = "日期,捐赠方,金额\n"


def raw_with_one_donation(tmp_path: Path, donor: str = "张三") -> Path:
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    (raw / "捐款2024.csv").write_text(HEADER + f"2024-10-01,{donor},100\n", encoding="utf-8")
    return raw


# --- 2. One run per output folder ------------------------------------------------------------


def test_second_run_on_the_same_folder_is_busy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = raw_with_one_donation(tmp_path)
    out = tmp_path / "out"
    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.3)
    with lock.output_lock(out):  # another run holds the folder
        code = main(["clean", "--raw", str(raw), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == ExitCode.BUSY
    assert "另一个 shishi 正在写入这个文件夹" in err and f"进程号 {os.getpid()}" in err
    assert not (out / "manifest.json").exists()
    assert main(["clean", "--raw", str(raw), "--out", str(out)]) == ExitCode.OK  # released


def test_lock_waits_for_a_run_that_finishes(tmp_path: Path) -> None:
    import threading

    held = threading.Event()

    def first() -> None:
        with lock.output_lock(tmp_path):
            held.set()
            time.sleep(0.5)

    t = threading.Thread(target=first)
    t.start()
    held.wait()
    with lock.output_lock(tmp_path, wait=5):  # flock is per open file: threads contend too
        pass
    t.join()
    with pytest.raises(BusyError), lock.output_lock(tmp_path), lock.output_lock(tmp_path, wait=0):
        pass


def test_staging_folders_have_unique_names(tmp_path: Path) -> None:
    with staged(tmp_path) as a, staged(tmp_path) as b:
        assert a != b
        (a / "x.txt").write_text("a")
        (b / "y.txt").write_text("b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt", "y.txt"]


# --- 3. Look-alike unit names keep their own folders ----------------------------------------


def test_look_alike_units_get_distinct_folders(tmp_path: Path) -> None:
    units = ["青江卷烟厂", "ＡＢ车间", "AB车间", "后勤 三", "后勤_三", "厂" * 90, "厂" * 90 + "甲"]
    folders = unit_folders(units)
    assert len(set(folders.values())) == len(units)
    assert folders["青江卷烟厂"] == "青江卷烟厂"  # an ordinary name keeps its plain folder
    jobs = plan_jobs(["2024Q4"], units, tmp_path, tmp_path, tmp_path, ["data_quality"], "fp")
    assert len({j.out_dir for j in jobs}) == len(units)


@pytest.mark.e2e
def test_a_unit_name_with_a_stray_space_is_not_a_report_of_zeros(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--unit ' 青江卷烟厂'` used to exit 0 and overwrite the real unit's PDF with zeros; the
    stray space is now stripped (metrics.scope), so it is the real unit with its real figures."""
    raw = raw_with_one_donation(tmp_path)
    (raw / "shishi.toml").write_text('[unit]\nname = "青江卷烟厂"\n', encoding="utf-8")
    reports = tmp_path / "r"
    code = main(["report", "--period", "2024Q4", "--raw", str(raw), "--out", str(tmp_path / "p"),
                 "--reports", str(reports), "--unit", " 青江卷烟厂"])  # fmt: skip
    assert code == ExitCode.OK
    [pdf] = list(reports.rglob("quarterly_summary.pdf"))
    assert pdf.parent.name == "青江卷烟厂"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "100元" in text and "未登记捐" not in text


# --- 4. Outputs replaced as a set ------------------------------------------------------------


def test_a_crash_while_staging_leaves_the_old_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = raw_with_one_donation(tmp_path)
    out = tmp_path / "out"
    run_clean(raw, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    raw_with_one_donation(tmp_path, donor="李四")

    def fail(*args, **kwargs):  # the manifest is written last: fail there
        raise OSError(errno.ENOSPC, "No space left on device")

    import metrics.cleaning.store as store

    monkeypatch.setattr(store, "json", type("BrokenJson", (), {"dumps": staticmethod(fail)}))
    with pytest.raises(OutputError):
        run_clean(raw, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_kill_during_the_swap_is_finished_by_the_next_reader(tmp_path: Path) -> None:
    """Killed after the set was complete but before every file was moved in: the next
    reader (or run) moves the rest in, so the tables and manifest always match."""
    raw = raw_with_one_donation(tmp_path)
    out = tmp_path / "out"
    run_clean(raw, out)
    newer = tmp_path / "newer"
    run_clean(raw_with_one_donation(tmp_path, donor="李四"), newer)
    stage = out / ".staging-killed"
    shutil.copytree(newer, stage)
    (stage / COMMIT_MARK).write_text("done")
    os.replace(stage / "donations.parquet", out / "donations.parquet")  # one file got through
    assert load_processed(out)["donations"]["donor"].tolist() == ["李四"]
    assert (out / "manifest.json").read_bytes() == (newer / "manifest.json").read_bytes()
    assert not stage.exists()


def test_stale_temp_files_are_cleared_at_start(tmp_path: Path) -> None:
    (tmp_path / ".staging-abc").mkdir()  # a run killed before its set was complete
    (tmp_path / ".staging-abc" / "wishes.parquet").write_bytes(b"half")
    (tmp_path / ".manifest.json.x1y2.tmp").write_text("{")
    (tmp_path / ".quarterly_summary.1a2b.running.ipynb").write_text("{}")
    (tmp_path / "quarterly_summary.pdf").write_bytes(b"%PDF keep")
    clear_stale(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["quarterly_summary.pdf"]


def test_a_missing_output_is_a_reason_to_redo(tmp_path: Path) -> None:
    job = Job("quarterly_summary", "2024Q4", "", tmp_path, {}, "fp")
    assert job.name in COMPANIONS
    for path in job.outputs:
        path.write_bytes(b"x")
    job.stamp.write_text("fp")
    assert job.up_to_date()
    (tmp_path / "quarterly_summary.xlsx").unlink()
    assert not job.up_to_date()


def echo_notebook(folder: Path, source: str, name: str) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(
        'unit = ""\nperiod = "2024Q4"\nprocessed_dir = ""\nraw_dir = ""\nmade_on = ""\nout_dir = ""'
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


COMPANION_WRITER = """
from pathlib import Path
for ext in ("docx", "xlsx"):
    Path(out_dir, "quarterly_summary." + ext).write_bytes(b"new " + ext.encode())
Path(out_dir, "charts").mkdir(exist_ok=True)
Path(out_dir, "charts", "c.png").write_bytes(b"new chart")
"""


@pytest.mark.e2e
def test_a_report_failing_after_its_companions_keeps_the_previous_set(tmp_path: Path) -> None:
    """The notebook writes its Word and Excel files, then fails: the old ipynb, PDF, docx and
    xlsx stay together (before, the new docx and xlsx sat beside the old PDF)."""
    from metrics.running import batch

    nbs = echo_notebook(
        tmp_path / "nbs", COMPANION_WRITER + "raise RuntimeError('late')", "quarterly_summary"
    )
    raw = raw_with_one_donation(tmp_path)
    [job] = plan_jobs(
        ["2024Q4"], [""], tmp_path / "r", tmp_path / "p", raw, ["quarterly_summary"], "fp", nbs
    )
    assert {p.suffix for p in job.outputs} == {
        ".pdf",
        ".ipynb",
        ".json",  # the published headline figures (running/versions.py)
        *(f".{e}" for e in COMPANIONS[job.name]),
    }
    job.out_dir.mkdir(parents=True)
    old = {p.name: b"old " + p.name.encode() for p in job.outputs}
    for p in job.outputs:
        p.write_bytes(old[p.name])
    result = batch.run_jobs([job], force=True)
    assert len(result.failed) == 1 and "late" in result.failed[0][1]
    kept = {
        p.name: p.read_bytes()
        for p in job.out_dir.iterdir()
        if p.is_file() and not p.name.startswith(".")
    }
    assert kept.pop("quarterly_summary.failed.ipynb")  # the log is kept beside the report
    assert kept == old and not (job.out_dir / "charts").exists()
    echo_notebook(nbs, COMPANION_WRITER, "quarterly_summary")
    result = batch.run_jobs([job], force=True)
    assert result.made == [job]
    assert job.pdf.read_bytes().startswith(b"%PDF") and job.up_to_date()
    assert (job.out_dir / "quarterly_summary.docx").read_bytes() == b"new docx"
    assert (job.out_dir / "charts" / "c.png").read_bytes() == b"new chart"
    assert [p.name for p in job.out_dir.iterdir() if p.name.startswith(".staging")] == []


# --- 8 and 14. Edge conditions are one Chinese line with their exit code ---------------------


def test_disk_full_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = raw_with_one_donation(tmp_path)

    def full(self, path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    assert main(["clean", "--raw", str(raw), "--out", str(tmp_path / "out")]) == ExitCode.OUTPUT
    err = capsys.readouterr().err
    assert "磁盘空间不足" in err and "Traceback" not in err


@pytest.mark.parametrize("what", ["file", "readonly"])
def test_unwritable_out_is_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    what: str,
) -> None:
    raw = raw_with_one_donation(tmp_path)
    out = tmp_path / "out"
    if what == "file":
        out.write_text("I am a file")
    else:  # tests run as root, who may write anywhere: the file system says no instead
        real_mkdir = Path.mkdir

        def readonly(self: Path, *args, **kwargs):
            if self == out:
                raise OSError(errno.EROFS, "Read-only file system")
            return real_mkdir(self, *args, **kwargs)

        monkeypatch.setattr(Path, "mkdir", readonly)
    assert main(["clean", "--raw", str(raw), "--out", str(out)]) == ExitCode.OUTPUT
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 2  # message + 处理办法
    assert ("不是文件夹" if what == "file" else "只读") in err


def test_template_given_an_existing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "templates.xlsx"
    target.write_bytes(b"mine")
    assert main(["template", str(target)]) == ExitCode.OUTPUT
    err = capsys.readouterr().err
    assert "同名文件" in err and "Traceback" not in err
    assert target.read_bytes() == b"mine"


class ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


def test_output_piped_into_head_is_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = raw_with_one_donation(tmp_path)
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["clean", "--raw", str(raw), "--out", str(tmp_path / "out")]) == ExitCode.OK
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("where", ["same", "inside"])
def test_out_in_raw_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    raw = raw_with_one_donation(tmp_path)
    before = sorted(p.name for p in raw.rglob("*"))
    out = raw if where == "same" else raw / "processed"
    assert main(["clean", "--raw", str(raw), "--out", str(out)]) == ExitCode.USAGE
    assert "原始数据文件夹" in capsys.readouterr().err
    code = main(["report", "--period", "2024Q4", "--raw", str(raw), "--out", str(tmp_path / "p"),
                 "--reports", str(raw / "reports")])  # fmt: skip
    assert code == ExitCode.USAGE
    assert sorted(p.name for p in raw.rglob("*")) == before


# --- 9 and 15. Names and text shown safely: charts, PDF tables, Excel ------------------------


@pytest.mark.parametrize("name", ["100%$\\frac$", "成本$5-$10礼盒"])
def test_dollar_signs_in_names_are_drawn_as_written(name: str) -> None:
    from metrics.reporting.charts import bar_chart

    fig = bar_chart([name, "普通产品"], [10, 5], "采购$额$")
    fig.savefig(io.BytesIO(), format="png")  # a mathtext parse error would raise here
    [label] = [t for t in fig.axes[0].get_yticklabels() if t.get_text() == name]
    assert label._preprocess_math(name) == (name, False)  # drawn as text, not as math


@pytest.mark.parametrize(
    "text", [" =1+1", "\n=cmd", "\t+1", "＝1+1", "＋1", "－1", "＠SUM(A1)", "　=1"]
)
def test_formula_neutralisation_covers_spaces_newlines_and_full_width(text: str) -> None:
    assert neutralize_formula(text) == "'" + text


def test_bidi_controls_are_removed_from_pdf_html() -> None:
    from metrics.reporting.present import paragraph, table

    evil = "捐赠\u202e元0001\u202c方"
    cell = table(pd.DataFrame({"donor": [evil]}), {"donor": "捐赠方"}).data
    assert "\u202e" not in cell and "捐赠元0001方" in cell
    assert "\u202e" not in paragraph(evil).data


def test_long_cells_are_cut_in_pdf_tables_only() -> None:
    from metrics.reporting.present import table

    long = "服务成果" * 5000  # 20,000 characters
    cell = table(pd.DataFrame({"outcome": [long]}), {"outcome": "服务成果"}).data
    shown = html.unescape(cell.split("<td>")[1].split("</td>")[0])
    assert len(shown) == safe_text.MAX_CELL_CHARS and shown.endswith("…")
    assert long.startswith(shown[:-1])


def test_undrawable_characters_are_a_visible_mark_and_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(safe_text, "covered_codepoints", lambda: frozenset())
    with pytest.warns(UserWarning, match="U\\+20000"):
        assert safe_text.for_display("职工𠀀😀") == "职工〓〓"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert safe_text.for_display("职工") == "职工"  # common text costs no font lookup


def test_undrawable_follows_the_installed_fonts() -> None:
    covered = safe_text.covered_codepoints()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shown = safe_text.for_display("𠀀😀")
    for ch, out in zip("𠀀😀", shown, strict=True):
        assert out == (ch if ord(ch) in covered else "〓")


# --- 10. Nothing left running ----------------------------------------------------------------


def test_jobs_are_capped_by_cpus_and_reports() -> None:
    cpus = os.cpu_count() or 1
    assert cap_jobs(1000, 2) == min(2, cpus)
    assert cap_jobs(1000) == cpus and cap_jobs(0, 5) == 1


def _descendants_of(pid: int) -> list:
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


@pytest.mark.e2e
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_run_leaves_no_process(tmp_path: Path, sig: int) -> None:
    """`shishi report --jobs 2` stopped while its workers and kernels run: none survives."""
    import psutil

    nbs = echo_notebook(tmp_path / "nbs", "import time\ntime.sleep(60)", "quarterly_summary")
    echo_notebook(nbs, "import time\ntime.sleep(60)", "data_quality")
    raw = raw_with_one_donation(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "src")}
    cmd = [sys.executable, "-m", "metrics.running.cli", "report", "--period", "2024Q4",
           "--raw", str(raw), "--out", str(tmp_path / "p"), "--reports", str(tmp_path / "r"),
           "--notebooks", str(nbs), "--jobs", "2"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen: dict[int, psutil.Process] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until both reports' kernels are busy
        for child in _descendants_of(proc.pid):
            seen[child.pid] = child
        kernels = [p for p in seen.values() if _is_kernel(p)]
        if len(kernels) >= 2:
            break
        time.sleep(0.3)
    assert len([p for p in seen.values() if _is_kernel(p)]) >= 2, "the run never started"
    time.sleep(1)
    for child in _descendants_of(proc.pid):
        seen[child.pid] = child
    proc.send_signal(sig)
    proc.communicate(timeout=30)
    if sig == signal.SIGTERM:
        assert proc.returncode == ExitCode.INTERRUPTED
    _gone, alive = psutil.wait_procs(list(seen.values()), timeout=15)
    assert alive == [], [p.cmdline() for p in alive if p.is_running()]


def _is_kernel(p) -> bool:
    try:
        return "ipykernel" in " ".join(p.cmdline())
    except Exception:
        return False


# --- 16. The exporter fetches only its own assets --------------------------------------------


def test_exporter_refuses_local_files_and_the_web(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("机密")
    own = tmp_path / "reports" / "chart.png"
    own.parent.mkdir()
    own.write_bytes(b"png")
    roots = [TEMPLATES_DIR.resolve(), own.parent.resolve()]
    for url in [secret.as_uri(), "http://example.com/x.png", "file://host/etc/passwd",
                (own.parent / ".." / "secret.txt").as_uri()]:  # fmt: skip
        with pytest.raises(ValueError):
            _allowed_url(url, roots)
    assert _allowed_url(own.as_uri(), roots) == own.as_uri()
    css = (TEMPLATES_DIR / "shishi_pdf" / "report.css").as_uri()
    assert _allowed_url(css, roots) == css
    assert _allowed_url("data:image/png;base64,AAAA", roots).startswith("data:")


@pytest.mark.e2e
def test_pdf_embeds_no_local_file_and_escapes_errors(tmp_path: Path) -> None:
    from nbconvert.exporters import HTMLExporter
    from pypdf import PdfReader

    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(f'<link rel="attachment" href="{secret.as_uri()}">附件'),
        nbformat.v4.new_code_cell(
            "1/0",
            outputs=[
                nbformat.v4.new_output(
                    "error", ename="X", evalue="<img src=x onerror=1>", traceback=[]
                )
            ],
        ),
    ]
    exporter = ShishiPDFExporter()
    page, _ = HTMLExporter.from_notebook_node(exporter, nb)
    assert "&lt;img src=x" in page and "<img src=x" not in page
    pdf, _ = exporter.from_notebook_node(nb)
    assert PdfReader(io.BytesIO(pdf)).attachments == {}


# --- 17. Written files follow the umask ------------------------------------------------------


def test_written_files_follow_the_umask(tmp_path: Path) -> None:
    from metrics.cleaning.ledger_templates import write_templates
    from metrics.reporting.export import export_tables

    old = os.umask(0o022)
    try:
        raw = raw_with_one_donation(tmp_path)
        run_clean(raw, tmp_path / "out")
        written = [p for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")]
        written += write_templates(tmp_path / "templates")
        written.append(export_tables(tmp_path / "x.xlsx", {"t": pd.DataFrame({"a": [1]})}))
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in written}
    assert len(modes) >= 7 and set(modes.values()) == {0o644}, modes


def test_a_workbook_fixture_is_still_read(tmp_path: Path) -> None:
    """The hardening keeps ordinary files ordinary: an .xlsx written by openpyxl is read."""
    raw = tmp_path / "raw"
    raw.mkdir()
    wb = Workbook()
    wb.active.append(["日期", "捐赠方", "金额"])
    wb.active.append(["2024-10-01", "张三", 100])
    wb.save(raw / "捐款.xlsx")
    assert run_clean(raw, None).tables["donations"]["amount_yuan"].tolist() == [100.0]
