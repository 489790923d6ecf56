"""The home page's figures, mixed into ``Inventory``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from serialtrack.domain.model import Actor
from serialtrack.services import dashboard as dashboard_service
from serialtrack.services.dashboard import Dashboard

if TYPE_CHECKING:
    from serialtrack.adapters.db.store import Store


class DashboardMixin:
    store: Store
    actor: Actor
    clock: Callable[[], datetime]

    def dashboard(self, weeks: int = 12, *, days: int = 30) -> Dashboard:
        """The home page's figures as of now: units in each store (most first), units
        received (receipts, opening balances), sold (sales) and returned (sales returns) in
        each of the last ``weeks`` ISO weeks (UTC; this week last; cancelled documents not
        counted), and units in the stores expired or expiring within ``days`` days."""
        with self.store.transaction(write=False) as tx:
            return dashboard_service.dashboard(
                tx, self.actor, now=self.clock(), weeks=weeks, days=days
            )
