"""Plan and run report jobs: which (period, unit, report) to make, which are already up to date.

A job is redone only when its fingerprint changes - the sha256 of the inputs, of the code and
notebooks, and of its parameters - so an unchanged refresh costs nothing. Jobs run in a process
pool (one papermill kernel each) with a progress bar, and end with a summary of what was made,
skipped and failed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metrics.periods import Period
from metrics.render import (
    NOTEBOOKS_DIR,
    ReportFailed,
    render_report,
    safe_name,
    start_kernel,
    stop_kernel,
)

REPORTS = ("quarterly_summary", "data_quality")
#: Reports whose figures also go out as an Excel workbook next to the PDF.
EXPORTED = {"quarterly_summary"}
PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass
class Job:
    """One PDF to make."""

    name: str
    period: str
    unit: str
    out_dir: Path
    parameters: dict[str, Any]
    fingerprint: str = ""
    notebooks_dir: Path = NOTEBOOKS_DIR

    @property
    def pdf(self) -> Path:
        return self.out_dir / f"{self.name}.pdf"

    @property
    def stamp(self) -> Path:
        return self.out_dir / f".{self.name}.fingerprint"

    def up_to_date(self) -> bool:
        return (
            self.pdf.exists() and self.stamp.exists() and self.stamp.read_text() == self.fingerprint
        )


@dataclass
class BatchResult:
    made: list[Job] = field(default_factory=list)
    skipped: list[Job] = field(default_factory=list)
    failed: list[tuple[Job, str]] = field(default_factory=list)


def code_fingerprint(notebooks_dir: Path = NOTEBOOKS_DIR) -> str:
    """sha256 over the library's sources, data files and the report notebooks."""
    digest = hashlib.sha256()
    files = sorted(PACKAGE_DIR.rglob("*.py")) + sorted(PACKAGE_DIR.rglob("*.toml"))
    files += sorted(PACKAGE_DIR.joinpath("templates").rglob("*")) + sorted(
        notebooks_dir.glob("*.ipynb")
    )
    for path in files:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def inputs_fingerprint(manifest: dict[str, Any]) -> str:
    """sha256 over the raw files' hashes as listed in the manifest."""
    items = sorted((f["file"], f.get("sha256") or "") for f in manifest["files"])
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()


def plan_jobs(
    periods: Sequence[str],
    units: Sequence[str],
    reports_dir: Path,
    processed_dir: Path,
    raw_dir: Path,
    only: Sequence[str] | None,
    base_fingerprint: str,
    notebooks_dir: Path = NOTEBOOKS_DIR,
) -> list[Job]:
    """Every (period, unit, report) job, with output folders made safe from odd unit names."""
    jobs = []
    for label in periods:
        period = Period.parse(label)
        for unit in units:
            out = reports_dir / safe_name(period.label)
            if unit:
                out = out / safe_name(unit, fallback="unit")
            for name in only or REPORTS:
                if not (notebooks_dir / f"{name}.ipynb").exists():
                    raise ValueError(
                        f"没有名为 {name} 的报告（{notebooks_dir} 中找不到 {name}.ipynb）；"
                        f"可选：{'、'.join(REPORTS)}"
                    )
                params = {
                    "period": period.label,
                    "unit": unit,
                    "processed_dir": str(processed_dir.resolve()),
                    "raw_dir": str(raw_dir.resolve()),
                    "made_on": dt.date.today().isoformat(),
                }
                stamp = {k: v for k, v in params.items() if k != "made_on"}
                fp = hashlib.sha256(
                    (base_fingerprint + name + json.dumps(stamp, sort_keys=True)).encode()
                ).hexdigest()
                jobs.append(Job(name, period.label, unit, out, params, fp, notebooks_dir))
    return jobs


def export_workbook(job: Job) -> Path:
    """The processed tables and the KPI tables behind a leadership report, in one .xlsx."""
    from metrics import kpi
    from metrics.store import load_processed
    from metrics.templates_xlsx import export_tables

    tables = kpi.filter_unit(load_processed(Path(job.parameters["processed_dir"])), job.unit)
    sheets = kpi.kpi_tables(tables, Period.parse(job.period)) | tables
    return export_tables(job.out_dir / f"{job.name}.xlsx", sheets)


def _run_job(job: Job, km: Any | None = None) -> str:
    """Worker: render one report (and its workbook) and stamp it (runs in a child process)."""
    render_report(job.name, job.out_dir, job.parameters, job.notebooks_dir, km=km)
    if job.name in EXPORTED:
        export_workbook(job)
    tmp = job.stamp.with_suffix(".tmp")
    tmp.write_text(job.fingerprint)
    os.replace(tmp, job.stamp)
    return str(job.pdf)


def run_jobs(
    jobs: list[Job], workers: int = 1, force: bool = False, km: Any | None = None
) -> BatchResult:
    """Run what is not up to date, `workers` at a time, with a progress bar on stderr.

    ``km``, a kernel already started (see :func:`metrics.render.start_kernel`), serves the
    first job of a serial run; it is shut down in any case.
    """
    from tqdm import tqdm

    result = BatchResult()
    todo = []
    for job in jobs:
        (todo.append(job) if force or not job.up_to_date() else result.skipped.append(job))
    if not todo or not (workers <= 1 or len(todo) == 1):
        stop_kernel(km)
        km = None
    if not todo:
        return result
    bar = tqdm(total=len(todo), desc="生成报告", unit="份", file=sys.stderr, disable=None)
    if workers <= 1 or len(todo) == 1:
        for job in todo:
            bar.set_postfix_str(f"{job.period} {job.unit} {job.name}".strip())
            _collect(job, lambda j=job, k=km: _run_job(j, k), result)
            km = None  # a kernel serves one notebook only: no state carried between reports
            bar.update()
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_run_job, job): job for job in todo}
            for fut in as_completed(futures):
                _collect(futures[fut], fut.result, result)
                bar.update()
    bar.close()
    return result


def _collect(job: Job, get: Callable[[], str], result: BatchResult) -> None:
    try:
        get()
        result.made.append(job)
    except ReportFailed as exc:
        result.failed.append((job, str(exc)))
    except Exception as exc:  # a broken report must not stop the others
        result.failed.append((job, f"{job.name}: {type(exc).__name__}: {exc}"))


def run_reports(
    periods: Sequence[str],
    raw_dir: Path,
    processed_dir: Path,
    reports_dir: Path,
    unit: str = "",
    jobs: int = 1,
    force: bool = False,
    only: Sequence[str] | None = None,
    on_clean: Callable[[Any], None] | None = None,
    notebooks_dir: Path = NOTEBOOKS_DIR,
) -> int:
    """`shishi report`: clean once, then make every requested report; exit code for the CLI."""
    from metrics.store import run_clean

    for label in periods:
        Period.parse(label)  # fail fast, before cleaning, on a mistyped period
    # the first report's kernel boots (a separate process) while this one cleans the data
    km = start_kernel(notebooks_dir) if jobs <= 1 else None
    try:
        outcome = run_clean(raw_dir, processed_dir)
        if on_clean:
            on_clean(outcome)
        if unit == "all":
            units = sorted(
                {u for f in outcome.tables.values() for u in f["unit"].dropna().unique()}
            )
            units = units or [""]
        else:
            units = [unit]
        base = code_fingerprint(notebooks_dir) + inputs_fingerprint(outcome.manifest)
        planned = plan_jobs(
            periods, units, reports_dir, processed_dir, raw_dir, only, base, notebooks_dir
        )
    except BaseException:
        stop_kernel(km)
        raise
    result = run_jobs(planned, workers=max(1, jobs), force=force, km=km)
    for job in result.made:
        print(f"已生成 {job.pdf}")
    for job in result.skipped:
        print(f"未变化，跳过 {job.pdf}（输入和代码都没有变；加 --force 可重新生成）")
    for _job, message in result.failed:
        print(f"失败：{message}", file=sys.stderr)
    print(f"完成：生成 {len(result.made)}，跳过 {len(result.skipped)}，失败 {len(result.failed)}")
    return 1 if result.failed else 0
