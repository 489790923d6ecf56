"""What labels print: serial codes with their expiry, batch codes with theirs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from serialtrack.adapters.db.ledger import chunks
from serialtrack.adapters.db.tables import batch_quants, batches, locations, serials
from serialtrack.domain.model import SerialStatus


class LabelReads:
    def __init__(self, connection: Connection) -> None:
        self.c = connection

    def serial_codes(
        self, product_id: int, keys: Sequence[str]
    ) -> dict[str, tuple[str, Any, str | None]]:
        """``code key -> (code, expiry, batch)`` of the product's serials among ``keys`` (the
        batch of a serial+batch unit, else None)."""
        found: dict[str, tuple[str, date | None, str | None]] = {}
        for part in chunks(list(keys)):
            rows = self.c.execute(
                select(
                    serials.c.code_key,
                    serials.c.code,
                    serials.c.expiry,
                    batches.c.code.label("batch"),
                )
                .outerjoin(batches, batches.c.id == serials.c.batch_id)
                .where(serials.c.product_id == product_id, serials.c.code_key.in_(part))
            )
            found.update({r.code_key: (r.code, r.expiry, r.batch) for r in rows})
        return found

    def in_stock_serials(self, product_id: int, location_id: int | None) -> list[Any]:
        query = (
            select(serials.c.code, serials.c.expiry, batches.c.code.label("batch"))
            .outerjoin(batches, batches.c.id == serials.c.batch_id)
            .where(serials.c.product_id == product_id, serials.c.status == SerialStatus.IN_STOCK)
            .order_by(serials.c.id)
        )
        if location_id is not None:
            query = query.where(serials.c.location_id == location_id)
        return list(self.c.execute(query))

    def in_stock_batches(self, product_id: int, location_id: int | None) -> list[Any]:
        query = (
            select(batches.c.code, batches.c.expiry)
            .join(batch_quants, batch_quants.c.batch_id == batches.c.id)
            .join(locations, locations.c.id == batch_quants.c.location_id)
            .where(
                batches.c.product_id == product_id,
                batch_quants.c.quantity > 0,
                locations.c.kind == "internal",
            )
            .distinct()
            .order_by(batches.c.code)
        )
        if location_id is not None:
            query = query.where(batch_quants.c.location_id == location_id)
        return list(self.c.execute(query))

    def batch(self, product_id: int, key: str) -> Any:
        return self.c.execute(
            select(batches.c.code, batches.c.expiry).where(
                batches.c.product_id == product_id, batches.c.code_key == key
            )
        ).first()
