"""Issue 16 (seed 002): a serial's note, an internal reference or a remark: set, changed and
cleared by anyone who posts documents, audited like any other edit, kept apart from the ledger."""

from __future__ import annotations

import pytest

from serialtrack import Inventory
from serialtrack.domain.errors import Forbidden, Invalid, NotFound


@pytest.fixture
def shop(inv: Inventory) -> Inventory:
    inv.add_location("Store")
    inv.add_partner("Acme", supplier=True)
    inv.add_product("PHONE", "Phone")
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["P1", "P2"])])
    inv.add_user("kim", "clerk", "clerk-pass-1")
    inv.add_user("vic", "viewer", "viewer-pass-1")
    return inv


def test_a_note_is_set_changed_cleared_and_audited(shop: Inventory) -> None:
    kim = Inventory(shop.store, user="kim")
    noted = kim.set_serial_note("PHONE", "p1", "  ref WO-77\nscratched case ")
    assert noted.note == "ref WO-77\nscratched case"
    assert shop.serial("PHONE", "P1").note == "ref WO-77\nscratched case"
    assert shop.serial("PHONE", "P2").note is None
    kim.set_serial_note("PHONE", "P1", "ref WO-78")
    assert kim.set_serial_note("PHONE", "P1", "").note is None
    trail = shop.audit(entity="serial")
    assert [(r["user"], r["action"], r["name"]) for r in trail] == [("kim", "note", "PHONE P1")] * 3
    assert trail[0]["summary"] == "note: ref WO-78 → (none)"
    assert trail[1]["summary"] == "note: ref WO-77\nscratched case → ref WO-78"
    kim.set_serial_note("PHONE", "P1", None)  # no change: nothing audited
    assert len(shop.audit(entity="serial")) == 3


def test_a_note_follows_a_corrected_code(shop: Inventory) -> None:
    shop.set_serial_note("PHONE", "P2", "boxed")
    shop.correct_serial("PHONE", "P2", "P20", reason="typo")
    assert shop.serial("PHONE", "P20").note == "boxed"
    assert shop.set_serial_note("PHONE", "P2", "still boxed").code == "P20"  # its earlier code


def test_a_note_is_refused_when_it_cannot_be(shop: Inventory) -> None:
    viewer = Inventory(shop.store, user="vic")
    with pytest.raises(Forbidden):
        viewer.set_serial_note("PHONE", "P1", "mine")
    with pytest.raises(NotFound):
        shop.set_serial_note("PHONE", "NOPE", "x")
    with pytest.raises(Invalid) as refused:
        shop.set_serial_note("PHONE", "P1", "x" * 2001)
    assert [p.where for p in refused.value.problems] == ["note"]
    with pytest.raises(Invalid):
        shop.set_serial_note("PHONE", "P1", "bad\x00note")
    assert shop.serial("PHONE", "P1").note is None


def test_a_note_is_in_the_report_and_both_exports_formula_safe(shop: Inventory) -> None:
    from serialtrack import REPORT_COLUMNS
    from serialtrack.adapters.exports import csv_chunks

    shop.set_serial_note("PHONE", "P1", "=HYPERLINK(evil)")
    rows = {r[2]: dict(zip(REPORT_COLUMNS, r, strict=True)) for r in shop.report()}
    assert rows["P1"]["note"] == "=HYPERLINK(evil)"
    assert rows["P2"]["note"] is None
    for name in ("serials", "serial-list"):
        table = shop.report_table(name)
        keys = [c.key for c in table.columns]
        noted = [dict(zip(keys, r, strict=True)) for r in table.rows]
        assert {r["serial"]: r["note"] for r in noted} == {"P1": "=HYPERLINK(evil)", "P2": None}
    text = "".join(csv_chunks(shop.report_table("serials")))
    assert "'=HYPERLINK(evil)" in text
    assert ",=HYPERLINK" not in text
