"""Stock on hand with totals, and stock as of any date and time, read from the ledger (command
line): ``serialtrack stock`` and ``serialtrack serial-at``."""

from __future__ import annotations

from typing import Annotated

import typer

from serialtrack.entrypoints.cli import _table, app, inventory, out
from serialtrack.services.stock_reports import StockReport, as_of_totals, refuse_on_hand_filters

WHEN = "YYYY-MM-DD (the end of that day) or YYYY-MM-DDTHH:MM[:SS], UTC."


@app.command("stock")
def stock(
    sku: Annotated[str | None, typer.Option("--sku")] = None,
    location: Annotated[str | None, typer.Option("--location")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="in_stock, reserved or in_transit.")
    ] = None,
    batch: Annotated[str | None, typer.Option("--batch", help="A batch code.")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help=f"Stock then, from the ledger: {WHEN}")
    ] = None,
) -> None:
    """Stock on hand per product, location, status and batch (in transit: per transfer), with
    totals; with --as-of, the quantities at that moment, computed from the ledger."""
    with inventory() as inv:
        if as_of is None:
            report = inv.stock_on_hand(sku=sku, location=location, status=status, batch=batch)
            rows = [[r.sku, r.location, r.status, r.batch, r.transfer, r.quantity]
                    for r in report.rows]  # fmt: skip
            _table("Stock on hand", ["sku", "location", "status", "batch", "transfer", "qty"], rows)
        else:
            refuse_on_hand_filters(**{"--status": status, "--batch": batch})
            found = inv.stock_as_of(as_of, sku=sku, location=location, where="--as-of")
            report = as_of_totals(found)
            rows = [[r.sku, r.location, r.quantity] for r in found]
            _table(f"Stock as of {as_of}", ["sku", "location", "qty"], rows)
    _totals(report)


def _totals(report: StockReport) -> None:
    if not report.totals:
        out.print("No stock.")
        return
    rows = [[t.sku, t.name, t.in_stores, t.in_transit, t.quantity] for t in report.totals]
    _table("Totals", ["sku", "name", "in stores", "in transit", "total"], rows)
    out.print(
        f"total: {report.total} (in stores {report.in_stores}, in transit {report.in_transit})",
        markup=False,
    )


@app.command("serial-at")
def serial_at(
    sku: Annotated[str, typer.Argument(help="The product's SKU.")],
    code: Annotated[str, typer.Argument(help="The serial.")],
    at: Annotated[str, typer.Option("--at", help=f"The moment: {WHEN}")],
) -> None:
    """Where a serial was at a moment: location, status and the document that put it there."""
    with inventory() as inv:
        found = inv.serial_as_of(sku, code, at, where="--at")
    if found is None:
        out.print(f"{sku} {code} had not come in by {at}", markup=False)
        return
    how = f"cancel of {found.document}" if found.cancelled else found.document
    out.print(
        f"{found.sku} {found.code} at {at}: {found.status} at {found.location} "
        f"(by {how}, {found.moved_at:%Y-%m-%d %H:%M:%S} UTC)",
        markup=False,
    )
