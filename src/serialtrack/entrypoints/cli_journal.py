"""The journal of moves, discrepancies resolved, serial corrections over the API (command line).

- ``serialtrack journal``: every move, filtered, as a table (or ``--csv FILE``);
- ``serialtrack discrepancy-resolve ID --note ...``: mark a discrepancy resolved.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from serialtrack.entrypoints.cli import _table, app, inventory, out


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
        Path | None, typer.Option("--csv", help="Write every move to this CSV file ('-': stdout).")
    ] = None,
) -> None:  # fmt: skip
    """The movement journal: every move, oldest first, filtered.

    Every filter is checked before anything is written: an unknown location, SKU, kind,
    partner or user, or a bad date, is an error (exit 1), never half a file."""
    filters = {"date_from": date_from, "date_to": date_to, "location": location, "sku": sku,
               "kind": kind, "partner": partner, "user": user}  # fmt: skip
    with inventory() as inv:
        if csv_file is not None:
            _write(csv_file, inv.journal_csv(**filters))
            return
        rows = inv.journal(**filters, after_id=after, limit=limit)
    # Narrow columns (80 wide): the day and time, "document", "serial / batch x quantity",
    # "from → to", the user; a reversal is marked on its document.
    _table(
        "Journal",
        ["id", "at", "document", "item", "from → to", "user"],
        [
            [
                r.id, r.at.strftime("%y-%m-%d %H:%M"),
                r.number + (" (rev)" if r.reversal else ""),
                f"{r.sku} {r.serial or r.batch or ''}".strip()
                + (f" x{r.quantity}" if r.quantity != 1 or not r.serial else ""),
                f"{r.from_location} → {r.to_location}", r.user,
            ]
            for r in rows
        ],
    )  # fmt: skip
    if len(rows) == limit:
        out.print(f"more: --after {rows[-1].id}")


def _write(path: Path, chunks: Iterator[str]) -> None:
    """The CSV, chunk by chunk (the filters were checked before the stream was returned)."""
    stream = sys.stdout if str(path) == "-" else path.open("w", newline="", encoding="utf-8")
    try:
        for chunk in chunks:
            stream.write(chunk)
    finally:
        if stream is not sys.stdout:
            stream.close()
    if stream is not sys.stdout:
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
