"""A service desk's lists through the library, on SQLite and PostgreSQL: warranties ending
within N days (customer: units sold; supplier: units held), and what expires on the shelves
within N days, expired included; figures written down by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import serialtrack
from serialtrack.domain.errors import Invalid, NotFound
from serialtrack.inventory import Inventory
from templates import initialized

TODAY = date.today()


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


@pytest.fixture
def inv(db_url: str):  # type: ignore[no-untyped-def]
    with serialtrack.open(initialized(db_url)) as inventory:
        inventory.add_location("Main")
        inventory.add_location("Annex")
        inventory.add_partner("Acme", supplier=True)
        inventory.add_partner("Jane", customer=True)
        inventory.add_product("PHN", "Phone", customer_warranty_days=365,
                              supplier_warranty_days=400)  # fmt: skip
        inventory.add_product("PILLS", "Pills", "batch")
        inventory.receive(supplier="Acme", location="Main", date=ago(390),
                          lines=[("PHN", ["OLD-1", "OLD-2", "OLD-3"])])  # fmt: skip
        batches = [("L-OLD", 4, ago(1)), ("L-SOON", 6, ago(-20)), ("L-LATE", 2, ago(-90))]
        phone = {"sku": "PHN", "serials": ["NEW-1"], "expiry": ago(-5), "warranty_days": 12}
        inventory.receive(supplier="Acme", location="Main", date=ago(10),
                          lines=[phone, {"sku": "PILLS", "batches": batches}])  # fmt: skip
        yield inventory
        assert inventory.check() == []


def test_customer_warranties_ending_soon(inv: Inventory) -> None:
    inv.sell(customer="Jane", location="Main", date=ago(350), lines=[("PHN", ["OLD-1"])])
    inv.sell(location="Main", date=ago(300), lines=[("PHN", ["OLD-2"])])
    rows = inv.warranty_ending(30)
    assert [(r.serial, r.warranty_until, r.partner, r.since) for r in rows] == [
        ("OLD-1", ago(350) + timedelta(days=365), "Jane", ago(350)),
    ]
    assert [r.serial for r in inv.warranty_ending(70)] == ["OLD-1", "OLD-2"]


def test_supplier_warranties_of_units_held(inv: Inventory) -> None:
    rows = inv.warranty_ending(30, side="supplier")
    # OLD-*: 400 days from 390 days ago (in 10 days); NEW-1: its line's 12 days (in 2 days)
    assert [(r.serial, r.warranty_until, r.partner) for r in rows] == [
        ("NEW-1", ago(-2), "Acme"),
        ("OLD-1", ago(-10), "Acme"), ("OLD-2", ago(-10), "Acme"), ("OLD-3", ago(-10), "Acme"),
    ]  # fmt: skip
    inv.sell(location="Main", lines=[("PHN", ["OLD-3"])])
    assert "OLD-3" not in [r.serial for r in inv.warranty_ending(30, side="supplier")]


def test_what_expires_on_the_shelves(inv: Inventory) -> None:
    rows = inv.expiring(30)
    assert [(r.sku, r.serial or r.batch, r.quantity, r.expiry, r.expired) for r in rows] == [
        ("PILLS", "L-OLD", 4, ago(1), True),
        ("PHN", "NEW-1", 1, ago(-5), False),
        ("PILLS", "L-SOON", 6, ago(-20), False),
    ]
    assert [r.batch for r in inv.expiring(100, sku="PILLS")] == ["L-OLD", "L-SOON", "L-LATE"]
    assert inv.expiring(30, location="Annex") == []


def test_bad_arguments_are_refused(inv: Inventory) -> None:
    with pytest.raises(Invalid, match="days"):
        inv.expiring(-1)
    with pytest.raises(Invalid, match="side"):
        inv.warranty_ending(30, side="both")
    with pytest.raises(Invalid):
        inv.warranty_ending(30, sku="NOPE")
    with pytest.raises((Invalid, NotFound)):
        inv.expiring(30, location="Nowhere")
