"""Receipts of one dispatch, and its cancellation, racing: what is in transit is taken once.

Quantity-only goods in transit have no serial row to compare-and-set, so a transfer receipt
locks its dispatch's row and only then counts what is still in transit; a cancellation takes
the same row by changing its state. On PostgreSQL the threads really run at once.
"""

from __future__ import annotations

import serialtrack
from builders import race, shop
from serialtrack import Conflict

ROUNDS = 6


def test_two_receipts_of_more_than_half_of_what_is_in_transit_one_wins(db_url: str) -> None:
    with shop(serialtrack.open(db_url)) as setup:
        setup.receive(supplier="Acme", location="Store", lines=[("CABLE", 5 * ROUNDS)])
        sent = [
            setup.dispatch(source="Store", destination="Warehouse", lines=[("CABLE", 5)]).number
            for _ in range(ROUNDS)
        ]
    clerks = [serialtrack.open(db_url), serialtrack.open(db_url)]
    try:
        for number in sent:
            results = race(
                [  # numbers given: taking the next number would serialize them by itself
                    lambda c=clerk, n=number, i=i: c.receive_transfer(
                        dispatch=n, lines=[("CABLE", 3)], number=f"{n}/{i}"
                    )
                    for i, clerk in enumerate(clerks)
                ]
            )
            losers = [r for r in results if isinstance(r, Exception)]
            assert len(losers) == 1, results
            assert isinstance(losers[0], Conflict), repr(losers[0])
            assert "still in transit" in str(losers[0]) or "busy" in str(losers[0])
        rows = clerks[0].in_transit()
        assert [r["quantity"] for r in rows] == [2] * ROUNDS
        assert clerks[0].stock(sku="CABLE", location="Warehouse")[0]["quantity"] == 3 * ROUNDS
    finally:
        for clerk in clerks:
            clerk.close()


def test_a_receipt_and_the_cancellation_of_its_dispatch_one_wins(db_url: str) -> None:
    with shop(serialtrack.open(db_url)) as setup:
        setup.receive(supplier="Acme", location="Store", lines=[("CABLE", 2 * ROUNDS)])
        sent = [
            setup.dispatch(source="Store", destination="Warehouse", lines=[("CABLE", 2)]).number
            for _ in range(ROUNDS)
        ]
    clerk, manager = serialtrack.open(db_url), serialtrack.open(db_url)
    try:
        for number in sent:
            received, cancelled = race(
                [
                    lambda n=number: clerk.receive_transfer(
                        dispatch=n, lines=[("CABLE", 1)], number=f"{n}/in"
                    ),
                    lambda n=number: manager.cancel(n),
                ]
            )
            assert isinstance(received, Exception) != isinstance(cancelled, Exception), (
                received,
                cancelled,
            )
            state = manager.document(number).state.value
            assert state == ("cancelled" if isinstance(received, Exception) else "posted")
        on_hand = {
            r["location"]: r["quantity"] for r in manager.stock(sku="CABLE") if r["quantity"]
        }
        received_count = sum(1 for n in sent if manager.document(n).state.value == "posted")
        assert on_hand.get("Warehouse", 0) == received_count
        assert on_hand.get("Store", 0) == 2 * (ROUNDS - received_count)
        assert sum(r["quantity"] for r in manager.in_transit()) == received_count
        assert manager.check() == []
    finally:
        clerk.close()
        manager.close()
