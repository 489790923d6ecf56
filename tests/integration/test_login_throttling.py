"""Failed logins are recorded and throttle the next ones, per username and per client address,
without computing a password hash; argon2 checks are bounded process-wide. Both databases."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest

import serialtrack
from serialtrack.domain.errors import Forbidden, Invalid, Throttled, Unauthenticated
from serialtrack.inventory import Inventory
from serialtrack.services import auth

KIM = "kim-password-1"


class Clock:
    """A clock the test moves; each reading is a millisecond after the one before."""

    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, 12, 0, 0)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, **span: float) -> None:
        self.now += timedelta(**span)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def admin(db_url: str, clock: Clock) -> Iterator[Inventory]:
    with serialtrack.open(db_url, clock=clock) as inventory:
        inventory.add_user("kim", "clerk", KIM)
        inventory.add_user("vic", "viewer", "viewer-password")
        yield inventory


@pytest.fixture
def door(admin: Inventory, db_url: str, clock: Clock) -> Iterator[Inventory]:
    """The inventory as the web app holds it: nobody logged in."""
    with serialtrack.open(db_url, user=None, clock=clock) as inventory:
        yield inventory


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password check that ran argon2 (the usernames)."""
    calls: list[str] = []
    real = auth._verify

    def counted(row: Any, password: object) -> str | None:
        calls.append(row["username"] if row is not None else "?")
        return real(row, password)

    monkeypatch.setattr(auth, "_verify", counted)
    return calls


def fail(door: Inventory, username: str, times: int, client: str | None = "10.0.0.1") -> None:
    for _ in range(times):
        with pytest.raises(Unauthenticated) as refused:
            door.login(username, "wrong-password", client=client)
        assert not isinstance(refused.value, Throttled)
        assert refused.value.message == "wrong username or password"


def test_the_sixth_attempt_is_refused_even_with_the_right_password(
    door: Inventory, argon2_calls: list[str]
) -> None:
    fail(door, "kim", 5)
    assert len(argon2_calls) == 5
    with pytest.raises(Throttled) as refused:
        door.login("kim", KIM, client="10.0.0.1")
    assert "even with the right password" in refused.value.message
    assert "'kim'" in refused.value.message
    assert 14 * 60 < refused.value.retry_after <= 15 * 60
    with pytest.raises(Throttled):
        door.login("kim", "wrong-password", client="10.0.0.2")  # any address
    with pytest.raises(Throttled):
        door.via_password("kim", KIM)
    assert len(argon2_calls) == 5  # no hash was computed for the refused attempts
    assert door.login("vic", "viewer-password", client="10.0.0.1").actor.username == "vic"


def test_after_the_window_the_login_works(door: Inventory, clock: Clock) -> None:
    fail(door, "kim", 5)
    clock.advance(minutes=14)
    with pytest.raises(Throttled) as refused:
        door.login("kim", KIM)
    assert refused.value.retry_after <= 60
    clock.advance(minutes=1, seconds=1)
    assert door.login("kim", KIM).actor.username == "kim"


def test_a_success_resets_the_count_for_that_username(door: Inventory, admin: Inventory) -> None:
    fail(door, "kim", 4)
    door.login("kim", KIM, client="10.0.0.1")
    fail(door, "kim", 4)  # four again: not throttled
    assert door.login("kim", KIM).actor.username == "kim"
    kim = next(u for u in admin.users() if u["username"] == "kim")
    assert kim["last_login_at"] is not None


def test_throttled_attempts_do_not_prolong_the_lockout(door: Inventory, clock: Clock) -> None:
    fail(door, "kim", 5)
    for _ in range(10):
        clock.advance(minutes=1)
        with pytest.raises(Throttled):
            door.login("kim", KIM)
    clock.advance(minutes=5, seconds=1)
    assert door.login("kim", KIM).actor.username == "kim"


def test_unknown_usernames_are_throttled_alike(door: Inventory) -> None:
    fail(door, "nobody", 5)
    with pytest.raises(Throttled) as refused:
        door.login("nobody", "whatever-it-is")
    assert "'nobody'" in refused.value.message


def test_one_client_address_is_throttled_across_usernames(
    door: Inventory, admin: Inventory, argon2_calls: list[str]
) -> None:
    for name in ("a1", "a2", "a3", "a4", "a5"):
        fail(door, name, 4, client="203.0.113.9")  # never five for one name
    with pytest.raises(Throttled) as refused:
        door.login("kim", KIM, client="203.0.113.9")
    assert "from 203.0.113.9" in refused.value.message
    assert len(argon2_calls) == 20
    assert door.login("kim", KIM, client="198.51.100.7").actor.username == "kim"
    assert door.login("kim", KIM).actor.username == "kim"  # no address given: by username only
    with pytest.raises(Throttled):  # a success does not clear the address
        door.login("kim", KIM, client="203.0.113.9")


def test_failures_are_recorded_and_listed(door: Inventory, admin: Inventory) -> None:
    admin.set_user_active("vic", False)
    long_name = "x" * 200
    fail(door, "kim", 1, client="192.0.2.1")
    fail(door, long_name, 1, client=None)
    with pytest.raises(Unauthenticated):
        door.login("vic", "viewer-password", client="192.0.2.2")  # right password, disabled
    fail(door, "kim", 4, client="192.0.2.1")
    with pytest.raises(Throttled):
        door.login("kim", KIM, client="192.0.2.1")

    listed = admin.login_failures()
    assert [f["reason"] for f in listed] == [
        "throttled", "password", "password", "password", "password", "disabled", "unknown-user",
        "password",
    ]  # fmt: skip
    assert listed[-1]["username"] == "kim"
    assert listed[-1]["client"] == "192.0.2.1"
    assert listed[-2]["username"] == "x" * 80
    assert listed[-2]["client"] is None
    assert listed[0]["at"] > listed[-1]["at"]
    assert len(admin.login_failures(username="kim")) == 6
    assert len(admin.login_failures(limit=2)) == 2
    with pytest.raises(Forbidden):
        admin.as_user("kim").login_failures()
    with pytest.raises(Invalid):
        admin.login_failures(limit=0)


def test_a_wrong_current_password_counts_as_a_failed_login(
    door: Inventory, admin: Inventory
) -> None:
    kim = admin.as_user("kim")
    for _ in range(5):
        with pytest.raises(Forbidden, match="current password is wrong"):
            kim.set_password("kim", "brand-new-pass", current_password="not-it-at-all")
    with pytest.raises(Throttled):
        kim.set_password("kim", "brand-new-pass", current_password=KIM)
    with pytest.raises(Throttled):
        door.login("kim", KIM)
    reasons = {f["reason"] for f in admin.login_failures(username="kim")}
    assert reasons == {"current-password", "throttled"}


def test_concurrent_wrong_logins_run_few_bounded_hash_checks(
    door: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, peak, calls = 0, 0, 0
    lock = threading.Lock()
    real = auth._verify

    def watched(row: Any, password: object) -> str | None:
        nonlocal running, peak, calls
        with lock:
            running, calls = running + 1, calls + 1
            peak = max(peak, running)
        try:
            return real(row, password)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(auth, "_verify", watched)

    def attempt(i: int) -> str:
        try:
            door.login("kim", "wrong-password", client=f"10.1.0.{i % 200}")
        except Throttled:
            return "throttled"
        except Unauthenticated:
            return "wrong"
        return "in"

    with ThreadPoolExecutor(max_workers=40) as pool:
        outcomes = list(pool.map(attempt, range(120)))
    assert peak <= auth.VERIFY_SLOTS
    # Each check is recorded before its slot is free, so at most the others in slots overshoot.
    assert auth.USER_LIMIT <= calls <= auth.USER_LIMIT + auth.VERIFY_SLOTS - 1
    assert outcomes.count("wrong") == calls
    assert outcomes.count("throttled") == 120 - calls


def test_a_busy_server_refuses_instead_of_queueing_forever(
    door: Inventory, monkeypatch: pytest.MonkeyPatch, admin: Inventory
) -> None:
    monkeypatch.setattr(auth, "VERIFY_WAIT_SECONDS", 0.05)
    taken = [auth._verifying.acquire(timeout=5) for _ in range(auth.VERIFY_SLOTS)]
    try:
        with pytest.raises(Throttled, match="busy") as refused:
            door.login("kim", KIM)
    finally:
        for _ in taken:
            auth._verifying.release()
    assert refused.value.retry_after >= 1
    assert admin.login_failures()[0]["reason"] == "busy"
    assert door.login("kim", KIM).actor.username == "kim"  # not counted against kim


def test_failed_logins_of_a_real_user_are_in_the_audit_trail(
    door: Inventory, admin: Inventory
) -> None:
    fail(door, "kim", 2, client="10.9.8.7")
    fail(door, "nobody", 1)  # no such user: in the failed-login log only
    entries = [e for e in admin.audit(entity="user") if e["action"] == "login_failed"]
    assert len(entries) == 2
    assert entries[0]["name"] == "kim"
    assert "10.9.8.7" in entries[0]["summary"]
    assert {f["username"] for f in admin.login_failures()} >= {"kim", "nobody"}
    assert admin.check() == []
