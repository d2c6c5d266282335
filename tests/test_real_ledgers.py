"""Real public ledgers, read as they were published with no shishi.toml, against the truths in
``shared/real-ledgers/README.md`` (counted independently of shishi).

The files live beside the repository, not in it: ``<repo>/../shared/real-ledgers/`` (in CI the
repository is cloned next to a copy of ``shared/``); SHISHI_REAL_LEDGERS may point elsewhere
(a git worktree sits in another folder). Without them these tests are skipped.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from conftest import assert_reconciled, real_ledgers

REAL = real_ledgers() or Path("real-ledgers-not-found")

pytestmark = pytest.mark.skipif(
    real_ledgers() is None,
    reason="real ledgers not found (shared/real-ledgers beside the repository, or SHISHI_REAL_LEDGERS)",
)

CASH_7_1 = "武汉市红十字会接收社会捐赠现金公示7-1.xlsx"
CASH_11_1 = "武汉市红十字会接收社会捐赠现金公示11-1.xlsx"
GOODS_8_2 = "武汉市红十字会接收社会捐赠物资公示8-2.xlsx"
UNIONPAY = "武汉市红十字会云闪付用户捐赠明细（2月1日）.xlsx"
ABC_BANK = "武汉市红十字会接收社会捐赠明细（农业银行账户）2020年2月3日.xlsx"
QR_POS = "武汉市红十字会接受社会捐赠明细（二维码及pos机）2020年2月2日.xlsx"
OUTFLOW = "武汉市红十字会发放物资一览表.xlsx"
MASKS = "口罩捐赠明细_detail_2020-05-03.csv"


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The eight files cleaned once, from a copy (data/raw is never written to)."""
    from metrics.cleaning.store import run_clean

    raw = tmp_path_factory.mktemp("real") / "raw"
    shutil.copytree(REAL, raw, ignore=shutil.ignore_patterns("*.md"))
    assert not (raw / "shishi.toml").exists()
    return run_clean(raw)


def rows_of(cleaned: Any, file: str) -> pd.DataFrame:
    don = cleaned.tables["donations"]
    return don[don["source_file"] == file]


def sheet_of(cleaned: Any, file: str, sheet: str = "Sheet1") -> dict[str, Any]:
    (entry,) = [
        s
        for f in cleaned.manifest["files"]
        if f["file"] == file
        for s in f["sheets"]
        if s["sheet"] == sheet
    ]
    return entry


def test_every_sheet_is_read_and_accounted_for(cleaned: Any) -> None:
    assert not [n.message for n in cleaned.notices if n.level == "error"]
    assert cleaned.rejects.empty
    for f in cleaned.manifest["files"]:
        for s in f["sheets"]:
            if "rows_read" in s:
                assert_reconciled(s, (f["file"], s["sheet"]))


@pytest.mark.parametrize(
    ("file", "rows", "yuan"),
    [
        (CASH_7_1, 100, 77_319_319.01),
        (CASH_11_1, 69, 144_236_922.86),
        (UNIONPAY, 2151, 105_533.82),
        (ABC_BANK, 47, 1_255_390.40),
        (QR_POS, 2721, 294_683.27),
    ],
)
def test_cash_lists_rows_and_yuan(cleaned: Any, file: str, rows: int, yuan: float) -> None:
    got = rows_of(cleaned, file)
    yuan_rows = got[got["currency"] == "CNY"]
    assert len(yuan_rows) == rows
    assert round(float(got["amount_yuan"].sum()), 2) == yuan


def test_cash_7_1_rows_are_excel_rows_11_to_110(cleaned: Any) -> None:
    got = rows_of(cleaned, CASH_7_1)
    assert list(got["source_row"]) == list(range(11, 111))
    assert sheet_of(cleaned, CASH_7_1)["header_row"] == 10


@pytest.mark.parametrize(
    ("file", "excel_row", "stated"),
    [(UNIONPAY, 2154, 105_533.82), (ABC_BANK, 50, 1_255_390.40), (QR_POS, 2723, 294_683.27)],
)
def test_unlabelled_footer_totals_agree(
    cleaned: Any, file: str, excel_row: int, stated: float
) -> None:
    sheet = "20200202" if file == UNIONPAY else "Sheet1"
    (check,) = sheet_of(cleaned, file, sheet)["total_rows"]
    assert (check["excel_row"], check["stated"], check["status"]) == (excel_row, stated, "agree")


def test_dollars_are_kept_apart_from_yuan(cleaned: Any) -> None:
    got = rows_of(cleaned, CASH_11_1)
    dollars = got[got["currency"] == "USD"]
    assert list(dollars["amount_original"]) == [30133.0, 3000.0]
    assert list(dollars["source_row"]) == [82, 83]
    assert dollars["amount_yuan"].isna().all()  # no [rates] declared
    assert list(got[got["currency"] == "CNY"]["source_row"]) == list(range(10, 79))
    assert any("2 行金额为USD" in n.message for n in cleaned.notices)


def test_in_kind_goods_are_never_yuan_and_blank_donors_are_filled(cleaned: Any) -> None:
    got = rows_of(cleaned, GOODS_8_2)
    assert len(got) == 196  # Excel rows 7-202; the signature below is no data
    assert list(got["source_row"]) == list(range(7, 203))
    assert got["amount_yuan"].isna().all() and set(got["kind"]) == {"in_kind"}
    assert got["quantity"].notna().all()
    assert {"箱", "台", "包"} <= set(got["item_unit"])
    assert (got["filled_down"] == "donor").sum() == 55
    assert got["donor"].notna().all()
    first = got.iloc[1]  # row 8: blank donor under 百瑞
    assert (first["source_row"], first["donor"], first["quantity"]) == (8, "百瑞", 200.0)


def test_the_distribution_list_is_skipped_with_a_notice(cleaned: Any) -> None:
    assert rows_of(cleaned, OUTFLOW).empty
    entry = sheet_of(cleaned, OUTFLOW)
    assert entry["table"] is None
    assert "物资发放（去向）清单" in entry["skipped"] and "202 行" in entry["skipped"]


def test_the_mask_csv_is_a_quantity_not_yuan(cleaned: Any) -> None:
    got = rows_of(cleaned, MASKS)
    assert len(got) == 6655
    assert got["quantity"].sum() == 68424
    assert got["amount_yuan"].isna().all() and set(got["kind"]) == {"in_kind"}
    assert (got["donor"] == "Anonymous").any()


@pytest.mark.parametrize(
    ("file", "day", "source"),
    [
        (CASH_7_1, "2020-01-29", "title"),  # year from the signature 2020-01-30
        (CASH_11_1, "2020-02-02", "title"),
        (GOODS_8_2, "2020-01-30", "title"),  # year from the signature 2020-01-31
        (UNIONPAY, "2020-02-01", "title"),  # the sheet says 20200202, the title wins
        (ABC_BANK, "2020-02-03", "title"),
    ],
)
def test_dates_come_from_context(cleaned: Any, file: str, day: str, source: str) -> None:
    got = rows_of(cleaned, file)
    assert set(got["date"]) == {pd.Timestamp(day)}
    assert set(got["date_source"]) == {source}


def test_transaction_numbers_date_the_qr_list(cleaned: Any) -> None:
    got = rows_of(cleaned, QR_POS)
    assert set(got["date_source"]) == {"id"}
    assert got["date"].min() == pd.Timestamp("2020-02-01")  # 0102 20200201 2359…, the last row
    assert got["date"].max() == pd.Timestamp("2020-02-02")
    assert got["donor"].isna().all() and got["ref"].notna().all()


def test_unionpay_times_are_kept(cleaned: Any) -> None:
    got = rows_of(cleaned, UNIONPAY)
    assert got["time"].iloc[0] == "07:06:18"


def test_without_a_unit_name_the_report_is_blocked(cleaned: Any) -> None:
    """Read with no shishi.toml, the lists have no unit name: the cover would say
    报送单位：本单位 (issue 20 item 5), so `shishi report` stops with the line to add."""
    from metrics.running import gate
    from metrics.scope import Scope

    [b] = gate.unnamed_unit(cleaned.manifest, Scope.whole())
    assert b.toml == '[unit]\nname = "某某单位"'
