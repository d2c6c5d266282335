"""Read one header cell by its words: head word, qualifier and unit.

Offices name columns in their own words (捐赠时间, 爱心款金额, 服务小时数, 志愿时长(h)), and no
list of synonyms holds them all. Chinese builds such a noun from the right: the last word says
what kind of column it is (日期, 金额, 时长), the words before it whose or which (捐赠, 转账,
服务), a bracketed unit how it is counted (元, 万元, 小时). This module reads those parts with the
vocabulary in ``data/header_words.toml`` (plus the analyst's ``[header_words]``); which field a
reading is in a given ledger, and how sure that is, is decided in ``cleaning/headers.py``.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from metrics.cleaning import layout
from metrics.cleaning.parsing import load_vocab, normalize_text

#: Kinds of column whose cells are figures: a unit of one never fits another.
NUMERIC_ROLES = frozenset({"amount", "hours", "count", "quantity", "times"})
#: Kinds of head word naming who: an "X类型" after one is that party's type (捐赠方类型).
PARTY_ROLES = frozenset({"org", "person", "party"})
#: A person word after a word of taking part (志愿者, 参与人员): those who took part, their
#: names or a count of them (header_words.toml [agents]; after a word of leading, 组织者, it is
#: the leader).
PARTICIPANT = "participant"
#: Longer text than this is a sentence or a title, not a column header.
MAX_HEADER_CHARS = 24

_BRACKET_AT_END = re.compile(r"[(\[（【]\s*([^()\[\]（）【】]*)\s*[)\]）】]\s*$")
_AFTER_SLASH = re.compile(r"/\s*([^/]+)$")
_MARKS = "*＊※★☆:：、.。 "
_ASCII_WORDS = re.compile(r"[\s_\-]+")


@dataclass(frozen=True)
class Label:
    """What one header says by its words alone."""

    text: str  # the header, normalized, without its unit
    head: str = ""  # the word that names its kind (金额), "" when none is known
    roles: tuple[str, ...] = ()  # the kinds it may be, most likely first
    modifier: str = ""  # the words before the head word (捐赠 in 捐赠时间)
    unit: str = ""  # the unit written in brackets or after a slash
    multiplier: float = 1.0  # one of the unit in the field's own unit (万元 -> 10000 yuan)
    currency: str | None = None  # a foreign currency named in the header
    #: a word saying the column is about the paperwork or a person's details (填报, 联系)
    not_event: str = ""
    #: the unit disagrees with the head word (金额（小时）): nothing is read from it
    conflict: bool = False
    evidence: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        """Whether the words say anything at all about the column."""
        return bool(self.roles) or bool(self.not_event) or self.conflict


@dataclass
class Lexicon:
    """The header vocabulary: head words by kind, units, ledger words (one per settings file)."""

    heads: dict[str, tuple[str, ...]]  # word -> roles, in the order they are listed
    transparent: frozenset[str]
    default_role: str
    totals: frozenset[str]
    measure_words: frozenset[str]
    count_words: frozenset[str]
    question_prefixes: tuple[str, ...]
    question_role: str
    units: dict[str, dict[str, float]]  # unit -> {role: multiplier}
    ledgers: dict[str, tuple[str, ...]]
    sheet_words: dict[str, tuple[str, ...]]
    not_the_event: tuple[str, ...]
    labels: dict[str, str]
    #: "start" / "end" -> the words saying which end of a span a date is (开始 / 结束)
    span_words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: role -> the words before a person word that give it that role (组织 -> leader)
    agents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: head words of a label that groups the columns below it (活动情况, 捐赠信息)
    groups: frozenset[str] = frozenset()
    longest: int = 0
    _memo: dict[str, Label] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.longest = max(
            (len(w) for w in [*self.heads, *self.transparent, *self.totals, *self.count_words]),
            default=0,
        )

    def read(self, header: object) -> Label:
        """The reading of one header cell (cached per distinct text)."""
        key = header if isinstance(header, str) else normalize_text(header)
        hit = self._memo.get(key)
        if hit is None:
            if len(self._memo) >= 50_000:  # bounded in a long-lived process
                self._memo.clear()
            hit = self._memo[key] = self._read(key)
        return hit

    def role_label(self, role: str) -> str:
        return self.labels.get(role, role)

    def ledgers_named(self, text: str, *, sheet: bool = False) -> dict[str, str]:
        """Ledger -> the longest of its words that ``text`` holds (捐赠 -> donations); ``sheet``:
        the stricter words a sheet's name, title or file name is judged by."""
        out: dict[str, str] = {}
        low = text.lower()
        for table, words in (self.sheet_words if sheet else self.ledgers).items():
            found = [w for w in words if w and w in low]
            if found:
                out[table] = max(found, key=len)
        return out

    def under(self, parent: object, label: object) -> str:
        """A label that says nothing alone, as the spanning label above it makes it: a group's
        qualifier passes down (名称 under 活动情况 is 活动名称, under 活动 too), a kind of
        column takes its parts (名称 under 承办单位 is 承办单位名称)."""
        key = _squeeze(self.read(normalize_text(parent)).text)  # without its unit
        group = max((g for g in self.groups if key.endswith(g)), key=len, default="")
        return key[: len(key) - len(group)] + _squeeze(normalize_text(label))

    def span_end(self, header: object) -> str:
        """Which end of a span a header's qualifier names ("start" for 活动开始时间, "end" for
        结束日期), "" for neither or both (起止时间)."""
        modifier = self.read(normalize_text(header)).modifier
        ends = [end for end, words in self.span_words.items() if any(w in modifier for w in words)]
        return ends[0] if len(ends) == 1 else ""

    # --- reading -------------------------------------------------------------------------

    def _read(self, raw: str) -> Label:
        text = normalize_text(raw).strip(_MARKS)
        if not text or len(text) > MAX_HEADER_CHARS + 8 or _digits(text) > 2:
            return Label(text)
        base, aside, unit, unit_roles, currency = self._split_unit(text)
        key = _squeeze(base)
        if not key or len(key) > MAX_HEADER_CHARS:
            return Label(base)
        not_event = next((w for w in self.not_the_event if w in key), "")
        head, roles, modifier = self._alternatives(base)
        if key in self.measure_words:
            roles = (*roles, "measure")  # 单位 alone: who gave, or what goods are counted in?
        if aside:  # 捐款（单位/个人）: a bracket naming the kind says what the column is
            inner_head, inner_roles, _ = self._alternatives(aside)
            if inner_roles:
                head, roles, modifier = inner_head, inner_roles, key
        evidence: list[str] = []
        if head:
            evidence.append(f"表头词「{head}」")
        if unit:
            evidence.append(f"单位「{unit}」")
        # a one-character bracket nobody listed (金额（镑）, 时长（天）) is a unit not understood
        conflict = len(_squeeze(aside)) == 1 and not self._alternatives(aside)[1]
        multiplier = 1.0
        if unit_roles:
            agree = [r for r in roles if r in unit_roles] or (
                ["count"] if "count" in roles and "quantity" in unit_roles else []
            )
            if agree:
                roles = (agree[0],)
            elif not roles and len(unit_roles) == 1:
                roles = tuple(unit_roles)
            elif roles and not any(r in NUMERIC_ROLES for r in roles) and len(unit_roles) == 1:
                roles = tuple(unit_roles)  # 物资（箱） counts boxes, 服务时间（小时） is a duration
            else:
                roles, conflict = (), True  # 金额（小时）, or 分 with nothing to say which
            if roles:
                multiplier = unit_roles.get(roles[0], unit_roles.get("quantity", 1.0))
        if conflict:
            roles = ()
            evidence.append(f"单位「{unit or aside}」不明")
        return Label(
            base, head, roles, modifier, unit, multiplier, currency, not_event, conflict,
            tuple(evidence),
        )  # fmt: skip

    def _split_unit(self, text: str) -> tuple[str, str, str, dict[str, float], str | None]:
        """(text without unit, a bracket that is no unit, the unit, {role: multiplier} it
        fits, a foreign currency it names)."""
        m = _BRACKET_AT_END.search(text)
        if m:
            inner = m.group(1).strip()
            before = text[: m.start()].strip()
            found = self.units.get(_squeeze(inner))
            if found:
                return before, "", inner, found, None
            code = layout.currency_in(inner) if inner else None
            if code is not None:
                return before, "", inner, {"amount": 1.0}, code
            if before:  # a bracket that is no unit: 姓名（姓氏隐去）, 捐赠（单位/个人）
                return before, inner, "", {}, None
        m = _AFTER_SLASH.search(text)
        if m and text[: m.start()].strip():
            inner = m.group(1).strip()
            found = self.units.get(_squeeze(inner))
            if found:
                return text[: m.start()].strip(), "", inner, found, None
        return text, "", "", {}, None

    def _alternatives(self, base: str) -> tuple[str, tuple[str, ...], str]:
        """The head of a header, or of each of its alternatives (单位/个人, 项目、用途)."""
        parts = [p for p in re.split(r"[/、]", base) if p.strip()]
        if len(parts) < 2:
            return self._head(base)
        read = [self._head(p) for p in parts]
        if not all(r[1] for r in read):  # 现金/物资: the parts name no one kind together
            return "", (), _squeeze(base)
        roles = tuple(dict.fromkeys(role for r in read for role in r[1]))
        return "/".join(r[0] for r in read), roles, "".join(r[2] for r in read)

    def _head(self, base: str) -> tuple[str, tuple[str, ...], str]:
        """(head word, its roles, the words before it) of a header without its unit."""
        key = _squeeze(base)
        for prefix in self.question_prefixes:
            if key.startswith(prefix) and len(key) > len(prefix):
                return prefix, (self.question_role,), key[len(prefix) :]
        if key.isascii():
            words = [w for w in _ASCII_WORDS.split(base.lower().strip()) if w]
            head, roles, modifier = self._ascii_head(words)
        else:
            head, roles, modifier = self._suffix_head(key)
        if head in self.transparent or head in self.totals:
            inner_head, inner_roles, inner_modifier = self._inner(modifier)
            if inner_roles:
                glue = " " if modifier.isascii() else ""
                return inner_head + glue + head, inner_roles, inner_modifier
            if head in self.transparent and modifier:
                return head, (self.default_role,), modifier  # 活动名称: the activity's title
            return "", (), key
        inner = self._inner(modifier)[1]
        if head in self.count_words:  # 志愿者数, 受益群众数: a count of people; 物品数: of things
            if PARTY_ROLES & set(inner) or {"recipient", PARTICIPANT} & set(inner):
                return head, ("count",), modifier
            return (head, ("quantity",), modifier) if "goods" in inner else ("", (), key)
        if not roles:
            return "", (), key
        if "person" in roles and modifier and (part := self._agent(modifier)):
            # 组织者, 发起人: the one who led; 志愿者, 参与人员: who took part (or how many) -
            # still people a ledger may name by another qualifier (认领志愿者 claimed a wish)
            keep = ("person", "count") if part == PARTICIPANT else ("count",)
            return head, (part, *(r for r in roles if r in keep)), modifier
        if "type" in roles and PARTY_ROLES & set(inner):
            return head, ("party_type",), modifier  # 捐赠方类型 is the donor's type
        inner_head, inner, inner_modifier = self._inner(modifier)
        if head in self.measure_words and NUMERIC_ROLES & set(inner) and not inner_modifier:
            return head, ("measure",), modifier  # 金额单位, 数量单位: what a figure is counted in
        return head, roles, modifier

    def _agent(self, modifier: str) -> str:
        """The role a person word's qualifier gives it (header_words.toml [agents]): leader
        after a word of leading (组织 in 组织者, 组织者 in 组织者姓名), participant after one
        of taking part (志愿 in 志愿者); "" for any other (捐款人 stays a person)."""
        text = modifier
        _, inner, before = self._suffix_head(modifier)
        if "person" in inner and before:  # 志愿者姓名: the person word's own qualifier
            text = before
        for role, words in self.agents.items():
            if any(text.endswith(w) for w in words):
                return role
        return ""

    def _inner(self, modifier: str) -> tuple[str, tuple[str, ...], str]:
        """The head of the words before a head word (单位 in 单位名称)."""
        if not modifier:
            return "", (), ""
        if modifier.isascii():
            return self._ascii_head([w for w in _ASCII_WORDS.split(modifier) if w])
        return self._suffix_head(modifier)

    def _suffix_head(self, key: str) -> tuple[str, tuple[str, ...], str]:
        for size in range(min(len(key), self.longest), 0, -1):
            word = key[-size:]
            if word in self.heads or word in self.transparent or word in self.totals:
                return word, self.heads.get(word, ()), key[:-size].removesuffix("的")
            if word in self.count_words and size < len(key):
                return word, (), key[:-size]
        return "", (), key

    def _ascii_head(self, words: Sequence[str]) -> tuple[str, tuple[str, ...], str]:
        for size in (2, 1):
            if len(words) >= size:
                head = " ".join(words[-size:])
                for word in (head, head.replace(" ", "")):
                    if word in self.heads or word in self.transparent or word in self.totals:
                        return word, self.heads.get(word, ()), " ".join(words[:-size])
        return "", (), " ".join(words)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", normalize_text(text)).lower()


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


@cache
def package_words() -> dict[str, Any]:
    """data/header_words.toml as written."""
    with resources.files("metrics").joinpath("data/header_words.toml").open("rb") as fh:
        return tomllib.load(fh)


@cache
def _amount_units() -> dict[str, float]:
    with resources.files("metrics").joinpath("data/headers.toml").open("rb") as fh:
        return {k: float(v) for k, v in tomllib.load(fh)["units"].items()}


def roles() -> list[str]:
    """Every kind of head word the vocabulary knows (date, amount, ...)."""
    return list(package_words()["heads"])


def lexicon(extra: Mapping[str, Any] | None = None) -> Lexicon:
    """The vocabulary, with the analyst's ``[header_words]`` from shishi.toml added."""
    return _lexicon(json.dumps(extra or {}, sort_keys=True, ensure_ascii=False))


@cache
def _lexicon(extra_json: str) -> Lexicon:
    data = package_words()
    extra: dict[str, Any] = json.loads(extra_json)
    heads: dict[str, list[str]] = {}
    for role, words in data["heads"].items():
        for w in [*words, *extra.get("heads", {}).get(role, [])]:
            heads.setdefault(_squeeze(w) if not w.isascii() else w.lower(), []).append(role)
    units: dict[str, dict[str, float]] = {}
    for unit, multiplier in _amount_units().items():
        units.setdefault(_squeeze(unit), {})["amount"] = multiplier
    for role, table in data["units"].items():
        for unit, multiplier in table.items():
            units.setdefault(_squeeze(unit), {}).setdefault(role, float(multiplier))
    for unit in load_vocab()["goods_units"]:
        units.setdefault(_squeeze(unit), {}).setdefault("quantity", 1.0)
    for role, table in extra.get("units", {}).items():
        for unit, multiplier in table.items():
            units.setdefault(_squeeze(unit), {})[role] = float(multiplier)
    ledgers, sheet_words = (
        {
            t: tuple(_squeeze(w) for w in [*words, *extra.get("ledgers", {}).get(t, [])])
            for t, words in data[section].items()
        }
        for section in ("ledgers", "sheet_words")
    )
    return Lexicon(
        heads={w: tuple(dict.fromkeys(r)) for w, r in heads.items()},
        transparent=frozenset(_squeeze(w) for w in data["transparent"]["words"]),
        default_role=data["transparent"]["default_role"],
        totals=frozenset(_squeeze(w) for w in data["totals"]["words"]),
        measure_words=frozenset(_squeeze(w) for w in data["measure_after_figure"]["words"]),
        count_words=frozenset(_squeeze(w) for w in data["count_of"]["words"]),
        question_prefixes=tuple(data["questions"]["prefixes"]),
        question_role=data["questions"]["role"],
        units=units,
        ledgers=ledgers,
        sheet_words=sheet_words,
        not_the_event=tuple(_squeeze(w) for w in data["not_the_event"]["words"]),
        labels=dict(data["labels"]),
        span_words={
            end: tuple(_squeeze(w) for w in [*words, *extra.get("span", {}).get(end, [])])
            for end, words in data["span"].items()
        },
        groups=frozenset(_squeeze(w) for w in [*data["groups"]["words"], *extra.get("groups", [])]),
        agents={
            part: tuple(_squeeze(w) for w in [*words, *extra.get("agents", {}).get(part, [])])
            for part, words in data["agents"].items()
        },
    )
