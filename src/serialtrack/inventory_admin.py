"""Logins and user administration, mixed into ``Inventory``: one auth layer for API, UI and CLI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from serialtrack.domain.model import Actor
from serialtrack.services import auth

if TYPE_CHECKING:
    from serialtrack.adapters.db.store import Store
    from serialtrack.inventory import Inventory


class AdminMixin:
    store: Store
    actor: Actor
    clock: Callable[[], datetime]

    def as_actor(self, actor: Actor) -> Inventory:  # pragma: no cover - defined on Inventory
        raise NotImplementedError

    # logging in -----------------------------------------------------------------------
    def login(self, username: str, password: str) -> auth.Session:
        """Check a password and open a browser session (its token is shown once)."""
        with self.store.transaction() as tx:
            return auth.login(tx, username, password, now=self.clock())

    def logout(self, session_token: str) -> None:
        with self.store.transaction() as tx:
            auth.logout(tx, session_token)

    def via_session(self, session_token: str) -> tuple[Inventory, str]:
        """The inventory acting as a session's user, and the session's CSRF token."""
        with self.store.transaction(write=False) as tx:
            actor, csrf = auth.session_actor(tx, session_token, now=self.clock())
        return self.as_actor(actor), csrf

    def via_token(self, api_token: str) -> Inventory:
        """The inventory acting as an API token's user."""
        with self.store.transaction() as tx:
            actor = auth.token_actor(tx, api_token, now=self.clock())
        return self.as_actor(actor)

    def via_password(self, username: str, password: str) -> Inventory:
        with self.store.transaction(write=False) as tx:
            actor = auth.check_password(tx, username, password)
        return self.as_actor(actor)

    # users and tokens -----------------------------------------------------------------
    def add_user(self, username: str, role: str, password: str | None = None) -> dict[str, Any]:
        with self.store.transaction() as tx:
            return auth.add_user(tx, self.actor, username, role, password, now=self.clock())

    def users(self) -> list[dict[str, Any]]:
        with self.store.transaction(write=False) as tx:
            return auth.users(tx, self.actor)

    def set_user_active(self, username: str, active: bool) -> None:
        with self.store.transaction() as tx:
            auth.set_active(tx, self.actor, username, active, now=self.clock())

    def set_password(self, username: str, password: str) -> None:
        with self.store.transaction() as tx:
            auth.set_password(tx, self.actor, username, password, now=self.clock())

    def create_token(self, username: str, name: str = "api") -> str:
        """A new API token for ``username`` (admin only); the secret is returned once."""
        with self.store.transaction() as tx:
            return auth.create_token(tx, self.actor, username, name, now=self.clock())

    def tokens(self) -> list[dict[str, Any]]:
        with self.store.transaction(write=False) as tx:
            return auth.tokens(tx, self.actor)

    def revoke_token(self, token_id: int) -> None:
        with self.store.transaction() as tx:
            auth.revoke_token(tx, self.actor, token_id, now=self.clock())

    # idempotent requests --------------------------------------------------------------
    def claim_idempotency_key(self, key: str, request_hash: str) -> Any:
        """None when this request now owns ``key``; the stored answer when it was seen before."""
        with self.store.transaction() as tx:
            return auth.claim(tx, self.actor, key, request_hash, now=self.clock())

    def finish_idempotency_key(self, key: str, status_code: int, response: str) -> None:
        with self.store.transaction() as tx:
            tx.auth.finish_key(self.actor.user_id, key, status_code, response)

    def release_idempotency_key(self, key: str) -> None:
        with self.store.transaction() as tx:
            tx.auth.release_key(self.actor.user_id, key)
