"""The read side: a serial with its history, filtered lists, the serial report, stock.

Lists are keyset-paginated on the serial id and the report is streamed in chunks, so a
million rows never become a million objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, bindparam, case, exists, false, func, or_, select
from sqlalchemy.orm import aliased

from serialtrack.adapters.db import driver
from serialtrack.adapters.db.batch_report import BATCHES_PER_PAGE, ReportRow, batch_rows
from serialtrack.adapters.db.ledger import _state_query
from serialtrack.adapters.db.lots import sellable_expiry
from serialtrack.adapters.db.tables import (
    batch_quants,
    batches,
    count_scans,
    discrepancies,
    document_bundles,
    documents,
    lines,
    locations,
    moves,
    partners,
    products,
    quants,
    serial_code_changes,
    serials,
    users,
)

STREAM_CHUNK = 2_000


@dataclass(frozen=True)
class SerialFilter:
    product_id: int | None = None
    status: str | None = None
    location_id: int | None = None
    # Text anywhere in the code key (or a code it had), or in the unit's note: exact matches
    # are listed first, then the codes starting with it, then the rest, the notes' last.
    text: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    sold_from: date | None = None
    sold_to: date | None = None
    partner_id: int | None = None  # bought from or sold to this partner
    unexpired_on: date | None = None  # leave out serials expired by this day (sellable ones)
    # (product id, removal days): with unexpired_on, units past their removal date are out too
    removal: tuple[tuple[int, int], ...] = ()


# Where a unit came from: the latest posted receipt or opening balance that brought it in.
PURCHASE_KINDS = ("receipt", "opening_balance")
SALE_KINDS = ("sale",)


def _latest_document(kinds: tuple[str, ...]) -> Any:
    """The id of the latest posted document of these kinds that moved the serial."""
    m = aliased(moves)
    d = aliased(documents)
    return (
        select(m.c.document_id)
        .join(d, d.c.id == m.c.document_id)
        .where(
            m.c.serial_id == serials.c.id,
            m.c.reversal == false(),
            d.c.state == "posted",
            d.c.kind.in_(kinds),
        )
        .order_by(m.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _while_sold(column: Any, label: str) -> Any:
    """A column of the serial's sale, shown only while the unit is sold: the latest posted
    sale is then the move that put it where it is. Once it came back (a sales return), or
    that sale was cancelled, the unit has no customer and no invoice. The one definition of
    "customer / invoice" for the serial list, the report and the serial detail."""
    return case((serials.c.status == "sold", column), else_=None).label(label)


def _report_query(f: SerialFilter) -> Any:
    """The serial list (and the report's serial rows), with each unit's note. A search text
    is looked for in the codes and in the notes: the unit the text names exactly first, then
    the codes starting with it, the codes with it further in, and last the units whose note
    has it (``_list_tier``)."""
    query, rd, sd = _report_base()
    query = _filtered(query, replace(f, text=None), rd, sd)
    query = query.add_columns(serials.c.notes.label("note"))
    if f.text is not None:
        query = query.where(or_(_code_has(f.text), _note_has(f.text)))
        return query.order_by(_list_tier(f.text), serials.c.id)
    return query.order_by(serials.c.id)


def _note_has(text: str) -> Any:
    """The unit's note has ``text`` in it, whatever the case; ``%`` and ``_`` are plain."""
    return serials.c.notes.icontains(text.strip(), autoescape=True)


def _list_tier(text: str) -> Any:
    """The serial list's order for a search (its keyset pages follow it): 0 the unit ``text``
    names exactly, 1 codes starting with it, 2 codes with it further in, 3 only the note."""
    return case((_code_is(text), 0), (_code_starts(text), 1), (_code_has(text), 2), else_=3)


@cache
def _report_base() -> tuple[Any, Any, Any]:
    """The report's select, built once: building it (correlated subqueries) costs more than
    running it on a small database, and statements are immutable.

    ``rd``/``sd`` are the latest posted purchase and sale documents; the filters (received,
    sold, partner) look at them, while customer, invoice and sale date are shown only while
    the unit is sold (``_while_sold``), as the serial detail shows them.

    Place, supplier, customer and batch names are scalar subqueries beside the row: as joins
    (nine in all) PostgreSQL spent 3.2 ms planning each page, as scalar subqueries 1.3 ms."""
    rd, sd = documents.alias("rd"), documents.alias("sd")
    query = (
        select(
            serials.c.id,
            products.c.sku,
            products.c.name.label("product"),
            serials.c.code.label("serial"),
            serials.c.status,
            _named(locations.c.name, locations.c.id == serials.c.location_id).label("location"),
            _named(partners.c.name, partners.c.id == rd.c.partner_id).label("supplier"),
            rd.c.number.label("purchase_number"),
            rd.c.reference.label("purchase_reference"),
            rd.c.date.label("purchase_date"),
            _while_sold(_named(partners.c.name, partners.c.id == sd.c.partner_id), "customer"),
            _while_sold(sd.c.number, "sales_invoice"),
            _while_sold(sd.c.date, "sale_date"),
            _named(batches.c.code, batches.c.id == serials.c.batch_id).label("batch"),
        )
        .join(products, products.c.id == serials.c.product_id)
        .outerjoin(rd, rd.c.id == _latest_document(PURCHASE_KINDS))
        .outerjoin(sd, sd.c.id == _latest_document(SALE_KINDS))
    )
    return query, rd, sd


def _filtered(query: Any, f: SerialFilter, rd: Any, sd: Any) -> Any:
    conditions = [
        (f.product_id, lambda v: serials.c.product_id == v),
        (f.status, lambda v: serials.c.status == v),
        (f.location_id, lambda v: serials.c.location_id == v),
        (f.text, _code_has),
        (f.received_from, lambda v: rd.c.date >= v),
        (f.received_to, lambda v: rd.c.date <= v),
        (f.sold_from, lambda v: sd.c.date >= v),
        (f.sold_to, lambda v: sd.c.date <= v),
        (f.partner_id, lambda v: or_(rd.c.partner_id == v, sd.c.partner_id == v)),
        (
            f.unexpired_on,
            lambda v: sellable_expiry(serials.c.product_id, serials.c.expiry, v, f.removal),
        ),
    ]
    for value, condition in conditions:
        if value is not None:
            query = query.where(condition(value))
    return query


def _code_starts(text: str) -> Any:
    """The code, or a code it had before a correction, starts with ``text``."""
    prefix = text.strip().casefold()
    corrected = select(serial_code_changes.c.serial_id).where(
        serial_code_changes.c.old_code_key.startswith(prefix, autoescape=True)
    )
    return or_(serials.c.code_key.startswith(prefix, autoescape=True), serials.c.id.in_(corrected))


def _code_has(text: str) -> Any:
    """The code, or a code it had before a correction, has ``text`` in it ("99X" finds
    AB-99X); ``%`` and ``_`` are plain characters (escaped), on SQLite and PostgreSQL alike."""
    part = text.strip().casefold()
    corrected = select(serial_code_changes.c.serial_id).where(
        serial_code_changes.c.old_code_key.contains(part, autoescape=True)
    )
    return or_(serials.c.code_key.contains(part, autoescape=True), serials.c.id.in_(corrected))


def _code_is(text: str) -> Any:
    """The code key is ``text``'s, or was before a correction (null-safe: it may be negated)."""
    key = text.strip().casefold()
    corrected = exists().where(
        serial_code_changes.c.serial_id == serials.c.id,
        serial_code_changes.c.old_code_key == key,
    )
    return or_(serials.c.code_key == key, corrected)


class ReadRepo:
    def __init__(self, connection: Connection) -> None:
        self.c = connection

    def serial_id(self, product_id: int, key: str) -> int | None:
        """The serial with this code key, else the one that last had it before a correction."""
        given = {"product_id": product_id, "key": key}
        found = self.c.execute(_SERIAL_ID, given).scalar()
        if found is not None:
            return int(found)
        return self.corrected_serial_id(product_id, key)

    def corrected_serial_id(self, product_id: int, key: str) -> int | None:
        """The serial that last had this code key before a correction."""
        return self.c.execute(_CORRECTED_ID, {"product_id": product_id, "key": key}).scalar()

    def code_changes(self, serial_id: int) -> list[Any]:
        return list(driver.execute(self.c, _CODE_CHANGES, {"serial_id": serial_id}))

    def in_transit(
        self, dispatch_id: int | None = None, *, kind: str = "dispatch"
    ) -> list[dict[str, Any]]:
        """What posted dispatches sent that no receipt took yet: per dispatch and product.
        ``kind="hold"``: what posted holds put aside that no release took yet, per hold."""
        taker = {"dispatch": "transfer_receipt", "hold": "release"}[kind]
        status = {"dispatch": "in_transit", "hold": "on_hold"}[kind]
        dispatch = documents.alias("dispatch")
        src, dst = locations.alias("src"), locations.alias("dst")
        head = (
            select(
                dispatch.c.id,
                dispatch.c.number,
                dispatch.c.date,
                src.c.name.label("from_location"),
                dst.c.name.label("to_location"),
            )
            .join(src, src.c.id == dispatch.c.from_location_id)
            .outerjoin(dst, dst.c.id == dispatch.c.destination_location_id)
            .where(dispatch.c.kind == kind, dispatch.c.state == "posted")
        )
        if dispatch_id is not None:
            head = head.where(dispatch.c.id == dispatch_id)
        heads = {r.id: r for r in self.c.execute(head)}
        if not heads:
            return []
        rows: dict[tuple[int, str], dict[str, Any]] = {}

        def row(document_id: int, sku: str) -> dict[str, Any]:
            h = heads[document_id]
            return rows.setdefault(
                (document_id, sku),
                {"number": h.number, "date": h.date, "from_location": h.from_location,
                 "to_location": h.to_location, "sku": sku, "quantity": 0, "serials": [],
                 "batches": []},
            )  # fmt: skip

        for r in self._serials_in_transit(list(heads), status):
            entry = row(r.last_document_id, r.sku)
            entry["quantity"] += 1
            entry["serials"].append(r.code)
        for (document_id, sku), quantity in self._left_in_transit(list(heads), taker).items():
            if quantity:
                row(document_id, sku)["quantity"] += quantity
        by_batch = self._left_in_transit(list(heads), taker, by_batch=True)
        for (document_id, sku, code), quantity in by_batch.items():
            if quantity:
                row(document_id, sku)["batches"].append({"code": code, "quantity": quantity})
        return [rows[k] for k in sorted(rows)]

    def _serials_in_transit(self, dispatch_ids: list[int], status: str) -> list[Any]:
        query = (
            select(serials.c.last_document_id, products.c.sku, serials.c.code)
            .join(products, products.c.id == serials.c.product_id)
            .where(serials.c.status == status, serials.c.last_document_id.in_(dispatch_ids))
            .order_by(serials.c.id)
        )
        return list(self.c.execute(query))

    def _left_in_transit(
        self, dispatch_ids: list[int], taker: str, *, by_batch: bool = False
    ) -> dict[tuple[Any, ...], int]:
        """Quantity-only units per (dispatch, sku) (``by_batch``: per (dispatch, sku, batch
        code)) that the dispatches sent and their posted receipts did not take."""
        receipt = documents.alias("receipt")
        columns = [products.c.sku, *([batches.c.code] if by_batch else [])]

        def summed(dispatch_id: Any) -> Any:
            query = (
                select(dispatch_id.label("dispatch_id"), *columns, func.sum(moves.c.quantity))
                .join(products, products.c.id == moves.c.product_id)
                .where(moves.c.serial_id.is_(None), moves.c.reversal == false())
                .group_by(dispatch_id, *columns)
            )
            return query.join(batches, batches.c.id == moves.c.batch_id) if by_batch else query

        sent = summed(moves.c.document_id).where(moves.c.document_id.in_(dispatch_ids))
        taken = (
            summed(receipt.c.origin_document_id)
            .join(receipt, receipt.c.id == moves.c.document_id)
            .where(
                receipt.c.kind == taker,
                receipt.c.state == "posted",
                receipt.c.origin_document_id.in_(dispatch_ids),
            )
        )
        left: dict[tuple[Any, ...], int] = {}
        for sign, query in ((1, sent), (-1, taken)):
            for *key, quantity in self.c.execute(query):
                left[tuple(key)] = left.get(tuple(key), 0) + sign * int(quantity)
        return left

    def skus_by_keys(self, keys: list[str]) -> dict[str, set[str]]:
        """For each code key, the SKUs of the products that have a serial with it."""
        from serialtrack.adapters.db.ledger import chunks

        query = select(serials.c.code_key, products.c.sku).join(
            products, products.c.id == serials.c.product_id
        )
        found: dict[str, set[str]] = {}
        for part in chunks(sorted(set(keys))):
            for r in self.c.execute(query.where(serials.c.code_key.in_(part))):
                found.setdefault(r.code_key, set()).add(r.sku)
        return found

    def serials_by_key(self, key: str, limit: int = 20) -> list[tuple[str, int]]:
        """(SKU, serial id) of every product's serial with this code key (else that had it)."""
        query = (
            select(products.c.sku, serials.c.id)
            .join(products, products.c.id == serials.c.product_id)
            .where(serials.c.code_key == key)
            .limit(limit)
        )
        found = [(r.sku, r.id) for r in self.c.execute(query)]
        if found:
            return found
        corrected = (
            select(products.c.sku, serial_code_changes.c.serial_id)
            .join(products, products.c.id == serial_code_changes.c.product_id)
            .where(serial_code_changes.c.old_code_key == key)
            .distinct()
            .limit(limit)
        )
        return [(r.sku, r.serial_id) for r in self.c.execute(corrected)]

    def serial_state(self, serial_id: int) -> Any:
        return self.c.execute(_state_query().where(serials.c.id == serial_id)).one()

    def serial_extra(self, serial_id: int) -> Any:
        return self.c.execute(_serial_extra_query(), {"serial_id": serial_id}).one()

    def history(self, serial_id: int) -> list[Any]:
        return list(driver.execute(self.c, _history_query(), {"serial_id": serial_id}))

    def document_moves(
        self, document_id: int, *, after_id: int = 0, limit: int | None = None
    ) -> list[Any]:
        """The document's moves in order, after move ``after_id``, at most ``limit``."""
        if limit is None and not after_id:
            return list(
                driver.execute(self.c, _document_moves_query(), {"document_id": document_id})
            )
        given = {"document_id": document_id, "after_id": after_id, "limit": limit or 2**62}
        return list(driver.execute(self.c, _document_moves_page_query(), given))

    def document_move_count(self, document_id: int) -> int:
        query = select(func.count()).where(moves.c.document_id == document_id)
        return int(self.c.execute(query).scalar_one())

    def document_serial_counts(self, document_id: int) -> dict[int, int]:
        """How many serials each line of the document moved (its own moves, not reversals)."""
        query = (
            select(moves.c.line_id, func.count())
            .where(
                moves.c.document_id == document_id,
                moves.c.reversal == false(),
                moves.c.serial_id.is_not(None),
            )
            .group_by(moves.c.line_id)
        )
        return {r[0]: int(r[1]) for r in self.c.execute(query)}

    def list_serials(self, f: SerialFilter, *, after_id: int = 0, limit: int = 100) -> list[Any]:
        """One keyset page after the serial ``after_id`` (the previous page's last row).

        With a search text the exact matches come first, then the prefix matches, then the
        codes with the text further in, then the units only whose note has it, each tier by
        id: the page after a row goes on with its tier's rows after it, then every row of the
        tiers after its own."""
        query = _report_query(f)
        if f.text is None or not after_id:
            query = query.where(serials.c.id > after_id)
        else:
            tier = _list_tier(f.text)
            after = self.c.execute(select(tier).where(serials.c.id == after_id)).scalar()
            if after is None:  # not a serial (any more): by id alone
                query = query.where(serials.c.id > after_id)
            else:
                query = query.where(or_(tier > after, and_(tier == after, serials.c.id > after_id)))
        return list(self.c.execute(query.limit(limit)))

    def transfer_numbers(self, serial_ids: list[int]) -> dict[int, str]:
        """The number of the document that last moved each serial (for units in transit: the
        dispatch they travel on)."""
        query = (
            select(serials.c.id, documents.c.number)
            .join(documents, documents.c.id == serials.c.last_document_id)
            .where(serials.c.id.in_(serial_ids))
        )
        return {r[0]: r[1] for r in self.c.execute(query)}

    def serial_row(self, serial_id: int) -> Any:
        """This serial's row of the serial list (and its notes): what the detail shows of
        supplier, receipt, customer and invoice comes from the same query, so the two always
        agree."""
        return driver.execute(self.c, _serial_row_query(), {"serial_id": serial_id}).one()

    def purchase_warranty_days(self, serial_id: int) -> int | None:
        """The supplier warranty days set on the line of the purchase the serial list shows
        (the latest posted receipt or opening balance), None where the line sets none."""
        return self.c.execute(_purchase_warranty_query(), {"serial_id": serial_id}).scalar()

    def stream_report(self, f: SerialFilter) -> Iterator[Any]:
        """Every serial's row of the serial report, fetched in keyset pages of
        ``STREAM_CHUNK`` (the warranty and expiry lists read these; ``report_rows`` is the
        whole report, batches included)."""
        after = 0
        while True:
            page = self.list_serials(f, after_id=after, limit=STREAM_CHUNK)
            yield from page
            if len(page) < STREAM_CHUNK:
                return
            after = page[-1].id

    def report_rows(
        self, f: SerialFilter, *, after: tuple[int, ...] | None = None, chunk: int = STREAM_CHUNK
    ) -> Iterator[ReportRow]:
        """Every row of the serial report in key order (``ReportRow.key``), fetched in keyset
        pages of ``chunk``: the serials by id (a search: the exact matches first), then the
        batches' parts (``batch_report``). ``after``: the key of the last row already had."""
        if after is None or after[0] == 0:
            after_id = after[1] if after else 0
            while True:
                page = self.list_serials(f, after_id=after_id, limit=chunk)
                for r in page:
                    yield ReportRow(
                        (0, r.id, 0, 0), r.sku, r.product, r.serial, r.batch, r.status, 1,
                        r.location, r.supplier, r.purchase_number, r.purchase_reference,
                        r.purchase_date, r.customer, r.sales_invoice, r.sale_date, r.note,
                    )  # fmt: skip
                if len(page) < chunk:
                    break
                after_id = page[-1].id
            after = None
        per_page = min(chunk, BATCHES_PER_PAGE)
        part = (after[1], after[2], after[3]) if after else None
        yield from batch_rows(self.c, f, after=part, per_page=per_page)

    def documents(self, kind: str | None, state: str | None, limit: int, **more: Any) -> list[Any]:
        """Newest first; ``more``: partner_id, date_from, date_to, before_id (keyset)."""
        query = _documents_query()
        conditions = {
            "kind": (kind, lambda v: documents.c.kind == v),
            "state": (state, lambda v: documents.c.state == v),
            "partner_id": (more.get("partner_id"), lambda v: documents.c.partner_id == v),
            "date_from": (more.get("date_from"), lambda v: documents.c.date >= v),
            "date_to": (more.get("date_to"), lambda v: documents.c.date <= v),
            "before_id": (more.get("before_id"), lambda v: documents.c.id < v),
        }
        for value, condition in conditions.values():
            if value:
                query = query.where(condition(value))
        return list(self.c.execute(query.order_by(documents.c.id.desc()).limit(limit)))

    def document(self, document_id: int) -> Any:
        return self.c.execute(_document_query(), {"document_id": document_id}).first()

    def document_with_lines(self, document_id: int) -> tuple[Any, list[Any]]:
        """The document's row (as ``document``) and its lines (as ``document_lines``), in one
        query: (None, []) when there is no such document."""
        rows = list(
            driver.execute(self.c, _document_with_lines_query(), {"document_id": document_id})
        )
        if not rows:
            return None, []
        found = [
            _LineRow(r.line_row_id, r.line_no, r.line_quantity, r.line_warranty_days,
                     r.line_expiry, r.line_bundle_id, r.line_batch, r.line_sku, r.line_name)
            for r in rows if r.line_row_id is not None
        ]  # fmt: skip
        return rows[0], found

    def purchases_of(
        self, partner_id: int, kinds: tuple[str, ...], date_from: date | None,
        date_to: date | None,
    ) -> list[str]:  # fmt: skip
        """The numbers of a supplier's posted documents of ``kinds`` dated within the range."""
        query = select(documents.c.number).where(
            documents.c.partner_id == partner_id,
            documents.c.kind.in_(kinds),
            documents.c.state == "posted",
        )
        if date_from is not None:
            query = query.where(documents.c.date >= date_from)
        if date_to is not None:
            query = query.where(documents.c.date <= date_to)
        return list(self.c.execute(query.order_by(documents.c.id)).scalars())

    def bundle_of(self, serial_id: int) -> str | None:
        """The bundle (its SKU) the serial's last document moved it in, if any."""
        query = (
            select(products.c.sku)
            .select_from(moves)
            .join(serials, serials.c.id == moves.c.serial_id)
            .join(lines, lines.c.id == moves.c.line_id)
            .join(document_bundles, document_bundles.c.id == lines.c.bundle_id)
            .join(products, products.c.id == document_bundles.c.product_id)
            .where(
                moves.c.serial_id == serial_id,
                moves.c.document_id == serials.c.last_document_id,
                moves.c.reversal == false(),
            )
            .limit(1)
        )
        return self.c.execute(query).scalar()

    def _assembled_by(self, serial_id: int, kinds: tuple[str, ...]) -> Any:
        """The latest posted move of ``serial_id`` on a document of ``kinds``: its line."""
        query = (
            select(moves.c.line_id, moves.c.document_id, lines.c.bundle_id)
            .join(documents, documents.c.id == moves.c.document_id)
            .join(lines, lines.c.id == moves.c.line_id)
            .where(
                moves.c.serial_id == serial_id,
                moves.c.reversal == false(),
                documents.c.kind.in_(kinds),
                documents.c.state == "posted",
            )
            .order_by(moves.c.id.desc())
            .limit(1)
        )
        return self.c.execute(query).first()

    def contents(self, serial_id: int) -> list[dict[str, Any]]:
        """The parts an assembled bundle unit holds: those its latest posted assembly took for
        it (product, quantity, current serial codes, batches), in line order; [] if none."""
        made = self._assembled_by(serial_id, ("assembly",))
        if made is None or made.bundle_id is None:
            return []
        query = (
            select(
                lines.c.id, lines.c.product_id, lines.c.quantity, serials.c.code,
                batches.c.code.label("batch"), moves.c.quantity.label("moved"),
            )
            .join(moves, and_(moves.c.line_id == lines.c.id, moves.c.reversal == false()))
            .outerjoin(serials, serials.c.id == moves.c.serial_id)
            .outerjoin(batches, batches.c.id == moves.c.batch_id)
            .where(lines.c.bundle_id == made.bundle_id, lines.c.id != made.line_id)
            .order_by(lines.c.line_no, moves.c.id)
        )  # fmt: skip
        parts: dict[int, dict[str, Any]] = {}
        for row in self.c.execute(query):
            part = parts.setdefault(
                row.id,
                {"product_id": row.product_id, "quantity": row.quantity, "serials": [],
                 "batches": []},
            )  # fmt: skip
            if row.code is not None:
                part["serials"].append(row.code)
            if row.batch is not None:
                part["batches"].append((row.batch, row.moved))
        return list(parts.values())

    def inside(self, serial_id: int) -> tuple[str, str, int] | None:
        """(bundle SKU, serial code, serial id) of the assembled unit this part was last put
        into."""
        put = self._assembled_by(serial_id, ("assembly",))
        if put is None or put.bundle_id is None:
            return None
        unit = (
            select(products.c.sku, serials.c.code, serials.c.id)
            .select_from(moves)
            .join(lines, lines.c.id == moves.c.line_id)
            .join(document_bundles, document_bundles.c.id == lines.c.bundle_id)
            .join(products, products.c.id == document_bundles.c.product_id)
            .join(serials, serials.c.id == moves.c.serial_id)
            .where(
                lines.c.bundle_id == put.bundle_id,
                lines.c.product_id == document_bundles.c.product_id,
                moves.c.reversal == false(),
            )
            .limit(1)
        )
        row = self.c.execute(unit).first()
        return (row.sku, row.code, row.id) if row else None

    def document_bundles(self, document_id: int) -> list[Any]:
        """The bundles a document names, in order, with their product."""
        query = (
            select(
                document_bundles.c.id,
                document_bundles.c.bundle_no,
                document_bundles.c.quantity,
                products.c.sku,
                products.c.name,
            )
            .join(products, products.c.id == document_bundles.c.product_id)
            .where(document_bundles.c.document_id == document_id)
            .order_by(document_bundles.c.bundle_no)
        )
        return list(self.c.execute(query))

    def stock(self, product_id: int | None, location_id: int | None) -> list[Any]:
        """On-hand quantity per product and internal location (serials counted, others summed)."""
        counted = (
            select(serials.c.product_id, serials.c.location_id, func.count().label("quantity"))
            .where(serials.c.status.in_(("in_stock", "reserved")))
            .group_by(serials.c.product_id, serials.c.location_id)
        )
        summed = select(quants.c.product_id, quants.c.location_id, quants.c.quantity).where(
            quants.c.quantity != 0
        )
        both = counted.union_all(summed).subquery()
        query = (
            select(
                products.c.sku, products.c.name, locations.c.name.label("location"), both.c.quantity
            )
            .join(products, products.c.id == both.c.product_id)
            .join(locations, locations.c.id == both.c.location_id)
            .where(locations.c.kind == "internal")
            .order_by(products.c.sku, locations.c.name)
        )
        if product_id is not None:
            query = query.where(both.c.product_id == product_id)
        if location_id is not None:
            query = query.where(both.c.location_id == location_id)
        return list(self.c.execute(query))

    def batches(self, product_id: int | None, location_id: int | None) -> list[Any]:
        """Batch quantities on hand per internal location, with each batch's expiry."""
        query = (
            select(
                products.c.sku,
                batches.c.code,
                batches.c.expiry,
                locations.c.name.label("location"),
                batch_quants.c.quantity,
            )
            .join(batches, batches.c.id == batch_quants.c.batch_id)
            .join(products, products.c.id == batches.c.product_id)
            .join(locations, locations.c.id == batch_quants.c.location_id)
            .where(locations.c.kind == "internal", batch_quants.c.quantity != 0)
            .order_by(products.c.sku, batches.c.expiry, batches.c.code, locations.c.name)
        )
        if product_id is not None:
            query = query.where(batches.c.product_id == product_id)
        if location_id is not None:
            query = query.where(batch_quants.c.location_id == location_id)
        return list(self.c.execute(query))

    def counts(self) -> dict[str, int]:
        tables = {
            "documents": documents,
            "lines": lines,
            "serials": serials,
            "moves": moves,
            "quants": quants,
            "batches": batches,
            "discrepancies": discrepancies,
            "count_scans": count_scans,
            "document_bundles": document_bundles,
        }
        return {
            name: int(self.c.execute(select(func.count()).select_from(t)).scalar_one())
            for name, t in tables.items()
        }


@cache  # built once: statements are immutable
def _moves_query() -> Any:
    """Moves with the names a reader shows. The names are scalar subqueries, not joins: an
    11-table join cost PostgreSQL ~3 ms of planning per execution (its plan for a prepared
    statement is redone for each document or serial), more than running it."""
    move = moves.c
    bundle = (
        select(products.c.sku)
        .join(document_bundles, document_bundles.c.product_id == products.c.id)
        .where(document_bundles.c.id == lines.c.bundle_id)
    )
    return (
        select(
            move.id,
            move.at,
            documents.c.kind,
            documents.c.number,
            _named(products.c.sku, products.c.id == move.product_id).label("sku"),
            _named(serials.c.code, serials.c.id == move.serial_id).label("code"),
            move.quantity,
            _named(locations.c.name, locations.c.id == move.from_location_id).label(
                "from_location"
            ),
            _named(locations.c.name, locations.c.id == move.to_location_id).label("to_location"),
            _named(users.c.username, users.c.id == move.user_id).label("username"),
            move.reversal,
            move.line_id,
            _named(batches.c.code, batches.c.id == move.batch_id).label("batch"),
            bundle.scalar_subquery().label("bundle"),
            move.document_id,
            lines.c.warranty_days,
        )
        .join(documents, documents.c.id == move.document_id)
        .join(lines, lines.c.id == move.line_id)
    )


def _named(column: Any, where: Any) -> Any:
    return select(column).where(where).scalar_subquery()


_SERIAL_ID = select(serials.c.id).where(
    serials.c.product_id == bindparam("product_id"), serials.c.code_key == bindparam("key")
)
_CORRECTED_ID = (
    select(serial_code_changes.c.serial_id)
    .where(
        serial_code_changes.c.product_id == bindparam("product_id"),
        serial_code_changes.c.old_code_key == bindparam("key"),
    )
    .order_by(serial_code_changes.c.id.desc())
    .limit(1)
)
_CODE_CHANGES = (
    select(
        serial_code_changes.c.at,
        serial_code_changes.c.old_code,
        serial_code_changes.c.new_code,
        serial_code_changes.c.reason,
        users.c.username,
    )
    .join(users, users.c.id == serial_code_changes.c.user_id)
    .where(serial_code_changes.c.serial_id == bindparam("serial_id"))
    .order_by(serial_code_changes.c.id)
)


@cache
def _history_query() -> Any:
    return _moves_query().where(moves.c.serial_id == bindparam("serial_id")).order_by(moves.c.id)


@cache
def _document_moves_query() -> Any:
    return (
        _moves_query().where(moves.c.document_id == bindparam("document_id")).order_by(moves.c.id)
    )


@cache
def _document_moves_page_query() -> Any:
    return (
        _moves_query()
        .where(moves.c.document_id == bindparam("document_id"), moves.c.id > bindparam("after_id"))
        .order_by(moves.c.id)
        .limit(bindparam("limit"))
    )


@cache
def _serial_extra_query() -> Any:
    return (
        select(serials.c.expiry, serials.c.notes, products.c.sku)
        .join(products, products.c.id == serials.c.product_id)
        .where(serials.c.id == bindparam("serial_id"))
    )


@cache
def _serial_row_query() -> Any:
    query, _, _ = _report_base()
    return query.add_columns(serials.c.notes).where(serials.c.id == bindparam("serial_id"))


@cache
def _document_query() -> Any:
    return _documents_query().where(documents.c.id == bindparam("document_id"))


class _LineRow(NamedTuple):
    id: int
    line_no: int
    quantity: int
    warranty_days: int | None
    expiry: date | None
    bundle_id: int | None
    batch: str | None
    sku: str
    name: str


@cache
def _document_with_lines_query() -> Any:
    line_product = products.alias("line_product")
    return (
        _documents_query()
        .add_columns(
            lines.c.id.label("line_row_id"), lines.c.line_no,
            lines.c.quantity.label("line_quantity"),
            lines.c.warranty_days.label("line_warranty_days"), lines.c.expiry.label("line_expiry"),
            lines.c.bundle_id.label("line_bundle_id"), lines.c.batch.label("line_batch"),
            line_product.c.sku.label("line_sku"), line_product.c.name.label("line_name"),
        )
        .outerjoin(lines, lines.c.document_id == documents.c.id)
        .outerjoin(line_product, line_product.c.id == lines.c.product_id)
        .where(documents.c.id == bindparam("document_id"))
        .order_by(lines.c.line_no)
    )  # fmt: skip


@cache  # built once: statements are immutable
def _documents_query() -> Any:
    src, dst = locations.alias("src"), locations.alias("dst")
    bound_for = locations.alias("bound_for")
    origin = documents.alias("origin")
    allowed_by = users.alias("allowed_by")
    return (
        select(
            documents,
            allowed_by.c.username.label("override_by_name"),
            partners.c.name.label("partner"),
            src.c.name.label("from_location"),
            dst.c.name.label("to_location"),
            bound_for.c.name.label("destination"),
            origin.c.number.label("origin_number"),
            users.c.username.label("created_by_name"),
        )
        .outerjoin(partners, partners.c.id == documents.c.partner_id)
        .join(src, src.c.id == documents.c.from_location_id)
        .join(dst, dst.c.id == documents.c.to_location_id)
        .outerjoin(bound_for, bound_for.c.id == documents.c.destination_location_id)
        .outerjoin(origin, origin.c.id == documents.c.origin_document_id)
        .join(users, users.c.id == documents.c.created_by)
        .outerjoin(allowed_by, allowed_by.c.id == documents.c.override_by)
    )


@cache  # built once: statements are immutable
def _purchase_warranty_query() -> Any:
    return (
        select(lines.c.warranty_days)
        .select_from(serials)
        .join(moves, moves.c.serial_id == serials.c.id)
        .join(lines, lines.c.id == moves.c.line_id)
        .where(
            serials.c.id == bindparam("serial_id"),
            moves.c.reversal == false(),
            # "+ 0": the serial's few moves are found by ix_moves_serial; compared as a bare
            # column, SQLite walks ix_moves_document over every move of the receipt instead
            # (3.5 ms per lookup from a 10,000-serial receipt, 15 ms from 100,000; bench).
            (moves.c.document_id + 0) == _latest_document(PURCHASE_KINDS),
        )
        .order_by(moves.c.id.desc())
        .limit(1)
    )
