"""A shishi.toml that does not parse, explained in Chinese: the line, the key and the fix.

tomllib says "Invalid value (at line 7, column 16)" whether the analyst typed Chinese quotes
“…”, forgot the quotes around a name, or wrote a full-width ＝. This module turns that into one
:class:`~metrics.errors.ConfigError` that shows the line as written and says what to change.
It is the one place for TOML *syntax* errors; the schema (unknown keys, wrong types) is
checked by ``metrics.config``.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from metrics.errors import ConfigError

_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")
_FULL_WIDTH_QUOTES = "“”‘’「」『』＂"
_FULL_WIDTH_SYNTAX = {"＝": "=", "［": "[", "］": "]", "，": ",", "＃": "#", "：": "="}
_GUIDE = "写法见 README.md「八、本单位的设置 shishi.toml」"


def _line_and_key(text: str, lineno: int | None) -> tuple[str, str]:
    if lineno is None:
        return "", ""
    lines = text.splitlines()
    line = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
    key = re.split(r"[=＝:：\s]", line.strip(), maxsplit=1)[0] if line.strip() else ""
    return line.rstrip(), "" if key.startswith(("[", "#")) else key


def explain_toml_error(exc: tomllib.TOMLDecodeError, text: str, path: Path | str) -> ConfigError:
    """One ConfigError for a TOML syntax error: where it is, what is wrong, how to fix it."""
    detail = str(exc)
    m = _WHERE.search(detail)
    lineno = int(m.group(1)) if m else None
    line, key = _line_and_key(text, lineno)
    where = f"第 {lineno} 行" if lineno else "文件末尾"
    shown = f"：{line.strip()}" if line.strip() else ""
    about = f"（设置项 {key}）" if key else ""
    quotes = [c for c in line if c in _FULL_WIDTH_QUOTES]
    code = re.sub(r'"[^"]*"', '""', line).split("#", 1)[0]  # outside strings and comments
    syntax = [c for c in code if c in _FULL_WIDTH_SYNTAX]
    value = line.split("=", 1)[1].strip() if "=" in line else ""

    if quotes:
        problem = f"用了中文引号 {' '.join(dict.fromkeys(quotes))}"
        fix = '把中文引号换成英文双引号 "，例如 name = "青江卷烟厂"（切换到英文输入法再输入引号）'
    elif syntax:
        problem = f"用了全角符号 {' '.join(dict.fromkeys(syntax))}"
        fix = "把全角符号换成英文半角：" + "、".join(
            f"{c} 换成 {_FULL_WIDTH_SYNTAX[c]}" for c in dict.fromkeys(syntax)
        )
    elif "Invalid value" in detail and value and not value.startswith(('"', "'", "[", "{")):
        problem = f"值 {value} 没有加引号"
        fix = f'文字要用英文双引号括起来，例如 {key or "name"} = "{value.split("#")[0].strip()}"；数字不加引号'
    elif "Illegal character" in detail or "Unclosed string" in detail:
        problem = "引号没有配对（只有开头的引号）"
        fix = '在文字末尾补上英文双引号 "'
    elif "Unclosed array" in detail or "Unclosed" in detail:
        problem = "方括号 [ ] 没有配对"
        fix = '列表要写在一行或用 ] 结束，例如 branches = ["卷包车间", "制丝车间"]'
    elif "Expected '='" in detail:
        problem = "设置项和值之间缺少等号 ="
        fix = f'写成 {key or "name"} = "…"（英文半角等号）'
    elif "Expected ']'" in detail:
        problem = "小节名缺少右方括号 ]"
        fix = "小节名写成 [unit]、[[pin]] 这样，方括号成对"
    elif "Cannot overwrite" in detail or "Cannot declare" in detail:
        problem = f"设置项 {key} 重复出现" if key else "这一小节重复出现"
        fix = "删掉重复的一处（同一小节 [unit] 只能写一次，[[pin]] 这样双方括号的可以写多次）"
    else:
        problem = f"格式不对（{detail}）"
        fix = "检查这一行的引号、等号和方括号"
    return ConfigError(
        f"配置文件 {where}{about}{problem}{shown}",
        f"{fix}。{_GUIDE}",
        path=path,
    )


def load_toml(path: Path) -> dict:
    """Parse a TOML file; syntax and encoding mistakes raise a Chinese ConfigError."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            "配置文件不是 UTF-8 编码（可能用记事本另存成了 ANSI/GBK）",
            "用记事本或 VS Code 打开后“另存为”，编码选 UTF-8",
            path=path,
        ) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise explain_toml_error(exc, text, path) from exc
