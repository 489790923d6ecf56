"""Refund by scan: scan the serials that come back (or the sales slip's number), see what each
names — invoice, customer, sale date, warranty — then take them back with a reason.

The scan box is a text area: a scanner types each code and Enter, so every scan is a line. "Look
up" shows what the scans name (nothing is written); "Refund" makes one sales return (credit
note) per invoice into the chosen location (a store, or a quarantine location to inspect the
goods). A refusal names each scan that names no sold unit; nothing is written then.

Back to the supplier likewise (``/supplier-returns/new``): scan units in stock at the chosen
store; each shows the receipt and supplier it came in on; "Send back" makes one purchase return
(debit note) per receipt, units that came in without one going to the supplier chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from serialtrack.domain.errors import SerialtrackError
from serialtrack.entrypoints.pages import FormPage, Page, refusal_context, render, status_of, text
from serialtrack.inventory import Inventory

router = APIRouter(include_in_schema=False)


@router.get("/refunds/new", response_class=HTMLResponse)
def new_refund(request: Request, inv: Page, scan: str = "") -> HTMLResponse:
    """The refund page; ``scan`` (e.g. from a slip scanned into the search box) starts it."""
    given = {"scans": scan.strip(), "location": "", "reason": "", "detail": ""}
    return _page(request, inv, given, lookup=bool(given["scans"]))


@router.post("/refunds/new")
async def refund(request: Request, inv: FormPage) -> Response:
    form = await request.form()
    given = {k: text(form.get(k)) or "" for k in ("scans", "location", "reason", "detail")}
    if form.get("action") != "refund":
        return _page(request, inv, given, lookup=True)
    try:
        made = inv.refund(_scans(given["scans"]), location=given["location"], reason=_reason(given))
    except SerialtrackError as refusal:
        return _page(request, inv, given, lookup=True, refusal=refusal)
    if len(made) == 1:
        return RedirectResponse(f"/documents/{made[0].id}", status_code=303)
    numbers = ",".join(d.number for d in made)
    return RedirectResponse(f"/documents?kind=sales_return&made={numbers}", status_code=303)


def _scans(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _reason(given: dict[str, str]) -> str:
    """The reason chosen and its details: ``Defective: no sound``."""
    return ": ".join(part for part in (given["reason"], given["detail"]) if part)


def _page(
    request: Request, inv: Inventory, given: dict[str, str], *, lookup: bool,
    refusal: SerialtrackError | None = None,
) -> HTMLResponse:  # fmt: skip
    scans = _scans(given["scans"])
    look = (lambda: inv.sold_units(scans)) if lookup and scans else None
    return _scan_page(request, inv, "refund.html", "Refund by scan", given, look, refusal)


def _scan_page(
    request: Request, inv: Inventory, template: str, title: str, given: dict[str, str],
    look: Callable[[], list[Any]] | None, refusal: SerialtrackError | None, **more: Any,
) -> HTMLResponse:  # fmt: skip
    """A scan page: the form as given, what ``look`` finds (its refusal, or ``refusal``, shown
    beside the fields it names)."""
    context: dict[str, Any] = {
        "title": title, "given": given, "units": [],
        "locations": [loc.name for loc in inv.locations() if not loc.kind.is_virtual],
        "reasons": inv.return_reasons(), **more,
    }  # fmt: skip
    if look is not None and refusal is None:
        try:
            context["units"] = look()
        except SerialtrackError as found:
            refusal = found
    if refusal is None:
        return render(request, template, context)
    context.update(refusal_context(refusal))
    return render(request, template, context, status_code=status_of(refusal))


# --- back to the supplier ------------------------------------------------------------------
SUPPLIER_FIELDS = ("scans", "location", "supplier", "reason", "detail")


@router.get("/supplier-returns/new", response_class=HTMLResponse)
def new_supplier_return(request: Request, inv: Page) -> HTMLResponse:
    return _supplier_page(request, inv, dict.fromkeys(SUPPLIER_FIELDS, ""), lookup=False)


@router.post("/supplier-returns/new")
async def supplier_return(request: Request, inv: FormPage) -> Response:
    form = await request.form()
    given = {k: text(form.get(k)) or "" for k in SUPPLIER_FIELDS}
    if form.get("action") != "send":
        return _supplier_page(request, inv, given, lookup=True)
    try:
        made = inv.return_scanned_to_suppliers(
            _scans(given["scans"]), location=given["location"], reason=_reason(given),
            supplier=given["supplier"] or None,
        )  # fmt: skip
    except SerialtrackError as refusal:
        return _supplier_page(request, inv, given, lookup=True, refusal=refusal)
    if len(made) == 1:
        return RedirectResponse(f"/documents/{made[0].id}", status_code=303)
    return RedirectResponse("/documents?kind=purchase_return", status_code=303)


def _supplier_page(
    request: Request, inv: Inventory, given: dict[str, str], *, lookup: bool,
    refusal: SerialtrackError | None = None,
) -> HTMLResponse:  # fmt: skip
    scans, store = _scans(given["scans"]), given["location"]
    look = (lambda: inv.stock_units(scans, location=store)) if lookup and scans and store else None
    suppliers = [p.name for p in inv.partners() if p.is_supplier]
    return _scan_page(request, inv, "supplier_return.html", "Purchase return by scan", given,
                      look, refusal, suppliers=suppliers)  # fmt: skip
