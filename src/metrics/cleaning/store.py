"""The processed-data contract on disk: run the cleaning, write its outputs atomically, load them.

data/raw/ is only ever read. data/processed/ holds one parquet per table, rejects.csv (UTF-8
with BOM, so Excel opens it), warnings.csv and manifest.json; each is written to a temporary
file first and renamed, so a failed run never leaves half a table behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from metrics import __version__
from metrics.contract import COUNT_KEYS, TABLES
from metrics.errors import InputError

if TYPE_CHECKING:  # the cleaning stack (pandera, calamine) loads only when cleaning
    from metrics.cleaning.ingest import FileNotice
    from metrics.cleaning.rows import SheetResult

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class CleanOutcome:
    """What a cleaning run produced, for the CLI to summarise and the reports to show."""

    tables: dict[str, pd.DataFrame]
    rejects: pd.DataFrame
    warnings: pd.DataFrame
    manifest: dict[str, Any]
    notices: list[FileNotice] = field(default_factory=list)
    #: exact repeats, each naming the row it repeats; rows under review as near repeats
    duplicates: pd.DataFrame | None = None
    near_duplicates: pd.DataFrame | None = None


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write via a temporary file in the same folder, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def neutralize_formula(value: Any) -> Any:
    """Text that Excel would run as a formula (=, +, -, @) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy safe to open in Excel: every text cell neutralized, numbers untouched."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralize_formula, na_action="ignore")
    return out


def _sheet_entry(res: SheetResult) -> dict[str, Any]:
    entry: dict[str, Any] = {"sheet": res.sheet, "table": res.table, "header_row": res.header_row}
    if res.notice:
        entry["skipped"] = res.notice.message
        return entry
    entry.update(res.counts)
    entry["unknown_headers"] = res.unknown_headers
    entry["total_rows"] = [
        {
            "excel_row": c.excel_row,
            "field": c.field,
            "stated": c.stated,
            "computed": c.computed,
            "computed_qualifier": c.computed_qualifier,
            "difference": c.difference,
            "status": c.status,
            "covers": c.covers,  # all | group (a 小计) | block N (a second table)
        }
        for c in res.total_checks
    ]
    accounted = sum(v for k, v in res.counts.items() if k != "rows_read")
    entry["reconciled"] = accounted == res.counts.get("rows_read", 0)
    return entry


def build_manifest(
    results: list[SheetResult], notices: list[FileNotice], raw_dir: Path, sha: dict[str, str]
) -> dict[str, Any]:
    """Per input file and sheet: hash, detected table, header row and the row accounting."""
    files: dict[str, dict[str, Any]] = {}
    for res in results:
        f = files.setdefault(res.file, {"file": res.file, "sha256": res.sha256, "sheets": []})
        f["sheets"].append(_sheet_entry(res))
    for n in notices:
        f = files.setdefault(n.file, {"file": n.file, "sha256": sha.get(n.file), "sheets": []})
        f["error"] = n.message
    seen: dict[str, str] = {}
    for f in files.values():
        if f.get("sha256") and f["sha256"] in seen:
            f["same_content_as"] = seen[f["sha256"]]
        elif f.get("sha256"):
            seen[f["sha256"]] = f["file"]
    sheets = [s for f in files.values() for s in f["sheets"] if "rows_read" in s]

    return {
        "generated_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "code_version": __version__,
        "raw_dir": str(raw_dir),
        "totals": {k: sum(s.get(k, 0) for s in sheets) for k in COUNT_KEYS},
        "files": sorted(files.values(), key=lambda f: f["file"]),
    }


class Progress(Protocol):
    """Where a long clean reports how far it is (a tqdm bar fits)."""

    total: float | None

    def update(self, n: float = 1) -> object: ...


def run_clean(
    raw_dir: Path, out_dir: Path | None = None, progress: Progress | None = None
) -> CleanOutcome:
    """Read data/raw, clean every sheet, validate, and (if out_dir) write the contract's files.

    ``progress`` gets the number of rows to read as its total, then the rows as they are read.
    """
    # pandera takes half a second to import and load its backends; calamine reads workbooks
    # without holding the GIL, so that runs meanwhile on a thread (imports are thread-safe).
    preload = threading.Thread(target=_warm_schemas, daemon=True)
    preload.start()
    from metrics.cleaning.ingest import read_raw
    from metrics.cleaning.provenance import attach_provenance, sheet_heads
    from metrics.cleaning.rows import clean_sheets
    from metrics.config import load_config

    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise InputError(
            "原始数据文件夹不存在",
            "请把各部门报来的表格放入该文件夹，或用 --raw 指定所在的文件夹",
            path=raw_dir,
        )
    config = load_config(raw_dir)
    sheets, notices = read_raw(raw_dir, config)
    if progress is not None:
        progress.total = sum(s.row_count for s in sheets)
        progress.update(0)  # shows the bar now if reading took long enough to want one
    heads = sheet_heads(sheets)  # 填报人 / 审核人 lines, read before cleaning releases the rows
    tables, rejects, results = clean_sheets(
        sheets, config, progress.update if progress is not None else None
    )
    preload.join()
    from metrics.cleaning import schemas

    tables = {t: schemas.validate(t, f) for t, f in tables.items()}
    from metrics.cleaning import context, duplicates

    warnings = schemas.cross_field_warnings(tables)
    outside = context.period_warnings(results)  # rows dated outside their sheet's period
    if len(outside):
        warnings = pd.concat([warnings, outside], ignore_index=True) if len(warnings) else outside
    notices = notices + [r.notice for r in results if r.notice]
    notices += [n for r in results for n in r.notices]  # columns read by content, fills, ...
    sha = {s.file: s.sha256 for s in sheets}
    manifest = build_manifest(results, [n for n in notices if n.sheet is None], raw_dir, sha)
    attach_provenance(manifest, heads)
    manifest["notices"] = [n.__dict__ for n in notices]
    manifest["warnings"] = len(warnings)
    manifest["under_review"] = {
        t: duplicates.under_review(tables[t]) for t in duplicates.NEAR_TABLES if t in tables
    }
    outcome = CleanOutcome(
        tables,
        rejects,
        warnings,
        manifest,
        notices,
        duplicates.trace(results),
        duplicates.near_table(tables),
    )
    if out_dir is not None:
        write_processed(outcome, Path(out_dir))
    return outcome


def _warm_schemas() -> None:
    with contextlib.suppress(Exception):  # only a head start: validate() reports real errors
        importlib.import_module("metrics.cleaning.schemas").warm_up()


def write_processed(outcome: CleanOutcome, out_dir: Path) -> None:
    """Write every processed file atomically; CSVs are neutralized for Excel."""
    for table, frame in outcome.tables.items():
        atomic_write(out_dir / f"{table}.parquet", lambda p, f=frame: f.to_parquet(p, index=False))
    sides = [("rejects", outcome.rejects), ("warnings", outcome.warnings)]
    sides += [
        (n, f)
        for n, f in (
            ("duplicates", outcome.duplicates),
            ("near_duplicates", outcome.near_duplicates),
        )
        if f is not None
    ]
    for name, frame in sides:
        atomic_write(
            out_dir / f"{name}.csv",
            lambda p, f=frame: neutralize_frame(f).to_csv(p, index=False, encoding="utf-8-sig"),
        )
    atomic_write(
        out_dir / "manifest.json",
        lambda p: p.write_text(
            json.dumps(outcome.manifest, ensure_ascii=False, indent=2, default=str),
            encoding="utf-8",
        ),
    )


def load_processed(out_dir: Path) -> dict[str, pd.DataFrame]:
    """The four processed tables as written by :func:`run_clean` (what notebooks start from)."""
    out_dir = Path(out_dir)
    missing = [t for t in TABLES if not (out_dir / f"{t}.parquet").exists()]
    if missing:
        raise InputError(
            f"缺少清洗后的数据 {', '.join(missing)}.parquet",
            "请先运行 shishi clean（或 make report）",
            path=out_dir,
        )
    return {t: pd.read_parquet(out_dir / f"{t}.parquet") for t in TABLES}


def load_manifest(out_dir: Path) -> dict[str, Any]:
    return json.loads((Path(out_dir) / "manifest.json").read_text(encoding="utf-8"))


def load_side_table(out_dir: Path, name: str) -> pd.DataFrame:
    """rejects.csv, warnings.csv, duplicates.csv or near_duplicates.csv as written
    (apostrophes added for Excel are kept)."""
    return pd.read_csv(Path(out_dir) / f"{name}.csv", encoding="utf-8-sig", dtype=str).fillna("")
