"""Hostile and odd input files: nothing lost, nothing garbled, every file accounted for.

Grouped by the promise each test guards; the numbers are the cases of issue 12.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pathlib
import re
import socket
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from metrics.cleaning.ingest import MAX_CSV_FIELDS, decode_csv, read_csv_rows, read_raw
from metrics.cleaning.parsing import parse_amount, parse_count
from metrics.cleaning.store import run_clean
from metrics.cleaning.units import read_units
from metrics.config import RawConfig, UnitDecl, load_config
from metrics.errors import ConfigError, ExitCode, UnreadableFile
from metrics.running.cli import main
from metrics.scope import unit_key

HEADER = "日期,捐赠方,金额\n"


def raw_folder(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    return raw


def donation_lines(n: int, start: int = 1) -> str:
    return "".join(
        f"2024-10-{(i % 28) + 1:02d},职工{i:04d},{100 + i}\n" for i in range(start, n + 1)
    )


# --- 1. No silent loss: a stray quote never swallows rows ------------------------------------


def test_stray_quote_swallows_no_rows(tmp_path: Path) -> None:
    """100 rows, an unmatched quote on data row 10: every row still read, the line flagged."""
    raw = raw_folder(tmp_path)
    lines = donation_lines(100).splitlines(keepends=True)
    lines[9] = '2024-10-10,"职工0010 （爱心,110\n'  # quote opened, never closed
    text = HEADER + "".join(lines)
    (raw / "捐款2024.csv").write_text(text, encoding="utf-8")
    outcome = run_clean(raw, tmp_path / "out")
    sheet = outcome.manifest["files"][0]["sheets"][0]
    physical_lines = text.count("\n")
    assert sheet["rows_read"] == physical_lines - 1 == 100  # every line under the header
    assert sheet["accepted"] == 100 and sheet["reconciled"]
    flagged = outcome.warnings[outcome.warnings["rule"] == "csv_unbalanced_quote"]
    assert flagged["source_row"].tolist() == [11]  # Excel row of data row 10
    assert [n.message for n in outcome.notices if n.level == "check"] == [
        '第11行：这一行的引号（"）不成对，已按单行读取；请核对这一行的内容是否完整'
    ]


def test_stray_quote_in_a_big_csv_is_no_field_limit_traceback(tmp_path: Path) -> None:
    """6,000 rows after a stray quote used to be `field larger than field limit`."""
    raw = raw_folder(tmp_path)
    text = HEADER + '2024-10-01,"张三,100\n' + donation_lines(6000, start=2)
    (raw / "捐款2024.csv").write_text(text, encoding="utf-8")
    outcome = run_clean(raw, None)
    sheet = outcome.manifest["files"][0]["sheets"][0]
    assert sheet["rows_read"] == text.count("\n") - 1 == 6000
    assert sheet["accepted"] == 6000


def test_quoted_cells_over_several_lines_stay_one_row() -> None:
    """A real multi-line cell (Alt+Enter in Excel) is one row, not flagged."""
    data = (HEADER + '2024-10-01,"卷包车间\n分工会",100\n2024-10-02,李四,50\n').encode()
    rows, flags = read_csv_rows(data)
    assert rows == [
        ["日期", "捐赠方", "金额"],
        ["2024-10-01", "卷包车间\n分工会", "100"],
        ["2024-10-02", "李四", "50"],
    ]
    assert flags == []


def test_an_unquoted_thousands_comma_is_refused_not_read_as_12(tmp_path: Path) -> None:
    """`…,现金,12,500` was read as 12 yuan and `1,200,000` as 1, exit 0, nothing listed."""
    raw = raw_folder(tmp_path)
    (raw / "捐款2024.csv").write_text(
        "日期,捐赠方,方式,金额\n"
        "2024-10-01,张三,现金,12,500\n"
        "2024-10-02,李四,现金,1,200,000\n"
        '2024-10-03,王五,现金,"12,500"\n',
        encoding="utf-8",
    )
    outcome = run_clean(raw, tmp_path / "out")
    assert outcome.tables["donations"]["amount_yuan"].tolist() == [12500.0]
    rejects = outcome.rejects.set_index("source_row")
    assert rejects.loc[2, "value"] == "12,500" and rejects.loc[3, "value"] == "1,200,000"
    assert all(r.startswith("金额中的逗号没有加引号") for r in rejects["reason"])
    assert set(rejects["source_file"]) == {"捐款2024.csv"} and set(rejects["column"]) == {"金额"}
    assert outcome.manifest["files"][0]["sheets"][0]["reconciled"]


def test_a_row_with_more_fields_than_its_header_is_flagged_with_the_count(tmp_path: Path) -> None:
    raw = raw_folder(tmp_path)
    (raw / "捐款2024.csv").write_text(
        HEADER + "2024-10-01,张三,100,补记,见附件\n2024-10-02,李四,50\n2024-10-03,王五,20,,\n",
        encoding="utf-8",
    )
    outcome = run_clean(raw, tmp_path / "out")
    assert outcome.tables["donations"]["donor"].tolist() == ["张三", "李四", "王五"]
    [flag] = outcome.warnings[outcome.warnings["rule"] == "csv_extra_fields"].to_dict("records")
    assert flag["source_row"] == 2 and "多 2 个有内容的字段（补记、见附件）" in flag["message"]
    assert any("第2行" in n.message and "比表头多" in n.message for n in outcome.notices)


# --- 3. Look-alike unit names: one key per unit, two units never share one (issue 21, case 2)


@pytest.mark.parametrize(("first", "second"), [("ＡＢ车间", "ab车间"), ("AB车间", "AB 车间")])
def test_units_declared_in_their_own_folders_with_look_alike_names_are_refused(
    tmp_path: Path, first: str, second: str
) -> None:
    """Each folder declares its own unit; names differing only in width, case or a space
    would share one scope, one data-quality report and one folder: refused at load, naming
    both declarations (file and line)."""
    raw = raw_folder(tmp_path)
    for folder, name in (("一", first), ("二", second)):
        (raw / folder).mkdir()
        (raw / folder / "shishi.toml").write_text(
            f'# {folder}\n[unit]\nname = "{name}"\n', encoding="utf-8"
        )
        (raw / folder / "捐款2024.csv").write_text(HEADER + "2024-10-01,张三,100\n", "utf-8")
    with pytest.raises(ConfigError) as info:
        read_units(raw, load_config(raw))
    message = info.value.message
    assert f'{raw / "一" / "shishi.toml"} 第 3 行「[unit] name = "{first}"」' in message
    assert f'{raw / "二" / "shishi.toml"} 第 3 行「[unit] name = "{second}"」' in message


def test_look_alike_names_in_one_units_list_name_both_lines(tmp_path: Path) -> None:
    text = '[[units]]\nfolder = "a"\nname = "AB车间"\n\n[[units]]\nfolder = "b"\nname = "ab 车间"\n'
    message = settings_problem(tmp_path, text)
    assert "第 7 行 「units.name = ab 车间」：与第 3 行 「units.name = AB车间」同名" in message


def test_unit_keys_fold_width_case_and_spaces() -> None:
    assert len({unit_key(n) for n in ["ＡＢ车间", "ab车间", "AB 车间", " AB车间\u3000"]}) == 1
    assert unit_key("青江卷烟") != unit_key("青江卷烟厂")


# --- 5. The manifest's hash describes the bytes that were cleaned ----------------------------


def test_hash_is_of_the_bytes_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is swapped for another version right after it is first opened (a save by an
    office colleague): the hash and the rows must come from the same version."""
    raw = raw_folder(tmp_path)
    target = raw / "捐款2024.csv"
    v1 = (HEADER + "2024-10-01,第一版,100\n").encode()
    v2 = (HEADER + "2024-10-01,第二版,999\n").encode()
    target.write_bytes(v1)
    real_open = pathlib.Path.open
    swapped = []

    def open_then_swap(self: Path, *args, **kwargs):
        handle = real_open(self, *args, **kwargs)
        if self.name == target.name and not swapped:
            swapped.append(True)
            tmp = self.with_name("next.tmp")
            tmp.write_bytes(v2)
            os.replace(tmp, self)  # the open handle still reads the first version
        return handle

    monkeypatch.setattr(pathlib.Path, "open", open_then_swap)
    outcome = run_clean(raw, None)
    entry = outcome.manifest["files"][0]
    donors = outcome.tables["donations"]["donor"].tolist()
    assert (entry["sha256"], donors) == (hashlib.sha256(v1).hexdigest(), ["第一版"])


# --- 6. Resource limits before work: a sparse-range bomb ------------------------------------


def far_cell_workbook(path: Path, ref: str, dimension: str | None = None) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "捐款"
    ws.append(["日期", "捐赠方", "金额"])
    ws.append(["2024-10-01", "张三", 100])
    ws[ref] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    if dimension is None:
        path.write_bytes(buf.getvalue())
        return
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(
                    rb'<dimension ref="[^"]+"', f'<dimension ref="{dimension}"'.encode(), data
                )
            dst.writestr(info, data)


@pytest.mark.parametrize(("ref", "dimension"), [("XFD1048576", None), ("XFD5000", "A1:C2")])
def test_sparse_range_bomb_refused_before_reading(
    tmp_path: Path, ref: str, dimension: str | None
) -> None:
    """One value far away (a dimension that says so, or one that lies about it) is refused
    with a reason before calamine allocates the grid; the other files are read."""
    raw = raw_folder(tmp_path)
    far_cell_workbook(raw / "bomb.xlsx", ref, dimension)
    assert (raw / "bomb.xlsx").stat().st_size < 10_000
    (raw / "good.csv").write_text(HEADER + "2024-10-01,张三,100\n", encoding="utf-8")
    sheets, notices = read_raw(raw, RawConfig(max_unpacked_mb=64))
    assert [s.file for s in sheets] == ["good.csv"]
    [notice] = notices
    assert (
        notice.file == "bomb.xlsx" and "「捐款」" in notice.message and "单元格" in notice.message
    )


def test_ordinary_workbook_passes_the_extent_check(tmp_path: Path) -> None:
    raw = raw_folder(tmp_path)
    far_cell_workbook(raw / "ok.xlsx", "C2")
    sheets, notices = read_raw(raw, RawConfig(max_unpacked_mb=64))
    assert [s.file for s in sheets] == ["ok.xlsx"] and notices == []


def test_a_line_over_the_field_limit_is_refused_in_bounded_time(tmp_path: Path) -> None:
    """One line of 1,000,000 fields took 63 s and its cells were dropped without a notice."""
    raw = raw_folder(tmp_path)
    wide = "2024-10-02,李四,50," + ",".join(["x"] * 1_000_000) + "\n"
    (raw / "捐款2024.csv").write_text(HEADER + "2024-10-01,张三,100\n" + wide, encoding="utf-8")
    (raw / "good.csv").write_text(HEADER + "2024-10-01,赵六,100\n", encoding="utf-8")
    started = time.perf_counter()
    sheets, notices = read_raw(raw, RawConfig())
    assert time.perf_counter() - started < 5
    assert [s.file for s in sheets] == ["good.csv"]
    [notice] = notices
    assert notice.file == "捐款2024.csv" and "第3行有 1,000,003 个字段" in notice.message


def test_a_line_just_under_the_field_limit_is_read_in_bounded_time_and_flagged(
    tmp_path: Path,
) -> None:
    """A line of 16,000 fields made every row of its chunk 16,000 cells wide (minutes for
    20,000 rows); now the line is cut past its header, its extra cells counted in the flag."""
    raw = raw_folder(tmp_path)
    wide = "2024-10-01,张三,100," + ",".join(["x"] * (MAX_CSV_FIELDS - 4)) + "\n"
    (raw / "捐款2024.csv").write_text(HEADER + wide + donation_lines(5000), encoding="utf-8")
    started = time.perf_counter()
    outcome = run_clean(raw, None)
    assert time.perf_counter() - started < 30
    assert len(outcome.tables["donations"]) == 5001
    [flag] = outcome.warnings[outcome.warnings["rule"] == "csv_extra_fields"].to_dict("records")
    assert (
        flag["source_row"] == 2 and f"多 {MAX_CSV_FIELDS - 4:,} 个有内容的字段" in flag["message"]
    )


def test_lines_at_the_field_limit_are_read() -> None:
    line = ",".join(["x"] * MAX_CSV_FIELDS)
    rows, _ = read_csv_rows((line + "\n" + line + "\n").encode())
    assert [len(r) for r in rows] == [MAX_CSV_FIELDS, MAX_CSV_FIELDS]


# --- 7. Numbers beyond a sane range are rejected cells, not overflows or "inf亿元" ----------


def test_huge_numbers_are_rejected_cells(tmp_path: Path) -> None:
    raw = raw_folder(tmp_path)
    (raw / "志愿服务2024.csv").write_text(
        "活动日期,组织单位,活动名称,参与人数,服务时长\n"
        "2024-10-01,制丝车间党支部,义务植树,12345678901234567890,2\n"
        "2024-10-02,卷包车间党支部,社区清扫,12,3\n",
        encoding="utf-8",
    )
    (raw / "捐款2024.csv").write_text(
        HEADER + "2024-10-01,张三,1e308\n2024-10-02,李四,100\n", encoding="utf-8"
    )
    outcome = run_clean(raw, tmp_path / "out")
    assert outcome.tables["volunteering"]["participants"].tolist() == [12]
    assert outcome.tables["donations"]["amount_yuan"].tolist() == [100.0]
    reasons = outcome.rejects["reason"].tolist()
    assert any("数量超出合理范围" in r for r in reasons)
    assert any("金额超出合理范围" in r for r in reasons)


def test_range_limits_at_the_edge() -> None:
    assert parse_amount("1万亿").value == 1e12 and parse_amount(1e12 + 1).error
    assert parse_count(100_000_000).value == 100_000_000 and parse_count(100_000_001).error


# --- 12. Correct reasons: mislabelled workbooks and other encodings --------------------------


def test_xls_content_behind_an_xlsx_name_is_read(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    raw = raw_folder(tmp_path)
    wb = xlwt.Workbook()
    ws = wb.add_sheet("捐款")
    for r, row in enumerate([["日期", "捐赠方", "金额"], ["2024-10-01", "张三", 100]]):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    wb.save(str(raw / "renamed.xlsx"))
    outcome = run_clean(raw, None)
    assert outcome.notices == []
    assert outcome.tables["donations"]["donor"].tolist() == ["张三"]


TEXT = "日期\t捐赠方\t金额\n2024-10-01\t陳永華\t100\n2024-10-02\t卷包车间分工会\t50\n"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("unicode.txt", b"\xff\xfe" + TEXT.encode("utf-16-le")),  # Excel's "Unicode 文本"
        ("unicode.csv", TEXT.replace("\t", ",").encode("utf-16")),
        ("nobom.csv", TEXT.replace("\t", ",").encode("utf-16-le")),
    ],
)
def test_utf16_is_decoded(tmp_path: Path, name: str, data: bytes) -> None:
    raw = raw_folder(tmp_path)
    (raw / name).write_bytes(data)
    outcome = run_clean(raw, None)
    assert [n.message for n in outcome.notices] == []
    assert sorted(outcome.tables["donations"]["donor"]) == ["卷包车间分工会", "陳永華"]


def test_big5_is_decoded_not_garbled(tmp_path: Path) -> None:
    raw = raw_folder(tmp_path)
    text = "日期,捐贈方,金額\n2024-10-01,陳永華,100\n2024-10-02,張麗雲,200\n2024-10-03,黃國強,50\n"
    (raw / "big5.csv").write_bytes(text.encode("big5"))
    outcome = run_clean(raw, None)
    assert sorted(outcome.tables["donations"]["donor"]) == ["張麗雲", "陳永華", "黃國強"]


def test_gb18030_still_wins_for_simplified_text() -> None:
    data = "日期,捐赠方,金额\n2024-10-01,动力车间分工会,100\n".encode("gb18030")
    assert decode_csv(data) == (data.decode("gb18030"), "gb18030")


def test_implausible_decode_is_refused_with_a_reason() -> None:
    garbage = b"a,b\n" + bytes([0x81, 0x40, 0x82, 0x41, 0x83, 0x42]) * 50 + b"\n"
    with pytest.raises(UnreadableFile, match="编码无法可靠识别"):
        decode_csv(garbage)


def external_formula_workbook(path: Path, formula: str) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "捐款"
    ws.append(["日期", "捐赠方", "金额"])
    ws.append(["2024-10-01", "张三", formula])
    ws.append(["2024-10-02", "李四", 100])
    wb.save(path)


@pytest.mark.parametrize(
    "formula",
    [
        "=[1]Sheet1!A1",
        "='C:\\财务\\[捐款汇总.xlsx]Sheet1'!C3",
        "=cmd|' /C calc'!A0",
        '=WEBSERVICE("http://example.com/amount")',
        '=_xlfn.WEBSERVICE("http://example.com/amount")',
    ],
)
def test_formulas_referring_outside_the_workbook_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, formula: str
) -> None:
    """They were refused as "必填项为空"; nothing is fetched (no socket is opened)."""

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("shishi opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    raw = raw_folder(tmp_path)
    external_formula_workbook(raw / "捐款2024.xlsx", formula)
    outcome = run_clean(raw, None)
    assert outcome.tables["donations"]["donor"].tolist() == ["李四"]
    [reason] = outcome.rejects["reason"].tolist()
    assert "引用本工作簿之外的公式" in reason and formula[1:20] in reason
    assert "为空" not in reason
    # its own code in rejects.csv (it was "other"), so the quality report can count them
    assert outcome.rejects["reason_code"].tolist() == ["external_formula"]


def test_a_formula_inside_the_workbook_keeps_the_empty_reason(tmp_path: Path) -> None:
    raw = raw_folder(tmp_path)
    external_formula_workbook(raw / "捐款2024.xlsx", "=SUM(Table1[金额])")
    outcome = run_clean(raw, None)
    [reason] = outcome.rejects["reason"].tolist()
    assert reason.startswith("必填项「金额」为空")


@pytest.mark.parametrize("text", ["NaN", "nan"])
def test_a_literal_nan_is_said_to_be_the_text_nan(tmp_path: Path, text: str) -> None:
    raw = raw_folder(tmp_path)
    (raw / "捐款2024.csv").write_text(
        HEADER + f"2024-10-01,张三,{text}\n2024-10-02,{text},50\n", encoding="utf-8"
    )
    outcome = run_clean(raw, None)
    reasons = outcome.rejects["reason"].tolist()
    assert len(reasons) == 2 and all(f"填的是文字“{text}”" in r for r in reasons)
    assert set(outcome.rejects["reason_code"]) == {"placeholder_text"}


def test_financial_numerals_with_jiao_and_fen_are_read_in_a_ledger(tmp_path: Path) -> None:
    """壹万贰仟叁佰肆拾伍元陆角 was refused as unreadable."""
    raw = raw_folder(tmp_path)
    (raw / "捐款2024.csv").write_text(
        HEADER + "2024-10-01,张三,壹万贰仟叁佰肆拾伍元陆角\n2024-10-02,李四,贰佰元伍角陆分\n",
        encoding="utf-8",
    )
    outcome = run_clean(raw, None)
    assert outcome.tables["donations"]["amount_yuan"].tolist() == [12345.6, 200.56]


# --- 13. Every file accounted for: skipped files get a notice and a manifest line ------------


def test_skipped_files_get_a_notice_and_a_manifest_line(tmp_path: Path) -> None:
    raw = raw_folder(tmp_path)
    (raw / "good.csv").write_text(HEADER + "2024-10-01,张三,100\n", encoding="utf-8")
    (raw / "._good.csv").write_bytes(b"\x00\x05\x16\x07 mac resource fork")
    (raw / "~$good.xlsx").write_bytes(b"lock")
    os.mkfifo(raw / "pipe.csv")
    outside = tmp_path / "secret.csv"
    outside.write_text(HEADER + "2024-10-01,外部,999\n", encoding="utf-8")
    (raw / "link.csv").symlink_to(outside)
    (raw / "README.md").write_text("说明", encoding="utf-8")
    outcome = run_clean(raw, tmp_path / "out")
    notices = {n.file: n.message for n in outcome.notices}
    assert set(notices) == {"._good.csv", "~$good.xlsx", "pipe.csv", "link.csv"}
    assert "隐藏文件" in notices["._good.csv"] and "锁文件" in notices["~$good.xlsx"]
    assert "不是普通文件" in notices["pipe.csv"] and "之外" in notices["link.csv"]
    assert outcome.tables["donations"]["donor"].tolist() == ["张三"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["file"]: f for f in manifest["files"]}
    assert set(listed) == {"good.csv", "._good.csv", "~$good.xlsx", "pipe.csv", "link.csv"}
    assert listed["link.csv"]["sha256"] is None  # the outside file was never read
    assert "error" in listed["link.csv"] and "error" not in listed["._good.csv"]
    assert "隐藏文件" in listed["._good.csv"]["skipped"]  # skipped on purpose: not incomplete


def test_symlink_inside_the_raw_folder_is_read(tmp_path: Path) -> None:
    raw = raw_folder(tmp_path)
    (raw / "sub").mkdir()
    (raw / "sub" / "a.csv").write_text(HEADER + "2024-10-01,张三,100\n", encoding="utf-8")
    (raw / "alias.csv").symlink_to(raw / "sub" / "a.csv")
    declared = RawConfig(units=[UnitDecl(folder="sub", name="二车间")])  # a unit's folder
    sheets, notices = read_raw(raw, declared)
    assert sorted(s.file for s in sheets) == ["alias.csv", "sub/a.csv"] and notices == []


# --- 15. Unsafe names: a file name cannot fake output lines ----------------------------------


def test_file_names_are_printed_with_controls_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = raw_folder(tmp_path)
    (raw / "x\n完成：生成 99\x1b[2J.docx").write_bytes(b"not a ledger")
    (raw / "good.csv").write_text(HEADER + "2024-10-01,张三,100\n", encoding="utf-8")
    assert main(["clean", "--raw", str(raw), "--out", str(tmp_path / "out")]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert not any(line.startswith("完成：生成 99") for line in out.splitlines())
    assert "x\\n完成：生成 99\\x1b[2J.docx" in out


# --- 18. Validated settings are safe settings (issue 21, cases 5 and 6) ----------------------


def settings_problem(tmp_path: Path, text: str) -> str:
    (tmp_path / "shishi.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert info.value.path == tmp_path / "shishi.toml" and info.value.hint
    return info.value.message


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            '[unit]\nname = "青江\\n卷烟厂"\n',
            "第 2 行 「unit.name」：名称含有不可见的控制字符（U+000A",
        ),
        (
            '[unit]\nname = "青江\\u001b[2J"\n',
            "第 2 行 「unit.name」：名称含有不可见的控制字符（U+001B",
        ),
        ('[unit]\nname = "青江\\u202e厂烟卷"\n', "U+202E"),
        ('[[units]]\nfolder = "a"\nname = "二厂\\u2028"\n', "第 3 行 「units.name」"),
    ],
)
def test_a_unit_name_must_be_printable(tmp_path: Path, text: str, said: str) -> None:
    """A newline, an ESC or a bidi override in [unit] name passed validation, then broke the
    notebook ("All strings must be XML compatible")."""
    assert said in settings_problem(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[targets]\ndonations_yuan = nan\n", "第 2 行 「targets」.donations_yuan：应为有限的数字"),
        (
            "[targets]\nvolunteer_activities = inf\n",
            "第 2 行 「targets」.volunteer_activities：应为有限",
        ),
        ("[targets]\ndonations_yuan = 1e300\n", "超出合理范围"),
        ("[rates]\nUSD = inf\n", "第 2 行 「rates」.USD：应为有限的数字"),
        ('[[units]]\nfolder = "a"\nname = "二厂"\ntargets = { donations_yuan = nan }\n', "第 4 行"),
        ("max_file_mb = 1e308\n", "第 1 行 「max_file_mb」：不能大于 65536"),
        ("max_unpacked_mb = nan\n", "第 1 行 「max_unpacked_mb」：应为有限的数字"),
    ],
)
def test_settings_are_finite_numbers_in_sane_ranges(tmp_path: Path, text: str, said: str) -> None:
    """[targets] nan gave "cannot convert float NaN to integer" in the notebook; max_file_mb =
    1e308 an OverflowError in ingest."""
    assert said in settings_problem(tmp_path, text)


@pytest.mark.parametrize("opening", ["[", "{x = "])
def test_deeply_nested_settings_are_one_line_not_a_recursion_error(
    tmp_path: Path, opening: str
) -> None:
    closing = "]" if opening == "[" else "}"
    text = '[unit]\nname = "青江卷烟厂"\nbranches = ' + opening * 5000 + "1" + closing * 5000 + "\n"
    assert "第 3 行：列表或 { } 嵌套超过 32 层" in settings_problem(tmp_path, text)


def test_brackets_inside_strings_and_comments_are_not_nesting(tmp_path: Path) -> None:
    text = "# " + "[" * 100 + '\n[unit]\nname = "' + "【" * 3 + "[" * 100 + '"\n'
    (tmp_path / "shishi.toml").write_text(text, encoding="utf-8")
    assert load_config(tmp_path).unit_name == "【【【" + "[" * 100
