"""Running ledgers: the wish list is re-sent whole every quarter, with statuses updated.

A record with an identity (a wish's 序号 together with its 项目名称; the fields are in
data/refresh.toml) that appears in several files or sheets is one record in several versions.
The newest version wins, and "newest" is what the source *states*: a ``period`` pin in
shishi.toml, else the period or date in the sheet name, else the template's own 填报期间 cell,
else a dated title row (填报日期…), else the file name. When those tie (four quarters re-sent
on one 填报日期), the periods the sheets state anywhere (填报期间, title, file name) decide.
File modification times are never used: a copy resets them. When the sources still do not say
which is newer, the record is a conflict: one version is kept (so nothing is counted twice),
and the completeness gate names what each file states and the pin (or the move) that settles it.

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

from metrics.cleaning.context import PROSE_CHARS, period_in
from metrics.cleaning.provenance import read_provenance
from metrics.cleaning.stated import stated_date
from metrics.contract import Col
from metrics.paths import DATA_DIR
from metrics.periods import Period


@cache
def _settings() -> dict[str, Any]:
    with (DATA_DIR / "refresh.toml").open("rb") as fh:
        return dict(tomllib.load(fh)["running_ledgers"])


def _title_date(head: list[list[Any]]) -> tuple[dt.date, str] | None:
    """A date a title row states after a label such as 填报日期 (the label's cell or the next),
    with what it says (填报日期「2024年12月20日」)."""
    labels = _settings()["date_labels"]
    for row in head:
        cells = [unicodedata.normalize("NFKC", str(c)) for c in row if str(c).strip()]
        for i, cell in enumerate(cells):
            for label in labels:
                at = cell.find(label)
                if at < 0:
                    continue
                after = cell[at + len(label) :].strip(" :：")
                found = stated_date(after)
                if found is None and i + 1 < len(cells):
                    after = cells[i + 1]
                    found = stated_date(after)
                if found:
                    return found, f"{label}「{found.year}年{found.month}月{found.day}日」"
    return None


def _title_period(head: list[list[Any]]) -> tuple[Period, str] | None:
    """A period a short title cell states (心愿清单台账（2024年第一季度）), not a labelled date."""
    labels = [*_settings()["date_labels"], "填报期间"]
    for row in head:
        for cell in row:
            text = unicodedata.normalize("NFKC", str(cell)).strip()
            if not text or len(text) > PROSE_CHARS or any(label in text for label in labels):
                continue
            if found := period_in(text):
                return found, f"标题「{text}」"
    return None


@dataclass(frozen=True)
class Version:
    """When a sheet's rows were true, where that was read, and everything the sheet states."""

    date: dt.date | None
    source: str  # pin | sheet | period (填报期间) | title | file | ""
    #: the period the sheet states anywhere (pin, sheet, 填报期间, title, file name): a tie
    #: between equal 填报日期 is settled by it, and it is the period a pin would write
    period: Period | None = None
    #: what each place states, for the analyst (填报期间「2024Q3」、文件名「…_2024Q3.xlsx」)
    found: tuple[str, ...] = ()


def sheet_version(
    file: str, sheet: str, head: list[list[Any]], pin_period: str | None = None
) -> Version:
    """The version a sheet states: pin, sheet name, 填报期间 cell, dated title row (填报日期),
    file name - in that order; with the period it states and what each place says."""
    name = file.rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0]
    filled = read_provenance(head).get("period", "")
    titled = _title_date(head[:6])
    title_period = _title_period(head[:6])
    places: list[tuple[str, dt.date | None, Period | None, str]] = [
        (
            "pin",
            Period.parse(str(pin_period)).end if pin_period else None,
            Period.parse(str(pin_period)) if pin_period else None,
            f"[[pin]] period「{pin_period}」",
        ),
        ("sheet", stated_date(sheet), period_in(sheet, bare_year=True), f"工作表名「{sheet}」"),
        ("period", stated_date(filled) if filled else None,
         period_in(filled, bare_year=True) if filled else None, f"填报期间「{filled}」"),
        ("title", titled[0] if titled else None, None, titled[1] if titled else ""),
        ("title", None, title_period[0] if title_period else None,
         title_period[1] if title_period else ""),
        ("file", stated_date(stem), period_in(stem, bare_year=True), f"文件名「{name}」"),
    ]  # fmt: skip
    found = tuple(text for _, day, per, text in places if day is not None or per is not None)
    period = next((per for _, _, per, _ in places if per is not None), None)
    for source, day, _per, _text in places:
        if day is not None:
            return Version(day, source, period, found)
    return Version(None, "", period, found)


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
            winner_or_none = _newest(dated)
            if winner_or_none is None:
                winner = sources[0]  # keep one: never count it twice; the gate asks for a pin
                conflicts.append(_conflict(table, unit, ident, results, dated))
            else:
                winner = winner_or_none
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
                        "old_row": int(old[Col.SOURCE_ROW]),
                        "old_status": _key(old.get("status")),
                        "new_file": results[winner].file,
                        "new_sheet": results[winner].sheet,
                        "new_row": int(new[Col.SOURCE_ROW]),
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
            superseded += [(table, res.file, res.sheet, int(r)) for r in gone[Col.SOURCE_ROW]]
            res.duplicate_records = (
                gone if res.duplicate_records is None else pd.concat([res.duplicate_records, gone])
            )
            res.records = res.records[~mask].reset_index(drop=True)
    return {"updated": updated, "conflicts": conflicts, "superseded": superseded}


def _newest(dated: dict[int, Version | None]) -> int | None:
    """The source whose version is newest, or None when they cannot be told apart.

    First by the date each states in the order of :func:`sheet_version`; when those tie or
    one is missing, by the period each states anywhere (four quarters re-sent on one 填报日期).
    """
    for when in (
        lambda v: v.date,
        lambda v: v.period.end if v.period is not None else None,
    ):
        dates = {s: when(v) if v else None for s, v in dated.items()}
        if None in dates.values():
            continue
        newest = max(d for d in dates.values() if d is not None)
        winners = [s for s, d in dates.items() if d == newest]
        if len(winners) == 1:
            return winners[0]
    return None


def _conflict(
    table: str, unit: str, ident: str, results: list[Any], dated: dict[int, Version | None]
) -> dict[str, Any]:
    """A record the sources cannot order: what each file states, and the fix.

    The pin lines carry the period each file states (its 填报期间, title or name), never a
    made-up one; files that state the same period are the same return sent twice, and the
    fix is to move the older one out of the folder.
    """
    by_file: dict[str, Version | None] = {}
    for s, v in dated.items():
        by_file.setdefault(results[s].file, v)
    files = sorted(by_file)
    said = "；".join(
        f"{f}：{'、'.join(v.found) if v and v.found else '没有写明期间或日期'}"
        for f, v in by_file.items()
    )
    periods = {f: v.period.label if v and v.period else "" for f, v in by_file.items()}
    same = len(set(periods.values())) == 1 and all(periods.values())
    if same:
        first = next(v for v in by_file.values() if v and v.period)
        hint = (
            f"这些文件写明的是同一期间（{first.period.label_cn if first.period else ''}），"
            "是同一份台账发了两次：请把较旧的一份移入原始数据文件夹中的「归档」子文件夹"
        )
        toml = ""
    else:
        hint = "在 shishi.toml 中为这些文件写明所属期间（下面已按文件自己写明的期间填好，请核对），较新的一份即以其为准"
        toml = "\n".join(
            f'[[pin]]\nfile = "{f}"\nperiod = "{periods[f]}"'
            + ("" if periods[f] else "  # 填写该文件所属的期间，例如 2024Q3")
            for f in files
        )
    return {
        "table": table,
        "unit": unit,
        "identity": ident,
        "files": "、".join(files),
        "found": said,
        "hint": hint,
        "toml": toml,
    }


def drop_superseded(
    tables: dict[str, pd.DataFrame], superseded: list[tuple[str, str, str, int]]
) -> dict[str, pd.DataFrame]:
    """The assembled tables without the rows :func:`apply_versions` moved out."""
    out = dict(tables)
    for table in {t for t, *_ in superseded}:
        gone = {(f, s, r) for t, f, s, r in superseded if t == table}
        frame = out[table]
        keys = zip(
            frame[Col.SOURCE_FILE], frame[Col.SOURCE_SHEET], frame[Col.SOURCE_ROW], strict=True
        )
        keep = [(str(f), str(s), int(r)) not in gone for f, s, r in keys]
        out[table] = frame[keep].reset_index(drop=True)
    return out
