"""Stock on hand with totals, stock as of a moment from the ledger, and where a serial was then.

On hand reads the current state (serials, quants, batch quants); "as of" reads only the
ledger: the sum of every move with ``at <= T`` (originals and the reversals of cancels, each
along its own route), in minus out, per product and store or transit location. As of now the
two agree, which ``tests/integration/test_stock_reports.py`` checks over random histories.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from serialtrack.adapters.db import stock_queries as q
from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key
from serialtrack.domain.errors import Invalid, NotFound, Problem
from serialtrack.domain.model import Actor, LocationKind, SerialStatus, status_for
from serialtrack.domain.permissions import Permission, require
from serialtrack.services.queries import serial_filter

# What stock on hand holds: units in stores (held by a draft or not) and units on the way.
ON_HAND_STATUSES = (
    SerialStatus.IN_STOCK, SerialStatus.RESERVED, SerialStatus.IN_TRANSIT, SerialStatus.ON_HOLD,
)  # fmt: skip
MOMENT_HELP = "a date (YYYY-MM-DD, its end) or a date and time (YYYY-MM-DDTHH:MM[:SS], UTC)"


@dataclass(frozen=True)
class StockRow:
    sku: str
    name: str
    location: str
    location_kind: str  # internal, transit, or quarantine (on hold)
    status: str  # in_stock, reserved (serials a draft holds), in_transit or on_hold
    batch: str | None  # the batch code, for batch products
    # in transit: the transfer (dispatch number) the units are on; on hold: the hold's number
    transfer: str | None
    quantity: int


@dataclass(frozen=True)
class ProductTotal:
    sku: str
    name: str
    in_stores: int  # in stock or reserved, in internal locations
    in_transit: int
    quantity: int  # all three
    on_hold: int = 0  # put aside in quarantine (a recall)


@dataclass(frozen=True)
class StockReport:
    rows: tuple[StockRow, ...]
    totals: tuple[ProductTotal, ...]  # per product, in SKU order
    in_stores: int
    in_transit: int
    total: int
    on_hold: int = 0


@dataclass(frozen=True)
class StockAt:
    """A product's quantity at a store or transit location at a moment, from the ledger."""

    sku: str
    name: str
    location: str
    location_kind: str
    quantity: int


@dataclass(frozen=True)
class SerialAt:
    """Where a serial was at a moment: the place its last move up to then took it to."""

    sku: str
    code: str  # its code now
    code_then: str | None  # the code it had when it moved there (before a correction)
    at: datetime  # the moment asked (UTC)
    location: str
    location_kind: str
    status: str  # as its place gives it (a draft's hold is not in the ledger)
    document: str  # the number of the document whose move put it there
    document_kind: str
    cancelled: bool  # the move was the reversal written when ``document`` was cancelled
    moved_at: datetime  # when that move was written (UTC)


def moment(value: datetime | date | str, where: str = "at") -> datetime:
    """The latest instant counted, as naive UTC (as moves' ``at`` are stored): a datetime as
    given (naive means UTC), a date as the end of that day (UTC), text as either in ISO form;
    anything else is refused naming ``where``."""
    if isinstance(value, str):
        value = _parse(value.strip(), where)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        return datetime.combine(value, time.max)
    raise Invalid(f"{where} is not valid", [Problem(where, f"give {MOMENT_HELP}")])


def _parse(text: str, where: str) -> datetime | date:
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        if len(text) > 10 and text[10] in "T ":
            return datetime.fromisoformat(text)
    except ValueError:
        pass
    shown = repr(text[:40]) if text else "nothing"
    raise Invalid(f"{where} is not valid", [Problem(where, f"{shown} is not {MOMENT_HELP}")])


def stock_on_hand(
    tx: Tx,
    actor: Actor,
    *,
    sku: str | None = None,
    location: str | None = None,
    status: str | None = None,
    batch: str | None = None,
) -> StockReport:
    """Rows per product, location, status, batch and (in transit) transfer, with totals per
    product and overall. Unknown names, a status that is not one of stock on hand, and a
    batch code no product has are refused together, each naming its filter."""
    require(actor, Permission.READ)
    problems: list[Problem] = []
    product_id = location_id = None
    try:
        f = serial_filter(tx, sku=sku, location=location)
        product_id, location_id = f.product_id, f.location_id
    except Invalid as error:
        problems += error.problems
    if status and status not in ON_HAND_STATUSES:
        words = ", ".join(s.value for s in ON_HAND_STATUSES)
        problems.append(Problem("status", f"stock on hand is {words}, not {status[:40]!r}"))
    ids = None
    if batch:
        ids = q.batch_ids(tx.connection, code_key(batch), product_id)
        if not ids and not any(p.where == "sku" for p in problems):
            of = f" of {sku}" if sku else ""
            problems.append(Problem("batch", f"no batch {batch.strip()[:100]!r}{of}"))
    if problems:
        raise Invalid("the stock filter is not valid", problems)
    rows = _rows(tx.connection, status, product_id, location_id, ids)
    rows.sort(key=_order)
    return _with_totals(rows)


def _rows(
    c: Any, status: str | None, product_id: int | None, location_id: int | None,
    ids: list[int] | None,
) -> list[StockRow]:  # fmt: skip
    """Serials counted, quantities and batch parts in stores, in transit and on hold."""
    rows: list[StockRow] = []
    statuses = (status,) if status else tuple(s.value for s in ON_HAND_STATUSES)
    counted = q.serials_on_hand(c, product_id, location_id, statuses, ids)
    rows += [StockRow(**r._mapping) for r in counted]
    if status in (None, SerialStatus.IN_STOCK):
        for r in q.quantities_in_stores(c, product_id, location_id, ids):
            rows.append(StockRow(**r._mapping, status="in_stock", transfer=None))
    if status in (None, SerialStatus.IN_TRANSIT):
        for r in q.quantities_in_transit(c, product_id, location_id, ids):
            rows.append(StockRow(**r._mapping, status="in_transit"))
    if status in (None, SerialStatus.ON_HOLD):
        for r in q.quantities_in_transit(c, product_id, location_id, ids, place="quarantine"):
            rows.append(StockRow(**r._mapping, status="on_hold"))
    return rows


def _order(row: StockRow) -> tuple[Any, ...]:
    return (row.sku, row.location_kind != "internal", row.location, row.status,
            row.batch or "", row.transfer or "")  # fmt: skip


def _with_totals(rows: list[StockRow] | list[StockAt]) -> StockReport:
    """The rows with totals per product and overall: in stores, in transit, on hold."""
    names: dict[str, str] = {}
    sums: dict[str, dict[str, int]] = {k: defaultdict(int) for k in _PLACES.values()}
    for row in rows:
        names[row.sku] = row.name
        sums[_PLACES[LocationKind(row.location_kind)]][row.sku] += row.quantity
    stores, transit, held = sums["stores"], sums["transit"], sums["held"]
    totals = tuple(
        ProductTotal(sku, names[sku], stores[sku], transit[sku],
                     stores[sku] + transit[sku] + held[sku], held[sku])
        for sku in sorted(names)
    )  # fmt: skip
    in_stores, in_transit, on_hold = (sum(d.values()) for d in (stores, transit, held))
    shown = tuple(r for r in rows if isinstance(r, StockRow))
    return StockReport(shown, totals, in_stores, in_transit, in_stores + in_transit + on_hold,
                       on_hold)  # fmt: skip


_PLACES = {LocationKind.INTERNAL: "stores", LocationKind.TRANSIT: "transit",
           LocationKind.QUARANTINE: "held"}  # fmt: skip


def refuse_on_hand_filters(**given: Any) -> None:
    """Stock as of a moment is per product and location only: a status or batch filter
    given with it (``given``: name → value) is refused, naming each."""
    wrong = [Problem(k, "not a filter of stock as of a moment") for k, v in given.items() if v]
    if wrong:
        raise Invalid("stock as of a moment is filtered by product and location only", wrong)


def as_of_totals(rows: list[StockAt]) -> StockReport:
    """Totals per product (in stores, in transit) and overall of ``stock_as_of``'s rows."""
    return _with_totals(rows)


def stock_as_of(
    tx: Tx,
    actor: Actor,
    at: datetime | date | str,
    *,
    sku: str | None = None,
    location: str | None = None,
    where: str = "at",
) -> list[StockAt]:
    """Quantities per product and store or transit location at ``at`` (a date: its end, UTC),
    from the ledger alone: one aggregate over the moves up to then, in minus out."""
    require(actor, Permission.READ)
    problems: list[Problem] = []
    until = None
    try:
        until = moment(at, where)
    except Invalid as error:
        problems += error.problems
    try:
        f = serial_filter(tx, sku=sku, location=location)
    except Invalid as error:
        problems += error.problems
    if problems or until is None:
        raise Invalid("the stock filter is not valid", problems)
    c = tx.connection
    found: dict[tuple[int, int], int] = defaultdict(int)
    products, places = q.names(c)
    held = {k.value for k in LocationKind if k.holds_stock}
    for r in q.routes_until(c, until, f.product_id, f.location_id):
        if places[r.to_location_id].kind in held:
            found[(r.product_id, r.to_location_id)] += int(r.quantity)
        if places[r.from_location_id].kind in held:
            found[(r.product_id, r.from_location_id)] -= int(r.quantity)
    rows = [
        StockAt(products[p].sku, products[p].name, places[loc].name, places[loc].kind, quantity)
        for (p, loc), quantity in found.items()
        if quantity and (f.location_id is None or loc == f.location_id)
    ]
    rows.sort(key=lambda r: (r.sku, r.location_kind != "internal", r.location))
    return rows


def serial_as_of(
    tx: Tx, actor: Actor, sku: str, code: str, at: datetime | date | str, *, where: str = "at"
) -> SerialAt | None:
    """Where the serial was at ``at``; None when it had not come in yet."""
    require(actor, Permission.READ)
    until = moment(at, where)
    product = tx.catalog.product_by_sku(sku)
    if product is None:
        raise NotFound(f"no product with SKU {sku!r}")
    serial_id = tx.reads.serial_id(product.id, code_key(code))
    if serial_id is None:
        raise NotFound(f"no serial {code.strip()!r} of {product.sku}")
    row = q.serial_move_until(tx.connection, serial_id, until)
    if row is None:
        return None
    (state,) = tx.ledger.states_by_ids([serial_id])
    kind = LocationKind(row.location_kind)
    return SerialAt(
        sku=product.sku,
        code=state.code,
        code_then=row.serial_code,
        at=until.replace(tzinfo=UTC),
        location=row.location,
        location_kind=kind.value,
        status=status_for(kind).value,
        document=row.document,
        document_kind=row.document_kind,
        cancelled=bool(row.reversal),
        moved_at=row.at.replace(tzinfo=UTC),
    )
