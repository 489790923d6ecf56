"""On a phone-sized screen the menu folds behind a "Menu" button (a checkbox and its label, no
script); on a wide screen the menu shows and the button does not. The Help link opens the
screen's own help; a save says so once."""

from __future__ import annotations

from typing import Any

from browser.accounts import log_in, shot

PHONE = {"width": 375, "height": 740}


def test_the_menu_folds_behind_a_button_on_a_phone(page: Any) -> None:
    from playwright.sync_api import expect

    log_in(page, "mia")
    nav = page.locator('nav[aria-label="Main"]')
    expect(nav).to_be_visible()
    expect(page.locator("#menu-button")).to_be_hidden()

    page.set_viewport_size(PHONE)
    page.goto("/")
    expect(nav).to_be_hidden()
    expect(page.locator("#menu-button")).to_be_visible()
    shot(page, "small-screen-menu-closed")
    page.click("#menu-button")
    expect(nav).to_be_visible()
    shot(page, "small-screen-menu-open")
    nav.locator("text=Locations").click()
    page.wait_for_url("**/locations")
    expect(nav).to_be_hidden()  # folded again on the next page

    page.click("#help-link")
    page.wait_for_url("**/help/locations")
    expect(page.locator("h1")).to_have_text("Locations")

    page.goto("/locations/new")
    page.fill("#name", "Back room")
    page.click("#save")
    page.wait_for_url("**/locations")
    expect(page.locator("#flash")).to_have_text("Location Back room saved")
    page.reload()
    expect(page.locator("#flash")).to_have_count(0)  # shown once
