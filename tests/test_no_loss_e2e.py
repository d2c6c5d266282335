"""The no-loss promise through the front door: ``shishi report`` on the sample and on the real
public ledgers, and for every sheet of manifest.json:

- rows read = accepted + rejected + skipped (blank, total, note) + repeated (duplicates, replaced);
- ``reconciled`` is true;
- per table, the accepted rows of its sheets are the rows of its parquet file.

Run on copies (data/raw is only read), each with a shishi.toml naming the unit, so the report's
outcome does not hang on whether a folder without a unit name may be reported.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from conftest import assert_reconciled, real_ledgers, run_report
from metrics.contract import TABLES
from metrics.errors import ExitCode

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw"
#: Outcomes after which data/processed is complete: reports made, or the leadership one
#: withheld because a ledger is missing (the data-quality report says which).
FINISHED = (ExitCode.OK, ExitCode.INCOMPLETE)


def reported(work: Path, raw: Path, period: str) -> dict[str, Any]:
    """`shishi report` on raw; manifest.json and the parquet row counts it wrote."""
    code = run_report(work, raw, period=period)
    assert code in FINISHED, f"shishi report ended with {code!r}"
    processed = work / "p"
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    rows = {t: len(pd.read_parquet(processed / f"{t}.parquet")) for t in TABLES}
    return {"manifest": manifest, "rows": rows}


def sheets(manifest: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every sheet read as a table (skipped sheets carry no row counts)."""
    return [(f["file"], s) for f in manifest["files"] for s in f["sheets"] if "rows_read" in s]


def check_no_loss(run: dict[str, Any]) -> None:
    read = sheets(run["manifest"])
    assert read, "no sheet was read"
    accepted = dict.fromkeys(TABLES, 0)
    for file, sheet in read:
        where = (file, sheet["sheet"])
        assert_reconciled(sheet, where)
        assert sheet["reconciled"] is True, where
        accepted[sheet["table"]] += sheet["accepted"]
    assert accepted == run["rows"], "accepted rows per table vs rows in the parquet files"
    totals = run["manifest"]["totals"]
    assert totals["accepted"] == sum(run["rows"].values())


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("sample")
    raw = work / "raw"
    shutil.copytree(SAMPLE, raw)
    assert "[unit]" in (raw / "shishi.toml").read_text(encoding="utf-8")
    return reported(work, raw, "2024Q4")


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    found = real_ledgers()
    if found is None:
        pytest.skip("real ledgers not found (see conftest.real_ledgers)")
    work = tmp_path_factory.mktemp("real")
    raw = work / "raw"
    shutil.copytree(found, raw, ignore=shutil.ignore_patterns("*.md"))
    (raw / "shishi.toml").write_text('[unit]\nname = "武汉市红十字会"\n', encoding="utf-8")
    return reported(work, raw, "2020Q1")


def test_the_sample_loses_no_row(sample: dict[str, Any]) -> None:
    check_no_loss(sample)


def test_the_real_ledgers_lose_no_row(real: dict[str, Any]) -> None:
    check_no_loss(real)
    assert real["rows"]["donations"] > 0  # the Red Cross lists are read as donations


def test_a_lost_row_is_caught(sample: dict[str, Any]) -> None:
    """Not blind: one row dropped from a parquet count, or one verdict miscounted, fails."""
    table = next(t for t, n in sample["rows"].items() if n)
    short = {**sample, "rows": {**sample["rows"], table: sample["rows"][table] - 1}}
    with pytest.raises(AssertionError):
        check_no_loss(short)
    manifest = json.loads(json.dumps(sample["manifest"]))
    _, first = sheets(manifest)[0]
    first["rows_read"] += 1
    with pytest.raises(AssertionError):
        check_no_loss({**sample, "manifest": manifest})
