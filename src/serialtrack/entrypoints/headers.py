"""What every HTTP answer carries, and what no request may carry.

- ``SecurityHeaders``: the Content-Security-Policy (only this origin's scripts and styles, no
  eval, no inline script, no framing) and its companions on every response; ``Cache-Control:
  no-store`` on everything but ``/static/``; session cookies ``HttpOnly``, ``SameSite=Lax``,
  and ``Secure`` when the request came over https, whoever set them.
- ``NulGuard``: a NUL character in the path, a query parameter or the body (raw, ``%00`` in a
  form, ``\\u0000`` in JSON) is refused with 422 before any route runs: no database stores it
  (PostgreSQL refuses it in text with a 500). The body is checked as it streams past, chunk by
  chunk, never buffered (as ``problems.BodyLimit`` counts it); multipart bodies are left alone,
  their files being binary.
- ``install``: both on an app, and a 405 that names every method its path allows.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serialtrack.entrypoints import problems

TEMPLATES = Path(__file__).parent / "templates"


def template_style_hashes(directory: Path = TEMPLATES) -> list[str]:
    """CSP sources (``'sha256-…'``) for the fixed ``<style>`` blocks of the templates (the login
    page has one), so that they, and no other inline style element, apply."""
    hashes = []
    for template in sorted(directory.glob("*.html")):
        for block in re.findall(r"<style>(.*?)</style>", template.read_text("utf-8"), re.S):
            if "{{" not in block and "{%" not in block:
                digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
                hashes.append(f"'sha256-{digest}'")
    return hashes


# Scripts and styles come from this origin's files; a style="" attribute (a few pages set one
# margin) is allowed, a <style> element only when it is one of the templates' own. Swagger UI's
# icons are data: images.
CSP = "; ".join((
    "default-src 'self'", "script-src 'self'",
    " ".join(["style-src 'self'", *template_style_hashes()]),
    "style-src-attr 'unsafe-inline'", "img-src 'self' data:", "font-src 'self'",
    "object-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'",
))  # fmt: skip
# A camera may scan barcodes one day (this origin only); the rest stays off.
PERMISSIONS = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", PERMISSIONS.encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
)
STATIC_PREFIX = "/static/"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class SecurityHeaders:
    """Add the security headers to every response (those it already has are kept)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        cacheable = str(scope.get("path", "")).startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_security(list(message.get("headers") or []),
                                                   https=https, cacheable=cacheable)  # fmt: skip
            await send(message)

        await self.app(scope, receive, send_with_headers)


def with_security(
    headers: list[tuple[bytes, bytes]], *, https: bool, cacheable: bool
) -> list[tuple[bytes, bytes]]:
    """``headers`` with the security headers added and every cookie hardened."""
    present = {name.lower() for name, _ in headers}
    out = [
        (name, hardened_cookie(value, https=https) if name.lower() == b"set-cookie" else value)
        for name, value in headers
    ]
    out += [(name, value) for name, value in HEADERS if name not in present]
    if not cacheable and b"cache-control" not in present:
        out.append((b"cache-control", b"no-store"))
    return out


def hardened_cookie(value: bytes, *, https: bool) -> bytes:
    """A ``Set-Cookie`` value with ``HttpOnly``, a ``SameSite`` (Lax unless it has one) and,
    over https, ``Secure``."""
    attributes = {part.strip().split(b"=", 1)[0].lower() for part in value.split(b";")[1:]}
    extra = []
    if b"httponly" not in attributes:
        extra.append(b"HttpOnly")
    if b"samesite" not in attributes:
        extra.append(b"SameSite=Lax")
    if https and b"secure" not in attributes:
        extra.append(b"Secure")
    return b"; ".join([value.rstrip(b"; "), *extra]) if extra else value


# --- NUL characters ----------------------------------------------------------------------------
class NulInRequest(HTTPException):
    """A NUL character where ``where`` says; answered 422 as a problem."""

    def __init__(self, where: str) -> None:
        super().__init__(422, f"the {where} contains a NUL character")
        self.where = where


def nul_problem(where: str) -> JSONResponse:
    return problems.problem(
        422, "invalid", "the request contains a NUL character, which nothing may hold",
        [{"where": where, "message": "contains a NUL character (\\0, %00 or \\u0000)"}],
    )  # fmt: skip


def nul_in_url(scope: Scope) -> str | None:
    """Where the path or the query string holds a NUL, if it does."""
    raw_path = scope.get("raw_path") or b""
    if "\x00" in str(scope.get("path", "")) or b"\x00" in raw_path or b"%00" in raw_path:
        return "path"
    query = (scope.get("query_string") or b"").decode("latin-1")
    if "\x00" not in query and "%00" not in query:
        return None
    for name, value in parse_qsl(query, keep_blank_values=True, errors="replace"):
        if "\x00" in name or "\x00" in value:
            return f"query parameter {name.replace(chr(0), '')}".rstrip()
    return "query string"


class BodyScanner:
    """Finds a NUL in a body fed chunk by chunk, keeping only the last few bytes between chunks
    (a ``%00`` or ``\\u0000`` may be cut in two)."""

    TAIL = 64

    def __init__(self, content_type: str) -> None:
        self.form = content_type.startswith("application/x-www-form-urlencoded")
        self.tail = b""

    def has_nul(self, chunk: bytes) -> bool:
        if b"\x00" in chunk:
            return True
        data = self.tail + chunk
        self.tail = data[-self.TAIL :]
        if self.form:
            return b"%00" in data
        return _json_nul(data)


def _json_nul(data: bytes) -> bool:
    """Whether ``data`` holds a JSON ``\\u0000`` escape (not an escaped backslash before
    ``u0000``, which is text)."""
    start = data.find(b"\\u0000")
    while start >= 0:
        before = start
        while before > 0 and data[before - 1] == 0x5C:  # backslash
            before -= 1
        if (start - before) % 2 == 0:
            return True
        start = data.find(b"\\u0000", start + 1)
    return False


class NulGuard:
    """Refuse a NUL in the path or query at once, and in the body as the app reads it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        where = nul_in_url(scope)
        if where:
            await nul_problem(where)(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower().strip()
        if content_type.startswith("multipart/form-data"):
            await self.app(scope, receive, send)
            return
        scanner = BodyScanner(content_type)

        async def checked() -> Message:
            message = await receive()
            if message["type"] == "http.request" and scanner.has_nul(message.get("body", b"")):
                raise NulInRequest("body")
            return message

        await self.app(scope, checked, send)


# --- 405 ----------------------------------------------------------------------------------------
def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method some route of ``scope``'s path answers (a path may have several routes, as
    ``/login`` has: GET and POST), asking each route as the router would."""
    routes = [r for r in app.router.routes if not isinstance(r, Mount)]
    return [
        method for method in METHODS
        if any(r.matches({**scope, "method": method})[0] is Match.FULL for r in routes)
    ]  # fmt: skip


def install(app: FastAPI) -> None:
    """The NUL guard, 405 with ``Allow``, and the security headers on every response, even a
    crash's (they wrap the whole middleware stack)."""
    app.add_middleware(NulGuard)
    http_problem = app.exception_handlers[HTTPException]

    async def refused_nul(_: Request, error: Exception) -> Response:
        assert isinstance(error, NulInRequest)
        return nul_problem(error.where)

    async def http_error(request: Request, error: Exception) -> Response:
        response: Response = await http_problem(request, error)
        assert isinstance(error, HTTPException)
        extra = dict(error.headers or {})
        if error.status_code == 405:
            allow = allowed_methods(app, request.scope)
            if allow:
                extra["Allow"] = ", ".join(allow)
        response.headers.update(extra)
        return response

    app.add_exception_handler(NulInRequest, refused_nul)
    app.add_exception_handler(HTTPException, http_error)
    build: Callable[[], Any] = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeaders(build())  # type: ignore[method-assign]
