"""CLI command ``serialtrack labels``: barcode labels as PDF or ZPL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from serialtrack.domain.labels import SHEET_PRESETS, SINGLE_PRESETS
from serialtrack.entrypoints.cli import app, inventory, out
from serialtrack.inventory_labels import LabelsMixin

LABELS_HELP = (
    "Print barcode labels for a DOCUMENT's units, or for a product (--sku): the --serials "
    "given, its units in stock (at --location), or a --batch; or for units of any products "
    "(--unit SKU:SERIAL, repeated); or, with --new, for --serials of --sku not received yet "
    "(e.g. just generated): each must be a valid code of the serial-tracked product.\n\n"
    "Each label shows name, SKU and serial with a Code 128 of the serial; a product with a "
    "GTIN also gets a GS1 DataMatrix (01)(21)(17)(10) and, with --digital-link, a QR code of "
    "its GS1 Digital Link (at the digital_link_base setting unless --digital-link-base is "
    "given). Sheet presets: " + ", ".join(SHEET_PRESETS) + "; single label "
    "presets: " + ", ".join(SINGLE_PRESETS) + " or WxH in mm."
)


@app.command("labels", help=LABELS_HELP, short_help="Print barcode labels (PDF or ZPL).")
def labels_command(
    document: Annotated[
        str | None, typer.Argument(help="A document number, e.g. RC-000001.")
    ] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="The file to write.")] = Path(
        "labels.pdf"
    ),
    sku: Annotated[str | None, typer.Option("--sku", help="The product.")] = None,
    serials: Annotated[
        list[str] | None,
        typer.Option("--serials", help="Serials (lists and ranges A..B); repeatable."),
    ] = None,
    location: Annotated[
        str | None, typer.Option("--location", help="Its units in stock here.")
    ] = None,
    batch: Annotated[str | None, typer.Option("--batch", help="A batch code.")] = None,
    unit: Annotated[
        list[str] | None,
        typer.Option("--unit", help="A unit as SKU:SERIAL, of any product; repeatable."),
    ] = None,
    new: Annotated[
        bool, typer.Option("--new", help="The --serials need not be in the books yet.")
    ] = False,
    copies: Annotated[int, typer.Option("--copies", help="Labels per unit or batch.")] = 1,
    format: Annotated[str, typer.Option("--format", help="pdf or zpl.")] = "pdf",
    layout: Annotated[str, typer.Option("--layout", help="sheet or single.")] = "sheet",
    preset: Annotated[
        str | None, typer.Option("--preset", help="Sheet or label size preset.")
    ] = None,
    start: Annotated[
        int, typer.Option("--start", help="First free position on the sheet (1 = top left).")
    ] = 1,
    digital_link: Annotated[
        bool, typer.Option("--digital-link", help="Add a QR code of the GS1 Digital Link.")
    ] = False,
    digital_link_base: Annotated[
        str | None,
        typer.Option(
            "--digital-link-base",
            help="Base URL of the Digital Link (default: the digital_link_base setting).",
        ),
    ] = None,
) -> None:
    text = " ".join(serials) if serials else None
    with inventory() as inv:
        job = LabelsMixin.labels(
            inv, document, sku=sku, serials=text, location=location, batch=batch,  # type: ignore[arg-type]
            copies=copies, format=format, layout=layout, preset=preset, start=start,
            digital_link=digital_link, digital_link_base=digital_link_base,
            units=unit or None, new=new,
        )  # fmt: skip
        job.save(str(output))
    out.print(f"{job.count} label(s) written to {output} ({job.format})", markup=False)
