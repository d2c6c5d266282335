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
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from metrics.contract import TABLES
from metrics.errors import ConfigError
from metrics.paths import DATA_DIR

#: The settings file's name, in data/raw/ (and in a unit's subfolder).
CONFIG_NAME = "shishi.toml"
#: Files larger than this are refused with a message (override: max_file_mb).
MAX_FILE_MB = 200
#: An .xlsx whose parts unpack to more than this is treated as a zip bomb (max_unpacked_mb).
MAX_UNPACKED_MB = 1024

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


class UnitDecl(_Section):
    """``[[units]]``: a subfolder of the raw folder that holds another unit's files."""

    folder: str
    name: str


class HeaderWords(_Section):
    """``[header_words]``: words that teach shishi to read headers by their parts
    (data/header_words.toml): head words by kind, ledger words, units."""

    #: kind -> words a header of that kind ends with (date = ["年月日"])
    heads: dict[str, list[str]] = {}
    #: ledger -> words that say a header or a sheet is about it (donations = ["义捐"])
    ledgers: dict[TableName, list[str]] = {}
    #: kind -> {unit: how many of the kind's own unit one is} (amount: "百元" = 100)
    units: dict[str, dict[str, float]] = {}

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

    @field_validator("units")
    @classmethod
    def _known_units(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for role, units in value.items():
            if role not in UNIT_ROLES:
                raise ValueError(f"unit_role:{role}")
            for unit, number in units.items():
                if not unit.strip():
                    raise ValueError(f"blank:{role}")
                if number <= 0:
                    raise ValueError(f"unit_positive:{unit}:{number}")
        return value


def _no_blank(words: list[str], where: str) -> None:
    if any(not w.strip() for w in words):
        raise ValueError(f"blank:{where}")


class ConfigFile(_Section):
    """Everything shishi.toml may hold, section by section."""

    unit: UnitSection = UnitSection()
    units: list[UnitDecl] = []
    headers: dict[TableName, dict[str, list[str]]] = {}
    header_words: HeaderWords = HeaderWords()
    pin: list[Pin] = []
    #: yuan per unit of a foreign currency (USD = 7.1); without one, such amounts stay out of sums
    rates: dict[str, float] = {}
    #: annual targets per KPI (purchases_enterprise_yuan = 600000)
    targets: dict[str, float] = {}
    max_file_mb: float = Field(default=MAX_FILE_MB, gt=0)
    max_unpacked_mb: float = Field(default=MAX_UNPACKED_MB, gt=0)

    @field_validator("headers")
    @classmethod
    def _known_fields(cls, value: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
        for table, fields in value.items():
            for name in fields:
                if name not in table_fields(table):
                    raise ValueError(f"field:{table}:{name}")
        return value

    @field_validator("rates", "targets")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        for key, number in value.items():
            if number <= 0:
                raise ValueError(f"positive:{key}:{number}")
        return value


@dataclass
class RawConfig:
    """The settings the rest of shishi reads (defaults when there is no shishi.toml)."""

    unit_name: str | None = None
    branches: list[str] = field(default_factory=list)
    sample: bool = False
    units: list[UnitDecl] = field(default_factory=list)
    extra_headers: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: [header_words]: head words, ledger words and units the analyst added
    header_words: dict[str, Any] = field(default_factory=dict)
    pins: list[Pin] = field(default_factory=list)
    rates: dict[str, float] = field(default_factory=dict)
    targets: dict[str, float] = field(default_factory=dict)
    max_file_mb: float = MAX_FILE_MB
    max_unpacked_mb: float = MAX_UNPACKED_MB
    #: where the settings were read from (None: defaults)
    path: Path | None = None
    #: where the settings are, or would be written: what every hint tells the analyst to edit
    settings_file: Path = Path("data/raw") / CONFIG_NAME

    def pin_for(self, file: str, sheet: str) -> Pin | None:
        """The last ``[[pin]]`` that applies (a later, more specific pin wins)."""
        hits = [p for p in self.pins if p.applies(file, sheet)]
        return hits[-1] if hits else None

    @classmethod
    def from_file(cls, parsed: ConfigFile, path: Path | None = None) -> RawConfig:
        return cls(
            unit_name=parsed.unit.name,
            branches=list(parsed.unit.branches),
            sample=parsed.unit.sample,
            units=list(parsed.units),
            extra_headers={t: dict(f) for t, f in parsed.headers.items()},
            header_words={k: v for k, v in parsed.header_words.model_dump().items() if v},
            pins=list(parsed.pin),
            rates=dict(parsed.rates),
            targets=dict(parsed.targets),
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
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_syntax_error(exc, text, path) from exc
    try:
        parsed = ConfigFile.model_validate(raw)
    except ValidationError as exc:
        lines = [_explain(err, raw, text) for err in exc.errors()]
        raise ConfigError(
            f"配置文件有 {len(lines)} 处问题：\n    " + "\n    ".join(lines),
            f"按上面的提示修改 {path} 后重新运行；写法见 data/raw/README.md",
            path=path,
        ) from exc
    return RawConfig.from_file(parsed, path)


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
    if wide:
        hint = (
            f'这一行用了中文标点 {" ".join(wide)}：请改成英文半角的 " = [ ] , :'
            "（输入法切换到英文后重新输入）"
        )
    where = f"第 {line_no} 行「{line.strip()}」：" if line_no else ""
    return ConfigError(f"{where}{reason}", hint, path=path)


def _explain(err: Any, raw: dict[str, Any], text: str) -> str:
    """One Chinese line for one pydantic error: where (line, key), what is wrong, the fix."""
    loc = tuple(err["loc"])
    kind = err["type"]
    value = err.get("input")
    key = ".".join(str(p) for p in loc if not isinstance(p, int))
    line = _line_of(loc, text)
    where = (f"第 {line} 行 " if line else "") + f"「{key}」"
    if kind == "extra_forbidden":
        return f"{where}：没有这个设置项{_nearest(loc[-1], _allowed_at(loc))}"
    if kind == "missing":
        return f'{where}：缺少必填项（每个 [[pin]] 都要写 file = "文件名"）'
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"{where}：应为整数，不加引号，例如 {loc[-1]} = 3（现在是 {value!r}）"
    if kind in {"float_type", "float_parsing"}:
        return f"{where}：应为数字，不加引号，例如 {loc[-1]} = 7.1（现在是 {value!r}）"
    if kind == "bool_type":
        return f"{where}：应为 true 或 false（小写、不加引号）"
    if kind in {"string_type"}:
        return f"{where}：应为文字，用英文双引号括起来（现在是 {value!r}）"
    if kind == "date_type" or kind.startswith("date"):
        return f"{where}：应为日期，不加引号，例如 date = 2024-10-05"
    if kind == "list_type":
        if loc[:1] in {("pin",), ("units",)} and isinstance(value, dict):
            return f"{where}：要写成 [[{loc[0]}]]（两层方括号），每一项一段"
        return f'{where}：应为列表，例如 {loc[-1]} = ["{value}"]（现在是 {value!r}）'
    if kind in {"dict_type", "model_type"}:
        return f"{where}：应为一节设置（[{key}]），现在是 {value!r}"
    if kind == "literal_error":
        bad = str(value)
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
    if kind == "greater_than_equal" or kind == "greater_than":
        return f"{where}：应大于 {err.get('ctx', {}).get('ge', err.get('ctx', {}).get('gt', 0))}（现在是 {value!r}）"
    if kind == "value_error":
        return _explain_value_error(str(err.get("ctx", {}).get("error", "")), where)
    return f"{where}：{err['msg']}"


def _explain_value_error(code: str, where: str) -> str:
    parts = code.split(":")
    if parts[0] == "unit" and len(parts) == 3:
        return f"{where}：不认识的金额单位「{parts[1]}」；可用：{parts[2]}"
    if parts[0] == "field" and len(parts) == 3:
        table, name = parts[1], parts[2]
        return (
            f"「headers.{table}.{name}」：{table} 表没有「{name}」这一列"
            f"{_nearest(name, table_fields(table))}"
        )
    if parts[0] == "period" and len(parts) >= 2:
        return f"{where}：无法识别的期间「{parts[1]}」；{':'.join(parts[2:])}"
    if parts[0] == "positive" and len(parts) == 3:
        return f"{where}.{parts[1]}：应为正数（现在是 {parts[2]}）"
    if parts[0] == "role" and len(parts) == 2:
        roles = head_roles()
        close = difflib.get_close_matches(parts[1], list(roles), n=1, cutoff=0.5)
        hint = (
            f"是不是「{close[0]}」（{roles[close[0]]}）？"
            if close
            else "可用：" + "、".join(f"{k}（{v}）" for k, v in roles.items())
        )
        return f"{where}：没有「{parts[1]}」这种表头词；{hint}"
    if parts[0] == "unit_positive" and len(parts) == 3:
        return f"{where}：单位「{parts[1]}」应为正数（现在是 {parts[2]}）"
    if parts[0] == "unit_role" and len(parts) == 2:
        kinds = "、".join(f"{k}（{v}）" for k, v in UNIT_ROLES.items())
        return f"{where}：「{parts[1]}」不能写单位；单位只能用于 {kinds}"
    if parts[0] == "blank" and len(parts) == 2:
        return f"{where}：「{parts[1]}」的列表里有空白的词，请删去"
    return f"{where}：{code}"


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
