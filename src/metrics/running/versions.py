"""Published reports are kept, and every later report a restatement touches is named.

A leadership report about to be redone (its inputs changed, see running/batch.py) is first
built as a model here, and what a reader would see in it (:func:`model.visible_parts`) is
compared with what the published one showed (stored in ``<name>.figures.json``):

- the same: it is redone in place and stays the same version (a lock file, a notebook saved
  in JupyterLab, a new code version or another day change nothing a reader sees); a 修订
  box it carried is carried again;
- different: the published set (PDF, notebook, Word, workbook, charts, figures, stamp) is
  copied into ``<out>/versions/<when it was made>/`` and the new report is marked 修订, with a
  table of every headline figure that changed, old → new, and the source rows that did it.

:func:`stale_reports` looks at every published leadership report of the scopes being run:
one whose figures the data no longer give (a corrected Q1 changes Q2's 年内累计 and 上季度,
H1, the year, and the months after it) is listed as 需重新生成 on the terminal and on the
data-quality report's first page.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from metrics.errors import InputError, OutputError, ShishiError
from metrics.periods import Period
from metrics.scope import Scope

VERSIONS = "versions"
REVISION_LABEL = "修订"
#: Stored beside each leadership PDF: its figures, what it showed, the 修订 it carries.
FIGURES_SUFFIX = ".figures.json"
#: Figures named per out-of-date report on the terminal (the data-quality page lists all).
STALE_SHOWN = 3
#: Written by shishi in every version it keeps: the sha256 of the kept PDF and figures.
VERSION_MARK = ".shishi-version"


def _siblings(job: Any) -> list[Path]:
    return [*job.outputs, job.out_dir / "charts", job.stamp]  # PDF, notebook, Word, Excel…


def read_stored(path: Path) -> dict[str, Any] | None:
    """A stored figures file, or None if there is none (or it cannot be read)."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def _targets(raw_dir: Path | str, unit: str = "") -> dict[str, float]:
    """A scope's own annual targets (a unit of a group has its own, or none)."""
    from metrics.reporting.loading import load_targets

    try:
        return load_targets(Path(raw_dir), unit)
    except ShishiError:  # a broken [targets] is said by the report itself
        return {}


def _build(job: Any) -> Any:
    """The leadership report's model, from the same parameters the notebook gets."""
    from metrics.reporting.loading import load_summary

    p = job.parameters
    return load_summary(
        job.period,
        job.unit,
        p["processed_dir"],
        p["raw_dir"],
        p.get("made_on", ""),
        bool(p.get("draft")),
        p.get("blockers") or [],
    )


def _same_content(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether a reader sees the same report. A file stored before the content was recorded
    is the same when every figure it holds reads the same."""
    from metrics.reporting.headlines import compare

    if bool(old.get("draft")) != bool(new.get("draft")):
        return False
    if "content" in old:
        return old["content"].get("_key") == new["content"].get("_key")
    return not compare(old, new)


def keep_version(job: Any) -> Path:
    """Copy the published set into versions/<when its PDF was made>/ (copied: the new set
    replaces it only once complete, so a run that fails leaves it in place).

    Kept once: a set a killed or failed run already kept is found by the sha256 of its PDF and
    figures (in the mark shishi writes in every version it keeps) and not copied again. The copy is made in a
    hidden staging folder and renamed into place, so a killed copy leaves no half version
    (the next run clears it). Only regular files are copied: a link or a folder where a file
    belongs is not shishi's (see :func:`tampered`).
    """
    from metrics.files import clear_stale, open_stage

    versions = job.out_dir / VERSIONS
    if versions.is_symlink() or (versions.exists() and not versions.is_dir()):
        raise OutputError(
            f"{VERSIONS} 不是 shishi 建的文件夹（是一个链接或文件），旧版无法保存",
            f"请把它移走（shishi 会重新建立 {VERSIONS}/ 文件夹）后重新运行",
            path=versions,
        )
    clear_stale(versions)  # half copies of killed runs
    digest = _digest(job.pdf, job.figures)
    for kept in kept_versions(job.out_dir):
        if _kept_digest(kept, job) == digest:
            return kept
    made = dt.datetime.fromtimestamp(job.pdf.stat().st_mtime)
    folder = versions / f"{made:%Y%m%d-%H%M%S}"
    n = 1
    while folder.exists() or folder.is_symlink():
        n += 1
        folder = versions / f"{made:%Y%m%d-%H%M%S}-{n}"
    stage = open_stage(versions)
    for path in _siblings(job):
        if path.is_symlink():
            continue
        if path.is_dir():
            shutil.copytree(path, stage / path.name, ignore=_links, dirs_exist_ok=True)
        elif path.is_file():
            shutil.copy2(path, stage / path.name)
    (stage / VERSION_MARK).write_text(digest, encoding="utf-8")
    os.rename(stage, folder)
    return folder


def _links(folder: str, names: list[str]) -> list[str]:
    """What copytree leaves out: links (never followed into versions/)."""
    return [n for n in names if os.path.islink(os.path.join(folder, n))]


def _digest(pdf: Path, figures: Path) -> str:
    """What identifies a published set: its PDF's and stored figures' bytes."""
    import hashlib

    digest = hashlib.sha256(pdf.read_bytes())
    if _regular(figures):
        digest.update(figures.read_bytes())
    return digest.hexdigest()


def _is_shishis(entry: Path) -> bool:
    """A version shishi kept: a real folder (no link) whose PDFs are regular files (a
    version kept before the mark was written has none; a mark, if any, is a regular file)."""
    if not entry.is_dir() or entry.is_symlink() or entry.name.startswith("."):
        return False
    pdfs = list(entry.glob("*.pdf"))
    mark = entry / VERSION_MARK
    return (
        bool(pdfs)
        and all(_regular(p) for p in pdfs)
        and (_regular(mark) or not (mark.exists() or mark.is_symlink()))
    )


def _kept_digest(kept: Path, job: Any) -> str:
    mark = kept / VERSION_MARK
    if mark.is_file():
        return mark.read_text(encoding="utf-8").strip()
    pdf = kept / job.pdf.name
    return _digest(pdf, kept / job.figures.name) if _regular(pdf) else ""


def _regular(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def kept_versions(out_dir: Path) -> list[Path]:
    """The versions shishi kept in out_dir/versions/, oldest first; nothing else there."""
    versions = Path(out_dir) / VERSIONS
    if not versions.is_dir() or versions.is_symlink():
        return []
    return sorted(e for e in versions.iterdir() if _is_shishis(e))


def tampered(out_dir: Path, outputs: Iterable[str] = ()) -> list[str]:
    """What in out_dir is not what shishi wrote there: an output name held by a link or a
    folder, a link in place of versions/, an entry of versions/ shishi did not keep (a
    version without its mark, a link, a folder in place of its PDF). Said, never listed."""
    found: list[str] = []
    out_dir = Path(out_dir)
    for name in outputs:
        path = out_dir / name
        if path.is_symlink():
            found.append(f"{name} 是一个链接")
        elif path.exists() and path.is_dir() != (name == "charts"):
            found.append(f"{name} 是一个{'文件' if name == 'charts' else '文件夹'}")
    versions = out_dir / VERSIONS
    if versions.is_symlink():
        return [*found, f"{VERSIONS}/ 是一个链接"]
    if versions.is_dir():
        found += [
            f"{VERSIONS}/{e.name}"
            + (" 是一个链接" if e.is_symlink() else " 不是 shishi 保存的旧版")
            for e in sorted(versions.iterdir())
            if not e.name.startswith(".") and not _is_shishis(e)
        ]
    return found


def prepare(job: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """For a leadership job about to run: the body to store after it, and the marks (修订)
    to lay over it. Keeps the published set in versions/ when what a reader sees changes.

    A mistake the analyst must fix (a wrong 报告文字 file or [targets]) is raised here, before
    the notebook runs, so it is said in Chinese as it is, not as a failed notebook cell.
    """
    from metrics.reporting.headlines import (
        changed_parts,
        compare,
        data_key,
        headline_figures,
        revision_box_html,
    )
    from metrics.reporting.model import visible_parts

    try:
        report = _build(job)
    except InputError:  # no processed tables: the notebook will say so, with its cell
        return {}, {}
    targets = _targets(job.parameters["raw_dir"], job.unit)
    body = {
        "period": job.period,
        "unit": job.unit,
        "fingerprint": job.fingerprint,
        "draft": bool(job.parameters.get("draft")),
        **headline_figures(report.source_tables, report.period, targets),
        "content": visible_parts(report),
        "data": data_key(report.source_tables, targets),
    }
    published = _regular(job.pdf)  # a link or a folder in its place is not shishi's
    old = read_stored(job.figures) if published else None
    if not published or (old is not None and _same_content(old, body)):
        revision = (old or {}).get("revision")  # the same report: the same 修订 box, if any
        job.previous = None
    else:
        job.previous = keep_version(job)
        revision = None
        if old is not None and not old.get("draft"):  # a draft was never a publication
            revision = {
                "previous": job.previous.name,
                "changes": compare(old, body),
                "parts": changed_parts(old, body),
            }
    if not revision:
        return body, {}
    body["revision"] = revision
    label = job.marks.get("page_label", "")
    return body, {
        "page_label": f"{label} · {REVISION_LABEL}" if label else REVISION_LABEL,
        "revision_box": revision_box_html(revision),
    }


def figures_json(job: Any, body: dict[str, Any]) -> bytes:
    """The stored figures as bytes: the file beside the PDF and the PDF's own attachment."""
    body = body | {"fingerprint": job.fingerprint}
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")


def write_figures(job: Any, stored: bytes, folder: Path | None = None) -> None:
    """Store the figures (:func:`figures_json`, the same bytes the PDF carries) beside the PDF
    (in ``folder``: the staging folder that is published with it), for the next run to compare
    with."""
    target = (folder or job.out_dir) / job.figures.name
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(stored)
    os.replace(tmp, target)


def stale_reports(
    reports_dir: Path,
    scopes: Iterable[Scope],
    processed_dir: Path,
    raw_dir: Path,
    remade: set[tuple[str, str]],
    name: str = "quarterly_summary",
) -> list[dict[str, Any]]:
    """Published leadership reports of these scopes whose figures the data no longer give.

    ``remade``: (period, unit) pairs whose leadership report this run makes anyway. Each
    entry: period, unit, the PDF (under reports_dir) and the figures that changed (label,
    old → new), in the order the periods end. A report whose data and targets are those it
    was made from (the stored ``data`` key) is passed over without computing its figures.
    """
    from metrics.cleaning.units import read_units
    from metrics.files import load_processed
    from metrics.reporting.headlines import compare, data_key, headline_figures
    from metrics.reporting.kpi import filter_unit

    by_unit = {s.param: s for s in scopes}
    declared = read_units(Path(raw_dir))
    everything = load_processed(Path(processed_dir))
    # as the model filters: a report titled with the group's name covers the whole group
    tables = {u: filter_unit(everything, "" if declared.is_whole(u) else u) for u in by_unit}
    keys: dict[str, str] = {}
    found: list[tuple[tuple[str, int, int], dict[str, Any]]] = []
    root = Path(reports_dir)
    for path in sorted(root.rglob(f"{name}{FIGURES_SUFFIX}")) if root.is_dir() else []:
        if VERSIONS in path.relative_to(root).parts:
            continue
        body = read_stored(path)
        pdf = path.with_name(f"{name}.pdf")
        if body is None or body.get("draft") or not pdf.exists():
            continue
        unit, label = str(body.get("unit") or ""), str(body.get("period") or "")
        if unit not in by_unit or (label, unit) in remade:
            continue
        if unit not in keys:
            keys[unit] = data_key(tables[unit], _targets(raw_dir, unit))
        if body.get("data") == keys[unit]:
            continue
        try:
            period = Period.parse(label)
        except ShishiError:
            continue
        changes = compare(body, headline_figures(tables[unit], period, _targets(raw_dir, unit)))
        if changes:
            entry = {
                "period": label,
                "unit": unit,
                "pdf": pdf.relative_to(root).as_posix(),
                "changes": [f"{c['label']} {c['old']} → {c['new']}" for c in changes],
            }
            # by when the period ends, the shorter first: Q2 before H1, H1 before the year
            found.append(((unit, period.end.toordinal(), -period.start.toordinal()), entry))
    return [entry for _, entry in sorted(found, key=lambda f: f[0])]


def stale_line(entry: dict[str, Any]) -> str:
    """One out-of-date report in a sentence: which, and its first changed figures."""
    changes = entry["changes"]
    shown = "；".join(changes[:STALE_SHOWN])
    more = f" 等 {len(changes)} 项" if len(changes) > STALE_SHOWN else ""
    unit = f" {entry['unit']}" if entry["unit"] else ""
    return f"{entry['period']}{unit}（{entry['pdf']}）：{shown}{more}"
