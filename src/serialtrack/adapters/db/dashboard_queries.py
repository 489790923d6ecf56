"""SQL of the home page's figures, aggregated in the database: functions of a ``Connection``
(``tx.connection``), built with SQLAlchemy Core, so every value is a bound parameter.

- Stock in the stores: serials in stock or reserved counted per store (``ix_serials_location
  _status``), quantity and batch products summed from ``quants`` and ``batch_quants``, as the
  stock on hand report reads them (``stock_queries``).
- Units per week: one GROUP BY over the moves of a window, each move's week found by a CASE
  over the weeks' bounds (the same SQL on SQLite and PostgreSQL, no date functions). Only the
  original moves of posted documents count: a cancelled document's moves and the reversals
  that cancelled them are both left out, whenever the cancel happened.
- What expires: serials in stock or reserved and batch parts in the stores, summed per bucket
  (expired, soon, later) of their expiry date.

Indexes: ``moves`` has no index on ``at`` alone, only ``ix_moves_product_at`` (product, at).
So the weekly query walks the products and, for each, reads that index over the window (a
nested loop the planners pick when the window is a small part of the ledger), instead of
scanning every move; each move's document is read by its primary key.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, case, false, func, literal, select, union_all

from serialtrack.adapters.db.lots import alert_by, alert_days
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

STORE = "internal"  # the location kind of a store
HELD = ("in_stock", "reserved")  # a serial in a store: on the shelf, or held by a draft


def stores(c: Connection) -> list[Any]:
    """Every store: id, name, active."""
    query = select(locations.c.id, locations.c.name, locations.c.active).where(
        locations.c.kind == STORE
    )
    return list(c.execute(query))


def stock_by_store(c: Connection) -> list[Any]:
    """Units in the stores per store and tracking mode: location_id, tracking (serial, batch,
    none), quantity."""
    serial_rows = (
        select(
            serials.c.location_id,
            literal("serial").label("tracking"),
            func.count().label("quantity"),
        )
        .join(locations, locations.c.id == serials.c.location_id)
        .where(locations.c.kind == STORE, serials.c.status.in_(HELD))
        .group_by(serials.c.location_id)
    )
    quantity_rows = (
        select(
            quants.c.location_id,
            literal("none").label("tracking"),
            func.sum(quants.c.quantity).label("quantity"),
        )
        .join(products, products.c.id == quants.c.product_id)
        .join(locations, locations.c.id == quants.c.location_id)
        .where(products.c.tracking == "none", locations.c.kind == STORE)
        .group_by(quants.c.location_id)
    )
    batch_rows = (
        select(
            batch_quants.c.location_id,
            literal("batch").label("tracking"),
            func.sum(batch_quants.c.quantity).label("quantity"),
        )
        .join(locations, locations.c.id == batch_quants.c.location_id)
        .where(locations.c.kind == STORE)
        .group_by(batch_quants.c.location_id)
    )
    rows: list[Any] = []
    for query in (serial_rows, quantity_rows, batch_rows):
        rows += c.execute(query)
    return rows


def units_per_week(c: Connection, bounds: Sequence[datetime], kinds: Sequence[str]) -> list[Any]:
    """Units moved per week and document kind: week (0 for the first), kind, quantity.

    ``bounds``: the weeks' starts and the end of the last (naive UTC, ascending); a move at
    ``bounds[i] <= at < bounds[i + 1]`` is in week ``i``. Only original moves of documents of
    ``kinds`` that are posted (not cancelled) count."""
    last = len(bounds) - 2
    week: Any = (
        literal(0)
        if last == 0
        else case(*[(moves.c.at < bound, i) for i, bound in enumerate(bounds[1:-1])], else_=last)
    )
    each = (
        select(week.label("week"), documents.c.kind, moves.c.quantity)
        .select_from(products)
        .join(
            moves,
            and_(
                moves.c.product_id == products.c.id,
                moves.c.at >= bounds[0],
                moves.c.at < bounds[-1],
            ),
        )
        .join(documents, documents.c.id == moves.c.document_id)
        .where(
            moves.c.reversal == false(),
            documents.c.state == "posted",
            documents.c.kind.in_(list(kinds)),
        )
        .subquery()
    )
    # grouped outside: the CASE's bound values are not repeated in a GROUP BY
    query = select(each.c.week, each.c.kind, func.sum(each.c.quantity).label("quantity")).group_by(
        each.c.week, each.c.kind
    )
    return list(c.execute(query))


def expiring_by_bucket(c: Connection, today: date, soon: date, until: date) -> list[Any]:
    """Units in the stores with an expiry date up to ``until``, per bucket: ``expired``
    (before ``today``), ``soon`` (up to ``soon``), ``later``; rows of bucket, quantity.
    Serials in stock or reserved count one each; batch parts their quantity."""
    serial_rows = (
        select(_bucket(serials.c.expiry, today, soon), literal(1).label("quantity"))
        .join(locations, locations.c.id == serials.c.location_id)
        .where(
            locations.c.kind == STORE,
            serials.c.status.in_(HELD),
            serials.c.expiry.is_not(None),
            serials.c.expiry <= until,
        )
    )
    batch_rows = (
        select(_bucket(batches.c.expiry, today, soon), batch_quants.c.quantity)
        .join(batches, batches.c.id == batch_quants.c.batch_id)
        .join(locations, locations.c.id == batch_quants.c.location_id)
        .where(
            locations.c.kind == STORE,
            batch_quants.c.quantity > 0,
            batches.c.expiry.is_not(None),
            batches.c.expiry <= until,
        )
    )
    each = union_all(serial_rows, batch_rows).subquery()
    query = select(each.c.bucket, func.sum(each.c.quantity).label("quantity")).group_by(
        each.c.bucket
    )
    return list(c.execute(query))


def alerted_beyond(c: Connection, until: date) -> int:
    """Units in the stores expiring after ``until`` whose alert date comes by ``until``."""
    alerts = alert_days(c)
    if not alerts:
        return 0
    serial_count = (
        select(func.count())
        .select_from(serials.join(locations, locations.c.id == serials.c.location_id))
        .where(locations.c.kind == STORE, serials.c.status.in_(HELD),
               alert_by(serials.c.product_id, serials.c.expiry, until, alerts))
    )  # fmt: skip
    batch_sum = (
        select(func.coalesce(func.sum(batch_quants.c.quantity), 0))
        .select_from(batch_quants.join(batches, batches.c.id == batch_quants.c.batch_id)
                     .join(locations, locations.c.id == batch_quants.c.location_id))
        .where(locations.c.kind == STORE, batch_quants.c.quantity > 0,
               alert_by(batches.c.product_id, batches.c.expiry, until, alerts))
    )  # fmt: skip
    return int(c.execute(serial_count).scalar_one()) + int(c.execute(batch_sum).scalar_one())


def _bucket(expiry: Any, today: date, soon: date) -> Any:
    return case((expiry < today, "expired"), (expiry <= soon, "soon"), else_="later").label(
        "bucket"
    )
