"""Refund by scan through the library, on SQLite and PostgreSQL: serials (or a slip's number)
find their sales; one credit note per invoice, with its reason; all or nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import serialtrack
from builders import snapshot
from serialtrack.domain.errors import Forbidden, Invalid
from serialtrack.inventory import Inventory
from templates import initialized

GTIN = "09506000134352"
LONG_AGO = date.today() - timedelta(days=400)


@pytest.fixture
def inv(db_url: str):  # type: ignore[no-untyped-def]
    with serialtrack.open(initialized(db_url)) as inventory:
        inventory.add_location("Store")
        inventory.add_location("Quarantine")
        inventory.add_partner("Acme", supplier=True)
        inventory.add_partner("Alice", customer=True)
        inventory.add_partner("Bob", customer=True)
        inventory.add_product("PHONE", "Phone", gtin=GTIN, customer_warranty_days=365)
        inventory.add_product("CASE", "Case")
        codes = [f"P{i}" for i in range(1, 7)]
        inventory.receive(supplier="Acme", location="Store", date=LONG_AGO,
                          lines=[("PHONE", codes), ("CASE", ["C1", "C2"])])  # fmt: skip
        yield inventory
        assert inventory.check() == []  # the whole ledger replays clean after each test


def test_scans_find_each_units_sale_and_warranty(inv: Inventory) -> None:
    old = inv.sell(customer="Alice", location="Store", date=LONG_AGO, lines=[("PHONE", ["P1"])])
    new = inv.sell(location="Store", lines=[("PHONE", ["P2", "P3"]), ("CASE", ["C1"])])
    units = inv.sold_units(["P1", f"(01){GTIN}(21)P2", new.number])
    got = [(u.sku, u.serial, u.invoice, u.customer, u.under_warranty) for u in units]
    assert got == [
        ("PHONE", "P1", old.number, "Alice", False),  # 400 days ago: warranty over
        ("PHONE", "P2", new.number, None, True),  # walk-in
        ("PHONE", "P3", new.number, None, True),  # from the slip's number
        ("CASE", "C1", new.number, None, False),  # no customer warranty
    ]
    assert units[1].warranty_until == date.today() + timedelta(days=365)


def test_refund_makes_one_credit_note_per_invoice(inv: Inventory) -> None:
    alice = inv.sell(customer="Alice", location="Store", lines=[("PHONE", ["P1", "P2"])])
    walk_in = inv.sell(location="Store", lines=[("PHONE", ["P3"]), ("CASE", ["C1"])])
    made = inv.refund(["P2", walk_in.number], location="Quarantine", reason="Defective: no sound")
    assert [d.origin for d in made] == [alice.number, walk_in.number]
    assert [d.partner for d in made] == ["Alice", None]
    assert all(d.kind.value == "sales_return" and d.state.value == "posted" for d in made)
    assert all(d.note == "Defective: no sound" for d in made)
    assert [sorted(c for x in d.lines for c in x["serials"]) for d in made] == [
        ["P2"], ["C1", "P3"],
    ]  # fmt: skip
    for code in ("P2", "P3"):
        unit = inv.serial("PHONE", code)
        assert (unit.status.value, unit.location) == ("in_stock", "Quarantine")
    assert inv.serial("PHONE", "P1").status.value == "sold"
    assert inv.check() == []
    # Scanning the slip again: nothing of it is with the customer any more.
    with pytest.raises(Invalid) as refused:
        inv.sold_units([walk_in.number])
    assert "nothing of" in refused.value.problems[0].message


def test_refusals_name_each_scan_and_write_nothing(inv: Inventory) -> None:
    sale = inv.sell(customer="Bob", location="Store", lines=[("PHONE", ["P1"])])
    receipt = inv.documents(kind="receipt")[0]["number"]
    before = snapshot(inv)
    with pytest.raises(Invalid) as refused:
        inv.refund(["P1", "P4", "NOPE", receipt, "PHONE"], location="Store", reason="Wrong item")
    problems = {p.where: p.message for p in refused.value.problems}
    assert set(problems) == {"scans[1]", "scans[2]", "scans[3]", "scans[4]"}
    assert "P4 is not sold: in stock at Store" in problems["scans[1]"]
    assert "'NOPE' is no known product" in problems["scans[2]"]
    assert "not a sale" in problems["scans[3]"]
    assert "no serial" in problems["scans[4]"]
    with pytest.raises(Invalid, match="needs a reason"):
        inv.refund(["P1"], location="Store", reason="  ")
    with pytest.raises(Invalid, match="nothing scanned"):
        inv.refund([], location="Store", reason="x")
    assert snapshot(inv) == before
    assert inv.serial("PHONE", "P1").sale == sale.number


def test_a_viewer_may_look_up_but_not_refund(inv: Inventory) -> None:
    inv.sell(customer="Bob", location="Store", lines=[("PHONE", ["P1"])])
    inv.add_user("vic", "viewer", "viewer-password-1")
    viewer = inv.as_user("vic")
    assert [u.serial for u in viewer.sold_units(["P1"])] == ["P1"]
    with pytest.raises(Forbidden):
        viewer.refund(["P1"], location="Store", reason="x")


# --- back to the supplier by scan ------------------------------------------------------------
def test_units_go_back_to_the_supplier_of_their_receipt(inv: Inventory) -> None:
    inv.add_partner("Globex", supplier=True)
    second = inv.receive(supplier="Globex", location="Store", lines=[("PHONE", ["G1", "G2"])])
    first = inv.documents(kind="receipt")[-1]["number"]
    inv.opening_balance(location="Store", lines=[("PHONE", ["OB1"])])
    units = inv.stock_units(["P1", "G2", "OB1"], location="Store")
    assert [(u.serial, u.receipt, u.supplier) for u in units] == [
        ("P1", first, "Acme"), ("G2", second.number, "Globex"), ("OB1", None, None),
    ]  # fmt: skip
    before = snapshot(inv)
    with pytest.raises(Invalid) as refused:  # OB1 came in without a receipt: whose is it?
        inv.return_scanned_to_suppliers(["P1", "OB1"], location="Store", reason="DOA")
    assert refused.value.problems[0].where == "scans[1]"
    with pytest.raises(Invalid) as refused:
        inv.return_scanned_to_suppliers(["P1"], location="Quarantine", reason="DOA")
    assert "not in stock at Quarantine" in refused.value.problems[0].message
    assert snapshot(inv) == before
    made = inv.return_scanned_to_suppliers(  # the supplier named is for OB1 only
        ["P1", "G2", "OB1", "P2"], location="Store", reason="Dead on arrival", supplier="Acme"
    )
    got = [(d.partner, d.origin, sorted(c for x in d.lines for c in x["serials"])) for d in made]
    assert got == [
        ("Acme", first, ["P1", "P2"]), ("Globex", second.number, ["G2"]), ("Acme", None, ["OB1"]),
    ]  # fmt: skip
    assert all(d.kind.value == "purchase_return" and d.note == "Dead on arrival" for d in made)
    assert inv.serial("PHONE", "G2").status.value == "returned_to_supplier"
    assert inv.check() == []
