"""Published reports are kept: a report whose inputs changed is moved aside, never overwritten.

When a job is about to redo a report whose PDF exists and whose fingerprint changed, the PDF
and its siblings (executed notebook, workbook, stored figures, stamp) move into
``<out>/versions/<when it was made>/``. The new leadership report is then marked 修订 and
says, figure by figure, what changed since that version and which source rows caused it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

from metrics.periods import Period
from metrics.scope import Scope

VERSIONS = "versions"
REVISION_LABEL = "修订"


def _siblings(job: Any) -> list[Path]:
    return [*job.outputs, job.stamp]  # PDF, notebook, Word, Excel, figures


def _changed(job: Any) -> bool:
    """A published PDF whose inputs changed (not the same fingerprint redone with --force)."""
    if not job.pdf.exists():
        return False
    return not (job.stamp.exists() and job.stamp.read_text() == job.fingerprint)


def keep_previous(jobs: list[Any]) -> None:
    """Keep a copy of the previous outputs of the jobs about to run in versions/<timestamp>/.

    One folder per report folder and run, named for when the previous leadership report (or
    else the oldest report being replaced) was made; each job learns it as ``job.previous``.
    """
    by_folder: dict[Path, list[Any]] = {}
    for job in jobs:
        if _changed(job):
            by_folder.setdefault(job.out_dir, []).append(job)
    for out_dir, changed in by_folder.items():
        made = dt.datetime.fromtimestamp(min(j.pdf.stat().st_mtime for j in changed))
        folder = out_dir / VERSIONS / f"{made:%Y%m%d-%H%M%S}"
        n = 1
        while folder.exists():
            n += 1
            folder = out_dir / VERSIONS / f"{made:%Y%m%d-%H%M%S}-{n}"
        folder.mkdir(parents=True)
        for job in changed:
            for path in _siblings(job):  # copied: the new set replaces them only once it is
                if path.is_dir():  # complete, so a run that fails leaves them in place
                    shutil.copytree(path, folder / path.name, dirs_exist_ok=True)
                elif path.exists():
                    shutil.copy2(path, folder / path.name)
            job.previous = folder


def current_figures(job: Any) -> dict[str, Any]:
    from metrics.cleaning.store import load_processed
    from metrics.reporting.headlines import headline_figures

    tables = Scope(job.unit or None).filter_tables(
        load_processed(Path(job.parameters["processed_dir"]))
    )
    return headline_figures(tables, Period.parse(job.period))


def revision_marks(job: Any, previous: Path | None) -> tuple[dict[str, Any], dict[str, str]]:
    """This version's figures, and the 修订 marks if it replaces a kept version."""
    from metrics.errors import InputError
    from metrics.reporting.headlines import compare, revision_box_html

    try:
        figures = current_figures(job)
    except InputError:  # no processed tables: the notebook itself will say so, with its cell
        return {}, {}
    if previous is None:
        return figures, {}
    old_path = previous / job.figures.name
    old = json.loads(old_path.read_text(encoding="utf-8")) if old_path.exists() else {}
    if old.get("draft"):  # a draft was never a publication: kept, but nothing to restate
        return figures, {}
    changes = compare(old.get("figures", {}), figures)
    label = job.marks.get("page_label", "")
    return figures, {
        "page_label": f"{label} · {REVISION_LABEL}" if label else REVISION_LABEL,
        "revision_box": revision_box_html(changes, previous.name),
    }


def write_figures(job: Any, figures: dict[str, Any] | None) -> None:
    """Store the headline figures beside the PDF, for the next version to compare with."""
    if not figures:
        return
    body = {
        "period": job.period,
        "unit": job.unit,
        "fingerprint": job.fingerprint,
        "draft": bool(job.parameters.get("draft")),
        "figures": figures,
    }
    tmp = job.figures.with_suffix(".tmp")
    tmp.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, job.figures)
