"""Issue 10, finding 3: a scan past the last serial row of the receipt form is never dropped.

A scanner types the code and Enter. In the last serial row that Enter adds a row (the quantity
follows the serials) and moves there; what is posted is what the form showed. Serials left in
the paste box are added to their line when Save is pressed, and the form does not post until
the clerk has seen them. On SQLite and PostgreSQL, with a real server and Debian's chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import serialtrack
from browser.accounts import PASSWORDS, expect_text, log_in
from e2e.live import live_server
from templates import initialized

pytestmark = pytest.mark.browser

SKU = "A5"


@pytest.fixture
def receipt_db(db_url: str) -> str:
    """A store, a supplier, the clerk kim and a serial-tracked product, on either database."""
    with serialtrack.open(initialized(db_url)) as inv:
        inv.add_location("Main store")
        inv.add_partner("Acme Distribution", supplier=True)
        inv.add_user("kim", "clerk", PASSWORDS["kim"])
        inv.add_product(SKU, "Phone A5", "serial")
    return db_url


@pytest.fixture
def scan_page(chromium: Any, receipt_db: str, tmp_path: Path) -> Iterator[Any]:
    with live_server(receipt_db, tmp_path / "server.log") as base:
        context = chromium.new_context(base_url=base, viewport={"width": 1280, "height": 860})
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()


def script_errors(page: Any) -> list[str]:
    """From now on: what the scripts of the page met (a CSP refusal, an exception)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def start_receipt(page: Any) -> list[str]:
    """Receive; supplier, store and product chosen: one serial row (quantity 1), focused."""
    log_in(page, "kim")
    errors = script_errors(page)
    page.click("nav >> text=Receive")
    page.select_option("#partner", "Acme Distribution")
    page.select_option("#location", "Main store")
    page.select_option("#sku-0", SKU)
    expect_focused(page, "#rows-0 input[data-row] >> nth=0")
    assert page.input_value("#qty-0") == "1"
    return errors


# (Playwright's wait_for_function evaluates a string in the page: the CSP forbids that.)
def expect_focused(page: Any, selector: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator(selector)).to_be_focused()


def expect_rows(page: Any, count: int) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#rows-0 input[data-row]")).to_have_count(count)


def scan(page: Any, code: str) -> None:
    """What a scanner does: types into the focused field, then Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def rows(page: Any) -> list[str]:
    return [r.input_value() for r in page.locator("#rows-0 input[data-row]").all()]


def focused_row(page: Any) -> int:
    return int(page.evaluate(
        "Array.from(document.querySelectorAll('#rows-0 input[data-row]'))"
        ".indexOf(document.activeElement)"
    ))  # fmt: skip


def posted_serials(db_url: str) -> list[str]:
    with serialtrack.open(db_url) as inv:
        (receipt,) = inv.documents(kind="receipt")
        found = inv.document(receipt["number"])
    assert found.state.value == "posted"
    return [code for line in found.lines for code in line["serials"]]


def test_a_scan_past_the_last_row_adds_a_row_and_is_posted(scan_page: Any, receipt_db: str) -> None:
    page = scan_page
    errors = start_receipt(page)
    scan(page, "A5-0002")
    assert rows(page) == ["A5-0002", ""]  # a new row waits for the next scan, focused
    assert focused_row(page) == 1
    assert page.input_value("#qty-0") == "1"
    scan(page, "A5-0006")
    assert rows(page) == ["A5-0002", "A5-0006", ""]
    assert focused_row(page) == 2
    assert page.input_value("#qty-0") == "2"  # the quantity follows the serials
    assert page.input_value("#paste-0") == ""  # nothing fell into the paste box
    page.click("#save")
    expect_text(page, "#doc-state", "posted")
    assert sorted(posted_serials(receipt_db)) == ["A5-0002", "A5-0006"]
    page_text = page.locator("main").inner_text()
    assert "A5-0002" in page_text
    assert "A5-0006" in page_text
    assert errors == []


def test_serials_left_in_the_paste_box_are_added_before_anything_is_posted(
    scan_page: Any, receipt_db: str
) -> None:
    page = scan_page
    errors = start_receipt(page)
    scan(page, "A5-0002")
    page.fill("#paste-0", "A5-0010..A5-0012")
    page.click("#save")
    expect_text(page, "#form-message", "Not saved")
    expect_rows(page, 4)  # the paste became rows, and the quantity follows
    assert rows(page) == ["A5-0002", "A5-0010", "A5-0011", "A5-0012"]
    assert page.input_value("#qty-0") == "4"
    assert page.input_value("#paste-0") == ""
    with serialtrack.open(receipt_db) as inv:
        assert inv.documents(kind="receipt") == []  # nothing posted behind the clerk's back
    page.click("#save")
    expect_text(page, "#doc-state", "posted")
    assert sorted(posted_serials(receipt_db)) == ["A5-0002", "A5-0010", "A5-0011", "A5-0012"]
    assert errors == []


def test_a_code_typed_in_the_new_row_without_enter_is_posted_too(
    scan_page: Any, receipt_db: str
) -> None:
    page = scan_page
    errors = start_receipt(page)
    scan(page, "A5-0002")
    page.keyboard.type("A5-0003")  # typed by hand, then straight to Save
    page.click("#save")
    expect_text(page, "#doc-state", "posted")
    assert sorted(posted_serials(receipt_db)) == ["A5-0002", "A5-0003"]
    assert errors == []
