"""The cleaning pipeline and its outputs on disk: run the cleaning, write data/processed.

data/raw/ is only ever read. The files of data/processed/ are replaced as a set through
metrics.files (:func:`metrics.files.staged`), which also loads them back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from metrics import version
from metrics.contract import COUNT_KEYS, Col
from metrics.errors import InputError, OutputError, output_error
from metrics.files import (
    atomic_write,
    check_outputs_outside_raw,
    clear_stale,
    neutralize_frame,
    staged,
)

if TYPE_CHECKING:  # the cleaning stack (pandera, calamine) loads only when cleaning
    from metrics.cleaning.ingest import FileNotice
    from metrics.cleaning.rows import SheetResult


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
    if res.origin is not None:  # which department sent it, for which period
        entry["origin"] = res.origin.as_dict()
    if res.replaced_by:  # its rows are the ``replaced`` count: this correction counts instead
        entry["replaced_by"] = res.replaced_by
    return entry


def receipts_record(
    results: list[SheetResult], config: Any, file_units: dict[str, str]
) -> dict[str, Any]:
    """What was owed and what two files of one department came to, for the receipt matrix.

    ``expected``: unit -> its declared branches and the ledgers each never sends (only the
    top unit declares branches); ``copies``: every group of two or more files of one
    department, ledger and period, and its verdict (see cleaning/corrections.py).
    """
    from metrics.cleaning.ingest import DEFAULT_UNIT

    top = (config.unit_name or DEFAULT_UNIT).strip()
    units = sorted({u for u in file_units.values() if u} | {top})
    expected = {
        u: {
            "branches": list(config.branches) if u == top else [],
            "never_sends": dict(config.never_sends) if u == top else {},
        }
        for u in units
    }
    copies = {id(r.copies): r.copies for r in results if r.copies is not None}
    return {"expected": expected, "copies": [c.as_dict() for c in copies.values()]}


def origin_notices(results: list[SheetResult]) -> list[FileNotice]:
    """A sheet whose 填报单位 names another department than its file name: to confirm."""
    from metrics.cleaning.ingest import FileNotice

    return [
        FileNotice(r.file, r.sheet, "check", r.origin.conflict)
        for r in results
        if r.origin is not None and r.origin.conflict
    ]


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
        f["error" if n.level == "error" else "skipped"] = n.message  # skipped: on purpose
    seen: dict[str, str] = {}
    for f in files.values():
        if f.get("sha256") and f["sha256"] in seen:
            f["same_content_as"] = seen[f["sha256"]]
        elif f.get("sha256"):
            seen[f["sha256"]] = f["file"]
    sheets = [s for f in files.values() for s in f["sheets"] if "rows_read" in s]

    return {
        "generated_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "code_version": version(),
        "raw_dir": str(Path(raw_dir).resolve()),  # where the settings read come from
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
    # pandera takes half a second to import and load its backends; calamine parses workbooks
    # without holding the GIL, so that runs meanwhile on a thread (imports are thread-safe).
    # Started any earlier, it would compete for the GIL with the workbooks' checks instead.
    preload = threading.Thread(target=_warm_schemas, daemon=True)
    from metrics.cleaning.ingest import read_raw
    from metrics.cleaning.provenance import attach_provenance, sheet_heads
    from metrics.cleaning.rows import clean_sheets
    from metrics.config import load_config

    raw_dir = Path(raw_dir)
    if out_dir is not None:
        check_outputs_outside_raw(raw_dir, Path(out_dir))
    if not raw_dir.is_dir():
        raise InputError(
            "原始数据文件夹不存在",
            "请把各部门报来的表格放入该文件夹，或用 --raw 指定所在的文件夹",
            path=raw_dir,
        )
    config = load_config(raw_dir)
    sheets, notices = read_raw(raw_dir, config, while_parsing=preload.start)
    if preload.ident is None:  # no workbook to parse: delimited text only, or nothing read
        preload.start()
    # the first rows of each sheet, read once before cleaning releases them: the period a
    # sheet states (running ledgers) and its 填报人 / 审核人 lines (provenance)
    heads = sheet_heads(sheets)
    versions = _sheet_versions(sheets, config, heads)
    if progress is not None:
        progress.total = sum(s.row_count for s in sheets)
        progress.update(0)  # shows the bar now if reading took long enough to want one
    tables, rejects, results = clean_sheets(
        sheets, config, progress.update if progress is not None else None, heads
    )
    from metrics.cleaning.ledgers import apply_versions, drop_superseded

    running = apply_versions(results, versions)  # running ledgers: the newest version wins
    tables = drop_superseded(tables, running.pop("superseded"))
    preload.join()
    from metrics.cleaning import schemas

    tables = {t: schemas.validate(t, f) for t, f in tables.items()}
    from metrics.cleaning import context, duplicates

    warnings = schemas.cross_field_warnings(tables)
    outside = context.period_warnings(results)  # rows dated outside their sheet's period
    if len(outside):
        warnings = pd.concat([warnings, outside], ignore_index=True) if len(warnings) else outside
    file_units = {s.file: s.unit_name for s in sheets}
    file_units |= {n.file: n.unit for n in notices if n.unit}
    if "unit" not in warnings.columns:  # the contract's warnings carry their row's unit
        warnings.insert(0, "unit", warnings[Col.SOURCE_FILE].astype(str).map(file_units).fillna(""))
    warnings = _with_row_flags(warnings, sheets, results)
    notices = notices + [r.notice for r in results if r.notice]
    notices += origin_notices(results)  # a 填报单位 that contradicts the file name
    notices += [n for r in results for n in r.notices]  # columns read by content, fills, ...
    for n in notices:
        n.unit = n.unit or file_units.get(n.file)
    sha = {s.file: s.sha256 for s in sheets}
    file_notices = [n for n in notices if n.sheet is None and not n.file.endswith("/")]
    manifest = build_manifest(results, file_notices, raw_dir, sha)
    for f in manifest["files"]:
        f["unit"] = file_units.get(f["file"])
    attach_provenance(manifest, heads)
    manifest["notices"] = [n.__dict__ for n in notices]
    # sheets with problems, column by column (what `shishi inspect` shows): data_quality.pdf
    manifest["readings"] = [r.reading.as_dict() for r in results if r.reading is not None]
    manifest["running_ledgers"] = running
    manifest["warnings"] = len(warnings)
    manifest["under_review"] = {
        t: duplicates.under_review(tables[t]) for t in duplicates.NEAR_TABLES if t in tables
    }
    manifest["receipts"] = receipts_record(results, config, file_units)
    outcome = CleanOutcome(
        tables,
        rejects,
        warnings,
        manifest,
        notices,
        duplicates.trace(results),
        duplicates.near_table(
            tables, {(r.file, r.sheet): r.origin.identity for r in results if r.origin is not None}
        ),
    )
    if out_dir is not None:
        write_processed(outcome, Path(out_dir))
    return outcome


def _sheet_versions(
    sheets: list[Any], config: Any, heads: dict[tuple[str, str], list[list[Any]]]
) -> dict[tuple[str, str], Any]:
    """The period or date each sheet states (for running ledgers; see cleaning/ledgers.py)."""
    from metrics.cleaning.ledgers import sheet_version

    out = {}
    for s in sheets:
        pin = config.pin_for(s.file, s.sheet)
        out[(s.file, s.sheet)] = sheet_version(
            s.file,
            s.sheet,
            heads[(s.file, s.sheet)][:6],
            getattr(pin, "period", None) if pin else None,
        )
    return out


def _with_row_flags(
    warnings: pd.DataFrame, sheets: list[Any], results: list[SheetResult]
) -> pd.DataFrame:
    """Rows that ingest read in a fallback way (a CSV line with an unbalanced quote) become
    warnings with their Excel row, so the analyst checks them."""
    tables = {(r.file, r.sheet): r.table for r in results}
    flagged = [
        {
            "table": tables.get((s.file, s.sheet)) or "",
            "rule": rule[0] if rule else "csv_unbalanced_quote",
            "message": why,
            "unit": s.unit_name,
            Col.SOURCE_FILE: s.file,
            Col.SOURCE_SHEET: s.sheet,
            Col.SOURCE_ROW: row,
        }
        for s in sheets
        for row, why, *rule in getattr(s, "flags", [])
    ]
    if not flagged:
        return warnings
    extra = pd.DataFrame(flagged, columns=warnings.columns)
    return pd.concat([warnings, extra], ignore_index=True) if len(warnings) else extra


def _warm_schemas() -> None:
    with contextlib.suppress(Exception):  # only a head start: validate() reports real errors
        importlib.import_module("metrics.cleaning.schemas").warm_up()


def write_processed(outcome: CleanOutcome, out_dir: Path) -> None:
    """Write every processed file, replacing the previous set as a whole; CSVs are neutralized
    for Excel. Leftovers of killed runs are cleared first."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(
            "输出位置是一个文件，不是文件夹", "请用 --out 指定一个文件夹", path=out_dir
        )
    try:
        clear_stale(out_dir)
    except OSError as exc:
        raise output_error(exc, out_dir) from exc
    sides = [("rejects", outcome.rejects), ("warnings", outcome.warnings)]
    sides += [
        (n, f)
        for n, f in (
            ("duplicates", outcome.duplicates),
            ("near_duplicates", outcome.near_duplicates),
        )
        if f is not None
    ]
    with staged(out_dir) as stage:
        for table, frame in outcome.tables.items():

            def write_parquet(p: Path, f: pd.DataFrame = frame) -> None:
                f.to_parquet(p, index=False)

            atomic_write(stage / f"{table}.parquet", write_parquet)
        for name, frame in sides:

            def write_csv(p: Path, f: pd.DataFrame = frame) -> None:
                neutralize_frame(f).to_csv(p, index=False, encoding="utf-8-sig")

            atomic_write(stage / f"{name}.csv", write_csv)
        atomic_write(
            stage / "manifest.json",
            lambda p: p.write_text(
                json.dumps(outcome.manifest, ensure_ascii=False, indent=2, default=str),
                encoding="utf-8",
            ),
        )
