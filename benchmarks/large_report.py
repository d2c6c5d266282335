"""A leadership report from a large real-layout set, timed side by side with the sample's.

    python benchmarks/large_report.py [--rows 37256] [--repeat 3]

The set: the real public ledgers in ../shared/real-ledgers (Wuhan Red Cross lists of January-
February 2020 and a mask-donation CSV, about 12,000 rows in their publishers' own layouts)
plus a generated donations ledger dated in 2020Q1 that brings the folder to ``--rows`` rows
(37,256: the size of the Hubei Red Cross lists issue 22 measured, all of them of 2020Q1, so
every row is in the report's period and its workbook's detail sheet). `shishi report --period 2020Q1
--only quarterly_summary` on it, and the same on the sample (2024Q4), run alternately as
fresh processes; printed: both medians and their ratio (target: within 2x the sample's time,
with the Word, Excel and chart files still made). `make bench` runs it (benchmarks/run.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from run import ROOT, SAMPLE, SHISHI, WORK, generate_ledger


def real_ledgers() -> Path | None:
    """../shared/real-ledgers, or where SHISHI_REAL_LEDGERS points (as tests/conftest.py)."""
    found = Path(os.environ.get("SHISHI_REAL_LEDGERS", ROOT.parent / "shared" / "real-ledgers"))
    return found if found.is_dir() else None


def make_set(rows: int) -> Path:
    """The real ledgers plus a generated 2020 ledger, ``rows`` data rows in all."""
    real = real_ledgers()
    if real is None:
        raise SystemExit("../shared/real-ledgers not found (set SHISHI_REAL_LEDGERS)")
    raw = WORK / f"large_{rows}"
    if (raw / "shishi.toml").exists():
        return raw
    shutil.rmtree(raw, ignore_errors=True)
    shutil.copytree(real, raw, ignore=shutil.ignore_patterns("*.md"))
    raw.chmod(0o755)  # copied from a read-only folder: made writable, as a working copy
    for path in raw.iterdir():
        path.chmod(0o644)
    (raw / "shishi.toml").write_text('[unit]\nname = "武汉市红十字会"\n', encoding="utf-8")
    probe = WORK / f"large_{rows}_probe"
    subprocess.run(
        [*SHISHI, "clean", "--raw", str(raw), "--out", str(probe)],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    have = json.loads((probe / "manifest.json").read_text(encoding="utf-8"))["totals"]["rows_read"]
    print(
        f"  real ledgers: {have:,} rows read; generating {max(rows - have, 0):,} more", flush=True
    )
    if rows > have:
        generate_ledger(raw / "捐款登记2020.xlsx", rows - have, seed=2020, year=2020, days=91)
    return raw


def report(raw: Path, period: str, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(
        [*SHISHI, "report", "--period", period, "--raw", str(raw), "--out", str(out / "processed"),
         "--reports", str(out / "reports"), "--only", "quarterly_summary", "--force"],
        check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    made = sorted(p.suffix for p in (out / "reports" / period).glob("quarterly_summary*"))
    if ".pdf" not in made or ".docx" not in made or ".xlsx" not in made:
        raise SystemExit(f"the {period} report was not made in full: {made}")
    return seconds


def bench_large(rows: int = 37_256, repeat: int = 3) -> dict[str, float]:
    raw = make_set(rows)
    large, sample = [], []
    for _ in range(repeat):  # alternately, so a shared machine's drift reaches both alike
        large.append(report(raw, "2020Q1", WORK / "large_out"))
        sample.append(report(SAMPLE, "2024Q4", WORK / "large_sample_out"))
    manifest = json.loads((WORK / "large_out" / "processed" / "manifest.json").read_text("utf-8"))
    return {
        "rows": manifest["totals"]["rows_read"],
        "large_s": statistics.median(large),
        "sample_s": statistics.median(sample),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=37_256)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    r = bench_large(args.rows, args.repeat)
    print(
        f"leadership report, {r['rows']:,} rows: {r['large_s']:.2f} s; sample {r['sample_s']:.2f} s;"
        f" ratio {r['large_s'] / r['sample_s']:.2f} (target <= 2.0)"
    )


if __name__ == "__main__":
    main()
