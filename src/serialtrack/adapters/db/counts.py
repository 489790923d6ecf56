"""Inventory counts: scans of an open count, what the books expect, what was flagged."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, delete, exists, func, select, text

from serialtrack.adapters.db.ledger import _dialect_insert, _state, _state_query, chunks
from serialtrack.adapters.db.tables import (
    batch_quants,
    batches,
    count_quantities,
    count_scans,
    discrepancies,
    products,
    quants,
    serials,
    users,
)
from serialtrack.domain.model import SerialStatus, TrackingMode
from serialtrack.domain.posting import SerialState

_SCAN_KEY = [count_scans.c.document_id, count_scans.c.product_id, count_scans.c.code_key]


def _on_shelf(location_id: int, product_id: int | None) -> list[Any]:
    """Serials the books have at a store: in stock, or held there by a draft."""
    where = [
        serials.c.location_id == location_id,
        serials.c.status.in_([SerialStatus.IN_STOCK.value, SerialStatus.RESERVED.value]),
    ]
    if product_id is not None:
        where.append(serials.c.product_id == product_id)
    return where


class CountRepo:
    def __init__(self, connection: Connection) -> None:
        self.c = connection

    def add_scans(self, rows: list[dict[str, Any]]) -> set[tuple[int, str]]:
        """Record scans in bulk; return (product id, code key) of those not recorded before."""
        query = (
            _dialect_insert(self.c)(count_scans)
            .on_conflict_do_nothing(index_elements=_SCAN_KEY)
            .returning(count_scans.c.product_id, count_scans.c.code_key)
        )
        added: set[tuple[int, str]] = set()
        for part in chunks(rows, 5000):
            added.update((r[0], r[1]) for r in self.c.execute(query, list(part)))
        return added

    def scans(self, document_id: int, *, limit: int) -> list[RowMapping]:
        """What the count found, newest first: sku, code, who scanned it and when."""
        query = (
            select(products.c.sku, count_scans.c.code)
            .add_columns(users.c.username.label("by"), count_scans.c.at)
            .join(products, products.c.id == count_scans.c.product_id)
            .join(users, users.c.id == count_scans.c.user_id)
            .where(count_scans.c.document_id == document_id)
            .order_by(count_scans.c.id.desc())
            .limit(limit)
        )
        return list(self.c.execute(query).mappings())

    def scans_of(self, document_id: int, key: str, product_id: int | None) -> list[RowMapping]:
        """The count's scans of code ``key`` (of one product, or of any)."""
        query = (
            select(count_scans.c.id, products.c.sku, count_scans.c.code)
            .join(products, products.c.id == count_scans.c.product_id)
            .where(count_scans.c.document_id == document_id, count_scans.c.code_key == key)
        )
        if product_id is not None:
            query = query.where(count_scans.c.product_id == product_id)
        return list(self.c.execute(query).mappings())

    def remove_scan(self, scan_id: int) -> None:
        self.c.execute(delete(count_scans).where(count_scans.c.id == scan_id))

    def refresh_statistics(self) -> None:
        """Fresh planner statistics for the scans (PostgreSQL): comparing a count believed
        empty against a store picks a plan that scans the store once per scan."""
        if self.c.dialect.name == "postgresql":
            self.c.execute(text("ANALYZE count_scans"))

    def found_by_product(self, document_id: int) -> dict[int, int]:
        """How many serials of each product the count has found so far."""
        query = (
            select(count_scans.c.product_id, func.count())
            .where(count_scans.c.document_id == document_id)
            .group_by(count_scans.c.product_id)
        )
        return {r[0]: int(r[1]) for r in self.c.execute(query)}

    def expected_count(self, location_id: int, product_id: int | None) -> int:
        query = select(func.count()).select_from(serials).where(*_on_shelf(location_id, product_id))
        return int(self.c.execute(query).scalar_one())

    def missing(
        self, document_id: int, location_id: int, product_id: int | None
    ) -> list[SerialState]:
        """What the books have on the shelf (in stock or held by drafts) that no scan found."""
        scanned = select(count_scans.c.id).where(
            count_scans.c.document_id == document_id,
            count_scans.c.product_id == serials.c.product_id,
            count_scans.c.code_key == serials.c.code_key,
        )
        query = _state_query().where(*_on_shelf(location_id, product_id), ~exists(scanned))
        return [_state(r) for r in self.c.execute(query.order_by(serials.c.id))]

    def unexpected(self, document_id: int, location_id: int) -> list[RowMapping]:
        """Scans that are not of a serial the books have on this shelf."""
        on_shelf = select(serials.c.id).where(
            *_on_shelf(location_id, None),
            serials.c.product_id == count_scans.c.product_id,
            serials.c.code_key == count_scans.c.code_key,
        )
        query = (
            select(count_scans.c.product_id, count_scans.c.code, count_scans.c.code_key)
            .where(count_scans.c.document_id == document_id, ~exists(on_shelf))
            .order_by(count_scans.c.id)
        )
        return list(self.c.execute(query).mappings())

    def flags(self, document_id: int) -> list[RowMapping]:
        query = (
            select(discrepancies.c.kind, products.c.sku, discrepancies.c.code)
            .add_columns(discrepancies.c.detail)
            .join(products, products.c.id == discrepancies.c.product_id)
            .where(discrepancies.c.document_id == document_id)
            .order_by(discrepancies.c.id)
        )
        return list(self.c.execute(query).mappings())

    # counted quantities (quantity-only and batch products) ----------------------------------
    def set_quantities(self, rows: list[dict[str, Any]]) -> None:
        """Record counted quantities; an entry for the same product and batch replaces the one
        before."""
        key = [count_quantities.c.document_id, count_quantities.c.product_id,
               count_quantities.c.batch_code]  # fmt: skip
        for row in rows:
            query = _dialect_insert(self.c)(count_quantities).values(**row)
            query = query.on_conflict_do_update(
                index_elements=key,
                set_={"quantity": row["quantity"], "user_id": row["user_id"], "at": row["at"]},
            )
            self.c.execute(query)

    def counted_quantities(self, document_id: int) -> list[RowMapping]:
        """What the count has counted: product id, batch code ('' for none), quantity."""
        query = (
            select(count_quantities.c.product_id, count_quantities.c.batch_code,
                   count_quantities.c.quantity)
            .where(count_quantities.c.document_id == document_id)
            .order_by(count_quantities.c.product_id, count_quantities.c.batch_code)
        )  # fmt: skip
        return list(self.c.execute(query).mappings())

    def expected_quantities(
        self, location_id: int, product_ids: list[int] | None, *, lock: bool = False
    ) -> list[RowMapping]:
        """What the books hold at a store of quantity-only products (batch_id None, code '')
        and of batch products (per batch): product id, batch id, batch code, quantity. Only
        ``product_ids`` if given; ``lock`` holds the rows until commit (PostgreSQL)."""
        plain = (
            select(quants.c.product_id, quants.c.quantity)
            .join(products, products.c.id == quants.c.product_id)
            .where(quants.c.location_id == location_id, quants.c.quantity != 0,
                   products.c.tracking == TrackingMode.NONE.value)
        )  # fmt: skip
        lots = (
            select(batches.c.product_id, batches.c.id, batches.c.code, batch_quants.c.quantity)
            .join(batches, batches.c.id == batch_quants.c.batch_id)
            .join(products, products.c.id == batches.c.product_id)
            .where(batch_quants.c.location_id == location_id, batch_quants.c.quantity != 0,
                   products.c.tracking == TrackingMode.BATCH.value)
        )  # fmt: skip
        if product_ids is not None:
            plain = plain.where(quants.c.product_id.in_(product_ids))
            lots = lots.where(batches.c.product_id.in_(product_ids))
        if lock:
            plain = plain.with_for_update(of=quants)
            lots = lots.with_for_update(of=batch_quants)
        rows: list[dict[str, Any]] = [
            {"product_id": r[0], "batch_id": None, "batch_code": "", "quantity": int(r[1])}
            for r in self.c.execute(plain)
        ]
        rows += [
            {"product_id": r[0], "batch_id": r[1], "batch_code": r[2], "quantity": int(r[3])}
            for r in self.c.execute(lots)
        ]
        return sorted(rows, key=lambda r: (r["product_id"], r["batch_code"]))  # type: ignore[return-value]
