"""Shared test helpers."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

#: Where every row read must end up (spelled out here, independently of metrics.cleaning.rows).
VERDICTS = ("accepted", "rejected", "skipped_blank", "skipped_total", "skipped_note", "duplicates")


def assert_reconciled(counts: Mapping[str, int], where: object = "") -> None:
    """rows_read == accepted + rejected + skipped (blank/total/note) + duplicates."""
    assert counts["rows_read"] == sum(counts[k] for k in VERDICTS), (where, dict(counts))


# Tags every process this test session starts (kernels, pool workers): test_batch counts only
# the kernels that carry it, so kernels of another checkout running tests are not ours.
os.environ.setdefault("SHISHI_TEST_SESSION", f"{os.getpid()}-{time.time_ns()}")
