"""One shishi run per output folder: a second run waits a little, then refuses with a message.

Two runs writing the same data/processed or reports/ would mix one run's figures into the
other's PDF. The lock is an advisory ``flock`` on a hidden file in the folder: the kernel
drops it when its process ends, however it ends, so a killed run never leaves it stuck.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from metrics.errors import BusyError, OutputError, output_error

LOCK_NAME = ".shishi.lock"
#: How long a second run waits for the first to finish before refusing.
WAIT_SECONDS = 5.0


def _open_lock(folder: Path) -> int:
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            "输出位置是一个文件，不是文件夹", "请用 --out / --reports 指定一个文件夹", path=folder
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise output_error(exc, folder) from exc


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
        if text:
            return f"（进程号 {int(text)}）"
    return ""


@contextlib.contextmanager
def output_lock(*folders: Path, wait: float | None = None) -> Iterator[None]:
    """Hold every folder's lock (taken in a fixed order, so two runs cannot deadlock),
    waiting up to ``wait`` seconds (default :data:`WAIT_SECONDS`) for each."""
    wait = WAIT_SECONDS if wait is None else wait
    unique = sorted({Path(f).resolve() for f in folders})
    held: list[int] = []
    try:
        for folder in unique:
            fd = _open_lock(folder)
            held.append(fd)
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise BusyError(
                            f"另一个 shishi 正在写入这个文件夹{_holder(fd)}，本次未运行",
                            "请等它完成后再运行；或用 --out / --reports 换一个文件夹",
                            path=folder,
                        ) from None
                    time.sleep(0.2)
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        for fd in reversed(held):
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
