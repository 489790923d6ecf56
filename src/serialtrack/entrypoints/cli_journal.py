"""The journal of moves, discrepancies resolved, serial corrections over the API (command line).

- ``serialtrack journal``: every move, filtered, as a table (or ``--csv FILE``);
- ``serialtrack discrepancy-resolve ID --note ...``: mark a discrepancy resolved.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from serialtrack.adapters.files import write_atomically
from serialtrack.entrypoints.cli import app, inventory, out
from serialtrack.entrypoints.cli_output import OutputOption, WideOption, emit, say, show
from serialtrack.inventory_exports import words


@app.command("journal")
def journal(
    date_from: Annotated[str | None, typer.Option("--from", help="From this day, Y-M-D.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="To this day, included.")] = None,
    location: Annotated[str | None, typer.Option(help="Moves from or to this location.")] = None,
    sku: Annotated[str | None, typer.Option(help="Moves of this product.")] = None,
    kind: Annotated[str | None, typer.Option(help="Of documents of this kind, e.g. sale.")] = None,
    partner: Annotated[str | None, typer.Option(help="Of documents of this partner.")] = None,
    user: Annotated[str | None, typer.Option(help="Written by this user.")] = None,
    after: Annotated[int, typer.Option(help="Start after this move id (the next page).")] = 0,
    limit: Annotated[int, typer.Option(help="Rows shown (1 to 1000).")] = 100,
    csv_file: Annotated[
        Path | None,
        typer.Option(
            "--csv", metavar="FILE",
            help="Write every move as CSV with the API's column names (as GET "
            "/api/v1/journal.csv) to FILE ('-': stdout).",
        ),
    ] = None,
    output: OutputOption = None,
    wide: WideOption = False,
) -> None:  # fmt: skip
    """The movement journal: every move, oldest first, filtered (--after and --limit page
    the screen; --output and --csv write every move).

    Every filter is checked before anything is written: an unknown location, SKU, kind,
    partner or user, or a bad date, is an error (exit 1), never half a file."""
    if csv_file is not None and output is not None:
        raise typer.BadParameter("give --csv or --output, not both", param_hint="--csv")
    filters = {"date_from": date_from, "date_to": date_to, "location": location, "sku": sku,
               "kind": kind, "partner": partner, "user": user}  # fmt: skip
    with inventory() as inv:
        if csv_file is not None:
            _write(csv_file, inv.journal_csv(**filters))
            return
        report = inv.report_table("journal", **filters)  # the filters checked here
        if output is not None:
            emit(report, output)
            return
        rows = inv.journal(**filters, after_id=after, limit=limit)
    cells = [[words(r.kind) if c.key == "kind" else getattr(r, c.key) for c in report.columns]
             for r in rows]  # fmt: skip
    show(replace(report, rows=cells), wide=wide)
    if len(rows) == limit:
        say(f"more: --after {rows[-1].id}")


def _write(path: Path, chunks: Iterator[str]) -> None:
    """The CSV, chunk by chunk (the filters were checked before the stream was returned),
    into a file whole or not at all."""
    if str(path) == "-":
        for chunk in chunks:
            sys.stdout.write(chunk)
        return

    def fill(file: BinaryIO) -> None:
        for chunk in chunks:
            file.write(chunk.encode("utf-8"))

    write_atomically(str(path), fill)
    out.print(f"journal written to {path}", markup=False)


@app.command("discrepancy-resolve")
def discrepancy_resolve(
    discrepancy_id: Annotated[int, typer.Argument(metavar="ID", help="The discrepancy's id.")],
    note: Annotated[str, typer.Option("--note", help="How it was resolved (required).")],
) -> None:
    """Mark a discrepancy resolved (managers), with a note saying how."""
    with inventory() as inv:
        done = inv.resolve_discrepancy(discrepancy_id, note)
    when = done.resolved_at.strftime("%Y-%m-%d %H:%M") if done.resolved_at else ""
    out.print(f"discrepancy {done.id} ({done.kind}, {done.sku} {done.code or ''}) resolved "
              f"by {done.resolved_by} on {when} UTC", markup=False)  # fmt: skip
