"""The serials a draft receipt or a dispatch expects (an advance shipping notice)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from serialtrack.adapters.db.tables import expected_serials, products, users


def rows(connection: Connection, document_id: int) -> list[RowMapping]:
    """The notice's rows in the order they were given, with SKU and who scanned each."""
    query = (
        select(
            expected_serials, products.c.sku, products.c.tracking,
            users.c.username.label("scanned_by_name"),
        )
        .join(products, products.c.id == expected_serials.c.product_id)
        .outerjoin(users, users.c.id == expected_serials.c.scanned_by)
        .where(expected_serials.c.document_id == document_id)
        .order_by(expected_serials.c.id)
    )  # fmt: skip
    return list(connection.execute(query).mappings())


def add(connection: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        connection.execute(insert(expected_serials), rows)


def mark_scanned(
    connection: Connection,
    row_id: int,
    *,
    user_id: int,
    at: datetime,
    batch: str | None,
    expiry: date | None,
) -> bool:
    """Mark one row scanned (compare-and-set: False when someone scanned it first)."""
    values: dict[str, Any] = {"scanned_by": user_id, "scanned_at": at}
    if batch is not None:
        values["batch"] = batch
    if expiry is not None:
        values["expiry"] = expiry
    query = (
        update(expected_serials)
        .where(expected_serials.c.id == row_id, expected_serials.c.scanned_at.is_(None))
        .values(**values)
    )
    return connection.execute(query).rowcount == 1
