"""Stock on hand with totals, and stock as of any date and time, read from the ledger (command
line): ``serialtrack stock`` and ``serialtrack serial-at``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Annotated

import typer

from serialtrack.domain.errors import SerialtrackError
from serialtrack.domain.reports import Report
from serialtrack.entrypoints.cli import _table, app, inventory, out
from serialtrack.entrypoints.cli_output import OutputOption, WideOption, emit, say, show
from serialtrack.inventory_exports import words
from serialtrack.services.stock_reports import StockAt, as_of_totals, refuse_on_hand_filters

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
    output: OutputOption = None,
    wide: WideOption = False,
) -> None:
    """Stock on hand per product, location, status and batch (in transit: per transfer), with
    totals; with --as-of, the quantities at that moment, computed from the ledger."""
    with inventory() as inv:
        if as_of is None:
            report = inv.report_table(
                "stock", sku=sku, location=location, status=status, batch=batch
            )
        else:
            refuse_on_hand_filters(**{"--status": status, "--batch": batch})
            report = _named(lambda: inv.report_table("stock-as-of", at=as_of, sku=sku,
                                                     location=location), at="--as-of")  # fmt: skip
        if output is not None:
            emit(report, output)
            return
        kinds = {place.name: place.kind.value for place in inv.locations(archived=True)}
    report.rows = list(report.rows)
    show(report, wide=wide, footer=False)
    _totals(report, kinds)


def _named(build: Callable[[], Report], **names: str) -> Report:
    """``build()``, its refusal naming the command's options (``at`` as ``--as-of``)."""
    try:
        return build()
    except SerialtrackError as error:
        error.problems = [replace(p, where=names.get(p.where, p.where)) for p in error.problems]
        raise


def _totals(report: Report, kinds: dict[str, str]) -> None:
    """Totals per product (in stores, in transit, on hold) and overall, of the report's rows,
    as the library adds them up."""
    keys = [c.key for c in report.columns]
    sku, name, place, quantity = (keys.index(k) for k in ("sku", "name", "location", "quantity"))
    found = as_of_totals([StockAt(r[sku], r[name], r[place], kinds[r[place]], r[quantity])
                          for r in report.rows])  # fmt: skip
    if not found.totals:
        say("No stock.")
        return
    held = getattr(found, "on_hold", 0)
    columns = ["sku", "name", "in stores", "in transit", *(["on hold"] if held else []), "total"]
    rows = [[t.sku, t.name, t.in_stores, t.in_transit,
             *([getattr(t, "on_hold", 0)] if held else []), t.quantity]
            for t in found.totals]  # fmt: skip
    _table("Totals", columns, rows)
    also = f", on hold {held}" if held else ""
    say(f"total: {found.total} (in stores {found.in_stores}, in transit {found.in_transit}{also})")


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
        f"{found.sku} {found.code} at {at}: {words(found.status)} at {found.location} "
        f"(by {how}, {found.moved_at:%Y-%m-%d %H:%M:%S} UTC)",
        markup=False,
    )
