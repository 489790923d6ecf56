"""Bulk serial files against the books: checked whole, then posted whole or not at all."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from builders import shop, snapshot
from serialtrack import Forbidden, Invalid
from serialtrack.inventory import Inventory

HEADER = "sku,product name,location,serial,expiry,quantity\n"


def csv_file(rows: list[str], header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode()


def test_one_bad_row_in_ten_thousand_writes_nothing_and_is_named(inv: Inventory) -> None:
    shop(inv)
    rows = [f"PHONE,Phone,Store,IMP-{n:05d},," for n in range(10_000)]
    rows[5001] = "PHNOE,Phone,Store,IMP-05001,,"  # a typo in the SKU on spreadsheet row 5003
    before = snapshot(inv)
    with pytest.raises(Invalid) as refused:
        inv.import_serials(csv_file(rows), "big.csv")
    assert [(p.where, p.message) for p in refused.value.problems] == [
        ("row 5003, sku", "no product with SKU 'PHNOE'")
    ]
    assert snapshot(inv) == before


def test_every_kind_of_bad_row_is_reported_by_row(inv: Inventory) -> None:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["OLD-1"])])
    rows = [
        "PHONE,,Store,NEW-1,2027-01-31,",
        "PHONE,,Mars,NEW-2,,",  # unknown location
        "CABLE,,Store,NEW-3,,",  # quantity-only: no serial, and a quantity is missing
        "PHONE,,Store,old-1,,",  # taken
        "PHONE,,Store,NEW-5,31/12/27x,",  # bad date
        "PHONE,,Store,NEW-1,,",  # duplicate in file
        "PHONE,,Store,NEW-7,,3",  # wrong quantity
    ]
    before = snapshot(inv)
    with pytest.raises(Invalid) as refused:
        inv.import_serials(csv_file(rows), "bad.csv")
    found = {p.where: p.message for p in refused.value.problems}
    assert sorted(found) == [
        "row 3, location", "row 4, quantity", "row 4, serial", "row 5, serial", "row 6, expiry",
        "row 7, serial", "row 8, quantity",
    ]  # fmt: skip
    assert found["row 4, serial"] == "CABLE is quantity-only: it has no serial codes"
    assert "already known: in stock at Store" in found["row 5, serial"]
    assert "repeats row 2" in found["row 7, serial"]
    assert snapshot(inv) == before


def test_a_good_file_becomes_one_document_per_location(inv: Inventory) -> None:
    shop(inv)
    rows = ["PHONE,,Store,G-1,2027-03-01,", "PHONE,,Warehouse,G-2,,", "PHONE,,,G-3,,1"]
    checked = inv.import_serials(csv_file(rows), "ok.csv", location="Store", check_only=True)
    assert (checked.rows, checked.documents) == (3, [])
    assert inv.serials(sku="PHONE") == []
    result = inv.import_serials(csv_file(rows), "ok.csv", location="Store")
    kinds = {inv.document(d).kind.value for d in result.documents}
    assert kinds == {"opening_balance"}
    assert len(result.documents) == 2
    assert inv.serial("PHONE", "G-1").expiry == date(2027, 3, 1)
    assert inv.serial("PHONE", "G-3").location == "Store"
    assert inv.serial("PHONE", "G-2").location == "Warehouse"


def test_with_a_supplier_the_file_is_a_receipt(inv: Inventory) -> None:
    shop(inv)
    result = inv.import_serials(
        csv_file(["PHONE,,,R-1,,", "PHONE,,,R-2,,"]), "r.csv", location="Store",
        supplier="Acme", reference="ACME-9", number="RC-IMPORT-1",
    )  # fmt: skip
    (document_id,) = result.documents
    receipt = inv.document(document_id)
    assert (receipt.kind.value, receipt.number, receipt.partner) == (
        "receipt", "RC-IMPORT-1", "Acme",
    )  # fmt: skip
    assert [row["supplier"] for row in inv.serials(sku="PHONE")] == ["Acme", "Acme"]


def test_spreadsheet_files_as_they_come(inv: Inventory) -> None:
    shop(inv)
    latin = (
        "SKU;Product Name;Location;Serial Number;Expiry Date\n"
        "PHONE;Téléphone;Store;L-1;31.12.2027\n"
    )
    inv.import_serials(latin.encode("cp1252"), "latin.csv")
    assert inv.serial("PHONE", "L-1").expiry == date(2027, 12, 31)

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["sku", "location", "serial", "expiry"])
    sheet.append(["PHONE", "Store", 12345, date(2028, 1, 2)])
    sheet.append(["PHONE", "Warehouse", "X-2", None])
    buffer = io.BytesIO()
    book.save(buffer)
    book.close()
    result = inv.import_serials(buffer.getvalue(), "units.xlsx")
    assert len(result.documents) == 2
    assert inv.serial("PHONE", "12345").expiry == date(2028, 1, 2)


def test_import_is_for_managers(inv: Inventory) -> None:
    shop(inv)
    inv.add_user("carl", "clerk")
    with pytest.raises(Forbidden):
        inv.as_user("carl").import_serials(csv_file(["PHONE,,Store,C-1,,"]), "c.csv")
