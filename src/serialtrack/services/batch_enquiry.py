"""Batch enquiry (seed 001): a batch code's product and expiry, where its parts are now — per
store, in transit, with which customer or supplier, written off — and its whole history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from serialtrack.adapters.db import batch_queries as q
from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key
from serialtrack.domain.errors import NotFound, Problem
from serialtrack.domain.model import Actor, DocumentKind, LocationKind, TrackingMode, status_for
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.posting import expired


@dataclass(frozen=True)
class BatchPart:
    """So many of the batch in one place: a store, transit, a customer, a supplier, scrap."""

    location: str
    status: str  # in_stock, in_transit, sold, returned_to_supplier, written_off, ...
    quantity: int
    partner: str | None = None  # the customer or supplier (None at a customer: walk-in)


@dataclass(frozen=True)
class BatchMove:
    at: datetime
    document: str
    document_id: int
    kind: DocumentKind
    date: date
    partner: str | None
    from_location: str
    to_location: str
    quantity: int
    user: str
    reversal: bool


@dataclass(frozen=True)
class BatchView:
    sku: str
    name: str
    code: str
    expiry: date | None
    expired: bool
    received: str | None  # the document that brought it in first, its supplier and date
    supplier: str | None
    received_on: date | None
    on_hand: int  # in the stores
    parts: tuple[BatchPart, ...]
    history: tuple[BatchMove, ...]


def batch(tx: Tx, actor: Actor, sku: str, code: str, *, today: date) -> BatchView:
    require(actor, Permission.READ)
    product = tx.catalog.product_by_sku(sku.strip() if isinstance(sku, str) else "")
    if product is None:
        raise NotFound(f"no product with SKU {sku!r}", [Problem("sku", str(sku))])
    if product.tracking is not TrackingMode.BATCH:
        raise NotFound(f"{product.sku} is not batch-tracked", [Problem("sku", "no batches")])
    row = q.batch_row(tx.connection, product.id, code_key(code or ""))
    if row is None:
        raise NotFound(f"no batch {code.strip()!r} of {product.sku}", [Problem("code", code)])
    c = tx.connection
    parts = [
        BatchPart(r.name, status_for(LocationKind(r.kind)).value, int(r.quantity))
        for r in q.places(c, row.id)
    ]
    parts += [
        BatchPart(
            "Customers" if r.kind == LocationKind.CUSTOMER.value else "Suppliers",
            status_for(LocationKind(r.kind)).value, int(r.quantity), r.partner,
        )
        for r in q.with_partners(c, row.id)
    ]  # fmt: skip
    moves = tuple(
        BatchMove(
            r.at.replace(tzinfo=UTC), r.number, r.document_id, DocumentKind(r.kind), r.date,
            r.partner, r.from_location, r.to_location, int(r.quantity), r.username,
            bool(r.reversal),
        )
        for r in q.history(c, row.id)
    )  # fmt: skip
    first = q.created_by(c, row.id)
    return BatchView(
        sku=product.sku,
        name=product.name,
        code=row.code,
        expiry=row.expiry,
        expired=expired(row.expiry, today),
        received=first.number if first else None,
        supplier=first.partner if first else None,
        received_on=first.date if first else None,
        on_hand=sum(p.quantity for p in parts if p.status == "in_stock"),
        parts=tuple(parts),
        history=moves,
    )
