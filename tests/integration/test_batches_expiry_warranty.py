"""Batch codes, expiry rules, warranty ends and serials unknown at sale, end to end.

Every test runs on SQLite and PostgreSQL (the ``inv`` fixture). A refusal must leave the
books exactly as they were (``snapshot``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from builders import shop, snapshot
from serialtrack import Conflict, Forbidden, Invalid, SerialStatus
from serialtrack.inventory import Inventory

TODAY = date.today()
LAST_YEAR = TODAY - timedelta(days=400)


@pytest.fixture
def batched(inv: Inventory) -> Inventory:
    shop(inv)
    inv.add_product("PILLS", "Pills", "batch", expiry_required=True)
    inv.receive(
        supplier="Acme",
        location="Store",
        lines=[
            {
                "sku": "PILLS",
                "batches": [
                    {"code": "LOT-A", "quantity": 10, "expiry": TODAY + timedelta(days=30)},
                    {"code": "LOT-B", "quantity": 5, "expiry": TODAY + timedelta(days=90)},
                ],
            }
        ],
    )
    return inv


def on_hand(inv: Inventory) -> dict[tuple[str, str], int]:
    return {(b["code"], b["location"]): b["quantity"] for b in inv.batches(sku="PILLS")}


def test_a_batch_is_received_sold_in_part_and_moved_in_part(batched: Inventory) -> None:
    inv = batched
    assert on_hand(inv) == {("LOT-A", "Store"): 10, ("LOT-B", "Store"): 5}
    sale = inv.sell(location="Store", lines=[{"sku": "PILLS", "batches": [("LOT-A", 4)]}])
    assert sale.lines[0]["quantity"] == 4
    assert sale.lines[0]["batches"] == [{"code": "LOT-A", "quantity": 4}]
    inv.transfer(source="Store", destination="Warehouse",
                 lines=[{"sku": "PILLS", "batches": [("LOT-A", 2), ("LOT-B", 5)]}])  # fmt: skip
    assert on_hand(inv) == {
        ("LOT-A", "Store"): 4, ("LOT-A", "Warehouse"): 2, ("LOT-B", "Warehouse"): 5,
    }  # fmt: skip
    stock = {(r["sku"], r["location"]): r["quantity"] for r in inv.stock(sku="PILLS")}
    assert stock == {("PILLS", "Store"): 4, ("PILLS", "Warehouse"): 7}


def test_cancelling_batch_documents_restores_every_quantity_exactly(batched: Inventory) -> None:
    inv = batched
    before = snapshot(inv)
    sale = inv.sell(location="Store", lines=[{"sku": "PILLS", "batches": [("LOT-B", 5)]}])
    back = inv.return_from_customer(
        location="Store", invoice=sale.number, lines=[{"sku": "PILLS", "batches": [("LOT-B", 2)]}]
    )
    assert on_hand(inv)[("LOT-B", "Store")] == 2
    inv.cancel(back)
    inv.cancel(sale)
    after = snapshot(inv)
    assert after["quants"] == before["quants"]
    assert on_hand(inv) == {("LOT-A", "Store"): 10, ("LOT-B", "Store"): 5}


def test_a_batch_never_goes_below_zero_and_a_refusal_writes_nothing(batched: Inventory) -> None:
    inv = batched
    before = snapshot(inv)
    with pytest.raises(Conflict) as refused:
        inv.sell(location="Store", lines=[{"sku": "PILLS", "batches": [("LOT-A", 11)]}])
    (problem,) = refused.value.problems
    assert problem.where == "lines[0].batches[0].quantity"
    assert "10 on hand at the source, 11 asked" in problem.message
    with pytest.raises(Conflict, match="no such batch"):
        inv.sell(location="Store", lines=[{"sku": "PILLS", "batches": [("LOT-Z", 1)]}])
    with pytest.raises(Conflict, match="0 on hand"):
        inv.sell(location="Warehouse", lines=[{"sku": "PILLS", "batches": [("LOT-A", 1)]}])
    assert snapshot(inv) == before


def test_cancelling_a_receipt_whose_batch_was_partly_sold_is_refused(batched: Inventory) -> None:
    inv = batched
    receipt = inv.documents(kind="receipt")[0]["number"]
    inv.sell(location="Store", lines=[{"sku": "PILLS", "batches": [("LOT-B", 1)]}])
    before = snapshot(inv)
    with pytest.raises(Conflict, match="batch LOT-B no longer has 5 at Store"):
        inv.cancel(receipt)
    assert snapshot(inv) == before


def test_batch_expiry_is_required_when_the_product_says_so(batched: Inventory) -> None:
    inv = batched
    before = snapshot(inv)
    with pytest.raises(Conflict) as refused:
        inv.receive(supplier="Acme", location="Store",
                    lines=[{"sku": "PILLS", "batches": [("LOT-C", 3)]}])  # fmt: skip
    assert refused.value.problems[0].where == "lines[0].batches[0].expiry"
    # More of a known batch needs no date again; a different date is refused.
    inv.receive(supplier="Acme", location="Store",
                lines=[{"sku": "PILLS", "batches": [("lot-a", 3)]}])  # fmt: skip
    assert on_hand(inv)[("LOT-A", "Store")] == 13
    with pytest.raises(Conflict, match="expires on"):
        inv.receive(supplier="Acme", location="Store",
                    lines=[{"sku": "PILLS", "batches": [("LOT-A", 1, TODAY)]}])  # fmt: skip
    assert snapshot(inv)["counts"]["documents"] == before["counts"]["documents"] + 1


def test_an_expired_batch_is_not_sold_without_a_manager(batched: Inventory) -> None:
    inv = batched
    inv.receive(
        supplier="Acme", location="Store", date=LAST_YEAR,
        lines=[{"sku": "PILLS", "batches": [("OLD", 2, LAST_YEAR + timedelta(days=30))]}],
    )  # fmt: skip
    expired = {b["code"]: b["expired"] for b in inv.batches(sku="PILLS")}
    assert expired == {"OLD": True, "LOT-A": False, "LOT-B": False}
    with pytest.raises(Conflict, match="expired on"):
        inv.sell(location="Store", lines=[{"sku": "PILLS", "batches": [("OLD", 1)]}])
    sale = inv.sell(
        location="Store", allow_expired=True, lines=[{"sku": "PILLS", "batches": [("OLD", 1)]}]
    )
    assert sale.expired_allowed_by == "admin"


def test_expired_serials_are_refused_for_sale_and_transfer_unless_a_manager_allows(
    inv: Inventory,
) -> None:
    shop(inv)
    inv.add_user("clerk", "clerk")
    inv.receive(
        supplier="Acme", location="Store", date=LAST_YEAR,
        lines=[{"sku": "PHONE", "serials": ["E1", "E2", "E3"], "expiry": LAST_YEAR}],
    )  # fmt: skip
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["F1"])])
    assert inv.serial("PHONE", "E1").expired
    assert not inv.serial("PHONE", "F1").expired
    # Never offered: the list of sellable serials leaves expired ones out.
    offered = [r["serial"] for r in inv.serials(sku="PHONE", status="in_stock", sellable=True)]
    assert offered == ["F1"]
    before = snapshot(inv)
    with pytest.raises(Conflict) as refused:
        inv.sell(location="Store", lines=[("PHONE", ["F1", "E1"])])
    assert [p.where for p in refused.value.problems] == ["lines[0].serials[1]"]
    assert "expired on" in refused.value.problems[0].message
    with pytest.raises(Conflict, match="expired on"):
        inv.transfer(source="Store", destination="Warehouse", lines=[("PHONE", ["E2"])])
    with pytest.raises(Conflict, match="expired on"):
        inv.dispatch(source="Store", destination="Warehouse", lines=[("PHONE", ["E2"])])
    clerk = inv.as_user("clerk")
    with pytest.raises(Forbidden):
        clerk.sell(location="Store", allow_expired=True, lines=[("PHONE", ["E1"])])
    assert snapshot(inv) == before
    # A write-off and a purchase return take expired units: that is what they are for.
    inv.write_off(location="Store", reason="expired", lines=[("PHONE", ["E3"])])
    sale = inv.sell(location="Store", allow_expired=True, lines=[("PHONE", ["E1"])])
    assert sale.expired_allowed_by == "admin"
    moved = inv.dispatch(source="Store", destination="Warehouse", allow_expired=True,
                         lines=[("PHONE", ["E2"])])  # fmt: skip
    assert moved.expired_allowed_by == "admin"
    assert inv.document(sale.number).expired_allowed_by == "admin"
    with pytest.raises(Invalid):
        inv.receive(supplier="Acme", location="Store", allow_expired=True,
                    lines=[("PHONE", ["G1"])])  # fmt: skip


def test_serial_expiry_is_required_when_the_product_says_so(inv: Inventory) -> None:
    shop(inv)
    inv.add_product("MILK", "Milk", "serial", expiry_required=True)
    with pytest.raises(Conflict, match="expiry date is required"):
        inv.receive(supplier="Acme", location="Store", lines=[("MILK", ["M1"])])
    inv.receive(supplier="Acme", location="Store",
                lines=[{"sku": "MILK", "serials": ["M1"], "expiry": TODAY}])  # fmt: skip
    assert inv.serial("MILK", "M1").expiry == TODAY


def test_warranty_ends_from_the_receipt_line_and_the_sale(inv: Inventory) -> None:
    shop(inv)
    inv.update_product("PHONE", supplier_warranty_days=730)
    received = TODAY - timedelta(days=10)
    w2_line = {"sku": "PHONE", "serials": ["W2"], "warranty_days": 90}
    inv.receive(supplier="Acme", location="Store", date=received,
                lines=[("PHONE", ["W1"]), w2_line])  # fmt: skip
    w1, w2 = inv.serial("PHONE", "W1"), inv.serial("PHONE", "W2")
    assert (w1.supplier, w1.received_on) == ("Acme", received)
    assert w1.supplier_warranty_until == received + timedelta(days=730)
    assert w2.supplier_warranty_until == received + timedelta(days=90)
    assert w1.customer_warranty_until is None
    sale = inv.sell(location="Store", customer="Alice", lines=[("PHONE", ["W1"])])
    sold = inv.serial("PHONE", "W1")
    assert (sold.customer, sold.sale, sold.sold_on) == ("Alice", sale.number, TODAY)
    assert sold.customer_warranty_until == TODAY + timedelta(days=365)
    inv.cancel(sale)
    assert inv.serial("PHONE", "W1").customer_warranty_until is None
    with pytest.raises(Invalid) as refused:
        inv.sell(location="Store", lines=[{"sku": "PHONE", "serials": ["W2"], "warranty_days": 5}])
    assert refused.value.problems[0].where == "lines[0].warranty_days"


def test_a_serial_unknown_at_sale_is_refused_by_default(inv: Inventory) -> None:
    shop(inv)
    assert not inv.takes_unknown_serials("sale")
    before = snapshot(inv)
    with pytest.raises(Conflict, match="never received"):
        inv.sell(location="Store", lines=[("PHONE", ["NEW-1"])])
    assert snapshot(inv) == before
    assert inv.discrepancies() == []


def test_a_serial_unknown_at_sale_is_adopted_and_listed_when_allowed(inv: Inventory) -> None:
    shop(inv)
    inv.set_setting("unknown_serials_at_sale", "allow")
    assert inv.takes_unknown_serials("sale")
    assert not inv.takes_unknown_serials("transfer_receipt")
    assert not inv.takes_unknown_serials("purchase_return")
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["K1"])])
    sale = inv.sell(location="Store", customer="Bob", lines=[("PHONE", ["K1", "NEW-1"])])
    new = inv.serial("PHONE", "NEW-1")
    assert new.status is SerialStatus.SOLD
    kinds = [m.document_kind.value for m in new.history]
    assert kinds == ["adjustment", "sale"]
    (found,) = inv.discrepancies()
    assert (found.kind, found.code) == ("sold_without_receipt", "NEW-1")
    assert sale.number in found.detail
    # A refused sale adopts nothing either.
    before = snapshot(inv)
    with pytest.raises(Conflict):
        inv.sell(location="Store", lines=[("PHONE", ["NEW-2", "K1"])])
    assert snapshot(inv) == before
    # Both documents cancel like any other, the sale first: then the unit is out of the books.
    adjustment = inv.documents(kind="adjustment")[0]["number"]
    with pytest.raises(Conflict, match="NEW-1 is now sold"):
        inv.cancel(adjustment)
    inv.cancel(sale)
    inv.cancel(adjustment)
    assert inv.serial("PHONE", "NEW-1").status is SerialStatus.ADJUSTED_OUT
    assert inv.discrepancies() == []
    assert inv.check() == []


# Switching a product to serial tracking (seed 001) ----------------------------------------------
def test_switching_with_stock_names_the_quantity_and_places(inv: Inventory) -> None:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("CABLE", 2)])
    inv.receive(supplier="Acme", location="Warehouse", lines=[("CABLE", 1)])
    before = snapshot(inv)
    with pytest.raises(Conflict, match=r"3 on hand \(1 at Warehouse, 2 at Store\)|3 on hand"):
        inv.switch_tracking("CABLE", "serial")
    with pytest.raises(Invalid) as refused:
        inv.switch_tracking("CABLE", "serial", serials={"Store": ["C1"], "Warehouse": ["C3"]})
    assert refused.value.problems[0].where == "serials.Store"
    with pytest.raises(Conflict, match="on hand"):
        inv.switch_tracking("CABLE", "batch")
    assert snapshot(inv) == before
    assert inv.product("CABLE").tracking.value == "none"


def test_switching_with_serials_for_every_unit_posts_one_assignment(inv: Inventory) -> None:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("CABLE", 2)])
    inv.receive(supplier="Acme", location="Warehouse", lines=[("CABLE", 1)])
    before = snapshot(inv)
    assignment = inv.switch_tracking(
        "CABLE", "serial", serials={"Store": ["C1", "C2"], "Warehouse": ["C3"]}
    )
    assert assignment is not None
    assert assignment.kind.value == "serial_assignment"
    assert inv.product("CABLE").tracking.value == "serial"
    stock = {(r["sku"], r["location"]): r["quantity"] for r in inv.stock(sku="CABLE")}
    assert stock == {("CABLE", "Store"): 2, ("CABLE", "Warehouse"): 1}
    assert inv.serial("CABLE", "C3").location == "Warehouse"
    inv.sell(location="Store", lines=[("CABLE", ["C1"])])
    assert inv.check() == []
    with pytest.raises(Conflict, match="cannot be cancelled"):
        inv.cancel(assignment.number)
    inv.cancel(inv.documents(kind="sale")[0]["number"])
    inv.cancel(assignment.number)
    assert inv.product("CABLE").tracking.value == "none"
    assert snapshot(inv)["quants"] == before["quants"]


def test_a_product_without_stock_switches_freely(inv: Inventory) -> None:
    shop(inv)
    assert inv.switch_tracking("CABLE", "batch") is None
    assert inv.product("CABLE").tracking.value == "batch"
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["P1"])])
    with pytest.raises(Conflict, match="1 on hand"):
        inv.switch_tracking("PHONE", "none")


def test_a_batch_travels_in_two_legs_with_a_partial_receipt(batched: Inventory) -> None:
    inv = batched
    parts = [("LOT-A", 6), ("LOT-B", 2)]
    sent = inv.dispatch(source="Store", destination="Warehouse",
                        lines=[{"sku": "PILLS", "batches": parts}])  # fmt: skip
    assert sent.in_transit[0]["batches"] == [
        {"code": "LOT-A", "quantity": 6}, {"code": "LOT-B", "quantity": 2},
    ]  # fmt: skip
    with pytest.raises(Conflict, match="LOT-A: 6 on hand at the source, 7 asked"):
        inv.receive_transfer(dispatch=sent.number,
                             lines=[{"sku": "PILLS", "batches": [("LOT-A", 7)]}])  # fmt: skip
    inv.receive_transfer(dispatch=sent.number,
                         lines=[{"sku": "PILLS", "batches": [("LOT-A", 4)]}])  # fmt: skip
    left = inv.document(sent.number).in_transit
    assert left[0]["batches"] == [
        {"code": "LOT-A", "quantity": 2},
        {"code": "LOT-B", "quantity": 2},
    ]
    inv.receive_transfer(dispatch=sent.number)  # the rest
    assert inv.document(sent.number).in_transit == ()
    assert on_hand(inv) == {
        ("LOT-A", "Store"): 4, ("LOT-A", "Warehouse"): 6, ("LOT-B", "Store"): 3,
        ("LOT-B", "Warehouse"): 2,
    }  # fmt: skip


def test_a_receipt_takes_a_batch_only_from_its_own_dispatch(batched: Inventory) -> None:
    inv = batched
    first = inv.dispatch(source="Store", destination="Warehouse",
                         lines=[{"sku": "PILLS", "batches": [("LOT-A", 2)]}])  # fmt: skip
    inv.dispatch(source="Store", destination="Warehouse",
                 lines=[{"sku": "PILLS", "batches": [("LOT-A", 5)]}])  # fmt: skip
    before = snapshot(inv)
    with pytest.raises(Conflict) as refused:
        inv.receive_transfer(dispatch=first.number,
                             lines=[{"sku": "PILLS", "batches": [("LOT-A", 3)]}])  # fmt: skip
    assert "2 still in transit on TR-000001, 3 asked" in refused.value.problems[0].message
    assert snapshot(inv) == before


@pytest.mark.parametrize("kind", ["dispatch", "transfer", "write_off"])
def test_a_serial_unknown_at_transfer_or_write_off_follows_the_same_setting(
    inv: Inventory, kind: str
) -> None:
    """Seed 001: a unit found on the shelf but never received can be transferred or written
    off when the shop allows it; it comes in through an adjustment and is listed."""
    shop(inv)
    inv.add_location("Depot")
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["K1"])])
    lines = [("PHONE", ["K1", "NEW-1"])]

    def make() -> Any:
        if kind == "write_off":
            return inv.write_off(location="Store", lines=lines, reason="found broken")
        move = inv.dispatch if kind == "dispatch" else inv.transfer
        return move(source="Store", destination="Depot", lines=lines)

    before = snapshot(inv)
    with pytest.raises(Conflict, match="never received"):
        make()
    assert snapshot(inv) == before
    inv.set_setting("unknown_serials_at_sale", "allow")
    assert inv.takes_unknown_serials(kind)
    document = make()
    new = inv.serial("PHONE", "NEW-1")
    assert [m.document_kind.value for m in new.history] == ["adjustment", kind]
    assert new.status.value == {"dispatch": "in_transit", "transfer": "in_stock",
                                "write_off": "written_off"}[kind]  # fmt: skip
    (found,) = inv.discrepancies()
    verb = {"dispatch": "dispatched", "transfer": "transferred", "write_off": "written_off"}[kind]
    assert (found.kind, found.code) == (f"{verb}_without_receipt", "NEW-1")
    assert document.number in found.detail
    assert inv.check() == []
    inv.cancel(document)  # the unit goes back to the store the adjustment brought it to
    assert inv.serial("PHONE", "NEW-1").location == "Store"
    assert inv.check() == []
