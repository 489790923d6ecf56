"""CLI commands for documents and the read side: receive, sell, return, cancel, report."""

from __future__ import annotations

import csv
import itertools
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from serialtrack.domain.entry import parse_entry, rule_codes
from serialtrack.domain.errors import Conflict, NotFound
from serialtrack.domain.model import BatchInput, LineInput, TrackingMode
from serialtrack.domain.rules import title
from serialtrack.entrypoints.cli import _table, app, inventory, out, report_app
from serialtrack.entrypoints.cli_output import (
    OutputOption,
    Shown,
    WideOption,
    emit,
    plural,
    say,
    write_text,
)
from serialtrack.inventory import Inventory
from serialtrack.inventory_exports import words as status_words
from serialtrack.services.assembly import UnitInput
from serialtrack.services.queries import REPORT_COLUMNS, SUMMARY_MOVES, DocumentView

Sku = Annotated[str, typer.Option("--sku", help="The product's SKU.")]
Serials = Annotated[list[str] | None, typer.Argument(help="Serial codes, one per unit.")]
Quantity = Annotated[
    int | None, typer.Option(help="Quantity, for products without serial tracking.")
]
Location = Annotated[str, typer.Option("--location", help="The store or warehouse.")]
Number = Annotated[
    str | None, typer.Option(help="Document number (default: the next of its kind).")
]
Reference = Annotated[
    str | None, typer.Option(help="The partner's reference, e.g. the supplier's invoice.")
]
When = Annotated[
    str | None, typer.Option("--date", help="Document date, YYYY-MM-DD (default: today).")
]
Draft = Annotated[
    bool, typer.Option("--draft", help="Save as a draft (serials are held) instead of posting.")
]
ReturnReason = Annotated[
    str | None, typer.Option(help="Why the goods come back: defective, wrong item, ...")
]


Ranges = Annotated[
    list[str] | None,
    typer.Option("--range", help="Codes START..END, e.g. SN-0001..SN-0100 (repeatable)."),
]
Rule = Annotated[
    str | None,
    typer.Option(
        "--rule",
        help="A numbering rule, e.g. prefix=SN-,start=1,count=10 (also increment, width, suffix).",
    ),
]
Generate = Annotated[
    int | None, typer.Option("--generate", help="N new codes from the product's serial pattern.")
]
FromFile = Annotated[
    Path | None,
    typer.Option("--from-file", help="A text file of codes and ranges, one per line or pasted."),
]
RULE_FIELDS = {
    "prefix": str,
    "suffix": str,
    "start": int,
    "increment": int,
    "count": int,
    "width": int,
}


@dataclass(frozen=True)
class Entry:
    """Every way a serial can be given on the command line, gathered for one line."""

    serials: list[str] | None = None
    ranges: list[str] | None = None
    rule: str | None = None
    generate: int | None = None
    from_file: Path | None = None

    def codes(self, inv: Inventory, sku: str) -> tuple[str, ...]:
        codes: list[str] = []
        given = [*(self.serials or ()), *(self.ranges or ())]
        if given:
            codes += parse_entry(given, where="serials").codes
        if self.from_file is not None:
            codes += parse_entry(read_text(self.from_file), where=str(self.from_file)).codes
        if self.rule:
            codes += rule_codes(**_rule_fields(self.rule), where="--rule")
        if self.generate:
            codes += inv.generate_serials(sku, self.generate)
        return tuple(codes)


def _rule_fields(text: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not sep or key not in RULE_FIELDS:
            raise typer.BadParameter(
                f"{part!r}: write field=value with fields {', '.join(RULE_FIELDS)}",
                param_hint="--rule",
            )
        try:
            fields[key] = RULE_FIELDS[key](value)
        except ValueError:
            raise typer.BadParameter(f"{key} must be a whole number", param_hint="--rule") from None
    missing = [k for k in ("start", "count") if k not in fields]
    if missing:
        raise typer.BadParameter(f"missing {', '.join(missing)}", param_hint="--rule")
    return {"prefix": "", "increment": 1, **fields}


def read_text(path: Path) -> str:
    """A text file as typed: UTF-8 (with or without BOM), else Latin-1 from older tools."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise typer.BadParameter(f"cannot read {path}: {error.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


Batches = Annotated[
    list[str] | None,
    typer.Option(
        "--batch",
        help="A batch: CODE:QUANTITY[:EXPIRY YYYY-MM-DD] (repeatable); for a serial+batch "
        "product, the batch CODE of the serials received (with --expiry).",
    ),
]
Expiry = Annotated[
    str | None, typer.Option("--expiry", help="Expiry of the serials received, YYYY-MM-DD.")
]
WarrantyDays = Annotated[
    int | None, typer.Option(help="Supplier warranty in days for this line (over the product's).")
]
AllowExpired = Annotated[
    bool, typer.Option("--allow-expired", help="Managers: take units past their expiry date.")
]


def _line(
    inv: Inventory,
    sku: str,
    entry: Entry,
    quantity: int | None,
    *,
    batches: list[str] | None = None,
    expiry: str | None = None,
    warranty_days: int | None = None,
) -> LineInput:
    if batches and ":" not in batches[0] and _serial_batch(inv, sku):
        if len(batches) > 1:  # one batch per line: a receipt of several is several commands
            raise typer.BadParameter("one batch per line for a serial+batch product",
                                     param_hint="--batch")  # fmt: skip
        codes = entry.codes(inv, sku)
        when = _date(expiry, "--expiry")
        return LineInput(sku, quantity, codes, (), when, warranty_days, batch=batches[0])
    parts = tuple(_batch(text) for text in batches or ())
    codes = entry.codes(inv, sku) if not parts else ()
    return LineInput(sku, quantity, codes, parts, _date(expiry, "--expiry"), warranty_days)


LineTexts = Annotated[
    list[str] | None,
    typer.Option(
        "--line",
        help="One product of the document (repeatable, beside --sku or instead): "
        "SKU:SN1,SN2 (serials, ranges SN1..SN9), SKU:QUANTITY, or "
        "SKU:batch=CODE:QUANTITY[:EXPIRY] (several batches comma-separated; serial+batch: "
        "SKU:batch=CODE:SN1,SN2).",
    ),
]
OptionalSku = Annotated[
    str | None, typer.Option("--sku", help="The product's SKU (or give each with --line).")
]


def _lines(
    inv: Inventory,
    sku: str | None,
    entry: Entry,
    quantity: int | None,
    texts: list[str] | None,
    *,
    batches: list[str] | None = None,
    expiry: str | None = None,
    warranty_days: int | None = None,
) -> list[LineInput]:
    """The document's lines: the ``--sku`` line (serials, ``--quantity``, ``--batch``...), then
    one per ``--line``; a receipt of three products is one command, one document. ``expiry``
    and ``warranty_days`` (a receipt's) hold for each line bringing serials in."""
    lines: list[LineInput] = []
    if sku is not None:
        lines.append(_line(inv, sku, entry, quantity, batches=batches, expiry=expiry,
                           warranty_days=warranty_days))  # fmt: skip
    elif any(vars(entry).values()) or quantity is not None or batches:
        raise typer.BadParameter(
            "serials, --quantity and --batch go with --sku; a --line carries its own",
            param_hint="--sku",
        )
    when = _date(expiry, "--expiry")
    for text in texts or ():  # --expiry and --warranty-days: of every line's serials received
        given = _line_text(inv, text)
        if given.serials and (when or warranty_days is not None):
            given = replace(given, expiry=when, warranty_days=warranty_days)
        lines.append(given)
    if not lines:
        raise typer.BadParameter("name a product: --sku SKU or --line SKU:...", param_hint="--sku")
    return lines


def _line_text(inv: Inventory, text: str) -> LineInput:
    """One ``--line``: ``SKU:SN1,SN2``, ``SKU:5`` or ``SKU:batch=L1:12[:EXPIRY][,L2:3]``."""
    sku, sep, rest = (part.strip() for part in text.partition(":"))
    if not sep or not sku or not rest:
        raise typer.BadParameter(
            f"{text!r}: write SKU:SN1,SN2 or SKU:QUANTITY or SKU:batch=CODE:QUANTITY",
            param_hint="--line",
        )
    if rest.isdigit():
        return LineInput(sku, int(rest))
    if rest.lower().startswith("batch="):
        if _serial_batch(inv, sku):  # SKU:batch=L1:SN1,SN2: serials received into batch L1
            code, _, serials = rest[len("batch=") :].partition(":")
            codes = Entry([c for c in serials.split(",") if c.strip()]).codes(inv, sku)
            return LineInput(sku, None, codes, batch=code.strip())
        parts = [p.strip() for p in rest.split(",") if p.strip()]
        given = [p[len("batch=") :] if p.lower().startswith("batch=") else p for p in parts]
        return LineInput(sku, None, (), tuple(_batch(p) for p in given))
    return LineInput(sku, None, Entry([c for c in rest.split(",") if c.strip()]).codes(inv, sku))


def _serial_batch(inv: Inventory, sku: str) -> bool:
    try:
        return inv.product(sku).tracking is TrackingMode.SERIAL_BATCH
    except NotFound:
        return False  # the document's checks name the unknown SKU


def _batch(text: str) -> BatchInput:
    code, _, rest = text.partition(":")
    quantity, _, expiry = rest.partition(":")
    if not code.strip() or not quantity.strip().isdigit():
        raise typer.BadParameter(f"{text!r}: write CODE:QUANTITY[:EXPIRY]", param_hint="--batch")
    return BatchInput(code.strip(), int(quantity), _date(expiry or None, "--batch"))


def _date(text: str | None, hint: str = "--date") -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date like 2026-03-31", param_hint=hint
        ) from None


def _done(document: DocumentView) -> None:
    count = sum(line.get("serials_total") or line["quantity"] for line in document.lines)
    word = title(document.kind).lower()  # "sale", "sales return (credit note)"...
    out.print(f"{word} {document.number} {document.state.value}: {plural(count, 'unit')}")


@app.command()
def receive(
    supplier: Annotated[str, typer.Option(help="The supplier.")],
    location: Location,
    serials: Serials = None,
    sku: OptionalSku = None,
    line: LineTexts = None,
    quantity: Quantity = None,
    ranges: Ranges = None,
    rule: Rule = None,
    generate: Generate = None,
    from_file: FromFile = None,
    number: Number = None,
    reference: Reference = None,
    when: When = None,
    draft: Draft = False,
    batch: Batches = None,
    expiry: Expiry = None,
    warranty_days: WarrantyDays = None,
) -> None:
    """Receive goods from a supplier (a purchase receipt)."""
    header = {"number": number, "reference": reference, "date": _date(when), "post": not draft}
    entry = Entry(serials, ranges, rule, generate, from_file)
    with inventory() as inv:
        lines = _lines(inv, sku, entry, quantity, line, batches=batch, expiry=expiry,
                       warranty_days=warranty_days)  # fmt: skip
        _done(inv.receive(supplier=supplier, location=location, lines=lines, **header))


@app.command()
def sell(
    location: Location,
    serials: Serials = None,
    sku: OptionalSku = None,
    line: LineTexts = None,
    quantity: Quantity = None,
    customer: Annotated[str | None, typer.Option(help="The customer.")] = None,
    ranges: Ranges = None,
    rule: Rule = None,
    from_file: FromFile = None,
    number: Number = None,
    when: When = None,
    draft: Draft = False,
    batch: Batches = None,
    allow_expired: AllowExpired = False,
) -> None:
    """Sell units from a location (an invoice or POS sale)."""
    header = {"number": number, "date": _date(when), "post": not draft,
              "allow_expired": allow_expired}  # fmt: skip
    entry = Entry(serials, ranges, rule, None, from_file)
    with inventory() as inv:
        lines = _lines(inv, sku, entry, quantity, line, batches=batch)
        _done(inv.sell(customer=customer, location=location, lines=lines, **header))


@app.command("return")
def return_(
    location: Location,
    serials: Serials = None,
    sku: OptionalSku = None,
    line: LineTexts = None,
    quantity: Quantity = None,
    customer: Annotated[str | None, typer.Option(help="The customer returning the goods.")] = None,
    invoice: Annotated[str | None, typer.Option(help="Only serials sold on this sale.")] = None,
    ranges: Ranges = None,
    rule: Rule = None,
    from_file: FromFile = None,
    number: Number = None,
    when: When = None,
    reason: ReturnReason = None,
) -> None:
    """Take goods back from a customer (a sales return / credit note)."""
    entry = Entry(serials, ranges, rule, None, from_file)
    with inventory() as inv:
        lines = _lines(inv, sku, entry, quantity, line)
        document = inv.return_from_customer(
            customer=customer,
            location=location,
            invoice=invoice,
            lines=lines,
            number=number,
            date=_date(when),
            note=reason,
        )
        _done(document)


@app.command("return-to-supplier")
def return_to_supplier(
    supplier: Annotated[str, typer.Option(help="The supplier.")],
    location: Location,
    serials: Serials = None,
    sku: OptionalSku = None,
    line: LineTexts = None,
    quantity: Quantity = None,
    receipt: Annotated[str | None, typer.Option(help="Only serials of this receipt.")] = None,
    ranges: Ranges = None,
    rule: Rule = None,
    from_file: FromFile = None,
    number: Number = None,
    when: When = None,
    reason: ReturnReason = None,
) -> None:
    """Send goods back to a supplier (a purchase return / debit note)."""
    entry = Entry(serials, ranges, rule, None, from_file)
    with inventory() as inv:
        lines = _lines(inv, sku, entry, quantity, line)
        document = inv.return_to_supplier(
            supplier=supplier,
            location=location,
            receipt=receipt,
            lines=lines,
            number=number,
            date=_date(when),
            note=reason,
        )
        _done(document)


transfer_app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="Transfers between stores: dispatch, receive, one step, what is in transit.",
)
app.add_typer(transfer_app, name="transfer")
Source = Annotated[str, typer.Option("--from", help="The store the goods leave.")]
Destination = Annotated[str, typer.Option("--to", help="The store the goods go to.")]
Note = Annotated[str | None, typer.Option(help="A note kept on the document.")]


@app.command()
def assemble(
    sku: Sku,
    location: Location,
    units: Annotated[
        list[str],
        typer.Argument(help="Each unit: [SERIAL=]PART,PART,... (no SERIAL: the next generated)."),
    ],
    when: When = None,
    note: Note = None,
) -> None:
    """Assemble units of a serial-tracked bundle ahead, into stock (KIT-1 K-1=P1,C1 K-2=P2,C2)."""
    given = []
    for text in units:
        serial, _, parts = text.rpartition("=")
        codes = tuple(c.strip() for c in parts.split(",") if c.strip())
        given.append(UnitInput(serial.strip() or None, codes))
    with inventory() as inv:
        document = inv.assemble(sku, location=location, units=given, date=_date(when), note=note)
    made = [line["serials"][0] for line in document.lines if line["sku"] == sku]
    out.print(f"assembly {document.number} posted: {len(made)} x {sku} ({', '.join(made)})",
              markup=False)  # fmt: skip


@app.command()
def disassemble(
    sku: Sku,
    location: Location,
    serials: Annotated[list[str], typer.Argument(help="The units to take apart.")],
    when: When = None,
    note: Note = None,
) -> None:
    """Take assembled bundle units apart: their parts come back into stock."""
    with inventory() as inv:
        document = inv.disassemble(sku, serials, location=location, date=_date(when), note=note)
    parts = sum(len(line["serials"]) or line["quantity"] for line in document.lines) - len(serials)
    out.print(f"disassembly {document.number} posted: {len(serials)} x {sku}, {parts} parts back",
              markup=False)  # fmt: skip


@transfer_app.command("dispatch")
def transfer_dispatch(
    source: Source,
    destination: Destination,
    serials: Serials = None,
    sku: OptionalSku = None,
    line: LineTexts = None,
    quantity: Quantity = None,
    ranges: Ranges = None,
    rule: Rule = None,
    from_file: FromFile = None,
    number: Number = None,
    when: When = None,
    note: Note = None,
    draft: Draft = False,
) -> None:
    """Send goods to another store: they are in transit until it receives them."""
    entry = Entry(serials, ranges, rule, None, from_file)
    header = {"number": number, "date": _date(when), "note": note, "post": not draft}
    with inventory() as inv:
        lines = _lines(inv, sku, entry, quantity, line)
        document = inv.dispatch(source=source, destination=destination, lines=lines, **header)
        _done(document)
        if document.state.value == "posted":
            out.print(f"in transit from {document.from_location} to {document.destination}")


@transfer_app.command("receive")
def transfer_receive(
    dispatch: Annotated[str, typer.Argument(help="The transfer's number (its dispatch).")],
    serials: Serials = None,
    sku: Annotated[
        str | None, typer.Option("--sku", help="The product (default: all still in transit).")
    ] = None,
    quantity: Quantity = None,
    location: Annotated[
        str | None, typer.Option(help="The receiving store (default: where it is bound).")
    ] = None,
    ranges: Ranges = None,
    from_file: FromFile = None,
    number: Number = None,
    when: When = None,
) -> None:
    """Receive what arrived of a transfer; what did not arrive stays in transit on it."""
    header = {"location": location, "number": number, "date": _date(when)}
    with inventory() as inv:
        if sku is None:
            if serials or ranges or from_file or quantity is not None:
                raise typer.BadParameter("say which product with --sku", param_hint="--sku")
            document = inv.receive_transfer(dispatch=dispatch, **header)
        else:
            line = _line(inv, sku, Entry(serials, ranges, None, None, from_file), quantity)
            document = inv.receive_transfer(dispatch=dispatch, lines=[line], **header)
        _done(document)
        left = inv.document(dispatch).in_transit
        still = sum(r["quantity"] for r in left)
        out.print(
            f"{dispatch}: {plural(still, 'unit')} still in transit"
            if still
            else f"{dispatch}: all received"
        )


@transfer_app.command("close")
def transfer_close(
    dispatch: Annotated[str, typer.Argument(help="The transfer's number (its dispatch).")],
    back: Annotated[
        bool, typer.Option("--back", help="What is still in transit goes back to the source.")
    ] = False,
    lost: Annotated[
        bool, typer.Option("--write-off", help="Write it off as lost (a manager's).")
    ] = False,
    reason: Annotated[str | None, typer.Option(help="Why it is written off.")] = None,
    when: When = None,
) -> None:
    """Close a transfer short: what never arrived goes back to the source (--back) or is
    written off as lost (--write-off --reason ...); the transfer leaves "in transit"."""
    if back == lost:
        raise typer.BadParameter("say --back or --write-off", param_hint="--back")
    outcome = "write_off" if lost else "back"
    with inventory() as inv:
        made = inv.close_transfer(dispatch, outcome=outcome, reason=reason, date=_date(when))
        for document in made:
            _done(document)
    out.print(f"{dispatch.strip()}: closed, nothing left in transit")


@transfer_app.command("direct")
def transfer_direct(
    source: Source,
    destination: Destination,
    serials: Serials = None,
    sku: OptionalSku = None,
    line: LineTexts = None,
    quantity: Quantity = None,
    ranges: Ranges = None,
    rule: Rule = None,
    from_file: FromFile = None,
    number: Number = None,
    when: When = None,
    note: Note = None,
    draft: Draft = False,
) -> None:
    """Move goods between two stores in one step (inside one site)."""
    entry = Entry(serials, ranges, rule, None, from_file)
    header = {"number": number, "date": _date(when), "note": note, "post": not draft}
    with inventory() as inv:
        lines = _lines(inv, sku, entry, quantity, line)
        _done(inv.transfer(source=source, destination=destination, lines=lines, **header))


@transfer_app.command("list")
def transfer_list(output: OutputOption = None, wide: WideOption = False) -> None:
    """Transfers not fully received: what is still in transit, per transfer and product."""
    with inventory() as inv:
        emit(inv.report_table("in-transit"), output, wide=wide)


@app.command("hold")
def hold(
    location: Location,
    reason: Annotated[str, typer.Option(help="Why: the recall notice, a suspected fault...")],
    serials: Serials = None,
    sku: OptionalSku = None,
    line: LineTexts = None,
    quantity: Quantity = None,
    batch: Batches = None,
    ranges: Ranges = None,
    from_file: FromFile = None,
    number: Number = None,
    when: When = None,
) -> None:
    """Put stock on hold (quarantine): nobody sells, moves or writes it off until released."""
    entry = Entry(serials, ranges, None, None, from_file)
    header = {"number": number, "date": _date(when)}
    with inventory() as inv:
        lines = _lines(inv, sku, entry, quantity, line, batches=batch)
        _done(inv.hold(location=location, lines=lines, reason=reason, **header))


@app.command("release")
def release(
    hold: Annotated[str, typer.Argument(help="The hold's number (HD-000001).")],
    number: Number = None,
    when: When = None,
) -> None:
    """Release all a hold still has back to the store it came from (managers)."""
    with inventory() as inv:
        _done(inv.release(hold=hold, number=number, date=_date(when)))


@app.command("holds")
def holds(output: OutputOption = None, wide: WideOption = False) -> None:
    """What is on hold: per hold and product, the serials and batches not yet released."""
    with inventory() as inv:
        emit(inv.report_table("on-hold"), output, wide=wide)


@app.command("write-off")
def write_off(
    location: Location,
    reason: Annotated[str, typer.Option(help="Why: damaged, lost, expired, ...")],
    serials: Serials = None,
    sku: OptionalSku = None,
    line: LineTexts = None,
    quantity: Quantity = None,
    ranges: Ranges = None,
    rule: Rule = None,
    from_file: FromFile = None,
    number: Number = None,
    when: When = None,
    draft: Draft = False,
) -> None:
    """Write goods off to scrap (damaged, lost, expired), with the reason."""
    entry = Entry(serials, ranges, rule, None, from_file)
    header = {"number": number, "date": _date(when), "post": not draft}
    with inventory() as inv:
        lines = _lines(inv, sku, entry, quantity, line)
        _done(inv.write_off(location=location, lines=lines, reason=reason, **header))


@app.command()
def correct(
    sku: Annotated[str, typer.Argument(help="The product's SKU.")],
    code: Annotated[str, typer.Argument(help="The serial's code as it is now (mistyped).")],
    new_code: Annotated[str, typer.Argument(help="The right code.")],
    reason: Annotated[str | None, typer.Option(help="Why, kept with the change.")] = None,
) -> None:
    """Correct a mistyped serial code; its history stays and the old code stays searchable."""
    with inventory() as inv:
        s = inv.correct_serial(sku, code, new_code, reason=reason)
    out.print(f"{s.sku} {code.strip()} is now {s.code} (formerly {', '.join(s.old_codes)})")


SCAN_WORDS = {"plain": "plain", "gs1": "GS1", "digital_link": "GS1 Digital Link"}


@app.command()
def scan(text: str) -> None:
    """Read a scanned code (plain, GS1 element string or Digital Link): product and unit."""
    with inventory() as inv:
        found = inv.scan(text)
    details = [
        f"{name}: {value}"
        for name, value in (
            ("product", found.sku), ("serial", found.serial), ("batch", found.batch),
            ("expiry", found.expiry), ("GTIN", found.gtin),
            ("status", status_words(found.status) if found.status else None),
            ("location", found.location),
        )
        if value is not None
    ]  # fmt: skip
    out.print(f"{SCAN_WORDS[found.kind]} scan · " + " · ".join(details), markup=False)
    if found.message:
        out.print(found.message, markup=False)


@app.command()
def refund(
    scans: Annotated[
        list[str], typer.Argument(help="Serials coming back, or a sales slip's number.")
    ],
    location: Annotated[
        str | None,
        typer.Option(help="Where the goods go (a store, or a quarantine location)."),
    ] = None,
    reason: ReturnReason = None,
    when: When = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what the scans name; write nothing.")
    ] = False,
) -> None:
    """Refund by scan: each serial finds its sale (invoice, customer, warranty); one sales
    return (credit note) per invoice takes them back, with the reason."""
    with inventory() as inv:
        units = inv.sold_units(scans)
        rows = [
            [u.sku, u.serial, u.invoice, u.customer or "walk-in", u.sold_on.isoformat(),
             u.warranty_until.isoformat() if u.warranty_until else "",
             "yes" if u.under_warranty else "no"]
            for u in units
        ]  # fmt: skip
        _table("Sold units", ["SKU", "serial", "invoice", "customer", "sold on",
                              "warranty until", "under warranty"], rows)  # fmt: skip
        if dry_run:
            return
        if not location or not (reason or "").strip():
            raise typer.BadParameter("--location and --reason are needed to refund")
        for document in inv.refund(scans, location=location, reason=reason or "",
                                   date=_date(when)):  # fmt: skip
            _done(document)


@app.command("supplier-return")
def supplier_return(
    scans: Annotated[list[str], typer.Argument(help="Serials going back to their supplier.")],
    location: Location,
    reason: ReturnReason = None,
    supplier: Annotated[
        str | None, typer.Option(help="For units that came in without a receipt.")
    ] = None,
    when: When = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what the scans name; write nothing.")
    ] = False,
) -> None:
    """Purchase return by scan: units in stock at --location go back to the supplier of the
    receipt each came in on, one purchase return (debit note) per receipt, with the reason."""
    with inventory() as inv:
        units = inv.stock_units(scans, location=location)
        rows = [[u.sku, u.serial, u.receipt or "", u.supplier or "",
                 u.received_on.isoformat() if u.received_on else ""] for u in units]  # fmt: skip
        _table("Units in stock", ["SKU", "serial", "receipt", "supplier", "received on"], rows)
        if dry_run:
            return
        if not (reason or "").strip():
            raise typer.BadParameter("--reason is needed to send units back")
        made = inv.return_scanned_to_suppliers(
            scans, location=location, reason=reason or "", supplier=supplier, date=_date(when)
        )
        for document in made:
            _done(document)


@app.command()
def post(number: str) -> None:
    """Post a draft document."""
    with inventory() as inv:
        _done(inv.post(number))


@app.command()
def cancel(number: str) -> None:
    """Cancel a posted document: its moves are reversed exactly, or nothing happens. A draft
    (an open count too) is discarded instead: ``serialtrack discard NUMBER``."""
    with inventory() as inv:
        try:
            _done(inv.cancel(number))
        except Conflict as refusal:
            if refusal.problems and refusal.problems[0].where == "state":  # a draft
                count = inv.document(number).kind.value == "inventory_count"
                how = "count discard" if count else "discard"
                raise Conflict(f"{refusal.message}: serialtrack {how} {number.strip()}") from None
            raise


@app.command()
def discard(number: str) -> None:
    """Discard a draft (or an open count): it wrote nothing; its number stays accounted for."""
    with inventory() as inv:
        inv.delete_draft(number)
    out.print(f"{number.strip()} discarded")


@app.command()
def document(
    number: str,
    all_serials: Annotated[
        bool, typer.Option("--all", help="List every serial of a large document.")
    ] = False,
) -> None:
    """Show a document with its lines (a large one: the first serials of each and counts)."""
    with inventory() as inv:
        d = inv.document(number, moves_limit=None if all_serials else SUMMARY_MOVES)
    partner = f" · {d.partner}" if d.partner else ""
    bound = f" (bound for {d.destination})" if d.destination not in (None, d.to_location) else ""
    origin = f" · on {d.origin}" if d.origin else ""
    out.print(
        f"{title(d.kind).lower()} {d.number} · {d.state.value} · {d.date}{partner} · "
        f"{d.from_location} → {d.to_location}{bound}{origin}",
        markup=False,
    )
    if d.note:
        out.print(f"  note: {d.note}", markup=False)
    heads = {b["lines"][0]: b for b in d.bundles if b["lines"]}
    for line in d.lines:
        if (bundle := heads.get(line["line_no"])) is not None:
            out.print(f"  bundle {bundle['sku']} x {bundle['quantity']}: {bundle['name']}",
                      markup=False)  # fmt: skip
        indent = "    " if line.get("bundle") else "  "
        more = line.get("serials_total", 0) - len(line["serials"])
        out.print(
            f"{indent}{line['line_no']}. {line['sku']} x {line['quantity']}  "
            f"{' '.join(line['serials'])}" + (f" … and {more:,} more (--all lists them)"
                                               if more > 0 else ""),
            markup=False,
        )  # fmt: skip
    for left in d.in_transit:
        out.print(
            f"  still in transit: {left['sku']} x {left['quantity']}  {' '.join(left['serials'])}"
        )
    if d.received_by:
        out.print(f"  received by: {', '.join(d.received_by)}")


def _serial_facts(s: Any) -> list[tuple[str, str]]:
    facts = []
    if s.receipt:
        facts.append(("received", f"{s.receipt} from {s.supplier or '-'} on {s.received_on}"))
    if s.sale:
        facts.append(("sold", f"{s.sale} to {s.customer or 'walk-in'} on {s.sold_on}"))
    if s.supplier_warranty_until:
        facts.append(("supplier warranty until", str(s.supplier_warranty_until)))
    if s.customer_warranty_until:
        facts.append(("customer warranty until", str(s.customer_warranty_until)))
    if s.batch:
        facts.append(("batch", s.batch))
    if s.expiry:
        facts.append(("expiry", f"{s.expiry}{' (expired)' if s.expired else ''}"))
    return facts


@app.command()
def serial(sku: str, code: str) -> None:
    """Where a serial is, its status, and its full history."""
    with inventory() as inv:
        s = inv.serial(sku, code)
    held = f" (held by {s.reserved_by})" if s.reserved_by else ""
    holder = f" · {s.holder}" if s.holder else ""
    out.print(f"{s.sku} {s.code}: {status_words(s.status)}{held} at {s.location}{holder}")
    if s.transfer or s.inside:
        out.print(s.summary, markup=False)
    if s.contents:
        out.print(f"contents: {', '.join(s.contents)}", markup=False)
    for words, value in _serial_facts(s):
        out.print(f"{words}: {value}")
    if s.old_codes:
        out.print(f"formerly: {', '.join(s.old_codes)}")
    rows = [
        [
            m.at.strftime("%Y-%m-%d %H:%M"),
            m.document_number
            + (f" (in bundle {m.bundle})" if m.bundle else "")
            + (" (cancelled)" if m.reversal else ""),
            m.from_location,
            m.to_location,
            m.user,
        ]
        for m in s.history
    ]
    _table("History", ["when", "document", "from", "to", "user"], rows)
    if s.corrections:
        changes = [
            [c.at.strftime("%Y-%m-%d %H:%M"), c.old_code, c.new_code, c.user, c.reason]
            for c in s.corrections
        ]
        _table("Code corrections", ["when", "old code", "new code", "user", "reason"], changes)


Limit = Annotated[
    int, typer.Option(min=1, help="Rows shown on the screen (--output writes them all).")
]


@app.command()
def serials(
    sku: Annotated[str | None, typer.Option(help="Only this product.")] = None,
    status: Annotated[str | None, typer.Option(help="in_stock, reserved, sold, ...")] = None,
    location: Annotated[str | None, typer.Option(help="Only at this location.")] = None,
    text: Annotated[str | None, typer.Option(help="Codes starting with this text.")] = None,
    limit: Limit = 100,
    output: OutputOption = None,
    wide: WideOption = False,
) -> None:
    """List serials, filtered."""
    filters = {"sku": sku, "status": status, "location": location, "text": text}
    with inventory() as inv:
        shown = emit(inv.report_table("serial-list", **filters), output, wide=wide, limit=limit)
    _more(shown, limit)


@app.command()
def documents(
    kind: Annotated[str | None, typer.Option(help="receipt, sale, dispatch, ...")] = None,
    state: Annotated[str | None, typer.Option(help="draft, posted or cancelled.")] = None,
    partner: Annotated[str | None, typer.Option(help="Of this supplier or customer.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="Dated from, Y-M-D.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Dated to, included.")] = None,
    limit: Limit = 100,
    output: OutputOption = None,
    wide: WideOption = False,
) -> None:
    """List documents, newest first, filtered (`serialtrack document NUMBER` shows one)."""
    filters = {"kind": kind, "state": state, "partner": partner,
               "date_from": _date(date_from, "--from"),
               "date_to": _date(date_to, "--to")}  # fmt: skip
    with inventory() as inv:
        shown = emit(inv.report_table("documents", **filters), output, wide=wide, limit=limit)
    _more(shown, limit)


def _more(shown: Shown | None, limit: int) -> None:
    if shown is not None and shown.more:
        say(f"the first {limit} shown: more with --limit, all with --output FILE")


@report_app.command("serials")
def report_serials(
    csv_file: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            metavar="FILE",
            help="Write CSV with the API's column names (as GET /api/v1/report.csv) to FILE "
            "('-': stdout).",
        ),
    ] = None,
    output: OutputOption = None,
    wide: WideOption = False,
    sku: Annotated[str | None, typer.Option(help="Only this product.")] = None,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    location: Annotated[str | None, typer.Option(help="Only at this location.")] = None,
    partner: Annotated[str | None, typer.Option(help="Bought from or sold to.")] = None,
    received_from: Annotated[str | None, typer.Option(help="Received on or after.")] = None,
    received_to: Annotated[str | None, typer.Option(help="Received on or before.")] = None,
    sold_from: Annotated[str | None, typer.Option(help="Sold on or after.")] = None,
    sold_to: Annotated[str | None, typer.Option(help="Sold on or before.")] = None,
) -> None:
    """The product serial number report: purchase and sale of every serial.

    Every filter is checked before anything is written: an unknown SKU, location, partner
    or status, a bad date or a from after its to is an error (exit 1), never half a file."""
    if csv_file is not None and output is not None:
        raise typer.BadParameter("give --csv or --output, not both", param_hint="--csv")
    with inventory() as inv:
        given = {
            "sku": sku, "status": status, "location": location, "partner": partner,
            "received_from": received_from, "received_to": received_to,
            "sold_from": sold_from, "sold_to": sold_to,
        }  # fmt: skip
        if csv_file is None:
            emit(inv.report_table("serials", **given), output, wide=wide)
            return
        _write_csv(csv_file, _checked_first(inv.report(**given)))


def _checked_first(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The rows, with the first already fetched: a refusal raised lazily by the stream comes
    here, before the header is printed or the file opened."""
    first = next(rows, None)
    return rows if first is None else itertools.chain([first], rows)


def _write_csv(path: Path, rows: Iterator[tuple[Any, ...]]) -> None:
    """The report's CSV with the API's column names, written whole or not at all."""
    from serialtrack.adapters.files import safe_cell

    def fill(stream: IO[str]) -> int:
        writer = csv.writer(stream)
        writer.writerow(REPORT_COLUMNS)
        count = 0
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
            count += 1
        return count

    if str(path) == "-":
        fill(sys.stdout)
        return
    count = write_text(path, fill)
    out.print(f"{plural(count, 'row')} written to {path}", markup=False)
