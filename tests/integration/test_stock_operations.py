"""Transfers (dispatch, receipt, one step), write-offs and serial corrections end to end.

Every test runs on SQLite and PostgreSQL (the ``inv`` fixture); refusals are in
``test_stock_refusals.py``.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from builders import shop, snapshot
from serialtrack import Conflict, DocumentState, Forbidden, SerialStatus
from serialtrack.adapters.db.tables import audit
from serialtrack.inventory import Inventory


@pytest.fixture
def stocked(inv: Inventory) -> Inventory:
    shop(inv)
    inv.receive(
        supplier="Acme",
        location="Store",
        lines=[("PHONE", ["S1", "S2", "S3", "S4"]), ("CABLE", 10)],
    )
    return inv


def statuses(inv: Inventory, *codes: str) -> list[tuple[str, str]]:
    return [(inv.serial("PHONE", c).status.value, inv.serial("PHONE", c).location) for c in codes]


def test_a_transfer_in_two_legs_with_a_partial_receipt(stocked: Inventory) -> None:
    inv = stocked
    before = snapshot(inv)
    sent = inv.dispatch(
        source="Store",
        destination="Warehouse",
        lines=[("PHONE", ["S1", "S2", "S3"]), ("CABLE", 4)],
    )
    assert (sent.number, sent.from_location, sent.to_location) == ("TR-000001", "Store", "Transit")
    assert sent.destination == "Warehouse"
    assert statuses(inv, "S1", "S4") == [("in_transit", "Transit"), ("in_stock", "Store")]
    moving = inv.serial("PHONE", "S2")
    assert moving.summary == (
        f"in transit on transfer TR-000001 from Store to Warehouse since {sent.date.isoformat()}"
    )
    assert (moving.transfer, moving.destination) == ("TR-000001", "Warehouse")
    assert inv.stock(location="Store") == [
        {"sku": "CABLE", "name": "Cable", "location": "Store", "quantity": 6},
        {"sku": "PHONE", "name": "Phone", "location": "Store", "quantity": 1},
    ]

    # S2 did not arrive, and one cable less than sent.
    got = inv.receive_transfer(dispatch=sent, lines=[("PHONE", ["s1", "S3"]), ("CABLE", 3)])
    assert (got.from_location, got.to_location, got.origin) == ("Transit", "Warehouse", sent.number)
    assert statuses(inv, "S1", "S2", "S3") == [
        ("in_stock", "Warehouse"),
        ("in_transit", "Transit"),
        ("in_stock", "Warehouse"),
    ]
    left = [
        {"number": "TR-000001", "date": sent.date, "from_location": "Store",
         "to_location": "Warehouse", "sku": "CABLE", "quantity": 1, "serials": [], "batches": []},
        {"number": "TR-000001", "date": sent.date, "from_location": "Store",
         "to_location": "Warehouse", "sku": "PHONE", "quantity": 1, "serials": ["S2"],
         "batches": []},
    ]  # fmt: skip
    assert inv.in_transit() == left
    shown = inv.document(sent.number)
    assert shown.received_by == (got.number,)
    assert [(r["sku"], r["quantity"], r["serials"]) for r in shown.in_transit] == [
        ("CABLE", 1, []),
        ("PHONE", 1, ["S2"]),
    ]

    # The rest turns up: receiving without lines takes all that is still on the way.
    rest = inv.receive_transfer(dispatch=sent.number)
    assert [(x["sku"], x["quantity"], x["serials"]) for x in rest.lines] == [
        ("CABLE", 1, []),
        ("PHONE", 1, ["S2"]),
    ]
    assert inv.in_transit() == []
    assert inv.stock(sku="CABLE") == [
        {"sku": "CABLE", "name": "Cable", "location": "Store", "quantity": 6},
        {"sku": "CABLE", "name": "Cable", "location": "Warehouse", "quantity": 4},
    ]
    history = inv.serial("PHONE", "S2").history
    assert [(m.document_number, m.from_location, m.to_location) for m in history] == [
        ("RC-000001", "Suppliers", "Store"),
        ("TR-000001", "Store", "Transit"),
        (rest.number, "Transit", "Warehouse"),
    ]
    assert inv.check() == []

    # Cancelling restores exactly, receipts first.
    inv.cancel(rest)
    assert statuses(inv, "S2") == [("in_transit", "Transit")]
    assert inv.serial("PHONE", "S2").transfer == "TR-000001"
    assert inv.in_transit() == left
    inv.cancel(got)
    assert inv.in_transit()[1]["serials"] == ["S1", "S2", "S3"]
    inv.cancel(sent)
    assert statuses(inv, "S1", "S2", "S3") == [("in_stock", "Store")] * 3
    assert inv.in_transit() == []
    after = snapshot(inv)
    assert after["serials"] == before["serials"]
    assert [q for q in after["quants"] if q[2]] == [q for q in before["quants"] if q[2]]
    assert inv.check() == []


def test_cancelling_a_partly_received_dispatch_names_the_serial_and_its_receipt(
    stocked: Inventory,
) -> None:
    sent = stocked.dispatch(
        source="Store", destination="Warehouse", lines=[("PHONE", ["S1", "S2"])]
    )
    got = stocked.receive_transfer(dispatch=sent.number, lines=[("PHONE", ["S1"])])
    before = snapshot(stocked)
    with pytest.raises(Conflict) as refused:
        stocked.cancel(sent)
    assert [p.message for p in refused.value.problems] == [
        f"S1 is now in stock at Warehouse, moved there by {got.number}"
    ]
    assert snapshot(stocked) == before


def test_cancelling_a_dispatch_whose_cables_were_received_names_the_receipt(
    stocked: Inventory,
) -> None:
    sent = stocked.dispatch(source="Store", destination="Warehouse", lines=[("CABLE", 5)])
    got = stocked.receive_transfer(dispatch=sent.number, lines=[("CABLE", 2)])
    before = snapshot(stocked)
    with pytest.raises(Conflict, match=f"{got.number} received goods from it"):
        stocked.cancel(sent)
    assert snapshot(stocked) == before
    stocked.cancel(got)
    stocked.cancel(sent)
    assert stocked.stock(sku="CABLE") == [
        {"sku": "CABLE", "name": "Cable", "location": "Store", "quantity": 10}
    ]


def test_a_received_serial_can_travel_again_and_is_received_on_the_new_transfer(
    stocked: Inventory,
) -> None:
    first = stocked.dispatch(source="Store", destination="Warehouse", lines=[("PHONE", ["S1"])])
    stocked.receive_transfer(dispatch=first.number)
    back = stocked.dispatch(source="Warehouse", destination="Store", lines=[("PHONE", ["S1"])])
    summary = stocked.serial("PHONE", "S1").summary
    assert summary.startswith(f"in transit on transfer {back.number} from Warehouse to Store")
    with pytest.raises(Conflict, match=f"already received from {first.number}"):
        stocked.receive_transfer(dispatch=first.number, lines=[("PHONE", ["S1"])])
    stocked.receive_transfer(dispatch=back.number, lines=[("PHONE", ["S1"])])
    assert statuses(stocked, "S1") == [("in_stock", "Store")]
    assert stocked.check() == []


def test_a_draft_dispatch_holds_its_serials_until_posted(stocked: Inventory) -> None:
    draft = stocked.dispatch(
        source="Store", destination="Warehouse", lines=[("PHONE", ["S1"])], post=False
    )
    assert stocked.serial("PHONE", "S1").status is SerialStatus.RESERVED
    with pytest.raises(Conflict, match=f"reserved by draft {draft.number}"):
        stocked.sell(location="Store", lines=[("PHONE", ["S1"])])
    posted = stocked.post(draft.number)
    assert posted.destination == "Warehouse"
    assert stocked.serial("PHONE", "S1").summary.startswith(
        f"in transit on transfer {draft.number} from Store to Warehouse"
    )
    receipt = stocked.receive_transfer(dispatch=draft.number, post=False)
    assert stocked.serial("PHONE", "S1").status is SerialStatus.IN_TRANSIT  # a draft holds none
    stocked.post(receipt.number)
    assert statuses(stocked, "S1") == [("in_stock", "Warehouse")]


def test_a_draft_receipt_of_a_dispatch_cancelled_since_is_refused(stocked: Inventory) -> None:
    sent = stocked.dispatch(
        source="Store", destination="Warehouse", lines=[("PHONE", ["S1"]), ("CABLE", 2)]
    )
    draft = stocked.receive_transfer(dispatch=sent.number, post=False)
    stocked.cancel(sent)
    before = snapshot(stocked)
    with pytest.raises(Conflict, match=f"names {sent.number}, which is cancelled"):
        stocked.post(draft.number)
    assert snapshot(stocked) == before
    stocked.delete_draft(draft.number)


def test_a_one_step_transfer_moves_at_once_and_cancels_exactly(stocked: Inventory) -> None:
    before = snapshot(stocked)
    moved = stocked.transfer(
        source="Store", destination="Warehouse", lines=[("PHONE", ["S1", "S2"]), ("CABLE", 3)]
    )
    assert (moved.number, moved.from_location, moved.to_location) == (
        "TF-000001",
        "Store",
        "Warehouse",
    )
    assert statuses(stocked, "S1", "S2") == [("in_stock", "Warehouse")] * 2
    assert stocked.in_transit() == []
    sold = stocked.sell(customer="Bob", location="Warehouse", lines=[("PHONE", ["S2"])])
    with pytest.raises(Conflict, match=f"S2 is now sold to Bob on {sold.number}"):
        stocked.cancel(moved)
    stocked.cancel(sold)
    stocked.cancel(moved)
    assert snapshot(stocked)["serials"] == before["serials"]
    assert stocked.stock(sku="CABLE")[0]["quantity"] == 10
    assert stocked.check() == []


def test_a_write_off_keeps_its_reason_and_can_be_cancelled(stocked: Inventory) -> None:
    before = snapshot(stocked)
    scrapped = stocked.write_off(
        location="Store", lines=[("PHONE", ["S3"]), ("CABLE", 2)], reason="dropped, screen broken"
    )
    assert (scrapped.number, scrapped.to_location) == ("WO-000001", "Scrap")
    assert scrapped.note == "dropped, screen broken"
    s3 = stocked.serial("PHONE", "S3")
    assert (s3.status, s3.location, s3.summary) == (
        SerialStatus.WRITTEN_OFF,
        "Scrap",
        "written off at Scrap by WO-000001",
    )
    assert stocked.stock(sku="CABLE")[0]["quantity"] == 8
    with pytest.raises(Conflict, match="written off at Scrap by WO-000001"):
        stocked.receive(supplier="Acme", location="Store", lines=[("PHONE", ["S3"])])
    cancelled = stocked.cancel(scrapped)
    assert cancelled.state is DocumentState.CANCELLED
    assert snapshot(stocked)["serials"] == before["serials"]
    assert stocked.stock(sku="CABLE")[0]["quantity"] == 10
    assert stocked.check() == []


def test_sold_and_reserved_serials_cannot_be_transferred_or_written_off(
    stocked: Inventory,
) -> None:
    """Seed 003: "not sold or allocated at the transfer-out location"."""
    stocked.sell(customer="Alice", location="Store", lines=[("PHONE", ["S1"])], number="INV-1")
    stocked.sell(location="Store", lines=[("PHONE", ["S2"])], post=False, number="DRAFT-1")
    before = snapshot(stocked)
    attempts = [
        lambda lines: stocked.dispatch(source="Store", destination="Warehouse", lines=lines),
        lambda lines: stocked.transfer(source="Store", destination="Warehouse", lines=lines),
        lambda lines: stocked.write_off(location="Store", lines=lines, reason="lost"),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict) as refused:
            attempt([("PHONE", ["S1", "S2", "S3"])])
        assert [p.message for p in refused.value.problems] == [
            "PHONE S1: not available: sold to Alice on INV-1",
            "PHONE S2: not available: reserved by draft DRAFT-1 at Store",
        ]
    assert snapshot(stocked) == before


def test_a_corrected_code_keeps_the_history_and_the_old_code_stays_searchable(
    stocked: Inventory,
) -> None:
    stocked.add_product("TAB", "Tablet", "serial", gtin="9506000134352")
    stocked.receive(supplier="Acme", location="Store", lines=[("TAB", ["T-1O0"])])
    held = stocked.sell(location="Store", lines=[("TAB", ["T-1O0"])], post=False)
    fixed = stocked.correct_serial("TAB", "t-1o0", "T-100", reason="letter O typed for zero")
    assert fixed.code == "T-100"
    assert fixed.old_codes == ("T-1O0",)
    (change,) = fixed.corrections
    assert (change.old_code, change.new_code, change.user, change.reason) == (
        "T-1O0",
        "T-100",
        "admin",
        "letter O typed for zero",
    )
    assert [m.document_number for m in fixed.history] == ["RC-000002"]
    assert [m.serial for m in fixed.history] == ["T-100"]

    assert stocked.serial("TAB", "T-1O0").code == "T-100"  # found by its old code
    assert [r["serial"] for r in stocked.serials(text="t-1o")] == ["T-100"]
    assert stocked.scan("(01)09506000134352(21)T-1O0").serial == "T-1O0"
    assert stocked.scan("T-1O0").status == "reserved"

    # The draft holding it posts under the new code.
    sold = stocked.post(held.number)
    assert sold.lines[0]["serials"] == ["T-100"]
    assert stocked.serial("TAB", "T-100").status is SerialStatus.SOLD

    with stocked.store.transaction(write=False) as tx:
        row = tx.connection.execute(select(audit).where(audit.c.action == "correct_code")).one()
    assert row.entity == "serial"
    assert json.loads(row.detail) == {
        "sku": "TAB",
        "old_code": "T-1O0",
        "new_code": "T-100",
        "reason": "letter O typed for zero",
    }
    # The old code was a mistype: a real unit may carry it later, and then it is that unit.
    stocked.receive(supplier="Acme", location="Store", lines=[("TAB", ["T-1O0"])])
    assert stocked.serial("TAB", "T-1O0").status is SerialStatus.IN_STOCK
    assert stocked.check() == []


def test_a_correction_is_refused_when_the_new_code_is_taken_and_needs_a_manager(
    stocked: Inventory,
) -> None:
    stocked.add_user("carl", "clerk")
    before = snapshot(stocked)
    with pytest.raises(Conflict) as refused:
        stocked.correct_serial("PHONE", "S1", " s2 ")
    assert refused.value.message == "s2 is taken"
    assert [p.message for p in refused.value.problems] == ["PHONE S2 is in stock at Store"]
    with pytest.raises(Forbidden, match="carl"):
        stocked.as_user("carl").correct_serial("PHONE", "S1", "S9")
    assert snapshot(stocked) == before
    assert stocked.serial("PHONE", "S1").corrections == ()
    # A change of case only is a correction too.
    assert stocked.correct_serial("PHONE", "S1", "s1").code == "s1"


def test_a_clerk_dispatches_and_receives_but_only_a_manager_cancels(stocked: Inventory) -> None:
    stocked.add_user("carl", "clerk")
    clerk = stocked.as_user("carl")
    sent = clerk.dispatch(source="Store", destination="Warehouse", lines=[("PHONE", ["S1"])])
    got = clerk.receive_transfer(dispatch=sent.number)
    assert {m.user for m in stocked.serial("PHONE", "S1").history[1:]} == {"carl"}
    with pytest.raises(Forbidden):
        clerk.cancel(got)
    stocked.cancel(got)
    stocked.cancel(sent)
    assert statuses(stocked, "S1") == [("in_stock", "Store")]
