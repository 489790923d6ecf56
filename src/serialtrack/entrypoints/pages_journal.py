"""The journal of moves, discrepancies resolved, serial corrections over the API (web pages).

- ``/journal``: every move, oldest first, filtered by days, location (moves from or to it),
  product, document kind, partner and user; a "next page" link and CSV and XLSX downloads
  of every move the filters keep (``/exports/journal.csv``);
- ``POST /discrepancies/{id}/resolve``: the discrepancies page's "Resolve" form (managers);
  back to the discrepancies, or the refusal shown beside the note.

As everywhere, a page reads its form, calls one ``Inventory`` method and shows its answer or
its refusal; the service decides who may do what and checks every filter.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from serialtrack.domain.errors import Invalid, Problem, SerialtrackError
from serialtrack.domain.model import DocumentKind
from serialtrack.entrypoints.pages import FormPage, Page, refusal_context, render, status_of
from serialtrack.entrypoints.pages import text as given_text

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100
FILTERS = ("date_from", "date_to", "location", "sku", "kind", "partner", "user")


@router.get("/journal", response_class=HTMLResponse)
def journal_page(
    request: Request, inv: Page, date_from: str = "", date_to: str = "", location: str = "",
    sku: str = "", kind: str = "", partner: str = "", user: str = "", after: str = "",
) -> HTMLResponse:  # fmt: skip
    """The movement journal, oldest first; "next page" goes on after the last move shown."""
    given = {"date_from": date_from, "date_to": date_to, "location": location, "sku": sku,
             "kind": kind, "partner": partner, "user": user}  # fmt: skip
    given = {key: given_text(value) for key, value in given.items()}
    filters = {k: v for k, v in given.items() if v}
    context: dict[str, Any] = {
        "title": "Journal", "rows": [], "next_page": None, "first_page": None,
        "kinds": [k.value for k in DocumentKind],
        # "user" is the logged-in user in every template: the filter is "by_user"
        **{"by_user" if key == "user" else key: value or "" for key, value in given.items()},
    }  # fmt: skip
    try:
        after_id = _after(after)
        rows = inv.journal(**filters, after_id=after_id, limit=PAGE_SIZE)
    except Invalid as refusal:
        context.update(refusal_context(refusal))
        return render(request, "journal.html", context, status_code=status_of(refusal))
    context["rows"] = rows
    if len(rows) == PAGE_SIZE:
        context["next_page"] = "/journal?" + urlencode({**filters, "after": rows[-1].id})
    if after_id:
        context["first_page"] = "/journal" + ("?" + urlencode(filters) if filters else "")
    return render(request, "journal.html", context)


def _after(value: str) -> int:
    value = value.strip()
    if not value:
        return 0
    if not value.isdigit() or not 0 <= int(value) <= 2**62:
        raise Invalid("the page is not valid", [Problem("after", "a move id")])
    return int(value)


@router.post("/discrepancies/{discrepancy_id}/resolve")
def resolve_discrepancy(
    request: Request, inv: FormPage, discrepancy_id: int,
    note: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Resolve one discrepancy with a note; then the resolved ones, where it now is."""
    try:
        inv.resolve_discrepancy(discrepancy_id, note)
    except SerialtrackError as refusal:
        context: dict[str, Any] = {
            "title": "Discrepancies", "state": "open", "rows": inv.discrepancies_by_state("open"),
            "resolving": discrepancy_id, "note": note, **refusal_context(refusal),
        }  # fmt: skip
        return render(request, "discrepancies.html", context, status_code=status_of(refusal))
    return RedirectResponse("/discrepancies?state=resolved", status_code=303)
