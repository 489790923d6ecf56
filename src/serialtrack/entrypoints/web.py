"""The HTTP app: a read-only view of the ledger and a JSON API, around ``Inventory``.

Until users can log in over HTTP, the server is read-only and ``serialtrack serve`` binds to
localhost; every request still acts as a named user, so the service layer's role checks apply.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.templating import Jinja2Templates

import serialtrack
from serialtrack.domain.errors import Conflict, Forbidden, Invalid, NotFound, SerialtrackError
from serialtrack.inventory import Inventory

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter()
STATUS_OF = {NotFound: 404, Invalid: 422, Conflict: 409, Forbidden: 403}


def create_app(database_url: str, user: str = "admin") -> FastAPI:
    """The app on ``database_url``; requests act as ``user``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.inventory = serialtrack.open(database_url, user=user)
        try:
            yield
        finally:
            app.state.inventory.close()

    app = FastAPI(title="serialtrack", version=serialtrack.__version__, lifespan=lifespan)

    @app.exception_handler(SerialtrackError)
    async def refused(_: Request, error: SerialtrackError) -> JSONResponse:
        status = next((s for cls, s in STATUS_OF.items() if isinstance(error, cls)), 400)
        problems = [{"where": p.where, "message": p.message} for p in error.problems]
        return JSONResponse({"error": error.message, "problems": problems}, status_code=status)

    app.include_router(router)
    return app


def inv(request: Request) -> Inventory:
    return request.app.state.inventory


@router.get("/api/v1/health")
def health() -> dict[str, str]:
    return {"status": "ok", "version": serialtrack.__version__}


@router.get("/api/v1/serials")
def serial_list(
    request: Request,
    sku: str | None = None,
    status: str | None = None,
    location: str | None = None,
    after_id: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    rows = inv(request).serials(
        sku=sku, status=status, location=location, after_id=after_id, limit=limit
    )
    return jsonable_encoder({"items": rows, "next_after_id": rows[-1]["id"] if rows else None})


@router.get("/api/v1/products/{sku}/serials/{code}")
def serial_detail(request: Request, sku: str, code: str) -> Any:
    return jsonable_encoder(inv(request).serial(sku, code))


@router.get("/api/v1/documents/{number}")
def document_detail(request: Request, number: str) -> Any:
    return jsonable_encoder(inv(request).document(number))


@router.get("/api/v1/stock")
def stock(request: Request, sku: str | None = None, location: str | None = None) -> Any:
    return jsonable_encoder(inv(request).stock(sku=sku, location=location))


@router.get("/reports/serials.csv")
def report_csv(
    request: Request,
    sku: str | None = None,
    status: str | None = None,
    location: str | None = None,
) -> StreamingResponse:
    rows = inv(request).report(sku=sku, status=status, location=location)
    return StreamingResponse(
        _csv_lines(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="serials.csv"'},
    )


@router.get("/", response_class=HTMLResponse)
def home(request: Request, sku: str = "", code: str = "") -> HTMLResponse:
    found, error = None, None
    if sku and code:
        try:
            found = inv(request).serial(sku, code)
        except SerialtrackError as refusal:
            error = refusal.message
    context = {
        "stock": inv(request).stock(),
        "documents": inv(request).documents(limit=20),
        "products": inv(request).products(),
        "sku": sku,
        "code": code,
        "found": found,
        "error": error,
    }
    return TEMPLATES.TemplateResponse(request, "home.html", context)


def _csv_lines(rows: Iterator[tuple[Any, ...]]) -> Iterator[str]:
    import csv
    import io

    from serialtrack.adapters.files import safe_cell
    from serialtrack.services.queries import REPORT_COLUMNS

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
