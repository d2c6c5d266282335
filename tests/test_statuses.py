"""办理进度 by rule (issue 18, item 4): a marker and a verb family, one table in statuses.toml.

The words offices were seen to write (已兑现, 已认领, 待认领, 已销号) read; every word the old flat
list read still reads the same; an unknown word - a known marker on an unknown verb included -
is refused with the nearest known word; the analyst extends the table in shishi.toml.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from metrics.cleaning.parsing import Parsed, parse_status
from metrics.cleaning.statuses import status_table, table_for
from metrics.cleaning.store import run_clean
from metrics.config import load_config
from metrics.contract import Reason, reason_code
from metrics.errors import ConfigError

#: vocab.toml [statuses] as it stood before statuses were read by rule: each word must read
#: as it did (copied from the old file, by status).
OLD_WORDS = {
    "resolved": ["已办结", "已完成", "完成", "已解决", "办结", "已落实", "是", "已办", "解决", "已实现"],
    "in_progress": [
        "推进中", "进行中", "正在推进", "办理中", "正在办理", "部分完成", "持续推进", "在办",
        "解决中", "正在解决", "落实中", "正在落实", "协调中", "跟进中", "实施中", "已启动",
    ],
    "pending": [
        "未启动", "待启动", "未开始", "否", "待办", "未办结", "尚未启动", "未完成", "未解决", "未落实",
    ],
    "cancelled": ["已取消", "取消", "撤销", "已撤销", "不再办理", "不予办理"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("word", "status"), [(w, s) for s, words in OLD_WORDS.items() for w in words]
)
def test_every_word_of_the_old_list_reads_the_same(word: str, status: str) -> None:
    assert parse_status(word) == Parsed(status)


@pytest.mark.parametrize(
    ("word", "status"),
    [
        # the words issue 18 saw refused
        ("已兑现", "resolved"),
        ("已销号", "resolved"),
        ("待认领", "pending"),
        # taken on is not solved: a claimed wish is still to be fulfilled
        ("已认领", "in_progress"),
        ("正在落实", "in_progress"),
        ("未实现", "pending"),
        # combinations no list holds, read from marker and family
        ("尚未兑现", "pending"),
        ("暂未销号", "pending"),
        ("正在兑现", "in_progress"),
        ("兑现中", "in_progress"),
        ("部分兑现", "in_progress"),
        ("基本完成", "in_progress"),
        ("全部完成", "resolved"),
        ("已经落实", "resolved"),
        ("均已兑现", "resolved"),
        ("尚未认领", "pending"),
        ("认领中", "in_progress"),
        ("已受理", "in_progress"),
        ("已推进", "in_progress"),
        ("已终止", "cancelled"),
        ("办理完毕", "resolved"),
        ("落实到位", "resolved"),
        ("已辦妥", "resolved"),  # traditional, as typed
        ("已兑现（2024年5月）", "resolved"),
        ("已于3月办结", "resolved"),
        ("办公室协调中", "in_progress"),  # 办 alone in 办公室 is no verb
    ],
)
def test_marker_and_verb_family(word: str, status: str) -> None:
    assert parse_status(word) == Parsed(status)


@pytest.mark.parametrize(
    ("word", "status"),
    [
        # the gift delivered is the wish fulfilled (派送, 送达, 交付, 发放, 圆梦, 达成)
        ("已送达", "resolved"),
        ("已交付", "resolved"),
        ("已圆梦", "resolved"),
        ("待派送", "pending"),
        ("发放中", "in_progress"),
        # a system's claim states: 成功 is done, 失败 did not happen, 审核 is taking it on
        ("认领成功", "in_progress"),
        ("办理成功", "resolved"),
        ("认领失败", "pending"),
        ("兑现失败", "pending"),
        ("待审核", "pending"),
        ("审核中", "in_progress"),
    ],
)
def test_delivered_claimed_failed_and_reviewed(word: str, status: str) -> None:
    assert parse_status(word) == Parsed(status)


def test_a_cancelling_that_failed_says_nothing_about_the_work() -> None:
    assert parse_status("取消失败").value is None


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("未全部完成", "in_progress"),  # not all of it: part done
        ("全部未完成", "pending"),  # none of it
        ("尚未全部兑现", "in_progress"),
        ("部分已完成", "in_progress"),
        ("已全部完成", "resolved"),
        ("未办理完毕", "in_progress"),  # begun, not finished
        ("部分完成，部分未启动", "in_progress"),  # the longer phrase speaks
    ],
)
def test_markers_together_read_nearest_the_verb_first(word: str, status: str) -> None:
    assert parse_status(word) == Parsed(status)


@pytest.mark.parametrize(
    ("word", "nearest"),
    [
        ("已兑付", "已兑现"),  # a known marker on an unknown verb is never guessed as done
        ("已销账", "已销号"),
        ("待认证", "待认领"),
    ],
)
def test_unknown_verb_is_refused_naming_the_nearest_word(word: str, nearest: str) -> None:
    got = parse_status(word)
    assert got.value is None
    assert f"「{word}」不是认得的办理进度，最接近的是「{nearest}」" in got.error
    assert reason_code(got.error) == Reason.WORD_UNREADABLE


@pytest.mark.parametrize(
    "word",
    [
        "已审批",  # a known marker, a verb of no family
        "正在筹备",
        "待评估",
        "无法解决",  # 无法 leaves the verb unsure
        "未按期完成",  # done late, or not done: unsure
        "计划3月完成",  # planned is not done
        "预计年底办结",
        "未取消",  # the cancel family means nothing but cancelled
        "正在撤销",
        "看情况",
        "已",
    ],
)
def test_words_that_say_nothing_sure_are_refused(word: str) -> None:
    got = parse_status(word)
    assert got.value is None and not got.ok
    assert f"「{word}」不是认得的办理进度" in got.error
    for accepted in ("已办结", "推进中", "未启动", "已取消"):
        assert accepted in got.error


@pytest.mark.parametrize("word", ["已完成，已取消", "已兑现，待认领"])
def test_phrases_that_disagree_are_ambiguous(word: str) -> None:
    got = parse_status(word)
    assert got.value is None and reason_code(got.error) == Reason.AMBIGUOUS
    assert f"「{word}」同时像" in got.error


def test_the_drop_down_words_are_the_first_of_each_status() -> None:
    assert list(status_table().first_words().values()) == ["已办结", "推进中", "未启动", "已取消"]


def test_analyst_words_and_verbs_extend_the_table() -> None:
    table = table_for({"resolved": ["验收合格"]}, {"兑付": "兑现", "结转": "认领"}, "x/shishi.toml")
    assert parse_status("验收合格", table) == Parsed("resolved")
    assert parse_status("已兑付", table) == Parsed("resolved")
    assert parse_status("待兑付", table) == Parsed("pending")
    assert parse_status("已结转", table) == Parsed("in_progress")  # read like 认领
    assert parse_status("已兑付") != Parsed("resolved")  # the package's own table is unchanged
    refused = parse_status("已审批", table)
    assert "在 x/shishi.toml 的 [statuses] 中说明这个词" in refused.error


def _config(folder: Path, text: str) -> ConfigError:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "shishi.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(folder)
    return info.value


def test_a_verb_read_like_no_known_verb_is_refused_with_the_nearest(tmp_path: Path) -> None:
    err = _config(tmp_path, '[statuses]\nverbs = { "兑付" = "兑换" }\n')
    assert "「statuses.verbs.兑付」：「兑换」不是认得的动词" in err.message
    assert "是不是「兑现」" in err.message


def test_a_misspelt_status_key_names_the_right_one(tmp_path: Path) -> None:
    err = _config(tmp_path, '[statuses]\nresolvd = ["验收合格"]\n')
    assert "第 2 行" in err.message and "没有这个设置项" in err.message
    assert "是不是「resolved」" in err.message


def test_a_chinese_key_without_quotes_says_to_quote_it(tmp_path: Path) -> None:
    err = _config(tmp_path, '[statuses]\nverbs = { 兑付 = "兑现" }\n')
    assert "第 2 行" in err.message
    assert "中文的设置项名称要用英文双引号括起来" in err.hint


def test_an_empty_word_is_refused(tmp_path: Path) -> None:
    err = _config(tmp_path, '[statuses]\npending = [" "]\n')
    assert "「statuses.pending」" in err.message and "不能是空白的词" in err.message


def _wishes(path: Path, statuses: list[str]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(["序号", "项目名称", "提出时间", "办理进度"])
    for i, status in enumerate(statuses, start=1):
        ws.append([i, f"心愿{i}", "2024-10-0" + str(i), status])
    wb.save(path)


def test_a_wish_list_in_its_own_words_is_read_and_taught_words_read(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    _wishes(raw / "微心愿清单.xlsx", ["已兑现", "已认领", "待认领", "已销号", "已兑付", "正在落实"])
    first = run_clean(raw)
    wishes = first.tables["wishes"]
    assert wishes["status"].tolist() == [
        "resolved",
        "in_progress",
        "pending",
        "resolved",
        "in_progress",
    ]
    [reject] = first.rejects.to_dict("records")
    assert reject["source_row"] == 6 and reject["value"] == "已兑付"
    settings = raw / "shishi.toml"
    assert (
        "「已兑付」不是认得的办理进度，最接近的是「已兑现」" in reject["reason"]
        and f"在 {settings} 的 [statuses] 中说明这个词" in reject["reason"]
    )
    settings.write_text('[statuses]\nverbs = { "兑付" = "兑现" }\n', encoding="utf-8")
    taught = run_clean(raw)
    assert taught.rejects.empty
    assert taught.tables["wishes"]["status"].tolist()[4] == "resolved"
