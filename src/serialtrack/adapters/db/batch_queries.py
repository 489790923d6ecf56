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
    serials,
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
    query = _moves_query(
        moves.c.id, moves.c.at, moves.c.quantity, where=moves.c.batch_id == batch_id
    )
    return list(c.execute(query.order_by(moves.c.id)))


def _moves_query(*measures: Any, where: Any) -> Any:
    """Moves with their document (id, number, kind, date), partner, route and user."""
    src, dst = locations.alias("src"), locations.alias("dst")
    return (
        select(
            *measures,
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
        .where(where)
    )


def created_by(c: Connection, batch_id: int) -> Any:
    """The document that brought the batch in first (its receipt), with supplier and date."""
    query = (
        select(documents.c.number, documents.c.date, partners.c.name.label("partner"))
        .join(batches, batches.c.created_document_id == documents.c.id)
        .outerjoin(partners, partners.c.id == documents.c.partner_id)
        .where(batches.c.id == batch_id)
    )
    return c.execute(query).first()


# --- serial+batch: a batch's quantities are those of its units --------------------------------


def _units(batch_id: int) -> Any:
    return select(serials.c.id).where(serials.c.batch_id == batch_id).scalar_subquery()


def unit_places(c: Connection, batch_id: int) -> list[Any]:
    """How many of the batch's units are at each location, per status, and with which partner
    (the last document's, for units with a customer or a supplier)."""
    partner = case((locations.c.kind.in_(BY_PARTNER), partners.c.name), else_=None).label("partner")
    query = (
        select(
            locations.c.name,
            locations.c.kind,
            serials.c.status,
            partner,
            func.count().label("quantity"),
        )
        .select_from(serials)
        .join(locations, locations.c.id == serials.c.location_id)
        .outerjoin(documents, documents.c.id == serials.c.last_document_id)
        .outerjoin(partners, partners.c.id == documents.c.partner_id)
        .where(serials.c.batch_id == batch_id)
        .group_by(locations.c.name, locations.c.kind, serials.c.status, partner)
        .order_by(locations.c.kind != "internal", locations.c.name, serials.c.status, partner)
    )
    return list(c.execute(query))


def unit_codes(c: Connection, batch_id: int, limit: int | None = 1000) -> list[Any]:
    """The batch's units (code, status, location), by code; the first ``limit`` (None: all)."""
    query = (
        select(serials.c.code, serials.c.status, locations.c.name.label("location"))
        .join(locations, locations.c.id == serials.c.location_id)
        .where(serials.c.batch_id == batch_id)
        .order_by(serials.c.code_key)
        .limit(limit)
    )
    return list(c.execute(query))


def unit_history(c: Connection, batch_id: int) -> list[Any]:
    """The moves of the batch's units, one row per document and route (units counted)."""
    first = func.min(moves.c.id)
    query = _moves_query(
        first.label("id"),
        func.min(moves.c.at).label("at"),
        func.sum(moves.c.quantity).label("quantity"),
        where=moves.c.serial_id.in_(_units(batch_id)),
    )
    return list(c.execute(query.group_by(*_grouped(query)).order_by(first)))


def _grouped(query: Any) -> list[Any]:
    """The columns of ``query`` that are not aggregates: what it groups by."""
    return [col for col in query.selected_columns if col.name not in ("id", "at", "quantity")]
