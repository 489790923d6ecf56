"""The command line's tables fit the terminal and every report is written to a file.

In 80 columns (``COLUMNS=80``, as when the output is not a terminal) no line of any table is
longer than 80 characters and the essential data (serial codes, quantities) is there, a
line saying how many columns were left out; ``--wide`` shows every column of the report;
``-o FILE`` writes CSV, XLSX or PDF by the suffix, the CSV holding the rows the table
shows; a refused filter exits 1 and leaves no file. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import serialtrack
from serialtrack.demo import load_demo
from serialtrack.entrypoints.cli import app
from templates import initialized

LONG_NAME = "Refurbished phone X1 128GB with charger, case and screen protector"


@dataclass(frozen=True)
class Shop:
    url: str
    transfer: str
    run: Callable[..., str]


@pytest.fixture
def shop(db_url: str) -> Shop:
    """The demo shop, and: X1-00010..X1-00012 on their way from Main store to Warehouse, a
    product with a long name, NEW-1 sold without a receipt (an open discrepancy), a user
    kim with an API token."""
    with serialtrack.open(initialized(db_url)) as inv:
        load_demo(inv)
        inv.add_product("PHN-R1", LONG_NAME, customer_warranty_days=90)
        inv.receive(supplier="Acme Distribution", location="Main store",
                    lines=[("PHN-R1", ["R1-0001", "R1-0002"])])  # fmt: skip
        moving = [("PHN-X1", ["X1-00010", "X1-00011", "X1-00012"])]
        transfer = inv.dispatch(source="Main store", destination="Warehouse", lines=moving)
        inv.set_setting("unknown_serials_at_sale", "allow")
        inv.sell(customer="Jane Doe", location="Main store", lines=[("PHN-X1", ["NEW-1"])])
        inv.add_user("kim", "clerk", "kims-password-1")
        inv.create_token("kim", "till-1")
    runner = CliRunner()

    def run(*args: str, columns: int = 80, code: int = 0) -> str:
        result = runner.invoke(app, ["--db", db_url, *args], env={"COLUMNS": str(columns)})
        output = result.stdout + result.stderr
        assert result.exit_code == code, output
        assert "Traceback" not in output
        return result.stdout if code == 0 else output

    return Shop(db_url, transfer.number, run)


# every command that prints a table, what it must show in 80 columns, and its report's name
# and filters (None: a list of the command line's own)
TABLES: list[tuple[list[str], list[str], str | None, dict[str, Any]]] = [
    (["report", "serials"], ["X1-00004", "LP14-0003", "R1-0002"], "serials", {}),
    (["serials", "--sku", "PHN-X1"], ["X1-00004", "X1-00019"], "serial-list", {"sku": "PHN-X1"}),
    (["stock"], ["TR-000001", "LOT-2402", "36", "in transit"], "stock", {}),
    (["stock", "--location", "Warehouse"], ["LAP-14", "8"], "stock", {"location": "Warehouse"}),
    (["stock", "--as-of", "2100-01-01"], ["PHN-R1", "47"], "stock-as-of", {"at": "2100-01-01"}),
    (["journal"], ["X1-00001", "RC-000001", "Main store"], "journal", {}),
    (["recall", "X1-00004..X1-00012"], ["X1-00005", "X1-00011", "in transit"], "recall",
     {"serials": ["X1-00004..X1-00012"]}),
    (["batch", "VIT-C", "LOT-2402"], ["RC-000003", "36"], "batch",
     {"sku": "VIT-C", "code": "LOT-2402"}),
    (["warranty-ending", "--days", "800"], ["X1-00002", "LP14-0001", "SO-000001"], "warranty",
     {"days": 800}),
    (["expiring", "--days", "900"], ["LOT-2401", "24"], "expiring", {"days": 900}),
    (["discrepancies"], ["NEW-1"], "discrepancies", {"state": "all"}),
    (["documents"], ["RC-000001", "TR-000001", "posted"], "documents", {}),
    (["transfer", "list"], ["TR-000001", "X1-00010 X1-00011 X1-00012"], "in-transit", {}),
    (["product", "list"], ["PHN-R1", "VIT-C"], "products", {}),
    (["location", "list"], ["Main store", "Warehouse"], "locations", {}),
    (["partner", "list"], ["Acme Distribution", "Corner Café"], "partners", {}),
    (["audit"], ["PHN-R1", "kim"], "audit", {}),
    (["batches"], ["LOT-2401", "LOT-2402", "24", "36"], None, {}),
    (["user", "list"], ["kim", "clerk", "must change password"], None, {}),
    (["token", "list"], ["kim", "till-1", "active"], None, {}),
    (["user", "failures"], ["username"], None, {}),
    (["setting", "list"], ["unknown_serials_at_sale", "allow"], None, {}),
]  # fmt: skip


def test_every_table_fits_80_columns_with_its_essential_data(shop: Shop) -> None:
    wrong = []
    for args, wanted, _, _ in TABLES:
        try:
            shown = shop.run(*args)
        except AssertionError as error:
            wrong.append((args, str(error)))
            continue
        too_long = [line for line in shown.splitlines() if len(line) > 80]
        missing = [words for words in wanted if words not in shown]
        if too_long or missing:
            wrong.append((args, too_long, missing, shown))
    assert not wrong
    narrow = shop.run("journal")
    assert re.search(r"^\d+ more columns.*: use --wide or --output FILE$", narrow, re.M), narrow
    assert "Reversal" not in narrow


def test_a_long_cell_wraps_instead_of_being_cut(shop: Shop) -> None:
    shown = shop.run("product", "list", columns=60)
    assert max(len(line) for line in shown.splitlines()) <= 60
    assert LONG_NAME not in shown  # too long for one line: wrapped between its words...
    assert "Refurbished phone X1" in shown
    for word in LONG_NAME.split():  # ... with none of them cut
        assert word in shown.split(), word


def test_wide_shows_every_column(shop: Shop) -> None:
    with serialtrack.open(shop.url) as inv:
        titles = {name: [c.title for c in inv.report_table(name, **filters).columns]
                  for _, _, name, filters in TABLES if name is not None}  # fmt: skip
    wrong = []
    for args, _, name, _ in TABLES:
        if name is None:
            continue
        try:
            shown = shop.run(*args, "--wide")
        except AssertionError as error:
            wrong.append((args, str(error)))
            continue
        missing = [title for title in titles[name] if title not in shown]
        if missing or "more column" in shown:
            wrong.append((args, missing, shown))
    assert not wrong
    everything = shop.run("--wide", "journal", columns=60)  # the root command's --wide
    assert "Reversal" in everything
    assert max(len(line) for line in everything.splitlines()) > 60


def _table_rows(shown: str) -> tuple[list[list[str]], str]:
    """A --wide table's rows (one line each), split into their non-empty cells, and the line
    of its column titles."""
    lines = shown.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("──"))
    rows = []
    for line in lines[rule + 1 :]:
        if not line.strip():
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows, lines[rule - 1]


def _as_shown(cell: str) -> str:
    """A CSV cell as the screen shows it: times to the minute, no formula guard."""
    if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", cell):
        return cell[:16]
    return cell[1:] if cell[:2] in ("'=", "'+", "'-", "'@") else cell


@pytest.mark.parametrize(
    ("args", "stem"),
    [(["report", "serials"], "serials"), (["journal", "--sku", "PHN-X1"], "journal"),
     (["transfer", "list"], "in-transit"), (["warranty-ending", "--days", "800"], "warranty"),
     (["product", "list"], "products")],
)  # fmt: skip
def test_the_csv_holds_the_rows_the_table_shows(shop: Shop, tmp_path: Path, args, stem) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / f"{stem}.csv"
    said = shop.run(*args, "-o", str(target))
    header, *rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert said.strip() == f"{len(rows)} row{'s' * (len(rows) != 1)} written to {target}"
    shown = shop.run(*args, "--wide")
    table, titles = _table_rows(shown)
    for title in header:
        assert title in titles
    assert len(table) == len(rows) > 0
    for on_screen, row in zip(table, rows, strict=True):
        assert on_screen == [_as_shown(c) for c in row if c], (on_screen, row)
    assert shop.run(*args, "-o", "-") == target.read_text(encoding="utf-8")  # '-': stdout


def test_xlsx_has_dates_as_dates_and_widths(shop: Shop, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "journal.xlsx"
    assert "rows written to" in shop.run("journal", "--location", "Warehouse", "-o", str(target))
    sheet = load_workbook(target).active
    header = [c.value for c in sheet[1]]
    at, day, quantity = header.index("At (UTC)"), header.index("Date"), header.index("Quantity")
    first = sheet[2]
    assert first[at].is_date
    assert isinstance(first[at].value, datetime)
    assert first[day].is_date
    assert isinstance(first[quantity].value, int)
    assert sheet.column_dimensions["A"].width > 10
    assert sheet.freeze_panes == "A2"

    stock = tmp_path / "stock.xlsx"
    shop.run("stock", "--as-of", datetime.now(UTC).date().isoformat(), "-o", str(stock))
    assert load_workbook(stock).active.max_row > 1

    warranty = tmp_path / "warranty.xlsx"
    shop.run("warranty-ending", "--days", "800", "-o", str(warranty))
    sheet = load_workbook(warranty).active
    header = [c.value for c in sheet[1]]
    assert sheet[2][header.index("Warranty until")].is_date


def test_pdf(shop: Shop, tmp_path: Path) -> None:
    for args in (["stock"], ["recall", "--batch", "LOT-2401"], ["audit"]):
        target = tmp_path / f"{args[0]}.pdf"
        shop.run(*args, "-o", str(target))
        assert target.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "named"),
    [(["journal", "--location", "Attic"], "Attic"), (["stock", "--sku", "NOPE"], "sku"),
     (["stock", "--as-of", "later"], "--as-of"),
     (["report", "serials", "--sold-to", "x"], "sold_to"),
     (["recall", "--receipt", "RC-999999"], "RC-999999"),
     (["documents", "--partner", "Nobody"], "Nobody"),
     (["audit", "--entity", "spaceship"], "entity"), (["serials", "--status", "lost"], "status"),
     (["batch", "VIT-C", "NOPE"], "NOPE"), (["warranty-ending", "--days=-1"], "days")],
)  # fmt: skip
def test_a_refused_filter_leaves_no_file(shop: Shop, tmp_path: Path, args, named) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "out"
    folder.mkdir()
    for suffix in ("csv", "xlsx", "pdf"):
        target = folder / f"out.{suffix}"
        refused = shop.run(*args, "-o", str(target), code=1)
        assert refused.startswith("error: "), refused
        assert named in refused
        assert not target.exists()
    assert list(folder.iterdir()) == []  # no temporary file left either


def test_an_unknown_suffix_is_refused_before_anything_is_read(shop: Shop, tmp_path: Path) -> None:
    refused = shop.run("stock", "-o", str(tmp_path / "stock.txt"), code=2)
    assert ".csv, .xlsx or .pdf" in refused
    assert not (tmp_path / "stock.txt").exists()
    assert "no folder" in shop.run("stock", "-o", str(tmp_path / "no" / "stock.csv"), code=2)


def test_the_legacy_csv_options_still_write_the_apis_columns(shop: Shop, tmp_path: Path) -> None:
    from serialtrack.services.queries import REPORT_COLUMNS

    target = tmp_path / "report.csv"
    assert "rows written to" in shop.run("report", "serials", "--csv", str(target))
    assert next(csv.reader(io.StringIO(target.read_text(encoding="utf-8")))) == list(REPORT_COLUMNS)


def test_help_fits_80_columns_without_cut_names_or_bool_placeholders() -> None:
    command = typer.main.get_command(app)
    runner = CliRunner()

    def paths(group: Any, path: list[str]) -> list[list[str]]:
        found = [path]
        for name, sub in getattr(group, "commands", {}).items():
            found += paths(sub, [*path, name])
        return found

    for path in paths(command, []):
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"})
        assert result.exit_code == 0, (path, result.output)
        assert "<bool>" not in result.output, path
        assert "…" not in result.output, path  # an option's name cut short
        assert max(len(line) for line in result.output.splitlines()) <= 80, path
        if path == ["product", "add"]:
            assert "--supplier-warranty-days" in result.output


def test_one_unit_is_one_unit(shop: Shop) -> None:
    done = shop.run("receive", "--supplier", "Acme Distribution", "--location", "Main store",
                    "--sku", "PHN-R1", "R1-0003")  # fmt: skip
    assert done.strip().endswith(": 1 unit")
