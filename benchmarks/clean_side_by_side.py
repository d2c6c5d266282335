"""Two versions of the cleaner against one bare calamine read, interleaved, in one run.

    git archive <commit> src | tar -x -C /tmp/before
    python benchmarks/clean_side_by_side.py /tmp/before/src [--rows 100000] [--repeat 3]

Each round runs the bare read, then `run_clean` with the other version's src/ on PYTHONPATH,
then with this checkout's, each as a fresh process; medians are printed. On a shared machine
the drift reaches all three alike, so the two ratios can be compared even when the seconds
cannot.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from run import BARE, CLEAN, ROOT, ledger


def run(code: str, args: list[str], src: str) -> tuple[float, float]:
    env = dict(os.environ, PYTHONPATH=src)
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True, env=env
    )
    return time.perf_counter() - start, int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="src/ folder of the version to compare with")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = ledger(args.rows)
    xlsx = str(next(folder.glob("*.xlsx")))
    sides = {"before": args.before, "this": str(ROOT / "src")}
    times: dict[str, list[tuple[float, float]]] = {"bare": [], "before": [], "this": []}
    out = Path(ROOT / "benchmarks" / "_work")
    for _ in range(args.repeat):
        times["bare"].append(run(BARE, [xlsx], sides["this"]))
        for side, src in sides.items():
            times[side].append(run(CLEAN, [str(folder), str(out / f"side_{side}")], src))
    bare = statistics.median(t for t, _ in times["bare"])
    print(
        f"{args.rows:,} rows: bare read {bare:.2f} s, peak {max(m for _, m in times['bare']):.0f} MiB"
    )
    for side in sides:
        clean = statistics.median(t for t, _ in times[side])
        peak = max(m for _, m in times[side])
        rounds = " / ".join(
            f"{t / b:.2f}" for (t, _), (b, _) in zip(times[side], times["bare"], strict=True)
        )
        print(
            f"  {side:<7} clean {clean:7.2f} s  ratio {clean / bare:5.2f} (rounds {rounds})  peak {peak:.0f} MiB"
        )


if __name__ == "__main__":
    main()
