"""Report kernels booted before they are needed, and the worker pool that runs reports.

A report spends ~1.9 of its ~4.5 CPU-seconds starting a kernel and importing pandas,
matplotlib and the library. That work is moved off the critical path: the first kernel boots
while the data are cleaned, the next one while the current PDF is laid out, and each pool
worker boots its own as soon as it starts. Every report still gets a fresh kernel of its own
(no state is carried from one report to the next). All of that lives here, behind
:class:`Kernels` (the spare of one process) and :func:`start_pool`.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import multiprocessing.util
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from metrics.paths import NOTEBOOKS_DIR

#: Libraries every report imports: loaded by an early kernel while it waits for its notebook.
WARM_IMPORTS = (
    "import pandas, matplotlib.pyplot, metrics.reporting.kpi, metrics.reporting.charts, "
    "metrics.reporting.present, metrics.reporting.word, metrics.reporting.export, openpyxl"
)
#: What a pool worker needs, loaded once by the forkserver the workers fork from (module names,
#: as multiprocessing's set_forkserver_preload takes them); this module first, for its import
#: skip. The notebooks' own imports happen in their kernels.
FORKSERVER_PRELOAD = [
    "metrics.running.kernels",
    "metrics.running.batch",
    "metrics.reporting.kpi",
    "metrics.reporting.export",
    "papermill",
    "weasyprint",
]


def skip_slow_imports() -> None:
    """Keep jsonschema from importing rfc3987-syntax (2-3 s of grammar building at import,
    python-jsonschema/jsonschema#1392) in this process: nbformat pulls jsonschema in, but
    shishi validates no IRI formats, and jsonschema treats the module as optional."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


@dataclass
class WarmKernel:
    """A kernel started ahead of its report, already importing the report libraries.

    ``km`` goes to papermill; :meth:`stop` shuts the kernel and the warm-up client down (the
    renderer calls it when the report is done, whatever happened).
    """

    km: Any
    client: Any | None = None

    @classmethod
    def start(cls, cwd: Path) -> WarmKernel | None:
        """Boot a kernel now; None when it cannot be started here (the report then starts its
        own kernel as usual, only later)."""
        from jupyter_client.manager import AsyncKernelManager

        from metrics.reporting.render import KERNEL_ARGS, kernel_name  # nbconvert: a slow import

        try:
            km = AsyncKernelManager(kernel_name=kernel_name())
            asyncio.run(km.start_kernel(extra_arguments=KERNEL_ARGS, cwd=str(cwd)))  # type: ignore[arg-type]
        except Exception:
            return None
        return cls(km, _queue_imports(km))

    def stop(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.stop_channels()
            self.client = None
        if self.km.has_kernel:
            with contextlib.suppress(Exception):
                asyncio.run(self.km.shutdown_kernel(now=True))


def _queue_imports(km: Any) -> Any | None:
    """Ask the early kernel to import the report libraries (silently, no history, no output).

    Imports change no report's result; they only move ~1.4 s of loading off the critical path.
    The kernel queues the notebook's own cells behind this request. The client is kept open
    until the kernel stops: the kernel may not be listening yet, and a closed socket would drop
    the queued request.
    """
    from jupyter_client import BlockingKernelClient

    try:
        kc = BlockingKernelClient()
        kc.load_connection_info(km.get_connection_info())
        kc.start_channels()
        kc.execute(WARM_IMPORTS, silent=True, store_history=False)
    except Exception:
        return None
    return kc


class Kernels:
    """The spare kernel of one process: at most one, booted ahead for its next report."""

    def __init__(self, notebooks_dir: Path = NOTEBOOKS_DIR) -> None:
        self.notebooks_dir = notebooks_dir
        self._spare: WarmKernel | None = None

    def start_spare(self) -> None:
        """Boot a kernel for the next report, unless one is waiting already."""
        if self._spare is None:
            self._spare = WarmKernel.start(self.notebooks_dir)

    def take(self) -> WarmKernel | None:
        """The waiting kernel, handed over (its new owner stops it), or None."""
        spare, self._spare = self._spare, None
        return spare

    def close(self) -> None:
        """Stop the spare that no report used."""
        spare = self.take()
        if spare is not None:
            spare.stop()

    def __enter__(self) -> Kernels:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@cache
def worker_kernels(notebooks_dir: Path) -> Kernels:
    """The spare holder of this pool worker process (one per process: a worker runs one report
    at a time and keeps a kernel booted for the next)."""
    return Kernels(notebooks_dir)


def _init_worker(notebooks_dir: Path) -> None:
    """Pool worker start-up: boot a kernel while the parent cleans; stop it if never used."""
    skip_slow_imports()
    from metrics.running.children import end_with_shishi

    end_with_shishi()  # even a SIGKILLed shishi takes its workers and their kernels along
    kernels = worker_kernels(notebooks_dir)
    multiprocessing.util.Finalize(None, kernels.close, exitpriority=10)
    kernels.start_spare()


def start_pool(workers: int, notebooks_dir: Path = NOTEBOOKS_DIR) -> ProcessPoolExecutor:
    """A pool whose workers are started now and boot a kernel each while the data are cleaned.

    Workers are not forked from this process: a fork of a process that has talked to kernels
    (zmq sockets, event loops) can hang. They fork from a fresh forkserver that has loaded
    the report stack once, which is cheaper than a spawned interpreter per worker.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(FORKSERVER_PRELOAD)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(notebooks_dir,),
    )
    for _ in range(workers):  # workers start on demand: ask for all of them now
        pool.submit(int)
    return pool


skip_slow_imports()  # the forkserver imports this module first: the skip applies to its forks
