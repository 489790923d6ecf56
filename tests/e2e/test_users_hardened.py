"""Changing users over HTTP and the CLI, on both databases: every change is checked whole
before anything is written (a refused PATCH writes nothing), your own password needs the
current one, roles change, the last admin stays; logins are throttled with 429."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import serialtrack
from serialtrack.domain.errors import Unauthenticated
from serialtrack.entrypoints.cli import app as cli_app
from serialtrack.entrypoints.web import create_app
from templates import initialized

PASSWORDS = {"vic": "viewer-password", "kim": "clerk-password", "ada": "admin2-password"}


@dataclass
class Site:
    client: TestClient
    tokens: dict[str, str]

    def patch(self, name: str, body: dict[str, Any], as_user: str = "admin") -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[as_user]}"}
        return self.client.patch(f"/api/v1/users/{name}", json=body, headers=headers)

    def get(self, path: str, as_user: str = "admin") -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[as_user]}"}
        return self.client.get("/api/v1" + path, headers=headers)

    def works(self, name: str, password: str) -> bool:
        """Whether the password logs ``name`` in (checked without a client address)."""
        try:
            self.client.app.state.inventory.via_password(name, password)  # type: ignore[attr-defined]
        except Unauthenticated:
            return False
        return True

    def user(self, name: str, as_user: str = "admin") -> dict[str, Any]:
        listed = self.get("/users", as_user).json()["items"]
        return next(u for u in listed if u["username"] == name)

    def session(self, name: str, password: str) -> tuple[TestClient, str]:
        """A second browser: its own cookie jar, logged in as ``name``."""
        other = TestClient(self.client.app)
        response = other.post("/api/v1/session", json={"username": name, "password": password})
        assert response.status_code == 200, response.text
        return other, response.json()["csrf_token"]


@pytest.fixture
def site(db_url: str) -> Iterator[Site]:
    with serialtrack.open(initialized(db_url)) as inv:
        tokens = {"admin": inv.create_token("admin", "tests")}
        for name, role in (("vic", "viewer"), ("kim", "clerk"), ("ada", "admin")):
            inv.add_user(name, role, PASSWORDS[name])
            tokens[name] = inv.create_token(name)
    with TestClient(create_app(db_url)) as client:
        yield Site(client, tokens)


def refused(response: Any, status: int, text: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert text in str(body), body
    return body


# --- PATCH /users/{name}: checked whole, then written whole ----------------------------------
def test_a_viewer_changes_their_own_password_only_with_the_current_one(site: Site) -> None:
    old, new = PASSWORDS["vic"], "a-new-viewer-pass"
    refusals = [
        ({"password": new}, 422, "current_password"),
        ({"password": new, "current_password": "not-the-password"}, 403, "current password"),
        ({"password": new, "current_password": old, "role": "admin"}, 403, "vic (viewer)"),
        ({"password": new, "current_password": old, "active": False}, 403, "manage users"),
        ({"password": "short1", "current_password": old}, 422, "at least 10"),
        ({"password": "VIC", "current_password": old}, 422, "at least 10"),
        ({"password": new, "current_password": old, "nickname": "v"}, 422, "nickname"),
    ]
    for body, status, text in refusals:
        refused(site.patch("vic", body, as_user="vic"), status, text)
        assert site.works("vic", old), body
        assert not site.works("vic", new), body
    refused(site.patch("kim", {"password": new}, as_user="vic"), 403, "manage users")
    assert site.works("kim", PASSWORDS["kim"])

    done = site.patch("vic", {"password": new, "current_password": old}, as_user="vic")
    assert done.status_code == 200, done.text
    assert done.json()["username"] == "vic"
    assert "password_hash" not in done.json()
    assert site.works("vic", new)
    assert not site.works("vic", old)


def test_admins_change_others_passwords_without_the_current_one(site: Site) -> None:
    assert site.patch("kim", {"password": "kims-new-pass"}).status_code == 200
    assert site.works("kim", "kims-new-pass")
    assert not site.works("kim", PASSWORDS["kim"])
    refused(site.patch("ada", {"password": "ada"}), 422, "at least 10")
    refused(site.patch("ada", {"password": "ada-ada-ada-1", "role": "boss"}), 422, "role")
    refused(site.patch("nobody", {"password": "whatever-pass"}), 404, "nobody")
    refused(site.patch("kim", {}), 422, "nothing was changed")
    assert site.works("ada", PASSWORDS["ada"])


def test_a_password_equal_to_the_username_is_refused(site: Site) -> None:
    headers = {"Authorization": f"Bearer {site.tokens['admin']}"}
    body = {"username": "longusername", "role": "clerk", "password": "LongUserName"}
    refused(site.client.post("/api/v1/users", json=body, headers=headers), 422, "username")
    site.client.post("/api/v1/users", json={**body, "password": "a-good-password"}, headers=headers)
    refused(site.patch("longusername", {"password": " LONGUSERNAME "}), 422, "the username")


def test_an_admin_disabling_themselves_writes_nothing(site: Site) -> None:
    body = {"password": "admins-new-pass", "current_password": PASSWORDS["ada"], "active": False}
    refused(site.patch("ada", body, as_user="ada"), 409, "cannot disable yourself")
    assert site.works("ada", PASSWORDS["ada"])
    assert not site.works("ada", "admins-new-pass")
    assert site.user("ada")["active"] is True


def test_roles_change_and_the_last_active_admin_stays(site: Site) -> None:
    done = site.patch("kim", {"role": "manager"})
    assert done.status_code == 200, done.text
    assert done.json()["role"] == "manager"
    assert site.get("/me", as_user="kim").json() == {"username": "kim", "role": "manager"}
    refused(site.patch("kim", {"role": "admin"}, as_user="kim"), 403, "manage users")

    assert site.patch("ada", {"active": False}).status_code == 200  # admin is left
    own = {"role": "viewer", "password": "new-admin-pass", "current_password": "not-known"}
    for body in ({"role": "manager"}, own):
        refused(site.patch("admin", body), 409, "last active admin")
    assert site.user("admin")["role"] == "admin"
    assert site.works("admin", "new-admin-pass") is False

    assert site.patch("ada", {"active": True}).status_code == 200
    assert site.patch("admin", {"role": "manager"}, as_user="ada").status_code == 200
    refused(site.patch("ada", {"role": "clerk"}, as_user="ada"), 409, "last active admin")
    refused(site.patch("ada", {"active": False}, as_user="ada"), 409, "yourself")
    ada = site.user("ada", as_user="ada")
    assert (ada["role"], ada["active"]) == ("admin", True)
    assert site.get("/users").status_code == 403  # the old admin is a manager now


def test_a_new_password_ends_the_users_other_sessions(site: Site) -> None:
    first, csrf = site.session("kim", PASSWORDS["kim"])
    second, _ = site.session("kim", PASSWORDS["kim"])
    body = {"password": "kims-second-pass", "current_password": PASSWORDS["kim"]}
    done = first.patch("/api/v1/users/kim", json=body, headers={"X-CSRF-Token": csrf})
    assert done.status_code == 200, done.text
    assert first.get("/api/v1/me").status_code == 200  # the session that changed it stays
    assert second.get("/api/v1/me").status_code == 401
    assert site.patch("kim", {"password": "kims-third-pass"}).status_code == 200  # an admin
    assert first.get("/api/v1/me").status_code == 401
    assert site.get("/me", as_user="kim").status_code == 200  # API tokens are not sessions


def test_admins_list_failed_logins(site: Site) -> None:
    wrong = site.client.post("/api/v1/session", json={"username": "kim", "password": "nope-nope"})
    assert wrong.status_code == 401
    items = site.get("/login-failures").json()["items"]
    assert [(f["username"], f["client"], f["reason"]) for f in items] == [
        ("kim", "testclient", "password")
    ]
    assert site.get("/login-failures?username=nobody").json()["items"] == []
    refused(site.get("/login-failures", as_user="kim"), 403, "manage users")


# --- throttling over HTTP -------------------------------------------------------------------
def test_the_sixth_login_is_429_with_retry_after_then_works_after_the_window(
    site: Site,
) -> None:
    now = [datetime(2030, 1, 1, 9, 0, 0)]
    site.client.app.state.inventory.clock = lambda: now[0]  # type: ignore[attr-defined]
    login = {"username": "kim", "password": "nope-nope"}
    for _ in range(5):
        assert site.client.post("/api/v1/session", json=login).status_code == 401
    right = {"username": "kim", "password": PASSWORDS["kim"]}
    throttled = site.client.post("/api/v1/session", json=right)
    body = refused(throttled, 429, "even with the right password")
    assert body["type"] == "urn:serialtrack:problem:throttled"
    assert int(throttled.headers["retry-after"]) == 15 * 60
    assert "serialtrack_session" not in throttled.cookies

    form = site.client.post("/login", data=right, follow_redirects=False)
    assert form.status_code == 429
    assert "even with the right password" in form.text
    assert int(form.headers["retry-after"]) == 15 * 60

    now[0] += timedelta(minutes=15, seconds=1)
    assert site.client.post("/api/v1/session", json=right).status_code == 200
    reasons = [f["reason"] for f in site.get("/login-failures").json()["items"]]
    assert reasons == ["throttled", "throttled"] + ["password"] * 5


def test_the_web_form_records_the_client_address(site: Site) -> None:
    form = site.client.post("/login", data={"username": "kim", "password": "nope-nope"})
    assert form.status_code == 401
    assert site.get("/login-failures").json()["items"][0]["client"] == "testclient"


# --- the CLI ----------------------------------------------------------------------------------
@pytest.fixture
def cli(db_url: str):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    with serialtrack.open(initialized(db_url)) as inv:
        inv.add_user("kim", "clerk", PASSWORDS["kim"])

    def run(*args: str, ok: bool = True, input: str | None = None) -> str:
        result = runner.invoke(cli_app, ["--db", db_url, *args], input=input)
        output = result.stdout + result.stderr
        assert result.exit_code == (0 if ok else 1), output
        return output

    run.url = db_url  # type: ignore[attr-defined]
    return run


def test_cli_sets_roles_and_passwords_and_lists_failures(cli) -> None:  # type: ignore[no-untyped-def]
    assert "kim is now manager" in cli("user", "set-role", "kim", "manager")
    assert "manager" in cli("user", "list")
    assert "last active admin" in cli("user", "set-role", "admin", "clerk", ok=False)
    assert "role is one of" in cli("user", "set-role", "kim", "boss", ok=False)

    assert "changed" in cli("user", "passwd", "kim", input="kims-cli-pass\nkims-cli-pass\n")
    with serialtrack.open(cli.url, user=None) as door:
        assert door.via_password("kim", "kims-cli-pass").actor.username == "kim"
        with pytest.raises(Unauthenticated):
            door.via_password("kim", PASSWORDS["kim"])
    assert "at least 10" in cli("user", "passwd", "kim", input="short1\nshort1\n", ok=False)

    own = "wrong-current\nadmin-new-pass\nadmin-new-pass\n"
    assert "current password is wrong" in cli("user", "passwd", "admin", input=own, ok=False)
    listed = cli("user", "failures")
    assert "admin" in listed
    assert "current-password" in listed
    assert "kim" not in cli("user", "failures", "--username", "admin")
