"""Recall in one step, mixed into ``Inventory``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from serialtrack.domain.errors import Conflict
from serialtrack.domain.model import Actor, DocumentKind
from serialtrack.inventory_operations import _outstanding
from serialtrack.services import documents, holds, queries
from serialtrack.services import recall as recall_service
from serialtrack.services.header import HeaderInput
from serialtrack.services.queries import DocumentView

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
        hold: bool = False,
        reason: str | None = None,
    ) -> recall_service.RecallView:
        """Every unit and quantity a recall concerns, and where each is now: by ``serials``
        (codes and ``A..B`` ranges), a ``batch`` code, a ``receipt`` (or opening balance)
        number, or a ``supplier`` with ``date_from``/``date_to`` (receipt dates); ``sku``
        narrows it to one product (and names the product of a batch code two share).

        ``hold=True`` (with a ``reason``) also puts every unit and batch part still in stock
        on hold in the same transaction: one hold document per store (``holds``), the units
        in quarantine where nothing sells them until ``release_recall``; the view is read
        after, and ``not_held`` says what the hold could not take."""
        scope = {"serials": serials, "batch": batch, "receipt": receipt, "supplier": supplier,
                 "date_from": date_from, "date_to": date_to, "sku": sku}  # fmt: skip
        if not hold:
            with self.store.transaction(write=False) as tx:
                return recall_service.recall(tx, self.actor, **scope, today=self.clock().date())
        with self.store.transaction() as tx:
            today = self.clock().date()
            before = recall_service.recall(tx, self.actor, **scope, today=today)
            plan = holds.plan(tx, before)
            made = holds.hold(tx, self.actor, before, reason=reason or "", now=self.clock())
            after = recall_service.recall(tx, self.actor, **scope, today=today)
            numbers = tuple(tx.documents.number_of(d) for d in made)
            return replace(after, holds=numbers, not_held=plan.left)

    def release_recall(self, **scope: Any) -> list[DocumentView]:
        """Release every hold that holds units of this recall (managers): each brings all it
        still holds back to its store. The recall's ``scope`` as ``recall`` takes it."""
        with self.store.transaction() as tx:
            view = recall_service.recall(tx, self.actor, **scope, today=self.clock().date())
            numbers = holds.holding(tx, self.actor, view)
            if not numbers:
                raise Conflict("nothing of this recall is on hold")
            released = []
            for number in numbers:
                header = HeaderInput(DocumentKind.RELEASE, origin=number)
                lines = _outstanding(tx, self.actor, DocumentKind.HOLD, number)
                released.append(
                    documents.create(tx, self.actor, header, lines, post=True, now=self.clock())
                )
            return [queries.document(tx, self.actor, d) for d in released]

    def recall_csv(self, **scope: object) -> Iterator[str]:
        """The recall as CSV text (header first), cells safe from formula injection."""
        return recall_service.csv_text(self.recall(**scope))  # type: ignore[arg-type]
