"""Users for real over HTTP and the CLI, on both databases: the admin's /users page (add with
a one-time password shown once, role, disable/enable, reset), everyone's /password page, a
one-time password blocking everything but changing it, expiring tokens, passwords never on
the command line. Refused changes write nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import serialtrack
from serialtrack.adapters.db.tables import api_tokens, users
from serialtrack.entrypoints import pages_users
from serialtrack.entrypoints.cli import app as cli_app
from serialtrack.entrypoints.web import create_app
from templates import initialized

ADA, KIM = "admin2-password", "clerk-password"


def app_for(url: str) -> Any:
    app = create_app(url)
    pages_users.install(app)  # no-op once web.py installs these pages itself
    return app


@pytest.fixture
def site(db_url: str) -> Iterator[TestClient]:
    with serialtrack.open(initialized(db_url)) as inv:
        inv.add_user("ada", "admin", ADA)
        inv.add_user("kim", "clerk", KIM)
    with TestClient(app_for(db_url)) as client:
        client.url = db_url  # type: ignore[attr-defined]
        yield client


def browser(site: TestClient, name: str, password: str) -> TestClient:
    other = TestClient(site.app)
    response = other.post(
        "/login", data={"username": name, "password": password}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return other


def csrf(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def table(site: TestClient, table_) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    url = site.url  # type: ignore[attr-defined]
    with serialtrack.open(url) as inv, inv.store.engine.connect() as connection:
        return [dict(r) for r in connection.execute(table_.select()).mappings()]


def shown_password(page: str) -> str:
    found = re.search(r'<code id="shown-password">([^<]+)</code>', page)
    assert found, page
    return found[1]


def test_an_admin_adds_a_user_whose_one_time_password_must_be_changed(site: TestClient) -> None:
    ada = browser(site, "ada", ADA)
    listing = ada.get("/users")
    assert listing.status_code == 200
    assert "kim" in listing.text
    assert "never" in listing.text
    token = csrf(ada.get("/users/new").text)
    answer = ada.post("/users/new", data={"username": "lee", "role": "manager",
                                          "csrf_token": token})  # fmt: skip
    assert answer.status_code == 200
    password = shown_password(answer.text)
    assert password not in ada.get("/users").text  # shown once
    assert answer.headers["cache-control"] == "no-store"

    lee = browser(site, "lee", password)
    home = lee.get("/", follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (303, "/password")
    assert lee.get("/serials", follow_redirects=False).headers["location"] == "/password"
    page = lee.get("/password")
    assert page.status_code == 200
    assert 'id="must-change"' in page.text
    api = lee.get("/api/v1/me")
    assert api.status_code == 403
    assert "change your password first" in api.json()["detail"]
    assert api.headers["content-type"] == "application/problem+json"

    form = {"csrf_token": csrf(page.text), "current_password": password,
            "password": "lees-own-password", "password_again": "not-the-same-1"}  # fmt: skip
    refused = lee.post("/password", data=form)
    assert refused.status_code == 422
    assert "differ" in refused.text
    refused = lee.post("/password", data=form | {"password_again": "lees-own-password",
                                                 "current_password": "wrong-one-x"})  # fmt: skip
    assert refused.status_code == 403
    assert next(u for u in table(site, users) if u["username"] == "lee")["must_change_password"]

    done = lee.post("/password", data=form | {"password_again": "lees-own-password"})
    assert done.status_code == 200
    assert "was changed" in done.text
    assert lee.get("/", follow_redirects=False).status_code == 200
    assert lee.get("/api/v1/me").json()["username"] == "lee"


def test_a_user_who_must_change_may_log_out_and_change_over_the_api(site: TestClient) -> None:
    with serialtrack.open(site.url) as inv:  # type: ignore[attr-defined]
        one_time = inv.reset_password("kim")
    kim = browser(site, "kim", one_time)
    page = kim.get("/password").text
    out = kim.post("/password/logout", data={"csrf_token": csrf(page)}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    assert kim.get("/password", follow_redirects=False).headers["location"] == "/login"

    api = TestClient(site.app)
    login = api.post("/api/v1/session", json={"username": "kim", "password": one_time})
    headers = {"X-CSRF-Token": login.json()["csrf_token"]}
    assert api.get("/api/v1/products").status_code == 403
    refused = api.patch("/api/v1/users/kim", json={"role": "admin"}, headers=headers)
    assert refused.status_code == 403
    changed = api.patch(
        "/api/v1/users/kim", headers=headers,
        json={"password": "kims-own-password", "current_password": one_time},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert changed.json()["must_change_password"] is False
    assert api.get("/api/v1/me").status_code == 200


def test_admins_change_roles_disable_enable_and_reset_on_the_page(site: TestClient) -> None:
    ada = browser(site, "ada", ADA)
    token = csrf(ada.get("/users").text)
    assert ada.post("/users/role?name=kim", data={"role": "manager", "csrf_token": token},
                    follow_redirects=False).status_code == 303  # fmt: skip
    assert ada.post("/users/disable?name=kim", data={"csrf_token": token},
                    follow_redirects=False).status_code == 303  # fmt: skip
    kim = {u["username"]: u for u in table(site, users)}["kim"]
    assert (kim["role"], kim["active"]) == ("manager", False)
    ada.post("/users/enable?name=kim", data={"csrf_token": token})
    answer = ada.post("/users/reset?name=kim", data={"csrf_token": token})
    assert answer.status_code == 200
    one_time = shown_password(answer.text)
    assert (
        browser(site, "kim", one_time).get("/", follow_redirects=False).headers["location"]
        == "/password"
    )
    assert "must change at next login" in ada.get("/users").text


def test_refused_user_changes_on_the_page_write_nothing(site: TestClient) -> None:
    before = table(site, users)
    kim = browser(site, "kim", KIM)
    token = csrf(kim.get("/").text)
    assert kim.get("/users").status_code == 403
    assert kim.post("/users/new", data={"username": "x", "role": "admin",
                                        "csrf_token": token}).status_code == 403  # fmt: skip
    assert kim.post("/users/reset?name=ada", data={"csrf_token": token}).status_code == 403
    promote = {"role": "admin", "csrf_token": token}
    assert kim.post("/users/role?name=kim", data=promote).status_code == 403
    ada = browser(site, "ada", ADA)
    assert ada.post("/users/new", data={"username": "x", "role": "boss"}).status_code == 403
    assert ada.post("/users/reset?name=kim", data={"csrf_token": "stale"}).status_code == 403
    token = csrf(ada.get("/users").text)
    bad = ada.post("/users/new", data={"username": "kim", "role": "clerk", "csrf_token": token})
    assert bad.status_code == 409
    assert "already exists" in bad.text
    bad = ada.post("/users/new", data={"username": "x", "role": "boss", "csrf_token": token})
    assert bad.status_code == 422
    assert "role is one of" in bad.text
    with serialtrack.open(site.url) as inv:  # type: ignore[attr-defined]
        inv.set_role("admin", "clerk")  # ada is the last active admin now
    demote = {"role": "clerk", "csrf_token": token}
    assert ada.post("/users/role?name=ada", data=demote).status_code == 409
    assert ada.post("/users/disable?name=ada", data={"csrf_token": token}).status_code == 409

    def state(rows: list[dict[str, Any]]) -> dict[str, Any]:  # logins aside
        return {u["username"]: {**u, "last_login_at": None} for u in rows}

    expected = state(before)
    expected["admin"]["role"] = "clerk"
    assert state(table(site, users)) == expected


def test_everyone_changes_their_own_password_on_the_page(site: TestClient) -> None:
    kim = browser(site, "kim", KIM)
    page = kim.get("/password")
    assert page.status_code == 200
    assert 'id="must-change"' not in page.text
    form = {"csrf_token": csrf(page.text), "current_password": KIM,
            "password": "kims-new-password", "password_again": "kims-new-password"}  # fmt: skip
    assert kim.post("/password", data=form | {"csrf_token": "stale"}).status_code == 403
    assert kim.post("/password", data=form).status_code == 200
    assert kim.get("/", follow_redirects=False).status_code == 200  # this session stays
    browser(site, "kim", "kims-new-password")


def test_api_resets_passwords_and_tokens_expire(site: TestClient, db_url: str) -> None:
    past = datetime.now() - timedelta(days=3)
    with serialtrack.open(db_url, clock=lambda: past) as inv:
        old = inv.create_token("ada", "old", days=1)
    with serialtrack.open(db_url) as inv:
        admin = inv.create_token("ada", "tests")
    auth = {"Authorization": f"Bearer {admin}"}
    expired = site.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"})
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]

    made = site.post("/api/v1/tokens", json={"username": "kim", "name": "pos", "days": 30},
                     headers=auth)  # fmt: skip
    assert made.status_code == 201
    assert site.get("/api/v1/me", headers={"Authorization": f"Bearer {made.json()['token']}"}
                    ).status_code == 200  # fmt: skip
    before = table(site, api_tokens)
    refused = site.post("/api/v1/tokens", json={"username": "kim", "days": 0}, headers=auth)
    assert refused.status_code == 422
    assert table(site, api_tokens) == before
    listed = {t["name"]: t for t in site.get("/api/v1/tokens", headers=auth).json()["items"]}
    assert listed["old"]["state"] == "expired"
    assert listed["pos"]["expires_at"]
    assert listed["pos"]["last_used_at"]
    assert listed["tests"]["last_used_at"]

    reset = site.post("/api/v1/users/kim/password-reset", headers=auth)
    assert reset.status_code == 200
    assert reset.json()["must_change_password"] is True
    login = TestClient(site.app).post(
        "/api/v1/session", json={"username": "kim", "password": reset.json()["password"]}
    )
    assert login.status_code == 200
    kim_token = site.post("/api/v1/tokens", json={"username": "kim"}, headers=auth).json()
    forbidden = site.post("/api/v1/users/ada/password-reset",
                          headers={"Authorization": f"Bearer {kim_token['token']}"})  # fmt: skip
    assert forbidden.status_code == 403


# --- the command line --------------------------------------------------------------------------
@pytest.fixture
def cli(db_url: str):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    with serialtrack.open(initialized(db_url)) as inv:
        inv.add_user("kim", "clerk", KIM)

    def run(*args: str, ok: bool = True, input: str | None = None, code: int = 1) -> str:
        result = runner.invoke(cli_app, ["--db", db_url, *args], input=input)
        output = result.stdout + result.stderr
        assert result.exit_code == (0 if ok else code), output
        return output

    run.url = db_url  # type: ignore[attr-defined]
    return run


def test_cli_never_takes_a_password_in_argv(cli) -> None:  # type: ignore[no-untyped-def]
    refused = cli("user", "add", "lee", "--password", "lees-password-1", ok=False, code=2)
    assert "process list" in refused
    assert "lee" not in cli("user", "list")
    assert "added" in cli("user", "add", "lee", "--role", "manager", input="lees-password-1\n")
    with serialtrack.open(cli.url, user=None) as door:
        session = door.login("lee", "lees-password-1")
        assert session.must_change_password
    assert "added" in cli("user", "add", "sam", "--no-one-time", input="sams-password-1\n")
    with serialtrack.open(cli.url, user=None) as door:
        assert not door.login("sam", "sams-password-1").must_change_password
    assert "no password on standard input" in cli("user", "add", "max", input="", ok=False)
    assert "at least 10" in cli("user", "add", "max", input="short\n", ok=False)
    assert "max" not in cli("user", "list")


def test_cli_resets_a_lost_admin_password(cli) -> None:  # type: ignore[no-untyped-def]
    printed = cli("--user", "admin", "user", "reset", "admin")
    password = printed.strip().splitlines()[-1]
    assert "shown once" in printed
    with serialtrack.open(cli.url, user=None) as door:
        session = door.login("admin", password)
        assert session.must_change_password
    assert "must change password" in cli("user", "list")
    assert "error" in cli("--user", "kim", "user", "reset", "admin", ok=False)


def test_cli_tokens_expire_and_list_last_use(cli) -> None:  # type: ignore[no-untyped-def]
    secret = cli("token", "create", "kim", "--name", "pos-1", "--days", "7").strip()
    assert secret.startswith("st_")
    with serialtrack.open(cli.url, user=None) as door:
        door.via_token(secret)
    listed = cli("token", "list")
    assert "expires" in listed
    assert "active" in listed
    assert "pos-1" in listed
    assert "1 to 3650 days" in cli("token", "create", "kim", "--days", "0", ok=False)
