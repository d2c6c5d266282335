"""办理进度 read by rule: a marker and a verb (已兑现, 待认领, 正在落实), as offices write them.

A flat list of whole words refused every status an office phrased its own way. Here a status is
found as phrases in the cell: markers (已 / 未 / 待 / 正在 / 部分 …) around a verb of a known
family (兑现, 认领, 落实 …); ``data/statuses.toml`` says what each family's verbs mean with each
kind of marker. A cell whose phrases disagree is ambiguous; a cell with none - a known marker
on an unknown verb included - is refused with the nearest known word, never guessed.

Works on text already normalized by :func:`metrics.cleaning.parsing.normalize_text`; the
analyst's additions (shishi.toml [statuses]) make a table of their own (:func:`status_table`).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from metrics.contract import STATUSES

#: Kinds of marker, and the order a family lists them in statuses.toml.
ASPECTS: tuple[str, ...] = ("done", "not_yet", "ongoing", "partial")
#: A clause ends at punctuation: an unsure word in one clause says nothing about the next.
_CLAUSE_END = re.compile(r"[，,。.；;、!！?？()（）\[\]【】\s/]")


@dataclass(frozen=True)
class StatusTable:
    """Everything needed to read a status cell, hashable so readings can be cached per table."""

    words: tuple[tuple[str, str], ...]  # (whole word, status)
    markers: tuple[tuple[str, str], ...]  # (marker, aspect), longest first
    suffixes: tuple[tuple[str, str], ...]  # (suffix, aspect), longest first
    unsure: tuple[str, ...]  # words that leave a later verb in the clause unsure
    verbs: tuple[tuple[str, str], ...]  # (verb, family), longest first
    families: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # family -> (aspect, status)
    #: the settings file an unknown word can be taught in (named in the refusal)
    settings: str = "shishi.toml"

    def meaning(self, family: str, aspect: str) -> str | None:
        return dict(dict(self.families)[family]).get(aspect)

    def first_words(self) -> dict[str, str]:
        """The first whole word of each status: the blank ledgers' drop-down list."""
        out: dict[str, str] = {}
        for word, status in self.words:
            out.setdefault(status, word)
        return out


@dataclass(frozen=True)
class Reading:
    """What a cell says: its status, or why none (``problem``: "unknown" or "ambiguous")."""

    status: str | None
    problem: str = ""
    nearest: str = ""  # the known word nearest an unknown one
    mixed: tuple[str, ...] = ()  # the statuses an ambiguous cell mixes


@cache
def load_status_vocab() -> dict[str, Any]:
    """statuses.toml, read once."""
    with resources.files("metrics").joinpath("data/statuses.toml").open("rb") as fh:
        return tomllib.load(fh)


def known_verbs() -> dict[str, str]:
    """verb -> family, from the package's table (what shishi.toml [statuses] verbs may name)."""
    vocab = load_status_vocab()
    return {v: name for name, fam in vocab["families"].items() for v in fam["verbs"]}


def _longest_first(pairs: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(pairs, key=lambda p: (-len(p[0]), p[0])))


@cache
def status_table(
    extra_words: tuple[tuple[str, tuple[str, ...]], ...] = (),
    extra_verbs: tuple[tuple[str, str], ...] = (),
    settings: str = "shishi.toml",
) -> StatusTable:
    """The package's table, plus the analyst's whole words and verbs (shishi.toml [statuses]).

    ``extra_words``: (status, words); ``extra_verbs``: (new verb, the known verb it reads like).
    The analyst's words come first, so they win over the package's. Both were validated when
    shishi.toml was read (metrics.config); a name that still does not fit is a programming error.
    """
    vocab = load_status_vocab()
    words: list[tuple[str, str]] = []
    for status, listed in extra_words:
        words += [(w, status) for w in listed]
    for status, listed in vocab["words"].items():
        words += [(w, status) for w in listed]
    for _, status in words:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r} in statuses.toml")
    families = {
        name: tuple((a, fam[a]) for a in ASPECTS if a in fam)
        for name, fam in vocab["families"].items()
    }
    verbs = dict(known_verbs())
    for verb, like in extra_verbs:
        verbs[verb] = verbs[like]
    markers = [(m, a) for a, listed in vocab["markers"].items() for m in listed]
    suffixes = [(s, a) for a, listed in vocab["suffixes"].items() for s in listed]
    return StatusTable(
        words=tuple((w.lower(), s) for w, s in words),
        markers=_longest_first(markers),
        suffixes=_longest_first(suffixes),
        unsure=tuple(vocab["unsure_before"]["words"]),
        verbs=_longest_first(list(verbs.items())),
        families=tuple(families.items()),
        settings=settings,
    )


def table_for(
    words: Mapping[str, Sequence[str]], verbs: Mapping[str, str], settings: str
) -> StatusTable:
    """:func:`status_table` from shishi.toml's [statuses] as RawConfig holds it."""
    return status_table(
        tuple((s, tuple(w)) for s, w in sorted(words.items()) if w),
        tuple(sorted(verbs.items())),
        settings,
    )


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Phrase:
    start: int
    end: int
    status: str | None  # None: the family gives this marker no meaning (未取消)


def _markers_before(text: str, end: int, table: StatusTable, floor: int) -> tuple[int, list[str]]:
    """(where the markers start, their aspects nearest the verb first) ending at ``end``."""
    aspects: list[str] = []
    while end > floor and len(aspects) < 3:
        hit = next(
            ((m, a) for m, a in table.markers if text.startswith(m, end - len(m), end)), None
        )
        if hit is None or end - len(hit[0]) < floor:
            break
        aspects.append(hit[1])
        end -= len(hit[0])
    return end, aspects


def _suffix_after(text: str, at: int, table: StatusTable) -> tuple[int, str | None]:
    for s, aspect in table.suffixes:
        if text.startswith(s, at):
            return at + len(s), aspect
    return at, None


def _aspect(before: list[str], after: str | None) -> str:
    """What the markers around a verb say, the one next to the verb first.

    A 未 next to the verb is not yet (全部未完成); a 未 further out over a 全部 or 基本 is part
    of it (未全部完成), as is a 未 over a done suffix (未办理完毕: begun, not finished).
    """
    if after == "not_yet":  # 认领失败: it did not happen
        return "not_yet"
    if "not_yet" in before:
        if before[0] == "not_yet":
            return "partial" if after == "done" else "not_yet"
        return "partial"
    if "partial" in before:
        return "partial"
    if "ongoing" in before or after == "ongoing":
        return "ongoing"
    return "done"


def _unsure(text: str, start: int, floor: int, table: StatusTable) -> bool:
    """An unsure word (无法, 计划) or a stray 未 / 待 earlier in the clause, before ``start``."""
    clause = text[floor:start]
    cut = max((m.end() for m in _CLAUSE_END.finditer(clause)), default=0)
    clause = clause[cut:]
    if any(w in clause for w in table.unsure):
        return True
    return any(m in clause for m, a in table.markers if a == "not_yet")


def _whole_words(text: str, table: StatusTable) -> list[_Phrase]:
    """Whole words the cell contains (two characters or more; 是 / 否 only as the whole cell)."""
    found: list[_Phrase] = []
    for word, status in table.words:
        if len(word) < 2:
            continue
        start = text.find(word)
        while start >= 0:
            if not any(p.start < start + len(word) and start < p.end for p in found):
                found.append(_Phrase(start, start + len(word), status))
            start = text.find(word, start + 1)
    return found


def _phrases(text: str, table: StatusTable) -> list[_Phrase]:
    """Every status phrase in the cell, left to right: whole words, then marker + verb."""
    found = _whole_words(text, table)
    families = dict(table.families)
    verbs = table.verbs
    i, floor = 0, 0
    while i < len(text):
        covered = next((p for p in found if p.start <= i < p.end), None)
        if covered is not None:
            i = floor = covered.end
            continue
        hit = next(((v, f) for v, f in verbs if text.startswith(v, i)), None)
        if hit is None:
            i += 1
            continue
        verb, family = hit
        start, before = _markers_before(text, i, table, floor)
        end, after = _suffix_after(text, i + len(verb), table)
        if len(verb) == 1 and not before and after is None:  # 办 alone inside other text
            i += 1
            continue
        if not _unsure(text, start, floor, table):
            status = dict(families[family]).get(_aspect(before, after))
            found.append(_Phrase(start, end, status))
        i = floor = end
    return found


@lru_cache(maxsize=1 << 12)
def read_status(text: str, table: StatusTable) -> Reading:
    """The status a normalized, lower-cased cell states (spaces removed), or why none.

    A cell equal to a whole word is that word's status. Otherwise every phrase counts: when
    they disagree, the longest wins (部分完成，部分未启动 is in progress) and a tie is
    ambiguous (已完成，已取消). A cell with no phrase - or with a phrase its family gives no
    meaning (未取消) - is unknown, and the nearest known word is named.
    """
    for word, status in table.words:
        if text == word:
            return Reading(status)
    phrases = _phrases(text, table)
    if not phrases or any(p.status is None for p in phrases):
        return Reading(None, "unknown", nearest_word(text, table))
    longest: dict[str, int] = {}
    for p in phrases:
        assert p.status is not None
        longest[p.status] = max(longest.get(p.status, 0), p.end - p.start)
    best = max(longest.values())
    top = tuple(s for s in STATUSES if longest.get(s) == best)
    if len(top) == 1:
        return Reading(top[0])
    return Reading(None, "ambiguous", mixed=top)


# --- the nearest known word ----------------------------------------------------------------------


@cache
def _known_words(table: StatusTable) -> tuple[str, ...]:
    """Words shishi reads: the whole words, and each verb with each marker its family knows."""
    families = dict(table.families)
    out = {w for w, _ in table.words if len(w) > 1}
    for verb, family in table.verbs:
        meanings = dict(families[family])
        for marker, aspect in table.markers:
            if aspect in meanings:
                out.add(marker + verb)
        for suffix, aspect in table.suffixes:
            if aspect in meanings:
                out.add(verb + suffix)
    return tuple(sorted(out))


def nearest_word(text: str, table: StatusTable) -> str:
    """The known word nearest an unknown one (已兑付 -> 已兑现), or "" when none is near.

    Among equally near words, the one sharing the longest beginning wins: 已兑付 is nearer
    已兑现 than 已交付.
    """
    if not text:
        return ""
    best: tuple[float, int, str] | None = None
    matcher = difflib.SequenceMatcher(b=text, autojunk=False)
    for word in _known_words(table):
        matcher.set_seq1(word)
        if matcher.real_quick_ratio() < 0.5 or matcher.quick_ratio() < 0.5:
            continue
        ratio = matcher.ratio()
        if ratio < 0.5:
            continue
        prefix = len(_common_prefix(word, text))
        key = (ratio, prefix, word)
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else ""


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]
