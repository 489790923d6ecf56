"""EPCIS 2.0, mixed into ``Inventory``: the ledger as GS1 EPCIS events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from serialtrack.domain.model import Actor
from serialtrack.services import epcis

if TYPE_CHECKING:
    from serialtrack.adapters.db.store import Store


class EpcisMixin:
    store: Store
    actor: Actor
    clock: Callable[[], datetime]

    def epcis_events(
        self,
        date_from: date | str | None = None,
        date_to: date | str | None = None,
        sku: str | None = None,
    ) -> dict[str, Any]:
        """The moves from ``date_from`` to ``date_to`` (days, both included, UTC) of ``sku``
        as one EPCIS 2.0 JSON-LD document (``EPCISDocument``): an ``ObjectEvent`` per
        document, product and direction; a cancellation as the original event with an
        ``errorDeclaration``. An unknown SKU or a bad date is ``Invalid`` naming it."""
        with self.store.transaction(write=False) as tx:
            return epcis.events(
                tx, self.actor, date_from=date_from, date_to=date_to, sku=sku, now=self.clock()
            )
