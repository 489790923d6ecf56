"""Who is asking: passwords, browser sessions, API tokens, users, failed logins.

Secrets (session cookies, API tokens) are random 256-bit values handed out once; only their
SHA-256 is stored, so a copy of the database lets no one in. Passwords are argon2 hashes.

Every refused login is recorded (``login_failures``). After ``USER_LIMIT`` failures for one
username, or ``CLIENT_LIMIT`` from one client address, within ``WINDOW``, further attempts are
refused (``Throttled``, HTTP 429 with Retry-After) before any hash is computed, even with the
right password, until the oldest of those failures leaves the window; a successful login ends
the run for its username. Each argon2 check takes 64 MiB, so at most ``VERIFY_SLOTS`` run at
once in a process. Password checks never run inside a write transaction.

A password an admin hands out (``reset_password``, a user added with ``one_time``, the first
admin's generated one) must be changed before anything else: such a user's browser sessions
are refused (``PasswordChangeRequired``, 403) everywhere but changing their own password and
logging out. API tokens may carry an expiry; an expired token is refused like a revoked one.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2.exceptions import InvalidHashError, VerificationError

from serialtrack.adapters.db.store import Store, Tx
from serialtrack.domain.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Problem,
    Throttled,
    Unauthenticated,
)
from serialtrack.domain.model import Actor, Role
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.text import text_problem
from serialtrack.services.passwords import hasher

SESSION_HOURS = 12
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_TOKEN_DAYS = 3650
WINDOW = timedelta(minutes=15)
USER_LIMIT = 5  # failures per username within WINDOW
CLIENT_LIMIT = 20  # failures per client address within WINDOW
KEEP_FAILURES = timedelta(days=90)
VERIFY_SLOTS = 2  # argon2 verifications at once, process-wide
VERIFY_WAIT_SECONDS = 10.0

# Why a login failed, as recorded. Throttled and busy refusals checked no password: they are
# listed, but do not count towards the limits (else a lockout would never end under attack).
WRONG_PASSWORD = "password"
UNKNOWN_USER = "unknown-user"
DISABLED = "disabled"
WRONG_CURRENT = "current-password"  # changing one's own password
THROTTLED = "throttled"
BUSY = "busy"
UNCOUNTED = (THROTTLED, BUSY)

_hasher = hasher()
# Verifying against this when the user does not exist keeps the timing of both answers alike.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
_verifying = threading.BoundedSemaphore(VERIFY_SLOTS)


class PasswordChangeRequired(Forbidden):
    """The session's user must change their password before doing anything else."""

    def __init__(self, username: str) -> None:
        super().__init__(
            "change your password first: it was set by an admin and is for one login only",
            [Problem("password", f"{username} must change their password")],
        )


@dataclass(frozen=True)
class Session:
    token: str  # the cookie value, shown once
    csrf_token: str
    actor: Actor
    must_change_password: bool = False


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _actor(row: Any) -> Actor:
    return Actor(row["id"], row["username"], Role(row["role"]))


# logging in -----------------------------------------------------------------------------
def login(
    store: Store, username: str, password: str, *, client: str | None = None, now: datetime
) -> Session:
    """Check the password (throttled, recorded when refused) and open a browser session."""
    row = _authenticate(store, username, password, client=client, now=now)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with store.transaction() as tx:
        tx.auth.purge_sessions(now)
        tx.auth.purge_failures(now - KEEP_FAILURES)
        tx.auth.record_login(row["id"], now)
        tx.auth.add_session(
            {
                "user_id": row["id"], "token_hash": digest(token), "csrf_token": csrf,
                "created_at": now, "expires_at": now + timedelta(hours=SESSION_HOURS),
            }
        )  # fmt: skip
    return Session(token, csrf, _actor(row), bool(row["must_change_password"]))


def check_password(
    store: Store, username: str, password: str, *, client: str | None = None, now: datetime
) -> Actor:
    """The actor of a right password, without a session (throttled like ``login``)."""
    row = _authenticate(store, username, password, client=client, now=now)
    with store.transaction() as tx:
        tx.auth.record_login(row["id"], now)
    return _actor(row)


def _authenticate(
    store: Store, username: str, password: str, *, client: str | None, now: datetime
) -> Any:
    row, reason = _attempt(store, username, password, client=client, now=now)
    if reason is not None:
        raise Unauthenticated("wrong username or password")
    return row


def _attempt(
    store: Store, username: object, password: object, *, client: str | None, now: datetime,
    wrong: str = WRONG_PASSWORD,
) -> tuple[Any, str | None]:  # fmt: skip
    """The user's row and None for a right password, else why not (recorded as ``wrong`` for
    a wrong password). Raises ``Throttled`` (recorded) without checking the password."""
    typed = username[:80] if isinstance(username, str) else ""
    client = client[:64] if client else None
    with store.transaction(write=False) as tx:  # a throttled caller does not wait for a slot
        refusal = _throttle(tx, typed, client, now)
    if refusal is None and not _verifying.acquire(timeout=VERIFY_WAIT_SECONDS):
        _record(store, typed, client, BUSY, now)
        raise Throttled("the server is busy checking other logins; try again in a moment", 2)
    if refusal is not None:
        _record(store, typed, client, THROTTLED, now)
        raise refusal
    try:
        with store.transaction(write=False) as tx:  # others may have failed meanwhile
            refusal = _throttle(tx, typed, client, now)
            row = tx.catalog.user(username) if isinstance(username, str) else None
        if refusal is not None:
            _record(store, typed, client, THROTTLED, now)
            raise refusal
        reason = _verify(row, password)
        if reason is not None:  # recorded before the slot is free, so the next check sees it
            _record(store, typed, client, wrong if reason == WRONG_PASSWORD else reason, now)
        return row, reason
    finally:
        _verifying.release()


def _verify(row: Any, password: object) -> str | None:
    """Why ``password`` does not log ``row`` in; None when it does. Runs argon2 once."""
    stored = row["password_hash"] if row is not None else None
    try:
        if not isinstance(password, str):
            raise VerificationError("not a string")
        _hasher.verify(stored or _DUMMY_HASH, password)
        ok = stored is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if row is None:
        return UNKNOWN_USER
    if not ok:
        return WRONG_PASSWORD
    return None if row["active"] else DISABLED


def _throttle(tx: Tx, username: str, client: str | None, now: datetime) -> Throttled | None:
    """The refusal when too many recent failures name ``username`` or come from ``client``."""
    since = now - WINDOW
    user = tx.catalog.user(username)
    last_login = user["last_login_at"] if user is not None else None
    user_since = max(since, last_login) if last_login is not None else since
    times = tx.auth.recent_failures(
        username=username, since=user_since, uncounted=UNCOUNTED, limit=USER_LIMIT
    )
    until, problems = [], []
    if len(times) >= USER_LIMIT:
        until.append(times[-1] + WINDOW)
        problems.append(
            Problem("username", f"{USER_LIMIT} failed logins within {_minutes(WINDOW)} minutes")
        )
    if client:
        times = tx.auth.recent_failures(
            client=client, since=since, uncounted=UNCOUNTED, limit=CLIENT_LIMIT
        )
        if len(times) >= CLIENT_LIMIT:
            until.append(times[-1] + WINDOW)
            text = f"{CLIENT_LIMIT} failed logins from {client} within {_minutes(WINDOW)} minutes"
            problems.append(Problem("client", text))
    if not until:
        return None
    end = max(until)
    seconds = max(1, math.ceil((end - now).total_seconds()))
    who = f"as {username!r}" if problems[0].where == "username" else f"from {client}"
    return Throttled(
        f"too many failed logins: logging in {who} is paused, even with the right password, "
        f"for {math.ceil(seconds / 60)} more minute(s) (until {end:%H:%M:%S} UTC)",
        seconds,
        problems,
    )


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def _record(store: Store, username: str, client: str | None, reason: str, now: datetime) -> None:
    """A refused login goes to the failed-login log; one naming a real user also goes to the
    audit trail, under that user (who tried is unknown: the client address says from where).
    Throttling bounds how many a user can collect."""
    with store.transaction() as tx:
        tx.auth.add_failure(username, client, reason, now)
        row = tx.catalog.user(username) if isinstance(username, str) else None
        if row is not None:
            tx.catalog.audit(
                user_id=row["id"], entity="user", entity_id=row["id"], action="login_failed",
                detail={"username": username, "client": client, "reason": reason}, now=now,
            )  # fmt: skip


def login_failures(
    tx: Tx, actor: Actor, *, limit: int = 100, username: str | None = None
) -> list[dict[str, Any]]:
    """The most recent refused logins, newest first (admins)."""
    require(actor, Permission.MANAGE_USERS)
    if not isinstance(limit, int) or not 1 <= limit <= 10_000:
        raise Invalid("limit is 1 to 10000", [Problem("limit", str(limit))])
    keep = ("id", "at", "username", "client", "reason")
    return [{k: row[k] for k in keep} for row in tx.auth.failures(limit=limit, username=username)]


# sessions and tokens --------------------------------------------------------------------
def session_actor(
    tx: Tx, token: str, *, now: datetime, password_change: bool = False
) -> tuple[Actor, str]:
    """The actor of a live session and its CSRF token; ``Unauthenticated`` otherwise.

    A user who must change their password gets ``PasswordChangeRequired``, unless the caller
    is only about to change it or log out (``password_change``)."""
    row = tx.auth.session_user(digest(token), now)
    if row is None or not row["active"]:
        raise Unauthenticated("the session has ended; log in again")
    if row["must_change_password"] and not password_change:
        raise PasswordChangeRequired(row["username"])
    return _actor(row), row["csrf_token"]


def must_change_password(tx: Tx, username: str) -> bool:
    row = tx.catalog.user(username)
    return bool(row is not None and row["must_change_password"])


def logout(tx: Tx, token: str) -> None:
    tx.auth.end_session(digest(token))


def token_actor(tx: Tx, token: str, *, now: datetime) -> tuple[Actor, int | None]:
    """The token's user, and the token's id when its "last used" time is due to be written
    (at most once a minute: the caller writes it with ``touch_token`` in a write transaction,
    so checking a token on every request reads only)."""
    row = tx.auth.token_user(digest(token))
    expired = row is not None and row["expires_at"] is not None and row["expires_at"] <= now
    if row is None or not row["active"] or expired:
        raise Unauthenticated("the API token is unknown, revoked, expired or its user is disabled")
    last = row["last_used_at"]
    due = last is None or now - last > timedelta(minutes=1)
    return _actor(row), row["token_id"] if due else None


def touch_token(tx: Tx, token_id: int, *, now: datetime) -> None:
    """Note when a token was last used."""
    tx.auth.touch_token(token_id, now)


def create_token(
    tx: Tx, actor: Actor, username: str, name: str, *, days: int | None = None, now: datetime
) -> str:
    """A new API token for ``username``; the secret is returned once and stored hashed.
    With ``days`` it stops working that many days from now (refused like a revoked one)."""
    require(actor, Permission.MANAGE_USERS)
    row = _user(tx, username)
    if name is None or isinstance(name, str):
        name = (name or "").strip() or "api"
    problems = []
    if not isinstance(name, str) or len(name) > 120:
        problems.append(Problem("name", "at most 120 characters"))
    elif problem := text_problem(name, "name"):
        problems.append(problem)
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS
    ):
        problems.append(Problem("days", f"a token lasts 1 to {MAX_TOKEN_DAYS} days"))
    if problems:
        raise Invalid("the token is not valid", problems)
    expires_at = now + timedelta(days=days) if days is not None else None
    secret = "st_" + secrets.token_urlsafe(32)
    token_id = tx.auth.add_token(row["id"], name, digest(secret), now, expires_at=expires_at)
    detail: dict[str, Any] = {"user": username, "name": name}
    if expires_at is not None:
        detail["expires_at"] = expires_at.isoformat(timespec="seconds")
    _audit(tx, actor, "token", token_id, "create", detail, now)
    return secret


def tokens(tx: Tx, actor: Actor, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every token (never its secret): who, what for, created, last used, expiry and state
    (``active``, ``expired`` or ``revoked``)."""
    require(actor, Permission.MANAGE_USERS)
    keep = ("id", "username", "name", "created_at", "last_used_at", "expires_at", "revoked_at")
    listed = []
    for row in tx.auth.tokens():
        item = {k: row[k] for k in keep}
        if row["revoked_at"] is not None:
            item["state"] = "revoked"
        elif row["expires_at"] is not None and now is not None and row["expires_at"] <= now:
            item["state"] = "expired"
        else:
            item["state"] = "active"
        listed.append(item)
    return listed


def revoke_token(tx: Tx, actor: Actor, token_id: int, *, now: datetime) -> None:
    require(actor, Permission.MANAGE_USERS)
    before = next((t for t in tx.auth.tokens() if t["id"] == token_id), None)
    if not tx.auth.revoke_token(token_id, now):
        raise NotFound(f"no active token with id {token_id}")
    detail: dict[str, Any] = {"changes": {"revoked": {"old": False, "new": True}}}
    if before is not None:
        detail |= {"user": before["username"], "name": before["name"]}
    _audit(tx, actor, "token", token_id, "revoke", detail, now)


# users ----------------------------------------------------------------------------------
def password_problem(password: object, username: object = None) -> Problem | None:
    """What is wrong with ``password`` (for ``username``, when given); None when it will do."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        return Problem("password", f"a password has at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        return Problem("password", f"a password has at most {MAX_PASSWORD} characters")
    if isinstance(username, str) and password.strip().casefold() == username.strip().casefold():
        return Problem("password", "a password cannot be the username")
    return None


def one_time_password() -> str:
    """A fresh random password for an admin to hand over once (16 URL-safe characters)."""
    return secrets.token_urlsafe(12)


def add_user(
    tx: Tx, actor: Actor, username: str, role: str, password: str | None, *, now: datetime,
    one_time: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Add a user. With ``one_time`` the password must be changed at their first login."""
    require(actor, Permission.MANAGE_USERS)
    problems = []
    if not isinstance(username, str) or not username.strip() or len(username.strip()) > 80:
        problems.append(Problem("username", "a username has 1 to 80 characters"))
    elif problem := text_problem(username.strip(), "username"):
        problems.append(problem)
    if role not in {r.value for r in Role}:
        problems.append(Problem("role", f"role is one of {', '.join(r.value for r in Role)}"))
    if password is not None and (problem := password_problem(password, username)):
        problems.append(problem)
    if problems:
        raise Invalid("the user is not valid", problems)
    username = username.strip()
    if tx.catalog.user(username) is not None:
        raise Conflict(f"a user named {username} already exists", [Problem("username", "taken")])
    password_hash = _hasher.hash(password) if password else None
    user_id = tx.catalog.add_user(username, role, password_hash, now)
    must_change = bool(one_time and password_hash)
    if must_change:
        tx.catalog.update_user(user_id, must_change_password=True)
    created = {"username": username, "role": role, "active": True}
    _audit(tx, actor, "user", user_id, "create", created, now)
    return {
        "id": user_id, "username": username, "role": role, "active": True,
        "must_change_password": must_change,
    }  # fmt: skip


def reset_password(store: Store, actor: Actor, username: str, *, now: datetime) -> str:
    """Give ``username`` a generated one-time password (returned, to be shown once): their
    sessions end and they must change it at their next login. Admins only, anyone's (their
    own too: how a lost admin password is recovered from the command line)."""
    with store.transaction(write=False) as tx:
        require(actor, Permission.MANAGE_USERS)
        _user(tx, username)
    password = one_time_password()
    new_hash = _hasher.hash(password)  # outside the write transaction
    with store.transaction() as tx:
        require(actor, Permission.MANAGE_USERS)
        row = _user(tx, username)
        tx.catalog.update_user(row["id"], password_hash=new_hash, must_change_password=True)
        tx.auth.end_sessions_of(row["id"])
        detail = {"username": row["username"], "password": "reset (one-time)"}
        _audit(tx, actor, "user", row["id"], "password", detail, now)
    return password


_USER_FIELDS = (
    "id", "username", "role", "active", "created_at", "last_login_at", "must_change_password",
)  # fmt: skip


def users(tx: Tx, actor: Actor) -> list[dict[str, Any]]:
    require(actor, Permission.MANAGE_USERS)
    return [{k: row[k] for k in _USER_FIELDS} for row in tx.catalog.list_users()]


@dataclass(frozen=True)
class UserChange:
    """What to change about a user; None leaves a field as it is."""

    password: str | None = None
    current_password: str | None = None  # required to change one's own password
    role: str | None = None
    active: bool | None = None


def update_user(
    store: Store, actor: Actor, username: str, change: UserChange, *,
    keep_session: str | None = None, client: str | None = None, now: datetime,
) -> dict[str, Any]:  # fmt: skip
    """Change a user's password, role or active flag: all checked, then all written in one
    transaction, or nothing. Anyone may change their own password by giving the current one
    (a wrong one counts as a failed login); admins change anything of anyone, but the last
    active admin stays an active admin and no admin disables themselves. A new password ends
    the user's browser sessions, except ``keep_session`` (the caller's own cookie)."""
    with store.transaction(write=False) as tx:
        before = _check_change(tx, actor, username, change, lock=False)
    own_password = change.password is not None and before["id"] == actor.user_id
    if own_password:
        _, reason = _attempt(
            store, before["username"], change.current_password, client=client, now=now,
            wrong=WRONG_CURRENT,
        )  # fmt: skip
        if reason is not None:
            raise Forbidden(
                "your current password is wrong; nothing was changed",
                [Problem("current_password", "wrong")],
            )
    new_hash = _hasher.hash(change.password) if change.password is not None else None
    with store.transaction() as tx:
        row = _check_change(tx, actor, username, change, lock=True)  # again, as it is now
        if own_password and row["password_hash"] != before["password_hash"]:
            raise Conflict("your password was changed meanwhile; nothing was changed")
        return _write_change(tx, actor, row, change, new_hash, keep_session, now)


def _write_change(
    tx: Tx, actor: Actor, row: Any, change: UserChange, new_hash: str | None,
    keep_session: str | None, now: datetime,
) -> dict[str, Any]:  # fmt: skip
    values: dict[str, Any] = {}
    if new_hash is not None:
        values["password_hash"] = new_hash
        if row["id"] == actor.user_id and row["must_change_password"]:
            values["must_change_password"] = False  # their own now, no longer a handed-out one
    if change.role is not None and change.role != row["role"]:
        values["role"] = change.role
    if change.active is not None and change.active != row["active"]:
        values["active"] = change.active
    if values:
        tx.catalog.update_user(row["id"], **values)
    if change.active is False:
        tx.auth.end_sessions_of(row["id"])
    elif new_hash is not None:
        keep = digest(keep_session) if keep_session else None
        tx.auth.end_sessions_of(row["id"], keep_hash=keep)
    who = {"username": row["username"]}
    if new_hash is not None:  # that it changed, never the password nor its hash
        _audit(tx, actor, "user", row["id"], "password", {**who, "password": "changed"}, now)
    if "role" in values:
        changed = {"role": {"old": row["role"], "new": values["role"]}}
        _audit(tx, actor, "user", row["id"], "role", {**who, "changes": changed}, now)
    if "active" in values:
        changed = {"active": {"old": bool(row["active"]), "new": values["active"]}}
        action = "enable" if change.active else "disable"
        _audit(tx, actor, "user", row["id"], action, {**who, "changes": changed}, now)
    after = {**dict(row), **values}
    return {k: after[k] for k in _USER_FIELDS}


def _check_change(tx: Tx, actor: Actor, username: str, change: UserChange, *, lock: bool) -> Any:
    """The user's row when ``change`` may be made by ``actor``; every refusal otherwise."""
    require(actor, Permission.READ)  # logged in at all
    if username != actor.username or change.role is not None or change.active is not None:
        require(actor, Permission.MANAGE_USERS)
    row = _user(tx, username)
    own = row["id"] == actor.user_id
    problems: list[Problem] = []
    if change.password is None and change.role is None and change.active is None:
        problems.append(Problem("", "give a new password, role or active"))
    if change.role is not None and change.role not in {r.value for r in Role}:
        problems.append(Problem("role", f"role is one of {', '.join(r.value for r in Role)}"))
    if change.active is not None and not isinstance(change.active, bool):
        problems.append(Problem("active", "true or false"))
    if change.password is not None and (problem := password_problem(change.password, username)):
        problems.append(problem)
    if own and change.password is not None and not change.current_password:
        problems.append(
            Problem("current_password", "give your current password to change your own")
        )
    if change.current_password is not None and change.password is None:
        problems.append(Problem("current_password", "only given with a new password"))
    if problems:
        raise Invalid("the change is not valid; nothing was changed", problems)
    if change.active is False and own:
        raise Conflict(
            "you cannot disable yourself; nothing was changed", [Problem("active", username)]
        )
    demoted = change.role is not None and change.role != Role.ADMIN.value
    disabled = change.active is False
    demoting_admin = row["role"] == Role.ADMIN.value and row["active"] and (demoted or disabled)
    if demoting_admin and tx.auth.active_admins(lock=lock) <= 1:
        raise Conflict(
            f"{username} is the last active admin; make another user admin first "
            "(nothing was changed)",
            [Problem("role" if demoted else "active", "the last active admin")],
        )
    return row


def _user(tx: Tx, username: str) -> Any:
    row = tx.catalog.user(username)
    if row is None:
        raise NotFound(f"no user named {username!r}", [Problem("username", str(username))])
    return row


def _audit(
    tx: Tx, actor: Actor, entity: str, entity_id: int, action: str, detail: Any, now: datetime
) -> None:
    tx.catalog.audit(
        user_id=actor.user_id, entity=entity, entity_id=entity_id, action=action,
        detail=detail, now=now,
    )  # fmt: skip
