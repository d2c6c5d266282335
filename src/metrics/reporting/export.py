"""The Excel workbook that goes out next to a leadership PDF: its figures and source rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from metrics.cleaning.store import atomic_write, neutralize_frame


def export_tables(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    """One workbook, one sheet per table; text that Excel would run as a formula is neutralized."""

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                safe = neutralize_frame(frame)
                for col in safe.columns:
                    if isinstance(safe[col].dtype, pd.DatetimeTZDtype):
                        safe[col] = safe[col].dt.tz_localize(None)
                safe.to_excel(writer, sheet_name=name[:31], index=False)

    atomic_write(path, write)
    return path
