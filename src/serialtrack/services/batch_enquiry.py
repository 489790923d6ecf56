"""Batch enquiry (seed 001): a batch code's product and expiry, where its parts are now — per
store, in transit, with which customer or supplier, written off — and its whole history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection

from serialtrack.adapters.db import batch_queries as q
from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key
from serialtrack.domain.errors import NotFound, Problem
from serialtrack.domain.lots import derived_dates
from serialtrack.domain.model import (
    Actor,
    DocumentKind,
    LocationKind,
    Product,
    TrackingMode,
    status_for,
)
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.posting import expired


def _dates(product: Product, expiry: date | None) -> dict[str, date | None]:
    found = derived_dates(product, expiry)
    return {"best_before": found.best_before, "removal": found.removal, "alert": found.alert}


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
    # serial+batch: the batch's units (the first 1,000, by code) with their status and place
    units: tuple[tuple[str, str, str], ...] = ()
    tracking: str = "batch"
    # the product's days before expiry: best before, taken off sale, alert (lots.derived_dates)
    best_before: date | None = None
    removal: date | None = None
    alert: date | None = None


def batch(tx: Tx, actor: Actor, sku: str, code: str, *, today: date) -> BatchView:
    require(actor, Permission.READ)
    product = tx.catalog.product_by_sku(sku.strip() if isinstance(sku, str) else "")
    if product is None:
        raise NotFound(f"no product with SKU {sku!r}", [Problem("sku", str(sku))])
    if product.tracking not in (TrackingMode.BATCH, TrackingMode.SERIAL_BATCH):
        raise NotFound(f"{product.sku} is not batch-tracked", [Problem("sku", "no batches")])
    row = q.batch_row(tx.connection, product.id, code_key(code or ""))
    if row is None:
        raise NotFound(f"no batch {code.strip()!r} of {product.sku}", [Problem("code", code)])
    c = tx.connection
    if product.tracking is TrackingMode.SERIAL_BATCH:
        return _of_units(c, product, row, today)
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
    return _view(c, product, row, today, parts, q.history(c, row.id), in_stores=("in_stock",))


def _of_units(c: Connection, product: Product, row: Any, today: date) -> BatchView:
    """A serial+batch product's batch: its parts are its units, counted where they are."""
    parts = tuple(
        BatchPart(r.name, r.status, int(r.quantity), r.partner) for r in q.unit_places(c, row.id)
    )
    return _view(
        c, product, row, today, parts, q.unit_history(c, row.id),
        in_stores=("in_stock", "reserved"),
        units=tuple((r.code, r.status, r.location) for r in q.unit_codes(c, row.id)),
    )  # fmt: skip


def _view(
    c: Connection,
    product: Product,
    row: Any,
    today: date,
    parts: Sequence[BatchPart],
    history: Iterable[Any],
    *,
    in_stores: tuple[str, ...],
    units: tuple[tuple[str, str, str], ...] = (),
) -> BatchView:
    """The enquiry's answer: the batch, where its parts are (in the stores: ``in_stores``),
    its moves, and (serial+batch) its units."""
    moves = tuple(
        BatchMove(
            r.at.replace(tzinfo=UTC), r.number, r.document_id, DocumentKind(r.kind), r.date,
            r.partner, r.from_location, r.to_location, int(r.quantity), r.username,
            bool(r.reversal),
        )
        for r in history
    )  # fmt: skip
    first = q.created_by(c, row.id)
    return BatchView(
        sku=product.sku,
        name=product.name,
        code=row.code,
        expiry=row.expiry,
        expired=expired(row.expiry, today),
        **_dates(product, row.expiry),
        received=first.number if first else None,
        supplier=first.partner if first else None,
        received_on=first.date if first else None,
        on_hand=sum(p.quantity for p in parts if p.status in in_stores),
        parts=tuple(parts),
        history=moves,
        units=units,
        tracking=product.tracking.value,
    )
