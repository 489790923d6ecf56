"""The recall page: by serials, a batch, a receipt, or a supplier and dates, every unit and
quantity concerned and where it is now, with CSV, XLSX and PDF downloads of the same; what is
still in stock put on hold in one step (anyone who posts documents), and released again
(managers)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from serialtrack.domain.errors import Invalid, Problem, SerialtrackError
from serialtrack.entrypoints.pages import FormPage, Page, refusal_context, render, status_of

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
    context: dict[str, Any] = {"title": "Recall", "given": given, "view": None}
    if not any(given.values()):
        return render(request, "recall.html", context)
    try:
        context["view"] = inv.recall(**_scope(given))
    except SerialtrackError as refusal:
        context.update(refusal_context(refusal))
        return render(request, "recall.html", context, status_code=status_of(refusal))
    return render(request, "recall.html", context)


@router.post("/recall/hold", response_class=HTMLResponse)
async def hold(request: Request, inv: FormPage) -> HTMLResponse:
    """Put what the recall finds in stock on hold, with the reason given; the page then shows
    the recall as it is after, the holds made and what could not be held."""
    form = await request.form()
    given = {name: str(form.get(name) or "") for name in FIELDS}
    reason = str(form.get("reason") or "")
    return _act(request, inv, given, lambda scope: inv.recall(**scope, hold=True, reason=reason),
                reason=reason)  # fmt: skip


@router.post("/recall/release", response_class=HTMLResponse)
async def release(request: Request, inv: FormPage) -> HTMLResponse:
    """Release every hold of this recall (managers); the page shows the recall after."""
    form = await request.form()
    given = {name: str(form.get(name) or "") for name in FIELDS}

    def released(scope: dict[str, Any]) -> Any:
        done = inv.release_recall(**scope)
        return replace(inv.recall(**scope), released=tuple(d.number for d in done))

    return _act(request, inv, given, released)


def _act(
    request: Request, inv: Any, given: dict[str, str], act: Any, reason: str = ""
) -> HTMLResponse:
    """Do ``act`` to the recall; a refusal is shown above the recall as it still is."""
    context: dict[str, Any] = {"title": "Recall", "given": given, "view": None,
                               "reason": reason}  # fmt: skip
    try:
        context["view"] = act(_scope(given))
    except SerialtrackError as refusal:
        context.update(refusal_context(refusal))
        with suppress(SerialtrackError):  # the scope itself is wrong: the refusal says so
            context["view"] = inv.recall(**_scope(given))
        return render(request, "recall.html", context, status_code=status_of(refusal))
    return render(request, "recall.html", context)


@router.get("/recall.csv")
def recall_csv(request: Request, inv: Page) -> Response:
    given = {name: request.query_params.get(name, "") for name in FIELDS}
    rows = inv.recall_csv(**_scope(given))  # checked whole before the first byte goes out
    headers = {"Content-Disposition": 'attachment; filename="recall.csv"'}
    return StreamingResponse(rows, media_type="text/csv; charset=utf-8", headers=headers)
