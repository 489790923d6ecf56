"""Issue 16 in a real browser: a sale saved as a draft from its form, opened again, changed and
posted; a refused draft shown on its form; a viewer without the buttons; serial notes in the
serial list (and found by its search); Home's first steps for a clerk; the login page styled
with nothing the Content-Security-Policy refuses."""

from __future__ import annotations

import re
from typing import Any

import pytest

import serialtrack
from browser.accounts import expect_text, log_in

pytestmark = pytest.mark.browser

VIEWER_PASSWORD = "viewer-pass-1"


@pytest.fixture
def cameras(shop_url: str) -> str:
    """CAM-0001..CAM-0003 in stock at Main store, a note on CAM-0002; vic, a viewer."""
    with serialtrack.open(shop_url) as inv:
        inv.add_product("CAM-1", "Camera One", "serial")
        inv.receive(supplier="Acme Distribution", location="Main store",
                    lines=[("CAM-1", ["CAM-0001", "CAM-0002", "CAM-0003"])])  # fmt: skip
        inv.set_serial_note("CAM-1", "CAM-0002", "<i>lens</i> cap missing")
        inv.add_user("vic", "viewer", VIEWER_PASSWORD)
    return shop_url


def status(url: str, code: str) -> str:
    with serialtrack.open(url) as inv:
        return inv.serial("CAM-1", code, history=False).status.value


def csp_problems(page: Any) -> list[str]:
    """From now on: what the Content-Security-Policy refused, and the scripts' errors."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_a_sale_saved_as_a_draft_is_changed_then_posted(page: Any, cameras: str) -> None:
    from playwright.sync_api import expect

    log_in(page, "kim")
    problems = csp_problems(page)
    page.click("nav >> text=Sell")
    page.select_option("#partner", "Jane Doe")
    page.select_option("#location", "Main store")
    page.select_option("#sku-0", "CAM-1")
    picker = page.locator("#picklist-0")
    expect_text(page, "#picklist-0", "CAM-0003")
    picker.get_by_label("CAM-0001").check()
    picker.get_by_label("CAM-0003").check()
    page.click("#save-draft")

    expect_text(page, "#flash", "saved as a draft")
    expect_text(page, "#flash", "held for it")
    expect_text(page, "#doc-state", "draft")
    expect_text(page, "#lines", "CAM-0003")
    assert (status(cameras, "CAM-0001"), status(cameras, "CAM-0003")) == ("reserved", "reserved")
    number = page.locator("#doc-number").inner_text()
    draft_url = page.url

    page.click("#edit-draft")  # the same form, filled in as saved
    expect_text(page, "#draft-notice", number)
    expect(page.locator("#partner")).to_have_value("Jane Doe")
    expect(page.locator("#location")).to_have_value("Main store")
    chosen = page.locator("#picklist-0")
    expect(chosen.get_by_label("CAM-0001")).to_be_checked()
    expect(chosen.get_by_label("CAM-0003")).to_be_checked()
    chosen.get_by_label("CAM-0003").uncheck()
    page.click("#save-draft")
    expect_text(page, "#flash", "saved as a draft")
    assert page.url == draft_url  # the same draft
    expect(page.locator("#lines")).not_to_contain_text("CAM-0003")
    assert (status(cameras, "CAM-0001"), status(cameras, "CAM-0003")) == ("reserved", "in_stock")

    page.click("#edit-draft")
    page.click("#save")  # "Save and post"
    expect_text(page, "#flash", f"{number} posted")
    expect_text(page, "#doc-state", "posted")
    assert status(cameras, "CAM-0001") == "sold"
    assert problems == []


def test_a_refused_draft_stays_on_its_form_and_writes_nothing(page: Any, cameras: str) -> None:
    log_in(page, "mia")
    page.click("nav >> text=Write off")
    page.select_option("#location", "Main store")
    page.fill("#quick-scan", "CAM-0002")
    page.press("#quick-scan", "Enter")
    expect_text(page, "#lines", "CAM-0002")
    page.fill("#reason", "cracked")
    with serialtrack.open(cameras) as inv:  # meanwhile, at the counter, it is sold
        inv.sell(location="Main store", customer="Jane Doe", lines=[("CAM-1", ["CAM-0002"])])
    page.click("#save-draft")
    expect_text(page, ".field-error", "CAM-0002")  # beside its line, in people's words
    expect_text(page, "h1", "Write off")
    expect_text(page, "#lines", "CAM-0002")  # what was typed is still there
    assert page.input_value("#reason") == "cracked"
    with serialtrack.open(cameras) as inv:
        assert inv.documents(state="draft") == []
    assert status(cameras, "CAM-0002") == "sold"


def test_a_viewer_sees_no_save_buttons(page: Any, cameras: str) -> None:
    from playwright.sync_api import expect

    page.goto("/login")
    page.fill("#username", "vic")
    page.fill("#password", VIEWER_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/sales/new")
    expect(page.locator("#save")).to_have_count(0)
    expect(page.locator("#save-draft")).to_have_count(0)
    expect_text(page, "#may-not-save", "a clerk, a manager or an admin can")


def test_a_serial_note_shows_in_the_list_and_is_found_by_its_search(
    page: Any, cameras: str
) -> None:
    log_in(page, "kim")
    page.goto("/serials")
    row = page.locator("#serial-table tr", has_text="CAM-0002")
    expect_text(page, "#serial-table", "<i>lens</i> cap missing")  # as text, not markup
    assert row.locator(".serial-note i").count() == 0
    page.fill("#text", "cap miss")
    page.press("#text", "Enter")
    page.wait_for_url(re.compile(r"text=cap"))
    rows = page.locator("#serial-table tr")
    assert rows.count() == 2  # the heading and CAM-0002
    expect_text(page, "#serial-table", "CAM-0002")


def test_home_links_a_clerk_only_to_the_first_steps_a_clerk_may_do(
    page: Any, shop_url: str
) -> None:
    log_in(page, "kim")  # stores exist; no product, nothing received yet
    steps = page.locator("#first-steps ol li")
    expect_text(page, "#first-steps", "Add a product (a manager or an admin does this)")
    assert steps.nth(1).locator("a").count() == 0
    assert steps.nth(2).locator("a").get_attribute("href") == "/receipts/new"


def test_the_login_page_is_styled_with_nothing_refused(chromium: Any, server: str) -> None:
    context = chromium.new_context(base_url=server)
    try:
        page = context.new_page()
        problems = csp_problems(page)
        page.goto("/login")
        page.wait_for_load_state("load")
        width = page.eval_on_selector("body", "b => getComputedStyle(b).maxWidth")
        assert width == "352px"  # 22rem: the page's own style applies
        assert problems == []
    finally:
        context.close()
