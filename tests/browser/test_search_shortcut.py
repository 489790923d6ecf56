"""Issue 16: the "/" key jumps to the search box from anywhere on a page, but never takes a "/"
away from a field being typed in (the search box itself included)."""

from __future__ import annotations

from typing import Any

import pytest

from browser.accounts import log_in

pytestmark = pytest.mark.browser


def test_slash_jumps_to_the_search_box_only_from_outside_a_field(page: Any) -> None:
    from playwright.sync_api import expect

    log_in(page, "kim")
    page.goto("/serials")
    search = page.locator("#q")
    page.locator("h1").first.click()  # the focus on the page, in no field
    page.keyboard.press("/")
    expect(search).to_be_focused()
    expect(search).to_have_value("")  # the jump types nothing

    page.keyboard.type("AB/12")  # in the box: a "/" is a character of the code
    expect(search).to_have_value("AB/12")
    expect(search).to_be_focused()

    page.keyboard.press("/")
    expect(search).to_have_value("AB/12/")  # not selected and replaced by a jump

    text = page.locator("#text")  # the list's own filter: "/" stays there too
    text.focus()
    page.keyboard.type("9/9")
    expect(text).to_have_value("9/9")
    expect(text).to_be_focused()
    expect(search).to_have_value("AB/12/")


@pytest.mark.parametrize("address", ["/counter", "/sales/new", "/receipts/new", "/"])
def test_slash_in_the_search_box_stays_a_slash_on_every_page(page: Any, address: str) -> None:
    from playwright.sync_api import expect

    log_in(page, "kim")
    page.goto(address)
    search = page.locator("#q")
    search.click()
    page.keyboard.type("AB/1")
    expect(search).to_have_value("AB/1")
    expect(search).to_be_focused()
    page.locator("h1").first.click()
    page.keyboard.press("/")
    expect(search).to_be_focused()
    expect(search).to_have_value("AB/1")  # jumped to, nothing typed
