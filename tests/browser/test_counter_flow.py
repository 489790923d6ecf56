"""Issue 6's scenario in a real browser: a day at the counter, from the product to the cancel."""

from __future__ import annotations

import re
from typing import Any

import pytest

from browser.accounts import expect_text, log_in, shot

pytestmark = pytest.mark.browser

GTIN = "09506000134352"


def create_product(page: Any) -> None:
    page.click("nav >> text=Products")
    page.click("text=New product")
    page.fill("#sku", "CAM-1")
    page.select_option("#tracking", "serial")
    page.fill("#name", "Camera One")
    page.fill("#gtin", GTIN)
    page.fill("#customer_warranty_days", "365")
    shot(page, "product-form")
    page.click("button:has-text('Save')")
    expect_text(page, "h1", "CAM-1")


def receive_three(page: Any) -> str:
    """Receive 3 cameras typing each serial into its row, Enter moving to the next row."""
    page.click("nav >> text=Receive")
    page.select_option("#partner", "Acme Distribution")
    page.select_option("#location", "Main store")
    page.select_option("#sku-0", "CAM-1")
    page.fill("#qty-0", "3")
    rows = page.locator("#rows-0 input[data-row]")
    rows.nth(2).wait_for()
    assert rows.count() == 3  # exactly one row per unit (seed 000)
    rows.nth(0).click()
    for code in ("CAM-0001", "CAM-0002", "CAM-0001"):  # a scanner: code + Enter
        page.keyboard.type(code)
        page.keyboard.press("Enter")
    assert rows.nth(2).input_value() == "CAM-0001"
    page.click("#save")  # refused: the third row repeats the first; nothing is saved
    expect_text(page, "#err-lines-0-serials-2", "entered twice")
    shot(page, "receipt-refused")
    page.locator("#rows-0 input[data-row]").nth(2).fill("CAM-0003")
    shot(page, "receipt")
    page.click("#save")
    expect_text(page, "#doc-state", "posted")
    return page.locator("h1").inner_text().split()[1]


def sell_one(page: Any) -> str:
    page.click("nav >> text=Sell")
    page.select_option("#partner", "Jane Doe")
    page.select_option("#location", "Main store")
    page.select_option("#sku-0", "CAM-1")
    picker = page.locator("#picklist-0")
    expect_text(page, "#picklist-0", "CAM-0003")  # only serials in stock at Main store
    page.fill("input[name='q-0']", "CAM-0001")
    page.locator("#picklist-0 label").filter(has_text="CAM-0002").wait_for(state="detached")
    picker.get_by_label("CAM-0001").check()
    shot(page, "sale")
    page.click("#save")
    expect_text(page, "#doc-state", "posted")
    expect_text(page, "#lines", "CAM-0001")
    return page.locator("h1").inner_text().split()[1]


def return_from_customer(page: Any, invoice: str) -> None:
    page.click("nav >> text=Sales return")
    page.select_option("#origin", invoice)
    expect_text(page, "#return-rows-0", "CAM-0001")
    shot(page, "sales-return")
    page.click("#save")
    expect_text(page, "#doc-state", "posted")


def return_to_supplier(page: Any, receipt: str) -> str:
    """Return CAM-0002 only: the other rows are removed, "load all" brings them back."""
    page.click("nav >> text=Purchase return")
    page.select_option("#origin", receipt)
    rows = page.locator("#return-rows-0 li")
    rows.nth(2).wait_for()
    for code in ("CAM-0001", "CAM-0003"):
        page.click(f"button[aria-label='Not returned: {code}']")
    assert rows.count() == 1
    page.click("#load-all")
    page.locator("#return-rows-0 li").nth(2).wait_for()
    for code in ("CAM-0001", "CAM-0003"):
        page.click(f"button[aria-label='Not returned: {code}']")
    expect_text(page, "#return-rows-0", "CAM-0002")
    shot(page, "purchase-return")
    page.click("#save")
    expect_text(page, "#doc-state", "posted")
    return page.url


def test_a_day_at_the_counter(page: Any) -> None:
    page.goto("/")
    assert page.url.endswith("/login")
    shot(page, "login")
    log_in(page, "mia")
    expect_text(page, "#who", "mia (manager)")
    create_product(page)
    receipt = receive_three(page)
    shot(page, "document")
    invoice = sell_one(page)
    return_from_customer(page, invoice)
    debit_note = return_to_supplier(page, receipt)

    page.goto(debit_note)
    page.click("#cancel")  # the confirm dialog is accepted
    expect_text(page, "#doc-state", "cancelled")

    page.goto("/serial?sku=CAM-1&code=CAM-0002")
    expect_text(page, "#serial-status", "in stock")
    timeline = page.locator("#timeline li")
    assert timeline.count() == 3  # received, returned to the supplier, that return cancelled
    expect_text(page, "#timeline", "(cancelled)")
    expect_text(page, "#timeline", "purchase return")

    page.goto("/serial?sku=CAM-1&code=CAM-0001")
    expect_text(page, "#serial-status", "in stock")
    expect_text(page, "#timeline", "sales return")
    expect_text(page, "#timeline", invoice)
    expect_text(page, "#timeline", "Main store → Customers")
    shot(page, "serial")

    page.fill("#q", f"(01){GTIN}(21)CAM-0003")  # a GS1 element string, as a scanner sends it
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"/serial\?"))
    expect_text(page, "h1", "CAM-0003")
    expect_text(page, "#serial-status", "in stock")

    quick_sale(page)
    for name, path in (("home", "/"), ("products", "/products"), ("product", "/product?sku=CAM-1"),
                       ("serials", "/serials?sku=CAM-1"), ("documents", "/documents"),
                       ("import", "/import")):  # fmt: skip
        page.goto(path)
        shot(page, name)


def quick_sale(page: Any) -> None:
    """Quick sale (now the counter): each scan adds its line; a unit not in stock is refused
    beside the box; after posting, the counter names the sale and links to it."""
    page.goto("/sales/new?quick=1")
    page.wait_for_url(re.compile(r"/counter$"))
    page.select_option("#partner", "Jane Doe")
    page.select_option("#location", "Main store")
    scan(page, f"(01){GTIN}(21)CAM-0003")
    expect_text(page, "#lines", "CAM-0003")
    scan(page, "CAM-0003")
    expect_text(page, "#scan-message", "CAM-0003 is already on line 1")
    scan(page, "NO-SUCH-UNIT")
    expect_text(page, "#scan-message", "NO-SUCH-UNIT")
    scan(page, "CAM-0001")
    expect_text(page, "#lines", "CAM-0001")
    shot(page, "quick-sale")
    page.click("button[aria-label='Remove CAM-0001']")
    page.click("#save")
    page.click("#sold-link")
    expect_text(page, "#doc-state", "posted")
    expect_text(page, "#lines", "CAM-0003")


def scan(page: Any, text: str) -> None:
    """What a scanner does: the code and Enter; wait until the box is cleared for the next."""
    from playwright.sync_api import expect

    page.fill("#quick-scan", text)
    page.press("#quick-scan", "Enter")
    expect(page.locator("#quick-scan")).to_have_value("")


def test_a_clerk_cannot_cancel(page: Any, shop_url: str) -> None:
    import serialtrack

    with serialtrack.open(shop_url) as inv:
        inv.add_product("CAM-1", "Camera One", "serial")
        receipt = inv.receive(
            supplier="Acme Distribution", location="Main store", lines=[("CAM-1", ["C-1"])]
        )
    log_in(page, "kim")
    expect_text(page, "#who", "kim (clerk)")
    assert page.locator("nav >> text=Import").count() == 0
    page.goto(f"/documents/{receipt.id}")
    expect_text(page, "#doc-state", "posted")
    assert page.locator("#cancel").count() == 0
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    forged = page.request.post(f"/documents/{receipt.id}/cancel", form={"csrf_token": csrf})
    assert forged.status == 403
    assert "kim (clerk) may not cancel document" in forged.text()
    page.reload()
    expect_text(page, "#doc-state", "posted")
