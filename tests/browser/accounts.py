"""Who logs in during the browser tests, and the steps every browser test shares."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

PASSWORDS = {"mia": "manager-pass-1", "kim": "clerk-pass-1"}
# Written under build/ (ignored by git), never into docs/: ``python3 scripts/screenshots.py``
# runs these tests and copies them into docs/screenshots/, which the README links.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def shot(page: Any, name: str) -> None:
    """Save the page as build/screenshots/<name>.png (scripts/screenshots.py copies it to docs)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.press("#password", "Enter")
    page.wait_for_url(re.compile(r"/$"))


def expect_text(page: Any, selector: str, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator(selector)).to_contain_text(text)
