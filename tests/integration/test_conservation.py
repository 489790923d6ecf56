"""Issue 10, findings 1 and 7: nothing comes back that never went out; time runs forwards.

Quantities and batches are conserved by returns (per invoice and per customer or supplier),
cancelling keeps the same arithmetic, and no document takes a unit or a quantity before it
arrived. Each refusal names product, batch, invoice and the numbers, and writes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from builders import shop, snapshot
from serialtrack.domain.errors import Conflict, Invalid
from serialtrack.inventory import Inventory

TODAY = date.today()


@pytest.fixture
def cables(inv: Inventory) -> Inventory:
    """10 cables received, 5 sold to Alice on SO-000001, 2 returned against it."""
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("CABLE", 10)])
    inv.sell(location="Store", customer="Alice", lines=[("CABLE", 5)])
    inv.return_from_customer(location="Store", invoice="SO-000001", lines=[("CABLE", 2)])
    return inv


def refused(inv: Inventory, error: type[Exception], action, *needles: str) -> str:  # type: ignore[no-untyped-def]
    before = snapshot(inv)
    with pytest.raises(error) as caught:
        action()
    text = str(caught.value) + " " + " ".join(p.message for p in caught.value.problems)
    for needle in needles:
        assert needle in text, f"{needle!r} not in {text!r}"
    assert snapshot(inv) == before, "a refusal wrote something"
    assert inv.check() == []
    return text


def test_a_return_against_an_invoice_never_exceeds_what_it_delivered(cables: Inventory) -> None:
    refused(
        cables, Conflict,
        lambda: cables.return_from_customer(location="Store", invoice="SO-000001",
                                            lines=[("CABLE", 4)]),
        "CABLE", "SO-000001", "5 sold", "6 returned",
    )  # fmt: skip
    cables.return_from_customer(location="Store", invoice="SO-000001", lines=[("CABLE", 3)])
    assert cables.check() == []


def test_a_customer_who_never_bought_returns_nothing(cables: Inventory) -> None:
    refused(
        cables, Conflict,
        lambda: cables.return_from_customer(location="Store", customer="Bob",
                                            lines=[("CABLE", 100)]),
        "CABLE", "Bob", "0 sold",
    )  # fmt: skip
    refused(
        cables, Conflict,
        lambda: cables.return_from_customer(location="Store", lines=[("CABLE", 1)]),
        "walk-in customers",
    )  # fmt: skip


def test_returns_without_an_invoice_count_against_the_customer(cables: Inventory) -> None:
    cables.return_from_customer(location="Store", customer="Alice", lines=[("CABLE", 3)])
    refused(
        cables, Conflict,
        lambda: cables.return_from_customer(location="Store", invoice="SO-000001",
                                            lines=[("CABLE", 1)]),
        "Alice", "5 sold", "6 returned",
    )  # fmt: skip


def test_batches_are_conserved_per_invoice(inv: Inventory) -> None:
    shop(inv)
    inv.add_product("PILLS", "Pills", "batch")
    inv.receive(supplier="Acme", location="Store",
                lines=[{"sku": "PILLS", "batches": [("L1", 10)]}])  # fmt: skip
    inv.sell(location="Store", customer="Alice",
             lines=[{"sku": "PILLS", "batches": [("L1", 5)]}])  # fmt: skip
    inv.return_from_customer(location="Store", invoice="SO-000001",
                             lines=[{"sku": "PILLS", "batches": [("L1", 2)]}])  # fmt: skip
    refused(
        inv, Conflict,
        lambda: inv.return_from_customer(location="Store", invoice="SO-000001",
                                         lines=[{"sku": "PILLS", "batches": [("L1", 50)]}]),
        "PILLS batch L1", "SO-000001",
    )  # fmt: skip
    assert {b["location"]: b["quantity"] for b in inv.batches(sku="PILLS")}["Store"] == 7


def test_a_purchase_return_sends_back_no_more_than_came_from_that_supplier(
    inv: Inventory,
) -> None:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("CABLE", 10)])
    inv.opening_balance(location="Store", lines=[("CABLE", 50)])
    refused(
        inv, Conflict,
        lambda: inv.return_to_supplier(supplier="Globex", location="Store", lines=[("CABLE", 1)]),
        "Globex", "0 received",
    )  # fmt: skip
    refused(
        inv, Conflict,
        lambda: inv.return_to_supplier(supplier="Acme", location="Store", receipt="RC-000001",
                                       lines=[("CABLE", 11)]),
        "RC-000001", "10 received",
    )  # fmt: skip
    inv.return_to_supplier(supplier="Acme", location="Store", lines=[("CABLE", 10)])
    assert inv.check() == []


def test_cancelling_keeps_the_same_arithmetic(cables: Inventory) -> None:
    refused(cables, Conflict, lambda: cables.cancel("SO-000001"), "SR-000001", "cancel those first")
    cables.cancel("SR-000001")
    cables.cancel("SO-000001")
    assert cables.check() == []


def test_a_return_naming_a_walk_in_invoice_cannot_name_a_customer(inv: Inventory) -> None:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("CABLE", 10)])
    inv.sell(location="Store", lines=[("CABLE", 5)])
    refused(
        inv, Invalid,
        lambda: inv.return_from_customer(location="Store", customer="Alice", invoice="SO-000001",
                                         lines=[("CABLE", 1)]),
        "walk-in sale",
    )  # fmt: skip
    inv.return_from_customer(location="Store", invoice="SO-000001", lines=[("CABLE", 5)])
    assert inv.check() == []


# --- time order (finding 7) -------------------------------------------------------------------
def test_a_unit_cannot_be_sold_before_it_arrived(inv: Inventory) -> None:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["T-1"])])
    refused(
        inv, Conflict,
        lambda: inv.sell(location="Store", lines=[("PHONE", ["T-1"])], date=date(2025, 1, 10)),
        "T-1", f"arrived where it is on {TODAY}", "RC-000001", "2025-01-10",
    )  # fmt: skip
    inv.sell(location="Store", lines=[("PHONE", ["T-1"])], date=TODAY)
    assert inv.check() == []


def test_a_back_dated_sale_cannot_take_quantities_that_came_in_later(inv: Inventory) -> None:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("CABLE", 3)],
                date=TODAY - timedelta(days=10))  # fmt: skip
    inv.receive(supplier="Acme", location="Store", lines=[("CABLE", 7)], date=TODAY)
    refused(
        inv, Conflict,
        lambda: inv.sell(location="Store", lines=[("CABLE", 5)],
                         date=TODAY - timedelta(days=5)),
        "CABLE at Store", "2 short",
    )  # fmt: skip
    inv.sell(location="Store", lines=[("CABLE", 3)], date=TODAY - timedelta(days=5))
    # Cancelling the early receipt would leave the back-dated sale without stock.
    refused(inv, Conflict, lambda: inv.cancel("RC-000001"), "CABLE at Store", "short")
    assert inv.check() == []


@pytest.mark.parametrize("day", [date(1899, 12, 31), TODAY + timedelta(days=400)])
def test_dates_far_outside_reason_are_refused(inv: Inventory, day: date) -> None:
    shop(inv)
    refused(
        inv, Invalid,
        lambda: inv.receive(supplier="Acme", location="Store", lines=[("CABLE", 1)], date=day),
        "date", str(day),
    )  # fmt: skip
