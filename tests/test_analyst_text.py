"""The analyst's 报告文字 file: its front matter (文号, 期数, 成文日期, 报送, 抄送, 印发), and
what it may bring into the PDF - photos checked before any layout, and a size limit
(issue 21 items 7 and 9; issue 20 item 4)."""

from __future__ import annotations

import datetime as dt
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from metrics.errors import ConfigError
from metrics.periods import Period
from metrics.reporting import analyst, present
from metrics.reporting.analyst import load_analyst_text, parse_analyst_text

ROOT = Path(__file__).resolve().parents[1]
Q4 = Period.parse("2024Q4")


def png_header(width: int, height: int) -> bytes:
    """A PNG that says it is width x height (one tiny IDAT): opened, never decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def text_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "raw" / "报告文字"
    (folder / "照片").mkdir(parents=True)
    return folder


def refused(folder: Path, line: str) -> str:
    """The ConfigError for a case whose photo line is ``line`` (line 4 of 2024Q4.md)."""
    md = folder / "2024Q4.md"
    md.write_text(f"## 典型案例\n### 案例\n正文\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_analyst_text(folder.parent, Q4)
    said = str(err.value)
    assert "2024Q4.md" in said and "第4行" in said, said
    return said


# --- photos (issue 21 item 7) -------------------------------------------------------------------


def test_a_photo_outside_the_folder_is_refused_as_outside(tmp_path: Path) -> None:
    folder = text_folder(tmp_path)
    said = refused(folder, "![主机名](../../etc/hostname)")
    assert "在报告文字文件夹之外" in said and "../../etc/hostname" in said
    assert "不是 JPG 或 PNG" not in said
    # a .png outside by a symbolic link inside the folder is outside too
    outside = tmp_path / "elsewhere.png"
    Image.new("RGB", (4, 3)).save(outside)
    (folder / "照片" / "link.png").symlink_to(outside)
    assert "文件夹之外" in refused(folder, "![链接](照片/link.png)")


def test_a_text_file_named_png_is_refused_in_chinese_with_file_and_line(tmp_path: Path) -> None:
    folder = text_folder(tmp_path)
    (folder / "照片" / "假图.png").write_text("这不是图片", encoding="utf-8")
    said = refused(folder, "![说明](照片/假图.png)")
    assert "照片/假图.png" in said and "不是一张完整的 JPG 或 PNG 图片" in said
    assert "UnrecognizedImageError" not in said and "Unidentified" not in said


@pytest.mark.parametrize(("width", "height"), [(30000, 30000), (8000, 6000)])
def test_a_photo_over_the_pixel_limit_is_refused_before_it_is_decoded(
    tmp_path: Path, width: int, height: int
) -> None:
    folder = text_folder(tmp_path)
    (folder / "照片" / "大图.png").write_bytes(png_header(width, height))
    said = refused(folder, "![说明](照片/大图.png)")
    assert "照片/大图.png" in said and "上限" in said and "4000 万像素" in said
    assert "DecompressionBomb" not in said and "pixels" not in said


def test_a_gif_named_jpg_is_refused_and_a_real_photo_is_taken(tmp_path: Path) -> None:
    folder = text_folder(tmp_path)
    Image.new("RGB", (4, 3)).save(folder / "照片" / "动图.jpg", format="GIF")
    assert "实际是 GIF 格式" in refused(folder, "![说明](照片/动图.jpg)")
    Image.new("RGB", (40, 30)).save(folder / "照片" / "好.jpg")
    (folder / "2024Q4.md").write_text("## 典型案例\n### 案例\n![好](照片/好.jpg)\n", "utf-8")
    text = load_analyst_text(folder.parent, Q4)
    assert text.cases[0].photos[0].path == (folder / "照片" / "好.jpg").resolve()


# --- size (issue 21 item 9) ---------------------------------------------------------------------


def test_a_text_file_over_200_kb_is_refused_with_its_size(tmp_path: Path) -> None:
    folder = text_folder(tmp_path)
    line = "- 本季度开展了大量工作，取得了明显成效。\n"
    (folder / "2024Q4.md").write_text("## 亮点\n" + line * 20_000, encoding="utf-8")  # ~1.2 MB
    with pytest.raises(ConfigError) as err:
        load_analyst_text(folder.parent, Q4)
    said = str(err.value)
    assert "KB" in said and "200 KB 的上限" in said and "2024Q4.md" in said
    # the same text handed straight to the parser is refused too
    with pytest.raises(ConfigError, match="200 KB"):
        parse_analyst_text("## 亮点\n" + line * 20_000, folder / "2024Q4.md")
    # a long but ordinary 简报 text (about 60 KB) is read
    (folder / "2024Q4.md").write_text("## 亮点\n" + line * 1000, encoding="utf-8")
    assert len(load_analyst_text(folder.parent, Q4).highlights) == 1000


# --- front matter (issue 20 item 4) -------------------------------------------------------------


def test_front_matter_sets_the_baotou_and_banji_lines(tmp_path: Path) -> None:
    text = parse_analyst_text(
        "---\n文号: 青江办〔2025〕3号\n期数: 第3期\n成文日期: 2025-01-10\n报送: 厂党委\n"
        "抄送: 工会\n印发机关: 厂党委办公室\n印发日期: 2025年1月12日\n---\n"
        "<!-- 说明：\n这几行不进简报 -->\n## 亮点\n- 甲\n",
        tmp_path / "2024Q4.md",
    )
    assert (text.number, text.issue, text.written_on) == (
        "青江办〔2025〕3号",
        "第3期",
        "2025年1月10日",
    )
    assert (text.send_to, text.copy_to) == ("厂党委", "工会")
    assert (text.printer, text.printed_on) == ("厂党委办公室", "2025年1月12日")
    assert text.highlights == ["甲"]
    # the older word 编号 still reads; a date that is none is refused on its line
    assert parse_analyst_text("---\n编号: 1号\n---\n", tmp_path / "x.md").number == "1号"
    with pytest.raises(ConfigError, match=r"第2行.*成文日期“2025年13月1日”不是日期"):
        parse_analyst_text("---\n成文日期: 2025年13月1日\n---\n", tmp_path / "x.md")
    # a comment keeps the line numbers of what follows it
    with pytest.raises(ConfigError, match="第4行"):
        parse_analyst_text("<!--\n说明\n-->\n乱写\n", tmp_path / "x.md")


def test_a_wenhao_of_another_year_without_chengwen_date_is_said(tmp_path: Path) -> None:
    folder = text_folder(tmp_path)
    md = folder / "2024Q4.md"
    md.write_text("---\n文号: 青江办〔2025〕1号\n---\n## 亮点\n- 甲\n", encoding="utf-8")
    notes = analyst.text_notices(folder.parent, Q4, today=dt.date(2026, 12, 2))
    assert len(notes) == 1 and "2025年" in notes[0] and "成文日期" in notes[0]
    assert "2026年12月2日" in notes[0] and "2024Q4.md" in notes[0]
    assert analyst.text_notices(folder.parent, Q4, today=dt.date(2025, 1, 8)) == []
    md.write_text("---\n文号: 青江办〔2025〕1号\n成文日期: 2025年1月10日\n---\n", "utf-8")
    assert analyst.text_notices(folder.parent, Q4, today=dt.date(2026, 12, 2)) == []


def test_the_sample_sets_its_dates_and_documents_every_key() -> None:
    md = ROOT / "data" / "raw" / "报告文字" / "2024Q4.md"
    text = load_analyst_text(ROOT / "data" / "raw", Q4)
    assert text.written_on == "2025年1月10日"  # beside 青江办〔2025〕1号, not the run date
    assert analyst.text_notices(ROOT / "data" / "raw", Q4) == []
    content = md.read_text(encoding="utf-8")
    for key in ("文号", "期数", "成文日期", "报送", "抄送", "印发机关", "印发日期"):
        assert key in content and key in analyst.FRONT_KEYS


# --- maintainability (issue 22) -----------------------------------------------------------------


def test_the_parser_is_in_named_steps_below_complexity_15() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--select",
            "C901",
            "--config",
            "lint.mccabe.max-complexity=15",
            str(ROOT / "src" / "metrics" / "reporting" / "analyst.py"),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout


def test_the_dead_cover_is_gone() -> None:
    assert not hasattr(present, "cover")
