"""Find a sheet's header row and map its headers to canonical fields.

Offices put one or two title rows and a 填报单位 line above the header, write headers in
traditional characters, with a unit inside (投入资金（万元）) or in words of their own (捐赠时间,
爱心款金额, 服务小时数). A header maps to a field on evidence: an exact synonym
(``data/headers.toml``) is the strongest; otherwise its words read as parts
(cleaning/header_words.py: head word, qualifier, unit), confirmed or overruled by what the column
holds; a column whose header says nothing is mapped by its contents alone when only one field
could hold them. Every mapping carries its evidence and a confidence. A wrong mapping is worse
than none: below :data:`THRESHOLD`, or when two columns have equal claims on one field, the
column is held back (``HeaderMatch.held``) for the analyst to settle in shishi.toml.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

from metrics.cleaning import layout, parsing
from metrics.cleaning.header_words import PARTY_ROLES, Label, Lexicon, lexicon
from metrics.cleaning.parsing import normalize_text

#: How many rows from the top of a sheet are searched for the header row.
HEADER_SEARCH_ROWS = 20
#: Distinct header texts whose readings are kept (the cells of the first rows of many sheets).
MEMO_SIZE = 50_000

#: A mapping this sure (0..1) or surer is used; below it the column is held back, never used.
THRESHOLD = 0.65
#: Readings weaker than this are not worth showing as held.
HOLD_FLOOR = 0.3

# How much each piece of evidence is worth (the confidence of a mapping, before its contents).
SYNONYM = 1.0  # the header is a listed synonym of the field
FIELD_WORD = 0.85  # head word + a qualifier of this very field (提出 + 时间)
LEDGER_WORD = 0.8  # head word + a word of this ledger (捐赠 + 时间)
HEAD_ONLY = 0.75  # head word alone, or with words nobody listed (所属 + 团体)
UNIT_ONLY = 0.6  # only the unit says what it is (（元）)
OTHER_LEDGER = 0.5  # head word + a word of another ledger (采购金额 in a donation list)
SHARED = 0.5  # the words fit several fields of the ledger alike (日期 in a wish list)
UNIT_AGREES = 0.04  # the unit says what the head word says
SEVERAL_KINDS = 0.15  # a head word of several kinds (时间: a date or a duration), undecided
CONTENT_FITS = 0.1  # the contents are what the field holds
CONTENT_REFUTES = 0.35  # the contents are unmistakably something else
BY_CONTENT = 0.7  # a header that says nothing, contents only one field could hold
ROW_WORDS = 0.25  # per header cell naming this ledger (+) or only another one (-)

_UNIT_IN_BRACKETS = re.compile(r"[(\[（【]\s*([^()\[\]（）【】]*)\s*[)\]）】]\s*$")
_UNIT_AFTER_SLASH = re.compile(r"/\s*(万元|千元|亿元|元|万)$")
_TIE = 1e-6
_LABEL_AND_VALUE = re.compile(r"[:：]\s*\S")
#: Who-columns whose values differ row by row are the finer party (党员姓名 beside 党支部)
DISTINCT = 0.02
_NUMERIC_TYPES = frozenset({"count", "quantity", "amount", "hours"})
#: Text fields whose contents show who they are (a donor is no column of figures).
_LABEL_ROLES = frozenset({"title", "goods", "region", "purpose", "outcome"})


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field of a table kind, as declared in headers.toml."""

    name: str
    type: str
    synonyms: tuple[str, ...]
    required: bool = False
    qualifier_column: str | None = None
    derive_column: str | None = None
    derive_type: str | None = None
    parts_column: str | None = None
    fill_down: bool = False
    alternatives: tuple[str, ...] = ()
    #: a row may take this field from the sheet's context (a date in the title): not needed
    #: in the header for the table to be recognised (cleaning/context.py)
    from_context: bool = False
    #: written in the blank ledgers of `shishi template` (headers.toml `template = false`: not)
    in_template: bool = True
    #: kinds of head word that can name this field (header_words.toml [heads])
    roles: tuple[str, ...] = ()
    #: ... of which these only with one of its qualifiers (headers.toml ``"seq?"``)
    qualified_roles: tuple[str, ...] = ()
    #: words in a header that point to this field among others of its kind (提出 -> raised_on)
    qualifiers: tuple[str, ...] = ()
    #: words in a header that say it is not this field (收款人 is no donor)
    refuse: tuple[str, ...] = ()
    #: read from a head word only together with one of its qualifiers
    needs_qualifier: bool = False
    #: may be mapped from a column's contents alone
    by_content: bool = True
    #: ... but only when these fields are named too (a quantity beside goods)
    by_content_beside: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The Chinese name an analyst knows the field by (its first synonym)."""
        return self.synonyms[0] if self.synonyms else self.name


@dataclass(frozen=True)
class TableSpec:
    """A table kind (wishes, donations, purchases, volunteering) and its fields."""

    name: str
    label: str
    amount_field: str | None
    fields: dict[str, FieldSpec]
    identify: tuple[tuple[str, ...], ...] = ()
    quantity_field: str | None = None
    #: the header words, with the analyst's (shishi.toml [header_words])
    words: Lexicon = field(default_factory=lexicon, compare=False, repr=False)
    #: header text -> its readings: each distinct header is read once
    memo: dict[str, tuple[Reading, ...]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.required]

    @property
    def fill_down_fields(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.fill_down]

    @property
    def identifying_sets(self) -> tuple[tuple[str, ...], ...]:
        """Field sets any one of which makes a header this kind (default: the required ones)."""
        return self.identify or (tuple(self.header_required),)

    @property
    def header_required(self) -> list[str]:
        """Required fields a header must name (a date may come from the title instead)."""
        return [f.name for f in self.fields.values() if f.required and not f.from_context]


@dataclass(frozen=True)
class ColumnMatch:
    """A header cell recognised as a canonical field."""

    index: int
    header: str
    field: str
    multiplier: float = 1.0
    currency: str | None = None  # a foreign currency named in the header (金额（美元）)
    by_content: bool = False  # mapped from what the column holds, not from its title
    path: tuple[str, ...] = ()  # labels from the top header row down to this column's own
    #: why this column was taken for the field, in Chinese, one phrase per piece of evidence
    #: (表头词「金额」, 单位「万元」, 内容：9/10 为数字), shown by `shishi inspect`
    evidence: tuple[str, ...] = ()
    #: how sure the reading is, 0..1; a mapping below the threshold is held back, never used
    confidence: float = 1.0


@dataclass
class HeaderMatch:
    """The best header found in a sheet and what its cells mean.

    ``row_index`` is the header's last row (the body starts below it); a header over several
    rows starts at ``first_row``. A count split over sub-columns has one match per leaf.
    """

    row_index: int  # 0-based index into the sheet's rows
    table: str
    columns: list[ColumnMatch]
    unknown_headers: list[str] = field(default_factory=list)
    first_row: int | None = None
    notices: list[str] = field(default_factory=list)
    time_columns: list[int] = field(default_factory=list)  # 时间 columns holding times only
    score: float = 0.0
    named: int = 0  # fields named by their headers
    #: columns that might be a field but whose evidence is below the threshold: not used, shown
    #: to the analyst with the shishi.toml line that would settle them
    held: list[ColumnMatch] = field(default_factory=list)
    #: required fields only held columns could give: the sheet is not read until the analyst
    #: says which column is which (a to-do item, never a guess)
    held_required: list[str] = field(default_factory=list)
    #: other table kinds this header fits just as well, that the sheet's words do not rule out
    rivals: list[str] = field(default_factory=list)

    @property
    def fields(self) -> set[str]:
        return {c.field for c in self.columns}

    @property
    def undecided(self) -> bool:
        """The sheet cannot be read without the analyst's word (held_required or rivals)."""
        return bool(self.held_required or self.rivals)


@dataclass(frozen=True)
class Reading:
    """One field a header's words may name, how strongly, and why."""

    field: str
    strength: float
    evidence: tuple[str, ...]
    multiplier: float = 1.0
    currency: str | None = None
    synonym: bool = False
    #: the head word is of several kinds (时间): the contents must settle it
    undecided_kind: bool = False
    #: what the field's contents should look like: its type, or for text who or what it names
    content_key: str = ""
    #: the header holds a word of another ledger (采购 in a donation list): evidence against
    foreign: bool = False


def _key(text: str) -> str:
    """Comparison key for a header: normalized, no spaces, lower case."""
    return re.sub(r"\s+", "", normalize_text(text)).lower()


@cache
def _package_vocab() -> dict[str, Any]:
    with resources.files("metrics").joinpath("data/headers.toml").open("rb") as fh:
        return tomllib.load(fh)


def load_table_specs(
    extra: Mapping[str, Mapping[str, list[str]]] | None = None,
    words: Mapping[str, Any] | None = None,
) -> dict[str, TableSpec]:
    """Table specs from the package vocabulary, plus analyst synonyms ``{table: {field: [...]}}``
    and header words (shishi.toml ``[header_words]``)."""
    return _load_specs(
        json.dumps(extra or {}, sort_keys=True, ensure_ascii=False),
        json.dumps(words or {}, sort_keys=True, ensure_ascii=False),
    )


@cache
def _load_specs(extra_json: str, words_json: str) -> dict[str, TableSpec]:
    extra: dict[str, dict[str, list[str]]] = json.loads(extra_json)
    vocab = _package_vocab()
    words = lexicon(json.loads(words_json))
    specs: dict[str, TableSpec] = {}
    for table, tdef in vocab["tables"].items():
        fields: dict[str, FieldSpec] = {}
        for name, fdef in tdef["fields"].items():
            synonyms = list(fdef["synonyms"]) + list(extra.get(table, {}).get(name, []))
            derive = fdef.get("derive") or {}
            fields[name] = FieldSpec(
                name=name,
                type=fdef["type"],
                synonyms=tuple(dict.fromkeys(_key(s) for s in synonyms)),
                required=bool(fdef.get("required", False)),
                qualifier_column=fdef.get("qualifier_column"),
                derive_column=derive.get("column"),
                derive_type=derive.get("type"),
                parts_column=fdef.get("parts_column"),
                fill_down=bool(fdef.get("fill_down", False)),
                alternatives=tuple(fdef.get("alternatives", ())),
                from_context=bool(fdef.get("from_context", False)),
                in_template=bool(fdef.get("template", True)),
                roles=tuple(r.rstrip("?") for r in fdef.get("roles", ())),
                qualified_roles=tuple(r[:-1] for r in fdef.get("roles", ()) if r.endswith("?")),
                qualifiers=tuple(_key(w) for w in fdef.get("qualifiers", ())),
                refuse=tuple(_key(w) for w in fdef.get("refuse", ())),
                needs_qualifier=bool(fdef.get("needs_qualifier", False)),
                by_content=bool(fdef.get("by_content", True)),
                by_content_beside=tuple(fdef.get("by_content_beside", ())),
            )
        specs[table] = TableSpec(
            table,
            tdef["label"],
            tdef.get("amount_field"),
            fields,
            tuple(tuple(s) for s in tdef.get("identify", ())),
            tdef.get("quantity_field"),
            words,
        )
    return specs


def split_unit(header: object) -> tuple[str, float]:
    """Split a unit out of a header: ``投入资金（万元）`` -> (``投入资金``, 10000.0)."""
    base, multiplier, _ = split_unit_currency(header)
    return base, multiplier


def split_unit_currency(header: object) -> tuple[str, float, str | None]:
    """Split a unit or a foreign currency out of a header: ``金额（美元）`` -> (金额, 1.0, USD)."""
    text = normalize_text(header)
    units = {_key(k): float(v) for k, v in _package_vocab()["units"].items()}
    for pattern in (_UNIT_IN_BRACKETS, _UNIT_AFTER_SLASH):
        m = pattern.search(text)
        if m and _key(m.group(1)) in units:
            return text[: m.start()].strip(), units[_key(m.group(1))], None
    m = _UNIT_IN_BRACKETS.search(text)
    if m and (code := layout.currency_in(m.group(1))):
        return text[: m.start()].strip(), 1.0, code
    return text, 1.0, None


def goods_unit_of(header: object) -> tuple[str, str] | None:
    """(base, goods unit) of a header such as 数量（箱）, else None."""
    text = normalize_text(header)
    m = _UNIT_IN_BRACKETS.search(text)
    if m and m.group(1).strip() in parsing.load_vocab()["goods_units"]:
        return text[: m.start()].strip(), m.group(1).strip()
    return None


# --- reading one header cell ---------------------------------------------------------------


def readings(header: object, spec: TableSpec) -> tuple[Reading, ...]:
    """The fields of this table kind a header's words may name, strongest first (cached)."""
    if not isinstance(header, str):
        header = normalize_text(header)
    hit = spec.memo.get(header)
    if hit is None:
        if len(spec.memo) >= MEMO_SIZE:  # a long-lived process reading sheet after sheet
            spec.memo.clear()
        hit = spec.memo[header] = _read(header, spec)
    return hit


def _read(header: str, spec: TableSpec) -> tuple[Reading, ...]:
    raw_key = _key(header)
    if not raw_key:
        return ()
    label = spec.words.read(header)
    keys = {raw_key, _key(split_unit_currency(header)[0]), _key(label.text)}
    if (goods := goods_unit_of(header)) is not None:
        keys.add(_key(goods[0]))  # 数量（箱） is a quantity, counted in 箱
    found = [
        Reading(
            f.name,
            SHARED if label.conflict else SYNONYM,  # 金额（镑）: a known name, in what unit?
            (f"已知表头「{header.strip()}」", *(label.evidence[-1:] if label.conflict else ())),
            *_unit_for(f, label),
            synonym=True,
            content_key=_content_key(f),
        )
        for f in spec.fields.values()
        if keys & set(f.synonyms)
    ]
    if not label.roles or label.not_event:
        return tuple(found)
    out: list[Reading] = []
    live = [r for r in label.roles if any(r in f.roles for f in spec.fields.values())]
    fields = {f.name for f in spec.fields.values() for r in live if r in f.roles}
    several = len(live) > 1 and len(fields) > 1  # 时间 beside 活动: a date, or the hours?
    for rank, role in enumerate(live):
        out += _role_readings(label, role, spec, several, several, rank)
    if "person" in label.roles and "count" not in label.roles:
        # 参与志愿者 holding figures counts them: a reading its contents must confirm
        out += _role_readings(label, "count", spec, True, True, len(live))
    # a synonym is the strongest evidence; what the words say of other fields stays beside
    # it, for when the column's contents refute the synonym (服务时间 holding dates)
    strongest: dict[str, Reading] = {r.field: r for r in found}
    for r in sorted(out, key=lambda r: -r.strength):  # 单位/个人: one donor, read twice
        strongest.setdefault(r.field, r)
    return tuple(sorted(strongest.values(), key=lambda r: -r.strength))


def _role_readings(
    label: Label, role: str, spec: TableSpec, undecided: bool, several: bool, rank: int
) -> list[Reading]:
    """The fields a header's head word of this kind may name in this ledger, and how surely."""
    key = _key(label.text)
    fields = [
        f for f in spec.fields.values() if role in f.roles and not any(w in key for w in f.refuse)
    ]
    if not fields:
        return []
    evidence = list(label.evidence) or [f"表头词「{label.head}」"]
    bonus = (UNIT_AGREES if label.unit and label.head else 0.0) - (
        SEVERAL_KINDS + 0.01 * rank if several else 0.0
    )
    chosen: list[tuple[FieldSpec, float, list[str]]] = []
    foreign = False
    # each field's qualifier in the header; the leftmost one scopes over the rest (计划解决时间
    # is a plan, 实际完成时间 a fact), a longer word over a shorter one at the same place
    own: dict[str, tuple[int, int, str]] = {}
    for f in fields:
        found = [(key.find(w), -len(w), w) for w in f.qualifiers if w in key]
        if found:
            own[f.name] = min(found)
    if own:
        first = min(own.values())[:2]
        top = [f for f in fields if f.name in own and own[f.name][:2] == first]
        strength = FIELD_WORD if len(top) == 1 else SHARED
        for f in top:
            chosen.append((f, strength, [*evidence, f"限定词「{own[f.name][2]}」"]))
    else:
        plain = [f for f in fields if not f.needs_qualifier and role not in f.qualified_roles]
        if len(plain) != 1:  # 日期 in a wish list: 提出、计划完成 or 办结?
            names = "、".join(f"「{f.label}」" for f in fields)
            open_to = plain or [f for f in fields if role not in f.qualified_roles]
            for f in open_to:
                chosen.append((f, SHARED, [*evidence, f"可能是{names}中的任一列"]))
        else:
            named = spec.words.ledgers_named(key)
            if spec.name in named:
                strength, why = LEDGER_WORD, [f"限定词「{named[spec.name]}」"]
            elif named:
                other, word = next(iter(named.items()))
                strength, why = OTHER_LEDGER, [f"「{word}」是{_ledger_label(other)}的用词"]
                foreign = True
            else:
                strength, why = (HEAD_ONLY if label.head else UNIT_ONLY), []
            chosen.append((plain[0], strength, [*evidence, *why]))
    out = []
    for f, strength, why in chosen:
        multiplier, currency = _unit_for(f, label)
        out.append(
            Reading(
                f.name,
                round(strength + bonus, 4),
                tuple(why),
                multiplier,
                currency,
                undecided_kind=undecided,
                content_key=_content_key(f),
                foreign=foreign,
            )
        )
    return out


def _unit_for(f: FieldSpec, label: Label) -> tuple[float, str | None]:
    """The multiplier and currency a header's unit gives this field (1 / None if it is none of
    its business: 服务时长（小时） is no amount of 小时 yuan)."""
    if label.roles[:1] == ("amount",) and f.type == "amount":
        return label.multiplier, label.currency
    if label.roles[:1] == ("hours",) and f.type == "hours":
        return label.multiplier, None
    return 1.0, None


def _content_key(f: FieldSpec) -> str:
    """What a field's column must not hold (layout.NEVER): its type, or who / what it names."""
    if f.type != "text":
        return f.type
    if "measure" in f.roles:
        return "measure"
    if PARTY_ROLES & set(f.roles):
        return "party"
    if _LABEL_ROLES & set(f.roles):
        return "label"
    return ""


@cache
def _ledger_labels() -> dict[str, str]:
    return {t: d["label"] for t, d in _package_vocab()["tables"].items()}


def _ledger_label(table: str) -> str:
    return _ledger_labels().get(table, table)


def _best(header: object, spec: TableSpec) -> Reading | None:
    """The reading of a header by its words alone, if it is sure enough and unrivalled (a
    reading only its column's contents could confirm is not)."""
    found = [r for r in readings(header, spec) if not r.undecided_kind]
    if not found or found[0].strength < THRESHOLD:
        return None
    if len(found) > 1 and found[1].strength >= found[0].strength - _TIE:
        return None
    return found[0]


def match_header_cell(header: object, spec: TableSpec) -> tuple[str, float] | None:
    """The canonical field a header cell names in this table kind, with its unit multiplier."""
    hit = _match_cell(header, spec)
    return (hit[0], hit[1]) if hit else None


def _match_cell(header: object, spec: TableSpec) -> tuple[str, float, str | None] | None:
    if header is None:
        return None
    best = _best(header, spec)
    return (best.field, best.multiplier, best.currency) if best else None


def score_row(cells: list[Any], spec: TableSpec) -> list[ColumnMatch]:
    """Columns of one candidate header row its words name in this table kind (first per field)."""
    seen: set[str] = set()
    matches: list[ColumnMatch] = []
    for i, cell in enumerate(cells):
        if not isinstance(cell, str):
            continue
        best = _best(cell, spec)
        if best and best.field not in seen:
            seen.add(best.field)
            matches.append(
                ColumnMatch(
                    i,
                    str(cell).strip(),
                    best.field,
                    best.multiplier,
                    best.currency,
                    evidence=best.evidence,
                    confidence=min(1.0, best.strength),
                )
            )
    return matches


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
    "buyer_type": parsing.parse_buyer_type,
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
            if found and not (words_count and not data.repeats_below(last, j, path[depth])):
                found = tuple(r for r in found if r.synonym)
            if found and (best is None or found[0].strength > best[1][0].strength + _TIE):
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
        rivals = [c for c in cs[1:] if c.strength >= best.strength - _TIE]
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
        numeric = spec.fields[name].type in _NUMERIC_TYPES
        first = cs[0]
        same = [c for c in cs if numeric and c.path and c.owner == first.owner]
        if len(same) > 1 and first.strength >= THRESHOLD:
            used += same  # one count split over sub-columns
            held += [c for c in cs if c not in same and c.strength >= HOLD_FLOOR]
            continue
        if len(cs) > 1 and cs[1].strength >= first.strength - _TIE:
            for c in cs:
                if c.strength >= first.strength - _TIE:
                    c.evidence = (*c.evidence, "另一列证据相同，无法确定用哪一列")
            held += [c for c in cs if c.strength >= HOLD_FLOOR]
            continue
        if first.strength >= THRESHOLD:
            used.append(first)
            held += [c for c in cs[1:] if c.strength >= HOLD_FLOOR]
        elif first.strength >= HOLD_FLOOR:
            held += [c for c in cs if c.strength >= HOLD_FLOOR]
    return used, held


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
        if depth == 2 and sum(1 for c in upper if _key(c)) < 2:
            break  # a title above the header is one label, not a level of it
        spans = any(
            _key(lower[j]) and not (j < len(upper) and _key(upper[j])) for j in range(len(lower))
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
    named_by_sheet = set(specs[kinds[0]].words.ledgers_named(f"{context} {title}"))
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
            if not m.held_required and abs(weight(m) - weight(best)) <= _TIE
        ]
    return best


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
        if not c.reading.foreign and not c.refuted and c.strength >= SHARED - _TIE
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
        named = spec.words.ledgers_named(_key(text)) if text else {}
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
            and layout.fits(f, fspec.type, layout.profile(layout.column_values(body, i)))
        ]
        if not unmatched:
            hints.append(f"缺少必需列「{fspec.label}」，也没有内容像{fspec.label}的列")
            continue
        nearest = max(
            unmatched,
            key=lambda h: max(
                difflib.SequenceMatcher(None, _key(h), s).ratio() for s in fspec.synonyms
            ),
        )
        hints.append(f"缺少必需列「{fspec.label}」，最接近的表头是「{nearest}」")
        toml.append(f'{f} = ["{nearest}"]  # {fspec.label}')
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
        labels = "、".join(_ledger_label(t) for t in [match.table, *match.rivals])
        pin = f'[[pin]]\nfile = "{file}"\nsheet = "{sheet}"\ntable = "{match.table}"'
        others = "、".join(f'"{t}"' for t in match.rivals)
        return (
            f"第{row}行看起来像表头，但它同样符合{labels}，工作表名、标题和文件名也没有说明是哪一类；"
            f"为免读错，本表未读取。请在 {settings} 中用 [[pin]] 写明 table"
            f'（{_ledger_label(match.table)} 为 "{match.table}"，也可为 {others}）',
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
            rest = "、".join(f'"{c.header}"' for c in options[1:])
            lines.append(
                f'{name} = ["{first.header}"]  # {label}' + (f"；也可以是 {rest}" if rest else "")
            )
    message = (
        f"第{row}行看起来像{spec.label}表头，但"
        + "；".join(parts)
        + f"，无法确定，为免读错，本表未读取。请在 {settings} 中写明这一列："
    )
    hint = f"把下面几行加入 {settings}（方括号里写实际要用的那一列的表头），然后重新运行"
    return message, "\n".join(lines) if len(lines) > 1 else "", hint
