"""The service desk's report pages: warranty ending within N days, and what expires.

- ``/warranty``: units whose customer warranty (units sold, with customer and invoice) or
  supplier warranty (units still held, with supplier and receipt) ends within ``days`` days;
- ``/expiring``: serials and batch parts in the stores expiring within ``days`` days, those
  expired already marked.

Both download as CSV and XLSX (the reports ``warranty`` and ``expiring``) with the page's
filters; a refusal (days not a whole number, an unknown SKU or location) is shown on the page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from serialtrack.domain.errors import Invalid, Problem, SerialtrackError
from serialtrack.domain.model import TrackingMode
from serialtrack.entrypoints.pages import Page, refusal_context, render, status_of
from serialtrack.inventory import Inventory
from serialtrack.services.warranty_expiry import MAX_DAYS, SIDES

router = APIRouter(include_in_schema=False)
DEFAULT_DAYS = 30


def _days(value: str) -> int:
    """The days field as a whole number (blank: the default); the service checks its range."""
    value = value.strip()
    if not value:
        return DEFAULT_DAYS
    try:
        return int(value)
    except ValueError:
        problem = Problem("days", f"a whole number from 0 to {MAX_DAYS}")
        raise Invalid("days is a whole number", [problem]) from None


def _skus(inv: Inventory, *modes: TrackingMode) -> list[str]:
    return [p.sku for p in inv.products() if p.tracking in modes]


@router.get("/warranty", response_class=HTMLResponse)
def warranty(
    request: Request, inv: Page, days: str = "", side: str = "customer", sku: str = ""
) -> HTMLResponse:
    """Warranty ending within ``days`` days: the customer's (units sold) or the supplier's
    (units held), soonest first."""
    side = side.strip() or "customer"
    filters = {"days": days.strip() or str(DEFAULT_DAYS), "side": side, "sku": sku.strip()}
    context: dict[str, Any] = {
        "title": "Warranty ending", "filters": filters, "rows": None, "sides": SIDES,
        "products": _skus(inv, TrackingMode.SERIAL),
    }  # fmt: skip
    try:
        context["rows"] = inv.warranty_ending(_days(days), side=side, sku=filters["sku"] or None)
    except SerialtrackError as refusal:
        context.update(refusal_context(refusal))
        return render(request, "warranty.html", context, status_code=status_of(refusal))
    return render(request, "warranty.html", context)


@router.get("/expiring", response_class=HTMLResponse)
def expiring(
    request: Request, inv: Page, days: str = "", location: str = "", sku: str = ""
) -> HTMLResponse:
    """What expires on the shelves within ``days`` days, per store; expired stock first."""
    filters = {"days": days.strip() or str(DEFAULT_DAYS), "location": location.strip(),
               "sku": sku.strip()}  # fmt: skip
    context: dict[str, Any] = {
        "title": "Expiring", "filters": filters, "rows": None,
        "products": _skus(inv, TrackingMode.SERIAL, TrackingMode.BATCH),
        "locations": [loc.name for loc in inv.locations() if not loc.kind.is_virtual],
    }  # fmt: skip
    try:
        context["rows"] = inv.expiring(
            _days(days), location=filters["location"] or None, sku=filters["sku"] or None
        )
    except SerialtrackError as refusal:
        context.update(refusal_context(refusal))
        return render(request, "expiring.html", context, status_code=status_of(refusal))
    return render(request, "expiring.html", context)
