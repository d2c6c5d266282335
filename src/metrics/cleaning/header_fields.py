"""The ledgers' fields (data/headers.toml) and what one header cell names among them.

A header names a field on evidence: an exact synonym (``headers.toml``, the analyst's
``[headers.*]``) is the strongest; otherwise its words read as parts (cleaning/header_words.py:
head word, qualifier, unit) point to the fields whose ``roles`` take that head word, the
qualifier choosing among them (提出时间 / 办结时间), words of another ledger weakening the reading.
Each reading carries its evidence in Chinese and a strength; what the column holds is weighed
in cleaning/headers.py, where a header row is found.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from metrics.cleaning import layout, parsing
from metrics.cleaning.header_words import PARTICIPANT, PARTY_ROLES, Label, Lexicon, lexicon
from metrics.cleaning.parsing import normalize_text
from metrics.cleaning.statuses import load_status_vocab
from metrics.contract import TABLE_LABELS

#: Distinct header texts whose readings are kept (the cells of the first rows of many sheets).
MEMO_SIZE = 50_000

#: A mapping this sure (0..1) or surer is used; below it the column is held back, never used.
THRESHOLD = 0.65
#: Readings weaker than this are not worth showing as held.
HOLD_FLOOR = 0.3
#: Strengths closer than this are equal.
TIE = 1e-6

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
#: a field's second-choice kind of head word (a person who led, for a volunteering organiser):
#: beside a column of its first choice (服务队) it gives way
SECOND_CHOICE = 0.15

_UNIT_IN_BRACKETS = re.compile(r"[(\[（【]\s*([^()\[\]（）【】]*)\s*[)\]）】]\s*$")
_UNIT_AFTER_SLASH = re.compile(r"/\s*(万元|千元|亿元|元|万)$")
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
    #: a date that is one end of a span (headers.toml ``span``): an event's date is its start
    span: str = ""
    #: kinds of head word it takes only as a second choice (headers.toml ``second_choice``)
    second_choice: tuple[str, ...] = ()

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


def header_key(text: str) -> str:
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
                synonyms=tuple(dict.fromkeys(header_key(s) for s in synonyms)),
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
                qualifiers=tuple(
                    header_key(w)
                    for w in [*fdef.get("qualifiers", ()), *_status_verbs(fdef.get("verbs_of"))]
                ),
                refuse=tuple(header_key(w) for w in fdef.get("refuse", ())),
                needs_qualifier=bool(fdef.get("needs_qualifier", False)),
                by_content=bool(fdef.get("by_content", True)),
                by_content_beside=tuple(fdef.get("by_content_beside", ())),
                span=fdef.get("span", ""),
                second_choice=tuple(fdef.get("second_choice", ())),
            )
        specs[table] = TableSpec(
            table,
            TABLE_LABELS[table],
            tdef.get("amount_field"),
            fields,
            tuple(tuple(s) for s in tdef.get("identify", ())),
            tdef.get("quantity_field"),
            words,
        )
    return specs


def _status_verbs(status: str | None) -> list[str]:
    """The verbs statuses.toml reads as ``status`` once done (兑现, 送达, 派送 -> resolved): a
    date qualified by one is the day that status was reached (送达日期 is when it was resolved).
    Verbs of one character (办) are too short to qualify a header."""
    if not status:
        return []
    families = load_status_vocab()["families"]
    return [
        v
        for fam in families.values()
        if fam.get("done") == status
        for v in fam["verbs"]
        if len(v) > 1
    ]


def split_unit(header: object) -> tuple[str, float]:
    """Split a unit out of a header: ``投入资金（万元）`` -> (``投入资金``, 10000.0)."""
    base, multiplier, _ = split_unit_currency(header)
    return base, multiplier


def split_unit_currency(header: object) -> tuple[str, float, str | None]:
    """Split a unit or a foreign currency out of a header: ``金额（美元）`` -> (金额, 1.0, USD)."""
    text = normalize_text(header)
    units = {header_key(k): float(v) for k, v in _package_vocab()["units"].items()}
    for pattern in (_UNIT_IN_BRACKETS, _UNIT_AFTER_SLASH):
        m = pattern.search(text)
        if m and header_key(m.group(1)) in units:
            return text[: m.start()].strip(), units[header_key(m.group(1))], None
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
    raw_key = header_key(header)
    if not raw_key:
        return ()
    label = spec.words.read(header)
    keys = {raw_key, header_key(split_unit_currency(header)[0]), header_key(label.text)}
    if (goods := goods_unit_of(header)) is not None:
        keys.add(header_key(goods[0]))  # 数量（箱） is a quantity, counted in 箱
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
    # 参与人员: the names of those who took part, or how many - their contents must say
    several = several or (PARTICIPANT in label.roles and "count" in live)
    for rank, role in enumerate(live):
        out += _role_readings(label, role, spec, several, several, rank)
    if {"person", PARTICIPANT} & set(label.roles) and "count" not in label.roles:
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
    key = header_key(label.text)
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
                strength, why = OTHER_LEDGER, [f"「{word}」是{ledger_label(other)}的用词"]
                foreign = True
            else:
                strength, why = (HEAD_ONLY if label.head else UNIT_ONLY), []
            chosen.append((plain[0], strength, [*evidence, *why]))
    out = []
    for f, strength, why in chosen:
        multiplier, currency = _unit_for(f, label)
        second = SECOND_CHOICE if role in f.second_choice else 0.0
        out.append(
            Reading(
                f.name,
                round(strength + bonus - second, 4),
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


def ledger_label(table: str) -> str:
    return TABLE_LABELS.get(table, table)


def _best(header: object, spec: TableSpec) -> Reading | None:
    """The reading of a header by its words alone, if it is sure enough and unrivalled (a
    reading only its column's contents could confirm is not)."""
    found = [r for r in readings(header, spec) if not r.undecided_kind]
    if not found or found[0].strength < THRESHOLD:
        return None
    if len(found) > 1 and found[1].strength >= found[0].strength - TIE:
        return None
    return found[0]


def match_header_cell(header: object, spec: TableSpec) -> tuple[str, float] | None:
    """The canonical field a header cell names in this table kind, with its unit multiplier."""
    if header is None:
        return None
    best = _best(header, spec)
    return (best.field, best.multiplier) if best else None


def _match_cell(header: object, spec: TableSpec) -> tuple[str, float, str | None] | None:
    """The field a cell names by an exact synonym only: the strict reading for a row met in
    the middle of the data (a header printed again on each page), where words of its own
    (第一党支部, 关爱项目) are more likely data than a header."""
    if header is None:
        return None
    found = [r for r in readings(header, spec) if r.synonym]
    return (found[0].field, found[0].multiplier, found[0].currency) if found else None


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
