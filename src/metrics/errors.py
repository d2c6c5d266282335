"""shishi's own exceptions: a problem the analyst can fix, said in Chinese, with what to do.

Modelled on papermill's ``PapermillException`` tree: one base class, one subclass per kind of
problem, each carrying the message, a hint and the exit code the CLI returns for it. Only the
CLI prints them. Anything that is *not* a :class:`ShishiError` reaching the CLI is a bug in
shishi and is reported as one, with its traceback and the log path.
"""

from __future__ import annotations

import enum
from pathlib import Path


class ExitCode(enum.IntEnum):
    """What ``shishi`` returns; documented in the README (退出码)."""

    OK = 0
    #: A bug in shishi: the traceback is printed and written to the log.
    BUG = 1
    #: The command line was wrong (unknown option, bad period, unknown unit).
    USAGE = 2
    #: shishi.toml or the analyst's report text file is wrong.
    CONFIG = 3
    #: The raw folder is missing, or nothing in it could be read.
    INPUT = 4
    #: The figures are incomplete for the scope and period: no leadership PDF (see --draft).
    INCOMPLETE = 5
    #: A report notebook failed; its executed copy is kept as the log.
    REPORT = 6
    #: An output could not be written (disk full, no permission, a file where a folder belongs).
    OUTPUT = 7
    #: Another shishi run holds the output folder.
    BUSY = 8
    #: Ctrl-C or a termination signal.
    INTERRUPTED = 130


class ShishiError(Exception):
    """A problem the user can fix: ``message`` says what is wrong, ``hint`` what to do."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, hint: str = "", *, path: Path | str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.path = Path(path) if path is not None else None

    def __reduce__(self) -> tuple[object, ...]:  # intact across a process pool
        return (type(self), (self.message, self.hint), self.__dict__)

    def __str__(self) -> str:
        where = f"{self.path}：" if self.path is not None else ""
        hint = f"\n  处理办法：{self.hint}" if self.hint else ""
        return f"{where}{self.message}{hint}"


class UsageError(ShishiError):
    """An option or argument on the command line that shishi cannot use."""

    exit_code = ExitCode.USAGE


class PeriodError(UsageError):
    """A reporting period that is not 2024Q3, 2024H1, 2024 or 2024-07."""


class ScopeError(UsageError):
    """A unit that is not declared in the raw folder."""


class ConfigError(ShishiError):
    """shishi.toml (or the analyst's per-period text file) says something shishi cannot use."""

    exit_code = ExitCode.CONFIG


class InputError(ShishiError):
    """The raw folder is missing or unusable as a whole (one bad file is a notice, not this)."""

    exit_code = ExitCode.INPUT


class UnreadableFile(InputError):
    """One raw file cannot be read; ingest turns it into a notice and goes on with the rest."""


class IncompleteError(ShishiError):
    """The figures may be incomplete: the leadership PDF is withheld unless --draft is given."""

    exit_code = ExitCode.INCOMPLETE


class ReportError(ShishiError):
    """A report could not be made (its notebook failed, or its template is missing)."""

    exit_code = ExitCode.REPORT


class OutputError(ShishiError):
    """An output file or folder could not be written."""

    exit_code = ExitCode.OUTPUT


class BusyError(ShishiError):
    """Another shishi run is writing to the same output folder."""

    exit_code = ExitCode.BUSY


def output_error(exc: OSError, path: Path | str) -> OutputError:
    """An OSError met while writing, as one Chinese sentence that says what to do."""
    import errno

    reasons = {
        errno.ENOSPC: ("磁盘空间不足，文件没有写完", "请清理磁盘空间后重新运行"),
        errno.EACCES: ("没有写入权限", "请换一个可写的文件夹（--out / --reports），或请管理员授权"),
        errno.EPERM: ("没有写入权限", "请换一个可写的文件夹（--out / --reports），或请管理员授权"),
        errno.EROFS: ("所在磁盘是只读的", "请换一个可写的文件夹（--out / --reports）"),
        errno.ENOTDIR: ("路径中有一段是文件而不是文件夹", "请检查 --out / --reports 指向的路径"),
        errno.EISDIR: ("这里应是文件，却是一个文件夹", "请移走同名文件夹后重试"),
        errno.EEXIST: ("同名文件已存在，且不是文件夹", "请换一个文件夹名"),
    }
    message, hint = reasons.get(
        exc.errno or 0, (f"无法写入（{exc.strerror or exc}）", "请检查该路径是否可写")
    )
    return OutputError(message, hint, path=path)
