"""Serial entry against the books: typed ranges, GTINs, generated codes, scans, uniqueness."""

from __future__ import annotations

import pytest
from test_concurrency import race

import serialtrack
from builders import shop, snapshot
from serialtrack import Conflict, Invalid, NotFound
from serialtrack.inventory import Inventory

GTIN = "09506000134352"  # a valid GTIN-14 (GS1's example)


def test_pasted_text_with_ranges_becomes_the_codes(inv: Inventory) -> None:
    shop(inv)
    receipt = inv.receive(
        supplier="Acme", location="Store", lines=[("PHONE", "SN-0008..SN-0011\nAF5-69H; X1")]
    )
    assert receipt.lines[0]["serials"] == [
        "SN-0008",
        "SN-0009",
        "SN-0010",
        "SN-0011",
        "AF5-69H",
        "X1",
    ]


def test_a_bad_range_is_named_and_nothing_is_written(inv: Inventory) -> None:
    shop(inv)
    before = snapshot(inv)
    with pytest.raises(Invalid) as refused:
        inv.receive(supplier="Acme", location="Store", lines=[("PHONE", "A1 B9..B2")])
    assert refused.value.problems[0].where.startswith("lines[0].serials")
    assert "B9..B2" in str(refused.value.problems)
    assert snapshot(inv) == before


def test_products_get_a_checked_normalized_gtin(inv: Inventory) -> None:
    product = inv.add_product("PH", "Phone", gtin="9506000134352")
    assert product.gtin == GTIN
    with pytest.raises(Invalid) as bad:
        inv.add_product("PH2", "Phone 2", gtin="9506000134353")
    assert bad.value.problems[0].where == "gtin"
    with pytest.raises(Conflict, match="belongs to PH"):
        inv.add_product("PH3", "Phone 3", gtin=GTIN)
    with pytest.raises(Invalid) as pattern:
        inv.add_product("PH4", "Phone 4", serial_pattern="{sku}-{serial}")
    assert pattern.value.problems[0].where == "serial_pattern"


def test_generation_continues_after_the_highest_code_in_use(inv: Inventory) -> None:
    shop(inv)
    inv.add_product("GEN", "Generated", serial_pattern="G{year}-{seq:04}")
    first = inv.generate_serials("GEN", 2)
    year = first[0][1:5]
    assert first == [f"G{year}-0001", f"G{year}-0002"]
    inv.receive(supplier="Acme", location="Store", lines=[("GEN", [f"g{year}-0041"])])  # by hand
    assert inv.generate_serials("GEN", 1) == [f"G{year}-0042"]
    assert inv.generate_serials("GEN", 1) == [f"G{year}-0043"]  # 42 was handed out, never again
    assert inv.generate_serials("PHONE", 1) == ["PHONE-000001"]  # the default pattern
    with pytest.raises(Invalid, match="not serial-tracked"):
        inv.generate_serials("CABLE", 1)


def test_concurrent_generation_never_repeats_a_code(db_url: str) -> None:
    with shop(serialtrack.open(db_url)):
        pass
    clerks = [serialtrack.open(db_url) for _ in range(3)]
    try:
        handed: list[str] = []
        for _ in range(8):
            results = race([lambda c=c: c.generate_serials("PHONE", 5) for c in clerks])
            assert not [r for r in results if isinstance(r, Exception)], results
            handed += [code for r in results for code in r]  # type: ignore[attr-defined]
        assert len(handed) == len(set(handed)) == 8 * 3 * 5
    finally:
        for clerk in clerks:
            clerk.close()


def test_uniqueness_is_per_product_unless_set_global(inv: Inventory) -> None:
    shop(inv)
    inv.add_product("TAB", "Tablet")
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["SHARED-1"])])
    inv.receive(supplier="Acme", location="Store", lines=[("TAB", ["SHARED-1"])])  # allowed
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["ONLY-P"])])
    before = snapshot(inv)
    with pytest.raises(Conflict) as shared:  # not while two products share a code
        inv.set_setting("serial_uniqueness", "global")
    assert [p.message for p in shared.value.problems] == ["shared-1 is used by several products"]
    assert snapshot(inv) == before
    assert inv.setting("serial_uniqueness") == "product"
    inv.correct_serial("TAB", "SHARED-1", "SHARED-T")
    inv.set_setting("serial_uniqueness", "global")
    before = snapshot(inv)
    with pytest.raises(Conflict) as refused:
        inv.receive(supplier="Acme", location="Warehouse", lines=[("TAB", ["X", "only-p "])])
    (problem,) = refused.value.problems
    assert problem.where == "lines[0].serials[1]"
    assert "only-p is already used by PHONE (in stock at Store)" in problem.message
    assert snapshot(inv) == before


def test_global_uniqueness_is_enforced_by_the_database_too(
    inv: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the service's check (as when two documents check at the same moment), the
    database's claim on each code still refuses a second product's SN-1."""
    from serialtrack.services import documents, serials

    shop(inv)
    inv.add_product("TAB", "Tablet")
    inv.set_setting("serial_uniqueness", "global")
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["SN-1"])])
    monkeypatch.setattr(serials, "global_uniqueness_problems", lambda tx, planned: [])
    monkeypatch.setattr(documents.serials, "global_uniqueness_problems", lambda tx, p: [])
    before = snapshot(inv)
    with pytest.raises(Conflict, match="taken by another document meanwhile"):
        inv.receive(supplier="Acme", location="Store", lines=[("TAB", ["NEW-9", "sn-1"])])
    assert snapshot(inv) == before
    monkeypatch.undo()
    inv.correct_serial("PHONE", "SN-1", "SN-2")  # the claim follows the code
    inv.receive(supplier="Acme", location="Store", lines=[("TAB", ["SN-1"])])
    with pytest.raises(Conflict, match="unique across all products"):
        inv.receive(supplier="Acme", location="Store", lines=[("TAB", ["SN-2"])])
    inv.set_setting("serial_uniqueness", "product")  # claims released
    inv.receive(supplier="Acme", location="Store", lines=[("TAB", ["SN-2"])])


def test_scans_resolve_to_product_and_unit(inv: Inventory) -> None:
    shop(inv)
    inv.add_product("PH", "Phone", gtin=GTIN)
    inv.receive(supplier="Acme", location="Store", lines=[("PH", ["ABC123"])])
    for text in (
        f"]C101{GTIN}21ABC123\x1d10LOT7",
        f"(01){GTIN}(21)ABC123",
        f"https://example.com/01/{GTIN}/21/ABC123",
        "ABC123",
    ):
        found = inv.scan(text)
        assert (found.sku, found.serial, found.status, found.location) == (
            "PH", "ABC123", "in_stock", "Store",
        ), text  # fmt: skip
    assert inv.scan(f"https://id.gs1.org/01/{GTIN}/21/NEW9").message.startswith("a new serial")
    assert "no serial" in inv.scan("PH").message
    with pytest.raises(NotFound, match="unknown GTIN 09506000134345"):
        inv.scan("(01)09506000134345(21)X")
    with pytest.raises(Invalid):
        inv.scan("(01)09506000134353(21)X")  # wrong check digit
    with pytest.raises(NotFound, match="no known product, GTIN or serial"):
        inv.scan("NOTHING-HERE")
    with pytest.raises(Invalid, match="not serial-tracked"):
        _scan_quantity_product(inv)


def _scan_quantity_product(inv: Inventory) -> None:
    inv.add_product("BOX", "Box", tracking="none", gtin="96385074")
    inv.scan("(01)00000096385074(21)S1")
