"""An inventory count in scan mode in a real browser, and a serial's warranty on screen."""

from __future__ import annotations

from typing import Any

import pytest

import serialtrack
from browser.accounts import log_in, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def cameras(shop_url: str) -> None:
    """CAM-0001..CAM-0003 in stock at Main store; CAM-0004 sold to Jane Doe (warranties)."""
    with serialtrack.open(shop_url) as inv:
        inv.add_product(
            "CAM-1", "Camera One", "serial", supplier_warranty_days=730,
            customer_warranty_days=365,
        )  # fmt: skip
        inv.receive(
            supplier="Acme Distribution", location="Main store", reference="ACME-77",
            lines=[("CAM-1", ["CAM-0001", "CAM-0002", "CAM-0003", "CAM-0004"])],
        )  # fmt: skip
        inv.sell(customer="Jane Doe", location="Main store", lines=[("CAM-1", ["CAM-0004"])])


def scan(page: Any, code: str, outcome: str) -> None:
    from playwright.sync_api import expect

    page.fill("#count-scan", code)
    page.press("#count-scan", "Enter")
    expect(page.locator("#scan-result")).to_contain_text(f"{code} (CAM-1): {outcome}")
    expect(page.locator("#count-scan")).to_have_value("")
    expect(page.locator("#count-scan")).to_be_focused()


def test_a_manager_counts_a_shelf_by_scanning_and_posts_the_differences(
    page: Any, cameras: None
) -> None:
    from playwright.sync_api import expect

    log_in(page, "mia")  # posting takes units off the books: a manager's
    page.click("nav >> text=Counts")
    page.select_option("#location", "Main store")
    page.select_option("#sku", "CAM-1")
    page.click("#open")
    expect(page.locator("h1")).to_contain_text("Inventory count CT-")
    expect(page.locator("#count-expected")).to_have_text("3")
    expect(page.locator("#count-found")).to_have_text("0")
    expect(page.locator("#count-missing")).to_have_text("3")

    scan(page, "CAM-0001", "counted")
    expect(page.locator("#count-found")).to_have_text("1")
    expect(page.locator("#count-missing")).to_have_text("2")
    scan(page, "CAM-0001", "already counted")
    expect(page.locator("#count-found")).to_have_text("1")
    scan(page, "CAM-0002", "counted")
    expect(page.locator("#count-found")).to_have_text("2")
    expect(page.locator("#count-missing")).to_have_text("1")
    expect(page.locator("#missing")).to_contain_text("CAM-0003")
    expect(page.locator("#missing")).not_to_contain_text("CAM-0001")
    shot(page, "count")

    page.click("#post-count")  # the confirm dialog is accepted
    expect(page.locator("#count-state")).to_contain_text("posted")
    expect(page.locator("#count-differences")).to_be_visible()
    expect(page.locator("#missing")).to_contain_text("CAM-0003")
    expect(page.locator("#missing")).to_contain_text("not found")
    expect(page.locator("#count-missing")).to_have_text("1")
    expect(page.locator("#count-scan")).to_have_count(0)

    page.click("nav >> text=Discrepancies")
    expect(page.locator("#discrepancies")).to_contain_text("CAM-0003")
    page.click("#discrepancies >> text=CAM-0003")
    expect(page.locator("#serial-status")).to_contain_text("adjusted out")


def test_a_serial_shows_its_supplier_customer_and_warranties(page: Any, cameras: None) -> None:
    from playwright.sync_api import expect

    log_in(page, "kim")
    page.fill("#q", "CAM-0004")
    page.press("#q", "Enter")
    expect(page.locator("#serial-status")).to_contain_text("sold")
    expect(page.locator("#serial-supplier")).to_contain_text("Acme Distribution")
    expect(page.locator("#serial-customer")).to_contain_text("Jane Doe")
    expect(page.locator("#supplier-warranty")).to_contain_text("Under supplier warranty until")
    expect(page.locator("#customer-warranty")).to_contain_text("Customer warranty until")
    shot(page, "serial-warranty")
