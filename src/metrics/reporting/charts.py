"""One look for every chart: Chinese labels in Noto Sans CJK SC, a few calm colours, no clutter.

matplotlib >= 3.11 registers every face inside Debian's NotoSansCJK .ttc, so the SC face is
found by name; the fallback chain covers other machines. A chart is returned as a Figure;
:func:`render_all` draws the report's charts once, as PNG and SVG.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.figure import Figure

from metrics.contract import STATUS_LABELS
from metrics.reporting.parts import UNREPORTED
from metrics.reporting.safe_text import for_display
from metrics.reporting.text import format_count

if TYPE_CHECKING:
    from metrics.reporting.model import Chart, SummaryReport

CJK_FONTS = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
]
PALETTE = ["#8b1a1a", "#c8553d", "#e9a03b", "#5b8e7d", "#3d5a80", "#98c1d9", "#8d8d8d"]
STATUS_COLORS = {"resolved": "#5b8e7d", "in_progress": "#e9a03b", "pending": "#c8553d"}
#: PNG resolution (the files in charts/ and the Word document use the same image).
DPI = 300


def cjk_font() -> str | None:
    """The first CJK font matplotlib can really use on this machine, or None."""
    available = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in available), None)


def apply_style() -> None:
    """Set the shared rcParams; warn (once) when no CJK font is installed."""
    font = cjk_font()
    if font is None:
        warnings.warn(
            "没有找到中文字体（需要 fonts-noto-cjk）：图表中的中文会显示为方框。请运行 make setup。",
            stacklevel=2,
        )
    plt.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [*CJK_FONTS, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "text.parse_math": False,  # a $ in a name is a dollar sign, not mathtext
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.edgecolor": "#999999",
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.labelsize": 10,
            "axes.prop_cycle": matplotlib.cycler(color=PALETTE),  # type: ignore[attr-defined]
            "xtick.labelsize": 9,
            "ytick.labelsize": 9,
            "legend.frameon": False,
            "figure.dpi": 100,
            "savefig.dpi": DPI,
        }
    )


def new_figure(width_in: float = 6.4, height_in: float = 3.0) -> tuple[Figure, plt.Axes]:
    apply_style()
    fig, ax = plt.subplots(figsize=(width_in, height_in), layout="constrained")
    return fig, ax


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    title: str,
    *,
    value_labels: Sequence[str] | None = None,
    horizontal: bool = True,
    color: str = PALETTE[0],
) -> Figure:
    """Bars with their figures written on them (no gridlines, no y axis to read off)."""
    labels = [for_display(label) for label in labels]
    values = [float(v) for v in values]
    height = max(1.6, 0.3 * len(labels) + 0.8) if horizontal else 2.3
    fig, ax = new_figure(6.4, height)
    if not labels:
        ax.text(0.5, 0.5, "本期无数据", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        ax.set_title(title)
        return fig
    texts = list(value_labels) if value_labels is not None else [format_count(v) for v in values]
    if horizontal:
        bars = ax.barh(labels[::-1], values[::-1], color=color, height=0.6)
        ax.bar_label(bars, labels=texts[::-1], padding=3, fontsize=9)
        ax.set_xticks([])
        ax.spines["bottom"].set_visible(False)
        ax.set_xlim(0, max(values) * 1.25 if max(values) > 0 else 1)
    else:
        bars = ax.bar(labels, values, color=color, width=0.6)
        ax.bar_label(bars, labels=texts, padding=2, fontsize=9)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_ylim(0, max(values) * 1.2 if max(values) > 0 else 1)
    ax.set_title(for_display(title))
    return fig


def status_chart(counts: dict[str, int], title: str) -> Figure:
    """Wish items by status: one labelled bar per status, in the status colours."""
    statuses = [s for s in ("resolved", "in_progress", "pending") if s in counts]
    labels = [STATUS_LABELS[s] for s in statuses]
    values = [counts[s] for s in statuses]
    fig, ax = new_figure(6.4, 1.5)
    bars = ax.barh(
        labels[::-1], values[::-1], color=[STATUS_COLORS[s] for s in statuses[::-1]], height=0.6
    )
    ax.bar_label(
        bars, labels=[format_count(v, unit="项") for v in values[::-1]], padding=3, fontsize=9
    )
    ax.set_xticks([])
    ax.spines["bottom"].set_visible(False)
    ax.set_xlim(0, max([*values, 1]) * 1.15)
    ax.set_title(title)
    return fig


def monthly_chart(months: Sequence[str], values: Sequence[float], title: str, unit: str) -> Figure:
    """Columns per month, labelled like 1月 ... 12月."""
    labels = [f"{int(m[-2:])}月" for m in months]
    return bar_chart(
        labels,
        values,
        title,
        value_labels=[format_count(v, unit=unit) for v in values],
        horizontal=False,
    )


def _two_lines(labels: Sequence[str]) -> list[str]:
    """2024年一季度 on two lines under a narrow column (the year above the quarter)."""
    return [label.replace("年", "年\n", 1) if "季度" in label else label for label in labels]


def panels_chart(
    series: Sequence[tuple[str, Sequence[str], Sequence[float], Sequence[str]]], title: str
) -> Figure:
    """Small multiples: one column chart per KPI over the same quarters (a trend at a glance)."""
    apply_style()
    n = len(series)
    cols = 2 if n > 1 else 1
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(
        rows, cols, figsize=(6.4, 1.75 * rows + 0.35), layout="constrained", squeeze=False
    )
    for ax, (name, labels, values, texts) in zip(axes.flat, series, strict=False):
        vals = [float(v or 0) for v in values]
        bars = ax.bar(_two_lines(labels), vals, color=PALETTE[0], width=0.55)
        for label in ax.bar_label(bars, labels=list(texts), padding=2, fontsize=7.5):
            if label.get_text() == UNREPORTED:  # no bar: the quarter's ledger was not sent
                label.set_color(PALETTE[-1])
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_ylim(0, max([*vals, 1]) * 1.3)
        ax.tick_params(axis="x", labelsize=8)
        ax.set_title(name, fontsize=9.5)
    for ax in list(axes.flat)[n:]:
        ax.set_axis_off()
    fig.suptitle(title, x=0.02, ha="left", fontsize=12, fontweight="bold")
    return fig


def figure_for(chart: Chart) -> Figure:
    """Draw one chart of the report model."""
    if chart.kind == "panels":
        return panels_chart(
            [(s.title, s.labels, s.values, s.value_labels) for s in chart.series], chart.title
        )
    s = chart.series[0]
    return bar_chart(
        s.labels,
        s.values,
        chart.title,
        value_labels=s.value_labels,
        horizontal=chart.kind == "barh",
    )


def render_all(report: SummaryReport, out_dir: Path | str | None = None) -> list[Path]:
    """Draw every chart once: the PNG goes into the model (for the PDF and Word) and, with an
    ``out_dir``, into out_dir/charts/ as <name>.png (300 dpi) and <name>.svg."""
    folder = Path(out_dir) / "charts" if out_dir else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for chart in report.charts:
        fig = figure_for(chart)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
        chart.png = buf.getvalue()
        # the layout is settled by the first save: the SVG reuses it instead of solving it again
        fig.set_layout_engine("none")
        buf = io.BytesIO()
        with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": chart.name}):
            fig.savefig(buf, format="svg", metadata={"Date": None})
        chart.svg = buf.getvalue()
        if folder is not None:
            png, svg = folder / f"{chart.name}.png", folder / f"{chart.name}.svg"
            png.write_bytes(chart.png)
            svg.write_bytes(chart.svg)
            written += [png, svg]
        plt.close(fig)
    return written
