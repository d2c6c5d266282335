"""Reading the raw folder: the analyst's shishi.toml (synonyms, pins for odd files), and the
files shishi cannot read, which block the report instead of being skipped quietly."""

from __future__ import annotations

import io
import re
import struct
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from conftest import run_report
from metrics.cleaning.headers import load_table_specs, match_header_cell, split_unit
from metrics.cleaning.ingest import (
    _outside_formulas,
    check_field_count,
    copy_rank,
    read_raw,
    refers_outside,
    year_hint,
)
from metrics.cleaning.store import run_clean
from metrics.config import load_config
from metrics.errors import ConfigError, ExitCode, UnreadableFile
from metrics.periods import Period
from metrics.running import gate
from metrics.running.batch import plan_jobs
from metrics.scope import Scope


def odd_workbook(path: Path) -> None:
    """Header on row 4 under three rows that look like a table, amounts in 万元 with no unit."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["日期", "捐赠方", "金额"])  # a decoy header in a title block
    ws.append(["说明：以下为二车间数据"])
    ws.append([None])
    ws.append(["时间", "爱心人士", "善款数额"])  # row 4: unknown headers
    ws.append(["2024-10-01", "张三", 1.5])
    ws.append(["2024-10-02", "李四", "0.3"])
    wb.save(path)


def test_pin_and_extra_synonyms(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    odd_workbook(raw / "二车间捐款.xlsx")
    (raw / "shishi.toml").write_text(
        """
[unit]
name = "二车间"

[headers.donations]
date = ["时间"]
donor = ["爱心人士"]
amount_yuan = ["善款数额"]

[[pin]]
file = "二车间*.xlsx"
sheet = "Sheet1"
table = "donations"
header_row = 4
unit = "万元"
""",
        encoding="utf-8",
    )
    outcome = run_clean(raw, None)
    don = outcome.tables["donations"]
    assert don["amount_yuan"].tolist() == [15000.0, 3000.0]
    assert don["source_row"].tolist() == [5, 6]
    assert set(don["unit"]) == {"二车间"}
    sheet = outcome.manifest["files"][0]["sheets"][0]
    assert (sheet["header_row"], sheet["rows_read"], sheet["accepted"]) == (4, 2, 2)


def test_pin_can_skip_a_sheet(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    odd_workbook(raw / "x.xlsx")
    (raw / "shishi.toml").write_text('[[pin]]\nfile = "x.xlsx"\nskip = true\n', encoding="utf-8")
    outcome = run_clean(raw, None)
    assert outcome.tables["donations"].empty
    assert any("跳过" in n.message for n in outcome.notices)


def test_broken_config_says_where(tmp_path: Path) -> None:
    (tmp_path / "shishi.toml").write_text("[unit\nname=", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"shishi\.toml"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("header", "field", "multiplier"),
    [
        ("投入资金（万元）", "cost_yuan", 10000.0),
        ("投入资金(万元)", "cost_yuan", 10000.0),
        ("投入资金/万元", "cost_yuan", 10000.0),
        ("狀態", "status", 1.0),
        ("辦理進度", "status", 1.0),
        ("Status", "status", 1.0),
        ("项目名称", "title", 1.0),
    ],
)
def test_header_matching(header: str, field: str, multiplier: float) -> None:
    spec = load_table_specs()["wishes"]
    assert match_header_cell(header, spec) == (field, multiplier)


def test_split_unit_and_hints() -> None:
    assert split_unit("金額（元）") == ("金额", 1.0)
    assert split_unit("金额（千元）") == ("金额", 1000.0)
    assert year_hint("2024Q4", "捐款.xlsx") == 2024
    assert year_hint("Sheet1", "捐款2023.xlsx") == 2023
    assert year_hint("Sheet1", "2023-2024对比.xlsx") is None  # two years: ambiguous
    assert copy_rank(Path("a(1).csv")) > copy_rank(Path("a.csv"))
    assert copy_rank(Path("名单 - 副本.xlsx"))[0] == 1


def test_several_periods_and_units_make_one_job_each(tmp_path: Path) -> None:
    jobs = plan_jobs(
        ["2024Q3", "2024Q4"], ["甲厂", "乙厂"], tmp_path, tmp_path, tmp_path, None, "fp"
    )
    assert len(jobs) == 2 * 2 * 2
    assert len({j.pdf for j in jobs}) == 8
    assert len({j.fingerprint for j in jobs}) == 8


@pytest.mark.parametrize(
    "cells",
    [{"C3": "x", "D5": 5}, {"A3": "x", "B4": 1}, {"B1": "h", "C9": 2}, {"E7": "only"}, {}],
)
def test_streamed_rows_keep_excel_positions(tmp_path: Path, cells: dict) -> None:
    """Streaming must give the same grid as a full read: Excel row/column = index + 1."""
    from python_calamine import CalamineWorkbook

    from metrics.cleaning.ingest import read_workbook_sheets

    wb = Workbook()
    for ref, value in cells.items():
        wb.active[ref] = value
    wb.active.title = "S"
    path = tmp_path / "offset.xlsx"
    wb.save(path)
    expected = (
        CalamineWorkbook.from_path(str(path))
        .get_sheet_by_name("S")
        .to_python(skip_empty_area=False)
    )
    [(name, stream, n_rows)] = list(read_workbook_sheets(path))
    assert name == "S"
    assert n_rows == len(expected)  # what the progress bar counts on
    assert list(stream()) == expected
    assert list(stream()) == expected  # a stream can be read twice (header search, then body)
    for ref, value in cells.items():
        row, col = int(ref[1:]) - 1, ord(ref[0]) - ord("A")
        assert expected[row][col] == value


# --- spreadsheets shishi cannot read are blockers, never a quiet skip (issue 19, item 5) -------

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file WPS .et / .wps and old Office use
WPS_SAVE = "用 WPS 打开，点“文件→另存为”，文件类型选“Excel 工作簿（*.xlsx）”"


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _numbers() -> bytes:
    """A Numbers document as Numbers saves it since 2013: a zip of .iwa parts."""
    return _zip({"Index/Document.iwa": b"\x00" * 64, "Metadata/Properties.plist": b"bplist00"})


def _encrypted() -> bytes:
    """Excel's password-protected workbook: an OLE file with EncryptionInfo and EncryptedPackage
    streams, whatever the suffix it was saved under."""
    return (
        OLE
        + b"\0" * 512
        + "EncryptionInfo".encode("utf-16-le")
        + "EncryptedPackage".encode("utf-16-le")
    )


def _good_csv(raw: Path) -> None:
    (raw / "志愿服务2024Q4.csv").write_text(
        "活动日期,组织单位,活动名称,参与人数\n2024-10-08,一支部,植树,12\n", encoding="utf-8"
    )


def _blockers(raw: Path) -> dict[str, Any]:
    outcome = run_clean(raw)
    found = gate.check(outcome.manifest, outcome.tables, Scope.whole(), Period.parse("2024Q4"))
    return {b.file: b for b in found}


@pytest.mark.parametrize(
    ("name", "data", "what", "fix"),
    [
        ("捐款登记.et", OLE + b"\0" * 600, "WPS 表格文件（.et）", WPS_SAVE),
        ("捐款登记.ett", OLE + b"\0" * 600, "WPS 表格模板（.ett）", WPS_SAVE),
        (
            "心愿清单.numbers",
            _numbers(),
            "Apple Numbers 表格",
            "用 Numbers 打开，点“文件→导出到→Excel…”",
        ),
        (
            "采购台账.wps",
            OLE + b"\0" * 600,
            "WPS 文字文档（.wps）",
            "复制到 WPS 表格或 Excel，另存为 .xlsx",
        ),
    ],
)
def test_a_format_shishi_cannot_read_blocks_and_says_how_to_save_it(
    tmp_path: Path, name: str, data: bytes, what: str, fix: str
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    _good_csv(raw)
    (raw / name).write_bytes(data)
    blockers = _blockers(raw)
    assert list(blockers) == [name]  # the csv is read; only the unreadable file blocks
    blocker = blockers[name]
    assert blocker.kind == "unreadable" and what in blocker.message
    assert "没有计入" in blocker.message
    assert fix in blocker.hint and "移出" in blocker.hint
    assert f"放回原始数据文件夹（{raw}）" in blocker.hint


def test_a_numbers_package_folder_is_one_blocker_and_is_not_walked(tmp_path: Path) -> None:
    """Numbers before 2013 (and iCloud) save a document as a folder of parts."""
    raw = tmp_path / "raw"
    package = raw / "捐款台账.numbers"
    (package / "Metadata").mkdir(parents=True)
    (package / "Index.zip").write_bytes(_zip({"Index/Document.iwa": b"\0"}))
    (package / "preview.jpg").write_bytes(b"\xff\xd8\xff")
    _good_csv(raw)
    sheets, notices = read_raw(raw)
    assert [s.file for s in sheets] == ["志愿服务2024Q4.csv"]
    assert [n.file for n in notices] == ["捐款台账.numbers"]
    assert notices[0].level == "error" and "Apple Numbers" in notices[0].message
    assert list(_blockers(raw)) == ["捐款台账.numbers"]


@pytest.mark.parametrize("name", ["加密.xlsx", "加密.xls", "加密.xlsb", "加密.et"])
def test_a_password_protected_workbook_is_told_by_its_content_and_blocks(
    tmp_path: Path, name: str
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    _good_csv(raw)
    (raw / name).write_bytes(_encrypted())
    blocker = _blockers(raw)[name]
    if name.endswith(".et"):  # a WPS file is never opened: its format is the first problem
        assert "WPS 表格文件" in blocker.message
        return
    assert "设置了打开密码（已加密）" in blocker.message
    assert "取消打开密码" in blocker.hint and f"放回原始数据文件夹（{raw}）" in blocker.hint


def test_a_password_protected_ods_is_told_by_its_manifest(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    manifest = (
        b'<manifest:manifest><manifest:file-entry manifest:full-path="content.xml">'
        b'<manifest:encryption-data manifest:checksum-type="SHA1"/></manifest:file-entry>'
        b"</manifest:manifest>"
    )
    (raw / "捐款.ods").write_bytes(
        _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
              "META-INF/manifest.xml": manifest, "content.xml": b"\x93\x00garbled"})
    )  # fmt: skip
    _sheets, notices = read_raw(raw)
    [notice] = notices
    assert "设置了打开密码" in notice.message and "取消打开密码" in notice.hint


def test_an_archived_original_does_not_block(tmp_path: Path) -> None:
    """The hint says to move the .et out once saved as .xlsx: into 归档/ it stops blocking."""
    raw = tmp_path / "raw"
    (raw / "归档").mkdir(parents=True)
    _good_csv(raw)
    (raw / "归档" / "捐款登记.et").write_bytes(OLE + b"\0" * 600)
    (raw / "归档" / "旧台账.numbers").mkdir()
    _sheets, notices = read_raw(raw)
    assert {(n.file, n.level) for n in notices} == {
        ("归档/捐款登记.et", "info"),
        ("归档/旧台账.numbers", "info"),
    }
    assert _blockers(raw) == {}


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _record(kind: int, payload: bytes = b"") -> bytes:
    """One BIFF12 record ([MS-XLSB] 2.1.4): type and size as 7-bit varints, then the payload."""
    return _varint(kind) + _varint(len(payload)) + payload


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def xlsb(rows: list[list[Any]], sheet: str) -> bytes:
    """The smallest .xlsb Excel's binary format allows: a workbook naming one sheet, the sheet's
    cells as BrtCellSt (text) and BrtCellReal (numbers) records."""
    width = max(len(r) for r in rows)
    body = _record(0x81) + _record(0x94, struct.pack("<IIII", 0, len(rows) - 1, 0, width - 1))
    body += _record(0x91)  # BrtBeginSheetData
    for r, row in enumerate(rows):
        body += _record(0x00, struct.pack("<IIHBBI", r, 0, 0x12C, 0, 0, 0))  # BrtRowHdr
        for c, value in enumerate(row):
            cell = struct.pack("<II", c, 0)
            if isinstance(value, str):
                body += _record(0x06, cell + _wide(value))
            elif value is not None:
                body += _record(0x05, cell + struct.pack("<d", float(value)))
    body += _record(0x92) + _record(0x82)  # end of sheet data, end of sheet
    book = _record(0x83) + _record(0x8F)  # BrtBeginBook, BrtBeginBundleShs
    book += _record(0x9C, struct.pack("<II", 0, 1) + _wide("rId1") + _wide(sheet))
    book += _record(0x90) + _record(0x84)
    ns = "http://schemas.openxmlformats.org"
    rel = f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" '
    return _zip(
        {
            "[Content_Types].xml": (
                f'<Types xmlns="{ns}/package/2006/content-types"><Default Extension="bin" '
                'ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
                '<Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Override PartName="/xl/worksheets/sheet1.bin" '
                'ContentType="application/vnd.ms-excel.worksheet"/></Types>'
            ).encode(),
            "_rels/.rels": (
                f'{rel}Type="{ns}/officeDocument/2006/relationships/officeDocument" '
                'Target="xl/workbook.bin"/></Relationships>'
            ).encode(),
            "xl/workbook.bin": book,
            "xl/_rels/workbook.bin.rels": (
                f'{rel}Type="{ns}/officeDocument/2006/relationships/worksheet" '
                'Target="worksheets/sheet1.bin"/></Relationships>'
            ).encode(),
            "xl/worksheets/sheet1.bin": body,
        }
    )


def test_an_xlsb_workbook_is_read_not_blocked(tmp_path: Path) -> None:
    """calamine reads Excel's binary workbook: reading it beats asking for a re-save."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "消费帮扶采购2024.xlsb").write_bytes(
        xlsb(
            [
                ["消费帮扶采购台账"],
                ["日期", "采购主体", "产品", "金额（元）"],
                ["2024-10-08", "企业", "脆李", 30000],
                ["2024-11-20", "管理人员自费", "蜂蜜", 1234.5],
                ["合计", None, None, 31234.5],
            ],
            "2024Q4",
        )
    )
    outcome = run_clean(raw)
    bought = outcome.tables["purchases"]
    assert bought["amount_yuan"].tolist() == [30000.0, 1234.5]
    assert bought["buyer_type"].tolist() == ["enterprise", "individual"]
    [sheet] = outcome.manifest["files"][0]["sheets"]
    assert (sheet["sheet"], sheet["accepted"], sheet["rejected"]) == ("2024Q4", 2, 0)
    assert _blockers(raw) == {}


def test_a_zip_bomb_named_xlsb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.bin", b"\0" * (3 << 20))
    (raw / "采购.xlsb").write_bytes(buf.getvalue())
    (raw / "shishi.toml").write_text("max_unpacked_mb = 2\n", encoding="utf-8")
    _sheets, notices = read_raw(raw)
    assert "压缩炸弹" in notices[0].message


@pytest.mark.e2e
def test_an_et_file_stops_the_report_and_heads_the_to_do_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 19: .et files were skipped as 不是表格文件 with exit 0 and every ledger 'read'."""
    raw = tmp_path / "raw"
    raw.mkdir()
    _good_csv(raw)
    (raw / "捐款捐物登记2024Q4.et").write_bytes(OLE + b"\0" * 600)
    assert run_report(tmp_path, raw) == ExitCode.INCOMPLETE
    err = capsys.readouterr().err
    assert "捐款捐物登记2024Q4.et" in err and "另存为" in err
    folder = tmp_path / "r" / "2024Q4"
    assert not (folder / "quarterly_summary.pdf").exists()
    out = subprocess.run(
        ["pdftotext", "-layout", str(folder / "data_quality.pdf"), "-"],
        capture_output=True,
        check=True,
    )
    first = re.sub(r"\s+", "", out.stdout.decode("utf-8").split("\f")[0])
    assert "待办事项" in first and "捐款捐物登记2024Q4.et" in first
    assert "WPS表格文件（.et）" in first and "另存为" in first


# --- issue 21: formulas that refer outside the workbook, and lines with too many fields -------


@pytest.mark.parametrize(
    ("formula", "outside"),
    [
        ("[1]Sheet1!A1", True),
        ("'C:\\财务\\[汇总.xlsx]Sheet1'!C3", True),
        ("SUM([2]明细!C2:C9)", True),
        ("cmd|' /C calc'!A0", True),
        ('_xlfn.WEBSERVICE("http://example.com")', True),
        ('RTD("srv",,"x")', True),
        ("SUM(C2:C9)", False),
        ("SUM(Table1[金额])", False),
        ("Table1[[#This Row],[金额]]*2", False),
        ('IF(A1="a|b",1,0)', False),
    ],
)
def test_refers_outside(formula: str, outside: bool) -> None:
    assert refers_outside(formula) is outside


def test_followers_of_a_shared_external_formula_are_found() -> None:
    xml = (
        b'<row r="2"><c r="C2"><f t="shared" ref="C2:C3" si="0">[1]Sheet1!A1</f><v></v></c></row>'
        b'<row r="3"><c r="C3"><f t="shared" si="0"/><v></v></c></row>'
        b'<row r="4"><c r="C4"><f>SUM(C2:C3)</f><v>0</v></c></row>'
    )
    found = _outside_formulas(xml, {})
    assert found == {(2, 2): "[1]Sheet1!A1", (3, 2): "[1]Sheet1!A1"}


def test_a_chunk_without_formulas_is_passed_over() -> None:
    assert _outside_formulas(b'<c r="A1" t="s"><v>0</v></c>' * 1000, {}) == {}


def test_check_field_count_names_the_line() -> None:
    lines = ["a,b\n", "x" * 40 + "\n", ",".join("1" * 30) + "\n"]
    check_field_count(lines, ",", limit=30)  # 30 fields: at the limit
    with pytest.raises(UnreadableFile, match="第3行有 31 个字段"):
        check_field_count([*lines[:2], ",".join("1" * 31) + "\n"], ",", limit=30)
