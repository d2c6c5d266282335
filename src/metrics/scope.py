"""What a report covers: the whole raw folder, or one declared unit.

``--unit`` used to travel as a string with three meanings ("" = everything, "all" = one report
per unit, else a name). It is parsed once at the CLI into a :class:`UnitRequest`, resolved
against the units the cleaning run found into typed :class:`Scope` values, and every filter
(tables, manifest, rejects, warnings) takes a Scope. A name that is not a known unit is a
:class:`~metrics.errors.ScopeError` listing the known ones - never a report of zeros.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from metrics.errors import ScopeError

#: ``--unit all``: one report set per unit.
EACH_UNIT = "all"


def unit_key(name: str) -> str:
    """How two unit names are compared: after NFKC and stripping, nothing fuzzier.

    ' 青江卷烟厂' and '青江卷烟厂\u3000' are the same unit; 青江卷烟 is not.
    """
    return unicodedata.normalize("NFKC", str(name)).strip()


@dataclass(frozen=True)
class Scope:
    """The whole folder (``unit is None``) or exactly one unit."""

    unit: str | None = None

    @classmethod
    def whole(cls) -> Scope:
        return cls(None)

    @property
    def is_whole(self) -> bool:
        return self.unit is None

    @property
    def param(self) -> str:
        """The notebooks' ``unit`` parameter: "" for the whole folder, else the unit's name."""
        return self.unit or ""

    @property
    def label(self) -> str:
        return self.unit or "全部单位"

    def covers(self, unit: Any) -> bool:
        return self.unit is None or (isinstance(unit, str) and unit_key(unit) == self.key)

    @property
    def key(self) -> str:
        """The unit's name as compared (NFKC, stripped); ``unit`` keeps the data's spelling."""
        return unit_key(self.unit or "")

    def filter(self, frame: pd.DataFrame, column: str = "unit") -> pd.DataFrame:
        """Only this scope's rows (all of them for the whole folder)."""
        if self.unit is None or column not in frame.columns:
            return frame
        keys = frame[column].astype("string").map(unit_key, na_action="ignore")
        return frame[(keys == self.key).fillna(False).astype(bool)].reset_index(drop=True)

    def filter_tables(self, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        return {name: self.filter(frame) for name, frame in tables.items()}

    def filter_by_file(
        self, frame: pd.DataFrame, file_units: dict[str, str], column: str = "source_file"
    ) -> pd.DataFrame:
        """Rows of a side table without a unit column (rejects), by the unit of their file."""
        if self.unit is None or frame.empty:
            return frame
        units = frame[column].astype(str).map(lambda f: file_units.get(f, ""))
        return frame[units.map(unit_key) == self.key].reset_index(drop=True)

    def filter_manifest(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """The manifest with only this scope's files and notices, totals recounted.

        A file with no unit (an undeclared folder, an unreadable file) belongs to every scope:
        a problem nobody can place must not disappear from a unit's report.
        """
        if self.unit is None:
            return manifest
        files = [f for f in manifest.get("files", []) if self._owns(f.get("unit"))]
        names = {f["file"] for f in files}
        notices = [
            n
            for n in manifest.get("notices", [])
            if n.get("file") in names or self._owns(n.get("unit"))
        ]
        sheets = [s for f in files for s in f.get("sheets", []) if "rows_read" in s]
        totals = {k: sum(s.get(k, 0) for s in sheets) for k in manifest.get("totals", {})}
        running = {
            key: [r for r in rows if self.covers(r.get("unit"))]
            for key, rows in (manifest.get("running_ledgers") or {}).items()
        }
        return manifest | {
            "files": files,
            "notices": notices,
            "totals": totals,
            "running_ledgers": running,
        }

    def _owns(self, unit: Any) -> bool:
        return unit in (None, "") or self.covers(unit)


@dataclass(frozen=True)
class UnitRequest:
    """``--unit`` as typed on the command line, before the units in the data are known."""

    each: bool = False
    name: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> UnitRequest:
        key = unit_key(text or "")
        if not key:
            return cls()
        if key.lower() == EACH_UNIT:
            return cls(each=True)
        return cls(name=key)

    def resolve(self, known: Iterable[str]) -> list[Scope]:
        """The scopes to report on, given the units the data (and shishi.toml) declare.

        A scope keeps the unit's name as the data spell it (the notebooks filter on it); the
        name typed on the command line only has to match it after NFKC and stripping.
        """
        spelling = {unit_key(u): u.strip() for u in sorted(known, key=str) if isinstance(u, str)}
        spelling.pop("", None)
        units = sorted(spelling)
        if self.each:
            return [Scope(spelling[u]) for u in units] or [Scope.whole()]
        if self.name is None:
            return [Scope.whole()]
        if self.name in spelling:
            return [Scope(spelling[self.name])]
        listed = "、".join(spelling[u] for u in units) or "（没有读到任何单位的数据）"
        raise ScopeError(
            f"没有名为「{self.name}」的单位；已知的单位：{listed}",
            "请用 --unit 指定上面列出的单位之一，或用 --unit all 为每个单位各生成一套报告；"
            "单位名称来自 shishi.toml 的 [unit] name 和 [[units]]",
        )
