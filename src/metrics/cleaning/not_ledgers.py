"""Sheets that are no ledger, said plainly: a 收支明细, a roster, a budget.

Such sheets land in the raw folder beside the ledgers. Described by the closest ledger kind
alone, a study group's 收支明细 became "a 心愿清单 missing 办理进度", with advice to add synonyms
- advice that, followed, would count a cash book as a wish list. Here the sheet is named for
what its header words say it is (``data/not_ledgers.toml``), with the ledger it most resembles
and why it is not that ledger.

Whether it blocks the report is decided by its names: a sheet in a file or under a sheet name
that names a ledger (捐款收支.xlsx) may hold the period's figures, so it is an error (a to-do
item, with the ``skip = true`` pin that settles it); any other is skipped with an info notice
that says it does not affect completeness. The message says which, either way.
"""

from __future__ import annotations

import glob
import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from metrics.cleaning import layout
from metrics.cleaning.headerless import is_sequence, tables_named
from metrics.cleaning.headers import HEADER_SEARCH_ROWS, TableSpec, score_row, split_unit
from metrics.cleaning.ingest import FileNotice, RawSheet
from metrics.cleaning.parsing import is_empty, normalize_text, parse_amount
from metrics.paths import DATA_DIR


@dataclass(frozen=True)
class OtherKind:
    """A kind of sheet that is no ledger (收支账, 人员名册, 预算表) and the words that tell it."""

    name: str
    label: str
    header_words: tuple[str, ...]
    name_words: tuple[str, ...]


@cache
def other_kinds() -> tuple[OtherKind, ...]:
    with (DATA_DIR / "not_ledgers.toml").open("rb") as fh:
        kinds = tomllib.load(fh)["kinds"]
    return tuple(
        OtherKind(
            name,
            str(k["label"]),
            tuple(normalize_text(w) for w in k["header_words"]),
            tuple(normalize_text(w) for w in k["name_words"]),
        )
        for name, k in kinds.items()
    )


def _label_text(cell: Any) -> str:
    """A header cell without spaces or its unit: 收入（元） -> 收入."""
    return split_unit(normalize_text(cell))[0].replace(" ", "")


@dataclass(frozen=True)
class Found:
    """A sheet recognised as no ledger: its kind, its header row and the words that said so."""

    kind: OtherKind
    row: int  # 0-based index of the header row
    words: tuple[str, ...]  # the sheet's own headers holding the kind's words
    named: str = ""  # where a name word was read (工作表名「花名册」)


def recognise(head: Sequence[Sequence[Any]], file: str, sheet: str) -> Found | None:
    """The kind of non-ledger the sheet's header words name, or None."""
    best: Found | None = None
    for r, row in enumerate(head[:HEADER_SEARCH_ROWS]):
        if not layout.looks_like_header_row(row):
            continue
        cells = [_label_text(c) for c in row if not is_empty(c)]
        places = [("工作表名", sheet), ("文件名", Path(file).name)]
        places += [
            ("标题", normalize_text(c)) for above in head[:r] for c in above if not is_empty(c)
        ]
        for kind in other_kinds():
            words = tuple(c for c in cells if any(w in c for w in kind.header_words))
            named = next(
                (
                    f"{where}「{text}」"
                    for where, text in places
                    if any(w in normalize_text(text) for w in kind.name_words)
                ),
                "",
            )
            recognised = len(words) >= 2 or bool(words and named)
            if recognised and (best is None or len(words) > len(best.words)):
                best = Found(kind, r, words, named)
    return best


def _resemblance(
    head: Sequence[Sequence[Any]], row: int, specs: dict[str, TableSpec]
) -> tuple[TableSpec, list[str], list[str]] | None:
    """The ledger kind the sheet most resembles: (kind, what it has, required fields it lacks).

    Fields count when a header names them, or - for dates and money, whose content is
    unmistakable - when an unnamed column holds them. The kind with the largest share of its
    required fields present wins; ties go to the kind with more fields present.
    """
    header = list(head[row])
    body = [list(b) for b in head[row + 1 : row + 1 + layout.PROFILE_ROWS]]
    width = max([len(header)] + [len(b) for b in body])
    profiles = {j: layout.profile(layout.column_values(body, j)) for j in range(width)}
    best = None
    for spec in specs.values():
        cols = score_row(header, spec)
        has: dict[str, list[str]] = {}
        for c in cols:
            has.setdefault(c.field, []).append(c.header)
        named = {c.index for c in cols}
        for field in ("date", spec.amount_field):
            fspec = spec.fields.get(field or "")
            if fspec is None or field in has:
                continue
            found = [
                normalize_text(header[j]) if j < len(header) else f"第{j + 1}列"
                for j in range(width)
                if j not in named
                and layout.fits(fspec.name, fspec.type, profiles[j], strict=True)
                and not (fspec.type == "amount" and _not_money(layout.column_values(body, j)))
            ]
            if found:
                has[fspec.name] = found
        required = spec.required
        share = sum(f in has for f in required) / len(required) if required else 0.0
        key = (share, len(has))
        if has and (best is None or key > best[0]):
            said = []
            for f, headers in has.items():
                label = spec.fields[f].label
                own = [h for h in headers if h != label]
                said.append(label + (f"（{'、'.join(own)}）" if own else ""))
            lacking = [spec.fields[f].label for f in required if f not in has]
            best = (key, spec, said, lacking)
    if best is None:
        return None
    return best[1], best[2], best[3]


#: Digits of a whole number that is an identifier (a phone or ID number), never money.
ID_DIGITS = 8


def _not_money(values: Sequence[Any]) -> bool:
    """A column of numbers that are no money: a 序号 (1, 2, 3 …) or identifiers (phone numbers:
    every cell a whole number of eight digits or more)."""
    if is_sequence(values):
        return True
    numbers = [parse_amount(v).value for v in values if layout.cell_kind(v) == "number"]
    return bool(numbers) and all(
        n is not None and float(n).is_integer() and len(str(int(abs(float(n))))) >= ID_DIGITS
        for n in numbers
    )


def _and(items: list[str]) -> str:
    return "、".join(items[:-1]) + "和" + items[-1] if len(items) > 1 else "".join(items)


def not_a_ledger(
    sheet: RawSheet, head: list[list[Any]], specs: dict[str, TableSpec], settings: str
) -> FileNotice | None:
    """The notice for a sheet whose header says it is no ledger, or None when it does not."""
    found = recognise(head, sheet.file, sheet.sheet)
    if found is None:
        return None
    what = f"「{sheet.sheet}」"
    like = _resemblance(head, found.row, specs)
    if like is None:
        said = f"{what}不像任何一类台账"
    else:
        spec, has, lacking = like
        said = f"{what}有{_and(has)}列，最像{spec.label}" + (
            f"，但没有{_and(lacking)}列" if lacking else ""
        )
    message = (
        f"{said}；且有{'/'.join(found.words)}"
        + (f"（{found.named}）" if found.named and len(found.words) < 2 else "")
        + f"，像是{found.kind.label}，不是台账"
    )
    ledgers = tables_named(Path(sheet.file).name, sheet.sheet)
    if not ledgers:
        return FileNotice(
            sheet.file,
            sheet.sheet,
            "info",
            message + "；未计入报告，也不影响报告的完整性",
        )
    names = "、".join(specs[t].label for t in ledgers if t in specs)
    toml = "\n".join(
        [
            "[[pin]]",
            f"file = {json.dumps(glob.escape(sheet.file), ensure_ascii=False)}",
            f"sheet = {json.dumps(sheet.sheet, ensure_ascii=False)}",
            "skip = true",
        ]
    )
    return FileNotice(
        sheet.file,
        sheet.sheet,
        "error",
        message + f"；但文件名或工作表名提到{names}，可能含本期数字，确认之前报告暂不生成",
        toml=toml,
        hint=(
            f"确认它不是台账后，把下面几行加入 {settings}（以后不再提示）；如果它其实是台账，"
            "请报送部门按台账格式重报，或在 [[pin]] 中用 table 和 columns 指定各列"
        ),
    )
