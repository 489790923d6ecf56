"""Every report and list as a ``Report`` table, mixed into ``Inventory``: what the CSV, XLSX
and PDF downloads and the CLI's tables are made from, so the web, the API and the terminal
show the same columns.

``inv.report_table(name, **filters)`` takes the filters of the report's own method (the
serial report's, the journal's, ``stock_on_hand``'s, ``recall``'s...) and checks them before
it returns: a refusal never comes half way through a download. ``REPORTS`` lists the names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from serialtrack.domain.errors import Invalid, NotFound, Problem
from serialtrack.domain.reports import Column, Report

if TYPE_CHECKING:
    from serialtrack.inventory import Inventory

C = Column
ALL = 10_000_000  # "every row" for the list reads that take a limit
PAGE = 1000  # rows per read where a list is read page by page

LABELS = {
    "in_stock": "in stock", "reserved": "reserved", "in_transit": "in transit", "sold": "sold",
    "returned_to_supplier": "returned to supplier", "written_off": "written off",
    "adjusted_out": "adjusted out", "assembled": "assembled", "on_hold": "on hold",
}  # fmt: skip


def words(status: Any) -> str:
    """A status or kind as people say it (``returned to supplier``)."""
    value = getattr(status, "value", status)
    return LABELS.get(str(value), str(value).replace("_", " ")) if value is not None else ""


class ExportsMixin:
    def report_table(self, name: str, /, **filters: Any) -> Report:
        """The report ``name`` (see ``REPORTS``) with its filters, as a table."""
        build = REPORTS.get(name)
        if build is None:
            raise NotFound(f"no report named {name!r}; reports: {', '.join(sorted(REPORTS))}",
                           [Problem("report", name)])  # fmt: skip
        taken = _taken(build)
        unknown = [key for key in filters if taken is not None and key not in taken]
        if unknown:
            known = ", ".join(sorted(taken or ())) or "none"
            said = f"the {name} report has no filter {', '.join(unknown)} (its filters: {known})"
            raise Invalid(said, [Problem(key, f"not a filter of {name}") for key in unknown])
        return build(self, **filters)  # type: ignore[arg-type]


# the reports --------------------------------------------------------------------------
SERIAL_COLUMNS = (
    C("sku", "SKU", width=12, essential=True), C("product", "Product", width=22),
    C("serial", "Serial", width=16, essential=True),
    C("status", "Status", width=12, essential=True),
    C("location", "Location", width=14, essential=True), C("supplier", "Supplier", width=18),
    C("purchase_number", "Receipt", width=11),
    C("purchase_reference", "Supplier's invoice", width=16),
    C("purchase_date", "Received", "date", 11), C("customer", "Customer", width=18),
    C("sales_invoice", "Invoice", width=11), C("sale_date", "Sold", "date", 11),
    C("note", "Note", width=24),
)  # fmt: skip


def serials(inv: Inventory, **filters: Any) -> Report:
    """The product serial number report (seed 000): purchase and sale of every serial, and
    where each batch's parts are, with their quantities: ``SERIAL_COLUMNS`` (which the serial
    list's rows, serials only, share) with a batch's code after the serial and the quantity
    after the status."""
    from serialtrack.services.queries import REPORT_COLUMNS

    after = {"serial": C("batch", "Batch", width=12),
             "status": C("quantity", "Quantity", "int", 8, True)}  # fmt: skip
    known: tuple[Column, ...] = ()
    for column in SERIAL_COLUMNS:
        known += (column, after[column.key]) if column.key in after else (column,)
    keys = [c.key for c in known]
    positions = {key: i for i, key in enumerate(REPORT_COLUMNS)}
    extra = [k for k in REPORT_COLUMNS if k not in keys]  # columns the report grew since
    columns = known + tuple(C(k, k.replace("_", " ").capitalize(), width=10)
                            for k in extra)  # fmt: skip
    rows = inv.report(**filters)  # checks every filter before it returns
    order = [positions[c.key] for c in columns]
    status_at, status_cell = positions["status"], keys.index("status")

    def shaped() -> Iterator[list[Any]]:
        for row in rows:
            cells = [row[i] for i in order]
            cells[status_cell] = words(row[status_at])
            yield cells

    return Report("serials", "Product serial numbers", columns, shaped(), _filters(filters))


def stock(inv: Inventory, **filters: Any) -> Report:
    report = inv.stock_on_hand(**filters)
    columns = (
        C("sku", "SKU", width=12, essential=True), C("name", "Product", width=22),
        C("location", "Location", width=14, essential=True),
        C("status", "Status", width=11, essential=True),
        C("batch", "Batch", width=12, essential=True),
        C("transfer", "Transfer", width=11, essential=True),
        C("quantity", "Quantity", "int", 8, True),
    )  # fmt: skip
    rows = [[r.sku, r.name, r.location, words(r.status), r.batch, r.transfer, r.quantity]
            for r in report.rows]  # fmt: skip
    footer = (f"Total {report.total}: in stores {report.in_stores}, "
              f"in transit {report.in_transit}",)  # fmt: skip
    return Report("stock", "Stock on hand", columns, rows, _filters(filters), footer)


def stock_as_of(inv: Inventory, *, at: Any, **filters: Any) -> Report:
    rows = inv.stock_as_of(at, **filters)
    columns = (
        C("sku", "SKU", width=12, essential=True), C("name", "Product", width=22),
        C("location", "Location", width=16, essential=True),
        C("quantity", "Quantity", "int", 8, True),
    )  # fmt: skip
    data = [[r.sku, r.name, r.location, r.quantity] for r in rows]
    footer = (f"Total {sum(r.quantity for r in rows)}",)
    return Report("stock-as-of", "Stock as of " + str(at), columns, data,
                  _filters(filters), footer)  # fmt: skip


JOURNAL_COLUMNS = (
    C("at", "At (UTC)", "datetime", 19, True), C("kind", "Document kind", width=14),
    C("number", "Document", width=11, essential=True), C("document_date", "Date", "date", 10),
    C("sku", "SKU", width=12, essential=True), C("serial", "Serial", width=14, essential=True),
    C("batch", "Batch", width=10), C("quantity", "Quantity", "int", 8, True),
    C("from_location", "From", width=14, essential=True),
    C("to_location", "To", width=14, essential=True),
    C("partner", "Partner", width=16), C("user", "User", width=10),
    C("reversal", "Reversal", "bool", 8),
)  # fmt: skip


def journal(inv: Inventory, **filters: Any) -> Report:
    moves = inv.journal_rows(**filters)  # checked before it returns
    rows = ([m.at, words(m.kind), m.number, m.document_date, m.sku, m.serial, m.batch,
             m.quantity, m.from_location, m.to_location, m.partner, m.user, m.reversal]
            for m in moves)  # fmt: skip
    return Report("journal", "Journal of moves", JOURNAL_COLUMNS, rows, _filters(filters))


def recall(inv: Inventory, **scope: Any) -> Report:
    view = inv.recall(**scope)
    columns = (
        C("sku", "SKU", width=10, essential=True), C("serial", "Serial", width=14, essential=True),
        C("batch", "Batch", width=10, essential=True), C("quantity", "Quantity", "int", 8, True),
        C("status", "Status", width=11), C("location", "Location", width=12),
        C("partner", "Customer / partner", width=16), C("contact", "Contact", width=22),
        C("document", "Document", width=11), C("date", "Date", "date", 10),
        C("where", "Where it is now", width=34, essential=True),
    )  # fmt: skip
    rows = [
        [
            r.sku,
            r.serial,
            r.batch,
            r.quantity,
            words(r.status),
            r.location,
            r.partner,
            getattr(r, "contact", None),
            r.document,
            r.date,
            r.where,
        ]
        for r in view.rows
    ]
    footer = (f"In stock {view.in_stock}, with customers {view.with_customers}, "
              f"{sum(r.quantity for r in view.rows)} in all",)  # fmt: skip
    return Report("recall", "Recall: " + view.scope, columns, rows, "", footer)


def batch(inv: Inventory, *, sku: str, code: str) -> Report:
    view = inv.batch(sku, code)
    columns = (
        C("at", "At (UTC)", "datetime", 19, True),
        C("document", "Document", width=11, essential=True),
        C("kind", "Kind", width=14), C("date", "Date", "date", 10),
        C("partner", "Partner", width=16, essential=True), C("from_location", "From", width=14),
        C("to_location", "To", width=14), C("quantity", "Quantity", "int", 8, True),
        C("user", "User", width=10), C("reversal", "Reversal", "bool", 8),
    )  # fmt: skip
    rows = [
        [
            m.at,
            m.document,
            words(m.kind),
            m.date,
            m.partner,
            m.from_location,
            m.to_location,
            m.quantity,
            m.user,
            m.reversal,
        ]
        for m in view.history
    ]
    expiry = f", expires {view.expiry}" if view.expiry else ""
    now = "; ".join(f"{words(p.status)} at {p.location}"
                    + (f" ({p.partner})" if p.partner else "") + f": {p.quantity}"
                    for p in view.parts)  # fmt: skip
    return Report(
        f"batch-{view.code}",
        f"Batch {view.code} of {view.sku}",
        columns,
        rows,
        f"{view.name}{expiry}; on hand {view.on_hand}",
        (f"Now: {now}",) if now else (),
    )


def warranty(inv: Inventory, *, days: int = 30, side: str = "customer",
             sku: str | None = None) -> Report:  # fmt: skip
    rows = inv.warranty_ending(days, side=side, sku=sku)
    partner = "Customer" if side == "customer" else "Supplier"
    columns = (
        C("sku", "SKU", width=12, essential=True), C("serial", "Serial", width=16, essential=True),
        C("status", "Status", width=11), C("location", "Location", width=14),
        C("warranty_until", "Warranty until", "date", 14, True),
        C("partner", partner, width=18, essential=True),
        C("document", "Invoice" if side == "customer" else "Receipt", width=11, essential=True),
        C("since", "Sold" if side == "customer" else "Received", "date", 10),
    )  # fmt: skip
    data = [[r.sku, r.serial, words(r.status), r.location, r.warranty_until, r.partner,
             r.document, r.since] for r in rows]  # fmt: skip
    return Report(f"warranty-{side}", f"{partner} warranty ending within {days} days", columns,
                  data)  # fmt: skip


def expiring(inv: Inventory, *, days: int = 30, location: str | None = None,
             sku: str | None = None) -> Report:  # fmt: skip
    rows = inv.expiring(days, location=location, sku=sku)
    columns = (
        C("sku", "SKU", width=12, essential=True), C("serial", "Serial", width=14, essential=True),
        C("batch", "Batch", width=12, essential=True), C("location", "Location", width=14),
        C("quantity", "Quantity", "int", 8, True), C("expiry", "Expiry", "date", 10, True),
        C("alert", "Alert", "date", 10, True), C("expired", "Expired", "bool", 7, True),
    )  # fmt: skip
    data = [[r.sku, r.serial, r.batch, r.location, r.quantity, r.expiry, r.alert, r.expired]
            for r in rows]  # fmt: skip
    where = f" at {location}" if location else ""
    return Report("expiring", f"Expiring within {days} days{where}", columns, data)


def discrepancies(inv: Inventory, *, state: str = "open") -> Report:
    rows = inv.discrepancies(state)
    columns = (
        C("id", "ID", "int", 5, True),  # what `serialtrack discrepancy-resolve` takes
        C("at", "At (UTC)", "datetime", 19, True), C("kind", "Kind", width=16, essential=True),
        C("sku", "SKU", width=12, essential=True), C("code", "Serial", width=14),
        C("document", "Document", width=11), C("detail", "Detail", width=30, essential=True),
        C("resolved_at", "Resolved (UTC)", "datetime", 19), C("resolved_by", "By", width=10),
        C("resolution", "Resolution", width=24),
    )  # fmt: skip
    data = [[d.id, d.at, words(d.kind), d.sku, d.code, d.document, d.detail,
             getattr(d, "resolved_at", None), getattr(d, "resolved_by", None),
             getattr(d, "resolution", None)] for d in rows]  # fmt: skip
    return Report("discrepancies", f"Discrepancies ({state})", columns, data)


def documents(inv: Inventory, **filters: Any) -> Report:
    filters.setdefault("limit", ALL)
    rows = inv.documents(**filters)
    columns = (
        C("number", "Number", width=11, essential=True),
        C("kind", "Kind", width=16, essential=True),
        C("state", "State", width=9, essential=True), C("date", "Date", "date", 10, True),
        C("partner", "Partner", width=18, essential=True), C("from_location", "From", width=14),
        C("to_location", "To", width=14), C("reference", "Reference", width=14),
        C("origin_number", "Origin", width=11), C("created_by_name", "By", width=10),
        C("posted_at", "Posted (UTC)", "datetime", 19),
    )  # fmt: skip
    data = [
        [
            d["number"],
            words(d["kind"]),
            d["state"],
            d["date"],
            d["partner"],
            d["from_location"],
            d["destination"] or d["to_location"],
            d["reference"],
            d["origin_number"],
            d["created_by_name"],
            d["posted_at"],
        ]
        for d in rows
    ]
    shown = {k: v for k, v in filters.items() if k != "limit"}
    return Report("documents", "Documents", columns, data, _filters(shown))


def products(inv: Inventory, **filters: Any) -> Report:
    rows = inv.products(**filters)
    columns = (
        C("sku", "SKU", width=12, essential=True), C("name", "Name", width=26, essential=True),
        C("tracking", "Tracking", width=8, essential=True), C("unit", "Unit", width=5),
        C("gtin", "GTIN", width=14), C("expiry_required", "Expiry required", "bool", 8),
        C("supplier_warranty_days", "Supplier warranty (days)", "int", 9),
        C("customer_warranty_days", "Customer warranty (days)", "int", 9),
        C("serial_pattern", "Serial pattern", width=16),
    )  # fmt: skip
    data = [[p.sku, p.name, p.tracking, p.unit, p.gtin, p.expiry_required,
             p.supplier_warranty_days, p.customer_warranty_days, p.serial_pattern]
            for p in rows]  # fmt: skip
    return Report("products", "Products", columns, data, _filters(filters))


def serial_list(inv: Inventory, **filters: Any) -> Report:
    """The serial list page's rows (its filters: sku, status, location, text, partner and the
    received and sold dates), all of them."""
    filters = {**filters, **_dates(filters, SERIAL_DATES)}
    rows = _paged(lambda after: inv.serials(after_id=after, limit=PAGE, **filters))
    return Report("serial-list", "Serials", SERIAL_COLUMNS,
                  ([r[c.key] if c.key != "status" else words(r["status"])
                    for c in SERIAL_COLUMNS] for r in rows), _filters(filters))  # fmt: skip


def transfers(inv: Inventory) -> Report:
    """What is in transit: per transfer and product, with the serials on the way."""
    columns = (
        C("number", "Transfer", width=11, essential=True), C("date", "Date", "date", 10),
        C("from_location", "From", width=14, essential=True),
        C("to_location", "To", width=14, essential=True), C("sku", "SKU", width=12, essential=True),
        C("quantity", "Quantity", "int", 8, True),
        C("serials", "Serials", width=30, essential=True),
    )  # fmt: skip
    data = [[r["number"], r["date"], r["from_location"], r["to_location"], r["sku"],
             r["quantity"], " ".join(r["serials"]) or _batch_words(r.get("batches"))]
            for r in inv.in_transit()]  # fmt: skip
    return Report("in-transit", "In transit", columns, data)


def on_hold(inv: Inventory) -> Report:
    """What is on hold: per hold and product, the serials and batch parts put aside."""
    columns = (
        C("number", "Hold", width=11, essential=True), C("date", "Since", "date", 10),
        C("from_location", "From store", width=14, essential=True),
        C("sku", "SKU", width=12, essential=True), C("quantity", "Quantity", "int", 8, True),
        C("serials", "Serials / batches", width=30),
    )  # fmt: skip
    data = [[r["number"], r["date"], r["from_location"], r["sku"], r["quantity"],
             " ".join(r["serials"]) or _batch_words(r.get("batches"))]
            for r in inv.on_hold()]  # fmt: skip
    return Report("on-hold", "On hold", columns, data)


def audit(inv: Inventory, **filters: Any) -> Report:
    filters.pop("limit", None)
    filters.pop("before_id", None)
    first = inv.audit(limit=PAGE, **filters)  # checked now

    def every() -> Iterator[dict[str, Any]]:
        rows = first
        while True:
            yield from rows
            if len(rows) < PAGE:
                return
            rows = inv.audit(limit=PAGE, before_id=rows[-1]["id"], **filters)

    rows = every()
    columns = (
        C("at", "At (UTC)", "datetime", 19, True), C("user", "User", width=10, essential=True),
        C("entity", "What", width=9, essential=True), C("name", "Name", width=16, essential=True),
        C("action", "Action", width=8), C("summary", "Change", width=40, essential=True),
    )  # fmt: skip
    data = ([a["at"], a["user"], a["entity"], a["name"], a["action"], a["summary"]]
            for a in rows)  # fmt: skip
    return Report("audit", "Audit trail", columns, data, _filters(filters))


def locations(inv: Inventory) -> Report:
    columns = (
        C("name", "Name", width=24, essential=True),
        C("kind", "Kind", width=12, essential=True),
        C("state", "State", width=9, essential=True),
    )
    # the web's words: "store", and "kept by the system" for the virtual ones
    return Report("locations", "Locations", columns,
                  [[loc.name, "store" if loc.kind.value == "internal" else loc.kind.value,
                    "in use" if loc.active else "archived"]
                   for loc in inv.locations(archived=True)])  # fmt: skip


def partners(inv: Inventory) -> Report:
    columns = (
        C("name", "Name", width=24, essential=True), C("supplier", "Supplier", "bool", 8, True),
        C("customer", "Customer", "bool", 8, True), C("phone", "Phone", width=16),
        C("email", "E-mail", width=24), C("address", "Address", width=30),
        C("state", "State", width=9, essential=True),
    )  # fmt: skip
    return Report("partners", "Partners", columns,
                  [[p.name, p.is_supplier, p.is_customer, p.phone, p.email, p.address,
                    "in use" if p.active else "archived"]
                   for p in inv.partners(archived=True)])  # fmt: skip


REPORTS: dict[str, Callable[..., Report]] = {
    "serials": serials, "serial-list": serial_list, "stock": stock, "stock-as-of": stock_as_of,
    "journal": journal, "recall": recall, "batch": batch, "warranty": warranty,
    "expiring": expiring, "discrepancies": discrepancies, "documents": documents,
    "products": products, "in-transit": transfers, "on-hold": on_hold, "audit": audit,
    "locations": locations, "partners": partners,
}  # fmt: skip


# helpers ------------------------------------------------------------------------------
# the filters of the reports that pass theirs on to a library method
PASSED_ON = {
    "serials": (
        "sku",
        "status",
        "location",
        "partner",
        "received_from",
        "received_to",
        "sold_from",
        "sold_to",
    ),
    "serial-list": (
        "sku",
        "status",
        "location",
        "text",
        "partner",
        "received_from",
        "received_to",
        "sold_from",
        "sold_to",
    ),
    "stock": ("sku", "location", "status", "batch"),
    "stock-as-of": ("at", "sku", "location"),
    "journal": ("date_from", "date_to", "location", "sku", "kind", "partner", "user"),
    "recall": ("serials", "batch", "receipt", "supplier", "date_from", "date_to", "sku"),
    "documents": ("kind", "state", "partner", "date_from", "date_to"),
    "products": ("text", "tracking"),
    "audit": ("entity", "user", "since", "until", "text"),
}


def _taken(build: Callable[..., Report]) -> frozenset[str] | None:
    """The filters a report takes (None: any, the library method checks them)."""
    import inspect

    for name, function in REPORTS.items():
        if function is build and name in PASSED_ON:
            return frozenset(PASSED_ON[name])
    parameters = list(inspect.signature(build).parameters.values())[1:]
    return frozenset(p.name for p in parameters if p.kind is p.KEYWORD_ONLY)


SERIAL_DATES = ("received_from", "received_to", "sold_from", "sold_to")


def _dates(filters: dict[str, Any], names: Sequence[str]) -> dict[str, date]:
    """The date filters among ``names`` as dates (ISO text read); every bad one named."""
    found: dict[str, date] = {}
    problems = []
    for name in names:
        value = filters.get(name)
        if value is None or value == "" or isinstance(value, date):
            continue
        try:
            found[name] = date.fromisoformat(str(value).strip())
        except ValueError:
            problems.append(Problem(name, f"{str(value)[:40]!r} is not a date like 2026-11-30"))
    if problems:
        raise Invalid("the report's filters are not valid", problems)
    return found


def _filters(filters: dict[str, Any]) -> str:
    """The filters given, in words: ``sku PHN-X1, location Main store``."""
    shown = [f"{k.replace('_', ' ')} {_word(v)}" for k, v in filters.items()
             if v not in (None, "", False)]  # fmt: skip
    return ", ".join(shown)


def _word(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return " ".join(map(str, value))[:80]
    return str(value)


def _batch_words(batches: Sequence[dict[str, Any]] | None) -> str:
    return " ".join(f"{b['code']}\u00d7{b['quantity']}" for b in batches or ())


def _paged(page: Callable[[int], list[dict[str, Any]]]) -> Iterable[dict[str, Any]]:
    """Every row, page by page; the first page is read now, so its refusal comes now."""
    first = page(0)

    def rest(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        while True:
            yield from rows
            if len(rows) < PAGE:
                return
            rows = page(rows[-1]["id"])

    return rest(first)
