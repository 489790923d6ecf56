"""Issue 15: the calls a till makes all day are tried first, and that changes no answer.

FastAPI matches a request against the routes in order; ``api.HOT_ROUTES`` (a document, a
serial lookup, a scan) are put first. That is only safe while none of them matches the path
of another route with a method in common (nor another route theirs): then which one comes
first cannot matter.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute

from serialtrack.entrypoints import api
from serialtrack.entrypoints.web import create_app


def _routes(sqlite_url: str) -> list[APIRoute]:
    app = create_app(sqlite_url)
    found: list[APIRoute] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.append(route)
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes)

    walk(app.router.routes)
    return found


def _example(path: str) -> str:
    """A request path for a route's template: each parameter given a plain value."""
    path = re.sub(r"\{[^}]*:path\}", "some/where", path)
    return re.sub(r"\{[^}]*\}", "x-1", path)


def test_no_hot_route_shares_a_path_with_another(sqlite_url: str) -> None:
    routes = _routes(sqlite_url)
    hot = [r for r in routes if any((m, r.path) in api.HOT_ROUTES for m in r.methods)]
    assert sorted((m, r.path) for r in hot for m in r.methods) == sorted(api.HOT_ROUTES)
    checked = 0
    for first in hot:
        for other in routes:
            if other is first or not first.methods & other.methods:
                continue
            assert not first.path_regex.match(_example(other.path)), (first.path, other.path)
            assert not other.path_regex.match(_example(first.path)), (other.path, first.path)
            checked += 1
    assert checked > 50


def test_the_hot_routes_are_tried_first() -> None:
    first = [(sorted(r.methods)[0], r.path) for r in api.router.routes[: len(api.HOT_ROUTES)]]
    assert first == list(api.HOT_ROUTES)


def test_the_check_sees_a_route_that_would_be_shadowed() -> None:
    lookup = next(r for r in api.router.routes if r.path == "/api/v1/products/{sku}/serials/{code}")
    assert lookup.path_regex.match(_example("/api/v1/products/{sku}/serials/export"))
