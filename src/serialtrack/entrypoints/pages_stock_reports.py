"""Stock on hand with totals, and stock as of any date and time, read from the ledger (web
pages): ``/stock``, filtered by product, location, status, batch, or an "as of" moment, with
CSV and XLSX downloads of what it shows (the ``stock`` or ``stock-as-of`` report)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from serialtrack.domain.errors import Invalid
from serialtrack.domain.model import LocationKind
from serialtrack.entrypoints.pages import Page, refusal_context, render
from serialtrack.services.stock_reports import (
    ON_HAND_STATUSES,
    as_of_totals,
    refuse_on_hand_filters,
)

router = APIRouter(include_in_schema=False)
HELD = tuple(k for k in LocationKind if k.holds_stock)


@router.get("/stock", response_class=HTMLResponse)
def stock(
    request: Request, inv: Page, sku: str = "", location: str = "", status: str = "",
    batch: str = "", as_of: str = "",
) -> HTMLResponse:  # fmt: skip
    """Stock on hand (in transit rows link to their transfer) with totals; with ``as_of``,
    the quantities then, computed from the ledger."""
    filters = {"sku": sku, "location": location, "status": status, "batch": batch,
               "as_of": as_of}  # fmt: skip
    context: dict[str, Any] = {
        "title": "Stock", "filters": filters, "rows": [], "as_of_rows": None, "report": None,
        "products": [p.sku for p in inv.products()],
        "locations": [loc.name for loc in inv.locations() if loc.kind in HELD],
        "statuses": [s.value for s in ON_HAND_STATUSES],
    }  # fmt: skip
    names = {"sku": sku or None, "location": location or None}
    # the downloads carry the page's filters: "as of" is the stock-as-of report's "at"
    if as_of.strip():
        context["export"] = ("stock-as-of", {"at": as_of.strip(), **names})
    else:
        context["export"] = ("stock", {**names, "status": status, "batch": batch})
    try:
        if as_of.strip():
            refuse_on_hand_filters(status=status, batch=batch)
            found = inv.stock_as_of(as_of, **names, where="as_of")
            context.update(as_of_rows=found, report=as_of_totals(found))
        else:
            report = inv.stock_on_hand(**names, status=status or None, batch=batch or None)
            context.update(rows=report.rows, report=report)
    except Invalid as refusal:
        context.update(refusal_context(refusal))
        return render(request, "stock_on_hand.html", context, status_code=422)
    return render(request, "stock_on_hand.html", context)
