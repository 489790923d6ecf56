"""A back office that explains itself: the first steps on an empty shop, the Help link and
pages per screen, a save confirmed once by a flash message, dates on one line, the Menu
button of a phone-sized screen, the favicon."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webshop import PASSWORD, as_user

import serialtrack
from serialtrack.entrypoints.pages import FLASH_COOKIE
from serialtrack.entrypoints.web import STATIC, create_app


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[TestClient]:
    """An empty shop served by the app; mia is its manager."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with serialtrack.open(url) as inv:
        inv.add_user("mia", "manager", PASSWORD)
    with TestClient(create_app(url)) as client:
        yield client


def steps(page: str) -> list[tuple[str, str, str]]:
    """(state, href, words) of each first step on Home."""
    return re.findall(r'<li class="(done|todo)">.*?<a href="([^"]+)">([^<]+)</a>', page)


def test_an_empty_shop_shows_the_first_steps_ticked_off_as_they_are_done(
    empty: TestClient,
) -> None:
    csrf = as_user(empty, "mia")
    home = empty.get("/").text
    assert 'id="first-steps"' in home
    assert steps(home) == [
        ("todo", "/locations/new", "Add a location: your store or warehouse"),
        ("todo", "/products/new", "Add a product"),
        ("todo", "/receipts/new", "Receive goods"),
    ]
    assert "Nothing in stock yet" not in home  # no empty tables
    assert "No documents yet" not in home

    saved = empty.post("/locations/new", data={"name": "Main", "csrf_token": csrf})
    assert saved.status_code == 200  # followed to /locations
    assert 'id="flash"' in saved.text
    assert "Location Main saved" in saved.text
    assert "Location Main saved" not in empty.get("/locations").text  # shown once
    assert [s[0] for s in steps(empty.get("/").text)] == ["done", "todo", "todo"]

    empty.post("/partners/new", data={"name": "Acme", "supplier": "on", "csrf_token": csrf})
    product = empty.post("/products/new", data={
        "sku": "PHN", "name": "Phone", "tracking": "serial", "unit": "pcs", "csrf_token": csrf,
    })  # fmt: skip
    assert "Product PHN saved" in product.text
    assert [s[0] for s in steps(empty.get("/").text)] == ["done", "done", "todo"]

    receipt = empty.post("/receipts/new", data={
        "partner": "Acme", "location": "Main", "lines-0-sku": "PHN", "lines-0-quantity": "1",
        "lines-0-serial": "SN1", "csrf_token": csrf,
    })  # fmt: skip
    assert "Receipt RC-000001 posted" in receipt.text
    home = empty.get("/").text
    assert 'id="first-steps"' not in home  # goods came in: the panel is gone, tables back
    assert "RC-000001" in home


def test_a_flash_cookie_from_elsewhere_shows_nothing(empty: TestClient) -> None:
    as_user(empty, "mia")
    empty.cookies.set(FLASH_COOKIE, "UHJvZHVjdCBYIHNhdmVk.0123456789abcdef0123456789abcdef")
    assert "Product X saved" not in empty.get("/locations").text


# each main screen and the help page its header's Help link opens
SCREENS = [
    ("/", "home"), ("/products", "products"), ("/products/new", "products"),
    ("/serials", "serials"), ("/documents", "documents"), ("/receipts/new", "receive"),
    ("/sales/new", "sell"), ("/counter", "counter"), ("/sales-returns/new", "returns"),
    ("/transfers", "transfers"), ("/counts", "counts"), ("/stock", "stock"),
    ("/locations", "locations"), ("/partners", "partners"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "page"), SCREENS)
def test_each_main_screen_links_its_own_help(shop: TestClient, path: str, page: str) -> None:
    as_user(shop, "mia")
    screen = shop.get(path)
    assert screen.status_code == 200
    assert f'<a class="help-link" id="help-link" href="/help/{page}">Help</a>' in screen.text
    helped = shop.get(f"/help/{page}")
    assert helped.status_code == 200
    assert '<article class="help" id="help">' in helped.text


def test_the_help_index_lists_every_page_and_unknown_pages_are_not_found(
    shop: TestClient,
) -> None:
    as_user(shop, "kim")
    index = shop.get("/help").text
    for _, page in SCREENS:
        assert f'href="/help/{page}"' in index
    assert 'href="/help/first-day"' in index
    assert shop.get("/help/nope").status_code == 404
    # the words are text, escaped: the quotes in the products page come out as entities
    assert "&#34;Components&#34;" in shop.get("/help/products").text
    shop.cookies.clear()
    assert shop.get("/help", follow_redirects=False).headers["location"] == "/login"


def test_dates_stay_on_one_line_menu_folds_on_a_phone_and_the_favicon(shop: TestClient) -> None:
    as_user(shop, "kim")
    documents = shop.get("/documents").text
    assert '<th class="date">date</th>' in documents
    assert re.search(r'<td class="date">\d{4}-\d\d-\d\d</td>', documents)
    css = (STATIC / "app.css").read_text(encoding="utf-8")
    assert "td.date, th.date { white-space: nowrap; }" in css
    # the Menu button: a label for a checkbox that, unchecked, hides the menu on a small screen
    home = shop.get("/").text
    assert '<input type="checkbox" id="menu-toggle"' in home
    assert '<label for="menu-toggle" class="menu-button" id="menu-button">Menu</label>' in home
    assert home.index('id="menu-toggle"') < home.index('<nav aria-label="Main">')
    phone = css[css.index("/* The header's Menu button") :]
    assert ".menu-toggle:not(:checked) ~ nav { display: none; }" in phone
    assert "@media (max-width: 700px)" in phone
    assert "<script>" not in home
    assert " style=" not in home
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in home
    icon = shop.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")
