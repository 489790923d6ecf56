"""The interactive parts of the document forms, as HTMX fragments.

- a receipt line's "allocate serials" panel: exactly one row per unit of quantity (seed 000),
  filled by typing or scanning, by pasting a list or ranges, or by generating codes;
- a sale line's serial picker: only serials in stock at the chosen location, searchable;
- quick sale: each scanned serial adds its line;
- a return's lines: the original invoice's or receipt's serials, rows removable, "load all".

Every fragment only shapes what the services return; posting checks everything again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from serialtrack.domain.codes import code_key
from serialtrack.domain.errors import SerialtrackError
from serialtrack.domain.model import DocumentKind, Product, TrackingMode
from serialtrack.entrypoints.pages import FormPage, form_line, line_indexes, render, text
from serialtrack.inventory import Inventory
from serialtrack.services.queries import DocumentView

router = APIRouter(prefix="/entry", include_in_schema=False)
PICK_LIMIT = 50
MAX_ROWS = 1000  # one row per unit is for counters; larger receipts are pasted or imported


# --- preparing lines for the form templates ----------------------------------------------------
def with_rows(
    inv: Inventory, kind: str, lines: list[dict[str, Any]], products: dict[str, Product],
    header: dict[str, Any],
) -> list[dict[str, Any]]:  # fmt: skip
    """Each line numbered by its position (the service's ``lines[i]``), with what it shows."""
    shown = []
    for position, line in enumerate(lines):
        product = products.get(line["sku"])
        item = {**line, "index": position, "product": product, "serial": _is_serial(product)}
        if kind == "receipt" and item["serial"]:
            item["rows"] = allocation_rows(line["serials"], line["quantity"])
        if kind == "sale" and item["serial"]:
            item.update(picker(inv, line["sku"], header.get("location"), line["serials"], ""))
        shown.append(item)
    return shown


def _is_serial(product: Product | None) -> bool:
    return product is not None and product.tracking is TrackingMode.SERIAL


def allocation_rows(serials: list[str], quantity: int | None) -> list[str]:
    """One row per unit: the codes typed so far, then empty rows up to ``quantity``."""
    rows = list(serials)
    wanted = min(quantity or 0, MAX_ROWS)
    if len(rows) > wanted:  # fewer units than rows: drop empty rows from the end only
        while len(rows) > wanted and rows and not rows[-1].strip():
            rows.pop()
    return rows + [""] * (wanted - len(rows))


def picker(
    inv: Inventory, sku: str, location: str | None, chosen: list[str], q: str
) -> dict[str, Any]:
    """What a sale line's picker offers: serials of ``sku`` in stock at ``location``."""
    if not location:
        return {"chosen": chosen, "offered": [], "hint": "Choose the location to see its serials."}
    rows = inv.serials(sku=sku, status="in_stock", location=location, text=q or None,
                       limit=PICK_LIMIT)  # fmt: skip
    taken = set(chosen)
    offered = [r for r in rows if r["serial"] not in taken]
    hint = "" if rows or q else f"No {sku} in stock at {location}."
    if q and not rows:
        hint = f"No {sku} in stock at {location} starts with “{q}”."
    return {"chosen": chosen, "offered": offered, "hint": hint, "q": q}


def origin_lines(found: DocumentView) -> list[dict[str, Any]]:
    """A return's lines as the original document had them: every serial offered."""
    return [
        {"sku": line["sku"], "quantity": None if line["serials"] else line["quantity"],
         "serials": list(line["serials"])}
        for line in found.lines
    ]  # fmt: skip


def return_location(found: DocumentView) -> str:
    """Where a return's goods are: the sale's store, or the store the receipt brought them to."""
    return found.from_location if found.kind is DocumentKind.SALE else found.to_location


# --- fragments ---------------------------------------------------------------------------------
@router.post("/line", response_class=HTMLResponse)
async def new_line(request: Request, inv: FormPage, kind: str) -> HTMLResponse:
    """A blank line at the end of the form (index after the highest in use)."""
    form = await request.form()
    index = max(line_indexes(form), default=-1) + 1
    receipt = kind == "receipt"
    line = {"index": index, "sku": "", "quantity": 1 if receipt else None,
            "serials": [""] if receipt else [], "product": None, "serial": False}  # fmt: skip
    return _line(request, inv, kind, line)


def _line(request: Request, inv: Inventory, kind: str, line: dict[str, Any]) -> HTMLResponse:
    context = {"kind": kind, "line": line, "products": {p.sku: p for p in inv.products()},
               "header": {}}  # fmt: skip
    return render(request, "_line.html", context)


@router.post("/allocate", response_class=HTMLResponse)
async def allocate(request: Request, inv: FormPage, index: int, action: str = "") -> HTMLResponse:
    """A receipt line's serial panel, redrawn for its product and quantity; paste or generate."""
    form = await request.form()
    line = form_line(form, index)
    product = _product(inv, line["sku"])
    line.update(product=product, serial=_is_serial(product))
    entry_error = ""
    try:
        line["serials"], line["quantity"] = _filled(inv, line, action, form)
    except SerialtrackError as refusal:
        entry_error = str(refusal)
    line["rows"] = allocation_rows(line["serials"], line["quantity"])
    context = {"kind": "receipt", "line": line, "entry_error": entry_error,
               "swap_quantity": bool(action)}  # fmt: skip
    return render(request, "_allocate.html", context)


def _filled(inv: Inventory, line: dict[str, Any], action: str, form: Any) -> tuple[list[str], Any]:
    """The rows after a paste (codes and ``A..B`` ranges) or a generate, and the new quantity."""
    typed = [s for s in line["serials"] if s.strip()]
    quantity = line["quantity"]
    if action == "paste":
        where = f"lines[{line['index']}].paste"
        pasted = inv.parse_serials(str(form.get(f"paste-{line['index']}") or ""), where)
        rows = typed + pasted
        return rows, max(quantity or 0, len(rows))
    if action == "generate" and line["serial"]:
        empty = max((quantity or 0) - len(typed), 0) or 1
        rows = typed + inv.generate_serials(line["sku"], empty)
        return rows, max(quantity or 0, len(rows))
    return line["serials"], quantity


def _product(inv: Inventory, sku: str) -> Product | None:
    return next((p for p in inv.products() if p.sku == sku), None) if sku else None


@router.post("/picker", response_class=HTMLResponse)
async def pick(request: Request, inv: FormPage, index: int, part: str = "all") -> HTMLResponse:
    """A sale line's picker; with ``pick`` set (Enter from a scanner) a single match is chosen."""
    form = await request.form()
    line = form_line(form, index)
    product = _product(inv, line["sku"])
    line.update(product=product, serial=_is_serial(product))
    location = text(form.get("location"))
    q = str(form.get(f"q-{index}") or "").strip()
    if line["serial"]:
        found = picker(inv, line["sku"], location, line["serials"], q)
        if form.get(f"pick-{index}") == "1" and q and len(found["offered"]) == 1:
            line["serials"].append(found["offered"][0]["serial"])
            found = picker(inv, line["sku"], location, line["serials"], "")
        line.update(found)
    template = "_picklist.html" if part == "list" else "_picker.html"
    return render(request, template, {"kind": "sale", "line": line})


@router.post("/quick-scan", response_class=HTMLResponse)
async def quick_scan(request: Request, inv: FormPage) -> HTMLResponse:
    """Quick sale: the scanned serial becomes a new line, if it is in stock at the location."""
    form = await request.form()
    scanned = str(form.get("scan") or "").strip()
    location = text(form.get("location"))
    try:
        found = inv.scan(scanned)
    except SerialtrackError as refusal:
        return _scan_problem(request, refusal.message)
    if not (found.sku and found.serial):
        return _scan_problem(request, found.message or f"{scanned} names no unit")
    if not location:
        return _scan_problem(request, "choose the location you sell from first")
    offered = picker(inv, found.sku, location, [], found.serial)["offered"]
    unit = next((r for r in offered if code_key(r["serial"]) == code_key(found.serial)), None)
    if unit is None:
        where = f"{found.status.replace('_', ' ')} at {found.location}" if found.status else "new"
        problem = f"{found.sku} {found.serial} is not in stock at {location} ({where})"
        return _scan_problem(request, problem)
    on_form = [form_line(form, i) for i in line_indexes(form)]
    for position, other in enumerate(on_form, 1):
        if other["sku"] == unit["sku"] and unit["serial"] in other["serials"]:
            return _scan_problem(request, f"{unit['serial']} is already on line {position}")
    index = max((x["index"] for x in on_form), default=-1) + 1
    line = {"index": index, "sku": unit["sku"], "serials": [unit["serial"]],
            "product_name": unit["product"]}  # fmt: skip
    return render(request, "_quick_line.html", {"line": line, "scanned": scanned})


def _scan_problem(request: Request, message: str) -> HTMLResponse:
    headers = {"HX-Retarget": "#scan-message", "HX-Reswap": "innerHTML"}
    return render(request, "_scan_message.html", {"message": message}, headers=headers)


@router.post("/origin", response_class=HTMLResponse)
async def origin(request: Request, inv: FormPage, kind: str) -> HTMLResponse:
    """A return's lines from the chosen invoice or receipt ("load all" asks again)."""
    form = await request.form()
    number = text(form.get("origin"))
    context: dict[str, Any] = {"kind": kind, "lines": [], "header": {}, "origin_error": ""}
    if number:
        try:
            found = inv.document(number)
        except SerialtrackError as refusal:
            context["origin_error"] = refusal.message
        else:
            products = {p.sku: p for p in inv.products()}
            context["lines"] = with_rows(inv, kind, origin_lines(found), products, {})
            context["location"] = return_location(found)
            context["locations"] = [x.name for x in inv.locations() if not x.kind.is_virtual]
            context["partner"] = found.partner
            context["partners"] = [p.name for p in inv.partners() if p.name == found.partner]
    return render(request, "_origin_lines.html", context)
