"""Batch enquiry (seed 001) through the library, on SQLite and PostgreSQL: where a batch's
parts are now — per store, with which customer — and its whole history, cancels included; a
batch code scanned (plain or from a GS1 label's (10)) names its batch."""

from __future__ import annotations

from datetime import date

import pytest

import serialtrack
from serialtrack.domain.errors import Invalid, NotFound
from serialtrack.inventory import Inventory
from templates import initialized

GTIN = "09506000134352"


@pytest.fixture
def inv(db_url: str):  # type: ignore[no-untyped-def]
    with serialtrack.open(initialized(db_url)) as inventory:
        inventory.add_location("Main")
        inventory.add_location("Annex")
        inventory.add_partner("Acme", supplier=True)
        inventory.add_partner("Jane", customer=True)
        inventory.add_partner("Ravi", customer=True)
        inventory.add_product("PILLS", "Pills", "batch", gtin=GTIN)
        inventory.add_product("DROPS", "Drops", "batch")
        inventory.receive(supplier="Acme", location="Main", lines=[
            {"sku": "PILLS", "batches": [{"code": "LOT-8", "quantity": 10,
                                          "expiry": date(2030, 1, 31)}]},
            {"sku": "DROPS", "batches": [("LOT-8", 4), ("D-2", 1)]},
        ])  # fmt: skip
        yield inventory
        assert inventory.check() == []


def pills(quantity: int) -> list[object]:
    return [{"sku": "PILLS", "batches": [("LOT-8", quantity)]}]


def test_where_a_batch_is_and_how_it_got_there(inv: Inventory) -> None:
    jane = inv.sell(customer="Jane", location="Main", lines=pills(3))
    inv.sell(customer="Ravi", location="Main", lines=pills(2))
    walk_in = inv.sell(location="Main", lines=pills(1))
    inv.transfer(source="Main", destination="Annex", lines=pills(2))
    inv.return_from_customer(customer="Jane", invoice=jane.number, location="Main",
                             lines=pills(1))  # fmt: skip
    inv.write_off(location="Annex", reason="crushed", lines=pills(1))
    inv.cancel(walk_in.number)
    b = inv.batch("PILLS", "lot-8")  # any case
    assert (b.code, b.expiry, b.received, b.supplier) == ("LOT-8", date(2030, 1, 31),
                                                          "RC-000001", "Acme")  # fmt: skip
    assert b.on_hand == 4 + 1
    assert [(p.location, p.status, p.partner, p.quantity) for p in b.parts] == [
        ("Annex", "in_stock", None, 1),
        ("Main", "in_stock", None, 4),
        ("Scrap", "written_off", None, 1),
        ("Customers", "sold", "Jane", 2),
        ("Customers", "sold", "Ravi", 2),
    ]
    assert [(m.document, m.kind.value, m.partner, m.quantity, m.reversal) for m in b.history] == [
        ("RC-000001", "receipt", "Acme", 10, False),
        (jane.number, "sale", "Jane", 3, False),
        ("SO-000002", "sale", "Ravi", 2, False),
        (walk_in.number, "sale", None, 1, False),
        ("TF-000001", "transfer", None, 2, False),
        ("SR-000001", "sales_return", "Jane", 1, False),
        ("WO-000001", "write_off", None, 1, False),
        (walk_in.number, "sale", None, 1, True),
    ]
    assert sum(p.quantity for p in b.parts) == 10  # every unit of the batch accounted for


def test_a_scanned_batch_code_names_its_batch(inv: Inventory) -> None:
    found = inv.scan("D-2")
    assert (found.sku, found.batch, found.serial) == ("DROPS", "D-2", None)
    assert found.message == "DROPS batch D-2: 1 in stock"
    label = inv.scan(f"(01){GTIN}(10)LOT-8")
    assert (label.sku, label.batch, label.expiry) == ("PILLS", "LOT-8", date(2030, 1, 31))
    new = inv.scan(f"(01){GTIN}(10)LOT-99")
    assert "a new batch" in new.message
    with pytest.raises(Invalid, match="batch of several products"):
        inv.scan("LOT-8")  # PILLS and DROPS both have one


def test_unknown_batches_and_products_are_refused(inv: Inventory) -> None:
    with pytest.raises(NotFound, match="no batch 'NOPE' of PILLS"):
        inv.batch("PILLS", "NOPE")
    with pytest.raises(NotFound, match="no product"):
        inv.batch("NOPE", "LOT-8")
    inv.add_product("PHONE", "Phone")
    with pytest.raises(NotFound, match="not batch-tracked"):
        inv.batch("PHONE", "LOT-8")
