"""The pandera schemas (built from the contract) and the cross-field rules that only warn."""

from __future__ import annotations

import pandas as pd
import pytest

from metrics import contract
from metrics.cleaning import schemas


def wishes(**overrides: list[object]) -> pd.DataFrame:
    n = len(next(iter(overrides.values()))) if overrides else 1
    base: dict[str, list[object]] = {c.name: [None] * n for c in contract.columns("wishes")}
    base |= {
        "title": ["食堂加装空调"] * n,
        "status": ["resolved"] * n,
        "cost_qualifier": ["exact"] * n,
        "unit": ["青江卷烟厂"] * n,
        "source_file": ["台账.xlsx"] * n,
        "source_sheet": ["2024"] * n,
        "source_row": list(range(3, 3 + n)),
    }
    return pd.DataFrame(base | overrides)


def test_a_valid_table_is_coerced_to_the_contract_dtypes() -> None:
    frame = schemas.validate(
        "wishes", wishes(resolved_on=[pd.Timestamp("2024-10-05")], cost_yuan=[1200])
    )
    assert str(frame["cost_yuan"].dtype) == "float64"
    assert str(frame["resolved_on"].dtype).startswith("datetime64")
    assert frame["source_row"].tolist() == [3]


@pytest.mark.parametrize(
    ("column", "value"),
    [("status", "done"), ("cost_qualifier", "roughly"), ("title", None), ("source_row", 0)],
)
def test_a_contract_breach_raises(column: str, value: object) -> None:
    with pytest.raises(Exception, match=column):
        schemas.validate("wishes", wishes(**{column: [value]}))


def test_cross_field_rules_warn_with_the_excel_row_and_unit() -> None:
    frame = schemas.validate(
        "wishes",
        wishes(
            status=["resolved", "pending", "resolved"],
            raised_on=[pd.Timestamp("2024-10-01")] * 3,
            resolved_on=[None, pd.Timestamp("2024-10-02"), pd.Timestamp("2024-09-01")],
            cost_yuan=[100.0, -5.0, 0.0],
        ),
    )
    warnings = schemas.cross_field_warnings({"wishes": frame})
    found = sorted(zip(warnings["rule"], warnings["source_row"], strict=True))
    assert found == [
        ("date_but_not_resolved", 4),
        ("negative_cost", 4),
        ("resolved_before_raised", 5),
        ("resolved_without_date", 3),
    ]
    assert set(warnings["unit"]) == {"青江卷烟厂"}
    assert list(warnings.columns) == list(contract.WARNING_COLUMNS)


def test_no_rows_no_warnings() -> None:
    empty = schemas.validate("wishes", wishes().iloc[0:0])
    warnings = schemas.cross_field_warnings({"wishes": empty})
    assert warnings.empty and list(warnings.columns) == list(contract.WARNING_COLUMNS)
