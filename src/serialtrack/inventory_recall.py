"""Recall in one step, mixed into ``Inventory``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from serialtrack.domain.model import Actor
from serialtrack.services import recall as recall_service

if TYPE_CHECKING:
    from serialtrack.adapters.db.store import Store


class RecallMixin:
    store: Store
    actor: Actor
    clock: Callable[[], datetime]

    def recall(
        self,
        *,
        serials: str | Sequence[str] | None = None,
        batch: str | None = None,
        receipt: str | None = None,
        supplier: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        sku: str | None = None,
    ) -> recall_service.RecallView:
        """Every unit and quantity a recall concerns, and where each is now: by ``serials``
        (codes and ``A..B`` ranges), a ``batch`` code, a ``receipt`` (or opening balance)
        number, or a ``supplier`` with ``date_from``/``date_to`` (receipt dates); ``sku``
        narrows it to one product (and names the product of a batch code two share)."""
        with self.store.transaction(write=False) as tx:
            return recall_service.recall(
                tx, self.actor, serials=serials, batch=batch, receipt=receipt,
                supplier=supplier, date_from=date_from, date_to=date_to, sku=sku,
                today=self.clock().date(),
            )  # fmt: skip

    def recall_csv(self, **scope: object) -> Iterator[str]:
        """The recall as CSV text (header first), cells safe from formula injection."""
        return recall_service.csv_text(self.recall(**scope))  # type: ignore[arg-type]
