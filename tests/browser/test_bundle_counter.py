"""A bundle sold at the counter in a real browser with the keyboard only: the bundle's SKU opens
its panel, each part's serial is scanned into it, the last one adds the bundle's line, and
Ctrl+Enter sells. Saves build/screenshots/counter-bundle.png and bundle-sale.png."""

from __future__ import annotations

from typing import Any

import pytest

import serialtrack
from browser.accounts import expect_text, log_in, shot

pytestmark = pytest.mark.browser

PANEL, BOX, LINES = "#counter-picker", "#counter-bundle-scan", "#lines [data-item]"

TIMES = "\N{MULTIPLICATION SIGN}"


@pytest.fixture
def kit(shop_url: str) -> None:
    """KIT "Phone starter kit": a phone (P-1..P-3), two chargers (quantity-only), a case
    (C-1, C-2), all at Main store."""
    with serialtrack.open(shop_url) as inv:
        inv.add_product("PHN", "Phone 5G", "serial", customer_warranty_days=365)
        inv.add_product("CHG", "Charger 20W", "none")
        inv.add_product("CASE", "Phone case", "serial")
        inv.add_product("KIT", "Phone starter kit", "none")
        lines = [("PHN", ["P-1", "P-2", "P-3"]), ("CHG", 10), ("CASE", ["C-1", "C-2"])]
        inv.receive(supplier="Acme Distribution", location="Main store", lines=lines)
        inv.set_components("KIT", [("PHN", 1), ("CHG", 2), ("CASE", 1)])


def scan(page: Any, code: str) -> None:
    """What a scanner does: the code and Enter, into whatever has the focus."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_a_bundle_sold_at_the_counter_with_the_keyboard_only(
    page: Any, kit: None, shop_url: str
) -> None:
    log_in(page, "kim")
    page.goto("/counter")
    choose_the_store(page)
    open_and_cancel(page)
    scan_the_parts(page)
    number = sell_and_open(page)
    with serialtrack.open(shop_url) as inv:
        sale = inv.document(number)
        assert [(b["sku"], b["quantity"]) for b in sale.bundles] == [("KIT", 1)]
        assert {(x["sku"], tuple(x["serials"]), x["quantity"]) for x in sale.lines} == {
            ("PHN", ("P-2",), 1), ("CHG", (), 2), ("CASE", ("C-1",), 1)
        }  # fmt: skip
        assert inv.serial("PHN", "P-2").status.value == "sold"
        assert inv.serial("CASE", "C-1").status.value == "sold"
        assert inv.bundle_stock("KIT", "Main store").available == 1
        assert inv.check() == []


def choose_the_store(page: Any) -> None:
    """Tab from the scan box to the store, the first one, and back."""
    from playwright.sync_api import expect

    scan_box = page.locator("#quick-scan")
    expect(scan_box).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#location")).to_have_value("Main store")
    page.keyboard.press("Shift+Tab")
    expect(scan_box).to_be_focused()


def open_and_cancel(page: Any) -> None:
    """The bundle's SKU opens its panel (what the store can sell, what is included); Esc
    cancels it: nothing added, the focus back in the scan box."""
    from playwright.sync_api import expect

    scan(page, "KIT")
    expect(page.locator(BOX)).to_be_focused()
    expect_text(page, PANEL, "Main store can sell 2 (scarcest: CASE)")
    expect_text(page, PANEL, f"2 {TIMES} CHG Charger 20W: included")
    page.keyboard.press("Escape")
    expect(page.locator(BOX)).to_have_count(0)
    expect(page.locator(LINES)).to_have_count(0)
    expect(page.locator("#quick-scan")).to_be_focused()


def scan_the_parts(page: Any) -> None:
    """Each part's serial scanned into the panel, wrong ones said there; the last one adds the
    bundle's line and closes the panel."""
    from playwright.sync_api import expect

    done = page.locator("#counter-bundle-parts li.done")
    scan(page, "KIT")
    expect(page.locator(BOX)).to_be_focused()
    scan(page, "P-2")
    expect(done).to_have_count(1)
    expect(page.locator(BOX)).to_be_focused()
    scan(page, "P-3")  # a second phone: the kit takes one
    expect_text(page, "#counter-bundle-hint", "KIT takes 1 PHN: P-2")
    expect(page.locator(BOX)).to_be_focused()
    scan(page, "C-9")  # no such case
    expect_text(page, "#counter-bundle-hint", "C-9")
    expect(done).to_have_count(1)
    expect(page.locator(BOX)).to_be_focused()
    shot(page, "counter-bundle")
    scan(page, "C-1")
    expect(page.locator(LINES)).to_have_count(1)
    expect_text(page, "#line-0", "KIT Phone starter kit")
    expect_text(page, "#line-0", "PHN Phone 5G: P-2")
    expect_text(page, "#line-0", "CASE Phone case: C-1")
    expect_text(page, "#line-0", f"2 {TIMES} CHG Charger 20W included")
    expect(page.locator(BOX)).to_have_count(0)
    expect(page.locator("#quick-scan")).to_be_focused()
    scan(page, "C-1")  # in the bundle: not added again
    expect_text(page, "#scan-message", "C-1 is already on line 1 (in bundle KIT)")
    expect(page.locator("#quick-scan")).to_be_focused()


def sell_and_open(page: Any) -> str:
    """Ctrl+Enter sells; the sale's page shows the bundle over its components."""
    from playwright.sync_api import expect

    page.keyboard.press("Control+Enter")
    expect(page.locator("#sold-number")).to_be_visible()
    expect(page.locator("#quick-scan")).to_be_focused()
    number = str(page.locator("#sold-number").inner_text())
    page.goto(page.locator("#sold-link").get_attribute("href"))
    expect_text(page, "#bundle-1", f"KIT — Phone starter kit {TIMES} 1")
    expect(page.locator("#lines tr.in-bundle")).to_have_count(3)
    shot(page, "bundle-sale")
    return number
