"""Shelf life and the dates derived from an expiry, on SQLite and PostgreSQL: the product's lot
fields checked and kept; a receipt or opening balance without an expiry gets date + shelf life
(per batch part, per serial line), an explicit expiry stays, a batch already in the books keeps
its own; best-before, removal and alert dates on the batch enquiry; units past their removal
date left out of the pickers and refused by a sale with the date named; the expiring list with
units whose alert date comes within the days."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from serialtrack.domain.errors import Invalid, SerialtrackError
from serialtrack.domain.lots import derived_dates
from serialtrack.inventory import Inventory

NOW = datetime(2026, 12, 3, 12, 0)
TODAY = NOW.date()


@pytest.fixture
def at(inv: Inventory) -> Inventory:
    """The library on ``inv``'s books, its clock at NOW."""
    inv.add_location("Store")
    inv.add_partner("Acme", supplier=True)
    inv.add_partner("Bob", customer=True)
    return Inventory(inv.store, clock=lambda: NOW)


def problems(refusal: pytest.ExceptionInfo[SerialtrackError]) -> dict[str, str]:
    """The refusal's messages per field (several joined by "; ")."""
    found: dict[str, str] = {}
    for p in refusal.value.problems:
        found[p.where] = f"{found[p.where]}; {p.message}" if p.where in found else p.message
    return found


def test_lot_fields_are_checked_and_kept(at: Inventory) -> None:
    made = at.add_product(
        "VAX", "Vaccine", "batch", shelf_life_days=365, best_before_days=10,
        removal_days=30, alert_days=60, batch_pattern="{sku}-{yy}{ww}-{seq:03}",
    )  # fmt: skip
    assert (made.shelf_life_days, made.best_before_days, made.removal_days, made.alert_days) == (
        365, 10, 30, 60,
    )  # fmt: skip
    assert at.product("VAX").batch_pattern == "{sku}-{yy}{ww}-{seq:03}"

    with pytest.raises(Invalid) as refused:
        at.add_product("BAD", "Bad", "batch", shelf_life_days=0, batch_pattern="{sku}-{lot}-{x}")
    found = problems(refused)
    assert "from 1 to 36500" in found["shelf_life_days"]
    assert "unknown placeholders {lot}, {x}" in found["batch_pattern"]
    assert at.products(text="BAD") == []  # nothing written

    with pytest.raises(Invalid) as refused:
        at.add_product("BAD", "Bad", "batch", batch_pattern="{sku}-{yy}")
    assert "must contain {seq}" in problems(refused)["batch_pattern"]

    with pytest.raises(Invalid) as refused:  # an offset beyond the shelf life
        at.update_product("VAX", removal_days=400)
    assert "from 0 to the shelf life (365)" in problems(refused)["removal_days"]
    with pytest.raises(Invalid) as refused:  # a shelf life shorter than an offset kept
        at.update_product("VAX", shelf_life_days=20)
    assert "more than the new shelf life of 20 days" in problems(refused)["removal_days"]
    with pytest.raises(Invalid) as refused:
        at.update_product("VAX", alert_days="ten")
    assert "alert_days" in problems(refused)
    assert at.product("VAX").removal_days == 30  # nothing changed

    changed = at.update_product("VAX", alert_days=90, batch_pattern=None, shelf_life_days=None)
    assert (changed.alert_days, changed.batch_pattern, changed.shelf_life_days) == (90, None, None)
    assert at.update_product("VAX", removal_days=400).removal_days == 400  # no shelf life now


def test_a_receipt_without_expiry_gets_date_plus_shelf_life(at: Inventory) -> None:
    at.add_product("VAX", "Vaccine", "batch", shelf_life_days=365, expiry_required=True)
    at.add_product("PHN", "Phone", shelf_life_days=30)
    at.add_product("CABLE", "Cable", "none", shelf_life_days=30)
    at.receive(supplier="Acme", location="Store", date=date(2026, 12, 1), lines=[
        {"sku": "VAX", "batches": [("L1", 5), ("L2", 3, date(2027, 2, 1))]},
        ("PHN", ["P1", "P2"]),
        {"sku": "PHN", "serials": ["P3"], "expiry": date(2026, 12, 24)},
        ("CABLE", 4),
    ])  # fmt: skip
    expiry = {b["code"]: b["expiry"] for b in at.batches(sku="VAX")}
    assert expiry == {"L1": date(2027, 12, 1), "L2": date(2027, 2, 1)}  # given: kept
    assert at.serial("PHN", "P1").expiry == date(2026, 12, 31)
    assert at.serial("PHN", "P3").expiry == date(2026, 12, 24)

    # More of batch L1 later, without a date: the batch keeps its own expiry, no refusal.
    at.receive(supplier="Acme", location="Store", date=date(2026, 12, 3),
               lines=[{"sku": "VAX", "batches": [("L1", 2)]}])  # fmt: skip
    assert at.batch("VAX", "L1").expiry == date(2027, 12, 1)
    assert at.batch("VAX", "L1").on_hand == 7

    # An opening balance too: its date + the shelf life.
    at.opening_balance(location="Store", date=date(2026, 11, 30),
                       lines=[{"sku": "VAX", "batches": [("OB", 1)]}])  # fmt: skip
    assert at.batch("VAX", "OB").expiry == date(2027, 11, 30)


def test_derived_dates_show_on_the_batch_enquiry(at: Inventory) -> None:
    at.add_product("VAX", "Vaccine", "batch", shelf_life_days=100, best_before_days=10,
                   removal_days=20, alert_days=40)  # fmt: skip
    at.receive(supplier="Acme", location="Store", date=date(2026, 12, 1),
               lines=[{"sku": "VAX", "batches": [("L1", 5)]}])  # fmt: skip
    view = at.batch("VAX", "L1")
    assert view.expiry == date(2027, 3, 11)
    assert (view.best_before, view.removal, view.alert) == (
        date(2027, 3, 1), date(2027, 2, 19), date(2027, 1, 30),
    )  # fmt: skip
    same = derived_dates(at.product("VAX"), view.expiry)
    assert (same.best_before, same.removal, same.alert) == (view.best_before, view.removal,
                                                            view.alert)  # fmt: skip


def test_past_its_removal_date_is_kept_off_sale(at: Inventory) -> None:
    at.add_product("PHN", "Phone", removal_days=30)
    at.add_product("VAX", "Vaccine", "batch", removal_days=30)
    at.receive(supplier="Acme", location="Store", date=date(2026, 11, 1), lines=[
        {"sku": "PHN", "serials": ["OLD"], "expiry": date(2026, 12, 20)},  # off sale 11-20
        {"sku": "PHN", "serials": ["NEW"], "expiry": date(2027, 6, 1)},
        {"sku": "VAX", "batches": [("B-OLD", 5, date(2026, 12, 20)),
                                   ("B-NEW", 5, date(2027, 6, 1))]},
    ])  # fmt: skip
    offered = [r["serial"] for r in at.serials(sku="PHN", sellable=True)]
    assert offered == ["NEW"]
    assert {r["serial"] for r in at.serials(sku="PHN")} == {"OLD", "NEW"}  # listed, not offered
    # the batch pickers offer only what may be sold: B-OLD is not expired, but past removal
    sellable = {r["code"]: r["sellable"] for r in at.batches(sku="VAX")}
    assert sellable == {"B-OLD": False, "B-NEW": True}

    with pytest.raises(SerialtrackError) as refused:
        at.sell(location="Store", customer="Bob", lines=[("PHN", ["OLD"])])
    message = " ".join(problems(refused).values())
    assert "past its removal date 2026-11-20" in message
    with pytest.raises(SerialtrackError) as refused:
        at.sell(location="Store", customer="Bob", lines=[{"sku": "VAX", "batches": [("B-OLD", 1)]}])
    assert "past its removal date 2026-11-20" in " ".join(problems(refused).values())
    assert at.batch("VAX", "B-OLD").on_hand == 5  # nothing written

    at.sell(location="Store", customer="Bob", lines=[("PHN", ["NEW"])])
    at.sell(location="Store", customer="Bob", lines=[{"sku": "VAX", "batches": [("B-NEW", 1)]}])
    # A manager may let it go, as with expired units; a write-off takes it anyway.
    at.sell(location="Store", customer="Bob", allow_expired=True, lines=[("PHN", ["OLD"])])
    at.write_off(location="Store", reason="removed from sale",
                 lines=[{"sku": "VAX", "batches": [("B-OLD", 5)]}])  # fmt: skip


def test_expiring_lists_what_reaches_its_alert_date(at: Inventory) -> None:
    at.add_product("PHN", "Phone", alert_days=60)
    at.add_product("VAX", "Vaccine", "batch", alert_days=90)
    at.add_product("TEA", "Tea", "batch")
    at.receive(supplier="Acme", location="Store", date=date(2026, 12, 1), lines=[
        {"sku": "PHN", "serials": ["A"], "expiry": date(2027, 1, 20)},  # alert 2026-11-21
        {"sku": "PHN", "serials": ["B"], "expiry": date(2027, 6, 1)},   # alert 2027-04-02
        {"sku": "VAX", "batches": [("V1", 4, date(2027, 3, 1))]},       # alert 2026-12-01
        {"sku": "TEA", "batches": [("T1", 2, date(2026, 12, 20))]},     # no alert, expiring
    ])  # fmt: skip
    rows = at.expiring(30)
    found = {(r.sku, r.serial or r.batch): (r.expiry, r.alert) for r in rows}
    assert found == {
        ("TEA", "T1"): (date(2026, 12, 20), None),
        ("PHN", "A"): (date(2027, 1, 20), date(2026, 11, 21)),
        ("VAX", "V1"): (date(2027, 3, 1), date(2026, 12, 1)),
    }
    assert [r.serial or r.batch for r in rows] == ["T1", "A", "V1"]  # soonest expiry first
    assert {r.serial or r.batch for r in at.expiring(200)} == {"T1", "A", "V1", "B"}
    figures = at.dashboard(days=30).expiry
    assert (figures.expiring, figures.alerted) == (2, 5)  # T1 expires; A and V1's 4 alert
