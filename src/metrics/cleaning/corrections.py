"""Two files for one department, ledger and period: never both counted, never a silent pick.

A department re-sends a ledger corrected and the old file stays in the raw folder; or the same
ledger arrives twice with different rows. Counting both inflates every figure; keeping one
without saying which is a guess. So files are grouped by unit, department, ledger and the
period they state (see provenance.Origin), and a group of two or more files is settled here:

- the files hold the same rows (a copy sent twice): nothing to decide, the repeats are counted
  once (duplicates.py) and the matrix says 已收到;
- one file declares itself the correction - its 填报日期 is later than every other's, or its
  name carries a correction word (更正, 修改 …, data/refresh.toml) - and the two signs do not
  point at different files: it replaces the others. Their rows leave the tables and become
  ``replaced`` in their sheet's row accounting, so every sheet still reconciles, and the
  replacement is listed (manifest ``receipts.copies``, see :func:`corrections`);
- otherwise the group blocks the report (a 两份 cell) until the analyst moves one file to 归档/.

Running ledgers (心愿清单) are re-sent whole each quarter and keep their own rule: versions by
record identity (ledgers.py).
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from metrics.cleaning.duplicates import record_key_columns
from metrics.paths import DATA_DIR


@cache
def correction_words() -> tuple[str, ...]:
    with (DATA_DIR / "refresh.toml").open("rb") as fh:
        return tuple(tomllib.load(fh)["correction_words"])


def names_a_correction(file: str) -> str:
    """The correction word in a file's name (捐款捐物登记_办公室_2025Q2_更正.xlsx -> 更正), or ""."""
    name = unicodedata.normalize("NFKC", PurePosixPath(file).name)
    return next((w for w in correction_words() if w in name), "")


@dataclass
class Copies:
    """Two or more files for one unit, department, ledger and period, and what was decided."""

    unit: str
    branch: str
    table: str
    period: str
    #: every file of the group, by name
    files: list[str]
    #: replaced: ``kept`` counts, ``replaced`` do not | identical: the same rows, counted once |
    #: undecided: nothing says which is right: the report is blocked
    verdict: str
    kept: str = ""
    replaced: list[str] = field(default_factory=list)
    #: rows of the replaced files moved out of the tables
    rows_replaced: int = 0
    #: why (in Chinese, for the data-quality report and the 修订 table)
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _signature(records: pd.DataFrame | None, keys: list[str]) -> np.ndarray:
    """A sheet's rows as row hashes (the same hashes, in any order: the same rows)."""
    if records is None or records.empty:
        return np.empty(0, dtype=np.uint64)
    cols = [c for c in keys if c in records.columns and c != "unit"]
    return pd.util.hash_pandas_object(records[cols].astype(str), index=False).to_numpy()


def _decide(files: list[str], filled_on: dict[str, str]) -> tuple[str, str] | tuple[None, str]:
    """(the correction, why) or (None, why none can be chosen)."""
    named = [f for f in files if names_a_correction(f)]
    by_name = named[0] if len(named) == 1 else None
    by_date = None
    dates = [filled_on.get(f, "") for f in files]
    if all(dates):
        latest = max(dates)
        if dates.count(latest) == 1:
            by_date = files[dates.index(latest)]
    if by_name and by_date and by_name != by_date:
        return None, (
            f"「{by_name}」的文件名注明{names_a_correction(by_name)}，但「{by_date}」的填报日期"
            f"（{filled_on[by_date]}）更晚，无法判断以哪份为准"
        )
    if by_date:
        others = "、".join(f"{filled_on[f]}" for f in files if f != by_date)
        return by_date, f"填报日期 {filled_on[by_date]} 晚于另一份（{others}）"
    if by_name:
        return by_name, f"文件名注明“{names_a_correction(by_name)}”"
    if len(named) > 1:
        return None, "几份的文件名都注明了更正，填报日期又分不出先后，无法判断以哪份为准"
    return None, "内容不同，都没有注明是更正版（文件名没有“更正”等字样，填报日期也分不出先后）"


def settle_copies(
    results: list[Any],
    origins: dict[tuple[str, str], Any],
    units: dict[str, str],
    specs: dict[str, Any],
    running: tuple[str, ...] = ("wishes",),
) -> list[Copies]:
    """Group the sheets of ``results`` by (unit, department, ledger, stated period) and settle
    every group of two or more files; a replaced file's rows are moved out here.

    ``origins`` maps (file, sheet) to its provenance.Origin, ``units`` a file to its unit.
    Only departments a sheet states (in its 填报单位 cell, file or sheet name) and periods it
    states (not guessed from its rows) make a group.
    """
    groups: dict[tuple[str, str, str, str], list[Any]] = {}
    for res in results:
        origin = origins.get((res.file, res.sheet))
        if res.table is None or res.table in running or origin is None or res.notice:
            continue
        if not origin.period or origin.period_from == "rows" or not origin.branch_from:
            continue
        key = (units.get(res.file, ""), origin.branch, res.table, origin.period)
        groups.setdefault(key, []).append(res)
    settled = []
    for (unit, branch, table, period), members in groups.items():
        files = sorted(dict.fromkeys(r.file for r in members))
        if len(files) < 2:
            continue
        keys = record_key_columns(specs[table])
        by_file = {
            f: np.sort(
                np.concatenate([_signature(r.records, keys) for r in members if r.file == f])
            )
            for f in files
        }
        if len({rows.tobytes() for rows in by_file.values()}) == 1:
            settled.append(
                Copies(
                    unit,
                    branch,
                    table,
                    period,
                    files,
                    "identical",
                    reason="几份的内容完全相同，重复的行只计一次",
                )
            )
            continue
        filled = {r.file: origins[(r.file, r.sheet)].filled_on for r in members}
        kept, why = _decide(files, filled)
        if kept is None:
            settled.append(Copies(unit, branch, table, period, files, "undecided", reason=why))
            continue
        moved = 0
        for r in members:
            if r.file != kept:
                moved += replace_sheet(r, kept)
        settled.append(
            Copies(
                unit,
                branch,
                table,
                period,
                files,
                "replaced",
                kept=kept,
                replaced=[f for f in files if f != kept],
                rows_replaced=moved,
                reason=why,
            )
        )
    return settled


def replace_sheet(res: Any, by: str) -> int:
    """Move a replaced sheet's rows (accepted or refused) out: they become ``replaced``."""
    moved = res.counts.get("accepted", 0) + res.counts.get("rejected", 0)
    res.counts["replaced"] = res.counts.get("replaced", 0) + moved
    res.counts["accepted"] = 0
    res.counts["rejected"] = 0
    res.rejects = []
    if res.records is not None:
        res.records = res.records.iloc[0:0]
    res.replaced_by = by
    return int(moved)


def corrections(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Every replacement the cleaning made: which file now counts, which it replaced, how many
    rows and why - for the data-quality report and a 修订 table."""
    copies = (manifest.get("receipts") or {}).get("copies", [])
    return [c for c in copies if c.get("verdict") == "replaced"]
