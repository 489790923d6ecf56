"""Issue 16: a client that goes away while posting to a page (a picker closed mid-request) is
an everyday event, not an error: nothing is logged at ERROR and nothing escapes the app."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from webshop import as_user


def _gone_midway(app: Any, cookie: str, token: str, path: str) -> list[dict[str, Any]]:
    """Post half a form to ``path``, then the client disconnects; what the app sent back."""
    body = b"csrf_token=" + token.encode() + b"&location=Main+store&lines-0-sku=PHN-X1&q-0=X"
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path.split("?")[0], "raw_path": path.split("?")[0].encode(),
        "query_string": path.partition("?")[2].encode(), "root_path": "",
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
        "headers": [
            (b"host", b"testserver"), (b"cookie", cookie.encode()),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body) * 2).encode()), (b"hx-request", b"true"),
            (b"x-csrf-token", token.encode()),
        ],
    }  # fmt: skip
    messages = iter([{"type": "http.request", "body": body, "more_body": True}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages, {"type": "http.disconnect"})

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


@pytest.mark.parametrize("path", ["/entry/picker?index=0&kind=sale", "/entry/quick-scan"])
def test_a_client_gone_midway_logs_no_error(
    shop: TestClient, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    token = as_user(shop, "kim")
    cookie = "; ".join(f"{k}={v}" for k, v in shop.cookies.items())
    with caplog.at_level(logging.DEBUG):
        sent = _gone_midway(shop.app, cookie, token, path)  # raises nothing
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert sent[0]["status"] == 499  # "client closed request", for the access log
    assert shop.get("/").status_code == 200  # the app serves on
