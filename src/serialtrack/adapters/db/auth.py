"""Storage for logins: API tokens, browser sessions, idempotency keys (secrets stored hashed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select, update

from serialtrack.adapters.db.tables import api_tokens, idempotency_keys, sessions, users


class AuthRepo:
    def __init__(self, connection: Connection) -> None:
        self.c = connection

    # tokens ---------------------------------------------------------------------------
    def add_token(self, user_id: int, name: str, token_hash: str, now: datetime) -> int:
        values = {"user_id": user_id, "name": name, "token_hash": token_hash, "created_at": now}
        return int(self.c.execute(insert(api_tokens).values(values)).inserted_primary_key[0])

    def token_user(self, token_hash: str) -> RowMapping | None:
        query = (
            select(users, api_tokens.c.id.label("token_id"))
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None))
        )
        return self.c.execute(query).mappings().first()

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

    def end_sessions_of(self, user_id: int) -> None:
        self.c.execute(delete(sessions).where(sessions.c.user_id == user_id))

    def purge_sessions(self, now: datetime) -> None:
        self.c.execute(delete(sessions).where(sessions.c.expires_at <= now))

    # idempotency keys -----------------------------------------------------------------
    def idempotent_result(self, user_id: int, key: str) -> RowMapping | None:
        query = select(idempotency_keys).where(
            idempotency_keys.c.user_id == user_id, idempotency_keys.c.key == key
        )
        return self.c.execute(query).mappings().first()

    def claim_key(self, user_id: int, key: str, request_hash: str, now: datetime) -> None:
        """Insert the key as in progress (status 0); a concurrent claim fails on the primary key."""
        values = {
            "user_id": user_id, "key": key, "request_hash": request_hash,
            "status_code": 0, "response": "", "created_at": now,
        }  # fmt: skip
        self.c.execute(insert(idempotency_keys).values(values))

    def finish_key(self, user_id: int, key: str, status_code: int, response: str) -> None:
        self.c.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.user_id == user_id, idempotency_keys.c.key == key)
            .values(status_code=status_code, response=response)
        )

    def release_key(self, user_id: int, key: str) -> None:
        self.c.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.user_id == user_id, idempotency_keys.c.key == key
            )
        )
