"""CLI: expected serials, an advance shipping notice (``expect``, ``expected``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from serialtrack.entrypoints.cli import _table, app, inventory, out


@app.command()
def expect(
    number: Annotated[str, typer.Argument(help="The draft receipt (RC-000001).")],
    serials: Annotated[list[str] | None, typer.Argument(help="Expected serial codes.")] = None,
    sku: Annotated[str | None, typer.Option("--sku", help="The product of the codes.")] = None,
    csv_file: Annotated[
        Path | None,
        typer.Option("--csv", help="The supplier's CSV: sku, serial, optional batch, expiry."),
    ] = None,
    batch: Annotated[str | None, typer.Option(help="The batch of these serials.")] = None,
    expiry: Annotated[str | None, typer.Option(help="Their expiry date, YYYY-MM-DD.")] = None,
) -> None:
    """Add serials to a draft receipt's advance shipping notice."""
    if csv_file is not None and (serials or sku):
        raise typer.BadParameter("give --csv or --sku with codes, not both", param_hint="--csv")
    if csv_file is None and (not sku or not serials):
        raise typer.BadParameter("give --sku and the codes, or --csv FILE", param_hint="--sku")
    try:
        until = date.fromisoformat(expiry) if expiry else None
    except ValueError:
        raise typer.BadParameter(
            f"{expiry!r} is not a date (YYYY-MM-DD)", param_hint="--expiry"
        ) from None
    with inventory() as inv:
        if csv_file is not None:
            added = inv.expect_csv(number, csv_file.read_bytes())
        else:
            added = inv.expect(number, [(sku or "", serials or [])], batch=batch, expiry=until)
        view = inv.expected(number)
        out.print(
            f"{number}: {added} added; {view.expected} expected, {len(view.matched)} received"
        )


@app.command()
def expected(
    number: Annotated[str, typer.Argument(help="The receipt (RC-000001) or dispatch (TR-000001).")],
    wide: Annotated[bool, typer.Option("--wide", help="Do not fit the terminal.")] = False,
) -> None:
    """The notice against what arrived: matched, missing, unexpected."""
    with inventory() as inv:
        view = inv.expected(number)
    out.print(
        f"{view.number} ({view.state.value}): {view.expected} expected, {len(view.matched)} "
        f"matched, {len(view.missing)} missing, {len(view.unexpected)} unexpected"
    )
    rows = [
        [what, r.sku, r.code, r.batch or "", r.expiry.isoformat() if r.expiry else ""]
        for what, items in (
            ("matched", view.matched), ("missing", view.missing), ("unexpected", view.unexpected)
        )
        for r in items
    ]  # fmt: skip
    if rows:
        _table(f"Expected serials of {view.number}", ["", "SKU", "serial", "batch", "expiry"],
               rows, wide=wide)  # fmt: skip
