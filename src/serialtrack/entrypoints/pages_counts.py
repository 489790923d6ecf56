"""Inventory counts in scan mode, and the discrepancies to investigate.

- the counts: every count (open, posted, cancelled) and a form to open one for a store,
  optionally of one product;
- a count's page: scan what is on the shelf (Enter records; several scanners may work at
  once, scanning twice changes nothing), the running expected / found / missing, the lists of
  serials missing and found unexpectedly with what the books say, and "Post count";
  once posted, the differences it wrote. A posted count is cancelled like any document;
- the discrepancies: what counts and sales flagged, each linked to its document and serial.

As everywhere, a page reads its form, calls one ``Inventory`` method and shows its answer or
its refusal beside the field it names; the service decides who may do what.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from serialtrack.domain.errors import SerialtrackError
from serialtrack.entrypoints.pages import (
    FormPage,
    Page,
    refusal_context,
    render,
    saved,
    status_of,
    text,
)
from serialtrack.inventory import Inventory

router = APIRouter(include_in_schema=False)
KIND = "inventory_count"


# --- the list and opening a count --------------------------------------------------------------
@router.get("/counts", response_class=HTMLResponse)
def counts(request: Request, inv: Page) -> HTMLResponse:
    return _counts_page(request, inv, {})


@router.post("/counts/new")
async def open_count(request: Request, inv: FormPage) -> Response:
    form = await request.form()
    given = {"location": text(form.get("location")), "sku": text(form.get("sku")),
             "blind": form.get("blind") == "1"}  # fmt: skip
    try:
        opened = inv.open_count(location=given["location"] or "", sku=given["sku"],
                                blind=given["blind"])  # fmt: skip
    except SerialtrackError as refusal:
        return _counts_page(request, inv, given, refusal=refusal)
    return RedirectResponse(f"/counts/{opened.id}", status_code=303)


def _counts_page(
    request: Request, inv: Inventory, given: dict[str, Any], *,
    refusal: SerialtrackError | None = None,
) -> HTMLResponse:  # fmt: skip
    products = inv.products()
    skus = {p.id: p.sku for p in products}
    rows = [{**r, "sku": skus.get(r.get("scope_product_id"))}
            for r in inv.documents(kind=KIND, limit=200)]  # fmt: skip
    context: dict[str, Any] = {
        "title": "Inventory counts", "counts": rows, "given": given,
        "locations": [loc.name for loc in inv.locations() if not loc.kind.is_virtual],
        "products": [p.sku for p in products],  # serials, or quantities of the others
    }  # fmt: skip
    if refusal is None:
        return render(request, "counts.html", context)
    context.update(refusal_context(refusal))
    return render(request, "counts.html", context, status_code=status_of(refusal))


# --- a count -------------------------------------------------------------------------------------
@router.get("/counts/{count_id}", response_class=HTMLResponse)
def count(request: Request, inv: Page, count_id: int) -> HTMLResponse:
    return _count_page(request, inv, count_id)


def _count_page(
    request: Request, inv: Inventory, count_id: int, *, refusal: SerialtrackError | None = None,
    outcomes: list[dict[str, Any]] | None = None, scan: str = "",
    entered: dict[str, list[str]] | None = None,
) -> HTMLResponse:  # fmt: skip
    view = inv.count(count_id)
    context: dict[str, Any] = {
        "title": f"Inventory count {view.number}", "count": view, "outcomes": outcomes or [],
        "scan": scan, "entered": entered or {},
        "products": [p.sku for p in inv.products() if p.tracking.serialized],
        "quantity_products": [p.sku for p in inv.products() if not p.tracking.serialized],
    }  # fmt: skip
    if refusal is None:
        return render(request, "count.html", context)
    context.update(refusal_context(refusal))
    return render(request, "count.html", context, status_code=status_of(refusal))


@router.post("/counts/{count_id}/scan", response_class=HTMLResponse)
async def count_scan(request: Request, inv: FormPage, count_id: int) -> HTMLResponse:
    """Record one scan. HTMX gets the outcome beside the box and fresh tallies and lists; a
    plain form post (no JavaScript) gets the whole page."""
    form = await request.form()
    scanned = str(form.get("scan") or "").strip()
    sku = text(form.get("sku"))
    htmx = request.headers.get("HX-Request") == "true"
    try:
        outcomes = inv.count_scan(count_id, [scanned], sku=sku)
    except SerialtrackError as refusal:
        if not htmx:
            return _count_page(request, inv, count_id, refusal=refusal, scan=scanned)
        context = {"count": inv.count(count_id), "scan": scanned, **refusal_context(refusal)}
        return render(request, "_count_scan.html", context)  # 200: HTMX swaps only those
    if not htmx:
        return _count_page(request, inv, count_id, outcomes=outcomes)
    context = {"count": inv.count(count_id), "outcomes": outcomes, "scan": scanned}
    return render(request, "_count_scan.html", context)


@router.post("/counts/{count_id}/unscan", response_class=HTMLResponse)
async def count_unscan(request: Request, inv: FormPage, count_id: int) -> Response:
    """Undo a wrong scan (the button on a found row); the page again, or the refusal on it."""
    form = await request.form()
    try:
        removed = inv.count_unscan(count_id, str(form.get("scan") or ""), sku=text(form.get("sku")))
    except SerialtrackError as refusal:
        return _count_page(request, inv, count_id, refusal=refusal)
    return saved(request, f"/counts/{count_id}",
                 f"{removed['sku']} {removed['code']} is no longer counted")  # fmt: skip


@router.post("/counts/{count_id}/discard")
def discard_count(request: Request, inv: FormPage, count_id: int) -> Response:
    """Discard an open count; a refusal (posted already, role) is shown on its page."""
    number = inv.count(count_id).number
    try:
        inv.discard_count(count_id)
    except SerialtrackError as refusal:
        return _count_page(request, inv, count_id, refusal=refusal)
    return saved(request, "/counts", f"Count {number} discarded")


@router.post("/counts/{count_id}/quantities", response_class=HTMLResponse)
async def count_quantities(request: Request, inv: FormPage, count_id: int) -> Response:
    """Record the quantities entered (one per product and batch; a blank one is not counted),
    and the extra line's product, batch and quantity (stock found that the books don't have
    here); then the page again, or the refusal beside the line it names."""
    form = await request.form()
    given = zip(form.getlist("sku"), form.getlist("batch"), form.getlist("quantity"), strict=False)
    rows, lines = [], []  # the form's row of each line sent
    for row, (sku, batch, quantity) in enumerate(given):
        if str(quantity).strip() and str(sku).strip():
            rows.append(row)
            lines.append({"sku": str(sku), "batch": text(batch), "quantity": _number(quantity)})
    try:
        inv.count_quantities(count_id, lines)
    except SerialtrackError as refusal:
        problems = [
            replace(p, where=re.sub(r"^lines\[(\d+)\]", lambda m: f"rows[{rows[int(m[1])]}]",
                                    p.where))
            for p in refusal.problems
        ]  # fmt: skip
        named = type(refusal)(refusal.message, problems)
        return _count_page(
            request,
            inv,
            count_id,
            refusal=named,
            entered={k: [str(v) for v in form.getlist(k)] for k in ("sku", "batch", "quantity")},
        )
    return RedirectResponse(f"/counts/{count_id}#quantities", status_code=303)


def _number(given: object) -> int | str:
    """A whole number as typed, or the text itself for the service to refuse by name."""
    value = str(given).strip()
    return int(value) if value.lstrip("-").isdigit() else value


@router.post("/counts/{count_id}/post")
def post_count(request: Request, inv: FormPage, count_id: int) -> Response:
    """Post the differences; a refusal (role, serials held by drafts) is shown on the page."""
    try:
        inv.post_count(count_id)
    except SerialtrackError as refusal:
        return _count_page(request, inv, count_id, refusal=refusal)
    return RedirectResponse(f"/counts/{count_id}", status_code=303)


# --- discrepancies -------------------------------------------------------------------------------
@router.get("/discrepancies", response_class=HTMLResponse)
def discrepancies(request: Request, inv: Page, state: str = "open") -> HTMLResponse:
    """Open discrepancies (a to-do list), or the resolved ones, or all."""
    try:
        rows = inv.discrepancies(state)
    except SerialtrackError as refusal:
        context = {"title": "Discrepancies", "rows": [], "state": "open",
                   **refusal_context(refusal)}  # fmt: skip
        return render(request, "discrepancies.html", context, status_code=status_of(refusal))
    context = {"title": "Discrepancies", "rows": rows, "state": state}
    return render(request, "discrepancies.html", context)
