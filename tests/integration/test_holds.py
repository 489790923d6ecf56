"""Holds (a recall's stock put aside) through the library, on SQLite and PostgreSQL: a hold
moves units and batch parts of a store into quarantine where nothing sells, moves or writes
them off; its release brings back exactly what it still holds, to the store it came from;
cancels restore state exactly; stock on hand, as of, the journal and ``check`` agree; a
recall holds what is in stock in one step and says what it could not hold."""

from __future__ import annotations

from datetime import date

import pytest

import serialtrack
from serialtrack.domain.errors import Conflict, Forbidden, Invalid, SerialtrackError
from serialtrack.inventory import Inventory
from templates import initialized


@pytest.fixture
def inv(db_url: str):  # type: ignore[no-untyped-def]
    with serialtrack.open(initialized(db_url)) as inventory:
        inventory.add_location("Main")
        inventory.add_location("Annex")
        inventory.add_partner("Acme", supplier=True)
        inventory.add_partner(
            "Jane",
            customer=True,
            phone="+44 20 7946 0000",
            email="jane@example.com",
            address="1 High St\nLondon",
        )
        inventory.add_product("PHN", "Phone")
        inventory.add_product("PILL", "Pills", "batch")
        inventory.add_product("CBL", "Cable", "none")
        inventory.receive(
            supplier="Acme",
            location="Main",
            number="RC-1",
            lines=[
                ("PHN", ["P1", "P2", "P3", "P4"]),
                {
                    "sku": "PILL",
                    "batches": [{"code": "L1", "quantity": 10, "expiry": date(2031, 1, 31)}],
                },
                ("CBL", 5),
            ],
        )
        yield inventory
        assert inventory.check() == []


def held_lines() -> list[object]:
    return [("PHN", ["P1"]), {"sku": "PILL", "batches": [("L1", 4)]}, ("CBL", 2)]


def test_held_stock_is_kept_from_sale_transfer_and_write_off(inv: Inventory) -> None:
    hold = inv.hold(location="Main", lines=held_lines(), reason="supplier notice 42")
    assert (hold.number, hold.from_location, hold.to_location) == (
        "HD-000001",
        "Main",
        "On hold",
    )
    unit = inv.serial("PHN", "P1")
    assert (unit.status.value, unit.location) == ("on_hold", "On hold")
    assert "on hold by HD-000001" in unit.summary
    scanned = inv.scan("HD-000001")  # the hold's paper scanned at the counter opens it
    assert (scanned.document, scanned.document_kind) == ("HD-000001", "hold")
    for attempt in (
        lambda: inv.sell(location="Main", lines=[("PHN", ["P1"])]),
        lambda: inv.transfer(source="Main", destination="Annex", lines=[("PHN", ["P1"])]),
        lambda: inv.write_off(location="Main", lines=[("PHN", ["P1"])], reason="x"),
        lambda: inv.sell(location="Main", lines=[{"sku": "PILL", "batches": [("L1", 7)]}]),
        lambda: inv.sell(location="Main", lines=[("CBL", 4)]),
    ):
        with pytest.raises(SerialtrackError):
            attempt()
    inv.sell(location="Main", lines=[{"sku": "PILL", "batches": [("L1", 6)]}, ("CBL", 3)])
    stock = inv.stock_on_hand()
    held = {(r.sku, r.batch): (r.quantity, r.transfer) for r in stock.rows if r.status == "on_hold"}
    assert held == {
        ("CBL", None): (2, "HD-000001"),
        ("PHN", None): (1, "HD-000001"),
        ("PILL", "L1"): (4, "HD-000001"),
    }
    assert stock.on_hold == 7
    as_of = {(r.sku, r.location): r.quantity for r in inv.stock_as_of("2999-01-01")}
    assert as_of[("PHN", "On hold")] == 1
    assert as_of[("PILL", "On hold")] == 4


def test_a_release_brings_back_exactly_what_the_hold_still_has(inv: Inventory) -> None:
    hold = inv.hold(location="Main", lines=held_lines(), reason="recall")
    part = inv.release(hold=hold.number, lines=[("PHN", ["P1"]), ("CBL", 1)])
    assert (part.from_location, part.to_location) == ("On hold", "Main")
    left = inv.document(hold.number).on_hold
    assert {r["sku"]: r["quantity"] for r in left} == {"CBL": 1, "PILL": 4}
    with pytest.raises(SerialtrackError):  # more than is still on hold
        inv.release(hold=hold.number, lines=[("CBL", 2)])
    rest = inv.release(hold=hold.number)
    assert inv.document(hold.number).on_hold == ()
    assert inv.document(hold.number).received_by == (part.number, rest.number)
    with pytest.raises(Conflict, match="nothing of HD-000001 is still on hold"):
        inv.release(hold=hold.number)
    assert inv.serial("PHN", "P1").status.value == "in_stock"
    assert inv.stock_on_hand().on_hold == 0
    inv.sell(location="Main", lines=[("PHN", ["P1"]), {"sku": "PILL", "batches": [("L1", 10)]}])


def test_cancels_restore_the_state_exactly(inv: Inventory) -> None:
    before = (inv.stock(), [(s["serial"], s["status"]) for s in inv.serials()])
    hold = inv.hold(location="Main", lines=held_lines(), reason="recall")
    release = inv.release(hold=hold.number)
    with pytest.raises(SerialtrackError):  # its release brought the goods back first
        inv.cancel(hold.number)
    inv.cancel(release.number)
    assert inv.serial("PHN", "P1").status.value == "on_hold"
    inv.cancel(hold.number)
    assert (inv.stock(), [(s["serial"], s["status"]) for s in inv.serials()]) == before


def test_a_release_goes_back_to_the_store_of_its_hold_and_is_a_managers(
    inv: Inventory,
) -> None:
    hold = inv.hold(location="Main", lines=[("PHN", ["P2"])], reason="recall")
    with pytest.raises(Invalid, match="holds stock of Main: it goes back there, not to Annex"):
        inv.create_document("release", [("PHN", ["P2"])], origin=hold.number, location="Annex")
    inv.add_user("clara", "clerk", "clerk-password-1")
    clerk = inv.as_user("clara")
    clerk.hold(location="Main", lines=[("PHN", ["P3"])], reason="looks damaged")
    with pytest.raises(Forbidden):
        clerk.release(hold=hold.number)
    with pytest.raises(Invalid, match="reason"):
        clerk.hold(location="Main", lines=[("PHN", ["P4"])], reason=" ")


def test_a_recall_holds_what_is_in_stock_in_one_step(inv: Inventory) -> None:
    pills = [{"sku": "PILL", "batches": [("L1", 3)]}]
    inv.transfer(source="Main", destination="Annex", lines=[("PHN", ["P4"]), *pills])
    pills = [{"sku": "PILL", "batches": [("L1", 2)]}]
    inv.sell(customer="Jane", location="Main", lines=[("PHN", ["P1"]), *pills])
    inv.dispatch(source="Main", destination="Annex", lines=[("PHN", ["P3"])])
    view = inv.recall(receipt="RC-1", hold=True, reason="supplier notice 42")
    assert view.holds == ("HD-000001", "HD-000002")  # one per store: Annex, Main
    assert view.on_hold == 1 + 1 + 3 + 5  # P2, P4, L1 at both stores
    assert view.in_stock == 0
    assert any("with customers" in why for why in view.not_held)
    assert any("in transit" in why for why in view.not_held)
    assert any("quantity-only" in why for why in view.not_held)
    sold = next(r for r in view.rows if r.serial == "P1")
    assert sold.contact == "+44 20 7946 0000 · jane@example.com · 1 High St London"
    stores = {inv.document(n).from_location for n in view.holds}
    assert stores == {"Main", "Annex"}
    with pytest.raises(Invalid, match="nothing of this recall is in stock"):
        inv.recall(receipt="RC-1", hold=True, reason="again")
    released = inv.release_recall(receipt="RC-1")
    assert sorted(d.to_location for d in released) == ["Annex", "Main"]
    after = inv.recall(receipt="RC-1")
    assert (after.on_hold, after.in_stock) == (0, 2 + 8)  # P2, P4 and L1 back in stock
    with pytest.raises(Conflict, match="nothing of this recall is on hold"):
        inv.release_recall(receipt="RC-1")


def test_a_refused_recall_hold_writes_nothing(inv: Inventory) -> None:
    journal = inv.journal(limit=1000)
    with pytest.raises(Invalid):
        inv.recall(batch="L1", hold=True, reason="")
    inv.add_user("vic", "viewer", "viewer-password-1")
    with pytest.raises(Forbidden):
        inv.as_user("vic").recall(batch="L1", hold=True, reason="notice")
    assert inv.journal(limit=1000) == journal
    assert inv.documents(kind="hold") == []


def test_a_partners_contact_fields_are_checked_and_kept(inv: Inventory) -> None:
    jane = inv.partner("Jane")
    assert (jane.phone, jane.email, jane.address) == (
        "+44 20 7946 0000",
        "jane@example.com",
        "1 High St\nLondon",
    )
    with pytest.raises(Invalid) as refused:
        inv.add_partner("Bob", customer=True, phone="call me", email="bob.example.com")
    assert {p.where for p in refused.value.problems} == {"phone", "email"}
    assert inv.update_partner("Jane", phone="", email="j@example.org").phone is None
    assert inv.partner("Jane").email == "j@example.org"
    with pytest.raises(Invalid):
        inv.update_partner("Jane", fax="123")
