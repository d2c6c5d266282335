"""The processed-data contract: the one place that says what data/processed/ holds.

Every other module imports its table names, columns, dtypes, allowed values and Chinese labels
from here: the pandera schemas (cleaning.schemas), the cleaner's column order and dtypes, the
Excel export's headers, the templates' drop-downs, the reports' labels and the data dictionary
(docs/data-dictionary.md, written by :func:`data_dictionary`). A test fails when any of them
disagrees with this module.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

TABLES: tuple[str, ...] = ("wishes", "donations", "purchases", "volunteering")
TABLE_LABELS: dict[str, str] = {
    "wishes": "心愿清单",
    "donations": "捐款捐物",
    "purchases": "消费帮扶采购",
    "volunteering": "志愿服务",
}

#: How exact a figure is: "6万余元" is at_least 60,000; a sum with one at_least part is at_least.
QUALIFIERS: tuple[str, ...] = ("exact", "at_least", "about", "at_most")
QUALIFIER_LABELS: dict[str, str] = {
    "exact": "确数",
    "at_least": "余（至少）",
    "about": "约",
    "at_most": "不足（至多）",
}
STATUSES: tuple[str, ...] = ("pending", "in_progress", "resolved", "cancelled")
STATUS_LABELS: dict[str, str] = {
    "pending": "未启动",
    "in_progress": "推进中",
    "resolved": "已办结",
    "cancelled": "已取消",
}
KINDS: tuple[str, ...] = ("cash", "in_kind")
KIND_LABELS: dict[str, str] = {"cash": "现金", "in_kind": "物资"}
#: unknown: the buyer (办公室, 机关食堂, 张某) says neither; counted in totals, shown as 未注明.
BUYER_TYPES: tuple[str, ...] = ("enterprise", "individual", "unknown")
BUYER_TYPE_LABELS: dict[str, str] = {
    "enterprise": "企业",
    "individual": "个人",
    "unknown": "未注明",
}
DONOR_TYPES: tuple[str, ...] = ("organization", "enterprise", "individual", "other")
DONOR_TYPE_LABELS: dict[str, str] = {
    "organization": "组织",
    "enterprise": "企业",
    "individual": "个人",
    "other": "其他",
}

#: A sheet's row accounting: rows_read is the sum of the others, for every sheet. ``replaced``:
#: rows of a file a later correction of the same department, ledger and period replaced.
COUNT_KEYS: tuple[str, ...] = (
    "rows_read",
    "accepted",
    "rejected",
    "skipped_blank",
    "skipped_total",
    "skipped_note",
    "duplicates",
    "replaced",
)
#: The labels the data-quality report heads its row accounting with (reporting/quality_report.py).
COUNT_LABELS: dict[str, str] = {
    "rows_read": "读取行数",
    "accepted": "接受",
    "rejected": "拒绝",
    "skipped_blank": "空行",
    "skipped_total": "合计行",
    "skipped_note": "注释行",
    "duplicates": "重复",
    "replaced": "已替换",
}
#: skipped_blank + skipped_total + skipped_note, where a report shows them as one figure.
SKIPPED_LABEL = "跳过"


@dataclass(frozen=True)
class Column:
    """One column of a processed table: its dtype, whether it may be empty, what it may hold."""

    name: str
    dtype: str  # "string" | "float64" | "Int64" | "int64" | "datetime" | "bool"
    label: str  # the Chinese header the analyst sees (Excel export, data dictionary)
    nullable: bool = True
    allowed: tuple[str, ...] | None = None
    description: str = ""


#: Columns every table carries so that a figure can be traced to an Excel row.
SOURCE_COLUMNS: tuple[Column, ...] = (
    Column("unit", "string", "单位", nullable=False, description="报送单位（声明的单位名）"),
    Column(
        "source_file",
        "string",
        "来源文件",
        nullable=False,
        description="在原始数据文件夹中的相对路径",
    ),
    Column("source_sheet", "string", "来源工作表", nullable=False),
    Column(
        "source_row",
        "int64",
        "Excel行号",
        nullable=False,
        description="Excel 显示的行号（从 1 起）",
    ),
)


def _qualifier(name: str, of: str) -> Column:
    return Column(
        name,
        "string",
        f"{of}精度",
        nullable=False,
        allowed=QUALIFIERS,
        description=f"{of}是确数、约数、至少还是至多",
    )


#: Where a row's date came from (cleaning/context.py), most trusted first: its own cell, a
#: transaction number, a [[pin]] date, the title rows, the sheet name, the file name, a
#: signature or 填报日期.
DATE_SOURCES: tuple[str, ...] = ("column", "id", "pin", "title", "sheet", "file", "signature")
DATE_SOURCE_LABELS: dict[str, str] = {
    "column": "本行单元格",
    "id": "交易单号",
    "pin": "shishi.toml 指定",
    "title": "标题",
    "sheet": "工作表名",
    "file": "文件名",
    "signature": "落款或填报日期",
}
#: How precise a deadline is: 2024年11月 is month precision (overdue only once November ends).
DATE_PRECISIONS: tuple[str, ...] = ("day", "month")
DATE_PRECISION_LABELS: dict[str, str] = {"day": "到日", "month": "到月"}

#: Columns beside every table's ``date``: how the date was read.
DATE_CONTEXT_COLUMNS: tuple[Column, ...] = (
    Column("time", "string", "时刻", description="只有时刻的时间列或交易单号中的时刻（HH:MM:SS）"),
    Column(
        "date_source",
        "string",
        "日期来源",
        allowed=DATE_SOURCES,
        description="column 本行单元格；id 交易单号；pin shishi.toml；title 标题；sheet 工作表名；"
        "file 文件名；signature 落款或填报日期",
    ),
    Column("date_range", "string", "日期范围", description="标题写的是一段时间时：起/止（ISO）"),
)
#: Columns of donations and purchases: near repeats kept for the analyst to decide.
REVIEW_COLUMNS: tuple[Column, ...] = (
    Column(
        "review_group",
        "string",
        "疑似重复组",
        description="疑似重复（同捐赠方同金额相差几天、同日同金额名称相近）的组号，见 near_duplicates.csv",
    ),
    Column(
        "review_repeat",
        "bool",
        "疑似重复（合计只计一次）",
        nullable=False,
        description="组内除最先读到的一行外均为 True：合计时排除这些行，每组只计一次",
    ),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "wishes": (
        Column("item_id", "string", "序号", description="台账中的序号或编号"),
        Column("title", "string", "项目名称", nullable=False),
        Column("category", "string", "类别"),
        Column("leader", "string", "责任领导"),
        Column("department", "string", "责任部门"),
        Column("raised_on", "datetime", "提出时间"),
        Column("due_on", "datetime", "计划完成时限"),
        Column(
            "due_on_precision",
            "string",
            "计划完成时限精度",
            allowed=DATE_PRECISIONS,
            description="month：只写到月（2024年11月），该月结束后才算逾期",
        ),
        Column("status", "string", "办理进度", nullable=False, allowed=STATUSES),
        Column("resolved_on", "datetime", "办结时间"),
        Column("cost_yuan", "float64", "投入资金（元）"),
        _qualifier("cost_qualifier", "投入资金"),
        Column("note", "string", "备注"),
    ),
    "donations": (
        Column("date", "datetime", "日期", nullable=False),
        Column("campaign", "string", "项目/用途"),
        Column("donor", "string", "捐赠方", description="支付平台流水（只有交易单号）可为空"),
        Column("donor_type", "string", "捐赠方类型", allowed=DONOR_TYPES),
        Column("ref", "string", "交易单号", description="交易单号、流水号或记录编号"),
        Column("kind", "string", "类型", allowed=KINDS, description="只有数量、没有金额的为物资"),
        Column(
            "amount_yuan",
            "float64",
            "金额（元）",
            description="物资（只有数量）及未给汇率的外币为空，不计入人民币合计",
        ),
        _qualifier("amount_qualifier", "金额"),
        Column("currency", "string", "币种", description="CNY 或外币代码（USD、HKD…）"),
        Column("amount_original", "float64", "原币金额", description="以原币种计的金额"),
        Column("item", "string", "物资名称"),
        Column("item_spec", "string", "规格型号"),
        Column("item_unit", "string", "计量单位", description="个、箱、件、台、包…"),
        Column("quantity", "float64", "数量", description="物资数量（不是金额）"),
        Column("note", "string", "备注"),
        Column(
            "filled_down",
            "string",
            "按同上补填",
            description="空白按“同上”取上一行值的字段名（如 donor）",
        ),
        *DATE_CONTEXT_COLUMNS,
        *REVIEW_COLUMNS,
    ),
    "purchases": (
        Column("date", "datetime", "日期"),
        Column("buyer", "string", "采购主体", nullable=False),
        Column(
            "buyer_type",
            "string",
            "采购主体类型",
            nullable=False,
            allowed=BUYER_TYPES,
            description="unknown：采购主体（如办公室、张某）看不出是企业还是个人，计入合计，分项列为未注明",
        ),
        Column("supplier_region", "string", "供应地区"),
        Column("product", "string", "产品"),
        Column("amount_yuan", "float64", "金额（元）", nullable=False),
        _qualifier("amount_qualifier", "金额"),
        Column("note", "string", "备注"),
        *DATE_CONTEXT_COLUMNS,
        *REVIEW_COLUMNS,
    ),
    "volunteering": (
        Column("date", "datetime", "活动日期", nullable=False),
        Column("organizer", "string", "组织单位", nullable=False),
        Column("title", "string", "活动名称", nullable=False),
        Column("theme", "string", "类别"),
        Column("participants", "Int64", "参与人数"),
        _qualifier("participants_qualifier", "参与人数"),
        Column(
            "participants_parts",
            "string",
            "参与人数分项",
            description="人数分列（男/女…）时各分项，合计由分项相加",
        ),
        Column("beneficiaries", "Int64", "受益人数"),
        Column(
            "beneficiaries_parts",
            "string",
            "受益人数分项",
            description="如 成人/男性 4；成人/女性 3；成人/合计 7…",
        ),
        Column("hours", "float64", "服务时长（小时）"),
        Column("outcome", "string", "服务成果"),
        Column(
            "filled_down",
            "string",
            "按同上补填",
            description="空白按“同上”取上一行值的字段名（如 organizer）",
        ),
        *DATE_CONTEXT_COLUMNS,
    ),
}


def columns(table: str) -> tuple[Column, ...]:
    """A processed table's columns in file order: its own, then the source columns."""
    return COLUMNS[table] + SOURCE_COLUMNS


def column_labels(table: str) -> dict[str, str]:
    """Column name -> the Chinese header an analyst sees."""
    return {c.name: c.label for c in columns(table)}


class Reason(enum.StrEnum):
    """Why a cell or row was refused: the ``reason_code`` column of rejects.csv.

    The ``reason`` column holds the full Chinese sentence (the value, what was expected); the
    code groups them, so no report has to read the sentences back.
    """

    AMOUNT_UNREADABLE = "amount_unreadable"
    COUNT_UNREADABLE = "count_unreadable"
    HOURS_UNREADABLE = "hours_unreadable"
    NEGATIVE = "negative"
    OUT_OF_RANGE = "out_of_range"
    DATE_UNREADABLE = "date_unreadable"
    DATE_IMPOSSIBLE = "date_impossible"
    DATE_NO_YEAR = "date_no_year"
    WORD_UNREADABLE = "word_unreadable"
    AMBIGUOUS = "ambiguous"
    REQUIRED_EMPTY = "required_empty"
    EXTERNAL_FORMULA = "external_formula"
    PLACEHOLDER_TEXT = "placeholder_text"
    OTHER = "other"

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS: dict[Reason, str] = {
    Reason.AMOUNT_UNREADABLE: "金额无法识别",
    Reason.COUNT_UNREADABLE: "人数/数量无法识别",
    Reason.HOURS_UNREADABLE: "时长无法识别",
    Reason.NEGATIVE: "不能为负数",
    Reason.OUT_OF_RANGE: "数值超出合理范围",
    Reason.DATE_UNREADABLE: "日期无法识别",
    Reason.DATE_IMPOSSIBLE: "日期不存在或年份不合理",
    Reason.DATE_NO_YEAR: "日期缺少年份",
    Reason.WORD_UNREADABLE: "文字无法识别（进度、类型等）",
    Reason.AMBIGUOUS: "含义有歧义",
    Reason.REQUIRED_EMPTY: "必填项为空",
    Reason.EXTERNAL_FORMULA: "公式引用本工作簿之外的数据",
    Reason.PLACEHOLDER_TEXT: "填的是占位文字（如 NaN）",
    Reason.OTHER: "其他",
}


class Refusal(str):
    """A reason sentence that also carries its :class:`Reason` code (it *is* the sentence, so
    everything that shows or stores reasons as text keeps working)."""

    code: Reason

    def __new__(cls, code: Reason, text: str) -> Refusal:
        made = super().__new__(cls, text)
        made.code = code
        return made

    def __reduce__(self) -> tuple[object, ...]:
        return (Refusal, (self.code, str(self)))


def reason_code(reason: object) -> Reason:
    """The code of a reason (OTHER for a plain sentence)."""
    return getattr(reason, "code", Reason.OTHER)


#: rejects.csv: one line per refused cell or row.
REJECT_COLUMNS: tuple[str, ...] = (
    "table",
    "source_file",
    "source_sheet",
    "source_row",
    "column",
    "value",
    "reason",
    "reason_code",
)
#: warnings.csv: rows kept, but worth a look (cross-field rules, dates outside the period...).
WARNING_COLUMNS: tuple[str, ...] = (
    "table",
    "rule",
    "message",
    "unit",
    "source_file",
    "source_sheet",
    "source_row",
)


#: duplicates.csv: each exact repeat (counted once) and the file, sheet and row it repeats.
DUPLICATE_COLUMNS: tuple[str, ...] = (
    "table",
    "source_file",
    "source_sheet",
    "source_row",
    "same_as_file",
    "same_as_sheet",
    "same_as_row",
)
#: near_duplicates.csv: rows under review as near repeats, every row of each group.
NEAR_DUPLICATE_COLUMNS: tuple[str, ...] = (
    "table",
    "review_group",
    "rule",
    "review_repeat",
    "unit",
    "source_file",
    "source_sheet",
    "source_row",
    "date",
    "who",
    "amount_yuan",
    "note",
)


class Col:
    """Every column name of the processed files, typed: code writes ``Col.AMOUNT_YUAN``, not
    ``"amount_yuan"``, so a renamed column is one edit here and a misspelt one an AttributeError
    (tests/test_contract.py checks that Col and the tables above name the same columns)."""

    ITEM_ID: Final = "item_id"
    TITLE: Final = "title"
    CATEGORY: Final = "category"
    LEADER: Final = "leader"
    DEPARTMENT: Final = "department"
    RAISED_ON: Final = "raised_on"
    DUE_ON: Final = "due_on"
    DUE_ON_PRECISION: Final = "due_on_precision"
    STATUS: Final = "status"
    RESOLVED_ON: Final = "resolved_on"
    COST_YUAN: Final = "cost_yuan"
    COST_QUALIFIER: Final = "cost_qualifier"
    NOTE: Final = "note"
    UNIT: Final = "unit"
    SOURCE_FILE: Final = "source_file"
    SOURCE_SHEET: Final = "source_sheet"
    SOURCE_ROW: Final = "source_row"
    DATE: Final = "date"
    CAMPAIGN: Final = "campaign"
    DONOR: Final = "donor"
    DONOR_TYPE: Final = "donor_type"
    REF: Final = "ref"
    KIND: Final = "kind"
    AMOUNT_YUAN: Final = "amount_yuan"
    AMOUNT_QUALIFIER: Final = "amount_qualifier"
    CURRENCY: Final = "currency"
    AMOUNT_ORIGINAL: Final = "amount_original"
    ITEM: Final = "item"
    ITEM_SPEC: Final = "item_spec"
    ITEM_UNIT: Final = "item_unit"
    QUANTITY: Final = "quantity"
    FILLED_DOWN: Final = "filled_down"
    TIME: Final = "time"
    DATE_SOURCE: Final = "date_source"
    DATE_RANGE: Final = "date_range"
    REVIEW_GROUP: Final = "review_group"
    REVIEW_REPEAT: Final = "review_repeat"
    BUYER: Final = "buyer"
    BUYER_TYPE: Final = "buyer_type"
    SUPPLIER_REGION: Final = "supplier_region"
    PRODUCT: Final = "product"
    ORGANIZER: Final = "organizer"
    THEME: Final = "theme"
    PARTICIPANTS: Final = "participants"
    PARTICIPANTS_QUALIFIER: Final = "participants_qualifier"
    PARTICIPANTS_PARTS: Final = "participants_parts"
    BENEFICIARIES: Final = "beneficiaries"
    BENEFICIARIES_PARTS: Final = "beneficiaries_parts"
    HOURS: Final = "hours"
    OUTCOME: Final = "outcome"
    TABLE: Final = "table"
    COLUMN: Final = "column"
    VALUE: Final = "value"
    REASON: Final = "reason"
    REASON_CODE: Final = "reason_code"
    RULE: Final = "rule"
    MESSAGE: Final = "message"
    SAME_AS_FILE: Final = "same_as_file"
    SAME_AS_SHEET: Final = "same_as_sheet"
    SAME_AS_ROW: Final = "same_as_row"
    WHO: Final = "who"


#: Column names that are also everyday words in the code (a field type ``"date"``, a manifest key
#: ``"table"``, a measuring ``"unit"``, a header role ``"outcome"``): a bare one is not necessarily a column, so the check for
#: bare column names (tests/test_contract.py) passes them. Every other column name is written
#: through :class:`Col`.
WORDLIKE_COLUMNS: frozenset[str] = frozenset(
    {
        "unit", "date", "status", "table", "time", "quantity", "hours", "title", "note", "kind",
        "rule", "message", "column", "value", "reason", "ref", "who", "item", "category",
        "currency", "outcome",
    }
)  # fmt: skip


def data_dictionary() -> str:
    """docs/data-dictionary.md: every processed table and column, in Chinese and English."""
    out = [
        "# 数据字典 / Data dictionary",
        "",
        "Generated from `src/metrics/contract.py` (`python -m metrics.contract > "
        "docs/data-dictionary.md`); a test fails when this file is out of date.",
        "",
    ]
    for table in TABLES:
        out += [f"## `{table}.parquet` — {TABLE_LABELS[table]}", ""]
        out += [
            "| column | 中文 | dtype | empty allowed | values | notes |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for c in columns(table):
            allowed = ", ".join(c.allowed) if c.allowed else ""
            out.append(
                f"| `{c.name}` | {c.label} | {c.dtype} | {'yes' if c.nullable else 'no'} "
                f"| {allowed} | {c.description} |"
            )
        out.append("")
    out += ["## `rejects.csv`", "", ", ".join(f"`{c}`" for c in REJECT_COLUMNS), ""]
    out += ["`reason_code`:", ""]
    out += [f"- `{r.value}`: {r.label}" for r in Reason]
    out.append("")
    out += ["## `warnings.csv`", "", ", ".join(f"`{c}`" for c in WARNING_COLUMNS), ""]
    out += ["## `duplicates.csv`", "", ", ".join(f"`{c}`" for c in DUPLICATE_COLUMNS), ""]
    out += [
        "## `near_duplicates.csv`",
        "",
        ", ".join(f"`{c}`" for c in NEAR_DUPLICATE_COLUMNS),
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    print(data_dictionary())
