"""A real ``serialtrack serve`` and Debian's chromium driven by Playwright.

The browser is the system's (``/usr/bin/chromium``, or ``SERIALTRACK_CHROMIUM``); Playwright
never downloads one. Without it the browser tests are skipped with the reason, unless
``SERIALTRACK_TEST_POSTGRES=required`` (CI), when they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import serialtrack
from e2e.live import live_server
from templates import initialized

CHROMIUM = os.environ.get("SERIALTRACK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
REQUIRED = os.environ.get("SERIALTRACK_TEST_POSTGRES") == "required"
from browser.accounts import PASSWORDS  # noqa: E402


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e .[dev])"
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    problem = _missing()
    if problem:
        if REQUIRED:
            pytest.fail(f"SERIALTRACK_TEST_POSTGRES=required (CI) but {problem}")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def shop_url(tmp_path: Path) -> str:
    """A database with a store, a supplier, a customer, a manager (mia) and a clerk (kim)."""
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    with serialtrack.open(initialized(url)) as inv:
        inv.add_location("Main store")
        inv.add_location("Warehouse")
        inv.add_partner("Acme Distribution", supplier=True)
        inv.add_partner("Jane Doe", customer=True)
        inv.add_user("mia", "manager", PASSWORDS["mia"])
        inv.add_user("kim", "clerk", PASSWORDS["kim"])
    return url


@pytest.fixture
def server(shop_url: str, tmp_path: Path) -> Iterator[str]:
    with live_server(shop_url, tmp_path / "server.log") as base:
        yield base


@pytest.fixture
def page(chromium: Any, server: str) -> Iterator[Any]:
    context = chromium.new_context(base_url=server, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        yield page
    finally:
        context.close()
