"""Users for real, in the library on both databases: one-time passwords an admin hands out
(a reset, a user added with ``one_time``) must be changed before a session may do anything
else; API tokens expire; refused changes write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

import serialtrack
from serialtrack.adapters.db.tables import api_tokens, sessions, users
from serialtrack.domain.errors import Forbidden, Invalid, NotFound, Unauthenticated
from serialtrack.inventory import Inventory
from serialtrack.services.auth import PasswordChangeRequired

KIM = "clerk-password"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, 12, 0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def shop(db_url: str, clock: Clock) -> Iterator[Inventory]:
    with serialtrack.open(db_url, clock=clock) as inv:
        inv.add_user("kim", "clerk", KIM)
        inv.add_user("vic", "viewer", "viewer-password")
        yield inv


def rows(inv: Inventory, table) -> list[dict]:  # type: ignore[no-untyped-def]
    with inv.store.engine.connect() as connection:
        return [dict(r) for r in connection.execute(table.select()).mappings()]


def user_row(inv: Inventory, name: str) -> dict:  # type: ignore[type-arg]
    return next(r for r in rows(inv, users) if r["username"] == name)


def test_a_reset_password_works_once_and_must_be_changed_first(shop: Inventory) -> None:
    door = shop.as_actor(shop.actor)
    old_session = door.login("kim", KIM)
    one_time = shop.reset_password("kim")
    assert len(one_time) >= 16
    assert one_time != KIM
    assert user_row(shop, "kim")["must_change_password"] is True
    with pytest.raises(Unauthenticated):  # the reset ended kim's sessions
        shop.via_session(old_session.token)
    with pytest.raises(Unauthenticated):
        shop.via_password("kim", KIM)

    session = shop.login("kim", one_time)
    assert session.must_change_password
    with pytest.raises(PasswordChangeRequired, match="change your password first"):
        shop.via_session(session.token)
    kim, _ = shop.via_session(session.token, password_change=True)
    assert kim.must_change_password()
    with pytest.raises(Invalid):  # still the usual rules: not too short
        kim.update_user("kim", password="short", current_password=one_time)
    kim.update_user(
        "kim", password="kims-own-password", current_password=one_time, keep_session=session.token
    )
    assert user_row(shop, "kim")["must_change_password"] is False
    kim_again, _ = shop.via_session(session.token)  # her own session stays open, unblocked
    assert kim_again.actor.username == "kim"
    assert [u["must_change_password"] for u in shop.users() if u["username"] == "kim"] == [False]
    trail = shop.audit(entity="user")
    assert all(one_time not in str(r) for r in trail)
    assert any(r["detail"].get("password") == "reset (one-time)" for r in trail)


def test_only_admins_reset_and_a_refused_reset_writes_nothing(shop: Inventory) -> None:
    before = rows(shop, users)
    kim = shop.as_user("kim")
    with pytest.raises(Forbidden):
        kim.reset_password("vic")
    with pytest.raises(NotFound):
        shop.reset_password("nobody")
    assert rows(shop, users) == before


def test_a_user_added_with_a_one_time_password_must_change_it(shop: Inventory) -> None:
    user, password = shop.add_user_one_time("lee", "manager")
    assert user["must_change_password"] is True
    session = shop.login("lee", password)
    with pytest.raises(PasswordChangeRequired):
        shop.via_session(session.token)
    assert shop.add_user("sam", "clerk", "sams-password-1")["must_change_password"] is False
    assert shop.add_user("api", "clerk", None, one_time=True)["must_change_password"] is False


def test_an_api_token_expires_and_lists_its_use_and_expiry(shop: Inventory, clock: Clock) -> None:
    lasting = shop.create_token("kim", "pos-1")
    brief = shop.create_token("kim", "pos-2", days=2)
    assert shop.via_token(brief).actor.username == "kim"
    listed = {t["name"]: t for t in shop.tokens()}
    assert listed["pos-2"]["expires_at"] == clock.now + timedelta(days=2)
    assert listed["pos-2"]["last_used_at"] == clock.now
    assert listed["pos-1"]["expires_at"] is None
    assert listed["pos-1"]["last_used_at"] is None
    assert {t["state"] for t in listed.values()} == {"active"}

    clock.now += timedelta(days=2)
    with pytest.raises(Unauthenticated, match="expired"):
        shop.via_token(brief)
    assert shop.via_token(lasting).actor.username == "kim"
    assert {t["name"]: t["state"] for t in shop.tokens()} == {"pos-1": "active", "pos-2": "expired"}


@pytest.mark.parametrize("days", [0, -1, 3651, "7", True])
def test_a_refused_token_writes_nothing(shop: Inventory, days: object) -> None:
    before = rows(shop, api_tokens)
    with pytest.raises(Invalid, match="not valid"):
        shop.create_token("kim", "x", days=days)  # type: ignore[arg-type]
    assert rows(shop, api_tokens) == before


def test_a_refused_own_change_leaves_the_one_time_password(shop: Inventory) -> None:
    one_time = shop.reset_password("kim")
    session = shop.login("kim", one_time)
    kim, _ = shop.via_session(session.token, password_change=True)
    before = (rows(shop, users), rows(shop, sessions))
    with pytest.raises(Forbidden, match="current password is wrong"):
        kim.update_user("kim", password="kims-own-password", current_password="not-the-one")
    with pytest.raises(Forbidden):  # a role change is an admin's, even for herself
        kim.update_user("kim", role="admin")
    assert (rows(shop, users), rows(shop, sessions)) == before
