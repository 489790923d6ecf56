"""Counting quantity-only and batch products on both databases: expected, counted and the
difference while open; posting moves the differences to and from Inventory adjustment;
cancelling reverses them exactly; refusals write nothing."""

from __future__ import annotations

from datetime import date

import pytest

from builders import shop, snapshot
from serialtrack import Conflict, DocumentState, Forbidden, Invalid
from serialtrack.inventory import Inventory

EXPIRY = date(2099, 3, 31)


@pytest.fixture
def shelf(inv: Inventory) -> Inventory:
    """Store: 10 CABLE, PILLS LOT-7 x 20 and LOT-8 x 5, PHONE S1; Warehouse: PILLS LOT-9 x 4."""
    shop(inv)
    inv.add_product("PILLS", "Pills", tracking="batch")
    inv.receive(
        supplier="Acme", location="Store",
        lines=[("CABLE", 10), ("PHONE", ["S1"]),
               {"sku": "PILLS", "batches": [("LOT-7", 20, EXPIRY), ("LOT-8", 5, EXPIRY)]}],
    )  # fmt: skip
    inv.receive(supplier="Acme", location="Warehouse",
                lines=[{"sku": "PILLS", "batches": [("LOT-9", 4, EXPIRY)]}])  # fmt: skip
    return inv


def _on_hand(inv: Inventory, sku: str, location: str = "Store") -> int:
    return sum(r["quantity"] for r in inv.stock(sku=sku, location=location))


def _batch_at(inv: Inventory, code: str, location: str = "Store") -> int:
    rows = inv.batches(sku="PILLS", location=location)
    return sum(r["quantity"] for r in rows if r["code"] == code)


def _lines(view) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(q["sku"], q["batch"], q["expected"], q["counted"], q["difference"])
            for q in view.quantities]  # fmt: skip


def test_expected_counted_and_difference_while_the_count_is_open(shelf: Inventory) -> None:
    inv = shelf
    count = inv.open_count(location="Store")
    assert _lines(count) == [
        ("CABLE", None, 10, None, None), ("PILLS", "LOT-7", 20, None, None),
        ("PILLS", "LOT-8", 5, None, None),
    ]  # fmt: skip
    assert count.warnings == ("CABLE not counted: left as is", "PILLS not counted: left as is")
    assert inv.count_quantity(count, "CABLE", 7)["outcome"] == "counted"
    assert inv.count_quantity(count, "CABLE", 8)["outcome"] == "recounted"  # replaces the 7
    outcome = inv.count_quantity(count, "PILLS", 21, batch="lot-7 ")  # the books' spelling
    assert (outcome["batch"], outcome["quantity"]) == ("LOT-7", 21)
    now = inv.count(count.number)
    assert _lines(now) == [
        ("CABLE", None, 10, 8, -2), ("PILLS", "LOT-7", 20, 21, 1),
        ("PILLS", "LOT-8", 5, None, -5),  # PILLS is counted: a batch not entered counts as 0
    ]  # fmt: skip
    assert now.warnings == ()
    assert (now.expected, now.found) == (1, 0)  # serials are counted apart


def test_posting_moves_the_differences_and_cancelling_restores(shelf: Inventory) -> None:
    inv = shelf
    before = snapshot(inv)
    count = inv.open_count(location="Store")
    inv.count_quantities(count, [
        {"sku": "CABLE", "quantity": 12},
        {"sku": "PILLS", "batch": "LOT-7", "quantity": 18},
        {"sku": "PILLS", "batch": "LOT-9", "quantity": 3},  # in the books elsewhere: found here
    ])  # fmt: skip
    inv.count_scan(count, ["S1"], sku="PHONE")
    posted = inv.post_count(count)
    assert posted.state is DocumentState.POSTED
    assert _lines(posted) == [
        ("CABLE", None, 10, 12, 2), ("PILLS", "LOT-7", 20, 18, -2),
        ("PILLS", "LOT-8", 5, 0, -5), ("PILLS", "LOT-9", 0, 3, 3),
    ]  # fmt: skip
    assert (_on_hand(inv, "CABLE"), _on_hand(inv, "PILLS")) == (12, 21)
    assert [_batch_at(inv, c) for c in ("LOT-7", "LOT-8", "LOT-9")] == [18, 0, 3]
    assert _batch_at(inv, "LOT-9", "Warehouse") == 4  # found stock comes in, not over
    details = sorted(d.detail for d in inv.discrepancies())
    assert details == [
        "CABLE: expected 10, counted 12: 2 more found: added",
        "PILLS batch LOT-7: expected 20, counted 18: 2 short: out as lost",
        "PILLS batch LOT-8: expected 5, counted 0: 5 short: out as lost",
        "PILLS batch LOT-9: expected 0, counted 3: 3 more found: added",
    ]
    assert inv.count(count.number).quantities == posted.quantities  # shown the same later
    assert inv.check() == []
    inv.cancel(count.number)
    assert snapshot(inv)["quants"] == before["quants"]
    assert inv.discrepancies() == []
    assert inv.count(count.number).state is DocumentState.CANCELLED
    assert inv.check() == []


def test_a_product_in_scope_never_counted_is_left_as_is(shelf: Inventory) -> None:
    inv = shelf
    count = inv.open_count(location="Store", sku="PILLS")
    assert count.warnings == ("PILLS not counted: left as is",)
    posted = inv.post_count(count)
    assert posted.warnings == ("PILLS not counted: left as is",)
    assert _on_hand(inv, "PILLS") == 25
    assert inv.discrepancies() == []
    # A scoped count of a product the store holds none of says so too.
    inv.add_product("DROPS", "Drops", tracking="batch")
    assert inv.open_count(location="Store", sku="DROPS").warnings == (
        "DROPS not counted: left as is",
    )


def test_an_unscoped_count_of_serials_leaves_quantities_as_they_are(shelf: Inventory) -> None:
    inv = shelf
    count = inv.open_count(location="Store")
    inv.count_scan(count, ["S1"], sku="PHONE")
    posted = inv.post_count(count)
    assert posted.warnings == ("CABLE not counted: left as is", "PILLS not counted: left as is")
    assert (_on_hand(inv, "CABLE"), _on_hand(inv, "PILLS")) == (10, 25)
    assert posted.quantities == ()


def test_counting_the_books_exactly_moves_nothing(shelf: Inventory) -> None:
    inv = shelf
    count = inv.open_count(location="Store", sku="CABLE")
    inv.count_quantity(count, "CABLE", 10)
    posted = inv.post_count(count)
    assert _lines(posted) == [("CABLE", None, 10, 10, 0)]
    assert inv.discrepancies() == []
    inv.cancel(count.number)


def test_refusals_name_the_line_and_write_nothing(shelf: Inventory) -> None:
    inv = shelf
    count = inv.open_count(location="Store", sku="PILLS")
    inv.count_quantity(count, "PILLS", 3, batch="LOT-7")
    before = snapshot(inv)
    seen = inv.count(count.number).quantities
    lot7 = {"sku": "PILLS", "batch": "LOT-7"}
    bad = [
        ([{**lot7, "quantity": -1}], r"lines\[0\]\.quantity: -1 is below zero"),
        ([{**lot7, "quantity": 1.5}], r"lines\[0\]\.quantity: a whole number"),
        ([{**lot7, "batch": "NOPE-1", "quantity": 1}], r"lines\[0\]\.batch: PILLS has no batch"),
        ([{"sku": "PILLS", "quantity": 1}], r"lines\[0\]\.batch: PILLS is batch-tracked"),
        ([{"sku": "CABLE", "quantity": 1}], r"lines\[0\]\.sku: this count is of PILLS only"),
        ([{"sku": "GHOST", "quantity": 1}], r"lines\[0\]\.sku: no product with SKU 'GHOST'"),
        ([{"sku": "PILLS", "batch": "LOT-8", "quantity": 2},
          {"sku": "PILLS", "batch": "LOT-7", "quantity": -4}], r"lines\[1\]\.quantity"),
    ]  # fmt: skip
    for lines, message in bad:
        with pytest.raises(Invalid, match=message):
            inv.count_quantities(count, lines)
    everywhere = inv.open_count(location="Store")
    with pytest.raises(Invalid, match=r"PHONE is serial-tracked: scan its serials"):
        inv.count_quantity(everywhere, "PHONE", 1)
    with pytest.raises(Invalid, match=r"CABLE is not batch-tracked"):
        inv.count_quantity(everywhere, "CABLE", 1, batch="LOT-7")
    inv.delete_draft(everywhere.number)
    assert snapshot(inv) == before
    assert inv.count(count.number).quantities == seen
    inv.post_count(count)
    with pytest.raises(Conflict, match="is posted; it takes no more counted quantities"):
        inv.count_quantity(count, "PILLS", 3, batch="LOT-7")


def test_clerks_count_managers_post(shelf: Inventory) -> None:
    inv = shelf
    inv.add_user("carl", "clerk", "carl-password-1")
    inv.add_user("vera", "viewer", "vera-password-1")
    clerk = inv.as_user("carl")
    count = clerk.open_count(location="Store", sku="CABLE")
    clerk.count_quantity(count, "CABLE", 4)
    with pytest.raises(Forbidden):
        inv.as_user("vera").count_quantity(count, "CABLE", 5)
    with pytest.raises(Forbidden):
        clerk.post_count(count)
    assert _on_hand(inv, "CABLE") == 10
    inv.post_count(count)
    assert _on_hand(inv, "CABLE") == 4


def test_cancelling_is_refused_once_found_stock_has_left(shelf: Inventory) -> None:
    inv = shelf
    count = inv.open_count(location="Store", sku="CABLE")
    inv.count_quantity(count, "CABLE", 13)
    inv.post_count(count)
    inv.sell(location="Store", lines=[("CABLE", 13)])
    with pytest.raises(Conflict, match="cannot be cancelled"):
        inv.cancel(count.number)
    assert _on_hand(inv, "CABLE") == 0
