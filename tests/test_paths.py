"""Which folders a report notebook reads, from its one setting (README 九)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from metrics.errors import UsageError
from metrics.paths import SAMPLE_PROCESSED, SAMPLE_RAW, data_dirs
from metrics.running.init import init_workdir


def test_the_working_folder_gives_its_own_processed_and_raw_folders(tmp_path: Path) -> None:
    wd = init_workdir(tmp_path / "实事报告", "东山供电公司", [])
    assert data_dirs(wd.root) == (wd.root / "清洗结果", wd.root / "原始数据")
    # given as the old README said (the processed folder only): still the unit's settings
    assert data_dirs(processed_dir=wd.root / "清洗结果") == (
        wd.root / "清洗结果",
        wd.root / "原始数据",
    )


def test_a_processed_folder_reads_the_settings_it_was_cleaned_with(tmp_path: Path) -> None:
    raw = tmp_path / "某处的原始数据"
    raw.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "manifest.json").write_text(json.dumps({"raw_dir": str(raw)}))
    assert data_dirs(processed_dir=tmp_path / "out") == (tmp_path / "out", raw)


def test_nothing_set_is_the_sample_and_a_wrong_folder_is_said(tmp_path: Path) -> None:
    assert data_dirs() == (SAMPLE_PROCESSED, SAMPLE_RAW)
    with pytest.raises(UsageError, match="不是 shishi 的工作文件夹"):
        data_dirs(tmp_path)
