"""Batches in the product serial number report, on SQLite and PostgreSQL: a row per place
that holds part of a batch, per invoice that still has some of it out, per supplier it went
back to, with its quantity; the report's filters keep batch rows as they keep serials; every
batch's rows add up to what came in of it; the report pages by key as it streams."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from serialtrack import REPORT_COLUMNS
from serialtrack.domain.errors import Invalid
from serialtrack.inventory import Inventory

D = date(2026, 1, 10)
RECEIVED = {"LOT-A": 20, "LOT-B": 5, "LOT-C": 8}  # every unit of each batch that came in


def pills(code: str, quantity: int) -> list[dict[str, Any]]:
    return [{"sku": "PILLS", "batches": [(code, quantity)]}]


@pytest.fixture
def shop(inv: Inventory) -> dict[str, str]:
    """LOT-A and LOT-B (and phones P1, P2, cables) from Acme on 10 Jan, LOT-C from Beta on
    1 Feb; LOT-A sold to Jane twice, Ravi and a walk-in, partly returned by Jane (naming an
    invoice and naming none), partly in transit to Annex and written off; LOT-B partly sent
    back to Acme; LOT-C partly moved to Annex, a sale of it cancelled."""
    inv.add_location("Main")
    inv.add_location("Annex")
    for name in ("Acme", "Beta"):
        inv.add_partner(name, supplier=True)
    for name in ("Jane", "Ravi"):
        inv.add_partner(name, customer=True)
    inv.add_product("PILLS", "Pills", "batch")
    inv.add_product("PHONE", "Phone")
    inv.add_product("CABLE", "Cable", "none")
    inv.receive(supplier="Acme", location="Main", reference="ACME-1", date=D, lines=[
        {"sku": "PILLS", "batches": [("LOT-A", 20), ("LOT-B", 5)]},
        ("PHONE", ["P1", "P2"]), ("CABLE", 10),
    ])  # fmt: skip
    inv.receive(supplier="Beta", location="Main", date=date(2026, 2, 1),
                lines=pills("LOT-C", 8))  # fmt: skip
    so1 = inv.sell(customer="Jane", location="Main", date=date(2026, 2, 10),
                   lines=[*pills("LOT-A", 4), ("PHONE", ["P1"])])  # fmt: skip
    so2 = inv.sell(customer="Ravi", location="Main", date=date(2026, 2, 12),
                   lines=pills("LOT-A", 3))  # fmt: skip
    so3 = inv.sell(customer="Jane", location="Main", date=date(2026, 2, 15),
                   lines=pills("LOT-A", 2))  # fmt: skip
    walk_in = inv.sell(location="Main", date=date(2026, 2, 16), lines=pills("LOT-A", 1))
    inv.return_from_customer(customer="Jane", invoice=so1.number, location="Main",
                             date=date(2026, 2, 20), lines=pills("LOT-A", 1))  # fmt: skip
    # naming no invoice: taken off Jane's latest sale first (SO3's 2), then SO1's
    inv.return_from_customer(customer="Jane", location="Main", date=date(2026, 2, 20),
                             lines=pills("LOT-A", 3))  # fmt: skip
    transfer = inv.dispatch(source="Main", destination="Annex", date=date(2026, 2, 21),
                            lines=pills("LOT-A", 2))  # fmt: skip
    inv.write_off(location="Main", reason="crushed", date=date(2026, 2, 21),
                  lines=pills("LOT-A", 1))  # fmt: skip
    inv.return_to_supplier(supplier="Acme", location="Main", date=date(2026, 2, 22),
                           lines=pills("LOT-B", 2))  # fmt: skip
    inv.transfer(source="Main", destination="Annex", date=date(2026, 2, 22),
                 lines=pills("LOT-C", 3))  # fmt: skip
    cancelled = inv.sell(customer="Ravi", location="Main", date=date(2026, 2, 23),
                         lines=pills("LOT-C", 1))  # fmt: skip
    inv.cancel(cancelled.number)
    return {"so1": so1.number, "so2": so2.number, "so3": so3.number,
            "walk_in": walk_in.number, "transfer": transfer.number}  # fmt: skip


def rows(inv: Inventory, **filters: Any) -> list[dict[str, Any]]:
    return [dict(zip(REPORT_COLUMNS, r, strict=True)) for r in inv.report(**filters)]


def parts(found: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The batch rows: batch, status, location, quantity, customer, invoice."""
    return [
        (r["batch"], r["status"], r["location"], r["quantity"], r["customer"], r["sales_invoice"])
        for r in found
        if r["batch"] is not None
    ]


def test_a_batch_is_a_row_per_place_invoice_and_supplier(
    inv: Inventory, shop: dict[str, str]
) -> None:
    found = rows(inv)
    assert parts(found) == [
        ("LOT-A", "in_stock", "Main", 11, None, None),
        ("LOT-A", "in_transit", "Transit", 2, None, None),
        ("LOT-A", "sold", "Customers", 2, "Jane", shop["so1"]),  # 4 - 1 named - 1 of 3 unnamed
        ("LOT-A", "sold", "Customers", 3, "Ravi", shop["so2"]),
        ("LOT-A", "sold", "Customers", 1, None, shop["walk_in"]),  # SO3: all came back
        ("LOT-A", "written_off", "Scrap", 1, None, None),
        ("LOT-B", "in_stock", "Main", 3, None, None),
        ("LOT-B", "returned_to_supplier", "Suppliers", 2, None, None),
        ("LOT-C", "in_stock", "Main", 5, None, None),
        ("LOT-C", "in_stock", "Annex", 3, None, None),
    ]
    serials = [r for r in found if r["batch"] is None]
    assert [(r["serial"], r["quantity"], r["status"]) for r in serials] == [
        ("P1", 1, "sold"), ("P2", 1, "in_stock"),
    ]  # fmt: skip
    assert {r["sku"] for r in found} == {"PHONE", "PILLS"}  # quantity-only CABLE: not traced
    batch_rows = [r for r in found if r["batch"]]
    assert all(r["serial"] is None and r["product"] == "Pills" for r in batch_rows)
    receipts = {(r["batch"], r["supplier"], r["purchase_number"], r["purchase_reference"],
                 r["purchase_date"]) for r in batch_rows}  # fmt: skip
    assert receipts == {
        ("LOT-A", "Acme", "RC-000001", "ACME-1", D),
        ("LOT-B", "Acme", "RC-000001", "ACME-1", D),
        ("LOT-C", "Beta", "RC-000002", None, date(2026, 2, 1)),
    }
    sold = {r["sales_invoice"]: r["sale_date"] for r in batch_rows if r["status"] == "sold"}
    assert sold == {shop["so1"]: date(2026, 2, 10), shop["so2"]: date(2026, 2, 12),
                    shop["walk_in"]: date(2026, 2, 16)}  # fmt: skip
    assert all(r["sale_date"] is None for r in batch_rows if r["status"] != "sold")


def test_every_batch_adds_up_to_what_came_in(inv: Inventory, shop: dict[str, str]) -> None:
    """Each batch's rows add up to what its receipts brought in; without what went back to
    the supplier, to what is in the stores, on the way, with customers and written off. The
    batch enquiry agrees place by place and customer by customer."""
    found = [r for r in rows(inv) if r["batch"]]
    for code, received in RECEIVED.items():
        mine = [r for r in found if r["batch"] == code]
        assert sum(r["quantity"] for r in mine) == received, code
        back = sum(r["quantity"] for r in mine if r["status"] == "returned_to_supplier")
        held = ("in_stock", "in_transit", "sold", "written_off")
        assert sum(r["quantity"] for r in mine if r["status"] in held) == received - back
        enquiry = inv.batch("PILLS", code)
        by_place: dict[tuple[str, str | None], int] = {}
        for r in mine:
            if r["status"] != "returned_to_supplier":
                where = (r["location"], r["customer"])
                by_place[where] = by_place.get(where, 0) + r["quantity"]
        assert by_place == {
            ("Customers" if p.status == "sold" else p.location, p.partner): p.quantity
            for p in enquiry.parts
        }, code
        in_stock = sum(r["quantity"] for r in mine if r["status"] == "in_stock")
        assert in_stock == enquiry.on_hand


def test_in_transit_rows_agree_with_the_transfers(inv: Inventory, shop: dict[str, str]) -> None:
    (moving,) = [r for r in rows(inv, status="in_transit") if r["batch"]]
    (transfer,) = inv.in_transit()
    assert transfer["number"] == shop["transfer"]
    assert transfer["batches"] == [{"code": moving["batch"], "quantity": moving["quantity"]}]


def test_the_filters_keep_batch_rows_as_they_keep_serials(
    inv: Inventory, shop: dict[str, str]
) -> None:
    assert parts(rows(inv, status="sold")) == [
        ("LOT-A", "sold", "Customers", 2, "Jane", shop["so1"]),
        ("LOT-A", "sold", "Customers", 3, "Ravi", shop["so2"]),
        ("LOT-A", "sold", "Customers", 1, None, shop["walk_in"]),
    ]
    assert [r["serial"] for r in rows(inv, status="sold") if r["serial"]] == ["P1"]
    assert parts(rows(inv, location="Annex")) == [("LOT-C", "in_stock", "Annex", 3, None, None)]
    assert parts(rows(inv, status="returned_to_supplier")) == [
        ("LOT-B", "returned_to_supplier", "Suppliers", 2, None, None),
    ]
    assert parts(rows(inv, status="written_off", location="Scrap")) == [
        ("LOT-A", "written_off", "Scrap", 1, None, None),
    ]
    assert parts(rows(inv, status="reserved")) == []  # no draft reserves a batch quantity
    # a customer: what they still have; the batch's supplier: every row of its batches
    assert parts(rows(inv, partner="Jane")) == [
        ("LOT-A", "sold", "Customers", 2, "Jane", shop["so1"]),
    ]
    assert {r["batch"] for r in rows(inv, partner="Beta")} == {"LOT-C"}
    assert {r["batch"] for r in rows(inv, partner="Acme")} == {None, "LOT-A", "LOT-B"}
    assert {r["batch"] for r in rows(inv, received_from="2026-02-01")} == {"LOT-C"}
    assert {r["batch"] for r in rows(inv, received_to="2026-01-31")} == {None, "LOT-A", "LOT-B"}
    assert parts(rows(inv, sold_from="2026-02-11", sold_to="2026-02-16")) == [
        ("LOT-A", "sold", "Customers", 3, "Ravi", shop["so2"]),
        ("LOT-A", "sold", "Customers", 1, None, shop["walk_in"]),
    ]
    assert rows(inv, sold_from="2026-02-24") == []
    assert parts(rows(inv, sku="PILLS", status="in_stock", location="Main")) == [
        ("LOT-A", "in_stock", "Main", 11, None, None),
        ("LOT-B", "in_stock", "Main", 3, None, None),
        ("LOT-C", "in_stock", "Main", 5, None, None),
    ]
    assert rows(inv, sku="CABLE") == []
    assert [r["batch"] for r in rows(inv, text="lot-b")] == ["LOT-B", "LOT-B"]


def test_paging_by_key_gives_the_stream_row_for_row(inv: Inventory, shop: dict[str, str]) -> None:
    for filters in ({}, {"sku": "PILLS"}, {"status": "sold"}, {"partner": "Acme"}):
        expected = rows(inv, **filters)
        for limit in (1, 2, 3, 1000):
            paged: list[dict[str, Any]] = []
            after = None
            for _ in range(len(expected) + 2):
                page = inv.report_page(after=after, limit=limit, **filters)
                paged += page.items
                after = page.next_after
                if after is None:
                    break
            assert paged == expected, (filters, limit)


def test_a_bad_page_key_or_filter_is_refused_naming_it(inv: Inventory) -> None:
    with pytest.raises(Invalid) as refused:
        inv.report_page(after="x12")
    assert [p.where for p in refused.value.problems] == ["after"]
    with pytest.raises(Invalid) as refused:
        inv.report_page(sku="NOPE", sold_to="soon")
    assert {p.where for p in refused.value.problems} == {"sku", "sold_to"}
    with pytest.raises(Invalid) as refused:
        inv.report_page(limit=0)
    assert [p.where for p in refused.value.problems] == ["limit"]


def test_a_customer_holding_nothing_more_has_no_row(inv: Inventory) -> None:
    """Sold and all returned (against the invoice or not), or the sale cancelled: no row."""
    inv.add_location("Main")
    inv.add_partner("Acme", supplier=True)
    inv.add_partner("Jane", customer=True)
    inv.add_product("PILLS", "Pills", "batch")
    inv.receive(supplier="Acme", location="Main", lines=pills("L1", 6))
    sale = inv.sell(customer="Jane", location="Main", lines=pills("L1", 4))
    inv.return_from_customer(customer="Jane", invoice=sale.number, location="Main",
                             lines=pills("L1", 1))  # fmt: skip
    inv.return_from_customer(customer="Jane", location="Main", lines=pills("L1", 3))
    cancelled = inv.sell(customer="Jane", location="Main", lines=pills("L1", 2))
    inv.cancel(cancelled.number)
    assert parts(rows(inv)) == [("L1", "in_stock", "Main", 6, None, None)]
    assert rows(inv, partner="Jane") == []
