"""Give every row of every raw sheet a verdict and build the processed tables.

A row is accepted, rejected (with a reason per bad cell), skipped as blank / total / note, or a
duplicate of a record already read from another file or sheet. For every sheet
``rows_read == accepted + rejected + skipped + duplicates``: nothing is dropped silently.
Cells are parsed once per distinct value, so a million-row ledger costs about what its
distinct values cost.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from metrics import parsing
from metrics.headers import HeaderMatch, TableSpec, explain_missing, find_header, load_table_specs
from metrics.ingest import FileNotice, RawConfig, RawSheet
from metrics.parsing import Parsed, is_empty, normalize_text

TABLES = ("wishes", "donations", "purchases", "volunteering")
SOURCE_COLUMNS = ["unit", "source_file", "source_sheet", "source_row"]
REJECT_COLUMNS = ["table", "source_file", "source_sheet", "source_row", "column", "value", "reason"]

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

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


def _row_text(row: list[Any]) -> list[str]:
    return [normalize_text(c) for c in row if not is_empty(c)]


def classify_row(row: list[Any]) -> str | None:
    """'blank', 'total' or 'note' for rows that carry no record; None for a data row."""
    cells = _row_text(row)
    if not cells:
        return "blank"
    vocab = parsing.load_vocab()
    first = cells[0].replace(" ", "")
    if any(first.startswith(p.replace(" ", "")) for p in vocab["note_prefixes"]):
        return "note"
    totals = {w.replace(" ", "") for w in vocab["total_words"]}
    for text in cells[:3]:
        squeezed = re.sub(r"[\s:：]", "", text)
        if squeezed in totals or any(squeezed.startswith(w) for w in totals if len(w) >= 2):
            return "total"
    return None


def _cell(row: list[Any], index: int) -> Any:
    return row[index] if index < len(row) else None


def _parse_cached(
    parser: Parser, values: list[Any], multiplier: float, year: int | None
) -> list[Parsed]:
    cache: dict[Any, Parsed] = {}
    out: list[Parsed] = []
    for v in values:
        try:
            key = (type(v), v)
            hit = cache.get(key)
        except TypeError:  # unhashable: parse directly
            out.append(parser(v, multiplier, year))
            continue
        if hit is None:
            hit = cache[key] = parser(v, multiplier, year)
        out.append(hit)
    return out


def _sheet_multiplier(pin_unit: str | None) -> float | None:
    if not pin_unit:
        return None
    from metrics.headers import split_unit

    return split_unit(f"x({pin_unit})")[1]


def clean_sheet(sheet: RawSheet, specs: dict[str, TableSpec], config: RawConfig) -> SheetResult:
    """Verdict for every row below the header of one sheet."""
    pin = config.pin_for(sheet.file, sheet.sheet)
    result = SheetResult(sheet.file, sheet.sheet, sheet.sha256, None, None)
    if pin and pin.skip:
        result.notice = FileNotice(sheet.file, sheet.sheet, "info", "按 shishi.toml 的设置跳过")
        return result
    match = find_header(
        sheet.rows,
        specs,
        table=pin.table if pin else None,
        header_row=(pin.header_row - 1) if pin and pin.header_row else None,
    )
    if match is None:
        result.notice = _no_table_notice(sheet, specs)
        return result
    result.table = match.table
    result.header_row = match.row_index + 1
    result.unknown_headers = match.unknown_headers
    _parse_body(
        sheet, match, specs[match.table], result, _sheet_multiplier(pin.unit if pin else None)
    )
    return result


def _no_table_notice(sheet: RawSheet, specs: dict[str, TableSpec]) -> FileNotice:
    vocab = parsing.load_vocab()
    name = normalize_text(sheet.sheet).lower()
    text_rows = [r for r in sheet.rows if _row_text(r)]
    if any(w.lower() in name for w in vocab["no_table_sheet_words"]) or len(text_rows) == 0:
        return FileNotice(sheet.file, sheet.sheet, "info", "说明性工作表，没有数据表，已跳过")
    return FileNotice(sheet.file, sheet.sheet, "error", explain_missing(sheet.rows, specs))


def _parse_body(
    sheet: RawSheet,
    match: HeaderMatch,
    spec: TableSpec,
    result: SheetResult,
    pinned_multiplier: float | None,
) -> None:
    first_excel_row = match.row_index + 2
    body = sheet.rows[match.row_index + 1 :]
    result.counts = {
        "rows_read": len(body),
        "accepted": 0,
        "rejected": 0,
        "skipped_blank": 0,
        "skipped_total": 0,
        "skipped_note": 0,
        "duplicates": 0,
    }
    kinds = [classify_row(r) for r in body]
    data_idx = [i for i, k in enumerate(kinds) if k is None]
    total_idx = [i for i, k in enumerate(kinds) if k == "total"]
    for k in ("blank", "total", "note"):
        result.counts[f"skipped_{k}"] = sum(1 for x in kinds if x == k)

    columns: dict[str, list[Any]] = {}
    errors: list[list[tuple[str, Any, str]]] = [[] for _ in data_idx]
    multipliers: dict[str, float] = {}
    for col in match.columns:
        fspec = spec.fields[col.field]
        multiplier = col.multiplier
        if pinned_multiplier is not None and fspec.type == "amount" and col.multiplier == 1.0:
            multiplier = pinned_multiplier
        multipliers[col.field] = multiplier
        raw = [_cell(body[i], col.index) for i in data_idx]
        parsed = _parse_cached(PARSERS[fspec.type], raw, multiplier, sheet.year_hint)
        columns[col.field] = [p.value for p in parsed]
        if fspec.qualifier_column:
            columns[fspec.qualifier_column] = [p.qualifier for p in parsed]
        for j, p in enumerate(parsed):
            if p.error:
                errors[j].append((col.header, raw[j], p.error))
            elif p.value is None and fspec.required:
                errors[j].append((col.header, raw[j], f"必填项「{col.header}」为空"))
        if fspec.derive_column:
            derived = _parse_cached(PARSERS[fspec.derive_type], raw, 1.0, None)
            columns[fspec.derive_column] = [d.value for d in derived]
            for j, (p, d) in enumerate(zip(parsed, derived, strict=True)):
                if p.ok and p.value is not None and d.error:
                    errors[j].append((col.header, raw[j], d.error))
    for fspec in spec.fields.values():  # canonical columns the sheet lacks stay, empty
        columns.setdefault(fspec.name, [None] * len(data_idx))
        if fspec.qualifier_column:
            columns.setdefault(fspec.qualifier_column, ["exact"] * len(data_idx))
        if fspec.derive_column:
            columns.setdefault(fspec.derive_column, [None] * len(data_idx))

    frame = pd.DataFrame(columns)
    frame["unit"] = sheet.unit_name
    frame["source_file"] = sheet.file
    frame["source_sheet"] = sheet.sheet
    frame["source_row"] = [first_excel_row + i for i in data_idx]
    ok = [not e for e in errors]
    for j, errs in enumerate(errors):
        for header, value, reason in errs:
            result.rejects.append(
                {
                    "table": spec.name,
                    "source_file": sheet.file,
                    "source_sheet": sheet.sheet,
                    "source_row": first_excel_row + data_idx[j],
                    "column": header,
                    "value": "" if value is None else str(value),
                    "reason": reason,
                }
            )
    result.counts["rejected"] = ok.count(False)
    result.records = frame[ok].reset_index(drop=True)
    result.counts["accepted"] = len(result.records)  # duplicates are moved out later
    result.total_checks = _check_totals(
        body, total_idx, first_excel_row, match, spec, result, multipliers
    )


def _check_totals(
    body: list[list[Any]],
    total_idx: list[int],
    first_excel_row: int,
    match: HeaderMatch,
    spec: TableSpec,
    result: SheetResult,
    multipliers: dict[str, float],
) -> list[TotalCheck]:
    fname = spec.amount_field
    col = next((c for c in match.columns if c.field == fname), None)
    if not total_idx or col is None or result.records is None:
        return []
    fspec = spec.fields[fname]
    values = result.records[fname]
    quals = result.records[fspec.qualifier_column] if fspec.qualifier_column else []
    computed = float(pd.to_numeric(values, errors="coerce").fillna(0).sum())
    computed_q = parsing.combine_qualifiers(
        q for q, v in zip(quals, values, strict=False) if v is not None
    )
    checks = []
    for i in total_idx:
        parser = PARSERS[fspec.type]
        stated = parser(_cell(body[i], col.index), multipliers.get(fname, 1.0), None)
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
                excel_row=first_excel_row + i,
                field=fname,
                stated=stated.value if stated.ok else None,
                stated_qualifier=stated.qualifier,
                computed=round(computed, 2),
                computed_qualifier=computed_q,
                status=status,
            )
        )
    return checks


def record_key_columns(spec: TableSpec) -> list[str]:
    """Columns that make two records 'the same record' (everything but where it was read)."""
    cols: list[str] = []
    for f in spec.fields.values():
        cols.append(f.name)
        if f.qualifier_column:
            cols.append(f.qualifier_column)
    return cols


def mark_duplicates(results: list[SheetResult], specs: dict[str, TableSpec]) -> None:
    """Move records already read from an earlier file or sheet out of the later one.

    Offices send the same file twice under two names; identical rows inside one sheet are
    left alone (two equal donations on one day are plausible).
    """
    for table in TABLES:
        owned = [
            r for r in results if r.table == table and r.records is not None and len(r.records)
        ]
        if len(owned) < 2:
            continue
        keys = record_key_columns(specs[table])
        first_owner: dict[int, int] = {}
        for n, res in enumerate(owned):
            hashes = pd.util.hash_pandas_object(res.records[keys].astype(str), index=False)
            is_dup = []
            for h in hashes:
                h = int(h)
                owner = first_owner.setdefault(h, n)
                is_dup.append(owner != n)
            if any(is_dup):
                mask = pd.Series(is_dup, index=res.records.index)
                res.add("duplicates", int(mask.sum()))
                res.counts["accepted"] -= int(mask.sum())
                res.duplicate_records = res.records[mask]
                res.records = res.records[~mask].reset_index(drop=True)


def clean_sheets(
    sheets: list[RawSheet], config: RawConfig
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, list[SheetResult]]:
    """All raw sheets -> (processed tables, rejects, per-sheet results for the manifest)."""
    specs = load_table_specs(config.extra_headers)
    results = [clean_sheet(s, specs, config) for s in sheets]
    # reconcile totals before duplicates are moved out: a sheet's 合计 covers its own rows
    mark_duplicates(results, specs)
    tables = {t: _assemble(t, specs[t], results) for t in TABLES}
    rejects = pd.DataFrame([r for res in results for r in res.rejects], columns=REJECT_COLUMNS)
    return tables, rejects, results


def table_columns(spec: TableSpec) -> list[str]:
    cols: list[str] = []
    for f in spec.fields.values():
        cols.append(f.name)
        if f.qualifier_column:
            cols.append(f.qualifier_column)
        if f.derive_column:
            cols.append(f.derive_column)
    return cols + SOURCE_COLUMNS


def _assemble(table: str, spec: TableSpec, results: list[SheetResult]) -> pd.DataFrame:
    frames = [r.records for r in results if r.table == table and r.records is not None]
    cols = table_columns(spec)
    frames = [f for f in frames if len(f)]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    frame = frame[cols]
    for name, fspec in spec.fields.items():
        if fspec.type == "date":
            frame[name] = pd.to_datetime(frame[name].map(_as_timestamp), errors="raise")
        elif fspec.type in {"amount", "hours"}:
            frame[name] = pd.to_numeric(frame[name]).astype("float64")
        elif fspec.type == "count":
            frame[name] = pd.array(frame[name].tolist(), dtype="Int64")
        else:
            frame[name] = frame[name].astype("string")
    for name in [f.derive_column for f in spec.fields.values() if f.derive_column]:
        frame[name] = frame[name].astype("string")
    for name in [f.qualifier_column for f in spec.fields.values() if f.qualifier_column]:
        frame[name] = frame[name].astype("string")
    frame["source_row"] = frame["source_row"].astype("int64")
    for name in ("unit", "source_file", "source_sheet"):
        frame[name] = frame[name].astype("string")
    return frame


def _as_timestamp(value: Any) -> Any:
    if value is None:
        return pd.NaT
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    return value
