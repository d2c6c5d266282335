"""Shared test helpers."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

#: Where every row read must end up (spelled out here, independently of metrics.cleaning.rows).
VERDICTS = (
    "accepted",
    "rejected",
    "skipped_blank",
    "skipped_total",
    "skipped_note",
    "duplicates",
    "replaced",
)


#: The environment variable that points at the real public ledgers when they are not beside the
#: repository (a git worktree sits in another folder).
REAL_LEDGERS_ENV = "SHISHI_REAL_LEDGERS"


def real_ledgers() -> Path | None:
    """The real public ledgers: $SHISHI_REAL_LEDGERS, else ``<repo>/../shared/real-ledgers``;
    None when that folder is absent (the tests that need them are skipped). The one rule every
    test uses to find them."""
    repo = Path(__file__).resolve().parents[1]
    path = Path(os.environ.get(REAL_LEDGERS_ENV) or repo.parent / "shared" / "real-ledgers")
    return path if path.is_dir() else None


def assert_reconciled(counts: Mapping[str, int], where: object = "") -> None:
    """rows_read == accepted + rejected + skipped (blank/total/note) + duplicates + replaced."""
    assert counts["rows_read"] == sum(counts[k] for k in VERDICTS), (where, dict(counts))


# Tags every process this test session starts (kernels, pool workers): test_batch counts only
# the kernels that carry it, so kernels of another checkout running tests are not ours.
os.environ.setdefault("SHISHI_TEST_SESSION", f"{os.getpid()}-{time.time_ns()}")


def report_args(work: Path, raw: Path, *extra: str, period: str = "2024Q4") -> list[str]:
    """`shishi report` on ``raw``, writing under ``work`` (p/ processed, r/ reports)."""
    return [
        "report",
        "--period",
        period,
        "--raw",
        str(raw),
        "--out",
        str(work / "p"),
        "--reports",
        str(work / "r"),
        *extra,
    ]


def run_report(work: Path, raw: Path, *extra: str, period: str = "2024Q4") -> int:
    """The CLI's exit code for :func:`report_args` (imported late: conftest loads first)."""
    from metrics.running.cli import main

    return main(report_args(work, raw, *extra, period=period))


# The 公文 profile measured on the rendered sample 简报 (tests/test_gongwen_profile.py stores it
# here): printed at the end of every run, so `make test` shows the margins, fonts and page numbers.
PAGE_PROFILE = pytest.StashKey[list[str]]()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    lines = config.stash.get(PAGE_PROFILE, [])
    if lines:
        terminalreporter.section("公文版式实测（scripts/page_profile.py）")
        for line in lines:
            terminalreporter.write_line(line)
