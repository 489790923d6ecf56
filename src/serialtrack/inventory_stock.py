"""Stock on hand with totals, and stock as of any date and time, mixed into ``Inventory``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from serialtrack.domain.model import Actor
from serialtrack.services import stock_reports
from serialtrack.services.stock_reports import SerialAt, StockAt, StockReport

if TYPE_CHECKING:
    from serialtrack.adapters.db.store import Store


class StockMixin:
    store: Store
    actor: Actor
    clock: Callable[[], datetime]

    def stock_on_hand(
        self,
        *,
        sku: str | None = None,
        location: str | None = None,
        status: str | None = None,
        batch: str | None = None,
    ) -> StockReport:
        """Stock on hand in stores and in transit: rows per product, location, status (serials
        in stock or reserved are counted, other products summed), batch code and, in transit,
        the transfer; with totals per product and overall. Unknown filters are refused, each
        named."""
        with self.store.transaction(write=False) as tx:
            return stock_reports.stock_on_hand(
                tx, self.actor, sku=sku, location=location, status=status, batch=batch
            )

    def stock_as_of(
        self,
        at: datetime | date | str,
        *,
        sku: str | None = None,
        location: str | None = None,
        where: str = "at",
    ) -> list[StockAt]:
        """Quantities per product and store or transit location at ``at``, computed from the
        ledger (every move up to then). A date means the end of that day; times are UTC (a
        naive datetime is taken as UTC). ``where`` names ``at`` in a refusal."""
        with self.store.transaction(write=False) as tx:
            return stock_reports.stock_as_of(
                tx, self.actor, at, sku=sku, location=location, where=where
            )

    def serial_as_of(
        self, sku: str, code: str, at: datetime | date | str, *, where: str = "at"
    ) -> SerialAt | None:
        """Where the serial was at ``at`` (location, status, the document that put it there),
        or None if it had not come in yet."""
        with self.store.transaction(write=False) as tx:
            return stock_reports.serial_as_of(tx, self.actor, sku, code, at, where=where)
