"""shishi.toml: the analyst's settings for a raw folder, validated before anything is read.

The file is optional. When it exists, every mistake in it - a misspelt section, ``[pin]``
written for ``[[pin]]``, ``header_row = "3"``, a string where a list belongs, a table name
that does not exist, full-width quotes - stops the run with one Chinese line per mistake that
names the file, the line, the key and the nearest valid spelling. Silently ignoring a setting
would give a report that looks right and is not.

The schema is a pydantic model per section (pydantic already comes with pandera); what the rest
of shishi reads is the plain :class:`RawConfig` built from it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from metrics.contract import TABLE_LABELS, TABLES, column_labels
from metrics.errors import ConfigError
from metrics.paths import DATA_DIR
from metrics.scope import unit_key

#: The settings file's name, in data/raw/ (and in a unit's subfolder).
CONFIG_NAME = "shishi.toml"
#: Files larger than this are refused with a message (override: max_file_mb).
MAX_FILE_MB = 200
#: An .xlsx whose parts unpack to more than this is treated as a zip bomb (max_unpacked_mb).
MAX_UNPACKED_MB = 1024
#: The largest max_file_mb / max_unpacked_mb a shishi.toml may set (64 GB: no office ledger
#: comes near; 1e308 overflowed the byte count).
MAX_SETTING_MB = 65536
#: The largest annual target or rate: beyond 1万亿 a figure is a typing error, not a goal.
MAX_FIGURE = 1e12
#: Arrays and inline tables nested deeper than this are refused before tomllib parses them
#: (tomllib recurses: 5,000 levels were a RecursionError).
MAX_TOML_DEPTH = 32

TableName = Literal["wishes", "donations", "purchases", "volunteering"]


@cache
def _header_vocab() -> dict[str, Any]:
    with (DATA_DIR / "headers.toml").open("rb") as fh:
        return tomllib.load(fh)


def amount_units() -> dict[str, float]:
    """Units an amount can be stated in (元, 万元, ...) -> multiplier to yuan."""
    return {k: float(v) for k, v in _header_vocab()["units"].items()}


def table_fields(table: str) -> list[str]:
    """The canonical fields a header of this table can be mapped to."""
    return list(_header_vocab()["tables"][table]["fields"])


def table_label(table: str) -> str:
    """A table kind's Chinese name (捐款捐物)."""
    return TABLE_LABELS[table]


def field_label(table: str, name: str) -> str:
    """A field's Chinese label: its first header spelling in headers.toml (捐赠方, 金额)."""
    synonyms = _header_vocab()["tables"][table]["fields"][name]["synonyms"]
    return str(synonyms[0]) if synonyms else name


def column_field(table: str, key: str) -> str | None:
    """The field a ``[[pin]] columns`` key names: a Chinese label or any header spelling of it
    in headers.toml (捐赠方, 捐赠人), or the canonical name (donor); None if none."""
    wanted = key.strip().lower()
    fields = _header_vocab()["tables"][table]["fields"]
    if wanted in fields:
        return wanted
    for name, fdef in fields.items():
        if any(str(s).strip().lower() == wanted for s in fdef["synonyms"]):
            return str(name)
    return None


def identifying_sets(table: str) -> list[list[str]]:
    """Field sets any one of which makes a table of this kind (headers.toml ``identify``, else
    its required fields that a header must name)."""
    tdef = _header_vocab()["tables"][table]
    if tdef.get("identify"):
        return [list(s) for s in tdef["identify"]]
    return [
        [n for n, f in tdef["fields"].items() if f.get("required") and not f.get("from_context")]
    ]


_COLUMN_LETTERS = re.compile(r"^[A-Za-z]{1,3}$")


def column_index(letters: str) -> int:
    """0-based index of an Excel column (A -> 0, AA -> 26)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - ord("A") + 1
    return n - 1


def column_letter(index: int) -> str:
    """The Excel letters of a 0-based column index (0 -> A, 26 -> AA)."""
    out = ""
    n = index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def ledger_names() -> dict[str, str]:
    """Every way shishi.toml may name a ledger -> its table: 捐款捐物, 捐款捐物登记, donations."""
    names = {table: table for table in TABLES}
    for table, label in TABLE_LABELS.items():
        names[label] = table
    names |= {"心愿清单台账": "wishes", "捐款捐物登记": "donations"}
    names |= {"志愿服务活动": "volunteering", "消费帮扶": "purchases"}
    return names


def ledger_table(name: str) -> str | None:
    """The table a ledger name in shishi.toml stands for (None if it names none)."""
    return ledger_names().get(str(name).strip())


@cache
def _header_words() -> dict[str, Any]:
    with (DATA_DIR / "header_words.toml").open("rb") as fh:
        return tomllib.load(fh)


def head_roles() -> dict[str, str]:
    """Kinds of head word a header can end with (date, amount, ...) -> their Chinese names."""
    words = _header_words()
    return {role: words["labels"].get(role, role) for role in words["heads"]}


#: Kinds of figure a unit in a header can be the unit of ([header_words.units.<kind>]).
UNIT_ROLES: dict[str, str] = {"amount": "金额（元）", "hours": "时长（小时）", "count": "人数"}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Pin(_Section):
    """``[[pin]]``: how one odd file (or one of its sheets) is to be read."""

    #: glob on the file name, or on its path inside the raw folder
    file: str
    #: only this sheet (default: every sheet of the file)
    sheet: str | None = None
    #: the table kind, when shishi would guess wrong
    table: TableName | None = None
    #: the header's row as Excel numbers it (1 = first row)
    header_row: int | None = Field(default=None, ge=1)
    #: amounts in this sheet are in this unit (万元, 千元, 元)
    unit: str | None = None
    #: leave this file or sheet out, knowingly
    skip: bool = False
    #: the date of every row, for lists that state none
    date: dt.date | None = None
    #: the period the file reports on (decides which version of a running ledger is newer)
    period: str | None = None
    #: the currency of the amounts (USD, 港币 ...), when the file does not say
    currency: str | None = None
    #: which column holds which field, for a sheet with no header row (or one whose header
    #: names nothing shishi knows): Excel column -> field label, { A = "日期", D = "金额" };
    #: needs ``table``, and ``first_row`` (no header row) or ``header_row``
    columns: dict[str, str] | None = None
    #: the first data row as Excel numbers it, for a sheet with no header row (with ``columns``)
    first_row: int | None = Field(default=None, ge=1)

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, value: str | None) -> str | None:
        if value is not None and value not in amount_units():
            raise ValueError(f"unit:{value}:{'、'.join(amount_units())}")
        return value

    @field_validator("period")
    @classmethod
    def _valid_period(cls, value: str | None) -> str | None:
        if value is not None:
            from metrics.errors import PeriodError
            from metrics.periods import Period

            try:
                Period.parse(value)
            except PeriodError as exc:
                raise ValueError(f"period:{value}:{exc.hint}") from exc
        return value

    @field_validator("columns")
    @classmethod
    def _known_columns(
        cls, value: dict[str, str] | None, info: ValidationInfo
    ) -> dict[str, str] | None:
        if value is None or "table" not in info.data:  # a wrong table is said on its own
            return value
        table = info.data["table"]
        if table is None:
            raise ValueError(
                'columns:写了 columns 就要写明是哪类台账，如 table = "donations"'
                "（wishes / donations / purchases / volunteering）"
            )
        problems: list[str] = []
        seen: dict[str, str] = {}  # field -> the column that named it
        labels = [field_label(table, f) for f in table_fields(table)]
        for letters, label in value.items():
            if not _COLUMN_LETTERS.match(letters):
                problems.append(f'「{letters}」应为 Excel 列字母，如 B = "{label}"')
                continue
            name = column_field(table, label)
            if name is None:
                near = difflib.get_close_matches(label, labels, n=1, cutoff=0.3)
                problems.append(
                    f"{letters.upper()} 列的「{label}」不是{table_label(table)}的一项"
                    + (f"，是不是「{near[0]}」？" if near else "；")
                    + f"可用：{'、'.join(labels)}"
                )
                continue
            if name in seen:
                problems.append(f"{seen[name]} 列和 {letters.upper()} 列都写成了「{label}」")
            seen[name] = letters.upper()
        sets = identifying_sets(table)
        if not problems and not any(set(s) <= set(seen) for s in sets):
            need = min(sets, key=lambda s: len(set(s) - set(seen)))
            missing = "」「".join(field_label(table, f) for f in need if f not in seen)
            problems.append(
                f"还缺少「{missing}」：{table_label(table)}至少要有 "
                + " 和 ".join(field_label(table, f) for f in need)
            )
        if problems:
            raise ValueError("columns:" + "；".join(problems))
        return value

    @model_validator(mode="after")
    def _where_rows_start(self) -> Pin:
        if self.first_row is not None and not self.columns:
            raise ValueError(
                "columns:first_row（数据从第几行开始）只和 columns 一起用；"
                "有表头的表格写 header_row"
            )
        if self.columns and (self.first_row is None) == (self.header_row is None):
            raise ValueError(
                "columns:写了 columns，还要写明数据从哪里开始：没有表头行时写 first_row = 数据的"
                "第一行（Excel 行号），有表头行时写 header_row，二者只写一个"
            )
        return self

    def column_fields(self) -> dict[str, int]:
        """Field -> 0-based column index of a pin with ``columns`` (validated: all known)."""
        if not self.columns or self.table is None:
            return {}
        out: dict[str, int] = {}
        for letters, label in self.columns.items():
            name = column_field(self.table, label)
            if name is not None:
                out[name] = column_index(letters)
        return out

    def applies(self, file: str, sheet: str) -> bool:
        name_ok = fnmatch.fnmatch(file, self.file) or fnmatch.fnmatch(Path(file).name, self.file)
        return name_ok and (self.sheet is None or self.sheet == sheet)


class UnitSection(_Section):
    """``[unit]``: the reporting unit of this folder."""

    #: the name on the report's cover
    name: str | None = None
    #: the unit's branches or offices (drop-downs in the templates, one template each)
    branches: list[str] = []
    #: this folder holds the invented sample data, not a real unit's
    sample: bool = False

    @field_validator("name")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        return _printable_name(value)


#: The headline figures an annual target can be set for ([targets] key -> its label). The
#: report's own list (reporting.kpi.HEADLINES) holds the same keys; a test keeps them equal.
TARGET_KEYS = {
    "wishes_resolved": "心愿项目办结数（项）",
    "donations_yuan": "捐款捐物金额（元）",
    "purchases_enterprise_yuan": "企业消费帮扶采购（元）",
    "purchases_individual_yuan": "干部职工自费采购（元）",
    "volunteer_activities": "志愿服务活动（次）",
    "volunteer_person_times": "志愿服务参与人次",
}
#: ``[[units]] folder = "."``: the ledgers at the top of the raw folder (a group's own 机关).
TOP_FOLDER = "."


def _figure_code(key: str, number: float) -> str:
    """The mistake code of a target or rate that is not a finite number in (0, MAX_FIGURE]."""
    if not math.isfinite(number):
        return f"finite:{key}:{number}"
    if number <= 0:
        return f"positive:{key}:{number}"
    if number > MAX_FIGURE:
        return f"too_large:{key}:{number:g}"
    return ""


#: Characters a name on a report may not hold: controls (newline, ESC), format characters
#: (bidi overrides, zero-width), line and paragraph separators, surrogates, private use.
_UNPRINTABLE = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co"}


def _printable_name(value: str | None) -> str | None:
    """A unit's name goes on covers, sheet names and folder names: printable characters only."""
    if value is None:
        return value
    bad = [c for c in value if unicodedata.category(c) in _UNPRINTABLE]
    if bad:
        raise ValueError("printable:" + "".join(dict.fromkeys(f"U+{ord(c):04X}" for c in bad)))
    return value


def _check_targets(value: dict[str, float]) -> dict[str, float]:
    """Every unknown key and every number not above zero, each its own line (see _explain)."""
    codes = [f"target:{key}" for key in value if key not in TARGET_KEYS]
    codes += [_figure_code(key, number) for key, number in value.items()]
    codes = [c for c in codes if c]
    if codes:
        raise ValueError("|".join(codes))
    return value


class BranchSection(_Section):
    """``[[branch]]``: what one of ``[unit] branches`` never sends, so it is never 未收到."""

    #: the branch, as written in [unit] branches
    name: str
    #: ledgers it never sends: 心愿清单 / 捐款捐物 / 消费帮扶 / 志愿服务 (or the table names)
    never_sends: list[str] = []

    @field_validator("never_sends")
    @classmethod
    def _known_ledgers(cls, value: list[str]) -> list[str]:
        tables = []
        for ledger in value:
            table = ledger_table(ledger)
            if table is None:
                raise ValueError(f"ledger:{ledger}")
            tables.append(table)
        return tables


class UnitDecl(_Section):
    """``[[units]]``: a unit of the group - a subfolder holding its files, or ``folder = "."``
    for the ledgers at the top of the raw folder (the group's own 机关本部)."""

    folder: str
    name: str
    #: this unit's own annual targets (without them its report shows none, never the group's)
    targets: dict[str, float] = {}

    @field_validator("targets")
    @classmethod
    def _known_targets(cls, value: dict[str, float]) -> dict[str, float]:
        return _check_targets(value)

    @field_validator("name")
    @classmethod
    def _printable(cls, value: str) -> str | None:
        return _printable_name(value)

    @property
    def is_top(self) -> bool:
        return self.folder.strip().strip("/") in ("", TOP_FOLDER)


@cache
def _status_verbs() -> dict[str, str]:
    """verb -> family, from data/statuses.toml (what a new verb may be read like)."""
    with (DATA_DIR / "statuses.toml").open("rb") as fh:
        families = tomllib.load(fh)["families"]
    return {v: name for name, fam in families.items() for v in fam["verbs"]}


class StatusSection(_Section):
    """``[statuses]``: the unit's own words for 办理进度 (data/statuses.toml has the rules)."""

    #: whole words, as the whole cell: resolved = ["验收合格"]
    resolved: list[str] = []
    in_progress: list[str] = []
    pending: list[str] = []
    cancelled: list[str] = []
    #: a verb shishi does not know, read like one it knows: verbs = { 兑付 = "兑现" }
    verbs: dict[str, str] = {}

    @field_validator("resolved", "in_progress", "pending", "cancelled")
    @classmethod
    def _words(cls, value: list[str]) -> list[str]:
        for word in value:
            if not word.strip():
                raise ValueError("status_word")
        return [w.strip() for w in value]

    @field_validator("verbs")
    @classmethod
    def _known_verbs(cls, value: dict[str, str]) -> dict[str, str]:
        known = _status_verbs()
        for verb, like in value.items():
            if not verb.strip():
                raise ValueError("status_word")
            if like not in known:
                raise ValueError(f"verb:{verb}:{like}")
        return value


class HeaderWords(_Section):
    """``[header_words]``: words that teach shishi to read headers by their parts
    (data/header_words.toml): head words by kind, ledger words, units."""

    #: kind -> words a header of that kind ends with (date = ["年月日"])
    heads: dict[str, list[str]] = {}
    #: ledger -> words that say a header or a sheet is about it (donations = ["义捐"])
    ledgers: dict[TableName, list[str]] = {}
    #: kind -> {unit: how many of the kind's own unit one is} (amount: "百元" = 100)
    units: dict[str, dict[str, float]] = {}
    #: start / end -> words saying which end of a span a date is (start = ["启"])
    span: dict[str, list[str]] = {}
    #: leader / participant -> words before a person word (者, 人员) that give its part
    #: (leader = ["督导"]: 督导人 led; participant = ["服务"]: 服务人员 took part)
    agents: dict[str, list[str]] = {}
    #: endings of a spanning label that make it a group of columns (活动概要 over 名称)
    groups: list[str] = []

    @field_validator("agents")
    @classmethod
    def _agent_parts(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for part, words in value.items():
            if part not in _header_words()["agents"]:  # the parts header_words.toml has
                raise ValueError(f"agent_part:{part}")
            _no_blank(words, part)
        return value

    @field_validator("groups")
    @classmethod
    def _group_words(cls, value: list[str]) -> list[str]:
        _no_blank(value, "groups")
        return value

    @field_validator("heads")
    @classmethod
    def _known_roles(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for role, words in value.items():
            if role not in head_roles():
                raise ValueError(f"role:{role}")
            _no_blank(words, role)
        return value

    @field_validator("ledgers")
    @classmethod
    def _ledger_words(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for table, words in value.items():
            _no_blank(words, table)
        return value

    @field_validator("span")
    @classmethod
    def _span_ends(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for end, words in value.items():
            if end not in ("start", "end"):
                raise ValueError(f"span_end:{end}")
            _no_blank(words, end)
        return value

    @field_validator("units")
    @classmethod
    def _known_units(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for role, units in value.items():
            if role not in UNIT_ROLES:
                raise ValueError(f"unit_role:{role}")
            for unit, number in units.items():
                if not unit.strip():
                    raise ValueError(f"blank:{role}")
                if not (math.isfinite(number) and number > 0):
                    raise ValueError(f"unit_positive:{unit}:{number}")
        return value


def _no_blank(words: list[str], where: str) -> None:
    if any(not w.strip() for w in words):
        raise ValueError(f"blank:{where}")


class ConfigFile(_Section):
    """Everything shishi.toml may hold, section by section."""

    unit: UnitSection = UnitSection()
    units: list[UnitDecl] = []
    branch: list[BranchSection] = []
    headers: dict[TableName, dict[str, list[str]]] = {}
    header_words: HeaderWords = HeaderWords()
    pin: list[Pin] = []
    #: yuan per unit of a foreign currency (USD = 7.1); without one, such amounts stay out of sums
    rates: dict[str, float] = {}
    #: annual targets per KPI (purchases_enterprise_yuan = 600000)
    targets: dict[str, float] = {}
    statuses: StatusSection = StatusSection()
    max_file_mb: float = Field(default=MAX_FILE_MB, gt=0, le=MAX_SETTING_MB, allow_inf_nan=False)
    max_unpacked_mb: float = Field(
        default=MAX_UNPACKED_MB, gt=0, le=MAX_SETTING_MB, allow_inf_nan=False
    )

    @field_validator("headers")
    @classmethod
    def _known_fields(cls, value: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
        for table, fields in value.items():
            for name in fields:
                if name not in table_fields(table):
                    raise ValueError(f"field:{table}:{name}")
        return value

    @field_validator("branch")
    @classmethod
    def _declared_branches(
        cls, value: list[BranchSection], info: ValidationInfo
    ) -> list[BranchSection]:
        unit = info.data.get("unit")
        listed = list(unit.branches) if isinstance(unit, UnitSection) else []
        for i, b in enumerate(value):
            if b.name not in listed:
                raise ValueError(f"branch:{i}:{b.name}:{'、'.join(listed)}")
        return value

    @field_validator("rates")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        codes = [c for key, number in value.items() if (c := _figure_code(key, number))]
        if codes:
            raise ValueError("|".join(codes))
        return value

    @field_validator("targets")
    @classmethod
    def _known_targets(cls, value: dict[str, float]) -> dict[str, float]:
        return _check_targets(value)


@dataclass
class RawConfig:
    """The settings the rest of shishi reads (defaults when there is no shishi.toml)."""

    unit_name: str | None = None
    branches: list[str] = field(default_factory=list)
    #: branch -> tables it never sends ([[branch]] never_sends, read as table names)
    never_sends: dict[str, list[str]] = field(default_factory=dict)
    sample: bool = False
    units: list[UnitDecl] = field(default_factory=list)
    extra_headers: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: [header_words]: head words, ledger words and units the analyst added
    header_words: dict[str, Any] = field(default_factory=dict)
    pins: list[Pin] = field(default_factory=list)
    rates: dict[str, float] = field(default_factory=dict)
    targets: dict[str, float] = field(default_factory=dict)
    #: the unit's own status words (status -> words) and verbs (new verb -> the known one)
    status_words: dict[str, list[str]] = field(default_factory=dict)
    status_verbs: dict[str, str] = field(default_factory=dict)
    max_file_mb: float = MAX_FILE_MB
    max_unpacked_mb: float = MAX_UNPACKED_MB
    #: where the settings were read from (None: defaults)
    path: Path | None = None
    #: where the settings are, or would be written: what every hint tells the analyst to edit
    settings_file: Path = Path(CONFIG_NAME)

    def pin_for(self, file: str, sheet: str) -> Pin | None:
        """The last ``[[pin]]`` that applies (a later, more specific pin wins)."""
        hits = [p for p in self.pins if p.applies(file, sheet)]
        return hits[-1] if hits else None

    @classmethod
    def from_file(cls, parsed: ConfigFile, path: Path | None = None) -> RawConfig:
        return cls(
            unit_name=parsed.unit.name,
            branches=list(parsed.unit.branches),
            never_sends={b.name: list(b.never_sends) for b in parsed.branch},
            sample=parsed.unit.sample,
            units=list(parsed.units),
            extra_headers={t: dict(f) for t, f in parsed.headers.items()},
            header_words={k: v for k, v in parsed.header_words.model_dump().items() if v},
            pins=list(parsed.pin),
            rates=dict(parsed.rates),
            targets=dict(parsed.targets),
            status_words={
                k: list(getattr(parsed.statuses, k))
                for k in ("resolved", "in_progress", "pending", "cancelled")
                if getattr(parsed.statuses, k)
            },
            status_verbs=dict(parsed.statuses.verbs),
            max_file_mb=parsed.max_file_mb,
            max_unpacked_mb=parsed.max_unpacked_mb,
            path=path,
            **({"settings_file": path} if path is not None else {}),
        )


def load_config(raw_dir: Path) -> RawConfig:
    """``raw_dir/shishi.toml`` validated, or the defaults when there is none."""
    path = Path(raw_dir) / CONFIG_NAME
    if not path.is_file():
        return RawConfig(settings_file=path)
    return parse_config(path.read_bytes(), path)


def parse_config(data: bytes, path: Path) -> RawConfig:
    """Settings from the bytes of a shishi.toml; every mistake is one ConfigError."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            "配置文件不是 UTF-8 编码",
            "请用记事本或 VS Code 打开，另存为“UTF-8”编码后重试",
            path=path,
        ) from exc
    if (deep := nesting_too_deep(text)) is not None:
        raise _too_deep(path, deep)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_syntax_error(exc, text, path) from exc
    except RecursionError as exc:  # a nesting the scan did not see: never a traceback
        raise _too_deep(path, None) from exc
    try:
        parsed = ConfigFile.model_validate(raw)
    except ValidationError as exc:
        lines = [one for err in exc.errors() for one in _explain(err, raw, text).split("\n    ")]
        raise ConfigError(
            f"配置文件有 {len(lines)} 处问题：\n    " + "\n    ".join(lines),
            f"按上面的提示修改 {path} 后重新运行；写法见 README.md「八、本单位的设置 shishi.toml」",
            path=path,
        ) from exc
    lines = _unit_mistakes(parsed, text)
    if lines:
        raise ConfigError(
            f"配置文件有 {len(lines)} 处问题：\n    " + "\n    ".join(lines),
            f"按上面的提示修改 {path} 后重新运行；写法见 README 第六节「单位要声明」",
            path=path,
        )
    return RawConfig.from_file(parsed, path)


#: What nests in TOML, and what hides brackets from the count (strings, comments).
_TOML_TOKEN = re.compile(
    r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}\n]',
    re.S,
)


def nesting_too_deep(text: str, limit: int = MAX_TOML_DEPTH) -> int | None:
    """The line where arrays or inline tables nest deeper than ``limit``, else None.

    tomllib parses nesting by recursion, so 5,000 levels are a RecursionError; the brackets
    are counted first (outside strings and comments), in one pass over the text.
    """
    if text.count("[") + text.count("{") <= limit:
        return None
    depth, line = 0, 1
    for m in _TOML_TOKEN.finditer(text):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return line
        elif token in "]}":
            depth = max(depth - 1, 0)
        elif token == "\n":
            line += 1
        else:
            line += token.count("\n")  # a multi-line string
    return None


def _too_deep(path: Path, line: int | None) -> ConfigError:
    where = f"第 {line} 行：" if line else ""
    return ConfigError(
        f"{where}列表或 {{ }} 嵌套超过 {MAX_TOML_DEPTH} 层，不是 shishi.toml 的写法",
        'shishi.toml 的列表只有一层，如 branches = ["卷包车间", "制丝车间"]；'
        "请删去多余的方括号或花括号",
        path=path,
    )


def declaration_line(path: Path | None, loc: tuple[Any, ...]) -> int | None:
    """The line of a shishi.toml where a setting stands (``("unit", "name")``, or
    ``("units", 2, "name")`` for the third [[units]]), best effort; None when unknown."""
    if path is None or not Path(path).is_file():
        return None
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    return _line_of(loc, text)


def _unit_mistakes(parsed: ConfigFile, text: str) -> list[str]:
    """Units declared twice, or under the group's own name: each would merge two units' figures
    (or hide the whole group behind one unit's ledgers).

    Names are compared as reports and folders compare them (scope.unit_key: NFKC, case
    folded, without spaces): ＡＢ车间, ab车间 and AB 车间 are one name.
    """
    out: list[str] = []
    group = unit_key(parsed.unit.name or "")
    names: dict[str, str] = {}  # key -> the first declaration, said with its line
    folders: dict[str, int] = {}
    for i, decl in enumerate(parsed.units):
        at = _line_of(("units", i, "name"), text)
        where = (f"第 {at} 行 " if at else "") + f"「units.name = {decl.name}」"
        folder = TOP_FOLDER if decl.is_top else decl.folder.strip().strip("/")
        key = unit_key(decl.name)
        if not key:
            out.append(f"{where}：单位名称不能为空")
        elif group and key == group:
            out.append(
                f"{where}：与 [unit] name（整个集团）同名；集团的报告包含所有单位，"
                f"请给这个单位另起名称，例如「{decl.name}机关本部」"
            )
        elif key in names:
            out.append(
                f"{where}：与{names[key]}同名（只差全角半角、大小写或空格也是同名），"
                "两个单位的数字会被合在一起；请给每个单位明显不同的名称"
            )
        names.setdefault(key, where)
        if folder in folders:
            at = _line_of(("units", i, "folder"), text)
            what = '顶层台账（folder = "."）' if folder == TOP_FOLDER else f"文件夹「{folder}」"
            out.append(
                (f"第 {at} 行 " if at else "")
                + f"「units.folder」：{what}声明了两次；每个文件夹只能属于一个单位"
            )
        folders.setdefault(folder, i)
    return out


# --- explaining mistakes -------------------------------------------------------------------

_FULL_WIDTH = "“”‘’＝［］，："
_TOML_MESSAGES = {
    "Invalid value": "值的写法有误（文字要用英文双引号括起来，数字不加引号）",
    "Expected '=' after a key in a key/value pair": "设置项后面缺少“=”",
    "Cannot overwrite a value": "同一设置项写了两次",
    "Cannot declare": "同一节（方括号标题）写了两次",
    "Invalid statement": "这一行不是“设置项 = 值”的写法",
    "Unclosed array": "列表的方括号没有闭合",
    "Unbalanced quotes": "引号没有成对",
    "Illegal character": "含有不允许的字符",
    "Invalid initial character for a key part": "设置项名称的写法有误",
    "Expected newline or end of document after a statement": "一行只能写一个设置项",
}


def toml_syntax_error(exc: tomllib.TOMLDecodeError, text: str, path: Path) -> ConfigError:
    """A TOML syntax error in Chinese, with the line, and the fix for full-width punctuation."""
    message = str(exc)
    m = re.search(r"\(at line (\d+), column (\d+)\)", message)
    line_no = int(m.group(1)) if m else None
    english = message[: m.start()].strip() if m else message
    reason = next((cn for en, cn in _TOML_MESSAGES.items() if english.startswith(en)), None)
    reason = reason or f"语法错误（{english}）"
    lines = text.splitlines()
    line = lines[line_no - 1] if line_no and line_no <= len(lines) else ""
    hint = 'TOML 写法：设置项 = "文字"，数字不加引号，列表写成 ["甲", "乙"]'
    wide = sorted({c for c in line if c in _FULL_WIDTH})
    key = line.split("=", 1)[0].strip() if "=" in line else ""
    if key and not key.startswith(('"', "'", "[")) and not key.isascii() and not wide:
        hint = f'设置项名称「{key}」含中文，要用英文双引号括起来：写成 "{key}" = …'
    elif english.startswith("Invalid initial character for a key part") and re.search(
        r"(?:^|[{,])\s*[^\x00-\x7f]", line
    ):
        hint = '中文的设置项名称要用英文双引号括起来，例如 verbs = { "兑付" = "兑现" }'
    elif wide:
        hint = (
            f'这一行用了中文标点 {" ".join(wide)}：请改成英文半角的 " = [ ] , :'
            "（输入法切换到英文后重新输入）"
        )
    where = f"第 {line_no} 行「{line.strip()}」：" if line_no else ""
    return ConfigError(f"{where}{reason}", hint, path=path)


#: pydantic error types told by one sentence: (types, what to write after「key」：).
_SIMPLE_KINDS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"missing"}), '缺少必填项（每个 [[pin]] 都要写 file = "文件名"）'),
    (
        frozenset({"int_type", "int_parsing", "int_from_float"}),
        "应为整数，不加引号，例如 {last} = 3（现在是 {value!r}）",
    ),
    (
        frozenset({"float_type", "float_parsing"}),
        "应为数字，不加引号，例如 {last} = 7.1（现在是 {value!r}）",
    ),
    (frozenset({"finite_number"}), "应为有限的数字，不能是 nan 或 inf（现在是 {value!r}）"),
    (frozenset({"bool_type"}), "应为 true 或 false（小写、不加引号）"),
    (frozenset({"string_type"}), "应为文字，用英文双引号括起来（现在是 {value!r}）"),
    (frozenset({"greater_than_equal"}), "不能小于 {ge:g}（现在是 {value!r}）"),
    (frozenset({"greater_than"}), "应大于 {gt:g}（现在是 {value!r}）"),
    (frozenset({"less_than_equal"}), "不能大于 {le:g}（现在是 {value!r}）"),
)


def _explain(err: Any, raw: dict[str, Any], text: str) -> str:
    """One Chinese line for one pydantic error: where (line, key), what is wrong, the fix."""
    loc = tuple(err["loc"])
    kind = err["type"]
    value = err.get("input")
    key = ".".join(str(p) for p in loc if not isinstance(p, int))
    line = _line_of(loc, text)
    where = (f"第 {line} 行 " if line else "") + f"「{key}」"
    ctx = err.get("ctx", {})
    for kinds, template in _SIMPLE_KINDS:
        if kind in kinds:
            limits = {k: ctx.get(k, 0) for k in ("ge", "gt", "le")}
            return f"{where}：" + template.format(last=loc[-1], value=value, **limits)
    if kind == "extra_forbidden":
        return f"{where}：没有这个设置项{_nearest(loc[-1], _allowed_at(loc))}"
    if kind == "value_error":
        return _explain_value_errors(str(ctx.get("error", "")), loc, key, line, text)
    if kind == "literal_error":
        return _explain_literal(str(value), loc, where, text)
    return _explain_shape(kind, loc, key, value, where) or f"{where}：{err['msg']}"


def _explain_shape(kind: str, loc: tuple[Any, ...], key: str, value: Any, where: str) -> str:
    """A date, a list or a section written as something else ("" when kind is none of them)."""
    if kind == "date_type" or kind.startswith("date"):
        return f"{where}：应为日期，不加引号，例如 date = 2024-10-05"
    if kind == "list_type":
        if loc[:1] in {("pin",), ("units",), ("branch",)} and isinstance(value, dict):
            return f"{where}：要写成 [[{loc[0]}]]（两层方括号），每一项一段"
        return f'{where}：应为列表，例如 {loc[-1]} = ["{value}"]（现在是 {value!r}）'
    if kind == "dict_type" and loc[-1] == "columns":
        return f'{where}：应写成 {{ A = "日期", B = "捐赠方", D = "金额" }}（列字母 = 哪一项）'
    if kind in {"dict_type", "model_type"}:
        return f"{where}：应为一节设置（[{key}]），现在是 {value!r}"
    return ""


def _explain_literal(bad: str, loc: tuple[Any, ...], where: str, text: str) -> str:
    """A table name that does not exist, as a value or used as a key."""
    if loc[:2] == ("header_words", "ledgers"):  # a ledger name used as a key
        at = _line_of(("header_words", "ledgers", bad), text)
        return (
            f"第 {at} 行 " if at else ""
        ) + f"「header_words.ledgers.{bad}」：没有这个台账{_nearest(bad, list(TABLES))}"
    if len(loc) >= 2 and loc[0] == "headers":  # a table name used as a key
        at = _line_of(("headers", bad, None), text)
        return (
            f"第 {at} 行 " if at else ""
        ) + f"「headers.{bad}」：没有这个表格类型{_nearest(bad, list(TABLES))}"
    return f"{where}：没有「{bad}」这个表格类型{_nearest(bad, list(TABLES))}"


#: Mistake codes that name one key of a section: each is said at that key's own line.
_KEYED_CODES = ("target:", "positive:", "finite:", "too_large:")


def _explain_value_errors(
    error: str, loc: tuple[Any, ...], key: str, line: int | None, text: str
) -> str:
    """Our validators' codes ("target:x|positive:y:-1"), one line each."""
    lines = []
    for code in error.split("|"):
        at = line
        if code.startswith(_KEYED_CODES):  # name the key's own line
            at = _line_of((*loc, code.split(":")[1]), text) or line
        lines.append(_explain_value_error(code, (f"第 {at} 行 " if at else "") + f"「{key}」"))
    return "\n    ".join(lines)


def _field_mistake(table: str, name: str) -> str:
    labels = column_labels(table)
    fields = table_fields(table)
    close = difflib.get_close_matches(name, fields, n=1, cutoff=0.5)

    def said(key: str) -> str:  # the key to write, then the column it stands for
        return f"「{key}」（{labels.get(key, key)}）"

    return f"「headers.{table}.{name}」：{TABLE_LABELS[table]}台账没有「{name}」这一列" + (
        f"；是不是{said(close[0])}？"
        if close
        else f"；可用的有：{'、'.join(said(f) for f in fields)}"
    )


def _verb_mistake(verb: str, like: str) -> str:
    return (
        f"「statuses.verbs.{verb}」：「{like}」不是认得的动词，{verb} 要照一个认得的动词来读"
        f"{_nearest(like, sorted(_status_verbs()))}"
    )


def _ledger_mistake(where: str, ledger: str) -> str:
    names = ["心愿清单", "捐款捐物", "消费帮扶", "志愿服务"]
    return f"{where}：没有「{ledger}」这类台账{_nearest(ledger, names)}"


def _branch_mistake(index: str, branch: str, listed_text: str) -> str:
    listed = listed_text.split("、") if listed_text else []
    return (
        f"第 {int(index) + 1} 个 [[branch]]：部门「{branch}」不在 [unit] branches 中"
        + (_nearest(branch, listed) if listed else "；[unit] branches 是空的")
        + "（两处的部门名称要一字不差）"
    )


def _target_mistake(where: str, key: str) -> str:
    known = "、".join(f"{k}（{v}）" for k, v in TARGET_KEYS.items())
    close = difflib.get_close_matches(key, list(TARGET_KEYS), n=1, cutoff=0.5)
    guess = f"是不是「{close[0]}」？" if close else ""
    return f"{where}.{key}：没有这个指标；{guess}可用的有：{known}"


def _role_mistake(where: str, role: str) -> str:
    roles = head_roles()
    close = difflib.get_close_matches(role, list(roles), n=1, cutoff=0.5)
    hint = (
        f"是不是「{close[0]}」（{roles[close[0]]}）？"
        if close
        else "可用：" + "、".join(f"{k}（{v}）" for k, v in roles.items())
    )
    return f"{where}：没有「{role}」这种表头词；{hint}"


def _unprintable_mistake(where: str, codes: str) -> str:
    return (
        f"{where}：名称含有不可见的控制字符（{codes.replace('U+', ' U+').strip()}，"
        "如换行、ESC 或改变文字方向的字符），会弄乱报告和终端的显示；请删去，只保留看得见的文字"
    )


#: Our validators' codes: name -> (how many parts after the name, the sentence).
_VALUE_ERRORS: dict[str, tuple[int | None, Any]] = {
    "unit": (2, lambda w, unit, known: f"{w}：不认识的金额单位「{unit}」；可用：{known}"),
    "field": (2, lambda w, table, name: _field_mistake(table, name)),
    "verb": (2, lambda w, verb, like: _verb_mistake(verb, like)),
    "status_word": (None, lambda w, *rest: f"{w}：不能是空白的词"),
    "columns": (None, lambda w, *rest: f"{w}：{':'.join(rest)}"),
    "ledger": (1, _ledger_mistake),
    "branch": (3, lambda w, *rest: _branch_mistake(*rest)),
    "positive": (2, lambda w, key, number: f"{w}.{key}：应为正数（现在是 {number}）"),
    "finite": (
        2,
        lambda w, key, number: f"{w}.{key}：应为有限的数字，不能是 nan 或 inf（现在是 {number}）",
    ),
    "too_large": (
        2,
        lambda w, key, number: (
            f"{w}.{key}：{number} 超出合理范围（最多 1万亿）；请核对是否多打了数字"
        ),
    ),
    "target": (1, _target_mistake),
    "role": (1, _role_mistake),
    "unit_positive": (2, lambda w, unit, n: f"{w}：单位「{unit}」应为正数（现在是 {n}）"),
    "unit_role": (
        1,
        lambda w, role: (
            f"{w}：「{role}」不能写单位；单位只能用于 "
            + "、".join(f"{k}（{v}）" for k, v in UNIT_ROLES.items())
        ),
    ),
    "span_end": (
        1,
        lambda w, end: f"{w}：没有「{end}」；只能写 start（开始的一端）或 end（结束的一端）",
    ),
    "agent_part": (
        1,
        lambda w, part: (
            f"{w}：没有「{part}」；只能写 leader（组织、带队的人）或 participant（参加的人）"
        ),
    ),
    "blank": (1, lambda w, where: f"{w}：「{where}」的列表里有空白的词，请删去"),
    "printable": (1, _unprintable_mistake),
}


def _explain_value_error(code: str, where: str) -> str:
    """One of our validators' codes (kind:part:part) as one Chinese line."""
    name, *parts = code.split(":")
    if name == "period" and parts:
        return f"{where}：无法识别的期间「{parts[0]}」；{':'.join(parts[1:])}"
    arity, say = _VALUE_ERRORS.get(name, (-1, None))
    if say is None or (arity is not None and len(parts) != arity):
        return f"{where}：{code}"
    return str(say(where, *parts))


def _allowed_at(loc: tuple[Any, ...]) -> list[str]:
    """The keys that are valid where an unknown key was found."""
    model: type[BaseModel] = ConfigFile
    parts = [p for p in loc[:-1] if not isinstance(p, int)]
    if parts[:1] == ["headers"]:
        return list(TABLES) if len(parts) == 1 else table_fields(str(parts[1]))
    if parts[:1] == ["header_words"] and len(parts) > 1:
        if parts[1] == "ledgers":
            return list(TABLES)
        return list(head_roles()) if parts[1] == "heads" else list(UNIT_ROLES)
    nested: dict[str, type[BaseModel]] = {
        "unit": UnitSection,
        "units": UnitDecl,
        "pin": Pin,
        "statuses": StatusSection,
        "branch": BranchSection,
        "header_words": HeaderWords,
    }
    if parts and parts[0] in nested:
        model = nested[parts[0]]
    return list(model.model_fields)


def _nearest(word: object, choices: list[str]) -> str:
    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.5)
    if close:
        return f"；是不是「{close[0]}」？"
    return f"；可用的有：{'、'.join(choices)}"


def _line_of(loc: tuple[Any, ...], text: str) -> int | None:
    """The line of the file a validation error points at (best effort: TOML keeps no positions)."""
    lines = text.splitlines()
    section, start = loc[0], 0
    if len(loc) > 1 and isinstance(loc[1], int):  # the n-th [[pin]] / [[units]] block
        headers = [i for i, s in enumerate(lines) if re.match(rf"\s*\[\[\s*{section}\s*\]\]", s)]
        if loc[1] < len(headers):
            start = headers[loc[1]]
        key = loc[2] if len(loc) > 2 else None
    else:
        dotted = ".".join(str(p) for p in loc[:-1])
        header = [
            i
            for i, s in enumerate(lines)
            if re.match(rf"\s*\[+\s*{re.escape(dotted or str(section))}\s*\]+", s)
        ]
        if header:
            start = header[0]
            if not dotted:
                return start + 1
        key = loc[-1]
    if key is None:
        return start + 1
    for i in range(start, len(lines)):
        if i > start and lines[i].lstrip().startswith("["):
            break
        if re.match(rf"\s*[\"']?{re.escape(str(key))}[\"']?\s*=", lines[i]):
            return i + 1
    return start + 1 if start else None
