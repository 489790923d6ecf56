"""Who is asking: passwords, browser sessions, API tokens, users, idempotent requests.

Secrets (session cookies, API tokens) are random 256-bit values handed out once; only their
SHA-256 is stored, so a copy of the database lets no one in. Passwords are argon2 hashes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.errors import Conflict, Invalid, NotFound, Problem, Unauthenticated
from serialtrack.domain.model import Actor, Role
from serialtrack.domain.permissions import Permission, require

SESSION_HOURS = 12
MIN_PASSWORD = 8
_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the timing of both answers alike.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Session:
    token: str  # the cookie value, shown once
    csrf_token: str
    actor: Actor


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _actor(row: Any) -> Actor:
    return Actor(row["id"], row["username"], Role(row["role"]))


def check_password(tx: Tx, username: str, password: str) -> Actor:
    row = tx.catalog.user(username) if isinstance(username, str) else None
    stored = row["password_hash"] if row is not None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
        ok = stored is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None or not row["active"]:
        raise Unauthenticated("wrong username or password")
    return _actor(row)


def login(tx: Tx, username: str, password: str, *, now: datetime) -> Session:
    actor = check_password(tx, username, password)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    tx.auth.purge_sessions(now)
    tx.auth.add_session(
        {
            "user_id": actor.user_id, "token_hash": digest(token), "csrf_token": csrf,
            "created_at": now, "expires_at": now + timedelta(hours=SESSION_HOURS),
        }
    )  # fmt: skip
    return Session(token, csrf, actor)


def session_actor(tx: Tx, token: str, *, now: datetime) -> tuple[Actor, str]:
    """The actor of a live session and its CSRF token; ``Unauthenticated`` otherwise."""
    row = tx.auth.session_user(digest(token), now)
    if row is None or not row["active"]:
        raise Unauthenticated("the session has ended; log in again")
    return _actor(row), row["csrf_token"]


def logout(tx: Tx, token: str) -> None:
    tx.auth.end_session(digest(token))


def token_actor(tx: Tx, token: str, *, now: datetime) -> Actor:
    row = tx.auth.token_user(digest(token))
    if row is None or not row["active"]:
        raise Unauthenticated("the API token is unknown, revoked or its user is disabled")
    last = row.get("last_used_at")
    if last is None or now - last > timedelta(minutes=1):
        tx.auth.touch_token(row["token_id"], now)
    return _actor(row)


def create_token(tx: Tx, actor: Actor, username: str, name: str, *, now: datetime) -> str:
    """A new API token for ``username``; the secret is returned once and stored hashed."""
    require(actor, Permission.MANAGE_USERS)
    row = _user(tx, username)
    name = (name or "").strip() or "api"
    if len(name) > 120:
        raise Invalid("the token name is too long", [Problem("name", "at most 120 characters")])
    secret = "st_" + secrets.token_urlsafe(32)
    token_id = tx.auth.add_token(row["id"], name, digest(secret), now)
    _audit(tx, actor, "token", token_id, "create", {"user": username, "name": name}, now)
    return secret


def tokens(tx: Tx, actor: Actor) -> list[dict[str, Any]]:
    require(actor, Permission.MANAGE_USERS)
    keep = ("id", "username", "name", "created_at", "last_used_at", "revoked_at")
    return [{k: row[k] for k in keep} for row in tx.auth.tokens()]


def revoke_token(tx: Tx, actor: Actor, token_id: int, *, now: datetime) -> None:
    require(actor, Permission.MANAGE_USERS)
    if not tx.auth.revoke_token(token_id, now):
        raise NotFound(f"no active token with id {token_id}")
    _audit(tx, actor, "token", token_id, "revoke", {}, now)


# users ----------------------------------------------------------------------------------
def password_problem(password: object) -> Problem | None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        return Problem("password", f"a password has at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        return Problem("password", "a password has at most 1024 characters")
    return None


def add_user(
    tx: Tx, actor: Actor, username: str, role: str, password: str | None, *, now: datetime
) -> dict[str, Any]:
    require(actor, Permission.MANAGE_USERS)
    problems = []
    if not isinstance(username, str) or not username.strip() or len(username.strip()) > 80:
        problems.append(Problem("username", "a username has 1 to 80 characters"))
    if role not in {r.value for r in Role}:
        problems.append(Problem("role", f"role is one of {', '.join(r.value for r in Role)}"))
    if password is not None and (problem := password_problem(password)):
        problems.append(problem)
    if problems:
        raise Invalid("the user is not valid", problems)
    username = username.strip()
    if tx.catalog.user(username) is not None:
        raise Conflict(f"a user named {username} already exists", [Problem("username", "taken")])
    password_hash = _hasher.hash(password) if password else None
    user_id = tx.catalog.add_user(username, role, password_hash, now)
    _audit(tx, actor, "user", user_id, "create", {"username": username, "role": role}, now)
    return {"id": user_id, "username": username, "role": role, "active": True}


def users(tx: Tx, actor: Actor) -> list[dict[str, Any]]:
    require(actor, Permission.MANAGE_USERS)
    keep = ("id", "username", "role", "active", "created_at")
    return [{k: row[k] for k in keep} for row in tx.catalog.list_users()]


def set_active(tx: Tx, actor: Actor, username: str, active: bool, *, now: datetime) -> None:
    require(actor, Permission.MANAGE_USERS)
    row = _user(tx, username)
    if not active and row["id"] == actor.user_id:
        raise Conflict("you cannot disable yourself", [Problem("username", username)])
    tx.catalog.update_user(row["id"], active=active)
    if not active:
        tx.auth.end_sessions_of(row["id"])
    _audit(tx, actor, "user", row["id"], "enable" if active else "disable", {}, now)


def set_password(tx: Tx, actor: Actor, username: str, password: str, *, now: datetime) -> None:
    row = _user(tx, username)
    if row["id"] != actor.user_id:
        require(actor, Permission.MANAGE_USERS)
    if problem := password_problem(password):
        raise Invalid("the password is not valid", [problem])
    tx.catalog.update_user(row["id"], password_hash=_hasher.hash(password))
    tx.auth.end_sessions_of(row["id"])
    _audit(tx, actor, "user", row["id"], "password", {}, now)


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


# idempotent requests --------------------------------------------------------------------
def claim(tx: Tx, actor: Actor, key: str, request_hash: str, *, now: datetime) -> Any:
    """The stored answer for a repeated key, or None after claiming the key for this request.

    Same key with another request: ``Conflict``. A key still being worked on: ``Conflict``.
    """
    if not key or len(key) > 200:
        raise Invalid("Idempotency-Key has 1 to 200 characters", [Problem("Idempotency-Key", key)])
    row = tx.auth.idempotent_result(actor.user_id, key)
    if row is None:
        tx.auth.claim_key(actor.user_id, key, request_hash, now)
        return None
    if row["request_hash"] != request_hash:
        raise Conflict(
            "this Idempotency-Key was used for a different request",
            [Problem("Idempotency-Key", key)],
        )
    if row["status_code"] == 0:
        raise Conflict(
            "a request with this Idempotency-Key is still being processed; retry shortly",
            [Problem("Idempotency-Key", key)],
        )
    return row
