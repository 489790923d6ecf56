"""What a batch enquiry reads: a batch, where its parts are, and every move of it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, func, select

from serialtrack.adapters.db.tables import (
    batch_quants,
    batches,
    documents,
    locations,
    moves,
    partners,
    products,
    users,
)

# A part of a batch with a supplier or customer is told by partner (from the documents that
# moved it), not by the one virtual location they share.
BY_PARTNER = ("customer", "supplier")


def batch_row(c: Connection, product_id: int, key: str) -> Any:
    query = select(batches).where(batches.c.product_id == product_id, batches.c.code_key == key)
    return c.execute(query).first()


def batches_by_key(c: Connection, key: str) -> list[Any]:
    """(sku, batch code) of every batch with this code key, whatever its product."""
    query = (
        select(products.c.sku, batches.c.code)
        .join(products, products.c.id == batches.c.product_id)
        .where(batches.c.code_key == key)
    )
    return list(c.execute(query))


def places(c: Connection, batch_id: int) -> list[Any]:
    """The batch's quantity at each location that is no partner's (stores, transit, scrap...)."""
    query = (
        select(locations.c.name, locations.c.kind, batch_quants.c.quantity)
        .join(locations, locations.c.id == batch_quants.c.location_id)
        .where(
            batch_quants.c.batch_id == batch_id,
            batch_quants.c.quantity != 0,
            locations.c.kind.not_in(BY_PARTNER),
        )
        .order_by(locations.c.kind != "internal", locations.c.name)
    )
    return list(c.execute(query))


def with_partners(c: Connection, batch_id: int) -> list[Any]:
    """What each supplier and customer holds of the batch: into their side minus back out,
    reversals included (a walk-in sale's partner is None)."""
    src, dst = locations.alias("src"), locations.alias("dst")
    net = func.sum(
        case((dst.c.kind.in_(BY_PARTNER), moves.c.quantity), else_=0)
        - case((src.c.kind.in_(BY_PARTNER), moves.c.quantity), else_=0)
    )
    side = case((dst.c.kind.in_(BY_PARTNER), dst.c.kind), else_=src.c.kind)
    query = (
        select(side.label("kind"), partners.c.name.label("partner"), net.label("quantity"))
        .select_from(moves)
        .join(documents, documents.c.id == moves.c.document_id)
        .outerjoin(partners, partners.c.id == documents.c.partner_id)
        .join(src, src.c.id == moves.c.from_location_id)
        .join(dst, dst.c.id == moves.c.to_location_id)
        .where(
            moves.c.batch_id == batch_id,
            (dst.c.kind.in_(BY_PARTNER)) | (src.c.kind.in_(BY_PARTNER)),
        )
        .group_by(side, partners.c.name)
        .having(net > 0)  # received from a supplier is not held by it
        .order_by(side, partners.c.name)
    )
    return list(c.execute(query))


def history(c: Connection, batch_id: int) -> list[Any]:
    """Every move of the batch, oldest first, with its document, partner and route."""
    src, dst = locations.alias("src"), locations.alias("dst")
    query = (
        select(
            moves.c.id,
            moves.c.at,
            moves.c.quantity,
            moves.c.reversal,
            documents.c.id.label("document_id"),
            documents.c.number,
            documents.c.kind,
            documents.c.date,
            partners.c.name.label("partner"),
            src.c.name.label("from_location"),
            dst.c.name.label("to_location"),
            users.c.username,
        )
        .join(documents, documents.c.id == moves.c.document_id)
        .outerjoin(partners, partners.c.id == documents.c.partner_id)
        .join(src, src.c.id == moves.c.from_location_id)
        .join(dst, dst.c.id == moves.c.to_location_id)
        .join(users, users.c.id == moves.c.user_id)
        .where(moves.c.batch_id == batch_id)
        .order_by(moves.c.id)
    )
    return list(c.execute(query))


def created_by(c: Connection, batch_id: int) -> Any:
    """The document that brought the batch in first (its receipt), with supplier and date."""
    query = (
        select(documents.c.number, documents.c.date, partners.c.name.label("partner"))
        .join(batches, batches.c.created_document_id == documents.c.id)
        .outerjoin(partners, partners.c.id == documents.c.partner_id)
        .where(batches.c.id == batch_id)
    )
    return c.execute(query).first()
