"""Plan and run report jobs: which (period, scope, report) to make, which are already up to date.

A job is redone only when its fingerprint changes - the sha256 of everything that can change
a PDF: the raw files, every shishi.toml, the processed tables, the code and its version, the
notebooks' cells and the templates, and the job's parameters (period, unit, blockers, draft);
never lock files, hidden files or a notebook's saved outputs - or when one of its outputs is
missing. Before each scope and period is rendered, the completeness gate
(:mod:`metrics.running.gate`) decides whether the leadership report may go out; a published
leadership report is kept in ``versions/`` when what a reader sees in it changes, and the new
one says what changed (:mod:`metrics.running.versions`, which also names the published
reports a correction has made out of date). Jobs run in a process pool (one papermill kernel
each) with a progress bar, and end with a summary of what was made, skipped and failed.
"""

from __future__ import annotations

import datetime as dt
import functools
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

from metrics import version
from metrics.errors import OutputError, ShishiError, UsageError, output_error
from metrics.paths import PACKAGE_DIR
from metrics.periods import Period
from metrics.reporting.analyst import text_fingerprint
from metrics.reporting.render import (
    NOTEBOOKS_DIR,
    ReportFailed,
    render_report,
    safe_name,
    unit_folders,
)
from metrics.running.kernels import Kernels, start_pool, worker_kernels
from metrics.scope import Scope, UnitRequest

REPORTS = ("quarterly_summary", "data_quality")
#: Reports that also write files next to the PDF (given an out_dir): Word, Excel and charts;
#: the data-quality report's full lists (data_quality_*.csv) that its pages summarise.
COMPANIONS: dict[str, tuple[str, ...]] = {"quarterly_summary": ("docx", "xlsx"), "data_quality": ()}
#: The report leadership reads: withheld when the gate finds the figures incomplete.
LEADERSHIP = "quarterly_summary"
#: Marked on every page of a leadership report made from incomplete figures (--draft).
DRAFT_LABEL = "草稿 · 数据不完整"


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
    #: page label and summary-page boxes laid over the PDF (draft); see render.mark_html
    marks: dict[str, str] = field(default_factory=dict)
    #: where the version this job replaces was kept (see running/versions.py), if any
    previous: Path | None = None
    #: the staging folder shared by this run's jobs of out_dir: their set is published
    #: together or not at all (see :func:`run_jobs`); None: the job's own
    stage: Path | None = None

    @property
    def pdf(self) -> Path:
        return self.out_dir / f"{self.name}.pdf"

    @property
    def stamp(self) -> Path:
        return self.out_dir / f".{self.name}.fingerprint"

    @property
    def figures(self) -> Path:
        """The published headline figures, to compare a later version against."""
        return self.out_dir / f"{self.name}.figures.json"

    @property
    def outputs(self) -> list[Path]:
        """Every file this job writes: one missing is a reason to redo the job."""
        out = [self.pdf, self.out_dir / f"{self.name}.ipynb"]
        out += [self.out_dir / f"{self.name}.{ext}" for ext in COMPANIONS.get(self.name, ())]
        if self.name == LEADERSHIP:
            out.append(self.figures)
        return out

    def up_to_date(self) -> bool:
        return (
            all(p.exists() for p in self.outputs)
            and self.stamp.exists()
            and self.stamp.read_text() == self.fingerprint
        )


@dataclass
class BatchResult:
    made: list[Job] = field(default_factory=list)
    skipped: list[Job] = field(default_factory=list)
    failed: list[tuple[Job, str]] = field(default_factory=list)
    #: (period, scope) -> what makes its figures incomplete (see running/gate.py); only the blocked
    blockers: dict[tuple[str, Scope], list[Any]] = field(default_factory=dict)
    #: whether --draft asked for leadership reports despite the blockers
    draft: bool = False
    #: published leadership reports the data no longer give: 需重新生成 (running/versions.py)
    stale: list[dict[str, Any]] = field(default_factory=list)
    #: (period, scope) -> the cells of its receipt matrix to act on that do not block (迟到)
    receipt_notes: dict[tuple[str, Scope], list[tuple[str, str]]] = field(default_factory=dict)
    #: output folder -> why its reports could not be written (disk full, no permission):
    #: none of that folder's new reports is published, and the run exits 7, not 6
    unwritten: dict[Path, OutputError] = field(default_factory=dict)


def code_fingerprint(notebooks_dir: Path = NOTEBOOKS_DIR) -> str:
    """sha256 over the code version, the library's sources, data files, templates and the
    report notebooks (their cells only: see :func:`notebook_source`)."""
    digest = hashlib.sha256(version().encode())
    files = sorted(PACKAGE_DIR.rglob("*.py")) + sorted(PACKAGE_DIR.rglob("*.toml"))
    files += sorted(PACKAGE_DIR.joinpath("templates").rglob("*"))
    for path in files:
        if path.is_file() and not ignored_file(path.name):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    for path in sorted(notebooks_dir.glob("*.ipynb")):
        if not ignored_file(path.name):
            digest.update(path.name.encode())
            digest.update(notebook_source(path))
    return digest.hexdigest()


def ignored_file(name: str) -> bool:
    """An Excel lock file (``~$…``) or a hidden file: never part of a fingerprint.

    Excel leaves a lock file beside every workbook it has open, and editors and file managers
    leave hidden ones (.DS_Store, .~lock…#); none of them can change a report.
    """
    return any(part.startswith(("~$", ".")) for part in Path(name).parts)


def notebook_source(path: Path) -> bytes:
    """What in a notebook can change a report: each cell's type, tags and source.

    Outputs, execution counts and metadata are left out, so a notebook opened and saved in
    JupyterLab (which writes all three) is not a change.
    """
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = [
            [c.get("cell_type"), c.get("metadata", {}).get("tags", []), c.get("source", "")]
            for c in nb.get("cells", [])
        ]
    except (ValueError, AttributeError):  # not a notebook papermill can run: its bytes
        return path.read_bytes()
    return json.dumps(
        [[t, tags, "".join(src) if isinstance(src, list) else src] for t, tags, src in cells],
        ensure_ascii=False,
    ).encode()


def inputs_fingerprint(manifest: dict[str, Any], raw_dir: Path | None = None) -> str:
    """sha256 over the raw files' hashes as listed in the manifest, and every shishi.toml
    under the raw folder (a fixed header synonym or pin changes the report); lock files and
    hidden files are left out (:func:`ignored_file`)."""
    items = sorted(
        (f["file"], f.get("sha256") or "") for f in manifest["files"] if not ignored_file(f["file"])
    )
    digest = hashlib.sha256(json.dumps(items).encode())
    if raw_dir is not None and Path(raw_dir).is_dir():
        for path in sorted(Path(raw_dir).rglob("shishi.toml")):
            digest.update(path.relative_to(raw_dir).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def processed_fingerprint(outcome: Any) -> str:
    """sha256 over the processed tables' contents, rejects, warnings and the row accounting
    (not the files' bytes, which carry write times; not the lock and hidden files passed over)."""

    digest = hashlib.sha256()
    for name, frame in sorted(outcome.tables.items()):
        digest.update(name.encode())
        digest.update(",".join(map(str, frame.columns)).encode())
        digest.update(_frame_hash(frame))
    for frame in (outcome.rejects, outcome.warnings):
        digest.update(_frame_hash(frame))
    stable = {k: v for k, v in outcome.manifest.items() if k not in ("generated_at", "raw_dir")}
    for key in ("files", "notices"):  # a lock file or hidden file read past is no change
        stable[key] = [
            f
            for f in stable.get(key, [])
            if not (isinstance(f, dict) and ignored_file(str(f.get("file", ""))))
        ]
    digest.update(json.dumps(stable, sort_keys=True, default=str, ensure_ascii=False).encode())
    return digest.hexdigest()


def _frame_hash(frame: Any) -> bytes:
    """A table's contents as bytes to hash: per-row hashes of its typed columns."""
    import pandas as pd

    try:
        hashed = pd.util.hash_pandas_object(frame, index=False)
    except TypeError:  # a column of unhashable values (lists): hash their text instead
        hashed = pd.util.hash_pandas_object(frame.astype(str), index=False)
    return bytes(hashed.to_numpy().tobytes())


def plan_jobs(
    periods: Sequence[str | Period],
    units: Sequence[Scope | str],
    reports_dir: Path,
    processed_dir: Path,
    raw_dir: Path,
    only: Sequence[str] | None,
    base_fingerprint: str,
    notebooks_dir: Path = NOTEBOOKS_DIR,
    blockers: dict[tuple[str, Scope], list[Any]] | None = None,
    draft: bool = False,
    stale: list[dict[str, Any]] | None = None,
    receipts: dict[tuple[str, Scope], list[dict[str, Any]]] | None = None,
) -> list[Job]:
    """Every (period, scope, report) job, with output folders made safe from odd unit names.

    A (period, scope) with blockers gets its data-quality report (which opens with them as a
    to-do list) and a leadership report only as a marked draft, when ``draft`` is asked for.
    A scope's data-quality reports list its ``stale`` published reports (需重新生成).
    """
    jobs = []
    scopes = [u if isinstance(u, Scope) else Scope(u or None) for u in units]
    folders = unit_folders(s.unit for s in scopes if s.unit)  # distinct even for look-alikes
    for label in periods:
        period = label if isinstance(label, Period) else Period.parse(label)
        for scope in scopes:
            found = (blockers or {}).get((period.label, scope), [])
            out = reports_dir / safe_name(period.label)
            if scope.unit:
                out = out / folders[scope.unit]
            for name in only or REPORTS:
                if not (notebooks_dir / f"{name}.ipynb").exists():
                    raise UsageError(
                        f"没有名为 {name} 的报告（{notebooks_dir} 中找不到 {name}.ipynb）；"
                        f"可选：{'、'.join(REPORTS)}"
                    )
                if name == LEADERSHIP and found and not draft:
                    continue  # never a confident, wrong leadership PDF
                params: dict[str, Any] = {
                    "period": period.label,
                    "unit": scope.param,
                    "processed_dir": str(processed_dir.resolve()),
                    "made_on": dt.date.today().isoformat(),
                    # leadership: unit name, targets, the analyst's text; data quality: where
                    # each missing ledger was looked for (收表情况)
                    "raw_dir": str(raw_dir.resolve()),
                }
                if name in COMPANIONS:
                    params["out_dir"] = str(out.resolve())
                marks: dict[str, str] = {}
                if name != LEADERSHIP and stale:
                    params["stale_reports"] = [s for s in stale if s["unit"] == scope.param]
                if name != LEADERSHIP and (period.label, scope) in (receipts or {}):
                    params["receipts"] = (receipts or {})[(period.label, scope)]  # first page
                if found:
                    params["blockers"] = [b.as_dict() for b in found]
                    if name == LEADERSHIP:
                        params["draft"] = True
                        marks = {"page_label": DRAFT_LABEL}  # the notebook lists what is missing
                stamp = {k: v for k, v in params.items() if k != "made_on"}
                stamp["text"] = text_fingerprint(
                    raw_dir, period, scope.param
                )  # 报告文字/<period>.md
                fp = hashlib.sha256(
                    (base_fingerprint + name + json.dumps(stamp, sort_keys=True)).encode()
                ).hexdigest()
                jobs.append(
                    Job(name, period.label, scope.param, out, params, fp, notebooks_dir, marks)
                )
    return jobs


def _run_job(job: Job, start_next: bool = False, kernels: Kernels | None = None) -> str:
    """Render one report (and its workbook) and stamp it; in a pool worker or in-process.

    The report runs on the spare kernel of ``kernels`` (in a pool worker: the worker's own) if
    one is waiting. With ``start_next`` the next report's kernel boots while this one's PDF is
    laid out (each kernel serves one notebook only: no state is carried between reports).
    ipynb, PDF, Word, workbook, charts, figures and the stamp are made in a staging folder: the
    job's own, or the one its folder's jobs share (``job.stage``, published by :func:`run_jobs`).
    """
    from metrics.files import staged

    if job.stage is not None:
        try:
            return _render_into(job, job.stage, start_next, kernels)
        except BaseException:  # what it wrote must not be published with the others
            _drop_from_stage(job, job.stage)
            raise
    with staged(job.out_dir) as stage:
        return _render_into(job, stage, start_next, kernels)


def _drop_from_stage(job: Job, stage: Path) -> None:
    """Remove a failed job's files (its companions and charts too) from a shared stage."""
    import shutil

    names = [p.name for p in job.outputs] + [job.stamp.name]
    for path in [stage / n for n in names] + ([stage / "charts"] if job.name in COMPANIONS else []):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _render_into(job: Job, stage: Path, start_next: bool, kernels: Kernels | None) -> str:
    from metrics.running.versions import figures_json, prepare, write_figures

    kernels = kernels if kernels is not None else worker_kernels(job.notebooks_dir)
    marks = dict(job.marks)
    body: dict[str, Any] = {}
    if job.name == LEADERSHIP:  # a new version only if what a reader sees changed
        body, revision = prepare(job)
        marks |= revision
    # serialised once: the file beside the PDF and the PDF's attachment are the same bytes
    stored = figures_json(job, body) if body else b""
    parameters = dict(job.parameters)
    if "out_dir" in parameters:  # the notebook writes its companions to out_dir
        parameters["out_dir"] = str(stage.resolve())
    try:
        render_report(
            job.name,
            stage,
            parameters,
            job.notebooks_dir,
            kernel=kernels.take(),
            after_execute=kernels.start_spare if start_next else None,
            marks=marks,
            # the figures travel inside the PDF too: a forwarded PDF still carries them
            attachments={job.figures.name: stored} if stored else None,
        )
    except ReportFailed as exc:  # the failed notebook is the log: keep it beside the PDF
        kept = job.out_dir / exc.log_path.name
        if exc.log_path.exists():
            os.replace(exc.log_path, kept)
            exc.log_path = kept
        raise
    if body.get("revision"):  # the Word version carries the same 修订 table
        from metrics.reporting.word import add_revision

        add_revision(stage / f"{job.name}.docx", body["revision"])
    if stored:
        write_figures(job, stored, stage)
    (stage / job.stamp.name).write_text(job.fingerprint)
    return str(job.pdf)


def cap_jobs(jobs: int, todo: int | None = None) -> int:
    """--jobs within reason: at most one worker per CPU and per report to make, at least one.

    Each worker holds a notebook kernel (~300 MB); more workers than CPUs only add memory.
    """
    cap = os.cpu_count() or 1
    if todo is not None:
        cap = min(cap, todo)
    return max(1, min(jobs, cap))


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

    from metrics.files import clear_stale, open_stage

    result = BatchResult()
    todo = []
    for folder in {job.out_dir for job in jobs}:  # leftovers of killed runs, before any job
        clear_stale(folder)
    for job in jobs:
        (todo.append(job) if force or not job.up_to_date() else result.skipped.append(job))
    stages: dict[Path, Path] = {}
    try:  # one staging folder per output folder: its reports are published as one set
        for job in todo:
            if job.out_dir not in stages:
                stages[job.out_dir] = open_stage(job.out_dir)
            job.stage = stages[job.out_dir]
    except OutputError:
        _discard(stages)
        if kernels is not None:
            kernels.close()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        raise
    workers = cap_jobs(workers, len(todo))
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
            _collect(job, functools.partial(_run_job, job, more, kernels), result)
            bar.update()
        _publish(stages, result)
    finally:
        _discard(stages)  # what was not published (a failure, an interruption)
        bar.close()
        kernels.close()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return result


def _discard(stages: dict[Path, Path]) -> None:
    import shutil

    for stage in stages.values():
        shutil.rmtree(stage, ignore_errors=True)


def _publish(stages: dict[Path, Path], result: BatchResult) -> None:
    """Publish each folder's new reports as one set, or none of them when an output could not
    be written there (disk full): never a new data_quality.pdf beside an old leadership PDF
    because the disk filled up between them. A report that failed in its notebook leaves the
    others to be published, as a blocked leadership report does (the data-quality report
    says why)."""
    from metrics.files import commit_stage

    for folder, stage in stages.items():
        if folder not in result.unwritten:
            try:
                commit_stage(stage, folder)
                continue
            except OutputError as exc:
                result.unwritten[folder] = exc
        why = str(result.unwritten[folder]).splitlines()[0]
        for job in [job for job in result.made if job.out_dir == folder]:
            result.made.remove(job)
            result.failed.append(
                (job, f"{job.name}：未发布（{why}），该文件夹中的报告保持上一版不变")
            )


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
    except Exception as exc:  # a broken report must not stop the others
        unwritten = _output_failure(exc, job)
        if unwritten is not None:  # disk full, no permission: exit 7 with its Chinese line
            result.unwritten.setdefault(job.out_dir, unwritten)
            result.failed.append((job, f"{job.name}：{unwritten}"))
        elif isinstance(exc, ReportFailed):
            result.failed.append((job, str(exc)))
        elif isinstance(exc, ShishiError):  # the analyst's to fix (a bad 报告文字 file)
            result.failed.append((job, f"{job.name}：{exc}"))
        else:
            result.failed.append((job, f"{job.name}: {type(exc).__name__}: {exc}"))


def _output_failure(exc: Exception, job: Job) -> OutputError | None:
    """An output that could not be written, wherever it was met: here, in a pool worker, or
    in the notebook's kernel (where it reaches us as the failed cell's text)."""
    import re

    if isinstance(exc, OutputError):
        return exc
    if isinstance(exc, OSError):
        return output_error(exc, exc.filename or job.out_dir)
    if not isinstance(exc, ReportFailed):
        return None
    if exc.error.startswith("OutputError:"):
        message, _, hint = exc.error.removeprefix("OutputError:").partition("处理办法：")
        return OutputError(" ".join(message.split()), hint.strip())
    errno = re.match(r"\w*Error: \[Errno (\d+)\]", exc.error)
    return output_error(OSError(int(errno[1]), exc.error), job.out_dir) if errno else None


def known_units(outcome: Any, raw_dir: Path) -> list[str]:
    """Units the data and shishi.toml declare: each file's unit, and [[units]] without files,
    as declared and then in natural order (第2分厂 before 第10分厂, 一厂 before 二厂)."""
    from metrics.cleaning.units import read_units

    units = {f.get("unit") for f in outcome.manifest["files"] if f.get("unit")}
    declared = read_units(raw_dir)
    units |= {u.name for u in declared.units if u.folder != "." or u.name in units}
    return declared.order(units)


def run_reports(
    periods: Sequence[str | Period],
    raw_dir: Path,
    processed_dir: Path,
    reports_dir: Path,
    unit: UnitRequest | str = "",
    jobs: int = 1,
    force: bool = False,
    only: Sequence[str] | None = None,
    on_clean: Callable[[Any], None] | None = None,
    notebooks_dir: Path = NOTEBOOKS_DIR,
    progress: Callable[[], Any] | None = None,
    draft: bool = False,
) -> BatchResult:
    """`shishi report`: clean once, gate each scope and period, make the reports (the CLI says
    how it went: the blockers, then one summary line)."""
    from metrics.cleaning.store import run_clean
    from metrics.running import gate

    # fail fast, before cleaning, on a mistyped period or unit option
    typed = [p if isinstance(p, Period) else Period.parse(p) for p in periods]
    request = unit if isinstance(unit, UnitRequest) else UnitRequest.parse(unit)
    # at most one worker per CPU, and (a single unit) per report to make
    jobs = cap_jobs(jobs, None if request.each else len(typed) * len(only or REPORTS))
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
        from metrics.cleaning.units import read_units

        group = read_units(raw_dir).group  # --unit <group> and --unit all include the group
        known = known_units(outcome, raw_dir)  # as declared, then in natural order
        scopes = request.resolve(known, group, known)
        matrices = receipt_matrices(outcome.manifest, typed, scopes, reports_dir)
        blockers = {
            (p.label, s): gate.check(
                outcome.manifest, outcome.tables, s, p, receipts=matrices[(p.label, s)]
            )
            + gate.unnamed_unit(outcome.manifest, s)
            for p in typed
            for s in scopes
        }
        stale = _stale(typed, scopes, blockers, only, draft, reports_dir, processed_dir, raw_dir)
        base = (
            code_fingerprint(notebooks_dir)
            + inputs_fingerprint(outcome.manifest, raw_dir)
            + processed_fingerprint(outcome)
        )
        planned = plan_jobs(
            typed,
            scopes,
            reports_dir,
            processed_dir,
            raw_dir,
            only,
            base,
            notebooks_dir,
            blockers=blockers,
            draft=draft,
            stale=stale,
            receipts={k: m.to_dict("records") for k, m in matrices.items()},
        )
    except BaseException:
        kernels.close()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        raise
    result = run_jobs(planned, workers=max(1, jobs), force=force, kernels=kernels, pool=pool)
    result.blockers = {key: found for key, found in blockers.items() if found}
    result.draft = draft
    result.stale = stale
    raw = str(outcome.manifest.get("raw_dir", ""))
    result.receipt_notes = {
        (label, scope): notes
        for (label, scope), m in matrices.items()
        if (notes := gate.receipt_lines(m, Period.parse(label), raw))
    }
    return result


def _stale(
    periods: list[Period],
    scopes: list[Scope],
    blockers: dict[tuple[str, Scope], list[Any]],
    only: Sequence[str] | None,
    draft: bool,
    reports_dir: Path,
    processed_dir: Path,
    raw_dir: Path,
) -> list[dict[str, Any]]:
    """Published leadership reports out of date, but for those this run makes again."""
    from metrics.running.versions import stale_reports

    remade = {
        (p.label, s.param)
        for p in periods
        for s in scopes
        if LEADERSHIP in (only or REPORTS) and (draft or not blockers.get((p.label, s)))
    }
    return stale_reports(reports_dir, scopes, processed_dir, raw_dir, remade)


def receipt_matrices(
    manifest: dict[str, Any], periods: Sequence[Period], scopes: Sequence[Scope], reports_dir: Path
) -> dict[tuple[str, Scope], Any]:
    """The receipt matrix of every (period, scope), with what its published report counted
    (a ledger that arrived after that is 迟到; see reporting/receipts.py)."""
    from metrics.reporting.receipts import load_published, receipt_matrix

    folders = unit_folders(s.unit for s in scopes if s.unit)
    out = {}
    for period in periods:
        for scope in scopes:
            folder = Path(reports_dir) / safe_name(period.label)
            if scope.unit:
                folder = folder / folders[scope.unit]
            out[(period.label, scope)] = receipt_matrix(
                manifest, period, scope, published=load_published(folder)
            )
    return out
