"""Units are declared, never guessed from a folder name (issue 11, case 4)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from metrics.cleaning.store import run_clean
from metrics.cleaning.units import is_archive
from metrics.periods import Period
from metrics.running import gate
from metrics.scope import Scope

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw"
WISHES = "心愿清单台账2024.xlsx"


def sample(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    return raw


def donations_csv(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "日期,捐赠方,金额\n2024-10-09,一支部,300\n2024-11-02,二支部,200\n", encoding="utf-8"
    )


def test_archive_folder_is_ignored_with_a_notice(tmp_path: Path) -> None:
    raw = sample(tmp_path)
    (raw / "已替换").mkdir()
    shutil.copy(SAMPLE / WISHES, raw / "已替换" / WISHES)
    outcome = run_clean(raw)
    assert len(outcome.tables["wishes"]) == 22  # not 44
    assert set(outcome.tables["wishes"]["unit"]) == {"青江卷烟厂"}
    [notice] = [n for n in outcome.notices if n.file == "已替换/"]
    assert notice.level == "info" and "归档" in notice.message
    assert gate.check(outcome.manifest, outcome.tables, Scope.whole(), Period.parse("2024Q4")) == []


@pytest.mark.parametrize(
    ("name", "archive"),
    [
        ("归档", True),
        ("2024旧表", True),
        ("Old", True),
        ("backup_2024", True),
        ("archive", True),
        ("二车间", False),
        ("golden", False),
        ("制丝车间", False),
    ],
)
def test_archive_words(name: str, archive: bool) -> None:
    assert is_archive(name) is archive


def test_undeclared_folder_with_ledgers_blocks_with_the_lines_to_paste(tmp_path: Path) -> None:
    raw = sample(tmp_path)
    donations_csv(raw / "二车间" / "捐款.csv")
    outcome = run_clean(raw)
    assert "二车间" not in set(outcome.tables["donations"]["unit"])  # not read, not guessed
    found = gate.check(outcome.manifest, outcome.tables, Scope.whole(), Period.parse("2024Q4"))
    [b] = found
    assert b.kind == "unreadable" and "二车间" in b.message
    assert b.toml == '[[units]]\nfolder = "二车间"\nname = "二车间"'


def test_unit_declared_in_the_top_toml(tmp_path: Path) -> None:
    raw = sample(tmp_path)
    donations_csv(raw / "二车间" / "捐款.csv")
    toml = (raw / "shishi.toml").read_text(encoding="utf-8")
    (raw / "shishi.toml").write_text(
        toml + '\n[[units]]\nfolder = "二车间"\nname = "第二车间"\n', encoding="utf-8"
    )
    outcome = run_clean(raw)
    don = outcome.tables["donations"]
    assert don.loc[don["unit"] == "第二车间", "amount_yuan"].tolist() == [300.0, 200.0]
    # a folder that declares units is a group: its own top-level ledgers are its 机关本部,
    # never the group's name (issue 19: the group-titled report held only the 机关's rows)
    assert len(don[don["unit"] == "青江卷烟厂机关本部"]) == 12  # the sample's own rows
    assert "青江卷烟厂" not in set(don["unit"])


def test_unit_named_by_its_own_toml(tmp_path: Path) -> None:
    raw = sample(tmp_path)
    donations_csv(raw / "sub" / "捐款.csv")
    (raw / "sub" / "shishi.toml").write_text('[unit]\nname = " 二车间 "\n', encoding="utf-8")
    outcome = run_clean(raw)
    assert set(outcome.tables["donations"]["unit"]) == {"青江卷烟厂机关本部", "二车间"}
    files = {f["file"]: f["unit"] for f in outcome.manifest["files"]}
    assert files["sub/捐款.csv"] == "二车间"


def test_settings_a_subfolder_toml_cannot_apply_stop_the_run(tmp_path: Path) -> None:
    """Only [unit] name is read from a subfolder: a pin written there used to be ignored
    silently, so the sheet it should fix was read the default way."""
    from metrics.errors import ConfigError

    raw = sample(tmp_path)
    donations_csv(raw / "sub" / "捐款.csv")
    (raw / "sub" / "shishi.toml").write_text(
        '[unit]\nname = "二车间"\n\n[[pin]]\nfile = "捐款.csv"\nunit = "万元"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as info:
        run_clean(raw)
    message = str(info.value)
    assert "[[pin]]" in message and str(raw / "shishi.toml") in message
    assert "sub/文件名" in message


def test_a_broken_subfolder_toml_is_a_config_error_with_its_line(tmp_path: Path) -> None:
    from metrics.errors import ConfigError

    raw = sample(tmp_path)
    donations_csv(raw / "sub" / "捐款.csv")
    (raw / "sub" / "shishi.toml").write_text("[unit]\nname = “二车间”\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="第 2 行"):
        run_clean(raw)


def test_a_folder_named_after_one_of_the_units_departments_holds_its_files(
    tmp_path: Path,
) -> None:
    """shishi init declares 制丝车间 and 卷包车间; an analyst files what each sends in a folder
    of its name. The folder was refused as an undeclared unit (nothing read, and the
    to-do page said the raw folder held no ledger at all)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "shishi.toml").write_text(
        '[unit]\nname = "江城卷烟厂"\nbranches = ["制丝车间", "卷包车间"]\n', encoding="utf-8"
    )
    donations_csv(raw / "制丝车间" / "2024年四季度捐款.csv")
    donations_csv(raw / "二车间" / "捐款.csv")  # no department of the unit: still refused
    outcome = run_clean(raw)
    don = outcome.tables["donations"]
    assert don["unit"].tolist() == ["江城卷烟厂", "江城卷烟厂"]
    assert don["amount_yuan"].tolist() == [300.0, 200.0]
    [sheet] = [
        s
        for f in outcome.manifest["files"]
        if f["file"].startswith("制丝车间/")
        for s in f["sheets"]
    ]
    assert sheet["origin"]["branch"] == "制丝车间"  # the receipt matrix counts it as received
    assert sheet["origin"]["branch_from"] == "folder"
    found = gate.check(outcome.manifest, outcome.tables, Scope.whole(), Period.parse("2024Q4"))
    [unread] = [b for b in found if b.kind == "unreadable"]
    assert "二车间" in unread.message
    missing = [b.message for b in found if b.kind == "missing_ledger"]
    assert not any("制丝车间" in m and "捐款捐物" in m for m in missing)  # it was received


def test_a_folder_of_ledgers_nobody_declared_is_not_an_empty_folder(tmp_path: Path) -> None:
    """Every table sat in an undeclared subfolder: the to-do page said the raw folder held no
    ledger at all (nothing to find), instead of which folder to declare."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "shishi.toml").write_text('[unit]\nname = "江城卷烟厂"\n', encoding="utf-8")
    donations_csv(raw / "二车间" / "捐款.csv")
    outcome = run_clean(raw)
    found = gate.check(outcome.manifest, outcome.tables, Scope.whole(), Period.parse("2024Q4"))
    assert [b.kind for b in found] == ["unreadable"]
    assert "二车间" in found[0].message and "[[units]]" in found[0].toml
