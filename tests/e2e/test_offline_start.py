"""Issue 11: the app starts and serves every page with no network, and no page or static file
it serves points anywhere but the app itself (Swagger UI is vendored under static/swagger/).

The server runs as ``serialtrack serve`` in a subprocess whose Python refuses, and records,
any connection or name lookup that is not this machine's (an audit hook in a
``sitecustomize`` put first on its path). On SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest

import serialtrack
from e2e.live import live_server
from serialtrack.demo import load_demo

PASSWORD = "offline-pass-1"
URL = re.compile(rb"(?i)\bhttps?://[^\s\"'<>()\\]+")
CSS_URL = re.compile(rb"url\(\s*['\"]?([^'\")]+)")
# Third-party files: their code holds documentation links and XML namespaces that are never
# loaded; what they load is proven by the browser test below. Ours hold no URL at all.
VENDORED = {"/static/htmx.min.js", "/static/swagger/swagger-ui-bundle.js"}
MAX_PAGES = 120
SKIPPED = ("/logout", "/reports/")  # a form's action; a CSV download

NO_NETWORK = """
import os, sys

LOG = os.environ["SERIALTRACK_NETWORK_LOG"]
LOCAL = ("127.", "::1", "localhost", "0.0.0.0")


def _local(host):
    host = host.decode() if isinstance(host, bytes) else str(host or "")
    return host in ("", "::") or host.startswith(LOCAL)


def _refuse(event, target):
    with open(LOG, "a") as log:
        log.write(f"{event} {target}\\n")
    raise OSError(f"no network in this test: {event} {target}")


def _hook(event, args):
    if event == "socket.connect" and isinstance(args[1], tuple) and not _local(args[1][0]):
        _refuse(event, args[1])
    if event == "socket.getaddrinfo" and args[0] is not None and not _local(args[0]):
        _refuse(event, args[0])


sys.addaudithook(_hook)
"""


@pytest.fixture
def offline(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The demo shop served with no network; yields (base URL, the log of refused calls)."""
    with serialtrack.open(db_url) as inv:
        load_demo(inv)
        inv.add_user("kim", "clerk", PASSWORD)
    hook = tmp_path / "no_network"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(NO_NETWORK)
    network_log = tmp_path / "network.log"
    network_log.touch()
    path = os.pathsep.join(p for p in (str(hook), os.environ.get("PYTHONPATH", "")) if p)
    monkeypatch.setenv("PYTHONPATH", path)
    monkeypatch.setenv("SERIALTRACK_NETWORK_LOG", str(network_log))
    monkeypatch.setenv("no_proxy", "*")  # the test's own requests go straight to the server
    with live_server(db_url, tmp_path / "server.log") as base:
        yield base, network_log
    assert network_log.read_text() == "", "the server reached for the network"


class Links(HTMLParser):
    """Every URL an HTML page refers to (href, src, action, data-*-url); and those a GET may
    follow: links, stylesheets, scripts, images (a form's action is posted to, not fetched)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.fetched: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name in ("href", "src", "action") or name.endswith("-url")):
                self.links.append(value)
                if name in ("href", "src") or name.endswith("-url"):
                    self.fetched.append(value)


def opener() -> Any:
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(CookieJar())
    )


def log_in(browser: Any, base: str) -> None:
    data = urllib.parse.urlencode({"username": "kim", "password": PASSWORD}).encode()
    with browser.open(base + "/login", data=data) as answer:
        assert answer.status == 200


def crawl(base: str) -> dict[str, bytes]:
    """Logged in as a clerk: every page reachable by links from home (and /login, /api/docs),
    and every file they refer to, by path."""
    browser = opener()
    got: dict[str, bytes] = {}
    with browser.open(base + "/login") as answer:
        got["/login"] = answer.read()
    log_in(browser, base)
    queue = ["/", "/api/docs", "/api/v1/openapi.json"]
    while queue and len(got) < MAX_PAGES:
        path = queue.pop(0)
        if path in got or path.startswith(SKIPPED):
            continue
        try:
            with browser.open(base + path) as answer:
                got[path] = body = answer.read()
                kind = answer.headers.get("content-type", "")
        except urllib.error.HTTPError as refused:  # a link the role may not follow: still read
            got[path] = body = refused.read()
            kind = refused.headers.get("content-type", "")
        if "html" in kind:
            parser = Links()
            parser.feed(body.decode("utf-8"))
            for link in parser.fetched:
                target = urllib.parse.urljoin(base + path, link.replace("&amp;", "&"))
                if target.startswith(base):
                    queue.append(target[len(base) :].split("#")[0] or "/")
    return got


def foreign_urls(base: str, path: str, body: bytes) -> list[str]:
    """The http(s) URLs in ``body`` that are not the app's (a vendored file: those it loads)."""
    found = [u.decode() for u in URL.findall(body)]
    if path in VENDORED or path.endswith(".css"):
        found = []
    if path.endswith(".css"):  # what a stylesheet loads: its url()s, data: or the app's
        found = [u.decode() for u in CSS_URL.findall(body) if not u.startswith(b"data:")]
        found = [u for u in found if "//" in u]
    return [u for u in found if not u.startswith(base)]


def test_no_page_or_file_the_app_serves_refers_to_another_host(offline: Any) -> None:
    base, _ = offline
    got = crawl(base)
    pages = [p for p in got if not p.startswith("/static/")]
    assert len(pages) > 15, sorted(got)  # the crawl saw the app (every menu entry and more)
    for expected in ("/api/docs", "/static/app.js", "/static/app.css", "/static/htmx.min.js",
                     "/static/swagger/swagger-ui-bundle.js", "/static/swagger/swagger-ui.css",
                     "/static/swagger/swagger-init.js"):  # fmt: skip
        assert expected in got, sorted(got)
    problems = {p: foreign_urls(base, p, body) for p, body in got.items()}
    assert {p: urls for p, urls in problems.items() if urls} == {}
    for path, body in got.items():
        if body.lstrip().lower().startswith(b"<!doctype html"):
            parser = Links()
            parser.feed(body.decode("utf-8"))
            elsewhere = [u for u in parser.links if u.startswith("//") or (
                re.match(r"(?i)[a-z][a-z0-9+.-]*:", u) and not u.startswith((base, "javascript:"))
            )]  # fmt: skip
            assert elsewhere == [], path
        if path not in VENDORED:
            assert b"//cdn" not in body, path
            assert b"jsdelivr" not in body, path


def test_the_servers_python_really_has_no_network(tmp_path: Path) -> None:
    """The audit hook the server runs under refuses a lookup or a connection elsewhere."""
    (tmp_path / "sitecustomize.py").write_text(NO_NETWORK)
    log = tmp_path / "network.log"
    probe = (
        "import socket\n"
        "for call in (lambda: socket.getaddrinfo('example.org', 443),\n"
        "             lambda: socket.socket().connect(('192.0.2.1', 443))):\n"
        "    try:\n        call()\n    except OSError as e:\n        print(e)\n"
        "socket.getaddrinfo('127.0.0.1', 80)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "SERIALTRACK_NETWORK_LOG": str(log)}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("no network in this test") == 2
    assert log.read_text().splitlines() == [
        "socket.getaddrinfo example.org",
        "socket.connect ('192.0.2.1', 443)",
    ]


# --- the same pages in a real browser ----------------------------------------------------------
CHROMIUM = os.environ.get("SERIALTRACK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


def chromium_or_skip() -> None:
    problem = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = "playwright is not installed"
    if problem is None and not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        problem = f"no chromium at {CHROMIUM}"
    if problem:
        if os.environ.get("SERIALTRACK_TEST_POSTGRES") == "required":
            pytest.fail(problem)
        pytest.skip(problem)


def visit(base: str, pages: list[str]) -> tuple[list[str], list[str]]:
    """Log in and open ``pages`` then the API docs in chromium; return the requests that left
    the app and what the CSP refused (or scripts threw)."""
    from playwright.sync_api import expect, sync_playwright

    elsewhere: list[str] = []
    refused: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(base_url=base).new_page()
            page.set_default_timeout(10_000)
            page.on(
                "request", lambda r: None if r.url.startswith(base) else elsewhere.append(r.url)
            )
            page.on("console", lambda m: refused.append(f"{page.url}: {m.text}")
                    if "Content Security Policy" in m.text else None)  # fmt: skip
            page.on("pageerror", lambda e: refused.append(f"{page.url}: {e}"))
            page.goto("/login")
            page.fill("#username", "kim")
            page.fill("#password", PASSWORD)
            page.press("#password", "Enter")
            page.wait_for_url(base + "/")
            for path in pages:
                page.goto(path)
                page.wait_for_load_state("load")
            page.goto("/api/docs")
            expect(page.locator(".swagger-ui .info .title")).to_contain_text("serialtrack")
            expect(page.locator(".opblock").first).to_be_visible()
        finally:
            browser.close()
    return elsewhere, refused


@pytest.mark.browser
def test_every_page_loads_only_from_the_app_and_breaks_no_policy(offline: Any) -> None:
    """Chromium opens every page: no request leaves the app, the CSP refuses nothing, and the
    API docs draw from the vendored Swagger UI. (In a thread of its own: the browser tests'
    Playwright may already run in this one, and its sync API does not nest.)"""
    chromium_or_skip()
    base, _ = offline
    pages = [p for p in crawl(base) if not p.startswith(("/static/", "/api/v1/"))]
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = visit(base, pages)
        except BaseException as error:  # handed to the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=300)
    if "error" in outcome:
        raise outcome["error"]
    elsewhere, refused = outcome["result"]
    assert elsewhere == []
    assert refused == []
