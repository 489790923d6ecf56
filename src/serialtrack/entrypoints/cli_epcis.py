"""EPCIS 2.0: the ledger as GS1 EPCIS events (command line).

``serialtrack export epcis [--from DAY] [--to DAY] [--sku SKU] -o FILE`` (``-o -``: stdout).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from serialtrack.adapters.files import write_atomically
from serialtrack.entrypoints.cli import app, inventory, out
from serialtrack.entrypoints.cli_output import plural

export_app = typer.Typer(help="Export the ledger in exchange formats.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("epcis")
def epcis(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="The file to write ('-': stdout).")
    ],
    date_from: Annotated[str | None, typer.Option("--from", help="From this day, Y-M-D.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="To this day, included.")] = None,
    sku: Annotated[str | None, typer.Option(help="Only the moves of this product.")] = None,
) -> None:
    """The ledger as an EPCIS 2.0 JSON-LD document (GS1): an ObjectEvent per document,
    product and direction.

    The filters are checked first: an unknown SKU or a bad date is an error (exit 1), and
    the file is written whole or not at all."""
    with inventory() as inv:
        document = inv.epcis_events(date_from=date_from, date_to=date_to, sku=sku)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if str(output) == "-":
        sys.stdout.write(text)
        return
    count = len(document["epcisBody"]["eventList"])
    write_atomically(str(output), lambda f: f.write(text.encode("utf-8")))
    out.print(f"{plural(count, 'EPCIS event')} written to {output}", markup=False)
