"""Records read twice: exact repeats are moved out with a trace, near repeats are flagged.

Offices send the same file twice under two names, and public lists re-publish a donation in a
later list with an edited 备注, a donor's name spelt differently or another date. An exact
repeat of a record already read from another file or sheet is counted once and named in
``duplicates.csv`` beside the file, sheet and Excel row it repeats. A near repeat (same donor
and amount within a few days; same day and amount with a similar donor) is kept, both rows are
listed in ``near_duplicates.csv``, and ``review_repeat`` marks every row of such a group but the
first read, so figures can count the group once while the analyst decides.

A row's identity includes where it came from: its unit and its department (the sheet's
provenance.Origin, when it names one of ``[unit] branches``). Two departments that each bought 500元 of honey from one village on one
day bought 1,000元, so rows are compared within one department's ledgers only - and across
departments only when a whole file or sheet is repeated: the same bytes, or every row the same
while at least one of the two sheets does not state its department in its own 填报单位 cell
(a forwarded copy renamed). Near repeats are sought within one department too.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, NamedTuple, cast

import numpy as np
import pandas as pd

from metrics.cleaning.parsing import normalize_text
from metrics.contract import DUPLICATE_COLUMNS, NEAR_DUPLICATE_COLUMNS, Col

#: Tables checked for near repeats, with the column naming who gave or bought.
NEAR_TABLES = {"donations": Col.DONOR, "purchases": Col.BUYER}
#: Columns added to those tables: the group a row is under review in, and whether the figures
#: should leave it out (every row of a group but the first read).
#: Same donor and amount: dates at most this many days apart.
NEAR_DAYS = 3
#: Same day and amount: donors at least this similar (difflib ratio) count as one.
NAME_SIMILARITY = 0.8
#: Groups larger than this are everyday giving (10 yuan from "*明"), not one gift re-published.
_MAX_GROUP = 200
RULES = {
    "same_who_amount": f"捐赠方（采购方）和金额相同，日期相差不超过{NEAR_DAYS}天",
    "same_day_amount": "日期和金额相同，名称相近",
}


def record_key_columns(spec: Any) -> list[str]:
    """Columns that make two records 'the same record': everything but where it was read.

    The unit is part of the record: the same row in two units' folders is two records.
    """
    cols: list[str] = ["unit"]
    for f in spec.fields.values():
        cols.append(f.name)
        if f.qualifier_column:
            cols.append(f.qualifier_column)
    if "date" in spec.fields:
        cols.append("time")  # two gifts at 07:06 and 23:45 of one day are two gifts
    return cols


def _sheet_rows(records: pd.DataFrame, keys: list[str]) -> pd.Series:
    return pd.util.hash_pandas_object(records[keys].astype(str), index=False)


def department_keys(
    owned: list[Any], hashes: list[pd.Series], origins: dict[tuple[str, str], Any]
) -> list[str]:
    """The department each sheet's rows are compared within.

    A sheet whose rows are all the rows of an earlier sheet of another department (the same
    multiset) takes that sheet's department - a whole sheet repeated - unless both sheets state
    their department in their own 填报单位 cell (two departments' ledgers that happen to agree,
    e.g. each bought the same quota of produce) and their bytes differ.
    """
    keys: list[str] = []
    first: dict[bytes, int] = {}  # a sheet's rows (their unit included) -> the first such sheet
    for n, res in enumerate(owned):
        origin = origins.get((res.file, res.sheet))
        branch = origin.identity if origin is not None else ""
        whole = np.sort(hashes[n].to_numpy()).tobytes()
        earlier = first.setdefault(whole, n)
        if earlier != n and keys[earlier] != branch:
            other = origins.get((owned[earlier].file, owned[earlier].sheet))
            stated = (
                origin is not None
                and other is not None
                and origin.branch_from == "cell"
                and other.branch_from == "cell"
            )
            if res.sha256 == owned[earlier].sha256 or not stated:
                branch = keys[earlier]
        keys.append(branch)
    return keys


def mark_duplicates(
    results: list[Any],
    specs: dict[str, Any],
    origins: dict[tuple[str, str], Any] | None = None,
) -> None:
    """Move records already read from an earlier file or sheet of the same department out of
    the later one (``origins``: (file, sheet) -> provenance.Origin; without it, one department).

    Each moved record keeps the file, sheet and row it repeats (``same_as_*``) in the
    sheet's ``duplicate_records``. Identical rows inside one sheet are left alone (two equal
    donations on one day are plausible).
    """
    for table in specs:
        owned = [
            r for r in results if r.table == table and r.records is not None and len(r.records)
        ]
        if len(owned) < 2:
            continue
        keys = [c for c in record_key_columns(specs[table]) if c in owned[0].records.columns]
        hashes = [_sheet_rows(res.records, keys) for res in owned]
        branches = department_keys(owned, hashes, origins or {})
        seen = pd.concat(
            [
                pd.DataFrame(
                    {
                        "h": hashes[n],
                        "d": branches[n],
                        "n": n,
                        "row": res.records[Col.SOURCE_ROW].to_numpy(),
                    }
                )
                for n, res in enumerate(owned)
            ],
            ignore_index=True,
        )
        # the department is part of a row's identity: a repeat is a repeat within one
        seen["h"] = pd.util.hash_pandas_object(seen[["h", "d"]].astype(str), index=False)
        first = seen.groupby("h", sort=False)[["n", "row"]].transform("first")
        repeat = (first["n"] != seen["n"]).to_numpy()  # first read in an earlier sheet
        offset = 0
        for res in owned:
            records = res.records
            mask = repeat[offset : offset + len(records)]
            owner_n = first["n"].to_numpy()[offset : offset + len(records)][mask]
            owner_row = first["row"].to_numpy()[offset : offset + len(records)][mask]
            offset += len(records)
            if not mask.any():
                continue
            dup = records[mask].copy()
            dup[Col.SAME_AS_FILE] = [owned[k].file for k in owner_n]
            dup[Col.SAME_AS_SHEET] = [owned[k].sheet for k in owner_n]
            dup[Col.SAME_AS_ROW] = owner_row.astype(int)
            res.add("duplicates", int(mask.sum()))
            res.counts["accepted"] -= int(mask.sum())
            res.duplicate_records = dup
            res.records = records[~mask].reset_index(drop=True)


def trace(results: list[Any]) -> pd.DataFrame:
    """Every exact repeat with the file, sheet and Excel row it repeats (duplicates.csv)."""
    frames = []
    for res in results:
        dup = res.duplicate_records
        if dup is None or dup.empty or Col.SAME_AS_FILE not in dup:
            continue
        frame = dup[[Col.SOURCE_FILE, Col.SOURCE_SHEET, Col.SOURCE_ROW]].copy()
        frame.insert(0, "table", res.table)
        for col in (Col.SAME_AS_FILE, Col.SAME_AS_SHEET, Col.SAME_AS_ROW):
            frame[col] = dup[col].to_numpy()
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=list(DUPLICATE_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(DUPLICATE_COLUMNS)]


# --- near repeats ----------------------------------------------------------------------------

_BRACKETS = re.compile(r"[(（【\[].*?[)）】\]]")
_NOISE = re.compile(r"[\s*＊·.,，、:：'\"“”‘’_\-—]+")


def name_key(name: object) -> str:
    """A name folded for comparison: simplified, no spaces, brackets or punctuation, lower case."""
    text = normalize_text(name).lower()
    return _NOISE.sub("", _BRACKETS.sub("", text)) or _NOISE.sub("", text)


def similar(a: str, b: str) -> bool:
    """Two folded names that are one spelt twice (陈永华 / 陈永化, 某公司 / 某有限公司)."""
    if not a or not b:
        return False
    if a == b or (min(len(a), len(b)) >= 4 and (a in b or b in a)):
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= NAME_SIMILARITY


def _keys(names: pd.Series) -> np.ndarray:
    """name_key of every cell, worked out once per distinct name."""
    codes, uniques = pd.factorize(names.astype(object), use_na_sentinel=True)
    keys = np.array([name_key(u) if isinstance(u, str) else "" for u in uniques] + [""])
    return keys[codes]


class _Candidate(NamedTuple):
    """One row of the candidate frame as ``itertuples`` yields it (columns in this order)."""

    key: str
    amount: float
    day: pd.Timestamp
    where: int
    unit: str
    branch: str
    pos: int


Departments = dict[tuple[str, str], str]


def _sheets(frame: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """A number per row for the (file, sheet) it was read from, and those pairs in order.

    Worked out on the few distinct files and sheets, not on a string per row."""
    files, file_names = pd.factorize(frame[Col.SOURCE_FILE].astype(str))
    sheets, sheet_names = pd.factorize(frame[Col.SOURCE_SHEET].astype(str))
    where, pairs = pd.factorize(files.astype(np.int64) * (len(sheet_names) + 1) + sheets)
    width = len(sheet_names) + 1
    names = list(file_names), list(sheet_names)
    return where, [(str(names[0][p // width]), str(names[1][p % width])) for p in pairs.tolist()]


def _branches(
    where: np.ndarray, sheets: list[tuple[str, str]], departments: Departments | None
) -> np.ndarray:
    """The department of each row, by the file and sheet it was read from ("" if unknown)."""
    if not departments or not len(where):
        return np.full(len(where), "", dtype=object)
    return np.array([departments.get(w, "") for w in sheets], dtype=object)[where]


def _pairs(
    frame: pd.DataFrame, who: str, departments: Departments | None = None
) -> list[tuple[int, int, str]]:
    """(row, row, rule) of near repeats from different sheets, by position in ``frame``.

    Only (donor, amount) and (day, amount) groups spanning two or more sheets of one unit and
    one department are looked at, and only those of at most ``_MAX_GROUP`` rows: a gift of 10
    yuan from "*明" on a hundred lists is everyday giving, not a re-published donation.
    """
    where, sheets = _sheets(frame)
    if len(sheets) < 2:  # one sheet: no row repeats another sheet's (a big ledger's usual case)
        return []
    data = pd.DataFrame(
        {
            "key": _keys(frame[who]),
            "amount": frame[Col.AMOUNT_YUAN].to_numpy(),
            "day": pd.to_datetime(frame["date"], errors="coerce").dt.normalize().to_numpy(),
            "where": where,
            "unit": frame["unit"].astype(str).to_numpy(),  # two units' rows are two records
            "branch": _branches(where, sheets, departments),  # and so are two departments'
            "pos": np.arange(len(frame)),
        }
    )
    data = data[data["amount"].notna() & (data["amount"] > 0) & data["day"].notna()]
    pairs: list[tuple[int, int, str]] = []
    for rule, by in (
        ("same_who_amount", ["unit", "branch", "key", "amount"]),
        ("same_day_amount", ["unit", "branch", "day", "amount"]),
    ):
        rows = data[data["key"] != ""] if rule == "same_who_amount" else data
        grouped = rows.groupby(by, sort=False)["where"]
        keep = (grouped.transform("nunique") > 1) & (grouped.transform("size") <= _MAX_GROUP)
        for _, group in rows[keep].groupby(by, sort=False):
            near: bool
            members = cast(list[_Candidate], list(group.itertuples(index=False)))
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    if a.where == b.where:
                        continue
                    if rule == "same_who_amount":
                        near = abs((a.day - b.day) / np.timedelta64(1, "D")) <= NEAR_DAYS
                    else:  # equal names were the first rule's
                        near = a.key != b.key and similar(a.key, b.key)
                    if near:
                        pairs.append((int(a.pos), int(b.pos), rule))
    return pairs


def _groups(n: int, pairs: list[tuple[int, int, str]]) -> tuple[np.ndarray, dict[int, str]]:
    """Union-find over the pairs: a group number per row (-1 if none) and each group's rule."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b, _ in pairs:
        parent[find(a)] = find(b)
    groups = np.full(n, -1, dtype=np.intp)
    rules: dict[int, str] = {}
    numbers: dict[int, int] = {}
    for a, b, rule in sorted(pairs):
        root = find(a)
        number = numbers.setdefault(root, len(numbers) + 1)
        groups[a] = groups[b] = number
        rules.setdefault(number, rule)
    return groups, rules


def flag_near(
    tables: dict[str, pd.DataFrame], departments: Departments | None = None
) -> dict[str, pd.DataFrame]:
    """Donations and purchases with ``review_group`` (e.g. 捐赠-3) and ``review_repeat``.

    Rows are kept; ``review_repeat`` is True for every row of a group except the first read,
    so a sum over ``~review_repeat`` counts each group once. ``departments`` maps (file,
    sheet) to the department that sent it: rows of two departments are never a near repeat.
    """
    out = dict(tables)
    for table, who in NEAR_TABLES.items():
        frame = tables.get(table)
        if frame is None:
            continue
        groups, _ = (
            _groups(len(frame), _pairs(frame, who, departments))
            if len(frame)
            else (np.empty(0), {})
        )
        prefix = {"donations": "捐赠", "purchases": "采购"}[table]
        labels = [f"{prefix}-{g}" if g > 0 else None for g in groups]
        repeat = np.zeros(len(frame), dtype=bool)
        seen: set[int] = set()
        for i, g in enumerate(groups):  # frames are in reading order: the first read stays
            if g > 0:
                repeat[i] = g in seen
                seen.add(int(g))
        out[table] = frame.assign(
            review_group=pd.array(labels, dtype="string"), review_repeat=repeat
        )
    return out


def near_table(
    tables: dict[str, pd.DataFrame], departments: Departments | None = None
) -> pd.DataFrame:
    """Every row under review, grouped, with what makes the group (near_duplicates.csv)."""
    frames = []
    for table, who in NEAR_TABLES.items():
        frame = tables.get(table)
        if frame is None or Col.REVIEW_GROUP not in frame or frame[Col.REVIEW_GROUP].isna().all():
            continue
        rows = frame[frame[Col.REVIEW_GROUP].notna()]
        pairs = _pairs(frame, who, departments)
        _, rules = _groups(len(frame), pairs)
        rule_of = {f"{'捐赠' if table == 'donations' else '采购'}-{g}": r for g, r in rules.items()}
        frames.append(
            pd.DataFrame(
                {
                    "table": table,
                    Col.REVIEW_GROUP: rows[Col.REVIEW_GROUP].astype(str),
                    "rule": rows[Col.REVIEW_GROUP].astype(str).map(rule_of).map(RULES),
                    Col.REVIEW_REPEAT: rows[Col.REVIEW_REPEAT],
                    "unit": rows["unit"],
                    Col.SOURCE_FILE: rows[Col.SOURCE_FILE],
                    Col.SOURCE_SHEET: rows[Col.SOURCE_SHEET],
                    Col.SOURCE_ROW: rows[Col.SOURCE_ROW],
                    "date": pd.to_datetime(rows["date"]).dt.date,
                    "who": rows[who],
                    Col.AMOUNT_YUAN: rows[Col.AMOUNT_YUAN],
                    "note": rows.get("note"),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=list(NEAR_DUPLICATE_COLUMNS))
    out = pd.concat(frames, ignore_index=True)[list(NEAR_DUPLICATE_COLUMNS)]
    return out.sort_values(
        ["table", Col.REVIEW_GROUP, Col.SOURCE_FILE, Col.SOURCE_ROW], kind="stable"
    )


def under_review(frame: pd.DataFrame) -> dict[str, Any]:
    """How many rows and groups a table has under review, and the yuan left out of its sums."""
    if Col.REVIEW_GROUP not in frame or frame.empty:
        return {"groups": 0, "rows": 0, "repeat_rows": 0, "repeat_yuan": 0.0}
    flagged = frame[Col.REVIEW_GROUP].notna()
    repeat = frame[Col.REVIEW_REPEAT].astype(bool)
    return {
        "groups": int(frame.loc[flagged, Col.REVIEW_GROUP].nunique()),
        "rows": int(flagged.sum()),
        "repeat_rows": int(repeat.sum()),
        "repeat_yuan": round(float(frame.loc[repeat, Col.AMOUNT_YUAN].sum()), 2),
    }


def _load(out_dir: Path, name: str, columns: list[str]) -> pd.DataFrame:
    path = Path(out_dir) / f"{name}.csv"
    if not path.exists():
        return pd.DataFrame(columns=columns)
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str).fillna("")


def duplicates_table(out_dir: Path) -> pd.DataFrame:
    """duplicates.csv as written: each exact repeat and the file, sheet and row it repeats."""
    return _load(out_dir, "duplicates", list(DUPLICATE_COLUMNS))


def near_duplicates_table(out_dir: Path) -> pd.DataFrame:
    """near_duplicates.csv as written: rows under review, both (all) rows of each group."""
    return _load(out_dir, "near_duplicates", list(NEAR_DUPLICATE_COLUMNS))
