"""Read use cases: a serial and its history, lists, the serial report, documents, stock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from serialtrack.adapters.db.reads import SerialFilter
from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key
from serialtrack.domain.errors import Invalid, NotFound, Problem
from serialtrack.domain.model import (
    Actor,
    CodeChange,
    DocumentKind,
    DocumentState,
    LocationKind,
    MoveView,
    SerialStatus,
    SerialView,
)
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.posting import describe, expired, warranty_end

REPORT_COLUMNS = (
    "sku",
    "product",
    "serial",
    "status",
    "location",
    "supplier",
    "purchase_number",
    "purchase_reference",
    "purchase_date",
    "customer",
    "sales_invoice",
    "sale_date",
)


@dataclass(frozen=True)
class DocumentView:
    id: int
    kind: DocumentKind
    number: str
    state: DocumentState
    date: date
    partner: str | None
    from_location: str
    to_location: str
    reference: str | None
    origin: str | None
    created_by: str
    lines: tuple[dict[str, Any], ...]
    moves: tuple[MoveView, ...]
    destination: str | None = None  # the store a transfer is bound for
    note: str | None = None  # free text; a write-off's reason
    # A dispatch: what it sent that has not been received yet, per product (sku, quantity,
    # serials), and the transfer receipts that took the rest.
    in_transit: tuple[dict[str, Any], ...] = ()
    received_by: tuple[str, ...] = ()
    expired_allowed_by: str | None = None  # the manager who let it take expired units
    # The bundles the document names (bundle_no, sku, name, quantity, its lines' numbers);
    # each line of a component says which bundle it is part of ("bundle", "bundle_no").
    bundles: tuple[dict[str, Any], ...] = ()


def serial(
    tx: Tx, actor: Actor, sku: str, code: str, *, today: date, history: bool = True
) -> SerialView:
    require(actor, Permission.READ)
    product = tx.catalog.product_by_sku(sku)
    if product is None:
        raise NotFound(f"no product with SKU {sku!r}")
    serial_id = tx.reads.serial_id(product.id, code_key(code))
    if serial_id is None:
        raise NotFound(f"no serial {code.strip()!r} of {sku}")
    (state,) = tx.ledger.states_by_ids([serial_id])
    extra = tx.reads.serial_extra(serial_id)
    moves = tuple(_move(r) for r in tx.reads.history(serial_id)) if history else ()
    changes = tuple(
        CodeChange(r.at, r.old_code, r.new_code, r.username, r.reason)
        for r in tx.reads.code_changes(serial_id)
    )
    in_transit = state.status is SerialStatus.IN_TRANSIT
    product = tx.catalog.product(state.product_id)
    # Supplier, receipt, customer and invoice as the serial list shows them (one query): the
    # customer and invoice only while the unit is sold, and so the customer warranty, which
    # runs while the customer has the unit.
    row = tx.reads.serial_row(serial_id)
    supplier_days = product.supplier_warranty_days
    line_days = tx.reads.purchase_warranty_days(serial_id) if row.purchase_number else None
    if line_days is not None:
        supplier_days = line_days
    bundle = tx.reads.bundle_of(serial_id) if state.status is SerialStatus.SOLD else None
    summary = describe(state) + (f", in bundle {bundle}" if bundle else "")
    inside, contents = _assembled(tx, serial_id, state.status)
    if inside:  # a recall of a part finds the unit it went into, and where that unit is
        (unit,) = tx.ledger.states_by_ids([inside[2]])
        summary = f"inside {inside[0]} {inside[1]} (assembled), which is {describe(unit)}"
    return SerialView(
        bundle=bundle,
        inside=f"{inside[0]} {inside[1]}" if inside else None,
        contents=contents,
        id=serial_id,
        sku=extra.sku,
        code=state.code,
        status=state.status,
        location=state.location_name,
        location_kind=state.location_kind,
        holder=state.holder_name if state.location_kind is not LocationKind.INTERNAL else None,
        reserved_by=state.reserved_by_number,
        last_document=state.last_document_number,
        expiry=extra.expiry,
        history=moves,
        summary=summary,
        transfer=state.last_document_number if in_transit else None,
        destination=state.last_destination_name if in_transit else None,
        old_codes=tuple(dict.fromkeys(c.old_code for c in changes)),
        corrections=changes,
        supplier=row.supplier,
        receipt=row.purchase_number,
        received_on=row.purchase_date,
        customer=row.customer,
        sale=row.sales_invoice,
        sold_on=row.sale_date,
        supplier_warranty_until=warranty_end(row.purchase_date, supplier_days),
        customer_warranty_until=warranty_end(row.sale_date, product.customer_warranty_days),
        expired=expired(extra.expiry, today),
    )


def _assembled(
    tx: Tx, serial_id: int, status: SerialStatus
) -> tuple[tuple[str, str, int] | None, tuple[str, ...]]:
    """The assembled unit a part is inside (while it is), and an assembled unit's parts."""
    if status is SerialStatus.ASSEMBLED:
        return tx.reads.inside(serial_id), ()
    parts = []
    for part in tx.reads.contents(serial_id):
        sku = tx.catalog.product(part["product_id"]).sku
        if part["serials"]:
            parts += [f"{sku} {code}" for code in part["serials"]]
        elif part["batches"]:
            parts += [f"{sku} batch {code} x {q}" for code, q in part["batches"]]
        else:
            parts.append(f"{sku} x {part['quantity']}")
    return None, tuple(parts)


def _move(row: Any) -> MoveView:
    return MoveView(
        id=row.id,
        at=row.at.replace(tzinfo=UTC),  # stored as naive UTC
        document_kind=DocumentKind(row.kind),
        document_number=row.number,
        product_sku=row.sku,
        serial=row.code,
        quantity=row.quantity,
        from_location=row.from_location,
        to_location=row.to_location,
        user=row.username,
        reversal=bool(row.reversal),
        batch=row.batch,
        bundle=row.bundle,
    )


def serial_filter(tx: Tx, **given: Any) -> SerialFilter:
    """Names (SKU, location name, status word) to ids, with every unknown name reported."""
    problems: list[Problem] = []
    product_id = location_id = None
    if given.get("sku"):
        product = tx.catalog.product_by_sku(given["sku"])
        product_id = product.id if product else None
        if product is None:
            problems.append(Problem("sku", f"no product with SKU {given['sku']!r}"))
    if given.get("location"):
        location = tx.catalog.location_by_name(given["location"])
        location_id = location.id if location else None
        if location is None:
            problems.append(Problem("location", f"no location named {given['location']!r}"))
    status = given.get("status")
    if status and status not in {s.value for s in SerialStatus}:
        problems.append(
            Problem("status", f"status is one of {', '.join(s.value for s in SerialStatus)}")
        )
    partner_id = None
    if given.get("partner"):
        partner = tx.catalog.partner_by_name(given["partner"])
        partner_id = partner.id if partner else None
        if partner is None:
            problems.append(Problem("partner", f"no partner named {given['partner']!r}"))
    if problems:
        raise Invalid("the filter is not valid", problems)
    dates = {k: given.get(k) for k in ("received_from", "received_to", "sold_from", "sold_to")}
    text = given.get("text") or None
    return SerialFilter(
        product_id, status or None, location_id, text, **dates, partner_id=partner_id,
        unexpired_on=given.get("unexpired_on"),
    )  # fmt: skip


def serials(
    tx: Tx, actor: Actor, f: SerialFilter, *, after_id: int = 0, limit: int = 100
) -> list[dict[str, Any]]:
    require(actor, Permission.READ)
    if not 1 <= limit <= 1000:
        raise Invalid("limit is from 1 to 1000", [Problem("limit", f"not {limit}")])
    return [dict(r._mapping) for r in tx.reads.list_serials(f, after_id=after_id, limit=limit)]


REPORT_NAMES = ("sku", "status", "location", "partner", "text")
REPORT_DATES = (("received_from", "received_to"), ("sold_from", "sold_to"))


def prepare_report(tx: Tx, actor: Actor, **given: Any) -> SerialFilter:
    """The report's filter checked whole, before a byte of it is sent: unknown names (SKU,
    location, partner, status), dates that are not YYYY-MM-DD, a from after its to and
    unknown filters are all refused together, each naming its filter."""
    require(actor, Permission.READ)
    problems = [
        Problem(name, "not a filter of the report")
        for name in given
        if name not in REPORT_NAMES and name not in sum(REPORT_DATES, ())
    ]
    dates: dict[str, date | None] = {}
    for pair in REPORT_DATES:
        for name in pair:
            dates[name] = _report_date(given.get(name), name, problems)
        start, end = (dates[name] for name in pair)
        if start is not None and end is not None and start > end:
            problems.append(Problem(pair[0], f"{start} is after {pair[1]} {end}"))
    names = {k: given.get(k) for k in REPORT_NAMES}
    try:
        f = serial_filter(tx, **names, **dates)
    except Invalid as error:
        problems.extend(error.problems)
        f = None
    if problems or f is None:
        raise Invalid("the report filter is not valid", problems)
    return f


def _report_date(value: Any, name: str, problems: list[Problem]) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(Problem(name, f"{str(value)[:40]!r} is not a date (YYYY-MM-DD)"))
        return None


def report(tx: Tx, actor: Actor, f: SerialFilter) -> Iterator[tuple[Any, ...]]:
    """The product serial number report (seed 000), one tuple per serial, streamed; ``f``
    comes from ``prepare_report``, so nothing here refuses a filter mid-stream."""
    require(actor, Permission.READ)
    for row in tx.reads.stream_report(f):
        yield tuple(getattr(row, c) for c in REPORT_COLUMNS)


def document(tx: Tx, actor: Actor, document_id: int) -> DocumentView:
    require(actor, Permission.READ)
    row = tx.reads.document(document_id)
    if row is None:
        raise NotFound(f"no document with id {document_id}")
    rows = tx.reads.document_moves(document_id)
    moves = tuple(_move(r) for r in rows)
    by_line: dict[int, list[str]] = {}  # a draft's listed codes, or what each line moved
    for s in tx.documents.draft_serials(document_id):
        by_line.setdefault(s["line_id"], []).append(s["code"])
    parts: dict[int, list[dict[str, Any]]] = {}  # batch lines: each batch's part
    for b in tx.documents.draft_batches(document_id):
        parts.setdefault(b["line_id"], []).append(
            {"code": b["code"], "quantity": b["quantity"], "expiry": b["expiry"]}
        )
    for r in rows:
        if not r.reversal and r.code and r.line_id is not None:
            by_line.setdefault(r.line_id, []).append(r.code)
        if not r.reversal and r.batch and r.line_id is not None:
            parts.setdefault(r.line_id, []).append({"code": r.batch, "quantity": r.quantity})
    lines = []
    groups = {b.id: b for b in tx.reads.document_bundles(document_id)}
    in_bundle: dict[int, list[int]] = {}
    for line in tx.reads.document_lines(document_id):
        codes = by_line.get(line.id, [])
        group = groups.get(line.bundle_id) if line.bundle_id else None
        if group is not None:
            in_bundle.setdefault(group.id, []).append(line.line_no)
        lines.append(
            {
                "line_no": line.line_no, "sku": line.sku, "quantity": line.quantity,
                "serials": codes, "batches": parts.get(line.id, []),
                "warranty_days": line.warranty_days, "expiry": line.expiry,
                "bundle": group.sku if group else None,
                "bundle_no": group.bundle_no if group else None,
            }
        )  # fmt: skip
    bundles = tuple(
        {"bundle_no": g.bundle_no, "sku": g.sku, "name": g.name, "quantity": g.quantity,
         "lines": in_bundle.get(g.id, [])}
        for g in groups.values()
    )  # fmt: skip
    kind = DocumentKind(row.kind)
    in_transit = tuple(tx.reads.in_transit(row.id)) if kind is DocumentKind.DISPATCH else ()
    return DocumentView(
        id=row.id,
        kind=kind,
        number=row.number,
        state=DocumentState(row.state),
        date=row.date,
        partner=row.partner,
        from_location=row.from_location,
        to_location=row.to_location,
        reference=row.reference,
        origin=row.origin_number,
        created_by=row.created_by_name,
        lines=tuple(lines),
        moves=moves,
        destination=row.destination,
        note=row.note,
        in_transit=tuple(
            {k: v for k, v in r.items() if k in ("sku", "quantity", "serials", "batches")}
            for r in in_transit
        ),
        received_by=tuple(_received_by(tx, row.id)) if kind is DocumentKind.DISPATCH else (),
        expired_allowed_by=row.override_by_name,
        bundles=bundles,
    )


def _received_by(tx: Tx, dispatch_id: int) -> list[str]:
    return tx.ledger.posted_naming(dispatch_id, [DocumentKind.TRANSFER_RECEIPT.value])


def in_transit(tx: Tx, actor: Actor) -> list[dict[str, Any]]:
    """Transfers not fully received: per dispatch and product, what is still on the way."""
    require(actor, Permission.READ)
    return tx.reads.in_transit()


def find_document(tx: Tx, actor: Actor, number: str, kind: str | None = None) -> int:
    require(actor, Permission.READ)
    found = tx.documents.by_number(kind, number)
    if not found:
        raise NotFound(f"no document numbered {number!r}")
    if len(found) > 1:
        kinds = ", ".join(r["kind"] for r in found)
        raise Invalid(f"{number} names several documents ({kinds}); say which kind")
    return int(found[0]["id"])


def documents(
    tx: Tx,
    actor: Actor,
    *,
    kind: str | None = None,
    state: str | None = None,
    limit: int = 100,
    partner: str | None = None,
    **more: Any,
) -> list[dict[str, Any]]:
    """Documents, newest first; ``more``: date_from, date_to, before_id (the last row's id)."""
    require(actor, Permission.READ)
    problems = []
    if kind and kind not in {k.value for k in DocumentKind}:
        problems.append(
            Problem("kind", f"kind is one of {', '.join(k.value for k in DocumentKind)}")
        )
    if state and state not in {s.value for s in DocumentState}:
        problems.append(Problem("state", "state is draft, posted or cancelled"))
    if partner:
        found = tx.catalog.partner_by_name(partner)
        if found is None:
            problems.append(Problem("partner", f"no partner named {partner!r}"))
        more["partner_id"] = found.id if found else None
    if problems:
        raise Invalid("the filter is not valid", problems)
    return [dict(r._mapping) for r in tx.reads.documents(kind, state, limit, **more)]


def stock(
    tx: Tx, actor: Actor, *, sku: str | None = None, location: str | None = None
) -> list[dict[str, Any]]:
    require(actor, Permission.READ)
    f = serial_filter(tx, sku=sku, location=location)
    return [dict(r._mapping) for r in tx.reads.stock(f.product_id, f.location_id)]


def batches(
    tx: Tx, actor: Actor, *, today: date, sku: str | None = None, location: str | None = None
) -> list[dict[str, Any]]:
    """Batch quantities on hand, each marked ``expired`` (past its expiry date ``today``)."""
    require(actor, Permission.READ)
    f = serial_filter(tx, sku=sku, location=location)
    return [
        {**r._mapping, "expired": expired(r.expiry, today)}
        for r in tx.reads.batches(f.product_id, f.location_id)
    ]
