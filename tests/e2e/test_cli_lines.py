"""Several products in one CLI command: repeatable ``--line`` beside the old ``--sku`` form (a
receipt of three products is one document), and ``product add --serial-pattern``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from typer.testing import CliRunner

import serialtrack
from serialtrack.entrypoints.cli import app
from templates import initialized


@pytest.fixture
def run(db_url: str) -> Callable[..., str]:
    """The CLI on a shop with a store, a supplier, a customer and no products yet."""
    with serialtrack.open(initialized(db_url)) as inv:
        inv.add_location("Main")
        inv.add_partner("Acme", supplier=True)
        inv.add_partner("Alice", customer=True)
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["--db", db_url, *args])
        output = result.stdout + result.stderr
        assert result.exit_code == code, output
        assert "Traceback" not in output
        return output

    return invoke


def lines_of(db_url: str, number: str) -> list[tuple[str, int, list[str], list[tuple[str, int]]]]:
    with serialtrack.open(db_url) as inv:
        document = inv.document(number)
    return [
        (x["sku"], x["quantity"], list(x["serials"]),
         [(b["code"], b["quantity"]) for b in x["batches"]])
        for x in document.lines
    ]  # fmt: skip


def test_a_receipt_of_three_products_is_one_document(run: Callable[..., str], db_url: str) -> None:
    assert "PHN added" in run("product", "add", "PHN", "Phone", "--serial-pattern", "P-{seq:03}")
    run("product", "add", "CBL", "Cable", "--tracking", "none")
    run("product", "add", "GEL", "Gel", "--tracking", "batch")
    out = run(
        "receive", "--supplier", "Acme", "--location", "Main",
        "--line", "PHN:SN1,SN2", "--line", "CBL:5", "--line", "GEL:batch=L1:12:2030-01-31",
    )  # fmt: skip
    assert "receipt RC-000001 posted: 19 units" in out
    assert lines_of(db_url, "RC-000001") == [
        ("PHN", 2, ["SN1", "SN2"], []), ("CBL", 5, [], []), ("GEL", 12, [], [("L1", 12)]),
    ]  # fmt: skip
    # the old form still works, and takes --line beside it; serials from the product's pattern
    out = run("receive", "--supplier", "Acme", "--location", "Main", "--sku", "PHN",
              "--generate", "2", "--line", "CBL:3")  # fmt: skip
    assert "receipt RC-000002 posted: 5 units" in out
    assert lines_of(db_url, "RC-000002") == [
        ("PHN", 2, ["P-001", "P-002"], []), ("CBL", 3, [], []),
    ]  # fmt: skip
    # a sale of two products, then a return and a purchase return by --line
    out = run("sell", "--customer", "Alice", "--location", "Main",
              "--line", "PHN:SN2", "--line", "CBL:4", "--line", "GEL:batch=L1:2")  # fmt: skip
    assert "sale SO-000001 posted: 7 units" in out
    out = run("return", "--customer", "Alice", "--location", "Main", "--invoice", "SO-000001",
              "--line", "PHN:SN2", "--line", "CBL:1")  # fmt: skip
    assert "SR-000001 posted: 2 units" in out
    out = run("return-to-supplier", "--supplier", "Acme", "--location", "Main",
              "--line", "PHN:SN1", "--line", "CBL:2")  # fmt: skip
    assert "PR-000001 posted: 3 units" in out
    # the other documents take --line too
    out = run("write-off", "--location", "Main", "--reason", "dropped",
              "--line", "PHN:P-001", "--line", "CBL:1")  # fmt: skip
    assert "posted: 2 units" in out
    with serialtrack.open(db_url) as inv:
        assert inv.check() == []


def test_line_refusals_name_the_option(run: Callable[..., str]) -> None:
    run("product", "add", "PHN", "Phone")
    no_product = run("receive", "--supplier", "Acme", "--location", "Main", code=2)
    assert "--sku SKU or --line SKU:" in no_product
    loose = run("receive", "--supplier", "Acme", "--location", "Main", "SN1", code=2)
    assert "go with --sku" in loose
    bad = run("receive", "--supplier", "Acme", "--location", "Main", "--line", "PHN", code=2)
    assert "SKU:SN1,SN2" in bad
    wrong_pattern = run("product", "add", "X", "X", "--serial-pattern", "{nope}", code=1)
    assert "pattern" in wrong_pattern


def test_a_serial_batch_line_names_its_batch_and_serials(
    run: Callable[..., str], db_url: str
) -> None:
    run("product", "add", "SB", "Syringe", "--tracking", "serial+batch")
    run("product", "add", "CBL", "Cable", "--tracking", "none")
    out = run("receive", "--supplier", "Acme", "--location", "Main", "--expiry", "2030-01-31",
              "--line", "SB:batch=L9:S-1..S-3", "--line", "CBL:2")  # fmt: skip
    assert "RC-000001 posted: 5 units" in out
    with serialtrack.open(db_url) as inv:
        units = inv.serials(sku="SB")
    assert sorted(u["serial"] for u in units) == ["S-1", "S-2", "S-3"]
    assert {str(u.get("batch")) for u in units} == {"L9"}
