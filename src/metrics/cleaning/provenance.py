"""Who filled a ledger and who checked it: the 填报 lines above its header, kept in the manifest.

Offices (and ``shishi template``) write 填报单位 / 填报期间 / 填报人 / 审核人 / 填报日期 above the
header row, as "填报人：" with the name in the same cell or in the next one. The cleaner skips
those rows as it always did; this module reads them so manifest.json can say, per sheet, who
stands behind its figures. The labels live in ``data/vocab.toml`` ([provenance]).

From them (else from the file and sheet names) each sheet gets its :class:`Origin`: which
department sent it and for which period - what the receipt matrix counts as received, what
keeps two departments' alike rows apart, and what tells a correction from its original.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import PurePosixPath
from typing import Any

import pandas as pd

from metrics.cleaning.parsing import load_vocab, normalize_text
from metrics.errors import PeriodError
from metrics.periods import Period
from metrics.scope import unit_key

#: How many rows from the top are searched (the header itself is at most this far down).
PROVENANCE_ROWS = 20

_SEPARATORS = re.compile(r"[:：\s]+")


@cache
def _labels() -> dict[str, str]:
    """Normalized label -> provenance key (填报人 -> filled_by)."""
    return {
        _SEPARATORS.sub("", normalize_text(word)): key
        for key, words in load_vocab().get("provenance", {}).items()
        for word in words
    }


@cache
def _label_split() -> re.Pattern[str]:
    """Where a label with its colon starts inside a cell (to split a cell holding several)."""
    words = sorted(
        {w for ws in load_vocab().get("provenance", {}).values() for w in ws}, key=len, reverse=True
    )
    return re.compile(r"(?=(?:" + "|".join(map(re.escape, words)) + r")\s*[:：])")


def _label_parts(text: str) -> list[str]:
    parts = [p.strip() for p in _label_split().split(text) if p.strip()]
    return parts or [text]


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalize_text(value)


def read_provenance(rows: Iterable[list[Any]], before_row: int | None = None) -> dict[str, str]:
    """The 填报 fields found in ``rows`` above Excel row ``before_row`` (the header).

    A cell that is a label ("填报人" / "填报人：") takes the next non-empty cell to its right;
    a cell "填报人：张三" holds both. Empty fields are left out; the first value of a key wins.
    """
    labels = _labels()
    found: dict[str, str] = {}
    for r, row in enumerate(rows):
        if r >= PROVENANCE_ROWS or (before_row is not None and r + 1 >= before_row):
            break
        cells = list(row)
        for i, cell in enumerate(cells):
            if not isinstance(cell, str) or not cell.strip():
                continue
            *before, last = _label_parts(normalize_text(cell))
            for part in before:  # "填报单位：甲部    填报日期：2025年3月31日" holds two
                head, _, rest = part.replace(":", "：").partition("：")
                key = labels.get(_SEPARATORS.sub("", head))
                if key is not None and key not in found and rest.strip():
                    found[key] = rest.strip()
            head, sep, rest = last.partition("：")
            if not sep:
                head, sep, rest = head.partition(":")
            key = labels.get(_SEPARATORS.sub("", head))
            if key is None or key in found:
                continue
            value = rest.strip()
            if not value:
                value = next((_text(c) for c in cells[i + 1 :] if _text(c)), "")
                if _SEPARATORS.sub("", value) in labels:  # the next cell is another label
                    value = ""
            if value:
                found[key] = value
    return found


def sheet_heads(sheets: Iterable[Any]) -> dict[tuple[str, str], list[list[Any]]]:
    """The first rows of each raw sheet, read before cleaning releases them."""
    return {(s.file, s.sheet): s.head(PROVENANCE_ROWS) for s in sheets}


def attach_provenance(
    manifest: dict[str, Any], heads: dict[tuple[str, str], list[list[Any]]]
) -> None:
    """Add ``provenance`` to each sheet entry of the manifest that has 填报 lines above its header."""
    for f in manifest.get("files", []):
        for sheet in f.get("sheets", []):
            rows = heads.get((f["file"], sheet.get("sheet")))
            header_row = sheet.get("header_row")
            if not rows or not header_row:
                continue
            found = read_provenance(rows, before_row=header_row)
            if found:
                sheet["provenance"] = found


# --- where a sheet comes from: its department and the period it reports ------------------------

#: Where an origin's department or period was read, in order of trust.
FROM_CN = {
    "pin": "shishi.toml 的 [[pin]]",
    "cell": "表头上方的填报单位/填报期间",
    "file": "文件名",
    "folder": "所在文件夹",
    "sheet": "工作表名",
    "title": "标题",
    "rows": "各行的日期",
}


@dataclass(frozen=True)
class Origin:
    """Which department sent a sheet, for which period, and when it was filled in.

    The department is one of ``[unit] branches`` when one is named; a 填报单位 naming no declared
    branch is kept as written; "" is the unit as a whole (a 填报单位 naming the unit) or nobody.
    """

    branch: str = ""
    #: cell (填报单位) | file | folder (the department's own subfolder) | sheet | "" (none)
    branch_from: str = ""
    #: the period the sheet reports on (Period label), "" when nothing states one
    period: str = ""
    #: pin | cell (填报期间) | file | sheet | title | rows (the dates of its rows) | ""
    period_from: str = ""
    #: 填报日期, ISO, when the sheet states it
    filled_on: str = ""
    #: the 填报单位 cell and the file name name two different departments (to confirm)
    conflict: str = ""
    #: the department is one of ``[unit] branches``
    declared: bool = False

    @property
    def identity(self) -> str:
        """The department a row's identity includes: a declared branch, else "" - rows of
        departments nobody declared are compared together, as rows of one unit."""
        return self.branch if self.declared else ""

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v}


def _name_key(text: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).strip()


def branch_in(text: str, branches: Sequence[str]) -> str:
    """The declared branch a text names (the longest one it contains), or ""."""
    key = _name_key(text)
    if not key:
        return ""
    exact = [b for b in branches if _name_key(b) == key]
    if exact:
        return exact[0]
    inside = [b for b in branches if _name_key(b) and _name_key(b) in key]
    return max(inside, key=lambda b: len(_name_key(b))) if inside else ""


def _cell_branch(value: str, branches: Sequence[str], unit_name: str) -> str:
    """The department a 填报单位 cell names: a declared branch, the unit itself (""), or as written."""
    found = branch_in(value, branches)
    if found:
        return found
    if _name_key(value) in {_name_key(unit_name), ""}:
        return ""
    return normalize_text(value).strip()


def _period_of(text: str) -> Period | None:
    from metrics.cleaning.context import period_in

    found = period_in(text, bare_year=True)
    if found is None:
        try:
            found = Period.parse(normalize_text(text))
        except PeriodError:
            return None
    return found


def _rows_period(dates: pd.Series | None) -> Period | None:
    """The quarter (else the year) every dated row of a sheet falls in, if there is one."""
    if dates is None or dates.empty:
        return None
    stamps = pd.to_datetime(dates, errors="coerce").dropna()
    if stamps.empty:
        return None
    first, last = stamps.min(), stamps.max()
    if first.year != last.year:
        return None
    if (first.month - 1) // 3 == (last.month - 1) // 3:
        return Period.quarter(first.year, (first.month - 1) // 3 + 1)
    return Period.year(first.year)


def sheet_origin(
    file: str,
    sheet: str,
    provenance: dict[str, str],
    *,
    branches: Sequence[str] = (),
    unit_name: str = "",
    stated: Any = None,
    dates: pd.Series | None = None,
) -> Origin:
    """A sheet's department and period: from its 填报单位 / 填报期间 cells, else its file name,
    else its sheet name (a period also from a title, else from the dates of its rows).

    ``stated`` is the period cleaning read around the table (context.StatedPeriod): a
    ``[[pin]] period`` in it overrides everything, a title's is used after the names.
    """
    from metrics.cleaning.template_names import template_parts

    stem = PurePosixPath(file).name.rsplit(".", 1)[0]
    parts = template_parts(PurePosixPath(file).name)
    branch, branch_from, conflict = "", "", ""
    named = branch_in(stem, branches) or (parts[1] if parts and not branches else "")
    if provenance.get("unit"):
        branch, branch_from = _cell_branch(provenance["unit"], branches, unit_name), "cell"
        if named and branch and named != branch:
            conflict = (
                f"填报单位写的是「{provenance['unit']}」，文件名中是「{named}」；"
                f"已按填报单位计为{branch}的台账，请核对"
            )
    elif named:
        branch, branch_from = named, "file"
    elif found := branch_in(PurePosixPath(file).parent.as_posix().strip("."), branches):
        branch, branch_from = found, "folder"  # 原始数据/制丝车间/… (units.plan_units)
    elif found := branch_in(sheet, branches):
        branch, branch_from = found, "sheet"

    where = str(getattr(stated, "where", ""))
    period: Period | None = None
    period_from = ""
    candidates: list[tuple[str, Callable[[], Period | None]]] = [
        ("pin", lambda: stated.period if where.startswith("shishi.toml") else None),
        ("cell", lambda: _period_of(provenance["period"]) if provenance.get("period") else None),
        ("file", lambda: _period_of(stem)),
        ("sheet", lambda: _period_of(sheet)),
        ("title", lambda: stated.period if where.startswith("标题") else None),
        ("rows", lambda: _rows_period(dates)),
    ]
    for source, read in candidates:
        if (period := read()) is not None:
            period_from = source
            break
    filled = provenance.get("filled_on", "")
    from metrics.cleaning.stated import stated_date

    day = stated_date(filled) if filled else None
    return Origin(
        branch=branch,
        branch_from=branch_from,
        period=period.label if period else "",
        period_from=period_from,
        filled_on=day.isoformat() if day else "",
        conflict=conflict,
        declared=bool(branch) and branch in branches,
    )


def sender(
    file: str,
    sheet: str,
    head: list[list[Any]],
    header_row: int,
    *,
    branches: Sequence[str],
    unit_name: str,
) -> tuple[str, str]:
    """Who sent a sheet, and where that is read, for a list that names no organiser column:
    the department its 填报单位 cell, file, folder or sheet names (:func:`sheet_origin`), else
    the declared branch its title names (检修部2025年一季度志愿服务情况统计), else the unit.

    ``header_row`` is the table's 1-based Excel row: only the rows above it are its title.
    """
    above = head[: max(header_row - 1, 0)]
    origin = sheet_origin(
        file, sheet, read_provenance(above), branches=branches, unit_name=unit_name
    )
    if origin.branch:
        return origin.branch, FROM_CN.get(origin.branch_from, origin.branch_from)
    for row in above:
        for cell in row:
            if isinstance(cell, str) and (found := branch_in(cell, branches)):
                return found, FROM_CN["title"]
    return unit_name, "所在单位"


def sheet_origins(
    results: Sequence[Any],
    units: dict[str, str],
    heads: dict[tuple[str, str], list[list[Any]]],
    config: Any,
) -> dict[tuple[str, str], Origin]:
    """The Origin of every sheet that holds a ledger (``units``: file -> unit name).

    Declared branches (``[unit] branches``) belong to the top unit; a unit of its own folder
    has none declared, so only a 填报单位 cell or a template's file name names its departments.
    """
    from metrics.cleaning.ingest import DEFAULT_UNIT

    top = str(getattr(config, "unit_name", "") or DEFAULT_UNIT).strip()
    declared = list(getattr(config, "branches", []) or [])
    out: dict[tuple[str, str], Origin] = {}
    for res in results:
        if res.table is None or res.notice is not None:
            continue
        unit = units.get(res.file, top)
        rows = heads.get((res.file, res.sheet)) or []
        found = read_provenance(rows, before_row=res.header_row) if res.header_row else {}
        records = res.records
        out[(res.file, res.sheet)] = sheet_origin(
            res.file,
            res.sheet,
            found,
            branches=declared if unit_key(unit) == unit_key(top) else [],
            unit_name=unit,
            stated=getattr(res.context, "stated", None),
            dates=records["date"] if records is not None and "date" in records else None,
        )
    return out
