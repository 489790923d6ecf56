"""Stock operations beyond buying and selling (transfers, write-offs, ...), mixed into Inventory."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from serialtrack.domain.errors import Conflict
from serialtrack.domain.model import (
    Actor,
    BatchInput,
    DocumentKind,
    DocumentState,
    LineInput,
    SerialView,
)
from serialtrack.services import (
    corrections,
    count_quantities,
    counts,
    documents,
    queries,
    refunds,
    transfer_close,
)
from serialtrack.services.header import HeaderInput
from serialtrack.services.queries import DocumentView

if TYPE_CHECKING:
    from serialtrack.adapters.db.store import Store, Tx


class OperationsMixin:
    """Methods here reach the services exactly like ``Inventory``'s own."""

    store: Store
    actor: Actor
    clock: Callable[[], datetime]

    # transfers ------------------------------------------------------------------------
    def dispatch(
        self,
        *,
        source: str,
        destination: str,
        lines: Iterable[Any],
        number: str | None = None,
        date: date | None = None,
        reference: str | None = None,
        note: str | None = None,
        allow_expired: bool = False,
        post: bool = True,
    ) -> DocumentView:
        """Send goods from store ``source`` towards ``destination``: they are in transit.

        The dispatch's number is the transfer's number; ``receive_transfer`` takes the goods
        in at the destination. A draft (``post=False``) holds its serials.
        """
        header = HeaderInput(
            DocumentKind.DISPATCH, location=source, destination=destination, number=number,
            date=date, reference=reference, note=note, allow_expired=allow_expired,
        )  # fmt: skip
        return self._document(header, lines, post=post)

    def receive_transfer(
        self,
        *,
        dispatch: str | DocumentView,
        lines: Iterable[Any] | None = None,
        location: str | None = None,
        number: str | None = None,
        date: date | None = None,
        reference: str | None = None,
        note: str | None = None,
        post: bool = True,
    ) -> DocumentView:
        """Receive at the destination what arrived of ``dispatch`` (default: all still on the way).

        Serials not received stay in transit on the dispatch. ``location`` defaults to the store
        the dispatch is bound for; another store is refused.
        """
        origin = dispatch.number if isinstance(dispatch, DocumentView) else dispatch
        header = HeaderInput(
            DocumentKind.TRANSFER_RECEIPT, location=location, origin=origin, number=number,
            date=date, reference=reference, note=note,
        )  # fmt: skip
        if lines is not None:
            return self._document(header, lines, post=post)
        with self.store.transaction() as tx:
            outstanding = _outstanding(tx, self.actor, DocumentKind.DISPATCH, origin)
            return self._create(tx, header, outstanding, post=post)

    def transfer(
        self,
        *,
        source: str,
        destination: str,
        lines: Iterable[Any],
        number: str | None = None,
        date: date | None = None,
        reference: str | None = None,
        note: str | None = None,
        allow_expired: bool = False,
        post: bool = True,
    ) -> DocumentView:
        """A one-step transfer: goods go from store ``source`` to ``destination`` at once."""
        header = HeaderInput(
            DocumentKind.TRANSFER, location=source, destination=destination, number=number,
            date=date, reference=reference, note=note, allow_expired=allow_expired,
        )  # fmt: skip
        return self._document(header, lines, post=post)

    def close_transfer(
        self,
        dispatch: str | DocumentView,
        *,
        outcome: str = "back",
        reason: str | None = None,
        date: date | None = None,
    ) -> list[DocumentView]:
        """Close a transfer short: what is still in transit on ``dispatch`` goes ``back`` to
        the store that sent it (a transfer receipt there), or, ``outcome="write_off"``, is
        written off as lost with ``reason`` (a manager's; a transfer receipt back and a
        write-off, in one transaction). It then leaves "in transit"."""
        number = dispatch.number if isinstance(dispatch, DocumentView) else dispatch
        with self.store.transaction() as tx:
            made = transfer_close.close_short(
                tx, self.actor, number, outcome=outcome, reason=reason, day=date,
                now=self.clock(),
            )  # fmt: skip
            return [queries.document(tx, self.actor, i) for i in made]

    def in_transit(
        self, *, sku: str | None = None, location: str | None = None
    ) -> list[dict[str, Any]]:
        """Transfers not fully received: per dispatch and product, what is still on the way;
        only of product ``sku``, only transfers from or to ``location``, when given."""
        with self.store.transaction(write=False) as tx:
            return queries.in_transit(tx, self.actor, sku=sku, location=location)

    # holds (stock put aside, a recall) --------------------------------------------------
    def hold(
        self,
        *,
        location: str,
        lines: Iterable[Any],
        reason: str,
        number: str | None = None,
        date: date | None = None,
        reference: str | None = None,
        post: bool = True,
    ) -> DocumentView:
        """Put stock of store ``location`` on hold: it moves into the virtual "On hold"
        location (quarantine), status ``on_hold``, where no sale, transfer or write-off takes it
        until ``release`` brings it back. ``reason`` is kept (the recall, the supplier's notice)."""
        header = HeaderInput(
            DocumentKind.HOLD, location=location, note=reason, number=number, date=date,
            reference=reference,
        )  # fmt: skip
        return self._document(header, lines, post=post)

    def release(
        self,
        *,
        hold: str | DocumentView,
        lines: Iterable[Any] | None = None,
        number: str | None = None,
        date: date | None = None,
        note: str | None = None,
        post: bool = True,
    ) -> DocumentView:
        """Bring stock held by ``hold`` back to the store it was taken from (managers): all
        that is still on hold, or the ``lines`` given; the rest stays on hold."""
        origin = hold.number if isinstance(hold, DocumentView) else hold
        header = HeaderInput(
            DocumentKind.RELEASE, origin=origin, number=number, date=date, note=note,
        )  # fmt: skip
        if lines is not None:
            return self._document(header, lines, post=post)
        with self.store.transaction() as tx:
            outstanding = _outstanding(tx, self.actor, DocumentKind.HOLD, origin)
            return self._create(tx, header, outstanding, post=post)

    def on_hold(self) -> list[dict[str, Any]]:
        """Holds not fully released: per hold and product, what is still put aside."""
        with self.store.transaction(write=False) as tx:
            return queries.on_hold(tx, self.actor)

    # write-offs -----------------------------------------------------------------------
    def write_off(
        self,
        *,
        location: str,
        lines: Iterable[Any],
        reason: str,
        number: str | None = None,
        date: date | None = None,
        reference: str | None = None,
        post: bool = True,
    ) -> DocumentView:
        """Take damaged, lost or expired goods out of ``location`` to scrap; ``reason`` is kept."""
        header = HeaderInput(
            DocumentKind.WRITE_OFF, location=location, note=reason, number=number, date=date,
            reference=reference,
        )  # fmt: skip
        return self._document(header, lines, post=post)

    # inventory counts -----------------------------------------------------------------
    def open_count(
        self,
        *,
        location: str,
        sku: str | None = None,
        number: str | None = None,
        note: str | None = None,
        blind: bool = False,
    ) -> counts.CountView:
        """Open an inventory count of store ``location`` (of one product, with ``sku``).

        ``blind``: the counter does not see what the books expect (expected, missing,
        unexpected) until it posts; managers do."""
        with self.store.transaction() as tx:
            count_id = counts.open_count(
                tx, self.actor, location=location, sku=sku, number=number, note=note,
                now=self.clock(), blind=blind,
            )  # fmt: skip
            return counts.view(tx, self.actor, count_id)

    def count_scan(
        self, count: str | int | counts.CountView, scans: Iterable[str], *, sku: str | None = None
    ) -> list[dict[str, Any]]:
        """Record serials found on the shelf (codes or GS1 scans); scanning twice is harmless."""
        with self.store.transaction() as tx:
            count_id = self._count_id(tx, count)
            return counts.record(tx, self.actor, count_id, list(scans), sku=sku, now=self.clock())

    def count_quantities(
        self, count: str | int | counts.CountView, lines: Iterable[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """Record counted quantities of quantity-only and batch products, each line
        ``{"sku", "quantity", "batch"}`` (batch for a batch product); a later entry for the
        same product and batch replaces the earlier one. One outcome per line."""
        with self.store.transaction() as tx:
            count_id = self._count_id(tx, count)
            return count_quantities.record(tx, self.actor, count_id, list(lines), now=self.clock())

    def count_quantity(
        self, count: str | int | counts.CountView, sku: str, quantity: int, *,
        batch: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Record how many of ``sku`` (of its ``batch``) are on the shelf."""
        line = {"sku": sku, "quantity": quantity, "batch": batch}
        return self.count_quantities(count, [line])[0]

    def count_unscan(
        self, count: str | int | counts.CountView, scan: str, *, sku: str | None = None
    ) -> dict[str, Any]:
        """Undo a wrong scan on an open count: the serial is no longer among what it found."""
        with self.store.transaction() as tx:
            return counts.unscan(tx, self.actor, self._count_id(tx, count), scan, sku=sku)

    def discard_count(self, count: str | int | counts.CountView) -> None:
        """Discard an open count: its scans go, its number stays accounted for (discarded).
        A posted count is cancelled instead (``cancel``)."""
        with self.store.transaction() as tx:
            documents.delete_draft(tx, self.actor, self._count_id(tx, count), now=self.clock())

    def count(self, count: str | int | counts.CountView) -> counts.CountView:
        """Expected against found so far (or, once posted, the differences it wrote)."""
        with self.store.transaction(write=False) as tx:
            return counts.view(tx, self.actor, self._count_id(tx, count))

    def post_count(self, count: str | int | counts.CountView) -> counts.CountView:
        """Post the differences; cancel the count (``cancel``) to reverse them exactly."""
        with self.store.transaction() as tx:
            count_id = self._count_id(tx, count)
            warnings = counts.post(tx, self.actor, count_id, now=self.clock())
            return replace(counts.view(tx, self.actor, count_id), warnings=tuple(warnings))

    # refunds by scan --------------------------------------------------------------------
    def sold_units(self, scans: Iterable[str]) -> list[refunds.SoldUnit]:
        """What scanned serials (or a sales slip's number) name: each unit the customer has,
        with its invoice, customer, sale date and warranty."""
        with self.store.transaction(write=False) as tx:
            return refunds.sold_units(tx, self.actor, list(scans), today=self.clock().date())

    def refund(
        self,
        scans: Iterable[str],
        *,
        location: str,
        reason: str,
        date: date | None = None,
    ) -> list[DocumentView]:
        """Take back the units ``scans`` name into ``location`` (a store, or a quarantine
        location to inspect them): one posted sales return (credit note) per invoice, with
        the ``reason``; all of them or, refused, none."""
        with self.store.transaction() as tx:
            made = refunds.refund(
                tx, self.actor, list(scans), location=location, reason=reason, day=date,
                now=self.clock(),
            )  # fmt: skip
            return [queries.document(tx, self.actor, i) for i in made]

    def returnable(self, origin: str) -> dict[str, list[str]]:
        """Per SKU, the serials of sale or receipt ``origin`` a return could take back now."""
        with self.store.transaction(write=False) as tx:
            return refunds.returnable(tx, self.actor, origin)

    def stock_units(self, scans: Iterable[str], *, location: str) -> list[refunds.StockUnit]:
        """What scanned serials name, each in stock at ``location``: its receipt and supplier
        (none for a unit that came in otherwise)."""
        with self.store.transaction(write=False) as tx:
            return refunds.stock_units(tx, self.actor, list(scans), location=location)

    def return_scanned_to_suppliers(
        self,
        scans: Iterable[str],
        *,
        location: str,
        reason: str,
        supplier: str | None = None,
        date: date | None = None,
    ) -> list[DocumentView]:
        """Send the scanned units in stock at ``location`` back: one posted purchase return
        (debit note) per receipt they came in on; units without one go to ``supplier``."""
        with self.store.transaction() as tx:
            made = refunds.return_to_suppliers(
                tx, self.actor, list(scans), location=location, reason=reason,
                supplier=supplier, day=date, now=self.clock(),
            )  # fmt: skip
            return [queries.document(tx, self.actor, i) for i in made]

    def _count_id(self, tx: Tx, count: str | int | counts.CountView) -> int:
        if isinstance(count, counts.CountView):
            return count.id
        if isinstance(count, int):
            return count
        kind = DocumentKind.INVENTORY_COUNT.value
        return queries.find_document(tx, self.actor, count, kind)

    # serial correction ----------------------------------------------------------------
    def correct_serial(
        self, sku: str, code: str, new_code: str, *, reason: str | None = None
    ) -> SerialView:
        """Change a mistyped serial code; its history stays, the old code stays searchable."""
        with self.store.transaction() as tx:
            corrections.correct(
                tx, self.actor, sku, code, new_code, reason=reason, now=self.clock()
            )
            return queries.serial(tx, self.actor, sku, new_code, today=self.clock().date())

    def set_serial_note(self, sku: str, code: str, note: str | None) -> SerialView:
        """Set the free-text note of a serial (an internal reference, a remark; empty or None
        clears it); audited. Answers the serial."""
        with self.store.transaction() as tx:
            serial_id = corrections.set_note(tx, self.actor, sku, code, note, now=self.clock())
            (state,) = tx.ledger.states_by_ids([serial_id])
            return queries.serial(tx, self.actor, sku, state.code, today=self.clock().date())

    def delete_serial(self, sku: str, code: str, *, reason: str | None = None) -> str:
        """Delete a serial entered by mistake (nothing but its creating document touched it).

        Returns the number of that document, whose line loses the unit. Otherwise: write it off.
        """
        with self.store.transaction() as tx:
            return corrections.delete(tx, self.actor, sku, code, reason=reason, now=self.clock())

    # ----------------------------------------------------------------------------------
    def _document(self, header: HeaderInput, lines: Iterable[Any], *, post: bool) -> DocumentView:
        from serialtrack.inventory import _line

        given = [_line(x, i) for i, x in enumerate(lines)]
        with self.store.transaction() as tx:
            return self._create(tx, header, given, post=post)

    def _create(
        self, tx: Tx, header: HeaderInput, lines: list[LineInput], *, post: bool
    ) -> DocumentView:
        document_id = documents.create(tx, self.actor, header, lines, post=post, now=self.clock())
        return queries.document(tx, self.actor, document_id)


def _outstanding(tx: Tx, actor: Actor, kind: DocumentKind, number: str) -> list[LineInput]:
    """One line per product of what dispatch ``number`` sent and no receipt took yet (hold
    ``number`` put aside and no release brought back)."""
    found = tx.documents.by_number(kind.value, number)
    if not found or found[0]["state"] != DocumentState.POSTED.value:
        return []  # the header check names the unknown or unposted dispatch
    view = queries.document(tx, actor, found[0]["id"])
    rows = view.on_hold if kind is DocumentKind.HOLD else view.in_transit
    if not rows and kind is DocumentKind.HOLD:
        raise Conflict(f"nothing of {number} is still on hold: all of it was released")
    if not rows:
        raise Conflict(f"nothing of {number} is still in transit: all of it was received")
    return [
        LineInput(r["sku"], r["quantity"], tuple(r["serials"])) if r["serials"] else
        LineInput(r["sku"], r["quantity"],
                  batches=tuple(BatchInput(b["code"], b["quantity"]) for b in r["batches"]))
        for r in rows
    ]  # fmt: skip
