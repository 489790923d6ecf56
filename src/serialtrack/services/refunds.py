"""Refund by scan: the serials that come back (or a slip's number) find their sales, and the
sales returns (credit notes) are made against those invoices.

Each scan goes through the one scan resolver: a serial (plain, GS1 or Digital Link) names a
unit, which must be sold; its latest sale gives invoice, customer, date and the customer
warranty. A scanned invoice number (the barcode on the sales slip) names every unit of that
sale the customer still holds. One sales return is made per invoice (a return names one
origin), all in one transaction: either every return is made or none. A reason is required.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key
from serialtrack.domain.errors import Invalid, NotFound, Problem, SerialtrackError
from serialtrack.domain.model import Actor, DocumentKind, LineInput, SerialStatus
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.posting import describe, warranty_end
from serialtrack.services import documents, queries
from serialtrack.services import serials as scanning
from serialtrack.services.header import HeaderInput

MAX_SCANS = 10_000


@dataclass(frozen=True)
class SoldUnit:
    """A unit the customer has, as its latest sale left it."""

    sku: str
    serial: str
    invoice: str
    customer: str | None  # None: a walk-in sale
    sold_on: date
    warranty_until: date | None
    under_warranty: bool
    scanned: str  # what was scanned to find it (the serial, or the invoice number)


def sold_units(tx: Tx, actor: Actor, scans: Sequence[str], *, today: date) -> list[SoldUnit]:
    """The sold units ``scans`` name, in scan order (each once); every scan that names no
    sold unit is refused, all named at once."""
    require(actor, Permission.READ)
    if not scans:
        raise Invalid("nothing scanned", [Problem("scans", "scan a serial or a slip's number")])
    if len(scans) > MAX_SCANS:
        raise Invalid("too many scans", [Problem("scans", f"at most {MAX_SCANS} at once")])
    found: dict[tuple[str, str], SoldUnit] = {}
    problems: list[Problem] = []
    for index, text in enumerate(scans):
        where = f"scans[{index}]"
        try:
            for unit in _units_of(tx, actor, str(text), today):
                found.setdefault((unit.sku, code_key(unit.serial)), unit)
        except SerialtrackError as refusal:
            problems.append(Problem(where, refusal.message))
    if problems:
        raise Invalid(f"{len(problems)} scan(s) name no sold unit", problems)
    return list(found.values())


def refund(
    tx: Tx,
    actor: Actor,
    scans: Sequence[str],
    *,
    location: str,
    reason: str,
    day: date | None,
    now: datetime,
) -> list[int]:
    """Sales returns into ``location`` of the units ``scans`` name, one per invoice; their ids."""
    require(actor, Permission.POST_DOCUMENT)
    if not (reason or "").strip():
        raise Invalid("a refund needs a reason", [Problem("reason", "say why the goods come back")])
    units = sold_units(tx, actor, scans, today=now.date())
    by_invoice: dict[str, list[SoldUnit]] = {}
    for unit in units:
        by_invoice.setdefault(unit.invoice, []).append(unit)
    made = []
    for invoice, group in by_invoice.items():
        lines: dict[str, list[str]] = {}
        for unit in group:
            lines.setdefault(unit.sku, []).append(unit.serial)
        header = HeaderInput(
            DocumentKind.SALES_RETURN, location=location, partner=group[0].customer,
            origin=invoice, note=reason.strip(), date=day,
        )  # fmt: skip
        given = [LineInput(sku, serials=tuple(codes)) for sku, codes in lines.items()]
        made.append(documents.create(tx, actor, header, given, post=True, now=now))
    return made


def _units_of(tx: Tx, actor: Actor, text: str, today: date) -> list[SoldUnit]:
    found = scanning.scan(tx, actor, text)
    if found.document is not None:
        if found.document_kind != DocumentKind.SALE.value:
            kind = str(found.document_kind).replace("_", " ")
            raise Invalid(f"{found.document} is a {kind}, not a sale")
        units = _invoice_units(tx, actor, found.document, text, today)
        if not units:
            raise Invalid(f"nothing of {found.document} is still with the customer")
        return units
    if not (found.sku and found.serial):
        raise Invalid(found.message or f"{text!r} names no unit")
    product = tx.catalog.product_by_sku(found.sku)
    assert product is not None
    state = tx.ledger.states_by_keys(product.id, [code_key(found.serial)]).get(
        (product.id, code_key(found.serial))
    )
    if state is None:
        raise NotFound(f"{found.sku} {found.serial} is not in the books")
    if state.status is not SerialStatus.SOLD or state.last_document_number is None:
        raise Invalid(f"{found.sku} {state.code} is not sold: {describe(state)}")
    sale = _sale(tx, actor, state.last_document_number)
    until = warranty_end(sale.date, product.customer_warranty_days)
    return [
        SoldUnit(product.sku, state.code, sale.number, sale.partner, sale.date, until,
                 until is not None and today <= until, text)
    ]  # fmt: skip


def _sale(tx: Tx, actor: Actor, number: str) -> queries.DocumentView:
    return queries.document(tx, actor, queries.find_document(tx, actor, number, "sale"))


def _invoice_units(tx: Tx, actor: Actor, number: str, scanned: str, today: date) -> list[SoldUnit]:
    """The units of sale ``number`` that it still holds sold (not returned since)."""
    sale = _sale(tx, actor, number)
    out = []
    for line in sale.lines:
        if not line["serials"]:
            continue
        product = tx.catalog.product_by_sku(line["sku"])
        assert product is not None
        keys = [code_key(c) for c in line["serials"]]
        states = tx.ledger.states_by_keys(product.id, keys)
        until = warranty_end(sale.date, product.customer_warranty_days)
        for key in keys:
            state = states.get((product.id, key))
            if state is None or state.status is not SerialStatus.SOLD:
                continue
            if state.last_document_number != number:
                continue
            out.append(SoldUnit(product.sku, state.code, number, sale.partner, sale.date,
                                until, until is not None and today <= until, scanned))  # fmt: skip
    return out
