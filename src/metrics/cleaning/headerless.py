"""Tables with no header row, found by what their columns hold.

A reader-donation ledger kept as bare rows (2024-10-05 | 张** | 微信 | 200) and a charity
federation's list of donors under a title sentence (高新区 | 206090 元) name none of their
columns, so no header is found. Their rows still say a good deal: a block of consecutive rows
with a column of names beside a column of money - perhaps a date column, perhaps a channel
column of a few repeated words (微信, 银行) - is a list of payments.

Which ledger such a block is comes from words only: the file name, the sheet name and the
title rows, read with ``table_words`` in ``data/refresh.toml``. When they name one kind whose
identifying fields are a name and an amount (捐款捐物, 消费帮扶采购), the block is read as that
ledger, each column mapped by its content, with a notice to confirm. Otherwise it becomes a
to-do item naming the file, stating the guess in the analyst's words and the ``[[pin]]`` that
reads it (``columns = { A = "日期", B = "捐赠方", D = "金额" }``). Never counted silently.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import glob
import itertools
import json
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from metrics.cleaning import layout, parsing
from metrics.cleaning.headers import (
    HEADER_SEARCH_ROWS,
    ColumnMatch,
    HeaderMatch,
    TableSpec,
    split_unit_currency,
)
from metrics.cleaning.ingest import FileNotice, RawSheet
from metrics.cleaning.parsing import is_empty, normalize_text
from metrics.cleaning.totals import TotalRow
from metrics.config import Pin, column_letter
from metrics.contract import Col
from metrics.paths import DATA_DIR

#: Distinct words a column of repeated labels (微信 / 银行 / 现金) has at most.
CHANNEL_WORDS = 5
#: Rows above a block searched for a header-like row (then it is no headerless table).
HEADER_ABOVE = 3
#: How a reading by content is described, per content kind.
KIND_CN = {"date": "日期", "number": "数字", "name": "名称"}
#: Characters of a title quoted as evidence; a longer one is cut with "…".
QUOTE_CHARS = 30
#: How the notice for a block read without a header row begins.
NO_HEADER = "没有表头行"
#: The evidence phrase every column of a headerless block carries.
BY_CONTENT = "按内容识别"


# --- which ledger the words name ---------------------------------------------------------


@cache
def _refresh() -> dict[str, Any]:
    with (DATA_DIR / "refresh.toml").open("rb") as fh:
        return tomllib.load(fh)


def table_words() -> dict[str, tuple[str, ...]]:
    """Words that name each ledger in a file, sheet or title (refresh.toml ``table_words``)."""
    words = _refresh()["table_words"]
    return {t: tuple(normalize_text(w) for w in ws) for t, ws in words.items()}


def summary_word(*texts: str) -> str:
    """The word that marks a summary of other sheets (汇总), or ''."""
    text = " ".join(normalize_text(t) for t in texts)
    return next((w for w in _refresh()["summary_words"] if normalize_text(w) in text), "")


def tables_named(*texts: str) -> list[str]:
    """The ledgers the texts name, in refresh.toml order (["donations"] for 读者捐款)."""
    text = " ".join(normalize_text(t) for t in texts)
    return [t for t, words in table_words().items() if any(w and w in text for w in words)]


def _words_found(table: str, places: list[tuple[str, str]]) -> str:
    """Where a ledger's word was read: 文件名「读者捐款.xlsx」中的“捐款”."""
    for where, text in places:
        norm = normalize_text(text)
        for w in table_words()[table]:
            if w and w in norm:
                return f"{where}「{_quote(norm, w)}」中的“{w}”"
    return ""


def _quote(text: str, word: str) -> str:
    """The text, or for a long one the stretch around the word: …各慈善会接受捐款数额如下…"""
    if len(text) <= QUOTE_CHARS:
        return text
    at = text.find(word)
    start = max(0, at - (QUOTE_CHARS - len(word)) // 2)
    stop = min(len(text), start + QUOTE_CHARS)
    return ("…" if start else "") + text[start:stop] + ("…" if stop < len(text) else "")


def payment_fields(spec: TableSpec) -> tuple[str, str] | None:
    """(name field, amount field) when a name and an amount identify this kind, else None.

    捐款捐物: (donor, amount_yuan); 消费帮扶采购: (buyer, amount_yuan). A wish list or a
    volunteering record needs more than names and money, so no bare list is read as one.
    """
    for need in spec.identifying_sets:
        if len(need) != 2 or spec.amount_field not in need:
            continue
        other = next(f for f in need if f != spec.amount_field)
        if spec.fields[other].type == "text":
            return other, spec.amount_field
    return None


# --- finding the block -------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """Consecutive rows holding names beside money, and what each of their columns holds."""

    first: int  # 0-based index of the first data row
    text: int  # the column of names (donors, buyers)
    amount: int  # the column of money
    date: int | None = None
    channel: int | None = None  # a few repeated words (微信 / 银行): shown, not read
    #: columns that cannot be told apart for sure, as (what they all hold, their letters):
    #: such a block is never read without a [[pin]]
    doubts: tuple[tuple[str, str], ...] = ()
    shares: tuple[tuple[int, float], ...] = ()  # column -> share of cells of its kind

    def share(self, index: int) -> float:
        return dict(self.shares).get(index, 0.0)


def _numbers(values: Sequence[Any]) -> list[float]:
    return [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]


def is_sequence(values: Sequence[Any]) -> bool:
    """A 序号 column (1, 2, 3 …) holds numbers, but no money."""
    numbers = _numbers(values)
    if len(numbers) < layout.MIN_EVIDENCE or any(not n.is_integer() for n in numbers):
        return False
    steps = [b - a for a, b in itertools.pairwise(numbers)]
    return sum(s == 1 for s in steps) >= layout.CONTENT_SHARE * len(steps)


def _distinct(values: Sequence[Any]) -> list[str]:
    return list(dict.fromkeys(normalize_text(v) for v in values if not is_empty(v)))


def find_block(head: Sequence[Sequence[Any]]) -> Block | None:
    """The first block of rows within the search window holding names beside money, or None.

    Its first row must itself hold a name and a figure; the columns are judged on the rows
    from there down (cleaning/layout.py). A row of labels just above the block means the
    sheet has a header that was not recognised: that is explained elsewhere, not guessed here.
    """
    for r in range(min(len(head), HEADER_SEARCH_ROWS)):
        row = list(head[r])
        kinds = [layout.cell_kind(c) for c in row]
        if "number" not in kinds or "name" not in kinds:
            continue
        body = [list(b) for b in head[r : r + layout.PROFILE_ROWS]]
        width = max(len(b) for b in body)
        values = {j: layout.column_values(body, j) for j in range(width)}
        prof = {j: layout.profile(values[j]) for j in range(width)}

        def own(j: int, kind: str, kinds: list[str] = kinds) -> bool:
            return j < len(kinds) and kinds[j] == kind

        money = [
            j
            for j in range(width)
            if own(j, "number")
            and layout.fits("amount", "amount", prof[j], strict=True)
            and not is_sequence(values[j])
        ]
        names = [
            j
            for j in range(width)
            if own(j, "name") and layout.fits(Col.DONOR, "text", prof[j], strict=True)
        ]
        if not money or not names:
            continue
        dates = [j for j in range(width) if layout.fits("date", "date", prof[j], strict=True)]
        distinct = {j: len(_distinct(values[j])) for j in names}
        filled = {j: prof[j]["n"] for j in names}
        channels = [
            j for j in names if distinct[j] <= CHANNEL_WORDS and distinct[j] < filled[j] / 2
        ]
        texts = [j for j in names if j not in channels] or names[:1]
        doubts = tuple(
            (what, "、".join(column_letter(j) for j in cols))
            for what, cols in (("amount", money), ("text", texts), ("date", dates))
            if len(cols) > 1
        )
        text = max(texts, key=lambda j: (distinct[j], -j))
        if _header_above(head, r, [text, money[-1], *dates[:1]]):
            return None
        used = {text, money[-1], *dates[:1]}
        channel = next((j for j in channels if j not in used), None)
        shares = tuple(
            (j, round(prof[j].get(kind, 0.0), 2))
            for j, kind in (
                (text, "name"),
                (money[-1], "number"),
                *((d, "date") for d in dates[:1]),
            )
        )
        date = dates[0] if dates else None
        return Block(r, text, money[-1], date, channel, doubts, shares)
    return None


def _header_above(head: Sequence[Sequence[Any]], first: int, columns: list[int]) -> bool:
    """Whether a row of labels stands above the block, over two of its columns.

    Blank rows and lines of one cell (a title, 单位：元) between them are passed over; the
    first row of several cells decides.
    """
    for r in range(first - 1, max(first - 1 - HEADER_ABOVE, -1), -1):
        row = list(head[r])
        if sum(not is_empty(c) for c in row) < 2:
            continue
        labels = [
            j
            for j in columns
            if j < len(row)
            and isinstance(row[j], str)
            and not is_empty(row[j])
            and not any(ch in row[j] for ch in ":：")
        ]
        return len(labels) >= 2 and layout.looks_like_header_row(row)
    return False


# --- reading it --------------------------------------------------------------------------


@dataclass
class Reading:
    """What became of a headerless block: read as a ledger (``match``), or a to-do item."""

    block: Block
    match: HeaderMatch | None = None
    notice: FileNotice | None = None  # the to-do item when the block is not read
    note: str = ""  # what the analyst confirms when it is read


def doubt_text(block: Block, spec: TableSpec) -> str:
    """Why the block's columns are not certain: C、D 列都是数字，不能确定哪一列是金额."""
    fields = payment_fields(spec)
    assert fields is not None
    which = {
        "amount": ("数字", spec.fields[fields[1]].label),
        "text": ("名称", spec.fields[fields[0]].label),
        "date": ("日期", spec.fields["date"].label if "date" in spec.fields else "日期"),
    }
    return "；".join(
        f"{letters} 列都是{which[what][0]}，不能确定哪一列是{which[what][1]}"
        for what, letters in block.doubts
    )


def block_columns(block: Block, spec: TableSpec) -> list[ColumnMatch]:
    """The block's columns as the fields of one ledger kind, each mapped by its content."""
    fields = payment_fields(spec)
    assert fields is not None  # only kinds read from names and money get here
    text_field, amount_field = fields
    roles = [(block.text, text_field, "name"), (block.amount, amount_field, "number")]
    if block.date is not None and "date" in spec.fields:
        roles.append((block.date, "date", "date"))
    return sorted(
        (
            ColumnMatch(
                j,
                f"{column_letter(j)}列",
                name,
                by_content=True,
                evidence=(f"{BY_CONTENT}：{round(block.share(j) * 100)}%是{KIND_CN[kind]}",),
                confidence=block.share(j),
            )
            for j, name, kind in roles
        ),
        key=lambda c: c.index,
    )


def match_for(block: Block, spec: TableSpec) -> HeaderMatch:
    """A header reading of the block: no header row, the data from ``block.first`` on."""
    return HeaderMatch(block.first - 1, spec.name, block_columns(block, spec))


def assignments(columns: list[ColumnMatch], spec: TableSpec) -> str:
    """日期 A 列、捐赠方 B 列、金额 D 列."""
    return "、".join(
        f"{spec.fields[c.field].label} {column_letter(c.index)} 列"
        for c in sorted(columns, key=lambda c: c.index)
    )


def pin_toml(
    file: str, sheet: str, table: str, first_row: int, columns: list[ColumnMatch], spec: TableSpec
) -> str:
    """The [[pin]] that reads the block exactly as guessed (ready to paste)."""
    cols = ", ".join(
        f"{column_letter(c.index)} = {_toml_str(spec.fields[c.field].label)}"
        for c in sorted(columns, key=lambda c: c.index)
    )
    return "\n".join(
        [
            "[[pin]]",
            f"file = {_toml_str(glob.escape(file))}",
            f"sheet = {_toml_str(sheet)}",
            f"table = {_toml_str(table)}",
            f"first_row = {first_row}",
            f"columns = {{ {cols} }}",
        ]
    )


def _toml_str(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def cell_text(value: Any) -> str:
    """A cell as the analyst would read it: 2024-10-05, 200, 88.8, 张**."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalize_text(value)


def _plain(cell: Any) -> str:
    """A title cell as written, on one line."""
    return " ".join(str(cell).split()) if isinstance(cell, str) else cell_text(cell)


def _extent(rows: Iterable[Sequence[Any]], block: Block) -> tuple[int, int]:
    """(data rows, last Excel row) of the block: rows with a name beside a figure."""
    count, last = 0, block.first + 1
    for i, row in enumerate(rows):
        if i < block.first:
            continue
        text = row[block.text] if block.text < len(row) else None
        amount = row[block.amount] if block.amount < len(row) else None
        pair = layout.cell_kind(text) == "name" and layout.cell_kind(amount) == "number"
        if pair and not _is_total(text):
            count, last = count + 1, i + 1
    return count, last


def read_headerless(
    sheet: RawSheet,
    head: list[list[Any]],
    specs: dict[str, TableSpec],
    pinned_table: str | None,
    settings: str,
) -> Reading | None:
    """The sheet's headerless block read as the ledger its words name, or the to-do item that
    says what it looks like; None when the sheet holds no such block."""
    name = normalize_text(sheet.sheet).lower()
    if any(w.lower() in name for w in parsing.load_vocab()["no_table_sheet_words"]):
        return None  # a notes sheet (说明): its numbered lines are no list of payments
    block = find_block(head)
    if block is None:
        return None
    title = [_plain(c) for row in head[: block.first] for c in row if not is_empty(c)]
    places = [
        ("文件名", Path(sheet.file).name),
        ("工作表名", sheet.sheet),
        *(("标题", t) for t in title),
    ]
    named = [pinned_table] if pinned_table else tables_named(*(t for _, t in places))
    readable = [t for t in named if payment_fields(specs[t]) is not None]
    guess = readable[0] if readable else next(t for t in specs if payment_fields(specs[t]))
    spec = specs[guess]
    columns = block_columns(block, spec)
    said = assignments(columns, spec)
    unused = ""
    if block.channel is not None:
        words = "、".join(_distinct(layout.column_values(head[block.first :], block.channel))[:3])
        unused = f"（{column_letter(block.channel)} 列“{words}”未读取）"
    summary = summary_word(sheet.sheet, *title)
    if len(named) == 1 and readable and not block.doubts and not summary:
        why = (
            "shishi.toml 的 [[pin]] table"
            if pinned_table
            else _words_found(guess, places) or "名称"
        )
        match = match_for(block, spec)
        note = (
            f"{NO_HEADER}：第{block.first + 1}行起按内容读作{spec.label}——{said}{unused}；"
            f"判断依据：{why}。请核对"
        )
        return Reading(block, match=match, note=note)
    count, last = _extent(sheet.iter_rows(), block)
    if not named:
        reason = "文件名、工作表名和标题都没有说明是哪类台账"
    elif len(named) > 1:
        shown = "和".join(specs[t].label for t in named)
        reason = f"文件名、工作表名和标题中同时提到{shown}，不能确定是哪一类"
    elif not readable:
        reason = (
            f"名称说是{specs[named[0]].label}，但这几列只有名称和金额，"
            f"不像{specs[named[0]].label}台账"
        )
    elif summary:
        reason = f"名称中有“{summary}”，可能是其他表的汇总，读入会重复计数"
    else:
        reason = doubt_text(block, spec)
    message = (
        f"没有表头，看起来是{spec.label}名单：{said}{unused}，"
        f"共 {count} 行（第{block.first + 1}–{last}行）；但{reason}，没有读入"
    )
    others = [t for t in specs if payment_fields(specs[t]) and t != guess]
    switch = "；".join(
        f'如果是{specs[t].label}，把 table 改为 "{t}"'
        + "".join(
            f"、「{spec.fields[a].label}」改为「{specs[t].fields[b].label}」"
            for a, b in zip(payment_fields(spec) or (), payment_fields(specs[t]) or (), strict=True)
            if spec.fields[a].label != specs[t].fields[b].label
        )
        for t in others
    )
    hint = (
        f"核对上面的判断，无误就把下面几行加入 {settings} 后重新运行"
        + (f"（{switch}）" if switch else "")
        + "；如果它不是台账，把其中 table、first_row、columns 三行换成 skip = true"
    )
    toml = pin_toml(sheet.file, sheet.sheet, guess, block.first + 1, columns, spec)
    notice = FileNotice(sheet.file, sheet.sheet, "error", message, toml=toml, hint=hint)
    return Reading(block, notice=notice)


# --- a [[pin]] that names the columns ----------------------------------------------------


def pinned_match(head: Sequence[Sequence[Any]], pin: Pin, spec: TableSpec) -> HeaderMatch:
    """The reading ``[[pin]] columns`` gives: each named column as its field, the data from
    ``first_row`` (no header row) or below ``header_row``."""
    header = (
        list(head[pin.header_row - 1]) if pin.header_row and pin.header_row <= len(head) else []
    )
    columns = []
    for name, j in sorted(pin.column_fields().items(), key=lambda kv: kv[1]):
        cell = header[j] if j < len(header) else None
        text = normalize_text(cell) if not is_empty(cell) else ""
        _, multiplier, currency = split_unit_currency(text) if text else ("", 1.0, None)
        columns.append(
            ColumnMatch(
                j,
                text or f"{column_letter(j)}列",
                name,
                multiplier,
                currency,
                evidence=("shishi.toml 的 [[pin]] columns 指定",),
            )
        )
    row_index = pin.header_row - 1 if pin.header_row else (pin.first_row or 1) - 2
    return HeaderMatch(row_index, spec.name, columns)


def title_match(match: HeaderMatch) -> HeaderMatch:
    """The same reading with the rows above the data as its title (there is no header row):
    what cleaning/context.py reads dates from."""
    return dataclasses.replace(match, row_index=match.row_index + 1)


# --- a total beside the table ------------------------------------------------------------


@cache
def _total_words() -> tuple[str, ...]:
    return tuple(
        normalize_text(w).replace(" ", "").lower() for w in parsing.load_vocab()["total_words"]
    )


def _is_total(cell: Any) -> bool:
    if not isinstance(cell, str):
        return False
    text = normalize_text(cell).replace(" ", "").rstrip(":：").lower()
    return bool(text) and text in _total_words()


def side_totals(rows: Iterable[Sequence[Any]], match: HeaderMatch) -> list[TotalRow]:
    """总计 cells beside the table (F1 总计 | G1 =SUM(D:D)) on its data rows or above it.

    Those rows are data (or title) rows, so the row cleaner never sees these cells; they are
    checked like any other total, and never counted. A row below the table holding only its
    total is the row cleaner's own (cleaning/rows.py).
    """
    mapped = {c.index for c in match.columns}
    first = match.row_index + 1
    found: list[TotalRow] = []
    for i, row in enumerate(rows):
        cells = list(row)
        if i >= first and not any(j < len(cells) and not is_empty(cells[j]) for j in mapped):
            continue
        for j, cell in enumerate(cells):
            if j in mapped or not _is_total(cell):
                continue
            side: list[Any] = [None] * len(cells)
            side[j] = cell
            figure = None
            for k in range(j + 1, len(cells)):
                if k in mapped or is_empty(cells[k]):
                    continue
                if layout.cell_kind(cells[k]) == "number":
                    side[k] = cells[k]
                    parsed = parsing.parse_amount(cells[k])
                    figure = float(parsed.value) if parsed.ok and parsed.value is not None else None
                break
            found.append(TotalRow(i + 1, side, 0, unlabelled=figure))
    return found
