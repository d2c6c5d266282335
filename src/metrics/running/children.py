"""No process left behind: the forkserver, pool workers and notebook kernels end with shishi.

- SIGTERM, SIGHUP and SIGINT stop every descendant first (politely, then by force), then
  raise :class:`Terminated`, so the CLI prints one line and returns ExitCode.INTERRUPTED.
- A pool worker asks Linux to kill it when its parent (the forkserver) dies, and the
  forkserver ends when shishi does, so even a SIGKILL of shishi takes the workers with it.
  Kernels watch their parent (ipykernel's parent poller) and exit when it is gone.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from typing import Any

HANDLED = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


class Terminated(KeyboardInterrupt):
    """shishi was asked to stop (Ctrl-C, a termination signal, the terminal closed)."""


def stop_descendants(timeout: float = 3.0) -> int:
    """Terminate every process started under this one, kill what is left after ``timeout``;
    how many there were."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with the Jupyter stack
        return 0
    try:
        procs = psutil.Process().children(recursive=True)
    except psutil.Error:
        return 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=timeout)
    return len(procs)


def _on_signal(signum: int, _frame: Any) -> None:
    for sig in HANDLED:  # a second signal while stopping must not interrupt the stopping
        signal.signal(sig, signal.SIG_IGN)
    stop_descendants()
    raise Terminated(signal.Signals(signum).name)


def install_signal_handlers() -> None:
    """Make SIGTERM/SIGHUP/SIGINT stop the children, then unwind (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in HANDLED:
        with contextlib.suppress(ValueError, OSError):
            signal.signal(sig, _on_signal)


def restore_signal_handlers() -> None:
    for sig in HANDLED:
        with contextlib.suppress(ValueError, OSError):
            signal.signal(
                sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL
            )


_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Linux only: have the kernel send ``sig`` to this process when its parent exits."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)


def watch_process(pid: int, interval: float = 1.0) -> None:
    """End this process (and its kernels) soon after process ``pid`` is gone.

    A pool worker's parent is the forkserver, which outlives a SIGKILLed shishi as long as
    any worker holds its liveness pipe; so each worker watches shishi itself.
    """
    import os
    import time

    import psutil

    def gone() -> bool:
        try:  # a killed process stays a zombie until its own parent reaps it
            return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True
        except psutil.Error:
            return False

    def watch() -> None:
        while True:
            time.sleep(interval)
            if gone():
                stop_descendants(timeout=2.0)
                os._exit(1)

    threading.Thread(target=watch, name="shishi-watch-parent", daemon=True).start()


def end_with_shishi() -> None:
    """In a pool worker: end with shishi, the forkserver's parent (see :func:`watch_process`)."""
    import os

    die_with_parent()  # the forkserver
    with contextlib.suppress(Exception):
        import psutil

        watch_process(psutil.Process(os.getppid()).ppid())
