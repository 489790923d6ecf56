"""Bringing a database to life: schema, the virtual locations, the first admin."""

from __future__ import annotations

import secrets
from datetime import datetime

from serialtrack.adapters.db import migrate
from serialtrack.adapters.db.store import Store, Tx
from serialtrack.domain.errors import Forbidden, NotFound
from serialtrack.domain.model import Actor, Role
from serialtrack.services.catalog import ensure_virtual_locations
from serialtrack.services.passwords import hasher

ADMIN = "admin"


def initialize(store: Store, *, now: datetime, admin_password: str | None = None) -> str | None:
    """Migrate to the newest schema and make sure the basics exist.

    When this call creates the first admin it returns the password: ``admin_password`` if
    given, else a generated one (to be shown once). Otherwise None.
    """
    migrate.upgrade(store.engine)
    with store.transaction() as tx:
        ensure_virtual_locations(tx, now)
        if tx.catalog.user(ADMIN) is None and not tx.catalog.list_users():
            password = admin_password or secrets.token_urlsafe(12)
            hashed = hasher().hash(password)
            user_id = tx.catalog.add_user(ADMIN, Role.ADMIN.value, hashed, now)
            if admin_password is None:  # generated, shown once: to be changed at first login
                tx.catalog.update_user(user_id, must_change_password=True)
            return password
    return None


def actor(tx: Tx, username: str) -> Actor:
    row = tx.catalog.user(username)
    if row is None:
        raise NotFound(f"no user named {username!r}")
    if not row["active"]:
        raise Forbidden(f"user {username} is disabled")
    return Actor(row["id"], row["username"], Role(row["role"]))
