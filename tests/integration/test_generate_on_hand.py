"""Seed 004: serials generated for stock already on hand, when a quantity product switches to
serial tracking; then their labels. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

import serialtrack
from builders import snapshot
from serialtrack.domain.errors import Invalid
from serialtrack.inventory import Inventory
from templates import initialized


@pytest.fixture
def inv(db_url: str):  # type: ignore[no-untyped-def]
    with serialtrack.open(initialized(db_url)) as inventory:
        inventory.add_location("Store")
        inventory.add_location("Depot")
        inventory.add_partner("Acme", supplier=True)
        inventory.add_product("DRILL", "Drill", "none", serial_pattern="DR-{year}-{seq:04}")
        inventory.receive(supplier="Acme", location="Store", lines=[("DRILL", 3)])
        inventory.receive(supplier="Acme", location="Depot", lines=[("DRILL", 2)])
        yield inventory
        assert inventory.check() == []  # the whole ledger replays clean after each test


def test_every_unit_on_hand_gets_a_code_from_the_pattern(inv: Inventory) -> None:
    assignment = inv.switch_tracking("DRILL", "serial", generate=True)
    assert assignment is not None
    year = date.today().year
    codes = {line["quantity"]: line["serials"] for line in assignment.lines}
    assert codes == {
        2: [f"DR-{year}-0001", f"DR-{year}-0002"],  # Depot (stores in name order)
        3: [f"DR-{year}-0003", f"DR-{year}-0004", f"DR-{year}-0005"],  # Store
    }
    assert inv.product("DRILL").tracking.value == "serial"
    assert inv.serial("DRILL", f"DR-{year}-0004").location == "Store"
    assert inv.check() == []
    labels = inv.labels(assignment.number)  # the codes to stick on the units
    assert labels.count == 5
    # Generated next time continues after them.
    assert inv.generate_serials("DRILL", 1) == [f"DR-{year}-0006"]
    inv.cancel(assignment)  # undoes the switch and the serials, exactly
    assert inv.product("DRILL").tracking.value == "none"
    assert inv.check() == []


def test_generate_is_refused_where_it_means_nothing(inv: Inventory) -> None:
    before = snapshot(inv)
    with pytest.raises(Invalid, match="not both"):
        inv.switch_tracking("DRILL", "serial", generate=True, serials={"Store": ["A", "B", "C"]})
    with pytest.raises(Invalid, match="switches to serial"):
        inv.switch_tracking("DRILL", "batch", generate=True)
    inv.add_product("EMPTY", "Nothing on hand", "none")
    with pytest.raises(Invalid, match="EMPTY has nothing on hand"):
        inv.switch_tracking("EMPTY", "serial", generate=True)
    assert snapshot(inv) == before
