"""Give every row of every raw sheet a verdict and build the processed tables.

A row is accepted, rejected (with a reason per bad cell), skipped as blank / total / note, or a
duplicate of a record already read from another file or sheet. For every sheet
``rows_read == accepted + rejected + skipped + duplicates``: nothing is dropped silently.
Cells are parsed once per distinct value, so a million-row ledger costs about what its
distinct values cost.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd

from metrics.cleaning import context, duplicates, parsing
from metrics.cleaning.duplicates import mark_duplicates
from metrics.cleaning.headers import (
    HEADER_SEARCH_ROWS,
    HeaderMatch,
    TableSpec,
    explain_missing,
    find_header,
    load_table_specs,
)
from metrics.cleaning.ingest import FileNotice, RawSheet
from metrics.cleaning.parsing import Parsed, is_empty, normalize_text
from metrics.config import RawConfig
from metrics.contract import COUNT_KEYS, REJECT_COLUMNS, TABLES, columns

#: Parsers by field type (headers.toml `type`); each takes (value, multiplier, year_hint).
Parser = Callable[[Any, float, int | None], Parsed]


def _text(value: Any, _m: float, _y: int | None) -> Parsed:
    if is_empty(value):
        return Parsed(None)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return Parsed(re.sub(r"\s+", " ", str(value)).strip())


PARSERS: dict[str, Parser] = {
    "text": _text,
    "amount": lambda v, m, _y: parsing.parse_amount(v, m),
    "count": lambda v, _m, _y: parsing.parse_count(v),
    "hours": lambda v, _m, _y: parsing.parse_hours(v),
    "date": lambda v, _m, y: parsing.parse_date(v, y),
    "status": lambda v, _m, _y: parsing.parse_status(v),
    "kind": lambda v, _m, _y: parsing.parse_kind(v),
    "buyer_type": lambda v, _m, _y: parsing.parse_buyer_type(v),
    "donor_type": lambda v, _m, _y: parsing.parse_donor_type(v),
}


@dataclass
class TotalCheck:
    """A sheet's own 合计 row compared with the sum of its valid rows (reported, not enforced)."""

    excel_row: int
    field: str
    stated: float | None
    stated_qualifier: str
    computed: float
    computed_qualifier: str
    status: str  # agree | differ | consistent | unreadable

    @property
    def difference(self) -> float | None:
        return None if self.stated is None else round(self.stated - self.computed, 2)


@dataclass
class SheetResult:
    """Everything learned from one sheet: its records, refusals and row accounting."""

    file: str
    sheet: str
    sha256: str
    table: str | None
    header_row: int | None  # 1-based Excel row
    records: pd.DataFrame | None = None  # accepted rows
    duplicate_records: pd.DataFrame | None = None  # rows already read from an earlier sheet
    rejects: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    total_checks: list[TotalCheck] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)
    notice: FileNotice | None = None
    #: what surrounds the table (title/signature/name dates, stated period): cleaning/context.py
    context: context.SheetContext | None = None
    dates: context.DateFill | None = None
    #: notices about a sheet that was read (a year or date taken from its context)
    notes: list[FileNotice] = field(default_factory=list)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


def _row_text(row: list[Any]) -> list[str]:
    return [normalize_text(c) for c in row if not is_empty(c)]


@cache
def _row_markers() -> tuple[tuple[str, ...], frozenset[str], tuple[str, ...]]:
    """(note prefixes, total words, total words a cell may start with: two characters or more)."""
    vocab = parsing.load_vocab()
    notes = tuple(p.replace(" ", "") for p in vocab["note_prefixes"])
    totals = frozenset(w.replace(" ", "") for w in vocab["total_words"])
    return notes, totals, tuple(w for w in totals if len(w) >= 2)


_MARKER_NOISE = re.compile(r"[\s:：]")


@lru_cache(maxsize=1 << 16)
def _marker(cell: str) -> str | None:
    """'note' if a cell starts a footnote (注：…), 'total' if it names a total row (合计)."""
    notes, totals, total_prefixes = _row_markers()
    text = normalize_text(cell)
    if text.replace(" ", "").startswith(notes):
        return "note"
    squeezed = _MARKER_NOISE.sub("", text)
    if squeezed in totals or squeezed.startswith(total_prefixes):
        return "total"
    return None


def _cell(row: list[Any], index: int) -> Any:
    return row[index] if index < len(row) else None


def _sheet_multiplier(pin_unit: str | None) -> float | None:
    if not pin_unit:
        return None
    from metrics.cleaning.headers import split_unit

    return split_unit(f"x({pin_unit})")[1]


#: Told how many more rows have been read (a progress bar's ``update``).
RowsDone = Callable[[int], object]


def clean_sheet(
    sheet: RawSheet,
    specs: dict[str, TableSpec],
    config: RawConfig,
    rows_done: RowsDone | None = None,
) -> SheetResult:
    """Verdict for every row below the header of one sheet."""
    pin = config.pin_for(sheet.file, sheet.sheet)
    result = SheetResult(sheet.file, sheet.sheet, sheet.sha256, None, None)
    if pin and pin.skip:
        result.notice = FileNotice(sheet.file, sheet.sheet, "info", "按 shishi.toml 的设置跳过")
        return result
    pinned_row = pin.header_row if pin and pin.header_row else 0
    head = sheet.head(max(HEADER_SEARCH_ROWS, pinned_row + 1))
    match = find_header(
        head,
        specs,
        table=pin.table if pin else None,
        header_row=(pin.header_row - 1) if pin and pin.header_row else None,
    )
    if match is None:
        result.notice = _no_table_notice(sheet, head, specs)
        return result
    result.table = match.table
    result.header_row = match.row_index + 1
    result.unknown_headers = match.unknown_headers
    result.context, result.dates, date_notes = context.sheet_dates(
        sheet, head, match, specs[match.table].fields, pin
    )
    _parse_body(
        sheet,
        match,
        specs[match.table],
        result,
        _sheet_multiplier(pin.unit if pin else None),
        rows_done,
    )
    if date_notes and context.used_context(result.records):
        result.notes += [FileNotice(sheet.file, sheet.sheet, "check", m) for m in date_notes]
    return result


def _no_table_notice(
    sheet: RawSheet, head: list[list[Any]], specs: dict[str, TableSpec]
) -> FileNotice:
    vocab = parsing.load_vocab()
    name = normalize_text(sheet.sheet).lower()
    text_rows = [r for r in head if _row_text(r)]
    if any(w.lower() in name for w in vocab["no_table_sheet_words"]) or len(text_rows) == 0:
        return FileNotice(sheet.file, sheet.sheet, "info", "说明性工作表，没有数据表，已跳过")
    return FileNotice(sheet.file, sheet.sheet, "error", explain_missing(head, specs))


_TYPE_OF = np.frompyfunc(type, 1, 1)


def factorize(values: np.ndarray, types: np.ndarray | None = None) -> tuple[np.ndarray, list[Any]]:
    """(codes, distinct values) of a column; code -1 stands for None / NaN.

    Booleans would collide with 1 and 0 in pandas' hash table, so a column holding any is
    keyed by (type, value) instead. ``types`` (each cell's type) saves a pass if known.
    """
    if types is None:
        types = _TYPE_OF(values)
    if (types == bool).any():  # noqa: E721 - exact type, not isinstance
        seen: dict[tuple[type, Any], int] = {}
        codes = np.fromiter(
            (seen.setdefault((type(v), v), len(seen)) for v in values),
            dtype=np.intp,
            count=len(values),
        )
        return codes, [v for _, v in seen]
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, list(uniques)


def parse_column(
    raw: np.ndarray, ftype: str, multiplier: float, year_hint: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A column's cells parsed: (values, qualifiers, errors), each an object array.

    Number cells of an amount column are converted in one step (they need no reading);
    every other cell goes through its parser once per distinct value.
    """
    n = len(raw)
    values = np.empty(n, dtype=object)  # an empty object array holds None: no fill needed
    quals = np.full(n, "exact", dtype=object)
    errs = np.empty(n, dtype=object)
    rest = np.ones(n, dtype=bool)
    types = _TYPE_OF(raw) if n else np.empty(0, dtype=object)
    if ftype == "amount" and n:
        numbers = np.flatnonzero((types == float) | (types == int))  # noqa: E721
        if len(numbers):
            with np.errstate(over="ignore"):  # an overflow becomes inf: the parser refuses it
                yuan = raw[numbers].astype(float) * multiplier
            finite = np.isfinite(yuan)
            yuan = yuan[finite]
            # rounding to cents multiplies by 100; past 1e15 a float has no cents to round
            yuan = np.where(np.abs(yuan) < 1e15, np.round(np.clip(yuan, -1e15, 1e15), 2), yuan)
            values[numbers[finite]] = list(yuan + 0.0)
            rest[numbers[finite]] = False
    if rest.any():
        parser = PARSERS[ftype]
        codes, uniques = factorize(raw[rest], types[rest])
        parsed = [parser(u, multiplier, year_hint) for u in uniques]
        parsed.append(parser(None, multiplier, year_hint))  # code -1
        if ftype == "date":  # a date's qualifier is its precision: day, or month (2024年11月)
            parsed = [
                Parsed(p.value, parsing.date_precision(u) if p.value is not None else None)
                if p.ok
                else p
                for p, u in zip(parsed, [*uniques, None], strict=True)
            ]
        for out, attr in ((values, "value"), (quals, "qualifier"), (errs, "error")):
            per_unique = np.empty(len(parsed), dtype=object)
            per_unique[:] = [getattr(p, attr) for p in parsed]
            out[rest] = per_unique[codes]
    return values, quals, errs


def _cell_verdict(value: Any) -> tuple[bool, int]:
    """(filled, mark) of one distinct non-number cell: mark 1 = note, 2 = total, 0 = neither."""
    if is_empty(value):
        return False, 0
    if not isinstance(value, str):
        return True, 0
    return True, {"note": 1, "total": 2}.get(_marker(value) or "", 0)


def _filled_and_marks(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per cell: is it filled, and does it mark a note (1) or a total (2)?

    Numbers are told apart by type alone (a number is filled unless NaN, and never a marker);
    only the other cells go through the vocabulary, once per distinct value.
    """
    types = _TYPE_OF(column)
    filled = np.ones(len(column), dtype=bool)
    marks = np.zeros(len(column), dtype=np.int8)
    floats = types == float  # noqa: E721 - exact types
    if floats.any():
        values = column[floats].astype(float)
        filled[floats] = values == values
    other = ~(floats | (types == int))  # noqa: E721
    if other.any():
        codes, uniques = factorize(column[other], types[other])
        verdicts = [_cell_verdict(u) for u in uniques] + [(False, 0)]  # code -1: None / NaN
        filled[other] = np.array([f for f, _ in verdicts], dtype=bool)[codes]
        marks[other] = np.array([m for _, m in verdicts], dtype=np.int8)[codes]
    return filled, marks


def classify_rows(grid: np.ndarray) -> np.ndarray:
    """Rows of a 2-D object grid as '' (data), 'blank', 'total' or 'note'.

    Only a row's first three filled cells can mark it: a note starts in the first, a total
    word may stand in any of the three.
    """
    n, width = grid.shape
    kinds = np.full(n, "", dtype=object)
    if width == 0:
        kinds[:] = "blank"
        return kinds
    filled = np.zeros((n, width), dtype=bool)
    marks = np.zeros((n, width), dtype=np.int8)
    for j in range(width):
        filled[:, j], marks[:, j] = _filled_and_marks(grid[:, j])
    rank = np.cumsum(filled, axis=1)
    note = (filled & (rank == 1) & (marks == 1)).any(axis=1)
    total = (filled & (rank <= 3) & (marks == 2)).any(axis=1) & ~note
    kinds[~filled.any(axis=1)] = "blank"
    kinds[note] = "note"
    kinds[total] = "total"
    return kinds


def _grid(body: list[list[Any]]) -> np.ndarray:
    """Rows of unequal length as one object grid (missing cells are None)."""
    lengths = {len(r) for r in body}
    width = max(lengths, default=0)
    if len(lengths) == 1 and width:  # calamine's rows all span the sheet's range
        grid = np.empty((len(body), width), dtype=object)
        grid[:] = body
        return grid
    grid = np.full((len(body), width), None, dtype=object)
    for i, row in enumerate(body):
        if row:
            grid[i, : len(row)] = row
    return grid


#: Rows parsed at a time: a million-row sheet never exists as Python objects all at once.
CHUNK_ROWS = 100_000


def _chunks(rows: Iterator[list[Any]], size: int) -> Iterator[tuple[list[list[Any]], bool]]:
    """Chunks of rows, each with whether it is the sheet's last (where a signature stands)."""
    end = object()
    while chunk := list(itertools.islice(rows, size)):
        peek = next(rows, end)
        yield chunk, peek is end
        if peek is end:
            return
        rows = itertools.chain([peek], rows)


def _parse_body(
    sheet: RawSheet,
    match: HeaderMatch,
    spec: TableSpec,
    result: SheetResult,
    pinned_multiplier: float | None,
    rows_done: RowsDone | None = None,
) -> None:
    """Parse the rows below the header, a chunk at a time, into result's records and counts."""
    result.counts = dict.fromkeys(COUNT_KEYS, 0)
    multipliers: dict[str, float] = {}
    for col in match.columns:
        fspec = spec.fields[col.field]
        multiplier = col.multiplier
        if pinned_multiplier is not None and fspec.type == "amount" and col.multiplier == 1.0:
            multiplier = pinned_multiplier
        multipliers[col.field] = multiplier
    body = itertools.islice(sheet.iter_rows(), match.row_index + 1, None)
    frames: list[pd.DataFrame] = []
    totals: list[tuple[int, list[Any]]] = []
    first_excel_row = match.row_index + 2
    chunk: list[list[Any]] = []
    for chunk, last in _chunks(body, CHUNK_ROWS):
        frame, chunk_totals = _parse_rows(
            chunk, first_excel_row, sheet, match, spec, result, multipliers, last
        )
        frames.append(frame)
        totals += chunk_totals
        first_excel_row += len(chunk)
        if rows_done is not None:
            rows_done(len(chunk))
    del body, chunk
    sheet.release()  # free calamine's copy of the sheet before the chunks are joined
    if frames:
        result.records = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    else:
        result.records = pd.DataFrame(columns=table_columns(spec))
    result.counts["accepted"] = len(result.records)  # duplicates are moved out later
    result.total_checks = _check_totals(totals, match, spec, result, multipliers)


def _parse_rows(
    body: list[list[Any]],
    first_excel_row: int,
    sheet: RawSheet,
    match: HeaderMatch,
    spec: TableSpec,
    result: SheetResult,
    multipliers: dict[str, float],
    last: bool = False,
) -> tuple[pd.DataFrame, list[tuple[int, list[Any]]]]:
    """One chunk of rows: verdicts counted into result, accepted rows returned as a frame."""
    grid = _grid(body)
    kinds = classify_rows(grid)
    if last:  # an issuer's name over a date under the table: a signature, not data
        kinds[context.signature_positions(body, kinds)] = "note"
    data_idx = np.flatnonzero(kinds == "")
    result.counts["rows_read"] += len(body)
    for kind in ("blank", "total", "note"):
        result.counts[f"skipped_{kind}"] += int((kinds == kind).sum())
    n = len(data_idx)
    columns: dict[str, Any] = {}
    bad = np.zeros(n, dtype=bool)
    problems: list[tuple[int, str, Any, str]] = []  # (position, header, value, reason)
    times = np.empty(n, dtype=object)  # time-only cells of the date column (07:06:18)
    year_hint = sheet.year_hint or (result.context.year if result.context else None)
    for col in match.columns:
        fspec = spec.fields[col.field]
        multiplier = multipliers[col.field]
        raw = grid[data_idx, col.index] if col.index < grid.shape[1] else np.empty(n, dtype=object)
        values, quals, errs = parse_column(raw, fspec.type, multiplier, year_hint)
        if result.dates is not None and col.field == context.DATE_FIELD:
            times = context.times_of(raw)
            errs = np.where(np.equal(times, None), errs, None)
        columns[col.field] = values
        if fspec.qualifier_column:
            columns[fspec.qualifier_column] = quals
        failed = np.not_equal(errs, None)
        if fspec.required:
            failed |= np.equal(values, None) & np.equal(times, None)
        for j in np.flatnonzero(failed):
            reason = errs[j] or f"必填项「{col.header}」为空"
            problems.append((int(j), col.header, raw[j], reason))
        if fspec.derive_column:
            derived, _, derive_errs = parse_column(raw, fspec.derive_type, 1.0, None)
            columns[fspec.derive_column] = derived
            for j in np.flatnonzero(np.not_equal(derive_errs, None)):
                if errs[j] is None and values[j] is not None:
                    problems.append((int(j), col.header, raw[j], derive_errs[j]))
    if result.dates is not None:  # dates from a time column, transaction numbers or context
        id_raw = None
        if result.dates.id_index is not None and result.dates.id_index < grid.shape[1]:
            id_raw = grid[data_idx, result.dates.id_index]
        dated, undated = result.dates.fill(
            columns.get(context.DATE_FIELD, [None] * n), times, id_raw
        )
        columns.update(dated)
        for j in np.flatnonzero(undated):
            problems.append((int(j), "日期", None, result.dates.missing_reason()))
    for fspec in spec.fields.values():  # canonical columns the sheet lacks stay, empty
        columns.setdefault(fspec.name, [None] * n)
        if fspec.name == context.DATE_FIELD:
            for name in context.CONTEXT_COLUMNS:
                columns.setdefault(name, [None] * n)
    if spec.name in duplicates.NEAR_TABLES:  # set once every sheet is read (flag_near)
        for name, default in duplicates.REVIEW_DEFAULTS.items():
            columns.setdefault(name, [default] * n)
        if fspec.qualifier_column:
            columns.setdefault(
                fspec.qualifier_column, [None if fspec.type == "date" else "exact"] * n
            )
        if fspec.derive_column:
            columns.setdefault(fspec.derive_column, [None] * n)

    frame = pd.DataFrame(columns)
    frame["unit"] = sheet.unit_name
    frame["source_file"] = sheet.file
    frame["source_sheet"] = sheet.sheet
    frame["source_row"] = first_excel_row + data_idx
    for j, header, value, reason in sorted(problems, key=lambda p: p[0]):
        bad[j] = True
        result.rejects.append(
            {
                "table": spec.name,
                "source_file": sheet.file,
                "source_sheet": sheet.sheet,
                "source_row": int(first_excel_row + data_idx[j]),
                "column": header,
                "value": "" if value is None else str(value),
                "reason": reason,
            }
        )
    result.counts["rejected"] += int(bad.sum())
    totals = [(first_excel_row + int(i), body[int(i)]) for i in np.flatnonzero(kinds == "total")]
    if bad.any():
        frame = frame[~bad].reset_index(drop=True)
    return typed_columns(frame, spec), totals


def _check_totals(
    totals: list[tuple[int, list[Any]]],
    match: HeaderMatch,
    spec: TableSpec,
    result: SheetResult,
    multipliers: dict[str, float],
) -> list[TotalCheck]:
    fname = spec.amount_field
    col = next((c for c in match.columns if c.field == fname), None)
    if not totals or col is None or result.records is None:
        return []
    fspec = spec.fields[fname]
    values = result.records[fname]
    computed = float(pd.to_numeric(values, errors="coerce").fillna(0).sum())
    computed_q = "exact"
    if fspec.qualifier_column:  # qualifiers combine as a set: the distinct ones will do
        quals = result.records[fspec.qualifier_column][values.notna()]
        computed_q = parsing.combine_qualifiers(quals.dropna().unique())
    checks = []
    for excel_row, row in totals:
        parser = PARSERS[fspec.type]
        stated = parser(_cell(row, col.index), multipliers.get(fname, 1.0), None)
        if not stated.ok or stated.value is None:
            status = "unreadable"
        elif abs(stated.value - computed) < 0.5:
            status = "agree"
        elif computed_q == "at_least" and stated.value >= computed:
            status = "consistent"
        else:
            status = "differ"
        checks.append(
            TotalCheck(
                excel_row=excel_row,
                field=fname,
                stated=stated.value if stated.ok else None,
                stated_qualifier=stated.qualifier,
                computed=round(computed, 2),
                computed_qualifier=computed_q,
                status=status,
            )
        )
    return checks


def clean_sheets(
    sheets: list[RawSheet], config: RawConfig, rows_done: RowsDone | None = None
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, list[SheetResult]]:
    """All raw sheets -> (processed tables, rejects, per-sheet results for the manifest).

    ``rows_done`` hears of the rows as they are read: in chunks for a big sheet, and the
    rest of a sheet (title and header rows, or a sheet without a table) once it is done.
    """
    specs = load_table_specs(config.extra_headers)
    results = []
    for sheet in sheets:
        rows = sheet.row_count
        result = clean_sheet(sheet, specs, config, rows_done)
        results.append(result)
        sheet.release()
        counted = result.counts.get("rows_read", 0)  # the body's rows, already reported
        if rows_done is not None and rows > counted:
            rows_done(rows - counted)
    # reconcile totals before duplicates are moved out: a sheet's 合计 covers its own rows
    mark_duplicates(results, specs)
    tables = duplicates.flag_near({t: _assemble(t, specs[t], results) for t in TABLES})
    rejects = pd.DataFrame(
        [r for res in results for r in res.rejects], columns=list(REJECT_COLUMNS)
    )
    return tables, rejects, results


def column_dtypes(spec: TableSpec) -> dict[str, str]:
    """A table's columns in contract order, each with its contract dtype."""
    return {c.name: c.dtype for c in columns(spec.name)}


def table_columns(spec: TableSpec) -> list[str]:
    return list(column_dtypes(spec))


def _assemble(table: str, spec: TableSpec, results: list[SheetResult]) -> pd.DataFrame:
    frames = [r.records for r in results if r.table == table and r.records is not None]
    frames = [f for f in frames if len(f)]
    if not frames:
        return typed_columns(pd.DataFrame(columns=table_columns(spec)), spec)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return typed_columns(frame, spec)  # chunks are typed already; this only settles dtypes


def typed_columns(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """A table's columns in contract order with their contract dtypes.

    Applied to each chunk as soon as it is parsed, so a big sheet is held as float64,
    datetime64 and Arrow strings rather than as one Python object per cell.
    """
    dtypes = column_dtypes(spec)
    frame = frame[list(dtypes)]  # a new frame (copy-on-write): the caller's is left alone
    for name, dtype in dtypes.items():
        column = frame[name]
        if dtype == "datetime" and not pd.api.types.is_datetime64_dtype(column):
            frame[name] = pd.to_datetime(column.astype(object), errors="raise")
        elif dtype == "Int64" and column.dtype != "Int64":
            frame[name] = pd.array(column.tolist(), dtype="Int64")
        elif dtype not in {"datetime", "Int64"} and column.dtype != dtype:
            frame[name] = column.astype(dtype)
    return frame
