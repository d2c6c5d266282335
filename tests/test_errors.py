"""Exit codes: one table (errors.EXIT_MEANINGS) that `shishi explain-exit` prints and the README
repeats word for word."""

from __future__ import annotations

import re
from pathlib import Path

from metrics.errors import EXIT_MEANINGS, ExitCode, explain_exit
from metrics.running.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_exit_code_has_a_meaning_and_the_readme_says_the_same() -> None:
    assert set(EXIT_MEANINGS) == set(ExitCode)
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        m = re.fullmatch(r"\| (\d+) \| (.+) \| (.+) \|", line)
        if m:
            rows[int(m.group(1))] = (m.group(2).replace("`", ""), m.group(3).replace("`", ""))
    assert rows == {int(code): meaning for code, meaning in EXIT_MEANINGS.items()}


def test_explain_exit_says_the_meaning_and_what_to_do(capsys) -> None:
    assert main(["explain-exit", "5"]) == 0
    said = capsys.readouterr().out.strip()
    assert said.startswith("退出码 5：数据不完整：")
    assert said.endswith("处理办法：打开 data_quality.pdf 第一页，逐项处理后重新运行")
    assert explain_exit(0) == "退出码 0：成功：所有台账都已读入，本期数字完整"
    assert "不是 shishi 的退出码" in explain_exit(42)


def test_explain_exit_is_not_listed_in_the_help(capsys) -> None:
    main(["--help"])
    assert "explain-exit" not in capsys.readouterr().out
