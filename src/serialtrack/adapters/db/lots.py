"""Lots: the batch codes a product already uses, the counters of generated batch codes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, and_, false, or_, select

from serialtrack.adapters.db.tables import batches, products, sequences


def batch_codes(c: Connection, product_id: int, key_prefix: str) -> list[str]:
    """The product's batch codes whose key (case-folded code) starts with ``key_prefix``."""
    query = select(batches.c.code).where(batches.c.product_id == product_id)
    if key_prefix:
        escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(batches.c.code_key.like(escaped + "%", escape="\\"))
    return list(c.execute(query).scalars())


def known_batches(c: Connection, product_id: int, keys: list[str]) -> set[str]:
    """Which of these code keys are batches of the product already."""
    if not keys:
        return set()
    query = select(batches.c.code_key).where(
        batches.c.product_id == product_id, batches.c.code_key.in_(set(keys))
    )
    return set(c.execute(query).scalars())


def counter(c: Connection, name: str) -> int | None:
    """The next value of a named counter, without taking it (None: never used)."""
    return c.execute(select(sequences.c.next_value).where(sequences.c.name == name)).scalar()


def removal_days(c: Connection) -> tuple[tuple[int, int], ...]:
    """(product id, removal days) of every product taken off sale before its expiry."""
    query = select(products.c.id, products.c.removal_days).where(products.c.removal_days > 0)
    return tuple((row[0], row[1]) for row in c.execute(query))


def alert_days(c: Connection) -> tuple[tuple[int, int], ...]:
    """(product id, alert days) of every product that alerts before its expiry."""
    query = select(products.c.id, products.c.alert_days).where(products.c.alert_days > 0)
    return tuple((row[0], row[1]) for row in c.execute(query))


def alert_by(product_id: Any, expiry: Any, until: date, alerts: tuple[tuple[int, int], ...]) -> Any:
    """Units expiring after ``until`` whose alert date (``alerts``: product id and days before
    expiry) is ``until`` or earlier."""
    by_days: dict[int, list[int]] = {}
    for pid, days in alerts:
        by_days.setdefault(days, []).append(pid)
    return and_(expiry > until, or_(false(), *(
        and_(product_id.in_(ids), expiry <= until + timedelta(days=days))
        for days, ids in by_days.items()
    )))  # fmt: skip


def sellable_expiry(
    product_id: Any, expiry: Any, on: date, removal: tuple[tuple[int, int], ...]
) -> Any:
    """Units neither expired on ``on`` nor past their removal date (``removal``: product id
    and days before expiry, from ``removal_days``): what a picker offers."""
    fresh = [expiry.is_(None)]
    by_days: dict[int, list[int]] = {}
    for pid, days in removal:
        by_days.setdefault(days, []).append(pid)
    special = [pid for pid, _ in removal]
    plain = expiry >= on
    fresh.append(and_(product_id.not_in(special), plain) if special else plain)
    for days, ids in by_days.items():
        fresh.append(and_(product_id.in_(ids), expiry >= on + timedelta(days=days)))
    return or_(*fresh)
