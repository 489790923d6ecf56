"""Every page, on a phone, as each role (issue 16): a 390x844 screen walks the demo shop from the
menu and every link it finds (a product, a serial, a document, a location, a partner, a batch,
reports, counts, transfers, help, users and the audit for an admin) and each page must

- answer without a server error (no 5xx),
- fit the screen: nothing wider than the page (wide tables scroll inside their own box),
- log no console error (a script error, a refused style or script),
- offer no link or GET form that the same person then gets a 403 on,
- and show no form posting what the role may not do (``POST_NEEDS``: a Cancel button for a
  clerk, a Release for who may not release...), like the menu, which ``may()`` trims.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest

import serialtrack
from serialtrack.demo import load_demo
from serialtrack.domain.model import Role
from serialtrack.domain.permissions import ROLE_PERMISSIONS, Permission

PHONE = {"width": 390, "height": 844}
ACCOUNTS = {"kim": ("clerk", "clerk-pass-1"), "mia": ("manager", "manager-pass-1"),
            "ada": ("admin", "admin-pass-1")}  # fmt: skip
# Links that are not pages to walk: leaving, files, the API and its docs.
SKIP = re.compile(r"^/(api/|static/|docs|redoc|openapi)|/logout$|\.(csv|xlsx|pdf|zpl|json)$")
# How many pages of one shape (path with numbers folded, query names) are walked: every
# document (their layouts differ by kind), a few of the rest.
PER_SHAPE = 3
PER_DOCUMENT = 40
LIMIT = 260  # pages per role, a guard against a walk that never ends
# Where the walk starts; the menu and every link found lead on. The rest are pages with an
# answer that no link reaches from an empty form (a search, a batch, a recall, a report's run).
SEEDS = [
    "/", "/help", "/password", "/search?q=X1-00005", "/search?q=LOT-2401", "/search?q=X1",
    "/batch?sku=VIT-C&code=LOT-2401", "/recall?sku=PHN-X1&supplier=Acme+Distribution",
    "/recall?receipt=RC-000001", "/warranty?days=400", "/warranty?side=supplier&days=800",
    "/expiring?days=365", "/stock?location=Main+store", "/stock?as_of=2030-01-01",
    "/journal?sku=PHN-X1", "/serials?status=sold",
]  # fmt: skip


@pytest.fixture
def shop_url(tmp_path: Path) -> str:
    """The demo shop, plus what the demo lacks: a transfer in transit, a write-off, a hold,
    an open count, and one user of each role."""
    url = f"sqlite:///{tmp_path / 'walk.db'}"
    with serialtrack.open(url) as inv:
        load_demo(inv)
        for name, (role, password) in ACCOUNTS.items():
            inv.add_user(name, role, password)
        inv.dispatch(source="Main store", destination="Warehouse", lines=[("PHN-X1", ["X1-00010"])])
        inv.write_off(location="Main store", lines=[("PHN-X1", ["X1-00011"])], reason="dropped")
        inv.hold(location="Main store", lines=[("PHN-X1", ["X1-00012"])], reason="inspection")
        count = inv.open_count(location="Warehouse")
        inv.count_scan(count, ["LP14-0003"])
    return url


def shape(path_and_query: str) -> str:
    parts = urlsplit(path_and_query)
    path = re.sub(r"/\d+(?=/|$)", "/#", parts.path)
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(names) if names else "")


def _local(base: str, href: str, here: str) -> str | None:
    """``href`` as a path and query on this server, or None when it is elsewhere or skipped."""
    target = urlsplit(urljoin(here, href))
    if f"{target.scheme}://{target.netloc}" != base or SKIP.search(target.path):
        return None
    query = urlencode(parse_qsl(target.query, keep_blank_values=True))
    return target.path + ("?" + query if query else "")


_OVERFLOW = """() => {
  // A phone browser (is_mobile) widens innerWidth to the content: measure the page's box too.
  const width = Math.min(window.innerWidth, document.documentElement.clientWidth);
  if (document.documentElement.scrollWidth <= width + 1) return null;
  const culprits = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right <= width + 1 || box.width === 0) continue;
    let scrolled = false;
    for (let up = el.parentElement; up; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (['auto', 'scroll', 'hidden'].includes(style.overflowX)) { scrolled = true; break; }
    }
    if (scrolled) continue;
    const classes = typeof el.className === 'string' ? el.className.trim() : '';
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (classes ? '.' + classes.split(/\\s+/).join('.') : '');
    culprits.push(name + ' (' + Math.round(box.right) + 'px)');
    if (culprits.length > 5) break;
  }
  return document.documentElement.scrollWidth + 'px wide: ' + culprits.join(', ');
}"""

_LINKS = """() => {
  const get = f => (f.getAttribute('method') || 'get').toLowerCase() === 'get';
  const action = f => f.getAttribute('action') || location.pathname + location.search;
  const forms = [...document.querySelectorAll('form')];
  return {
    links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
      .concat(forms.filter(get).map(action)),
    posts: forms.filter(f => !get(f)).map(action),
  };
}"""
# What a POST form's action needs; a page shows the form (its button) only to who may use it.
POST_NEEDS = [
    (r"^/documents/\d+/cancel", Permission.CANCEL_DOCUMENT),
    (r"^/(counts/\d+/post|discrepancies/\d+/resolve|write-offs/)", Permission.TAKE_OFF_BOOKS),
    (r"^/((holds|recall)/release|documents/\d+/release)", Permission.RELEASE_HOLD),
    (r"^/(products?/|locations/|partners/|serial/correct)", Permission.MANAGE_CATALOG),
    (r"^/serial/delete", Permission.DELETE_SERIAL),
    (r"^/opening-balances/", Permission.OPENING_BALANCE),
    (r"^/import", Permission.IMPORT_SERIALS),
    (r"^/users/", Permission.MANAGE_USERS),
    (r"^/(receipts|sales|sales-returns|purchase-returns|refunds|supplier-returns)/",
     Permission.POST_DOCUMENT),
    (r"^/(counter|transfers/|counts/|recall/hold|serial/note)", Permission.POST_DOCUMENT),
]  # fmt: skip


def _walk(browser: Any, base: str, username: str) -> list[str]:
    context = browser.new_context(base_url=base, viewport=PHONE, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.dismiss())
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: console.append(f"script error: {error}"))
    problems: list[str] = []
    try:
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", ACCOUNTS[username][1])
        page.press("#password", "Enter")
        page.wait_for_url(re.compile(r"/$"))
        # The top bar keeps to two rows (brand, Menu, Help; the search box); who is logged in,
        # Password and Log out fold behind Menu with the menu.
        header = page.locator("header.topbar").bounding_box()
        if header is None or header["height"] > 110:
            problems.append(f"[{username}] the top bar takes {header} of the phone's screen")
        page.click("#menu-button")
        if not page.locator("#who").is_visible():
            problems.append(f"[{username}] the open menu does not say who is logged in")
        queue: list[tuple[str, str]] = [(seed, "(start)") for seed in SEEDS]
        seen: set[str] = set()
        shapes: Counter[str] = Counter()
        walked = 0
        while queue and walked < LIMIT:
            url, came_from = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            key = shape(url)
            shapes[key] += 1
            if shapes[key] > (PER_DOCUMENT if key == "/documents/#" else PER_SHAPE):
                continue
            walked += 1
            found = _visit(page, context, base, url, came_from, console, ACCOUNTS[username][0])
            problems.extend(f"[{username}] {p}" for p in found[0])
            queue.extend((link, url) for link in found[1] if link not in seen)
        assert walked > 40, f"{username} walked only {walked} pages: {sorted(seen)}"
    finally:
        context.close()
    return problems


def _visit(
    page: Any, context: Any, base: str, url: str, came_from: str, console: list[str], role: str
) -> tuple[list[str], list[str]]:
    """Check one page; return its problems and the pages it links to."""
    head = context.request.get(url, max_redirects=5)
    status, kind = head.status, head.headers.get("content-type", "")
    if status >= 500:
        return [f"{url} answers {status} (linked from {came_from})"], []
    if status == 403:
        return [f"{came_from} links to {url}, which answers 403"], []
    if status == 404:
        return [f"{came_from} links to {url}, which is not found"], []
    if status >= 400 or not kind.startswith("text/html"):
        return [], []  # a refused filter (422), a file: nothing to draw
    console.clear()
    response = page.goto(url)
    page.wait_for_load_state("load")
    problems: list[str] = []
    if response is not None and response.status >= 500:
        problems.append(f"{url} answers {response.status} in the browser")
    wide = page.evaluate(_OVERFLOW)
    if wide:
        problems.append(f"{url} is wider than the phone: {wide}")
    problems.extend(f"{url} console: {text}" for text in console)
    here = page.url
    found = page.evaluate(_LINKS)
    mine = ROLE_PERMISSIONS[Role(role)]
    for post in {_local(base, action, here) for action in found["posts"]} - {None}:
        for pattern, needed in POST_NEEDS:
            if re.search(pattern, str(post)):
                if needed not in mine:
                    problems.append(f"{url} shows a {role} a form for {post} ({needed.value})")
                break
    links = [_local(base, href, here) for href in found["links"]]
    return problems, [link for link in links if link]


@pytest.mark.parametrize("username", ["kim", "mia", "ada"])
def test_every_page_fits_a_phone_for_each_role(chromium: Any, server: str, username: str) -> None:
    problems = _walk(chromium, server, username)
    assert not problems, "\n".join(problems)
