"""Seed 000 end to end through the library: purchase, sale, returns, cancel, report."""

from __future__ import annotations

from builders import codes, shop
from serialtrack import REPORT_COLUMNS, DocumentState, SerialStatus
from serialtrack.inventory import Inventory


def test_seed_000_flow(inv: Inventory) -> None:
    shop(inv)
    sn = codes("SN", 3)
    receipt = inv.receive(
        supplier="Acme", location="Store", lines=[("PHONE", sn)], reference="ACME-1"
    )
    assert receipt.state is DocumentState.POSTED
    assert [inv.serial("PHONE", c).status for c in sn] == [SerialStatus.IN_STOCK] * 3

    sale = inv.sell(customer="Alice", location="Store", lines=[("PHONE", [sn[0]])])
    assert inv.serial("PHONE", sn[0]).status is SerialStatus.SOLD
    assert inv.serial("PHONE", sn[0]).holder == "Alice"

    inv.return_from_customer(
        customer="Alice", location="Store", invoice=sale.number, lines=[("PHONE", [sn[0]])]
    )
    assert inv.serial("PHONE", sn[0]).status is SerialStatus.IN_STOCK

    debit = inv.return_to_supplier(
        supplier="Acme", location="Store", receipt=receipt.number, lines=[("PHONE", [sn[0]])]
    )
    assert inv.serial("PHONE", sn[0]).status is SerialStatus.RETURNED_TO_SUPPLIER
    assert [r["serial"] for r in inv.serials(sku="PHONE", status="in_stock")] == sn[1:]

    cancelled = inv.cancel(debit)
    assert cancelled.state is DocumentState.CANCELLED
    assert inv.serial("PHONE", sn[0]).status is SerialStatus.IN_STOCK
    assert inv.serial("PHONE", sn[0]).location == "Store"
    assert inv.check() == []


def test_history_names_every_move_with_user(inv: Inventory) -> None:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["A1"])])
    sale = inv.sell(customer="Bob", location="Store", lines=[("PHONE", ["a1 "])])  # case and space
    inv.cancel(sale)
    history = inv.serial("PHONE", "A1").history
    assert [(m.document_number, m.from_location, m.to_location, m.reversal) for m in history] == [
        ("RC-000001", "Suppliers", "Store", False),
        (sale.number, "Store", "Customers", False),
        (sale.number, "Customers", "Store", True),
    ]
    assert {m.user for m in history} == {"admin"}


def test_report_rows_carry_purchase_and_sale(inv: Inventory) -> None:
    shop(inv)
    receipt = inv.receive(
        supplier="Acme", location="Store", lines=[("PHONE", ["R1", "R2"])], reference="INV-9"
    )
    sale = inv.sell(customer="Bob", location="Store", lines=[("PHONE", ["R2"])])
    rows = {
        r[2]: dict(zip(__import__("serialtrack").REPORT_COLUMNS, r, strict=True))
        for r in inv.report()
    }
    assert rows["R1"]["status"] == "in_stock"
    assert rows["R1"]["purchase_number"] == receipt.number
    assert rows["R1"]["purchase_reference"] == "INV-9"
    assert rows["R1"]["supplier"] == "Acme"
    assert rows["R1"]["sales_invoice"] is None
    assert rows["R2"]["sales_invoice"] == sale.number
    assert rows["R2"]["customer"] == "Bob"
    assert rows["R2"]["location"] == "Customers"
    only_sold = list(inv.report(status="sold"))
    assert [r[2] for r in only_sold] == ["R2"]


def test_cancelled_sale_drops_out_of_report(inv: Inventory) -> None:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["C1"])])
    sale = inv.sell(customer="Bob", location="Store", lines=[("PHONE", ["C1"])])
    inv.cancel(sale)
    (row,) = [dict(zip(REPORT_COLUMNS, r, strict=True)) for r in inv.report()]
    assert row["status"] == "in_stock"
    assert row["sales_invoice"] is None  # the cancelled invoice is not the unit's sale


def test_quantity_lines_move_stock(inv: Inventory) -> None:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("CABLE", 10)])
    inv.sell(location="Store", lines=[("CABLE", 4)])
    assert inv.stock(sku="CABLE") == [
        {"sku": "CABLE", "name": "Cable", "location": "Store", "quantity": 6}
    ]


def test_draft_sale_reserves_until_posted_or_deleted(inv: Inventory) -> None:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["D1", "D2"])])
    draft = inv.sell(customer="Bob", location="Store", lines=[("PHONE", ["D1"])], post=False)
    assert draft.state is DocumentState.DRAFT
    held = inv.serial("PHONE", "D1")
    assert (held.status, held.reserved_by) == (SerialStatus.RESERVED, draft.number)
    inv.delete_draft(draft)
    assert inv.serial("PHONE", "D1").status is SerialStatus.IN_STOCK
    again = inv.sell(customer="Bob", location="Store", lines=[("PHONE", ["D1"])], post=False)
    posted = inv.post(again)
    assert posted.state is DocumentState.POSTED
    assert posted.lines[0]["serials"] == ["D1"]
    assert inv.serial("PHONE", "D1").status is SerialStatus.SOLD


def test_serial_returned_to_supplier_can_be_received_again(inv: Inventory) -> None:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["B1"])])
    inv.return_to_supplier(supplier="Acme", location="Store", lines=[("PHONE", ["B1"])])
    inv.receive(supplier="Acme", location="Warehouse", lines=[("PHONE", ["B1"])])
    assert inv.serial("PHONE", "B1").location == "Warehouse"


def test_cancel_after_cancelled_later_document(inv: Inventory) -> None:
    """Receipt → sale → cancel sale → cancel receipt: each step restores exactly."""
    shop(inv)
    receipt = inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["K1"])])
    sale = inv.sell(location="Store", lines=[("PHONE", ["K1"])])
    inv.cancel(sale)
    inv.cancel(receipt)
    serial = inv.serial("PHONE", "K1")
    assert serial.status is SerialStatus.RETURNED_TO_SUPPLIER
    assert inv.stock() == []
    inv.receive(
        supplier="Globex", location="Store", lines=[("PHONE", ["K1"])]
    )  # anyone may bring it now
    assert inv.check() == []


def test_same_code_on_two_products_is_fine(inv: Inventory) -> None:
    shop(inv)
    inv.add_product("TABLET", "Tablet", "serial")
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["3"]), ("TABLET", ["3"])])
    assert inv.serial("TABLET", "3").status is SerialStatus.IN_STOCK


def test_lines_of_one_product_each_show_their_own_serials(inv: Inventory) -> None:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["L1", "L2", "L3"])])
    sale = inv.sell(location="Store", lines=[("PHONE", ["L1"]), ("PHONE", ["L3", "L2"])])
    assert [line["serials"] for line in sale.lines] == [["L1"], ["L3", "L2"]]
    assert [line["serials"] for line in inv.cancel(sale).lines] == [["L1"], ["L3", "L2"]]


def test_a_purchase_return_naming_its_receipt_takes_the_supplier_from_it(inv: Inventory) -> None:
    shop(inv)
    receipt = inv.receive(supplier="Globex", location="Store", lines=[("PHONE", ["G1"])])
    debit = inv.create_document(
        "purchase_return", [("PHONE", ["G1"])], location="Store", origin=receipt.number
    )
    assert debit.partner == "Globex"
    assert inv.serial("PHONE", "G1").holder == "Globex"
