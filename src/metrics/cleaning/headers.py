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
    #: a row may take this field from the sheet's context (a date in the title): not needed
    #: in the header for the table to be recognised (cleaning/context.py)
    from_context: bool = False


@dataclass(frozen=True)
class TableSpec:
    """A table kind (wishes, donations, purchases, volunteering) and its fields."""

    name: str
    label: str
    amount_field: str | None
    fields: dict[str, FieldSpec]

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.required]

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


@dataclass
class HeaderMatch:
    """The best header row found in a sheet and what its cells mean."""

    row_index: int  # 0-based index into the sheet's rows
    table: str
    columns: list[ColumnMatch]
    unknown_headers: list[str] = field(default_factory=list)

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
                from_context=bool(fdef.get("from_context", False)),
            )
        specs[table] = TableSpec(table, tdef["label"], tdef.get("amount_field"), fields)
    return specs


def split_unit(header: object) -> tuple[str, float]:
    """Split a unit out of a header: ``投入资金（万元）`` -> (``投入资金``, 10000.0)."""
    text = normalize_text(header)
    units = {_key(k): float(v) for k, v in _package_vocab()["units"].items()}
    for pattern in (_UNIT_IN_BRACKETS, _UNIT_AFTER_SLASH):
        m = pattern.search(text)
        if m and _key(m.group(1)) in units:
            return text[: m.start()].strip(), units[_key(m.group(1))]
    return text, 1.0


def match_header_cell(header: object, spec: TableSpec) -> tuple[str, float] | None:
    """The canonical field a header cell names in this table kind, with its unit multiplier."""
    raw_key = _key(header) if header is not None else ""
    if not raw_key:
        return None
    base, multiplier = split_unit(header)
    base_key = _key(base)
    for fspec in spec.fields.values():
        if raw_key in fspec.synonyms or base_key in fspec.synonyms:
            return fspec.name, multiplier
    return None


def score_row(cells: list[Any], spec: TableSpec) -> list[ColumnMatch]:
    """Columns of one candidate header row that match this table kind (first match per field)."""
    seen: set[str] = set()
    matches: list[ColumnMatch] = []
    for i, cell in enumerate(cells):
        if not isinstance(cell, str):
            continue
        hit = match_header_cell(cell, spec)
        if hit and hit[0] not in seen:
            seen.add(hit[0])
            matches.append(ColumnMatch(i, str(cell).strip(), hit[0], hit[1]))
    return matches


def find_header(
    rows: list[list[Any]],
    specs: dict[str, TableSpec],
    *,
    table: str | None = None,
    header_row: int | None = None,
) -> HeaderMatch | None:
    """Best (row, table kind) within the first rows, or None when the sheet holds no table.

    A candidate must carry every required field of its kind; among candidates the one matching
    most fields wins, ties going to the earlier row. ``table``/``header_row`` (0-based) pin the
    choice when the analyst has said so in data/raw/shishi.toml.
    """
    candidates = range(len(rows)) if header_row is None else [header_row]
    kinds = [table] if table else list(specs)
    best: HeaderMatch | None = None
    for r in candidates:
        if r >= len(rows) or (header_row is None and r >= HEADER_SEARCH_ROWS):
            break
        for kind in kinds:
            cols = score_row(rows[r], specs[kind])
            if len(cols) < 2 or not set(specs[kind].header_required) <= {c.field for c in cols}:
                continue
            if best is None or len(cols) > len(best.columns):
                matched = {c.index for c in cols}
                unknown = [
                    normalize_text(c)
                    for i, c in enumerate(rows[r])
                    if i not in matched and normalize_text(c)
                ]
                best = HeaderMatch(r, kind, cols, unknown)
    return best


def explain_missing(rows: list[list[Any]], specs: dict[str, TableSpec]) -> str:
    """Why no table was recognised: the closest kind, its missing columns, the nearest synonyms."""
    best_kind, best_row, best_cols = None, 0, []
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
    unmatched = [normalize_text(c) for i, c in enumerate(rows[best_row]) if i not in matched]
    unmatched = [h for h in unmatched if h] or found
    missing = [f for f in spec.header_required if f not in {c.field for c in best_cols}]
    hints = []
    for f in missing:
        synonyms = spec.fields[f].synonyms
        nearest = max(
            unmatched,
            key=lambda h: max(difflib.SequenceMatcher(None, _key(h), s).ratio() for s in synonyms),
            default="",
        )
        hints.append(f"缺少必需列「{synonyms[0]}」({f})，最接近的表头是「{nearest}」")
    return (
        f"第{best_row + 1}行看起来像{spec.label}表头，但"
        + "；".join(hints)
        + f"。找到的表头：{'、'.join(found)}。可在 data/raw/shishi.toml 的 [headers.{best_kind}] 中"
        "添加同义词。"
    )
