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


#: What each exit code means and what to do, in the analyst's words: the one table that
#: ``shishi explain-exit N`` (which the Makefile calls) prints a line of, and that the
#: README's「退出码」table repeats (tests/test_errors.py keeps them the same).
EXIT_MEANINGS: dict[ExitCode, tuple[str, str]] = {
    ExitCode.OK: ("成功：所有台账都已读入，本期数字完整", "—"),
    ExitCode.BUG: (
        "shishi 程序内部错误（缺陷）",
        "把终端提示的日志文件和所用命令发给维护人员",
    ),
    ExitCode.USAGE: (
        "命令写错：未知选项、期间写法不对、--unit 指定的单位不存在（会列出已知单位）、"
        "在错误的文件夹里运行",
        "按提示改正命令；shishi 子命令 --help 查看写法",
    ),
    ExitCode.CONFIG: (
        "shishi.toml（或分析员的期间说明文件）有误",
        "按提示的行号和最接近的写法修改",
    ),
    ExitCode.INPUT: (
        "原始数据文件夹不存在，或其中没有任何文件能读取（shishi clean 遇到空文件夹也是 4）",
        "检查 DIR=、--workdir 或 --raw 指向的文件夹，把台账放进去",
    ),
    ExitCode.INCOMPLETE: (
        "数据不完整：不生成正式的领导报告（加 --draft 时生成标注“草稿”的版本）",
        "打开 data_quality.pdf 第一页，逐项处理后重新运行",
    ),
    ExitCode.REPORT: (
        "某个报告生成失败（笔记本出错），其执行记录已保留",
        "按提示打开 .failed.ipynb 查看，联系维护人员",
    ),
    ExitCode.OUTPUT: (
        "输出文件无法写入（磁盘满、无权限、路径被同名文件占用）",
        "清理磁盘，或用 --out、--reports、DIR= 换一个可写的文件夹",
    ),
    ExitCode.BUSY: ("另一个 shishi 正在写同一个输出文件夹", "等它结束后再运行"),
    ExitCode.INTERRUPTED: ("被 Ctrl-C 或终止信号中断", "重新运行即可"),
}


def explain_exit(code: int) -> str:
    """One line: the exit code, what it means, what to do (for the Makefile's last line)."""
    try:
        meaning, todo = EXIT_MEANINGS[ExitCode(code)]
    except ValueError:
        return f"退出码 {code}：不是 shishi 的退出码（可能是系统或 make 本身出错）"
    return f"退出码 {code}：{meaning}" + ("" if todo == "—" else f"。处理办法：{todo}")


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
