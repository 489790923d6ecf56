"""The recall page: by serials, a batch, a receipt, or a supplier and dates, every unit and
quantity concerned and where it is now, with a CSV download of the same."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from serialtrack.domain.errors import Invalid, Problem, SerialtrackError
from serialtrack.entrypoints.pages import Page, refusal_context, render, status_of

router = APIRouter(include_in_schema=False)
FIELDS = ("serials", "batch", "receipt", "supplier", "date_from", "date_to", "sku")


def _scope(given: dict[str, str]) -> dict[str, Any]:
    """The form's fields as the library takes them: blanks left out, dates read."""
    scope: dict[str, Any] = {}
    problems = []
    for name in FIELDS:
        value = (given.get(name) or "").strip()
        if not value:
            continue
        if name.startswith("date_"):
            try:
                scope[name] = date.fromisoformat(value)
            except ValueError:
                problems.append(Problem(name, f"{value!r} is not a date like 2026-11-30"))
            continue
        scope[name] = value
    if problems:
        raise Invalid("the recall is not valid", problems)
    return scope


@router.get("/recall", response_class=HTMLResponse)
def recall_page(request: Request, inv: Page) -> HTMLResponse:
    given = {name: request.query_params.get(name, "") for name in FIELDS}
    context: dict[str, Any] = {"title": "Recall", "given": given, "view": None,
                               "query": request.url.query}  # fmt: skip
    if not any(given.values()):
        return render(request, "recall.html", context)
    try:
        context["view"] = inv.recall(**_scope(given))
    except SerialtrackError as refusal:
        context.update(refusal_context(refusal))
        return render(request, "recall.html", context, status_code=status_of(refusal))
    return render(request, "recall.html", context)


@router.get("/recall.csv")
def recall_csv(request: Request, inv: Page) -> Response:
    given = {name: request.query_params.get(name, "") for name in FIELDS}
    rows = inv.recall_csv(**_scope(given))  # checked whole before the first byte goes out
    headers = {"Content-Disposition": 'attachment; filename="recall.csv"'}
    return StreamingResponse(rows, media_type="text/csv; charset=utf-8", headers=headers)
