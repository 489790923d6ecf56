"""CLI commands for documents and the read side: receive, sell, return, cancel, report."""

from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from serialtrack.domain.model import LineInput
from serialtrack.entrypoints.cli import _table, app, inventory, out, report_app
from serialtrack.services.queries import REPORT_COLUMNS, DocumentView

Sku = Annotated[str, typer.Option("--sku", help="The product's SKU.")]
Serials = Annotated[list[str] | None, typer.Argument(help="Serial codes, one per unit.")]
Quantity = Annotated[
    int | None, typer.Option(help="Quantity, for products without serial tracking.")
]
Location = Annotated[str, typer.Option("--location", help="The store or warehouse.")]
Number = Annotated[
    str | None, typer.Option(help="Document number (default: the next of its kind).")
]
Reference = Annotated[
    str | None, typer.Option(help="The partner's reference, e.g. the supplier's invoice.")
]
When = Annotated[
    str | None, typer.Option("--date", help="Document date, YYYY-MM-DD (default: today).")
]
Draft = Annotated[
    bool, typer.Option("--draft", help="Save as a draft (serials are held) instead of posting.")
]


def _line(sku: str, serials: list[str] | None, quantity: int | None) -> LineInput:
    return LineInput(sku, quantity, tuple(serials or ()))


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date like 2026-03-31", param_hint="--date"
        ) from None


def _done(document: DocumentView) -> None:
    count = sum(len(line["serials"]) or line["quantity"] for line in document.lines)
    out.print(
        f"{document.kind.value.replace('_', ' ')} {document.number} "
        f"{document.state.value}: {count} units"
    )


@app.command()
def receive(
    sku: Sku,
    supplier: Annotated[str, typer.Option(help="The supplier.")],
    location: Location,
    serials: Serials = None,
    quantity: Quantity = None,
    number: Number = None,
    reference: Reference = None,
    when: When = None,
    draft: Draft = False,
) -> None:
    """Receive goods from a supplier (a purchase receipt)."""
    header = {"number": number, "reference": reference, "date": _date(when), "post": not draft}
    with inventory() as inv:
        _done(
            inv.receive(
                supplier=supplier,
                location=location,
                lines=[_line(sku, serials, quantity)],
                **header,
            )
        )


@app.command()
def sell(
    sku: Sku,
    location: Location,
    serials: Serials = None,
    quantity: Quantity = None,
    customer: Annotated[str | None, typer.Option(help="The customer.")] = None,
    number: Number = None,
    when: When = None,
    draft: Draft = False,
) -> None:
    """Sell units from a location (an invoice or POS sale)."""
    header = {"number": number, "date": _date(when), "post": not draft}
    with inventory() as inv:
        _done(
            inv.sell(
                customer=customer,
                location=location,
                lines=[_line(sku, serials, quantity)],
                **header,
            )
        )


@app.command("return")
def return_(
    sku: Sku,
    location: Location,
    serials: Serials = None,
    quantity: Quantity = None,
    customer: Annotated[str | None, typer.Option(help="The customer returning the goods.")] = None,
    invoice: Annotated[str | None, typer.Option(help="Only serials sold on this sale.")] = None,
    number: Number = None,
    when: When = None,
) -> None:
    """Take goods back from a customer (a sales return / credit note)."""
    lines = [_line(sku, serials, quantity)]
    with inventory() as inv:
        document = inv.return_from_customer(
            customer=customer,
            location=location,
            invoice=invoice,
            lines=lines,
            number=number,
            date=_date(when),
        )
        _done(document)


@app.command("return-to-supplier")
def return_to_supplier(
    sku: Sku,
    supplier: Annotated[str, typer.Option(help="The supplier.")],
    location: Location,
    serials: Serials = None,
    quantity: Quantity = None,
    receipt: Annotated[str | None, typer.Option(help="Only serials of this receipt.")] = None,
    number: Number = None,
    when: When = None,
) -> None:
    """Send goods back to a supplier (a purchase return / debit note)."""
    lines = [_line(sku, serials, quantity)]
    with inventory() as inv:
        document = inv.return_to_supplier(
            supplier=supplier,
            location=location,
            receipt=receipt,
            lines=lines,
            number=number,
            date=_date(when),
        )
        _done(document)


@app.command()
def post(number: str) -> None:
    """Post a draft document."""
    with inventory() as inv:
        _done(inv.post(number))


@app.command()
def cancel(number: str) -> None:
    """Cancel a posted document: its moves are reversed exactly, or nothing happens."""
    with inventory() as inv:
        _done(inv.cancel(number))


@app.command()
def document(number: str) -> None:
    """Show a document with its lines and moves."""
    with inventory() as inv:
        d = inv.document(number)
    partner = f" · {d.partner}" if d.partner else ""
    out.print(
        f"{d.kind.value} {d.number} · {d.state.value} · {d.date}{partner} · "
        f"{d.from_location} → {d.to_location}"
    )
    for line in d.lines:
        out.print(
            f"  {line['line_no']}. {line['sku']} x {line['quantity']}  {' '.join(line['serials'])}"
        )


@app.command()
def serial(sku: str, code: str) -> None:
    """Where a serial is, its status, and its full history."""
    with inventory() as inv:
        s = inv.serial(sku, code)
    held = f" (held by {s.reserved_by})" if s.reserved_by else ""
    holder = f" · {s.holder}" if s.holder else ""
    out.print(f"{s.sku} {s.code}: {s.status.value}{held} at {s.location}{holder}")
    rows = [
        [
            m.at.strftime("%Y-%m-%d %H:%M"),
            m.document_number + (" (cancelled)" if m.reversal else ""),
            m.from_location,
            m.to_location,
            m.user,
        ]
        for m in s.history
    ]
    _table("History", ["when", "document", "from", "to", "user"], rows)


@app.command()
def serials(
    sku: Annotated[str | None, typer.Option(help="Only this product.")] = None,
    status: Annotated[str | None, typer.Option(help="in_stock, reserved, sold, ...")] = None,
    location: Annotated[str | None, typer.Option(help="Only at this location.")] = None,
    text: Annotated[str | None, typer.Option(help="Codes starting with this text.")] = None,
    limit: int = 100,
) -> None:
    """List serials, filtered."""
    with inventory() as inv:
        rows = inv.serials(sku=sku, status=status, location=location, text=text, limit=limit)
    _table(
        "Serials",
        ["SKU", "serial", "status", "location"],
        [[r["sku"], r["serial"], r["status"], r["location"]] for r in rows],
    )


@report_app.command("serials")
def report_serials(
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Write CSV to this file ('-' for stdout).")
    ] = None,
    sku: Annotated[str | None, typer.Option(help="Only this product.")] = None,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    location: Annotated[str | None, typer.Option(help="Only at this location.")] = None,
) -> None:
    """The product serial number report: purchase and sale of every serial."""
    with inventory() as inv:
        rows = inv.report(sku=sku, status=status, location=location)
        if csv_file is None:
            _table("Product serial numbers", list(REPORT_COLUMNS), [list(r) for r in rows])
            return
        _write_csv(csv_file, rows)


def _write_csv(path: Path, rows) -> None:  # type: ignore[no-untyped-def]
    from serialtrack.adapters.files import safe_cell

    stream = sys.stdout if str(path) == "-" else path.open("w", newline="", encoding="utf-8")
    try:
        writer = csv.writer(stream)
        writer.writerow(REPORT_COLUMNS)
        count = 0
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
            count += 1
    finally:
        if stream is not sys.stdout:
            stream.close()
    if stream is not sys.stdout:
        out.print(f"{count} rows written to {path}")
