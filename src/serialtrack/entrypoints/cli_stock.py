"""CLI commands for inventory counts, batches, discrepancies, deleting a mistaken serial and
switching a product's tracking."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from serialtrack.domain.reports import Column, Report
from serialtrack.entrypoints.cli import _table, app, inventory, out
from serialtrack.entrypoints.cli_documents import read_text
from serialtrack.entrypoints.cli_output import OutputOption, WideOption, emit, plural, say, show
from serialtrack.inventory_exports import words
from serialtrack.services.counts import CountView

count_app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="Inventory counts: open, scan what is on the shelf, see the differences, post.",
)
app.add_typer(count_app, name="count")
CountNumber = Annotated[str, typer.Argument(help="The count's number, e.g. CT-000001.")]


def _show(count: CountView) -> None:
    scope = f" of {count.sku}" if count.sku else ""
    blind = " (blind)" if count.blind else ""
    tally = (
        f"found {count.found} (what the books expect is hidden until it posts)"
        if count.hidden
        else f"expected {count.expected}, found {count.found}, matched {count.matched}"
    )
    out.print(
        f"inventory count {count.number}{scope}{blind} at {count.location} "
        f"{count.state.value}: {tally}"
    )
    if count.missing:
        _table("Missing", ["sku", "serial", "books"],
               [[m["sku"], m["code"], m["books"]] for m in count.missing])  # fmt: skip
    if count.unexpected:
        _table("Found, not expected here", ["sku", "serial", "books"],
               [[u["sku"], u["code"], u["books"]] for u in count.unexpected])  # fmt: skip
    if count.quantities:
        _table("Quantities", ["sku", "batch", "expected", "counted", "difference"],
               [[q["sku"], q["batch"] or "", q["expected"], _blank(q["counted"]),
                 _blank(q["difference"], signed=True)] for q in count.quantities])  # fmt: skip
    for warning in count.warnings:
        out.print(warning)


def _blank(value: int | None, *, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+d}" if signed and value else str(value)


@count_app.command("open")
def count_open(
    location: Annotated[str, typer.Option("--location", help="The store counted.")],
    sku: Annotated[str | None, typer.Option("--sku", help="Count one product only.")] = None,
    note: Annotated[str | None, typer.Option(help="A note kept on the count.")] = None,
    blind: Annotated[
        bool, typer.Option("--blind", help="Hide what the books expect until it posts.")
    ] = False,
) -> None:
    """Open an inventory count of a store."""
    with inventory() as inv:
        _show(inv.open_count(location=location, sku=sku, note=note, blind=blind))


@count_app.command("scan")
def count_scan(
    number: CountNumber,
    scans: Annotated[list[str] | None, typer.Argument(help="Serials or GS1 scans found.")] = None,
    sku: Annotated[str | None, typer.Option("--sku", help="The product scanned.")] = None,
    from_file: Annotated[
        Path | None, typer.Option("--from-file", help="A file of scans, one per line.")
    ] = None,
) -> None:
    """Record serials found on the shelf (scanning one twice counts it once)."""
    given = list(scans or ())
    if from_file is not None:
        given += [line.strip() for line in read_text(from_file).splitlines() if line.strip()]
    if not given:
        raise typer.BadParameter("give serials or --from-file", param_hint="SCANS")
    with inventory() as inv:
        outcomes = inv.count_scan(number, given, sku=sku)
        fresh = sum(1 for o in outcomes if o["outcome"] == "counted")
        out.print(f"{fresh} counted, {len(outcomes) - fresh} already counted")
        _show(inv.count(number))


@count_app.command("quantity")
def count_quantity(
    number: CountNumber,
    quantity: Annotated[int, typer.Argument(help="How many are on the shelf (0 or more).")],
    sku: Annotated[str, typer.Option("--sku", help="The product counted.")],
    batch: Annotated[
        str | None, typer.Option("--batch", help="The batch counted (batch products).")
    ] = None,
) -> None:
    """Record how many of a quantity-only or batch product are on the shelf (per batch); a
    later entry for the same product and batch replaces the earlier one."""
    with inventory() as inv:
        done = inv.count_quantity(number, sku, quantity, batch=batch)
        what = f"{done['sku']}" + (f" batch {done['batch']}" if done["batch"] else "")
        out.print(f"{what}: {done['quantity']} {done['outcome']}")
        _show(inv.count(number))


@count_app.command("unscan")
def count_unscan(
    number: CountNumber,
    scan: Annotated[str, typer.Argument(help="The serial (or GS1 scan) scanned by mistake.")],
    sku: Annotated[str | None, typer.Option("--sku", help="Its product, if several.")] = None,
) -> None:
    """Undo a wrong scan on an open count."""
    with inventory() as inv:
        done = inv.count_unscan(number, scan, sku=sku)
        out.print(f"{done['sku']} {done['code']} removed from {number.strip()}", markup=False)
        _show(inv.count(number))


@count_app.command("discard")
def count_discard(number: CountNumber) -> None:
    """Discard an open count (its scans with it); a posted count is cancelled instead
    (``serialtrack cancel``)."""
    with inventory() as inv:
        inv.discard_count(number)
    out.print(f"{number.strip()} discarded")


@count_app.command("show")
def count_show(number: CountNumber) -> None:
    """Expected against found so far (and what was found), or the differences a posted
    count wrote."""
    with inventory() as inv:
        count = inv.count(number)
    _show(count)
    if count.scanned and count.state.value == "draft":
        _table("Found (newest first)", ["sku", "serial", "by", "at"],
               [[f["sku"], f["code"], f["by"], f["at"]] for f in count.scanned])  # fmt: skip


@count_app.command("post")
def count_post(number: CountNumber) -> None:
    """Post the differences: lost out, found in (or over from where the books had it)."""
    with inventory() as inv:
        _show(inv.post_count(number))


BATCH_COLUMNS = (
    Column("sku", "SKU", "text", 12, True), Column("batch", "Batch", "text", 12, True),
    Column("expiry", "Expiry", "date", 10, True), Column("location", "Location", "text", 14, True),
    Column("quantity", "Quantity", "int", 8, True),
)  # fmt: skip


@app.command("batches")
def batches(
    sku: Annotated[str | None, typer.Option("--sku")] = None,
    location: Annotated[str | None, typer.Option("--location")] = None,
    output: OutputOption = None,
    wide: WideOption = False,
) -> None:
    """Batch quantities on hand per store, soonest expiry first."""
    with inventory() as inv:
        rows = inv.batches(sku=sku, location=location)
    data = [[r["sku"], r["code"], r["expiry"], r["location"], r["quantity"]] for r in rows]
    emit(Report("batches", "Batches", BATCH_COLUMNS, data), output, wide=wide)


@app.command("batch")
def batch(sku: str, code: str, output: OutputOption = None, wide: WideOption = False) -> None:
    """A batch enquiry: where the batch's parts are now, and every move of it (--output
    writes the moves)."""
    with inventory() as inv:
        if output is not None:
            emit(inv.report_table("batch", sku=sku, code=code), output)
            return
        b = inv.batch(sku, code)
        history = inv.report_table("batch", sku=sku, code=code)
        expiry = f", expires {b.expiry}{' (expired)' if b.expired else ''}" if b.expiry else ""
        came = f", received on {b.received} from {b.supplier or '-'} on {b.received_on}"
        say(f"{b.sku} batch {b.code}{expiry}{came if b.received else ''}")
        dates = [f"{what} {day}" for what, day in (("best before", b.best_before),
                 ("off sale after", b.removal), ("alert", b.alert)) if day]  # fmt: skip
        if dates:
            say(", ".join(dates))
        say(f"{b.on_hand} in stock")
        _table("Where it is", ["location", "status", "partner", "quantity"],
               [[p.location, words(p.status), p.partner or "", p.quantity]
                for p in b.parts], wide=wide)  # fmt: skip
        if b.units:  # serial+batch: the batch's units
            _table("Its units", ["serial", "status", "location"],
                   [[code, words(status), where] for code, status, where in b.units],
                   wide=wide)  # fmt: skip
        show(replace(history, title="History", subtitle="", footer=()), wide=wide)


@app.command("recall")
def recall(
    serials: Annotated[list[str] | None, typer.Argument(help="Serials, or START..END.")] = None,
    batch: Annotated[str | None, typer.Option(help="A batch code.")] = None,
    receipt: Annotated[str | None, typer.Option(help="A receipt's number.")] = None,
    supplier: Annotated[str | None, typer.Option(help="A supplier (with --from/--to).")] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="Received from, YYYY-MM-DD.")
    ] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Received to, YYYY-MM-DD.")] = None,
    sku: Annotated[str | None, typer.Option("--sku", help="Only this product.")] = None,
    csv_file: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            metavar="FILE",
            help="Also write CSV with the API's column names (as POST /api/v1/recall.csv).",
        ),
    ] = None,
    hold: Annotated[
        bool, typer.Option("--hold", help="Also put what is in stock on hold (with --reason).")
    ] = False,
    reason: Annotated[str | None, typer.Option(help="Why the stock is held.")] = None,
    release: Annotated[
        bool, typer.Option("--release", help="Release this recall's holds (managers).")
    ] = False,
    output: OutputOption = None,
    wide: WideOption = False,
) -> None:
    """Recall in one step: where every unit concerned is now (store, customer, transit...).

    --hold puts every unit and batch part still in stock on hold in the same transaction
    (nobody sells, moves or writes it off until released); --release brings it back."""
    from serialtrack.adapters.files import write_atomically
    from serialtrack.entrypoints.cli_documents import _date

    scope = {"serials": serials or None, "batch": batch, "receipt": receipt,
             "supplier": supplier, "date_from": _date(date_from, "--from"),
             "date_to": _date(date_to, "--to"), "sku": sku}  # fmt: skip
    if hold and release:
        raise typer.BadParameter("--hold or --release, not both")
    with inventory() as inv:
        if hold:
            held = inv.recall(**scope, hold=True, reason=reason or "")
            say(f"put on hold: {', '.join(held.holds)} ({plural(held.on_hold, 'unit')} on hold)")
            for why in held.not_held:
                say(f"not held: {why}")
        if release:
            done = inv.release_recall(**scope)
            say(f"released: {', '.join(d.number for d in done)}")
        report = inv.report_table("recall", **scope)
        if csv_file is not None:
            data = "".join(inv.recall_csv(**scope)).encode("utf-8")
            write_atomically(str(csv_file), lambda f: f.write(data))
    if output is not None:
        emit(report, output)
        return
    rows = report.rows = list(report.rows)
    keys = [c.key for c in report.columns]
    status, quantity = keys.index("status"), keys.index("quantity")
    in_stock = sum(r[quantity] for r in rows if r[status] == words("in_stock"))
    sold = sum(r[quantity] for r in rows if r[status] == words("sold"))
    on_hold = sum(r[quantity] for r in rows if r[status] == words("on_hold"))
    show(report, wide=wide, footer=False)
    held = f"{on_hold} on hold, " if on_hold else ""
    say(f"{plural(len(rows), 'row')}, {in_stock} in stock, {held}{sold} with customers")
    if csv_file is not None:
        say(f"written to {csv_file}")


@app.command("warranty-ending")
def warranty_ending(
    days: Annotated[int, typer.Option(help="Ending within so many days.")] = 30,
    supplier: Annotated[
        bool, typer.Option("--supplier", help="The supplier warranty of units held.")
    ] = False,
    sku: Annotated[str | None, typer.Option("--sku")] = None,
    output: OutputOption = None,
    wide: WideOption = False,
) -> None:
    """Units whose customer (or supplier) warranty ends soon: a service desk's list."""
    side = "supplier" if supplier else "customer"
    with inventory() as inv:
        emit(inv.report_table("warranty", days=days, side=side, sku=sku), output, wide=wide)


@app.command("expiring")
def expiring(
    days: Annotated[int, typer.Option(help="Expiring within so many days.")] = 30,
    location: Annotated[str | None, typer.Option("--location")] = None,
    sku: Annotated[str | None, typer.Option("--sku")] = None,
    output: OutputOption = None,
    wide: WideOption = False,
) -> None:
    """Serials and batches on the shelves expiring (or reaching their alert date) soon, and
    those expired already."""
    with inventory() as inv:
        report = inv.report_table("expiring", days=days, location=location, sku=sku)
        emit(report, output, wide=wide)


@app.command("discrepancies")
def discrepancies(
    state: Annotated[str, typer.Option(help="open, resolved or all.")] = "all",
    output: OutputOption = None,
    wide: WideOption = False,
) -> None:
    """What to investigate: serials sold without a receipt, count differences (the id is what
    `discrepancy-resolve` takes)."""
    with inventory() as inv:
        emit(inv.report_table("discrepancies", state=state), output, wide=wide)


@app.command("delete-serial")
def delete_serial(
    sku: str,
    code: str,
    reason: Annotated[str | None, typer.Option(help="Why it was a mistake.")] = None,
) -> None:
    """Delete a serial entered by mistake (only if nothing but its receipt touched it)."""
    with inventory() as inv:
        number = inv.delete_serial(sku, code, reason=reason)
    out.print(f"{sku} {code} deleted; {number} has one unit less")


@app.command("switch-tracking")
def switch_tracking(
    sku: str,
    tracking: Annotated[str, typer.Argument(help="none, serial or batch.")],
    assign: Annotated[
        list[str] | None,
        typer.Option("--assign", help="STORE=FILE: serials for the units on hand at STORE."),
    ] = None,
    generate: Annotated[
        bool,
        typer.Option("--generate", help="New serials from the pattern for every unit on hand."),
    ] = False,
) -> None:
    """Switch a product's tracking; with stock on hand only to serial, with --assign or
    --generate (then print their labels: serialtrack labels SA-000001)."""
    serials: dict[str, list[str]] = {}
    for text in assign or ():
        store, sep, path = text.partition("=")
        if not sep:
            raise typer.BadParameter(f"{text!r}: write STORE=FILE", param_hint="--assign")
        codes = read_text(Path(path)).split()
        serials[store.strip()] = codes
    with inventory() as inv:
        document = inv.switch_tracking(sku, tracking, serials=serials or None, generate=generate)
    out.print(f"{sku} is now {tracking}-tracked")
    if document is not None:
        units = sum(line["quantity"] for line in document.lines)
        out.print(f"serial assignment {document.number} posted: {plural(units, 'unit')}")
