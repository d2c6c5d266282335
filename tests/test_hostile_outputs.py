"""Faults and hostile text on the way out: no mixed outputs, no traceback, nothing left running,
nothing fetched, nothing unreadable to the team.

Grouped by the promise each test guards; the numbers are the cases of issue 12, and the
tests of issue 21 (hardening round three) follow those of the promise they guard.
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
    if not (raw / "shishi.toml").exists():  # a report needs the unit's name (else exit 5)
        (raw / "shishi.toml").write_text('[unit]\nname = "青江卷烟厂"\n', encoding="utf-8")
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


# issue 21, cases 8 and 12: a set is published whole; versions/ holds only what shishi kept


def stamp_notebooks(folder: Path, leadership: str = "") -> Path:
    """Both reports, each showing a new token per run (so a new PDF differs from the old)."""
    show = "import uuid\nfrom IPython.display import HTML, display\ndisplay(HTML(f'<p>{uuid.uuid4()}</p>'))"
    echo_notebook(folder, COMPANION_WRITER + leadership + "\n" + show, "quarterly_summary")
    return echo_notebook(folder, show, "data_quality")


def published(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.endswith(".failed.ipynb")  # the log is not published
    }


@pytest.mark.e2e
@pytest.mark.parametrize("where", ["kernel", "pdf"])
def test_disk_full_while_publishing_keeps_the_published_set(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    """ENOSPC in the notebook (its Word file) or in the PDF write: exit 7 with the Chinese
    line, and the published set as it was (before: exit 6, data_quality.pdf published alone)."""
    from metrics.reporting import render

    raw = raw_with_one_donation(tmp_path)
    nbs = stamp_notebooks(tmp_path / "nbs")
    args = ["report", "--period", "2024Q4", "--raw", str(raw), "--out", str(tmp_path / "p"),
            "--reports", str(tmp_path / "r"), "--notebooks", str(nbs), "--force"]  # fmt: skip
    assert main(args) == ExitCode.OK
    out = tmp_path / "r" / "2024Q4"
    before = published(out)
    assert {"data_quality.pdf", "quarterly_summary.pdf", "quarterly_summary.docx"} <= set(before)
    if where == "kernel":
        stamp_notebooks(nbs, "raise OSError(28, 'No space left on device')")
    else:
        real = render.notebook_to_pdf

        def full(nb, pdf_path, marks=None, attachments=None):
            if pdf_path.name == "quarterly_summary.pdf":
                raise OSError(errno.ENOSPC, "No space left on device", str(pdf_path))
            return real(nb, pdf_path, marks)

        monkeypatch.setattr(render, "notebook_to_pdf", full)
    capsys.readouterr()
    assert main(args) == ExitCode.OUTPUT
    err = capsys.readouterr().err
    assert "磁盘空间不足" in err and "Traceback" not in err and "Errno" not in err
    assert published(out) == before  # data_quality.pdf included
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]


@pytest.mark.e2e
def test_a_set_whose_commit_fails_is_not_published_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both reports made, then the disk fills while the set is marked complete: nothing moves
    in, and the run says which output could not be written."""
    from metrics import files
    from metrics.running import batch

    nbs = stamp_notebooks(tmp_path / "nbs")
    raw = raw_with_one_donation(tmp_path)
    jobs = plan_jobs(["2024Q4"], [""], tmp_path / "r", tmp_path / "p", raw, None, "fp", nbs)
    jobs[0].out_dir.mkdir(parents=True)
    (jobs[0].out_dir / "data_quality.pdf").write_bytes(b"%PDF old")
    real_open = Path.open

    def full(self: Path, *args, **kwargs):
        if self.name == files.COMMIT_MARK:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", full)
    result = batch.run_jobs(jobs, force=True)
    assert not result.made and len(result.failed) == 2
    assert list(result.unwritten) == [jobs[0].out_dir]
    assert "磁盘空间不足" in str(result.unwritten[jobs[0].out_dir])
    assert sorted(p.name for p in jobs[0].out_dir.iterdir()) == ["data_quality.pdf"]
    assert (jobs[0].out_dir / "data_quality.pdf").read_bytes() == b"%PDF old"


@pytest.mark.e2e
def test_a_report_failing_in_a_shared_stage_leaves_only_its_own_files_out(tmp_path: Path) -> None:
    """The leadership notebook writes its Word and Excel files, then fails; the data-quality
    report of the same folder is published, and the old leadership set is kept whole."""
    from metrics.running import batch

    nbs = stamp_notebooks(tmp_path / "nbs", "raise RuntimeError('late')")
    raw = raw_with_one_donation(tmp_path)
    jobs = plan_jobs(["2024Q4"], [""], tmp_path / "r", tmp_path / "p", raw, None, "fp", nbs)
    out = jobs[0].out_dir
    out.mkdir(parents=True)
    for name in ["quarterly_summary.pdf", "quarterly_summary.docx", "quarterly_summary.xlsx"]:
        (out / name).write_bytes(b"old " + name.encode())
    result = batch.run_jobs(jobs, force=True)
    assert [j.name for j in result.made] == ["data_quality"] and not result.unwritten
    assert (out / "data_quality.pdf").read_bytes().startswith(b"%PDF")
    for name in ["quarterly_summary.pdf", "quarterly_summary.docx", "quarterly_summary.xlsx"]:
        assert (out / name).read_bytes() == b"old " + name.encode()
    assert not (out / "charts").exists()


def published_job(tmp_path: Path) -> Job:
    """A leadership report as published: its PDF, figures, Word file and charts."""
    job = Job("quarterly_summary", "2024Q4", "", tmp_path / "r" / "2024Q4", {}, "fp")
    job.out_dir.mkdir(parents=True)
    job.pdf.write_bytes(b"%PDF published")
    job.figures.write_text("{}", encoding="utf-8")
    (job.out_dir / "charts").mkdir()
    (job.out_dir / "charts" / "c.png").write_bytes(b"png")
    return job


def test_a_killed_run_leaves_no_duplicate_version(tmp_path: Path) -> None:
    """Each killed run used to copy the published set into versions/ again; the next run
    finds the copy by its content, and a half-made copy is cleared."""
    from metrics.running.versions import VERSIONS, keep_version, kept_versions

    job = published_job(tmp_path)
    first = keep_version(job)  # ... and the run is killed before its new set is published
    half = job.out_dir / VERSIONS / ".staging-killed"
    half.mkdir()
    (half / "quarterly_summary.pdf").write_bytes(b"%PDF half")
    assert keep_version(job) == first  # the next run: the same set, not copied again
    assert kept_versions(job.out_dir) == [first]
    assert [p.name for p in (job.out_dir / VERSIONS).iterdir()] == [first.name]
    assert (first / "charts" / "c.png").read_bytes() == b"png"
    job.pdf.write_bytes(b"%PDF a newer publication")
    assert keep_version(job) != first and len(kept_versions(job.out_dir)) == 2


def test_a_version_copies_no_link(tmp_path: Path) -> None:
    """A link in place of a published file is not followed into versions/."""
    from metrics.running.versions import keep_version

    secret = tmp_path / "secret.txt"
    secret.write_text("机密")
    job = published_job(tmp_path)
    (job.out_dir / "quarterly_summary.docx").symlink_to(secret)
    (job.out_dir / "charts" / "leak.png").symlink_to(secret)
    kept = keep_version(job)
    assert (kept / "quarterly_summary.pdf").read_bytes() == b"%PDF published"
    assert not (kept / "quarterly_summary.docx").exists()
    assert not (kept / "charts" / "leak.png").is_file()


def test_tampered_entries_are_said_not_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from metrics.running.cli import _print_outputs
    from metrics.running.versions import VERSIONS, keep_version, kept_versions

    job = published_job(tmp_path)
    (tmp_path / "elsewhere.pdf").write_bytes(b"%PDF not shishi's")
    kept = keep_version(job)
    versions = job.out_dir / VERSIONS
    (versions / "20240101-000000").mkdir()
    (versions / "20240101-000000" / "quarterly_summary.pdf").mkdir()  # a folder, not a PDF
    (versions / "20240102-000000").symlink_to(kept)  # a link to a real version
    unit = job.out_dir / "后勤"
    unit.mkdir()
    (unit / "quarterly_summary.pdf").symlink_to(tmp_path / "elsewhere.pdf")
    (unit / "data_quality.pdf").mkdir()
    assert kept_versions(job.out_dir) == [kept]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = published_job(tmp_path / "other")
    (other.out_dir / VERSIONS).symlink_to(elsewhere)  # a version would be written out there
    with pytest.raises(OutputError, match="不是 shishi 建的文件夹"):
        keep_version(other)
    assert list(elsewhere.iterdir()) == []
    _print_outputs(tmp_path / "r", ["2024Q4"])
    out, err = capsys.readouterr()
    assert "后勤/quarterly_summary.pdf" not in out and "后勤/data_quality.pdf" not in out
    assert "quarterly_summary.pdf" in out  # the real one
    for said in ["versions/20240101-000000 不是 shishi 保存的旧版", "versions/20240102-000000 是一个链接",
                 "quarterly_summary.pdf 是一个链接", "data_quality.pdf 是一个文件夹"]:  # fmt: skip
        assert said in err
    assert kept.name not in err


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


# issue 21, cases 4 and 5: one sanitiser for every text that leaves shishi

EVIL_FILE = "捐款\n\x1b[31m2024.csv"
EVIL_UNIT = "青江\u202e卷烟厂\x1b"


def test_one_sanitiser_escapes_controls_and_removes_bidi() -> None:
    assert safe_text.plain(EVIL_FILE) == "捐款\\n\\x1b[31m2024.csv"  # one printable line
    assert safe_text.escape_controls is safe_text.plain  # the terminal's, the same function
    assert safe_text.for_output(EVIL_UNIT) == "青江卷烟厂\\x1b"
    assert safe_text.for_output("第一行\n第二行") == "第一行\n第二行"  # a line break in a document
    assert safe_text.for_display(EVIL_FILE) == "捐款\n\\x1b[31m2024.csv"


def sample_report(tmp_path: Path):
    from metrics.reporting.loading import load_summary

    raw = raw_with_one_donation(tmp_path)
    run_clean(raw, tmp_path / "p")
    return load_summary("2024Q4", "", tmp_path / "p", raw)


def test_word_and_excel_take_control_characters_and_bidi(tmp_path: Path) -> None:
    """A unit name with an ESC or a bidi override: "All strings must be XML compatible"
    (python-docx) and IllegalCharacterError (openpyxl) before; now written, escaped."""
    from docx import Document
    from openpyxl import load_workbook

    from metrics.reporting import export

    r = sample_report(tmp_path)
    r.title = EVIL_UNIT + r.title
    r.metadata["author"] = EVIL_UNIT
    r.sentences.append(f"来自 {EVIL_FILE}")
    frame = r.source_tables["donations"]
    r.source_tables["donations"] = frame.assign(source_file=EVIL_FILE, source_sheet=EVIL_UNIT)
    r.tables[0].sheet = EVIL_UNIT  # a sheet named from data
    docx, xlsx = export.publish(r, tmp_path / "out")
    doc = Document(str(docx))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "青江卷烟厂\\x1b" in text and "\u202e" not in text and "\x1b" not in text
    assert doc.core_properties.author == "青江卷烟厂\\x1b"
    wb = load_workbook(xlsx)
    assert "青江卷烟厂_x1b" in wb.sheetnames  # the escape's \\ is no sheet-name character
    cells = [c for ws in wb for row in ws.iter_rows(values_only=True) for c in row]
    assert "捐款\n\\x1b[31m2024.csv" in cells
    assert not any(isinstance(c, str) and ("\x1b" in c or "\u202e" in c) for c in cells)


def test_pdf_html_and_chart_labels_take_the_same_sanitiser() -> None:
    from metrics.reporting.charts import bar_chart
    from metrics.reporting.present import paragraph, table
    from metrics.reporting.quality import todo_html

    cell = table(pd.DataFrame({"f": [EVIL_FILE]}), {"f": "文件"}).data
    assert "\x1b" not in cell and "\\x1b[31m" in cell
    assert "\x1b" not in paragraph(EVIL_UNIT).data and "\u202e" not in paragraph(EVIL_UNIT).data
    page = todo_html([{"file": EVIL_FILE, "message": EVIL_UNIT, "hint": "改名"}], pd.DataFrame())
    assert "\x1b" not in page and "\u202e" not in page and "\\x1b[31m" in page
    fig = bar_chart([EVIL_UNIT, "普通"], [2, 1], EVIL_FILE)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()] + [fig.axes[0].get_title()]
    assert not any("\x1b" in t or "\u202e" in t for t in labels)


@pytest.mark.e2e
def test_a_report_on_a_file_named_with_a_newline_and_an_escape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`shishi report` on a file whose name holds "\\n" and "\\x1b[31m": exit 0, every output
    made, the terminal escaped (before: the leadership notebook failed with
    IllegalCharacterError, exit 6, the ESC printed raw). A unit name holding a bidi override is
    refused where it is set (in::test_a_unit_name_must_be_printable)."""
    from openpyxl import load_workbook

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / EVIL_FILE).write_text(  # a column not read: its line names the file
        "日期,捐赠方,金额,身份证号\n2024-10-01,张三,100,110101199003071234\n", encoding="utf-8"
    )
    (raw / "shishi.toml").write_text('[unit]\nname = "青江卷烟厂"\n', encoding="utf-8")
    reports = tmp_path / "r"
    code = main(["report", "--period", "2024Q4", "--raw", str(raw), "--out", str(tmp_path / "p"),
                 "--reports", str(reports)])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == ExitCode.OK, err
    assert "\x1b" not in out + err and "\u202e" not in out + err
    [line] = [x for x in out.splitlines() if "未识别的列" in x]
    assert "捐款\\n\\x1b[31m2024.csv" in line  # said as an escape, never run by the terminal
    folder = reports / "2024Q4"
    for name in ["quarterly_summary.pdf", "quarterly_summary.docx", "quarterly_summary.xlsx",
                 "data_quality.pdf"]:  # fmt: skip
        assert (folder / name).is_file(), name
    cells = [
        c
        for ws in load_workbook(folder / "quarterly_summary.xlsx")
        for row in ws.iter_rows(values_only=True)
        for c in row
        if isinstance(c, str)
    ]
    assert any("\\x1b[31m2024.csv" in c for c in cells)
    assert not any("\x1b" in c or "\u202e" in c for c in cells)
    text = subprocess.run(
        ["pdftotext", str(folder / "data_quality.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "\\x1b[31m2024.csv" in text and "\x1b" not in text


# --- issue 21. Personal identifiers masked in every output that leaves the analyst's desk --


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "张伟 电话13812345678 身份证110101199003071234",
            "张伟 电话138****5678 身份证110101********1234",
        ),
        ("身份证号11010119900307123X。", "身份证号110101********123X。"),
        ("旧证110101900307123", "旧证110101*****7123"),
        ("+86 13912345678", "+86 139****5678"),
        ("办公室010-12345678", "办公室010-****5678"),
        ("卡号6222021234567890123", "卡号6222***********0123"),
        ("卡 6222 0212 3456 7890", "卡 6222 **** **** 7890"),
    ],
)
def test_identifiers_are_masked_keeping_their_shape(text: str, shown: str) -> None:
    from metrics.reporting.personal import mask

    assert mask(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "12,500元",
        "2024-10-01",
        "第1381234567号",
        "a13812345678b",
        "sha256 9f86d081884c7d659a2feaa0",
    ],
)
def test_numbers_that_are_no_identifier_stay(text: str) -> None:
    from metrics.reporting.personal import mask

    assert mask(text) == text


def test_the_workbook_masks_notes_but_keeps_the_transaction_number(tmp_path: Path) -> None:
    """The 备注 "张伟 电话13812345678 身份证110101199003071234" was copied whole into the
    捐款捐物明细 sheet of quarterly_summary.xlsx; a 16-digit 交易单号 is the ledger's own."""
    from openpyxl import load_workbook

    from metrics.reporting.export import DETAIL, detail_sheet, export_tables

    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-10-01"]),
            "donor": ["张伟 13812345678"],
            "ref": ["4200001234567890"],
            "amount_yuan": [13812345678.0],
            "note": ["张伟 电话13812345678 身份证110101199003071234"],
            "source_file": ["捐款.csv"],
        }
    )
    path = export_tables(
        tmp_path / "q.xlsx", {DETAIL["donations"]: detail_sheet("donations", frame)}
    )
    [header, row] = list(load_workbook(path)[DETAIL["donations"]].iter_rows(values_only=True))
    shown = dict(zip(header, row, strict=True))
    assert shown["备注"] == "张伟 电话138****5678 身份证110101********1234"
    assert shown["捐赠方"] == "张伟 138****5678"
    assert shown["交易单号"] == "4200001234567890"  # a reference number, not a bank card
    assert shown["金额（元）"] == 13812345678  # a number stays a number


def test_word_and_pdf_mask_identifiers(tmp_path: Path) -> None:
    from docx import Document

    from metrics.reporting import export
    from metrics.reporting.present import table

    r = sample_report(tmp_path)
    r.sentences.append("联系人电话13812345678")
    docx, _ = export.publish(r, tmp_path / "out")
    text = "".join(p.text for p in Document(str(docx)).paragraphs)
    assert "138****5678" in text and "13812345678" not in text
    cell = table(pd.DataFrame({"n": ["身份证110101199003071234"]}), {"n": "备注"}).data
    assert "110101********1234" in cell and "199003071234" not in cell


def test_the_data_quality_report_names_where_identifiers_were_not_what(tmp_path: Path) -> None:
    from metrics.reporting.personal import processed_note
    from metrics.scope import Scope

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "捐款2024.csv").write_text(
        "日期,捐赠方,金额,备注\n2024-10-01,张三,100,张伟 电话13812345678\n2024-10-02,李四,50,\n",
        encoding="utf-8",
    )
    run_clean(raw, tmp_path / "p")
    assert load_processed(tmp_path / "p")["donations"]["note"].tolist()[0].endswith("13812345678")
    note = processed_note(tmp_path / "p", Scope.whole())
    assert "捐款2024.csv（备注）" in note
    assert "13812345678" not in note and "张伟" not in note


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
