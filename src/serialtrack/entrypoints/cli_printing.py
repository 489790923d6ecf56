"""CLI command ``serialtrack print``: a document as the PDF a shop hands over."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from serialtrack.entrypoints.cli import app, inventory, out


@app.command("print")
def print_command(
    document: Annotated[str, typer.Argument(help="A document number, e.g. SO-000001.")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="The PDF to write (default: NUMBER.pdf here)."),
    ] = None,
) -> None:
    """Print a DOCUMENT to PDF: a sales slip with each serial and its warranty end, a credit
    or debit note, a delivery note (what arrived, what is missing), a count result... with
    the number as a barcode. Shop name and address: `serialtrack setting set shop_name ...`."""
    with inventory() as inv:
        job = inv.print_document(document)
        target = output or Path(job.filename)
        job.save(str(target))
    out.print(f"{job.printout.title} {job.printout.number} written to {target}", markup=False)
