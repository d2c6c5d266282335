"""Read a sheet's layout from its contents: what a column holds, headers over several rows,
foreign currencies, goods quantities and distribution lists ("same as above" blanks are filled
where the rows are parsed, in rows._fill_down).

Real ledgers name their columns in ways no vocabulary lists in full (捐赠(单位/姓名）), so a
column is also judged by what it holds: dates, times, amounts, names or transaction numbers.
Every judgement is made once per distinct cell value, never per row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from typing import Any

from metrics.cleaning import parsing
from metrics.cleaning.parsing import is_empty, normalize_text
from metrics.contract import Col

#: Rows below a header candidate whose contents are profiled.
PROFILE_ROWS = 60
#: Share of a column's filled cells that must be of one content kind to call it so.
CONTENT_SHARE = 0.8

_TIME = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?(\.\d+)?$")
_ID = re.compile(r"^[0-9a-z][0-9a-z\-_]{11,}$", re.IGNORECASE)
_HAS_LETTER = re.compile(r"[A-Za-z\u3400-\u9fff]")
_CJK = re.compile(r"[\u3400-\u9fff]")


def _vocab() -> dict[str, Any]:
    return parsing.load_vocab()


@lru_cache(maxsize=1 << 15)
def _text_kind(text: str) -> str:
    """The content kind of one text cell (already normalized, non-empty)."""
    squeezed = text.replace(" ", "")
    if _TIME.match(squeezed):
        return "time"
    if squeezed in _goods_units():
        return "unit"
    if foreign_amount(text) is not None:
        return "number"
    if _ID.match(squeezed) and sum(ch.isdigit() for ch in squeezed) >= 8:
        return "id"
    if parsing.parse_date(text, 2000).ok and re.search(r"\d", text):
        return "date"
    if parse_quantity_cell(text)[0] is not None and not _CJK.search(
        re.sub(_goods_unit_pattern().pattern, "", text)
    ):
        amount = parsing.parse_amount(text)
        return "number" if amount.ok else "quantity"
    if parsing.parse_amount(text).ok and not re.fullmatch(r"[^\d]*", text):
        return "number"
    if _HAS_LETTER.search(text) and len(squeezed) <= 40:
        return "name"
    return "text"


def cell_kind(value: Any) -> str:
    """'empty', 'number', 'date', 'time', 'id', 'name', 'quantity' or 'text'."""
    if is_empty(value):
        return "empty"
    if isinstance(value, bool):
        return "text"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, dt.datetime):
        return "time" if value.date() == dt.date(1899, 12, 31) else "date"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, (dt.time, dt.timedelta)):
        return "time"
    return _text_kind(normalize_text(value))


#: Filled cells a column needs before its contents alone can name it.
MIN_EVIDENCE = 3


def profile(values: Iterable[Any]) -> dict[str, float]:
    """Share of each content kind among a column's filled cells ({} when all are empty);
    ``n`` holds how many cells were filled."""
    counts: dict[str, int] = {}
    for v in values:
        kind = cell_kind(v)
        if kind != "empty":
            counts[kind] = counts.get(kind, 0) + 1
    total = sum(counts.values())
    return {k: n / total for k, n in counts.items()} | {"n": float(total)} if total else {}


#: Content kinds each field type can hold.
FITS: dict[str, tuple[str, ...]] = {
    "date": ("date",),
    "amount": ("number",),
    "count": ("number",),
    "hours": ("number",),
    "quantity": ("number", "quantity"),
    "text": ("name", "text", "id", "unit"),
    "status": ("name", "text"),
    "kind": ("name",),
    Col.BUYER_TYPE: ("name",),
    Col.DONOR_TYPE: ("name",),
}
#: What a field's contents must be to map a column by content alone (by field name, then type).
INFER: dict[str, tuple[str, ...]] = {
    Col.DONOR: ("name",),
    Col.BUYER: ("name",),
    Col.ORGANIZER: ("name",),
    "ref": ("id",),
    "date": ("date",),
    "amount": ("number",),
    "quantity": ("number", "quantity"),
    Col.ITEM_UNIT: ("unit",),
}
#: Optional fields a column is mapped to by its contents alone (with a notice).
OPTIONAL_INFER = (Col.ITEM_UNIT,)


def fits(field_name: str, ftype: str, prof: dict[str, float], *, strict: bool = False) -> bool:
    """Can a column with this content profile hold the field? ``strict``: unmistakably so."""
    if not prof or (strict and prof["n"] < MIN_EVIDENCE):
        return not strict
    kinds = INFER.get(field_name) or INFER.get(ftype) if strict else FITS.get(ftype)
    if not kinds:
        return not strict
    return sum(prof.get(k, 0.0) for k in kinds) >= CONTENT_SHARE


#: Content kinds a column cannot be mostly made of and still be a field of this sort: a column
#: of dates is no amount, a column of figures no donor. Keyed by field type, or for text fields
#: by what their header names (``party`` who, ``label`` a title, goods or place).
NEVER: dict[str, tuple[str, ...]] = {
    "date": ("name", "text", "id"),
    "amount": ("date", "name", "id", "time"),
    "count": ("date", "id", "time"),
    "hours": ("date", "id"),
    "quantity": ("date", "id", "time"),
    "status": ("number", "date", "time", "id"),
    "kind": ("number", "date", "time", "id"),
    Col.BUYER_TYPE: ("number", "date", "time", "id"),
    Col.DONOR_TYPE: ("number", "date", "time", "id"),
    "party": ("number", "date", "time", "unit", "id"),
    "label": ("number", "date", "time"),
    "measure": ("number", "date", "time", "id", "name", "text"),
}
#: What each content kind is called in the evidence shown to the analyst.
KIND_LABELS: dict[str, str] = {
    "date": "日期",
    "time": "时刻",
    "number": "数字",
    "quantity": "数量",
    "name": "名称",
    "text": "文字",
    "id": "编号",
    "unit": "计量单位",
}


def contradicts(key: str, prof: dict[str, float]) -> bool:
    """Is a column with this profile unmistakably not a field of sort ``key`` (see NEVER)?"""
    never = NEVER.get(key)
    if not never or not prof or prof["n"] < MIN_EVIDENCE:
        return False
    return sum(prof.get(k, 0.0) for k in never) >= CONTENT_SHARE


def dominant(prof: dict[str, float]) -> tuple[str, int, int]:
    """(the commonest content kind, how many cells hold it, how many are filled)."""
    kinds = {k: v for k, v in prof.items() if k != "n"}
    if not kinds:
        return "", 0, 0
    kind = max(kinds, key=lambda k: kinds[k])
    n = int(prof["n"])
    return kind, round(kinds[kind] * n), n


def column_values(rows: Sequence[Sequence[Any]], index: int) -> list[Any]:
    return [r[index] if index < len(r) else None for r in rows]


# --- multi-row headers -------------------------------------------------------------------------


def looks_like_header_row(cells: Sequence[Any]) -> bool:
    """A row of labels: at least one text cell, and no dates or numbers (those are data)."""
    kinds = [cell_kind(c) for c in cells]
    filled = [k for k in kinds if k != "empty"]
    return bool(filled) and all(k in ("name", "text") for k in filled)


def header_paths(rows: Sequence[Sequence[Any]], top: int, depth: int) -> list[tuple[str, ...]]:
    """Each column's label path over ``depth`` header rows starting at ``top``.

    A label spanning several columns (a merged cell, read as the left cell only) covers the
    empty cells to its right as long as the row below labels them; the last label in a column
    is its leaf.
    """
    width = max((len(rows[r]) for r in range(top, top + depth)), default=0)
    paths: list[list[str]] = [[] for _ in range(width)]

    def text(level: int, j: int) -> str:
        row = rows[top + level]
        return normalize_text(row[j]) if j < len(row) else ""

    for level in range(depth):
        carry = ""
        for j in range(width):
            own = text(level, j)
            if own:
                carry = own
            elif not any(text(lower, j) for lower in range(level + 1, depth)):
                carry = ""  # nothing labelled below: the span has ended
            label = own or carry
            if label and (not paths[j] or paths[j][-1] != label):
                paths[j].append(label)
    return [tuple(p) for p in paths]


@cache
def _part_total_words() -> frozenset[str]:
    return frozenset(normalize_text(w) for w in _vocab()["part_total_words"])


def summed_leaves(paths: dict[int, tuple[str, ...]]) -> list[int]:
    """Which of a split count's leaf columns add up to the whole, without double counting.

    Under each label, a child named 合计 is that label's sum and its siblings are only parts;
    otherwise the children are added. ``paths`` maps column -> labels below the field's own.
    """

    def walk(cols: list[int], depth: int) -> list[int]:
        groups: dict[str, list[int]] = {}
        leaves: list[int] = []
        for c in cols:
            if len(paths[c]) <= depth:
                leaves.append(c)
            else:
                groups.setdefault(paths[c][depth], []).append(c)
        if leaves:  # a column that stops here holds this level's figure itself
            return leaves[:1]
        for label, members in groups.items():
            if label.replace(" ", "") in _part_total_words():
                return walk(members, depth + 1)
        return [c for members in groups.values() for c in walk(members, depth + 1)]

    return walk(sorted(paths), 0)


# --- currencies --------------------------------------------------------------------------------


@cache
def _currencies() -> dict[str, str]:
    return {k.lower(): v for k, v in _vocab()["currencies"].items()}


@cache
def _currency_regex() -> re.Pattern[str]:
    words = sorted(_currencies(), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def currency_in(text: object) -> str | None:
    """The foreign currency a header or cell names (美元 -> USD), or None for yuan."""
    if is_empty(text) or not isinstance(text, str):
        return None
    m = _currency_regex().search(normalize_text(text))
    return _currencies()[m.group(0).lower()] if m else None


@lru_cache(maxsize=1 << 14)
def foreign_amount(text: str) -> tuple[str, float, str] | None:
    """(currency, amount, qualifier) of a cell such as 'USD 3,000' or '500港币', else None."""
    code = currency_in(text)
    if code is None:
        return None
    rest = _currency_regex().sub(" ", normalize_text(text))
    parsed = parsing.parse_amount(rest)
    if not parsed.ok or parsed.value is None:
        return None
    assert parsed.qualifier is not None  # only an empty date cell has no qualifier
    return code, float(parsed.value), parsed.qualifier


# --- goods -------------------------------------------------------------------------------------


@cache
def _goods_units() -> frozenset[str]:
    return frozenset(_vocab()["goods_units"])


@cache
def _goods_unit_pattern() -> re.Pattern[str]:
    words = sorted(_vocab()["goods_units"], key=len, reverse=True)
    return re.compile("(" + "|".join(map(re.escape, words)) + r")\s*$")


@lru_cache(maxsize=1 << 14)
def parse_quantity_cell(text: str) -> tuple[float | None, str | None]:
    """(quantity, unit) from '12500', '12500包', '1.25万包'; (None, None) if not a quantity."""
    text = normalize_text(text).strip()
    unit = None
    m = _goods_unit_pattern().search(text)
    if m and m.start() > 0:
        unit, text = m.group(1), text[: m.start()]
    parsed = parsing.parse_amount(text)
    if (
        not parsed.ok
        or parsed.value is None
        or not re.search(r"[\d一二三四五六七八九十百千万]", text)
    ):
        return None, None
    return float(parsed.value), unit


# --- distribution lists ------------------------------------------------------------------------


def is_distribution_header(cells: Sequence[Any]) -> bool:
    """A header naming who received goods (接收单位) beside goods columns (品名, 数量)."""
    texts = {normalize_text(c).replace(" ", "") for c in cells if not is_empty(c)}
    vocab = _vocab()
    receiver = any(w in texts for w in vocab["distribution_headers"])
    goods = sum(1 for w in vocab["distribution_goods_headers"] if w in texts)
    return receiver and goods >= 2
