"""Stock on hand with totals, stock as of a moment from the ledger, and where a serial was then.

Every test runs on SQLite and PostgreSQL (the ``inv`` fixture, whose ``check()`` must find
nothing afterwards). The documents are written by an ``Inventory`` on the same database with a
clock the test moves, so each move's ``at`` is known; the as-of figures are worked out by hand.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import serialtrack
from builders import shop
from serialtrack import SerialtrackError
from serialtrack.inventory import Inventory, utc_now
from serialtrack.services.stock_reports import StockAt, StockReport

# Three days back at 08:00 UTC: every step below falls on that one day, in the past.
BASE = (utc_now() - timedelta(days=3)).replace(hour=8, minute=0, second=0, microsecond=0)
HOUR = timedelta(hours=1)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def at(self, moment: datetime) -> Inventory:
        self.now = moment
        return self.inv

    inv: Inventory


def timed(inv: Inventory, start: datetime = BASE) -> Clock:
    """``inv``'s database, written by an inventory whose clock the test sets."""
    clock = Clock(start)
    clock.inv = Inventory(inv.store, clock=clock)
    return clock


@dataclass
class History:
    inv: Inventory
    receipt: str
    sale: str
    dispatch: str
    transfer_receipt: str


@pytest.fixture
def history(inv: Inventory) -> History:
    """t1 receipt, t2 sale, t3 its cancel, t4 dispatch, t5 part of it received (tN = BASE+N h).

    At the end: PHONE S1 in stock and S3 reserved (a draft sale) at Store, S2 at Warehouse,
    S4 in transit on the dispatch; CABLE 7 at Store, 2 at Warehouse, 1 in transit; PILLS
    batch LOT-A 3 at Store and 2 in transit."""
    shop(inv)
    inv.add_product("PILLS", "Pills", "batch")
    clock = timed(inv)
    receipt = clock.at(BASE + 1 * HOUR).receive(
        supplier="Acme", location="Store",
        lines=[("PHONE", ["S1", "S2", "S3", "S4"]), ("CABLE", 10),
               {"sku": "PILLS", "batches": [("LOT-A", 5)]}],
    )  # fmt: skip
    sale = clock.at(BASE + 2 * HOUR).sell(
        customer="Alice", location="Store", lines=[("PHONE", ["S1"]), ("CABLE", 4)]
    )
    clock.at(BASE + 3 * HOUR).cancel(sale.number)
    sent = clock.at(BASE + 4 * HOUR).dispatch(
        source="Store", destination="Warehouse",
        lines=[("PHONE", ["S2", "S4"]), ("CABLE", 3), {"sku": "PILLS", "batches": [("LOT-A", 2)]}],
    )  # fmt: skip
    got = clock.at(BASE + 5 * HOUR).receive_transfer(
        dispatch=sent, lines=[("PHONE", ["S2"]), ("CABLE", 2)]
    )
    clock.at(BASE + 6 * HOUR).sell(
        customer="Bob", location="Store", lines=[("PHONE", ["S3"])], post=False
    )
    return History(inv, receipt.number, sale.number, sent.number, got.number)


def rows(report: StockReport) -> list[tuple[Any, ...]]:
    return [(r.sku, r.location, r.status, r.batch, r.transfer, r.quantity) for r in report.rows]


def places(found: list[StockAt]) -> dict[tuple[str, str], int]:
    return {(r.sku, r.location): r.quantity for r in found}


def problems(error: pytest.ExceptionInfo[SerialtrackError]) -> set[str]:
    return {p.where for p in error.value.problems}


# --- stock on hand -----------------------------------------------------------------------------
def test_on_hand_rows_and_totals_of_serials_quantities_batches_and_transit(
    history: History,
) -> None:
    report = history.inv.stock_on_hand()
    tr = history.dispatch
    assert rows(report) == [
        ("CABLE", "Store", "in_stock", None, None, 7),
        ("CABLE", "Warehouse", "in_stock", None, None, 2),
        ("CABLE", "Transit", "in_transit", None, tr, 1),
        ("PHONE", "Store", "in_stock", None, None, 1),
        ("PHONE", "Store", "reserved", None, None, 1),
        ("PHONE", "Warehouse", "in_stock", None, None, 1),
        ("PHONE", "Transit", "in_transit", None, tr, 1),
        ("PILLS", "Store", "in_stock", "LOT-A", None, 3),
        ("PILLS", "Transit", "in_transit", "LOT-A", tr, 2),
    ]
    assert [(t.sku, t.name, t.in_stores, t.in_transit, t.quantity) for t in report.totals] == [
        ("CABLE", "Cable", 9, 1, 10),
        ("PHONE", "Phone", 3, 1, 4),
        ("PILLS", "Pills", 3, 2, 5),
    ]
    assert (report.in_stores, report.in_transit, report.total) == (15, 4, 19)
    # The rest arrives: nothing is left on the transfer.
    history.inv.receive_transfer(dispatch=history.dispatch)
    after = history.inv.stock_on_hand(location="Transit")
    assert (after.rows, after.total) == ((), 0)


def test_on_hand_filters_and_refusals(history: History) -> None:
    inv = history.inv
    assert rows(inv.stock_on_hand(sku="PHONE", location="Store")) == [
        ("PHONE", "Store", "in_stock", None, None, 1),
        ("PHONE", "Store", "reserved", None, None, 1),
    ]
    assert [(r[0], r[1], r[5]) for r in rows(inv.stock_on_hand(status="in_transit"))] == [
        ("CABLE", "Transit", 1), ("PHONE", "Transit", 1), ("PILLS", "Transit", 2),
    ]  # fmt: skip
    assert rows(inv.stock_on_hand(status="reserved")) == [
        ("PHONE", "Store", "reserved", None, None, 1)
    ]
    by_batch = inv.stock_on_hand(batch=" lot-a ")
    assert [(r[1], r[3], r[5]) for r in rows(by_batch)] == [
        ("Store", "LOT-A", 3), ("Transit", "LOT-A", 2),
    ]  # fmt: skip
    assert by_batch.total == 5
    assert inv.stock_on_hand(location="Warehouse").total == 3
    # Unknown names are refused, each naming its filter.
    with pytest.raises(SerialtrackError) as refused:
        inv.stock_on_hand(sku="NOPE", location="Mars", status="sold")
    assert problems(refused) == {"sku", "location", "status"}
    with pytest.raises(SerialtrackError) as refused:
        inv.stock_on_hand(batch="LOT-Z")
    assert problems(refused) == {"batch"}
    with pytest.raises(SerialtrackError) as refused:
        inv.stock_on_hand(sku="PHONE", batch="LOT-A")  # a batch of another product
    assert problems(refused) == {"batch"}
    # Reading needs a user.
    nobody = serialtrack.inventory._anonymous(history.inv.store, utc_now)
    for read in (nobody.stock_on_hand, lambda: nobody.stock_as_of(BASE)):
        with pytest.raises(SerialtrackError):
            read()


# --- stock as of a moment ------------------------------------------------------------------------
def test_stock_as_of_across_receipt_sale_cancel_and_transfer(history: History) -> None:
    inv = history.inv
    received = {("CABLE", "Store"): 10, ("PHONE", "Store"): 4, ("PILLS", "Store"): 5}
    expected = {
        BASE + 1 * HOUR - timedelta(microseconds=1): {},
        BASE + 1 * HOUR: received,
        BASE + 2 * HOUR + timedelta(minutes=30): {
            ("CABLE", "Store"): 6, ("PHONE", "Store"): 3, ("PILLS", "Store"): 5,
        },
        BASE + 3 * HOUR: received,  # the sale cancelled
        BASE + 4 * HOUR: {
            ("CABLE", "Store"): 7, ("CABLE", "Transit"): 3,
            ("PHONE", "Store"): 2, ("PHONE", "Transit"): 2,
            ("PILLS", "Store"): 3, ("PILLS", "Transit"): 2,
        },
        BASE + 5 * HOUR: {
            ("CABLE", "Store"): 7, ("CABLE", "Warehouse"): 2, ("CABLE", "Transit"): 1,
            ("PHONE", "Store"): 2, ("PHONE", "Warehouse"): 1, ("PHONE", "Transit"): 1,
            ("PILLS", "Store"): 3, ("PILLS", "Transit"): 2,
        },
    }  # fmt: skip
    for moment, figures in expected.items():
        assert places(inv.stock_as_of(moment)) == figures, moment
    final = expected[BASE + 5 * HOUR]
    # A date is the end of that day (UTC); text works as the API and CLI pass it.
    assert places(inv.stock_as_of(BASE.date())) == final
    assert places(inv.stock_as_of(BASE.date() - timedelta(days=1))) == {}
    half_past = expected[BASE + 2 * HOUR + timedelta(minutes=30)]
    assert places(inv.stock_as_of((BASE + 2 * HOUR).isoformat())) == half_past
    assert places(inv.stock_as_of(BASE.date().isoformat())) == final
    # An aware time is converted to UTC: 12:30 at UTC+2 is 10:30 UTC, the sale's half hour.
    plus_two = (BASE + 2 * HOUR + timedelta(minutes=30)).replace(tzinfo=UTC)
    shifted = plus_two.astimezone(timezone(timedelta(hours=2)))
    assert places(inv.stock_as_of(shifted)) == half_past
    # Filters, and the rows' order: stores first, then transit.
    assert places(inv.stock_as_of(BASE + 5 * HOUR, sku="CABLE", location="Transit")) == {
        ("CABLE", "Transit"): 1
    }
    assert [r.location for r in inv.stock_as_of(BASE + 5 * HOUR, sku="PHONE")] == [
        "Store", "Warehouse", "Transit",
    ]  # fmt: skip
    # Bad moments and unknown names are refused together, each named.
    with pytest.raises(SerialtrackError) as refused:
        inv.stock_as_of("yesterday", sku="NOPE", where="as_of")
    assert problems(refused) == {"as_of", "sku"}
    for bad in ("2026-13-01", "2026-11-30T25:00", "", "30.11.2026"):
        with pytest.raises(SerialtrackError) as refused:
            inv.stock_as_of(bad)
        assert problems(refused) == {"at"}, bad


def test_where_a_serial_was(history: History) -> None:
    inv = history.inv
    assert inv.serial_as_of("PHONE", "S1", BASE) is None  # before it came in

    def seen(code: str, moment: Any) -> tuple[Any, ...]:
        found = inv.serial_as_of("PHONE", code, moment)
        assert found is not None
        return found.location, found.status, found.document, found.cancelled

    customers = inv.document(history.sale).to_location
    assert seen("S1", BASE + 1 * HOUR) == ("Store", "in_stock", history.receipt, False)
    assert seen("S1", BASE + 2 * HOUR) == (customers, "sold", history.sale, False)
    assert seen("S1", BASE + 3 * HOUR) == ("Store", "in_stock", history.sale, True)
    assert seen("s4 ", BASE + 4 * HOUR) == ("Transit", "in_transit", history.dispatch, False)
    assert seen("S2", BASE.date()) == ("Warehouse", "in_stock", history.transfer_receipt, False)
    found = inv.serial_as_of("PHONE", "S1", BASE + 2 * HOUR)
    assert found is not None
    sold_at = (BASE + 2 * HOUR).replace(tzinfo=UTC)
    assert (found.sku, found.code, found.moved_at) == ("PHONE", "S1", sold_at)
    with pytest.raises(SerialtrackError, match="no serial"):
        inv.serial_as_of("PHONE", "S9", BASE)
    with pytest.raises(SerialtrackError) as refused:
        inv.serial_as_of("PHONE", "S1", "soon")
    assert problems(refused) == {"at"}


# --- today's figures are "as of now" -------------------------------------------------------------
def on_hand_places(report: StockReport) -> dict[tuple[str, str], int]:
    summed: Counter[tuple[str, str]] = Counter()
    for r in report.rows:
        summed[(r.sku, r.location)] += r.quantity
    return dict(summed)


Step = tuple[str, int, int]  # what, which, how many
STEPS = st.tuples(
    st.sampled_from(["receive", "receive_qty", "sell", "sell_qty", "dispatch", "arrive",
                     "transfer", "cancel"]),
    st.integers(0, 1_000),
    st.integers(1, 3),
)  # fmt: skip


def test_as_of_now_equals_on_hand_over_random_histories(inv: Inventory) -> None:
    """Random receipts, sales, transfers (dispatched, received in part, one step) and cancels of
    serials and quantities; after each step the on-hand figures are written down with the
    clock's time, and afterwards ``stock_as_of`` gives every one of them back from the ledger.
    The examples add to one growing history (any history will do)."""
    shop(inv)
    clock = timed(inv, BASE - timedelta(days=20))
    serial_numbers = itertools.count(1)
    seen: dict[datetime, dict[tuple[str, str], int]] = {}

    @settings(max_examples=15, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
    @given(st.lists(STEPS, min_size=1, max_size=8), st.integers(1, 90))
    def histories(steps: list[Step], minutes: int) -> None:
        for step in steps:
            clock.now += timedelta(minutes=minutes)
            with contextlib.suppress(SerialtrackError):  # a refusal writes nothing
                _act(clock.inv, step, serial_numbers)
            seen[clock.now] = on_hand_places(clock.inv.stock_on_hand())
        assert places(clock.inv.stock_as_of(utc_now())) == seen[clock.now]

    histories()
    for moment, figures in seen.items():
        assert places(inv.stock_as_of(moment)) == figures, moment


def _act(inv: Inventory, step: Step, numbers: itertools.count[int]) -> None:
    what, pick, n = step
    store, other = ("Store", "Warehouse")[pick % 2], ("Warehouse", "Store")[pick % 2]

    def choose(items: list[Any]) -> Any:
        if not items:
            raise SerialtrackError("nothing to choose")
        return items[pick % len(items)]

    def in_stock(at: str) -> list[str]:
        found = inv.serials(sku="PHONE", status="in_stock", location=at)
        return [s["serial"] for s in found][:n] or choose([])

    actions: dict[str, Callable[[], Any]] = {
        "receive": lambda: inv.receive(supplier="Acme", location=store,
            lines=[("PHONE", [f"R{next(numbers)}" for _ in range(n)])]),
        "receive_qty": lambda: inv.receive(supplier="Acme", location=store,
                                           lines=[("CABLE", n * 2)]),
        "sell": lambda: inv.sell(customer="Alice", location=store,
                                 lines=[("PHONE", in_stock(store))]),
        "sell_qty": lambda: inv.sell(customer="Alice", location=store, lines=[("CABLE", n)]),
        "dispatch": lambda: inv.dispatch(source=store, destination=other,
            lines=[("PHONE", in_stock(store)), ("CABLE", 1)] if pick % 3 else [("CABLE", n)]),
        "arrive": lambda: inv.receive_transfer(
            dispatch=choose([r["number"] for r in inv.in_transit()]),
            lines=[("CABLE", 1)] if pick % 3 == 0 else None),
        "transfer": lambda: inv.transfer(source=store, destination=other,
                                         lines=[("CABLE", n)]),
        "cancel": lambda: inv.cancel(choose([d["id"] for d in inv.documents(
            state="posted", limit=20)])),
    }  # fmt: skip
    actions[what]()
