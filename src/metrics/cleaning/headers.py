"""Find a sheet's header row and map its headers to canonical fields.

Offices put one or two title rows and a 填报单位 line above the header, write headers in
traditional characters or with a unit inside (投入资金（万元）). The vocabulary lives in
``data/headers.toml`` so an analyst can extend it without touching code.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from metrics.cleaning import layout
from metrics.cleaning.parsing import normalize_text

#: How many rows from the top of a sheet are searched for the header row.
HEADER_SEARCH_ROWS = 20

_UNIT_IN_BRACKETS = re.compile(r"[(\[（【]\s*([^()\[\]（）【】]*)\s*[)\]）】]\s*$")
_UNIT_AFTER_SLASH = re.compile(r"/\s*(万元|千元|亿元|元|万)$")


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field of a table kind, as declared in headers.toml."""

    name: str
    type: str
    synonyms: tuple[str, ...]
    required: bool = False
    qualifier_column: str | None = None
    derive_column: str | None = None
    derive_type: str | None = None
    parts_column: str | None = None
    fill_down: bool = False
    alternatives: tuple[str, ...] = ()
    #: a row may take this field from the sheet's context (a date in the title): not needed
    #: in the header for the table to be recognised (cleaning/context.py)
    from_context: bool = False
    #: written in the blank ledgers of `shishi template` (headers.toml `template = false`: not)
    in_template: bool = True

    @property
    def label(self) -> str:
        """The Chinese name an analyst knows the field by (its first synonym)."""
        return self.synonyms[0] if self.synonyms else self.name


@dataclass(frozen=True)
class TableSpec:
    """A table kind (wishes, donations, purchases, volunteering) and its fields."""

    name: str
    label: str
    amount_field: str | None
    fields: dict[str, FieldSpec]
    identify: tuple[tuple[str, ...], ...] = ()
    quantity_field: str | None = None

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.required]

    @property
    def fill_down_fields(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.fill_down]

    @property
    def identifying_sets(self) -> tuple[tuple[str, ...], ...]:
        """Field sets any one of which makes a header this kind (default: the required ones)."""
        return self.identify or (tuple(self.header_required),)

    @property
    def header_required(self) -> list[str]:
        """Required fields a header must name (a date may come from the title instead)."""
        return [f.name for f in self.fields.values() if f.required and not f.from_context]


@dataclass(frozen=True)
class ColumnMatch:
    """A header cell recognised as a canonical field."""

    index: int
    header: str
    field: str
    multiplier: float = 1.0
    currency: str | None = None  # a foreign currency named in the header (金额（美元）)
    by_content: bool = False  # mapped from what the column holds, not from its title
    path: tuple[str, ...] = ()  # labels from the top header row down to this column's own
    #: why this column was taken for the field, in Chinese, one phrase per piece of evidence
    #: (表头词「金额」, 单位「万元」, 内容：九成以上是金额), shown by `shishi inspect`
    evidence: tuple[str, ...] = ()
    #: how sure the reading is, 0..1; a mapping below the threshold is held back, never used
    confidence: float = 1.0


@dataclass
class HeaderMatch:
    """The best header found in a sheet and what its cells mean.

    ``row_index`` is the header's last row (the body starts below it); a header over several
    rows starts at ``first_row``. A count split over sub-columns has one match per leaf.
    """

    row_index: int  # 0-based index into the sheet's rows
    table: str
    columns: list[ColumnMatch]
    unknown_headers: list[str] = field(default_factory=list)
    first_row: int | None = None
    notices: list[str] = field(default_factory=list)
    time_columns: list[int] = field(default_factory=list)  # 时间 columns holding times only
    score: float = 0.0
    named: int = 0  # fields named by their headers
    #: columns that might be a field but whose evidence is below the threshold: not used, shown
    #: to the analyst with the shishi.toml line that would settle them
    held: list[ColumnMatch] = field(default_factory=list)

    @property
    def fields(self) -> set[str]:
        return {c.field for c in self.columns}


def _key(text: str) -> str:
    """Comparison key for a header: normalized, no spaces, lower case."""
    return re.sub(r"\s+", "", normalize_text(text)).lower()


@cache
def _package_vocab() -> dict[str, Any]:
    with resources.files("metrics").joinpath("data/headers.toml").open("rb") as fh:
        return tomllib.load(fh)


def load_table_specs(extra: dict[str, dict[str, list[str]]] | None = None) -> dict[str, TableSpec]:
    """Table specs from the package vocabulary, plus analyst synonyms ``{table: {field: [...]}}``."""
    vocab = _package_vocab()
    specs: dict[str, TableSpec] = {}
    for table, tdef in vocab["tables"].items():
        fields: dict[str, FieldSpec] = {}
        for name, fdef in tdef["fields"].items():
            synonyms = list(fdef["synonyms"]) + list((extra or {}).get(table, {}).get(name, []))
            derive = fdef.get("derive") or {}
            fields[name] = FieldSpec(
                name=name,
                type=fdef["type"],
                synonyms=tuple(dict.fromkeys(_key(s) for s in synonyms)),
                required=bool(fdef.get("required", False)),
                qualifier_column=fdef.get("qualifier_column"),
                derive_column=derive.get("column"),
                derive_type=derive.get("type"),
                parts_column=fdef.get("parts_column"),
                fill_down=bool(fdef.get("fill_down", False)),
                alternatives=tuple(fdef.get("alternatives", ())),
                from_context=bool(fdef.get("from_context", False)),
                in_template=bool(fdef.get("template", True)),
            )
        specs[table] = TableSpec(
            table,
            tdef["label"],
            tdef.get("amount_field"),
            fields,
            tuple(tuple(s) for s in tdef.get("identify", ())),
            tdef.get("quantity_field"),
        )
    return specs


def split_unit(header: object) -> tuple[str, float]:
    """Split a unit out of a header: ``投入资金（万元）`` -> (``投入资金``, 10000.0)."""
    base, multiplier, _ = split_unit_currency(header)
    return base, multiplier


def split_unit_currency(header: object) -> tuple[str, float, str | None]:
    """Split a unit or a foreign currency out of a header: ``金额（美元）`` -> (金额, 1.0, USD)."""
    text = normalize_text(header)
    units = {_key(k): float(v) for k, v in _package_vocab()["units"].items()}
    for pattern in (_UNIT_IN_BRACKETS, _UNIT_AFTER_SLASH):
        m = pattern.search(text)
        if m and _key(m.group(1)) in units:
            return text[: m.start()].strip(), units[_key(m.group(1))], None
    m = _UNIT_IN_BRACKETS.search(text)
    if m and (code := layout.currency_in(m.group(1))):
        return text[: m.start()].strip(), 1.0, code
    return text, 1.0, None


def goods_unit_of(header: object) -> tuple[str, str] | None:
    """(base, goods unit) of a header such as 数量（箱）, else None."""
    from metrics.cleaning.parsing import load_vocab

    text = normalize_text(header)
    m = _UNIT_IN_BRACKETS.search(text)
    if m and m.group(1).strip() in load_vocab()["goods_units"]:
        return text[: m.start()].strip(), m.group(1).strip()
    return None


def match_header_cell(header: object, spec: TableSpec) -> tuple[str, float] | None:
    """The canonical field a header cell names in this table kind, with its unit multiplier."""
    hit = _match_cell(header, spec)
    return (hit[0], hit[1]) if hit else None


def _match_cell(header: object, spec: TableSpec) -> tuple[str, float, str | None] | None:
    raw_key = _key(str(header)) if header is not None else ""
    if not raw_key:
        return None
    base, multiplier, currency = split_unit_currency(header)
    base_key = _key(base)
    if base_key == raw_key and (goods := goods_unit_of(header)) is not None:
        base_key = _key(goods[0])  # 数量（箱） is a quantity, counted in 箱
    for fspec in spec.fields.values():
        if raw_key in fspec.synonyms or base_key in fspec.synonyms:
            return fspec.name, multiplier, currency
    return None


def score_row(cells: list[Any], spec: TableSpec) -> list[ColumnMatch]:
    """Columns of one candidate header row that match this table kind (first match per field)."""
    seen: set[str] = set()
    matches: list[ColumnMatch] = []
    for i, cell in enumerate(cells):
        if not isinstance(cell, str):
            continue
        hit = _match_cell(cell, spec)
        if hit and hit[0] not in seen:
            seen.add(hit[0])
            matches.append(ColumnMatch(i, str(cell).strip(), hit[0], hit[1], hit[2]))
    return matches


def _match_paths(paths: list[tuple[str, ...]], spec: TableSpec) -> list[ColumnMatch]:
    """Leaf columns of a header over several rows, each mapped by its nearest labelled ancestor.

    Several leaves may share a count field (成人/儿童 × 男/女): they are kept, to be summed.
    Any other field keeps its first column.
    """
    matches: list[ColumnMatch] = []
    owner: dict[str, str] = {}  # field -> the label that named it
    for i, path in enumerate(paths):
        for depth in range(len(path) - 1, -1, -1):
            hit = _match_cell(path[depth], spec)
            if hit is None:
                continue
            name = hit[0]
            numeric = spec.fields[name].type in {"count", "quantity", "amount", "hours"}
            if name in owner and not (numeric and owner[name] == path[depth]):
                break
            owner[name] = path[depth]
            header = "/".join(path)
            matches.append(ColumnMatch(i, header, name, hit[1], hit[2], path=path[depth + 1 :]))
            break
    return matches


def _header_depths(rows: list[list[Any]], r: int) -> list[int]:
    """1, plus 2 or 3 when the rows below label sub-columns under a spanning label."""
    depths = [1]
    for depth in (2, 3):
        last = r + depth - 1
        if last >= len(rows) or not layout.looks_like_header_row(rows[last]):
            break
        upper, lower = rows[last - 1], rows[last]
        if depth == 2 and sum(1 for c in upper if _key(c)) < 2:
            break  # a title above the header is one label, not a level of it
        spans = any(
            _key(lower[j]) and not (j < len(upper) and _key(upper[j])) for j in range(len(lower))
        )
        if not spans:
            break
        depths.append(depth)
    return depths


def find_header(
    rows: list[list[Any]],
    specs: dict[str, TableSpec],
    *,
    table: str | None = None,
    header_row: int | None = None,
) -> HeaderMatch | None:
    """Best (header rows, table kind) within the first rows, or None when the sheet holds none.

    A candidate must carry one of its kind's identifying field sets, named by its headers or
    - for a column whose title is unknown - shown by its contents (a notice says so). Among
    candidates the one with most evidence wins (fields named, contents that fit), ties going
    to the earlier row. ``table``/``header_row`` (0-based) pin the choice when the analyst has
    said so in data/raw/shishi.toml. ``rows`` should reach some way below the header: the
    columns' contents are read too.
    """
    candidates = range(len(rows)) if header_row is None else [header_row]
    kinds = [table] if table else list(specs)
    per_kind: dict[str, HeaderMatch] = {}
    seen: dict[int, dict[int, dict[str, float]]] = {}  # column profiles below each header row
    for r in candidates:
        if r >= len(rows) or (header_row is None and r >= HEADER_SEARCH_ROWS):
            break
        for depth in _header_depths(rows, r):
            for kind in kinds:
                found = _candidate(rows, r, depth, specs[kind], seen)
                best = per_kind.get(kind)
                # one kind's header is its first row naming the most fields (a second table
                # below, in another currency, is read as a block of its own)
                if found is not None and (
                    best is None
                    or found.named > best.named
                    or (
                        found.named == best.named
                        and found.first_row == best.first_row
                        and found.score > best.score
                    )
                ):
                    per_kind[kind] = found
    # between kinds, all the evidence decides: fields named, contents that fit
    return max(per_kind.values(), key=lambda m: m.score, default=None)


def _candidate(
    rows: list[list[Any]],
    r: int,
    depth: int,
    spec: TableSpec,
    seen: dict[int, dict[int, dict[str, float]]] | None = None,
) -> HeaderMatch | None:
    """The reading of rows r..r+depth-1 as this kind's header, or None if it is not one.

    ``seen`` keeps the column profiles below a row for the other kinds tried on it.
    """
    paths: list[tuple[str, ...]]
    if depth == 1:
        cols = score_row(rows[r], spec)
        paths = [(normalize_text(c),) if normalize_text(c) else () for c in rows[r]]
    else:
        paths = layout.header_paths(rows, r, depth)
        cols = _match_paths(paths, spec)
    if not cols:
        return None
    last = r + depth - 1
    body = rows[last + 1 : last + 1 + layout.PROFILE_ROWS]
    width = max([len(rows[last])] + [len(b) for b in body[:5]])
    if seen is not None and last in seen:
        profiles = seen[last]
    else:
        profiles = {j: layout.profile(layout.column_values(body, j)) for j in range(width)}
        if seen is not None:
            seen[last] = profiles
    notices: list[str] = []
    time_columns: list[int] = []
    kept: list[ColumnMatch] = []
    fitted = 0
    for c in cols:
        fspec = spec.fields[c.field]
        prof = profiles.get(c.index, {})
        if fspec.type == "date" and prof and prof.get("time", 0) >= layout.CONTENT_SHARE:
            # times only (07:06:18): kept as the date column, whose day comes from the
            # sheet's context (cleaning/context.py); it is no evidence of a date, though
            time_columns.append(c.index)
            kept.append(c)
            continue
        fitted += layout.fits(c.field, fspec.type, prof)
        kept.append(c)
    cols = kept
    named = {c.field for c in cols if c.index not in time_columns}
    used = {c.index for c in cols}
    satisfied = None
    inferred: list[ColumnMatch] = []
    for need in spec.identifying_sets:
        missing = [f for f in need if f not in named]
        if len(missing) == len(need) or (len(cols) < 2 and missing):
            continue  # at least one field of the set is named, and two columns in all
        guess: list[ColumnMatch] = []
        taken = set(used)
        for f in missing:
            fspec = spec.fields[f]
            j = next(
                (
                    j
                    for j in range(width)
                    if j not in taken
                    and not _names_other_field(rows[last], j, spec)
                    and layout.fits(f, fspec.type, profiles.get(j, {}), strict=True)
                ),
                None,
            )
            if j is None:
                break
            taken.add(j)
            header = normalize_text(rows[last][j]) if j < len(rows[last]) else ""
            guess.append(ColumnMatch(j, header or f"第{j + 1}列", f, by_content=True))
        else:
            if satisfied is None or len(guess) < len(inferred):
                satisfied, inferred = need, guess
    if satisfied is None or len(cols) + len(inferred) < 2:
        return None
    taken = used | {c.index for c in inferred}
    for f in layout.OPTIONAL_INFER:  # a column of 箱/个/台 beside goods is their unit
        if f not in spec.fields or f in named:
            continue
        for j in range(width):
            if j not in taken and layout.fits(f, "text", profiles.get(j, {}), strict=True):
                header = normalize_text(rows[last][j]) if j < len(rows[last]) else ""
                inferred.append(ColumnMatch(j, header or f"第{j + 1}列", f, by_content=True))
                taken.add(j)
                break
    for c in inferred:
        notices.append(f"「{c.header}」按内容识别为 {spec.fields[c.field].label}，请核对")
    columns = sorted(cols + inferred, key=lambda c: c.index)
    matched = {c.index for c in columns}
    unknown = [
        "/".join(p) for i, p in enumerate(paths) if i not in matched and p and "".join(p).strip()
    ]
    score = len(named) + 0.5 * fitted + 0.25 * len(inferred) + 0.01 * depth
    return HeaderMatch(
        last, spec.name, columns, unknown, r, notices, time_columns, score, len(named)
    )


def _names_other_field(header_row: list[Any], j: int, spec: TableSpec) -> bool:
    """A column titled as some other field (备注, 日期) is never taken for a missing one."""
    cell = header_row[j] if j < len(header_row) else None
    return _match_cell(cell, spec) is not None


def explain_missing(
    rows: list[list[Any]], specs: dict[str, TableSpec], settings: str = "data/raw/shishi.toml"
) -> str:
    """Why no table was recognised: the closest kind, its missing columns, the nearest headers
    whose contents could hold them (a column of names is never offered as the date)."""
    best_kind, best_row = None, 0
    best_cols: list[ColumnMatch] = []
    for r, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        for kind, spec in specs.items():
            cols = score_row(cells, spec)
            if len(cols) > len(best_cols):
                best_kind, best_row, best_cols = kind, r, cols
    if best_kind is None or len(best_cols) < 2:
        return "前20行中没有找到可识别的表头（如 日期、金额、项目名称、办理进度）"
    spec = specs[best_kind]
    found = [normalize_text(c) for c in rows[best_row] if normalize_text(c)]
    matched = {c.index for c in best_cols}
    body = rows[best_row + 1 : best_row + 1 + layout.PROFILE_ROWS]
    named = {c.field for c in best_cols}
    need = min(spec.identifying_sets, key=lambda s: len([f for f in s if f not in named]))
    missing = [f for f in need if f not in named]
    hints = []
    for f in missing:
        fspec = spec.fields[f]
        unmatched = [
            normalize_text(c)
            for i, c in enumerate(rows[best_row])
            if i not in matched
            and normalize_text(c)
            and layout.fits(f, fspec.type, layout.profile(layout.column_values(body, i)))
        ]
        if not unmatched:
            hints.append(f"缺少必需列「{fspec.label}」({f})，也没有内容像{fspec.label}的列")
            continue
        nearest = max(
            unmatched,
            key=lambda h: max(
                difflib.SequenceMatcher(None, _key(h), s).ratio() for s in fspec.synonyms
            ),
        )
        hints.append(f"缺少必需列「{fspec.label}」({f})，最接近的表头是「{nearest}」")
    return (
        f"第{best_row + 1}行看起来像{spec.label}表头，但"
        + "；".join(hints)
        + f"。找到的表头：{'、'.join(found)}。可在 {settings} 的 [headers.{best_kind}] 中"
        "添加同义词。"
    )
