"""Pages to find things: the scan/search box, products, the serial list and a serial's detail."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from serialtrack.domain.errors import Invalid, NotFound, SerialtrackError
from serialtrack.domain.lots import derived_dates, rules_in_words
from serialtrack.domain.model import Component, Product, SerialStatus, SerialView, TrackingMode
from serialtrack.entrypoints.pages import (
    FormPage,
    Page,
    form_dates,
    refusal_context,
    render,
    saved,
    status_of,
    text,
)
from serialtrack.inventory import Inventory
from serialtrack.services.bundles import BundleStock

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
PRODUCT_FIELDS = (
    "name", "unit", "gtin", "supplier_warranty_days", "customer_warranty_days",
    "expiry_required", "serial_pattern", "batch_pattern", "shelf_life_days", "best_before_days",
    "removal_days", "alert_days",
)  # fmt: skip
DAYS_FIELDS = ("supplier_warranty_days", "customer_warranty_days", "shelf_life_days",
               "best_before_days", "removal_days", "alert_days")  # fmt: skip


def serial_url(sku: str, code: str) -> str:
    return "/serial?" + urlencode({"sku": sku, "code": code})


def product_url(sku: str) -> str:
    return "/product?" + urlencode({"sku": sku})


def batch_url(sku: str, code: str) -> str:
    return "/batch?" + urlencode({"sku": sku, "code": code})


@router.get("/batch", response_class=HTMLResponse)
def batch(request: Request, inv: Page, sku: str, code: str) -> HTMLResponse:
    """A batch enquiry: where the batch's parts are now, and every move of it."""
    found = inv.batch(sku, code)
    context = {"title": f"{found.sku} batch {found.code}", "batch": found}
    return render(request, "batch.html", context)


# --- the scan / search box -------------------------------------------------------------------
@router.get("/search", response_class=HTMLResponse)
def search(request: Request, inv: Page, q: str = "") -> Response:
    """A scan opens its serial (or product); anything else lists what it could mean."""
    q = q.strip()
    if not q:
        return RedirectResponse("/", status_code=303)
    message, not_found = None, False
    try:
        found = inv.scan(q)
    except SerialtrackError as refusal:
        message, not_found = refusal.message, isinstance(refusal, NotFound)
    else:
        if found.sku and found.serial and found.status:
            return RedirectResponse(serial_url(found.sku, found.serial), status_code=303)
        if found.sku and found.batch and found.serial is None:  # a batch code: its enquiry
            return RedirectResponse(batch_url(found.sku, found.batch), status_code=303)
        if found.sku and found.serial in (None, found.sku):  # the product itself was scanned
            return RedirectResponse(product_url(found.sku), status_code=303)
        if found.document_id is not None:  # a printed slip or note: open its document
            return RedirectResponse(f"/documents/{found.document_id}", status_code=303)
        message = found.message
    products = _matching(inv, q)
    serials = inv.serials(text=q, limit=20)
    if not_found and (products or serials):  # it names nothing whole, but is part of these
        message = None
    context = {"title": f"Search: {q}", "q": q, "message": message, "products": products,
               "serials": serials}  # fmt: skip
    return render(request, "search.html", context)


# --- products --------------------------------------------------------------------------------
@router.get("/products", response_class=HTMLResponse)
def products(request: Request, inv: Page, q: str = "") -> HTMLResponse:
    listed = _matching(inv, q)
    on_hand: dict[str, int] = {}
    for row in inv.stock():
        on_hand[row["sku"]] = on_hand.get(row["sku"], 0) + int(row["quantity"])
    context = {"title": "Products", "products": listed, "on_hand": on_hand, "filter": q}
    return render(request, "products.html", context)


def _matching(inv: Inventory, q: str) -> list[Product]:
    """Products whose SKU or name contains ``q``, or whose GTIN is ``q`` (all for no ``q``)."""
    return inv.products(text=q)


@router.get("/products/new", response_class=HTMLResponse)
def new_product(request: Request, inv: Page) -> HTMLResponse:
    inv.require("manage_catalog")  # refused before the form is filled, not after
    return _product_form(request, {"tracking": "serial", "unit": "pcs"}, editing=None)


@router.post("/products/new")
async def create_product(request: Request, inv: FormPage) -> Response:
    form = await request.form()
    values = _product_values(form)
    sku = str(form.get("sku") or "")
    tracking = str(form.get("tracking") or "serial")
    try:
        product = inv.add_product(sku, values.pop("name") or "", tracking, **values)
    except SerialtrackError as refusal:
        given = {**values, "sku": sku, "tracking": tracking, "name": form.get("name")}
        return _product_form(request, given, editing=None, refusal=refusal)
    return saved(request, product_url(product.sku), f"Product {product.sku} saved")


@router.get("/product/edit", response_class=HTMLResponse)
def edit_product(request: Request, inv: Page, sku: str) -> HTMLResponse:
    inv.require("manage_catalog")
    product = inv.product(sku)
    return _product_form(request, vars(product), editing=product.sku, inv=inv)


@router.post("/product/edit")
async def update_product(request: Request, inv: FormPage, sku: str) -> Response:
    form = await request.form()
    values = _product_values(form)
    try:
        product = inv.update_product(sku, **values)
    except SerialtrackError as refusal:
        current = vars(inv.product(sku))
        return _product_form(request, {**current, **values}, editing=sku, refusal=refusal, inv=inv)
    return saved(request, product_url(product.sku), f"Product {product.sku} saved")


SERIALS_FIELD = "serials."  # one textarea per store: ``serials.<store name>``


@router.post("/product/tracking")
async def switch_tracking(request: Request, inv: FormPage, sku: str) -> Response:
    """Switch the tracking mode; from none to serial, with the serials pasted for each store's
    units on hand. The service refuses while stock is on hand and names it."""
    form = await request.form()
    tracking = str(form.get("tracking") or "")
    pasted = {key.removeprefix(SERIALS_FIELD): str(form.get(key) or "")
              for key in form if key.startswith(SERIALS_FIELD)}  # fmt: skip
    generate = form.get("generate") == "1"
    switch = {"tracking": tracking, "serials": pasted, "generate": generate}
    try:
        given = {
            name: inv.parse_serials(typed, where=f"{SERIALS_FIELD}{name}")
            for name, typed in pasted.items() if typed.strip()
        }  # fmt: skip
        assignment = inv.switch_tracking(sku, tracking, serials=given or None, generate=generate)
    except SerialtrackError as refusal:
        current = vars(inv.product(sku))
        return _product_form(request, current, editing=sku, refusal=refusal, inv=inv,
                             switch=switch)  # fmt: skip
    if assignment is not None and generate:  # new codes to stick on the units: their labels
        return RedirectResponse(
            "/labels?" + urlencode({"document": assignment.number}), status_code=303
        )
    return RedirectResponse(product_url(sku), status_code=303)


def _product_values(form: Any) -> dict[str, Any]:
    """The form's product fields as the service takes them (days as numbers when they are)."""
    values: dict[str, Any] = {key: text(form.get(key)) for key in PRODUCT_FIELDS}
    for key in DAYS_FIELDS:
        if values[key] is not None and values[key].isdigit():
            values[key] = int(values[key])
    values["expiry_required"] = form.get("expiry_required") == "on"
    return values


def _product_form(
    request: Request, product: dict[str, Any], *, editing: str | None,
    refusal: SerialtrackError | None = None, inv: Inventory | None = None,
    switch: dict[str, Any] | None = None,
) -> HTMLResponse:  # fmt: skip
    context: dict[str, Any] = {
        "title": f"Edit {editing}" if editing else "New product", "product": product,
        "editing": editing, "trackings": [t.value for t in TrackingMode],
        "switch": switch or {"tracking": "", "serials": {}},
    }  # fmt: skip
    if editing and inv is not None:  # the tracking switch: each store's units on hand
        context["on_hand"] = inv.stock(sku=editing)
    if refusal is None:
        return render(request, "product_form.html", context)
    context.update(refusal_context(refusal))
    return render(request, "product_form.html", context, status_code=status_of(refusal))


@router.get("/product", response_class=HTMLResponse)
def product(request: Request, inv: Page, sku: str, after: int = 0) -> HTMLResponse:
    return _product_page(request, inv, sku, after=after)


def _product_page(
    request: Request, inv: Inventory, sku: str, *, after: int = 0,
    refusal: SerialtrackError | None = None, typed: str | None = None,
) -> HTMLResponse:  # fmt: skip
    """A product's page; a bundle's shows its components and how many each store can sell
    (``typed``/``refusal``: the components form as sent, and why it was refused)."""
    found = inv.product(sku)
    page = inv.serials(sku=found.sku, after_id=after, limit=PAGE_SIZE)
    batch = found.tracking is TrackingMode.BATCH
    parts = inv.components(found.sku)
    context = {
        "title": f"{found.sku} {found.name}", "product": found, "stock": inv.stock(sku=found.sku),
        "serials": page, "next_after": _next(page), "after": after,
        "batches": inv.batches(sku=found.sku) if batch else [],
        "components": parts, "date_rules": rules_in_words(found),
        "part_of": inv.part_of(found.sku),
        "bundle_stock": [_bundle_row(inv.bundle_stock(found.sku, name))
                         for name in _store_names(inv)] if parts else [],
        "components_typed": typed if typed is not None else components_text(parts),
        "components_failed": refusal is not None,
        # components[i] of a refusal: the i-th line typed that is not blank
        "component_lines": [n for n, row in enumerate((typed or "").splitlines(), 1)
                            if row.split()],
    }  # fmt: skip
    if refusal is None:
        return render(request, "product.html", context)
    context.update(refusal_context(refusal))
    return render(request, "product.html", context, status_code=status_of(refusal))


def _bundle_row(view: BundleStock) -> dict[str, Any]:
    """A store's row of a bundle: how many it can sell, and the component(s) that decide it."""
    scarcest = [p for p in view.parts if p.makes == view.available]
    return {"location": view.location, "available": view.available, "scarcest": scarcest,
            "parts": view.parts, "assembled": view.assembled}  # fmt: skip


def components_text(parts: list[Component]) -> str:
    """A bundle's components as the form shows them: ``SKU quantity``, one a line."""
    return "".join(f"{c.product.sku} {c.quantity}\n" for c in parts)


def parse_components(typed: str) -> list[tuple[str, object]]:
    """The components form's lines, ``SKU quantity`` (quantity 1 when left out), blank lines
    skipped: the i-th line left is the service's ``components[i]``. A quantity that is no
    whole number is passed on as typed, for the service to name."""
    given: list[tuple[str, object]] = []
    for row in typed.splitlines():
        words = row.replace(",", " ").replace("\t", " ").split()
        if not words:
            continue
        sku, rest = words[0], " ".join(words[1:]).removeprefix("x").removeprefix("\u00d7").strip()
        quantity: object = int(rest) if rest.isdigit() else (rest or 1)
        given.append((sku, quantity))
    return given


@router.post("/product/components")
async def set_components(request: Request, inv: FormPage, sku: str) -> Response:
    """Set a bundle's components (managers; the service refuses anyone else, and checks them):
    one ``SKU quantity`` a line; none makes it a plain product again."""
    form = await request.form()
    typed = str(form.get("components") or "")
    try:
        inv.set_components(sku, parse_components(typed))
    except SerialtrackError as refusal:
        return _product_page(request, inv, sku, refusal=refusal, typed=typed)
    return RedirectResponse(product_url(inv.product(sku).sku), status_code=303)


def _next(page: list[dict[str, Any]]) -> int | None:
    return page[-1]["id"] if len(page) == PAGE_SIZE else None


# --- serials ---------------------------------------------------------------------------------
SERIAL_DATES = ("received_from", "received_to", "sold_from", "sold_to")


@router.get("/serials", response_class=HTMLResponse)
def serials(
    request: Request, inv: Page, sku: str = "", status: str = "", location: str = "",
    text: str = "", after: int = 0, received_from: str = "", received_to: str = "",
    sold_from: str = "", sold_to: str = "",
) -> HTMLResponse:  # fmt: skip
    """The serial list, keyset-paginated: "next" carries the last row's id, never an offset."""
    dates = {"received_from": received_from, "received_to": received_to,
             "sold_from": sold_from, "sold_to": sold_to}  # fmt: skip
    filters = {"sku": sku, "status": status, "location": location, "text": text, **dates}
    context: dict[str, Any] = {
        "title": "Serials", "filters": filters, "after": after, "serials": [], "next_after": None,
        "products": [p.sku for p in inv.products() if p.tracking is not TrackingMode.NONE],
        "statuses": [s.value for s in SerialStatus], "locations": _store_names(inv),
        "first_query": urlencode(filters),
    }  # fmt: skip
    try:
        given: dict[str, Any] = {k: v for k, v in filters.items() if v and k not in dates}
        given.update({k: v for k, v in form_dates(dates).items() if v})
        page = inv.serials(after_id=after, limit=PAGE_SIZE, **given)
    except Invalid as refusal:
        context.update(refusal_context(refusal))
        return render(request, "serials.html", context, status_code=422)
    context.update(serials=page, next_after=_next(page))
    context["next_query"] = urlencode({**filters, "after": context["next_after"] or 0})
    return render(request, "serials.html", context)


def _store_names(inv: Inventory) -> list[str]:
    return [loc.name for loc in inv.locations() if not loc.kind.is_virtual]


@router.get("/serial", response_class=HTMLResponse)
def serial(request: Request, inv: Page, sku: str, code: str) -> HTMLResponse:
    return _serial_page(request, inv, sku, code)


def _serial_page(
    request: Request, inv: Inventory, sku: str, code: str, *,
    refusal: SerialtrackError | None = None, given: dict[str, Any] | None = None,
    failed: str = "",
) -> HTMLResponse:  # fmt: skip
    view = inv.serial(sku, code)
    product = inv.product(view.sku)
    context = {"title": f"{view.sku} {view.code}", "serial": view, "product": product,
               "history": list(reversed(view.history)), "today": inv.clock().date(),
               "dates": derived_dates(product, view.expiry),
               "correction": given if failed == "correct" else {},
               "deletion": given if failed == "delete" else {}, "failed": failed,
               "noted": given if failed == "note" else {},
               "inside": _inside(inv, view.inside) if view.inside else None,
               "contents": [_part(inv, item) for item in view.contents]}  # fmt: skip
    if refusal is None:
        return render(request, "serial.html", context)
    context.update(refusal_context(refusal))
    return render(request, "serial.html", context, status_code=status_of(refusal))


def _unit_of(inv: Inventory, named: str) -> SerialView | None:
    """The serial a service names as ``SKU CODE`` (``KIT K-1``, ``PHN P1``), found by trying
    where the SKU ends (either may hold spaces); None when no split names a serial."""
    words = named.split(" ")
    for end in range(1, len(words)):
        sku, code = " ".join(words[:end]), " ".join(words[end:])
        try:
            return inv.serial(sku, code, history=False)
        except SerialtrackError:
            continue
    return None


def _inside(inv: Inventory, named: str) -> dict[str, Any]:
    """The assembled unit a part is inside: its name, its page and where it is in words."""
    unit = _unit_of(inv, named)
    if unit is None:
        return {"name": named, "url": None, "where": None}
    return {"name": named, "url": serial_url(unit.sku, unit.code), "where": unit.summary}


def _part(inv: Inventory, named: str) -> dict[str, Any]:
    """One of an assembled unit's contents: a serial's page, or none (``CHG x 2``)."""
    part = _unit_of(inv, named)
    return {"name": named, "url": serial_url(part.sku, part.code) if part else None}


@router.post("/serial/correct")
async def correct_serial(request: Request, inv: FormPage, sku: str, code: str) -> Response:
    """Fix a mistyped code (managers); the history stays and the old code stays searchable."""
    form = await request.form()
    given = {"new_code": str(form.get("new_code") or ""), "reason": text(form.get("reason"))}
    try:
        fixed = inv.correct_serial(sku, code, given["new_code"], reason=given["reason"])
    except SerialtrackError as refusal:
        return _serial_page(request, inv, sku, code, refusal=refusal, given=given,
                            failed="correct")  # fmt: skip
    return RedirectResponse(serial_url(fixed.sku, fixed.code), status_code=303)


@router.post("/serial/note")
async def note_serial(request: Request, inv: FormPage, sku: str, code: str) -> Response:
    """A serial's note (an internal reference, a remark); empty clears it. Audited."""
    form = await request.form()
    given = {"note": str(form.get("note") or "")}
    try:
        noted = inv.set_serial_note(sku, code, given["note"])
    except SerialtrackError as refusal:
        return _serial_page(request, inv, sku, code, refusal=refusal, given=given,
                            failed="note")  # fmt: skip
    return RedirectResponse(serial_url(noted.sku, noted.code), status_code=303)


@router.post("/serial/delete")
async def delete_serial(request: Request, inv: FormPage, sku: str, code: str) -> Response:
    """Delete a serial entered by mistake (managers); the service refuses one that moved since,
    and the refusal is shown on the serial's page. Done: the document it came in on."""
    form = await request.form()
    given = {"reason": text(form.get("delete_reason"))}
    try:
        number = inv.delete_serial(sku, code, reason=given["reason"])
    except SerialtrackError as refusal:
        return _serial_page(request, inv, sku, code, refusal=refusal, given=given,
                            failed="delete")  # fmt: skip
    return RedirectResponse(
        "/documents/by-number?" + urlencode({"number": number}), status_code=303
    )


@router.get("/documents/by-number")
def document_by_number(inv: Page, number: str) -> Response:
    return RedirectResponse(f"/documents/{inv.document(number).id}", status_code=303)
