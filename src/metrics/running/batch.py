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
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metrics.errors import UsageError
from metrics.paths import PACKAGE_DIR
from metrics.periods import Period
from metrics.reporting.analyst import text_fingerprint
from metrics.reporting.render import NOTEBOOKS_DIR, ReportFailed, render_report, safe_name
from metrics.running.kernels import Kernels, start_pool, worker_kernels

REPORTS = ("quarterly_summary", "data_quality")
#: Reports that also write Word, Excel and chart files next to the PDF (given an out_dir).
COMPANIONS = {"quarterly_summary": ("docx", "xlsx")}


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
                    raise UsageError(
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
                if name in COMPANIONS:
                    params["out_dir"] = str(out.resolve())
                stamp = {k: v for k, v in params.items() if k != "made_on"}
                stamp["text"] = text_fingerprint(raw_dir, period, unit)  # 报告文字/<period>.md
                fp = hashlib.sha256(
                    (base_fingerprint + name + json.dumps(stamp, sort_keys=True)).encode()
                ).hexdigest()
                jobs.append(Job(name, period.label, unit, out, params, fp, notebooks_dir))
    return jobs


def _run_job(job: Job, start_next: bool = False, kernels: Kernels | None = None) -> str:
    """Render one report (and its workbook) and stamp it; in a pool worker or in-process.

    The report runs on the spare kernel of ``kernels`` (in a pool worker: the worker's own) if
    one is waiting. With ``start_next`` the next report's kernel boots while this one's PDF is
    laid out (each kernel serves one notebook only: no state is carried between reports).
    """
    kernels = kernels if kernels is not None else worker_kernels(job.notebooks_dir)
    render_report(
        job.name,
        job.out_dir,
        job.parameters,
        job.notebooks_dir,
        kernel=kernels.take(),
        after_execute=kernels.start_spare if start_next else None,
    )
    tmp = job.stamp.with_suffix(".tmp")
    tmp.write_text(job.fingerprint)
    os.replace(tmp, job.stamp)
    return str(job.pdf)


def run_jobs(
    jobs: list[Job],
    workers: int = 1,
    force: bool = False,
    kernels: Kernels | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> BatchResult:
    """Run what is not up to date, `workers` at a time, with a progress bar on stderr.

    ``kernels`` (with a kernel booted ahead) serves a serial run; ``pool`` (see
    :func:`metrics.running.kernels.start_pool`) a parallel one. Both are shut down here.
    """
    from tqdm import tqdm

    result = BatchResult()
    todo = []
    for job in jobs:
        (todo.append(job) if force or not job.up_to_date() else result.skipped.append(job))
    if pool is None and workers > 1 and len(todo) > 1:
        pool = start_pool(workers, todo[0].notebooks_dir)
    if kernels is None:
        kernels = Kernels(todo[0].notebooks_dir if todo else NOTEBOOKS_DIR)
    if pool is not None:
        kernels.close()  # the pool's workers have kernels of their own
    bar = tqdm(
        total=len(todo), desc="生成报告", unit="份", file=sys.stderr, disable=None if todo else True
    )
    try:
        if pool is not None and todo:
            _run_in_pool(pool, todo, max(workers, 1), result, bar)
        for i, job in enumerate(todo if pool is None else []):
            bar.set_postfix_str(f"{job.period} {job.unit} {job.name}".strip())
            more = i + 1 < len(todo)
            _collect(job, lambda j=job, m=more: _run_job(j, m, kernels), result)
            bar.update()
    finally:
        bar.close()
        kernels.close()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return result


def _run_in_pool(
    pool: ProcessPoolExecutor, todo: list[Job], workers: int, result: BatchResult, bar: Any
) -> None:
    """Keep ``workers`` jobs in flight, so the worker that finishes takes the next one.

    A job that will be followed on its worker (all but the last ``workers``, when jobs
    finish roughly in order) boots its successor's kernel during its own PDF layout.
    """
    queue = list(enumerate(todo))
    running: dict[Future[str], Job] = {}
    while queue or running:
        while queue and len(running) < workers:
            i, job = queue[0]
            try:
                running[pool.submit(_run_job, job, i < len(todo) - workers)] = job
            except BrokenProcessPool as exc:  # a worker died (killed, out of memory)
                for _, lost in queue:
                    result.failed.append((lost, f"{lost.name}: 报告进程意外退出，未生成（{exc}）"))
                    bar.update()
                queue.clear()
                break
            queue.pop(0)
        if not running:
            break
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for fut in done:
            _collect(running.pop(fut), fut.result, result)
            bar.update()


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
    progress: Callable[[], Any] | None = None,
) -> BatchResult:
    """`shishi report`: clean once, then make every requested report (the CLI says how it went)."""
    from metrics.cleaning.store import run_clean

    for label in periods:
        Period.parse(label)  # fail fast, before cleaning, on a mistyped period
    # report kernels boot (separate processes) while this one cleans the data: the first
    # report's kernel here, or one in each pool worker
    kernels = Kernels(notebooks_dir)
    if jobs <= 1:
        kernels.start_spare()
    pool = start_pool(jobs, notebooks_dir) if jobs > 1 else None
    try:
        if progress is None:
            outcome = run_clean(raw_dir, processed_dir)
        else:
            with progress() as bar:  # a bar over the rows, made by the caller (the CLI)
                outcome = run_clean(raw_dir, processed_dir, progress=bar)
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
        kernels.close()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        raise
    return run_jobs(planned, workers=max(1, jobs), force=force, kernels=kernels, pool=pool)
