"""Read use cases: a serial and its history, lists, the serial report, documents, stock."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from itertools import islice
from operator import attrgetter
from typing import Any

from serialtrack.adapters.db import lots as lots_db
from serialtrack.adapters.db.reads import PURCHASE_KINDS, SerialFilter
from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key
from serialtrack.domain.errors import Invalid, NotFound, Problem
from serialtrack.domain.lots import past_removal
from serialtrack.domain.model import (
    Actor,
    CodeChange,
    DocumentKind,
    DocumentState,
    LocationKind,
    MoveView,
    Product,
    SerialStatus,
    SerialView,
)
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.posting import describe, expired, warranty_end
from serialtrack.domain.rules import TAKEN_BY

REPORT_COLUMNS = (
    "sku",
    "product",
    "serial",
    "batch",
    "status",
    "quantity",
    "location",
    "supplier",
    "purchase_number",
    "purchase_reference",
    "purchase_date",
    "customer",
    "sales_invoice",
    "sale_date",
    "note",  # a serial's own note (an internal reference, a remark); None for batch parts
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
    received_by: tuple[str, ...] = ()  # a dispatch's transfer receipts, a hold's releases
    expired_allowed_by: str | None = None  # the manager who let it take expired units
    # The bundles the document names (bundle_no, sku, name, quantity, its lines' numbers);
    # each line of a component says which bundle it is part of ("bundle", "bundle_no").
    bundles: tuple[dict[str, Any], ...] = ()
    # A hold: what it put aside that no release has brought back yet, per product (sku,
    # quantity, serials, batches).
    on_hold: tuple[dict[str, Any], ...] = ()
    # How many moves the document made; ``moves`` holds them all unless it is a summary (a
    # large document answering a write): then the id to page on from (``document_moves``).
    moves_total: int = 0
    moves_next_after: int | None = None


def serial(
    tx: Tx, actor: Actor, sku: str, code: str, *, today: date, history: bool = True
) -> SerialView:
    require(actor, Permission.READ)
    product = tx.catalog.product_by_sku(sku)
    if product is None:
        raise NotFound(f"no product with SKU {sku!r}")
    key = code_key(code)
    state = tx.ledger.states_by_keys(product.id, [key]).get((product.id, key))
    if state is None:  # an earlier code of a corrected unit
        serial_id = tx.reads.corrected_serial_id(product.id, key)
        if serial_id is None:
            raise NotFound(f"no serial {code.strip()!r} of {sku}")
        (state,) = tx.ledger.states_by_ids([serial_id])
    serial_id = state.id
    rows = tx.reads.history(serial_id)
    moves = tuple(_move(r) for r in rows) if history else ()
    changes = tuple(
        CodeChange(r.at, r.old_code, r.new_code, r.username, r.reason)
        for r in tx.reads.code_changes(serial_id)
    )
    in_transit = state.status is SerialStatus.IN_TRANSIT
    # Supplier, receipt, customer and invoice as the serial list shows them (one query): the
    # customer and invoice only while the unit is sold, and so the customer warranty, which
    # runs while the customer has the unit. The rest is read from the unit's moves.
    row = tx.reads.serial_row(serial_id)
    supplier_days = product.supplier_warranty_days
    line_days = _purchase_line_days(rows, row.purchase_number) if row.purchase_number else None
    if line_days is not None:
        supplier_days = line_days
    bundle = _bundle_of(rows, state.last_document_id) if state.status is SerialStatus.SOLD else None
    summary = describe(state) + (f", in bundle {bundle}" if bundle else "")
    assembled = any(r.kind == DocumentKind.ASSEMBLY.value for r in rows)
    inside, contents = _assembled(tx, serial_id, state.status) if assembled else (None, ())
    if inside:  # a recall of a part finds the unit it went into, and where that unit is
        (unit,) = tx.ledger.states_by_ids([inside[2]])
        summary = f"inside {inside[0]} {inside[1]} (assembled), which is {describe(unit)}"
    return SerialView(
        bundle=bundle,
        inside=f"{inside[0]} {inside[1]}" if inside else None,
        contents=contents,
        id=serial_id,
        sku=product.sku,
        code=state.code,
        status=state.status,
        location=state.location_name,
        location_kind=state.location_kind,
        holder=state.holder_name if state.location_kind is not LocationKind.INTERNAL else None,
        reserved_by=state.reserved_by_number,
        last_document=state.last_document_number,
        expiry=state.expiry,
        history=moves,
        summary=summary,
        transfer=state.last_document_number if in_transit else None,
        destination=state.last_destination_name if in_transit else None,
        old_codes=tuple(dict.fromkeys(c.old_code for c in changes)),
        corrections=changes,
        supplier=row.supplier,
        batch=row.batch,
        receipt=row.purchase_number,
        received_on=row.purchase_date,
        customer=row.customer,
        sale=row.sales_invoice,
        sold_on=row.sale_date,
        supplier_warranty_until=warranty_end(row.purchase_date, supplier_days),
        customer_warranty_until=warranty_end(row.sale_date, product.customer_warranty_days),
        expired=expired(state.expiry, today),
        note=row.notes,
    )


def _purchase_line_days(rows: Sequence[Any], number: str) -> int | None:
    """The supplier warranty days on the line of the purchase the serial list names (its
    latest posted receipt or opening balance), from the unit's moves."""
    cancelled = {r.document_id for r in rows if r.reversal}
    for r in reversed(rows):
        if r.number == number and r.kind in PURCHASE_KINDS and r.document_id not in cancelled:
            return r.warranty_days  # type: ignore[no-any-return]
    return None


def _bundle_of(rows: Sequence[Any], document_id: int | None) -> str | None:
    """The bundle (its SKU) the unit's last document moved it in, if any."""
    for r in rows:
        if not r.reversal and r.document_id == document_id and r.bundle:
            return r.bundle  # type: ignore[no-any-return]
    return None


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
        removal=lots_db.removal_days(tx.connection) if given.get("unexpired_on") else (),
    )  # fmt: skip


def serials(
    tx: Tx, actor: Actor, f: SerialFilter, *, after_id: int = 0, limit: int = 100
) -> list[dict[str, Any]]:
    require(actor, Permission.READ)
    if not 1 <= limit <= 1000:
        raise Invalid("limit is from 1 to 1000", [Problem("limit", f"not {limit}")])
    rows = [dict(r._mapping) for r in tx.reads.list_serials(f, after_id=after_id, limit=limit)]
    # a unit in transit names its transfer (the dispatch that sent it), as its page does
    moving = [r["id"] for r in rows if r.get("status") == SerialStatus.IN_TRANSIT.value]
    numbers = tx.reads.transfer_numbers(moving) if moving else {}
    for r in rows:
        r["transfer"] = numbers.get(r["id"])
    return rows


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
    """The product serial number report (seed 000), streamed as tuples of ``REPORT_COLUMNS``;
    ``f`` comes from ``prepare_report``, so nothing here refuses a filter mid-stream.

    First one row per serial (``quantity`` 1, no ``batch``), by id; then the batches, by id,
    each as the parts it is in now (``batch`` its code, ``serial`` None):

    - per place that holds some of it: a store (``in_stock``), transit (``in_transit``:
      ``inv.in_transit()`` says on which transfer), scrap (``written_off``), ...: the batch
      quantity there;
    - per sale document that still has some of it out (``sold``, at the customers'
      location): what that invoice sold less what came back naming it; what came back naming
      no invoice is taken off the customer's latest sales of the batch first, so a customer's
      rows add up to what they hold; the invoice, its date and customer fill the sale columns;
    - per supplier it went back to (``returned_to_supplier``): what purchase returns sent
      them, in ``supplier``.

    The purchase columns of a batch's rows are its first posted receipt (or opening
    balance): number, supplier (but for parts sent back), reference and date. Each batch's
    rows add up to what came in of it: what was received, plus what counts and adjustments
    found beyond what they took out (that shows as ``adjusted_out``). Quantity-only products
    (tracking ``none``) are not in the report: they have neither serials nor batches.

    The filters keep batch rows as they keep serials: ``sku``; ``status`` and ``location``
    (the row's); ``partner``: the batch's supplier (every row of the batch), the customer of a
    sold row or the supplier of a returned one; ``received_*``: the batch's receipt date;
    ``sold_*``: the invoice date of sold rows (a batch's parts that came back are in stock,
    no longer sold); ``text``: a prefix of the batch code."""
    require(actor, Permission.READ)
    pick = attrgetter(*REPORT_COLUMNS)
    for row in tx.reads.report_rows(f):
        yield pick(row)


@dataclass(frozen=True)
class ReportPage:
    items: list[dict[str, Any]]  # rows of the serial report as REPORT_COLUMNS: value
    next_after: str | None  # ``after`` for the next page; None after the last


_REPORT_KEY = re.compile(r"s([0-9]{1,18})|b([0-9]{1,18})\.([0-9]{1,3})\.([0-9]{1,18})")


def report_key(key: tuple[int, ...]) -> str:
    """A row's key as a page cursor: ``s<serial id>`` or ``b<batch id>.<rank>.<part>``."""
    return f"s{key[1]}" if key[0] == 0 else f"b{key[1]}.{key[2]}.{key[3]}"


def _parse_report_key(after: str) -> tuple[int, int, int, int]:
    found = _REPORT_KEY.fullmatch(after.strip())
    if found is None:
        problem = Problem("after", f"{after[:40]!r} is not a next_after this report gave")
        raise Invalid("the report filter is not valid", [problem])
    serial, batch, rank, part = found.groups()
    if serial is not None:
        return (0, int(serial), 0, 0)
    return (1, int(batch), int(rank), int(part))


def report_page(
    tx: Tx, actor: Actor, f: SerialFilter, *, after: str | None = None, limit: int = 100
) -> ReportPage:
    """One keyset page of the serial report (the rows of ``report``, in its order) after the
    row whose key ``after`` is: each page is found through the indexes wherever it is, so
    paging through a million rows costs the same page after page."""
    require(actor, Permission.READ)
    if not 1 <= limit <= 1000:
        raise Invalid("limit is from 1 to 1000", [Problem("limit", f"not {limit}")])
    key = _parse_report_key(after) if after else None
    rows = list(islice(tx.reads.report_rows(f, after=key, chunk=limit), limit))
    items = [dict(zip(REPORT_COLUMNS, attrgetter(*REPORT_COLUMNS)(r), strict=True)) for r in rows]
    following = report_key(rows[-1].key) if len(rows) == limit else None
    return ReportPage(items, following)


# A document that moved more than this answers a write (and the API's read) with a summary:
# its first moves, each line's serials among them and its count; the rest is paged
# (``document_moves``).
SUMMARY_MOVES = 1000


def document(
    tx: Tx, actor: Actor, document_id: int, *, moves_limit: int | None = None
) -> DocumentView:
    """The document with its lines and moves; with ``moves_limit``, at most that many moves
    (a summary: ``moves_total``, each line's ``serials_total``, ``moves_next_after``)."""
    require(actor, Permission.READ)
    row, stored = tx.reads.document_with_lines(document_id)
    if row is None:
        raise NotFound(f"no document with id {document_id}")
    rows = tx.reads.document_moves(
        document_id, limit=None if moves_limit is None else moves_limit + 1
    )
    following = None
    if moves_limit is not None and len(rows) > moves_limit:
        rows = rows[:moves_limit]
        following = rows[-1].id if rows else 0
    moves = tuple(_move(r) for r in rows)
    by_line: dict[int, list[str]] = {}  # a draft's listed codes, or what each line moved
    parts: dict[int, list[dict[str, Any]]] = {}  # batch lines: each batch's part
    if row.state == DocumentState.DRAFT.value:  # posting drops a draft's lists for its moves
        for s in tx.documents.draft_serials(document_id):
            by_line.setdefault(s["line_id"], []).append(s["code"])
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
    groups = (
        {b.id: b for b in tx.reads.document_bundles(document_id)}
        if any(line.bundle_id for line in stored)
        else {}
    )
    in_bundle: dict[int, list[int]] = {}
    counted = tx.reads.document_serial_counts(document_id) if following is not None else {}
    for line in stored:
        codes = by_line.get(line.id, [])
        group = groups.get(line.bundle_id) if line.bundle_id else None
        if group is not None:
            in_bundle.setdefault(group.id, []).append(line.line_no)
        lines.append(
            {
                "line_no": line.line_no, "sku": line.sku, "quantity": line.quantity,
                "serials": codes, "batches": parts.get(line.id, []),
                "serials_total": counted.get(line.id, 0) if following is not None else len(codes),
                "warranty_days": line.warranty_days, "expiry": line.expiry,
                "batch": line.batch,  # a serial+batch line's batch
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
    in_transit = tx.reads.in_transit(row.id) if kind is DocumentKind.DISPATCH else []
    on_hold = tx.reads.in_transit(row.id, kind="hold") if kind is DocumentKind.HOLD else []
    kept = ("sku", "quantity", "serials", "batches")
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
        in_transit=tuple({k: v for k, v in r.items() if k in kept} for r in in_transit),
        on_hold=tuple({k: v for k, v in r.items() if k in kept} for r in on_hold),
        received_by=tuple(_received_by(tx, row.id, kind)) if kind in TAKEN_BY else (),
        expired_allowed_by=row.override_by_name,
        bundles=bundles,
        moves_total=tx.reads.document_move_count(document_id)
        if following is not None
        else len(moves),
        moves_next_after=following,
    )


def document_moves(
    tx: Tx, actor: Actor, document_id: int, *, after_id: int = 0, limit: int = SUMMARY_MOVES
) -> list[MoveView]:
    """One page of a document's moves, in the order they were made, after move ``after_id``."""
    require(actor, Permission.READ)
    if not 1 <= limit <= 10_000:
        raise Invalid("limit is from 1 to 10000", [Problem("limit", f"not {limit}")])
    if tx.reads.document(document_id) is None:
        raise NotFound(f"no document with id {document_id}")
    return [_move(r) for r in tx.reads.document_moves(document_id, after_id=after_id, limit=limit)]


def _received_by(tx: Tx, dispatch_id: int, kind: DocumentKind) -> list[str]:
    return tx.ledger.posted_naming(dispatch_id, [TAKEN_BY[kind].value])


def in_transit(
    tx: Tx, actor: Actor, *, sku: str | None = None, location: str | None = None
) -> list[dict[str, Any]]:
    """Transfers not fully received: per dispatch and product, what is still on the way;
    only of the product ``sku`` and of transfers from or to ``location`` when given (an
    unknown SKU or location is refused naming its filter)."""
    require(actor, Permission.READ)
    rows = tx.reads.in_transit()
    if not sku and not location:
        return rows
    f = serial_filter(tx, sku=sku, location=location)  # names checked, each named if unknown
    if sku:
        rows = [r for r in rows if r["sku"] == tx.catalog.product(f.product_id).sku]
    if location:
        name = tx.catalog.location(f.location_id).name
        rows = [r for r in rows if name in (r["from_location"], r["to_location"])]
    return rows


def on_hold(tx: Tx, actor: Actor) -> list[dict[str, Any]]:
    """Holds not fully released: per hold and product, what is still put aside (``number``,
    ``date``, ``from_location`` the store it was taken from, ``sku``, ``quantity``,
    ``serials``, ``batches``)."""
    require(actor, Permission.READ)
    return tx.reads.in_transit(kind="hold")


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
    """Batch quantities on hand, each marked ``expired`` (past its expiry date ``today``)
    and ``sellable`` (neither expired nor past its product's removal date)."""
    require(actor, Permission.READ)
    f = serial_filter(tx, sku=sku, location=location)
    products: dict[str, Product | None] = {}
    rows = []
    for r in tx.reads.batches(f.product_id, f.location_id):
        if r.sku not in products:
            products[r.sku] = tx.catalog.product_by_sku(r.sku)
        product = products[r.sku]
        gone = expired(r.expiry, today)
        removed = product is not None and past_removal(product, r.expiry, today)
        rows.append({**r._mapping, "expired": gone, "sellable": not (gone or removed)})
    return rows
