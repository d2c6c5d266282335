"""Text from a spreadsheet, made safe for the places it is shown: a terminal, a chart, a PDF.

- Terminal: control characters (a newline or an ANSI escape in a file name) are shown as
  escapes, so a name cannot fake lines of shishi's output.
- PDF and charts: bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE …) are removed, so a
  cell cannot reverse the text after it; characters no installed font can draw (extension-B
  hanzi, emoji) become a visible 〓 with a warning, never an empty box.
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

#: Longest text a PDF table cell shows in full.
MAX_CELL_CHARS = 160
ELLIPSIS = "…"
#: Shown instead of a character no installed font can draw (the typesetter's 'geta' mark).
MISSING_GLYPH = "〓"

_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Characters outside what Noto Sans CJK and DejaVu surely cover: checked against the fonts.
_RARE = re.compile("[\u2600-\u27bf\U0001f000-\U0001faff\U00020000-\U0003ffff\ue000-\uf8ff]")


def escape_controls(text: object) -> str:
    """A name as one printable line: \\n, \\x1b and other controls written as escapes."""
    return _CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), str(text))


def strip_bidi(text: str) -> str:
    """Remove bidirectional embedding/override/isolate controls and directional marks."""
    return _BIDI.sub("", text)


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
    """Text for a chart label or a PDF paragraph: no bidi controls, nothing drawn as a box."""
    return replace_undrawable(strip_bidi(unicodedata.normalize("NFC", str(text))))


def for_cell(text: object, limit: int = MAX_CELL_CHARS) -> str:
    """Text for a PDF table cell: as :func:`for_display`, and at most ``limit`` characters."""
    return truncate(for_display(text), limit)
