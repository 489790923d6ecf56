"""The HTTP app: the JSON API (``/api/v1``) and the pages people use, around ``Inventory``.

Everyone logs in: the API with a bearer token or a session cookie, pages with the session
cookie (login form at ``/login``). Every route acts as the logged-in user, so the service
layer's role checks apply to both.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles

import serialtrack
from serialtrack.adapters.files import safe_cell
from serialtrack.domain import first_steps
from serialtrack.domain.errors import SerialtrackError, Throttled, Unauthenticated
from serialtrack.entrypoints import (
    api,
    api_admin,
    api_dashboard,
    api_epcis,
    api_expected,
    api_journal,
    api_labels,
    api_printing,
    api_reports,
    api_stock,
    exporting,
    headers,
    pages_assembly,
    pages_audit,
    pages_catalog,
    pages_counter,
    pages_counts,
    pages_documents,
    pages_entry,
    pages_expected,
    pages_help,
    pages_imports,
    pages_journal,
    pages_labels,
    pages_places,
    pages_recall,
    pages_refunds,
    pages_reports,
    pages_stock,
    pages_stock_reports,
    pages_users,
    problems,
)
from serialtrack.entrypoints.api import SESSION_COOKIE, authenticated, client_address
from serialtrack.entrypoints.pages import (
    FormPage,
    LoginFirstError,
    Page,
    refusal_context,
    render,
    status_of,
)
from serialtrack.inventory import Inventory
from serialtrack.services.queries import REPORT_COLUMNS

STATIC = Path(__file__).parent / "static"
pages = APIRouter(include_in_schema=False)
PAGE_ROUTERS = (pages, pages_catalog.router, pages_counts.router, pages_documents.router,
                pages_entry.router, pages_imports.router, pages_places.router,
                pages_stock.router, pages_audit.router, pages_labels.router,
                pages_refunds.router, pages_counter.router, pages_assembly.router,
                pages_stock_reports.router, pages_journal.router, pages_recall.router,
                pages_reports.router, exporting.page_router, pages_expected.router,
                pages_help.router)  # fmt: skip


def create_app(database_url: str) -> FastAPI:
    """The app on ``database_url``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.inventory = serialtrack.open(database_url, user=None)
        try:
            yield
        finally:
            app.state.inventory.close()

    app = FastAPI(
        title="serialtrack",
        version=serialtrack.__version__,
        description="Serial-number inventory: every unit from receipt to sale and back.",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served below from vendored files: no CDN, no inline script
        redoc_url=None,
    )
    problems.install(app)
    app.add_middleware(problems.BodyLimit)
    headers.install(app)
    app.include_router(api.router)
    app.include_router(api_admin.router)
    app.include_router(api_labels.router)
    app.include_router(api_printing.router)
    app.include_router(api_stock.router)
    app.include_router(api_journal.router)
    app.include_router(api_dashboard.router)
    app.include_router(api_epcis.router)
    app.include_router(exporting.api_router)
    app.include_router(api_reports.router)
    app.include_router(api_expected.router)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_login_redirect(app)
    install_page_errors(app)
    pages_users.install(app)
    return app


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory`` with several workers: the database from the environment."""
    from serialtrack.config import Settings

    return create_app(os.environ.get("SERIALTRACK_DATABASE_URL") or Settings().database_url)


# Swagger UI from static/swagger/ (swagger-ui-dist, see its VERSION): the app starts and shows
# its API docs with no network, under a CSP that allows no inline script (swagger-init.js).
API_DOCS = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>serialtrack API</title>
  <link rel="stylesheet" href="/static/swagger/swagger-ui.css">
  <link rel="icon" type="image/png" href="/static/swagger/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="/api/v1/openapi.json"></div>
  <script src="/static/swagger/swagger-ui-bundle.js"></script>
  <script src="/static/swagger/swagger-init.js"></script>
</body>
</html>
"""


@pages.get("/api/docs", response_class=HTMLResponse)
def api_docs() -> HTMLResponse:
    return HTMLResponse(API_DOCS)


@pages.get("/login", response_class=HTMLResponse)
def login_form(request: Request, error: str = "") -> HTMLResponse:
    return render(request, "login.html", {"error": error})


@pages.post("/login")
def login(
    request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()]
) -> Response:
    client = client_address(request)
    try:
        session = request.app.state.inventory.login(username, password, client=client)
    except Throttled as refusal:
        context = {"error": refusal.message, "username": username}
        headers = {"Retry-After": str(refusal.retry_after)}
        return render(request, "login.html", context, status_code=429, headers=headers)
    except Unauthenticated as refusal:
        context = {"error": refusal.message, "username": username}
        return render(request, "login.html", context, status_code=401)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE, session.token, httponly=True, samesite="lax",
        secure=request.url.scheme == "https", max_age=12 * 3600, path="/",
    )  # fmt: skip
    return response


@pages.post("/logout")
def logout(request: Request, inv: FormPage) -> Response:
    request.app.state.inventory.logout(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@pages.get("/", response_class=HTMLResponse)
def home(request: Request, inv: Page, sku: str = "", code: str = "") -> Response:
    if sku and code:  # the old lookup form's address
        return RedirectResponse(f"/serial?{urlencode({'sku': sku, 'code': code})}", 303)
    figures = inv.dashboard()
    context = {"stock": inv.stock(), "documents": inv.documents(limit=15),
               "dashboard": figures, "charts": figures.charts()}  # fmt: skip
    context["first_steps"] = _first_steps(inv)
    return render(request, "home.html", context)


def _first_steps(inv: Inventory) -> list[first_steps.Step] | None:
    """Home's first steps while the shop has never received goods; None once it has."""
    received = any(
        inv.documents(kind=k, state="posted", limit=1) for k in ("receipt", "opening_balance")
    )
    if received:
        return None
    return first_steps.first_steps(
        has_store=any(not x.kind.is_virtual for x in inv.locations()),
        has_product=bool(inv.products()), has_received=False,
    )  # fmt: skip


@pages.get("/reports/serials.csv")
def report_csv(
    inv: Annotated[Inventory, Depends(authenticated)],
    sku: str | None = None,
    status: str | None = None,
    location: str | None = None,
    partner: str | None = None,
    received_from: str | None = None,
    received_to: str | None = None,
    sold_from: str | None = None,
    sold_to: str | None = None,
) -> StreamingResponse:
    # inv.report checks every filter before it returns: a refusal is a 422 problem here,
    # never a 200 whose body breaks off after the header
    rows = inv.report(
        sku=sku, status=status, location=location, partner=partner,
        received_from=received_from, received_to=received_to,
        sold_from=sold_from, sold_to=sold_to,
    )  # fmt: skip
    return StreamingResponse(
        _csv_lines(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="serials.csv"'},
    )


def _csv_lines(rows: Iterator[tuple[Any, ...]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(REPORT_COLUMNS)
    for count, row in enumerate(rows, 1):
        writer.writerow([safe_cell(v) for v in row])
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def install_login_redirect(app: FastAPI) -> None:
    @app.exception_handler(LoginFirstError)
    async def to_login(_: Request, __: LoginFirstError) -> Response:
        return RedirectResponse("/login", status_code=303)


def install_page_errors(app: FastAPI) -> None:
    """Refusals on pages as an HTML page with the same status; the API keeps its problems."""
    as_problem = app.exception_handlers[SerialtrackError]

    @app.exception_handler(SerialtrackError)
    async def refused(request: Request, error: SerialtrackError) -> Response:
        path = request.url.path
        if path.startswith(("/api/", "/reports/")):
            return await as_problem(request, error)
        context = {"title": "Refused", **refusal_context(error)}
        return render(request, "error.html", context, status_code=status_of(error))
