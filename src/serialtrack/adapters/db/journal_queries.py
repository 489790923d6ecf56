"""SQL of the journal of moves and of discrepancies resolved: functions over a ``Connection``
(``tx.connection``), built with SQLAlchemy Core, so every value is a bound parameter.

Indexes the journal leans on: the primary key of ``moves`` (keyset paging by id),
``ix_moves_product_at`` (a product, with or without a date range), ``ix_moves_document`` (a
document kind or a partner, through their documents). A location or a user alone has no
index of its own: on a big ledger such a query walks the moves in id order until it has a page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from serialtrack.adapters.db.tables import (
    batches,
    discrepancies,
    documents,
    locations,
    moves,
    partners,
    products,
    serials,
    users,
)

STREAM_CHUNK = 2_000  # rows fetched per query while an export streams


@dataclass(frozen=True)
class JournalFilter:
    """The journal's filters as ids and bounds; None means: any."""

    since: datetime | None = None  # moves at or after (naive UTC)
    until: datetime | None = None  # moves before (naive UTC, excluded)
    location_id: int | None = None  # moved from or to it
    product_id: int | None = None
    kind: str | None = None  # the document kind
    partner_id: int | None = None  # the document's partner
    user_id: int | None = None  # who wrote the move


@cache  # built once: statements are immutable
def _journal_query() -> Any:
    src, dst = locations.alias("src"), locations.alias("dst")
    return (
        select(
            moves.c.id,
            moves.c.at,
            documents.c.kind,
            documents.c.number,
            documents.c.date.label("document_date"),
            products.c.sku,
            serials.c.code.label("serial"),
            batches.c.code.label("batch"),
            moves.c.quantity,
            src.c.name.label("from_location"),
            dst.c.name.label("to_location"),
            users.c.username.label("user"),
            partners.c.name.label("partner"),
            moves.c.reversal,
        )
        .join(documents, documents.c.id == moves.c.document_id)
        .join(products, products.c.id == moves.c.product_id)
        .outerjoin(serials, serials.c.id == moves.c.serial_id)
        .outerjoin(batches, batches.c.id == moves.c.batch_id)
        .join(src, src.c.id == moves.c.from_location_id)
        .join(dst, dst.c.id == moves.c.to_location_id)
        .join(users, users.c.id == moves.c.user_id)
        .outerjoin(partners, partners.c.id == documents.c.partner_id)
    )


def journal(c: Connection, f: JournalFilter, *, after_id: int = 0, limit: int = 100) -> list[Any]:
    """One keyset page of moves, oldest first: those with an id above ``after_id``."""
    query = _journal_query().where(moves.c.id > after_id)
    if f.since is not None:
        query = query.where(moves.c.at >= f.since)
    if f.until is not None:
        query = query.where(moves.c.at < f.until)
    if f.location_id is not None:
        query = query.where(
            or_(moves.c.from_location_id == f.location_id, moves.c.to_location_id == f.location_id)
        )
    if f.product_id is not None:
        query = query.where(moves.c.product_id == f.product_id)
    if f.kind is not None:
        query = query.where(documents.c.kind == f.kind)
    if f.partner_id is not None:
        query = query.where(documents.c.partner_id == f.partner_id)
    if f.user_id is not None:
        query = query.where(moves.c.user_id == f.user_id)
    return list(c.execute(query.order_by(moves.c.id).limit(limit)))


def stream_journal(c: Connection, f: JournalFilter) -> Iterator[Any]:
    """Every move the filter keeps, fetched in keyset pages of ``STREAM_CHUNK``."""
    after = 0
    while True:
        page = journal(c, f, after_id=after, limit=STREAM_CHUNK)
        yield from page
        if len(page) < STREAM_CHUNK:
            return
        after = page[-1].id


def user_id(c: Connection, username: str) -> int | None:
    return c.execute(select(users.c.id).where(users.c.username == username)).scalar()


# --- discrepancies --------------------------------------------------------------------------
@cache
def _discrepancies_query() -> Any:
    resolver = users.alias("resolver")
    return (
        select(
            discrepancies.c.id,
            discrepancies.c.at,
            discrepancies.c.kind,
            products.c.sku,
            discrepancies.c.code,
            documents.c.number.label("document"),
            discrepancies.c.detail,
            discrepancies.c.resolved_at,
            resolver.c.username.label("resolved_by"),
            discrepancies.c.resolution,
        )
        .join(products, products.c.id == discrepancies.c.product_id)
        .join(documents, documents.c.id == discrepancies.c.document_id)
        .outerjoin(resolver, resolver.c.id == discrepancies.c.resolved_by)
        .where(documents.c.state == "posted")  # those of cancelled documents are gone
    )


def discrepancies_by_state(c: Connection, state: str, limit: int) -> list[Any]:
    """Discrepancies newest first: ``open``, ``resolved`` or ``all``."""
    query = _discrepancies_query()
    if state == "open":
        query = query.where(discrepancies.c.resolved_at.is_(None))
    elif state == "resolved":
        query = query.where(discrepancies.c.resolved_at.is_not(None))
    return list(c.execute(query.order_by(discrepancies.c.id.desc()).limit(limit)))


def discrepancy(c: Connection, discrepancy_id: int) -> Any:
    """One discrepancy (of a posted document), or None."""
    query = _discrepancies_query().where(discrepancies.c.id == discrepancy_id)
    return c.execute(query).first()


def resolve(c: Connection, discrepancy_id: int, *, user_id: int, at: datetime, note: str) -> bool:
    """Mark it resolved, unless it already is (then False: someone was first)."""
    done = c.execute(
        update(discrepancies)
        .where(and_(discrepancies.c.id == discrepancy_id, discrepancies.c.resolved_at.is_(None)))
        .values(resolved_at=at, resolved_by=user_id, resolution=note)
    )
    return done.rowcount == 1
