"""Bundles assembled ahead into units of their own, and taken apart, through the library, on
SQLite and PostgreSQL: the parts' serials are the unit's contents, a recall of a part finds its
unit wherever it went, all or nothing, and every cancel restores exactly."""

from __future__ import annotations

import pytest

import serialtrack
from builders import snapshot
from serialtrack.domain.errors import Conflict, Forbidden, Invalid
from serialtrack.inventory import Inventory
from templates import initialized


@pytest.fixture
def inv(db_url: str):  # type: ignore[no-untyped-def]
    with serialtrack.open(initialized(db_url)) as inventory:
        inventory.add_location("Store")
        inventory.add_location("Annex")
        inventory.add_partner("Acme", supplier=True)
        inventory.add_partner("Alice", customer=True)
        inventory.add_product("PHONE", "Phone")
        inventory.add_product("CASE", "Case")
        inventory.add_product("CHG", "Charger", "none")
        inventory.add_product("KIT", "Phone kit", "serial", serial_pattern="KIT-{seq:03}")
        inventory.set_components("KIT", [("PHONE", 1), ("CHG", 2), ("CASE", 1)])
        inventory.receive(supplier="Acme", location="Store", lines=[
            ("PHONE", ["P1", "P2", "P3"]), ("CASE", ["C1", "C2", "C3"]), ("CHG", 5),
        ])  # fmt: skip
        yield inventory
        assert inventory.check() == []  # the ledger replays clean after every test


def status(inv: Inventory, sku: str, code: str) -> str:
    return inv.serial(sku, code).status.value


def on_hand(inv: Inventory, location: str = "Store") -> dict[str, int]:
    return {r["sku"]: r["quantity"] for r in inv.stock(location=location)}


def test_assembly_puts_units_in_stock_and_keeps_their_parts(inv: Inventory) -> None:
    made = inv.assemble("KIT", location="Store",
                        units=[{"serial": "K1", "parts": ["C1", "P1"]}, ["P2", "C2"]])  # fmt: skip
    assert made.kind.value == "assembly"
    assert made.number.startswith("AS-")
    assert [(x["sku"], x["quantity"], x["serials"], x["bundle_no"]) for x in made.lines] == [
        ("KIT", 1, ["K1"], 1), ("PHONE", 1, ["P1"], 1), ("CHG", 2, [], 1), ("CASE", 1, ["C1"], 1),
        ("KIT", 1, ["KIT-001"], 2), ("PHONE", 1, ["P2"], 2), ("CHG", 2, [], 2),
        ("CASE", 1, ["C2"], 2),
    ]  # fmt: skip
    assert on_hand(inv) == {"KIT": 2, "PHONE": 1, "CASE": 1, "CHG": 1}
    assert inv.serial("KIT", "K1").contents == ("PHONE P1", "CHG x 2", "CASE C1")
    part = inv.serial("PHONE", "P1")
    assert part.status.value == "assembled"
    assert part.inside == "KIT K1"
    assert part.summary == "inside KIT K1 (assembled), which is in stock at Store"
    assert inv.bundle_stock("KIT", "Store").assembled == 2


def test_a_recall_of_a_part_finds_the_unit_wherever_it_went(inv: Inventory) -> None:
    inv.assemble("KIT", location="Store", units=[{"serial": "K1", "parts": ["P1", "C1"]}])
    inv.transfer(source="Store", destination="Annex", lines=[("KIT", ["K1"])])
    sale = inv.sell(customer="Alice", location="Annex", lines=[("KIT", ["K1"])])
    part = inv.serial("CASE", "C1")
    assert part.summary == f"inside KIT K1 (assembled), which is sold to Alice on {sale.number}"
    inv.return_from_customer(customer="Alice", location="Store", lines=[("KIT", ["K1"])])
    assert status(inv, "KIT", "K1") == "in_stock"
    assert status(inv, "CASE", "C1") == "assembled"  # the parts stay inside through it all


def test_disassembly_brings_exactly_the_parts_back(inv: Inventory) -> None:
    inv.assemble("KIT", location="Store", units=[{"serial": "K1", "parts": ["P1", "C1"]}])
    apart = inv.disassemble("KIT", ["K1"], location="Store")
    assert apart.number.startswith("DA-")
    assert [(x["sku"], x["quantity"], x["serials"]) for x in apart.lines] == [
        ("KIT", 1, ["K1"]), ("PHONE", 1, ["P1"]), ("CHG", 2, []), ("CASE", 1, ["C1"]),
    ]  # fmt: skip
    assert on_hand(inv) == {"PHONE": 3, "CASE": 3, "CHG": 5}
    assert status(inv, "KIT", "K1") == "assembled"  # taken apart: out of stock
    assert status(inv, "PHONE", "P1") == "in_stock"
    # The same serial may be put together again, from other parts.
    again = inv.assemble("KIT", location="Store", units=[{"serial": "K1", "parts": ["P2", "C2"]}])
    assert inv.serial("KIT", "K1").contents == ("PHONE P2", "CHG x 2", "CASE C2")
    assert again.number != apart.number


def test_cancels_restore_exactly_in_order(inv: Inventory) -> None:
    start = snapshot(inv)
    made = inv.assemble("KIT", location="Store", units=[{"serial": "K1", "parts": ["P1", "C1"]}])
    after_assembly = snapshot(inv)
    apart = inv.disassemble("KIT", ["K1"], location="Store")
    with pytest.raises(Conflict, match="moved on"):
        inv.cancel(made.number)  # K1 was taken apart since
    inv.cancel(apart.number)
    assert snapshot(inv)["serials"] == after_assembly["serials"]
    assert snapshot(inv)["quants"] == after_assembly["quants"]
    sale = inv.sell(location="Store", lines=[("KIT", ["K1"])])
    with pytest.raises(Conflict, match="moved on"):
        inv.cancel(made.number)  # K1 is sold
    inv.cancel(sale.number)
    inv.cancel(made.number)
    assert snapshot(inv)["serials"][: len(start["serials"])] == start["serials"]
    assert snapshot(inv)["quants"] == start["quants"]
    assert status(inv, "PHONE", "P1") == "in_stock"


def test_a_refused_assembly_names_the_unit_and_writes_nothing(inv: Inventory) -> None:
    inv.sell(location="Store", lines=[("PHONE", ["P3"])])
    inv.assemble("KIT", location="Store", units=[{"serial": "K1", "parts": ["P1", "C1"]}])
    before = snapshot(inv)
    cases = [
        ([{"serial": "K2", "parts": ["P3", "C2"]}], "units[0].components[0].serials[0]", "sold"),
        ([{"serial": "K2", "parts": ["P2"]}], "units[0].components[2]", "1 CASE serial; 0"),
        ([{"serial": "K1", "parts": ["P2", "C2"]}], "units[0].serial", "already known"),
        ([{"serial": "K2", "parts": ["P2", "C9"]}], "units[0].serials[1]", "no unit of"),
        ([{"serial": "K2", "parts": ["P2", "C2"]}, {"serial": "K3", "parts": ["P2", "C3"]}],
         "units[1].components[0].serials[0]", "twice"),
    ]  # fmt: skip
    for units, where, words in cases:
        with pytest.raises((Invalid, Conflict)) as refused:
            inv.assemble("KIT", location="Store", units=units)
        problems = {p.where: p.message for p in refused.value.problems}
        assert where in problems, (units, problems)
        assert words in problems[where], (units, problems)
    inv.sell(location="Store", lines=[("CHG", 2)])  # one charger left: a kit takes two
    with pytest.raises(Conflict, match="CHG"):
        inv.assemble("KIT", location="Store", units=[["P2", "C2"]])
    assert snapshot(inv)["serials"] == before["serials"]


def test_only_serial_bundles_are_assembled_and_only_assembled_units_taken_apart(
    inv: Inventory,
) -> None:
    inv.add_product("BOX", "Gift box", "none")
    inv.set_components("BOX", [("CASE", 1)])
    with pytest.raises(Invalid, match="quantity-only"):
        inv.assemble("BOX", location="Store", units=[["C1"]])
    with pytest.raises(Invalid, match="not a bundle"):
        inv.assemble("PHONE", location="Store", units=[["C1"]])
    inv.receive(supplier="Acme", location="Store", lines=[("KIT", ["BOUGHT-1"])])  # whole
    with pytest.raises(Conflict, match="not assembled here"):
        inv.disassemble("KIT", ["BOUGHT-1"], location="Store")
    with pytest.raises(Conflict, match="no such serial"):
        inv.disassemble("KIT", ["NOPE"], location="Store")
    inv.add_user("vic", "viewer", "viewer-password-1")
    with pytest.raises(Forbidden):
        inv.as_user("vic").assemble("KIT", location="Store", units=[["P1", "C1"]])


def test_a_serial_bundle_is_also_sold_from_its_parts_when_they_are_named(inv: Inventory) -> None:
    line = {"sku": "KIT", "components": [{"sku": "PHONE", "serials": ["P1"]},
                                         {"sku": "CASE", "serials": ["C1"]}]}  # fmt: skip
    sale = inv.sell(location="Store", lines=[line])
    assert [x["sku"] for x in sale.lines] == ["PHONE", "CHG", "CASE"]
    assert sale.bundles[0]["sku"] == "KIT"
    with pytest.raises(Conflict, match="no such serial"):
        inv.sell(location="Store", lines=[("KIT", ["P2"])])  # a KIT line names KIT units


def test_check_finds_bundles_broken_behind_its_back(inv: Inventory) -> None:
    """A quantity-only bundle given stock of its own, and an assembled unit's line taken out
    of its unit: ``check`` names both."""
    from sqlalchemy import text

    inv.add_product("BOX", "Gift box", "none")
    inv.set_components("BOX", [("CASE", 1)])
    inv.assemble("KIT", location="Store", units=[{"serial": "K1", "parts": ["P1", "C1"]}])
    assert inv.check() == []
    with inv.store.transaction() as tx:
        c = tx.connection
        box = c.execute(text("SELECT id FROM products WHERE sku = 'BOX'")).scalar()
        store = c.execute(text("SELECT id FROM locations WHERE name = 'Store'")).scalar()
        c.execute(
            text("INSERT INTO quants (product_id, location_id, quantity) VALUES (:p, :l, 3)"),
            {"p": box, "l": store},
        )
        c.execute(
            text(
                "UPDATE lines SET bundle_id = NULL WHERE product_id = "
                "(SELECT id FROM products WHERE sku = 'KIT')"
            )
        )
    found = inv.check()
    assert "BOX is a bundle, yet Store holds 3 of it" in found, found
    assert any(f.startswith("AS-000001 unit 1: 0 line(s) of the bundle") for f in found), found
    with inv.store.transaction() as tx:  # put things back for the fixture's own check
        tx.connection.execute(text("DELETE FROM quants WHERE product_id = :p"), {"p": box})
        tx.connection.execute(
            text(
                "UPDATE lines SET bundle_id = (SELECT MIN(id) FROM document_bundles) "
                "WHERE product_id = (SELECT id FROM products WHERE sku = 'KIT')"
            )
        )
