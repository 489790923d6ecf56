"""The operator's CLI end to end on a real database file: seed 000 by command line."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serialtrack.entrypoints.cli import app


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'shop.db'}"

    def run(*args: str, ok: bool = True) -> str:
        result = runner.invoke(app, ["--db", db, *args])
        output = result.stdout + result.stderr
        if ok:
            assert result.exit_code == 0, output
        else:
            assert result.exit_code == 1, output
        return output

    return run


def test_seed_000_by_command_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert "created user admin with password" in cli("init")
    cli("location", "add", "Store")
    cli("partner", "add", "Acme", "--supplier")
    cli("partner", "add", "Alice", "--customer")
    cli("product", "add", "PHONE", "Phone X", "--tracking", "serial")
    assert "PHONE" in cli("product", "list")

    out = cli(
        "receive", "--supplier", "Acme", "--location", "Store", "--sku", "PHONE",
        "--reference", "ACME-77", "SN1", "SN2", "SN3",
    )  # fmt: skip
    assert "RC-000001" in out
    assert "SO-000001" in cli(
        "sell", "--customer", "Alice", "--location", "Store", "--sku", "PHONE", "SN2"
    )
    shown = cli("serial", "PHONE", "SN2")
    assert "sold" in shown
    assert "RC-000001" in shown
    assert "SO-000001" in shown

    listed = cli("serials", "--sku", "PHONE", "--status", "in_stock")
    assert "SN1" in listed
    assert "SN3" in listed
    assert "SN2" not in listed

    report = tmp_path / "report.csv"
    cli("report", "serials", "--csv", str(report))
    rows = list(csv.DictReader(report.read_text(encoding="utf-8").splitlines()))
    by_serial = {r["serial"]: r for r in rows}
    assert by_serial["SN2"]["customer"] == "Alice"
    assert by_serial["SN2"]["sales_invoice"] == "SO-000001"
    assert by_serial["SN1"]["purchase_reference"] == "ACME-77"

    cli("cancel", "SO-000001")
    assert "in stock" in cli("serial", "PHONE", "SN2")
    assert "agree" in cli("check")


def test_refusals_are_one_clear_line_and_exit_1(cli) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    cli("location", "add", "Store")
    cli("partner", "add", "Acme", "--supplier")
    cli("product", "add", "PHONE", "Phone X")
    cli("receive", "--supplier", "Acme", "--location", "Store", "--sku", "PHONE", "SN1")

    again = cli(
        "receive", "--supplier", "Acme", "--location", "Store", "--sku", "PHONE", "SN1", ok=False
    )
    assert again.startswith("error:")
    assert "SN1" in again
    assert "Traceback" not in again

    missing = cli("sell", "--location", "Store", "--sku", "PHONE", "NOPE", ok=False)
    assert "NOPE" in missing
    assert "no product with SKU 'GHOST'" in cli("serial", "GHOST", "X", ok=False)


def test_report_csv_cells_cannot_run_formulas(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    cli("location", "add", "Store")
    cli("partner", "add", '=HYPERLINK("http://x")', "--supplier")
    cli("product", "add", "PHONE", "Phone")
    cli(
        "receive", "--supplier", '=HYPERLINK("http://x")', "--location", "Store",
        "--sku", "PHONE", "--", "-1+1", "@SUM(A1)",
    )  # fmt: skip
    report = tmp_path / "r.csv"
    cli("report", "serials", "--csv", str(report))
    cells = [c for row in csv.reader(report.read_text(encoding="utf-8").splitlines()) for c in row]
    assert "'-1+1" in cells
    assert "'@SUM(A1)" in cells
    assert '\'=HYPERLINK("http://x")' in cells
    assert not any(c[:1] in "=+-@" for c in cells if c)


def test_every_way_to_enter_serials(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    cli("location", "add", "Store")
    cli("partner", "add", "Acme", "--supplier")
    cli("product", "add", "PHONE", "Phone", "--gtin", "9506000134352")
    listing = tmp_path / "codes.txt"
    listing.write_bytes("\ufeffF-1\r\nF-2; F-3\nF-10..F-12\n".encode())
    cli(
        "receive", "--supplier", "Acme", "--location", "Store", "--sku", "PHONE",
        "A-1", "B-01..B-03", "--range", "C-8..C-10", "--rule", "prefix=R,start=5,count=2,width=3",
        "--generate", "2", "--from-file", str(listing),
    )  # fmt: skip
    shown = cli("document", "RC-000001")
    for code in ("A-1", "B-01 B-02 B-03", "C-8 C-9 C-10", "R005 R006", "PHONE-000001 PHONE-000002",
                 "F-1 F-2 F-3 F-10 F-11 F-12"):  # fmt: skip
        assert code in shown
    assert "x 17" in shown  # 1 + 3 + 3 + 2 + 2 + 6

    scanned = cli("scan", "(01)09506000134352(21)B-02")
    assert "product: PHONE" in scanned
    assert "serial: B-02" in scanned
    assert "status: in stock" in scanned

    bad = cli("sell", "--location", "Store", "--sku", "PHONE", "--range", "C-12..C-09", ok=False)
    assert "C-12..C-09" in bad
    assert "backwards" in bad or "runs" in bad
    again = cli("sell", "--location", "Store", "--sku", "PHONE", "A-1", "a-1", ok=False)
    assert "twice" in again
    assert cli("scan", "(01)09506000134353(21)X", ok=False).startswith("error:")


def test_template_and_import_by_command_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    cli("location", "add", "Store")
    cli("product", "add", "PHONE", "Phone")
    template = tmp_path / "t.xlsx"
    cli("template", str(template), "--xlsx")
    assert template.read_bytes()[:4] == b"PK\x03\x04"
    good = tmp_path / "good.csv"
    good.write_text("sku,serial\n" + "".join(f"PHONE,B-{n}\n" for n in range(500)), "utf-8")
    assert "500 rows checked" in cli("import", str(good), "--location", "Store", "--check")
    assert cli("serials", "--sku", "PHONE").count("B-") == 0
    assert "500 serials imported on OB-000001" in cli("import", str(good), "--location", "Store")
    again = cli("import", str(good), "--location", "Store", ok=False)
    assert "row 2, serial: PHONE B-0: already known: in stock at Store" in again
    assert "and 450 more" in again
