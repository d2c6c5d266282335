"""What a report covers: the whole raw folder, or one declared unit.

``--unit`` used to travel as a string with three meanings ("" = everything, "all" = one report
per unit, else a name). It is parsed once at the CLI into a :class:`UnitRequest`, resolved
against the units the cleaning run found into typed :class:`Scope` values, and every filter
(tables, manifest, rejects, warnings) takes a Scope. A name that is not a known unit is a
:class:`~metrics.errors.ScopeError` listing the known ones - never a report of zeros.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from metrics.contract import Col
from metrics.errors import ScopeError

#: ``--unit all``: one report set per unit.
EACH_UNIT = "all"


def unit_key(name: str) -> str:
    """How two unit names are compared: after NFKC, case folding and without whitespace,
    nothing fuzzier.

    ' 青江卷烟厂', '青江卷烟厂\u3000', 'ＡＢ车间', 'ab车间' and 'AB 车间' name one unit each
    (the same as '青江卷烟厂' and 'AB车间'); 青江卷烟 is not 青江卷烟厂. Two declared units whose
    keys are equal are refused at load (config, cleaning/units.py): one would absorb the other.
    """
    return "".join(unicodedata.normalize("NFKC", str(name)).casefold().split())


_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGIT |= {"七": 7, "八": 8, "九": 9}
_CN_POWER = {"十": 10, "百": 100, "千": 1000}
#: A run of digits, or of Chinese numerals that holds a digit or 十 (第十二, 一厂, 二车间).
_NUMBER = re.compile(r"\d+|[零〇一二两三四五六七八九十百千]+")


def _cn_number(text: str) -> int | None:
    """一 -> 1, 十 -> 10, 十二 -> 12, 二十 -> 20, 一百零五 -> 105, 一二 -> 12 (digit by digit)."""
    if not any(c in _CN_POWER for c in text):
        return int("".join(str(_CN_DIGIT[c]) for c in text))
    total, digit = 0, None
    for c in text:
        if c in _CN_DIGIT:
            digit = _CN_DIGIT[c]
        else:
            total += (1 if digit is None else digit) * _CN_POWER[c]
            digit = None
    return total + (digit or 0)


def natural_key(name: str) -> tuple[tuple[int, int, str], ...]:
    """How unit names sort: numbers by their value, in digits or Chinese numerals.

    第2分厂 before 第10分厂, 卷烟一厂 before 卷烟二厂 before 卷烟十厂 (code-point order puts
    第10 before 第2 and 一 after 二). Text between numbers sorts as text.
    """
    text = unicodedata.normalize("NFKC", str(name)).strip()
    parts: list[tuple[int, int, str]] = []
    at = 0
    for m in _NUMBER.finditer(text):
        if m.start() > at:
            parts.append((1, 0, text[at : m.start()]))
        run = m.group()
        value = int(run) if run.isdigit() else _cn_number(run)
        parts.append((0, value or 0, run) if value is not None else (1, 0, run))
        at = m.end()
    if at < len(text):
        parts.append((1, 0, text[at:]))
    return tuple(parts)


def ordered_units(names: Iterable[str], declared: Sequence[str] = ()) -> list[str]:
    """Unit names in the order a reader expects: as declared, then the rest in natural order."""
    rank = {unit_key(n): i for i, n in enumerate(declared)}
    unique = list(dict.fromkeys(n for n in names if isinstance(n, str) and unit_key(n)))
    return sorted(
        unique,
        key=lambda n: (rank.get(unit_key(n), len(rank)), natural_key(n), n),
    )


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
        """The unit's name as compared (:func:`unit_key`); ``unit`` keeps the data's spelling."""
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
        self, frame: pd.DataFrame, file_units: dict[str, str], column: str = Col.SOURCE_FILE
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
        if key == EACH_UNIT:
            return cls(each=True)
        return cls(name=unicodedata.normalize("NFKC", str(text)).strip())

    def resolve(
        self, known: Iterable[str], group: str | None = None, declared: Sequence[str] = ()
    ) -> list[Scope]:
        """The scopes to report on, given the units the data (and shishi.toml) declare.

        Units are listed as ``declared``, then in natural order (:func:`ordered_units`). ``group`` is
        the name of a folder that holds several units (shishi.toml's ``[unit] name`` above
        ``[[units]]``): ``--unit <group>`` is the whole folder, never the group's own ledgers
        alone, and ``--unit all`` makes the group's report first, then each unit's.

        A scope keeps the unit's name as the data spell it (the notebooks filter on it); the
        name typed on the command line only has to match it by :func:`unit_key`.
        """
        spelling: dict[str, str] = {}
        for u in ordered_units(known, declared):
            if unit_key(u):
                spelling.setdefault(unit_key(u), u.strip())
        units = list(spelling)
        whole = [Scope.whole()] if group and len(units) > 1 else []
        if self.each:
            return whole + [Scope(spelling[u]) for u in units] or [Scope.whole()]
        if self.name is None:
            return [Scope.whole()]
        if unit_key(self.name) in spelling:
            return [Scope(spelling[unit_key(self.name)])]
        if group and unit_key(self.name) == unit_key(group):
            return [Scope.whole()]
        listed = "、".join(spelling[u] for u in units) or "（没有读到任何单位的数据）"
        if group:
            listed += f"；整个集团：{group}"
        raise ScopeError(
            f"没有名为「{self.name}」的单位；已知的单位：{listed}",
            "请用 --unit 指定上面列出的单位之一，或用 --unit all 为每个单位各生成一套报告；"
            "单位名称来自 shishi.toml 的 [unit] name 和 [[units]]",
        )
