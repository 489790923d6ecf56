"""Printed documents, mixed into ``Inventory``: any document as the PDF a shop hands over."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from serialtrack.domain.model import Actor
from serialtrack.services import printing

if TYPE_CHECKING:
    from serialtrack.adapters.db.store import Store


class PrintingMixin:
    store: Store
    actor: Actor
    clock: Callable[[], datetime]
    _id: Callable[..., int]

    def print_document(self, document: Any) -> printing.PrintJob:
        """``document`` (id, number or view) as a printed PDF: a sales slip with each unit's
        serial and warranty end, a credit or debit note, a delivery note with what arrived
        and what is missing, a count result... with the number as a Code 128 barcode and the
        shop's name and address (settings ``shop_name``, ``shop_address``).

        Everything is read here; the returned job's ``save(path)``, ``write(file)``,
        ``to_bytes()`` or ``chunks()`` renders it."""
        with self.store.transaction(write=False) as tx:
            document_id = self._id(tx, document)
            return printing.PrintJob(
                printing.printout(tx, self.actor, document_id, now=self.clock())
            )
