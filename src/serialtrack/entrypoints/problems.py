"""Every refusal as ``application/problem+json`` (RFC 9457), and a cap on request bodies."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serialtrack.domain.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    SerialtrackError,
    Throttled,
    Unauthenticated,
)

MEDIA = "application/problem+json"
STATUS = {  # Throttled first: it is also an Unauthenticated
    Throttled: 429, NotFound: 404, Invalid: 422, Conflict: 409, Forbidden: 403,
    Unauthenticated: 401,
}  # fmt: skip
TITLES = {
    400: "Bad request", 401: "Not logged in", 403: "Not allowed", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 413: "Request too large",
    422: "Invalid input", 429: "Too many requests", 500: "Internal error",
}  # fmt: skip
MAX_BODY = 64 * 1024 * 1024  # a 100,000-serial document is about 2 MB of JSON
CLIENT_GONE = 499  # "client closed request": what the access log shows for a request given up
LOG = logging.getLogger(__name__)


def problem_type(kind: str) -> str:
    return f"urn:serialtrack:problem:{kind}"


def problem_parts(error: SerialtrackError) -> tuple[int, dict[str, Any]]:
    status = next((s for cls, s in STATUS.items() if isinstance(error, cls)), 400)
    errors = [{"where": p.where, "message": p.message} for p in error.problems]
    return status, _body(status, error.kind, error.message, errors)


def _body(status: int, kind: str, detail: str, errors: list[dict[str, Any]]) -> dict[str, Any]:
    title = TITLES.get(status, "Error")
    return {"type": problem_type(kind), "title": title, "status": status, "detail": detail,
            "errors": errors}  # fmt: skip


def problem(status: int, kind: str, detail: str, errors: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:  # fmt: skip
    body = _body(status, kind, detail, errors or [])
    return JSONResponse(body, status_code=status, media_type=MEDIA, headers=headers)


def install(app: FastAPI) -> None:
    """Map every error the app can meet to a problem response; nothing leaks as a bare 500."""

    @app.exception_handler(SerialtrackError)
    async def refused(_: Request, error: SerialtrackError) -> JSONResponse:
        status, body = problem_parts(error)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(error, Throttled):
            headers = {"Retry-After": str(error.retry_after)}
        return JSONResponse(body, status_code=status, media_type=MEDIA, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def malformed(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
            for e in error.errors()
        ]
        return problem(422, "invalid", "the request is not valid", errors)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        kinds = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}
        return problem(error.status_code, kinds.get(error.status_code, "error"), str(error.detail))

    @app.exception_handler(ClientDisconnect)
    async def gone(request: Request, _: ClientDisconnect) -> Response:
        """The client went away before its request was read (a picker closed while typing, a
        page left): nobody is waiting for an answer and nothing is wrong, so no traceback."""
        LOG.info("client went away during %s %s", request.method, request.url.path)
        return Response(status_code=CLIENT_GONE)

    @app.exception_handler(Exception)
    async def crashed(_: Request, error: Exception) -> JSONResponse:  # pragma: no cover
        return problem(500, "internal", "an internal error occurred; nothing was written")


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, by header or while streaming."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise HTTPException(413, f"the request body is over {self.limit} bytes")
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(413, "too-large", f"the request body is over {self.limit} bytes")
        await response(scope, receive, send)
