"""Every refusal of the ledger: the right error, naming what and where, and nothing written."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from builders import shop, snapshot
from serialtrack import Conflict, Forbidden, Invalid, NotFound, SerialtrackError
from serialtrack.inventory import Inventory


@pytest.fixture
def stocked(inv: Inventory) -> Inventory:
    """Store holds S1..S4 from Acme and 5 cables; S3 was sold to Alice, S4 returned to Acme."""
    shop(inv)
    inv.receive(
        supplier="Acme", location="Store", lines=[("PHONE", ["S1", "S2", "S3", "S4"]), ("CABLE", 5)]
    )
    inv.receive(supplier="Globex", location="Warehouse", lines=[("PHONE", ["W1"])])
    inv.sell(customer="Alice", location="Store", lines=[("PHONE", ["S3"])], number="INV-1")
    inv.return_to_supplier(supplier="Acme", location="Store", lines=[("PHONE", ["S4"])])
    inv.sell(
        customer="Bob", location="Store", lines=[("PHONE", ["S2"])], post=False, number="DRAFT-1"
    )
    return inv


Action = Callable[[Inventory], object]

REFUSALS: list[tuple[str, Action, type[SerialtrackError], str]] = [
    (
        "receive a serial in stock",
        lambda i: i.receive(supplier="Acme", location="Store", lines=[("PHONE", ["S1"])]),
        Conflict,
        "in stock at Store",
    ),
    (
        "receive a sold serial",
        lambda i: i.receive(supplier="Acme", location="Store", lines=[("PHONE", ["s3"])]),
        Conflict,
        "sold to Alice on INV-1",
    ),
    (
        "receive one returned to another supplier",
        lambda i: i.receive(supplier="Globex", location="Store", lines=[("PHONE", ["S4"])]),
        Conflict,
        "returned to supplier Acme",
    ),
    (
        "receive the same code twice in one document",
        lambda i: i.receive(supplier="Acme", location="Store", lines=[("PHONE", ["N1", " n1"])]),
        Invalid,
        "entered twice",
    ),
    (
        "quantity differs from serial count",
        lambda i: i.receive(
            supplier="Acme",
            location="Store",
            lines=[{"sku": "PHONE", "quantity": 3, "serials": ["N1", "N2"]}],
        ),
        Invalid,
        "quantity 3 but 2 serials",
    ),
    (
        "serial line without serials",
        lambda i: i.receive(supplier="Acme", location="Store", lines=[("PHONE", 2)]),
        Invalid,
        "one serial per unit",
    ),
    (
        "serials on a quantity product",
        lambda i: i.receive(supplier="Acme", location="Store", lines=[("CABLE", ["X"])]),
        Invalid,
        "not serial-tracked",
    ),
    (
        "unknown SKU",
        lambda i: i.receive(supplier="Acme", location="Store", lines=[("NOPE", ["X"])]),
        Invalid,
        "no product with SKU 'NOPE'",
    ),
    (
        "unknown location",
        lambda i: i.receive(supplier="Acme", location="Attic", lines=[("PHONE", ["X"])]),
        Invalid,
        "no location named 'Attic'",
    ),
    (
        "virtual location as store",
        lambda i: i.receive(supplier="Acme", location="Customers", lines=[("PHONE", ["X"])]),
        Invalid,
        "not a store",
    ),
    (
        "customer as supplier",
        lambda i: i.receive(supplier="Alice", location="Store", lines=[("PHONE", ["X"])]),
        Invalid,
        "Alice is not a supplier",
    ),
    (
        "receipt without supplier",
        lambda i: i.create_document("receipt", [("PHONE", ["X"])], location="Store"),
        Invalid,
        "needs a supplier",
    ),
    (
        "empty code",
        lambda i: i.receive(supplier="Acme", location="Store", lines=[("PHONE", ["  "])]),
        Invalid,
        "empty",
    ),
    (
        "control character in code",
        lambda i: i.receive(supplier="Acme", location="Store", lines=[("PHONE", ["A\x00B"])]),
        Invalid,
        "control character",
    ),
    (
        "code too long",
        lambda i: i.receive(supplier="Acme", location="Store", lines=[("PHONE", ["A" * 101])]),
        Invalid,
        "longer than 100",
    ),
    (
        "no lines",
        lambda i: i.receive(supplier="Acme", location="Store", lines=[]),
        Invalid,
        "at least one line",
    ),
    (
        "taken document number",
        lambda i: i.sell(location="Store", lines=[("PHONE", ["S1"])], number="INV-1"),
        Invalid,
        "sale INV-1 already exists",
    ),
    (
        "sell a serial never received",
        lambda i: i.sell(location="Store", lines=[("PHONE", ["GHOST"])]),
        Conflict,
        "never received",
    ),
    (
        "sell a sold serial",
        lambda i: i.sell(location="Store", lines=[("PHONE", ["S3"])]),
        Conflict,
        "sold to Alice on INV-1",
    ),
    (
        "sell from the wrong location",
        lambda i: i.sell(location="Store", lines=[("PHONE", ["W1"])]),
        Conflict,
        "in stock at Warehouse",
    ),
    (
        "sell a serial reserved by a draft",
        lambda i: i.sell(location="Store", lines=[("PHONE", ["S2"])]),
        Conflict,
        "reserved by draft DRAFT-1",
    ),
    (
        "sell more cables than on hand",
        lambda i: i.sell(location="Store", lines=[("CABLE", 6)]),
        Conflict,
        "5 on hand, 6 asked",
    ),
    (
        "sell one ok and one bad serial",
        lambda i: i.sell(location="Store", lines=[("PHONE", ["S1", "S3"])]),
        Conflict,
        "S3",
    ),
    (
        "sales return of an unsold serial",
        lambda i: i.return_from_customer(
            customer="Alice", location="Store", lines=[("PHONE", ["S1"])]
        ),
        Conflict,
        "in stock at Store",
    ),
    (
        "sales return from the wrong customer",
        lambda i: i.return_from_customer(
            customer="Bob", location="Store", lines=[("PHONE", ["S3"])]
        ),
        Conflict,
        "not held by this partner",
    ),
    (
        "sales return naming another invoice",
        lambda i: i.return_from_customer(
            customer="Alice", location="Store", invoice="SO-404", lines=[("PHONE", ["S3"])]
        ),
        Invalid,
        "no sale numbered SO-404",
    ),
    (
        "purchase return of a sold serial",
        lambda i: i.return_to_supplier(
            supplier="Acme", location="Store", lines=[("PHONE", ["S3"])]
        ),
        Conflict,
        "sold to Alice",
    ),
    (
        "purchase return from the wrong location",
        lambda i: i.return_to_supplier(
            supplier="Globex", location="Store", lines=[("PHONE", ["W1"])]
        ),
        Conflict,
        "in stock at Warehouse",
    ),
    (
        "purchase return of a serial not on the receipt",
        lambda i: i.return_to_supplier(
            supplier="Globex", location="Warehouse", receipt="RC-000001", lines=[("PHONE", ["W1"])]
        ),
        Invalid,
        "RC-000001 is with Acme, not Globex",
    ),
    (
        "cancel a receipt whose serials moved on",
        lambda i: i.cancel("RC-000001"),
        Conflict,
        "S3 is now sold to Alice on INV-1",
    ),
    (
        "cancel a receipt whose serial is reserved",
        lambda i: i.cancel("RC-000001"),
        Conflict,
        "S2 is now reserved by draft DRAFT-1",
    ),
    (
        "cancel a draft",
        lambda i: i.cancel("DRAFT-1"),
        Conflict,
        "only a posted document can be cancelled",
    ),
    (
        "cancel an unknown number",
        lambda i: i.cancel("XX-1"),
        NotFound,
        "no document numbered 'XX-1'",
    ),
    ("post a posted document", lambda i: i.post("INV-1"), Conflict, "only a draft can be posted"),
    (
        "delete a posted document",
        lambda i: i.delete_draft("INV-1"),
        Conflict,
        "only a draft can be deleted",
    ),
    (
        "unknown document kind",
        lambda i: i.create_document("gift", [("PHONE", ["S1"])], location="Store"),
        Invalid,
        "no document kind 'gift'",
    ),
]


@pytest.mark.parametrize(
    ("action", "error", "words"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_refusal_writes_nothing(
    stocked: Inventory, action: Action, error: type[SerialtrackError], words: str
) -> None:
    before = snapshot(stocked)
    with pytest.raises(error) as raised:
        action(stocked)
    assert words in str(raised.value)
    assert snapshot(stocked) == before


def test_receipt_with_one_taken_code_among_many_writes_nothing(stocked: Inventory) -> None:
    before = snapshot(stocked)
    fresh = [f"NEW-{n}" for n in range(500)]
    with pytest.raises(Conflict) as raised:
        stocked.receive(
            supplier="Acme", location="Store", lines=[("PHONE", [*fresh[:250], "S1", *fresh[250:]])]
        )
    assert [p.where for p in raised.value.problems] == ["lines[0].serials[250]"]
    assert snapshot(stocked) == before


def test_every_problem_reported_at_once(stocked: Inventory) -> None:
    with pytest.raises(Invalid) as raised:
        stocked.receive(
            supplier="Alice", location="Attic", lines=[("NOPE", ["X"]), ("PHONE", [""])]
        )
    wheres = {p.where for p in raised.value.problems}
    assert {"partner", "location", "lines[0].sku", "lines[1].serials[0]"} <= wheres


def test_viewer_may_not_post_and_nothing_is_written(stocked: Inventory) -> None:
    stocked.add_user("vera", "viewer")
    stocked.add_user("carl", "clerk")
    viewer, clerk = stocked.as_user("vera"), stocked.as_user("carl")
    before = snapshot(stocked)
    with pytest.raises(Forbidden):
        viewer.sell(location="Store", lines=[("PHONE", ["S1"])])
    with pytest.raises(Forbidden):
        clerk.cancel("INV-1")
    with pytest.raises(Forbidden):
        clerk.add_product("X", "X")
    assert snapshot(stocked) == before
    assert viewer.serial("PHONE", "S1").status.value == "in_stock"


def test_negative_stock_setting_allows_selling_short(stocked: Inventory) -> None:
    stocked.set_setting("allow_negative_stock", "true")
    stocked.sell(location="Store", lines=[("CABLE", 7)])
    assert stocked.stock(sku="CABLE")[0]["quantity"] == -2
