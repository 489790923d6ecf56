"""Helpers of the page tests on the demo shop (the ``shop`` fixture is in conftest.py): a
logged-in client and its CSRF token, and the library on the same database."""

from __future__ import annotations

from fastapi.testclient import TestClient

import serialtrack

PASSWORD = "shop-pass-1"
MAIN, WAREHOUSE = "Main store", "Warehouse"
HTMX = {"HX-Request": "true"}


def as_user(client: TestClient, username: str) -> str:
    """Log in as ``username``; return the session's CSRF token."""
    client.cookies.clear()
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return client.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]


def library(client: TestClient) -> serialtrack.Inventory:
    """The library on the app's database (to check what a page wrote, or did not)."""
    return serialtrack.open(client.app.state.inventory.store.engine.url.render_as_string(False))
