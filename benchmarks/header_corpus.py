"""How well shishi reads ledgers written in other offices' words: the labelled corpus in
tests/corpus, scored with shishi's own cleaning and no shishi.toml.

Each corpus file (tests/corpus/{dev,holdout}/*.toml, format in tests/corpus/README.md) is one
sheet as an office sends it. It is written to a real file in a temporary folder (xlsx with
merged title and header cells, or CSV in GB18030 / UTF-8 as Excel exports it), cleaned by
``metrics.cleaning.store.run_clean`` exactly as ``shishi clean`` does, and compared with its
labels:

- header mappings: which column shishi took for which field (the header the cleaning run chose,
  re-read with ``metrics.cleaning.headers.find_header`` pinned to the table kind and header row
  that manifest.json records). Precision = correct mappings / mappings made; recall = correct /
  columns labelled with a field. Headerless lists have no headers and are scored as sheets only.
- whole sheets: the table kind; a ledger is read exactly when its kind, accepted rows and total
  (yuan; participants; resolved items) equal the hand-counted truth. A headerless list is handled
  when it is read exactly (its words say what it is) or becomes a to-do item carrying a
  ``[[pin]]`` and nothing is counted (they do not). An off-family sheet is handled when a notice
  says it is not (「不是…」) a ledger and none of its rows is counted.

dev, holdout and holdout2 are reported apart: dev may be read while the header rules are
written, the holdouts may not (tests/corpus/README.md).

    python benchmarks/header_corpus.py [--list] [--json] [--split dev|holdout|holdout2]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import math
import re
import sys
import tempfile
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
#: dev may be read while header rules are written; holdout and holdout2 may not. holdout2 is a
#: second batch from new publishers, written when holdout had been consulted (README.md).
SPLITS = ("dev", "holdout", "holdout2")
KINDS = ("wishes", "donations", "purchases", "volunteering")
CASES = ("ledger", "headerless", "off_family")
FORMATS = {"xlsx": None, "csv-gb18030": "gb18030", "csv-utf8": "utf-8", "csv-utf8-bom": "utf-8-sig"}
TARGET_PRECISION = 0.98
TARGET_RECALL = 0.90
#: Headers every ledger family writes; the only phrasings dev and holdout may share.
COMMON_HEADERS = frozenset({"序号", "备注"})
#: Truth keys by ledger kind, beside ``accepted`` (rows that should be accepted).
TRUTH_KEYS = {
    "donations": ("yuan",),
    "purchases": ("yuan",),
    "volunteering": ("participants",),
    "wishes": ("resolved",),
}
YUAN_TOLERANCE = 0.005


# --- the corpus ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a corpus sheet: its header path (top row down) and the fields it may map to.

    ``fields`` holds "table.field" names or "" (a column shishi should not use). The first is
    the intended one; further entries are readings that are just as right (凭证字号 or 票据号 as
    the reference; a 小计 column as one more part or as nothing).
    """

    path: tuple[str, ...]
    fields: tuple[str, ...]
    source: str

    @property
    def phrasing(self) -> str:
        """The header as one string (``金额（元）/现金`` for a column under a spanning label)."""
        return "/".join(p for p in self.path if p)

    @property
    def labelled(self) -> bool:
        """Counts towards recall: a field is intended and leaving the column unread is a miss."""
        return "" not in self.fields


@dataclass
class Ledger:
    """One corpus file: a sheet as an office sends it, with its labels and truth."""

    path: Path
    split: str
    id: str
    kind: str  # one of KINDS, or "none" for an off-family sheet
    case: str  # ledger | headerless | off_family
    expect: str  # read | todo | not_a_ledger
    family: str
    source: str
    file: str
    format: str
    sheet: str
    title: list[list[Any]]
    columns: list[Column]
    rows: list[list[Any]]
    extra_cells: list[dict[str, Any]]
    truth: dict[str, Any]

    @property
    def header_depth(self) -> int:
        return 0 if self.case == "headerless" else max(len(c.path) for c in self.columns)

    @property
    def width(self) -> int:
        return max([len(self.columns)] + [len(r) for r in self.title + self.rows])


def _fields(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list) else (value,)


def load_ledger(path: Path, split: str) -> Ledger:
    """A corpus file as written (no validation here: tests/test_header_corpus.py does that)."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    columns = [
        Column(
            tuple(c["header"]) if isinstance(c["header"], list) else (c["header"],),
            _fields(c["field"]),
            c.get("source", ""),
        )
        for c in data["columns"]
    ]
    case = data.get("case", "ledger")
    default_expect = {"ledger": "read", "headerless": "read", "off_family": "not_a_ledger"}
    return Ledger(
        path=path,
        split=split,
        id=data["id"],
        kind=data["kind"],
        case=case,
        expect=data.get("expect", default_expect.get(case, "read")),
        family=data["family"],
        source=data["source"],
        file=data["file"],
        format=data["format"],
        sheet=data.get("sheet", Path(data["file"]).stem),
        title=[list(r) for r in data.get("title", [])],
        columns=columns,
        rows=[list(r) for r in data["rows"]],
        extra_cells=list(data.get("extra_cells", [])),
        truth=dict(data.get("truth", {})),
    )


def load_corpus(root: Path = CORPUS, splits: Iterable[str] = SPLITS) -> list[Ledger]:
    return [
        load_ledger(path, split)
        for split in splits
        for path in sorted((root / split).glob("*.toml"))
    ]


def load_sources(root: Path = CORPUS) -> dict[str, dict[str, Any]]:
    with (root / "sources.toml").open("rb") as fh:
        return dict(tomllib.load(fh)["sources"])


def normalize(text: str) -> str:
    """Identity of a phrasing: NFKC (full-width to half-width), no spaces, as written otherwise."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


# --- writing a corpus sheet to a real file ------------------------------------------------------


def header_rows(columns: Sequence[Column]) -> list[list[str]]:
    """The header as rows of cells: a spanning label written once over its run, a label of a
    column with a shorter path written at the top with blanks below (merged, in a workbook)."""
    depth = max(len(c.path) for c in columns)
    rows: list[list[str]] = []
    for level in range(depth):
        row = []
        for i, col in enumerate(columns):
            label = col.path[level] if level < len(col.path) else ""
            prev = columns[i - 1].path if i else ()
            spans = level + 1 < len(col.path) and prev[: level + 1] == col.path[: level + 1]
            row.append("" if spans else label)
        rows.append(row)
    return rows


def _merges(columns: Sequence[Column], top: int) -> list[tuple[int, int, int, int]]:
    """(first row, first col, last row, last col), 1-based, for a header starting at ``top``."""
    depth = max(len(c.path) for c in columns)
    out = []
    for i, col in enumerate(columns):
        if len(col.path) < depth:  # a short path: its last label spans down to the bottom row
            out.append((top + len(col.path) - 1, i + 1, top + depth - 1, i + 1))
    for level in range(depth - 1):
        i = 0
        while i < len(columns):
            j = i
            key = columns[i].path[: level + 1]
            if len(columns[i].path) > level + 1:
                while (
                    j + 1 < len(columns)
                    and len(columns[j + 1].path) > level + 1
                    and columns[j + 1].path[: level + 1] == key
                ):
                    j += 1
            if j > i:
                out.append((top + level, i + 1, top + level, j + 1))
            i = j + 1
    return out


def sheet_rows(ledger: Ledger) -> list[list[Any]]:
    """Every row of the sheet, top to bottom, as an office would have typed it."""
    head = [] if ledger.case == "headerless" else header_rows(ledger.columns)
    return [list(r) for r in ledger.title] + head + [list(r) for r in ledger.rows]


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def write_ledger(ledger: Ledger, folder: Path) -> Path:
    """The sheet as a real file in ``folder``: xlsx, or CSV in the encoding offices export."""
    path = folder / ledger.file
    rows = sheet_rows(ledger)
    width = ledger.width
    if ledger.format == "xlsx":
        _write_xlsx(ledger, path, rows, width)
    else:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        for row in rows:
            cells = [_csv_cell(v) for v in row]
            writer.writerow(cells + [""] * (width - len(cells)) if cells else [""] * width)
        path.write_bytes(buf.getvalue().encode(FORMATS[ledger.format] or "utf-8"))
    return path


def _write_xlsx(ledger: Ledger, path: Path, rows: list[list[Any]], width: int) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = ledger.sheet
    for row in rows:
        ws.append([None if v == "" else v for v in row])
    bold = Font(bold=True)
    for r, row in enumerate(ledger.title, start=1):  # a title line: merged across the table
        if sum(1 for v in row if v != "") == 1 and row and row[0] != "":
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
            ws.cell(r, 1).font = bold
            ws.cell(r, 1).alignment = Alignment(horizontal="center")
    if ledger.case != "headerless":
        top = len(ledger.title) + 1
        for r1, c1, r2, c2 in _merges(ledger.columns, top):
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
        for r in range(top, top + ledger.header_depth):
            for c in range(1, len(ledger.columns) + 1):
                ws.cell(r, c).font = bold
    for extra in ledger.extra_cells:
        ws[extra["cell"]] = extra["value"]
    wb.save(path)


# --- scoring ------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Header mappings: made (any field), correct (an accepted field), labelled, found."""

    made: int = 0
    correct: int = 0
    labelled: int = 0
    found: int = 0

    def add(self, other: Tally) -> None:
        self.made += other.made
        self.correct += other.correct
        self.labelled += other.labelled
        self.found += other.found

    @property
    def precision(self) -> float:
        """Correct mappings / mappings made (1.0 when none was made: nothing was wrong)."""
        return self.correct / self.made if self.made else 1.0

    @property
    def recall(self) -> float:
        """Labelled columns mapped to their field / labelled columns."""
        return self.found / self.labelled if self.labelled else 1.0


@dataclass(frozen=True)
class Miss:
    """A header read wrongly or not at all: what it should have been, what shishi made of it."""

    ledger: str
    header: str
    intended: str
    got: str


def score_columns(
    columns: Sequence[Column], got: dict[int, str], ledger: str = ""
) -> tuple[Tally, list[Miss]]:
    """Compare shishi's mappings (column index -> "table.field") with the labels."""
    tally = Tally()
    misses: list[Miss] = []
    for i, col in enumerate(columns):
        mapped = got.get(i, "")
        right = mapped in col.fields
        if mapped:
            tally.made += 1
            tally.correct += right
        if col.labelled:
            tally.labelled += 1
            tally.found += right
        if not right:
            misses.append(
                Miss(ledger, col.phrasing, col.fields[0] or "（不用）", mapped or "（未识别）")
            )
    for i in sorted(set(got) - set(range(len(columns)))):  # a cell beside the table
        tally.made += 1
        misses.append(Miss(ledger, f"第{i + 1}列（表外）", "（不用）", got[i]))
    return tally, misses


@dataclass
class SheetOutcome:
    """What shishi did with one corpus sheet."""

    ledger: Ledger
    kind: str | None  # the table shishi took the sheet for, None if skipped
    header_row: int | None
    got: dict[int, str]
    figures: dict[str, float]  # accepted, yuan / participants / resolved, as shishi counted them
    notices: list[str]  # what shishi said about the file, "level: message"
    pin_offered: bool  # a notice carries a ready-to-paste [[pin]]
    tally: Tally = field(default_factory=Tally)
    misses: list[Miss] = field(default_factory=list)

    @property
    def counted(self) -> bool:
        return self.figures.get("accepted", 0) > 0

    @property
    def exact(self) -> bool:
        """Kind, accepted rows and total as the truth says (ledgers and headerless lists)."""
        truth = self.ledger.truth
        if self.kind != self.ledger.kind or self.figures.get("accepted") != truth.get("accepted"):
            return False
        for key in TRUTH_KEYS.get(self.ledger.kind, ()):
            if key not in truth:
                continue
            if not math.isclose(
                self.figures.get(key, math.nan), truth[key], abs_tol=YUAN_TOLERANCE
            ):
                return False
        return True

    @property
    def handled(self) -> bool:
        """The sheet went as it should (see the module docstring)."""
        expect = self.ledger.expect
        if expect == "read":
            return self.exact
        if expect == "todo":
            return not self.counted and self.pin_offered
        if expect == "not_a_ledger":
            return not self.counted and any("不是" in n for n in self.notices)
        return False


def _figures(tables: dict[str, Any], file: str) -> dict[str, float]:
    """Rows accepted from ``file`` (in whichever table) and the total a report would show."""
    out: dict[str, float] = {"accepted": 0}
    for table, frame in tables.items():
        rows = frame[frame["source_file"] == file] if len(frame) else frame
        if not len(rows):
            continue
        out["accepted"] += len(rows)
        if table in ("donations", "purchases"):
            counted = rows
            if "review_repeat" in rows.columns:  # near repeats count once in every total
                counted = rows[~rows["review_repeat"].fillna(False).astype(bool)]
            out["yuan"] = round(float(counted["amount_yuan"].fillna(0).sum()), 2)
        elif table == "volunteering":
            out["participants"] = float(rows["participants"].fillna(0).sum())
        elif table == "wishes":
            out["resolved"] = float((rows["status"] == "resolved").sum())
    return out


def _mappings(raw: Path, file: str, sheet: str, table: str, header_row: int) -> dict[int, str]:
    """The columns shishi mapped in the header the cleaning run chose.

    The cleaning run records the table kind and the header's last Excel row (manifest.json) but
    not its columns, so the same rows are read again with ``find_header``: unpinned first (what
    ``clean_sheet`` calls), then pinned to that kind and row if the unpinned reading differs.
    """
    from metrics.cleaning import layout
    from metrics.cleaning.headers import HEADER_SEARCH_ROWS, find_header, load_table_specs
    from metrics.cleaning.ingest import read_raw
    from metrics.config import load_config

    config = load_config(raw)
    sheets, _ = read_raw(raw, config)
    found = [s for s in sheets if s.file == file and s.sheet == sheet]
    if not found:
        return {}
    head = found[0].head(HEADER_SEARCH_ROWS + layout.PROFILE_ROWS)
    specs = load_table_specs(config.extra_headers)
    match = find_header(head, specs)
    if match is None or match.table != table or match.row_index + 1 != header_row:
        match = None
        for first in range(header_row - 1, max(header_row - 4, -1), -1):
            pinned = find_header(head, specs, table=table, header_row=first)
            if pinned is not None and pinned.row_index + 1 == header_row:
                match = pinned
                break
    if match is None:
        return {}
    return {c.index: f"{match.table}.{c.field}" for c in match.columns}


def run_sheet(ledger: Ledger, work: Path) -> SheetOutcome:
    """Write one corpus sheet into a raw folder of its own, clean it, and compare."""
    from metrics.cleaning.store import run_clean

    raw = work / ledger.id
    raw.mkdir(parents=True)
    write_ledger(ledger, raw)
    outcome = run_clean(raw)
    entry: dict[str, Any] = {}
    for f in outcome.manifest["files"]:
        if f["file"] == ledger.file:
            entry = next((s for s in f.get("sheets", []) if s["sheet"] == ledger.sheet), {})
    kind = entry.get("table") if "skipped" not in entry else None
    header_row = entry.get("header_row")
    got: dict[int, str] = {}
    if kind and header_row and ledger.case != "headerless":
        got = _mappings(raw, ledger.file, ledger.sheet, kind, header_row)
    notices = [f"{n.level}: {n.message}" for n in outcome.notices if n.file == ledger.file]
    pin = any(
        "[[pin]]" in (n.toml or "") or "[[pin]]" in n.message
        for n in outcome.notices
        if n.file == ledger.file
    )
    result = SheetOutcome(
        ledger, kind, header_row, got, _figures(outcome.tables, ledger.file), notices, pin
    )
    if ledger.case != "headerless":
        result.tally, result.misses = score_columns(ledger.columns, got, ledger.path.name)
    return result


def run_corpus(ledgers: Sequence[Ledger]) -> list[SheetOutcome]:
    with tempfile.TemporaryDirectory(prefix="shishi-header-corpus-") as tmp:
        return [run_sheet(ledger, Path(tmp)) for ledger in ledgers]


@dataclass
class SplitSummary:
    """The figures printed for one split."""

    split: str
    tally: Tally
    ledgers: int
    kind_right: int
    exact: int
    headerless: int
    headerless_handled: int
    off_family: int
    off_family_handled: int
    off_family_counted: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "precision": self.tally.precision,
            "recall": self.tally.recall,
            "mappings_made": self.tally.made,
            "mappings_correct": self.tally.correct,
            "columns_labelled": self.tally.labelled,
            "columns_found": self.tally.found,
            "ledgers": self.ledgers,
            "kind_right": self.kind_right,
            "kind_accuracy": self.kind_right / self.ledgers if self.ledgers else 1.0,
            "exact": self.exact,
            "headerless": self.headerless,
            "headerless_handled": self.headerless_handled,
            "off_family": self.off_family,
            "off_family_handled": self.off_family_handled,
            "off_family_counted": self.off_family_counted,
        }


def summarize(results: Sequence[SheetOutcome], split: str) -> SplitSummary:
    mine = [r for r in results if r.ledger.split == split]
    tally = Tally()
    for r in mine:
        tally.add(r.tally)
    ledgers = [r for r in mine if r.ledger.case == "ledger"]
    headerless = [r for r in mine if r.ledger.case == "headerless"]
    off = [r for r in mine if r.ledger.case == "off_family"]
    return SplitSummary(
        split=split,
        tally=tally,
        ledgers=len(ledgers),
        kind_right=sum(r.kind == r.ledger.kind for r in ledgers),
        exact=sum(r.exact for r in ledgers),
        headerless=len(headerless),
        headerless_handled=sum(r.handled for r in headerless),
        off_family=len(off),
        off_family_handled=sum(r.handled for r in off),
        off_family_counted=sum(r.counted for r in off),
    )


# --- output -------------------------------------------------------------------------------------


def report(summaries: Sequence[SplitSummary]) -> list[str]:
    """The figures, one line each, dev and holdout side by side, targets at the right."""

    def cells(fmt: Any) -> str:
        return "".join(f"{fmt(s):>18}" for s in summaries)

    def ratio(a: int, b: int) -> str:
        return f"{a / b:.2f} ({a}/{b})" if b else "— (0/0)"

    head = f"{'':<34}" + "".join(f"{s.split:>18}" for s in summaries) + "  target"
    return [
        head,
        f"{'header precision':<34}"
        + cells(lambda s: ratio(s.tally.correct, s.tally.made))
        + f"  >= {TARGET_PRECISION:.2f}",
        f"{'header recall':<34}"
        + cells(lambda s: ratio(s.tally.found, s.tally.labelled))
        + f"  >= {TARGET_RECALL:.2f}",
        f"{'table kind right':<34}" + cells(lambda s: f"{s.kind_right}/{s.ledgers}"),
        f"{'ledgers read exactly':<34}" + cells(lambda s: f"{s.exact}/{s.ledgers}"),
        f"{'headerless lists handled':<34}"
        + cells(lambda s: f"{s.headerless_handled}/{s.headerless}"),
        f"{'off-family sheets said plainly':<34}"
        + cells(lambda s: f"{s.off_family_handled}/{s.off_family}"),
        f"{'off-family sheets counted':<34}" + cells(lambda s: f"{s.off_family_counted}") + "  0",
    ]


def listing(results: Sequence[SheetOutcome]) -> list[str]:
    """Every miss: header mappings (file, header, intended, got), then whole sheets."""
    lines = ["header misses (file | header | intended | got):"]
    for r in results:
        for m in r.misses:
            lines.append(f"  {r.ledger.split}/{m.ledger} | {m.header} | {m.intended} | {m.got}")
    lines.append("whole sheets not as expected (file | expected | shishi):")
    for r in results:
        if r.handled:
            continue
        truth = {k: v for k, v in r.ledger.truth.items()}
        said = "; ".join(r.notices)[:300]
        lines.append(
            f"  {r.ledger.split}/{r.ledger.path.name} | {r.ledger.expect} {r.ledger.kind} {truth}"
            f" | {r.kind} {r.figures} {said}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--list", action="store_true", help="print every miss")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--split", choices=SPLITS, action="append", help="only this split")
    args = parser.parse_args(argv)
    splits = tuple(args.split or SPLITS)
    ledgers = load_corpus(splits=splits)
    results = run_corpus(ledgers)
    summaries = [summarize(results, s) for s in splits]
    if args.json:
        print(json.dumps({s.split: s.as_dict() for s in summaries}, ensure_ascii=False, indent=2))
        return 0
    print(
        f"header corpus ({CORPUS.relative_to(ROOT)}): "
        + ", ".join(f"{sum(r.ledger.split == s for r in results)} {s} sheets" for s in splits)
        + ", no shishi.toml"
    )
    print("\n".join(report(summaries)))
    if args.list:
        print()
        print("\n".join(listing(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
