"""Give every row of every raw sheet a verdict and build the processed tables.

A row is accepted, rejected (with a reason per bad cell), skipped as blank / total / note, or a
duplicate of a record already read from another file or sheet. For every sheet
``rows_read == accepted + rejected + skipped + duplicates``: nothing is dropped silently.
Cells are parsed once per distinct value, so a million-row ledger costs about what its
distinct values cost.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, cast

import numpy as np
import pandas as pd

from metrics.cleaning import (
    context,
    duplicates,
    headerless,
    layout,
    not_ledgers,
    parsing,
    provenance,
    readings,
    statuses,
)
from metrics.cleaning import totals as totals_mod
from metrics.cleaning.context import DateFill
from metrics.cleaning.corrections import settle_copies
from metrics.cleaning.duplicates import mark_duplicates
from metrics.cleaning.headers import (
    HEADER_SEARCH_ROWS,
    ColumnMatch,
    FieldSpec,
    HeaderMatch,
    TableSpec,
    _match_cell,
    find_header,
    goods_unit_of,
    load_table_specs,
    match_header_cell,
    undecided_notice,
    why_no_table,
)
from metrics.cleaning.ingest import DEFAULT_UNIT, FileNotice, RawSheet
from metrics.cleaning.ledgers import running_tables
from metrics.cleaning.parsing import MAX_AMOUNT_YUAN, Parsed, is_empty, normalize_text
from metrics.cleaning.provenance import sheet_origins
from metrics.cleaning.totals import Figure, TotalCheck, TotalRow
from metrics.config import RawConfig
from metrics.contract import (
    COUNT_KEYS,
    REJECT_COLUMNS,
    TABLES,
    Col,
    Reason,
    Refusal,
    columns,
    reason_code,
)

#: Parsers by field type (headers.toml `type`); each takes (value, multiplier, year_hint).
Parser = Callable[[Any, float, int | None], Parsed]


def _text(value: Any, _m: float, _y: int | None) -> Parsed:
    if is_empty(value):
        return Parsed(None)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return Parsed(re.sub(r"\s+", " ", str(value)).strip())


_PLAIN_NUMBER = re.compile(r"\s*\d+(\.\d+)?\s*")


def _hours(value: Any, multiplier: float) -> Parsed:
    """Hours; a bare number under a header in another unit (服务时长（分钟）) is converted."""
    parsed = parsing.parse_hours(value)
    plain = isinstance(value, (int, float)) and not isinstance(value, bool)
    plain = plain or (isinstance(value, str) and bool(_PLAIN_NUMBER.fullmatch(value)))
    if multiplier == 1.0 or not plain or not parsed.ok or parsed.value is None:
        return parsed
    return Parsed(round(float(parsed.value) * multiplier, 2) + 0.0, parsed.qualifier)


PARSERS: dict[str, Parser] = {
    "text": _text,
    "amount": lambda v, m, _y: parsing.parse_amount(v, m),
    "count": lambda v, _m, _y: parsing.parse_count(v),
    "hours": lambda v, m, _y: _hours(v, m),
    "date": lambda v, _m, y: parsing.parse_date(v, y),
    "status": lambda v, _m, _y: parsing.parse_status(v),
    "kind": lambda v, _m, _y: parsing.parse_kind(v),
    Col.BUYER_TYPE: lambda v, _m, _y: parsing.parse_buyer_type(v),
    Col.DONOR_TYPE: lambda v, _m, _y: parsing.parse_donor_type(v),
}


def parsers_for(config: RawConfig) -> dict[str, Parser]:
    """The parsers, with status words read by the table the analyst's shishi.toml extends."""
    table = statuses.table_for(config.status_words, config.status_verbs, str(config.settings_file))
    return PARSERS | {"status": lambda v, _m, _y: parsing.parse_status(v, table)}


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
    #: what the analyst should confirm: columns read by content, fills, unconverted currencies
    notices: list[FileNotice] = field(default_factory=list)
    #: what surrounds the table (title/signature/name dates, stated period): cleaning/context.py
    context: context.SheetContext | None = None
    dates: DateFill | None = None
    #: the header reading the rows were parsed by (None: the sheet was not read)
    match: HeaderMatch | None = None
    #: the sheet's first rows (header search window), for its reading (cleaning/readings.py);
    #: dropped once that is made
    head: list[list[Any]] = field(default_factory=list, repr=False)
    #: how the sheet was read, column by column, when the data-quality report should show it
    reading: readings.SheetReading | None = None
    timed: str = ""  # the header of a date column holding times only (07:06:18)
    yearless: str = ""  # the header of a date column whose cells took the title's year
    #: which department sent it, for which period (provenance.Origin); None: no ledger
    origin: Any = None
    #: field -> the value every row takes, for a field the sheet has no column for and that
    #: its context states (a department's own list: its organiser is that department)
    given: dict[str, str] = field(default_factory=dict)
    #: the correction that replaced this sheet's rows, and the group both belong to
    replaced_by: str = ""
    copies: Any = None

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def note(self, message: str, level: str = "check") -> None:
        """A notice for the analyst to confirm (level "check"), or only to know ("info")."""
        self.notices.append(FileNotice(self.file, self.sheet, level, message))


def _row_text(row: list[Any]) -> list[str]:
    return [normalize_text(c) for c in row if not is_empty(c)]


@cache
def _row_markers() -> tuple[tuple[str, ...], frozenset[str], tuple[str, ...]]:
    """(note prefixes, total words, total words a cell may start with: two characters or more)."""
    vocab = parsing.load_vocab()
    notes = tuple(p.replace(" ", "") for p in vocab["note_prefixes"])
    totals = frozenset(w.replace(" ", "").lower() for w in vocab["total_words"])
    return notes, totals, tuple(w for w in totals if len(w) >= 2)


_MARKER_NOISE = re.compile(r"[\s:：]")


@lru_cache(maxsize=1 << 16)
def _marker(cell: str) -> str | None:
    """'note' if a cell starts a footnote (注：…), 'total' if it names a total row (合计)."""
    notes, totals, total_prefixes = _row_markers()
    text = normalize_text(cell)
    if text.replace(" ", "").startswith(notes):
        return "note"
    squeezed = _MARKER_NOISE.sub("", text).lower()
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
    head = sheet.head(max(HEADER_SEARCH_ROWS, pinned_row + 1) + layout.PROFILE_ROWS)
    result.head = head
    if not (pin and pin.table) and (notice := _distribution_notice(sheet, head, specs)):
        result.notice = notice
        return result
    no_header = False  # a table without a header row: found by content, or pinned by column
    if pin and pin.columns and pin.table:  # the analyst said which column holds what
        match: HeaderMatch | None = headerless.pinned_match(head, pin, specs[pin.table])
        no_header = pin.first_row is not None
    else:
        match = find_header(
            head,
            specs,
            table=pin.table if pin else None,
            header_row=(pin.header_row - 1) if pin and pin.header_row else None,
            context=f"{sheet.file} {sheet.sheet}",
        )
    if match is None:
        found = headerless.read_headerless(
            sheet, head, specs, pin.table if pin else None, str(config.settings_file)
        )
        if found is None or found.match is None:
            result.notice = (found.notice if found else None) or _no_table_notice(
                sheet, head, specs, str(config.settings_file)
            )
            return result
        match, no_header = found.match, True
        result.note(found.note)
    if match.undecided:  # which column, or which ledger, only the analyst can say: a to-do
        if not (pin and pin.table) and (
            other := not_ledgers.not_a_ledger(sheet, head, specs, str(config.settings_file))
        ):
            # fitting two ledgers alike, yet a payout list or a budget by its words: said as
            # what it is, not as a ledger to settle
            result.notice = other
            return result
        message, toml, hint = undecided_notice(
            match, specs[match.table], str(config.settings_file), sheet.file, sheet.sheet
        )
        result.notice = FileNotice(sheet.file, sheet.sheet, "error", message, toml=toml, hint=hint)
        return result
    result.table, result.match = match.table, match
    result.header_row = None if no_header else match.row_index + 1
    _give_from_context(sheet, head, specs[match.table], result, config)
    result.unknown_headers = match.unknown_headers
    for message in match.notices:
        result.note(f"第{result.header_row}行表头：{message}")
    result.context, result.dates, date_notes = context.sheet_dates(
        sheet,
        head,
        headerless.title_match(match) if no_header else match,
        specs[match.table].fields,
        pin,
    )
    refs = [c.index for c in match.columns if c.field == "ref"]
    if refs and result.dates and not result.dates.has_column and result.dates.id_index is None:
        # a transaction number may carry the date (0102 20200202 2357…)
        result.dates = dataclasses.replace(result.dates, id_index=refs[0])
    _parse_body(
        sheet,
        match,
        specs[match.table],
        result,
        _sheet_multiplier(pin.unit if pin else None),
        rows_done,
        config.rates,
        str(config.settings_file),
        parsers_for(config),
        headerless.side_totals(sheet.iter_rows(), match) if no_header else (),
        None if no_header else header_fields(sheet, head, match),
    )
    if date_notes and context.used_context(result.records):
        for message in date_notes:  # a year or a date taken from the table's context
            result.note(message)
    return result


def _give_from_context(
    sheet: RawSheet, head: list[list[Any]], spec: TableSpec, result: SheetResult, config: RawConfig
) -> None:
    """A text field the table may take from its context (headers.toml ``from_context``, the
    organiser) and has no column for: every row takes the sheet's sender, said in a notice."""
    assert result.match is not None
    named = {c.field for c in result.match.columns}
    for f in spec.fields.values():
        if not f.from_context or f.type != "text" or f.name in named:
            continue
        value, where = provenance.sender(
            sheet.file,
            sheet.sheet,
            head,
            result.header_row or 1,
            branches=config.branches,
            unit_name=sheet.unit_name or config.unit_name or DEFAULT_UNIT,
        )
        result.given[f.name] = value
        result.note(
            f"表中没有「{f.label}」列，各行的{f.label}按{where}记为「{value}」；"
            f"如不对，请在表中加一列「{f.label}」后重新报送"
        )


def _distribution_notice(
    sheet: RawSheet, head: list[list[Any]], specs: dict[str, TableSpec]
) -> FileNotice | None:
    """A list of goods given out (接收单位 / 品名 / 数量) is not a donation ledger: skipped."""
    for r, row in enumerate(head[:HEADER_SEARCH_ROWS]):
        if not layout.is_distribution_header(row):
            continue
        if any(match_header_cell(c, specs["donations"]) == (Col.DONOR, 1.0) for c in row):
            return None
        below = sum(
            1
            for body_row in itertools.islice(sheet.iter_rows(), r + 1, None)
            if _row_text(body_row)
        )
        return FileNotice(
            sheet.file,
            sheet.sheet,
            "info",
            f"第{r + 1}行表头（{'、'.join(_row_text(row))}）是物资发放（去向）清单，"
            f"不是{specs['donations'].label}台账；其下 {below} 行未计入，已跳过",
        )
    return None


def _no_table_notice(
    sheet: RawSheet, head: list[list[Any]], specs: dict[str, TableSpec], settings: str
) -> FileNotice:
    vocab = parsing.load_vocab()
    name = normalize_text(sheet.sheet).lower()
    text_rows = [r for r in head if _row_text(r)]
    if any(w.lower() in name for w in vocab["no_table_sheet_words"]) or len(text_rows) == 0:
        return FileNotice(sheet.file, sheet.sheet, "info", "说明性工作表，没有数据表，已跳过")
    # a 收支明细, a roster, a budget: said plainly, not as a ledger lacking a column
    if (other := not_ledgers.not_a_ledger(sheet, head, specs, settings)) is not None:
        return other
    message, toml = why_no_table(head, specs, settings)
    return FileNotice(sheet.file, sheet.sheet, "error", message, toml=toml)


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


def _quantity(value: Any, _m: float, _y: int | None) -> Parsed:
    """A goods quantity ('12500', '1.25万包'); the unit read off it is kept by the caller."""
    if is_empty(value):
        return Parsed(None)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Parsed(float(value))
    number, _unit = layout.parse_quantity_cell(str(value))
    if number is None:
        return Parsed(
            error=Refusal(
                Reason.COUNT_UNREADABLE,
                f"数量无法识别：「{normalize_text(value)}」；应为数字，如 120 或 120箱",
            )
        )
    return Parsed(number)


PARSERS["quantity"] = _quantity


def parse_column(
    raw: np.ndarray,
    ftype: str,
    multiplier: float,
    year_hint: int | None,
    parsers: dict[str, Parser] | None = None,
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
    if ftype in ("amount", "quantity") and n:
        numbers = np.flatnonzero((types == float) | (types == int))  # noqa: E721
        if len(numbers):
            with np.errstate(over="ignore"):  # an overflow becomes inf: the parser refuses it
                yuan = raw[numbers].astype(float) * multiplier
            # beyond MAX_AMOUNT_YUAN (or inf) the cell parser refuses the cell, with its reason
            finite = np.isfinite(yuan) & (np.abs(yuan) <= MAX_AMOUNT_YUAN)
            yuan = yuan[finite]
            # rounding to cents multiplies by 100; past 1e15 a float has no cents to round
            yuan = np.where(np.abs(yuan) < 1e15, np.round(np.clip(yuan, -1e15, 1e15), 2), yuan)
            values[numbers[finite]] = list(yuan + 0.0)
            rest[numbers[finite]] = False
    if rest.any():
        parser = (parsers or PARSERS)[ftype]
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


def _per_distinct(raw: np.ndarray, fn: Callable[[Any], Any]) -> np.ndarray:
    """fn applied once per distinct value of a column (None for empty cells)."""
    out = np.empty(len(raw), dtype=object)
    if not len(raw):
        return out
    codes, uniques = factorize(raw)
    per_unique = np.empty(len(uniques) + 1, dtype=object)
    per_unique[:] = [fn(u) for u in uniques] + [None]
    out[:] = per_unique[codes]
    return out


def _cell_verdict(value: Any) -> tuple[bool, int]:
    """(filled, mark) of one distinct non-number cell: mark 1 = note, 2 = total, 0 = neither."""
    if is_empty(value):
        return False, 0
    if not isinstance(value, str):
        return True, 0
    return True, {"note": 1, "total": 2}.get(_marker(value) or "", 0)


def _filled_and_marks(column: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell: is it filled, does it mark a note (1) or a total (2), is it a number?

    Numbers are told apart by type alone (a number is filled unless NaN, and never a marker);
    only the other cells go through the vocabulary, once per distinct value. A zero is
    reported as mark 3: a row of nothing but zeros is an unused template row.
    """
    types = _TYPE_OF(column)
    filled = np.ones(len(column), dtype=bool)
    marks = np.zeros(len(column), dtype=np.int8)
    floats = types == float  # noqa: E721 - exact types
    ints = types == int  # noqa: E721
    numeric = floats | ints
    if floats.any():
        values = column[floats].astype(float)
        filled[floats] = values == values
    if numeric.any():
        marks[numeric] = np.where(column[numeric].astype(float) == 0, 3, 0)
    other = ~numeric
    if other.any():
        codes, uniques = factorize(column[other], types[other])
        verdicts = [_cell_verdict(u) for u in uniques] + [(False, 0)]  # code -1: None / NaN
        filled[other] = np.array([f for f, _ in verdicts], dtype=bool)[codes]
        marks[other] = np.array([m for _, m in verdicts], dtype=np.int8)[codes]
    return filled, marks, numeric & filled


#: What each cell of a grid holds (see :func:`_classify`).
EMPTY, TEXT, NUMBER, ZERO = 0, 1, 2, 3  # ZERO: a number cell holding 0


def _classify(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row kinds, per-cell EMPTY / TEXT / NUMBER / ZERO grid), each cell looked at once."""
    n, width = grid.shape
    kinds = np.full(n, "", dtype=object)
    if width == 0:
        kinds[:] = "blank"
        return kinds, np.zeros((n, 0), dtype=np.int8)
    filled = np.zeros((n, width), dtype=bool)
    marks = np.zeros((n, width), dtype=np.int8)
    numbers = np.zeros((n, width), dtype=bool)
    for j in range(width):
        filled[:, j], marks[:, j], numbers[:, j] = _filled_and_marks(grid[:, j])
    rank = np.cumsum(filled, axis=1)
    note = (filled & (rank == 1) & (marks == 1)).any(axis=1)
    total = (filled & (rank <= 3) & (marks == 2)).any(axis=1) & ~note
    zeros_only = (filled & (marks == 3)).any(axis=1) & ~(filled & (marks != 3)).any(axis=1)
    kinds[~filled.any(axis=1) | zeros_only] = "blank"
    kinds[note] = "note"
    kinds[total] = "total"
    cells = np.where(numbers, NUMBER, np.where(filled, TEXT, EMPTY)).astype(np.int8)
    cells[numbers & (marks == 3)] = ZERO
    return kinds, cells


def _grid(body: list[list[Any]]) -> np.ndarray:
    """Rows of unequal length as one object grid (missing cells are None)."""
    lengths = set(map(len, body))
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
CHUNK_ROWS = 50_000


def _chunks(rows: Iterator[list[Any]], size: int) -> Iterator[tuple[list[list[Any]], bool]]:
    """Chunks of rows, each with whether it is the sheet's last (where a signature stands)."""
    end = object()
    while chunk := list(itertools.islice(rows, size)):
        peek = next(rows, end)
        yield chunk, peek is end
        if peek is end:
            return
        rows = itertools.chain([cast(list[Any], peek)], rows)


@dataclass
class _Block:
    """One table of a sheet: its header, the multipliers of its columns, where it runs."""

    number: int
    match: HeaderMatch
    multipliers: dict[int, float]
    first_row: int
    last_row: int = 0
    carry: dict[str, Any] = field(default_factory=dict)  # fill-down: last value per field
    fills: dict[str, list[int]] = field(default_factory=dict)
    #: fields in the header line of delimited text (None: a workbook, or no header line);
    #: a row with more is read with care (:func:`_extra_fields`)
    fields: int | None = None


def header_fields(sheet: RawSheet, head: list[list[Any]], match: HeaderMatch) -> int | None:
    """How many fields the header line(s) of a CSV hold (None for a workbook's sheet, where
    cells beside the table are notes, not a row torn apart)."""
    if not sheet.delimited:
        return None
    first = match.first_row if match.first_row is not None else match.row_index
    lines = head[first : match.row_index + 1]
    return max((len(r) for r in lines), default=0) or None


def _block(
    number: int,
    match: HeaderMatch,
    spec: TableSpec,
    pinned: float | None,
    fields: int | None = None,
) -> _Block:
    multipliers: dict[int, float] = {}
    for col in match.columns:
        multiplier = col.multiplier
        if pinned is not None and spec.fields[col.field].type == "amount" and multiplier == 1.0:
            multiplier = pinned
        multipliers[col.index] = multiplier
    return _Block(number, match, multipliers, match.row_index + 2, fields=fields)


def _parse_body(
    sheet: RawSheet,
    match: HeaderMatch,
    spec: TableSpec,
    result: SheetResult,
    pinned_multiplier: float | None,
    rows_done: RowsDone | None = None,
    rates: dict[str, float] | None = None,
    settings: str = "shishi.toml",
    parsers: dict[str, Parser] | None = None,
    side_totals: Sequence[TotalRow] = (),
    fields: int | None = None,
) -> None:
    """Parse the rows below the header, a chunk at a time, into result's records and counts.

    A second header further down (a table in another currency below the first) starts a
    block of its own, read by its own header. ``side_totals`` are totals standing beside the
    table, outside the rows it reads (cleaning/headerless.py): checked with the others.
    ``fields`` is how many fields a CSV's header line holds (:func:`header_fields`).
    """
    result.counts = dict.fromkeys(COUNT_KEYS, 0)
    body = itertools.islice(sheet.iter_rows(), match.row_index + 1, None)
    frames: list[pd.DataFrame] = []
    totals: list[TotalRow] = list(side_totals)
    blocks = [_block(0, match, spec, pinned_multiplier, fields)]
    repeated: list[int] = []  # Excel rows where the same header stands again
    ctx = _Context(sheet, spec, result, rates or {}, settings, parsers or PARSERS)
    first_excel_row = match.row_index + 2
    chunk: list[list[Any]] = []
    for chunk, last in _chunks(body, CHUNK_ROWS):
        if fields is not None:  # a CSV line far wider than its header: counted, not held
            ctx.cut |= trim_wide_rows(chunk, fields + SPARE_FIELDS, first_excel_row)
        grid = _grid(chunk)
        kinds, cells = _classify(grid)
        if last:  # an issuer's name over a date under the table: a signature, not data
            kinds[context.signature_positions(chunk, kinds)] = "note"
        result.counts["rows_read"] += len(chunk)
        start = 0
        for i in _reheaders(grid, kinds, cells, spec):
            found = find_header(
                [list(r) for r in grid[i : i + layout.PROFILE_ROWS + 1]],
                {spec.name: spec},
                table=spec.name,
                header_row=0,
            )
            if found is None or found.undecided:
                continue
            excel = first_excel_row + i
            if _same_reading(found, blocks[-1].match):  # the header repeated (每页表头)
                kinds[i] = "note"
                repeated.append(excel)
                continue
            frames += _segment(
                grid, kinds, cells, start, i, first_excel_row, blocks[-1], ctx, totals
            )
            kinds[i] = "note"
            result.counts["skipped_note"] += 1
            found.row_index = excel - 1
            blocks[-1].last_row = excel - 1
            width = len(chunk[i]) if fields is not None else None
            blocks.append(_block(len(blocks), found, spec, pinned_multiplier, width))
            result.note(
                f"第{excel}行是又一张表的表头（{'、'.join(_row_text(list(grid[i])))}），"
                "其下各行按这一表头读取"
            )
            for message in found.notices:
                result.note(f"第{excel}行表头：{message}")
            start = i + 1
        frames += _segment(
            grid, kinds, cells, start, len(chunk), first_excel_row, blocks[-1], ctx, totals
        )
        first_excel_row += len(chunk)
        if rows_done is not None:
            rows_done(len(chunk))
    blocks[-1].last_row = first_excel_row - 1
    if repeated:
        shown = "、".join(str(r) for r in repeated[:8]) + ("…" if len(repeated) > 8 else "")
        result.note(f"表头在第{shown}行重复出现（共 {len(repeated)} 处），已按注释行跳过", "info")
    del body, chunk
    sheet.release()  # free calamine's copy of the sheet before the chunks are joined
    result.records = _joined(frames, sheet, spec)
    del frames
    result.counts["accepted"] = len(result.records)  # duplicates are moved out later
    _note_unknown_buyers(result)
    for block in blocks:
        for fname, rows in block.fills.items():
            label = spec.fields[fname].label
            shown = "、".join(str(r) for r in rows[:8]) + ("…" if len(rows) > 8 else "")
            result.note(
                f"「{label}」列有 {len(rows)} 处空白按“同上”取上一行的值（第{shown}行），请核对"
            )
    ctx.report_currencies()
    result.total_checks = totals_mod.check_totals(
        totals,
        result.records,
        [(b.number, b.first_row, b.last_row) for b in blocks],
        {b.number: _figure(b, spec) for b in blocks},
        {f.name: f.qualifier_column for f in spec.fields.values() if f.qualifier_column},
        lambda v, m: PARSERS["amount"](v, m, None),
    )


def _note_unknown_buyers(result: SheetResult) -> None:
    """Purchases whose buyer names neither the enterprise nor a person paying for themselves
    (办公室, 机关食堂, 张某): counted in the total, shown as 未注明 - said once per sheet."""
    records = result.records
    if records is None or Col.BUYER_TYPE not in records.columns:
        return
    unknown = records.loc[records[Col.BUYER_TYPE] == "unknown", Col.BUYER].astype(str)
    if unknown.empty:
        return
    names = list(dict.fromkeys(unknown))
    shown = "、".join(names[:5]) + ("等" if len(names) > 5 else "")
    result.note(
        f"{len(unknown)} 行的采购主体（{shown}）看不出是以企业名义采购还是个人自费，"
        "已计入消费帮扶采购合计，在企业/个人分项中列为“未注明”；"
        "如需区分，请部门在采购主体中写明“企业”或“自费”"
    )


def _same_reading(a: HeaderMatch, b: HeaderMatch) -> bool:
    """Two headers that read the columns alike (fields, places, units, currencies)."""

    def key(m: HeaderMatch) -> set[tuple[Any, ...]]:
        return {(c.index, c.field, c.multiplier, c.currency) for c in m.columns}

    return key(a) == key(b)


def _figure(block: _Block, spec: TableSpec) -> Figure | None:
    """The column a block's totals state: its amount (yuan, or the foreign amount), else its
    goods quantity."""
    by_field = {c.field: c for c in block.match.columns}
    col = by_field.get(spec.amount_field) if spec.amount_field else None
    if col is not None:
        name = Col.AMOUNT_ORIGINAL if col.currency else col.field
        return Figure(name, col.index, block.multipliers.get(col.index, 1.0))
    if spec.quantity_field and spec.quantity_field in by_field:
        col = by_field[spec.quantity_field]
        return Figure(col.field, col.index)
    return None


_DIGIT = re.compile(r"\d")


def _reheaders(
    grid: np.ndarray, kinds: np.ndarray, cells: np.ndarray, spec: TableSpec
) -> list[int]:
    """Rows of the body that look like a header of this kind again (two labels, no figures).

    Only rows without a number or a digit anywhere are looked at closely: data rows almost
    always have one (an amount, a date), so a million-row sheet costs one pass.
    """
    if not len(grid):
        return []
    rows = (kinds == "") & ~(cells >= NUMBER).any(axis=1) & ((cells == TEXT).sum(axis=1) >= 2)
    candidates = np.flatnonzero(rows)
    if not len(candidates):
        return []
    # "holds a digit" decided once per distinct text of each column, not once per cell
    digits = np.zeros(len(candidates), dtype=bool)
    for j in range(grid.shape[1]):
        digits |= _per_distinct(grid[candidates, j], _has_digit).astype(bool)
    found = []
    for i in candidates[~digits]:
        texts = [v for v in grid[i] if isinstance(v, str) and v.strip()]
        if sum(_match_cell(v, spec) is not None for v in texts) >= 2:
            found.append(int(i))
    return found


def _has_digit(value: Any) -> bool:
    return isinstance(value, str) and _DIGIT.search(value) is not None


@dataclass
class _Context:
    """What every segment of a sheet shares while it is parsed."""

    sheet: RawSheet
    spec: TableSpec
    result: SheetResult
    rates: dict[str, float]
    settings: str  # the shishi.toml to name in hints
    parsers: dict[str, Parser]  # PARSERS, status words as the analyst's shishi.toml extends them
    foreign: dict[str, list[int]] = field(default_factory=dict)  # currency -> Excel rows
    #: Excel row -> cells with content cut off a CSV line far wider than its header
    cut: dict[int, int] = field(default_factory=dict)

    def report_currencies(self) -> None:
        for code, rows in self.foreign.items():
            shown = "、".join(str(r) for r in rows[:8]) + ("…" if len(rows) > 8 else "")
            if code in self.rates:
                self.result.note(
                    f"{len(rows)} 行金额为{code}，按 shishi.toml [rates] {code} = "
                    f"{self.rates[code]} 折算为人民币（第{shown}行），请核对汇率"
                )
            else:
                self.result.note(
                    f"{len(rows)} 行金额为{code}（第{shown}行），未计入人民币合计；如需折算，"
                    f"请在 {self.settings} 的 [rates] 中写明汇率，如 {code} = 7.1"
                )


def _segment(
    grid: np.ndarray,
    kinds: np.ndarray,
    cells: np.ndarray,
    start: int,
    stop: int,
    first_excel_row: int,
    block: _Block,
    ctx: _Context,
    totals: list[TotalRow],
) -> list[pd.DataFrame]:
    """Rows start..stop of a chunk, read by one block's header."""
    if stop <= start:
        return []
    part, part_kinds, part_cells = grid[start:stop], kinds[start:stop], cells[start:stop]
    frame = _parse_rows(part, part_kinds, part_cells, first_excel_row + start, block, ctx, totals)
    return [frame]


def _parse_rows(
    grid: np.ndarray,
    kinds: np.ndarray,
    cells: np.ndarray,
    first_excel_row: int,
    block: _Block,
    ctx: _Context,
    totals: list[TotalRow],
) -> pd.DataFrame:
    """One stretch of rows: verdicts counted into result, accepted rows returned as a frame.

    In named steps: which rows are data (:func:`_settle_kinds`), skipped rows counted and
    total rows kept (:func:`_count_skipped`), each field's cells read (:func:`_read_field`),
    the row-level checks (dates, a figure, cells beyond the header), then the frame and the
    rejects (:func:`_accepted`).
    """
    kinds = _settle_kinds(grid, kinds, cells, first_excel_row, block, totals)
    _count_skipped(grid, kinds, first_excel_row, block, ctx.result, totals)
    st = _Stretch(grid, cells, np.flatnonzero(kinds == ""), first_excel_row, block, ctx)
    by_field: dict[str, list[ColumnMatch]] = {}
    for col in block.match.columns:
        by_field.setdefault(col.field, []).append(col)
    # a field a sheet states in a column of its own (采购主体类型) that is otherwise derived from
    # another (采购主体): read first; where it states nothing readable, the derived value stands
    targets = {f.derive_column for f in ctx.spec.fields.values() if f.derive_column}
    for fname, cols in sorted(by_field.items(), key=lambda kv: kv[0] not in targets):
        _read_field(st, fname, cols, fname in targets)
    st.problems += _row_dates(st, by_field)
    st.problems += _extra_fields(st)
    refused = {p[0] for p in st.problems}
    st.problems += [
        p
        for p in _needs_a_figure(
            ctx.spec, by_field, st.columns, st.headers, grid, st.data_idx, st.empty_reason
        )
        if p[0] not in refused
    ]
    _goods(ctx.spec, st.columns, by_field, st.n)
    for name, value in ctx.result.given.items():  # a field the sheet states once for all rows
        st.columns.setdefault(name, [value] * st.n)
    _default_columns(ctx.spec, st.columns, st.n)
    return _accepted(st)


def _settle_kinds(
    grid: np.ndarray,
    kinds: np.ndarray,
    cells: np.ndarray,
    first_excel_row: int,
    block: _Block,
    totals: list[TotalRow],
) -> np.ndarray:
    """Row kinds once the block's columns are known: template rows (only formula zeros in the
    table's cells) are blank, a lone figure beside the table is its total (added to totals),
    text beside the table or under its last figure is a note. Returns a new array."""
    kinds = kinds.copy()
    width = grid.shape[1]
    if not width:
        return kinds
    mapped = [c.index for c in block.match.columns if c.index < width]
    data = kinds == ""
    in_mapped = (cells[:, mapped] != EMPTY).any(axis=1)
    # a template row: its table's cells hold only formula zeros (a 序号 beside them is no data)
    template = data & in_mapped & ~np.isin(cells[:, mapped], (TEXT, NUMBER)).any(axis=1)
    kinds[template] = "blank"
    data = kinds == ""
    unmapped = [j for j in range(width) if j not in set(mapped)]
    numbers = cells >= NUMBER
    bare = data & ~in_mapped & (numbers[:, unmapped].any(axis=1) if unmapped else False)
    for i in np.flatnonzero(bare):  # a lone figure beside the table: its total
        figure = next(float(grid[i, j]) for j in unmapped if numbers[i, j])
        kinds[i] = "total"
        totals.append(
            TotalRow(first_excel_row + int(i), list(grid[i]), block.number, unlabelled=figure)
        )
    kinds[data & ~in_mapped & ~bare] = "note"  # text beside the table (a signature)
    _tail_signature(kinds, cells, mapped)
    return kinds


def _count_skipped(
    grid: np.ndarray,
    kinds: np.ndarray,
    first_excel_row: int,
    block: _Block,
    result: SheetResult,
    totals: list[TotalRow],
) -> None:
    """Blank, total and note rows counted as skipped; each total row kept to be checked."""
    for kind in ("blank", "total", "note"):
        result.counts[f"skipped_{kind}"] += int((kinds == kind).sum())
    for i in np.flatnonzero(kinds == "total"):
        if not any(t.excel_row == first_excel_row + int(i) for t in totals[-3:]):
            row = list(grid[int(i)])
            totals.append(
                TotalRow(first_excel_row + int(i), row, block.number, totals_mod.is_subtotal(row))
            )


#: A refused cell: (position among the stretch's data rows, header, raw value, reason).
Problem = tuple[int, str, Any, str]


@dataclass
class _Stretch:
    """The data rows of one stretch while their fields are read: what every step shares."""

    grid: np.ndarray
    cells: np.ndarray
    data_idx: np.ndarray  # positions of the data rows in grid
    first_excel_row: int
    block: _Block
    ctx: _Context
    columns: dict[str, Any] = field(default_factory=dict)  # field -> values, as read
    problems: list[Problem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # field -> its header
    stated: dict[str, np.ndarray] = field(default_factory=dict)  # fields a column states
    times: np.ndarray = field(init=False)  # time-only cells of the date column (07:06:18)

    def __post_init__(self) -> None:
        self.times = np.empty(self.n, dtype=object)

    @property
    def n(self) -> int:
        return len(self.data_idx)

    @property
    def width(self) -> int:
        return int(self.grid.shape[1])

    @property
    def year_hint(self) -> int | None:
        result = self.ctx.result
        return self.ctx.sheet.year_hint or (result.context.year if result.context else None)

    def column(self, index: int) -> np.ndarray:
        """The data rows' cells of one sheet column (None beyond the grid)."""
        if index < self.width:
            return self.grid[self.data_idx, index]
        return np.empty(self.n, dtype=object)

    def excel_row(self, j: int) -> int:
        return int(self.first_excel_row + self.data_idx[j])

    def empty_reason(
        self, header: str, j: int, value: Any, what: str = "", index: int | None = None
    ) -> Refusal:
        """Why a required cell (data row j, sheet column ``index``) holds nothing readable."""
        formula = None
        if index is not None:
            formula = self.ctx.sheet.formulas.get((self.excel_row(j), index))
        return empty_cell_reason(header, value, what, formula)


_NAN_TEXT = re.compile(r"\s*nan\s*", re.IGNORECASE)


def empty_cell_reason(
    header: str, value: Any, what: str = "", formula: str | None = None
) -> Refusal:
    """The reason a required cell is refused when it holds nothing that can be read: a
    formula that refers outside the workbook (never fetched), the text NaN, or nothing.

    ``what`` says what else the row lacks (没有金额，也没有数量).
    """
    if formula is not None:
        shown = formula if len(formula) <= 60 else formula[:59] + "…"
        return Refusal(
            Reason.EXTERNAL_FORMULA,
            f"「{header}」是引用本工作簿之外的公式（={shown}：外部链接、DDE 或 WEBSERVICE），"
            "文件中没有保存它的值，shishi 不会去外部取数；请在 Excel 中把这一列复制后"
            "“选择性粘贴 → 数值”，保存后重新报送",
        )
    if isinstance(value, str) and _NAN_TEXT.fullmatch(value):
        return Refusal(
            Reason.PLACEHOLDER_TEXT,
            f"「{header}」填的是文字“{value.strip()}”（多为程序导出空值时写下的），不是实际内容；"
            "请填写实际内容后重新报送",
        )
    return Refusal(
        Reason.REQUIRED_EMPTY,
        f"必填项「{header}」为空{('：' + what) if what else ''}；请补填后重新报送",
    )


def _read_field(st: _Stretch, fname: str, cols: list[ColumnMatch], is_target: bool) -> None:
    """One field's cells read into st.columns, its refused cells into st.problems."""
    fspec = st.ctx.spec.fields[fname]
    col = cols[0]
    st.headers[fname] = col.header
    raw, values, quals, errs = _field_cells(st, fname, cols)
    if is_target:  # stated in a column of its own: the field it derives from decides
        st.stated[fname] = values
        st.columns[fname] = values
        return
    errs = _date_column(st, fspec, col, raw, errs)
    if fspec.type == "amount" and fname == st.ctx.spec.amount_field:
        values, errs = _currencies(
            values, errs, raw, col, st.columns, st.data_idx, st.first_excel_row, st.ctx
        )
    if fspec.type == "quantity":
        st.columns["_unit_from_quantity"] = _quantity_units(raw, values, col)
    st.columns[fname] = values
    if fspec.qualifier_column:
        st.columns[fspec.qualifier_column] = quals
    st.problems += _field_problems(st, fspec, col, raw, values, errs)
    if fspec.derive_column:
        _derive(st, fspec, col, raw, values, errs)


def _field_cells(
    st: _Stretch, fname: str, cols: list[ColumnMatch]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(raw cells, values, qualifiers, errors) of one field: a count split over sub-columns is
    summed, a fill-down column ("同上" blanks) filled first, any other column parsed."""
    fspec, col = st.ctx.spec.fields[fname], cols[0]
    if len(cols) > 1:
        values, quals, errs, raw = _split_count(
            st.grid, st.data_idx, cols, fspec, st.block, st.columns
        )
        return raw, values, quals, errs
    raw = st.column(col.index)
    if fspec.fill_down:
        mapped = [c.index for c in st.block.match.columns if c.index < st.width]
        raw, filled = _fill_down(
            raw, st.cells, st.data_idx, col, st.block, st.first_excel_row, mapped
        )
        if filled.any():
            marks = st.columns.setdefault(Col.FILLED_DOWN, np.empty(st.n, dtype=object))
            marks[filled] = fname
    values, quals, errs = parse_column(
        raw, fspec.type, st.block.multipliers.get(col.index, 1.0), st.year_hint, st.ctx.parsers
    )
    return raw, values, quals, errs


def _date_column(
    st: _Stretch, fspec: FieldSpec, col: ColumnMatch, raw: np.ndarray, errs: np.ndarray
) -> np.ndarray:
    """A date column's notices (a year taken from the title; times only), and its time-only
    cells, which are not refused: the row is dated from elsewhere (st.times)."""
    result = st.ctx.result
    yearless = fspec.type == "date" and not (st.ctx.sheet.year_hint or result.yearless)
    if yearless and (notice := context.yearless_notice(result.context, col.header, raw)):
        result.yearless = col.header  # a year from the title: one notice per sheet
        result.note(notice)
    if result.dates is None or fspec.name != context.DATE_FIELD:
        return errs
    st.times = context.times_of(raw)
    errs = np.where(np.equal(st.times, None), errs, None)  # type: ignore[call-overload]
    timed = np.flatnonzero(np.not_equal(st.times, None))  # type: ignore[call-overload]
    if timed.size and not result.timed:
        result.timed = col.header  # one notice per sheet, not per chunk
        result.note(result.dates.time_notice(col.header, raw[timed[0]]))
    return errs


def _quantity_units(raw: np.ndarray, values: np.ndarray, col: ColumnMatch) -> np.ndarray:
    """The unit of each goods quantity: its cell's (12箱), else its header's (数量（箱）)."""
    units = _per_distinct(
        raw, lambda v: layout.parse_quantity_cell(v)[1] if isinstance(v, str) else None
    )
    if (in_header := goods_unit_of(col.header)) is not None:
        units[np.equal(units, None) & np.not_equal(values, None)] = in_header[1]  # type: ignore[call-overload]
    return units


def _field_problems(
    st: _Stretch,
    fspec: FieldSpec,
    col: ColumnMatch,
    raw: np.ndarray,
    values: np.ndarray,
    errs: np.ndarray,
) -> list[Problem]:
    """Refused cells of one field: unreadable ones, and empty ones where the field is required
    (unless the row is dated by a time-only cell)."""
    failed = np.not_equal(errs, None)  # type: ignore[call-overload]
    if fspec.required and not fspec.alternatives:
        failed |= np.equal(values, None) & np.equal(st.times, None)  # type: ignore[call-overload]
    return [
        (
            int(j),
            col.header,
            raw[j],
            errs[j] or st.empty_reason(col.header, int(j), raw[j], index=col.index),
        )
        for j in np.flatnonzero(failed)
    ]


def _derive(
    st: _Stretch,
    fspec: FieldSpec,
    col: ColumnMatch,
    raw: np.ndarray,
    values: np.ndarray,
    errs: np.ndarray,
) -> None:
    """A field derived from this one (采购主体 -> its type), unless a column states it."""
    assert fspec.derive_column is not None and fspec.derive_type is not None
    derived, _, derive_errs = parse_column(raw, fspec.derive_type, 1.0, None)
    if (stated := st.stated.get(fspec.derive_column)) is not None:
        known = np.not_equal(stated, None)  # type: ignore[call-overload]
        derived = np.where(known, stated, derived)
        derive_errs = np.where(known, None, derive_errs)  # type: ignore[call-overload]
    st.columns[fspec.derive_column] = derived
    for j in np.flatnonzero(np.not_equal(derive_errs, None)):  # type: ignore[call-overload]
        if errs[j] is None and values[j] is not None:
            st.problems.append((int(j), col.header, raw[j], derive_errs[j]))


def _row_dates(st: _Stretch, by_field: dict[str, list[ColumnMatch]]) -> list[Problem]:
    """Dates from a time column, transaction numbers or the sheet's context; the rows that
    remain undated are refused. Without a date fill, a required date column the sheet lacks
    refuses every row."""
    dates = st.ctx.result.dates
    if dates is None:
        return _absent_required(st.ctx.spec, by_field, st.n)
    id_raw = None
    if dates.id_index is not None and dates.id_index < st.width:
        id_raw = st.grid[st.data_idx, dates.id_index]
    dated, undated = dates.fill(st.columns.get(context.DATE_FIELD, [None] * st.n), st.times, id_raw)
    st.columns.update(dated)
    reason = dates.missing_reason(st.ctx.result.timed)
    return [(int(j), "日期", None, reason) for j in np.flatnonzero(undated)]


#: Field types whose cells are figures: an unquoted thousands comma tears them apart.
_FIGURE_TYPES = {
    "amount": (Reason.AMOUNT_UNREADABLE, "金额"),
    "count": (Reason.COUNT_UNREADABLE, "数字"),
    "quantity": (Reason.COUNT_UNREADABLE, "数量"),
    "hours": (Reason.HOURS_UNREADABLE, "时长"),
}
_GROUP_FIRST = re.compile(r"\s*[+-]?[¥￥$]?\s*\d{1,3}\s*")
_GROUP_NEXT = re.compile(r"\s*\d{3}\s*")
_GROUP_LAST = re.compile(r"\s*\d{3}(?:\.\d+)?\s*(?:元|万元)?\s*")


def comma_pieces(pieces: Sequence[Any]) -> int:
    """How many of ``pieces`` after the first continue it as thousands groups (12 | 500,
    1 | 200 | 000.50): 0 when the first is no figure's head or the next no group of three."""
    if not pieces or not isinstance(pieces[0], str) or not _GROUP_FIRST.fullmatch(pieces[0]):
        return 0
    taken = 0
    for piece in pieces[1:]:
        if not isinstance(piece, str):
            break
        if _GROUP_NEXT.fullmatch(piece):
            taken += 1
            continue
        if _GROUP_LAST.fullmatch(piece):
            taken += 1
        break
    return taken


def _torn_figure(st: _Stretch, row: np.ndarray, spare: int) -> tuple[str, str, Refusal] | None:
    """The first figure of a row with ``spare`` fields too many that an unquoted thousands
    comma tore into pieces (…,现金,12,500): its header, the pieces joined, and the reason."""
    for col in st.block.match.columns:
        kind = _FIGURE_TYPES.get(st.ctx.spec.fields[col.field].type)
        if kind is None or col.index >= len(row):
            continue
        pieces = list(row[col.index : col.index + spare + 1])
        taken = comma_pieces(pieces)
        if not taken:
            continue
        joined = ",".join(str(p).strip() for p in pieces[: taken + 1])
        code, word = kind
        reason = Refusal(
            code,
            f"{word}中的逗号没有加引号：「{joined}」被逗号拆成了 {taken + 1} 个字段，"
            f"「{col.header}」只读到「{str(pieces[0]).strip()}」；请把{word}写成 "
            f'{joined.replace(",", "")}（不带逗号），或用英文双引号括起来（"{joined}"）后重新报送',
        )
        return col.header, joined, reason
    return None


#: Fields kept beyond a CSV header line: enough to tell a torn figure or a shifted row. The
#: rest of a far wider line (up to ingest.MAX_CSV_FIELDS) is counted, never put in the grid:
#: one line of 16,000 fields made every row of its chunk 16,000 cells wide.
SPARE_FIELDS = 64


def trim_wide_rows(chunk: list[list[Any]], keep: int, first_excel_row: int) -> dict[int, int]:
    """Cut every row of ``chunk`` to ``keep`` cells, in place; returns, by Excel row, how many
    cells with content each cut row lost (0 when only empty cells were cut)."""
    cut: dict[int, int] = {}
    for i, row in enumerate(chunk):
        if len(row) > keep:
            cut[first_excel_row + i] = sum(1 for v in row[keep:] if not is_empty(v))
            chunk[i] = row[:keep]
    return cut


def _extra_fields(st: _Stretch) -> list[Problem]:
    """Rows of a CSV with more fields than its header line are never silently shortened.

    Where the extra fields come from a figure torn apart by an unquoted thousands comma
    (12,500 read as 12 and 500), the row is refused with that reason; otherwise it is kept
    and flagged (a warning and a notice), with how many cells it has beyond the header.
    """
    limit = st.block.fields
    if limit is None or st.width <= limit or not st.n:
        return []
    beyond = st.cells[st.data_idx, limit:] != EMPTY
    cut = np.array([st.ctx.cut.get(st.excel_row(j), 0) for j in range(st.n)], dtype=int)
    problems: list[Problem] = []
    flagged: list[int] = []
    for j in np.flatnonzero(beyond.any(axis=1) | (cut > 0)):
        row = st.grid[st.data_idx[j]]
        spare = int(np.flatnonzero(beyond[j])[-1]) + 1 if beyond[j].any() else 0
        torn = _torn_figure(st, row, spare) if spare else None
        if torn is not None:
            problems.append((int(j), *torn))
            continue
        extra = [str(v).strip() for v in row[limit:] if not is_empty(v)]
        shown = "、".join(e if len(e) <= 20 else e[:19] + "…" for e in extra[:5])
        shown += "…" if len(extra) > 5 or cut[j] else ""
        st.ctx.sheet.flags.append(
            (
                st.excel_row(int(j)),
                f"这一行比表头多 {int(beyond[j].sum() + cut[j]):,} 个有内容的字段（{shown}），"
                "多出的内容没有读入；请核对这一行是否有没加引号的逗号或错了列",
                "csv_extra_fields",
            )
        )
        flagged.append(st.excel_row(int(j)))
    if flagged:
        rows = "、".join(str(r) for r in flagged[:8]) + ("…" if len(flagged) > 8 else "")
        st.ctx.result.note(
            f"{len(flagged)} 行的字段比表头多（第{rows}行），多出的内容没有读入，"
            "已列入 warnings.csv；请核对这些行"
        )
    return problems


def _default_columns(spec: TableSpec, columns: dict[str, Any], n: int) -> None:
    """Canonical columns the sheet lacks stay, empty (qualifiers exact, dates without one)."""
    for fspec in spec.fields.values():
        columns.setdefault(fspec.name, [None] * n)
        if fspec.name == context.DATE_FIELD:
            for name in context.CONTEXT_COLUMNS:
                columns.setdefault(name, [None] * n)
        if fspec.qualifier_column:
            columns.setdefault(
                fspec.qualifier_column, [None if fspec.type == "date" else "exact"] * n
            )
        for extra in (fspec.derive_column, fspec.parts_column):
            if extra:
                columns.setdefault(extra, [None] * n)
    if spec.fill_down_fields:
        columns.setdefault(Col.FILLED_DOWN, [None] * n)
    if spec.name in duplicates.NEAR_TABLES:  # set once all sheets are read (flag_near)
        columns.setdefault(Col.REVIEW_GROUP, [None] * n)
        columns.setdefault(Col.REVIEW_REPEAT, np.zeros(n, dtype=bool))


def _accepted(st: _Stretch) -> pd.DataFrame:
    """The stretch's records with their source; rows with a problem go to the rejects (one
    line per refused cell) and out of the frame."""
    sheet, spec, result = st.ctx.sheet, st.ctx.spec, st.ctx.result
    frame = pd.DataFrame(st.columns)
    frame[Col.SOURCE_ROW] = st.first_excel_row + st.data_idx
    bad = np.zeros(st.n, dtype=bool)
    for at, header, value, reason in sorted(st.problems, key=lambda p: p[0]):
        bad[at] = True
        result.rejects.append(
            {
                "table": spec.name,
                Col.SOURCE_FILE: sheet.file,
                Col.SOURCE_SHEET: sheet.sheet,
                Col.SOURCE_ROW: st.excel_row(at),
                "column": header,
                "value": "" if value is None else str(value),
                "reason": str(reason),
                Col.REASON_CODE: str(reason_code(reason)),
            }
        )
    result.counts["rejected"] += int(bad.sum())
    if bad.any():
        frame = frame[~bad].reset_index(drop=True)
    return typed_columns(frame, spec, skip=SHEET_COLUMNS)  # added once the sheet is read


#: The columns every row of a sheet shares: added to its records once all chunks are read
#: (:func:`_joined`), so a big sheet's chunks do not hold a million copies while calamine still
#: holds the sheet.
SHEET_COLUMNS = ("unit", Col.SOURCE_FILE, Col.SOURCE_SHEET)


def _joined(frames: list[pd.DataFrame], sheet: RawSheet, spec: TableSpec) -> pd.DataFrame:
    """A sheet's chunks as one frame, with the columns its rows share, in contract order."""
    if not frames:
        return pd.DataFrame(columns=table_columns(spec))
    records = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    for name, value in zip(SHEET_COLUMNS, (sheet.unit_name, sheet.file, sheet.sheet), strict=True):
        records[name] = value
    return typed_columns(records, spec)


def _tail_signature(kinds: np.ndarray, cells: np.ndarray, mapped: list[int]) -> None:
    """Rows of a single cell below the last row with a figure are a signature (落款), not data."""
    figures = (cells[:, mapped] >= NUMBER).any(axis=1) if mapped else np.zeros(len(kinds), bool)
    with_figures = np.flatnonzero(figures & (kinds == ""))
    if not len(with_figures):
        return
    after = np.arange(len(kinds)) > with_figures[-1]
    kinds[after & (kinds == "") & ((cells != EMPTY).sum(axis=1) == 1)] = "note"


def _fill_down(
    raw: np.ndarray,
    cells: np.ndarray,
    data_idx: np.ndarray,
    col: ColumnMatch,
    block: _Block,
    first_excel_row: int,
    mapped: list[int],
) -> tuple[np.ndarray, np.ndarray]:
    """Blanks meaning "same as above" take the value above; each fill is recorded.

    Returns the column with the fills, and which of its cells were filled.
    """
    others = [j for j in mapped if j != col.index]
    others_filled = (cells[np.ix_(data_idx, others)] != EMPTY).any(axis=1)  # type: ignore[arg-type]
    empty = cells[data_idx, col.index] == EMPTY if col.index < cells.shape[1] else None
    if empty is None:
        return raw, np.zeros(len(raw), dtype=bool)
    if col.field in block.carry and len(raw):
        seen = np.ones(len(raw), dtype=bool)
    else:
        seen = np.maximum.accumulate(~empty) if len(raw) else empty
    fill = empty & others_filled & seen
    if fill.sum() < 2 and not block.fills.get(col.field):
        return raw, np.zeros(len(raw), dtype=bool)
    out = raw.copy()
    last = block.carry.get(col.field)
    for i in range(len(out)):
        if fill[i]:
            out[i] = last
        elif not empty[i]:
            last = out[i]
    block.carry[col.field] = last
    block.fills.setdefault(col.field, []).extend(
        int(first_excel_row + data_idx[i]) for i in np.flatnonzero(fill)
    )
    return out, fill


def _split_count(
    grid: np.ndarray,
    data_idx: np.ndarray,
    cols: list[ColumnMatch],
    fspec: FieldSpec,
    block: _Block,
    columns: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A count split over sub-columns: summed from the leaves that make the whole (a 合计 leaf
    where there is one), every part kept as text beside it."""
    width = grid.shape[1]
    parsed = {}
    for c in cols:
        raw = grid[data_idx, c.index] if c.index < width else np.empty(len(data_idx), dtype=object)
        parsed[c.index] = (
            raw,
            *parse_column(raw, fspec.type, block.multipliers.get(c.index, 1.0), None),
        )
    chosen = layout.summed_leaves({c.index: c.path for c in cols})
    n = len(data_idx)
    numbers = {
        j: np.array([np.nan if v is None else float(v) for v in parsed[j][1]], dtype=float)
        for j in parsed
    }
    stack = np.vstack([numbers[j] for j in chosen]) if n else np.empty((len(chosen), 0))
    known = ~np.isnan(stack)
    values = np.empty(n, dtype=object)
    some = known.any(axis=0)
    sums = np.nansum(stack, axis=0)
    values[some] = [int(s) if float(s).is_integer() else float(s) for s in sums[some]]
    quals = np.full(n, "exact", dtype=object)
    inexact = np.zeros(n, dtype=bool)
    for j in chosen:
        inexact |= np.not_equal(parsed[j][2], "exact") & ~np.isnan(numbers[j])
    for i in np.flatnonzero(inexact):  # a 余 or 约 among the parts: rare, row by row
        quals[i] = parsing.combine_qualifiers(
            [parsed[j][2][i] for j in chosen if parsed[j][1][i] is not None]
        )
    errs = np.empty(n, dtype=object)
    for c in reversed(cols):  # the first refused part names the row's problem
        errs = np.where(np.not_equal(parsed[c.index][3], None), parsed[c.index][3], errs)  # type: ignore[call-overload]
    if fspec.parts_column:
        texts = []
        for c in cols:
            label = "/".join(c.path) or c.header

            def part(v: Any, label: str = label) -> str:
                return f"{label} {v:g}"

            texts.append(_per_distinct(np.asarray(parsed[c.index][1], dtype=object), part))
        columns[fspec.parts_column] = (
            ["；".join(p for p in row if p is not None) or None for row in zip(*texts, strict=True)]
            if texts
            else [None] * n
        )
    first = parsed[cols[0].index][0]
    return values, quals, errs, first


def _currencies(
    values: np.ndarray,
    errs: np.ndarray,
    raw: np.ndarray,
    col: ColumnMatch,
    columns: dict[str, Any],
    data_idx: np.ndarray,
    first_excel_row: int,
    ctx: _Context,
) -> tuple[np.ndarray, np.ndarray]:
    """Amounts in another currency - by their header or their own cell - are never yuan.

    They are kept with their currency and original amount; yuan come only from a declared rate.
    A table without a currency column (purchases, wishes) refuses them.
    """
    n = len(values)
    if "currency" not in ctx.spec.fields:
        if col.currency:
            errs = errs.copy()
            for j in np.flatnonzero(np.not_equal(values, None)):  # type: ignore[call-overload]
                errs[j] = Refusal(
                    Reason.AMOUNT_UNREADABLE,
                    f"「{col.header}」是{col.currency}，不是人民币；本表只计人民币，"
                    "请折算为人民币后重新报送",
                )
            values = np.empty(n, dtype=object)
        return values, errs
    currency = np.empty(n, dtype=object)
    original = np.empty(n, dtype=object)
    if col.currency:
        foreign = np.not_equal(values, None)  # type: ignore[call-overload]
        currency[foreign] = col.currency
        original[foreign] = values[foreign]
    else:
        cells = _per_distinct(
            np.where(np.not_equal(errs, None), raw, None),  # type: ignore[call-overload]
            lambda v: layout.foreign_amount(v) if isinstance(v, str) else None,
        )
        foreign = np.not_equal(cells, None)  # type: ignore[call-overload]
        for i in np.flatnonzero(foreign):
            currency[i], original[i], _ = cells[i]
            errs[i] = None
        yuan = np.not_equal(values, None) & ~foreign  # type: ignore[call-overload]
        currency[yuan] = "CNY"
        original[yuan] = values[yuan]
    values = values.copy()
    for i in np.flatnonzero(foreign):
        code = currency[i]
        rate = ctx.rates.get(code)
        values[i] = round(float(original[i]) * rate, 2) if rate else None
        ctx.foreign.setdefault(code, []).append(int(first_excel_row + data_idx[i]))
    columns["currency"] = currency
    columns[Col.AMOUNT_ORIGINAL] = original
    return values, errs


def _absent_required(
    spec: TableSpec, by_field: dict[str, list[ColumnMatch]], n: int
) -> list[tuple[int, str, Any, str]]:
    """A required date the sheet has no column for, when no context could supply one (a
    table kind cleaning/context.py does not date): each row is refused with the reason."""
    problems: list[tuple[int, str, Any, str]] = []
    for fspec in spec.fields.values():
        if not fspec.required or fspec.name in by_field or fspec.type != "date":
            continue
        reason = Refusal(
            Reason.REQUIRED_EMPTY,
            f"表中没有「{fspec.label}」列，标题、工作表名和文件名中也没有找到{fspec.label}；"
            f"请补上{fspec.label}列",
        )
        problems += [(j, fspec.label, None, reason) for j in range(n)]
    return problems


def _needs_a_figure(
    spec: TableSpec,
    by_field: dict[str, list[ColumnMatch]],
    columns: dict[str, Any],
    headers: dict[str, str],
    grid: np.ndarray,
    data_idx: np.ndarray,
    empty_reason: Callable[..., Refusal] | None = None,
) -> list[tuple[int, str, Any, str]]:
    """A row needs its amount, or one of the amount's alternatives (a quantity of goods, an
    amount in another currency). ``empty_reason(header, j, value, what, index)`` says why a
    cell holds nothing (default: it is empty)."""
    problems: list[tuple[int, str, Any, str]] = []
    for fspec in spec.fields.values():
        if not (fspec.required and fspec.alternatives):
            continue
        present = [f for f in (fspec.name, *fspec.alternatives) if f in columns]
        if not any(f in by_field for f in (fspec.name, *fspec.alternatives)):
            continue
        have = np.zeros(len(data_idx), dtype=bool)
        for f in present:
            have |= np.not_equal(np.asarray(columns[f], dtype=object), None)  # type: ignore[call-overload]
        header = headers.get(fspec.name) or next(
            (headers[f] for f in fspec.alternatives if f in headers), fspec.label
        )
        col = by_field.get(fspec.name, [None])[0]
        for j in np.flatnonzero(~have):
            value = (
                grid[data_idx[j], col.index]
                if col is not None and col.index < grid.shape[1]
                else None
            )
            what = "没有金额，也没有数量"
            index = col.index if col is not None else None
            reason = (
                empty_reason(header, int(j), value, what, index)
                if empty_reason is not None
                else empty_cell_reason(header, value, what)
            )
            problems.append((int(j), header, value, reason))
    return problems


def _goods(
    spec: TableSpec, columns: dict[str, Any], by_field: dict[str, list[ColumnMatch]], n: int
) -> None:
    """Quantities of goods: their unit when only the cell states it, and in-kind as their kind."""
    units = columns.pop("_unit_from_quantity", None)
    if Col.ITEM_UNIT in spec.fields and units is not None:
        current = columns.get(Col.ITEM_UNIT)
        if current is None:
            columns[Col.ITEM_UNIT] = units
        else:
            columns[Col.ITEM_UNIT] = [
                c if c is not None else u for c, u in zip(current, units, strict=True)
            ]
    if "kind" in spec.fields and spec.quantity_field and spec.quantity_field in columns:
        amount = columns.get(spec.amount_field or "", [None] * n)
        original = columns.get(Col.AMOUNT_ORIGINAL, [None] * n)
        kind = list(columns.get("kind", [None] * n))
        quantity = columns[spec.quantity_field]
        for i in range(n):
            if (
                kind[i] is None
                and quantity[i] is not None
                and amount[i] is None
                and original[i] is None
            ):
                kind[i] = "in_kind"
        columns["kind"] = kind


def clean_sheets(
    sheets: list[RawSheet],
    config: RawConfig,
    rows_done: RowsDone | None = None,
    heads: dict[tuple[str, str], list[list[Any]]] | None = None,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, list[SheetResult]]:
    """All raw sheets -> (processed tables, rejects, per-sheet results for the manifest).

    ``rows_done`` hears of the rows as they are read: in chunks for a big sheet, and the
    rest of a sheet (title and header rows, or a sheet without a table) once it is done.
    ``heads`` (each sheet's first rows) give each result its origin: the department and
    period its 填报 cells state (provenance.py), which settle two files of one department
    (corrections.py) before repeats are sought within each department (duplicates.py).
    """
    specs = load_table_specs(config.extra_headers, config.header_words)
    results = []
    for sheet in sheets:
        rows = sheet.row_count
        result = clean_sheet(sheet, specs, config, rows_done)
        if readings.has_problem(result):  # shown column by column on the data-quality report
            result.reading = readings.sheet_reading(result, specs, config)
        result.head = []
        results.append(result)
        sheet.release()
        counted = result.counts.get("rows_read", 0)  # the body's rows, already reported
        if rows_done is not None and rows > counted:
            rows_done(rows - counted)
    # reconcile totals before duplicates are moved out: a sheet's 合计 covers its own rows
    origins = sheet_origins(results, {s.file: s.unit_name for s in sheets}, heads or {}, config)
    for res in results:
        res.origin = origins.get((res.file, res.sheet))
    units = {s.file: s.unit_name for s in sheets}
    for group in settle_copies(results, origins, units, specs, running_tables()):
        for res in results:
            if res.file in group.files and res.origin is not None:
                res.copies = group
    mark_duplicates(results, specs, origins)
    departments = {k: o.identity for k, o in origins.items()}
    tables = duplicates.flag_near({t: _assemble(t, specs[t], results) for t in TABLES}, departments)
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


def typed_columns(frame: pd.DataFrame, spec: TableSpec, skip: Sequence[str] = ()) -> pd.DataFrame:
    """A table's columns in contract order with their contract dtypes (but ``skip``).

    Applied to each chunk as soon as it is parsed, so a big sheet is held as float64,
    datetime64 and Arrow strings rather than as one Python object per cell.
    """
    dtypes = {k: v for k, v in column_dtypes(spec).items() if k not in skip}
    frame = frame[list(dtypes)]  # a new frame (copy-on-write): the caller's is left alone
    for name, dtype in dtypes.items():
        column = frame[name]
        if dtype == "datetime" and not pd.api.types.is_datetime64_dtype(column):
            frame[name] = pd.to_datetime(column.astype(object), errors="raise")
        elif dtype == "Int64" and column.dtype != "Int64":
            frame[name] = pd.array(column.tolist(), dtype="Int64")
        elif dtype not in {"datetime", "Int64"} and column.dtype != dtype:
            frame[name] = column.astype(dtype)  # type: ignore[call-overload]
    return frame
