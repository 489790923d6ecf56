"""Issue 13's refunds in a real browser, with the keyboard only (no mouse click after the page
opens): a refund by scanning the serials that come back, and a purchase return by scan of a
unit that came in without a receipt (opening balance)."""

from __future__ import annotations

from typing import Any

import pytest

import serialtrack
from browser.accounts import expect_text, log_in, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def sold(shop_url: str) -> str:
    """Jane Doe bought C-1..C-3; C-9 came in by opening balance: the sale's number."""
    with serialtrack.open(shop_url) as inv:
        inv.add_product("CAM-1", "Camera One", "serial", customer_warranty_days=365)
        inv.receive(supplier="Acme Distribution", location="Main store",
                    lines=[("CAM-1", ["C-1", "C-2", "C-3"])])  # fmt: skip
        inv.opening_balance(location="Main store", lines=[("CAM-1", ["C-9"])])
        sale = inv.sell(customer="Jane Doe", location="Main store",
                        lines=[("CAM-1", ["C-1", "C-2", "C-3"])])  # fmt: skip
    return sale.number


def test_a_refund_with_the_keyboard_only(page: Any, sold: str, shop_url: str) -> None:
    from playwright.sync_api import expect

    log_in(page, "kim")
    page.goto("/refunds/new")
    expect(page.locator("#scans")).to_be_focused()
    for code in ("C-1", "C-3"):  # a scanner: the code and Enter, each on its own line
        page.keyboard.type(code)
        page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # Back into
    page.keyboard.type("Main")
    page.keyboard.press("Tab")  # Reason
    page.keyboard.type("Def")
    page.keyboard.press("Tab")  # Details
    page.keyboard.type("no picture")
    page.keyboard.press("Tab")  # Look up
    page.keyboard.press("Enter")
    expect_text(page, "#refund-units", sold)
    expect_text(page, "#refund-units", "under warranty")
    shot(page, "refund")
    expect(page.locator("#scans")).to_be_focused()  # the page comes back ready for more
    for _ in range(5):  # Back into, Reason, Details, Look up, Refund
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect_text(page, "h1", "Sales return (credit note)")
    expect_text(page, "main", "Defective: no picture")
    with serialtrack.open(shop_url) as inv:
        assert [inv.serial("CAM-1", c).status.value for c in ("C-1", "C-2", "C-3")] == [
            "in_stock", "sold", "in_stock",
        ]  # fmt: skip


def test_a_purchase_return_by_scan_without_a_receipt(page: Any, sold: str, shop_url: str) -> None:
    from playwright.sync_api import expect

    log_in(page, "kim")
    page.goto("/supplier-returns/new")
    expect(page.locator("#scans")).to_be_focused()
    page.keyboard.press("Shift+Tab")  # From store
    page.keyboard.type("Main")
    page.keyboard.press("Tab")  # back to the scans
    page.keyboard.type("C-9")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # Supplier (units without a receipt)
    page.keyboard.type("Acme")
    page.keyboard.press("Tab")  # Reason
    page.keyboard.type("Wrong")
    page.keyboard.press("Tab")  # Details
    page.keyboard.press("Tab")  # Look up
    page.keyboard.press("Enter")
    expect_text(page, "#supplier-return-units", "no receipt")
    for _ in range(6):  # Supplier, Reason, Details, Look up, Send back (from store, scans)
        if page.evaluate("document.activeElement.id") == "send-back":
            break
        page.keyboard.press("Tab")
    expect(page.locator("#send-back")).to_be_focused()
    page.keyboard.press("Enter")
    expect_text(page, "h1", "Purchase return (debit note)")
    with serialtrack.open(shop_url) as inv:
        unit = inv.serial("CAM-1", "C-9")
        assert unit.status.value == "returned_to_supplier"
        assert unit.holder == "Acme Distribution"
