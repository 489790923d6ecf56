"""Transfers and write-offs in a real browser, and every main page on a phone-sized screen."""

from __future__ import annotations

from typing import Any

import pytest

import serialtrack
from browser.accounts import expect_text, log_in, shot

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def cameras(shop_url: str) -> str:
    """Three cameras in stock at Main store: CAM-0001..CAM-0003."""
    with serialtrack.open(shop_url) as inv:
        inv.add_product("CAM-1", "Camera One", "serial")
        receipt = inv.receive(
            supplier="Acme Distribution", location="Main store",
            lines=[("CAM-1", ["CAM-0001", "CAM-0002", "CAM-0003"])],
        )  # fmt: skip
    return receipt.number


def dispatch_two(page: Any) -> str:
    page.click("nav >> text=Transfers")
    page.click("#new-dispatch")
    page.select_option("#location", "Main store")
    page.select_option("#destination", "Warehouse")
    page.select_option("#sku-0", "CAM-1")
    picker = page.locator("#picklist-0")
    expect_text(page, "#picklist-0", "CAM-0003")  # what is in stock at Main store
    picker.get_by_label("CAM-0001").check()
    picker.get_by_label("CAM-0002").check()
    shot(page, "dispatch")
    page.click("#save")
    expect_text(page, "#doc-state", "posted")
    expect_text(page, "#in-transit", "CAM-0002")
    return page.locator("h1").inner_text().split()[1]


def receive_one_by_scanning(page: Any, number: str) -> None:
    """At Warehouse only CAM-0001 arrived: scan it (code + Enter), then a unit not on the way."""
    from playwright.sync_api import expect

    page.click("#receive-link")
    expect_text(page, "h1", f"Receive {number}")
    for code in ("CAM-0001", "CAM-0003"):
        page.fill("#receive-scan", code)
        page.press("#receive-scan", "Enter")
        expect(page.locator("#receive-scan")).to_have_value("")
    expect_text(page, "#lines", "CAM-0001")
    expect_text(page, "#scan-message", "CAM-0003 is not in transit on")
    assert page.locator("#lines fieldset").count() == 1
    shot(page, "transfer-receive")
    page.click("#receive")
    expect_text(page, "#doc-state", "posted")
    expect_text(page, "#lines", "CAM-0001")


def write_off_one(page: Any) -> None:
    page.click("nav >> text=Write off")
    page.select_option("#location", "Warehouse")
    page.fill("#quick-scan", "CAM-0001")
    page.press("#quick-scan", "Enter")
    expect_text(page, "#lines", "CAM-0001")
    page.fill("#reason", "dropped at the dock, lens cracked")
    shot(page, "write-off")
    page.click("#save")
    expect_text(page, "#doc-state", "posted")
    expect_text(page, "#doc-note", "lens cracked")


def test_dispatch_two_receive_one_write_it_off(page: Any, cameras: str) -> None:
    log_in(page, "kim")
    number = dispatch_two(page)
    receive_one_by_scanning(page, number)

    page.click("nav >> text=Transfers")
    expect_text(page, "#in-transit", number)
    expect_text(page, "#in-transit", "CAM-0002")  # did not arrive: still shown as on the way
    assert "CAM-0001" not in page.locator("#in-transit").inner_text()
    shot(page, "transfers")
    page.goto("/serial?sku=CAM-1&code=CAM-0002")
    expect_text(page, "#serial-status", "in transit")

    # Writing off takes a unit off the books: the clerk has no such menu; the manager does it.
    assert page.locator("nav >> text=Write off").count() == 0
    page.click("form.who >> text=Log out")
    log_in(page, "mia")
    write_off_one(page)
    page.goto("/serial?sku=CAM-1&code=CAM-0001")
    expect_text(page, "#serial-status", "written off")
    expect_text(page, "#timeline", "write off")
    for name, path in (("locations", "/locations"), ("partners", "/partners")):
        page.goto(path)
        shot(page, name)


def test_main_pages_fit_a_small_screen(page: Any, cameras: str) -> None:
    """At 375 px wide no page scrolls sideways (tables scroll inside their own box)."""
    page.set_viewport_size(PHONE)
    log_in(page, "mia")
    paths = [
        "/", "/products", "/product?sku=CAM-1", "/serials", "/serial?sku=CAM-1&code=CAM-0001",
        "/documents", "/documents/1", "/receipts/new", "/sales/new", "/sales-returns/new",
        "/transfers", "/transfers/dispatch", "/write-offs/new", "/locations", "/partners",
        "/partners/new", "/import",
    ]  # fmt: skip
    too_wide = {}
    for path in paths:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
    assert too_wide == {}
    page.goto("/receipts/new")
    page.select_option("#sku-0", "CAM-1")
    page.locator("#rows-0 input[data-row]").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "small-screen-receipt")
    page.goto("/")
    shot(page, "small-screen-home")
