"""Batch codes generated from a product's pattern, on SQLite and PostgreSQL: a receipt or
opening balance whose batch code is left out (None, blank, "auto") gets the next one for the
document's date; the running number continues after the highest code in use with the same
prefix (whatever made it), restarts for a new prefix (a new ISO week), and is never handed out
twice, even to two receipts at once; asking for the next code does not take it; a product
without a pattern is refused with the line named and nothing written."""

from __future__ import annotations

from datetime import date, datetime

import pytest

import serialtrack
from builders import race
from serialtrack.domain.errors import Invalid, SerialtrackError
from serialtrack.domain.lots import pattern_problems, render
from serialtrack.inventory import Inventory

NOW = datetime(2026, 12, 3, 12, 0)  # a Thursday of ISO week 2026-W49
PATTERN = "{sku}-{yy}{ww}-{seq:03}"


@pytest.fixture
def at(inv: Inventory) -> Inventory:
    inv.add_location("Store")
    inv.add_partner("Acme", supplier=True)
    return Inventory(inv.store, clock=lambda: NOW)


def codes(inv: Inventory, sku: str) -> list[str]:
    return sorted(b["code"] for b in inv.batches(sku=sku))


def test_the_pattern_renders_with_the_documents_date() -> None:
    rendered = render("{sku}/{yyyy}{mm}{dd}-{seq:04}-X", "TEA", date(2027, 1, 4))
    assert rendered.code(12) == "TEA/20270104-0012-X"
    assert rendered.seq_of("tea/20270104-0099-x") == 99
    assert rendered.seq_of("TEA/20270104-00A9-X") is None
    assert render(PATTERN, "VAX", date(2026, 12, 3)).code(1) == "VAX-2649-001"
    assert render(PATTERN, "VAX", date(2027, 1, 1)).code(1) == "VAX-2753-001"  # ISO 2026-W53
    assert pattern_problems("{sku}-{seq:3x}") == [
        "{seq:3x}: a format is a digit count such as {seq:03}"
    ]


def test_left_out_codes_come_from_the_pattern(at: Inventory) -> None:
    at.add_product("VAX", "Vaccine", "batch", batch_pattern=PATTERN)
    assert at.next_batch_code("VAX", date(2026, 12, 3)) == "VAX-2649-001"
    assert at.next_batch_code("VAX") == "VAX-2649-001"  # asking twice takes nothing
    received = at.receive(supplier="Acme", location="Store", date=date(2026, 12, 3), lines=[
        {"sku": "VAX", "batches": [(None, 5), ("auto", 3)]},
    ])  # fmt: skip
    assert codes(at, "VAX") == ["VAX-2649-001", "VAX-2649-002"]
    assert received.lines[0]["quantity"] == 8
    assert at.next_batch_code("VAX") == "VAX-2649-003"
    at.opening_balance(location="Store", date=date(2026, 12, 2),
                       lines=[{"sku": "VAX",
                               "batches": [{"code": "", "quantity": 1}]}])  # fmt: skip
    assert "VAX-2649-003" in codes(at, "VAX")
    # A new week, a new prefix: its numbers start again.
    at.receive(supplier="Acme", location="Store", date=date(2026, 11, 23),
               lines=[{"sku": "VAX", "batches": [("AUTO", 2)]}])  # fmt: skip
    assert "VAX-2648-001" in codes(at, "VAX")
    assert at.next_batch_code("VAX", date(2026, 12, 3)) == "VAX-2649-004"


def test_numbers_continue_after_the_highest_code_in_use(at: Inventory) -> None:
    at.add_product("VAX", "Vaccine", "batch")
    at.receive(supplier="Acme", location="Store", date=date(2026, 12, 1), lines=[
        {"sku": "VAX", "batches": [("VAX-2649-007", 1), ("VAX-2649-00B", 1), ("LOT-99", 1)]},
    ])  # fmt: skip
    at.update_product("VAX", batch_pattern=PATTERN)
    assert at.next_batch_code("VAX") == "VAX-2649-008"
    at.receive(supplier="Acme", location="Store", date=date(2026, 12, 3),
               lines=[{"sku": "VAX", "batches": [(None, 1)]}])  # fmt: skip
    assert "VAX-2649-008" in codes(at, "VAX")
    # A code typed by hand above the counter moves it on.
    at.receive(supplier="Acme", location="Store", date=date(2026, 12, 3),
               lines=[{"sku": "VAX", "batches": [("vax-2649-020", 1)]}])  # fmt: skip
    at.receive(supplier="Acme", location="Store", date=date(2026, 12, 3),
               lines=[{"sku": "VAX", "batches": [("auto", 1)]}])  # fmt: skip
    assert "VAX-2649-021" in codes(at, "VAX")


def test_a_missing_code_without_a_pattern_is_refused(at: Inventory) -> None:
    at.add_product("TEA", "Tea", "batch")
    with pytest.raises(Invalid) as refused:
        at.receive(supplier="Acme", location="Store",
                   lines=[{"sku": "TEA", "batches": [(None, 5)]}])  # fmt: skip
    found = {p.where: p.message for p in refused.value.problems}
    assert found == {
        "lines[0].batches[0].code":
            "line 1: batch code missing; give one or set the product's batch pattern",
    }  # fmt: skip
    assert at.documents(kind="receipt") == []
    assert codes(at, "TEA") == []
    with pytest.raises(SerialtrackError, match="TEA has no batch pattern"):
        at.next_batch_code("TEA")


def test_a_refused_receipt_takes_no_number(at: Inventory) -> None:
    at.add_product("VAX", "Vaccine", "batch", batch_pattern=PATTERN)
    with pytest.raises(SerialtrackError):
        at.receive(supplier="Nobody", location="Store", date=date(2026, 12, 3),
                   lines=[{"sku": "VAX", "batches": [(None, 5)]}])  # fmt: skip
    assert at.next_batch_code("VAX") == "VAX-2649-001"


def test_two_receipts_at_once_never_get_the_same_code(db_url: str, at: Inventory) -> None:
    at.add_product("VAX", "Vaccine", "batch", batch_pattern=PATTERN)
    clerks = [serialtrack.open(db_url), serialtrack.open(db_url)]
    try:
        for _ in range(4):
            results = race([
                lambda c=clerk: c.receive(supplier="Acme", location="Store",
                                          date=date(2026, 12, 3),
                                          lines=[{"sku": "VAX", "batches": [(None, 1)]}])
                for clerk in clerks
            ])  # fmt: skip
            assert not [r for r in results if isinstance(r, Exception)], results
        assert codes(at, "VAX") == [f"VAX-2649-{n:03d}" for n in range(1, 9)]
    finally:
        for clerk in clerks:
            clerk.close()


def test_a_serial_and_batch_line_gets_its_batch_from_the_pattern(at: Inventory) -> None:
    at.add_product("PEN", "Insulin pen", "serial+batch", batch_pattern="{sku}{yyyy}{mm}-{seq}",
                   shelf_life_days=10)  # fmt: skip
    at.receive(supplier="Acme", location="Store", date=date(2026, 12, 3),
               lines=[{"sku": "PEN", "serials": ["S1", "S2"]}])  # fmt: skip
    unit = at.serial("PEN", "S1")
    assert (unit.batch, unit.expiry) == ("PEN202612-1", date(2026, 12, 13))
    at.receive(supplier="Acme", location="Store", date=date(2026, 12, 3),
               lines=[{"sku": "PEN", "serials": ["S3"], "batch": "auto"}])  # fmt: skip
    assert at.serial("PEN", "S3").batch == "PEN202612-2"
