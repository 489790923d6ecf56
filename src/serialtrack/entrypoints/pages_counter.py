"""The counter (``/counter``): a sale made with a scanner and the keyboard only.

Focus starts in the scan box and comes back to it after every scan. Each scan goes through the
one scan resolver (``inv.scan``):

- a serial adds its line (product, the customer warranty it would get from today), or says
  beside the box why not (not in stock here: where it is and in what state; already on a line);
- a product's SKU or GTIN opens the unit picker of that product at the store: typing or
  scanning the serial and Enter picks the exact match; a quantity-only product adds a line of 1
  (scanned again: one more);
- a bundle's SKU or GTIN opens the bundle panel: one serial per unit of each serial-tracked
  component, scanned one after the other (each checked as a scan is: in stock at the store, not
  on the sale already); quantity-only components are included. The panel's last serial adds
  one bundle line, which posts as the bundle's line with its components' serials named
  (``components``); Esc cancels. A bundle of quantity-only components adds a line of 1;
- a document's number (the barcode on a printed slip) names the document, with a link.

Posting sells (``inv.sell``; no customer is a walk-in sale) and remembers the store and the
customer chosen for this user in a cookie (``counter_<user id>``), read when the counter opens;
the fresh counter then shows the number, "Print slip" and a link to the sale.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from serialtrack.domain.codes import code_key
from serialtrack.domain.errors import SerialtrackError
from serialtrack.domain.model import Component, DocumentKind, TrackingMode
from serialtrack.entrypoints.pages import (
    FormPage,
    Page,
    form_line,
    form_lines,
    line_indexes,
    refusal_context,
    render,
    service_lines,
    status_of,
    text,
)
from serialtrack.entrypoints.pages_entry import (
    picked,
    picker,
    scan_problem,
    scanned_unit,
)
from serialtrack.inventory import Inventory

router = APIRouter(include_in_schema=False)
KIND = "sale"
BUNDLE_OFFERED = 12  # units of the part wanted next, offered in the bundle panel to pick
REMEMBERED_DAYS = 180


# --- the page and its post ----------------------------------------------------------------------
@router.get("/counter", response_class=HTMLResponse)
def counter(request: Request, inv: Page, sold: int = 0) -> HTMLResponse:
    """A fresh counter sale, at the store (and for the customer) this user last sold with;
    ``sold``: the sale just posted, shown above it with "Print slip"."""
    location, customer = remembered(request, inv)
    context: dict[str, Any] = {"header": {"location": location, "partner": customer}}
    if sold:
        with suppress(SerialtrackError):  # none, or not this user's to see: a fresh counter
            found = inv.document(sold)
            context["sold"] = found if found.kind is DocumentKind.SALE else None
    return _page(request, inv, context)


@router.post("/counter")
async def post_counter(request: Request, inv: FormPage) -> Response:
    """Sell what the lines hold; a refusal shows the counter again, nothing written."""
    form = await request.form()
    header = {
        "location": text(form.get("location")),
        "partner": text(form.get("partner")),
        "allow_expired": form.get("allow_expired") == "1",
    }
    lines = [_with_parts(form, line) for line in form_lines(form)]
    try:
        posted = inv.sell(
            customer=header["partner"], location=header["location"],
            lines=sale_lines(lines), allow_expired=header["allow_expired"],
        )  # fmt: skip
    except SerialtrackError as refusal:
        context = {"header": header, "lines": _shown(inv, lines), **refusal_context(refusal)}
        return _page(request, inv, context, status_code=status_of(refusal))
    response = RedirectResponse(f"/counter?sold={posted.id}", status_code=303)
    response.set_cookie(
        cookie_name(inv), remember(header["location"], header["partner"]),
        max_age=REMEMBERED_DAYS * 86400, path="/", httponly=True, samesite="lax",
        secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


def _page(
    request: Request, inv: Inventory, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    context = {
        "title": "Counter", "kind": KIND, "lines": [],
        "locations": _locations(inv), "customers": _customers(inv), **context,
    }  # fmt: skip
    return render(request, "counter.html", context, status_code=status_code)


def _locations(inv: Inventory) -> list[str]:
    return [loc.name for loc in inv.locations() if not loc.kind.is_virtual]


def _customers(inv: Inventory) -> list[str]:
    return [p.name for p in inv.partners() if p.is_customer]


def _shown(inv: Inventory, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The posted lines again, numbered by position (the service's ``lines[i]``)."""
    return [
        bundle_line(inv, position, line["sku"], line["parts"], quantity=line["quantity"])
        if line["bundle"] else
        counter_line(inv, position, line["sku"], line["serials"][0] if line["serials"] else None,
                     quantity=line["quantity"])
        for position, line in enumerate(lines)
    ]  # fmt: skip


# --- a bundle's line on the form: ``lines-<i>-bundle`` and its parts' (SKU, serial) pairs ------
def _pairs(form: Any, prefix: str) -> list[tuple[str, str]]:
    """(component SKU, serial) pairs of ``<prefix>-sku`` and ``<prefix>-serial``, in order."""
    skus, serials = form.getlist(f"{prefix}-sku"), form.getlist(f"{prefix}-serial")
    return [(str(k).strip(), str(v).strip()) for k, v in zip(skus, serials, strict=False)]


def _with_parts(form: Any, line: dict[str, Any]) -> dict[str, Any]:
    """A form line, marked when it is a bundle's, with its parts' serials."""
    i = line["index"]
    return {**line, "bundle": form.get(f"lines-{i}-bundle") == "1",
            "parts": _pairs(form, f"lines-{i}-part")}  # fmt: skip


def counter_lines(form: Any) -> list[dict[str, Any]]:
    """Every line on the counter's form, bundle lines with their parts."""
    return [_with_parts(form, form_line(form, i)) for i in line_indexes(form)]


def sale_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines as ``inv.sell`` takes them; a bundle's line names its components' serials."""
    given = service_lines(lines)
    for item, line in zip(given, lines, strict=True):
        if line.get("parts"):
            item.pop("serials", None)
            skus = dict.fromkeys(sku for sku, _ in line["parts"])
            item["components"] = [
                {"sku": sku, "serials": [s for k, s in line["parts"] if k == sku]} for sku in skus
            ]
    return given


# --- what is remembered per user ----------------------------------------------------------------
def cookie_name(inv: Inventory) -> str:
    return f"counter_{inv.actor.user_id}"


def remember(location: str | None, customer: str | None) -> str:
    """The cookie's value: the store and the customer (empty: walk-in), each percent-quoted."""
    return f"{quote(location or '', safe='')}|{quote(customer or '', safe='')}"


def remembered(request: Request, inv: Inventory) -> tuple[str | None, str | None]:
    """The store and customer this user last sold with, if both still exist; a shop with one
    store starts there."""
    locations, customers = _locations(inv), _customers(inv)
    value = request.cookies.get(cookie_name(inv), "")
    location, _, customer = (unquote(part) for part in value.partition("|"))
    if location not in locations:
        location = locations[0] if len(locations) == 1 else ""
    return location or None, customer if customer in customers else None


# --- the scan box and the unit picker -----------------------------------------------------------
@router.post("/counter/scan", response_class=HTMLResponse)
async def counter_scan(request: Request, inv: FormPage) -> HTMLResponse:
    """One scan: a line, the unit picker, or a message beside the scan box."""
    form = await request.form()
    scanned = str(form.get("scan") or "").strip()
    location = text(form.get("location"))
    if not scanned:
        return scan_problem(request, "", counter=True)
    try:
        found = inv.scan(scanned)
    except SerialtrackError as refusal:
        return scan_problem(request, refusal.message, counter=True)
    if found.document:
        link = {"href": f"/documents/{found.document_id}", "text": f"Open {found.document}"}
        return scan_problem(request, found.message, link=link, counter=True)
    if not found.sku:
        return scan_problem(request, found.message or f"{scanned} names no unit", counter=True)
    on_form = counter_lines(form)
    if found.serial is None:
        return _product_scanned(request, inv, found.sku, location, on_form)
    unit, problem = scanned_unit(inv, KIND, found, location)
    if unit is None:
        return scan_problem(request, problem, counter=True)
    return _added(request, inv, on_form, unit["sku"], unit["serial"], unit["product"])


def _product_scanned(
    request: Request, inv: Inventory, sku: str, location: str | None,
    on_form: list[dict[str, Any]],
) -> HTMLResponse:  # fmt: skip
    """A product's SKU or GTIN: which unit? (the picker); a quantity-only product: one more."""
    product = inv.product(sku)
    if product.tracking is TrackingMode.BATCH:
        link = {"href": "/sales/new", "text": "Sale form"}
        message = f"{sku} is batch-tracked: sell it on the sale form, choosing its batch"
        return scan_problem(request, message, link=link, counter=True)
    parts = inv.components(sku) if product.tracking is TrackingMode.NONE else []
    if parts and not location:
        return scan_problem(request, "choose the store first", counter=True)
    if any(c.product.tracking.serialized for c in parts):
        return _bundle_panel(request, inv, sku, product.name, location or "", parts, on_form)
    if not product.tracking.serialized:
        return _one_more(request, inv, on_form, sku, bundle=bool(parts))
    if not location:
        return scan_problem(request, "choose the store first", counter=True)
    found = picker(inv, sku, location, _on_form(on_form, sku), "")
    context = {"sku": sku, "product_name": product.name, "location": location, **found}
    headers = {"HX-Retarget": "#counter-picker", "HX-Reswap": "outerHTML"}
    return render(request, "_counter_picker.html", context, headers=headers)


def _one_more(
    request: Request, inv: Inventory, on_form: list[dict[str, Any]], sku: str, *,
    bundle: bool = False,
) -> HTMLResponse:  # fmt: skip
    """A quantity-only product (or a bundle of quantity-only components) scanned: its line
    counts one more, or a new line of 1."""
    shown_as = bundle_line if bundle else counter_line
    for line in on_form:
        if line["sku"] == sku and not line["serials"] and not line["parts"]:
            quantity = (line["quantity"] or 0) + 1
            shown = shown_as(inv, line["index"], sku, [] if bundle else None, quantity=quantity)
            context = {"line": shown, "oob": True, "counter": True}
            return render(request, "_quick_line.html", context)
    index = max((x["index"] for x in on_form), default=-1) + 1
    line = shown_as(inv, index, sku, [] if bundle else None, quantity=1)
    return render(request, "_quick_line.html", {"line": line, "counter": True})


@router.post("/counter/pick", response_class=HTMLResponse)
async def counter_pick(
    request: Request, inv: FormPage, sku: str, pick: int = 0, code: str = ""
) -> HTMLResponse:
    """The unit picker: the units offered for what is typed; with ``pick`` (Enter, or a unit's
    button) the unit named exactly becomes a line and the picker closes."""
    form = await request.form()
    location = text(form.get("location"))
    q = code or str(form.get("unit") or "").strip()
    on_form = counter_lines(form)
    chosen = _on_form(on_form, sku)
    found = picker(inv, sku, location, chosen, q)
    context = {"sku": sku, "location": location, **found}
    if not pick:
        return render(request, "_counter_picklist.html", context)
    unit, hint = picked(inv, sku, q, found) if location else (None, "")
    if unit is not None:
        headers = {"HX-Retarget": "#lines", "HX-Reswap": "beforeend"}
        return _added(request, inv, on_form, sku, unit, None, headers=headers)
    context.update(product_name=inv.product(sku).name, hint=hint or _why_not(q, found))
    return render(request, "_counter_picker.html", context)


def _why_not(q: str, found: dict[str, Any]) -> str:
    """Why Enter in the picker chose no unit, when ``picked`` gave no reason."""
    if not q:
        return found["hint"] or "type or scan the unit's serial, then Enter"
    if found["offered"]:
        return f"{len(found['offered'])} units have “{q}” in their serial: type more, or choose one"
    return found["hint"]


def _on_form(on_form: list[dict[str, Any]], sku: str) -> list[str]:
    """The serials of ``sku`` on the sale: on its own lines and in bundles."""
    return [
        s for line in on_form for k, s in _units(line) if k == sku
    ]  # fmt: skip


def _units(line: dict[str, Any]) -> list[tuple[str, str]]:
    """(SKU, serial) of every unit a counter line holds (a bundle's: its parts')."""
    return [(line["sku"], s) for s in line["serials"]] + list(line.get("parts") or [])


def _taken(on_form: list[dict[str, Any]], sku: str, serial: str) -> str | None:
    """Why a unit is not added again: the line of the sale that has it already."""
    for position, line in enumerate(on_form, 1):
        if any(k == sku and code_key(s) == code_key(serial) for k, s in _units(line)):
            inside = f" (in bundle {line['sku']})" if line.get("bundle") else ""
            return f"{serial} is already on line {position}{inside}"
    return None


def _added(
    request: Request, inv: Inventory, on_form: list[dict[str, Any]], sku: str, serial: str,
    product_name: str | None, *, headers: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    """A unit's new line at the end, unless a line has it already (then: which one)."""
    if (taken := _taken(on_form, sku, serial)) is not None:
        return scan_problem(request, taken, counter=True)
    index = max((x["index"] for x in on_form), default=-1) + 1
    line = counter_line(inv, index, sku, serial, product_name=product_name)
    return render(request, "_quick_line.html", {"line": line, "counter": True}, headers=headers)


def counter_line(
    inv: Inventory, index: int, sku: str, serial: str | None, *, quantity: int | None = None,
    product_name: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A counter line: one unit (its serial) or a quantity of a product, with the product's
    name and the customer warranty a unit sold today gets."""
    try:
        product = inv.product(sku)
    except SerialtrackError:
        product = None
    name = product_name or (product.name if product else "")
    until = inv.warranty_if_sold_today(sku) if serial and product else None
    return {"index": index, "sku": sku, "serials": [serial] if serial else [],
            "quantity": quantity, "product_name": name, "warranty_until": until}  # fmt: skip


# --- the bundle panel ---------------------------------------------------------------------------
def bundle_line(
    inv: Inventory, index: int, sku: str, parts: list[tuple[str, str]], *,
    quantity: int | None = 1,
) -> dict[str, Any]:  # fmt: skip
    """A counter line of a bundle: its components, with the serials scanned for each."""
    try:
        name, components = inv.product(sku).name, inv.components(sku)
    except SerialtrackError:
        name, components = "", []
    rows = [
        {"sku": c.product.sku, "name": c.product.name, "per_bundle": c.quantity,
         "serial": c.product.tracking.serialized,
         "serials": [s for k, s in parts if k == c.product.sku]}
        for c in components
    ]  # fmt: skip
    return {"index": index, "sku": sku, "bundle": True, "serials": [], "quantity": quantity,
            "parts": parts, "components": rows, "product_name": name}  # fmt: skip


def _slots(parts: list[Component], chosen: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The panel's rows: each serial-tracked component's units (scanned, or still to scan), and
    the quantity-only ones, included."""
    rows = []
    for c in parts:
        serial = c.product.tracking.serialized
        have = [s for k, s in chosen if k == c.product.sku]
        slots = (have + [""] * c.quantity)[: max(c.quantity, len(have))] if serial else []
        rows.append({"sku": c.product.sku, "name": c.product.name, "per_bundle": c.quantity,
                     "serial": serial, "slots": slots})  # fmt: skip
    return rows


def _bundle_panel(
    request: Request, inv: Inventory, sku: str, name: str, location: str,
    parts: list[Component], on_form: list[dict[str, Any]],
) -> HTMLResponse:  # fmt: skip
    """The bundle panel, opened in the picker's place: which serials make this bundle?"""
    stock = None
    with suppress(SerialtrackError):
        view = inv.bundle_stock(sku, location)
        stock = {"location": view.location, "available": view.available,
                 "scarcest": [p.sku for p in view.parts if p.makes == view.available]}  # fmt: skip
    context = {"sku": sku, "product_name": name, "stock": stock, "parts": _slots(parts, []),
               "next": _next_part(parts, []),
               "offered": _offered(inv, parts, [], on_form, location)}  # fmt: skip
    headers = {"HX-Retarget": "#counter-picker", "HX-Reswap": "outerHTML"}
    return render(request, "_counter_bundle.html", context, headers=headers)


def _offered(
    inv: Inventory, parts: list[Component], chosen: list[tuple[str, str]],
    on_form: list[dict[str, Any]], location: str | None,
) -> list[str]:  # fmt: skip
    """Units of the part wanted next in stock at the store, not on the sale: to pick one."""
    wanted = _next_part(parts, chosen)
    if not wanted or not location:
        return []
    taken = _on_form(on_form, wanted) + [s for k, s in chosen if k == wanted]
    found = picker(inv, wanted, location, taken, "")
    return [r["serial"] for r in found["offered"][:BUNDLE_OFFERED]]


def _next_part(parts: list[Component], chosen: list[tuple[str, str]]) -> str:
    """The SKU whose serial the panel waits for next."""
    for c in parts:
        have = sum(1 for k, _ in chosen if k == c.product.sku)
        if c.product.tracking.serialized and have < c.quantity:
            return c.product.sku
    return ""


@router.post("/counter/bundle", response_class=HTMLResponse)
async def counter_bundle(request: Request, inv: FormPage, sku: str, code: str = "") -> HTMLResponse:
    """A scan in the bundle panel (or ``code``: a unit offered, picked): the unit of a component
    still wanted, in stock at the store and not on the sale; the last one wanted adds the
    bundle's line and closes the panel."""
    form = await request.form()
    location = text(form.get("location"))
    on_form = counter_lines(form)
    chosen = _pairs(form, "bundle-part")
    parts = inv.components(sku)
    scanned = code.strip() or str(form.get("bundle-scan") or "").strip()
    hint = ""
    if not location:
        hint = "choose the store first"
    elif scanned:
        unit, hint = _bundle_unit(inv, sku, parts, chosen, on_form, scanned, location)
        if unit is not None:
            chosen.append(unit)
    else:
        hint = f"scan a serial of {_next_part(parts, chosen) or 'a part'}"
    if parts and not _next_part(parts, chosen):
        index = max((x["index"] for x in on_form), default=-1) + 1
        ordered = [(k, s) for c in parts for k, s in chosen if k == c.product.sku]
        line = bundle_line(inv, index, sku, ordered)
        headers = {"HX-Retarget": "#lines", "HX-Reswap": "beforeend"}
        context = {"line": line, "counter": True}
        return render(request, "_quick_line.html", context, headers=headers)
    context = {"sku": sku, "parts": _slots(parts, chosen), "hint": hint,
               "next": _next_part(parts, chosen),
               "offered": _offered(inv, parts, chosen, on_form, location)}  # fmt: skip
    return render(request, "_counter_bundle_parts.html", context)


def _bundle_unit(
    inv: Inventory, sku: str, parts: list[Component], chosen: list[tuple[str, str]],
    on_form: list[dict[str, Any]], scanned: str, location: str,
) -> tuple[tuple[str, str] | None, str]:  # fmt: skip
    """The (component SKU, serial) a scan in the bundle panel adds; else None and why not."""
    try:
        found = inv.scan(scanned)
    except SerialtrackError as refusal:
        return None, refusal.message
    wanted = {c.product.sku: c for c in parts if c.product.tracking.serialized}
    names = ", ".join(wanted)
    if found.document:
        return None, f"{scanned} is {found.document}, not a serial of {names}"
    if not found.sku:
        return None, found.message or f"{scanned} names no unit"
    if found.sku not in wanted:
        return None, f"{found.sku} is not a serial-tracked part of {sku} (its parts: {names})"
    if found.serial is None or found.serial == found.sku:
        return None, f"{found.sku} scanned, but no serial: scan the unit's serial"
    have = [s for k, s in chosen if k == found.sku]
    if any(code_key(s) == code_key(found.serial) for s in have):
        return None, f"{found.serial} is in this bundle already"
    if len(have) >= wanted[found.sku].quantity:
        return None, f"{sku} takes {wanted[found.sku].quantity} {found.sku}: {', '.join(have)}"
    unit, problem = scanned_unit(inv, KIND, found, location)
    if unit is None:
        return None, problem
    if (taken := _taken(on_form, unit["sku"], unit["serial"])) is not None:
        return None, taken
    return (unit["sku"], unit["serial"]), ""
