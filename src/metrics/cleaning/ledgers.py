"""Running ledgers: the wish list is re-sent whole every quarter, with statuses updated.

A record with an identity (a wish's 序号 together with its 项目名称; the fields are in
data/refresh.toml) that appears in several files or sheets is one record in several versions.
The newest version wins, and "newest" is what the source *states*: a ``period`` pin in
shishi.toml, else the period or date in the sheet name, else a dated title row (填报日期…),
else the file name. File modification times are never used: a copy resets them. When the
sources do not say which is newer, the record is a conflict: one version is kept (so nothing
is counted twice) and the completeness gate asks for a pin.

Older versions are moved out of the tables and counted as duplicates in their sheet's row
accounting, so every sheet still reconciles; what changed is listed for the data-quality report.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from metrics.paths import DATA_DIR
from metrics.periods import Period

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_DATE = re.compile(r"(20\d\d)\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?")
_COMPACT_DATE = re.compile(r"(?<!\d)(20\d\d)(0[1-9]|1[0-2])([0-2]\d|3[01])(?!\d)")
_QUARTER = re.compile(r"(20\d\d)\s*(?:年\s*第?\s*([1-4一二三四])\s*季度?|[Qq]\s*([1-4]))")
_HALF = re.compile(r"(20\d\d)\s*(?:年\s*(上|下)\s*半年|[Hh]\s*([12]))")
_MONTH = re.compile(r"(20\d\d)\s*(?:年\s*(\d{1,2})\s*月|[.\-/](\d{1,2})(?!\d))")
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)\s*年?")


@cache
def _settings() -> dict[str, Any]:
    with (DATA_DIR / "refresh.toml").open("rb") as fh:
        return dict(tomllib.load(fh)["running_ledgers"])


def stated_date(text: str) -> dt.date | None:
    """The last day of the period a text states (2025Q1 -> 2025-03-31), or the date it names.

    Exactly one year must be mentioned; "2023-2024对比" states nothing.
    """
    text = unicodedata.normalize("NFKC", str(text))
    if len(set(re.findall(r"(?<!\d)20\d\d(?!\d)", text))) > 1 and not _DATE.search(text):
        return None
    if m := _DATE.search(text):
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    if m := _COMPACT_DATE.search(text):
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    if m := _QUARTER.search(text):
        return Period.quarter(int(m[1]), _CN_DIGITS[m[2] or m[3]]).end
    if m := _HALF.search(text):
        half = 1 if (m[2] == "上" or m[3] == "1") else 2
        return Period.half(int(m[1]), half).end
    if m := _MONTH.search(text):
        month = int(m[2] or m[3])
        if 1 <= month <= 12:
            return Period.month(int(m[1]), month).end
    if m := _YEAR.search(text):
        return Period.year(int(m[1])).end
    return None


def _title_date(head: list[list[Any]]) -> dt.date | None:
    """A date a title row states after a label such as 填报日期 (the label's cell or the next)."""
    labels = _settings()["date_labels"]
    for row in head:
        cells = [unicodedata.normalize("NFKC", str(c)) for c in row if str(c).strip()]
        for i, cell in enumerate(cells):
            for label in labels:
                at = cell.find(label)
                if at < 0:
                    continue
                after = cell[at + len(label) :]
                found = stated_date(after) or (
                    stated_date(cells[i + 1]) if i + 1 < len(cells) else None
                )
                if found:
                    return found
    return None


@dataclass(frozen=True)
class Version:
    """When a sheet's rows were true, and where that was read."""

    date: dt.date | None
    source: str  # pin | sheet | title | file | ""


def sheet_version(
    file: str, sheet: str, head: list[list[Any]], pin_period: str | None = None
) -> Version:
    """The version a sheet states: pin, sheet name, dated title row, file name - in that order."""
    if pin_period:
        return Version(Period.parse(str(pin_period)).end, "pin")
    if found := stated_date(sheet):
        return Version(found, "sheet")
    if found := _title_date(head[:6]):
        return Version(found, "title")
    stem = file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if found := stated_date(stem):
        return Version(found, "file")
    return Version(None, "")


def running_tables() -> tuple[str, ...]:
    """The tables re-sent whole each period and versioned by record identity (refresh.toml)."""
    return tuple(_settings()["tables"])


def _key(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return re.sub(r"\s+", "", text.removesuffix(".0"))


def apply_versions(results: list[Any], versions: dict[tuple[str, str], Version]) -> dict[str, Any]:
    """Keep the newest version of each running-ledger record; return what changed and conflicts.

    ``results`` are the cleaner's SheetResults (records already free of exact duplicates);
    losing versions are moved out of their sheet's records and counted as its duplicates.
    """
    updated: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    superseded: list[tuple[str, str, str, int]] = []  # (table, file, sheet, Excel row) moved out
    identity = _settings()["identity"]
    for table in _settings()["tables"]:
        fields = identity[table]
        owned = [
            (n, r)
            for n, r in enumerate(results)
            if r.table == table and r.records is not None and len(r.records)
        ]
        if len({(r.file, r.sheet) for _, r in owned}) < 2:
            continue
        parts = []
        for n, r in owned:
            rec = r.records
            keys = [rec[f].map(_key) for f in fields]
            ident = keys[0].str.cat(keys[1:], sep=" ") if len(keys) > 1 else keys[0]
            complete = pd.concat([k != "" for k in keys], axis=1).all(axis=1)
            parts.append(
                pd.DataFrame(
                    {
                        "result": n,
                        "row": range(len(rec)),
                        "unit": rec["unit"].astype(str).to_numpy(),
                        # two departments' lists are two lists (provenance.Origin)
                        "dept": getattr(getattr(r, "origin", None), "identity", "") or "",
                        "ident": ident.to_numpy(),
                    }
                )[complete.to_numpy()]
            )
        frame = pd.concat(parts, ignore_index=True)
        groups = frame.groupby(["unit", "dept", "ident"])["result"].nunique()
        shared = groups[groups > 1].index
        if not len(shared):
            continue
        frame = frame.set_index(["unit", "dept", "ident"]).loc[shared].reset_index()
        drop: dict[int, list[int]] = {}
        for (unit, _dept, ident), group in frame.groupby(["unit", "dept", "ident"], sort=True):
            sources = sorted(set(group["result"]))
            dated = {s: versions.get((results[s].file, results[s].sheet)) for s in sources}
            dates = [v.date if v else None for v in dated.values()]
            newest = max((d for d in dates if d is not None), default=None)
            winners = [s for s, v in dated.items() if v and v.date == newest]
            if newest is None or None in dates or len(winners) > 1:
                winner = sources[0]  # keep one: never count it twice; the gate asks for a pin
                files = sorted({results[s].file for s in sources})
                conflicts.append(
                    {
                        "table": table,
                        "unit": unit,
                        "identity": ident,
                        "files": "、".join(files),
                        "toml": "\n".join(
                            f'[[pin]]\nfile = "{f}"\nperiod = "2025Q1"  # 改为该文件所属的期间'
                            for f in files
                        ),
                    }
                )
            else:
                winner = winners[0]
            new = results[winner].records.iloc[
                int(group.loc[group["result"] == winner, "row"].iloc[0])
            ]
            for s in sources:
                if s == winner:
                    continue
                rows = group.loc[group["result"] == s, "row"].astype(int).tolist()
                drop.setdefault(s, []).extend(rows)
                old = results[s].records.iloc[rows[0]]
                updated.append(
                    {
                        "table": table,
                        "unit": unit,
                        "identity": ident,
                        "old_file": results[s].file,
                        "old_sheet": results[s].sheet,
                        "old_row": int(old["source_row"]),
                        "old_status": _key(old.get("status")),
                        "new_file": results[winner].file,
                        "new_sheet": results[winner].sheet,
                        "new_row": int(new["source_row"]),
                        "new_status": _key(new.get("status")),
                        "decided_by": (
                            versions.get((results[winner].file, results[winner].sheet))
                            or Version(None, "")
                        ).source,
                    }
                )
        for s, rows in drop.items():
            res = results[s]
            mask = pd.Series(False, index=res.records.index)
            mask.iloc[sorted(set(rows))] = True
            n = int(mask.sum())
            res.add("duplicates", n)
            res.counts["accepted"] -= n
            gone = res.records[mask]
            superseded += [(table, res.file, res.sheet, int(r)) for r in gone["source_row"]]
            res.duplicate_records = (
                gone if res.duplicate_records is None else pd.concat([res.duplicate_records, gone])
            )
            res.records = res.records[~mask].reset_index(drop=True)
    return {"updated": updated, "conflicts": conflicts, "superseded": superseded}


def drop_superseded(
    tables: dict[str, pd.DataFrame], superseded: list[tuple[str, str, str, int]]
) -> dict[str, pd.DataFrame]:
    """The assembled tables without the rows :func:`apply_versions` moved out."""
    out = dict(tables)
    for table in {t for t, *_ in superseded}:
        gone = {(f, s, r) for t, f, s, r in superseded if t == table}
        frame = out[table]
        keys = zip(frame["source_file"], frame["source_sheet"], frame["source_row"], strict=True)
        keep = [(str(f), str(s), int(r)) not in gone for f, s, r in keys]
        out[table] = frame[keep].reset_index(drop=True)
    return out
