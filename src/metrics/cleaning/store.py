"""The processed-data contract on disk: run the cleaning, write its outputs atomically, load them.

data/raw/ is only ever read. data/processed/ holds one parquet per table, rejects.csv (UTF-8
with BOM, so Excel opens it), warnings.csv and manifest.json. They are replaced as a set
(:func:`staged`): written into a staging folder, marked complete, then moved in; a run killed
midway leaves either the old set or a complete new one, never a mix.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from metrics import __version__
from metrics.contract import COUNT_KEYS, TABLES
from metrics.errors import InputError, OutputError, UsageError, output_error

if TYPE_CHECKING:  # the cleaning stack (pandera, calamine) loads only when cleaning
    from metrics.cleaning.ingest import FileNotice
    from metrics.cleaning.rows import SheetResult

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
#: A staging folder: its files replace the folder's own as a set (see :func:`staged`).
STAGING_PREFIX = ".staging-"
#: Written into a staging folder once every file in it is complete.
COMMIT_MARK = ".complete"


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


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def follow_umask(path: Path | str, directory: bool = False) -> None:
    """Give a file made by mkstemp (mode 0600) the mode any file the user saves would get.

    Without this, os.replace carries 0600 over to the output, and a team folder shared by
    analysts cannot read it.
    """
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Write via a uniquely named temporary file in the same folder, then rename over the target.

    An OSError (disk full, no permission, a file where the folder should be) becomes an
    :class:`OutputError` with one Chinese sentence.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise output_error(exc, path.parent) from exc
    os.close(fd)
    try:
        write(Path(tmp))
        follow_umask(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        shown = (
            path.parent.parent / path.name if path.parent.name.startswith(STAGING_PREFIX) else path
        )
        raise output_error(exc, shown) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def clear_stale(folder: Path) -> list[Path]:
    """Finish or remove what killed runs left in folder: a complete staging folder is moved in
    (its run had finished writing), an incomplete one and stray temp files are deleted.

    Call it only while holding the folder's lock (see metrics.running.lock): an incomplete
    staging folder may otherwise belong to a run still writing.
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if name.startswith(STAGING_PREFIX) and entry.is_dir():
            if (entry / COMMIT_MARK).exists():
                _move_in(entry, folder)
            else:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
        elif name.startswith(".") and name.endswith((".tmp", ".running.ipynb")):
            with contextlib.suppress(OSError):
                entry.unlink()
                removed.append(entry)
    return removed


def _move_in(stage: Path, folder: Path) -> None:
    """Rename every file of a complete staging folder over its namesake in folder."""
    for src in sorted(stage.rglob("*")):
        if src.is_dir() or src.name == COMMIT_MARK:
            continue
        dest = folder / src.relative_to(stage)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):  # another reader moved it in already
            os.replace(src, dest)
    shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def staged(folder: Path) -> Iterator[Path]:
    """A staging folder whose files replace folder's files as a set when the block ends.

    Write everything into the yielded folder. When the block ends without an exception, a
    mark says the set is complete, then the files are renamed in; a run killed during the
    renames is finished by the next :func:`clear_stale` (or reader). When the block raises,
    the staging folder is deleted and folder is left as it was.
    """
    stage = open_stage(folder)
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    commit_stage(stage, folder)


def open_stage(folder: Path) -> Path:
    """A new, uniquely named staging folder in folder (see :func:`staged`)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder))
        follow_umask(stage, directory=True)
    except OSError as exc:
        raise output_error(exc, folder) from exc
    return stage


def commit_stage(stage: Path, folder: Path) -> None:
    """Mark a staging folder complete, then move its files in; on an error (disk full) the
    staging folder is deleted and folder is left as it was."""
    try:
        with (stage / COMMIT_MARK).open("w") as fh:
            fh.write(uuid.uuid4().hex)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException as exc:
        shutil.rmtree(stage, ignore_errors=True)
        if isinstance(exc, OSError):
            raise output_error(exc, folder) from exc
        raise
    try:
        _move_in(stage, folder)
    except OSError as exc:
        raise output_error(exc, folder) from exc


def check_outputs_outside_raw(raw_dir: Path, *outputs: Path) -> None:
    """Refuse an output folder that is the raw folder itself or inside it: raw data are only read."""
    raw = Path(raw_dir).resolve()
    for out in outputs:
        resolved = Path(out).resolve()
        if resolved == raw or resolved.is_relative_to(raw):
            raise UsageError(
                "输出文件夹不能是原始数据文件夹或其中的子文件夹（原始数据只读，不写入）",
                f"请用 --out / --reports 指定原始数据文件夹（{raw}）之外的文件夹",
                path=out,
            )


def neutralize_formula(value: Any) -> Any:
    """Text that Excel would run as a formula gets a leading apostrophe: =, +, -, @ (also
    full-width ＝＋－＠, which some spreadsheet programs accept) and a tab, newline or
    carriage return, even behind leading spaces (Excel ignores them)."""
    if isinstance(value, str) and value.lstrip(" \u3000").startswith(FORMULA_PREFIXES):
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
        "code_version": __version__,
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
    # pandera takes half a second to import and load its backends; calamine reads workbooks
    # without holding the GIL, so that runs meanwhile on a thread (imports are thread-safe).
    preload = threading.Thread(target=_warm_schemas, daemon=True)
    preload.start()
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
    sheets, notices = read_raw(raw_dir, config)
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
        warnings.insert(0, "unit", warnings["source_file"].astype(str).map(file_units).fillna(""))
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
            "source_file": s.file,
            "source_sheet": s.sheet,
            "source_row": row,
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


def load_processed(out_dir: Path) -> dict[str, pd.DataFrame]:
    """The four processed tables as written by :func:`run_clean` (what notebooks start from)."""
    out_dir = Path(out_dir)
    _finish_interrupted(out_dir)
    missing = [t for t in TABLES if not (out_dir / f"{t}.parquet").exists()]
    if missing:
        raise InputError(
            f"缺少清洗后的数据文件 {'、'.join(f'{t}.parquet' for t in missing)}",
            "请先运行 shishi clean（或 make report）",
            path=out_dir,
        )
    return {t: pd.read_parquet(out_dir / f"{t}.parquet") for t in TABLES}


def _finish_interrupted(out_dir: Path) -> None:
    """A reader never sees a mix: a complete set whose move was cut short is moved in first."""
    if out_dir.is_dir():
        for stage in out_dir.glob(f"{STAGING_PREFIX}*"):
            if (stage / COMMIT_MARK).exists():
                with contextlib.suppress(OSError):
                    _move_in(stage, out_dir)


def load_manifest(out_dir: Path) -> dict[str, Any]:
    """manifest.json as written by :func:`run_clean` (the row accounting of every sheet)."""
    _finish_interrupted(Path(out_dir))
    path = Path(out_dir) / "manifest.json"
    if not path.is_file():
        raise InputError(
            "缺少清洗结果 manifest.json", "请先运行 shishi clean（或 make report）", path=out_dir
        )
    return dict(json.loads(path.read_text(encoding="utf-8")))


def load_side_table(out_dir: Path, name: str) -> pd.DataFrame:
    """rejects.csv, warnings.csv, duplicates.csv or near_duplicates.csv as written
    (apostrophes added for Excel are kept)."""
    return pd.read_csv(Path(out_dir) / f"{name}.csv", encoding="utf-8-sig", dtype=str).fillna("")
