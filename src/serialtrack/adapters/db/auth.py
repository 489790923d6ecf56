"""Storage for logins: API tokens, browser sessions, failed logins (secrets stored hashed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, delete, insert, select, update

from serialtrack.adapters.db import driver
from serialtrack.adapters.db.tables import (
    api_tokens,
    login_failures,
    sessions,
    users,
)

# Checked on every API request: built once (see adapters/db/catalog.py).
_TOKEN_USER = (
    select(users, api_tokens.c.id.label("token_id"), api_tokens.c.last_used_at,
           api_tokens.c.expires_at)
    .join(api_tokens, api_tokens.c.user_id == users.c.id)
    .where(api_tokens.c.token_hash == bindparam("token_hash"), api_tokens.c.revoked_at.is_(None))
)  # fmt: skip


class AuthRepo:
    def __init__(self, connection: Connection) -> None:
        self.c = connection

    # tokens ---------------------------------------------------------------------------
    def add_token(
        self, user_id: int, name: str, token_hash: str, now: datetime,
        expires_at: datetime | None = None,
    ) -> int:  # fmt: skip
        values = {
            "user_id": user_id, "name": name, "token_hash": token_hash, "created_at": now,
            "expires_at": expires_at,
        }  # fmt: skip
        return int(self.c.execute(insert(api_tokens).values(values)).inserted_primary_key[0])

    def token_user(self, token_hash: str) -> RowMapping | None:
        return driver.execute(self.c, _TOKEN_USER, {"token_hash": token_hash}).mappings().first()

    def touch_token(self, token_id: int, now: datetime) -> None:
        self.c.execute(
            update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now)
        )

    def tokens(self) -> list[RowMapping]:
        query = (
            select(api_tokens, users.c.username)
            .join(users, users.c.id == api_tokens.c.user_id)
            .order_by(api_tokens.c.id)
        )
        return list(self.c.execute(query).mappings())

    def revoke_token(self, token_id: int, now: datetime) -> bool:
        query = (
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return self.c.execute(query).rowcount == 1

    # sessions -------------------------------------------------------------------------
    def add_session(self, values: dict[str, Any]) -> None:
        self.c.execute(insert(sessions).values(values))

    def session_user(self, token_hash: str, now: datetime) -> RowMapping | None:
        query = (
            select(users, sessions.c.csrf_token)
            .join(sessions, sessions.c.user_id == users.c.id)
            .where(sessions.c.token_hash == token_hash, sessions.c.expires_at > now)
        )
        return self.c.execute(query).mappings().first()

    def end_session(self, token_hash: str) -> None:
        self.c.execute(delete(sessions).where(sessions.c.token_hash == token_hash))

    def end_sessions_of(self, user_id: int, *, keep_hash: str | None = None) -> None:
        """End every session of the user, except the one whose token hashes to ``keep_hash``."""
        query = delete(sessions).where(sessions.c.user_id == user_id)
        if keep_hash is not None:
            query = query.where(sessions.c.token_hash != keep_hash)
        self.c.execute(query)

    def purge_sessions(self, now: datetime) -> None:
        self.c.execute(delete(sessions).where(sessions.c.expires_at <= now))

    # logins: successes, failures, the admins ----------------------------------------
    def record_login(self, user_id: int, now: datetime) -> None:
        self.c.execute(update(users).where(users.c.id == user_id).values(last_login_at=now))

    def add_failure(self, username: str, client: str | None, reason: str, now: datetime) -> None:
        values = {"at": now, "username": username, "client": client, "reason": reason}
        self.c.execute(insert(login_failures).values(values))

    def recent_failures(
        self, *, since: datetime, uncounted: tuple[str, ...], limit: int,
        username: str | None = None, client: str | None = None,
    ) -> list[datetime]:  # fmt: skip
        """The times of the newest ``limit`` failures after ``since`` for one username or one
        client address (newest first), leaving out the ``uncounted`` reasons."""
        query = select(login_failures.c.at).where(
            login_failures.c.at > since, login_failures.c.reason.not_in(uncounted)
        )
        if username is not None:
            query = query.where(login_failures.c.username == username)
        if client is not None:
            query = query.where(login_failures.c.client == client)
        query = query.order_by(login_failures.c.at.desc()).limit(limit)
        return list(self.c.execute(query).scalars())

    def failures(self, *, limit: int, username: str | None = None) -> list[RowMapping]:
        query = select(login_failures).order_by(login_failures.c.id.desc()).limit(limit)
        if username is not None:
            query = query.where(login_failures.c.username == username)
        return list(self.c.execute(query).mappings())

    def purge_failures(self, before: datetime) -> None:
        self.c.execute(delete(login_failures).where(login_failures.c.at < before))

    def active_admins(self, *, lock: bool = False) -> int:
        """How many active admins there are; with ``lock`` their rows stay locked until commit
        (PostgreSQL), so two concurrent demotions cannot both see another admin left."""
        query = (
            select(users.c.id)
            .where(users.c.role == "admin", users.c.active.is_(True))
            .order_by(users.c.id)
        )
        if lock:
            query = query.with_for_update(key_share=True)
        return len(self.c.execute(query).all())
