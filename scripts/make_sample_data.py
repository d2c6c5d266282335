"""Write the invented sample ledgers of 青江卷烟厂 (2024) into data/raw/.

The figures echo the reference case (22 wish items, 19 resolved; 6万余元 raised for an
employee's sick child; 55万余元 of produce bought by the enterprise and 9100余元 by managers;
50+ volunteer activities, one of which built 30余顶 tents), and the files are as untidy as real
ones: title rows, merged cells, traditional headers, text amounts, mixed date styles, 合计 and
注： rows, a notes sheet, GB18030 CSVs and one file sent twice. Deterministic: run it again and
the same bytes come out.

    .venv/bin/python scripts/make_sample_data.py [OUT_DIR]
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

FIXED = dt.datetime(2025, 1, 6, 9, 0, 0)  # every workbook's created/modified stamp
ZIP_TIME = (2025, 1, 6, 9, 0, 0)  # every zip member's timestamp
D = dt.datetime  # a real Excel date cell


def excel_serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def new_workbook() -> Workbook:
    wb = Workbook()
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    wb.properties.creator = "青江卷烟厂党群工作部"
    return wb


def title(ws, text: str, width: int) -> None:
    ws.append([text])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
    ws.cell(ws.max_row, 1).font = Font(bold=True, size=14)
    ws.cell(ws.max_row, 1).alignment = Alignment(horizontal="center")


def save(wb: Workbook, path: Path) -> None:
    """Save byte-stably: openpyxl stamps docProps/core.xml's modified time with the clock and
    the zip members with the current time, so both are rewritten to FIXED."""
    raw = io.BytesIO()
    wb.save(raw)
    stamp = FIXED.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w") as dst:
        for member in src.infolist():
            data = src.read(member.filename)
            if member.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            info = zipfile.ZipInfo(member.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, data)
    path.write_bytes(out.getvalue())


# --- 1. wish list -----------------------------------------------------------------------------
WISHES = [
    # title, category, leader, department, raised, due, status, resolved, cost (万元)
    (
        "修缮职工篮球场",
        "文体活动",
        "张厂长",
        "工会",
        D(2024, 1, 8),
        "2024年6月",
        "已办结",
        D(2024, 3, 20),
        3.5,
    ),
    (
        "改造文体活动室",
        "文体活动",
        "张厂长",
        "工会",
        "2024年1月",
        "2024年6月",
        "完成",
        "2024.3.28",
        1.2,
    ),
    (
        "翻修职工停车位",
        "生活保障",
        "李副厂长",
        "综合办公室",
        "2024.1.15",
        "2024年9月",
        "已完成",
        "2024/03/29",
        "0.8",
    ),
    (
        "改造门禁系统",
        "安全健康",
        "李副厂长",
        "保卫科",
        "2024/01/20",
        "2024年9月",
        "办结",
        "2024年3月30日",
        2.6,
    ),
    (
        "修建电动车停车棚",
        "生活保障",
        "李副厂长",
        "综合办公室",
        excel_serial(dt.date(2024, 1, 19)),
        "2024年9月",
        "已办结",
        D(2024, 4, 25),
        "约0.5",
    ),
    (
        "升级人脸识别用餐系统",
        "生活保障",
        "王书记",
        "后勤管理部",
        D(2024, 1, 10),
        "2024年6月",
        "已辦結",
        D(2024, 5, 16),
        4.2,
    ),
    (
        "定期更新食堂菜单库",
        "生活保障",
        "王书记",
        "后勤管理部",
        "2024年1月",
        "2024年12月",
        "完成",
        "2024.5.30",
        "—",
    ),
    (
        "食堂服务问卷调查",
        "生活保障",
        "王书记",
        "后勤管理部",
        "2024年1月",
        "2024年6月",
        "已办结",
        "2024/06/12",
        None,
    ),
    (
        "优化餐厅布局和就餐流程",
        "生活保障",
        "王书记",
        "后勤管理部",
        "2024.2.2",
        "2024年9月",
        "已完成",
        D(2024, 6, 26),
        1.5,
    ),
    (
        "卷包车间洗浆房改造",
        "安全健康",
        "赵副厂长",
        "卷包车间",
        D(2024, 2, 5),
        "2024年9月",
        "已办结",
        "2024年7月18日",
        6.8,
    ),
    (
        "动力站值班室降低低频噪音",
        "安全健康",
        "赵副厂长",
        "动力车间",
        "2024年2月",
        "2024年9月",
        "办结",
        "2024.8.9",
        2.3,
    ),
    (
        "车间女职工休息室",
        "安全健康",
        "王书记",
        "工会",
        "2024年2月",
        "2024年12月",
        "已办结",
        D(2024, 8, 27),
        "1.6",
    ),
    (
        "卫生间安全防护设施",
        "安全健康",
        "赵副厂长",
        "后勤管理部",
        "2024/02/18",
        "2024年9月",
        "完成",
        "2024/09/10",
        0.6,
    ),
    (
        "年度健康体检",
        "安全健康",
        "王书记",
        "人力资源部",
        "2024年3月",
        "2024年9月",
        "已完成",
        "2024.9.25",
        8.5,
    ),
    (
        "年度职业健康体检",
        "安全健康",
        "赵副厂长",
        "安全管理部",
        "2024年3月",
        "2024年12月",
        "已办结",
        D(2024, 10, 16),
        3.2,
    ),
    (
        "后勤岗位定岗定员",
        "成长成才",
        "张厂长",
        "人力资源部",
        "2024.3.5",
        "2024年12月",
        "已办结",
        "2024年10月30日",
        "—",
    ),
    (
        "健全“双创”激励机制",
        "成长成才",
        "张厂长",
        "企业管理部",
        "2024年3月",
        "2024年12月",
        "办结",
        "2024/11/12",
        "约1",
    ),
    (
        "困难职工走访慰问",
        "困难帮扶",
        "王书记",
        "工会",
        "2024年3月",
        "2024年7月",
        "已完成",
        "2024.11.26",
        2.0,
    ),
    (
        "青年人才队伍调研",
        "成长成才",
        "张厂长",
        "人力资源部",
        "2024年4月",
        "2024年12月",
        "已办结",
        D(2024, 12, 18),
        None,
    ),
    ("职工书屋升级", "文体活动", "王书记", "工会", "2024年4月", "2024年11月", "推进中", None, 0.9),
    (
        "班车线路优化",
        "生活保障",
        "李副厂长",
        "综合办公室",
        "2024.5.6",
        "2025年3月",
        "办理中",
        None,
        None,
    ),
    (
        "浴室热水系统改造",
        "生活保障",
        "赵副厂长",
        "动力车间",
        "2024年6月",
        "2025年6月",
        "未启动",
        None,
        "—",
    ),
]


def wish_list(out: Path) -> None:
    wb = new_workbook()
    ws = wb.active
    ws.title = "台账"
    headers = [
        "序号",
        "项目名称",
        "类别",
        "责任领导",
        "责任部门",
        "提出时间",
        "计划完成时限",
        "办理进度",
        "办结时间",
        "投入资金（万元）",
        "备注",
    ]
    title(ws, "青江卷烟厂“我为群众办实事”职工心愿清单台账", len(headers))
    ws.append(["填报单位：青江卷烟厂党群工作部    填报日期：2024年12月31日"])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(headers))
    ws.append(headers)
    for i, (t, cat, leader, dept, raised, due, status, resolved, cost) in enumerate(
        WISHES, start=1
    ):
        if i == 12:
            ws.append([None] * len(headers))  # an accidental blank row mid-table
        ws.append([i, t, cat, leader, dept, raised, due, status, resolved, cost, None])
    # the clerk's 合计 counts the text cells too ("0.8", "约0.5"): 41.2 万元 in all
    ws.append(["合计", None, None, None, None, None, None, None, None, 41.2, None])
    ws.append(["注：投入资金单位为万元，“—”表示未发生费用；“约”为估算数。"])
    for col, width in zip("ABCDEFGHIJK", [6, 26, 10, 10, 14, 12, 14, 10, 14, 14, 10], strict=True):
        ws.column_dimensions[col].width = width
    guide = wb.create_sheet("填表说明")
    for line in [
        "填表说明",
        "1. 办理进度填写：已办结 / 推进中 / 未启动。",
        "2. 投入资金以万元为单位。",
        "3. 每季度末更新一次，报党群工作部。",
    ]:
        guide.append([line])
    save(wb, out / "心愿清单台账2024.xlsx")


# --- 2. donations -----------------------------------------------------------------------------
DONATION_HEADERS = ["日期", "项目/用途", "捐赠方", "类型", "金额（元）", "备注"]
DONATION_HEADERS_TRAD = ["日期", "項目/用途", "捐贈方", "類型", "金額（元）", "備註"]
DONATIONS = {
    "2024Q1": [
        (D(2024, 1, 25), "春节困难职工慰问", "青江卷烟厂工会", "现金", 16000, None),
        ("2024年2月", "春节困难职工慰问", "机关党支部", "物资", "约2千元", "米、油"),
        ("2024.3.12", "植树节绿化", "动力车间党支部", "物资", 1800, None),
    ],
    "2024Q2": [
        (D(2024, 4, 18), "爱小丫困难女童圆梦", "后勤三党支部", "现金", "1.2万", "一对一扶持计划"),
        ("2024.5.20", "爱小丫困难女童圆梦", "后勤四党支部", "现金", "８０００", None),
        ("6月1日", "困难女童集体庆生会", "后勤三党支部", "物资", 2500, "蛋糕、文具"),
    ],
    "2024Q3": [
        (D(2024, 7, 1), "七一慰问困难党员", "青江卷烟厂党委", "现金", "¥12,000.00", None),
        ("2024年8月", "防汛救灾", "制丝车间党支部", "物资", 4600, None),
        ("2024/09/10", "教师节慰问乡村学校", "机关党支部", "物资", "待定", "价值待核定"),
    ],
    "2024Q4": [
        (
            D(2024, 10, 12),
            "职工子女白血病救助",
            "卷包车间分工会（全厂职工）",
            "现金",
            "6万余元",
            "全厂职工爱心捐款",
        ),
        (
            "10月15日",
            "城南社区孤寡老人帮扶",
            "后勤四党支部",
            "物资",
            "约3千元",
            "被褥、不锈钢桌子、坐便凳",
        ),
        ("2024.11.3", "壹基金·温暖包", "后勤五党支部", "物资", 24000, "水市乡中心小学"),
        ("2024年12月", "冬季送温暖", "青江卷烟厂工会", "现金", 15000, None),
    ],
}


# What each sheet's own 合计 row says. Q2's was typed 500 too high (12,000 + 8,000 + 2,500 is
# 22,500): the reconciliation must catch it. Q3's leaves out the 待定 row, as a clerk would.
DONATION_TOTALS = {"2024Q1": 19800, "2024Q2": 23000, "2024Q3": 16600, "2024Q4": "约10.2万"}


def donations_book(out: Path) -> None:
    wb = new_workbook()
    first = True
    for sheet_name, rows in DONATIONS.items():
        ws = wb.active if first else wb.create_sheet(sheet_name)
        ws.title = sheet_name
        first = False
        title(ws, f"青江卷烟厂捐款捐物登记表（{sheet_name[:4]}年第{sheet_name[-1]}季度）", 6)
        if sheet_name in ("2024Q2", "2024Q4"):
            ws.append(["填报单位：青江卷烟厂工会"])  # header moves to row 3
        ws.append(DONATION_HEADERS_TRAD if sheet_name == "2024Q2" else DONATION_HEADERS)
        for row in rows:
            ws.append(list(row))
        ws.append(["合计", None, None, None, DONATION_TOTALS[sheet_name], None])
        for col, width in zip("ABCDEF", [12, 22, 26, 8, 12, 24], strict=True):
            ws.column_dimensions[col].width = width
    notes = wb.create_sheet("说明")
    notes.append(["1. 物资按市场价折算金额。"])
    notes.append(["2. 每季度一张工作表。"])
    save(wb, out / "捐款捐物登记2024.xlsx")


# --- 3. poverty-relief purchases --------------------------------------------------------------
PURCHASES = [
    (D(2024, 1, 16), "青江卷烟厂（企业采购）", "石柱县中益乡", "蜂蜜", "12.6万"),
    ("2024.3.8", "青江卷烟厂（企业采购）", "石柱县中益乡", "腊肉", "¥85,000"),
    ("2024年4月", "管理人员自费", "石柱县中益乡", "土蜂蜜", 3250),
    ("2024/05/21", "青江卷烟厂（企业采购）", "石柱县中益乡", "大米", 98000),
    ("2024.6.18", "青江卷烟厂（企业采购）", "石柱县中益乡", "莼菜", "12万余元"),
    (D(2024, 8, 9), "管理人员自费", "石柱县中益乡", "黄连", 2750),
    ("2024年9月", "工厂工会", "石柱县中益乡", "土豆", 45000),
    (D(2024, 11, 6), "青江卷烟厂（企业采购）", "石柱县中益乡", "腊肉", 80000),
    ("2024.12.10", "管理人员自费", "石柱县中益乡", "干菜礼包", "3100余元"),
]


def purchases_book(out: Path) -> None:
    wb = new_workbook()
    ws = wb.active
    ws.title = "采购明细"
    title(ws, "青江卷烟厂2024年消费帮扶采购明细", 6)
    ws.append(["日期", "采购主体", "供应地区", "产品", "金额", "备注"])
    for row in PURCHASES:
        ws.append([*row, None])
    numeric = sum(r[4] for r in PURCHASES if isinstance(r[4], int | float))
    ws.append(["合计", None, None, None, numeric + 126000 + 85000 + 120000 + 3100, None])
    ws.append(["注：“余”为不少于该数；管理人员自费部分由个人支付，不计入企业采购任务。"])
    for col, width in zip("ABCDEF", [12, 24, 14, 12, 12, 10], strict=True):
        ws.column_dimensions[col].width = width
    save(wb, out / "消费帮扶采购2024.xlsx")


# --- 4. volunteering --------------------------------------------------------------------------
BRANCHES = [
    "制丝车间党支部",
    "卷包车间党支部",
    "动力车间党支部",
    "后勤三党支部",
    "后勤四党支部",
    "后勤五党支部",
    "机关党支部",
]
THEMES = [
    ("文明创建", "文明交通劝导"),
    ("环境保护", "阿蓬江河道清洁"),
    ("关爱老人", "敬老院义务劳动"),
    ("乡村振兴", "石钟村产业调研帮扶"),
    ("关爱儿童", "留守儿童课业辅导"),
    ("文明创建", "社区垃圾分类宣传"),
]
PEOPLE = [12, "15人", "二十余人", "约10人", 8, "9人", 11, "6人"]
HOURS = [3, "2.5小时", "半天", 2, "3小时", 4]
SPECIAL = {
    # (quarter, index) -> activity with an outcome the report quotes
    ("Q4", 0): (
        "2024-10-12",
        "制丝车间党支部",
        "协助蓝天救援队搭建核酸检测帐篷",
        "疫情防控",
        "二十余人",
        "半天",
        "搭建帐篷30余顶",
    ),
    ("Q4", 1): (
        "2024-11-20",
        "后勤五党支部",
        "水市乡中心小学寒冬送暖",
        "关爱儿童",
        "15人",
        "3小时",
        "送达温暖包120个",
    ),
    ("Q4", 2): (
        "2024-10-28",
        "后勤四党支部",
        "看望城南社区孤寡老人",
        "关爱老人",
        6,
        2,
        "送去被褥、桌子等生活物资",
    ),
    ("Q2", 0): (
        "2024-05-31",
        "后勤三四党支部",  # two branches together, written as the article writes them
        "“爱小丫”困难女童集体庆生会",
        "关爱儿童",
        "约10人",
        "半天",
        "为12名困难女童集体庆生",
    ),
    ("Q3", 0): (
        "2024-07-05",
        "后勤三党支部",
        "照顾因病卧床职工",
        "关爱老人",
        4,
        "2.5小时",
        "送餐、清洗衣物",
    ),
    ("Q3", 1): (
        "2024-08-16",
        "后勤三党支部",
        "照顾因病卧床职工",
        "关爱老人",
        4,
        "2.5小时",
        "送餐、清洗衣物",
    ),
    ("Q3", 2): (
        "2024-09-06",
        "后勤三党支部",
        "照顾因病卧床职工",
        "关爱老人",
        "3人",
        2,
        "送餐、陪护就医",
    ),
}
COUNTS = {"Q1": 11, "Q2": 13, "Q3": 14, "Q4": 15}  # 53 activities in the year


def volunteer_rows(quarter: str) -> list[list[object]]:
    q = int(quarter[1])
    rows = []
    for i in range(COUNTS[quarter]):
        if (quarter, i) in SPECIAL:
            rows.append(list(SPECIAL[(quarter, i)]))
            continue
        month = 3 * q - 2 + i % 3
        day = 3 + (i * 5) % 24
        theme, name = THEMES[(i + q) % len(THEMES)]
        date_text = [
            f"{2024}-{month:02d}-{day:02d}",
            f"2024年{month}月{day}日",
            f"2024.{month}.{day}",
        ][i % 3]
        rows.append(
            [
                date_text,
                BRANCHES[(i + q) % len(BRANCHES)],
                name,
                theme,
                PEOPLE[i % len(PEOPLE)],
                HOURS[i % len(HOURS)],
                "",
            ]
        )
    return rows


VOL_HEADERS = ["活动日期", "组织单位", "活动名称", "类别", "参与人数", "服务时长", "服务成果"]


def volunteer_csv(path: Path, quarter: str) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(VOL_HEADERS)
    for i, row in enumerate(volunteer_rows(quarter)):
        if i == 5:
            writer.writerow([])  # a blank line Excel leaves behind
        writer.writerow(row)
    path.write_bytes(buf.getvalue().encode("gb18030"))


def volunteer_xlsx(path: Path, quarter: str) -> None:
    wb = new_workbook()
    ws = wb.active
    ws.title = f"2024{quarter}"
    title(ws, f"青江卷烟厂党员志愿服务活动登记（2024年第{quarter[1]}季度）", len(VOL_HEADERS))
    ws.append(VOL_HEADERS)
    for row in volunteer_rows(quarter):
        # Excel turns a typed 2024-10-12 into a date cell; the other spellings stay text
        if isinstance(row[0], str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[0]):
            row[0] = D(*map(int, row[0].split("-")))
        ws.append(row)
    ws.append(["注：参与人数以签到表为准。"])
    save(wb, path)


#: The analyst's own words for 2024Q4 (data/raw/报告文字/2024Q4.md; format in data/raw/README.md).
REPORT_TEXT = """---
编号: 青江办〔2025〕1号
报送: 厂党委
抄送: 厂工会，各党支部
---

## 亮点

- 心愿清单实行台账管理、逐项销号，职业健康体检、女职工休息室等安全健康类项目已全部办结。
- 卷包车间分工会发起爱心捐款倡议，为患病职工子女筹集善款，一方有难、八方支援蔚然成风。
- 定点帮扶地区农副产品采购任务按计划推进，企业采购与干部职工自费采购同步开展。

## 典型案例

### 后勤五党支部：为山区小学送去“温暖包”

12月，后勤五党支部组织党员志愿者参与当地爱心活动，为水市乡中心小学校的困难儿童送去“壹基金·温暖包”。
每个温暖包内配有棉衣、雪地靴、棉帽、围巾、手套等御寒物品和学习用具，孩子们当场试穿新棉衣。

![党员志愿者清点待发放的温暖包（示意图）](照片/温暖包.png)

### 后勤四党支部：结对帮扶城南社区孤寡老人

支部了解到城南社区一名孤寡老人生活困难后，发动职工筹集善款，送去被褥、桌椅和急需的食品物资，并约定每月回访。

## 存在问题

- 职工书屋升级项目已超过计划时限，采购流程较长是主要原因。
- 部分党支部的志愿服务台账只记“约”“余”人数，统计精度有待提高。

## 下一步工作

- 督促职工书屋升级、班车线路优化、浴室热水系统改造3个在办项目，明确完成时限，逐项销号。
- 下发统一的志愿服务台账模板，参与人数按实填写。
- 启动2025年度职工“心愿清单”征集。
"""


def report_photo(path: Path) -> None:
    """A small drawn scene (no real people): boxes of 温暖包 on a table in a schoolyard."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (640, 400), (206, 226, 240))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 250, 640, 400], fill=(196, 178, 150))  # ground
    d.rectangle([40, 90, 300, 250], fill=(236, 232, 222), outline=(120, 110, 100))  # school
    for x in (70, 150, 230):
        d.rectangle([x, 130, x + 40, 175], fill=(150, 190, 220), outline=(90, 90, 90))
    d.polygon([(30, 90), (170, 40), (310, 90)], fill=(160, 60, 50))
    d.rectangle([330, 250, 620, 265], fill=(120, 80, 50))  # table
    for i, x in enumerate(range(345, 600, 52)):
        top = 200 if i % 2 else 214
        d.rectangle([x, top, x + 44, 250], fill=(200, 40, 40), outline=(120, 20, 20))
        d.rectangle([x + 18, top, x + 26, 250], fill=(240, 200, 60))
    for x in (380, 470, 560):  # volunteers, drawn as simple figures
        d.ellipse([x - 12, 120, x + 12, 144], fill=(240, 210, 180))
        d.rectangle([x - 16, 146, x + 16, 198], fill=(200, 30, 30))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, format="PNG", optimize=True)


def report_text(out: Path) -> None:
    folder = out / "报告文字"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "2024Q4.md").write_text(REPORT_TEXT, encoding="utf-8")
    report_photo(folder / "照片" / "温暖包.png")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    wish_list(out)
    donations_book(out)
    purchases_book(out)
    volunteer_csv(out / "志愿服务活动_2024Q1.csv", "Q1")
    volunteer_csv(out / "志愿服务活动_2024Q2.csv", "Q2")
    volunteer_xlsx(out / "志愿服务活动_2024Q3.xlsx", "Q3")
    volunteer_xlsx(out / "志愿服务活动_2024Q4.xlsx", "Q4")
    (out / "志愿服务活动_2024Q1(1).csv").write_bytes((out / "志愿服务活动_2024Q1.csv").read_bytes())
    report_text(out)


if __name__ == "__main__":
    main(
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[1] / "data" / "raw"
    )
