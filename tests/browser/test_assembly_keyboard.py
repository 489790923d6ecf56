"""Bundle units assembled ahead in a real browser with the keyboard only: the store chosen with
the arrow keys, a unit's serial typed, its parts scanned (each a code and Enter), Enter on an
empty line goes on, "Add a unit" opens the next row with the focus in it, and the second unit's
serial is left blank (generated). Saves build/screenshots/assembly.png."""

from __future__ import annotations

import re
from typing import Any

import pytest

import serialtrack
from browser.accounts import expect_text, log_in, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def kit(shop_url: str) -> None:
    """KIT "Phone starter kit", serial-tracked: a phone (P-1..P-3), two chargers
    (quantity-only), a case (C-1..C-3), all at Main store."""
    with serialtrack.open(shop_url) as inv:
        inv.add_product("PHN", "Phone 5G", "serial")
        inv.add_product("CHG", "Charger 20W", "none")
        inv.add_product("CASE", "Phone case", "serial")
        inv.add_product("KIT", "Phone starter kit", "serial")
        lines = [("PHN", ["P-1", "P-2", "P-3"]), ("CHG", 10), ("CASE", ["C-1", "C-2", "C-3"])]
        inv.receive(supplier="Acme Distribution", location="Main store", lines=lines)
        inv.set_components("KIT", [("PHN", 1), ("CHG", 2), ("CASE", 1)])


def scan(page: Any, code: str) -> None:
    """What a scanner does: the code and Enter, into whatever has the focus."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_two_units_assembled_with_the_keyboard_only(page: Any, kit: None, shop_url: str) -> None:
    from playwright.sync_api import expect

    log_in(page, "kim")
    page.goto("/product?sku=KIT")
    expect(page.locator("#assemble-units")).to_be_visible()
    page.goto("/assemblies/new?sku=KIT")
    expect(page.locator("#location")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#location")).to_have_value("Main store")
    page.keyboard.press("Tab")
    expect(page.locator("#note")).to_be_focused()
    page.keyboard.press("Enter")  # never submits: on to the first unit
    expect(page.locator("#units-0-serial")).to_be_focused()
    scan(page, "KIT-A1")
    expect(page.locator("#units-0-parts")).to_be_focused()
    scan(page, "P-1")
    scan(page, "C-1")
    page.keyboard.press("Enter")  # an empty line: on to "Add a unit"
    expect(page.locator("#add-unit")).to_be_focused()
    expect(page.locator("#units-0-parts")).to_have_value("P-1\nC-1")
    page.keyboard.press("Enter")
    expect(page.locator("#units-1-serial")).to_be_focused()
    expect(page.locator("#units-0-serial")).to_have_value("KIT-A1")
    expect(page.locator("#location")).to_have_value("Main store")
    page.keyboard.press("Enter")  # no serial: the next code of the pattern
    expect(page.locator("#units-1-parts")).to_be_focused()
    scan(page, "P-2")
    scan(page, "C-2")
    page.keyboard.press("Enter")
    expect(page.locator("#add-unit")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#assemble")).to_be_focused()
    shot(page, "assembly")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/documents/\d+$"))
    expect_text(page, "h1", "AS-000001")
    with serialtrack.open(shop_url) as inv:
        made = inv.document("AS-000001")
        assert [x["serials"] for x in made.lines if x["sku"] == "KIT"] == [
            ["KIT-A1"],
            ["KIT-000001"],
        ]
        assert inv.serial("KIT", "KIT-A1").contents == ("PHN P-1", "CHG x 2", "CASE C-1")
        assert inv.serial("CASE", "C-2").inside == "KIT KIT-000001"
        assert inv.check() == []
