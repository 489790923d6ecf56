"""Recall in one step through the library, on SQLite and PostgreSQL: by serials, batch,
receipt or supplier and dates, every unit and quantity concerned and where it is now — with
which customer on which invoice, inside which assembled unit, sold in which bundle."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import serialtrack
from serialtrack.domain.errors import Invalid, NotFound
from serialtrack.inventory import Inventory
from templates import initialized

LAST_MONTH = date.today() - timedelta(days=30)


@pytest.fixture
def inv(db_url: str):  # type: ignore[no-untyped-def]
    with serialtrack.open(initialized(db_url)) as inventory:
        inventory.add_location("Main")
        inventory.add_location("Annex")
        inventory.add_partner("Acme", supplier=True)
        inventory.add_partner("Globex", supplier=True)
        inventory.add_partner("Jane", customer=True)
        inventory.add_product("PHN", "Phone")
        inventory.add_product("CASE", "Case")
        inventory.add_product("CHG", "Charger", "none")
        inventory.add_product("PILLS", "Pills", "batch")
        inventory.add_product("KIT", "Kit", "none")
        inventory.set_components("KIT", [("PHN", 1), ("CASE", 1)])
        inventory.add_product("BOX", "Boxed phone", "serial")
        inventory.set_components("BOX", [("PHN", 1)])
        inventory.receive(supplier="Acme", location="Main", date=LAST_MONTH,
                          lines=[("PHN", ["OLD-1"])])  # fmt: skip
        inventory.receive(supplier="Acme", location="Main", lines=[
            ("PHN", ["P1", "P2", "P3", "P4"]), ("CASE", ["C1", "C2"]), ("CHG", 5),
            {"sku": "PILLS", "batches": [("L1", 10)]},
        ])  # fmt: skip
        inventory.receive(supplier="Globex", location="Main", lines=[("PHN", ["G1"])])
        yield inventory
        assert inventory.check() == []


def where(view) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return [(r.sku, r.serial or r.batch, r.quantity, r.status, r.location, r.partner,
             r.document) for r in view.rows]  # fmt: skip


def test_a_receipt_recalled_says_where_each_unit_is(inv: Inventory) -> None:
    sale = inv.sell(customer="Jane", location="Main", lines=[("KIT", ["P1", "C1"])])
    made = inv.assemble("BOX", location="Main", units=[{"serial": "B1", "parts": ["P2"]}])
    moved = inv.transfer(source="Main", destination="Annex", lines=[("PHN", ["P3"])])
    pills = inv.sell(customer="Jane", location="Main",
                     lines=[{"sku": "PILLS", "batches": [("L1", 4)]}])  # fmt: skip
    view = inv.recall(receipt="RC-000002")
    assert where(view) == [
        ("PHN", "P1", 1, "sold", "Customers", "Jane", sale.number),
        ("PHN", "P2", 1, "assembled", "Assembly", None, made.number),
        ("PHN", "P3", 1, "in_stock", "Annex", None, moved.number),
        ("PHN", "P4", 1, "in_stock", "Main", None, "RC-000002"),
        ("CASE", "C1", 1, "sold", "Customers", "Jane", sale.number),
        ("CASE", "C2", 1, "in_stock", "Main", None, "RC-000002"),
        ("CHG", None, 5, "received", "Main", "Acme", "RC-000002"),
        ("PILLS", "L1", 6, "in_stock", "Main", None, None),
        ("PILLS", "L1", 4, "sold", "Customers", "Jane", None),
    ]
    assert view.rows[0].bundle == "KIT"
    assert view.rows[0].date == date.today()
    assert view.rows[1].inside == "BOX B1"
    assert view.rows[1].where == "inside BOX B1 (assembled), which is in stock at Main"
    assert (view.in_stock, view.with_customers) == (3 + 6, 2 + 4)
    assert pills.number.startswith("SO-")


def test_by_serials_batch_and_supplier_with_dates(inv: Inventory) -> None:
    assert [r.serial for r in inv.recall(serials="P2..P4").rows] == ["P2", "P3", "P4"]
    assert [r.serial for r in inv.recall(serials=["G1", "OLD-1"]).rows] == ["G1", "OLD-1"]
    assert [(r.batch, r.quantity) for r in inv.recall(batch="l1").rows] == [("L1", 10)]
    everything = inv.recall(supplier="Acme")
    assert [r.serial for r in everything.rows if r.sku == "PHN"] == [
        "OLD-1", "P1", "P2", "P3", "P4",
    ]  # fmt: skip
    recent = inv.recall(supplier="Acme", date_from=date.today() - timedelta(days=7), sku="PHN")
    assert [r.serial for r in recent.rows] == ["P1", "P2", "P3", "P4"]
    old = inv.recall(supplier="Acme", date_to=LAST_MONTH)
    assert [r.serial for r in old.rows] == ["OLD-1"]


def test_a_recall_is_refused_naming_what_is_wrong(inv: Inventory) -> None:
    cases = [
        ({}, "scope"),
        ({"serials": "P1", "batch": "L1"}, "scope"),
        ({"receipt": "RC-000002", "date_from": date.today()}, "date_from"),
        ({"supplier": "Acme", "date_from": date.today(), "date_to": LAST_MONTH}, "date_from"),
    ]
    for scope, named in cases:
        with pytest.raises(Invalid) as refused:
            inv.recall(**scope)  # type: ignore[arg-type]
        assert refused.value.problems[0].where == named
    with pytest.raises(Invalid) as missing:
        inv.recall(serials="P1 NOPE")
    assert [p.where for p in missing.value.problems] == ["serials[1]"]
    for scope in ({"supplier": "Nobody"}, {"receipt": "SO-000001"}, {"batch": "NOPE"},
                  {"serials": "P1", "sku": "NOPE"}):  # fmt: skip
        with pytest.raises(NotFound):
            inv.recall(**scope)  # type: ignore[arg-type]


def test_the_csv_is_safe_from_formulas(inv: Inventory) -> None:
    inv.add_partner("=HYPERLINK(1)", customer=True)
    inv.sell(customer="=HYPERLINK(1)", location="Main", lines=[("PHN", ["P4"])])
    text = "".join(inv.recall_csv(serials="P4"))
    assert text.splitlines()[0].startswith("sku,serial,batch,quantity,status")
    assert "'=HYPERLINK(1)" in text
    assert ",=HYPERLINK" not in text
