"""Downloads of every report and list as CSV, XLSX or PDF, for the API and the pages.

- ``GET /api/v1/exports/{report}.{format}?filters``: any report of ``inventory_exports.REPORTS``
  with its filters as query parameters (a token or the session cookie);
- ``GET /exports/{report}.{format}?filters``: the same for the pages' "CSV", "XLSX" and
  "PDF" links, which carry the page's own filters.

The filters are checked before the first byte goes out: a bad one is a 422 problem naming it,
never a 200 whose file breaks off. The pages' ``export_links`` macro builds the links.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import StreamingResponse
from starlette.datastructures import QueryParams

from serialtrack.adapters import exports
from serialtrack.domain.errors import Invalid, Problem
from serialtrack.entrypoints import api_models as m
from serialtrack.entrypoints.api import Inv
from serialtrack.entrypoints.pages import TEMPLATES, Page
from serialtrack.inventory import Inventory
from serialtrack.inventory_exports import REPORTS

# what a page's address carries that is not a filter: paging, the format itself
NOT_FILTERS = frozenset({"format", "after", "before", "limit", "page", "next"})
INTS = frozenset({"days"})
LISTS = frozenset({"serials"})  # may be given several times: joined one per line

ReportName = Annotated[str, Path(pattern="^[a-z-]{1,40}$", description=", ".join(REPORTS))]
Format = Annotated[str, Path(pattern="^(csv|xlsx|pdf)$")]
DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report as CSV, XLSX or PDF",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            exports.MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    },
}

api_router = APIRouter(prefix="/api/v1", responses=m.PROBLEM_RESPONSES)
page_router = APIRouter(include_in_schema=False)


def filters_from(query: QueryParams) -> dict[str, Any]:
    """A query string as a report's filters: blanks left out, ``days`` a whole number,
    ``date_*`` dates; an unreadable value is refused, named."""
    filters: dict[str, Any] = {}
    problems = []
    for key in dict.fromkeys(query.keys()):
        if key in NOT_FILTERS:
            continue
        values = [v.strip() for v in query.getlist(key) if v.strip()]
        if not values:
            continue
        value: Any = "\n".join(values) if key in LISTS else values[-1]
        if key in INTS:
            try:
                value = int(value)
            except ValueError:
                problems.append(Problem(key, f"{value!r} is not a whole number"))
                continue
        elif key.startswith("date_"):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                problems.append(Problem(key, f"{value!r} is not a date like 2026-11-30"))
                continue
        filters[key] = value
    if problems:
        raise Invalid("the report's filters are not valid", problems)
    return filters


def download(inv: Inventory, name: str, fmt: str, query: QueryParams) -> StreamingResponse:
    report = inv.report_table(name, **filters_from(query))  # checked whole here
    if fmt == "pdf":  # drawn before answering, so a failure is an error page, not half a file
        body: Any = iter([exports.pdf_bytes(report, printed_at=inv.clock())])
    else:
        body = exports.chunks(report, fmt)
    disposition = attachment(exports.filename(report, fmt))
    return StreamingResponse(body, media_type=exports.MEDIA_TYPES[fmt],
                             headers={"Content-Disposition": disposition})  # fmt: skip


def attachment(name: str) -> str:
    """A Content-Disposition for ``name``, whatever it holds (a batch code may have quotes,
    slashes or letters beyond Latin-1): a plain ASCII ``filename`` and the exact name as
    RFC 6266's ``filename*``."""
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    if plain == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


@api_router.get("/exports/{report}.{fmt}", tags=["reports"], response_class=StreamingResponse,
                responses=DOWNLOAD)  # fmt: skip
def export(inv: Inv, report: ReportName, fmt: Format, request: Request) -> StreamingResponse:
    """Any report as a file. ``report`` is one of: serials (the product serial number report;
    filters sku, status, location, partner, received_from/to, sold_from/to), serial-list (sku,
    status, location, text, partner, received_from/to, sold_from/to), stock (sku, location,
    status, batch), stock-as-of (at, sku, location), journal (date_from, date_to, location,
    sku, kind, partner, user), recall (serials, batch, receipt, supplier, date_from, date_to,
    sku), batch (sku, code),
    warranty (days, side, sku), expiring (days, location, sku), discrepancies (state),
    documents (kind, state, partner, date_from, date_to), products (text, tracking),
    in-transit, audit (entity, user, since, until, text), locations, partners. XLSX cells
    hold dates as dates; text cells that a spreadsheet would run as a formula are written
    as text in CSV and XLSX alike."""
    return download(inv, report, fmt, request.query_params)


@page_router.get("/exports/{report}.{fmt}")
def export_page(inv: Page, report: ReportName, fmt: Format, request: Request) -> StreamingResponse:
    return download(inv, report, fmt, request.query_params)


def export_url(report: str, fmt: str, filters: dict[str, Any] | QueryParams | None = None) -> str:
    """The page link that downloads ``report`` in ``fmt`` with ``filters`` (blanks dropped)."""
    pairs = []
    if filters is not None:
        items = filters.multi_items() if isinstance(filters, QueryParams) else filters.items()
        pairs = [(k, v) for k, v in items if k not in NOT_FILTERS and v not in (None, "")]
    query = urlencode(pairs, doseq=True)
    return f"/exports/{report}.{fmt}" + (f"?{query}" if query else "")


TEMPLATES.env.globals["export_url"] = export_url
