"""Refund by scan: the serials that come back (or a slip's number) find their sales, and the
sales returns (credit notes) are made against those invoices. And the other way: units in
stock scanned to go back to their supplier (debit notes).

Each scan goes through the one scan resolver: a serial (plain, GS1 or Digital Link) names a
unit, which must be sold; its latest sale gives invoice, customer, date and the customer
warranty. A scanned invoice number (the barcode on the sales slip) names every unit of that
sale the customer still holds. One sales return is made per invoice (a return names one
origin), all in one transaction: either every return is made or none. A reason is required.

Back to the supplier: each scanned unit must be in stock at the chosen store; its latest
receipt gives the supplier, and one purchase return is made per receipt. A unit that came in
otherwise (opening balance, import) has no receipt: it goes back to the supplier named, in one
purchase return without a receipt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol, TypeVar

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


class _Unit(Protocol):
    @property
    def sku(self) -> str: ...
    @property
    def serial(self) -> str: ...


U = TypeVar("U", bound=_Unit)


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
    bundle: str | None = None  # the bundle (SKU) it was sold in: its other parts stay unless
    # scanned too (quantity-only parts come back on a sales return naming the bundle's line)


def sold_units(tx: Tx, actor: Actor, scans: Sequence[str], *, today: date) -> list[SoldUnit]:
    """The sold units ``scans`` name, in scan order (each once); every scan that names no
    sold unit is refused, all named at once."""
    require(actor, Permission.READ)
    return _each_scan(
        scans, lambda text: _units_of(tx, actor, text, today), "name no sold unit",
        hint="scan a serial or a slip's number",
    )  # fmt: skip


def _each_scan(
    scans: Sequence[str], resolve: Callable[[str], list[U]], failing: str, *, hint: str
) -> list[U]:
    """What every scan names, each unit once, in scan order; refused naming every scan that
    ``resolve`` refuses (``scans[i]``), or when there are none or too many."""
    if not scans:
        raise Invalid("nothing scanned", [Problem("scans", hint)])
    if len(scans) > MAX_SCANS:
        raise Invalid("too many scans", [Problem("scans", f"at most {MAX_SCANS} at once")])
    found: dict[tuple[str, str], U] = {}
    problems: list[Problem] = []
    for index, text in enumerate(scans):
        try:
            for unit in resolve(str(text)):
                found.setdefault((unit.sku, code_key(unit.serial)), unit)
        except SerialtrackError as refusal:
            problems.append(Problem(f"scans[{index}]", refusal.message))
    if problems:
        raise Invalid(f"{len(problems)} scan(s) {failing}", problems)
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
                 until is not None and today <= until, text, tx.reads.bundle_of(state.id))
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
                                until, until is not None and today <= until, scanned,
                                line["bundle"]))  # fmt: skip
    return out


@dataclass(frozen=True)
class StockUnit:
    """A unit in stock, with the receipt (and supplier) it came in on, if any."""

    sku: str
    serial: str
    location: str
    receipt: str | None  # None: it came in otherwise (opening balance, import)
    supplier: str | None
    received_on: date | None
    scanned: str


def stock_units(tx: Tx, actor: Actor, scans: Sequence[str], *, location: str) -> list[StockUnit]:
    """The units ``scans`` name, each in stock at ``location``, with its receipt; every scan
    that names none is refused, all named at once."""
    require(actor, Permission.READ)
    return _each_scan(
        scans, lambda text: [_stock_unit(tx, actor, text, location)],
        f"name no unit in stock at {location}", hint="scan the units going back",
    )  # fmt: skip


def return_to_suppliers(
    tx: Tx,
    actor: Actor,
    scans: Sequence[str],
    *,
    location: str,
    reason: str,
    supplier: str | None,
    day: date | None,
    now: datetime,
) -> list[int]:
    """Purchase returns (debit notes) of the units ``scans`` name, one per receipt, to its
    supplier; units that came in without a receipt go to ``supplier``. Their ids."""
    require(actor, Permission.POST_DOCUMENT)
    if not (reason or "").strip():
        raise Invalid("a return needs a reason", [Problem("reason", "say why they go back")])
    units = stock_units(tx, actor, scans, location=location)
    groups: dict[tuple[str | None, str | None], list[StockUnit]] = {}
    problems = []
    for unit in units:
        if unit.receipt is None and not supplier:
            problems.append(Problem(
                f"scans[{scans.index(unit.scanned)}]",
                f"{unit.sku} {unit.serial} came in without a receipt: name the supplier",
            ))  # fmt: skip
            continue
        key = (unit.supplier, unit.receipt) if unit.receipt else (supplier, None)
        groups.setdefault(key, []).append(unit)
    if problems:
        raise Invalid("some units cannot go back as scanned", problems)
    made = []
    for (partner, receipt), group in groups.items():
        lines: dict[str, list[str]] = {}
        for unit in group:
            lines.setdefault(unit.sku, []).append(unit.serial)
        header = HeaderInput(
            DocumentKind.PURCHASE_RETURN, location=location, partner=partner, origin=receipt,
            note=reason.strip(), date=day,
        )  # fmt: skip
        given = [LineInput(sku, serials=tuple(codes)) for sku, codes in lines.items()]
        made.append(documents.create(tx, actor, header, given, post=True, now=now))
    return made


def _stock_unit(tx: Tx, actor: Actor, text: str, location: str) -> StockUnit:
    found = scanning.scan(tx, actor, text)
    if not (found.sku and found.serial):
        raise Invalid(found.message or f"{text!r} names no unit")
    product = tx.catalog.product_by_sku(found.sku)
    assert product is not None
    key = code_key(found.serial)
    state = tx.ledger.states_by_keys(product.id, [key]).get((product.id, key))
    if state is None:
        raise NotFound(f"{found.sku} {found.serial} is not in the books")
    if state.status is not SerialStatus.IN_STOCK or state.location_name != location:
        raise Invalid(f"{found.sku} {state.code} is not in stock at {location}: {describe(state)}")
    row = tx.reads.serial_row(state.id)
    receipt = None
    if row.purchase_number:
        kinds = {r["kind"] for r in tx.documents.by_number(None, row.purchase_number)}
        receipt = row.purchase_number if DocumentKind.RECEIPT.value in kinds else None
    return StockUnit(product.sku, state.code, location, receipt,
                     row.supplier if receipt else None,
                     row.purchase_date if receipt else None, text)  # fmt: skip


def returnable(tx: Tx, actor: Actor, number: str) -> dict[str, list[str]]:
    """Per SKU, the serials of sale or receipt ``number`` a return could take back now: those
    its customer still holds from it, or those still in stock where the receipt put them."""
    require(actor, Permission.READ)
    view = queries.document(tx, actor, queries.find_document(tx, actor, number))
    out: dict[str, list[str]] = {}
    if view.kind is DocumentKind.SALE:
        for unit in _invoice_units(tx, actor, view.number, view.number, date.min):
            out.setdefault(unit.sku, []).append(unit.serial)
        return out
    for line in view.lines:
        if not line["serials"]:
            continue
        product = tx.catalog.product_by_sku(line["sku"])
        assert product is not None
        states = tx.ledger.states_by_keys(product.id, [code_key(c) for c in line["serials"]])
        for state in states.values():
            if state.status is SerialStatus.IN_STOCK and state.location_name == view.to_location:
                out.setdefault(product.sku, []).append(state.code)
    return out
