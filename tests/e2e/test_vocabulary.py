"""One vocabulary (issue 16): what people read says PRODUCT.md's words, never the code's.

Read are the words people see: every page of the demo shop as an admin sees it (text, option
labels, placeholders, titles, confirmations), the templates' own text (branches the demo does
not reach too), the help pages, and the CLI's help for every command. None may say a
developer's word: a raw status or kind value (``in_transit``), a field path (``lines[0]``),
``qty``, ``quant``, ``doc``, ``writeoff``, "customer return" or "supplier return" (PRODUCT.md:
sales return, purchase return), "inventory" for stock (an inventory is a count), or "internal"
/ "virtual" location talk. ``ALLOWED`` names the legitimate uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webshop import library

from serialtrack.entrypoints import help_texts
from serialtrack.entrypoints.cli import app

TEMPLATES = Path(help_texts.__file__).parent / "templates"
RAW_VALUES = (
    "in_stock|in_transit|returned_to_supplier|written_off|adjusted_out|on_hold|opening_balance|"
    "sales_return|purchase_return|write_off|serial_assignment|inventory_count|take_off_books|"
    "post_document|manage_catalog|cancel_document"
)
# word -> what PRODUCT.md says instead
BANNED: dict[str, str] = {
    rf"\b({RAW_VALUES})\b": "the status's or kind's words (in transit, opening balance...)",
    r"\blines?\[\d*\]|\blines\.\d": "line 1, serial 2 (wording.place)",
    r"\bqty\b": "quantity",
    r"\bquants?\b": "stock / units",
    r"\bdoc\b": "document",
    r"\bwrite ?offs?\b(?=\s+(document|of|no|number))|\bwriteoffs?\b": "write-off",
    r"\bscrapp(ed|ing)\b": "written off (Scrap is the location, write-off the document)",
    r"\bcustomer returns?\b": "sales return",
    r"\bsupplier returns?\b": "purchase return (debit note)",
    r"\binventory\b(?!\s+(counts?|adjustments?)\b)": "stock (an inventory is a count)",
    r"\binternal\b": "store (a location of the company's own)",
    r"\bvirtual\b": "a location the system keeps (supplier, customer, transit, scrap...)",
}
# Legitimate uses: (where, a regular expression of the sentence around the word).
ALLOWED: list[tuple[str, str]] = [
    # a serial's free note: the shop's own reference numbers, not a location
    ("*", r"an internal reference"),
]


class _Visible(HTMLParser):
    """The text people see: text nodes, option labels, and the words of placeholders, titles,
    aria labels and confirmations; not scripts, styles or machine attributes."""

    SAID = ("placeholder", "title", "aria-label", "alt", "data-confirm")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code", "kbd"):
            self._hidden += 1
        for name, value in attrs:
            if name in self.SAID and value:
                self.words.append(value)
            if tag == "a" and name == "href" and value:
                self.links.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "kbd"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.words.append(data)


def _said(where: str, text: str) -> list[str]:
    """Each banned word in ``text`` that no allow-list entry for ``where`` covers."""
    found = []
    for pattern, instead in BANNED.items():
        for hit in re.finditer(pattern, text, re.I):
            around = text[max(0, hit.start() - 80) : hit.end() + 80]
            if any(
                (scope == "*" or where.startswith(scope)) and re.search(allowed, around, re.I)
                for scope, allowed in ALLOWED
            ):
                continue
            found.append(f"{where}: {hit.group(0)!r} (say: {instead}) in …{around.strip()}…")
    return found


def _pages(shop: TestClient) -> Iterator[tuple[str, str]]:
    """Every page reachable from the menu and the seeds, a few of each shape, as (url, html)."""
    seeds = ["/", "/help", "/search?q=X1-00005", "/batch?sku=VIT-C&code=LOT-2401",
             "/recall?sku=PHN-X1", "/warranty?days=400", "/expiring?days=365",
             "/stock?location=Main+store", "/serials?status=sold"]  # fmt: skip
    queue, seen, shapes = list(seeds), set(seeds), {}
    while queue:
        url = queue.pop(0)
        kind = re.sub(r"/\d+(?=/|$)", "/#", urlsplit(url).path) + "?" + urlsplit(url).query[:6]
        shapes[kind] = shapes.get(kind, 0) + 1
        if shapes[kind] > 3:
            continue
        answer = shop.get(url)
        if answer.status_code != 200 or "text/html" not in answer.headers["content-type"]:
            continue
        parser = _Visible()
        parser.feed(answer.text)
        yield url, " ".join(" ".join(parser.words).split())
        for href in parser.links:
            target = urlsplit(urljoin("http://testserver" + url, href))
            path = target.path + ("?" + target.query if target.query else "")
            if (
                target.netloc == "testserver"
                and path not in seen
                and not re.search(
                    r"^/(api|static|docs)|\.(csv|xlsx|pdf)$|/pdf$|/file$", target.path
                )
            ):
                seen.add(path)
                queue.append(path)


@pytest.fixture
def admin_shop(shop: TestClient) -> TestClient:
    """The demo shop as its admin sees it (every menu entry), with a transfer in transit, a
    write-off, a hold and an open count to show."""
    with library(shop) as inv:
        inv.add_user("ada", "admin", "admin-pass-1")
        inv.dispatch(source="Main store", destination="Warehouse", lines=[("PHN-X1", ["X1-00010"])])
        inv.write_off(location="Main store", lines=[("PHN-X1", ["X1-00011"])], reason="dropped")
        inv.hold(location="Main store", lines=[("PHN-X1", ["X1-00012"])], reason="inspection")
        inv.count_scan(inv.open_count(location="Warehouse"), ["LP14-0003"])
    shop.cookies.clear()
    shop.post("/login", data={"username": "ada", "password": "admin-pass-1"})
    return shop


def test_the_pages_say_the_products_words(admin_shop: TestClient) -> None:
    problems, walked = [], 0
    for url, text in _pages(admin_shop):
        walked += 1
        problems += _said(f"page {url}", text)
    assert walked > 40
    assert not problems, "\n".join(problems)


def _template_text(source: str) -> str:
    """A template's own words: its text between tags, Jinja taken out."""
    source = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.S)
    parser = _Visible()
    parser.feed(source)
    return " ".join(" ".join(parser.words).split())


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_the_templates_say_the_products_words(template: str) -> None:
    problems = _said(f"template {template}", _template_text((TEMPLATES / template).read_text()))
    assert not problems, "\n".join(problems)


def test_the_help_pages_say_the_products_words() -> None:
    problems = []
    for name, page in help_texts.HELP.items():
        words = [page.title, *page.paragraphs, *(said for _, said in page.links)]
        problems += _said(f"help:{name}", " ".join(words))
    assert not problems, "\n".join(problems)


def _commands(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if not getattr(sub, "hidden", False):
            yield from _commands(sub, (*path, name))


def test_the_cli_help_says_the_products_words() -> None:
    """Every command's help; option names and the values one types (``--status in_stock``,
    setting names) are the CLI's own spelling and are left out."""
    runner, problems = CliRunner(), []
    for path in _commands(typer.main.get_command(app)):
        shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "300", "NO_COLOR": "1"})
        assert shown.exit_code == 0, shown.output
        text = re.sub(r"(?<![\w-])--?[a-z][\w-]*|[│╭╮╰╯─]", " ", shown.output)
        text = re.sub(r"`[^`]*`|\[default: [^\]]*\]|\b[a-z]+(_[a-z]+)+\b(?=(, | or |\.|,? \.\.\.))",
                      " ", text)  # fmt: skip
        problems += _said(f"cli {' '.join(path) or '(top)'}", " ".join(text.split()))
    assert not problems, "\n".join(problems)
