"""SQL for stock on hand (from the current state) and stock as of a moment (from the ledger).

Functions of a ``Connection`` (``tx.connection``); every value is a bound parameter.

- On hand: serials counted per product, location, status (and, in transit, the transfer they
  are on); quantity products from ``quants``; batch products from ``batch_quants``; what is
  in transit without a serial comes from the moves of dispatches and their transfer receipts,
  so each quantity is attributed to its transfer.
- As of a moment: one aggregate over ``moves`` (``at <= T``), grouped by product and route;
  the caller folds each route into "in" at its destination and "out" at its source.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, null, or_, select

from serialtrack.adapters.db.tables import (
    batch_quants,
    batches,
    documents,
    locations,
    moves,
    products,
    quants,
    serials,
)

STOCK_KINDS = ("internal", "transit", "quarantine")  # stores, on the way, on hold


def serials_on_hand(
    c: Connection,
    product_id: int | None,
    location_id: int | None,
    statuses: tuple[str, ...],
    batch_ids: list[int] | None = None,
) -> list[Any]:
    """Serials in stores and in transit per product, location, status, batch (serial+batch)
    and transfer: sku, name, location, location_kind, status, batch, transfer (a dispatch's
    number, in transit only), quantity."""
    last = documents.alias("last")
    dispatch = documents.alias("dispatch")
    # In transit a serial's last document is its dispatch, or a transfer receipt of that
    # dispatch that was cancelled (which put it back on the way): either names the transfer.
    # On hold likewise: its hold, or a cancelled release of it.
    transfer_id = case(
        (
            and_(locations.c.kind == "transit", last.c.kind == "transfer_receipt"),
            last.c.origin_document_id,
        ),
        (locations.c.kind == "transit", last.c.id),
        (
            and_(locations.c.kind == "quarantine", last.c.kind == "release"),
            last.c.origin_document_id,
        ),
        (locations.c.kind == "quarantine", last.c.id),
        else_=null(),
    )
    grouped = (
        select(
            serials.c.product_id,
            serials.c.location_id,
            serials.c.status,
            serials.c.batch_id,
            transfer_id.label("transfer_id"),
            func.count().label("quantity"),
        )
        .join(locations, locations.c.id == serials.c.location_id)
        .outerjoin(last, last.c.id == serials.c.last_document_id)
        .where(locations.c.kind.in_(STOCK_KINDS), serials.c.status.in_(statuses))
        .group_by(
            serials.c.product_id,
            serials.c.location_id,
            serials.c.status,
            serials.c.batch_id,
            transfer_id,
        )
    )
    if product_id is not None:
        grouped = grouped.where(serials.c.product_id == product_id)
    if location_id is not None:
        grouped = grouped.where(serials.c.location_id == location_id)
    if batch_ids is not None:
        grouped = grouped.where(serials.c.batch_id.in_(batch_ids))
    g = grouped.subquery()
    query = (
        select(
            products.c.sku,
            products.c.name,
            locations.c.name.label("location"),
            locations.c.kind.label("location_kind"),
            g.c.status,
            batches.c.code.label("batch"),  # serial+batch: the units' batch
            dispatch.c.number.label("transfer"),
            g.c.quantity,
        )
        .join(products, products.c.id == g.c.product_id)
        .join(locations, locations.c.id == g.c.location_id)
        .outerjoin(dispatch, dispatch.c.id == g.c.transfer_id)
        .outerjoin(batches, batches.c.id == g.c.batch_id)
    )
    return list(c.execute(query))


def quantities_in_stores(
    c: Connection, product_id: int | None, location_id: int | None, batch_ids: list[int] | None
) -> list[Any]:
    """Quantity products (``quants``) and batch products (``batch_quants``, per batch) in
    stores: sku, name, location, location_kind, batch, quantity. With ``batch_ids`` only those
    batches."""
    rows: list[Any] = []
    if batch_ids is None:
        plain = (
            select(
                products.c.sku,
                products.c.name,
                locations.c.name.label("location"),
                locations.c.kind.label("location_kind"),
                null().label("batch"),
                quants.c.quantity,
            )
            .join(products, products.c.id == quants.c.product_id)
            .join(locations, locations.c.id == quants.c.location_id)
            .where(
                products.c.tracking == "none",
                locations.c.kind == "internal",
                quants.c.quantity != 0,
            )
        )
        if product_id is not None:
            plain = plain.where(quants.c.product_id == product_id)
        if location_id is not None:
            plain = plain.where(quants.c.location_id == location_id)
        rows += c.execute(plain)
    batched = (
        select(
            products.c.sku,
            products.c.name,
            locations.c.name.label("location"),
            locations.c.kind.label("location_kind"),
            batches.c.code.label("batch"),
            batch_quants.c.quantity,
        )
        .join(batches, batches.c.id == batch_quants.c.batch_id)
        .join(products, products.c.id == batches.c.product_id)
        .join(locations, locations.c.id == batch_quants.c.location_id)
        .where(locations.c.kind == "internal", batch_quants.c.quantity != 0)
    )
    if product_id is not None:
        batched = batched.where(batches.c.product_id == product_id)
    if location_id is not None:
        batched = batched.where(batch_quants.c.location_id == location_id)
    if batch_ids is not None:
        batched = batched.where(batch_quants.c.batch_id.in_(batch_ids))
    rows += c.execute(batched)
    return rows


def quantities_in_transit(
    c: Connection,
    product_id: int | None,
    location_id: int | None,
    batch_ids: list[int] | None,
    *,
    place: str = "transit",
) -> list[Any]:
    """Units without a serial in transit, per product, transit location, batch and transfer:
    every move of a dispatch or a transfer receipt into a transit location adds, every one
    out of it subtracts (cancellations included, along their own routes); a receipt's moves
    count for the dispatch it names. Read through the documents' moves (``ix_moves_document``),
    not the whole ledger. ``place="quarantine"``: on hold, per hold (a release's moves count
    for the hold it names)."""
    opener, taker = ("dispatch", "transfer_receipt") if place == "transit" else ("hold", "release")
    doc = documents.alias("doc")
    dispatch = documents.alias("dispatch")
    src, dst = locations.alias("src"), locations.alias("dst")
    transfer_id = case((doc.c.kind == taker, doc.c.origin_document_id), else_=doc.c.id)
    transit_id = case((dst.c.kind == place, dst.c.id), else_=src.c.id)
    signed = case((dst.c.kind == place, moves.c.quantity), else_=-moves.c.quantity)
    grouped = (
        select(
            moves.c.product_id,
            transit_id.label("location_id"),
            moves.c.batch_id,
            transfer_id.label("transfer_id"),
            func.sum(signed).label("quantity"),
        )
        .select_from(doc)
        .join(moves, moves.c.document_id == doc.c.id)
        .join(src, src.c.id == moves.c.from_location_id)
        .join(dst, dst.c.id == moves.c.to_location_id)
        .where(
            doc.c.kind.in_((opener, taker)),  # drafts have no moves
            moves.c.serial_id.is_(None),
            or_(src.c.kind == place, dst.c.kind == place),
        )
        .group_by(moves.c.product_id, transit_id, moves.c.batch_id, transfer_id)
    )
    if product_id is not None:
        grouped = grouped.where(moves.c.product_id == product_id)
    if location_id is not None:
        grouped = grouped.where(transit_id == location_id)
    if batch_ids is not None:
        grouped = grouped.where(moves.c.batch_id.in_(batch_ids))
    g = grouped.subquery()
    query = (
        select(
            products.c.sku,
            products.c.name,
            locations.c.name.label("location"),
            locations.c.kind.label("location_kind"),
            batches.c.code.label("batch"),
            dispatch.c.number.label("transfer"),
            g.c.quantity,
        )
        .join(products, products.c.id == g.c.product_id)
        .join(locations, locations.c.id == g.c.location_id)
        .outerjoin(batches, batches.c.id == g.c.batch_id)
        .outerjoin(dispatch, dispatch.c.id == g.c.transfer_id)
        .where(g.c.quantity != 0)
    )
    return list(c.execute(query))


def batch_ids(c: Connection, key: str, product_id: int | None) -> list[int]:
    """The batches whose code key is ``key`` (of one product, or of any)."""
    query = select(batches.c.id).where(batches.c.code_key == key)
    if product_id is not None:
        query = query.where(batches.c.product_id == product_id)
    return [int(r[0]) for r in c.execute(query)]


def routes_until(
    c: Connection, until: datetime, product_id: int | None, location_id: int | None
) -> list[Any]:
    """The one aggregate of stock as of ``until``: every move with ``at <= until`` (originals
    and reversals alike) summed per product and route (product_id, from_location_id,
    to_location_id, quantity). With a product it reads ``ix_moves_product_at``."""
    query = (
        select(
            moves.c.product_id,
            moves.c.from_location_id,
            moves.c.to_location_id,
            func.sum(moves.c.quantity).label("quantity"),
        )
        .where(moves.c.at <= until)
        .group_by(moves.c.product_id, moves.c.from_location_id, moves.c.to_location_id)
    )
    if product_id is not None:
        query = query.where(moves.c.product_id == product_id)
    if location_id is not None:
        query = query.where(
            or_(moves.c.from_location_id == location_id, moves.c.to_location_id == location_id)
        )
    return list(c.execute(query))


def names(c: Connection) -> tuple[dict[int, Any], dict[int, Any]]:
    """Products (id → sku, name) and locations (id → name, kind), to name the folded routes."""
    found = c.execute(select(products.c.id, products.c.sku, products.c.name))
    places = c.execute(select(locations.c.id, locations.c.name, locations.c.kind))
    return {r.id: r for r in found}, {r.id: r for r in places}


def serial_move_until(c: Connection, serial_id: int, until: datetime) -> Any:
    """The serial's last move with ``at <= until`` (``ix_moves_serial``): at, where it went
    (location, location_kind), the document (number, kind) and whether it was a reversal;
    None when the serial had not moved yet."""
    query = (
        select(
            moves.c.at,
            moves.c.reversal,
            moves.c.serial_code,
            locations.c.name.label("location"),
            locations.c.kind.label("location_kind"),
            documents.c.number.label("document"),
            documents.c.kind.label("document_kind"),
        )
        .join(locations, locations.c.id == moves.c.to_location_id)
        .join(documents, documents.c.id == moves.c.document_id)
        .where(moves.c.serial_id == serial_id, moves.c.at <= until)
        .order_by(moves.c.id.desc())
        .limit(1)
    )
    return c.execute(query).first()
