"""The interactive parts of the document forms, as HTMX fragments.

- a receipt line's "allocate serials" panel: exactly one row per unit of quantity (seed 000),
  filled by typing or scanning, by pasting a list or ranges, by a numbering rule, from a file
  of codes, or by generating codes;
- the serial picker of a sale, dispatch, transfer or write-off line: only serials in stock at
  the chosen location, searchable (expired ones only for a manager, marked);
- a batch-tracked line's batch rows (code, quantity, and expiry where units come in) with
  "add batch"; where goods leave a store, the batches on hand there are offered, soonest
  expiry first (expired ones marked, and offered to a sale or transfer only for a manager);
- quick sale (and the same scan box on the stock forms): each scanned serial adds its line
  (the counter, pages_counter.py, builds on it);
- a return's lines: the original invoice's or receipt's serials, rows removable, "load all".

Every fragment only shapes what the services return; posting checks everything again.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from serialtrack.domain.codes import code_key
from serialtrack.domain.errors import Invalid, Problem, SerialtrackError
from serialtrack.domain.model import (
    Component,
    DocumentKind,
    Product,
    SerialStatus,
    SerialView,
    TrackingMode,
)
from serialtrack.domain.permissions import Permission, allowed
from serialtrack.entrypoints.pages import (
    BATCH_PICKED_KINDS,
    ENTERED_KINDS,
    PICKED_KINDS,
    SELLABLE_KINDS,
    FormPage,
    form_line,
    line_indexes,
    refusal_context,
    render,
    text,
)
from serialtrack.inventory import Inventory
from serialtrack.services.labels import compact_codes
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
        if kind in ENTERED_KINDS and item["serial"]:
            item["rows"] = allocation_rows(line["serials"], line["quantity"])
        if kind in PICKED_KINDS and item["serial"]:
            item.update(picker(inv, line["sku"], header.get("location"), line["serials"], "",
                               sellable=kind in SELLABLE_KINDS))  # fmt: skip
        with_batches(inv, kind, item, header.get("location"))
        with_bundle(inv, kind, item)
        shown.append(item)
    return shown


def bundle_parts(inv: Inventory, sku: str) -> list[Component]:
    """The components of ``sku`` when it is a bundle (else, or no such product, none)."""
    try:
        return inv.components(sku) if sku else []
    except SerialtrackError:
        return []


def with_bundle(inv: Inventory, kind: str, item: dict[str, Any]) -> None:
    """A bundle's line on a form where goods leave a store: one serial row per unit of each
    serial-tracked component (for the line's quantity, 1 when not given), the serials typed so
    far in them; the service shares them out to the components."""
    product = item.get("product")
    if kind not in PICKED_KINDS or product is None or product.tracking is not TrackingMode.NONE:
        return
    parts = bundle_parts(inv, item["sku"])
    if not parts:
        return
    bundles = item["quantity"] if isinstance(item.get("quantity"), int) else 1
    wanted = [
        f"{c.product.sku} {c.product.name}"
        for c in parts if c.product.tracking.serialized
        for _ in range(c.quantity * max(bundles, 1))
    ][:MAX_ROWS]  # fmt: skip
    typed = list(item.get("serials") or [])
    rows = typed + [""] * (len(wanted) - len(typed))
    item["bundle_rows"] = [
        {"label": wanted[n] if n < len(wanted) else "", "serial": code}
        for n, code in enumerate(rows)
    ]
    item["bundle_parts"] = parts


def without_blank_parts(inv: Inventory, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A bundle's serial rows left empty are no units: not posted (the service then says which
    component still wants a serial)."""
    for line in lines:
        if line["serials"] and bundle_parts(inv, line["sku"]):
            line["serials"] = [s for s in line["serials"] if s.strip()]
    return lines


def _is_serial(product: Product | None) -> bool:
    return product is not None and product.tracking.serialized


def _is_batch(product: Product | None) -> bool:
    return product is not None and product.tracking is TrackingMode.BATCH


def with_batches(
    inv: Inventory, kind: str, item: dict[str, Any], location: str | None, *, add: bool = False
) -> None:
    """A batch-tracked line's rows as typed (at least one; ``add``: one more, empty) and, where
    goods leave a store, the batches on hand there to choose from."""
    item["batch"] = _is_batch(item.get("product"))
    if not item["batch"]:
        return
    rows = [dict(b) for b in item.get("batches") or []]
    if add or not rows:
        rows.append({"code": "", "quantity": "", "expiry": ""})
    item["batch_rows"] = rows
    if kind in BATCH_PICKED_KINDS:
        item.update(batch_offer(inv, item["sku"], location, sellable=kind in SELLABLE_KINDS))


def batch_offer(
    inv: Inventory, sku: str, location: str | None, *, sellable: bool
) -> dict[str, Any]:
    """The batches of ``sku`` on hand at ``location``, soonest expiry first, expired ones marked.

    Where only sellable units may go (sale, transfer) expired batches are offered only to a
    manager, who may allow them on the document; the service refuses them otherwise."""
    if not location:
        return {"on_hand": [], "batch_hint": "Choose the location to see its batches."}
    may_allow = allowed(inv.actor, Permission.ALLOW_EXPIRED)
    on_hand, hidden = [], 0
    for row in inv.batches(sku=sku, location=location):
        if not row["sellable"] and sellable and not may_allow:
            hidden += 1
            continue
        on_hand.append(row)
    hint = "" if on_hand else f"No {sku} batches on hand at {location}."
    if hidden:
        batch = f"batch{'es' if hidden > 1 else ''}"
        hint = f"{hint} {hidden} expired or past-removal {batch} not offered.".strip()
    return {"on_hand": on_hand, "batch_hint": hint}


def allocation_rows(serials: list[str], quantity: int | None) -> list[str]:
    """One row per unit: the codes typed so far, then empty rows up to ``quantity``."""
    rows = list(serials)
    wanted = min(quantity or 0, MAX_ROWS)
    if len(rows) > wanted:  # fewer units than rows: drop empty rows from the end only
        while len(rows) > wanted and rows and not rows[-1].strip():
            rows.pop()
    return rows + [""] * (wanted - len(rows))


def picker(
    inv: Inventory, sku: str, location: str | None, chosen: list[str], q: str, *,
    sellable: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """What a sale line's picker offers: serials of ``sku`` in stock at ``location`` (only the
    sellable ones, not past their expiry, unless ``sellable`` is off: a write-off). A manager,
    who may allow expired units on the document, is offered those too, marked ``expired``."""
    if not location:
        return {"chosen": chosen, "offered": [], "hint": "Choose the location to see its serials."}
    query = {"sku": sku, "status": "in_stock", "location": location, "text": q or None,
             "limit": PICK_LIMIT}  # fmt: skip
    rows = inv.serials(**query, sellable=sellable)
    if sellable and allowed(inv.actor, Permission.ALLOW_EXPIRED):
        fresh = {r["id"] for r in rows}
        rows = [{**r, "expired": r["id"] not in fresh} for r in inv.serials(**query)]
    taken = set(chosen)
    offered = sorted((r for r in rows if r["serial"] not in taken), key=lambda r: _by_code(r, q))
    hint = "" if rows or q else f"No {sku} in stock at {location}."
    if q and not rows:
        hint = f"No {sku} in stock at {location} has “{q}” in its serial."
        elsewhere = _named(inv, sku, q)
        if elsewhere is not None and elsewhere.location == location and elsewhere.expired:
            hint = f"{sku} {elsewhere.code} expired on {elsewhere.expiry}: not sellable."
        elif elsewhere is not None:  # the unit exists: say where it is, as posting would
            hint = f"{sku} {elsewhere.code} is not in stock at {location}: {elsewhere.summary}."
    return {"chosen": chosen, "offered": offered, "hint": hint, "q": q}


def _by_code(row: dict[str, Any], q: str) -> tuple[Any, ...]:
    """The picker's order: the unit ``q`` names exactly, then codes starting with ``q``, then
    the rest; each by code, its numbers as numbers (X1-9 before X1-10)."""
    code = code_key(row["serial"])
    wanted = code_key(q) if q else ""
    rank = 0 if wanted and code == wanted else 1 if code.startswith(wanted) else 2
    parts = re.split(r"(\d+)", code)
    return (rank, [int(p) if i % 2 else p for i, p in enumerate(parts)])


def picked(inv: Inventory, sku: str, q: str, found: dict[str, Any]) -> tuple[str | None, str]:
    """What Enter in a picker's search chooses: the unit whose code (or a code it had before a
    correction) is ``q`` exactly, even when longer codes start with it (K1 beside K10, K11);
    only when ``q`` names no unit of ``sku``, the one unit it is a prefix of. Also a hint when
    nothing is chosen because the unit ``q`` names is not among those offered."""
    if not q:
        return None, ""
    unit = _named(inv, sku, q)
    if unit is None:  # only a code starting with ``q``, never one that merely has it inside
        key = code_key(q)
        offered = [r for r in found["offered"] if code_key(r["serial"]).startswith(key)]
        return (offered[0]["serial"], "") if len(offered) == 1 else (None, "")
    if any(r["serial"] == unit.code for r in found["offered"]):
        return unit.code, ""
    if unit.code in found["chosen"]:
        return None, f"{unit.code} is chosen already."
    if unit.status is SerialStatus.IN_STOCK and unit.expired:
        return None, f"{sku} {unit.code} expired on {unit.expiry}: not sellable."
    return None, f"{sku} {unit.code} is not offered here: {unit.summary}."


def _named(inv: Inventory, sku: str, q: str) -> SerialView | None:
    """The unit of ``sku`` that ``q`` names exactly (its code, else a code it had)."""
    try:
        return inv.serial(sku, q, history=False)
    except SerialtrackError:
        return None


def origin_lines(
    found: DocumentView, returnable: dict[str, list[str]] | None = None
) -> list[dict[str, Any]]:
    """A return's lines as the original document had them: every serial offered, or with
    ``returnable`` only those a return could take back now (not sold on, not returned yet);
    a line none of whose serials can come back is left out."""

    def offered(line: dict[str, Any]) -> list[str]:
        if returnable is None:
            return list(line["serials"])
        still = {code_key(c) for c in returnable.get(line["sku"], ())}
        return [c for c in line["serials"] if code_key(c) in still]

    return [
        {"sku": line["sku"],
         "quantity": None if line["serials"] or line.get("batches") else line["quantity"],
         "serials": offered(line),
         "batches": [{"code": b["code"], "quantity": str(b["quantity"]), "expiry": ""}
                     for b in line.get("batches") or []]}
        for line in found.lines
        if not line["serials"] or offered(line)  # a line whose units all went on is left out
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
    entered = kind in ENTERED_KINDS
    line = {"index": index, "sku": "", "quantity": 1 if entered else None,
            "serials": [""] if entered else [], "product": None, "serial": False,
            "batch": False}  # fmt: skip
    return _line(request, inv, kind, line)


def _line(request: Request, inv: Inventory, kind: str, line: dict[str, Any]) -> HTMLResponse:
    context = {"kind": kind, "line": line, "products": {p.sku: p for p in inv.products()},
               "header": {}}  # fmt: skip
    return render(request, "_line.html", context)


@router.post("/allocate", response_class=HTMLResponse)
async def allocate(
    request: Request, inv: FormPage, index: int, action: str = "", kind: str = "receipt"
) -> HTMLResponse:
    """A receipt (or opening balance) line's serial panel, redrawn for its product and quantity;
    paste, rule, file or generate. A batch-tracked product gets its batch rows instead."""
    form = await request.form()
    kind = kind if kind in ENTERED_KINDS else "receipt"
    line = form_line(form, index)
    product = _product(inv, line["sku"])
    line.update(product=product, serial=_is_serial(product))
    with_batches(inv, kind, line, None)
    # the quantity field is redrawn after a paste or rule, and when a batch line (whose quantity
    # is the sum of its batches) comes or goes; never while someone types in it
    had_quantity = f"lines-{index}-quantity" in form
    context: dict[str, Any] = {
        "kind": kind,
        "line": line,
        "entry_error": "",
        "swap_quantity": bool(action) or line["batch"] or not had_quantity,
        "rule": _rule_fields(form, index),
    }
    try:
        added = await _added(inv, line, action, form)
    except SerialtrackError as refusal:
        context.update(refusal_context(refusal), entry_error=str(refusal))
    else:
        if added is not None:
            typed = [s for s in line["serials"] if s.strip()]
            line["serials"] = typed + added
            line["quantity"] = max(line["quantity"] or 0, len(line["serials"]))
        if added and action == "generate":  # print their labels now, before receiving them
            context["generated"] = len(added)
            context["labels_url"] = "/labels?" + urlencode(
                {"sku": line["sku"], "serials": compact_codes(added), "new": "1"}
            )
    line["rows"] = allocation_rows(line["serials"], line["quantity"])
    return render(request, "_allocate.html", context)


async def _added(inv: Inventory, line: dict[str, Any], action: str, form: Any) -> list[str] | None:
    """The codes a paste (codes and ``A..B`` ranges), a rule, a file or a generate adds."""
    i = line["index"]
    if action == "paste":
        return inv.parse_serials(str(form.get(f"paste-{i}") or ""), f"lines[{i}].paste")
    if action == "file":
        return inv.parse_serials(await _uploaded_codes(form, i), f"lines[{i}].file")
    if action == "rule":
        rule = {k: _whole(v) for k, v in _rule_fields(form, i).items() if v.strip()}
        return inv.rule_serials(**rule, where=f"lines[{i}].rule")
    if action == "generate" and line["serial"]:
        typed = [s for s in line["serials"] if s.strip()]
        return inv.generate_serials(line["sku"], max((line["quantity"] or 0) - len(typed), 0) or 1)
    return None


RULE_FIELDS = ("prefix", "start", "increment", "count", "width", "suffix")


def _rule_fields(form: Any, i: int) -> dict[str, str]:
    return {k: str(form.get(f"rule-{i}-{k}") or "") for k in RULE_FIELDS}


def _whole(value: str) -> int | str:
    """A rule's number as typed: an int when it is one (the service names anything else)."""
    try:
        return int(value.strip())
    except ValueError:
        return value


async def _uploaded_codes(form: Any, i: int) -> str:
    """An uploaded file's codes, one per line: a plain list, or a CSV's first column."""
    upload = form.get(f"file-{i}")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Invalid("choose a file of serials", [Problem(f"lines[{i}].file", "no file chosen")])
    try:
        data = (await upload.read()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(
            "the file is not UTF-8 text", [Problem(f"lines[{i}].file", "not a text file")]
        ) from None
    finally:
        await upload.close()
    return "\n".join(row[0] for row in csv.reader(io.StringIO(data)) if row)


def _product(inv: Inventory, sku: str) -> Product | None:
    return next((p for p in inv.products() if p.sku == sku), None) if sku else None


@router.post("/picker", response_class=HTMLResponse)
async def pick(
    request: Request, inv: FormPage, index: int, part: str = "all", kind: str = "sale"
) -> HTMLResponse:
    """A sale line's picker; with ``pick`` set (Enter from a scanner) the unit the search names
    exactly is chosen, else its single match (``picked``)."""
    form = await request.form()
    line = form_line(form, index)
    product = _product(inv, line["sku"])
    line.update(product=product, serial=_is_serial(product))
    location = text(form.get("location"))
    with_batches(inv, kind, line, location)
    with_bundle(inv, kind, line)
    q = str(form.get(f"q-{index}") or "").strip()
    sellable = kind in SELLABLE_KINDS
    if line["serial"]:
        found = picker(inv, line["sku"], location, line["serials"], q, sellable=sellable)
        if form.get(f"pick-{index}") == "1" and q and location:
            code, hint = picked(inv, line["sku"], q, found)
            if code is not None:
                line["serials"].append(code)
                found = picker(inv, line["sku"], location, line["serials"], "", sellable=sellable)
            elif hint:
                found["hint"] = hint
        line.update(found)
    template = "_picklist.html" if part == "list" else "_picker.html"
    shown = kind if kind in PICKED_KINDS else "sale"
    return render(request, template, {"kind": shown, "line": line})


@router.post("/batches", response_class=HTMLResponse)
async def batch_rows(
    request: Request, inv: FormPage, index: int, kind: str, add: int = 0
) -> HTMLResponse:
    """A batch line's rows redrawn ("add batch": one more row), with what is on hand."""
    form = await request.form()
    line = form_line(form, index)
    line["product"] = _product(inv, line["sku"])
    with_batches(inv, kind, line, text(form.get("location")), add=bool(add))
    if not line["batch"]:
        return HTMLResponse("")
    return render(request, "_batches.html", {"kind": kind, "line": line})


@router.post("/quick-scan", response_class=HTMLResponse)
async def quick_scan(request: Request, inv: FormPage, kind: str = "sale") -> HTMLResponse:
    """Quick sale: the scanned serial becomes a new line, if it is in stock at the location."""
    form = await request.form()
    scanned = str(form.get("scan") or "").strip()
    location = text(form.get("location"))
    try:
        found = inv.scan(scanned)
    except SerialtrackError as refusal:
        return scan_problem(request, refusal.message)
    if not (found.sku and found.serial):
        return scan_problem(request, found.message or f"{scanned} names no unit")
    unit, problem = scanned_unit(inv, kind, found, location)
    if unit is None:
        return scan_problem(request, problem)
    on_form = [form_line(form, i) for i in line_indexes(form)]
    if (taken := already_on(on_form, unit["sku"], unit["serial"])) is not None:
        return scan_problem(request, taken)
    index = max((x["index"] for x in on_form), default=-1) + 1
    line = {"index": index, "sku": unit["sku"], "serials": [unit["serial"]],
            "product_name": unit["product"]}  # fmt: skip
    return render(request, "_quick_line.html", {"line": line, "scanned": scanned})


def scanned_unit(
    inv: Inventory, kind: str, found: Any, location: str | None
) -> tuple[dict[str, Any] | None, str]:
    """The unit a scanned serial (``inv.scan``'s answer) names, as a line of a ``kind``
    document leaving ``location`` takes it; else None and why not, in plain words (where the
    unit is and in what state, or that it expired)."""
    if not location:
        return None, "choose the location the goods leave from first"
    sellable = kind in SELLABLE_KINDS
    offered = picker(inv, found.sku, location, [], found.serial, sellable=sellable)["offered"]
    unit = next((r for r in offered if code_key(r["serial"]) == code_key(found.serial)), None)
    if unit is None and _adoptable(inv, kind, found):
        # Never received, and the shop allows selling such a serial: the sale adopts it
        # through an adjustment and lists it as a discrepancy (the service decides that).
        name = inv.product(found.sku).name
        unit = {"sku": found.sku, "serial": found.serial,
                "product": f"{name} (not in the books: will be added)"}  # fmt: skip
    if unit is not None:
        return unit, ""
    where = found.where or "not in the books"  # as a refusal at posting says it
    problem = f"{found.sku} {found.serial} is not in stock at {location}: {where}"
    if sellable and found.status == "in_stock" and found.location == location:
        unit_view = inv.serial(found.sku, found.serial, history=False)
        if unit_view.expired:
            problem = f"{found.sku} {found.serial} expired on {unit_view.expiry}: not sellable"
    return None, problem


def already_on(lines: list[dict[str, Any]], sku: str, serial: str) -> str | None:
    """Why a serial is not added again: the line of the form that has it already."""
    for position, other in enumerate(lines, 1):
        if other["sku"] == sku and code_key(serial) in {code_key(s) for s in other["serials"]}:
            return f"{serial} is already on line {position}"
    return None


def _adoptable(inv: Inventory, kind: str, found: Any) -> bool:
    """A unit never received, on a document that may take such units (the service says)."""
    return found.status is None and inv.takes_unknown_serials(kind)


def scan_problem(request: Request, message: str, **context: Any) -> HTMLResponse:
    """A scan's answer shown beside the scan box instead of a line (``link``: a page it names;
    ``counter``: the counter's unit picker closes too)."""
    headers = {"HX-Retarget": "#scan-message", "HX-Reswap": "innerHTML"}
    context = {"message": message, **context}
    return render(request, "_scan_message.html", context, headers=headers)


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
            offered = origin_lines(found, inv.returnable(found.number))
            context["lines"] = with_rows(inv, kind, offered, products, {})
            context["location"] = return_location(found)
            context["locations"] = [x.name for x in inv.locations() if not x.kind.is_virtual]
            context["partner"] = found.partner
            context["partners"] = [p.name for p in inv.partners() if p.name == found.partner]
    return render(request, "_origin_lines.html", context)
