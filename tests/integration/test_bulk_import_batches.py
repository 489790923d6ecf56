"""Bulk files of batch, serial+batch and quantity-only products against the books.

Each tracking mode asks its own of a row (a batch code and a quantity; a serial and a batch; a
quantity); a row that gives something else is refused naming its row and column, and any
refusal writes nothing. Rows of one batch add up; one batch has one expiry date, in the file
and in the books. Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from builders import shop, snapshot
from serialtrack import Invalid
from serialtrack.adapters.imports import template_csv, template_xlsx
from serialtrack.inventory import Inventory

HEADER = "sku,product name,location,serial,batch,expiry,quantity\n"
JUNE = date(2027, 6, 30)
JULY = date(2027, 7, 31)


def csv_file(rows: list[str], header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode()


def lots(inv: Inventory, sku: str) -> dict[tuple[str, str], tuple[int, date | None]]:
    return {(b["code"], b["location"]): (b["quantity"], b["expiry"]) for b in inv.batches(sku=sku)}


def refusals(inv: Inventory, rows: list[str], **target: Any) -> dict[str, str]:
    """The problems of a refused file, by where; checks that nothing was written."""
    before = snapshot(inv)
    with pytest.raises(Invalid) as refused:
        inv.import_serials(csv_file(rows), "bad.csv", **target)
    assert snapshot(inv) == before
    return {p.where: p.message for p in refused.value.problems}


@pytest.fixture
def stocked(inv: Inventory) -> Inventory:
    shop(inv)  # PHONE is serial-tracked, CABLE quantity-only
    inv.add_product("PILLS", "Pills", "batch")
    inv.add_product("DROPS", "Drops", "batch", expiry_required=True)
    return inv


def test_rows_of_one_batch_add_up_and_batches_go_where_the_rows_say(stocked: Inventory) -> None:
    inv = stocked
    rows = [
        "PILLS,Pills,Store,,LOT-1,2027-06-30,10",
        "PILLS,,Store,,LOT-2,,5",
        "PILLS,,Store,,lot-1,,15",  # the same batch (codes ignore case): 25 in all
        "PILLS,,Warehouse,,LOT-1,30.06.2027,7",
        "CABLE,,Store,,,,20",
        "CABLE,,Warehouse,,,,3",
        "CABLE,,Store,,,,5",
    ]
    checked = inv.import_serials(csv_file(rows), "lots.csv", check_only=True)
    assert (checked.rows, checked.serials, checked.units, checked.documents) == (7, 0, 65, [])
    assert lots(inv, "PILLS") == {}

    result = inv.import_serials(csv_file(rows), "lots.csv")

    assert lots(inv, "PILLS") == {
        ("LOT-1", "Store"): (25, JUNE), ("LOT-2", "Store"): (5, None),
        ("LOT-1", "Warehouse"): (7, JUNE),
    }  # fmt: skip
    stock = {(r["sku"], r["location"]): r["quantity"] for r in inv.stock(sku="CABLE")}
    assert stock == {("CABLE", "Store"): 25, ("CABLE", "Warehouse"): 3}
    documents = [inv.document(d) for d in result.documents]
    assert {d.kind.value for d in documents} == {"opening_balance"}
    store = next(d for d in documents if d.to_location == "Store")
    by_sku = {line["sku"]: line for line in store.lines}
    assert by_sku["PILLS"]["quantity"] == 30
    assert sorted((b["code"], b["quantity"]) for b in by_sku["PILLS"]["batches"]) == [
        ("LOT-1", 25), ("LOT-2", 5),
    ]  # fmt: skip
    assert by_sku["CABLE"]["quantity"] == 25


def test_with_a_supplier_batches_and_quantities_are_received(stocked: Inventory) -> None:
    inv = stocked
    rows = ["PILLS,,,,LOT-9,2027-07-31,12", "CABLE,,,,,,4", "PHONE,,,SN-1,,,"]
    result = inv.import_serials(csv_file(rows), "r.csv", location="Store", supplier="Acme")
    (document,) = [inv.document(d) for d in result.documents]
    assert document.kind.value == "receipt"
    assert (result.serials, result.units) == (1, 17)
    assert lots(inv, "PILLS") == {("LOT-9", "Store"): (12, JULY)}
    assert inv.serial("PHONE", "SN-1").location == "Store"


def test_a_known_batch_with_another_expiry_is_refused_naming_the_row(stocked: Inventory) -> None:
    inv = stocked
    inv.receive(supplier="Acme", location="Store", lines=[
        {"sku": "PILLS", "batches": [{"code": "LOT-1", "quantity": 4, "expiry": JUNE}]},
    ])  # fmt: skip
    rows = [
        "PILLS,,Store,,LOT-1,,6",  # no date: the batch's own
        "PILLS,,Warehouse,,LOT-1,2027-07-31,1",  # another date than the books'
    ]
    found = refusals(inv, rows)
    assert found == {
        "row 3, expiry": "PILLS batch LOT-1 expires on 2027-06-30, not 2027-07-31",
    }
    inv.import_serials(csv_file(rows[:1]), "ok.csv")
    assert lots(inv, "PILLS") == {("LOT-1", "Store"): (10, JUNE)}


def test_rows_of_one_batch_giving_two_dates_are_refused(stocked: Inventory) -> None:
    found = refusals(stocked, [
        "PILLS,,Store,,LOT-1,2027-06-30,1",
        "PILLS,,Store,,LOT-1,,1",
        "PILLS,,Warehouse,,LOT-1,2027-07-31,1",
    ])  # fmt: skip
    assert found == {
        "row 4, expiry": "PILLS batch LOT-1 expires on 2027-06-30 (row 2), not 2027-07-31: "
        "one batch has one expiry date"
    }


def test_what_each_tracking_mode_needs_is_named_by_row_and_column(stocked: Inventory) -> None:
    found = refusals(stocked, [
        "PILLS,,Store,,,,5",  # row 2: no batch code
        "PILLS,,Store,,LOT-1,,",  # row 3: no quantity
        "PILLS,,Store,LOT-1,,,5",  # row 4: the code in the serial column
        "CABLE,,Store,,LOT-1,2027-01-01,2",  # row 5: a batch and a date for a quantity
        "CABLE,,Store,,,,",  # row 6: nothing at all (the reader says so)
        "PHONE,,Store,SN-1,LOT-1,,",  # row 7: a batch for a serial product
        "DROPS,,Store,,NEW-LOT,,5",  # row 8: a new batch without the date it needs
        "PHONE,,Store,,,,1",  # row 9: a serial product without its serial
    ])  # fmt: skip
    assert found == {
        "row 2, batch": "PILLS is batch-tracked: the batch code is missing",
        "row 3, quantity": "PILLS is batch-tracked: how many units of the batch?",
        "row 4, serial": "PILLS is batch-tracked: its units have no serials; write the batch "
        "code in the batch column",
        "row 5, batch": "CABLE is quantity-only: it has no batch codes",
        "row 5, expiry": "CABLE is quantity-only: it has no expiry dates",
        "row 6, serial": "the serial is missing",
        "row 7, batch": "PHONE is serial-tracked, without batches: leave it empty",
        "row 8, expiry": "DROPS batch NEW-LOT: an expiry date is required",
        "row 9, serial": "PHONE is serial-tracked: one row per unit, with its serial",
    }


def test_quantities_adding_up_past_the_limit_name_the_row_that_goes_over(
    stocked: Inventory,
) -> None:
    found = refusals(stocked, ["CABLE,,Store,,,,9000000", "CABLE,,Store,,,,2000000"])
    assert found == {
        "row 3, quantity": "the rows of CABLE add up to more than 10,000,000 units at one location"
    }


@pytest.fixture
def pens(stocked: Inventory) -> Inventory:
    stocked.add_product("PEN", "Insulin pen", "serial+batch", expiry_required=True)
    return stocked


def test_serial_and_batch_rows_become_one_line_per_batch(pens: Inventory) -> None:
    inv = pens
    rows = [
        "PEN,,Store,PEN-1,L1,2027-06-30,",
        "PEN,,Store,PEN-2,L2,2027-07-31,1",
        "PEN,,Store,PEN-3,L1,,",  # the batch's date from row 2
        "PEN,,Warehouse,PEN-4,L1,2027-06-30,",
    ]
    result = inv.import_serials(csv_file(rows), "pens.csv", supplier="Acme")
    assert (result.serials, result.units) == (4, 4)
    documents = {inv.document(d).to_location: inv.document(d) for d in result.documents}
    store = sorted(tuple(x["serials"]) for x in documents["Store"].lines)
    assert store == [("PEN-1", "PEN-3"), ("PEN-2",)]  # one line per batch
    assert [x["serials"] for x in documents["Warehouse"].lines] == [["PEN-4"]]
    l1, l2 = inv.batch("PEN", "L1"), inv.batch("PEN", "L2")
    assert (l1.expiry, l2.expiry) == (JUNE, JULY)
    assert sorted((code, place) for code, _, place in l1.units) == [
        ("PEN-1", "Store"), ("PEN-3", "Store"), ("PEN-4", "Warehouse"),
    ]  # fmt: skip
    assert [code for code, _, _ in l2.units] == ["PEN-2"]
    expiries = {code: inv.serial("PEN", code).expiry for code in ("PEN-1", "PEN-2", "PEN-3")}
    assert expiries == {"PEN-1": JUNE, "PEN-2": JULY, "PEN-3": JUNE}


def test_serial_and_batch_rows_are_refused_by_row(pens: Inventory) -> None:
    inv = pens
    inv.import_serials(csv_file(["PEN,,Store,OLD-1,L1,2027-06-30,"]), "first.csv")
    found = refusals(inv, [
        "PEN,,Store,PEN-1,,2027-06-30,",  # row 2: no batch
        "PEN,,Store,,L1,,",  # row 3: no serial
        "PEN,,Store,old-1,L1,,",  # row 4: a serial already in stock
        "PEN,,Store,PEN-5,L1,2027-07-31,",  # row 5: the books' L1 expires on 30 June
        "PEN,,Store,PEN-6,L9,,",  # row 6: a new batch without its date
        "PEN,,Store,PEN-7,L1,,2",  # row 7: more than one unit
    ])  # fmt: skip
    assert (
        found["row 2, batch"] == "PEN is tracked by serial and batch: give each unit's batch code"
    )
    assert found["row 3, serial"] == (
        "PEN is tracked by serial and batch: one row per unit, with its serial"
    )
    assert "already known: in stock at Store" in found["row 4, serial"]
    assert found["row 5, expiry"] == "PEN batch L1 expires on 2027-06-30, not 2027-07-31"
    assert found["row 6, expiry"] == "PEN batch L9: an expiry date is required"
    assert found["row 7, quantity"] == "a serial is one unit; quantity 2 is for batch codes"
    assert len(found) == 6


@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
def test_the_template_imports_as_it_is(inv: Inventory, xlsx: bool) -> None:
    """Its four examples, one per tracking mode, go in once their products exist."""
    inv.add_location("Main store")
    inv.add_product("PHONE-X1", "Phone X1 128 GB", "serial")
    inv.add_product("PARA-500", "Paracetamol 500 mg", "batch")
    inv.add_product("PEN-30", "Insulin pen", "serial+batch")
    inv.add_product("CABLE-1M", "USB cable 1 m", "none")
    data = template_xlsx() if xlsx else template_csv()
    result = inv.import_serials(data, "template.xlsx" if xlsx else "template.csv")
    assert (result.rows, result.serials, result.units) == (4, 2, 127)
    assert lots(inv, "PARA-500") == {("LOT-2024-07", "Main store"): (100, date(2026, 12, 31))}
    assert inv.serial("PEN-30", "PEN-000001").expiry == date(2027, 6, 30)
