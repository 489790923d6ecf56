"""Inventory counts end to end on both databases: scans, expected vs found, posting, cancelling."""

from __future__ import annotations

import pytest

from builders import race, shop, snapshot
from serialtrack import Conflict, DocumentState, Forbidden, Invalid, SerialStatus
from serialtrack.inventory import Inventory


@pytest.fixture
def shelf(inv: Inventory) -> Inventory:
    """Store holds S1..S4; Warehouse holds W1; S9 was sold to Alice."""
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["S1", "S2", "S3", "S4"])])
    inv.receive(supplier="Acme", location="Warehouse", lines=[("PHONE", ["W1", "S9"])])
    inv.sell(location="Warehouse", customer="Alice", lines=[("PHONE", ["S9"])])
    return inv


def test_expected_against_found_while_the_count_is_open(shelf: Inventory) -> None:
    inv = shelf
    count = inv.open_count(location="Store")
    assert (count.state, count.expected, count.found) == (DocumentState.DRAFT, 4, 0)
    outcomes = inv.count_scan(count, ["S1", "s2 ", "S1"], sku="PHONE")
    assert [o["outcome"] for o in outcomes] == ["counted", "counted", "already counted"]
    # A second scanner, without a SKU: the code alone names the product.
    assert inv.count_scan(count.number, ["S2", "W1"])[0]["outcome"] == "already counted"
    now = inv.count(count.number)
    assert (now.expected, now.found, now.matched) == (4, 3, 2)
    assert [m["code"] for m in now.missing] == ["S3", "S4"]
    assert [(u["code"], u["books"]) for u in now.unexpected] == [("W1", "in stock at Warehouse")]


def test_posting_writes_the_differences_and_cancelling_reverses_them(shelf: Inventory) -> None:
    inv = shelf
    before = snapshot(inv)
    count = inv.open_count(location="Store")
    inv.count_scan(count, ["S1", "S2", "W1", "S9", "NEW-7"], sku="PHONE")
    posted = inv.post_count(count)
    assert posted.state is DocumentState.POSTED
    assert [m["code"] for m in posted.missing] == ["S3", "S4"]
    assert {u["code"] for u in posted.unexpected} == {"W1", "S9", "NEW-7"}
    status = {c: (inv.serial("PHONE", c).status, inv.serial("PHONE", c).location)
              for c in ("S1", "S3", "W1", "S9", "NEW-7")}  # fmt: skip
    assert status == {
        "S1": (SerialStatus.IN_STOCK, "Store"),
        "S3": (SerialStatus.ADJUSTED_OUT, "Inventory adjustment"),
        "W1": (SerialStatus.IN_STOCK, "Store"),  # moved over from where the books had it
        "S9": (SerialStatus.SOLD, "Customers"),  # flagged, not silently restored
        "NEW-7": (SerialStatus.IN_STOCK, "Store"),
    }
    flagged = {(d.kind, d.code) for d in inv.discrepancies()}
    assert flagged == {
        ("count_missing", "S3"), ("count_missing", "S4"), ("count_found_elsewhere", "W1"),
        ("count_not_restored", "S9"), ("count_unknown", "NEW-7"),
    }  # fmt: skip
    assert inv.check() == []
    inv.cancel(count.number)
    after = snapshot(inv)
    assert after["serials"][: len(before["serials"])] == before["serials"]
    assert inv.serial("PHONE", "NEW-7").status is SerialStatus.ADJUSTED_OUT
    assert inv.serial("PHONE", "W1").location == "Warehouse"
    assert inv.discrepancies() == []
    assert inv.check() == []


def test_a_lost_unit_found_by_a_later_count_comes_back(shelf: Inventory) -> None:
    inv = shelf
    first = inv.open_count(location="Store", sku="PHONE")
    inv.count_scan(first, ["S1", "S2", "S3"])
    inv.post_count(first)
    assert inv.serial("PHONE", "S4").status is SerialStatus.ADJUSTED_OUT
    second = inv.open_count(location="Store", sku="PHONE")
    inv.count_scan(second, ["S1", "S2", "S3", "S4"])
    assert inv.post_count(second).unexpected[0]["code"] == "S4"
    assert inv.serial("PHONE", "S4").status is SerialStatus.IN_STOCK
    # The first count can no longer be cancelled: S4 has moved on since.
    with pytest.raises(Conflict, match="S4 is now in stock at Store"):
        inv.cancel(first.number)


def test_refusals_write_nothing(shelf: Inventory) -> None:
    inv = shelf
    inv.dispatch(source="Store", destination="Warehouse", lines=[("PHONE", ["S4"])])
    count = inv.open_count(location="Store", sku="PHONE")
    before = snapshot(inv)
    with pytest.raises(Conflict) as refused:
        inv.count_scan(count, ["S1", "S4", "NEW-1"])  # NEW-1: a PHONE the books do not know
    problems = {p.where: p.message for p in refused.value.problems}
    assert list(problems) == ["scans[1]"]
    assert "in transit on transfer" in problems["scans[1]"]
    everything = inv.open_count(location="Warehouse")
    with pytest.raises(Conflict, match="no product has this serial; say which product"):
        inv.count_scan(everything, ["NOPE-1"])
    inv.add_product("TAB", "Tablet", "serial")
    with pytest.raises(Conflict, match="of PHONE only"):
        inv.count_scan(count, ["T1"], sku="TAB")
    assert snapshot(inv)["counts"] == {
        **before["counts"],
        "documents": before["counts"]["documents"] + 1,
    }
    assert inv.count(count).found == 0
    inv.post_count(count)
    with pytest.raises(Conflict, match="takes no more scans"):
        inv.count_scan(count, ["S1"])
    with pytest.raises(Conflict, match="only an open count posts"):
        inv.post_count(count)


def test_a_serial_held_by_a_draft_and_not_found_stops_the_posting(shelf: Inventory) -> None:
    inv = shelf
    draft = inv.sell(location="Store", lines=[("PHONE", ["S1"])], post=False)
    count = inv.open_count(location="Store")
    inv.count_scan(count, ["S2", "S3", "S4"], sku="PHONE")
    before = snapshot(inv)
    with pytest.raises(Conflict) as refused:
        inv.post_count(count)
    assert draft.number in refused.value.problems[0].message
    assert snapshot(inv) == before


def test_two_scanners_at_once_record_each_serial_once(shelf: Inventory) -> None:
    inv = shelf
    count = inv.open_count(location="Store")
    results = race([lambda: inv.count_scan(count, ["S1", "S2"], sku="PHONE")] * 2)
    outcomes = sorted(o["outcome"] for r in results if isinstance(r, list) for o in r)
    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(e, Conflict) for e in errors)  # "busy; try again" on SQLite
    assert inv.count(count).found == 2
    assert outcomes.count("counted") == 2


# Deleting a serial entered by mistake (issue 4) ------------------------------------------------
def test_a_mistaken_serial_is_deleted_with_its_unit_on_the_receipt(shelf: Inventory) -> None:
    inv = shelf
    assert inv.delete_serial("PHONE", "S3", reason="typo: the box says S30") == "RC-000001"
    receipt = inv.document("RC-000001")
    assert receipt.lines[0]["quantity"] == 3
    assert receipt.lines[0]["serials"] == ["S1", "S2", "S4"]
    assert not [r for r in inv.serials(sku="PHONE") if r["serial"] == "S3"]
    assert inv.check() == []
    # The same code may now be received properly.
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["S3"])])


def test_a_serial_that_moved_on_or_is_held_is_not_deleted(shelf: Inventory) -> None:
    inv = shelf
    inv.add_user("clerk", "clerk")
    inv.sell(location="Store", lines=[("PHONE", ["S1"])])
    inv.sell(location="Store", lines=[("PHONE", ["S2"])], post=False)
    inv.receive(supplier="Globex", location="Store", lines=[("PHONE", ["ONLY"])])
    before = snapshot(inv)
    with pytest.raises(Conflict, match=r"other documents moved it \(SO-000002\); write it off"):
        inv.delete_serial("PHONE", "S1")
    with pytest.raises(Conflict, match=r"other documents moved it \(SO-000003\)"):
        inv.delete_serial("PHONE", "S2")
    with pytest.raises(Conflict, match="only unit on its document; cancel the document"):
        inv.delete_serial("PHONE", "ONLY")
    with pytest.raises(Forbidden):
        inv.as_user("clerk").delete_serial("PHONE", "S3")
    assert snapshot(inv) == before


def test_counts_adjustments_and_assignments_are_not_plain_documents(shelf: Inventory) -> None:
    inv = shelf
    before = snapshot(inv)
    for kind in ("inventory_count", "adjustment", "serial_assignment"):
        with pytest.raises(Invalid, match="not made as a plain document"):
            inv.create_document(kind, [("PHONE", ["X9"])], location="Store")
    count = inv.open_count(location="Store")
    with pytest.raises(Invalid, match="not edited as a plain document"):
        inv.update_draft(count.number, [("PHONE", ["S1"])])
    inv.delete_draft(count.number)
    assert snapshot(inv) == before


def test_a_found_code_another_product_has_is_flagged_under_global_uniqueness(
    shelf: Inventory,
) -> None:
    inv = shelf
    inv.add_product("TAB", "Tablet")
    inv.receive(supplier="Acme", location="Warehouse", lines=[("TAB", ["T-7"])])
    inv.set_setting("serial_uniqueness", "global")
    count = inv.open_count(location="Store", sku="PHONE")
    inv.count_scan(count, ["S1", "S2", "S3", "S4", "T-7"], sku="PHONE")
    posted = inv.post_count(count)
    assert [u["code"] for u in posted.unexpected] == ["T-7"]
    assert "the code is TAB T-7's" in posted.unexpected[0]["books"]
    assert [r["serial"] for r in inv.serials(sku="PHONE", text="T-7")] == []
    assert inv.serial("TAB", "T-7").location == "Warehouse"


def test_units_leave_the_books_by_a_manager_unless_the_shop_lets_clerks(inv: Inventory) -> None:
    """PRODUCT.md, roles: counts and write-offs take units off the books."""
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["R1", "R2", "R3"])])
    inv.add_user("carl", "clerk", "carl-password-1")
    clerk = inv.as_user("carl")
    count = clerk.open_count(location="Store", sku="PHONE")
    clerk.count_scan(count, ["R1", "R2"])
    with pytest.raises(Forbidden):
        clerk.post_count(count)
    with pytest.raises(Forbidden):
        clerk.write_off(location="Store", lines=[("PHONE", ["R3"])], reason="broken")
    inv.set_setting("clerks_take_off_books", "yes")
    assert clerk.post_count(count).state == "posted"
    clerk.write_off(location="Store", lines=[("PHONE", ["R2"])], reason="broken")
    assert inv.check() == []
