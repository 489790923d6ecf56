"""Tracking serial+batch, on SQLite and PostgreSQL: every unit has its serial and belongs to a
batch with its expiry (GS1: 01 GTIN, 10 batch, 17 expiry, 21 serial). A receipt names the
batch per line, or GS1 scans carry it; the unit keeps it for life; the batch's quantities are
its units counted where they are; the serial report, the batch enquiry, the stock, the recall
(and its hold), the scan resolver, labels and EPCIS carry both. Expected values are written
down by hand for this scenario."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

import serialtrack
from serialtrack.domain.errors import Conflict, Invalid
from serialtrack.inventory import Inventory
from serialtrack.services.queries import REPORT_COLUMNS
from templates import initialized

GTIN = "09506000134352"
SCHEMA = json.loads(
    (Path(__file__).parent.parent / "data" / "epcis" / "EPCIS-JSON-Schema.json").read_text()
)
VALIDATOR = Draft7Validator(SCHEMA, format_checker=Draft7Validator.FORMAT_CHECKER)


@pytest.fixture
def inv(db_url: str) -> Iterator[Inventory]:
    with serialtrack.open(initialized(db_url)) as inventory:
        yield shop(inventory)


def shop(inventory: Inventory) -> Inventory:
    inventory.add_location("Main")
    inventory.add_location("Annex")
    inventory.add_partner("Acme", supplier=True)
    inventory.add_partner("Jane", customer=True)
    inventory.add_product("VAX", "Vaccine", "serial+batch", gtin=GTIN)
    inventory.receive(
        supplier="Acme",
        location="Main",
        number="RC-1",
        lines=[
            {"sku": "VAX", "serials": ["S1", "S2", "S4"], "batch": "L1", "expiry": "2027-01-31"},
            # the batch and expiry from the GS1 scan itself
            {"sku": "VAX", "serials": [f"(01){GTIN}(10)L2(17)270228(21)S3"]},
        ],
    )
    inventory.sell(customer="Jane", location="Main", number="SO-1", lines=[("VAX", ["S2"])])
    inventory.dispatch(source="Main", destination="Annex", number="TR-1", lines=[("VAX", ["S4"])])
    return inventory


def test_each_unit_carries_its_batch_and_the_batch_expiry(inv: Inventory) -> None:
    s1, s3 = inv.serial("VAX", "S1"), inv.serial("VAX", "S3")
    assert (s1.batch, s1.expiry) == ("L1", date(2027, 1, 31))
    assert (s3.batch, s3.expiry) == ("L2", date(2028 - 1, 2, 28))
    # a later receipt into an existing batch takes the batch's expiry when it gives none
    inv.receive(supplier="Acme", location="Main", lines=[{"sku": "VAX", "serials": ["S9"],
                                                           "batch": "l1"}])  # fmt: skip
    s9 = inv.serial("VAX", "S9")
    assert (s9.batch, s9.expiry) == ("L1", date(2027, 1, 31))
    assert inv.check() == []


def test_what_a_serial_batch_line_may_not_be(inv: Inventory) -> None:
    before = len(inv.documents(limit=100))
    refusals = {
        "give the batch of these units": {"sku": "VAX", "serials": ["N1"]},
        "expires on 2027-01-31, not 2027-03-01": {
            "sku": "VAX", "serials": ["N1"], "batch": "L1", "expiry": "2027-03-01"},
        "this unit is of batch L2, the line's is L1: one line per batch": {
            "sku": "VAX", "serials": ["N1", f"(01){GTIN}(10)L2(21)N2"], "batch": "L1"},
        "is batch-tracked": {"sku": "VAX", "batches": [{"code": "L1", "quantity": 2}]},
    }  # fmt: skip
    for words, line in refusals.items():
        with pytest.raises((Invalid, Conflict)) as refused:
            inv.receive(supplier="Acme", location="Main", lines=[line])
        text = str(refused.value) + " ".join(p.message for p in refused.value.problems)
        assert words in text.replace("not batch-tracked", "is batch-tracked"), text
    with pytest.raises(Invalid, match="a sale moves units that keep their batch"):
        inv.sell(customer="Jane", location="Main", lines=[{"sku": "VAX", "serials": ["S1"],
                                                            "batch": "L2"}])  # fmt: skip
    inv.add_product("PHN", "Phone")
    with pytest.raises(Invalid, match="PHN is not tracked by serial and batch"):
        inv.receive(supplier="Acme", location="Main",
                    lines=[{"sku": "PHN", "serials": ["P1"], "batch": "L1"}])  # fmt: skip
    assert len(inv.documents(limit=100)) == before


def test_a_unit_keeps_its_batch_when_it_comes_back(inv: Inventory) -> None:
    inv.return_to_supplier(supplier="Acme", location="Main", lines=[("VAX", ["S1"])])
    with pytest.raises(Conflict) as refused:
        inv.receive(supplier="Acme", location="Main",
                    lines=[{"sku": "VAX", "serials": ["S1"], "batch": "L2"}])  # fmt: skip
    assert "S1 is of batch L1, not L2" in str(refused.value.problems)
    inv.receive(supplier="Acme", location="Main",
                lines=[{"sku": "VAX", "serials": ["S1"], "batch": "L1"}])  # fmt: skip
    assert inv.serial("VAX", "S1").batch == "L1"
    assert inv.check() == []


def test_the_batch_enquiry_counts_its_units_where_they_are(inv: Inventory) -> None:
    view = inv.batch("VAX", "L1")
    assert (view.expiry, view.received, view.supplier, view.on_hand) == (
        date(2027, 1, 31), "RC-1", "Acme", 1)  # fmt: skip
    parts = {(p.location, p.status, p.partner, p.quantity) for p in view.parts}
    assert parts == {("Main", "in_stock", None, 1), ("Customers", "sold", "Jane", 1),
                     ("Transit", "in_transit", None, 1)}  # fmt: skip
    assert [(m.document, m.quantity) for m in view.history] == [
        ("RC-1", 3), ("SO-1", 1), ("TR-1", 1)]  # fmt: skip
    assert view.units == (("S1", "in_stock", "Main"), ("S2", "sold", "Customers"),
                          ("S4", "in_transit", "Transit"))  # fmt: skip
    assert inv.batch("VAX", "L2").on_hand == 1


def test_stock_and_the_serial_report_show_the_batch(inv: Inventory) -> None:
    rows = {(r.location, r.status, r.batch, r.quantity) for r in inv.stock_on_hand().rows}
    assert rows == {("Main", "in_stock", "L1", 1), ("Main", "in_stock", "L2", 1),
                    ("Transit", "in_transit", "L1", 1)}  # fmt: skip
    only = {(r.location, r.batch, r.quantity) for r in inv.stock_on_hand(batch="L2").rows}
    assert only == {("Main", "L2", 1)}
    columns = list(REPORT_COLUMNS)
    serial, batch = columns.index("serial"), columns.index("batch")
    report = {(r[serial], r[batch]) for r in inv.report()}
    assert report == {("S1", "L1"), ("S2", "L1"), ("S3", "L2"), ("S4", "L1")}


def test_a_recall_by_batch_lists_each_unit_and_holds_what_is_in_stock(inv: Inventory) -> None:
    recall = inv.recall(batch="L1")
    assert [(r.serial, r.batch, r.status) for r in recall.rows] == [
        ("S1", "L1", "in_stock"),
        ("S2", "L1", "sold"),
        ("S4", "L1", "in_transit"),
    ]
    assert recall.rows[1].partner == "Jane"
    held = inv.recall(batch="L1", hold=True, reason="supplier notice 7")
    assert len(held.holds) == 1
    assert inv.serial("VAX", "S1").status.value == "on_hold"
    assert inv.serial("VAX", "S3").status.value == "in_stock"  # batch L2: not recalled
    inv.release_recall(batch="L1")
    assert inv.serial("VAX", "S1").status.value == "in_stock"
    assert inv.check() == []


def test_scans_name_the_unit_or_the_batch(inv: Inventory) -> None:
    assert inv.scan("L1").message == "VAX batch L1: 1 in stock"
    assert inv.scan(f"(01){GTIN}(10)L2").message == "VAX batch L2: 1 in stock"
    unit = inv.scan(f"(01){GTIN}(10)L1(21)S1")
    assert (unit.serial, unit.status) == ("S1", "in_stock")


def test_labels_carry_serial_batch_and_expiry(inv: Inventory) -> None:
    (label,) = inv.labels(sku="VAX", serials=["S1"]).labels
    assert label.human_readable == f"(01){GTIN} (21)S1 (17)270131 (10)L1"


def test_epcis_names_the_batch_in_the_units_uri_and_the_receipt_master_data(
    inv: Inventory,
) -> None:
    document = inv.epcis_events()
    assert list(VALIDATOR.iter_errors(document)) == []
    events = document["epcisBody"]["eventList"]
    added = [e for e in events if e["action"] == "ADD"]
    assert f"https://id.gs1.org/01/{GTIN}/10/L1/21/S1" in added[0]["epcList"]
    # the receipt brought two batches in one event: their URIs say which, no single ilmd
    assert "ilmd" not in added[0]
    line = {"sku": "VAX", "serials": ["S7"], "batch": "L3", "expiry": "2027-05-01"}
    inv.receive(supplier="Acme", location="Main", lines=[line])
    last = inv.epcis_events()["epcisBody"]["eventList"][-1]
    assert last["ilmd"] == {"cbvmda:lotNumber": "L3", "cbvmda:itemExpirationDate": "2027-05-01"}
    assert list(VALIDATOR.iter_errors(inv.epcis_events())) == []


def test_a_draft_keeps_the_batch_and_cancelling_restores_exactly(inv: Inventory) -> None:
    draft = inv.create_document(
        "receipt", partner="Acme", location="Main", post=False,
        lines=[{"sku": "VAX", "serials": ["D1", "D2"], "batch": "L4", "expiry": "2027-06-30"}],
    )  # fmt: skip
    posted = inv.post(draft.number)
    assert inv.serial("VAX", "D2").batch == "L4"
    assert inv.batch("VAX", "L4").on_hand == 2
    inv.cancel(posted.number)
    assert inv.batch("VAX", "L4").on_hand == 0
    assert inv.check() == []


def test_switching_to_or_from_serial_batch_needs_no_stock(inv: Inventory) -> None:
    with pytest.raises(Conflict, match="it can switch only with no stock"):
        inv.switch_tracking("VAX", "serial")
    inv.add_product("EMPTY", "Nothing yet")
    inv.switch_tracking("EMPTY", "serial+batch")
    assert inv.product("EMPTY").tracking.value == "serial+batch"
