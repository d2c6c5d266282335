"""Find a sheet's header row and map its headers to canonical fields.

Offices put one or two title rows and a 填报单位 line above the header, write headers in
traditional characters, with a unit inside (投入资金（万元）) or in words of their own (捐赠时间,
爱心款金额, 服务小时数). What each header cell names is read in cleaning/header_fields.py;
here each candidate row's readings are weighed with what their columns hold, a column whose
header says nothing is mapped by its contents when only one column and one field fit, and each
field goes to the column with the strongest claim. A wrong mapping is worse than none: below
``THRESHOLD``, or when two columns have equal claims on one field, the column is held back
(``HeaderMatch.held``); a sheet whose required field only held columns give, or that fits two
ledgers alike, is not read but explained, with the shishi.toml lines that settle it.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from metrics.cleaning import layout, parsing
from metrics.cleaning.header_fields import (
    HOLD_FLOOR,
    SHARED,
    SYNONYM,
    THRESHOLD,
    TIE,
    ColumnMatch,
    FieldSpec,
    HeaderMatch,
    Reading,
    TableSpec,
    header_key,
    ledger_label,
    readings,
    score_row,
)

# re-exported: what the rest of shishi and its tests import from here
from metrics.cleaning.header_fields import _match_cell as _match_cell
from metrics.cleaning.header_fields import goods_unit_of as goods_unit_of
from metrics.cleaning.header_fields import load_table_specs as load_table_specs
from metrics.cleaning.header_fields import match_header_cell as match_header_cell
from metrics.cleaning.header_fields import split_unit as split_unit
from metrics.cleaning.header_fields import split_unit_currency as split_unit_currency
from metrics.cleaning.parsing import normalize_text
from metrics.contract import Col

#: How many rows from the top of a sheet are searched for the header row.
HEADER_SEARCH_ROWS = 20

CONTENT_FITS = 0.1  # the contents are what the field holds
CONTENT_REFUTES = 0.35  # the contents are unmistakably something else
BY_CONTENT = 0.7  # a header that says nothing, contents only one field could hold
ROW_WORDS = 0.25  # per header cell naming this ledger (+) or only another one (-)
#: Who-columns whose values differ row by row are the finer party (党员姓名 beside 党支部)
DISTINCT = 0.02

_LABEL_AND_VALUE = re.compile(r"[:：]\s*\S")
_NUMERIC_TYPES = frozenset({"count", "quantity", "amount", "hours"})


# --- a header row and the columns below it ---------------------------------------------------


@dataclass
class _Body:
    """What is known of the rows below each header candidate, worked out once per sheet."""

    rows: list[list[Any]]
    profiles: dict[int, dict[int, dict[str, float]]] = field(default_factory=dict)
    words: dict[tuple[int, int, str], tuple[int, int]] = field(default_factory=dict)
    values: dict[tuple[int, int], set[str]] = field(default_factory=dict)
    header_like: dict[int, bool] = field(default_factory=dict)

    def looks_like_header(self, r: int, depth: int) -> bool:
        if r not in self.header_like:
            self.header_like[r] = layout.looks_like_header_row(self.rows[r])
        return (
            all(self.looks_like_header(i, 1) for i in range(r + 1, r + depth))
            and (self.header_like[r])
        )

    def body(self, last: int) -> list[list[Any]]:
        return self.rows[last + 1 : last + 1 + layout.PROFILE_ROWS]

    def width(self, last: int) -> int:
        return max([len(self.rows[last])] + [len(b) for b in self.body(last)[:5]])

    def profile(self, last: int, j: int) -> dict[str, float]:
        per_row = self.profiles.setdefault(last, {})
        if j not in per_row:
            per_row[j] = layout.profile(layout.column_values(self.body(last), j))
        return per_row[j]

    def repeats_below(self, last: int, j: int, text: str) -> bool:
        """Does this text stand in column j of a data row below (one with figures or dates)?"""
        key = (last, j)
        if key not in self.values:
            self.values[key] = {
                normalize_text(row[j])
                for row in self.body(last)
                if j < len(row) and not layout.looks_like_header_row(row)
            }
        return normalize_text(text) in self.values[key]

    def distinct(self, last: int, j: int) -> tuple[int, int]:
        """(how many distinct values a column holds, how many cells are filled)."""
        cells = [
            normalize_text(v)
            for v in layout.column_values(self.body(last), j)
            if not parsing.is_empty(v)
        ]
        return len(set(cells)), len(cells)

    def parse_share(self, last: int, j: int, ftype: str) -> tuple[int, int]:
        """(how many of a column's filled cells read as this type, how many are filled)."""
        key = (last, j, ftype)
        if key not in self.words:
            parse = _CELL_PARSERS[ftype]
            cells = [v for v in layout.column_values(self.body(last), j) if not parsing.is_empty(v)]
            self.words[key] = (sum(parse(v).ok for v in cells), len(cells))
        return self.words[key]


_CELL_PARSERS: dict[str, Callable[[object], parsing.Parsed]] = {
    "status": parsing.parse_status,
    "kind": parsing.parse_kind,
    Col.BUYER_TYPE: parsing.parse_buyer_type,
    "count": parsing.parse_count,
    "hours": parsing.parse_hours,
}


@dataclass
class _Claim:
    """A column's claim on a field: the reading weighed with the column's contents."""

    index: int
    header: str
    reading: Reading
    strength: float
    evidence: tuple[str, ...]
    path: tuple[str, ...] = ()
    owner: str = ""  # the label in the header path that named it (split counts share one)
    refuted: bool = False  # the contents say it is not this field


def _weigh(reading: Reading, spec: TableSpec, data: _Body, last: int, j: int) -> _Claim:
    """A reading's strength once the column's contents have had their say.

    Contents that fit add to it, contents that are unmistakably something else take from it
    (a synonym keeps its column all the same unless another reading beats it). A field whose
    cells are words or figures shishi reads (进度, 现金, 人数, 时长) is judged by how many of
    them read; a head word of two kinds (时间, 人员) needs its contents to say which.
    """
    fspec = spec.fields[reading.field]
    prof = data.profile(last, j)
    strength, evidence = reading.strength, list(reading.evidence)
    kind, count, n = layout.dominant(prof)
    fits: bool | None = None  # None: the contents say neither yes nor no
    what = f"内容：{count}/{n} 为{layout.KIND_LABELS.get(kind, kind)}"
    if n < layout.MIN_EVIDENCE:
        pass
    elif fspec.type == "date" and prof.get("time", 0) >= layout.CONTENT_SHARE:
        pass  # times only (07:06:18): a date column whose day comes from the context
    elif layout.contradicts(reading.content_key, prof):
        fits, what = False, f"{what}，不像{fspec.label}"
    elif fspec.type in _CELL_PARSERS:
        read, filled = data.parse_share(last, j, fspec.type)
        share = read / filled if filled else 0.0
        if share >= layout.CONTENT_SHARE:
            fits, what = True, f"内容：{read}/{filled} 可读作{fspec.label}"
        elif share < 0.2 and not reading.synonym:
            fits, what = False, f"内容：{filled - read}/{filled} 不能读作{fspec.label}"
    elif layout.fits(fspec.name, fspec.type, prof, strict=False):
        fits = True
    elif reading.undecided_kind:
        fits = False
    if fits is not False and reading.content_key == "party":
        distinct, filled = data.distinct(last, j)
        if filled >= 5 and distinct >= 0.9 * filled:
            strength += DISTINCT
            evidence.append(f"各行不同（{distinct}/{filled}）")
        elif filled >= 5 and distinct <= 0.5 * filled:
            strength -= DISTINCT
            evidence.append(f"多行重复（{filled} 行中 {distinct} 个不同）")
    if fits is True:
        strength += CONTENT_FITS
        evidence.append(what)
    elif fits is False:
        strength -= CONTENT_REFUTES
        evidence.append(what)
    return _Claim(j, "", reading, round(strength, 4), tuple(evidence), refuted=fits is False)


def _column_claims(
    labels: list[tuple[str, tuple[str, ...]]],
    spec: TableSpec,
    data: _Body,
    last: int,
    words_count: bool,
) -> dict[int, list[_Claim]]:
    """Each column's claims, strongest first. ``labels`` holds per column its header text and
    its path of labels, top row first. The label whose words name a field most surely decides,
    the lowest of equals: under 受益人数, 成人 and 男 are parts of it, not a count of their own.

    Unless ``words_count`` (the rows look like a header: labels only, no figures or dates),
    only synonyms are trusted; and a label that stands again in the data below it is data
    (第一党支部, 全厂职工爱心捐款), not a header, whatever its words.
    """
    out: dict[int, list[_Claim]] = {}
    for j, (header, path) in enumerate(labels):
        best: tuple[int, tuple[Reading, ...]] | None = None
        for depth in range(len(path) - 1, -1, -1):
            found = readings(path[depth], spec)
            if not found and depth:  # 名称 under 活动情况: the activity's name
                found = readings(spec.words.under(path[depth - 1], path[depth]), spec)
            if found and not (words_count and not data.repeats_below(last, j, path[depth])):
                found = tuple(r for r in found if r.synonym)
            if found and (best is None or found[0].strength > best[1][0].strength + TIE):
                best = depth, found
        if best is None:
            continue
        depth, found = best
        claims = []
        for r in found:
            c = _weigh(r, spec, data, last, j)
            c.header, c.path, c.owner = header, path[depth + 1 :], path[depth]
            claims.append(c)
        out[j] = sorted(claims, key=lambda c: -c.strength)
    return out


def _settle(claims: dict[int, list[_Claim]], spec: TableSpec) -> tuple[list[_Claim], list[_Claim]]:
    """(used, held): each field to the column with the strongest claim; ties and weak claims
    are held. The leaves of one split count (成人/男, 成人/女 under 受益人数) share their field."""
    tops: dict[int, _Claim] = {}
    held: list[_Claim] = []
    for j, cs in claims.items():
        best = cs[0]
        rivals = [c for c in cs[1:] if c.strength >= best.strength - TIE]
        if rivals:  # its words fit two fields alike
            held += [best, *rivals]
            continue
        tops[j] = best
    used: list[_Claim] = []
    by_field: dict[str, list[_Claim]] = {}
    for c in tops.values():
        by_field.setdefault(c.reading.field, []).append(c)
    for name, cs in by_field.items():
        cs.sort(key=lambda c: (-c.strength, c.index))
        cs = _one_end(cs, spec, spec.fields[name].span)
        numeric = spec.fields[name].type in _NUMERIC_TYPES
        first = cs[0]
        same = [c for c in cs if numeric and c.path and c.owner == first.owner]
        if len(same) > 1 and first.strength >= THRESHOLD:
            used += same  # one count split over sub-columns
            held += [c for c in cs if c not in same and c.strength >= HOLD_FLOOR]
            continue
        if len(cs) > 1 and cs[1].strength >= first.strength - TIE:
            for c in cs:
                if c.strength >= first.strength - TIE:
                    c.evidence = (*c.evidence, "另一列证据相同，无法确定用哪一列")
            held += [c for c in cs if c.strength >= HOLD_FLOOR]
            continue
        if first.strength >= THRESHOLD:
            used.append(first)
            held += [c for c in cs[1:] if c.strength >= HOLD_FLOOR]
        elif first.strength >= HOLD_FLOOR:
            held += [c for c in cs if c.strength >= HOLD_FLOOR]
    return used, held


def _one_end(cs: list[_Claim], spec: TableSpec, end: str) -> list[_Claim]:
    """The claims on a field that is one end of a span (an event's date is its start): beside a
    column saying it is that end (开始时间), a column saying it is the other (结束时间) is the
    span's other end, not a rival for the field."""
    if not end or len(cs) < 2:
        return cs
    ends = [spec.words.span_end(c.owner or c.header) for c in cs]
    if end not in ends or all(e in ("", end) for e in ends):
        return cs
    return [c for c, e in zip(cs, ends, strict=True) if e in ("", end)]


def _as_match(c: _Claim, by_content: bool = False) -> ColumnMatch:
    r = c.reading
    return ColumnMatch(
        c.index,
        c.header,
        r.field,
        r.multiplier,
        r.currency,
        by_content,
        c.path,
        c.evidence,
        round(max(0.0, min(1.0, c.strength)), 2),
    )


def _header_depths(rows: list[list[Any]], r: int) -> list[int]:
    """1, plus 2 or 3 when the rows below label sub-columns under a spanning label."""
    depths = [1]
    if not layout.looks_like_header_row(rows[r]) or any(
        _LABEL_AND_VALUE.search(normalize_text(c)) for c in rows[r] if isinstance(c, str)
    ):
        return depths  # a 填报单位：… / 统计截止：… line above the header is no level of it
    for depth in (2, 3):
        last = r + depth - 1
        if last >= len(rows) or not layout.looks_like_header_row(rows[last]):
            break
        upper, lower = rows[last - 1], rows[last]
        if depth == 2 and sum(1 for c in upper if header_key(c)) < 2:
            break  # a title above the header is one label, not a level of it
        spans = any(
            header_key(lower[j]) and not (j < len(upper) and header_key(upper[j]))
            for j in range(len(lower))
        )
        if not spans:
            break
        depths.append(depth)
    return depths


def find_header(
    rows: list[list[Any]],
    specs: dict[str, TableSpec],
    *,
    table: str | None = None,
    header_row: int | None = None,
    context: str = "",
) -> HeaderMatch | None:
    """Best (header rows, table kind) within the first rows, or None when the sheet holds none.

    A candidate must carry one of its kind's identifying field sets, named by its headers or
    - for a column whose title says nothing - shown by its contents (a notice says so). Among
    candidates the one with most evidence wins (fields named and how surely, contents that
    fit, the words of the sheet's name, title and file name in ``context``), ties going to the
    earlier row. A sheet whose required fields only held columns could give, or that fits two
    kinds alike, is returned with ``held_required`` / ``rivals`` set: the caller asks the
    analyst instead of guessing. ``table``/``header_row`` (0-based) pin the choice when the
    analyst has said so in shishi.toml. ``rows`` should reach some way below the header: the
    columns' contents are read too.
    """
    candidates = range(len(rows)) if header_row is None else [header_row]
    kinds = [table] if table else list(specs)
    per_kind: dict[str, HeaderMatch] = {}
    data = _Body(rows)
    for r in candidates:
        if r >= len(rows) or (header_row is None and r >= HEADER_SEARCH_ROWS):
            break
        for depth in _header_depths(rows, r):
            for kind in kinds:
                found = _candidate(rows, r, depth, specs[kind], data)
                best = per_kind.get(kind)
                # one kind's header is its first row naming the most fields (a second table
                # below, in another currency, is read as a block of its own)
                if found is not None and (
                    best is None
                    or (best.undecided and not found.undecided)
                    or (
                        found.undecided == best.undecided
                        and (
                            found.named > best.named
                            or (
                                found.named == best.named
                                and found.first_row == best.first_row
                                and found.score > best.score
                            )
                        )
                    )
                ):
                    per_kind[kind] = found
    if not per_kind:
        return None
    # between kinds, all the evidence decides: fields named, contents that fit, the sheet's words
    top = min((m.first_row or m.row_index for m in per_kind.values()), default=0)
    title = " ".join(normalize_text(c) for row in rows[:top] for c in row if isinstance(c, str))
    named_by_sheet = set(specs[kinds[0]].words.ledgers_named(f"{context} {title}", sheet=True))
    ranked = sorted(
        per_kind.values(),
        key=lambda m: (not m.held_required, m.score + (0.3 if m.table in named_by_sheet else 0)),
        reverse=True,
    )
    best = ranked[0]
    if (
        not table
        and named_by_sheet
        and best.table not in named_by_sheet
        and any(c.confidence < SYNONYM for c in best.columns)
    ):
        # the sheet's name or title says it is another ledger, and its header says this one
        # only in words of its own: neither is taken on trust (why_no_table explains)
        return None
    if best.held_required and not table:
        # another kind naming more of its fields is the better account of the sheet: it is
        # explained as that kind missing a column (why_no_table), not as this one undecided
        for kind in kinds:
            if kind != best.table and any(
                len(score_row(rows[r], specs[kind])) > best.named
                for r in range(min(len(rows), HEADER_SEARCH_ROWS))
            ):
                return None
    if len(ranked) > 1 and not table and not best.held_required:

        def weight(m: HeaderMatch) -> float:
            return m.score + (0.3 if m.table in named_by_sheet else 0.0)

        best.rivals = [
            m.table
            for m in ranked[1:]
            if not m.held_required and abs(weight(m) - weight(best)) <= TIE
        ]
    _unit_above(rows, best, specs[best.table])
    return best


_UNIT_LINE = re.compile(r"(?:金额|货币|计量)?单位[:：]\s*(?:人民币)?\s*([万千亿]?元|万)(?![\w])")


def _unit_above(rows: list[list[Any]], match: HeaderMatch, spec: TableSpec) -> None:
    """A 单位：万元 line above the table (beside the title, or on a line of its own) is the unit
    of every amount column whose header names none: 购买金额 under 单位：万元 is in 万元. A
    header's own unit (捐赠资金（万元）) stays as written."""
    top = match.first_row if match.first_row is not None else match.row_index
    found = {
        m.group(1)
        for row in rows[:top]
        for cell in row
        if isinstance(cell, str) and (m := _UNIT_LINE.search(normalize_text(cell)))
    }
    if len(found) != 1:
        return  # none, or two units above one table: nothing is assumed
    unit = found.pop()
    _, multiplier = split_unit(f"x({unit})")
    for i, col in enumerate(match.columns):
        if spec.fields[col.field].type != "amount" or spec.words.read(col.header).unit:
            continue
        match.columns[i] = replace(
            col, multiplier=multiplier, evidence=(*col.evidence, f"表上方「单位：{unit}」")
        )


def _labels(
    rows: list[list[Any]], r: int, depth: int
) -> tuple[list[tuple[str, tuple[str, ...]]], list[tuple[str, ...]]]:
    """(per column: its header as written and its path of labels, top row first; the paths)."""
    paths: list[tuple[str, ...]]
    if depth == 1:
        paths = [(normalize_text(c),) if normalize_text(c) else () for c in rows[r]]
        labels: list[tuple[str, tuple[str, ...]]] = [
            (str(c).strip(), p) if isinstance(c, str) and p else ("", ())
            for c, p in zip(rows[r], paths, strict=True)
        ]
        return labels, paths
    paths = layout.header_paths(rows, r, depth)
    return [("/".join(p), p) for p in paths], paths


def _candidate(
    rows: list[list[Any]], r: int, depth: int, spec: TableSpec, data: _Body
) -> HeaderMatch | None:
    """The reading of rows r..r+depth-1 as this kind's header, or None if it is not one."""
    last = r + depth - 1
    labels, paths = _labels(rows, r, depth)
    claims = _column_claims(labels, spec, data, last, data.looks_like_header(r, depth))
    if not claims:
        return None
    used, held = _settle(claims, spec)
    if not used and not held:
        return None
    time_columns: list[int] = []
    fitted = 0
    for c in used:
        fspec = spec.fields[c.reading.field]
        prof = data.profile(last, c.index)
        if fspec.type == "date" and prof and prof.get("time", 0) >= layout.CONTENT_SHARE:
            # times only (07:06:18): kept as the date column, whose day comes from the
            # sheet's context (cleaning/context.py); it is no evidence of a date, though
            time_columns.append(c.index)
            continue
        fitted += layout.fits(fspec.name, fspec.type, prof)
    cols = [_as_match(c) for c in used]
    named = {c.field for c in cols if c.index not in time_columns}
    # a column is open to be read by its contents when its words say nothing it could be in
    # this ledger, or what they say its contents refute
    closed = (
        {c.index for c in used}
        | {j for j, cs in claims.items() if not all(c.refuted for c in cs)}
        | {j for j, (text, _) in enumerate(labels) if text and _says_something(text, spec)}
    )
    held_fields = {c.reading.field for c in held}
    reader = _ContentReader(
        spec,
        data,
        last,
        [h for h, _ in labels],
        [j for j in range(data.width(last)) if j not in closed],
        [
            f
            for f in spec.fields.values()
            if f.by_content
            and f.name not in named
            and f.name not in held_fields
            and set(f.by_content_beside) <= named
            and _infers(f)
        ],
    )
    satisfied, inferred = reader.identify(named, len(cols))
    inferred += reader.optional(named, inferred)
    # a held column a required field might be: tied, or read with too little evidence - not
    # one whose words name another ledger or whose contents refute the field
    could = {
        c.reading.field
        for c in held
        if not c.reading.foreign and not c.refuted and c.strength >= SHARED - TIE
    } | {d.field for d in reader.doubtful}
    taken = {c.index for c in inferred}
    held_matches = [_as_match(c) for c in held] + [
        d for d in reader.doubtful if d.index not in taken and d.field not in named
    ]
    held_required: list[str] = []
    if satisfied is None:
        need = next(
            (
                s
                for s in spec.identifying_sets
                if all(f in named or f in could for f in s) and any(f in named for f in s)
            ),
            None,
        )
        if need is None or len(cols) + len(held_matches) < 2:
            return None
        held_required = [f for f in need if f not in named]
    elif len(cols) + len(inferred) < 2:
        return None
    mapped = named | {c.field for c in inferred} | {c.field for c in cols}
    held_required += [
        f.name
        for f in spec.fields.values()
        if f.required and f.name not in mapped and f.name not in held_required and f.name in could
    ]
    notices = [f"「{c.header}」按内容识别为 {spec.fields[c.field].label}，请核对" for c in inferred]
    columns = sorted(cols + inferred, key=lambda c: c.index)
    matched = {c.index for c in columns}
    unknown = [
        "/".join(p) for i, p in enumerate(paths) if i not in matched and p and "".join(p).strip()
    ]
    score = (
        sum(min(1.0, c.confidence) for c in cols if c.field in named)
        + 0.5 * fitted
        + 0.25 * len(inferred)
        + 0.01 * depth
        + ROW_WORDS * _row_words(labels, spec)
    )
    return HeaderMatch(
        last,
        spec.name,
        columns,
        unknown,
        r,
        notices,
        time_columns,
        round(score * (0.5 if held_required else 1.0), 4),
        len(named),
        sorted(held_matches, key=lambda c: (c.index, -c.confidence)),
        held_required,
    )


@dataclass
class _ContentReader:
    """Maps columns whose headers say nothing by what they hold - only when one column, and
    one field, fit; the others are kept as doubtful (held)."""

    spec: TableSpec
    data: _Body
    last: int
    headers: list[str]
    open_cols: list[int]
    inferable: list[FieldSpec]
    doubtful: list[ColumnMatch] = field(default_factory=list)

    def header(self, j: int) -> str:
        text = self.headers[j] if j < len(self.headers) else ""
        return text or f"第{j + 1}列"

    def one(self, fspec: FieldSpec, taken: set[int]) -> ColumnMatch | None:
        found, unsure = _by_content(
            fspec, self.inferable, self.open_cols, taken, self.data, self.last
        )
        known = {(d.index, d.field) for d in self.doubtful}
        self.doubtful += [
            replace(m, header=self.header(m.index))
            for m in unsure
            if (m.index, m.field) not in known
        ]
        return replace(found, header=self.header(found.index)) if found else None

    def identify(
        self, named: set[str], n_cols: int
    ) -> tuple[tuple[str, ...] | None, list[ColumnMatch]]:
        """The identifying field set the contents complete with fewest guesses, and those."""
        satisfied: tuple[str, ...] | None = None
        inferred: list[ColumnMatch] = []
        for need in self.spec.identifying_sets:
            missing = [name for name in need if name not in named]
            if len(missing) == len(need) or (n_cols < 2 and missing):
                continue  # at least one field of the set is named, and two columns in all
            guess: list[ColumnMatch] = []
            taken: set[int] = set()
            for name in missing:
                found = self.one(self.spec.fields[name], taken)
                if found is None:
                    break
                taken.add(found.index)
                guess.append(found)
            else:
                if satisfied is None or len(guess) < len(inferred):
                    satisfied, inferred = need, guess
        return satisfied, inferred

    def optional(self, named: set[str], inferred: list[ColumnMatch]) -> list[ColumnMatch]:
        """Optional fields whose contents are unmistakable: dates, transaction numbers, a
        column of 箱/个/台 beside goods."""
        taken = {c.index for c in inferred}
        done = named | {c.field for c in inferred}
        out = []
        for fspec in self.inferable:
            if fspec.name in done or not (
                fspec.name in layout.OPTIONAL_INFER or fspec.type == "date" or fspec.name == "ref"
            ):
                continue
            found = self.one(fspec, taken)
            if found is not None:
                taken.add(found.index)
                out.append(found)
        return out


def _row_words(labels: list[tuple[str, tuple[str, ...]]], spec: TableSpec) -> int:
    """Header cells whose words name this ledger, less those naming only others: a row of
    订单号, 采购单位, 实付金额 is a purchase list, whatever else it could be read as."""
    total = 0
    for text, _ in labels:
        named = spec.words.ledgers_named(header_key(text)) if text else {}
        if spec.name in named:
            total += 1
        elif named:
            total -= 1
    return total


def _says_something(header: str, spec: TableSpec) -> bool:
    """A header whose words name a kind of column (服务区域 is a place, 联系人 a contact):
    never taken for another field because of what the column holds."""
    if readings(header, spec):
        return False  # judged by its claims
    return spec.words.read(header).known


def _infers(f: FieldSpec) -> bool:
    return bool(layout.INFER.get(f.name) or layout.INFER.get(f.type))


def _by_content(
    f: FieldSpec,
    inferable: list[FieldSpec],
    open_cols: list[int],
    taken: set[int],
    data: _Body,
    last: int,
) -> tuple[ColumnMatch | None, list[ColumnMatch]]:
    """The one open column whose contents only this field could hold, and the columns that
    could be it but are not alone in that (held)."""
    fits = [
        j
        for j in open_cols
        if j not in taken and layout.fits(f.name, f.type, data.profile(last, j), strict=True)
    ]
    if not fits:
        return None, []
    matches = []
    for j in fits:
        prof = data.profile(last, j)
        kind, count, n = layout.dominant(prof)
        share = count / n if n else 0.0
        others = [
            g.label
            for g in inferable
            if g.name != f.name and layout.fits(g.name, g.type, prof, strict=True)
        ]
        evidence = ["按内容识别", f"内容：{count}/{n} 为{layout.KIND_LABELS.get(kind, kind)}"]
        confidence = BY_CONTENT + 0.2 * (share - layout.CONTENT_SHARE) / (1 - layout.CONTENT_SHARE)
        if others:
            evidence.append("也可能是" + "、".join(f"「{o}」" for o in others))
            confidence = SHARED
        if len(fits) > 1:
            evidence.append(f"有 {len(fits)} 列内容都像{f.label}")
            confidence = min(confidence, SHARED)
        matches.append(
            ColumnMatch(j, "", f.name, by_content=True, evidence=tuple(evidence),
                        confidence=round(confidence, 2))
        )  # fmt: skip
    if len(matches) == 1 and matches[0].confidence >= THRESHOLD:
        return matches[0], []
    return None, matches


def toml_string(text: str) -> str:
    """Text as a TOML basic string, to paste into shishi.toml: JSON's escapes (quotes,
    backslashes, a line break inside a header cell) are TOML's too; DEL, which JSON leaves
    as it is, TOML wants escaped."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def settling_line(field_name: str, header: str) -> str:
    """The line under ``[headers.<table>]`` that makes a header this field's synonym: what
    settles a held column (``shishi inspect`` shows it beside each one)."""
    return f"{field_name} = [{toml_string(header)}]"


def settling_toml(table: str, column: ColumnMatch) -> str:
    """The shishi.toml lines that settle a held column as the field it was held for."""
    return f"[headers.{table}]\n{settling_line(column.field, column.header)}"


def explain_missing(
    rows: list[list[Any]], specs: dict[str, TableSpec], settings: str = "data/raw/shishi.toml"
) -> str:
    """Why no table was recognised (see :func:`why_no_table`)."""
    return why_no_table(rows, specs, settings)[0]


def why_no_table(
    rows: list[list[Any]], specs: dict[str, TableSpec], settings: str = "data/raw/shishi.toml"
) -> tuple[str, str]:
    """(why no table was recognised, the shishi.toml lines that would settle it): the closest
    kind, its missing columns, the nearest headers whose contents could hold them (a column of
    names is never offered as the date)."""
    best_kind, best_row = None, 0
    best_cols: list[ColumnMatch] = []
    for r, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        for kind, spec in specs.items():
            cols = score_row(cells, spec)
            if len(cols) > len(best_cols):
                best_kind, best_row, best_cols = kind, r, cols
    if best_kind is None or len(best_cols) < 2:
        return "前20行中没有找到可识别的表头（如 日期、金额、项目名称、办理进度）", ""
    spec = specs[best_kind]
    found = [normalize_text(c) for c in rows[best_row] if normalize_text(c)]
    matched = {c.index for c in best_cols}
    body = rows[best_row + 1 : best_row + 1 + layout.PROFILE_ROWS]
    hints, toml = [], []
    data = _Body(rows)
    named, refuted = set(), set()
    for c in best_cols:  # a header whose contents say it is something else names nothing
        reading = next(r for r in readings(rows[best_row][c.index], spec) if r.field == c.field)
        claim = _weigh(reading, spec, data, best_row, c.index)
        if claim.refuted:
            label = spec.fields[c.field].label
            hints.append(f"「{c.header}」看起来是「{label}」，但{claim.evidence[-1]}")
            refuted.add(c.field)
        else:
            named.add(c.field)
    need = min(spec.identifying_sets, key=lambda s: len([f for f in s if f not in named]))
    missing = [f for f in need if f not in named and f not in refuted]
    for f in missing:
        fspec = spec.fields[f]
        unmatched = [
            normalize_text(c)
            for i, c in enumerate(rows[best_row])
            if i not in matched
            and normalize_text(c)
            and not any(w in header_key(c) for w in fspec.refuse)  # 服务对象 is no organiser
            and layout.fits(f, fspec.type, layout.profile(layout.column_values(body, i)))
        ]
        if not unmatched:
            hints.append(f"缺少必需列「{fspec.label}」，也没有内容像{fspec.label}的列")
            continue
        nearest = max(
            unmatched,
            key=lambda h: max(
                difflib.SequenceMatcher(None, header_key(h), s).ratio() for s in fspec.synonyms
            ),
        )
        hints.append(f"缺少必需列「{fspec.label}」，最接近的表头是「{nearest}」")
        toml.append(f"{f} = [{toml_string(nearest)}]  # {fspec.label}")
    message = (
        f"第{best_row + 1}行看起来像{spec.label}表头，但"
        + "；".join(hints)
        + f"。找到的表头：{'、'.join(found)}。"
        + (f"可在 {settings} 的 [headers.{best_kind}] 中添加同义词。" if missing else "")
    )
    return message, (f"[headers.{best_kind}]\n" + "\n".join(toml)) if toml else ""


def undecided_notice(
    match: HeaderMatch, spec: TableSpec, settings: str, file: str, sheet: str
) -> tuple[str, str, str]:
    """(message, shishi.toml lines, what to do) for a sheet that is not read until the analyst
    says which column is which (a required field only held columns give) or which ledger it
    is."""
    row = match.row_index + 1
    if match.rivals:
        labels = "、".join(ledger_label(t) for t in [match.table, *match.rivals])
        pin = (
            f"[[pin]]\nfile = {toml_string(file)}\nsheet = {toml_string(sheet)}\n"
            f'table = "{match.table}"'
        )
        others = "、".join(f'"{t}"' for t in match.rivals)
        return (
            f"第{row}行看起来像表头，但它同样符合{labels}，工作表名、标题和文件名也没有说明是哪一类；"
            f"为免读错，本表未读取。请在 {settings} 中用 [[pin]] 写明 table"
            f'（{ledger_label(match.table)} 为 "{match.table}"，也可为 {others}）',
            pin,
            f"把下面的 [[pin]] 加入 {settings}，table 写这张表实际的台账类型，然后重新运行",
        )
    parts, lines = [], [f"[headers.{spec.name}]"]
    for name in match.held_required:
        label = spec.fields[name].label
        options = [c for c in match.held if c.field == name]
        shown = "、".join(
            f"「{c.header}」（{'，'.join(c.evidence) or '证据不足'}）" for c in options
        )
        parts.append(f"「{label}」可能是 {shown}" if options else f"缺少「{label}」")
        if options:
            first = options[0]
            rest = "、".join(toml_string(c.header) for c in options[1:])
            lines.append(
                settling_line(name, first.header)
                + f"  # {label}"
                + (f"；也可以是 {rest}" if rest else "")
            )
    message = (
        f"第{row}行看起来像{spec.label}表头，但"
        + "；".join(parts)
        + f"，无法确定，为免读错，本表未读取。请在 {settings} 中写明这一列："
    )
    hint = f"把下面几行加入 {settings}（方括号里写实际要用的那一列的表头），然后重新运行"
    return message, "\n".join(lines) if len(lines) > 1 else "", hint
