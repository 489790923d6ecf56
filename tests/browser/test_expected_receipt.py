"""Receive against the notice in a real browser: a clerk opens a draft receipt from the
supplier's notice (a refused notice first: the problem beside its field, nothing written),
checks the CSV upload refuses a bad file whole, follows the document page's link to the
expected page, scans GS1 labels (an unexpected serial refused by the setting), sees the live
counts and posts; the units are in stock with the label's batch and expiry, the third one is
listed as missing. Screenshot ``expected-receipt``."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import serialtrack
from browser.accounts import expect_text, log_in, shot

pytestmark = pytest.mark.browser

GTIN = "09506000134352"
SKU = "VAX-1"


@pytest.fixture
def vaccine(shop_url: str) -> str:
    """A serial+batch product with its GTIN; unexpected serials refused."""
    with serialtrack.open(shop_url) as inv:
        inv.add_product(SKU, "Vaccine one", tracking="serial+batch", gtin=GTIN)
        inv.set_setting("unexpected_serials", "refuse")
    return shop_url


def label(serial: str) -> str:
    return f"(01){GTIN}(10)L1(17)270131(21){serial}"


def scan(page: Any, code: str) -> None:
    page.fill("#expected-scan", code)
    page.press("#expected-scan", "Enter")


def counts(page: Any, matched: int, missing: int, unexpected: int) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#matched-count")).to_have_text(str(matched))
    expect(page.locator("#missing-count")).to_have_text(str(missing))
    expect(page.locator("#unexpected-count")).to_have_text(str(unexpected))


def open_from_notice(page: Any, db_url: str) -> None:
    """Receive → New receipt from a notice: refused once (E1 twice), then E1..E3 in L1."""
    log_in(page, "kim")
    page.click("nav >> text=Receive")
    page.click("#new-from-notice")
    page.select_option("#supplier", "Acme Distribution")
    page.select_option("#location", "Main store")
    page.select_option("#notice-sku", SKU)
    page.fill("#notice-batch", "L1")
    page.fill("#notice-expiry", "2027-01-31")
    page.fill("#notice-serials", "E1\nE2\nE1")  # E1 twice: refused, nothing written
    page.click("#open-from-notice")
    expect_text(page, "#err-serials", "entered twice")
    assert page.input_value("#notice-serials") == "E1\nE2\nE1"
    with serialtrack.open(db_url) as inv:
        assert inv.documents(kind="receipt") == []

    page.fill("#notice-serials", "E1..E3")
    page.click("#open-from-notice")
    page.wait_for_url(re.compile(r"/documents/\d+/expected$"))
    counts(page, matched=0, missing=3, unexpected=0)
    expect_text(page, "#missing", "E3")
    expect_text(page, "#missing", "L1")
    expect_text(page, "#missing", "2027-01-31")


def refuse_a_bad_csv(page: Any, tmp_path: Path) -> None:
    """The supplier's CSV is checked whole: one bad row, nothing added."""
    notice_csv = tmp_path / "notice.csv"
    notice_csv.write_text("sku,serial,batch,expiry\nVAX-1,E4,L1,2027-01-31\nNOPE,X1,,\n")
    page.click("#notice-forms summary")  # folded once the notice has serials
    page.set_input_files("#notice-file", str(notice_csv))
    page.click("#upload-notice")
    expect_text(page, "#err-file", "row 3")
    expect_text(page, "#notice-refusal", "nothing was added")
    counts(page, matched=0, missing=3, unexpected=0)


def test_a_clerk_receives_a_serial_and_batch_delivery_against_its_notice(
    vaccine: str, page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    open_from_notice(page, vaccine)
    refuse_a_bad_csv(page, tmp_path)

    # The draft's document page links to the expected page.
    page.click("h1 a")
    page.wait_for_url(re.compile(r"/documents/\d+$"))
    page.click("#expected-link")
    page.wait_for_url(re.compile(r"/documents/\d+/expected$"))

    scan(page, label("E1"))
    expect_text(page, "#scan-outcome", "E1")
    counts(page, matched=1, missing=2, unexpected=0)
    scan(page, label("E2"))
    counts(page, matched=2, missing=1, unexpected=0)
    scan(page, label("E9"))
    expect_text(page, "#err-scan", "not expected")
    counts(page, matched=2, missing=1, unexpected=0)
    expect(page.locator("#expected-scan")).to_be_focused()
    expect_text(page, "#matched", "E2")
    shot(page, "expected-receipt")

    page.click("#post-received")  # its confirm dialog is accepted
    page.wait_for_url(re.compile(r"/documents/\d+$"))
    expect_text(page, "#doc-state", "posted")

    with serialtrack.open(vaccine) as inv:
        (receipt,) = inv.documents(kind="receipt")
        stock = {r["serial"]: r for r in inv.serials(sku=SKU)}
        assert sorted(stock) == ["E1", "E2"]
        for code in ("E1", "E2"):
            assert stock[code]["status"] == "in_stock"
            assert stock[code]["batch"] == "L1"
            assert inv.serial(SKU, code).expiry == date(2027, 1, 31)
            assert inv.serial(SKU, code).location == "Main store"
        view = inv.expected(receipt["number"])
        assert [r.code for r in view.missing] == ["E3"]
        assert view.unexpected == ()
        assert inv.check() == []
