"""How a sheet was read, column by column: what `shishi inspect` prints and what the
data-quality report shows for sheets with problems.

For each sheet: the ledger kind and why; the header row; each column as header -> field, read
by its header, by its content, by a ``[[pin]]``, held back as doubtful, or not used, with three
sample values; and, for anything unmapped or doubtful, the shishi.toml lines that would settle
it (a ``[headers.<表>]`` synonym, or a ``[[pin]]``). Built from what the row cleaner already
decided (a :class:`~metrics.cleaning.rows.SheetResult`): nothing is judged a second way here.
A plain structure, so the CLI only prints it and the manifest only stores it.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from metrics.cleaning import headerless, layout, not_ledgers
from metrics.cleaning.headers import (
    HEADER_SEARCH_ROWS,
    ColumnMatch,
    HeaderMatch,
    TableSpec,
    score_row,
    settling_line,
)
from metrics.cleaning.parsing import is_empty, normalize_text
from metrics.config import RawConfig, column_letter

#: Sample values shown per column.
SAMPLES = 3
#: How close an unused header must be to a field's spelling to be suggested as that field.
SUGGEST_RATIO = 0.5

# What became of a sheet.
READ = "已读入"
TODO = "未读入"
OTHER = "不是台账"
SKIPPED = "跳过"
UNOPENED = "无法打开"

# How a column was read.
BY_HEADER = "按表头"
BY_CONTENT = "按内容"
BY_PIN = "shishi.toml 指定"
GUESSED = "按内容（待确认）"
HELD = "存疑，未使用"
UNUSED = "未使用"
SIDE_TOTAL = "合计，只核对"


@dataclass
class ColumnReading:
    """One column of a sheet: its header, the field it was read as, how, and examples."""

    letter: str  # the Excel column (A, B, … AA)
    header: str  # its header cell ('' when the sheet has no header row)
    field: str = ""  # the canonical field ('' when not used)
    label: str = ""  # the field's Chinese label
    how: str = UNUSED
    evidence: tuple[str, ...] = ()
    confidence: float | None = None
    samples: tuple[str, ...] = ()
    #: shishi.toml lines that settle a doubtful or unused column ([headers.<表>] + a synonym)
    toml: str = ""


@dataclass
class SheetReading:
    """One sheet: the ledger kind and why, its header row and every column's reading."""

    file: str
    sheet: str
    status: str  # 已读入 | 未读入 | 不是台账 | 跳过 | 无法打开
    table: str = ""
    table_label: str = ""
    why: str = ""
    header_row: int | None = None  # Excel row of the header (None: no header row)
    first_row: int | None = None  # Excel row of the first data row
    columns: list[ColumnReading] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    #: shishi.toml lines for the whole sheet: the [[pin]] that reads it, or [headers] lines
    toml: str = ""
    #: shown on the data-quality report: not read, columns held back or read by content
    problem: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The reading as manifest.json holds it (lists, not tuples)."""
        return dict(json.loads(json.dumps(asdict(self), ensure_ascii=False)))


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", normalize_text(text)).lower()


def _samples(body: Sequence[Sequence[Any]], index: int) -> tuple[str, ...]:
    """The first few filled cells of a column, as the analyst reads them."""
    found: list[str] = []
    for row in body:
        cell = row[index] if index < len(row) else None
        if not is_empty(cell):
            found.append(headerless.cell_text(cell))
            if len(found) == SAMPLES:
                break
    return tuple(found)


def _width(header: Sequence[Any], body: Sequence[Sequence[Any]]) -> int:
    return max([len(header)] + [len(r) for r in body[: layout.PROFILE_ROWS]])


def synonym_toml(table: str, name: str, header: str) -> str:
    """The [headers.<表>] lines that read a header as a field by its name."""
    return f"[headers.{table}]\n{settling_line(name, header)}"


def _how(col: ColumnMatch) -> str:
    if any("[[pin]]" in e for e in col.evidence):
        return BY_PIN
    return BY_CONTENT if col.by_content else BY_HEADER


def _evidence(col: ColumnMatch) -> tuple[str, ...]:
    """The mapping's evidence, or - where the header matching gave none - what is known."""
    if col.evidence:
        return tuple(col.evidence)
    return (headerless.BY_CONTENT,) if col.by_content else (f"表头「{col.header}」",)


def _suggest(
    header: str, values: list[Any], spec: TableSpec, taken: set[str]
) -> tuple[str, str] | None:
    """(field, its label) an unused column may be: the free field whose spelling is nearest its
    header and whose type its content fits; else a note (备注) when that is free and the column
    holds words; else None."""
    if not header:
        return None
    prof = layout.profile(values)
    best, ratio = None, 0.0
    for fspec in spec.fields.values():
        if fspec.name in taken or not layout.fits(fspec.name, fspec.type, prof):
            continue
        near = max(
            (difflib.SequenceMatcher(None, _plain(header), s).ratio() for s in fspec.synonyms),
            default=0.0,
        )
        if near > ratio:
            best, ratio = fspec, near
    if best is not None and ratio >= SUGGEST_RATIO:
        return best.name, best.label
    note = spec.fields.get("note")  # words worth keeping beside a row; figures (数量, 单价) not
    if note is not None and "note" not in taken and layout.fits(note.name, note.type, prof):
        return note.name, note.label
    return None


def _columns(
    match: HeaderMatch, spec: TableSpec, head: Sequence[Sequence[Any]], has_header: bool
) -> list[ColumnReading]:
    header = list(head[match.row_index]) if has_header and 0 <= match.row_index < len(head) else []
    body = [list(r) for r in head[match.row_index + 1 :]]
    mapped = {c.index: c for c in match.columns}
    held = {c.index: c for c in match.held}
    taken = set(match.fields)
    # a 总计 and its figure beside a table without a header row: checked, never counted
    beside = {
        j
        for total in ([] if has_header else headerless.side_totals(head, match))
        for j, cell in enumerate(total.cells)
        if not is_empty(cell)
    }
    out = []
    for j in range(_width(header, body)):
        cell = header[j] if j < len(header) else None
        own = normalize_text(cell) if not is_empty(cell) else ""
        samples = _samples(body, j)
        if j in beside and j not in mapped and len(_samples(head, j)) == 1:
            out.append(ColumnReading(column_letter(j), own, how=SIDE_TOTAL, samples=samples))
            continue
        if j in mapped:
            col = mapped[j]
            settle = synonym_toml(spec.name, col.field, own) if col.by_content and own else ""
            out.append(
                ColumnReading(
                    column_letter(j),
                    col.header if has_header else "",
                    col.field,
                    spec.fields[col.field].label,
                    _how(col),
                    _evidence(col),
                    col.confidence,
                    samples,
                    settle,
                )
            )
        elif j in held:
            col = held[j]
            out.append(
                ColumnReading(
                    column_letter(j),
                    col.header,
                    col.field,
                    spec.fields[col.field].label,
                    HELD,
                    _evidence(col),
                    col.confidence,
                    samples,
                    synonym_toml(spec.name, col.field, own or col.header),
                )
            )
        elif own or samples:
            hint = _suggest(own, layout.column_values(body, j), spec, taken)
            out.append(
                ColumnReading(
                    column_letter(j),
                    own,
                    samples=samples,
                    toml=synonym_toml(spec.name, hint[0], own) if hint else "",
                    label=f"可作{hint[1]}" if hint else "",
                )
            )
    return out


def _why_read(
    match: HeaderMatch, spec: TableSpec, result: Any, config: RawConfig
) -> tuple[str, str]:
    """(why the sheet is this kind, the [[pin]] that would read it without a guess)."""
    pin = config.pin_for(result.file, result.sheet)
    if pin and pin.columns:
        return f"shishi.toml 的 [[pin]] 指定为{spec.label}，并写明了各列", ""
    if result.header_row is None:
        note = next(
            (n.message for n in result.notices if n.message.startswith(headerless.NO_HEADER)),
            "",
        )
        toml = headerless.pin_toml(
            result.file, result.sheet, spec.name, match.row_index + 2, match.columns, spec
        )
        return note, toml
    if pin and pin.table:
        return f"shishi.toml 的 [[pin]] 指定为{spec.label}", ""
    named = {c.field: c.header for c in match.columns if not c.by_content}
    found = {c.field: c.header for c in match.columns}
    need = next((s for s in spec.identifying_sets if set(s) <= set(found)), ())
    shown = "".join(f"「{found[f]}」" + ("（按内容）" if f not in named else "") for f in need)
    return (
        f"第{result.header_row}行是表头，其中{shown}是{spec.label}的标志列"
        f"（{'、'.join(spec.fields[f].label for f in need)}）",
        "",
    )


def sheet_reading(result: Any, specs: dict[str, TableSpec], config: RawConfig) -> SheetReading:
    """How one sheet was read (``result`` is a cleaning.rows.SheetResult with its ``head``)."""
    head = result.head
    counts = {
        k: result.counts[k] for k in ("rows_read", "accepted", "rejected") if k in result.counts
    }
    base = SheetReading(result.file, result.sheet, READ, counts=counts)
    if result.match is not None and result.table:
        match, spec = result.match, specs[result.table]
        has_header = result.header_row is not None
        why, toml = _why_read(match, spec, result, config)
        columns = _columns(match, spec, head, has_header)
        base.table, base.table_label, base.why, base.toml = spec.name, spec.label, why, toml
        base.header_row = result.header_row
        base.first_row = match.row_index + 2
        base.columns = columns
        base.problem = any(c.how in (BY_CONTENT, HELD) for c in columns) or not has_header
        return base
    notice = result.notice
    base.why = notice.message if notice else ""
    base.toml = notice.toml if notice else ""
    if notice is None or notice.level == "info":
        found = not_ledgers.recognise(head, result.file, result.sheet)
        if found is None:
            base.status = SKIPPED
            return base
        base.status, base.problem, base.header_row = OTHER, True, found.row + 1
        base.columns = _unread_columns(head, found.row, None)
        return base
    base.status, base.problem = TODO, True
    if notice.toml.startswith("[[pin]]") and "columns" in notice.toml:
        return _guessed(base, head, specs, notice.toml)
    if (found := not_ledgers.recognise(head, result.file, result.sheet)) is not None:
        base.status, base.header_row = OTHER, found.row + 1
        base.columns = _unread_columns(head, found.row, None)
        return base
    return _nearly(base, head, specs)


def _guessed(
    base: SheetReading, head: Sequence[Sequence[Any]], specs: dict[str, TableSpec], toml: str
) -> SheetReading:
    """A headerless block left as a to-do: its columns as guessed, the pin that reads them."""
    block = headerless.find_block(head)
    table = re.search(r'^table = "(\w+)"', toml, re.MULTILINE)
    if block is None or table is None:
        return base
    spec = specs[table.group(1)]
    match = headerless.match_for(block, spec)
    base.table, base.table_label = spec.name, spec.label
    base.first_row = block.first + 1
    base.columns = _columns(match, spec, head, has_header=False)
    for c in base.columns:
        c.toml = ""  # no header to teach a synonym: the [[pin]] settles the whole sheet
        if c.field:
            c.how = GUESSED
    return base


def _unread_columns(
    head: Sequence[Sequence[Any]], row: int, mapped: dict[int, tuple[str, str]] | None
) -> list[ColumnReading]:
    """The columns under a header row of a sheet that was not read; ``mapped``: index ->
    (field, label) for those its header names."""
    header = list(head[row])
    body = [list(r) for r in head[row + 1 :]]
    out = []
    for j in range(_width(header, body)):
        own = normalize_text(header[j]) if j < len(header) and not is_empty(header[j]) else ""
        samples = _samples(body, j)
        if not own and not samples:
            continue
        name, label = (mapped or {}).get(j, ("", ""))
        out.append(
            ColumnReading(
                column_letter(j), own, name, label, BY_HEADER if name else UNUSED, samples=samples
            )
        )
    return out


_NEARLY = re.compile(r"^第(\d+)行看起来像")


def _nearly(
    base: SheetReading, head: Sequence[Sequence[Any]], specs: dict[str, TableSpec]
) -> SheetReading:
    """A sheet whose header was nearly recognised: what it names, and the synonyms it lacks."""
    row = _NEARLY.match(base.why)
    table = re.search(r"\[headers\.(\w+)\]", base.why)
    if row is None or table is None or int(row.group(1)) > min(len(head), HEADER_SEARCH_ROWS):
        return base
    r, spec = int(row.group(1)) - 1, specs[table.group(1)]
    mapped = {
        c.index: (c.field, spec.fields[c.field].label) for c in score_row(list(head[r]), spec)
    }
    base.table, base.table_label, base.header_row = spec.name, spec.label, r + 1
    base.columns = _unread_columns(head, r, mapped)
    # the notice carries the lines that settle it (headers.why_no_table): field = [header]
    try:
        lines = tomllib.loads(base.toml).get("headers", {}).get(spec.name, {})
    except tomllib.TOMLDecodeError:
        lines = {}
    missing = [
        (name, near) for name, nears in lines.items() if name in spec.fields for near in nears
    ]
    for c in base.columns:
        for name, near in missing:
            if c.header == near:
                c.toml = synonym_toml(spec.name, name, near)
                c.field, c.label = name, f"可作{spec.fields[name].label}"
    return base


def has_problem(result: Any) -> bool:
    """Whether a sheet's reading is worth showing on the data-quality report: it was not read
    (skipped on purpose aside), has no header row, or has columns read by content or held."""
    match = result.match
    if match is None or not result.table:
        notice = result.notice
        return notice is not None and (
            notice.level == "error"
            or not_ledgers.recognise(result.head, result.file, result.sheet) is not None
        )
    return result.header_row is None or bool(match.held) or any(c.by_content for c in match.columns)
