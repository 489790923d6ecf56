"""Logins and user administration, mixed into ``Inventory``: one auth layer for API, UI and CLI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from serialtrack.domain.model import Actor
from serialtrack.services import audit as audit_trail
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
    def login(self, username: str, password: str, client: str | None = None) -> auth.Session:
        """Check a password and open a browser session (its token is shown once).

        ``client`` is the caller's address: failures are recorded and throttled per username
        and per address (``auth.Throttled``, a kind of ``Unauthenticated``, says for how long).
        """
        return auth.login(self.store, username, password, client=client, now=self.clock())

    def logout(self, session_token: str) -> None:
        with self.store.transaction() as tx:
            auth.logout(tx, session_token)

    def via_session(
        self, session_token: str, *, password_change: bool = False
    ) -> tuple[Inventory, str]:
        """The inventory acting as a session's user, and the session's CSRF token.

        A user who must change their password is refused (``auth.PasswordChangeRequired``,
        403) unless ``password_change``: for the routes that change it or log out only.
        """
        with self.store.transaction(write=False) as tx:
            actor, csrf = auth.session_actor(
                tx, session_token, now=self.clock(), password_change=password_change
            )
        return self.as_actor(actor), csrf

    def must_change_password(self, username: str | None = None) -> bool:
        """Whether ``username`` (default: whoever this inventory acts as) must change their
        password before doing anything else."""
        with self.store.transaction(write=False) as tx:
            return auth.must_change_password(tx, username or self.actor.username)

    def via_token(self, api_token: str) -> Inventory:
        """The inventory acting as an API token's user."""
        now = self.clock()
        with self.store.transaction(write=False) as tx:  # every request: a read only
            actor, due = auth.token_actor(tx, api_token, now=now)
        if due is not None:  # "last used", at most once a minute
            with self.store.transaction() as tx:
                auth.touch_token(tx, due, now=now)
        return self.as_actor(actor)

    def via_password(self, username: str, password: str, client: str | None = None) -> Inventory:
        """The inventory acting as the user of a right password (throttled like ``login``)."""
        actor = auth.check_password(self.store, username, password, client=client,
                                    now=self.clock())  # fmt: skip
        return self.as_actor(actor)

    def login_failures(self, limit: int = 100, username: str | None = None) -> list[dict[str, Any]]:
        """Recent refused logins, newest first (admin only)."""
        with self.store.transaction(write=False) as tx:
            return auth.login_failures(tx, self.actor, limit=limit, username=username)

    # users and tokens -----------------------------------------------------------------
    def add_user(
        self, username: str, role: str, password: str | None = None, *, one_time: bool = False
    ) -> dict[str, Any]:
        """Add a user (admin only). With ``one_time`` the password was handed out by the admin:
        the user must change it at their first login."""
        with self.store.transaction() as tx:
            return auth.add_user(
                tx, self.actor, username, role, password, now=self.clock(), one_time=one_time
            )

    def add_user_one_time(self, username: str, role: str) -> tuple[dict[str, Any], str]:
        """Add a user with a generated one-time password; returns the user and the password
        (show it once; they must change it at their first login)."""
        password = auth.one_time_password()
        return self.add_user(username, role, password, one_time=True), password

    def reset_password(self, username: str) -> str:
        """Give a user a generated one-time password (admin only) and return it, to be shown
        once: their sessions end and they must change it at their next login."""
        return auth.reset_password(self.store, self.actor, username, now=self.clock())

    def users(self) -> list[dict[str, Any]]:
        with self.store.transaction(write=False) as tx:
            return auth.users(tx, self.actor)

    def update_user(
        self, username: str, *, password: str | None = None,
        current_password: str | None = None, role: str | None = None,
        active: bool | None = None, keep_session: str | None = None, client: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Change a user's password, role or active flag: all of it, or (refused) nothing.

        Your own password needs ``current_password``; everything else needs an admin.
        ``keep_session`` is the caller's session cookie, which a new password leaves open.
        """
        change = auth.UserChange(password, current_password, role, active)
        return auth.update_user(
            self.store, self.actor, username, change, keep_session=keep_session,
            client=client, now=self.clock(),
        )  # fmt: skip

    def set_user_active(self, username: str, active: bool) -> None:
        self.update_user(username, active=active)

    def set_password(
        self, username: str, password: str, current_password: str | None = None
    ) -> None:
        self.update_user(username, password=password, current_password=current_password)

    def set_role(self, username: str, role: str) -> None:
        self.update_user(username, role=role)

    def create_token(self, username: str, name: str = "api", days: int | None = None) -> str:
        """A new API token for ``username`` (admin only); the secret is returned once. With
        ``days`` it expires that many days from now."""
        with self.store.transaction() as tx:
            return auth.create_token(tx, self.actor, username, name, days=days, now=self.clock())

    def tokens(self) -> list[dict[str, Any]]:
        """Every API token (admin only): user, name, created, last used, expiry, state."""
        with self.store.transaction(write=False) as tx:
            return auth.tokens(tx, self.actor, now=self.clock())

    def revoke_token(self, token_id: int) -> None:
        with self.store.transaction() as tx:
            auth.revoke_token(tx, self.actor, token_id, now=self.clock())

    # the audit trail ------------------------------------------------------------------
    def audit(
        self,
        entity: str | None = None,
        user: str | None = None,
        since: date | datetime | str | None = None,
        until: date | datetime | str | None = None,
        text: str | None = None,
        limit: int = 100,
        before_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Who changed what, newest first (managers and admins): ``at``, ``user``, ``entity``,
        ``name`` (SKU, location or partner name, username, token, serial code), ``action``,
        ``summary`` (``name: Phone X → Phone X renamed``) and ``detail`` (old and new values).

        ``entity`` is product, location, partner, setting, user, token or serial; ``user`` who
        made the change; ``since``/``until`` dates (both included); ``text`` any part of a name
        or value; ``before_id`` the id of the oldest record seen, for the page before it.
        """
        with self.store.transaction(write=False) as tx:
            return audit_trail.trail(
                tx, self.actor, entity=entity, user=user, since=since, until=until, text=text,
                limit=limit, before_id=before_id,
            )  # fmt: skip
