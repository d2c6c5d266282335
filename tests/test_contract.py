"""One source for the processed-data contract: everything that restates it must agree with it."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from metrics import contract
from metrics.cleaning import schemas
from metrics.cleaning.headers import load_table_specs
from metrics.cleaning.rows import column_dtypes

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("table", contract.TABLES)
def test_header_vocabulary_fills_exactly_the_contract_columns(table: str) -> None:
    spec = load_table_specs()[table]
    from_headers = set()
    for f in spec.fields.values():
        from_headers |= {f.name, f.qualifier_column, f.derive_column, f.parts_column} - {None}
    if spec.fill_down_fields:
        from_headers.add("filled_down")
    if "date" in spec.fields:  # how each row's date was read (cleaning/context.py)
        from_headers |= {c.name for c in contract.DATE_CONTEXT_COLUMNS}
    if table in ("donations", "purchases"):  # near repeats under review (cleaning/duplicates.py)
        from_headers |= {c.name for c in contract.REVIEW_COLUMNS}
    own = {c.name for c in contract.COLUMNS[table]}
    assert from_headers == own


@pytest.mark.parametrize("table", contract.TABLES)
def test_schema_and_cleaner_use_the_contract_columns_in_order(table: str) -> None:
    names = [c.name for c in contract.columns(table)]
    assert list(schemas.schema(table).columns) == names
    assert list(column_dtypes(load_table_specs()[table])) == names


def test_schema_refuses_a_column_the_contract_lacks() -> None:
    frame = pd.DataFrame(columns=[c.name for c in contract.columns("purchases")] + ["extra"])
    with pytest.raises(Exception, match="extra"):
        schemas.validate("purchases", frame)


def test_every_column_has_a_chinese_label() -> None:
    for table in contract.TABLES:
        for c in contract.columns(table):
            assert c.label and not c.label.isascii(), (table, c.name)
    assert set(contract.TABLE_LABELS) == set(contract.TABLES)
    assert set(contract.STATUS_LABELS) == set(contract.STATUSES)
    assert set(contract.QUALIFIER_LABELS) == set(contract.QUALIFIERS)
    assert set(contract.COUNT_LABELS) == set(contract.COUNT_KEYS)


def test_data_dictionary_is_up_to_date() -> None:
    written = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert written == contract.data_dictionary() + "\n", (
        "run: python -m metrics.contract > docs/data-dictionary.md"
    )


@pytest.mark.parametrize(
    ("parse", "value", "code"),
    [
        ("parse_amount", "待定", contract.Reason.AMOUNT_UNREADABLE),
        ("parse_count", "-3", contract.Reason.NEGATIVE),
        ("parse_hours", "很久", contract.Reason.HOURS_UNREADABLE),
        ("parse_date", "2024年2月30日", contract.Reason.DATE_IMPOSSIBLE),
        ("parse_date", "下周", contract.Reason.DATE_UNREADABLE),
        ("parse_status", "看情况", contract.Reason.WORD_UNREADABLE),
    ],
)
def test_every_refusal_carries_its_code(parse: str, value: str, code: contract.Reason) -> None:
    from metrics.cleaning import parsing

    error = getattr(parsing, parse)(value).error
    assert contract.reason_code(error) is code
    assert value in error  # the sentence still names the value


def test_rejects_csv_carries_reason_codes(tmp_path: Path) -> None:
    from metrics.cleaning.store import run_clean

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "捐款2024.csv").write_text(
        "日期,捐赠方,金额\n2024-10-01,卷包车间,待定\n2024-10-02,,100\n2024-10-03,制丝车间,200\n",
        encoding="utf-8",
    )
    outcome = run_clean(raw, tmp_path / "out")
    rejects = pd.read_csv(tmp_path / "out" / "rejects.csv", encoding="utf-8-sig")
    assert rejects["reason_code"].tolist() == ["amount_unreadable", "required_empty"]
    assert rejects["source_row"].tolist() == [2, 3]
    assert len(outcome.tables["donations"]) == 1


# --- every label shishi writes reads back as its own field (issue 18, item 2) ------------------


def _label_cases() -> list[tuple[str, str, str]]:
    """(table, column, label) for every column of every processed table in contract.py."""
    return [(t, c.name, c.label) for t in contract.TABLES for c in contract.COLUMNS[t]]


@pytest.mark.parametrize(("table", "column", "label"), _label_cases())
def test_every_contract_label_reads_back_as_its_own_column(
    table: str, column: str, label: str
) -> None:
    """A column shishi reads is found again under the label shishi writes for it (金额（元）,
    服务时长（小时）, 捐赠方类型); a column it only writes (金额精度, 日期来源) names no field."""
    from metrics.cleaning.headers import match_header_cell

    spec = load_table_specs()[table]
    got = match_header_cell(label, spec)
    if column in spec.fields:
        assert got == (column, 1.0), (table, label)
    else:
        assert got is None, (table, label, got)


@pytest.mark.parametrize("table", contract.TABLES)
def test_a_blank_template_reads_back_column_for_column(table: str) -> None:
    """The header row `shishi template` writes, read as a sheet: its table, and each column
    as the field it was written for."""
    from metrics.cleaning.headers import find_header
    from metrics.cleaning.ledger_templates import HEADER_ROW, LEDGER_SHEET, build_template

    spec = load_table_specs()[table]
    ws = build_template(table)[LEDGER_SHEET]
    rows = [[c.value for c in row] for row in ws.iter_rows(max_row=HEADER_ROW + 3)]
    written = [f.name for f in spec.fields.values() if f.in_template]
    match = find_header(rows, load_table_specs())
    assert match is not None and (match.table, match.row_index) == (table, HEADER_ROW - 1)
    assert [c.field for c in match.columns] == written
    assert not match.held and not match.undecided


def contract_column_names() -> set[str]:
    names = {c.name for t in contract.TABLES for c in contract.columns(t)}
    for side in (
        contract.REJECT_COLUMNS,
        contract.WARNING_COLUMNS,
        contract.DUPLICATE_COLUMNS,
        contract.NEAR_DUPLICATE_COLUMNS,
    ):
        names |= set(side)
    return names


def test_col_names_exactly_the_contract_columns() -> None:
    """contract.Col is the typed accessor: one constant per column, spelled as its value."""
    consts = {k: v for k, v in vars(contract.Col).items() if k.isupper()}
    assert set(consts.values()) == contract_column_names()
    assert all(k == v.upper() for k, v in consts.items())
    assert contract_column_names() >= contract.WORDLIKE_COLUMNS


#: Every module names its columns through contract.Col: all of src/metrics but the contract.
COL_MODULES: tuple[str, ...] = tuple(
    sorted(
        path.relative_to(ROOT / "src" / "metrics").as_posix()
        for path in (ROOT / "src" / "metrics").rglob("*.py")
        if path.name not in ("contract.py", "__init__.py")
    )
)


def skipped_strings(tree: ast.AST) -> set[int]:
    """Docstrings, f-string parts and Literal[...] arguments are not column references."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skip.add(id(body[0].value))
        if isinstance(node, ast.JoinedStr):  # its literal text; a {row["amount_yuan"]} counts
            skip |= {id(v) for v in node.values if isinstance(v, ast.Constant)}
        if isinstance(node, ast.Subscript) and getattr(node.value, "id", "") == "Literal":
            skip |= {id(n) for n in ast.walk(node.slice)}
    return skip


def bare_column_names(source: str) -> list[tuple[int, str]]:
    names = contract_column_names() - contract.WORDLIKE_COLUMNS
    tree = ast.parse(source)
    skip = skipped_strings(tree)
    return [
        (n.lineno, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and n.value in names and id(n) not in skip
    ]


@pytest.mark.parametrize("module", COL_MODULES)
def test_converted_modules_name_columns_through_col(module: str) -> None:
    path = ROOT / "src" / "metrics" / module
    bare = bare_column_names(path.read_text(encoding="utf-8"))
    assert not bare, f"{module}: write Col.<NAME> for {bare}"


def test_the_bare_name_check_finds_one() -> None:
    source = "\n".join(
        [
            '"""amount_yuan in a docstring"""',
            'x = frame["amount_yuan"]',
            "y = f\"amount_yuan {r['buyer_type']}\"",
        ]
    )
    assert sorted(bare_column_names(source)) == [(2, "amount_yuan"), (3, "buyer_type")]
