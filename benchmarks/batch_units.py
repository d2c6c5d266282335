"""A 集团's quarter: many small units in one folder, every unit's reports in one run.

    python benchmarks/batch_units.py [--units 50] [--jobs 2] [--period 2024Q4]

Each unit is a copy of the sample's ledgers (data/raw, a few hundred rows) in its own folder,
declared in one shishi.toml ([[units]]); `shishi report --unit all` then cleans the folder once
and makes the group's reports and each unit's (leadership PDF with its Word and Excel copies,
and the data-quality PDF). Printed: the whole run, and the time per unit. `make bench` runs it
too (benchmarks/run.py, step 7).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work"
SAMPLE = ROOT / "data" / "raw"
SHISHI = [sys.executable, "-m", "metrics.running.cli"]


def make_group(units: int) -> Path:
    """A group folder of ``units`` units, each with the sample's ledgers, all declared."""
    raw = WORK / f"group_{units}"
    shutil.rmtree(raw, ignore_errors=True)
    for i in range(units):
        shutil.copytree(
            SAMPLE, raw / f"单位{i + 1:02d}", ignore=shutil.ignore_patterns("*.md", "*.toml")
        )
    (raw / "shishi.toml").write_text(
        '[unit]\nname = "基准集团"\n\n'
        + "".join(
            f'[[units]]\nfolder = "单位{i + 1:02d}"\nname = "单位{i + 1:02d}"\n\n'
            for i in range(units)
        ),
        encoding="utf-8",
    )
    return raw


def bench_units(units: int, jobs: int = 2, period: str = "2024Q4") -> dict[str, float]:
    """`shishi report --unit all` on a fresh group of ``units`` units, as one fresh process."""
    raw = make_group(units)
    out = WORK / f"group_{units}_out"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [*SHISHI, "report", "--period", period, "--raw", str(raw), "--out", str(out / "p"),
           "--reports", str(out / "r"), "--unit", "all", "--jobs", str(jobs), "--force"]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 5):  # 5: a unit's figures incomplete (its PDF withheld)
        raise SystemExit(f"shishi report failed ({done.returncode}): {done.stderr[-2000:]}")
    pdfs = len(list((out / "r").rglob("*.pdf")))
    return {
        "units": units,
        "jobs": jobs,
        "seconds": seconds,
        "per_unit_s": seconds / units,
        "pdfs": pdfs,
        "exit": done.returncode,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--period", default="2024Q4")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    r = bench_units(args.units, args.jobs, args.period)
    print(
        f"{args.units} units x 1 quarter, --jobs {args.jobs}: {r['seconds']:.1f} s in all, "
        f"{r['per_unit_s']:.2f} s per unit ({r['pdfs']} PDFs, exit {r['exit']})"
    )
    print(json.dumps(r))


if __name__ == "__main__":
    main()
