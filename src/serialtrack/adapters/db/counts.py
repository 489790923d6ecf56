"""Inventory counts: scans of an open count, what the books expect, what was flagged."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, exists, func, select, text

from serialtrack.adapters.db.ledger import _dialect_insert, _state, _state_query, chunks
from serialtrack.adapters.db.tables import count_scans, discrepancies, products, serials
from serialtrack.domain.model import SerialStatus
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
