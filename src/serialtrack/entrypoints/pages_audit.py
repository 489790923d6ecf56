"""The audit trail page: who changed which master data, setting, user, token or serial, and
from what to what; newest first, filtered by entity, user, dates and text, paged to older ones.

Managers and admins only: the service refuses anyone else (403), as it does on the API.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from serialtrack.domain.errors import Invalid, Problem
from serialtrack.entrypoints.pages import Page, refusal_context, render, status_of
from serialtrack.entrypoints.pages import text as given_text
from serialtrack.services.audit import ENTITIES

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, inv: Page, entity: str = "", user: str = "", since: str = "",
    until: str = "", text: str = "", before: str = "",
) -> HTMLResponse:  # fmt: skip
    """The audit trail, newest first; "older" pages on from the oldest record shown."""
    given = {"entity": entity, "user": user, "since": since, "until": until, "text": text}
    given = {key: given_text(value) for key, value in given.items()}
    context: dict[str, Any] = {
        "title": "Audit trail", "entities": ENTITIES, "rows": [], "older": None, "newest": None,
        # "user" is the logged-in user in every template: the filter is "by_user"
        **{"by_user" if key == "user" else key: value for key, value in given.items()},
    }  # fmt: skip
    try:
        before_id = _before(before)
        rows = inv.audit(**given, limit=PAGE_SIZE + 1, before_id=before_id)
    except Invalid as refusal:
        context.update(refusal_context(refusal))
        return render(request, "audit.html", context, status_code=status_of(refusal))
    filters = {k: v for k, v in given.items() if v}
    context["rows"] = rows[:PAGE_SIZE]
    if len(rows) > PAGE_SIZE:
        context["older"] = "/audit?" + urlencode({**filters, "before": rows[PAGE_SIZE - 1]["id"]})
    if before_id is not None:
        context["newest"] = "/audit" + ("?" + urlencode(filters) if filters else "")
    return render(request, "audit.html", context)


def _before(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 2**62:
        raise Invalid("the page is not valid", [Problem("before", "a record id")])
    return int(value)
