"""Batch runs: every report gets a kernel of its own, and no kernel outlives the batch.

Kernels are started ahead (during cleaning, and during the previous PDF's layout); these
tests check that the head start never shares a kernel between two reports and never leaves
a kernel process behind, serially and in a pool.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pytest

from metrics.running.batch import plan_jobs, run_jobs
from test_hostile import echo_notebook

PROBE = (
    "import os\n"
    "from pathlib import Path\n"
    "Path(processed_dir, f'pid-{period}').write_text(str(os.getpid()))\n"
    "from IPython.display import HTML, display\n"
    "display(HTML(f'<p>{period}</p>'))"
)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie has exited already
        return fh.read().split()[2] != "Z"


def kernel_pids(folder: Path) -> list[int]:
    return [int(p.read_text()) for p in sorted(folder.glob("pid-*"))]


def running_kernels() -> set[int]:
    """PIDs of live ipykernel processes of this test session (spares included).

    A kernel is ours when it carries the session's tag in its environment (conftest sets it
    before anything starts, and kernels inherit it through pool workers and their forkserver),
    so another checkout's kernels are not counted, and an orphan of ours still is.
    """
    tag = f"SHISHI_TEST_SESSION={os.environ['SHISHI_TEST_SESSION']}".encode()
    found = set()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes() if b"ipykernel_launcher" in cmdline else b""
        except OSError:
            continue
        if tag in environ.split(b"\0") and alive(int(proc.name)):
            found.add(int(proc.name))
    return found


@pytest.mark.e2e
@pytest.mark.parametrize("workers", [1, 2])
def test_each_report_has_its_own_kernel_and_none_is_left(tmp_path: Path, workers: int) -> None:
    before = running_kernels()
    nbs = echo_notebook(tmp_path / "nbs", PROBE)
    periods = ["2024Q1", "2024Q2", "2024Q3"]
    jobs = plan_jobs(periods, [""], tmp_path / "r", tmp_path, tmp_path, ["probe"], "fp", nbs)
    result = run_jobs(jobs, workers=workers, force=True)
    assert sorted(j.period for j in result.made) == periods, result.failed
    pids = kernel_pids(tmp_path)
    assert len(pids) == 3 and len(set(pids)) == 3  # no kernel served two reports
    deadline = time.monotonic() + 10
    while running_kernels() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not running_kernels() - before  # spares that served no report are stopped too


@pytest.mark.e2e
def test_pool_reports_a_failing_report_and_a_dead_worker_without_stopping(tmp_path: Path) -> None:
    """In a pool, a failing cell is one line like in a serial run; a worker that dies (here its
    report's kernel kills it) fails the jobs it leaves behind with a message, not a traceback."""
    nbs = echo_notebook(tmp_path / "nbs", "1 / 0", name="quarterly_summary")
    echo_notebook(nbs, "x = 1", name="data_quality")
    jobs = plan_jobs(
        ["2024Q4", "2024Q3"], [""], tmp_path / "r", tmp_path, tmp_path, None, "fp", nbs
    )
    result = run_jobs(jobs, workers=2)
    assert sorted(j.period for j in result.made) == ["2024Q3", "2024Q4"]
    assert all(j.name == "data_quality" for j in result.made)
    assert len(result.failed) == 2
    assert all("单元格 [" in m and "ZeroDivisionError" in m for _, m in result.failed)

    killer = echo_notebook(
        tmp_path / "killer", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)", "probe"
    )
    periods = ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    jobs = plan_jobs(periods, [""], tmp_path / "k", tmp_path, tmp_path, ["probe"], "fp", killer)
    result = run_jobs(jobs, workers=2)
    assert not result.made
    assert sorted(j.period for j, _ in result.failed) == periods  # every job accounted for


def test_a_kernel_that_dies_while_starting_is_replaced_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two kernels booting at once took the same port: the loser died before it answered
    (ZMQError: Address already in use) and a whole report failed for it (seen with a pool)."""
    import papermill as pm

    from metrics.reporting import render

    calls: list[object] = []
    real = pm.execute_notebook

    def flaky(*args: object, **kwargs: object) -> object:
        calls.append(kwargs.get("km"))
        if len(calls) == 1:
            raise RuntimeError(render.KERNEL_DIED)
        return real(*args, **kwargs)

    monkeypatch.setattr(pm, "execute_notebook", flaky)
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1 + 1")])
    nbformat.write(nb, nbs / "one.ipynb")
    out = render.execute_notebook(nbs / "one.ipynb", tmp_path / "out" / "one.ipynb", {})
    assert len(calls) == 2 and calls[1] is None  # a fresh kernel of papermill's own
    assert (tmp_path / "out" / "one.ipynb").exists() and out.cells[0].source == "x = 1 + 1"
