"""The operator's command line: parse, call ``Inventory``, print; errors are one clear line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

import serialtrack
from serialtrack.config import Settings
from serialtrack.domain.errors import SerialtrackError
from serialtrack.domain.reports import Column, Report
from serialtrack.entrypoints import cli_output, wording
from serialtrack.entrypoints.cli_output import OutputOption, WideOption, emit, err, out
from serialtrack.inventory import Inventory

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="serialtrack: track every unit by its serial number.",
)
product_app = typer.Typer(
    no_args_is_help=True, pretty_exceptions_show_locals=False, help="Products: add, list."
)
location_app = typer.Typer(
    no_args_is_help=True, pretty_exceptions_show_locals=False, help="Locations: add, list."
)
partner_app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="Suppliers and customers: add, list.",
)
report_app = typer.Typer(no_args_is_help=True, pretty_exceptions_show_locals=False, help="Reports.")
setting_app = typer.Typer(
    no_args_is_help=True, pretty_exceptions_show_locals=False, help="The shop's settings."
)
app.add_typer(product_app, name="product")
app.add_typer(location_app, name="location")
app.add_typer(partner_app, name="partner")
app.add_typer(report_app, name="report")
app.add_typer(setting_app, name="setting")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL (default: $SERIALTRACK_DATABASE_URL or ./serialtrack.db)."
    ),
]
UserOption = Annotated[
    str | None,
    typer.Option("--user", help="Act as this user (default: $SERIALTRACK_USER or admin)."),
]


class Context:
    def __init__(self) -> None:
        self.settings = Settings.from_env()


state = Context()


GlobalWide = Annotated[
    bool,
    typer.Option(
        "--wide", help="Tables show every column, however long the lines get (default: they "
        "fit the terminal, leaving columns out; report commands also take --wide).",
    ),
]  # fmt: skip


@app.callback()
def _options(db: DbOption = None, user: UserOption = None, wide: GlobalWide = False) -> None:
    state.settings = Settings.from_env(db, user)
    cli_output.screen.wide = wide


@contextmanager
def inventory() -> Iterator[Inventory]:
    """Open the inventory; turn every refusal into one line on stderr and exit code 1."""
    try:
        inv = serialtrack.open(state.settings.database_url, user=state.settings.user)
    except SerialtrackError as error:
        _fail(error)
    try:
        yield inv
    except SerialtrackError as error:
        _fail(error)
    finally:
        inv.close()


def _fail(error: SerialtrackError) -> None:
    err.print(f"error: {wording.plainly(error.message)}", markup=False)
    for problem in error.problems[:50]:
        err.print(f"  {wording.problem_line(problem)}", markup=False)
    if len(error.problems) > 50:
        err.print(f"  ... and {len(error.problems) - 50} more", markup=False)
    raise typer.Exit(1)


def _table(title: str, columns: list[str], rows: list[list[Any]], *, wide: bool = False) -> None:
    """An ad hoc table that fits the terminal unless ``wide`` (see ``cli_output``)."""
    cli_output.table(title, columns, rows, wide=wide)


# setup --------------------------------------------------------------------------------
@app.command()
def init(
    demo: Annotated[bool, typer.Option(help="Also load demo data.")] = False,
    ask_password: Annotated[
        bool | None,
        typer.Option(
            "--ask-password/--generate-password",
            help="Ask for the first admin's password (default: ask on a terminal).",
        ),
    ] = None,
) -> None:
    """Create or upgrade the database and its first admin."""
    import sys

    from serialtrack.adapters.db.engine import make_engine
    from serialtrack.adapters.db.store import Store
    from serialtrack.inventory import utc_now
    from serialtrack.services import auth, setup

    store = Store(make_engine(state.settings.database_url))
    try:
        chosen = None
        if (ask_password if ask_password is not None else sys.stdin.isatty()) and not (
            _has_users(store)
        ):
            chosen = typer.prompt("Password for the first admin", hide_input=True,
                                  confirmation_prompt=True)  # fmt: skip
            if problem := auth.password_problem(chosen):
                _fail(SerialtrackError("the password is not valid", [problem]))
        password = setup.initialize(store, now=utc_now(), admin_password=chosen)
    finally:
        store.dispose()
    out.print(f"database ready: {state.settings.database_url}")
    if password and not chosen:
        out.print(
            f"\ncreated user admin with password {password} (shown once; the first login asks "
            "for a new one)\n",
            markup=False,
        )
    elif password:
        out.print("created user admin")
    if demo:
        from serialtrack.demo import load_demo

        with inventory() as inv:
            out.print(load_demo(inv))


def _has_users(store: Any) -> bool:
    from serialtrack.adapters.db import migrate

    migrate.upgrade(store.engine)
    with store.transaction(write=False) as tx:
        return bool(tx.catalog.list_users())


@app.command()
def check() -> None:
    """Replay the whole ledger: serials, quantities, batches, documents, numbering and the
    hash chain over every entry. Exit status 1 when anything disagrees."""
    with inventory() as inv, err.status("checking the ledger") as status:
        found = inv.findings(progress=lambda section: status.update(f"checking {section}"))
    for finding in found:
        err.print(f"[{finding.kind}] {finding.message}", markup=False)
    if found:
        err.print(f"{len(found)} disagreement(s) found", markup=False)
        raise typer.Exit(1)
    out.print("ledger and current state agree; the ledger's chain is intact")


# master data --------------------------------------------------------------------------
ShelfLife = Annotated[int | None, typer.Option("--shelf-life", metavar="DAYS",
                      help="Expiry of what comes in without one: its date + DAYS.")]  # fmt: skip
BestBefore = Annotated[int | None, typer.Option("--best-before", metavar="DAYS",
                       help="Best before: DAYS before expiry.")]  # fmt: skip
Removal = Annotated[int | None, typer.Option("--removal", metavar="DAYS",
                    help="Taken off sale DAYS before expiry.")]  # fmt: skip
Alert = Annotated[int | None, typer.Option("--alert", metavar="DAYS",
                  help="Listed as expiring DAYS before expiry.")]  # fmt: skip
BatchPattern = Annotated[str | None, typer.Option("--batch-pattern", metavar="PATTERN",
                         help="New batch codes, e.g. {sku}-{yy}{ww}-{seq:03}.")]  # fmt: skip
SerialPattern = Annotated[str | None, typer.Option("--serial-pattern", metavar="PATTERN",
                          help="For --generate, e.g. {sku}-{year}-{seq:06}.")]  # fmt: skip


def lot_fields(
    shelf_life: int | None, best_before: int | None, removal: int | None, alert: int | None,
    batch_pattern: str | None,
) -> dict[str, Any]:  # fmt: skip
    """The lot options given, as product fields (those not given are left out)."""
    given = {
        "shelf_life_days": shelf_life,
        "best_before_days": best_before,
        "removal_days": removal,
        "alert_days": alert,
        "batch_pattern": batch_pattern,
    }
    return {k: v for k, v in given.items() if v is not None}


@product_app.command("add")
def product_add(
    sku: str,
    name: str,
    tracking: Annotated[str, typer.Option(help="none, serial, batch or serial+batch")] = "serial",
    unit: str = "pcs",
    gtin: str | None = None,
    supplier_warranty_days: Annotated[
        int | None, typer.Option(help="Days of warranty the supplier gives.")
    ] = None,
    customer_warranty_days: Annotated[
        int | None, typer.Option(help="Days of warranty the customer gets.")
    ] = None,
    expiry_required: Annotated[
        bool, typer.Option("--expiry-required", help="Units must be received with an expiry.")
    ] = False,
    shelf_life: ShelfLife = None,
    best_before: BestBefore = None,
    removal: Removal = None,
    alert: Alert = None,
    batch_pattern: BatchPattern = None,
    serial_pattern: SerialPattern = None,
) -> None:
    """Add a product."""
    fields = {"unit": unit, "gtin": gtin, "expiry_required": expiry_required}
    if serial_pattern is not None:
        fields["serial_pattern"] = serial_pattern
    fields |= {
        "supplier_warranty_days": supplier_warranty_days,
        "customer_warranty_days": customer_warranty_days,
    }
    fields |= lot_fields(shelf_life, best_before, removal, alert, batch_pattern)
    with inventory() as inv:
        product = inv.add_product(sku, name, tracking, **fields)
    out.print(f"product {product.sku} added ({product.tracking.value} tracking)")


@product_app.command("list")
def product_list(
    text: Annotated[
        str | None, typer.Option(help="SKU or name containing this, or a GTIN.")
    ] = None,
    tracking: Annotated[
        str | None, typer.Option(help="none, serial, batch or serial+batch.")
    ] = None,
    output: OutputOption = None,
    wide: WideOption = False,
) -> None:
    """List products."""
    with inventory() as inv:
        emit(inv.report_table("products", text=text, tracking=tracking), output, wide=wide)


@product_app.command("components")
def product_components(
    sku: str,
    parts: Annotated[
        list[str] | None,
        typer.Argument(help="Make SKU a bundle of these parts: PART-SKU[:QUANTITY] each."),
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Make it a plain product again.")] = False,
    location: Annotated[
        str | None, typer.Option(help="Also show how many bundles this store can sell.")
    ] = None,
) -> None:
    """Show a bundle's components, or set them (a phone kit: PHN-A5 CHG-USB CASE-A5:1)."""
    if parts and clear:
        raise typer.BadParameter("give parts or --clear, not both", param_hint="--clear")
    with inventory() as inv:
        if parts or clear:
            inv.set_components(sku, [_part(text) for text in parts or ()])
        found = inv.components(sku)
        stock = inv.bundle_stock(sku, location) if location and found else None
    if not found:
        out.print(f"{sku} is not a bundle", markup=False)
        return
    makes = {p.sku: p for p in stock.parts} if stock else {}
    rows = [
        [c.product.sku, c.product.name, c.product.tracking.value, c.quantity]
        + ([makes[c.product.sku].on_hand, makes[c.product.sku].makes] if stock else [])
        for c in found
    ]
    columns = ["part", "name", "tracking", "per bundle"]
    columns += ["on hand", "makes"] if stock else []
    _table(f"Bundle {sku}", columns, rows)
    if stock:
        out.print(f"{stock.available} x {sku} can be sold at {stock.location}", markup=False)


def _part(text: str) -> tuple[str, int]:
    sku, _, quantity = text.rpartition(":") if ":" in text else (text, "", "1")
    if not sku.strip() or not quantity.strip().isdigit():
        raise typer.BadParameter(f"{text!r}: write PART-SKU or PART-SKU:QUANTITY")
    return sku.strip(), int(quantity)


Gln = Annotated[str | None, typer.Option(help="GS1 Global Location Number (13 digits).")]


@location_app.command("add")
def location_add(
    name: str,
    kind: Annotated[
        str,
        typer.Option(
            help="store, or a kind the system keeps for the world outside: supplier, customer, "
            "transit, scrap, adjustment, quarantine"
        ),
    ] = "store",
    gln: Gln = None,
) -> None:
    """Add a location (a store, warehouse or bin)."""
    with inventory() as inv:
        location = inv.add_location(name, kind, gln=gln)
    out.print(f"location {location.name} added ({_kind_words(location.kind.value)})")


def _kind_words(kind: str) -> str:
    """A location's kind as the web says it: a store, or one kept by the system."""
    return "store" if kind == "internal" else f"{kind}, kept by the system"


@location_app.command("edit")
def location_edit(
    name: str,
    new_name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    gln: Annotated[str | None, typer.Option(help="Its GLN ('' clears it).")] = None,
) -> None:
    """Rename a store, or set its GLN."""
    changes = {k: v for k, v in (("name", new_name), ("gln", gln)) if v is not None}
    with inventory() as inv:
        location = inv.update_location(name, **changes)
    out.print(
        f"location {location.name} saved" + (f" (GLN {location.gln})" if location.gln else "")
    )


@location_app.command("archive")
def location_archive(name: str) -> None:
    """Archive a store: offered nowhere, named by no new document; its history stays. Refused
    while it holds stock."""
    with inventory() as inv:
        location = inv.archive_location(name)
    out.print(f"location {location.name} archived (restore: serialtrack location restore)")


@location_app.command("restore")
def location_restore(name: str) -> None:
    """Bring an archived store back into use."""
    with inventory() as inv:
        location = inv.restore_location(name)
    out.print(f"location {location.name} restored")


@location_app.command("list")
def location_list(output: OutputOption = None, wide: WideOption = False) -> None:
    """List locations."""
    with inventory() as inv:
        emit(inv.report_table("locations"), output, wide=wide)


Phone = Annotated[str | None, typer.Option(help="Phone number.")]
Email = Annotated[str | None, typer.Option(help="E-mail address.")]
Address = Annotated[str | None, typer.Option(help="Postal address.")]


@partner_app.command("add")
def partner_add(
    name: str,
    supplier: Annotated[bool, typer.Option("--supplier", help="It sells to us.")] = False,
    customer: Annotated[bool, typer.Option("--customer", help="It buys from us.")] = False,
    phone: Phone = None,
    email: Email = None,
    address: Address = None,
    gln: Gln = None,
) -> None:
    """Add a supplier, a customer, or both, with how to reach them (a recall calls them)."""
    given = {"phone": phone, "email": email, "address": address, "gln": gln}
    contact = {k: v for k, v in given.items() if v is not None}
    with inventory() as inv:
        partner = inv.add_partner(name, supplier=supplier, customer=customer, **contact)
    out.print(f"partner {partner.name} added")


@partner_app.command("edit")
def partner_edit(
    name: str,
    new_name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    phone: Phone = None,
    email: Email = None,
    address: Address = None,
    gln: Gln = None,
) -> None:
    """Change a partner's name or contact fields ('' clears one)."""
    given = {"name": new_name, "phone": phone, "email": email, "address": address, "gln": gln}
    with inventory() as inv:
        partner = inv.update_partner(name, **{k: v for k, v in given.items() if v is not None})
    out.print(f"partner {partner.name} saved" + (f": {partner.contact}" if partner.contact else ""))


@partner_app.command("archive")
def partner_archive(name: str) -> None:
    """Archive a partner: no new document names it; its history stays."""
    with inventory() as inv:
        partner = inv.archive_partner(name)
    out.print(f"partner {partner.name} archived (restore: serialtrack partner restore)")


@partner_app.command("restore")
def partner_restore(name: str) -> None:
    """Bring an archived partner back into use."""
    with inventory() as inv:
        partner = inv.restore_partner(name)
    out.print(f"partner {partner.name} restored")


@partner_app.command("list")
def partner_list(output: OutputOption = None, wide: WideOption = False) -> None:
    """List partners."""
    with inventory() as inv:
        emit(inv.report_table("partners"), output, wide=wide)


@setting_app.command("set")
def setting_set(key: str, value: str) -> None:
    """Change one of the shop's settings (e.g. allow_negative_stock true)."""
    with inventory() as inv:
        stored = inv.set_setting(key, value)
    out.print(f"{key} = {stored}")


@setting_app.command("list")
def setting_list(output: OutputOption = None, wide: WideOption = False) -> None:
    """Show every setting and its value."""
    with inventory() as inv:
        rows = [[key, value] for key, value in inv.settings().items()]
    columns = (Column("setting", "setting", width=24, essential=True),
               Column("value", "value", width=40, essential=True))  # fmt: skip
    emit(Report("settings", "Settings", columns, rows), output, wide=wide)


from serialtrack.entrypoints import (  # noqa: E402
    cli_admin,
    cli_backup,
    cli_documents,
    cli_epcis,
    cli_expected,
    cli_imports,
    cli_journal,
    cli_labels,
    cli_lots,
    cli_printing,
    cli_stock,
    cli_stock_reports,
)

__all__ = [
    "app",
    "cli_admin",
    "cli_backup",
    "cli_documents",
    "cli_epcis",
    "cli_expected",
    "cli_imports",
    "cli_journal",
    "cli_labels",
    "cli_lots",
    "cli_printing",
    "cli_stock",
    "cli_stock_reports",
    "main",
]


def main() -> None:
    app()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 for all).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (use PostgreSQL for more than 1).")
    ] = 1,
) -> None:
    """Serve the web UI and the JSON API (docs at /api/docs)."""
    import os

    import uvicorn

    url = state.settings.database_url
    if workers > 1 and url.startswith("sqlite"):
        err.print("note: several workers on SQLite serialize their writes; PostgreSQL scales")
    os.environ["SERIALTRACK_DATABASE_URL"] = url
    with inventory():
        pass  # create or upgrade the database once, before any worker starts
    out.print(f"serving {url} on http://{host}:{port}/ with {workers} worker(s)")
    uvicorn.run(
        "serialtrack.entrypoints.web:app_from_env", factory=True, host=host, port=port,
        workers=workers, log_level="info",
    )  # fmt: skip
