"""CLI commands for bulk serial files: the template, and importing a file whole."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from serialtrack.entrypoints.cli import app, inventory, out
from serialtrack.entrypoints.cli_output import plural


@app.command()
def template(
    output: Annotated[Path, typer.Argument(help="Where to write the template.")] = Path(
        "serials-template.csv"
    ),
    xlsx: Annotated[bool, typer.Option("--xlsx", help="An Excel workbook instead of CSV.")] = False,
) -> None:
    """Write the bulk import template (sku, product name, location, serial, batch, expiry,
    quantity)."""
    from serialtrack.adapters.imports import template_csv, template_xlsx

    if xlsx and output.suffix.lower() == ".csv":
        output = output.with_suffix(".xlsx")
    output.write_bytes(template_xlsx() if xlsx else template_csv())
    out.print(f"template written to {output}")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A CSV or XLSX file in the template's columns.")],
    location: Annotated[str | None, typer.Option(help="Location for rows that name none.")] = None,
    supplier: Annotated[
        str | None, typer.Option(help="Make receipts from this supplier (else opening balance).")
    ] = None,
    number: Annotated[str | None, typer.Option(help="Document number.")] = None,
    reference: Annotated[str | None, typer.Option(help="The supplier's reference.")] = None,
    when: Annotated[str | None, typer.Option("--date", help="Document date, YYYY-MM-DD.")] = None,
    check: Annotated[bool, typer.Option("--check", help="Check the file; write nothing.")] = False,
) -> None:
    """Import serials from a file: the whole file is checked first; any bad row, nothing written."""
    try:
        data = file.read_bytes()
    except OSError as error:
        raise typer.BadParameter(f"cannot read {file}: {error.strerror}") from None
    day = date.fromisoformat(when) if when else None
    columns = (TextColumn("reading"), BarColumn(), TextColumn("{task.completed} rows"),
               TimeElapsedColumn())  # fmt: skip
    with inventory() as inv, Progress(*columns, console=out, transient=True) as progress:
        task = progress.add_task("rows", total=None)
        result = inv.import_serials(
            data, file.name, location=location, supplier=supplier, number=number,
            reference=reference, date=day, check_only=check,
            on_row=lambda n: progress.update(task, completed=n),
        )  # fmt: skip
        numbers = [inv.document(d).number for d in result.documents]
    for warning in result.warnings:
        out.print(f"warning: {warning}", markup=False)
    if check:
        out.print(f"{plural(result.rows, 'row')} checked: the file can be imported")
    else:
        what = plural(result.serials, "serial")
        if result.units != result.serials:  # batches or quantities too
            what = f"{plural(result.units, 'unit')} ({what})"
        out.print(f"{what} imported on {', '.join(numbers)}")
