"""Printed documents: a document as the paper a shop hands over (PDF).

``printout`` gathers what the paper says: the document and its lines, each unit's serial
(with the date its customer warranty ends on a sales slip), batches, a transfer's received
and missing units, a count's differences, and the shop's name and address (settings
``shop_name`` and ``shop_address``). ``PrintJob`` renders it.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO

from serialtrack.adapters.db.store import Tx
from serialtrack.adapters.files import write_atomically
from serialtrack.domain.codes import code_key
from serialtrack.domain.model import Actor, DocumentKind, Product
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.posting import warranty_end
from serialtrack.domain.printing import (
    NONE,
    ORIGIN_WORDS,
    PARTNER_WORDS,
    STAMPS,
    TITLES,
    Printout,
    Shop,
    Table,
    barcode_of,
    grid,
    quantity_text,
)
from serialtrack.services import catalog, counts, queries
from serialtrack.services.queries import DocumentView

MEDIA_TYPE = "application/pdf"
SERIALS_PER_ROW = 4  # a plain list of serials: four to a row
WARRANTY_PER_ROW = 2  # serial and warranty end: two to a row


@dataclass(frozen=True)
class PrintJob:
    """A printout ready to render: ``save`` to a file, ``write`` to a stream, ``chunks``."""

    printout: Printout

    @property
    def filename(self) -> str:
        return self.printout.filename

    @property
    def media_type(self) -> str:
        return MEDIA_TYPE

    def write(self, out: BinaryIO) -> None:
        from serialtrack.adapters.printing.document_pdf import write_document

        write_document(self.printout, out)

    def to_bytes(self) -> bytes:
        import io

        buffer = io.BytesIO()
        self.write(buffer)
        return buffer.getvalue()

    def chunks(self, size: int = 1 << 16) -> Iterator[bytes]:
        """The PDF in pieces, rendered first into a temporary file (spilled to disk when
        large), so a long document is never held whole in memory twice."""
        with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
            self.write(spool)  # type: ignore[arg-type]
            spool.seek(0)
            while piece := spool.read(size):
                yield piece

    def save(self, path: str) -> None:
        """Write to ``path`` through a temporary file: a failure leaves no partial file."""
        write_atomically(path, self.write)


def printout(tx: Tx, actor: Actor, document_id: int, *, now: datetime) -> Printout:
    """What the printed ``document_id`` says."""
    require(actor, Permission.READ)
    view = queries.document(tx, actor, document_id)
    products = _Products(tx)
    facts = _facts(view, lambda name: _is_internal(tx, name))
    if view.kind is DocumentKind.INVENTORY_COUNT:
        tables = _count_tables(tx, actor, view)
    else:
        tables = _tables(view, products)
    shop = Shop.of(
        catalog.setting(tx, actor, "shop_name"), catalog.setting(tx, actor, "shop_address")
    )
    return Printout(
        title=TITLES[view.kind],
        number=view.number,
        shop=shop,
        facts=tuple(facts),
        tables=tuple(tables),
        footer=f"Printed {now:%Y-%m-%d %H:%M} UTC by {actor.username}",
        stamp=STAMPS.get(view.state),
        barcode=barcode_of(view.number),
    )


def _is_internal(tx: Tx, name: str) -> bool:
    location = tx.catalog.location_by_name(name)
    return location is not None and not location.kind.is_virtual


class _Products:
    """Products by SKU, each read once."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.known: dict[str, Product] = {}

    def __call__(self, sku: str) -> Product:
        product = self.known.get(sku)
        if product is None:
            product = self.tx.catalog.product_by_sku(sku)
            assert product is not None, sku
            self.known[sku] = product
        return product

    def expiry(self, sku: str, batch: str) -> date | None:
        row = self.tx.labels.batch(self(sku).id, code_key(batch))
        return row.expiry if row is not None else None


def _facts(view: DocumentView, internal: Any) -> list[tuple[str, str]]:
    """Date, partner, the stores involved (not the virtual Suppliers, Customers...),
    references, reason, who entered it."""
    _internal = internal
    facts = [("Date", view.date.isoformat())]
    partner_word = PARTNER_WORDS.get(view.kind)
    if partner_word:
        walk_in = view.kind in (DocumentKind.SALE, DocumentKind.SALES_RETURN)
        facts.append((partner_word, view.partner or ("walk-in" if walk_in else NONE)))
    places = [name for name in (view.from_location, view.destination or view.to_location)
              if name and _internal(name)]  # fmt: skip
    if len(places) == 1:
        facts.append(("Location", places[0]))
    elif places:
        facts += [("From", places[0]), ("To", places[1])]
    if view.reference:
        facts.append(("Reference", view.reference))
    if view.origin:
        facts.append((ORIGIN_WORDS.get(view.kind, "Origin"), view.origin))
    if view.note:
        reasoned = view.kind in (DocumentKind.WRITE_OFF, DocumentKind.HOLD)
        facts.append(("Reason" if reasoned else "Note", view.note))
    if view.received_by:
        taken = "Released by" if view.kind is DocumentKind.HOLD else "Received by"
        facts.append((taken, ", ".join(view.received_by)))
    facts.append(("Status", view.state.value))
    facts.append(("Entered by", view.created_by))
    return facts


def _tables(view: DocumentView, products: _Products) -> list[Table]:
    heading = {
        DocumentKind.DISPATCH: "Dispatched",
        DocumentKind.TRANSFER: "Transferred",
        DocumentKind.TRANSFER_RECEIPT: "Received",
        DocumentKind.SALES_RETURN: "Returned by the customer",
        DocumentKind.PURCHASE_RETURN: "Returned to the supplier",
        DocumentKind.WRITE_OFF: "Written off",
        DocumentKind.HOLD: "Put on hold",
        DocumentKind.RELEASE: "Released",
    }.get(view.kind, "Items")
    tables = [_items(heading, view.lines, products, view.bundles)]
    if view.kind is DocumentKind.SALE:
        tables.append(_warranty(view, products))
    else:
        tables += _unit_lists(view.lines, "Serial numbers", "Batches", products)
    if view.kind is DocumentKind.DISPATCH and view.state.value == "posted":
        tables += _transit(view, products)
    return tables


def _items(heading: str, lines: Any, products: _Products, bundles: Any = ()) -> Table:
    """One row per line; a bundle's row (no number: its parts carry them) heads its parts."""
    heads = {b["lines"][0]: b for b in bundles if b["lines"]}
    rows = []
    for line in lines:
        if (bundle := heads.get(line["line_no"])) is not None:
            unit = products(bundle["sku"]).unit
            rows.append(("", bundle["sku"], f"{bundle['name']} (bundle)",
                         quantity_text(bundle["quantity"], unit)))  # fmt: skip
        product = products(line["sku"])
        name = f"  in {line['bundle']}: {product.name}" if line.get("bundle") else product.name
        rows.append(
            (str(line["line_no"]), line["sku"], name,
             quantity_text(line["quantity"], product.unit))
        )  # fmt: skip
    return Table(heading, ("#", "SKU", "Product", "Quantity"), (0.06, 0.24, 0.52, 0.18),
                 tuple(rows))  # fmt: skip


def _unit_lists(
    lines: Any, serial_heading: str, batch_heading: str, products: _Products
) -> list[Table]:
    tables = []
    serials = [(line["sku"], code) for line in lines for code in line["serials"]]
    if serials:
        tables.append(grid(serials, SERIALS_PER_ROW // 2, serial_heading, ("SKU", "Serial"),
                           (0.4, 0.6)))  # fmt: skip
    batches = [
        (line["sku"], part["code"], str(part["quantity"]),
         _day(part.get("expiry") or products.expiry(line["sku"], part["code"])))
        for line in lines
        for part in line["batches"]
    ]  # fmt: skip
    if batches:
        tables.append(Table(batch_heading, ("SKU", "Batch", "Quantity", "Expiry"),
                            (0.3, 0.35, 0.15, 0.2), tuple(batches)))  # fmt: skip
    return tables


def _warranty(view: DocumentView, products: _Products) -> Table:
    """A sales slip: each unit's serial and the day its customer warranty ends."""
    items = []
    for line in view.lines:
        product = products(line["sku"])
        until = warranty_end(view.date, product.customer_warranty_days)
        for code in line["serials"]:
            items.append((line["sku"], code, _day(until)))
    return grid(items, WARRANTY_PER_ROW, "Serial numbers and warranty",
                ("SKU", "Serial", "Warranty until"), (0.26, 0.38, 0.36),
                empty="no serial-tracked units")  # fmt: skip


def _transit(view: DocumentView, products: _Products) -> list[Table]:
    """A posted dispatch: what arrived and what is still missing (or on its way)."""
    away_serials = {(r["sku"], c) for r in view.in_transit for c in r["serials"]}
    away_quantity = Counter[str]()
    for r in view.in_transit:
        away_quantity[r["sku"]] += r["quantity"]
    sent = Counter[str]()
    for line in view.lines:
        sent[line["sku"]] += line["quantity"]
    arrived = [
        (sku, products(sku).name, quantity_text(count - away_quantity[sku], products(sku).unit))
        for sku, count in sent.items()
    ]
    arrived_serials = [
        (line["sku"], code)
        for line in view.lines
        for code in line["serials"]
        if (line["sku"], code) not in away_serials
    ]
    missing = [
        (r["sku"], products(r["sku"]).name, quantity_text(r["quantity"], products(r["sku"]).unit))
        for r in view.in_transit
    ]
    word = "Missing (not received)" if view.received_by else "In transit (not received yet)"
    tables = [
        Table("Received", ("SKU", "Product", "Quantity"), (0.3, 0.5, 0.2), tuple(arrived)),
        grid(arrived_serials, 2, "Received serial numbers", ("SKU", "Serial"), (0.4, 0.6)),
        Table(word, ("SKU", "Product", "Quantity"), (0.3, 0.5, 0.2), tuple(missing)),
    ]
    away = [(r["sku"], c) for r in view.in_transit for c in r["serials"]]
    if away:
        tables.append(grid(away, 2, f"{word}: serial numbers", ("SKU", "Serial"), (0.4, 0.6)))
    return tables


def _count_tables(tx: Tx, actor: Actor, view: DocumentView) -> list[Table]:
    """A count: expected against found, and each missing and unexpected unit."""
    result = counts.view(tx, actor, view.id)
    summary = Table(
        "Summary",
        ("Product counted", "Expected", "Found", "Matched", "Missing", "Unexpected"),
        (0.3, 0.14, 0.14, 0.14, 0.14, 0.14),
        ((result.sku or "all products", str(result.expected), str(result.found),
          str(result.matched), str(len(result.missing)), str(len(result.unexpected))),),
    )  # fmt: skip
    columns, widths = ("SKU", "Serial", "In the books"), (0.22, 0.3, 0.48)
    return [
        summary,
        Table("Missing (expected, not found)", columns, widths,
              tuple((m["sku"], m["code"], m["books"]) for m in result.missing)),
        Table("Unexpected (found, not expected here)", columns, widths,
              tuple((u["sku"], u["code"], u["books"]) for u in result.unexpected)),
        *_unit_lists(view.lines, "Moved by the count", "Batches moved by the count",
                    _Products(tx)),
    ]  # fmt: skip


def _day(value: date | None) -> str:
    return value.isoformat() if value else NONE
