"""Recall in one step: given serials (codes and ranges), a batch, a receipt, or a supplier
with a date range (optionally one product), every unit and quantity concerned and where it is
now — in which store, in transit, with which customer (name, invoice, date), returned, written
off, inside an assembled unit — the units that left inside a bundle naming it.

Read only: what to do about each (call the customer, put the stock aside) is the next step.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date

from serialtrack.adapters.db import batch_queries
from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key
from serialtrack.domain.entry import parse_entry
from serialtrack.domain.errors import Invalid, NotFound, Problem
from serialtrack.domain.model import Actor, DocumentKind, TrackingMode
from serialtrack.domain.permissions import Permission, require
from serialtrack.services import batch_enquiry, queries

PURCHASES = (DocumentKind.RECEIPT.value, DocumentKind.OPENING_BALANCE.value)
MAX_UNITS = 100_000


@dataclass(frozen=True)
class RecallRow:
    """One unit (or so many of a batch or product) concerned, and where it is now."""

    sku: str
    serial: str | None
    batch: str | None
    quantity: int
    status: str
    location: str
    partner: str | None  # the customer who has it (or the supplier it went back to)
    document: str | None  # the invoice (or the document that put it where it is)
    date: date | None
    where: str  # in words: "sold to Jane Doe on SO-000012", "inside KIT K-1 (assembled), ..."
    bundle: str | None = None  # the bundle it left in
    inside: str | None = None  # the assembled unit it is a part of
    contact: str | None = None  # the partner's phone, e-mail and address, on one line


@dataclass(frozen=True)
class RecallView:
    scope: str  # what was recalled, in words
    rows: tuple[RecallRow, ...]
    holds: tuple[str, ...] = ()  # the holds this step made (``hold=True``)
    not_held: tuple[str, ...] = ()  # what the hold could not take, in words
    released: tuple[str, ...] = ()  # the releases this step made (``release_recall``)

    @property
    def on_hold(self) -> int:
        return sum(r.quantity for r in self.rows if r.status == "on_hold")

    @property
    def in_stock(self) -> int:
        return sum(r.quantity for r in self.rows if r.status == "in_stock")

    @property
    def with_customers(self) -> int:
        return sum(r.quantity for r in self.rows if r.status == "sold")


COLUMNS = tuple(f.name for f in fields(RecallRow))


def recall(
    tx: Tx,
    actor: Actor,
    *,
    serials: str | Sequence[str] | None = None,
    batch: str | None = None,
    receipt: str | None = None,
    supplier: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    sku: str | None = None,
    today: date,
) -> RecallView:
    """Exactly one of ``serials``, ``batch`` (its code; ``sku`` names the product when two
    have it), ``receipt`` or ``supplier`` (with ``date_from``/``date_to`` on the receipt date)."""
    require(actor, Permission.READ)
    given = [n for n, v in (("serials", serials), ("batch", batch), ("receipt", receipt),
                            ("supplier", supplier)) if v]  # fmt: skip
    if len(given) != 1:
        raise Invalid(
            "recall by serials, a batch, a receipt or a supplier: exactly one",
            [Problem("scope", "none given" if not given else f"{', '.join(given)} given")],
        )
    if (date_from or date_to) and not supplier:
        raise Invalid("dates go with a supplier", [Problem("date_from", "recall by supplier")])
    if date_from and date_to and date_from > date_to:
        raise Invalid("the dates are the wrong way round", [Problem("date_from", "after date_to")])
    product = _product(tx, sku) if sku else None
    rows: list[RecallRow] = []
    if serials:
        scope, rows = _words(serials), _serial_rows(tx, actor, serials, product, today)
    elif batch:
        scope, rows = f"batch {batch}", _batch_rows(tx, actor, batch, product, today)
    else:
        numbers = [receipt] if receipt else _receipts(tx, supplier or "", date_from, date_to)
        if receipt:
            _is_purchase(tx, actor, receipt)
        for number in numbers:
            rows += _document_rows(tx, actor, number, product, today)
        scope = f"receipt {receipt}" if receipt else _supplier_words(supplier, date_from, date_to)
    return RecallView(scope, tuple(_with_contacts(tx, rows)))


def _with_contacts(tx: Tx, rows: list[RecallRow]) -> list[RecallRow]:
    """Each row with its partner's contact fields (one read for all the partners)."""
    names = sorted({r.partner for r in rows if r.partner})
    partners = tx.catalog.partners_by_names(names) if names else {}
    return [
        replace(r, contact=partners[r.partner].contact or None)
        if r.partner in partners else r
        for r in rows
    ]  # fmt: skip


def csv_text(view: RecallView) -> Iterator[str]:
    """The recall as CSV, a header first; cells safe from formula injection."""
    from serialtrack.adapters.files import safe_cell

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in view.rows:
        writer.writerow([safe_cell(getattr(row, name)) for name in COLUMNS])
    yield buffer.getvalue()


def _product(tx: Tx, sku: str):  # type: ignore[no-untyped-def]
    product = tx.catalog.product_by_sku(sku.strip())
    if product is None:
        raise NotFound(f"no product with SKU {sku!r}", [Problem("sku", sku)])
    return product


def _words(serials: str | Sequence[str]) -> str:
    text = serials if isinstance(serials, str) else " ".join(serials)
    return f"serials {text[:80]}"


def _supplier_words(supplier: str | None, date_from: date | None, date_to: date | None) -> str:
    span = f" from {date_from}" if date_from else ""
    span += f" to {date_to}" if date_to else ""
    return f"supplier {supplier}{span}"


def _serial_rows(tx, actor, serials, product, today) -> list[RecallRow]:  # type: ignore[no-untyped-def]
    codes = parse_entry(serials, where="serials").codes
    if len(codes) > MAX_UNITS:
        raise Invalid(f"at most {MAX_UNITS} serials", [Problem("serials", f"{len(codes)}")])
    rows, problems = [], []
    for position, code in enumerate(codes):
        key = code_key(code)
        if product is not None:
            found = tx.reads.serial_id(product.id, key)
            matches = [(product.sku, found)] if found is not None else []
        else:
            matches = tx.reads.serials_by_key(key)
        if not matches:
            problems.append(Problem(f"serials[{position}]", f"{code}: no such serial"))
        elif len(matches) > 1:
            skus = ", ".join(sorted(s for s, _ in matches))
            problems.append(Problem(f"serials[{position}]", f"{code} is a serial of {skus}: "
                                    "name the product"))  # fmt: skip
        else:
            rows.append(_unit(tx, actor, matches[0][0], code, today))
    if problems:
        raise Invalid(f"{len(problems)} serial(s) not found", problems)
    return rows


def _unit(tx: Tx, actor: Actor, sku: str, code: str, today: date) -> RecallRow:
    view = queries.serial(tx, actor, sku, code, today=today, history=False)
    sold = view.status.value == "sold"
    return RecallRow(
        sku=view.sku, serial=view.code, batch=view.batch, quantity=1, status=view.status.value,
        location=view.location, partner=view.customer if sold else view.holder,
        document=view.sale if sold else view.last_document,
        date=view.sold_on if sold else None, where=view.summary or view.location,
        bundle=view.bundle, inside=view.inside,
    )  # fmt: skip


def _batch_rows(tx, actor, code, product, today) -> list[RecallRow]:  # type: ignore[no-untyped-def]
    if product is None:
        found = batch_queries.batches_by_key(tx.connection, code_key(code))
        if not found:
            raise NotFound(f"no batch {code.strip()!r}", [Problem("batch", code)])
        if len(found) > 1:
            skus = ", ".join(sorted(r.sku for r in found))
            raise Invalid(f"batch {code} of {skus}: name the product", [Problem("sku", skus)])
        sku = found[0].sku
    else:
        sku = product.sku
    view = batch_enquiry.batch(tx, actor, sku, code, today=today)
    if view.tracking == TrackingMode.SERIAL_BATCH.value:  # every unit of it, one by one
        row = batch_queries.batch_row(tx.connection, _product(tx, sku).id, code_key(code))
        codes = [u.code for u in batch_queries.unit_codes(tx.connection, row.id, limit=None)]
        return [_unit(tx, actor, sku, unit, today) for unit in codes]
    return _parts(view)


def _parts(view: batch_enquiry.BatchView) -> list[RecallRow]:
    return [
        RecallRow(
            sku=view.sku, serial=None, batch=view.code, quantity=p.quantity, status=p.status,
            location=p.location, partner=p.partner, document=None, date=None,
            where=f"{p.quantity} {p.status.replace('_', ' ')} at {p.location}"
            + (f" ({p.partner})" if p.partner else ""),
        )
        for p in view.parts
    ]  # fmt: skip


def _receipts(tx: Tx, supplier: str, date_from: date | None, date_to: date | None) -> list[str]:
    partner = tx.catalog.partner_by_name(supplier.strip())
    if partner is None:
        raise NotFound(f"no partner named {supplier!r}", [Problem("supplier", supplier)])
    return tx.reads.purchases_of(partner.id, PURCHASES, date_from, date_to)


def _is_purchase(tx: Tx, actor: Actor, number: str) -> None:
    kinds = {r["kind"] for r in tx.documents.by_number(None, number.strip())}
    if not kinds & set(PURCHASES):
        raise NotFound(f"no receipt numbered {number!r}", [Problem("receipt", number)])


def _document_rows(tx, actor, number, product, today) -> list[RecallRow]:  # type: ignore[no-untyped-def]
    """Everything a posted receipt brought in: each unit, each batch (all of it: its parts
    cannot be told apart), and quantities (which cannot be traced further)."""
    kind = next(r["kind"] for r in tx.documents.by_number(None, number.strip())
                if r["kind"] in PURCHASES)  # fmt: skip
    view = queries.document(tx, actor, queries.find_document(tx, actor, number.strip(), kind))
    if view.state.value != "posted":
        return []
    rows: list[RecallRow] = []
    for line in view.lines:
        if product is not None and line["sku"] != product.sku:
            continue
        tracking = tx.catalog.product_by_sku(line["sku"]).tracking  # type: ignore[union-attr]
        if tracking.serialized:
            rows += [_unit(tx, actor, line["sku"], code, today) for code in line["serials"]]
        elif tracking is TrackingMode.BATCH:
            for part in line["batches"]:
                rows += _parts(batch_enquiry.batch(tx, actor, line["sku"], part["code"],
                                                   today=today))  # fmt: skip
        else:
            rows.append(
                RecallRow(
                    sku=line["sku"], serial=None, batch=None, quantity=line["quantity"],
                    status="received", location=view.to_location, partner=view.partner,
                    document=view.number, date=view.date,
                    where=f"{line['quantity']} received on {view.number}; quantities are not "
                    "traced unit by unit",
                )
            )  # fmt: skip
    return rows
