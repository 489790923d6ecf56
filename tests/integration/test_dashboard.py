"""The home page's figures (stock per store, units received, sold and returned per ISO week,
what expires) over a small history on a clock the test sets, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

import serialtrack
from builders import shop
from serialtrack.domain.errors import Invalid, Unauthenticated
from serialtrack.inventory import Inventory
from serialtrack.services.dashboard import svg_charts

NOW = datetime(2024, 3, 20, 12, 0)  # a Wednesday of 2024-W12; its 12 weeks start 2024-01-01
TODAY = NOW.date()
W10_LAST = datetime(2024, 3, 10, 23, 59, 59)  # Sunday, the last second of 2024-W10
W11_FIRST = datetime(2024, 3, 11, 0, 0)  # Monday, the first instant of 2024-W11


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def books(inv: Inventory) -> Inventory:
    """Twelve weeks and a bit of a shop's history (see each step), seen on Wednesday NOW."""
    shop(inv)
    inv.add_product("PILLS", "Pills", "batch", expiry_required=True)
    inv.add_product("MILK", "Milk", "serial")
    clock = Clock()
    at = Inventory(inv.store, clock=clock)

    def when(moment: datetime) -> Inventory:
        clock.now = moment
        return at

    # Before the window (the Sunday before 2024-W01): received, but in no week shown.
    when(datetime(2023, 12, 31, 23, 59, 59)).receive(
        supplier="Acme", location="Store", lines=[("CABLE", 10)]
    )
    # 2024-W01, its first instant: an opening balance (4 cables) and pills in three batches
    # (1 expired by NOW, 3 within a week of it, 2 within 30 days, 4 later: not expiring).
    when(datetime(2024, 1, 1, 0, 0)).opening_balance(location="Store", lines=[("CABLE", 4)])
    when(datetime(2024, 1, 2, 9, 0)).receive(
        supplier="Globex",
        location="Warehouse",
        lines=[{"sku": "PILLS", "batches": [
            {"code": "OLD", "quantity": 1, "expiry": TODAY - timedelta(days=1)},
            {"code": "SOON", "quantity": 3, "expiry": TODAY + timedelta(days=7)},
            {"code": "LATER", "quantity": 2, "expiry": TODAY + timedelta(days=30)},
            {"code": "FAR", "quantity": 4, "expiry": TODAY + timedelta(days=31)},
        ]}],
    )  # fmt: skip
    # 2024-W05: milk, one carton expiring today (not expired yet), one expired.
    when(datetime(2024, 2, 1, 9, 0)).receive(
        supplier="Acme",
        location="Store",
        lines=[
            {"sku": "MILK", "serials": ["M1"], "expiry": TODAY},
            {"sku": "MILK", "serials": ["M2"], "expiry": TODAY - timedelta(days=10)},
        ],
    )
    # 2024-W10, its last second: three phones and five cables.
    when(W10_LAST).receive(
        supplier="Acme", location="Store", lines=[("PHONE", ["P1", "P2", "P3"]), ("CABLE", 5)]
    )
    # 2024-W11, its first instant: two phones; then a transfer (not received anywhere), a sale
    # (a phone and two cables) and a sale of P2 cancelled in W12 (in neither week).
    when(W11_FIRST).receive(supplier="Globex", location="Store", lines=[("PHONE", ["P4", "P5"])])
    when(datetime(2024, 3, 12, 10, 0)).transfer(
        source="Store", destination="Warehouse", lines=[("PHONE", ["P4"])]
    )
    sale = when(datetime(2024, 3, 13, 10, 0)).sell(
        customer="Alice", location="Store", lines=[("PHONE", ["P1"]), ("CABLE", 2)]
    )
    cancelled = when(datetime(2024, 3, 14, 10, 0)).sell(
        customer="Bob", location="Store", lines=[("PHONE", ["P2"])]
    )
    # 2024-W12: the cancel; P1 comes back (a return, not less sold); P3 sold; a receipt of 3
    # cables cancelled (not received); a cable written off (neither).
    when(datetime(2024, 3, 18, 8, 0)).cancel(cancelled.number)
    when(datetime(2024, 3, 18, 9, 0)).return_from_customer(
        customer="Alice", location="Store", invoice=sale.number, lines=[("PHONE", ["P1"])]
    )
    when(datetime(2024, 3, 19, 9, 0)).sell(
        customer="Bob", location="Store", lines=[("PHONE", ["P3"])]
    )
    wrong = when(datetime(2024, 3, 19, 10, 0)).receive(
        supplier="Acme", location="Store", lines=[("CABLE", 3)]
    )
    when(datetime(2024, 3, 19, 11, 0)).cancel(wrong.number)
    when(datetime(2024, 3, 20, 9, 0)).write_off(
        location="Store", lines=[("CABLE", 1)], reason="broken"
    )
    clock.now = NOW
    return at


def test_units_received_sold_and_returned_per_iso_week(books: Inventory) -> None:
    d = books.dashboard()
    assert d.today == TODAY
    assert [w.week for w in d.weeks] == [f"2024-W{n:02d}" for n in range(1, 13)]
    assert d.weeks[0].start == date(2024, 1, 1)
    assert d.weeks[-1].start == date(2024, 3, 18)
    shown = {w.week: (w.received, w.sold, w.returned) for w in d.weeks if any(
        (w.received, w.sold, w.returned))}  # fmt: skip
    assert shown == {
        "2024-W01": (4 + 10, 0, 0),  # the opening balance and the pills, not the cables before
        "2024-W05": (2, 0, 0),
        "2024-W10": (8, 0, 0),  # at its last second
        "2024-W11": (2, 3, 0),  # at its first instant; the transfer and the cancelled sale: no
        "2024-W12": (0, 1, 1),  # the cancelled receipt, the cancel and the write-off: no
    }
    assert (d.received, d.sold, d.returned) == (26, 4, 1)


def test_stock_per_store_agrees_with_stock_on_hand(books: Inventory) -> None:
    d = books.dashboard()
    store, warehouse = d.stores  # most first
    # Store: 10 + 4 + 5 - 2 - 1 cables; P1 (returned), P2 (its sale cancelled), P5; M1, M2
    assert (store.location, store.quantity) == ("Store", 16 + 3 + 2)
    assert store.by_tracking == {"serial": 5, "batch": 0, "none": 16}
    assert (warehouse.location, warehouse.quantity) == ("Warehouse", 1 + 10)
    assert warehouse.by_tracking == {"serial": 1, "batch": 10, "none": 0}
    assert d.in_stores == books.stock_on_hand().in_stores == 32


def test_expiring_counts_agree_with_the_expiring_list(books: Inventory) -> None:
    e = books.dashboard().expiry
    assert (e.days, e.expired, e.within_week, e.later, e.expiring) == (30, 1 + 1, 3 + 1, 2, 6)
    listed = books.expiring(30)
    assert e.expired == sum(r.quantity for r in listed if r.expired)
    assert e.expiring == sum(r.quantity for r in listed if not r.expired)
    short = books.dashboard(days=3).expiry
    assert (short.expired, short.within_week, short.later) == (2, 1, 0)  # M1, today


def test_a_week_boundary_is_the_monday_at_midnight_utc(books: Inventory) -> None:
    on_monday = Inventory(books.store, clock=lambda: W11_FIRST)
    weeks = on_monday.dashboard(weeks=2).weeks
    assert [(w.week, w.received) for w in weeks] == [("2024-W10", 8), ("2024-W11", 2)]
    late_sunday = Inventory(books.store, clock=lambda: W10_LAST)
    assert [(w.week, w.received) for w in late_sunday.dashboard(weeks=1).weeks] == [("2024-W10", 8)]


def test_the_charts_show_the_figures(books: Inventory) -> None:
    c = svg_charts(books.dashboard())
    assert "Store: 21 units (5 serial-tracked, 16 quantity-only)" in c.stock
    assert "Warehouse: 11 units (1 serial-tracked, 10 in batches)" in c.stock
    assert "2024-W11, 2024-03-11 to 2024-03-17: received 2, sold 3, returned 0" in c.weeks
    assert ">W12<" in c.weeks
    assert "in 8 to 30 days" in c.expiry


def test_an_empty_shop_has_empty_figures_and_charts(db_url: str) -> None:
    with serialtrack.open(db_url, clock=lambda: NOW) as inv:
        d = inv.dashboard()
        assert (d.in_stores, d.received, d.sold, d.returned) == (0, 0, 0, 0)
        assert len(d.weeks) == 12
        assert d.expiry.expired == d.expiry.expiring == 0
        c = svg_charts(d)
        assert "No stock yet" in c.stock
        assert "Nothing received or sold" in c.weeks
        assert "Nothing expired or expiring within 30 days" in c.expiry


def test_ranges_are_checked_and_a_login_is_needed(db_url: str) -> None:
    with serialtrack.open(db_url) as inv:
        with pytest.raises(Invalid) as refused:
            inv.dashboard(0, days=-1)
        assert [p.where for p in refused.value.problems] == ["weeks", "days"]
        inv.add_user("vic", "viewer", "viewer-password-1")
        assert len(inv.as_user("vic").dashboard(weeks=4).weeks) == 4
    with serialtrack.open(db_url, user=None) as nobody, pytest.raises(Unauthenticated):
        nobody.dashboard()
