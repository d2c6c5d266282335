"""Text from a spreadsheet, made safe for the places it is shown: a terminal, a chart, a PDF,
a Word document, an Excel workbook. The one sanitiser for every text that leaves shishi (file
and sheet names, the unit name, cells, the analyst's text):

- Everywhere (:func:`plain`): control characters (a newline or an ANSI escape in a file name)
  are shown as escapes (``\\n``, ``\\x1b``), so a name cannot fake lines of shishi's output,
  break the XML of a .docx or be refused by openpyxl; bidirectional controls (U+202E
  RIGHT-TO-LEFT OVERRIDE …) are removed, so a cell cannot reverse the text after it.
- Outputs that leave the analyst's desk (:func:`for_output`: PDF, charts, .docx, .xlsx):
  also personal identifiers masked (:mod:`metrics.reporting.personal`); the terminal and the
  processed tables keep them.
- PDF and charts: characters no installed font can draw (extension-B hanzi, emoji) become a
  visible 〓 with a warning, never an empty box.
- PDF tables: cells longer than :data:`MAX_CELL_CHARS` end in "…" (WeasyPrint's table layout
  grows with the square of a cell's length); the full text stays in the Excel export.
- Charts: matplotlib's mathtext is turned off in :mod:`metrics.reporting.charts`, so
  ``成本$5-$10礼盒`` is drawn as written.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import warnings
from collections.abc import Iterable
from typing import Any

from metrics.reporting.personal import REFERENCE_COLUMNS, mask

#: Longest text a PDF table cell shows in full.
MAX_CELL_CHARS = 160
ELLIPSIS = "…"
#: Shown instead of a character no installed font can draw (the typesetter's 'geta' mark).
MISSING_GLYPH = "〓"

_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
#: What :func:`for_output` may change in a cell (a prefilter for whole tables).
_MAY_CHANGE = (
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u0300-\u036f\u1dc0-\u1dff\u20d0-\u20ff\u3099\u309a]|\\d{7}|\\d{4}[ -]\\d{4}"
)
#: Characters outside what Noto Sans CJK and DejaVu surely cover: checked against the fonts.
_RARE = re.compile("[\u2600-\u27bf\U0001f000-\U0001faff\U00020000-\U0003ffff\ue000-\uf8ff]")


def plain(text: object, lines: bool = False) -> str:
    """Text as one printable line: NFC, no bidi controls, \\n, \\x1b and other controls
    written as escapes. Every output goes through it (the terminal as it is). With ``lines``
    (a document, where a line break is only a line break) a \\n stays."""
    text = strip_bidi(unicodedata.normalize("NFC", str(text)))
    pattern = _CONTROL_BUT_NEWLINE if lines else _CONTROL
    return pattern.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


#: The terminal's name for :func:`plain` (a file name printed by the CLI).
escape_controls = plain


def strip_bidi(text: str) -> str:
    """Remove bidirectional embedding/override/isolate controls and directional marks."""
    return _BIDI.sub("", text)


def for_output(text: object, personal: bool = True) -> str:
    """Text for a .docx, an .xlsx cell, a PDF or a chart: :func:`plain`, personal identifiers
    masked (not in a reference column: ``personal=False``)."""
    safe = plain(text, lines=True)
    return mask(safe) if personal else safe


def output_frame(frame: Any, keep: Iterable[str] = REFERENCE_COLUMNS) -> Any:
    """A table for an output: every text cell through :func:`for_output`; the columns in
    ``keep`` (reference numbers: 交易单号) only through :func:`plain`.

    Only cells :func:`for_output` could change are passed to it (a control, a bidi mark, a
    combining mark NFC would compose, seven digits in a row or two groups of four): a table
    of 40,000 rows stays quick.
    """
    out = frame.copy()
    kept = set(keep)
    for col in out.columns:
        values = out[col]
        if not (values.dtype == object or str(values.dtype) in ("string", "str")):
            continue
        texts = values.map(lambda v: isinstance(v, str)).astype(bool)
        hits = texts & values.where(texts, "").astype(str).str.contains(_MAY_CHANGE, regex=True)
        if hits.any():
            personal = col not in kept
            out.loc[hits, col] = values[hits].map(lambda v, p=personal: for_output(v, p))
    return out


def truncate(text: str, limit: int = MAX_CELL_CHARS) -> str:
    """At most ``limit`` characters, the last one "…" when something was cut."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


@functools.cache
def covered_codepoints() -> frozenset[int]:
    """Every code point some installed font (as matplotlib sees them) can draw."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    points: set[int] = set()
    for path in {f.fname for f in font_manager.fontManager.ttflist}:
        try:
            points.update(FT2Font(path).get_charmap())
        except Exception:  # a font file matplotlib lists but cannot open: it draws nothing
            continue
    return frozenset(points)


def replace_undrawable(text: str) -> str:
    """Characters no installed font has become 〓, with one warning naming them."""
    if not _RARE.search(text):
        return text
    covered = covered_codepoints()
    missing = {c for c in _RARE.findall(text) if ord(c) not in covered}
    if not missing:
        return text
    names = "、".join(f"U+{ord(c):04X}" for c in sorted(missing))
    warnings.warn(
        f"本机字体无法显示字符 {names}，报告中以“{MISSING_GLYPH}”代替；"
        "如需显示，请安装覆盖这些字符的字体（如生僻字用花园明朝 HanaMinB，表情符号用 Symbola）",
        stacklevel=2,
    )
    return "".join(MISSING_GLYPH if c in missing else c for c in text)


def for_display(text: object) -> str:
    """Text for a chart label or a PDF paragraph: :func:`for_output`, nothing drawn as a box."""
    return replace_undrawable(for_output(text))


def escape_html(text: object) -> str:
    """Text for HTML that becomes a PDF: :func:`for_display`, then escaped."""
    import html

    return html.escape(for_display(text))


def for_cell(text: object, limit: int = MAX_CELL_CHARS) -> str:
    """Text for a PDF table cell: as :func:`for_display`, and at most ``limit`` characters."""
    return truncate(for_display(text), limit)
