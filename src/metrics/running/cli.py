"""The `shishi` command: parse arguments, call one library function, print progress and results."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from metrics import __version__
from metrics.errors import ExitCode, ShishiError
from metrics.running.kernels import skip_slow_imports

EXAMPLES = """\
examples:
  shishi clean                                  # data/raw -> data/processed
  shishi report --period 2024Q4                 # reports/2024Q4/quarterly_summary.pdf + data_quality.pdf
  shishi report --period 2024H1 --unit all      # one set of reports per unit (subfolders of data/raw)
  shishi template templates/                    # blank ledgers for the offices to fill in

periods: 2024Q3 (quarter), 2024H1 (half year), 2024 (year), 2024-07 (month)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shishi",
        description="把各部门报来的“我为群众办实事”台账表格清洗成数据，并生成季度报告 PDF。\n"
        "Clean the community-service ledgers in data/raw and render the leadership PDF.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"shishi {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    clean = sub.add_parser(
        "clean",
        help="read data/raw, write data/processed (tables, rejects.csv, manifest.json)",
        description="清洗原始台账：每一行给出结论（接受 / 拒绝并说明原因 / 跳过空行、合计行、注释行 / 重复）。",
    )
    _add_io_args(clean)

    report = sub.add_parser(
        "report",
        help="clean, then execute the report notebooks and write PDFs under reports/<period>/",
        description="清洗数据并生成报告：reports/<期间>/quarterly_summary.pdf（领导阅）和 data_quality.pdf（分析员用）。",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument(
        "--period",
        required=True,
        action="append",
        help="reporting period: 2024Q4, 2024H1, 2024, 2024-07 (repeat for several)",
    )
    _add_io_args(report)
    report.add_argument(
        "--reports", type=Path, default=Path("reports"), help="output folder (default: reports)"
    )
    report.add_argument(
        "--unit", default="", help="report for one unit, or 'all' for one report per unit"
    )
    report.add_argument(
        "--jobs", type=int, default=1, help="reports rendered in parallel (default 1)"
    )
    report.add_argument(
        "--force", action="store_true", help="redo reports even if inputs and code are unchanged"
    )
    report.add_argument(
        "--only",
        action="append",
        help="render only this report (quarterly_summary or data_quality); repeatable",
    )
    report.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        help="folder of report notebooks (default: the project's notebooks/)",
    )

    template = sub.add_parser(
        "template",
        help="write blank Excel ledgers with the canonical headers and drop-down lists",
        description="生成四类标准台账的空白模板（带下拉选项和填表说明），下发给各部门填写。",
    )
    template.add_argument(
        "dir", nargs="?", type=Path, default=Path("templates"), help="folder (default: templates)"
    )
    return parser


def _add_io_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--raw", type=Path, default=Path("data/raw"), help="raw spreadsheets (default: data/raw)"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("data/processed"),
        help="processed tables (default: data/processed)",
    )


def _print_clean_summary(outcome) -> None:
    t = outcome.manifest["totals"]
    print(
        f"读取 {t['rows_read']} 行：接受 {t['accepted']}，拒绝 {t['rejected']}，"
        f"跳过空行 {t['skipped_blank']} / 合计行 {t['skipped_total']} / 注释行 {t['skipped_note']}，"
        f"重复 {t['duplicates']}"
    )
    for table, frame in outcome.tables.items():
        print(f"  {table:<13} {len(frame):>7} 行")
    for n in outcome.notices:
        where = f"{n.file}" + (f" [{n.sheet}]" if n.sheet else "")
        mark = {"info": "跳过", "check": "请核对"}.get(n.level, "无法读取")
        print(f"  {mark}：{where}：{n.message}")
    for f in outcome.manifest["files"]:
        for s in f["sheets"]:
            for c in s.get("total_rows", []):
                if c["status"] == "differ":
                    print(
                        f"  合计不符：{f['file']} [{s['sheet']}] 第{c['excel_row']}行 "
                        f"合计 {c['stated']:,.2f}，明细之和 {c['computed']:,.2f}，相差 {c['difference']:,.2f}"
                    )
    if len(outcome.rejects):
        print(f"  {len(outcome.rejects)} 个单元格被拒绝，原因见 rejects.csv")
    if len(outcome.warnings):
        print(f"  {len(outcome.warnings)} 条提醒，见 warnings.csv")


def clean_progress() -> Any:
    """A bar over the rows being cleaned, on stderr, for terminals only, and only if the
    cleaning takes more than a second (the sample is done before it would show)."""
    from tqdm import tqdm

    return tqdm(
        desc="清洗数据", unit="行", unit_scale=True, file=sys.stderr, disable=None, delay=1.0
    )


def cmd_clean(args: argparse.Namespace) -> int:
    from metrics.cleaning.store import run_clean

    started = time.perf_counter()
    with clean_progress() as bar:
        outcome = run_clean(args.raw, args.out, progress=bar)
    _print_clean_summary(outcome)
    print(f"已写入 {args.out}（{time.perf_counter() - started:.1f} 秒）")
    return 0 if any(len(f) for f in outcome.tables.values()) or not outcome.notices else 1


def cmd_report(args: argparse.Namespace) -> int:
    from metrics.running.batch import run_reports

    result = run_reports(
        periods=args.period,
        raw_dir=args.raw,
        processed_dir=args.out,
        reports_dir=args.reports,
        unit=args.unit,
        jobs=args.jobs,
        force=args.force,
        only=args.only,
        on_clean=_print_clean_summary,
        progress=clean_progress,
        **({"notebooks_dir": args.notebooks} if args.notebooks else {}),
    )
    for job in result.made:
        print(f"已生成 {job.pdf}")
    for job in result.skipped:
        print(f"未变化，跳过 {job.pdf}（输入和代码都没有变；加 --force 可重新生成）")
    for _job, message in result.failed:
        print(f"失败：{message}", file=sys.stderr)
    print(f"完成：生成 {len(result.made)}，跳过 {len(result.skipped)}，失败 {len(result.failed)}")
    return ExitCode.REPORT if result.failed else ExitCode.OK


def cmd_template(args: argparse.Namespace) -> int:
    from metrics.cleaning.ledger_templates import write_templates

    for path in write_templates(args.dir):
        print(f"已生成 {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    skip_slow_imports()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return ExitCode.USAGE
    handlers = {"clean": cmd_clean, "report": cmd_report, "template": cmd_template}
    try:
        return int(handlers[args.command](args))
    except ShishiError as exc:
        print(f"shishi：{exc}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("shishi：已中断", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:  # output piped into `head`: the reader left, nothing to report
        sys.stderr.close()
        return ExitCode.OK
    except Exception:
        return report_bug()


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
