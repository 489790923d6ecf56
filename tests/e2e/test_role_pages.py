"""Pages show each role what it may do (issue 16): a clerk sees no manager links or buttons and
is refused a manager's form before filling it; a manager sees them; a forged POST still gets
the service's 403."""

from __future__ import annotations

from fastapi.testclient import TestClient
from webshop import as_user, library

MANAGER_LINKS = (
    ("/products", 'href="/products/new"'),
    ("/locations", 'id="new-location"'),
    ("/partners", 'id="new-partner"'),
    ("/", 'href="/write-offs/new"'),
    ("/", 'href="/users"'),
    ("/", 'href="/import"'),
    ("/", 'id="new-opening-balance"'),
)


def test_a_clerk_sees_no_manager_links_and_a_manager_does(shop: TestClient) -> None:
    as_user(shop, "kim")
    for path, link in MANAGER_LINKS:
        assert link not in shop.get(path).text, (path, link)
    as_user(shop, "mia")
    for path, link in MANAGER_LINKS:
        if link != 'href="/users"':  # an admin's
            assert link in shop.get(path).text, (path, link)


def test_a_clerk_is_refused_a_managers_form_before_filling_it(shop: TestClient) -> None:
    as_user(shop, "kim")
    for path in ("/products/new", "/locations/new", "/partners/new", "/write-offs/new",
                 "/opening-balances/new", "/locations/edit?name=Main%20store"):  # fmt: skip
        page = shop.get(path)
        assert page.status_code == 403, path
        assert "may not" in page.text, path
    as_user(shop, "mia")
    for path in ("/products/new", "/locations/new", "/partners/new", "/write-offs/new"):
        assert shop.get(path).status_code == 200, path


def test_a_forged_post_is_still_refused(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    refused = shop.post("/locations/new", data={"csrf_token": token, "name": "Back room"})
    assert refused.status_code == 403
    assert "may not manage catalog" in refused.text
    with library(shop) as inv:
        assert "Back room" not in [x.name for x in inv.locations()]


def test_the_setting_gives_clerks_write_offs_and_the_menu_follows(shop: TestClient) -> None:
    with library(shop) as inv:
        inv.set_setting("clerks_take_off_books", "yes")
    as_user(shop, "kim")
    assert 'href="/write-offs/new"' in shop.get("/").text
    assert shop.get("/write-offs/new").status_code == 200
