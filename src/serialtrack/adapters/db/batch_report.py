"""The serial report's batch rows: where every batch's parts are now, read set-wise.

A batch has one row per place that holds some of it (each store, transit, scrap, ...: the
batch quantities there), one per sale document that still has some of it out (sold on that
invoice, less what came back against it; see ``_still_out``) and one per supplier that parts
of it went back to. Batches are read a page at a time, in id order, and each page takes a
handful of queries whatever its size: never one query per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Connection, and_, exists, false, func, or_, select, true

from serialtrack.adapters.db.lots import sellable_expiry
from serialtrack.adapters.db.tables import (
    batch_quants,
    batches,
    documents,
    locations,
    moves,
    partners,
    products,
)
from serialtrack.domain.codes import code_key
from serialtrack.domain.model import LocationKind, SerialStatus, status_for

if TYPE_CHECKING:
    from serialtrack.adapters.db.reads import SerialFilter

BATCHES_PER_PAGE = 500
# The purchase columns of a batch's rows: its first posted receipt (or opening balance), as
# a serial's come from its latest one (``reads.PURCHASE_KINDS``).
RECEIVED_KINDS = ("receipt", "opening_balance")
# Parts with customers and suppliers are told by the documents' partners, not by the one
# virtual location each side has.
PARTNER_SIDES = (LocationKind.CUSTOMER.value, LocationKind.SUPPLIER.value)
SOLD = SerialStatus.SOLD.value
RETURNED = SerialStatus.RETURNED_TO_SUPPLIER.value
# Rows of a batch come in this order of status (stores first), then by location, sale
# document or supplier id: the last two parts of a row's key.
RANK = {status.value: i for i, status in enumerate(SerialStatus)}
# What a part of a batch can be: no draft reserves a batch quantity.
STATUSES = frozenset(status_for(kind).value for kind in LocationKind)


class ReportRow(NamedTuple):
    """A row of the serial report: a serial (quantity 1, no batch) or a part of a batch.

    ``key`` orders the report and pages it: ``(0, serial id, 0, 0)`` for a serial, ``(1,
    batch id, status rank, part)`` for a batch part, the part being its location, sale
    document or supplier id."""

    key: tuple[int, int, int, int]
    sku: str
    product: str
    serial: str | None
    batch: str | None
    status: str
    quantity: int
    location: str
    supplier: str | None
    purchase_number: str | None
    purchase_reference: str | None
    purchase_date: date | None
    customer: str | None
    sales_invoice: str | None
    sale_date: date | None
    note: str | None = None  # a serial's note (batch parts have none)


class _Part(NamedTuple):
    rank: int
    part: int  # the location, sale document or supplier: unique within the batch and rank
    status: str
    quantity: int
    location_id: int
    location: str
    partner_id: int | None = None  # the customer, or the supplier it went back to
    partner: str | None = None
    invoice: str | None = None
    sold_on: date | None = None


def batch_rows(
    c: Connection,
    f: SerialFilter,
    *,
    after: tuple[int, int, int] | None = None,
    per_page: int = BATCHES_PER_PAGE,
) -> Iterator[ReportRow]:
    """The report rows of every batch ``f`` keeps, in key order; ``after``: (batch id,
    rank, part) of the last row already had."""
    if f.status is not None and f.status not in STATUSES:
        return  # reserved: a draft holds serials, never a batch quantity
    start, skip = (after[0], after[1:]) if after else (0, None)
    first = after is not None  # the batch of ``after`` may have rows left
    while True:
        ids = list(c.execute(_page(f, start, inclusive=first).limit(per_page)).scalars())
        if not ids:
            return
        heads = list(c.execute(_heads(ids)))
        parts = _parts(c, f, ids)
        for head in heads:
            supplier_id = head.supplier_id
            for part in sorted(parts.get(head.id, ())):
                if skip is not None and head.id == start and (part.rank, part.part) <= skip:
                    continue
                if not _kept(f, part, supplier_id):
                    continue
                yield ReportRow(
                    (1, head.id, part.rank, part.part), head.sku, head.product, None,
                    head.code, part.status, part.quantity, part.location,
                    part.partner if part.status == RETURNED else head.supplier,
                    head.number, head.reference, head.date,
                    part.partner if part.status == SOLD else None, part.invoice, part.sold_on,
                )  # fmt: skip
        if len(ids) < per_page:
            return
        start, first = ids[-1], False


def _kept(f: SerialFilter, part: _Part, supplier_id: int | None) -> bool:
    """The row filters: what the batch's page query could only narrow down."""
    if f.status is not None and part.status != f.status:
        return False
    if f.location_id is not None and part.location_id != f.location_id:
        return False
    if f.partner_id is not None and f.partner_id not in (supplier_id, part.partner_id):
        return False
    if f.sold_from is not None or f.sold_to is not None:
        if part.sold_on is None:
            return False
        if f.sold_from is not None and part.sold_on < f.sold_from:
            return False
        if f.sold_to is not None and part.sold_on > f.sold_to:
            return False
    return True


# --- the page of batches ---------------------------------------------------------------
def _first_receipt(column: Callable[[Any], Any]) -> Any:
    """``column(document)`` of the batch's first posted receipt or opening balance."""
    m, d = moves.alias("first_move"), documents.alias("first_document")
    return (
        select(column(d))
        .select_from(m)
        .join(d, d.c.id == m.c.document_id)
        .where(
            m.c.batch_id == batches.c.id,
            m.c.reversal == false(),
            d.c.state == "posted",
            d.c.kind.in_(RECEIVED_KINDS),
        )
        .order_by(m.c.id)
        .limit(1)
        .scalar_subquery()
    )


def _page(f: SerialFilter, start: int, *, inclusive: bool) -> Any:
    """The ids of the batches from ``start`` on that may have rows ``f`` keeps, in order:
    every condition is on the batch itself, so a scan in id order stops at the page's end
    (the rows are filtered one by one again: ``_kept``)."""
    query = (
        select(batches.c.id)
        .where(batches.c.id >= start if inclusive else batches.c.id > start)
        .order_by(batches.c.id)
    )
    received = _first_receipt(lambda d: d.c.date)
    conditions: list[tuple[Any, Callable[[Any], Any]]] = [
        (f.product_id, lambda v: batches.c.product_id == v),
        (f.text, lambda v: batches.c.code_key.startswith(code_key(v), autoescape=True)),
        (f.received_from, lambda v: received >= v),
        (f.received_to, lambda v: received <= v),
        (f.unexpired_on,
         lambda v: sellable_expiry(batches.c.product_id, batches.c.expiry, v, f.removal)),
        (f.partner_id, lambda v: or_(_first_receipt(lambda d: d.c.partner_id) == v, _moved(
            ("sale", "purchase_return"), lambda _, d: d.c.partner_id == v))),
        (f.status, _has_status),
        (f.location_id, lambda v: or_(_held(lambda q, loc: loc.c.id == v), _moved(
            ("purchase_return",), lambda m, _: m.c.to_location_id == v))),
    ]  # fmt: skip
    for value, condition in conditions:
        if value is not None:
            query = query.where(condition(value))
    if f.sold_from is not None or f.sold_to is not None:
        query = query.where(_moved(("sale",), lambda _, d: _within(d.c.date, f)))
    return query


def _heads(ids: list[int]) -> Any:
    """The batches ``ids`` with their product and first receipt (supplier, number,
    reference, date), in id order."""
    rd, rp = documents.alias("batch_receipt"), partners.alias("batch_supplier")
    return (
        select(
            batches.c.id, batches.c.code, products.c.sku, products.c.name.label("product"),
            rp.c.name.label("supplier"), rd.c.partner_id.label("supplier_id"), rd.c.number,
            rd.c.reference, rd.c.date,
        )
        .join(products, products.c.id == batches.c.product_id)
        .outerjoin(rd, rd.c.id == _first_receipt(lambda d: d.c.id))
        .outerjoin(rp, rp.c.id == rd.c.partner_id)
        .where(_among(batches.c.id, ids))
        .order_by(batches.c.id)
    )  # fmt: skip


def _within(day: Any, f: SerialFilter) -> Any:
    bounds = [day >= f.sold_from] if f.sold_from is not None else []
    return and_(*bounds, *([day <= f.sold_to] if f.sold_to is not None else []))


def _moved(kinds: Sequence[str], condition: Callable[[Any, Any], Any]) -> Any:
    """Some posted document of ``kinds`` moved part of the batch, and ``condition(move,
    document)`` holds."""
    m, d = moves.alias("batch_move"), documents.alias("batch_document")
    return exists().where(
        m.c.batch_id == batches.c.id,
        d.c.id == m.c.document_id,
        m.c.reversal == false(),
        d.c.state == "posted",
        d.c.kind.in_(kinds),
        condition(m, d),
    )


def _shown(quantity: Any, kind: Any) -> Any:
    """A place row is shown while it holds some of the batch; a store or transit short of
    it (negative stock allowed) too, but not the adjustment location, where found units
    come from."""
    return or_(quantity > 0, and_(quantity < 0, kind != LocationKind.ADJUSTMENT.value))


def _held(condition: Callable[[Any, Any], Any]) -> Any:
    """Some location where ``condition(quantity row, location)`` holds has part of the batch
    (at a customer: sold and not back)."""
    q, loc = batch_quants.alias("held"), locations.alias("held_at")
    return exists().where(
        q.c.batch_id == batches.c.id,
        loc.c.id == q.c.location_id,
        _shown(q.c.quantity, loc.c.kind),
        condition(q, loc),
    )


def _has_status(status: str) -> Any:
    if status == RETURNED:
        return _moved(("purchase_return",), lambda _, __: true())
    return _held(lambda _, loc: loc.c.kind.in_(_kinds(status)))


def _kinds(status: str) -> list[str]:
    return [kind.value for kind in LocationKind if status_for(kind).value == status]


# --- the parts of a page of batches ------------------------------------------------------
def _parts(c: Connection, f: SerialFilter, ids: list[int]) -> dict[int, list[_Part]]:
    parts: dict[int, list[_Part]] = {}
    if f.status is None or f.status not in (SOLD, RETURNED):
        for r in c.execute(_places(f, ids)):
            status = status_for(LocationKind(r.kind)).value
            where = (r.location_id, r.location)
            place = _Part(RANK[status], r.location_id, status, int(r.quantity), *where)
            parts.setdefault(r.batch_id, []).append(place)
    if f.status is None or f.status == SOLD:
        returns: dict[int, list[Any]] = {}
        for r in c.execute(_summed(ids, "sales_return", by_origin=True)):
            returns.setdefault(r.batch_id, []).append(r)
        sales: dict[int, list[Any]] = {}
        for r in c.execute(_summed(ids, "sale")):
            sales.setdefault(r.batch_id, []).append(r)
        for batch_id, sold in sales.items():
            for r, quantity in _still_out(sold, returns.get(batch_id, [])):
                where = (r.location_id, r.location, r.partner_id, r.partner, r.number, r.date)
                parts.setdefault(batch_id, []).append(
                    _Part(RANK[SOLD], r.document_id, SOLD, quantity, *where)
                )
    if f.status is None or f.status == RETURNED:
        for r in c.execute(_summed(ids, "purchase_return")):
            where = (r.location_id, r.location, r.partner_id, r.partner)
            parts.setdefault(r.batch_id, []).append(
                _Part(RANK[RETURNED], r.partner_id or 0, RETURNED, int(r.quantity), *where)
            )
    return parts


def _among(column: Any, ids: list[int]) -> Any:
    """``column`` is one of ``ids`` (ascending): the range too, for an index range scan."""
    return and_(column.between(ids[0], ids[-1]), column.in_(ids))


def _places(f: SerialFilter, ids: list[int]) -> Any:
    """The batches' quantities at every place that is no partner's side."""
    query = (
        select(
            batch_quants.c.batch_id,
            locations.c.id.label("location_id"),
            locations.c.name.label("location"),
            locations.c.kind,
            batch_quants.c.quantity,
        )
        .join(locations, locations.c.id == batch_quants.c.location_id)
        .where(
            _among(batch_quants.c.batch_id, ids),
            locations.c.kind.not_in(PARTNER_SIDES),
            _shown(batch_quants.c.quantity, locations.c.kind),
        )
    )
    if f.location_id is not None:
        query = query.where(locations.c.id == f.location_id)
    if f.status is not None:
        query = query.where(locations.c.kind.in_(_kinds(f.status)))
    return query


def _summed(ids: list[int], kind: str, *, by_origin: bool = False) -> Any:
    """What posted documents of ``kind`` moved of the batches: per batch and document
    (sales), per batch, origin and partner (``by_origin``: sales returns), else per batch and
    partner (purchase returns), with the partner's name and the location it went to."""
    quantity = func.sum(moves.c.quantity).label("quantity")
    if by_origin:
        keys = [moves.c.batch_id, documents.c.origin_document_id, documents.c.partner_id]
        shown: list[Any] = []
    elif kind == "sale":
        keys = [
            moves.c.batch_id, documents.c.id.label("document_id"), documents.c.number,
            documents.c.date, documents.c.partner_id, partners.c.name.label("partner"),
            locations.c.id.label("location_id"), locations.c.name.label("location"),
        ]  # fmt: skip
        shown = []
    else:  # one supplier location: its id and name, whichever of the moves
        keys = [moves.c.batch_id, documents.c.partner_id, partners.c.name.label("partner")]
        shown = [func.min(locations.c.id).label("location_id"),
                 func.min(locations.c.name).label("location")]  # fmt: skip
    return (
        select(*keys, *shown, quantity)
        .select_from(moves)
        .join(documents, documents.c.id == moves.c.document_id)
        .join(locations, locations.c.id == moves.c.to_location_id)
        .outerjoin(partners, partners.c.id == documents.c.partner_id)
        .where(
            _among(moves.c.batch_id, ids),
            moves.c.reversal == false(),
            documents.c.state == "posted",
            documents.c.kind == kind,
        )
        .group_by(*keys)
    )


def _still_out(sales: Sequence[Any], returns: Sequence[Any]) -> list[tuple[Any, int]]:
    """Each sale of one batch with what it still has out: sold on it less the sales returns
    naming it as their invoice; what came back naming no invoice (or one that did not sell
    this batch) is taken off that customer's sales of the batch, the latest first (walk-in
    sales are one customer). So a customer's rows add up to what the customer holds."""
    out = {r.document_id: int(r.quantity) for r in sales}
    loose: dict[int | None, int] = {}
    for r in returns:
        back = int(r.quantity)
        if r.origin_document_id in out:
            taken = min(back, out[r.origin_document_id])
            out[r.origin_document_id] -= taken
            back -= taken
        if back:
            loose[r.partner_id] = loose.get(r.partner_id, 0) + back
    for r in sorted(sales, key=lambda r: (r.date, r.document_id), reverse=True):
        back = loose.get(r.partner_id, 0)
        if back:
            taken = min(back, out[r.document_id])
            out[r.document_id] -= taken
            loose[r.partner_id] = back - taken
    return [(r, out[r.document_id]) for r in sales if out[r.document_id] > 0]
