"""Issue 11: the app starts and serves every page with no network, and no page or static file
it serves points anywhere but the app itself (Swagger UI is vendored under static/swagger/).
The README's start command (``python3 scripts/run.py``) starts, twice, with the package index
unreachable: it installs only when ``.venv`` no longer matches pyproject.toml.

The server runs as ``serialtrack serve`` in a subprocess whose Python refuses, and records,
any connection or name lookup that is not this machine's (an audit hook in a
``sitecustomize`` put first on its path). On SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
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
from templates import initialized

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
    with serialtrack.open(initialized(db_url)) as inv:
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
    """The http(s) URLs in ``body`` that are not the app's (a vendored file: those it loads).
    An XML namespace (the favicon's ``xmlns="http://www.w3.org/2000/svg"``) is a name, never
    fetched."""
    body = re.sub(rb'xmlns(:[\w-]+)?="[^"]*"', b"", body)
    found = [u.decode() for u in URL.findall(body)]
    if path in VENDORED or path.endswith(".css"):
        found = []
    if path.endswith(".css"):  # what a stylesheet loads: its url()s, data: or the app's
        found = [u.decode() for u in CSS_URL.findall(body) if not u.startswith(b"data:")]
        found = [u for u in found if "//" in u]
    # GS1's resolver is the base of the Digital Link URIs labels carry (data, never fetched).
    return [u for u in found if not u.startswith((base, GS1_RESOLVER))]


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
    # A printed document (PDF) opens in the browser's own viewer, not as a page of the app;
    # an export is a download (an attachment), not a page.
    skipped = ("/static/", "/api/v1/", "/exports/")
    pages = [p for p, body in crawl(base).items()
             if not p.startswith(skipped) and not body.startswith(b"%PDF")]  # fmt: skip
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


# --- the README's start command, offline -------------------------------------------------------
ROOT = Path(__file__).resolve().parents[2]
RECORD_SUBPROCESSES = """
def _record(event, args):
    if event == "subprocess.Popen":
        with open(os.environ["SERIALTRACK_COMMANDS_LOG"], "a") as log:
            log.write(repr([str(a) for a in args[1]]) + "\\n")


sys.addaudithook(_record)
"""
GS1_RESOLVER = "https://id.gs1.org"
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing answers


def offline_env(tmp_path: Path, db_url: str) -> tuple[dict[str, str], Path, Path]:
    """An environment with no package index, no proxy and no network (refused and recorded),
    every subprocess recorded; and the two logs."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(NO_NETWORK + RECORD_SUBPROCESSES)
    network_log, commands_log = tmp_path / "network.log", tmp_path / "commands.log"
    network_log.touch()
    commands_log.touch()
    dropped = ("PIP_", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items()
           if not k.lower().endswith("_proxy") and not k.startswith(dropped)}  # fmt: skip
    env.update({
        "PYTHONPATH": str(hook), "SERIALTRACK_NETWORK_LOG": str(network_log),
        "SERIALTRACK_COMMANDS_LOG": str(commands_log), "SERIALTRACK_DATABASE_URL": db_url,
        "PIP_INDEX_URL": UNREACHABLE + "/simple", "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "",
        "PIP_RETRIES": "0", "PIP_TIMEOUT": "2", "http_proxy": UNREACHABLE,
        "https_proxy": UNREACHABLE, "no_proxy": "127.0.0.1,localhost",
    })  # fmt: skip
    return env, network_log, commands_log


def start_and_stop(env: dict[str, str], log: Path, *args: str) -> float:
    """``python3 scripts/run.py --port N *args``: wait for /api/v1/health, stop the whole
    process group; return the seconds until it answered."""
    from e2e.live import free_port

    port = free_port()
    python = getattr(sys, "_base_executable", sys.executable)  # not the venv's: as on a new shell
    started = time.monotonic()
    with log.open("ab") as output:
        runner = subprocess.Popen(
            [python, str(ROOT / "scripts" / "run.py"), "--port", str(port), *args],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            while True:
                assert time.monotonic() - started < 90, log.read_text(errors="replace")
                assert runner.poll() is None, log.read_text(errors="replace")
                try:
                    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                    with opener.open(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as up:
                        if up.status == 200:
                            return time.monotonic() - started
                except OSError:
                    time.sleep(0.2)
        finally:
            os.killpg(runner.pid, signal.SIGTERM)  # run.py and the server it started
            try:
                runner.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(runner.pid, signal.SIGKILL)
                runner.wait()


def test_run_py_starts_twice_with_no_package_index_and_installs_nothing(tmp_path: Path) -> None:
    """The README's ``python3 scripts/run.py`` with ``.venv`` already holding the project as
    pyproject.toml says: no pip runs, nothing reaches for the network, the server answers; and
    again (the database now made). Its database is the test's, not the project's."""
    bootstrap = load_bootstrap()
    if Path(sys.prefix).resolve() != bootstrap.VENV.resolve():
        pytest.skip(f"run from {sys.prefix}, not the project's .venv (scripts/test.py uses it)")
    assert bootstrap.installed(""), "the project's .venv does not match pyproject.toml"
    db_url = f"sqlite:///{tmp_path / 'offline.db'}"
    env, network_log, commands_log = offline_env(tmp_path, db_url)
    log = tmp_path / "run.log"
    for args in (["--demo"], []):
        took = start_and_stop(env, log, *args)
        assert took < 60, took
    output = log.read_text(errors="replace")
    commands = [eval(line) for line in commands_log.read_text().splitlines()]  # our own repr()s
    pip = [c for c in commands if Path(c[0]).name.startswith("pip") or "pip" in c[1:3]]
    assert pip == [], commands  # neither `python -m pip` nor a pip script ran
    assert [c[1] for c in commands if c[0] == str(bootstrap.PYTHON)] == ["-c", "-c"]  # checks
    assert "pip install" not in output, output
    ran = [c[1:3] for c in commands if c[0] == str(bootstrap.BIN / "serialtrack")]
    assert ran == [["init", "--demo"], ["serve", "--port"], ["init"], ["serve", "--port"]], commands
    assert network_log.read_text() == "", "something reached for the network"
    assert (tmp_path / "offline.db").exists()
    with serialtrack.open(db_url) as inv:
        assert inv.documents() != []  # the demo shop, loaded by the first start
        assert inv.check() == []


def load_bootstrap() -> Any:
    """scripts/bootstrap.py as a module (it is no package's)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bootstrap", ROOT / "scripts" / "bootstrap.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_install_is_wanted_only_when_pyproject_no_longer_matches(tmp_path: Path) -> None:
    """The check run.py makes before installing: the installed package against pyproject.toml
    (here a copy of it, changed). Version, editable source and requirements count."""
    bootstrap = load_bootstrap()
    python = str(bootstrap.PYTHON)
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")

    def verdict(root: Path, *extras: str) -> tuple[int, str]:
        done = subprocess.run([python, "-c", bootstrap.INSTALLED_MATCHES, str(root), *extras],
                              capture_output=True, text=True, timeout=60)  # fmt: skip
        return done.returncode, done.stderr.strip().splitlines()[-1] if done.stderr else ""

    assert verdict(ROOT, "") == (0, "")
    assert verdict(ROOT, "dev") == (0, "")
    version = re.search(r'(?m)^version = "([^"]+)"', pyproject)
    assert version
    bumped = tmp_path / "bumped"
    bumped.mkdir()
    (bumped / "pyproject.toml").write_text(pyproject.replace(version[0], 'version = "999.0"', 1))
    code, why = verdict(bumped, "")
    assert code != 0
    assert "pyproject says 999.0" in why, why
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pyproject.toml").write_text(pyproject)
    code, why = verdict(elsewhere, "")
    assert code != 0
    assert "not installed editable" in why, why
