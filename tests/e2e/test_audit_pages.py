"""The audit trail on the web page /audit, the API's GET /api/v1/audit and ``serialtrack
audit``: managers and admins read who changed what from what; clerks are refused (403)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import serialtrack
from serialtrack.entrypoints import pages_audit
from serialtrack.entrypoints.cli import app as cli_app
from serialtrack.entrypoints.web import create_app
from templates import initialized

PASSWORD = "audit-pages-1"


@pytest.fixture
def shop(db_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A shop whose trail has a rename (by mia), a setting, a role change, a revoked token
    and a corrected serial; API tokens of admin, mia (manager) and kim (clerk)."""
    with serialtrack.open(initialized(db_url)) as inv:
        inv.add_product("PHN-X", "Phone X")
        inv.add_location("Store")
        inv.add_partner("Acme <b>&</b>", supplier=True)
        users = (("kim", "clerk"), ("mia", "manager"), ("bob", "clerk"), ("ada", "admin"))
        for name, role in users:
            inv.add_user(name, role, PASSWORD)
        inv.as_user("mia").update_product("PHN-X", name="Phone X <renamed>")
        inv.set_setting("allow_negative_stock", "true")
        inv.set_role("bob", "viewer")
        inv.create_token("bob", "old")
        inv.revoke_token(inv.tokens()[0]["id"])
        inv.receive(supplier="Acme <b>&</b>", location="Store", lines=[("PHN-X", ["X-1O"])])
        inv.correct_serial("PHN-X", "X-1O", "X-10", reason="typo")
        tokens = {name: inv.create_token(name, "test") for name in ("admin", "mia", "kim")}
    app = create_app(db_url)
    if not any(getattr(r, "path", None) == "/audit" for r in app.routes):
        app.include_router(pages_audit.router)  # until web.py includes it
    with TestClient(app) as client:
        yield client, tokens


def log_in(client: TestClient, username: str) -> None:
    client.cookies.clear()
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


def api(client: TestClient, token: str, **params: Any) -> Any:
    return client.get("/api/v1/audit", params=params, headers={"Authorization": f"Bearer {token}"})


def test_the_page_shows_old_and_new_values_newest_first(shop) -> None:  # type: ignore[no-untyped-def]
    client, _ = shop
    log_in(client, "mia")
    page = client.get("/audit")
    assert page.status_code == 200, page.text
    html = page.text
    assert '<span id="who">mia (manager)</span>' in html  # the top bar, as on every page
    assert "name: Phone X → Phone X &lt;renamed&gt;" in html  # escaped, never markup
    assert "<renamed>" not in html
    assert "<b>&</b>" not in html
    assert "allow_negative_stock: false → true" in html
    assert "role: clerk → viewer" in html
    assert "old (bob)" in html
    assert "revoked: no → yes" in html
    assert "code: X-1O → X-10; reason: typo" in html
    # newest first: the correction comes before the rename
    assert html.index("code: X-1O → X-10") < html.index("name: Phone X → Phone X")


def test_the_page_filters_by_entity_and_user_and_pages_to_older(shop) -> None:  # type: ignore[no-untyped-def]
    client, _ = shop
    log_in(client, "ada")
    by_mia = client.get("/audit", params={"user": "mia"}).text
    assert "Phone X &lt;renamed&gt;" in by_mia
    assert "allow_negative_stock" not in by_mia
    users = client.get("/audit", params={"entity": "user"}).text
    assert "role: clerk → viewer" in users
    assert "Phone X &lt;renamed&gt;" not in users
    assert 'value="user" selected' in users
    bad = client.get("/audit", params={"since": "not a date"})
    assert bad.status_code == 422
    assert "a date is written YYYY-MM-DD" in bad.text

    pages_audit.PAGE_SIZE, size = 3, pages_audit.PAGE_SIZE
    try:
        first = client.get("/audit").text
        assert first.count("<tr data-id=") == 3
        assert 'id="older"' in first
        older = first.split('id="older"')[0].rsplit('href="', 1)[1].split('"')[0]
        second = client.get(older.replace("&amp;", "&")).text
        assert second.count("<tr data-id=") == 3
        assert 'id="newest"' in second
        seen = [int(x.split('"')[0]) for x in (first + second).split('<tr data-id="')[1:]]
        assert seen == sorted(seen, reverse=True)
        assert len(set(seen)) == 6
    finally:
        pages_audit.PAGE_SIZE = size


def test_clerks_get_403_on_the_page_and_the_api(shop) -> None:  # type: ignore[no-untyped-def]
    client, tokens = shop
    log_in(client, "kim")
    assert client.get("/audit").status_code == 403
    assert api(client, tokens["kim"]).status_code == 403


def test_the_api_lists_filters_and_refuses(shop) -> None:  # type: ignore[no-untyped-def]
    client, tokens = shop
    response = api(client, tokens["mia"], entity="product", user="mia")
    assert response.status_code == 200, response.text
    (row,) = response.json()["items"]
    assert (row["user"], row["entity"], row["name"], row["action"]) == (
        "mia", "product", "PHN-X", "update",
    )  # fmt: skip
    assert row["detail"]["changes"]["name"] == {"old": "Phone X", "new": "Phone X <renamed>"}
    items = api(client, tokens["admin"], limit=4).json()["items"]  # the 3 tokens, then
    assert [r["action"] for r in items] == ["create", "create", "create", "correct_code"]
    older = api(client, tokens["admin"], limit=50, before_id=items[-1]["id"]).json()["items"]
    assert all(r["id"] < items[-1]["id"] for r in older)
    assert older
    today = api(client, tokens["admin"], since="2000-01-01", until="2999-12-31").json()
    assert len(today["items"]) > 5
    assert api(client, tokens["admin"], entity="nothing").status_code == 422
    assert api(client, tokens["admin"], since="yesterday").status_code == 422
    assert client.get("/api/v1/audit").status_code == 401
    with serialtrack.open(
        client.app.state.inventory.store.engine.url.render_as_string(False)
    ) as inv:
        assert inv.check() == []


def test_the_command_prints_a_table(shop, db_url: str) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    result = runner.invoke(
        cli_app, ["--db", db_url, "audit", "--entity", "user", "--user", "admin", "--limit", "5"]
    )
    assert result.exit_code == 0, result.output
    assert "Audit trail" in result.stdout
    assert "role: clerk → viewer" in result.stdout
    assert "Phone X" not in result.stdout
    refused = runner.invoke(cli_app, ["--db", db_url, "--user", "kim", "audit"])
    assert refused.exit_code == 1
