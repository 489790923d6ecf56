"""Batch lines in a real browser: receive a batch with its expiry, then sell 2 of it."""

from __future__ import annotations

from typing import Any

import pytest

import serialtrack
from browser.accounts import expect_text, log_in, shot

pytestmark = pytest.mark.browser

EXPIRY = "2031-05-31"


@pytest.fixture
def tablets(shop_url: str) -> str:
    """A batch-tracked product whose batches need an expiry date."""
    with serialtrack.open(shop_url) as inv:
        inv.add_product("TAB-5", "Tablets 5 mg, box of 20", "batch", expiry_required=True)
    return shop_url


def receive_two_batches(page: Any) -> None:
    page.click("nav >> text=Receive")
    page.select_option("#partner", "Acme Distribution")
    page.select_option("#location", "Main store")
    page.select_option("#sku-0", "TAB-5")
    page.locator("#batch-code-0-0").wait_for()  # batch rows instead of serial rows
    assert page.locator("#rows-0").count() == 0
    expect_text(page, "#qty-label-0", "the sum of its batches")
    page.fill("#batch-code-0-0", "LOT-T1")
    page.fill("#batch-qty-0-0", "12")
    page.fill("#batch-expiry-0-0", EXPIRY)
    page.click("#add-batch-0")
    page.locator("#batch-code-0-1").wait_for()
    assert page.locator("#batch-code-0-0").input_value() == "LOT-T1"  # what was typed stays
    page.fill("#batch-code-0-1", "LOT-T2")
    page.fill("#batch-qty-0-1", "8")
    page.fill("#batch-expiry-0-1", "2032-01-31")
    shot(page, "batch-receipt")
    page.click("#save")
    expect_text(page, "#doc-state", "posted")
    expect_text(page, "#line-batches-0", "LOT-T1 \N{MULTIPLICATION SIGN} 12")
    expect_text(page, "#line-batches-0", "LOT-T2 \N{MULTIPLICATION SIGN} 8")


def sell_two(page: Any) -> None:
    page.click("nav >> text=Sell")
    page.select_option("#partner", "Jane Doe")
    page.select_option("#location", "Main store")
    page.select_option("#sku-0", "TAB-5")
    expect_text(page, "#on-hand-0", "LOT-T1")  # what is on hand at Main store, with expiry
    expect_text(page, "#on-hand-0", EXPIRY)
    page.select_option("#batch-code-0-0", "LOT-T1")
    page.fill("#batch-qty-0-0", "2")
    page.click("#save")
    expect_text(page, "#doc-state", "posted")
    expect_text(page, "#line-batches-0", "LOT-T1 \N{MULTIPLICATION SIGN} 2")


def test_receive_a_batch_then_sell_two_of_it(page: Any, tablets: str) -> None:
    log_in(page, "kim")
    receive_two_batches(page)
    sell_two(page)
    with serialtrack.open(tablets) as inv:
        left = {b["code"]: b["quantity"] for b in inv.batches(sku="TAB-5", location="Main store")}
    assert left == {"LOT-T1": 10, "LOT-T2": 8}
