"""Storage of idempotency keys: one row per (user, key) with the answer its request got.

A row is inserted "being worked on" (status 0) in the same transaction that does the work and
stores the answer, so a committed row always carries its answer; only rows written by older
versions (three transactions) may be left at status 0.

The insert is ``INSERT .. ON CONFLICT DO NOTHING`` on both dialects: on PostgreSQL a second
transaction inserting the same key waits until the first one ends, then inserts (the first
rolled back) or finds its committed row; on SQLite writers are serialized by BEGIN IMMEDIATE.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from serialtrack.adapters.db.tables import idempotency_keys as keys

IN_PROGRESS = 0


def is_transient(error: BaseException) -> bool:
    """Whether a refusal came from the database (a race, a lock) rather than from a rule: such
    a refusal says nothing lasting about the request, so it is not remembered for the key."""
    return isinstance(error.__cause__, IntegrityError | OperationalError)


class IdempotencyRepo:
    def __init__(self, connection: Connection) -> None:
        self.c = connection

    def _insert(self, values: dict[str, Any]) -> bool:
        """Insert ``values`` unless the key has a row; whether it was inserted."""
        dialect = postgresql if self.c.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(keys)
            .values(values)
            .on_conflict_do_nothing(index_elements=[keys.c.user_id, keys.c.key])
            .returning(keys.c.key)  # rowcount is not reliable here on every driver
        )
        return self.c.execute(statement).first() is not None

    def claim(self, user_id: int, key: str, request_hash: str, now: datetime) -> bool:
        """Take ``key`` for this transaction's request (status 0); False when it has a row.

        On PostgreSQL this waits for a concurrent transaction holding the same key to end.
        """
        return self._insert({
            "user_id": user_id, "key": key, "request_hash": request_hash,
            "status_code": IN_PROGRESS, "response": "", "created_at": now,
        })  # fmt: skip

    def remember(
        self, user_id: int, key: str, request_hash: str, status_code: int, response: str,
        now: datetime,
    ) -> bool:  # fmt: skip
        """Store a finished answer unless the key has a row already; whether it was stored."""
        return self._insert({
            "user_id": user_id, "key": key, "request_hash": request_hash,
            "status_code": status_code, "response": response, "created_at": now,
        })  # fmt: skip

    def get(self, user_id: int, key: str) -> RowMapping | None:
        query = select(keys).where(keys.c.user_id == user_id, keys.c.key == key)
        return self.c.execute(query).mappings().first()

    def take_over(
        self, user_id: int, key: str, request_hash: str, now: datetime, abandoned_before: datetime
    ) -> bool:
        """Claim a key left at status 0 before ``abandoned_before`` (its request died)."""
        abandoned = (
            keys.c.user_id == user_id,
            keys.c.key == key,
            keys.c.status_code == IN_PROGRESS,
            keys.c.created_at < abandoned_before,
        )
        statement = (
            update(keys)
            .where(*abandoned)
            .values(request_hash=request_hash, created_at=now, response="")
        )
        return self.c.execute(statement).rowcount == 1

    def finish(self, user_id: int, key: str, status_code: int, response: str) -> None:
        self.c.execute(
            update(keys)
            .where(keys.c.user_id == user_id, keys.c.key == key)
            .values(status_code=status_code, response=response)
        )

    def purge(self, before: datetime, limit: int) -> int:
        """Delete at most ``limit`` keys created before ``before``; skip rows another
        transaction holds (PostgreSQL), so purging never waits or deadlocks."""
        old = (
            select(keys.c.user_id, keys.c.key)
            .where(keys.c.created_at < before)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = delete(keys).where(tuple_(keys.c.user_id, keys.c.key).in_(old))
        return int(self.c.execute(statement).rowcount or 0)

    def count(self) -> int:
        return int(self.c.execute(select(func.count()).select_from(keys)).scalar_one())
