"""The `shishi` command: parse arguments, call one library function, print progress and results."""

from __future__ import annotations

import argparse
import contextlib
import gettext
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from metrics import version
from metrics.errors import (
    ExitCode,
    InputError,
    OutputError,
    ShishiError,
    UsageError,
    output_error,
)
from metrics.running.kernels import skip_slow_imports

EXAMPLES = """\
示例：
  shishi report --period 2024Q4                  # 示例数据 data/raw -> reports/2024Q4/
  shishi init ~/实事报告 --name 青江卷烟厂 --branch 卷包车间 --branch 制丝车间
                                                 # 建立本单位的工作文件夹（不含示例数据）
  shishi template --workdir ~/实事报告 --period 2025Q1   # 每个部门一套空白台账
  shishi report --workdir ~/实事报告 --period 2025Q1     # 本单位的报告
  shishi clean                                   # 只清洗：data/raw -> data/processed
  shishi report --period 2024H1 --unit all       # 每个下属单位一套报告

期间写法：2024Q3（季度）、2024H1（半年）、2024（全年）、2024-07（月份）
退出码：0 完成；2 命令写错；3 设置文件有误；4 没有可读的数据；5 数据不完整；
        6 报告生成失败；7 无法写入；8 另一个 shishi 正在运行；1 程序缺陷（见 README「退出码」）
"""

#: argparse's own messages in Chinese, served through its gettext hook (see chinese_argparse).
ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "expected one argument": "后面要跟一个值",
    "expected at most one argument": "后面最多跟一个值",
    "expected at least one argument": "后面至少要跟一个值",
    "expected %s argument": "后面要跟 %s 个值",
    "expected %s arguments": "后面要跟 %s 个值",
    "invalid choice: %(value)r (choose from %(choices)s)": "没有 %(value)r 这一项（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "值 %(value)r 不是有效的 %(type)s",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "not allowed with argument %s": "不能和 %s 同时使用",
    "one of the arguments %s is required": "需要以下参数之一：%s",
    "ignored explicit argument %r": "多余的值 %r 被忽略",
    "can't open '%(filename)s': %(error)s": "无法打开 %(filename)s：%(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "没有子命令 %(parser_name)r（可选：%(choices)s）",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n  处理办法：运行 %(prog)s --help 查看写法\n",
}


def count_arg(text: str) -> int:
    """A whole number of at least 1 (--jobs), refused in Chinese otherwise."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"「{text}」不是正整数，请写 1、2 这样的数")
    return value


class ChineseMessages(gettext.NullTranslations):
    """A translation from a dict: what argparse's ``_()`` and ``ngettext()`` return."""

    def __init__(self, messages: dict[str, str]) -> None:
        super().__init__()
        self.messages = messages

    def gettext(self, message: str) -> str:
        return self.messages.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self.gettext(msgid1 if n == 1 else msgid2)


@contextlib.contextmanager
def chinese_argparse() -> Iterator[None]:
    """Route argparse's gettext calls through :class:`ChineseMessages` while shishi runs.

    argparse binds ``gettext.gettext`` as its module-level ``_`` (and ``ngettext``) at import
    and looks them up on every message, so the translation is installed there, before the
    parser is built (its help headings are translated then) and until parsing is done.
    """
    tr = ChineseMessages(ARGPARSE_ZH)
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = tr.gettext, tr.ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Each option's help on the line below it: argparse pads by len(), and a Chinese
    character is two columns wide, so help beside CJK metavars would not line up."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=6, width=100)


class _ShowVersion(argparse.Action):
    """--version: the version is looked up only when asked (see :func:`metrics.version`)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"shishi {version()}")  # on stdout, as argparse's own version action does
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shishi",
        description="把各部门报来的“我为群众办实事”台账清洗成数据，生成季度工作简报（PDF、Word、Excel）"
        "和数据质量报告。",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,  # ASCII names: aligned as is
    )
    parser.add_argument("--version", action=_ShowVersion, nargs=0, help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="子命令")

    clean = sub.add_parser(
        "clean",
        formatter_class=HelpFormatter,
        help="只清洗：读原始数据，写清洗结果（数据表、rejects.csv、manifest.json）",
        description="清洗原始台账：每一行给出结论（接受 / 拒绝并说明原因 / 跳过空行、合计行、注释行 / 重复）。",
    )
    _add_io_args(clean)

    report = sub.add_parser(
        "report",
        help="清洗并生成报告：报告文件夹/<期间>/ 下的 PDF、Word、Excel",
        description="清洗数据并生成报告：<报告文件夹>/<期间>/quarterly_summary.pdf（领导阅）、"
        ".docx、.xlsx 和 data_quality.pdf（分析员用）。",
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
    )
    report.add_argument(
        "--period",
        required=True,
        action="append",
        metavar="期间",
        help="报告期间：2024Q4、2024H1、2024、2024-07（可写多次）",
    )
    _add_io_args(report)
    report.add_argument(
        "--reports",
        type=Path,
        default=None,
        metavar="文件夹",
        help="报告写到哪里（默认 reports，或工作文件夹的 报告/）",
    )
    report.add_argument(
        "--unit", default="", metavar="单位", help="只做某个下属单位的报告；all 表示每个单位一套"
    )
    report.add_argument(
        "--jobs", type=count_arg, default=1, metavar="N", help="同时生成几份报告（默认 1）"
    )
    report.add_argument("--force", action="store_true", help="即使输入和程序都没变，也重新生成")
    report.add_argument(
        "--draft",
        action="store_true",
        help="数据不完整时仍生成领导报告，每页标注“草稿 · 数据不完整” "
        "(make the leadership PDF even when figures are incomplete, marked as a draft)",
    )
    report.add_argument(
        "--only",
        action="append",
        metavar="报告",
        help="只生成这一份（quarterly_summary 或 data_quality），可写多次",
    )
    report.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        metavar="文件夹",
        help="报告笔记本所在的文件夹（默认项目的 notebooks/）",
    )

    template = sub.add_parser(
        "template",
        formatter_class=HelpFormatter,
        help="生成空白台账：每个部门、每类台账一份，带下拉选项和填表说明",
        description="按 shishi.toml 中的部门列表（[unit] branches）为每个部门生成四类空白台账，"
        "文件名含部门和期间，已填好填报单位和填报期间。",
    )
    template.add_argument(
        "dir",
        nargs="?",
        type=Path,
        default=None,
        metavar="文件夹",
        help="写到哪里（默认 templates，或工作文件夹的 空白台账/）",
    )
    template.add_argument(
        "--period", default=None, metavar="期间", help="填报期间，如 2025Q1（写进文件名和表头）"
    )
    template.add_argument(
        "--raw", type=Path, default=None, metavar="文件夹", help="从这里的 shishi.toml 读部门列表"
    )
    template.add_argument(
        "--workdir", type=Path, default=None, metavar="文件夹", help="shishi init 建的工作文件夹"
    )

    init = sub.add_parser(
        "init",
        formatter_class=HelpFormatter,
        help="建立本单位的工作文件夹（原始数据、设置、报告、清单），不含示例数据",
        description="建立本单位的工作文件夹：原始数据/shishi.toml（单位名称、部门）、清洗结果/、报告/、"
        "空白台账/ 和 清单.md。示例数据留在项目的 data/raw/，不会混进来。"
        "不写 --name 时在终端上逐项询问。",
    )
    # not listed (no help=): the Makefile's last line says what shishi's exit code meant
    explain = sub.add_parser(
        "explain-exit", description="用中文说明 shishi 的退出码（make 的各个目标调用）"
    )
    explain.add_argument("code", type=int, metavar="退出码")

    init.add_argument("dir", type=Path, metavar="文件夹", help="新的工作文件夹，如 ~/实事报告")
    init.add_argument("--name", default=None, metavar="单位名称", help="报告封面上的单位名称")
    init.add_argument(
        "--branch",
        action="append",
        default=[],
        metavar="部门",
        help="报送台账的部门（车间、科室、支部），每个写一次",
    )

    inspect = sub.add_parser(
        "inspect",
        formatter_class=HelpFormatter,
        help="查看 shishi 怎么读一个表格或一个文件夹：每个工作表是哪类台账、每列读作什么（只读，不写任何文件）",
        description="逐个工作表列出：是哪类台账及判断依据、表头在第几行、每一列读作哪一项"
        "（按表头、按内容、未使用）和三个例子；认不准的列给出 shishi.toml 中要加的那一行。"
        "使用文件所在文件夹的 shishi.toml；不写清洗结果，也不生成报告。",
    )
    inspect.add_argument(
        "path", type=Path, metavar="文件或文件夹", help="一个表格文件，或放着表格的文件夹"
    )
    return parser


def _add_io_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workdir",
        type=Path,
        default=None,
        metavar="文件夹",
        help="shishi init 建的工作文件夹（代替下面三项）",
    )
    p.add_argument(
        "--raw",
        type=Path,
        default=None,
        metavar="文件夹",
        help="原始表格所在的文件夹（默认 data/raw）",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="文件夹",
        help="清洗结果写到哪里（默认 data/processed）",
    )


def _paths(args: argparse.Namespace) -> Any:
    """Fill --raw/--out/--reports from --workdir or the defaults, saying which data are used."""
    from metrics.running.init import excel_lock_notices, is_sample, run_paths

    paths = run_paths(
        workdir=args.workdir,
        raw=args.raw,
        out=args.out,
        reports=getattr(args, "reports", None),
    )
    args.raw, args.out = paths.raw, paths.processed
    if hasattr(args, "reports"):
        args.reports = paths.reports
    if paths.found_here and paths.workdir is not None:
        print(f"使用工作文件夹 {paths.workdir.root}")
    if is_sample(paths.raw):
        print(
            f"示例数据：{paths.raw} 是随程序附带的示例（shishi.toml 中 sample = true），"
            "不是本单位的数据。做本单位的报告：先 make init DIR=工作文件夹（见 README）"
        )
    for notice in excel_lock_notices(paths.raw):
        print(f"  注意：{notice}")
    return paths


def _table_label(table: str) -> str:
    from metrics.cleaning.headers import load_table_specs

    spec = load_table_specs().get(table)
    return spec.label if spec else table


def _pad(text: str, width: int) -> str:
    """Left-justify by terminal columns (a Chinese character takes two)."""
    import unicodedata

    cols = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - cols, 1)


def _print_clean_summary(outcome) -> None:
    t = outcome.manifest["totals"]
    print(
        f"读取 {t['rows_read']} 行：接受 {t['accepted']}，拒绝 {t['rejected']}，"
        f"跳过空行 {t['skipped_blank']} / 合计行 {t['skipped_total']} / 注释行 {t['skipped_note']}，"
        f"重复 {t['duplicates']}"
    )
    for table, frame in outcome.tables.items():
        print(f"  {_pad(_table_label(table), 14)}{len(frame):>7} 行")
    _print_notices(outcome.notices)
    _print_sheet_checks(outcome.manifest)
    if len(outcome.rejects):
        print(f"  {len(outcome.rejects)} 个单元格被拒绝，原因见 rejects.csv")
    if len(outcome.warnings):
        print(f"  {len(outcome.warnings)} 条提醒，见 warnings.csv")


def _print_notices(notices: Sequence[Any]) -> None:
    """Each file or sheet passed over, to confirm or not read; the same skip said thrice at most."""
    from metrics.reporting.safe_text import escape_controls as esc

    info: dict[str, int] = {}
    for n in notices:
        where = esc(n.file) + (f" [{esc(n.sheet)}]" if n.sheet else "")
        if n.level == "info":
            info[n.message] = info.get(n.message, 0) + 1
            if info[n.message] > 3:  # e.g. the 说明 sheet of every template: counted below
                continue
            print(f"  跳过：{where}：{esc(n.message)}")
        elif n.level == "check":  # read, but to be confirmed (a year from the title, a stray quote)
            print(f"  请核对：{where}：{esc(n.message)}")
        else:
            print(f"  无法读取：{where}：{esc(n.message)}")
            if n.toml and n.sheet:  # a sheet's ready fix (a [[pin]] that reads or skips it)
                print(f"    处理办法：{esc(n.hint)}" if n.hint else "    可在 shishi.toml 中加入：")
                print("\n".join(f"      {esc(line)}" for line in n.toml.splitlines()))
    for message, count in info.items():
        if count > 3:
            print(f"  ……另有 {count - 3} 个工作表同样跳过（{esc(message)}）")


def _print_sheet_checks(manifest: dict[str, Any]) -> None:
    """Columns not read, 合计 rows that differ, corrections that replaced a file."""
    from metrics.reporting.safe_text import escape_controls as esc

    raw = manifest.get("raw_dir", "")
    for f in manifest["files"]:
        for s in f["sheets"]:
            where = f"{esc(f['file'])} [{esc(s['sheet'])}]"
            if s.get("unknown_headers"):
                print(
                    f"  未识别的列（没有读取）：{where}："
                    f"{esc('、'.join(map(str, s['unknown_headers'])))}。如果需要这一列，"
                    f"在 {esc(Path(raw) / 'shishi.toml')} 的 [headers.{s['table']}] 中加上同义词"
                    "（写法见 README.md「八、本单位的设置 shishi.toml」）"
                )
            for c in s.get("total_rows", []):
                if c["status"] == "differ":
                    print(
                        f"  合计不符：{where} 第{c['excel_row']}行 "
                        f"合计 {c['stated']:,.2f}，明细之和 {c['computed']:,.2f}，相差 {c['difference']:,.2f}"
                    )
    for c in (manifest.get("receipts") or {}).get("copies", []):
        if c.get("verdict") == "replaced":  # a department's correction counts instead
            print(
                f"  更正版：{esc(c['kept'])} 替换 {esc('、'.join(c['replaced']))}"
                f"（{c['rows_replaced']} 行不再计入；{esc(c['reason'])}）"
            )


def clean_progress() -> Any:
    """A bar over the rows being cleaned, on stderr, for terminals only, and only if the
    cleaning takes more than a second (the sample is done before it would show)."""
    from tqdm import tqdm

    return tqdm(
        desc="清洗数据", unit="行", unit_scale=True, file=sys.stderr, disable=None, delay=1.0
    )


#: What each output is for, shown after a report run (README「输出文件」 says the same).
OUTPUTS = {
    "quarterly_summary.pdf": "季度工作简报（报领导）",
    "quarterly_summary.docx": "季度工作简报的 Word 版（可修改）",
    "quarterly_summary.xlsx": "简报的数据底表（Excel：各项指标和清洗后的明细）",
    "charts": "简报里的每张图（PNG 300 dpi 和 SVG，可插入 PPT 或 Word）",
    "data_quality.pdf": "数据质量报告（分析员先看：被拒绝的单元格、合计不符、无法读取的文件）",
}


def cmd_clean(args: argparse.Namespace) -> int:
    from metrics.cleaning.store import run_clean
    from metrics.config import load_config
    from metrics.files import check_outputs_outside_raw
    from metrics.running.init import has_spreadsheets
    from metrics.running.lock import output_lock

    _paths(args)
    if args.raw.is_dir():
        load_config(args.raw)  # a broken shishi.toml is said first, even in an empty folder
    if args.raw.is_dir() and not has_spreadsheets(args.raw):
        raise InputError(
            "原始数据文件夹里没有表格文件（.xlsx .xls .csv）",
            "把各部门报来的台账原样放进这个文件夹后再运行",
            path=args.raw,
        )
    started = time.perf_counter()
    check_outputs_outside_raw(args.raw, args.out)
    with output_lock(args.out), clean_progress() as bar:
        outcome = run_clean(args.raw, args.out, progress=bar)
    _print_clean_summary(outcome)
    print(f"已写入 {args.out}（{time.perf_counter() - started:.1f} 秒）")
    if any(len(f) for f in outcome.tables.values()) or not outcome.notices:
        return ExitCode.OK
    return ExitCode.INPUT  # files were there, and not one of them could be read


def cmd_report(args: argparse.Namespace) -> int:
    from metrics.files import check_outputs_outside_raw
    from metrics.periods import Period
    from metrics.running.lock import output_lock

    for label in args.period:  # a mistyped period fails before anything else is done
        Period.parse(label)
    _paths(args)
    check_outputs_outside_raw(args.raw, args.out, args.reports)
    with output_lock(args.out, args.reports):
        return _report(args)


def _report(args: argparse.Namespace) -> int:
    from metrics.periods import Period
    from metrics.reporting.safe_text import escape_controls as esc
    from metrics.running.batch import run_reports
    from metrics.scope import UnitRequest

    def on_clean(outcome: Any) -> None:  # --unit is checked right after (metrics.scope)
        _print_clean_summary(outcome)

    result = run_reports(
        periods=[Period.parse(p) for p in args.period],
        raw_dir=args.raw,
        processed_dir=args.out,
        reports_dir=args.reports,
        unit=UnitRequest.parse(args.unit),
        draft=args.draft,
        jobs=args.jobs,
        force=args.force,
        only=args.only,
        on_clean=on_clean,
        progress=clean_progress,
        **({"notebooks_dir": args.notebooks} if args.notebooks else {}),
    )
    for job in result.made:
        print(f"已生成 {job.pdf}")
    for note in _leadership_notices(args.raw, result.made):
        print(f"  注意：{note}")
    for job in result.skipped:
        print(f"未变化，跳过 {job.pdf}（输入、配置和代码都没有变；加 --force 可重新生成）")
    for _job, message in result.failed:  # a file name in it may hold a newline or an ESC
        print(f"失败：{esc(message)}", file=sys.stderr)
    _print_outputs(args.reports, args.period)
    return report_summary(result)


def _leadership_notices(raw: Path, made: list[Any]) -> list[str]:
    """What a made 简报 used in place of what it asks for: a stand-in for the 公文 fonts
    (reporting.fonts), a run date beside a 文号 of another year (reporting.analyst)."""
    from metrics.periods import Period
    from metrics.reporting.analyst import text_notices
    from metrics.reporting.fonts import font_notice
    from metrics.reporting.safe_text import escape_controls as esc
    from metrics.running.batch import LEADERSHIP

    jobs = [j for j in made if j.name == LEADERSHIP]
    if not jobs:
        return []
    notes = [n for j in jobs for n in text_notices(raw, Period.parse(j.period), j.unit)]
    return [esc(n) for n in dict.fromkeys([font_notice(), *notes]) if n]


def report_summary(result: Any) -> int:
    """Every blocker in Chinese, then one line that never says 完成 for an incomplete run."""
    from metrics.reporting.safe_text import escape_controls as esc
    from metrics.running.batch import LEADERSHIP

    counts = f"生成 {len(result.made)}，跳过 {len(result.skipped)}，失败 {len(result.failed)}"
    stale = _print_stale(getattr(result, "stale", []))
    for (period, scope), notes in getattr(result, "receipt_notes", {}).items():
        print(f"收表情况需要处理（{period}{f' {esc(scope.unit)}' if scope.unit else ''}）：")
        for message, hint in notes:  # each part escaped, the layout's line break kept
            print(f"  · {esc(message)}\n    处理办法：{esc(hint)}")
    unwritten = list(getattr(result, "unwritten", {}).values())
    if unwritten:  # disk full, no permission: nothing of the set was published
        sys.stdout.flush()
        print(f"shishi：{esc(unwritten[0])}", file=sys.stderr)
        print(f"报告未能写入：已发布的报告保持原样（{counts}）")
        return ExitCode.OUTPUT
    if result.blockers:
        sys.stdout.flush()
        shown: set[tuple[str, str]] = set()
        for (period, scope), found in result.blockers.items():
            title = period + (f" {esc(scope.unit)}" if scope.unit else "")
            print(f"数据不完整（{title}）：", file=sys.stderr)
            for b in found:
                if (title, b.line()) not in shown:
                    shown.add((title, b.line()))
                    print(f"  {len(shown)}. {b.line(esc)}", file=sys.stderr)
        sys.stderr.flush()
        drafted = result.draft and any(j.name == LEADERSHIP for j in result.made + result.skipped)
        made = "已生成标注“草稿 · 数据不完整”的领导报告" if drafted else "未生成领导报告"
        print(
            f"数据不完整：{made}（{counts}）。请先处理上面列出的 {len(shown)} 个问题，"
            "data_quality.pdf 第一页有同样的清单"
            + ("" if result.draft else "；如需先看草稿，加 --draft")
        )
        return ExitCode.INCOMPLETE
    if result.failed:
        print(f"有报告生成失败：{counts}")
        return ExitCode.REPORT
    leadership = [j for j in result.made + result.skipped if j.name == LEADERSHIP]
    print((f"完成：{counts}" if leadership else f"已结束（未要求领导报告）：{counts}") + stale)
    return ExitCode.OK


def _print_stale(stale: list[dict[str, Any]]) -> str:
    """Published reports the data no longer give (需重新生成); the summary line's addition."""
    from metrics.reporting.safe_text import escape_controls
    from metrics.running.versions import stale_line

    if not stale:
        return ""
    print(f"需重新生成：以下 {len(stale)} 份已报出的领导报告中的数字已与现在的数据不符：")
    for entry in stale:
        print(f"  {escape_controls(stale_line(entry))}")
    periods = list(dict.fromkeys(entry["period"] for entry in stale))
    print(
        "  重新生成：shishi report 加上 "
        + " ".join(f"--period {p}" for p in periods)
        + f'（make 写作 PERIOD="{" ".join(periods)}"）；旧版会保存在 versions/ 中'
    )
    return f"；另有 {len(stale)} 份已报出的报告需重新生成（见上）"


def _print_outputs(reports: Path, periods: Sequence[str]) -> None:
    """The files a report run left, each with what it is for; what shishi did not write
    there (a link or a folder in place of a PDF, a strange entry in versions/) is said, not
    listed."""
    from metrics.periods import Period
    from metrics.reporting.render import safe_name
    from metrics.reporting.safe_text import escape_controls as esc
    from metrics.running.versions import VERSIONS, tampered

    for label in periods:
        folder = Path(reports) / safe_name(Period.parse(label).label)
        order = list(OUTPUTS)
        named = [
            p
            for p in folder.rglob("*")
            if p.name in OUTPUTS and VERSIONS not in p.relative_to(folder).parts
        ]
        found = sorted(
            (p for p in named if not p.is_symlink() and p.is_dir() == (p.name == "charts")),
            key=lambda p: (p.parent.as_posix(), order.index(p.name)),
        )
        if found:
            print(f"输出文件（{folder}）：")
        for p in found:
            print(f"  {p.relative_to(folder).as_posix():<28} {OUTPUTS[p.name]}")
        places = sorted({p.parent for p in named} | {folder})
        for where in places:
            for entry in tampered(where, OUTPUTS):
                print(
                    f"注意：{esc(where)}/{esc(entry)}（不是 shishi 写入的，未列为输出；"
                    "请移走它，旧版只保存在 shishi 写的 versions/ 中）",
                    file=sys.stderr,
                )


def cmd_template(args: argparse.Namespace) -> int:
    from metrics.cleaning.ledger_templates import unit_settings, write_unit_templates
    from metrics.periods import Period
    from metrics.running.init import run_paths

    period = Period.parse(args.period) if args.period else None
    paths = run_paths(workdir=args.workdir, raw=args.raw, need_raw=False)
    raw = paths.raw if paths.raw.is_dir() else None
    folder = args.dir or paths.templates
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            "这里已有一个同名文件，模板需要写入文件夹",
            "请给出一个文件夹名（不存在会自动创建），如 shishi template templates/",
            path=folder,
        )
    try:
        written = write_unit_templates(folder, raw, period)
    except OSError as exc:
        raise output_error(exc, folder) from exc
    for path in written:
        print(f"已生成 {path}")
    print(
        f"共 {len(written)} 个文件。把文件名中带部门名的那一套发给对应部门；"
        "收回后原样放进原始数据文件夹（文件名含部门和期间，不会互相覆盖）。"
    )
    if not unit_settings(raw)[1]:
        print(
            "提示：shishi.toml 里没有部门列表（[unit] branches），只生成了一套不带部门名的台账；"
            "本单位请先 make init DIR=工作文件夹，再 make template DIR=工作文件夹 PERIOD=…"
        )
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from metrics.running.init import init_workdir

    name, branches = args.name, list(args.branch)
    if name is None:
        if not sys.stdin.isatty():
            raise UsageError(
                "缺少单位名称",
                f"写成 shishi init {args.dir} --name 单位名称 --branch 部门一 --branch 部门二",
            )
        try:
            name = input("单位名称（报告封面上的名称，如 青江卷烟厂）：")
            if not branches:
                answer = input("报送台账的部门，用顿号或逗号隔开（如 卷包车间、制丝车间）：")
                branches = [answer]
        except EOFError:
            raise UsageError(
                "没有输入单位名称", "可改用 --name 和 --branch 直接写在命令里"
            ) from None
    wd = init_workdir(args.dir, name, branches)
    root = wd.root.resolve()
    print(f"已建立工作文件夹 {root}")
    print("  原始数据/shishi.toml  单位名称和部门（可以随时修改）")
    print("  原始数据/             各部门报来的台账放这里")
    print("  清洗结果/  报告/  空白台账/")
    print("  清单.md               每季度的步骤")
    print("下一步：")
    print(f"  make template DIR={root} PERIOD=2025Q1   # 生成各部门的空白台账（期间换成实际的）")
    print(f"  make report DIR={root} PERIOD=2025Q1     # 台账收回后生成报告")
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from metrics.cleaning.inspect import inspect_path

    _print_inspection(inspect_path(args.path))
    return ExitCode.OK


def _print_inspection(found: Any) -> None:
    """Each sheet: its kind and why, the header row, a line per column, the settings to add."""
    from metrics.reporting.safe_text import escape_controls as esc

    settings = found.settings if found.settings_exist else f"{found.settings}（尚未建立）"
    print(f"设置文件：{settings}")
    for r in found.sheets:
        where = esc(r.file) + (f"［{esc(r.sheet)}］" if r.sheet else "")
        kind = f"{r.status}：{r.table_label}" if r.table_label else r.status
        if r.counts:
            c = r.counts
            kind += f"（读取 {c.get('rows_read', 0)} 行：接受 {c.get('accepted', 0)}，拒绝 {c.get('rejected', 0)}）"
        print(f"\n{where}  {kind}")
        if r.why:
            print(f"  依据：{esc(r.why)}")
        if r.header_row:
            print(
                f"  表头：第 {r.header_row} 行"
                + (f"，数据从第 {r.first_row} 行起" if r.first_row else "")
            )
        elif r.first_row:
            print(f"  表头：没有表头行，数据从第 {r.first_row} 行起")
        for col in r.columns:
            header = esc(col.header) or "（无表头）"
            target = col.label or "—"
            line = f"  {col.letter:<3}{_pad(header, 16)}→ {_pad(target, 12)}{_pad(col.how, 18)}"
            line += "例：" + "、".join(esc(v) for v in col.samples) if col.samples else "（空）"
            print(line)
            if col.evidence and col.how != "按表头":
                said = "".join(col.evidence)
                sure = (
                    f"，把握 {col.confidence:.0%}"
                    if col.confidence is not None and "%" not in said
                    else ""
                )
                print(f"       {'；'.join(col.evidence)}{sure}")
            if col.toml:
                section, _, entry = col.toml.partition("\n")
                ask = "如需读取这一列" if col.how == "未使用" else "要确定按此读取"
                print(f"       {ask}，在 shishi.toml 的 {section} 中加一行：{entry}")
        if r.toml:
            print("  在 shishi.toml 中加入以下几行即可确定：")
            for toml_line in r.toml.splitlines():
                print(f"    {toml_line}")


def cmd_explain_exit(args: argparse.Namespace) -> int:
    from metrics.errors import explain_exit

    print(explain_exit(args.code))
    return ExitCode.OK


HANDLERS = {
    "clean": cmd_clean,
    "report": cmd_report,
    "template": cmd_template,
    "init": cmd_init,
    "inspect": cmd_inspect,
    "explain-exit": cmd_explain_exit,
}


def main(argv: Sequence[str] | None = None) -> int:
    skip_slow_imports()
    with chinese_argparse():
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help, --version, or a usage error already printed
            return int(exc.code or 0)
        if args.command is None:
            parser.print_help()
            return ExitCode.USAGE
    from metrics.running import children

    children.install_signal_handlers()  # kernels and workers end with shishi
    try:
        return int(HANDLERS[args.command](args))
    except ShishiError as exc:  # each line printable (a name may hold a newline or an ESC)
        from metrics.reporting.safe_text import escape_controls as esc

        print("\n".join(esc(line) for line in f"shishi：{exc}".splitlines()), file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        children.stop_descendants()
        print("shishi：已中断", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:  # output piped into `head`: the reader left, nothing to report
        _silence_stdout()
        return ExitCode.OK
    except OSError as exc:  # disk full, no permission... while writing an output
        print(f"shishi：{output_error(exc, exc.filename or '输出文件夹')}", file=sys.stderr)
        return ExitCode.OUTPUT
    except Exception:
        return report_bug()
    finally:
        children.restore_signal_handlers()


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the exit flush cannot raise again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a real file (a test's capture)
        pass


def report_bug() -> int:
    """An exception shishi did not anticipate: a bug, said plainly, with the traceback logged."""
    import tempfile
    import traceback

    text = traceback.format_exc()
    log = Path(tempfile.gettempdir()) / f"shishi-error-{time.strftime('%Y%m%d-%H%M%S')}.log"
    try:
        log.write_text(text, encoding="utf-8")
        where = f"完整记录已保存到 {log}"
    except OSError:
        where = "（记录未能保存）"
    print(text, file=sys.stderr)
    print(
        f"shishi：程序内部错误（这是 shishi 的缺陷，不是您的操作问题）。{where}；"
        "请把该文件和所用的命令发给维护人员。",
        file=sys.stderr,
    )
    return ExitCode.BUG


if __name__ == "__main__":
    sys.exit(main())
