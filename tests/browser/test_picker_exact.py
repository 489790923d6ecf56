"""Issue 10 finding 6 in a real browser: in the sale form's picker, scanning ``K1`` + Enter
picks K1 even though K10 and K11 are in stock too, and the posted sale has K1."""

from __future__ import annotations

from typing import Any

import pytest

import serialtrack
from browser.accounts import expect_text, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def k_units(shop_url: str) -> None:
    """K10 and K11 received first (lower ids), then K1: all three in stock at Main store."""
    with serialtrack.open(shop_url) as inv:
        inv.add_product("KIT", "Kit", "serial")
        for codes in (["K10", "K11"], ["K1"]):
            inv.receive(supplier="Acme Distribution", location="Main store",
                        lines=[("KIT", codes)])  # fmt: skip


def test_k1_enter_picks_k1_not_k10_or_k11(page: Any, k_units: None, shop_url: str) -> None:
    from playwright.sync_api import expect

    log_in(page, "kim")
    page.click("nav >> text=Sell")
    page.select_option("#partner", "Jane Doe")
    page.select_option("#location", "Main store")
    page.select_option("#sku-0", "KIT")
    expect_text(page, "#picklist-0", "K11")  # what is in stock at Main store
    search = page.locator("input[name='q-0']")
    search.fill("K1")
    search.press("Enter")  # a scanner: the code and Enter
    chosen = page.locator("#picklist-0 input[name='lines-0-serial']:checked")
    expect(chosen).to_have_count(1)
    expect(chosen).to_have_value("K1")
    expect(search).to_have_value("")  # cleared for the next scan
    for other in ("K10", "K11"):  # still offered, not chosen
        expect(page.locator(f"#picklist-0 input[value='{other}']")).not_to_be_checked()
    page.click("#save")
    expect_text(page, "#doc-state", "posted")
    number = page.locator("h1").inner_text().split()[1]
    with serialtrack.open(shop_url) as inv:
        (line,) = inv.document(number).lines
        assert line["serials"] == ["K1"]
        assert inv.serial("KIT", "K1").status.value == "sold"
        assert {inv.serial("KIT", c).status.value for c in ("K10", "K11")} == {"in_stock"}
