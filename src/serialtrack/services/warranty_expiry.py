"""A service desk's lists: units whose customer (or supplier) warranty ends within N days,
with customer and invoice (or supplier and receipt); and what expires within N days on the
shelves — serials and batch parts per store — expired stock included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.errors import Invalid, Problem
from serialtrack.domain.lots import derived_dates
from serialtrack.domain.model import Actor, Product, SerialStatus
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.posting import expired, warranty_end
from serialtrack.services import queries

MAX_DAYS = 3650
SIDES = ("customer", "supplier")


@dataclass(frozen=True)
class WarrantyRow:
    sku: str
    serial: str
    status: str
    location: str
    warranty_until: date
    partner: str | None  # the customer who has it (or the supplier who gives the warranty)
    document: str | None  # the invoice (or the receipt)
    since: date | None  # sold on (or received on)


@dataclass(frozen=True)
class ExpiringRow:
    sku: str
    serial: str | None
    batch: str | None
    location: str
    quantity: int
    expiry: date
    expired: bool
    alert: date | None = None  # expiry - the product's alert days


def _days(days: object) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_DAYS:
        raise Invalid("days is a whole number", [Problem("days", f"from 0 to {MAX_DAYS}")])
    return days


def warranty_ending(
    tx: Tx, actor: Actor, *, days: int, side: str, today: date, sku: str | None = None
) -> list[WarrantyRow]:
    """Units whose ``side`` warranty ends between today and ``days`` days on, soonest first:
    the customer warranty of units sold (while the customer has them), or the supplier
    warranty of units still held (in stock, reserved, in transit)."""
    require(actor, Permission.READ)
    until = today + timedelta(days=_days(days))
    if side not in SIDES:
        raise Invalid("side is customer or supplier", [Problem("side", str(side))])
    customer = side == "customer"
    status = SerialStatus.SOLD.value if customer else None
    f = queries.serial_filter(tx, sku=sku, status=status)
    rows: list[WarrantyRow] = []
    products: dict[str, object] = {}
    for r in tx.reads.stream_report(f):
        product = products.get(r.sku) or products.setdefault(
            r.sku, tx.catalog.product_by_sku(r.sku)
        )
        if not product.tracking.serialized:  # type: ignore[union-attr]
            continue
        if customer:
            end = warranty_end(r.sale_date, product.customer_warranty_days)  # type: ignore[union-attr]
            partner, document, since = r.customer, r.sales_invoice, r.sale_date
        else:
            if r.status not in ("in_stock", "reserved", "in_transit"):
                continue
            days_given = tx.reads.purchase_warranty_days(r.id) if r.purchase_number else None
            product_days = product.supplier_warranty_days  # type: ignore[union-attr]
            end = warranty_end(
                r.purchase_date, days_given if days_given is not None else product_days
            )
            partner, document, since = r.supplier, r.purchase_number, r.purchase_date
        if end is not None and today <= end <= until:
            rows.append(WarrantyRow(r.sku, r.serial, r.status, r.location, end, partner,
                                    document, since))  # fmt: skip
    return sorted(rows, key=lambda row: (row.warranty_until, row.sku, row.serial))


def expiring(
    tx: Tx, actor: Actor, *, days: int, today: date, location: str | None = None,
    sku: str | None = None,
) -> list[ExpiringRow]:  # fmt: skip
    """Serials and batch parts in the stores that expire within ``days`` days, or reach their
    alert date (the product's alert days before expiry) within them, and those already
    expired, soonest first (per store)."""
    require(actor, Permission.READ)
    until = today + timedelta(days=_days(days))
    f = queries.serial_filter(tx, sku=sku, location=location)
    rows: list[ExpiringRow] = []
    products: dict[str, Product | None] = {}

    def alert(sku: str, expiry: date) -> date | None:
        if sku not in products:
            products[sku] = tx.catalog.product_by_sku(sku)
        product = products[sku]
        return derived_dates(product, expiry).alert if product else None

    def due(expiry: date | None, alert_on: date | None) -> bool:
        return expiry is not None and (expiry <= until or (alert_on is not None
                                                           and alert_on <= until))  # fmt: skip

    for status in ("in_stock", "reserved"):
        g = queries.serial_filter(tx, sku=sku, location=location, status=status)
        for r in tx.reads.stream_report(g):
            extra = tx.reads.serial_extra(r.id)
            on = alert(r.sku, extra.expiry) if extra.expiry else None
            if due(extra.expiry, on):
                rows.append(ExpiringRow(r.sku, r.serial, None, r.location, 1, extra.expiry,
                                        expired(extra.expiry, today), on))  # fmt: skip
    for b in tx.reads.batches(f.product_id, f.location_id):
        on = alert(b.sku, b.expiry) if b.expiry else None
        if due(b.expiry, on) and b.quantity > 0:
            rows.append(ExpiringRow(b.sku, None, b.code, b.location, int(b.quantity), b.expiry,
                                    expired(b.expiry, today), on))  # fmt: skip
    return sorted(rows, key=lambda row: (row.expiry, row.location, row.sku,
                                         row.serial or row.batch or ""))  # fmt: skip
