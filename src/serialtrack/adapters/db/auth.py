"""Storage for logins: users' sessions, API tokens, idempotency keys."""

from __future__ import annotations

from sqlalchemy import Connection


class AuthRepo:
    def __init__(self, connection: Connection) -> None:
        self.c = connection
