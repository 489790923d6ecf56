"""Issue 13's counter in a real browser: a whole sale with the keyboard only (no mouse click
after the page opens), as a clerk with a scanner does it: a scanner types the code and Enter."""

from __future__ import annotations

import re
from typing import Any

import pytest

import serialtrack
from browser.accounts import expect_text, log_in, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def cameras(shop_url: str) -> None:
    """CAM-1 (a year of customer warranty) C-1..C-5 in stock at Main store."""
    with serialtrack.open(shop_url) as inv:
        inv.add_product("CAM-1", "Camera One", "serial", customer_warranty_days=365)
        inv.receive(supplier="Acme Distribution", location="Main store",
                    lines=[("CAM-1", [f"C-{n}" for n in range(1, 6)])])  # fmt: skip


def scan(page: Any, code: str) -> None:
    """What a scanner does: the code and Enter, into whatever has the focus."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_a_whole_sale_with_the_keyboard_only(page: Any, cameras: None, shop_url: str) -> None:
    from playwright.sync_api import expect

    log_in(page, "kim")
    page.goto("/counter")
    expect(page.locator("#quick-scan")).to_be_focused()
    choose_the_store(page)
    scan_two_and_one_twice(page)
    pick_a_unit_by_the_product_code(page)
    page.keyboard.press("Alt+Backspace")  # remove the last line (C-4)
    expect(page.locator(LINES)).to_have_count(2)
    expect(page.locator("#line-2")).to_have_count(0)
    expect(page.locator("#quick-scan")).to_be_focused()
    number = post_with_the_keys(page)
    new_sale_and_open_again(page)
    with serialtrack.open(shop_url) as inv:
        sale = inv.document(number)
        assert sale.partner is None  # a walk-in sale
        assert sorted(s for line in sale.lines for s in line["serials"]) == ["C-1", "C-2"]
        assert inv.serial("CAM-1", "C-4").status.value == "in_stock"
        assert inv.serial("CAM-1", "C-3").status.value == "in_stock"


LINES = "#lines [data-item]"


def choose_the_store(page: Any) -> None:
    """Chosen once (Tab from the scan box, then back): remembered after the sale."""
    from playwright.sync_api import expect

    page.keyboard.press("Tab")
    expect(page.locator("#location")).to_be_focused()
    page.keyboard.press("ArrowDown")  # "— choose —" → Main store
    expect(page.locator("#location")).to_have_value("Main store")
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#quick-scan")).to_be_focused()


def scan_two_and_one_twice(page: Any) -> None:
    from playwright.sync_api import expect

    box, lines = page.locator("#quick-scan"), page.locator(LINES)
    scan(page, "C-1")
    expect(lines).to_have_count(1)
    expect_text(page, "#line-0", "Camera One")
    expect_text(page, "#line-0", "warranty until")
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    scan(page, "C-2")
    expect(lines).to_have_count(2)
    scan(page, "C-1")  # twice: a message, nothing added
    expect_text(page, "#scan-message", "C-1 is already on line 1")
    expect(lines).to_have_count(2)
    expect(box).to_be_focused()


def pick_a_unit_by_the_product_code(page: Any) -> None:
    """The product's code asks which unit; its serial and Enter picks it."""
    from playwright.sync_api import expect

    box, search = page.locator("#quick-scan"), page.locator("#counter-pick")
    scan(page, "CAM-1")
    expect(search).to_be_focused()
    expect_text(page, "#counter-picklist", "C-5")
    scan(page, "C-1")  # on a line already: said in the picker, which stays open
    expect_text(page, "#counter-pick-hint", "C-1 is chosen already")
    expect(search).to_be_focused()
    page.keyboard.press("Escape")  # closes the picker: back to the scan box
    expect(search).to_have_count(0)
    expect(box).to_be_focused()
    scan(page, "CAM-1")
    expect(search).to_be_focused()
    page.keyboard.type("C-")  # the units offered narrow as the serial is typed
    expect_text(page, "#counter-picklist", "C-3")
    shot(page, "counter-picker")
    page.keyboard.press("Control+a")
    scan(page, "C-4")
    expect(page.locator(LINES)).to_have_count(3)
    expect_text(page, "#line-2", "C-4")
    expect(search).to_have_count(0)  # the picker closed
    expect(box).to_be_focused()
    shot(page, "counter")


def post_with_the_keys(page: Any) -> str:
    """Ctrl+Enter sells: the number, "Print slip", and a fresh sale at the same store."""
    from playwright.sync_api import expect

    page.keyboard.press("Control+Enter")
    expect(page.locator("#sold-number")).to_be_visible()
    print_slip = page.locator("#print-slip")
    expect(print_slip).to_have_attribute("href", re.compile(r"^/documents/\d+/pdf$"))
    expect(print_slip).to_have_attribute("target", "_blank")
    expect(page.locator("#sold-link")).to_have_attribute("href", re.compile(r"^/documents/\d+$"))
    expect(page.locator("#location")).to_have_value("Main store")  # remembered
    expect(page.locator("#partner")).to_have_value("")  # walk-in
    expect(page.locator(LINES)).to_have_count(0)  # a fresh sale
    expect(page.locator("#quick-scan")).to_be_focused()
    shot(page, "counter-sold")
    return page.locator("#sold-number").inner_text()


def new_sale_and_open_again(page: Any) -> None:
    from playwright.sync_api import expect

    scan(page, "C-3")
    expect(page.locator(LINES)).to_have_count(1)
    page.keyboard.press("Alt+n")  # a new sale: what was scanned is gone
    expect(page.locator(LINES)).to_have_count(0)
    expect(page.locator("#quick-scan")).to_be_focused()
    page.goto("/counter")  # opened again: the store is still remembered
    expect(page.locator("#location")).to_have_value("Main store")
    expect(page.locator("#quick-scan")).to_be_focused()
